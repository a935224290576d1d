/* SPDX-License-Identifier: MIT */
/* store/visits.h - check-ins at stations (visits), recorded durably with group commit, and
 * counted visits aggregated by station, district, day or occupation. A visit keeps only the
 * worker's id, the station's id, the time and whether it counted: never a position.
 * See docs/internals/visits.md. */
#ifndef YZ_STORE_VISITS_H
#define YZ_STORE_VISITS_H

#include "store/store.h"

#include <stdbool.h>
#include <stdint.h>

/* A worker counts once per station per this many seconds: a check-in closer than this to an
 * earlier counted one (same worker, same station) is stored with counted = false. */
#define YZ_VISIT_DEDUPE_S (2 * 3600)

typedef struct yz_visit {
    int64_t id;         /* set by the store */
    int64_t worker_id;  /* in */
    int64_t station_id; /* in */
    int64_t at;         /* in: unix seconds; 0 = now (then set by the store) */
    bool counted;       /* set by the store */
    bool verified;      /* in: the check-in carried the station screen's valid rotating code
                           (store/screens.h): the worker was there */
} yz_visit;

enum yz_visit_group {
    YZ_VISIT_BY_STATION,
    YZ_VISIT_BY_DISTRICT,
    YZ_VISIT_BY_DAY,
    YZ_VISIT_BY_OCCUPATION,
    YZ_VISIT_BY__COUNT
};
/* "station", "district", "day", "occupation", and back (-1 if unknown). */
const char *yz_visit_group_name(int g);
int yz_visit_group_parse(const char *s);

/* One group of counted visits. `key` is the station code, district code, local date
 * "YYYY-MM-DD" or occupation name; `label` the station name, district name, the date again or
 * the occupation in Chinese. A station or district no longer in the store gets the key
 * "#<station id>" / "unknown" and an empty label. */
typedef struct yz_visit_row {
    char *key;      /* owned */
    char *label;    /* owned */
    int64_t visits; /* counted visits in the group */
} yz_visit_row;

/* Free `n` rows made by yz_store_visit_stats. Accepts NULL. */
void yz_visit_rows_free(yz_visit_row *rows, size_t n);

/* How the group commit has gone so far (for tests, metrics and the bench). */
typedef struct yz_visit_commit_stats {
    uint64_t visits;    /* visits committed */
    uint64_t batches;   /* transactions that committed them */
    uint64_t max_batch; /* the largest batch */
    uint64_t overlapped; /* batches taken while another was being written (PostgreSQL's
                          * second writer) */
} yz_visit_commit_stats;

/* Record visit `v` (v->worker_id, v->station_id; v->at or 0 for now) and decide whether it
 * counts: it does unless the same worker has a counted visit at the same station less than
 * YZ_VISIT_DEDUPE_S seconds before or after v->at. Concurrent calls are decided in the order
 * they are committed, so exactly one of two simultaneous first check-ins counts. Sets v->id,
 * v->counted and v->at. The visit is durable (fsync'd) when the call returns YZ_OK. Blocks
 * the calling thread until its visit is committed, together with the other visits that
 * arrived meanwhile (group commit). The ids are not checked against workers and stations:
 * that is the caller's job. YZ_EDB or YZ_EUNAVAIL (store closing, database busy); nothing is
 * written then. Thread-safe. */
int yz_store_visit_record(yz_store *st, yz_visit *v, yz_errinfo *ei);

/* Called on the store's committer thread when an asynchronous visit's batch is written (err
 * YZ_OK, the visit filled in as yz_store_visit_record would) or failed (err and *ei, nothing
 * written). Must be quick and must not record visits itself: the next batch waits for it. */
typedef void yz_visit_done_fn(void *arg, int err, const yz_errinfo *ei);
/* As yz_store_visit_record, without blocking: queues `v` (which must stay valid until `done`)
 * and returns; `done(arg, ...)` is called once, from the committer thread, when the visit is
 * durable or its batch failed. The server's check-ins use it, so that a waiting check-in holds
 * no handler thread. Returns YZ_OK, or an error (store closing) and then `done` is never
 * called. Thread-safe. */
int yz_store_visit_record_async(yz_store *st, yz_visit *v, yz_visit_done_fn *done, void *arg,
                                yz_errinfo *ei);

/* Counted visits with from <= at < to (unix seconds), grouped by `group_by`. Days are local
 * dates at UTC offset `day_offset_min`. Rows come ordered by date for YZ_VISIT_BY_DAY and by
 * visits (most first), then key, otherwise. Visits already purged count through their day's
 * totals (yz_store_visit_purge): a purged day is in the range when its local midnight is.
 * Returns owned *rows (yz_visit_rows_free). */
int yz_store_visit_stats(yz_store *st, int group_by, int64_t from, int64_t to, int day_offset_min,
                         yz_visit_row **rows, size_t *n, yz_errinfo *ei);

/* How long check-ins are kept by default (the server's --visit-retention-days). */
#define YZ_VISIT_RETENTION_DAYS 400

/* What a purge did. */
typedef struct yz_visit_purge {
    int64_t visits; /* visit rows deleted, counted or not */
    int64_t days;   /* local days whose counts were folded into the day totals */
    bool more;      /* visits before the cut-off remain (max_days was reached) */
} yz_visit_purge;

/* The first instant kept when keeping `days` days at `now`: the local midnight (UTC offset
 * `day_offset_min`) that starts the day `days` days before now's, so that whole days go. */
int64_t yz_visit_retention_cutoff(int64_t now, int days, int day_offset_min);

/* Delete the visits with at < `cutoff` (a local midnight: yz_visit_retention_cutoff), oldest
 * day first, at most `max_days` local days (0: all), one transaction a day. Each day's
 * counted visits are first added to the day totals (visit_days: local day, station, the
 * worker's occupation), which yz_store_visit_stats reads, so the statistics of whole days do
 * not change. Safe to run on several nodes at once and again after a failure: a day is
 * folded and deleted in one transaction. Fills *out (may be NULL) with what was done, also on
 * failure (the days before it are done). YZ_EDB / YZ_EUNAVAIL. Any thread. */
int yz_store_visit_purge(yz_store *st, int64_t cutoff, int day_offset_min, int max_days,
                         yz_visit_purge *out, yz_errinfo *ei);

/* Counters of the group commit since the store was opened. */
void yz_store_visit_commit_stats(yz_store *st, yz_visit_commit_stats *out);

/* For the backends' close (yz__store_close_areas), before the connections: refuse new visits,
 * write those queued, stop the committer thread and close its connection. */
void yz__visits_close(yz_store *st);

#endif
