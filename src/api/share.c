/* SPDX-License-Identifier: MIT */
/* api/share.c - what chat apps see of a shared link (docs/internals/share.md): the app's
 * index.html for /station/{code}, /s/{code} and /event/{id} with the page's own <title>,
 * description, Open Graph and Twitter tags written into its <head>, from the in-memory
 * snapshot and events index (no store query); and the images those tags name, drawn with
 * Cairo and Pango (media/poster.h): GET /api/v1/events/{id}/poster.png (1080 x 1440, also for
 * WeChat groups and outdoor screens) and GET /api/v1/stations/{code}/card.png (1200 x 630).
 * Every absolute link starts with public_url, never with the request's Host. */
#include "api/api_int.h"
#include "api/params.h"

#include "core/alloc.h"
#include "core/log.h"
#include "core/time.h"
#include "http/static.h"
#include "media/poster.h"
#include "store/events.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DESC_MAX 200 /* bytes of a description, cut at a character boundary */

enum { L_HANS, L_HANT, L_EN };

/* lang= of the images: zh-Hans, zh-Hant, en. */
static int lang3_parse(const char *w)
{
    if (strcmp(w, "zh-Hans") == 0)
        return L_HANS;
    if (strcmp(w, "zh-Hant") == 0)
        return L_HANT;
    if (strcmp(w, "en") == 0)
        return L_EN;
    return -1;
}

typedef struct img_args {
    int lang;
} img_args;

static const yz_param img_params[] = {
    {"lang", YZ_PARAM_WORD, offsetof(img_args, lang), 0, 0, L_HANS, 0, lang3_parse,
     "zh-Hans, zh-Hant, en"},
};

/* public_url without its trailing '/'. Borrowed from `api`; *n is its length. */
static const char *base_of(const yz_api *api, size_t *n)
{
    const char *u = api->public_url ? api->public_url : "";
    *n = strlen(u);
    while (*n > 0 && u[*n - 1] == '/')
        (*n)--;
    return u;
}

static void put_base(yz_buf *b, const yz_api *api)
{
    size_t n;
    const char *u = base_of(api, &n);
    yz_buf_append(b, u, n);
}

/* `s` (n bytes) escaped for an HTML attribute value or text: & < > " ' as references. */
static void esc(yz_buf *b, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        switch (s[i]) {
        case '&': yz_buf_puts(b, "&amp;"); break;
        case '<': yz_buf_puts(b, "&lt;"); break;
        case '>': yz_buf_puts(b, "&gt;"); break;
        case '"': yz_buf_puts(b, "&quot;"); break;
        case '\'': yz_buf_puts(b, "&#39;"); break;
        case '\r':
        case '\n':
        case '\t': yz_buf_putc(b, ' '); break;
        default: yz_buf_putc(b, s[i]);
        }
    }
}

/* The length of the first `max` bytes of `s` that end on a UTF-8 character boundary. */
static size_t utf8_cut(const char *s, size_t max)
{
    size_t n = strlen(s);
    if (n <= max)
        return n;
    while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80)
        max--;
    return max;
}

/* --- when an event happens, in words ----------------------------------------------------------- */

