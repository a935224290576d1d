/* SPDX-License-Identifier: MIT */
/* demo/visits.h - the demo city's visit history: a year of counted visits before the day the
 * demo is loaded, kept as day totals and roll-ups only (as a purge leaves them, no worker
 * ids), made deterministically from a seed and that day (docs/internals/demo.md). Used by
 * `yizhan demo`. */
#ifndef YZ_DEMO_VISITS_H
#define YZ_DEMO_VISITS_H

#include "core/err.h"
#include "store/store.h"

#include <stdint.h>

#define YZ_DEMO_VISIT_DAYS 365 /* days of history, ending the day before loading */

/* Add the visit history of the YZ_DEMO_VISIT_DAYS local days before the day of `now` (unix
 * seconds, Beijing time) for every station of `st` in service, through
 * yz_store_visit_history_import: visits per station-day by partner kind (a rider home sees
 * more than a government office), weekday and season, split among occupations, most cells
 * with at least YZ_ROLLUP_K workers. The same seed, stations and day give the same totals,
 * over 1,000,000 visits for the demo city. One transaction. Returns YZ_OK or a store error
 * (YZ_ECONFLICT when raw visits are kept in those days); `ei` may be NULL. */
int yz_demo_visits(yz_store *st, uint64_t seed, int64_t now, yz_errinfo *ei);

#endif
