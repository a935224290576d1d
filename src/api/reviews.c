/* SPDX-License-Identifier: MIT */
/* api/reviews.c - ratings and reviews: POST /api/v1/stations/{id}/ratings (worker token),
 * GET /api/v1/stations/{id}/reviews, GET /api/v1/rating-tags, and the moderators' queue under
 * /api/v1/moderation (admin token). Every review text is screened (catalog/moderation.h)
 * before it is public. The per-station star counts and sums are the in-memory state's
 * (state/state.h): the `rating` member of every nearby result reads them without a lock. */
#include "api/api_int.h"
#include "api/params.h"

#include "catalog/moderation.h"
#include "core/alloc.h"
#include "core/log.h"
#include "core/time.h"
#include "core/utf8.h"
#include "geo/coord.h"
#include "store/reviews.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TEXT_MAX_CHARS 2000
#define NOTE_MAX_CHARS 500

/* The word lists and the rating tags as one load from the store read them. Immutable once
 * published; a reload that reads something else publishes a new one and keeps the old one,
 * which a request may still be reading, until the area is freed. */
struct lists {
    yz_modrules *rules;
    yz_rating_tag *tags;
    size_t ntags;
    char *tags_json;     /* the body of GET /api/v1/rating-tags */
    uint64_t digest;     /* FNV-1a of the rows read, to tell a reload that changed nothing */
    struct lists *older; /* the version this one replaced, or NULL */
};

struct yz_api_reviews {
    _Atomic(struct lists *) cur; /* never NULL after register; readers load it once a request */
    pthread_mutex_t reload_mu;   /* serialises yz__api_reload_reviews */
};

static const struct lists *cur_lists(yz_api *api)
{
    return atomic_load_explicit(&api->reviews->cur, memory_order_acquire);
}

/* ---- the rating member ------------------------------------------------------------------------ */

/* `"rating":{"avg","count","verified_count","score"}`: avg and score are weighted (verified
 * ratings 1 each, the unverified ones together at most YZ_RATING_UNVERIFIED_CAP, store/reviews.h);
 * count is every counted rating, verified_count those from a verified visit. */
void yz__api_render_rating(const yz_state_view *v, int64_t station_id, yz_buf *b)
{
    yz_rating_agg a, all;
    yz_rating_score sc;
    yz_state_rating(v, station_id, &a);
    yz_state_rating_all(v, &all);
    yz_rating_weigh(&a, &all, &sc);
    yz_buf_puts(b, ",\"rating\":{\"avg\":");
    if (a.count)
        yz_buf_fixed(b, sc.avg, 2);
    else
        yz_buf_puts(b, "null");
    yz_buf_puts(b, ",\"count\":");
    yz_buf_int(b, a.count);
    yz_buf_puts(b, ",\"verified_count\":");
    yz_buf_int(b, a.vcount);
    yz_buf_puts(b, ",\"score\":");
    yz_buf_fixed(b, sc.score, 2);
    yz_buf_putc(b, '}');
}

/* ---- helpers --------------------------------------------------------------------------------- */

/* The station named by path capture 0 (an id or a code): its id, code and UTC offset, and
 * its WGS-84 position into *pos (may be NULL). */
static int station_of(yz_api *api, yz_http_req *req, int64_t *id, char code[48], int *tz_min,
                      yz_point *pos, yz_errinfo *ei)
{
    const yz_state_view *view = yz_state_acquire(api->state);
    const yz_snap *s = yz_state_snap(view);
    long i = yz__api_find_station(s, req, ei);
    int err = YZ_OK;
    if (i < 0) {
        err = YZ_ENOTFOUND;
    } else {
        yz_station st_buf;
        const yz_station *st = yz_snap_station_get(s, (size_t)i, &st_buf);
        *id = st->id;
        snprintf(code, 48, "%s", st->code ? st->code : "");
        *tz_min = yz_snap_tz_offset(s, (size_t)i);
        if (pos)
            *pos = (yz_point){st->lat, st->lon};
    }
    yz_state_release(api->state, view);
    return err;
}

