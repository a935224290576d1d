/* SPDX-License-Identifier: MIT */
/* http/server.c - libmicrohttpd glue. MHD calls the access handler several times per
 * request: the first call only sets up our request (answering on it makes MHD close the
 * connection, which is what a malformed request gets), later calls bring the body, and the
 * last one dispatches to the route. Admission control (docs/internals/http.md): shedding by
 * requests in flight, a bound on connections per address, a pool for expensive routes. */
#include "http/server.h"

#include "core/alloc.h"
#include "core/buf.h"
#include "core/log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <assert.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#define MAX_ROUTES 160 /* 98 routes in December 2026 */
#define MAX_PARAMS 4
#define MAX_SEGS 16
#define N_BUCKETS 14
#define MAX_QUERY_ARGS 64  /* our routes take at most ~15; MHD's 32 KiB pool drops ~500 */
#define FD_RESERVE 256     /* descriptors kept for the store, logs, files */
#define MAX_CONNS_AUTO 16384
#define RECORD_SLOTS 8192 /* bodies remembered by the recorder: a repeated one is not written */
#define LOG_PER_S 10       /* lines a second about malformed requests, the rest counted */
#define N_SHARDS 16        /* copies of the per-request counters (threads beyond share them) */

static const double bucket_s[N_BUCKETS] = {0.0001, 0.00025, 0.0005, 0.001, 0.0025,
                                           0.005,  0.01,    0.025,  0.05,  0.1,
                                           0.25,   0.5,     1,      2.5};

typedef struct route {
    char method[8];
    char *segs[MAX_SEGS]; /* "{}" captures */
    int nseg;
    char name[48];
    char pattern[96]; /* as registered, for yz_http_each_route */
    yz_http_handler h;
    void *ctx;
    bool expensive;            /* runs only in one of the expensive slots */
    size_t max_body;           /* bytes of body it takes; 0: the server's max_body */
} route;

#define MAX_PROXIES 16

/* What every request adds to, one copy a handler thread (up to N_SHARDS, then shared), each on
 * its own cache lines: with one copy, two threads' atomic adds on the same lines cost each
 * request a cache-line transfer per counter (docs/internals/http.md, "Counters"). Read as sums. */
typedef struct counters {
    _Alignas(64) _Atomic uint64_t hist[N_BUCKETS + 1]; /* latency buckets, cumulative at render */
    _Atomic uint64_t hist_sum_ns;
    _Atomic uint64_t hist_count;
    _Atomic int64_t begun;                     /* requests whose header is in, not yet completed
                                                * (an add here may be undone in another copy) */
    _Atomic uint64_t count[MAX_ROUTES + 1][6]; /* by route ([MAX_ROUTES]: unrouted) and status
                                                * class 1xx..5xx, [0] other */
} counters;

struct yz_http_server {
    yz_http_config cfg;
    struct MHD_Daemon *d;
    route routes[MAX_ROUTES];
    int nroutes;
    yz_http_error_handler on_error;
    yz_http_respond_hook on_respond;
    route unrouted;                      /* 404/405 and early errors */
    counters *shards;                    /* N_SHARDS, summed when read */
    _Atomic int inflight;       /* of those, requests whose body is in too: being handled or
                                 * answered (what shedding counts) */
    _Atomic int conns;          /* open connections */
    _Atomic int expensive_busy; /* expensive slots taken */
    _Atomic uint64_t shed_total;      /* requests refused by shedding */
    _Atomic uint64_t expensive_full;  /* expensive requests refused, all slots taken */
    _Atomic uint64_t malformed_total; /* requests refused as malformed (400) */
    _Atomic int deferred;             /* requests whose answer another thread will give */
    _Atomic uint64_t deferred_total;  /* requests deferred so far */
    int port;
    char proxies[MAX_PROXIES][INET6_ADDRSTRLEN]; /* trusted proxies, as inet_ntop writes them */
    int nproxies;
    int record_fd; /* YZ_HTTP_RECORD: every answer appended as a JSON line (tests), else -1 */
    _Atomic uint64_t *recorded; /* hashes of bodies recorded already (RECORD_SLOTS) */
};

struct yz_http_req {
    yz_http_server *srv;
    bool begun;          /* the access handler has seen it (counted in srv->begun) */
    bool dispatched;     /* its body is in too (counted in srv->inflight) */
    int too_many_args;   /* query arguments beyond MAX_QUERY_ARGS, dropped unparsed */
    bool holds_slot;     /* holds one of the expensive slots */
    yz_errinfo fault;    /* why the HTTP layer refused it (yz_http_fault) */
    struct MHD_Connection *conn;
    const char *method;
    const char *url;
    char *raw_uri; /* the request target as sent, kept only when answers are recorded */
    yz_buf body;
    int too_big;
    char *path_copy;
    const char *params[MAX_PARAMS];
    int nparams;
    char *hdr_name[8];
    char *hdr_value[8];
    int nhdr;
    int responded;
    int status;
    char addr[64]; /* client address text, filled on first use */
    route *route;
    route *matched;      /* the route of its header (route is set only once dispatched) */
    int match_status;    /* 404 or 405 when matched is NULL */
    uint64_t start_ns;
    void *data;              /* the API's per-request data (yz_http_set_data) */
    void (*data_free)(void *);
    /* A deferred answer (yz_http_defer): the connection is suspended until another thread
     * gives the answer, which waits here until a pool thread sends it. */
    bool deferred;             /* set by the pool thread; cleared when the answer is sent */
    bool pending;              /* the answer is here: set by the answering thread */
    int pending_status;
    const char *pending_type;  /* a content type string that outlives the request */
    yz_buf pending_body;
    yz_http_resume_cb resume_cb; /* or a continuation to run (yz_http_resume) */
    void *resume_arg;
};

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static counters *counters_new(void)
{
    counters *c = aligned_alloc(_Alignof(counters), N_SHARDS * sizeof *c);
    if (!c) {
        yz_log_error("http: out of memory");
        abort();
    }
    memset(c, 0, N_SHARDS * sizeof *c);
    return c;
}

yz_http_server *yz_http_new(const yz_http_config *cfg)
{
    yz_http_server *s = yz_calloc(1, sizeof *s);
    s->cfg = *cfg;
    s->shards = counters_new();
    if (!s->cfg.max_body)
        s->cfg.max_body = 64 * 1024;
    if (!s->cfg.timeout_s)
        s->cfg.timeout_s = 30;
    if (s->cfg.header_timeout_s <= 0)
        s->cfg.header_timeout_s = 10;
    if (s->cfg.header_timeout_s > s->cfg.timeout_s)
        s->cfg.header_timeout_s = s->cfg.timeout_s;
    if (s->cfg.shed_inflight <= 0)
        s->cfg.shed_inflight = 256;
    if (!s->cfg.conns_per_addr)
        s->cfg.conns_per_addr = 256;
    if (s->cfg.expensive_slots <= 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        s->cfg.expensive_slots = n >= 4 ? (int)n / 2 : 1;
    }
    if (s->cfg.threads <= 0) {
        /* One thread a CPU: no handler waits on its thread any more (a check-in's commit and
         * a login's password hash defer their answers), so more threads would only add
         * context switches to the search path. At least 2, so that one slow answer (an
         * export in an expensive slot) leaves a thread for the rest. */
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        s->cfg.threads = n > 2 ? (int)n : 2;
    }
    snprintf(s->unrouted.name, sizeof s->unrouted.name, "unrouted");
    /* The API tests' contract check (docs/internals/api-contract.md): each answer becomes a
     * line of this file, checked against the OpenAPI description once the cases have run. */
    const char *rec = getenv("YZ_HTTP_RECORD");
    s->record_fd = rec && *rec ? open(rec, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600) : -1;
    if (rec && *rec && s->record_fd < 0)
        yz_log_warn("http: cannot open %s to record answers: %s", rec, strerror(errno));
    if (s->record_fd >= 0)
        s->recorded = yz_calloc(RECORD_SLOTS, sizeof *s->recorded);
    return s;
}

