/* SPDX-License-Identifier: MIT */
/* geo/index.c - the static spatial index: points as 3D unit vectors in a k-d tree of buckets of
 * up to 128 points. Nodes carry what their subtree can offer (facilities, tiers, open hours);
 * buckets hold their points' attributes as bit masks, so a filter costs a few ANDs per 64 points.
 * Searched best-first by branch and bound. Design and measurements: docs/internals/index.md. */
#include "geo/index.h"

#include "core/alloc.h"
#include "core/err.h"
#include "geo/index_int.h"

#include <assert.h>
#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#define PI 3.14159265358979323846
#define DEG (PI / 180.0)

/* Squared chord bound used when the query has no radius: every chord on the unit sphere is at
 * most 2 long, so 5 admits every point and still rejects a node whose box test failed. */
#define NO_RADIUS_D2 5.0

_Static_assert(sizeof(yz__index_node) == 64, "a node is one cache line");
_Static_assert(YZ__INDEX_BUCKET == 64 || YZ__INDEX_BUCKET == 128, "one or two mask words");
#define WORDS YZ__INDEX_WORDS
_Static_assert(sizeof(yz_index_sched) == 42, "schedule bits are packed");

/* Unit vector of a WGS-84 position on the sphere. Build and query use this same function, so two
 * equal positions give bit-identical vectors and a distance of exactly 0. */
static void to_xyz(double lat, double lon, double v[3])
{
    double la = lat * DEG, lo = lon * DEG;
    double cl = cos(la);
    v[0] = cl * cos(lo);
    v[1] = cl * sin(lo);
    v[2] = sin(la);
}

static bool latlon_ok(double lat, double lon)
{
    /* Written so that NaN fails every comparison and is rejected. */
    return lat >= -90.0 && lat <= 90.0 && lon >= -180.0 && lon <= 180.0;
}

/* Great-circle metres from the chord between two unit vectors: the haversine distance, since
 * chord / 2 is exactly the square root of the haversine term. */
static double chord2_to_m(double d2)
{
    double h = sqrt(d2) / 2.0;
    if (h > 1.0)
        h = 1.0;
    return 2.0 * YZ_INDEX_EARTH_RADIUS_M * asin(h);
}

int yz_index_hour_of_week(int64_t t)
{
    /* Floor division, so that times before 1970 land in the right hour too. */
    int64_t hours = t / 3600;
    if (t % 3600 < 0)
        hours--;
    int64_t h = (hours + 72) % 168; /* 1970-01-01 00:00 UTC was Thursday: Monday + 72 h */
    if (h < 0)
        h += 168;
    return (int)h;
}

/* Minimum and maximum of values known not to be NaN: unlike fmin/fmax, these compile to one
 * instruction instead of a libm call. */
static inline double dmin(double a, double b)
{
    return b < a ? b : a;
}

static inline double dmax(double a, double b)
{
    return b > a ? b : a;
}

/* ---- build ------------------------------------------------------------------------------- */

typedef struct bpoint {
    double v[3]; /* unit vector */
    uint32_t i;  /* build-array position */
    uint32_t _pad;
} bpoint;

typedef struct builder {
    yz_index *ix;
    bpoint *pts;
    const yz_index_item *items;
    const uint32_t *ids; /* NULL, or what each item is called (yz_index_build_ids) */
    uint64_t rng; /* xorshift state for pivot choice (deterministic) */
} builder;

static uint64_t next_rand(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    *s = x;
    return x;
}

/* Reorder a[0..n) so that a[k] holds the element that sorting by v[axis] would put there, with
 * nothing greater before it and nothing smaller after it (Hoare's FIND, as in Wirth's
 * "Algorithms + Data Structures"), with the median of three random elements as the pivot. */
