/* SPDX-License-Identifier: MIT */
/* live/ingest.h - the one entry point through which every transport (HTTP, MQTT) hands device
 * readings to yizhan (docs/internals/live.md): validation against the device's kind, dedup on
 * (device, seq), the group commit, and the refusal counters shown on /metrics. */
#ifndef YZ_INGEST_H
#define YZ_INGEST_H

#include "core/err.h"

#include <stddef.h>
#include <stdint.h>

typedef struct yz_ingest yz_ingest;

/* How a message came in. HTTP waits for its batch to commit (the answer means durable); MQTT
 * returns once the readings are queued (loss window: one commit interval, ≤ 50 ms). */
enum yz_ingest_via { YZ_INGEST_VIA_HTTP = 0, YZ_INGEST_VIA_MQTT = 1 };

/* Why a device message was refused: the label of yizhan_device_refusals_total{reason=...}. */
enum yz_ingest_reason {
    YZ_INGEST_REFUSED_SIGNATURE = 0,
    YZ_INGEST_REFUSED_REPLAY,
    YZ_INGEST_REFUSED_TIMESTAMP,
    YZ_INGEST_REFUSED_UNKNOWN_DEVICE,
    YZ_INGEST_REFUSED_TOPIC,
    YZ_INGEST_REFUSED_RANGE,
    YZ_INGEST_REFUSED_PAYLOAD,
    YZ_INGEST_REFUSED_CODE,
    YZ_INGEST_REFUSED__COUNT
};

/* What one accepted message did. */
typedef struct yz_ingest_result {
    int stored;     /* readings newly stored (or queued, for MQTT) */
    int duplicates; /* readings whose (device, seq) was already stored or queued */
} yz_ingest_result;

/* Hand one message to ingest: `body` (borrowed, `len` bytes, need not be NUL-terminated) is a
 * reading {"seq","ts","values"} or a batch {"readings":[...≤100]}, as received, after the
 * transport checked its own signature or credentials. Validates the whole message (device known
 * and enabled, the kind's metrics and ranges, ts within ±5 min of the clock) and refuses it whole
 * on the first fault, counting the refusal: YZ_EINVAL naming the field (reason range, payload or
 * timestamp), YZ_EUNAUTH for an unknown or disabled device (reason unknown_device), YZ_ETOOBIG.
 * Then queues the readings for the group commit; for YZ_INGEST_VIA_HTTP waits until they are
 * committed (YZ_OK means durable, or the batch's error), for YZ_INGEST_VIA_MQTT returns after
 * queueing. YZ_EUNAVAIL once ingest is stopping. Fills *out (may be NULL) on YZ_OK.
 * Thread-safe: called from HTTP pool threads and the MQTT thread. */
int yz_ingest_submit(yz_ingest *ing, int64_t device_id, const char *body, size_t len,
                     enum yz_ingest_via via, yz_ingest_result *out, yz_errinfo *ei);

/* Count one refusal by a transport (signature, replay, topic, code...). Thread-safe, lock-free.
 * Works before any yz_ingest exists (the counters are process-wide). */
void yz_ingest_count_refusal(enum yz_ingest_reason reason);

/* The label of `reason` ("signature", "replay", ...). Borrowed static text. */
const char *yz_ingest_reason_name(enum yz_ingest_reason reason);

/* The process-wide ingest instance the server started (NULL before start or after stop), for
 * transports started elsewhere (src/mqtt). */
yz_ingest *yz_ingest_default(void);

/* The device's current key for a transport's own signature check: its base64url text (43
 * chars, the HMAC-SHA256 key is these text bytes) into key_out (room for ≥ 44 bytes), YZ_OK;
 * YZ_ENOTFOUND for an unknown or disabled device. Thread-safe (reads the in-memory registry). */
int yz_ingest_device_key(yz_ingest *ing, int64_t device_id, char *key_out, size_t key_size);

#endif