static uint64_t fnv1a(uint64_t h, const void *data, size_t len)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < len; i++)
        h = (h ^ p[i]) * 0x100000001b3ULL;
    return h;
}

/* One line: method, target, status, content type, and the body when it is JSON. One write
 * on an O_APPEND descriptor, so that lines of several threads and servers never mix. A body
 * this server recorded already for the same route, method, status and type (an overload
 * test's thousands of equal answers) is written as its hash only ("same"), the first time
 * with it ("hash"): the check judges it once. */
static void record_answer(yz_http_req *req, int status, const char *ctype, const char *body,
                          size_t len)
{
    yz_http_server *s = req->srv;
    if (s->record_fd < 0)
        return;
    const char *uri = req->raw_uri ? req->raw_uri : req->url ? req->url : "";
    const char *method = req->method ? req->method : "";
    const route *r = req->route ? req->route : req->matched;
    const char *pattern = r ? r->pattern : "";
    uint64_t h = 0xcbf29ce484222325ULL;
    h = fnv1a(h, pattern, strlen(pattern) + 1);
    h = fnv1a(h, method, strlen(method) + 1);
    h = fnv1a(h, &status, sizeof status);
    h = fnv1a(h, ctype, strlen(ctype) + 1);
    h = fnv1a(h, body ? body : "", body ? len : 0);
    h |= 1; /* never 0, the empty slot */
    _Atomic uint64_t *slot = &s->recorded[h % RECORD_SLOTS];
    bool seen = atomic_load(slot) == h;
    yz_buf b;
    yz_buf_init(&b);
    yz_buf_puts(&b, "{\"method\":");
    yz_buf_json_str(&b, method, strlen(method));
    yz_buf_puts(&b, ",\"uri\":");
    yz_buf_json_str(&b, uri, strlen(uri));
    /* "refused": the HTTP layer answered (a malformed request, shedding), not the route. */
    yz_buf_printf(&b, ",\"status\":%d,\"refused\":%s,\"type\":", status,
                  req->fault.code ? "true" : "false");
    yz_buf_json_str(&b, ctype, strlen(ctype));
    yz_buf_printf(&b, ",\"len\":%zu,\"%s\":\"%016llx\",\"body\":", len, seen ? "same" : "hash",
                  (unsigned long long)h);
    /* A compressed body (a static file's .gz) is not recorded: its type alone is checked. */
    if (!seen &&
        (strncasecmp(ctype, "application/json", 16) == 0 ||
         strncasecmp(ctype, "application/geo+json", 20) == 0) &&
        !yz_http_has_response_header(req, "Content-Encoding"))
        yz_buf_json_str(&b, body ? body : "", body ? len : 0);
    else
        yz_buf_puts(&b, "null");
    yz_buf_puts(&b, "}\n");
    if (write(s->record_fd, b.data, b.len) != (ssize_t)b.len)
        yz_log_warn("http: an answer could not be recorded");
    else if (!seen)
        atomic_store(slot, h); /* after the write: its line comes before any "same" */
    yz_buf_fini(&b);
}

void yz_http_route(yz_http_server *srv, const char *method, const char *pattern,
                   const char *name, yz_http_handler h, void *ctx)
{
    if (srv->nroutes >= MAX_ROUTES) {
        yz_log_error("http: too many routes");
        abort();
    }
    route *r = &srv->routes[srv->nroutes++];
    snprintf(r->method, sizeof r->method, "%s", method);
    snprintf(r->name, sizeof r->name, "%s", name);
    snprintf(r->pattern, sizeof r->pattern, "%s", pattern);
    r->h = h;
    r->ctx = ctx;
    const char *p = pattern;
    while (*p) {
        while (*p == '/')
            p++;
        if (!*p)
            break;
        const char *e = strchr(p, '/');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (r->nseg >= MAX_SEGS)
            abort();
        r->segs[r->nseg++] = yz_strndup(p, len);
        p += len;
    }
}

void yz_http_route_expensive(yz_http_server *srv, const char *method, const char *pattern,
                             const char *name, yz_http_handler h, void *ctx)
{
    yz_http_route(srv, method, pattern, name, h, ctx);
    srv->routes[srv->nroutes - 1].expensive = true;
}

void yz_http_route_max_body(yz_http_server *srv, size_t max_body)
{
    assert(srv->nroutes > 0);
    srv->routes[srv->nroutes - 1].max_body = max_body;
}

int yz_http_each_route(const yz_http_server *srv,
                       int (*cb)(void *arg, const char *method, const char *pattern,
                                 const char *name),
                       void *arg)
{
    for (int i = 0; i < srv->nroutes; i++) {
        const route *r = &srv->routes[i];
        int rc = cb(arg, r->method, r->pattern, r->name);
        if (rc)
            return rc;
    }
    return 0;
}

void yz_http_set_data(yz_http_req *req, void *data, void (*free_fn)(void *))
{
    if (req->data_free)
        req->data_free(req->data);
    req->data = data;
    req->data_free = free_fn;
}

void *yz_http_data(const yz_http_req *req)
{
    return req->data;
}

const char *yz_http_method(const yz_http_req *req)
{
    return req->method;
}

void yz_http_on_respond(yz_http_server *srv, yz_http_respond_hook h)
{
    srv->on_respond = h;
}

void yz_http_on_error(yz_http_server *srv, yz_http_error_handler h)
{
    srv->on_error = h;
}

/* Split req->url's path into segments; match against each route. Returns the route, or
 * NULL with *status 404 (no path matches) or 405 (path matches, method does not). */
