/* SPDX-License-Identifier: MIT */
/* catalog/moderation.c - text screening: one Aho-Corasick automaton over the normalised
 * characters for every word list (adverts, QQ/WeChat keywords, station vocabulary), a digit-run
 * scan for phone numbers and contact ids, and a small scanner for links over the text with only
 * invisible characters removed. Reasons and thresholds: docs/internals/reviews.md. */
#include "catalog/moderation.h"

#include "core/alloc.h"
#include "core/utf8.h"

#include <stdlib.h>
#include <string.h>

/* ---- characters ------------------------------------------------------------------------------ */

/* Characters that yz_textnorm_apply keeps but that carry nothing a reader sees as a letter:
 * combining marks, Hangul fillers, Mongolian selectors, symbols and arrows, box drawing,
 * dingbats, emoji, private use. Spammers put them between the characters of a word. */
static inline bool extra_drop(uint32_t cp)
{
    if (cp < 0x300 || (cp >= 0x3400 && cp < 0xA000))
        return false;
    return (cp >= 0x0300 && cp <= 0x036F) || cp == 0x061C || cp == 0x115F || cp == 0x1160 ||
           (cp >= 0x180B && cp <= 0x180F) || (cp >= 0x1AB0 && cp <= 0x1AFF) ||
           (cp >= 0x1DC0 && cp <= 0x1DFF) || (cp >= 0x2070 && cp <= 0x245F) ||
           (cp >= 0x24EB && cp <= 0x2775) || (cp >= 0x2794 && cp <= 0x2BFF) || cp == 0x3164 ||
           (cp >= 0xE000 && cp <= 0xF8FF) || cp == 0xFFA0 || (cp >= 0xFFF0 && cp <= 0xFFFF) ||
           (cp >= 0x1F000 && cp <= 0x1FAFF);
}

/* Invisible characters, dropped even for the link scan (which keeps spaces and dots). */
static inline bool invisible(uint32_t cp)
{
    return cp == 0x00AD || cp == 0x034F || (cp >= 0x200B && cp <= 0x200F) ||
           (cp >= 0x2060 && cp <= 0x2064) || cp == 0xFEFF || (cp >= 0xFE00 && cp <= 0xFE0F) ||
           (cp >= 0x0300 && cp <= 0x036F) || (cp >= 0xE0100 && cp <= 0xE01EF) ||
           (cp >= 0xE0000 && cp <= 0xE007F);
}

/* Circled and parenthesised digits (①, ⑴, ⒈, ❶, ➀, ➊) as ASCII digits; 0 otherwise. */
static inline uint32_t enclosed_digit(uint32_t cp)
{
    if (cp < 0x2460 || cp > 0x2792)
        return 0;
    if (cp >= 0x2460 && cp <= 0x2468)
        return '1' + (cp - 0x2460);
    if (cp >= 0x2474 && cp <= 0x247C)
        return '1' + (cp - 0x2474);
    if (cp >= 0x2488 && cp <= 0x2490)
        return '1' + (cp - 0x2488);
    if (cp == 0x24EA || cp == 0x24FF)
        return '0';
    if (cp >= 0x2776 && cp <= 0x277E)
        return '1' + (cp - 0x2776);
    if (cp >= 0x2780 && cp <= 0x2788)
        return '1' + (cp - 0x2780);
    if (cp >= 0x278A && cp <= 0x2792)
        return '1' + (cp - 0x278A);
    return 0;
}

/* The value of a digit in any form a phone number is written in (ASCII after folding, Chinese
 * numerals plain and financial, 幺 as read aloud); -1 otherwise. */
static inline int digit_value(uint32_t cp)
{
    if (cp < 0x3007)
        return cp >= '0' && cp <= '9' ? (int)(cp - '0') : -1;
    switch (cp) {
    case 0x3007:
    case 0x96F6: return 0; /* 〇 零 */
    case 0x4E00:
    case 0x5E7A:
    case 0x58F9: return 1; /* 一 幺 壹 */
    case 0x4E8C:
    case 0x8D30: return 2; /* 二 贰 */
    case 0x4E09:
    case 0x53C1: return 3; /* 三 叁 */
    case 0x56DB:
    case 0x8086: return 4; /* 四 肆 */
    case 0x4E94:
    case 0x4F0D: return 5; /* 五 伍 */
    case 0x516D:
    case 0x9646: return 6; /* 六 陆 */
    case 0x4E03:
    case 0x67D2: return 7; /* 七 柒 */
    case 0x516B:
    case 0x634C: return 8; /* 八 捌 */
    case 0x4E5D:
    case 0x7396: return 9; /* 九 玖 */
    default: return -1;
    }
}

