/* SPDX-License-Identifier: MIT */
/* model/hours.c - parser, compiler and evaluator of opening hours. Parsing resolves the
 * rules into at most 15 "day kinds" (one per distinct effective rule), indexed by weekday
 * and holiday flag, so evaluation reads the kind of the day and of the day before. */
#include "model/hours.h"

#include "core/alloc.h"
#include "core/utf8.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DAY_MIN   1440          /* minutes in a day */
#define WEEK_MIN  (7 * DAY_MIN) /* minutes in a week */
#define MAX_RULES 128           /* > 255 / 4: "off;" is the shortest rule with its separator */
#define MAX_SPANS 64            /* > 255 / 5: "24/7;" is the shortest span with its separator */
#define NORM_CAP  (2 * YZ_HOURS_SRC_MAX + 16) /* normalising at most doubles the length */
#define FIELD     "opening_hours"

/* The week bitmap has one bit a local minute of the week, followed by a copy of the first
 * 64 minutes so that any 60-minute window can be read without wrapping. */
#define WB_BITS  (WEEK_MIN + 64)
#define WB_WORDS ((WB_BITS + 63) / 64)
_Static_assert(WEEK_MIN % 64 == 32, "week_bitmap copies the head of the week by halves");

static const char *const day_name[7] = {"Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"};

/* The spans one effective rule opens on its own day. */
typedef struct kind {
    uint8_t first;      /* index of the first span in yz_hours.span */
    uint8_t n;          /* number of spans; 0 when closed */
    uint16_t spill_end; /* minutes after the next midnight still open, 0 if none */
} kind;

struct yz_hours {
    bool is_247;               /* open at every instant under every calendar */
    bool never_open;           /* no span at all */
    uint8_t n_kinds;           /* kinds in use, kind 0 being "closed" */
    uint8_t n_bounds;          /* entries in bound */
    uint8_t kind_of[14];       /* weekday (0 = Mo) + 7 * is_holiday -> index into kinds */
    kind kinds[15];            /* at most 14 distinct rules plus "closed" */
    const uint16_t (*span)[2]; /* [start, end) minutes after the day's midnight, sorted;
                                * start < 1440, end <= start + 1440 (past 1440: next day) */
    const uint16_t *bound;     /* sorted distinct minutes of day where some span starts/ends */
    const char *src;           /* normalised source */
};

/* ---- parsing ------------------------------------------------------------------------ */

typedef struct prule {
    uint8_t days;  /* bit w set: weekday w (0 = Mo) selected; 0x7f without selector */
    bool ph;       /* the selector names PH */
    uint8_t first; /* first span in parser.span */
    uint8_t n;     /* number of spans; 0 for "off" */
} prule;

typedef struct parser {
    const char *src;             /* the whole input */
    const char *p;               /* cursor */
    yz_errinfo *ei;              /* may be NULL */
    prule rule[MAX_RULES];       /* rules in source order */
    int n_rules;                 /* rules parsed */
    uint16_t span[MAX_SPANS][2]; /* [start, end) minutes, end > start, end < start + 1440 */
    int n_spans;                 /* spans parsed */
    char norm[NORM_CAP];         /* normalised source being written */
    size_t norm_len;             /* bytes in norm, without NUL */
} parser;

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static void skip_space(parser *ps)
{
    while (is_space(*ps->p))
        ps->p++;
}

static void emit(parser *ps, const char *s, size_t n)
{
    assert(ps->norm_len + n < sizeof ps->norm);
    if (ps->norm_len + n >= sizeof ps->norm)
        return;
    memcpy(ps->norm + ps->norm_len, s, n);
    ps->norm_len += n;
    ps->norm[ps->norm_len] = '\0';
}

static void emit_str(parser *ps, const char *s)
{
    emit(ps, s, strlen(s));
}

/* Write minute-of-day `m` (0..1440) as "HH:MM". */
static void fmt_hhmm(int m, char out[6])
{
    out[0] = (char)('0' + m / 600);
    out[1] = (char)('0' + m / 60 % 10);
    out[2] = ':';
    out[3] = (char)('0' + m % 60 / 10);
    out[4] = (char)('0' + m % 10);
    out[5] = '\0';
}

/* Length of the valid UTF-8 sequence at s (at most `n` bytes), or 0 if it is not one. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    uint32_t cp;
    return yz_utf8_decode((const char *)s, n, &cp);
}

/* The 1-based character (code point) position of `at` in `src`. */
static int char_pos(const char *src, const char *at)
{
    int pos = 1;
    for (const char *q = src; q < at; q++)
        if (((unsigned char)*q & 0xc0) != 0x80)
            pos++;
    return pos;
}

/* Quote the token of `n` bytes at `at` for a message: printable ASCII and valid UTF-8 as
 * they are, other bytes as \xNN, cut with "..." after about 24 bytes. */