typedef struct page_args {
    long page, per_page;
} page_args;

#define P_PAGE {"page", YZ_PARAM_INT, offsetof(page_args, page), 1, 1000000, 1, 0, NULL, NULL}
#define P_PER_PAGE(def)                                                                        \
    {"per_page", YZ_PARAM_INT, offsetof(page_args, per_page), 1, 100, def, 0, NULL, NULL}
static const yz_param reviews_params[] = {P_PAGE, P_PER_PAGE(20)};
static const yz_param held_params[] = {P_PAGE, P_PER_PAGE(50)};

static size_t utf8_chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

/* True when `s` has nothing but whitespace. */
static bool blank(const char *s)
{
    for (; *s; s++)
        if (!strchr(" \t\r\n", *s))
            return false;
    return true;
}

static void render_tags(yz_buf *b, const char *csv)
{
    yz_buf_putc(b, '[');
    const char *p = csv ? csv : "";
    bool first = true;
    while (*p) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len) {
            if (!first)
                yz_buf_putc(b, ',');
            first = false;
            yz_buf_json_str(b, p, len);
        }
        p = e ? e + 1 : p + len;
    }
    yz_buf_putc(b, ']');
}

static void render_time(yz_buf *b, const char *name, int64_t t)
{
    char iso[32];
    yz_time_format_iso8601(t, 480, iso);
    yz_buf_printf(b, ",\"%s\":\"%s\"", name, iso);
}

static void render_text(yz_buf *b, const char *name, const char *s)
{
    yz_buf_printf(b, ",\"%s\":", name);
    if (s)
        yz_buf_json_str(b, s, strlen(s));
    else
        yz_buf_puts(b, "null");
}

/* ---- POST /api/v1/stations/{id}/ratings --------------------------------------------------------
 */

/* Where the worker is as the rating is sent: optional `lat`/`lon` (both or neither) in `crs`
 * (wgs84 by default, gcj02, bd09), like the nearby query's. Used to verify the rating and not
 * kept. */
typedef struct rating_pos {
    bool has_lat, has_lon;
    double lat, lon;
    int crs;
} rating_pos;

static int parse_coord(json_t *v, const char *key, double lo, double hi, double *out,
                       yz_errinfo *ei)
{
    if (!json_is_number(v) || json_number_value(v) < lo || json_number_value(v) > hi)
        return yz_err_setf(ei, YZ_EINVAL, key, "%s 须为 %g 到 %g 之间的数", "%s must be a number from %g to %g",
                           key, lo, hi);
    *out = json_number_value(v);
    return YZ_OK;
}

