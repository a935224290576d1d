/* SPDX-License-Identifier: MIT */
/* api/reviews.c - ratings and reviews: POST /api/v1/stations/{id}/ratings (worker token),
 * GET /api/v1/stations/{id}/reviews, GET /api/v1/rating-tags, and the moderators' queue under
 * /api/v1/moderation (admin token). Every review text is screened (catalog/moderation.h)
 * before it is public. Per-station star counts and sums live in memory as one atomic word a
 * station, so that the `rating` member of every nearby result costs one load and no lock. */
#include "api/api_int.h"
#include "api/params.h"

#include "catalog/moderation.h"
#include "core/alloc.h"
#include "core/log.h"
#include "core/time.h"
#include "core/utf8.h"
#include "store/reviews.h"

#include <errno.h>
#include <stdint.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TEXT_MAX_CHARS 2000
#define NOTE_MAX_CHARS 500
#define PRIOR_WEIGHT 5.0 /* C of the Bayesian average: a new station counts as 5 average votes */
#define PRIOR_MEAN 3.5   /* m when nothing has been rated yet */

/* Aggregates: station id -> (count << 32 | sum) in chunks of CHUNK words allocated on first
 * write, so readers never wait and ids need not be dense. Ids past AGG_MAX_ID are not
 * aggregated (they render as unrated). */
enum { CHUNK_BITS = 12, CHUNK = 1 << CHUNK_BITS, TOP = 4096 };
#define AGG_MAX_ID ((int64_t)CHUNK * TOP - 1)

struct yz_api_reviews {
    yz_modrules *rules;  /* immutable after register */
    yz_rating_tag *tags; /* immutable after register */
    size_t ntags;
    char *tags_json; /* the body of GET /api/v1/rating-tags */
    _Atomic(_Atomic uint64_t *) chunk[TOP];
    _Atomic uint64_t total; /* every counted rating: count << 32 | sum, as per station */
};

/* ---- aggregates ------------------------------------------------------------------------------ */

static _Atomic uint64_t *agg_slot(struct yz_api_reviews *r, int64_t id, bool create)
{
    if (id <= 0 || id > AGG_MAX_ID)
        return NULL;
    size_t top = (size_t)id >> CHUNK_BITS;
    _Atomic uint64_t *c = atomic_load_explicit(&r->chunk[top], memory_order_acquire);
    if (!c && create) {
        _Atomic uint64_t *fresh = yz_calloc(CHUNK, sizeof *fresh);
        _Atomic uint64_t *expect = NULL;
        if (atomic_compare_exchange_strong(&r->chunk[top], &expect, fresh))
            c = fresh;
        else {
            yz_free(fresh);
            c = expect;
        }
    }
    return c ? &c[(size_t)id & (CHUNK - 1)] : NULL;
}

/* Add `count` ratings of `sum` stars (either may be negative). */
static void agg_add(struct yz_api_reviews *r, int64_t id, int64_t count, int64_t sum)
{
    if (!count && !sum)
        return;
    uint64_t delta = (uint64_t)count * ((uint64_t)1 << 32) + (uint64_t)sum;
    _Atomic uint64_t *slot = agg_slot(r, id, true);
    if (slot)
        atomic_fetch_add_explicit(slot, delta, memory_order_relaxed);
    atomic_fetch_add_explicit(&r->total, delta, memory_order_relaxed);
}

static void agg_read(const _Atomic uint64_t *p, int64_t *count, int64_t *sum)
{
    uint64_t v = p ? atomic_load_explicit(p, memory_order_relaxed) : 0;
    *count = (int64_t)(v >> 32);
    *sum = (int64_t)(v & 0xFFFFFFFFu);
    /* Writers add their deltas after their commits, in any order: for an instant a replace
     * may be counted before the rating it replaces, which shows here as a borrow. The word
     * is right again once both have added; until then show the station as unrated. */
    if (*sum < *count || *sum > 5 * *count || *count > INT32_MAX) {
        *count = 0;
        *sum = 0;
    }
}

static void render_agg(struct yz_api_reviews *r, int64_t station_id, yz_buf *b)
{
    int64_t n, sum, gn, gsum;
    agg_read(agg_slot(r, station_id, false), &n, &sum);
    agg_read(&r->total, &gn, &gsum);
    double m = gn ? (double)gsum / (double)gn : PRIOR_MEAN;
    double score = (PRIOR_WEIGHT * m + (double)sum) / (PRIOR_WEIGHT + (double)n);
    yz_buf_puts(b, "{\"avg\":");
    if (n)
        yz_buf_fixed(b, (double)sum / (double)n, 2);
    else
        yz_buf_puts(b, "null");
    yz_buf_puts(b, ",\"count\":");
    yz_buf_int(b, n);
    yz_buf_puts(b, ",\"score\":");
    yz_buf_fixed(b, score, 2);
    yz_buf_putc(b, '}');
}

