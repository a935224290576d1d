/* SPDX-License-Identifier: MIT */
/* api/api.c - the api object: the in-memory state loaded from the store (state/state.h),
 * the admin token, and the meta routes (/healthz, /metrics, facilities,
 * districts, the front page and the web app's files). */
#include "api/api_int.h"
#include "media/poster.h"

#include "core/alloc.h"
#include "core/log.h"
#include "store/tasks.h"
#include "store/visits.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

int yz_api_new(yz_store *st, const yz_api_config *cfg, yz_api **out, yz_errinfo *ei)
{
    if (sodium_init() < 0)
        return yz_err_set(ei, YZ_EINTERNAL, "", "无法初始化 libsodium", "libsodium init failed");
    yz_state *state = NULL;
    int err = yz_state_load(st, &state, ei);
    if (err)
        return err;
    yz_api *api = yz_calloc(1, sizeof *api);
    api->st = st;
    api->state = state;
    api->limiter = yz__limiter_new(
        cfg->writes_per_min_token > 0 ? cfg->writes_per_min_token : 60,
        cfg->writes_per_min_ip > 0 ? cfg->writes_per_min_ip : 600,
        cfg->workers_per_hour_ip > 0 ? cfg->workers_per_hour_ip : YZ_API_WORKERS_PER_HOUR);
    if (cfg->reports_per_hour_ip > 0) {
        /* bursts of half an hour's allowance, between 1 and 10 */
        double burst = cfg->reports_per_hour_ip / 2;
        yz__limiter_set(api->limiter, YZ_LIMIT_REPORTS_IP, cfg->reports_per_hour_ip / 3600,
                        burst < 1 ? 1 : burst > 10 ? 10 : burst);
    }
    api->visit_retention_days =
        cfg->visit_retention_days > 0 ? cfg->visit_retention_days : YZ_VISIT_RETENTION_DAYS;
    api->readings_days = cfg->readings_days > 0 ? cfg->readings_days : 7;
    api->live_max_age_s = cfg->live_max_age_s > 0 ? cfg->live_max_age_s : 600;
    api->target_benchmark = cfg->target_benchmark > 0 ? cfg->target_benchmark : 0.10;
    api->target_smart24h = cfg->target_smart24h > 0 ? cfg->target_smart24h : 0.15;
    api->task_sweep_s = cfg->task_sweep_s > 0 ? cfg->task_sweep_s : 300;
    api->alarm_eval_s = cfg->alarm_eval_s < 0 ? 0 : cfg->alarm_eval_s > 0 ? cfg->alarm_eval_s : 15;
    yz_store_task_day_s(cfg->task_day_s > 0 ? cfg->task_day_s : 86400);
    api->webhook_url =
        cfg->webhook_url && *cfg->webhook_url ? yz_strdup(cfg->webhook_url) : NULL;
    api->webhook_kind = cfg->webhook_kind;
    api->public_url = yz_strdup(cfg->public_url ? cfg->public_url : "http://localhost:8080");
    api->secure_cookie = strncmp(api->public_url, "https://", 8) == 0;
    api->session_idle_s = cfg->session_idle_s > 0 ? cfg->session_idle_s : 2 * 3600;
    api->session_max_s = cfg->session_max_s > 0 ? cfg->session_max_s : 12 * 3600;
    /* 5 failures of one account in 15 min lock it for 5 min; 20 from one address, 15 min */
    api->limit_account = (yz_login_limit){5, 15 * 60, 5 * 60};
    api->limit_addr = (yz_login_limit){20, 15 * 60, 15 * 60};
    api->pwpool = yz_pwpool_new(cfg->pwhash_threads > 0 ? cfg->pwhash_threads : 1,
                                cfg->pwhash_queue > 0 ? cfg->pwhash_queue : 4, cfg->pwhash_cost);
    if (cfg->web_root && *cfg->web_root) {
        yz_errinfo wei;
        if (yz_static_new(cfg->web_root, &api->web, &wei))
            yz_log_info("web: %s; serving the placeholder front page", wei.msg_en);
        else
            yz_log_info("web: serving the app from %s", cfg->web_root);
    }
    if (cfg->admin_token && *cfg->admin_token) {
        api->has_token = true;
        crypto_generichash(api->token_hash, sizeof api->token_hash,
                           (const unsigned char *)cfg->admin_token, strlen(cfg->admin_token),
                           NULL, 0);
        yz_log_info("auth: the admin token is enabled (YIZHAN_ADMIN_TOKEN or admin_token=): it "
                    "acts as city_admin for scripts, and its uses are logged");
    }
    *out = api;
    return YZ_OK;
}

