/* SPDX-License-Identifier: MIT */
/* tests/unit/test_rollups.c - the dashboard's daily roll-ups (docs/internals/stats.md) against
 * brute force: random check-ins through the group commit (some exactly at a local midnight,
 * some in the hours where the UTC date and the Shanghai date differ), then every bucket x
 * breakdown x district filter compared cell by cell with the counts and distinct workers
 * computed here from the visits as recorded; then a rebuild must give the same, and after the
 * retention purge the visits must stay and suppression may only grow (never show a cell of
 * fewer than 5 workers). Prints its seed; fixed seeds first. */
#include "testdb.h"
#include "core/alloc.h"
#include "store/rollups.h"
#include "store/store.h"
#include "store/visits.h"
#include "store/workers.h"

#include <criterion/criterion.h>
#ifdef YZ_HAVE_PG
#include <libpq-fe.h>
#endif
#include <pthread.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define NS 4  /* stations: 0, 1 in 330302; 2, 3 in 330303 */
#define NW 14 /* workers */
#define NV 600
#define DAYS 45

static char path[64];
static yz_store *st;
static int64_t sid[NS], wid[NW];
static int wocc[NW];
static const char *const sdist[NS] = {"330302", "330302", "330303", "330303"};
static const char *const occ_name[] = {"rider", "courier", "driver", "sanitation", "other"};

/* 2026-03-30T00:00:00+08:00, a Monday: 2026-03-29T16:00:00Z */
#define D0 ((int64_t)1774800000)

typedef struct rec {
    int s, w;
    int64_t at;
    bool counted;
} rec;
static rec recs[NV];

/* Open the store at `uri` and fill it with the stations and workers. */
static void open_at(const char *uri)
{
    yz_errinfo ei;
    cr_assert_eq(yz_store_open(uri, &st, &ei), YZ_OK, "%s", ei.msg_en);
    yz_district d[2];
    memset(d, 0, sizeof d);
    d[0].code = yz_strdup("330302"), d[0].name = yz_strdup("鹿城区"), d[0].name_hant = yz_strdup("鹿城區");
    d[1].code = yz_strdup("330303"), d[1].name = yz_strdup("龙湾区"), d[1].name_hant = yz_strdup("龍灣區");
    yz_station s[NS];
    for (int i = 0; i < NS; i++) {
        char code[16];
        snprintf(code, sizeof code, "RU-%d", i);
        yz_station_init(&s[i]);
        s[i].code = yz_strdup(code);
        s[i].name = yz_strdup(code);
        s[i].address = yz_strdup("测试路 1 号");
        s[i].district_code = yz_strdup(sdist[i]);
        s[i].lat = 28.0;
        s[i].lon = 120.65;
    }
    yz_import_counts c;
    cr_assert_eq(yz_store_import(st, s, NS, d, 2, &c, &ei), YZ_OK, "%s", ei.msg_en);
    for (int i = 0; i < NS; i++) {
        sid[i] = s[i].id;
        yz_station_fini(&s[i]);
    }
    yz_district_fini(&d[0]);
    yz_district_fini(&d[1]);
    for (int i = 0; i < NW; i++) {
        uint8_t hash[YZ_TOKEN_HASH_BYTES];
        memset(hash, i + 1, sizeof hash);
        wocc[i] = i % 3 == 2 ? YZ_OCC_COURIER : i % 5 == 4 ? YZ_OCC_DRIVER : YZ_OCC_RIDER;
        yz_worker w = {.occupation = wocc[i], .expires_at = D0 + 86400 * 3650};
        cr_assert_eq(yz_store_worker_create(st, hash, &w, &ei), YZ_OK, "%s", ei.msg_en);
        wid[i] = w.id;
    }
}

static void setup(void)
{
    snprintf(path, sizeof path, "/tmp/yz-test-rollups-%d.db", (int)getpid());
    yz_test_remove_db(path);
    open_at(path);
}

static void teardown(void)
{
    yz_store_close(st);
    st = NULL;
    yz_test_remove_db(path);
}

TestSuite(rollups, .init = setup, .fini = teardown);

/* --- the oracle: from the recorded visits, with the C library's calendar ------------------- */

