/* SPDX-License-Identifier: MIT */
/* api/photos.c - photo uploads and their serving (docs/internals/photos.md): staff upload a
 * raw JPEG, PNG or WebP body; media/image.c re-encodes it (no metadata, auto-rotated, at most
 * 2048 px) with a thumbnail; the store keeps it by the SHA-256 of the result, once. Approved
 * photos are public and cached for good (the name is the content); others are shown only to
 * the staff who may see them, and are 404 to everyone else. */
#include "api/api_int.h"
#include "api/params.h"

#include "core/alloc.h"
#include "core/log.h"
#include "media/image.h"
#include "core/time.h"
#include "store/inspections.h"
#include "store/photos.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define PHOTOS_URL "/api/v1/photos/"

static int not_found(yz_errinfo *ei)
{
    return yz_err_set(ei, YZ_ENOTFOUND, "photo", "没有这张图片", "no such photo");
}

/* Whether `s` is 64 lower-case hex digits followed by `suffix`; copies the hash to `out`. */
static bool photo_name(const char *s, const char *suffix, char out[65])
{
    if (!s || strlen(s) != 64 + strlen(suffix) || strcmp(s + 64, suffix) != 0)
        return false;
    for (int i = 0; i < 64; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    memcpy(out, s, 64);
    out[64] = '\0';
    return true;
}

/* `created`: 1 or 0 adds "stored" (an upload: stored now, or found stored), -1 leaves it out. */
static void render(yz_buf *b, const yz_photo *p, int created)
{
    yz_buf_printf(b, "{\"id\":%lld,\"sha256\":\"%s\",\"width\":%d,\"height\":%d,\"bytes\":%lld,",
                  (long long)p->id, p->sha256, p->width, p->height, (long long)p->bytes);
    yz_buf_printf(b, "\"url\":\"" PHOTOS_URL "%s.jpg\",\"thumb_url\":\"" PHOTOS_URL
                     "%s/thumb.jpg\",",
                  p->sha256, p->sha256);
    yz_buf_printf(b, "\"status\":\"%s\"", yz_photo_status_name(p->status));
    yz_buf_json_member_str(b, "kind", p->kind);
    if (p->station_id)
        yz_buf_printf(b, ",\"station_id\":%lld", (long long)p->station_id);
    else
        yz_buf_puts(b, ",\"station_id\":null");
    if (p->district[0])
        yz_buf_json_member_str(b, "district_code", p->district);
    yz_buf_printf(b, ",\"created_at\":%lld", (long long)p->created_at);
    if (created >= 0)
        yz_buf_printf(b, ",\"stored\":%s", created ? "true" : "false");
    yz_buf_putc(b, '}');
}

static void photo_target(yz_api *api, const yz_photo *p, yz_target *t)
{
    memset(t, 0, sizeof *t);
    if (p->station_id)
        yz__api_target_station(api, p->station_id, t);
    if (!t->district[0])
        snprintf(t->district, sizeof t->district, "%s", p->district);
}

/* The upload's query: ?station=ID&kind=WORD. */
typedef struct upload_q {
    long station;
    const char *kind;
} upload_q;

static const yz_param upload_params[] = {
    {"station", YZ_PARAM_INT, offsetof(upload_q, station), 1, 9e15, 0, 0, NULL, NULL},
    {"kind", YZ_PARAM_TEXT, offsetof(upload_q, kind), 0, YZ_PHOTO_KIND_MAX, 0, 0, NULL, NULL},
};

/* Whether the request's Content-Type is one of the image types accepted. */
static bool image_type(yz_http_req *req)
{
    const char *ct = yz_http_header(req, "Content-Type");
    if (!ct)
        return false;
    static const char *const ok[] = {"image/jpeg", "image/png", "image/webp"};
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
        size_t n = strlen(ok[i]);
        if (strncasecmp(ct, ok[i], n) == 0 && (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' '))
            return true;
    }
    return false;
}

/* An experience officer's uploads in a day: an inspection has at most 10 photos per criterion
 * (the 八有 list: 8), so a day of honest inspections stays far below; a stolen token cannot fill
 * the disk. */
#define OFFICER_PHOTOS_PER_DAY 200

/* An upload by staff (`worker_id` 0: the row `photos_create` checked) or by the experience
 * officer of worker `worker_id` (officer_photos_create: the handler checked the officer). */
