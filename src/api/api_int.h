/* SPDX-License-Identifier: MIT */
/* api/api_int.h - what the API's files share: the api struct and request helpers.
 * The files depend on each other one way: api.c (routes, reloads) -> the areas' files ->
 * request.c, params.c, limits.c, errors.c. An area may call another's hook declared here
 * (stations.c renders ratings, today's events, open reports), never back. */
#ifndef YZ_API_INT_H
#define YZ_API_INT_H

#include "api/api.h"
#include "catalog/classifier.h"
#include "core/buf.h"
#include "core/pwhash.h"
#include "http/static.h"
#include "store/users.h"
#include "store/workers.h"

#include <jansson.h>

#include <stdatomic.h>
#include <stdbool.h>

typedef struct yz_limiter yz_limiter;

struct yz_api {
    yz_store *st;        /* borrowed */
    yz_state *state;     /* what is served from memory: snapshot, events, ratings */
    bool has_token;
    unsigned char token_hash[32]; /* BLAKE2b of the admin token */
    yz_http_server *srv; /* borrowed, set by yz_api_register */
    yz_limiter *limiter; /* write rate limits */
    char *public_url;    /* base of links printed on posters and QR codes */
    int visit_retention_days; /* check-ins older than this are purged (api/visits.c) */
    double target_benchmark, target_smart24h; /* tier shares the project aims at (project.c) */
    bool secure_cookie;  /* public_url is https: the session cookie is Secure */
    yz_pwpool *pwpool;   /* Argon2id hashes of logins, off the request threads' CPU */
    int64_t session_idle_s, session_max_s; /* a session's idle and absolute timeouts */
    yz_login_limit limit_account, limit_addr; /* failed logins per account, per address */
    _Atomic int64_t admin_log_at; /* when the admin token's use was last logged (unix s) */
    _Atomic long admin_uses;      /* uses since that line */
    yz_static *web;      /* the built web app, or NULL (placeholder front page) */
    /* Per-area state, owned by the area's file (api/<area>.c), created in its register
     * function and freed by yz__api_free_<area>. */
    struct yz_api_visits *visits;
    struct yz_api_reviews *reviews;
    struct yz_api_reports *reports;
    struct yz_api_meals *meals;
    struct yz_api_tasks *tasks;
    int64_t task_sweep_s;  /* how often overdue tasks are escalated (api/tasks.c) */
    struct yz_ingest *ingest; /* device readings in (api/devices.c), or NULL */
    int readings_days;        /* raw device readings kept */
    int live_max_age_s;       /* live values older than this are unknown */
    struct yz_alarms *alarms; /* the alarms' evaluator (api/alarms.c, live/alarms.h) */
    int alarm_eval_s;         /* it runs every this many seconds; <= 0: only when asked */
    char *webhook_url;     /* where notifications are posted too, or NULL */
    int webhook_kind;      /* enum yz_webhook_kind */
    void (*metrics_hook)(void *ctx, yz_buf *out); /* yz_api_set_metrics_hook, or NULL */
    void *metrics_ctx;
};

#define YZ_JSON "application/json; charset=utf-8"

/* --- request.c: what every handler shares; it depends on no area's file. --- */

/* Answer 200 with `body` (taken) as JSON. */
void yz__api_ok(yz_http_req *req, yz_buf *body);

/* Append the `n` bytes of `v` (NUL-terminated or not) as they are, or as a JSON string when
 * `json` (NULL gives null), converted to traditional characters when `lang` is YZ_LANG_HANT
 * (lang=zh-Hant; OpenCC s2t on the thread's converter; a text it refuses goes as stored).
 * For texts rendered per answer; stations' are pre-rendered in the snapshot. */
void yz__api_append_lang(yz_buf *b, const char *v, size_t n, int lang, bool json);
/* A record id from a path segment (NULL allowed): 1 to 18 digits, above 0; else 0. */
int64_t yz__api_id(const char *p);
/* Append ,"key":"<ISO 8601 at +08:00>" (null when t is 0: unset) and ,"key":<id> (null when 0):
 * the time and reference members of the staff records' JSON (tasks, inspections, alarms). */