static bool ascii_alnum(uint32_t cp)
{
    return (cp >= 'a' && cp <= 'z') || (cp >= '0' && cp <= '9');
}

/* Decode the code point at *pp of text known to be valid UTF-8 and advance past it. */
static inline uint32_t next_cp(const unsigned char **pp)
{
    const unsigned char *p = *pp;
    uint32_t c = p[0];
    if (c < 0x80) {
        *pp = p + 1;
        return c;
    }
    if (c < 0xE0) {
        *pp = p + 2;
        return (c & 0x1F) << 6 | (p[1] & 0x3Fu);
    }
    if (c < 0xF0) {
        *pp = p + 3;
        return (c & 0x0F) << 12 | (p[1] & 0x3Fu) << 6 | (p[2] & 0x3Fu);
    }
    *pp = p + 4;
    return (c & 0x07) << 18 | (p[1] & 0x3Fu) << 12 | (p[2] & 0x3Fu) << 6 | (p[3] & 0x3Fu);
}

/* Decode normalised (valid) UTF-8 into code points, dropping what extra_drop names and turning
 * enclosed digits into ASCII digits. Returns the count. */
static size_t decode_norm(const char *s, size_t len, uint32_t *out)
{
    size_t n = 0;
    const unsigned char *p = (const unsigned char *)s, *end = p + len;
    while (p < end) {
        uint32_t cp = next_cp(&p);
        uint32_t d = enclosed_digit(cp);
        if (d)
            cp = d;
        else if (extra_drop(cp))
            continue;
        out[n++] = cp;
    }
    return n;
}

/* ---- the automaton --------------------------------------------------------------------------- */

typedef struct pat {
    int kind;
    int weight;
    uint32_t len;  /* characters */
    uint32_t next; /* next pattern ending at the same node, +1 (0 = none) */
} pat;

typedef struct node {
    uint32_t fail;       /* longest proper suffix that is a trie node */
    uint32_t dict;       /* nearest node on the fail chain with patterns (0 = none) */
    uint32_t pats;       /* first pattern ending here, +1 (0 = none) */
    uint32_t edge_start; /* into edges[] */
    uint32_t edge_n;
} node;

typedef struct edge {
    uint32_t sym;
    uint32_t to;
} edge;

struct yz_modrules {
    uint32_t *sym_key; /* open addressing: code point, 0 = empty */
    uint32_t *sym_val; /* symbol (1..nsym) of the code point */
    uint32_t sym_mask;
    uint32_t nsym;
    uint32_t *root; /* root transitions by symbol, nsym + 1 entries */
    node *nodes;
    size_t nnodes;
    edge *edges;
    pat *pats;
    size_t npats;
};

static inline uint32_t hash_cp(uint32_t cp)
{
    return cp * 0x9E3779B1u;
}

static uint32_t sym_of(const yz_modrules *r, uint32_t cp)
{
    uint32_t i = hash_cp(cp) & r->sym_mask;
    for (;;) {
        uint32_t k = r->sym_key[i];
        if (k == cp)
            return r->sym_val[i];
        if (k == 0)
            return 0;
        i = (i + 1) & r->sym_mask;
    }
}

static void sym_grow(yz_modrules *r);

static uint32_t sym_add(yz_modrules *r, uint32_t cp)
{
    if ((r->nsym + 1) * 2 > r->sym_mask + 1)
        sym_grow(r);
    uint32_t i = hash_cp(cp) & r->sym_mask;
    while (r->sym_key[i] && r->sym_key[i] != cp)
        i = (i + 1) & r->sym_mask;
    if (!r->sym_key[i]) {
        r->sym_key[i] = cp;
        r->sym_val[i] = ++r->nsym;
    }
    return r->sym_val[i];
}

