/* SPDX-License-Identifier: MIT */
/* tests/unit/test_demo.c - the demo city: the same seed gives the same city, the issue's
 * counts hold for any seed, the union-building station is there, codes are unique, and every
 * station lies near its district seat and inside its place's radius (by our own haversine);
 * and the year of history (`yizhan demo --history`) loaded into a scratch SQLite store, read
 * back with SQL of our own: over a million visits, roll-ups that agree, the three inspection
 * kinds, past events at most stations, the same rows from the same seed. */
#include <criterion/criterion.h>

#include "testdb.h"

#include "core/alloc.h"
#include "demo/city.h"
#include "demo/events.h"
#include "demo/inspections.h"
#include "model/facility.h"
#include "store/store.h"

#include <math.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <string.h>

typedef struct city {
    yz_station *st;
    size_t n;
    yz_district *ds;
    size_t nd;
} city;

static city make(uint64_t seed)
{
    city c = {0};
    yz_errinfo ei;
    int err = yz_demo_generate(seed, &c.st, &c.n, &c.ds, &c.nd, &ei);
    cr_assert_eq(err, YZ_OK, "seed %llu: %s", (unsigned long long)seed, ei.msg_en);
    return c;
}

static void drop(city *c)
{
    yz_station_array_free(c->st, c->n);
    for (size_t i = 0; i < c->nd; i++)
        yz_district_fini(&c->ds[i]);
    yz_free(c->ds);
}

static bool str_same(const char *a, const char *b)
{
    if (!a || !b)
        return a == b;
    return strcmp(a, b) == 0;
}

static uint64_t bit(const char *code)
{
    int b = yz_facility_seed_bit(code);
    cr_assert(b >= 0, "facility %s", code);
    return UINT64_C(1) << b;
}

/* Great-circle distance in metres on the mean-radius sphere. */
static double haversine_m(double lat1, double lon1, double lat2, double lon2)
{
    const double rad = 3.14159265358979323846 / 180.0;
    double dlat = (lat2 - lat1) * rad, dlon = (lon2 - lon1) * rad;
    double h = sin(dlat / 2) * sin(dlat / 2) +
               cos(lat1 * rad) * cos(lat2 * rad) * sin(dlon / 2) * sin(dlon / 2);
    return 2 * 6371008.8 * asin(sqrt(h));
}

static const yz_district *district_of(const city *c, const char *code)
{
    for (size_t i = 0; i < c->nd; i++)
        if (strcmp(c->ds[i].code, code) == 0)
            return &c->ds[i];
    return NULL;
}

static const char *const wenzhou_codes[12] = {
    "330302", "330303", "330304", "330305", "330324", "330326",
    "330327", "330328", "330329", "330381", "330382", "330383",
};

/* The counts the issue asks for; checked for several seeds. */
static void check_counts(const city *c, uint64_t seed)
{
    size_t livelihood = 0, store = 0, gas = 0, bench = 0, smart = 0;

    cr_assert_geq(c->n, 800, "seed %llu", (unsigned long long)seed);
    for (size_t i = 0; i < c->n; i++) {
        const yz_station *s = &c->st[i];
        livelihood += s->livelihood;
        bench += s->tier == YZ_TIER_BENCHMARK;
        smart += s->tier == YZ_TIER_SMART24H;
        if (s->partner_kind == YZ_PARTNER_CONVENIENCE_STORE ||
            s->partner_kind == YZ_PARTNER_GAS_STATION) {
            cr_assert_eq(s->tier, YZ_TIER_SMART24H, "%s", s->code);
            cr_assert_str_eq(s->opening_hours, "24/7", "%s", s->code);
            cr_assert_eq(s->status, YZ_STATUS_OPEN, "%s", s->code);
            store += s->partner_kind == YZ_PARTNER_CONVENIENCE_STORE;
            gas += s->partner_kind == YZ_PARTNER_GAS_STATION;
        }
    }
    cr_assert_eq(livelihood, 110, "seed %llu", (unsigned long long)seed);
    cr_assert_eq(store, 15, "seed %llu", (unsigned long long)seed);
    cr_assert_eq(gas, 26, "seed %llu", (unsigned long long)seed);
    cr_assert_geq(bench * 100, c->n * 10, "benchmark %zu of %zu", bench, c->n);
    cr_assert_geq(smart * 100, c->n * 15, "smart24h %zu of %zu", smart, c->n);

    cr_assert_eq(c->nd, 12);
    for (size_t k = 0; k < 12; k++) {
        const yz_district *d = district_of(c, wenzhou_codes[k]);
        cr_assert_not_null(d, "district %s", wenzhou_codes[k]);
        cr_assert(d->name && d->name[0] && d->name_hant && d->name_hant[0]);
        size_t used = 0;
        for (size_t i = 0; i < c->n; i++)
            used += strcmp(c->st[i].district_code, d->code) == 0;
        cr_assert_gt(used, 0, "no station in %s", d->code);
    }
    for (size_t i = 0; i < c->n; i++)
        cr_assert_not_null(district_of(c, c->st[i].district_code), "%s in unknown district %s",
                           c->st[i].code, c->st[i].district_code);
}

