/* SPDX-License-Identifier: MIT */
/* state/ratings.c - the rating totals part: per station, the number of counted ratings and
 * the sum of their stars, all and verified, and the same over every station
 * (docs/internals/reviews.md). A
 * version is a table of chunks of CHUNK stations; a new version copies the table and only the
 * chunk it changes, and shares the others with the version before. */
#include "state/state_int.h"

#include "core/alloc.h"
#include "core/log.h"
#include "store/reviews.h"

#include <string.h>

enum { CHUNK_BITS = 10, CHUNK = 1 << CHUNK_BITS, RELOAD_PASSES = 4 };
#define MAX_ID ((int64_t)4096 * 4096 - 1) /* ids past it are counted in the total only */

typedef struct rsum {
    int64_t count;  /* ratings */
    int64_t sum;    /* stars */
    int64_t vcount; /* verified ratings, part of count */
    int64_t vsum;   /* their stars, part of sum */
} rsum;

static bool rsum_eq(rsum a, rsum b)
{
    return a.count == b.count && a.sum == b.sum && a.vcount == b.vcount && a.vsum == b.vsum;
}

static rsum rsum_minus(rsum a, rsum b)
{
    return (rsum){a.count - b.count, a.sum - b.sum, a.vcount - b.vcount, a.vsum - b.vsum};
}

typedef struct chunk {
    int refs; /* versions sharing it; changed only under the writers' mutex */
    rsum r[CHUNK];
} chunk;

struct yz_rating_totals {
    chunk **c; /* c[k] covers ids k*CHUNK .. k*CHUNK+CHUNK-1; NULL: all zero */
    size_t n_chunks;
    rsum total;          /* over every station */
    uint64_t local_adds; /* yz_state_rating_add calls so far: tells a reload of local writes */
};

yz_rating_totals *yz__rating_totals_new(void)
{
    return yz_calloc(1, sizeof(yz_rating_totals));
}

/* Lock held (the chunks' counts are the writers'). */
void yz__rating_totals_free(void *p)
{
    yz_rating_totals *t = p;
    if (!t)
        return;
    for (size_t k = 0; k < t->n_chunks; k++)
        if (t->c[k] && --t->c[k]->refs == 0)
            yz_free(t->c[k]);
    yz_free(t->c);
    yz_free(t);
}

static rsum get(const yz_rating_totals *t, int64_t id)
{
    if (id <= 0 || id > MAX_ID)
        return (rsum){0};
    size_t k = (size_t)id >> CHUNK_BITS;
    if (k >= t->n_chunks || !t->c[k])
        return (rsum){0};
    return t->c[k]->r[(size_t)id & (CHUNK - 1)];
}

/* Shown as unrated rather than wrong: numbers no sequence of 1..5-star ratings makes (only
 * possible through a reload racing a local write, see yz_state_reload_ratings). */
static void sane(rsum r, int64_t station_id, yz_rating_agg *out)
{
    *out = (yz_rating_agg){station_id, r.count, r.sum, r.vcount, r.vsum};
    if (!yz_rating_agg_sane(out))
        *out = (yz_rating_agg){station_id, 0, 0, 0, 0};
}

void yz_state_rating(const yz_state_view *v, int64_t station_id, yz_rating_agg *out)
{
    sane(get(v->part[YZ__STATE_RATINGS]->obj, station_id), station_id, out);
}

void yz_state_rating_all(const yz_state_view *v, yz_rating_agg *out)
{
    const yz_rating_totals *t = v->part[YZ__STATE_RATINGS]->obj;
    sane(t->total, 0, out);
}

uint64_t yz_state_ratings_serial(const yz_state_view *v)
{
    return v->part[YZ__STATE_RATINGS]->serial;
}

/* --- building versions (lock held) ------------------------------------------------------------ */

/* A new version sharing every chunk of `old`. */
static yz_rating_totals *totals_clone(const yz_rating_totals *old)
{
    yz_rating_totals *t = yz_calloc(1, sizeof *t);
    t->n_chunks = old->n_chunks;
    t->c = yz_calloc(t->n_chunks + 1, sizeof *t->c);
    for (size_t k = 0; k < t->n_chunks; k++) {
        t->c[k] = old->c[k];
        if (t->c[k])
            t->c[k]->refs++;
    }
    t->total = old->total;
    t->local_adds = old->local_adds;
    return t;
}

