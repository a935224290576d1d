/* SPDX-License-Identifier: MIT */
/* state/state.c - publishing views: hazard pointers for readers, one mutex for writers,
 * parts shared between consecutive views (docs/internals/state.md); the state's lifecycle,
 * the per-thread text normaliser, and the dispatch of other nodes' changes to reloads. */
#include "state/state_int.h"

#include "core/alloc.h"
#include "core/log.h"

#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* --- per-thread normaliser ------------------------------------------------------------------ */

static pthread_key_t norm_key;
static pthread_once_t norm_once = PTHREAD_ONCE_INIT;
static _Thread_local yz_textnorm *tl_norm;

static void norm_free(void *p)
{
    yz_textnorm_free(p);
}

static void norm_key_make(void)
{
    pthread_key_create(&norm_key, norm_free);
}

yz_textnorm *yz_state_thread_norm(void)
{
    if (tl_norm)
        return tl_norm;
    pthread_once(&norm_once, norm_key_make);
    yz_errinfo ei;
    if (yz_textnorm_new(&tl_norm, &ei)) {
        yz_log_error("text: %s", ei.msg_en);
        abort();
    }
    pthread_setspecific(norm_key, tl_norm);
    return tl_norm;
}

/* --- hazard pointers ------------------------------------------------------------------------ */

/* Each thread that reads takes a slot for life (given back at thread exit); the slot holds
 * the view the thread is reading, or NULL. A publisher swaps the current pointer, then waits
 * until no slot holds the old view before dropping it. Readers never wait.
 *
 * Reference counts touched by readers were the obvious alternative; they are not safe
 * without a lock (a reader can load the pointer, be descheduled, and increment the count of a
 * view already freed), and epoch schemes need every reader thread to announce quiescence,
 * which libmicrohttpd's pool gives no hook for. Hazard pointers need neither. */
#define HP_SLOTS 1024

typedef struct hp_slot {
    _Atomic(const yz_state_view *) p;
    char pad[64 - sizeof(void *)]; /* one cache line each: readers do not share lines */
} hp_slot;

static hp_slot hp[HP_SLOTS];
static _Atomic int hp_used; /* slots ever handed out: publishers scan only these */
static pthread_mutex_t hp_mu = PTHREAD_MUTEX_INITIALIZER;
static int hp_free[HP_SLOTS];
static int hp_nfree = -1; /* -1: not initialised */
static pthread_key_t hp_key;

/* This thread's slot, and the view it holds (of one state) with how many acquires. */
static _Thread_local int tl_slot = -1;
static _Thread_local const yz_state *tl_state;
static _Thread_local const yz_state_view *tl_view;
static _Thread_local unsigned tl_depth;
static _Thread_local const yz_state *tl_writing; /* the state whose lock this thread holds */

static void hp_thread_exit(void *arg)
{
    int slot = (int)(intptr_t)arg - 1;
    pthread_mutex_lock(&hp_mu);
    atomic_store(&hp[slot].p, NULL);
    hp_free[hp_nfree++] = slot;
    pthread_mutex_unlock(&hp_mu);
}

static int take_slot(void)
{
    pthread_mutex_lock(&hp_mu);
    if (hp_nfree < 0) {
        pthread_key_create(&hp_key, hp_thread_exit);
        for (int i = 0; i < HP_SLOTS; i++)
            hp_free[i] = HP_SLOTS - 1 - i;
        hp_nfree = HP_SLOTS;
    }
    if (hp_nfree == 0) {
        pthread_mutex_unlock(&hp_mu);
        yz_log_error("state: more than %d reading threads", HP_SLOTS);
        abort(); /* raise HP_SLOTS */
    }
    int slot = hp_free[--hp_nfree];
    if (slot >= atomic_load(&hp_used))
        atomic_store(&hp_used, slot + 1);
    pthread_mutex_unlock(&hp_mu);
    pthread_setspecific(hp_key, (void *)(intptr_t)(slot + 1));
    return slot;
}