Test(demo, deterministic)
{
    city a = make(42), b = make(42), other = make(43);

    cr_assert_eq(a.n, b.n);
    for (size_t i = 0; i < a.n; i++) {
        const yz_station *x = &a.st[i], *y = &b.st[i];
        cr_assert(str_same(x->code, y->code), "%zu", i);
        cr_assert(str_same(x->name, y->name), "%zu", i);
        cr_assert(str_same(x->address, y->address), "%zu", i);
        cr_assert(str_same(x->district_code, y->district_code), "%zu", i);
        cr_assert(str_same(x->district_name, y->district_name), "%zu", i);
        cr_assert(x->lat == y->lat && x->lon == y->lon, "%zu", i);
        cr_assert_eq(x->tier, y->tier);
        cr_assert_eq(x->partner_kind, y->partner_kind);
        cr_assert(str_same(x->partner_name, y->partner_name), "%zu", i);
        cr_assert_eq(x->facilities, y->facilities);
        cr_assert(str_same(x->opening_hours, y->opening_hours), "%zu", i);
        cr_assert(str_same(x->tz, y->tz), "%zu", i);
        cr_assert_eq(x->status, y->status);
        cr_assert(str_same(x->closed_reason, y->closed_reason), "%zu", i);
        cr_assert_eq(x->closed_until, y->closed_until);
        cr_assert(str_same(x->phone, y->phone), "%zu", i);
        cr_assert_eq(x->seats, y->seats);
        cr_assert_eq(x->livelihood, y->livelihood);
        cr_assert_eq(x->batch, y->batch);
    }
    cr_assert_eq(a.nd, b.nd);
    for (size_t i = 0; i < a.nd; i++) {
        cr_assert_str_eq(a.ds[i].code, b.ds[i].code);
        cr_assert_str_eq(a.ds[i].name_hant, b.ds[i].name_hant);
        cr_assert(a.ds[i].lat == b.ds[i].lat && a.ds[i].lon == b.ds[i].lon);
    }

    /* Another seed gives another city. */
    size_t moved = 0;
    for (size_t i = 0; i < a.n && i < other.n; i++)
        moved += a.st[i].lat != other.st[i].lat || a.st[i].lon != other.st[i].lon;
    cr_assert_gt(moved, a.n / 2);
    drop(&a);
    drop(&b);
    drop(&other);
}

Test(demo, counts)
{
    static const uint64_t seeds[] = {0, 1, 42, 20240517, UINT64_MAX};
    for (size_t k = 0; k < sizeof seeds / sizeof seeds[0]; k++) {
        city c = make(seeds[k]);
        check_counts(&c, seeds[k]);
        drop(&c);
    }
}

