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
        err = yz__sq_exec(s, "BEGIN IMMEDIATE", ei);
        if (err)
            return err;
        err = yz__sq_exec(s, yz__sql_sqlite[i].sql, ei);
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
        if (err) {
            yz__sq_exec(s, "ROLLBACK", NULL);
            return err;
        }
        err = yz__sq_exec(s, "COMMIT", ei);
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

static const yz_store_ops sqlite_ops = {
    .name = "sqlite",
    .close = sq_close,
    .bulk = sq_bulk,
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
