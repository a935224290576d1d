/* SPDX-License-Identifier: MIT */
/* fuzz/fuzz_mqtt.c - libFuzzer target for what a broker hands yizhan: the topic and the signed
 * payload of a device message (src/mqtt/message.c). The input is a topic, a NUL byte, then
 * the payload. Invariants: nothing crashes or reads out of bounds; an accepted topic is the
 * canonical spelling of its id (printing the id back gives the same topic); an accepted payload
 * is exactly the signature of its JSON (signing the JSON again gives its first 64 bytes) and the
 * JSON is the rest of the payload; and the same payload signed correctly is always accepted.
 * Build and run: make fuzz (or make fuzz-corpus to replay fuzz/corpus/mqtt). */
#include "mqtt/mqtt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz_mqtt: check failed at line %d: %s\n", __LINE__, #cond);          \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

static const char key[] = "dGhpcy1pcy1hLTMyLWJ5dGUtZGV2aWNlLWtleS0hISE";

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    const unsigned char *nul = memchr(data, 0, size);
    size_t tlen = nul ? (size_t)(nul - data) : size;
    if (tlen > 300)
        return 0;
    char topic[301];
    memcpy(topic, data, tlen);
    topic[tlen] = '\0';
    const char *payload = nul ? (const char *)nul + 1 : "";
    size_t plen = nul ? size - tlen - 1 : 0;

    int64_t id = 0;
    if (yz_mqtt_topic_device(topic, tlen, &id)) {
        char back[64];
        snprintf(back, sizeof back, YZ_MQTT_TOPIC_FMT, (long long)id);
        CHECK(strcmp(back, topic) == 0);
    }

    /* The payload as it came: copied to the heap at its exact size, so ASan sees overreads. */
    char *p = malloc(plen ? plen : 1);
    memcpy(p, payload, plen);
    const char *json = NULL;
    size_t jl = 0;
    enum yz_ingest_reason reason;
    yz_errinfo ei;
    if (yz_mqtt_check_payload(topic, p, plen, key, sizeof key - 1, &json, &jl, &reason, &ei) ==
        YZ_OK) {
        char sig[YZ_MQTT_SIG_LEN + 1];
        yz_mqtt_sign(topic, key, sizeof key - 1, json, jl, sig);
        CHECK(memcmp(sig, p, YZ_MQTT_SIG_LEN) == 0);
        CHECK(json == p + YZ_MQTT_SIG_LEN + 1 && jl == plen - YZ_MQTT_SIG_LEN - 1);
    } else {
        CHECK(reason == YZ_INGEST_REFUSED_PAYLOAD || reason == YZ_INGEST_REFUSED_SIGNATURE);
    }
    /* The same bytes as JSON, signed: accepted unless empty or too large. */
    if (plen >= 1 && plen <= YZ_MQTT_MAX_JSON) {
        char *q = malloc(YZ_MQTT_SIG_LEN + 1 + plen);
        char sig[YZ_MQTT_SIG_LEN + 1];
        yz_mqtt_sign(topic, key, sizeof key - 1, p, plen, sig);
        memcpy(q, sig, YZ_MQTT_SIG_LEN);
        q[YZ_MQTT_SIG_LEN] = '\n';
        memcpy(q + YZ_MQTT_SIG_LEN + 1, p, plen);
        CHECK(yz_mqtt_check_payload(topic, q, YZ_MQTT_SIG_LEN + 1 + plen, key, sizeof key - 1,
                                    &json, &jl, &reason, &ei) == YZ_OK);
        CHECK(jl == plen && memcmp(json, p, plen) == 0);
        free(q);
    }
    free(p);
    return 0;
}
