/* SPDX-License-Identifier: MIT */
/* tests/unit/test_core.c - core: ISO-8601 times and civil dates (against libc's timegm as the
 * oracle), the buffer's JSON and fixed-point output (against jansson and strtod), UTF-8
 * validation and error formatting. */
#include "core/buf.h"
#include "core/err.h"
#include "core/time.h"
#include "core/utf8.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <stdint.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int64_t oracle(int y, int mo, int d, int h, int mi, int s)
{
    struct tm tm = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d,
                    .tm_hour = h, .tm_min = mi, .tm_sec = s};
    return (int64_t)timegm(&tm);
}

Test(time, iso8601_forms)
{
    int64_t t;
    int64_t want = oracle(2026, 11, 29, 0, 0, 0); /* 08:00 in UTC+8 */
    cr_assert_eq(yz_time_parse_iso8601("2026-11-29T08:00:00+08:00", 0, &t), YZ_OK);
    cr_assert_eq(t, want);
    cr_assert_eq(yz_time_parse_iso8601("2026-11-29T08:00+0800", 0, &t), YZ_OK);
    cr_assert_eq(t, want);
    cr_assert_eq(yz_time_parse_iso8601("2026-11-29T00:00:00Z", 480, &t), YZ_OK);
    cr_assert_eq(t, want);
    cr_assert_eq(yz_time_parse_iso8601("2026-11-29 08:00:00.123", 480, &t), YZ_OK);
    cr_assert_eq(t, want, "no zone means the default offset");
    cr_assert_eq(yz_time_parse_iso8601("2026-11-28T19:30:00-04:30", 0, &t), YZ_OK);
    cr_assert_eq(t, want);
    cr_assert_eq(yz_time_parse_iso8601("2026-11-28T24:00:00Z", 0, &t), YZ_OK);
    cr_assert_eq(t, want, "24:00 is the end of the day");
    cr_assert_eq(yz_time_parse_iso8601("2024-02-29T12:00:00Z", 0, &t), YZ_OK);
    cr_assert_eq(t, oracle(2024, 2, 29, 12, 0, 0));
}

Test(time, iso8601_rejects)
{
    const char *bad[] = {"", "2026", "2026-11-29", "2026-11-29T8:00", "2026-13-01T00:00",
                         "2026-02-29T00:00", "2026-11-31T00:00", "2026-11-29T24:01",
                         "2026-11-29T25:00", "2026-11-29T12:60", "2026-11-29T12:00:00+15:00",
                         "2026-11-29T12:00:00Zjunk", "2026-11-29T12:00:00.", "yesterday",
                         "2026-11-29T12:00:00 +08:00", "1969-12-31T23:59:59Z"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        int64_t t = 42;
        cr_expect_eq(yz_time_parse_iso8601(bad[i], 0, &t), YZ_EINVAL, "accepted \"%s\"", bad[i]);
    }
    int64_t t;
    cr_assert_eq(yz_time_parse_iso8601(NULL, 0, &t), YZ_EINVAL);
}

Test(time, civil_days_match_timegm)
{
    srand(1234);
    for (int i = 0; i < 20000; i++) {
        int y = 1970 + rand() % 400, m = 1 + rand() % 12, d = 1 + rand() % 28;
        cr_assert_eq(yz_days_from_civil(y, m, d) * 86400, oracle(y, m, d, 0, 0, 0),
                     "%04d-%02d-%02d (seed 1234)", y, m, d);
        int y2, m2, d2;
        yz_civil_from_days(yz_days_from_civil(y, m, d), &y2, &m2, &d2);
        cr_assert(y2 == y && m2 == m && d2 == d);
    }
}

Test(time, format_round_trip)
{
    char out[32];
    yz_time_format_iso8601(oracle(2026, 11, 29, 0, 0, 0), 480, out);
    cr_assert_str_eq(out, "2026-11-29T08:00:00+08:00");
    yz_time_format_iso8601(oracle(2026, 11, 29, 0, 0, 0), 0, out);
    cr_assert_str_eq(out, "2026-11-29T00:00:00Z");
    yz_time_format_iso8601(oracle(2026, 1, 1, 3, 0, 0), -330, out);
    cr_assert_str_eq(out, "2025-12-31T21:30:00-05:30");
    for (int64_t t = 0; t < 4000000000LL; t += 86399 * 37) {
        int64_t back;
        yz_time_format_iso8601(t, 480, out);
        cr_assert_eq(yz_time_parse_iso8601(out, 0, &back), YZ_OK, "%s", out);
        cr_assert_eq(back, t, "%s", out);
    }
}

