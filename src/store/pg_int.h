/* SPDX-License-Identifier: MIT */
/* store/pg_int.h - what the PostgreSQL backend's files share: the connection pool, the
 * transaction runner, parameter and result helpers, and change notification. Only
 * src/store/pg*.c include it (docs/internals/store.md, "PostgreSQL").
 *
 * Every operation runs its statements through yz__pg_tx: one transaction at SERIALIZABLE
 * isolation, retried from the start when PostgreSQL reports a serialization failure or a
 * deadlock. SERIALIZABLE makes every "check, then write" that the SQLite backend gets from
 * its single writer (the 2-hour rule of visits, one rating a day, seats and meal quotas never
 * oversold) hold here too, across threads and across yizhan nodes sharing one database. */
#ifndef YZ_PG_INT_H
#define YZ_PG_INT_H

#include "store/events.h"
#include "store/meals.h"
#include "store/db.h"
#include "store/store.h"
#include "store/visits.h"
#include "store/workers.h"

#include <libpq-fe.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

/* Connections a node opens for its requests at most: YIZHAN_PG_POOL from the environment
 * (1..YZ_PG_POOL_MAX), else YZ_PG_POOL_DEFAULT. Each node also holds one for the visits
 * committer and one for the change watcher; size PostgreSQL's max_connections for
 * nodes x (pool + 2). */
#define YZ_PG_POOL_MAX 64
#define YZ_PG_POOL_DEFAULT 8

typedef struct pg_store {
    yz_store base;
    char *conninfo;
    pthread_mutex_t mu; /* the pool */
    pthread_cond_t cv;
    PGconn *idle[YZ_PG_POOL_MAX];
    size_t n_idle, n_open, pool_max;
    char node[24];      /* this process's id in change notifications */
    struct pg_listener *listener;  /* the change watcher, pg.c */
    atomic_bool bulk;   /* yz_store_bulk: commits without waiting for the WAL flush */
} pg_store;

/* The driver of store/db.h on PostgreSQL (pg_db.c). */
extern const struct yz_db_driver yz__pg_driver;

/* --- connections ----------------------------------------------------------------------- */

/* A connection of the pool for the calling thread's use (blocks while all are busy); NULL
 * with `ei` filled (YZ_EDB) when none can be opened. Give it back with yz__pg_put. */
PGconn *yz__pg_get(pg_store *s, yz_errinfo *ei);
/* Back to the pool; a broken connection is closed instead. Accepts NULL. */
void yz__pg_put(pg_store *s, PGconn *c);
/* A connection of its own, outside the pool (for a thread that holds one for long, such as
 * a committer). Close with PQfinish. NULL with `ei` filled on failure. */
PGconn *yz__pg_connect(pg_store *s, yz_errinfo *ei);

/* --- transactions ----------------------------------------------------------------------- */

/* The body of a transaction. It may run more than once (after a serialization failure):
 * it must set all its outputs afresh each time and must not free or take its inputs. Returns
 * YZ_OK to commit, or an error to roll back (the error is returned by yz__pg_tx). */
typedef int yz_pg_body(pg_store *s, PGconn *c, void *ctx, yz_errinfo *ei);

/* Run `body` in one SERIALIZABLE transaction on a pooled connection; commit on YZ_OK. Retried
 * up to 30 times on SQLSTATE 40001 / 40P01, wherever it happens (a statement or COMMIT). */
int yz__pg_tx(pg_store *s, yz_pg_body *body, void *ctx, yz_errinfo *ei);
/* For a body that runs ONE statement and only reads: on a pooled connection outside an
 * explicit transaction (a single statement is its own consistent snapshot), which saves the
 * BEGIN and COMMIT round trips on hot look-ups such as a worker's token. */
