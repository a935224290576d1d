/* SPDX-License-Identifier: MIT */
/* http/server.h - the HTTP layer: libmicrohttpd glue, a small router, request accessors,
 * responses and request metrics. It knows nothing of stations: src/api registers routes.
 * Handlers run on the server's pool threads, several at once. */
#ifndef YZ_HTTP_SERVER_H
#define YZ_HTTP_SERVER_H

#include "core/buf.h"
#include "core/err.h"

#include <stddef.h>
#include <stdint.h>

typedef struct yz_http_server yz_http_server;
typedef struct yz_http_req yz_http_req;

/* A request handler. Must answer with yz_http_respond* exactly once (or defer the answer:
 * yz_http_defer). `ctx` is the pointer given to yz_http_route. */
typedef void (*yz_http_handler)(void *ctx, yz_http_req *req);

typedef struct yz_http_config {
    const char *bind_addr; /* "127.0.0.1", "0.0.0.0" (default) */
    int port;              /* 0 = any free port */
    int threads;           /* pool threads; 0 = the CPUs, at least 2 */
    size_t max_body;       /* bytes; larger bodies get 413. 0 = 64 KiB */
    int timeout_s;         /* idle timeout once a request has begun, and between keep-alive
                            * requests; 0 = 30 */
    int header_timeout_s;  /* silence allowed on a connection that has not yet sent a whole
                            * request header; 0 = 10, never more than timeout_s */
    int shed_inflight;     /* above this many requests in flight (begun, not completed),
                            * requests are refused with 503 in proportion to the excess
                            * (health and metrics excepted); 0 = 256. Idle connections do not
                            * count. */
    int max_conns;         /* open connections at most; 0 = what the descriptor limit allows,
                            * up to 16384 (the soft RLIMIT_NOFILE is raised to the hard one) */
    int conns_per_addr;    /* open connections from one client address at most (more are
                            * closed at once); 0 = 256, -1 = no limit (behind a proxy) */
    int expensive_slots;   /* expensive requests (images, exports) handled at once, the rest
                            * get 503 + Retry-After; 0 = half the CPUs, at least 1 */
    const char *trusted_proxies; /* comma-separated addresses of reverse proxies (nginx) whose
                                  * X-Real-IP header names the client; NULL or "" = none: the
                                  * header is ignored and the peer address is the client */
} yz_http_config;

/* A server with no routes, not yet listening. Returns owned. */
yz_http_server *yz_http_new(const yz_http_config *cfg);
/* Add a route. `pattern` is a path whose segments may be "{}" (captures one segment, read
 * with yz_http_param). `method` is "GET", "POST", ...; "GET" routes answer HEAD too. Routes
 * are tried in the order added. `name` labels the route in metrics. Not thread-safe: add all
 * routes before yz_http_listen. */
void yz_http_route(yz_http_server *srv, const char *method, const char *pattern,
                   const char *name, yz_http_handler h, void *ctx);
/* Call `cb` for every route, in the order added, with the method, pattern and name given to
 * yz_http_route (borrowed). Stops when cb returns non-0 and returns that; else 0. */
int yz_http_each_route(const yz_http_server *srv,
                       int (*cb)(void *arg, const char *method, const char *pattern,
                                 const char *name),
                       void *arg);
/* As yz_http_route, for an expensive route (rendering, exports): the handler runs only while
 * fewer than `expensive_slots` expensive requests are running; otherwise the request gets 503
 * with Retry-After at once, so that expensive requests never hold the threads and CPUs the
 * cheap read path needs. */
void yz_http_route_expensive(yz_http_server *srv, const char *method, const char *pattern,
                             const char *name, yz_http_handler h, void *ctx);
/* Let the route added last take a body of up to `max_body` bytes instead of the server's
 * max_body (an upload); more gets 413 naming the limit. Before yz_http_listen. */
void yz_http_route_max_body(yz_http_server *srv, size_t max_body);
/* The handler for errors the HTTP layer answers itself: 404 / 405 decided by the router, 413,
 * 503 when shedding, and 400 for a malformed request. yz_http_fault gives the details when
 * the layer has them. */
typedef void (*yz_http_error_handler)(yz_http_req *req, int status, const char *reason);
void yz_http_on_error(yz_http_server *srv, yz_http_error_handler h);
/* Inside the error handler: why the HTTP layer refused the request (field and messages in
 * both languages, code YZ_EINVAL for a malformed request, YZ_EUNAVAIL for a full expensive
 * pool), or NULL when the status says it all. Borrowed; valid during the handler. */
const yz_errinfo *yz_http_fault(const yz_http_req *req);
/* A hook called with every answer of a request that carries data (yz_http_set_data), just
 * before the answer is queued, on the request's thread: `status` and the body (`len` bytes,
 * before compression; NULL for an answer from a file). The API writes its audit log here
 * (docs/internals/audit.md): once per request, before the client can see the answer. */
