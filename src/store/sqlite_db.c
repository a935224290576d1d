/* SPDX-License-Identifier: MIT */
/* store/sqlite_db.c - the SQLite driver of store/db.h: transactions on the store's one
 * connection under its mutex (BEGIN IMMEDIATE for writes, so the check and the write of a
 * rule are never split by another writer), and statements kept prepared by their text. The
 * areas' $N parameters are run as SQLite's ?N (the same numbering). */
#include "store/sqlite_int.h"

#include "core/alloc.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

typedef struct sq_tx {
    yz_db_tx base;
    sqlite3 *db;
    sq_stmt_cache *cache;
} sq_tx;

static uint64_t hash_sql(const char *s)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

/* `sql` with each $N outside quotes written ?N. Owned. */
static char *sqlite_params(const char *sql)
{
    char *out = yz_strdup(sql);
    char quote = 0;
    for (char *p = out; *p; p++) {
        if (quote) {
            if (*p == quote)
                quote = 0;
        } else if (*p == '\'' || *p == '"') {
            quote = *p;
        } else if (*p == '$' && p[1] >= '0' && p[1] <= '9') {
            *p = '?';
        }
    }
    return out;
}

/* Busy, locked (past the busy timeout) or a full disk: the database cannot take the request
 * for now, which the client is told plainly (503) rather than as a database error. */
static bool unavailable_rc(int rc)
{
    rc &= 0xff;
    return rc == SQLITE_BUSY || rc == SQLITE_LOCKED || rc == SQLITE_FULL;
}

static void fail_db(yz_db_q *q, sqlite3 *db)
{
    int ext = sqlite3_extended_errcode(db);
    int v = YZ_DB_NO_VIOLATION;
    if (ext == SQLITE_CONSTRAINT_UNIQUE || ext == SQLITE_CONSTRAINT_PRIMARYKEY)
        v = YZ_DB_UNIQUE;
    else if (ext == SQLITE_CONSTRAINT_CHECK || ext == SQLITE_CONSTRAINT_NOTNULL)
        v = YZ_DB_CHECK;
    else if (ext == SQLITE_CONSTRAINT_FOREIGNKEY)
        v = YZ_DB_FOREIGN;
    if (unavailable_rc(ext) && !q->err) {
        q->err = yz__db_unavailable(q->ei, (ext & 0xff) == SQLITE_FULL);
        return;
    }
    yz__db_fail(q, YZ_EDB, v, sqlite3_errmsg(db));
}

/* The prepared statement for q->sql: from the cache, or prepared now (and cached when a slot
 * is free or can be taken; a statement whose cached copy is in use gets one of its own). */
static sqlite3_stmt *stmt_for(yz_db_q *q, sq_tx *t)
{
    sq_stmt_cache *c = t->cache;
    /* The same text at the same address, as a statement run once a row of an import is:
     * found without hashing it. */
    for (int i = 0; i < YZ_SQ_STMTS; i++) {
        if (c->e[i].key == q->sql && !c->e[i].busy && !strcmp(c->e[i].sql, q->sql)) {
            c->e[i].busy = true;
            q->slot = i;
            return c->e[i].st;
        }
    }
    uint64_t h = hash_sql(q->sql);
    for (int i = 0; i < YZ_SQ_STMTS; i++) {
        if (c->e[i].sql && c->e[i].hash == h && !c->e[i].busy && !strcmp(c->e[i].sql, q->sql)) {
            c->e[i].busy = true;
            c->e[i].key = q->sql;
            q->slot = i;
            return c->e[i].st;
        }
    }
    char *text = sqlite_params(q->sql);
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v3(t->db, text, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL);
    yz_free(text);
    if (rc != SQLITE_OK) {
        fail_db(q, t->db);
        return NULL;
    }
    int slot = -1;
    for (int i = 0; i < YZ_SQ_STMTS && slot < 0; i++)
        if (!c->e[i].sql)
            slot = i;
    for (int tries = 0; slot < 0 && tries < YZ_SQ_STMTS; tries++) {
        int i = (int)(c->evict++ % YZ_SQ_STMTS);
        if (!c->e[i].busy) {
            sqlite3_finalize(c->e[i].st);
            yz_free(c->e[i].sql);
            c->e[i].sql = NULL;
            slot = i;
        }
    }
    if (slot >= 0) {
        c->e[slot].hash = h;
        c->e[slot].sql = yz_strdup(q->sql);
        c->e[slot].key = q->sql;
        c->e[slot].st = st;
        c->e[slot].busy = true;
    }
    q->slot = slot;
    return st;
}