void yz__api_member_time(yz_buf *b, const char *key, int64_t t);
void yz__api_member_id(yz_buf *b, const char *key, int64_t id);
/* The If-Match header as a version: "3", 3 or W/"3". *version is -1 when the header is absent:
 * YZ_EPRECOND (428) when `required`, else YZ_OK. A value that is not a number, or is below
 * `min` (1; 0 where 0 means "never saved"), is YZ_EINVAL naming "If-Match". */
int yz__api_if_match(yz_http_req *req, bool required, int64_t min, int64_t *version,
                     yz_errinfo *ei);
/* Parse the request body as a JSON value (object or array). Rejects a Content-Type other than
 * application/json, malformed JSON and duplicate keys, naming field "body". Returns owned. */
int yz__api_parse_json(yz_http_req *req, json_t **out, yz_errinfo *ei);
/* Parse the body as a JSON object whose members are all among `names` (NULL-terminated):
 * YZ_OK and owned *out, or YZ_EINVAL naming "body" (not an object) or the unknown member. */
int yz__api_body_object(yz_http_req *req, const char *const *names, json_t **out,
                        yz_errinfo *ei);

/* The worker behind `Authorization: Bearer <token>`, after checking the per-token and
 * per-address write limits. YZ_EUNAUTH (no token, unknown token), YZ_EEXPIRED, YZ_ERATE.
 * For every write a worker makes. */
int yz__api_worker(yz_api *api, yz_http_req *req, yz_worker *w, yz_errinfo *ei);
/* The same for a check-in, the hottest path: the worker's row may be remembered from a look-up
 * less than YZ_WORKER_CACHE_S seconds ago (yz_store_worker_find_cached). */
int yz__api_worker_checkin(yz_api *api, yz_http_req *req, yz_worker *w, yz_errinfo *ei);
/* The per-address write limit alone (writes without a worker token, e.g. Open311). */
int yz__api_limit_ip(yz_api *api, yz_http_req *req, yz_errinfo *ei);
/* The per-address limit on minting worker tokens (POST /api/v1/workers), taken after
 * yz__api_limit_ip. YZ_OK, or YZ_ERATE with Retry-After set. */
int yz__api_limit_mint(yz_api *api, yz_http_req *req, yz_errinfo *ei);
/* The per-address limit of problem reports, across stations, with or without a worker token
 * (an IPv6 address counts by its /64, what one subscriber gets). YZ_OK or YZ_ERATE (429 with
 * Retry-After). */
int yz__api_limit_reports(yz_api *api, yz_http_req *req, yz_errinfo *ei);
/* The BLAKE2b hash under which a worker token is stored (workers.c issues them). */
void yz__api_token_hash(const char *token, uint8_t out[YZ_TOKEN_HASH_BYTES]);

/* --- authz.c: who is asking, and whether the permission table lets them ---------------------
 * The table (permissions.c, docs/internals/permissions.md) lists every route with who may call
 * it: the public, a worker token, any signed-in user, or roles each with a scope check. Every
 * route that is not public or a worker's goes through yz__api_authorize, nowhere else. */

/* How a row of the table admits a request. */
enum yz_access {
    YZ_ACCESS_PUBLIC,    /* anyone; a session, if sent, is not even read */
    YZ_ACCESS_WORKER,    /* a worker token (the handler checks it: yz__api_worker) */
    YZ_ACCESS_SIGNED_IN, /* any signed-in user, or the admin token, whatever their roles */
    YZ_ACCESS_ROLES,     /* the roles whose scope is not YZ_SCOPE_NO, within their scope */
    YZ_ACCESS_VIEW,      /* not a route: what more the roles see in a public route's answer */
};
/* A role's scope check on one row. */
enum yz_scope {
    YZ_SCOPE_NO,       /* the role may not */
    YZ_SCOPE_ANY,      /* any target */
    YZ_SCOPE_DISTRICT, /* the target's district (a station's, or the one a new record names) */
    YZ_SCOPE_STATION,  /* the target station, or a station of the grant's partner */
    YZ_SCOPE_CANTEEN,  /* the target canteen */
    YZ_SCOPE_OWN,      /* the user's own record */
    YZ_SCOPE_TEXT,     /* only the texts of the target (publishing a held report text) */
    YZ_SCOPE_USERS,    /* a user whose every grant lies in the grant's districts (t->reach) */
    YZ_SCOPE_ASSIGNED, /* a record the user opened (t->user_id) or is assigned (t->assignee_id) */
    YZ_SCOPE__COUNT
};
typedef struct yz_perm {
    const char *method, *pattern, *name; /* as given to yz_http_route */
    int access;                          /* enum yz_access */
    signed char scope[YZ_ROLE__COUNT];   /* enum yz_scope, by enum yz_role */
    const char *note;                    /* one line for the doc */
} yz_perm;
/* The table: every row, and how many. Static, immutable. */
const yz_perm *yz__api_perms(size_t *n);
/* The row named `name` (a route's name, or a view's), or NULL. */
const yz_perm *yz__api_perm(const char *name);
const char *yz__api_scope_name(int scope);
/* Check that every route registered on `srv` has its row (method, pattern, name) and every
 * route row a route. Logs each difference; returns the count. */