static route *match(yz_http_req *req, int *status)
{
    yz_http_server *s = req->srv;
    char *segs[MAX_SEGS];
    int nseg = 0;
    req->path_copy = yz_strdup(req->url);
    char *p = req->path_copy;
    while (*p) {
        while (*p == '/')
            p++;
        if (!*p)
            break;
        if (nseg == MAX_SEGS) {
            *status = 404;
            return NULL;
        }
        segs[nseg++] = p;
        char *e = strchr(p, '/');
        if (!e)
            break;
        *e = '\0';
        p = e + 1;
    }
    int path_matched = 0;
    int is_head = strcmp(req->method, "HEAD") == 0;
    for (int i = 0; i < s->nroutes; i++) {
        route *r = &s->routes[i];
        if (r->nseg != nseg)
            continue;
        int np = 0, ok = 1;
        for (int j = 0; j < nseg && ok; j++) {
            if (strcmp(r->segs[j], "{}") == 0) {
                if (np < MAX_PARAMS)
                    req->params[np++] = segs[j];
            } else if (strcmp(r->segs[j], segs[j]) != 0) {
                ok = 0;
            }
        }
        if (!ok)
            continue;
        path_matched = 1;
        if (strcmp(r->method, req->method) == 0 || (is_head && strcmp(r->method, "GET") == 0)) {
            req->nparams = np;
            return r;
        }
    }
    *status = path_matched ? 405 : 404;
    return NULL;
}

/* This thread's copy of the counters. */
static counters *my_counters(yz_http_server *s)
{
    static atomic_uint next;
    static _Thread_local int mine = -1;
    if (mine < 0)
        mine = (int)(atomic_fetch_add(&next, 1) % N_SHARDS);
    return &s->shards[mine];
}

static int64_t begun_sum(const yz_http_server *s)
{
    int64_t n = 0;
    for (int i = 0; i < N_SHARDS; i++)
        n += atomic_load(&s->shards[i].begun);
    return n;
}

static void record(yz_http_req *req)
{
    yz_http_server *s = req->srv;
    counters *c = my_counters(s);
    size_t r = req->route ? (size_t)(req->route - s->routes) : MAX_ROUTES;
    int cls = req->status / 100;
    atomic_fetch_add_explicit(&c->count[r][cls >= 1 && cls <= 5 ? cls : 0], 1,
                              memory_order_relaxed);
    uint64_t ns = now_ns() - req->start_ns;
    double sec = (double)ns / 1e9;
    int b = 0;
    while (b < N_BUCKETS && sec > bucket_s[b])
        b++;
    atomic_fetch_add_explicit(&c->hist[b], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&c->hist_sum_ns, ns, memory_order_relaxed);
    atomic_fetch_add_explicit(&c->hist_count, 1, memory_order_relaxed);
}

static void req_free(yz_http_req *req)
{
    if (req->data_free)
        req->data_free(req->data);
    yz_buf_fini(&req->body);
    yz_buf_fini(&req->pending_body);
    yz_free(req->path_copy);
    yz_free(req->raw_uri);
    for (int i = 0; i < req->nhdr; i++) {
        yz_free(req->hdr_name[i]);
        yz_free(req->hdr_value[i]);
    }
    yz_free(req);
}

static void send_error(yz_http_req *req, int status, const char *reason)
{
    if (req->srv->on_error) {
        req->srv->on_error(req, status, reason);
    } else {
        yz_buf b;
        yz_buf_init(&b);
        yz_buf_printf(&b, "%d %s\n", status, reason);
        yz_http_respond(req, status, "text/plain; charset=utf-8", &b);
    }
}

/* Health checks and metrics are answered even when shedding load. */
static int exempt(const char *url)
{
    return strcmp(url, "/healthz") == 0 || strcmp(url, "/metrics") == 0;
}

/* Admission control: with n requests in flight above the threshold t, a request is refused
 * with probability (n - t) / n, so about t requests' worth of work is admitted whatever the
 * load, and every client keeps getting some answers. In flight means whole requests (header
 * and body in) not yet completed: handled, or answered to a client that reads slowly.
 * Connections that send nothing, or a header and then stall, are not work: they cost a
 * descriptor and a connection buffer, bounded per address and by the timeouts; counting them
 * let 4,000 idle sockets shed most normal requests. */
static int shed(yz_http_server *s)
{
    int n = atomic_load(&s->inflight), t = s->cfg.shed_inflight;
    if (n <= t)
        return 0;
    static _Thread_local uint64_t x = 0x9e3779b97f4a7c15ULL;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return (int)(x % (uint64_t)n) >= t;
}

/* --- log lines about clients, rate-limited -------------------------------------------------
 * Every malformed request or broken connection is worth a line, but a client sending
 * thousands of them must not flood the log (nor spend the server's time writing it): at most
 * LOG_PER_S lines a second, then one line saying how many were left out. */
static pthread_mutex_t log_mu = PTHREAD_MUTEX_INITIALIZER;
static time_t log_second;
static int log_lines;
static uint64_t log_suppressed;

static void log_client(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void log_client(const char *fmt, ...)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    pthread_mutex_lock(&log_mu);
    uint64_t suppressed = 0;
    if (ts.tv_sec != log_second) {
        suppressed = log_suppressed;
        log_suppressed = 0;
        log_second = ts.tv_sec;
        log_lines = 0;
    }
    bool write = log_lines < LOG_PER_S;
    if (write)
        log_lines++;
    else
        log_suppressed++;
    pthread_mutex_unlock(&log_mu);
    if (suppressed)
        yz_log_warn("http: suppressed %llu more lines about clients in the last second(s)",
                    (unsigned long long)suppressed);
    if (!write)
        return;
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    yz_log_warn("http: %s", line);
}

static void conn_cb(void *cls, struct MHD_Connection *c, void **socket_ctx,
                    enum MHD_ConnectionNotificationCode toe)
{
    yz_http_server *s = cls;
    if (toe == MHD_CONNECTION_NOTIFY_STARTED)
        atomic_fetch_add(&s->conns, 1);
    else
        atomic_fetch_sub(&s->conns, 1);
}

/* Refuse a malformed request with 400 and the JSON error naming `field`, and log it (rate-
 * limited). Answered on the access handler's first call, so MHD closes the connection after
 * it: the framing of anything that follows cannot be trusted. */
static void refuse(yz_http_req *req, const char *field, const char *zh, const char *en)
{
    yz_err_set(&req->fault, YZ_EINVAL, field, zh, en);
    atomic_fetch_add(&req->srv->malformed_total, 1);
    const char *addr = yz_http_client_addr(req);
    log_client("400 to %s: %s", addr ? addr : "?", en);
    send_error(req, 400, en);
}

typedef struct hdr_scan {
    int host, content_length, transfer_encoding;
    const char *cl_value;
    size_t cl_len;
    bool cl_differ;
    const char *te_value;
    const char *nul_name;  /* a header whose value holds a NUL */
    const char *prev_end;  /* the end (strlen) of the previous header's value */
    const char *prev_name; /* that header's name */
} hdr_scan;

/* Did a NUL cut the header value that ends at `end` short? libmicrohttpd 0.9.75 parses the
 * header block in place and hands out C strings: a line "Authorization: Bearer T\0junk"
 * reads as "Bearer T", with no length to tell. Its line ends (CR LF or LF) become NULs in
 * place, so after a value's end comes another NUL (the rest of a CR LF, or the empty line
 * closing the block) or the next header's name (after a bare LF); anything else is what the
 * NUL hid. `next` is the next header's name, or NULL after the last one. */
static bool nul_cut(const char *end, const char *next)
{
    return end[1] != '\0' && end + 1 != next;
}

