/* SPDX-License-Identifier: MIT */
/* api/stations.c - /api/v1/stations: nearby search, listing and text search, one station,
 * GeoJSON, and the admin writes (create, patch with If-Match, delete). Reads answer from the
 * current snapshot; writes go to the store, then publish a new snapshot before answering, so
 * the next search sees them. */
#include "api/api_int.h"
#include "api/params.h"
#include "api/rowcache.h"

#include "model/hours.h"
#include "core/alloc.h"
#include "core/log.h"
#include "core/time.h"
#include "core/utf8.h"
#include "exchange/exchange.h"
#include "geo/nav.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MAX_RADIUS_M 50000.0
#define DEFAULT_OFFSET_MIN 480 /* times without a zone are read in China Standard Time */

/* --- parameters ------------------------------------------------------------------------- */

/* The parameters the station endpoints share, for a struct T with members crs, mode, at. */
#define P_CRS(T)                                                                               \
    {"crs", YZ_PARAM_WORD, offsetof(T, crs), 0, 0, YZ_CRS_WGS84, 0, yz_crs_parse,             \
     "wgs84, gcj02, bd09"}
#define P_MODE(T)                                                                              \
    {"mode", YZ_PARAM_WORD, offsetof(T, mode), 0, 0, YZ_TRAVEL_RIDE, 0, yz_travel_parse,      \
     "ride, walk, drive"}
#define P_AT(T) {"at", YZ_PARAM_TIME, offsetof(T, at), 0, 0, 0, 0, NULL, NULL}
#define P_TEXT(T, name, m) {name, YZ_PARAM_TEXT, offsetof(T, m), 0, 0, 0, 0, NULL, NULL}
#define P_STATUS(T)                                                                            \
    {"status", YZ_PARAM_WORD, offsetof(T, status), 0, 0, -1, 0, yz_status_parse,             \
     "planned, building, open, closed_temp, closed"}
#define P_TIER(T)                                                                              \
    {"tier", YZ_PARAM_WORDS, offsetof(T, tier), 0, 0, 0, 0, yz_tier_parse,                    \
     "basic, benchmark, smart24h"}
/* lang=zh-Hant: names, addresses, districts and partners in traditional characters
 * (pre-rendered in the snapshot). zh-Hans and en: as stored. A parameter, not
 * Accept-Language, so that the URL is the whole cache key. */
#define P_LANG(T)                                                                              \
    {"lang", YZ_PARAM_WORD, offsetof(T, lang), 0, 0, YZ_LANG_HANS, 0, yz__api_lang_parse,      \
     "zh-Hans, zh-Hant, en"}
#define P_LAT(T, flags) {"lat", YZ_PARAM_NUMBER, offsetof(T, lat), -90, 90, 0, flags, NULL, NULL}
#define P_LON(T, flags)                                                                        \
    {"lon", YZ_PARAM_NUMBER, offsetof(T, lon), -180, 180, 0, flags, NULL, NULL}

static yz_facility_list snap_facilities(const yz_snap *s)
{
    size_t n = yz_snap_facility_count(s);
    return (yz_facility_list){n ? yz_snap_facility(s, 0) : NULL, n};
}

/* need=toilet,water: facility codes of the snapshot (valid UTF-8 already). */
static int param_need(const yz_snap *s, const char *v, uint64_t *need, yz_errinfo *ei)
{
    *need = 0;
    if (!v)
        return YZ_OK;
    return yz_exchange_parse_facilities(v, snap_facilities(s), "need", need, ei);
}

static int param_district(const yz_snap *s, const char *v, long *d, yz_errinfo *ei)
{
    *d = -1;
    if (!v)
        return YZ_OK;
    *d = yz_snap_find_district(s, v);
    if (*d < 0)
        return yz_err_setf(ei, YZ_EINVAL, "district", "未知的区县代码 %.20s",
                           "unknown district code %.20s", v);
    return YZ_OK;
}

/* lat/lon given in `crs`, both or neither, as a WGS-84 point. */
static int param_position(bool has_lat, bool has_lon, double lat, double lon, int crs, yz_point *at,
                          yz_errinfo *ei)
{
    if (has_lat != has_lon)
        return yz_err_set(ei, YZ_EINVAL, has_lat ? "lon" : "lat", "lat 和 lon 须同时给出",
                          "lat and lon must be given together");
    if (has_lat)
        *at = yz_coord_convert((yz_point){lat, lon}, crs, YZ_CRS_WGS84);
    return YZ_OK;
}

/* --- rendering ----------------------------------------------------------------------------- */

static void render_position(yz_buf *b, const yz_snap *s, size_t i, int crs)
{
    yz_point p = yz_snap_position(s, i, crs);
    yz_buf_puts(b, ",\"lat\":");
    yz_buf_fixed(b, p.lat, 7);
    yz_buf_puts(b, ",\"lon\":");
    yz_buf_fixed(b, p.lon, 7);
    yz_buf_puts(b, ",\"crs\":\"");
    yz_buf_puts(b, yz_crs_name(crs));
    yz_buf_putc(b, '"');
}

static void render_next_change(yz_buf *b, const yz_snap *s, size_t i, int64_t t);

static void render_open(yz_buf *b, const yz_snap *s, size_t i, int64_t t)
{
    yz_buf_puts(b, yz_snap_is_open(s, i, t) ? ",\"open_now\":true" : ",\"open_now\":false");
    render_next_change(b, s, i, t);
}

