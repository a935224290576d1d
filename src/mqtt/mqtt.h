/* SPDX-License-Identifier: MIT */
/* mqtt/mqtt.h - device readings over MQTT (docs/internals/mqtt.md): a libmosquitto subscriber
 * thread that hands each message, once its topic and its signature are checked, to the ingest
 * (live/ingest.h); and the broker's files for `yizhan devices export-acl` (the Mosquitto 2.0
 * password file and the topic ACL). */
#ifndef YZ_MQTT_H
#define YZ_MQTT_H

#include "core/buf.h"
#include "core/err.h"
#include "live/ingest.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The topic filter yizhan subscribes to, and the topic of one device. */
#define YZ_MQTT_TOPIC_FILTER "yizhan/v1/devices/+/readings"
#define YZ_MQTT_TOPIC_FMT "yizhan/v1/devices/%lld/readings"
/* The largest reading JSON a message may carry (as an HTTP body, live.txt), and the signature
 * line in front of it: 64 lowercase hex digits and '\n'. */
#define YZ_MQTT_MAX_JSON (64 * 1024)
#define YZ_MQTT_SIG_LEN 64

/* --- messages (pure functions; any thread) ------------------------------------------------- */

/* The device id of `topic` (n bytes): "yizhan/v1/devices/<id>/readings" with <id> a positive
 * decimal without leading zeros (at most 18 digits). true and *id, else false. */
bool yz_mqtt_topic_device(const char *topic, size_t n, int64_t *id);

/* Split a payload "<64 lowercase hex>\n<JSON>" and check the hex against
 * HMAC-SHA256(key, "MQTT\n" + topic + "\n" + JSON) in constant time. `key` is the device key's
 * text (klen bytes). On YZ_OK *json and *json_len point into `payload` (borrowed). Otherwise
 * *reason says why: YZ_INGEST_REFUSED_PAYLOAD (no signature line, not lowercase hex, empty or
 * too large JSON) or YZ_INGEST_REFUSED_SIGNATURE (wrong HMAC), and `ei` says it for the log. */
int yz_mqtt_check_payload(const char *topic, const char *payload, size_t len, const char *key,
                          size_t klen, const char **json, size_t *json_len,
                          enum yz_ingest_reason *reason, yz_errinfo *ei);

/* The signature line a device writes: the 64 lowercase hex digits of the HMAC above, into
 * out[65] (NUL-terminated). For tests, the simulator and the docs' example. */
void yz_mqtt_sign(const char *topic, const char *key, size_t klen, const char *json,
                  size_t json_len, char out[YZ_MQTT_SIG_LEN + 1]);

/* --- the subscriber --------------------------------------------------------------------- */

/* Where messages go: the ingest's functions in the server, fakes in unit tests. Each is called
 * on the subscriber's thread. */
typedef struct yz_mqtt_sink {
    void *ctx;
    /* The device's key text into key_out (room for key_size), YZ_OK; YZ_ENOTFOUND when the
     * device is unknown or disabled. */
    int (*device_key)(void *ctx, int64_t device_id, char *key_out, size_t key_size);
    /* yz_ingest_submit with YZ_INGEST_VIA_MQTT (it counts its own refusals). */
    int (*submit)(void *ctx, int64_t device_id, const char *json, size_t len, yz_errinfo *ei);
    /* Count a refusal of the transport's own (topic, payload, signature, unknown_device). */
    void (*refused)(void *ctx, enum yz_ingest_reason reason);
} yz_mqtt_sink;

/* The sink of the server: yz_ingest_default()'s key lookup and yz_ingest_submit (VIA_MQTT),
 * and yz_ingest_count_refusal. Before the ingest exists or after it stopped, messages are
 * refused with YZ_EUNAVAIL (and redelivered by the broker on the next session only if yizhan had
 * not acknowledged them: see docs/internals/mqtt.md). */
yz_mqtt_sink yz_mqtt_ingest_sink(void);

