/* SPDX-License-Identifier: MIT */
/* demo/visits.c - the demo city's year of visits (demo/visits.h): a rate per station from its
 * partner kind and a draw, shaped by weekday and month, each visit given an occupation by the
 * partner's mix. Drawn from a splitmix64 stream; no clock but `now`. */
#include "demo/visits.h"
#include "demo/rng.h"

#include "core/alloc.h"
#include "core/time.h"
#include "store/rollups.h"
#include "store/workers.h"

/* Counted visits a day at a station of each partner kind (enum yz_partner), before the
 * station's own draw, and who comes: rider, courier, driver, sanitation, other (per cent). */
static const struct {
    double per_day;
    int occ[YZ_OCC__COUNT];
} partners[YZ_PARTNER__COUNT] = {
    {5.0, {35, 25, 10, 20, 10}}, /* union */
    {3.0, {25, 20, 10, 30, 15}}, /* community */
    {7.0, {75, 15, 5, 3, 2}},    /* China Tower rider home */
    {5.5, {10, 5, 80, 2, 3}},    /* DiDi driver home */
    {5.0, {40, 25, 20, 10, 5}},  /* convenience store */
    {4.5, {25, 15, 45, 10, 5}},  /* gas station */
    {2.5, {30, 30, 10, 15, 15}}, /* enterprise */
    {2.5, {20, 20, 10, 35, 15}}, /* government */
    {2.0, {25, 25, 15, 20, 15}}, /* other */
};

/* Visits by month (January first): cold and hot months bring more workers in; the Spring
 * Festival (February) sends many home. */
static const double month_factor[12] = {1.10, 0.75, 0.95, 0.95, 1.00, 1.15,
                                        1.30, 1.30, 1.10, 0.95, 1.00, 1.10};

int yz_demo_visits(yz_store *st, uint64_t seed, int64_t now, yz_errinfo *ei)
{
    yz_station *v = NULL;
    size_t n = 0;
    int err = yz_store_load_stations(st, &v, &n, ei);
    if (err)
        return err;
    rng r = {seed ^ UINT64_C(0x7669736974730001)}; /* "visits" */
    int64_t today = (now + 8 * 3600) / 86400;      /* local date, Beijing time */
    size_t nt = 0, cap = 0;
    yz_visit_day_total *t = NULL;
    for (size_t i = 0; i < n; i++) {
        const yz_station *s = &v[i];
        if (!yz_station_in_service(s) || s->partner_kind < 0 ||
            s->partner_kind >= YZ_PARTNER__COUNT)
            continue;
        /* the station's own pull: 0.6..1.6 of its kind's, more for higher tiers */
        double rate = partners[s->partner_kind].per_day * (0.6 + rng_unit(&r)) *
                      (s->tier == YZ_TIER_BASIC ? 1.0 : 1.25);
        const int *mix = partners[s->partner_kind].occ;
        for (int64_t d = today - YZ_DEMO_VISIT_DAYS; d < today; d++) {
            int y, m, dd;
            yz_civil_from_days(d, &y, &m, &dd);
            int wd = (int)((d + 3) % 7); /* 0 = Monday: 1970-01-01 was a Thursday */
            double mean = rate * month_factor[m - 1] * (wd >= 5 ? 0.85 : 1.0);
            int visits = (int)(mean * (0.6 + 0.8 * rng_unit(&r)) + 0.5);
            int per_occ[YZ_OCC__COUNT] = {0};
            for (int k = 0; k < visits; k++) {
                int p = (int)(rng_next(&r) % 100), o = 0;
                while (o < YZ_OCC__COUNT - 1 && p >= mix[o])
                    p -= mix[o++];
                per_occ[o]++;
            }
            for (int o = 0; o < YZ_OCC__COUNT; o++) {
                if (!per_occ[o])
                    continue;
                if (nt == cap) {
                    cap = cap ? cap * 2 : 4096;
                    t = yz_reallocarray(t, cap, sizeof *t);
                }
                /* about one worker in ten comes back the same day */
                int again = (int)(per_occ[o] * rng_unit(&r) * 0.2);
                t[nt++] = (yz_visit_day_total){d * 86400 - 8 * 3600, s->id, o, per_occ[o],
                                               per_occ[o] - again};
            }
        }
    }
    err = yz_store_visit_history_import(st, t, nt, ei);
    yz_free(t);
    yz_station_array_free(v, n);
    return err;
}
