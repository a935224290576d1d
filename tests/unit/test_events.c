/* SPDX-License-Identifier: MIT */
/* tests/unit/test_events.c - events: weekly expansion (month and year ends, leap days, the
 * +08:00 day boundary, from/until bounds), one-off events, validation, the SQLite store's
 * records and sign-up rules, sign-ups racing over two connections, the demo events, and the
 * `today` member for a Friday at the union-building station of the demo city. */
#include "testdb.h"
#include "api/api_int.h"
#include "core/alloc.h"
#include "core/time.h"
#include "demo/city.h"
#include "demo/events.h"
#include "store/events.h"
#include "store/workers.h"

#include <criterion/criterion.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define CST 480

static int32_t D(int y, int m, int d)
{
    return (int32_t)yz_days_from_civil(y, m, d);
}

static int64_t T(const char *iso)
{
    int64_t t = 0;
    cr_assert_eq(yz_time_parse_iso8601(iso, 0, &t), YZ_OK, "%s", iso);
    return t;
}

static yz_event weekly(uint8_t days, int start, int end, int32_t from, int32_t until)
{
    yz_event ev;
    yz_event_init(&ev);
    ev.title = yz_strdup("早餐");
    ev.category = YZ_EVCAT_FREE_MEAL;
    ev.weekly = true;
    ev.weekdays = days;
    ev.start_min = start;
    ev.end_min = end;
    ev.valid_from = from;
    ev.valid_until = until;
    return ev;
}

/* Dates of the occurrences of `ev` from `a` to `b` as "YYYY-MM-DD ..." */
static void expand(const yz_event *ev, int32_t a, int32_t b, char *out, size_t cap)
{
    out[0] = '\0';
    for (int32_t d = a; d <= b; d++) {
        int64_t s, e;
        if (!yz_event_occurrence(ev, d, CST, &s, &e))
            continue;
        int y, m, dd;
        yz_civil_from_days(d, &y, &m, &dd);
        size_t len = strlen(out);
        snprintf(out + len, cap - len, "%s%04d-%02d-%02d", len ? " " : "", y, m, dd);
    }
}

TestSuite(rules);

Test(rules, weekday_of_known_dates)
{
    cr_assert_eq(yz_event_weekday(D(1970, 1, 1)), 3);   /* Thursday */
    cr_assert_eq(yz_event_weekday(D(1969, 12, 31)), 2); /* Wednesday, before the epoch */
    cr_assert_eq(yz_event_weekday(D(2000, 1, 1)), 5);   /* Saturday */
    cr_assert_eq(yz_event_weekday(D(2026, 11, 29)), 6); /* Sunday */
    cr_assert_eq(yz_event_weekday(D(2027, 1, 1)), 4);   /* Friday */
    cr_assert_eq(yz_event_weekday(D(2028, 2, 29)), 1);  /* Tuesday, leap day */
}

Test(rules, local_day_boundary_at_plus_eight)
{
    cr_assert_eq(yz_event_local_day(T("2027-01-07T15:59:59Z"), CST), D(2027, 1, 7));
    cr_assert_eq(yz_event_local_day(T("2027-01-07T16:00:00Z"), CST), D(2027, 1, 8));
    cr_assert_eq(yz_event_local_day(T("2027-01-07T23:59:59Z"), 0), D(2027, 1, 7));
    cr_assert_eq(yz_event_local_day(-3600, 0), D(1969, 12, 31)); /* 1969-12-31T23:00Z */
}

Test(rules, weekly_across_month_and_year_end)
{
    yz_event ev = weekly(1u << 4, 6 * 60 + 30, 9 * 60, D(2026, 1, 2), YZ_EVENT_NO_UNTIL);
    char got[512];
    expand(&ev, D(2026, 12, 20), D(2027, 1, 10), got, sizeof got);
    cr_assert_str_eq(got, "2026-12-25 2027-01-01 2027-01-08");
    expand(&ev, D(2027, 1, 25), D(2027, 2, 6), got, sizeof got);
    cr_assert_str_eq(got, "2027-01-29 2027-02-05");
    int64_t s, e;
    cr_assert(yz_event_occurrence(&ev, D(2027, 1, 1), CST, &s, &e));
    cr_assert_eq(s, T("2027-01-01T06:30:00+08:00"));
    cr_assert_eq(e, T("2027-01-01T09:00:00+08:00"));
    cr_assert_eq(s, T("2026-12-31T22:30:00Z")); /* the previous UTC day */
    cr_assert_not(yz_event_occurrence(&ev, D(2026, 12, 31), CST, &s, &e));
    yz_event_fini(&ev);
}