static void upload(yz_api *api, yz_http_req *req, int64_t worker_id)
{
    yz_errinfo ei;
    yz_err_clear(&ei);
    upload_q q = {0};
    yz_image im = {0};
    yz_photo p;
    memset(&p, 0, sizeof p);
    bool created = false;
    int err = worker_id ? YZ_OK : yz__api_authorize(api, req, "photos_create", NULL, &ei);
    if (!err)
        err = YZ_API_PARAMS(req, upload_params, &q, &ei);
    if (!err && q.kind) {
        for (const char *c = q.kind; *c && !err; c++)
            if (!((*c >= 'a' && *c <= 'z') || *c == '_'))
                err = yz_err_set(&ei, YZ_EINVAL, "kind", "kind 只能含小写字母和下划线",
                                 "kind may hold only lower-case letters and underscores");
    }
    if (!err && q.station) {
        /* checked on the station the photo is for (an officer may photograph any station) */
        yz_target t = {0};
        yz__api_target_station(api, q.station, &t);
        if (!worker_id)
            err = yz__api_authorize(api, req, "photos_create", &t, &ei);
        if (!err && !t.district[0])
            err = yz_err_setf(&ei, YZ_EINVAL, "station", "驿站 %ld 不存在",
                              "station %ld does not exist", q.station);
    }
    if (!err && worker_id) {
        int64_t n = 0;
        err = yz_store_photo_count_by_worker(api->st, worker_id, yz_time_now() - 86400, &n, &ei);
        if (!err && n >= OFFICER_PHOTOS_PER_DAY)
            err = yz_err_setf(&ei, YZ_ERATE, "photo", "24 小时内最多上传 %d 张图片",
                              "at most %d photos may be uploaded in 24 hours",
                              OFFICER_PHOTOS_PER_DAY);
    }
    if (!err && !image_type(req))
        err = yz_err_set(&ei, YZ_EMEDIA, "Content-Type",
                         "请以 image/jpeg、image/png 或 image/webp 上传图片本身",
                         "send the image itself as image/jpeg, image/png or image/webp");
    if (err)
        goto out;
    size_t len = 0;
    const char *body = yz_http_body(req, &len);
    err = yz_image_process(body, len, &im, &ei);
    if (err)
        goto out;
    snprintf(p.sha256, sizeof p.sha256, "%s", im.sha256);
    p.station_id = q.station;
    if (worker_id) {
        p.uploader_worker_id = worker_id;
    } else {
        const yz_actor *a = yz__api_actor(api, req);
        p.uploader_user_id = a->kind == YZ_ACTOR_USER ? a->user.id : 0;
    }
    p.width = im.width;
    p.height = im.height;
    snprintf(p.kind, sizeof p.kind, "%s", q.kind ? q.kind : "");
    err = yz_store_photo_put(api->st, &p, im.jpeg, im.jpeg_len, im.thumb, im.thumb_len, &created,
                             &ei);
    if (!err && !worker_id)
        yz__api_audit_record(req, "photo", p.id, p.district[0] ? p.district : NULL);
out:
    yz_image_fini(&im);
    if (err) {
        yz_api_error(req, &ei);
        return;
    }
    yz_buf b;
    yz_buf_init(&b);
    render(&b, &p, created ? 1 : 0);
    yz_buf_putc(&b, '\n');
    yz_http_respond(req, created ? 201 : 200, YZ_JSON, &b);
}

static void h_upload(void *ctx, yz_http_req *req)
{
    upload(ctx, req, 0);
}

/* An experience officer's upload (worker token): the token, then an active officer (403). */
static void h_officer_upload(void *ctx, yz_http_req *req)
{
    yz_api *api = ctx;
    yz_errinfo ei;
    yz_err_clear(&ei);
    yz_worker w;
    yz_officer o;
    int err = yz__api_worker(api, req, &w, &ei);
    if (!err)
        err = yz_store_officer_of_worker(api->st, w.id, &o, &ei);
    if (err) {
        yz_api_error(req, &ei);
        return;
    }
    upload(api, req, w.id);
}

/* GET a photo or its thumbnail. */
static void serve(yz_api *api, yz_http_req *req, const char *name, const char *suffix, bool thumb)
{
    yz_errinfo ei;
    yz_err_clear(&ei);
    char sha[65];
    yz_photo p;
    int err = photo_name(name, suffix, sha) ? YZ_OK : not_found(&ei);
    if (!err)
        err = yz_store_photo_get(api->st, sha, 0, &p, &ei);
    if (!err && p.status != YZ_PHOTO_APPROVED) {
        /* not public: the staff who may see it (the uploader among them); 404 to others, as if
         * it did not exist */
        yz_target t;
        photo_target(api, &p, &t);
        const yz_actor *a = NULL;
        bool may = yz__api_may(api, req, "photo_unapproved", &t);
        if (!may && p.uploader_user_id) {
            a = yz__api_actor(api, req);
            may = !a->err && a->kind == YZ_ACTOR_USER && a->user.id == p.uploader_user_id;
        }
        if (!may && p.uploader_worker_id) {
            /* the officer who took it */
            yz_worker w;
            yz_errinfo wi;
            may = !yz__api_worker(api, req, &w, &wi) && w.id == p.uploader_worker_id;
        }
        if (!may)
            err = not_found(&ei);
    }
    if (err) {
        yz_api_error(req, &ei);
        return;
    }
    char etag[80];
    snprintf(etag, sizeof etag, "\"%s%s\"", sha, thumb ? "-thumb" : "");
    yz_http_add_header(req, "ETag", etag);
    yz_http_add_header(req, "X-Content-Type-Options", "nosniff");
    yz_http_add_header(req, "Cache-Control", p.status == YZ_PHOTO_APPROVED
                                                 ? "public, max-age=31536000, immutable"
                                                 : "private, no-cache");
    yz_buf b;
    yz_buf_init(&b);
    if (yz_http_etag_matches(req, etag)) {
        yz_http_respond(req, 304, "image/jpeg", &b);
        return;
    }
    err = yz_store_photo_read(api->st, sha, thumb, &b, &ei);
    if (err) {
        yz_buf_fini(&b);
        yz_api_error(req, &ei);
        return;
    }
    yz_http_respond(req, 200, "image/jpeg", &b);
}

