/* SPDX-License-Identifier: MIT */
/* mqtt/message.c - the topic and payload layout of device messages (docs/internals/mqtt.md):
 * the device id in the topic, the HMAC-SHA256 signature line in front of the reading JSON;
 * and the broker's password and ACL files. Pure functions. */
#include "mqtt/mqtt.h"

#include <openssl/evp.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PREFIX "yizhan/v1/devices/"
#define SUFFIX "/readings"

bool yz_mqtt_topic_device(const char *topic, size_t n, int64_t *id)
{
    size_t np = sizeof PREFIX - 1, ns = sizeof SUFFIX - 1;
    if (n <= np + ns || memcmp(topic, PREFIX, np) || memcmp(topic + n - ns, SUFFIX, ns))
        return false;
    const char *d = topic + np;
    size_t nd = n - np - ns;
    if (d[0] == '0') /* one spelling per id: no leading zeros (and no id 0) */
        return false;
    return yz_parse_id(d, nd, id);
}

/* HMAC-SHA256(key, "MQTT\n" + topic + "\n" + json). */
static void mac(const char *topic, const char *key, size_t klen, const char *json, size_t json_len,
                unsigned char out[crypto_auth_hmacsha256_BYTES])
{
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, (const unsigned char *)key, klen);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)"MQTT\n", 5);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)topic, strlen(topic));
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)"\n", 1);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)json, json_len);
    crypto_auth_hmacsha256_final(&st, out);
    sodium_memzero(&st, sizeof st);
}

void yz_mqtt_sign(const char *topic, const char *key, size_t klen, const char *json,
                  size_t json_len, char out[YZ_MQTT_SIG_LEN + 1])
{
    unsigned char m[crypto_auth_hmacsha256_BYTES];
    mac(topic, key, klen, json, json_len, m);
    sodium_bin2hex(out, YZ_MQTT_SIG_LEN + 1, m, sizeof m);
}

int yz_mqtt_check_payload(const char *topic, const char *payload, size_t len, const char *key,
                          size_t klen, const char **json, size_t *json_len,
                          enum yz_ingest_reason *reason, yz_errinfo *ei)
{
    *reason = YZ_INGEST_REFUSED_PAYLOAD;
    if (len <= YZ_MQTT_SIG_LEN + 1 || payload[YZ_MQTT_SIG_LEN] != '\n')
        return yz_err_set(ei, YZ_EINVAL, "payload",
                          "消息须为 64 位小写十六进制签名、换行、读数 JSON",
                          "the message must be 64 lowercase hex digits of signature, a line "
                          "break, then the reading JSON");
    unsigned char got[crypto_auth_hmacsha256_BYTES];
    for (size_t i = 0; i < YZ_MQTT_SIG_LEN; i++) {
        char c = payload[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return yz_err_set(ei, YZ_EINVAL, "signature", "签名须为 64 位小写十六进制",
                              "the signature must be 64 lowercase hex digits");
    }
    for (size_t i = 0; i < sizeof got; i++)
        got[i] =
            (unsigned char)(yz_hex_value(payload[2 * i]) << 4 | yz_hex_value(payload[2 * i + 1]));
    size_t n = len - YZ_MQTT_SIG_LEN - 1;
    if (n > YZ_MQTT_MAX_JSON)
        return yz_err_setf(ei, YZ_ETOOBIG, "payload", "读数 JSON 超过 %d 字节",
                           "the reading JSON exceeds %d bytes", YZ_MQTT_MAX_JSON);
    const char *j = payload + YZ_MQTT_SIG_LEN + 1;
    unsigned char want[crypto_auth_hmacsha256_BYTES];
    mac(topic, key, klen, j, n, want);
    if (crypto_verify_32(got, want) != 0) {
        *reason = YZ_INGEST_REFUSED_SIGNATURE;
        return yz_err_set(ei, YZ_EUNAUTH, "signature", "签名与设备密钥不符",
                          "the signature does not match the device key");
    }
    *json = j;
    *json_len = n;
    return YZ_OK;
}

/* --- the broker's files --------------------------------------------------------------------- */

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