static void tok_repr(const char *at, size_t n, char out[48])
{
    size_t o = 0, i = 0;
    while (i < n && at[i]) {
        if (o >= 24) {
            memcpy(out + o, "...", 3);
            o += 3;
            break;
        }
        unsigned char c = (unsigned char)at[i];
        size_t len = c >= 0x80 ? utf8_len((const unsigned char *)at + i, strlen(at + i)) : 1;
        if (c >= 0x80 && len > 0) {
            memcpy(out + o, at + i, len);
            o += len;
            i += len;
        } else if (c >= 0x20 && c < 0x7f) {
            out[o++] = (char)c;
            i++;
        } else {
            static const char hex[] = "0123456789ABCDEF";
            out[o++] = '\\';
            out[o++] = 'x';
            out[o++] = hex[c >> 4];
            out[o++] = hex[c & 15];
            i++;
        }
    }
    out[o] = '\0';
}

/* Bytes of the token at `at`: a run of ASCII letters, of digits and ':', or one character. */
static size_t tok_len(const char *at)
{
    size_t n = 0;
    if (!*at)
        return 0;
    if (is_alpha(*at)) {
        while (is_alpha(at[n]))
            n++;
    } else if (is_digit(*at)) {
        while (is_digit(at[n]) || at[n] == ':')
            n++;
    } else {
        n = utf8_len((const unsigned char *)at, strlen(at));
        if (n == 0)
            n = 1;
    }
    return n;
}

/* Fill the error info with the position of `at` and the details, and return YZ_EINVAL. */
static int fail(parser *ps, const char *at, const char *zh, const char *en)
{
    char mz[192], me[192];
    int pos = char_pos(ps->src, at);
    if (snprintf(mz, sizeof mz, "第 %d 个字符处：%s", pos, zh) < 0)
        mz[0] = '\0';
    if (snprintf(me, sizeof me, "at character %d: %s", pos, en) < 0)
        me[0] = '\0';
    return yz_err_set(ps->ei, YZ_EINVAL, FIELD, mz, me);
}

/* As fail, with the details formatted around the token of `n` bytes at `at`: each format
 * holds one "%s", which receives the quoted token. */
static int fail_tok(parser *ps, const char *at, size_t n, const char *zh_fmt, const char *en_fmt)
    __attribute__((format(printf, 4, 0), format(printf, 5, 0)));

static int fail_tok(parser *ps, const char *at, size_t n, const char *zh_fmt, const char *en_fmt)
{
    char tok[48], dz[160], de[160];
    tok_repr(at, n, tok);
    if (snprintf(dz, sizeof dz, zh_fmt, tok) < 0)
        dz[0] = '\0';
    if (snprintf(de, sizeof de, en_fmt, tok) < 0)
        de[0] = '\0';
    return fail(ps, at, dz, de);
}

static int weekday_of(const char *w, size_t n)
{
    if (n != 2)
        return -1;
    for (int d = 0; d < 7; d++)
        if (w[0] == day_name[d][0] && w[1] == day_name[d][1])
            return d;
    return -1;
}

static bool word_is(const char *w, size_t n, const char *lit)
{
    return strlen(lit) == n && memcmp(w, lit, n) == 0;
}

static bool word_is_ci(const char *w, size_t n, const char *lit)
{
    if (strlen(lit) != n)
        return false;
    for (size_t i = 0; i < n; i++) {
        char a = w[i], b = lit[i];
        if (a >= 'A' && a <= 'Z')
            a = (char)(a - 'A' + 'a');
        if (b >= 'A' && b <= 'Z')
            b = (char)(b - 'A' + 'a');
        if (a != b)
            return false;
    }
    return true;
}

/* Explain a word of `n` letters at `at` that is not allowed where it stands. `weekday_slot`
 * says a weekday was expected there, so an unknown word reads as a misspelt weekday;
 * otherwise `exp_zh`/`exp_en` (may be NULL) say what was expected. */