static void sym_grow(yz_modrules *r)
{
    uint32_t old_n = r->sym_key ? r->sym_mask + 1 : 0, *ok = r->sym_key, *ov = r->sym_val;
    uint32_t n = old_n ? old_n * 2 : 64;
    r->sym_key = yz_calloc(n, sizeof *r->sym_key);
    r->sym_val = yz_calloc(n, sizeof *r->sym_val);
    r->sym_mask = n - 1;
    for (uint32_t i = 0; i < old_n; i++) {
        if (!ok[i])
            continue;
        uint32_t j = hash_cp(ok[i]) & r->sym_mask;
        while (r->sym_key[j])
            j = (j + 1) & r->sym_mask;
        r->sym_key[j] = ok[i];
        r->sym_val[j] = ov[i];
    }
    yz_free(ok);
    yz_free(ov);
}

/* Build-time trie: children as a linked list of (sym, child) kept in a side array. */
typedef struct bnode {
    uint32_t first; /* first child link + 1 */
    uint32_t pats;
} bnode;
typedef struct blink {
    uint32_t sym, to, next; /* next sibling + 1 */
} blink;

static uint32_t child(const bnode *bn, const blink *bl, uint32_t at, uint32_t sym)
{
    for (uint32_t l = bn[at].first; l; l = bl[l - 1].next)
        if (bl[l - 1].sym == sym)
            return bl[l - 1].to;
    return 0;
}

static int cmp_edge(const void *a, const void *b)
{
    const edge *x = a, *y = b;
    return (x->sym > y->sym) - (x->sym < y->sym);
}

