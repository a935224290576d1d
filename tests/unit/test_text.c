/* SPDX-License-Identifier: MIT */
/* tests/unit/test_text.c - catalog/text: normalisation, the bigram index, pinyin initials,
 * ranking, and a brute-force oracle over random docs and queries. */
#include "catalog/text.h"

#include "core/alloc.h"

#include <criterion/criterion.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static yz_textnorm *norm;

static void setup(void)
{
    yz_errinfo ei;
    int err = yz_textnorm_new(&norm, &ei);
    cr_assert_eq(err, YZ_OK, "yz_textnorm_new: %s", ei.msg_en);
}

static void teardown(void)
{
    yz_textnorm_free(norm);
    norm = NULL;
}

TestSuite(text, .init = setup, .fini = teardown);

/* ---- helpers ----------------------------------------------------------------------------- */

static yz_textindex *build(const yz_textdoc *docs, size_t ndocs)
{
    yz_textindex *ix = NULL;
    yz_errinfo ei;
    int err = yz_textindex_build(norm, docs, ndocs, &ix, &ei);
    cr_assert_eq(err, YZ_OK, "build: %s", ei.msg_en);
    cr_assert_not_null(ix);
    return ix;
}

/* Search with room for every doc; returns the number of hits. Hits go to hits[] (may be NULL
 * when only the count matters; then up to 64 are kept in a local buffer). */
static size_t search(const yz_textindex *ix, const char *q, yz_texthit *hits, size_t max)
{
    yz_texthit local[64];
    size_t n_out = 99, n_total = 99;
    yz_errinfo ei;
    if (!hits) {
        hits = local;
        max = 64;
    }
    int err = yz_textindex_search(ix, norm, q, hits, max, &n_out, &n_total, &ei);
    cr_assert_eq(err, YZ_OK, "search \"%s\": %s", q, ei.msg_en);
    cr_assert_eq(n_out, n_total < max ? n_total : max, "search \"%s\"", q);
    return n_total;
}

/* The score of `doc` for `q`, 0 if it is not found. */
static int score_of(const yz_textindex *ix, const char *q, uint32_t doc)
{
    yz_texthit hits[64];
    size_t n = search(ix, q, hits, 64);
    cr_assert_leq(n, 64);
    for (size_t i = 0; i < n; i++)
        if (hits[i].doc == doc)
            return hits[i].score;
    return 0;
}

static void expect_norm(const char *in, const char *want)
{
    yz_buf b;
    yz_buf_init(&b);
    cr_assert_eq(yz_textnorm_apply(norm, in, &b), YZ_OK, "normalise \"%s\"", in);
    cr_expect_str_eq(b.data, want, "normalise \"%s\"", in);
    yz_buf_fini(&b);
}

/* ---- normalisation ------------------------------------------------------------------------ */

Test(text, norm_t2s)
{
    expect_norm("溫州市總工會", "温州市总工会");
    expect_norm("工會大廈", "工会大厦");
    expect_norm("驛站", "驿站");
    expect_norm("温州市总工会", "温州市总工会"); /* simplified stays */
    expect_norm("薴", "苎");                     /* 薴 -> 苧 -> 苎: converted to a fixed point */
    expect_norm("苧", "苎");
    expect_norm("𠀀", "𠀀"); /* outside the BMP: not cached, still converted (unchanged) */
}

Test(text, norm_fold)
{
    expect_norm("DiDi 出行", "didi出行");
    expect_norm("ＡＢｃ１２３", "abc123");
    expect_norm("  工会，驿站。(24h) 【旗舰】 ", "工会驿站24h旗舰");
    expect_norm("Café ÉCOLE", "caféécole");
    expect_norm("a\u3000b\u00a0c\u200bd\ufe0fe", "abcde");
    expect_norm("二〇二四々", "二〇二四々");
    expect_norm("", "");
}

Test(text, norm_invalid_utf8)
{
    const char *bad[] = {
        "\xC0\xAF",         /* overlong '/' */
        "\xE0\x80\xAF",     /* overlong, 3 bytes */
        "\xED\xA0\x80",     /* surrogate U+D800 */
        "\xF4\x90\x80\x80", /* U+110000 */
        "\xE5\xB7",         /* truncated */
        "ok\x80",           /* stray continuation byte */
        "\xF8\x88\x80\x80\x80",
    };
    yz_buf b;
    yz_buf_init(&b);
    yz_buf_puts(&b, "keep");
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cr_expect_eq(yz_textnorm_apply(norm, bad[i], &b), YZ_EINVAL, "case %zu", i);
        cr_expect_str_eq(b.data, "keep", "case %zu leaves the buffer unchanged", i);
    }
    yz_buf_fini(&b);
}