static void h_get(void *ctx, yz_http_req *req)
{
    serve(ctx, req, yz_http_param(req, 0), ".jpg", false);
}

static void h_thumb(void *ctx, yz_http_req *req)
{
    serve(ctx, req, yz_http_param(req, 0), "", true);
}

static void h_patch(void *ctx, yz_http_req *req)
{
    yz_api *api = ctx;
    yz_errinfo ei;
    yz_err_clear(&ei);
    json_t *body = NULL;
    yz_photo before, after;
    int64_t id = yz__api_id(yz_http_param(req, 0));
    static const char *const names[] = {"status", NULL};
    int err = yz__api_authorize(api, req, "photo_patch", NULL, &ei);
    if (!err && !id)
        err = not_found(&ei);
    if (!err)
        err = yz_store_photo_get(api->st, NULL, id, &before, &ei);
    if (!err) {
        yz_target t;
        photo_target(api, &before, &t);
        err = yz__api_authorize(api, req, "photo_patch", &t, &ei);
    }
    if (!err)
        err = yz__api_body_object(req, names, &body, &ei);
    int status = -1;
    if (!err) {
        json_t *s = json_object_get(body, "status");
        status = json_is_string(s) ? yz_photo_status_parse(json_string_value(s)) : -1;
        if (status != YZ_PHOTO_APPROVED && status != YZ_PHOTO_REJECTED)
            err = yz_err_set(&ei, YZ_EINVAL, "status", "status 须为 approved 或 rejected",
                             "status must be approved or rejected");
    }
    if (!err) {
        yz_buf b;
        yz_buf_init(&b);
        render(&b, &before, -1);
        yz__api_audit_record(req, "photo", before.id, before.district[0] ? before.district : NULL);
        yz__api_audit_before(req, b.data);
        yz_buf_fini(&b);
        const yz_actor *a = yz__api_actor(api, req);
        err = yz_store_photo_set_status(api->st, id, status,
                                        a->kind == YZ_ACTOR_USER ? a->user.id : 0, NULL, &after,
                                        &ei);
    }
    json_decref(body);
    if (err) {
        yz_api_error(req, &ei);
        return;
    }
    yz_buf b;
    yz_buf_init(&b);
    render(&b, &after, -1);
    yz_buf_putc(&b, '\n');
    yz__api_ok(req, &b);
}

static void h_station_photos(void *ctx, yz_http_req *req)
{
    yz_api *api = ctx;
    yz_errinfo ei;
    yz_err_clear(&ei);
    int64_t sid = yz__api_id(yz_http_param(req, 0));
    yz_target t = {0};
    if (sid)
        yz__api_target_station(api, sid, &t);
    if (!sid || !t.district[0]) {
        yz__store_no_station(&ei, YZ_ENOTFOUND, "id", sid);
        yz_api_error(req, &ei);
        return;
    }
    yz_photo *v = NULL;
    size_t n = 0;
    int err = yz_store_photo_list(api->st, sid, YZ_PHOTO_APPROVED, 200, &v, &n, &ei);
    if (err) {
        yz_api_error(req, &ei);
        return;
    }
    yz_buf b;
    yz_buf_init(&b);
    yz_buf_printf(&b, "{\"station_id\":%lld,\"photos\":[", (long long)sid);
    for (size_t i = 0; i < n; i++) {
        if (i)
            yz_buf_putc(&b, ',');
        render(&b, &v[i], -1);
    }
    yz_buf_puts(&b, "]}\n");
    yz_free(v);
    yz__api_ok(req, &b);
}

void yz__api_register_photos(yz_api *api, yz_http_server *srv)
{
    yz_errinfo ei;
    if (yz_image_init(&ei))
        yz_log_error("photos: %s: uploads will fail", ei.msg_en);
    /* decoding is the expensive part: it holds one of the expensive slots */
    yz_http_route_expensive(srv, "POST", "/api/v1/photos", "photos_create", h_upload, api);
    yz_http_route_max_body(srv, YZ_IMAGE_MAX_BYTES);
    yz_http_route_expensive(srv, "POST", "/api/v1/officer/photos", "officer_photos_create",
                            h_officer_upload, api);
    yz_http_route_max_body(srv, YZ_IMAGE_MAX_BYTES);
    yz_http_route(srv, "GET", "/api/v1/photos/{}/thumb.jpg", "photo_thumb", h_thumb, api);
    yz_http_route(srv, "GET", "/api/v1/photos/{}", "photo_get", h_get, api);
    yz_http_route(srv, "PATCH", "/api/v1/photos/{}", "photo_patch", h_patch, api);
    yz_http_route(srv, "GET", "/api/v1/stations/{}/photos", "station_photos", h_station_photos,
                  api);
}