static enum MHD_Result scan_cb(void *cls, enum MHD_ValueKind kind, const char *key,
                               size_t key_size, const char *value, size_t value_size)
{
    hdr_scan *h = cls;
    if (!h->nul_name && h->prev_end && nul_cut(h->prev_end, key))
        h->nul_name = h->prev_name;
    h->prev_end = value ? value + strlen(value) : NULL;
    h->prev_name = key;
    if (!value)
        value = "";
    if (!strcasecmp(key, "Host")) {
        h->host++;
    } else if (!strcasecmp(key, "Content-Length")) {
        if (h->content_length++ && (value_size != h->cl_len || memcmp(value, h->cl_value, value_size)))
            h->cl_differ = true;
        h->cl_value = value;
        h->cl_len = value_size;
    } else if (!strcasecmp(key, "Transfer-Encoding")) {
        h->transfer_encoding++;
        h->te_value = value;
    }
    return MHD_YES;
}

/* RFC 9112's framing rules that libmicrohttpd 0.9.75 does not enforce itself (it serves the
 * first of two Content-Lengths, an HTTP/1.1 request without Host, a header value cut short by
 * a NUL, and waits forever on "Transfer-Encoding: identity"). Returns 0, or -1 having answered
 * 400. Checked on the first call of the access handler, when the headers are in. */
static int check_request(yz_http_req *req, const char *version)
{
    if (req->too_many_args) {
        refuse(req, "query", "查询参数过多（最多 64 个）",
               "too many query parameters (at most 64)");
        return -1;
    }
    hdr_scan h = {0};
    MHD_get_connection_values_n(req->conn, MHD_HEADER_KIND, scan_cb, &h);
    if (!h.nul_name && h.prev_end && nul_cut(h.prev_end, NULL))
        h.nul_name = h.prev_name;
    if (h.nul_name) {
        char field[32];
        snprintf(field, sizeof field, "%s", h.nul_name);
        refuse(req, field, "请求头中含有 NUL 字符", "a request header contains a NUL character");
        return -1;
    }
    if (h.host > 1 || (h.host == 0 && version && !strcmp(version, "HTTP/1.1"))) {
        refuse(req, "Host",
               h.host ? "请求头 Host 只能有一个" : "HTTP/1.1 请求须带 Host 请求头",
               h.host ? "a request must have one Host header, not several"
                      : "an HTTP/1.1 request must have a Host header");
        return -1;
    }
    if (h.transfer_encoding) {
        /* Only "chunked" is understood; anything else (identity, gzip, several) has no
         * framing we can trust. Both framings at once is how requests get smuggled. */
        const char *v = h.te_value + strspn(h.te_value, " \t");
        size_t n = strlen(v);
        while (n && (v[n - 1] == ' ' || v[n - 1] == '\t'))
            n--;
        if (h.transfer_encoding > 1 || n != 7 || strncasecmp(v, "chunked", 7)) {
            refuse(req, "Transfer-Encoding", "只支持 Transfer-Encoding: chunked",
                   "only Transfer-Encoding: chunked is supported");
            return -1;
        }
        if (h.content_length) {
            refuse(req, "Content-Length", "不能同时带 Content-Length 和 Transfer-Encoding",
                   "Content-Length and Transfer-Encoding cannot both be sent");
            return -1;
        }
    }
    if (h.content_length > 1) {
        refuse(req, "Content-Length",
               h.cl_differ ? "Content-Length 请求头相互矛盾" : "Content-Length 请求头重复",
               h.cl_differ ? "conflicting Content-Length headers"
                           : "the Content-Length header is repeated");
        return -1;
    }
    return 0;
}

/* Called by MHD with the raw URI, before it parses the query: the request is born here. A
 * query of more than MAX_QUERY_ARGS arguments is cut off before MHD parses it (MHD parses
 * the arguments in place after this callback returns, from the buffer it passed us), since
 * MHD keeps every argument in the connection's 32 KiB memory pool and, once that is full,
 * can no longer even answer. The access handler then refuses the request with 400. */
static void *uri_cb(void *cls, const char *uri, struct MHD_Connection *conn)
{
    yz_http_req *req = yz_calloc(1, sizeof *req);
    req->srv = cls;
    req->conn = conn;
    /* req->body stays {0} (calloc) until a body arrives: a GET allocates none. */
    if (req->srv->record_fd >= 0)
        req->raw_uri = yz_strdup(uri);
    char *q = strchr(uri, '?');
    if (q) {
        int n = 1;
        for (const char *p = q + 1; *p; p++)
            n += *p == '&';
        if (n > MAX_QUERY_ARGS) {
            req->too_many_args = n;
            q[1] = '\0'; /* MHD's own buffer, writable: see above */
        }
    }
    return req;
}

static void release_slot(yz_http_req *req)
{
    if (req->holds_slot) {
        atomic_fetch_sub(&req->srv->expensive_busy, 1);
        req->holds_slot = false;
    }
}

int yz_http_expensive_begin(yz_http_req *req)
{
    yz_http_server *s = req->srv;
    if (req->holds_slot)
        return 0;
    if (atomic_fetch_add(&s->expensive_busy, 1) >= s->cfg.expensive_slots) {
        atomic_fetch_sub(&s->expensive_busy, 1);
        atomic_fetch_add(&s->expensive_full, 1);
        yz_err_set(&req->fault, YZ_EUNAVAIL, "",
                   "生成图片、导出等耗时请求正在排满，请稍后再试",
                   "too many expensive requests (images, exports) at once; try again shortly");
        yz_http_add_header(req, "Retry-After", "1");
        send_error(req, 503, "busy");
        return -1;
    }
    req->holds_slot = true;
    return 0;
}

const yz_errinfo *yz_http_fault(const yz_http_req *req)
{
    return req->fault.code ? &req->fault : NULL;
}