Test(text, pinyin_table)
{
    uint32_t c = 1u << ('c' - 'a'), z = 1u << ('z' - 'a'), h = 1u << ('h' - 'a');
    uint32_t x = 1u << ('x' - 'a'), g = 1u << ('g' - 'a');
    cr_expect(yz_text_pinyin_initials(0x91CD) & c);                   /* 重 chóng */
    cr_expect(yz_text_pinyin_initials(0x91CD) & z);                   /* 重 zhòng */
    cr_expect_eq(yz_text_pinyin_initials(0x884C) & (h | x), h | x);   /* 行 háng, xíng */
    cr_expect_eq(yz_text_pinyin_initials(0x5DE5), g);                 /* 工 gōng */
    cr_expect(yz_text_pinyin_initials(0x5463) & (1u << ('m' - 'a'))); /* 呣 ḿ */
    cr_expect(yz_text_pinyin_initials(0x55EF) & (1u << ('n' - 'a'))); /* 嗯 ń */
    cr_expect(yz_text_pinyin_initials(0x5B89) & 1u);                  /* 安 ān */
    cr_expect_eq(yz_text_pinyin_initials('a'), 0);
    cr_expect_eq(yz_text_pinyin_initials(0x10FFFF), 0);
}

/* ---- search ------------------------------------------------------------------------------- */

static const yz_textdoc city[] = {
    /* 0 */ {"工會大廈驛站", "浙江省溫州市鹿城區解放街1號"},
    /* 1 */ {"鹿城区五马街道户外劳动者驿站", "浙江省温州市鹿城区五马街2号"},
    /* 2 */ {"重慶路驛站", "浙江省温州市龙湾区重庆路8号"},
    /* 3 */ {"中國銀行爱心驿站", "浙江省杭州市西湖区文三路"},
    /* 4 */ {"DiDi 司机之家", "浙江省宁波市海曙区"},
    /* 5 */ {"SINOPEC 中国石化 加油站", "浙江省温州市瓯海区"},
    /* 6 */ {"白鹿", "浙江省台州市"},
    /* 7 */ {NULL, NULL},
};
#define NCITY (sizeof city / sizeof city[0])

Test(text, simplified_finds_traditional)
{
    yz_textindex *ix = build(city, NCITY);
    cr_expect_gt(score_of(ix, "工会", 0), 0);
    cr_expect_gt(score_of(ix, "工會", 0), 0);
    cr_expect_gt(score_of(ix, "工会大厦", 0), 0);
    cr_expect_eq(search(ix, "工会", NULL, 0), 1);
    yz_textindex_free(ix);
}

Test(text, traditional_finds_simplified)
{
    yz_textdoc docs[] = {{"工会大厦", "温州市总工会"}, {"图书馆", "杭州"}};
    yz_textindex *ix = build(docs, 2);
    cr_expect_eq(score_of(ix, "工會大廈", 0), YZ_TEXT_SCORE_EXACT);
    cr_expect_eq(score_of(ix, "溫州市總工會", 0), YZ_TEXT_SCORE_ADDRESS);
    cr_expect_eq(score_of(ix, "圖書館", 1), YZ_TEXT_SCORE_EXACT);
    yz_textindex_free(ix);
}

Test(text, wenzhou_both_forms)
{
    yz_textindex *ix = build(city, NCITY);
    /* Docs 0 (溫州, traditional), 1, 2 and 5 (温州) have it in the address. */
    yz_texthit hits[16];
    for (int form = 0; form < 2; form++) {
        size_t n = search(ix, form ? "溫州" : "温州", hits, 16);
        cr_expect_eq(n, 4);
        bool seen[NCITY] = {false};
        for (size_t i = 0; i < n; i++)
            seen[hits[i].doc] = true;
        cr_expect(seen[0] && seen[1] && seen[2] && seen[5]);
    }
    yz_textindex_free(ix);
}

Test(text, two_characters)
{
    yz_textindex *ix = build(city, NCITY);
    cr_expect_eq(search(ix, "鹿城", NULL, 0), 2); /* docs 0 (鹿城區) and 1 */
    cr_expect_eq(score_of(ix, "鹿城", 1), YZ_TEXT_SCORE_PREFIX);
    cr_expect_eq(score_of(ix, "鹿城", 0), YZ_TEXT_SCORE_ADDRESS);
    /* 驛站 and 驿站 find each other: docs 0, 1, 2, 3. */
    cr_expect_eq(search(ix, "驛站", NULL, 0), 4);
    cr_expect_eq(search(ix, "驿站", NULL, 0), 4);
    cr_expect_eq(score_of(ix, "驛站", 1), YZ_TEXT_SCORE_NAME);
    yz_textindex_free(ix);
}

Test(text, single_character)
{
    yz_textindex *ix = build(city, NCITY);
    cr_expect_eq(search(ix, "鹿", NULL, 0), 3); /* 0 (address), 1, 6 (last character) */
    cr_expect_eq(score_of(ix, "鹿", 6), YZ_TEXT_SCORE_NAME);
    cr_expect_eq(score_of(ix, "廈", 0), YZ_TEXT_SCORE_NAME);
    cr_expect_eq(score_of(ix, "號", 0), YZ_TEXT_SCORE_ADDRESS); /* the address's last char */
    cr_expect_eq(search(ix, "站", NULL, 0), 5);
    cr_expect_eq(search(ix, "龘", NULL, 0), 0);
    cr_expect_eq(search(ix, "Ｄ", NULL, 0), 1);
    yz_textindex_free(ix);
}

