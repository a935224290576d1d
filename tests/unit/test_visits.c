/* SPDX-License-Identifier: MIT */
/* tests/unit/test_visits.c - the visits area of the SQLite store: the 2-hour rule at its
 * edges, per station and per worker, statistics by station, district, local day and
 * occupation, the group commit under many threads (one counted visit out of simultaneous
 * duplicates) and close() draining visits still queued. */
#include "testdb.h"
#include "core/alloc.h"
#include "core/buf.h"
#include "core/time.h"
#include "store/store.h"
#include "store/visits.h"
#include "store/workers.h"

#include <criterion/criterion.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static char path[64];
static yz_store *st;
static int64_t station_id[3]; /* WZ-A, WZ-B in 330302; WZ-C in 330303 */
static int64_t worker_id[3];  /* rider, courier, rider */

/* 2026-05-01T10:00:00+08:00 */
#define T0 ((int64_t)1777600800)

static void district_init(yz_district *d, const char *code, const char *name)
{
    memset(d, 0, sizeof *d);
    d->code = yz_strdup(code);
    d->name = yz_strdup(name);
    d->name_hant = yz_strdup(name);
}

static void station_init(yz_station *s, const char *code, const char *name, const char *district)
{
    yz_station_init(s);
    s->code = yz_strdup(code);
    s->name = yz_strdup(name);
    s->address = yz_strdup("测试路 1 号");
    s->district_code = yz_strdup(district);
    s->lat = 28.0;
    s->lon = 120.65;
}

static void setup(void)
{
    snprintf(path, sizeof path, "/tmp/yz-test-visits-%d.db", (int)getpid());
    unlink(path);
    yz_errinfo ei;
    cr_assert_eq(yz_store_open(path, &st, &ei), YZ_OK, "%s", ei.msg_en);
    yz_district d[2];
    district_init(&d[0], "330302", "鹿城区");
    district_init(&d[1], "330303", "龙湾区");
    yz_station s[3];
    station_init(&s[0], "WZ-A", "甲驿站", "330302");
    station_init(&s[1], "WZ-B", "乙驿站", "330302");
    station_init(&s[2], "WZ-C", "丙驿站", "330303");
    yz_import_counts c;
    cr_assert_eq(yz_store_import(st, s, 3, d, 2, &c, &ei), YZ_OK, "%s", ei.msg_en);
    for (int i = 0; i < 3; i++) {
        station_id[i] = s[i].id;
        yz_station_fini(&s[i]);
    }
    yz_district_fini(&d[0]);
    yz_district_fini(&d[1]);
    const int occ[3] = {YZ_OCC_RIDER, YZ_OCC_COURIER, YZ_OCC_RIDER};
    for (int i = 0; i < 3; i++) {
        uint8_t hash[YZ_TOKEN_HASH_BYTES];
        memset(hash, i + 1, sizeof hash);
        yz_worker w = {.occupation = occ[i], .expires_at = T0 + 86400 * 365};
        cr_assert_eq(yz_store_worker_create(st, hash, &w, &ei), YZ_OK, "%s", ei.msg_en);
        worker_id[i] = w.id;
    }
}

static void unlink_db(void)
{
    yz_test_remove_db(path);
}

static void teardown(void)
{
    yz_store_close(st);
    st = NULL;
    unlink_db();
}

TestSuite(visits, .init = setup, .fini = teardown);

static bool record(int w, int s, int64_t at)
{
    yz_visit v = {.worker_id = worker_id[w], .station_id = station_id[s], .at = at};
    yz_errinfo ei;
    cr_assert_eq(yz_store_visit_record(st, &v, &ei), YZ_OK, "%s", ei.msg_en);
    cr_assert_gt(v.id, 0);
    cr_assert_eq(v.at, at);
    return v.counted;
}

/* The number of rows in the visits table, through a connection of the test's own. */
static long long count_sql(const char *sql)
{
    sqlite3 *db;
    cr_assert_eq(sqlite3_open(path, &db), SQLITE_OK);
    sqlite3_stmt *q;
    cr_assert_eq(sqlite3_prepare_v2(db, sql, -1, &q, NULL), SQLITE_OK, "%s", sqlite3_errmsg(db));
    cr_assert_eq(sqlite3_step(q), SQLITE_ROW);
    long long n = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    sqlite3_close(db);
    return n;
}

