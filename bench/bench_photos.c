/* SPDX-License-Identifier: MIT */
/* bench/bench_photos.c - a photo upload's work (docs/internals/photos.md): a 4 MB JPEG
 * (4000 x 3000, made by build/tools/photogen) decoded, re-encoded at 2048 px with its 320 px
 * thumbnail (media/image.c), then stored (store/photos.c, a SQLite store with its photo
 * folder, fsync'd). Prints the median and worst of several runs and the growth of the
 * process's peak RSS over them; the target is a median under 300 ms.
 *
 *   bench_photos IMAGE.jpg [RUNS]      (default 9 runs) */
#include "core/buf.h"
#include "media/image.h"
#include "store/photos.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static long maxrss_kb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

/* CPU time of the process (user + system), ms: what the work costs whatever else runs. */
static double cpu_ms(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
           (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_photos IMAGE.jpg [RUNS]\n");
        return 2;
    }
    int runs = argc > 2 ? (int)strtol(argv[2], NULL, 10) : 9;
    if (runs < 1 || runs > 1000)
        runs = 9;
    FILE *f = fopen(argv[1], "rb");
    if (!f) {
        perror(argv[1]);
        return 1;
    }
    yz_buf in;
    yz_buf_init(&in);
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        yz_buf_append(&in, chunk, n);
    fclose(f);

    yz_errinfo ei;
    char dir[] = "/tmp/yz-bench-photos-XXXXXX";
    if (!mkdtemp(dir) || yz_image_init(&ei)) {
        fprintf(stderr, "bench_photos: cannot start\n");
        return 1;
    }
    char db[sizeof dir + 16], photos[sizeof dir + 16];
    snprintf(db, sizeof db, "%s/b.db", dir);
    snprintf(photos, sizeof photos, "%s/photos", dir);
    yz_store *st = NULL;
    if (yz_store_open(db, &st, &ei) || yz_store_set_photo_dir(st, photos, &ei)) {
        fprintf(stderr, "bench_photos: %s\n", ei.msg_en);
        return 1;
    }
    long rss0 = maxrss_kb();
    double *ms = calloc((size_t)runs, sizeof *ms);
    double *ms_img = calloc((size_t)runs, sizeof *ms_img);
    double *cpu = calloc((size_t)runs, sizeof *cpu);
    int w = 0, h = 0;
    size_t out_bytes = 0, thumb_bytes = 0;
    for (int i = 0; i < runs; i++) {
        double t0 = now_ms(), c0 = cpu_ms();
        yz_image im;
        if (yz_image_process(in.data, in.len, &im, &ei)) {
            fprintf(stderr, "bench_photos: %s\n", ei.msg_en);
            return 1;
        }
        ms_img[i] = now_ms() - t0;
        yz_photo p;
        memset(&p, 0, sizeof p);
        snprintf(p.sha256, sizeof p.sha256, "%s", im.sha256);
        p.width = im.width;
        p.height = im.height;
        bool created;
        if (yz_store_photo_put(st, &p, im.jpeg, im.jpeg_len, im.thumb, im.thumb_len, &created,
                               &ei)) {
            fprintf(stderr, "bench_photos: %s\n", ei.msg_en);
            return 1;
        }
        ms[i] = now_ms() - t0;
        cpu[i] = cpu_ms() - c0;
        w = im.width;
        h = im.height;
        out_bytes = im.jpeg_len;
        thumb_bytes = im.thumb_len;
        yz_image_fini(&im);
    }
    long rss1 = maxrss_kb();
    qsort(ms, (size_t)runs, sizeof *ms, cmp);
    qsort(ms_img, (size_t)runs, sizeof *ms_img, cmp);
    qsort(cpu, (size_t)runs, sizeof *cpu, cmp);
    printf("photos: %zu-byte JPEG -> %dx%d (%zu bytes) + thumbnail (%zu bytes), %d runs\n",
           in.len, w, h, out_bytes, thumb_bytes, runs);
    printf("photos: re-encode + thumbnail  median %.1f ms, worst %.1f ms\n", ms_img[runs / 2],
           ms_img[runs - 1]);
    printf("photos: ... + stored (fsync)    median %.1f ms, worst %.1f ms (target < 300 ms: %s)\n",
           ms[runs / 2], ms[runs - 1], ms[runs / 2] < 300 ? "met" : "MISSED");
    printf("photos: CPU time an upload      median %.1f ms (wall time above includes waiting for "
           "a core on a busy machine)\n",
           cpu[runs / 2]);
    printf("photos: peak RSS %ld KiB before, %ld KiB after: growth %ld KiB\n", rss0, rss1,
           rss1 - rss0);
    free(ms);
    free(ms_img);
    free(cpu);
    yz_store_close(st);
    yz_buf_fini(&in);
    char cmd[sizeof dir + 16];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        return 1;
    return 0;
}