Test(rules, several_weekdays_and_leap_day)
{
    /* Tu, Th, Su around 29 February 2028 */
    yz_event ev =
        weekly((1u << 1) | (1u << 3) | (1u << 6), 600, 660, D(2028, 1, 1), YZ_EVENT_NO_UNTIL);
    char got[512];
    expand(&ev, D(2028, 2, 26), D(2028, 3, 5), got, sizeof got);
    cr_assert_str_eq(got, "2028-02-27 2028-02-29 2028-03-02 2028-03-05");
    yz_event_fini(&ev);
}

Test(rules, from_and_until_are_inclusive)
{
    /* every day from Wed 2027-03-03 until Sat 2027-03-06 */
    yz_event ev = weekly(0x7f, 0, 1440, D(2027, 3, 3), D(2027, 3, 6));
    char got[512];
    expand(&ev, D(2027, 2, 25), D(2027, 3, 12), got, sizeof got);
    cr_assert_str_eq(got, "2027-03-03 2027-03-04 2027-03-05 2027-03-06");
    int64_t s, e;
    cr_assert(yz_event_occurrence(&ev, D(2027, 3, 6), CST, &s, &e));
    cr_assert_eq(e - s, 86400); /* 00:00-24:00 */
    cr_assert_eq(e, T("2027-03-07T00:00:00+08:00"));
    ev.cancelled = true;
    cr_assert_not(yz_event_occurrence(&ev, D(2027, 3, 4), CST, &s, &e));
    yz_event_fini(&ev);
}

Test(rules, one_off_occurs_on_its_local_start_date)
{
    yz_event ev;
    yz_event_init(&ev);
    ev.title = yz_strdup("暖新日");
    ev.category = YZ_EVCAT_ACTIVITY;
    ev.starts_at = T("2027-05-27T23:30:00Z"); /* 07:30 on 28 May in Wenzhou */
    ev.ends_at = T("2027-05-29T10:00:00+08:00");
    int64_t s, e;
    cr_assert_not(yz_event_occurrence(&ev, D(2027, 5, 27), CST, &s, &e));
    cr_assert(yz_event_occurrence(&ev, D(2027, 5, 28), CST, &s, &e));
    cr_assert_eq(s, ev.starts_at);
    cr_assert_eq(e, ev.ends_at);
    cr_assert_not(yz_event_occurrence(&ev, D(2027, 5, 29), CST, &s, &e));
    /* in UTC it starts on the 27th */
    cr_assert(yz_event_occurrence(&ev, D(2027, 5, 27), 0, &s, &e));
    /* it takes place on the 28th and the 29th, not on the 30th */
    cr_assert_not(yz_event_on_day(&ev, D(2027, 5, 27), CST, &s, &e));
    cr_assert(yz_event_on_day(&ev, D(2027, 5, 28), CST, &s, &e));
    cr_assert(yz_event_on_day(&ev, D(2027, 5, 29), CST, &s, &e));
    cr_assert_not(yz_event_on_day(&ev, D(2027, 5, 30), CST, &s, &e));
    yz_event_fini(&ev);
}

Test(rules, validate_names_the_field)
{
    yz_errinfo ei;
    yz_event ev = weekly(0, 60, 120, D(2027, 1, 1), YZ_EVENT_NO_UNTIL);
    cr_assert_eq(yz_event_validate(&ev, &ei), YZ_EINVAL);
    cr_assert_str_eq(ei.field, "weekly.days");
    ev.weekdays = 1;
    cr_assert_eq(yz_event_validate(&ev, &ei), YZ_OK);
    ev.end_min = 60;
    cr_assert_eq(yz_event_validate(&ev, &ei), YZ_EINVAL);
    cr_assert_str_eq(ei.field, "weekly.end");
    ev.end_min = 120;
    ev.valid_until = D(2026, 12, 31);
    cr_assert_eq(yz_event_validate(&ev, &ei), YZ_EINVAL);
    cr_assert_str_eq(ei.field, "weekly.until");
    ev.valid_until = YZ_EVENT_NO_UNTIL;
    ev.category = 9;
    cr_assert_eq(yz_event_validate(&ev, &ei), YZ_EINVAL);
    cr_assert_str_eq(ei.field, "category");
    ev.category = 0;
    yz_free(ev.title);
    ev.title = yz_strdup("\xe5\xb7"); /* truncated UTF-8 */
    cr_assert_eq(yz_event_validate(&ev, &ei), YZ_EINVAL);
    cr_assert_str_eq(ei.field, "title");
    ev.weekly = false;
    yz_free(ev.title);
    ev.title = yz_strdup("x");
    ev.starts_at = 1000;
    ev.ends_at = 1000;
    cr_assert_eq(yz_event_validate(&ev, &ei), YZ_EINVAL);
    cr_assert_str_eq(ei.field, "ends_at");
    yz_event_fini(&ev);
    cr_assert_eq(yz_event_category_parse("health"), YZ_EVCAT_HEALTH);
    cr_assert_eq(yz_event_category_parse("party"), -1);
    cr_assert_str_eq(yz_event_category_name(YZ_EVCAT_CHEAP_MEAL), "cheap_meal");
}

