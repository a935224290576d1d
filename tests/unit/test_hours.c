/* SPDX-License-Identifier: MIT */
/* tests/unit/test_hours.c - tests of model/hours: parse acceptance and rejection with
 * their messages, is_open and next_change at chosen instants, and a per-minute brute-force
 * oracle (written here from the documented semantics) over fixed and random schedules. */
#include "model/hours.h"
#include "core/time.h"

#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

/* ---- helpers ------------------------------------------------------------------------ */

/* An ISO-8601 local time, read at +08:00 unless it names its own offset. */
static int64_t at(const char *iso)
{
    int64_t t = 0;
    cr_assert_eq(yz_time_parse_iso8601(iso, 480, &t), YZ_OK, "bad time in test: %s", iso);
    return t;
}

static int32_t day_of(const char *date)
{
    int y = 0, m = 0, d = 0;
    cr_assert_eq(strlen(date), 10u);
    y = (date[0] - '0') * 1000 + (date[1] - '0') * 100 + (date[2] - '0') * 10 + (date[3] - '0');
    m = (date[5] - '0') * 10 + (date[6] - '0');
    d = (date[8] - '0') * 10 + (date[9] - '0');
    return (int32_t)yz_days_from_civil(y, m, d);
}

static yz_hours *parse_ok(const char *src)
{
    yz_hours *h = NULL;
    yz_errinfo ei;
    yz_err_clear(&ei);
    int err = yz_hours_parse(src, &h, &ei);
    cr_assert_eq(err, YZ_OK, "parse '%s' failed: %s / %s", src, ei.msg_en, ei.msg);
    cr_assert_not_null(h);
    return h;
}

/* Labour Day holidays 2024 (Wed 1 May .. Fri 3 May). */
static const int32_t labour_days[] = {19844, 19845, 19846};
static const yz_holidays labour = {labour_days, 3};

Test(hours, calendar_fixture)
{
    cr_assert_eq(day_of("2024-05-01"), labour_days[0]);
    cr_assert_eq(day_of("2024-05-03"), labour_days[2]);
    /* 2024-05-06 is a Monday: 1970-01-01 was a Thursday. */
    cr_assert_eq((day_of("2024-05-06") + 3) % 7, 0);
}

/* ---- parse: accepted inputs and their normalised source ------------------------------ */

static const struct {
    const char *src;
    const char *norm;
} accept_cases[] = {
    {"24/7", "24/7"},
    {"  24/7  ", "24/7"},
    {"Mo-Fr 08:00-18:00", "Mo-Fr 08:00-18:00"},
    {"  Mo-Fr 08:00-18:00  ", "Mo-Fr 08:00-18:00"},
    {"Mo-Fr 8:00-12:00, 13:30 - 18:00;Sa 09:00-12:00",
     "Mo-Fr 08:00-12:00,13:30-18:00; Sa 09:00-12:00"},
    {"Fr-Mo 10:00-22:00", "Fr-Mo 10:00-22:00"},
    {"Mo,We,Fr 09:00-17:00", "Mo,We,Fr 09:00-17:00"},
    {"Mo-Fr,Su 07:00-19:00", "Mo-Fr,Su 07:00-19:00"},
    {"Sa,Su,PH 10:00-16:00", "Sa,Su,PH 10:00-16:00"},
    {"Mo-Fr 08:00-18:00; PH off", "Mo-Fr 08:00-18:00; PH off"},
    {"Mo-Su 00:00-24:00", "Mo-Su 00:00-24:00"},
    {"22:00-02:00", "22:00-02:00"},
    {"18:00-06:00", "18:00-06:00"},
    {"00:00-24:00", "00:00-24:00"},
    {"0:00-24:00", "00:00-24:00"},
    {"22:00-00:00", "22:00-24:00"},
    {"Mo-Fr 08:00-18:00; Sa closed", "Mo-Fr 08:00-18:00; Sa off"},
    {"off", "off"},
    {"closed", "off"},
    {"24/7; PH off", "24/7; PH off"},
    {"Mo - Fr 08:00-18:00", "Mo-Fr 08:00-18:00"},
    {"Mo-Fr08:00-18:00", "Mo-Fr 08:00-18:00"},
    {"\tMo-Fr 06:30-23:59 ;\n Su off ", "Mo-Fr 06:30-23:59; Su off"},
    {"Mo , We 09:00-10:00", "Mo,We 09:00-10:00"},
    {"PH,Sa 09:00-10:00", "PH,Sa 09:00-10:00"},
    {"PH off", "PH off"},
    {"Mo-Mo 09:00-10:00", "Mo-Mo 09:00-10:00"},
    {"Su-Mo 23:59-24:00", "Su-Mo 23:59-24:00"},
    {"Mo-Sa 06:00-22:00; Su 08:00-20:00; PH 09:00-12:00",
     "Mo-Sa 06:00-22:00; Su 08:00-20:00; PH 09:00-12:00"},
};

Test(hours, parse_accepts)
{
    for (size_t i = 0; i < N_OF(accept_cases); i++) {
        yz_hours *h = parse_ok(accept_cases[i].src);
        cr_expect_str_eq(yz_hours_source(h), accept_cases[i].norm, "source of '%s'",
                         accept_cases[i].src);
        /* Normalising is idempotent. */
        yz_hours *h2 = parse_ok(yz_hours_source(h));
        cr_expect_str_eq(yz_hours_source(h2), yz_hours_source(h));
        yz_hours_free(h2);
        yz_hours_free(h);
    }
}

Test(hours, parse_length_limit)
{
    char s[300];
    memset(s, ' ', sizeof s);
    memcpy(s, "Mo 08:00-09:00", 14);
    s[YZ_HOURS_SRC_MAX] = '\0';
    yz_hours *h = parse_ok(s);
    cr_expect_str_eq(yz_hours_source(h), "Mo 08:00-09:00");
    yz_hours_free(h);

    /* A canonical form longer than the limit gives way to the trimmed input. */
    char long_src[YZ_HOURS_SRC_MAX + 1] = " ";
    size_t used = 1;
    while (used + 10 + 7 <= YZ_HOURS_SRC_MAX) {
        memcpy(long_src + used, "7:00-9:00;", 10);
        used += 10;
    }
    memcpy(long_src + used, "Su off ", 8); /* with its NUL */
    cr_assert_gt(strlen(long_src), YZ_HOURS_SRC_MAX - 10);
    h = parse_ok(long_src);
    cr_expect_eq(strlen(yz_hours_source(h)), strlen(long_src) - 2);
    cr_expect_eq(strncmp(yz_hours_source(h), long_src + 1, strlen(long_src) - 2), 0);
    yz_hours *h2 = parse_ok(yz_hours_source(h));
    cr_expect_str_eq(yz_hours_source(h2), yz_hours_source(h));
    cr_expect(yz_hours_is_open(h2, at("2024-05-06T08:00"), 480, NULL));
    cr_expect(!yz_hours_is_open(h2, at("2024-05-12T08:00"), 480, NULL));
    yz_hours_free(h2);
    yz_hours_free(h);

    s[YZ_HOURS_SRC_MAX] = ' ';
    s[YZ_HOURS_SRC_MAX + 1] = '\0';
    yz_errinfo ei;
    cr_assert_eq(yz_hours_parse(s, &h, &ei), YZ_EINVAL);
    cr_expect(strstr(ei.msg_en, "too long (256 bytes, at most 255)"), "%s", ei.msg_en);
    cr_expect(strstr(ei.msg, "营业时间过长"), "%s", ei.msg);
}