Test(text, pinyin_initials)
{
    yz_textindex *ix = build(city, NCITY);
    cr_expect_eq(score_of(ix, "ghds", 0), YZ_TEXT_SCORE_PINYIN_PREFIX);
    cr_expect_eq(score_of(ix, "GHDS", 0), YZ_TEXT_SCORE_PINYIN_PREFIX);
    cr_expect_eq(score_of(ix, "dsyz", 0), YZ_TEXT_SCORE_PINYIN);
    cr_expect_eq(score_of(ix, "ghdsyz", 0), YZ_TEXT_SCORE_PINYIN_PREFIX);
    /* Polyphones: 重 is chóng and zhòng, 行 háng and xíng. */
    cr_expect_eq(score_of(ix, "cq", 2), YZ_TEXT_SCORE_PINYIN_PREFIX);
    cr_expect_eq(score_of(ix, "zq", 2), YZ_TEXT_SCORE_PINYIN_PREFIX);
    cr_expect_eq(score_of(ix, "cqlyz", 2), YZ_TEXT_SCORE_PINYIN_PREFIX);
    cr_expect_eq(score_of(ix, "yh", 3), YZ_TEXT_SCORE_PINYIN);
    cr_expect_eq(score_of(ix, "yx", 3), YZ_TEXT_SCORE_PINYIN);
    cr_expect_eq(score_of(ix, "zgyh", 3), YZ_TEXT_SCORE_PINYIN_PREFIX);
    /* Not in addresses, and a break in the run of Han characters stops a match. */
    cr_expect_eq(score_of(ix, "zj", 1), 0);                      /* 浙江 is in the address only */
    cr_expect_eq(score_of(ix, "sjzj", 4), YZ_TEXT_SCORE_PINYIN); /* 司机之家 after "didi" */
    cr_expect_eq(search(ix, "ghdsx", NULL, 0), 0);
    yz_textindex_free(ix);
}

/* Readings of known characters, as a dictionary gives them (every reading, no tones). */
Test(text, pinyin_readings)
{
    static const struct {
        uint32_t cp;
        const char *has[3];
    } known[] = {
        {0x5DE5, {"gong"}},                /* 工 */
        {0x4F1A, {"hui", "kuai"}},         /* 会 */
        {0x5927, {"da", "dai"}},           /* 大 */
        {0x53A6, {"sha", "xia"}},          /* 厦 */
        {0x91CD, {"zhong", "chong"}},      /* 重 */
        {0x884C, {"xing", "hang"}},        /* 行 */
        {0x7EFF, {"lv", "lu"}},            /* 绿 lǜ, lù */
        {0x9A7F, {"yi"}},                  /* 驿 */
        {0x5E86, {"qing"}},                /* 庆 */
        {0x6176, {"qing"}},                /* 慶 */
        {0x5463, {"m"}},                   /* 呣 ḿ */
    };
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
        const char *r = yz_text_pinyin_readings(known[i].cp);
        cr_assert_not_null(r, "U+%04X", known[i].cp);
        for (size_t j = 0; j < 3 && known[i].has[j]; j++) {
            size_t len = strlen(known[i].has[j]);
            bool found = false;
            for (const char *p = r; *p && !found;) {
                size_t l = strcspn(p, ",");
                found = l == len && memcmp(p, known[i].has[j], len) == 0;
                p += l + (p[l] == ',');
            }
            cr_expect(found, "U+%04X has %s in \"%s\"", known[i].cp, known[i].has[j], r);
        }
        for (const char *p = r; *p; p++)
            cr_expect((*p >= 'a' && *p <= 'z') || *p == ',', "U+%04X: \"%s\"", known[i].cp, r);
    }
    cr_expect_null(yz_text_pinyin_readings('a'));
}

Test(text, full_pinyin)
{
    yz_textindex *ix = build(city, NCITY);
    cr_expect_eq(score_of(ix, "gonghui", 0), YZ_TEXT_SCORE_PINYIN_PREFIX);
    cr_expect_eq(score_of(ix, "GongHui", 0), YZ_TEXT_SCORE_PINYIN_PREFIX);
    cr_expect_eq(score_of(ix, "gonghuidasha", 0), YZ_TEXT_SCORE_PINYIN_PREFIX);
    cr_expect_eq(score_of(ix, "gonghuidaxia", 0), YZ_TEXT_SCORE_PINYIN_PREFIX); /* 厦 xià */
    cr_expect_eq(score_of(ix, "ghdasha", 0), YZ_TEXT_SCORE_PINYIN_PREFIX);      /* mixed */
    cr_expect_eq(score_of(ix, "gong hui", 0),
                 YZ_TEXT_SCORE_PINYIN_PREFIX + YZ_TEXT_SCORE_PINYIN);
    cr_expect_eq(score_of(ix, "dasha", 0), YZ_TEXT_SCORE_PINYIN);
    cr_expect_eq(score_of(ix, "chongqing", 2), YZ_TEXT_SCORE_PINYIN_PREFIX);
    cr_expect_eq(score_of(ix, "zhongqing", 2), YZ_TEXT_SCORE_PINYIN_PREFIX);
    cr_expect_eq(score_of(ix, "zhongguoyinhang", 3), YZ_TEXT_SCORE_PINYIN_PREFIX);
    cr_expect_eq(score_of(ix, "bailu", 6), YZ_TEXT_SCORE_PINYIN_PREFIX);
    cr_expect_eq(search(ix, "gonghuix", NULL, 0), 0);
    cr_expect_eq(search(ix, "gonghuidashaa", NULL, 0), 0);
    cr_expect_eq(score_of(ix, "zhejiang", 1), 0); /* 浙江 is in the address only */
    yz_textindex_free(ix);
}

