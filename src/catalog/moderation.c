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

/* The value of a digit as a phone number may be written with it, after folding (which makes
 * the digits of every script ASCII): ASCII, Chinese numerals plain and financial, 幺 as read
 * aloud; -1 otherwise. */
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

static inline bool ascii_letter(uint32_t cp)
{
    return cp >= 'a' && cp <= 'z';
}

static inline bool is_han(uint32_t cp)
{
    return (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x4E00 && cp <= 0x9FFF) ||
           (cp >= 0x20000 && cp <= 0x3FFFF);
}

/* ---- folding: the two views of a text -------------------------------------------------------- */

/* A text folded character by character with yz_textnorm_fold (look-alikes, digits of every
 * script, NFKC, case, t2s), invisible characters dropped. `s` keeps spaces, punctuation and
 * symbols, for the link and phone scans; `w` is its letters and digits only, what the word
 * lists match, with brk[i] set when something stood between w[i - 1] and w[i] in `s`. */
typedef struct folded {
    uint32_t *s;
    size_t ns;
    uint32_t *w;
    uint8_t *brk;
    size_t nw;
} folded;

/* A character the word view keeps: ASCII letters and digits, and what the text normaliser
 * keeps that a reader sees as a letter (not extra_drop). */
static inline bool word_char(uint32_t c)
{
    if (c < 0x80)
        return ascii_alnum(c);
    return !yz_text_dropped(c) && !extra_drop(c);
}

/* Room for folding a text of `len` bytes: the arrays of `f` are carved from `b` (reset). */
static void fold_reserve(yz_buf *b, size_t len, folded *f)
{
    size_t cap = (len + 1) * YZ_TEXT_FOLD_MAX;
    yz_buf_reset(b);
    yz_buf_reserve(b, cap * (2 * sizeof(uint32_t) + 1) + 16);
    uintptr_t base = ((uintptr_t)b->data + 3) & ~(uintptr_t)3;
    f->s = (uint32_t *)base;
    f->w = f->s + cap;
    f->brk = (uint8_t *)(f->w + cap);
    f->ns = f->nw = 0;
}

/* Fold the valid UTF-8 text[0..len) into `f` (room from fold_reserve). */
static void fold_text(yz_textnorm *norm, const char *text, size_t len, folded *f)
{
    const unsigned char *p = (const unsigned char *)text, *end = p + len;
    bool gap = false;
    uint32_t out[YZ_TEXT_FOLD_MAX];
    while (p < end) {
        uint32_t cp = yz_utf8_next(&p);
        size_t k = 1;
        if (cp < 0x80) /* the common cases first, without a call */
            out[0] = cp >= 'A' && cp <= 'Z' ? cp + 32 : cp;
        else if (cp >= 0xAD && invisible(cp))
            continue;
        else
            k = yz_textnorm_fold(norm, cp, out);
        for (size_t i = 0; i < k; i++) {
            uint32_t c = out[i];
            f->s[f->ns++] = c;
            if (!word_char(c)) {
                gap = true;
                continue;
            }
            f->brk[f->nw] = gap;
            f->w[f->nw++] = c;
            gap = false;
        }
    }
}

/* ---- the automaton --------------------------------------------------------------------------- */