static int parse_rating(const struct lists *rv, json_t *body, yz_rating *r, yz_buf *tags,
                        rating_pos *pos, yz_errinfo *ei)
{
    if (!json_is_object(body))
        return yz_err_set(ei, YZ_EINVAL, "body", "请求体须为 JSON 对象",
                          "the body must be a JSON object");
    const char *key;
    json_t *v;
    bool have_stars = false;
    int err;
    json_object_foreach(body, key, v)
    {
        if (!strcmp(key, "lat")) {
            err = parse_coord(v, "lat", -90, 90, &pos->lat, ei);
            if (err)
                return err;
            pos->has_lat = true;
        } else if (!strcmp(key, "lon")) {
            err = parse_coord(v, "lon", -180, 180, &pos->lon, ei);
            if (err)
                return err;
            pos->has_lon = true;
        } else if (!strcmp(key, "crs")) {
            pos->crs = json_is_string(v) ? yz_crs_parse(json_string_value(v)) : -1;
            if (pos->crs < 0)
                return yz_err_set(ei, YZ_EINVAL, "crs", "crs 须为 wgs84、gcj02 或 bd09",
                                  "crs must be wgs84, gcj02 or bd09");
        } else if (!strcmp(key, "stars")) {
            json_int_t n = json_is_integer(v) ? json_integer_value(v) : 0;
            if (n < 1 || n > 5)
                return yz_err_set(ei, YZ_EINVAL, "stars", "星级须为 1 到 5 的整数",
                                  "stars must be an integer from 1 to 5");
            r->stars = (int)n;
            have_stars = true;
        } else if (!strcmp(key, "tags")) {
            if (!json_is_array(v) && !json_is_null(v))
                return yz_err_set(ei, YZ_EINVAL, "tags", "标签须为字符串数组",
                                  "tags must be an array of strings");
            size_t i;
            json_t *t;
            uint32_t seen = 0;
            json_array_foreach(v, i, t)
            {
                const char *code = json_string_value(t);
                size_t k = 0;
                while (code && k < rv->ntags && strcmp(rv->tags[k].code, code))
                    k++;
                if (!code || k == rv->ntags) {
                    if (code && yz_utf8_valid(code, strlen(code)) && strlen(code) <= 40)
                        return yz_err_setf(ei, YZ_EINVAL, "tags",
                                           "未知标签 %s（见 GET "
                                           "/api/v1/rating-tags）",
                                           "unknown tag %s (see GET /api/v1/rating-tags)", code);
                    return yz_err_set(ei, YZ_EINVAL, "tags",
                                      "未知标签（见 GET /api/v1/rating-tags）",
                                      "unknown tag (see GET /api/v1/rating-tags)");
                }
                if (k < 32 && (seen & 1u << k))
                    return yz_err_setf(ei, YZ_EINVAL, "tags", "标签 %s 重复", "tag %s given twice",
                                       code);
                if (k < 32)
                    seen |= 1u << k;
                if (tags->len)
                    yz_buf_putc(tags, ',');
                yz_buf_puts(tags, code);
            }
        } else if (!strcmp(key, "text")) {
            if (json_is_null(v))
                continue;
            if (!json_is_string(v))
                return yz_err_set(ei, YZ_EINVAL, "text", "评价须为字符串", "text must be a string");
            const char *t = json_string_value(v);
            if (!yz_utf8_valid(t, strlen(t)))
                return yz_err_set(ei, YZ_EINVAL, "text", "评价不是有效的 UTF-8",
                                  "text is not valid UTF-8");
            if (utf8_chars(t) > TEXT_MAX_CHARS)
                return yz_err_setf(ei, YZ_EINVAL, "text", "评价不能超过 %d 个字",
                                   "text must be at most %d characters", TEXT_MAX_CHARS);
            if (!blank(t))
                r->text = yz_strdup(t);
        } else {
            if (!yz_utf8_valid(key, strlen(key)))
                return yz_err_set(ei, YZ_EINVAL, "body", "未知字段", "unknown field");
            return yz_err_setf(ei, YZ_EINVAL, key, "未知字段 %.30s", "unknown field %.30s", key);
        }
    }
    if (!have_stars)
        return yz_err_set(ei, YZ_EINVAL, "stars", "缺少星级 stars（1 到 5）",
                          "stars (1 to 5) is required");
    if (pos->has_lat != pos->has_lon)
        return yz_err_set(ei, YZ_EINVAL, pos->has_lat ? "lon" : "lat", "lat 和 lon 须同时给出",
                          "lat and lon must be given together");
    return YZ_OK;
}

/* Whether `pos` was given and lies within YZ_RATING_NEAR_M of the station at `station` (WGS-84;
 * a station without a position, 0,0, is never near). */
static bool near_station(const rating_pos *pos, yz_point station)
{
    if (!pos->has_lat || (station.lat == 0 && station.lon == 0))
        return false;
    yz_point at = yz_coord_convert((yz_point){pos->lat, pos->lon}, pos->crs, YZ_CRS_WGS84);
    return yz_coord_distance_m(at, station) <= YZ_RATING_NEAR_M;
}

/* Screen r->text with the word lists and the classifier (its verdict in *cv) and set its
 * status, reasons and hash. */