static void render_next_change(yz_buf *b, const yz_snap *s, size_t i, int64_t t)
{
    int64_t next;
    if (yz_snap_next_change(s, i, t, &next) == YZ_OK) {
        /* Stations change at one of a few instants (19:00, 20:00, 21:00 tonight...), in
         * turn: keep the last 16 formatted per thread. On the bench's queries (one `at`, 12
         * distinct changes) keeping only the last one missed on 86% of rows, four on 54%,
         * sixteen on 0.5%. */
        enum { KEPT = 16 };
        static _Thread_local struct {
            int64_t next;
            int off;
            size_t len;
            char iso[32];
        } kept[KEPT];
        static _Thread_local unsigned victim;
        static _Thread_local bool kept_init;
        if (!kept_init) {
            for (unsigned j = 0; j < KEPT; j++)
                kept[j].next = INT64_MIN; /* never a change: yz_snap_next_change's are times */
            kept_init = true;
        }
        int off = yz_snap_tz_offset(s, i);
        unsigned k = 0;
        while (k < KEPT && (kept[k].next != next || kept[k].off != off))
            k++;
        if (k == KEPT) {
            k = victim++ % KEPT;
            yz_time_format_iso8601(next, off, kept[k].iso);
            kept[k].next = next;
            kept[k].off = off;
            kept[k].len = strlen(kept[k].iso);
        }
        yz_buf_puts(b, ",\"next_change\":\"");
        yz_buf_append(b, kept[k].iso, kept[k].len);
        yz_buf_putc(b, '"');
    } else {
        yz_buf_puts(b, ",\"next_change\":null");
    }
}

/* open_now and next_change as render_open writes them, kept per handler thread. A station
 * open as usual (status open) follows its hours alone: what is written then depends only on
 * its schedule (hours and time zone), the snapshot's holidays and the minute asked (both
 * evaluations read the local minute; a change falls on a whole minute, so every second of a
 * minute has the same next change). Stations share a few schedules and riders ask "now", so
 * each (snapshot, schedule, minute) is evaluated once a thread instead of once a row. The key
 * holds the snapshot's serial, never reused, under which the schedule's address names the
 * same hours for as long as it is kept. A fixed table: 256 entries of 128 bytes a thread. */
enum { OPEN_MEMO_N = 256, OPEN_MEMO_TEXT = 96 };
typedef struct open_memo {
    uint64_t serial;            /* the snapshot's (yz_state_snap_serial), 0: empty */
    const struct yz_hours *hours;
    int64_t minute;             /* floor(t / 60) */
    int32_t off;                /* minutes east of UTC */
    uint32_t len;               /* bytes of text */
    char text[OPEN_MEMO_TEXT]; /* what render_open wrote */
} open_memo;
_Static_assert(sizeof(open_memo) == 128, "an entry is two cache lines");

static _Thread_local open_memo t_open_memo[OPEN_MEMO_N];

static void render_open_memo(yz_buf *b, const yz_snap *s, uint64_t serial, size_t i, int64_t t)
{
    if (!serial || yz_snap_station_status(s, i) != YZ_STATUS_OPEN) {
        render_open(b, s, i, t);
        return;
    }
    const struct yz_hours *h = yz_snap_hours(s, i);
    int off = yz_snap_tz_offset(s, i);
    int64_t minute = t >= 0 ? t / 60 : -((-t + 59) / 60);
    uint64_t hash = ((uintptr_t)h >> 4) * 0x9e3779b97f4a7c15u ^ (uint64_t)minute * 0xff51afd7u ^
                    (uint64_t)(uint32_t)off;
    open_memo *m = &t_open_memo[(hash >> 32) % OPEN_MEMO_N];
    if (m->serial == serial && m->hours == h && m->minute == minute && m->off == off) {
        yz_buf_append(b, m->text, m->len);
        return;
    }
    size_t at = b->len;
    render_open(b, s, i, t);
    size_t len = b->len - at;
    if (len <= OPEN_MEMO_TEXT) {
        m->serial = serial;
        m->hours = h;
        m->minute = minute;
        m->off = off;
        m->len = (uint32_t)len;
        memcpy(m->text, b->data + at, len);
    } else {
        m->serial = 0;
    }
}

/* --- fields=: the members a nearby answer carries -------------------------------------- */

/* The members of a nearby station, in the order they are written. The first ten are the
 * catalog's fragment members (enum yz_fragment_member), in the same order. */
static const char *const nearby_members[] = {
    "id",  "code", "name", "address", "district", "facilities", "tier", "status",
    "partner_kind", "partner_name", "lat", "lon", "crs", "distance_m", "open_now",
    "next_change", "rating", "today", "live", "nav"};
enum { NM_LAT = YZ_FM__COUNT, NM_LON, NM_CRS, NM_DISTANCE, NM_OPEN_NOW, NM_NEXT_CHANGE,
       NM_RATING, NM_TODAY, NM_LIVE, NM_NAV, NM__COUNT };
_Static_assert(sizeof nearby_members / sizeof *nearby_members == NM__COUNT, "members");
#define NM_ALL ((UINT32_C(1) << NM__COUNT) - 1)

/* `fields`: a comma-separated list of member names; absent means all. The answer keeps the
 * members' own order whatever the order asked. */
static int param_fields(const char *v, uint32_t *mask, yz_errinfo *ei)
{
    *mask = NM_ALL;
    if (!v)
        return YZ_OK;
    *mask = 0;
    for (const char *p = v;;) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        int m = -1;
        for (int j = 0; j < NM__COUNT && m < 0; j++)
            if (strlen(nearby_members[j]) == len && memcmp(nearby_members[j], p, len) == 0)
                m = j;
        if (m < 0) {
            if (len == 0)
                return yz_err_set(ei, YZ_EINVAL, "fields", "fields 含有空的字段名",
                                  "fields has an empty member name");
            if (!yz_utf8_valid(p, len))
                return yz_err_set(ei, YZ_EINVAL, "fields", "fields 不是有效的 UTF-8",
                                  "fields is not valid UTF-8");
            int shown = len > 40 ? 40 : (int)len;
            return yz_err_setf(ei, YZ_EINVAL, "fields", "未知的字段 %.*s", "unknown member %.*s",
                               shown, p);
        }
        *mask |= UINT32_C(1) << m;
        if (!e)
            return YZ_OK;
        p = e + 1;
    }
}

static void render_nav(yz_buf *b, const yz_snap *s, size_t i, int travel)
{
    yz_buf_puts(b, ",\"nav\":");
    yz_nav_text nt;
    char scratch[YZ_SNAP_NAV_SCRATCH];
    yz_snap_nav_text(s, i, &nt, scratch);
    yz_nav_links_pre(b, &nt, travel);
}

