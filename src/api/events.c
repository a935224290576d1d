/* SPDX-License-Identifier: MIT */
/* api/events.c - /api/v1/events: admin writes (create, patch, cancel), the occurrence listing,
 * workers' sign-ups per occurrence, and the `today` member of every station a worker sees.
 * Reads answer from the events index of the in-memory state (state/state.h), republished
 * after every event write (docs/internals/events.md); sign-up counts come from the store. */
#include "api/api_int.h"
#include "api/params.h"

#include "core/alloc.h"
#include "core/log.h"
#include "core/time.h"
#include "core/utf8.h"
#include "store/events.h"

#include <errno.h>
#include <sodium.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_OFFSET_MIN 480 /* dates without a station are read in China Standard Time */
#define MAX_SPAN_DAYS 62
#define DEFAULT_SPAN_DAYS 7
#define DEFAULT_RADIUS_M 5000.0
#define DEFAULT_LIMIT 500
#define MAX_LIMIT 2000

static const char *const day_names[] = {"Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"};

/* --- today ---------------------------------------------------------------------------------- */

void yz__api_render_today(const yz_state_view *v, size_t i, int64_t t, int lang, yz_buf *b)
{
    const yz_snap *s = yz_state_snap(v);
    int off = yz_snap_tz_offset(s, i);
    yz_event_hit hits[YZ_STATE_TODAY_MAX];
    size_t n = yz_state_events_today(yz_state_events(v), yz_snap_station_id(s, i),
                                     yz_event_local_day(t, off), off, hits,
                                     YZ_STATE_TODAY_MAX);
    if (!n)
        return;
    yz_buf_puts(b, ",\"today\":[");
    for (size_t k = 0; k < n; k++) {
        char a[32], z[32];
        yz_time_format_iso8601(hits[k].start, off, a);
        yz_time_format_iso8601(hits[k].end, off, z);
        if (k)
            yz_buf_putc(b, ',');
        /* the head is JSON whose only CJK text is the title: s2t maps CJK to CJK and leaves
         * ASCII (keys, quotes, escapes) alone, so converted it stays valid JSON */
        yz__api_append_lang(b, hits[k].en->head, hits[k].en->head_len, lang, false);
        yz_buf_puts(b, ",\"starts_at\":\"");
        yz_buf_puts(b, a);
        yz_buf_puts(b, "\",\"ends_at\":\"");
        yz_buf_puts(b, z);
        yz_buf_puts(b, "\"}");
    }
    yz_buf_putc(b, ']');
}

/* --- small parsers ------------------------------------------------------------------------ */

/* "YYYY-MM-DD" as days since 1970-01-01. */
static int parse_date(const char *v, int32_t *day)
{
    if (!v || strlen(v) != 10 || v[4] != '-' || v[7] != '-')
        return -1;
    int f[3] = {0, 0, 0}, w[3] = {4, 2, 2}, p = 0;
    for (int k = 0; k < 3; k++, p++) {
        for (int j = 0; j < w[k]; j++, p++) {
            if (v[p] < '0' || v[p] > '9')
                return -1;
            f[k] = f[k] * 10 + (v[p] - '0');
        }
    }
    if (f[0] < 1970 || f[0] > 2999 || f[1] < 1 || f[1] > 12 || f[2] < 1 || f[2] > 31)
        return -1;
    int64_t d = yz_days_from_civil(f[0], f[1], f[2]);
    int y, m, dd;
    yz_civil_from_days(d, &y, &m, &dd);
    if (y != f[0] || m != f[1] || dd != f[2])
        return -1; /* 2026-02-30 */
    *day = (int32_t)d;
    return 0;
}

static void format_date(int32_t day, char out[16])
{
    int y, m, d;
    yz_civil_from_days(day, &y, &m, &d);
    snprintf(out, 16, "%04u-%02u-%02u", (unsigned)y % 10000u, (unsigned)m % 100u,
             (unsigned)d % 100u);
}

/* "HH:MM" as minutes; "24:00" only when `end`. */
static int parse_hhmm(const char *v, bool end, int *min)
{
    if (!v || strlen(v) != 5 || v[2] != ':')
        return -1;
    for (int k = 0; k < 5; k++)
        if (k != 2 && (v[k] < '0' || v[k] > '9'))
            return -1;
    int h = (v[0] - '0') * 10 + (v[1] - '0'), m = (v[3] - '0') * 10 + (v[4] - '0');
    if (m > 59 || h > 24 || (h == 24 && (m || !end)))
        return -1;
    *min = h * 60 + m;
    return 0;
}

static int not_found(int64_t id, yz_errinfo *ei)
{
    if (id > 0)
        return yz_err_setf(ei, YZ_ENOTFOUND, "id", "活动 %lld 不存在", "event %lld not found",
                           (long long)id);
    return yz_err_set(ei, YZ_ENOTFOUND, "id", "活动不存在", "event not found");
}

/* --- event JSON in and out ---------------------------------------------------------------- */

static void render_station_ref(yz_buf *b, const yz_snap *s, int64_t station_id)
{
    long i = yz_snap_find_id(s, station_id);
    yz_buf_printf(b, "\"station\":{\"id\":%lld,\"code\":", (long long)station_id);
    if (i < 0) {
        yz_buf_puts(b, "null,\"name\":null}");
        return;
    }
    yz_station st_buf;
    const yz_station *st = yz_snap_station_get(s, (size_t)i, &st_buf);
    yz_buf_json_str(b, st->code, strlen(st->code));
    yz_buf_puts(b, ",\"name\":");
    yz_buf_json_str(b, st->name, strlen(st->name));
    yz_buf_putc(b, '}');
}