void yz__api_render_rating(yz_api *api, int64_t station_id, yz_buf *b)
{
    if (!api->reviews)
        return;
    yz_buf_puts(b, ",\"rating\":");
    render_agg(api->reviews, station_id, b);
}

/* ---- reload (another node changed ratings) ----------------------------------------------------
 *
 * Another yizhan node sharing the store rated or moderated: make every slot hold the store's
 * (count, sum) again. Requests keep adding their deltas meanwhile (agg_add, after their
 * commits), so a plain store of the new value could overwrite a rating this process has just
 * added and lose it until the next reload. Instead each pass
 *   1. copies every slot's value `before` (ahead of the store's snapshot),
 *   2. reads the store's aggregates `target` (one GROUP BY, its own snapshot),
 *   3. moves each slot from `before` to `target` with a compare-and-swap, and adds the same
 *      difference to `total`.
 * A CAS that fails means a local write added to the slot during the pass; whether the store
 * already counted that write is unknown, so the slot is left as it is and the pass runs again
 * (at most RELOAD_PASSES times). In the last pass the slot gets the difference added instead
 * (target - before): the other nodes' changes arrive and the local write is kept. A local add
 * is therefore never overwritten. What remains is double counting, never loss: a local write
 * whose commit the store's snapshot saw but whose add lands only after the CAS (its thread
 * stalled between COMMIT and agg_add for the whole pass), or, in the last pass, a racing
 * write the snapshot had seen. Both are rare and last until the next reload, which any
 * further rating on another node brings. Another pass also runs when `total` moved during
 * this one (local writes coincided with it), which narrows the first window further.
 * Stations with ids past AGG_MAX_ID have no slot; they stay as loaded at start plus this
 * process's writes. Runs on the store's watcher thread, one reload at a time. */
enum { RELOAD_PASSES = 4 };

static uint64_t agg_word(int64_t count, int64_t sum)
{
    return (uint64_t)count * ((uint64_t)1 << 32) + (uint64_t)sum;
}

/* One pass over every slot (see above). `last`: add differences where a CAS fails. Returns
 * 1 when another pass should follow, 0 when done, or a negative error (logged). */
static int reload_pass(yz_api *api, struct yz_api_reviews *rv, bool last)
{
    uint64_t **before = yz_calloc(TOP, sizeof *before);
    uint64_t **target = yz_calloc(TOP, sizeof *target);
    uint64_t total0 = atomic_load_explicit(&rv->total, memory_order_relaxed);
    for (size_t top = 0; top < TOP; top++) {
        _Atomic uint64_t *c = atomic_load_explicit(&rv->chunk[top], memory_order_acquire);
        if (!c)
            continue;
        before[top] = yz_calloc(CHUNK, sizeof **before);
        for (size_t i = 0; i < CHUNK; i++)
            before[top][i] = atomic_load_explicit(&c[i], memory_order_relaxed);
    }

    yz_errinfo ei;
    yz_err_clear(&ei);
    yz_rating_agg *agg = NULL;
    size_t nagg = 0;
    int ret = yz_store_rating_aggregates(api->st, &agg, &nagg, &ei);
    if (ret) {
        yz_log_error("reviews: reloading aggregates: %s", ei.msg_en);
        goto out;
    }
    for (size_t k = 0; k < nagg; k++) {
        if (!agg_slot(rv, agg[k].station_id, true))
            continue; /* past AGG_MAX_ID */
        size_t top = (size_t)agg[k].station_id >> CHUNK_BITS;
        if (!target[top])
            target[top] = yz_calloc(CHUNK, sizeof **target);
        target[top][(size_t)agg[k].station_id & (CHUNK - 1)] = agg_word(agg[k].count, agg[k].sum);
    }

    uint64_t moved = 0; /* added to the slots by this pass */
    size_t raced = 0;   /* slots a local write changed during the pass */
    for (size_t top = 0; top < TOP; top++) {
        _Atomic uint64_t *c = atomic_load_explicit(&rv->chunk[top], memory_order_acquire);
        if (!c)
            continue;
        for (size_t i = 0; i < CHUNK; i++) {
            uint64_t b = before[top] ? before[top][i] : 0; /* a chunk made since held zeros */
            uint64_t t = target[top] ? target[top][i] : 0;
            uint64_t expect = b;
            if (b == t && atomic_load_explicit(&c[i], memory_order_relaxed) == b)
                continue;
            if (atomic_compare_exchange_strong_explicit(&c[i], &expect, t, memory_order_relaxed,
                                                        memory_order_relaxed)) {
                moved += t - b;
            } else if (expect != t) {
                raced++;
                if (last) {
                    atomic_fetch_add_explicit(&c[i], t - b, memory_order_relaxed);
                    moved += t - b;
                }
            }
        }
    }
    if (moved)
        atomic_fetch_add_explicit(&rv->total, moved, memory_order_relaxed);
    uint64_t local = atomic_load_explicit(&rv->total, memory_order_relaxed) - total0 - moved;
    ret = raced || local ? 1 : 0;
    if (raced)
        yz_log(YZ_LOG_DEBUG, "reviews: reload raced with %zu local ratings%s", raced,
               last ? " (differences added)" : "");
out:
    for (size_t top = 0; top < TOP; top++) {
        yz_free(before[top]);
        yz_free(target[top]);
    }
    yz_free(before);
    yz_free(target);
    yz_free(agg);
    return ret;
}

