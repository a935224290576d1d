/* SPDX-License-Identifier: MIT */
/* api/visits.c - check-in by QR code: each station's QR code (SVG, PNG) pointing to
 * <public_url>/s/<code>, a printable A5 poster, POST /api/v1/visits for workers (durable
 * group commit in the store, 2-hour rule) and GET /api/v1/stats/visits; and the purger, a
 * thread that deletes check-ins past their retention once an hour, keeping their counts. See
 * docs/internals/visits.md. */
#include "api/api_int.h"
#include "api/params.h"

#include "core/alloc.h"
#include "core/log.h"
#include "core/time.h"
#include "core/utf8.h"
#include "live/ingest.h"
#include "store/screens.h"
#include "store/visits.h"

#include <errno.h>
#include <png.h>
#include <pthread.h>
#include <qrencode.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define QUIET 4             /* modules of white around the code, as ISO/IEC 18004 asks */
#define PNG_SCALE_DEFAULT 8 /* pixels a module */
#define PNG_SCALE_MAX 16   /* 16 px a module: a 600 px image, plenty for print (the poster uses
                            * the SVG); 32 cost 23 ms of CPU an image */
#define PNG_CACHE_N 512    /* cached PNGs at most ... */
#define PNG_CACHE_BYTES (8u << 20) /* ... and bytes at most (a scale-16 code is ~2-5 KB) */
#define STATS_DEFAULT_DAYS 30
#define STATS_MAX_DAYS 3660
#define CODE_MAX 32
#define SHANGHAI_OFFSET_MIN 480
#define PURGE_INTERVAL_S 3600 /* the purger runs at start, then this often */

/* One rendered PNG: what it was made from (a station edit bumps the version, so an entry of
 * an older version is never found again and ages out) and its bytes. */
typedef struct png_entry {
    int64_t id, version; /* the station's id and version */
    long scale;          /* pixels a module */
    unsigned char *png;  /* owned; NULL = free slot */
    size_t len;          /* bytes */
    uint64_t used;       /* tick of the last hit, for LRU */
} png_entry;

struct yz_api_visits {
    char *base;             /* public_url without a trailing '/' */
    uint32_t base_hash;     /* FNV-1a of base: part of the ETag, as the code encodes it */
    pthread_mutex_t png_mu; /* guards the cache below */
    png_entry png[PNG_CACHE_N];
    size_t png_bytes; /* sum of the entries' len */
    uint64_t tick;
    uint64_t png_hits, png_misses; /* for tests and metrics */
    /* the purger */
    pthread_t purger;
    bool purger_running;
    pthread_mutex_t mu;  /* guards stop */
    pthread_cond_t wake; /* signalled on stop */
    bool stop;
};

/* --- small helpers ------------------------------------------------------------------------ */

static void xml_esc(yz_buf *b, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&': yz_buf_puts(b, "&amp;"); break;
        case '<': yz_buf_puts(b, "&lt;"); break;
        case '>': yz_buf_puts(b, "&gt;"); break;
        case '"': yz_buf_puts(b, "&quot;"); break;
        case '\'': yz_buf_puts(b, "&#39;"); break;
        default: yz_buf_putc(b, *s);
        }
    }
}

/* --- QR code -------------------------------------------------------------------------------- */

/* The check-in link of station `code`. Returns owned. */
static char *checkin_url(const yz_api *api, const char *code)
{
    yz_buf b;
    yz_buf_init(&b);
    yz_buf_puts(&b, api->visits->base);
    yz_buf_puts(&b, "/s/");
    yz_buf_puts(&b, code);
    return yz_buf_take(&b);
}

/* Encode `url` (byte mode, error correction M: survives some dirt on a printed poster).
 * Returns owned (QRcode_free), or NULL when the text is too long for any version. */
static QRcode *encode(const char *url)
{
    return QRcode_encodeString8bit(url, 0, QR_ECLEVEL_M);
}

/* Append the QR code as SVG: one path of horizontal runs over a white square, with the quiet
 * zone. `px` > 0 sets width and height in pixels; 0 leaves the size to the page's CSS. */