static int station_offset(const yz_snap *s, int64_t station_id)
{
    long i = yz_snap_find_id(s, station_id);
    return i < 0 ? DEFAULT_OFFSET_MIN : yz_snap_tz_offset(s, (size_t)i);
}

static void render_event(yz_buf *b, const yz_snap *s, const yz_event *ev)
{
    int off = station_offset(s, ev->station_id);
    char iso[32], date[16];
    yz_buf_printf(b, "{\"id\":%lld,", (long long)ev->id);
    render_station_ref(b, s, ev->station_id);
    yz_buf_puts(b, ",\"title\":");
    yz_buf_json_str(b, ev->title, strlen(ev->title));
    yz_buf_puts(b, ",\"description\":");
    if (ev->description)
        yz_buf_json_str(b, ev->description, strlen(ev->description));
    else
        yz_buf_puts(b, "null");
    yz_buf_printf(b, ",\"category\":\"%s\",\"capacity\":", yz_event_category_name(ev->category));
    if (ev->capacity > 0)
        yz_buf_int(b, ev->capacity);
    else
        yz_buf_puts(b, "null");
    yz_buf_puts(b, ev->cancelled ? ",\"status\":\"cancelled\"" : ",\"status\":\"active\"");
    if (!ev->weekly) {
        yz_time_format_iso8601(ev->starts_at, off, iso);
        yz_buf_printf(b, ",\"kind\":\"one_off\",\"starts_at\":\"%s\"", iso);
        yz_time_format_iso8601(ev->ends_at, off, iso);
        yz_buf_printf(b, ",\"ends_at\":\"%s\"", iso);
    } else {
        yz_buf_puts(b, ",\"kind\":\"weekly\",\"weekly\":{\"days\":[");
        for (int d = 0, k = 0; d < 7; d++)
            if (ev->weekdays & (1u << d))
                yz_buf_printf(b, "%s\"%s\"", k++ ? "," : "", day_names[d]);
        format_date(ev->valid_from, date);
        yz_buf_printf(b, "],\"start\":\"%02d:%02d\",\"end\":\"%02d:%02d\",\"from\":\"%s\"",
                      ev->start_min / 60, ev->start_min % 60, ev->end_min / 60, ev->end_min % 60,
                      date);
        if (ev->valid_until == YZ_EVENT_NO_UNTIL) {
            yz_buf_puts(b, ",\"until\":null}");
        } else {
            format_date(ev->valid_until, date);
            yz_buf_printf(b, ",\"until\":\"%s\"}", date);
        }
    }
    yz_time_format_iso8601(ev->created_at, 480, iso);
    yz_buf_printf(b, ",\"created_at\":\"%s\"", iso);
    yz_time_format_iso8601(ev->updated_at, 480, iso);
    yz_buf_printf(b, ",\"updated_at\":\"%s\",\"version\":%lld}", iso, (long long)ev->version);
}

static int bad_type(const char *field, const char *zh_kind, const char *en_kind, yz_errinfo *ei)
{
    char zh[160], en[160];
    snprintf(zh, sizeof zh, "%s 须为%s", field, zh_kind);
    snprintf(en, sizeof en, "%s must be %s", field, en_kind);
    return yz_err_set(ei, YZ_EINVAL, field, zh, en);
}

/* A JSON string member as valid UTF-8 text, or an error naming `field`. */
static int json_text(json_t *v, const char *field, const char **out, yz_errinfo *ei)
{
    if (!json_is_string(v))
        return bad_type(field, "字符串", "a string", ei);
    const char *s = json_string_value(v);
    if (strlen(s) != json_string_length(v) || !yz_utf8_valid(s, strlen(s)))
        return yz_err_setf(ei, YZ_EINVAL, field, "%s 须为有效的 UTF-8 文本",
                           "%s must be valid UTF-8 text", field);
    *out = s;
    return YZ_OK;
}

