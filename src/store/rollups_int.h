/* SPDX-License-Identifier: MIT */
/* store/rollups_int.h - what the visits area calls of the roll-ups, inside its own
 * transactions (docs/internals/stats.md). Only src/store/ includes this header. */
#ifndef YZ_STORE_ROLLUPS_INT_H
#define YZ_STORE_ROLLUPS_INT_H

#include "store/db.h"
#include "store/visits.h"

/* SQLite: inside the committer's batch transaction, after the visits are inserted and decided:
 * add the counted ones of v[0..n) to the roll-ups of their local day (station, district and the
 * worker's occupation). */
int yz__rollups_add(yz_db_tx *tx, yz_visit *const *v, size_t n, yz_errinfo *ei);
/* PostgreSQL: the same set-wise, as the fold's last common table expressions
 * (", r1 AS (...), ..."): they read `cv(w, s, d, wk, mo, dc, occ)`, one row a counted visit
 * (worker, station, the start of its local day, week and month, the station's district or '',
 * the worker's occupation or 'other'), fold it into one row a cell (its visits and its five
 * smallest distinct workers, as yz__rollups_add folds a batch in C) and upsert each table
 * with the same expressions. */
extern const char yz__rollups_pg_ctes[];

/* PostgreSQL, inside a write transaction: take the roll-ups' advisory lock, then add the
 * counted visits past the watermark (rollup_state.folded_id), at most `max_ids` ids of them
 * (0: all), to the roll-ups and move the watermark, in the same transaction. *folded (may be
 * NULL): the counted visits folded. SQLite: nothing (its committer adds each batch's). */
int yz__rollups_fold(yz_db_tx *tx, int64_t max_ids, int64_t *folded, yz_errinfo *ei);

/* Inside the purge's transaction of the days d0 <= day < d1: forget which workers the
 * roll-ups of those days hold (their visits and capped worker counts stay). */
int yz__rollups_forget_workers(yz_db_tx *tx, int64_t d0, int64_t d1, yz_errinfo *ei);

#endif