static void select_nth(bpoint *a, size_t n, size_t k, int axis, uint64_t *rng)
{
    ptrdiff_t l = 0, r = (ptrdiff_t)n - 1, kk = (ptrdiff_t)k;
    while (l < r) {
        size_t len = (size_t)(r - l + 1);
        double p0 = a[l + (ptrdiff_t)(next_rand(rng) % len)].v[axis];
        double p1 = a[l + (ptrdiff_t)(next_rand(rng) % len)].v[axis];
        double p2 = a[l + (ptrdiff_t)(next_rand(rng) % len)].v[axis];
        double x = dmax(dmin(p0, p1), dmin(dmax(p0, p1), p2));
        ptrdiff_t i = l, j = r;
        do {
            while (a[i].v[axis] < x)
                i++;
            while (x < a[j].v[axis])
                j--;
            if (i <= j) {
                bpoint t = a[i];
                a[i] = a[j];
                a[j] = t;
                i++;
                j--;
            }
        } while (i <= j);
        if (j < kk)
            l = i;
        if (kk < i)
            r = j;
    }
}

static float round_down(double v)
{
    float f = (float)v;
    if ((double)f > v)
        f = nextafterf(f, -INFINITY);
    return f;
}

static float round_up(double v)
{
    float f = (float)v;
    if ((double)f < v)
        f = nextafterf(f, INFINITY);
    return f;
}

/* Float box of pts[lo, hi), rounded outward; an empty range gets an inverted box, whose
 * distance from anything is infinite. */
static void points_box(const bpoint *pts, size_t lo, size_t hi, float blo[3], float bhi[3])
{
    double mn[3] = {INFINITY, INFINITY, INFINITY}, mx[3] = {-INFINITY, -INFINITY, -INFINITY};
    for (size_t p = lo; p < hi; p++) {
        for (int a = 0; a < 3; a++) {
            mn[a] = dmin(mn[a], pts[p].v[a]);
            mx[a] = dmax(mx[a], pts[p].v[a]);
        }
    }
    for (int a = 0; a < 3; a++) {
        blo[a] = lo < hi ? round_down(mn[a]) : INFINITY;
        bhi[a] = lo < hi ? round_up(mx[a]) : -INFINITY;
    }
}

/* The axis along which pts[lo, hi) spread the most. */
static int widest_axis(const builder *b, size_t lo, size_t hi)
{
    double mn[3] = {INFINITY, INFINITY, INFINITY}, mx[3] = {-INFINITY, -INFINITY, -INFINITY};
    for (size_t p = lo; p < hi; p++) {
        for (int a = 0; a < 3; a++) {
            mn[a] = dmin(mn[a], b->pts[p].v[a]);
            mx[a] = dmax(mx[a], b->pts[p].v[a]);
        }
    }
    int axis = 0;
    for (int a = 1; a < 3; a++) {
        if (mx[a] - mn[a] > mx[axis] - mn[axis])
            axis = a;
    }
    return axis;
}

/* Split pts[lo, hi) at lo + (hi - lo) / 2 by the median of the widest axis of its box. */
static void split_median(builder *b, size_t lo, size_t hi)
{
    if (hi - lo < 2)
        return;
    size_t mid = lo + (hi - lo) / 2;
    select_nth(b->pts + lo, hi - lo, mid - lo, widest_axis(b, lo, hi), &b->rng);
}

