/* SPDX-License-Identifier: MIT */
/* tests/unit/test_audit.c - the audit area (docs/internals/audit.md): entries appended and read
 * back whole; every filter (user, login, record, districts, dates, action, outcome); paging
 * newest first with before_id; over-long JSON not kept; and the log append-only in the
 * database itself: UPDATE and DELETE through SQL fail. On SQLite, and also on PostgreSQL when
 * YZ_TEST_PG_URI names an empty scratch database. */
#include "testdb.h"
#include "core/alloc.h"
#include "store/audit.h"
#include "store/db.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char path[64];
static yz_store *st;

static void open_at(const char *uri)
{
    yz_errinfo ei;
    cr_assert_eq(yz_store_open(uri, &st, &ei), YZ_OK, "%s", ei.msg_en);
}

static void setup(void)
{
    snprintf(path, sizeof path, "/tmp/yz-test-audit-%d.db", (int)getpid());
    unlink(path);
    open_at(path);
}

static void teardown(void)
{
    yz_store_close(st);
    st = NULL;
    yz_test_remove_db(path);
}

TestSuite(audit, .init = setup, .fini = teardown);

static int64_t add(int64_t at, int64_t uid, const char *login, const char *action,
                   const char *kind, int64_t rid, const char *district, const char *outcome)
{
    yz_audit_entry e;
    yz_audit_entry_init(&e);
    e.at = at;
    e.actor_kind = (char *)(uid ? "user" : "anonymous");
    e.user_id = uid;
    e.login = (char *)login;
    e.addr = (char *)"127.0.0.1";
    e.action = (char *)action;
    e.method = (char *)"PATCH";
    e.path = (char *)"/api/v1/x";
    e.record_kind = (char *)kind;
    e.record_id = rid;
    e.district = (char *)district;
    e.before_json = (char *)"{\"v\":1}";
    e.after_json = (char *)"{\"v\":2}";
    e.outcome = (char *)outcome;
    e.status = strcmp(outcome, "ok") ? 403 : 200;
    e.reason = (char *)(strcmp(outcome, "ok") ? "forbidden scope" : "");
    int64_t id = 0;
    yz_errinfo ei;
    cr_assert_eq(yz_store_audit_append(st, &e, &id, &ei), YZ_OK, "%s", ei.msg_en);
    cr_assert_gt(id, 0);
    return id;
}

static size_t count(const yz_audit_filter *f)
{
    yz_audit_entry *v = NULL;
    size_t n = 0;
    yz_errinfo ei;
    cr_assert_eq(yz_store_audit_list(st, f, &v, &n, &ei), YZ_OK, "%s", ei.msg_en);
    for (size_t i = 1; i < n; i++)
        cr_assert_lt(v[i].id, v[i - 1].id, "newest first");
    yz_audit_entries_free(v, n);
    return n;
}

/* A small log: 3 users, two districts, two kinds, a day apart. */
static void fill(void)
{
    const int64_t day = 86400, t0 = 1790000000;
    for (int i = 0; i < 30; i++)
        add(t0 + (i / 10) * day, 1 + i % 3, i % 3 == 0 ? "ann" : i % 3 == 1 ? "bob" : "cat",
            i % 2 ? "station_patch" : "event_patch", i % 2 ? "station" : "event", 1 + i % 5,
            i % 4 ? "330302" : "330303", i % 6 ? "ok" : "refused");
}

