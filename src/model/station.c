/* SPDX-License-Identifier: MIT */
/* model/station.c - enumeration names, lifecycle and validation of station records. */
#include "model/station.h"

#include "model/hours.h"
#include "core/alloc.h"
#include "core/time.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static const char *const tier_names[] = {"basic", "benchmark", "smart24h"};
static const char *const partner_names[] = {"union",       "community",         "china_tower",
                                            "didi",        "convenience_store", "gas_station",
                                            "enterprise",  "government",        "other"};
static const char *const status_names[] = {"planned", "building", "open", "closed_temp",
                                           "closed"};
static const char *const batch_names[] = {"plan", "standardize", "upgrade",
                                          "new",  "rectify",     "publicize"};

static const char *const map_names[] = {"amap", "baidu", "tencent"};

static int parse_name(const char *const *names, int count, const char *s)
{
    if (!s)
        return -1;
    for (int i = 0; i < count; i++)
        if (strcmp(names[i], s) == 0)
            return i;
    return -1;
}

const char *yz_tier_name(int v)
{
    return v >= 0 && v < YZ_TIER__COUNT ? tier_names[v] : "";
}
int yz_tier_parse(const char *s)
{
    return parse_name(tier_names, YZ_TIER__COUNT, s);
}
const char *yz_partner_name(int v)
{
    return v >= 0 && v < YZ_PARTNER__COUNT ? partner_names[v] : "";
}
int yz_partner_parse(const char *s)
{
    return parse_name(partner_names, YZ_PARTNER__COUNT, s);
}
const char *yz_status_name(int v)
{
    return v >= 0 && v < YZ_STATUS__COUNT ? status_names[v] : "";
}
int yz_status_parse(const char *s)
{
    return parse_name(status_names, YZ_STATUS__COUNT, s);
}

bool yz_station_in_service(const yz_station *st)
{
    return st->status == YZ_STATUS_OPEN || st->status == YZ_STATUS_CLOSED_TEMP;
}
const char *yz_batch_name(int v)
{
    return v >= 0 && v < YZ_BATCH__COUNT ? batch_names[v] : "";
}
int yz_batch_parse(const char *s)
{
    if (s && !*s)
        return YZ_BATCH_NONE;
    return parse_name(batch_names, YZ_BATCH__COUNT, s);
}

const char *yz_map_name(int v)
{
    return v >= 0 && v < YZ_MAP__COUNT ? map_names[v] : "";
}
int yz_map_parse(const char *s)
{
    return parse_name(map_names, YZ_MAP__COUNT, s);
}

void yz_maps_format(unsigned mask, const char *sep, char *out, size_t cap)
{
    size_t len = 0;
    if (cap)
        out[0] = '\0';
    for (int m = 0; m < YZ_MAP__COUNT; m++) {
        if (!(mask & (1u << m)))
            continue;
        int w = snprintf(out + len, cap - len, "%s%s", len ? sep : "", map_names[m]);
        if (w < 0 || (size_t)w >= cap - len)
            return;
        len += (size_t)w;
    }
}

const char *yz_maps_text(unsigned mask)
{
    static const char *const text[] = {"",        "amap",         "baidu",         "amap;baidu",
                                       "tencent", "amap;tencent", "baidu;tencent", "amap;baidu;tencent"};
    _Static_assert(sizeof text / sizeof *text == YZ_MAPS_ALL + 1, "one text a mask");
    return text[mask & YZ_MAPS_ALL];
}

int yz_maps_parse(const char *list, const char *field, unsigned *mask, yz_errinfo *ei)
{
    unsigned m = 0;
    const char *p = list;
    while (*p) {
        while (*p == ' ' || *p == ',' || *p == ';')
            p++;
        if (!*p)
            break;
        size_t len = strcspn(p, ",; ");
        int v = -1;
        for (int i = 0; i < YZ_MAP__COUNT && v < 0; i++)
            if (strlen(map_names[i]) == len && memcmp(map_names[i], p, len) == 0)
                v = i;
        if (v < 0) {
            int shown = len > 40 ? 40 : (int)len;
            return yz_err_setf(ei, YZ_EINVAL, field,
                               "未知的在线地图 “%.*s”（可用 amap、baidu、tencent）",
                               "unknown online map \"%.*s\" (amap, baidu, tencent)", shown, p);
        }
        m |= 1u << v;
        p += len;
    }
    *mask = m;
    return YZ_OK;
}

void yz_facility_fini(yz_facility *f)
{
    if (!f)
        return;
    yz_free(f->code);
    yz_free(f->label);
    yz_free(f->label_hant);
    yz_free(f->label_en);
    yz_free(f->synonyms);
    memset(f, 0, sizeof *f);
}

void yz_district_fini(yz_district *d)
{
    if (!d)
        return;
    yz_free(d->code);
    yz_free(d->name);
    yz_free(d->name_hant);
    memset(d, 0, sizeof *d);
}

void yz_station_init(yz_station *s)
{
    memset(s, 0, sizeof *s);
    s->tier = YZ_TIER_BASIC;
    s->partner_kind = YZ_PARTNER_UNION;
    s->status = YZ_STATUS_OPEN;
    s->batch = YZ_BATCH_NONE;
}

void yz_station_fini(yz_station *s)
{
    if (!s)
        return;
    yz_free(s->code);
    yz_free(s->name);
    yz_free(s->address);
    yz_free(s->district_code);
    yz_free(s->district_name);
    yz_free(s->partner_name);
    yz_free(s->opening_hours);
    yz_free(s->tz);
    yz_free(s->closed_reason);
    yz_free(s->phone);
    yz_station_init(s);
}