/* The members of nearby station i that `mask` selects, as one object. Every member is
 * written with its leading comma; the first comma becomes the opening brace. */
static void render_nearby_masked(yz_api *api, yz_buf *b, const yz_state_view *view, size_t i,
                                 int crs,
                                 int travel, int lang, int64_t t, double distance_m,
                                 uint32_t mask)
{
    const yz_snap *s = yz_state_snap(view);
    const size_t start = b->len;
    for (int m = 0; m < YZ_FM__COUNT; m++) {
        if (!(mask & (UINT32_C(1) << m)))
            continue;
        size_t at = b->len;
        yz_buf_putc(b, ',');
        if (!yz_snap_fragment_member_append(s, i, m, lang, b))
            yz_buf_truncate(b, at);
    }
#define HAS(m) (mask & (UINT32_C(1) << (m)))
    if (HAS(NM_LAT) || HAS(NM_LON)) {
        yz_point p = yz_snap_position(s, i, crs);
        if (HAS(NM_LAT)) {
            yz_buf_puts(b, ",\"lat\":");
            yz_buf_fixed(b, p.lat, 7);
        }
        if (HAS(NM_LON)) {
            yz_buf_puts(b, ",\"lon\":");
            yz_buf_fixed(b, p.lon, 7);
        }
    }
    if (HAS(NM_CRS)) {
        yz_buf_puts(b, ",\"crs\":\"");
        yz_buf_puts(b, yz_crs_name(crs));
        yz_buf_putc(b, '"');
    }
    if (HAS(NM_DISTANCE)) {
        yz_buf_puts(b, ",\"distance_m\":");
        yz_buf_fixed(b, distance_m, 1);
    }
    if (HAS(NM_OPEN_NOW))
        yz_buf_puts(b, yz_snap_is_open(s, i, t) ? ",\"open_now\":true" : ",\"open_now\":false");
    if (HAS(NM_NEXT_CHANGE))
        render_next_change(b, s, i, t);
    if (HAS(NM_RATING))
        yz__api_render_rating(view, yz_snap_station_id(s, i), b);
    if (HAS(NM_TODAY))
        yz__api_render_today(view, i, t, lang, b);
    if (HAS(NM_LIVE))
        yz__api_render_live(api, view, yz_snap_station_id(s, i), b);
    if (HAS(NM_NAV))
        render_nav(b, s, i, travel);
#undef HAS
    if (b->len == start)
        yz_buf_putc(b, '{');
    else
        b->data[start] = '{';
    yz_buf_putc(b, '}');
}

/* The full record of station i. */
static void render_station(yz_api *api, yz_buf *b, const yz_state_view *view, size_t i, int crs,
                           int travel, int lang, int64_t t)
{
    const yz_snap *s = yz_state_snap(view);
    yz_station st_buf;
    const yz_station *st = yz_snap_station_get(s, i, &st_buf);
    char iso[32];
    yz_buf_putc(b, '{');
    yz_snap_fragment_append(s, i, lang, b);
    render_position(b, s, i, crs);
    yz_buf_json_member_str(b, "opening_hours", st->opening_hours);
    yz_buf_json_member_str(b, "tz", st->tz ? st->tz : YZ_DEFAULT_TZ);
    yz_buf_puts(b, ",\"hours\":[");
    static const char *days[] = {"Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"};
    for (int d = 0; d < 7; d++) {
        char spans[YZ_HOURS_DESCRIBE_MAX];
        if (yz_hours_describe_day(yz_snap_hours(s, i), d, spans, sizeof spans) != YZ_OK)
            spans[0] = '\0';
        yz_buf_printf(b, "%s{\"day\":\"%s\",\"spans\":", d ? "," : "", days[d]);
        yz_buf_json_str(b, spans, strlen(spans));
        yz_buf_putc(b, '}');
    }
    yz_buf_putc(b, ']');
    render_open(b, s, i, t);
    yz_buf_json_member_str(b, "closed_reason", st->closed_reason);
    if (st->closed_until) {
        yz_time_format_iso8601(st->closed_until, yz_snap_tz_offset(s, i), iso);
        yz_buf_json_member_str(b, "closed_until", iso);
    } else {
        yz_buf_json_member_str(b, "closed_until", NULL);
    }
    yz_buf_json_member_str(b, "phone", st->phone);
    yz_buf_printf(b, ",\"seats\":%d,\"livelihood\":%s", st->seats,
                  st->livelihood ? "true" : "false");
    yz_buf_json_member_str(b, "batch", st->batch == YZ_BATCH_NONE ? NULL : yz_batch_name(st->batch));
    char maps[40];
    yz_maps_format(st->online_maps, "\",\"", maps, sizeof maps);
    yz_buf_printf(b, ",\"online_maps\":[%s%s%s]", *maps ? "\"" : "", maps, *maps ? "\"" : "");
    yz_time_format_iso8601(st->created_at, 480, iso);
    yz_buf_printf(b, ",\"created_at\":\"%s\"", iso);
    yz_time_format_iso8601(st->updated_at, 480, iso);
    yz_buf_printf(b, ",\"updated_at\":\"%s\",\"version\":%lld", iso, (long long)st->version);
    yz__api_render_rating(view, st->id, b);
    yz__api_render_today(view, i, t, lang, b);
    yz__api_render_live(api, view, st->id, b);
    yz__api_render_open_reports(api, st->id, b);
    render_nav(b, s, i, travel);
    yz_buf_putc(b, '}');
}

/* --- read handlers ------------------------------------------------------------------------- */

typedef struct nearby_args {
    double lat, lon;
    int crs, mode, lang;
    long k;
    double radius_m;
    bool open_now;
    int64_t at;
    uint32_t tier;
    const char *need, *district, *fields, *live;
} nearby_args;

/* live=: the nearby search's keep hook (catalog.h) on the live part of the same view. */
typedef struct live_filter {
    yz_api *api;
    const yz_state_view *view;
    int want; /* YZ_API_LIVE_* */
} live_filter;

