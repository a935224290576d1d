/* SPDX-License-Identifier: MIT */
/* tests/unit/test_state.c - the in-memory state: views share the parts a write did not
 * change, a thread's nested acquires see one view, rating totals copy only the chunk they
 * change, a station put in or taken out, a publisher waits for the reader of the old view,
 * loading from a SQLite store and reloading after "another node" wrote to it, and many
 * readers checking every view they see while one writer publishes snapshots, events and
 * ratings in turn (ASan reports any use after free or leak). */
#include "testdb.h"
#include "state/state_int.h"
#include "catalog/overlay.h"

#include "core/alloc.h"
#include "core/time.h"
#include "demo/city.h"
#include "model/facility.h"
#include "store/db.h"
#include "store/reviews.h"
#include "store/workers.h"

#include <criterion/criterion.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* A snapshot of the demo city's first `keep` stations (0: all), with ids from 1. */
static yz_snap *demo_snap_of(uint64_t seed, size_t keep)
{
    yz_snap_input in;
    yz_errinfo ei;
    memset(&in, 0, sizeof in);
    cr_assert_eq(
        yz_demo_generate(seed, &in.stations, &in.n_stations, &in.districts, &in.n_districts, &ei),
        YZ_OK);
    if (keep && keep < in.n_stations) {
        for (size_t i = keep; i < in.n_stations; i++)
            yz_station_fini(&in.stations[i]);
        in.n_stations = keep;
    }
    for (size_t i = 0; i < in.n_stations; i++)
        in.stations[i].id = (int64_t)i + 1;
    in.n_facilities = yz_facility_seed_count;
    in.facilities = yz_calloc(in.n_facilities, sizeof *in.facilities);
    for (size_t i = 0; i < in.n_facilities; i++) {
        const yz_facility_seed *f = &yz_facility_seeds[i];
        in.facilities[i] = (yz_facility){yz_strdup(f->code), yz_strdup(f->label),
                                         yz_strdup(f->label_hant), yz_strdup(f->label_en), f->bit, NULL};
    }
    yz_snap *s = NULL;
    cr_assert_eq(yz_snap_build(&in, yz_state_thread_norm(), &s, &ei), YZ_OK, "%s", ei.msg_en);
    return s;
}

static yz_snap *demo_snap(uint64_t seed)
{
    return demo_snap_of(seed, 0);
}

/* The (count, sum) pair of a station, of every station; add an unverified delta. */
static void pair(const yz_state_view *v, int64_t id, int64_t *count, int64_t *sum)
{
    yz_rating_agg a;
    yz_state_rating(v, id, &a);
    *count = a.count;
    *sum = a.sum;
}

static void pair_all(const yz_state_view *v, int64_t *count, int64_t *sum)
{
    yz_rating_agg a;
    yz_state_rating_all(v, &a);
    *count = a.count;
    *sum = a.sum;
}

static void add_pair(yz_state *s, int64_t id, int count, int sum)
{
    yz_rating_delta d = {.station_id = id, .count = count, .sum = sum};
    yz_state_rating_add(s, &d);
}

static void rating_of(yz_state *s, int64_t id, int64_t *count, int64_t *sum)
{
    const yz_state_view *v = yz_state_acquire(s);
    pair(v, id, count, sum);
    yz_state_release(s, v);
}

Test(state, rating_totals_keep_the_verified_part)
{
    yz_state *s = yz_state_new(NULL, demo_snap(1));
    yz_rating_delta d = {.station_id = 5, .count = 1, .sum = 4, .vcount = 1, .vsum = 4};
    yz_state_rating_add(s, &d);
    d = (yz_rating_delta){.station_id = 5, .count = 1, .sum = 5};
    yz_state_rating_add(s, &d);
    d = (yz_rating_delta){.station_id = 6, .count = 1, .sum = 2, .vcount = 1, .vsum = 2};
    yz_state_rating_add(s, &d);
    const yz_state_view *v = yz_state_acquire(s);
    yz_rating_agg a;
    yz_state_rating(v, 5, &a);
    cr_expect(a.station_id == 5 && a.count == 2 && a.sum == 9 && a.vcount == 1 && a.vsum == 4);
    yz_state_rating_all(v, &a);
    cr_expect(a.count == 3 && a.sum == 11 && a.vcount == 2 && a.vsum == 6);
    yz_state_release(s, v);
    /* a verified part that no ratings make (more verified stars than stars) reads as unrated */
    d = (yz_rating_delta){.station_id = 6, .vsum = 3};
    yz_state_rating_add(s, &d);
    v = yz_state_acquire(s);
    yz_state_rating(v, 6, &a);
    cr_expect(a.count == 0 && a.sum == 0 && a.vcount == 0);
    yz_state_release(s, v);
    yz_state_free(s);
}

