/* SPDX-License-Identifier: MIT */
/* geo/index.h - the immutable in-memory spatial index of stations behind the read path: k nearest
 * and within-radius searches filtered by facilities, tier and "open at time T"
 * (docs/internals/index.md). Built once per catalog snapshot, then read by any number of threads
 * at once without locks: nothing in a built index changes until yz_index_free(). Distances are
 * great-circle metres on a sphere of radius YZ_INDEX_EARTH_RADIUS_M, as yz_coord_distance_m(). */
#ifndef YZ_INDEX_H
#define YZ_INDEX_H

#include "geo/coord.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct yz_index yz_index;

/* Largest k a query may ask for. */
#define YZ_INDEX_MAX_K 100
/* Most items an index holds (item numbers are uint32_t). */
#define YZ_INDEX_MAX_ITEMS 0xfffffffeu
/* Mean Earth radius used for every distance, as in yz_coord_distance_m(). */
#define YZ_INDEX_EARTH_RADIUS_M 6371008.8

/* yz_index_item.flags: the point's schedule bits cannot be trusted (public holidays, a temporary
 * closure, a rule the compiler could not reduce to hours): an "open" query always asks the
 * callback about it. */
#define YZ_INDEX_SPECIAL 0x01u

/* One station as the index sees it. */
typedef struct yz_index_item {
    double lat;     /* WGS-84 degrees, [-90, 90] */
    double lon;     /* WGS-84 degrees, [-180, 180] */
    uint64_t fac;   /* facility mask (bit = yz_facility.bit) */
    uint32_t sched; /* index into the schedule table given to yz_index_build() */
    uint8_t tier;   /* enum yz_tier; any value 0..7 works with yz_index_query.tier_mask */
    uint8_t flags;  /* YZ_INDEX_SPECIAL or 0 */
} yz_index_item;

/* A weekly schedule reduced to UTC hours. Bit h (byte h / 8, bit h % 8) stands for UTC
 * hour-of-week h, where hour 0 is Monday 00:00-01:00 UTC and hour 167 is Sunday 23:00-24:00 UTC
 * (see yz_index_hour_of_week()). `sure`: open for the whole hour. `maybe`: open at some minute of
 * the hour. A bit in `sure` counts as set in `maybe` too. Hours set in neither are closed. */
typedef struct yz_index_sched {
    uint8_t sure[21];  /* open all of UTC hour-of-week h */
    uint8_t maybe[21]; /* open some of UTC hour-of-week h (then the callback decides) */
} yz_index_sched;

/* Exact "is item `item` open at unix time `t`" (item = position in the build array). Called
 * only for a point that passed every other test and would enter the result, and only when its
 * schedule says "maybe but not sure" for the hour of `t` or it is YZ_INDEX_SPECIAL. Called on the
 * querying thread; it must not call back into the index with the same query. */
typedef bool (*yz_index_open_cb)(void *arg, uint32_t item, int64_t t);

/* Whether item `item` is to be left out of the answer (the catalog's overlay hides stations a
 * later write changed or deleted: docs/internals/catalog.md, "Writes"). Called only for a point
 * that passed every other filter but "open" and would enter the result. On the querying thread. */
typedef bool (*yz_index_skip_cb)(void *arg, uint32_t item);

/* Build an index over `n` items. `items` and `scheds` are borrowed (copied; the caller may free
 * them on return). Every items[i].sched must be < nsched, except that scheds == NULL with
 * nsched == 0 means "no schedules": every point counts as open at every hour (the callback is
 * still asked about YZ_INDEX_SPECIAL points). n == 0 builds an empty index.
 * Only YZ_INDEX_SPECIAL is read from flags. The result depends only on the inputs (no clock, no
 * global random state), so the same items give the same index.
 * Returns YZ_OK and an owned index in *out (free with yz_index_free), or YZ_EINVAL, leaving *out
 * untouched, when a lat/lon is out of range or not finite, a sched is out of the table, a tier
 * is above 7, or n > YZ_INDEX_MAX_ITEMS. Allocates about 35 bytes per item (plus 42 per
 * schedule) for the index and 32 per item of scratch while building; about 0.4 s for
 * 1,000,000 items. */
int yz_index_build(const yz_index_item *items, size_t n, const yz_index_sched *scheds,
                   size_t nsched, yz_index **out /* OUT */);

/* As yz_index_build, with ids[i] standing for items[i] wherever an item number is given out
 * (yz_index_hit.item, the open and skip callbacks, the order of ties) instead of i: the caller
 * keeps no array from its own numbers to the items (4 bytes an item). `ids` is borrowed and
 * must hold n strictly ascending numbers (asserted), so ties fall in the same order as with
 * positions; NULL means the positions. */
int yz_index_build_ids(const yz_index_item *items, const uint32_t *ids, size_t n,
                       const yz_index_sched *scheds, size_t nsched, yz_index **out /* OUT */);

/* Free the index. Accepts NULL. No query may be running on it. */
void yz_index_free(yz_index *ix);

/* A search. Fill every field (zero-initialize, then set what you need). */
typedef struct yz_index_query {
    yz_point at;              /* WGS-84 position searched from */
    size_t k;                 /* at most this many results, 1..YZ_INDEX_MAX_K */
    double radius_m;          /* only results with distance_m <= radius_m; 0 = no limit */
    uint64_t need;            /* a result has every bit of `need` in its facility mask; 0 = any */
    uint8_t tier_mask;        /* a result's tier t has bit (1 << t) set here; 0 = any tier */
    bool open;                /* only results open at time `t` */
    int64_t t;                /* unix seconds, read when `open` */
    yz_index_open_cb open_at; /* required when `open`; see yz_index_open_cb */
    void *arg;                /* passed to open_at */
    yz_index_skip_cb skip;    /* NULL, or items it returns true for are left out */
    void *skip_arg;           /* passed to skip */
} yz_index_query;

typedef struct yz_index_hit {
    uint32_t item;     /* position of the station in the array given to yz_index_build() */
    double distance_m; /* great-circle distance from the query point, metres (R = 6371008.8) */
} yz_index_hit;

/* Find the (up to) q->k stations nearest to q->at that pass every filter of `q`, nearest first,
 * equal distances by ascending item. Writes them to `out` (caller-owned, room for q->k hits) and
 * their number to *n_out; fewer than k when fewer stations qualify.
 * Returns YZ_OK, or YZ_EINVAL (with *n_out = 0) when q->at is out of range or not finite, q->k
 * is outside 1..YZ_INDEX_MAX_K, q->radius_m is negative or not finite, or q->open is set
 * without q->open_at. Borrows `ix` and `q`. Never allocates and takes no lock: any number of
 * threads may query one index at once; each query uses about 8 KB of its thread's stack.
 * Typically 1-2 us for k = 10 over 1,000,000 stations (bench/bench_index.c). */
int yz_index_nearest(const yz_index *ix, const yz_index_query *q, yz_index_hit *out,
                     size_t *n_out /* OUT */);

/* Number of items the index was built with. */
size_t yz_index_count(const yz_index *ix);

/* Bytes of memory the index holds: its struct, tree, buckets, points and schedule table (the
 * sizes asked of the allocator, without its own overhead). */
size_t yz_index_memory(const yz_index *ix);

/* UTC hour-of-week of unix time `t`, 0..167, hour 0 being Monday 00:00 UTC: the bit to look at
 * in yz_index_sched. 1970-01-01 was a Thursday, so t = 0 gives 72. Works for negative t. */
int yz_index_hour_of_week(int64_t t);

#endif