typedef struct pat {
    int kind;
    int weight;
    uint32_t len;  /* characters */
    uint32_t next; /* next pattern ending at the same node, +1 (0 = none) */
    bool latin;    /* starts with an ASCII letter: matches only at the start of a word */
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
    folded fw;
    int err = YZ_OK;
    for (size_t w = 0; w < n; w++) {
        const yz_modword *mw = &words[w];
        if (mw->kind < 0 || mw->kind >= YZ_MODWORD__COUNT || !mw->word) {
            err = yz_err_set(ei, YZ_EINVAL, "word", "未知的词表类别", "unknown word-list kind");
            goto out;
        }
        size_t wl = strlen(mw->word);
        if (!yz_utf8_valid(mw->word, wl)) {
            err = yz_err_set(ei, YZ_EINVAL, "word", "词表中有无效的 UTF-8",
                             "a word list holds invalid UTF-8");
            goto out;
        }
        /* folded like the texts it is matched against: its letters and digits */
        fold_reserve(&nb, wl, &fw);
        fold_text(norm, mw->word, wl, &fw);
        const uint32_t *cps = fw.w;
        size_t len = fw.nw;
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
        r->pats[r->npats] =
            (pat){mw->kind, mw->weight, (uint32_t)len, bn[at].pats, ascii_letter(cps[0])};
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

/* ---- phone numbers --------------------------------------------------------------------------- */

/* A mobile number (11 digits 1[3-9]..., or 13 with 86 in front, 15 with 0086), a fixed line
 * with its area code (10 to 12 digits starting with 0) or a 400/800 service number (10
 * digits). */
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

static inline bool is_space_cp(uint32_t cp)
{
    return cp == ' ' || cp == '\t' || cp == 0x3000 || cp == 0xA0;
}

/* What may stand between the digits of one group: spaces, dashes, dots, brackets, slashes,
 * plus signs and symbols or emoji. Colons, commas, semicolons and line breaks end a group (a
 * time "08:00-12:00，14:00" is not one number); groups may still join into a phone number
 * (scan_phones). */
static bool phone_sep(uint32_t cp)
{
    return is_space_cp(cp) || cp == '-' || cp == '_' || cp == '.' || cp == '/' || cp == '\\' ||
           cp == '|' || cp == '*' || cp == '+' || cp == '(' || cp == ')' || cp == '~' ||
           cp == 0x00B7 || cp == 0x30FC || cp == 0x3001 || (cp >= 0x2010 && cp <= 0x2015) ||
           cp == 0x2212 || extra_drop(cp);
}

/* Characters that make the number before them a quantity: money, counts, floors, times,
 * dates, distances, sizes (simplified: the text is folded). */
static const char units_after[] = "万亿千百十个人件份位倍元块角毛分包单卷升双口台号吨周名天小层岁"
                                  "度座张弄折把斤日星时月期条杯栋楼次毫点瓶盒碗秒站级线街路辆里"
                                  "重钟门间阵闸室年幢巷米克排部款届%°℃";

static bool unit_char(uint32_t cp)
{
    const unsigned char *p = (const unsigned char *)units_after;
    while (*p)
        if (yz_utf8_next(&p) == cp)
            return true;
    return false;
}

/* Latin units written after a number, as whole words (48v, 20ah, 24h, 5km): single letters
 * other than v, w and h are left out, as spammers split numbers with them. */
static const char *const units_latin[] = {
    "v",  "w",  "h",  "ah", "mah", "kw", "kwh", "hr", "hrs", "km",  "kg",   "cm",  "mm",  "ml",
    "mb", "gb", "tb", "pm", "am",  "st", "nd",  "rd", "th",  "min", "mins", "rmb", "yuan"};

/* Whether the number whose last digit is s[end] is a quantity: a unit follows (after at most
 * one space), or a currency sign or 第 precedes the number starting at s[start]. */
static bool is_quantity(const uint32_t *s, size_t n, size_t start, size_t end)
{
    size_t a = end + 1;
    if (a < n && is_space_cp(s[a]))
        a++;
    if (a < n && unit_char(s[a]))
        return true;
    if (a < n && ascii_letter(s[a])) {
        char u[6];
        size_t l = 0;
        while (a + l < n && ascii_letter(s[a + l]) && l < sizeof u - 1) {
            u[l] = (char)s[a + l];
            l++;
        }
        if (!(a + l < n && ascii_alnum(s[a + l]))) { /* a whole word: 1a3b8 has no unit */
            u[l] = '\0';
            for (size_t i = 0; i < sizeof units_latin / sizeof *units_latin; i++)
                if (strcmp(units_latin[i], u) == 0)
                    return true;
        }
    }
    size_t b = start;
    if (b > 0 && is_space_cp(s[b - 1]))
        b--;
    if (b > 0) {
        uint32_t c = s[b - 1];
        if (c == 0xA5 || c == '$' || c == 0x20AC || c == 0x7B2C) /* ¥ $ € 第 */
            return true;
    }
    return false;
}

/* A group of digits that may be (a piece of) a phone number. */
typedef struct group {
    size_t start, end; /* s[] positions of the first and the last digit */
    char d[16];        /* the digits, ASCII; nd may be more than fit */
    size_t nd;
    bool latin; /* has a digit that is not a Han numeral */
    bool alone; /* a quantity or a part of a time: joins no other group */
} group;

enum {
    PHONE_GAP_MAX = 8,   /* characters between two groups of one split phone number */
    PHONE_CHAIN_MAX = 12 /* groups remembered in a chain */
};

/* Whether group `b` may continue the phone number that group `a` (just before it) is a part
 * of: neither is a quantity or a time, at most PHONE_GAP_MAX characters between them (line
 * breaks, semicolons, commas, spaces, letters or words), and a group of Han numerals only
 * joins with two digits or more across punctuation, never across words (一一都很满意，三三). */
static bool joins(const uint32_t *s, const group *a, const group *b)
{
    if (a->alone || b->alone || b->start - a->end - 1 > PHONE_GAP_MAX)
        return false;
    bool wordy = false;
    for (size_t i = a->end + 1; i < b->start; i++)
        wordy |= word_char(s[i]);
    if (!a->latin || !b->latin)
        return !wordy && (a->latin || a->nd >= 2) && (b->latin || b->nd >= 2);
    return true;
}

/* Whether the Latin token around s[at] goes on past it in direction `dir` (+1 or -1): a
 * Latin letter or digit next to it, or one after a dash, underscore, dot or slash
 * (e4b8-2a9d). */
static bool token_goes_on(const uint32_t *c, size_t n, size_t at, int dir)
{
    size_t i = at;
    for (int step = 0; step < 2; step++) {
        if (dir < 0 ? i == 0 : i + 1 >= n)
            return false;
        i = dir < 0 ? i - 1 : i + 1;
        if (ascii_alnum(c[i]))
            return true;
        if (c[i] != '-' && c[i] != '_' && c[i] != '.' && c[i] != '/')
            return false;
    }
    return false;
}

/* Phone numbers over the folded text: groups of digits (ASCII after folding, Han numerals)
 * with up to 3 separators between digits; a group is a phone number, or a chain of groups
 * that `joins` links is one when some run of its groups spells exactly one (138;1234;5678,
 * 138 abc 1234 abc 5678, 一三八，一二三四，五六七八). */
static unsigned scan_phones(const uint32_t *c, size_t n)
{
    group chain[PHONE_CHAIN_MAX];
    size_t nchain = 0;
    for (size_t i = 0; i < n;) {
        if (digit_value(c[i]) < 0) {
            i++;
            continue;
        }
        group g = {.start = i};
        size_t j = i, last = i;
        while (j < n) {
            int dv = digit_value(c[j]);
            if (dv >= 0) {
                if (g.nd < sizeof g.d)
                    g.d[g.nd] = (char)('0' + dv);
                g.latin |= c[j] < 0x80;
                g.nd++;
                last = j++;
            } else if (phone_sep(c[j]) && j - last <= 3) {
                j++;
            } else {
                break;
            }
        }
        g.end = last;
        i = last + 1;
        /* all-Han runs must be long to count alone: 一一 and 三三 are words */
        if (g.nd <= sizeof g.d && (g.latin || g.nd >= 10) && run_is_phone(g.d, g.nd))
            return YZ_MOD_PHONE;
        bool time = (g.start >= 2 && c[g.start - 1] == ':' && digit_value(c[g.start - 2]) >= 0) ||
                    (g.end + 2 < n && c[g.end + 1] == ':' && digit_value(c[g.end + 2]) >= 0);
        g.alone = time || g.nd > sizeof g.d || is_quantity(c, n, g.start, g.end);
        if (nchain && !joins(c, &chain[nchain - 1], &g))
            nchain = 0;
        if (nchain == PHONE_CHAIN_MAX) {
            memmove(chain, chain + 1, (PHONE_CHAIN_MAX - 1) * sizeof *chain);
            nchain--;
        }
        chain[nchain++] = g;
        /* every run of two or more groups ending with this one that is a token of its own
         * (token_goes_on), or hexadecimal ids would spell phone numbers */
        char d[24];
        size_t nd = g.nd;
        if (token_goes_on(c, n, g.end, +1))
            continue;
        for (size_t k = nchain - 1; k-- > 0 && nd + chain[k].nd <= sizeof d;) {
            nd += chain[k].nd;
            if (token_goes_on(c, n, chain[k].start, -1))
                continue;
            size_t at = 0;
            for (size_t m = k; m < nchain; m++) {
                memcpy(d + at, chain[m].d, chain[m].nd);
                at += chain[m].nd;
            }
            if (run_is_phone(d, nd))
                return YZ_MOD_PHONE;
        }
    }
    return 0;
}

/* ---- contact ids ----------------------------------------------------------------------------- */

/* An id after a QQ/WeChat keyword ending at w[end]: within 3 characters, a run of at least 5
 * letters or digits (digits in any form) containing a digit, or of at least 6 letters written
 * as one word (so "qq music is great" is no id). */
static bool id_after(const folded *f, size_t end)
{
    const uint32_t *c = f->w;
    size_t n = f->nw, i = end + 1, skipped = 0;
    while (i < n && !ascii_alnum(c[i]) && digit_value(c[i]) < 0 && skipped < 3)
        i++, skipped++;
    size_t len = 0, digits = 0, breaks = 0;
    for (size_t s = i; i < n && (ascii_alnum(c[i]) || digit_value(c[i]) >= 0); i++) {
        if (digit_value(c[i]) >= 0)
            digits++;
        breaks += i > s && f->brk[i];
        len++;
    }
    return (len >= 5 && digits > 0) || (len >= 6 && breaks == 0);
}

/* ---- links ----------------------------------------------------------------------------------- */

/* Links over the folded text (NFKC, lower case, look-alikes as ASCII): "://" and "http:",
 * "hxxp:" with or without spaces; "www" and a dot; "xn--"; a bare IPv4 address; or a label
 * followed by a dot and a top-level domain. A dot may be ".", "。", "点", "·", "丶", "•", the
 * word "dot", a symbol or emoji, with spaces or brackets around it; domains that are also
 * English words only count after a plain dot with nothing around it. */
typedef struct tld {
    const char *s;
    bool word; /* also an English word: only "x.me" counts, not "x 。 me" */
} tld;
static const tld tlds[] = {
    {"com", false},   {"cn", false},   {"net", false}, {"org", false},  {"cc", false},
    {"top", true},    {"xyz", false},  {"vip", false}, {"info", true},  {"io", true},
    {"me", true},     {"tk", false},   {"shop", true}, {"club", true},  {"site", true},
    {"online", true}, {"wang", false}, {"ltd", false}, {"biz", false},  {"tw", false},
    {"hk", false},    {"link", true},  {"app", true},  {"ink", true},   {"fun", true},
    {"co", true},     {"ai", true},    {"ly", false},  {"gl", false},   {"gd", false},
    {"im", false},    {"ru", false},   {"jp", false},  {"kr", false},   {"uk", false},
    {"pw", false},    {"cf", false},   {"ml", false},  {"ga", false},   {"gq", false},
    {"icu", false},   {"cyou", false}, {"ws", false},  {"tv", false},   {"mo", false},
    {"sg", false},    {"live", true},  {"pro", true},  {"store", true}, {"tech", true},
    {"id", true},     {"work", true},
};

/* Internationalised top-level domains (simplified: the text is folded). */
static const char *const tlds_han[] = {
    "中国",   "公司", "网络", "在线", "中文网", "网址", "商城", "网店", "集团", "我爱你", "移动",
    "信息",   "手机", "游戏", "企业", "娱乐",   "商标", "购物", "网站", "香港", "台湾",   "澳门",
    "新加坡", "商店", "时尚", "健康", "招聘",   "微博", "广东", "佛山", "联通", "八卦",
};

/* Labels that "dot" follows in English prose ("a dot com company"). */
static const char *const dot_prose[] = {"a", "an", "the", "one", "his", "her", "its", "my"};

static inline bool is_dot(uint32_t cp, bool *plain)
{
    *plain = cp == '.';
    if (cp < 0xB7)
        return cp == '.';
    return cp == 0x3002 || cp == 0x70B9 || cp == 0x00B7 || cp == 0x4E36 || cp == 0x2022 ||
           cp == 0x2027 || cp == 0x2219 || cp == 0x22C5 || cp == 0x30FB || cp == 0x25CF ||
           cp == 0x25CB || cp == 0x25E6; /* 。 点 · 丶 • ‧ ∙ ⋅ ・ ● ○ ◦ */
}

static inline bool is_wrap(uint32_t cp)
{
    return is_space_cp(cp) || cp == '(' || cp == ')' || cp == '[' || cp == ']' || cp == '{' ||
           cp == '}' || cp == '<' || cp == '>' || cp == '"' || cp == '\'' || cp == 0x3010 ||
           cp == 0x3011;
}

/* A UTF-8 Han string at c[a..n) followed by no Han character. */
static bool han_tld_at(const uint32_t *c, size_t n, size_t a)
{
    for (size_t k = 0; k < sizeof tlds_han / sizeof *tlds_han; k++) {
        const unsigned char *p = (const unsigned char *)tlds_han[k];
        size_t i = a;
        while (*p && i < n && yz_utf8_next(&p) == c[i])
            i++;
        if (!*p && (i == n || !is_han(c[i])) && i > a)
            return true;
    }
    return false;
}

/* A dot token at c[i]: its length (1, or 3 for "dot") and whether it is a plain '.'; 0 if
 * there is none. */
static size_t dot_at(const uint32_t *c, size_t n, size_t i, bool *plain)
{
    if (is_dot(c[i], plain))
        return 1;
    *plain = false;
    if (c[i] == 'd' && i + 2 < n && c[i + 1] == 'o' && c[i + 2] == 't' &&
        (i == 0 || !ascii_letter(c[i - 1])) && (i + 3 == n || !ascii_letter(c[i + 3])))
        return 3;
    if (c[i] >= 0x80 && extra_drop(c[i])) /* an emoji or a symbol as the dot */
        return 1;
    return 0;
}

/* A bare IPv4 address starting at c[i]: four numbers 0..255 joined by plain dots. */
static bool ipv4_at(const uint32_t *c, size_t n, size_t i)
{
    if (i > 0 && (ascii_alnum(c[i - 1]) || c[i - 1] == '.'))
        return false;
    for (int part = 0; part < 4; part++) {
        unsigned v = 0, k = 0;
        while (i < n && c[i] >= '0' && c[i] <= '9' && k < 4)
            v = v * 10 + (c[i++] - '0'), k++;
        if (k == 0 || k > 3 || v > 255)
            return false;
        if (part < 3) {
            if (i >= n || c[i] != '.')
                return false;
            i++;
        }
    }
    return i == n || !(ascii_alnum(c[i]) || (c[i] == '.' && i + 1 < n && ascii_alnum(c[i + 1])));
}

static bool word_at(const uint32_t *c, size_t n, size_t i, const char *w)
{
    for (; *w; w++, i++)
        if (i >= n || c[i] != (uint32_t)*w)
            return false;
    return true;
}

static unsigned scan_links(const uint32_t *c, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint32_t x = c[i];
        /* most characters start nothing: Han but 点 and 丶, ASCII letters but h, x, w, d */
        if (x >= 0x80 ? is_han(x) && x != 0x70B9 && x != 0x4E36
                      : ascii_letter(x) && x != 'h' && x != 'x' && x != 'w' && x != 'd')
            continue;
        if (x == ':') { /* "://", spaces allowed */
            size_t j = i + 1, sp = 0;
            while (j < n && is_space_cp(c[j]) && sp < 2)
                j++, sp++;
            if (j < n && c[j] == '/') {
                j++, sp = 0;
                while (j < n && is_space_cp(c[j]) && sp < 2)
                    j++, sp++;
                if (j < n && c[j] == '/')
                    return YZ_MOD_LINK;
            }
            continue;
        }
        if (x == 'h' && (word_at(c, n, i, "http") || word_at(c, n, i, "hxxp"))) {
            size_t j = i + 4 + (i + 4 < n && c[i + 4] == 's'), sp = 0;
            while (j < n && is_space_cp(c[j]) && sp < 2)
                j++, sp++;
            if (j < n && c[j] == ':')
                return YZ_MOD_LINK;
        }
        if (x == 'x' && word_at(c, n, i, "xn--") && (i == 0 || !ascii_alnum(c[i - 1])))
            return YZ_MOD_LINK;
        if (x >= '1' && x <= '9' && ipv4_at(c, n, i))
            return YZ_MOD_LINK;
        bool plain;
        if (x == 'w' && word_at(c, n, i, "www") && i + 3 < n && dot_at(c, n, i + 3, &plain))
            return YZ_MOD_LINK;
        size_t dl = i > 0 ? dot_at(c, n, i, &plain) : 0;
        if (!dl)
            continue;
        /* a label before the dot (spaces or brackets allowed around it) */
        size_t b = i, wrap = 0;
        while (b > 0 && is_wrap(c[b - 1]) && wrap < 2)
            b--, wrap++;
        if (b == 0 || !(ascii_alnum(c[b - 1]) || c[b - 1] == '-' || is_han(c[b - 1])))
            continue;
        size_t a = i + dl;
        while (a < n && is_wrap(c[a]) && wrap < 4)
            a++, wrap++;
        bool bare = plain && wrap == 0;
        if (is_han(c[b - 1]) || (a < n && is_han(c[a]))) { /* 例子.中国, abc.公司 */
            if (bare && han_tld_at(c, n, a))
                return YZ_MOD_LINK;
            continue;
        }
        if (!bare) { /* a written-out dot after a word of prose is no link */
            size_t l = b;
            while (l > 0 && ascii_alnum(c[l - 1]))
                l--;
            bool prose = false;
            for (size_t k = 0; k < sizeof dot_prose / sizeof *dot_prose; k++)
                prose |= strlen(dot_prose[k]) == b - l && word_at(c, n, l, dot_prose[k]);
            if (prose)
                continue;
        }
        size_t t = a;
        char word[8];
        size_t wl = 0;
        while (t < n && ascii_letter(c[t])) {
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
            if (tlds[k].word && !bare)
                break;
            return YZ_MOD_LINK;
        }
    }
    return 0;
}

/* ---- off topic ------------------------------------------------------------------------------- */

enum {
    GIBBERISH_RUN = 25 /* ASCII letters in a row without a space: no English word is that long */
};

/* Off topic: Chinese text of YZ_MOD_OFFTOPIC_MIN_CHARS Han characters or more with fewer than
 * one station word per 40 of them (the vocabulary is Chinese, plus English words that count
 * in mixed text); for Latin text only a run of GIBBERISH_RUN letters without a break.
 * English reviews are not judged by vocabulary: letters are not words, and an English
 * review that says nothing of the station harms nobody. */
static unsigned off_topic(const folded *f, int vocab_hits)
{
    size_t han = 0;
    for (size_t i = 0; i < f->nw; i++)
        han += is_han(f->w[i]);
    if (han >= YZ_MOD_OFFTOPIC_MIN_CHARS && (size_t)vocab_hits * 40 < han)
        return YZ_MOD_OFF_TOPIC;
    size_t run = 0;
    for (size_t i = 0; i < f->ns; i++) {
        run = ascii_letter(f->s[i]) ? run + 1 : 0;
        if (run >= GIBBERISH_RUN)
            return YZ_MOD_OFF_TOPIC;
    }
    return 0;
}

/* ---- screening ------------------------------------------------------------------------------- */

int yz_mod_screen(const yz_modrules *r, yz_textnorm *norm, const char *text, yz_buf *scratch,
                  yz_modverdict *v, yz_errinfo *ei)
{
    memset(v, 0, sizeof *v);
    size_t tl = strlen(text);
    if (!yz_utf8_valid(text, tl))
        return yz_err_set(ei, YZ_EINVAL, "text", "文字不是有效的 UTF-8",
                          "the text is not valid UTF-8");
    folded f;
    fold_reserve(scratch, tl, &f);
    fold_text(norm, text, tl, &f);
    const uint32_t *c = f.w;
    size_t n = f.nw;
    v->norm_chars = n;

    /* FNV-1a over the letters and digits, a 32-bit unit at a time */
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < n; i++) {
        h ^= c[i];
        h *= 0x100000001b3ULL;
    }
    v->hash = h ? h : 1;

    /* Aho-Corasick over the letters and digits */
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
                size_t start = i + 1 - pt->len;
                /* a Latin word matches at the start of a word only: not the wx of "new xiaomi" */
                if (pt->latin && start > 0 && ascii_alnum(c[start - 1]) && !f.brk[start])
                    continue;
                if (pt->kind == YZ_MODWORD_VOCAB) {
                    v->vocab_hits++;
                } else if (pt->kind == YZ_MODWORD_CONTACT) {
                    if (id_after(&f, i))
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
    v->reasons |= off_topic(&f, v->vocab_hits);
    v->reasons |= scan_links(f.s, f.ns) | scan_phones(f.s, f.ns);
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
