/* SPDX-License-Identifier: MIT */
/* tests/unit/test_store.c - the SQLite store: migrations and seeds, station writes with
 * optimistic concurrency, conflicts, all-or-nothing imports, and what survives a reopen. */
#include "testdb.h"
#include "model/facility.h"
#include "store/db.h"
#include "store/store.h"

#include "core/alloc.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char path[64];
static yz_store *st;

static void district_init(yz_district *d, const char *code, const char *name)
{
    memset(d, 0, sizeof *d);
    d->code = yz_strdup(code);
    d->name = yz_strdup(name);
    d->name_hant = yz_strdup(name);
}

static void station(yz_station *s, const char *code, const char *district)
{
    yz_station_init(s);
    s->code = yz_strdup(code);
    s->name = yz_strdup("测试驿站");
    s->address = yz_strdup("测试路 1 号");
    s->district_code = yz_strdup(district);
    s->lat = 28.0;
    s->lon = 120.65;
    s->facilities = (UINT64_C(1) << yz_facility_seed_bit("toilet")) |
                    (UINT64_C(1) << yz_facility_seed_bit("battery_swap"));
    s->opening_hours = yz_strdup("Mo-Su 07:00-21:00");
}

static void setup(void)
{
    snprintf(path, sizeof path, "/tmp/yz-test-store-%d.db", (int)getpid());
    unlink(path);
    yz_errinfo ei;
    cr_assert_eq(yz_store_open(path, &st, &ei), YZ_OK, "%s", ei.msg_en);
    yz_district d;
    district_init(&d, "330302", "鹿城区");
    yz_import_counts c;
    cr_assert_eq(yz_store_import(st, NULL, 0, &d, 1, &c, &ei), YZ_OK, "%s", ei.msg_en);
    cr_assert_eq(c.districts, 1);
    yz_district_fini(&d);
}

static void teardown(void)
{
    yz_store_close(st);
    st = NULL;
    yz_test_remove_db(path);
}

TestSuite(store, .init = setup, .fini = teardown);

Test(store, seeds_facilities_and_holidays)
{
    yz_facility *f;
    size_t n;
    yz_errinfo ei;
    cr_assert_eq(yz_store_list_facilities(st, &f, &n, &ei), YZ_OK);
    cr_assert_eq(n, yz_facility_seed_count);
    cr_assert_str_eq(f[3].code, "toilet");
    cr_assert_eq(f[3].bit, 3);
    for (size_t i = 0; i < n; i++)
        yz_facility_fini(&f[i]);
    yz_free(f);
    int32_t *days;
    cr_assert_eq(yz_store_list_holidays(st, &days, &n, &ei), YZ_OK);
    cr_assert_eq(n, 33, "2026 has 33 statutory holiday days");
    yz_free(days);
    /* Opening again applies nothing twice. */
    yz_store *again;
    cr_assert_eq(yz_store_open(path, &again, &ei), YZ_OK, "%s", ei.msg_en);
    cr_assert_eq(yz_store_list_facilities(again, &f, &n, &ei), YZ_OK);
    cr_assert_eq(n, yz_facility_seed_count);
    for (size_t i = 0; i < n; i++)
        yz_facility_fini(&f[i]);
    yz_free(f);
    yz_store_close(again);
}

Test(store, create_get_update_delete)
{
    yz_errinfo ei;
    yz_station s, got;
    station(&s, "T-1", "330302");
    cr_assert_eq(yz_store_create_station(st, &s, &ei), YZ_OK, "%s", ei.msg_en);
    cr_assert(s.id > 0);
    cr_assert_eq(s.version, 1);
    cr_assert_eq(yz_store_get_station(st, s.id, &got, &ei), YZ_OK);
    cr_assert_str_eq(got.name, "测试驿站");
    cr_assert_str_eq(got.district_name, "鹿城区");
    cr_assert_eq(got.facilities, s.facilities);
    cr_assert_str_eq(got.opening_hours, "Mo-Su 07:00-21:00");
    yz_station_fini(&got);

    free(s.name);
    s.name = yz_strdup("改名");
    cr_assert_eq(yz_store_update_station(st, &s, 1, &ei), YZ_OK, "%s", ei.msg_en);
    cr_assert_eq(s.version, 2);
    cr_assert_eq(yz_store_update_station(st, &s, 1, &ei), YZ_ESTALE);
    cr_assert_str_eq(ei.field, "version");
    cr_assert_eq(yz_store_get_station(st, s.id, &got, &ei), YZ_OK);
    cr_assert_str_eq(got.name, "改名", "a stale update changes nothing");
    cr_assert_eq(got.version, 2);
    yz_station_fini(&got);

    cr_assert_eq(yz_store_delete_station(st, s.id, 1, &ei), YZ_ESTALE);
    cr_assert_eq(yz_store_delete_station(st, s.id, 2, &ei), YZ_OK);
    cr_assert_eq(yz_store_get_station(st, s.id, &got, &ei), YZ_ENOTFOUND);
    yz_station_fini(&got);
    cr_assert_eq(yz_store_delete_station(st, s.id, 0, &ei), YZ_ENOTFOUND);
    yz_station_fini(&s);
}

