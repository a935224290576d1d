/* SPDX-License-Identifier: MIT */
/* store/db.c - the backend-independent half of store/db.h: parameters, the row loop with its
 * error kept until the end, and the fault hook of the tests. The drivers are in sqlite.c and
 * pg.c. */
#include "store/db.h"

#include "core/alloc.h"
#include "core/buf.h"

#include <assert.h>
#include <stdatomic.h>
#include <string.h>

/* Rows left before the injected read error; 0 when off. */
static _Atomic long fault_rows;

void yz_db_fault_after_rows(long n)
{
    atomic_store(&fault_rows, n > 0 ? n : 0);
}

/* True when this row is the one the test asked to fail. */
static bool fault_now(void)
{
    long left = atomic_load_explicit(&fault_rows, memory_order_relaxed);
    while (left > 0) {
        if (atomic_compare_exchange_weak(&fault_rows, &left, left - 1))
            return left == 1;
    }
    return false;
}

int yz_db_run(yz_store *st, int kind, yz_db_body *body, void *ctx, yz_errinfo *ei)
{
    return st->db->run(st, kind, body, ctx, ei);
}

yz_store *yz_db_store(const yz_db_tx *tx)
{
    return tx->st;
}

int yz_db_dialect_of(const yz_db_tx *tx)
{
    return tx->drv->dialect;
}

const char *yz_db_dialect(const yz_db_tx *tx, const char *sqlite, const char *pg)
{
    return tx->drv->dialect == YZ_DB_PG ? pg : sqlite;
}

int yz_db_lock(yz_db_tx *tx, int64_t lock, yz_errinfo *ei)
{
    if (tx->drv->dialect != YZ_DB_PG)
        return YZ_OK;
    yz_db_q q;
    yz_db_query(&q, tx, "SELECT pg_advisory_xact_lock($1)", ei);
    yz_db_i64(&q, lock);
    return yz_db_exec(&q, NULL);
}

int yz_db_notify(yz_db_tx *tx, const char *area, int64_t id, yz_errinfo *ei)
{
    return tx->drv->notify ? tx->drv->notify(tx, area, id, ei) : YZ_OK;
}

void yz_db_query(yz_db_q *q, yz_db_tx *tx, const char *sql, yz_errinfo *ei)
{
    q->tx = tx;
    q->sql = sql;
    q->ei = ei;
    q->err = YZ_OK;
    q->violation = YZ_DB_NO_VIOLATION;
    q->state = 0;
    q->n = 0;
    q->changes = 0;
    q->h = NULL;
    q->row = -1;
    q->rows = 0;
    q->slot = -1;
}

static struct yz_db_param *next_param(yz_db_q *q, int type)
{
    assert(q->state == 0 && q->n < YZ_DB_PARAMS_MAX);
    struct yz_db_param *p = &q->p[q->n++];
    memset(p, 0, sizeof *p);
    p->type = type;
    return p;
}

void yz_db_i64(yz_db_q *q, int64_t v)
{
    next_param(q, YZ_DB_T_I64)->i = v;
}

void yz_db_f64(yz_db_q *q, double v)
{
    next_param(q, YZ_DB_T_F64)->f = v;
}

void yz_db_bool(yz_db_q *q, bool v)
{
    next_param(q, YZ_DB_T_I64)->i = v ? 1 : 0;
}

void yz_db_text(yz_db_q *q, const char *v)
{
    if (!v) {
        yz_db_null(q);
        return;
    }
    struct yz_db_param *p = next_param(q, YZ_DB_T_TEXT);
    p->p = v;
    p->len = strlen(v);
}

void yz_db_str(yz_db_q *q, const char *v)
{
    yz_db_text(q, v && *v ? v : NULL);
}

void yz_db_blob(yz_db_q *q, const void *v, size_t n)
{
    struct yz_db_param *p = next_param(q, YZ_DB_T_BLOB);
    p->p = v;
    p->len = n;
}