typedef void (*yz_http_respond_hook)(yz_http_req *req, int status, const char *body, size_t len);
void yz_http_on_respond(yz_http_server *srv, yz_http_respond_hook h);
/* Start listening. Returns 0, or -1 with errno-style detail logged. */
int yz_http_listen(yz_http_server *srv);
/* The port the server listens on (after yz_http_listen). */
int yz_http_port(const yz_http_server *srv);
/* Stop accepting, let requests in flight finish (up to 10 s), close the rest, free
 * everything. Accepts NULL. */
void yz_http_free(yz_http_server *srv);
/* Inside a handler: take one of the `expensive_slots` for the rest of this handler (released
 * when it returns), for a handler that is expensive only sometimes (a cache miss). Returns 0,
 * or -1 when all are taken: the request has then been answered 503 with Retry-After, and the
 * handler must return without responding. Routes added with yz_http_route_expensive hold one
 * already (0). */
int yz_http_expensive_begin(yz_http_req *req);
/* Append the request metrics in Prometheus text format. */
void yz_http_metrics(const yz_http_server *srv, yz_buf *out);

/* --- request accessors (borrowed; valid during the handler) ----------------------------- */
const char *yz_http_path(const yz_http_req *req);
/* Query argument `name`, percent-decoded, or NULL. */
const char *yz_http_query(const yz_http_req *req, const char *name);
/* Call `cb` for every query argument (to reject unknown ones). Stops when cb returns non-0. */
int yz_http_query_each(const yz_http_req *req, int (*cb)(void *arg, const char *k, const char *v),
                       void *arg);
/* Request header `name` (case-insensitive), or NULL. */
const char *yz_http_header(const yz_http_req *req, const char *name);
/* Whether the request's If-None-Match holds `etag` (or is "*"): answer 304 then. */
int yz_http_etag_matches(const yz_http_req *req, const char *etag);
/* Whether a response header `name` was added with yz_http_add_header (any case). */
int yz_http_has_response_header(const yz_http_req *req, const char *name);
/* Whether the request's Accept-Encoding allows gzip (a "gzip" token whose q is not 0). */
int yz_http_accepts_gzip(const yz_http_req *req);
/* The request method ("GET", "PATCH", ...). HEAD requests read "HEAD". */
const char *yz_http_method(const yz_http_req *req);
/* One pointer of per-request data for the layers above (the API keeps who is asking there):
 * `data` is taken, freed with `free_fn` (may be NULL) when the request ends or when replaced. */
void yz_http_set_data(yz_http_req *req, void *data, void (*free_fn)(void *));
/* The data set with yz_http_set_data, or NULL. */
void *yz_http_data(const yz_http_req *req);
/* Path capture i (0-based), or NULL. */
const char *yz_http_param(const yz_http_req *req, int i);
/* The request body (NUL-terminated; may contain NULs, use *len). */
const char *yz_http_body(const yz_http_req *req, size_t *len);
/* The client's IP address as text ("127.0.0.1", "::1"), or NULL. Valid during the handler.
 * When the peer is one of the configured trusted proxies and sends a valid X-Real-IP, that
 * address; a header from any other peer is ignored (it would let a client pick its own
 * address and dodge the per-address limits). */
const char *yz_http_client_addr(yz_http_req *req);

/* An empty buffer of room for at least `cap` bytes, for an answer that yz_http_respond will
 * send: the large buffer this thread's last large answer left when it is big enough (no
 * malloc), else a new one. Free it with yz_buf_fini if it is not sent. */
void yz_http_buf_init(yz_buf *b, size_t cap);

/* --- responses ------------------------------------------------------------------------ */
/* Add a response header (before responding). Copies both. */
void yz_http_add_header(yz_http_req *req, const char *name, const char *value);
/* Respond with `body` (taken: left as after yz_buf_init). */
void yz_http_respond(yz_http_req *req, int status, const char *content_type, yz_buf *body);
/* Answer later, from another thread: the handler calls this, hands `req` to whoever will
 * answer (a queue, a worker thread) and returns without answering; its pool thread goes on
 * with other connections. The answer is then given, exactly once and from any thread, with
 * yz_http_respond (or the API's error helpers, which call it), after which `req` must not be
 * touched again: the connection sleeps (libmicrohttpd's suspend) until then, is woken, and
 * the answer goes out on a pool thread. yz_http_add_header and yz_http_set_data may be used
 * before the answer. Stopping the server waits for every deferred answer. */
void yz_http_defer(yz_http_req *req);
/* A deferred request's continuation: called on a pool thread, as a handler is, with the
 * `arg` given to yz_http_resume. It answers, or defers again. */
typedef void (*yz_http_resume_cb)(void *arg, yz_http_req *req);
/* For a deferred request (yz_http_defer), from any thread, instead of answering: wake the
 * connection and have `cb(arg, req)` run on a pool thread, where it answers (or defers
 * again) like a handler. For work done elsewhere (a password hash on its own pool) whose
 * follow-up belongs on the request's thread (store writes, the audit hook, the answer).
 * `req` must not be touched by the caller afterwards. */
void yz_http_resume(yz_http_req *req, yz_http_resume_cb cb, void *arg);
/* Respond with static bytes (not copied; must outlive the server). */
void yz_http_respond_static(yz_http_req *req, int status, const char *content_type,
                            const char *body, size_t len);

#endif