/* Follow one symbol from `at` (goto with failure links). */
static inline uint32_t step(const yz_modrules *r, uint32_t at, uint32_t sym)
{
    while (at) {
        const node *nd = &r->nodes[at];
        const edge *e = r->edges + nd->edge_start;
        uint32_t lo = 0, hi = nd->edge_n;
        while (lo < hi) {
            uint32_t mid = (lo + hi) / 2;
            if (e[mid].sym < sym)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (lo < nd->edge_n && e[lo].sym == sym)
            return e[lo].to;
        at = nd->fail;
    }
    return r->root[sym];
}

static const char *const kind_names[] = {"advert", "contact", "vocab"};

int yz_modword_kind_parse(const char *s)
{
    for (int i = 0; s && i < YZ_MODWORD__COUNT; i++)
        if (strcmp(kind_names[i], s) == 0)
            return i;
    return -1;
}

int yz_modrules_build(yz_textnorm *norm, const yz_modword *words, size_t n, yz_modrules **out,
                      yz_errinfo *ei)
{
    *out = NULL;
    yz_modrules *r = yz_calloc(1, sizeof *r);
    sym_grow(r);
    size_t bcap = 64, bn_len = 1, bl_len = 0, blcap = 64, pcap = 16;
    bnode *bn = yz_calloc(bcap, sizeof *bn);
    blink *bl = yz_malloc(blcap * sizeof *bl);
    r->pats = yz_malloc(pcap * sizeof *r->pats);
    yz_buf nb;
    yz_buf_init(&nb);
    uint32_t *cps = NULL;
    int err = YZ_OK;
    for (size_t w = 0; w < n; w++) {
        const yz_modword *mw = &words[w];
        if (mw->kind < 0 || mw->kind >= YZ_MODWORD__COUNT || !mw->word) {
            err = yz_err_set(ei, YZ_EINVAL, "word", "未知的词表类别", "unknown word-list kind");
            goto out;
        }
        yz_buf_reset(&nb);
        if (yz_textnorm_apply(norm, mw->word, &nb)) {
            err = yz_err_set(ei, YZ_EINVAL, "word", "词表中有无效的 UTF-8",
                             "a word list holds invalid UTF-8");
            goto out;
        }
        cps = yz_reallocarray(cps, nb.len + 1, sizeof *cps);
        size_t len = decode_norm(nb.data, nb.len, cps);
        if (len == 0)
            continue;
        uint32_t at = 0;
        for (size_t i = 0; i < len; i++) {
            uint32_t sym = sym_add(r, cps[i]);
            uint32_t c = child(bn, bl, at, sym);
            if (!c) {
                if (bn_len == bcap) {
                    bcap *= 2;
                    bn = yz_reallocarray(bn, bcap, sizeof *bn);
                }
                if (bl_len == blcap) {
                    blcap *= 2;
                    bl = yz_reallocarray(bl, blcap, sizeof *bl);
                }
                c = (uint32_t)bn_len++;
                bn[c] = (bnode){0, 0};
                bl[bl_len] = (blink){sym, c, bn[at].first};
                bn[at].first = (uint32_t)++bl_len;
            }
            at = c;
        }
        /* the same word twice with the same kind counts once */
        bool dup = false;
        for (uint32_t p = bn[at].pats; p; p = r->pats[p - 1].next)
            if (r->pats[p - 1].kind == mw->kind)
                dup = true;
        if (dup)
            continue;
        if (r->npats == pcap) {
            pcap *= 2;
            r->pats = yz_reallocarray(r->pats, pcap, sizeof *r->pats);
        }
        r->pats[r->npats] = (pat){mw->kind, mw->weight, (uint32_t)len, bn[at].pats};
        bn[at].pats = (uint32_t)++r->npats;
    }

    /* flatten and compute failure links breadth-first */
    r->nnodes = bn_len;
    r->nodes = yz_calloc(bn_len, sizeof *r->nodes);
    r->edges = yz_malloc((bl_len ? bl_len : 1) * sizeof *r->edges);
    r->root = yz_calloc(r->nsym + 1, sizeof *r->root);
    size_t ne = 0;
    for (size_t i = 0; i < bn_len; i++) {
        r->nodes[i].edge_start = (uint32_t)ne;
        for (uint32_t l = bn[i].first; l; l = bl[l - 1].next)
            r->edges[ne++] = (edge){bl[l - 1].sym, bl[l - 1].to};
        r->nodes[i].edge_n = (uint32_t)(ne - r->nodes[i].edge_start);
        qsort(r->edges + r->nodes[i].edge_start, r->nodes[i].edge_n, sizeof(edge), cmp_edge);
        r->nodes[i].pats = bn[i].pats;
    }
    for (uint32_t e = 0; e < r->nodes[0].edge_n; e++)
        r->root[r->edges[e].sym] = r->edges[e].to;
    uint32_t *queue = yz_malloc(bn_len * sizeof *queue);
    size_t qh = 0, qt = 0;
    for (uint32_t e = 0; e < r->nodes[0].edge_n; e++)
        queue[qt++] = r->edges[e].to; /* depth 1: fail = root, dict = 0 */
    while (qh < qt) {
        uint32_t u = queue[qh++];
        node *nu = &r->nodes[u];
        for (uint32_t e = nu->edge_start; e < nu->edge_start + nu->edge_n; e++) {
            uint32_t v = r->edges[e].to, sym = r->edges[e].sym;
            uint32_t f = step(r, nu->fail, sym);
            r->nodes[v].fail = f;
            r->nodes[v].dict = r->nodes[f].pats ? f : r->nodes[f].dict;
            queue[qt++] = v;
        }
    }
    yz_free(queue);
out:
    yz_free(bn);
    yz_free(bl);
    yz_free(cps);
    yz_buf_fini(&nb);
    if (err) {
        yz_modrules_free(r);
        return err;
    }
    *out = r;
    return YZ_OK;
}

void yz_modrules_free(yz_modrules *r)
{
    if (!r)
        return;
    yz_free(r->sym_key);
    yz_free(r->sym_val);
    yz_free(r->root);
    yz_free(r->nodes);
    yz_free(r->edges);
    yz_free(r->pats);
    yz_free(r);
}

size_t yz_modrules_count(const yz_modrules *r)
{
    return r ? r->npats : 0;
}

static bool is_space_cp(uint32_t cp);

/* ---- scans ----------------------------------------------------------------------------------- */

/* Phone numbers: a mobile number (11 digits 1[3-9]..., or 13 with 86 in front, 15 with 0086),
 * a fixed line with its area code (10 to 12 digits starting with 0) or a 400/800 service
 * number (10 digits). */
static bool run_is_phone(const char *d, size_t n)
{
    if (n == 13 && d[0] == '8' && d[1] == '6')
        d += 2, n -= 2;
    else if (n == 15 && memcmp(d, "0086", 4) == 0)
        d += 4, n -= 4;
    if (n == 11 && d[0] == '1' && d[1] >= '3')
        return true;
    if (n >= 10 && n <= 12 && d[0] == '0' && d[1] != '0')
        return true;
    if (n == 10 && (memcmp(d, "400", 3) == 0 || memcmp(d, "800", 3) == 0))
        return true;
    return false;
}

/* What may stand between the digits of one phone number: spaces, dashes, dots, brackets,
 * slashes, plus signs and symbols or emoji. Colons and commas end a number, so that times
 * ("08:00-12:00，14:00") and lists do not run together. */
static bool phone_sep(uint32_t cp)
{
    return is_space_cp(cp) || cp == '-' || cp == '_' || cp == '.' || cp == '/' || cp == '\\' ||
           cp == '|' || cp == '*' || cp == '+' || cp == '(' || cp == ')' || cp == '~' ||
           cp == 0xFF08 || cp == 0xFF09 || cp == 0x00B7 || cp == 0x30FC || cp == 0x3001 ||
           (cp >= 0x2010 && cp <= 0x2015) || cp == 0x2212 || extra_drop(cp);
}

/* Phone numbers over the text with invisible characters dropped and full-width ASCII folded;
 * digits in any form (ASCII, Chinese numerals, circled). */
static unsigned scan_phones(const uint32_t *c, size_t n)
{
    char d[24];
    for (size_t i = 0; i < n;) {
        if (digit_value(c[i]) < 0 && !enclosed_digit(c[i])) {
            i++;
            continue;
        }
        size_t j = i, k = 0, last = i;
        bool ascii = false;
        while (j < n) {
            uint32_t e = enclosed_digit(c[j]);
            int dv = e ? (int)(e - '0') : digit_value(c[j]);
            if (dv >= 0) {
                if (k < sizeof d)
                    d[k] = (char)('0' + dv);
                ascii |= c[j] < 0x80 || e;
                k++;
                last = j++;
            } else if (phone_sep(c[j]) && j - last <= 3) {
                j++;
            } else {
                break;
            }
        }
        /* all-Chinese runs must be long to count: 一一 and 三三 are words */
        if (k <= sizeof d && (ascii || k >= 10) && run_is_phone(d, k))
            return YZ_MOD_PHONE;
        i = last + 1;
    }
    return 0;
}

/* An id after a QQ/WeChat keyword ending at c[end]: within 3 characters, a run of at least 5
 * ASCII letters or digits (digits in any form) containing a digit, or of at least 6 letters. */
static bool id_after(const uint32_t *c, size_t n, size_t end)
{
    size_t i = end + 1, skipped = 0;
    while (i < n && !ascii_alnum(c[i]) && digit_value(c[i]) < 0 && skipped < 3)
        i++, skipped++;
    size_t len = 0, digits = 0;
    while (i < n && (ascii_alnum(c[i]) || digit_value(c[i]) >= 0)) {
        if (digit_value(c[i]) >= 0)
            digits++;
        len++, i++;
    }
    return (len >= 5 && digits > 0) || len >= 6;
}

/* Links, over the text with invisible characters dropped, full-width ASCII folded and ASCII
 * lower-cased: "http:" or "https:" (any colon), "www" and a dot, or a label followed by a dot
 * (., 。, ．, ｡, 点, ·, 丶) and a top-level domain. Domains that are also English words only
 * count with a plain dot and no spaces. */
typedef struct tld {
    const char *s;
    bool word; /* also an English word: only "x.me" counts, not "x 。 me" */
} tld;
static const tld tlds[] = {
    {"com", false},   {"cn", false},   {"net", false}, {"org", false}, {"cc", false},
    {"top", true},    {"xyz", false},  {"vip", false}, {"info", true}, {"io", true},
    {"me", true},     {"tk", false},   {"shop", true}, {"club", true}, {"site", true},
    {"online", true}, {"wang", false}, {"ltd", false}, {"biz", false}, {"tw", false},
    {"hk", false},    {"link", true},  {"app", true},  {"ink", true},  {"fun", true},
};

static inline uint32_t fold_link(uint32_t cp)
{
    if (cp >= 0xFF01 && cp <= 0xFF5E)
        cp -= 0xFEE0;
    if (cp >= 'A' && cp <= 'Z')
        cp += 32;
    return cp;
}

static inline bool is_dot(uint32_t cp, bool *plain)
{
    *plain = cp == '.';
    if (cp < 0xB7)
        return cp == '.';
    return cp == '.' || cp == 0x3002 || cp == 0xFF61 || cp == 0x70B9 || cp == 0x00B7 ||
           cp == 0x4E36 || cp == 0x2022 || cp == 0x9EDE; /* 。｡ 点 · 丶 • 點 */
}

static bool is_space_cp(uint32_t cp)
{
    return cp == ' ' || cp == 0x3000 || cp == '\t' || cp == 0xA0;
}

static unsigned scan_links(const uint32_t *c, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint32_t x = c[i];
        if (x != 'h' && x != 'w' && x != '.' &&
            (x < 0xB7 || (x >= 0x3400 && x < 0xA000 && x != 0x70B9 && x != 0x4E36 && x != 0x9EDE)))
            continue;
        if (c[i] == 'h' && i + 4 < n && c[i + 1] == 't' && c[i + 2] == 't' && c[i + 3] == 'p') {
            size_t j = i + 4 + (c[i + 4] == 's');
            if (j < n && (c[j] == ':' || c[j] == 0xFF1A))
                return YZ_MOD_LINK;
        }
        bool plain;
        if (c[i] == 'w' && i + 3 < n && c[i + 1] == 'w' && c[i + 2] == 'w' &&
            is_dot(c[i + 3], &plain))
            return YZ_MOD_LINK;
        if (!is_dot(c[i], &plain) || i == 0)
            continue;
        /* a label before the dot (spaces allowed before it) */
        size_t b = i, sp_before = 0;
        while (b > 0 && is_space_cp(c[b - 1]) && sp_before < 2)
            b--, sp_before++;
        if (b == 0 || !(ascii_alnum(c[b - 1]) || c[b - 1] == '-'))
            continue;
        size_t a = i + 1, sp_after = 0;
        while (a < n && is_space_cp(c[a]) && sp_after < 2)
            a++, sp_after++;
        size_t t = a;
        char word[8];
        size_t wl = 0;
        while (t < n && c[t] >= 'a' && c[t] <= 'z') {
            if (wl < sizeof word - 1)
                word[wl] = (char)c[t];
            wl++, t++;
        }
        if (wl == 0 || wl >= sizeof word || (t < n && ascii_alnum(c[t])))
            continue;
        word[wl] = '\0';
        for (size_t k = 0; k < sizeof tlds / sizeof *tlds; k++) {
            if (strcmp(tlds[k].s, word) != 0)
                continue;
            if (tlds[k].word && (!plain || sp_before || sp_after))
                break;
            return YZ_MOD_LINK;
        }
    }
    return 0;
}