static int parse_weekly(json_t *w, bool merge, int today, yz_event *ev, yz_errinfo *ei)
{
    if (!json_is_object(w))
        return bad_type("weekly", "对象", "an object", ei);
    if (!merge || !ev->weekly) {
        /* a new rule: days, start and end are required; from defaults to today */
        static const char *const need[] = {"days", "start", "end"};
        for (int k = 0; k < 3; k++)
            if (!json_object_get(w, need[k]))
                return yz_err_setf(ei, YZ_EINVAL, "weekly", "weekly 缺少 %s", "weekly lacks %s",
                                   need[k]);
        ev->valid_from = today;
        ev->valid_until = YZ_EVENT_NO_UNTIL;
    }
    ev->weekly = true;
    const char *key;
    json_t *v;
    json_object_foreach(w, key, v)
    {
        if (strcmp(key, "days") == 0) {
            if (!json_is_array(v) || json_array_size(v) == 0 || json_array_size(v) > 7)
                return bad_type("weekly.days", "星期几的数组，如 [\"Fr\"]",
                                "an array of weekdays such as [\"Fr\"]", ei);
            uint8_t mask = 0;
            size_t k;
            json_t *d;
            json_array_foreach(v, k, d)
            {
                int found = -1;
                for (int j = 0; j < 7 && json_is_string(d); j++)
                    if (strcmp(json_string_value(d), day_names[j]) == 0)
                        found = j;
                if (found < 0)
                    return yz_err_set(ei, YZ_EINVAL, "weekly.days",
                                      "星期几须为 Mo、Tu、We、Th、Fr、Sa 或 Su",
                                      "weekdays must be Mo, Tu, We, Th, Fr, Sa or Su");
                mask |= (uint8_t)(1u << found);
            }
            ev->weekdays = mask;
        } else if (strcmp(key, "start") == 0 || strcmp(key, "end") == 0) {
            bool end = key[0] == 'e';
            char field[16];
            snprintf(field, sizeof field, "weekly.%s", key);
            if (!json_is_string(v) ||
                parse_hhmm(json_string_value(v), end, end ? &ev->end_min : &ev->start_min))
                return yz_err_setf(ei, YZ_EINVAL, field, "%s 须为 HH:MM 格式的时间",
                                   "%s must be a time as HH:MM", field);
        } else if (strcmp(key, "from") == 0) {
            if (!json_is_string(v) || parse_date(json_string_value(v), &ev->valid_from))
                return yz_err_set(ei, YZ_EINVAL, "weekly.from", "from 须为 YYYY-MM-DD 格式的日期",
                                  "from must be a date as YYYY-MM-DD");
        } else if (strcmp(key, "until") == 0) {
            if (json_is_null(v))
                ev->valid_until = YZ_EVENT_NO_UNTIL;
            else if (!json_is_string(v) || parse_date(json_string_value(v), &ev->valid_until))
                return yz_err_set(ei, YZ_EINVAL, "weekly.until",
                                  "until 须为 YYYY-MM-DD 格式的日期或 null",
                                  "until must be a date as YYYY-MM-DD, or null");
        } else {
            return yz_err_setf(ei, YZ_EINVAL, "weekly", "weekly 中有未知字段 %.30s",
                               "unknown member weekly.%.30s", key);
        }
    }
    return YZ_OK;
}

/* Fill `ev` from `body`. For a create (`patch` false) station, title, category and a time
 * rule are required; for a patch the members given replace the stored ones. Borrows `s`. */
static int event_from_json(json_t *body, const yz_snap *s, bool patch, yz_event *ev, yz_errinfo *ei)
{
    if (!json_is_object(body))
        return yz_err_set(ei, YZ_EINVAL, "body", "请求体须为 JSON 对象",
                          "the body must be a JSON object");
    static const char *const known[] = {"station",  "title",     "description", "category",
                                        "capacity", "starts_at", "ends_at",     "weekly"};
    const char *key;
    json_t *v;
    json_object_foreach(body, key, v)
    {
        bool ok = false;
        for (size_t k = 0; k < sizeof known / sizeof *known; k++)
            ok = ok || strcmp(key, known[k]) == 0;
        if (!ok) {
            if (!yz_utf8_valid(key, strlen(key)))
                return yz_err_set(ei, YZ_EINVAL, "body", "未知字段", "unknown member");
            return yz_err_setf(ei, YZ_EINVAL, key, "未知字段 %.30s", "unknown member %.30s", key);
        }
    }
    if (!patch) {
        static const char *const need[] = {"station", "title", "category"};
        for (int k = 0; k < 3; k++)
            if (!json_object_get(body, need[k]))
                return yz_err_setf(ei, YZ_EINVAL, need[k], "缺少 %s", "%s is required", need[k]);
    }
    int err;
    const char *str;
    if ((v = json_object_get(body, "station"))) {
        long i = -1;
        if (json_is_integer(v))
            i = yz_snap_find_id(s, json_integer_value(v));
        else if (json_is_string(v))
            i = yz_snap_find_code(s, json_string_value(v));
        else
            return bad_type("station", "驿站编号（字符串）或 id（整数）",
                            "a station code (string) or id (integer)", ei);
        if (i < 0)
            return yz_err_set(ei, YZ_EINVAL, "station", "驿站不存在", "unknown station");
        ev->station_id = yz_snap_station_id(s, (size_t)i);
    }
    int off = station_offset(s, ev->station_id);
    if ((v = json_object_get(body, "title"))) {
        if ((err = json_text(v, "title", &str, ei)))
            return err;
        yz_free(ev->title);
        ev->title = yz_strdup(str);
    }
    if ((v = json_object_get(body, "description"))) {
        yz_free(ev->description);
        ev->description = NULL;
        if (!json_is_null(v)) {
            if ((err = json_text(v, "description", &str, ei)))
                return err;
            ev->description = *str ? yz_strdup(str) : NULL;
        }
    }
    if ((v = json_object_get(body, "category")) &&
        (!json_is_string(v) || (ev->category = yz_event_category_parse(json_string_value(v))) < 0))
        return yz_err_set(ei, YZ_EINVAL, "category",
                          "类别须为 free_meal、cheap_meal、health、activity 或 service",
                          "category must be free_meal, cheap_meal, health, activity or service");
    if ((v = json_object_get(body, "capacity"))) {
        if (json_is_null(v))
            ev->capacity = 0;
        else if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > 100000)
            return yz_err_set(ei, YZ_EINVAL, "capacity", "名额须为 1 到 100000 的整数或 null",
                              "capacity must be an integer from 1 to 100000, or null");
        else
            ev->capacity = (int)json_integer_value(v);
    }
    json_t *sa = json_object_get(body, "starts_at"), *ea = json_object_get(body, "ends_at");
    json_t *w = json_object_get(body, "weekly");
    if ((sa || ea) && w)
        return yz_err_set(ei, YZ_EINVAL, "weekly",
                          "一次性活动（starts_at/ends_at）与每周活动（weekly）只能选一种",
                          "give either starts_at/ends_at (one-off) or weekly, not both");
    if (!patch && !sa && !ea && !w)
        return yz_err_set(ei, YZ_EINVAL, "starts_at",
                          "须给出 starts_at 和 ends_at（一次性活动）或 weekly（每周活动）",
                          "give starts_at and ends_at (one-off) or weekly (recurring)");
    if (sa || ea) {
        if (ev->weekly || !patch) {
            if (!sa || !ea)
                return yz_err_set(ei, YZ_EINVAL, sa ? "ends_at" : "starts_at",
                                  "一次性活动须同时给出 starts_at 和 ends_at",
                                  "a one-off event needs both starts_at and ends_at");
        }
        ev->weekly = false;
        static const char *const names[] = {"starts_at", "ends_at"};
        json_t *vals[] = {sa, ea};
        int64_t *dst[] = {&ev->starts_at, &ev->ends_at};
        for (int k = 0; k < 2; k++) {
            if (!vals[k])
                continue;
            if (!json_is_string(vals[k]) ||
                yz_time_parse_iso8601(json_string_value(vals[k]), off, dst[k]))
                return yz_err_setf(
                    ei, YZ_EINVAL, names[k], "%s 须为 ISO-8601 时间，如 2027-05-28T09:00:00+08:00",
                    "%s must be an ISO-8601 time, e.g. 2027-05-28T09:00:00+08:00", names[k]);
        }
    }
    int64_t now = yz_time_now();
    int today = yz_event_local_day(now, off);
    if (w) {
        err = parse_weekly(w, patch, today, ev, ei);
        if (err)
            return err;
    }
    /* A new event starts now or later (a year typed wrong made an event nobody could see or
     * sign up for). An edit may keep, or set, a start in the past: it corrects the record of
     * an event that has happened (docs/internals/events.md). */
    if (!patch && !ev->weekly && ev->starts_at < now)
        return yz_err_set(ei, YZ_EINVAL, "starts_at", "新建活动的开始时间不能早于现在",
                          "a new event cannot start in the past");
    if (!patch && ev->weekly && ev->valid_from < today)
        return yz_err_set(ei, YZ_EINVAL, "weekly.from", "新建每周活动的开始日期不能早于今天",
                          "a new weekly event cannot start before today");
    return yz_event_validate(ev, ei);
}

