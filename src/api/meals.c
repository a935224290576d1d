/* SPDX-License-Identifier: MIT */
/* api/meals.c - 10-yuan meals: canteens and their daily offers (admin writes, public reads),
 * workers' orders (one a day across all canteens, returning a pickup code) and redemption by
 * the canteen (its `canteen` users), and the staff views of offers and orders for the console
 * (quota, withdrawal, a day's orders, the pickup-code lookup). The rules live in the store
 * (store/meals.h); this file parses, checks input and renders (docs/internals/meals.md). */
#include "api/api_int.h"
#include "api/params.h"

#include "catalog/catalog.h"
#include "core/alloc.h"
#include "core/time.h"
#include "core/utf8.h"
#include "store/meals.h"

#include <errno.h>
#include <sodium.h>
#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define NAME_MAX_CHARS 100
#define ADDRESS_MAX_CHARS 200
#define DISH_MAX_CHARS 100
#define DISH_EN_MAX_CHARS 200
#define PRICE_MAX_CENTS 100000 /* 1,000 yuan: anything above is a typo */
#define QUOTA_MAX 100000
#define OFFER_DAYS_AHEAD 60 /* offers may be published up to this many days ahead */
#define DEFAULT_RADIUS_M 5000.0
#define SWEEP_EVERY_S 600 /* mark expired orders at most this often */

struct yz_api_meals {
    _Atomic int64_t last_sweep; /* unix seconds of the last sweep of expired orders */
};

/* --- input ------------------------------------------------------------------------------------ */

/* A string member: UTF-8 (jansson checked it), 1..max_chars code points. */
static int want_text(json_t *v, const char *field, size_t max_chars, const char **out,
                     yz_errinfo *ei)
{
    if (!json_is_string(v))
        return yz_err_setf(ei, YZ_EINVAL, field, "%s 须为字符串", "%s must be a string", field);
    const char *s = json_string_value(v);
    size_t len = json_string_length(v), chars = 0;
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        size_t k = yz_utf8_decode(s + i, len - i, &cp);
        if (!k || cp < 0x20)
            return yz_err_setf(ei, YZ_EINVAL, field, "%s 含有无效字符",
                               "%s contains invalid characters", field);
        i += k;
        chars++;
    }
    if (chars == 0 || strspn(s, " ") == len)
        return yz_err_setf(ei, YZ_EINVAL, field, "%s 不能为空", "%s must not be empty", field);
    if (chars > max_chars)
        return yz_err_setf(ei, YZ_EINVAL, field, "%s 最多 %zu 个字符",
                           "%s must be at most %zu characters", field, max_chars);
    *out = s;
    return YZ_OK;
}

static int want_int(json_t *v, const char *field, long long lo, long long hi, long long *out,
                    yz_errinfo *ei)
{
    if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi)
        return yz_err_setf(ei, YZ_EINVAL, field, "%s 须为 %lld 到 %lld 之间的整数",
                           "%s must be an integer from %lld to %lld", field, lo, hi);
    *out = json_integer_value(v);
    return YZ_OK;
}

static int want_number(json_t *v, const char *field, double lo, double hi, double *out,
                       yz_errinfo *ei)
{
    if (!json_is_number(v) || !isfinite(json_number_value(v)) || json_number_value(v) < lo ||
        json_number_value(v) > hi)
        return yz_err_setf(ei, YZ_EINVAL, field, "%s 须为 %g 到 %g 之间的数",
                           "%s must be a number from %g to %g", field, lo, hi);
    *out = json_number_value(v);
    return YZ_OK;
}

static int required(json_t *obj, const char *field, json_t **v, yz_errinfo *ei)
{
    *v = json_object_get(obj, field);
    if (!*v || json_is_null(*v))
        return yz_err_setf(ei, YZ_EINVAL, field, "缺少字段 %s", "%s is required", field);
    return YZ_OK;
}

/* The positive integer id in path capture 0; YZ_ENOTFOUND (field id) with `zh`/`en`
 * otherwise. */
static int path_id(yz_http_req *req, const char *zh, const char *en, int64_t *id, yz_errinfo *ei)
{
    const char *p = yz_http_param(req, 0);
    if (p && *p >= '1' && *p <= '9') {
        char *end;
        errno = 0;
        long long v = strtoll(p, &end, 10);
        if (!*end && !errno) {
            *id = v;
            return YZ_OK;
        }
    }
    return yz_err_set(ei, YZ_ENOTFOUND, "id", zh, en);
}

/* --- rendering ------------------------------------------------------------------------------ */

