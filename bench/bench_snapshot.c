/* SPDX-License-Identifier: MIT */
/* bench/bench_snapshot.c - building the catalog snapshot of N stations (default 1,000,000):
 * compiling hours, the spatial index, the text index and the fragments' shared parts, as a
 * full reload or a compaction does at nation scale. Prints the build time, the index bytes per
 * station and the in-process cost of a k=10 nearby query with a facility filter and open-now
 * through the catalog; then incremental snapshots (docs/internals/catalog.md, "Writes"): the
 * time from a station write's store commit to its view being published, nearby with a delta
 * of 0, 100 and 4,096 stations, and the compaction of a 4,096-station delta.
 * Usage: bench_snapshot [N [queries]]   (make test runs a quick one: 5,000 stations) */
#include "state/state.h"
#include "catalog/catalog.h"
#include "catalog/overlay.h"
#include "core/alloc.h"
#include "model/facility.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static uint64_t rng = 0x9e3779b97f4a7c15ULL;
static uint64_t next(void)
{
    uint64_t z = (rng += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}
static double unit(void)
{
    return (double)(next() >> 11) / 9007199254740992.0;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

typedef struct nearby_stats {
    double median_us, p99_us, results;
} nearby_stats;

static int toilet_bit;

/* Q nearby queries at (lat[q], lon[q]) through `snap`; lat_ns is scratch for Q. */
static nearby_stats run_nearby(const yz_snap *snap, const double *lat, const double *lon, size_t Q,
                               double *lat_ns, int toilet, int swap)
{
    yz_nearby_hit hits[10];
    size_t got = 0, nh;
    for (size_t q = 0; q < Q; q++) {
        yz_nearby_query nq = {.at = {lat[q], lon[q]}, .k = 10, .district = -1,
                              .need = (UINT64_C(1) << toilet) | (UINT64_C(1) << swap),
                              .open_now = true, .t = 1795996800 + (int64_t)(q % 168) * 3600};
        double a = now_s();
        yz_snap_nearby(snap, &nq, hits, &nh);
        lat_ns[q] = (now_s() - a) * 1e9;
        got += nh;
    }
    qsort(lat_ns, Q, sizeof *lat_ns, cmp_double);
    return (nearby_stats){lat_ns[Q / 2] / 1e3, lat_ns[Q * 99 / 100] / 1e3, (double)got / (double)Q};
}

/* Nearby through each of snaps[0..ns), interleaved in rounds so that a shared machine's load
 * falls on all alike: the thread's CPU time a query, and the median and p99 of its latency. */
static void compare_nearby(yz_snap *const *snaps, const char *const *names, int ns,
                           const double *lat, const double *lon, size_t Q, int toilet, int swap)
{
    enum { ROUNDS = 10, MAXS = 4 };
    double cpu[MAXS] = {0};
    double *lat_ns[MAXS];
    size_t chunk = Q / ROUNDS;
    for (int k = 0; k < ns; k++)
        lat_ns[k] = yz_malloc(chunk * ROUNDS * sizeof *lat_ns[k]);
    for (int r = 0; r < ROUNDS; r++) {
        for (int k = 0; k < ns; k++) {
            double c0 = cpu_s();
            run_nearby(snaps[k], lat + r * chunk, lon + r * chunk, chunk, lat_ns[k] + r * chunk,
                       toilet, swap);
            cpu[k] += cpu_s() - c0;
        }
    }
    printf("  nearby as above, the snapshots interleaved (%zu queries each):\n", chunk * ROUNDS);
    for (int k = 0; k < ns; k++) {
        size_t n = chunk * ROUNDS;
        qsort(lat_ns[k], n, sizeof *lat_ns[k], cmp_double);
        double cpu_us = cpu[k] / (double)n * 1e6, cpu0 = cpu[0] / (double)n * 1e6;
        printf("    %-30s CPU %.2f us a query (%+.0f%%)   median %.2f us   p99 %.2f us\n",
               names[k], cpu_us, (cpu_us / cpu0 - 1) * 100, lat_ns[k][n / 2] / 1e3,
               lat_ns[k][n * 99 / 100] / 1e3);
        yz_free(lat_ns[k]);
    }
}

/* A copy of a station of `state` picked by k, renamed, moved a little and given a facility:
 * what an admin's edit does. */
static void edited(yz_state *state, yz_station *st, int k)
{
    const yz_state_view *v = yz_state_acquire(state);
    const yz_snap *s = yz_state_snap(v);
    size_t n = yz_snap_count(s);
    yz_station_copy(st, yz_snap_station(s, (size_t)((uint64_t)k * 2654435761u % n)));
    yz_state_release(state, v);
    char buf[96];
    snprintf(buf, sizeof buf, "改名驿站%d号", k);
    yz_free(st->name);
    st->name = yz_strdup(buf);
    st->lat += 0.001;
    st->facilities |= UINT64_C(1) << toilet_bit;
}

int main(int argc, char **argv)
{
    size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000000;
    static const char *hours[] = {"24/7", "Mo-Su 07:00-21:00", "Mo-Fr 08:00-20:00; Sa,Su 09:00-18:00",
                                  "06:00-22:00", "Mo-Su 18:00-02:00", "Mo-Sa 08:00-12:00,13:30-18:00; PH off"};
    static const char *roads[] = {"人民路", "解放路", "车站大道", "学院路", "府东路", "江滨路", "新城大道"};
    /* 300 city centres over China, stations clustered around them. */
    double cl[300][2];
    for (int c = 0; c < 300; c++) {
        cl[c][0] = 22 + unit() * 18;
        cl[c][1] = 103 + unit() * 19;
    }
    yz_snap_input in = {0};
    in.n_facilities = yz_facility_seed_count;
    in.facilities = yz_calloc(in.n_facilities, sizeof *in.facilities);
    for (size_t i = 0; i < in.n_facilities; i++) {
        const yz_facility_seed *f = &yz_facility_seeds[i];
        in.facilities[i] = (yz_facility){yz_strdup(f->code), yz_strdup(f->label),
                                         yz_strdup(f->label_hant), yz_strdup(f->label_en), f->bit, NULL};
    }
    in.n_districts = 300;
    in.districts = yz_calloc(300, sizeof *in.districts);
    char buf[128];
    for (int c = 0; c < 300; c++) {
        snprintf(buf, sizeof buf, "%06d", 110000 + c);
        in.districts[c].code = yz_strdup(buf);
        snprintf(buf, sizeof buf, "第%d区", c);
        in.districts[c].name = yz_strdup(buf);
        in.districts[c].name_hant = yz_strdup(buf);
    }
    in.n_stations = n;
    in.stations = yz_calloc(n, sizeof *in.stations);
    int toilet = yz_facility_seed_bit("toilet"), swap = yz_facility_seed_bit("battery_swap");
    toilet_bit = toilet;
    for (size_t i = 0; i < n; i++) {
        yz_station *s = &in.stations[i];
        yz_station_init(s);
        int c = (int)(next() % 300);
        double r = 0.002 + unit() * 0.15 * (unit() < 0.9 ? 0.3 : 1.0), a = unit() * 6.2831853;
        s->id = (int64_t)i + 1;
        snprintf(buf, sizeof buf, "S%07zu", i);
        s->code = yz_strdup(buf);
        snprintf(buf, sizeof buf, "%s%zu号户外劳动者驿站", roads[i % 7], i % 997);
        s->name = yz_strdup(buf);
        snprintf(buf, sizeof buf, "第%d区%s%zu号", c, roads[(i / 7) % 7], i % 1999);
        s->address = yz_strdup(buf);
        s->district_code = yz_strdup(in.districts[c].code);
        s->lat = cl[c][0] + r * cos(a);
        s->lon = cl[c][1] + r * sin(a);
        s->opening_hours = yz_strdup(hours[next() % 6]);
        s->facilities = (UINT64_C(1) << 0) | (UINT64_C(1) << 6);
        if (unit() < 0.6)
            s->facilities |= UINT64_C(1) << toilet;
        if (unit() < 0.17)
            s->facilities |= UINT64_C(1) << swap;
        s->tier = (int)(next() % 3);
    }
    yz_textnorm *norm = yz_state_thread_norm();
    yz_snap *snap = NULL;
    yz_errinfo ei;
    double t0 = now_s();
    if (yz_snap_build(&in, norm, &snap, &ei)) {
        fprintf(stderr, "build failed: %s\n", ei.msg_en);
        return 1;
    }
    double t1 = now_s();
    /* nearby through the catalog: k=10, toilet + battery swap (~10%), open now */
    size_t Q = argc > 2 ? strtoul(argv[2], NULL, 10) : 200000;
    if (Q < 100)
        Q = 100;
    double *lat = yz_malloc(Q * sizeof *lat), *lon = yz_malloc(Q * sizeof *lon);
    for (size_t q = 0; q < Q; q++) {
        int c = (int)(next() % 300);
        lat[q] = cl[c][0] + (unit() - 0.5) * 0.1;
        lon[q] = cl[c][1] + (unit() - 0.5) * 0.1;
    }
    double *lat_ns = yz_malloc(Q * sizeof *lat_ns);
    nearby_stats base = run_nearby(snap, lat, lon, Q, lat_ns, toilet, swap);
    printf("snapshot of %zu stations\n", n);
    printf("  build (hours, index, text, JSON)  %8.2f s   (target < 2 s)\n", t1 - t0);
    printf("  spatial index  %8.1f bytes a station (target < 64)\n",
           (double)yz_snap_index_bytes(snap) / (double)n);
    printf("  text index     %8.1f bytes a station\n", (double)yz_snap_text_bytes(snap) / (double)n);
    printf("  nearby k=10 need=toilet,battery_swap open_now, through the catalog:\n");
    printf("    median %.2f us   p99 %.2f us   (%.1f results a query)\n", base.median_us,
           base.p99_us, base.results);

    /* --- incremental snapshots ---------------------------------------------------------- */
    /* A write as the API makes it once the store has committed: lock, a new delta, publish,
     * unlock (the compaction is kept out of the way here and measured on its own below). */
    yz_snap *plain = yz_snap_ref(snap); /* the base alone, for the comparison below */
    yz_state *state = yz_state_new(NULL, snap);
    yz_state_set_compaction(state, (size_t)-1, 3600u * 1000);
    enum { W = 100 };
    double w_ms[W], w_cpu = 0;
    for (int w = 0; w < W; w++) {
        yz_station st;
        edited(state, &st, w);
        double a = now_s(), c = cpu_s();
        yz_state_lock(state);
        yz_state_republish(state, &st, 0);
        yz_state_unlock(state);
        w_ms[w] = (now_s() - a) * 1e3;
        w_cpu += cpu_s() - c;
        yz_station_fini(&st);
    }
    qsort(w_ms, W, sizeof *w_ms, cmp_double);
    printf("incremental snapshots (docs/internals/catalog.md, \"Writes\"):\n");
    printf("  a station write, store commit to published view, delta 0 -> %d:\n", W);
    printf("    median %.2f ms   p99 %.2f ms   max %.2f ms   CPU %.2f ms a write   (target <= 50 ms)\n",
           w_ms[W / 2], w_ms[W * 99 / 100], w_ms[W - 1], w_cpu / W * 1e3);
    const yz_state_view *v = yz_state_acquire(state);
    yz_snap *d100 = yz_snap_ref(yz_state_snap(v));
    yz_state_release(state, v);
    /* A delta of 4,096 stations (the compaction's default threshold), written as one batch
     * and then one at a time on top of it. */
    enum { BIG = 4096 - W };
    yz_station *ups = yz_calloc(BIG, sizeof *ups);
    for (int k = 0; k < BIG; k++)
        edited(state, &ups[k], W + k);
    yz_snap *d4k = NULL;
    yz_errinfo ei2;
    if (yz_snap_apply_many(d100, ups, BIG, NULL, 0, norm, &d4k, &ei2)) {
        fprintf(stderr, "apply failed: %s\n", ei2.msg_en);
        return 1;
    }
    for (int k = 0; k < BIG; k++)
        yz_station_fini(&ups[k]);
    yz_free(ups);
    enum { W2 = 20 };
    double w2_ms[W2], w2_cpu = 0;
    for (int w = 0; w < W2; w++) {
        yz_station st;
        edited(state, &st, 5000 + w);
        yz_snap *nx = NULL;
        double a = now_s(), c = cpu_s();
        int err = yz_snap_apply(d4k, &st, 0, norm, &nx, &ei2);
        w2_ms[w] = (now_s() - a) * 1e3;
        w2_cpu += cpu_s() - c;
        if (err)
            return 1;
        yz_snap_free(nx);
        yz_station_fini(&st);
    }
    qsort(w2_ms, W2, sizeof *w2_ms, cmp_double);
    printf("  a station write with a delta of %zu: median %.2f ms   max %.2f ms   CPU %.2f ms a write\n",
           yz_snap_delta_count(d4k), w2_ms[W2 / 2], w2_ms[W2 - 1], w2_cpu / W2 * 1e3);
    double c0 = now_s(), cc0 = cpu_s();
    yz_snap *compacted = NULL, *rebased = NULL;
    if (yz_snap_compact(d4k, norm, &compacted, &ei2))
        return 1;
    double c1 = now_s(), cc1 = cpu_s();
    if (yz_snap_rebase(compacted, d4k, norm, &rebased, &ei2))
        return 1;
    double c2 = now_s();
    printf("  compaction of that delta: new base %.2f s (CPU %.2f s, outside the writers' lock), "
           "publish with later writes %.2f ms (under it)\n",
           c1 - c0, cc1 - cc0, (c2 - c1) * 1e3);
    yz_snap *cmp[4] = {plain, d100, d4k, rebased};
    char l1[64], l2[64];
    snprintf(l1, sizeof l1, "delta of %zu", yz_snap_delta_count(d100));
    snprintf(l2, sizeof l2, "delta of %zu", yz_snap_delta_count(d4k));
    const char *names[4] = {"no delta", l1, l2, "after the compaction"};
    compare_nearby(cmp, names, 4, lat, lon, Q, toilet, swap);
    yz_snap_free(plain);
    yz_snap_free(rebased);
    yz_snap_free(compacted);
    yz_snap_free(d4k);
    yz_snap_free(d100);
    yz_state_free(state); /* frees snap */
    yz_free(lat);
    yz_free(lon);
    yz_free(lat_ns);
    return 0;
}
