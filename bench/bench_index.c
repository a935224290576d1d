/* SPDX-License-Identifier: MIT */
/* bench/bench_index.c - the spatial index (src/geo/index.c) against SQLite's R*Tree on the same
 * 1,000,000 stations and the same queries, in the same run: per-query median and p99, their
 * ratio, build time and bytes per station, and a check that both give identical answers. */
#include "geo/coord.h"
#include "geo/index.h"

#include "core/err.h"

#include <errno.h>
#include <math.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PI 3.14159265358979323846
#define R_M YZ_INDEX_EARTH_RADIUS_M
#define WEEK_MIN 10080

/* Facility bits of the generated stations and the filter the benchmark asks for: toilet (70%)
 * and battery swap (14%), which about 10% of stations have. */
enum { FAC_WATER, FAC_TOILET, FAC_MICROWAVE, FAC_CHARGE, FAC_BATTERY_SWAP, FAC_WIFI, FAC_AC };
static const double fac_p[] = {0.9, 0.7, 0.5, 0.4, 0.14, 0.6, 0.5};
#define NFAC (sizeof(fac_p) / sizeof(fac_p[0]))
#define NEED ((1ULL << FAC_TOILET) | (1ULL << FAC_BATTERY_SWAP))

/* ---- options ----------------------------------------------------------------------------- */

typedef struct options {
    size_t n;         /* stations */
    size_t nq;        /* yizhan queries per case */
    size_t nq_sqlite; /* SQLite queries per case (the first ones of the same list) */
    uint64_t seed;
    size_t only_case; /* 1-based case number to run alone, 0 = all */
} options;

static int parse_size(const char *s, size_t *out)
{
    char *end = NULL;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || !end || *end || end == s)
        return -1;
    *out = (size_t)v;
    return 0;
}

static void usage(void)
{
    fprintf(stderr, "usage: bench_index [--stations N] [--queries N] [--sqlite-queries N] "
                    "[--seed N] [--case N]\n"
                    "  --sqlite-queries 0 skips SQLite; --case N runs only the N-th case\n");
    exit(2);
}

static options parse_args(int argc, char **argv)
{
    options o = {1000000, 200000, 2000, 20240601, 0};
    for (int i = 1; i < argc; i += 2) { /* every option takes one number */
        size_t v = 0;
        if (i + 1 >= argc || parse_size(argv[i + 1], &v))
            usage();
        if (!strcmp(argv[i], "--stations"))
            o.n = v;
        else if (!strcmp(argv[i], "--queries"))
            o.nq = v;
        else if (!strcmp(argv[i], "--sqlite-queries"))
            o.nq_sqlite = v;
        else if (!strcmp(argv[i], "--seed"))
            o.seed = v;
        else if (!strcmp(argv[i], "--case"))
            o.only_case = v;
        else
            usage();
    }
    if (o.nq_sqlite > o.nq)
        o.nq_sqlite = o.nq;
    if (o.n == 0 || o.nq == 0)
        usage();
    return o;
}

/* ---- deterministic random numbers -------------------------------------------------------- */

typedef struct rng {
    uint64_t s;
} rng;

static uint64_t rnd_u64(rng *r)
{
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL); /* splitmix64 */
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static double rnd_unit(rng *r)
{
    return (double)(rnd_u64(r) >> 11) * (1.0 / 9007199254740992.0);
}

static double rnd_range(rng *r, double a, double b)
{
    return a + (b - a) * rnd_unit(r);
}