static bool live_keep(void *arg, size_t i)
{
    const live_filter *f = arg;
    return yz__api_live_keep(f->api, f->view, yz_snap_station_id(yz_state_snap(f->view), i),
                             f->want);
}

static const yz_param nearby_params[] = {
    P_LAT(nearby_args, YZ_PARAM_REQUIRED),
    P_LON(nearby_args, YZ_PARAM_REQUIRED),
    P_CRS(nearby_args),
    {"k", YZ_PARAM_INT, offsetof(nearby_args, k), 1, YZ_INDEX_MAX_K, 10, 0, NULL, NULL},
    /* Absent: no limit. */
    {"radius_m", YZ_PARAM_NUMBER, offsetof(nearby_args, radius_m), 0, YZ_API_MAX_RADIUS_M, 0,
     YZ_PARAM_ABOVE_LO, NULL, NULL},
    P_TEXT(nearby_args, "need", need),
    {"open_now", YZ_PARAM_BOOL, offsetof(nearby_args, open_now), 0, 0, 0, 0, NULL, NULL},
    P_AT(nearby_args),
    P_TIER(nearby_args),
    P_TEXT(nearby_args, "district", district),
    P_MODE(nearby_args),
    P_TEXT(nearby_args, "fields", fields),
    P_LANG(nearby_args),
    P_TEXT(nearby_args, "live", live),
};

static void h_nearby(void *ctx, yz_http_req *req)
{
    yz_api *api = ctx;
    yz_errinfo ei;
    yz_err_clear(&ei);
    const yz_state_view *view = yz_state_acquire(api->state);
    const yz_snap *s = yz_state_snap(view);
    yz_nearby_query q = {.district = -1};
    nearby_args a;
    uint32_t fields;
    live_filter lf = {api, view, 0};
    int err;
    if ((err = YZ_API_PARAMS(req, nearby_params, &a, &ei)) ||
        (err = param_need(s, a.need, &q.need, &ei)) ||
        (err = param_district(s, a.district, &q.district, &ei)) ||
        (err = param_fields(a.fields, &fields, &ei)) ||
        (err = yz__api_live_parse(a.live, &lf.want, &ei)))
        goto fail;
    if (lf.want) {
        q.keep = live_keep;
        q.keep_arg = &lf;
    }
    q.at = yz_coord_convert((yz_point){a.lat, a.lon}, a.crs, YZ_CRS_WGS84);
    q.radius_m = a.radius_m;
    q.open_now = a.open_now;
    q.t = a.at;
    q.tier_mask = (uint8_t)a.tier;
    int crs = a.crs, travel = a.mode;
    q.k = (size_t)a.k;
    yz_nearby_hit hits[YZ_INDEX_MAX_K];
    size_t n = 0;
    err = yz_snap_nearby(s, &q, hits, &n);
    if (err) {
        yz_err_set(&ei, err, "lat", NULL, NULL);
        goto fail;
    }
    yz_buf b;
    yz_http_buf_init(&b, 2048 * (n + 1)); /* ~1.3 KiB a station: no reallocation */
    yz_buf_puts(&b, "{\"stations\":[");
    yz_snap_prefetch(s, &hits[0].station, sizeof hits[0], n, a.lang);
    const uint64_t serial = yz_state_snap_serial(view), ev_serial = yz_state_events_serial(view),
                   rt_serial = yz_state_ratings_serial(view);
    /* The kept rows' keys first, so that their slots (4 MiB a thread, mostly out of cache)
     * are fetched together rather than one miss a row. */
    yz__rowkey keys[YZ_INDEX_MAX_K];
    if (fields == NM_ALL) {
        for (size_t j = 0; j < n; j++) {
            size_t i = hits[j].station;
            keys[j] = (yz__rowkey){serial, ev_serial, rt_serial, (uint32_t)i,
                                   (uint32_t)(a.lang | crs << 2 | travel << 6),
                                   yz_event_local_day(q.t, yz_snap_tz_offset(s, i))};
            yz__rowcache_prefetch(&keys[j]);
        }
    }
    for (size_t j = 0; j < n; j++) {
        size_t i = hits[j].station;
        if (fields != NM_ALL) {
            if (j)
                yz_buf_putc(&b, ',');
            render_nearby_masked(api, &b, view, i, crs, travel, a.lang, q.t,
                                 hits[j].distance_m, fields);
            continue;
        }
        yz_buf_puts(&b, j ? ",{" : "{");
        /* What comes from the snapshot, the events index and the rating totals alone (the
         * fragment and position, the rating and today's events, the links) is kept per
         * thread under their serials and what else it depends on (language, system, travel
         * mode, the station's local day): a station asked again is copied, not rendered
         * (docs/internals/catalog.md, "Rendered rows kept per thread"). */
        const yz__rowkey *key = &keys[j];
        yz__rowparts row;
        bool kept = yz__rowcache_get(key, &row);
        size_t at[YZ__ROWCACHE_PARTS];
        if (kept) {
            yz_buf_append(&b, row.p[0], row.n[0]);
        } else {
            at[0] = b.len;
            yz_snap_fragment_append(s, i, a.lang, &b);
            render_position(&b, s, i, crs);
            row.n[0] = b.len - at[0];
        }
        yz_buf_puts(&b, ",\"distance_m\":");
        yz_buf_fixed(&b, hits[j].distance_m, 1);
        render_open_memo(&b, s, serial, i, q.t);
        if (kept) {
            yz_buf_append(&b, row.p[1], row.n[1]);
        } else {
            at[1] = b.len;
            yz__api_render_rating(view, yz_snap_station_id(s, i), &b);
            yz__api_render_today(view, i, q.t, a.lang, &b);
            row.n[1] = b.len - at[1];
        }
        yz__api_render_live(api, view, yz_snap_station_id(s, i), &b);
        if (kept) {
            yz_buf_append(&b, row.p[2], row.n[2]);
        } else {
            at[2] = b.len;
            render_nav(&b, s, i, travel);
            row.n[2] = b.len - at[2];
            for (int k = 0; k < YZ__ROWCACHE_PARTS; k++)
                row.p[k] = b.data + at[k]; /* after the appends: b.data may have moved */
            yz__rowcache_put(key, &row);
        }
        yz_buf_putc(&b, '}');
    }
    yz_buf_puts(&b, "],\"count\":");
    yz_buf_int(&b, (long long)n);
    yz_buf_puts(&b, "}\n");
    yz_state_release(api->state, view);
    yz__api_ok(req, &b);
    return;
fail:
    yz_state_release(api->state, view);
    yz_api_error(req, &ei);
}