Test(state, views_share_unchanged_parts)
{
    yz_state *s = yz_state_new(NULL, demo_snap(1));
    const yz_state_view *v = yz_state_acquire(s);
    const yz_snap *snap0 = yz_state_snap(v);
    const yz_event_index *ev0 = yz_state_events(v);
    cr_assert_eq(yz_state_version(v), 0);
    cr_assert_eq(yz_state_events_count(ev0), 0);
    int64_t n, sum;
    pair_all(v, &n, &sum);
    cr_assert(n == 0 && sum == 0);
    yz_state_release(s, v);

    add_pair(s, 7, 1, 4);
    v = yz_state_acquire(s);
    cr_assert_eq(yz_state_version(v), 1);
    cr_assert_eq(yz_state_snap(v), snap0, "the snapshot is shared, not copied");
    cr_assert_eq(yz_state_events(v), ev0);
    pair(v, 7, &n, &sum);
    cr_assert(n == 1 && sum == 4);
    yz_state_release(s, v);
    yz_state_free(s);
}

Test(state, nested_acquire_sees_one_view)
{
    yz_state *s = yz_state_new(NULL, demo_snap(1));
    const yz_state_view *a = yz_state_acquire(s);
    const yz_state_view *b = yz_state_acquire(s);
    cr_assert_eq(a, b);
    yz_state_release(s, b);
    const yz_state_view *c = yz_state_acquire(s);
    cr_assert_eq(a, c);
    yz_state_release(s, c);
    yz_state_release(s, a);
    yz_state_free(s);
}

Test(state, rating_totals)
{
    yz_state *s = yz_state_new(NULL, demo_snap(1));
    /* ids in several chunks, one past what is kept per station */
    static const int64_t ids[] = {1, 2, 1023, 1024, 1025, 5000, 16777215, 16777216};
    for (size_t k = 0; k < sizeof ids / sizeof *ids; k++)
        add_pair(s, ids[k], 2, 7);
    add_pair(s, 1, -1, -2); /* a rejected rating */
    add_pair(s, 2, 0, 1);   /* a replaced one, one star more */
    add_pair(s, 3, 0, 0);   /* nothing: no new version */
    int64_t n, sum;
    rating_of(s, 1, &n, &sum);
    cr_assert(n == 1 && sum == 5, "%lld %lld", (long long)n, (long long)sum);
    rating_of(s, 2, &n, &sum);
    cr_assert(n == 2 && sum == 8);
    rating_of(s, 1024, &n, &sum);
    cr_assert(n == 2 && sum == 7);
    rating_of(s, 16777215, &n, &sum);
    cr_assert(n == 2 && sum == 7);
    rating_of(s, 16777216, &n, &sum);
    cr_assert(n == 0 && sum == 0, "past the last id kept: unrated");
    rating_of(s, 3, &n, &sum);
    cr_assert(n == 0 && sum == 0);
    const yz_state_view *v = yz_state_acquire(s);
    cr_assert_eq(yz_state_version(v), 10);
    pair_all(v, &n, &sum);
    cr_assert(n == 15 && sum == 55, "%lld %lld", (long long)n, (long long)sum);
    yz_state_release(s, v);
    /* impossible pairs show as unrated */
    add_pair(s, 9, 1, 6);
    rating_of(s, 9, &n, &sum);
    cr_assert(n == 0 && sum == 0);
    yz_state_free(s);
}