/* Fill bucket `node` from pts[lo, hi): its points, masks, box(es) and node. */
static void build_bucket(builder *b, size_t node, size_t lo, size_t hi)
{
    yz_index *ix = b->ix;
    yz__index_node *nd = &ix->nodes[node];
    unsigned char *blk = yz__index_block(ix, node);
    uint64_t *slice = (uint64_t *)blk;
    size_t m = hi - lo;

    memset(nd, 0, sizeof(*nd));
    if (WORDS == 2) {
        /* The points of each mask word form a part of the bucket with its own box (the second
         * is empty, its box inverted, when the bucket holds 64 points or fewer). */
        size_t cut = m > 64 ? 64 : m;
        if (m > 64)
            select_nth(b->pts + lo, m, 64, widest_axis(b, lo, hi), &b->rng);
        float *wbox = (float *)(blk + ix->wbox_off);
        points_box(b->pts, lo, lo + cut, &wbox[0], &wbox[3]);
        points_box(b->pts, lo + cut, hi, &wbox[6], &wbox[9]);
    }
    for (size_t j = 0; j < m; j++) {
        size_t p = lo + j;
        const bpoint *bp = &b->pts[p];
        const yz_index_item *it = &b->items[bp->i];
        yz__index_point *pt = &ix->pts[p];
        memcpy(pt->v, bp->v, sizeof(bp->v));
        pt->item = b->ids ? b->ids[bp->i] : bp->i;
        pt->sched = ix->scheds ? it->sched : 0;

        uint64_t bit = 1ULL << (j % 64);
        size_t w = j / 64;
        if (it->flags & YZ_INDEX_SPECIAL)
            slice[YZ__INDEX_SLICE_SPECIAL * WORDS + w] |= bit;
        slice[(size_t)ix->tier_slot[it->tier] * WORDS + w] |= bit;
        for (uint64_t f = it->fac; f; f &= f - 1)
            slice[(size_t)ix->fac_slot[__builtin_ctzll(f)] * WORDS + w] |= bit;

        nd->fac_or |= it->fac;
        nd->tiers |= (uint8_t)(1u << it->tier);
        if (!ix->scheds || (it->flags & YZ_INDEX_SPECIAL)) {
            memset(nd->open, 0xff, sizeof(nd->open));
        } else {
            const yz_index_sched *s = &ix->scheds[it->sched];
            for (int h = 0; h < 21; h++)
                nd->open[h] |= s->sure[h] | s->maybe[h];
        }
    }
    points_box(b->pts, lo, hi, nd->lo, nd->hi);
}

/* From this many points the root's two subtrees are built at once (build_node). */
#define BUILD_THREAD_MIN 65536

typedef struct subtree {
    builder b;
    size_t node, lo, hi;
    unsigned d;
} subtree;

static void build_node(builder *b, size_t node, unsigned d, size_t lo, size_t hi);

static void *build_subtree(void *arg)
{
    subtree *t = arg;
    build_node(&t->b, t->node, t->d, t->lo, t->hi);
    return NULL;
}

/* Build the subtree of `node` (at depth d) over pts[lo, hi), children first, then the node's
 * box and masks as the union of theirs. The root's two subtrees are independent (their points,
 * buckets and nodes are disjoint ranges): a large index builds the first on a thread of its
 * own, with a builder of its own (its own pivot sequence, seeded from the root's: the build
 * stays deterministic), while this thread builds the second. At a million stations the build
 * was a fifth of the start until nearby answers, on one CPU. */
static void build_node(builder *b, size_t node, unsigned d, size_t lo, size_t hi)
{
    yz_index *ix = b->ix;
    if (d == ix->depth) {
        build_bucket(b, node, lo, hi);
        return;
    }
    split_median(b, lo, hi);
    size_t mid = lo + (hi - lo) / 2;
    subtree left = {*b, 2 * node, lo, mid, d + 1};
    pthread_t th;
    bool threaded = false;
    if (node == 1 && hi - lo >= BUILD_THREAD_MIN) {
        left.b.rng = next_rand(&b->rng) | 1;
        threaded = pthread_create(&th, NULL, build_subtree, &left) == 0;
    }
    if (!threaded) { /* small, or no thread to be had: one subtree after the other */
        build_subtree(&left);
        b->rng = left.b.rng; /* the pivots go on where the first subtree left them */
    }
    build_node(b, 2 * node + 1, d + 1, mid, hi);
    if (threaded)
        pthread_join(th, NULL);

    yz__index_node *nd = &ix->nodes[node];
    const yz__index_node *l = &ix->nodes[2 * node], *r = &ix->nodes[2 * node + 1];
    memset(nd, 0, sizeof(*nd));
    for (int a = 0; a < 3; a++) {
        nd->lo[a] = r->lo[a] < l->lo[a] ? r->lo[a] : l->lo[a];
        nd->hi[a] = r->hi[a] > l->hi[a] ? r->hi[a] : l->hi[a];
    }
    nd->fac_or = l->fac_or | r->fac_or;
    nd->tiers = l->tiers | r->tiers;
    for (int h = 0; h < 21; h++)
        nd->open[h] = l->open[h] | r->open[h];
}

