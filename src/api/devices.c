/* SPDX-License-Identifier: MIT */
/* api/devices.c - station devices (docs/internals/live.md): the staff routes that register,
 * list, rename, disable, re-key and delete them; the signed HTTP ingest of their readings
 * (the device authenticates itself: HMAC of the request with its key, a timestamp and a
 * nonce remembered in the store); their series; and the `live` member every station a worker
 * sees carries, from the live part of the same view. */
#include "api/api_int.h"
#include "api/params.h"

#include "core/alloc.h"
#include "core/log.h"
#include "core/time.h"
#include "core/utf8.h"
#include "live/devices.h"
#include "live/ingest_int.h"
#include "store/devices.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SIGNED_SKEW_S 300
#define SERIES_MAX 10000 /* points a series answer holds at most */

/* --- the live member ------------------------------------------------------------------------ */

static void render_value(yz_buf *b, const char *name, const yz_live_value *v, bool slots)
{
    if (!v->present)
        return;
    yz_buf_printf(b, ",\"%s\":{\"value\":", name);
    if (v->known) {
        yz_buf_fixed(b, v->value, 0);
        if (slots && v->slots >= 0) {
            yz_buf_puts(b, ",\"slots\":");
            yz_buf_fixed(b, v->slots, 0);
        }
    } else {
        yz_buf_puts(b, "null");
    }
    yz_buf_puts(b, ",\"age_s\":");
    if (v->age_s >= 0)
        yz_buf_int(b, (long long)v->age_s);
    else
        yz_buf_puts(b, "null");
    if (!v->known)
        yz_buf_puts(b, ",\"unknown\":true");
    yz_buf_putc(b, '}');
}

void yz__api_render_live(yz_api *api, const yz_state_view *v, int64_t station_id, yz_buf *b)
{
    const yz_live_station *ls = yz_state_live(v, station_id);
    if (!ls)
        return;
    yz_live_summary sum;
    yz_live_summarize(ls, yz_ingest_now_ms(), (int64_t)api->live_max_age_s * 1000, &sum);
    if (!sum.any)
        return;
    size_t at = b->len;
    yz_buf_puts(b, ",\"live\":{");
    size_t inner = b->len;
    render_value(b, "people_inside", &sum.people_inside, false);
    render_value(b, "seats_free", &sum.seats_free, false);
    render_value(b, "batteries_charged", &sum.batteries_charged, true);
    yz_buf_puts(b, ",\"out_of_order\":[");
    for (size_t i = 0; i < sum.n_ooo; i++)
        yz_buf_printf(b, "%s{\"kind\":\"%s\",\"age_s\":%lld}", i ? "," : "",
                      yz_device_kind_name(sum.ooo[i].kind), (long long)sum.ooo[i].age_s);
    yz_buf_printf(b, "],\"stale_after_s\":%d}", api->live_max_age_s);
    b->data[inner] = ' '; /* the first member's comma */
    memmove(b->data + inner, b->data + inner + 1, b->len - inner - 1);
    b->len--;
    (void)at;
}

bool yz__api_live_keep(yz_api *api, const yz_state_view *v, int64_t station_id, int want)
{
    yz_live_summary sum;
    yz_live_summarize(yz_state_live(v, station_id), yz_ingest_now_ms(),
                      (int64_t)api->live_max_age_s * 1000, &sum);
    const yz_live_value *x = want == YZ_API_LIVE_CHARGED ? &sum.batteries_charged
                                                         : &sum.seats_free;
    return x->known && x->value >= 1;
}

int yz__api_live_parse(const char *v, int *want, yz_errinfo *ei)
{
    *want = 0;
    if (!v)
        return YZ_OK;
    if (!strcmp(v, "charged"))
        *want = YZ_API_LIVE_CHARGED;
    else if (!strcmp(v, "seats"))
        *want = YZ_API_LIVE_SEATS;
    else
        return yz_err_set(ei, YZ_EINVAL, "live", "live 须为 charged 或 seats",
                          "live must be charged or seats");
    return YZ_OK;
}