static const char *const wd_hans[] = {"一", "二", "三", "四", "五", "六", "日"};
static const char *const wd_hant[] = {"一", "二", "三", "四", "五", "六", "日"};
static const char *const wd_en[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
static const char *const mon_en[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

static void put_date(yz_buf *b, int64_t day, int lang)
{
    int y, m, d;
    yz_civil_from_days(day, &y, &m, &d);
    int wd = (int)(((day + 3) % 7 + 7) % 7); /* 0 = Monday */
    if (lang == L_EN)
        yz_buf_printf(b, "%s %d %s %d", wd_en[wd], d, mon_en[(m - 1) % 12], y);
    else
        yz_buf_printf(b, "%d年%d月%d日（%s%s）", y, m, d, lang == L_HANT ? "週" : "周",
                      (lang == L_HANT ? wd_hant : wd_hans)[wd]);
}

static void put_hhmm(yz_buf *b, int min)
{
    yz_buf_printf(b, "%02d:%02d", min / 60, min % 60);
}

/* The event's time in `lang`, at the station's UTC offset `off` (minutes). */
static void put_when(yz_buf *b, const yz_event *ev, int off, int lang)
{
    if (!ev->weekly) {
        int64_t a = ev->starts_at + off * 60, z = ev->ends_at + off * 60;
        int64_t da = a >= 0 ? a / 86400 : (a - 86399) / 86400;
        int64_t dz = z >= 0 ? z / 86400 : (z - 86399) / 86400;
        put_date(b, da, lang);
        yz_buf_putc(b, ' ');
        put_hhmm(b, (int)((a - da * 86400) / 60));
        yz_buf_puts(b, "–");
        if (dz != da) {
            put_date(b, dz, lang);
            yz_buf_putc(b, ' ');
        }
        put_hhmm(b, (int)((z - dz * 86400) / 60));
        return;
    }
    yz_buf_puts(b, lang == L_EN ? "Every " : (lang == L_HANT ? "每週" : "每周"));
    for (int d = 0, k = 0; d < 7; d++) {
        if (!(ev->weekdays & (1u << d)))
            continue;
        if (k++)
            yz_buf_puts(b, lang == L_EN ? ", " : "、");
        yz_buf_puts(b, (lang == L_EN ? wd_en : lang == L_HANT ? wd_hant : wd_hans)[d]);
    }
    yz_buf_putc(b, ' ');
    put_hhmm(b, ev->start_min);
    yz_buf_puts(b, "–");
    put_hhmm(b, ev->end_min);
    int y, m, d;
    yz_civil_from_days(ev->valid_from, &y, &m, &d);
    if (lang == L_EN)
        yz_buf_printf(b, ", from %d %s %d", d, mon_en[(m - 1) % 12], y);
    else
        yz_buf_printf(b, "（%d年%d月%d日起", y, m, d);
    if (ev->valid_until != YZ_EVENT_NO_UNTIL) {
        yz_civil_from_days(ev->valid_until, &y, &m, &d);
        if (lang == L_EN)
            yz_buf_printf(b, " to %d %s %d", d, mon_en[(m - 1) % 12], y);
        else
            yz_buf_printf(b, "，至%d年%d月%d日", y, m, d);
    }
    if (lang != L_EN)
        yz_buf_puts(b, "）");
}

static const char *category_label(int c, int lang)
{
    static const char *const t[][3] = {
        {"免费餐", "免費餐", "Free meal"}, {"平价餐", "平價餐", "10-yuan meal"},
        {"健康服务", "健康服務", "Health"}, {"活动", "活動", "Activity"},
        {"便民服务", "便民服務", "Service"},
    };
    int n = (int)(sizeof t / sizeof t[0]);
    return t[c >= 0 && c < n ? c : 3][lang];
}

/* The district's name, unless the address already starts with it (鹿城区五马街道…). */
static bool district_apart(const yz_station *st)
{
    return st->district_name && *st->district_name &&
           !(st->address && strncmp(st->address, st->district_name, strlen(st->district_name)) == 0);
}

/* --- the page's head ----------------------------------------------------------------------------- */

static void meta(yz_buf *b, const char *attr, const char *key, const char *v, size_t n)
{
    yz_buf_printf(b, "<meta %s=\"%s\" content=\"", attr, key);
    esc(b, v, n);
    yz_buf_puts(b, "\">\n");
}

/* The tags of one shared page. Borrows everything. */
typedef struct share_page {
    const char *title;   /* the page's own title (the station's name, the event's title) */
    const char *desc;    /* a sentence or two */
    const char *url;     /* absolute, the canonical address */
    const char *image;   /* absolute */
    int image_w, image_h; /* px */
    const char *type;    /* og:type */
} share_page;

static void head_tags(yz_buf *b, const share_page *p)
{
    size_t dn = utf8_cut(p->desc, DESC_MAX), tn = strlen(p->title);
    yz_buf_puts(b, "<title>");
    esc(b, p->title, tn);
    yz_buf_puts(b, " · 驿站</title>\n");
    meta(b, "name", "description", p->desc, dn);
    meta(b, "property", "og:type", p->type, strlen(p->type));
    meta(b, "property", "og:site_name", "驿站 yizhan", strlen("驿站 yizhan"));
    meta(b, "property", "og:locale", "zh_CN", 5);
    meta(b, "property", "og:title", p->title, tn);
    meta(b, "property", "og:description", p->desc, dn);
    meta(b, "property", "og:url", p->url, strlen(p->url));
    meta(b, "property", "og:image", p->image, strlen(p->image));
    yz_buf_printf(b,
                  "<meta property=\"og:image:type\" content=\"image/png\">\n"
                  "<meta property=\"og:image:width\" content=\"%d\">\n"
                  "<meta property=\"og:image:height\" content=\"%d\">\n",
                  p->image_w, p->image_h);
    meta(b, "name", "twitter:card", "summary_large_image", strlen("summary_large_image"));
    meta(b, "name", "twitter:title", p->title, tn);
    meta(b, "name", "twitter:description", p->desc, dn);
    meta(b, "name", "twitter:image", p->image, strlen(p->image));
    /* WeChat's crawler reads schema.org microdata and the first large image */
    meta(b, "itemprop", "name", p->title, tn);
    meta(b, "itemprop", "description", p->desc, dn);
    meta(b, "itemprop", "image", p->image, strlen(p->image));
    yz_buf_puts(b, "<link rel=\"canonical\" href=\"");
    esc(b, p->url, strlen(p->url));
    yz_buf_puts(b, "\">\n");
}

/* index.html with its generic description and <title> replaced by the page's tags. Returns 0,
 * or -1 when the file lacks a <title> (then the file is served as it is). */
static int rewrite_index(const char *html, size_t len, const share_page *p, yz_buf *out)
{
    const char *t0 = strstr(html, "<title>");
    const char *t1 = t0 ? strstr(t0, "</title>") : NULL;
    if (!t1)
        return -1;
    t1 += strlen("</title>");
    if (*t1 == '\n')
        t1++;
    /* the generic description, if it comes before the title, goes */
    const char *d0 = strstr(html, "<meta name=\"description\"");
    const char *d1 = d0 && d0 < t0 ? strchr(d0, '>') : NULL;
    if (d1) {
        d1++;
        if (*d1 == '\n')
            d1++;
        yz_buf_append(out, html, (size_t)(d0 - html));
        yz_buf_append(out, d1, (size_t)(t0 - d1));
    } else {
        yz_buf_append(out, html, (size_t)(t0 - html));
    }
    head_tags(out, p);
    yz_buf_append(out, t1, len - (size_t)(t1 - html));
    return 0;
}

static void respond_page(yz_http_req *req, yz_buf *b)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a 64, as the static files' tags */
    for (size_t i = 0; i < b->len; i++) {
        h ^= (unsigned char)b->data[i];
        h *= 1099511628211ull;
    }
    char etag[24];
    snprintf(etag, sizeof etag, "\"%016llx\"", (unsigned long long)h);
    yz_http_add_header(req, "ETag", etag);
    yz_http_add_header(req, "Cache-Control", "no-cache");
    const char *inm = yz_http_header(req, "If-None-Match");
    if (inm && strstr(inm, etag)) {
        yz_buf_reset(b);
        yz_http_respond(req, 304, "text/html; charset=utf-8", b);
        return;
    }
    yz_http_respond(req, 200, "text/html; charset=utf-8", b);
}

/* The page for station position `i` of `s`; `checkin`: /s/{code}. */
static void station_page(yz_api *api, const yz_snap *s, size_t i, bool checkin, yz_buf *title,
                         yz_buf *desc, yz_buf *url, yz_buf *img)
{
    yz_station st_buf;
    const yz_station *st = yz_snap_station_get(s, i, &st_buf);
    yz_buf_puts(title, st->name);
    if (checkin)
        yz_buf_puts(title, " · 扫码签到");
    yz_buf_puts(desc, "户外劳动者服务驿站");
    if (district_apart(st)) {
        yz_buf_puts(desc, " · ");
        yz_buf_puts(desc, st->district_name);
    }
    if (st->address && *st->address) {
        yz_buf_puts(desc, " · ");
        yz_buf_puts(desc, st->address);
    }
    yz_buf_puts(desc, checkin ? "。到站扫码签到，查看设施、开放时间与今日活动。"
                              : "。查看设施、开放时间、导航与今日活动。");
    put_base(url, api);
    yz_buf_puts(url, checkin ? "/s/" : "/station/");
    yz_buf_url_encode(url, st->code);
    put_base(img, api);
    yz_buf_puts(img, "/api/v1/stations/");
    yz_buf_url_encode(img, st->code);
    yz_buf_puts(img, "/card.png");
}

/* The active event `id` of the view's index, or NULL (unknown or cancelled). */
static const yz_event *find_event(const yz_state_view *v, int64_t id)
{
    const yz_event_index *x = yz_state_events(v);
    size_t n = yz_state_events_count(x);
    for (size_t k = 0; k < n; k++) {
        const yz_event_entry *en = yz_state_event_at(x, k);
        if (en->ev.id == id)
            return &en->ev;
    }
    return NULL;
}

static int station_offset(const yz_snap *s, int64_t station_id)
{
    long i = yz_snap_find_id(s, station_id);
    return i < 0 ? 480 : yz_snap_tz_offset(s, (size_t)i);
}

/* The event's description sentence: when, where, and its own text. */
static void event_desc(yz_buf *desc, const yz_snap *s, const yz_event *ev, int lang)
{
    yz_buf_puts(desc, category_label(ev->category, lang));
    yz_buf_puts(desc, " · ");
    put_when(desc, ev, station_offset(s, ev->station_id), lang);
    long i = yz_snap_find_id(s, ev->station_id);
    if (i >= 0) {
        yz_station st_buf;
        const yz_station *st = yz_snap_station_get(s, (size_t)i, &st_buf);
        yz_buf_puts(desc, " · ");
        yz_buf_puts(desc, st->name);
    }
    if (ev->description && *ev->description) {
        yz_buf_puts(desc, "。");
        yz_buf_puts(desc, ev->description);
    }
}

enum { PAGE_STATION, PAGE_CHECKIN, PAGE_EVENT };

static void share_route(yz_api *api, yz_http_req *req, int kind)
{
    const char *html = NULL;
    size_t len = 0;
    if (yz_static_file(api->web, "index.html", &html, &len) != 0) {
        yz__api_web_front(api, req); /* no app: the placeholder page, as before */
        return;
    }
    yz_buf title, desc, url, img, out;
    yz_buf_init(&title);
    yz_buf_init(&desc);
    yz_buf_init(&url);
    yz_buf_init(&img);
    yz_buf_init(&out);
    bool found = false;
    int iw = YZ_CARD_W, ih = YZ_CARD_H;
    const yz_state_view *view = yz_state_acquire(api->state);
    const yz_snap *s = yz_state_snap(view);
    if (kind == PAGE_EVENT) {
        int64_t id = yz__api_id(yz_http_param(req, 0));
        const yz_event *ev = id ? find_event(view, id) : NULL;
        if (ev) {
            found = true;
            yz_buf_puts(&title, ev->title);
            event_desc(&desc, s, ev, L_HANS);
            put_base(&url, api);
            yz_buf_printf(&url, "/event/%lld", (long long)ev->id);
            put_base(&img, api);
            yz_buf_printf(&img, "/api/v1/events/%lld/poster.png", (long long)ev->id);
            iw = YZ_POSTER_W;
            ih = YZ_POSTER_H;
        }
    } else {
        yz_errinfo ei;
        long i = yz__api_find_station(s, req, &ei);
        if (i >= 0) {
            found = true;
            station_page(api, s, (size_t)i, kind == PAGE_CHECKIN, &title, &desc, &url, &img);
        }
    }
    yz_state_release(api->state, view);
    share_page p = {title.data ? title.data : "", desc.data ? desc.data : "",
                    url.data ? url.data : "",     img.data ? img.data : "",
                    iw,                           ih,
                    kind == PAGE_EVENT ? "article" : "place"};
    if (found && rewrite_index(html, len, &p, &out) == 0)
        respond_page(req, &out);
    else if (yz_static_serve_file(api->web, req, "index.html") != 0)
        yz_api_http_error(req, 404, "Not Found");
    yz_buf_fini(&title);
    yz_buf_fini(&desc);
    yz_buf_fini(&url);
    yz_buf_fini(&img);
    yz_buf_fini(&out);
}

static void h_station_page(void *ctx, yz_http_req *req)
{
    share_route(ctx, req, PAGE_STATION);
}

static void h_checkin_page(void *ctx, yz_http_req *req)
{
    share_route(ctx, req, PAGE_CHECKIN);
}

static void h_event_page(void *ctx, yz_http_req *req)
{
    share_route(ctx, req, PAGE_EVENT);
}

/* --- the images ------------------------------------------------------------------------------------ */

/* `v` in the image's language: converted to traditional characters for zh-Hant. */
static void put_lang(yz_buf *b, const char *v, int lang)
{
    if (v)
        yz__api_append_lang(b, v, strlen(v), lang == L_HANT ? YZ_LANG_HANT : YZ_LANG_HANS, false);
}

static const char *pango_lang(int lang)
{
    return lang == L_EN ? "en" : lang == L_HANT ? "zh-tw" : "zh-cn";
}

/* ETag of an image: what it was drawn from. Answers 304 and returns true when it matches. */
static bool image_etag(yz_api *api, yz_http_req *req, const char *what, int64_t id, int64_t ver,
                       int lang)
{
    size_t n;
    const char *u = base_of(api, &n);
    uint32_t h = 2166136261u; /* the public URL is in the picture (QR code, footer) */
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)u[i]) * 16777619u;
    char etag[80];
    snprintf(etag, sizeof etag, "\"%s%lld-v%lld-%d-%08x\"", what, (long long)id, (long long)ver,
             lang, h);
    yz_http_add_header(req, "ETag", etag);
    yz_http_add_header(req, "Cache-Control", "public, max-age=600");
    const char *inm = yz_http_header(req, "If-None-Match");
    if (inm && strstr(inm, etag)) {
        yz_buf empty;
        yz_buf_init(&empty);
        yz_http_respond(req, 304, "image/png", &empty);
        return true;
    }
    return false;
}