static void check_roundtrip_and_filters(void)
{
    yz_audit_filter f;
    yz_audit_filter_init(&f);
    f.limit = 1000;
    int64_t id = add(1790000000, 9, "zed", "user_patch", "user", 9, "", "ok");
    yz_audit_entry *v = NULL;
    size_t n = 0;
    yz_errinfo ei;
    f.user_id = 9;
    cr_assert_eq(yz_store_audit_list(st, &f, &v, &n, &ei), YZ_OK);
    cr_assert_eq(n, 1);
    cr_assert_eq(v[0].id, id);
    cr_assert_str_eq(v[0].login, "zed");
    cr_assert_str_eq(v[0].action, "user_patch");
    cr_assert_str_eq(v[0].record_kind, "user");
    cr_assert_eq(v[0].record_id, 9);
    cr_assert_str_eq(v[0].before_json, "{\"v\":1}");
    cr_assert_str_eq(v[0].after_json, "{\"v\":2}");
    cr_assert_str_eq(v[0].outcome, "ok");
    cr_assert_eq(v[0].status, 200);
    cr_assert_eq(v[0].at, 1790000000);
    yz_audit_entries_free(v, n);

    fill();
    yz_audit_filter_init(&f);
    f.limit = 1000;
    cr_assert_eq(count(&f), 31);
    f.user_id = 2;
    cr_assert_eq(count(&f), 10);
    f.user_id = 0;
    f.login = "cat";
    cr_assert_eq(count(&f), 10);
    f.login = NULL;
    f.record_kind = "station";
    cr_assert_eq(count(&f), 15);
    f.record_id = 2; /* i % 2 == 1 and i % 5 == 1: i = 1, 11, 21 */
    cr_assert_eq(count(&f), 3);
    yz_audit_filter_init(&f);
    f.limit = 1000;
    f.districts[0] = "330303";
    f.ndistricts = 1;
    cr_assert_eq(count(&f), 8); /* i % 4 == 0 */
    f.districts[1] = "330302";
    f.ndistricts = 2;
    cr_assert_eq(count(&f), 30);
    yz_audit_filter_init(&f);
    f.limit = 1000;
    f.from = 1790000000 + 86400;
    cr_assert_eq(count(&f), 20);
    f.to = 1790000000 + 2 * 86400;
    cr_assert_eq(count(&f), 10);
    yz_audit_filter_init(&f);
    f.limit = 1000;
    f.action = "user_patch";
    cr_assert_eq(count(&f), 1);
    f.action = NULL;
    f.outcome = "refused"; /* i % 6 == 0 */
    cr_assert_eq(count(&f), 5);
}

static void check_paging(void)
{
    fill();
    yz_audit_filter f;
    yz_audit_filter_init(&f);
    f.limit = 7;
    size_t seen = 0;
    int64_t last = INT64_MAX;
    for (int page = 0; page < 10; page++) {
        yz_audit_entry *v = NULL;
        size_t n = 0;
        yz_errinfo ei;
        cr_assert_eq(yz_store_audit_list(st, &f, &v, &n, &ei), YZ_OK);
        for (size_t i = 0; i < n; i++) {
            cr_assert_lt(v[i].id, last);
            last = v[i].id;
        }
        seen += n;
        yz_audit_entries_free(v, n);
        if (n < 7)
            break;
        f.before_id = last;
    }
    cr_assert_eq(seen, 30);
}

static int try_sql_body(yz_db_tx *tx, void *ctx, yz_errinfo *ei)
{
    yz_db_q q;
    yz_db_query(&q, tx, ctx, ei);
    return yz_db_exec(&q, NULL);
}

static void check_append_only(void)
{
    add(1790000000, 1, "ann", "station_patch", "station", 1, "330302", "ok");
    const char *bad[] = {"UPDATE audit SET outcome = 'refused'", "DELETE FROM audit",
                         "UPDATE audit SET before_json = NULL WHERE id = 1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        yz_errinfo ei;
        yz_err_clear(&ei);
        int err = yz_db_run(st, YZ_DB_WRITE, try_sql_body, (void *)bad[i], &ei);
        cr_assert_neq(err, YZ_OK, "%s went through", bad[i]);
        cr_assert(strstr(ei.msg_en, "append-only") || strstr(ei.msg, "append-only"),
                  "%s: %s", bad[i], ei.msg_en);
    }
    yz_audit_filter f;
    yz_audit_filter_init(&f);
    f.outcome = "ok";
    cr_assert_eq(count(&f), 1, "the entry is unchanged");
}

/* Every filter against brute force, on a log whose times are out of id order (several nodes'
 * clocks, a clock stepped back): the date bounds the store turns into id bounds must never
 * drop an entry. */
