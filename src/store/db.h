/* SPDX-License-Identifier: MIT */
/* store/db.h - what an area of the store is written against: one way to run a transaction and
 * one way to run a statement, which both backends implement (docs/internals/store.md, "Writing
 * an area"). An area's rules, messages and SQL are written once, in store/<area>.c; a backend
 * supplies only what its database needs: connections, statement preparation and caching,
 * transactions and their retries, the dialect. Only src/store/ includes this header.
 *
 * SQL is written with PostgreSQL's numbered parameters ($1, $2, ...), which the SQLite driver
 * runs as its own ?1, ?2, ... (the same numbering). Where the two dialects differ, the area
 * passes both texts through yz_db_dialect, side by side.
 *
 * A statement's errors are kept until it ends: a loop over rows stops at the first error, and
 * yz_db_end says why it stopped, so a read error is never taken for the end of the rows:
 *
 *     yz_db_q q;
 *     yz_db_query(&q, tx, "SELECT id, title FROM events WHERE station_id = $1", ei);
 *     yz_db_i64(&q, station_id);
 *     while (yz_db_row(&q))
 *         ... yz_db_col_i64(&q, 0), yz_db_col_str(&q, 1) ...
 *     err = yz_db_end(&q);   // YZ_OK, or why the rows stopped (ei filled)
 *
 * Thread: a transaction and its statements belong to the thread that runs the body. */
#ifndef YZ_STORE_DB_H
#define YZ_STORE_DB_H

#include "store/store.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct yz_db_tx yz_db_tx;
typedef struct yz_db_q yz_db_q;

/* What a transaction does. Both backends give each kind the same guarantees. */
enum yz_db_kind {
    /* Reads and writes, serialised with every other write: SQLite takes its writer lock at
     * BEGIN (IMMEDIATE) under the connection's mutex; PostgreSQL runs at SERIALIZABLE and
     * runs the body again after a serialization failure or a deadlock. So every "check, then
     * write" rule holds across threads and across nodes. */
    YZ_DB_WRITE,
    /* Several reads that see one state of the database (a transaction that writes nothing). */
    YZ_DB_READ,
    /* Exactly one reading statement: no BEGIN or COMMIT (a statement is its own snapshot),
     * for hot look-ups such as a worker's token. */
    YZ_DB_READ1,
};

/* The body of a transaction. It may run more than once (PostgreSQL, after a serialization
 * failure or a connection lost before COMMIT): it must set its outputs afresh on each run and
 * must not free or take its inputs. Returns YZ_OK to commit, or an error (ei filled) to roll
 * back; yz_db_run returns what the last run returned. */
typedef int yz_db_body(yz_db_tx *tx, void *ctx, yz_errinfo *ei);

/* Run `body` in one transaction of `kind` on the store's connections. */
int yz_db_run(yz_store *st, int kind, yz_db_body *body, void *ctx, yz_errinfo *ei);

/* The store a transaction belongs to (for an area's per-store state). */
yz_store *yz_db_store(const yz_db_tx *tx);

/* Which text of a statement this transaction's database speaks. Returns `sqlite` or `pg`
 * (borrowed, as given). Keep the two texts next to each other at the call. */
enum yz_db_dialect { YZ_DB_SQLITE, YZ_DB_PG };
int yz_db_dialect_of(const yz_db_tx *tx);
const char *yz_db_dialect(const yz_db_tx *tx, const char *sqlite, const char *pg);

/* Inside a transaction: hold lock `lock` (a YZ_DB_LOCK_* key) until it ends, as
 * yz_db_conn_run holds its own from the start; writers that take several take them in one
 * order. PostgreSQL: an advisory transaction lock, held across nodes. SQLite: nothing (one
 * writer at a time). */
int yz_db_lock(yz_db_tx *tx, int64_t lock, yz_errinfo *ei);

/* Inside a write: tell other processes sharing the store that `area` changed ("stations",
 * "ratings", "events"), naming one record's `id` (a station's) or 0 for the whole area.
 * Delivered on commit, never for a rollback; a backend used by one process does nothing. */
int yz_db_notify(yz_db_tx *tx, const char *area, int64_t id, yz_errinfo *ei);

/* --- statements --------------------------------------------------------------------------- */

#define YZ_DB_PARAMS_MAX 32

/* Why a failed statement failed, when the database said it broke a rule of the schema. */
enum yz_db_violation {
    YZ_DB_NO_VIOLATION,
    YZ_DB_UNIQUE, /* a UNIQUE or PRIMARY KEY constraint */
    YZ_DB_CHECK,  /* a CHECK or NOT NULL constraint */
    YZ_DB_FOREIGN /* a FOREIGN KEY constraint */
};

