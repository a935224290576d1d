/* SPDX-License-Identifier: MIT */
/* tests/unit/test_db.c - store/db.h on SQLite: $N parameters, the statement cache (eviction,
 * a statement used twice at once), constraint violations, rollback of a failed body; and the
 * rule that a read failing part-way is never a short answer: with the fault hook (stations,
 * ratings, events) and with SQLite's own means (a damaged page of the stations table). */
#include "testdb.h"
#include "core/alloc.h"
#include "model/facility.h"
#include "store/db.h"
#include "store/events.h"
#include "store/reviews.h"
#include "store/store.h"

#include <criterion/criterion.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char path[64];
static yz_store *st;

static void cleanup_files(void)
{
    yz_test_remove_db(path);
}

static void open_store(void)
{
    yz_errinfo ei;
    cr_assert_eq(yz_store_open(path, &st, &ei), YZ_OK, "%s", ei.msg_en);
}

/* A store with one district and `n` stations. */
static void setup_n(size_t n)
{
    snprintf(path, sizeof path, "/tmp/yz-test-db-%d.db", (int)getpid());
    cleanup_files();
    open_store();
    yz_district d = {0};
    d.code = yz_strdup("330302");
    d.name = yz_strdup("鹿城区");
    d.name_hant = yz_strdup("鹿城區");
    yz_station *rows = yz_calloc(n ? n : 1, sizeof *rows);
    for (size_t i = 0; i < n; i++) {
        yz_station *s = &rows[i];
        yz_station_init(s);
        char code[32];
        snprintf(code, sizeof code, "T%05zu", i);
        s->code = yz_strdup(code);
        s->name = yz_strdup("测试驿站，名字长一些，好让一页放不下太多行");
        s->address = yz_strdup("测试路 1 号，地址也长一些");
        s->district_code = yz_strdup("330302");
        s->lat = 28.0 + (double)i * 1e-4;
        s->lon = 120.65;
        s->facilities = UINT64_C(1) << yz_facility_seed_bit("toilet");
        s->opening_hours = yz_strdup("Mo-Su 07:00-21:00");
    }
    yz_import_counts c;
    yz_errinfo ei;
    cr_assert_eq(yz_store_import(st, rows, n, &d, 1, &c, &ei), YZ_OK, "%s", ei.msg_en);
    yz_station_array_free(rows, n);
    yz_district_fini(&d);
}

static void setup(void)
{
    setup_n(0);
}

static void teardown(void)
{
    yz_db_fault_after_rows(0);
    yz_store_close(st);
    st = NULL;
    cleanup_files();
}

TestSuite(db, .init = setup, .fini = teardown);

/* --- statements ------------------------------------------------------------------------------ */

typedef struct params_ctx {
    int64_t a, b;
    char *text;
    bool null;
} params_ctx;

static int params_body(yz_db_tx *tx, void *arg, yz_errinfo *ei)
{
    params_ctx *x = arg;
    yz_db_q q;
    /* $2 before $1, $1 twice, and a '$1' inside a string literal that is not a parameter */
    yz_db_query(&q, tx, "SELECT $2 * 10 + $1, $1 + $1, '$1' || $3, $4 IS NULL", ei);
    yz_db_i64(&q, 3);
    yz_db_i64(&q, 7);
    yz_db_text(&q, "x");
    yz_db_str(&q, "");
    if (yz_db_row(&q)) {
        x->a = yz_db_col_i64(&q, 0);
        x->b = yz_db_col_i64(&q, 1);
        x->text = yz_db_col_str(&q, 2);
        x->null = yz_db_col_i64(&q, 3) != 0;
    }
    return yz_db_end(&q);
}

Test(db, numbered_parameters)
{
    params_ctx x = {0};
    yz_errinfo ei;
    cr_assert_eq(yz_db_run(st, YZ_DB_READ1, params_body, &x, &ei), YZ_OK, "%s", ei.msg_en);
    cr_assert_eq(x.a, 73);
    cr_assert_eq(x.b, 6);
    cr_assert_str_eq(x.text, "$1x");
    cr_assert(x.null, "an empty str binds NULL");
    yz_free(x.text);
}

