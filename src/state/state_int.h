/* SPDX-License-Identifier: MIT */
/* state/state_int.h - what the files of the state module share: the slots of a view, the
 * parts in them, and the publishing primitive. Only the module and its unit test include it.
 *
 * Adding a kind of in-memory state (live station status, a sessions cache) is: a slot below,
 * a file state/<kind>.c that builds immutable versions of it and publishes them with
 * yz__state_publish (lock held), reader accessors in state.h taking a `const yz_state_view *`,
 * and its initial (empty) version in yz_state_new. docs/internals/state.md has the recipe. */
#ifndef YZ_STATE_INT_H
#define YZ_STATE_INT_H

#include "state/state.h"

#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

enum yz__state_slot {
    YZ__STATE_SNAP,    /* yz_snap */
    YZ__STATE_EVENTS,  /* yz_event_index */
    YZ__STATE_RATINGS, /* yz_rating_totals */
    YZ__STATE_LIVE,    /* yz__live_table (live.c) */
    YZ__STATE_SLOTS
};

/* One immutable part, shared by the views that hold it. */
typedef struct yz__state_part {
    void *obj;
    void (*free_obj)(void *obj);
    int refs; /* views holding this part; changed only under the writers' mutex */
    uint64_t serial; /* unique in the process, from 1, never reused (yz_state_snap_serial) */
} yz__state_part;

struct yz_state_view {
    yz__state_part *part[YZ__STATE_SLOTS]; /* never NULL */
    uint64_t version;                      /* views published before this one */
};

struct yz_state {
    _Atomic(yz_state_view *) cur; /* the published view, never NULL */
    pthread_mutex_t wmu;          /* the writers' mutex */
    yz_store *st;                 /* borrowed, may be NULL */
    bool watching;                /* yz_state_watch succeeded */
    _Atomic uint64_t reloads[YZ_STATE_RELOAD__COUNT];
    struct yz__learn *learn; /* the classifier's copy (learn.c), never NULL */
    /* The catalog's compaction (snapshot.c): its own mutex, never held with wmu taken after. */
    pthread_mutex_t cmu;
    pthread_cond_t ccv;
    pthread_t compactor;
    bool c_started, c_stop, c_kick, c_busy; /* thread running; asked to stop / to compact now;
                                             * compacting */
    bool c_pending;                         /* a delta waits for the idle compaction */
    struct timespec c_last;                 /* CLOCK_MONOTONIC of the last write */
    size_t c_max_delta;                     /* stations */
    unsigned c_idle_ms;
    _Atomic uint64_t compactions;
};
/* Stop and join the compaction thread (yz_state_free). */
void yz__state_compaction_stop(yz_state *s);

/* Lock held. Make `obj` (taken, freed with `free_obj` once no view holds it) the part of
 * `slot` in a new view beside the current parts of the other slots, publish the view, wait
 * until no reader holds the previous one, and drop it. */
void yz__state_publish(yz_state *s, int slot, void *obj, void (*free_obj)(void *obj));
/* Lock held (or no other thread can publish). The current part of `slot`, valid until the
 * lock is released: only writers replace parts, and they hold the lock. */
void *yz__state_current(yz_state *s, int slot);

/* The first version of each part (an empty index, no ratings), and their free functions. */
yz_event_index *yz__event_index_build(yz_event *evs, size_t n); /* takes the array */
void yz__event_index_free(void *x);
yz_rating_totals *yz__rating_totals_new(void);
void yz__rating_totals_free(void *t);
struct yz__live_table *yz__live_table_new(void);
void yz__live_table_free(void *t);
void yz__state_load_live(yz_state *s);
/* Load the part from the store into the current view (at yz_state_load; errors logged). */
void yz__state_load_events(yz_state *s);
void yz__state_load_ratings(yz_state *s);
/* The classifier's copy: empty, loaded from the store (errors logged), freed. */
struct yz__learn *yz__learn_new(void);
void yz__learn_load(yz_state *s);
void yz__learn_free(struct yz__learn *l);

#endif
