/* SPDX-License-Identifier: MIT */
/* store/pg.c - the PostgreSQL backend of the store interface: the scale-out store that
 * several stateless yizhan nodes share (docs/internals/store.md, "PostgreSQL"). This file
 * holds the connection pool, the SERIALIZABLE transaction runner, the migrations, the
 * stations / facilities / districts / holidays operations, and the watcher that turns other
 * nodes' NOTIFY messages into yz_store_watch callbacks. The areas live in pg_<area>.c. */
#ifdef YZ_HAVE_PG
#include "store/pg_int.h"

#include "core/alloc.h"
#include "core/log.h"
#include "core/time.h"
#include "model/facility.h"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

/* The embedded migrations, generated from sql/pg/ by tools/embed-sql.sh. */
extern const struct {
    const char *name;
    const char *sql;
} yz__sql_pg[];
extern const size_t yz__sql_pg_count;

#define CHANNEL "yizhan"
#define MIGRATION_LOCK 0x797a6d67 /* pg_advisory_lock key while migrating: "yzmg" */
#define TX_TRIES 30

/* --- statements ---------------------------------------------------------------------------- */

/* The SQLSTATE of this thread's last failed statement, and whether it asks for a retry. */
static _Thread_local char last_state[6];
static _Thread_local bool retry_mark;

const char *yz__pg_sqlstate(void)
{
    return last_state;
}

int yz__pg_fail(PGconn *c, const PGresult *r, yz_errinfo *ei)
{
    const char *st = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    snprintf(last_state, sizeof last_state, "%s", st ? st : "");
    if (st && (!strcmp(st, "40001") || !strcmp(st, "40P01")))
        retry_mark = true;
    const char *m = r ? PQresultErrorMessage(r) : NULL;
    if (!m || !*m)
        m = PQerrorMessage(c);
    char msg[200];
    snprintf(msg, sizeof msg, "%s", m ? m : "?");
    msg[strcspn(msg, "\n")] = '\0';
    return yz_err_setf(ei, YZ_EDB, "", "数据库错误：%s", "database error: %s", msg);
}

int yz__pg_pipeline_end(PGconn *c, int err, yz_errinfo *ei)
{
    for (PGresult *r; (r = PQgetResult(c));) {
        bool sync = PQresultStatus(r) == PGRES_PIPELINE_SYNC;
        PQclear(r);
        if (sync)
            break;
    }
    if (!PQexitPipelineMode(c) && !err)
        err = yz__pg_fail(c, NULL, ei);
    return err;
}

PGresult *yz__pg_query(PGconn *c, const char *sql, const yz_pg_params *p, yz_errinfo *ei)
{
    return yz__pg_query_v(c, sql, p ? p->v : NULL, p ? p->n : 0, ei);
}

PGresult *yz__pg_query_v(PGconn *c, const char *sql, const char *const *v, int n,
                         yz_errinfo *ei)
{
    PGresult *r = PQexecParams(c, sql, n, NULL, v, NULL, NULL, 0);
    ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK)
        return r;
    yz__pg_fail(c, r, ei);
    PQclear(r);
    return NULL;
}

int yz__pg_exec(PGconn *c, const char *sql, const yz_pg_params *p, int64_t *affected,
                yz_errinfo *ei)
{
    PGresult *r = yz__pg_query(c, sql, p, ei);
    if (!r)
        return YZ_EDB;
    if (affected) {
        const char *t = PQcmdTuples(r);
        *affected = t && *t ? strtoll(t, NULL, 10) : 0;
    }
    PQclear(r);
    return YZ_OK;
}

static void push(yz_pg_params *p, const char *v)
{
    if (p->n < (int)(sizeof p->v / sizeof *p->v))
        p->v[p->n++] = v;
    else
        yz_log_error("pg: more than %zu parameters", sizeof p->v / sizeof *p->v);
}

void yz__pg_p_str(yz_pg_params *p, const char *v)
{
    push(p, v && *v ? v : NULL);
}

void yz__pg_p_text(yz_pg_params *p, const char *v)
{
    push(p, v);
}

void yz__pg_p_null(yz_pg_params *p)
{
    push(p, NULL);
}

void yz__pg_p_i64(yz_pg_params *p, int64_t v)
{
    if (p->n >= (int)(sizeof p->v / sizeof *p->v))
        return push(p, NULL);
    snprintf(p->buf[p->n], sizeof p->buf[p->n], "%" PRId64, v);
    push(p, p->buf[p->n]);
}

void yz__pg_p_f64(yz_pg_params *p, double v)
{
    if (p->n >= (int)(sizeof p->v / sizeof *p->v))
        return push(p, NULL);
    snprintf(p->buf[p->n], sizeof p->buf[p->n], "%.17g", v);
    push(p, p->buf[p->n]);
}

void yz__pg_p_bool(yz_pg_params *p, bool v)
{
    push(p, v ? "1" : "0");
}

void yz__pg_p_bytea(yz_pg_params *p, const uint8_t *b, size_t n)
{
    if (p->n >= (int)(sizeof p->v / sizeof *p->v) || n > 32)
        return push(p, NULL);
    static const char hex[] = "0123456789abcdef";
    char *o = p->buf[p->n];
    *o++ = '\\';
    *o++ = 'x';
    for (size_t i = 0; i < n; i++) {
        *o++ = hex[b[i] >> 4];
        *o++ = hex[b[i] & 15];
    }
    *o = '\0';
    push(p, p->buf[p->n]);
}

char *yz__pg_str(const PGresult *r, int row, int col)
{
    return PQgetisnull(r, row, col) ? NULL : yz_strdup(PQgetvalue(r, row, col));
}

int64_t yz__pg_i64(const PGresult *r, int row, int col)
{
    return PQgetisnull(r, row, col) ? 0 : strtoll(PQgetvalue(r, row, col), NULL, 10);
}

double yz__pg_f64(const PGresult *r, int row, int col)
{
    return PQgetisnull(r, row, col) ? 0 : strtod(PQgetvalue(r, row, col), NULL);
}

bool yz__pg_isnull(const PGresult *r, int row, int col)
{
    return PQgetisnull(r, row, col) != 0;
}

/* --- connections --------------------------------------------------------------------------- */

PGconn *yz__pg_connect(pg_store *s, yz_errinfo *ei)
{
    PGconn *c = PQconnectdb(s->conninfo);
    if (!c || PQstatus(c) != CONNECTION_OK) {
        char msg[200];
        snprintf(msg, sizeof msg, "%s", c ? PQerrorMessage(c) : "out of memory");
        msg[strcspn(msg, "\n")] = '\0';
        yz_err_setf(ei, YZ_EUNAVAIL, "db", "无法连接 PostgreSQL：%s",
                    "cannot connect to PostgreSQL: %s", msg);
        PQfinish(c);
        return NULL;
    }
    /* Notices (e.g. "relation already exists, skipping") are not for the log. */
    PGresult *r = PQexec(c, "SET client_min_messages = warning");
    PQclear(r);
    return c;
}

