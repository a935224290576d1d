/* SPDX-License-Identifier: MIT */
/* api/api.h - the JSON API: routes on the HTTP server, each answering from the in-memory
 * state (reads, state/state.h) or through the store and then a new version of the state
 * (writes). Error codes become HTTP statuses in one place, errors.c. */
#ifndef YZ_API_H
#define YZ_API_H

#include "core/buf.h"
#include "core/err.h"
#include "http/server.h"
#include "state/state.h"
#include "store/store.h"

typedef struct yz_api yz_api;

/* Worker tokens one client address may mint an hour by default (docs/internals/reviews.md:
 * throwaway tokens were the tool of rating stuffing). */
#define YZ_API_WORKERS_PER_HOUR 10

typedef struct yz_api_config {
    const char *admin_token;  /* bearer token for writes; NULL or "" = writes refused */
    const char *public_url;   /* base of QR links, "http://localhost:8080" when NULL */
    double writes_per_min_token; /* per worker token; 0 = default 60 */
    double writes_per_min_ip;    /* per client address; 0 = default 600 */
    double workers_per_hour_ip;  /* worker tokens minted per client address an hour;
                                    0 = default YZ_API_WORKERS_PER_HOUR */
    double reports_per_hour_ip;  /* problem reports per client address, across stations;
                                  * 0 = default 20 (bursts of up to 10) */
    int visit_retention_days;    /* check-ins older than this are purged, their counts kept
                                  * (store/visits.h); 0 = default 400 */
    int readings_days;           /* device readings kept (raw); 0 = 7 (hourly: 400 days) */
    int live_max_age_s;          /* live values older than this show as unknown; 0 = 600 */
    const char *web_root;        /* folder of the built web app; NULL = none */
    double target_benchmark;     /* share of benchmark stations aimed at, 0..1; 0 = 0.10 */
    double target_smart24h;      /* share of 24-hour smart stations aimed at; 0 = 0.15 */
    int session_idle_s;          /* a session ends after this long unused; 0 = 2 h */
    int session_max_s;           /* and this long after login whatever; 0 = 12 h */
    int pwhash_threads;          /* threads hashing passwords; 0 = 1 */
    int pwhash_queue;            /* logins that may wait for them; 0 = 4 */
    int pwhash_cost;             /* enum yz_pwhash_cost (core/pwhash.h); 0 = interactive */
    int task_day_s;              /* seconds of a "day" of task deadlines; 0 = 86400 (tests
                                  * make it short) */
    int task_sweep_s;            /* overdue tasks are escalated this often; 0 = 300 s */
    int alarm_eval_s;            /* alarms are evaluated this often; 0 = 15 s; -1 = only through
                                  * POST /api/v1/alarms/evaluate, which then takes the time
                                  * given (at_ms: tests) */
    const char *webhook_url;     /* notifications are posted there too; NULL or "" = none */
    int webhook_kind;            /* enum yz_webhook_kind */
} yz_api_config;

/* The group robots a webhook speaks to (docs/internals/tasks.md). */
enum yz_webhook_kind { YZ_WEBHOOK_WECOM, YZ_WEBHOOK_DINGTALK };

/* Load the in-memory state from `st` (borrowed; must outlive the api). Returns owned *out. */
int yz_api_new(yz_store *st, const yz_api_config *cfg, yz_api **out, yz_errinfo *ei);
/* Accepts NULL. The HTTP server must be stopped first. */
void yz_api_free(yz_api *api);
/* Add every route to `srv`. */
void yz_api_register(yz_api *api, yz_http_server *srv);
/* Re-read from the store what can change under a running server without a restart: the
 * moderation word lists and the rating tags (SIGHUP, docs/internals/http.md). Requests in
 * flight finish with what they started with; later ones see the new lists. Logs what changed.
 * Returns YZ_OK, or the store's error (then what was served stays). Any thread, after
 * yz_api_register. */
int yz_api_reload(yz_api *api, yz_errinfo *ei);

/* More lines for /metrics from beside the api (the MQTT subscriber, src/mqtt): `fn(ctx, out)`
 * appends Prometheus text, on a request thread, for as long as the api lives. One hook; set it
 * before serving (NULL fn: none). */
void yz_api_set_metrics_hook(yz_api *api, void (*fn)(void *ctx, yz_buf *out), void *ctx);

/* The permission table (api/permissions.c) written out: as the Markdown page
 * docs/internals/permissions.md, and as tab-separated lines (method, pattern, name, access,
 * then each role's scope check: no, any, district, station, canteen, own, text) for tests. */
void yz_api_permissions_markdown(yz_buf *out);
void yz_api_permissions_tsv(yz_buf *out);

/* Respond with the JSON error body for `ei`, status from its code:
 * {"error","field","message","message_en"}. */
void yz_api_error(yz_http_req *req, const yz_errinfo *ei);
/* The HTTP status for an error code. */
int yz_api_status(int code);
/* Router-level errors (404, 405, 413) as JSON. */
void yz_api_http_error(yz_http_req *req, int status, const char *reason);

#endif