/* --- the store ---------------------------------------------------------------------------- */

static char path[64];
static yz_store *st;
static int64_t union_id, other_id; /* WZ-GHDS and the next station */

static void unlink_db(void)
{
    yz_test_remove_db(path);
}

static void setup(void)
{
    snprintf(path, sizeof path, "/tmp/yz-test-events-%d.db", (int)getpid());
    unlink_db();
    yz_errinfo ei;
    cr_assert_eq(yz_store_open(path, &st, &ei), YZ_OK, "%s", ei.msg_en);
    yz_station *rows;
    yz_district *d;
    size_t n, nd;
    cr_assert_eq(yz_demo_generate(7, &rows, &n, &d, &nd, &ei), YZ_OK);
    yz_import_counts c;
    cr_assert_eq(yz_store_import(st, rows, n, d, nd, &c, &ei), YZ_OK, "%s", ei.msg_en);
    cr_assert_str_eq(rows[0].code, YZ_DEMO_UNION_CODE);
    union_id = rows[0].id;
    other_id = rows[1].id;
    yz_station_array_free(rows, n);
    for (size_t i = 0; i < nd; i++)
        yz_district_fini(&d[i]);
    yz_free(d);
}

static void teardown(void)
{
    yz_store_close(st);
    st = NULL;
    unlink_db();
}

static int64_t new_worker(yz_store *s)
{
    static int k;
    uint8_t hash[YZ_TOKEN_HASH_BYTES] = {0};
    int v = __atomic_add_fetch(&k, 1, __ATOMIC_SEQ_CST);
    memcpy(hash, &v, sizeof v);
    hash[31] = (uint8_t)getpid();
    yz_worker w = {.occupation = YZ_OCC_RIDER, .expires_at = yz_time_now() + 3600};
    yz_errinfo ei;
    cr_assert_eq(yz_store_worker_create(s, hash, &w, &ei), YZ_OK, "%s", ei.msg_en);
    return w.id;
}

TestSuite(store, .init = setup, .fini = teardown);