void yz_api_free(yz_api *api)
{
    if (!api)
        return;
    yz__api_free_alarms(api);  /* its thread reads the state and the store */
    yz__api_free_devices(api); /* commits what is queued, before the state goes */
    yz_state_free(api->state); /* stops the store's watch first */
    yz__api_free_visits(api);
    yz__api_free_reviews(api);
    yz__api_free_reports(api);
    yz__api_free_meals(api);
    yz__api_free_tasks(api);
    yz_free(api->webhook_url);
    yz__limiter_free(api->limiter);
    yz_pwpool_free(api->pwpool);
    yz_free(api->public_url);
    yz_static_free(api->web);
    yz_poster_shutdown();
    yz_free(api);
}

/* --- meta routes -------------------------------------------------------------------------------- */

static void h_healthz(void *ctx, yz_http_req *req)
{
    yz_api *api = ctx;
    const yz_state_view *view = yz_state_acquire(api->state);
    const yz_snap *s = yz_state_snap(view);
    size_t n = yz_snap_count(s);
    yz_state_release(api->state, view);
    /* Degraded is still 200: the node serves what it has, and taking it out of a load
     * balancer's rotation would turn lost writes into an outage (docs/internals/store.md, "A damaged WAL"). */
    const yz_store_health *h = yz_store_get_health(api->st);
    yz_buf b;
    yz_buf_init(&b);
    yz_buf_printf(&b, "{\"status\":\"%s\",\"stations\":%zu,\"store\":\"%s\"",
                  h->degraded ? "degraded" : "ok", n, yz_store_backend(api->st));
    if (h->degraded) {
        yz_buf_puts(&b, ",\"reason\":");
        yz_buf_json_str(&b, h->reason, strlen(h->reason));
        yz_buf_puts(&b, ",\"reason_en\":");
        yz_buf_json_str(&b, h->reason_en, strlen(h->reason_en));
    }
    yz_buf_puts(&b, "}\n");
    yz__api_ok(req, &b);
}