static int screen(yz_api *api, yz_rating *r, unsigned *reasons, yz_clf_verdict *cv,
                  yz_errinfo *ei)
{
    memset(cv, 0, sizeof *cv);
    *reasons = 0;
    if (!r->text) {
        r->status = YZ_REVIEW_NONE;
        return YZ_OK;
    }
    yz_buf scratch;
    yz_buf_init(&scratch);
    yz_modverdict v;
    int err = yz_mod_screen(cur_lists(api)->rules, yz_state_thread_norm(), r->text, &scratch, &v, ei);
    yz_buf_fini(&scratch);
    if (err)
        return err;
    int64_t copies = 0;
    if (v.norm_chars >= YZ_MOD_REPEAT_MIN_CHARS) {
        err = yz_store_count_copies(api->st, v.hash, yz_time_now() - YZ_MOD_REPEAT_WINDOW_S,
                                    &copies, ei);
        if (err)
            return err;
        if (yz_mod_repeated(&v, copies))
            v.reasons |= YZ_MOD_REPEATED;
    }
    yz__api_learned(api, r->text, &v.reasons, cv);
    r->text_hash = v.hash;
    r->status = v.reasons ? YZ_REVIEW_HELD : YZ_REVIEW_PUBLISHED;
    yz_buf csv;
    yz_buf_init(&csv);
    yz_mod_reasons_csv(v.reasons, &csv);
    r->reasons = yz_buf_take(&csv);
    if (!r->reasons)
        r->reasons = yz_strdup("");
    *reasons = v.reasons;
    return YZ_OK;
}

static void h_rate(void *ctx, yz_http_req *req)
{
    yz_api *api = ctx;
    yz_errinfo ei;
    yz_err_clear(&ei);
    json_t *body = NULL;
    yz_rating r = {0};
    yz_buf tags;
    yz_buf_init(&tags);
    yz_worker w;
    int64_t station_id = 0;
    char code[48];
    int tz = 480;
    unsigned reasons = 0;
    yz_clf_verdict cv;
    yz_point station_pos = {0, 0};
    rating_pos pos = {.crs = YZ_CRS_WGS84};
    int err = yz__api_worker(api, req, &w, &ei);
    if (!err)
        err = station_of(api, req, &station_id, code, &tz, &station_pos, &ei);
    if (!err)
        err = yz__api_parse_json(req, &body, &ei);
    if (!err)
        err = parse_rating(cur_lists(api), body, &r, &tags, &pos, &ei);
    if (!err)
        err = screen(api, &r, &reasons, &cv, &ei);
    if (err)
        goto fail;
    int64_t now = yz_time_now();
    r.station_id = station_id;
    r.worker_id = w.id;
    r.day = (int32_t)((now + (int64_t)tz * 60) / 86400);
    r.tags = tags.len ? yz_buf_take(&tags) : yz_strdup("");
    r.at_station = near_station(&pos, station_pos);
    yz_rating_delta d;
    err = yz_store_rate(api->st, &r, &d, &ei);
    if (err)
        goto fail;
    yz_state_rating_add(api->state, &d);
    yz__api_keep_verdict(api, "review", r.id, reasons, &cv);
    yz_buf b;
    yz_buf_init(&b);
    yz_buf_printf(&b, "{\"rating\":{\"id\":%lld,\"station_id\":%lld,\"stars\":%d,\"tags\":",
                  (long long)r.id, (long long)station_id, r.stars);
    render_tags(&b, r.tags);
    render_text(&b, "text", r.text);
    if (r.text) {
        yz_buf_printf(&b, ",\"status\":\"%s\",\"reasons\":", yz_review_status_name(r.status));
        yz_mod_reasons_json(reasons, &b);
        if (reasons & YZ_MOD_LEARNED) {
            yz_buf_puts(&b, ",\"classifier\":");
            yz_clf_verdict_json(&cv, &b);
        }
    }
    render_time(&b, "created_at", r.created_at);
    yz_buf_printf(&b, ",\"verified\":%s", r.verified ? "true" : "false");
    yz_buf_printf(&b, "},\"replaced\":%s,\"station\":{\"id\":%lld,\"code\":",
                  d.replaced ? "true" : "false", (long long)station_id);
    yz_buf_json_str(&b, code, strlen(code));
    const yz_state_view *view = yz_state_acquire(api->state);
    yz__api_render_rating(view, station_id, &b);
    yz_state_release(api->state, view);
    yz_buf_puts(&b, "}}\n");
    json_decref(body);
    yz_rating_fini(&r);
    yz_buf_fini(&tags);
    yz_http_respond(req, d.replaced ? 200 : 201, YZ_JSON, &b);
    return;
fail:
    json_decref(body);
    yz_rating_fini(&r);
    yz_buf_fini(&tags);
    yz_api_error(req, &ei);
}