Test(store, create_get_update_cancel_list)
{
    yz_errinfo ei;
    yz_event ev[2];
    ev[0] = weekly(1u << 4, 390, 540, D(2026, 1, 2), YZ_EVENT_NO_UNTIL);
    ev[0].station_id = union_id;
    ev[0].capacity = 40;
    ev[0].description = yz_strdup("包子豆浆");
    ev[1] = weekly(1u << 0, 600, 660, D(2027, 1, 4), D(2027, 6, 28));
    ev[1].station_id = other_id;
    cr_assert_eq(yz_store_event_create(st, ev, 2, &ei), YZ_OK, "%s", ei.msg_en);
    cr_assert(ev[0].id > 0 && ev[1].id > ev[0].id);

    yz_event got;
    cr_assert_eq(yz_store_event_get(st, ev[1].id, &got, &ei), YZ_OK);
    cr_assert_eq(got.valid_until, D(2027, 6, 28));
    cr_assert_eq(got.weekdays, 1);
    cr_assert_eq(got.capacity, 0);
    cr_assert_null(got.description);
    yz_event_fini(&got);
    cr_assert_eq(yz_store_event_get(st, ev[0].id, &got, &ei), YZ_OK);
    cr_assert_str_eq(got.description, "包子豆浆");
    cr_assert_eq(got.valid_until, YZ_EVENT_NO_UNTIL);
    cr_assert_eq(got.capacity, 40);
    cr_assert_eq(got.start_min, 390);

    /* update: to a one-off at the other station */
    got.weekly = false;
    got.starts_at = T("2027-05-28T09:00:00+08:00");
    got.ends_at = T("2027-05-28T17:00:00+08:00");
    got.station_id = other_id;
    cr_assert_eq(yz_store_event_update(st, &got, 0, &ei), YZ_OK, "%s", ei.msg_en);
    yz_event again;
    cr_assert_eq(yz_store_event_get(st, got.id, &again, &ei), YZ_OK);
    cr_assert_not(again.weekly);
    cr_assert_eq(again.starts_at, got.starts_at);
    cr_assert_eq(again.station_id, other_id);
    cr_assert_eq(again.version, 2, "a change bumps the version");
    yz_event_fini(&again);
    /* a stale If-Match version changes nothing */
    got.capacity = 7;
    cr_assert_eq(yz_store_event_update(st, &got, 1, &ei), YZ_ESTALE);
    cr_assert_str_eq(ei.field, "version");
    cr_assert_eq(yz_store_event_get(st, got.id, &again, &ei), YZ_OK);
    cr_assert_eq(again.capacity, 40);
    cr_assert_eq(again.version, 2);
    yz_event_fini(&again);
    got.capacity = 40;

    got.station_id = 999999;
    cr_assert_eq(yz_store_event_update(st, &got, 0, &ei), YZ_EINVAL);
    cr_assert_str_eq(ei.field, "station");
    yz_event_fini(&got);

    cr_assert_eq(yz_store_event_cancel(st, ev[1].id, 1000, 0, &ei), YZ_OK);
    cr_assert_eq(yz_store_event_cancel(st, ev[1].id, 1000, 0, &ei), YZ_ECONFLICT);
    cr_assert_eq(yz_store_event_cancel(st, 424242, 1000, 0, &ei), YZ_ENOTFOUND);
    yz_event *all;
    size_t n;
    cr_assert_eq(yz_store_event_list(st, false, &all, &n, &ei), YZ_OK);
    cr_assert_eq(n, 1);
    cr_assert_eq(all[0].id, ev[0].id);
    yz_event_array_free(all, n);
    cr_assert_eq(yz_store_event_list(st, true, &all, &n, &ei), YZ_OK);
    cr_assert_eq(n, 2);
    cr_assert(all[1].cancelled);
    yz_event_array_free(all, n);
    cr_assert_eq(yz_store_event_get(st, ev[1].id, &got, &ei), YZ_OK);
    cr_assert(got.cancelled);
    got.title[0] = 'X';
    cr_assert_eq(yz_store_event_update(st, &got, 0, &ei), YZ_ECONFLICT);
    yz_event_fini(&got);
    yz_event_fini(&ev[0]);
    yz_event_fini(&ev[1]);
}

Test(store, create_is_all_or_nothing)
{
    yz_errinfo ei;
    yz_event ev[2];
    ev[0] = weekly(1, 60, 120, D(2027, 1, 1), YZ_EVENT_NO_UNTIL);
    ev[0].station_id = union_id;
    ev[1] = weekly(1, 60, 120, D(2027, 1, 1), YZ_EVENT_NO_UNTIL);
    ev[1].station_id = 999999;
    cr_assert_eq(yz_store_event_create(st, ev, 2, &ei), YZ_EINVAL);
    cr_assert_str_eq(ei.field, "station");
    yz_event *all;
    size_t n;
    cr_assert_eq(yz_store_event_list(st, true, &all, &n, &ei), YZ_OK);
    cr_assert_eq(n, 0);
    yz_event_array_free(all, n);
    yz_event_fini(&ev[0]);
    yz_event_fini(&ev[1]);
}