Test(visits, two_hour_rule_edges)
{
    cr_assert(record(0, 0, T0));
    cr_assert_not(record(0, 0, T0 + 3600 + 59 * 60), "1h59m later must not count");
    cr_assert(record(0, 0, T0 + 2 * 3600 + 60), "2h01m after the counted one must count");
    /* The window runs from the last counted visit, not from the uncounted repeat. */
    cr_assert_not(record(0, 0, T0 + 2 * 3600 + 60 + 7199));
    cr_assert(record(0, 0, T0 + 2 * 3600 + 60 + 7200), "exactly 2 hours later counts");
    cr_assert_eq(count_sql("SELECT count(*) FROM visits"), 5);
    cr_assert_eq(count_sql("SELECT count(*) FROM visits WHERE counted = 1"), 3);
}

Test(visits, other_station_and_other_worker_count)
{
    cr_assert(record(0, 0, T0));
    cr_assert(record(0, 1, T0 + 60), "another station counts");
    cr_assert(record(1, 0, T0 + 60), "another worker counts");
    cr_assert_not(record(1, 0, T0 + 120));
    cr_assert_not(record(0, 1, T0 + 120));
}

Test(visits, zero_time_means_now)
{
    yz_visit v = {.worker_id = worker_id[0], .station_id = station_id[0]};
    yz_errinfo ei;
    int64_t before = yz_time_now();
    cr_assert_eq(yz_store_visit_record(st, &v, &ei), YZ_OK);
    cr_assert(v.at >= before && v.at <= yz_time_now());
    cr_assert(v.counted);
}

static const yz_visit_row *row(const yz_visit_row *r, size_t n, const char *key)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(r[i].key, key))
            return &r[i];
    return NULL;
}

Test(visits, stats_grouping)
{
    /* Day 1 (2026-05-01 local): A by w0, w1 and w2; B by w0; C by w1; plus uncounted repeats.
     * Day 2 (2026-05-02 local, 00:30 +08:00, still 05-01 in UTC): A by w0. */
    record(0, 0, T0);
    record(1, 0, T0 + 10);
    record(2, 0, T0 + 20);
    record(0, 0, T0 + 30); /* repeat, not counted */
    record(0, 1, T0 + 40);
    record(1, 2, T0 + 50);
    record(1, 2, T0 + 60);                   /* repeat, not counted */
    int64_t day2 = T0 + 14 * 3600 + 30 * 60; /* 2026-05-02T00:30+08:00 */
    record(0, 0, day2);
    int64_t from = T0 - 10 * 3600, to = T0 + 2 * 86400;
    yz_visit_row *r;
    size_t n;
    yz_errinfo ei;

    cr_assert_eq(yz_store_visit_stats(st, YZ_VISIT_BY_STATION, from, to, 480, &r, &n, &ei), YZ_OK,
                 "%s", ei.msg_en);
    cr_assert_eq(n, 3);
    cr_assert_str_eq(r[0].key, "WZ-A"); /* most visits first */
    cr_assert_str_eq(r[0].label, "甲驿站");
    cr_assert_eq(r[0].visits, 4);
    cr_assert_eq(row(r, n, "WZ-B")->visits, 1);
    cr_assert_eq(row(r, n, "WZ-C")->visits, 1);
    yz_visit_rows_free(r, n);

    cr_assert_eq(yz_store_visit_stats(st, YZ_VISIT_BY_DISTRICT, from, to, 480, &r, &n, &ei), YZ_OK);
    cr_assert_eq(n, 2);
    cr_assert_str_eq(r[0].key, "330302");
    cr_assert_str_eq(r[0].label, "鹿城区");
    cr_assert_eq(r[0].visits, 5);
    cr_assert_str_eq(r[1].key, "330303");
    cr_assert_eq(r[1].visits, 1);
    yz_visit_rows_free(r, n);

    cr_assert_eq(yz_store_visit_stats(st, YZ_VISIT_BY_DAY, from, to, 480, &r, &n, &ei), YZ_OK);
    cr_assert_eq(n, 2);
    cr_assert_str_eq(r[0].key, "2026-05-01");
    cr_assert_eq(r[0].visits, 5);
    cr_assert_str_eq(r[1].key, "2026-05-02");
    cr_assert_eq(r[1].visits, 1);
    yz_visit_rows_free(r, n);
    /* The same visits in UTC days all fall on 05-01. */
    cr_assert_eq(yz_store_visit_stats(st, YZ_VISIT_BY_DAY, from, to, 0, &r, &n, &ei), YZ_OK);
    cr_assert_eq(n, 1);
    cr_assert_eq(r[0].visits, 6);
    yz_visit_rows_free(r, n);

    cr_assert_eq(yz_store_visit_stats(st, YZ_VISIT_BY_OCCUPATION, from, to, 480, &r, &n, &ei),
                 YZ_OK);
    cr_assert_eq(n, 2);
    cr_assert_str_eq(r[0].key, "rider"); /* w0 x3 + w2 x1 */
    cr_assert_str_eq(r[0].label, "外卖骑手");
    cr_assert_eq(r[0].visits, 4);
    cr_assert_str_eq(r[1].key, "courier");
    cr_assert_eq(r[1].visits, 2);
    yz_visit_rows_free(r, n);

    /* The range is half-open: [T0 + 10, day2) holds 4 counted visits. */
    cr_assert_eq(yz_store_visit_stats(st, YZ_VISIT_BY_STATION, T0 + 10, day2, 480, &r, &n, &ei),
                 YZ_OK);
    int64_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += r[i].visits;
    cr_assert_eq(total, 4);
    yz_visit_rows_free(r, n);
    cr_assert_eq(yz_store_visit_stats(st, 9, from, to, 480, &r, &n, &ei), YZ_EINVAL);
}