void yz__api_reload_rating(yz_api *api, int64_t station_id)
{
    struct yz_api_reviews *rv = api->reviews;
    _Atomic uint64_t *slot = rv ? agg_slot(rv, station_id, true) : NULL;
    if (!slot)
        return;
    /* The single-slot form of reload_pass: move the slot from what it held to the store's
     * value; if a rating made here changed it meanwhile, read again; the last time, add the
     * difference so that the local rating is not overwritten. */
    for (int pass = 0; pass < RELOAD_PASSES; pass++) {
        uint64_t before = atomic_load_explicit(slot, memory_order_relaxed);
        yz_rating_agg a;
        yz_errinfo ei;
        if (yz_store_rating_aggregate(api->st, station_id, &a, &ei)) {
            yz_log_error("reviews: reloading station %lld: %s", (long long)station_id, ei.msg_en);
            return;
        }
        uint64_t t = agg_word(a.count, a.sum), expect = before;
        bool last = pass == RELOAD_PASSES - 1;
        if (atomic_compare_exchange_strong_explicit(slot, &expect, t, memory_order_relaxed,
                                                    memory_order_relaxed) ||
            last) {
            if (expect != before) /* the last pass lost the race: keep the local delta */
                atomic_fetch_add_explicit(slot, t - before, memory_order_relaxed);
            atomic_fetch_add_explicit(&rv->total, t - before, memory_order_relaxed);
            return;
        }
    }
}

void yz__api_reload_ratings(yz_api *api)
{
    struct yz_api_reviews *rv = api->reviews;
    if (!rv)
        return;
    for (int pass = 0; pass < RELOAD_PASSES; pass++)
        if (reload_pass(api, rv, pass == RELOAD_PASSES - 1) <= 0)
            break;
}

/* ---- helpers --------------------------------------------------------------------------------- */

static bool admin_ok(yz_api *api, yz_http_req *req, yz_errinfo *ei)
{
    return yz__api_check_admin(api, req, ei) == YZ_OK;
}

