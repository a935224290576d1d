/* SPDX-License-Identifier: MIT */
/* api/reports.c - problem reports: the Open311 GeoReport v2 endpoints under /open311/v2
 * (services, service definitions, form-encoded request creation, request listing), our own
 * JSON views and the admin status changes under /api/v1/reports, and a station's open
 * reports. Open311 endpoints answer errors in the spec's format, an array of
 * {"code","description"}; /api/v1 ones in our usual JSON error body. */
#include "api/api_int.h"
#include "api/params.h"
#include "api/form.h"
#include "catalog/moderation.h"

#include "core/alloc.h"
#include "core/log.h"
#include "core/time.h"
#include "core/utf8.h"
#include "store/reports.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define RESOLVE_RADIUS_M 200.0     /* lat/long must be this close to a station */
#define MAX_DESCRIPTION_CHARS 4000 /* code points */
#define MAX_NOTES_CHARS 2000
#define MAX_MEDIA_URL_BYTES 1000
#define MAX_IDS 1000
#define MAX_LIST 1000
#define DEFAULT_SPAN_S (90 * 86400) /* Open311's default window: the last 90 days */
#define OFFSET_MIN 480              /* times print in China Standard Time */
#define PUBLIC_POS_DECIMALS 3       /* a reporter's position in public: 0.001 degree, ~100 m */

struct yz_api_reports {
    pthread_mutex_t mu;     /* guards the first load of the services */
    bool loaded;            /* once true, svc and n_svc never change */
    yz_report_service *svc; /* owned */
    size_t n_svc;
};

/* --- helpers ------------------------------------------------------------------------------ */

static size_t utf8_chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

/* Respond with the Open311 error array: [{"code":status,"description":"field: zh / en"}]. */
static void o311_error(yz_http_req *req, const yz_errinfo *ei)
{
    int code = ei->code ? ei->code : YZ_EINTERNAL;
    int status = yz_api_status(code);
    const char *zh = ei->msg[0] ? ei->msg : yz_strerror(code);
    const char *en = ei->msg_en[0] ? ei->msg_en : yz_strerror_en(code);
    yz_buf d, b;
    yz_buf_init(&d);
    yz_buf_init(&b);
    if (ei->field[0])
        yz_buf_printf(&d, "%s: ", ei->field);
    yz_buf_printf(&d, "%s / %s", zh, en);
    yz_buf_printf(&b, "[{\"code\":%d,\"description\":", status);
    yz_buf_json_str(&b, d.data, d.len);
    yz_buf_puts(&b, "}]\n");
    yz_buf_fini(&d);
    yz_http_respond(req, status, YZ_JSON, &b);
}

/* The services, loaded from the store on first use (they are data seeded by a migration and
 * change only with a new migration, that is with a restart). */
static int services(yz_api *api, const yz_report_service **out, size_t *n, yz_errinfo *ei)
{
    struct yz_api_reports *r = api->reports;
    int err = YZ_OK;
    pthread_mutex_lock(&r->mu);
    if (!r->loaded) {
        err = yz_store_report_services(api->st, &r->svc, &r->n_svc, ei);
        r->loaded = err == YZ_OK;
    }
    pthread_mutex_unlock(&r->mu);
    *out = r->svc;
    *n = r->n_svc;
    return err;
}

static const yz_report_service *find_service(yz_api *api, const char *code)
{
    const yz_report_service *svc;
    size_t n;
    yz_errinfo ei;
    if (!code || services(api, &svc, &n, &ei))
        return NULL;
    for (size_t i = 0; i < n; i++)
        if (strcmp(svc[i].code, code) == 0)
            return &svc[i];
    return NULL;
}

/* Path capture 0 as "<id>" or, with `suffix`, "<id><suffix>". */
static int path_id(yz_http_req *req, const char *suffix, int64_t *id, yz_errinfo *ei)
{
    const char *p = yz_http_param(req, 0);
    size_t n = p ? strlen(p) : 0, sl = suffix ? strlen(suffix) : 0;
    if (p && n > sl && memcmp(p + n - sl, suffix ? suffix : "", sl) == 0 && yz_parse_id(p, n - sl, id))
        return YZ_OK;
    return yz_err_set(ei, YZ_ENOTFOUND, "id", "报告不存在", "report not found");
}

/* Whether the asker sees more of a report at station `station_id`: its held texts, exact
 * positions and the submissions merged into it. That is the permission table's view
 * report_held_text (moderators, and the staff of the report's station); a wrong or missing
 * credential is not an error here, only a public reader. */
static bool is_operator(yz_api *api, yz_http_req *req, int64_t station_id)
{
    yz_target t = {0};
    yz__api_target_station(api, station_id, &t);
    t.text_only = true;
    return yz__api_may(api, req, "report_held_text", &t);
}

/* Whether the asker may see more of some report at all (the view's roles, no target): a list
 * asks this once, and looks up each report's station only when it is so. */
static bool may_see_more(yz_api *api, yz_http_req *req)
{
    return yz__api_may(api, req, "report_held_text", NULL);
}

static void put_str_or_null(yz_buf *b, const char *s)
{
    if (s && *s)
        yz_buf_json_str(b, s, strlen(s));
    else
        yz_buf_puts(b, "null");
}

static void put_time(yz_buf *b, int64_t t)
{
    char ts[32];
    yz_time_format_iso8601(t, OFFSET_MIN, ts);
    yz_buf_putc(b, '"');
    yz_buf_puts(b, ts);
    yz_buf_putc(b, '"');
}

/* `"lat":…,"<lon_key>":…`: a reporter's own position is published rounded to 0.001 degree
 * (a grid of about 110 m by 100 m here: where someone stood, not who), exact for operators;
 * the station's position, used when the reporter sent none, is public anyway. */
static void put_position(yz_buf *b, const yz_report *r, const char *lon_key, bool for_operator)
{
    int decimals = r->reporter_pos && !for_operator ? PUBLIC_POS_DECIMALS : 6;
    yz_buf_puts(b, "\"lat\":");
    yz_buf_fixed(b, r->lat, decimals);
    yz_buf_printf(b, ",\"%s\":", lon_key);
    yz_buf_fixed(b, r->lon, decimals);
}

/* Open311's status_notes: our notes, preceded by the closing reason once closed. */
static void put_status_notes(yz_buf *b, const yz_report *r)
{
    if (r->status != YZ_REPORT_CLOSED) {
        put_str_or_null(b, r->notes);
        return;
    }
    yz_buf t;
    yz_buf_init(&t);
    yz_buf_puts(&t, yz_report_reason_name(r->reason));
    if (r->notes && *r->notes) {
        yz_buf_puts(&t, ": ");
        yz_buf_puts(&t, r->notes);
    }
    yz_buf_json_str(b, t.data, t.len);
    yz_buf_fini(&t);
}

/* One request in the GeoReport v2 shape, plus our station_code and me_too. `for_operator`:
 * the admin token was given (exact positions). */