static void put_iso(yz_buf *b, const char *key, int64_t t)
{
    char iso[32];
    yz_buf_printf(b, ",\"%s\":", key);
    if (!t) {
        yz_buf_puts(b, "null");
        return;
    }
    yz_time_format_iso8601(t, YZ_MEAL_TZ_OFFSET_MIN, iso);
    yz_buf_printf(b, "\"%s\"", iso);
}

static void put_str(yz_buf *b, const char *key, const char *v)
{
    yz_buf_printf(b, ",\"%s\":", key);
    if (v)
        yz_buf_json_str(b, v, strlen(v));
    else
        yz_buf_puts(b, "null");
}

/* put_str, in traditional characters with lang=zh-Hant. */
static void put_text(yz_buf *b, const char *key, const char *v, int lang)
{
    yz_buf_printf(b, ",\"%s\":", key);
    yz__api_append_lang(b, v, v ? strlen(v) : 0, lang, true);
}

static void render_canteen(yz_buf *b, const yz_canteen *c, int lang)
{
    char opens[6], closes[6];
    yz_meal_format_hhmm(c->opens_min, opens);
    yz_meal_format_hhmm(c->closes_min, closes);
    yz_buf_printf(b, "{\"id\":%lld", (long long)c->id);
    put_text(b, "name", c->name, lang);
    put_text(b, "address", c->address, lang);
    if (c->station_id)
        yz_buf_printf(b, ",\"station_id\":%lld", (long long)c->station_id);
    else
        yz_buf_puts(b, ",\"station_id\":null");
    yz_buf_puts(b, ",\"lat\":");
    yz_buf_fixed(b, c->lat, 7);
    yz_buf_puts(b, ",\"lon\":");
    yz_buf_fixed(b, c->lon, 7);
    yz_buf_printf(b, ",\"crs\":\"wgs84\",\"opens\":\"%s\",\"closes\":\"%s\",\"tz\":\"%s\"", opens,
                  closes, YZ_MEAL_TZ);
    put_iso(b, "created_at", c->created_at);
    yz_buf_putc(b, '}');
}

static void render_offer(yz_buf *b, const yz_meal_offer *o, double distance_m, int lang)
{
    char date[11];
    yz_meal_format_date(o->day, date);
    yz_buf_printf(b, "{\"id\":%lld,\"canteen_id\":%lld,\"date\":\"%s\"", (long long)o->id,
                  (long long)o->canteen_id, date);
    put_text(b, "dish", o->dish, lang);
    put_str(b, "dish_en", o->dish_en);
    yz_buf_printf(b, ",\"price_cents\":%d,\"quota\":%d,\"sold\":%d,\"remaining\":%d",
                  o->price_cents, o->quota, o->sold, o->withdrawn_at ? 0 : o->quota - o->sold);
    yz_buf_printf(b, ",\"version\":%lld", (long long)o->version);
    put_iso(b, "withdrawn_at", o->withdrawn_at);
    put_iso(b, "order_from", yz_meal_instant(o->day, o->canteen.opens_min));
    put_iso(b, "order_until", yz_meal_instant(o->day, o->canteen.closes_min));
    if (distance_m >= 0) {
        yz_buf_puts(b, ",\"distance_m\":");
        yz_buf_fixed(b, distance_m, 1);
    }
    yz_buf_puts(b, ",\"canteen\":");
    render_canteen(b, &o->canteen, lang);
    yz_buf_putc(b, '}');
}

/* A worker's pseudonym on a canteen's order list: 8 hex digits of a BLAKE2b hash of the day
 * and the worker (the same worker on another day is another pseudonym). */
static void order_pseudonym(const yz_meal_order *r, char out[12])
{
    unsigned char h[8];
    char in[64];
    int n = snprintf(in, sizeof in, "yz-order:%ld:%lld", (long)r->day, (long long)r->worker_id);
    crypto_generichash(h, sizeof h, (const unsigned char *)in, (size_t)n, NULL, 0);
    snprintf(out, 12, "w-%02x%02x%02x%02x", h[0], h[1], h[2], h[3]);
}

/* The worker's own view has the pickup code; staff views (`staff`) have a pseudonym of the
 * worker instead, and no code: a cashier must be shown the code by the worker. */
static void render_order_as(yz_buf *b, const yz_meal_order *r, int64_t now, bool staff)
{
    char date[11];
    yz_meal_format_date(r->day, date);
    yz_buf_printf(b, "{\"order_id\":%lld", (long long)r->id);
    if (staff) {
        char who[12];
        order_pseudonym(r, who);
        yz_buf_printf(b, ",\"worker\":\"%s\"", who);
    } else {
        yz_buf_printf(b, ",\"pickup_code\":\"%s\"", r->code);
    }
    yz_buf_printf(b, ",\"status\":\"%s\",\"date\":\"%s\"",
                  yz_meal_order_status_name(yz_meal_order_status(r, now)), date);
    put_iso(b, "created_at", r->created_at);
    put_iso(b, "expires_at", r->expires_at);
    put_iso(b, "redeemed_at", r->redeemed_at);
    yz_buf_puts(b, ",\"offer\":");
    render_offer(b, &r->offer, -1, YZ_LANG_HANS);
    yz_buf_putc(b, '}');
}

