/* SPDX-License-Identifier: MIT */
/* bench/bench_moderation.c - screening one review of 500 characters with the default word
 * lists (as sql/sqlite/0005_reviews.sql seeds them): median and p99 of yz_mod_screen in µs
 * against the 50 µs target, and in the same run a naive peer that normalises the text the same
 * way and then runs strstr once per word (finding every occurrence), as the ratio.
 * Build and run against the release library:
 *   make bin/yizhan && cc -std=c11 -D_GNU_SOURCE -Isrc -Ibuild/gen \
 *     $(pkg-config --cflags libmicrohttpd jansson sqlite3 opencc libsodium libqrencode libpng) \
 *     -O2 -o bench/out/bench_moderation bench/bench_moderation.c build/rel/libyz.a \
 *     $(pkg-config --libs libmicrohttpd jansson sqlite3 opencc libsodium libqrencode libpng) \
 *     -lm -lpthread && bench/out/bench_moderation [ITERATIONS]
 * (or `make -C bench moderation` once the target is added there). */
#include "catalog/moderation.h"
#include "core/alloc.h"
#include "store/reviews.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static size_t chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

/* Sentences of the kind workers write, traditional and simplified, with numbers, times and
 * punctuation; repeated until the text has 500 characters. */
static const char *const sentences[] = {
    "今天中午送完外卖来驿站歇了一会儿，空调开得很足，",
    "热水随时都有，微波炉可以热饭，冰箱里还有志愿者放的水果。",
    "師傅人很好，給我們換電很快，還提醒我們雨天路滑注意安全。",
    "厕所很干净，早上8:30和下午3点各打扫一次，洗手液也有。",
    "就是中午12:00-13:30人比较多，座位有点不够，希望能多放几把椅子。",
    "门口可以停电动车，充电桩扫码就能用，1元充4小时，挺实惠的。",
    "WiFi 密码贴在墙上，速度还可以，刷刷视频没问题。",
    "另外药箱里有创可贴和藿香正气水，夏天很实用，感谢工会！",
};