static void render_o311(yz_api *api, yz_buf *b, const yz_report *r, bool for_operator)
{
    const yz_report_service *svc = find_service(api, r->service_code);
    yz_buf_printf(b, "{\"service_request_id\":\"%lld\",\"status\":\"%s\",\"status_notes\":",
                  (long long)r->id, r->status == YZ_REPORT_CLOSED ? "closed" : "open");
    put_status_notes(b, r);
    yz_buf_puts(b, ",\"service_name\":");
    put_str_or_null(b, svc ? svc->name : NULL);
    yz_buf_puts(b, ",\"service_code\":");
    yz_buf_json_str(b, r->service_code, strlen(r->service_code));
    yz_buf_puts(b, ",\"description\":");
    put_str_or_null(b, r->held_reasons ? NULL : r->description); /* held: not public */
    yz_buf_puts(b, ",\"agency_responsible\":null,\"service_notice\":null,"
                   "\"requested_datetime\":");
    put_time(b, r->requested_at);
    yz_buf_puts(b, ",\"updated_datetime\":");
    put_time(b, r->updated_at);
    yz_buf_puts(b, ",\"expected_datetime\":null,\"address\":");
    put_str_or_null(b, r->address);
    yz_buf_puts(b, ",\"address_id\":null,\"zipcode\":null,");
    put_position(b, r, "long", for_operator);
    yz_buf_puts(b, ",\"media_url\":");
    put_str_or_null(b, r->held_reasons ? NULL : r->media_url); /* held: not public */
    yz_buf_puts(b, ",\"station_code\":");
    yz_buf_json_str(b, r->station_code, strlen(r->station_code));
    yz_buf_printf(b, ",\"me_too\":%lld}", (long long)r->me_too);
}

/* One report in our JSON shape, without its closing brace (a moderator's view adds the
 * submissions). `moderator`: the admin token was given (held texts, exact positions, the
 * submission's link to the report it joined). */
static void render_ours_open(yz_api *api, yz_buf *b, const yz_report *r, bool moderator)
{
    const yz_report_service *svc = find_service(api, r->service_code);
    yz_buf_printf(b, "{\"id\":%lld,\"service_code\":", (long long)r->id);
    yz_buf_json_str(b, r->service_code, strlen(r->service_code));
    yz_buf_puts(b, ",\"service_name\":");
    put_str_or_null(b, svc ? svc->name : NULL);
    yz_buf_puts(b, ",\"service_name_en\":");
    put_str_or_null(b, svc ? svc->name_en : NULL);
    yz_buf_puts(b, ",\"station_id\":");
    if (r->station_id > 0)
        yz_buf_int(b, (long long)r->station_id);
    else
        yz_buf_puts(b, "null");
    yz_buf_puts(b, ",\"station_code\":");
    yz_buf_json_str(b, r->station_code, strlen(r->station_code));
    yz_buf_printf(b, ",\"status\":\"%s\",\"open311_status\":\"%s\",\"reason\":",
                  yz_report_status_name(r->status),
                  r->status == YZ_REPORT_CLOSED ? "closed" : "open");
    put_str_or_null(b, yz_report_reason_name(r->reason));
    yz_buf_puts(b, ",\"notes\":");
    put_str_or_null(b, r->notes);
    yz_buf_puts(b, ",\"description\":");
    if (r->held_reasons && !moderator)
        yz_buf_puts(b, "null");
    else
        yz_buf_json_str(b, r->description, strlen(r->description));
    yz_buf_puts(b, ",\"description_status\":");
    yz_buf_puts(b, !r->held_reasons   ? "\"published\""
                   : r->text_rejected ? "\"rejected\""
                                      : "\"held\"");
    if (r->held_reasons) {
        yz_buf_puts(b, ",\"held_reasons\":");
        yz_mod_reasons_json(yz_mod_reasons_parse(r->held_reasons), b);
        if (moderator && (yz_mod_reasons_parse(r->held_reasons) & YZ_MOD_LEARNED))
            yz__api_render_verdict(api, "report", r->id, b);
    }
    yz_buf_puts(b, ",\"address\":");
    yz_buf_json_str(b, r->address, strlen(r->address));
    yz_buf_putc(b, ',');
    put_position(b, r, "lon", moderator);
    yz_buf_puts(b, ",\"media_url\":");
    put_str_or_null(b, r->held_reasons && !moderator ? NULL : r->media_url);
    yz_buf_printf(b, ",\"me_too\":%lld", (long long)r->me_too);
    if (moderator && r->merged_into)
        yz_buf_printf(b, ",\"merged_into\":%lld", (long long)r->merged_into);
    if (moderator) { /* the assignment is staff's business */
        yz_buf_puts(b, ",\"assigned_to\":");
        if (r->assigned_to)
            yz_buf_int(b, (long long)r->assigned_to);
        else
            yz_buf_puts(b, "null");
    }
    yz_buf_puts(b, ",\"requested_at\":");
    put_time(b, r->requested_at);
    yz_buf_puts(b, ",\"updated_at\":");
    put_time(b, r->updated_at);
}

/* One report in our JSON shape. */
static void render_ours(yz_api *api, yz_buf *b, const yz_report *r, bool moderator)
{
    render_ours_open(api, b, r, moderator);
    yz_buf_putc(b, '}');
}

#define OPEN_MASK                                                                                  \
    ((1u << YZ_REPORT_OPEN) | (1u << YZ_REPORT_ACKNOWLEDGED) | (1u << YZ_REPORT_IN_PROGRESS))

void yz__api_render_open_reports(yz_api *api, int64_t station_id, yz_buf *b)
{
    yz_report_filter f = {.station_id = station_id, .status_mask = OPEN_MASK, .limit = 100};
    yz_report *a = NULL;
    size_t n = 0;
    yz_errinfo ei;
    if (!api->reports || station_id <= 0)
        return;
    if (yz_store_report_list(api->st, &f, &a, &n, &ei)) {
        yz_log_warn("open reports of station %lld: %s", (long long)station_id, ei.msg_en);
        return;
    }
    yz_buf_puts(b, ",\"open_reports\":[");
    for (size_t i = 0; i < n; i++) {
        yz_buf_printf(b, "%s{\"id\":%lld,\"service_code\":", i ? "," : "", (long long)a[i].id);
        yz_buf_json_str(b, a[i].service_code, strlen(a[i].service_code));
        yz_buf_printf(b, ",\"status\":\"%s\",\"me_too\":%lld,\"requested_at\":",
                      yz_report_status_name(a[i].status), (long long)a[i].me_too);
        put_time(b, a[i].requested_at);
        yz_buf_putc(b, '}');
    }
    yz_buf_putc(b, ']');
    yz_report_array_free(a, n);
}

/* --- GET /open311/v2/services.json, /open311/v2/services/{code}.json -------------------- */

/* Open311's own parameters, accepted everywhere and ignored (one city, no keys). */
#define P_O311_COMMON(T)                                                                       \
    {"jurisdiction_id", YZ_PARAM_TEXT, offsetof(T, jurisdiction_id), 0, 0, 0, 0, NULL, NULL},   \
        {"api_key", YZ_PARAM_TEXT, offsetof(T, api_key), 0, 0, 0, 0, NULL, NULL}
typedef struct o311_args {
    const char *jurisdiction_id, *api_key;
} o311_args;
static const yz_param o311_common_params[] = {P_O311_COMMON(o311_args)};