/* --- write handlers ------------------------------------------------------------------------- */

static void respond_event(yz_api *api, yz_http_req *req, int status, const yz_event *ev)
{
    const yz_state_view *view = yz_state_acquire(api->state);
    const yz_snap *s = yz_state_snap(view);
    yz_buf b;
    yz_buf_init(&b);
    render_event(&b, s, ev);
    yz_buf_putc(&b, '\n');
    yz_state_release(api->state, view);
    char etag[32];
    snprintf(etag, sizeof etag, "\"%lld\"", (long long)ev->version);
    yz_http_add_header(req, "ETag", etag);
    if (status == 201) {
        char loc[64];
        snprintf(loc, sizeof loc, "/api/v1/events/%lld", (long long)ev->id);
        yz_http_add_header(req, "Location", loc);
    }
    yz_http_respond(req, status, YZ_JSON, &b);
}

/* The event as GET renders it, as the audit entry's "before". */
static void audit_before(yz_api *api, yz_http_req *req, const yz_event *ev)
{
    const yz_state_view *view = yz_state_acquire(api->state);
    yz_buf b;
    yz_buf_init(&b);
    render_event(&b, yz_state_snap(view), ev);
    yz_state_release(api->state, view);
    yz__api_audit_before(req, b.data);
    yz_buf_fini(&b);
}

/* After a store write, lock held: publish the new index (failures are logged; the store is
 * right). */
static void after_write(yz_api *api)
{
    yz_errinfo ei;
    if (yz_state_republish_events(api->state, &ei))
        yz_log_error("events: cannot reload after a write: %s", ei.msg_en);
}

/* The table's check of `route` on the event's station `station_id` (0: none, city-wide). */
static int authorize_at(yz_api *api, yz_http_req *req, const char *route, int64_t station_id,
                        yz_errinfo *ei)
{
    yz_target t = {0};
    if (station_id)
        yz__api_target_station(api, station_id, &t);
    return yz__api_authorize(api, req, route, &t, ei);
}

static void h_create(void *ctx, yz_http_req *req)
{
    yz_api *api = ctx;
    yz_errinfo ei;
    yz_err_clear(&ei);
    json_t *body = NULL;
    yz_event ev;
    yz_event_init(&ev);
    int err = yz__api_authorize(api, req, "events_create", NULL, &ei);
    if (!err)
        err = yz__api_parse_json(req, &body, &ei);
    if (!err) {
        const yz_state_view *view = yz_state_acquire(api->state);
        const yz_snap *s = yz_state_snap(view);
        err = event_from_json(body, s, false, &ev, &ei);
        yz_state_release(api->state, view);
    }
    if (!err)
        err = authorize_at(api, req, "events_create", ev.station_id, &ei);
    if (!err) {
        yz_state_lock(api->state);
        err = yz_store_event_create(api->st, &ev, 1, &ei);
        if (!err)
            after_write(api);
        yz_state_unlock(api->state);
    }
    json_decref(body);
    if (err)
        yz_api_error(req, &ei);
    else
        respond_event(api, req, 201, &ev);
    yz_event_fini(&ev);
}

static void h_get(void *ctx, yz_http_req *req)
{
    yz_api *api = ctx;
    yz_errinfo ei;
    yz_err_clear(&ei);
    yz_event ev;
    yz_event_init(&ev);
    int64_t id = yz__api_id(yz_http_param(req, 0));
    int err = id ? yz_store_event_get(api->st, id, &ev, &ei) : not_found(0, &ei);
    if (err)
        yz_api_error(req, &ei);
    else
        respond_event(api, req, 200, &ev);
    yz_event_fini(&ev);
}

