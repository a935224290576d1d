/* SPDX-License-Identifier: MIT */
/* api/rowcache.h - a handler thread's cache of the bytes a nearby row writes from the snapshot
 * alone (the fragment, the position, the map links), so that a station asked again is copied
 * instead of rendered (docs/internals/catalog.md, "Rendered rows kept per thread").
 * Internal to api/ and its unit test. Each thread has its own table: no locks, no sharing. */
#ifndef YZ_API_ROWCACHE_H
#define YZ_API_ROWCACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What a kept row was rendered from. `serial`, `events` and `ratings` name the snapshot, the
 * events index and the rating totals (yz_state_snap_serial, yz_state_events_serial,
 * yz_state_ratings_serial: never reused, never 0), `station` its
 * position in the snapshot, `day` the station's local day asked, `variant` the query's choices
 * the bytes depend on (language, coordinate system, travel mode). */
typedef struct yz__rowkey {
    uint64_t serial;
    uint64_t events;
    uint64_t ratings;
    uint32_t station;
    uint32_t variant;
    int32_t day;
} yz__rowkey;

enum {
    YZ__ROWCACHE_SLOTS = 2048, /* rows kept a thread, direct-mapped */
    YZ__ROWCACHE_ENTRY = 2048, /* bytes a slot: 4 MiB a thread in all */
    YZ__ROWCACHE_PARTS = 3,    /* pieces of a row, written apart in the answer */
    YZ__ROWCACHE_ROW_MAX = 2000, /* bytes of a row kept at most (a demo row: 1.2 KB) */
};

/* A row's pieces: p[k][0..n[k]). */
typedef struct yz__rowparts {
    const char *p[YZ__ROWCACHE_PARTS];
    size_t n[YZ__ROWCACHE_PARTS];
} yz__rowparts;

/* The row kept under `k` on this thread into *out, its pieces borrowed (valid until this
 * thread's next yz__rowcache_put), or false when none is kept. */
bool yz__rowcache_get(const yz__rowkey *k, yz__rowparts *out);
/* Ask the CPU for the slot a lookup of `k` will read (its key and its row), so that the
 * misses of an answer's rows overlap. Only a hint: it changes nothing. */
void yz__rowcache_prefetch(const yz__rowkey *k);
/* Keep the pieces of `row` (copied) under `k` on this thread, in place of the row its slot
 * held. Rows longer than YZ__ROWCACHE_ROW_MAX are not kept (false; nor is a row kept before
 * under `k`), nor any under serial 0. Allocates the thread's table on first use; it is freed
 * when the thread exits. */
bool yz__rowcache_put(const yz__rowkey *k, const yz__rowparts *row);
/* This thread's lookups that found a row and those that did not (tests, benches). */
void yz__rowcache_stats(uint64_t *hits, uint64_t *misses);
/* Free this thread's table now (a thread that never exits: the tests' main thread). */
void yz__rowcache_thread_free(void);

#endif
