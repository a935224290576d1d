/* SPDX-License-Identifier: MIT */
/* demo/people.c - the demo city's ratings and event sign-ups (demo/people.h), written through
 * store/reviews.h, store/visits.h and store/events.h as the API writes them, dated in the
 * past. Drawn from a splitmix64 stream. */
#include "demo/people.h"
#include "demo/rng.h"

#include "core/alloc.h"
#include "model/station.h"
#include "store/events.h"
#include "store/reviews.h"
#include "store/visits.h"
#include "store/workers.h"

#include <string.h>

#define OFFSET_MIN 480 /* Asia/Shanghai, every demo station's zone */

static int rng_below(rng *r, int n)
{
    return (int)(rng_next(r) % (uint64_t)n);
}

/* `n` workers with token hashes drawn from the stream (nobody holds the tokens); ids into
 * `ids`. */
static int workers(yz_store *st, rng *r, int64_t now, int n, int64_t *ids, yz_errinfo *ei)
{
    int err = YZ_OK;
    for (int i = 0; !err && i < n; i++) {
        uint8_t h[YZ_TOKEN_HASH_BYTES];
        for (size_t k = 0; k < sizeof h; k++)
            h[k] = (uint8_t)rng_next(r);
        yz_worker w = {0, rng_below(r, YZ_OCC__COUNT), 0, now + 365 * 86400};
        err = yz_store_worker_create(st, h, &w, ei);
        ids[i] = w.id;
    }
    return err;
}

static int64_t local_midnight(int64_t t)
{
    return ((t + OFFSET_MIN * 60) / 86400) * 86400 - OFFSET_MIN * 60;
}

int yz_demo_ratings(yz_store *st, uint64_t seed, int64_t now, yz_errinfo *ei)
{
    yz_station *v = NULL;
    size_t n = 0;
    int64_t *ids = yz_calloc(YZ_DEMO_RATERS, sizeof *ids);
    rng r = {seed ^ UINT64_C(0x726174696e677301)}; /* "ratings" */
    int err = yz_store_load_stations(st, &v, &n, ei);
    if (!err)
        err = workers(st, &r, now, YZ_DEMO_RATERS, ids, ei);
    int64_t today0 = local_midnight(now);
    int low = 0;
    for (size_t i = 0; !err && i < n; i++) {
        const yz_station *s = &v[i];
        if (!yz_station_in_service(s) || rng_below(&r, 100) >= 40)
            continue;
        /* the mean in tenths of a star: most stations 3.6-4.6, a few about 2 */
        bool is_low = low < YZ_DEMO_LOW_STATIONS && rng_below(&r, 100) < 4;
        low += is_low;
        int mean10 = is_low ? 17 + rng_below(&r, 8) : 36 + rng_below(&r, 11);
        int count = 5 + rng_below(&r, 16);
        int start = rng_below(&r, YZ_DEMO_RATERS), step = 1 + rng_below(&r, YZ_DEMO_RATERS - 1);
        for (int j = 0; !err && j < count; j++) {
            int64_t worker = ids[(start + (int64_t)j * step) % YZ_DEMO_RATERS];
            int64_t at = today0 - (int64_t)(1 + rng_below(&r, 364)) * 86400 +
                         (8 * 60 + rng_below(&r, 12 * 60)) * 60;
            int stars = (mean10 - 15 + rng_below(&r, 31) + 5) / 10;
            stars = stars < 1 ? 1 : stars > 5 ? 5 : stars;
            bool at_station = rng_below(&r, 10) != 0;
            if (at_station) {
                yz_visit vis = {0, worker, s->id, at - 600, false, false};
                err = yz_store_visit_record(st, &vis, ei);
            }
            yz_rating rt = {0};
            rt.station_id = s->id;
            rt.worker_id = worker;
            rt.day = (int32_t)((at + OFFSET_MIN * 60) / 86400);
            rt.stars = stars;
            rt.tags = (char *)"";
            rt.status = YZ_REVIEW_NONE;
            rt.reasons = (char *)"";
            rt.created_at = at;
            rt.at_station = at_station;
            yz_rating_delta d;
            if (!err)
                err = yz_store_rate(st, &rt, &d, ei);
        }
    }
    /* the check-ins are of past days: purged, yesterday too (see yz_demo_inspections) */
    if (!err)
        err = yz_store_visit_purge(st, today0, OFFSET_MIN, 0, NULL, ei);
    yz_free(ids);
    yz_station_array_free(v, n);
    return err;
}

int yz_demo_signups(yz_store *st, uint64_t seed, int64_t now, yz_errinfo *ei)
{
    yz_event *ev = NULL;
    size_t n = 0;
    int64_t *ids = yz_calloc(YZ_DEMO_ATTENDEES, sizeof *ids);
    rng r = {seed ^ UINT64_C(0x7369676e75707301)}; /* "signups" */
    int err = yz_store_event_list(st, false, &ev, &n, ei);
    if (!err)
        err = workers(st, &r, now, YZ_DEMO_ATTENDEES, ids, ei);
    int32_t today = (int32_t)((now + OFFSET_MIN * 60) / 86400);
    /* an occurrence's sign-ups: at most YZ_DEMO_ATTENDEES (distinct workers) */
    int64_t *who = yz_calloc(YZ_DEMO_ATTENDEES, sizeof *who);
    int64_t *when = yz_calloc(YZ_DEMO_ATTENDEES, sizeof *when);
    for (size_t i = 0; !err && i < n; i++) {
        for (int32_t day = today - 365; !err && day < today; day++) {
            int64_t start, end;
            if (!yz_event_occurrence(&ev[i], day, OFFSET_MIN, &start, &end) || end > now)
                continue;
            int cap = ev[i].capacity;
            int seats =
                cap > 0 ? (cap * (55 + rng_below(&r, 46)) + 99) / 100 : 8 + rng_below(&r, 25);
            int from = rng_below(&r, YZ_DEMO_ATTENDEES);
            int step = 1 + rng_below(&r, YZ_DEMO_ATTENDEES - 1);
            /* one transaction an occurrence, with the checks of one sign-up for each */
            for (int j = 0; j < seats; j++) {
                who[j] = ids[(from + (int64_t)j * step) % YZ_DEMO_ATTENDEES];
                when[j] = start - 600 - (int64_t)rng_below(&r, 72 * 60) * 60;
            }
            err = yz_store_event_signup_many(st, ev[i].id, day, who, when, (size_t)seats, ei);
        }
    }
    yz_free(who);
    yz_free(when);
    yz_free(ids);
    yz_event_array_free(ev, n);
    return err;
}
