/* SPDX-License-Identifier: MIT */
/* bench/gen_data.c - the data set of the peers benchmark (bench/bench_peers.sh): N stations
 * clustered like real cities and query points from the same distribution, written once for
 * every system so that all of them load the very same positions (printed with 7 decimals,
 * which every loader parses to the same double):
 *   stations.csv     yizhan's import format (`yizhan import --db DB stations.csv`)
 *   stations.pg      PostgreSQL COPY text: id, code, facility mask, EWKT point
 *   stations.redis   Redis protocol for `redis-cli --pipe`: GEOADD in batches
 *   queries.tsv      id, lat, lon of the query points (1-based ids)
 *   queries.pg       PostgreSQL COPY text of the same: id, EWKT point
 *   queries.redis    Redis protocol: HSET q id "lon lat" for the scripts that pick a point
 * The city model is the one of bench/bench_index.c: 400 cities with Zipf sizes, Gaussian
 * around their centres (the largest ~30 km, towns ~4 km), and 15% of everything rural.
 * usage: gen_data --stations N --queries N --seed N --out DIR */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PI 3.14159265358979323846
#define NCITY 400
#define NDISTRICT 100
#define REDIS_BATCH 1000

/* Facilities by yizhan's codes and bits (src/model/facility.c), with the share of stations
 * that have each. toilet (bit 3) and battery_swap (bit 9) are the benchmark's filter. */
typedef struct fac {
    const char *code;
    int bit;
    double p;
} fac;

static const fac facs[] = {
    {"drinking_water", 0, 0.90}, {"hot_water", 1, 0.60},      {"microwave", 2, 0.50},
    {"toilet", 3, 0.70},         {"air_conditioning", 4, 0.60}, {"seating", 6, 0.85},
    {"phone_charging", 7, 0.80}, {"ebike_charging", 8, 0.40}, {"battery_swap", 9, 0.14},
    {"first_aid", 10, 0.50},     {"wifi", 14, 0.60},          {"umbrella", 15, 0.30},
    {"accessible", 18, 0.20},
};
#define NFAC (sizeof(facs) / sizeof(facs[0]))

/* Opening hours as OSM strings yizhan parses, with their shares. */
static const struct {
    const char *oh;
    double share;
} hours[] = {
    {"24/7", 0.30},
    {"Mo-Su 08:00-20:00", 0.25},
    {"Mo-Su 06:00-22:00", 0.20},
    {"Mo-Su 07:30-21:30", 0.10},
    {"Mo-Fr 09:00-18:00", 0.10},
    {"Mo-Sa 09:00-17:30", 0.05},
};
#define NHOURS (sizeof(hours) / sizeof(hours[0]))

static const char *const tiers[] = {"basic", "benchmark", "smart24h"};
static const char *const partners[] = {"union", "community", "china_tower", "convenience_store",
                                       "gas_station"};

/* ---- deterministic random numbers (splitmix64, as bench_index.c) ------------------------- */

typedef struct rng {
    uint64_t s;
} rng;

static uint64_t rnd_u64(rng *r)
{
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);
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

/* ---- the generated country --------------------------------------------------------------- */

typedef struct world {
    double lat[NCITY], lon[NCITY], sigma_deg[NCITY], cum[NCITY];
} world;

static void world_make(world *w, rng *r)
{
    double cum = 0;
    for (size_t c = 0; c < NCITY; c++) {
        double weight = 1.0 / (double)(c + 1);
        w->lat[c] = rnd_range(r, 22.0, 41.0);
        w->lon[c] = rnd_range(r, 103.0, 121.5);
        w->sigma_deg[c] = (4.0 + 26.0 * sqrt(weight)) / 111.2;
        cum += weight;
        w->cum[c] = cum;
    }
}

/* A point where people are: 85% in a city (by size, Gaussian around the centre), 15% anywhere
 * in the populated box of eastern and central China. Returns the city, or NCITY when rural. */
static size_t place(const world *w, rng *r, double *lat, double *lon)
{
    if (rnd_unit(r) < 0.85) {
        double u = rnd_unit(r) * w->cum[NCITY - 1];
        size_t lo = 0, hi = NCITY - 1;
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            if (w->cum[mid] < u)
                lo = mid + 1;
            else
                hi = mid;
        }
        *lat = w->lat[lo] + w->sigma_deg[lo] * rnd_gauss(r);
        *lon = w->lon[lo] + w->sigma_deg[lo] / cos(w->lat[lo] * PI / 180.0) * rnd_gauss(r);
        return lo;
    }
    *lat = rnd_range(r, 20.0, 45.0);
    *lon = rnd_range(r, 98.0, 125.0);
    return NCITY;
}

/* ---- output ------------------------------------------------------------------------------- */

static FILE *open_out(const char *dir, const char *name)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "gen_data: %s: %s\n", path, strerror(errno));
        exit(1);
    }
    return f;
}

static void close_out(FILE *f)
{
    if (ferror(f) || fclose(f)) {
        fprintf(stderr, "gen_data: write error\n");
        exit(1);
    }
}

/* One bulk string of the Redis protocol. */
static void resp_str(FILE *f, const char *s)
{
    fprintf(f, "$%zu\r\n%s\r\n", strlen(s), s);
}