static void h_services(void *ctx, yz_http_req *req)
{
    yz_api *api = ctx;
    yz_errinfo ei;
    yz_err_clear(&ei);
    const yz_report_service *svc;
    size_t n;
    o311_args o311;
    int err = YZ_API_PARAMS(req, o311_common_params, &o311, &ei);
    if (!err)
        err = services(api, &svc, &n, &ei);
    if (err) {
        o311_error(req, &ei);
        return;
    }
    yz_buf b;
    yz_buf_init(&b);
    yz_buf_putc(&b, '[');
    for (size_t i = 0; i < n; i++) {
        yz_buf_puts(&b, i ? ",{\"service_code\":" : "{\"service_code\":");
        yz_buf_json_str(&b, svc[i].code, strlen(svc[i].code));
        yz_buf_puts(&b, ",\"service_name\":");
        yz_buf_json_str(&b, svc[i].name, strlen(svc[i].name));
        yz_buf_puts(&b, ",\"description\":");
        yz_buf_json_str(&b, svc[i].description, strlen(svc[i].description));
        yz_buf_printf(&b, ",\"metadata\":%s,\"type\":\"realtime\",\"keywords\":",
                      svc[i].metadata ? "true" : "false");
        yz_buf_json_str(&b, svc[i].keywords, strlen(svc[i].keywords));
        yz_buf_puts(&b, ",\"group\":");
        yz_buf_json_str(&b, svc[i].group, strlen(svc[i].group));
        yz_buf_putc(&b, '}');
    }
    yz_buf_puts(&b, "]\n");
    yz__api_ok(req, &b);
}

static void h_service_def(void *ctx, yz_http_req *req)
{
    yz_api *api = ctx;
    yz_errinfo ei;
    yz_err_clear(&ei);
    const char *p = yz_http_param(req, 0);
    size_t n = p ? strlen(p) : 0;
    o311_args o311;
    int err = YZ_API_PARAMS(req, o311_common_params, &o311, &ei);
    if (err) {
        o311_error(req, &ei);
        return;
    }
    const yz_report_service *svc = NULL;
    if (n > 5 && n < 64 && strcmp(p + n - 5, ".json") == 0) {
        char code[64];
        memcpy(code, p, n - 5);
        code[n - 5] = '\0';
        svc = find_service(api, code);
    }
    if (!svc) {
        yz_err_set(&ei, YZ_ENOTFOUND, "service_code", "未知的服务代码", "unknown service_code");
        o311_error(req, &ei);
        return;
    }
    yz_buf b;
    yz_buf_init(&b);
    yz_buf_puts(&b, "{\"service_code\":");
    yz_buf_json_str(&b, svc->code, strlen(svc->code));
    yz_buf_puts(&b, ",\"attributes\":[");
    if (svc->metadata)
        yz_buf_puts(&b,
                    "{\"variable\":true,\"code\":\"station_code\",\"datatype\":\"string\","
                    "\"required\":false,\"datatype_description\":"
                    "\"驿站编号，印在驿站二维码海报上；不填时须提供 lat/long（200 米内的驿站）。"
                    "The station code printed on the station's QR poster; without it, lat/long "
                    "within 200 m of a station are required.\","
                    "\"order\":1,\"description\":\"驿站编号 Station code\"}");
    yz_buf_puts(&b, "]}\n");
    yz__api_ok(req, &b);
}

/* --- POST /open311/v2/requests.json ------------------------------------------------------- */

/* Form fields we read, and the spec's fields we accept without storing (personal data and
 * fields about addresses and accounts we do not have). */
static const char *const form_read[] = {"service_code", "lat",       "long",
                                        "description",  "media_url", "attribute[station_code]"};
static const char *const form_ignored[] = {
    "jurisdiction_id", "api_key",    "address_string", "address_id", "email",
    "device_id",       "account_id", "first_name",     "last_name",  "phone"};

static int check_form_keys(const yz_form *f, yz_errinfo *ei)
{
    for (size_t i = 0; i < f->n; i++) {
        const char *k = f->pairs[i].key;
        bool ok = false;
        for (size_t j = 0; !ok && j < sizeof form_read / sizeof *form_read; j++)
            ok = strcmp(k, form_read[j]) == 0;
        for (size_t j = 0; !ok && j < sizeof form_ignored / sizeof *form_ignored; j++)
            ok = strcmp(k, form_ignored[j]) == 0;
        if (ok)
            continue;
        if (strlen(k) > 31)
            return yz_err_set(ei, YZ_EINVAL, "body", "未知字段", "unknown field");
        if (strncmp(k, "attribute[", 10) == 0)
            return yz_err_setf(ei, YZ_EINVAL, k, "未知属性 %s（只有 attribute[station_code]）",
                               "unknown attribute %s (only attribute[station_code])", k);
        return yz_err_setf(ei, YZ_EINVAL, k, "未知字段 %s", "unknown field %s", k);
    }
    return YZ_OK;
}

static int form_double(const char *v, const char *name, double lo, double hi, double *out,
                       yz_errinfo *ei)
{
    char *end;
    errno = 0;
    double d = strtod(v, &end);
    if (!*v || *end || errno || !isfinite(d) || d < lo || d > hi)
        return yz_err_setf(ei, YZ_EINVAL, name, "%s 须为 %g 到 %g 之间的数字（WGS-84）",
                           "%s must be a number from %g to %g (WGS-84)", name, lo, hi);
    *out = d;
    return YZ_OK;
}

static int check_media_url(const char *u, yz_errinfo *ei)
{
    bool ok = strlen(u) <= MAX_MEDIA_URL_BYTES &&
              (strncmp(u, "https://", 8) == 0 || strncmp(u, "http://", 7) == 0);
    for (const char *p = u; ok && *p; p++)
        ok = (unsigned char)*p > 0x20 && *p != 0x7f;
    if (!ok)
        return yz_err_set(ei, YZ_EINVAL, "media_url",
                          "media_url 须为 http(s) 链接，不含空白，最长 1000 字节",
                          "media_url must be an http(s) URL without spaces, at most 1000 bytes");
    return YZ_OK;
}

/* Fill r->station_* and address from the station named by `code`, or else the one nearest to
 * (lat, lon) within 200 m. */
static int resolve_station(yz_api *api, const char *code, bool has_pos, double lat, double lon,
                           yz_report *r, yz_errinfo *ei)
{
    const yz_state_view *view = yz_state_acquire(api->state);
    const yz_snap *s = yz_state_snap(view);
    long i = -1;
    int err = YZ_OK;
    if (code) {
        i = yz_snap_find_code(s, code);
        if (i < 0) {
            if (strlen(code) <= 40)
                err = yz_err_setf(ei, YZ_EINVAL, "attribute[station_code]", "驿站 %s 不存在",
                                  "station %s not found", code);
            else
                err = yz_err_set(ei, YZ_EINVAL, "attribute[station_code]", "驿站不存在",
                                 "station not found");
        }
    } else if (has_pos) {
        yz_nearby_query q = {.at = {lat, lon},
                             .k = 1,
                             .radius_m = RESOLVE_RADIUS_M,
                             .district = -1,
                             .t = yz_time_now()};
        yz_nearby_hit hit;
        size_t n = 0;
        err = yz_snap_nearby(s, &q, &hit, &n);
        if (err)
            yz_err_set(ei, YZ_EINVAL, "lat", NULL, NULL);
        else if (n == 0)
            err = yz_err_set(ei, YZ_EINVAL, "lat",
                             "200 米内没有驿站：请靠近驿站，或填写 attribute[station_code]",
                             "no station within 200 m of lat/long: come closer or give "
                             "attribute[station_code]");
        else
            i = (long)hit.station;
    } else {
        err = yz_err_set(ei, YZ_EINVAL, "attribute[station_code]",
                         "须提供 attribute[station_code]，或 200 米内某驿站附近的 lat/long",
                         "give attribute[station_code], or lat/long within 200 m of a station");
    }
    if (!err) {
        yz_station st_buf;
        const yz_station *st = yz_snap_station_get(s, (size_t)i, &st_buf);
        r->station_id = st->id;
        r->station_code = yz_strdup(st->code);
        yz_buf a;
        yz_buf_init(&a);
        yz_buf_puts(&a, st->name);
        if (st->address && *st->address) {
            yz_buf_puts(&a, "，");
            yz_buf_puts(&a, st->address);
        }
        r->address = yz_buf_take(&a);
        r->lat = has_pos ? lat : st->lat;
        r->lon = has_pos ? lon : st->lon;
        r->reporter_pos = has_pos;
    }
    yz_state_release(api->state, view);
    return err;
}

