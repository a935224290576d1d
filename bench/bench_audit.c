/* SPDX-License-Identifier: MIT */
/* bench/bench_audit.c DB JSON N - the cost of one audit entry alone: N calls of
 * yz_store_audit_append (a transaction of its own, as the API's respond hook writes it) of a
 * station edit's entry, whose before and after are the text of the file JSON, on the store at
 * DB (a SQLite file or a postgresql:// URI, as for yizhan --db). Prints one line:
 *   APPEND n=N median_ms=... p90_ms=...
 * bench/bench_audit.sh sets it against the time of the same edit over HTTP. */
#include "core/alloc.h"
#include "core/err.h"
#include "store/audit.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0;
    char *s = yz_malloc(cap);
    size_t got;
    while ((got = fread(s + n, 1, cap - n - 1, f)) > 0) {
        n += got;
        if (cap - n < 2) {
            cap *= 2;
            s = yz_realloc(s, cap);
        }
    }
    fclose(f);
    s[n] = 0;
    return s;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: bench_audit DB STATION.json N\n");
        return 2;
    }
    int n = (int)strtol(argv[3], NULL, 10);
    char *json = slurp(argv[2]);
    if (n < 1 || !json) {
        fprintf(stderr, "bench_audit: bad N or unreadable %s\n", argv[2]);
        return 2;
    }
    yz_errinfo ei;
    yz_err_clear(&ei);
    yz_store *st = NULL;
    if (yz_store_open(argv[1], &st, &ei) != YZ_OK) {
        fprintf(stderr, "bench_audit: %s\n", ei.msg_en);
        return 1;
    }
    yz_audit_entry e;
    yz_audit_entry_init(&e);
    e.actor_kind = "admin_token";
    e.addr = "192.0.2.1"; /* not the PATCHes' address: the script counts those */
    e.action = "station_patch";
    e.method = "PATCH";
    e.path = "/api/v1/stations/1";
    e.record_kind = "station";
    e.record_id = 1;
    e.district = "330302";
    e.before_json = json;
    e.after_json = json;
    e.outcome = "ok";
    e.status = 200;
    e.reason = "";
    double *t = yz_calloc((size_t)n, sizeof *t);
    int rc = 0;
    for (int i = 0; i < n; i++) {
        double t0 = now_ms();
        if (yz_store_audit_append(st, &e, NULL, &ei) != YZ_OK) {
            fprintf(stderr, "bench_audit: append: %s\n", ei.msg_en);
            rc = 1;
            break;
        }
        t[i] = now_ms() - t0;
    }
    if (!rc) {
        qsort(t, (size_t)n, sizeof *t, cmp_double);
        printf("APPEND n=%d median_ms=%.3f p90_ms=%.3f\n", n, t[n / 2], t[n * 9 / 10]);
    }
    yz_free(t);
    yz_free(json);
    yz_store_close(st);
    return rc;
}