/* ---- screening ------------------------------------------------------------------------------- */

int yz_mod_screen(const yz_modrules *r, yz_textnorm *norm, const char *text, yz_buf *scratch,
                  yz_modverdict *v, yz_errinfo *ei)
{
    memset(v, 0, sizeof *v);
    size_t tl = strlen(text);
    yz_buf_reset(scratch);
    /* layout of scratch: normalised text, then room for code points */
    if (yz_textnorm_apply(norm, text, scratch))
        return yz_err_set(ei, YZ_EINVAL, "text", "文字不是有效的 UTF-8",
                          "the text is not valid UTF-8");
    size_t nlen = scratch->len;
    size_t align = (nlen + 1 + 3) & ~(size_t)3;
    size_t need = align + (nlen + tl + 2) * sizeof(uint32_t);
    yz_buf_reserve(scratch, need);
    uint32_t *c = (uint32_t *)(void *)(scratch->data + align);
    size_t n = decode_norm(scratch->data, nlen, c);
    v->norm_chars = n;

    /* FNV-1a over the code points kept, a 32-bit unit at a time */
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < n; i++) {
        h ^= c[i];
        h *= 0x100000001b3ULL;
    }
    v->hash = h ? h : 1;

    /* Aho-Corasick over the normalised characters */
    uint32_t adverts[32];
    size_t nadv = 0;
    uint32_t at = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t sym = sym_of(r, c[i]);
        if (!sym) {
            at = 0;
            continue;
        }
        at = step(r, at, sym);
        uint32_t o = r->nodes[at].pats ? at : r->nodes[at].dict;
        for (; o; o = r->nodes[o].dict) {
            for (uint32_t p = r->nodes[o].pats; p; p = r->pats[p - 1].next) {
                const pat *pt = &r->pats[p - 1];
                if (pt->kind == YZ_MODWORD_VOCAB) {
                    v->vocab_hits++;
                } else if (pt->kind == YZ_MODWORD_CONTACT) {
                    if (id_after(c, n, i))
                        v->reasons |= YZ_MOD_CONTACT_ID;
                } else {
                    bool seen = false;
                    for (size_t k = 0; k < nadv; k++)
                        seen |= adverts[k] == p;
                    if (!seen && nadv < 32) {
                        adverts[nadv++] = p;
                        v->advert_weight += pt->weight;
                    }
                }
            }
        }
    }
    if (v->advert_weight >= YZ_MOD_ADVERT_WEIGHT)
        v->reasons |= YZ_MOD_ADVERT;

    /* off topic: long, and fewer than one station word per 40 characters */
    if (n >= YZ_MOD_OFFTOPIC_MIN_CHARS && (size_t)v->vocab_hits * 40 < n)
        v->reasons |= YZ_MOD_OFF_TOPIC;

    /* links over the raw text, reusing the code-point room */
    size_t m = 0;
    const unsigned char *p = (const unsigned char *)text, *end = p + tl;
    while (p < end) { /* valid: the normaliser checked it */
        uint32_t cp = next_cp(&p);
        if (cp >= 0xAD && invisible(cp))
            continue;
        c[m++] = fold_link(cp);
    }
    v->reasons |= scan_links(c, m) | scan_phones(c, m);
    return YZ_OK;
}