const yz_state_view *yz_state_acquire(yz_state *s)
{
    if (tl_depth) {
        assert(tl_state == s); /* one state at a time per thread */
        tl_depth++;
        return tl_view;
    }
    if (tl_slot < 0)
        tl_slot = take_slot();
    const yz_state_view *v;
    do {
        v = atomic_load(&s->cur);
        atomic_store(&hp[tl_slot].p, v);
    } while (v != atomic_load(&s->cur));
    tl_state = s;
    tl_view = v;
    tl_depth = 1;
    return v;
}

void yz_state_release(yz_state *s, const yz_state_view *v)
{
    (void)s;
    (void)v;
    assert(tl_depth > 0 && tl_state == s && tl_view == v);
    if (--tl_depth)
        return;
    atomic_store(&hp[tl_slot].p, NULL);
    tl_state = NULL;
    tl_view = NULL;
}

uint64_t yz_state_version(const yz_state_view *v)
{
    return v->version;
}

const yz_snap *yz_state_snap(const yz_state_view *v)
{
    return v->part[YZ__STATE_SNAP]->obj;
}

uint64_t yz_state_snap_serial(const yz_state_view *v)
{
    return v->part[YZ__STATE_SNAP]->serial;
}

/* --- writers -------------------------------------------------------------------------------- */

void yz_state_lock(yz_state *s)
{
    assert(tl_depth == 0); /* a publisher would wait for this thread's view forever */
    pthread_mutex_lock(&s->wmu);
    tl_writing = s;
}

void yz_state_unlock(yz_state *s)
{
    assert(tl_writing == s);
    tl_writing = NULL;
    pthread_mutex_unlock(&s->wmu);
}

static yz__state_part *part_new(void *obj, void (*free_obj)(void *))
{
    /* One count for every part of every state of the process: a serial is never reused,
     * even where a freed part's memory (or its object's) is. */
    static _Atomic uint64_t serials;
    yz__state_part *p = yz_malloc(sizeof *p);
    *p = (yz__state_part){obj, free_obj, 1, atomic_fetch_add(&serials, 1) + 1};
    return p;
}

/* Drop a view no reader holds: each part goes when its last view does. */
static void view_drop(yz_state_view *v)
{
    if (!v)
        return;
    for (int k = 0; k < YZ__STATE_SLOTS; k++) {
        yz__state_part *p = v->part[k];
        if (--p->refs == 0) {
            p->free_obj(p->obj);
            yz_free(p);
        }
    }
    yz_free(v);
}

static void wait_unheld(const yz_state_view *old)
{
    for (;;) {
        int busy = 0, used = atomic_load(&hp_used);
        for (int i = 0; i < used && !busy; i++)
            busy = atomic_load(&hp[i].p) == old;
        if (!busy)
            return;
        struct timespec ts = {0, 50000};
        nanosleep(&ts, NULL);
    }
}

void yz__state_publish(yz_state *s, int slot, void *obj, void (*free_obj)(void *))
{
    assert(tl_writing == s && tl_depth == 0);
    assert(slot >= 0 && slot < YZ__STATE_SLOTS);
    yz_state_view *old = atomic_load(&s->cur);
    yz_state_view *next = yz_calloc(1, sizeof *next);
    for (int k = 0; k < YZ__STATE_SLOTS; k++) {
        if (k == slot) {
            next->part[k] = part_new(obj, free_obj);
        } else {
            next->part[k] = old->part[k];
            next->part[k]->refs++;
        }
    }
    next->version = old->version + 1;
    atomic_store(&s->cur, next);
    wait_unheld(old);
    view_drop(old);
}

void *yz__state_current(yz_state *s, int slot)
{
    return atomic_load(&s->cur)->part[slot]->obj;
}

/* --- lifecycle ------------------------------------------------------------------------------ */

static void free_snap(void *p)
{
    yz_snap_free(p);
}