/* ---- GET /api/v1/stations/{id}/reviews ----------------------------------------------------- */

static void h_reviews(void *ctx, yz_http_req *req)
{
    yz_api *api = ctx;
    yz_errinfo ei;
    yz_err_clear(&ei);
    page_args pa = {1, 20};
    int64_t station_id = 0, total = 0;
    char code[48];
    int tz;
    yz_rating *a = NULL;
    size_t n = 0;
    int err = YZ_API_PARAMS(req, reviews_params, &pa, &ei);
    long page = pa.page, per_page = pa.per_page;
    if (!err)
        err = station_of(api, req, &station_id, code, &tz, NULL, &ei);
    if (!err)
        err = yz_store_list_reviews(api->st, station_id, YZ_REVIEW_PUBLISHED,
                                    (int64_t)(page - 1) * per_page, per_page, &a, &n, &total, &ei);
    if (err) {
        yz_api_error(req, &ei);
        return;
    }
    yz_buf b;
    yz_buf_init(&b);
    yz_buf_puts(&b, "{\"reviews\":[");
    for (size_t i = 0; i < n; i++) {
        yz_buf_printf(&b, "%s{\"id\":%lld,\"stars\":%d,\"tags\":", i ? "," : "", (long long)a[i].id,
                      a[i].stars);
        render_tags(&b, a[i].tags);
        render_text(&b, "text", a[i].text);
        render_time(&b, "created_at", a[i].created_at);
        yz_buf_printf(&b, ",\"verified\":%s}", a[i].verified ? "true" : "false");
    }
    yz_buf_printf(&b, "],\"total\":%lld,\"page\":%ld,\"per_page\":%ld}\n", (long long)total, page,
                  per_page);
    yz_ratings_free(a, n);
    yz__api_ok(req, &b);
}

/* ---- GET /api/v1/rating-tags ----------------------------------------------------------------- */

static void h_tags(void *ctx, yz_http_req *req)
{
    yz_api *api = ctx;
    yz_buf b;
    yz_buf_init(&b);
    yz_buf_puts(&b, cur_lists(api)->tags_json);
    yz__api_ok(req, &b);
}

/* ---- moderation ------------------------------------------------------------------------------ */

static void h_held(void *ctx, yz_http_req *req)
{
    yz_api *api = ctx;
    yz_errinfo ei;
    yz_err_clear(&ei);
    page_args pa = {1, 50};
    int64_t total = 0;
    yz_rating *a = NULL;
    size_t n = 0;
    int err = yz__api_authorize(api, req, "moderation_held", NULL, &ei);
    if (!err)
        err = YZ_API_PARAMS(req, held_params, &pa, &ei);
    if (!err)
        err =
            yz_store_list_reviews(api->st, 0, YZ_REVIEW_HELD, (int64_t)(pa.page - 1) * pa.per_page,
                                  pa.per_page, &a, &n, &total, &ei);
    if (err) {
        yz_api_error(req, &ei);
        return;
    }
    yz_buf b;
    yz_buf_init(&b);
    yz_buf_puts(&b, "{\"items\":[");
    const yz_state_view *view = yz_state_acquire(api->state);
    const yz_snap *s = yz_state_snap(view);
    for (size_t i = 0; i < n; i++) {
        yz_buf_printf(&b, "%s{\"id\":%lld,\"station_id\":%lld", i ? "," : "", (long long)a[i].id,
                      (long long)a[i].station_id);
        long k = yz_snap_find_id(s, a[i].station_id);
        const yz_station *st = k >= 0 ? yz_snap_station_get(s, (size_t)k, &(yz_station){0}) : NULL;
        render_text(&b, "station_code", st ? st->code : NULL);
        render_text(&b, "station_name", st ? st->name : NULL);
        yz_buf_printf(&b, ",\"stars\":%d,\"tags\":", a[i].stars);
        render_tags(&b, a[i].tags);
        render_text(&b, "text", a[i].text);
        yz_buf_puts(&b, ",\"status\":\"held\",\"reasons\":");
        yz_mod_reasons_json(yz_mod_reasons_parse(a[i].reasons), &b);
        yz__api_render_verdict(api, "review", a[i].id, &b);
        render_time(&b, "created_at", a[i].created_at);
        yz_buf_printf(&b, ",\"verified\":%s}", a[i].verified ? "true" : "false");
    }
    yz_state_release(api->state, view);
    yz_buf_printf(&b, "],\"total\":%lld,\"page\":%ld,\"per_page\":%ld}\n", (long long)total,
                  pa.page, pa.per_page);
    yz_ratings_free(a, n);
    yz__api_ok(req, &b);
}

