/* SPDX-License-Identifier: MIT */
/* core/pwhash.h - Argon2id password hashes (libsodium crypto_pwhash_str) made on a small
 * bounded pool of threads, so that a burst of logins takes at most the pool's cores and never
 * slows the search path: when the pool's queue is full a request is refused at once
 * (YZ_EUNAVAIL, HTTP 503 with Retry-After) instead of waiting (docs/internals/accounts.md). */
#ifndef YZ_PWHASH_H
#define YZ_PWHASH_H

#include "core/err.h"

#include <stdbool.h>
#include <stddef.h>

/* crypto_pwhash_STRBYTES: room for a hash string and its NUL. */
#define YZ_PWHASH_STR_BYTES 128
#define YZ_PASSWORD_MIN 10   /* characters (code points) */
#define YZ_PASSWORD_MAX 1024 /* bytes */

/* The cost of a new hash. */
enum yz_pwhash_cost {
    YZ_PWHASH_INTERACTIVE, /* libsodium's INTERACTIVE limits: 64 MiB, 2 passes (the default) */
    YZ_PWHASH_MIN,         /* the smallest limits libsodium allows, for tests only */
};

/* The cost named by the environment variable YIZHAN_PWHASH ("min" for tests), else
 * YZ_PWHASH_INTERACTIVE. */
int yz_pwhash_cost_from_env(void);

/* Check a new password against the minimum rules: YZ_PASSWORD_MIN..YZ_PASSWORD_MAX, valid
 * UTF-8, not the login name in any case. YZ_OK or YZ_EINVAL (field "password"). */
int yz_password_check(const char *password, const char *login, yz_errinfo *ei);

/* Hash `password` at `cost` into `out`, on the calling thread (the CLI). YZ_OK, or
 * YZ_EINTERNAL when libsodium cannot (out of memory). */
int yz_pwhash_str(const char *password, int cost, char out[YZ_PWHASH_STR_BYTES],
                  yz_errinfo *ei);

typedef struct yz_pwpool yz_pwpool;

/* A pool of `threads` hashing threads (1..8) with a queue of at most `queue` waiting jobs
 * beyond those running, making new hashes at `cost`. Returns owned (yz_pwpool_free). */
yz_pwpool *yz_pwpool_new(int threads, int queue, int cost);
/* Finish the jobs queued, stop the threads, free. Accepts NULL. */
void yz_pwpool_free(yz_pwpool *p);

/* Hash `password` on the pool and wait for it. YZ_OK, or YZ_EUNAVAIL at once when the queue
 * is full (ei names "password" and says to retry), YZ_EINTERNAL. Any thread. */
int yz_pwpool_hash(yz_pwpool *p, const char *password, char out[YZ_PWHASH_STR_BYTES],
                   yz_errinfo *ei);
/* Verify `password` against `hash` on the pool and wait: *ok, and *rehash when the hash was
 * made with other limits than the pool's (crypto_pwhash_str_needs_rehash). A NULL `hash`
 * verifies against a dummy hash of the pool's cost, made once, so that an unknown user costs
 * the same time as a wrong password (*ok is then false). YZ_OK or YZ_EUNAVAIL as above. */
int yz_pwpool_verify(yz_pwpool *p, const char *hash, const char *password, bool *ok,
                     bool *rehash, yz_errinfo *ei);

/* The outcome of a job done asynchronously. */
typedef struct yz_pwresult {
    int err;                        /* YZ_OK, or YZ_EINTERNAL (libsodium out of memory) */
    bool ok, rehash;                /* a verification: as yz_pwpool_verify */
    char hash[YZ_PWHASH_STR_BYTES]; /* a hash: the new hash string */
} yz_pwresult;
/* Called once, on a hashing thread, with the result (borrowed: valid during the call). It
 * must be quick (hand the result on: yz_http_resume) and must not submit to the pool and
 * wait. */
typedef void (*yz_pwpool_cb)(void *arg, const yz_pwresult *r);
/* As yz_pwpool_hash and yz_pwpool_verify without waiting: the job is queued (the inputs
 * copied) and `cb(arg, result)` called when it is done; returns YZ_OK. When the queue is full,
 * YZ_EUNAVAIL at once and `cb` is never called. Any thread. yz_pwpool_free runs the jobs
 * still queued, calling their callbacks, before it returns. */
int yz_pwpool_hash_async(yz_pwpool *p, const char *password, yz_pwpool_cb cb, void *arg,
                         yz_errinfo *ei);
int yz_pwpool_verify_async(yz_pwpool *p, const char *hash, const char *password, yz_pwpool_cb cb,
                           void *arg, yz_errinfo *ei);

/* Counters for /metrics: jobs done, jobs refused because the queue was full. */
void yz_pwpool_stats(yz_pwpool *p, unsigned long *done, unsigned long *refused);

#endif