/* ---- parse: rejected inputs, with the position and the issue named ------------------- */

static const struct {
    const char *src;
    const char *en; /* substring of msg_en */
    const char *zh; /* substring of msg */
} reject_cases[] = {
    {"Mx 08:00-12:00", "at character 1: unknown weekday 'Mx'",
     "第 1 个字符处：无法识别的星期 'Mx'"},
    {"Mo-Fr 08:00-12:00; Sa-Mx 09:00-10:00", "at character 23: unknown weekday 'Mx'",
     "第 23 个字符处：无法识别的星期 'Mx'"},
    {"Mo-Fr 08:00-12:00; Mx 10:00-12:00", "at character 20: unknown weekday 'Mx'",
     "第 20 个字符处"},
    {"mo-fr 08:00-18:00", "unknown weekday 'mo' (write 'Mo')",
     "无法识别的星期 'mo'（应写作 'Mo'）"},
    {"", "opening hours are empty", "营业时间为空"},
    {"   ", "opening hours are empty", "营业时间为空"},
    {"Jan-Mar 08:00-18:00", "at character 1: months are not supported ('Jan')", "不支持月份"},
    {"Mo-Fr 08:00-18:00; Dec 24 off", "at character 20: months are not supported ('Dec')",
     "第 20 个字符处：不支持月份"},
    {"week 01-53 Mo 08:00-10:00", "at character 1: week numbers are not supported", "不支持周数"},
    {"sunrise-sunset", "variable times such as 'sunrise' are not supported", "日出"},
    {"Mo 08:00-sunset", "at character 10: variable times such as 'sunset'", "第 10 个字符处"},
    {"Mo-Fr 08:00-18:00 \"call ahead\"", "at character 19: comments", "不支持注释"},
    {"Mo-Fr 08:00+", "at character 12: open-ended times ('+') are not supported", "'+'"},
    {"Mo-Fr 08:00-18:00+", "at character 18: open-ended", "'+'"},
    {"Mo-Fr 08:00-18:00 || Sa 10:00-12:00", "at character 19: fallback rules ('||')", "'||'"},
    {"Mo 25:00-26:00", "at character 4: invalid time '25:00'", "第 4 个字符处：无效的时间 '25:00'"},
    {"Mo 12:60-13:00", "at character 4: invalid time '12:60'", "无效的时间 '12:60'"},
    {"Mo 08:00-24:30", "at character 10: invalid time '24:30'", "无效的时间 '24:30'"},
    {"Mo 24:00-02:00", "at character 4: 24:00 can only end a span", "24:00 只能作为结束时间"},
    {"Mo 0800-1200", "at character 4: invalid time '0800'", "无效的时间 '0800'"},
    {"Mo 08:0-12:00", "invalid time '08:0'", "无效的时间"},
    {"Mo 123:00-13:00", "invalid time '123:00'", "无效的时间"},
    {"Mo 8-12", "at character 5: unexpected '-', expected ':'", "第 5 个字符处"},
    {"Mo 08:00-08:00", "at character 4: the span '08:00-08:00' is empty", "长度为零"},
    {"00:00-00:00", "the span '00:00-00:00' is empty", "全天请写 00:00-24:00"},
    {"Mo-Fr 08:00-18:00;", "at character 19: empty rule", "第 19 个字符处：规则为空"},
    {"Mo-Fr 08:00-18:00;; Sa off", "at character 19: empty rule", "规则为空"},
    {";Mo 08:00-09:00", "at character 1: empty rule", "规则为空"},
    {"Mo-Fr", "at character 6: weekdays must be followed by times or 'off'", "缺少时间段"},
    {"PH", "weekdays must be followed by times or 'off'", "缺少时间段"},
    {"Mo-Fr; Sa 08:00-09:00", "at character 6: weekdays must be followed", "缺少时间段"},
    {"Mo 08:00-12:00, Sa 09:00-10:00",
     "at character 17: 'Sa' in a list of times; separate rules with ';'", "请用 ';' 分隔"},
    {"Mo Tu 08:00-09:00", "at character 4: missing ',' before weekday 'Tu'", "缺少 ','"},
    {"Mo 08:00-18:00 Tu 09:00-10:00", "at character 16: missing ';' before 'Tu'", "缺少 ';'"},
    {"Mo-Fr 08:00-18:00 open", "at character 19: the state 'open' is not supported", "不支持状态"},
    {"Mo unknown", "the state 'unknown' is not supported", "不支持状态"},
    {"Mo-Fr 08：00-18:00", "at character 9: full-width '：', use ASCII ':'",
     "第 9 个字符处：全角字符 '：'，请改用半角 ':'"},
    {"Mo-Fr 08:00－18:00", "at character 12: full-width '－', use ASCII '-'", "全角字符"},
    {"Mo-Fr 08:00-18:00；Sa off", "at character 18: full-width '；', use ASCII ';'", "全角字符"},
    {"周一至周五 08:00-18:00", "at character 1: unexpected '周'", "第 1 个字符处：无法识别的 '周'"},
    {"Mo-Fr 08:00~18:00", "at character 12: unexpected '~', join times with '-'", "'~'"},
    {"Mo-Fr 08:00\u201318:00", "at character 12: unexpected '\u2013', join times with '-'",
     "时间之间请用 '-'"},
    {"Mo-Fr 08:00\u81f318:00", "at character 12: unexpected '\u81f3'", "无法识别的 '至'"},
    {"Mo-Fr 08:00\uff5e18:00", "at character 12: full-width '\uff5e', use ASCII '-'",
     "请改用半角 '-'"},
    {"ph 10:00-12:00", "at character 1: unknown weekday 'ph' (write 'PH')", "应写作 'PH'"},
    {"Abcdefghijklmnopqrstuvwxyzabcdefghij 10:00-11:00",
     "at character 1: unknown weekday 'Abcdefghijklmnopqrstuvwx...'", "无法识别的星期"},
    {"SH off", "at character 1: school holidays ('SH') are not supported", "学校假期"},
    {"Mo[1] 08:00-10:00", "at character 3: nth-weekday selectors", "'[...]'"},
    {"PH-Mo off", "at character 3: PH cannot be part of a range", "PH 不能用于范围"},
    {"Mo-PH off", "at character 4: PH cannot be part of a range", "PH 不能用于范围"},
    {"Mo 24/7", "at character 4: '24/7' must be a rule of its own", "24/7"},
    {"24/7 off", "at character 6: unexpected 'off', expected ';' or the end", "无法识别的 'off'"},
    {"Mo-Fr OFF", "unexpected 'OFF' (write 'off' or 'closed' in lower case)", "小写"},
    {"Mo-Fr 08:00-18:00, ", "at character 20: unexpected end, expected a time", "意外结束"},
    {"Mo-Fr 08:00-", "at character 13: unexpected end, expected a time", "意外结束"},
    {"Mo-, Fr 08:00-09:00", "at character 4: unexpected ',', expected a weekday", "应为星期"},
    {"Mo, 08:00-09:00", "at character 5: unexpected '08:00', expected a weekday", "应为星期"},
    {"Mo 08:00-09:00 @", "at character 16: unexpected '@', expected ';' or the end", "'@'"},
    {"\xff", "at character 1: unexpected '\\xFF'", "第 1 个字符处"},
    {"Mo 08:00-09:00; 2024 off", "at character 17: invalid time '2024'", "无效的时间"},
    {"Mo 08:00-09:00 off", "at character 16: unexpected 'off', expected ';'", "无法识别"},
    {"Mo off 08:00-09:00", "at character 8: unexpected '08:00', expected ';' or the end",
     "应为';'"},
    {"easter off", "dates such as 'easter' are not supported", "不支持"},
};