Test(store, conflicts_and_unknown_district)
{
    yz_errinfo ei;
    yz_station a, b;
    station(&a, "T-1", "330302");
    station(&b, "T-1", "330302");
    cr_assert_eq(yz_store_create_station(st, &a, &ei), YZ_OK);
    cr_assert_eq(yz_store_create_station(st, &b, &ei), YZ_ECONFLICT);
    cr_assert_str_eq(ei.field, "code");
    free(b.code);
    b.code = yz_strdup("T-2");
    free(b.district_code);
    b.district_code = yz_strdup("999999");
    cr_assert_eq(yz_store_create_station(st, &b, &ei), YZ_EINVAL);
    cr_assert_str_eq(ei.field, "district_code");
    yz_station *all;
    size_t n;
    cr_assert_eq(yz_store_load_stations(st, &all, &n, &ei), YZ_OK);
    cr_assert_eq(n, 1);
    yz_station_array_free(all, n);
    yz_station_fini(&a);
    yz_station_fini(&b);
}

Test(store, import_is_all_or_nothing_and_updates_by_code)
{
    yz_errinfo ei;
    yz_station rows[3];
    station(&rows[0], "T-1", "330302");
    station(&rows[1], "T-2", "330302");
    station(&rows[2], "T-3", "000000"); /* unknown district: the whole import fails */
    yz_import_counts c;
    cr_assert_eq(yz_store_import(st, rows, 3, NULL, 0, &c, &ei), YZ_EINVAL);
    cr_assert(strstr(ei.msg_en, "row 3"), "%s", ei.msg_en);
    yz_station *all;
    size_t n;
    cr_assert_eq(yz_store_load_stations(st, &all, &n, &ei), YZ_OK);
    cr_assert_eq(n, 0, "nothing of a failed import remains");
    yz_station_array_free(all, n);

    cr_assert_eq(yz_store_import(st, rows, 2, NULL, 0, &c, &ei), YZ_OK, "%s", ei.msg_en);
    cr_assert_eq(c.created, 2);
    free(rows[0].name);
    rows[0].name = yz_strdup("新名字");
    cr_assert_eq(yz_store_import(st, rows, 2, NULL, 0, &c, &ei), YZ_OK);
    cr_assert_eq(c.created, 0);
    cr_assert_eq(c.updated, 2);
    cr_assert_eq(yz_store_load_stations(st, &all, &n, &ei), YZ_OK);
    cr_assert_eq(n, 2, "re-import updates, never duplicates");
    cr_assert_str_eq(all[0].name, "新名字");
    cr_assert_eq(all[0].version, 2);
    yz_station_array_free(all, n);
    for (int i = 0; i < 3; i++)
        yz_station_fini(&rows[i]);
}

Test(store, survives_reopen)
{
    yz_errinfo ei;
    yz_station s;
    station(&s, "T-9", "330302");
    cr_assert_eq(yz_store_create_station(st, &s, &ei), YZ_OK);
    yz_store_close(st);
    cr_assert_eq(yz_store_open(path, &st, &ei), YZ_OK);
    yz_station got;
    cr_assert_eq(yz_store_get_station(st, s.id, &got, &ei), YZ_OK);
    cr_assert_str_eq(got.code, "T-9");
    yz_station_fini(&got);
    yz_station_fini(&s);
}

Test(store, open_errors)
{
    yz_store *x = NULL;
    yz_errinfo ei;
    cr_assert_eq(yz_store_open("/nonexistent-dir/x.db", &x, &ei), YZ_EDB);
    cr_assert_null(x);
    cr_assert_eq(yz_store_open("", &x, &ei), YZ_EINVAL);
#ifdef YZ_HAVE_PG
    /* Nothing listens on port 1: a clear error naming the database, no store. */
    cr_assert_eq(yz_store_open("postgresql://127.0.0.1:1/x?connect_timeout=2", &x, &ei),
                 YZ_EUNAVAIL);
    cr_assert_null(x);
    cr_assert_str_eq(ei.field, "db");
    cr_assert(strstr(ei.msg_en, "cannot connect to PostgreSQL") != NULL, "%s", ei.msg_en);
#else
    cr_assert_eq(yz_store_open("postgres://localhost/x", &x, &ei), YZ_EINVAL);
#endif
}