void yz__sq_cache_free(sq_stmt_cache *c)
{
    for (int i = 0; i < YZ_SQ_STMTS; i++) {
        if (c->e[i].sql) {
            sqlite3_finalize(c->e[i].st);
            yz_free(c->e[i].sql);
            c->e[i].sql = NULL;
        }
    }
}

static void sq_start(yz_db_q *q)
{
    sq_tx *t = (sq_tx *)q->tx;
    sqlite3_stmt *st = stmt_for(q, t);
    if (!st)
        return;
    q->h = st;
    for (int i = 0; i < q->n; i++) {
        const struct yz_db_param *p = &q->p[i];
        int rc = SQLITE_OK;
        switch (p->type) {
        case YZ_DB_T_I64:
            rc = sqlite3_bind_int64(st, i + 1, p->i);
            break;
        case YZ_DB_T_F64:
            rc = sqlite3_bind_double(st, i + 1, p->f);
            break;
        case YZ_DB_T_TEXT:
            rc = sqlite3_bind_text(st, i + 1, p->p, (int)p->len, SQLITE_STATIC);
            break;
        case YZ_DB_T_BLOB:
            rc = sqlite3_bind_blob(st, i + 1, p->p, (int)p->len, SQLITE_STATIC);
            break;
        default:
            rc = sqlite3_bind_null(st, i + 1);
            break;
        }
        if (rc != SQLITE_OK) {
            fail_db(q, t->db);
            return;
        }
    }
}

static bool sq_next(yz_db_q *q)
{
    sq_tx *t = (sq_tx *)q->tx;
    int rc = sqlite3_step(q->h);
    if (rc == SQLITE_ROW)
        return true;
    if (rc == SQLITE_DONE)
        q->changes = sqlite3_changes64(t->db);
    else
        fail_db(q, t->db);
    return false;
}

static bool sq_col_null(const yz_db_q *q, int col)
{
    return sqlite3_column_type(q->h, col) == SQLITE_NULL;
}

static const char *sq_col_text(const yz_db_q *q, int col)
{
    return (const char *)sqlite3_column_text(q->h, col);
}

static int64_t sq_col_i64(const yz_db_q *q, int col)
{
    return sqlite3_column_int64(q->h, col);
}

static double sq_col_f64(const yz_db_q *q, int col)
{
    return sqlite3_column_double(q->h, col);
}

static void sq_finish(yz_db_q *q)
{
    sq_tx *t = (sq_tx *)q->tx;
    if (!q->h)
        return;
    if (q->slot >= 0) {
        sqlite3_reset(q->h); /* ends its read of the database */
        sqlite3_clear_bindings(q->h);
        t->cache->e[q->slot].busy = false;
    } else {
        sqlite3_finalize(q->h);
    }
    q->h = NULL;
}

/* Fill `ei` with the failure `msg` of connection `db` (NULL: none could be opened): YZ_EUNAVAIL
 * while the database is busy, else YZ_EDB, which it returns. */
static int conn_err(sqlite3 *db, const char *msg, yz_errinfo *ei)
{
    int rc = db ? sqlite3_errcode(db) : SQLITE_NOMEM;
    if (unavailable_rc(rc))
        return yz__db_unavailable(ei, (rc & 0xff) == SQLITE_FULL);
    return yz__db_err(ei, YZ_EDB, msg);
}

static int exec_plain(sqlite3 *db, const char *sql, yz_errinfo *ei)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) == SQLITE_OK)
        return YZ_OK;
    int code = conn_err(db, msg, ei);
    sqlite3_free(msg);
    return code;
}

/* Run `body` as a transaction of `kind` on connection `db` with statement cache `cache`, under
 * `mu` when not NULL. */
static int run_on(sq_store *s, sqlite3 *db, sq_stmt_cache *cache, pthread_mutex_t *mu, int kind,
                  yz_db_body *body, void *ctx, yz_errinfo *ei)
{
    sq_tx t = {{&yz__sqlite_driver, &s->base}, db, cache};
    if (mu)
        pthread_mutex_lock(mu);
    int err = YZ_OK;
    if (kind == YZ_DB_WRITE)
        err = exec_plain(db, "BEGIN IMMEDIATE", ei);
    else if (kind == YZ_DB_READ)
        err = exec_plain(db, "BEGIN", ei);
    if (err)
        goto out;
    err = body(&t.base, ctx, ei);
    if (kind != YZ_DB_READ1) {
        if (err || kind == YZ_DB_READ)
            exec_plain(db, "ROLLBACK", NULL);
        else
            err = exec_plain(db, "COMMIT", ei);
        if (err && !sqlite3_get_autocommit(db)) /* a failed COMMIT leaves it open */
            exec_plain(db, "ROLLBACK", NULL);
    }
out:
    if (mu)
        pthread_mutex_unlock(mu);
    return err;
}