Test(time, zones)
{
    int off = 0;
    cr_assert_eq(yz_tz_offset("Asia/Shanghai", &off), YZ_OK);
    cr_assert_eq(off, 480);
    cr_assert_eq(yz_tz_offset("Asia/Urumqi", &off), YZ_OK);
    cr_assert_eq(off, 360);
    cr_assert_eq(yz_tz_offset("Europe/Berlin", &off), YZ_EINVAL, "zones with DST are refused");
    cr_assert_eq(yz_tz_offset("Mars/Olympus", &off), YZ_EINVAL);
}

Test(buf, json_str_round_trips_through_jansson)
{
    const char *samples[] = {"plain", "工會大廈", "quote \" backslash \\ slash /",
                             "ctrl \x01\x1f\t\n\r", "emoji 🚲", ""};
    for (size_t i = 0; i < sizeof samples / sizeof *samples; i++) {
        yz_buf b;
        yz_buf_init(&b);
        yz_buf_puts(&b, "[");
        yz_buf_json_str(&b, samples[i], strlen(samples[i]));
        yz_buf_puts(&b, "]");
        json_error_t e;
        json_t *j = json_loads(b.data, 0, &e);
        cr_assert(j, "jansson rejected %s: %s", b.data, e.text);
        cr_assert_str_eq(json_string_value(json_array_get(j, 0)), samples[i]);
        json_decref(j);
        yz_buf_fini(&b);
    }
}

/* Every position of every byte JSON escapes, in strings of every length around the 8-byte
 * words the escaper skips, against a byte-at-a-time escaper written here. */
static void escape_oracle(yz_buf *b, const unsigned char *s, size_t n)
{
    yz_buf_putc(b, '"');
    for (size_t i = 0; i < n; i++) {
        char u[8];
        if (s[i] == '"' || s[i] == '\\') {
            u[0] = '\\', u[1] = (char)s[i], u[2] = '\0';
        } else if (s[i] == '\n' || s[i] == '\r' || s[i] == '\t') {
            u[0] = '\\', u[1] = s[i] == '\n' ? 'n' : s[i] == '\r' ? 'r' : 't', u[2] = '\0';
        } else if (s[i] < 0x20) {
            snprintf(u, sizeof u, "\\u%04x", s[i]);
        } else {
            u[0] = (char)s[i], u[1] = '\0';
        }
        yz_buf_puts(b, u);
    }
    yz_buf_putc(b, '"');
}

Test(buf, json_str_matches_bytewise_escaper)
{
    /* bytes next to the ones escaped (0x1f/0x20, '!'/'#', '['/']'), UTF-8 lead and trail
     * bytes, and every byte escaped */
    static const unsigned char bytes[] = {0x00, 0x01, 0x09, 0x0a, 0x0d, 0x1f, 0x20, '!', '"',
                                          '#', '[', '\\', ']', 'a', 0x7f, 0x80, 0xa2, 0xdc,
                                          0xe5, 0xff};
    yz_buf got, want;
    yz_buf_init(&got);
    yz_buf_init(&want);
    unsigned char s[40];
    for (size_t n = 0; n <= sizeof s; n++) {
        for (size_t pos = 0; pos < n; pos++) {
            for (size_t k = 0; k < sizeof bytes; k++) {
                memset(s, 0xe5, n); /* a CJK-like run with nothing to escape */
                s[pos] = bytes[k];
                yz_buf_reset(&got);
                yz_buf_reset(&want);
                yz_buf_json_str(&got, (const char *)s, n);
                escape_oracle(&want, s, n);
                cr_assert_str_eq(got.data, want.data, "length %zu, byte 0x%02x at %zu", n,
                                 bytes[k], pos);
            }
        }
    }
    srand(7);
    for (int r = 0; r < 20000; r++) {
        size_t n = (size_t)rand() % (sizeof s + 1);
        for (size_t i = 0; i < n; i++)
            s[i] = rand() % 4 ? (unsigned char)(0x20 + rand() % 0xe0)
                              : bytes[(size_t)rand() % sizeof bytes];
        yz_buf_reset(&got);
        yz_buf_reset(&want);
        yz_buf_json_str(&got, (const char *)s, n);
        escape_oracle(&want, s, n);
        cr_assert_eq(got.len, want.len, "round %d", r);
        cr_assert(memcmp(got.data, want.data, got.len) == 0, "round %d", r);
    }
    yz_buf_fini(&got);
    yz_buf_fini(&want);
}