int yz_index_build(const yz_index_item *items, size_t n, const yz_index_sched *scheds,
                   size_t nsched, yz_index **out)
{
    return yz_index_build_ids(items, NULL, n, scheds, nsched, out);
}

int yz_index_build_ids(const yz_index_item *items, const uint32_t *ids, size_t n,
                       const yz_index_sched *scheds, size_t nsched, yz_index **out)
{
    assert(out);
    if (n > YZ_INDEX_MAX_ITEMS || (n && !items) || (!scheds && nsched))
        return YZ_EINVAL;
    for (size_t i = 1; ids && i < n; i++)
        assert(ids[i - 1] < ids[i]);
    uint64_t fac_used = 0;
    unsigned tiers_used = 0;
    for (size_t i = 0; i < n; i++) {
        const yz_index_item *it = &items[i];
        if (!latlon_ok(it->lat, it->lon) || it->tier > 7 || (scheds && it->sched >= nsched))
            return YZ_EINVAL;
        fac_used |= it->fac;
        tiers_used |= 1u << it->tier;
    }

    yz_index *ix = yz_calloc(1, sizeof(*ix));
    ix->n = n;
    ix->qcap = YZ__INDEX_QCAP;
    if (scheds && nsched) {
        ix->scheds = yz_reallocarray(NULL, nsched, sizeof(*scheds));
        memcpy(ix->scheds, scheds, nsched * sizeof(*scheds));
        ix->nsched = nsched;
    }

    /* Slices: special, then the tiers and facility bits some point has. */
    size_t ns = 1;
    for (int t = 0; t < 8; t++)
        ix->tier_slot[t] = (tiers_used >> t) & 1 ? (int8_t)ns++ : -1;
    for (int f = 0; f < 64; f++)
        ix->fac_slot[f] = (fac_used >> f) & 1 ? (int8_t)ns++ : -1;
    ix->nslice = ns;
    ix->wbox_off = ns * WORDS * sizeof(uint64_t);
    ix->bstride = (ix->wbox_off + (WORDS > 1 ? WORDS * 6 * sizeof(float) : 0) + 63) & ~(size_t)63;
    if (n == 0) {
        *out = ix;
        return YZ_OK;
    }

    /* Fewest buckets (a power of two) that keep every bucket at most YZ__INDEX_BUCKET points. */
    unsigned depth = 0;
    while ((n + ((size_t)1 << depth) - 1) >> depth > YZ__INDEX_BUCKET)
        depth++;
    ix->depth = depth;
    size_t nnodes = (size_t)2 << depth; /* slot 0 unused: root at 1 */
    size_t nbuckets = (size_t)1 << depth;
    size_t nodes_bytes = nnodes * sizeof(yz__index_node);
    size_t blocks_bytes = nbuckets * ix->bstride;
    ix->raw_bytes = nodes_bytes + blocks_bytes + n * sizeof(yz__index_point) + 127;
    ix->raw = yz_calloc(1, ix->raw_bytes);
    /* Align so that the sibling pair 2i, 2i + 1 shares one 128-byte block; blocks and points
     * follow, 64-byte aligned (bstride and the node size are multiples of 64). */
    ix->nodes = (yz__index_node *)(((uintptr_t)ix->raw + 127) & ~(uintptr_t)127);
    ix->blocks = (unsigned char *)ix->nodes + nodes_bytes;
    ix->pts = (yz__index_point *)(ix->blocks + blocks_bytes);

    builder b = {.ix = ix, .items = items, .ids = ids, .rng = 0x9e3779b97f4a7c15ull};
    b.pts = yz_reallocarray(NULL, n, sizeof(bpoint));
    for (size_t i = 0; i < n; i++) {
        to_xyz(items[i].lat, items[i].lon, b.pts[i].v);
        b.pts[i].i = (uint32_t)i;
        b.pts[i]._pad = 0;
    }
    build_node(&b, 1, 0, 0, n);
    yz_free(b.pts);

    *out = ix;
    return YZ_OK;
}