void yz_db_null(yz_db_q *q)
{
    next_param(q, YZ_DB_T_NULL);
}

static _Atomic unsigned long long unavailable_total;

int yz__db_unavailable(yz_errinfo *ei, bool full)
{
    atomic_fetch_add(&unavailable_total, 1);
    if (full)
        return yz_err_set(ei, YZ_EUNAVAIL, "db", "存储空间已满，请稍后再试",
                          "the store is out of disk space; try again later");
    return yz_err_set(ei, YZ_EUNAVAIL, "db", "数据库繁忙，请稍后再试",
                      "the database is busy; try again shortly");
}

void yz__db_count_unavailable(void)
{
    atomic_fetch_add(&unavailable_total, 1);
}

unsigned long long yz_store_unavailable_total(void)
{
    return atomic_load(&unavailable_total);
}

int yz__db_err(yz_errinfo *ei, int code, const char *msg)
{
    return yz_err_setf(ei, code, "", "数据库错误：%s", "database error: %s", msg ? msg : "?");
}

int yz__db_fail(yz_db_q *q, int code, int violation, const char *msg)
{
    if (q->err)
        return q->err;
    q->err = code;
    q->violation = violation;
    yz__db_err(q->ei, code, msg);
    return code;
}

bool yz_db_row(yz_db_q *q)
{
    if (q->err || q->state == 2)
        return false;
    if (q->state == 0) {
        q->state = 1;
        q->tx->drv->start(q);
        if (q->err) {
            q->state = 2;
            return false;
        }
    }
    if (!q->tx->drv->next(q)) {
        q->state = 2;
        return false;
    }
    if (fault_now()) {
        yz__db_fail(q, YZ_EDB, YZ_DB_NO_VIOLATION, "injected read fault (test)");
        q->state = 2;
        return false;
    }
    return true;
}

bool yz_db_col_null(const yz_db_q *q, int col)
{
    return q->tx->drv->col_null(q, col);
}

const char *yz_db_col_text(const yz_db_q *q, int col)
{
    return q->tx->drv->col_text(q, col);
}

char *yz_db_col_str(const yz_db_q *q, int col)
{
    const char *t = q->tx->drv->col_text(q, col);
    return t ? yz_strdup(t) : NULL;
}

int64_t yz_db_col_i64(const yz_db_q *q, int col)
{
    return q->tx->drv->col_i64(q, col);
}

int yz_db_col_int(const yz_db_q *q, int col)
{
    return (int)q->tx->drv->col_i64(q, col);
}

double yz_db_col_f64(const yz_db_q *q, int col)
{
    return q->tx->drv->col_f64(q, col);
}

/* yz_db_end, for callers that have had the verdict already. */
static int end_q(yz_db_q *q)
{
    if (q->state != 3) {
        if (q->state != 0)
            q->tx->drv->finish(q);
        q->state = 3;
    }
    return q->err;
}

int yz_db_end(yz_db_q *q)
{
    return end_q(q);
}

int yz_db_exec(yz_db_q *q, int64_t *changes)
{
    while (yz_db_row(q))
        ;
    int err = yz_db_end(q);
    if (changes)
        *changes = err ? 0 : q->changes;
    return err;
}

void *yz_db_grow(void *a, size_t len, size_t *cap, size_t size)
{
    if (len < *cap)
        return a;
    *cap = *cap ? *cap * 2 : 16;
    return yz_reallocarray(a, *cap, size);
}

int yz_db_violation(const yz_db_q *q)
{
    return q->violation;
}

void yz__db_end_all(yz_db_q *qs, int nq)
{
    for (int k = 0; k < nq; k++)
        end_q(&qs[k]);
}