/* The optional header Idempotency-Key (issue 13): 8 to 64 letters, digits, '-' or '_' (the
 * worker app sends a UUID). A submission sent again with the same key answers the stored one
 * (store/reports.h, yz_store_report_create). *out is NULL without the header. */
static int idempotency_key(yz_http_req *req, char **out, yz_errinfo *ei)
{
    const char *k = yz_http_header(req, "Idempotency-Key");
    *out = NULL;
    if (!k)
        return YZ_OK;
    size_t n = strlen(k);
    bool ok = n >= 8 && n <= 64;
    for (size_t i = 0; ok && i < n; i++)
        ok = isalnum((unsigned char)k[i]) || k[i] == '-' || k[i] == '_';
    if (!ok)
        return yz_err_set(ei, YZ_EINVAL, "Idempotency-Key",
                          "Idempotency-Key 须为 8 到 64 个字母、数字、- 或 _",
                          "Idempotency-Key must be 8 to 64 letters, digits, '-' or '_'");
    *out = yz_strdup(k);
    return YZ_OK;
}

static void h_create(void *ctx, yz_http_req *req)
{
    yz_api *api = ctx;
    yz_errinfo ei;
    yz_err_clear(&ei);
    yz_form f = {0};
    yz_report r;
    yz_report_init(&r);
    yz_worker w = {0};
    size_t len;
    const char *body = yz_http_body(req, &len);
    const char *ct = yz_http_header(req, "Content-Type");
    const char *code = NULL, *lat_s = NULL, *lon_s = NULL, *desc = NULL, *media = NULL,
               *station = NULL;
    double lat = 0, lon = 0;
    int err;
    if (yz_http_header(req, "Authorization"))
        err = yz__api_worker(api, req, &w, &ei);
    else
        err = yz__api_limit_ip(api, req, &ei);
    if (err)
        goto fail;
    if (ct && strncasecmp(ct, "application/x-www-form-urlencoded", 33) != 0) {
        err = yz_err_set(&ei, YZ_EINVAL, "Content-Type",
                         "请求体须为 application/x-www-form-urlencoded",
                         "the body must be application/x-www-form-urlencoded");
        goto fail;
    }
    if ((err = yz__form_parse(body, len, &f, &ei)) || (err = check_form_keys(&f, &ei)) ||
        (err = yz__form_get(&f, "service_code", &code, &ei)) ||
        (err = yz__form_get(&f, "lat", &lat_s, &ei)) ||
        (err = yz__form_get(&f, "long", &lon_s, &ei)) ||
        (err = yz__form_get(&f, "description", &desc, &ei)) ||
        (err = yz__form_get(&f, "media_url", &media, &ei)) ||
        (err = yz__form_get(&f, "attribute[station_code]", &station, &ei)))
        goto fail;
    /* Empty values count as absent, as HTML forms send them. */
    if (lat_s && !*lat_s)
        lat_s = NULL;
    if (lon_s && !*lon_s)
        lon_s = NULL;
    if (media && !*media)
        media = NULL;
    if (station && !*station)
        station = NULL;
    if (!code || !*code) {
        err = yz_err_set(&ei, YZ_EINVAL, "service_code", "缺少 service_code",
                         "service_code is required");
        goto fail;
    }
    if (!find_service(api, code)) {
        if (strlen(code) <= 40)
            err = yz_err_setf(&ei, YZ_EINVAL, "service_code", "未知的服务代码 %s",
                              "unknown service_code %s", code);
        else
            err = yz_err_set(&ei, YZ_EINVAL, "service_code", "未知的服务代码",
                             "unknown service_code");
        goto fail;
    }
    if (desc && utf8_chars(desc) > MAX_DESCRIPTION_CHARS) {
        err = yz_err_set(&ei, YZ_EINVAL, "description", "描述最长 4000 字",
                         "description is at most 4,000 characters");
        goto fail;
    }
    if (media && (err = check_media_url(media, &ei)))
        goto fail;
    if ((lat_s != NULL) != (lon_s != NULL)) {
        err = yz_err_set(&ei, YZ_EINVAL, lat_s ? "long" : "lat", "lat 与 long 须同时提供",
                         "lat and long go together");
        goto fail;
    }
    if (lat_s && ((err = form_double(lat_s, "lat", -90, 90, &lat, &ei)) ||
                  (err = form_double(lon_s, "long", -180, 180, &lon, &ei))))
        goto fail;
    if ((err = resolve_station(api, station, lat_s != NULL, lat, lon, &r, &ei)) ||
        (err = idempotency_key(req, &r.client_key, &ei)))
        goto fail;
    r.service_code = yz_strdup(code);
    r.description = yz_strdup(desc ? desc : "");
    r.media_url = media ? yz_strdup(media) : NULL;
    r.worker_id = w.id;
    /* The description is screened like a review, and so is the media URL (a link by nature,
     * so only what a URL should not carry counts: phone numbers, contact ids, advert words).
     * Spam is kept but held from public view, the whole request: description and media. */
    const yz_modrules *rules = yz__api_modrules(api);
    yz_clf_verdict cv = {0};
    if (rules) {
        yz_buf scratch;
        yz_modverdict v;
        unsigned reasons = 0;
        yz_buf_init(&scratch);
        memset(&cv, 0, sizeof cv);
        err = YZ_OK;
        if (*r.description) {
            err = yz_mod_screen(rules, yz_state_thread_norm(), r.description, &scratch, &v, &ei);
            if (err)
                yz_err_set(&ei, err, "description", "描述不是有效的 UTF-8",
                           "description is not valid UTF-8");
            else
                reasons |= v.reasons;
        }
        if (!err && r.media_url) {
            err = yz_mod_screen(rules, yz_state_thread_norm(), r.media_url, &scratch, &v, &ei);
            if (err)
                yz_err_set(&ei, err, "media_url", "media_url 不是有效的 UTF-8",
                           "media_url is not valid UTF-8");
            else
                reasons |= v.reasons & ~(unsigned)(YZ_MOD_LINK | YZ_MOD_OFF_TOPIC);
        }
        if (!err && *r.description)
            yz__api_learned(api, r.description, &reasons, &cv);
        if (!err && reasons) {
            yz_buf_reset(&scratch);
            yz_mod_reasons_csv(reasons, &scratch);
            r.held_reasons = yz_buf_take(&scratch);
        }
        yz_buf_fini(&scratch);
        if (err)
            goto fail;
    }
    /* Reports per address, across stations (issue 10): counted for well-formed reports only,
     * just before they are stored. */
    if ((err = yz__api_limit_reports(api, req, &ei)) ||
        (err = yz_store_report_create(api->st, &r, &ei)))
        goto fail;
    if (r.held_reasons && !r.replayed)
        yz__api_keep_verdict(api, "report", r.id, yz_mod_reasons_parse(r.held_reasons), &cv);
    yz_buf b;
    yz_buf_init(&b);
    if (r.merged_into) {
        /* "Me too": the client follows the open report it joined. */
        long long all = (long long)r.me_too + 1;
        yz_buf_printf(&b,
                      "[{\"service_request_id\":\"%lld\",\"service_notice\":"
                      "\"该驿站已有相同问题的报告（编号 %lld），您的反映已并入，共 %lld 人反映。"
                      "This problem was already reported at this station (request %lld): your "
                      "report joined it, %lld reports in all.\",\"account_id\":null,"
                      "\"merged\":true,\"me_too\":%lld}]\n",
                      (long long)r.merged_into, (long long)r.merged_into, all,
                      (long long)r.merged_into, all, (long long)r.me_too);
    } else {
        yz_buf_printf(&b,
                      "[{\"service_request_id\":\"%lld\",\"service_notice\":"
                      "\"已收到，驿站管理方会尽快处理。Received: the station's operator will "
                      "look into it.\",\"account_id\":null,\"merged\":false,\"me_too\":0}]\n",
                      (long long)r.id);
    }
    int status = r.merged_into ? 200 : 201;
    yz__form_fini(&f);
    yz_report_fini(&r);
    yz_http_respond(req, status, YZ_JSON, &b);
    return;
fail:
    yz__form_fini(&f);
    yz_report_fini(&r);
    o311_error(req, &ei);
}