Test(text, latin_case_insensitive)
{
    yz_textindex *ix = build(city, NCITY);
    cr_expect_eq(score_of(ix, "didi", 4), YZ_TEXT_SCORE_PREFIX);
    cr_expect_eq(score_of(ix, "DIDI", 4), YZ_TEXT_SCORE_PREFIX);
    cr_expect_eq(score_of(ix, "ｄｉＤｉ", 4), YZ_TEXT_SCORE_PREFIX);
    cr_expect_eq(score_of(ix, "sinopec", 5), YZ_TEXT_SCORE_PREFIX);
    cr_expect_eq(score_of(ix, "Sinopec中国石化加油站", 5), YZ_TEXT_SCORE_EXACT);
    cr_expect_eq(score_of(ix, "nope", 5), YZ_TEXT_SCORE_NAME);
    cr_expect_eq(search(ix, "sinopex", NULL, 0), 0);
    yz_textindex_free(ix);
}

Test(text, multi_term_and)
{
    yz_textindex *ix = build(city, NCITY);
    /* 鹿城 in 0 (address) and 1 (name); 驿站 in 0, 1, 2, 3. */
    yz_texthit hits[8];
    size_t n = search(ix, "鹿城 驿站", hits, 8);
    cr_expect_eq(n, 2);
    cr_expect_eq(score_of(ix, "鹿城 驛站", 1), YZ_TEXT_SCORE_PREFIX + YZ_TEXT_SCORE_NAME);
    cr_expect_eq(score_of(ix, "鹿城\u3000驛站", 0), YZ_TEXT_SCORE_ADDRESS + YZ_TEXT_SCORE_NAME);
    cr_expect_eq(search(ix, "鹿城 加油站", NULL, 0), 0);
    cr_expect_eq(score_of(ix, "sinopec 瓯海", 5), YZ_TEXT_SCORE_PREFIX + YZ_TEXT_SCORE_ADDRESS);
    cr_expect_eq(score_of(ix, "cq 龙湾", 2), YZ_TEXT_SCORE_PINYIN_PREFIX + YZ_TEXT_SCORE_ADDRESS);
    cr_expect_eq(search(ix, "  驿站 ， ", NULL, 0), 4); /* a term of punctuation only is dropped */
    yz_textindex_free(ix);
}

static int by_score(const void *a, const void *b)
{
    const yz_texthit *x = a, *y = b;
    return (y->score > x->score) - (y->score < x->score);
}

Test(text, ranking_order)
{
    yz_textdoc docs[] = {
        /* 0 */ {"华东工会", "杭州"}, /* "gh": pinyin substring (华 is huá) */
        /* 1 */ {"驿站", "GH路"},     /* address */
        /* 2 */ {"GH", ""},           /* exact */
        /* 3 */ {"鹿城GH站", ""},     /* substring */
        /* 4 */ {"GH驿站", ""},       /* prefix */
        /* 5 */ {"工会驿站", ""},     /* pinyin prefix */
        /* 6 */ {"鹿城工会", ""},     /* pinyin substring */
        /* 7 */ {"广东", "湖北"},     /* no match */
    };
    yz_textindex *ix = build(docs, 8);
    yz_texthit hits[8];
    size_t n = search(ix, "gh", hits, 8);
    cr_assert_eq(n, 7);
    qsort(hits, n, sizeof hits[0], by_score);
    uint32_t order[] = {2, 4, 3, 5, 0, 6, 1};
    int scores[] = {YZ_TEXT_SCORE_EXACT,         YZ_TEXT_SCORE_PREFIX, YZ_TEXT_SCORE_NAME,
                    YZ_TEXT_SCORE_PINYIN_PREFIX, YZ_TEXT_SCORE_PINYIN, YZ_TEXT_SCORE_PINYIN,
                    YZ_TEXT_SCORE_ADDRESS};
    for (size_t i = 0; i < n; i++)
        cr_expect_eq(hits[i].score, scores[i], "rank %zu", i);
    cr_expect_eq(hits[0].doc, order[0]);
    cr_expect_eq(hits[1].doc, order[1]);
    cr_expect_eq(hits[2].doc, order[2]);
    cr_expect_eq(hits[3].doc, order[3]);
    cr_expect_eq(hits[6].doc, order[6]);
    cr_expect(hits[4].doc == 0 || hits[4].doc == 6);

    /* Chinese: exact > prefix > substring > address. */
    yz_textdoc zh[] = {{"广场驿站", "工会路"}, {"鹿城工会", ""}, {"工会驿站", ""}, {"工會", ""}};
    yz_textindex *iz = build(zh, 4);
    n = search(iz, "工会", hits, 8);
    cr_assert_eq(n, 4);
    qsort(hits, n, sizeof hits[0], by_score);
    for (uint32_t i = 0; i < 4; i++)
        cr_expect_eq(hits[i].doc, 3 - i, "rank %u", i);
    yz_textindex_free(iz);
    yz_textindex_free(ix);
}

