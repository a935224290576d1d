/* SPDX-License-Identifier: MIT */
/* store/dashboard.h - the raw rows the dashboard's events, ratings and scores are counted
 * from (api/dashboard.c; docs/internals/stats.md, "Events, ratings and scores"): sign-ups of
 * a range of occurrence dates, the counted verified ratings of a range of days, and the
 * submitted inspections' scores. Written once for both backends on store/db.h. Arrays
 * returned are owned by the caller (yz_free). */
#ifndef YZ_STORE_DASHBOARD_H
#define YZ_STORE_DASHBOARD_H

#include "store/store.h"

#include <stdbool.h>
#include <stdint.h>

/* One sign-up for an occurrence. */
typedef struct yz_dash_signup {
    int64_t event_id;
    int32_t day;       /* local date of the occurrence, days since 1970-01-01 */
    int64_t worker_id; /* counted for k-anonymity only, never shown */
} yz_dash_signup;

/* Sign-ups of the occurrences dated from_day..to_day (inclusive), by event, day, worker. */
int yz_store_dash_signups(yz_store *st, int32_t from_day, int32_t to_day, yz_dash_signup **out,
                          size_t *n, yz_errinfo *ei);

/* One counted (active, not rejected), verified rating. */
typedef struct yz_dash_rating {
    int64_t station_id;
    int32_t day;       /* the station's local date of the rating */
    int stars;         /* 1..5 */
    int64_t worker_id; /* counted for k-anonymity only, never shown */
} yz_dash_rating;

/* Counted verified ratings dated from_day..to_day (inclusive), by station, day, worker. */
int yz_store_dash_ratings(yz_store *st, int32_t from_day, int32_t to_day, yz_dash_rating **out,
                          size_t *n, yz_errinfo *ei);

/* One submitted inspection's scores (0..100; NaN where the inspection scored nothing of it). */
typedef struct yz_dash_score {
    int64_t id;
    int64_t station_id;
    int64_t submitted_at; /* unix seconds */
    double score, hardware, service, operations;
} yz_dash_score;

/* Submitted inspections up to `before` (unix seconds, exclusive), oldest first (ties by id). */
int yz_store_dash_scores(yz_store *st, int64_t before, yz_dash_score **out, size_t *n,
                         yz_errinfo *ei);

#endif
