/* SPDX-License-Identifier: MIT */
/* demo/inspections.h - the demo city's year of inspections on the 八有 standard (open, secret
 * and by experience officers) and the smart 24-hour stations' daily self-checks of the last
 * week, made deterministically from a seed and the day of loading (docs/internals/demo.md).
 * Used by `yizhan demo`. */
#ifndef YZ_DEMO_INSPECTIONS_H
#define YZ_DEMO_INSPECTIONS_H

#include "core/err.h"
#include "store/store.h"

#include <stdint.h>

#define YZ_DEMO_OFFICERS 12     /* experience officers appointed */
#define YZ_DEMO_SELF_CHECK_DAYS 7 /* days of daily self-checks at smart24h stations */

/* Through the store's inspection functions: appoint YZ_DEMO_OFFICERS experience officers
 * (workers whose token nobody holds: only a hash drawn from the seed is stored) and submit,
 * over the year before the day of `now`, 1-4 inspections on the active `zj_8you` at most
 * stations in service (livelihood stations more often): kinds about 45 % open, 30 % secret,
 * 25 % experience officer; most stations pass every criterion, some fail 1-3. An officer's
 * check-in at the station precedes each of their inspections, as the presence rule asks;
 * those check-ins are then purged like any visit of a past day (the roll-ups keep them
 * without the worker). Open and secret inspections are opened by no user (opened_by 0, as
 * with the admin token): the demo creates no account anyone could log in with. Then a
 * `daily_self_check` a day at every smart24h station in service for the last
 * YZ_DEMO_SELF_CHECK_DAYS days. Returns YZ_OK or the first store error; `ei` may be NULL. */
int yz_demo_inspections(yz_store *st, uint64_t seed, int64_t now, yz_errinfo *ei);

/* The year before the day of `now`, which `yizhan demo --history` adds to a fresh demo city:
 * yz_demo_visits, yz_demo_inspections, yz_demo_tasks, then yz_demo_ratings and
 * yz_demo_signups (demo/people.h). Seconds on SQLite, so the plain demo (and the tests that
 * load it) leaves it out. Returns YZ_OK or the first error; `ei` may be NULL. */
int yz_demo_history(yz_store *st, uint64_t seed, int64_t now, yz_errinfo *ei);

/* The life of the rectification tasks the inspections opened, played in time order through
 * store/tasks.h as the console writes it, with the escalation sweep run at 09:00 of every
 * day between the steps (and at `now`): most answered (by user 0, as with the admin token:
 * the demo has no operator accounts) within the deadline, some late, and closed by an
 * inspector's verification; about one in eight reopened once, then answered and closed; a
 * few of the old ones still open, so overdue and escalated; recent ones often open or waiting
 * for verification. Returns YZ_OK or the first store error; `ei` may be NULL. */
int yz_demo_tasks(yz_store *st, uint64_t seed, int64_t now, yz_errinfo *ei);

#endif