static void h_metrics(void *ctx, yz_http_req *req)
{
    yz_api *api = ctx;
    const yz_state_view *view = yz_state_acquire(api->state);
    const yz_snap *s = yz_state_snap(view);
    size_t n = yz_snap_count(s), open = 0;
    for (size_t i = 0; i < n; i++)
        open += yz_snap_station_status(s, i) == YZ_STATUS_OPEN;
    yz_state_release(api->state, view);
    yz_buf b;
    yz_buf_init(&b);
    yz_http_metrics(api->srv, &b);
    yz_buf_printf(&b,
                  "# HELP yizhan_stations Stations in the catalog, by status.\n"
                  "# TYPE yizhan_stations gauge\n"
                  "yizhan_stations{status=\"open\"} %zu\n"
                  "yizhan_stations{status=\"other\"} %zu\n",
                  open, n - open);
    yz_visit_commit_stats cs;
    yz_store_visit_commit_stats(api->st, &cs);
    yz_buf_printf(&b,
                  "# HELP yizhan_visits_committed_total Check-ins written by the group commit.\n"
                  "# TYPE yizhan_visits_committed_total counter\n"
                  "yizhan_visits_committed_total %llu\n"
                  "# HELP yizhan_visit_batches_total Transactions the group commit wrote them in.\n"
                  "# TYPE yizhan_visit_batches_total counter\n"
                  "yizhan_visit_batches_total %llu\n"
                  "# HELP yizhan_visit_batch_max The largest batch so far.\n"
                  "# TYPE yizhan_visit_batch_max gauge\n"
                  "yizhan_visit_batch_max %llu\n"
                  "# HELP yizhan_visit_batches_overlapped_total Batches sent while another was"
                  " being written (PostgreSQL, several writers).\n"
                  "# TYPE yizhan_visit_batches_overlapped_total counter\n"
                  "yizhan_visit_batches_overlapped_total %llu\n",
                  (unsigned long long)cs.visits, (unsigned long long)cs.batches,
                  (unsigned long long)cs.max_batch, (unsigned long long)cs.overlapped);
    unsigned long pw_done = 0, pw_refused = 0;
    yz_pwpool_stats(api->pwpool, &pw_done, &pw_refused);
    yz_buf_printf(&b,
                  "# HELP yizhan_pwhash_jobs_total Password hashes and verifications done by the"
                  " hashing pool.\n"
                  "# TYPE yizhan_pwhash_jobs_total counter\n"
                  "yizhan_pwhash_jobs_total %lu\n"
                  "# HELP yizhan_pwhash_refused_total Logins refused with 503 because the hashing"
                  " pool's queue was full.\n"
                  "# TYPE yizhan_pwhash_refused_total counter\n"
                  "yizhan_pwhash_refused_total %lu\n",
                  pw_done, pw_refused);
    yz__api_audit_metrics(&b);
    yz__api_tasks_metrics(api, &b);
    yz__api_alarms_metrics(api, &b);
    yz__api_devices_metrics(api, &b);
    static const char *const kinds[YZ_STATE_RELOAD__COUNT] = {"station", "stations", "rating",
                                                              "ratings", "events"};
    yz_buf_printf(&b,
                  "# HELP yizhan_store_unavailable_total Requests refused with 503 because the"
                  " database could not take them (locked, disk full, unreachable).\n"
                  "# TYPE yizhan_store_unavailable_total counter\n"
                  "yizhan_store_unavailable_total %llu\n",
                  yz_store_unavailable_total());
    const yz_store_health *h = yz_store_get_health(api->st);
    yz_buf_printf(&b,
                  "# HELP yizhan_store_degraded 1 when the store lost data or is damaged"
                  " (/healthz says why).\n"
                  "# TYPE yizhan_store_degraded gauge\n"
                  "yizhan_store_degraded %d\n"
                  "# HELP yizhan_store_wal_frames_dropped Frames of a damaged SQLite WAL that"
                  " recovery dropped when the store opened.\n"
                  "# TYPE yizhan_store_wal_frames_dropped gauge\n"
                  "yizhan_store_wal_frames_dropped %lld\n"
                  "# HELP yizhan_store_wal_bytes_dropped Their bytes.\n"
                  "# TYPE yizhan_store_wal_bytes_dropped gauge\n"
                  "yizhan_store_wal_bytes_dropped %lld\n",
                  h->degraded ? 1 : 0, (long long)h->wal_frames_dropped,
                  (long long)h->wal_bytes_dropped);
    yz_buf_puts(&b, "# HELP yizhan_store_reloads_total Reloads after other nodes' writes, by what"
                    " was reloaded.\n# TYPE yizhan_store_reloads_total counter\n");
    for (size_t k = 0; k < sizeof kinds / sizeof *kinds; k++)
        yz_buf_printf(&b, "yizhan_store_reloads_total{what=\"%s\"} %llu\n", kinds[k],
                      (unsigned long long)yz_state_reloads(api->state, (int)k));
    if (api->metrics_hook)
        api->metrics_hook(api->metrics_ctx, &b);
    yz_http_respond(req, 200, "text/plain; version=0.0.4; charset=utf-8", &b);
}

void yz_api_set_metrics_hook(yz_api *api, void (*fn)(void *ctx, yz_buf *out), void *ctx)
{
    api->metrics_hook = fn;
    api->metrics_ctx = ctx;
}

static void h_facilities(void *ctx, yz_http_req *req)
{
    yz_api *api = ctx;
    const yz_state_view *view = yz_state_acquire(api->state);
    const yz_snap *s = yz_state_snap(view);
    yz_buf b;
    yz_buf_init(&b);
    yz_buf_puts(&b, "{\"facilities\":[");
    for (size_t i = 0; i < yz_snap_facility_count(s); i++) {
        const yz_facility *f = yz_snap_facility(s, i);
        yz_buf_puts(&b, i ? ",{\"code\":" : "{\"code\":");
        yz_buf_json_str(&b, f->code, strlen(f->code));
        yz_buf_puts(&b, ",\"label\":");
        yz_buf_json_str(&b, f->label, strlen(f->label));
        yz_buf_puts(&b, ",\"label_hant\":");
        yz_buf_json_str(&b, f->label_hant, strlen(f->label_hant));
        yz_buf_puts(&b, ",\"label_en\":");
        yz_buf_json_str(&b, f->label_en, strlen(f->label_en));
        yz_buf_putc(&b, '}');
    }
    yz_buf_puts(&b, "]}\n");
    yz_state_release(api->state, view);
    yz__api_ok(req, &b);
}