int yz__pg_read1(pg_store *s, yz_pg_body *body, void *ctx, yz_errinfo *ei);
/* On a connection the caller holds (from yz__pg_connect), at READ COMMITTED, holding the
 * advisory lock `lock` (a YZ_DB_LOCK_* key, store/db.h) from the start of the transaction to
 * its end: every transaction taking the same lock, on any node, runs one after the other and
 * sees the ones before it. For a writer that is alone on each node (yz_db_conn_run, the
 * visits committer), this gives the SQLite backend's single-writer order without
 * SERIALIZABLE's predicate-lock bookkeeping. */
int yz__pg_tx_locked_on(pg_store *s, PGconn *c, int64_t lock, yz_pg_body *body, void *ctx,
                        yz_errinfo *ei);
/* The same in one round trip, for a transaction whose statements need no answer of each
 * other: BEGIN (READ COMMITTED), the advisory lock `lock`, what `send` sends in libpq's
 * pipeline mode, and COMMIT, in one pipeline; then `recv` reads send's results, in order,
 * before COMMIT's is read. Returns YZ_OK only when the COMMIT is done. Run again after a
 * deadlock or a serialization failure (nothing was committed); never after a lost connection,
 * where the COMMIT may have happened (YZ_EUNAVAIL). */
int yz__pg_tx_piped(pg_store *s, PGconn *c, int64_t lock, yz_pg_body *send, yz_pg_body *recv,
                    void *ctx, yz_errinfo *ei);

/* --- statements ------------------------------------------------------------------------- */

/* Parameters in text form, $1..$n in order. Up to 32. */
typedef struct yz_pg_params {
    int n;
    const char *v[32];
    char buf[32][72]; /* numbers and byte strings are printed here */
} yz_pg_params;

/* Append a parameter, for the backend's own statements (migrations, locks, notifications):
 * text as is ("" stays "", NULL gives NULL), or an i64. Borrowed until the statement has run.
 * The areas bind through store/db.h. */
void yz__pg_p_text(yz_pg_params *p, const char *v);
void yz__pg_p_i64(yz_pg_params *p, int64_t v);

/* Run `sql` with `p` (NULL: none). Returns the result, or NULL with `ei` filled (YZ_EDB, the
 * server's message, and the retry mark yz__pg_tx looks for). Free with PQclear. */
PGresult *yz__pg_query(PGconn *c, const char *sql, const yz_pg_params *p, yz_errinfo *ei);
/* The same with `n` parameters in text form (NULL for NULL), borrowed for the call. */
PGresult *yz__pg_query_v(PGconn *c, const char *sql, const char *const *v, int n,
                         yz_errinfo *ei);
/* The same for a statement whose rows are not wanted: YZ_OK or YZ_EDB. *affected (may be
 * NULL) gets the number of rows it inserted, updated or deleted. */
int yz__pg_exec(PGconn *c, const char *sql, const yz_pg_params *p, int64_t *affected,
                yz_errinfo *ei);
/* For code that drives libpq itself (pipeline mode): fill `ei` from a failed result `r` (or
 * the connection's message when r is NULL), with the SQLSTATE and retry mark yz__pg_tx reads.
 * Returns YZ_EDB. */
int yz__pg_fail(PGconn *c, const PGresult *r, yz_errinfo *ei);
/* End a pipeline whose queries' results have all been read: read up to its sync and leave
 * pipeline mode. Returns `err`, or YZ_EDB (ei filled) if that fails and err was YZ_OK. */
int yz__pg_pipeline_end(PGconn *c, int err, yz_errinfo *ei);
/* The SQLSTATE of the last failed yz__pg_query / yz__pg_exec on this thread ("" if none),
 * e.g. "23505" for a unique violation, "23514" for a CHECK violation. */
const char *yz__pg_sqlstate(void);

/* --- change notification ---------------------------------------------------------------- */

/* Inside a write transaction: tell the other yizhan nodes sharing the database that `area`
 * changed ("stations", "ratings", "events", ...), for one record of the area (a station's
 * id: other nodes reload just that one) or all of it (id 0). Delivered when the transaction
 * commits, not at all when it rolls back. */
int yz__pg_notify_id(pg_store *s, PGconn *c, const char *area, int64_t id, yz_errinfo *ei);


#endif