static double rnd_gauss(rng *r)
{
    double u = fmax(rnd_unit(r), 1e-300), v = rnd_unit(r);
    return sqrt(-2.0 * log(u)) * cos(2.0 * PI * v);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* ---- the generated country --------------------------------------------------------------- */

/* Opening hours, in Asia/Shanghai local time (UTC+8), as minute-of-week bitmaps in UTC. */
typedef struct schedule {
    const char *name;
    double share;            /* of stations */
    int open_min, close_min; /* local minutes of the day; close may pass midnight */
    unsigned days;           /* bit d = weekday d opens, 0 = Monday */
    uint8_t utc_min[WEEK_MIN / 8];
} schedule;

static schedule scheds[] = {
    {"24/7", 0.30, 0, 1440, 0x7f, {0}},
    {"08:00-20:00", 0.25, 8 * 60, 20 * 60, 0x7f, {0}},
    {"06:00-22:00", 0.20, 6 * 60, 22 * 60, 0x7f, {0}},
    {"07:30-21:30", 0.10, 7 * 60 + 30, 21 * 60 + 30, 0x7f, {0}},
    {"Mo-Fr 09:00-18:00", 0.10, 9 * 60, 18 * 60, 0x1f, {0}},
    {"Mo-Sa 09:00-17:30", 0.05, 9 * 60, 17 * 60 + 30, 0x3f, {0}},
};
#define NSCHED (sizeof(scheds) / sizeof(scheds[0]))

/* Special stations (1%) are also closed on public holidays: days since the epoch listed here
 * (the 2025 Chinese holidays in the benchmark's week are enough to matter). */
static bool is_holiday(int64_t day_local)
{
    static const int64_t days[] = {20089, 20090, 20091, 20092, 20093}; /* 2025-01-01 + ... */
    for (size_t i = 0; i < sizeof(days) / sizeof(days[0]); i++) {
        if (days[i] == day_local)
            return true;
    }
    return false;
}

static void sched_compile(schedule *s)
{
    memset(s->utc_min, 0, sizeof(s->utc_min));
    for (int d = 0; d < 7; d++) {
        if (!((s->days >> d) & 1))
            continue;
        for (int m = s->open_min; m < s->close_min; m++) {
            int w = ((d * 1440 + m - 8 * 60) % WEEK_MIN + WEEK_MIN) % WEEK_MIN;
            s->utc_min[w / 8] |= (uint8_t)(1u << (w % 8));
        }
    }
}

static yz_index_sched sched_reduce(const schedule *s)
{
    yz_index_sched r;
    memset(&r, 0, sizeof(r));
    for (int h = 0; h < 168; h++) {
        int open = 0;
        for (int m = 0; m < 60; m++) {
            int w = h * 60 + m;
            open += (s->utc_min[w / 8] >> (w % 8)) & 1;
        }
        if (open == 60)
            r.sure[h / 8] |= (uint8_t)(1u << (h % 8));
        if (open)
            r.maybe[h / 8] |= (uint8_t)(1u << (h % 8));
    }
    return r;
}

/* The exact answer both engines use: the schedule's minute, and holidays for special ones. */
static bool open_exact(uint32_t sched, bool special, int64_t t)
{
    int64_t min = t / 60;                       /* t >= 0 here */
    int w = (int)((min + 3 * 1440) % WEEK_MIN); /* 1970-01-01 was a Thursday */
    if (!((scheds[sched].utc_min[w / 8] >> (w % 8)) & 1))
        return false;
    return !(special && is_holiday((t + 8 * 3600) / 86400));
}

typedef struct world {
    size_t n;
    yz_index_item *items;
    size_t ncity;
    double *city_lat, *city_lon, *city_sigma_deg, *city_cum; /* cumulative weights */
} world;

static bool cb_open_at(void *arg, uint32_t item, int64_t t)
{
    const world *w = arg;
    const yz_index_item *it = &w->items[item];
    return open_exact(it->sched, it->flags & YZ_INDEX_SPECIAL, t);
}

/* A point where people are: 85% in one of the cities (weighted by size, Gaussian around the
 * centre), 15% anywhere in the populated box of eastern and central China. */
static void place(const world *w, rng *r, double *lat, double *lon)
{
    if (rnd_unit(r) < 0.85) {
        double u = rnd_unit(r) * w->city_cum[w->ncity - 1];
        size_t lo = 0, hi = w->ncity - 1;
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            if (w->city_cum[mid] < u)
                lo = mid + 1;
            else
                hi = mid;
        }
        *lat = w->city_lat[lo] + w->city_sigma_deg[lo] * rnd_gauss(r);
        double sigma_lon = w->city_sigma_deg[lo] / cos(w->city_lat[lo] * PI / 180.0);
        *lon = w->city_lon[lo] + sigma_lon * rnd_gauss(r);
    } else {
        *lat = rnd_range(r, 20.0, 45.0);
        *lon = rnd_range(r, 98.0, 125.0);
    }
}

