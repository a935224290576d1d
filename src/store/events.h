/* SPDX-License-Identifier: MIT */
/* store/events.h - events at stations (free breakfast every Friday, a one-off health check),
 * their occurrences and the workers' sign-ups per occurrence (docs/internals/events.md).
 * Records returned are owned by the caller (yz_event_fini / yz_event_array_free). The
 * occurrence rules below are pure functions shared by every backend and by the API. */
#ifndef YZ_STORE_EVENTS_H
#define YZ_STORE_EVENTS_H

#include "store/store.h"

#include <stdbool.h>
#include <stdint.h>

enum yz_event_category {
    YZ_EVCAT_FREE_MEAL,
    YZ_EVCAT_CHEAP_MEAL,
    YZ_EVCAT_HEALTH,
    YZ_EVCAT_ACTIVITY,
    YZ_EVCAT_SERVICE,
    YZ_EVCAT__COUNT
};
const char *yz_event_category_name(int cat); /* "" if out of range */
int yz_event_category_parse(const char *s);  /* -1 if unknown (or NULL) */

#define YZ_EVENT_TITLE_MAX 100 /* code points */
#define YZ_EVENT_DESC_MAX 2000 /* code points */
#define YZ_EVENT_NO_UNTIL INT32_MAX

/* One event: either one-off (weekly == false: starts_at..ends_at) or recurring weekly
 * (weekdays at start_min..end_min local time, on local dates valid_from..valid_until). */
typedef struct yz_event {
    int64_t id;
    int64_t station_id;
    char *title;       /* zh, owned, required */
    char *description; /* owned, NULL when none */
    int category;      /* enum yz_event_category */
    bool weekly;
    int64_t starts_at, ends_at;     /* one-off: unix seconds, ends_at > starts_at */
    uint8_t weekdays;               /* weekly: bit 0 = Monday .. bit 6 = Sunday, non-zero */
    int start_min, end_min;         /* weekly: local minutes of the day, 0 <= start < end <= 1440 */
    int32_t valid_from;             /* weekly: local date, days since 1970-01-01 */
    int32_t valid_until;            /* weekly: inclusive local date, YZ_EVENT_NO_UNTIL if open */
    int capacity;                   /* seats an occurrence; 0 = unlimited */
    bool cancelled;                 /* DELETE cancels; the record and its sign-ups stay */
    int64_t created_at, updated_at; /* unix seconds */
    int64_t version;                /* 1 at create, +1 a change (If-Match); set by the store */
} yz_event;

void yz_event_init(yz_event *ev);
/* Frees the strings and leaves `ev` as after init. Accepts NULL. */
void yz_event_fini(yz_event *ev);
void yz_event_array_free(yz_event *evs, size_t n);
/* Deep copy of `src` into `dst` (not initialised first). */
void yz_event_copy(yz_event *dst, const yz_event *src);

/* Check the rule fields (not the station): ranges, non-empty title, weekday bits, dates.
 * YZ_OK or YZ_EINVAL naming the field. */
int yz_event_validate(const yz_event *ev, yz_errinfo *ei);

/* The local date (days since 1970-01-01) of unix time `t` at UTC offset `offset_min`, and
 * its weekday (0 = Monday). */
int32_t yz_event_local_day(int64_t t, int offset_min);
int yz_event_weekday(int32_t day);

/* Whether `ev` has an occurrence on local date `day` in a zone `offset_min` east of UTC,
 * and if so its start and end (unix seconds). A weekly event occurs on each of its weekdays
 * from valid_from to valid_until; a one-off event has one occurrence, on the local date it
 * starts. Cancelled events have none. Pure; thread-safe. */
bool yz_event_occurrence(const yz_event *ev, int32_t day, int offset_min, int64_t *start,
                         int64_t *end);
/* Whether `ev` takes place during local date `day` (a one-off event spanning several days
 * takes place on each; weekly as yz_event_occurrence). For "today" lists. */
bool yz_event_on_day(const yz_event *ev, int32_t day, int offset_min, int64_t *start, int64_t *end);

/* The seats of one occurrence after a sign-up or a cancellation. */
typedef struct yz_event_seats {
    int signed_up; /* workers signed up for the occurrence */
    int capacity;  /* 0 = unlimited */
} yz_event_seats;

