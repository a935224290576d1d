/* SPDX-License-Identifier: MIT */
/* mqtt/client.c - the subscriber: one libmosquitto client with a persistent session, run by
 * libmosquitto's own thread (mosquitto_loop_start), which also reconnects after the broker
 * goes away. Each message is checked (topic, signature) and handed to the sink, the ingest.
 * docs/internals/mqtt.md. */
#include "mqtt/mqtt.h"

#include "core/alloc.h"
#include "core/log.h"

#include <mosquitto.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct yz_mqtt {
    yz_mqtt_sink sink;
    struct mosquitto *mosq; /* NULL when detached (unit tests) */
    char host[256];
    int port;
    int keepalive_s;
    atomic_bool refusal_logged;    /* the broker's refusal was logged since the last connect */
    atomic_bool connected;         /* connected and the subscription asked for */
    atomic_uint_fast64_t connects; /* successful connections */
    atomic_uint_fast64_t losses;   /* connections lost or refused */
    atomic_uint_fast64_t received;
    atomic_uint_fast64_t submitted;
    atomic_uint_fast64_t refused;
};

/* Parse "mqtt://host[:port]" ("[v6]" hosts allowed) into m->host and m->port. */
static int parse_url(yz_mqtt *m, const char *url, yz_errinfo *ei)
{
    static const char scheme[] = "mqtt://";
    const char *h =
        url && !strncmp(url, scheme, sizeof scheme - 1) ? url + sizeof scheme - 1 : NULL;
    const char *he = NULL, *rest = NULL;
    if (h && *h == '[') {
        he = strchr(h, ']');
        h++;
        rest = he ? he + 1 : NULL;
    } else if (h) {
        he = h + strcspn(h, ":/");
        rest = he;
    }
    long port = 1883;
    bool ok = h && he && rest && he > h && (size_t)(he - h) < sizeof m->host &&
              !memchr(h, '@', (size_t)(he - h));
    if (ok && *rest == ':') {
        char *end;
        port = strtol(rest + 1, &end, 10);
        ok = end != rest + 1 && port >= 1 && port <= 65535;
        rest = end;
    }
    if (ok && *rest == '/')
        rest++;
    if (!ok || *rest)
        return yz_err_setf(ei, YZ_EINVAL, "mqtt_url",
                           "MQTT 地址须为 mqtt://主机[:端口]（现为 “%s”）",
                           "the MQTT URL must be mqtt://host[:port] (got \"%s\")", url ? url : "");
    snprintf(m->host, sizeof m->host, "%.*s", (int)(he - h), h);
    m->port = (int)port;
    return YZ_OK;
}

int yz_mqtt_handle(yz_mqtt *m, const char *topic, const void *payload, size_t len)
{
    atomic_fetch_add_explicit(&m->received, 1, memory_order_relaxed);
    yz_errinfo ei;
    int64_t id = 0;
    enum yz_ingest_reason reason = YZ_INGEST_REFUSED_TOPIC;
    char key[128];
    const char *json = NULL;
    size_t json_len = 0;
    int rc;
    if (!yz_mqtt_topic_device(topic, strlen(topic), &id)) {
        rc = yz_err_set(&ei, YZ_EINVAL, "topic", "主题不是 yizhan/v1/devices/<编号>/readings",
                        "the topic is not yizhan/v1/devices/<id>/readings");
        goto refused;
    }
    rc = m->sink.device_key(m->sink.ctx, id, key, sizeof key);
    if (rc && rc != YZ_ENOTFOUND) { /* the ingest is not running: not the device's fault */
        atomic_fetch_add_explicit(&m->refused, 1, memory_order_relaxed);
        yz_log_warn("mqtt: device %lld: message dropped, the ingest is not running", (long long)id);
        return rc;
    }
    if (rc) {
        reason = YZ_INGEST_REFUSED_UNKNOWN_DEVICE;
        rc = yz_err_set(&ei, YZ_EUNAUTH, "device", "设备不存在或已停用",
                        "the device is unknown or disabled");
        goto refused;
    }
    rc = yz_mqtt_check_payload(topic, payload ? payload : "", len, key, strlen(key), &json,
                               &json_len, &reason, &ei);
    sodium_memzero(key, sizeof key);
    if (rc)
        goto refused;
    rc = m->sink.submit(m->sink.ctx, id, json, json_len, &ei);
    if (rc) {
        /* the ingest counted its own refusal */
        atomic_fetch_add_explicit(&m->refused, 1, memory_order_relaxed);
        yz_log(YZ_LOG_DEBUG, "mqtt: device %lld: refused: %s", (long long)id, ei.msg_en);
        return rc;
    }
    atomic_fetch_add_explicit(&m->submitted, 1, memory_order_relaxed);
    return YZ_OK;
refused:
    m->sink.refused(m->sink.ctx, reason);
    atomic_fetch_add_explicit(&m->refused, 1, memory_order_relaxed);
    yz_log(YZ_LOG_DEBUG, "mqtt: %.120s: refused (%s): %s", topic, yz_ingest_reason_name(reason),
           ei.msg_en);
    return rc;
}

