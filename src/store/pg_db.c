/* SPDX-License-Identifier: MIT */
/* store/pg_db.c - the PostgreSQL driver of store/db.h: transactions through yz__pg_tx
 * (SERIALIZABLE, the body run again after a serialization failure, a deadlock or a
 * connection lost before COMMIT) or yz__pg_read1, statements sent with their parameters in
 * text form and their rows read from the result. Built when libpq is found. */
#ifdef YZ_HAVE_PG

#include "store/pg_int.h"

#include "core/alloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct pg_tx {
    yz_db_tx base;
    pg_store *s;
    PGconn *c;
} pg_tx;

static int violation_of(const char *state)
{
    if (!strcmp(state, "23505"))
        return YZ_DB_UNIQUE;
    if (!strcmp(state, "23514") || !strcmp(state, "23502"))
        return YZ_DB_CHECK;
    if (!strcmp(state, "23503"))
        return YZ_DB_FOREIGN;
    return YZ_DB_NO_VIOLATION;
}

/* A statement's parameters in text form, as libpq takes them. */
typedef struct text_params {
    const char *v[YZ_DB_PARAMS_MAX];
    char num[YZ_DB_PARAMS_MAX][32];
    char *hex[YZ_DB_PARAMS_MAX]; /* owned: bytea in hex */
} text_params;

static void params_init(text_params *t, const yz_db_q *q)
{
    for (int i = 0; i < q->n; i++) {
        const struct yz_db_param *p = &q->p[i];
        t->hex[i] = NULL;
        switch (p->type) {
        case YZ_DB_T_I64:
            snprintf(t->num[i], sizeof t->num[i], "%lld", (long long)p->i);
            t->v[i] = t->num[i];
            break;
        case YZ_DB_T_F64:
            snprintf(t->num[i], sizeof t->num[i], "%.17g", p->f);
            t->v[i] = t->num[i];
            break;
        case YZ_DB_T_TEXT:
            t->v[i] = p->p;
            break;
        case YZ_DB_T_BLOB: {
            static const char digits[] = "0123456789abcdef";
            const unsigned char *b = p->p;
            char *h = yz_malloc(2 * p->len + 3);
            h[0] = '\\';
            h[1] = 'x';
            for (size_t k = 0; k < p->len; k++) {
                h[2 + 2 * k] = digits[b[k] >> 4];
                h[3 + 2 * k] = digits[b[k] & 15];
            }
            h[2 + 2 * p->len] = '\0';
            t->hex[i] = h;
            t->v[i] = h;
            break;
        }
        default:
            t->v[i] = NULL;
            break;
        }
    }
}

static void params_fini(text_params *t, const yz_db_q *q)
{
    for (int i = 0; i < q->n; i++)
        yz_free(t->hex[i]);
}

static void pd_start(yz_db_q *q)
{
    pg_tx *t = (pg_tx *)q->tx;
    text_params tp;
    params_init(&tp, q);
    PGresult *r = yz__pg_query_v(t->c, q->sql, tp.v, q->n, q->ei);
    params_fini(&tp, q);
    if (!r) { /* ei is filled; the SQLSTATE and the retry mark are kept for yz__pg_tx */
        q->err = YZ_EDB;
        q->violation = violation_of(yz__pg_sqlstate());
        return;
    }
    q->h = r;
    q->rows = PQntuples(r);
    q->row = -1;
    const char *t2 = PQcmdTuples(r);
    q->changes = t2 && *t2 ? strtoll(t2, NULL, 10) : 0;
}

static bool pd_next(yz_db_q *q)
{
    if (q->row + 1 >= q->rows)
        return false;
    q->row++;
    return true;
}

static bool pd_col_null(const yz_db_q *q, int col)
{
    return PQgetisnull(q->h, q->row, col) != 0;
}

static const char *pd_col_text(const yz_db_q *q, int col)
{
    return PQgetisnull(q->h, q->row, col) ? NULL : PQgetvalue(q->h, q->row, col);
}

static int64_t pd_col_i64(const yz_db_q *q, int col)
{
    const char *t = pd_col_text(q, col);
    if (!t)
        return 0;
    if (t[0] == 't' && t[1] == '\0') /* a boolean expression */
        return 1;
    return strtoll(t, NULL, 10);
}

static double pd_col_f64(const yz_db_q *q, int col)
{
    const char *t = pd_col_text(q, col);
    return t ? strtod(t, NULL) : 0;
}

static void pd_finish(yz_db_q *q)
{
    PQclear(q->h);
    q->h = NULL;
}

static int pd_notify(yz_db_tx *tx, const char *area, int64_t id, yz_errinfo *ei)
{
    pg_tx *t = (pg_tx *)tx;
    return yz__pg_notify_id(t->s, t->c, area, id, ei);
}