void yz_index_free(yz_index *ix)
{
    if (!ix)
        return;
    yz_free(ix->raw);
    yz_free(ix->scheds);
    yz_free(ix);
}

size_t yz_index_count(const yz_index *ix)
{
    return ix->n;
}

size_t yz_index_memory(const yz_index *ix)
{
    return sizeof(*ix) + ix->raw_bytes + ix->nsched * sizeof(yz_index_sched);
}

/* ---- query ------------------------------------------------------------------------------- */

/* The k best so far: a max-heap on (d2, item), so the root is the one to evict next. */
typedef struct kheap {
    size_t n, k;
    double d2[YZ_INDEX_MAX_K];
    uint32_t item[YZ_INDEX_MAX_K];
} kheap;

static bool worse(double da, uint32_t ia, double db, uint32_t ib)
{
    return da > db || (da == db && ia > ib);
}

static void heap_sift_down(kheap *h, size_t i, double d2, uint32_t item)
{
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= h->n)
            break;
        if (c + 1 < h->n && worse(h->d2[c + 1], h->item[c + 1], h->d2[c], h->item[c]))
            c++;
        if (!worse(h->d2[c], h->item[c], d2, item))
            break;
        h->d2[i] = h->d2[c];
        h->item[i] = h->item[c];
        i = c;
    }
    h->d2[i] = d2;
    h->item[i] = item;
}

static void heap_push(kheap *h, double d2, uint32_t item)
{
    if (h->n < h->k) {
        size_t i = h->n++;
        while (i > 0) {
            size_t p = (i - 1) / 2;
            if (!worse(d2, item, h->d2[p], h->item[p]))
                break;
            h->d2[i] = h->d2[p];
            h->item[i] = h->item[p];
            i = p;
        }
        h->d2[i] = d2;
        h->item[i] = item;
    } else {
        heap_sift_down(h, 0, d2, item);
    }
}

/* A subtree waiting to be searched: node, its point range and its box distance. */
typedef struct frame {
    double d2;       /* squared chord from the query to the node's box */
    uint32_t node;   /* 1 = root */
    uint32_t lo, hi; /* point range [lo, hi) */
} frame;

/* Everything one query needs while it walks the tree; on the caller's stack (about 8 KB). */
typedef struct search {
    const yz_index *ix;
    const yz_index_query *q;
    double v[3];              /* query unit vector */
    uint64_t need;            /* facility bits required */
    unsigned tmask;           /* allowed tiers, 0xff = any */
    bool open;                /* open filter on */
    unsigned hbyte;           /* byte of the query's hour-of-week in the 21-byte masks */
    uint8_t hbit;             /* bit in that byte */
    unsigned nfs;             /* facility slices to AND */
    unsigned nts;             /* tier slices to OR; 0 = no tier filter */
    uint8_t fs[64];           /* the facility slices */
    uint8_t ts[8];            /* the tier slices */
    kheap h;                  /* the k best so far */
    double bound;             /* squared chord: prune what is farther (radius, then k-th best) */
    size_t first_bucket;      /* node number of the first bucket */
    size_t npq;               /* frames queued */
    frame pq[YZ__INDEX_QCAP]; /* best-first queue, a min-heap on d2 */
} search;

/* Whether the subtree of `nd` may hold a point that passes the filter. */
static bool node_ok(const search *s, const yz__index_node *nd)
{
    if ((nd->fac_or & s->need) != s->need || !(nd->tiers & s->tmask))
        return false;
    return !s->open || (nd->open[s->hbyte] & s->hbit);
}