Test(store, writes_keep_their_rules)
{
    yz_errinfo ei;
    yz_station a, b;
    station(&a, "T-1", "330302");
    station(&b, "T-2", "330302");
    cr_assert_eq(yz_store_create_station(st, &a, &ei), YZ_OK, "%s", ei.msg_en);
    cr_assert_eq(yz_store_create_station(st, &b, &ei), YZ_OK, "%s", ei.msg_en);
    /* Taking another station's code, an unknown district, an unknown facility bit. */
    free(b.code);
    b.code = yz_strdup("T-1");
    cr_assert_eq(yz_store_update_station(st, &b, 1, &ei), YZ_ECONFLICT);
    cr_assert_str_eq(ei.field, "code");
    cr_assert_str_eq(ei.msg_en, "code T-1 is taken");
    free(b.code);
    b.code = yz_strdup("T-2");
    b.facilities |= UINT64_C(1) << 62;
    cr_assert_eq(yz_store_update_station(st, &b, 1, &ei), YZ_EINVAL);
    cr_assert_str_eq(ei.field, "facilities");
    cr_assert_str_eq(ei.msg_en, "unknown facility (bit 62)");
    b.facilities &= ~(UINT64_C(1) << 62);
    cr_assert_eq(yz_store_update_station(st, &b, 1, &ei), YZ_OK, "%s", ei.msg_en);
    cr_assert_eq(b.version, 2);
    cr_assert_eq(yz_store_update_station(st, &b, 1, &ei), YZ_ESTALE);
    cr_assert_str_eq(ei.msg_en, "version 1 is stale; the current version is 2");
    /* Facilities are replaced, not added to. */
    b.facilities = UINT64_C(1) << yz_facility_seed_bit("wifi");
    cr_assert_eq(yz_store_update_station(st, &b, 2, &ei), YZ_OK, "%s", ei.msg_en);
    yz_station got;
    cr_assert_eq(yz_store_get_station(st, b.id, &got, &ei), YZ_OK);
    cr_assert_eq(got.facilities, b.facilities);
    cr_assert_eq(got.version, 3);
    cr_assert_eq(got.created_at, b.created_at);
    yz_station_fini(&got);
    cr_assert_eq(yz_store_get_station(st, 0, &got, &ei), YZ_ENOTFOUND);
    cr_assert_str_eq(ei.msg_en, "station 0 not found");
    yz_station_fini(&got);
    /* An import naming its failing row, and the districts it brings. */
    yz_station rows[2];
    station(&rows[0], "T-1", "330303");
    station(&rows[1], "T-3", "330304");
    yz_district d;
    district_init(&d, "330303", "龙湾区");
    yz_import_counts c;
    cr_assert_eq(yz_store_import(st, rows, 2, &d, 1, &c, &ei), YZ_EINVAL);
    cr_assert_str_eq(ei.field, "district_code");
    cr_assert_str_eq(ei.msg_en, "row 2: unknown district code 330304");
    free(rows[1].district_code);
    rows[1].district_code = yz_strdup("330303");
    cr_assert_eq(yz_store_import(st, rows, 2, &d, 1, &c, &ei), YZ_OK, "%s", ei.msg_en);
    cr_assert_eq(c.created, 1);
    cr_assert_eq(c.updated, 1);
    cr_assert_eq(c.districts, 1);
    cr_assert_eq(rows[0].id, a.id);
    cr_assert_eq(rows[0].version, 2);
    cr_assert_eq(rows[1].version, 1);
    yz_district *ds;
    size_t nd;
    cr_assert_eq(yz_store_list_districts(st, &ds, &nd, &ei), YZ_OK);
    cr_assert_eq(nd, 2);
    cr_assert_str_eq(ds[1].code, "330303");
    for (size_t i = 0; i < nd; i++)
        yz_district_fini(&ds[i]);
    yz_free(ds);
    yz_district_fini(&d);
    for (int i = 0; i < 2; i++)
        yz_station_fini(&rows[i]);
    yz_station_fini(&a);
    yz_station_fini(&b);
}

/* The bulk path (a staging table and set-based SQL) against the rows themselves: every field
 * that the rows gave comes back, facility links replaced on a second import, and a load of
 * more rows than IMPORT_REINDEX_MIN into an empty table that fails part-way (a read error in
 * the last step) leaves no station and the district index in place. */
#define BULK_N 12000