static void h_districts(void *ctx, yz_http_req *req)
{
    yz_api *api = ctx;
    const yz_state_view *view = yz_state_acquire(api->state);
    const yz_snap *s = yz_state_snap(view);
    size_t nd = yz_snap_district_count(s);
    size_t *count = yz_calloc(nd + 1, sizeof *count);
    for (size_t i = 0; i < yz_snap_count(s); i++) {
        long d = yz_snap_find_district(s, yz_snap_station_district_code(s, i));
        if (d >= 0)
            count[d]++;
    }
    yz_buf b;
    yz_buf_init(&b);
    yz_buf_puts(&b, "{\"districts\":[");
    for (size_t i = 0; i < nd; i++) {
        const yz_district *d = yz_snap_district(s, i);
        yz_buf_puts(&b, i ? ",{\"code\":" : "{\"code\":");
        yz_buf_json_str(&b, d->code, strlen(d->code));
        yz_buf_puts(&b, ",\"name\":");
        yz_buf_json_str(&b, d->name, strlen(d->name));
        yz_buf_puts(&b, ",\"name_hant\":");
        yz_buf_json_str(&b, d->name_hant, strlen(d->name_hant));
        yz_buf_puts(&b, ",\"lat\":");
        yz_buf_fixed(&b, d->lat, 6);
        yz_buf_puts(&b, ",\"lon\":");
        yz_buf_fixed(&b, d->lon, 6);
        yz_buf_printf(&b, ",\"stations\":%zu}", count[i]);
    }
    yz_buf_puts(&b, "]}\n");
    yz_free(count);
    yz_state_release(api->state, view);
    yz__api_ok(req, &b);
}

static const char front_page[] =
    "<!doctype html>\n<html lang=\"zh-Hans\"><head><meta charset=\"utf-8\">"
    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
    "<title>驿站 yizhan</title></head><body>"
    "<h1>驿站 · 驛站 · yizhan</h1>"
    "<p>户外劳动者驿站查询服务。戶外勞動者驛站查詢服務。Rest stations for outdoor workers.</p>"
    "<ul>"
    "<li><a href=\"/api/v1/stations/nearby?lat=28.0154&amp;lon=120.6553&amp;open_now=true\">"
    "附近开放的驿站 / Nearby open stations</a></li>"
    "<li><a href=\"/api/v1/stations?q=%E5%B7%A5%E4%BC%9A\">搜索“工会” / Search</a></li>"
    "<li><a href=\"/api/v1/facilities\">设施 / Facilities</a></li>"
    "<li><a href=\"/api/v1/districts\">区县 / Districts</a></li>"
    "<li><a href=\"/api/v1/stations.geojson\">GeoJSON</a></li>"
    "<li><a href=\"/healthz\">/healthz</a> · <a href=\"/metrics\">/metrics</a></li>"
    "</ul></body></html>\n";

void yz__api_web_front(yz_api *api, yz_http_req *req)
{
    if (api->web && yz_static_serve_file(api->web, req, "index.html") == 0)
        return;
    yz_http_respond_static(req, 200, "text/html; charset=utf-8", front_page,
                           sizeof front_page - 1);
}

static void h_front(void *ctx, yz_http_req *req)
{
    yz__api_web_front(ctx, req);
}

/* The web app's files (/app.css, /assets/…, /sw.js); 404 as JSON when there is none. */
static void h_web_file(void *ctx, yz_http_req *req)
{
    yz_api *api = ctx;
    if (yz_static_serve(api->web, req) != 0)
        yz_api_http_error(req, 404, "Not Found");
}

/* Client-side routes (/meals, /inspect; /s/, /station/ and /event/ are api/share.c's): the app's index.html, whose script reads the
 * path; without the app, a check-in link still answers with the placeholder page. */
static void h_web_route(void *ctx, yz_http_req *req)
{
    h_front(ctx, req);
}

/* The operators' console (/admin/, built from web/admin/): one page whose script routes on the
 * fragment (#/stations/12). The router ignores a trailing slash: /admin and /admin/ are this
 * route, and the page's links are absolute, so either works. */
static void h_admin(void *ctx, yz_http_req *req)
{
    yz_api *api = ctx;
    if (yz_static_serve_file(api->web, req, "admin/index.html") != 0)
        yz_api_http_error(req, 404, "Not Found");
}