Test(hours, parse_rejects)
{
    for (size_t i = 0; i < N_OF(reject_cases); i++) {
        yz_hours *h = (yz_hours *)(uintptr_t)0x1; /* sentinel: must stay untouched */
        yz_errinfo ei;
        yz_err_clear(&ei);
        int err = yz_hours_parse(reject_cases[i].src, &h, &ei);
        cr_expect_eq(err, YZ_EINVAL, "'%s' was accepted", reject_cases[i].src);
        if (err != YZ_EINVAL)
            continue;
        cr_expect_eq(h, (yz_hours *)(uintptr_t)0x1, "out written on error for '%s'",
                     reject_cases[i].src);
        cr_expect_eq(ei.code, YZ_EINVAL);
        cr_expect_str_eq(ei.field, "opening_hours");
        cr_expect(strstr(ei.msg_en, reject_cases[i].en) != NULL, "'%s': en is '%s', want '%s'",
                  reject_cases[i].src, ei.msg_en, reject_cases[i].en);
        cr_expect(strstr(ei.msg, reject_cases[i].zh) != NULL, "'%s': zh is '%s', want '%s'",
                  reject_cases[i].src, ei.msg, reject_cases[i].zh);
    }
}

Test(hours, parse_null_errinfo)
{
    yz_hours *h = NULL;
    cr_expect_eq(yz_hours_parse("Mx", &h, NULL), YZ_EINVAL);
    cr_expect_null(h);
    yz_hours_free(NULL);
}

/* ---- is_open at chosen instants ------------------------------------------------------ */

static const struct {
    const char *src;
    const char *when; /* ISO-8601; +08:00 unless it says otherwise */
    int tz;           /* offset used for evaluation, minutes */
    bool labour;      /* evaluate with the Labour Day calendar */
    bool open;
} open_cases[] = {
    /* 2024-05-06 is a Monday. */
    {"Mo-Fr 08:00-18:00", "2024-05-06T07:59:59", 480, false, false},
    {"Mo-Fr 08:00-18:00", "2024-05-06T08:00:00", 480, false, true},
    {"Mo-Fr 08:00-18:00", "2024-05-06T17:59:59", 480, false, true},
    {"Mo-Fr 08:00-18:00", "2024-05-06T18:00:00", 480, false, false},
    {"Mo-Fr 08:00-18:00", "2024-05-11T10:00:00", 480, false, false},
    {"Mo-Su 08:00-23:59", "2024-05-06T23:58:59", 480, false, true},
    {"Mo-Su 08:00-23:59", "2024-05-06T23:59:00", 480, false, false},
    {"Mo-Su 08:00-24:00", "2024-05-06T23:59:00", 480, false, true},
    {"Mo-Su 08:00-24:00", "2024-05-06T23:59:59", 480, false, true},
    {"Mo-Su 08:00-24:00", "2024-05-07T00:00:00", 480, false, false},
    {"Mo-Su 08:00-24:00", "2024-05-06T24:00", 480, false, false},
    {"22:00-02:00", "2024-05-06T21:59:59", 480, false, false},
    {"22:00-02:00", "2024-05-06T23:59:00", 480, false, true},
    {"22:00-02:00", "2024-05-07T00:00:00", 480, false, true},
    {"22:00-02:00", "2024-05-07T01:59:59", 480, false, true},
    {"22:00-02:00", "2024-05-07T02:00:00", 480, false, false},
    {"Fr 22:00-02:00", "2024-05-11T01:00", 480, false, true},
    {"Fr 22:00-02:00", "2024-05-10T01:00", 480, false, false},
    {"Su 22:00-02:00", "2024-05-13T01:00", 480, false, true}, /* week wrap */
    {"Su 22:00-02:00", "2024-05-12T23:00", 480, false, true},
    {"Su 22:00-02:00", "2024-05-07T01:00", 480, false, false},
    {"Mo-Fr 18:00-06:00; Sa,Su off", "2024-05-11T05:59", 480, false, true}, /* off keeps spill */
    {"Mo-Fr 18:00-06:00; Sa,Su off", "2024-05-11T06:00", 480, false, false},
    {"Mo-Fr 18:00-06:00; Sa,Su off", "2024-05-12T05:00", 480, false, false},
    {"Mo-Fr 18:00-06:00; Sa,Su off", "2024-05-13T05:00", 480, false, false},
    {"Mo-Fr 18:00-06:00; Sa,Su off", "2024-05-13T18:00", 480, false, true},
    {"Fr-Mo 10:00-22:00", "2024-05-11T11:00", 480, false, true},
    {"Fr-Mo 10:00-22:00", "2024-05-13T11:00", 480, false, true},
    {"Fr-Mo 10:00-22:00", "2024-05-07T11:00", 480, false, false},
    {"Mo,We,Fr 09:00-17:00", "2024-05-08T12:00", 480, false, true},
    {"Mo,We,Fr 09:00-17:00", "2024-05-09T12:00", 480, false, false},
    {"Mo-Fr 08:00-12:00,13:30-18:00", "2024-05-06T12:30", 480, false, false},
    {"Mo-Fr 08:00-12:00,13:30-18:00", "2024-05-06T13:29:59", 480, false, false},
    {"Mo-Fr 08:00-12:00,13:30-18:00", "2024-05-06T13:30", 480, false, true},
    {"Mo-Fr 08:00-18:00; Sa 10:00-14:00; Sa off", "2024-05-11T11:00", 480, false, false},
    {"off", "2024-05-06T12:00", 480, false, false},
    {"24/7", "2024-05-06T12:00", 480, false, true},
    {"00:00-24:00", "2024-05-06T00:00", 480, false, true},
    /* Fixed offsets other than +08:00. */
    {"Mo-Fr 09:00-17:00", "2024-05-06T09:00+05:30", 330, false, true},
    {"Mo-Fr 09:00-17:00", "2024-05-06T08:59:59+05:30", 330, false, false},
    {"Mo-Fr 09:00-17:00", "2024-05-06T03:30Z", 330, false, true},
    {"Mo 00:00-01:00", "2024-05-06T00:30-05:00", -300, false, true},
    {"Mo 00:00-01:00", "2024-05-06T00:30+08:00", -300, false, false},
    {"Mo 23:00-24:00", "2024-05-06T23:30+05:45", 345, false, true},
    /* Public holidays (1-3 May 2024, Wed-Fri). */
    {"Mo-Fr 08:00-18:00; PH off", "2024-05-01T10:00", 480, true, false},
    {"Mo-Fr 08:00-18:00; PH off", "2024-05-01T10:00", 480, false, true},
    {"Mo-Fr 08:00-18:00; PH off", "2024-04-30T10:00", 480, true, true},
    {"Sa,Su,PH 10:00-16:00; Mo-Fr 08:00-18:00", "2024-05-01T09:00", 480, true, false},
    {"Sa,Su,PH 10:00-16:00; Mo-Fr 08:00-18:00", "2024-05-01T11:00", 480, true, true},
    {"Sa,Su,PH 10:00-16:00; Mo-Fr 08:00-18:00", "2024-04-30T09:00", 480, true, true},
    {"PH off; Mo-Fr 08:00-18:00", "2024-05-01T10:00", 480, true, false}, /* PH wins */
    {"PH off; Mo-Fr 08:00-18:00", "2024-05-06T10:00", 480, true, true},
    {"Mo-Su 08:00-18:00; PH 20:00-02:00", "2024-05-03T23:00", 480, true, true},
    {"Mo-Su 08:00-18:00; PH 20:00-02:00", "2024-05-03T10:00", 480, true, false},
    {"Mo-Su 08:00-18:00; PH 20:00-02:00", "2024-05-04T01:00", 480, true, true},
    {"Mo-Su 08:00-18:00; PH 20:00-02:00", "2024-05-04T10:00", 480, true, true},
    {"Mo-Fr 20:00-02:00; PH off", "2024-05-01T01:00", 480, true, true}, /* spill into PH */
    {"Mo-Fr 20:00-02:00; PH off", "2024-05-01T21:00", 480, true, false},
    {"Mo-Fr 20:00-02:00; PH off", "2024-05-02T01:00", 480, true, false},
    {"Mo-Fr 20:00-02:00; PH off", "2024-05-04T01:00", 480, true, false},
    {"Mo-Fr 20:00-02:00; PH off", "2024-05-04T01:00", 480, false, true},
    {"24/7; PH off", "2024-05-02T12:00", 480, true, false},
    {"24/7; PH off", "2024-05-04T12:00", 480, true, true},
};