static void h_event_poster(void *ctx, yz_http_req *req)
{
    yz_api *api = ctx;
    yz_errinfo ei;
    yz_err_clear(&ei);
    img_args a = {0};
    yz_event ev;
    yz_event_init(&ev);
    int err = YZ_API_PARAMS(req, img_params, &a, &ei);
    int64_t id = err ? 0 : yz__api_id(yz_http_param(req, 0));
    if (!err && !id)
        err = yz_err_set(&ei, YZ_ENOTFOUND, "id", "活动不存在", "event not found");
    if (!err)
        err = yz_store_event_get(api->st, id, &ev, &ei);
    if (err) {
        yz_event_fini(&ev);
        yz_api_error(req, &ei);
        return;
    }
    if (image_etag(api, req, "e", ev.id, ev.version, a.lang)) {
        yz_event_fini(&ev);
        return;
    }
    static const char *const kick[] = {"户外劳动者服务驿站", "戶外勞動者服務驛站",
                                       "Outdoor Workers' Stations"};
    static const char *const l_when[] = {"时间", "時間", "When"};
    static const char *const l_where[] = {"地点", "地點", "Where"};
    static const char *const l_addr[] = {"地址", "地址", "Address"};
    static const char *const l_about[] = {"活动说明", "活動說明", "About"};
    static const char *const cap[] = {"扫码查看活动、报名", "掃碼查看活動、報名",
                                      "Scan for details and sign-up"};
    static const char *const cancelled[] = {"【已取消】", "【已取消】", "[Cancelled] "};
    int L = a.lang;
    yz_buf kicker, title, when, where, addr, about, url;
    yz_buf *all[] = {&kicker, &title, &when, &where, &addr, &about, &url};
    for (size_t k = 0; k < sizeof all / sizeof all[0]; k++)
        yz_buf_init(all[k]);
    yz_buf_puts(&kicker, kick[L]);
    yz_buf_puts(&kicker, " · ");
    yz_buf_puts(&kicker, category_label(ev.category, L));
    if (ev.cancelled)
        yz_buf_puts(&title, cancelled[L]);
    put_lang(&title, ev.title, L);
    put_lang(&about, ev.description, L);
    put_base(&url, api);
    yz_buf_printf(&url, "/event/%lld", (long long)ev.id);
    const yz_state_view *view = yz_state_acquire(api->state);
    const yz_snap *s = yz_state_snap(view);
    put_when(&when, &ev, station_offset(s, ev.station_id), L);
    long i = yz_snap_find_id(s, ev.station_id);
    if (i >= 0) {
        yz_station st_buf;
        const yz_station *st = yz_snap_station_get(s, (size_t)i, &st_buf);
        put_lang(&where, st->name, L);
        if (district_apart(st)) {
            put_lang(&addr, st->district_name, L);
            yz_buf_putc(&addr, ' ');
        }
        put_lang(&addr, st->address, L);
    }
    yz_state_release(api->state, view);
    yz_poster_spec sp = {
        .layout = YZ_POSTER_EVENT,
        .pango_lang = pango_lang(L),
        .kicker = kicker.data,
        .title = title.data,
        .label = {l_when[L], l_where[L], l_addr[L], l_about[L]},
        .line = {when.data, where.data, addr.data, about.data},
        .qr_url = url.data,
        .qr_caption = cap[L],
        .footer = url.data,
    };
    yz_buf png;
    yz_buf_init(&png);
    err = yz_poster_png(&sp, &png, &ei);
    for (size_t k = 0; k < sizeof all / sizeof all[0]; k++)
        yz_buf_fini(all[k]);
    yz_event_fini(&ev);
    if (err) {
        yz_buf_fini(&png);
        yz_api_error(req, &ei);
        return;
    }
    yz_http_respond(req, 200, "image/png", &png);
}