static yz_station *bulk_rows(uint64_t salt)
{
    yz_station *rows = yz_calloc(BULK_N, sizeof *rows);
    char code[32];
    for (size_t i = 0; i < BULK_N; i++) {
        snprintf(code, sizeof code, "B-%05zu", (i * 7919) % BULK_N); /* not in code order */
        station(&rows[i], code, "330302");
        rows[i].lat = 27.0 + (double)i / BULK_N;
        rows[i].lon = 120.0 + (double)((i * 31 + salt) % 1000) / 1000.0;
        rows[i].seats = (int)(i % 50);
        rows[i].facilities = (i + salt) % 3 ? (UINT64_C(1) << ((i + salt) % 12)) |
                                                  (UINT64_C(1) << yz_facility_seed_bit("toilet"))
                                            : 0;
        if (i % 5 == 0) {
            free(rows[i].address);
            rows[i].address = yz_strdup("tab\there, back\\slash\nnew line");
        }
    }
    return rows;
}

static int cmp_code(const void *a, const void *b)
{
    return strcmp(((const yz_station *)a)->code, ((const yz_station *)b)->code);
}

static void bulk_check(yz_station *rows, int64_t version)
{
    yz_errinfo ei;
    yz_station *all;
    size_t n;
    cr_assert_eq(yz_store_load_stations(st, &all, &n, &ei), YZ_OK, "%s", ei.msg_en);
    cr_assert_eq(n, BULK_N);
    qsort(all, n, sizeof *all, cmp_code);
    yz_station *want = yz_malloc(BULK_N * sizeof *want);
    memcpy(want, rows, BULK_N * sizeof *want);
    qsort(want, BULK_N, sizeof *want, cmp_code);
    for (size_t i = 0; i < n; i++) {
        cr_assert_str_eq(all[i].code, want[i].code);
        cr_assert_eq(all[i].id, want[i].id, "%s: the id given back is the stored one",
                     want[i].code);
        cr_assert_eq(all[i].version, version);
        cr_assert_eq(all[i].facilities, want[i].facilities, "%s", want[i].code);
        cr_assert_eq(all[i].lat, want[i].lat);
        cr_assert_eq(all[i].lon, want[i].lon);
        cr_assert_eq(all[i].seats, want[i].seats);
        cr_assert_str_eq(all[i].address, want[i].address);
        cr_assert_str_eq(all[i].opening_hours, want[i].opening_hours);
    }
    yz_free(want);
    yz_station_array_free(all, n);
}

static bool has_district_index(void)
{
    char cmd[256];
    snprintf(cmd, sizeof cmd,
             "sqlite3 %s \"SELECT name FROM sqlite_master WHERE name = 'stations_district'\" |"
             " grep -q stations_district",
             path);
    return system(cmd) == 0;
}

Test(store, bulk_import_matches_rows_and_fails_whole)
{
    yz_errinfo ei;
    yz_import_counts c;
    yz_station *rows = bulk_rows(0);
    /* A read error part-way through the last step (the ids read back), after the district
     * index was dropped: nothing remains, and the index is there. */
    yz_db_fault_after_rows(BULK_N / 2);
    cr_assert_eq(yz_store_import(st, rows, BULK_N, NULL, 0, &c, &ei), YZ_EDB);
    yz_db_fault_after_rows(0);
    yz_station *all;
    size_t n;
    cr_assert_eq(yz_store_load_stations(st, &all, &n, &ei), YZ_OK, "%s", ei.msg_en);
    cr_assert_eq(n, 0, "nothing of a failed bulk import remains");
    yz_station_array_free(all, n);
    cr_assert(has_district_index());

    cr_assert_eq(yz_store_import(st, rows, BULK_N, NULL, 0, &c, &ei), YZ_OK, "%s", ei.msg_en);
    cr_assert_eq(c.created, BULK_N);
    cr_assert_eq(c.updated, 0);
    cr_assert(has_district_index(), "the district index is built again after the rows");
    bulk_check(rows, 1);
    yz_station_array_free(rows, BULK_N);

    /* Again with other facilities and positions: updated by code, links replaced. */
    rows = bulk_rows(1);
    cr_assert_eq(yz_store_import(st, rows, BULK_N, NULL, 0, &c, &ei), YZ_OK, "%s", ei.msg_en);
    cr_assert_eq(c.created, 0);
    cr_assert_eq(c.updated, BULK_N);
    bulk_check(rows, 2);

    /* One bad row among them: refused whole, naming it; the store keeps the second load. */
    free(rows[BULK_N - 3].district_code);
    rows[BULK_N - 3].district_code = yz_strdup("999999");
    cr_assert_eq(yz_store_import(st, rows, BULK_N, NULL, 0, &c, &ei), YZ_EINVAL);
    cr_assert_str_eq(ei.field, "district_code");
    char want[64];
    snprintf(want, sizeof want, "row %d: unknown district code 999999", BULK_N - 2);
    cr_assert_str_eq(ei.msg_en, want);
    free(rows[BULK_N - 3].district_code);
    rows[BULK_N - 3].district_code = yz_strdup("330302");
    bulk_check(rows, 2);
    yz_station_array_free(rows, BULK_N);
}