static void h_patch(void *ctx, yz_http_req *req)
{
    yz_api *api = ctx;
    yz_errinfo ei;
    yz_err_clear(&ei);
    json_t *body = NULL;
    yz_event ev;
    yz_event_init(&ev);
    int64_t id = yz__api_id(yz_http_param(req, 0)), version = 0;
    int err = yz__api_authorize(api, req, "event_patch", NULL, &ei);
    if (!err && !id)
        err = not_found(0, &ei);
    if (!err) /* optional here: a script may overwrite, the console always sends it */
        err = yz__api_if_match(req, false, 1, &version, &ei);
    if (version < 0)
        version = 0;
    if (!err)
        err = yz__api_parse_json(req, &body, &ei);
    if (err)
        goto out;
    yz_state_lock(api->state);
    err = yz_store_event_get(api->st, id, &ev, &ei);
    if (!err)
        err = authorize_at(api, req, "event_patch", ev.station_id, &ei);
    if (!err)
        audit_before(api, req, &ev);
    if (!err && ev.cancelled)
        err = yz_err_set(&ei, YZ_ECONFLICT, "id", "活动已取消，不能修改",
                         "the event is cancelled and cannot be changed");
    if (!err) {
        const yz_state_view *view = yz_state_acquire(api->state);
        const yz_snap *s = yz_state_snap(view);
        err = event_from_json(body, s, true, &ev, &ei);
        yz_state_release(api->state, view);
    }
    if (!err) /* and where it is moved to */
        err = authorize_at(api, req, "event_patch", ev.station_id, &ei);
    if (!err)
        err = yz_store_event_update(api->st, &ev, version, &ei);
    if (!err)
        after_write(api);
    yz_state_unlock(api->state);
out:
    json_decref(body);
    if (err)
        yz_api_error(req, &ei);
    else
        respond_event(api, req, 200, &ev);
    yz_event_fini(&ev);
}

static void h_delete(void *ctx, yz_http_req *req)
{
    yz_api *api = ctx;
    yz_errinfo ei;
    yz_err_clear(&ei);
    yz_event ev;
    yz_event_init(&ev);
    int64_t id = yz__api_id(yz_http_param(req, 0)), version = 0;
    int err = yz__api_authorize(api, req, "event_cancel", NULL, &ei);
    if (!err && !id)
        err = not_found(0, &ei);
    if (!err) /* optional here: a script may overwrite, the console always sends it */
        err = yz__api_if_match(req, false, 1, &version, &ei);
    if (version < 0)
        version = 0;
    if (!err)
        err = yz_store_event_get(api->st, id, &ev, &ei);
    if (!err)
        err = authorize_at(api, req, "event_cancel", ev.station_id, &ei);
    if (!err)
        audit_before(api, req, &ev);
    yz_event_fini(&ev);
    yz_event_init(&ev);
    if (!err) {
        yz_state_lock(api->state);
        err = yz_store_event_cancel(api->st, id, yz_time_now(), version, &ei);
        if (!err)
            after_write(api);
        yz_state_unlock(api->state);
    }
    if (!err)
        err = yz_store_event_get(api->st, id, &ev, &ei);
    if (err)
        yz_api_error(req, &ei);
    else
        respond_event(api, req, 200, &ev);
    yz_event_fini(&ev);
}

/* --- sign-ups ------------------------------------------------------------------------------- */

static void respond_seats(yz_http_req *req, int status, int64_t id, int32_t day,
                          const yz_event_seats *seats)
{
    char date[16];
    format_date(day, date);
    yz_buf b;
    yz_buf_init(&b);
    yz_buf_printf(&b, "{\"event_id\":%lld,\"occurrence\":\"%s\",\"signed_up\":%d,\"capacity\":",
                  (long long)id, date, seats->signed_up);
    if (seats->capacity > 0)
        yz_buf_printf(&b, "%d,\"seats_left\":%d,\"full\":%s}\n", seats->capacity,
                      seats->capacity > seats->signed_up ? seats->capacity - seats->signed_up : 0,
                      seats->signed_up >= seats->capacity ? "true" : "false");
    else
        yz_buf_puts(&b, "null,\"seats_left\":null,\"full\":false}\n");
    yz_http_respond(req, status, YZ_JSON, &b);
}

static int occurrence_date(const char *v, int32_t *day, yz_errinfo *ei)
{
    if (!v || parse_date(v, day))
        return yz_err_set(ei, YZ_EINVAL, "occurrence", "occurrence 须为 YYYY-MM-DD 格式的日期",
                          "occurrence must be a date as YYYY-MM-DD");
    return YZ_OK;
}