/* Sign-up count of one occurrence. */
typedef struct yz_event_count {
    int64_t event_id;
    int32_t day; /* local date of the occurrence */
    int n;
} yz_event_count;


/* Insert `n` events (validated by the caller; their stations must exist) in one
 * transaction: all land or none. Sets each id, created_at and updated_at. YZ_EINVAL when a
 * station is unknown (field "station"). */
int yz_store_event_create(yz_store *st, yz_event *evs, size_t n, yz_errinfo *ei);
/* Replace event ev->id with `ev` (all fields but id, created_at and cancelled). With
 * `if_version` > 0 the stored version must be that one (else YZ_ESTALE, nothing changed).
 * Sets updated_at, created_at and the new version. YZ_ENOTFOUND; YZ_ECONFLICT when the event
 * is cancelled. */
int yz_store_event_update(yz_store *st, yz_event *ev, int64_t if_version, yz_errinfo *ei);
/* Cancel event `id` at `now`; the record and its sign-ups are kept. With `if_version` > 0 as
 * in yz_store_event_update. YZ_ENOTFOUND, YZ_ESTALE, or YZ_ECONFLICT when already
 * cancelled. */
int yz_store_event_cancel(yz_store *st, int64_t id, int64_t now, int64_t if_version,
                          yz_errinfo *ei);
/* One event into `out` (initialised by the call), cancelled ones included. YZ_ENOTFOUND. */
int yz_store_event_get(yz_store *st, int64_t id, yz_event *out, yz_errinfo *ei);
/* Every event, by id; cancelled ones only if `with_cancelled`. Owned (yz_event_array_free). */
int yz_store_event_list(yz_store *st, bool with_cancelled, yz_event **out, size_t *n,
                        yz_errinfo *ei);
/* Sign worker `worker_id` up for the occurrence of `event_id` on local date `day`. In one
 * serialised transaction: the event must exist (YZ_ENOTFOUND), not be cancelled
 * (YZ_ECONFLICT), have an occurrence on `day` in its station's zone (YZ_EINVAL, field
 * "occurrence") that has not ended by `now` (YZ_EINVAL), the worker must not be signed up
 * already (YZ_ECONFLICT) and a seat must be free (YZ_ECONFLICT): the count and the insert
 * are atomic, so concurrent sign-ups never overbook. Fills *out on success. */
int yz_store_event_signup(yz_store *st, int64_t event_id, int32_t day, int64_t worker_id,
                          int64_t now, yz_event_seats *out, yz_errinfo *ei);
/* Sign workers `worker_ids[0..n)` up for the occurrence of `event_id` on `day`, worker i at
 * `at[i]` (its `now`), all in one serialised transaction, with the checks of
 * yz_store_event_signup for each: all are signed up, or none (the first broken rule's error;
 * a worker listed twice is signed up already). For bulk loads (the demo's history). Borrows
 * the arrays. */
int yz_store_event_signup_many(yz_store *st, int64_t event_id, int32_t day,
                               const int64_t *worker_ids, const int64_t *at, size_t n,
                               yz_errinfo *ei);
/* Cancel the worker's sign-up. YZ_ENOTFOUND when there is none. Fills *out. */
int yz_store_event_unsignup(yz_store *st, int64_t event_id, int32_t day, int64_t worker_id,
                            yz_event_seats *out, yz_errinfo *ei);
/* Sign-up counts of every occurrence dated from_day..to_day (inclusive), by event and day.
 * Owned (yz_free). */
int yz_store_event_counts(yz_store *st, int32_t from_day, int32_t to_day, yz_event_count **out,
                          size_t *n, yz_errinfo *ei);

/* One sign-up as staff see it (GET /api/v1/events/{id}/signups). */
typedef struct yz_event_signup {
    int32_t day;        /* local date of the occurrence */
    int64_t worker_id;  /* the API shows a per-event pseudonym, never this id */
    int64_t created_at; /* unix seconds */
} yz_event_signup;
/* Sign-ups of event `event_id` (on local date `day`, or on every date when `day` < 0), by
 * date then time, at most `max`. YZ_ENOTFOUND when the event does not exist. Owned
 * (yz_free). */
int yz_store_event_signups(yz_store *st, int64_t event_id, int32_t day, size_t max,
                           yz_event_signup **out, size_t *n, yz_errinfo *ei);

#endif