Test(buf, fixed_matches_strtod)
{
    srand(99);
    yz_buf b;
    yz_buf_init(&b);
    for (int i = 0; i < 100000; i++) {
        double v = ((double)rand() / RAND_MAX - 0.5) * 400.0;
        int dec = rand() % 10; /* every divisor yz_fmt_fixed has a case for */
        yz_buf_reset(&b);
        yz_buf_fixed(&b, v, dec);
        char *end;
        double back = strtod(b.data, &end);
        cr_assert_eq(*end, '\0', "%s", b.data);
        cr_assert(fabs(back - v) <= 0.5 * pow(10, -dec) + 1e-9, "%.17g at %d -> %s", v, dec,
                  b.data);
        const char *dot = strchr(b.data, '.');
        cr_assert_eq(dot ? (int)strlen(dot + 1) : 0, dec, "%s", b.data);
    }
    /* distances: up to 20,000 km in metres, with few decimals */
    for (int i = 0; i < 100000; i++) {
        double v = (double)rand() / RAND_MAX * 2e7 * (i % 2 ? 1 : -1) / (1 + rand() % 1000);
        int dec = rand() % 3;
        yz_buf_reset(&b);
        yz_buf_fixed(&b, v, dec);
        char want[64];
        /* the same rounding as the function's (half away from zero of v * 10^dec), by hand */
        double scaled = floor(fabs(v) * pow(10, dec) + 0.5);
        long long ip = (long long)(scaled / pow(10, dec)), fp = (long long)fmod(scaled, pow(10, dec));
        if (dec)
            snprintf(want, sizeof want, "%s%lld.%0*lld", v < 0 && scaled > 0 ? "-" : "", ip, dec, fp);
        else
            snprintf(want, sizeof want, "%s%lld", v < 0 && scaled > 0 ? "-" : "", ip);
        cr_assert_str_eq(b.data, want, "%.17g at %d", v, dec);
    }
    yz_buf_reset(&b);
    yz_buf_fixed(&b, -0.00001, 2);
    cr_assert_str_eq(b.data, "0.00", "no negative zero");
    yz_buf_reset(&b);
    yz_buf_fixed(&b, NAN, 2);
    cr_assert_str_eq(b.data, "null");
    yz_buf_fini(&b);
}

Test(buf, take_and_url_encode)
{
    yz_buf b;
    yz_buf_init(&b);
    yz_buf_url_encode(&b, "工会 a-b_c.d~e&f=g");
    char *s = yz_buf_take(&b);
    cr_assert_str_eq(s, "%E5%B7%A5%E4%BC%9A%20a-b_c.d~e%26f%3Dg");
    free(s);
    yz_buf_puts(&b, "again"); /* reusable after take */
    cr_assert_str_eq(b.data, "again");
    yz_buf_fini(&b);
}

Test(utf8, valid_and_invalid)
{
    cr_assert(yz_utf8_valid("工會 abc 🚲", strlen("工會 abc 🚲")));
    cr_assert(yz_utf8_valid("", 0));
    cr_assert_not(yz_utf8_valid("\xff", 1));
    cr_assert_not(yz_utf8_valid("\xc0\xaf", 2), "overlong");
    cr_assert_not(yz_utf8_valid("\xed\xa0\x80", 3), "surrogate");
    cr_assert_not(yz_utf8_valid("\xf4\x90\x80\x80", 4), "above U+10FFFF");
    cr_assert_not(yz_utf8_valid("\xe5\xb7", 2), "truncated");
    cr_assert_not(yz_utf8_valid("a\0b", 3), "NUL");
    cr_assert_not(yz_utf8_valid("abcdefghijk\0mnop", 16), "NUL inside a run of ASCII");
}