PGconn *yz__pg_get(pg_store *s, yz_errinfo *ei)
{
    pthread_mutex_lock(&s->mu);
    for (;;) {
        if (s->n_idle) {
            PGconn *c = s->idle[--s->n_idle];
            pthread_mutex_unlock(&s->mu);
            if (PQstatus(c) == CONNECTION_OK)
                return c;
            PQreset(c); /* the server restarted, or the network dropped it */
            if (PQstatus(c) == CONNECTION_OK)
                return c;
            PQfinish(c);
            pthread_mutex_lock(&s->mu);
            s->n_open--;
            continue;
        }
        if (s->n_open < s->pool_max) {
            s->n_open++;
            pthread_mutex_unlock(&s->mu);
            PGconn *c = yz__pg_connect(s, ei);
            if (!c) {
                pthread_mutex_lock(&s->mu);
                s->n_open--;
                pthread_cond_signal(&s->cv);
                pthread_mutex_unlock(&s->mu);
            }
            return c;
        }
        pthread_cond_wait(&s->cv, &s->mu);
    }
}

void yz__pg_put(pg_store *s, PGconn *c)
{
    if (!c)
        return;
    bool bad = PQstatus(c) != CONNECTION_OK || PQtransactionStatus(c) != PQTRANS_IDLE;
    if (bad)
        PQfinish(c);
    pthread_mutex_lock(&s->mu);
    if (bad)
        s->n_open--;
    else
        s->idle[s->n_idle++] = c;
    pthread_cond_signal(&s->cv);
    pthread_mutex_unlock(&s->mu);
}

/* --- transactions -------------------------------------------------------------------------- */

/* The database cannot be reached: YZ_EUNAVAIL (503 with Retry-After), not a server fault. */
static int unavailable(PGconn *c, yz_errinfo *ei)
{
    char msg[200];
    snprintf(msg, sizeof msg, "%s", PQerrorMessage(c));
    msg[strcspn(msg, "\n")] = '\0';
    return yz_err_setf(ei, YZ_EUNAVAIL, "db", "数据库暂时不可用：%s", "the database is unavailable: %s",
                       msg);
}

/* BEGIN at SERIALIZABLE, or at READ COMMITTED holding the advisory lock `lock` (lock != 0)
 * for the rest of the transaction. */
static int begin(PGconn *c, int64_t lock, yz_errinfo *ei)
{
    if (!lock)
        return yz__pg_exec(c, "BEGIN ISOLATION LEVEL SERIALIZABLE", NULL, NULL, ei);
    int err = yz__pg_exec(c, "BEGIN ISOLATION LEVEL READ COMMITTED", NULL, NULL, ei);
    yz_pg_params p = {0};
    yz__pg_p_i64(&p, lock);
    if (!err)
        err = yz__pg_exec(c, "SELECT pg_advisory_xact_lock($1::bigint)", &p, NULL, ei);
    return err;
}

static int run_tx(pg_store *s, PGconn *c, int64_t lock, yz_pg_body *body, void *ctx,
                  yz_errinfo *ei)
{
    int err = YZ_EDB;
    bool reconnected = false;
    for (int attempt = 0; attempt < TX_TRIES; attempt++) {
        retry_mark = false;
        last_state[0] = '\0';
        if (attempt) /* back off a little, more each time, with jitter */
            usleep((useconds_t)(200 * attempt + (unsigned)rand() % (500u * (unsigned)attempt)));
        err = begin(c, lock, ei);
        if (!err)
            err = body(s, c, ctx, ei);
        if (err && PQstatus(c) == CONNECTION_BAD && !reconnected) {
            /* The server restarted or the network dropped the connection before COMMIT was
             * sent: nothing of this transaction happened, so once reconnected it runs again. */
            PQreset(c);
            reconnected = true;
            if (PQstatus(c) == CONNECTION_OK)
                continue;
            return unavailable(c, ei);
        }
        if (err && !retry_mark && PQtransactionStatus(c) == PQTRANS_IDLE)
            return err; /* BEGIN failed */
        if (!err) {
            err = yz__pg_exec(c, "COMMIT", NULL, NULL, ei);
            if (!err)
                return YZ_OK;
            if (PQtransactionStatus(c) != PQTRANS_IDLE)
                yz__pg_exec(c, "ROLLBACK", NULL, NULL, NULL);
        } else {
            bool mark = retry_mark;
            char state[sizeof last_state];
            memcpy(state, last_state, sizeof state);
            yz__pg_exec(c, "ROLLBACK", NULL, NULL, NULL);
            retry_mark = mark;
            memcpy(last_state, state, sizeof state);
        }
        if (!retry_mark)
            return err;
    }
    return yz_err_set(ei, YZ_EDB, "", "数据库繁忙，请稍后重试", "the database is busy; try again");
}

int yz__pg_read1(pg_store *s, yz_pg_body *body, void *ctx, yz_errinfo *ei)
{
    PGconn *c = yz__pg_get(s, ei);
    if (!c)
        return YZ_EUNAVAIL;
    int err = body(s, c, ctx, ei);
    if (err && PQstatus(c) == CONNECTION_BAD) { /* a read is safe to run again */
        PQreset(c);
        err = PQstatus(c) == CONNECTION_OK ? body(s, c, ctx, ei) : unavailable(c, ei);
    }
    yz__pg_put(s, c);
    return err;
}


int yz__pg_tx_locked_on(pg_store *s, PGconn *c, int64_t lock, yz_pg_body *body, void *ctx,
                        yz_errinfo *ei)
{
    return run_tx(s, c, lock, body, ctx, ei);
}

int yz__pg_tx(pg_store *s, yz_pg_body *body, void *ctx, yz_errinfo *ei)
{
    PGconn *c = yz__pg_get(s, ei);
    if (!c)
        return YZ_EUNAVAIL;
    int err = run_tx(s, c, 0, body, ctx, ei);
    yz__pg_put(s, c);
    return err;
}

/* --- lists of rows ------------------------------------------------------------------------- */

typedef struct rows_ctx {
    const char *sql;
    const yz_pg_params *p;
    size_t size;
    yz_pg_read_row *read;
    yz_pg_free_rows *free_rows;
    void *a;
    size_t n;
} rows_ctx;

static int rows_body(pg_store *s, PGconn *c, void *arg, yz_errinfo *ei)
{
    rows_ctx *x = arg;
    x->free_rows(x->a, x->n); /* a run again after a lost connection starts afresh */
    x->a = NULL;
    x->n = 0;
    PGresult *r = yz__pg_query(c, x->sql, x->p, ei);
    if (!r)
        return YZ_EDB;
    int rows = PQntuples(r);
    if (rows > 0)
        x->a = yz_calloc((size_t)rows, x->size);
    for (int i = 0; i < rows; i++)
        x->read(r, i, (char *)x->a + (size_t)i * x->size);
    x->n = (size_t)rows;
    PQclear(r);
    return YZ_OK;
}