Test(state, republish_puts_in_and_takes_out)
{
    yz_state *s = yz_state_new(NULL, demo_snap(1));
    const yz_state_view *v = yz_state_acquire(s);
    size_t n0 = yz_snap_count(yz_state_snap(v));
    yz_station st;
    yz_station_copy(&st, yz_snap_station(yz_state_snap(v), 0));
    yz_state_release(s, v);

    yz_free(st.name);
    st.name = yz_strdup("改名的驿站");
    int64_t id = st.id;
    yz_state_lock(s);
    yz_state_republish(s, &st, 0);
    yz_state_unlock(s);
    v = yz_state_acquire(s);
    long i = yz_snap_find_id(yz_state_snap(v), id);
    cr_assert_geq(i, 0);
    cr_assert_str_eq(yz_snap_station(yz_state_snap(v), (size_t)i)->name, "改名的驿站");
    cr_assert_eq(yz_snap_count(yz_state_snap(v)), n0);
    yz_state_release(s, v);

    st.id = 1000000;
    yz_free(st.code);
    st.code = yz_strdup("WZ-NEW-1");
    yz_state_lock(s);
    yz_state_republish(s, &st, 0);   /* a new station */
    yz_state_republish(s, NULL, id); /* and the first one gone */
    yz_state_unlock(s);
    v = yz_state_acquire(s);
    cr_assert_eq(yz_snap_count(yz_state_snap(v)), n0);
    cr_assert_lt(yz_snap_find_id(yz_state_snap(v), id), 0);
    cr_assert_geq(yz_snap_find_code(yz_state_snap(v), "WZ-NEW-1"), 0);
    cr_assert_eq(yz_state_version(v), 3);
    yz_state_release(s, v);
    yz_station_fini(&st);
    yz_state_free(s);
}

/* --- the catalog's compaction (docs/internals/catalog.md, "Writes") ----------------------- */

Test(state, compaction_folds_a_full_delta)
{
    yz_state *s = yz_state_new(NULL, demo_snap(1));
    yz_state_set_compaction(s, 4, 3600 * 1000); /* by size only */
    const yz_state_view *v = yz_state_acquire(s);
    size_t n0 = yz_snap_count(yz_state_snap(v));
    yz_station st[4];
    for (int k = 0; k < 4; k++)
        yz_station_copy(&st[k], yz_snap_station(yz_state_snap(v), (size_t)k * 7));
    yz_state_release(s, v);
    for (int k = 0; k < 4; k++) {
        char name[32];
        snprintf(name, sizeof name, "改名 %d", k);
        yz_free(st[k].name);
        st[k].name = yz_strdup(name);
        yz_state_lock(s);
        yz_state_republish(s, &st[k], 0);
        yz_state_unlock(s);
        yz_state_compaction_wait(s);
        v = yz_state_acquire(s);
        /* three writes stay a delta; the fourth fills it and it is folded into a new base */
        cr_assert_eq(yz_snap_delta_count(yz_state_snap(v)), k < 3 ? (size_t)k + 1 : 0);
        cr_assert_eq(yz_state_compactions(s), k < 3 ? 0 : 1);
        yz_state_release(s, v);
    }
    v = yz_state_acquire(s);
    const yz_snap *snap = yz_state_snap(v);
    cr_assert_eq(yz_snap_count(snap), n0);
    for (int k = 0; k < 4; k++) {
        long i = yz_snap_find_id(snap, st[k].id);
        cr_assert_geq(i, 0);
        cr_assert_str_eq(yz_snap_station(snap, (size_t)i)->name, st[k].name);
    }
    yz_state_release(s, v);
    for (int k = 0; k < 4; k++)
        yz_station_fini(&st[k]);
    yz_state_free(s);
}

static yz_state *busy_state;
static atomic_int busy_stop;

/* Reads station 1's generation ("gen N") while writes and compactions go on: it never goes
 * back, and the number of stations never changes. */
static void *read_generations(void *arg)
{
    size_t n0 = (size_t)(uintptr_t)arg;
    long last = -1;
    while (!atomic_load(&busy_stop)) {
        const yz_state_view *v = yz_state_acquire(busy_state);
        const yz_snap *snap = yz_state_snap(v);
        cr_assert_eq(yz_snap_count(snap), n0);
        long i = yz_snap_find_id(snap, 1);
        cr_assert_geq(i, 0);
        long g = strtol(yz_snap_station(snap, (size_t)i)->name + 4, NULL, 10);
        cr_assert_geq(g, last, "generation %ld after %ld", g, last);
        last = g;
        yz_nearby_query q = {.at = {28.0, 120.65}, .k = 10, .district = -1};
        yz_nearby_hit hits[10];
        size_t nh = 0;
        yz_snap_nearby(snap, &q, hits, &nh);
        for (size_t j = 0; j < nh; j++)
            cr_assert_not_null(yz_snap_station(snap, hits[j].station)->code);
        yz_state_release(busy_state, v);
        struct timespec ts = {0, 100000}; /* leave the writer some of a shared machine */
        nanosleep(&ts, NULL);
    }
    return NULL;
}