/* The number of lines the sqlite3 shell prints for `sql` on the test database, or -1. */
static long sql_count(const char *sql)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "sqlite3 %s \"%s\"", path, sql);
    FILE *p = popen(cmd, "r");
    if (!p)
        return -1;
    long n = -1;
    if (fscanf(p, "%ld", &n) != 1)
        n = -1;
    pclose(p);
    return n;
}

static int insert_gold(yz_db_tx *tx, void *ctx, yz_errinfo *ei)
{
    (void)ctx;
    yz_db_q q;
    yz_db_query(&q, tx,
                "INSERT INTO stations (code, name, district_code, lat, lon, tier, partner_kind,"
                " status, created_at, updated_at) VALUES ('G-1', 'g', '330302', 28, 120, 'gold',"
                " 'other', 'open', 0, 0)",
                ei);
    return yz_db_exec(&q, NULL);
}

/* A load runs with the table's CHECK constraints off (SQLite builds a B-tree for each IN list
 * of a CHECK a row): the store checks the same columns itself, names the row and the field,
 * writes nothing, and the constraints are on again once the load is over, failed or not. */
Test(store, bulk_import_checks_columns_itself)
{
    yz_errinfo ei;
    yz_import_counts c;
    yz_station *rows = bulk_rows(3);
    const char *fields[] = {"tier", "partner_kind", "status", "batch", "seats", "lat", "lon"};
    for (size_t k = 0; k < sizeof fields / sizeof fields[0]; k++) {
        yz_station *v = &rows[BULK_N - 1 - k];
        yz_station keep = *v;
        const char *f = fields[k];
        if (!strcmp(f, "tier"))
            v->tier = YZ_TIER__COUNT;
        else if (!strcmp(f, "partner_kind"))
            v->partner_kind = -1;
        else if (!strcmp(f, "status"))
            v->status = YZ_STATUS__COUNT;
        else if (!strcmp(f, "batch"))
            v->batch = YZ_BATCH__COUNT;
        else if (!strcmp(f, "seats"))
            v->seats = -1;
        else if (!strcmp(f, "lat"))
            v->lat = 91;
        else
            v->lon = -181;
        cr_assert_eq(yz_store_import(st, rows, BULK_N, NULL, 0, &c, &ei), YZ_EINVAL, "%s", f);
        cr_assert_str_eq(ei.field, f);
        char want[32];
        snprintf(want, sizeof want, "row %zu:", BULK_N - k);
        cr_assert(!strncmp(ei.msg_en, want, strlen(want)), "%s: %s", f, ei.msg_en);
        cr_assert_eq(sql_count("SELECT count(*) FROM stations"), 0, "%s", f);
        *v = keep;
    }
    cr_assert_eq(yz_db_run(st, YZ_DB_WRITE, insert_gold, NULL, &ei), YZ_EDB,
                 "the CHECK constraints are on again after a failed load");
    cr_assert_eq(yz_store_import(st, rows, BULK_N, NULL, 0, &c, &ei), YZ_OK, "%s", ei.msg_en);
    bulk_check(rows, 1);
    cr_assert_eq(yz_db_run(st, YZ_DB_WRITE, insert_gold, NULL, &ei), YZ_EDB,
                 "the CHECK constraints are on again after a load");
    yz_station_array_free(rows, BULK_N);
}


/* 0034: the facilities are the row's mask. The view station_facilities lists one link a set
 * bit (counted against popcount of the rows' masks), and a store as it was before 0034 (its
 * links in a table, no mask column) gets, when opened, each station's mask from its links. */