/* --- GET /open311/v2/requests.json, /open311/v2/requests/{id}.json ------------------------ */

static int parse_ids(const char *v, int64_t **ids, size_t *n, yz_errinfo *ei)
{
    size_t cap = 0;
    *ids = NULL;
    *n = 0;
    const char *p = v;
    for (;;) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        int64_t id;
        if (!yz_parse_id(p, len, &id) || *n == MAX_IDS) {
            yz_free(*ids);
            *ids = NULL;
            *n = 0;
            return yz_err_set(ei, YZ_EINVAL, "service_request_id",
                              "service_request_id 须为逗号分隔的编号（最多 1000 个）",
                              "service_request_id must be a comma-separated list of ids (at "
                              "most 1000)");
        }
        if (*n == cap) {
            cap = cap ? cap * 2 : 8;
            *ids = yz_reallocarray(*ids, cap, sizeof **ids);
        }
        (*ids)[(*n)++] = id;
        if (!e)
            return YZ_OK;
        p = e + 1;
    }
}

/* The station named by `v` (id or code) in the current snapshot: its id, or 0 with `ei`. */
static int64_t station_by_ref(yz_api *api, const char *v, const char *field, yz_errinfo *ei)
{
    const yz_state_view *view = yz_state_acquire(api->state);
    const yz_snap *s = yz_state_snap(view);
    long i = yz__api_param_station(s, v, field, ei);
    int64_t id = i >= 0 ? yz_snap_station_id(s, (size_t)i) : 0;
    yz_state_release(api->state, view);
    return id;
}

static int o311_status_parse(const char *w)
{
    return !strcmp(w, "open") ? 0 : !strcmp(w, "closed") ? 1 : -1;
}

/* GET requests.json: with service_request_id, the spec ignores every other filter, so they
 * are only names then (o311_ids_params); otherwise they are read (o311_list_params). */
typedef struct o311_list_args {
    const char *service_request_id, *service_code, *station_code, *jurisdiction_id, *api_key;
    const char *start_text, *end_text, *status_text;
    int64_t start, end;
    uint32_t status; /* bit 0: open, bit 1: closed */
} o311_list_args;

#define P_O311_TEXT(name, m)                                                                   \
    {name, YZ_PARAM_TEXT, offsetof(o311_list_args, m), 0, 0, 0, 0, NULL, NULL}
static const yz_param o311_ids_params[] = {
    P_O311_TEXT("service_request_id", service_request_id),
    P_O311_TEXT("service_code", service_code),
    P_O311_TEXT("start_date", start_text),
    P_O311_TEXT("end_date", end_text),
    P_O311_TEXT("status", status_text),
    P_O311_TEXT("station_code", station_code),
    P_O311_COMMON(o311_list_args),
};
static const yz_param o311_list_params[] = {
    P_O311_TEXT("service_code", service_code),
    {"start_date", YZ_PARAM_TIME, offsetof(o311_list_args, start), 0, 0, 0, 0, NULL, NULL},
    {"end_date", YZ_PARAM_TIME, offsetof(o311_list_args, end), 0, 0, 0, 0, NULL, NULL},
    {"status", YZ_PARAM_WORDS, offsetof(o311_list_args, status), 0, 0, 0, 0, o311_status_parse,
     "open, closed"},
    P_O311_TEXT("station_code", station_code),
    P_O311_COMMON(o311_list_args),
};

static void h_o311_list(void *ctx, yz_http_req *req)
{
    yz_api *api = ctx;
    yz_errinfo ei;
    yz_err_clear(&ei);
    yz_report_filter f = {.limit = MAX_LIST};
    int64_t *ids = NULL;
    yz_report *a = NULL;
    size_t n = 0;
    o311_list_args q;
    int err;
    if (yz__api_param_given(req, "service_request_id")) {
        if ((err = YZ_API_PARAMS(req, o311_ids_params, &q, &ei)) ||
            (err = parse_ids(q.service_request_id, &ids, &f.n_ids, &ei)))
            goto fail;
        f.ids = ids;
    } else {
        if ((err = YZ_API_PARAMS(req, o311_list_params, &q, &ei)))
            goto fail;
        bool has_from = yz__api_param_given(req, "start_date");
        bool has_to = yz__api_param_given(req, "end_date");
        int64_t now = yz_time_now();
        f.from = q.start;
        f.to = q.end;
        if (has_from && has_to && f.from > f.to) {
            err = yz_err_set(&ei, YZ_EINVAL, "end_date", "end_date 早于 start_date",
                             "end_date is before start_date");
            goto fail;
        }
        if (!has_from)
            f.from = (has_to ? f.to : now) - DEFAULT_SPAN_S;
        if (!has_to)
            f.to = 0;
        if (q.service_code) {
            if (!find_service(api, q.service_code)) {
                err = yz_err_set(&ei, YZ_EINVAL, "service_code", "未知的服务代码",
                                 "unknown service_code");
                goto fail;
            }
            f.service_code = q.service_code;
        }
        if (q.status == 1)
            f.status_mask = OPEN_MASK;
        else if (q.status == 2)
            f.status_mask = 1u << YZ_REPORT_CLOSED;
        if (q.station_code &&
            !(f.station_id = station_by_ref(api, q.station_code, "station_code", &ei))) {
            err = YZ_EINVAL;
            goto fail;
        }
    }
    if ((err = yz_store_report_list(api->st, &f, &a, &n, &ei)))
        goto fail;
    bool staff = may_see_more(api, req);
    yz_buf b;
    yz_buf_init(&b);
    yz_buf_putc(&b, '[');
    for (size_t i = 0; i < n; i++) {
        if (i)
            yz_buf_putc(&b, ',');
        render_o311(api, &b, &a[i], staff && is_operator(api, req, a[i].station_id));
    }
    yz_buf_puts(&b, "]\n");
    yz_report_array_free(a, n);
    yz_free(ids);
    yz__api_ok(req, &b);
    return;
fail:
    yz_free(ids);
    o311_error(req, &ei);
}

