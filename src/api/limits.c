/* SPDX-License-Identifier: MIT */
/* api/limits.c - write rate limits: a token bucket per worker token, per client address, and
 * per client address for problem reports, in a fixed-size table per kind (old keys are
 * overwritten when it is full, which only forgives). */
#include "api/api_int.h"

#include "core/alloc.h"

#include <assert.h>
#include <pthread.h>
#include <string.h>
#include <time.h>

#define SLOTS 8192 /* per kind; a power of two */

typedef struct bucket {
    uint64_t key;   /* hash of the key string, 0 = empty */
    double tokens;  /* available writes */
    double last_s;  /* monotonic seconds of the last refill */
} bucket;

struct yz_limiter {
    pthread_mutex_t mu;
    double rate[YZ_LIMIT__COUNT];  /* takes a second, per kind */
    double burst[YZ_LIMIT__COUNT]; /* bucket size, per kind */
    bucket b[YZ_LIMIT__COUNT][SLOTS];
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

yz_limiter *yz__limiter_new(double per_min_token, double per_min_ip, double per_hour_mint)
{
    yz_limiter *l = yz_calloc(1, sizeof *l);
    pthread_mutex_init(&l->mu, NULL);
    l->rate[YZ_LIMIT_TOKEN] = per_min_token / 60.0;
    l->rate[YZ_LIMIT_IP] = per_min_ip / 60.0;
    /* A burst of a third of a minute's allowance, at least 5. */
    for (int k = YZ_LIMIT_TOKEN; k <= YZ_LIMIT_IP; k++) {
        double per_min = k == YZ_LIMIT_IP ? per_min_ip : per_min_token;
        l->burst[k] = per_min / 3 > 5 ? per_min / 3 : 5;
    }
    /* Minting: a shared address (a depot's Wi-Fi, a carrier's NAT) may sign up its whole
     * hour's allowance at once, then one every 3600/per_hour s. */
    l->rate[YZ_LIMIT_MINT] = per_hour_mint / 3600.0;
    l->burst[YZ_LIMIT_MINT] = per_hour_mint > 1 ? per_hour_mint : 1;
    /* Problem reports: 20 an hour, bursts of 10, until yz__limiter_set says otherwise. */
    l->rate[YZ_LIMIT_REPORTS_IP] = 20.0 / 3600;
    l->burst[YZ_LIMIT_REPORTS_IP] = 10;
    return l;
}

void yz__limiter_set(yz_limiter *l, int kind, double per_s, double burst)
{
    assert(kind >= 0 && kind < YZ_LIMIT__COUNT && per_s > 0 && burst >= 1);
    pthread_mutex_lock(&l->mu);
    l->rate[kind] = per_s;
    l->burst[kind] = burst;
    pthread_mutex_unlock(&l->mu);
}

void yz__limiter_free(yz_limiter *l)
{
    if (!l)
        return;
    pthread_mutex_destroy(&l->mu);
    yz_free(l);
}

static uint64_t hash_key(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h ? h : 1;
}

int yz__limiter_take(yz_limiter *l, int kind, const char *key, int *retry_s)
{
    assert(kind >= 0 && kind < YZ_LIMIT__COUNT && l->rate[kind] > 0); /* every kind is set */
    uint64_t h = hash_key(key);
    double t = now_s();
    pthread_mutex_lock(&l->mu);
    bucket *b = &l->b[kind][h & (SLOTS - 1)];
    if (b->key != h)
        *b = (bucket){h, l->burst[kind], t};
    b->tokens += (t - b->last_s) * l->rate[kind];
    if (b->tokens > l->burst[kind])
        b->tokens = l->burst[kind];
    b->last_s = t;
    int ok = b->tokens >= 1;
    if (ok)
        b->tokens -= 1;
    else
        *retry_s = (int)((1 - b->tokens) / l->rate[kind]) + 1;
    pthread_mutex_unlock(&l->mu);
    return ok ? YZ_OK : YZ_ERATE;
}