/* --- staff routes ---------------------------------------------------------------------------- */

static int not_found(yz_errinfo *ei)
{
    return yz_err_set(ei, YZ_ENOTFOUND, "id", "设备不存在", "no such device");
}


static void render_device(yz_api *api, yz_buf *b, const yz_state_view *view, const yz_device *d,
                          bool with_key)
{
    const yz_snap *s = yz_state_snap(view);
    long i = yz_snap_find_id(s, d->station_id);
    yz_buf_printf(b, "{\"id\":%lld", (long long)d->id);
    yz_buf_json_member_str(b, "station", i >= 0 ? yz_snap_station_code(s, (size_t)i) : NULL);
    yz_buf_printf(b, ",\"kind\":\"%s\"", yz_device_kind_name(d->kind));
    yz_buf_json_member_str(b, "name", d->name);
    yz_buf_printf(b, ",\"disabled\":%s", d->disabled ? "true" : "false");
    char iso[32];
    yz_time_format_iso8601(d->created_at, 480, iso);
    yz_buf_printf(b, ",\"created_at\":\"%s\"", iso);
    const yz_live_dev *ld = yz_state_live_device(view, d->id);
    int64_t seen = ld && ld->last_seen > d->last_seen ? ld->last_seen : d->last_seen;
    if (seen) {
        yz_time_format_iso8601(seen / 1000, 480, iso);
        yz_buf_printf(b, ",\"last_seen\":\"%s\"", iso);
    } else {
        yz_buf_puts(b, ",\"last_seen\":null");
    }
    yz_buf_puts(b, ",\"values\":{");
    int64_t now = yz_ingest_now_ms();
    bool first = true;
    for (int m = 1; ld && m < YZ_M__COUNT; m++) {
        if (!ld->v_ts[m])
            continue;
        yz_buf_printf(b, "%s\"%s\":{\"value\":", first ? "" : ",", yz_metric_name(m));
        yz_buf_fixed(b, ld->v[m], m == YZ_M_TEMP_C ? 1 : 0);
        int64_t age = (now - ld->v_ts[m]) / 1000;
        yz_buf_printf(b, ",\"age_s\":%lld", (long long)(age < 0 ? 0 : age));
        if (now - ld->v_ts[m] > (int64_t)api->live_max_age_s * 1000)
            yz_buf_puts(b, ",\"unknown\":true");
        yz_buf_putc(b, '}');
        first = false;
    }
    yz_buf_putc(b, '}');
    if (with_key) {
        yz_buf_json_member_str(b, "key", d->key);
        yz_buf_printf(b,
                      ",\"mqtt\":{\"username\":\"%lld\",\"topic\":\"yizhan/v1/devices/%lld/"
                      "readings\"}",
                      (long long)d->id, (long long)d->id);
    }
    yz_buf_putc(b, '}');
}

static void respond_device(yz_api *api, yz_http_req *req, int status, const yz_device *d,
                           bool with_key)
{
    const yz_state_view *view = yz_state_acquire(api->state);
    yz_buf b;
    yz_buf_init(&b);
    render_device(api, &b, view, d, with_key);
    yz_buf_putc(&b, '\n');
    yz_state_release(api->state, view);
    if (status == 201) {
        char loc[64];
        snprintf(loc, sizeof loc, "/api/v1/devices/%lld", (long long)d->id);
        yz_http_add_header(req, "Location", loc);
    }
    yz_http_respond(req, status, YZ_JSON, &b);
}

static void audit_before(yz_api *api, yz_http_req *req, const yz_device *d)
{
    const yz_state_view *view = yz_state_acquire(api->state);
    yz_buf b;
    yz_buf_init(&b);
    render_device(api, &b, view, d, false);
    yz_state_release(api->state, view);
    yz__api_audit_before(req, b.data);
    yz_buf_fini(&b);
}

