/* SPDX-License-Identifier: MIT */
/* api/params.c - the one parameter layer: an endpoint's table of query parameters is checked
 * here, unknown names first, then each value by its type, and every refusal is worded here
 * (zh-Hans and English), so that the same mistake reads the same on every endpoint. Also the
 * station a parameter or the path names, by id or code. */
#include "api/params.h"

#include "core/buf.h"
#include "core/time.h"
#include "core/utf8.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_OFFSET_MIN 480 /* dates and times without a zone are read in China Standard Time   \
                                */
#define MAX_YEAR 2999

/* --- unknown names --------------------------------------------------------------------------- */

/* Specs longer than this are read by name, one lookup a parameter (none is, so far). */
#define KNOWN_MAX 32

typedef struct known {
    const yz_param *spec;
    size_t n;
    const char *bad;               /* the first unknown name */
    const char *first[KNOWN_MAX]; /* spec i's value where first given, NULL if not given */
} known;

/* One pass over the query both refuses unknown names and keeps each parameter's value, instead
 * of a lookup by name for each of the spec's parameters (15 for a nearby search) afterwards. */
static int check_known(void *arg, const char *k, const char *v)
{
    known *a = arg;
    if (k[0] == '_')
        return 0; /* cache busters */
    for (size_t i = 0; i < a->n; i++) {
        if (a->spec[i].name[0] == k[0] && strcmp(a->spec[i].name, k) == 0) {
            if (i < KNOWN_MAX && !a->first[i])
                a->first[i] = v;
            return 0;
        }
    }
    a->bad = k;
    return 1;
}

static int refuse_unknown(const char *name, yz_errinfo *ei)
{
    size_t len = strlen(name);
    if (len > YZ_API_NAME_MAX || !yz_utf8_valid(name, len))
        return yz_err_set(ei, YZ_EINVAL, "", "未知参数", "unknown parameter");
    return yz_err_setf(ei, YZ_EINVAL, name, "未知参数 %s", "unknown parameter %s", name);
}

/* --- values ---------------------------------------------------------------------------------- */

static int parse_double(const char *v, double *out)
{
    return yz_parse_double(v, out); /* strtod's double, without strtod for plain decimals */
}

static int parse_long(const char *v, long *out)
{
    char *end;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (!*v || *end || errno)
        return -1;
    *out = n;
    return 0;
}

/* "YYYY-MM-DD" as days since 1970-01-01; 2026-02-30 is refused. */
static int parse_date(const char *v, int32_t *day)
{
    if (strlen(v) != 10 || v[4] != '-' || v[7] != '-')
        return -1;
    int f[3] = {0, 0, 0}, w[3] = {4, 2, 2}, p = 0;
    for (int k = 0; k < 3; k++, p++) {
        for (int j = 0; j < w[k]; j++, p++) {
            if (v[p] < '0' || v[p] > '9')
                return -1;
            f[k] = f[k] * 10 + (v[p] - '0');
        }
    }
    if (f[0] < 1970 || f[0] > MAX_YEAR || f[1] < 1 || f[1] > 12 || f[2] < 1 || f[2] > 31)
        return -1;
    int64_t d = yz_days_from_civil(f[0], f[1], f[2]);
    int y, m, dd;
    yz_civil_from_days(d, &y, &m, &dd);
    if (y != f[0] || m != f[1] || dd != f[2])
        return -1;
    *day = (int32_t)d;
    return 0;
}

/* An ISO-8601 date-time, or a bare date (its midnight). An unencoded '+' of the zone offset
 * arrives as a space and is put back. */
static int parse_time(const char *v, int64_t *t)
{
    char full[40];
    size_t len = strlen(v);
    if (len >= sizeof full)
        return -1;
    if (len == 10 && v[4] == '-' && v[7] == '-') {
        snprintf(full, sizeof full, "%sT00:00:00", v);
    } else {
        memcpy(full, v, len + 1);
        for (size_t i = 16; i < len; i++)
            if (full[i] == ' ')
                full[i] = '+';
    }
    return yz_time_parse_iso8601(full, DEFAULT_OFFSET_MIN, t) == YZ_OK ? 0 : -1;
}

static int parse_point(const char *v, yz_point *at)
{
    char *end;
    errno = 0;
    double lat = strtod(v, &end);
    if (end == v || *end != ',' || errno || !isfinite(lat))
        return -1;
    const char *p = end + 1;
    double lon = strtod(p, &end);
    if (end == p || *end || errno || !isfinite(lon) || yz_coord_check(lat, lon) != YZ_OK)
        return -1;
    *at = (yz_point){lat, lon};
    return 0;
}