static void render_order(yz_buf *b, const yz_meal_order *r, int64_t now)
{
    render_order_as(b, r, now, false);
}

/* The target of canteen `c` for the permission table: the canteen, and the district of the
 * station it is at (for district admins' rows). */
static void canteen_target(yz_api *api, const yz_canteen *c, yz_target *t)
{
    memset(t, 0, sizeof *t);
    if (c->station_id)
        yz__api_target_station(api, c->station_id, t);
    t->station_id = 0; /* the record is the canteen, not the station */
    t->canteen_id = c->id;
}

/* Mark expired orders now and then, for statistics (the rules never depend on the mark). */
static void maybe_sweep(yz_api *api, int64_t now)
{
    int64_t last = atomic_load(&api->meals->last_sweep);
    if (now - last < SWEEP_EVERY_S ||
        !atomic_compare_exchange_strong(&api->meals->last_sweep, &last, now))
        return;
    yz_errinfo ei;
    yz_store_meal_sweep(api->st, now, NULL, &ei);
}

/* --- canteens -------------------------------------------------------------------------------- */

static const char *const canteen_fields[] = {"name", "address", "station_id", "lat",
                                             "lon",  "opens",   "closes",     NULL};

/* Fill `c` from the body; a station_id gives defaults for name, address and position. */
static int parse_canteen(yz_api *api, json_t *body, yz_canteen *c, yz_errinfo *ei)
{
    json_t *v;
    const char *name = NULL, *address = NULL;
    bool has_pos = false;
    long long sid = 0;
    int err = YZ_OK;
    if ((v = json_object_get(body, "station_id")) && !json_is_null(v))
        err = want_int(v, "station_id", 1, INT64_MAX, &sid, ei);
    if (!err && (v = json_object_get(body, "name")))
        err = want_text(v, "name", NAME_MAX_CHARS, &name, ei);
    if (!err && (v = json_object_get(body, "address")))
        err = want_text(v, "address", ADDRESS_MAX_CHARS, &address, ei);
    json_t *lat = json_object_get(body, "lat"), *lon = json_object_get(body, "lon");
    if (!err && (lat || lon)) {
        if (!lat || !lon)
            err = yz_err_set(ei, YZ_EINVAL, lat ? "lon" : "lat", "lat 和 lon 须同时给出",
                             "lat and lon must be given together");
        if (!err)
            err = want_number(lat, "lat", -90, 90, &c->lat, ei);
        if (!err)
            err = want_number(lon, "lon", -180, 180, &c->lon, ei);
        has_pos = true;
    }
    if (!err && sid) {
        const yz_state_view *view = yz_state_acquire(api->state);
        const yz_snap *s = yz_state_snap(view);
        long i = yz_snap_find_id(s, sid);
        if (i < 0) {
            err = yz_err_setf(ei, YZ_EINVAL, "station_id", "驿站 %lld 不存在",
                              "station %lld does not exist", sid);
        } else {
            yz_station stn_buf;
            const yz_station *stn = yz_snap_station_get(s, (size_t)i, &stn_buf);
            c->station_id = sid;
            c->name = yz_strdup(name ? name : stn->name);
            const char *addr = stn->address && *stn->address ? stn->address : stn->name;
            c->address = yz_strdup(address ? address : addr);
            if (!has_pos) {
                c->lat = stn->lat;
                c->lon = stn->lon;
                has_pos = true;
            }
        }
        yz_state_release(api->state, view);
    } else if (!err) {
        if (!name)
            err = yz_err_set(ei, YZ_EINVAL, "name", "缺少字段 name（或给出 station_id）",
                             "name is required (or give station_id)");
        else if (!address)
            err = yz_err_set(ei, YZ_EINVAL, "address", "缺少字段 address（或给出 station_id）",
                             "address is required (or give station_id)");
        else if (!has_pos)
            err = yz_err_set(ei, YZ_EINVAL, "lat", "缺少位置 lat/lon（WGS-84，或给出 station_id）",
                             "lat and lon (WGS-84) are required (or give station_id)");
        if (!err) {
            c->name = yz_strdup(name);
            c->address = yz_strdup(address);
        }
    }
    if (!err && (err = required(body, "opens", &v, ei)) == YZ_OK)
        err = yz_meal_parse_hhmm(json_is_string(v) ? json_string_value(v) : NULL, "opens",
                                 &c->opens_min, ei);
    if (!err && (err = required(body, "closes", &v, ei)) == YZ_OK)
        err = yz_meal_parse_hhmm(json_is_string(v) ? json_string_value(v) : NULL, "closes",
                                 &c->closes_min, ei);
    if (!err && c->opens_min >= 1440)
        err =
            yz_err_set(ei, YZ_EINVAL, "opens", "opens 须早于 24:00", "opens must be before 24:00");
    if (!err && c->closes_min <= c->opens_min)
        err = yz_err_set(ei, YZ_EINVAL, "closes", "closes 须晚于 opens（同一天内）",
                         "closes must be after opens (on the same day)");
    return err;
}