Test(hours, is_open_cases)
{
    for (size_t i = 0; i < N_OF(open_cases); i++) {
        yz_hours *h = parse_ok(open_cases[i].src);
        int64_t t = at(open_cases[i].when);
        bool got = yz_hours_is_open(h, t, open_cases[i].tz, open_cases[i].labour ? &labour : NULL);
        cr_expect_eq(got, open_cases[i].open, "'%s' at %s (tz %d%s): got %d", open_cases[i].src,
                     open_cases[i].when, open_cases[i].tz,
                     open_cases[i].labour ? ", Labour Day" : "", got);
        yz_hours_free(h);
    }
}

/* ---- next_change at chosen instants -------------------------------------------------- */

static const int32_t long_days[] = {19849, 19850, 19851, 19852, 19853, 19854,
                                    19855, 19856, 19857, 19858, 19859, 19860}; /* 6-17 May 2024 */
static const int32_t may6_day[] = {19849};

static const struct {
    const char *src;
    const char *when;
    int tz;
    const yz_holidays *hol;
    const char *next; /* NULL: YZ_ENOTFOUND */
} next_cases[] = {
    {"Mo-Fr 08:00-18:00", "2024-05-06T07:00", 480, NULL, "2024-05-06T08:00"},
    {"Mo-Fr 08:00-18:00", "2024-05-06T07:59:59", 480, NULL, "2024-05-06T08:00"},
    {"Mo-Fr 08:00-18:00", "2024-05-06T08:00", 480, NULL, "2024-05-06T18:00"},
    {"Mo-Fr 08:00-18:00", "2024-05-10T18:00", 480, NULL, "2024-05-13T08:00"},
    {"Mo-Su 22:00-24:00,00:00-06:00", "2024-05-06T23:00", 480, NULL, "2024-05-07T06:00"},
    {"Mo 22:00-24:00; Tu 00:00-06:00", "2024-05-06T23:00", 480, NULL, "2024-05-07T06:00"},
    {"Mo 22:00-24:00; Tu 00:00-06:00", "2024-05-07T05:00", 480, NULL, "2024-05-07T06:00"},
    {"Mo-Su 08:00-24:00", "2024-05-06T23:59:59", 480, NULL, "2024-05-07T00:00"},
    {"Mo-Su 08:00-23:59", "2024-05-06T23:58", 480, NULL, "2024-05-06T23:59"},
    {"22:00-02:00", "2024-05-06T12:00", 480, NULL, "2024-05-06T22:00"},
    {"22:00-02:00", "2024-05-06T23:59", 480, NULL, "2024-05-07T02:00"},
    {"22:00-02:00", "2024-05-07T00:00", 480, NULL, "2024-05-07T02:00"},
    {"Su 23:00-01:00", "2024-05-12T23:30", 480, NULL, "2024-05-13T01:00"},
    {"Su 23:00-01:00", "2024-05-13T01:00", 480, NULL, "2024-05-19T23:00"},
    {"Mo 10:00-11:00", "2024-05-06T10:30", 480, NULL, "2024-05-06T11:00"},
    {"Mo 10:00-11:00", "2024-05-06T11:00", 480, NULL, "2024-05-13T10:00"},
    {"18:00-06:00,06:00-18:00", "2024-05-06T11:00", 480, NULL, NULL},
    {"24/7", "2024-05-06T11:00", 480, NULL, NULL},
    {"off", "2024-05-06T11:00", 480, NULL, NULL},
    {"Mo-Fr 08:00-18:00; PH off", "2024-04-30T18:00", 480, &labour, "2024-05-06T08:00"},
    {"Mo-Fr 08:00-18:00; PH off", "2024-04-30T18:00", 480, NULL, "2024-05-01T08:00"},
    {"24/7; PH off", "2024-04-30T12:00", 480, &labour, "2024-05-01T00:00"},
    {"24/7; PH off", "2024-05-01T12:00", 480, &labour, "2024-05-04T00:00"},
    {"09:00-17:00", "2024-05-06T12:00+05:30", 330, NULL, "2024-05-06T17:00+05:30"},
    {"09:00-17:00", "2024-05-06T12:00-09:30", -570, NULL, "2024-05-06T17:00-09:30"},
    /* The horizon: closed for more than 8 days around holidays. */
    {"Mo-Fr 08:00-18:00; PH off", "2024-05-03T18:00", 480, &(yz_holidays){long_days, 12}, NULL},
    {"Mo 10:00-11:00; PH off", "2024-05-05T10:00", 480, &(yz_holidays){may6_day, 1},
     "2024-05-13T10:00"},
    {"Mo 10:00-11:00; PH off", "2024-05-05T09:59:59", 480, &(yz_holidays){may6_day, 1}, NULL},
};

