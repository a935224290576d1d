/* SPDX-License-Identifier: MIT */
/* state/snapshot.c - the catalog snapshot part: loading it from the store, putting one
 * written station in (or taking one out) as a new delta and publishing, the background
 * compaction of the delta into a new base, and reloading after other nodes' writes
 * (docs/internals/catalog.md, "Writes"). */
#include "state/state_int.h"

#include "core/alloc.h"
#include "catalog/overlay.h"
#include "core/log.h"

#include <string.h>
#include <time.h>

static void free_snap(void *p)
{
    yz_snap_free(p);
}

static void sink_begin(void *ctx, size_t n_hint)
{
    yz_snap_loader_reset(ctx, n_hint);
}

static void sink_put(void *ctx, const yz_station *st)
{
    yz_snap_loader_add(ctx, st);
}

/* As yz_state_load_snapshot, reusing `prev`'s traditional texts (NULL: none). */
static int load_snapshot(yz_store *st, yz_textnorm *norm, const yz_snap *prev, yz_snap **out,
                         yz_errinfo *ei)
{
    yz_snap_input in = {.prev = prev};
    int err = yz_store_list_facilities(st, &in.facilities, &in.n_facilities, ei);
    if (!err)
        err = yz_store_list_districts(st, &in.districts, &in.n_districts, ei);
    if (!err)
        err = yz_store_list_holidays(st, &in.holidays, &in.n_holidays, ei);
    if (!err) {
        /* Straight from the rows into the snapshot's records (catalog.h, yz_snap_loader). */
        in.loader = yz_snap_loader_new(0);
        yz_station_sink sink = {sink_begin, sink_put, in.loader};
        err = yz_store_scan_stations(st, &sink, ei);
    }
    if (err)
        goto fail;
    return yz_snap_build(&in, norm, out, ei);
fail:
    yz_snap_input_free(&in);
    return err;
}

int yz_state_load_snapshot(yz_store *st, yz_textnorm *norm, yz_snap **out, yz_errinfo *ei)
{
    return load_snapshot(st, norm, NULL, out, ei);
}

/* `prev`: the current snapshot when the caller holds the lock, else NULL. */
static int load(yz_state *s, const yz_snap *prev, yz_snap **out, yz_errinfo *ei)
{
    if (!s->st)
        return yz_err_set(ei, YZ_EINTERNAL, "", "没有存储", "no store");
    return load_snapshot(s->st, yz_state_thread_norm(), prev, out, ei);
}

/* --- the compaction ------------------------------------------------------------------------ */

static void *compactor(void *arg);

/* A write was published: start the thread on the first, and wake it when the delta is full
 * (else it waits for the writes to pause). Lock held. */
static void written(yz_state *s, const yz_snap *next)
{
    bool full = yz_snap_delta_count(next) >= s->c_max_delta;
    pthread_mutex_lock(&s->cmu);
    if (!s->c_started && !s->c_stop) {
        s->c_started = pthread_create(&s->compactor, NULL, compactor, s) == 0;
        if (!s->c_started)
            yz_log_error("catalog: cannot start the compaction thread");
    }
    clock_gettime(CLOCK_MONOTONIC, &s->c_last);
    s->c_pending = yz_snap_delta_count(next) > 0;
    s->c_kick |= full;
    pthread_cond_broadcast(&s->ccv);
    pthread_mutex_unlock(&s->cmu);
}

/* Build a base from the current snapshot without the lock, then publish it with the writes
 * that landed meanwhile applied again as its delta. */
static void compact(yz_state *s)
{
    yz_state_lock(s);
    yz_snap *cur = yz_snap_ref(yz__state_current(s, YZ__STATE_SNAP));
    yz_state_unlock(s);
    yz_snap *base = NULL, *next = NULL;
    yz_errinfo ei;
    if (yz_snap_delta_count(cur) == 0)
        goto out;
    if (yz_snap_compact(cur, yz_state_thread_norm(), &base, &ei)) {
        yz_log_error("catalog: cannot compact: %s", ei.msg_en);
        goto out;
    }
    yz_state_lock(s);
    const yz_snap *now = yz__state_current(s, YZ__STATE_SNAP);
    if (!yz_snap_same_base(cur, now)) {
        yz_state_unlock(s); /* a full reload came in between: it is newer */
        goto out;
    }
    if (yz_snap_rebase(base, now, yz_state_thread_norm(), &next, &ei) == YZ_OK) {
        yz__state_publish(s, YZ__STATE_SNAP, next, free_snap);
        atomic_fetch_add(&s->compactions, 1);
    } else {
        yz_log_error("catalog: cannot publish a compaction: %s", ei.msg_en);
    }
    yz_state_unlock(s);
out:
    yz_snap_free(base);
    yz_snap_free(cur);
}

static bool past(const struct timespec *t)
{
    struct timespec n;
    clock_gettime(CLOCK_MONOTONIC, &n);
    return n.tv_sec > t->tv_sec || (n.tv_sec == t->tv_sec && n.tv_nsec >= t->tv_nsec);
}