static enum MHD_Result access_cb(void *cls, struct MHD_Connection *conn, const char *url,
                                 const char *method, const char *version,
                                 const char *upload_data, size_t *upload_data_size,
                                 void **req_cls)
{
    yz_http_server *s = cls;
    yz_http_req *req = *req_cls;
    if (!req) /* uri_cb makes it; this is only in case MHD did not call it */
        *req_cls = req = uri_cb(s, "", conn);
    if (!req->begun) {
        req->begun = true;
        req->method = method;
        req->url = url;
        req->start_ns = now_ns();
        atomic_fetch_add(&my_counters(s)->begun, 1);
        /* The header is in: from now on the connection has the normal idle timeout (a body,
         * a response to a slow reader, keep-alive between requests). Until now it had the
         * short header timeout, so that a socket that never sends costs little.
         * Set once a connection: a keep-alive connection's later requests find it set. */
        const union MHD_ConnectionInfo *ti =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_TIMEOUT);
        if (!ti || ti->connection_timeout != (unsigned)s->cfg.timeout_s)
            MHD_set_connection_option(conn, MHD_CONNECTION_OPTION_TIMEOUT,
                                      (unsigned)s->cfg.timeout_s);
        check_request(req, version);
        /* The route is known from the header: its body limit applies to what follows. */
        req->matched = match(req, &req->match_status);
        return MHD_YES;
    }
    if (*upload_data_size) {
        if (!req->too_big && !req->responded) {
            size_t max = req->matched && req->matched->max_body ? req->matched->max_body
                                                                 : s->cfg.max_body;
            if (req->body.len + *upload_data_size > max)
                req->too_big = 1;
            else
                yz_buf_append(&req->body, upload_data, *upload_data_size);
        }
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (req->deferred) {
        /* Called again after yz_http_respond resumed the connection: send the answer here,
         * on a pool thread (gzip's stream and MHD's queueing belong to it). */
        if (req->pending && !req->responded) {
            req->deferred = false;
            yz_buf b = req->pending_body;
            req->pending_body = (yz_buf){0};
            yz_http_respond(req, req->pending_status, req->pending_type, &b);
            atomic_fetch_sub(&s->deferred, 1);
        } else if (req->resume_cb && !req->responded) {
            /* yz_http_resume: the continuation runs here as a handler would. */
            yz_http_resume_cb cb = req->resume_cb;
            void *arg = req->resume_arg;
            req->resume_cb = NULL;
            req->resume_arg = NULL;
            req->deferred = false;
            atomic_fetch_sub(&s->deferred, 1);
            cb(arg, req);
            if (req->deferred)
                return MHD_YES; /* deferred again */
            if (!req->responded) {
                yz_log_error("http: continuation for %s %s did not respond", method, url);
                send_error(req, 500, "internal error");
            }
        }
        return MHD_YES;
    }
    if (req->responded)
        return MHD_YES;
    req->dispatched = true;
    atomic_fetch_add(&s->inflight, 1);
    int status = 0;
    if (req->too_big) {
        if (req->matched && req->matched->max_body)
            yz_err_setf(&req->fault, YZ_ETOOBIG, "body", "请求体超过 %zu KiB",
                        "the body exceeds %zu KiB", req->matched->max_body / 1024);
        send_error(req, 413, "body too large");
    } else if (shed(s) && !exempt(url)) {
        /* Overloaded: answer at once instead of letting work queue up behind us. */
        atomic_fetch_add(&s->shed_total, 1);
        yz_http_add_header(req, "Retry-After", "1");
        send_error(req, 503, "overloaded");
    } else {
        route *r = req->matched;
        status = req->match_status;
        req->route = r;
        if (!r)
            send_error(req, status, status == 405 ? "method not allowed" : "not found");
        else if (!r->expensive || yz_http_expensive_begin(req) == 0)
            r->h(r->ctx, req);
        release_slot(req);
        if (req->deferred)
            return MHD_YES; /* suspended; yz_http_respond wakes it */
        if (!req->responded) {
            yz_log_error("http: handler for %s %s did not respond", method, url);
            send_error(req, 500, "internal error");
        }
    }
    return req->responded ? MHD_YES : MHD_NO;
}

static void completed_cb(void *cls, struct MHD_Connection *conn, void **req_cls,
                         enum MHD_RequestTerminationCode toe)
{
    yz_http_req *req = *req_cls;
    if (!req)
        return;
    if (req->dispatched)
        atomic_fetch_sub(&req->srv->inflight, 1);
    if (req->begun) {
        atomic_fetch_sub(&my_counters(req->srv)->begun, 1);
        if (req->responded)
            record(req);
    }
    release_slot(req);
    req_free(req);
    *req_cls = NULL;
}

/* Percent-decoding of paths and query values, in place. Unlike libmicrohttpd's own, it leaves
 * "%00" as it is: a decoded NUL would cut the string short and make "/stations/%00" read as
 * "/stations/". Malformed escapes stay literal too. */
static size_t unescape_cb(void *cls, struct MHD_Connection *c, char *s)
{
    /* Up to the first '%' nothing moves: most names and values have none. */
    char *w = strchr(s, '%');
    if (!w)
        return strlen(s);
    for (const char *r = w; *r; r++) {
        int hi, lo;
        if (*r == '%' && (hi = yz_hex_value(r[1])) >= 0 && (lo = yz_hex_value(r[2])) >= 0 && (hi || lo)) {
            *w++ = (char)(hi * 16 + lo);
            r += 2;
        } else {
            *w++ = *r;
        }
    }
    *w = '\0';
    return (size_t)(w - s);
}

/* libmicrohttpd's own messages are nearly all about one client's broken connection: they go
 * through the same rate limit as ours. */
static void log_cb(void *cls, const char *fmt, va_list ap)
{
    char line[512];
    vsnprintf(line, sizeof line, fmt, ap);
    size_t n = strlen(line);
    while (n && line[n - 1] == '\n')
        line[--n] = '\0';
    log_client("%s", line);
}

/* How many connections the descriptor limit allows: raise the soft RLIMIT_NOFILE to the hard
 * one (often 1024 soft for 500k hard), keep FD_RESERVE for the store and files. */
static int conns_allowed(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return 1024 - FD_RESERVE;
    if (rl.rlim_cur < rl.rlim_max) {
        struct rlimit want = rl;
        want.rlim_cur = rl.rlim_max;
        if (want.rlim_cur == RLIM_INFINITY || want.rlim_cur > 1u << 20)
            want.rlim_cur = 1u << 20;
        if (setrlimit(RLIMIT_NOFILE, &want) == 0)
            rl = want;
    }
    rlim_t avail = rl.rlim_cur == RLIM_INFINITY ? (rlim_t)1 << 20 : rl.rlim_cur;
    avail = avail > 2 * FD_RESERVE ? avail - FD_RESERVE : avail / 2;
    return avail > (rlim_t)INT32_MAX ? INT32_MAX : (int)avail;
}

/* An address text in the form inet_ntop gives it (so "::0001" and "::1" compare equal) into
 * `out`; false when `s` is no IPv4 or IPv6 address. */
static bool normal_addr(const char *s, char *out, size_t n)
{
    unsigned char a[16];
    if (inet_pton(AF_INET, s, a) == 1)
        return inet_ntop(AF_INET, a, out, (socklen_t)n) != NULL;
    if (inet_pton(AF_INET6, s, a) == 1)
        return inet_ntop(AF_INET6, a, out, (socklen_t)n) != NULL;
    return false;
}

/* The trusted proxies of the config into s->proxies; -1 (logged) for a bad address. */
static int parse_proxies(yz_http_server *s)
{
    const char *p = s->cfg.trusted_proxies;
    s->nproxies = 0;
    while (p && *p) {
        size_t len = strcspn(p, ",");
        char one[INET6_ADDRSTRLEN + 8];
        const char *b = p, *e = p + len;
        while (b < e && (*b == ' ' || *b == '\t'))
            b++;
        while (e > b && (e[-1] == ' ' || e[-1] == '\t'))
            e--;
        if (e > b) {
            if ((size_t)(e - b) >= sizeof one || s->nproxies == MAX_PROXIES) {
                yz_log_error("http: trusted proxies: at most %d addresses", MAX_PROXIES);
                return -1;
            }
            snprintf(one, sizeof one, "%.*s", (int)(e - b), b);
            if (!normal_addr(one, s->proxies[s->nproxies], sizeof s->proxies[0])) {
                yz_log_error("http: trusted proxy %s is no IP address", one);
                return -1;
            }
            s->nproxies++;
        }
        p += len + (p[len] == ',');
    }
    return 0;
}