/* One statement: its parameters, its state, and its error. The caller owns it (normally on
 * its stack); the members are the drivers', read them through the functions below. */
struct yz_db_q {
    yz_db_tx *tx;
    const char *sql;
    yz_errinfo *ei;
    int err;       /* the first error, YZ_OK while there is none */
    int violation; /* enum yz_db_violation of the error */
    int state;     /* 0 before it runs, 1 running, 2 at the end of its rows */
    int n;         /* parameters bound */
    struct yz_db_param {
        int type;      /* YZ_DB_T_* (db.c) */
        int64_t i;
        double f;
        const void *p; /* text (NUL-terminated) or blob bytes, borrowed */
        size_t len;    /* blob bytes */
    } p[YZ_DB_PARAMS_MAX];
    int64_t changes; /* rows inserted, updated or deleted, once it has run */
    void *h;         /* the driver's: a prepared statement or a result */
    int row, rows;   /* the driver's: the current row of a result, their count */
    int slot;        /* the driver's: its statement cache slot, or -1 */
};

/* Start statement `sql` (a string that stays valid until yz_db_end) in `tx`; errors will be
 * written to `ei`. Nothing runs until the first yz_db_row or yz_db_exec. */
void yz_db_query(yz_db_q *q, yz_db_tx *tx, const char *sql, yz_errinfo *ei);

/* Bind the next parameter ($1 first). str: NULL or "" binds NULL; text: "" stays "" (NULL
 * binds NULL); blob: `n` bytes. Strings and bytes are borrowed until yz_db_end. */
void yz_db_i64(yz_db_q *q, int64_t v);
void yz_db_f64(yz_db_q *q, double v);
void yz_db_bool(yz_db_q *q, bool v); /* as 0 or 1: the schemas keep integer flags */
void yz_db_str(yz_db_q *q, const char *v);
void yz_db_text(yz_db_q *q, const char *v);
void yz_db_blob(yz_db_q *q, const void *v, size_t n);
void yz_db_null(yz_db_q *q);

/* Run the statement (on the first call) and move to its next row. Returns true when there is
 * a row to read, false at the end of the rows or on an error (then yz_db_end says which). */
bool yz_db_row(yz_db_q *q);

/* The current row's columns, from 0. i64 / f64 / int: 0 for NULL. text: borrowed until the
 * next yz_db_row or yz_db_end, NULL for NULL. str: an owned copy (yz_free), NULL for NULL. */
int64_t yz_db_col_i64(const yz_db_q *q, int col);
int yz_db_col_int(const yz_db_q *q, int col);
double yz_db_col_f64(const yz_db_q *q, int col);
const char *yz_db_col_text(const yz_db_q *q, int col);
char *yz_db_col_str(const yz_db_q *q, int col);
bool yz_db_col_null(const yz_db_q *q, int col);

/* Finish the statement and free what it holds. Returns YZ_OK, or the first error of its
 * preparation, parameters or rows (`ei` filled). After it, yz_db_violation and
 * yz_db_changes still read the outcome. */
int yz_db_end(yz_db_q *q) __attribute__((warn_unused_result));

/* Run a statement whose rows are not wanted to its end and finish it: yz_db_row until false,
 * then yz_db_end. *changes (may be NULL) gets the rows it inserted, updated or deleted. */
int yz_db_exec(yz_db_q *q, int64_t *changes) __attribute__((warn_unused_result));

/* For a row loop that fills an array: `a` (NULL at first) with room for element `len` of
 * `size` bytes, growing *cap when it is full (doubling, 16 at first). Returns the array. */
/* The rule of an edit sent with If-Match: YZ_OK when `if_version` is 0 (none sent) or the
 * stored `version`, else YZ_ESTALE naming "version" with both numbers. */
int yz_db_check_version(int64_t if_version, int64_t version, yz_errinfo *ei);
void *yz_db_grow(void *a, size_t len, size_t *cap, size_t size);

/* After yz_db_end: enum yz_db_violation of its error. */
int yz_db_violation(const yz_db_q *q);

/* --- batches: many small statements, few round trips ----------------------------------------- */

/* Statements an item of a batch may have. */
#define YZ_DB_BATCH_Q 4

/* One item of a batch. `send` starts item i's statements in qs[0..] (yz_db_query and its
 * parameters; nothing runs yet) and returns how many (at most YZ_DB_BATCH_Q). `recv` then reads
 * them, in that order, with yz_db_row / yz_db_col_* / yz_db_end or yz_db_exec, and returns YZ_OK
 * or the item's error (ei filled); a statement it does not end is ended after it. A statement
 * must not need the answer of one sent before it in the batch (key it by what the caller
 * knows, such as a code, not by an id the database returns): on PostgreSQL it is sent before
 * those answers are read. Parameters are borrowed until recv returns. */