/* When the idle compaction is due: idle_ms after the last write. cmu held. */
static struct timespec idle_due(const yz_state *s)
{
    struct timespec due = s->c_last;
    due.tv_sec += s->c_idle_ms / 1000;
    due.tv_nsec += (long)(s->c_idle_ms % 1000) * 1000000L;
    if (due.tv_nsec >= 1000000000L) {
        due.tv_sec++;
        due.tv_nsec -= 1000000000L;
    }
    return due;
}

/* Whether the thread has work now. cmu held. */
static bool due_now(const yz_state *s)
{
    struct timespec due = idle_due(s);
    return s->c_kick || (s->c_pending && past(&due));
}

static void *compactor(void *arg)
{
    yz_state *s = arg;
    pthread_mutex_lock(&s->cmu);
    while (!s->c_stop) {
        if (!due_now(s)) {
            struct timespec due = idle_due(s);
            if (s->c_pending)
                pthread_cond_timedwait(&s->ccv, &s->cmu, &due);
            else
                pthread_cond_wait(&s->ccv, &s->cmu);
            continue;
        }
        s->c_kick = s->c_pending = false;
        s->c_busy = true;
        pthread_mutex_unlock(&s->cmu);
        compact(s);
        pthread_mutex_lock(&s->cmu);
        s->c_busy = false;
        pthread_cond_broadcast(&s->ccv);
    }
    pthread_mutex_unlock(&s->cmu);
    return NULL;
}

void yz__state_compaction_stop(yz_state *s)
{
    pthread_mutex_lock(&s->cmu);
    s->c_stop = true;
    pthread_cond_broadcast(&s->ccv);
    bool started = s->c_started;
    pthread_mutex_unlock(&s->cmu);
    if (started)
        pthread_join(s->compactor, NULL);
}

void yz_state_set_compaction(yz_state *s, size_t max_delta, unsigned idle_ms)
{
    pthread_mutex_lock(&s->cmu);
    s->c_max_delta = max_delta;
    s->c_idle_ms = idle_ms;
    pthread_mutex_unlock(&s->cmu);
}

uint64_t yz_state_compactions(const yz_state *s)
{
    return atomic_load(&s->compactions);
}

void yz_state_compaction_wait(yz_state *s)
{
    pthread_mutex_lock(&s->cmu);
    while (s->c_started && !s->c_stop && (due_now(s) || s->c_busy))
        pthread_cond_wait(&s->ccv, &s->cmu);
    pthread_mutex_unlock(&s->cmu);
}

/* --- writes ------------------------------------------------------------------------------- */

void yz_state_republish(yz_state *s, const yz_station *upsert, int64_t delete_id)
{
    /* The lock is held: the current snapshot cannot be replaced or freed under us. */
    const yz_snap *cur = yz__state_current(s, YZ__STATE_SNAP);
    yz_snap *next = NULL;
    yz_errinfo ei;
    int err = yz_snap_apply(cur, upsert, delete_id, yz_state_thread_norm(), &next, &ei);
    if (err)
        err = load(s, cur, &next, &ei);
    if (err) {
        yz_log_error("catalog: cannot rebuild after a write: %s", ei.msg_en);
        return;
    }
    yz__state_publish(s, YZ__STATE_SNAP, next, free_snap);
    written(s, next);
}

void yz_state_reload_stations(yz_state *s)
{
    yz_snap *next = NULL;
    yz_errinfo ei;
    yz_state_lock(s);
    if (load(s, yz__state_current(s, YZ__STATE_SNAP), &next, &ei) == YZ_OK)
        yz__state_publish(s, YZ__STATE_SNAP, next, free_snap);
    else
        yz_log_error("catalog: cannot reload after another node's write: %s", ei.msg_en);
    yz_state_unlock(s);
}

void yz_state_republish_all(yz_state *s)
{
    yz_snap *next = NULL;
    yz_errinfo ei;
    if (load(s, NULL, &next, &ei) == YZ_OK)
        yz__state_publish(s, YZ__STATE_SNAP, next, free_snap);
    else
        yz_log_error("catalog: cannot reload after an import: %s", ei.msg_en);
}

void yz_state_reload_station(yz_state *s, int64_t id)
{
    yz_station st;
    yz_errinfo ei;
    int err = YZ_EINTERNAL;
    yz_state_lock(s);
    if (s->st)
        err = yz_store_get_station(s->st, id, &st, &ei);
    else
        yz_err_set(&ei, err, "", "没有存储", "no store");
    if (err == YZ_OK)
        yz_state_republish(s, &st, 0);
    else if (err == YZ_ENOTFOUND)
        yz_state_republish(s, NULL, id);
    else
        yz_log_error("catalog: cannot read station %lld after another node's write: %s",
                     (long long)id, ei.msg_en);
    yz_state_unlock(s);
    if (err == YZ_OK)
        yz_station_fini(&st);
}
