/* SPDX-License-Identifier: MIT */
/* store/sqlite.c - the embedded SQLite backend of the store interface: opening, pragmas and
 * migrations (sql/sqlite, embedded). One connection, serialised by a mutex: writes are small
 * and SQLite allows one writer at a time anyway, and the read path never comes here (it reads
 * the catalog snapshot). Durability: WAL with synchronous=FULL, so an acknowledged write
 * survives kill -9 and power loss. Transactions and statements are sqlite_db.c's; the areas
 * are written once on them (store/db.h). */
#include "store/sqlite_int.h"
#include "store/photos.h"

#include "core/alloc.h"
#include "core/time.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

/* The embedded migrations, generated from sql/sqlite/ by tools/embed-sql.sh. */
extern const struct {
    const char *name;
    const char *sql;
} yz__sql_sqlite[];
extern const size_t yz__sql_sqlite_count;


int yz__sq_db_err(sq_store *s, yz_errinfo *ei, const char *what)
{
    const char *m = sqlite3_errmsg(s->db);
    return yz_err_setf(ei, YZ_EDB, "", "数据库错误（%s）：%s", "database error (%s): %s", what, m);
}

int yz__sq_exec(sq_store *s, const char *sql, yz_errinfo *ei)
{
    char *msg = NULL;
    int rc = sqlite3_exec(s->db, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK) {
        yz__db_err(ei, YZ_EDB, msg);
        sqlite3_free(msg);
        return YZ_EDB;
    }
    return YZ_OK;
}

int yz__sq_prepare(sq_store *s, const char *sql, sqlite3_stmt **st, yz_errinfo *ei)
{
    if (sqlite3_prepare_v2(s->db, sql, -1, st, NULL) != SQLITE_OK)
        return yz__sq_db_err(s, ei, "prepare");
    return YZ_OK;
}

/* A migration that rebuilds a table other tables point at (the 12-step rebuild of
 * sqlite.org/lang_altertable.html, e.g. 0038) carries this line. It runs with foreign keys off,
 * since a DROP TABLE would otherwise run the ON DELETE actions of the tables that point at it
 * (and foreign_keys cannot change inside a transaction), and it commits only when
 * foreign_key_check finds nothing. */
#define FK_OFF_MARK "\n-- migrate: foreign keys off\n"

/* Within a migration's transaction: no row breaks a foreign key (YZ_EDB naming the table). */
static int fk_check(sq_store *s, const char *name, yz_errinfo *ei)
{
    sqlite3_stmt *q = NULL;
    int err = yz__sq_prepare(s, "PRAGMA foreign_key_check", &q, ei);
    if (err)
        return err;
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW)
        err = yz_err_setf(ei, YZ_EDB, "db", "迁移 %s 后表 %s 的外键不成立",
                          "migration %s leaves a broken foreign key in %s", name,
                          (const char *)sqlite3_column_text(q, 0));
    else if (rc != SQLITE_DONE)
        err = yz__sq_db_err(s, ei, "foreign_key_check");
    sqlite3_finalize(q);
    return err;
}

static int migrate(sq_store *s, yz_errinfo *ei)
{
    int err = yz__sq_exec(s,
                   "CREATE TABLE IF NOT EXISTS schema_migrations ("
                   " name TEXT PRIMARY KEY, applied_at INTEGER NOT NULL)",
                   ei);
    if (err)
        return err;
    for (size_t i = 0; i < yz__sql_sqlite_count; i++) {
        sqlite3_stmt *q = NULL;
        err = yz__sq_prepare(s, "SELECT 1 FROM schema_migrations WHERE name = ?", &q, ei);
        if (err)
            return err;
        sqlite3_bind_text(q, 1, yz__sql_sqlite[i].name, -1, SQLITE_STATIC);
        int have = sqlite3_step(q) == SQLITE_ROW;
        sqlite3_finalize(q);
        if (have)
            continue;
        bool fk_off = strstr(yz__sql_sqlite[i].sql, FK_OFF_MARK) != NULL;
        if (fk_off) {
            err = yz__sq_exec(s, "PRAGMA foreign_keys=OFF", ei);
            if (err)
                return err;
        }
        err = yz__sq_exec(s, "BEGIN IMMEDIATE", ei);
        if (err)
            goto fk_on;
        err = yz__sq_exec(s, yz__sql_sqlite[i].sql, ei);
        if (!err && fk_off)
            err = fk_check(s, yz__sql_sqlite[i].name, ei);
        if (!err) {
            err = yz__sq_prepare(s, "INSERT INTO schema_migrations VALUES (?, ?)", &q, ei);
            if (!err) {
                sqlite3_bind_text(q, 1, yz__sql_sqlite[i].name, -1, SQLITE_STATIC);
                sqlite3_bind_int64(q, 2, yz_time_now());
                if (sqlite3_step(q) != SQLITE_DONE)
                    err = yz__sq_db_err(s, ei, "migration");
                sqlite3_finalize(q);
            }
        }
        if (err)
            yz__sq_exec(s, "ROLLBACK", NULL);
        else
            err = yz__sq_exec(s, "COMMIT", ei);
    fk_on:
        if (fk_off) {
            int e2 = yz__sq_exec(s, "PRAGMA foreign_keys=ON", err ? NULL : ei);
            err = err ? err : e2;
        }
        if (err)
            return err;
    }
    return YZ_OK;
}