/* The OpenAPI description, bundled from docs/api/ into the web root at build time
 * (scripts/web.sh, docs/internals/api-contract.md), and its reference page. */
static void h_openapi(void *ctx, yz_http_req *req)
{
    yz_api *api = ctx;
    if (yz_static_serve_file(api->web, req, "api/openapi.json") != 0)
        yz_api_http_error(req, 404, "Not Found");
}

static void h_api_docs(void *ctx, yz_http_req *req)
{
    yz_api *api = ctx;
    if (yz_static_serve_file(api->web, req, "api/docs.html") != 0)
        yz_api_http_error(req, 404, "Not Found");
}

static void on_http_error(yz_http_req *req, int status, const char *reason)
{
    const yz_errinfo *fault = yz_http_fault(req);
    if (fault)
        yz_api_error(req, fault); /* a malformed request, a full expensive pool: the details */
    else
        yz_api_http_error(req, status, reason);
}

int yz_api_reload(yz_api *api, yz_errinfo *ei)
{
    /* What another node's writes would reload (stations, rating totals, events): an operator
     * may have changed the store behind this process, e.g. `yizhan import` on the same file. */
    yz_state_changed(api->state, "*", 0);
    bool changed;
    int err = yz__api_reload_reviews(api, &changed, ei);
    if (!err && !changed)
        yz_log_info("reviews: rating tags and word lists unchanged");
    return err;
}

void yz_api_register(yz_api *api, yz_http_server *srv)
{
    api->srv = srv;
    yz_http_on_error(srv, on_http_error);
    yz_http_route(srv, "GET", "/healthz", "healthz", h_healthz, api);
    yz_http_route(srv, "GET", "/metrics", "metrics", h_metrics, api);
    yz_http_route(srv, "GET", "/api/v1/facilities", "facilities", h_facilities, api);
    yz_http_route(srv, "GET", "/api/v1/districts", "districts", h_districts, api);
    yz_http_route(srv, "GET", "/api/v1/openapi.json", "openapi", h_openapi, api);
    yz_http_route(srv, "GET", "/api/docs", "api_docs", h_api_docs, api);
    yz__api_register_transfer(api, srv);
    yz__api_register_stations(api, srv);
    yz__api_register_workers(api, srv);
    yz__api_register_visits(api, srv);
    yz__api_register_screen(api, srv);
    yz__api_register_reviews(api, srv);
    yz__api_register_reports(api, srv);
    yz__api_register_events(api, srv);
    yz__api_register_share(api, srv);
    yz__api_register_meals(api, srv);
    yz__api_register_project(api, srv);
    yz__api_register_session(api, srv);
    yz__api_register_users(api, srv);
    yz__api_register_photos(api, srv);
    yz__api_register_inspections(api, srv);
    yz__api_register_tasks(api, srv);
    yz__api_register_audit(api, srv);
    yz__api_register_dashboard(api, srv);
    yz__api_register_devices(api, srv);
    yz__api_register_alarms(api, srv);
    yz_http_route(srv, "GET", "/", "front", h_front, api);
    yz__api_register_share_pages(api, srv); /* /s/{}, /station/{}, /event/{} */
    yz_http_route(srv, "GET", "/inspect", "web_inspect", h_web_route, api);
    yz_http_route(srv, "GET", "/inspect/{}", "web_inspect", h_web_route, api);
    yz_http_route(srv, "GET", "/meals", "web_meals", h_web_route, api);
    yz_http_route(srv, "GET", "/meals/{}", "web_meals", h_web_route, api);
    yz_http_route(srv, "GET", "/admin", "web_admin", h_admin, api);
    yz_http_route(srv, "GET", "/{}", "web_file", h_web_file, api);
    yz_http_route(srv, "GET", "/assets/{}", "web_file", h_web_file, api);
    /* Every route has its row in the permission table, or nothing is served. */
    if (yz__api_perms_check(srv)) {
        yz_log_error("permissions: api/permissions.c and the routes differ; stopping");
        abort();
    }
    /* Other yizhan nodes sharing the store (PostgreSQL) announce their writes: the state
     * reloads what this process keeps in memory of the area they changed. */
    yz_errinfo ei;
    if (yz_state_watch(api->state, &ei))
        yz_log_error("store: cannot watch for other nodes' changes: %s", ei.msg_en);
}
