/* SPDX-License-Identifier: MIT */
/* bench/bench_memory.c - where the catalog's bytes go (issue 16): loads the snapshot from a
 * store as the server does at start, then prints each part's heap bytes (malloc overhead
 * included), the process's resident memory, malloc's own figures (mallinfo2: in use, free
 * but held, i.e. fragmentation) and the time to render every station's fragment in both
 * languages. bench_peers.sh prints the same breakdown at each size.
 * Usage: bench_memory DB   (a SQLite file made by `yizhan import`, e.g. of gen_data's CSV) */
#include "state/state.h"
#include "catalog/catalog.h"
#include "core/alloc.h"
#include "store/store.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* This thread's CPU time: on a shared, loaded machine wall time says more about the others. */
static double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long rss_kb(const char *what)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kb = -1;
    size_t wl = strlen(what);
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, what, wl) == 0)
            kb = strtol(line + wl + 1, NULL, 10);
    if (f)
        fclose(f);
    return kb;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_memory DB\n");
        return 2;
    }
    yz_store *st = NULL;
    yz_errinfo ei;
    if (yz_store_open(argv[1], &st, &ei)) {
        fprintf(stderr, "bench_memory: %s\n", ei.msg_en);
        return 1;
    }
    long rss0 = rss_kb("VmRSS:");
    yz_snap *s = NULL;
    double t0 = now_s();
    if (yz_state_load_snapshot(st, yz_state_thread_norm(), &s, &ei)) {
        fprintf(stderr, "bench_memory: %s\n", ei.msg_en);
        return 1;
    }
    double t1 = now_s();
    yz_snap_hant_wait(s); /* the zh-Hant texts, converted after the build: counted too */
    yz_store_close(st);
    size_t n = yz_snap_count(s);
    yz_snap_mem_part parts[YZ_SNAP_MEM_PARTS_MAX];
    size_t np = yz_snap_memory(s, parts), total = 0;
    printf("catalog of %zu stations, loaded and built in %.1f s\n", n, t1 - t0);
    printf("  %-40s %10s %10s\n", "part", "MB", "B/station");
    for (size_t k = 0; k < np; k++) {
        total += parts[k].bytes;
        printf("  %-40s %10.1f %10.1f\n", parts[k].name, parts[k].bytes / 1048576.0,
               n ? (double)parts[k].bytes / (double)n : 0.0);
    }
    printf("  %-40s %10.1f %10.1f\n", "total (parts)", total / 1048576.0,
           n ? (double)total / (double)n : 0.0);
    struct mallinfo2 mi = mallinfo2();
    printf("  malloc: in use %.1f MB, free but held %.1f MB (of which trimmable %.1f MB), "
           "mmapped %.1f MB\n", mi.uordblks / 1048576.0, mi.fordblks / 1048576.0,
           mi.keepcost / 1048576.0, mi.hblkhd / 1048576.0);
    long rss = rss_kb("VmRSS:"), hwm = rss_kb("VmHWM:");
    printf("  RSS %.1f MB (%.1f MB before the load; peak %.1f MB)\n", rss / 1024.0,
           rss0 / 1024.0, hwm / 1024.0);
    /* Every fragment, in both languages: the read path's cost of the representation. */
    yz_buf b;
    yz_buf_init(&b);
    double t2 = cpu_s();
    size_t bytes = 0;
    for (int lang = 0; lang < 2; lang++)
        for (size_t i = 0; i < n; i++) {
            b.len = 0;
            yz_snap_fragment_append(s, i, lang, &b);
            bytes += b.len;
        }
    double t3 = cpu_s();
    printf("  rendering every fragment (both languages): %.0f ns CPU a fragment, %.0f bytes\n",
           n ? (t3 - t2) * 1e9 / (2.0 * (double)n) : 0.0, n ? (double)bytes / (2.0 * n) : 0.0);
    yz_buf_fini(&b);
    yz_snap_free(s);
    return 0;
}