Test(text, no_false_positives)
{
    yz_textdoc docs[] = {{"工会会大厦", "大工会"}, {"工会华东大", ""}, {"大会工", "会大工"}};
    yz_textindex *ix = build(docs, 3);
    /* Every bigram of 工会大 (工会, 会大) occurs in doc 0, but not together. */
    cr_expect_eq(search(ix, "工会大", NULL, 0), 0);
    cr_expect_eq(search(ix, "会大厦", NULL, 0), 1);
    /* Doc 1's initials are g h h d d: it has the pairs gh and hd of "ghd", not the run. */
    cr_expect_eq(search(ix, "ghd", NULL, 0), 0);
    cr_expect_eq(search(ix, "ghhdd", NULL, 0), 1);
    yz_textindex_free(ix);
}

/* Posting lists are delta + varint coded, and a term's long bigram lists are not intersected
 * with a far shorter one (the text check does it): 20,000 docs, so doc numbers and gaps take
 * one to three bytes; 驿站 is in every doc, 张三 in a few far apart, 三驿 in fewer. */
Test(text, coded_postings)
{
    enum { N = 20000 };
    static char names[N][48];
    static yz_textdoc docs[N];
    size_t want_zs = 0, want_zsyz = 0, want_d7 = 0;
    for (size_t i = 0; i < N; i++) {
        const char *pre = i % 4999 == 3 ? "张三" : i == 16383 || i == 129 ? "张三驿站" : "李";
        snprintf(names[i], sizeof names[i], "%s驿站%zu", pre, i % 1000);
        docs[i].name = names[i];
        docs[i].address = i == 19998 ? "张三" : "";
        want_zs += strstr(names[i], "张三") || i == 19998;
        want_zsyz += strstr(names[i], "张三驿站") != NULL;
        want_d7 += i % 1000 == 777;
    }
    yz_textindex *ix = build(docs, N);
    yz_texthit hits[64];
    cr_expect_eq(search(ix, "驿站", NULL, 0), N);
    cr_expect_eq(search(ix, "张三", hits, 64), want_zs);
    cr_expect_eq(want_zs, 5 + 2 + 1);
    size_t n = search(ix, "张三驿站", hits, 64);
    cr_assert_eq(n, want_zsyz);
    cr_assert_eq(n, 2 + 5); /* docs 129 and 16383, and the five with i % 4999 == 3 */
    bool seen129 = false, seen16383 = false;
    for (size_t i = 0; i < n; i++) {
        cr_expect(strstr(names[hits[i].doc], "张三驿站") != NULL, "doc %u", hits[i].doc);
        seen129 |= hits[i].doc == 129;
        seen16383 |= hits[i].doc == 16383;
    }
    cr_expect(seen129 && seen16383);
    cr_expect_eq(search(ix, "站777", NULL, 0), want_d7);
    cr_expect_eq(search(ix, "李驿站777", NULL, 0), want_d7);
    yz_textindex_free(ix);
}

static size_t put_utf8(uint32_t c, char *p)
{
    if (c < 0x10000) {
        p[0] = (char)(0xE0 | c >> 12);
        p[1] = (char)(0x80 | (c >> 6 & 0x3F));
        p[2] = (char)(0x80 | (c & 0x3F));
        return 3;
    }
    p[0] = (char)(0xF0 | c >> 18);
    p[1] = (char)(0x80 | (c >> 12 & 0x3F));
    p[2] = (char)(0x80 | (c >> 6 & 0x3F));
    p[3] = (char)(0x80 | (c & 0x3F));
    return 4;
}

/* The texts are kept in the index's own code (1 to 4 bytes a character by frequency): over
 * 70,000 distinct characters (CJK, extension A and B), so that codes of every length occur,
 * each doc's name is found by itself, exactly, and each count agrees with a scan of the
 * normalised texts. */