typedef struct yz_mqtt_config {
    const char *url;       /* mqtt://host[:port] (1883 by default); "[v6]" hosts allowed */
    const char *user;      /* the broker account yizhan logs in as; NULL: "yizhan" */
    const char *password;  /* its password (YZ_MQTT_PASSWORD); NULL: none */
    const char *client_id; /* fixed per node, so the broker keeps the session; NULL:
                              "yizhan-<hostname>" */
    int keepalive_s;       /* 0: 30 */
    int reconnect_max_s;   /* the longest wait between reconnection attempts; 0: 10 */
} yz_mqtt_config;

typedef struct yz_mqtt yz_mqtt;

/* Counters for /metrics (read with relaxed atomics; any thread). */
typedef struct yz_mqtt_stats {
    bool connected;       /* subscribed to the broker now */
    uint64_t connects;    /* successful connections (the first one included) */
    uint64_t disconnects; /* connections lost (or refused by the broker) */
    uint64_t received;    /* messages received */
    uint64_t submitted;   /* messages the ingest accepted */
    uint64_t refused;     /* messages refused (here or by the ingest) */
} yz_mqtt_stats;

/* Check `cfg` (the URL above all: YZ_EINVAL naming "mqtt_url") and start the subscriber: a
 * persistent session (clean session off, cfg->client_id), a subscription to
 * YZ_MQTT_TOPIC_FILTER with QoS 1 made again on every connection, and libmosquitto's own
 * thread, which connects in the background and reconnects by itself (1 s, doubling up to
 * reconnect_max_s) for as long as the broker is away. A broker down at start is not an error.
 * Copies `cfg` and `sink`. Returns owned *out. Call once per process: initialises libmosquitto. */
int yz_mqtt_start(const yz_mqtt_config *cfg, const yz_mqtt_sink *sink, yz_mqtt **out,
                  yz_errinfo *ei);

/* Disconnect cleanly, stop the thread and free. Messages already handed to the sink stay
 * handed; a message the thread was receiving is redelivered by the broker next time. Accepts
 * NULL. */
void yz_mqtt_stop(yz_mqtt *m);

void yz_mqtt_get_stats(const yz_mqtt *m, yz_mqtt_stats *out);

/* Append the Prometheus lines of `m` (NULL: MQTT is off, connected 0). */
void yz_mqtt_metrics(const yz_mqtt *m, yz_buf *out);

/* Handle one message as the subscriber does (topic, signature, then the sink), counting it.
 * Exposed for unit tests, which drive it without a broker. Returns YZ_OK when the sink took it. */
int yz_mqtt_handle(yz_mqtt *m, const char *topic, const void *payload, size_t len);

/* A subscriber that is not connected to anything, for yz_mqtt_handle in unit tests. */
yz_mqtt *yz_mqtt_new_detached(const yz_mqtt_sink *sink);

/* --- the broker's files (`yizhan devices export-acl`) --------------------------------------- */

/* Append one line of a Mosquitto 2.0 password file: "user:$7$<iterations>$<salt>$<hash>\n",
 * the hash PBKDF2-HMAC-SHA512 of `password` with a random 12-byte salt (both base64), as
 * mosquitto_passwd writes it; iterations 0 means Mosquitto's default, 101. YZ_EINVAL when the
 * user is empty or holds ':' or a line break, or the password a line break. */
int yz_mqtt_passwd_line(yz_buf *out, const char *user, const char *password, int iterations,
                        yz_errinfo *ei);

/* Verify `password` against one password-file hash "$7$..." (the part after "user:"):
 * true when it matches. For tests (the oracle is mosquitto_passwd's own output). */
bool yz_mqtt_passwd_check(const char *hash, const char *password);

/* Append the ACL file: yizhan's account `service_user` may read YZ_MQTT_TOPIC_FILTER, and each
 * device (its username is its id) may write its own topic only. */
void yz_mqtt_acl(yz_buf *out, const char *service_user);

#endif