static int fail_word(parser *ps, const char *at, size_t n, bool weekday_slot, const char *exp_zh,
                     const char *exp_en)
{
    static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    for (size_t i = 0; i < 12; i++)
        if (word_is_ci(at, n, months[i]))
            return fail_tok(ps, at, n, "不支持月份（'%s'）", "months are not supported ('%s')");
    if (word_is_ci(at, n, "week"))
        return fail_tok(ps, at, n, "不支持周数（'%s'）", "week numbers are not supported ('%s')");
    if (word_is_ci(at, n, "sunrise") || word_is_ci(at, n, "sunset") || word_is_ci(at, n, "dawn") ||
        word_is_ci(at, n, "dusk"))
        return fail_tok(ps, at, n, "不支持日出、日落等可变时间（'%s'）",
                        "variable times such as '%s' are not supported");
    if (word_is_ci(at, n, "easter"))
        return fail_tok(ps, at, n, "不支持节日日期（'%s'）",
                        "dates such as '%s' are not supported");
    if (word_is(at, n, "SH"))
        return fail_tok(ps, at, n, "不支持学校假期 '%s'（只支持 PH）",
                        "school holidays ('%s') are not supported, only PH");
    if (word_is_ci(at, n, "open") || word_is_ci(at, n, "unknown"))
        return fail_tok(ps, at, n, "不支持状态 '%s'（只支持 off 或 closed）",
                        "the state '%s' is not supported, only 'off' or 'closed'");
    for (int d = 0; d < 7; d++)
        if (word_is_ci(at, n, day_name[d]) && weekday_slot) {
            char zh[96], en[96];
            snprintf(zh, sizeof zh, "无法识别的星期 '%%s'（应写作 '%s'）", day_name[d]);
            snprintf(en, sizeof en, "unknown weekday '%%s' (write '%s')", day_name[d]);
            return fail_tok(ps, at, n, zh, en);
        }
    if (word_is_ci(at, n, "PH") && weekday_slot)
        return fail_tok(ps, at, n, "无法识别的星期 '%s'（应写作 'PH'）",
                        "unknown weekday '%s' (write 'PH')");
    if ((word_is_ci(at, n, "off") && !word_is(at, n, "off")) ||
        (word_is_ci(at, n, "closed") && !word_is(at, n, "closed")))
        return fail_tok(ps, at, n, "无法识别的 '%s'（应写作小写 off 或 closed）",
                        "unexpected '%s' (write 'off' or 'closed' in lower case)");
    if (weekday_slot)
        return fail_tok(ps, at, n, "无法识别的星期 '%s'", "unknown weekday '%s'");
    if (exp_zh && exp_en) {
        char zh[160], en[160];
        snprintf(zh, sizeof zh, "无法识别的 '%%s'，应为%s", exp_zh);
        snprintf(en, sizeof en, "unexpected '%%s', expected %s", exp_en);
        return fail_tok(ps, at, n, zh, en);
    }
    return fail_tok(ps, at, n, "无法识别的 '%s'", "unexpected '%s'");
}

/* Explain what stands at `at` when `exp_zh`/`exp_en` was expected. */
static int fail_unexpected(parser *ps, const char *at, const char *exp_zh, const char *exp_en)
{
    char zh[160], en[160];
    unsigned char c = (unsigned char)*at;
    size_t n = tok_len(at);
    if (c == '\0') {
        snprintf(zh, sizeof zh, "意外结束，应为%s", exp_zh);
        snprintf(en, sizeof en, "unexpected end, expected %s", exp_en);
        return fail(ps, at, zh, en);
    }
    if (is_alpha(*at))
        return fail_word(ps, at, n, false, exp_zh, exp_en);
    if (c == '"')
        return fail(ps, at, "不支持注释（引号）", "comments (\"...\") are not supported");
    if (c == '+')
        return fail(ps, at, "不支持无结束时间的 '+'", "open-ended times ('+') are not supported");
    if (c == '|' && at[1] == '|')
        return fail(ps, at, "不支持备用规则 '||'", "fallback rules ('||') are not supported");
    if (c == '[')
        return fail(ps, at, "不支持“每月第几个星期”（'[...]'）",
                    "nth-weekday selectors ('[...]') are not supported");
    /* Dashes and words people write between two times: ~ – — 〜 至 到. */
    if (c == '~' || (n == 3 && (memcmp(at, "\u2013", 3) == 0 || memcmp(at, "\u2014", 3) == 0 ||
                                memcmp(at, "\u301c", 3) == 0 || memcmp(at, "\u81f3", 3) == 0 ||
                                memcmp(at, "\u5230", 3) == 0)))
        return fail_tok(ps, at, n, "无法识别的 '%s'，时间之间请用 '-'",
                        "unexpected '%s', join times with '-'");
    if (n == 3 && c == 0xef) {
        /* Full-width forms U+FF01..U+FF5E stand for ASCII 0x21..0x7E. */
        unsigned cp = ((c & 0x0fu) << 12) | (((unsigned char)at[1] & 0x3fu) << 6) |
                      ((unsigned char)at[2] & 0x3fu);
        if (cp >= 0xff01 && cp <= 0xff5e) {
            char ascii = (char)(cp - 0xfee0);
            if (ascii == '~')
                ascii = '-';
            snprintf(zh, sizeof zh, "全角字符 '%%s'，请改用半角 '%c'", ascii);
            snprintf(en, sizeof en, "full-width '%%s', use ASCII '%c'", ascii);
            return fail_tok(ps, at, n, zh, en);
        }
    }
    snprintf(zh, sizeof zh, "无法识别的 '%%s'，应为%s", exp_zh);
    snprintf(en, sizeof en, "unexpected '%%s', expected %s", exp_en);
    return fail_tok(ps, at, n, zh, en);
}

/* Read a word of ASCII letters at the cursor without consuming it. */
static size_t peek_word(const parser *ps)
{
    size_t n = 0;
    while (is_alpha(ps->p[n]))
        n++;
    return n;
}