static void world_make(world *w, size_t n, uint64_t seed)
{
    rng r = {seed};
    for (size_t s = 0; s < NSCHED; s++)
        sched_compile(&scheds[s]);

    /* 400 cities with Zipf sizes; the largest spread over ~30 km, towns over ~4 km. */
    w->ncity = 400;
    w->city_lat = calloc(w->ncity, sizeof(double));
    w->city_lon = calloc(w->ncity, sizeof(double));
    w->city_sigma_deg = calloc(w->ncity, sizeof(double));
    w->city_cum = calloc(w->ncity, sizeof(double));
    double cum = 0;
    for (size_t c = 0; c < w->ncity; c++) {
        double weight = 1.0 / (double)(c + 1);
        w->city_lat[c] = rnd_range(&r, 22.0, 41.0);
        w->city_lon[c] = rnd_range(&r, 103.0, 121.5);
        w->city_sigma_deg[c] = (4.0 + 26.0 * sqrt(weight)) / 111.2;
        cum += weight;
        w->city_cum[c] = cum;
    }

    w->n = n;
    w->items = calloc(n, sizeof(yz_index_item));
    for (size_t i = 0; i < n; i++) {
        yz_index_item *it = &w->items[i];
        place(w, &r, &it->lat, &it->lon);
        for (size_t f = 0; f < NFAC; f++) {
            if (rnd_unit(&r) < fac_p[f])
                it->fac |= 1ULL << f;
        }
        double u = rnd_unit(&r), acc = 0;
        it->sched = NSCHED - 1;
        for (size_t s = 0; s < NSCHED; s++) {
            acc += scheds[s].share;
            if (u < acc) {
                it->sched = (uint32_t)s;
                break;
            }
        }
        double tu = rnd_unit(&r);
        it->tier = tu < 0.70 ? 0 : tu < 0.95 ? 1 : 2;
        it->flags = rnd_unit(&r) < 0.01 ? YZ_INDEX_SPECIAL : 0;
    }
}

static void world_free(world *w)
{
    free(w->items);
    free(w->city_lat);
    free(w->city_lon);
    free(w->city_sigma_deg);
    free(w->city_cum);
}

/* ---- SQLite R*Tree ----------------------------------------------------------------------- */

static void sql_ok(sqlite3 *db, int rc, const char *what)
{
    if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) {
        fprintf(stderr, "sqlite: %s: %s\n", what, sqlite3_errmsg(db));
        exit(1);
    }
}

static void sql_exec(sqlite3 *db, const char *sql)
{
    sql_ok(db, sqlite3_exec(db, sql, NULL, NULL, NULL), sql);
}

static void fn_open(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    uint32_t sched = (uint32_t)sqlite3_value_int(argv[0]);
    bool special = sqlite3_value_int(argv[1]) != 0;
    int64_t t = sqlite3_value_int64(argv[2]);
    sqlite3_result_int(ctx, open_exact(sched, special, t));
}

typedef struct sq {
    sqlite3 *db;
    sqlite3_stmt *plain;    /* box only */
    sqlite3_stmt *filtered; /* box + facilities + tier + open, in SQL */
} sq;

static sqlite3_stmt *sql_prepare(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st = NULL;
    sql_ok(db, sqlite3_prepare_v2(db, sql, -1, &st, NULL), sql);
    return st;
}

/* The R*Tree holds each station as a degenerate box in degrees (what SQLite users write); a
 * plain table holds the attributes the filter reads; the exact opening-hours test is a C
 * function called from SQL, the same code yizhan's callback runs. */