int yz__pg_rows(pg_store *s, const char *sql, const yz_pg_params *p, size_t size,
                yz_pg_read_row *read, yz_pg_free_rows *free_rows, void **out, size_t *n,
                yz_errinfo *ei)
{
    rows_ctx x = {sql, p, size, read, free_rows, NULL, 0};
    int err = yz__pg_read1(s, rows_body, &x, ei);
    if (err) {
        free_rows(x.a, x.n);
        x.a = NULL;
        x.n = 0;
    }
    *out = x.a;
    *n = x.n;
    return err;
}

/* --- notification -------------------------------------------------------------------------- */

int yz__pg_notify(pg_store *s, PGconn *c, const char *area, yz_errinfo *ei)
{
    return yz__pg_notify_id(s, c, area, 0, ei);
}

/* Payload: "<area>[:<id>] <node>". */
int yz__pg_notify_id(pg_store *s, PGconn *c, const char *area, int64_t id, yz_errinfo *ei)
{
    char payload[96];
    if (id)
        snprintf(payload, sizeof payload, "%s:%" PRId64 " %s", area, id, s->node);
    else
        snprintf(payload, sizeof payload, "%s %s", area, s->node);
    yz_pg_params p = {0};
    yz__pg_p_text(&p, payload);
    return yz__pg_exec(c, "SELECT pg_notify('" CHANNEL "', $1)", &p, NULL, ei);
}

struct pg_listener {
    pthread_t thread;
    int stop[2]; /* a pipe: closing the write end stops the thread */
    yz_store_watcher w;
};

/* LISTEN on a connection of its own; wait for notifications or the stop pipe; pass on the
 * ones from other nodes. When the connection breaks, reconnect with a growing pause and
 * report "*" (what happened meanwhile is unknown). */
static void *listen_main(void *arg)
{
    pg_store *s = arg;
    struct pg_listener *l = s->listener;
    PGconn *c = NULL;
    int pause_ms = 100;
    bool lost = false;
    for (;;) {
        if (!c) {
            yz_errinfo ei;
            c = yz__pg_connect(s, &ei);
            if (c && yz__pg_exec(c, "LISTEN " CHANNEL, NULL, NULL, &ei) != YZ_OK) {
                PQfinish(c);
                c = NULL;
            }
            if (!c) {
                yz_log_warn("pg: change watcher: %s; retrying in %d ms", ei.msg_en, pause_ms);
                struct pollfd pf = {l->stop[0], POLLIN, 0};
                if (poll(&pf, 1, pause_ms) > 0)
                    break;
                pause_ms = pause_ms < 5000 ? pause_ms * 2 : 5000;
                lost = true;
                continue;
            }
            pause_ms = 100;
            if (lost) {
                yz_log_info("pg: change watcher reconnected");
                l->w.cb(l->w.ctx, "*", 0);
                lost = false;
            }
        }
        struct pollfd pf[2] = {{l->stop[0], POLLIN, 0}, {PQsocket(c), POLLIN, 0}};
        int n = poll(pf, 2, 30000);
        if (n < 0 && errno != EINTR)
            break;
        if (pf[0].revents)
            break;
        if (!PQconsumeInput(c) || PQstatus(c) != CONNECTION_OK) {
            PQfinish(c);
            c = NULL;
            lost = true;
            continue;
        }
        /* Everything that arrived together is one reload per area and record: a burst of
         * ratings on another node costs this one a single reload, not one per rating. */
        struct change {
            char area[32];
            int64_t id;
        } ch[16];
        size_t na = 0;
        bool all = false;
        PGnotify *nt;
        while ((nt = PQnotifies(c))) {
            const char *sp = strchr(nt->extra, ' ');
            if (sp && strcmp(sp + 1, s->node) != 0) {
                struct change x = {{0}, 0};
                const char *colon = memchr(nt->extra, ':', (size_t)(sp - nt->extra));
                const char *end = colon ? colon : sp;
                snprintf(x.area, sizeof x.area, "%.*s", (int)(end - nt->extra), nt->extra);
                if (colon)
                    x.id = strtoll(colon + 1, NULL, 10);
                size_t k = 0;
                while (k < na && (strcmp(ch[k].area, x.area) || (ch[k].id && ch[k].id != x.id)))
                    k++;
                if (k < na && x.id == 0)
                    ch[k].id = 0; /* the whole area covers its records */
                else if (k == na && na < sizeof ch / sizeof *ch)
                    ch[na++] = x;
                else if (k == na)
                    all = true; /* more changes than slots: reload everything */
            }
            PQfreemem(nt);
        }
        if (all)
            l->w.cb(l->w.ctx, "*", 0);
        for (size_t k = 0; !all && k < na; k++)
            l->w.cb(l->w.ctx, ch[k].area, ch[k].id);
    }
    PQfinish(c);
    return NULL;
}

static int pg_watch(yz_store *st, const yz_store_watcher *w, yz_errinfo *ei)
{
    pg_store *s = (pg_store *)st;
    if (s->listener)
        return yz_err_set(ei, YZ_EINVAL, "db", "已在监听变更", "already watching for changes");
    struct pg_listener *l = yz_calloc(1, sizeof *l);
    l->w = *w;
    if (pipe(l->stop) != 0) {
        yz_free(l);
        return yz_err_setf(ei, YZ_EDB, "db", "pipe：%s", "pipe: %s", strerror(errno));
    }
    s->listener = l;
    if (pthread_create(&l->thread, NULL, listen_main, s) != 0) {
        close(l->stop[0]);
        close(l->stop[1]);
        yz_free(l);
        s->listener = NULL;
        return yz_err_set(ei, YZ_EDB, "db", "无法启动监听线程", "cannot start the watcher thread");
    }
    return YZ_OK;
}

/* --- schema -------------------------------------------------------------------------------- */

/* Apply the migrations the database lacks, in order, each in its own transaction, under an
 * advisory lock so that nodes starting together do not race. */