static int parse_note(yz_http_req *req, json_t **body, const char **note, yz_errinfo *ei)
{
    size_t len;
    *note = NULL;
    yz_http_body(req, &len);
    if (len == 0)
        return YZ_OK;
    int err = yz__api_parse_json(req, body, ei);
    if (err)
        return err;
    if (!json_is_object(*body))
        return yz_err_set(ei, YZ_EINVAL, "body", "请求体须为 JSON 对象",
                          "the body must be a JSON object");
    const char *key;
    json_t *v;
    json_object_foreach(*body, key, v)
    {
        if (strcmp(key, "note") != 0) {
            if (!yz_utf8_valid(key, strlen(key)))
                return yz_err_set(ei, YZ_EINVAL, "body", "未知字段", "unknown field");
            return yz_err_setf(ei, YZ_EINVAL, key, "未知字段 %.30s", "unknown field %.30s", key);
        }
        if (json_is_null(v))
            continue;
        if (!json_is_string(v) || utf8_chars(json_string_value(v)) > NOTE_MAX_CHARS)
            return yz_err_setf(ei, YZ_EINVAL, "note", "备注须为不超过 %d 字的字符串",
                               "note must be a string of at most %d characters", NOTE_MAX_CHARS);
        *note = json_string_value(v);
    }
    return YZ_OK;
}

/* The review before a moderator's decision, for the audit log: the record is the review
 * (kind "review", the station's district), `before` its state as the queue shows it. */
static int audit_before(yz_api *api, yz_http_req *req, int64_t id, yz_errinfo *ei)
{
    yz_rating r = {0};
    int err = yz_store_get_rating(api->st, id, &r, ei);
    if (err == YZ_ENOTFOUND)
        err = yz_err_set(ei, YZ_ENOTFOUND, "id", "评价不存在", "review not found");
    if (err)
        return err;
    yz_target t = {0};
    yz__api_target_station(api, r.station_id, &t);
    yz__api_audit_record(req, "review", r.id, t.district[0] ? t.district : NULL);
    yz_buf b;
    yz_buf_init(&b);
    yz_buf_printf(&b, "{\"id\":%lld,\"station_id\":%lld,\"stars\":%d,\"status\":\"%s\"",
                  (long long)r.id, (long long)r.station_id, r.stars,
                  yz_review_status_name(r.status));
    render_text(&b, "text", r.text);
    yz_buf_puts(&b, ",\"reasons\":");
    yz_mod_reasons_json(yz_mod_reasons_parse(r.reasons), &b);
    render_text(&b, "note", r.moderator_note);
    yz_buf_putc(&b, '}');
    yz__api_audit_before(req, b.data);
    yz_buf_fini(&b);
    yz_rating_fini(&r);
    return YZ_OK;
}