typedef struct get_args {
    int crs, mode, lang;
    int64_t at;
} get_args;

static const yz_param get_params[] = {P_CRS(get_args), P_MODE(get_args), P_AT(get_args),
                                      P_LANG(get_args)};

static void h_get(void *ctx, yz_http_req *req)
{
    yz_api *api = ctx;
    yz_errinfo ei;
    yz_err_clear(&ei);
    const yz_state_view *view = yz_state_acquire(api->state);
    const yz_snap *s = yz_state_snap(view);
    get_args a;
    long i;
    if (YZ_API_PARAMS(req, get_params, &a, &ei))
        goto fail;
    i = yz__api_find_station(s, req, &ei);
    if (i < 0)
        goto fail;
    yz_buf b;
    yz_buf_init(&b);
    render_station(api, &b, view, (size_t)i, a.crs, a.mode, a.lang, a.at);
    yz_buf_putc(&b, '\n');
    char etag[32];
    snprintf(etag, sizeof etag, "\"%lld\"", (long long)yz_snap_station_version(s, (size_t)i));
    yz_state_release(api->state, view);
    yz_http_add_header(req, "ETag", etag);
    yz__api_ok(req, &b);
    return;
fail:
    yz_state_release(api->state, view);
    yz_api_error(req, &ei);
}

typedef struct list_args {
    const char *q, *district, *need, *partner_name;
    uint32_t tier, partner, batch, not_on;
    int status, crs, lang;
    bool livelihood;
    long page, per_page;
    double lat, lon;
} list_args;

/* batch=none,plan: bit 0 for "none" (in no batch), bit b + 1 for batch b. */
static int batch_word(const char *w)
{
    if (strcmp(w, "none") == 0)
        return 0;
    int b = yz_batch_parse(w);
    return b >= 0 ? b + 1 : -1;
}

static const yz_param list_params[] = {
    {"q", YZ_PARAM_TEXT, offsetof(list_args, q), 0, 200, 0, 0, NULL, NULL},
    P_TEXT(list_args, "district", district),
    P_TIER(list_args),
    P_TEXT(list_args, "need", need),
    P_STATUS(list_args),
    {"partner", YZ_PARAM_WORDS, offsetof(list_args, partner), 0, 0, 0, 0, yz_partner_parse,
     "union, community, china_tower, didi, convenience_store, gas_station, enterprise, "
     "government, other"},
    {"partner_name", YZ_PARAM_TEXT, offsetof(list_args, partner_name), 0, 100, 0, 0, NULL, NULL},
    {"batch", YZ_PARAM_WORDS, offsetof(list_args, batch), 0, 0, 0, 0, batch_word,
     "none, plan, standardize, upgrade, new, rectify, publicize"},
    {"livelihood", YZ_PARAM_BOOL, offsetof(list_args, livelihood), 0, 0, 0, 0, NULL, NULL},
    {"not_on", YZ_PARAM_WORDS, offsetof(list_args, not_on), 0, 0, 0, 0, yz_map_parse,
     "amap, baidu, tencent"},
    {"page", YZ_PARAM_INT, offsetof(list_args, page), 1, 1000000, 1, 0, NULL, NULL},
    {"per_page", YZ_PARAM_INT, offsetof(list_args, per_page), 1, 100, 20, 0, NULL, NULL},
    P_LAT(list_args, 0),
    P_LON(list_args, 0),
    P_CRS(list_args),
    P_LANG(list_args),
};

/* ,"understood":{...}: what the search read in `q` besides text, for the app to show
 * ("厕所" as the toilet filter; a station code). */
static void render_understood(yz_buf *b, const yz_snap *s, const yz_understood *u)
{
    yz_buf_puts(b, ",\"understood\":{\"facilities\":[");
    for (size_t i = 0; i < u->n_words; i++) {
        yz_buf_puts(b, i ? ",{\"word\":" : "{\"word\":");
        yz_buf_json_str(b, u->words[i].word, strlen(u->words[i].word));
        yz_buf_puts(b, ",\"code\":");
        yz_buf_json_str(b, u->words[i].facility, strlen(u->words[i].facility));
        yz_buf_putc(b, '}');
    }
    yz_buf_putc(b, ']');
    yz_buf_json_member_str(b, "station",
                           u->station >= 0 ? yz_snap_station_code(s, (size_t)u->station) : NULL);
    yz_buf_json_member_str(b, "text", u->n_words ? (u->text.len ? u->text.data : NULL) : NULL);
    yz_buf_putc(b, '}');
}