/* The statistics of [from, to) grouped by `g`, as one text "key|label|visits;..." (owned). */
static char *stats_text(int g, int64_t from, int64_t to)
{
    yz_visit_row *r;
    size_t n;
    yz_errinfo ei;
    cr_assert_eq(yz_store_visit_stats(st, g, from, to, 480, &r, &n, &ei), YZ_OK, "%s", ei.msg_en);
    yz_buf b;
    yz_buf_init(&b);
    for (size_t i = 0; i < n; i++)
        yz_buf_printf(&b, "%s|%s|%lld;", r[i].key, r[i].label, (long long)r[i].visits);
    yz_visit_rows_free(r, n);
    return yz_buf_take(&b);
}

/* Local midnights (+08:00) of 2026-05-01 .. 2026-05-05. */
#define MAY(d) ((int64_t)1777564800 + ((d) - 1) * 86400)

Test(visits, purge_keeps_the_counts)
{
    cr_assert_eq(MAY(1), T0 - 10 * 3600);
    /* 05-01: A by w0, w1, w2 (+ a repeat), B by w0, C by w1; 05-02 00:30: A by w0;
     * 05-03: B by w1 (+ a repeat); 05-04 (kept): C by w2, A by w0. */
    record(0, 0, T0);
    record(1, 0, T0 + 10);
    record(2, 0, T0 + 20);
    record(0, 0, T0 + 30);
    record(0, 1, T0 + 40);
    record(1, 2, T0 + 50);
    record(0, 0, MAY(2) + 1800);
    record(1, 1, MAY(3) + 12 * 3600);
    record(1, 1, MAY(3) + 12 * 3600 + 60);
    record(2, 2, MAY(4) + 3600);
    record(0, 0, MAY(4) + 7200);
    cr_assert_eq(count_sql("SELECT count(*) FROM visits"), 11);
    /* Whole local days, as the API's dates give them, and a wider range. */
    const int64_t ranges[][2] = {{MAY(1), MAY(5)}, {MAY(2), MAY(4)}, {MAY(1), MAY(2)},
                                 {MAY(3), MAY(5)}, {MAY(1) - 86400 * 30, MAY(5) + 86400}};
    enum { NR = sizeof ranges / sizeof ranges[0] };
    char *before[NR][YZ_VISIT_BY__COUNT];
    for (int i = 0; i < NR; i++)
        for (int g = 0; g < YZ_VISIT_BY__COUNT; g++)
            before[i][g] = stats_text(g, ranges[i][0], ranges[i][1]);
    cr_assert_str_eq(before[0][YZ_VISIT_BY_DAY],
                     "2026-05-01|2026-05-01|5;2026-05-02|2026-05-02|1;2026-05-03|2026-05-03|1;"
                     "2026-05-04|2026-05-04|2;");

    /* Keep from 05-04: one day at a time first, then the rest. */
    int64_t cutoff = yz_visit_retention_cutoff(MAY(4) + 10 * 3600 + 86400 * 400, 400, 480);
    cr_assert_eq(cutoff, MAY(4));
    yz_visit_purge p;
    yz_errinfo ei;
    cr_assert_eq(yz_store_visit_purge(st, cutoff, 480, 1, &p, &ei), YZ_OK, "%s", ei.msg_en);
    cr_assert_eq(p.days, 1);
    cr_assert_eq(p.visits, 6, "05-01 holds 6 rows, the repeat included");
    cr_assert(p.more);
    cr_assert_eq(yz_store_visit_purge(st, cutoff, 480, 0, &p, &ei), YZ_OK, "%s", ei.msg_en);
    cr_assert_eq(p.days, 2);
    cr_assert_eq(p.visits, 3);
    cr_assert_not(p.more);
    cr_assert_eq(count_sql("SELECT count(*) FROM visits"), 2, "only 05-04 is kept");
    cr_assert_eq(count_sql("SELECT count(*) FROM visits WHERE at < 1777824000"), 0);
    cr_assert_eq(count_sql("SELECT sum(visits) FROM visit_days"), 7);

    for (int i = 0; i < NR; i++)
        for (int g = 0; g < YZ_VISIT_BY__COUNT; g++) {
            char *after = stats_text(g, ranges[i][0], ranges[i][1]);
            cr_assert_str_eq(after, before[i][g], "range %d, group %s", i,
                             yz_visit_group_name(g));
            yz_free(after);
            yz_free(before[i][g]);
        }
    /* Nothing left to purge: a second run changes nothing. */
    cr_assert_eq(yz_store_visit_purge(st, cutoff, 480, 0, &p, &ei), YZ_OK);
    cr_assert(p.days == 0 && p.visits == 0 && !p.more);
    /* The 2-hour rule still reads the kept visits. */
    cr_assert_not(record(0, 0, MAY(4) + 7200 + 60));
}