int yz__api_perms_check(const yz_http_server *srv);

/* Who is asking. Resolved once per request (kept in the request's data) from the admin token
 * or a session (cookie yz_session, or Authorization: Bearer yzs_...). */
enum yz_actor_kind { YZ_ACTOR_NONE, YZ_ACTOR_USER, YZ_ACTOR_ADMIN_TOKEN };
/* What the audit log will record of a request (audit.c, docs/internals/audit.md). Filled by
 * yz__api_authorize (action, target, reason) and by the handlers (before, record), written
 * once by the respond hook, just before the answer is queued. */
typedef struct yz_audit_ctx {
    const char *action;    /* route name (static); NULL: nothing to record */
    char record_kind[16];  /* "" until known */
    int64_t record_id;     /* 0 until known */
    char district[32];     /* the record's district, "" when none */
    char *before;          /* owned JSON of the record before, or NULL */
    int64_t login_user_id; /* a login attempt: the user, when the login exists */
    char login[72];        /* a login attempt: the login tried */
    char reason[200];      /* why the request was refused or failed */
    bool written;          /* the entry is in the store (one per request) */
    char *after;           /* owned JSON kept as "after" instead of the answer, or NULL */
} yz_audit_ctx;
typedef struct yz_actor {
    yz_api *api;        /* borrowed */
    bool resolved;      /* the credential has been read */
    yz_audit_ctx audit;
    int kind;           /* enum yz_actor_kind */
    bool via_cookie;    /* the session came in the cookie (unsafe methods need X-CSRF-Token) */
    yz_user user;       /* YZ_ACTOR_USER: the user and their grants */
    yz_session session; /* YZ_ACTOR_USER: the session */
    int err;            /* why no actor: YZ_OK (nothing sent), YZ_EUNAUTH, YZ_EFORBIDDEN, ... */
    yz_errinfo ei;      /* with err */
} yz_actor;

/* The request's actor (resolved on first call; kind YZ_ACTOR_NONE with err set when what was
 * sent is not valid). Returns borrowed, valid until the request ends. For the audit log and
 * any handler that needs to know who asked. */
const yz_actor *yz__api_actor(yz_api *api, yz_http_req *req);
/* The acting user's id, 0 when the actor is not a user account (the admin token). */
int64_t yz__api_actor_user(yz_api *api, yz_http_req *req);

/* The request's actor slot, created unresolved when missing (nothing is read yet). */
yz_actor *yz__api_actor_slot(yz_api *api, yz_http_req *req);

/* --- audit.c: the audit log of staff writes ------------------------------------------------
 * yz__api_authorize marks every unsafe request to a staff route for the log; the hook set by
 * yz__api_register_audit writes one entry per such request when it is answered. Handlers only
 * add what the hook cannot know. */

/* Mark this request for the log as `action` (a public route that writes, e.g. a login). */
void yz__api_audit_begin(yz_api *api, yz_http_req *req, const char *action);
/* The record the request acts on: kind ("event"), id (0: keep), district (NULL: keep). */
void yz__api_audit_record(yz_http_req *req, const char *kind, int64_t id, const char *district);
/* The record before the change, as the API renders it (JSON, copied). */
void yz__api_audit_before(yz_http_req *req, const char *json);
/* What to keep as the entry's "after" instead of the answer (JSON, copied): a summary of
 * an answer too large to keep (an import's report). */