int yz_http_listen(yz_http_server *s)
{
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)s->cfg.port);
    const char *addr = s->cfg.bind_addr ? s->cfg.bind_addr : "0.0.0.0";
    if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1) {
        yz_log_error("http: bad bind address %s", addr);
        return -1;
    }
    if (parse_proxies(s))
        return -1;
    int allowed = conns_allowed();
    if (!s->cfg.max_conns)
        s->cfg.max_conns = allowed < MAX_CONNS_AUTO ? allowed : MAX_CONNS_AUTO;
    if (s->cfg.max_conns > allowed) {
        yz_log_warn("http: the descriptor limit allows %d connections, not %d: raise "
                    "RLIMIT_NOFILE (LimitNOFILE= in systemd)", allowed, s->cfg.max_conns);
        s->cfg.max_conns = allowed;
    }
    if (s->cfg.max_conns < 4096)
        yz_log_warn("http: at most %d connections: a few thousand idle sockets will fill them "
                    "(raise RLIMIT_NOFILE)", s->cfg.max_conns);
    unsigned per_addr = s->cfg.conns_per_addr > 0 ? (unsigned)s->cfg.conns_per_addr : 0;
    s->d = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG |
            MHD_USE_TURBO | MHD_USE_ITC | MHD_ALLOW_SUSPEND_RESUME,
        (uint16_t)s->cfg.port, NULL, NULL, access_cb, s, MHD_OPTION_EXTERNAL_LOGGER, log_cb,
        NULL, MHD_OPTION_THREAD_POOL_SIZE,
        (unsigned)s->cfg.threads, MHD_OPTION_NOTIFY_COMPLETED, completed_cb, s,
        MHD_OPTION_URI_LOG_CALLBACK, uri_cb, s,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)s->cfg.header_timeout_s,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)s->cfg.max_conns,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, per_addr,
        MHD_OPTION_NOTIFY_CONNECTION, conn_cb, s,
        MHD_OPTION_LISTENING_ADDRESS_REUSE, 1u, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
        MHD_OPTION_UNESCAPE_CALLBACK, unescape_cb, NULL, MHD_OPTION_END);
    if (!s->d) {
        yz_log_error("http: cannot listen on %s:%d", addr, s->cfg.port);
        return -1;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
    s->port = info ? info->port : s->cfg.port;
    yz_log_info("http: %d threads; at most %d connections, %d from one address; shedding above "
                "%d requests in flight; %d expensive at once; timeouts %d s for a header, %d s "
                "idle", s->cfg.threads, s->cfg.max_conns, s->cfg.conns_per_addr,
                s->cfg.shed_inflight, s->cfg.expensive_slots, s->cfg.header_timeout_s,
                s->cfg.timeout_s);
    if (s->nproxies)
        yz_log_info("http: the client address of a request from %s is its X-Real-IP header",
                    s->cfg.trusted_proxies);
    return 0;
}

int yz_http_port(const yz_http_server *s)
{
    return s->port;
}

void yz_http_free(yz_http_server *s)
{
    if (!s)
        return;
    if (s->d) {
        /* Drain: stop accepting, let the requests in flight finish (at most 10 s), then close
         * what is left (idle keep-alive connections). */
        MHD_socket lfd = MHD_quiesce_daemon(s->d);
        if (lfd != MHD_INVALID_SOCKET)
            close(lfd); /* quiescing hands it to us: close it so new clients are refused */
        /* Connections accepted just before may not have been read yet: give them 200 ms to
         * become requests, then wait for the requests themselves. */
        for (int i = 0; i < 1000 && (i < 20 || begun_sum(s) > 0); i++) {
            struct timespec ts = {0, 10 * 1000 * 1000};
            nanosleep(&ts, NULL);
        }
        /* A deferred answer will come (its thread still runs: the store is closed after the
         * server) and will touch its connection: wait for every one, however long. */
        for (int i = 1; atomic_load(&s->deferred) > 0; i++) {
            struct timespec ts = {0, 10 * 1000 * 1000};
            nanosleep(&ts, NULL);
            if (i % 1000 == 0)
                yz_log_warn("http: waiting for %d deferred answers", atomic_load(&s->deferred));
        }
        MHD_stop_daemon(s->d);
    }
    for (int i = 0; i < s->nroutes; i++)
        for (int j = 0; j < s->routes[i].nseg; j++)
            yz_free(s->routes[i].segs[j]);
    if (s->record_fd >= 0)
        close(s->record_fd);
    yz_free(s->recorded);
    free(s->shards); /* aligned_alloc's */
    yz_free(s);
}

static void metrics_route(const yz_http_server *s, const route *r, yz_buf *out)
{
    static const char *cls[] = {"other", "1xx", "2xx", "3xx", "4xx", "5xx"};
    size_t ri = r == &s->unrouted ? MAX_ROUTES : (size_t)(r - s->routes);
    for (int c = 0; c < 6; c++) {
        uint64_t v = 0;
        for (int i = 0; i < N_SHARDS; i++)
            v += atomic_load(&s->shards[i].count[ri][c]);
        if (v)
            yz_buf_printf(out, "yizhan_http_requests_total{route=\"%s\",code=\"%s\"} %llu\n",
                          r->name, cls[c], (unsigned long long)v);
    }
}