Test(visits, group_names)
{
    for (int g = 0; g < YZ_VISIT_BY__COUNT; g++)
        cr_assert_eq(yz_visit_group_parse(yz_visit_group_name(g)), g);
    cr_assert_eq(yz_visit_group_parse("week"), -1);
    cr_assert_eq(yz_visit_group_parse(NULL), -1);
}

/* --- concurrency -------------------------------------------------------------------------- */

#define THREADS 16
#define PER_THREAD 150

typedef struct job {
    int k;
    bool same; /* every thread records the same (worker, station, time) */
    int failures;
    int counted;
    int64_t ids[PER_THREAD];
} job;

static void *recorder(void *arg)
{
    job *j = arg;
    for (int i = 0; i < PER_THREAD; i++) {
        yz_visit v = {.worker_id = j->same ? worker_id[0] : 1000 + j->k * PER_THREAD + i,
                      .station_id = station_id[j->same ? 0 : i % 3],
                      .at = j->same ? T0 + i * 60 : T0 + i};
        yz_errinfo ei;
        if (yz_store_visit_record(st, &v, &ei) != YZ_OK)
            j->failures++;
        j->counted += v.counted;
        j->ids[i] = v.id;
    }
    return NULL;
}

static void run_threads(job *jobs, bool same)
{
    pthread_t t[THREADS];
    for (int k = 0; k < THREADS; k++) {
        jobs[k] = (job){.k = k, .same = same};
        cr_assert_eq(pthread_create(&t[k], NULL, recorder, &jobs[k]), 0);
    }
    for (int k = 0; k < THREADS; k++)
        pthread_join(t[k], NULL);
}

Test(visits, group_commit_many_threads)
{
    static job jobs[THREADS];
    run_threads(jobs, false);
    int64_t seen_max = 0;
    for (int k = 0; k < THREADS; k++) {
        cr_assert_eq(jobs[k].failures, 0);
        cr_assert_eq(jobs[k].counted, PER_THREAD, "distinct workers all count");
        for (int i = 0; i < PER_THREAD; i++)
            seen_max = jobs[k].ids[i] > seen_max ? jobs[k].ids[i] : seen_max;
    }
    cr_assert_eq(count_sql("SELECT count(*) FROM visits"), THREADS * PER_THREAD);
    cr_assert_eq(count_sql("SELECT count(DISTINCT id) FROM visits"), THREADS * PER_THREAD);
    cr_assert_eq(seen_max, THREADS * PER_THREAD);
    yz_visit_commit_stats cs;
    yz_store_visit_commit_stats(st, &cs);
    cr_assert_eq(cs.visits, THREADS * PER_THREAD);
    /* 16 writers waiting on each other's fsync: the transactions must hold several visits. */
    cr_assert_lt(cs.batches, cs.visits, "batches %llu for %llu visits",
                 (unsigned long long)cs.batches, (unsigned long long)cs.visits);
    cr_assert_gt(cs.max_batch, 1);
}

Test(visits, simultaneous_duplicates_count_once)
{
    /* Every thread checks the same worker in at the same station at T0 + i minutes, i from 0
     * to 149, so each minute's visit arrives THREADS times at once. Each thread starts at i = 0,
     * so the first visit decided is at T0 and counts; it blocks everything before T0 + 120 min.
     * Of the visits at T0 + 120..149 min, all within 2 h of each other, exactly one counts,
     * whichever arrives first. Any race in the rule would count more. */
    static job jobs[THREADS];
    run_threads(jobs, true);
    int counted = 0;
    for (int k = 0; k < THREADS; k++) {
        cr_assert_eq(jobs[k].failures, 0);
        counted += jobs[k].counted;
    }
    cr_assert_eq(counted, 2);
    cr_assert_eq(count_sql("SELECT count(*) FROM visits"), THREADS * PER_THREAD);
    cr_assert_eq(count_sql("SELECT count(*) FROM visits WHERE counted = 1"), 2);
    cr_assert_eq(count_sql("SELECT count(*) FROM visits WHERE counted = 1 AND at = 1777600800"), 1);
    cr_assert_eq(count_sql("SELECT count(*) FROM visits a JOIN visits b ON a.id < b.id"
                           " AND a.counted = 1 AND b.counted = 1 AND abs(a.at - b.at) < 7200"),
                 0, "two counted visits closer than 2 hours");
}