static int many_body(yz_db_tx *tx, void *arg, yz_errinfo *ei)
{
    int64_t *sum = arg;
    *sum = 0;
    /* more distinct statements than the cache holds, each run twice */
    for (int round = 0; round < 2; round++) {
        for (int i = 0; i < 200; i++) {
            char sql[64];
            snprintf(sql, sizeof sql, "SELECT %d + $1", i);
            yz_db_q q;
            yz_db_query(&q, tx, sql, ei);
            yz_db_i64(&q, 1);
            if (yz_db_row(&q))
                *sum += yz_db_col_i64(&q, 0);
            int err = yz_db_end(&q);
            if (err)
                return err;
        }
    }
    return YZ_OK;
}

Test(db, statement_cache_evicts_and_stays_right)
{
    int64_t sum = 0;
    yz_errinfo ei;
    cr_assert_eq(yz_db_run(st, YZ_DB_READ, many_body, &sum, &ei), YZ_OK, "%s", ei.msg_en);
    cr_assert_eq(sum, 2 * (199 * 200 / 2 + 200));
}

static int nested_body(yz_db_tx *tx, void *arg, yz_errinfo *ei)
{
    int64_t *pairs = arg;
    *pairs = 0;
    static const char sql[] = "SELECT value FROM json_each('[1,2,3]') WHERE value >= $1";
    yz_db_q outer, inner;
    yz_db_query(&outer, tx, sql, ei);
    yz_db_i64(&outer, 1);
    while (yz_db_row(&outer)) {
        /* the same text while the first is still reading: it gets a statement of its own */
        yz_db_query(&inner, tx, sql, ei);
        yz_db_i64(&inner, yz_db_col_i64(&outer, 0));
        while (yz_db_row(&inner))
            (*pairs)++;
        int err = yz_db_end(&inner);
        if (err) {
            int outer_err = yz_db_end(&outer);
            return err ? err : outer_err;
        }
    }
    return yz_db_end(&outer);
}

Test(db, same_statement_twice_at_once)
{
    int64_t pairs = 0;
    yz_errinfo ei;
    cr_assert_eq(yz_db_run(st, YZ_DB_READ, nested_body, &pairs, &ei), YZ_OK, "%s", ei.msg_en);
    cr_assert_eq(pairs, 3 + 2 + 1);
}

static int dup_district_body(yz_db_tx *tx, void *arg, yz_errinfo *ei)
{
    int *violation = arg;
    yz_db_q q;
    yz_db_query(&q, tx, "INSERT INTO districts (code, name, name_hant) VALUES ('999999', 'a', 'a')",
                ei);
    int err = yz_db_exec(&q, NULL);
    if (err)
        return err;
    yz_db_query(&q, tx, "INSERT INTO districts (code, name, name_hant) VALUES ($1, 'b', 'b')", ei);
    yz_db_text(&q, "999999");
    err = yz_db_exec(&q, NULL);
    *violation = yz_db_violation(&q);
    return err;
}

static int count_body(yz_db_tx *tx, void *arg, yz_errinfo *ei)
{
    int64_t *n = arg;
    yz_db_q q;
    yz_db_query(&q, tx, "SELECT count(*) FROM districts WHERE code = '999999'", ei);
    *n = yz_db_row(&q) ? yz_db_col_i64(&q, 0) : -1;
    return yz_db_end(&q);
}

Test(db, violation_is_classified_and_the_body_rolls_back)
{
    int violation = 0;
    int64_t n = -1;
    yz_errinfo ei;
    cr_assert_eq(yz_db_run(st, YZ_DB_WRITE, dup_district_body, &violation, &ei), YZ_EDB);
    cr_assert_eq(violation, YZ_DB_UNIQUE);
    cr_assert_eq(yz_db_run(st, YZ_DB_READ1, count_body, &n, &ei), YZ_OK, "%s", ei.msg_en);
    cr_assert_eq(n, 0, "the first insert of the failed body must be rolled back");
}

/* --- a read failing part-way ------------------------------------------------------------------ */

TestSuite(dbfault, .fini = teardown);

