/* SPDX-License-Identifier: MIT */
/* bench/bench_classifier.c - how well moderation holds spam and lets genuine texts through,
 * the word lists alone against the lists plus the classifier that learns, on the labelled
 * corpus tests/data/moderation-corpus.tsv, with k-fold cross-validation: the texts are dealt
 * into k folds in file order (the generator shuffled them), and each fold is screened by a
 * classifier trained on the other folds only. Prints the share of spam held and of genuine
 * texts held for both, by language, against the targets (>= 95% and <= 2%), and the time a
 * verdict takes. Exits 1 when lists plus classifier miss a target.
 *   make -C bench classifier            (CLASSIFIER_ARGS="--folds 5 FILE" to change them) */
#include "catalog/classifier.h"
#include "catalog/moderation.h"
#include "core/alloc.h"
#include "store/reviews.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

typedef struct text {
    int label;  /* YZ_CLF_* */
    int lang;   /* 0 simplified, 1 traditional, 2 English (see lang_of) */
    char *s;
    unsigned lists; /* the word lists' reasons */
    yz_clf_grams g;
} text;

static const char *const lang_names[] = {"zh-Hans", "zh-Hant", "en"};

/* English when it has more ASCII letters than Han characters; traditional when it has a
 * character that simplification changes (the normaliser tells). */
static int lang_of(yz_textnorm *norm, const char *s, yz_buf *b)
{
    size_t ascii = 0, han = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        ascii += (*p | 0x20) >= 'a' && (*p | 0x20) <= 'z';
        han += *p >= 0xE0 && *p < 0xF0;
    }
    if (ascii > han)
        return 2;
    yz_buf_reset(b);
    yz_textnorm_apply(norm, s, b);
    /* the Han characters of both, in order (the normaliser drops punctuation only) */
    uint32_t a[2][64];
    size_t na[2] = {0, 0};
    const unsigned char *src[2] = {(const unsigned char *)s, (const unsigned char *)b->data};
    for (int k = 0; k < 2; k++)
        for (const unsigned char *p = src[k]; *p && na[k] < 64;) {
            if (*p >= 0xE0 && *p < 0xF0 && p[1] && p[2]) {
                uint32_t cp = (uint32_t)(*p & 0x0F) << 12 | (uint32_t)(p[1] & 0x3F) << 6 |
                              (p[2] & 0x3F);
                if (cp >= 0x3400 && cp <= 0x9FFF)
                    a[k][na[k]++] = cp;
                p += 3;
            } else {
                p++;
            }
        }
    size_t m = na[0] < na[1] ? na[0] : na[1], differ = 0;
    for (size_t i = 0; i < m; i++)
        differ += a[0][i] != a[1][i];
    return differ ? 1 : 0;
}

static void unescape(char *s)
{
    char *w = s;
    for (char *r = s; *r; r++) {
        if (*r == '\\' && (r[1] == 'n' || r[1] == 't' || r[1] == '\\')) {
            r++;
            *w++ = *r == 'n' ? '\n' : *r == 't' ? '\t' : '\\';
        } else {
            *w++ = *r;
        }
    }
    *w = '\0';
}

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

typedef struct tally {
    long n[2][3];    /* texts by label and language */
    long held[2][3]; /* held by label and language */
} tally;

static void print_rates(const char *name, const tally *t)
{
    long ns = 0, hs = 0, ng = 0, hg = 0;
    for (int l = 0; l < 3; l++) {
        ns += t->n[YZ_CLF_SPAM][l];
        hs += t->held[YZ_CLF_SPAM][l];
        ng += t->n[YZ_CLF_HAM][l];
        hg += t->held[YZ_CLF_HAM][l];
    }
    printf("%-24s spam held %5.1f%% (%ld/%ld)   genuine held %4.1f%% (%ld/%ld)\n", name,
           100.0 * (double)hs / (double)ns, hs, ns, 100.0 * (double)hg / (double)ng, hg, ng);
    for (int l = 0; l < 3; l++)
        printf("    %-8s             spam held %5.1f%% (%ld/%ld)   genuine held %4.1f%% (%ld/%ld)\n",
               lang_names[l], 100.0 * (double)t->held[1][l] / (double)(t->n[1][l] ? t->n[1][l] : 1),
               t->held[1][l], t->n[1][l],
               100.0 * (double)t->held[0][l] / (double)(t->n[0][l] ? t->n[0][l] : 1),
               t->held[0][l], t->n[0][l]);
}