/* The station of the path (code or id): its id, and the table's check of `route` on it. */
static int station_of_path(yz_api *api, yz_http_req *req, const char *route, int64_t *station_id,
                           yz_errinfo *ei)
{
    const yz_state_view *view = yz_state_acquire(api->state);
    long i = yz__api_find_station(yz_state_snap(view), req, ei);
    yz_target t = {0};
    if (i >= 0)
        yz__api_target_of(yz_snap_station_get(yz_state_snap(view), (size_t)i, &(yz_station){0}),
                          &t);
    yz_state_release(api->state, view);
    if (i < 0)
        return ei->code;
    *station_id = t.station_id;
    return yz__api_authorize(api, req, route, &t, ei);
}

/* Device of path capture 0 into *d, and the table's check of `route` on its station. */
static int device_of_path(yz_api *api, yz_http_req *req, const char *route, yz_device *d,
                          yz_errinfo *ei)
{
    int64_t id = yz__api_id(yz_http_param(req, 0));
    int err = id ? yz_store_device_get(api->st, id, d, ei) : not_found(ei);
    if (err)
        return err == YZ_ENOTFOUND ? not_found(ei) : err;
    yz_target t = {0};
    t.station_id = d->station_id;
    yz__api_target_station(api, d->station_id, &t);
    err = yz__api_authorize(api, req, route, &t, ei);
    if (!err)
        yz__api_audit_record(req, "device", d->id, t.district);
    return err;
}

static int parse_name(json_t *v, const char **out, yz_errinfo *ei)
{
    if (!json_is_string(v))
        return yz_err_set(ei, YZ_EINVAL, "name", "name 须为文本", "name must be a string");
    const char *s = json_string_value(v);
    size_t chars = 0;
    for (const char *c = s; *c; c++)
        chars += ((unsigned char)*c & 0xC0) != 0x80;
    if (chars > YZ_DEVICE_NAME_MAX || strlen(s) >= sizeof ((yz_device *)0)->name)
        return yz_err_setf(ei, YZ_EINVAL, "name", "名称不能超过 %d 个字",
                           "name must be at most %d characters", YZ_DEVICE_NAME_MAX);
    *out = s;
    return YZ_OK;
}

static void after_write(yz_api *api)
{
    yz_state_live_reload_devices(api->state);
}

static void h_create(void *ctx, yz_http_req *req)
{
    yz_api *api = ctx;
    yz_errinfo ei;
    yz_err_clear(&ei);
    json_t *body = NULL;
    yz_device d;
    memset(&d, 0, sizeof d);
    static const char *const names[] = {"kind", "name", NULL};
    int err = yz__api_authorize(api, req, "devices_create", NULL, &ei);
    if (!err)
        err = station_of_path(api, req, "devices_create", &d.station_id, &ei);
    if (!err)
        err = yz__api_body_object(req, names, &body, &ei);
    if (!err) {
        json_t *k = json_object_get(body, "kind");
        d.kind = json_is_string(k) ? yz_device_kind_parse(json_string_value(k)) : -1;
        if (d.kind < 0)
            err = yz_err_set(&ei, YZ_EINVAL, "kind",
                             "kind 须为 battery_cabinet、people_counter、door、air_conditioner、"
                             "water_dispenser 或 power",
                             "kind must be battery_cabinet, people_counter, door, "
                             "air_conditioner, water_dispenser or power");
    }
    const char *name = "";
    json_t *n = body ? json_object_get(body, "name") : NULL;
    if (!err && n && !json_is_null(n))
        err = parse_name(n, &name, &ei);
    if (!err) {
        snprintf(d.name, sizeof d.name, "%s", name);
        yz_device_new_key(d.key);
        err = yz_store_device_create(api->st, &d, &ei);
    }
    if (!err) {
        yz__api_audit_record(req, "device", d.id, NULL);
        after_write(api);
        /* The answer holds the key: the audit log keeps the device without it. */
        const yz_state_view *view = yz_state_acquire(api->state);
        yz_buf a;
        yz_buf_init(&a);
        render_device(api, &a, view, &d, false);
        yz_state_release(api->state, view);
        yz__api_audit_after(req, a.data);
        yz_buf_fini(&a);
    }
    json_decref(body);
    if (err)
        yz_api_error(req, &ei);
    else
        respond_device(api, req, 201, &d, true);
    sodium_memzero(d.key, sizeof d.key);
}

