/* SPDX-License-Identifier: MIT */
/* store/pg_db.c - the PostgreSQL driver of store/db.h: transactions through yz__pg_tx
 * (SERIALIZABLE, the body run again after a serialization failure, a deadlock or a
 * connection lost before COMMIT) or yz__pg_read1, statements sent with their parameters in
 * text form and their rows read from the result. Built when libpq is found. */
#ifdef YZ_HAVE_PG

#include "store/pg_int.h"

#include "core/alloc.h"
#include "core/buf.h"

#include <assert.h>
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

/* q's parameters in text form: v[i] points into num[i] or hex[i] (to free) or q's strings. */
typedef struct pg_params {
    const char *v[YZ_DB_PARAMS_MAX];
    char num[YZ_DB_PARAMS_MAX][32];
    char *hex[YZ_DB_PARAMS_MAX];
} pg_params;

static void params_text(const yz_db_q *q, pg_params *t)
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

static void params_free(const yz_db_q *q, pg_params *t)
{
    for (int i = 0; i < q->n; i++)
        yz_free(t->hex[i]);
}

/* q's answer is the result `r` (taken). */
static void take_result(yz_db_q *q, PGresult *r)
{
    q->h = r;
    q->rows = PQntuples(r);
    q->row = -1;
    const char *t2 = PQcmdTuples(r);
    q->changes = t2 && *t2 ? strtoll(t2, NULL, 10) : 0;
}

static void pd_start(yz_db_q *q)
{
    pg_tx *t = (pg_tx *)q->tx;
    pg_params pp;
    params_text(q, &pp);
    PGresult *r = yz__pg_query_v(t->c, q->sql, pp.v, q->n, q->ei);
    params_free(q, &pp);
    if (!r) { /* ei is filled; the SQLSTATE and the retry mark are kept for yz__pg_tx */
        q->err = YZ_EDB;
        q->violation = violation_of(yz__pg_sqlstate());
        return;
    }
    take_result(q, r);
}

/* A statement sent in a pipeline has q->rows == SENT until its answer is read. */
#define SENT (-1)

/* Read the answer of q, sent in a pipeline: the next result on the connection. */
static void fetch(yz_db_q *q)
{
    pg_tx *t = (pg_tx *)q->tx;
    q->rows = 0;
    PGresult *r = PQgetResult(t->c);
    if (r)
        PQclear(PQgetResult(t->c)); /* the NULL that ends its answer */
    ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK) {
        take_result(q, r);
        return;
    }
    if (st == PGRES_PIPELINE_ABORTED) {
        q->err = YZ_EDB; /* a statement before it failed: that error, in ei, is the one */
    } else {
        yz__pg_fail(t->c, r, q->ei);
        q->err = YZ_EDB;
        q->violation = violation_of(yz__pg_sqlstate());
    }
    PQclear(r);
}

static bool pd_next(yz_db_q *q)
{
    if (q->rows == SENT) {
        fetch(q);
        if (q->err)
            return false;
    }
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
    if (q->rows == SENT) /* answers are read in order: read this one to drop it */
        fetch(q);
    PQclear(q->h);
    q->h = NULL;
}

static int pd_notify(yz_db_tx *tx, const char *area, int64_t id, yz_errinfo *ei)
{
    pg_tx *t = (pg_tx *)tx;
    return yz__pg_notify_id(t->s, t->c, area, id, ei);
}

/* --- batches ------------------------------------------------------------------------------ */

/* Items a pipeline carries before its answers are read: enough that the round trips vanish,
 * few enough that neither side's socket buffer fills while the other is still writing. */
#define BATCH_CHUNK 256

/* The statements of a batch, prepared on its connection once (parsed and planned once, not
 * once a row), named by their text's hash. */
typedef struct batch_stmts {
    int n;
    struct {
        const char *sql; /* the area's text, by address */
        char name[24];
    } e[16];
} batch_stmts;

static int too_many(yz_errinfo *ei)
{
    return yz_err_set(ei, YZ_EINTERNAL, "", "批量语句过多", "too many statements in a batch");
}

/* The name of q's statement prepared on `c`: looked up among those the batch has, else
 * prepared unless the connection has it from an earlier batch. NULL with ei filled on error. */
