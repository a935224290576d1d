/* SPDX-License-Identifier: MIT */
/* geo/index_int.h - private layout of the spatial index, shared only by index.c and its unit
 * test (which checks the layout's invariants). Nobody else includes it. */
#ifndef YZ_INDEX_INT_H
#define YZ_INDEX_INT_H

#include "geo/index.h"

#include <stddef.h>
#include <stdint.h>

/* Most points in a bucket: 64 (one mask word) or 128 (two). A bucket holds between
 * YZ__INDEX_BUCKET / 2 and YZ__INDEX_BUCKET points once n >= YZ__INDEX_BUCKET. 128 measured
 * best (docs/internals/index.md). */
#define YZ__INDEX_BUCKET 128
#define YZ__INDEX_WORDS (YZ__INDEX_BUCKET / 64)

/* Most frames a query keeps in its best-first queue (on its stack); beyond that, subtrees are
 * searched depth-first. */
#define YZ__INDEX_QCAP 256

/* One node of the implicit complete binary tree over buckets (root at 1, children of i at 2i
 * and 2i + 1, buckets at depth `depth`): one cache line. The box bounds every point below it
 * in 3D unit-vector space, with the float bounds rounded outward so it is never too small; the
 * masks are the OR of what the points below can offer. */
typedef struct yz__index_node {
    float lo[3];      /* box minimum x, y, z (unit-sphere coordinates, rounded down) */
    float hi[3];      /* box maximum x, y, z (rounded up) */
    uint64_t fac_or;  /* OR of the facility masks below */
    uint8_t open[21]; /* bit h: some point below may be open in UTC hour-of-week h */
    uint8_t tiers;    /* bit t: some point below has tier t */
    uint8_t _pad[10];
} yz__index_node;

/* Each bucket has a block of ix->bstride bytes (a multiple of 64) at ix->blocks + b * bstride,
 * b = node - first bucket node:
 *   uint64_t slice[ix->nslice][YZ__INDEX_WORDS]   bit j % 64 of word j / 64 stands for the
 *       bucket's j-th point. Slice 0 marks special points; then comes one slice per tier some
 *       point has (ix->tier_slot), then one per facility bit some point has (ix->fac_slot).
 *   float wbox[YZ__INDEX_WORDS][6]   at wbox_off, with two words only: the box (lo x, y, z,
 *       hi x, y, z, rounded outward) of the points of each word; inverted when it has none. */
#define YZ__INDEX_SLICE_SPECIAL 0

/* What a query reads of a candidate point, in one half cache line. */
typedef struct yz__index_point {
    double v[3];    /* unit vector x, y, z */
    uint32_t item;  /* build-array position */
    uint32_t sched; /* schedule id (0 without a schedule table) */
} yz__index_point;

struct yz_index {
    size_t n;               /* points */
    unsigned depth;         /* buckets are the 1 << depth nodes at depth `depth` */
    yz__index_node *nodes;  /* nodes[1 .. 2 << depth), 64-byte aligned; NULL when n == 0 */
    unsigned char *blocks;  /* bucket blocks, 64-byte aligned */
    size_t bstride;         /* bytes per bucket block */
    size_t nslice;          /* slices in each block */
    size_t wbox_off;        /* byte offset of the per-word boxes in a block (128-point buckets) */
    int8_t tier_slot[8];    /* slice holding tier t, or -1 if no point has tier t */
    int8_t fac_slot[64];    /* slice holding facility bit b, or -1 if no point has it */
    yz__index_point *pts;   /* points in bucket order, 32-byte aligned */
    yz_index_sched *scheds; /* copy of the schedule table; NULL = always open */
    size_t nsched;          /* entries in scheds */
    void *raw;              /* the one allocation behind nodes, blocks and points */
    size_t raw_bytes;       /* its size */
    unsigned qcap;          /* best-first queue limit, <= YZ__INDEX_QCAP (tests lower it) */
};

/* Point range [*lo, *hi) of the `node`-th node (1 = root) of an implicit tree over n points in
 * which every node's range splits at lo + (hi - lo) / 2 into its two children's. */
static inline void yz__index_range(size_t n, size_t node, size_t *lo, size_t *hi)
{
    size_t a = 0, b = n;
    unsigned d = 0;
    while ((node >> d) > 1)
        d++;
    for (unsigned i = d; i-- > 0;) {
        size_t mid = a + (b - a) / 2;
        if ((node >> i) & 1)
            a = mid;
        else
            b = mid;
    }
    *lo = a;
    *hi = b;
}

/* The block of bucket node `node`. */
static inline unsigned char *yz__index_block(const yz_index *ix, size_t node)
{
    return ix->blocks + (node - ((size_t)1 << ix->depth)) * ix->bstride;
}

#endif