/* Station `id`'s pair in `t`, in a chunk `t` alone holds (copied if shared), or NULL past
 * MAX_ID. */
static rsum *own(yz_rating_totals *t, int64_t id)
{
    if (id <= 0 || id > MAX_ID)
        return NULL;
    size_t k = (size_t)id >> CHUNK_BITS;
    if (k >= t->n_chunks) {
        t->c = yz_reallocarray(t->c, k + 1, sizeof *t->c);
        memset(&t->c[t->n_chunks], 0, (k + 1 - t->n_chunks) * sizeof *t->c);
        t->n_chunks = k + 1;
    }
    chunk *c = t->c[k];
    if (!c) {
        c = yz_calloc(1, sizeof *c);
        c->refs = 1;
        t->c[k] = c;
    } else if (c->refs > 1) {
        chunk *mine = yz_malloc(sizeof *mine);
        memcpy(mine->r, c->r, sizeof c->r);
        mine->refs = 1;
        c->refs--;
        t->c[k] = mine;
    }
    return &t->c[k]->r[(size_t)id & (CHUNK - 1)];
}

static void add(yz_rating_totals *t, int64_t id, rsum d)
{
    rsum *r = own(t, id);
    if (r) {
        r->count += d.count;
        r->sum += d.sum;
        r->vcount += d.vcount;
        r->vsum += d.vsum;
    }
    t->total.count += d.count;
    t->total.sum += d.sum;
    t->total.vcount += d.vcount;
    t->total.vsum += d.vsum;
}

static rsum of_agg(const yz_rating_agg *a)
{
    return (rsum){a->count, a->sum, a->vcount, a->vsum};
}

static yz_rating_totals *from_aggregates(const yz_rating_agg *a, size_t n)
{
    yz_rating_totals *t = yz__rating_totals_new();
    for (size_t i = 0; i < n; i++)
        add(t, a[i].station_id, of_agg(&a[i]));
    return t;
}

static void publish(yz_state *s, yz_rating_totals *t)
{
    yz__state_publish(s, YZ__STATE_RATINGS, t, yz__rating_totals_free);
}

void yz_state_rating_add(yz_state *s, const yz_rating_delta *d)
{
    rsum r = {d->count, d->sum, d->vcount, d->vsum};
    if (rsum_eq(r, (rsum){0}))
        return;
    yz_state_lock(s);
    yz_rating_totals *t = totals_clone(yz__state_current(s, YZ__STATE_RATINGS));
    add(t, d->station_id, r);
    t->local_adds++;
    publish(s, t);
    yz_state_unlock(s);
}

/* --- loading ------------------------------------------------------------------------------------
 */

static int aggregates(yz_state *s, yz_rating_agg **out, size_t *n, yz_errinfo *ei)
{
    *out = NULL;
    *n = 0;
    if (!s->st)
        return yz_err_set(ei, YZ_EINTERNAL, "", "没有存储", "no store");
    return yz_store_rating_aggregates(s->st, out, n, ei);
}

void yz__state_load_ratings(yz_state *s)
{
    yz_rating_agg *agg = NULL;
    size_t n = 0;
    yz_errinfo ei;
    yz_err_clear(&ei);
    if (aggregates(s, &agg, &n, &ei))
        yz_log(YZ_LOG_ERROR, "reviews: aggregates: %s", ei.msg_en);
    yz_state_lock(s);
    publish(s, from_aggregates(agg, n));
    yz_state_unlock(s);
    yz_free(agg);
}