Test(hours, next_change_cases)
{
    for (size_t i = 0; i < N_OF(next_cases); i++) {
        yz_hours *h = parse_ok(next_cases[i].src);
        int64_t t = at(next_cases[i].when), next = -1;
        int err = yz_hours_next_change(h, t, next_cases[i].tz, next_cases[i].hol, &next);
        if (!next_cases[i].next) {
            cr_expect_eq(err, YZ_ENOTFOUND, "'%s' at %s: want not found, got %d, %lld",
                         next_cases[i].src, next_cases[i].when, err, (long long)next);
            cr_expect_eq(next, -1, "next written on ENOTFOUND");
        } else {
            char got[32];
            yz_time_format_iso8601(next, next_cases[i].tz, got);
            cr_expect_eq(err, YZ_OK, "'%s' at %s: err %d", next_cases[i].src, next_cases[i].when,
                         err);
            cr_expect_eq(next, at(next_cases[i].next), "'%s' at %s: got %s, want %s",
                         next_cases[i].src, next_cases[i].when, got, next_cases[i].next);
        }
        yz_hours_free(h);
    }
}

/* ---- is_247 and describe_day ----------------------------------------------------------- */

Test(hours, is_247)
{
    static const struct {
        const char *src;
        bool all;
    } c[] = {
        {"24/7", true},
        {"Mo-Su 00:00-24:00", true},
        {"00:00-24:00", true},
        {"00:00-12:00,12:00-24:00", true},
        {"18:00-06:00,06:00-18:00", true},
        {"Mo-Fr 00:00-24:00; Sa,Su 00:00-24:00", true},
        {"24/7; PH 00:00-24:00", true},
        {"24/7; PH off", false},
        {"Mo-Sa 00:00-24:00", false},
        {"00:00-23:59", false},
        {"off", false},
    };
    for (size_t i = 0; i < N_OF(c); i++) {
        yz_hours *h = parse_ok(c[i].src);
        cr_expect_eq(yz_hours_is_247(h), c[i].all, "'%s'", c[i].src);
        yz_hours_free(h);
    }
}

Test(hours, describe_day)
{
    static const struct {
        const char *src;
        const char *day[7];
    } c[] = {
        {"Mo-Fr 08:00-12:00,13:00-18:00; Sa 22:00-02:00",
         {"08:00-12:00,13:00-18:00", "08:00-12:00,13:00-18:00", "08:00-12:00,13:00-18:00",
          "08:00-12:00,13:00-18:00", "08:00-12:00,13:00-18:00", "22:00-02:00", "off"}},
        {"24/7",
         {"00:00-24:00", "00:00-24:00", "00:00-24:00", "00:00-24:00", "00:00-24:00", "00:00-24:00",
          "00:00-24:00"}},
        {"We 13:00-18:00,08:00-12:00; Th 08:00-12:00,11:00-14:00; Fr 22:00-24:00; PH 09:00-10:00",
         {"off", "off", "08:00-12:00,13:00-18:00", "08:00-14:00", "22:00-24:00", "off", "off"}},
        {"Mo 08:00-02:00,20:00-10:00; Tu-Su 23:00-01:00,01:00-22:00",
         {"08:00-02:00,20:00-10:00", "01:00-22:00,23:00-01:00", "01:00-22:00,23:00-01:00",
          "01:00-22:00,23:00-01:00", "01:00-22:00,23:00-01:00", "01:00-22:00,23:00-01:00",
          "01:00-22:00,23:00-01:00"}},
        {"Fr-Mo 0:00-12:00,12:00-24:00; Tu closed",
         {"00:00-24:00", "off", "off", "off", "00:00-24:00", "00:00-24:00", "00:00-24:00"}},
    };
    for (size_t i = 0; i < N_OF(c); i++) {
        yz_hours *h = parse_ok(c[i].src);
        for (int d = 0; d < 7; d++) {
            char out[YZ_HOURS_DESCRIBE_MAX];
            cr_expect_eq(yz_hours_describe_day(h, d, out, sizeof out), YZ_OK);
            cr_expect_str_eq(out, c[i].day[d], "'%s' day %d", c[i].src, d);
        }
        yz_hours_free(h);
    }
    yz_hours *h = parse_ok("Mo 08:00-18:00");
    char small[11] = "x";
    cr_expect_eq(yz_hours_describe_day(h, 0, small, sizeof small), YZ_ETOOBIG);
    cr_expect_str_eq(small, "");
    char exact[12];
    cr_expect_eq(yz_hours_describe_day(h, 0, exact, sizeof exact), YZ_OK);
    cr_expect_str_eq(exact, "08:00-18:00");
    cr_expect_eq(yz_hours_describe_day(h, 7, exact, sizeof exact), YZ_EINVAL);
    cr_expect_eq(yz_hours_describe_day(h, -1, exact, sizeof exact), YZ_EINVAL);
    yz_hours_free(h);
}

/* ---- the brute-force oracle ------------------------------------------------------------
 * A schedule as the documentation defines it: rules in order, each with weekdays, a PH
 * flag and spans [start, end) in minutes, end past 1440 reaching into the next morning.
 * The oracle evaluates one minute at a time straight from that definition: no merging, no
 * per-day tables, nothing shared with hours.c. */

enum { MO = 1, TU = 2, WE = 4, TH = 8, FR = 16, SA = 32, SU = 64, WD = 31, ALL = 127 };

