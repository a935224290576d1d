/* SPDX-License-Identifier: MIT */
/* demo/events.h - the demo city's events: the Friday free breakfast at the trade union
 * building and a year of activities (2026-09-01 to 2027-08-31) at stations across the city,
 * made deterministically from a seed. Used by `yizhan demo`. */
#ifndef YZ_DEMO_EVENTS_H
#define YZ_DEMO_EVENTS_H

#include "core/err.h"
#include "store/store.h"

#include <stdint.h>

/* The first and last local dates of the demo year. */
#define YZ_DEMO_EVENTS_FROM "2026-09-01"
#define YZ_DEMO_EVENTS_UNTIL "2027-08-31"

/* Add the demo events to `st`, whose stations must include the demo city's (looked up by
 * code; the union building is YZ_DEMO_UNION_CODE). The same seed and stations give the same
 * events. All events land in one transaction, or none. Returns YZ_OK, YZ_ENOTFOUND when the
 * union-building station is missing, or a store error; `ei` may be NULL. */
int yz_demo_events(yz_store *st, uint64_t seed, yz_errinfo *ei);

#endif