static sq sq_build(const world *w)
{
    sq s;
    sql_ok(NULL, sqlite3_open(":memory:", &s.db), "open");
    sql_exec(s.db, "CREATE TABLE st(id INTEGER PRIMARY KEY, lat REAL NOT NULL, lon REAL NOT NULL,"
                   " fac INTEGER NOT NULL, tier INTEGER NOT NULL, sched INTEGER NOT NULL,"
                   " special INTEGER NOT NULL)");
    sql_exec(s.db, "CREATE VIRTUAL TABLE rt USING rtree(id, minlat, maxlat, minlon, maxlon)");
    sql_exec(s.db, "BEGIN");
    sqlite3_stmt *ins_st = sql_prepare(s.db, "INSERT INTO st VALUES(?,?,?,?,?,?,?)");
    sqlite3_stmt *ins_rt = sql_prepare(s.db, "INSERT INTO rt VALUES(?,?,?,?,?)");
    for (size_t i = 0; i < w->n; i++) {
        const yz_index_item *it = &w->items[i];
        sqlite3_bind_int64(ins_st, 1, (sqlite3_int64)i);
        sqlite3_bind_double(ins_st, 2, it->lat);
        sqlite3_bind_double(ins_st, 3, it->lon);
        sqlite3_bind_int64(ins_st, 4, (sqlite3_int64)it->fac);
        sqlite3_bind_int(ins_st, 5, it->tier);
        sqlite3_bind_int(ins_st, 6, (int)it->sched);
        sqlite3_bind_int(ins_st, 7, (it->flags & YZ_INDEX_SPECIAL) != 0);
        sql_ok(s.db, sqlite3_step(ins_st), "insert st");
        sqlite3_reset(ins_st);
        sqlite3_bind_int64(ins_rt, 1, (sqlite3_int64)i);
        sqlite3_bind_double(ins_rt, 2, it->lat);
        sqlite3_bind_double(ins_rt, 3, it->lat);
        sqlite3_bind_double(ins_rt, 4, it->lon);
        sqlite3_bind_double(ins_rt, 5, it->lon);
        sql_ok(s.db, sqlite3_step(ins_rt), "insert rt");
        sqlite3_reset(ins_rt);
    }
    sqlite3_finalize(ins_st);
    sqlite3_finalize(ins_rt);
    sql_exec(s.db, "COMMIT");
    sql_ok(s.db,
           sqlite3_create_function(s.db, "yz_open", 3, SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL,
                                   fn_open, NULL, NULL),
           "create function");
    /* R*Tree boxes are 32-bit floats rounded outward, so the overlap test never misses a point
     * inside the double-precision box. */
    s.plain = sql_prepare(s.db, "SELECT st.id, st.lat, st.lon FROM rt JOIN st ON st.id = rt.id"
                                " WHERE rt.maxlat >= ?1 AND rt.minlat <= ?2"
                                " AND rt.maxlon >= ?3 AND rt.minlon <= ?4");
    s.filtered = sql_prepare(s.db, "SELECT st.id, st.lat, st.lon FROM rt JOIN st ON st.id = rt.id"
                                   " WHERE rt.maxlat >= ?1 AND rt.minlat <= ?2"
                                   " AND rt.maxlon >= ?3 AND rt.minlon <= ?4"
                                   " AND (st.fac & ?5) = ?5 AND (?6 >> st.tier) & 1"
                                   " AND (?7 = 0 OR yz_open(st.sched, st.special, ?8))");
    return s;
}

static void sq_free(sq *s)
{
    if (!s->db)
        return;
    sqlite3_finalize(s->plain);
    sqlite3_finalize(s->filtered);
    sqlite3_close(s->db);
}

static int hit_cmp(const void *a, const void *b)
{
    const yz_index_hit *x = a, *y = b;
    if (x->distance_m != y->distance_m)
        return x->distance_m < y->distance_m ? -1 : 1;
    return x->item < y->item ? -1 : x->item > y->item;
}

/* Candidates of one box query inside the circle, appended to a growable array. */
typedef struct cands {
    yz_index_hit *v;
    size_t n, cap;
} cands;