static int migrate(pg_store *s, PGconn *c, yz_errinfo *ei)
{
    yz_pg_params lk = {0};
    yz__pg_p_i64(&lk, MIGRATION_LOCK);
    int err = yz__pg_exec(c, "SELECT pg_advisory_lock($1::bigint)", &lk, NULL, ei);
    if (err)
        return err;
    err = yz__pg_exec(c,
                      "CREATE TABLE IF NOT EXISTS schema_migrations ("
                      " name TEXT PRIMARY KEY, applied_at BIGINT NOT NULL)",
                      NULL, NULL, ei);
    for (size_t i = 0; !err && i < yz__sql_pg_count; i++) {
        yz_pg_params p = {0};
        yz__pg_p_text(&p, yz__sql_pg[i].name);
        PGresult *r = yz__pg_query(c, "SELECT 1 FROM schema_migrations WHERE name = $1", &p, ei);
        if (!r) {
            err = YZ_EDB;
            break;
        }
        bool have = PQntuples(r) > 0;
        PQclear(r);
        if (have)
            continue;
        err = yz__pg_exec(c, "BEGIN", NULL, NULL, ei);
        if (err)
            break;
        /* Several statements: the simple query protocol (no parameters). */
        r = PQexec(c, yz__sql_pg[i].sql);
        if (!r || PQresultStatus(r) != PGRES_COMMAND_OK) {
            err = yz__pg_fail(c, r, ei);
            yz_err_setf(ei, YZ_EDB, "db", "迁移 %s 失败：%s", "migration %s failed: %s",
                        yz__sql_pg[i].name, ei ? ei->msg_en : "");
        }
        PQclear(r);
        if (!err) {
            yz__pg_p_i64(&p, yz_time_now());
            err = yz__pg_exec(c, "INSERT INTO schema_migrations VALUES ($1, $2)", &p, NULL, ei);
        }
        if (!err)
            err = yz__pg_exec(c, "COMMIT", NULL, NULL, ei);
        else
            yz__pg_exec(c, "ROLLBACK", NULL, NULL, NULL);
    }
    yz__pg_exec(c, "SELECT pg_advisory_unlock($1::bigint)", &lk, NULL, NULL);
    return err;
}

/* Insert the seed facilities a database lacks (by code), keeping bits already taken. */
static int seed_body(pg_store *s, PGconn *c, void *ctx, yz_errinfo *ei)
{
    for (size_t i = 0; i < yz_facility_seed_count; i++) {
        const yz_facility_seed *f = &yz_facility_seeds[i];
        yz_pg_params p = {0};
        yz__pg_p_text(&p, f->code);
        yz__pg_p_text(&p, f->label);
        yz__pg_p_text(&p, f->label_hant);
        yz__pg_p_text(&p, f->label_en);
        yz__pg_p_i64(&p, f->bit);
        int err = yz__pg_exec(c,
                              "INSERT INTO facilities (code, label, label_hant, label_en, bit)"
                              " VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
                              &p, NULL, ei);
        if (err)
            return err;
    }
    return YZ_OK;
}

/* --- facilities, districts, holidays -------------------------------------------------------- */

static void read_facility(const PGresult *r, int i, void *elem)
{
    yz_facility *f = elem;
    f->code = yz__pg_str(r, i, 0);
    f->label = yz__pg_str(r, i, 1);
    f->label_hant = yz__pg_str(r, i, 2);
    f->label_en = yz__pg_str(r, i, 3);
    f->bit = (int)yz__pg_i64(r, i, 4);
}

static void free_facilities(void *a, size_t n)
{
    yz_facility *f = a;
    for (size_t i = 0; i < n; i++)
        yz_facility_fini(&f[i]);
    yz_free(f);
}

static int pg_list_facilities(yz_store *st, yz_facility **out, size_t *n, yz_errinfo *ei)
{
    void *a;
    int err = yz__pg_rows((pg_store *)st,
                          "SELECT code, label, label_hant, label_en, bit FROM facilities"
                          " ORDER BY bit",
                          NULL, sizeof **out, read_facility, free_facilities, &a, n, ei);
    *out = a;
    return err;
}

static void read_district(const PGresult *r, int i, void *elem)
{
    yz_district *d = elem;
    d->code = yz__pg_str(r, i, 0);
    d->name = yz__pg_str(r, i, 1);
    d->name_hant = yz__pg_str(r, i, 2);
    d->lat = yz__pg_f64(r, i, 3);
    d->lon = yz__pg_f64(r, i, 4);
}

static void free_districts(void *a, size_t n)
{
    yz_district *d = a;
    for (size_t i = 0; i < n; i++)
        yz_district_fini(&d[i]);
    yz_free(d);
}

static int pg_list_districts(yz_store *st, yz_district **out, size_t *n, yz_errinfo *ei)
{
    void *a;
    int err = yz__pg_rows(
        (pg_store *)st,
        "SELECT code, name, name_hant, lat, lon FROM districts ORDER BY code COLLATE \"C\"", NULL,
        sizeof **out, read_district, free_districts, &a, n, ei);
    *out = a;
    return err;
}

static void read_day(const PGresult *r, int i, void *elem)
{
    *(int32_t *)elem = (int32_t)yz__pg_i64(r, i, 0);
}

static void free_days(void *a, size_t n)
{
    yz_free(a);
}

static int pg_list_holidays(yz_store *st, int32_t **days, size_t *n, yz_errinfo *ei)
{
    void *a; /* days since 1970-01-01, computed by the server from the stored dates */
    int err = yz__pg_rows((pg_store *)st,
                          "SELECT day::date - DATE '1970-01-01' FROM holidays ORDER BY day", NULL,
                          sizeof **days, read_day, free_days, &a, n, ei);
    *days = a;
    return err;
}

/* --- stations ------------------------------------------------------------------------------ */

#define STATION_COLS                                                                           \
    "s.id, s.code, s.name, s.address, s.district_code, d.name, s.lat, s.lon, s.tier,"          \
    " s.partner_kind, s.partner_name, s.opening_hours, s.tz, s.status, s.closed_reason,"       \
    " s.closed_until, s.phone, s.seats, s.livelihood, s.batch, s.created_at, s.updated_at,"    \
    " s.version FROM stations s JOIN districts d ON d.code = s.district_code"

static void read_station(const PGresult *r, int i, yz_station *o)
{
    yz_station_init(o);
    o->id = yz__pg_i64(r, i, 0);
    o->code = yz__pg_str(r, i, 1);
    o->name = yz__pg_str(r, i, 2);
    o->address = yz__pg_str(r, i, 3);
    o->district_code = yz__pg_str(r, i, 4);
    o->district_name = yz__pg_str(r, i, 5);
    o->lat = yz__pg_f64(r, i, 6);
    o->lon = yz__pg_f64(r, i, 7);
    o->tier = yz_tier_parse(PQgetvalue(r, i, 8));
    o->partner_kind = yz_partner_parse(PQgetvalue(r, i, 9));
    o->partner_name = yz__pg_str(r, i, 10);
    o->opening_hours = yz__pg_str(r, i, 11);
    o->tz = yz__pg_str(r, i, 12);
    o->status = yz_status_parse(PQgetvalue(r, i, 13));
    o->closed_reason = yz__pg_str(r, i, 14);
    o->closed_until = yz__pg_i64(r, i, 15);
    o->phone = yz__pg_str(r, i, 16);
    o->seats = (int)yz__pg_i64(r, i, 17);
    o->livelihood = yz__pg_i64(r, i, 18) != 0;
    o->batch = yz__pg_isnull(r, i, 19) ? YZ_BATCH_NONE : yz_batch_parse(PQgetvalue(r, i, 19));
    o->created_at = yz__pg_i64(r, i, 20);
    o->updated_at = yz__pg_i64(r, i, 21);
    o->version = yz__pg_i64(r, i, 22);
}