static void h_list(void *ctx, yz_http_req *req)
{
    yz_api *api = ctx;
    yz_errinfo ei;
    yz_err_clear(&ei);
    int64_t station_id = 0;
    yz_device *devs = NULL;
    size_t n = 0;
    int err = yz__api_authorize(api, req, "devices_list", NULL, &ei);
    if (!err)
        err = station_of_path(api, req, "devices_list", &station_id, &ei);
    if (!err)
        err = yz_store_device_list(api->st, station_id, &devs, &n, &ei);
    if (err) {
        yz_api_error(req, &ei);
        return;
    }
    const yz_state_view *view = yz_state_acquire(api->state);
    yz_buf b;
    yz_buf_init(&b);
    yz_buf_puts(&b, "{\"devices\":[");
    for (size_t i = 0; i < n; i++) {
        if (i)
            yz_buf_putc(&b, ',');
        render_device(api, &b, view, &devs[i], false);
    }
    yz_buf_printf(&b, "],\"count\":%zu", n);
    yz__api_render_live(api, view, station_id, &b);
    yz_buf_puts(&b, "}\n");
    yz_state_release(api->state, view);
    yz_free(devs);
    yz__api_ok(req, &b);
}

static void h_key(void *ctx, yz_http_req *req)
{
    yz_api *api = ctx;
    yz_errinfo ei;
    yz_err_clear(&ei);
    yz_device d;
    int err = yz__api_authorize(api, req, "device_key", NULL, &ei);
    if (!err)
        err = device_of_path(api, req, "device_key", &d, &ei);
    if (!err) {
        audit_before(api, req, &d);
        yz_device_new_key(d.key);
        err = yz_store_device_set_key(api->st, d.id, d.key, &ei);
    }
    if (!err) {
        after_write(api); /* the old key stops working here */
        char after[64];
        snprintf(after, sizeof after, "{\"id\":%lld,\"key\":\"(new)\"}", (long long)d.id);
        yz__api_audit_after(req, after);
        yz_buf b;
        yz_buf_init(&b);
        yz_buf_printf(&b, "{\"id\":%lld,\"key\":\"%s\"}\n", (long long)d.id, d.key);
        yz__api_ok(req, &b);
    } else {
        yz_api_error(req, &ei);
    }
    sodium_memzero(d.key, sizeof d.key);
}

static void h_patch(void *ctx, yz_http_req *req)
{
    yz_api *api = ctx;
    yz_errinfo ei;
    yz_err_clear(&ei);
    yz_device d;
    json_t *body = NULL;
    static const char *const names[] = {"name", "disabled", NULL};
    const char *name = NULL;
    int disabled = -1;
    int err = yz__api_authorize(api, req, "device_patch", NULL, &ei);
    if (!err)
        err = device_of_path(api, req, "device_patch", &d, &ei);
    if (!err)
        err = yz__api_body_object(req, names, &body, &ei);
    if (!err) {
        json_t *n = json_object_get(body, "name"), *dis = json_object_get(body, "disabled");
        if (n)
            err = json_is_null(n) ? (name = "", YZ_OK) : parse_name(n, &name, &ei);
        if (!err && dis) {
            if (json_is_boolean(dis))
                disabled = json_is_true(dis);
            else
                err = yz_err_set(&ei, YZ_EINVAL, "disabled", "disabled 须为 true 或 false",
                                 "disabled must be true or false");
        }
    }
    if (!err) {
        audit_before(api, req, &d);
        err = yz_store_device_update(api->st, d.id, name, disabled, &ei);
    }
    if (!err)
        err = yz_store_device_get(api->st, d.id, &d, &ei);
    if (!err)
        after_write(api);
    json_decref(body);
    if (err)
        yz_api_error(req, &ei);
    else
        respond_device(api, req, 200, &d, false);
}