/* Weekday selector: items "Mo", "Mo-Fr", "Fr-Mo" (wrapping) or "PH", joined by ','. */
static int parse_selector(parser *ps, prule *r)
{
    for (;;) {
        const char *at = ps->p;
        size_t n = peek_word(ps);
        if (n == 0)
            return fail_unexpected(ps, at, "星期", "a weekday");
        int d1 = weekday_of(at, n);
        if (word_is(at, n, "PH")) {
            r->ph = true;
            ps->p += n;
            emit_str(ps, "PH");
            const char *save = ps->p;
            skip_space(ps);
            if (*ps->p == '-')
                return fail(ps, ps->p, "PH 不能用于范围", "PH cannot be part of a range");
            ps->p = save;
        } else if (d1 >= 0) {
            ps->p += n;
            emit_str(ps, day_name[d1]);
            const char *save = ps->p;
            skip_space(ps);
            if (*ps->p == '-') {
                ps->p++;
                skip_space(ps);
                const char *at2 = ps->p;
                size_t n2 = peek_word(ps);
                int d2 = weekday_of(at2, n2);
                if (word_is(at2, n2, "PH"))
                    return fail(ps, at2, "PH 不能用于范围", "PH cannot be part of a range");
                if (n2 == 0)
                    return fail_unexpected(ps, at2, "星期", "a weekday");
                if (d2 < 0)
                    return fail_word(ps, at2, n2, true, NULL, NULL);
                ps->p += n2;
                emit_str(ps, "-");
                emit_str(ps, day_name[d2]);
                for (int d = d1;; d = (d + 1) % 7) {
                    r->days |= (uint8_t)(1u << d);
                    if (d == d2)
                        break;
                }
            } else {
                ps->p = save;
                r->days |= (uint8_t)(1u << d1);
            }
        } else {
            return fail_word(ps, at, n, true, NULL, NULL);
        }
        if (*ps->p == '[')
            return fail_unexpected(ps, ps->p, "','", "','");
        const char *save = ps->p;
        skip_space(ps);
        if (*ps->p != ',') {
            ps->p = save;
            return YZ_OK;
        }
        ps->p++;
        skip_space(ps);
        emit_str(ps, ",");
        if (!is_alpha(*ps->p))
            return fail_unexpected(ps, ps->p, "星期", "a weekday");
    }
}

/* A time "H:MM" or "HH:MM" at the cursor, as minutes of the day in *out. 24:00 is allowed
 * only when `is_end`. */
static int parse_time(parser *ps, bool is_end, int *out)
{
    const char *at = ps->p;
    size_t n = tok_len(at);
    int nd = 0;
    while (is_digit(at[nd]))
        nd++;
    if (nd == 0)
        return fail_unexpected(ps, at, "时间（如 08:00）", "a time such as 08:00");
    bool shape = nd <= 2 && at[nd] == ':' && is_digit(at[nd + 1]) && is_digit(at[nd + 2]) &&
                 !is_digit(at[nd + 3]) && at[nd + 3] != ':';
    if (!shape) {
        if (nd <= 2 && at[nd] != ':')
            return fail_unexpected(ps, at + nd, "':'", "':'");
        return fail_tok(ps, at, n, "无效的时间 '%s'（应为 HH:MM）",
                        "invalid time '%s' (expected HH:MM)");
    }
    int hour = nd == 1 ? at[0] - '0' : (at[0] - '0') * 10 + (at[1] - '0');
    int minute = (at[nd + 1] - '0') * 10 + (at[nd + 2] - '0');
    if (hour > 24 || minute > 59 || (hour == 24 && minute != 0))
        return fail_tok(ps, at, n, "无效的时间 '%s'（小时 0-24，分钟 00-59）",
                        "invalid time '%s' (hours 0-24, minutes 00-59)");
    if (hour == 24 && !is_end)
        return fail_tok(ps, at, n, "24:00 只能作为结束时间（'%s'）",
                        "24:00 can only end a span ('%s')");
    ps->p = at + nd + 3;
    *out = hour * 60 + minute;
    return YZ_OK;
}

/* Time spans "08:00-12:00,13:30-18:00" at the cursor, appended to ps->span. */
static int parse_spans(parser *ps, prule *r)
{
    int err;
    for (;;) {
        const char *at = ps->p;
        int s, e;
        err = parse_time(ps, false, &s);
        if (err)
            return err;
        skip_space(ps);
        if (*ps->p != '-')
            return fail_unexpected(ps, ps->p, "'-'", "'-'");
        ps->p++;
        skip_space(ps);
        err = parse_time(ps, true, &e);
        if (err)
            return err;
        if (*ps->p == '+')
            return fail_unexpected(ps, ps->p, "", "");
        if (s == e)
            return fail_tok(ps, at, (size_t)(ps->p - at),
                            "时间段 '%s' 长度为零（全天请写 00:00-24:00）",
                            "the span '%s' is empty (write 00:00-24:00 for a whole day)");
        if (ps->n_spans >= MAX_SPANS)
            return fail(ps, at, "时间段过多", "too many time spans");
        if (e < s)
            e += DAY_MIN; /* past midnight: the rest belongs to the next morning */
        ps->span[ps->n_spans][0] = (uint16_t)s;
        ps->span[ps->n_spans][1] = (uint16_t)e;
        ps->n_spans++;
        r->n++;
        char t[6];
        fmt_hhmm(s, t);
        emit_str(ps, t);
        emit_str(ps, "-");
        fmt_hhmm(e > DAY_MIN ? e - DAY_MIN : e, t);
        emit_str(ps, t);

        const char *save = ps->p;
        skip_space(ps);
        if (*ps->p != ',') {
            ps->p = save;
            return YZ_OK;
        }
        ps->p++;
        skip_space(ps);
        if (is_alpha(*ps->p))
            return fail_tok(ps, ps->p, peek_word(ps),
                            "时间段列表中出现 '%s'；不同的规则请用 ';' 分隔",
                            "'%s' in a list of times; separate rules with ';'");
        if (!is_digit(*ps->p))
            return fail_unexpected(ps, ps->p, "时间（如 08:00）", "a time such as 08:00");
        emit_str(ps, ",");
    }
}