typedef struct stations_ctx {
    int64_t id; /* get: the station; 0 for all */
    yz_station *a;
    size_t n;
} stations_ctx;

static void stations_clear(stations_ctx *x)
{
    yz_station_array_free(x->a, x->n);
    x->a = NULL;
    x->n = 0;
}

static int stations_body(pg_store *s, PGconn *c, void *ctx, yz_errinfo *ei)
{
    stations_ctx *x = ctx;
    stations_clear(x);
    yz_pg_params p = {0};
    PGresult *r;
    if (x->id) {
        yz__pg_p_i64(&p, x->id);
        r = yz__pg_query(c, "SELECT " STATION_COLS " WHERE s.id = $1", &p, ei);
    } else {
        r = yz__pg_query(c, "SELECT " STATION_COLS " ORDER BY s.id", NULL, ei);
    }
    if (!r)
        return YZ_EDB;
    int n = PQntuples(r);
    if (x->id && n == 0) {
        PQclear(r);
        return yz_err_setf(ei, YZ_ENOTFOUND, "id", "驿站 %lld 不存在", "station %lld not found",
                           (long long)x->id);
    }
    x->a = yz_calloc(n ? (size_t)n : 1, sizeof *x->a);
    for (int i = 0; i < n; i++)
        read_station(r, i, &x->a[i]);
    x->n = (size_t)n;
    PQclear(r);
    if (x->id)
        r = yz__pg_query(c,
                         "SELECT sf.station_id, f.bit FROM station_facilities sf JOIN facilities f"
                         " ON f.code = sf.facility_code WHERE sf.station_id = $1",
                         &p, ei);
    else
        r = yz__pg_query(c,
                         "SELECT sf.station_id, f.bit FROM station_facilities sf JOIN facilities f"
                         " ON f.code = sf.facility_code ORDER BY sf.station_id",
                         NULL, ei);
    if (!r)
        return YZ_EDB;
    /* Both lists are ordered by station id: merge them. */
    size_t j = 0;
    for (int i = 0; i < PQntuples(r); i++) {
        int64_t id = yz__pg_i64(r, i, 0);
        while (j < x->n && x->a[j].id < id)
            j++;
        if (j < x->n && x->a[j].id == id)
            x->a[j].facilities |= UINT64_C(1) << (yz__pg_i64(r, i, 1) & 63);
    }
    PQclear(r);
    return YZ_OK;
}

static int pg_load_stations(yz_store *st, yz_station **out, size_t *n, yz_errinfo *ei)
{
    stations_ctx x = {0};
    int err = yz__pg_tx((pg_store *)st, stations_body, &x, ei);
    if (err)
        stations_clear(&x);
    *out = x.a;
    *n = x.n;
    return err;
}

static int pg_get_station(yz_store *st, int64_t id, yz_station *out, yz_errinfo *ei)
{
    stations_ctx x = {.id = id};
    yz_station_init(out);
    if (id <= 0)
        return yz_err_setf(ei, YZ_ENOTFOUND, "id", "驿站 %lld 不存在", "station %lld not found",
                           (long long)id);
    int err = yz__pg_tx((pg_store *)st, stations_body, &x, ei);
    if (!err && x.n == 1) {
        *out = x.a[0];
        yz_free(x.a);
        return YZ_OK;
    }
    stations_clear(&x);
    return err;
}

static int district_exists(PGconn *c, const char *code, yz_errinfo *ei)
{
    yz_pg_params p = {0};
    yz__pg_p_text(&p, code ? code : "");
    PGresult *r = yz__pg_query(c, "SELECT 1 FROM districts WHERE code = $1", &p, ei);
    if (!r)
        return YZ_EDB;
    int found = PQntuples(r) > 0;
    PQclear(r);
    if (!found)
        return yz_err_setf(ei, YZ_EINVAL, "district_code", "未知的区县代码 %s",
                           "unknown district code %s", code ? code : "");
    return YZ_OK;
}

/* The id and version of the station with this code; *id = 0 when none. */
static int id_by_code(PGconn *c, const char *code, int64_t *id, int64_t *version,
                      yz_errinfo *ei)
{
    yz_pg_params p = {0};
    yz__pg_p_text(&p, code ? code : "");
    PGresult *r = yz__pg_query(c, "SELECT id, version FROM stations WHERE code = $1", &p, ei);
    if (!r)
        return YZ_EDB;
    *id = PQntuples(r) ? yz__pg_i64(r, 0, 0) : 0;
    if (version)
        *version = PQntuples(r) ? yz__pg_i64(r, 0, 1) : 0;
    PQclear(r);
    return YZ_OK;
}

/* The version of station `id`, 0 when there is none. */
static int version_of(PGconn *c, int64_t id, int64_t *version, yz_errinfo *ei)
{
    yz_pg_params p = {0};
    yz__pg_p_i64(&p, id);
    PGresult *r = yz__pg_query(c, "SELECT version FROM stations WHERE id = $1", &p, ei);
    if (!r)
        return YZ_EDB;
    *version = PQntuples(r) ? yz__pg_i64(r, 0, 0) : 0;
    PQclear(r);
    return YZ_OK;
}

/* $1..$19 of the insert and the update, in the same order as the SQLite backend's. */
static void station_params(yz_pg_params *p, const yz_station *v)
{
    yz__pg_p_str(p, v->code);
    yz__pg_p_str(p, v->name);
    yz__pg_p_text(p, v->address ? v->address : "");
    yz__pg_p_str(p, v->district_code);
    yz__pg_p_f64(p, v->lat);
    yz__pg_p_f64(p, v->lon);
    yz__pg_p_text(p, yz_tier_name(v->tier));
    yz__pg_p_text(p, yz_partner_name(v->partner_kind));
    yz__pg_p_str(p, v->partner_name);
    yz__pg_p_str(p, v->opening_hours);
    yz__pg_p_str(p, v->tz);
    yz__pg_p_text(p, yz_status_name(v->status));
    yz__pg_p_str(p, v->closed_reason);
    yz__pg_p_i64(p, v->closed_until);
    yz__pg_p_str(p, v->phone);
    yz__pg_p_i64(p, v->seats);
    yz__pg_p_bool(p, v->livelihood);
    yz__pg_p_str(p, v->batch == YZ_BATCH_NONE ? NULL : yz_batch_name(v->batch));
    yz__pg_p_i64(p, v->updated_at);
}

/* Replace the station's facility links with its mask: one row per bit, by the facilities
 * table's bit numbers; a bit no facility has is refused. */