static void h_delete(void *ctx, yz_http_req *req)
{
    yz_api *api = ctx;
    yz_errinfo ei;
    yz_err_clear(&ei);
    yz_device d;
    int err = yz__api_authorize(api, req, "device_delete", NULL, &ei);
    if (!err)
        err = device_of_path(api, req, "device_delete", &d, &ei);
    if (!err) {
        audit_before(api, req, &d);
        err = yz_store_device_delete(api->st, d.id, &ei);
    }
    if (!err)
        after_write(api);
    if (err) {
        yz_api_error(req, &ei);
        return;
    }
    yz_buf b;
    yz_buf_init(&b);
    yz_buf_printf(&b, "{\"id\":%lld,\"deleted\":true}\n", (long long)d.id);
    yz__api_ok(req, &b);
}

/* --- the signed HTTP ingest ------------------------------------------------------------------ */

static int refused(enum yz_ingest_reason r, int code, const char *field, const char *zh,
                   const char *en, yz_errinfo *ei)
{
    yz_ingest_count_refusal(r);
    return yz_err_set(ei, code, field, zh, en);
}

/* The one answer for an unknown device and a bad signature, so ids cannot be probed. */
static int bad_credentials(enum yz_ingest_reason r, yz_errinfo *ei)
{
    return refused(r, YZ_EUNAUTH, "X-Yizhan-Signature", "签名无效或设备未知",
                   "bad signature or unknown device", ei);
}

static bool all_digits(const char *s, size_t max)
{
    size_t n = 0;
    for (; s && *s; s++, n++)
        if (*s < '0' || *s > '9')
            return false;
    return n > 0 && n <= max;
}

static bool nonce_ok(const char *s)
{
    size_t n = 0;
    for (; s && *s; s++, n++)
        if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
              *s == '_' || *s == '-'))
            return false;
    return n >= 16 && n <= 64;
}

static void h_readings_post(void *ctx, yz_http_req *req)
{
    yz_api *api = ctx;
    yz_errinfo ei;
    yz_err_clear(&ei);
    const char *id_s = yz_http_param(req, 0);
    int64_t id = yz__api_id(id_s);
    size_t len = 0;
    const char *body = yz_http_body(req, &len);
    const char *ts_s = yz_http_header(req, "X-Yizhan-Timestamp");
    const char *nonce = yz_http_header(req, "X-Yizhan-Nonce");
    const char *sig = yz_http_header(req, "X-Yizhan-Signature");
    char key[48] = "";
    yz_ingest_result res = {0, 0};
    int err = yz__api_limit_ip(api, req, &ei);
    if (err)
        goto out;
    if (!id) { /* not a device id at all: no such route for it */
        yz_ingest_count_refusal(YZ_INGEST_REFUSED_UNKNOWN_DEVICE);
        err = not_found(&ei);
        goto out;
    }
    if (!api->ingest || yz_ingest_device_key(api->ingest, id, key, sizeof key)) {
        err = bad_credentials(YZ_INGEST_REFUSED_UNKNOWN_DEVICE, &ei);
        goto out;
    }
    int64_t now = yz_time_now();
    if (!all_digits(ts_s, 12) || llabs(strtoll(ts_s, NULL, 10) - now) > SIGNED_SKEW_S) {
        err = refused(YZ_INGEST_REFUSED_TIMESTAMP, YZ_EINVAL, "X-Yizhan-Timestamp",
                      "X-Yizhan-Timestamp 须为与服务器时间相差不超过 5 分钟的 Unix 秒",
                      "X-Yizhan-Timestamp must be Unix seconds within 5 minutes of the server's "
                      "clock",
                      &ei);
        goto out;
    }
    if (!nonce_ok(nonce)) {
        err = refused(YZ_INGEST_REFUSED_PAYLOAD, YZ_EINVAL, "X-Yizhan-Nonce",
                      "X-Yizhan-Nonce 须为 16 到 64 个字母、数字、_ 或 -",
                      "X-Yizhan-Nonce must be 16 to 64 letters, digits, _ or -", &ei);
        goto out;
    }
    unsigned char mac[crypto_auth_hmacsha256_BYTES], want[crypto_auth_hmacsha256_BYTES];
    size_t mac_len = 0;
    if (!sig || strlen(sig) != 2 * sizeof mac ||
        sodium_hex2bin(mac, sizeof mac, sig, strlen(sig), NULL, &mac_len, NULL) ||
        mac_len != sizeof mac) {
        err = bad_credentials(YZ_INGEST_REFUSED_SIGNATURE, &ei);
        goto out;
    }
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, (const unsigned char *)key, strlen(key));
    char head[160];
    int hn = snprintf(head, sizeof head, "POST\n/api/v1/devices/%s/readings\n%s\n%s\n", id_s,
                      ts_s, nonce);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)head, (size_t)hn);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)body, len);
    crypto_auth_hmacsha256_final(&st, want);
    if (sodium_memcmp(mac, want, sizeof mac) != 0) {
        err = bad_credentials(YZ_INGEST_REFUSED_SIGNATURE, &ei);
        goto out;
    }
    /* The nonce is recorded in the readings' own transaction (a replay: 409, counted). */
    err = yz_ingest_submit_signed(api->ingest, id, body, len, nonce, now, &res, &ei);