static void h_station_card(void *ctx, yz_http_req *req)
{
    yz_api *api = ctx;
    yz_errinfo ei;
    yz_err_clear(&ei);
    img_args a = {0};
    int err = YZ_API_PARAMS(req, img_params, &a, &ei);
    if (err) {
        yz_api_error(req, &ei);
        return;
    }
    static const char *const kick[] = {"户外劳动者服务驿站", "戶外勞動者服務驛站",
                                       "Outdoor Workers' Station"};
    static const char *const cap[] = {"扫码查看驿站", "掃碼查看驛站", "Scan to open"};
    int L = a.lang;
    yz_buf title, addr, seats, url;
    yz_buf_init(&title);
    yz_buf_init(&addr);
    yz_buf_init(&seats);
    yz_buf_init(&url);
    const yz_state_view *view = yz_state_acquire(api->state);
    const yz_snap *s = yz_state_snap(view);
    long i = yz__api_find_station(s, req, &ei);
    int64_t id = 0, ver = 0;
    if (i >= 0) {
        yz_station st_buf;
        const yz_station *st = yz_snap_station_get(s, (size_t)i, &st_buf);
        id = st->id;
        ver = st->version;
        put_lang(&title, st->name, L);
        if (district_apart(st)) {
            put_lang(&addr, st->district_name, L);
            yz_buf_putc(&addr, ' ');
        }
        put_lang(&addr, st->address, L);
        yz_buf_puts(&seats, st->code);
        put_base(&url, api);
        yz_buf_puts(&url, "/station/");
        yz_buf_url_encode(&url, st->code);
    }
    yz_state_release(api->state, view);
    if (i < 0 || !image_etag(api, req, "s", id, ver, L)) {
        yz_buf png;
        yz_buf_init(&png);
        yz_poster_spec sp = {
            .layout = YZ_POSTER_CARD,
            .pango_lang = pango_lang(L),
            .kicker = kick[L],
            .title = title.data,
            .line = {addr.data, seats.data},
            .qr_url = url.data,
            .qr_caption = cap[L],
        };
        err = i < 0 ? ei.code : yz_poster_png(&sp, &png, &ei);
        if (err) {
            yz_buf_fini(&png);
            yz_api_error(req, &ei);
        } else {
            yz_http_respond(req, 200, "image/png", &png);
        }
    }
    yz_buf_fini(&title);
    yz_buf_fini(&addr);
    yz_buf_fini(&seats);
    yz_buf_fini(&url);
}

void yz__api_register_share(yz_api *api, yz_http_server *srv)
{
    /* drawing takes tens of milliseconds: one of the expensive slots */
    yz_http_route_expensive(srv, "GET", "/api/v1/events/{}/poster.png", "event_poster",
                            h_event_poster, api);
    yz_http_route_expensive(srv, "GET", "/api/v1/stations/{}/card.png", "station_card",
                            h_station_card, api);
}

void yz__api_register_share_pages(yz_api *api, yz_http_server *srv)
{
    yz_http_route(srv, "GET", "/s/{}", "web_checkin", h_checkin_page, api);
    yz_http_route(srv, "GET", "/station/{}", "web_station", h_station_page, api);
    yz_http_route(srv, "GET", "/event/{}", "web_event", h_event_page, api);
}
