/* SPDX-License-Identifier: MIT */
/* demo/project.c - the demo city's livelihood-project milestones (demo/project.h): dates
 * drawn from a seed, counted back from the day of loading, each station's milestones
 * checked by the same rule as the API's before they are saved. */
#include "demo/project.h"
#include "demo/rng.h"

#include "core/alloc.h"
#include "store/events.h"
#include "store/project.h"

#include <string.h>

/* A number in lo..hi. */
static int32_t rng_in(rng *r, int32_t lo, int32_t hi)
{
    return lo + (int32_t)(rng_next(r) % (uint64_t)(hi - lo + 1));
}

/* Reach milestones 0..stage, the last one `last_days` days before `today`, each earlier one
 * some weeks before the next; planned dates a few days before or on the actual ones. */
static void reach(rng *r, yz_project *p, int stage, int32_t today, int32_t last_days)
{
    static const int32_t gap_lo[YZ_MS__COUNT] = {0, 15, 10, 30, 3};
    static const int32_t gap_hi[YZ_MS__COUNT] = {0, 60, 40, 90, 20};
    int32_t d = today - last_days;
    for (int i = stage; i >= 0; i--) {
        p->ms[i].done_on = d;
        p->ms[i].planned_on = d - rng_in(r, 0, 7);
        d -= rng_in(r, gap_lo[i] ? gap_lo[i] : 1, gap_hi[i] ? gap_hi[i] : 1);
    }
}

/* Plan the milestones after `stage`: the next one `next_in` days from today (negative:
 * overdue), the later ones some weeks apart. */
static void plan(rng *r, yz_project *p, int stage, int32_t today, int32_t next_in)
{
    int32_t d = today + next_in;
    for (int i = stage + 1; i < YZ_MS__COUNT; i++) {
        p->ms[i].planned_on = d;
        d += rng_in(r, 20, 60);
    }
}

static void note(yz_project *p, int ms, const char *text)
{
    yz_free(p->ms[ms].note);
    p->ms[ms].note = yz_strdup(text);
}

int yz_demo_project(yz_store *st, uint64_t seed, int64_t now, yz_errinfo *ei)
{
    yz_station *v = NULL;
    size_t n = 0;
    int err = yz_store_load_stations(st, &v, &n, ei);
    if (err)
        return err;
    int32_t today = yz_event_local_day(now, 480);
    rng r = {seed ^ UINT64_C(0x70726f6a656374)}; /* "project" */
    size_t k = 0;                                /* stations not open yet */
    for (size_t i = 0; !err && i < n; i++) {
        const yz_station *s = &v[i];
        if (!s->livelihood)
            continue;
        k += s->status == YZ_STATUS_PLANNED || s->status == YZ_STATUS_BUILDING;
        yz_project p;
        yz_project_init(&p);
        p.station_id = s->id;
        bool late = k % 3 == 2; /* one in three of those not open yet */
        switch (s->status) {
        case YZ_STATUS_PLANNED: {
            int stage = rng_in(&r, 0, 1) ? YZ_MS_SITE_AGREED : YZ_MS_PLANNED;
            reach(&r, &p, stage, today, rng_in(&r, 5, 60));
            plan(&r, &p, stage, today, late ? -rng_in(&r, 5, 40) : rng_in(&r, 10, 60));
            if (late)
                note(&p, stage + 1,
                     stage == YZ_MS_PLANNED ? "场地产权方尚未答复" : "施工单位招标延期");
            break;
        }
        case YZ_STATUS_BUILDING: {
            int stage = rng_in(&r, 0, 2) ? YZ_MS_BUILDING : YZ_MS_ACCEPTED;
            reach(&r, &p, stage, today, rng_in(&r, 3, 90));
            plan(&r, &p, stage, today, late ? -rng_in(&r, 3, 30) : rng_in(&r, 7, 45));
            if (late)
                note(&p, stage + 1, stage == YZ_MS_BUILDING ? "待消防验收" : "开业物资未到位");
            break;
        }
        default: /* open, closed for now, closed: the project is done */
            reach(&r, &p, YZ_MS_OPEN, today, rng_in(&r, 20, 300));
            break;
        }
        for (int m = 0; m < YZ_MS__COUNT; m++)
            if (!p.ms[m].note)
                p.ms[m].note = yz_strdup("");
        err = yz_project_validate(&p, today, ei);
        if (!err)
            err = yz_store_project_put(st, &p, -1, ei);
        yz_project_fini(&p);
    }
    yz_station_array_free(v, n);
    return err;
}