static void h_canteen_create(void *ctx, yz_http_req *req)
{
    yz_api *api = ctx;
    yz_errinfo ei;
    yz_err_clear(&ei);
    json_t *body = NULL;
    yz_canteen c = {0};
    int err = yz__api_authorize(api, req, "canteens_create", NULL, &ei);
    if (!err)
        err = yz__api_body_object(req, canteen_fields, &body, &ei);
    if (!err)
        err = parse_canteen(api, body, &c, &ei);
    if (!err)
        err = yz_store_canteen_create(api->st, &c, &ei);
    json_decref(body);
    if (err) {
        yz_canteen_fini(&c);
        yz_api_error(req, &ei);
        return;
    }
    yz_buf b;
    yz_buf_init(&b);
    render_canteen(&b, &c, YZ_LANG_HANS);
    yz_buf_putc(&b, '\n');
    yz_canteen_fini(&c);
    yz_http_respond(req, 201, YZ_JSON, &b);
}

static void h_canteen_list(void *ctx, yz_http_req *req)
{
    yz_api *api = ctx;
    yz_errinfo ei;
    yz_err_clear(&ei);
    yz_canteen *a = NULL;
    size_t n = 0;
    int err = yz__api_params(req, NULL, 0, NULL, &ei);
    if (!err)
        err = yz_store_canteen_list(api->st, &a, &n, &ei);
    if (err) {
        yz_api_error(req, &ei);
        return;
    }
    yz_buf b;
    yz_buf_init(&b);
    yz_buf_puts(&b, "{\"canteens\":[");
    for (size_t i = 0; i < n; i++) {
        if (i)
            yz_buf_putc(&b, ',');
        render_canteen(&b, &a[i], YZ_LANG_HANS);
    }
    yz_buf_printf(&b, "],\"count\":%zu}\n", n);
    yz_canteen_array_free(a, n);
    yz__api_ok(req, &b);
}

static void h_canteen_get(void *ctx, yz_http_req *req)
{
    yz_api *api = ctx;
    yz_errinfo ei;
    yz_err_clear(&ei);
    yz_canteen c = {0};
    int64_t id = 0;
    int err = path_id(req, "食堂不存在", "canteen not found", &id, &ei);
    if (!err)
        err = yz__api_params(req, NULL, 0, NULL, &ei);
    if (!err)
        err = yz_store_canteen_get(api->st, id, &c, &ei);
    if (err) {
        yz_api_error(req, &ei);
        return;
    }
    yz_buf b;
    yz_buf_init(&b);
    render_canteen(&b, &c, YZ_LANG_HANS);
    yz_buf_putc(&b, '\n');
    yz_canteen_fini(&c);
    yz__api_ok(req, &b);
}

/* --- offers ----------------------------------------------------------------------------------- */

static const char *const offer_fields[] = {"date", "dish", "dish_en", "price_cents", "quota", NULL};