static void box_query(sq *s, const yz_index_query *q, double r_m, cands *c)
{
    double dlat = r_m / R_M * 180.0 / PI;
    double lat_lo = q->at.lat - dlat, lat_hi = q->at.lat + dlat;
    double maxabs = fmax(fabs(lat_lo), fabs(lat_hi));
    double dlon = maxabs >= 89.9 ? 360.0 : dlat / cos(maxabs * PI / 180.0);
    /* The generated stations are all in China: the box never crosses the antimeridian. */
    double lon_lo = fmax(q->at.lon - dlon, -180.0), lon_hi = fmin(q->at.lon + dlon, 180.0);
    bool filter = q->need || q->tier_mask || q->open;
    sqlite3_stmt *st = filter ? s->filtered : s->plain;
    sqlite3_bind_double(st, 1, lat_lo);
    sqlite3_bind_double(st, 2, lat_hi);
    sqlite3_bind_double(st, 3, lon_lo);
    sqlite3_bind_double(st, 4, lon_hi);
    if (filter) {
        sqlite3_bind_int64(st, 5, (sqlite3_int64)q->need);
        sqlite3_bind_int(st, 6, q->tier_mask ? q->tier_mask : 0xff);
        sqlite3_bind_int(st, 7, q->open);
        sqlite3_bind_int64(st, 8, q->t);
    }
    c->n = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        yz_point p = {sqlite3_column_double(st, 1), sqlite3_column_double(st, 2)};
        double d = yz_coord_distance_m(q->at, p);
        if (d > r_m)
            continue;
        if (c->n == c->cap) {
            c->cap = c->cap ? 2 * c->cap : 256;
            c->v = realloc(c->v, c->cap * sizeof(*c->v));
        }
        c->v[c->n].item = (uint32_t)sqlite3_column_int64(st, 0);
        c->v[c->n].distance_m = d;
        c->n++;
    }
    sql_ok(s->db, rc, "query");
    sqlite3_reset(st);
}

/* The same search as yz_index_nearest: a radius query is one box; k nearest grows the box from
 * 1 km, doubling, until k stations passing the filter lie inside the circle. */
static size_t sq_nearest(sq *s, const yz_index_query *q, cands *c, yz_index_hit *out)
{
    double r = q->radius_m > 0 ? q->radius_m : 1000.0;
    for (;;) {
        box_query(s, q, r, c);
        if (c->n >= q->k || q->radius_m > 0 || r > PI * R_M)
            break;
        r *= 2;
    }
    qsort(c->v, c->n, sizeof(*c->v), hit_cmp);
    size_t n = c->n < q->k ? c->n : q->k;
    memcpy(out, c->v, n * sizeof(*out));
    return n;
}

/* ---- measurement ------------------------------------------------------------------------- */

static int dbl_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

typedef struct stats {
    double med_us, p99_us;
} stats;

static stats summarize(double *samples, size_t n)
{
    qsort(samples, n, sizeof(double), dbl_cmp);
    stats s = {samples[n / 2] * 1e6, samples[(size_t)((double)n * 0.99)] * 1e6};
    return s;
}

/* Same answers: equal counts, equal distances within 1 um, equal items unless the distances
 * tie within 1 um (then either order is right). */
static bool same_answer(const yz_index_hit *a, size_t na, const yz_index_hit *b, size_t nb)
{
    if (na != nb)
        return false;
    for (size_t i = 0; i < na; i++) {
        if (fabs(a[i].distance_m - b[i].distance_m) > 1e-6)
            return false;
        if (a[i].item != b[i].item) {
            bool tie = (i > 0 && fabs(b[i - 1].distance_m - b[i].distance_m) <= 1e-6) ||
                       (i + 1 < nb && fabs(b[i + 1].distance_m - b[i].distance_m) <= 1e-6);
            if (!tie)
                return false;
        }
    }
    return true;
}

typedef struct bcase {
    const char *name;
    size_t k;
    double radius_m;
    bool filter; /* facilities toilet + battery swap, and open at the query's time */
} bcase;