static int refuse_word(const yz_param *p, yz_errinfo *ei)
{
    return yz_err_setf(ei, YZ_EINVAL, p->name, "%s 必须是 %s 之一", "%s must be one of %s", p->name,
                       p->words);
}

/* The default of an absent parameter. */
static void put_default(const yz_param *p, char *out)
{
    switch (p->type) {
    case YZ_PARAM_INT: *(long *)(out + p->offset) = (long)p->def; break;
    case YZ_PARAM_NUMBER: *(double *)(out + p->offset) = p->def; break;
    case YZ_PARAM_BOOL: *(bool *)(out + p->offset) = p->def != 0; break;
    case YZ_PARAM_WORD: *(int *)(out + p->offset) = (int)p->def; break;
    case YZ_PARAM_WORDS: *(uint32_t *)(out + p->offset) = (uint32_t)p->def; break;
    case YZ_PARAM_POINT: *(yz_point *)(out + p->offset) = (yz_point){0, 0}; break;
    case YZ_PARAM_DATE: {
        int64_t t = yz_time_now() + DEFAULT_OFFSET_MIN * 60;
        *(int32_t *)(out + p->offset) = (int32_t)(t / 86400 - (t % 86400 < 0));
        break;
    }
    case YZ_PARAM_TIME: *(int64_t *)(out + p->offset) = yz_time_now(); break;
    case YZ_PARAM_TEXT: *(const char **)(out + p->offset) = NULL; break;
    }
}

/* Parse `v` for `p` into `out`, or refuse it: every message of a bad value is here. */
static int put_value(const yz_param *p, const char *v, char *out, yz_errinfo *ei)
{
    const char *name = p->name;
    switch (p->type) {
    case YZ_PARAM_INT: {
        long n;
        if (parse_long(v, &n) || n < (long)p->lo || n > (long)p->hi)
            return yz_err_setf(ei, YZ_EINVAL, name, "%s 必须是 %ld 到 %ld 之间的整数",
                               "%s must be an integer from %ld to %ld", name, (long)p->lo,
                               (long)p->hi);
        *(long *)(out + p->offset) = n;
        return YZ_OK;
    }
    case YZ_PARAM_NUMBER: {
        double d;
        bool above = p->flags & YZ_PARAM_ABOVE_LO;
        if (parse_double(v, &d) || d < p->lo || (above && d == p->lo) || d > p->hi) {
            if (above)
                return yz_err_setf(ei, YZ_EINVAL, name, "%s 必须是大于 %g 且不超过 %g 的数",
                                   "%s must be a number more than %g and at most %g", name, p->lo,
                                   p->hi);
            return yz_err_setf(ei, YZ_EINVAL, name, "%s 必须是 %g 到 %g 之间的数",
                               "%s must be a number from %g to %g", name, p->lo, p->hi);
        }
        *(double *)(out + p->offset) = d;
        return YZ_OK;
    }
    case YZ_PARAM_BOOL:
        if (!strcmp(v, "true") || !strcmp(v, "1") || !strcmp(v, "yes"))
            *(bool *)(out + p->offset) = true;
        else if (!strcmp(v, "false") || !strcmp(v, "0") || !strcmp(v, "no"))
            *(bool *)(out + p->offset) = false;
        else
            return yz_err_setf(ei, YZ_EINVAL, name, "%s 必须是 true 或 false",
                               "%s must be true or false", name);
        return YZ_OK;
    case YZ_PARAM_WORD: {
        int w = p->parse(v);
        if (w < 0)
            return refuse_word(p, ei);
        *(int *)(out + p->offset) = w;
        return YZ_OK;
    }
    case YZ_PARAM_WORDS: {
        uint32_t mask = 0;
        char one[32];
        while (*v) {
            size_t len = strcspn(v, ",");
            int w = -1;
            if (len < sizeof one) {
                memcpy(one, v, len);
                one[len] = '\0';
                w = p->parse(one);
            }
            if (w < 0 || w > 31)
                return refuse_word(p, ei);
            mask |= UINT32_C(1) << w;
            v += len;
            if (*v == ',')
                v++;
        }
        *(uint32_t *)(out + p->offset) = mask;
        return YZ_OK;
    }
    case YZ_PARAM_POINT:
        if (parse_point(v, (yz_point *)(out + p->offset)))
            return yz_err_setf(ei, YZ_EINVAL, name, "%s 须为 纬度,经度（WGS-84），如 28.0,120.65",
                               "%s must be lat,lon (WGS-84), e.g. 28.0,120.65", name);
        return YZ_OK;
    case YZ_PARAM_DATE:
        if (parse_date(v, (int32_t *)(out + p->offset)))
            return yz_err_setf(ei, YZ_EINVAL, name, "%s 须为 YYYY-MM-DD 格式的日期",
                               "%s must be a date as YYYY-MM-DD", name);
        return YZ_OK;
    case YZ_PARAM_TIME:
        if (parse_time(v, (int64_t *)(out + p->offset)))
            return yz_err_setf(ei, YZ_EINVAL, name,
                               "%s 须为 ISO-8601 时间，如 2026-11-29T08:00:00+08:00",
                               "%s must be an ISO-8601 date-time such as "
                               "2026-11-29T08:00:00+08:00",
                               name);
        return YZ_OK;
    case YZ_PARAM_TEXT:
        if (!yz_utf8_valid(v, strlen(v)))
            return yz_err_setf(ei, YZ_EINVAL, name, "%s 不是有效的 UTF-8", "%s is not valid UTF-8",
                               name);
        if (p->hi > 0 && strlen(v) > (size_t)p->hi)
            return yz_err_setf(ei, YZ_EINVAL, name, "%s 过长（最多 %ld 字节）",
                               "%s is too long (at most %ld bytes)", name, (long)p->hi);
        *(const char **)(out + p->offset) = v;
        return YZ_OK;
    }
    return YZ_OK;
}