static void check_filters_brute_force(void)
{
    enum { N = 600 };
    static const char *const districts[] = {"330302", "330303", "330304"};
    static const char *const outcomes[] = {"ok", "ok", "refused"};
    struct {
        int64_t id, at, uid;
        int d, o;
    } log[N];
    const int64_t t0 = 1790000000, span = 30 * 86400;
    unsigned seed = 12345;
    for (int i = 0; i < N; i++) {
        log[i].at = t0 + (int64_t)(rand_r(&seed) % span);
        log[i].uid = 1 + rand_r(&seed) % 5;
        log[i].d = rand_r(&seed) % 3;
        log[i].o = rand_r(&seed) % 3;
        log[i].id = add(log[i].at, log[i].uid, "u", "station_patch", "station", 1 + i % 7,
                        districts[log[i].d], outcomes[log[i].o]);
    }
    for (int q = 0; q < 300; q++) {
        yz_audit_filter f;
        yz_audit_filter_init(&f);
        int kind = q % 4;
        if (kind == 0)
            f.user_id = 1 + rand_r(&seed) % 5;
        else if (kind == 1) {
            f.districts[0] = districts[rand_r(&seed) % 3];
            f.ndistricts = 1;
        } else if (kind == 2)
            f.outcome = "refused";
        int bounds = rand_r(&seed) % 4; /* none, from, to, both */
        if (bounds & 1)
            f.from = t0 + (int64_t)(rand_r(&seed) % span);
        if (bounds & 2)
            f.to = (f.from ? f.from : t0) + (int64_t)(rand_r(&seed) % span);
        f.limit = 1 + rand_r(&seed) % 120;
        int64_t want[N];
        size_t nw = 0;
        for (int i = N - 1; i >= 0 && nw < (size_t)f.limit; i--) { /* newest (highest id) first */
            if ((f.user_id && log[i].uid != f.user_id) ||
                (f.ndistricts && strcmp(districts[log[i].d], f.districts[0]) != 0) ||
                (f.outcome && strcmp(outcomes[log[i].o], f.outcome) != 0) ||
                (f.from && log[i].at < f.from) || (f.to && log[i].at >= f.to))
                continue;
            want[nw++] = log[i].id;
        }
        yz_audit_entry *v = NULL;
        size_t n = 0;
        yz_errinfo ei;
        cr_assert_eq(yz_store_audit_list(st, &f, &v, &n, &ei), YZ_OK, "%s", ei.msg_en);
        cr_assert_eq(n, nw, "query %d (kind %d, bounds %d): %zu entries, brute force %zu", q, kind,
                     bounds, n, nw);
        for (size_t i = 0; i < n; i++)
            cr_assert_eq(v[i].id, want[i], "query %d: entry %zu", q, i);
        yz_audit_entries_free(v, n);
    }
}

Test(audit, roundtrip_and_filters) { check_roundtrip_and_filters(); }
Test(audit, filters_brute_force) { check_filters_brute_force(); }
Test(audit, paging) { check_paging(); }
Test(audit, append_only) { check_append_only(); }

Test(audit, json_too_long)
{
    size_t big = YZ_AUDIT_JSON_MAX + 10;
    char *s = yz_malloc(big + 1);
    memset(s, ' ', big);
    s[0] = '[';
    s[big - 1] = ']';
    s[big] = 0;
    yz_audit_entry e;
    yz_audit_entry_init(&e);
    e.actor_kind = (char *)"cli";
    e.action = (char *)"cli:import";
    e.after_json = s;
    yz_errinfo ei;
    cr_assert_eq(yz_store_audit_append(st, &e, NULL, &ei), YZ_OK);
    yz_free(s);
    yz_audit_filter f;
    yz_audit_filter_init(&f);
    yz_audit_entry *v = NULL;
    size_t n = 0;
    cr_assert_eq(yz_store_audit_list(st, &f, &v, &n, &ei), YZ_OK);
    cr_assert_eq(n, 1);
    cr_assert_null(v[0].after_json);
    cr_assert(strstr(v[0].reason, "not kept"));
    yz_audit_entries_free(v, n);
}

/* The same on PostgreSQL, when a scratch database is given (the tables are emptied first with
 * a fresh schema: the test drops and recreates nothing else). */
static bool pg_open(void)
{
    const char *uri = getenv("YZ_TEST_PG_URI");
    if (!uri || !*uri)
        return false;
    yz_store_close(st);
    open_at(uri);
    return true;
}

Test(audit, pg_all)
{
    if (!pg_open()) {
        cr_log_info("YZ_TEST_PG_URI not set: PostgreSQL part skipped");
        return;
    }
    /* the scratch database must start empty: entries cannot be deleted */
    yz_audit_filter f;
    yz_audit_filter_init(&f);
    cr_assert_eq(count(&f), 0, "YZ_TEST_PG_URI must name a fresh database");
    check_append_only();
}