Test(store, facility_mask_view_and_migration)
{
    yz_errinfo ei;
    yz_import_counts c;
    yz_station *rows = bulk_rows(2);
    cr_assert_eq(yz_store_import(st, rows, BULK_N, NULL, 0, &c, &ei), YZ_OK, "%s", ei.msg_en);
    long links = 0;
    for (size_t i = 0; i < BULK_N; i++)
        links += __builtin_popcountll(rows[i].facilities);
    cr_assert_gt(links, BULK_N / 2);
    cr_assert_eq(sql_count("SELECT count(*) FROM station_facilities"), links);
    cr_assert_eq(sql_count("SELECT count(*) FROM station_facilities sf JOIN facilities f ON"
                           " f.code = sf.facility_code WHERE f.code = 'toilet'"),
                 sql_count("SELECT count(*) FROM stations WHERE facilities <> 0"),
                 "every station with facilities has the toilet (bulk_rows)");
    yz_store_close(st);
    st = NULL;
    /* Back to the shape before 0034, the links kept in a table of their own. */
    char cmd[2048];
    snprintf(cmd, sizeof cmd,
             "sqlite3 %s \"BEGIN; CREATE TABLE sf_old AS SELECT * FROM station_facilities;"
             " DROP VIEW station_facilities; CREATE TABLE station_facilities (station_id INTEGER"
             " NOT NULL REFERENCES stations (id) ON DELETE CASCADE, facility_code TEXT NOT NULL"
             " REFERENCES facilities (code), PRIMARY KEY (station_id, facility_code)) WITHOUT"
             " ROWID; INSERT INTO station_facilities SELECT * FROM sf_old; DROP TABLE sf_old;"
             " ALTER TABLE stations DROP COLUMN facilities; DELETE FROM schema_migrations"
             " WHERE name = '0034_station_facility_mask.sql'; COMMIT;\"",
             path);
    cr_assert_eq(system(cmd), 0);
    cr_assert_eq(sql_count("SELECT count(*) FROM station_facilities"), links);
    cr_assert_eq(yz_store_open(path, &st, &ei), YZ_OK, "%s", ei.msg_en);
    bulk_check(rows, 1);
    cr_assert_eq(sql_count("SELECT count(*) FROM station_facilities"), links);
    yz_station_array_free(rows, BULK_N);
}

/* --- 0038: the unique code index built after the rows, and a load held alone ---------------- */

/* A streamed source of rows in parts of 4,096, as the CSV reader gives them. */
typedef struct part_src {
    yz_station *rows;
    size_t n, at;
} part_src;

static int part_next(void *ctx, yz_station **rows, size_t *n, const yz_district **d, size_t *nd,
                     yz_errinfo *ei)
{
    (void)ei;
    part_src *p = ctx;
    size_t k = p->n - p->at < 4096 ? p->n - p->at : 4096;
    *rows = p->rows + p->at;
    *n = k;
    *d = NULL;
    *nd = 0;
    p->at += k;
    return YZ_OK;
}

static int stream_rows(yz_station *rows, bool alone, yz_import_counts *c, yz_errinfo *ei)
{
    part_src p = {rows, BULK_N, 0};
    yz_import_source src = {part_next, &p, BULK_N, alone};
    return yz_store_import_stream(st, &src, c, ei);
}

/* What the sqlite3 shell prints for `sql` on the test database (first line), into out. */
static void sql_text(const char *sql, char *out, size_t size)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "sqlite3 %s \"%s\"", path, sql);
    FILE *p = popen(cmd, "r");
    out[0] = '\0';
    if (p && fgets(out, (int)size, p))
        out[strcspn(out, "\n")] = '\0';
    if (p)
        pclose(p);
}

static void assert_code_index(const char *when)
{
    cr_assert_eq(sql_count("SELECT count(*) FROM sqlite_master WHERE name = 'stations_code'"
                           " AND sql LIKE 'CREATE UNIQUE INDEX%'"),
                 1, "%s: the unique index on code is there", when);
    cr_assert_eq(sql_count("SELECT count(*) FROM sqlite_master WHERE name LIKE"
                           " 'sqlite_autoindex_stations%'"),
                 0, "%s: no automatic index", when);
    char mode[32];
    sql_text("PRAGMA journal_mode", mode, sizeof mode);
    cr_assert_str_eq(mode, "wal", "%s: the store is in WAL mode again", when);
}

/* A load into an empty store held alone: the unique index on code is dropped and built after
 * the rows; a code given twice (which only that index catches here: the source is not the CSV
 * reader, which refuses it first) fails the load naming the later row, nothing written; a bad
 * row in a late part fails it too; the journal is WAL again after each, and after a load that
 * succeeds, which then is upserted again through ON CONFLICT (code). */