static void h_offer_create(void *ctx, yz_http_req *req)
{
    yz_api *api = ctx;
    yz_errinfo ei;
    yz_err_clear(&ei);
    json_t *body = NULL, *v;
    yz_meal_offer o = {0};
    const char *dish = NULL, *dish_en = NULL;
    long long price = 0, quota = 0;
    int32_t today = yz_meal_day(yz_time_now());
    int err = yz__api_authorize(api, req, "offers_create", NULL, &ei);
    if (!err)
        err = path_id(req, "食堂不存在", "canteen not found", &o.canteen_id, &ei);
    if (!err)
        err = yz__api_authorize(api, req, "offers_create",
                                &(yz_target){.canteen_id = o.canteen_id}, &ei);
    if (!err)
        err = yz__api_body_object(req, offer_fields, &body, &ei);
    if (!err && (err = required(body, "date", &v, &ei)) == YZ_OK)
        err = yz_meal_parse_date(json_is_string(v) ? json_string_value(v) : NULL, "date", &o.day,
                                 &ei);
    if (!err && o.day < today)
        err = yz_err_set(&ei, YZ_EINVAL, "date", "不能发布过去日期的餐品",
                         "an offer cannot be published for a past date");
    if (!err && o.day > today + OFFER_DAYS_AHEAD)
        err = yz_err_setf(&ei, YZ_EINVAL, "date", "最多提前 %d 天发布", "at most %d days ahead",
                          OFFER_DAYS_AHEAD);
    if (!err && (err = required(body, "dish", &v, &ei)) == YZ_OK)
        err = want_text(v, "dish", DISH_MAX_CHARS, &dish, &ei);
    if (!err && (v = json_object_get(body, "dish_en")) && !json_is_null(v))
        err = want_text(v, "dish_en", DISH_EN_MAX_CHARS, &dish_en, &ei);
    if (!err && (err = required(body, "price_cents", &v, &ei)) == YZ_OK)
        err = want_int(v, "price_cents", 0, PRICE_MAX_CENTS, &price, &ei);
    if (!err && (err = required(body, "quota", &v, &ei)) == YZ_OK)
        err = want_int(v, "quota", 1, QUOTA_MAX, &quota, &ei);
    if (!err) {
        o.dish = yz_strdup(dish);
        o.dish_en = dish_en ? yz_strdup(dish_en) : NULL;
        o.price_cents = (int)price;
        o.quota = (int)quota;
        err = yz_store_offer_create(api->st, &o, &ei);
    }
    json_decref(body);
    if (err) {
        yz_meal_offer_fini(&o);
        yz_api_error(req, &ei);
        return;
    }
    yz_buf b;
    yz_buf_init(&b);
    render_offer(&b, &o, -1, YZ_LANG_HANS);
    yz_buf_putc(&b, '\n');
    yz_meal_offer_fini(&o);
    yz_http_respond(req, 201, YZ_JSON, &b);
}

typedef struct hit {
    yz_meal_offer *o;
    double distance_m;
} hit;

static int by_distance(const void *a, const void *b)
{
    const hit *x = a, *y = b;
    if (x->distance_m != y->distance_m)
        return x->distance_m < y->distance_m ? -1 : 1;
    return x->o->id < y->o->id ? -1 : x->o->id > y->o->id;
}

typedef struct offer_args {
    int32_t date;
    yz_point near;
    double radius_m;
    int lang;
} offer_args;

static const yz_param offer_params[] = {
    {"date", YZ_PARAM_DATE, offsetof(offer_args, date), 0, 0, 0, 0, NULL, NULL}, /* today */
    {"near", YZ_PARAM_POINT, offsetof(offer_args, near), 0, 0, 0, 0, NULL, NULL},
    {"radius_m", YZ_PARAM_NUMBER, offsetof(offer_args, radius_m), 0, YZ_API_MAX_RADIUS_M,
     DEFAULT_RADIUS_M, YZ_PARAM_ABOVE_LO, NULL, NULL},
    {"lang", YZ_PARAM_WORD, offsetof(offer_args, lang), 0, 0, YZ_LANG_HANS, 0,
     yz__api_lang_parse, "zh-Hans, zh-Hant, en"},
};

static void h_offer_list(void *ctx, yz_http_req *req)
{
    yz_api *api = ctx;
    yz_errinfo ei;
    yz_err_clear(&ei);
    offer_args q;
    yz_meal_offer *a = NULL;
    size_t n = 0;
    int err = YZ_API_PARAMS(req, offer_params, &q, &ei);
    bool near = yz__api_param_given(req, "near");
    if (!err && yz__api_param_given(req, "radius_m") && !near)
        err = yz_err_set(&ei, YZ_EINVAL, "radius_m", "radius_m 须与 near 一起使用",
                         "radius_m needs near");
    int32_t day = q.date;
    yz_point at = q.near;
    double radius_m = q.radius_m;
    if (!err)
        err = yz_store_offer_list(api->st, day, &a, &n, &ei);
    if (err) {
        yz_api_error(req, &ei);
        return;
    }
    hit *hits = yz_calloc(n ? n : 1, sizeof *hits);
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        double d =
            near ? yz_coord_distance_m(at, (yz_point){a[i].canteen.lat, a[i].canteen.lon}) : -1;
        if (!near || d <= radius_m)
            hits[m++] = (hit){&a[i], d};
    }
    if (near)
        qsort(hits, m, sizeof *hits, by_distance);
    char date[11];
    yz_meal_format_date(day, date);
    yz_buf b;
    yz_buf_init(&b);
    yz_buf_printf(&b, "{\"date\":\"%s\",\"offers\":[", date);
    for (size_t i = 0; i < m; i++) {
        if (i)
            yz_buf_putc(&b, ',');
        render_offer(&b, hits[i].o, hits[i].distance_m, q.lang);
    }
    yz_buf_printf(&b, "],\"count\":%zu}\n", m);
    yz_free(hits);
    yz_meal_offer_array_free(a, n);
    yz__api_ok(req, &b);
}