static int write_facilities(PGconn *c, const yz_station *v, yz_errinfo *ei)
{
    yz_pg_params p = {0};
    yz__pg_p_i64(&p, v->id);
    int err = yz__pg_exec(c, "DELETE FROM station_facilities WHERE station_id = $1", &p, NULL, ei);
    if (err || !v->facilities)
        return err;
    char bits[64 * 3 + 3];
    size_t o = 0;
    int want = 0;
    bits[o++] = '{';
    for (int bit = 0; bit < 64; bit++) {
        if (!(v->facilities & (UINT64_C(1) << bit)))
            continue;
        o += (size_t)snprintf(bits + o, sizeof bits - o, "%s%d", want ? "," : "", bit);
        want++;
    }
    bits[o++] = '}';
    bits[o] = '\0';
    yz__pg_p_text(&p, bits);
    int64_t got = 0;
    err = yz__pg_exec(c,
                      "INSERT INTO station_facilities (station_id, facility_code)"
                      " SELECT $1, code FROM facilities WHERE bit = ANY ($2::int[])",
                      &p, &got, ei);
    if (err || got == want)
        return err;
    /* Name the first bit that no facility has. */
    PGresult *r = yz__pg_query(c,
                               "SELECT b FROM unnest($2::int[]) b WHERE NOT EXISTS"
                               " (SELECT 1 FROM facilities WHERE bit = b) AND $1::bigint > 0"
                               " ORDER BY b LIMIT 1",
                               &p, ei);
    if (!r)
        return YZ_EDB;
    int bit = PQntuples(r) ? (int)yz__pg_i64(r, 0, 0) : -1;
    PQclear(r);
    return yz_err_setf(ei, YZ_EINVAL, "facilities", "未知的设施（位 %d）", "unknown facility (bit %d)",
                       bit);
}

static int insert_station(PGconn *c, yz_station *v, yz_errinfo *ei)
{
    yz_pg_params p = {0};
    station_params(&p, v);
    PGresult *r = yz__pg_query(
        c,
        "INSERT INTO stations (code, name, address, district_code, lat, lon, tier,"
        " partner_kind, partner_name, opening_hours, tz, status, closed_reason,"
        " closed_until, phone, seats, livelihood, batch, updated_at, created_at, version)"
        " VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$19,1)"
        " RETURNING id",
        &p, ei);
    if (!r)
        return YZ_EDB;
    v->id = yz__pg_i64(r, 0, 0);
    PQclear(r);
    v->created_at = v->updated_at;
    v->version = 1;
    return write_facilities(c, v, ei);
}

static int update_station(PGconn *c, yz_station *v, yz_errinfo *ei)
{
    yz_pg_params p = {0};
    station_params(&p, v);
    yz__pg_p_i64(&p, v->id);
    PGresult *r = yz__pg_query(
        c,
        "UPDATE stations SET code=$1, name=$2, address=$3, district_code=$4, lat=$5, lon=$6,"
        " tier=$7, partner_kind=$8, partner_name=$9, opening_hours=$10, tz=$11, status=$12,"
        " closed_reason=$13, closed_until=$14, phone=$15, seats=$16, livelihood=$17,"
        " batch=$18, updated_at=$19, version = version + 1 WHERE id = $20"
        " RETURNING version, created_at",
        &p, ei);
    if (!r)
        return YZ_EDB;
    if (PQntuples(r)) {
        v->version = yz__pg_i64(r, 0, 0);
        v->created_at = yz__pg_i64(r, 0, 1);
    }
    PQclear(r);
    return write_facilities(c, v, ei);
}

typedef struct write_ctx {
    yz_station *v;
    yz_station saved; /* the caller's id, times and version, restored before each try */
    int64_t expect_version;
    int64_t id; /* delete */
} write_ctx;

static void restore(write_ctx *x)
{
    x->v->id = x->saved.id;
    x->v->created_at = x->saved.created_at;
    x->v->updated_at = x->saved.updated_at;
    x->v->version = x->saved.version;
}

static int create_body(pg_store *s, PGconn *c, void *ctx, yz_errinfo *ei)
{
    write_ctx *x = ctx;
    restore(x);
    int64_t other = 0;
    int err = district_exists(c, x->v->district_code, ei);
    if (!err)
        err = id_by_code(c, x->v->code, &other, NULL, ei);
    if (!err && other)
        err = yz_err_setf(ei, YZ_ECONFLICT, "code", "编号 %s 已被使用", "code %s is taken",
                          x->v->code);
    if (!err) {
        x->v->updated_at = yz_time_now();
        err = insert_station(c, x->v, ei);
    }
    if (!err)
        err = yz__pg_notify_id(s, c, "stations", x->v->id, ei);
    return err;
}

static int pg_create_station(yz_store *st, yz_station *v, yz_errinfo *ei)
{
    write_ctx x = {.v = v, .saved = *v};
    return yz__pg_tx((pg_store *)st, create_body, &x, ei);
}

static int check_version(PGconn *c, int64_t id, int64_t expect, yz_errinfo *ei)
{
    int64_t version = 0;
    int err = version_of(c, id, &version, ei);
    if (!err && !version)
        err = yz_err_setf(ei, YZ_ENOTFOUND, "id", "驿站 %lld 不存在", "station %lld not found",
                          (long long)id);
    if (!err && expect && version != expect)
        err = yz_err_setf(ei, YZ_ESTALE, "version",
                          "版本 %lld 已过期，当前版本为 %lld，请刷新后重试",
                          "version %lld is stale; the current version is %lld",
                          (long long)expect, (long long)version);
    return err;
}

static int update_body(pg_store *s, PGconn *c, void *ctx, yz_errinfo *ei)
{
    write_ctx *x = ctx;
    restore(x);
    int64_t other = 0;
    int err = check_version(c, x->v->id, x->expect_version, ei);
    if (!err)
        err = district_exists(c, x->v->district_code, ei);
    if (!err)
        err = id_by_code(c, x->v->code, &other, NULL, ei);
    if (!err && other && other != x->v->id)
        err = yz_err_setf(ei, YZ_ECONFLICT, "code", "编号 %s 已被使用", "code %s is taken",
                          x->v->code);
    if (!err) {
        x->v->updated_at = yz_time_now();
        err = update_station(c, x->v, ei);
    }
    if (!err)
        err = yz__pg_notify_id(s, c, "stations", x->v->id, ei);
    return err;
}

static int pg_update_station(yz_store *st, yz_station *v, int64_t expect_version,
                             yz_errinfo *ei)
{
    write_ctx x = {.v = v, .saved = *v, .expect_version = expect_version};
    return yz__pg_tx((pg_store *)st, update_body, &x, ei);
}

static int delete_body(pg_store *s, PGconn *c, void *ctx, yz_errinfo *ei)
{
    write_ctx *x = ctx;
    int err = check_version(c, x->id, x->expect_version, ei);
    if (!err) {
        yz_pg_params p = {0};
        yz__pg_p_i64(&p, x->id);
        err = yz__pg_exec(c, "DELETE FROM stations WHERE id = $1", &p, NULL, ei);
    }
    if (!err)
        err = yz__pg_notify_id(s, c, "stations", x->id, ei);
    return err;
}