static void render_svg(yz_buf *b, const QRcode *qr, const char *url, int px)
{
    int w = qr->width, total = w + 2 * QUIET;
    yz_buf_printf(b,
                  "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" viewBox=\"0 0 %d "
                  "%d\"",
                  total, total);
    if (px > 0)
        yz_buf_printf(b, " width=\"%d\" height=\"%d\"", px, px);
    yz_buf_printf(b, " shape-rendering=\"crispEdges\" data-qr-version=\"%d\"><title>", qr->version);
    xml_esc(b, url);
    yz_buf_printf(
        b, "</title><rect width=\"%d\" height=\"%d\" fill=\"#fff\"/><path fill=\"#000\" d=\"",
        total, total);
    for (int y = 0; y < w; y++) {
        const unsigned char *row = qr->data + (size_t)y * (size_t)w;
        for (int x = 0; x < w;) {
            if (!(row[x] & 1)) {
                x++;
                continue;
            }
            int run = 1;
            while (x + run < w && (row[x + run] & 1))
                run++;
            yz_buf_printf(b, "M%d %dh%dv1h-%dz", x + QUIET, y + QUIET, run, run);
            x += run;
        }
    }
    yz_buf_puts(b, "\"/></svg>");
}

/* Encode the station's link, or fill `ei`. */
static QRcode *station_qr(yz_api *api, const char *code, char **url, yz_errinfo *ei)
{
    *url = checkin_url(api, code);
    QRcode *qr = encode(*url);
    if (!qr) {
        yz_err_set(ei, YZ_EINTERNAL, "", "无法生成二维码（公开网址过长？）",
                   "cannot make the QR code (is the public URL too long?)");
        yz_free(*url);
        *url = NULL;
    }
    return qr;
}

/* What a QR answer needs of the station, copied out of the snapshot (so that no snapshot is
 * held while rendering). */
typedef struct station_ref {
    char code[CODE_MAX + 8];
    int64_t id, version;
} station_ref;

static int station_ref_of(yz_api *api, yz_http_req *req, station_ref *ref, yz_errinfo *ei)
{
    const yz_state_view *view = yz_state_acquire(api->state);
    const yz_snap *s = yz_state_snap(view);
    long i = yz__api_find_station(s, req, ei);
    if (i >= 0) {
        yz_station st_buf;
        const yz_station *st = yz_snap_station_get(s, (size_t)i, &st_buf);
        snprintf(ref->code, sizeof ref->code, "%s", st->code);
        ref->id = st->id;
        ref->version = st->version;
    }
    yz_state_release(api->state, view);
    return i < 0 ? ei->code : YZ_OK;
}

/* The station's code copied out of the snapshot, or an error. */
static int station_code_of(yz_api *api, yz_http_req *req, char code[CODE_MAX + 8], yz_errinfo *ei)
{
    station_ref ref;
    int err = station_ref_of(api, req, &ref, ei);
    if (!err)
        memcpy(code, ref.code, sizeof ref.code);
    return err;
}