Test(store, signup_rules)
{
    yz_errinfo ei;
    yz_event ev = weekly(1u << 3, 14 * 60, 17 * 60, D(2027, 1, 1), D(2027, 3, 31)); /* Th */
    ev.station_id = union_id;
    ev.capacity = 2;
    cr_assert_eq(yz_store_event_create(st, &ev, 1, &ei), YZ_OK);
    int64_t w1 = new_worker(st), w2 = new_worker(st), w3 = new_worker(st);
    int64_t now = T("2027-01-07T13:00:00+08:00"); /* an hour before the first Thursday */
    yz_event_seats seats;
    int32_t th = D(2027, 1, 7);
    cr_assert_eq(yz_store_event_signup(st, ev.id, th, w1, now, &seats, &ei), YZ_OK);
    cr_assert_eq(seats.signed_up, 1);
    cr_assert_eq(seats.capacity, 2);
    cr_assert_eq(yz_store_event_signup(st, ev.id, th, w1, now, &seats, &ei), YZ_ECONFLICT);
    cr_assert_eq(yz_store_event_signup(st, ev.id, th, w2, now, &seats, &ei), YZ_OK);
    cr_assert_eq(seats.signed_up, 2);
    cr_assert_eq(yz_store_event_signup(st, ev.id, th, w3, now, &seats, &ei), YZ_ECONFLICT);
    cr_assert_str_eq(ei.field, "occurrence");
    /* not an occurrence: a Friday; after until; before from */
    cr_assert_eq(yz_store_event_signup(st, ev.id, D(2027, 1, 8), w3, now, &seats, &ei), YZ_EINVAL);
    cr_assert_eq(yz_store_event_signup(st, ev.id, D(2027, 4, 1), w3, now, &seats, &ei), YZ_EINVAL);
    cr_assert_eq(yz_store_event_signup(st, ev.id, D(2026, 12, 31), w3, now, &seats, &ei),
                 YZ_EINVAL);
    /* over: the occurrence ended at 17:00 */
    int64_t later = T("2027-01-07T17:00:00+08:00");
    cr_assert_eq(yz_store_event_signup(st, ev.id, D(2027, 1, 7), w3, later, &seats, &ei),
                 YZ_EINVAL);
    cr_assert_eq(yz_store_event_signup(st, 777777, th, w3, now, &seats, &ei), YZ_ENOTFOUND);
    /* the next Thursday has its own seats */
    cr_assert_eq(yz_store_event_signup(st, ev.id, th + 7, w3, now, &seats, &ei), YZ_OK);
    cr_assert_eq(seats.signed_up, 1);

    yz_event_count *c;
    size_t n;
    cr_assert_eq(yz_store_event_counts(st, th, th + 7, &c, &n, &ei), YZ_OK);
    cr_assert_eq(n, 2);
    cr_assert(c[0].day == th && c[0].n == 2 && c[1].day == th + 7 && c[1].n == 1);
    yz_free(c);
    cr_assert_eq(yz_store_event_counts(st, th + 1, th + 6, &c, &n, &ei), YZ_OK);
    cr_assert_eq(n, 0);
    yz_free(c);

    /* cancel frees a seat */
    cr_assert_eq(yz_store_event_unsignup(st, ev.id, th, w1, &seats, &ei), YZ_OK);
    cr_assert_eq(seats.signed_up, 1);
    cr_assert_eq(yz_store_event_unsignup(st, ev.id, th, w1, &seats, &ei), YZ_ENOTFOUND);
    cr_assert_eq(yz_store_event_signup(st, ev.id, th, w3, now, &seats, &ei), YZ_OK);
    cr_assert_eq(seats.signed_up, 2);

    /* a cancelled event takes no sign-ups */
    cr_assert_eq(yz_store_event_cancel(st, ev.id, now, 0, &ei), YZ_OK);
    cr_assert_eq(yz_store_event_signup(st, ev.id, th + 14, w1, now, &seats, &ei), YZ_ECONFLICT);
    yz_event_fini(&ev);
}

/* Many sign-ups in one transaction: the rules of one sign-up for each, all or none. */
static size_t signed_up(int64_t event_id, int32_t day)
{
    yz_event_signup *v;
    size_t n;
    yz_errinfo ei;
    cr_assert_eq(yz_store_event_signups(st, event_id, day, 100, &v, &n, &ei), YZ_OK);
    yz_free(v);
    return n;
}