static void h_offer_get(void *ctx, yz_http_req *req)
{
    yz_api *api = ctx;
    yz_errinfo ei;
    yz_err_clear(&ei);
    yz_meal_offer o = {0};
    int64_t id = 0;
    int err = path_id(req, "餐品不存在", "offer not found", &id, &ei);
    if (!err)
        err = yz__api_params(req, NULL, 0, NULL, &ei);
    if (!err)
        err = yz_store_offer_get(api->st, id, &o, &ei);
    if (err) {
        if (err == YZ_ENOTFOUND)
            snprintf(ei.field, sizeof ei.field, "id");
        yz_api_error(req, &ei);
        return;
    }
    yz_buf b;
    yz_buf_init(&b);
    render_offer(&b, &o, -1, YZ_LANG_HANS);
    yz_buf_putc(&b, '\n');
    yz_meal_offer_fini(&o);
    yz__api_ok(req, &b);
}

/* --- orders ----------------------------------------------------------------------------------- */

static const char *const order_fields[] = {"offer_id", NULL};

static void h_order_create(void *ctx, yz_http_req *req)
{
    yz_api *api = ctx;
    yz_errinfo ei;
    yz_err_clear(&ei);
    json_t *body = NULL, *v;
    yz_worker w;
    yz_meal_order r = {0};
    long long offer_id = 0;
    int64_t now = yz_time_now();
    int err = yz__api_worker(api, req, &w, &ei);
    if (!err)
        err = yz__api_body_object(req, order_fields, &body, &ei);
    if (!err && (err = required(body, "offer_id", &v, &ei)) == YZ_OK)
        err = want_int(v, "offer_id", 1, INT64_MAX, &offer_id, &ei);
    json_decref(body);
    if (!err)
        err = yz_store_order_create(api->st, w.id, offer_id, now, &r, &ei);
    if (err) {
        yz_api_error(req, &ei);
        return;
    }
    maybe_sweep(api, now);
    yz_buf b;
    yz_buf_init(&b);
    render_order(&b, &r, now);
    yz_buf_putc(&b, '\n');
    yz_meal_order_fini(&r);
    yz_http_respond(req, 201, YZ_JSON, &b);
}

static void h_order_list(void *ctx, yz_http_req *req)
{
    yz_api *api = ctx;
    yz_errinfo ei;
    yz_err_clear(&ei);
    yz_worker w;
    yz_meal_order *a = NULL;
    size_t n = 0;
    int64_t now = yz_time_now();
    int err = yz__api_worker(api, req, &w, &ei);
    if (!err)
        err = yz__api_params(req, NULL, 0, NULL, &ei);
    if (!err)
        err = yz_store_order_list(api->st, w.id, &a, &n, &ei);
    if (err) {
        yz_api_error(req, &ei);
        return;
    }
    yz_buf b;
    yz_buf_init(&b);
    yz_buf_puts(&b, "{\"orders\":[");
    for (size_t i = 0; i < n; i++) {
        if (i)
            yz_buf_putc(&b, ',');
        render_order(&b, &a[i], now);
    }
    yz_buf_printf(&b, "],\"count\":%zu}\n", n);
    yz_meal_order_array_free(a, n);
    yz__api_ok(req, &b);
}

static const char *const redeem_fields[] = {"pickup_code", NULL};