/* The local (UTC+8) date of `at` as a struct tm, through gmtime. */
static struct tm local_tm(int64_t at)
{
    time_t t = (time_t)(at + 8 * 3600);
    struct tm tm;
    gmtime_r(&t, &tm);
    return tm;
}

/* The local midnight starting the bucket that holds `at`. */
static int64_t oracle_bucket(int bucket, int64_t at)
{
    struct tm tm = local_tm(at);
    if (bucket == YZ_BUCKET_WEEK)
        tm.tm_mday -= (tm.tm_wday + 6) % 7; /* back to Monday */
    if (bucket == YZ_BUCKET_MONTH)
        tm.tm_mday = 1;
    tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
    return (int64_t)timegm(&tm) - 8 * 3600;
}

static void oracle_key(int by, const rec *r, char *out, size_t n)
{
    if (by == YZ_ROLLUP_BY_STATION)
        snprintf(out, n, "%lld", (long long)sid[r->s]);
    else if (by == YZ_ROLLUP_BY_DISTRICT)
        snprintf(out, n, "%s", sdist[r->s]);
    else
        snprintf(out, n, "%s", occ_name[wocc[r->w]]);
}

/* The oracle's count and distinct workers of cell (bucket start, key). */
static void oracle_cell(const yz_rollup_query *q, int64_t bucket, const char *key, int64_t *visits,
                        int *workers)
{
    bool seen[NW] = {false};
    *visits = 0;
    *workers = 0;
    for (int i = 0; i < NV; i++) {
        const rec *r = &recs[i];
        int64_t day = oracle_bucket(YZ_BUCKET_DAY, r->at);
        if (!r->counted || day < q->from_day || day >= q->to_day)
            continue;
        if (q->district && strcmp(q->district, sdist[r->s]) != 0)
            continue;
        char k[32];
        oracle_key(q->by, r, k, sizeof k);
        if (strcmp(k, key) != 0 || oracle_bucket(q->bucket, r->at) != bucket)
            continue;
        (*visits)++;
        if (!seen[r->w]) {
            seen[r->w] = true;
            (*workers)++;
        }
    }
}

/* Every key of the oracle, to find cells the store left out. */
static int oracle_cells_total(const yz_rollup_query *q)
{
    int n = 0;
    for (int i = 0; i < NV; i++) {
        const rec *r = &recs[i];
        int64_t day = oracle_bucket(YZ_BUCKET_DAY, r->at);
        if (!r->counted || day < q->from_day || day >= q->to_day)
            continue;
        if (q->district && strcmp(q->district, sdist[r->s]) != 0)
            continue;
        /* count the record once: as the first of its cell */
        char k[32];
        oracle_key(q->by, r, k, sizeof k);
        bool first = true;
        for (int j = 0; j < i && first; j++) {
            const rec *o = &recs[j];
            int64_t od = oracle_bucket(YZ_BUCKET_DAY, o->at);
            if (!o->counted || od < q->from_day || od >= q->to_day)
                continue;
            if (q->district && strcmp(q->district, sdist[o->s]) != 0)
                continue;
            char ok[32];
            oracle_key(q->by, o, ok, sizeof ok);
            first = !(strcmp(ok, k) == 0 &&
                      oracle_bucket(q->bucket, o->at) == oracle_bucket(q->bucket, r->at));
        }
        n += first;
    }
    return n;
}

/* Compare every query with the oracle. exact: suppressed exactly when fewer than 5 workers;
 * otherwise (after a purge) at least then. Returns the cells suppressed. */