Test(demo, union_building)
{
    city c = make(42);
    const yz_station *s = NULL;
    uint64_t need = bit("drinking_water") | bit("hot_water") | bit("microwave") | bit("toolbox") |
                    bit("first_aid") | bit("battery_swap") | bit("toilet") | bit("seating");

    for (size_t i = 0; i < c.n; i++)
        if (strcmp(c.st[i].code, YZ_DEMO_UNION_CODE) == 0)
            s = &c.st[i];
    cr_assert_not_null(s);
    cr_assert_not_null(strstr(s->name, "工会大厦"), "%s", s->name);
    cr_assert_str_eq(s->district_code, "330302");
    cr_assert_eq(s->partner_kind, YZ_PARTNER_UNION);
    cr_assert_eq(s->status, YZ_STATUS_OPEN);
    cr_assert_eq(s->facilities & need, need, "facilities %#llx", (unsigned long long)s->facilities);
    /* Central 鹿城, south of the Ou River. */
    cr_assert_lt(haversine_m(s->lat, s->lon, 28.0154, 120.6553), 2000);
    drop(&c);
}

Test(demo, codes_unique_and_well_formed)
{
    city c = make(7);
    for (size_t i = 0; i < c.n; i++) {
        const char *code = c.st[i].code;
        size_t len = strlen(code);
        cr_assert(len >= 2 && len <= 32, "%s", code);
        cr_assert_eq(
            strspn(code, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-"), len,
            "%s", code);
        for (size_t j = 0; j < i; j++)
            cr_assert_str_neq(code, c.st[j].code, "duplicate code at %zu and %zu", j, i);
    }
    drop(&c);
}

/* Each station lies within 40 km of its district's seat, inside Wenzhou's box, and within
 * the radius of a place of its own district (the land guard: places are on land and so
 * are their disks). */
Test(demo, positions)
{
    size_t n_anchors;
    const yz_demo_anchor *anchors = yz_demo_anchors(&n_anchors);
    city c = make(42);

    for (size_t i = 0; i < c.n; i++) {
        const yz_station *s = &c.st[i];
        const yz_district *d = district_of(&c, s->district_code);
        cr_assert_not_null(d);
        cr_assert(s->lat > 27.0 && s->lat < 28.7 && s->lon > 119.5 && s->lon < 121.4, "%s at %f,%f",
                  s->code, s->lat, s->lon);
        double to_seat = haversine_m(s->lat, s->lon, d->lat, d->lon);
        cr_assert_lt(to_seat, 40000, "%s is %.0f m from the seat of %s", s->code, to_seat, d->code);
        bool inside = false;
        for (size_t k = 0; k < n_anchors && !inside; k++) {
            const yz_demo_anchor *a = &anchors[k];
            if (strcmp(a->district_code, s->district_code) == 0 &&
                haversine_m(s->lat, s->lon, a->lat, a->lon) <= a->radius_m + 1.0)
                inside = true;
        }
        cr_assert(inside, "%s at %f,%f is in no place of %s", s->code, s->lat, s->lon,
                  s->district_code);
    }
    drop(&c);
}

Test(demo, anchors_sane)
{
    size_t n;
    const yz_demo_anchor *a = yz_demo_anchors(&n);
    city c = make(1);

    cr_assert_gt(n, 40);
    for (size_t i = 0; i < n; i++) {
        cr_assert_not_null(district_of(&c, a[i].district_code), "%s", a[i].place);
        cr_assert(a[i].radius_m >= 20 && a[i].radius_m <= 800, "%s", a[i].place);
        cr_assert(a[i].weight == 0 || a[i].roads[0], "%s", a[i].place);
    }
    drop(&c);
}

Test(demo, text_fields)
{
    city c = make(42);
    uint64_t swap = bit("battery_swap");

    for (size_t i = 0; i < c.n; i++) {
        const yz_station *s = &c.st[i];
        const yz_district *d = district_of(&c, s->district_code);
        cr_assert(s->name && s->name[0], "%s", s->code);
        cr_assert(s->opening_hours && s->opening_hours[0], "%s", s->code);
        cr_assert(s->address && strncmp(s->address, d->name, strlen(d->name)) == 0, "%s: %s",
                  s->code, s->address);
        cr_assert(s->seats >= 4 && s->seats <= 40, "%s: %d seats", s->code, s->seats);
        cr_assert(s->status >= 0 && s->status < YZ_STATUS__COUNT);
        cr_assert(s->batch >= YZ_BATCH_NONE && s->batch < YZ_BATCH__COUNT);
        cr_assert_str_eq(s->tz, "Asia/Shanghai");
        if (s->phone) {
            cr_assert_eq(strlen(s->phone), 13, "%s", s->phone);
            cr_assert_eq(strncmp(s->phone, "0577-", 5), 0, "%s", s->phone);
            cr_assert_eq(strspn(s->phone + 5, "0123456789"), 8, "%s", s->phone);
        }
        if (s->status == YZ_STATUS_CLOSED_TEMP)
            cr_assert(s->closed_reason && s->closed_reason[0], "%s", s->code);
        else
            cr_assert_null(s->closed_reason, "%s", s->code);
        if (s->tier == YZ_TIER_SMART24H)
            cr_assert_str_eq(s->opening_hours, "24/7", "%s", s->code);
        if (s->partner_kind == YZ_PARTNER_CHINA_TOWER) {
            cr_assert_str_eq(s->partner_name, "中国铁塔");
            cr_assert_not_null(strstr(s->name, "骑手之家"), "%s", s->name);
            cr_assert(s->facilities & swap, "%s", s->code);
        }
        if (s->partner_kind == YZ_PARTNER_DIDI)
            cr_assert_not_null(strstr(s->name, "司机之家"), "%s", s->name);
        for (size_t j = 0; j < i; j++)
            cr_assert_str_neq(s->name, c.st[j].name, "duplicate name at %zu and %zu", j, i);
    }
    drop(&c);
}

/* The mix looks like a real network: every partner kind and status appears, and facility
 * shares are near what the generator aims for. */
Test(demo, mix)
{
    city c = make(42);
    size_t kind[YZ_PARTNER__COUNT] = {0}, status[YZ_STATUS__COUNT] = {0};
    size_t water = 0, toilet = 0, microwave = 0, swap = 0, not_tower = 0, night = 0;

    for (size_t i = 0; i < c.n; i++) {
        const yz_station *s = &c.st[i];
        kind[s->partner_kind]++;
        status[s->status]++;
        water += (s->facilities & bit("drinking_water")) != 0;
        toilet += (s->facilities & bit("toilet")) != 0;
        microwave += (s->facilities & bit("microwave")) != 0;
        if (s->partner_kind != YZ_PARTNER_CHINA_TOWER) {
            not_tower++;
            swap += (s->facilities & bit("battery_swap")) != 0;
        }
        night += strstr(s->opening_hours, "-02:00") != NULL;
    }
    for (int k = 0; k < YZ_PARTNER__COUNT; k++)
        cr_assert_gt(kind[k], 0, "no station of partner kind %d", k);
    cr_assert_gt(status[YZ_STATUS_CLOSED_TEMP], 0);
    cr_assert_gt(status[YZ_STATUS_PLANNED], 0);
    cr_assert_gt(status[YZ_STATUS_BUILDING], 0);
    cr_assert_gt(status[YZ_STATUS_OPEN] * 100, c.n * 90);
    cr_assert_gt(water * 100, c.n * 85);
    cr_assert(toilet * 100 > c.n * 45 && toilet * 100 < c.n * 75, "toilet %zu", toilet);
    cr_assert(microwave * 100 > c.n * 40 && microwave * 100 < c.n * 65, "microwave %zu", microwave);
    cr_assert(swap * 100 > not_tower * 8 && swap * 100 < not_tower * 25, "swap %zu", swap);
    cr_assert_gt(night, 0);
    drop(&c);
}

Test(demo, null_outputs)
{
    yz_station *st = NULL;
    size_t n = 0;
    yz_errinfo ei;
    cr_assert_eq(yz_demo_generate(1, &st, &n, NULL, NULL, &ei), YZ_EINVAL);
    cr_assert_null(st);
    cr_assert_eq(ei.code, YZ_EINVAL);
}

/* --- the year of history, in a SQLite store --------------------------------------------------- */

/* What a history load left, read with our own SQL. */
typedef struct history {
    int64_t visit_days, station_days, district_days; /* sums of visits of the three tables */
    int64_t raw;                                     /* counted visits kept raw (not purged) */
    int64_t station_rows, rollup_sum;                /* rows and a checksum of the station roll-up */
    int64_t insp[3];                                 /* submitted zj_8you: open, secret, officer */
    int64_t insp_sum;                                /* a checksum of every inspection */
    int64_t self_checks;                             /* submitted daily_self_check */
    size_t in_service, no_event;                     /* stations in service; of those, no event */
    int64_t tasks, closed, open_overdue, escalated;  /* tasks; closed; not closed and overdue */
    int64_t reopened, late, answer_before_open;      /* reopened once; answered late; impossible */
    int64_t task_sum;                                /* a checksum of the tasks' steps */
    int64_t ratings, verified, low_listed;           /* counted; verified; stations rated < 2.5 */
    int64_t rating_sum;                              /* a checksum of the ratings */
    int64_t signups, over_capacity, late_signups;    /* sign-ups; full beyond the seats; after */
} history;

static int64_t sql_i64(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *q = NULL;
    cr_assert_eq(sqlite3_prepare_v2(db, sql, -1, &q, NULL), SQLITE_OK, "%s: %s", sql,
                 sqlite3_errmsg(db));
    cr_assert_eq(sqlite3_step(q), SQLITE_ROW, "%s", sql);
    int64_t v = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    return v;
}

/* Load the demo city of `seed` with events and history at `now` into a fresh store at `path`,
 * as `yizhan demo --history` does, and read what it left. */
static history load_history(const char *path, uint64_t seed, int64_t now)
{
    yz_test_remove_db(path);
    yz_errinfo ei;
    yz_store *st = NULL;
    cr_assert_eq(yz_store_open(path, &st, &ei), YZ_OK, "%s", ei.msg_en);
    city c = make(seed);
    yz_import_counts cnt;
    cr_assert_eq(yz_store_import(st, c.st, c.n, c.ds, c.nd, &cnt, &ei), YZ_OK, "%s", ei.msg_en);
    cr_assert_eq(yz_store_bulk(st, true, &ei), YZ_OK, "%s", ei.msg_en);
    cr_assert_eq(yz_demo_events(st, seed, now, &ei), YZ_OK, "%s", ei.msg_en);
    cr_assert_eq(yz_demo_history(st, seed, now, &ei), YZ_OK, "%s", ei.msg_en);
    cr_assert_eq(yz_store_bulk(st, false, &ei), YZ_OK, "%s", ei.msg_en);
    yz_station *v = NULL;
    size_t n = 0;
    cr_assert_eq(yz_store_load_stations(st, &v, &n, &ei), YZ_OK, "%s", ei.msg_en);
    yz_store_close(st);

    history h = {0};
    sqlite3 *db = NULL;
    cr_assert_eq(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    h.visit_days = sql_i64(db, "SELECT total(visits) FROM visit_days");
    h.raw = sql_i64(db, "SELECT count(*) FROM visits WHERE counted = 1");
    h.station_days = sql_i64(db, "SELECT total(visits) FROM rollup_station_days");
    h.district_days = sql_i64(db, "SELECT total(visits) FROM rollup_district_days");
    h.station_rows = sql_i64(db, "SELECT count(*) FROM rollup_station_days");
    h.rollup_sum = sql_i64(db, "SELECT sum((day / 86400 % 1009) * (station_id % 997) * visits"
                               " + workers) FROM rollup_station_days");
    static const char *const kinds[3] = {"open", "secret", "experience_officer"};
    for (int k = 0; k < 3; k++) {
        char sql[256];
        snprintf(sql, sizeof sql,
                 "SELECT count(*) FROM inspections i JOIN checklists c ON c.id = i.checklist_id"
                 " WHERE c.code = 'zj_8you' AND i.status = 'submitted' AND i.kind = '%s'",
                 kinds[k]);
        h.insp[k] = sql_i64(db, sql);
    }
    h.insp_sum = sql_i64(db, "SELECT sum(station_id * (created_at % 100003) % 1000003"
                             " + CAST(round(score * 100) AS INTEGER)) FROM inspections");
    h.self_checks = sql_i64(db, "SELECT count(*) FROM inspections i JOIN checklists c"
                                " ON c.id = i.checklist_id WHERE c.code = 'daily_self_check'"
                                " AND i.status = 'submitted'");
    /* An event in the 365 days before today (local): a one-off that started then, or a weekly
     * one valid for a week or more of them. */
    int64_t today = (now + 8 * 3600) / 86400, from = today - 365;
    sqlite3_stmt *q = NULL;
    cr_assert_eq(sqlite3_prepare_v2(db,
                                    "SELECT count(*) FROM events WHERE station_id = ?1"
                                    " AND cancelled_at IS NULL AND ((weekly = 0 AND"
                                    " starts_at >= ?2 * 86400 - 28800 AND"
                                    " starts_at < ?3 * 86400 - 28800) OR (weekly = 1 AND"
                                    " min(?3 - 1, coalesce(valid_until, ?3 - 1)) -"
                                    " max(?2, valid_from) >= 6))",
                                    -1, &q, NULL),
                 SQLITE_OK, "%s", sqlite3_errmsg(db));
    for (size_t i = 0; i < n; i++) {
        if (!yz_station_in_service(&v[i]))
            continue;
        h.in_service++;
        sqlite3_bind_int64(q, 1, v[i].id);
        sqlite3_bind_int64(q, 2, from);
        sqlite3_bind_int64(q, 3, today);
        cr_assert_eq(sqlite3_step(q), SQLITE_ROW);
        h.no_event += sqlite3_column_int64(q, 0) == 0;
        sqlite3_reset(q);
    }
    sqlite3_finalize(q);

    /* tasks: every step is after the task was opened and in order; overdue = not closed and
     * past the deadline at `now`, which the last sweep must have escalated */
    h.tasks = sql_i64(db, "SELECT count(*) FROM tasks");
    h.closed = sql_i64(db, "SELECT count(*) FROM tasks WHERE status = 'closed'"
                           " AND verified_at > answered_at AND answered_at > created_at");
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM tasks WHERE status <> 'closed' AND deadline < %lld",
             (long long)now);
    h.open_overdue = sql_i64(db, sql);
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM tasks WHERE status <> 'closed' AND deadline < %lld"
             " AND escalated_at > 0",
             (long long)now);
    h.escalated = sql_i64(db, sql);
    h.reopened = sql_i64(db, "SELECT count(DISTINCT task_id) FROM task_events"
                             " WHERE action = 'reopen'");
    h.late = sql_i64(db, "SELECT count(*) FROM tasks t WHERE EXISTS (SELECT 1 FROM task_events e"
                         " WHERE e.task_id = t.id AND e.action = 'answer' AND e.at > t.deadline)"
                         " AND NOT EXISTS (SELECT 1 FROM task_events e WHERE e.task_id = t.id"
                         " AND e.action = 'reopen')");
    h.answer_before_open = sql_i64(db, "SELECT count(*) FROM task_events e JOIN tasks t"
                                       " ON t.id = e.task_id WHERE e.at < t.created_at");
    h.task_sum = sql_i64(db, "SELECT total(task_id * 7 + at % 100003 + length(action))"
                             " FROM task_events");
    /* ratings, and our own "lowest-rated" list: stations whose counted verified ratings of the
     * year come from at least 5 distinct workers and average under 2.5 stars */
    h.ratings = sql_i64(db, "SELECT count(*) FROM ratings WHERE active = 1");
    h.verified = sql_i64(db, "SELECT count(*) FROM ratings WHERE active = 1 AND verified = 1");
    h.low_listed = sql_i64(db, "SELECT count(*) FROM (SELECT station_id FROM ratings"
                               " WHERE active = 1 AND verified = 1 GROUP BY station_id"
                               " HAVING count(DISTINCT worker_id) >= 5 AND avg(stars) < 2.5)");
    h.rating_sum = sql_i64(db, "SELECT total(station_id * stars + day % 1009 + worker_id)"
                               " FROM ratings");
    h.signups = sql_i64(db, "SELECT count(*) FROM event_signups");
    h.over_capacity = sql_i64(db, "SELECT count(*) FROM (SELECT 1 FROM event_signups s"
                                  " JOIN events e ON e.id = s.event_id WHERE e.capacity > 0"
                                  " GROUP BY s.event_id, s.occurrence, e.capacity"
                                  " HAVING count(*) > e.capacity)");
    snprintf(sql, sizeof sql, "SELECT count(*) FROM event_signups WHERE created_at >= %lld",
             (long long)now);
    h.late_signups = sql_i64(db, sql);
    sqlite3_close(db);
    yz_station_array_free(v, n);
    drop(&c);
    yz_test_remove_db(path);
    return h;
}

