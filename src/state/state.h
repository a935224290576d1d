/* SPDX-License-Identifier: MIT */
/* state/state.h - the one owner of what the server serves from memory: the catalog snapshot,
 * the events index and the rating totals (and, later, live station status and a sessions
 * cache), published to readers one way (docs/internals/state.md).
 *
 * The rules, once for the whole module:
 * - Everything readers see is in a *view*: an immutable set of immutable parts (one per slot).
 *   Readers acquire the current view, read any parts of it, release it. Readers never block
 *   and never take a lock; what they read inside one view is consistent.
 * - Writers are serialised by one mutex (yz_state_lock). Each write builds a new part, puts
 *   it into a new view beside the unchanged parts and publishes that view with one atomic
 *   pointer swap, then waits until no reader holds the previous view before freeing what only
 *   it used. Functions marked "lock held" must be called between yz_state_lock and
 *   yz_state_unlock; the others take the lock themselves.
 * - A thread never takes the lock while it holds a view, and never publishes while it holds
 *   one (it would wait for itself). Both are asserted.
 * - Everything a view returns is borrowed and valid until the view is released. */
#ifndef YZ_STATE_H
#define YZ_STATE_H

#include "catalog/catalog.h"
#include "catalog/classifier.h"
#include "catalog/text.h"
#include "core/err.h"
#include "store/events.h"
#include "store/reviews.h"
#include "store/store.h"
#include "model/device.h"
#include "store/devices.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct yz_state yz_state;
typedef struct yz_state_view yz_state_view;
typedef struct yz_event_index yz_event_index;
typedef struct yz_rating_totals yz_rating_totals;

/* --- lifecycle ------------------------------------------------------------------------------- */

/* Build a catalog snapshot of everything in `st` (borrowed). `norm` is the caller's
 * normaliser. Returns YZ_OK and an owned snapshot, or the store's or the build's error. The
 * CLI uses it for `near` and `search`. */
int yz_state_load_snapshot(yz_store *st, yz_textnorm *norm, yz_snap **out, yz_errinfo *ei);

/* A state that publishes `first` (taken), an empty events index and no ratings. `st` is
 * borrowed and must outlive the state; it may be NULL (tests), and then every reload from the
 * store fails (logged) and leaves the state as it is. */
yz_state *yz_state_new(yz_store *st, yz_snap *first);
/* A state loaded from `st` (borrowed): the snapshot (its errors are returned and nothing is
 * made), then the events and the rating totals (their errors are logged and the part starts
 * empty, as the server has always done). Returns owned *out. */
int yz_state_load(yz_store *st, yz_state **out, yz_errinfo *ei);
/* Stops watching the store (yz_state_watch), then frees everything. No reader may hold a
 * view. Accepts NULL. */
void yz_state_free(yz_state *s);

/* The calling thread's text normaliser, opened on first use and closed at thread exit.
 * Aborts if OpenCC's data cannot be opened (an installation fault). */
yz_textnorm *yz_state_thread_norm(void);

/* --- readers -------------------------------------------------------------------------------- */

/* The current view, held until yz_state_release. Lock-free (a hazard pointer per thread).
 * A thread that already holds a view of `s` gets the same view again (counted: release each).
 * A thread holds views of one state at a time. */
const yz_state_view *yz_state_acquire(yz_state *s);
void yz_state_release(yz_state *s, const yz_state_view *v);
/* How many views have been published before this one (0 for the first). */
uint64_t yz_state_version(const yz_state_view *v);

/* The catalog snapshot of the view. */
const yz_snap *yz_state_snap(const yz_state_view *v);
/* A number naming that snapshot (with its delta) among every snapshot this process has held:
 * never 0 and never given to another, even once this one is freed and its memory reused. What
 * is rendered from the snapshot alone may be kept under it (api/rowcache.c). */
uint64_t yz_state_snap_serial(const yz_state_view *v);

/* --- the events index ------------------------------------------------------------------------ */

/* One active event of the index. Read-only. */
typedef struct yz_event_entry {
    yz_event ev;      /* the record */
    const char *head; /* `{"id":N,"title":"…","category":"…"` pre-rendered, not terminated by } */
    size_t head_len;
} yz_event_entry;

/* An occurrence found by yz_state_events_today. */
typedef struct yz_event_hit {
    const yz_event_entry *en;
    int64_t start, end; /* unix seconds */
} yz_event_hit;

#define YZ_STATE_TODAY_MAX 16 /* occurrences a station's "today" lists at most */

/* The active (not cancelled) events of the view, sorted by station id, then event id. */
const yz_event_index *yz_state_events(const yz_state_view *v);
/* A number naming that index, as yz_state_snap_serial names the snapshot. */
uint64_t yz_state_events_serial(const yz_state_view *v);
size_t yz_state_events_count(const yz_event_index *x);
const yz_event_entry *yz_state_event_at(const yz_event_index *x, size_t k);
/* Entries of station `station_id`: positions [*lo, *hi). Returns false when it has none. */
bool yz_state_events_find(const yz_event_index *x, int64_t station_id, size_t *lo, size_t *hi);
/* The occurrences of station `station_id`'s events on local date `day` (days since
 * 1970-01-01) at UTC offset `offset_min`: up to `max` (at most YZ_STATE_TODAY_MAX), by start
 * time then event id, into `out`. Returns how many. Never allocates. */