Test(dbfault, stations_load_fails_whole)
{
    setup_n(300);
    yz_station *v = NULL;
    size_t n = 0;
    yz_errinfo ei;
    cr_assert_eq(yz_store_load_stations(st, &v, &n, &ei), YZ_OK, "%s", ei.msg_en);
    cr_assert_eq(n, 300);
    yz_station_array_free(v, n);
    for (long k = 1; k <= 300; k += 37) {
        yz_db_fault_after_rows(k);
        v = (yz_station *)1;
        n = 99;
        cr_assert_eq(yz_store_load_stations(st, &v, &n, &ei), YZ_EDB, "fault at row %ld", k);
        cr_assert_null(v, "no part of a failed load is returned (fault at row %ld)", k);
        cr_assert_eq(n, 0);
        yz_db_fault_after_rows(0);
    }
}

Test(dbfault, events_list_fails_whole)
{
    setup_n(1);
    yz_station *v = NULL;
    size_t n = 0;
    yz_errinfo ei;
    cr_assert_eq(yz_store_load_stations(st, &v, &n, &ei), YZ_OK, "%s", ei.msg_en);
    yz_event evs[20];
    for (int i = 0; i < 20; i++) {
        yz_event_init(&evs[i]);
        evs[i].station_id = v[0].id;
        evs[i].title = yz_strdup("免费早餐");
        evs[i].category = YZ_EVCAT_FREE_MEAL;
        evs[i].starts_at = 1800000000 + i * 86400;
        evs[i].ends_at = evs[i].starts_at + 3600;
    }
    yz_station_array_free(v, n);
    cr_assert_eq(yz_store_event_create(st, evs, 20, &ei), YZ_OK, "%s", ei.msg_en);
    for (int i = 0; i < 20; i++)
        yz_event_fini(&evs[i]);
    yz_event *out = NULL;
    cr_assert_eq(yz_store_event_list(st, false, &out, &n, &ei), YZ_OK, "%s", ei.msg_en);
    cr_assert_eq(n, 20);
    yz_event_array_free(out, n);
    yz_db_fault_after_rows(11);
    out = (yz_event *)1;
    cr_assert_eq(yz_store_event_list(st, false, &out, &n, &ei), YZ_EDB);
    cr_assert_null(out);
    cr_assert_eq(n, 0);
}

/* SQLite's own means: a damaged leaf page three quarters of the way through the stations
 * table. The scan reads the rows before it, then SQLite reports the damage: a loop that stops
 * at the first non-row without asking why would return those rows as the whole catalog. */
Test(dbfault, stations_load_on_a_damaged_page_fails_whole)
{
    setup_n(2000);
    yz_store_close(st);
    st = NULL;
    sqlite3 *db = NULL;
    cr_assert_eq(sqlite3_open(path, &db), SQLITE_OK);
    cr_assert_eq(sqlite3_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_stmt *q = NULL;
    cr_assert_eq(sqlite3_prepare_v2(db,
                                    "SELECT pageno FROM dbstat WHERE name = 'stations'"
                                    " AND pagetype = 'leaf' ORDER BY path",
                                    -1, &q, NULL),
                 SQLITE_OK, "%s", sqlite3_errmsg(db));
    int64_t pages[4096];
    int n_pages = 0;
    while (sqlite3_step(q) == SQLITE_ROW && n_pages < 4096)
        pages[n_pages++] = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    cr_assert_eq(sqlite3_prepare_v2(db, "PRAGMA page_size", -1, &q, NULL), SQLITE_OK);
    cr_assert_eq(sqlite3_step(q), SQLITE_ROW);
    int64_t page_size = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    sqlite3_close(db);
    cr_assert_gt(n_pages, 8, "the stations table spans many leaf pages (%d)", n_pages);

    FILE *f = fopen(path, "r+b");
    cr_assert_not_null(f);
    unsigned char junk[512];
    memset(junk, 0xff, sizeof junk);
    cr_assert_eq(fseek(f, (long)((pages[n_pages * 3 / 4] - 1) * page_size), SEEK_SET), 0);
    cr_assert_eq(fwrite(junk, 1, sizeof junk, f), sizeof junk);
    cr_assert_eq(fclose(f), 0);

    open_store();
    yz_station *v = NULL;
    size_t n = 0;
    yz_errinfo ei;
    int err = yz_store_load_stations(st, &v, &n, &ei);
    cr_assert_neq(err, YZ_OK, "a damaged table loaded as %zu stations", n);
    cr_assert_null(v);
    yz_station_array_free(v, n);
}