int yz__api_params(yz_http_req *req, const yz_param *spec, size_t n, void *out, yz_errinfo *ei)
{
    known a = {spec, n, NULL, {NULL}};
    if (yz_http_query_each(req, check_known, &a))
        return refuse_unknown(a.bad, ei);
    for (size_t i = 0; i < n; i++) {
        const yz_param *p = &spec[i];
        /* Every name the pass kept is exactly a spec name (any other was refused), so its
         * first value is what a lookup by name returns, unless empty: "?k" (no '=') comes
         * as "" from the pass but is absent (NULL) to a lookup, so "" asks the lookup. */
        const char *v = i < KNOWN_MAX ? a.first[i] : NULL;
        if (i >= KNOWN_MAX || (v && !*v))
            v = yz_http_query(req, p->name);
        if (!v) {
            if (p->flags & YZ_PARAM_REQUIRED)
                return yz_err_setf(ei, YZ_EINVAL, p->name, "缺少参数 %s", "%s is required",
                                   p->name);
            put_default(p, out);
            continue;
        }
        int err = put_value(p, v, out, ei);
        if (err)
            return err;
    }
    return YZ_OK;
}

bool yz__api_param_given(yz_http_req *req, const char *name)
{
    return yz_http_query(req, name) != NULL;
}

/* --- stations by id or code ----------------------------------------------------------------- */

/* A station by its code, else by its id: the code is what the public sees (QR codes, links),
 * so a station whose code is all digits ("12") is never shadowed by the station whose id
 * that is. */
static long station_by_ref(const yz_snap *s, const char *v)
{
    if (!v || !*v)
        return -1;
    long i = yz_snap_find_code(s, v);
    if (i >= 0)
        return i;
    char *end;
    errno = 0;
    long long id = strtoll(v, &end, 10);
    return (!*end && !errno && id > 0) ? yz_snap_find_id(s, id) : -1;
}

static int station_unknown(int code, const char *field, const char *v, yz_errinfo *ei)
{
    if (v && yz_utf8_valid(v, strlen(v)) && strlen(v) <= 40)
        return yz_err_setf(ei, code, field, "驿站 %s 不存在", "station %s not found", v);
    return yz_err_set(ei, code, field, "驿站不存在", "station not found");
}

long yz__api_param_station(const yz_snap *s, const char *v, const char *field, yz_errinfo *ei)
{
    long i = station_by_ref(s, v);
    if (i < 0)
        station_unknown(YZ_EINVAL, field, v, ei);
    return i;
}

long yz__api_find_station(const yz_snap *s, yz_http_req *req, yz_errinfo *ei)
{
    const char *p = yz_http_param(req, 0);
    long i = station_by_ref(s, p);
    if (i < 0)
        station_unknown(YZ_ENOTFOUND, "id", p, ei);
    return i;
}

int yz__api_lang_parse(const char *w)
{
    if (strcmp(w, "zh-Hans") == 0 || strcmp(w, "en") == 0)
        return YZ_LANG_HANS;
    if (strcmp(w, "zh-Hant") == 0)
        return YZ_LANG_HANT;
    return -1;
}