void yz_http_metrics(const yz_http_server *s, yz_buf *out)
{
    yz_buf_puts(out, "# HELP yizhan_http_requests_total HTTP requests answered, by route and "
                     "status class.\n# TYPE yizhan_http_requests_total counter\n");
    for (int i = 0; i < s->nroutes; i++)
        metrics_route(s, &s->routes[i], out);
    metrics_route(s, &s->unrouted, out);
    yz_buf_puts(out, "# HELP yizhan_http_request_duration_seconds Time from request start to "
                     "response.\n# TYPE yizhan_http_request_duration_seconds histogram\n");
    uint64_t cum = 0, hist[N_BUCKETS + 1] = {0}, sum_ns = 0, count = 0;
    for (int i = 0; i < N_SHARDS; i++) {
        for (int b = 0; b <= N_BUCKETS; b++)
            hist[b] += atomic_load(&s->shards[i].hist[b]);
        sum_ns += atomic_load(&s->shards[i].hist_sum_ns);
        count += atomic_load(&s->shards[i].hist_count);
    }
    for (int b = 0; b < N_BUCKETS; b++) {
        cum += hist[b];
        yz_buf_printf(out, "yizhan_http_request_duration_seconds_bucket{le=\"%g\"} %llu\n",
                      bucket_s[b], (unsigned long long)cum);
    }
    cum += hist[N_BUCKETS];
    yz_buf_printf(out, "yizhan_http_request_duration_seconds_bucket{le=\"+Inf\"} %llu\n",
                  (unsigned long long)cum);
    yz_buf_printf(out, "yizhan_http_request_duration_seconds_sum %.9f\n",
                  (double)sum_ns / 1e9);
    yz_buf_printf(out, "yizhan_http_request_duration_seconds_count %llu\n",
                  (unsigned long long)count);
    yz_buf_printf(out,
                  "# HELP yizhan_http_connections Open client connections.\n"
                  "# TYPE yizhan_http_connections gauge\nyizhan_http_connections %d\n"
                  "# HELP yizhan_http_inflight Whole requests being handled or answered.\n"
                  "# TYPE yizhan_http_inflight gauge\nyizhan_http_inflight %d\n"
                  "# HELP yizhan_http_expensive_busy Expensive requests running.\n"
                  "# TYPE yizhan_http_expensive_busy gauge\nyizhan_http_expensive_busy %d\n"
                  "# HELP yizhan_http_refused_total Requests the HTTP layer refused, by reason.\n"
                  "# TYPE yizhan_http_refused_total counter\n"
                  "yizhan_http_refused_total{reason=\"shed\"} %llu\n"
                  "yizhan_http_refused_total{reason=\"expensive_full\"} %llu\n"
                  "yizhan_http_refused_total{reason=\"malformed\"} %llu\n",
                  atomic_load(&s->conns), atomic_load(&s->inflight),
                  atomic_load(&s->expensive_busy),
                  (unsigned long long)atomic_load(&s->shed_total),
                  (unsigned long long)atomic_load(&s->expensive_full),
                  (unsigned long long)atomic_load(&s->malformed_total));
    yz_buf_printf(out,
                  "# HELP yizhan_http_deferred Requests waiting for an answer without holding a "
                  "thread (a check-in waiting for its commit, a password waiting for its hash).\n"
                  "# TYPE yizhan_http_deferred gauge\nyizhan_http_deferred %d\n"
                  "# HELP yizhan_http_deferred_total Requests answered that way so far.\n"
                  "# TYPE yizhan_http_deferred_total counter\nyizhan_http_deferred_total %llu\n",
                  atomic_load(&s->deferred), (unsigned long long)atomic_load(&s->deferred_total));
}

const char *yz_http_path(const yz_http_req *req)
{
    return req->url;
}

const char *yz_http_query(const yz_http_req *req, const char *name)
{
    return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, name);
}

typedef struct each_arg {
    int (*cb)(void *, const char *, const char *);
    void *arg;
    int rc;
} each_arg;

static enum MHD_Result each_cb(void *cls, enum MHD_ValueKind kind, const char *key,
                               const char *value)
{
    each_arg *e = cls;
    e->rc = e->cb(e->arg, key, value ? value : "");
    return e->rc ? MHD_NO : MHD_YES;
}

int yz_http_query_each(const yz_http_req *req, int (*cb)(void *, const char *, const char *),
                       void *arg)
{
    each_arg e = {cb, arg, 0};
    MHD_get_connection_values(req->conn, MHD_GET_ARGUMENT_KIND, each_cb, &e);
    return e.rc;
}

const char *yz_http_header(const yz_http_req *req, const char *name)
{
    return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

const char *yz_http_param(const yz_http_req *req, int i)
{
    return i >= 0 && i < req->nparams ? req->params[i] : NULL;
}

const char *yz_http_client_addr(yz_http_req *req)
{
    if (req->addr[0])
        return req->addr;
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(req->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (!ci || !ci->client_addr)
        return NULL;
    const struct sockaddr *sa = ci->client_addr;
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, req->addr,
                  sizeof req->addr);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, req->addr,
                  sizeof req->addr);
    /* Behind a trusted proxy the client is the one it names. Only X-Real-IP, which the proxy
     * sets to the address it sees (a client's own X-Real-IP is replaced): X-Forwarded-For
     * carries whatever the client put in front of the proxy's entry. */
    const yz_http_server *s = req->srv;
    for (int i = 0; req->addr[0] && i < s->nproxies; i++) {
        if (strcmp(req->addr, s->proxies[i]) != 0)
            continue;
        const char *real = yz_http_header(req, "X-Real-IP");
        char norm[INET6_ADDRSTRLEN];
        if (real && normal_addr(real, norm, sizeof norm))
            snprintf(req->addr, sizeof req->addr, "%s", norm);
        break;
    }
    return req->addr[0] ? req->addr : NULL;
}

const char *yz_http_body(const yz_http_req *req, size_t *len)
{
    *len = req->body.len;
    return req->body.data;
}

void yz_http_add_header(yz_http_req *req, const char *name, const char *value)
{
    if (req->nhdr >= 8)
        return;
    req->hdr_name[req->nhdr] = yz_strdup(name);
    req->hdr_value[req->nhdr++] = yz_strdup(value);
}

/* The policy of every HTML answer, whoever makes it (the web app, the poster, the placeholder
 * front page): nothing but this server's own scripts, styles, fonts, frames and fetches; no
 * inline script or style (an injected `<img onerror>` or `<style>` does nothing); images from
 * here, data: URLs and the two tile services the app's map offers (web/src/map.js TILES: keep
 * both lists equal, the browser tests fail on either side's extra). docs/internals/web.md. */
static const char html_csp[] =
    "default-src 'self'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data: https://tile.openstreetmap.org https://webrd01.is.autonavi.com "
    "https://webrd02.is.autonavi.com https://webrd03.is.autonavi.com "
    "https://webrd04.is.autonavi.com; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'";

static void queue(yz_http_req *req, int status, const char *content_type,
                  struct MHD_Response *resp)
{
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    /* SVG is a document too when opened on its own (qr.svg, icon.svg): same policy. */
    if (strncasecmp(content_type, "text/html", 9) == 0 ||
        strncasecmp(content_type, "image/svg+xml", 13) == 0) {
        MHD_add_response_header(resp, "Content-Security-Policy", html_csp);
        /* Other sites (tiles, map apps) learn the origin, never a path such as /s/{code}. */
        MHD_add_response_header(resp, "Referrer-Policy", "strict-origin-when-cross-origin");
    }
    for (int i = 0; i < req->nhdr; i++)
        MHD_add_response_header(resp, req->hdr_name[i], req->hdr_value[i]);
    MHD_queue_response(req->conn, (unsigned)status, resp);
    MHD_destroy_response(resp);
    req->status = status;
    req->responded = 1;
}

/* Does Accept-Encoding allow gzip? A "gzip" token whose q is not 0. */
static int accepts_gzip(const char *ae)
{
    if (!ae)
        return 0;
    const char *p = ae;
    while ((p = strcasestr(p, "gzip")) != NULL) {
        int start_ok = p == ae || p[-1] == ',' || p[-1] == ' ' || p[-1] == '\t';
        const char *q = p + 4;
        while (*q == ' ' || *q == '\t')
            q++;
        if (start_ok && (*q == '\0' || *q == ',' || *q == ';')) {
            if (*q != ';')
                return 1;
            q++;
            while (*q == ' ' || *q == '\t')
                q++;
            if (*q != 'q' && *q != 'Q')
                return 1;
            q++;
            while (*q == ' ' || *q == '=')
                q++;
            return strtod(q, NULL) > 0;
        }
        p += 4;
    }
    return 0;
}