static void on_connect(struct mosquitto *mosq, void *obj, int rc)
{
    yz_mqtt *m = obj;
    if (rc) {
        /* counted by on_disconnect, which follows; logged once until a connection succeeds */
        if (!atomic_exchange(&m->refusal_logged, true))
            yz_log_warn("mqtt: the broker %s:%d refused the connection: %s (retrying; is "
                        "yizhan's account in its password file? docs/OPERATIONS.md)",
                        m->host, m->port, mosquitto_connack_string(rc));
        return;
    }
    atomic_store(&m->refusal_logged, false);
    /* A persistent session keeps the subscription, but a broker that lost its sessions (no
     * persistence, restarted) does not: subscribe on every connection. */
    int src = mosquitto_subscribe(mosq, NULL, YZ_MQTT_TOPIC_FILTER, 1);
    if (src != MOSQ_ERR_SUCCESS)
        yz_log_warn("mqtt: subscribe failed: %s", mosquitto_strerror(src));
    uint64_t n = atomic_fetch_add_explicit(&m->connects, 1, memory_order_relaxed);
    atomic_store(&m->connected, true);
    yz_log_info("mqtt: %s to the broker %s:%d, subscribed to " YZ_MQTT_TOPIC_FILTER,
                n ? "reconnected" : "connected", m->host, m->port);
}

static void on_disconnect(struct mosquitto *mosq, void *obj, int rc)
{
    yz_mqtt *m = obj;
    bool was = atomic_exchange(&m->connected, false);
    if (rc == 0)
        return; /* our own yz_mqtt_stop */
    atomic_fetch_add_explicit(&m->losses, 1, memory_order_relaxed);
    if (was)
        yz_log_warn("mqtt: lost the broker %s:%d (%s): reconnecting by itself, HTTP keeps "
                    "serving",
                    m->host, m->port, mosquitto_strerror(rc));
}

static void on_message(struct mosquitto *mosq, void *obj, const struct mosquitto_message *msg)
{
    yz_mqtt_handle(obj, msg->topic, msg->payload,
                   msg->payloadlen > 0 ? (size_t)msg->payloadlen : 0);
}

yz_mqtt *yz_mqtt_new_detached(const yz_mqtt_sink *sink)
{
    yz_mqtt *m = yz_calloc(1, sizeof *m);
    m->sink = *sink;
    return m;
}

int yz_mqtt_start(const yz_mqtt_config *cfg, const yz_mqtt_sink *sink, yz_mqtt **out,
                  yz_errinfo *ei)
{
    *out = NULL;
    yz_mqtt *m = yz_mqtt_new_detached(sink);
    int rc = parse_url(m, cfg->url, ei);
    if (rc) {
        yz_free(m);
        return rc;
    }
    m->keepalive_s = cfg->keepalive_s > 0 ? cfg->keepalive_s : 30;
    char id[300];
    if (cfg->client_id && *cfg->client_id) {
        snprintf(id, sizeof id, "%s", cfg->client_id);
    } else {
        char host[256] = "";
        gethostname(host, sizeof host - 1);
        snprintf(id, sizeof id, "yizhan-%s", *host ? host : "node");
    }
    mosquitto_lib_init();
    m->mosq = mosquitto_new(id, false, m);
    if (!m->mosq) {
        mosquitto_lib_cleanup();
        yz_free(m);
        return yz_err_set(ei, YZ_EINTERNAL, "mqtt", "无法创建 MQTT 客户端",
                          "could not create the MQTT client");
    }
    mosquitto_int_option(m->mosq, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V311);
    mosquitto_username_pw_set(m->mosq, cfg->user && *cfg->user ? cfg->user : "yizhan",
                              cfg->password);
    int max = cfg->reconnect_max_s > 0 ? cfg->reconnect_max_s : 10;
    mosquitto_reconnect_delay_set(m->mosq, 1, (unsigned)max, true);
    mosquitto_connect_callback_set(m->mosq, on_connect);
    mosquitto_disconnect_callback_set(m->mosq, on_disconnect);
    mosquitto_message_callback_set(m->mosq, on_message);
    /* Not reaching the broker now is not an error: the loop thread keeps trying. */
    int crc = mosquitto_connect_async(m->mosq, m->host, m->port, m->keepalive_s);
    if (crc != MOSQ_ERR_SUCCESS)
        yz_log_warn("mqtt: the broker %s:%d is not reachable yet (%s): retrying in the "
                    "background",
                    m->host, m->port,
                    crc == MOSQ_ERR_ERRNO ? "connection refused" : mosquitto_strerror(crc));
    int lrc = mosquitto_loop_start(m->mosq);
    if (lrc != MOSQ_ERR_SUCCESS) {
        mosquitto_destroy(m->mosq);
        mosquitto_lib_cleanup();
        yz_free(m);
        return yz_err_setf(ei, YZ_EINTERNAL, "mqtt", "无法启动 MQTT 线程：%s",
                           "could not start the MQTT thread: %s", mosquitto_strerror(lrc));
    }
    if (!cfg->password)
        yz_log_warn("mqtt: no YZ_MQTT_PASSWORD in the environment: the broker will refuse "
                    "yizhan's account");
    yz_log_info("mqtt: subscribing as %s (client id %s) at %s:%d",
                cfg->user && *cfg->user ? cfg->user : "yizhan", id, m->host, m->port);
    *out = m;
    return YZ_OK;
}

