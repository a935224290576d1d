/* SPDX-License-Identifier: MIT */
/* http/server.c - libmicrohttpd glue. MHD calls the access handler several times per
 * request: the first call only sets up our request (answering on it makes MHD close the
 * connection), later calls bring the body, and the last one dispatches to the route. */
#include "http/server.h"

#include "core/alloc.h"
#include "core/log.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#define MAX_ROUTES 96
#define MAX_PARAMS 4
#define MAX_SEGS 16
#define N_BUCKETS 14

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
    _Atomic uint64_t count[6]; /* by status class 1xx..5xx, [0] other */
} route;

struct yz_http_server {
    yz_http_config cfg;
    struct MHD_Daemon *d;
    route routes[MAX_ROUTES];
    int nroutes;
    yz_http_error_handler on_error;
    route unrouted;                      /* 404/405 and early errors */
    _Atomic uint64_t hist[N_BUCKETS + 1]; /* latency buckets, cumulative at render */
    _Atomic uint64_t hist_sum_ns;
    _Atomic uint64_t hist_count;
    _Atomic int inflight; /* requests begun and not yet completed */
    _Atomic int conns;    /* open connections */
    int port;
};

struct yz_http_req {
    yz_http_server *srv;
    struct MHD_Connection *conn;
    const char *method;
    const char *url;
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
    uint64_t start_ns;
    void *data;              /* the API's per-request data (yz_http_set_data) */
    void (*data_free)(void *);
};

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