Test(store, signup_many_all_or_none)
{
    yz_errinfo ei;
    yz_event ev = weekly(1u << 3, 14 * 60, 17 * 60, D(2027, 1, 1), D(2027, 3, 31)); /* Th */
    ev.station_id = union_id;
    ev.capacity = 3;
    cr_assert_eq(yz_store_event_create(st, &ev, 1, &ei), YZ_OK);
    int64_t w[4] = {new_worker(st), new_worker(st), new_worker(st), new_worker(st)};
    int64_t now = T("2027-01-07T13:00:00+08:00");
    int64_t at[4] = {now, now + 60, now + 120, now + 180};
    int32_t th = D(2027, 1, 7);
    /* one listed twice: nothing written */
    int64_t twice[2] = {w[0], w[0]};
    cr_assert_eq(yz_store_event_signup_many(st, ev.id, th, twice, at, 2, &ei), YZ_ECONFLICT);
    cr_assert_str_eq(ei.field, "occurrence");
    cr_assert_eq(signed_up(ev.id, th), 0);
    /* more than the seats: nothing written */
    cr_assert_eq(yz_store_event_signup_many(st, ev.id, th, w, at, 4, &ei), YZ_ECONFLICT);
    cr_assert_eq(signed_up(ev.id, th), 0);
    /* one time after the end: nothing written */
    int64_t late[2] = {now, T("2027-01-07T17:00:00+08:00")};
    cr_assert_eq(yz_store_event_signup_many(st, ev.id, th, w, late, 2, &ei), YZ_EINVAL);
    cr_assert_eq(signed_up(ev.id, th), 0);
    /* not an occurrence */
    cr_assert_eq(yz_store_event_signup_many(st, ev.id, th + 1, w, at, 2, &ei), YZ_EINVAL);
    cr_assert_eq(yz_store_event_signup_many(st, 777777, th, w, at, 2, &ei), YZ_ENOTFOUND);
    /* two fit; then one already signed up among new ones: nothing more written */
    cr_assert_eq(yz_store_event_signup_many(st, ev.id, th, w, at, 2, &ei), YZ_OK);
    cr_assert_eq(signed_up(ev.id, th), 2);
    cr_assert_eq(yz_store_event_signup_many(st, ev.id, th, w + 1, at, 2, &ei), YZ_ECONFLICT);
    cr_assert_eq(signed_up(ev.id, th), 2);
    /* the third seat, then the occurrence is full for one sign-up as for many */
    cr_assert_eq(yz_store_event_signup_many(st, ev.id, th, w + 2, at + 2, 1, &ei), YZ_OK);
    yz_event_seats seats;
    cr_assert_eq(yz_store_event_signup(st, ev.id, th, w[3], now, &seats, &ei), YZ_ECONFLICT);
    cr_assert_eq(yz_store_event_signup_many(st, ev.id, th, w + 3, at, 1, &ei), YZ_ECONFLICT);
    /* the rows are those given: workers and times */
    yz_event_signup *v;
    size_t n;
    cr_assert_eq(yz_store_event_signups(st, ev.id, th, 100, &v, &n, &ei), YZ_OK);
    cr_assert_eq(n, 3);
    for (size_t i = 0; i < n; i++) {
        cr_assert_eq(v[i].worker_id, w[i]);
        cr_assert_eq(v[i].created_at, at[i]);
    }
    yz_free(v);
    yz_event_fini(&ev);
}

/* 24 threads over two connections to the same file race for 5 seats. */
typedef struct racer {
    yz_store *s;
    int64_t event_id, worker_id, now;
    int32_t day;
    int rc;
} racer;

static void *race(void *arg)
{
    racer *r = arg;
    yz_errinfo ei;
    yz_event_seats seats;
    r->rc = yz_store_event_signup(r->s, r->event_id, r->day, r->worker_id, r->now, &seats, &ei);
    return NULL;
}

Test(store, concurrent_signups_never_overbook)
{
    yz_errinfo ei;
    yz_store *st2;
    cr_assert_eq(yz_store_open(path, &st2, &ei), YZ_OK, "%s", ei.msg_en);
    yz_event ev = weekly(0x7f, 600, 700, D(2027, 1, 1), YZ_EVENT_NO_UNTIL);
    ev.station_id = union_id;
    ev.capacity = 5;
    cr_assert_eq(yz_store_event_create(st, &ev, 1, &ei), YZ_OK);
    enum { N = 24 };
    racer r[N];
    pthread_t th[N];
    for (int i = 0; i < N; i++) {
        r[i] = (racer){i % 2 ? st2 : st,          ev.id,         new_worker(st),
                       T("2027-01-01T00:00:00Z"), D(2027, 2, 2), 1};
    }
    for (int i = 0; i < N; i++)
        pthread_create(&th[i], NULL, race, &r[i]);
    int ok = 0, full = 0;
    for (int i = 0; i < N; i++) {
        pthread_join(th[i], NULL);
        ok += r[i].rc == YZ_OK;
        full += r[i].rc == YZ_ECONFLICT;
    }
    cr_assert_eq(ok, 5);
    cr_assert_eq(full, N - 5);
    yz_event_count *c;
    size_t n;
    cr_assert_eq(yz_store_event_counts(st2, D(2027, 2, 2), D(2027, 2, 2), &c, &n, &ei), YZ_OK);
    cr_assert_eq(n, 1);
    cr_assert_eq(c[0].n, 5);
    yz_free(c);
    yz_store_close(st2);
    yz_event_fini(&ev);
}