/* Squared distance from v to the box lo..hi: a lower bound on the squared chord to every point
 * in it (the box holds them all and chord distance is Euclidean). */
static double box_d2(const double v[3], const float lo[3], const float hi[3])
{
    double s = 0.0;
    for (int a = 0; a < 3; a++) {
        double below = (double)lo[a] - v[a], above = v[a] - (double)hi[a];
        double t = below > above ? below : above;
        t = 0.5 * (t + fabs(t)); /* max(t, 0) without a branch: exact, and fabs is inlined */
        s += t * t;
    }
    return s;
}

/* The node's box distance, or infinity (beyond any bound) when the filter rules it out. */
static double node_d2(const search *s, const yz__index_node *nd)
{
    return node_ok(s, nd) ? box_d2(s->v, nd->lo, nd->hi) : INFINITY;
}

/* The open filter for one point: its schedule's bits for the query's hour decide, unless they
 * say "maybe" or the point is special; then the caller's callback does. */
static bool point_open(const search *s, const yz__index_point *pt, bool special)
{
    const yz_index *ix = s->ix;
    if (!special) {
        if (!ix->scheds)
            return true;
        const yz_index_sched *sc = &ix->scheds[pt->sched];
        if (sc->sure[s->hbyte] & s->hbit)
            return true;
        if (!(sc->maybe[s->hbyte] & s->hbit))
            return false;
    }
    return s->q->open_at(s->q->arg, pt->item, s->q->t);
}

/* The best-first queue: a binary min-heap of frames on d2. */
static void pq_push(search *s, frame f)
{
    size_t i = s->npq++;
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (s->pq[p].d2 <= f.d2)
            break;
        s->pq[i] = s->pq[p];
        i = p;
    }
    s->pq[i] = f;
}

static frame pq_pop(search *s)
{
    frame top = s->pq[0], last = s->pq[--s->npq];
    size_t i = 0, n = s->npq;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n)
            break;
        if (c + 1 < n && s->pq[c + 1].d2 < s->pq[c].d2)
            c++;
        if (last.d2 <= s->pq[c].d2)
            break;
        s->pq[i] = s->pq[c];
        i = c;
    }
    s->pq[i] = last;
    return top;
}

/* The lowest n bits (n >= 1; all 64 for n >= 64). */
static uint64_t bit_range(unsigned n)
{
    return n >= 64 ? ~0ULL : (1ULL << n) - 1;
}

/* Check the candidates of one mask word: distances first, in a loop without data-dependent
 * branches so that their cache lines are fetched in parallel; then the decisions. */
static void scan_word(search *s, const uint64_t *slice, const yz__index_point *pts, unsigned w,
                      uint64_t cand)
{
    double d2s[64];
    uint8_t js[64];
    unsigned nc = 0;
    for (; cand; cand &= cand - 1) {
        unsigned j = 64 * w + (unsigned)__builtin_ctzll(cand);
        const yz__index_point *pt = &pts[j];
        double dx = pt->v[0] - s->v[0], dy = pt->v[1] - s->v[1], dz = pt->v[2] - s->v[2];
        d2s[nc] = dx * dx + dy * dy + dz * dz;
        js[nc++] = (uint8_t)j;
    }
    for (unsigned c = 0; c < nc; c++) {
        double d2 = d2s[c];
        if (d2 > s->bound)
            continue;
        unsigned j = js[c];
        const yz__index_point *pt = &pts[j];
        if (s->h.n == s->h.k && d2 == s->bound && pt->item > s->h.item[0])
            continue;
        if (s->q->skip && s->q->skip(s->q->skip_arg, pt->item))
            continue;
        bool special = (slice[YZ__INDEX_SLICE_SPECIAL * WORDS + j / 64] >> (j % 64)) & 1;
        if (s->open && !point_open(s, pt, special))
            continue;
        heap_push(&s->h, d2, pt->item);
        if (s->h.n == s->h.k)
            s->bound = s->h.d2[0];
    }
}