/* The station named by path capture 0 (an id or a code): its id, code and UTC offset. */
static int station_of(yz_api *api, yz_http_req *req, int64_t *id, char code[48], int *tz_min,
                      yz_errinfo *ei)
{
    const yz_snap *s = yz_catalog_acquire(api->cat);
    long i = yz__api_find_station(s, req, ei);
    int err = YZ_OK;
    if (i < 0) {
        err = YZ_ENOTFOUND;
    } else {
        const yz_station *st = yz_snap_station(s, (size_t)i);
        *id = st->id;
        snprintf(code, 48, "%s", st->code ? st->code : "");
        *tz_min = yz_snap_tz_offset(s, (size_t)i);
    }
    yz_catalog_release(api->cat, s);
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

static int parse_rating(struct yz_api_reviews *rv, json_t *body, yz_rating *r, yz_buf *tags,
                        yz_errinfo *ei)
{
    if (!json_is_object(body))
        return yz_err_set(ei, YZ_EINVAL, "body", "请求体须为 JSON 对象",
                          "the body must be a JSON object");
    const char *key;
    json_t *v;
    bool have_stars = false;
    json_object_foreach(body, key, v)
    {
        if (!strcmp(key, "stars")) {
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
    return YZ_OK;
}

/* Screen r->text and set its status, reasons and hash. */
static int screen(yz_api *api, yz_rating *r, unsigned *reasons, yz_errinfo *ei)
{
    *reasons = 0;
    if (!r->text) {
        r->status = YZ_REVIEW_NONE;
        return YZ_OK;
    }
    yz_buf scratch;
    yz_buf_init(&scratch);
    yz_modverdict v;
    int err = yz_mod_screen(api->reviews->rules, yz_api_thread_norm(), r->text, &scratch, &v, ei);
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
    int err = yz__api_worker(api, req, &w, &ei);
    if (!err)
        err = station_of(api, req, &station_id, code, &tz, &ei);
    if (!err)
        err = yz__api_parse_json(req, &body, &ei);
    if (!err)
        err = parse_rating(api->reviews, body, &r, &tags, &ei);
    if (!err)
        err = screen(api, &r, &reasons, &ei);
    if (err)
        goto fail;
    int64_t now = yz_time_now();
    r.station_id = station_id;
    r.worker_id = w.id;
    r.day = (int32_t)((now + (int64_t)tz * 60) / 86400);
    r.tags = tags.len ? yz_buf_take(&tags) : yz_strdup("");
    yz_rating_delta d;
    err = yz_store_rate(api->st, &r, &d, &ei);
    if (err)
        goto fail;
    agg_add(api->reviews, station_id, d.count, d.sum);
    yz_buf b;
    yz_buf_init(&b);
    yz_buf_printf(&b, "{\"rating\":{\"id\":%lld,\"station_id\":%lld,\"stars\":%d,\"tags\":",
                  (long long)r.id, (long long)station_id, r.stars);
    render_tags(&b, r.tags);
    render_text(&b, "text", r.text);
    if (r.text) {
        yz_buf_printf(&b, ",\"status\":\"%s\",\"reasons\":", yz_review_status_name(r.status));
        yz_mod_reasons_json(reasons, &b);
    }
    render_time(&b, "created_at", r.created_at);
    yz_buf_printf(&b, "},\"replaced\":%s,\"station\":{\"id\":%lld,\"code\":",
                  d.replaced ? "true" : "false", (long long)station_id);
    yz_buf_json_str(&b, code, strlen(code));
    yz__api_render_rating(api, station_id, &b);
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
        err = station_of(api, req, &station_id, code, &tz, &ei);
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
        yz_buf_putc(&b, '}');
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
    yz_buf_puts(&b, api->reviews->tags_json);
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
    int err = admin_ok(api, req, &ei) ? YZ_OK : ei.code;
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
    const yz_snap *s = yz_catalog_acquire(api->cat);
    for (size_t i = 0; i < n; i++) {
        yz_buf_printf(&b, "%s{\"id\":%lld,\"station_id\":%lld", i ? "," : "", (long long)a[i].id,
                      (long long)a[i].station_id);
        long k = yz_snap_find_id(s, a[i].station_id);
        const yz_station *st = k >= 0 ? yz_snap_station(s, (size_t)k) : NULL;
        render_text(&b, "station_code", st ? st->code : NULL);
        render_text(&b, "station_name", st ? st->name : NULL);
        yz_buf_printf(&b, ",\"stars\":%d,\"tags\":", a[i].stars);
        render_tags(&b, a[i].tags);
        render_text(&b, "text", a[i].text);
        yz_buf_puts(&b, ",\"status\":\"held\",\"reasons\":");
        yz_mod_reasons_json(yz_mod_reasons_parse(a[i].reasons), &b);
        render_time(&b, "created_at", a[i].created_at);
        yz_buf_putc(&b, '}');
    }
    yz_catalog_release(api->cat, s);
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

static void moderate(yz_api *api, yz_http_req *req, int status)
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
    int err = admin_ok(api, req, &ei) ? YZ_OK : ei.code;
    if (!err && (!p || !*p || *end || errno || id <= 0))
        err = yz_err_set(&ei, YZ_ENOTFOUND, "id", "评价不存在", "review not found");
    if (!err)
        err = parse_note(req, &body, &note, &ei);
    if (!err)
        err = yz_store_moderate(api->st, id, status, note, &r, &d, &ei);
    if (err) {
        json_decref(body);
        yz_api_error(req, &ei);
        return;
    }
    agg_add(api->reviews, d.station_id, d.count, d.sum);
    yz_buf b;
    yz_buf_init(&b);
    yz_buf_printf(&b, "{\"id\":%lld,\"station_id\":%lld,\"stars\":%d,\"status\":\"%s\"",
                  (long long)r.id, (long long)r.station_id, r.stars,
                  yz_review_status_name(r.status));
    yz_buf_puts(&b, ",\"reasons\":");
    yz_mod_reasons_json(yz_mod_reasons_parse(r.reasons), &b);
    render_text(&b, "note", r.moderator_note);
    render_time(&b, "moderated_at", r.moderated_at);
    yz__api_render_rating(api, r.station_id, &b);
    yz_buf_puts(&b, "}\n");
    yz_rating_fini(&r);
    json_decref(body);
    yz__api_ok(req, &b);
}

static void h_approve(void *ctx, yz_http_req *req)
{
    moderate(ctx, req, YZ_REVIEW_PUBLISHED);
}

static void h_reject(void *ctx, yz_http_req *req)
{
    moderate(ctx, req, YZ_REVIEW_REJECTED);
}

/* ---- lifecycle ------------------------------------------------------------------------------- */

/* Load the tags, the word lists and the aggregates. On a store error the area still serves,
 * with what loaded (logged). */
static void load(yz_api *api, struct yz_api_reviews *rv)
{
    yz_errinfo ei;
    yz_err_clear(&ei);
    if (yz_store_rating_tags(api->st, &rv->tags, &rv->ntags, &ei))
        yz_log(YZ_LOG_ERROR, "reviews: tags: %s", ei.msg_en);
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

    yz_modword_row *rows = NULL;
    size_t nrows = 0;
    if (yz_store_moderation_words(api->st, &rows, &nrows, &ei))
        yz_log(YZ_LOG_ERROR, "reviews: word lists: %s", ei.msg_en);
    yz_modword *words = yz_calloc(nrows + 1, sizeof *words);
    size_t nw = 0;
    for (size_t i = 0; i < nrows; i++) {
        int kind = yz_modword_kind_parse(rows[i].kind);
        if (kind >= 0)
            words[nw++] = (yz_modword){rows[i].word, kind, rows[i].weight};
    }
    if (yz_modrules_build(yz_api_thread_norm(), words, nw, &rv->rules, &ei)) {
        yz_log(YZ_LOG_ERROR, "reviews: word lists: %s", ei.msg_en);
        yz_modrules_build(yz_api_thread_norm(), NULL, 0, &rv->rules, &ei);
    }
    yz_free(words);
    yz_modword_rows_free(rows, nrows);

    yz_rating_agg *agg = NULL;
    size_t nagg = 0;
    if (yz_store_rating_aggregates(api->st, &agg, &nagg, &ei))
        yz_log(YZ_LOG_ERROR, "reviews: aggregates: %s", ei.msg_en);
    for (size_t i = 0; i < nagg; i++)
        agg_add(rv, agg[i].station_id, agg[i].count, agg[i].sum);
    yz_free(agg);
}

void yz__api_register_reviews(yz_api *api, yz_http_server *srv)
{
    struct yz_api_reviews *rv = yz_calloc(1, sizeof *rv);
    load(api, rv);
    api->reviews = rv;
    yz_http_route(srv, "POST", "/api/v1/stations/{}/ratings", "ratings_create", h_rate, api);
    yz_http_route(srv, "GET", "/api/v1/stations/{}/reviews", "reviews_list", h_reviews, api);
    yz_http_route(srv, "GET", "/api/v1/rating-tags", "rating_tags", h_tags, api);
    yz_http_route(srv, "GET", "/api/v1/moderation/held", "moderation_held", h_held, api);
    yz_http_route(srv, "POST", "/api/v1/moderation/{}/approve", "moderation_approve", h_approve,
                  api);
    yz_http_route(srv, "POST", "/api/v1/moderation/{}/reject", "moderation_reject", h_reject, api);
}

void yz__api_free_reviews(yz_api *api)
{
    struct yz_api_reviews *rv = api->reviews;
    if (!rv)
        return;
    api->reviews = NULL;
    yz_modrules_free(rv->rules);
    yz_rating_tags_free(rv->tags, rv->ntags);
    yz_free(rv->tags_json);
    for (size_t i = 0; i < TOP; i++)
        yz_free((void *)atomic_load(&rv->chunk[i]));
    yz_free(rv);
}

const struct yz_modrules *yz__api_modrules(yz_api *api)
{
    return api->reviews ? api->reviews->rules : NULL;
}