/* --- close() drains ------------------------------------------------------------------------ */

typedef struct drain_job {
    int k;
    int err;
    int64_t id;
} drain_job;

static void *drain_recorder(void *arg)
{
    drain_job *j = arg;
    yz_visit v = {.worker_id = 5000 + j->k, .station_id = station_id[0], .at = T0};
    yz_errinfo ei;
    j->err = yz_store_visit_record(st, &v, &ei);
    j->id = v.id;
    return NULL;
}

static void *closer(void *arg)
{
    yz_store_close(arg);
    return NULL;
}

Test(visits, close_drains_queued_visits)
{
    /* Start the committer, then hold the database's write lock from another connection so
     * the next visits queue up behind it. */
    record(0, 0, T0);
    sqlite3 *db;
    cr_assert_eq(sqlite3_open(path, &db), SQLITE_OK);
    cr_assert_eq(sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
    enum { N = 8 };
    drain_job jobs[N];
    pthread_t t[N], c;
    for (int k = 0; k < N; k++) {
        jobs[k] = (drain_job){.k = k, .err = 1};
        cr_assert_eq(pthread_create(&t[k], NULL, drain_recorder, &jobs[k]), 0);
    }
    usleep(300 * 1000); /* all queued (the committer is stuck in BEGIN) */
    cr_assert_eq(pthread_create(&c, NULL, closer, st), 0);
    usleep(200 * 1000);
    cr_assert_eq(sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    pthread_join(c, NULL);
    st = NULL;
    for (int k = 0; k < N; k++) {
        pthread_join(t[k], NULL);
        cr_assert_eq(jobs[k].err, YZ_OK, "visit %d: %d", k, jobs[k].err);
        cr_assert_gt(jobs[k].id, 0);
    }
    cr_assert_eq(count_sql("SELECT count(*) FROM visits"), N + 1);
    /* Reopened, the store refuses nothing and goes on numbering. */
    yz_errinfo ei;
    cr_assert_eq(yz_store_open(path, &st, &ei), YZ_OK);
    yz_visit v = {.worker_id = 1, .station_id = station_id[1], .at = T0};
    cr_assert_eq(yz_store_visit_record(st, &v, &ei), YZ_OK);
    cr_assert_eq(v.id, N + 2);
}

/* --- asynchronous visits (the server's check-ins) ----------------------------------------- */

enum { ASYNC_N = 300 };
typedef struct async_seen {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int answered;            /* callbacks seen */
    int calls[ASYNC_N];      /* per visit: how many times its callback ran */
    int errs;
    yz_visit v[ASYNC_N];
} async_seen;
typedef struct async_arg {
    async_seen *s;
    int i;
} async_arg;

static void async_done(void *arg, int err, const yz_errinfo *ei)
{
    (void)ei;
    async_arg *a = arg;
    pthread_mutex_lock(&a->s->mu);
    a->s->calls[a->i]++;
    a->s->errs += err != YZ_OK;
    a->s->answered++;
    pthread_cond_broadcast(&a->s->cv);
    pthread_mutex_unlock(&a->s->mu);
}

Test(visits, async_visits_answered_once_in_queue_order)
{
    /* One thread queues ASYNC_N visits of one worker at one station, a minute apart, without
     * waiting: they are written in batches (the thread never blocks, so batches grow), each
     * callback runs exactly once, and the 2-hour rule decided in queue order counts exactly
     * the visits at minutes 0, 120 and 240 (the oracle: the rule applied one at a time). */
    static async_seen s;
    static async_arg args[ASYNC_N];
    memset(&s, 0, sizeof s);
    pthread_mutex_init(&s.mu, NULL);
    pthread_cond_init(&s.cv, NULL);
    yz_errinfo ei;
    for (int i = 0; i < ASYNC_N; i++) {
        s.v[i] = (yz_visit){.worker_id = worker_id[1], .station_id = station_id[2],
                            .at = T0 + i * 60};
        args[i] = (async_arg){&s, i};
        cr_assert_eq(yz_store_visit_record_async(st, &s.v[i], async_done, &args[i], &ei), YZ_OK);
    }
    pthread_mutex_lock(&s.mu);
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 60;
    while (s.answered < ASYNC_N && pthread_cond_timedwait(&s.cv, &s.mu, &until) == 0)
        ;
    pthread_mutex_unlock(&s.mu);
    cr_assert_eq(s.answered, ASYNC_N);
    cr_assert_eq(s.errs, 0);
    int64_t last_counted = INT64_MIN / 2;
    for (int i = 0; i < ASYNC_N; i++) {
        cr_assert_eq(s.calls[i], 1, "visit %d answered %d times", i, s.calls[i]);
        cr_assert_gt(s.v[i].id, i ? s.v[i - 1].id : 0, "ids in queue order");
        bool expect = s.v[i].at - last_counted >= YZ_VISIT_DEDUPE_S;
        if (expect)
            last_counted = s.v[i].at;
        cr_assert_eq(s.v[i].counted, expect, "visit %d counted %d", i, s.v[i].counted);
    }
    cr_assert_eq(count_sql("SELECT count(*) FROM visits WHERE counted = 1"), 3);
    yz_visit_commit_stats cs;
    yz_store_visit_commit_stats(st, &cs);
    cr_assert_lt(cs.batches, (uint64_t)ASYNC_N, "one thread's queued visits share batches");
}

Test(visits, close_answers_queued_async_visits)
{
    /* Visits queued behind a held write lock are written and answered by close(). */
    record(0, 0, T0);
    sqlite3 *db;
    cr_assert_eq(sqlite3_open(path, &db), SQLITE_OK);
    cr_assert_eq(sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
    static async_seen s;
    static async_arg args[16];
    memset(&s, 0, sizeof s);
    pthread_mutex_init(&s.mu, NULL);
    pthread_cond_init(&s.cv, NULL);
    yz_errinfo ei;
    for (int i = 0; i < 16; i++) {
        s.v[i] = (yz_visit){.worker_id = 7000 + i, .station_id = station_id[0], .at = T0};
        args[i] = (async_arg){&s, i};
        cr_assert_eq(yz_store_visit_record_async(st, &s.v[i], async_done, &args[i], &ei), YZ_OK);
    }
    pthread_t c;
    cr_assert_eq(pthread_create(&c, NULL, closer, st), 0);
    usleep(200 * 1000);
    cr_assert_eq(sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    pthread_join(c, NULL);
    st = NULL;
    cr_assert_eq(s.answered, 16, "close() returned before every callback");
    cr_assert_eq(s.errs, 0);
    for (int i = 0; i < 16; i++)
        cr_assert(s.calls[i] == 1 && s.v[i].id > 0 && s.v[i].counted);
    cr_assert_eq(count_sql("SELECT count(*) FROM visits"), 17);
}

/* --- the rule decided batch-wise, against an oracle ------------------------------------------ */

/* Threads record visits of 3 workers at 2 stations at random minutes of 6 hours, in random
 * order, so batches hold several visits of one pair, out of time order, and visits that a
 * later one (in time) blocks. Whatever the batches were, the rule is decided in commit order,
 * which is id order: the oracle replays the visits by id and decides each against the
 * counted ones before it, by brute force. PostgreSQL decides a batch set-wise (store/visits.c
 * pg_write), SQLite one statement a visit: both must agree with it. */
#define ORACLE_THREADS 8
#define ORACLE_PER 150

typedef struct oracle_job {
    unsigned seed;
    int64_t base;   /* the first minute */
    int spread_min; /* minutes from it, 0: all at `base` */
    yz_visit v[ORACLE_PER];
    int failures;
} oracle_job;

static void *oracle_recorder(void *arg)
{
    oracle_job *j = arg;
    unsigned r = j->seed;
    for (int i = 0; i < ORACLE_PER; i++) {
        r = r * 1103515245u + 12345u;
        unsigned x = r >> 8;
        j->v[i] = (yz_visit){.worker_id = 70001 + x % 3, .station_id = 80001 + (x / 3) % 2,
                             .at = j->spread_min ? j->base + (int64_t)((x / 6) % j->spread_min) * 60
                                                 : j->base};
        yz_errinfo ei;
        if (yz_store_visit_record(st, &j->v[i], &ei) != YZ_OK)
            j->failures++;
    }
    return NULL;
}

static int by_visit_id(const void *a, const void *b)
{
    int64_t x = (*(yz_visit *const *)a)->id, y = (*(yz_visit *const *)b)->id;
    return x < y ? -1 : x > y;
}

/* The oracle: replayed by id, each visit counts unless a counted visit of the same worker
 * and station before it (by id) is less than 2 hours from it. Returns the counted visits. */
static int replay_matches(yz_visit **all, int n, unsigned seed)
{
    int counted = 0;
    qsort(all, (size_t)n, sizeof *all, by_visit_id);
    for (int i = 0; i < n; i++) {
        cr_assert_gt(all[i]->id, i ? all[i - 1]->id : 0, "seed %u: ids distinct", seed);
        bool near = false;
        for (int k = 0; k < i && !near; k++)
            near = all[k]->counted && all[k]->worker_id == all[i]->worker_id &&
                   all[k]->station_id == all[i]->station_id &&
                   all[k]->at > all[i]->at - YZ_VISIT_DEDUPE_S &&
                   all[k]->at < all[i]->at + YZ_VISIT_DEDUPE_S;
        cr_assert_eq(all[i]->counted, !near, "seed %u: visit %lld (worker %lld, at %lld)", seed,
                     (long long)all[i]->id, (long long)all[i]->worker_id,
                     (long long)all[i]->at);
        counted += all[i]->counted;
    }
    return counted;
}

/* Three rounds, each of ORACLE_THREADS threads at once: 6 hours of random minutes, the same
 * 3 hours later (half of it decided by the first's stored visits), then every visit at one
 * time (duplicates in every batch: on PostgreSQL the set-wise insert). Returns the counted
 * visits. */
static int rule_matches_oracle(unsigned seed)
{
    enum { ROUNDS = 3, N = ROUNDS * ORACLE_THREADS * ORACLE_PER };
    static oracle_job jobs[ROUNDS][ORACLE_THREADS];
    static yz_visit *all[N];
    int n = 0;
    for (int round = 0; round < ROUNDS; round++) {
        pthread_t t[ORACLE_THREADS];
        for (int k = 0; k < ORACLE_THREADS; k++) {
            jobs[round][k] = (oracle_job){.seed = seed * 31u + (unsigned)(round * 100 + k),
                                          .base = T0 + round * 3 * 3600,
                                          .spread_min = round < 2 ? 360 : 0};
            cr_assert_eq(pthread_create(&t[k], NULL, oracle_recorder, &jobs[round][k]), 0);
        }
        for (int k = 0; k < ORACLE_THREADS; k++)
            pthread_join(t[k], NULL);
        for (int k = 0; k < ORACLE_THREADS; k++) {
            cr_assert_eq(jobs[round][k].failures, 0, "seed %u", seed);
            for (int i = 0; i < ORACLE_PER; i++)
                all[n++] = &jobs[round][k].v[i];
        }
    }
    return replay_matches(all, N, seed);
}

Test(visits, rule_in_batches_matches_oracle)
{
    int counted = rule_matches_oracle(1);
    /* 6 pairs over 9 hours: some count, most do not */
    cr_assert_gt(counted, 6);
    cr_assert_lt(counted, 100);
    yz_visit_commit_stats cs;
    yz_store_visit_commit_stats(st, &cs);
    cr_assert_gt(cs.max_batch, 1, "no batch held two visits: the test proves little");
}

/* The same on PostgreSQL, when YZ_TEST_PG_URI names a fresh scratch database. */
Test(visits, pg_rule_in_batches_matches_oracle)
{
    const char *uri = getenv("YZ_TEST_PG_URI");
    if (!uri || !*uri) {
        cr_log_info("YZ_TEST_PG_URI not set: PostgreSQL part skipped");
        return;
    }
    yz_store_close(st);
    yz_errinfo ei;
    cr_assert_eq(yz_store_open(uri, &st, &ei), YZ_OK, "%s", ei.msg_en);
    int counted = rule_matches_oracle(7);
    cr_assert_gt(counted, 6);
    cr_assert_lt(counted, 100);
}

/* Two writers on PostgreSQL (YZ_VISIT_WRITERS=2; one by default): check-ins queued without
 * waiting, as the server's are, so that a second batch is taken and sent while the first is
 * being written; the decisions still match the oracle replayed by id (the order the lock gave
 * the batches), every visit is answered once, and a batch did overlap another. Workers and a
 * day of their own, so the other PostgreSQL test's visits in the same database do not meet
 * these. */
enum { TWO_N = 3000 };
static _Atomic int two_done, two_failed;

static void two_cb(void *arg, int err, const yz_errinfo *ei)
{
    (void)arg, (void)ei;
    if (err)
        two_failed++;
    two_done++;
}

Test(visits, pg_two_writers_match_oracle)
{
    const char *uri = getenv("YZ_TEST_PG_URI");
    if (!uri || !*uri) {
        cr_log_info("YZ_TEST_PG_URI not set: PostgreSQL part skipped");
        return;
    }
    yz_store_close(st);
    yz_errinfo ei;
    if (!getenv("YZ_VISIT_WRITERS")) /* set: a run that checks the test fails with 1 */
        setenv("YZ_VISIT_WRITERS", "2", 1);
    cr_assert_eq(yz_store_open(uri, &st, &ei), YZ_OK, "%s", ei.msg_en);
    static yz_visit v[TWO_N];
    static yz_visit *all[TWO_N];
    unsigned seed = 11;
    srand(seed);
    for (int i = 0; i < TWO_N; i++) {
        /* 40 workers at 5 stations, for the first third at one of two times an hour apart
         * (several times a pair in a batch: C decides), then at one time (the one-statement
         * batch, the only one the next writer may overlap) */
        int64_t at = T0 + 400 * 86400 + (i < TWO_N / 3 ? (rand() % 2) * 3600 : 5 * 3600);
        v[i] = (yz_visit){.worker_id = 900000 + rand() % 40, .station_id = 1 + rand() % 5,
                          .at = at};
        all[i] = &v[i];
        cr_assert_eq(yz_store_visit_record_async(st, &v[i], two_cb, NULL, &ei), YZ_OK, "%s",
                     ei.msg_en);
        if (i % 10 == 9)
            usleep(1000); /* the batches come in many: ~300 ms of arrivals */
    }
    for (int t = 0; t < 6000 && two_done < TWO_N; t++)
        usleep(10000);
    cr_assert_eq(two_done, TWO_N);
    cr_assert_eq(two_failed, 0);
    yz_visit_commit_stats cs;
    yz_store_visit_commit_stats(st, &cs);
    cr_assert_gt(cs.overlapped, 0, "no batch was sent while another was written (%llu batches)",
                 (unsigned long long)cs.batches);
    int counted = replay_matches(all, TWO_N, seed);
    cr_assert_gt(counted, 40);
}

static bool same_worker(const yz_worker *a, const yz_worker *b)
{
    return a->id == b->id && a->occupation == b->occupation && a->created_at == b->created_at &&
           a->expires_at == b->expires_at;
}

/* The check-in's look-up remembers a worker found (the same answer as the database's, even
 * after the row is gone behind the store's back), never a token not found, and never across
 * two tokens that share a cache slot. */
Test(visits, worker_cache_remembers_found_workers_only)
{
    yz_errinfo ei;
    uint8_t hash[YZ_TOKEN_HASH_BYTES];
    memset(hash, 1, sizeof hash); /* worker 0's (setup) */
    yz_worker a, b;
    cr_assert_eq(yz_store_worker_find(st, hash, &a, &ei), YZ_OK, "%s", ei.msg_en);
    cr_assert_eq(yz_store_worker_find_cached(st, hash, &b, &ei), YZ_OK, "%s", ei.msg_en);
    cr_assert(same_worker(&a, &b));
    cr_assert_eq(b.id, worker_id[0]);
    cr_assert_eq(b.occupation, YZ_OCC_RIDER);
    /* A token unknown to the store, in the same slot (same first four bytes): not found, and
     * still not found after a look-up of worker 0 filled the slot. */
    uint8_t other[YZ_TOKEN_HASH_BYTES];
    memset(other, 1, sizeof other);
    other[YZ_TOKEN_HASH_BYTES - 1] = 9;
    cr_assert_eq(yz_store_worker_find_cached(st, other, &b, &ei), YZ_ENOTFOUND);
    /* ... until it is stored: a miss is never remembered */
    yz_worker w = {.occupation = YZ_OCC_DRIVER, .expires_at = T0 + 86400};
    cr_assert_eq(yz_store_worker_create(st, other, &w, &ei), YZ_OK, "%s", ei.msg_en);
    cr_assert_eq(yz_store_worker_find_cached(st, other, &b, &ei), YZ_OK, "%s", ei.msg_en);
    cr_assert_eq(b.id, w.id);
    cr_assert_eq(b.occupation, YZ_OCC_DRIVER);
    cr_assert_eq(b.expires_at, T0 + 86400);
    /* Worker 0 lost its slot to it: found in the database again, the same. */
    cr_assert_eq(yz_store_worker_find_cached(st, hash, &b, &ei), YZ_OK, "%s", ei.msg_en);
    cr_assert(same_worker(&a, &b));
    /* Deleted by hand: the plain look-up sees it at once, the check-in's within
     * YZ_WORKER_CACHE_S seconds (it was just found, so now it is remembered). */
    sqlite3 *db;
    cr_assert_eq(sqlite3_open(path, &db), SQLITE_OK);
    char sql[96];
    snprintf(sql, sizeof sql, "DELETE FROM workers WHERE id = %lld", (long long)a.id);
    sqlite3_busy_timeout(db, 5000);
    cr_assert_eq(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK, "%s", sqlite3_errmsg(db));
    sqlite3_close(db);
    cr_assert_eq(yz_store_worker_find(st, hash, &b, &ei), YZ_ENOTFOUND);
    cr_assert_eq(yz_store_worker_find_cached(st, hash, &b, &ei), YZ_OK, "%s", ei.msg_en);
    cr_assert_eq(b.id, a.id);
}