typedef struct ref_rule {
    int days; /* bit 0 = Monday; ALL for a rule without selector */
    bool ph;  /* the selector names PH */
    int n;    /* spans; 0 = off */
    int span[6][2];
} ref_rule;

typedef struct ref_sched {
    const char *src;
    int n;
    ref_rule r[6];
} ref_sched;

/* The effective rule on a day of weekday w, or -1. */
static int ref_effective(const ref_sched *s, int w, bool holiday)
{
    int eff = -1;
    if (holiday)
        for (int i = 0; i < s->n; i++)
            if (s->r[i].ph)
                eff = i;
    if (eff >= 0)
        return eff;
    for (int i = 0; i < s->n; i++)
        if (s->r[i].days & (1 << w))
            eff = i;
    return eff;
}

/* A calendar for the oracle: hol[d - first] for local dates d. */
typedef struct ref_cal {
    int64_t first;
    int n;
    bool hol[64];
} ref_cal;

static bool ref_is_hol(const ref_cal *c, int64_t d)
{
    return c && d >= c->first && d < c->first + c->n && c->hol[d - c->first];
}

static int ref_weekday(int64_t d)
{
    return (int)(((d % 7) + 7 + 3) % 7);
}

/* Open at minute m (0..1439) of local date d? */
static bool ref_open(const ref_sched *s, const ref_cal *c, int64_t d, int m)
{
    int r = ref_effective(s, ref_weekday(d), ref_is_hol(c, d));
    if (r >= 0)
        for (int i = 0; i < s->r[r].n; i++)
            if (s->r[r].span[i][0] <= m && m < s->r[r].span[i][1])
                return true;
    int rp = ref_effective(s, ref_weekday(d - 1), ref_is_hol(c, d - 1));
    if (rp >= 0)
        for (int i = 0; i < s->r[rp].n; i++)
            if (s->r[rp].span[i][0] <= m + 1440 && m + 1440 < s->r[rp].span[i][1])
                return true;
    return false;
}

static const ref_sched fixed_scheds[] = {
    {"24/7", 1, {{ALL, 0, 1, {{0, 1440}}}}},
    {"off", 1, {{ALL, 0, 0, {{0}}}}},
    {"Mo-Fr 08:00-18:00", 1, {{WD, 0, 1, {{480, 1080}}}}},
    {"Mo-Fr 08:00-12:00,13:30-18:00; Sa 09:00-12:00; PH off",
     3,
     {{WD, 0, 2, {{480, 720}, {810, 1080}}}, {SA, 0, 1, {{540, 720}}}, {0, 1, 0, {{0}}}}},
    {"22:00-02:00", 1, {{ALL, 0, 1, {{1320, 1560}}}}},
    {"Mo-Fr 18:00-06:00; Sa,Su off", 2, {{WD, 0, 1, {{1080, 1800}}}, {SA | SU, 0, 0, {{0}}}}},
    {"Fr-Mo 10:00-22:00", 1, {{FR | SA | SU | MO, 0, 1, {{600, 1320}}}}},
    {"Mo,We,Fr 09:00-17:00; Tu,Th 13:00-24:00",
     2,
     {{MO | WE | FR, 0, 1, {{540, 1020}}}, {TU | TH, 0, 1, {{780, 1440}}}}},
    {"Mo-Fr,Su 07:00-19:00; Sa,Su,PH 10:00-16:00",
     2,
     {{WD | SU, 0, 1, {{420, 1140}}}, {SA | SU, 1, 1, {{600, 960}}}}},
    {"Su 22:00-02:00; Mo 23:59-24:00", 2, {{SU, 0, 1, {{1320, 1560}}}, {MO, 0, 1, {{1439, 1440}}}}},
    {"Mo-Su 22:00-24:00,00:00-06:00", 1, {{ALL, 0, 2, {{1320, 1440}, {0, 360}}}}},
    {"Mo-Su 08:00-18:00; PH 20:00-02:00",
     2,
     {{ALL, 0, 1, {{480, 1080}}}, {0, 1, 1, {{1200, 1560}}}}},
    {"PH off; Mo-Fr 08:00-18:00", 2, {{0, 1, 0, {{0}}}, {WD, 0, 1, {{480, 1080}}}}},
    {"24/7; PH off", 2, {{ALL, 0, 1, {{0, 1440}}}, {0, 1, 0, {{0}}}}},
    {"18:00-06:00,06:00-18:00", 1, {{ALL, 0, 2, {{1080, 1800}, {360, 1080}}}}},
    {"Mo 08:00-02:00,20:00-10:00; Tu off",
     2,
     {{MO, 0, 2, {{480, 1560}, {1200, 2040}}}, {TU, 0, 0, {{0}}}}},
    {"Sa 00:00-24:00; Su 00:00-00:01; Mo 23:59-00:01",
     3,
     {{SA, 0, 1, {{0, 1440}}}, {SU, 0, 1, {{0, 1}}}, {MO, 0, 1, {{1439, 1441}}}}},
    {"Mo-Fr 09:00-17:00; We off; PH 10:00-12:00",
     3,
     {{WD, 0, 1, {{540, 1020}}}, {WE, 0, 0, {{0}}}, {0, 1, 1, {{600, 720}}}}},
    {"Th 00:00-24:00", 1, {{TH, 0, 1, {{0, 1440}}}}},
    {"Mo-Fr 08:00-18:00; Sa 10:00-14:00; Sa off",
     3,
     {{WD, 0, 1, {{480, 1080}}}, {SA, 0, 1, {{600, 840}}}, {SA, 0, 0, {{0}}}}},
    {"Fr-Tu 23:00-01:00,12:00-13:00,12:30-12:45; PH,We 00:00-00:30",
     2,
     {{FR | SA | SU | MO | TU, 0, 3, {{1380, 1500}, {720, 780}, {750, 765}}},
      {WE, 1, 1, {{0, 30}}}}},
    {"PH 18:00-06:00; 09:00-10:00", 2, {{0, 1, 1, {{1080, 1800}}}, {ALL, 0, 1, {{540, 600}}}}},
};

/* Test one schedule against the oracle: is_open at every minute (and at second 59 of it)
 * of two weeks, next_change at every `nc_step`-th minute, for offset `tz` and calendar
 * `cal` (which must cover the window). `what` names the case in messages. */
