/* SPDX-License-Identifier: MIT */
/* store/workers.c - the workers area: occupation names, and a worker stored and found by the
 * hash of its token, written once for both backends on store/db.h. */
#include "store/workers.h"

#include "store/db.h"

#include "core/alloc.h"
#include "core/time.h"

#include <pthread.h>
#include <stdbool.h>
#include <string.h>

static const char *const occ_names[] = {"rider", "courier", "driver", "sanitation", "other"};

const char *yz_occupation_name(int occ)
{
    return occ >= 0 && occ < YZ_OCC__COUNT ? occ_names[occ] : "";
}

int yz_occupation_parse(const char *s)
{
    for (int i = 0; s && i < YZ_OCC__COUNT; i++)
        if (strcmp(occ_names[i], s) == 0)
            return i;
    return -1;
}

typedef struct create_ctx {
    const uint8_t *hash; /* in: YZ_TOKEN_HASH_BYTES */
    yz_worker *w;        /* in: occupation, expires_at; out: id, created_at */
} create_ctx;

static int create_body(yz_db_tx *tx, void *arg, yz_errinfo *ei)
{
    create_ctx *x = arg;
    x->w->created_at = yz_time_now();
    yz_db_q q;
    yz_db_query(&q, tx,
                "INSERT INTO workers (token_hash, occupation, created_at, expires_at)"
                " VALUES ($1, $2, $3, $4) RETURNING id",
                ei);
    yz_db_blob(&q, x->hash, YZ_TOKEN_HASH_BYTES);
    yz_db_text(&q, yz_occupation_name(x->w->occupation));
    yz_db_i64(&q, x->w->created_at);
    yz_db_i64(&q, x->w->expires_at);
    if (yz_db_row(&q))
        x->w->id = yz_db_col_i64(&q, 0);
    return yz_db_end(&q);
}

int yz_store_worker_create(yz_store *st, const uint8_t hash[YZ_TOKEN_HASH_BYTES], yz_worker *w,
                           yz_errinfo *ei)
{
    create_ctx x = {hash, w};
    return yz_db_run(st, YZ_DB_WRITE, create_body, &x, ei);
}

typedef struct find_ctx {
    const uint8_t *hash; /* in: YZ_TOKEN_HASH_BYTES */
    yz_worker *w;        /* out */
} find_ctx;

static int find_body(yz_db_tx *tx, void *arg, yz_errinfo *ei)
{
    find_ctx *x = arg;
    yz_db_q q;
    yz_db_query(&q, tx,
                "SELECT id, occupation, created_at, expires_at FROM workers WHERE token_hash = $1",
                ei);
    yz_db_blob(&q, x->hash, YZ_TOKEN_HASH_BYTES);
    bool found = yz_db_row(&q);
    if (found) {
        x->w->id = yz_db_col_i64(&q, 0);
        x->w->occupation = yz_occupation_parse(yz_db_col_text(&q, 1));
        x->w->created_at = yz_db_col_i64(&q, 2);
        x->w->expires_at = yz_db_col_i64(&q, 3);
    }
    int err = yz_db_end(&q);
    if (!err && !found)
        err = yz_err_set(ei, YZ_ENOTFOUND, "Authorization", "未知的凭证", "unknown token");
    return err;
}

/* Workers found, one a slot (the slot chosen by the token's hash, a hash already: its first
 * bytes are uniform). A slot is empty while its worker's id is 0 (ids start at 1). */
typedef struct cached_worker {
    uint8_t hash[YZ_TOKEN_HASH_BYTES];
    yz_worker w;
    int64_t found_at; /* unix seconds */
} cached_worker;

struct yz_worker_cache {
    pthread_mutex_t mu; /* guards slot */
    cached_worker slot[YZ_WORKER_CACHE_N];
};

/* Guards every store's st->worker_cache pointer while it is made; held briefly. */
static pthread_mutex_t cache_mu = PTHREAD_MUTEX_INITIALIZER;

static struct yz_worker_cache *cache_of(yz_store *st)
{
    pthread_mutex_lock(&cache_mu);
    struct yz_worker_cache *c = st->worker_cache;
    if (!c) {
        c = yz_calloc(1, sizeof *c);
        pthread_mutex_init(&c->mu, NULL);
        st->worker_cache = c;
    }
    pthread_mutex_unlock(&cache_mu);
    return c;
}

static cached_worker *slot_of(struct yz_worker_cache *c, const uint8_t *hash)
{
    uint32_t h;
    memcpy(&h, hash, sizeof h);
    return &c->slot[h % YZ_WORKER_CACHE_N];
}

/* One statement on a hot path (every worker request): no BEGIN or COMMIT. */
int yz_store_worker_find(yz_store *st, const uint8_t hash[YZ_TOKEN_HASH_BYTES], yz_worker *w,
                         yz_errinfo *ei)
{
    find_ctx x = {hash, w};
    return yz_db_run(st, YZ_DB_READ1, find_body, &x, ei);
}

int yz_store_worker_find_cached(yz_store *st, const uint8_t hash[YZ_TOKEN_HASH_BYTES],
                                yz_worker *w, yz_errinfo *ei)
{
    struct yz_worker_cache *c = cache_of(st);
    cached_worker *s = slot_of(c, hash);
    int64_t now = yz_time_now();
    pthread_mutex_lock(&c->mu);
    bool hit = s->w.id != 0 && now - s->found_at < YZ_WORKER_CACHE_S && now >= s->found_at &&
               memcmp(s->hash, hash, YZ_TOKEN_HASH_BYTES) == 0;
    if (hit)
        *w = s->w;
    pthread_mutex_unlock(&c->mu);
    if (hit)
        return YZ_OK;
    int err = yz_store_worker_find(st, hash, w, ei);
    if (!err && w->id != 0) {
        pthread_mutex_lock(&c->mu);
        memcpy(s->hash, hash, YZ_TOKEN_HASH_BYTES);
        s->w = *w;
        s->found_at = now;
        pthread_mutex_unlock(&c->mu);
    }
    return err;
}

void yz__workers_close(yz_store *st)
{
    pthread_mutex_lock(&cache_mu);
    struct yz_worker_cache *c = st->worker_cache;
    st->worker_cache = NULL;
    pthread_mutex_unlock(&cache_mu);
    if (!c)
        return;
    pthread_mutex_destroy(&c->mu);
    yz_free(c);
}