/* One rule: "24/7", or [selector] followed by time spans or "off"/"closed". */
static int parse_rule(parser *ps)
{
    int err;
    if (ps->n_rules >= MAX_RULES)
        return fail(ps, ps->p, "规则过多", "too many rules");
    prule *r = &ps->rule[ps->n_rules];
    memset(r, 0, sizeof *r);
    r->first = (uint8_t)ps->n_spans;

    if (strncmp(ps->p, "24/7", 4) == 0) {
        if (ps->n_spans >= MAX_SPANS)
            return fail(ps, ps->p, "时间段过多", "too many time spans");
        ps->p += 4;
        r->days = 0x7f;
        ps->span[ps->n_spans][0] = 0;
        ps->span[ps->n_spans][1] = DAY_MIN;
        ps->n_spans++;
        r->n = 1;
        emit_str(ps, "24/7");
        ps->n_rules++;
        return YZ_OK;
    }

    bool has_sel = false;
    size_t n = peek_word(ps);
    if (n > 0 && (weekday_of(ps->p, n) >= 0 || word_is(ps->p, n, "PH"))) {
        has_sel = true;
        err = parse_selector(ps, r);
        if (err)
            return err;
        skip_space(ps);
        emit_str(ps, " ");
    } else {
        r->days = 0x7f;
    }

    const char *at = ps->p;
    n = peek_word(ps);
    if (n > 0) {
        if (!(word_is(at, n, "off") || word_is(at, n, "closed"))) {
            if (has_sel && (weekday_of(at, n) >= 0 || word_is(at, n, "PH")))
                return fail_tok(ps, at, n, "星期 '%s' 前缺少 ','",
                                "missing ',' before weekday '%s'");
            return fail_word(ps, at, n, !has_sel, "时间段或 off", "times or 'off'");
        }
        ps->p += n;
        emit_str(ps, "off");
    } else if (is_digit(*at)) {
        if (strncmp(at, "24/7", 4) == 0)
            return fail(ps, at, "24/7 必须单独成为一条规则", "'24/7' must be a rule of its own");
        err = parse_spans(ps, r);
        if (err)
            return err;
    } else if ((*at == '\0' || *at == ';') && has_sel) {
        return fail(ps, at, "星期之后缺少时间段或 off",
                    "weekdays must be followed by times or 'off'");
    } else {
        return fail_unexpected(ps, at, "星期、时间或 off", "a weekday, a time or 'off'");
    }
    ps->n_rules++;
    return YZ_OK;
}

static int parse_all(parser *ps)
{
    int err;
    size_t len = strlen(ps->src);
    if (len > YZ_HOURS_SRC_MAX) {
        char zh[96], en[96];
        snprintf(zh, sizeof zh, "营业时间过长（%zu 字节，最多 %d）", len, YZ_HOURS_SRC_MAX);
        snprintf(en, sizeof en, "opening hours too long (%zu bytes, at most %d)", len,
                 YZ_HOURS_SRC_MAX);
        return yz_err_set(ps->ei, YZ_EINVAL, FIELD, zh, en);
    }
    skip_space(ps);
    if (*ps->p == '\0')
        return yz_err_set(ps->ei, YZ_EINVAL, FIELD, "营业时间为空", "opening hours are empty");
    for (;;) {
        skip_space(ps);
        if (*ps->p == ';' || *ps->p == '\0')
            return fail(ps, ps->p, "规则为空（多余的 ';'？）", "empty rule (a stray ';'?)");
        err = parse_rule(ps);
        if (err)
            return err;
        skip_space(ps);
        if (*ps->p == '\0')
            return YZ_OK;
        if (*ps->p != ';') {
            size_t n = peek_word(ps);
            if (n > 0 && (weekday_of(ps->p, n) >= 0 || word_is(ps->p, n, "PH")))
                return fail_tok(ps, ps->p, n, "'%s' 前缺少 ';'（规则之间用 ';' 分隔）",
                                "missing ';' before '%s' (rules are separated by ';')");
            return fail_unexpected(ps, ps->p, "';' 或结尾", "';' or the end");
        }
        ps->p++;
        emit_str(ps, "; ");
    }
}