/* --- reloads (another node rated or moderated) -------------------------------------------------
 *
 * Make the totals the store's again while this process keeps counting its own writes, which
 * it adds after their commits (yz_state_rating_add). Publishing the store's totals as they are
 * could drop a local write that committed after the store's read and was added before the
 * publication. So each pass
 *   1. keeps the current version `before` (a clone: it shares the chunks),
 *   2. reads the store's totals `target` (one GROUP BY, outside the lock),
 *   3. under the lock publishes `target` if no local write was added since `before`, else
 *      runs again; the last pass publishes `target` plus what was added since `before`.
 * A local add is therefore never lost. What remains is double counting: a local write whose
 * commit the store's read saw but whose add lands after the publication (its thread stalled
 * between COMMIT and the add for the whole pass), or, in the last pass, one the read saw and
 * added meanwhile. Both are rare and last until the next reload, which any further rating on
 * another node brings. */
void yz_state_reload_ratings(yz_state *s)
{
    for (int pass = 0; pass < RELOAD_PASSES; pass++) {
        bool last = pass == RELOAD_PASSES - 1, done = false;
        yz_state_lock(s);
        yz_rating_totals *before = totals_clone(yz__state_current(s, YZ__STATE_RATINGS));
        yz_state_unlock(s);
        yz_rating_agg *agg = NULL;
        size_t n = 0;
        yz_errinfo ei;
        yz_err_clear(&ei);
        int err = aggregates(s, &agg, &n, &ei);
        if (err)
            yz_log_error("reviews: reloading aggregates: %s", ei.msg_en);
        yz_state_lock(s);
        const yz_rating_totals *cur = yz__state_current(s, YZ__STATE_RATINGS);
        if (!err && (cur->local_adds == before->local_adds || last)) {
            yz_rating_totals *t = from_aggregates(agg, n);
            if (cur->local_adds != before->local_adds) {
                yz_log(YZ_LOG_DEBUG, "reviews: reload raced with local ratings (kept)");
                for (size_t k = 0; k < cur->n_chunks; k++) {
                    const chunk *b = k < before->n_chunks ? before->c[k] : NULL;
                    if (!cur->c[k] || cur->c[k] == b)
                        continue; /* not written since `before` */
                    for (size_t i = 0; i < CHUNK; i++) {
                        rsum now = cur->c[k]->r[i], was = b ? b->r[i] : (rsum){0};
                        if (!rsum_eq(now, was))
                            add(t, (int64_t)(k * CHUNK + i), rsum_minus(now, was));
                    }
                }
            }
            t->local_adds = cur->local_adds;
            publish(s, t);
            done = true;
        }
        yz__rating_totals_free(before);
        yz_state_unlock(s);
        yz_free(agg);
        if (err || done)
            return;
    }
}

void yz_state_reload_rating(yz_state *s, int64_t station_id)
{
    if (station_id <= 0 || station_id > MAX_ID)
        return;
    /* The one-station form of the reload above, comparing only this station's pair. */
    for (int pass = 0; pass < RELOAD_PASSES; pass++) {
        bool last = pass == RELOAD_PASSES - 1;
        yz_state_lock(s);
        rsum before = get(yz__state_current(s, YZ__STATE_RATINGS), station_id);
        yz_state_unlock(s);
        yz_rating_agg a;
        yz_errinfo ei;
        int err = s->st ? yz_store_rating_aggregate(s->st, station_id, &a, &ei)
                        : yz_err_set(&ei, YZ_EINTERNAL, "", "没有存储", "no store");
        if (err) {
            yz_log_error("reviews: reloading station %lld: %s", (long long)station_id, ei.msg_en);
            return;
        }
        yz_state_lock(s);
        const yz_rating_totals *cur = yz__state_current(s, YZ__STATE_RATINGS);
        rsum now = get(cur, station_id);
        bool same = rsum_eq(now, before);
        if (same || last) {
            rsum target = of_agg(&a);
            if (!same) { /* the last pass lost the race: keep the local delta */
                rsum local = rsum_minus(now, before);
                target = (rsum){target.count + local.count, target.sum + local.sum,
                                target.vcount + local.vcount, target.vsum + local.vsum};
            }
            yz_rating_totals *t = totals_clone(cur);
            add(t, station_id, rsum_minus(target, now));
            publish(s, t);
        }
        yz_state_unlock(s);
        if (same || last)
            return;
    }
}