static int check_all(unsigned seed, bool exact)
{
    /* D0 is Monday 2026-03-30: the whole range cuts March and May mid-month and holds the
     * whole of April (the month roll-up) and whole weeks (the week roll-up) between cut
     * ones; April exactly (D0 + 2 days .. D0 + 32 days: whole month, cut weeks); five whole
     * weeks (cut months); a cut week inside April; one day. */
    static const int64_t ranges[][2] = {{D0, D0 + DAYS * 86400},
                                        {D0 + 2 * 86400, D0 + 32 * 86400},
                                        {D0, D0 + 35 * 86400},
                                        {D0 + 3 * 86400, D0 + 17 * 86400},
                                        {D0 + 86400, D0 + 2 * 86400}};
    static const char *const districts[] = {NULL, "330302", "330303"};
    int suppressed = 0;
    for (size_t r = 0; r < sizeof ranges / sizeof *ranges; r++)
        for (int b = 0; b < YZ_BUCKET__COUNT; b++)
            for (int by = 0; by < YZ_ROLLUP_BY__COUNT; by++)
                for (int d = 0; d < 3; d++) {
                    yz_rollup_query q = {ranges[r][0], ranges[r][1], b, by, districts[d]};
                    yz_rollup_cell *c;
                    size_t n;
                    yz_errinfo ei;
                    cr_assert_eq(yz_store_rollup_query(st, &q, &c, &n, &ei), YZ_OK, "%s",
                                 ei.msg_en);
                    cr_assert_eq((int)n, oracle_cells_total(&q), "seed %u: cells %s/%s", seed,
                                 yz_rollup_bucket_name(b), yz_rollup_by_name(by));
                    for (size_t i = 0; i < n; i++) {
                        int64_t visits;
                        int workers;
                        oracle_cell(&q, c[i].bucket, c[i].key, &visits, &workers);
                        cr_assert_gt(visits, 0, "seed %u: a cell the oracle lacks", seed);
                        bool small = workers < YZ_ROLLUP_K;
                        if (exact || small)
                            cr_assert_eq(c[i].suppressed, small,
                                         "seed %u: %s/%s %s %lld: %d workers, suppressed %d",
                                         seed, yz_rollup_bucket_name(b), yz_rollup_by_name(by),
                                         c[i].key, (long long)c[i].bucket, workers,
                                         c[i].suppressed);
                        if (!c[i].suppressed)
                            cr_assert_eq(c[i].visits, visits, "seed %u", seed);
                        suppressed += c[i].suppressed;
                    }
                    yz_rollup_cells_free(c, n);
                }
    return suppressed;
}

/* Record recs[k], recs[k + THREADS], ... (one thread's share). */
#define THREADS 16
static void *recorder(void *arg)
{
    for (int i = (int)(intptr_t)arg; i < NV; i += THREADS) {
        rec *r = &recs[i];
        yz_visit v = {.worker_id = wid[r->w], .station_id = sid[r->s], .at = r->at};
        yz_errinfo ei;
        r->counted = false;
        if (yz_store_visit_record(st, &v, &ei) != YZ_OK)
            r->w = -1; /* failed: checked below, off the thread */
        r->counted = v.counted;
    }
    return NULL;
}

/* Draw the visits, then record them from 16 threads at once: the committer folds several
 * visits of a cell, by several workers, into one batch (the merging upsert). */
static void record_random(unsigned seed)
{
    srand(seed);
    for (int i = 0; i < NV; i++) {
        rec *r = &recs[i];
        r->s = rand() % NS;
        /* a few busy workers and a long tail, so that some cells are small */
        r->w = rand() % 3 ? rand() % 6 : rand() % NW;
        int64_t day = D0 + (int64_t)(rand() % DAYS) * 86400;
        switch (rand() % 5) {
        case 0: r->at = day; break;                                    /* local midnight */
        case 1: r->at = day - 1; break;                                /* a second before */
        case 2: r->at = day + (rand() % (8 * 3600)); break;            /* UTC date is the day before */
        default: r->at = day + (rand() % 86400); break;
        }
    }
    yz_visit_commit_stats before, after;
    yz_store_visit_commit_stats(st, &before);
    pthread_t t[THREADS];
    for (int k = 0; k < THREADS; k++)
        cr_assert_eq(pthread_create(&t[k], NULL, recorder, (void *)(intptr_t)k), 0);
    for (int k = 0; k < THREADS; k++)
        pthread_join(t[k], NULL);
    for (int i = 0; i < NV; i++)
        cr_assert_geq(recs[i].w, 0, "seed %u: visit %d not recorded", seed, i);
    yz_store_visit_commit_stats(st, &after);
    cr_assert_lt(after.batches - before.batches, (uint64_t)NV, "seed %u: no batch held two", seed);
}

