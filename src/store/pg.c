/* SPDX-License-Identifier: MIT */
/* store/pg.c - the PostgreSQL backend of the store interface: the scale-out store that
 * several stateless yizhan nodes share (docs/internals/store.md, "PostgreSQL"). This file
 * holds the connection pool, the SERIALIZABLE transaction runner, the migrations, and the
 * watcher that turns other nodes' NOTIFY messages into yz_store_watch callbacks. Statements
 * are pg_db.c's (store/db.h); the areas are written once on them. */
#ifdef YZ_HAVE_PG
#include "store/pg_int.h"

#include "core/alloc.h"
#include "core/log.h"
#include "core/time.h"

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
    return yz__db_err(ei, YZ_EDB, msg);
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

void yz__pg_p_text(yz_pg_params *p, const char *v)
{
    push(p, v);
}

void yz__pg_p_i64(yz_pg_params *p, int64_t v)
{
    if (p->n >= (int)(sizeof p->v / sizeof *p->v))
        return push(p, NULL);
    snprintf(p->buf[p->n], sizeof p->buf[p->n], "%" PRId64, v);
    push(p, p->buf[p->n]);
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
    yz__db_count_unavailable();
    char msg[200];
    snprintf(msg, sizeof msg, "%s", PQerrorMessage(c));
    msg[strcspn(msg, "\n")] = '\0';
    return yz_err_setf(ei, YZ_EUNAVAIL, "db", "数据库暂时不可用：%s", "the database is unavailable: %s",
                       msg);
}

/* BEGIN at SERIALIZABLE, or at READ COMMITTED holding the advisory lock `lock` (lock != 0)
 * for the rest of the transaction. In bulk mode (yz_store_bulk) the commit does not wait for
 * the WAL flush: a crash may lose the last commits, never corrupt (the demo is loaded again). */
static int begin(pg_store *s, PGconn *c, int64_t lock, yz_errinfo *ei)
{
    /* one round trip: the statements as one simple query (no parameters: the lock is a
     * number), which stops at the first that fails and answers with its error */
    const char *bulk = atomic_load(&s->bulk) ? " SET LOCAL synchronous_commit = off;" : "";
    char sql[192];
    if (lock)
        snprintf(sql, sizeof sql,
                 "BEGIN ISOLATION LEVEL READ COMMITTED;%s SELECT pg_advisory_xact_lock(%lld)",
                 bulk, (long long)lock);
    else
        snprintf(sql, sizeof sql, "BEGIN ISOLATION LEVEL SERIALIZABLE;%s", bulk);
    PGresult *r = PQexec(c, sql);
    ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK) {
        PQclear(r);
        return YZ_OK;
    }
    yz__pg_fail(c, r, ei);
    PQclear(r);
    return YZ_EDB;
}

/* Every try of a transaction met a deadlock or a serialization failure. */
static int busy(yz_errinfo *ei)
{
    return yz_err_set(ei, YZ_EDB, "", "数据库繁忙，请稍后重试", "the database is busy; try again");
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
        err = begin(s, c, lock, ei);
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
    return busy(ei);
}

/* One result of a pipeline that answers no rows (BEGIN, SET, the lock, COMMIT), and the NULL
 * that ends it. A statement after a failed one is PGRES_PIPELINE_ABORTED: the error is the
 * failed one's, already in ei. */
static int piped_result(PGconn *c, int err, yz_errinfo *ei)
{
    PGresult *r = PQgetResult(c);
    ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    if (r)
        PQclear(PQgetResult(c));
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK && !err)
        err = st == PGRES_PIPELINE_ABORTED ? yz__db_err(ei, YZ_EDB, "pipeline aborted")
                                          : yz__pg_fail(c, r, ei);
    PQclear(r);
    return err ? err : YZ_OK;
}

