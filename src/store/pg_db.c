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

static void pd_start(yz_db_q *q)
{
    pg_tx *t = (pg_tx *)q->tx;
    const char *v[YZ_DB_PARAMS_MAX];
    char num[YZ_DB_PARAMS_MAX][32];
    char *hex[YZ_DB_PARAMS_MAX] = {0};
    for (int i = 0; i < q->n; i++) {
        const struct yz_db_param *p = &q->p[i];
        switch (p->type) {
        case YZ_DB_T_I64:
            snprintf(num[i], sizeof num[i], "%lld", (long long)p->i);
            v[i] = num[i];
            break;
        case YZ_DB_T_F64:
            snprintf(num[i], sizeof num[i], "%.17g", p->f);
            v[i] = num[i];
            break;
        case YZ_DB_T_TEXT:
            v[i] = p->p;
            break;
        case YZ_DB_T_BLOB: {
            static const char digits[] = "0123456789abcdef";
            const unsigned char *b = p->p;
            hex[i] = yz_malloc(2 * p->len + 3);
            hex[i][0] = '\\';
            hex[i][1] = 'x';
            for (size_t k = 0; k < p->len; k++) {
                hex[i][2 + 2 * k] = digits[b[k] >> 4];
                hex[i][3 + 2 * k] = digits[b[k] & 15];
            }
            hex[i][2 + 2 * p->len] = '\0';
            v[i] = hex[i];
            break;
        }
        default:
            v[i] = NULL;
            break;
        }
    }
    PGresult *r = yz__pg_query_v(t->c, q->sql, v, q->n, q->ei);
    for (int i = 0; i < q->n; i++)
        yz_free(hex[i]);
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

int yz__pg_run_locked_on(pg_store *s, PGconn *c, int64_t lock, yz_db_body *body, void *ctx,
                         yz_errinfo *ei)
{
    run_ctx x = {body, ctx};
    return yz__pg_tx_locked_on(s, c, lock, run_body, &x, ei);
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
};

#endif /* YZ_HAVE_PG */
