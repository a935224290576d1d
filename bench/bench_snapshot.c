/* SPDX-License-Identifier: MIT */
/* bench/bench_snapshot.c - building the catalog snapshot of N stations (default 1,000,000):
 * compiling hours, the spatial index, the text index and the pre-rendered JSON, as a write
 * does at nation scale. Prints the build time, the index bytes per station and the in-process
 * cost of a k=10 nearby query with a facility filter and open-now through the catalog.
 * Usage: bench_snapshot [N] */
#include "state/state.h"
#include "catalog/catalog.h"
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

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
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
    enum { Q = 200000 };
    double *lat = yz_malloc(Q * sizeof *lat), *lon = yz_malloc(Q * sizeof *lon);
    for (int q = 0; q < Q; q++) {
        int c = (int)(next() % 300);
        lat[q] = cl[c][0] + (unit() - 0.5) * 0.1;
        lon[q] = cl[c][1] + (unit() - 0.5) * 0.1;
    }
    double *lat_ns = yz_malloc(Q * sizeof *lat_ns);
    yz_nearby_hit hits[10];
    size_t got = 0, nh;
    for (int q = 0; q < Q; q++) {
        yz_nearby_query nq = {.at = {lat[q], lon[q]}, .k = 10, .district = -1,
                              .need = (UINT64_C(1) << toilet) | (UINT64_C(1) << swap),
                              .open_now = true, .t = 1795996800 + (int64_t)(q % 168) * 3600};
        double a = now_s();
        yz_snap_nearby(snap, &nq, hits, &nh);
        lat_ns[q] = (now_s() - a) * 1e9;
        got += nh;
    }
    qsort(lat_ns, Q, sizeof *lat_ns, cmp_double);
    printf("snapshot of %zu stations\n", n);
    printf("  build (hours, index, text, JSON)  %8.2f s   (target < 2 s)\n", t1 - t0);
    printf("  spatial index  %8.1f bytes a station (target < 64)\n",
           (double)yz_snap_index_bytes(snap) / (double)n);
    printf("  text index     %8.1f bytes a station\n", (double)yz_snap_text_bytes(snap) / (double)n);
    printf("  nearby k=10 need=toilet,battery_swap open_now, through the catalog:\n");
    printf("    median %.2f us   p99 %.2f us   (%.1f results a query)\n", lat_ns[Q / 2] / 1e3,
           lat_ns[Q * 99 / 100] / 1e3, (double)got / Q);
    yz_snap_free(snap);
    yz_free(lat);
    yz_free(lon);
    yz_free(lat_ns);
    return 0;
}