Test(store, bulk_load_builds_code_index_after_rows)
{
    yz_errinfo ei;
    yz_import_counts c;
    yz_station *rows = bulk_rows(4);
    char *keep = rows[BULK_N - 5].code;
    rows[BULK_N - 5].code = yz_strdup(rows[17].code);
    cr_assert_eq(stream_rows(rows, true, &c, &ei), YZ_ECONFLICT, "%s", ei.msg_en);
    char want[96];
    snprintf(want, sizeof want, "row %d: code %s is taken", BULK_N - 4, rows[17].code);
    cr_assert_str_eq(ei.msg_en, want);
    cr_assert_str_eq(ei.field, "code");
    cr_assert_eq(sql_count("SELECT count(*) FROM stations"), 0, "nothing written");
    assert_code_index("after a code given twice");
    /* the same without holding the store alone (WAL throughout): the same answer */
    cr_assert_eq(stream_rows(rows, false, &c, &ei), YZ_ECONFLICT, "%s", ei.msg_en);
    cr_assert_str_eq(ei.msg_en, want);
    free(rows[BULK_N - 5].code);
    rows[BULK_N - 5].code = keep;

    free(rows[BULK_N - 2].district_code);
    rows[BULK_N - 2].district_code = yz_strdup("999999");
    cr_assert_eq(stream_rows(rows, true, &c, &ei), YZ_EINVAL);
    snprintf(want, sizeof want, "row %d: unknown district code 999999", BULK_N - 1);
    cr_assert_str_eq(ei.msg_en, want);
    cr_assert_eq(sql_count("SELECT count(*) FROM stations"), 0, "nothing written");
    assert_code_index("after a bad row");
    free(rows[BULK_N - 2].district_code);
    rows[BULK_N - 2].district_code = yz_strdup("330302");

    cr_assert_eq(stream_rows(rows, true, &c, &ei), YZ_OK, "%s", ei.msg_en);
    cr_assert(c.alone, "an empty store opened by this process alone: rollback journal");
    cr_assert_eq(c.created, BULK_N);
    assert_code_index("after a load");
    char ok[16];
    sql_text("PRAGMA integrity_check", ok, sizeof ok);
    cr_assert_str_eq(ok, "ok");
    /* into a filled store: the upsert by code, WAL throughout */
    cr_assert_eq(stream_rows(rows, true, &c, &ei), YZ_OK, "%s", ei.msg_en);
    cr_assert(!c.alone);
    cr_assert_eq(c.updated, BULK_N);
    yz_station *all;
    size_t n;
    cr_assert_eq(yz_store_load_stations(st, &all, &n, &ei), YZ_OK, "%s", ei.msg_en);
    cr_assert_eq(n, BULK_N);
    yz_station_array_free(all, n);
    assert_code_index("after an upsert");
    yz_station_array_free(rows, BULK_N);
}

/* Another connection has the store open: the load is not held alone, and runs in WAL. */
Test(store, bulk_load_shares_an_open_store)
{
    yz_errinfo ei;
    yz_import_counts c;
    yz_store *other = NULL;
    cr_assert_eq(yz_store_open(path, &other, &ei), YZ_OK, "%s", ei.msg_en);
    yz_station *all;
    size_t n;
    cr_assert_eq(yz_store_load_stations(other, &all, &n, &ei), YZ_OK, "%s", ei.msg_en);
    yz_station_array_free(all, n);
    yz_station *rows = bulk_rows(5);
    cr_assert_eq(stream_rows(rows, true, &c, &ei), YZ_OK, "%s", ei.msg_en);
    cr_assert(!c.alone, "another connection has the file: WAL kept");
    cr_assert_eq(yz_store_load_stations(other, &all, &n, &ei), YZ_OK, "%s", ei.msg_en);
    cr_assert_eq(n, BULK_N, "the other connection reads the load");
    yz_station_array_free(all, n);
    assert_code_index("after a shared load");
    yz_store_close(other);
    yz_station_array_free(rows, BULK_N);
}

/* 0038 on a store made before it (stations with its UNIQUE column constraint): every row and
 * id kept, the rows that point at stations (project_stations: ON DELETE CASCADE) kept, the
 * view and the district index there, the unique index named, and no foreign key broken. */
