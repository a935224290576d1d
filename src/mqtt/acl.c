/* SPDX-License-Identifier: MIT */
/* mqtt/acl.c - the broker's files for `yizhan devices export-acl`: Mosquitto 2.0 password
 * lines (PBKDF2-HMAC-SHA512 through OpenSSL's libcrypto: docs/internals/mqtt.md says why) and
 * the topic ACL. */
#include "mqtt/mqtt.h"

#include <openssl/evp.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SALT_LEN 12 /* mosquitto_passwd's salt, bytes */
#define HASH_LEN 64 /* SHA-512 */
#define DEFAULT_ITER 101

static void b64(yz_buf *out, const unsigned char *p, size_t n)
{
    char s[sodium_base64_ENCODED_LEN(HASH_LEN, sodium_base64_VARIANT_ORIGINAL)];
    sodium_bin2base64(s, sizeof s, p, n, sodium_base64_VARIANT_ORIGINAL);
    yz_buf_puts(out, s);
}

static bool pbkdf2(const char *password, const unsigned char *salt, size_t salt_len, int iter,
                   unsigned char out[HASH_LEN])
{
    return PKCS5_PBKDF2_HMAC(password, (int)strlen(password), salt, (int)salt_len, iter,
                             EVP_sha512(), HASH_LEN, out) == 1;
}

int yz_mqtt_passwd_line(yz_buf *out, const char *user, const char *password, int iterations,
                        yz_errinfo *ei)
{
    if (!*user || strpbrk(user, ":\r\n"))
        return yz_err_set(ei, YZ_EINVAL, "user", "用户名不可为空，也不可含冒号或换行",
                          "the user name must not be empty nor hold a colon or a line break");
    if (strpbrk(password, "\r\n"))
        return yz_err_set(ei, YZ_EINVAL, "password", "密码不可含换行",
                          "the password must not hold a line break");
    int iter = iterations > 0 ? iterations : DEFAULT_ITER;
    unsigned char salt[SALT_LEN], hash[HASH_LEN];
    randombytes_buf(salt, sizeof salt);
    if (!pbkdf2(password, salt, sizeof salt, iter, hash))
        return yz_err_set(ei, YZ_EINTERNAL, "password", "无法计算密码散列",
                          "could not hash the password");
    yz_buf_printf(out, "%s:$7$%d$", user, iter);
    b64(out, salt, sizeof salt);
    yz_buf_putc(out, '$');
    b64(out, hash, sizeof hash);
    yz_buf_putc(out, '\n');
    sodium_memzero(hash, sizeof hash);
    return YZ_OK;
}

bool yz_mqtt_passwd_check(const char *hash, const char *password)
{
    if (strncmp(hash, "$7$", 3))
        return false;
    char *end;
    long iter = strtol(hash + 3, &end, 10);
    if (iter < 1 || iter > 10000000 || *end != '$')
        return false;
    const char *salt64 = end + 1, *h64 = strchr(salt64, '$');
    if (!h64)
        return false;
    unsigned char salt[64], want[HASH_LEN], got[HASH_LEN];
    size_t salt_len, want_len;
    if (sodium_base642bin(salt, sizeof salt, salt64, (size_t)(h64 - salt64), NULL, &salt_len, NULL,
                          sodium_base64_VARIANT_ORIGINAL) ||
        sodium_base642bin(want, sizeof want, h64 + 1, strcspn(h64 + 1, "\r\n"), NULL, &want_len,
                          NULL, sodium_base64_VARIANT_ORIGINAL) ||
        want_len != HASH_LEN)
        return false;
    if (!pbkdf2(password, salt, salt_len, (int)iter, got))
        return false;
    return sodium_memcmp(got, want, HASH_LEN) == 0;
}

void yz_mqtt_acl(yz_buf *out, const char *service_user)
{
    yz_buf_puts(out, "# Mosquitto ACL written by `yizhan devices export-acl` "
                     "(docs/OPERATIONS.md): do not edit, export again.\n"
                     "# Each device (its broker username is its id) may write its own topic only.\n"
                     "pattern write yizhan/v1/devices/%u/readings\n\n"
                     "# yizhan's own account reads every device's topic.\n");
    yz_buf_printf(out, "user %s\ntopic read " YZ_MQTT_TOPIC_FILTER "\n", service_user);
}