static void h_redeem(void *ctx, yz_http_req *req)
{
    yz_api *api = ctx;
    yz_errinfo ei;
    yz_err_clear(&ei);
    json_t *body = NULL, *v;
    yz_meal_order r = {0};
    int64_t canteen_id = 0, now = yz_time_now();
    char code[YZ_PICKUP_CODE_LEN + 1];
    int err = yz__api_authorize(api, req, "orders_redeem", NULL, &ei);
    if (!err)
        err = path_id(req, "食堂不存在", "canteen not found", &canteen_id, &ei);
    if (!err)
        err = yz__api_authorize(api, req, "orders_redeem",
                                &(yz_target){.canteen_id = canteen_id}, &ei);
    if (!err)
        err = yz__api_body_object(req, redeem_fields, &body, &ei);
    if (!err && (err = required(body, "pickup_code", &v, &ei)) == YZ_OK &&
        !yz_meal_code_normalise(json_is_string(v) ? json_string_value(v) : NULL, code))
        err = yz_err_set(&ei, YZ_EINVAL, "pickup_code",
                         "取餐码须为 6 位字母数字（不含 0、O、1、I、L）",
                         "pickup_code must be 6 letters or digits (without 0, O, 1, I, L)");
    json_decref(body);
    if (!err)
        err = yz_store_order_redeem(api->st, canteen_id, code, now, &r, &ei);
    maybe_sweep(api, now);
    if (err) {
        yz_api_error(req, &ei);
        return;
    }
    /* The record is the order; before, it was open and not redeemed (else no redeem). */
    yz__api_audit_record(req, "order", r.id, NULL);
    yz_buf b;
    yz_buf_init(&b);
    int64_t at = r.redeemed_at;
    r.redeemed_at = 0;
    render_order_as(&b, &r, now, true);
    yz__api_audit_before(req, b.data);
    yz_buf_reset(&b);
    r.redeemed_at = at;
    render_order(&b, &r, now);
    yz_buf_putc(&b, '\n');
    yz_meal_order_fini(&r);
    yz__api_ok(req, &b);
}

/* --- staff: an offer's quota and withdrawal, a canteen's orders ---------------------------- */

static const char *const offer_patch_fields[] = {"quota", "withdrawn", NULL};

static void h_offer_patch(void *ctx, yz_http_req *req)
{
    yz_api *api = ctx;
    yz_errinfo ei;
    yz_err_clear(&ei);
    json_t *body = NULL, *v;
    yz_meal_offer o = {0}, cur = {0};
    int64_t id = 0, version = 0;
    long long quota = 0;
    bool withdraw = false;
    int err = yz__api_authorize(api, req, "offer_patch", NULL, &ei);
    if (!err)
        err = path_id(req, "餐品不存在", "offer not found", &id, &ei);
    if (!err)
        err = yz__api_if_match(req, true, 1, &version, &ei);
    if (!err)
        err = yz__api_body_object(req, offer_patch_fields, &body, &ei);
    if (!err && (v = json_object_get(body, "quota")))
        err = want_int(v, "quota", 1, QUOTA_MAX, &quota, &ei);
    if (!err && (v = json_object_get(body, "withdrawn"))) {
        if (!json_is_true(v))
            err = yz_err_set(&ei, YZ_EINVAL, "withdrawn", "withdrawn 只能为 true（撤下后不能恢复）",
                             "withdrawn can only be true (a withdrawn offer stays withdrawn)");
        withdraw = true;
    }
    if (!err && !quota && !withdraw)
        err = yz_err_set(&ei, YZ_EINVAL, "quota", "须给出 quota 或 withdrawn",
                         "give quota or withdrawn");
    json_decref(body);
    if (!err)
        err = yz_store_offer_get(api->st, id, &cur, &ei);
    if (err == YZ_ENOTFOUND)
        snprintf(ei.field, sizeof ei.field, "id");
    if (!err) {
        yz_target t;
        canteen_target(api, &cur.canteen, &t);
        err = yz__api_authorize(api, req, "offer_patch", &t, &ei);
    }
    if (!err) {
        yz_buf b;
        yz_buf_init(&b);
        render_offer(&b, &cur, -1, YZ_LANG_HANS);
        yz__api_audit_before(req, b.data);
        yz_buf_fini(&b);
        err = yz_store_offer_update(api->st, id, version, (int)quota, withdraw, yz_time_now(), &o,
                                    &ei);
    }
    yz_meal_offer_fini(&cur);
    if (err) {
        yz_api_error(req, &ei);
        return;
    }
    yz_buf b;
    yz_buf_init(&b);
    render_offer(&b, &o, -1, YZ_LANG_HANS);
    yz_buf_putc(&b, '\n');
    char etag[32];
    snprintf(etag, sizeof etag, "\"%lld\"", (long long)o.version);
    yz_http_add_header(req, "ETag", etag);
    yz_meal_offer_fini(&o);
    yz__api_ok(req, &b);
}

#define CANTEEN_ORDERS_MAX 5000

static int status_parse(const char *s)
{
    for (int k = YZ_ORDER_OPEN; k <= YZ_ORDER_EXPIRED; k++)
        if (s && strcmp(s, yz_meal_order_status_name(k)) == 0)
            return k;
    return -1;
}

typedef struct corders_args {
    int32_t date;
    int status;
    const char *pickup_code;
} corders_args;

static const yz_param corders_params[] = {
    {"date", YZ_PARAM_DATE, offsetof(corders_args, date), 0, 0, 0, 0, NULL, NULL}, /* today */
    {"status", YZ_PARAM_WORD, offsetof(corders_args, status), 0, 0, -1, 0, status_parse,
     "open, redeemed, expired"},
    {"pickup_code", YZ_PARAM_TEXT, offsetof(corders_args, pickup_code), 0, 64, 0, 0, NULL, NULL},
};