static void moderate(yz_api *api, yz_http_req *req, const char *route, int status)
{
    yz_errinfo ei;
    yz_err_clear(&ei);
    json_t *body = NULL;
    const char *note = NULL;
    yz_rating r = {0};
    yz_rating_delta d;
    const char *p = yz_http_param(req, 0);
    char *end = NULL;
    errno = 0;
    long long id = p ? strtoll(p, &end, 10) : 0;
    int err = yz__api_authorize(api, req, route, NULL, &ei);
    if (!err && (!p || !*p || *end || errno || id <= 0))
        err = yz_err_set(&ei, YZ_ENOTFOUND, "id", "评价不存在", "review not found");
    if (!err)
        err = parse_note(req, &body, &note, &ei);
    if (!err)
        err = audit_before(api, req, id, &ei);
    if (!err)
        err = yz_store_moderate(api->st, id, status, note, &r, &d, &ei);
    if (err) {
        json_decref(body);
        yz_api_error(req, &ei);
        return;
    }
    yz_state_rating_add(api->state, &d);
    /* the moderator's decision teaches the classifier (a reversed one moves the text over) */
    yz__api_train(api, "review", r.id, status == YZ_REVIEW_REJECTED ? YZ_CLF_SPAM : YZ_CLF_HAM,
                  r.text);
    yz_buf b;
    yz_buf_init(&b);
    yz_buf_printf(&b, "{\"id\":%lld,\"station_id\":%lld,\"stars\":%d,\"status\":\"%s\"",
                  (long long)r.id, (long long)r.station_id, r.stars,
                  yz_review_status_name(r.status));
    yz_buf_puts(&b, ",\"reasons\":");
    yz_mod_reasons_json(yz_mod_reasons_parse(r.reasons), &b);
    render_text(&b, "note", r.moderator_note);
    render_time(&b, "moderated_at", r.moderated_at);
    const yz_state_view *view = yz_state_acquire(api->state);
    yz__api_render_rating(view, r.station_id, &b);
    yz_state_release(api->state, view);
    yz_buf_puts(&b, "}\n");
    yz_rating_fini(&r);
    json_decref(body);
    yz__api_ok(req, &b);
}

static void h_approve(void *ctx, yz_http_req *req)
{
    moderate(ctx, req, "moderation_approve", YZ_REVIEW_PUBLISHED);
}

static void h_reject(void *ctx, yz_http_req *req)
{
    moderate(ctx, req, "moderation_reject", YZ_REVIEW_REJECTED);
}

/* ---- lifecycle ------------------------------------------------------------------------------- */