static int piped_once(pg_store *s, PGconn *c, int64_t lock, yz_pg_body *send, yz_pg_body *recv,
                      void *ctx, yz_errinfo *ei)
{
    if (!PQenterPipelineMode(c))
        return yz__pg_fail(c, NULL, ei);
    char sql[64];
    snprintf(sql, sizeof sql, "SELECT pg_advisory_xact_lock(%lld)", (long long)lock);
    bool bulk = atomic_load(&s->bulk);
    int err = YZ_OK;
    /* A custom plan of the batch's statement (a few CTEs) costs more to plan than to run. */
    if (!PQsendQueryParams(c, "BEGIN ISOLATION LEVEL READ COMMITTED", 0, NULL, NULL, NULL, NULL, 0) ||
        !PQsendQueryParams(c, "SET LOCAL plan_cache_mode = force_generic_plan", 0, NULL, NULL, NULL,
                           NULL, 0) ||
        (bulk && !PQsendQueryParams(c, "SET LOCAL synchronous_commit = off", 0, NULL, NULL, NULL,
                                    NULL, 0)) ||
        !PQsendQueryParams(c, sql, 0, NULL, NULL, NULL, NULL, 0))
        err = yz__pg_fail(c, NULL, ei);
    bool sent = !err && send(s, c, ctx, ei) == YZ_OK;
    if (!err && !sent)
        err = YZ_EDB;
    /* COMMIT goes in the same round trip; if anything before it fails, the server skips it */
    bool commit = sent && PQsendQueryParams(c, "COMMIT", 0, NULL, NULL, NULL, NULL, 0);
    if (sent && !commit)
        err = yz__pg_fail(c, NULL, ei);
    if (!PQpipelineSync(c) && !err)
        err = yz__pg_fail(c, NULL, ei);
    if (!err) {
        err = piped_result(c, err, ei); /* BEGIN */
        err = piped_result(c, err, ei); /* the plans */
        if (bulk)
            err = piped_result(c, err, ei);
        err = piped_result(c, err, ei); /* the lock */
        int rerr = recv(s, c, ctx, ei); /* reads what send sent, in order */
        err = err ? err : rerr;
        err = piped_result(c, err, ei); /* COMMIT: only now is the batch durable */
    }
    err = yz__pg_pipeline_end(c, err, ei);
    if (err && PQstatus(c) == CONNECTION_OK && PQtransactionStatus(c) != PQTRANS_IDLE) {
        bool mark = retry_mark;
        yz__pg_exec(c, "ROLLBACK", NULL, NULL, NULL);
        retry_mark = mark;
    }
    return err;
}

int yz__pg_tx_piped(pg_store *s, PGconn *c, int64_t lock, yz_pg_body *send, yz_pg_body *recv,
                    void *ctx, yz_errinfo *ei)
{
    int err = YZ_EDB;
    for (int attempt = 0; attempt < TX_TRIES; attempt++) {
        retry_mark = false;
        last_state[0] = '\0';
        if (attempt)
            usleep((useconds_t)(200 * attempt + (unsigned)rand() % (500u * (unsigned)attempt)));
        err = piped_once(s, c, lock, send, recv, ctx, ei);
        if (err && PQstatus(c) == CONNECTION_BAD)
            return unavailable(c, ei); /* the COMMIT may have happened: never run again */
        if (!err || !retry_mark)
            return err;
    }
    return busy(ei);
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

/* --- notification -------------------------------------------------------------------------- */

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

static int pg_bulk(yz_store *st, bool on, yz_errinfo *ei)
{
    (void)ei;
    atomic_store(&((pg_store *)st)->bulk, on);
    return YZ_OK;
}

static const yz_store_ops pg_ops = {
    .name = "postgresql",
    .close = pg_close,
    .bulk = pg_bulk,
    .watch = pg_watch,
    .unwatch = pg_unwatch,
};

int yz__store_pg_open(const char *conninfo, yz_store **out, yz_errinfo *ei)
{
    *out = NULL;
    pg_store *s = yz_calloc(1, sizeof *s);
    s->base.ops = &pg_ops;
    s->base.db = &yz__pg_driver;
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
        err = yz__store_seed_facilities(&s->base, ei);
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