/* A demo loaded in mid-September 2026: its year runs 2026-09-01..2027-08-31. */
#define DEMO_NOW (yz_days_from_civil(2026, 9, 15) * 86400 + 4 * 3600)

Test(store, demo_events_are_deterministic)
{
    yz_errinfo ei;
    cr_assert_eq(yz_demo_events(st, 7, DEMO_NOW, &ei), YZ_OK, "%s", ei.msg_en);
    yz_event *a;
    size_t na;
    cr_assert_eq(yz_store_event_list(st, false, &a, &na, &ei), YZ_OK);
    cr_assert_gt(na, 100);
    /* the Friday breakfast at the union building */
    int breakfast = 0, may28 = 0;
    for (size_t i = 0; i < na; i++) {
        cr_assert_eq(yz_event_validate(&a[i], &ei), YZ_OK, "event %zu: %s", i, ei.msg_en);
        if (a[i].station_id == union_id && a[i].weekly && a[i].weekdays == (1u << 4) &&
            a[i].start_min == 390 && a[i].end_min == 540 && a[i].category == YZ_EVCAT_FREE_MEAL)
            breakfast++;
        int64_t s, e;
        if (yz_event_occurrence(&a[i], D(2027, 5, 28), CST, &s, &e) && !a[i].weekly)
            may28++;
    }
    cr_assert_eq(breakfast, 1);
    cr_assert_geq(may28, 20);
    /* the same seed again gives the same events */
    cr_assert_eq(yz_demo_events(st, 7, DEMO_NOW, &ei), YZ_OK);
    yz_event *b;
    size_t nb;
    cr_assert_eq(yz_store_event_list(st, false, &b, &nb, &ei), YZ_OK);
    cr_assert_eq(nb, 2 * na);
    for (size_t i = 0; i < na; i++) {
        const yz_event *x = &a[i], *y = &b[na + i];
        cr_assert(x->station_id == y->station_id && x->weekly == y->weekly &&
                  x->starts_at == y->starts_at && x->weekdays == y->weekdays &&
                  x->valid_until == y->valid_until && strcmp(x->title, y->title) == 0);
    }
    yz_event_array_free(a, na);
    yz_event_array_free(b, nb);
}

/* --- the today hook ----------------------------------------------------------------------- */

/* `,"today":[...]` of station `code` at `t`, parsed; NULL when nothing was appended. */
static json_t *today(yz_api *api, const char *code, int64_t t, size_t *raw_len)
{
    const yz_state_view *view = yz_state_acquire(api->state);
    const yz_snap *s = yz_state_snap(view);
    long i = yz_snap_find_code(s, code);
    cr_assert_geq(i, 0);
    yz_buf b;
    yz_buf_init(&b);
    yz__api_render_today(view, (size_t)i, t, YZ_LANG_HANS, &b);
    yz_state_release(api->state, view);
    *raw_len = b.len;
    json_t *v = NULL;
    if (b.len) {
        yz_buf wrap;
        yz_buf_init(&wrap);
        yz_buf_printf(&wrap, "{\"x\":0%s}", b.data);
        json_error_t je;
        json_t *o = json_loads(wrap.data, 0, &je);
        cr_assert_not_null(o, "%s: %s", wrap.data, je.text);
        v = json_incref(json_object_get(o, "today"));
        json_decref(o);
        yz_buf_fini(&wrap);
    }
    yz_buf_fini(&b);
    return v;
}