Test(text, coded_texts)
{
    enum { N = 70000 };
    char(*names)[16] = yz_calloc(N, sizeof *names);
    char(*addrs)[16] = yz_calloc(N, sizeof *addrs);
    yz_textdoc *docs = yz_calloc(N, sizeof docs[0]);
    yz_buf *nn = yz_calloc(N, sizeof nn[0]), *na = yz_calloc(N, sizeof na[0]);
    uint32_t cps[N + 1];
    for (uint32_t i = 0, c = 0x3400; i <= N; c++) {
        if ((c >= 0x4DC0 && c < 0x4E00) || (c >= 0xA000 && c < 0x20000))
            continue;
        cps[i++] = c;
    }
    for (size_t i = 0; i < N; i++) {
        char *p = names[i];
        p += put_utf8(cps[i], p);
        p += put_utf8(cps[i + 1], p);
        *p = '\0';
        addrs[i][put_utf8(cps[(i * 7919) % N], addrs[i])] = '\0';
        docs[i] = (yz_textdoc){names[i], addrs[i]};
        yz_buf_init(&nn[i]);
        yz_buf_init(&na[i]);
        cr_assert_eq(yz_textnorm_apply(norm, names[i], &nn[i]), YZ_OK);
        cr_assert_eq(yz_textnorm_apply(norm, addrs[i], &na[i]), YZ_OK);
    }
    yz_textindex *ix = build(docs, N);
    yz_texthit *hits = yz_calloc(N, sizeof hits[0]);
    /* A sample, and most of the last 1,200: the rarest characters, which take the longest codes. */
    for (size_t i = 0; i < N; i += i < N - 1200 ? 1009 : 3) {
        size_t want = 0;
        for (size_t d = 0; d < N; d++)
            want += strstr(nn[d].data, nn[i].data) || strstr(na[d].data, nn[i].data);
        size_t n = search(ix, names[i], hits, N);
        cr_assert_eq(n, want, "doc %zu (U+%04X U+%04X)", i, cps[i], cps[i + 1]);
        bool exact = false;
        for (size_t k = 0; k < n; k++)
            exact |= hits[k].doc == i && hits[k].score == YZ_TEXT_SCORE_EXACT;
        cr_expect(exact, "doc %zu (U+%04X U+%04X)", i, cps[i], cps[i + 1]);
        /* One character: every hit's score as the normalised texts give it (a code shared
         * by two characters would score the name of an address hit). */
        char one[8], *q1;
        one[put_utf8(cps[i], one)] = '\0';
        n = search(ix, one, hits, N);
        yz_buf qn;
        yz_buf_init(&qn);
        cr_assert_eq(yz_textnorm_apply(norm, one, &qn), YZ_OK);
        q1 = qn.data;
        want = 0;
        for (size_t d = 0; d < N; d++)
            want += strstr(nn[d].data, q1) || strstr(na[d].data, q1);
        cr_assert_eq(n, want, "U+%04X", cps[i]);
        for (size_t k = 0; k < n; k++) {
            const char *nm = nn[hits[k].doc].data;
            int sc = strcmp(nm, q1) == 0                ? YZ_TEXT_SCORE_EXACT
                     : strncmp(nm, q1, strlen(q1)) == 0 ? YZ_TEXT_SCORE_PREFIX
                     : strstr(nm, q1)                   ? YZ_TEXT_SCORE_NAME
                                                        : YZ_TEXT_SCORE_ADDRESS;
            cr_assert_eq(hits[k].score, sc, "U+%04X doc %u", cps[i], hits[k].doc);
        }
        yz_buf_fini(&qn);
    }
    yz_textindex_free(ix);
    for (size_t i = 0; i < N; i++) {
        yz_buf_fini(&nn[i]);
        yz_buf_fini(&na[i]);
    }
    yz_free(hits);
    yz_free(nn);
    yz_free(na);
    yz_free(docs);
    yz_free(names);
    yz_free(addrs);
}

Test(text, bad_queries)
{
    yz_textindex *ix = build(city, NCITY);
    yz_texthit hits[4];
    size_t n_out = 7, n_total = 7;
    yz_errinfo ei;
    const char *invalid[] = {"\xE9\xA9", "驿\xC0\xAF站", "\xED\xB0\x80", "",
                             "   ",      "，。！",       "\u3000"};
    for (size_t i = 0; i < sizeof invalid / sizeof invalid[0]; i++) {
        yz_err_clear(&ei);
        int err = yz_textindex_search(ix, norm, invalid[i], hits, 4, &n_out, &n_total, &ei);
        cr_expect_eq(err, YZ_EINVAL, "case %zu", i);
        cr_expect_str_eq(ei.field, "q");
        cr_expect_eq(n_out, 0);
        cr_expect_eq(n_total, 0);
    }
    char big[YZ_TEXT_QUERY_MAX_BYTES + 2];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    cr_expect_eq(yz_textindex_search(ix, norm, big, hits, 4, &n_out, &n_total, &ei), YZ_ETOOBIG);
    cr_expect_eq(yz_textindex_search(ix, norm, "a b c d e f g h i j k l m n o p q", hits, 4, &n_out,
                                     &n_total, &ei),
                 YZ_ETOOBIG);
    /* A long all-letter term is matched as Latin text only. */
    memset(big, 'g', 100);
    big[100] = '\0';
    cr_expect_eq(search(ix, big, NULL, 0), 0);
    yz_textindex_free(ix);
}

Test(text, bad_docs)
{
    yz_textdoc docs[] = {{"好", "好"}, {"好", "坏\xFF"}};
    yz_textindex *ix = (yz_textindex *)&docs; /* must stay untouched */
    yz_errinfo ei;
    cr_expect_eq(yz_textindex_build(norm, docs, 2, &ix, &ei), YZ_EINVAL);
    cr_expect_eq(ix, (yz_textindex *)&docs);
    cr_expect_str_eq(ei.field, "address");
    cr_expect_str_eq(ei.msg_en, "the address of doc 1 is not valid UTF-8");
}

Test(text, empty_index)
{
    yz_textindex *ix = build(NULL, 0);
    cr_expect_eq(yz_textindex_count(ix), 0);
    cr_expect_eq(search(ix, "驿站", NULL, 0), 0);
    cr_expect_eq(search(ix, "gh", NULL, 0), 0);
    yz_textindex_free(ix);
    yz_textindex_free(NULL);
    yz_textnorm_free(NULL);
}