int main(int argc, char **argv)
{
    long iters = argc > 1 ? strtol(argv[1], NULL, 10) : 20000;
    if (iters < 100)
        iters = 100;
    char path[64];
    snprintf(path, sizeof path, "/tmp/yz-bench-moderation-%d.db", (int)getpid());
    unlink(path);
    yz_errinfo ei;
    yz_store *st;
    yz_textnorm *norm;
    if (yz_store_open(path, &st, &ei) || yz_textnorm_new(&norm, &ei)) {
        fprintf(stderr, "bench_moderation: %s\n", ei.msg_en);
        return 1;
    }
    yz_modword_row *rows;
    size_t nrows;
    if (yz_store_moderation_words(st, &rows, &nrows, &ei)) {
        fprintf(stderr, "bench_moderation: %s\n", ei.msg_en);
        return 1;
    }
    yz_modword *words = yz_calloc(nrows, sizeof *words);
    for (size_t i = 0; i < nrows; i++)
        words[i] = (yz_modword){rows[i].word, yz_modword_kind_parse(rows[i].kind), rows[i].weight};
    yz_modrules *rules;
    if (yz_modrules_build(norm, words, nrows, &rules, &ei)) {
        fprintf(stderr, "bench_moderation: %s\n", ei.msg_en);
        return 1;
    }
    /* the naive peer's words, normalised once up front */
    char **nwords = yz_calloc(nrows, sizeof *nwords);
    for (size_t i = 0; i < nrows; i++) {
        yz_buf b;
        yz_buf_init(&b);
        yz_textnorm_apply(norm, rows[i].word, &b);
        nwords[i] = yz_buf_take(&b);
        if (!nwords[i])
            nwords[i] = yz_strdup("");
    }

    yz_buf text;
    yz_buf_init(&text);
    for (size_t i = 0; chars(text.data ? text.data : "") < 500; i++) {
        const char *s = sentences[i % (sizeof sentences / sizeof *sentences)];
        yz_buf_puts(&text, s);
    }
    /* trim to exactly 500 characters */
    size_t n = 0, cut = 0;
    for (; cut < text.len && n < 500; cut++)
        if (((unsigned char)text.data[cut] & 0xC0) != 0x80)
            n++;
    while (cut < text.len && ((unsigned char)text.data[cut] & 0xC0) == 0x80)
        cut++;
    text.data[cut] = '\0';
    text.len = cut;

    yz_buf scratch, nb;
    yz_buf_init(&scratch);
    yz_buf_init(&nb);
    yz_modverdict v;
    double *ac = yz_malloc((size_t)iters * sizeof *ac);
    double *naive = yz_malloc((size_t)iters * sizeof *naive);
    double *normt = yz_malloc((size_t)iters * sizeof *normt);
    volatile size_t sink = 0;
    for (int w = 0; w < 200; w++) /* warm the normaliser's cache and the branch predictors */
        yz_mod_screen(rules, norm, text.data, &scratch, &v, &ei);
    /* alternate the two so that both see the same machine state */
    for (long i = 0; i < iters; i++) {
        double t0 = now_us();
        yz_mod_screen(rules, norm, text.data, &scratch, &v, &ei);
        double t1 = now_us();
        yz_buf_reset(&nb);
        yz_textnorm_apply(norm, text.data, &nb);
        size_t hits = 0;
        for (size_t k = 0; k < nrows; k++) {
            if (!nwords[k][0])
                continue;
            for (const char *p = nb.data; (p = strstr(p, nwords[k])) != NULL; p++)
                hits++;
        }
        double t2 = now_us();
        yz_buf_reset(&nb);
        yz_textnorm_apply(norm, text.data, &nb);
        double t3 = now_us();
        sink += hits;
        ac[i] = t1 - t0;
        naive[i] = t2 - t1;
        normt[i] = t3 - t2;
    }
    qsort(ac, (size_t)iters, sizeof *ac, cmp_double);
    qsort(naive, (size_t)iters, sizeof *naive, cmp_double);
    qsort(normt, (size_t)iters, sizeof *normt, cmp_double);
    double norm_med = normt[iters / 2];
    double med = ac[iters / 2], p99 = ac[iters * 99 / 100];
    double nmed = naive[iters / 2], np99 = naive[iters * 99 / 100];
    printf("moderation: %zu words, text of %zu characters (%zu bytes), %ld runs; verdict %#x, "
           "%d station words\n",
           yz_modrules_count(rules), chars(text.data), text.len, iters, v.reasons, v.vocab_hits);
    printf("  yz_mod_screen (Aho-Corasick + scans): median %.2f us, p99 %.2f us  (target < 50 us: "
           "%s)\n",
           med, p99, p99 < 50 ? "met" : "MISSED");
    printf("  naive normalise + strstr per word:    median %.2f us, p99 %.2f us\n", nmed, np99);
    printf("  normalisation alone (both include it): median %.2f us\n", norm_med);
    printf("  ratio naive / screen (median): %.2fx; beyond normalisation: %.2fx\n", nmed / med,
           (nmed - norm_med) / (med - norm_med));

    yz_free(ac);
    yz_free(naive);
    yz_free(normt);
    for (size_t i = 0; i < nrows; i++)
        yz_free(nwords[i]);
    yz_free(nwords);
    yz_free(words);
    yz_modword_rows_free(rows, nrows);
    yz_modrules_free(rules);
    yz_textnorm_free(norm);
    yz_buf_fini(&text);
    yz_buf_fini(&scratch);
    yz_buf_fini(&nb);
    yz_store_close(st);
    char p[80];
    unlink(path);
    snprintf(p, sizeof p, "%s-wal", path);
    unlink(p);
    snprintf(p, sizeof p, "%s-shm", path);
    unlink(p);
    return (int)(sink & 0);
}