/* Search one bucket: the filter is a few mask operations, and only the candidates left get
 * their distance computed. With many candidates (no filter, or a loose one), the bucket's
 * halves are searched nearer first and the other only if its box is still within the bound. */
static void scan_bucket(search *s, size_t node, size_t lo, size_t hi)
{
    const yz_index *ix = s->ix;
    const unsigned char *blk = yz__index_block(ix, node);
    const uint64_t *slice = (const uint64_t *)blk;
    const yz__index_point *pts = &ix->pts[lo];
    unsigned m = (unsigned)(hi - lo);

    uint64_t cand[WORDS];
    unsigned total = 0;
    for (unsigned w = 0; w < WORDS; w++) {
        cand[w] = 64 * w < m ? bit_range(m - 64 * w) : 0;
        for (unsigned i = 0; i < s->nfs; i++)
            cand[w] &= slice[s->fs[i] * WORDS + w];
        if (s->nts) {
            uint64_t t = 0;
            for (unsigned i = 0; i < s->nts; i++)
                t |= slice[s->ts[i] * WORDS + w];
            cand[w] &= t;
        }
        total += (unsigned)__builtin_popcountll(cand[w]);
    }
    if (WORDS == 1 || m <= 64 || total <= 24) {
        for (unsigned w = 0; w < WORDS; w++)
            scan_word(s, slice, pts, w, cand[w]);
        return;
    }
    const float *wbox = (const float *)(blk + ix->wbox_off);
    double d0 = box_d2(s->v, &wbox[0], &wbox[3]), d1 = box_d2(s->v, &wbox[6], &wbox[9]);
    unsigned first = d1 < d0;
    double dfirst = first ? d1 : d0, dsecond = first ? d0 : d1;
    if (dfirst <= s->bound)
        scan_word(s, slice, pts, first, cand[first]);
    if (dsecond <= s->bound)
        scan_word(s, slice, pts, first ^ 1, cand[first ^ 1]);
}

/* Split frame f into its two children, the nearer first; an unusable child gets d2 = INFINITY
 * (the bound is always finite, so it is pruned). */
static void children(const search *s, const frame *f, frame *near, frame *far)
{
    const yz__index_node *nodes = s->ix->nodes;
    uint32_t l = 2 * f->node, mid = f->lo + (f->hi - f->lo) / 2;
    double dl = node_d2(s, &nodes[l]);
    double dr = node_d2(s, &nodes[l + 1]);
    if (dl <= dr) {
        *near = (frame){dl, l, f->lo, mid};
        *far = (frame){dr, l + 1, mid, f->hi};
    } else {
        *near = (frame){dr, l + 1, mid, f->hi};
        *far = (frame){dl, l, f->lo, mid};
    }
}

/* Depth-first branch and bound below `f`, for when the best-first queue is full: its own stack
 * never holds more than one frame per level. */
static void search_dfs(search *s, frame f0)
{
    frame stack[64];
    size_t sp = 0;
    stack[sp++] = f0;
    while (sp > 0) {
        frame f = stack[--sp];
        while (f.d2 <= s->bound && f.node < s->first_bucket) {
            frame near, far;
            children(s, &f, &near, &far);
            if (far.d2 <= s->bound) {
                assert(sp < sizeof(stack) / sizeof(stack[0]));
                stack[sp++] = far;
            }
            f = near;
        }
        if (f.d2 <= s->bound)
            scan_bucket(s, f.node, f.lo, f.hi);
    }
}

/* Best-first: always expand the frame nearest to the query, descending to a bucket along the
 * nearer child and queueing the other, so buckets are searched roughly in order of distance and
 * the search stops as soon as the nearest queued box is beyond the bound. */