bool yz_mod_repeated(const yz_modverdict *v, int64_t earlier)
{
    return v->norm_chars >= YZ_MOD_REPEAT_MIN_CHARS && earlier + 1 >= YZ_MOD_REPEAT_COPIES;
}

static const char *const reason_names[YZ_MOD__COUNT] = {
    "advert", "link", "phone", "contact_id", "repeated", "off_topic", "learned"};

void yz_mod_reasons_json(unsigned mask, yz_buf *b)
{
    yz_buf_putc(b, '[');
    bool first = true;
    for (int i = 0; i < YZ_MOD__COUNT; i++) {
        if (!(mask & 1u << i))
            continue;
        if (!first)
            yz_buf_putc(b, ',');
        first = false;
        yz_buf_putc(b, '"');
        yz_buf_puts(b, reason_names[i]);
        yz_buf_putc(b, '"');
    }
    yz_buf_putc(b, ']');
}

void yz_mod_reasons_csv(unsigned mask, yz_buf *b)
{
    bool first = true;
    for (int i = 0; i < YZ_MOD__COUNT; i++) {
        if (!(mask & 1u << i))
            continue;
        if (!first)
            yz_buf_putc(b, ',');
        first = false;
        yz_buf_puts(b, reason_names[i]);
    }
}

unsigned yz_mod_reasons_parse(const char *csv)
{
    unsigned mask = 0;
    while (csv && *csv) {
        const char *e = strchr(csv, ',');
        size_t len = e ? (size_t)(e - csv) : strlen(csv);
        for (int i = 0; i < YZ_MOD__COUNT; i++)
            if (strlen(reason_names[i]) == len && memcmp(reason_names[i], csv, len) == 0)
                mask |= 1u << i;
        csv = e ? e + 1 : NULL;
    }
    return mask;
}
