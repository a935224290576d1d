/* SPDX-License-Identifier: MIT */
/* store/rollups_int.h - what the visits area calls of the roll-ups, inside its own
 * transactions (docs/internals/stats.md). Only src/store/ includes this header. */
#ifndef YZ_STORE_ROLLUPS_INT_H
#define YZ_STORE_ROLLUPS_INT_H

#include "store/db.h"
#include "store/visits.h"

/* Inside the committer's batch transaction, after the visits are inserted and decided: add
 * the counted ones of v[0..n) to the roll-ups of their local day (station, district and the
 * worker's occupation). */
int yz__rollups_add(yz_db_tx *tx, yz_visit *const *v, size_t n, yz_errinfo *ei);

/* Inside the purge's transaction of the days d0 <= day < d1: forget which workers the
 * roll-ups of those days hold (their visits and capped worker counts stay). */
int yz__rollups_forget_workers(yz_db_tx *tx, int64_t d0, int64_t d1, yz_errinfo *ei);

#endif