static void sq_close(yz_store *st)
{
    sq_store *s = (sq_store *)st;
    yz__store_close_areas(st);
    yz__sq_cache_free(&s->stmts);
    sqlite3_close(s->db);
    yz__sq_wal_close(s);
    yz_free(s->path);
    pthread_mutex_destroy(&s->mu);
    yz_free(s);
}

static int sq_bulk(yz_store *st, bool on, yz_errinfo *ei)
{
    sq_store *s = (sq_store *)st;
    pthread_mutex_lock(&s->mu);
    int err = yz__sq_exec(s, on ? "PRAGMA synchronous=OFF" : "PRAGMA synchronous=FULL", ei);
    s->bulk = on && !err;
    pthread_mutex_unlock(&s->mu);
    return err;
}

/* A one-row text answer of `sql` into out (lower case as SQLite gives it; "" if none). */
static int sq_text1(sq_store *s, const char *sql, char *out, size_t size, yz_errinfo *ei)
{
    sqlite3_stmt *q = NULL;
    int err = yz__sq_prepare(s, sql, &q, ei);
    if (err)
        return err;
    out[0] = '\0';
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW && sqlite3_column_text(q, 0))
        snprintf(out, size, "%s", (const char *)sqlite3_column_text(q, 0));
    else if (rc != SQLITE_DONE)
        err = yz__sq_db_err(s, ei, sql);
    sqlite3_finalize(q);
    return err;
}

/* Back to the store's everyday state: locks released after each transaction, WAL. */
static int sq_alone_off(sq_store *s, yz_errinfo *ei)
{
    char mode[16];
    int err = yz__sq_exec(s, "PRAGMA locking_mode=NORMAL", ei);
    if (!err)
        err = sq_text1(s, "PRAGMA journal_mode=WAL", mode, sizeof mode, ei);
    if (!err && strcmp(mode, "wal") != 0)
        err = yz_err_setf(ei, YZ_EDB, "db", "无法恢复 WAL 日志模式（%s）",
                          "cannot set the WAL journal back (%s)", mode);
    return err;
}

/* A load into an empty store by a process that has it alone (yz_import_source's `alone`).
 * The WAL writes every page of the load twice (into the WAL, then into the file at the
 * checkpoint); a rollback journal copies only the pages the file had before (the schema's),
 * not the ones the load appends past its end. synchronous stays FULL: the commit is the
 * journal's fsync'd write, the file's, then the journal's deletion; a crash before that
 * leaves a hot journal that the next open rolls back (the file cut to its old length). The
 * exclusive locking mode keeps the lock from the switch to the end, so that no process reads
 * a file in the middle of the load or turns it back to WAL meanwhile: one that tries waits
 * for the busy timeout and is told the database is locked. */
static int sq_alone(yz_store *st, bool on, bool *held, yz_errinfo *ei)
{
    sq_store *s = (sq_store *)st;
    char mode[16], empty[8];
    pthread_mutex_lock(&s->mu);
    int err;
    if (!on) {
        err = sq_alone_off(s, ei);
        pthread_mutex_unlock(&s->mu);
        return err;
    }
    *held = false;
    err = sq_text1(s, "SELECT NOT EXISTS (SELECT 1 FROM stations)", empty, sizeof empty, ei);
    if (!err && !strcmp(empty, "1"))
        err = yz__sq_exec(s, "PRAGMA locking_mode=EXCLUSIVE", ei);
    if (!err && !strcmp(empty, "1")) {
        /* fails (busy) while another connection has the file open: then the load keeps WAL */
        yz_errinfo busy;
        if (sq_text1(s, "PRAGMA journal_mode=DELETE", mode, sizeof mode, &busy) == YZ_OK &&
            !strcmp(mode, "delete"))
            *held = true;
        else
            err = sq_alone_off(s, ei);
    }
    pthread_mutex_unlock(&s->mu);
    return err;
}

static const yz_store_ops sqlite_ops = {
    .name = "sqlite",
    .close = sq_close,
    .bulk = sq_bulk,
    .alone = sq_alone,
};

int yz__store_sqlite_open(const char *path, yz_store **out, yz_errinfo *ei)
{
    sq_store *s = yz_calloc(1, sizeof *s);
    s->base.ops = &sqlite_ops;
    s->base.db = &yz__sqlite_driver;
    s->path = yz_strdup(path);
    pthread_mutex_init(&s->mu, NULL);
    int err = yz__sq_wal_check(s, ei);
    if (err)
        goto fail;
    int rc = sqlite3_open_v2(path, &s->db,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                             NULL);
    if (rc != SQLITE_OK) {
        err = yz_err_setf(ei, YZ_EDB, "db", "无法打开数据库 %s：%s", "cannot open database %s: %s", path, s->db ? sqlite3_errmsg(s->db) : "?");
        goto fail;
    }
    yz__sq_busy_wait(s->db, &s->busy);
    err = yz__sq_exec(s, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;",
               ei);
    if (!err)
        err = migrate(s, ei);
    if (!err)
        err = yz__store_seed_facilities(&s->base, ei);
    if (err)
        goto fail;
    yz__sq_wal_report_after_open(s);
    yz__photos_default_dir(&s->base, path);
    *out = &s->base;
    return YZ_OK;
fail:
    sq_close(&s->base);
    return err;
}