void yz__api_audit_after(yz_http_req *req, const char *json);
/* Record nothing for this request after all: an unsafe request that changes nothing and
 * was allowed (an import's dry run, a read that takes a body). */
void yz__api_audit_cancel(yz_http_req *req);
/* A login attempt: the login tried and its user (0 if none). */
void yz__api_audit_login(yz_http_req *req, const char *login, int64_t user_id);
/* Note why the request failed (called by yz_api_error). */
void yz__api_audit_error(yz_http_req *req, const yz_errinfo *ei);
void yz__api_register_audit(yz_api *api, yz_http_server *srv);
/* dashboard.c: GET /api/v1/dashboard/visits, events, ratings, scores and their .csv
 * (docs/internals/stats.md). */
void yz__api_register_dashboard(yz_api *api, yz_http_server *srv);
/* Append the audit log's counters to /metrics (Prometheus text). */
void yz__api_audit_metrics(yz_buf *b);

/* What a request acts on, for the scope checks. Zero it, then set what is known. */
typedef struct yz_target {
    int64_t station_id;    /* 0: none */
    char district[32];     /* district code; filled from station_id when empty */
    char partner[128];     /* the station's partner name; filled from station_id */
    int64_t canteen_id;    /* 0: none */
    int64_t user_id;       /* 0: none */
    int64_t assignee_id;   /* the user a record is assigned to (YZ_SCOPE_ASSIGNED), 0: none */
    bool text_only;        /* the request changes only texts' publication */
    /* A user, or the grants a request would give one (YZ_SCOPE_USERS; session.c computes
     * them with yz__api_user_reach): */
    const char *reach;     /* comma-separated district codes the grants reach; borrowed */
    bool beyond;           /* some grant is not confined to districts (a city-wide role,
                              a partner, a partner kitchen, an empty scope, no grant at all) */
} yz_target;

/* Fill t->district and t->partner from station `id` in the current snapshot (left "" when it
 * is not there). */
void yz__api_target_station(yz_api *api, int64_t id, yz_target *t);
/* Fill t->station_id, t->district and t->partner from station `st` (borrowed). */
void yz__api_target_of(const yz_station *st, yz_target *t);

/* May this request call route `route` (a name in the table) on `t`? With t NULL only the
 * roles are checked (the handler calls again once it knows its target, before it changes
 * anything). Also applies the per-address write limit and, for a cookie session and an unsafe
 * method, the CSRF token. YZ_OK; YZ_EUNAUTH (no credential, a session that ended, a forged
 * one); YZ_EFORBIDDEN (a wrong token, no role for it, out of scope, CSRF); YZ_ERATE. */
int yz__api_authorize(yz_api *api, yz_http_req *req, const char *route, const yz_target *t,
                      yz_errinfo *ei);
/* As yz__api_authorize for a VIEW row, quietly: whether the asker sees more (t NULL: by role
 * only, whatever the target). */
bool yz__api_may(yz_api *api, yz_http_req *req, const char *view, const yz_target *t);
/* After yz__api_authorize allowed this request: whether one of the asker's grants whose role
 * is in `roles` (bit 1 << enum yz_role; the admin token counts as city_admin) covers `t` on row
 * `route`. For answers that differ by role (what an operator sees of inspections). */
bool yz__api_may_as(yz_api *api, yz_http_req *req, const char *route, const yz_target *t,
                    unsigned roles);
/* Whether user `u` (borrowed; not disabled) holds one of `roles` (n_roles of them, enum
 * yz_role) whose scope on row `route` covers `t`: who may be given a record to act on (a
 * report's assignee). */
bool yz__api_user_covers(const yz_user *u, const char *route, const int *roles, size_t n_roles,
                         const yz_target *t);

/* --- limits.c --- */

