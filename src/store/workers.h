/* SPDX-License-Identifier: MIT */
/* store/workers.h - pseudonymous workers: an id, an occupation and the hash of a bearer
 * token. The token itself is never stored. */
#ifndef YZ_STORE_WORKERS_H
#define YZ_STORE_WORKERS_H

#include "store/store.h"

#include <stdint.h>

enum yz_occupation {
    YZ_OCC_RIDER,
    YZ_OCC_COURIER,
    YZ_OCC_DRIVER,
    YZ_OCC_SANITATION,
    YZ_OCC_OTHER,
    YZ_OCC__COUNT
};
const char *yz_occupation_name(int occ);
int yz_occupation_parse(const char *s); /* -1 if unknown */

#define YZ_TOKEN_HASH_BYTES 32

typedef struct yz_worker {
    int64_t id;
    int occupation;     /* enum yz_occupation */
    int64_t created_at; /* unix seconds */
    int64_t expires_at; /* unix seconds */
} yz_worker;

/* Store a new worker with token hash `hash`; w->occupation and w->expires_at are read, w->id
 * and w->created_at set. */
int yz_store_worker_create(yz_store *st, const uint8_t hash[YZ_TOKEN_HASH_BYTES], yz_worker *w,
                           yz_errinfo *ei);
/* The worker whose token hashes to `hash`, or YZ_ENOTFOUND. Expiry is the caller's to judge. */
int yz_store_worker_find(yz_store *st, const uint8_t hash[YZ_TOKEN_HASH_BYTES], yz_worker *w,
                         yz_errinfo *ei);
/* The same, remembering the workers found for YZ_WORKER_CACHE_S seconds (at most
 * YZ_WORKER_CACHE_N of them, one a slot chosen by the hash), for the check-in's hot path: a
 * worker's row never changes once stored (nothing in yizhan updates or deletes workers), so
 * only a row changed by hand in the database is seen up to that late. A token not found is
 * never remembered: it is looked up again each time. */
int yz_store_worker_find_cached(yz_store *st, const uint8_t hash[YZ_TOKEN_HASH_BYTES],
                                yz_worker *w, yz_errinfo *ei);
#define YZ_WORKER_CACHE_N 16384
#define YZ_WORKER_CACHE_S 60
/* Frees the store's remembered workers (the store's close). */
void yz__workers_close(yz_store *st);

#endif