/* ---- compiling ---------------------------------------------------------------------- */

/* The rule in effect on a day of weekday `w`: on a holiday the last rule naming PH, if
 * any; otherwise the last rule whose weekdays include `w`. -1 when none. */
static int effective_rule(const parser *ps, int w, bool holiday)
{
    int eff = -1;
    if (holiday)
        for (int i = 0; i < ps->n_rules; i++)
            if (ps->rule[i].ph)
                eff = i;
    if (eff >= 0)
        return eff;
    for (int i = 0; i < ps->n_rules; i++)
        if (ps->rule[i].days >> w & 1)
            eff = i;
    return eff;
}

static int cmp_span(const void *a, const void *b)
{
    const uint16_t *x = a, *y = b;
    if (x[0] != y[0])
        return x[0] < y[0] ? -1 : 1;
    return (x[1] > y[1]) - (x[1] < y[1]);
}

static int cmp_u16(const void *a, const void *b)
{
    uint16_t x = *(const uint16_t *)a, y = *(const uint16_t *)b;
    return (x > y) - (x < y);
}

/* Set bits [lo, hi) of `bm`. */
static void set_range(uint64_t *bm, int lo, int hi)
{
    while (lo < hi) {
        int w = lo >> 6, b = lo & 63, n = hi - lo < 64 - b ? hi - lo : 64 - b;
        uint64_t mask = n == 64 ? ~(uint64_t)0 : (((uint64_t)1 << n) - 1) << b;
        bm[w] |= mask;
        lo += n;
    }
}

static const kind *kind_for(const yz_hours *h, int w, bool holiday)
{
    return &h->kinds[h->kind_of[w + (holiday ? 7 : 0)]];
}

/* Local minutes of the week open when every day is (not) a holiday as `hol_day` says and
 * every day before it as `hol_prev` says. */
static void week_bitmap(const yz_hours *h, bool hol_day, bool hol_prev, uint64_t bm[WB_WORDS])
{
    memset(bm, 0, WB_WORDS * sizeof bm[0]);
    for (int w = 0; w < 7; w++) {
        const kind *k = kind_for(h, w, hol_day);
        for (int i = 0; i < k->n; i++) {
            int s = h->span[k->first + i][0], e = h->span[k->first + i][1];
            set_range(bm, w * DAY_MIN + s, w * DAY_MIN + (e < DAY_MIN ? e : DAY_MIN));
        }
        const kind *kp = kind_for(h, (w + 6) % 7, hol_prev);
        set_range(bm, w * DAY_MIN, w * DAY_MIN + kp->spill_end);
    }
    /* WEEK_MIN % 64 == 32: the copy of bits 0..63 lands on the upper half of one word,
     * the whole next word and the lower half of the one after. */
    bm[WEEK_MIN >> 6] |= bm[0] << 32;
    bm[(WEEK_MIN >> 6) + 1] = bm[0] >> 32 | bm[1] << 32;
}

