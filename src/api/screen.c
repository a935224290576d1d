/* SPDX-License-Identifier: MIT */
/* api/screen.c - station screens (issue 14 point 4): the screen key an operator creates for a
 * station's display (POST /api/v1/stations/{code}/screen-key, a secret shown once) and the
 * screen page itself (/screen/{code}, web/screen/). The rotating code the page shows is
 * checked by the check-in route (api/visits.c, store/screens.h). docs/internals/screen.md. */
#include "api/api_int.h"
#include "api/params.h"

#include "core/alloc.h"
#include "core/time.h"
#include "http/static.h"
#include "store/screens.h"

#include <sodium.h>
#include <string.h>

/* POST /api/v1/stations/{code}/screen-key: a new key (replacing the station's old one, which
 * stops working at once) and the screen's link with the key in its fragment. The answer is the
 * only place the key is shown: not cached, and the audit log keeps that it was made, not it. */
static void h_screen_key(void *ctx, yz_http_req *req)
{
    yz_api *api = ctx;
    yz_errinfo ei;
    yz_err_clear(&ei);
    int err = yz__api_authorize(api, req, "station_screen_key", NULL, &ei);
    if (err)
        goto fail;
    const yz_state_view *view = yz_state_acquire(api->state);
    const yz_snap *s = yz_state_snap(view);
    long i = yz__api_find_station(s, req, &ei);
    int64_t id = 0;
    char *code = NULL;
    if (i < 0) {
        err = ei.code;
    } else {
        yz_station st_buf;
        const yz_station *st = yz_snap_station_get(s, (size_t)i, &st_buf);
        yz_target t = {0};
        yz__api_target_of(st, &t);
        err = yz__api_authorize(api, req, "station_screen_key", &t, &ei);
        id = st->id;
        code = yz_strdup(st->code);
    }
    yz_state_release(api->state, view);
    if (err) {
        yz_free(code);
        goto fail;
    }
    const yz_actor *a = yz__api_actor(api, req);
    int64_t by = a && a->kind == YZ_ACTOR_USER ? a->user.id : 0;
    char key[YZ_SCREEN_KEY_MAX];
    yz_screen_key_new(key);
    bool had = false;
    err = yz_store_screen_key_put(api->st, id, key, by, yz_time_now(), &had, &ei);
    if (err) {
        sodium_memzero(key, sizeof key);
        yz_free(code);
        goto fail;
    }
    /* the log: that a key was made (and replaced one), never the key */
    yz_buf lb;
    yz_buf_init(&lb);
    yz_buf_puts(&lb, "{\"station\":");
    yz_buf_json_str(&lb, code, strlen(code));
    yz_buf_puts(&lb, ",\"screen_key\":true}");
    if (had)
        yz__api_audit_before(req, lb.data);
    yz__api_audit_after(req, lb.data);
    yz_buf_fini(&lb);

    const char *u = api->public_url ? api->public_url : "";
    size_t un = strlen(u);
    while (un > 0 && u[un - 1] == '/')
        un--;
    yz_buf url, b;
    yz_buf_init(&url);
    yz_buf_append(&url, u, un);
    yz_buf_puts(&url, "/screen/");
    yz_buf_url_encode(&url, code);
    yz_buf_puts(&url, "#k=");
    yz_buf_puts(&url, key);
    yz_buf_init(&b);
    yz_buf_puts(&b, "{\"station\":");
    yz_buf_json_str(&b, code, strlen(code));
    yz_buf_puts(&b, ",\"key\":");
    yz_buf_json_str(&b, key, strlen(key));
    yz_buf_puts(&b, ",\"url\":");
    yz_buf_json_str(&b, url.data, url.len);
    yz_buf_printf(&b, ",\"replaced\":%s}\n", had ? "true" : "false");
    sodium_memzero(key, sizeof key);
    sodium_memzero(url.data, url.len);
    yz_buf_fini(&url);
    yz_free(code);
    yz_http_add_header(req, "Cache-Control", "no-store");
    yz_http_respond(req, 201, YZ_JSON, &b);
    return;
fail:
    yz_api_error(req, &ei);
}

/* GET /screen/{code}: the screen page (built from web/screen/ by web/build.mjs); its script
 * reads the station's code from the path and the key from the fragment, which never reaches
 * the server. */
static void h_screen_page(void *ctx, yz_http_req *req)
{
    yz_api *api = ctx;
    if (!api->web || yz_static_serve_file(api->web, req, "screen/index.html") != 0)
        yz_api_http_error(req, 404, "Not Found");
}

void yz__api_register_screen(yz_api *api, yz_http_server *srv)
{
    yz_http_route(srv, "POST", "/api/v1/stations/{}/screen-key", "station_screen_key",
                  h_screen_key, api);
    yz_http_route(srv, "GET", "/screen/{}", "web_screen", h_screen_page, api);
}
