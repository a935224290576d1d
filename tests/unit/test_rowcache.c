/* SPDX-License-Identifier: MIT */
/* tests/unit/test_rowcache.c - api/rowcache: whatever a lookup returns is exactly the last row
 * put under that very key (checked against a plain list of every key's last row, the oracle,
 * over random puts and lookups that collide in the table), a row just put is found, serial 0
 * and rows too long are never kept, and one thread never sees another's rows. */
#include "api/rowcache.h"

#include <criterion/criterion.h>

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define KEYS 1024
#define MAX_ROW 2600 /* past what a slot holds, so that some are refused */

typedef struct known {
    yz__rowkey k;
    bool kept; /* its last put was accepted */
    size_t n;
    char row[MAX_ROW];
} known;

static known *find(known *list, size_t n, const yz__rowkey *k)
{
    for (size_t i = 0; i < n; i++)
        if (!memcmp(&list[i].k, k, sizeof *k))
            return &list[i];
    return NULL;
}

static uint64_t rnd(uint64_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    return *x;
}

static yz__rowkey random_key(uint64_t *x)
{
    yz__rowkey k;
    memset(&k, 0, sizeof k); /* padding too: keys are compared as bytes in the oracle */
    /* 1,024 keys: the four serial pairs of one station and variant share a slot, so they
     * collide, and keys differing in one field only abound */
    k.serial = 1 + rnd(x) % 2;
    k.events = 1 + rnd(x) % 2;
    k.ratings = 7;
    k.station = (uint32_t)(rnd(x) % 128 * 37);
    k.variant = (uint32_t)(rnd(x) % 2);
    k.day = 20000;
    return k;
}

static void joined(const yz__rowparts *p, char *out, size_t *n)
{
    *n = 0;
    for (int j = 0; j < YZ__ROWCACHE_PARTS; j++) {
        memcpy(out + *n, p->p[j], p->n[j]);
        *n += p->n[j];
    }
}

Test(rowcache, random_against_oracle)
{
    uint64_t seed = 0x5eed1234abcdULL, x = seed;
    known *list = calloc(KEYS, sizeof *list);
    size_t nlist = 0, hits = 0, puts = 0;
    char got[YZ__ROWCACHE_ENTRY];
    for (int op = 0; op < 60000; op++) {
        yz__rowkey k = random_key(&x);
        known *kn = find(list, nlist, &k);
        if (rnd(&x) % 3 == 0) { /* a put of a fresh random row, split in three at random */
            if (!kn) {
                cr_assert_lt(nlist, KEYS);
                kn = &list[nlist++];
                kn->k = k;
            }
            kn->n = rnd(&x) % 1200 + (rnd(&x) % 8 == 0 ? 1400 : 0);
            for (size_t b = 0; b < kn->n; b++)
                kn->row[b] = (char)rnd(&x);
            size_t c1 = kn->n ? rnd(&x) % (kn->n + 1) : 0, c2 = c1 + rnd(&x) % (kn->n - c1 + 1);
            yz__rowparts p = {{kn->row, kn->row + c1, kn->row + c2}, {c1, c2 - c1, kn->n - c2}};
            kn->kept = yz__rowcache_put(&k, &p);
            cr_assert_eq(kn->kept, kn->n <= YZ__ROWCACHE_ROW_MAX, "seed %llx op %d: %zu bytes",
                         (unsigned long long)seed, op, kn->n);
            puts++;
            yz__rowparts q;
            if (kn->kept) { /* found at once */
                cr_assert(yz__rowcache_get(&k, &q), "seed %llx op %d", (unsigned long long)seed, op);
                size_t n;
                joined(&q, got, &n);
                cr_assert(n == kn->n && !memcmp(got, kn->row, n));
                cr_assert(q.n[0] == c1 && q.n[1] == c2 - c1, "the parts keep their lengths");
            }
        } else {
            yz__rowparts q;
            if (!yz__rowcache_get(&k, &q))
                continue;
            /* Anything found is this key's last row, and that row was kept. */
            cr_assert(kn && kn->kept, "seed %llx op %d: a row for a key never kept",
                      (unsigned long long)seed, op);
            size_t n;
            joined(&q, got, &n);
            cr_assert(n == kn->n && !memcmp(got, kn->row, n), "seed %llx op %d: another row",
                      (unsigned long long)seed, op);
            hits++;
        }
    }
    cr_assert_gt(hits, 1000, "the table keeps rows: %zu hits after %zu puts", hits, puts);
    uint64_t h, m;
    yz__rowcache_stats(&h, &m);
    cr_assert_geq(h, hits);
    free(list);
    yz__rowcache_thread_free();
}

Test(rowcache, serial_zero_and_too_long)
{
    yz__rowkey k = {0, 1, 1, 7, 0, 20000};
    yz__rowparts p = {{"a", "b", "c"}, {1, 1, 1}}, q;
    cr_assert(!yz__rowcache_put(&k, &p), "serial 0 is kept");
    cr_assert(!yz__rowcache_get(&k, &q));
    k.serial = 5;
    static char big[YZ__ROWCACHE_ROW_MAX + 1];
    yz__rowparts b = {{big, big, big}, {sizeof big, 0, 0}};
    cr_assert(!yz__rowcache_put(&k, &b), "a row as long as a slot is kept");
    cr_assert(!yz__rowcache_get(&k, &q));
    cr_assert(yz__rowcache_put(&k, &p));
    cr_assert(yz__rowcache_get(&k, &q));
    /* Any other serial, index, totals, day or variant: not this row. */
    yz__rowkey o[] = {{6, 1, 1, 7, 0, 20000}, {5, 2, 1, 7, 0, 20000}, {5, 1, 2, 7, 0, 20000},
                      {5, 1, 1, 7, 1, 20000}, {5, 1, 1, 7, 0, 20001}};
    for (size_t i = 0; i < sizeof o / sizeof o[0]; i++)
        cr_assert(!yz__rowcache_get(&o[i], &q), "key %zu finds another's row", i);
    yz__rowcache_thread_free();
    cr_assert(!yz__rowcache_get(&k, &q), "freed, still found");
}

static void *other_thread(void *arg)
{
    yz__rowparts q;
    *(bool *)arg = yz__rowcache_get(&(yz__rowkey){5, 1, 1, 7, 0, 20000}, &q);
    yz__rowcache_put(&(yz__rowkey){5, 1, 1, 7, 0, 20000}, &(yz__rowparts){{"x", "", ""}, {1, 0, 0}});
    return NULL; /* its table is freed at its exit */
}

Test(rowcache, per_thread)
{
    yz__rowparts p = {{"a", "b", "c"}, {1, 1, 1}}, q;
    yz__rowkey k = {5, 1, 1, 7, 0, 20000};
    cr_assert(yz__rowcache_put(&k, &p));
    bool seen = true;
    pthread_t t;
    cr_assert_eq(pthread_create(&t, NULL, other_thread, &seen), 0);
    pthread_join(t, NULL);
    cr_assert(!seen, "another thread found this thread's row");
    cr_assert(yz__rowcache_get(&k, &q));
    cr_assert(q.n[0] == 1 && q.p[0][0] == 'a', "the other thread's put reached this table");
    yz__rowcache_thread_free();
}