static yz_hours *compile(const parser *ps)
{
    uint16_t span[MAX_SPANS][2];
    int n_span = 0;
    kind kinds[15] = {{0, 0, 0}};
    int n_kinds = 1; /* kind 0: closed */
    int kind_of_rule[MAX_RULES];
    uint8_t kind_of[14];
    for (int i = 0; i < ps->n_rules; i++)
        kind_of_rule[i] = -1;

    for (int p = 0; p < 14; p++) {
        int eff = effective_rule(ps, p % 7, p >= 7);
        if (eff < 0 || ps->rule[eff].n == 0) {
            kind_of[p] = 0;
            continue;
        }
        if (kind_of_rule[eff] < 0) {
            const prule *r = &ps->rule[eff];
            kind *k = &kinds[n_kinds];
            uint16_t tmp[MAX_SPANS][2];
            memcpy(tmp, ps->span[r->first], r->n * sizeof tmp[0]);
            qsort(tmp, r->n, sizeof tmp[0], cmp_span);
            k->first = (uint8_t)n_span;
            int max_end = 0;
            for (int i = 0; i < r->n; i++) {
                int s = tmp[i][0], e = tmp[i][1];
                if (e > max_end)
                    max_end = e;
                if (k->n > 0) {
                    uint16_t *last = span[n_span - 1];
                    int me = e > last[1] ? e : last[1];
                    /* Merge overlapping or touching spans unless the result would be a
                     * span of 24 hours or more that does not start at midnight. */
                    if (s <= last[1] &&
                        (me - last[0] < DAY_MIN || (last[0] == 0 && me == DAY_MIN))) {
                        last[1] = (uint16_t)me;
                        continue;
                    }
                }
                span[n_span][0] = (uint16_t)s;
                span[n_span][1] = (uint16_t)e;
                n_span++;
                k->n++;
            }
            k->spill_end = (uint16_t)(max_end > DAY_MIN ? max_end - DAY_MIN : 0);
            kind_of_rule[eff] = n_kinds++;
        }
        kind_of[p] = (uint8_t)kind_of_rule[eff];
    }

    uint16_t bound[2 * MAX_SPANS + 1];
    int n_bound = 0;
    bound[n_bound++] = 0;
    for (int i = 0; i < n_span; i++) {
        bound[n_bound++] = span[i][0];
        int e = span[i][1];
        bound[n_bound++] = (uint16_t)(e >= DAY_MIN ? e - DAY_MIN : e);
    }
    qsort(bound, (size_t)n_bound, sizeof bound[0], cmp_u16);
    int u = 0;
    for (int i = 0; i < n_bound; i++)
        if (u == 0 || bound[i] != bound[u - 1])
            bound[u++] = bound[i];
    n_bound = u;

    size_t sz = sizeof(yz_hours) + (size_t)n_span * sizeof span[0] +
                (size_t)n_bound * sizeof bound[0] + ps->norm_len + 1;
    yz_hours *h = yz_malloc(sz);
    memset(h, 0, sizeof *h);
    uint16_t(*hspan)[2] = (uint16_t(*)[2])(h + 1);
    uint16_t *hbound = (uint16_t *)(hspan + n_span);
    char *hsrc = (char *)(hbound + n_bound);
    memcpy(hspan, span, (size_t)n_span * sizeof span[0]);
    memcpy(hbound, bound, (size_t)n_bound * sizeof bound[0]);
    memcpy(hsrc, ps->norm, ps->norm_len + 1);
    h->span = (const uint16_t(*)[2])hspan;
    h->bound = hbound;
    h->src = hsrc;
    h->n_kinds = (uint8_t)n_kinds;
    h->n_bounds = (uint8_t)n_bound;
    memcpy(h->kinds, kinds, sizeof kinds);
    memcpy(h->kind_of, kind_of, sizeof kind_of);
    h->never_open = n_span == 0;

    /* 24/7 means every minute is open whichever days are holidays. */
    h->is_247 = !h->never_open;
    for (int c = 0; c < 4 && h->is_247; c++) {
        uint64_t bm[WB_WORDS];
        week_bitmap(h, c & 1, c >> 1, bm);
        for (int i = 0; i < WEEK_MIN / 64; i++)
            if (bm[i] != ~(uint64_t)0)
                h->is_247 = false;
        for (int i = WEEK_MIN / 64 * 64; i < WEEK_MIN; i++)
            if (!(bm[i >> 6] >> (i & 63) & 1))
                h->is_247 = false;
    }
    return h;
}

int yz_hours_parse(const char *src, yz_hours **out, yz_errinfo *ei)
{
    assert(src && out);
    parser ps; /* about 1.4 kB */
    ps.src = src;
    ps.p = src;
    ps.ei = ei;
    ps.n_rules = 0;
    ps.n_spans = 0;
    ps.norm_len = 0;
    ps.norm[0] = '\0';
    int err = parse_all(&ps);
    if (err)
        return err;
    if (ps.norm_len > YZ_HOURS_SRC_MAX) {
        /* Two-digit hours and "; " can push the canonical form past the limit: keep the
         * input without its surrounding whitespace instead, so the source always parses. */
        const char *a = src, *b = src + strlen(src);
        while (is_space(*a))
            a++;
        while (b > a && is_space(b[-1]))
            b--;
        ps.norm_len = (size_t)(b - a);
        memcpy(ps.norm, a, ps.norm_len);
        ps.norm[ps.norm_len] = '\0';
    }
    *out = compile(&ps);
    return YZ_OK;
}

void yz_hours_free(yz_hours *h)
{
    yz_free(h);
}

bool yz_hours_is_247(const yz_hours *h)
{
    return h->is_247;
}

const char *yz_hours_source(const yz_hours *h)
{
    return h->src;
}

/* ---- evaluation --------------------------------------------------------------------- */

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* Whether local dates d and d - 1 are holidays. */
static void holiday_pair(const yz_holidays *hol, int64_t d, bool *today, bool *prev)
{
    *today = *prev = false;
    if (!hol || hol->n == 0)
        return;
    size_t lo = 0, hi = hol->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (hol->days[mid] < d - 1)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < hol->n && hol->days[lo] == d - 1) {
        *prev = true;
        lo++;
    }
    if (lo < hol->n && hol->days[lo] == d)
        *today = true;
}

/* Open at local second `local` (seconds since 1970-01-01 00:00 local time)? */
static bool open_at(const yz_hours *h, int64_t local, const yz_holidays *hol)
{
    int64_t d = floor_div(local, 86400);
    int m = (int)((local - d * 86400) / 60);
    int w = (int)((d % 7 + 7 + 3) % 7); /* 1970-01-01 was a Thursday */
    bool hd, hp;
    holiday_pair(hol, d, &hd, &hp);
    const kind *k = kind_for(h, w, hd);
    for (int i = 0; i < k->n; i++) {
        const uint16_t *sp = h->span[k->first + i];
        if (m < sp[0])
            break; /* spans are sorted by start */
        if (m < sp[1])
            return true;
    }
    return m < kind_for(h, (w + 6) % 7, hp)->spill_end;
}