/* GET /api/v1/canteens/{id}/orders?date=&status=&pickup_code=: the canteen's orders of a day
 * (default today), or those with a pickup code, newest first (on any day unless `date` is
 * given: the canteen screen shows the order a redeem would find, and says when it is another
 * day's). Workers appear as pseudonyms; codes are not listed. */
static void h_canteen_orders(void *ctx, yz_http_req *req)
{
    yz_api *api = ctx;
    yz_errinfo ei;
    yz_err_clear(&ei);
    yz_canteen c = {0};
    corders_args q;
    yz_meal_order *a = NULL;
    size_t n = 0;
    int64_t id = 0, now = yz_time_now();
    char code[YZ_PICKUP_CODE_LEN + 1];
    int err = yz__api_authorize(api, req, "canteen_orders", NULL, &ei);
    if (!err)
        err = path_id(req, "食堂不存在", "canteen not found", &id, &ei);
    if (!err)
        err = YZ_API_PARAMS(req, corders_params, &q, &ei);
    if (!err && q.pickup_code && !yz_meal_code_normalise(q.pickup_code, code))
        err = yz_err_set(&ei, YZ_EINVAL, "pickup_code",
                         "取餐码须为 6 位字母数字（不含 0、O、1、I、L）",
                         "pickup_code must be 6 letters or digits (without 0, O, 1, I, L)");
    if (!err)
        err = yz_store_canteen_get(api->st, id, &c, &ei);
    if (!err) {
        yz_target t;
        canteen_target(api, &c, &t);
        err = yz__api_authorize(api, req, "canteen_orders", &t, &ei);
    }
    /* a code without a date: its latest order on any day (as a redeem finds it) */
    bool any_day = !err && q.pickup_code && !yz__api_param_given(req, "date");
    if (!err)
        err = yz_store_canteen_orders(api->st, id, any_day ? -1 : q.date,
                                      q.pickup_code ? code : NULL, CANTEEN_ORDERS_MAX, &a, &n, &ei);
    yz_canteen_fini(&c);
    if (err) {
        yz_api_error(req, &ei);
        return;
    }
    char date[11];
    yz_meal_format_date(q.date, date);
    yz_buf b;
    yz_buf_init(&b);
    if (any_day)
        yz_buf_printf(&b, "{\"canteen_id\":%lld,\"date\":null,\"orders\":[", (long long)id);
    else
        yz_buf_printf(&b, "{\"canteen_id\":%lld,\"date\":\"%s\",\"orders\":[", (long long)id, date);
    size_t shown = 0;
    for (size_t i = 0; i < n; i++) {
        if (q.status >= 0 && yz_meal_order_status(&a[i], now) != q.status)
            continue;
        if (shown++)
            yz_buf_putc(&b, ',');
        render_order_as(&b, &a[i], now, true);
    }
    yz_buf_printf(&b, "],\"count\":%zu}\n", shown);
    yz_meal_order_array_free(a, n);
    yz__api_ok(req, &b);
}

void yz__api_register_meals(yz_api *api, yz_http_server *srv)
{
    api->meals = yz_calloc(1, sizeof *api->meals);
    yz_http_route(srv, "POST", "/api/v1/canteens", "canteens_create", h_canteen_create, api);
    yz_http_route(srv, "GET", "/api/v1/canteens", "canteens_list", h_canteen_list, api);
    yz_http_route(srv, "GET", "/api/v1/canteens/{}", "canteens_get", h_canteen_get, api);
    yz_http_route(srv, "POST", "/api/v1/canteens/{}/offers", "offers_create", h_offer_create, api);
    yz_http_route(srv, "POST", "/api/v1/canteens/{}/redeem", "orders_redeem", h_redeem, api);
    yz_http_route(srv, "GET", "/api/v1/offers", "offers_list", h_offer_list, api);
    yz_http_route(srv, "GET", "/api/v1/offers/{}", "offers_get", h_offer_get, api);
    yz_http_route(srv, "PATCH", "/api/v1/offers/{}", "offer_patch", h_offer_patch, api);
    yz_http_route(srv, "GET", "/api/v1/canteens/{}/orders", "canteen_orders", h_canteen_orders,
                  api);
    yz_http_route(srv, "POST", "/api/v1/orders", "orders_create", h_order_create, api);
    yz_http_route(srv, "GET", "/api/v1/orders", "orders_list", h_order_list, api);
}

void yz__api_free_meals(yz_api *api)
{
    yz_free(api->meals);
    api->meals = NULL;
}
