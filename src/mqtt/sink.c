/* SPDX-License-Identifier: MIT */
/* mqtt/sink.c - the subscriber's sink in the server: the process's ingest (live/ingest.h). */
#include "mqtt/mqtt.h"

static int device_key(void *ctx, int64_t device_id, char *key_out, size_t key_size)
{
    yz_ingest *ing = yz_ingest_default();
    if (!ing)
        return YZ_EUNAVAIL;
    return yz_ingest_device_key(ing, device_id, key_out, key_size);
}

static int submit(void *ctx, int64_t device_id, const char *json, size_t len, yz_errinfo *ei)
{
    yz_ingest *ing = yz_ingest_default();
    if (!ing)
        return yz_err_set(ei, YZ_EUNAVAIL, "", NULL, NULL);
    return yz_ingest_submit(ing, device_id, json, len, YZ_INGEST_VIA_MQTT, NULL, ei);
}

static void refused(void *ctx, enum yz_ingest_reason reason)
{
    yz_ingest_count_refusal(reason);
}

yz_mqtt_sink yz_mqtt_ingest_sink(void)
{
    return (yz_mqtt_sink){NULL, device_key, submit, refused};
}