yz_state *yz_state_new(yz_store *st, yz_snap *first)
{
    yz_state *s = yz_calloc(1, sizeof *s);
    s->st = st;
    pthread_mutex_init(&s->wmu, NULL);
    pthread_mutex_init(&s->cmu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&s->ccv, &ca);
    pthread_condattr_destroy(&ca);
    s->c_max_delta = 1024;
    s->c_idle_ms = 300000; /* 5 minutes: a burst of edits, one compaction */
    s->learn = yz__learn_new();
    yz_state_view *v = yz_calloc(1, sizeof *v);
    v->part[YZ__STATE_SNAP] = part_new(first, free_snap);
    v->part[YZ__STATE_EVENTS] = part_new(yz__event_index_build(NULL, 0), yz__event_index_free);
    v->part[YZ__STATE_RATINGS] = part_new(yz__rating_totals_new(), yz__rating_totals_free);
    v->part[YZ__STATE_LIVE] = part_new(yz__live_table_new(), yz__live_table_free);
    atomic_store(&s->cur, v);
    return s;
}

int yz_state_load(yz_store *st, yz_state **out, yz_errinfo *ei)
{
    yz_snap *snap = NULL;
    int err = yz_state_load_snapshot(st, yz_state_thread_norm(), &snap, ei);
    if (err)
        return err;
    yz_state *s = yz_state_new(st, snap);
    yz__state_load_events(s);
    yz__state_load_ratings(s);
    yz__state_load_live(s);
    yz__learn_load(s);
    *out = s;
    return YZ_OK;
}

void yz_state_free(yz_state *s)
{
    if (!s)
        return;
    if (s->watching)
        yz_store_unwatch(s->st); /* no reload may start once the parts go */
    yz__state_compaction_stop(s);
    view_drop(atomic_load(&s->cur));
    pthread_mutex_destroy(&s->wmu);
    pthread_mutex_destroy(&s->cmu);
    pthread_cond_destroy(&s->ccv);
    yz__learn_free(s->learn);
    yz_free(s);
}

/* --- other nodes' changes ------------------------------------------------------------------- */

static void counted(yz_state *s, int kind)
{
    atomic_fetch_add_explicit(&s->reloads[kind], 1, memory_order_relaxed);
}

void yz_state_changed(yz_state *s, const char *area, int64_t id)
{
    bool all = !strcmp(area, "*");
    yz_log(YZ_LOG_DEBUG, "store: another node changed %s %lld", area, (long long)id);
    if (!all && id && !strcmp(area, "stations")) {
        yz_state_reload_station(s, id); /* one station: no full load from the store */
        counted(s, YZ_STATE_RELOAD_STATION);
    } else if (all || !strcmp(area, "stations")) {
        yz_state_reload_stations(s);
        counted(s, YZ_STATE_RELOAD_STATIONS);
    }
    if (!all && id && !strcmp(area, "ratings")) {
        yz_state_reload_rating(s, id); /* one station's totals, not every station's */
        counted(s, YZ_STATE_RELOAD_RATING);
    } else if (all || !strcmp(area, "ratings")) {
        yz_state_reload_ratings(s);
        counted(s, YZ_STATE_RELOAD_RATINGS);
    }
    if (all || !strcmp(area, "events")) {
        yz_state_reload_events(s);
        counted(s, YZ_STATE_RELOAD_EVENTS);
    }
    if (all || !strcmp(area, "devices"))
        yz_state_live_reload_devices(s);
    if (all || !strcmp(area, "classifier"))
        yz_state_learn_catch_up(s);
}

static void on_change(void *ctx, const char *area, int64_t id)
{
    yz_state_changed(ctx, area, id);
}

int yz_state_watch(yz_state *s, yz_errinfo *ei)
{
    if (!s->st)
        return YZ_OK;
    int err = yz_store_watch(s->st, on_change, s, ei);
    s->watching = err == YZ_OK;
    return err;
}

uint64_t yz_state_reloads(const yz_state *s, int kind)
{
    assert(kind >= 0 && kind < YZ_STATE_RELOAD__COUNT);
    return atomic_load_explicit(&s->reloads[kind], memory_order_relaxed);
}