typedef int yz_db_send_fn(yz_db_tx *tx, size_t i, yz_db_q *qs, void *ctx, yz_errinfo *ei);
typedef int yz_db_recv_fn(yz_db_q *qs, int nq, size_t i, void *ctx, yz_errinfo *ei);

/* Run items 0..n-1 in `tx`, in order, each item's statements in order: SQLite sends and reads
 * one item at a time (its statements stay prepared), PostgreSQL sends many items in libpq's
 * pipeline mode, as prepared statements, and then reads their answers (one round trip for
 * them all). Stops at the first error and returns it, with *failed set to its item, or to n
 * when the error is no item's. */
int yz_db_batch(yz_db_tx *tx, size_t n, yz_db_send_fn *send, yz_db_recv_fn *recv, void *ctx,
                size_t *failed, yz_errinfo *ei);

/* --- bulk copy: many rows into one table --------------------------------------------------- */

/* Bind row i's values to `q`, one yz_db_* call a column in the order of yz_db_copy's `cols`
 * (strings borrowed until the next call). Returns YZ_OK or the row's error (ei filled). */
typedef int yz_db_copy_row_fn(yz_db_q *q, size_t i, void *ctx, yz_errinfo *ei);

/* Append rows 0..n-1 to `table` (its columns `cols`, "a, b, c", `ncols` of them), as fast as
 * the database takes rows: SQLite runs one prepared INSERT again and again; PostgreSQL streams
 * them with COPY FROM STDIN in text form (one round trip for them all). Nothing is read back.
 * Meant for a staging table that the caller then moves with set-based SQL. Returns YZ_OK, or
 * the first error: a row's, with *failed set to it, or the database's (a broken constraint:
 * PostgreSQL can only say it for the whole COPY), with *failed = n. The transaction is then
 * to be rolled back. */
int yz_db_copy(yz_db_tx *tx, const char *table, const char *cols, int ncols, size_t n,
               yz_db_copy_row_fn *row, void *ctx, size_t *failed, yz_errinfo *ei);

/* --- a connection of its own -------------------------------------------------------------- */

/* For a thread that writes on its own and for long (the visits committer), so that it never
 * waits for the store's connections nor they for it: SQLite opens the database again (an
 * in-memory database, which cannot be opened twice, shares the store's connection and its
 * mutex); PostgreSQL holds a connection outside the pool, opened again when it was lost.
 * Owned by one thread at a time. */
typedef struct yz_db_conn yz_db_conn;

/* Keys of yz_db_conn_run's lock, one for each kind of writer that takes turns with itself. */
#define YZ_DB_LOCK_VISITS 0x797a7673   /* "yzvs" */
#define YZ_DB_LOCK_READINGS 0x797a7264 /* "yzrd": the device readings committers */
#define YZ_DB_LOCK_ROLLUPS 0x797a726f  /* "yzro": the roll-ups' writers (their fold, the purge,
                                        * the rebuild); any that also takes VISITS takes it first */

/* Open a connection of store `st`. YZ_OK and owned *out (yz_db_conn_close), or YZ_EDB /
 * YZ_EUNAVAIL with `ei` filled and *out NULL. */
int yz_db_conn_open(yz_store *st, yz_db_conn **out, yz_errinfo *ei);
/* Run `body` in one write transaction on `c`, serialised with every other transaction that
 * takes lock `lock` (a YZ_DB_LOCK_* key), on any node: each sees all those committed before
 * it. SQLite serialises every write anyway (BEGIN IMMEDIATE); PostgreSQL holds an advisory
 * lock from the start of the transaction, at READ COMMITTED, and runs the body again after a
 * connection lost before COMMIT (it must set its outputs afresh, as yz_db_body says). */
int yz_db_conn_run(yz_db_conn *c, int64_t lock, yz_db_body *body, void *ctx, yz_errinfo *ei);
/* The same for a transaction of a few statements that need no answer of each other (item 0
 * of yz_db_batch's send and recv): PostgreSQL sends BEGIN, the lock, the statements (prepared
 * on the connection once) and COMMIT together, one round trip, and `recv` reads the answers
 * before COMMIT's (an error of recv's own then cannot undo the COMMIT: recv only reads); it is
 * run again after a deadlock, never after a lost connection (the COMMIT may have happened:
 * YZ_EUNAVAIL). SQLite runs send and recv in yz_db_conn_run. YZ_OK only once committed. */