void yz_mqtt_stop(yz_mqtt *m)
{
    if (!m)
        return;
    if (m->mosq) {
        mosquitto_disconnect(m->mosq);
        mosquitto_loop_stop(m->mosq, false);
        mosquitto_destroy(m->mosq);
        mosquitto_lib_cleanup();
    }
    yz_free(m);
}

void yz_mqtt_get_stats(const yz_mqtt *m, yz_mqtt_stats *out)
{
    yz_mqtt *w = (yz_mqtt *)m; /* atomics loads need a non-const object in C11 */
    *out = (yz_mqtt_stats){
        .connected = atomic_load(&w->connected),
        .connects = atomic_load_explicit(&w->connects, memory_order_relaxed),
        .disconnects = atomic_load_explicit(&w->losses, memory_order_relaxed),
        .received = atomic_load_explicit(&w->received, memory_order_relaxed),
        .submitted = atomic_load_explicit(&w->submitted, memory_order_relaxed),
        .refused = atomic_load_explicit(&w->refused, memory_order_relaxed),
    };
}

void yz_mqtt_metrics(const yz_mqtt *m, yz_buf *out)
{
    yz_mqtt_stats s = {0};
    if (m)
        yz_mqtt_get_stats(m, &s);
    yz_buf_printf(out,
                  "# HELP yizhan_mqtt_enabled 1 when yizhan subscribes to a broker (--mqtt-url).\n"
                  "# TYPE yizhan_mqtt_enabled gauge\n"
                  "yizhan_mqtt_enabled %d\n"
                  "# HELP yizhan_mqtt_connected 1 while connected and subscribed to the broker.\n"
                  "# TYPE yizhan_mqtt_connected gauge\n"
                  "yizhan_mqtt_connected %d\n"
                  "# HELP yizhan_mqtt_connects_total Successful connections to the broker.\n"
                  "# TYPE yizhan_mqtt_connects_total counter\n"
                  "yizhan_mqtt_connects_total %llu\n"
                  "# HELP yizhan_mqtt_reconnects_total Connections after the first one.\n"
                  "# TYPE yizhan_mqtt_reconnects_total counter\n"
                  "yizhan_mqtt_reconnects_total %llu\n"
                  "# HELP yizhan_mqtt_connection_losses_total Connections lost or refused.\n"
                  "# TYPE yizhan_mqtt_connection_losses_total counter\n"
                  "yizhan_mqtt_connection_losses_total %llu\n"
                  "# HELP yizhan_mqtt_messages_received_total Messages received from the broker.\n"
                  "# TYPE yizhan_mqtt_messages_received_total counter\n"
                  "yizhan_mqtt_messages_received_total %llu\n"
                  "# HELP yizhan_mqtt_messages_total Messages handled, by result (refusals by "
                  "reason: yizhan_device_refusals_total).\n"
                  "# TYPE yizhan_mqtt_messages_total counter\n"
                  "yizhan_mqtt_messages_total{result=\"accepted\"} %llu\n"
                  "yizhan_mqtt_messages_total{result=\"refused\"} %llu\n",
                  m ? 1 : 0, s.connected ? 1 : 0, (unsigned long long)s.connects,
                  (unsigned long long)(s.connects ? s.connects - 1 : 0),
                  (unsigned long long)s.disconnects, (unsigned long long)s.received,
                  (unsigned long long)s.submitted, (unsigned long long)s.refused);
}