/* Kinds of limit, each with its own buckets. */
enum {
    YZ_LIMIT_TOKEN,      /* writes per worker token */
    YZ_LIMIT_IP,         /* writes per client address */
    YZ_LIMIT_MINT,       /* worker tokens minted per client address */
    YZ_LIMIT_REPORTS_IP, /* problem reports per client address, across stations */
    YZ_LIMIT__COUNT
};
/* Write rate limits: token buckets keyed by a string. Writes refill continuously with a burst
 * of a third of a minute's allowance (at least 5); mints refill continuously with a burst of
 * the whole hour's allowance; the report limit starts at 20 an hour with a burst of 10
 * (yz__limiter_set changes it). */
yz_limiter *yz__limiter_new(double per_min_token, double per_min_ip, double per_hour_mint);
void yz__limiter_free(yz_limiter *l);
/* Set kind `kind` to `per_s` a second with buckets of `burst` (>= 1). Before any take. */
void yz__limiter_set(yz_limiter *l, int kind, double per_s, double burst);
/* Take one from the bucket of `key` of limit `kind`. YZ_OK, or YZ_ERATE with *retry_s set to
 * the whole seconds until one is available again (at least 1). */
int yz__limiter_take(yz_limiter *l, int kind, const char *key, int *retry_s);

/* Extra members on every station a worker sees (nearby results and the station itself),
 * read from the view `v` (the one the caller's snapshot came from): `"rating":{...}` and
 * `"today":[...]` (nothing appended when the station has no event that day). `station_id` is
 * the station's id, `i` its position in the view's snapshot, `t` the query time. */
void yz__api_render_rating(const yz_state_view *v, int64_t station_id, yz_buf *b);
void yz__api_render_today(const yz_state_view *v, size_t i, int64_t t, int lang, yz_buf *b);
/* `,"open_reports":[{"id","service_code","status","requested_at"}]` for station `station_id`
 * (its reports not closed, newest first, at most 100); appends nothing on a store error.
 * Reads the store: for the single-station page only, not for nearby answers. */
void yz__api_render_open_reports(yz_api *api, int64_t station_id, yz_buf *b);
/* The moderation rules the reviews area loaded last (word lists are data), for every area
 * that publishes worker texts; NULL before registration. Immutable, shared by all threads,
 * valid until the api is freed (a reload keeps the versions it replaces). */
const struct yz_modrules *yz__api_modrules(yz_api *api);
/* Re-read the rating tags and word lists from the store; publish them if they differ from
 * what is served (*changed true). On a store error what is served stays, and the error is
 * returned. Any thread; requests never wait for it. */
int yz__api_reload_reviews(yz_api *api, bool *changed, yz_errinfo *ei);

/* --- learn.c: the classifier that learns, for the areas that publish worker texts --- */

/* Score `text` with the classifier and combine its verdict `cv` (filled) into the word lists'
 * *reasons (yz_clf_combine). */
void yz__api_learned(yz_api *api, const char *text, unsigned *reasons, yz_clf_verdict *cv);
/* When `reasons` has YZ_MOD_LEARNED, keep verdict `cv` of item `id` of `source` ("review",
 * "report") for the moderators' queue; a store error is logged. */
void yz__api_keep_verdict(yz_api *api, const char *source, int64_t id, unsigned reasons,
                          const yz_clf_verdict *cv);
/* Append `,"classifier":{"spam_probability","ngrams"}` for a kept verdict, or
 * `,"classifier":null`. Reads the store. */
void yz__api_render_verdict(yz_api *api, const char *source, int64_t id, yz_buf *b);
/* Train the classifier on a moderator's decision about item `id` of `source`: `label`
 * YZ_CLF_SPAM (rejected) or YZ_CLF_HAM (approved, published). Errors are logged. */
void yz__api_train(yz_api *api, const char *source, int64_t id, int label, const char *text);