Test(state, compaction_beside_writers_and_readers, .timeout = 60)
{
    busy_state = yz_state_new(NULL, demo_snap_of(1, 200));
    yz_state_set_compaction(busy_state, 8, 0); /* compact after every write, as soon as it can */
    const yz_state_view *v = yz_state_acquire(busy_state);
    size_t n0 = yz_snap_count(yz_state_snap(v));
    yz_station st;
    yz_station_copy(&st, yz_snap_station(yz_state_snap(v), 0));
    cr_assert_eq(st.id, 1);
    yz_state_release(busy_state, v);
    pthread_t th;
    pthread_create(&th, NULL, read_generations, (void *)(uintptr_t)n0);
    for (long g = 0; g < 100; g++) {
        char name[32];
        snprintf(name, sizeof name, "gen %ld", g);
        yz_free(st.name);
        st.name = yz_strdup(name);
        st.lat += 1e-4; /* and a move */
        yz_state_lock(busy_state);
        yz_state_republish(busy_state, &st, 0);
        yz_state_unlock(busy_state);
    }
    atomic_store(&busy_stop, 1);
    pthread_join(th, NULL);
    yz_state_compaction_wait(busy_state);
    cr_assert_geq(yz_state_compactions(busy_state), 1);
    v = yz_state_acquire(busy_state);
    const yz_snap *snap = yz_state_snap(v);
    cr_assert_eq(yz_snap_delta_count(snap), 0);
    cr_assert_str_eq(yz_snap_station(snap, (size_t)yz_snap_find_id(snap, 1))->name, "gen 99");
    cr_assert_eq(yz_snap_station(snap, (size_t)yz_snap_find_id(snap, 1))->lat, st.lat);
    yz_state_release(busy_state, v);
    cr_log_info("compaction: %llu compactions beside 100 writes",
                (unsigned long long)yz_state_compactions(busy_state));
    yz_station_fini(&st);
    yz_state_free(busy_state);
}

/* --- a publisher waits for the reader of the old view ------------------------------------- */

static yz_state *held_state;
static atomic_int held, released;

static void *hold_a_view(void *arg)
{
    (void)arg;
    const yz_state_view *v = yz_state_acquire(held_state);
    const yz_snap *snap = yz_state_snap(v);
    size_t n = yz_snap_count(snap);
    atomic_store(&held, 1);
    struct timespec ts = {0, 100 * 1000 * 1000};
    nanosleep(&ts, NULL);
    /* the publisher has swapped by now; this view must still be whole */
    size_t codes = 0;
    for (size_t i = 0; i < n; i++)
        codes += yz_snap_station(snap, i)->code[0] == 'W';
    cr_assert_eq(codes, n);
    atomic_store(&released, 1);
    yz_state_release(held_state, v);
    return NULL;
}

Test(state, publisher_waits_for_readers_of_the_old_view)
{
    held_state = yz_state_new(NULL, demo_snap(1));
    pthread_t th;
    pthread_create(&th, NULL, hold_a_view, NULL);
    while (!atomic_load(&held))
        sched_yield();
    add_pair(held_state, 1, 1, 5); /* publishes; the old view is the reader's */
    cr_assert_eq(atomic_load(&released), 1, "returned before the reader let go");
    pthread_join(th, NULL);
    yz_state_free(held_state);
}

/* --- loading from a store, and reloads after another node's writes ---------------------- */

static char path[64];

static void unlink_db(void)
{
    yz_test_remove_db(path);
}

static yz_store *open_demo(int64_t *first_id)
{
    snprintf(path, sizeof path, "/tmp/yz-test-state-%d.db", (int)getpid());
    unlink_db();
    yz_store *st = NULL;
    yz_errinfo ei;
    cr_assert_eq(yz_store_open(path, &st, &ei), YZ_OK, "%s", ei.msg_en);
    yz_station *rows;
    yz_district *d;
    size_t n, nd;
    cr_assert_eq(yz_demo_generate(7, &rows, &n, &d, &nd, &ei), YZ_OK);
    yz_import_counts c;
    cr_assert_eq(yz_store_import(st, rows, n, d, nd, &c, &ei), YZ_OK, "%s", ei.msg_en);
    *first_id = rows[0].id;
    yz_station_array_free(rows, n);
    for (size_t i = 0; i < nd; i++)
        yz_district_fini(&d[i]);
    yz_free(d);
    return st;
}