Test(rollups, calendar_matches_libc)
{
    for (int64_t at = D0 - 400 * 86400; at < D0 + 400 * 86400; at += 86400 / 3 + 17)
        for (int b = 0; b < YZ_BUCKET__COUNT; b++) {
            int64_t s = yz_rollup_bucket_start(b, yz_rollup_bucket_start(YZ_BUCKET_DAY, at));
            cr_assert_eq(s, oracle_bucket(b, at), "%lld bucket %d", (long long)at, b);
            int64_t nx = yz_rollup_bucket_next(b, s);
            cr_assert_eq(oracle_bucket(b, nx), nx);
            cr_assert_eq(oracle_bucket(b, nx - 1), s);
        }
}

/* On SQLite: the week and month rows that hold a day before `before` and still hold a worker
 * id (-1 on PostgreSQL, not looked at). */
static int grain_rows_with_ids(bool pg, int64_t before)
{
    if (pg)
        return -1;
    sqlite3 *db = NULL;
    cr_assert_eq(sqlite3_open(path, &db), SQLITE_OK);
    sqlite3_stmt *q = NULL;
    cr_assert_eq(sqlite3_prepare_v2(db,
                                    "SELECT (SELECT count(*) FROM rollup_station_weeks"
                                    " WHERE day < ?1 AND w1 < 9223372036854775807)"
                                    " + (SELECT count(*) FROM rollup_station_months"
                                    " WHERE day < ?1 AND w1 < 9223372036854775807)",
                                    -1, &q, NULL),
                 SQLITE_OK, "%s", sqlite3_errmsg(db));
    sqlite3_bind_int64(q, 1, before);
    cr_assert_eq(sqlite3_step(q), SQLITE_ROW);
    int n = sqlite3_column_int(q, 0);
    sqlite3_finalize(q);
    sqlite3_close(db);
    return n;
}

/* PostgreSQL: every row of the four roll-up tables, sketches included, as one text (owned). */
static char *pg_rows(const char *uri)
{
#ifdef YZ_HAVE_PG
    PGconn *c = PQconnectdb(uri);
    cr_assert_eq(PQstatus(c), CONNECTION_OK, "%s", PQerrorMessage(c));
    PGresult *r = PQexec(
        c, "SELECT concat_ws('|', (SELECT string_agg(concat_ws(',', day, station_id,"
           " district_code, visits, workers, w1, w2, w3, w4, w5), ';' ORDER BY day, station_id)"
           " FROM rollup_station_days), (SELECT string_agg(concat_ws(',', day, station_id,"
           " district_code, visits, workers, w1, w2, w3, w4, w5), ';' ORDER BY day, station_id,"
           " district_code) FROM rollup_station_weeks), (SELECT string_agg(concat_ws(',', day,"
           " station_id, district_code, visits, workers, w1, w2, w3, w4, w5), ';' ORDER BY day,"
           " station_id, district_code) FROM rollup_station_months), (SELECT"
           " string_agg(concat_ws(',', day, district_code, occupation, visits, workers, w1, w2,"
           " w3, w4, w5), ';' ORDER BY day, district_code COLLATE \"C\", occupation COLLATE"
           " \"C\") FROM rollup_district_days))");
    cr_assert_eq(PQresultStatus(r), PGRES_TUPLES_OK, "%s", PQerrorMessage(c));
    char *out = yz_strdup(PQgetvalue(r, 0, 0));
    PQclear(r);
    PQfinish(c);
    return out;
#else
    (void)uri;
    return yz_strdup("");
#endif
}

static const char *pg_uri; /* set by the PostgreSQL test */

