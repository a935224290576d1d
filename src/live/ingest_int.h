/* SPDX-License-Identifier: MIT */
/* live/ingest_int.h - what the server and the tests see of ingest beyond the transports'
 * contract (ingest.h): starting and stopping it, its counters, and the validation alone. */
#ifndef YZ_INGEST_INT_H
#define YZ_INGEST_INT_H

#include "live/ingest.h"
#include "state/state.h"
#include "store/devices.h"

#define YZ_INGEST_MAX_BODY 65536   /* bytes of one message */
#define YZ_INGEST_MAX_BATCH 100    /* readings of one message */
#define YZ_INGEST_TS_WINDOW_MS 300000 /* a reading's ts may differ this much from the clock */

typedef struct yz_ingest_config {
    int publish_ms;    /* least time between two publications of the live part; 0: 50 */
    int readings_days; /* raw readings kept; 0: 7 (hourly ones: 400 days) */
    int refresh_ms;    /* read other nodes' statuses this often; 0: never (one node) */
    int purge_s;       /* run the retention this often; 0: 600 */
} yz_ingest_config;

/* Start ingest on `st` and `state` (borrowed; they must outlive it): its committer thread and
 * connection, and an upkeep thread (retention in small deletes; other nodes' statuses).
 * Becomes yz_ingest_default(). YZ_OK and owned *out, or the store's error. */
int yz_ingest_new(yz_store *st, yz_state *state, const yz_ingest_config *cfg, yz_ingest **out,
                  yz_errinfo *ei);
/* Refuse new messages, commit what is queued, stop the thread, free. Accepts NULL. */
void yz_ingest_free(yz_ingest *ing);

/* yz_ingest_submit for the signed HTTP route (YZ_INGEST_VIA_HTTP): `nonce` (borrowed, checked
 * already for its form) is recorded in the readings' own transaction; one used within
 * YZ_NONCE_WINDOW_S makes it YZ_ECONFLICT naming X-Yizhan-Nonce (counted: replay), nothing
 * stored. `now_s`: when the request was received. */
int yz_ingest_submit_signed(yz_ingest *ing, int64_t device_id, const char *body, size_t len,
                            const char *nonce, int64_t now_s, yz_ingest_result *out,
                            yz_errinfo *ei);

/* Validate message `body` of a device of `kind` at `now_ms`: YZ_OK with the readings in
 * out[0..*n) (room for YZ_INGEST_MAX_BATCH, device_id set to `device_id`), or YZ_EINVAL /
 * YZ_ETOOBIG naming the field, and *reason the refusal's reason. Pure: counts nothing. */
int yz_ingest_parse(int kind, int64_t device_id, const char *body, size_t len, int64_t now_ms,
                    yz_reading *out, size_t *n, enum yz_ingest_reason *reason, yz_errinfo *ei);

/* The current time in unix milliseconds. */
int64_t yz_ingest_now_ms(void);

/* Counters since the process started, for /metrics. */
typedef struct yz_ingest_stats {
    uint64_t refusals[YZ_INGEST_REFUSED__COUNT];
    uint64_t stored, duplicates, batches, max_batch, publishes;
} yz_ingest_stats;
void yz_ingest_get_stats(yz_ingest_stats *out);

#endif