static int pg_delete_station(yz_store *st, int64_t id, int64_t expect_version, yz_errinfo *ei)
{
    write_ctx x = {.id = id, .expect_version = expect_version};
    return yz__pg_tx((pg_store *)st, delete_body, &x, ei);
}

typedef struct import_ctx {
    yz_station *rows;
    size_t n;
    const yz_district *districts;
    size_t n_districts;
    yz_import_counts counts;
} import_ctx;

/* An import's rows go to the server in libpq's pipeline mode, IMPORT_CHUNK rows at a time:
 * three statements a row, keyed by code so that none waits for another's answer (an upsert,
 * then the row's facility links replaced), and one round trip a chunk instead of five a row.
 * The server runs them in order, so a code given twice is inserted and then updated, as in
 * SQLite. The first failure names its row; the transaction then rolls back whole. */
#define IMPORT_CHUNK 256

#define IMPORT_UPSERT                                                                          \
    "INSERT INTO stations (code, name, address, district_code, lat, lon, tier, partner_kind,"  \
    " partner_name, opening_hours, tz, status, closed_reason, closed_until, phone, seats,"     \
    " livelihood, batch, updated_at, created_at, version)"                                     \
    " VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$19,1)"       \
    " ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, address = EXCLUDED.address,"      \
    " district_code = EXCLUDED.district_code, lat = EXCLUDED.lat, lon = EXCLUDED.lon,"         \
    " tier = EXCLUDED.tier, partner_kind = EXCLUDED.partner_kind,"                             \
    " partner_name = EXCLUDED.partner_name, opening_hours = EXCLUDED.opening_hours,"           \
    " tz = EXCLUDED.tz, status = EXCLUDED.status, closed_reason = EXCLUDED.closed_reason,"     \
    " closed_until = EXCLUDED.closed_until, phone = EXCLUDED.phone, seats = EXCLUDED.seats,"   \
    " livelihood = EXCLUDED.livelihood, batch = EXCLUDED.batch,"                               \
    " updated_at = EXCLUDED.updated_at, version = stations.version + 1"                        \
    " RETURNING id, version, created_at, (xmax = 0)"
#define IMPORT_UNLINK                                                                          \
    "DELETE FROM station_facilities WHERE station_id = (SELECT id FROM stations WHERE code = $1)"
#define IMPORT_LINK                                                                            \
    "INSERT INTO station_facilities (station_id, facility_code) SELECT s.id, f.code"           \
    " FROM stations s JOIN facilities f ON f.bit = ANY ($2::int[]) WHERE s.code = $1"

/* The facility bits of a mask as an int[] literal; returns how many. */
static int bits_text(uint64_t mask, char out[64 * 3 + 3])
{
    size_t o = 0;
    int n = 0;
    out[o++] = '{';
    for (int bit = 0; bit < 64; bit++)
        if (mask & (UINT64_C(1) << bit))
            o += (size_t)snprintf(out + o, 64 * 3 + 3 - o, "%s%d", n++ ? "," : "", bit);
    out[o++] = '}';
    out[o] = '\0';
    return n;
}

/* The next result of the pipeline and the NULL that ends it. Returns the result (to PQclear),
 * or NULL when the connection failed. */
static PGresult *next_result(PGconn *c)
{
    PGresult *r = PQgetResult(c);
    if (r)
        PQclear(PQgetResult(c));
    return r;
}

/* Send one chunk of rows and read the answers; fills rows' ids, versions and the counts. On
 * the first failure returns it with *bad set to the row; the rest of the chunk is aborted. */
static int import_chunk(PGconn *c, yz_station *rows, size_t from, size_t to, int64_t now,
                        yz_import_counts *counts, size_t *bad, yz_errinfo *ei)
{
    char bits[IMPORT_CHUNK][64 * 3 + 3];
    int nbits[IMPORT_CHUNK];
    if (!PQenterPipelineMode(c))
        return yz__pg_fail(c, NULL, ei);
    int err = YZ_OK;
    bool unknown_bit = false;
    size_t sent = from;
    for (; sent < to; sent++) {
        yz_station *v = &rows[sent];
        v->updated_at = now;
        yz_pg_params p = {0}, k = {0};
        station_params(&p, v);
        yz__pg_p_text(&k, v->code);
        nbits[sent - from] = bits_text(v->facilities, bits[sent - from]);
        yz__pg_p_text(&k, bits[sent - from]);
        if (!PQsendQueryPrepared(c, "yz_import_upsert", p.n, p.v, NULL, NULL, 0) ||
            !PQsendQueryPrepared(c, "yz_import_unlink", 1, k.v, NULL, NULL, 0) ||
            (nbits[sent - from] &&
             !PQsendQueryPrepared(c, "yz_import_link", 2, k.v, NULL, NULL, 0)))
            break;
    }
    if (sent < to || !PQpipelineSync(c)) {
        err = yz__pg_fail(c, NULL, ei);
        *bad = sent;
    }
    for (size_t i = from; i < sent; i++) {
        yz_station *v = &rows[i];
        int nq = nbits[i - from] ? 3 : 2;
        for (int q = 0; q < nq; q++) {
            PGresult *r = next_result(c);
            ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
            if (!err && st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
                const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
                if (state && !strcmp(state, "23503") && q == 0) /* districts (code) */
                    err = yz_err_setf(ei, YZ_EINVAL, "district_code", "未知的区县代码 %s",
                                      "unknown district code %s", v->district_code);
                else
                    err = yz__pg_fail(c, r, ei);
                *bad = i;
            } else if (!err && q == 0) {
                v->id = yz__pg_i64(r, 0, 0);
                v->version = yz__pg_i64(r, 0, 1);
                v->created_at = yz__pg_i64(r, 0, 2);
                if (!strcmp(PQgetvalue(r, 0, 3), "t"))
                    counts->created++;
                else
                    counts->updated++;
            } else if (!err && q == 2 && strtoll(PQcmdTuples(r), NULL, 10) != nbits[i - from]) {
                err = YZ_EINVAL; /* a bit no facility has: named below */
                unknown_bit = true;
                *bad = i;
            }
            PQclear(r);
        }
    }
    err = yz__pg_pipeline_end(c, err, ei);
    if (unknown_bit) {
        /* Name the first bit of the row that no facility has. */
        yz_pg_params p = {0};
        yz__pg_p_text(&p, bits[*bad - from]);
        PGresult *r = yz__pg_query(c,
                                   "SELECT b FROM unnest($1::int[]) b WHERE NOT EXISTS"
                                   " (SELECT 1 FROM facilities WHERE bit = b) ORDER BY b LIMIT 1",
                                   &p, ei);
        int bit = r && PQntuples(r) ? (int)yz__pg_i64(r, 0, 0) : -1;
        PQclear(r);
        err = yz_err_setf(ei, YZ_EINVAL, "facilities", "未知的设施（位 %d）",
                          "unknown facility (bit %d)", bit);
    }
    return err;
}

/* The import's statements, prepared on this connection unless it has them from an earlier
 * import (parsed and planned once, not three times a row). */
