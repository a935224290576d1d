/* SPDX-License-Identifier: MIT */
/* core/time.c - ISO-8601 and fixed-offset time zones. The civil-date conversions follow
 * the well-known days-from-civil algorithm (era of 400 years). */
#include "core/time.h"

#include "core/err.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

int64_t yz_days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void yz_civil_from_days(int64_t z, int *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

static int days_in_month(int y, int m)
{
    static const int dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 29;
    return dm[m - 1];
}

/* Read exactly `n` digits at *p. */
static int digits(const char **p, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        char c = (*p)[i];
        if (c < '0' || c > '9')
            return -1;
        v = v * 10 + (c - '0');
    }
    *p += n;
    *out = v;
    return 0;
}

int yz_time_parse_iso8601(const char *s, int default_offset_min, int64_t *out)
{
    int y, mo, d, h, mi, sec = 0;
    const char *p = s;
    if (!s || digits(&p, 4, &y) || *p++ != '-' || digits(&p, 2, &mo) || *p++ != '-' ||
        digits(&p, 2, &d))
        return YZ_EINVAL;
    if (*p != 'T' && *p != 't' && *p != ' ')
        return YZ_EINVAL;
    p++;
    if (digits(&p, 2, &h) || *p++ != ':' || digits(&p, 2, &mi))
        return YZ_EINVAL;
    if (*p == ':') {
        p++;
        if (digits(&p, 2, &sec))
            return YZ_EINVAL;
        if (*p == '.' || *p == ',') {
            p++;
            if (*p < '0' || *p > '9')
                return YZ_EINVAL;
            while (*p >= '0' && *p <= '9')
                p++;
        }
    }
    int off = default_offset_min;
    if (*p == 'Z' || *p == 'z') {
        off = 0;
        p++;
    } else if (*p == '+' || *p == '-') {
        int sign = *p == '-' ? -1 : 1, oh, om;
        p++;
        if (digits(&p, 2, &oh))
            return YZ_EINVAL;
        if (*p == ':')
            p++;
        if (digits(&p, 2, &om) || oh > 14 || om > 59)
            return YZ_EINVAL;
        off = sign * (oh * 60 + om);
    }
    if (*p != '\0')
        return YZ_EINVAL;
    if (y < 1970 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) ||
        h > 24 || mi > 59 || sec > 60 || (h == 24 && (mi || sec)))
        return YZ_EINVAL;
    if (sec == 60) /* a leap second reads as the next second's start */
        sec = 59;
    *out = yz_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec - (int64_t)off * 60;
    return YZ_OK;
}

/* Write `v` as `width` digits at p (v < 10^width). */
static char *put_digits(char *p, int v, int width)
{
    for (int i = width - 1; i >= 0; i--) {
        p[i] = (char)('0' + v % 10);
        v /= 10;
    }
    return p + width;
}

void yz_time_format_iso8601(int64_t t, int offset_min, char out[32])
{
    /* No printf: every search result carries one of these. */
    int64_t local = t + (int64_t)offset_min * 60;
    int64_t days = local >= 0 ? local / 86400 : -((-local + 86399) / 86400);
    int64_t secs = local - days * 86400;
    int y, m, d;
    yz_civil_from_days(days, &y, &m, &d);
    if (y < 0 || y > 9999)
        y = y < 0 ? 0 : 9999;
    char *p = out;
    p = put_digits(p, y, 4);
    *p++ = '-';
    p = put_digits(p, m, 2);
    *p++ = '-';
    p = put_digits(p, d, 2);
    *p++ = 'T';
    p = put_digits(p, (int)(secs / 3600), 2);
    *p++ = ':';
    p = put_digits(p, (int)(secs / 60 % 60), 2);
    *p++ = ':';
    p = put_digits(p, (int)(secs % 60), 2);
    if (offset_min == 0) {
        *p++ = 'Z';
    } else {
        int a = offset_min < 0 ? -offset_min : offset_min;
        *p++ = offset_min < 0 ? '-' : '+';
        p = put_digits(p, a / 60 % 100, 2);
        *p++ = ':';
        p = put_digits(p, a % 60, 2);
    }
    *p = '\0';
}

/* Zones without daylight-saving time since 1992. China has kept UTC+8 throughout; the
 * list holds its zones and neighbours a deployment near the border may name. */
static const struct {
    const char *name;
    int offset_min;
} zones[] = {
    {"Asia/Shanghai", 480}, {"Asia/Chongqing", 480}, {"Asia/Harbin", 480},
    {"Asia/Hong_Kong", 480}, {"Asia/Macau", 480},    {"Asia/Taipei", 480},
    {"Asia/Urumqi", 360},   {"Asia/Kashgar", 360},   {"Asia/Singapore", 480},
    {"Asia/Tokyo", 540},    {"Asia/Seoul", 540},     {"Asia/Kolkata", 330},
    {"PRC", 480},           {"UTC", 0},              {"Etc/UTC", 0},
};

int yz_tz_offset(const char *name, int *offset_min)
{
    if (!name)
        return YZ_EINVAL;
    for (size_t i = 0; i < sizeof zones / sizeof zones[0]; i++) {
        if (strcmp(zones[i].name, name) == 0) {
            *offset_min = zones[i].offset_min;
            return YZ_OK;
        }
    }
    return YZ_EINVAL;
}

int64_t yz_time_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec;
}