/* The reference: one code point at a time, as yz_utf8_valid did before its ASCII run. */
static bool utf8_valid_slow(const char *s, size_t n)
{
    uint32_t cp;
    for (size_t i = 0, k; i < n; i += k)
        if (!(k = yz_utf8_decode(s + i, n - i, &cp)) || !cp)
            return false;
    return true;
}

Test(utf8, valid_matches_decoding_one_by_one)
{
    /* ASCII runs of every length around eight, with NULs, high bytes, valid and broken
     * sequences at every offset */
    static const char *const pieces[] = {"a", "bcdefgh", "0123456789abcdef", "\0", "工",
                                         "會", "🚲", "\xe5\xb7", "\xff", "\xc0\xaf", "\x80",
                                         "\xed\xa0\x80", "\x7f", " ", "\xf4\x8f\xbf\xbf"};
    const size_t np = sizeof pieces / sizeof pieces[0];
    srand(16);
    size_t valid = 0;
    for (int t = 0; t < 200000; t++) {
        char s[96];
        size_t n = 0;
        int k = rand() % 12;
        for (int j = 0; j < k; j++) {
            const char *p = pieces[(size_t)rand() % np];
            size_t len = p[0] ? strlen(p) : 1;
            if (rand() % 3 == 0 && p[0] != '\0' && (unsigned char)p[0] < 0x80)
                len = 1 + (size_t)rand() % len;
            if (n + len > sizeof s)
                break;
            memcpy(s + n, p, len);
            n += len;
        }
        bool want = utf8_valid_slow(s, n);
        valid += want;
        cr_assert_eq(yz_utf8_valid(s, n), want, "case %d (%zu bytes)", t, n);
    }
    cr_assert(valid > 1000 && valid < 199000, "both outcomes tried (%zu valid)", valid);
}

Test(err, messages_and_format)
{
    yz_errinfo ei;
    cr_assert_eq(yz_err_setf(&ei, YZ_EINVAL, "lat", "纬度 %d 无效", "lat %d is invalid", 95),
                 YZ_EINVAL);
    cr_assert_str_eq(ei.field, "lat");
    cr_assert_str_eq(ei.msg, "纬度 95 无效");
    cr_assert_str_eq(ei.msg_en, "lat 95 is invalid");
    cr_assert_str_eq(yz_err_name(YZ_ESTALE), "stale_version");
    cr_assert_str_eq(yz_strerror_hant(YZ_EDB), "資料庫錯誤");
    cr_assert_str_eq(yz_err_name(-999), "unknown");
    yz_err_set(&ei, YZ_ENOTFOUND, NULL, NULL, NULL);
    cr_assert_str_eq(ei.msg, "未找到");
    cr_assert_str_eq(ei.field, "");
    cr_assert_eq(yz_err_set(NULL, YZ_EIO, "x", "y", "z"), YZ_EIO);
}

Test(buf, parse_id)
{
    int64_t v = 0;
    cr_assert(yz_parse_id("12", 2, &v) && v == 12);
    cr_assert(yz_parse_id("123456789012345678", 18, &v) && v == 123456789012345678);
    cr_assert(yz_parse_id("12.json", 2, &v) && v == 12); /* only s[0..n) counts */
    cr_assert(!yz_parse_id("", 0, &v));
    cr_assert(!yz_parse_id("0", 1, &v));                 /* ids are positive */
    cr_assert(!yz_parse_id("1234567890123456789", 19, &v)); /* could overflow */
    cr_assert(!yz_parse_id("1a", 2, &v));
    cr_assert(!yz_parse_id("-1", 2, &v));
    cr_assert(!yz_parse_id(" 1", 2, &v));
}