yz_http_server *yz_http_new(const yz_http_config *cfg)
{
    yz_http_server *s = yz_calloc(1, sizeof *s);
    s->cfg = *cfg;
    if (!s->cfg.max_body)
        s->cfg.max_body = 64 * 1024;
    if (!s->cfg.timeout_s)
        s->cfg.timeout_s = 30;
    if (s->cfg.shed_conns <= 0)
        s->cfg.shed_conns = 1024;
    if (s->cfg.threads <= 0) {
        /* Handlers that write wait for the visits' group commit, and a commit batch can be
         * no larger than the number of waiting threads: more threads than cores lets
         * check-ins batch; reads are unaffected, an idle pool thread costs nothing. */
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        s->cfg.threads = n > 0 && n * 4 > 16 ? (int)n * 4 : 16;
    }
    snprintf(s->unrouted.name, sizeof s->unrouted.name, "unrouted");
    return s;
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

static void record(yz_http_req *req)
{
    yz_http_server *s = req->srv;
    route *r = req->route ? req->route : &s->unrouted;
    int cls = req->status / 100;
    atomic_fetch_add(&r->count[cls >= 1 && cls <= 5 ? cls : 0], 1);
    uint64_t ns = now_ns() - req->start_ns;
    double sec = (double)ns / 1e9;
    int b = 0;
    while (b < N_BUCKETS && sec > bucket_s[b])
        b++;
    atomic_fetch_add(&s->hist[b], 1);
    atomic_fetch_add(&s->hist_sum_ns, ns);
    atomic_fetch_add(&s->hist_count, 1);
}

static void req_free(yz_http_req *req)
{
    if (req->data_free)
        req->data_free(req->data);
    yz_buf_fini(&req->body);
    yz_free(req->path_copy);
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

/* Admission control: with n open connections above the threshold t, a request is refused with
 * probability (n - t) / n, so about t connections' worth of work is admitted whatever the
 * load, and every client keeps getting some answers. */
static int shed(yz_http_server *s)
{
    int n = atomic_load(&s->conns), t = s->cfg.shed_conns;
    if (n <= t)
        return 0;
    static _Thread_local uint64_t x = 0x9e3779b97f4a7c15ULL;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return (int)(x % (uint64_t)n) >= t;
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

static enum MHD_Result access_cb(void *cls, struct MHD_Connection *conn, const char *url,
                                 const char *method, const char *version,
                                 const char *upload_data, size_t *upload_data_size,
                                 void **req_cls)
{
    yz_http_server *s = cls;
    yz_http_req *req = *req_cls;
    if (!req) {
        req = yz_calloc(1, sizeof *req);
        req->srv = s;
        req->conn = conn;
        req->method = method;
        req->url = url;
        req->start_ns = now_ns();
        yz_buf_init(&req->body);
        *req_cls = req;
        atomic_fetch_add(&s->inflight, 1);
        return MHD_YES;
    }
    if (*upload_data_size) {
        if (!req->too_big) {
            if (req->body.len + *upload_data_size > s->cfg.max_body)
                req->too_big = 1;
            else
                yz_buf_append(&req->body, upload_data, *upload_data_size);
        }
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (req->responded)
        return MHD_YES;
    int status = 0;
    if (req->too_big) {
        send_error(req, 413, "body too large");
    } else if (shed(s) && !exempt(url)) {
        /* Overloaded: answer at once instead of letting work queue up behind us. */
        yz_http_add_header(req, "Retry-After", "1");
        send_error(req, 503, "overloaded");
    } else {
        route *r = match(req, &status);
        req->route = r;
        if (r)
            r->h(r->ctx, req);
        else
            send_error(req, status, status == 405 ? "method not allowed" : "not found");
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
    atomic_fetch_sub(&req->srv->inflight, 1);
    if (req->responded)
        record(req);
    req_free(req);
    *req_cls = NULL;
}

/* Percent-decoding of paths and query values, in place. Unlike libmicrohttpd's own, it leaves
 * "%00" as it is: a decoded NUL would cut the string short and make "/stations/%00" read as
 * "/stations/". Malformed escapes stay literal too. */
static size_t unescape_cb(void *cls, struct MHD_Connection *c, char *s)
{
    char *w = s;
    for (const char *r = s; *r; r++) {
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

static void log_cb(void *cls, const char *fmt, va_list ap)
{
    char line[512];
    vsnprintf(line, sizeof line, fmt, ap);
    size_t n = strlen(line);
    while (n && line[n - 1] == '\n')
        line[--n] = '\0';
    yz_log_warn("http: %s", line);
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
    s->d = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG |
            MHD_USE_TURBO | MHD_USE_ITC,
        (uint16_t)s->cfg.port, NULL, NULL, access_cb, s, MHD_OPTION_EXTERNAL_LOGGER, log_cb,
        NULL, MHD_OPTION_THREAD_POOL_SIZE,
        (unsigned)s->cfg.threads, MHD_OPTION_NOTIFY_COMPLETED, completed_cb, s,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)s->cfg.timeout_s,
        MHD_OPTION_CONNECTION_LIMIT,
        (unsigned)(s->cfg.shed_conns * 4 > 4096 ? s->cfg.shed_conns * 4 : 4096),
        MHD_OPTION_NOTIFY_CONNECTION, conn_cb, s,
        MHD_OPTION_LISTENING_ADDRESS_REUSE, 1u, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
        MHD_OPTION_UNESCAPE_CALLBACK, unescape_cb, NULL, MHD_OPTION_END);
    if (!s->d) {
        yz_log_error("http: cannot listen on %s:%d", addr, s->cfg.port);
        return -1;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
    s->port = info ? info->port : s->cfg.port;
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
        for (int i = 0; i < 1000 && (i < 20 || atomic_load(&s->inflight) > 0); i++) {
            struct timespec ts = {0, 10 * 1000 * 1000};
            nanosleep(&ts, NULL);
        }
        MHD_stop_daemon(s->d);
    }
    for (int i = 0; i < s->nroutes; i++)
        for (int j = 0; j < s->routes[i].nseg; j++)
            yz_free(s->routes[i].segs[j]);
    yz_free(s);
}

static void metrics_route(const route *r, yz_buf *out)
{
    static const char *cls[] = {"other", "1xx", "2xx", "3xx", "4xx", "5xx"};
    for (int c = 0; c < 6; c++) {
        uint64_t v = atomic_load(&r->count[c]);
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
        metrics_route(&s->routes[i], out);
    metrics_route(&s->unrouted, out);
    yz_buf_puts(out, "# HELP yizhan_http_request_duration_seconds Time from request start to "
                     "response.\n# TYPE yizhan_http_request_duration_seconds histogram\n");
    uint64_t cum = 0;
    for (int b = 0; b < N_BUCKETS; b++) {
        cum += atomic_load(&s->hist[b]);
        yz_buf_printf(out, "yizhan_http_request_duration_seconds_bucket{le=\"%g\"} %llu\n",
                      bucket_s[b], (unsigned long long)cum);
    }
    cum += atomic_load(&s->hist[N_BUCKETS]);
    yz_buf_printf(out, "yizhan_http_request_duration_seconds_bucket{le=\"+Inf\"} %llu\n",
                  (unsigned long long)cum);
    yz_buf_printf(out, "yizhan_http_request_duration_seconds_sum %.9f\n",
                  (double)atomic_load(&s->hist_sum_ns) / 1e9);
    yz_buf_printf(out, "yizhan_http_request_duration_seconds_count %llu\n",
                  (unsigned long long)atomic_load(&s->hist_count));
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

int yz_http_has_response_header(const yz_http_req *req, const char *name)
{
    for (int i = 0; i < req->nhdr; i++)
        if (!strcasecmp(req->hdr_name[i], name))
            return 1;
    return 0;
}

void yz_http_respond(yz_http_req *req, int status, const char *content_type, yz_buf *body)
{
    size_t len = body->len;
    char *data = yz_buf_take(body);
    bool vary = false, gzipped = false;
    if (len >= GZIP_MIN && !yz_http_has_response_header(req, "ETag") && len <= UINT32_MAX) {
        vary = true;
        size_t zlen;
        char *z = yz_http_accepts_gzip(req) ? gzip(data, len, &zlen) : NULL;
        if (z) {
            yz_free(data);
            data = z;
            len = zlen;
            gzipped = true;
        }
    }
    struct MHD_Response *resp =
        MHD_create_response_from_buffer_with_free_callback(len, data, yz_free);
    if (vary) /* straight onto the response: no copies kept on the request */
        MHD_add_response_header(resp, "Vary", "Accept-Encoding");
    if (gzipped)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_ENCODING, "gzip");
    queue(req, status, content_type, resp);
}

void yz_http_respond_static(yz_http_req *req, int status, const char *content_type,
                            const char *body, size_t len)
{
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_PERSISTENT);
    queue(req, status, content_type, resp);
}