static void check_against_oracle(const ref_sched *s, const yz_hours *h, int tz, const ref_cal *cal,
                                 int64_t d0, int nc_step, const char *what)
{
    enum { WIN_DAYS = 23, CHECK_DAYS = 14 };
    static bool state[WIN_DAYS * 1440];
    static int next_diff[WIN_DAYS * 1440];
    int32_t days[64];
    size_t nd = 0;
    for (int i = 0; cal && i < cal->n; i++)
        if (cal->hol[i])
            days[nd++] = (int32_t)(cal->first + i);
    yz_holidays hol = {days, nd};

    const int n = WIN_DAYS * 1440;
    for (int i = 0; i < n; i++)
        state[i] = ref_open(s, cal, d0 + i / 1440, i % 1440);
    next_diff[n - 1] = -1;
    for (int i = n - 2; i >= 0; i--)
        next_diff[i] = state[i + 1] != state[i] ? i + 1 : next_diff[i + 1];

    int64_t off = (int64_t)tz * 60;
    for (int i = 0; i < CHECK_DAYS * 1440; i++) {
        int64_t t = (d0 * 1440 + i) * 60 - off;
        bool got = yz_hours_is_open(h, t, tz, &hol);
        bool got59 = yz_hours_is_open(h, t + 59, tz, &hol);
        if (got != state[i] || got59 != state[i]) {
            char when[32];
            yz_time_format_iso8601(t, tz, when);
            cr_assert_fail("%s: '%s' at %s (tz %d): is_open %d/%d, oracle %d", what, s->src, when,
                           tz, got, got59, state[i]);
        }
        if (i % nc_step != 0)
            continue;
        int64_t tt = t + (i / nc_step) % 3 * 29; /* on the minute, or 29 or 58 s into it */
        int64_t next = 0;
        int err = yz_hours_next_change(h, tt, tz, &hol, &next);
        int j = next_diff[i];
        int64_t want = j < 0 ? 0 : (d0 * 1440 + j) * 60 - off;
        bool want_found = j >= 0 && want - tt <= YZ_HOURS_HORIZON_S;
        if (want_found != (err == YZ_OK) || (want_found && next != want)) {
            char when[32], w[32], g[32];
            yz_time_format_iso8601(tt, tz, when);
            yz_time_format_iso8601(want, tz, w);
            yz_time_format_iso8601(next, tz, g);
            cr_assert_fail("%s: '%s' next_change at %s (tz %d): err %d got %s, oracle %s", what,
                           s->src, when, tz, err, err ? "-" : g, want_found ? w : "none");
        }
    }
}

/* xorshift64*: small, seeded, the same everywhere. */
static uint64_t rng_next(uint64_t *st)
{
    uint64_t x = *st;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *st = x;
    return x * 0x2545F4914F6CDD1DULL;
}

static int rnd(uint64_t *st, int n)
{
    return (int)(rng_next(st) % (uint64_t)n);
}

static void random_cal(uint64_t *st, int64_t first, int pct, ref_cal *c)
{
    c->first = first;
    c->n = 64;
    for (int i = 0; i < c->n; i++)
        c->hol[i] = rnd(st, 100) < pct;
}

static const int tz_list[] = {480, 330, -570, 0, 345, -300, 540, 840, -720};

Test(hours, oracle_fixed)
{
    uint64_t st = 0x9e3779b97f4a7c15ULL;
    int64_t d0 = yz_days_from_civil(2024, 4, 29);
    for (size_t i = 0; i < N_OF(fixed_scheds); i++) {
        const ref_sched *s = &fixed_scheds[i];
        yz_hours *h = parse_ok(s->src);
        for (int k = 0; k < 3; k++) {
            ref_cal cal;
            random_cal(&st, d0 - 10, k == 0 ? 0 : 25, &cal);
            int tz = tz_list[(i + (size_t)k) % N_OF(tz_list)];
            check_against_oracle(s, h, tz, &cal, d0 + k, k == 0 ? 1 : 7, "fixed");
        }
        yz_hours_free(h);
    }
}

/* ---- random schedules ------------------------------------------------------------------ */

typedef struct gen_sched {
    ref_sched ref;
    char src[512];
} gen_sched;

static void put(char *buf, size_t *len, const char *s)
{
    size_t n = strlen(s);
    cr_assert_lt(*len + n, 512u);
    memcpy(buf + *len, s, n + 1);
    *len += n;
}

static void put_time(uint64_t *st, char *buf, size_t *len, int m)
{
    char t[8] = {(char)('0' + m / 600),     (char)('0' + m / 60 % 10), ':',
                 (char)('0' + m % 60 / 10), (char)('0' + m % 10),      '\0'};
    put(buf, len, m < 600 && rnd(st, 2) ? t + 1 : t);
}

static int pick_minute(uint64_t *st)
{
    return rnd(st, 3) == 0 ? rnd(st, 1440) : rnd(st, 96) * 15;
}

/* A random schedule in the subset, with both its source (in varied spelling) and its
 * reference meaning. */
static void gen_schedule(uint64_t *st, gen_sched *g)
{
    static const char *const dn[7] = {"Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"};
    static const char *const ws[] = {"", " ", "  ", "\t"};
    size_t len = 0;
    g->src[0] = '\0';
    g->ref.src = g->src;
    g->ref.n = 1 + rnd(st, 4);
    for (int ri = 0; ri < g->ref.n; ri++) {
        ref_rule *r = &g->ref.r[ri];
        memset(r, 0, sizeof *r);
        if (ri > 0)
            put(g->src, &len, rnd(st, 2) ? "; " : ";");
        if (rnd(st, 15) == 0) {
            r->days = ALL;
            r->n = 1;
            r->span[0][0] = 0;
            r->span[0][1] = 1440;
            put(g->src, &len, "24/7");
            continue;
        }
        bool has_sel = rnd(st, 5) != 0;
        if (!has_sel) {
            r->days = ALL;
        } else {
            int items = 1 + rnd(st, 3);
            for (int k = 0; k < items; k++) {
                if (k > 0)
                    put(g->src, &len, rnd(st, 4) ? "," : " , ");
                int kind = rnd(st, 6);
                if (kind == 0) {
                    r->ph = true;
                    put(g->src, &len, "PH");
                } else if (kind < 3) {
                    int d = rnd(st, 7);
                    r->days |= 1 << d;
                    put(g->src, &len, dn[d]);
                } else {
                    int a = rnd(st, 7), b = rnd(st, 7);
                    for (int d = a;; d = (d + 1) % 7) {
                        r->days |= 1 << d;
                        if (d == b)
                            break;
                    }
                    put(g->src, &len, dn[a]);
                    put(g->src, &len, rnd(st, 5) ? "-" : " - ");
                    put(g->src, &len, dn[b]);
                }
            }
        }
        bool off = rnd(st, 6) == 0;
        if (has_sel) /* a word must not touch the selector */
            put(g->src, &len, rnd(st, 6) ? " " : ws[(off ? 1 : 0) + rnd(st, 3)]);
        if (off) {
            put(g->src, &len, rnd(st, 2) ? "off" : "closed");
            continue;
        }
        r->n = 1 + rnd(st, 3);
        for (int k = 0; k < r->n; k++) {
            int s = pick_minute(st), et;
            do {
                et = rnd(st, 10) == 0 ? 1440 : pick_minute(st);
            } while (et == s || (s == 0 && et == 0));
            r->span[k][0] = s;
            r->span[k][1] = et <= s ? et + 1440 : et;
            if (k > 0)
                put(g->src, &len, rnd(st, 3) ? "," : ", ");
            put_time(st, g->src, &len, s);
            put(g->src, &len, rnd(st, 5) ? "-" : " - ");
            if (et == 1440)
                put(g->src, &len, "24:00");
            else
                put_time(st, g->src, &len, et);
        }
    }
    if (len > YZ_HOURS_SRC_MAX) { /* rare: try again */
        gen_schedule(st, g);
    }
}