out:
    sodium_memzero(key, sizeof key);
    if (err) {
        yz_api_error(req, &ei);
        return;
    }
    yz_buf b;
    yz_buf_init(&b);
    yz_buf_printf(&b, "{\"stored\":%d,\"duplicates\":%d}\n", res.stored, res.duplicates);
    yz__api_ok(req, &b);
}

/* --- the series ------------------------------------------------------------------------------- */

typedef struct series_args {
    int64_t from, to;
    int step;
} series_args;

static int parse_step(const char *w)
{
    return !strcmp(w, "raw") ? 0 : !strcmp(w, "hour") ? 1 : -1;
}

static const yz_param series_params[] = {
    {"from", YZ_PARAM_TIME, offsetof(series_args, from), 0, 0, 0, 0, NULL, NULL},
    {"to", YZ_PARAM_TIME, offsetof(series_args, to), 0, 0, 0, 0, NULL, NULL},
    {"step", YZ_PARAM_WORD, offsetof(series_args, step), 0, 0, 0, 0, parse_step, "raw, hour"},
};

static void h_readings_get(void *ctx, yz_http_req *req)
{
    yz_api *api = ctx;
    yz_errinfo ei;
    yz_err_clear(&ei);
    yz_device d;
    series_args a;
    yz_reading_point *pts = NULL;
    size_t n = 0;
    int err = yz__api_authorize(api, req, "device_readings", NULL, &ei);
    if (!err)
        err = device_of_path(api, req, "device_readings", &d, &ei);
    if (!err)
        err = YZ_API_PARAMS(req, series_params, &a, &ei);
    if (!err) {
        /* Defaults: the last 24 hours up to now. */
        if (!yz__api_param_given(req, "to"))
            a.to = yz_time_now() + 1;
        if (!yz__api_param_given(req, "from"))
            a.from = a.to - 86400;
        if (a.from >= a.to)
            err = yz_err_set(&ei, YZ_EINVAL, "from", "from 须早于 to", "from must be before to");
    }
    if (!err)
        err = yz_store_readings_list(api->st, d.id, a.from * 1000, a.to * 1000, a.step == 1,
                                     SERIES_MAX + 1, &pts, &n, &ei);
    if (err) {
        yz_api_error(req, &ei);
        return;
    }
    bool more = n > SERIES_MAX;
    if (more)
        n = SERIES_MAX;
    yz_buf b;
    yz_buf_init(&b);
    yz_buf_printf(&b, "{\"device\":%lld,\"kind\":\"%s\",\"step\":\"%s\",\"points\":[",
                  (long long)d.id, yz_device_kind_name(d.kind), a.step == 1 ? "hour" : "raw");
    for (size_t i = 0; i < n; i++) {
        const yz_reading_point *p = &pts[i];
        yz_buf_printf(&b, "%s{\"ts\":%lld,\"metric\":\"%s\"", i ? "," : "", (long long)p->ts,
                      yz_metric_name(p->metric) ? yz_metric_name(p->metric) : "");
        if (a.step == 1)
            yz_buf_printf(&b, ",\"n\":%lld,\"min\":%.15g,\"max\":%.15g,\"avg\":%.15g,\"last\":%.15g",
                          (long long)p->n, p->min, p->max, p->n ? p->sum / (double)p->n : 0,
                          p->last);
        else
            yz_buf_printf(&b, ",\"seq\":%lld,\"value\":%.15g", (long long)p->seq, p->last);
        yz_buf_putc(&b, '}');
    }
    yz_buf_printf(&b, "],\"count\":%zu,\"truncated\":%s}\n", n, more ? "true" : "false");
    yz_free(pts);
    yz__api_ok(req, &b);
}