int yz_db_conn_run_one(yz_db_conn *c, int64_t lock, yz_db_send_fn *send, yz_db_recv_fn *recv,
                       void *ctx, yz_errinfo *ei);
/* enum yz_db_dialect of `c`'s database. */
int yz_db_conn_dialect(const yz_db_conn *c);
/* Close `c`. Accepts NULL. */
void yz_db_conn_close(yz_db_conn *c);

/* For the areas: inside `tx`, station `id` exists, else YZ_EINVAL about `field` (a record
 * that names a station: an event, a canteen). Written once in stations.c. */
int yz__store_station_exists(yz_db_tx *tx, int64_t id, const char *field, yz_errinfo *ei);

/* --- for tests ----------------------------------------------------------------------------- */

/* Make the `n`th row read from now on (counting every statement on every thread, from 1)
 * fail as a read error of the database would; n <= 0 turns it off. For the tests that prove
 * a read failing part-way is never taken for a short answer. */
void yz_db_fault_after_rows(long n);

/* --- the driver interface: what a backend implements ---------------------------------------- */

/* Every backend's transaction starts with this. */
struct yz_db_tx {
    const struct yz_db_driver *drv;
    yz_store *st;
};

/* Every backend's connection of its own starts with this. */
struct yz_db_conn {
    const struct yz_db_driver *drv;
    yz_store *st;
};

typedef struct yz_db_driver {
    int dialect; /* enum yz_db_dialect */
    int (*run)(yz_store *st, int kind, yz_db_body *body, void *ctx, yz_errinfo *ei);
    /* Prepare, bind and execute q (q->state is 0); on failure set q->err via yz__db_fail. */
    void (*start)(yz_db_q *q);
    /* Advance to the next row: true if there is one; on failure yz__db_fail and false. */
    bool (*next)(yz_db_q *q);
    bool (*col_null)(const yz_db_q *q, int col);
    const char *(*col_text)(const yz_db_q *q, int col);
    int64_t (*col_i64)(const yz_db_q *q, int col);
    double (*col_f64)(const yz_db_q *q, int col);
    void (*finish)(yz_db_q *q); /* free q->h; called once */
    int (*notify)(yz_db_tx *tx, const char *area, int64_t id, yz_errinfo *ei);
    /* yz_db_batch, when the driver has a faster way than one item after the other (NULL). */
    int (*batch)(yz_db_tx *tx, size_t n, yz_db_send_fn *send, yz_db_recv_fn *recv, void *ctx,
                 size_t *failed, yz_errinfo *ei);
    /* yz_db_copy, when the driver has a faster way than one INSERT a row (NULL). */
    int (*copy)(yz_db_tx *tx, const char *table, const char *cols, int ncols, size_t n,
                yz_db_copy_row_fn *row, void *ctx, size_t *failed, yz_errinfo *ei);
    int (*conn_open)(yz_store *st, yz_db_conn **out, yz_errinfo *ei);
    int (*conn_run)(yz_db_conn *c, int64_t lock, yz_db_body *body, void *ctx, yz_errinfo *ei);
    /* yz_db_conn_run_one, when the driver has a faster way than conn_run (NULL). */
    int (*conn_run_one)(yz_db_conn *c, int64_t lock, yz_db_send_fn *send, yz_db_recv_fn *recv,
                        void *ctx, yz_errinfo *ei);
    void (*conn_close)(yz_db_conn *c);
} yz_db_driver;

enum { YZ_DB_T_NULL, YZ_DB_T_I64, YZ_DB_T_F64, YZ_DB_T_TEXT, YZ_DB_T_BLOB };

/* For drivers: record q's first error (later ones are ignored): `code` with the database's
 * message `msg` about `what`, and the constraint broken, if any. Returns q->err. */
int yz__db_fail(yz_db_q *q, int code, int violation, const char *msg);
/* For drivers: fill `ei` (may be NULL) with the database's failure `msg` ("database error:
 * ..."), the one wording of it. Returns `code`. */
int yz__db_err(yz_errinfo *ei, int code, const char *msg);
/* For drivers: the database cannot take the request for now (locked by another writer past
 * the busy timeout, its disk full, the server unreachable): fill `ei` with the plain message
 * (field "db"), count it (yz_store_unavailable_total) and return YZ_EUNAVAIL (503 with
 * Retry-After). */
int yz__db_unavailable(yz_errinfo *ei, bool full);
void yz__db_count_unavailable(void);

/* For drivers' batches: end statements qs[0..nq) that are not ended yet, in order (a
 * statement sent in a pipeline has its answer read and dropped). */
void yz__db_end_all(yz_db_q *qs, int nq);

#endif