Test(demo, history)
{
    char a[64], b[64];
    snprintf(a, sizeof a, "/tmp/yz-test-demo-history-a-%d.db", (int)getpid());
    snprintf(b, sizeof b, "/tmp/yz-test-demo-history-b-%d.db", (int)getpid());
    const int64_t now = 1796112000; /* 2026-12-01 00:00 +08:00 */
    history h = load_history(a, 20261129, now);
    cr_assert_gt(h.visit_days, 1000000, "visits in the year: %lld", (long long)h.visit_days);
    /* every past day is folded, the check-ins of yesterday too (a day both raw and folded would
     * lose its totals to `stats rebuild`): the roll-ups equal the day totals */
    cr_assert_eq(h.raw, 0, "raw visits kept: %lld", (long long)h.raw);
    cr_assert_eq(h.station_days, h.visit_days + h.raw,
                 "station roll-ups %lld, day totals %lld + raw %lld", (long long)h.station_days,
                 (long long)h.visit_days, (long long)h.raw);
    cr_assert_eq(h.district_days, h.station_days, "district roll-ups %lld, station %lld",
                 (long long)h.district_days, (long long)h.station_days);
    int64_t insp = h.insp[0] + h.insp[1] + h.insp[2];
    cr_assert_gt(insp, 1000, "inspections: %lld", (long long)insp);
    for (int k = 0; k < 3; k++)
        cr_assert_geq(h.insp[k] * 100, insp * 15, "kind %d: %lld of %lld", k,
                      (long long)h.insp[k], (long long)insp);
    cr_assert_gt(h.self_checks, 0);
    cr_assert_gt(h.in_service, 800);
    cr_assert_gt(h.no_event, 0, "some stations had no event");
    cr_assert_lt(h.no_event * 2, h.in_service, "no event at %zu of %zu stations", h.no_event,
                 h.in_service);

    /* tasks: most closed after an answer, a few reopened, some answered late, some still
     * open past their deadline and escalated as the sweep does */
    cr_assert_gt(h.tasks, 300, "tasks: %lld", (long long)h.tasks);
    cr_assert_geq(h.closed * 100, h.tasks * 70, "closed %lld of %lld", (long long)h.closed,
                  (long long)h.tasks);
    cr_assert_lt(h.closed * 100, h.tasks * 98, "closed %lld of %lld", (long long)h.closed,
                 (long long)h.tasks);
    cr_assert_geq(h.open_overdue, 1);
    cr_assert_eq(h.escalated, h.open_overdue, "escalated %lld of %lld overdue",
                 (long long)h.escalated, (long long)h.open_overdue);
    cr_assert_gt(h.reopened, 0);
    cr_assert_gt(h.late, 0);
    cr_assert_lt(h.late * 4, h.tasks, "answered late: %lld of %lld", (long long)h.late,
                 (long long)h.tasks);
    cr_assert_eq(h.answer_before_open, 0);
    /* ratings: mostly verified, some stations clearly low */
    cr_assert_geq(h.ratings, 2000, "ratings: %lld", (long long)h.ratings);
    cr_assert_geq(h.verified * 100, h.ratings * 80, "verified %lld of %lld",
                  (long long)h.verified, (long long)h.ratings);
    cr_assert_geq(h.low_listed, 3, "low-rated stations: %lld", (long long)h.low_listed);
    /* sign-ups: the network's "100,000+ workers served", none beyond the seats, none made
     * after the day of loading */
    cr_assert_geq(h.signups, 100000, "sign-ups: %lld", (long long)h.signups);
    cr_assert_eq(h.over_capacity, 0);
    cr_assert_eq(h.late_signups, 0);

    history h2 = load_history(b, 20261129, now);
    cr_assert_eq(memcmp(&h, &h2, sizeof h), 0, "the same seed and day give the same history");
}
