/* SPDX-License-Identifier: MIT */
/* demo/people.h - the demo city's workers over the year before loading: verified ratings of
 * the stations and sign-ups for the past events, each by pseudonymous workers (a token hash
 * drawn from the seed, which no one holds), made deterministically from a seed and the day of
 * loading (docs/internals/demo.md). Used by `yizhan demo --history`. */
#ifndef YZ_DEMO_PEOPLE_H
#define YZ_DEMO_PEOPLE_H

#include "core/err.h"
#include "store/store.h"

#include <stdint.h>

#define YZ_DEMO_RATERS 809     /* workers who rate (a prime: the stride walk stays distinct) */
#define YZ_DEMO_ATTENDEES 4001 /* workers who sign up for events (a prime, likewise) */
#define YZ_DEMO_LOW_STATIONS 8 /* stations rated clearly low */

/* Through yz_store_visit_record and yz_store_rate, as the API writes them: about 40 % of the
 * stations in service are rated over the year by 5-20 distinct workers each, most about 4
 * stars, YZ_DEMO_LOW_STATIONS of them about 2; nine ratings in ten are sent from the station
 * after a check-in ten minutes before (so verified), the others are not. The check-ins are
 * then purged like any past day's (the roll-ups keep them without the worker). Returns YZ_OK
 * or the first store error; `ei` may be NULL. */
int yz_demo_ratings(yz_store *st, uint64_t seed, int64_t now, yz_errinfo *ei);

/* Through yz_store_event_signup, as the API writes them (each made hours or days before its
 * occurrence): every occurrence that ended in the 365 days before `now` gets 55-100 % of its
 * seats taken (8-32 sign-ups where seats are unlimited) by distinct workers. Returns YZ_OK or
 * the first store error; `ei` may be NULL. */
int yz_demo_signups(yz_store *st, uint64_t seed, int64_t now, yz_errinfo *ei);

#endif