void yz_station_copy(yz_station *dst, const yz_station *src)
{
    *dst = *src;
    dst->code = yz_strdup(src->code);
    dst->name = yz_strdup(src->name);
    dst->address = yz_strdup(src->address);
    dst->district_code = yz_strdup(src->district_code);
    dst->district_name = yz_strdup(src->district_name);
    dst->partner_name = yz_strdup(src->partner_name);
    dst->opening_hours = yz_strdup(src->opening_hours);
    dst->tz = yz_strdup(src->tz);
    dst->closed_reason = yz_strdup(src->closed_reason);
    dst->phone = yz_strdup(src->phone);
}

void yz_station_array_free(yz_station *a, size_t n)
{
    if (!a)
        return;
    for (size_t i = 0; i < n; i++)
        yz_station_fini(&a[i]);
    yz_free(a);
}

/* Check a string field: required (non-empty) or optional, and at most `max` bytes. */
static int check_str(const char *v, const char *field, int required, size_t max, yz_errinfo *ei)
{
    if (!v || !*v) {
        if (required)
            return yz_err_setf(ei, YZ_EINVAL, field, "缺少必填字段 %s", "%s is required", field);
        return YZ_OK;
    }
    if (strlen(v) > max)
        return yz_err_setf(ei, YZ_EINVAL, field, "%s 过长（最多 %zu 字节）", "%s is too long (at most %zu bytes)", field, max);
    for (const unsigned char *p = (const unsigned char *)v; *p; p++)
        if (*p < 0x20)
            return yz_err_setf(ei, YZ_EINVAL, field, "%s 含有控制字符", "%s contains control characters", field);
    return YZ_OK;
}

int yz_station_check_values(const yz_station *s, yz_errinfo *ei)
{
    if (!isfinite(s->lat) || s->lat < -90 || s->lat > 90)
        return yz_err_set(ei, YZ_EINVAL, "lat", "纬度必须在 -90 到 90 之间",
                          "lat must be between -90 and 90");
    if (!isfinite(s->lon) || s->lon < -180 || s->lon > 180)
        return yz_err_set(ei, YZ_EINVAL, "lon", "经度必须在 -180 到 180 之间",
                          "lon must be between -180 and 180");
    if (s->tier < 0 || s->tier >= YZ_TIER__COUNT)
        return yz_err_set(ei, YZ_EINVAL, "tier", "未知的等级", "unknown tier");
    if (s->partner_kind < 0 || s->partner_kind >= YZ_PARTNER__COUNT)
        return yz_err_set(ei, YZ_EINVAL, "partner_kind", "未知的合作方类型",
                          "unknown partner kind");
    if (s->status < 0 || s->status >= YZ_STATUS__COUNT)
        return yz_err_set(ei, YZ_EINVAL, "status", "未知的状态", "unknown status");
    if (s->batch < YZ_BATCH_NONE || s->batch >= YZ_BATCH__COUNT)
        return yz_err_set(ei, YZ_EINVAL, "batch", "未知的批次", "unknown batch");
    if (s->online_maps & ~YZ_MAPS_ALL)
        return yz_err_set(ei, YZ_EINVAL, "online_maps", "未知的在线地图", "unknown online map");
    if (s->seats < 0 || s->seats > 100000)
        return yz_err_set(ei, YZ_EINVAL, "seats", "座位数必须在 0 到 100000 之间",
                          "seats must be between 0 and 100000");
    if (s->closed_until < 0)
        return yz_err_set(ei, YZ_EINVAL, "closed_until", "时间无效", "invalid time");
    return YZ_OK;
}

int yz_station_validate(const yz_station *s, yz_errinfo *ei)
{
    return yz_station_validate_hours_ok(s, false, ei);
}

int yz_station_validate_hours_ok(const yz_station *s, bool hours_ok, yz_errinfo *ei)
{
    int err;
    err = check_str(s->code, "code", 1, 32, ei);
    if (err)
        return err;
    size_t clen = strlen(s->code);
    if (clen < 2)
        return yz_err_set(ei, YZ_EINVAL, "code", "编号至少 2 个字符",
                          "code must have at least 2 characters");
    for (size_t i = 0; i < clen; i++) {
        char c = s->code[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_'))
            return yz_err_set(ei, YZ_EINVAL, "code", "编号只能包含字母、数字、- 和 _",
                              "code may only contain letters, digits, - and _");
    }
    if ((err = check_str(s->name, "name", 1, 200, ei)) ||
        (err = check_str(s->address, "address", 0, 400, ei)) ||
        (err = check_str(s->district_code, "district_code", 1, 12, ei)) ||
        (err = check_str(s->partner_name, "partner_name", 0, 200, ei)) ||
        (err = check_str(s->phone, "phone", 0, 40, ei)) ||
        (err = check_str(s->closed_reason, "closed_reason", 0, 400, ei)))
        return err;
    if ((err = yz_station_check_values(s, ei)))
        return err;
    int off;
    if (s->tz && yz_tz_offset(s->tz, &off))
        return yz_err_setf(ei, YZ_EINVAL, "tz", "不支持的时区 %s", "unsupported time zone %s", s->tz);
    if (s->opening_hours && !hours_ok) {
        yz_hours *h = NULL;
        err = yz_hours_parse(s->opening_hours, &h, ei);
        yz_hours_free(h);
        if (err)
            return err;
    }
    return YZ_OK;
}