static void h_qr_svg(void *ctx, yz_http_req *req)
{
    yz_api *api = ctx;
    yz_errinfo ei;
    yz_err_clear(&ei);
    char code[CODE_MAX + 8], *url = NULL;
    int err = yz__api_params(req, NULL, 0, NULL, &ei);
    if (!err)
        err = station_code_of(api, req, code, &ei);
    QRcode *qr = err ? NULL : station_qr(api, code, &url, &ei);
    if (!qr) {
        yz_api_error(req, &ei);
        return;
    }
    yz_buf b;
    yz_buf_init(&b);
    yz_buf_puts(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    render_svg(&b, qr, url, (qr->width + 2 * QUIET) * PNG_SCALE_DEFAULT);
    yz_buf_putc(&b, '\n');
    QRcode_free(qr);
    yz_free(url);
    yz_http_add_header(req, "Cache-Control", "public, max-age=3600");
    yz_http_respond(req, 200, "image/svg+xml", &b);
}

typedef struct png_args {
    long scale; /* pixels a module */
} png_args;

static const yz_param png_params[] = {
    {"scale", YZ_PARAM_INT, offsetof(png_args, scale), 1, PNG_SCALE_MAX, PNG_SCALE_DEFAULT, 0, NULL,
     NULL},
};

/* --- the PNG cache ---------------------------------------------------------------------------
 * A PNG at scale 16 costs milliseconds of CPU, and one client asking for it in a loop slowed
 * every nearby search: rendered images are kept, keyed by station id, version and scale, at
 * most PNG_CACHE_N of them and PNG_CACHE_BYTES in all, the least recently used going first.
 * A station edit bumps its version, so its old image is never served again. A miss renders
 * in one of the HTTP layer's expensive slots (yz_http_expensive_begin). */

/* Copy the cached PNG into `out` and return true, or false when none is cached. */
static bool png_cache_get(struct yz_api_visits *v, const station_ref *ref, long scale, yz_buf *out)
{
    bool hit = false;
    pthread_mutex_lock(&v->png_mu);
    for (size_t i = 0; i < PNG_CACHE_N; i++) {
        png_entry *e = &v->png[i];
        if (e->png && e->id == ref->id && e->version == ref->version && e->scale == scale) {
            e->used = ++v->tick;
            yz_buf_append(out, (const char *)e->png, e->len);
            hit = true;
            break;
        }
    }
    if (hit)
        v->png_hits++;
    else
        v->png_misses++;
    pthread_mutex_unlock(&v->png_mu);
    return hit;
}

static void png_drop(struct yz_api_visits *v, png_entry *e)
{
    v->png_bytes -= e->len;
    yz_free(e->png);
    e->png = NULL;
    e->len = 0;
}

/* Keep a copy of `png` (len bytes), evicting the least recently used entries to make room. */
static void png_cache_put(struct yz_api_visits *v, const station_ref *ref, long scale,
                          const unsigned char *png, size_t len)
{
    if (len > PNG_CACHE_BYTES / 4)
        return;
    unsigned char *copy = yz_malloc(len);
    memcpy(copy, png, len);
    pthread_mutex_lock(&v->png_mu);
    /* Drop the station's image at this scale: an older version, or a twin from a racing miss. */
    for (size_t i = 0; i < PNG_CACHE_N; i++) {
        png_entry *e = &v->png[i];
        if (e->png && e->id == ref->id && e->scale == scale)
            png_drop(v, e);
    }
    /* Then evict the least recently used until there is a free slot and room for `len`.
     * Some entry is there to evict: no free slot means all are taken, and no room means
     * png_bytes > 0 (len is at most a quarter of the budget). */
    png_entry *slot;
    for (;;) {
        png_entry *lru = NULL;
        slot = NULL;
        for (size_t i = 0; i < PNG_CACHE_N; i++) {
            png_entry *e = &v->png[i];
            if (!e->png)
                slot = slot ? slot : e;
            else if (!lru || e->used < lru->used)
                lru = e;
        }
        if (slot && v->png_bytes + len <= PNG_CACHE_BYTES)
            break;
        png_drop(v, lru);
    }
    *slot = (png_entry){ref->id, ref->version, scale, copy, len, ++v->tick};
    v->png_bytes += len;
    pthread_mutex_unlock(&v->png_mu);
}

/* The PNG of `qr`, `scale` pixels a module, 8-bit grey, written by libpng's simplified API.
 * Returns owned bytes (yz_free) and *len, or NULL. */
static unsigned char *render_png(const QRcode *qr, long scale, size_t *len)
{
    int total = qr->width + 2 * QUIET;
    size_t side = (size_t)total * (size_t)scale;
    unsigned char *px = yz_malloc(side * side);
    memset(px, 255, side * side);
    for (int y = 0; y < qr->width; y++)
        for (int x = 0; x < qr->width; x++)
            if (qr->data[(size_t)y * (size_t)qr->width + (size_t)x] & 1)
                for (long dy = 0; dy < scale; dy++)
                    memset(px + ((size_t)(y + QUIET) * (size_t)scale + (size_t)dy) * side +
                               (size_t)(x + QUIET) * (size_t)scale,
                           0, (size_t)scale);
    png_image img;
    memset(&img, 0, sizeof img);
    img.version = PNG_IMAGE_VERSION;
    img.width = (png_uint_32)side;
    img.height = (png_uint_32)side;
    img.format = PNG_FORMAT_GRAY;
    png_alloc_size_t size = 0;
    unsigned char *png = NULL;
    int ok = png_image_write_to_memory(&img, NULL, &size, 0, px, 0, NULL);
    if (ok) {
        png = yz_malloc(size);
        ok = png_image_write_to_memory(&img, png, &size, 0, px, 0, NULL);
    }
    png_image_free(&img);
    yz_free(px);
    if (!ok) {
        yz_free(png);
        return NULL;
    }
    *len = size;
    return png;
}

static void h_qr_png(void *ctx, yz_http_req *req)
{
    yz_api *api = ctx;
    struct yz_api_visits *v = api->visits;
    yz_errinfo ei;
    yz_err_clear(&ei);
    station_ref ref;
    png_args a = {PNG_SCALE_DEFAULT};
    int err = YZ_API_PARAMS(req, png_params, &a, &ei);
    if (!err)
        err = station_ref_of(api, req, &ref, &ei);
    if (err) {
        yz_api_error(req, &ei);
        return;
    }
    /* The validator: what the image is made of (station, version, scale, public URL). */
    char etag[96];
    snprintf(etag, sizeof etag, "\"qr-%lld-%lld-%ld-%08x\"", (long long)ref.id,
             (long long)ref.version, a.scale, (unsigned)v->base_hash);
    yz_http_add_header(req, "ETag", etag);
    yz_http_add_header(req, "Cache-Control", "public, max-age=3600");
    yz_buf b;
    yz_buf_init(&b);
    if (yz_http_etag_matches(req, etag)) {
        yz_http_respond(req, 304, "image/png", &b);
        return;
    }
    if (png_cache_get(v, &ref, a.scale, &b)) {
        yz_http_add_header(req, "X-Cache", "hit");
        yz_http_respond(req, 200, "image/png", &b);
        return;
    }
    if (yz_http_expensive_begin(req)) /* answered 503: all expensive slots are taken */
        return;
    char *url = NULL;
    QRcode *qr = station_qr(api, ref.code, &url, &ei);
    if (!qr) {
        yz_api_error(req, &ei);
        return;
    }
    size_t len = 0;
    unsigned char *png = render_png(qr, a.scale, &len);
    QRcode_free(qr);
    yz_free(url);
    if (!png) {
        yz_err_set(&ei, YZ_EINTERNAL, "", "无法生成 PNG 图片", "cannot write the PNG image");
        yz_api_error(req, &ei);
        return;
    }
    png_cache_put(v, &ref, a.scale, png, len);
    yz_buf_append(&b, (const char *)png, len);
    yz_free(png);
    yz_http_add_header(req, "X-Cache", "miss");
    yz_http_respond(req, 200, "image/png", &b);
}

/* --- the A5 poster ------------------------------------------------------------------------- */

/* The poster's stylesheet is served on its own (GET /api/v1/poster.css), never inline: every
 * HTML answer's Content-Security-Policy allows styles from this server only. */
static const char poster_css[] =
    "@page{size:A5 portrait;margin:10mm}"
    "*{box-sizing:border-box}"
    "html,body{margin:0;padding:0;background:#fff;color:#111}"
    "body{font-family:\"Noto Sans CJK SC\",\"Source Han Sans SC\",\"PingFang SC\","
    "\"Microsoft YaHei\",sans-serif;-webkit-print-color-adjust:exact;print-color-adjust:exact}"
    ".poster{width:128mm;min-height:188mm;margin:0 auto;padding:6mm 4mm;text-align:center;"
    "border:1.2mm solid #c8102e;border-radius:4mm;display:flex;flex-direction:column;"
    "align-items:center;break-inside:avoid;page-break-inside:avoid}"
    ".org{font-size:11pt;color:#c8102e;margin:0 0 2mm;letter-spacing:.1em}"
    "h1{font-size:22pt;line-height:1.25;margin:2mm 0}"
    ".addr{font-size:11pt;margin:0 0 4mm;color:#333}"
    ".qr{width:92mm;height:92mm;margin:2mm auto}"
    ".qr svg{width:100%;height:100%;display:block}"
    ".cta{font-size:20pt;font-weight:bold;margin:4mm 0 2mm}"
    ".code{font-size:14pt;font-family:monospace;margin:2mm 0}"
    ".url{font-size:9pt;color:#555;word-break:break-all;margin:1mm 0 0}"
    "@media screen{body{background:#eee;padding:10mm 0}.poster{background:#fff}}\n";

static void h_poster_css(void *ctx, yz_http_req *req)
{
    (void)ctx;
    yz_http_add_header(req, "Cache-Control", "public, max-age=86400");
    yz_http_respond_static(req, 200, "text/css; charset=utf-8", poster_css, sizeof poster_css - 1);
}

static void h_poster(void *ctx, yz_http_req *req)
{
    yz_api *api = ctx;
    yz_errinfo ei;
    yz_err_clear(&ei);
    char *url = NULL;
    int err = yz__api_params(req, NULL, 0, NULL, &ei);
    if (err) {
        yz_api_error(req, &ei);
        return;
    }
    const yz_state_view *view = yz_state_acquire(api->state);
    const yz_snap *s = yz_state_snap(view);
    long i = yz__api_find_station(s, req, &ei);
    if (i < 0) {
        yz_state_release(api->state, view);
        yz_api_error(req, &ei);
        return;
    }
    yz_station st_buf;
    const yz_station *st = yz_snap_station_get(s, (size_t)i, &st_buf);
    QRcode *qr = station_qr(api, st->code, &url, &ei);
    if (!qr) {
        yz_state_release(api->state, view);
        yz_api_error(req, &ei);
        return;
    }
    yz_buf b;
    yz_buf_init(&b);
    yz_buf_puts(&b, "<!DOCTYPE html>\n<html lang=\"zh-Hans\"><head><meta charset=\"utf-8\">"
                    "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
                    "<title>");
    xml_esc(&b, st->name);
    yz_buf_puts(&b, " · 扫码签到</title><link rel=\"stylesheet\" href=\"/api/v1/poster.css\">"
                    "</head><body><main class=\"poster\">"
                    "<p class=\"org\">户外劳动者服务驿站 · Outdoor Workers' Station</p><h1>");
    xml_esc(&b, st->name);
    yz_buf_puts(&b, "</h1><p class=\"addr\">");
    if (st->district_name && *st->district_name) {
        xml_esc(&b, st->district_name);
        yz_buf_putc(&b, ' ');
    }
    xml_esc(&b, st->address ? st->address : "");
    yz_buf_puts(&b, "</p><div class=\"qr\">");
    render_svg(&b, qr, url, 0);
    yz_buf_puts(&b, "</div><p class=\"cta\">扫码签到 · Scan to check in</p>"
                    "<p class=\"code\">站点编号 Code: ");
    xml_esc(&b, st->code);
    yz_buf_puts(&b, "</p><p class=\"url\">");
    xml_esc(&b, url);
    yz_buf_puts(&b, "</p></main></body></html>\n");
    yz_state_release(api->state, view);
    QRcode_free(qr);
    yz_free(url);
    yz_http_respond(req, 200, "text/html; charset=utf-8", &b);
}

/* --- POST /api/v1/visits ------------------------------------------------------------------- */

/* The rotating code a station screen shows ("<step>.<8 digits>", store/screens.h): longer
 * than this is malformed whatever it holds. */
#define T_MAX 32

/* The body's station_code into `code` and its rotating code `t` (optional: "" when absent). */
static int parse_visit_body(yz_http_req *req, char code[CODE_MAX + 1], char t[T_MAX + 1],
                            yz_errinfo *ei)
{
    json_t *body = NULL;
    int err = yz__api_parse_json(req, &body, ei);
    if (err)
        return err;
    const char *key;
    json_t *v, *c = NULL, *tv = NULL;
    t[0] = '\0';
    if (!json_is_object(body)) {
        err = yz_err_set(ei, YZ_EINVAL, "body", "请求体须为 JSON 对象",
                         "the body must be a JSON object");
        goto out;
    }
    json_object_foreach(body, key, v)
    {
        if (strcmp(key, "t") == 0) {
            tv = v;
            continue;
        }
        if (strcmp(key, "station_code") != 0) {
            if (yz_utf8_valid(key, strlen(key)) && strlen(key) <= 30)
                err = yz_err_setf(ei, YZ_EINVAL, key, "未知字段 %s", "unknown field %s", key);
            else
                err = yz_err_set(ei, YZ_EINVAL, "body", "未知字段", "unknown field");
            goto out;
        }
        c = v;
    }
    if (!c) {
        err = yz_err_set(ei, YZ_EINVAL, "station_code", "缺少驿站编号 station_code",
                         "station_code is required");
        goto out;
    }
    const char *sc = json_string_value(c);
    size_t n = sc ? strlen(sc) : 0;
    if (!sc || n == 0 || n > CODE_MAX) {
        err = yz_err_setf(ei, YZ_EINVAL, "station_code", "驿站编号须为 1 到 %d 个字符的字符串",
                          "station_code must be a string of 1 to %d characters", CODE_MAX);
        goto out;
    }
    memcpy(code, sc, n + 1);
    if (tv) {
        const char *ts = json_string_value(tv);
        size_t tn = ts ? strlen(ts) : 0;
        if (!ts || tn == 0 || tn > T_MAX) {
            yz_ingest_count_refusal(YZ_INGEST_REFUSED_CODE);
            err = yz_err_setf(ei, YZ_EINVAL, "t", "签到码 t 须为 1 到 %d 个字符的字符串",
                              "t must be a string of 1 to %d characters", T_MAX);
            goto out;
        }
        memcpy(t, ts, tn + 1);
    }
out:
    json_decref(body);
    return err;
}

/* A check-in waiting for its commit: what the answer needs, copied out of the snapshot. The
 * request is deferred (yz_http_defer), so the wait holds no handler thread; the store's
 * committer answers through visit_done. */
typedef struct pending_visit {
    yz_http_req *req;
    yz_visit v;
    char *name, *code;
    int offset;
} pending_visit;

static void visit_done(void *arg, int err, const yz_errinfo *ei)
{
    pending_visit *p = arg;
    if (err) {
        yz_api_error(p->req, ei);
    } else {
        char at[32];
        yz_time_format_iso8601(p->v.at, p->offset, at);
        yz_buf b;
        yz_buf_init(&b);
        yz_buf_printf(&b, "{\"id\":%lld,\"station\":{\"id\":%lld,\"code\":", (long long)p->v.id,
                      (long long)p->v.station_id);
        yz_buf_json_str(&b, p->code, strlen(p->code));
        yz_buf_puts(&b, ",\"name\":");
        yz_buf_json_str(&b, p->name, strlen(p->name));
        yz_buf_printf(&b, "},\"counted\":%s,\"verified\":%s,\"at\":\"%s\",",
                      p->v.counted ? "true" : "false", p->v.verified ? "true" : "false", at);
        if (p->v.counted)
            yz_buf_puts(&b, "\"message\":\"签到成功\",\"message_en\":\"checked in\"}\n");
        else
            yz_buf_puts(&b, "\"message\":\"签到成功；2 小时内在本站已签到过，本次不重复计数\","
                            "\"message_en\":\"checked in; you already checked in here within 2 "
                            "hours, so this visit is not counted again\"}\n");
        yz_http_respond(p->req, p->v.counted ? 201 : 200, YZ_JSON, &b);
    }
    yz_free(p->name);
    yz_free(p->code);
    yz_free(p);
}

static void h_visit(void *ctx, yz_http_req *req)
{
    yz_api *api = ctx;
    yz_errinfo ei;
    yz_err_clear(&ei);
    yz_worker w;
    char code[CODE_MAX + 1], t[T_MAX + 1];
    int err = yz__api_worker_checkin(api, req, &w, &ei);
    if (!err)
        err = parse_visit_body(req, code, t, &ei);
    if (err) {
        yz_api_error(req, &ei);
        return;
    }

    /* Copy what the answer needs out of the snapshot: none is held while the commit waits. */
    const yz_state_view *view = yz_state_acquire(api->state);
    const yz_snap *s = yz_state_snap(view);
    long i = yz_snap_find_code(s, code);
    pending_visit *p = NULL;
    if (i < 0) {
        err = yz_err_setf(&ei, YZ_ENOTFOUND, "station_code", "驿站编号 %s 不存在",
                          "no station has the code %s", code);
    } else {
        yz_station st_buf;
        const yz_station *st = yz_snap_station_get(s, (size_t)i, &st_buf);
        if (!yz_station_in_service(st)) {
            err = yz_err_setf(
                &ei, YZ_ECONFLICT, "station_code", "驿站 %s 未在服务中（%s），不能签到",
                "station %s is not in service (%s): no check-in", code, yz_status_name(st->status));
        } else {
            p = yz_calloc(1, sizeof *p);
            p->req = req;
            p->v.worker_id = w.id;
            p->v.station_id = st->id;
            p->name = yz_strdup(st->name);
            p->code = yz_strdup(st->code);
            p->offset = yz_snap_tz_offset(s, (size_t)i);
        }
    }
    yz_state_release(api->state, view);
    if (!err && t[0]) {
        /* The station screen's rotating code: the worker stood in front of the screen. Read
         * the key each time (a check-in with a code is rare beside the others, and a rotated
         * key must stop working on every node at once). Refused: nothing stored. */
        char key[YZ_SCREEN_KEY_MAX];
        bool found = false;
        err = yz_store_screen_key_get(api->st, p->v.station_id, key, &found, &ei);
        if (!err) {
            err = yz_screen_check(found ? key : NULL, t, yz_time_now(), &ei);
            if (err)
                yz_ingest_count_refusal(YZ_INGEST_REFUSED_CODE);
            else
                p->v.verified = true;
        }
        sodium_memzero(key, sizeof key);
    }
    if (err) {
        if (p) {
            yz_free(p->name);
            yz_free(p->code);
            yz_free(p);
        }
        yz_api_error(req, &ei);
        return;
    }
    yz_http_defer(req);
    err = yz_store_visit_record_async(api->st, &p->v, visit_done, p, &ei);
    if (err)
        visit_done(p, err, &ei); /* answers through the deferred path too */
}

/* --- GET /api/v1/stats/visits ---------------------------------------------------------------- */

/* Parse a date ("YYYY-MM-DD", local midnight at `offset`; with `end` the next midnight, so that
 * a date given as `to` includes its day) or a date-time. */
static int parse_bound(const char *v, const char *name, bool end, int offset, int64_t *out,
                       yz_errinfo *ei)
{
    if (strlen(v) == 10 && v[4] == '-' && v[7] == '-') {
        /* A date alone: the date-time parser checks the digits and the calendar. */
        char probe[32];
        snprintf(probe, sizeof probe, "%sT00:00:00", v);
        int64_t t;
        if (yz_time_parse_iso8601(probe, offset, &t) == YZ_OK) {
            *out = t + (end ? 86400 : 0);
            return YZ_OK;
        }
    } else if (yz_time_parse_iso8601(v, offset, out) == YZ_OK) {
        return YZ_OK;
    }
    return yz_err_setf(ei, YZ_EINVAL, name,
                       "%s 须为日期（2026-05-01）或 ISO-8601 时间（2026-05-01T08:00:00+08:00）",
                       "%s must be a date (2026-05-01) or an ISO-8601 date-time "
                       "(2026-05-01T08:00:00+08:00)",
                       name);
}

/* from and to: a date or an ISO-8601 date-time, read by parse_bound (a date as `to` means
 * the end of that day). */
typedef struct stats_args {
    const char *from, *to;
    int group_by;
} stats_args;

static const yz_param stats_params[] = {
    {"from", YZ_PARAM_TEXT, offsetof(stats_args, from), 0, 0, 0, 0, NULL, NULL},
    {"to", YZ_PARAM_TEXT, offsetof(stats_args, to), 0, 0, 0, 0, NULL, NULL},
    {"group_by", YZ_PARAM_WORD, offsetof(stats_args, group_by), 0, 0, YZ_VISIT_BY_STATION, 0,
     yz_visit_group_parse, "station, district, day, occupation"},
};

static void h_stats(void *ctx, yz_http_req *req)
{
    yz_api *api = ctx;
    yz_errinfo ei;
    yz_err_clear(&ei);
    int offset = SHANGHAI_OFFSET_MIN;
    yz_tz_offset(YZ_DEFAULT_TZ, &offset);
    stats_args q = {NULL, NULL, YZ_VISIT_BY_STATION};
    int err = YZ_API_PARAMS(req, stats_params, &q, &ei);
    int group = q.group_by;
    /* Default: the last 30 local days, today included. */
    int64_t now = yz_time_now();
    int64_t today = (now + (int64_t)offset * 60) / 86400 * 86400 - (int64_t)offset * 60;
    int64_t to = today + 86400, from = to - (int64_t)STATS_DEFAULT_DAYS * 86400;
    const char *fv = q.from, *tv = q.to;
    if (!err && fv)
        err = parse_bound(fv, "from", false, offset, &from, &ei);
    if (!err && tv)
        err = parse_bound(tv, "to", true, offset, &to, &ei);
    if (!err && fv && !tv)
        to = from + (int64_t)STATS_DEFAULT_DAYS * 86400;
    if (!err && tv && !fv)
        from = to - (int64_t)STATS_DEFAULT_DAYS * 86400;
    if (!err && to <= from)
        err = yz_err_set(&ei, YZ_EINVAL, "to", "to 须晚于 from", "to must be after from");
    if (!err && to - from > (int64_t)STATS_MAX_DAYS * 86400)
        err = yz_err_setf(&ei, YZ_EINVAL, "from", "时间范围最长 %d 天",
                          "the range is at most %d days", STATS_MAX_DAYS);
    yz_visit_row *rows = NULL;
    size_t n = 0;
    if (!err)
        err = yz_store_visit_stats(api->st, group, from, to, offset, &rows, &n, &ei);
    if (err) {
        yz_api_error(req, &ei);
        return;
    }
    char a[32], z[32];
    yz_time_format_iso8601(from, offset, a);
    yz_time_format_iso8601(to, offset, z);
    yz_buf b;
    yz_buf_init(&b);
    yz_buf_printf(&b, "{\"group_by\":\"%s\",\"from\":\"%s\",\"to\":\"%s\",\"rows\":[",
                  yz_visit_group_name(group), a, z);
    long long total = 0;
    for (size_t k = 0; k < n; k++) {
        yz_buf_puts(&b, k ? ",{\"key\":" : "{\"key\":");
        yz_buf_json_str(&b, rows[k].key, strlen(rows[k].key));
        yz_buf_puts(&b, ",\"label\":");
        yz_buf_json_str(&b, rows[k].label, strlen(rows[k].label));
        yz_buf_printf(&b, ",\"visits\":%lld}", (long long)rows[k].visits);
        total += rows[k].visits;
    }
    yz_buf_printf(&b, "],\"total\":%lld}\n", total);
    yz_visit_rows_free(rows, n);
    yz__api_ok(req, &b);
}

/* --- the purger ---------------------------------------------------------------------------- */

static bool purger_stopping(struct yz_api_visits *v)
{
    pthread_mutex_lock(&v->mu);
    bool stop = v->stop;
    pthread_mutex_unlock(&v->mu);
    return stop;
}

/* One run: every whole local day before the retention cut-off, one day a transaction, so
 * that stopping the server waits for one day at most. Logs what it did. */
static void purge_once(yz_api *api)
{
    int offset = SHANGHAI_OFFSET_MIN;
    yz_tz_offset(YZ_DEFAULT_TZ, &offset);
    int64_t cutoff = yz_visit_retention_cutoff(yz_time_now(), api->visit_retention_days, offset);
    yz_visit_purge total = {0, 0, false}, step;
    yz_errinfo ei;
    int err = YZ_OK;
    do {
        err = yz_store_visit_purge(api->st, cutoff, offset, 1, &step, &ei);
        total.visits += step.visits;
        total.days += step.days;
    } while (!err && step.more && !purger_stopping(api->visits));
    if (total.days)
        yz_log_info("visits: purged %lld check-ins older than %d days; the counts of %lld days "
                    "are kept",
                    (long long)total.visits, api->visit_retention_days, (long long)total.days);
    if (err)
        yz_log_error("visits: purging old check-ins failed, trying again in an hour: %s",
                     ei.msg_en);
}

static void *purger_main(void *arg)
{
    yz_api *api = arg;
    struct yz_api_visits *v = api->visits;
    for (;;) {
        purge_once(api);
        struct timespec until;
        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_sec += PURGE_INTERVAL_S;
        pthread_mutex_lock(&v->mu);
        while (!v->stop && pthread_cond_timedwait(&v->wake, &v->mu, &until) != ETIMEDOUT)
            ;
        bool stop = v->stop;
        pthread_mutex_unlock(&v->mu);
        if (stop)
            return NULL;
    }
}

static void purger_start(yz_api *api)
{
    struct yz_api_visits *v = api->visits;
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&v->wake, &ca);
    pthread_condattr_destroy(&ca);
    pthread_mutex_init(&v->mu, NULL);
    v->purger_running = pthread_create(&v->purger, NULL, purger_main, api) == 0;
    if (!v->purger_running)
        yz_log_error("visits: cannot start the purger of old check-ins");
}