static void h_list(void *ctx, yz_http_req *req)
{
    yz_api *api = ctx;
    yz_errinfo ei;
    yz_err_clear(&ei);
    const yz_state_view *view = yz_state_acquire(api->state);
    const yz_snap *s = yz_state_snap(view);
    yz_list_query q = {.district = -1};
    list_args a;
    yz_understood u = {.station = -1};
    uint32_t *pos = NULL;
    size_t n = 0, total = 0;
    int err;
    if ((err = YZ_API_PARAMS(req, list_params, &a, &ei)) ||
        (err = param_district(s, a.district, &q.district, &ei)) ||
        (err = param_need(s, a.need, &q.need, &ei)))
        goto fail;
    q.has_at = yz__api_param_given(req, "lat");
    err = param_position(q.has_at, yz__api_param_given(req, "lon"), a.lat, a.lon, a.crs, &q.at,
                         &ei);
    if (err)
        goto fail;
    q.tier_mask = (uint8_t)a.tier;
    q.status = a.status;
    q.text = a.q;
    q.partner_mask = a.partner;
    q.partner_name = a.partner_name;
    q.batch_mask = a.batch;
    q.livelihood = !yz__api_param_given(req, "livelihood") ? 0 : a.livelihood ? 1 : -1;
    q.not_on_maps = a.not_on;
    long page = a.page, per_page = a.per_page;
    int crs = a.crs;
    q.offset = (size_t)(page - 1) * (size_t)per_page;
    q.limit = (size_t)per_page;
    if (a.q) { /* facility words become filters, a code names its station */
        err = yz_snap_understand(s, yz_state_thread_norm(), a.q, &u, &ei);
        if (err)
            goto fail;
        q.need |= u.need;
        if (u.n_words)
            q.text = u.text.len ? u.text.data : NULL;
    }
    if (u.station >= 0) { /* the station whose code was typed, alone */
        total = 1;
        n = q.offset == 0;
        pos = yz_malloc(sizeof *pos);
        pos[0] = (uint32_t)u.station;
    } else {
        err = yz_snap_list(s, yz_state_thread_norm(), &q, &pos, &n, &total, &ei);
        if (err)
            goto fail;
    }
    int64_t now = yz_time_now();
    yz_buf b;
    yz_buf_init(&b);
    yz_buf_puts(&b, "{\"stations\":[");
    for (size_t j = 0; j < n; j++) {
        size_t i = pos[j];
        yz_buf_puts(&b, j ? ",{" : "{");
        yz_snap_fragment_append(s, i, a.lang, &b);
        render_position(&b, s, i, crs);
        if (q.has_at) {
            yz_station st_buf;
            const yz_station *st = yz_snap_station_get(s, i, &st_buf);
            yz_buf_puts(&b, ",\"distance_m\":");
            yz_buf_fixed(&b, yz_coord_distance_m(q.at, (yz_point){st->lat, st->lon}), 1);
        }
        render_open(&b, s, i, now);
        yz__api_render_live(api, view, yz_snap_station_id(s, i), &b);
        yz_buf_putc(&b, '}');
    }
    yz_buf_printf(&b, "],\"count\":%zu,\"total\":%zu,\"page\":%ld,\"per_page\":%ld", n, total,
                  page, per_page);
    if (a.q)
        render_understood(&b, s, &u);
    yz_buf_puts(&b, "}\n");
    yz_understood_fini(&u);
    yz_free(pos);
    yz_state_release(api->state, view);
    yz__api_ok(req, &b);
    return;
fail:
    yz_understood_fini(&u);
    yz_free(pos);
    yz_state_release(api->state, view);
    yz_api_error(req, &ei);
}

typedef struct geojson_args {
    const char *district;
    uint32_t tier;
    int status;
} geojson_args;

static const yz_param geojson_params[] = {
    P_TEXT(geojson_args, "district", district),
    P_TIER(geojson_args),
    P_STATUS(geojson_args),
};

static void h_geojson(void *ctx, yz_http_req *req)
{
    yz_api *api = ctx;
    yz_errinfo ei;
    yz_err_clear(&ei);
    const yz_state_view *view = yz_state_acquire(api->state);
    const yz_snap *s = yz_state_snap(view);
    geojson_args a;
    long district = -1;
    if (YZ_API_PARAMS(req, geojson_params, &a, &ei) ||
        param_district(s, a.district, &district, &ei))
        goto fail;
    uint32_t tier_mask = a.tier;
    int status = a.status;
    size_t n = yz_snap_count(s), m = 0;
    yz_station *sel = yz_calloc(n + 1, sizeof *sel); /* shallow copies: strings borrowed */
    for (size_t i = 0; i < n; i++) {
        yz_station st_buf;
        const yz_station *st = yz_snap_station_get(s, i, &st_buf);
        if (district >= 0 && strcmp(st->district_code, yz_snap_district(s, district)->code))
            continue;
        if (tier_mask && !(tier_mask & (1u << st->tier)))
            continue;
        if (status >= 0 && st->status != status)
            continue;
        sel[m++] = *st;
    }
    yz_buf b;
    yz_buf_init(&b);
    yz_exchange_write_geojson(sel, m, snap_facilities(s), &b);
    yz_free(sel);
    yz_state_release(api->state, view);
    yz_http_respond(req, 200, "application/geo+json; charset=utf-8", &b);
    return;
fail:
    yz_state_release(api->state, view);
    yz_api_error(req, &ei);
}

/* A small decimal number at `p` (the parser's character position); 0 when there is none. */
static int atoi_safe(const char *p)
{
    int n = 0;
    while (*p >= '0' && *p <= '9' && n < 100000)
        n = n * 10 + (*p++ - '0');
    return n;
}

/* --- opening hours, evaluated ------------------------------------------------------------------ */

typedef struct hours_args {
    const char *value, *tz;
    int64_t at;
} hours_args;

/* The parser takes YZ_HOURS_SRC_MAX bytes and says so; longer than this is not looked at. */
#define HOURS_VALUE_MAX 1024

static const yz_param hours_params[] = {
    {"value", YZ_PARAM_TEXT, offsetof(hours_args, value), 0, HOURS_VALUE_MAX, 0,
     YZ_PARAM_REQUIRED, NULL, NULL},
    {"tz", YZ_PARAM_TEXT, offsetof(hours_args, tz), 0, 64, 0, 0, NULL, NULL},
    {"at", YZ_PARAM_TIME, offsetof(hours_args, at), 0, 0, 0, 0, NULL, NULL},
};

/* "08:00-12:00,13:00-18:00" (or "off") as [["08:00","12:00"],["13:00","18:00"]]. */
static void render_spans(yz_buf *b, const char *spans)
{
    yz_buf_putc(b, '[');
    if (strcmp(spans, "off") != 0) {
        const char *p = spans;
        for (int k = 0; *p; k++) {
            size_t len = strcspn(p, ",");
            const char *dash = memchr(p, '-', len);
            if (dash) {
                yz_buf_puts(b, k ? ",[" : "[");
                yz_buf_json_str(b, p, (size_t)(dash - p));
                yz_buf_putc(b, ',');
                yz_buf_json_str(b, dash + 1, len - (size_t)(dash - p) - 1);
                yz_buf_putc(b, ']');
            }
            p += len;
            if (*p == ',')
                p++;
        }
    }
    yz_buf_putc(b, ']');
}