static void h_signup(void *ctx, yz_http_req *req)
{
    yz_api *api = ctx;
    yz_errinfo ei;
    yz_err_clear(&ei);
    json_t *body = NULL;
    yz_worker w;
    yz_event_seats seats = {0, 0};
    int32_t day = 0;
    int64_t id = yz__api_id(yz_http_param(req, 0));
    int err = yz__api_worker(api, req, &w, &ei);
    if (!err && !id)
        err = not_found(0, &ei);
    if (!err)
        err = yz__api_parse_json(req, &body, &ei);
    if (!err && !json_is_object(body))
        err = yz_err_set(&ei, YZ_EINVAL, "body", "请求体须为 JSON 对象",
                         "the body must be a JSON object");
    if (!err) {
        const char *key;
        json_t *v;
        json_object_foreach(body, key, v)
        {
            if (strcmp(key, "occurrence") != 0) {
                err = yz_utf8_valid(key, strlen(key))
                          ? yz_err_setf(&ei, YZ_EINVAL, key, "未知字段 %.30s",
                                        "unknown member %.30s", key)
                          : yz_err_set(&ei, YZ_EINVAL, "body", "未知字段", "unknown member");
                break;
            }
        }
    }
    if (!err)
        err = occurrence_date(json_string_value(json_object_get(body, "occurrence")), &day, &ei);
    if (!err)
        err = yz_store_event_signup(api->st, id, day, w.id, yz_time_now(), &seats, &ei);
    json_decref(body);
    if (err)
        yz_api_error(req, &ei);
    else
        respond_seats(req, 201, id, day, &seats);
}

static void h_unsignup(void *ctx, yz_http_req *req)
{
    yz_api *api = ctx;
    yz_errinfo ei;
    yz_err_clear(&ei);
    yz_worker w;
    yz_event_seats seats = {0, 0};
    int32_t day = 0;
    int64_t id = yz__api_id(yz_http_param(req, 0));
    int err = yz__api_worker(api, req, &w, &ei);
    if (!err && !id)
        err = not_found(0, &ei);
    if (!err)
        err = occurrence_date(yz_http_param(req, 1), &day, &ei);
    if (!err)
        err = yz_store_event_unsignup(api->st, id, day, w.id, &seats, &ei);
    if (err)
        yz_api_error(req, &ei);
    else
        respond_seats(req, 200, id, day, &seats);
}

#define SIGNUPS_MAX 5000

/* A worker's pseudonym on one event's list: the first 8 hex digits of a BLAKE2b hash of the
 * event and the worker, so staff can tell sign-ups apart and count them, but cannot follow
 * one worker from event to event by an id. */
static void pseudonym(int64_t event_id, int64_t worker_id, char out[12])
{
    unsigned char h[8];
    char in[64];
    int n =
        snprintf(in, sizeof in, "yz-signup:%lld:%lld", (long long)event_id, (long long)worker_id);
    crypto_generichash(h, sizeof h, (const unsigned char *)in, (size_t)n, NULL, 0);
    snprintf(out, 12, "w-%02x%02x%02x%02x", h[0], h[1], h[2], h[3]);
}

typedef struct signups_query {
    int32_t occurrence;
} signups_query;

static const yz_param signups_params[] = {
    {"occurrence", YZ_PARAM_DATE, offsetof(signups_query, occurrence), 0, 0, 0, 0, NULL, NULL},
};

/* GET /api/v1/events/{id}/signups[?occurrence=YYYY-MM-DD]: who signed up (pseudonyms), for
 * the roles that may edit the event (row event_signups, checked on its station). */
static void h_signups(void *ctx, yz_http_req *req)
{
    yz_api *api = ctx;
    yz_errinfo ei;
    yz_err_clear(&ei);
    yz_event ev;
    yz_event_init(&ev);
    yz_event_signup *v = NULL;
    size_t n = 0;
    int32_t day = -1;
    int64_t id = yz__api_id(yz_http_param(req, 0));
    signups_query q;
    int err = yz__api_authorize(api, req, "event_signups", NULL, &ei);
    if (!err && !id)
        err = not_found(0, &ei);
    if (!err)
        err = YZ_API_PARAMS(req, signups_params, &q, &ei);
    if (!err && yz__api_param_given(req, "occurrence"))
        day = q.occurrence;
    if (!err)
        err = yz_store_event_get(api->st, id, &ev, &ei);
    if (!err)
        err = authorize_at(api, req, "event_signups", ev.station_id, &ei);
    if (!err)
        err = yz_store_event_signups(api->st, id, day, SIGNUPS_MAX, &v, &n, &ei);
    if (err) {
        yz_event_fini(&ev);
        yz_api_error(req, &ei);
        return;
    }
    const yz_state_view *view = yz_state_acquire(api->state);
    int off = station_offset(yz_state_snap(view), ev.station_id);
    yz_state_release(api->state, view);
    yz_buf b;
    yz_buf_init(&b);
    yz_buf_printf(&b, "{\"event_id\":%lld,\"capacity\":", (long long)id);
    if (ev.capacity > 0)
        yz_buf_int(&b, ev.capacity);
    else
        yz_buf_puts(&b, "null");
    if (day >= 0) {
        char date[16];
        format_date(day, date);
        yz_buf_printf(&b, ",\"occurrence\":\"%s\"", date);
    } else {
        yz_buf_puts(&b, ",\"occurrence\":null");
    }
    yz_buf_puts(&b, ",\"signups\":[");
    for (size_t k = 0; k < n; k++) {
        char date[16], iso[32], who[12];
        format_date(v[k].day, date);
        yz_time_format_iso8601(v[k].created_at, off, iso);
        pseudonym(id, v[k].worker_id, who);
        yz_buf_printf(&b, "%s{\"occurrence\":\"%s\",\"worker\":\"%s\",\"signed_up_at\":\"%s\"}",
                      k ? "," : "", date, who, iso);
    }
    yz_buf_printf(&b, "],\"count\":%zu}\n", n);
    yz_free(v);
    yz_event_fini(&ev);
    yz__api_ok(req, &b);
}

/* --- the listing -------------------------------------------------------------------------- */

typedef struct occ {
    const yz_event_entry *en;
    size_t station; /* position in the snapshot */
    int32_t day;
    int64_t start, end;
    double distance_m; /* < 0 without `near` */
} occ;