Test(state, load_and_reload_from_the_store)
{
    int64_t sid;
    yz_store *st = open_demo(&sid);
    yz_errinfo ei;
    /* an event and a rating already stored */
    yz_event ev;
    yz_event_init(&ev);
    ev.station_id = sid;
    ev.title = yz_strdup("免费早餐");
    ev.category = YZ_EVCAT_FREE_MEAL;
    ev.starts_at = 1800000000;
    ev.ends_at = 1800003600;
    cr_assert_eq(yz_store_event_create(st, &ev, 1, &ei), YZ_OK, "%s", ei.msg_en);
    uint8_t hash[YZ_TOKEN_HASH_BYTES] = {1, 2, 3};
    yz_worker w = {.occupation = YZ_OCC_RIDER, .expires_at = yz_time_now() + 3600};
    cr_assert_eq(yz_store_worker_create(st, hash, &w, &ei), YZ_OK, "%s", ei.msg_en);
    yz_rating r = {.station_id = sid, .worker_id = w.id, .stars = 4, .day = 20000};
    r.tags = yz_strdup("");
    yz_rating_delta d;
    cr_assert_eq(yz_store_rate(st, &r, &d, &ei), YZ_OK, "%s", ei.msg_en);
    yz_rating_fini(&r);

    yz_state *s = NULL;
    cr_assert_eq(yz_state_load(st, &s, &ei), YZ_OK, "%s", ei.msg_en);
    const yz_state_view *v = yz_state_acquire(s);
    size_t n0 = yz_snap_count(yz_state_snap(v));
    const yz_event_index *x = yz_state_events(v);
    cr_assert_eq(yz_state_events_count(x), 1);
    size_t lo, hi;
    cr_assert(yz_state_events_find(x, sid, &lo, &hi));
    cr_assert_eq(hi - lo, 1);
    const yz_event_entry *en = yz_state_event_at(x, lo);
    cr_assert_str_eq(en->ev.title, "免费早餐");
    cr_assert_eq(strncmp(en->head, "{\"id\":", 6), 0);
    cr_assert_not_null(strstr(en->head, "\"category\":\"free_meal\""));
    cr_assert_eq(en->head_len, strlen(en->head));
    yz_event_hit hits[YZ_STATE_TODAY_MAX];
    int32_t day = yz_event_local_day(1800000000, 480);
    cr_assert_eq(yz_state_events_today(x, sid, day, 480, hits, YZ_STATE_TODAY_MAX), 1);
    cr_assert_eq(hits[0].start, 1800000000);
    cr_assert_eq(yz_state_events_today(x, sid, day + 1, 480, hits, YZ_STATE_TODAY_MAX), 0);
    int64_t n, sum;
    pair(v, sid, &n, &sum);
    cr_assert(n == 1 && sum == 4);
    yz_state_release(s, v);

    /* "another node" rates again (a replacement: 4 -> 2 stars) and cancels the event */
    yz_rating r2 = {.station_id = sid, .worker_id = w.id, .stars = 2, .day = 20000};
    r2.tags = yz_strdup("");
    cr_assert_eq(yz_store_rate(st, &r2, &d, &ei), YZ_OK, "%s", ei.msg_en);
    yz_rating_fini(&r2);
    cr_assert_eq(yz_store_event_cancel(st, ev.id, 1000, 0, &ei), YZ_OK);
    yz_state_changed(s, "ratings", sid);
    rating_of(s, sid, &n, &sum);
    cr_assert(n == 1 && sum == 2, "%lld %lld", (long long)n, (long long)sum);
    /* a local write of this node is kept by a full reload of the store's totals */
    add_pair(s, sid + 1, 1, 5); /* not in the store: stays until the next reload */
    yz_state_changed(s, "ratings", 0);
    rating_of(s, sid, &n, &sum);
    cr_assert(n == 1 && sum == 2);
    rating_of(s, sid + 1, &n, &sum);
    cr_assert(n == 0 && sum == 0, "the store is the truth once no local write raced");
    yz_state_changed(s, "events", 0);
    v = yz_state_acquire(s);
    cr_assert_eq(yz_state_events_count(yz_state_events(v)), 0);
    yz_state_release(s, v);

    /* a station deleted, then everything reloaded */
    cr_assert_eq(yz_store_delete_station(st, sid, 0, &ei), YZ_OK, "%s", ei.msg_en);
    yz_state_changed(s, "stations", sid);
    v = yz_state_acquire(s);
    cr_assert_eq(yz_snap_count(yz_state_snap(v)), n0 - 1);
    cr_assert_lt(yz_snap_find_id(yz_state_snap(v), sid), 0);
    yz_state_release(s, v);
    yz_state_changed(s, "*", 0);
    v = yz_state_acquire(s);
    cr_assert_eq(yz_snap_count(yz_state_snap(v)), n0 - 1);
    yz_state_release(s, v);
    cr_assert_eq(yz_state_reloads(s, YZ_STATE_RELOAD_STATION), 1);
    cr_assert_eq(yz_state_reloads(s, YZ_STATE_RELOAD_STATIONS), 1);
    cr_assert_eq(yz_state_reloads(s, YZ_STATE_RELOAD_RATING), 1);
    cr_assert_eq(yz_state_reloads(s, YZ_STATE_RELOAD_RATINGS), 2);
    cr_assert_eq(yz_state_reloads(s, YZ_STATE_RELOAD_EVENTS), 2);

    yz_event_fini(&ev);
    yz_state_free(s);
    yz_store_close(st);
    unlink_db();
}