/* GET /api/v1/opening-hours?value=&tz=&at=: a value evaluated by the server's own parser, so
 * the console's editor and the search use one rule. An unparsable value is an answer
 * ({"valid":false,...}), not a refusal; bad parameters are refused. */
static void h_hours(void *ctx, yz_http_req *req)
{
    yz_api *api = ctx;
    yz_errinfo ei;
    yz_err_clear(&ei);
    hours_args a;
    int off = 0;
    if (YZ_API_PARAMS(req, hours_params, &a, &ei))
        goto fail;
    if (yz_tz_offset(a.tz ? a.tz : YZ_DEFAULT_TZ, &off)) {
        yz_err_setf(&ei, YZ_EINVAL, "tz", "不支持的时区 %.64s", "unsupported time zone %.64s",
                    a.tz);
        goto fail;
    }
    yz_hours *h = NULL;
    yz_errinfo perr;
    yz_err_clear(&perr);
    yz_buf b;
    yz_buf_init(&b);
    if (yz_hours_parse(a.value, &h, &perr) != YZ_OK) {
        int pos = 0;
        const char *at = strstr(perr.msg_en, "at character ");
        if (at)
            pos = atoi_safe(at + strlen("at character "));
        yz_buf_puts(&b, "{\"valid\":false,\"error\":{");
        yz_buf_puts(&b, "\"field\":\"value\"");
        yz_buf_json_member_str(&b, "message", perr.msg);
        yz_buf_json_member_str(&b, "message_en", perr.msg_en);
        if (pos > 0)
            yz_buf_printf(&b, ",\"position\":%d", pos);
        else
            yz_buf_puts(&b, ",\"position\":null");
        yz_buf_puts(&b, "}}\n");
        yz__api_ok(req, &b);
        return;
    }
    const yz_state_view *view = yz_state_acquire(api->state);
    size_t nh = 0;
    const int32_t *days = yz_snap_holidays(yz_state_snap(view), &nh);
    yz_holidays hol = {days, nh};
    yz_buf_puts(&b, "{\"valid\":true");
    yz_buf_json_member_str(&b, "normalized", yz_hours_source(h));
    yz_buf_json_member_str(&b, "tz", a.tz ? a.tz : YZ_DEFAULT_TZ);
    yz_buf_printf(&b, ",\"always_open\":%s,\"week\":[", yz_hours_is_247(h) ? "true" : "false");
    static const char *names[] = {"Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"};
    for (int d = 0; d < 7; d++) {
        char spans[YZ_HOURS_DESCRIBE_MAX];
        if (yz_hours_describe_day(h, d, spans, sizeof spans) != YZ_OK)
            spans[0] = '\0';
        yz_buf_printf(&b, "%s{\"day\":\"%s\",\"spans\":", d ? "," : "", names[d]);
        yz_buf_json_str(&b, spans, strlen(spans));
        yz_buf_puts(&b, ",\"intervals\":");
        render_spans(&b, spans);
        yz_buf_putc(&b, '}');
    }
    char iso[32];
    yz_time_format_iso8601(a.at, off, iso);
    yz_buf_printf(&b, "],\"at\":\"%s\",\"open_now\":%s", iso,
                  yz_hours_is_open(h, a.at, off, &hol) ? "true" : "false");
    int64_t next;
    if (yz_hours_next_change(h, a.at, off, &hol, &next) == YZ_OK) {
        yz_time_format_iso8601(next, off, iso);
        yz_buf_printf(&b, ",\"next_change\":\"%s\"}\n", iso);
    } else {
        yz_buf_puts(&b, ",\"next_change\":null}\n");
    }
    yz_state_release(api->state, view);
    yz_hours_free(h);
    yz__api_ok(req, &b);
    return;
fail:
    yz_api_error(req, &ei);
}

/* --- writes ---------------------------------------------------------------------------------- */

static void respond_station(yz_api *api, yz_http_req *req, int status, int64_t id)
{
    const yz_state_view *view = yz_state_acquire(api->state);
    const yz_snap *s = yz_state_snap(view);
    long i = yz_snap_find_id(s, id);
    yz_buf b;
    yz_buf_init(&b);
    if (i >= 0) {
        render_station(api, &b, view, (size_t)i, YZ_CRS_WGS84, YZ_TRAVEL_RIDE, YZ_LANG_HANS,
                       yz_time_now());
        yz_buf_putc(&b, '\n');
        char etag[32];
        snprintf(etag, sizeof etag, "\"%lld\"", (long long)yz_snap_station_version(s, i));
        yz_http_add_header(req, "ETag", etag);
    } else {
        yz_buf_puts(&b, "{}\n");
    }
    yz_state_release(api->state, view);
    char loc[64];
    snprintf(loc, sizeof loc, "/api/v1/stations/%lld", (long long)id);
    yz_http_add_header(req, "Location", loc);
    yz_http_respond(req, status, YZ_JSON, &b);
}