size_t yz_state_events_today(const yz_event_index *x, int64_t station_id, int32_t day,
                             int offset_min, yz_event_hit *out, size_t max);

/* --- the rating totals ----------------------------------------------------------------------- */

/* Station `station_id`'s counted ratings into *out: their number and the sum of their stars,
 * and the same for the verified ones among them (yz_rating_weigh turns them into the score).
 * All 0 when it has none, when its id is past what the totals keep (16,777,215), or when the
 * numbers are impossible (a reload racing a local write): unrated rather than wrong. */
void yz_state_rating(const yz_state_view *v, int64_t station_id, yz_rating_agg *out);
/* The same over every station (station_id 0). */
void yz_state_rating_all(const yz_state_view *v, yz_rating_agg *out);
/* A number naming the rating totals of the view, as yz_state_snap_serial names the snapshot. */
uint64_t yz_state_ratings_serial(const yz_state_view *v);

/* --- writers --------------------------------------------------------------------------------- */

/* The writers' mutex. Held across "write to the store, publish" so that versions follow the
 * order of the writes. The calling thread must hold no view. */
void yz_state_lock(yz_state *s);
void yz_state_unlock(yz_state *s);

/* Lock held. Publish the current snapshot with `upsert` (borrowed) put in by id, or station
 * `delete_id` taken out (0: none), after the store accepted the change: a new delta over the
 * same base, in time proportional to the delta (catalog/overlay.h). If the build fails,
 * the snapshot is reloaded from the store, so the read path never lags behind it; if that
 * fails too, it is logged and the current snapshot stays. */
void yz_state_republish(yz_state *s, const yz_station *upsert, int64_t delete_id);
/* The compaction of the catalog's delta (docs/internals/catalog.md, "Writes"): a background
 * thread (started by the first write) builds a new base once the delta holds `max_delta`
 * stations or no station was written for `idle_ms`, without holding the lock for the build.
 * Defaults: 1,024 stations, 300,000 ms (5 minutes). Call before the first write. */
void yz_state_set_compaction(yz_state *s, size_t max_delta, unsigned idle_ms);
/* Compactions published so far. */
uint64_t yz_state_compactions(const yz_state *s);
/* Wait until the compaction thread is idle: nothing asked of it, nothing running (for tests
 * and benchmarks). The calling thread must hold neither a view nor the lock. */
void yz_state_compaction_wait(yz_state *s);
/* Lock held. Reload every station (and district) from the store and publish them, after a
 * write of many (an import). A store error is logged and the current snapshot stays. */
void yz_state_republish_all(yz_state *s);
/* Lock held. Reload the active events from the store and publish them. On error the current
 * index stays and *ei says why. */
int yz_state_republish_events(yz_state *s, yz_errinfo *ei);
/* Add the store's delta `d` (borrowed; counts and sums may be negative: a replaced or rejected
 * rating) to station d->station_id, after the store committed it. Takes the lock; publishes
 * nothing when the delta is all zero. */
void yz_state_rating_add(yz_state *s, const yz_rating_delta *d);

/* --- another node changed the store ---------------------------------------------------------- */

/* What was reloaded, counted for /metrics. */
enum yz_state_reload {
    YZ_STATE_RELOAD_STATION,  /* one station */
    YZ_STATE_RELOAD_STATIONS, /* every station */
    YZ_STATE_RELOAD_RATING,   /* one station's rating totals */
    YZ_STATE_RELOAD_RATINGS,  /* every station's */
    YZ_STATE_RELOAD_EVENTS,   /* the events index */
    YZ_STATE_RELOAD__COUNT
};

/* Each takes the lock, reads the store and publishes; a store error is logged and the
 * current part stays. Safe against readers and writers running meanwhile. */
void yz_state_reload_stations(yz_state *s);
void yz_state_reload_station(yz_state *s, int64_t id); /* as the store has it now, or gone */
void yz_state_reload_ratings(yz_state *s);
void yz_state_reload_rating(yz_state *s, int64_t station_id);
void yz_state_reload_events(yz_state *s);

/* Another process sharing the store changed `area` ("stations", "ratings", "events", or "*"
 * for everything), record `id` or 0 for the whole area: reload what of it is kept here and
 * count the reload. What yz_state_watch calls on the store's watcher thread. */
void yz_state_changed(yz_state *s, const char *area, int64_t id);
/* Ask the store to report other processes' changes (yz_store_watch) to yz_state_changed.
 * Call once, before serving. YZ_OK (also for stores that have no such reports), or the
 * store's error. */
int yz_state_watch(yz_state *s, yz_errinfo *ei);
/* Reloads of `kind` (enum yz_state_reload) so far. */
uint64_t yz_state_reloads(const yz_state *s, int kind);

