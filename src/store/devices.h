/* SPDX-License-Identifier: MIT */
/* store/devices.h - station devices (the registry, keys, HTTP nonces) and their readings: the
 * raw time series, its hourly down-sampling and the latest status of each device
 * (docs/internals/live.md). Written once for both backends on store/db.h. */
#ifndef YZ_STORE_DEVICES_H
#define YZ_STORE_DEVICES_H

#include "model/device.h"
#include "store/store.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define YZ_DEVICE_KEY_LEN 43 /* base64url characters of a 32-byte key, no padding */

typedef struct yz_device {
    int64_t id;
    int64_t station_id;
    int kind;          /* enum yz_device_kind */
    char name[248];    /* UTF-8, ≤ YZ_DEVICE_NAME_MAX characters, "" when none */
    char key[48];      /* base64url, YZ_DEVICE_KEY_LEN characters */
    int64_t created_at; /* unix seconds */
    bool disabled;
    int64_t last_seen; /* unix milliseconds of the last committed message, 0: never */
} yz_device;

/* Insert `d` (kind, station_id, name, key set by the caller): sets id and created_at.
 * YZ_EINVAL naming "station" when the station does not exist. */
int yz_store_device_create(yz_store *st, yz_device *d, yz_errinfo *ei);
/* Device `id` into *out. YZ_ENOTFOUND. */
int yz_store_device_get(yz_store *st, int64_t id, yz_device *out, yz_errinfo *ei);
/* The devices of station `station_id` (0: every device), by id. Owned array (yz_free). */
int yz_store_device_list(yz_store *st, int64_t station_id, yz_device **out, size_t *n,
                         yz_errinfo *ei);
/* Set name (NULL: keep) and disabled (< 0: keep) of device `id`. YZ_ENOTFOUND. */
int yz_store_device_update(yz_store *st, int64_t id, const char *name, int disabled,
                           yz_errinfo *ei);
/* Replace device `id`'s key with `key`. YZ_ENOTFOUND. */
int yz_store_device_set_key(yz_store *st, int64_t id, const char *key, yz_errinfo *ei);
/* Delete device `id` with its nonces and status (its readings age out). YZ_ENOTFOUND. */
int yz_store_device_delete(yz_store *st, int64_t id, yz_errinfo *ei);

/* One message of a device, validated. */
typedef struct yz_reading {
    int64_t device_id;
    int64_t seq;               /* the device's message number */
    int64_t ts;                /* unix ms of the measurement */
    int n;                     /* metrics below, 0: a heartbeat */
    uint8_t metric[YZ_M__COUNT]; /* enum yz_metric */
    double value[YZ_M__COUNT];
    bool duplicate;            /* out: (device, seq) was stored already */
    bool skip;                 /* out: its message was a replay, not written */
} yz_reading;

/* The latest of each metric of a device. */
typedef struct yz_device_status {
    int64_t device_id;
    int64_t station_id;
    int64_t ts;                   /* unix ms of the latest message */
    double v[YZ_M__COUNT];        /* by enum yz_metric */
    int64_t v_ts[YZ_M__COUNT];    /* unix ms of v[m], 0: never reported */
    int64_t updated_ms;           /* when the row was written (server clock) */
} yz_device_status;

/* A connection of its own for the readings committer (store/db.h): opened, closed. */
typedef struct yz_db_conn yz_db_conn;
int yz_store_readings_conn_open(yz_store *st, yz_db_conn **out, yz_errinfo *ei);
void yz_store_readings_conn_close(yz_db_conn *c);

/* A signed message's nonce (HTTP), checked in the readings' own transaction. */
typedef struct yz_reading_nonce {
    int64_t device_id;
    const char *nonce; /* borrowed */
    int64_t at;        /* unix seconds it was received */
    size_t first, n;   /* its readings in the batch */
    bool replay;       /* out: used within the window before: its readings are not written */
} yz_reading_nonce;

#define YZ_NONCE_WINDOW_S 600 /* a nonce is remembered this long */

/* On a connection of its own (the committer's): in one transaction, record the nonces
 * no[0..nn) (one used within YZ_NONCE_WINDOW_S sets .replay and its readings are skipped),
 * store readings r[0..n) once each (a (device, seq) already stored sets r[i].duplicate and
 * writes nothing of it), add the new ones to the hourly aggregates, write the statuses
 * s[0..ns) (the caller merged them) and the devices' last_seen. YZ_OK once committed, or the
 * error with nothing written. */
int yz_store_readings_write(yz_db_conn *c, yz_reading *r, size_t n, yz_reading_nonce *no,
                            size_t nn, const yz_device_status *s, size_t ns, yz_errinfo *ei);
/* The statuses written after `since_ms` (updated_ms; 0: all). Owned array (yz_free). */
int yz_store_device_status_since(yz_store *st, int64_t since_ms, yz_device_status **out,
                                 size_t *n, yz_errinfo *ei);

/* One point of a series: raw (n = 1, min = max = sum = last = the value) or an hour. */
typedef struct yz_reading_point {
    int64_t ts;     /* raw: unix ms of the measurement; hourly: unix ms of the hour's start */
    int64_t seq;    /* raw: the message; hourly: 0 */
    int metric;
    int64_t n;
    double min, max, sum, last;
} yz_reading_point;

/* Device `device_id`'s points with from_ms <= ts < to_ms, raw or `hourly`, by ts then
 * metric, at most `max`. Owned array (yz_free). */
int yz_store_readings_list(yz_store *st, int64_t device_id, int64_t from_ms, int64_t to_ms,
                           bool hourly, size_t max, yz_reading_point **out, size_t *n,
                           yz_errinfo *ei);
/* Delete up to `limit` raw readings older than `raw_before_ms` and hourly rows older than
 * `hourly_before_ms`, and nonces past their window, in one short transaction; *deleted gets
 * how many readings went. */
int yz_store_readings_purge(yz_store *st, int64_t raw_before_ms, int64_t hourly_before_ms,
                            int64_t limit, int64_t *deleted, yz_errinfo *ei);

#endif