/* --- metrics, lifecycle ----------------------------------------------------------------------- */

void yz__api_devices_metrics(yz_api *api, yz_buf *b)
{
    yz_ingest_stats s;
    yz_ingest_get_stats(&s);
    yz_buf_puts(b, "# HELP yizhan_device_refusals_total Device messages refused, by reason.\n"
                   "# TYPE yizhan_device_refusals_total counter\n");
    for (int r = 0; r < YZ_INGEST_REFUSED__COUNT; r++)
        yz_buf_printf(b, "yizhan_device_refusals_total{reason=\"%s\"} %llu\n",
                      yz_ingest_reason_name(r), (unsigned long long)s.refusals[r]);
    yz_buf_printf(b,
                  "# HELP yizhan_device_readings_total Device readings committed, by result.\n"
                  "# TYPE yizhan_device_readings_total counter\n"
                  "yizhan_device_readings_total{result=\"stored\"} %llu\n"
                  "yizhan_device_readings_total{result=\"duplicate\"} %llu\n"
                  "# HELP yizhan_device_batches_total Transactions of device readings.\n"
                  "# TYPE yizhan_device_batches_total counter\n"
                  "yizhan_device_batches_total %llu\n"
                  "# HELP yizhan_device_batch_max Readings of the largest transaction.\n"
                  "# TYPE yizhan_device_batch_max gauge\n"
                  "yizhan_device_batch_max %llu\n"
                  "# HELP yizhan_live_publishes_total Publications of the live status.\n"
                  "# TYPE yizhan_live_publishes_total counter\n"
                  "yizhan_live_publishes_total %llu\n",
                  (unsigned long long)s.stored, (unsigned long long)s.duplicates,
                  (unsigned long long)s.batches, (unsigned long long)s.max_batch,
                  (unsigned long long)s.publishes);
    (void)api;
}

void yz__api_register_devices(yz_api *api, yz_http_server *srv)
{
    yz_ingest_config cfg = {
        .readings_days = api->readings_days,
        .refresh_ms = strcmp(yz_store_backend(api->st), "sqlite") ? 1000 : 0,
    };
    yz_errinfo ei;
    if (yz_ingest_new(api->st, api->state, &cfg, &api->ingest, &ei))
        yz_log_error("devices: cannot start ingest: %s", ei.msg_en);
    yz_http_route(srv, "POST", "/api/v1/stations/{}/devices", "devices_create", h_create, api);
    yz_http_route(srv, "GET", "/api/v1/stations/{}/devices", "devices_list", h_list, api);
    yz_http_route(srv, "POST", "/api/v1/devices/{}/key", "device_key", h_key, api);
    yz_http_route(srv, "PATCH", "/api/v1/devices/{}", "device_patch", h_patch, api);
    yz_http_route(srv, "DELETE", "/api/v1/devices/{}", "device_delete", h_delete, api);
    yz_http_route(srv, "POST", "/api/v1/devices/{}/readings", "device_readings_post",
                  h_readings_post, api);
    yz_http_route_max_body(srv, 4 * YZ_INGEST_MAX_BODY); /* larger ones are refused, counted */
    yz_http_route(srv, "GET", "/api/v1/devices/{}/readings", "device_readings", h_readings_get,
                  api);
}

void yz__api_free_devices(yz_api *api)
{
    yz_ingest_free(api->ingest);
    api->ingest = NULL;
}
