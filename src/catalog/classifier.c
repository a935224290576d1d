/* SPDX-License-Identifier: MIT */
/* catalog/classifier.c - naive Bayes over character 1-3 grams: tokenising normalised text into
 * distinct packed grams, document counts per gram in an open-addressing table, and the
 * SpamBayes scoring (Robinson's f(w), Fisher's chi-squared combining). Reasons and constants:
 * docs/internals/classifier.md. */
#include "catalog/classifier.h"

#include "catalog/moderation.h"
#include "core/alloc.h"
#include "core/utf8.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- grams ----------------------------------------------------------------------------------- */

void yz_clf_grams_init(yz_clf_grams *g)
{
    memset(g, 0, sizeof *g);
}

void yz_clf_grams_fini(yz_clf_grams *g)
{
    yz_free(g->key);
    memset(g, 0, sizeof *g);
}

/* A digit of any script a phone number is disguised in; the caller turns it into '0'. */
static bool any_digit(uint32_t cp)
{
    return (cp >= '0' && cp <= '9') || cp == 0xB2 || cp == 0xB3 || cp == 0xB9 ||
           (cp >= 0x660 && cp <= 0x669) || (cp >= 0x6F0 && cp <= 0x6F9) ||
           (cp >= 0x966 && cp <= 0x96F) || (cp >= 0x2070 && cp <= 0x2089) ||
           (cp >= 0x2460 && cp <= 0x249B) || (cp >= 0x24EA && cp <= 0x24FF) ||
           (cp >= 0x2776 && cp <= 0x2793) || (cp >= 0xFF10 && cp <= 0xFF19) ||
           (cp >= 0x1D7CE && cp <= 0x1D7FF);
}