Test(hours, oracle_random)
{
    int64_t d0 = yz_days_from_civil(2024, 1, 1);
    for (uint64_t seed = 1; seed <= 300; seed++) {
        uint64_t st = seed * 0x9e3779b97f4a7c15ULL;
        gen_sched g;
        gen_schedule(&st, &g);
        yz_hours *h = parse_ok(g.src);
        /* Parsing the normalised source gives the same schedule. */
        yz_hours *h2 = parse_ok(yz_hours_source(h));
        cr_assert_str_eq(yz_hours_source(h2), yz_hours_source(h), "seed %llu",
                         (unsigned long long)seed);
        ref_cal cal;
        int64_t d = d0 + rnd(&st, 300);
        random_cal(&st, d - 10, 10 + rnd(&st, 40), &cal);
        int tz = tz_list[rnd(&st, (int)N_OF(tz_list))];
        char what[48];
        snprintf(what, sizeof what, "random seed %llu", (unsigned long long)seed);
        check_against_oracle(&g.ref, h, tz, &cal, d, 31, what);
        check_against_oracle(&g.ref, h2, tz, NULL, d, 97, what);
        yz_hours_free(h2);
        yz_hours_free(h);
    }
}

/* ---- week bits ---------------------------------------------------------------------------
 * Checked against is_open minute by minute: three calendars over two weeks (no holidays,
 * every day a holiday, every other day a holiday) realise every case of a day and the day
 * before being holidays or not, for every minute of the week. */

static void check_week_bits(const char *src, int tz)
{
    yz_hours *h = parse_ok(src);
    uint8_t sure[21], maybe[21];
    memset(sure, 0xaa, sizeof sure);
    memset(maybe, 0x55, sizeof maybe);
    yz_hours_week_bits(h, tz, sure, maybe);

    int64_t t0 = yz_days_from_civil(2024, 5, 6) * 86400; /* a Monday, 00:00 UTC */
    int64_t first = t0 / 86400 - 3;
    int32_t all_days[24], odd_days[24];
    size_t n_all = 0, n_odd = 0;
    for (int64_t d = first; d < first + 24; d++) {
        all_days[n_all++] = (int32_t)d;
        if (d % 2)
            odd_days[n_odd++] = (int32_t)d;
    }
    yz_holidays cals[3] = {{NULL, 0}, {all_days, n_all}, {odd_days, n_odd}};
    for (int hr = 0; hr < 168; hr++) {
        bool any = false, every = true;
        for (int c = 0; c < 3; c++)
            for (int wk = 0; wk < 2; wk++)
                for (int m = 0; m < 60; m++) {
                    int64_t t = t0 + wk * 7 * 86400 + (int64_t)(hr * 60 + m) * 60;
                    bool o = yz_hours_is_open(h, t, tz, &cals[c]);
                    any = any || o;
                    every = every && o;
                }
        bool bs = sure[hr / 8] >> (hr % 8) & 1, bm = maybe[hr / 8] >> (hr % 8) & 1;
        cr_assert_eq(bm, any, "'%s' tz %d hour %d: maybe %d, is_open says %d", src, tz, hr, bm,
                     any);
        cr_assert_eq(bs, every, "'%s' tz %d hour %d: sure %d, is_open says %d", src, tz, hr, bs,
                     every);
    }
    yz_hours_free(h);
}

Test(hours, week_bits_fixed)
{
    for (size_t i = 0; i < N_OF(fixed_scheds); i++)
        for (size_t k = 0; k < N_OF(tz_list); k += 2)
            check_week_bits(fixed_scheds[i].src, tz_list[k]);
}

Test(hours, week_bits_random)
{
    for (uint64_t seed = 1001; seed <= 1100; seed++) {
        uint64_t st = seed * 0x9e3779b97f4a7c15ULL;
        gen_sched g;
        gen_schedule(&st, &g);
        check_week_bits(g.src, tz_list[seed % N_OF(tz_list)]);
    }
}

Test(hours, week_bits_layout)
{
    /* Open Monday 08:00-09:00 at UTC: hour 8 only, bit 0 of byte 1. */
    yz_hours *h = parse_ok("Mo 08:00-09:00");
    uint8_t sure[21], maybe[21];
    yz_hours_week_bits(h, 0, sure, maybe);
    for (int i = 0; i < 21; i++) {
        cr_expect_eq(sure[i], i == 1 ? 0x01 : 0, "sure byte %d", i);
        cr_expect_eq(maybe[i], i == 1 ? 0x01 : 0, "maybe byte %d", i);
    }
    /* At +08:00 the same local hour is Monday 00:00-01:00 UTC: hour 0. */
    yz_hours_week_bits(h, 480, sure, maybe);
    cr_expect_eq(sure[0], 0x01);
    cr_expect_eq(maybe[0], 0x01);
    /* At +05:30 it straddles two UTC hours, neither of them surely open. */
    yz_hours_week_bits(h, 330, sure, maybe);
    cr_expect_eq(maybe[0], 0x0c); /* 02:30-03:30 UTC: hours 2 and 3 */
    cr_expect_eq(sure[0], 0);
    yz_hours_free(h);

    /* Sunday 23:00-24:00 local at -05:00 is Monday 04:00-05:00 UTC (the week wraps). */
    h = parse_ok("Su 23:00-24:00");
    yz_hours_week_bits(h, -300, sure, maybe);
    cr_expect_eq(maybe[0], 0x10);
    cr_expect_eq(sure[0], 0x10);
    for (int i = 1; i < 21; i++)
        cr_expect(sure[i] == 0 && maybe[i] == 0, "byte %d", i);
    yz_hours_free(h);

    h = parse_ok("24/7");
    yz_hours_week_bits(h, 345, sure, maybe);
    for (int i = 0; i < 21; i++)
        cr_expect(sure[i] == 0xff && maybe[i] == 0xff);
    yz_hours_free(h);
    h = parse_ok("off");
    yz_hours_week_bits(h, -300, sure, maybe);
    for (int i = 0; i < 21; i++)
        cr_expect(sure[i] == 0 && maybe[i] == 0);
    yz_hours_free(h);
}