int yz_db_batch(yz_db_tx *tx, size_t n, yz_db_send_fn *send, yz_db_recv_fn *recv, void *ctx,
                size_t *failed, yz_errinfo *ei)
{
    *failed = n;
    if (tx->drv->batch)
        return tx->drv->batch(tx, n, send, recv, ctx, failed, ei);
    yz_db_q qs[YZ_DB_BATCH_Q];
    for (size_t i = 0; i < n; i++) {
        int nq = send(tx, i, qs, ctx, ei);
        assert(nq >= 0 && nq <= YZ_DB_BATCH_Q);
        int err = recv(qs, nq, i, ctx, ei);
        yz__db_end_all(qs, nq);
        if (err) {
            *failed = i;
            return err;
        }
    }
    return YZ_OK;
}

int yz_db_copy(yz_db_tx *tx, const char *table, const char *cols, int ncols, size_t n,
               yz_db_copy_row_fn *row, void *ctx, size_t *failed, yz_errinfo *ei)
{
    assert(ncols > 0 && ncols <= YZ_DB_PARAMS_MAX);
    *failed = n;
    if (tx->drv->copy)
        return tx->drv->copy(tx, table, cols, ncols, n, row, ctx, failed, ei);
    /* One INSERT, the same text every row: the driver keeps it prepared. */
    yz_buf sql;
    yz_buf_init(&sql);
    yz_buf_printf(&sql, "INSERT INTO %s (%s) VALUES (", table, cols);
    for (int k = 1; k <= ncols; k++)
        yz_buf_printf(&sql, k > 1 ? ",$%d" : "$%d", k);
    yz_buf_putc(&sql, ')');
    int err = YZ_OK;
    for (size_t i = 0; !err && i < n; i++) {
        yz_db_q q;
        yz_db_query(&q, tx, sql.data, ei);
        err = row(&q, i, ctx, ei);
        if (!err) {
            assert(q.n == ncols);
            err = yz_db_exec(&q, NULL);
        } else {
            int ignored = yz_db_end(&q); /* not run: nothing to say beyond the row's error */
            (void)ignored;
        }
        if (err)
            *failed = i;
    }
    yz_buf_fini(&sql);
    return err;
}

int yz_db_conn_open(yz_store *st, yz_db_conn **out, yz_errinfo *ei)
{
    return st->db->conn_open(st, out, ei);
}

int yz_db_conn_run(yz_db_conn *c, int64_t lock, yz_db_body *body, void *ctx, yz_errinfo *ei)
{
    return c->drv->conn_run(c, lock, body, ctx, ei);
}

typedef struct one_ctx {
    yz_db_send_fn *send;
    yz_db_recv_fn *recv;
    void *ctx;
} one_ctx;

static int one_body(yz_db_tx *tx, void *arg, yz_errinfo *ei)
{
    one_ctx *x = arg;
    yz_db_q qs[YZ_DB_BATCH_Q];
    int nq = x->send(tx, 0, qs, x->ctx, ei);
    assert(nq >= 0 && nq <= YZ_DB_BATCH_Q);
    int err = x->recv(qs, nq, 0, x->ctx, ei);
    yz__db_end_all(qs, nq);
    return err;
}

int yz_db_conn_run_one(yz_db_conn *c, int64_t lock, yz_db_send_fn *send, yz_db_recv_fn *recv,
                       void *ctx, yz_errinfo *ei)
{
    if (c->drv->conn_run_one)
        return c->drv->conn_run_one(c, lock, send, recv, ctx, ei);
    one_ctx x = {send, recv, ctx};
    return c->drv->conn_run(c, lock, one_body, &x, ei);
}

int yz_db_conn_dialect(const yz_db_conn *c)
{
    return c->drv->dialect;
}

void yz_db_conn_close(yz_db_conn *c)
{
    if (c)
        c->drv->conn_close(c);
}

int yz_db_check_version(int64_t if_version, int64_t version, yz_errinfo *ei)
{
    if (if_version > 0 && if_version != version)
        return yz_err_setf(ei, YZ_ESTALE, "version",
                           "版本 %lld 已过期，当前版本为 %lld，请刷新后重试",
                           "version %lld is stale, the current one is %lld; reload and retry",
                           (long long)if_version, (long long)version);
    return YZ_OK;
}