static void purger_stop(struct yz_api_visits *v)
{
    pthread_mutex_lock(&v->mu);
    v->stop = true;
    pthread_cond_signal(&v->wake);
    pthread_mutex_unlock(&v->mu);
    if (v->purger_running)
        pthread_join(v->purger, NULL);
    pthread_cond_destroy(&v->wake);
    pthread_mutex_destroy(&v->mu);
}

/* --- registration ---------------------------------------------------------------------------- */

void yz__api_register_visits(yz_api *api, yz_http_server *srv)
{
    api->visits = yz_calloc(1, sizeof *api->visits);
    const char *u = api->public_url ? api->public_url : "";
    size_t n = strlen(u);
    while (n > 0 && u[n - 1] == '/')
        n--;
    api->visits->base = yz_strndup(u, n);
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)u[i]) * 16777619u;
    api->visits->base_hash = h;
    pthread_mutex_init(&api->visits->png_mu, NULL);
    yz_http_route(srv, "GET", "/api/v1/stations/{}/qr.svg", "station_qr_svg", h_qr_svg, api);
    yz_http_route(srv, "GET", "/api/v1/stations/{}/qr.png", "station_qr_png", h_qr_png, api);
    yz_http_route(srv, "GET", "/api/v1/stations/{}/poster.html", "station_poster", h_poster, api);
    yz_http_route(srv, "GET", "/api/v1/poster.css", "poster_css", h_poster_css, api);
    yz_http_route(srv, "POST", "/api/v1/visits", "visits_create", h_visit, api);
    yz_http_route(srv, "GET", "/api/v1/stats/visits", "stats_visits", h_stats, api);
    purger_start(api);
}

void yz__api_free_visits(yz_api *api)
{
    if (!api->visits)
        return;
    purger_stop(api->visits);
    yz_free(api->visits->base);
    for (size_t i = 0; i < PNG_CACHE_N; i++)
        yz_free(api->visits->png[i].png);
    pthread_mutex_destroy(&api->visits->png_mu);
    yz_free(api->visits);
    api->visits = NULL;
}