static int sq_run(yz_store *st, int kind, yz_db_body *body, void *ctx, yz_errinfo *ei)
{
    sq_store *s = (sq_store *)st;
    return run_on(s, s->db, &s->stmts, &s->mu, kind, body, ctx, ei);
}

/* --- a connection of its own ------------------------------------------------------------- */

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* SQLite's busy handler: `n` is 0 at the first refusal of a lock, then counts the retries. The
 * sleeps grow as SQLite's own do; the deadline is the clock's. */
static int busy_cb(void *arg, int n)
{
    static const int delays_ms[] = {1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50, 100};
    yz__sq_busy *b = arg;
    int64_t now = mono_ms();
    if (n == 0)
        b->since_ms = now;
    int64_t left = YZ_SQ_BUSY_TIMEOUT_MS - (now - b->since_ms);
    if (left <= 0)
        return 0;
    int64_t d = n < (int)(sizeof delays_ms / sizeof delays_ms[0]) ? delays_ms[n] : 100;
    sqlite3_sleep((int)(d < left ? d : left));
    return 1;
}

void yz__sq_busy_wait(sqlite3 *db, yz__sq_busy *b)
{
    sqlite3_busy_handler(db, busy_cb, b);
}

typedef struct sq_conn {
    yz_db_conn base;
    sq_store *s;
    sqlite3 *db;          /* its own, or the store's when `mu` is set */
    yz__sq_busy busy;     /* the lock wait of its own `db` */
    pthread_mutex_t *mu;  /* the store's mutex when sharing its connection, else NULL */
    sq_stmt_cache *cache; /* `own`, or the store's when sharing */
    sq_stmt_cache own;
} sq_conn;

static void sq_conn_close(yz_db_conn *base)
{
    sq_conn *c = (sq_conn *)base;
    if (!c->mu) {
        yz__sq_cache_free(&c->own);
        sqlite3_close(c->db);
    }
    yz_free(c);
}

static int sq_conn_open(yz_store *st, yz_db_conn **out, yz_errinfo *ei)
{
    sq_store *s = (sq_store *)st;
    sq_conn *c = yz_calloc(1, sizeof *c);
    c->base.drv = &yz__sqlite_driver;
    c->base.st = st;
    c->s = s;
    *out = NULL;
    const char *p = s->path;
    if (!p || !*p || !strcmp(p, ":memory:") || !strncmp(p, "file:", 5)) {
        /* An in-memory database cannot be opened twice. */
        c->db = s->db;
        c->mu = &s->mu;
        c->cache = &s->stmts;
        *out = &c->base;
        return YZ_OK;
    }
    c->cache = &c->own;
    int err = YZ_OK;
    if (sqlite3_open_v2(p, &c->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) !=
        SQLITE_OK) {
        err = conn_err(c->db, c->db ? sqlite3_errmsg(c->db) : "out of memory", ei);
        goto out;
    }
    yz__sq_busy_wait(c->db, &c->busy);
    err = exec_plain(c->db,
                     s->bulk ? "PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF;"
                               " PRAGMA foreign_keys=ON;"
                             : "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                               " PRAGMA foreign_keys=ON;",
                     ei);
out:
    if (err) {
        sq_conn_close(&c->base);
        return err;
    }
    *out = &c->base;
    return YZ_OK;
}

/* SQLite serialises every write transaction (BEGIN IMMEDIATE): no lock needed beyond that. */
static int sq_conn_run(yz_db_conn *base, int64_t lock, yz_db_body *body, void *ctx,
                       yz_errinfo *ei)
{
    sq_conn *c = (sq_conn *)base;
    return run_on(c->s, c->db, c->cache, c->mu, YZ_DB_WRITE, body, ctx, ei);
}

const yz_db_driver yz__sqlite_driver = {
    .dialect = YZ_DB_SQLITE,
    .run = sq_run,
    .start = sq_start,
    .next = sq_next,
    .col_null = sq_col_null,
    .col_text = sq_col_text,
    .col_i64 = sq_col_i64,
    .col_f64 = sq_col_f64,
    .finish = sq_finish,
    .notify = NULL,
    .batch = NULL, /* one statement after the other: nothing to save on a round trip */
    .conn_open = sq_conn_open,
    .conn_run = sq_conn_run,
    .conn_close = sq_conn_close,
};