static void h_create(void *ctx, yz_http_req *req)
{
    yz_api *api = ctx;
    yz_errinfo ei;
    yz_err_clear(&ei);
    json_t *body = NULL;
    yz_station st;
    yz_station_init(&st);
    st.partner_kind = YZ_PARTNER_OTHER;
    int err = yz__api_authorize(api, req, "stations_create", NULL, &ei);
    if (!err)
        err = yz__api_parse_json(req, &body, &ei);
    if (err)
        goto fail;
    yz_state_lock(api->state);
    const yz_state_view *view = yz_state_acquire(api->state);
    const yz_snap *s = yz_state_snap(view);
    err = yz_exchange_station_from_json(body, snap_facilities(s), false, &st, &ei);
    if (!err && yz_snap_find_district(s, st.district_code) < 0)
        err = yz_err_setf(&ei, YZ_EINVAL, "district_code", "未知的区县代码 %s",
                          "unknown district code %s", st.district_code);
    yz_state_release(api->state, view);
    if (!err) {
        yz_target t = {0};
        yz__api_target_of(&st, &t);
        err = yz__api_authorize(api, req, "stations_create", &t, &ei);
    }
    if (!err)
        err = yz_store_create_station(api->st, &st, &ei);
    if (!err)
        yz_state_republish(api->state, &st, 0);
    yz_state_unlock(api->state);
    if (err)
        goto fail;
    respond_station(api, req, 201, st.id);
    json_decref(body);
    yz_station_fini(&st);
    return;
fail:
    json_decref(body);
    yz_station_fini(&st);
    yz_api_error(req, &ei);
}

/* The station as the API renders it, as the audit log's "before" of a change. */
static void audit_before(yz_api *api, yz_http_req *req, const yz_state_view *view, size_t i)
{
    yz_buf b;
    yz_buf_init(&b);
    render_station(api, &b, view, i, YZ_CRS_WGS84, YZ_TRAVEL_RIDE, YZ_LANG_HANS, yz_time_now());
    yz__api_audit_before(req, b.data);
    yz_buf_fini(&b);
}

static void h_patch(void *ctx, yz_http_req *req)
{
    yz_api *api = ctx;
    yz_errinfo ei;
    yz_err_clear(&ei);
    json_t *body = NULL;
    yz_station st;
    yz_station_init(&st);
    int64_t version = 0;
    int err = yz__api_authorize(api, req, "station_patch", NULL, &ei);
    if (err)
        goto fail;
    err = yz__api_if_match(req, true, 1, &version, &ei);
    if (err)
        goto fail;
    err = yz__api_parse_json(req, &body, &ei);
    if (err)
        goto fail;
    yz_state_lock(api->state);
    const yz_state_view *view = yz_state_acquire(api->state);
    const yz_snap *s = yz_state_snap(view);
    long i = yz__api_find_station(s, req, &ei);
    if (i < 0) {
        err = ei.code;
    } else {
        yz_station_copy(&st, yz_snap_station_get(s, (size_t)i, &(yz_station){0}));
        /* the station as it is, then as it would be (moved to another district) */
        yz_target t = {0};
        yz__api_target_of(&st, &t);
        err = yz__api_authorize(api, req, "station_patch", &t, &ei);
        if (!err)
            audit_before(api, req, view, (size_t)i);
        if (!err)
            err = yz_exchange_station_from_json(body, snap_facilities(s), true, &st, &ei);
        if (!err && yz_snap_find_district(s, st.district_code) < 0)
            err = yz_err_setf(&ei, YZ_EINVAL, "district_code", "未知的区县代码 %s",
                              "unknown district code %s", st.district_code);
        if (!err) {
            yz__api_target_of(&st, &t);
            err = yz__api_authorize(api, req, "station_patch", &t, &ei);
        }
    }
    yz_state_release(api->state, view);
    if (!err)
        err = yz_store_update_station(api->st, &st, version, &ei);
    if (!err)
        yz_state_republish(api->state, &st, 0);
    yz_state_unlock(api->state);
    if (err)
        goto fail;
    respond_station(api, req, 200, st.id);
    json_decref(body);
    yz_station_fini(&st);
    return;
fail:
    json_decref(body);
    yz_station_fini(&st);
    yz_api_error(req, &ei);
}

static void h_delete(void *ctx, yz_http_req *req)
{
    yz_api *api = ctx;
    yz_errinfo ei;
    yz_err_clear(&ei);
    int err = yz__api_authorize(api, req, "station_delete", NULL, &ei);
    int64_t version = 0;
    if (!err)
        err = yz__api_if_match(req, false, 1, &version, &ei);
    if (version < 0)
        version = 0; /* a delete without If-Match is not checked */
    if (err)
        goto fail;
    yz_state_lock(api->state);
    const yz_state_view *view = yz_state_acquire(api->state);
    const yz_snap *s = yz_state_snap(view);
    long i = yz__api_find_station(s, req, &ei);
    int64_t id = i >= 0 ? yz_snap_station_id(s, (size_t)i) : 0;
    yz_target t = {0};
    if (i >= 0)
        yz__api_target_of(yz_snap_station_get(s, (size_t)i, &(yz_station){0}), &t);
    err = i < 0 ? ei.code : yz__api_authorize(api, req, "station_delete", &t, &ei);
    if (!err)
        audit_before(api, req, view, (size_t)i);
    yz_state_release(api->state, view);
    if (!err)
        err = yz_store_delete_station(api->st, id, version, &ei);
    if (!err)
        yz_state_republish(api->state, NULL, id);
    yz_state_unlock(api->state);
    if (err)
        goto fail;
    yz_buf b;
    yz_buf_init(&b);
    yz_http_respond(req, 204, YZ_JSON, &b);
    return;
fail:
    yz_api_error(req, &ei);
}

void yz__api_register_stations(yz_api *api, yz_http_server *srv)
{
    yz_http_route(srv, "GET", "/api/v1/stations/nearby", "stations_nearby", h_nearby, api);
    /* The whole export: ~5 ms and ~0.5 MB for the demo city, so it runs in an expensive slot. */
    yz_http_route_expensive(srv, "GET", "/api/v1/stations.geojson", "stations_geojson", h_geojson,
                            api);
    yz_http_route(srv, "GET", "/api/v1/stations", "stations_list", h_list, api);
    yz_http_route(srv, "POST", "/api/v1/stations", "stations_create", h_create, api);
    yz_http_route(srv, "GET", "/api/v1/stations/{}", "station_get", h_get, api);
    yz_http_route(srv, "GET", "/api/v1/opening-hours", "opening_hours", h_hours, api);
    yz_http_route(srv, "PATCH", "/api/v1/stations/{}", "station_patch", h_patch, api);
    yz_http_route(srv, "DELETE", "/api/v1/stations/{}", "station_delete", h_delete, api);
}