static void maintained_rebuilt_purged_on(unsigned seed, bool pg)
{
    record_random(seed);
    /* The committer's roll-ups (on PostgreSQL folded from the visits every 5 ms while the
     * batches go on: YZ_ROLLUP_FOLD_MS=5) are, row by row and sketch by sketch, what a rebuild
     * computes from the visits (none purged yet). */
    yz_errinfo fei;
    cr_assert_eq(yz_store_rollup_fold(st, &fei), YZ_OK, "%s", fei.msg_en);
    char *kept = pg ? pg_rows(pg_uri) : NULL;
    int before = check_all(seed, true);
    if (!pg)
        cr_assert_gt(grain_rows_with_ids(pg, D0 + 21 * 86400), 0, "seed %u", seed);
    cr_assert_gt(before, 0, "seed %u: the data should have small cells", seed);
    /* A rebuild from the visits gives the same roll-ups, twice over. */
    yz_errinfo ei;
    int64_t days;
    cr_assert_eq(yz_store_rollup_rebuild(st, &days, &ei), YZ_OK, "%s", ei.msg_en);
    cr_assert_gt(days, 0);
    if (pg) {
        char *rebuilt = pg_rows(pg_uri);
        cr_assert_gt(strlen(kept), 100);
        cr_assert_str_eq(kept, rebuilt, "seed %u: maintained and rebuilt roll-ups differ", seed);
        yz_free(rebuilt);
        yz_free(kept);
    }
    cr_assert_eq(yz_store_rollup_rebuild(st, &days, &ei), YZ_OK, "%s", ei.msg_en);
    cr_assert_eq(check_all(seed, true), before);
    /* Purge the first 20 days: visits stay, no small cell shows, suppression only grows. */
    yz_visit_purge p;
    cr_assert_eq(yz_store_visit_purge(st, D0 + 20 * 86400, 480, 0, &p, &ei), YZ_OK, "%s",
                 ei.msg_en);
    cr_assert_gt(p.days, 0);
    /* every week and month holding a purged day forgot its workers (the week of D0 + 20
     * days, a Monday + 20, holds purged days: weeks before D0 + 21 days, months before May) */
    if (!pg)
        cr_assert_eq(grain_rows_with_ids(pg, D0 + 21 * 86400), 0, "seed %u", seed);
    int after = check_all(seed, false);
    cr_assert_geq(after, before, "seed %u", seed);
    /* The purged days keep no worker id, and a rebuild keeps their roll-ups. */
    cr_assert_eq(yz_store_rollup_rebuild(st, &days, &ei), YZ_OK, "%s", ei.msg_en);
    cr_assert_eq(check_all(seed, false), after);
    if (!pg)
        cr_assert_eq(grain_rows_with_ids(pg, D0 + 21 * 86400), 0, "seed %u", seed);
}

static void maintained_rebuilt_purged(unsigned seed) { maintained_rebuilt_purged_on(seed, false); }

Test(rollups, fixed_seed_1) { maintained_rebuilt_purged(1); }
Test(rollups, fixed_seed_7) { maintained_rebuilt_purged(7); }
Test(rollups, random_seed)
{
    unsigned seed = (unsigned)time(NULL);
    fprintf(stderr, "rollups random seed %u\n", seed);
    maintained_rebuilt_purged(seed);
}

/* The same on PostgreSQL (its own month bucket, date_trunc, and the rebuild's window
 * functions), when YZ_TEST_PG_URI names a fresh scratch database. */
Test(rollups, pg_fixed_seed_1)
{
    const char *uri = getenv("YZ_TEST_PG_URI");
    if (!uri || !*uri) {
        cr_log_info("YZ_TEST_PG_URI not set: PostgreSQL part skipped");
        return;
    }
    yz_store_close(st);
    setenv("YZ_ROLLUP_FOLD_MS", "5", 1); /* many folds, beside the committer's batches */
    open_at(uri);
    pg_uri = uri;
    maintained_rebuilt_purged_on(1, true);
}

Test(rollups, bad_query)
{
    yz_rollup_query q = {D0 + 86400, D0, YZ_BUCKET_DAY, YZ_ROLLUP_BY_STATION, NULL};
    yz_rollup_cell *c;
    size_t n;
    yz_errinfo ei;
    cr_assert_eq(yz_store_rollup_query(st, &q, &c, &n, &ei), YZ_EINVAL);
    cr_assert_str_eq(ei.field, "to");
    q.to_day = D0 + 2 * 86400;
    q.bucket = 7;
    cr_assert_eq(yz_store_rollup_query(st, &q, &c, &n, &ei), YZ_EINVAL);
    cr_assert_str_eq(ei.field, "bucket");
}