static int parse_size(const char *s, unsigned long long *out)
{
    char *end = NULL;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || !end || *end || end == s)
        return -1;
    *out = v;
    return 0;
}

static void usage(void)
{
    fprintf(stderr, "usage: gen_data --stations N --queries N [--seed N] --out DIR\n");
    exit(2);
}

int main(int argc, char **argv)
{
    unsigned long long n = 0, nq = 0, seed = 20240601;
    const char *dir = NULL;
    for (int i = 1; i < argc; i += 2) {
        if (i + 1 >= argc)
            usage();
        if (!strcmp(argv[i], "--out")) {
            dir = argv[i + 1];
            continue;
        }
        unsigned long long v = 0;
        if (parse_size(argv[i + 1], &v))
            usage();
        if (!strcmp(argv[i], "--stations"))
            n = v;
        else if (!strcmp(argv[i], "--queries"))
            nq = v;
        else if (!strcmp(argv[i], "--seed"))
            seed = v;
        else
            usage();
    }
    if (!dir || n == 0 || nq == 0 || n > 99999999)
        usage();

    rng r = {seed};
    static world w;
    world_make(&w, &r);

    FILE *csv = open_out(dir, "stations.csv");
    FILE *pg = open_out(dir, "stations.pg");
    FILE *rd = open_out(dir, "stations.redis");
    fputs("code,name,address,district_code,district_name,lat,lon,crs,tier,partner_kind,"
          "partner_name,facilities,opening_hours,status,phone,seats,livelihood,batch\n",
          csv);
    char code[16], slat[32], slon[32];
    for (unsigned long long i = 0; i < n; i++) {
        double lat, lon;
        size_t city = place(&w, &r, &lat, &lon);
        uint64_t mask = 0;
        char fl[512];
        size_t fn = 0;
        fl[0] = 0;
        for (size_t f = 0; f < NFAC; f++) {
            if (rnd_unit(&r) < facs[f].p) {
                mask |= 1ULL << facs[f].bit;
                fn += (size_t)snprintf(fl + fn, sizeof fl - fn, "%s%s", fn ? ";" : "",
                                       facs[f].code);
            }
        }
        double u = rnd_unit(&r), acc = 0;
        size_t h = NHOURS - 1;
        for (size_t s = 0; s < NHOURS; s++) {
            acc += hours[s].share;
            if (u < acc) {
                h = s;
                break;
            }
        }
        double tu = rnd_unit(&r);
        int tier = tu < 0.70 ? 0 : tu < 0.95 ? 1 : 2;
        size_t partner = (size_t)(rnd_u64(&r) % (sizeof partners / sizeof partners[0]));
        int seats = 2 + (int)(rnd_u64(&r) % 30);
        unsigned district = (unsigned)(city % NDISTRICT);
        snprintf(code, sizeof code, "S%08llu", i + 1);
        snprintf(slat, sizeof slat, "%.7f", lat);
        snprintf(slon, sizeof slon, "%.7f", lon);
        fprintf(csv,
                "%s,职工驿站 %llu 号,第 %u 区 %llu 号,D%03u,第 %u 区,%s,%s,wgs84,%s,%s,,%s,%s,"
                "open,,%d,%s,\n",
                code, i + 1, district, i + 1, district, district, slat, slon, tiers[tier],
                partners[partner], fl, hours[h].oh, seats, (i % 5 == 0) ? "true" : "false");
        fprintf(pg, "%llu\t%s\t%llu\tSRID=4326;POINT(%s %s)\n", i + 1, code,
                (unsigned long long)mask, slon, slat);
        if (i % REDIS_BATCH == 0) {
            unsigned long long m = n - i < REDIS_BATCH ? n - i : REDIS_BATCH;
            fprintf(rd, "*%llu\r\n", 2 + 3 * m);
            resp_str(rd, "GEOADD");
            resp_str(rd, "st");
        }
        resp_str(rd, slon);
        resp_str(rd, slat);
        resp_str(rd, code);
    }
    close_out(csv);
    close_out(pg);
    close_out(rd);

    /* Query points from the same distribution, from a stream of their own. */
    rng rq = {seed ^ 0x5bd1e995ULL};
    FILE *qt = open_out(dir, "queries.tsv");
    FILE *qp = open_out(dir, "queries.pg");
    FILE *qr = open_out(dir, "queries.redis");
    for (unsigned long long i = 1; i <= nq; i++) {
        double lat, lon;
        place(&w, &rq, &lat, &lon);
        snprintf(slat, sizeof slat, "%.7f", lat);
        snprintf(slon, sizeof slon, "%.7f", lon);
        fprintf(qt, "%llu\t%s\t%s\n", i, slat, slon);
        fprintf(qp, "%llu\tSRID=4326;POINT(%s %s)\n", i, slon, slat);
        char id[24], pos[64];
        snprintf(id, sizeof id, "%llu", i);
        snprintf(pos, sizeof pos, "%s %s", slon, slat);
        fputs("*4\r\n", qr);
        resp_str(qr, "HSET");
        resp_str(qr, "q");
        resp_str(qr, id);
        resp_str(qr, pos);
    }
    close_out(qt);
    close_out(qp);
    close_out(qr);
    return 0;
}