static int cmp_occ(const void *a, const void *b)
{
    const occ *x = a, *y = b;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    if (x->en->ev.id != y->en->ev.id)
        return x->en->ev.id < y->en->ev.id ? -1 : 1;
    return (x->day > y->day) - (x->day < y->day);
}

static int count_of(const yz_event_count *c, size_t n, int64_t id, int32_t day)
{
    size_t a = 0, b = n;
    while (a < b) {
        size_t m = a + (b - a) / 2;
        if (c[m].event_id < id || (c[m].event_id == id && c[m].day < day))
            a = m + 1;
        else
            b = m;
    }
    return a < n && c[a].event_id == id && c[a].day == day ? c[a].n : 0;
}

typedef struct list_query {
    const char *station_ref; /* id or code, NULL = any */
    long station;            /* its position, -1 = any */
    int32_t from, to;
    bool has_near;
    yz_point near;
    double radius_m;
    int category; /* -1 = any */
    long limit;
    const char *district; /* district code, NULL = any */
    int lang;             /* YZ_LANG_HANT: titles and station names in traditional characters */
} list_query;

static const yz_param list_params[] = {
    {"station", YZ_PARAM_TEXT, offsetof(list_query, station_ref), 0, 0, 0, 0, NULL, NULL},
    /* from: today where the station is (China Standard Time without one); to: from + 7 days */
    {"from", YZ_PARAM_DATE, offsetof(list_query, from), 0, 0, 0, 0, NULL, NULL},
    {"to", YZ_PARAM_DATE, offsetof(list_query, to), 0, 0, 0, 0, NULL, NULL},
    {"near", YZ_PARAM_POINT, offsetof(list_query, near), 0, 0, 0, 0, NULL, NULL},
    {"radius_m", YZ_PARAM_NUMBER, offsetof(list_query, radius_m), 0, YZ_API_MAX_RADIUS_M,
     DEFAULT_RADIUS_M, YZ_PARAM_ABOVE_LO, NULL, NULL},
    {"category", YZ_PARAM_WORD, offsetof(list_query, category), 0, 0, -1, 0,
     yz_event_category_parse, "free_meal, cheap_meal, health, activity, service"},
    {"limit", YZ_PARAM_INT, offsetof(list_query, limit), 1, MAX_LIMIT, DEFAULT_LIMIT, 0, NULL,
     NULL},
    {"district", YZ_PARAM_TEXT, offsetof(list_query, district), 0, 12, 0, 0, NULL, NULL},
    {"lang", YZ_PARAM_WORD, offsetof(list_query, lang), 0, 0, YZ_LANG_HANS, 0,
     yz__api_lang_parse, "zh-Hans, zh-Hant, en"},
};

static int list_params_parse(yz_http_req *req, const yz_snap *s, list_query *q, yz_errinfo *ei)
{
    int err = YZ_API_PARAMS(req, list_params, q, ei);
    if (err)
        return err;
    q->station = -1;
    if (q->district && yz_snap_find_district(s, q->district) < 0)
        return yz_err_setf(ei, YZ_EINVAL, "district", "未知的区县代码 %.20s",
                           "unknown district code %.20s", q->district);
    if (q->station_ref &&
        (q->station = yz__api_param_station(s, q->station_ref, "station", ei)) < 0)
        return YZ_EINVAL;
    if (!yz__api_param_given(req, "from")) {
        int off = q->station >= 0 ? yz_snap_tz_offset(s, (size_t)q->station) : DEFAULT_OFFSET_MIN;
        q->from = yz_event_local_day(yz_time_now(), off);
    }
    if (!yz__api_param_given(req, "to"))
        q->to = q->from + DEFAULT_SPAN_DAYS;
    if (q->to < q->from)
        return yz_err_set(ei, YZ_EINVAL, "to", "to 不能早于 from", "to must not be before from");
    if (q->to - q->from > MAX_SPAN_DAYS)
        return yz_err_setf(ei, YZ_EINVAL, "to", "查询跨度不能超过 %d 天",
                           "the span from..to must be at most %d days", MAX_SPAN_DAYS);
    q->has_near = yz__api_param_given(req, "near");
    if (yz__api_param_given(req, "radius_m") && !q->has_near)
        return yz_err_set(ei, YZ_EINVAL, "radius_m", "radius_m 须与 near 一起使用",
                          "radius_m needs near");
    return YZ_OK;
}

/* Occurrences of entries [lo, hi) matching `q`, appended to *v. */
static void collect(const yz_event_index *x, size_t lo, size_t hi, const yz_snap *s,
                    const list_query *q, occ **v, size_t *n, size_t *cap)
{
    for (size_t k = lo; k < hi; k++) {
        const yz_event_entry *en = yz_state_event_at(x, k);
        const yz_event *ev = &en->ev;
        if (q->category >= 0 && ev->category != q->category)
            continue;
        long si = yz_snap_find_id(s, ev->station_id);
        if (si < 0)
            continue;
        if (q->district) {
            const char *dc = yz_snap_station_district_code(s, (size_t)si);
            if (!dc || strcmp(dc, q->district) != 0)
                continue;
        }
        double dist = -1;
        if (q->has_near) {
            yz_station st_buf;
            const yz_station *st = yz_snap_station_get(s, (size_t)si, &st_buf);
            dist = yz_coord_distance_m(q->near, (yz_point){st->lat, st->lon});
            if (dist > q->radius_m)
                continue;
        }
        int off = yz_snap_tz_offset(s, (size_t)si);
        int32_t d0 = q->from, d1 = q->to;
        if (!ev->weekly) {
            d0 = d1 = yz_event_local_day(ev->starts_at, off);
            if (d0 < q->from || d0 > q->to)
                continue;
        } else {
            d0 = d0 > ev->valid_from ? d0 : ev->valid_from;
            d1 = d1 < ev->valid_until ? d1 : ev->valid_until;
        }
        for (int32_t d = d0; d <= d1; d++) {
            int64_t a, z;
            if (!yz_event_occurrence(ev, d, off, &a, &z))
                continue;
            if (*n == *cap) {
                *cap = *cap ? *cap * 2 : 64;
                *v = yz_reallocarray(*v, *cap, sizeof **v);
            }
            (*v)[(*n)++] = (occ){en, (size_t)si, d, a, z, dist};
        }
    }
}