static void search_run(search *s)
{
    const yz__index_node *root = &s->ix->nodes[1];
    double d2 = node_d2(s, root);
    if (d2 > s->bound)
        return;
    s->npq = 0;
    pq_push(s, (frame){d2, 1, 0, (uint32_t)s->ix->n});
    while (s->npq > 0) {
        frame f = pq_pop(s);
        if (f.d2 > s->bound)
            break; /* every queued frame is at least as far */
        while (f.node < s->first_bucket) {
            frame near, far;
            children(s, &f, &near, &far);
            if (far.d2 <= s->bound) {
                if (s->npq < s->ix->qcap)
                    pq_push(s, far);
                else
                    search_dfs(s, far);
            }
            if (near.d2 > s->bound)
                goto next;
            f = near;
        }
        scan_bucket(s, f.node, f.lo, f.hi);
    next:;
    }
}

int yz_index_nearest(const yz_index *ix, const yz_index_query *q, yz_index_hit *out, size_t *n_out)
{
    assert(ix && q && out && n_out);
    *n_out = 0;
    if (!latlon_ok(q->at.lat, q->at.lon) || q->k < 1 || q->k > YZ_INDEX_MAX_K ||
        !(q->radius_m >= 0.0) || !isfinite(q->radius_m) || (q->open && !q->open_at))
        return YZ_EINVAL;
    if (ix->n == 0)
        return YZ_OK;

    search s;
    s.ix = ix;
    s.q = q;
    s.need = q->need;
    s.open = q->open;
    s.tmask = q->tier_mask ? q->tier_mask : 0xffu;
    s.hbyte = 0;
    s.hbit = 0;
    if (q->open) {
        int hw = yz_index_hour_of_week(q->t);
        s.hbyte = (unsigned)hw >> 3;
        s.hbit = (uint8_t)(1u << (hw & 7));
    }
    /* The filter as slices: every facility bit asked for must be some point's; the tier filter
     * matters only if it leaves out a tier some point has. */
    s.nfs = 0;
    for (uint64_t f = q->need; f; f &= f - 1) {
        int slot = ix->fac_slot[__builtin_ctzll(f)];
        if (slot < 0)
            return YZ_OK;
        s.fs[s.nfs++] = (uint8_t)slot;
    }
    s.nts = 0;
    bool all_tiers = true;
    for (unsigned t = 0; t < 8; t++) {
        if (ix->tier_slot[t] < 0)
            continue;
        if ((s.tmask >> t) & 1)
            s.ts[s.nts++] = (uint8_t)ix->tier_slot[t];
        else
            all_tiers = false;
    }
    if (s.nts == 0)
        return YZ_OK;
    if (all_tiers)
        s.nts = 0;

    to_xyz(q->at.lat, q->at.lon, s.v);
    /* The radius as a squared chord, a hair generous so that rounding never drops a point that
     * is inside; the exact test on metres happens when the results are written out. */
    s.bound = NO_RADIUS_D2;
    if (q->radius_m > 0.0) {
        double ang = q->radius_m / YZ_INDEX_EARTH_RADIUS_M;
        if (ang < PI) {
            double rc = 2.0 * sin(ang / 2.0) * (1.0 + 1e-12) + 1e-13;
            s.bound = rc * rc;
        }
    }
    s.h.n = 0;
    s.h.k = q->k;
    s.first_bucket = (size_t)1 << ix->depth;
    search_run(&s);
    kheap *h = &s.h;

    /* Drain the heap from the worst down, then drop what the exact radius test rejects (these
     * are the farthest, so they sit at the end). */
    size_t cnt = h->n;
    for (size_t i = cnt; i-- > 0;) {
        out[i].item = h->item[0];
        out[i].distance_m = chord2_to_m(h->d2[0]);
        h->n--;
        if (h->n > 0)
            heap_sift_down(h, 0, h->d2[h->n], h->item[h->n]);
    }
    if (q->radius_m > 0.0) {
        while (cnt > 0 && out[cnt - 1].distance_m > q->radius_m)
            cnt--;
    }
    *n_out = cnt;
    return YZ_OK;
}