/* --- many readers, one writer --------------------------------------------------------------
 *
 * Generation g of the writer publishes, in this order: the snapshot with station 1 named
 * "gen g", the events index whose one event (at station 1) is titled "gen g", and one more
 * rating (the totals count g). So every view a reader sees must satisfy
 *     ratings <= events <= snapshot <= ratings + 1,
 * versions only grow, and a view reads the same before and after a query through it. */

/* The writer runs for STRESS_MS, and at least MIN_GENS generations (a loaded machine), at
 * most MAX_GENS. */
enum { READERS = 4, STRESS_MS = 1000, MIN_GENS = 30, MAX_GENS = 300 };

static yz_state *stress;
static atomic_int stop;

static long gen_of(const char *text)
{
    long g = -1;
    cr_assert(sscanf(text, "gen %ld", &g) == 1, "%s", text);
    return g;
}

typedef struct seen {
    long snap, events, ratings;
} seen;

static seen look(const yz_state_view *v)
{
    seen x;
    const yz_snap *s = yz_state_snap(v);
    long i = yz_snap_find_id(s, 1);
    cr_assert_geq(i, 0);
    x.snap = gen_of(yz_snap_station(s, (size_t)i)->name);
    const yz_event_index *ev = yz_state_events(v);
    size_t lo, hi;
    if (yz_state_events_find(ev, 1, &lo, &hi)) {
        cr_assert_eq(hi - lo, 1);
        const yz_event_entry *en = yz_state_event_at(ev, lo);
        x.events = gen_of(en->ev.title);
        cr_assert_not_null(strstr(en->head, en->ev.title));
    } else {
        x.events = 0;
    }
    int64_t n, sum;
    pair_all(v, &n, &sum);
    cr_assert_eq(sum, 3 * n);
    x.ratings = (long)n;
    return x;
}

static void *stress_reader(void *arg)
{
    (void)arg;
    long reads = 0;
    uint64_t last_version = 0;
    seen last = {0, 0, 0};
    while (!atomic_load(&stop)) {
        const yz_state_view *v = yz_state_acquire(stress);
        cr_assert_geq(yz_state_version(v), last_version, "versions only grow");
        last_version = yz_state_version(v);
        seen a = look(v);
        cr_assert(a.ratings <= a.events && a.events <= a.snap && a.snap <= a.ratings + 1,
                  "inconsistent view: snapshot %ld, events %ld, ratings %ld", a.snap, a.events,
                  a.ratings);
        cr_assert(a.snap >= last.snap && a.events >= last.events && a.ratings >= last.ratings);
        last = a;
        /* use the snapshot, the per-station totals and the events through the same view */
        const yz_snap *s = yz_state_snap(v);
        yz_nearby_query q = {.at = {28.0, 120.65}, .k = 10, .district = -1};
        yz_nearby_hit hits[10];
        size_t n = 0;
        yz_snap_nearby(s, &q, hits, &n);
        for (size_t j = 0; j < n; j++) {
            const yz_station *st = yz_snap_station(s, hits[j].station);
            int64_t c, sum;
            pair(v, st->id, &c, &sum);
            cr_assert(sum == 3 * c);
            yz_event_hit eh[YZ_STATE_TODAY_MAX];
            yz_state_events_today(yz_state_events(v), st->id, 20000, 480, eh, YZ_STATE_TODAY_MAX);
        }
        seen b = look(v);
        cr_assert(a.snap == b.snap && a.events == b.events && a.ratings == b.ratings,
                  "a view changed under its reader");
        yz_state_release(stress, v);
        if (++reads % 8 == 0) { /* leave the writer some of a shared machine */
            struct timespec ts = {0, 50000};
            nanosleep(&ts, NULL);
        }
    }
    return (void *)reads;
}