static void h_o311_get(void *ctx, yz_http_req *req)
{
    yz_api *api = ctx;
    yz_errinfo ei;
    yz_err_clear(&ei);
    int64_t id;
    yz_report r;
    yz_report_init(&r);
    o311_args o311;
    int err = YZ_API_PARAMS(req, o311_common_params, &o311, &ei);
    if (!err)
        err = path_id(req, ".json", &id, &ei);
    if (!err)
        err = yz_store_report_get(api->st, id, &r, &ei);
    bool op = !err && is_operator(api, req, r.station_id);
    if (!err && r.merged_into && !op) /* a submission that joined another is not public */
        err = yz_err_set(&ei, YZ_ENOTFOUND, "id", "报告不存在", "report not found");
    if (err) {
        yz_report_fini(&r);
        o311_error(req, &ei);
        return;
    }
    yz_buf b;
    yz_buf_init(&b);
    yz_buf_putc(&b, '[');
    render_o311(api, &b, &r, op);
    yz_buf_puts(&b, "]\n");
    yz_report_fini(&r);
    yz__api_ok(req, &b);
}

/* --- /api/v1/reports ------------------------------------------------------------------------ */

/* Staff see who a report is assigned to: `,"assignee":{"id","login","name"}` (null when
 * nobody, or when the user is not in `users`, n of them). */
static void put_assignee(yz_buf *b, const yz_report *r, const yz_user *users, size_t n)
{
    const yz_user *u = NULL;
    for (size_t i = 0; r->assigned_to && i < n && !u; i++)
        if (users[i].id == r->assigned_to)
            u = &users[i];
    yz_buf_puts(b, ",\"assignee\":");
    if (!u) {
        yz_buf_puts(b, "null");
        return;
    }
    yz_buf_printf(b, "{\"id\":%lld,\"login\":", (long long)u->id);
    yz_buf_json_str(b, u->login, strlen(u->login));
    yz_buf_puts(b, ",\"name\":");
    yz_buf_json_str(b, u->name ? u->name : "", u->name ? strlen(u->name) : 0);
    yz_buf_putc(b, '}');
}

/* Every user, when some report of `a` (n) is assigned and the asker is staff; NULL else. A
 * store error leaves the names out (the ids stay). */
static yz_user *users_for(yz_api *api, const yz_report *a, size_t n, bool staff, size_t *nu)
{
    bool any = false;
    for (size_t i = 0; i < n; i++)
        any = any || a[i].assigned_to;
    *nu = 0;
    yz_user *u = NULL;
    yz_errinfo ei;
    if (staff && any && yz_store_user_list(api->st, &u, nu, &ei)) {
        yz_log_warn("reports: the assignees' names: %s", ei.msg_en);
        u = NULL;
        *nu = 0;
    }
    return u;
}

static void respond_list(yz_api *api, yz_http_req *req, const yz_report_filter *f,
                         const char *prefix)
{
    yz_errinfo ei;
    yz_err_clear(&ei);
    yz_report *a = NULL;
    size_t n = 0;
    int err = yz_store_report_list(api->st, f, &a, &n, &ei);
    if (err) {
        yz_api_error(req, &ei);
        return;
    }
    bool staff = may_see_more(api, req);
    size_t nu = 0;
    yz_user *users = users_for(api, a, n, staff, &nu);
    yz_buf b;
    yz_buf_init(&b);
    yz_buf_putc(&b, '{');
    yz_buf_puts(&b, prefix);
    yz_buf_puts(&b, "\"reports\":[");
    for (size_t i = 0; i < n; i++) {
        if (i)
            yz_buf_putc(&b, ',');
        bool op = staff && is_operator(api, req, a[i].station_id);
        render_ours_open(api, &b, &a[i], op);
        if (op)
            put_assignee(&b, &a[i], users, nu);
        yz_buf_putc(&b, '}');
    }
    yz_buf_printf(&b, "],\"count\":%zu}\n", n);
    yz_users_free(users, nu);
    yz_report_array_free(a, n);
    yz__api_ok(req, &b);
}

#define NOT_CLOSED 31 /* status=not_closed: open, acknowledged or in progress */

static int list_status_parse(const char *w)
{
    return strcmp(w, "not_closed") == 0 ? NOT_CLOSED : yz_report_status_parse(w);
}

static int list_order_parse(const char *w)
{
    return !strcmp(w, "newest") ? 0 : !strcmp(w, "oldest") ? 1 : -1;
}

static int list_text_parse(const char *w)
{
    return !strcmp(w, "held") ? 1 : -1;
}

typedef struct list_args {
    const char *station, *service_code, *district, *assigned_to;
    int status, order, text;
    long limit;
} list_args;

static const yz_param list_params[] = {
    {"station", YZ_PARAM_TEXT, offsetof(list_args, station), 0, 0, 0, 0, NULL, NULL},
    {"status", YZ_PARAM_WORD, offsetof(list_args, status), 0, 0, -1, 0, list_status_parse,
     "open, acknowledged, in_progress, closed, not_closed"},
    {"service_code", YZ_PARAM_TEXT, offsetof(list_args, service_code), 0, 0, 0, 0, NULL, NULL},
    {"district", YZ_PARAM_TEXT, offsetof(list_args, district), 0, 31, 0, 0, NULL, NULL},
    {"assigned_to", YZ_PARAM_TEXT, offsetof(list_args, assigned_to), 0, 24, 0, 0, NULL, NULL},
    {"description_status", YZ_PARAM_WORD, offsetof(list_args, text), 0, 0, 0, 0,
     list_text_parse, "held"},
    {"order", YZ_PARAM_WORD, offsetof(list_args, order), 0, 0, 0, 0, list_order_parse,
     "newest, oldest"},
    {"limit", YZ_PARAM_INT, offsetof(list_args, limit), 1, MAX_LIST, 100, 0, NULL, NULL},
};

/* The `assigned_to` filter: a user id, "me" (the asker) or "none" (nobody). Staff only: who
 * a report is assigned to is not public. */
static int list_assignee(yz_api *api, yz_http_req *req, const char *v, int64_t *out,
                         yz_errinfo *ei)
{
    if (!may_see_more(api, req))
        return yz_err_set(ei, YZ_EFORBIDDEN, "assigned_to", "只有工作人员可按指派人筛选",
                          "only staff may filter by assignee");
    if (strcmp(v, "none") == 0) {
        *out = YZ_REPORT_UNASSIGNED;
        return YZ_OK;
    }
    if (strcmp(v, "me") == 0) {
        const yz_actor *a = yz__api_actor(api, req);
        if (a->kind != YZ_ACTOR_USER)
            return yz_err_set(ei, YZ_EINVAL, "assigned_to", "管理令牌不是用户，不能用 me",
                              "the admin token is no user: \"me\" means nobody");
        *out = a->user.id;
        return YZ_OK;
    }
    if (!yz_parse_id(v, strlen(v), out))
        return yz_err_set(ei, YZ_EINVAL, "assigned_to", "assigned_to 须为用户 id、me 或 none",
                          "assigned_to must be a user id, me or none");
    return YZ_OK;
}