Test(store, code_index_migration_keeps_rows_and_children)
{
    yz_errinfo ei;
    yz_import_counts c;
    yz_station *rows = bulk_rows(6);
    cr_assert_eq(yz_store_import(st, rows, BULK_N, NULL, 0, &c, &ei), YZ_OK, "%s", ei.msg_en);
    yz_store_close(st);
    st = NULL;
    /* back to the shape before 0038, the rows kept (the sqlite3 shell runs with foreign keys
     * off), with rows pointing at the stations */
    char cmd[4096];
    snprintf(cmd, sizeof cmd,
             "sqlite3 %s \"BEGIN; CREATE TABLE s_old ("
             " id INTEGER PRIMARY KEY, code TEXT NOT NULL UNIQUE, name TEXT NOT NULL,"
             " address TEXT NOT NULL DEFAULT '', district_code TEXT NOT NULL REFERENCES"
             " districts (code), lat REAL NOT NULL, lon REAL NOT NULL, tier TEXT NOT NULL,"
             " partner_kind TEXT NOT NULL, partner_name TEXT, opening_hours TEXT, tz TEXT,"
             " status TEXT NOT NULL, closed_reason TEXT, closed_until INTEGER NOT NULL DEFAULT 0,"
             " phone TEXT, seats INTEGER NOT NULL DEFAULT 0, livelihood INTEGER NOT NULL"
             " DEFAULT 0, batch TEXT, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,"
             " version INTEGER NOT NULL DEFAULT 1, online_maps TEXT NOT NULL DEFAULT '',"
             " facilities INTEGER NOT NULL DEFAULT 0); INSERT INTO s_old SELECT * FROM stations;"
             " DROP VIEW station_facilities; DROP TABLE stations;"
             " ALTER TABLE s_old RENAME TO stations;"
             " CREATE INDEX stations_district ON stations (district_code);"
             " CREATE VIEW station_facilities (station_id, facility_code) AS SELECT s.id, f.code"
             " FROM stations s JOIN facilities f ON ((s.facilities >> f.bit) & 1) = 1;"
             " DELETE FROM schema_migrations WHERE name = '0038_station_code_index.sql';"
             " INSERT INTO project_stations (station_id, updated_at) SELECT id, 1 FROM stations"
             " WHERE id %% 3 = 0; COMMIT;\"",
             path);
    cr_assert_eq(system(cmd), 0);
    cr_assert_eq(sql_count("SELECT count(*) FROM sqlite_master WHERE name ="
                           " 'sqlite_autoindex_stations_1'"),
                 1);
    long children = sql_count("SELECT count(*) FROM project_stations");
    cr_assert_eq(children, BULK_N / 3);
    cr_assert_eq(yz_store_open(path, &st, &ei), YZ_OK, "%s", ei.msg_en);
    bulk_check(rows, 1);
    cr_assert_eq(sql_count("SELECT count(*) FROM project_stations"), children,
                 "no ON DELETE action ran");
    cr_assert_eq(sql_count("SELECT count(*) FROM pragma_foreign_key_check"), 0);
    cr_assert_eq(sql_count("SELECT count(*) FROM sqlite_master WHERE name ="
                           " 'stations_district'"),
                 1);
    long links = 0;
    for (size_t i = 0; i < BULK_N; i++)
        links += __builtin_popcountll(rows[i].facilities);
    cr_assert_eq(sql_count("SELECT count(*) FROM station_facilities"), links);
    assert_code_index("after 0038");
    /* the rule holds: a second station with a taken code is refused */
    yz_station dup;
    station(&dup, rows[5].code, "330302");
    cr_assert_eq(yz_store_create_station(st, &dup, &ei), YZ_ECONFLICT);
    yz_station_fini(&dup);
    yz_station_array_free(rows, BULK_N);
}

/* Rows in code order keep the unique index through the load (each insert appends to it): a
 * code given twice after the first part is refused by it, row named, nothing written; the
 * rows in order load, the index there, WAL again. */
Test(store, bulk_load_in_code_order_keeps_code_index)
{
    yz_errinfo ei;
    yz_import_counts c;
    yz_station *rows = bulk_rows(7);
    char code[32];
    for (size_t i = 0; i < BULK_N; i++) {
        free(rows[i].code);
        snprintf(code, sizeof code, "C-%05zu", i);
        rows[i].code = yz_strdup(code);
    }
    char *keep = rows[BULK_N - 5].code;
    rows[BULK_N - 5].code = yz_strdup(rows[17].code);
    cr_assert_neq(stream_rows(rows, true, &c, &ei), YZ_OK);
    char want[32];
    snprintf(want, sizeof want, "row %d:", BULK_N - 4);
    cr_assert(!strncmp(ei.msg_en, want, strlen(want)), "%s", ei.msg_en);
    cr_assert_eq(sql_count("SELECT count(*) FROM stations"), 0, "nothing written");
    assert_code_index("after a code given twice, in code order");
    free(rows[BULK_N - 5].code);
    rows[BULK_N - 5].code = keep;
    cr_assert_eq(stream_rows(rows, true, &c, &ei), YZ_OK, "%s", ei.msg_en);
    cr_assert(c.alone);
    cr_assert_eq(c.created, BULK_N);
    assert_code_index("after a load in code order");
    yz_station_array_free(rows, BULK_N);
}
