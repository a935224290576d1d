/* SPDX-License-Identifier: MIT */
/* mqtt/message.c - the topic and payload layout of device messages (docs/internals/mqtt.md):
 * the device id in the topic, the HMAC-SHA256 signature line in front of the reading JSON.
 * Pure functions (fuzzed by fuzz/fuzz_mqtt.c). */
#include "mqtt/mqtt.h"

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