Test(buf, list_has)
{
    cr_assert(yz_list_has("330302,330303", "330303", 6));
    cr_assert(yz_list_has("330302,330303", "330302", 6));
    cr_assert(yz_list_has("7", "7", 1));
    cr_assert(!yz_list_has("330302,330303", "33030", 5)); /* whole items only */
    cr_assert(!yz_list_has("330302,330303", "0302,3", 6));
    cr_assert(!yz_list_has("12", "1", 1));
    cr_assert(!yz_list_has("", "1", 1));
    cr_assert(!yz_list_has(NULL, "1", 1));
    cr_assert(!yz_list_has("a,,b", "", 0)); /* the empty item is never held */
    cr_assert(yz_list_has("a,,b", "b", 1));
}

/* yz_parse_double against its oracle, strtod read the way the parameters always read it:
 * the same acceptance and the same double, bit for bit (-0 and 0 differ), on edge cases,
 * on random doubles printed in every precision and on random strings of number characters.
 * Prints the seed and the input when they differ. */
static int oracle_double(const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (!*s || *end || errno || !isfinite(v))
        return -1;
    *out = v;
    return 0;
}

static void same_as_strtod(const char *s, uint64_t seed)
{
    double got = 12345.0, want = 12345.0;
    int rg = yz_parse_double(s, &got), rw = oracle_double(s, &want);
    cr_assert(rg == rw && memcmp(&got, &want, sizeof got) == 0,
              "seed %llu: \"%s\": got %d %.17g, strtod %d %.17g", (unsigned long long)seed, s, rg,
              got, rw, want);
}

static uint64_t xs(uint64_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    return *x;
}

Test(buf, parse_double_is_strtod)
{
    static const char *const edge[] = {
        "", "-", "+", ".", "-.", "+.", "..", "0", "-0", "+0", "-0.0", "0.", ".0", "-.0", "00",
        "007.50", "28", "28.", ".5", "+.5", "-120.6553", "1e3", "1E3", "1e", "1e+", "1e-400",
        "1e400", "-1e400", "nan", "NaN", "inf", "-inf", "infinity", "0x1c", "0x1p3", " 28",
        "28 ", "\t28", "28\n", "2 8", "28,0", "28..0", "28.0.0", "--1", "+-1", "-+1",
        "999999999999999", "9999999999999999", "99999999999999999999", "0.000000000000000000001",
        "0.0000000000000000000001", "0.00000000000000000000001", "123456789012345.0",
        "1234567890123456", "0.1234567890123456789012", "1.7976931348623157e308",
        "4.9e-324", "2.2250738585072014e-308", "9007199254740993", "900719925474099.3",
        "27.999999999999999999", "28.0000000000000000001", "0.1", "0.3", "1.1", "-90", "90",
        "180.0000001", "50000", "0.0000001"};
    for (size_t i = 0; i < sizeof edge / sizeof edge[0]; i++)
        same_as_strtod(edge[i], 0);
    uint64_t seed = (uint64_t)time(NULL) | 1, x = seed;
    char s[64];
    /* Random doubles in every printed precision: coordinates, radii, tiny and huge ones. */
    for (int i = 0; i < 1000000; i++) {
        uint64_t r = xs(&x);
        double v;
        switch (r % 4) {
        case 0: v = ((double)(xs(&x) >> 11) / 9007199254740992.0) * 360.0 - 180.0; break;
        case 1: v = ((double)(xs(&x) >> 11) / 9007199254740992.0) * 50000.0; break;
        case 2: v = ldexp((double)(xs(&x) >> 11), (int)(xs(&x) % 200) - 150); break;
        default: memcpy(&v, &r, sizeof v); break; /* any bits: NaN, Inf, subnormals */
        }
        int prec = (int)((r >> 8) % 24);
        if ((r >> 16) & 1)
            snprintf(s, sizeof s, "%.*f", prec, fabs(v) < 1e30 ? v : 1.5);
        else
            snprintf(s, sizeof s, "%.*g", prec, v);
        same_as_strtod(s, seed);
    }
    /* Random strings of the characters numbers are made of, and a few others. */
    static const char alphabet[] = "0123456789012345678901234567890123456789..--++eE x";
    for (int i = 0; i < 2000000; i++) {
        size_t len = (size_t)(xs(&x) % 30);
        for (size_t j = 0; j < len; j++)
            s[j] = alphabet[xs(&x) % (sizeof alphabet - 1)];
        s[len] = '\0';
        same_as_strtod(s, seed);
    }
}