static uint64_t fnv1a(uint64_t h, const char *s)
{
    for (; s && *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211u;
    return (h ^ 0xff) * 1099511628211u; /* a separator, so "ab","c" differs from "a","bc" */
}

static void lists_free(struct lists *l)
{
    while (l) {
        struct lists *older = l->older;
        yz_modrules_free(l->rules);
        yz_rating_tags_free(l->tags, l->ntags);
        yz_free(l->tags_json);
        yz_free(l);
        l = older;
    }
}

/* Load the tags and the word lists (the rating totals are the state's). Returns owned lists
 * and YZ_OK; on a store error the lists hold what loaded (possibly nothing) and the error is
 * returned in *ei, so the first load can still serve and a reload can keep what it has. */
static int load(yz_api *api, struct lists **out, yz_errinfo *ei)
{
    struct lists *rv = yz_calloc(1, sizeof *rv);
    yz_err_clear(ei);
    int err = yz_store_rating_tags(api->st, &rv->tags, &rv->ntags, ei);
    if (err)
        yz_log(YZ_LOG_ERROR, "reviews: tags: %s", ei->msg_en);
    yz_buf b;
    yz_buf_init(&b);
    yz_buf_puts(&b, "{\"tags\":[");
    for (size_t i = 0; i < rv->ntags; i++) {
        const yz_rating_tag *t = &rv->tags[i];
        yz_buf_puts(&b, i ? ",{\"code\":" : "{\"code\":");
        yz_buf_json_str(&b, t->code, strlen(t->code));
        render_text(&b, "label", t->label);
        render_text(&b, "label_hant", t->label_hant);
        render_text(&b, "label_en", t->label_en);
        yz_buf_printf(&b, ",\"positive\":%s}", t->positive ? "true" : "false");
    }
    yz_buf_puts(&b, "]}\n");
    rv->tags_json = yz_buf_take(&b);
    uint64_t h = fnv1a(14695981039346656037u, rv->tags_json);

    yz_modword_row *rows = NULL;
    size_t nrows = 0;
    yz_errinfo wei;
    yz_err_clear(&wei);
    int werr = yz_store_moderation_words(api->st, &rows, &nrows, &wei);
    if (werr) {
        yz_log(YZ_LOG_ERROR, "reviews: word lists: %s", wei.msg_en);
        if (!err) {
            err = werr;
            *ei = wei;
        }
    }
    yz_modword *words = yz_calloc(nrows + 1, sizeof *words);
    size_t nw = 0;
    for (size_t i = 0; i < nrows; i++) {
        char weight[16];
        snprintf(weight, sizeof weight, "%d", rows[i].weight);
        h = fnv1a(fnv1a(fnv1a(h, rows[i].word), rows[i].kind), weight);
        int kind = yz_modword_kind_parse(rows[i].kind);
        if (kind >= 0)
            words[nw++] = (yz_modword){rows[i].word, kind, rows[i].weight};
    }
    if (yz_modrules_build(yz_state_thread_norm(), words, nw, &rv->rules, &wei)) {
        yz_log(YZ_LOG_ERROR, "reviews: word lists: %s", wei.msg_en);
        yz_modrules_build(yz_state_thread_norm(), NULL, 0, &rv->rules, &wei);
    }
    rv->digest = h;
    yz_free(words);
    yz_modword_rows_free(rows, nrows);
    *out = rv;
    return err;
}

void yz__api_register_reviews(yz_api *api, yz_http_server *srv)
{
    struct yz_api_reviews *rv = yz_calloc(1, sizeof *rv);
    struct lists *l;
    yz_errinfo ei;
    load(api, &l, &ei); /* on a store error the area still serves, with what loaded (logged) */
    atomic_init(&rv->cur, l);
    pthread_mutex_init(&rv->reload_mu, NULL);
    api->reviews = rv;
    yz_http_route(srv, "POST", "/api/v1/stations/{}/ratings", "ratings_create", h_rate, api);
    yz_http_route(srv, "GET", "/api/v1/stations/{}/reviews", "reviews_list", h_reviews, api);
    yz_http_route(srv, "GET", "/api/v1/rating-tags", "rating_tags", h_tags, api);
    yz_http_route(srv, "GET", "/api/v1/moderation/held", "moderation_held", h_held, api);
    yz_http_route(srv, "POST", "/api/v1/moderation/{}/approve", "moderation_approve", h_approve,
                  api);
    yz_http_route(srv, "POST", "/api/v1/moderation/{}/reject", "moderation_reject", h_reject, api);
}

int yz__api_reload_reviews(yz_api *api, bool *changed, yz_errinfo *ei)
{
    struct yz_api_reviews *rv = api->reviews;
    *changed = false;
    if (!rv)
        return YZ_OK;
    pthread_mutex_lock(&rv->reload_mu);
    struct lists *cur = atomic_load_explicit(&rv->cur, memory_order_acquire);
    struct lists *l;
    int err = load(api, &l, ei);
    if (err || l->digest == cur->digest) {
        lists_free(l); /* a failed read keeps what was serving; an unchanged one adds nothing */
    } else {
        l->older = cur;
        atomic_store_explicit(&rv->cur, l, memory_order_release);
        *changed = true;
        yz_log_info("reviews: reloaded %zu rating tags and %zu words", l->ntags,
                    yz_modrules_count(l->rules));
    }
    pthread_mutex_unlock(&rv->reload_mu);
    return err;
}

void yz__api_free_reviews(yz_api *api)
{
    struct yz_api_reviews *rv = api->reviews;
    if (!rv)
        return;
    api->reviews = NULL;
    lists_free(atomic_load(&rv->cur));
    pthread_mutex_destroy(&rv->reload_mu);
    yz_free(rv);
}

const struct yz_modrules *yz__api_modrules(yz_api *api)
{
    return api->reviews ? cur_lists(api)->rules : NULL;
}