static void check_args(int64_t t, int tz_offset_min)
{
    assert(t > -((int64_t)1 << 50) && t < ((int64_t)1 << 50));
    assert(tz_offset_min > -DAY_MIN && tz_offset_min < DAY_MIN);
    (void)t;
    (void)tz_offset_min;
}

bool yz_hours_is_open(const yz_hours *h, int64_t t, int tz_offset_min, const yz_holidays *hol)
{
    check_args(t, tz_offset_min);
    if (h->is_247)
        return true;
    if (h->never_open)
        return false;
    return open_at(h, t + (int64_t)tz_offset_min * 60, hol);
}

int yz_hours_next_change(const yz_hours *h, int64_t t, int tz_offset_min, const yz_holidays *hol,
                         int64_t *next)
{
    check_args(t, tz_offset_min);
    if (h->is_247 || h->never_open)
        return YZ_ENOTFOUND;
    /* The state can only change at a bound minute of some day; the first bound after t
     * whose state differs from t's is the change. */
    int64_t off = (int64_t)tz_offset_min * 60;
    int64_t local = t + off, limit = local + YZ_HOURS_HORIZON_S;
    bool now = open_at(h, local, hol);
    for (int64_t d = floor_div(local, 86400); d * 86400 <= limit; d++) {
        for (int i = 0; i < h->n_bounds; i++) {
            int64_t c = d * 86400 + (int64_t)h->bound[i] * 60;
            if (c <= local)
                continue;
            if (c > limit)
                return YZ_ENOTFOUND;
            if (open_at(h, c, hol) != now) {
                *next = c - off;
                return YZ_OK;
            }
        }
    }
    return YZ_ENOTFOUND;
}

/* The 60 bits of `bm` from bit `lo` on (lo < WEEK_MIN). */
static uint64_t bits60(const uint64_t *bm, int lo)
{
    int w = lo >> 6, sh = lo & 63;
    uint64_t v = bm[w] >> sh;
    if (sh > 4)
        v |= bm[w + 1] << (64 - sh);
    return v & (((uint64_t)1 << 60) - 1);
}

void yz_hours_week_bits(const yz_hours *h, int tz_offset_min, uint8_t sure[21], uint8_t maybe[21])
{
    check_args(0, tz_offset_min);
    memset(sure, h->is_247 ? 0xff : 0, 21);
    memset(maybe, h->never_open ? 0 : 0xff, 21);
    if (h->is_247 || h->never_open)
        return;
    /* A minute is open under some calendar iff it is open in one of the four cases of the
     * day and the day before being holidays or not, and under every calendar iff in all. */
    uint64_t any[WB_WORDS], all[WB_WORDS];
    for (int c = 0; c < 4; c++) {
        uint64_t bm[WB_WORDS];
        week_bitmap(h, c & 1, c >> 1, bm);
        for (int i = 0; i < WB_WORDS; i++) {
            any[i] = c ? any[i] | bm[i] : bm[i];
            all[i] = c ? all[i] & bm[i] : bm[i];
        }
    }
    memset(maybe, 0, 21);
    const uint64_t full = ((uint64_t)1 << 60) - 1;
    for (int hr = 0; hr < 168; hr++) {
        int lo = (int)(((int64_t)hr * 60 + tz_offset_min) % WEEK_MIN);
        if (lo < 0)
            lo += WEEK_MIN;
        if (bits60(any, lo) != 0)
            maybe[hr >> 3] |= (uint8_t)(1u << (hr & 7));
        if (bits60(all, lo) == full)
            sure[hr >> 3] |= (uint8_t)(1u << (hr & 7));
    }
}

int yz_hours_describe_day(const yz_hours *h, int weekday, char *out, size_t cap)
{
    if (cap > 0)
        out[0] = '\0';
    if (weekday < 0 || weekday > 6)
        return YZ_EINVAL;
    char buf[YZ_HOURS_DESCRIBE_MAX];
    size_t n = 0;
    const kind *k = kind_for(h, weekday, false);
    if (k->n == 0) {
        memcpy(buf, "off", 4);
        n = 3;
    }
    for (int i = 0; i < k->n; i++) {
        int s = h->span[k->first + i][0], e = h->span[k->first + i][1];
        char a[6], b[6];
        fmt_hhmm(s, a);
        fmt_hhmm(e > DAY_MIN ? e - DAY_MIN : e, b);
        assert(n + 13 <= sizeof buf);
        if (i > 0)
            buf[n++] = ',';
        memcpy(buf + n, a, 5);
        buf[n + 5] = '-';
        memcpy(buf + n + 6, b, 6);
        n += 11;
    }
    if (n + 1 > cap)
        return YZ_ETOOBIG;
    memcpy(out, buf, n + 1);
    return YZ_OK;
}