static void publish_events(yz_state *s, long g)
{
    yz_event *evs = yz_calloc(1, sizeof *evs);
    yz_event_init(&evs[0]);
    evs[0].id = g;
    evs[0].station_id = 1;
    char title[32];
    snprintf(title, sizeof title, "gen %ld", g);
    evs[0].title = yz_strdup(title);
    evs[0].category = YZ_EVCAT_HEALTH;
    evs[0].starts_at = 1800000000;
    evs[0].ends_at = 1800003600;
    yz__state_publish(s, YZ__STATE_EVENTS, yz__event_index_build(evs, 1), yz__event_index_free);
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

Test(state, many_readers_one_writer, .timeout = 60)
{
    stress = yz_state_new(NULL, demo_snap_of(1, 60)); /* small: many rebuilds a second */
    yz_station st;
    {
        const yz_state_view *v = yz_state_acquire(stress);
        const yz_snap *s = yz_state_snap(v);
        yz_station_copy(&st, yz_snap_station(s, (size_t)yz_snap_find_id(s, 1)));
        yz_state_release(stress, v);
    }
    yz_free(st.name);
    st.name = yz_strdup("gen 0");
    yz_state_lock(stress);
    yz_state_republish(stress, &st, 0);
    yz_state_unlock(stress);

    pthread_t th[READERS];
    for (int i = 0; i < READERS; i++)
        pthread_create(&th[i], NULL, stress_reader, NULL);
    int64_t t0 = now_ms();
    long g = 0;
    while (g < MAX_GENS && (g < MIN_GENS || now_ms() - t0 < STRESS_MS)) {
        g++;
        char name[32];
        snprintf(name, sizeof name, "gen %ld", g);
        yz_free(st.name);
        st.name = yz_strdup(name);
        yz_state_lock(stress);
        yz_state_republish(stress, &st, 0);
        publish_events(stress, g);
        yz_state_unlock(stress);
        /* a rating of a station in one chunk or another: each copies one chunk */
        add_pair(stress, 1 + (g * 997) % 5000, 1, 3);
    }
    atomic_store(&stop, 1);
    long total = 0;
    for (int i = 0; i < READERS; i++) {
        void *r;
        pthread_join(th[i], &r);
        total += (long)r;
    }
    cr_assert_gt(total, READERS, "readers read %ld views", total);
    const yz_state_view *v = yz_state_acquire(stress);
    seen end = look(v);
    cr_assert(end.snap == g && end.events == g && end.ratings == g);
    cr_assert_eq(yz_state_version(v), (uint64_t)(3 * g + 1));
    yz_state_release(stress, v);
    cr_log_info("state stress: %ld generations, %ld reads by %d readers", g, total, READERS);
    yz_station_fini(&st);
    yz_state_free(stress);
}

/* Issue 9, point 2: a reload whose read fails part-way publishes nothing; the stations,
 * ratings and events already served stay, and the next good reload brings the store's. */
Test(state, failed_reload_keeps_the_previous_parts)
{
    int64_t sid;
    yz_store *st = open_demo(&sid);
    yz_errinfo ei;
    yz_event evs[3];
    for (int i = 0; i < 3; i++) {
        yz_event_init(&evs[i]);
        evs[i].station_id = sid + i;
        evs[i].title = yz_strdup("免费早餐");
        evs[i].category = YZ_EVCAT_FREE_MEAL;
        evs[i].starts_at = 1800000000 + i * 86400;
        evs[i].ends_at = evs[i].starts_at + 3600;
    }
    cr_assert_eq(yz_store_event_create(st, evs, 3, &ei), YZ_OK, "%s", ei.msg_en);
    uint8_t hash[YZ_TOKEN_HASH_BYTES] = {9, 9, 9};
    yz_worker w = {.occupation = YZ_OCC_RIDER, .expires_at = yz_time_now() + 3600};
    cr_assert_eq(yz_store_worker_create(st, hash, &w, &ei), YZ_OK, "%s", ei.msg_en);
    for (int i = 0; i < 3; i++) {
        yz_rating r = {.station_id = sid + i, .worker_id = w.id, .stars = 5, .day = 20000};
        r.tags = yz_strdup("");
        yz_rating_delta d;
        cr_assert_eq(yz_store_rate(st, &r, &d, &ei), YZ_OK, "%s", ei.msg_en);
        yz_rating_fini(&r);
    }
    yz_state *s = NULL;
    cr_assert_eq(yz_state_load(st, &s, &ei), YZ_OK, "%s", ei.msg_en);
    const yz_state_view *v = yz_state_acquire(s);
    size_t n0 = yz_snap_count(yz_state_snap(v));
    cr_assert_gt(n0, 100);
    cr_assert_eq(yz_state_events_count(yz_state_events(v)), 3);
    yz_state_release(s, v);

    /* the store changes: a station gone, an event cancelled, a rating more */
    cr_assert_eq(yz_store_delete_station(st, sid + 50, 0, &ei), YZ_OK, "%s", ei.msg_en);
    cr_assert_eq(yz_store_event_cancel(st, evs[0].id, 1000, 0, &ei), YZ_OK, "%s", ei.msg_en);
    yz_rating r = {.station_id = sid + 3, .worker_id = w.id, .stars = 1, .day = 20000};
    r.tags = yz_strdup("");
    yz_rating_delta d;
    cr_assert_eq(yz_store_rate(st, &r, &d, &ei), YZ_OK, "%s", ei.msg_en);
    yz_rating_fini(&r);

    /* each reload's read fails part-way: nothing of it is published */
    yz_db_fault_after_rows(n0 / 2);
    yz_state_reload_stations(s);
    yz_db_fault_after_rows(2);
    yz_state_reload_events(s);
    yz_db_fault_after_rows(2);
    yz_state_reload_ratings(s);
    yz_db_fault_after_rows(0);
    int64_t n, sum;
    v = yz_state_acquire(s);
    cr_assert_eq(yz_snap_count(yz_state_snap(v)), n0, "a short station list was published");
    cr_assert_geq(yz_snap_find_id(yz_state_snap(v), sid + 50), 0);
    cr_assert_eq(yz_state_events_count(yz_state_events(v)), 3, "a short event list");
    pair_all(v, &n, &sum);
    cr_assert(n == 3 && sum == 15, "ratings %lld %lld", (long long)n, (long long)sum);
    yz_state_release(s, v);

    /* and a good reload brings what the store holds */
    yz_state_changed(s, "*", 0);
    v = yz_state_acquire(s);
    cr_assert_eq(yz_snap_count(yz_state_snap(v)), n0 - 1);
    cr_assert_eq(yz_state_events_count(yz_state_events(v)), 2);
    pair_all(v, &n, &sum);
    cr_assert(n == 4 && sum == 16, "ratings %lld %lld", (long long)n, (long long)sum);
    yz_state_release(s, v);
    for (int i = 0; i < 3; i++)
        yz_event_fini(&evs[i]);
    yz_state_free(s);
    yz_store_close(st);
    unlink_db();
}

/* yz_state_events_find (its filter of station ids, then the binary search) against a linear
 * scan of the events, for indexes of 0 to 2,000 stations with events among sparse ids. */
Test(state, events_find_matches_scan)
{
    srand(16);
    for (size_t round = 0; round < 12; round++) {
        size_t n = round == 0 ? 0 : (size_t)rand() % 3000 + 1;
        yz_event *evs = yz_calloc(n + 1, sizeof *evs);
        for (size_t i = 0; i < n; i++) {
            yz_event_init(&evs[i]);
            evs[i].id = (int64_t)i + 1;
            evs[i].station_id = rand() % 5000 + 1;
            evs[i].title = yz_strdup("t");
            evs[i].category = YZ_EVCAT_HEALTH;
            evs[i].starts_at = 1800000000;
            evs[i].ends_at = 1800003600;
        }
        int64_t *sid = yz_calloc(n + 1, sizeof *sid);
        for (size_t i = 0; i < n; i++)
            sid[i] = evs[i].station_id;
        yz_event_index *x = yz__event_index_build(evs, n); /* takes evs */
        for (int64_t id = -2; id <= 5002; id++) {
            size_t want = 0, lo = 0, hi = 0;
            for (size_t i = 0; i < n; i++)
                want += sid[i] == id;
            bool found = yz_state_events_find(x, id, &lo, &hi);
            cr_assert_eq(found, want > 0, "round %zu, station %lld", round, (long long)id);
            if (found) {
                cr_assert_eq(hi - lo, want, "round %zu, station %lld", round, (long long)id);
                for (size_t k = lo; k < hi; k++)
                    cr_assert_eq(yz_state_event_at(x, k)->ev.station_id, id);
            }
        }
        yz__event_index_free(x);
        yz_free(sid);
    }
}