Test(text, top_max)
{
    /* 100 docs match; with room for 10, the 10 best come back, and the total is 100. */
    enum { N = 100 };
    yz_textdoc docs[N];
    char names[N][32];
    for (int i = 0; i < N; i++) {
        if (i % 10 == 3)
            snprintf(names[i], sizeof names[i], "驿站");
        else
            snprintf(names[i], sizeof names[i], "鹿城驿站%d", i);
        docs[i] = (yz_textdoc){names[i], "浙江"};
    }
    yz_textindex *ix = build(docs, N);
    cr_expect_eq(yz_textindex_count(ix), N);
    cr_expect_gt(yz_textindex_bytes(ix), 0);
    yz_texthit hits[10];
    size_t n_out, n_total;
    yz_errinfo ei;
    cr_assert_eq(yz_textindex_search(ix, norm, "驿站", hits, 10, &n_out, &n_total, &ei), YZ_OK);
    cr_expect_eq(n_out, 10);
    cr_expect_eq(n_total, N);
    for (int i = 0; i < 10; i++) {
        cr_expect_eq(hits[i].score, YZ_TEXT_SCORE_EXACT);
        cr_expect_eq(hits[i].doc % 10, 3);
    }
    cr_assert_eq(yz_textindex_search(ix, norm, "驿站", hits, 0, &n_out, &n_total, &ei), YZ_OK);
    cr_expect_eq(n_out, 0);
    cr_expect_eq(n_total, N);
    yz_textindex_free(ix);
}

/* Several threads search one index at once, each with its own normaliser. */
static const char *const thread_qs[] = {"驛站", "鹿城", "cq", "溫州", "didi", "工会 大厦"};
#define NTHREAD_QS (sizeof thread_qs / sizeof thread_qs[0])

struct job {
    const yz_textindex *ix;
    size_t found;
};

static void *search_thread(void *arg)
{
    struct job *j = arg;
    yz_textnorm *n = NULL;
    yz_errinfo ei;
    if (yz_textnorm_new(&n, &ei))
        return NULL;
    for (int rep = 0; rep < 200; rep++) {
        for (size_t i = 0; i < NTHREAD_QS; i++) {
            yz_texthit hits[8];
            size_t n_out, n_total;
            if (yz_textindex_search(j->ix, n, thread_qs[i], hits, 8, &n_out, &n_total, &ei) ==
                YZ_OK)
                j->found += n_total;
        }
    }
    yz_textnorm_free(n);
    return NULL;
}

Test(text, threads)
{
    yz_textindex *ix = build(city, NCITY);
    size_t round = 0;
    for (size_t i = 0; i < NTHREAD_QS; i++)
        round += search(ix, thread_qs[i], NULL, 0);
    struct job jobs[4];
    pthread_t th[4];
    for (int i = 0; i < 4; i++) {
        jobs[i] = (struct job){ix, 0};
        cr_assert_eq(pthread_create(&th[i], NULL, search_thread, &jobs[i]), 0);
    }
    for (int i = 0; i < 4; i++)
        pthread_join(th[i], NULL);
    for (int i = 0; i < 4; i++)
        cr_expect_eq(jobs[i].found, 200 * round);
    yz_textindex_free(ix);
}

/* ---- oracle ------------------------------------------------------------------------------- */

static uint64_t rng_state;

static uint32_t rnd(uint32_t n)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state % n);
}

/* A small alphabet, so that bigrams repeat: traditional and simplified pairs, polyphones,
 * Latin letters in both cases, and characters normalisation drops. */
static const char *const alphabet[] = {
    "工", "會", "会", "大", "廈", "厦", "站", "驛", "驿", "鹿", "城", "重", "慶",
    "庆", "行", "銀", "中", "路", "G",  "h",  "a",  "Ｄ", " ",  "，", "d",
};
#define NALPHA (sizeof alphabet / sizeof alphabet[0])

static void random_text(yz_buf *b, size_t maxlen)
{
    size_t len = rnd((uint32_t)maxlen + 1);
    for (size_t i = 0; i < len; i++)
        yz_buf_puts(b, alphabet[rnd(NALPHA)]);
}

static size_t utf8_cps(const char *s, uint32_t *out)
{
    size_t n = 0;
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        uint32_t c = *p;
        int k = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
        if (k > 1)
            c &= 0x3Fu >> (k - 1);
        for (int i = 1; i < k; i++)
            c = c << 6 | (p[i] & 0x3Fu);
        out[n++] = c;
        p += k;
    }
    return n;
}

/* Do the characters from cps[i] on spell `t`, each by its initial or a whole reading?
 * Naive recursion over every way to cut `t`. */
static bool oracle_spells(const uint32_t *cps, size_t n, size_t i, const char *t)
{
    if (!*t)
        return true;
    if (i == n)
        return false;
    uint32_t m = yz_text_pinyin_initials(cps[i]);
    const char *r = yz_text_pinyin_readings(cps[i]);
    if (!m || !r)
        return false;
    if ((m >> (t[0] - 'a') & 1) && oracle_spells(cps, n, i + 1, t + 1))
        return true;
    for (const char *p = r; *p;) {
        size_t l = strcspn(p, ",");
        if (strncmp(t, p, l) == 0 && oracle_spells(cps, n, i + 1, t + l))
            return true;
        p += l + (p[l] == ',');
    }
    return false;
}

/* Pinyin, the naive way: does some run of the name's characters spell the letters, by
 * initials or whole readings? Returns 2 for a match at the start, 1 elsewhere, 0 for none. */
static int oracle_pinyin(const char *name, const char *letters)
{
    uint32_t cps[256];
    size_t n = utf8_cps(name, cps);
    for (size_t i = 0; i < n; i++)
        if (oracle_spells(cps, n, i, letters))
            return i == 0 ? 2 : 1;
    return 0;
}

