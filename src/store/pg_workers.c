/* SPDX-License-Identifier: MIT */
/* store/pg_workers.c - the workers area of the PostgreSQL backend. */
#ifdef YZ_HAVE_PG
#include "store/pg_int.h"

#include "core/time.h"

typedef struct create_ctx {
    const uint8_t *hash; /* in: YZ_TOKEN_HASH_BYTES */
    yz_worker *w;        /* in: occupation, expires_at; out: id, created_at */
} create_ctx;

static int create_body(pg_store *s, PGconn *c, void *arg, yz_errinfo *ei)
{
    create_ctx *x = arg;
    x->w->created_at = yz_time_now();
    yz_pg_params p = {0};
    yz__pg_p_bytea(&p, x->hash, YZ_TOKEN_HASH_BYTES);
    yz__pg_p_text(&p, yz_occupation_name(x->w->occupation));
    yz__pg_p_i64(&p, x->w->created_at);
    yz__pg_p_i64(&p, x->w->expires_at);
    PGresult *r =
        yz__pg_query(c,
                     "INSERT INTO workers (token_hash, occupation, created_at, expires_at)"
                     " VALUES ($1::bytea, $2, $3::bigint, $4::bigint) RETURNING id",
                     &p, ei);
    if (!r)
        return YZ_EDB;
    x->w->id = yz__pg_i64(r, 0, 0);
    PQclear(r);
    return YZ_OK;
}

static int pg_create(yz_store *st, const uint8_t hash[YZ_TOKEN_HASH_BYTES], yz_worker *w,
                     yz_errinfo *ei)
{
    create_ctx x = {hash, w};
    return yz__pg_tx((pg_store *)st, create_body, &x, ei);
}

typedef struct find_ctx {
    const uint8_t *hash; /* in: YZ_TOKEN_HASH_BYTES */
    yz_worker *w;        /* out */
} find_ctx;

static int find_body(pg_store *s, PGconn *c, void *arg, yz_errinfo *ei)
{
    find_ctx *x = arg;
    yz_pg_params p = {0};
    yz__pg_p_bytea(&p, x->hash, YZ_TOKEN_HASH_BYTES);
    PGresult *r = yz__pg_query(
        c,
        "SELECT id, occupation, created_at, expires_at FROM workers WHERE token_hash = $1::bytea",
        &p, ei);
    if (!r)
        return YZ_EDB;
    int err = YZ_OK;
    if (PQntuples(r) > 0) {
        x->w->id = yz__pg_i64(r, 0, 0);
        x->w->occupation = yz_occupation_parse(PQgetvalue(r, 0, 1));
        x->w->created_at = yz__pg_i64(r, 0, 2);
        x->w->expires_at = yz__pg_i64(r, 0, 3);
    } else {
        err = yz_err_set(ei, YZ_ENOTFOUND, "Authorization", "未知的凭证", "unknown token");
    }
    PQclear(r);
    return err;
}

static int pg_find(yz_store *st, const uint8_t hash[YZ_TOKEN_HASH_BYTES], yz_worker *w,
                   yz_errinfo *ei)
{
    find_ctx x = {hash, w};
    return yz__pg_read1((pg_store *)st, find_body, &x, ei);
}

const struct yz_store_worker_ops yz__pg_worker_ops = {
    .area = {"workers", NULL},
    .create = pg_create,
    .find = pg_find,
};
#endif