static int prepare_import(PGconn *c, yz_errinfo *ei)
{
    static const struct {
        const char *name, *sql;
        int n;
    } st[] = {{"yz_import_upsert", IMPORT_UPSERT, 19},
              {"yz_import_unlink", IMPORT_UNLINK, 1},
              {"yz_import_link", IMPORT_LINK, 2}};
    PGresult *r = yz__pg_query(
        c, "SELECT 1 FROM pg_prepared_statements WHERE name = 'yz_import_upsert'", NULL, ei);
    if (!r)
        return YZ_EDB;
    bool have = PQntuples(r) > 0;
    PQclear(r);
    for (size_t i = 0; !have && i < sizeof st / sizeof *st; i++) {
        r = PQprepare(c, st[i].name, st[i].sql, st[i].n, NULL);
        int err = r && PQresultStatus(r) == PGRES_COMMAND_OK ? YZ_OK : yz__pg_fail(c, r, ei);
        PQclear(r);
        if (err)
            return err;
    }
    return YZ_OK;
}

static int import_body(pg_store *s, PGconn *c, void *ctx, yz_errinfo *ei)
{
    import_ctx *x = ctx;
    x->counts = (yz_import_counts){0, 0, 0};
    int err = prepare_import(c, ei);
    for (size_t i = 0; !err && i < x->n_districts; i++) {
        const yz_district *d = &x->districts[i];
        yz_pg_params p = {0};
        yz__pg_p_text(&p, d->code);
        yz__pg_p_text(&p, d->name);
        yz__pg_p_text(&p, d->name_hant ? d->name_hant : d->name);
        yz__pg_p_f64(&p, d->lat);
        yz__pg_p_f64(&p, d->lon);
        int64_t added = 0;
        err = yz__pg_exec(c,
                          "INSERT INTO districts (code, name, name_hant, lat, lon)"
                          " VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
                          &p, &added, ei);
        x->counts.districts += (size_t)added;
    }
    int64_t now = yz_time_now();
    size_t bad = x->n;
    for (size_t from = 0; !err && from < x->n; from += IMPORT_CHUNK) {
        size_t to = from + IMPORT_CHUNK < x->n ? from + IMPORT_CHUNK : x->n;
        err = import_chunk(c, x->rows, from, to, now, &x->counts, &bad, ei);
    }
    if (err && ei && bad < x->n) {
        /* Say which row failed (1-based position in `rows`). */
        char zh[sizeof ei->msg], en[sizeof ei->msg_en], field[sizeof ei->field];
        snprintf(zh, sizeof zh, "%s", ei->msg);
        snprintf(en, sizeof en, "%s", ei->msg_en);
        snprintf(field, sizeof field, "%s", ei->field);
        yz_err_setf(ei, err, field, "第 %zu 条：%s%.0s", "row %zu: %.0s%s", bad + 1, zh, en);
    }
    if (!err)
        err = yz__pg_notify(s, c, "stations", ei);
    return err;
}

static int pg_import(yz_store *st, yz_station *rows, size_t n, const yz_district *districts,
                     size_t n_districts, yz_import_counts *counts, yz_errinfo *ei)
{
    import_ctx x = {rows, n, districts, n_districts, {0, 0, 0}};
    int err = yz__pg_tx((pg_store *)st, import_body, &x, ei);
    if (!err && counts)
        *counts = x.counts;
    return err;
}

/* --- open and close ------------------------------------------------------------------------ */

static void pg_unwatch(yz_store *st)
{
    pg_store *s = (pg_store *)st;
    if (!s->listener)
        return;
    close(s->listener->stop[1]);
    pthread_join(s->listener->thread, NULL);
    close(s->listener->stop[0]);
    yz_free(s->listener);
    s->listener = NULL;
}

static void pg_close(yz_store *st)
{
    pg_store *s = (pg_store *)st;
    pg_unwatch(st);
    yz__store_close_areas(st);
    for (size_t i = 0; i < s->n_idle; i++)
        PQfinish(s->idle[i]);
    pthread_cond_destroy(&s->cv);
    pthread_mutex_destroy(&s->mu);
    yz_free(s->conninfo);
    yz_free(s);
}

static const yz_store_ops pg_ops = {
    .name = "postgresql",
    .close = pg_close,
    .list_facilities = pg_list_facilities,
    .list_districts = pg_list_districts,
    .list_holidays = pg_list_holidays,
    .load_stations = pg_load_stations,
    .get_station = pg_get_station,
    .create_station = pg_create_station,
    .update_station = pg_update_station,
    .delete_station = pg_delete_station,
    .import = pg_import,
    .watch = pg_watch,
    .unwatch = pg_unwatch,
};

int yz__store_pg_open(const char *conninfo, yz_store **out, yz_errinfo *ei)
{
    *out = NULL;
    pg_store *s = yz_calloc(1, sizeof *s);
    s->base.ops = &pg_ops;
    s->base.db = &yz__pg_driver;
    s->base.reports = &yz__pg_report_ops;
    s->conninfo = yz_strdup(conninfo);
    s->pool_max = YZ_PG_POOL_DEFAULT;
    const char *e = getenv("YIZHAN_PG_POOL");
    if (e && *e) {
        char *end;
        long n = strtol(e, &end, 10);
        if (*end || n < 1 || n > YZ_PG_POOL_MAX) {
            yz_free(s->conninfo);
            yz_free(s);
            return yz_err_setf(ei, YZ_EINVAL, "YIZHAN_PG_POOL", "YIZHAN_PG_POOL 须为 1..%d",
                               "YIZHAN_PG_POOL must be 1..%d", YZ_PG_POOL_MAX);
        }
        s->pool_max = (size_t)n;
    }
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, NULL);
    uint8_t rnd[8] = {0};
    if (getrandom(rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd)
        memcpy(rnd, &(uint64_t){(uint64_t)getpid() ^ (uint64_t)yz_time_now()}, sizeof rnd);
    for (size_t i = 0; i < sizeof rnd; i++)
        snprintf(s->node + 2 * i, 3, "%02x", rnd[i]);
    PGconn *c = yz__pg_get(s, ei);
    int err = c ? migrate(s, c, ei) : YZ_EUNAVAIL;
    yz__pg_put(s, c);
    if (!err)
        err = yz__pg_tx(s, seed_body, NULL, ei);
    if (err) {
        pg_close(&s->base);
        return err;
    }
    *out = &s->base;
    return YZ_OK;
}

#else /* no libpq: the URI is recognised and refused with a reason */
#include "store/store.h"

int yz__store_pg_open(const char *conninfo, yz_store **out, yz_errinfo *ei)
{
    *out = NULL;
    return yz_err_set(ei, YZ_EINVAL, "db", "此版本未编译 PostgreSQL 存储（构建时未找到 libpq）",
                      "this build has no PostgreSQL store (libpq was not found when it was built)");
}
#endif