/* Routes of each area; each file's register creates its state in `api`, free_* frees it. */
void yz__api_register_stations(yz_api *api, yz_http_server *srv);
/* Station import and export (api/transfer.c); before the stations' /{} routes. */
void yz__api_register_transfer(yz_api *api, yz_http_server *srv);
#define YZ_API_IMPORT_MAX_BODY (8u << 20) /* bytes of an import file; more is 413 */
void yz__api_register_workers(yz_api *api, yz_http_server *srv);
void yz__api_register_visits(yz_api *api, yz_http_server *srv);
/* screen.c: station screen keys and the screen page (docs/internals/screen.md). */
void yz__api_register_screen(yz_api *api, yz_http_server *srv);
void yz__api_register_reviews(yz_api *api, yz_http_server *srv);
void yz__api_register_reports(yz_api *api, yz_http_server *srv);
void yz__api_register_events(yz_api *api, yz_http_server *srv);
/* api/share.c: the poster and card images (API routes), and the app pages with link-preview
 * tags (/s/{}, /station/{}, /event/{}: registered after every API route). */
void yz__api_register_share(yz_api *api, yz_http_server *srv);
void yz__api_register_share_pages(yz_api *api, yz_http_server *srv);
/* api/api.c: the app's index.html as it is, or the placeholder front page without an app. */
void yz__api_web_front(yz_api *api, yz_http_req *req);
void yz__api_register_meals(yz_api *api, yz_http_server *srv);
void yz__api_register_session(yz_api *api, yz_http_server *srv);
void yz__api_register_users(yz_api *api, yz_http_server *srv);
void yz__api_register_photos(yz_api *api, yz_http_server *srv);
void yz__api_register_project(yz_api *api, yz_http_server *srv);
void yz__api_register_inspections(yz_api *api, yz_http_server *srv);
/* tasks.c: rectification tasks, the inbox, escalation and the webhook (docs/internals/tasks.md). */
void yz__api_register_tasks(yz_api *api, yz_http_server *srv);
void yz__api_free_tasks(yz_api *api);
/* Tasks or notifications changed (an inspection submitted): wake the webhook sender. Never
 * blocks for long (a mutex and a signal). */
void yz__api_tasks_changed(yz_api *api);
/* Append the tasks' counters to /metrics (Prometheus text). */
void yz__api_tasks_metrics(yz_api *api, yz_buf *b);
/* Answer `status` with task `t` as GET /api/v1/tasks/{id} renders it (ETag its version). */
struct yz_task;
void yz__api_respond_task(yz_http_req *req, int status, const struct yz_task *t);
/* The optional body {"severity":"low|medium|high"} of a route that makes a task from a record
 * (a report, an alarm): *severity stays as given (the default) when the body is empty. */
int yz__api_task_severity(yz_http_req *req, int *severity, yz_errinfo *ei);
/* alarms.c: alarm rules, alarms, their evaluator (docs/internals/alarms.md). */
void yz__api_register_alarms(yz_api *api, yz_http_server *srv);
void yz__api_free_alarms(yz_api *api);
/* Append the open alarms by rule and level to /metrics. */
void yz__api_alarms_metrics(yz_api *api, yz_buf *b);
/* devices.c: station devices, the signed HTTP ingest, the series, the `live` member
 * (docs/internals/live.md). */
void yz__api_register_devices(yz_api *api, yz_http_server *srv);
void yz__api_free_devices(yz_api *api);
void yz__api_devices_metrics(yz_api *api, yz_buf *b);
/* `,"live":{...}` for station `station_id` from the live part of view `v` (nothing when the
 * station has no enabled device). */
void yz__api_render_live(yz_api *api, const yz_state_view *v, int64_t station_id, yz_buf *b);
/* live=charged|seats (NULL: none) as YZ_API_LIVE_*, 0 for none; YZ_EINVAL naming `live`. */
enum { YZ_API_LIVE_CHARGED = 1, YZ_API_LIVE_SEATS = 2 };
int yz__api_live_parse(const char *v, int *want, yz_errinfo *ei);
/* Whether station `station_id` passes live filter `want` in view `v`: its charged batteries
 * (or free seats) known and at least 1. */
bool yz__api_live_keep(yz_api *api, const yz_state_view *v, int64_t station_id, int want);
void yz__api_free_visits(yz_api *api);
void yz__api_free_reviews(yz_api *api);
void yz__api_free_reports(yz_api *api);
void yz__api_free_meals(yz_api *api);

/* lang=: "zh-Hans" and "en" (texts as stored), "zh-Hant" (YZ_LANG_HANT); -1 otherwise. */
int yz__api_lang_parse(const char *w);

#endif