static const bcase cases[] = {
    {"k=1", 1, 0, false},
    {"k=10", 10, 0, false},
    {"k=10 filter+open", 10, 0, true},
    {"1 km, k<=100", 100, 1000, false},
    {"1 km, k<=100 filter+open", 100, 1000, true},
    {"3 km, k<=100", 100, 3000, false},
    {"3 km, k<=100 filter+open", 100, 3000, true},
};

int main(int argc, char **argv)
{
    options o = parse_args(argc, argv);
    world w;
    memset(&w, 0, sizeof(w));
    world_make(&w, o.n, o.seed);

    yz_index_sched isched[NSCHED];
    for (size_t s = 0; s < NSCHED; s++)
        isched[s] = sched_reduce(&scheds[s]);

    /* yizhan build: median of three */
    double bt[3];
    yz_index *ix = NULL;
    for (int i = 0; i < 3; i++) {
        yz_index_free(ix);
        double t0 = now_s();
        if (yz_index_build(w.items, w.n, isched, NSCHED, &ix) != YZ_OK) {
            fprintf(stderr, "build failed\n");
            return 1;
        }
        bt[i] = now_s() - t0;
    }
    qsort(bt, 3, sizeof(double), dbl_cmp);
    size_t mem = yz_index_memory(ix);

    /* --sqlite-queries 0 skips SQLite altogether (a quick look at yizhan alone). */
    double t0 = now_s();
    sq s = {NULL, NULL, NULL};
    if (o.nq_sqlite)
        s = sq_build(&w);
    double sq_build_s = now_s() - t0;
    sqlite3_int64 sq_mem = sqlite3_memory_used();

    /* Query points from the same distribution; times uniform over one week of 2025
     * (Monday 2025-01-06 00:00 UTC onwards) so day and night both count. */
    rng r = {o.seed ^ 0x51ed270b27a5f3c1ULL};
    yz_point *at = malloc(o.nq * sizeof(*at));
    int64_t *tq = malloc(o.nq * sizeof(*tq));
    for (size_t i = 0; i < o.nq; i++) {
        place(&w, &r, &at[i].lat, &at[i].lon);
        tq[i] = 1736121600 + (int64_t)(rnd_unit(&r) * 7 * 86400);
    }

    /* What the filter lets through, measured on the data: facilities over all stations, open
     * over a sample of stations at the first query times. */
    size_t fac_pass = 0, open_pass = 0, open_tries = 0;
    for (size_t i = 0; i < w.n; i++)
        fac_pass += (w.items[i].fac & NEED) == NEED;
    for (size_t i = 0; i < o.nq && i < 1000; i++) {
        for (size_t j = 0; j < w.n; j += w.n / 1000 + 1) {
            const yz_index_item *it = &w.items[j];
            open_pass += open_exact(it->sched, it->flags & YZ_INDEX_SPECIAL, tq[i]);
            open_tries++;
        }
    }

    printf("yizhan index vs SQLite %s R*Tree: %zu stations, %zu yizhan and %zu SQLite "
           "queries per case (single thread, -O2)\n",
           sqlite3_libversion(), o.n, o.nq, o.nq_sqlite);
    printf("data: 400 cities (Zipf sizes) + 15%% rural, seed %llu; filter = toilet + battery swap "
           "(%.1f%% of stations) and open at the query's time (%.0f%% on average over a week)\n",
           (unsigned long long)o.seed, 100.0 * (double)fac_pass / (double)w.n,
           100.0 * (double)open_pass / (double)(open_tries ? open_tries : 1));
    printf("SQLite: in-memory rtree(lat, lon) joined to a table of attributes, filter in SQL; "
           "k nearest by boxes from 1 km, doubling until k hits lie in the circle\n");
    printf("build: yizhan %.3f s (median of 3; min %.3f), SQLite %.3f s\n", bt[1], bt[0],
           sq_build_s);
    printf("memory: yizhan %zu bytes = %.2f bytes/station; SQLite heap %.2f bytes/station\n\n", mem,
           (double)mem / (double)o.n, (double)sq_mem / (double)o.n);
    printf("%-26s %9s %9s %10s %10s %9s %8s %7s %s\n", "case", "yz med", "yz p99", "sq med",
           "sq p99", "yz/sq", "speedup", "hits", "answers");
    printf("%-26s %9s %9s %10s %10s %9s %8s %7s\n", "", "(us)", "(us)", "(us)", "(us)", "(median)",
           "", "(mean)");

    double *samples = malloc(o.nq * sizeof(double));
    yz_index_hit *yz_hits = malloc(o.nq_sqlite * YZ_INDEX_MAX_K * sizeof(yz_index_hit));
    size_t *yz_counts = malloc(o.nq_sqlite * sizeof(size_t));
    cands c = {NULL, 0, 0};
    int mismatches_total = 0;
    for (size_t ci = 0; ci < sizeof(cases) / sizeof(cases[0]); ci++) {
        const bcase *bc = &cases[ci];
        if (o.only_case && o.only_case != ci + 1)
            continue;
        yz_index_query q;
        memset(&q, 0, sizeof(q));
        q.k = bc->k;
        q.radius_m = bc->radius_m;
        if (bc->filter) {
            q.need = NEED;
            q.open = true;
            q.open_at = cb_open_at;
            q.arg = &w;
        }

        /* yizhan: every query timed alone */
        size_t total_hits = 0;
        yz_index_hit hits[YZ_INDEX_MAX_K];
        for (size_t i = 0; i < o.nq; i++) {
            q.at = at[i];
            q.t = tq[i];
            size_t n = 0;
            double a = now_s();
            int err = yz_index_nearest(ix, &q, hits, &n);
            samples[i] = now_s() - a;
            if (err) {
                fprintf(stderr, "query failed: %d\n", err);
                return 1;
            }
            total_hits += n;
            if (i < o.nq_sqlite) {
                memcpy(yz_hits + i * YZ_INDEX_MAX_K, hits, n * sizeof(*hits));
                yz_counts[i] = n;
            }
        }
        stats ys = summarize(samples, o.nq);

        /* SQLite: the first nq_sqlite of the same queries */
        int mismatches = 0;
        for (size_t i = 0; i < o.nq_sqlite; i++) {
            q.at = at[i];
            q.t = tq[i];
            double a = now_s();
            size_t n = sq_nearest(&s, &q, &c, hits);
            samples[i] = now_s() - a;
            if (!same_answer(yz_hits + i * YZ_INDEX_MAX_K, yz_counts[i], hits, n)) {
                if (mismatches < 3) {
                    fprintf(stderr,
                            "mismatch: case %s query %zu (%.6f,%.6f t=%lld): yizhan %zu"
                            " hits, SQLite %zu\n",
                            bc->name, i, q.at.lat, q.at.lon, (long long)q.t, yz_counts[i], n);
                }
                mismatches++;
            }
        }
        mismatches_total += mismatches;
        double mean_hits = (double)total_hits / (double)o.nq;
        if (!o.nq_sqlite) {
            printf("%-26s %9.2f %9.2f %10s %10s %9s %8s %7.1f %s\n", bc->name, ys.med_us, ys.p99_us,
                   "-", "-", "-", "-", mean_hits, "not compared");
            continue;
        }
        stats ss = summarize(samples, o.nq_sqlite);
        char ans[32];
        if (mismatches)
            snprintf(ans, sizeof(ans), "%d DIFFER", mismatches);
        else
            snprintf(ans, sizeof(ans), "identical");
        printf("%-26s %9.2f %9.2f %10.1f %10.1f %9.5f %7.0fx %7.1f %s\n", bc->name, ys.med_us,
               ys.p99_us, ss.med_us, ss.p99_us, ys.med_us / ss.med_us, ss.med_us / ys.med_us,
               mean_hits, ans);
        fflush(stdout);
    }

    free(c.v);
    free(samples);
    free(yz_hits);
    free(yz_counts);
    free(at);
    free(tq);
    sq_free(&s);
    yz_index_free(ix);
    world_free(&w);
    return mismatches_total ? 1 : 0;
}
