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
#include "http/static.h"
#include "store/workers.h"

#include <jansson.h>

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
    yz_static *web;      /* the built web app, or NULL (placeholder front page) */
    /* Per-area state, owned by the area's file (api/<area>.c), created in its register
     * function and freed by yz__api_free_<area>. */
    struct yz_api_visits *visits;
    struct yz_api_reviews *reviews;
    struct yz_api_reports *reports;
    struct yz_api_meals *meals;
};

#define YZ_JSON "application/json; charset=utf-8"

/* --- request.c: what every handler shares; it depends on no area's file. --- */

/* Answer 200 with `body` (taken) as JSON. */
void yz__api_ok(yz_http_req *req, yz_buf *body);
/* Check the admin bearer token. YZ_OK, YZ_EUNAUTH (none given) or YZ_EFORBIDDEN (wrong, or
 * no token configured). */
int yz__api_check_admin(const yz_api *api, yz_http_req *req, yz_errinfo *ei);

/* Parse the request body as a JSON value (object or array). Rejects a Content-Type other than
 * application/json, malformed JSON and duplicate keys, naming field "body". Returns owned. */
int yz__api_parse_json(yz_http_req *req, json_t **out, yz_errinfo *ei);

/* The worker behind `Authorization: Bearer <token>`, after checking the per-token and
 * per-address write limits. YZ_EUNAUTH (no token, unknown token), YZ_EEXPIRED, YZ_ERATE.
 * For every write a worker makes. */
int yz__api_worker(yz_api *api, yz_http_req *req, yz_worker *w, yz_errinfo *ei);
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
void yz__api_render_today(const yz_state_view *v, size_t i, int64_t t, yz_buf *b);
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
void yz__api_register_workers(yz_api *api, yz_http_server *srv);
void yz__api_register_visits(yz_api *api, yz_http_server *srv);
void yz__api_register_reviews(yz_api *api, yz_http_server *srv);
void yz__api_register_reports(yz_api *api, yz_http_server *srv);
void yz__api_register_events(yz_api *api, yz_http_server *srv);
void yz__api_register_meals(yz_api *api, yz_http_server *srv);
void yz__api_free_visits(yz_api *api);
void yz__api_free_reviews(yz_api *api);
void yz__api_free_reports(yz_api *api);
void yz__api_free_meals(yz_api *api);

#endif