static void h_list(void *ctx, yz_http_req *req)
{
    yz_api *api = ctx;
    yz_errinfo ei;
    yz_err_clear(&ei);
    yz_report_filter f = {.limit = 100};
    list_args q;
    int err = YZ_API_PARAMS(req, list_params, &q, &ei);
    if (err)
        goto fail;
    if (q.station && !(f.station_id = station_by_ref(api, q.station, "station", &ei))) {
        err = YZ_EINVAL;
        goto fail;
    }
    if (q.status >= 0)
        f.status_mask = q.status == NOT_CLOSED ? OPEN_MASK : 1u << q.status;
    if (q.service_code) {
        if (!find_service(api, q.service_code)) {
            err = yz_err_set(&ei, YZ_EINVAL, "service_code", "未知的服务代码",
                             "unknown service_code");
            goto fail;
        }
        f.service_code = q.service_code;
    }
    if (q.district) {
        const yz_state_view *view = yz_state_acquire(api->state);
        bool known = yz_snap_find_district(yz_state_snap(view), q.district) >= 0;
        yz_state_release(api->state, view);
        if (!known) {
            err = yz_err_setf(&ei, YZ_EINVAL, "district", "未知的区县代码 %.20s",
                              "unknown district code %.20s", q.district);
            goto fail;
        }
        f.district = q.district;
    }
    if (q.assigned_to && (err = list_assignee(api, req, q.assigned_to, &f.assigned_to, &ei)))
        goto fail;
    f.held = q.text == 1;
    f.oldest_first = q.order == 1;
    f.limit = (size_t)q.limit;
    respond_list(api, req, &f, "");
    return;
fail:
    yz_api_error(req, &ei);
}

static const int assignee_roles[] = {YZ_ROLE_OPERATOR, YZ_ROLE_DISTRICT_ADMIN};

/* Whether user `u` may be given report `r` (its station's target `t`): not disabled, and an
 * operator or district admin whose scope covers the station (as report_patch checks it). */
static bool may_be_assigned(const yz_user *u, const yz_target *t)
{
    return yz__api_user_covers(u, "report_patch", assignee_roles,
                               sizeof assignee_roles / sizeof *assignee_roles, t);
}

/* What staff see of one report besides its texts: `,"assignee":{...}`, and for those who may
 * change it, `,"assignable":[{"id","login","name"}]`, the users it may be assigned to. */
static void put_staff(yz_api *api, yz_http_req *req, yz_buf *b, const yz_report *r,
                      bool assignable)
{
    yz_user *users = NULL;
    size_t nu = 0;
    yz_errinfo ei;
    if (yz_store_user_list(api->st, &users, &nu, &ei)) {
        yz_log_warn("reports: the users for report %lld: %s", (long long)r->id, ei.msg_en);
        users = NULL;
        nu = 0;
    }
    put_assignee(b, r, users, nu);
    yz_target t = {0};
    yz__api_target_station(api, r->station_id, &t);
    if (assignable && !r->merged_into && yz__api_may(api, req, "report_patch", &t)) {
        yz_buf_puts(b, ",\"assignable\":[");
        bool first = true;
        for (size_t i = 0; i < nu; i++) {
            if (!may_be_assigned(&users[i], &t))
                continue;
            yz_buf_printf(b, "%s{\"id\":%lld,\"login\":", first ? "" : ",",
                          (long long)users[i].id);
            yz_buf_json_str(b, users[i].login, strlen(users[i].login));
            yz_buf_puts(b, ",\"name\":");
            yz_buf_json_str(b, users[i].name ? users[i].name : "",
                            users[i].name ? strlen(users[i].name) : 0);
            yz_buf_putc(b, '}');
            first = false;
        }
        yz_buf_putc(b, ']');
    }
    yz_users_free(users, nu);
}

static void h_get(void *ctx, yz_http_req *req)
{
    yz_api *api = ctx;
    yz_errinfo ei;
    yz_err_clear(&ei);
    int64_t id;
    yz_report r;
    yz_report_init(&r);
    int err = yz__api_params(req, NULL, 0, NULL, &ei);
    if (!err)
        err = path_id(req, NULL, &id, &ei);
    if (!err)
        err = yz_store_report_get(api->st, id, &r, &ei);
    /* A moderator (admin token) sees a held description, the exact position and each
     * submission that joined the report; everyone else does not, and a submission that joined
     * another report is not public. */
    bool moderator = !err && is_operator(api, req, r.station_id);
    if (!err && r.merged_into && !moderator)
        err = yz_err_set(&ei, YZ_ENOTFOUND, "id", "报告不存在", "report not found");
    yz_report *subs = NULL;
    size_t n_subs = 0;
    if (!err && moderator && !r.merged_into) {
        yz_report_filter f = {.merged_into = r.id, .limit = MAX_LIST};
        err = yz_store_report_list(api->st, &f, &subs, &n_subs, &ei);
    }
    if (err) {
        yz_report_fini(&r);
        yz_api_error(req, &ei);
        return;
    }
    yz_buf b;
    yz_buf_init(&b);
    render_ours_open(api, &b, &r, moderator);
    if (moderator)
        put_staff(api, req, &b, &r, true);
    if (moderator && !r.merged_into) {
        yz_buf_puts(&b, ",\"submissions\":[");
        for (size_t i = 0; i < n_subs; i++) {
            if (i)
                yz_buf_putc(&b, ',');
            render_ours(api, &b, &subs[i], true);
        }
        yz_buf_putc(&b, ']');
    }
    yz_buf_putc(&b, '}');
    yz_report_array_free(subs, n_subs);
    yz_buf_putc(&b, '\n');
    yz_report_fini(&r);
    yz__api_ok(req, &b);
}

/* The `assigned_to` of a PATCH: null (-> 0) or a user id (> 0). */
static int parse_assign(json_t *v, int64_t *out, yz_errinfo *ei)
{
    if (json_is_null(v)) {
        *out = 0;
        return YZ_OK;
    }
    if (!json_is_integer(v) || json_integer_value(v) <= 0)
        return yz_err_set(ei, YZ_EINVAL, "assigned_to", "assigned_to 须为用户 id 或 null",
                          "assigned_to must be a user id or null");
    *out = (int64_t)json_integer_value(v);
    return YZ_OK;
}

/* Check that user `id` may be given a report at target `t` (may_be_assigned). */
static int check_assignee(yz_api *api, int64_t id, const yz_target *t, yz_errinfo *ei)
{
    yz_user u;
    yz_user_init(&u);
    int err = yz_store_user_get(api->st, id, &u, ei);
    if (err == YZ_ENOTFOUND)
        err = yz_err_setf(ei, YZ_EINVAL, "assigned_to", "用户 %lld 不存在", "no user %lld",
                          (long long)id);
    else if (!err && u.disabled)
        err = yz_err_setf(ei, YZ_EINVAL, "assigned_to", "用户 %lld 已停用",
                          "user %lld is disabled", (long long)id);
    else if (!err && !may_be_assigned(&u, t))
        err = yz_err_setf(ei, YZ_EINVAL, "assigned_to",
                          "用户 %lld 不是这个驿站的运营方或区县管理员",
                          "user %lld is no operator or district admin of this station",
                          (long long)id);
    yz_user_fini(&u);
    return err;
}

