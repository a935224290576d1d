/* SPDX-License-Identifier: MIT */
/* fuzz/fuzz_hours.c - libFuzzer target for model/hours: parses arbitrary bytes and, when
 * they parse, checks the evaluator's invariants (next_change really is the next change,
 * week bits agree with is_open, the normalised source means the same schedule).
 * Build: clang -std=c11 -D_GNU_SOURCE -Isrc -g -O1 -fsanitize=fuzzer,address,undefined \
 *        fuzz/fuzz_hours.c src/model/hours.c src/core/err.c src/core/alloc.c src/core/time.c
 * Run:   ./fuzz_hours fuzz/corpus/hours -max_total_time=120 */
#include "model/hours.h"

#include "core/time.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz_hours: check failed at line %d: %s\n", __LINE__, #cond);         \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

static bool valid_utf8(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        int n = *p < 0x80                  ? 0
                : *p >= 0xc2 && *p <= 0xdf ? 1
                : *p >= 0xe0 && *p <= 0xef ? 2
                : *p >= 0xf0 && *p <= 0xf4 ? 3
                                           : -1;
        if (n < 0)
            return false;
        p++;
        for (int i = 0; i < n; i++, p++)
            if ((*p & 0xc0) != 0x80)
                return false;
    }
    return true;
}

static bool bit(const uint8_t b[21], int64_t hour)
{
    return b[hour / 8] >> (hour % 8) & 1;
}

/* The UTC hour of the week of t: hour 0 is Monday 00:00-01:00 UTC (1970-01-05 was a Monday). */
static int64_t utc_hour_of_week(int64_t t)
{
    int64_t h = (t - 4 * 86400) / 3600 % 168;
    return h < 0 ? h + 168 : h;
}

static void check_instant(const yz_hours *h, const yz_hours *h2, int64_t t, int tz,
                          const yz_holidays *hol, const uint8_t sure[21], const uint8_t maybe[21])
{
    bool open = yz_hours_is_open(h, t, tz, hol);
    CHECK(open == yz_hours_is_open(h2, t, tz, hol));
    if (yz_hours_is_247(h))
        CHECK(open);
    if (!hol) {
        CHECK(open == yz_hours_is_open(h, t + 7 * 86400, tz, NULL));
    }
    int64_t hw = utc_hour_of_week(t);
    if (open)
        CHECK(bit(maybe, hw));
    else
        CHECK(!bit(sure, hw));

    int64_t next = 0;
    int err = yz_hours_next_change(h, t, tz, hol, &next);
    int64_t next2 = 0;
    CHECK(err == yz_hours_next_change(h2, t, tz, hol, &next2));
    if (err == YZ_OK) {
        CHECK(next2 == next);
        CHECK(next > t && next <= t + YZ_HOURS_HORIZON_S);
        CHECK(next % 60 == 0); /* changes fall on whole local minutes */
        CHECK(yz_hours_is_open(h, next, tz, hol) != open);
        CHECK(yz_hours_is_open(h, next - 1, tz, hol) == open);
        CHECK(yz_hours_is_open(h, t + (next - t) / 2, tz, hol) == open);
        CHECK(yz_hours_is_open(h, t + (next - t) / 3, tz, hol) == open);
    } else {
        CHECK(err == YZ_ENOTFOUND);
        for (int64_t dt = 0; dt <= YZ_HOURS_HORIZON_S; dt += 3659)
            CHECK(yz_hours_is_open(h, t + dt, tz, hol) == open);
        CHECK(yz_hours_is_open(h, t + YZ_HOURS_HORIZON_S, tz, hol) == open);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 400)
        return 0;
    char src[401];
    memcpy(src, data, size);
    src[size] = '\0';

    yz_hours *h = NULL;
    yz_errinfo ei;
    yz_err_clear(&ei);
    int err = yz_hours_parse(src, &h, &ei);
    if (err) {
        CHECK(err == YZ_EINVAL && ei.code == YZ_EINVAL && h == NULL);
        CHECK(strcmp(ei.field, "opening_hours") == 0);
        CHECK(ei.msg[0] && ei.msg_en[0]);
        CHECK(strlen(ei.msg) < sizeof ei.msg - 1 && strlen(ei.msg_en) < sizeof ei.msg_en - 1);
        CHECK(valid_utf8(ei.msg) && valid_utf8(ei.msg_en));
        return 0;
    }
    CHECK(strlen(src) <= YZ_HOURS_SRC_MAX);

    /* The normalised source parses to the same string and the same schedule. */
    const char *norm = yz_hours_source(h);
    yz_hours *h2 = NULL;
    CHECK(yz_hours_parse(norm, &h2, &ei) == YZ_OK);
    CHECK(strcmp(yz_hours_source(h2), norm) == 0);
    CHECK(yz_hours_is_247(h2) == yz_hours_is_247(h));

    for (int d = 0; d < 7; d++) {
        char out[YZ_HOURS_DESCRIBE_MAX], out2[YZ_HOURS_DESCRIBE_MAX];
        CHECK(yz_hours_describe_day(h, d, out, sizeof out) == YZ_OK);
        CHECK(yz_hours_describe_day(h2, d, out2, sizeof out2) == YZ_OK);
        CHECK(strcmp(out, out2) == 0 && out[0]);
    }

    /* A few instants from the input's hash, and the edges of local days. */
    uint64_t x = 1469598103934665603ULL;
    for (size_t i = 0; i < size; i++)
        x = (x ^ data[i]) * 1099511628211ULL;
    static const int tzs[] = {480, 330, -570};
    int64_t day0 = yz_days_from_civil(2024, 4, 29);
    int32_t hd[6];
    for (int i = 0; i < 6; i++)
        hd[i] = (int32_t)(day0 + i * 2 + (int)(x >> (i * 3) & 1));
    yz_holidays hol = {hd, 6};
    for (size_t k = 0; k < sizeof tzs / sizeof tzs[0]; k++) {
        int tz = tzs[k];
        uint8_t sure[21], maybe[21];
        yz_hours_week_bits(h, tz, sure, maybe);
        for (int i = 0; i < 21; i++)
            CHECK((sure[i] & ~maybe[i]) == 0);
        int64_t base = day0 * 86400 - (int64_t)tz * 60;
        int64_t ts[] = {base,
                        base + 86400 - 1,
                        base + 86400 + 23 * 3600 + 59 * 60,
                        base + 3 * 86400,
                        base + (int64_t)(x % (14 * 86400)),
                        base + (int64_t)((x >> 20) % (14 * 86400))};
        for (size_t i = 0; i < sizeof ts / sizeof ts[0]; i++) {
            check_instant(h, h2, ts[i], tz, NULL, sure, maybe);
            check_instant(h, h2, ts[i], tz, &hol, sure, maybe);
        }
    }
    yz_hours_free(h2);
    yz_hours_free(h);
    return 0;
}