/* --- live station status (state/live.c, docs/internals/live.md) ------------------------------
 * Per station, its devices (the registry, keys included: the ingest path reads it lock-free)
 * and the latest committed value of each metric. A new version copies the table of stations
 * and only the stations it changes (the others are shared, counted like the rating chunks). */

/* One device of a station, as the live part holds it. Read-only. */
typedef struct yz_live_dev {
    int64_t id;
    int64_t station_id;
    int kind;                  /* enum yz_device_kind */
    bool disabled;
    char key[48];              /* base64url, the HMAC key of its messages */
    int64_t last_seen;         /* unix ms of the latest committed message, 0: never */
    double v[YZ_M__COUNT];     /* latest value of each metric */
    int64_t v_ts[YZ_M__COUNT]; /* its measurement time (unix ms), 0: never reported */
} yz_live_dev;

/* A station's devices, by id. Read-only. */
typedef struct yz_live_station {
    int refs; /* versions sharing it; the writers' */
    int64_t station_id;
    size_t n;
    yz_live_dev dev[];
} yz_live_station;

/* Station `station_id`'s devices, or NULL when it has none. */
const yz_live_station *yz_state_live(const yz_state_view *v, int64_t station_id);
/* The stations that have devices, by position 0..count-1 (by station id), for a walk over
 * every device (the alarms' evaluator). */
size_t yz_state_live_count(const yz_state_view *v);
const yz_live_station *yz_state_live_at(const yz_state_view *v, size_t i);
/* Device `id`, or NULL when unknown. */
const yz_live_dev *yz_state_live_device(const yz_state_view *v, int64_t id);

/* One value of the live member. */
typedef struct yz_live_value {
    bool present; /* a device of the kind exists (enabled) */
    bool known;   /* reported within max_age */
    double value;
    double slots;   /* batteries: the slots of the cabinets counted, < 0 when unknown */
    int64_t age_s;  /* of the oldest value counted, or of the newest stale one; -1: never */
} yz_live_value;

#define YZ_LIVE_OOO_MAX 16 /* devices out_of_order lists at most */

/* The station's live member as numbers: yz_live_summarize's answer. */
typedef struct yz_live_summary {
    bool any; /* the station has an enabled device: the member is shown */
    yz_live_value people_inside, seats_free, batteries_charged;
    size_t n_ooo;
    struct {
        int kind;
        int64_t age_s;
    } ooo[YZ_LIVE_OOO_MAX];
} yz_live_summary;

/* Summarise `ls` (may be NULL) at `now_ms`: values older than `max_age_ms` are unknown; the
 * cabinets' charged batteries and slots, and the counters' people and seats, are summed over
 * the devices whose value is fresh; out_of_order lists the enabled devices whose fresh value
 * says fault=1 or (power) on=0. Pure: never allocates. */
void yz_live_summarize(const yz_live_station *ls, int64_t now_ms, int64_t max_age_ms,
                       yz_live_summary *out);

/* Rebuild the devices of the live part from `devs` (n of them, borrowed: the whole registry),
 * keeping the values already held for devices that stay. Takes the lock. */
void yz_state_live_set_devices(yz_state *s, const yz_device *devs, size_t n);
/* Merge the committed statuses `st` (n of them; a metric's value replaces the held one only
 * when it is not older) and publish. Takes the lock. Unknown devices are skipped. */
void yz_state_live_apply(yz_state *s, const yz_device_status *st, size_t n);
/* Reload the registry from the store, then the statuses written since the last refresh (all,
 * the first time): a node's view of other nodes' readings (PostgreSQL). Store errors are
 * logged and the part stays. Takes the lock. */
void yz_state_live_reload_devices(yz_state *s);
void yz_state_live_refresh(yz_state *s);

/* --- the moderation classifier (state/learn.c, docs/internals/classifier.md) ---------------
 * Unlike the parts of a view, the classifier's counts change in place, one decision at a time:
 * readers score under a read lock (microseconds), training and catching up take the write
 * lock. The counts live in the store; each process holds a copy at a version and catches up by
 * applying the store's change log after it: after its own training, when another node says
 * "classifier", and on a full reload ("*"). */

/* The classifier's verdict on the NUL-terminated UTF-8 `text` (not ready, and so never
 * holding, until both classes have YZ_CLF_MIN_EXAMPLES texts). Any thread. */
void yz_state_learn_score(yz_state *s, const char *text, yz_clf_verdict *v);
/* Train item `item_id` of `source` ("review", "report") as `label` (YZ_CLF_SPAM or
 * YZ_CLF_HAM) in the store (a reversed decision moves it to the other class), then catch up.
 * Any thread; never call it with the state's lock held. */
int yz_state_learn_train(yz_state *s, const char *source, int64_t item_id, int label,
                         const char *text, yz_errinfo *ei);
/* Apply the store's changes after the version held (all of them: the model is read again
 * when the log has a gap). Store errors are logged and the copy stays as it was. */
void yz_state_learn_catch_up(yz_state *s);
/* The texts of each class and the version of the copy held (any pointer may be NULL). */
void yz_state_learn_stats(yz_state *s, int64_t *spam_docs, int64_t *ham_docs, int64_t *version);

#endif
