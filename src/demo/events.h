/* SPDX-License-Identifier: MIT */
/* demo/events.h - the demo city's events: the Friday free breakfast at the trade union
 * building and a year of activities at stations across the city, from the first day of the
 * month the demo is loaded in (Beijing time), made deterministically from a seed and that
 * month. Used by `yizhan demo`. */
#ifndef YZ_DEMO_EVENTS_H
#define YZ_DEMO_EVENTS_H

#include "core/err.h"
#include "store/store.h"

#include <stdint.h>

/* One-off activities a month in the year before the demo is loaded. */
#define YZ_DEMO_PAST_ONEOFFS 40

/* Add the demo events to `st`, whose stations must include the demo city's (looked up by
 * code; the union building is YZ_DEMO_UNION_CODE), for the year from the first of the month
 * of `now` (unix seconds), so that a demo loaded on any day has a year of events ahead, and
 * the year before the local day of `now`: weekly breakfasts at union stations, a weekly
 * service at each benchmark station in service and YZ_DEMO_PAST_ONEOFFS one-off activities a
 * month, so that "no event in 12 months" lists a minority of stations. The same
 * seed, stations and month give the same events. All events land in one transaction, or none. Returns YZ_OK, YZ_ENOTFOUND when the
 * union-building station is missing, or a store error; `ei` may be NULL. */
int yz_demo_events(yz_store *st, uint64_t seed, int64_t now, yz_errinfo *ei);

#endif