static void h_patch(void *ctx, yz_http_req *req)
{
    yz_api *api = ctx;
    yz_errinfo ei;
    yz_err_clear(&ei);
    json_t *body = NULL;
    int64_t id;
    yz_report_change c = {.status = -1, .reason = YZ_REASON_NONE, .notes = NULL, .assign = -1};
    bool publish = false, reject = false;
    yz_report r;
    yz_report_init(&r);
    int err = yz__api_authorize(api, req, "report_patch", NULL, &ei);
    if (!err)
        err = path_id(req, NULL, &id, &ei);
    if (!err)
        err = yz__api_parse_json(req, &body, &ei);
    if (err)
        goto fail;
    if (!json_is_object(body)) {
        err = yz_err_set(&ei, YZ_EINVAL, "body", "请求体须为 JSON 对象",
                         "the body must be a JSON object");
        goto fail;
    }
    const char *key;
    json_t *v;
    json_object_foreach(body, key, v)
    {
        if (strcmp(key, "status") == 0) {
            if (!json_is_string(v) ||
                (c.status = yz_report_status_parse(json_string_value(v))) < 0)
                err = yz_err_set(&ei, YZ_EINVAL, "status",
                                 "status 须为 open、acknowledged、in_progress 或 closed",
                                 "status must be open, acknowledged, in_progress or closed");
        } else if (strcmp(key, "reason") == 0) {
            if (json_is_null(v))
                continue;
            if (!json_is_string(v) ||
                (c.reason = yz_report_reason_parse(json_string_value(v))) < 0)
                err = yz_err_set(&ei, YZ_EINVAL, "reason",
                                 "reason 须为 fixed、not_reproducible 或 duplicate",
                                 "reason must be fixed, not_reproducible or duplicate");
        } else if (strcmp(key, "description_status") == 0) {
            /* A moderator publishes a held description, or rejects it (it stays hidden and
             * leaves the queue); holding again is not offered. */
            const char *w = json_is_string(v) ? json_string_value(v) : "";
            if (strcmp(w, "published") == 0)
                publish = true;
            else if (strcmp(w, "rejected") == 0)
                reject = true;
            else
                err = yz_err_set(&ei, YZ_EINVAL, "description_status",
                                 "description_status 只能设为 published 或 rejected",
                                 "description_status can only be set to published or rejected");
        } else if (strcmp(key, "notes") == 0) {
            if (json_is_null(v))
                c.notes = "";
            else if (!json_is_string(v))
                err = yz_err_set(&ei, YZ_EINVAL, "notes", "notes 须为字符串",
                                 "notes must be a string");
            else if (utf8_chars((c.notes = json_string_value(v))) > MAX_NOTES_CHARS)
                err = yz_err_set(&ei, YZ_EINVAL, "notes", "notes 最长 2000 字",
                                 "notes are at most 2,000 characters");
        } else if (strcmp(key, "assigned_to") == 0) {
            err = parse_assign(v, &c.assign, &ei);
        } else if (strlen(key) <= 30) {
            err = yz_err_setf(&ei, YZ_EINVAL, key, "未知字段 %s", "unknown field %s", key);
        } else {
            err = yz_err_set(&ei, YZ_EINVAL, "body", "未知字段", "unknown field");
        }
        if (err)
            goto fail;
    }
    bool record = c.status >= 0 || c.notes || c.assign >= 0;
    if (!record && !publish && !reject) {
        err = yz_err_set(&ei, YZ_EINVAL, "status",
                         "须提供 status、notes、assigned_to 或 description_status",
                         "status, notes, assigned_to or description_status is required");
        goto fail;
    }
    /* checked on the report's station; a change of texts' publication alone is a moderator's */
    yz__api_audit_record(req, "report", id, NULL);
    if ((err = yz_store_report_get(api->st, id, &r, &ei)))
        goto fail;
    yz_target t = {0};
    yz__api_target_station(api, r.station_id, &t);
    t.text_only = !record;
    if ((err = yz__api_authorize(api, req, "report_patch", &t, &ei)))
        goto fail;
    if (c.assign > 0 && (err = check_assignee(api, c.assign, &t, &ei)))
        goto fail;
    yz_buf before;
    yz_buf_init(&before);
    render_ours_open(api, &before, &r, true);
    put_staff(api, req, &before, &r, false);
    yz_buf_putc(&before, '}');
    yz__api_audit_before(req, before.data);
    yz_buf_fini(&before);
    yz_report_fini(&r);
    yz_report_init(&r);
    if (publish && (err = yz_store_report_publish(api->st, id, &ei)))
        goto fail;
    if (reject && (err = yz_store_report_reject_text(api->st, id, &ei)))
        goto fail;
    if (record && (err = yz_store_report_change(api->st, id, &c, &r, &ei)))
        goto fail;
    if (!record && (err = yz_store_report_get(api->st, id, &r, &ei)))
        goto fail;
    /* a moderator found the held description genuine, or spam */
    if (publish || reject)
        yz__api_train(api, "report", r.id, reject ? YZ_CLF_SPAM : YZ_CLF_HAM, r.description);
    yz_buf b;
    yz_buf_init(&b);
    render_ours_open(api, &b, &r, true);
    put_staff(api, req, &b, &r, false);
    yz_buf_puts(&b, "}\n");
    yz_report_fini(&r);
    json_decref(body);
    yz__api_ok(req, &b);
    return;
fail:
    json_decref(body);
    yz_report_fini(&r);
    yz_api_error(req, &ei);
}

static void h_station_reports(void *ctx, yz_http_req *req)
{
    yz_api *api = ctx;
    yz_errinfo ei;
    yz_err_clear(&ei);
    const char *p = yz_http_param(req, 0);
    int err = yz__api_params(req, NULL, 0, NULL, &ei);
    if (err) {
        yz_api_error(req, &ei);
        return;
    }
    int64_t sid = station_by_ref(api, p ? p : "", "id", &ei);
    if (!sid) {
        ei.code = YZ_ENOTFOUND;
        yz_api_error(req, &ei);
        return;
    }
    yz_report_filter f = {.station_id = sid, .status_mask = OPEN_MASK, .limit = MAX_LIST};
    char prefix[48];
    snprintf(prefix, sizeof prefix, "\"station_id\":%lld,", (long long)sid);
    respond_list(api, req, &f, prefix);
}

/* --- registration ------------------------------------------------------------------------ */

void yz__api_register_reports(yz_api *api, yz_http_server *srv)
{
    api->reports = yz_calloc(1, sizeof *api->reports);
    pthread_mutex_init(&api->reports->mu, NULL);
    yz_http_route(srv, "GET", "/open311/v2/services.json", "open311_services", h_services, api);
    yz_http_route(srv, "GET", "/open311/v2/services/{}", "open311_service", h_service_def, api);
    yz_http_route(srv, "POST", "/open311/v2/requests.json", "open311_create", h_create, api);
    yz_http_route(srv, "GET", "/open311/v2/requests.json", "open311_requests", h_o311_list, api);
    yz_http_route(srv, "GET", "/open311/v2/requests/{}", "open311_request", h_o311_get, api);
    yz_http_route(srv, "GET", "/api/v1/reports", "reports_list", h_list, api);
    yz_http_route(srv, "GET", "/api/v1/reports/{}", "report_get", h_get, api);
    yz_http_route(srv, "PATCH", "/api/v1/reports/{}", "report_patch", h_patch, api);
    yz_http_route(srv, "GET", "/api/v1/stations/{}/reports", "station_reports", h_station_reports,
                  api);
}

void yz__api_free_reports(yz_api *api)
{
    if (!api->reports)
        return;
    yz_report_service_array_free(api->reports->svc, api->reports->n_svc);
    pthread_mutex_destroy(&api->reports->mu);
    yz_free(api->reports);
    api->reports = NULL;
}
