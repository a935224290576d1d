/* SPDX-License-Identifier: MIT */
/* store/sqlite_workers.c - the workers area of the SQLite backend. */
#include "store/sqlite_int.h"

#include "core/time.h"


static int sq_create(yz_store *st, const uint8_t hash[YZ_TOKEN_HASH_BYTES], yz_worker *w,
                     yz_errinfo *ei)
{
    sq_store *s = (sq_store *)st;
    sqlite3_stmt *q = NULL;
    pthread_mutex_lock(&s->mu);
    int err = yz__sq_prepare(s,
                             "INSERT INTO workers (token_hash, occupation, created_at, expires_at)"
                             " VALUES (?, ?, ?, ?)",
                             &q, ei);
    if (!err) {
        w->created_at = yz_time_now();
        sqlite3_bind_blob(q, 1, hash, YZ_TOKEN_HASH_BYTES, SQLITE_TRANSIENT);
        sqlite3_bind_text(q, 2, yz_occupation_name(w->occupation), -1, SQLITE_STATIC);
        sqlite3_bind_int64(q, 3, w->created_at);
        sqlite3_bind_int64(q, 4, w->expires_at);
        if (sqlite3_step(q) != SQLITE_DONE)
            err = yz__sq_db_err(s, ei, "workers");
        else
            w->id = sqlite3_last_insert_rowid(s->db);
        sqlite3_finalize(q);
    }
    pthread_mutex_unlock(&s->mu);
    return err;
}

static int sq_find(yz_store *st, const uint8_t hash[YZ_TOKEN_HASH_BYTES], yz_worker *w,
                   yz_errinfo *ei)
{
    sq_store *s = (sq_store *)st;
    sqlite3_stmt *q = NULL;
    pthread_mutex_lock(&s->mu);
    int err = yz__sq_prepare(
        s, "SELECT id, occupation, created_at, expires_at FROM workers WHERE token_hash = ?", &q,
        ei);
    if (!err) {
        sqlite3_bind_blob(q, 1, hash, YZ_TOKEN_HASH_BYTES, SQLITE_TRANSIENT);
        if (sqlite3_step(q) == SQLITE_ROW) {
            w->id = sqlite3_column_int64(q, 0);
            w->occupation = yz_occupation_parse((const char *)sqlite3_column_text(q, 1));
            w->created_at = sqlite3_column_int64(q, 2);
            w->expires_at = sqlite3_column_int64(q, 3);
        } else {
            err = yz_err_set(ei, YZ_ENOTFOUND, "Authorization", "未知的凭证", "unknown token");
        }
        sqlite3_finalize(q);
    }
    pthread_mutex_unlock(&s->mu);
    return err;
}

const struct yz_store_worker_ops yz__sqlite_worker_ops = {
    .area = {"workers", NULL},
    .create = sq_create,
    .find = sq_find,
};