/* A letter of the scripts reviews are written in (after normalisation). */
static bool letter(uint32_t cp)
{
    if (cp < 0x80)
        return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z');
    return (cp >= 0xC0 && cp <= 0x24F && cp != 0xD7 && cp != 0xF7) ||
           (cp >= 0x370 && cp <= 0x52F) || (cp >= 0x3040 && cp <= 0x30FF) ||
           (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x4E00 && cp <= 0x9FFF) ||
           (cp >= 0xAC00 && cp <= 0xD7AF) || (cp >= 0xF900 && cp <= 0xFAFF) ||
           (cp >= 0x20000 && cp <= 0x3134F);
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

int yz_clf_grams_of(yz_textnorm *norm, const char *text, yz_buf *scratch, yz_clf_grams *g,
                    yz_errinfo *ei)
{
    g->n = 0;
    yz_buf_reset(scratch);
    if (yz_textnorm_apply(norm, text, scratch))
        return yz_err_set(ei, YZ_EINVAL, "text", "文字不是有效的 UTF-8",
                          "the text is not valid UTF-8");
    /* at most one gram of each length per character */
    size_t room = scratch->len * YZ_CLF_NGRAM_MAX;
    if (room > g->cap) {
        g->key = yz_reallocarray(g->key, room, sizeof *g->key);
        g->cap = room;
    }
    const unsigned char *p = (const unsigned char *)scratch->data, *end = p + scratch->len;
    uint64_t last[YZ_CLF_NGRAM_MAX] = {0}; /* the characters kept last, newest at [0] */
    size_t kept = 0;
    while (p < end) {
        uint32_t cp = yz_utf8_next(&p);
        if (any_digit(cp))
            cp = '0';
        else if (!letter(cp))
            continue;
        if (cp >= 'A' && cp <= 'Z')
            cp += 'a' - 'A';
        memmove(last + 1, last, (YZ_CLF_NGRAM_MAX - 1) * sizeof *last);
        last[0] = cp;
        kept++;
        /* the grams ending here, oldest character in the low bits */
        uint64_t k = 0;
        for (size_t len = 1; len <= YZ_CLF_NGRAM_MAX && len <= kept; len++) {
            k = k << 21 | last[len - 1];
            g->key[g->n++] = k;
        }
    }
    if (g->n) {
        qsort(g->key, g->n, sizeof *g->key, cmp_u64);
        size_t w = 1;
        for (size_t i = 1; i < g->n; i++)
            if (g->key[i] != g->key[w - 1])
                g->key[w++] = g->key[i];
        g->n = w;
    }
    return YZ_OK;
}

static size_t put_utf8(uint32_t cp, char *o)
{
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xC0 | cp >> 6);
        o[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xE0 | cp >> 12);
        o[1] = (char)(0x80 | (cp >> 6 & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | cp >> 18);
    o[1] = (char)(0x80 | (cp >> 12 & 0x3F));
    o[2] = (char)(0x80 | (cp >> 6 & 0x3F));
    o[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

size_t yz_clf_gram_utf8(uint64_t key, char out[YZ_CLF_GRAM_BYTES])
{
    size_t n = 0;
    for (int i = 0; i < YZ_CLF_NGRAM_MAX; i++) {
        uint32_t cp = (uint32_t)(key >> (21 * i) & 0x1FFFFF);
        if (!cp)
            break;
        n += put_utf8(cp, out + n);
    }
    out[n] = '\0';
    return n;
}

uint64_t yz_clf_gram_parse(const char *s)
{
    uint64_t key = 0;
    int i = 0;
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        if (i == YZ_CLF_NGRAM_MAX)
            return 0;
        unsigned c = *p;
        int len = c < 0x80 ? 1 : c >= 0xC2 && c < 0xE0 ? 2 : c >= 0xE0 && c < 0xF0 ? 3
                             : c >= 0xF0 && c < 0xF5  ? 4
                                                      : 0;
        if (!len)
            return 0;
        for (int k = 1; k < len; k++)
            if ((p[k] & 0xC0) != 0x80)
                return 0;
        const unsigned char *q = p;
        uint32_t cp = yz_utf8_next(&q);
        if (cp == 0 || cp > 0x10FFFF)
            return 0;
        key |= (uint64_t)cp << (21 * i++);
        p = q;
    }
    return key;
}

/* ---- counts ---------------------------------------------------------------------------------- */

typedef struct slot {
    uint64_t key; /* 0 = empty */
    uint32_t spam, ham;
} slot;

struct yz_classifier {
    slot *t;
    size_t mask; /* capacity - 1, a power of two */
    size_t n;    /* keys in use (with a count or not: never removed, see set) */
    int64_t spam_docs, ham_docs;
};

static inline size_t hash_key(uint64_t k)
{
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdULL;
    k ^= k >> 33;
    return (size_t)k;
}

yz_classifier *yz_classifier_new(void)
{
    yz_classifier *c = yz_calloc(1, sizeof *c);
    c->mask = 1023;
    c->t = yz_calloc(c->mask + 1, sizeof *c->t);
    return c;
}

void yz_classifier_free(yz_classifier *c)
{
    if (!c)
        return;
    yz_free(c->t);
    yz_free(c);
}

static slot *find(const yz_classifier *c, uint64_t key)
{
    size_t i = hash_key(key) & c->mask;
    for (;;) {
        slot *s = &c->t[i];
        if (s->key == key)
            return s;
        if (!s->key)
            return NULL;
        i = (i + 1) & c->mask;
    }
}

static slot *find_or_add(yz_classifier *c, uint64_t key)
{
    if ((c->n + 1) * 2 > c->mask + 1) {
        size_t old = c->mask + 1;
        slot *ot = c->t;
        c->mask = old * 2 - 1;
        c->t = yz_calloc(c->mask + 1, sizeof *c->t);
        for (size_t i = 0; i < old; i++) {
            if (!ot[i].key)
                continue;
            size_t j = hash_key(ot[i].key) & c->mask;
            while (c->t[j].key)
                j = (j + 1) & c->mask;
            c->t[j] = ot[i];
        }
        yz_free(ot);
    }
    size_t i = hash_key(key) & c->mask;
    while (c->t[i].key && c->t[i].key != key)
        i = (i + 1) & c->mask;
    if (!c->t[i].key) {
        c->t[i].key = key;
        c->n++;
    }
    return &c->t[i];
}

static uint32_t clamp_u32(int64_t v)
{
    return v < 0 ? 0 : v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

void yz_classifier_train(yz_classifier *c, const yz_clf_grams *g, int label, int sign)
{
    for (size_t i = 0; i < g->n; i++) {
        slot *s = sign > 0 ? find_or_add(c, g->key[i]) : find(c, g->key[i]);
        if (!s)
            continue;
        uint32_t *n = label == YZ_CLF_SPAM ? &s->spam : &s->ham;
        *n = clamp_u32((int64_t)*n + (sign > 0 ? 1 : -1));
    }
    int64_t *d = label == YZ_CLF_SPAM ? &c->spam_docs : &c->ham_docs;
    *d += sign > 0 ? 1 : -1;
    if (*d < 0)
        *d = 0;
}

void yz_classifier_set(yz_classifier *c, uint64_t key, int64_t spam, int64_t ham)
{
    if (!key)
        return;
    slot *s = spam > 0 || ham > 0 ? find_or_add(c, key) : find(c, key);
    if (s) {
        s->spam = clamp_u32(spam);
        s->ham = clamp_u32(ham);
    }
}

void yz_classifier_set_docs(yz_classifier *c, int64_t spam, int64_t ham)
{
    c->spam_docs = spam < 0 ? 0 : spam;
    c->ham_docs = ham < 0 ? 0 : ham;
}

void yz_classifier_docs(const yz_classifier *c, int64_t *spam, int64_t *ham)
{
    if (spam)
        *spam = c->spam_docs;
    if (ham)
        *ham = c->ham_docs;
}

void yz_classifier_get(const yz_classifier *c, uint64_t key, int64_t *spam, int64_t *ham)
{
    const slot *s = key ? find(c, key) : NULL;
    *spam = s ? s->spam : 0;
    *ham = s ? s->ham : 0;
}

size_t yz_classifier_size(const yz_classifier *c)
{
    size_t n = 0;
    for (size_t i = 0; i <= c->mask; i++)
        n += c->t[i].key && (c->t[i].spam || c->t[i].ham);
    return n;
}

bool yz_classifier_ready(const yz_classifier *c)
{
    return c->spam_docs >= YZ_CLF_MIN_EXAMPLES && c->ham_docs >= YZ_CLF_MIN_EXAMPLES;
}

/* ---- scoring --------------------------------------------------------------------------------- */

/* Robinson's strength of the prior (s) and its value (x), and the least distance from 0.5 a
 * gram's probability must have to vote: SpamBayes' defaults. */
#define PRIOR_S 0.45
#define PRIOR_X 0.5
#define MIN_STRENGTH 0.1

/* The probability that a chi-squared variable of `dof` (even) degrees of freedom is at least
 * `x2` (SpamBayes' chi2Q, exact for even degrees). */
static double chi2q(double x2, size_t dof)
{
    double m = x2 / 2.0, term = exp(-m), sum = term;
    for (size_t i = 1; i < dof / 2; i++) {
        term *= m / (double)i;
        sum += term;
    }
    return sum < 1.0 ? sum : 1.0;
}

static int cmp_strength(const void *a, const void *b)
{
    double x = fabs(((const yz_clf_clue *)a)->p - 0.5);
    double y = fabs(((const yz_clf_clue *)b)->p - 0.5);
    if (x != y)
        return x < y ? 1 : -1;
    uint64_t ka = ((const yz_clf_clue *)a)->key, kb = ((const yz_clf_clue *)b)->key;
    return (ka > kb) - (ka < kb); /* ties in a fixed order, so verdicts are reproducible */
}

static int cmp_spammy(const void *a, const void *b)
{
    /* by probability to the hundredth, then longer grams first (加微信 says more than 微) */
    long x = lround(((const yz_clf_clue *)a)->p * 100), y = lround(((const yz_clf_clue *)b)->p * 100);
    if (x != y)
        return x < y ? 1 : -1;
    uint64_t ka = ((const yz_clf_clue *)a)->key, kb = ((const yz_clf_clue *)b)->key;
    return (ka < kb) - (ka > kb);
}

void yz_classifier_score(const yz_classifier *c, const yz_clf_grams *g, yz_clf_verdict *v)
{
    memset(v, 0, sizeof *v);
    v->spam_p = 0.5;
    v->ready = yz_classifier_ready(c);
    if (!v->ready || g->n == 0)
        return;
    double ns = (double)c->spam_docs, nh = (double)c->ham_docs;
    yz_clf_clue *cl = yz_malloc(g->n * sizeof *cl);
    size_t n = 0;
    for (size_t i = 0; i < g->n; i++) {
        const slot *s = find(c, g->key[i]);
        if (!s || (!s->spam && !s->ham))
            continue;
        double sr = s->spam / ns, hr = s->ham / nh;
        double p = sr / (sr + hr), cnt = (double)s->spam + s->ham;
        double f = (PRIOR_S * PRIOR_X + cnt * p) / (PRIOR_S + cnt);
        if (fabs(f - 0.5) >= MIN_STRENGTH)
            cl[n++] = (yz_clf_clue){g->key[i], f};
    }
    qsort(cl, n, sizeof *cl, cmp_strength);
    if (n > YZ_CLF_CLUES_MAX)
        n = YZ_CLF_CLUES_MAX;
    v->nclues = n;
    if (n) {
        double ln_h = 0, ln_s = 0;
        for (size_t i = 0; i < n; i++) {
            ln_h += log(cl[i].p);
            ln_s += log(1.0 - cl[i].p);
        }
        double s = 1.0 - chi2q(-2.0 * ln_s, 2 * n); /* near 1 when many grams are spammy */
        double h = 1.0 - chi2q(-2.0 * ln_h, 2 * n); /* near 1 when many grams are hammy */
        v->spam_p = (s - h + 1.0) / 2.0;
        qsort(cl, n, sizeof *cl, cmp_spammy);
        for (size_t i = 0; i < n && v->nexplain < YZ_CLF_EXPLAIN_MAX && cl[i].p > 0.5; i++)
            v->explain[v->nexplain++] = cl[i];
    }
    v->hold = v->spam_p >= YZ_CLF_HOLD_AT;
    yz_free(cl);
}

void yz_clf_verdict_json(const yz_clf_verdict *v, yz_buf *b)
{
    yz_buf_puts(b, "{\"spam_probability\":");
    yz_buf_fixed(b, v->spam_p, 3);
    yz_buf_puts(b, ",\"ngrams\":[");
    for (size_t i = 0; i < v->nexplain; i++) {
        char g[YZ_CLF_GRAM_BYTES];
        size_t len = yz_clf_gram_utf8(v->explain[i].key, g);
        if (i)
            yz_buf_putc(b, ',');
        yz_buf_json_str(b, g, len);
    }
    yz_buf_puts(b, "]}");
}

unsigned yz_clf_combine(unsigned list_reasons, const yz_clf_verdict *v)
{
    unsigned r = list_reasons;
    if (v && v->hold)
        r |= YZ_MOD_LEARNED;
    if (v && v->ready && v->spam_p <= YZ_CLF_CLEAR_BELOW)
        r &= ~(unsigned)YZ_MOD_OFF_TOPIC;
    return r;
}