/* yz_db_batch in libpq's pipeline mode: the statement prepared once (unnamed, so a connection
 * reset after a restart of the server needs nothing again), every run sent, then every answer
 * read: one round trip for the lot. The server still runs them one after the other, each
 * seeing the ones before; after a failure the rest come back aborted. */
static int pd_batch(yz_db_tx *tx, const char *sql, size_t n, yz_db_bind_cb *bind,
                    yz_db_row_cb *row, void *ctx, yz_errinfo *ei)
{
    PGconn *c = ((pg_tx *)tx)->c;
    if (n == 0)
        return YZ_OK;
    if (!PQenterPipelineMode(c))
        return yz__pg_fail(c, NULL, ei);
    int err = YZ_OK;
    size_t sent = 0;
    bool prepared = PQsendPrepare(c, "", sql, 0, NULL) == 1;
    for (; prepared && sent < n; sent++) {
        yz_db_q q;
        yz_db_query(&q, tx, sql, ei);
        bind(&q, sent, ctx);
        text_params tp;
        params_init(&tp, &q);
        int ok = PQsendQueryPrepared(c, "", q.n, tp.v, NULL, NULL, 0);
        params_fini(&tp, &q);
        if (!ok)
            break;
    }
    if (!prepared || sent < n || !PQpipelineSync(c))
        err = yz__pg_fail(c, NULL, ei);
    /* Each answer is a result followed by a NULL: the preparation's, then each run's. */
    for (size_t i = 0; prepared && i <= sent; i++) {
        PGresult *r = PQgetResult(c);
        if (!r) {
            err = err ? err : yz__pg_fail(c, NULL, ei);
            break;
        }
        ExecStatusType st = PQresultStatus(r);
        if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
            if (!err)
                err = yz__pg_fail(c, r, ei);
        } else if (i > 0 && row && !err) {
            yz_db_q q;
            yz_db_query(&q, tx, sql, ei);
            q.h = r;
            q.rows = PQntuples(r);
            for (q.row = 0; q.row < q.rows; q.row++)
                row(&q, i - 1, ctx);
        }
        PQclear(r);
        PQclear(PQgetResult(c));
    }
    return yz__pg_pipeline_end(c, err, ei);
}

typedef struct run_ctx {
    yz_db_body *body;
    void *ctx;
} run_ctx;

static int run_body(pg_store *s, PGconn *c, void *arg, yz_errinfo *ei)
{
    run_ctx *x = arg;
    pg_tx t = {{&yz__pg_driver, &s->base}, s, c};
    return x->body(&t.base, x->ctx, ei);
}

static int pd_run(yz_store *st, int kind, yz_db_body *body, void *ctx, yz_errinfo *ei)
{
    run_ctx x = {body, ctx};
    if (kind == YZ_DB_READ1)
        return yz__pg_read1((pg_store *)st, run_body, &x, ei);
    return yz__pg_tx((pg_store *)st, run_body, &x, ei);
}

/* --- a connection of its own ------------------------------------------------------------- */

typedef struct pg_conn {
    yz_db_conn base;
    pg_store *s;
    PGconn *c; /* NULL after it was lost and could not be opened again */
} pg_conn;

static int pd_conn_open(yz_store *st, yz_db_conn **out, yz_errinfo *ei)
{
    pg_store *s = (pg_store *)st;
    *out = NULL;
    PGconn *pc = yz__pg_connect(s, ei);
    if (!pc)
        return YZ_EUNAVAIL;
    pg_conn *c = yz_calloc(1, sizeof *c);
    c->base.drv = &yz__pg_driver;
    c->base.st = st;
    c->s = s;
    c->c = pc;
    *out = &c->base;
    return YZ_OK;
}

static int pd_conn_run(yz_db_conn *base, int64_t lock, yz_db_body *body, void *ctx,
                       yz_errinfo *ei)
{
    pg_conn *c = (pg_conn *)base;
    if (c->c && PQstatus(c->c) != CONNECTION_OK) {
        PQfinish(c->c);
        c->c = NULL;
    }
    if (!c->c) {
        c->c = yz__pg_connect(c->s, ei);
        if (!c->c)
            return YZ_EUNAVAIL;
    }
    run_ctx x = {body, ctx};
    return yz__pg_tx_locked_on(c->s, c->c, lock, run_body, &x, ei);
}

static void pd_conn_close(yz_db_conn *base)
{
    pg_conn *c = (pg_conn *)base;
    PQfinish(c->c);
    yz_free(c);
}

const yz_db_driver yz__pg_driver = {
    .dialect = YZ_DB_PG,
    .run = pd_run,
    .start = pd_start,
    .next = pd_next,
    .col_null = pd_col_null,
    .col_text = pd_col_text,
    .col_i64 = pd_col_i64,
    .col_f64 = pd_col_f64,
    .finish = pd_finish,
    .notify = pd_notify,
    .batch = pd_batch,
    .conn_open = pd_conn_open,
    .conn_run = pd_conn_run,
    .conn_close = pd_conn_close,
};

#endif /* YZ_HAVE_PG */
