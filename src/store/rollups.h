/* SPDX-License-Identifier: MIT */
/* store/rollups.h - daily roll-ups of counted visits for the dashboard: kept by the visits'
 * group commit in the same transaction, kept (without worker ids) when raw visits are purged,
 * and read by the dashboard's breakdowns by day, week or month and by district, station or
 * occupation, with cells of fewer than YZ_ROLLUP_K distinct workers suppressed.
 * See docs/internals/stats.md. */
#ifndef YZ_STORE_ROLLUPS_H
#define YZ_STORE_ROLLUPS_H

#include "store/store.h"

#include <stdbool.h>
#include <stdint.h>

/* A breakdown cell with fewer distinct workers than this is suppressed. */
#define YZ_ROLLUP_K 5
/* The roll-ups' calendar day: Asia/Shanghai (UTC+8, no daylight saving time). */
#define YZ_ROLLUP_OFFSET_S (8 * 3600)

enum yz_rollup_bucket { YZ_BUCKET_DAY, YZ_BUCKET_WEEK, YZ_BUCKET_MONTH, YZ_BUCKET__COUNT };
enum yz_rollup_by { YZ_ROLLUP_BY_DISTRICT, YZ_ROLLUP_BY_STATION, YZ_ROLLUP_BY_OCCUPATION,
                    YZ_ROLLUP_BY__COUNT };
/* "day", "week", "month" / "district", "station", "occupation", and back (-1 if unknown). */
const char *yz_rollup_bucket_name(int b);
int yz_rollup_bucket_parse(const char *s);
const char *yz_rollup_by_name(int by);
int yz_rollup_by_parse(const char *s);

/* The start (a local midnight, unix seconds) of the bucket holding local day `day` (a local
 * midnight): the day itself, the Monday of its week, or the first of its month. */
int64_t yz_rollup_bucket_start(int bucket, int64_t day);
/* The start of the bucket after the one starting at `start`. */
int64_t yz_rollup_bucket_next(int bucket, int64_t start);

/* One cell of a breakdown: the visits of group `key` in the bucket starting at `bucket`,
 * counting only the days in the asked range. */
typedef struct yz_rollup_cell {
    int64_t bucket;  /* the bucket's start: a local midnight */
    char *key;       /* owned: district code, station id (decimal) or occupation name */
    int64_t visits;  /* counted visits; 0 when suppressed (never shown then) */
    bool suppressed; /* fewer than YZ_ROLLUP_K distinct workers */
} yz_rollup_cell;

/* Free `n` cells made by yz_store_rollup_query. Accepts NULL. */
void yz_rollup_cells_free(yz_rollup_cell *c, size_t n);

/* What to break down. */
typedef struct yz_rollup_query {
    int64_t from_day, to_day; /* local midnights: the days from_day <= day < to_day */
    int bucket;               /* enum yz_rollup_bucket */
    int by;                   /* enum yz_rollup_by */
    const char *district;     /* borrowed; NULL: every district */
} yz_rollup_query;

/* The cells with visits of query `q`, ordered by key (bytes), then bucket. Cells without
 * visits are absent (the caller shows them as 0). Returns owned *cells
 * (yz_rollup_cells_free); YZ_EINVAL naming the field of a bad query; YZ_EDB. Any thread. */
int yz_store_rollup_query(yz_store *st, const yz_rollup_query *q, yz_rollup_cell **cells,
                          size_t *n, yz_errinfo *ei);

/* Bring the roll-ups up to date with every visit committed before the call. On PostgreSQL the
 * check-ins write only their visits and a thread of the committer folds them into the
 * roll-ups now and then (docs/internals/visits.md, "The roll-ups folded behind the
 * check-ins"); this folds the rest, in one write transaction under the roll-ups' lock, taken
 * only when some visit is past the watermark. yz_store_rollup_query does it itself. SQLite:
 * nothing to do (each batch writes its roll-ups). Any thread. YZ_EDB. */
int yz_store_rollup_fold(yz_store *st, yz_errinfo *ei);

/* Build the roll-ups again from the visits kept, in one transaction: the days that still have
 * visits are recomputed; days already purged keep their roll-ups, and a purged day that has
 * none (purged before the roll-ups existed) gets one from its day totals, with its workers
 * unknown (counted as 1: suppressed unless other cells make up 5). Idempotent. *days (may be
 * NULL) gets the station-days written. YZ_EDB. */
int yz_store_rollup_rebuild(yz_store *st, int64_t *days, yz_errinfo *ei);

/* One cell of visit history kept as totals only (no raw visits): the counted visits of a
 * local day at a station by workers of one occupation. */
typedef struct yz_visit_day_total {
    int64_t day;        /* the local midnight (unix seconds) starting the day */
    int64_t station_id; /* a station in the store */
    int occupation;     /* enum yz_occupation */
    int64_t visits;     /* counted visits, 1..1,000,000 */
    int workers;        /* distinct workers, 1..visits */
} yz_visit_day_total;

/* Add the history `t[0..n)` of days whose raw visits are not kept (a demo city, totals from
 * before yizhan), in one transaction, as a purge would have left them: the day totals
 * (visit_days) and both roll-ups, worker ids none and worker counts capped at YZ_ROLLUP_K.
 * A station-day's workers are the sum of its occupations' (a worker has one occupation); a
 * district cell's workers are the sum of its stations' (totals cannot tell whether a worker
 * was at two stations that day: the caller vouches they were not). A cell already stored
 * gets the visits added and keeps the larger worker count. Borrows `t`. YZ_EINVAL naming
 * the entry ("totals[3].workers") for a day that is not a local midnight, an unknown
 * station or occupation, visits or workers out of range; YZ_ECONFLICT (field "day") when
 * raw visits are kept between the first and the last day given (those days' roll-ups come
 * from the visits: yz_store_rollup_rebuild would drop the totals); nothing is written then.
 * YZ_EDB. Any thread. */
int yz_store_visit_history_import(yz_store *st, const yz_visit_day_total *t, size_t n,
                                  yz_errinfo *ei);

/* For store opening: build the roll-ups once after the migration that created them. */
int yz__rollups_open(yz_store *st, yz_errinfo *ei);

#endif