int yz_http_accepts_gzip(const yz_http_req *req)
{
    return accepts_gzip(yz_http_header(req, "Accept-Encoding"));
}

/* --- answer buffers kept per thread ---------------------------------------------------------
 * An answer's bytes go to libmicrohttpd, which frees them once sent, on the thread serving the
 * connection. A large answer (a nearby list is ~13 KB) would cost a large malloc and free a
 * request, and glibc consolidates its small free chunks at every large malloc: each thread
 * instead keeps the last large buffer freed on it, and the next answer written with
 * yz_http_buf_init reuses it. One buffer of at most SPARE_MAX a thread, freed when the thread
 * exits. */
enum { SPARE_MIN = 4096, SPARE_MAX = 256 * 1024 };
static pthread_key_t spare_key;
static pthread_once_t spare_once = PTHREAD_ONCE_INIT;
static _Thread_local char *t_spare;
static _Thread_local size_t t_spare_cap; /* its usable size */

static void spare_key_init(void)
{
    pthread_key_create(&spare_key, yz_free);
}

/* libmicrohttpd's free callback of every answer body */
static void answer_free(void *p)
{
    if (t_spare || !p) {
        yz_free(p);
        return;
    }
    size_t cap = malloc_usable_size(p);
    if (cap < SPARE_MIN || cap > SPARE_MAX) {
        yz_free(p);
        return;
    }
    pthread_once(&spare_once, spare_key_init);
    pthread_setspecific(spare_key, p);
    t_spare = p;
    t_spare_cap = cap;
}

void yz_http_buf_init(yz_buf *b, size_t cap)
{
    if (t_spare && cap < t_spare_cap) {
        *b = (yz_buf){.data = t_spare, .len = 0, .cap = t_spare_cap};
        t_spare = NULL;
        pthread_setspecific(spare_key, NULL);
    } else {
        yz_buf_init(b);
        yz_buf_reserve(b, cap);
    }
    b->data[0] = '\0';
}

/* --- gzip of dynamic answers ----------------------------------------------------------------
 * A rider on a weak signal waits for bytes, not for the server: a nearby answer of ~13 KB of
 * JSON is ~3 KB gzipped. Each pool thread keeps one deflate stream (level 1: most of the gain
 * for a fraction of level 6's time) and resets it per answer, so an answer costs no 256 KB
 * allocation. Answers with an ETag are sent as they are: a strong validator must not be
 * shared by two encodings of one resource. */
#define GZIP_MIN 1024

static pthread_key_t z_key;
static pthread_once_t z_once = PTHREAD_ONCE_INIT;

static void z_free(void *p)
{
    deflateEnd(p);
    yz_free(p);
}

static void z_init(void)
{
    pthread_key_create(&z_key, z_free);
}

/* `data` gzipped into a new buffer (owned, yz_free) of *out_len bytes, or NULL when it would
 * not be smaller or zlib fails. */
static char *gzip(const char *data, size_t len, size_t *out_len)
{
    pthread_once(&z_once, z_init);
    z_stream *z = pthread_getspecific(z_key);
    if (!z) {
        z = yz_calloc(1, sizeof *z);
        if (deflateInit2(z, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
            yz_free(z);
            return NULL;
        }
        pthread_setspecific(z_key, z);
    } else if (deflateReset(z) != Z_OK) {
        return NULL;
    }
    size_t cap = deflateBound(z, (uLong)len);
    char *out = yz_malloc(cap);
    z->next_in = (Bytef *)data;
    z->avail_in = (uInt)len;
    z->next_out = (Bytef *)out;
    z->avail_out = (uInt)cap;
    if (deflate(z, Z_FINISH) != Z_STREAM_END || z->total_out >= len) {
        yz_free(out);
        return NULL;
    }
    *out_len = z->total_out;
    return out;
}

int yz_http_etag_matches(const yz_http_req *req, const char *etag)
{
    const char *inm = yz_http_header(req, "If-None-Match");
    if (!inm)
        return 0;
    if (strcmp(inm, "*") == 0)
        return 1;
    return strstr(inm, etag) != NULL; /* also W/"..." (weak comparison, RFC 9110) */
}

int yz_http_has_response_header(const yz_http_req *req, const char *name)
{
    for (int i = 0; i < req->nhdr; i++)
        if (!strcasecmp(req->hdr_name[i], name))
            return 1;
    return 0;
}

void yz_http_defer(yz_http_req *req)
{
    req->deferred = true;
    atomic_fetch_add(&req->srv->deferred, 1);
    atomic_fetch_add(&req->srv->deferred_total, 1);
    /* Suspended before anyone else sees `req`, so the answer's resume always finds it so. */
    MHD_suspend_connection(req->conn);
}

void yz_http_resume(yz_http_req *req, yz_http_resume_cb cb, void *arg)
{
    assert(req->deferred && !req->pending && !req->resume_cb);
    req->resume_cb = cb;
    req->resume_arg = arg;
    /* MHD's resume takes its own lock: the pool thread that runs `cb` sees both fields. */
    MHD_resume_connection(req->conn);
}

void yz_http_respond(yz_http_req *req, int status, const char *content_type, yz_buf *body)
{
    if (req->deferred && !req->pending) {
        /* Another thread answers: keep the answer and wake the connection; a pool thread
         * sends it (access_cb). `req` belongs to that thread from the resume on. */
        req->pending_status = status;
        req->pending_type = content_type;
        req->pending_body = *body;
        *body = (yz_buf){0}; /* taken, as yz_buf_take leaves it */
        req->pending = true;
        MHD_resume_connection(req->conn);
        return;
    }
    if (req->data && req->srv->on_respond)
        req->srv->on_respond(req, status, body->data, body->len);
    record_answer(req, status, content_type, body->data, body->len);
    size_t len = body->len;
    char *data = yz_buf_take(body);
    bool vary = false, gzipped = false;
    if (len >= GZIP_MIN && !yz_http_has_response_header(req, "ETag") && len <= UINT32_MAX) {
        vary = true;
        size_t zlen;
        char *z = yz_http_accepts_gzip(req) ? gzip(data, len, &zlen) : NULL;
        if (z) {
            answer_free(data);
            data = z;
            len = zlen;
            gzipped = true;
        }
    }
    struct MHD_Response *resp =
        MHD_create_response_from_buffer_with_free_callback(len, data, answer_free);
    if (vary) /* straight onto the response: no copies kept on the request */
        MHD_add_response_header(resp, "Vary", "Accept-Encoding");
    if (gzipped)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_ENCODING, "gzip");
    queue(req, status, content_type, resp);
}

void yz_http_respond_static(yz_http_req *req, int status, const char *content_type,
                            const char *body, size_t len)
{
    if (req->data && req->srv->on_respond)
        req->srv->on_respond(req, status, body, len);
    record_answer(req, status, content_type, body, len);
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_PERSISTENT);
    queue(req, status, content_type, resp);
}