static const char *prepared(PGconn *c, batch_stmts *b, const char *sql, yz_errinfo *ei)
{
    for (int i = 0; i < b->n; i++)
        if (b->e[i].sql == sql)
            return b->e[i].name;
    if (b->n == (int)(sizeof b->e / sizeof *b->e)) {
        too_many(ei);
        return NULL;
    }
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (const char *p = sql; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ull;
    char *name = b->e[b->n].name;
    snprintf(name, sizeof b->e[b->n].name, "yz_b%016llx", (unsigned long long)h);
    const char *v[1] = {name};
    PGresult *r =
        yz__pg_query_v(c, "SELECT 1 FROM pg_prepared_statements WHERE name = $1", v, 1, ei);
    if (!r)
        return NULL;
    bool have = PQntuples(r) > 0;
    PQclear(r);
    if (!have) {
        r = PQprepare(c, name, sql, 0, NULL);
        int err = r && PQresultStatus(r) == PGRES_COMMAND_OK ? YZ_OK : yz__pg_fail(c, r, ei);
        PQclear(r);
        if (err)
            return NULL;
    }
    b->e[b->n++].sql = sql;
    return name;
}

/* Items from..to-1: sent in one pipeline, then read. */
static int batch_chunk(pg_tx *t, size_t from, size_t to, yz_db_send_fn *send, yz_db_recv_fn *recv,
                       void *ctx, yz_db_q *qs, batch_stmts *b, size_t *failed, yz_errinfo *ei)
{
    PGconn *c = t->c;
    int nq[BATCH_CHUNK];
    int err = YZ_OK;
    for (size_t i = from; i < to; i++) {
        nq[i - from] = send(&t->base, i, &qs[(i - from) * YZ_DB_BATCH_Q], ctx, ei);
        for (int k = 0; !err && k < nq[i - from]; k++)
            if (!prepared(c, b, qs[(i - from) * YZ_DB_BATCH_Q + k].sql, ei))
                err = YZ_EDB;
    }
    bool piped = !err && PQenterPipelineMode(c);
    if (!err && !piped)
        err = yz__pg_fail(c, NULL, ei);
    for (size_t i = from; !err && i < to; i++) {
        for (int k = 0; k < nq[i - from]; k++) {
            yz_db_q *q = &qs[(i - from) * YZ_DB_BATCH_Q + k];
            pg_params pp;
            params_text(q, &pp);
            int ok = PQsendQueryPrepared(c, prepared(c, b, q->sql, ei), q->n, pp.v, NULL, NULL, 0);
            params_free(q, &pp);
            if (!ok) {
                err = yz__pg_fail(c, NULL, ei);
                *failed = i;
                break;
            }
            q->state = 1;   /* running, */
            q->rows = SENT; /* its answer to come */
        }
    }
    if (piped && !PQpipelineSync(c) && !err)
        err = yz__pg_fail(c, NULL, ei);
    for (size_t i = from; i < to; i++) {
        yz_db_q *q = &qs[(i - from) * YZ_DB_BATCH_Q];
        if (!err) {
            err = recv(q, nq[i - from], i, ctx, ei);
            if (err)
                *failed = i;
        }
        yz__db_end_all(q, nq[i - from]);
    }
    return piped ? yz__pg_pipeline_end(c, err, ei) : err;
}

static int pd_batch(yz_db_tx *tx, size_t n, yz_db_send_fn *send, yz_db_recv_fn *recv, void *ctx,
                    size_t *failed, yz_errinfo *ei)
{
    pg_tx *t = (pg_tx *)tx;
    yz_db_q *qs = yz_calloc(BATCH_CHUNK * YZ_DB_BATCH_Q, sizeof *qs);
    batch_stmts b = {0};
    int err = YZ_OK;
    for (size_t from = 0; !err && from < n; from += BATCH_CHUNK) {
        size_t to = n - from > BATCH_CHUNK ? from + BATCH_CHUNK : n;
        err = batch_chunk(t, from, to, send, recv, ctx, qs, &b, failed, ei);
    }
    yz_free(qs);
    return err;
}

/* --- COPY ----------------------------------------------------------------------------------- */

/* Bytes of COPY data gathered before they are handed to libpq. */
#define COPY_CHUNK (256 * 1024)

/* Append one value in COPY's text form: \N for NULL; in text, backslash, tab, newline and
 * carriage return escaped (the only bytes the format gives a meaning to). */
static void copy_value(yz_buf *b, const struct yz_db_param *p)
{
    char num[32];
    int len;
    switch (p->type) {
    case YZ_DB_T_I64:
        len = snprintf(num, sizeof num, "%lld", (long long)p->i);
        yz_buf_append(b, num, (size_t)len);
        break;
    case YZ_DB_T_F64:
        len = snprintf(num, sizeof num, "%.17g", p->f);
        yz_buf_append(b, num, (size_t)len);
        break;
    case YZ_DB_T_TEXT: {
        const char *v = p->p;
        size_t from = 0;
        for (size_t k = 0; k < p->len; k++) {
            char e = v[k] == '\\' ? '\\' : v[k] == '\t' ? 't' : v[k] == '\n' ? 'n'
                     : v[k] == '\r' ? 'r' : 0;
            if (!e)
                continue;
            yz_buf_append(b, v + from, k - from);
            yz_buf_putc(b, '\\');
            yz_buf_putc(b, e);
            from = k + 1;
        }
        yz_buf_append(b, v + from, p->len - from);
        break;
    }
    default: /* NULL; blobs are not copied (no table that is loaded in bulk has one) */
        assert(p->type == YZ_DB_T_NULL);
        yz_buf_puts(b, "\\N");
        break;
    }
}

static int copy_put(PGconn *c, yz_buf *b, yz_errinfo *ei)
{
    if (b->len && PQputCopyData(c, b->data, (int)b->len) != 1)
        return yz__pg_fail(c, NULL, ei);
    yz_buf_reset(b);
    return YZ_OK;
}

static int pd_copy(yz_db_tx *tx, const char *table, const char *cols, int ncols, size_t n,
                   yz_db_copy_row_fn *row, void *ctx, size_t *failed, yz_errinfo *ei)
{
    pg_tx *t = (pg_tx *)tx;
    yz_buf b;
    yz_buf_init(&b);
    yz_buf_printf(&b, "COPY %s (%s) FROM STDIN", table, cols);
    PGresult *r = PQexec(t->c, b.data);
    yz_buf_reset(&b);
    if (PQresultStatus(r) != PGRES_COPY_IN) {
        int err = yz__pg_fail(t->c, r, ei);
        PQclear(r);
        yz_buf_fini(&b);
        return err;
    }
    PQclear(r);
    int err = YZ_OK;
    for (size_t i = 0; !err && i < n; i++) {
        yz_db_q q;
        yz_db_query(&q, tx, NULL, ei);
        err = row(&q, i, ctx, ei);
        if (err) {
            *failed = i;
            break;
        }
        assert(q.n == ncols);
        for (int k = 0; k < q.n; k++) {
            if (k)
                yz_buf_putc(&b, '\t');
            copy_value(&b, &q.p[k]);
        }
        yz_buf_putc(&b, '\n');
        if (b.len >= COPY_CHUNK)
            err = copy_put(t->c, &b, ei);
    }
    if (!err)
        err = copy_put(t->c, &b, ei);
    /* End the COPY either way; aborting it makes the server fail it (and the transaction). */
    if (PQputCopyEnd(t->c, err ? "aborted by the client" : NULL) != 1 && !err)
        err = yz__pg_fail(t->c, NULL, ei);
    for (PGresult *res; (res = PQgetResult(t->c));) {
        if (!err && PQresultStatus(res) != PGRES_COMMAND_OK)
            err = yz__pg_fail(t->c, res, ei);
        PQclear(res);
    }
    yz_buf_fini(&b);
    return err;
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
    /* conn_run_one's statements prepared on the session of backend `pid` (texts by address) */
    int pid;
    int nprep;
    const char *prep[8];
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

/* The connection of `c`, opened again when it was lost: 0, or YZ_EUNAVAIL with `ei` set. */
static int conn_ready(pg_conn *c, yz_errinfo *ei)
{
    if (c->c && PQstatus(c->c) != CONNECTION_OK) {
        PQfinish(c->c);
        c->c = NULL;
    }
    if (!c->c)
        c->c = yz__pg_connect(c->s, ei);
    return c->c ? 0 : YZ_EUNAVAIL;
}

static int pd_conn_run(yz_db_conn *base, int64_t lock, yz_db_body *body, void *ctx,
                       yz_errinfo *ei)
{
    pg_conn *c = (pg_conn *)base;
    if (conn_ready(c, ei))
        return YZ_EUNAVAIL;
    run_ctx x = {body, ctx};
    return yz__pg_tx_locked_on(c->s, c->c, lock, run_body, &x, ei);
}

/* The name of a statement prepared by conn_run_one: by its text's address, which is stable. */
static void prep_name(char *name, size_t size, const char *sql)
{
    snprintf(name, size, "yz_1_%llx", (unsigned long long)(uintptr_t)sql);
}

typedef struct one_run {
    pg_conn *pc;
    yz_db_send_fn *send;
    yz_db_recv_fn *recv;
    void *ctx;
    pg_tx t;
    yz_db_q qs[YZ_DB_BATCH_Q];
    int nq;
    bool fresh[YZ_DB_BATCH_Q]; /* prepared in this pipeline: its answer to read first */
} one_run;

static bool have_prep(pg_conn *pc, const char *sql)
{
    for (int i = 0; i < pc->nprep; i++)
        if (pc->prep[i] == sql)
            return true;
    return false;
}

static int one_send(pg_store *s, PGconn *c, void *arg, yz_errinfo *ei)
{
    one_run *x = arg;
    pg_conn *pc = x->pc;
    if (pc->pid != PQbackendPID(c)) { /* a new session has none of them */
        pc->pid = PQbackendPID(c);
        pc->nprep = 0;
    }
    x->t = (pg_tx){{&yz__pg_driver, &s->base}, s, c};
    x->nq = x->send(&x->t.base, 0, x->qs, x->ctx, ei);
    char name[40];
    for (int k = 0; k < x->nq; k++) {
        yz_db_q *q = &x->qs[k];
        if (q->err)
            return q->err;
        prep_name(name, sizeof name, q->sql);
        x->fresh[k] = !have_prep(pc, q->sql);
        if (x->fresh[k]) {
            if (pc->nprep == (int)(sizeof pc->prep / sizeof *pc->prep))
                return too_many(ei);
            if (!PQsendPrepare(c, name, q->sql, 0, NULL))
                return yz__pg_fail(c, NULL, ei);
            pc->prep[pc->nprep++] = q->sql;
        }
        pg_params pp;
        params_text(q, &pp);
        int ok = PQsendQueryPrepared(c, name, q->n, pp.v, NULL, NULL, 0);
        params_free(q, &pp);
        if (!ok)
            return yz__pg_fail(c, NULL, ei);
        q->state = 1;   /* running, */
        q->rows = SENT; /* its answer to come */
    }
    return YZ_OK;
}

static int one_recv(pg_store *s, PGconn *c, void *arg, yz_errinfo *ei)
{
    (void)s;
    one_run *x = arg;
    int err = YZ_OK;
    for (int k = 0; k < x->nq; k++) {
        if (!x->fresh[k])
            continue;
        PGresult *r = PQgetResult(c); /* the Prepare's answer, before its statement's */
        if (r)
            PQclear(PQgetResult(c));
        ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
        if (st != PGRES_COMMAND_OK && !err)
            err = st == PGRES_PIPELINE_ABORTED ? YZ_EDB : yz__pg_fail(c, r, ei);
        PQclear(r);
    }
    int rerr = x->recv(x->qs, x->nq, 0, x->ctx, ei);
    yz__db_end_all(x->qs, x->nq); /* reads the answers recv left */
    return err ? err : rerr;
}

static int pd_conn_run_one(yz_db_conn *base, int64_t lock, yz_db_send_fn *send,
                           yz_db_recv_fn *recv, void *ctx, yz_errinfo *ei)
{
    pg_conn *c = (pg_conn *)base;
    if (conn_ready(c, ei))
        return YZ_EUNAVAIL;
    one_run x = {.pc = c, .send = send, .recv = recv, .ctx = ctx};
    int err = yz__pg_tx_piped(c->s, c->c, lock, one_send, one_recv, &x, ei);
    if (err && PQstatus(c->c) == CONNECTION_OK) {
        /* a Prepare that failed or was skipped left no statement: forget them all */
        PGresult *r = PQexec(c->c, "DEALLOCATE ALL");
        PQclear(r);
        c->nprep = 0;
    }
    return err;
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
    .copy = pd_copy,
    .conn_open = pd_conn_open,
    .conn_run = pd_conn_run,
    .conn_run_one = pd_conn_run_one,
    .conn_close = pd_conn_close,
};

#endif /* YZ_HAVE_PG */