Test(store, today_for_a_friday_at_the_union_station)
{
    yz_errinfo ei;
    cr_assert_eq(yz_demo_events(st, 7, DEMO_NOW, &ei), YZ_OK, "%s", ei.msg_en);
    yz_api *api;
    yz_api_config cfg = {0};
    cr_assert_eq(yz_api_new(st, &cfg, &api, &ei), YZ_OK, "%s", ei.msg_en);
    yz_http_config hc = {.bind_addr = "127.0.0.1"};
    yz_http_server *srv = yz_http_new(&hc);
    yz__api_register_events(api, srv);

    /* Friday 8 January 2027, 08:00 in Wenzhou */
    size_t len;
    json_t *t = today(api, YZ_DEMO_UNION_CODE, T("2027-01-08T08:00:00+08:00"), &len);
    cr_assert_not_null(t);
    cr_assert(json_is_array(t));
    json_t *hit = NULL, *e;
    size_t k;
    const char *prev = "";
    json_array_foreach(t, k, e)
    {
        cr_assert_eq(json_object_size(e), 5);
        const char *a = json_string_value(json_object_get(e, "starts_at"));
        cr_assert(strcmp(prev, a) <= 0, "sorted by start");
        prev = a;
        if (!strcmp(json_string_value(json_object_get(e, "category")), "free_meal") &&
            !strcmp(a, "2027-01-08T06:30:00+08:00"))
            hit = e;
    }
    cr_assert_not_null(hit, "the Friday breakfast is today");
    cr_assert_str_eq(json_string_value(json_object_get(hit, "ends_at")),
                     "2027-01-08T09:00:00+08:00");
    cr_assert(json_integer_value(json_object_get(hit, "id")) > 0);
    cr_assert_not_null(strstr(json_string_value(json_object_get(hit, "title")), "早餐"));
    int64_t breakfast_id = json_integer_value(json_object_get(hit, "id"));
    json_decref(t);

    /* 23:59 on that Friday is still Friday; 00:00 Saturday is not. */
    t = today(api, YZ_DEMO_UNION_CODE, T("2027-01-08T15:59:00Z"), &len);
    cr_assert_not_null(t);
    json_decref(t);
    t = today(api, YZ_DEMO_UNION_CODE, T("2027-01-08T16:00:00Z"), &len);
    json_array_foreach(t, k, e)
        cr_assert_neq(json_integer_value(json_object_get(e, "id")), breakfast_id);
    json_decref(t);

    /* a station with no events gets nothing appended */
    yz_event *all;
    size_t n;
    cr_assert_eq(yz_store_event_list(st, false, &all, &n, &ei), YZ_OK);
    const yz_state_view *view = yz_state_acquire(api->state);
    const yz_snap *s = yz_state_snap(view);
    char code[32] = "";
    for (size_t i = 0; i < yz_snap_count(s) && !code[0]; i++) {
        bool has = false;
        for (size_t j = 0; j < n && !has; j++)
            has = all[j].station_id == yz_snap_station(s, i)->id;
        if (!has)
            snprintf(code, sizeof code, "%s", yz_snap_station(s, i)->code);
    }
    yz_state_release(api->state, view);
    yz_event_array_free(all, n);
    cr_assert(code[0]);
    t = today(api, code, T("2027-01-08T08:00:00+08:00"), &len);
    cr_assert_null(t);
    cr_assert_eq(len, 0);

    yz_http_free(srv);
    yz_api_free(api);
}

Test(store, demo_events_follow_the_day_they_are_loaded)
{
    /* Loaded on 2030-06-10: the year runs 2030-06-01..2031-05-31, 暖新日 is 2031-05-28 (that of
     * 2030 has passed); one-off events before the month are the past year's (the history the
     * demo keeps, so that "no event in 12 months" means something), never older. */
    yz_errinfo ei;
    int64_t now = yz_days_from_civil(2030, 6, 10) * 86400;
    cr_assert_eq(yz_demo_events(st, 7, now, &ei), YZ_OK, "%s", ei.msg_en);
    yz_event *a;
    size_t na;
    cr_assert_eq(yz_store_event_list(st, false, &a, &na, &ei), YZ_OK);
    int may28 = 0, before = 0, older = 0, after = 0, weekly_in_year = 0;
    int64_t today = yz_days_from_civil(2030, 6, 10);
    int64_t from = yz_days_from_civil(2030, 6, 1), until = yz_days_from_civil(2031, 5, 31);
    for (size_t i = 0; i < na; i++) {
        int64_t s, e;
        if (!a[i].weekly) {
            int64_t day = (a[i].starts_at + 8 * 3600) / 86400;
            before += day < from;
            older += day < today - 366;
            after += day > until;
            if (yz_event_occurrence(&a[i], yz_days_from_civil(2031, 5, 28), CST, &s, &e))
                may28++;
        } else if (a[i].valid_from == from) {
            weekly_in_year++;
            cr_assert(a[i].valid_until == until || a[i].valid_until == from + 181);
        }
    }
    cr_assert_geq(may28, 20);
    cr_assert_gt(before, 0, "the past year's events");
    cr_assert_eq(older, 0);
    cr_assert_eq(after, 0);
    cr_assert_gt(weekly_in_year, 0);
    yz_event_array_free(a, na);
}