static void h_list(void *ctx, yz_http_req *req)
{
    yz_api *api = ctx;
    yz_errinfo ei;
    yz_err_clear(&ei);
    list_query q;
    memset(&q, 0, sizeof q);
    yz_event_count *counts = NULL;
    size_t n_counts = 0;
    const yz_state_view *view = yz_state_acquire(api->state);
    const yz_snap *s = yz_state_snap(view);
    int err = list_params_parse(req, s, &q, &ei);
    /* one day of slack each side: counts are keyed by local dates of various zones */
    if (!err)
        err = yz_store_event_counts(api->st, q.from - 1, q.to + 1, &counts, &n_counts, &ei);
    if (err) {
        yz_state_release(api->state, view);
        yz_api_error(req, &ei);
        return;
    }
    occ *v = NULL;
    size_t n = 0, cap = 0;
    yz_buf b;
    yz_buf_init(&b);
    const yz_event_index *x = yz_state_events(view);
    size_t lo = 0, hi = yz_state_events_count(x);
    bool any = true;
    if (q.station >= 0)
        any = yz_state_events_find(x, yz_snap_station_id(s, (size_t)q.station), &lo, &hi);
    if (any)
        collect(x, lo, hi, s, &q, &v, &n, &cap);
    if (n)
        qsort(v, n, sizeof *v, cmp_occ);
    char from[16], to[16];
    format_date(q.from, from);
    format_date(q.to, to);
    yz_buf_printf(&b, "{\"from\":\"%s\",\"to\":\"%s\",\"occurrences\":[", from, to);
    size_t shown = n < (size_t)q.limit ? n : (size_t)q.limit;
    for (size_t k = 0; k < shown; k++) {
        const occ *o = &v[k];
        const yz_event *ev = &o->en->ev;
        yz_station st_buf;
        const yz_station *st = yz_snap_station_get(s, o->station, &st_buf);
        int off = yz_snap_tz_offset(s, o->station);
        int signed_up = count_of(counts, n_counts, ev->id, o->day);
        char date[16], a[32], z[32];
        format_date(o->day, date);
        yz_time_format_iso8601(o->start, off, a);
        yz_time_format_iso8601(o->end, off, z);
        yz_buf_printf(&b, "%s{\"event_id\":%lld,\"occurrence\":\"%s\",\"title\":", k ? "," : "",
                      (long long)ev->id, date);
        yz__api_append_lang(&b, ev->title, strlen(ev->title), q.lang, true);
        yz_buf_printf(&b, ",\"category\":\"%s\",\"station\":{\"id\":%lld,\"code\":",
                      yz_event_category_name(ev->category), (long long)st->id);
        yz_buf_json_str(&b, st->code, strlen(st->code));
        yz_buf_puts(&b, ",\"name\":");
        yz__api_append_lang(&b, st->name, strlen(st->name), q.lang, true);
        yz_buf_printf(&b, "},\"starts_at\":\"%s\",\"ends_at\":\"%s\",\"capacity\":", a, z);
        if (ev->capacity > 0)
            yz_buf_int(&b, ev->capacity);
        else
            yz_buf_puts(&b, "null");
        yz_buf_printf(&b, ",\"signed_up\":%d,\"full\":%s", signed_up,
                      ev->capacity > 0 && signed_up >= ev->capacity ? "true" : "false");
        if (o->distance_m >= 0) {
            yz_buf_puts(&b, ",\"distance_m\":");
            yz_buf_fixed(&b, o->distance_m, 1);
        }
        yz_buf_putc(&b, '}');
    }
    yz_state_release(api->state, view);
    yz_buf_printf(&b, "],\"count\":%zu,\"total\":%zu}\n", shown, n);
    yz_free(v);
    yz_free(counts);
    yz__api_ok(req, &b);
}

/* --- registration --------------------------------------------------------------------------- */

void yz__api_register_events(yz_api *api, yz_http_server *srv)
{
    yz_http_route(srv, "GET", "/api/v1/events", "events_list", h_list, api);
    yz_http_route(srv, "POST", "/api/v1/events", "events_create", h_create, api);
    yz_http_route(srv, "GET", "/api/v1/events/{}", "event_get", h_get, api);
    yz_http_route(srv, "PATCH", "/api/v1/events/{}", "event_patch", h_patch, api);
    yz_http_route(srv, "DELETE", "/api/v1/events/{}", "event_cancel", h_delete, api);
    yz_http_route(srv, "POST", "/api/v1/events/{}/signups", "event_signup", h_signup, api);
    yz_http_route(srv, "GET", "/api/v1/events/{}/signups", "event_signups", h_signups, api);
    yz_http_route(srv, "DELETE", "/api/v1/events/{}/signups/{}", "event_unsignup", h_unsignup, api);
}