int main(int argc, char **argv)
{
    long folds = 10;
    const char *path = "../tests/data/moderation-corpus.tsv";
    bool verbose = false;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--folds") && i + 1 < argc)
            folds = strtol(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "-v"))
            verbose = true;
        else
            path = argv[i];
    }
    if (folds < 2)
        folds = 2;
    FILE *f = fopen(path, "r");
    if (!f) {
        perror(path);
        return 1;
    }
    char dbpath[64];
    snprintf(dbpath, sizeof dbpath, "/tmp/yz-bench-classifier-%d.db", (int)getpid());
    unlink(dbpath);
    yz_errinfo ei;
    yz_store *st;
    yz_textnorm *norm;
    if (yz_store_open(dbpath, &st, &ei) || yz_textnorm_new(&norm, &ei)) {
        fprintf(stderr, "bench_classifier: %s\n", ei.msg_en);
        return 1;
    }
    yz_modword_row *rows;
    size_t nrows;
    if (yz_store_moderation_words(st, &rows, &nrows, &ei)) {
        fprintf(stderr, "bench_classifier: %s\n", ei.msg_en);
        return 1;
    }
    yz_modword *words = yz_calloc(nrows, sizeof *words);
    for (size_t i = 0; i < nrows; i++)
        words[i] = (yz_modword){rows[i].word, yz_modword_kind_parse(rows[i].kind), rows[i].weight};
    yz_modrules *rules;
    if (yz_modrules_build(norm, words, nrows, &rules, &ei)) {
        fprintf(stderr, "bench_classifier: %s\n", ei.msg_en);
        return 1;
    }

    text *t = NULL;
    size_t n = 0, cap = 0;
    char *line = NULL;
    size_t lcap = 0;
    ssize_t len;
    yz_buf scratch;
    yz_buf_init(&scratch);
    while ((len = getline(&line, &lcap, f)) > 0) {
        while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        char *tab = strchr(line, '\t');
        if (line[0] == '#' || !tab)
            continue;
        *tab = '\0';
        int label = !strcmp(line, "spam") ? YZ_CLF_SPAM : !strcmp(line, "ham") ? YZ_CLF_HAM : -1;
        if (label < 0)
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 256;
            t = yz_reallocarray(t, cap, sizeof *t);
        }
        text *x = &t[n++];
        memset(x, 0, sizeof *x);
        x->label = label;
        x->s = yz_strdup(tab + 1);
        unescape(x->s);
        x->lang = lang_of(norm, x->s, &scratch);
        yz_modverdict v;
        if (yz_mod_screen(rules, norm, x->s, &scratch, &v, &ei)) {
            fprintf(stderr, "bench_classifier: line %zu: %s\n", n, ei.msg_en);
            return 1;
        }
        x->lists = v.reasons;
        yz_clf_grams_init(&x->g);
        yz_clf_grams_of(norm, x->s, &scratch, &x->g, &ei);
    }
    free(line);
    fclose(f);

    tally lists = {0}, both = {0};
    double t_score = 0;
    long n_score = 0;
    for (long k = 0; k < folds; k++) {
        yz_classifier *c = yz_classifier_new();
        for (size_t i = 0; i < n; i++)
            if ((long)(i % (size_t)folds) != k)
                yz_classifier_train(c, &t[i].g, t[i].label, 1);
        for (size_t i = (size_t)k; i < n; i += (size_t)folds) {
            text *x = &t[i];
            double t0 = now_us();
            yz_clf_verdict v;
            yz_clf_grams g;
            yz_clf_grams_init(&g);
            yz_clf_grams_of(norm, x->s, &scratch, &g, &ei); /* timed as the server does it */
            yz_classifier_score(c, &g, &v);
            unsigned r = yz_clf_combine(x->lists, &v);
            t_score += now_us() - t0;
            n_score++;
            yz_clf_grams_fini(&g);
            lists.n[x->label][x->lang]++;
            both.n[x->label][x->lang]++;
            lists.held[x->label][x->lang] += x->lists != 0;
            both.held[x->label][x->lang] += r != 0;
            if (verbose && (r != 0) != (x->label == YZ_CLF_SPAM)) {
                yz_buf b;
                yz_buf_init(&b);
                yz_mod_reasons_json(r, &b);
                printf("%s p=%.3f %s: %s\n", x->label ? "MISSED" : "FALSE HOLD", v.spam_p,
                       b.data, x->s);
                yz_buf_fini(&b);
            }
        }
        yz_classifier_free(c);
    }
    printf("moderation corpus: %zu texts, %ld-fold cross-validation (classifier trained on the "
           "other folds only)\n",
           n, folds);
    print_rates("lists alone", &lists);
    print_rates("lists + classifier", &both);
    printf("classifier verdict (grams + score): %.1f µs a text on average\n",
           t_score / (double)(n_score ? n_score : 1));
    long ns = 0, hs = 0, ng = 0, hg = 0;
    for (int l = 0; l < 3; l++) {
        ns += both.n[1][l];
        hs += both.held[1][l];
        ng += both.n[0][l];
        hg += both.held[0][l];
    }
    bool ok = hs * 100 >= ns * 95 && hg * 100 <= ng * 2;
    printf("targets (spam held >= 95%%, genuine held <= 2%%): %s\n", ok ? "met" : "MISSED");

    for (size_t i = 0; i < n; i++) {
        yz_free(t[i].s);
        yz_clf_grams_fini(&t[i].g);
    }
    yz_free(t);
    yz_buf_fini(&scratch);
    yz_modrules_free(rules);
    yz_free(words);
    yz_modword_rows_free(rows, nrows);
    yz_textnorm_free(norm);
    yz_store_close(st);
    unlink(dbpath);
    char p[80];
    snprintf(p, sizeof p, "%s-wal", dbpath);
    unlink(p);
    snprintf(p, sizeof p, "%s-shm", dbpath);
    unlink(p);
    return ok ? 0 : 1;
}