static int oracle_term(const char *name, const char *addr, const char *t)
{
    size_t tl = strlen(t);
    bool letters = tl >= 2 && tl <= YZ_TEXT_PINYIN_MAX;
    for (size_t i = 0; i < tl; i++)
        letters = letters && t[i] >= 'a' && t[i] <= 'z';
    if (strcmp(name, t) == 0)
        return YZ_TEXT_SCORE_EXACT;
    if (strncmp(name, t, tl) == 0)
        return YZ_TEXT_SCORE_PREFIX;
    if (strstr(name, t))
        return YZ_TEXT_SCORE_NAME;
    if (letters) {
        int p = oracle_pinyin(name, t);
        if (p)
            return p == 2 ? YZ_TEXT_SCORE_PINYIN_PREFIX : YZ_TEXT_SCORE_PINYIN;
    }
    if (strstr(addr, t))
        return YZ_TEXT_SCORE_ADDRESS;
    return 0;
}

Test(text, oracle)
{
    enum { NDOCS = 2000, NQUERIES = 500 };
    const uint64_t seed = 0x9E3779B97F4A7C15u;
    rng_state = seed;
    yz_buf raw[NDOCS][2], nrm[NDOCS][2];
    yz_textdoc docs[NDOCS];
    for (int i = 0; i < NDOCS; i++) {
        for (int f = 0; f < 2; f++) {
            yz_buf_init(&raw[i][f]);
            yz_buf_init(&nrm[i][f]);
            random_text(&raw[i][f], f ? 12 : 8);
            cr_assert_eq(yz_textnorm_apply(norm, raw[i][f].data, &nrm[i][f]), YZ_OK);
            /* Normalising is idempotent. */
            yz_buf again;
            yz_buf_init(&again);
            cr_assert_eq(yz_textnorm_apply(norm, nrm[i][f].data, &again), YZ_OK);
            cr_assert_str_eq(again.data, nrm[i][f].data);
            yz_buf_fini(&again);
        }
        docs[i] = (yz_textdoc){raw[i][0].data, raw[i][1].data};
    }
    yz_textindex *ix = build(docs, NDOCS);
    yz_texthit *hits = yz_calloc(NDOCS, sizeof hits[0]);
    int *want = yz_calloc(NDOCS, sizeof want[0]);
    const char letters[] = "ghdzcqyxlasbiuaen";
    size_t matched = 0;
    for (int qi = 0; qi < NQUERIES; qi++) {
        yz_buf q;
        yz_buf_init(&q);
        /* One to three terms; a term is Han-alphabet text or, one time in three, letters. */
        int nterms = 1 + (rnd(4) == 0) + (rnd(8) == 0);
        yz_buf terms[3];
        int nt = 0;
        for (int t = 0; t < nterms; t++) {
            yz_buf raw_term;
            yz_buf_init(&raw_term);
            if (rnd(3) == 0) {
                size_t len = 2 + rnd(3);
                for (size_t i = 0; i < len; i++)
                    yz_buf_putc(&raw_term, letters[rnd(sizeof letters - 1)]);
            } else {
                while (raw_term.len == 0)
                    random_text(&raw_term, 4);
            }
            yz_buf_init(&terms[nt]);
            cr_assert_eq(yz_textnorm_apply(norm, raw_term.data, &terms[nt]), YZ_OK);
            /* A term with a space is two terms to the search: keep the oracle in step by
             * only using terms that normalise the same as their whitespace-free form. */
            if (terms[nt].len > 0 && !strchr(raw_term.data, ' ')) {
                if (q.len)
                    yz_buf_putc(&q, ' ');
                yz_buf_puts(&q, raw_term.data);
                nt++;
            } else {
                yz_buf_fini(&terms[nt]);
            }
            yz_buf_fini(&raw_term);
        }
        if (nt == 0) {
            yz_buf_fini(&q);
            continue;
        }
        size_t nwant = 0;
        for (int d = 0; d < NDOCS; d++) {
            int s = 0;
            for (int t = 0; t < nt; t++) {
                int st = oracle_term(nrm[d][0].data, nrm[d][1].data, terms[t].data);
                if (!st) {
                    s = 0;
                    break;
                }
                s += st;
            }
            want[d] = s;
            nwant += s > 0;
        }
        size_t n = search(ix, q.data, hits, NDOCS);
        cr_assert_eq(n, nwant, "seed %#llx query %d \"%s\": %zu hits, oracle %zu",
                     (unsigned long long)seed, qi, q.data, n, nwant);
        for (size_t i = 0; i < n; i++) {
            uint32_t d = hits[i].doc;
            cr_assert_eq(hits[i].score, want[d],
                         "seed %#llx query %d \"%s\" doc %u (\"%s\" / \"%s\"): score %d, "
                         "oracle %d",
                         (unsigned long long)seed, qi, q.data, d, nrm[d][0].data, nrm[d][1].data,
                         hits[i].score, want[d]);
        }
        matched += n;
        for (int t = 0; t < nt; t++)
            yz_buf_fini(&terms[t]);
        yz_buf_fini(&q);
    }
    cr_expect_gt(matched, 1000, "the random queries should match something");
    yz_free(want);
    yz_free(hits);
    yz_textindex_free(ix);
    for (int i = 0; i < NDOCS; i++)
        for (int f = 0; f < 2; f++) {
            yz_buf_fini(&raw[i][f]);
            yz_buf_fini(&nrm[i][f]);
        }
}
