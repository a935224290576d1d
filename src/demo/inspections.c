/* SPDX-License-Identifier: MIT */
/* demo/inspections.c - the demo city's inspections and self-checks (demo/inspections.h),
 * written through store/inspections.h as the API writes them: create (dated in the past),
 * save the scores, submit. Drawn from a splitmix64 stream. */
#include "demo/inspections.h"

#include "demo/visits.h"

#include "core/alloc.h"
#include "store/inspections.h"
#include "store/visits.h"
#include "store/workers.h"

#include <stdio.h>
#include <string.h>

typedef struct rng {
    uint64_t s;
} rng;

static uint64_t rng_next(rng *r)
{
    uint64_t z = (r->s += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

static int rng_below(rng *r, int n)
{
    return (int)(rng_next(r) % (uint64_t)n);
}

static void hex(rng *r, char *out, size_t n_hex)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n_hex; i++)
        out[i] = digits[rng_next(r) & 15];
    out[n_hex] = 0;
}

/* A client id in the form of a UUID (8-4-4-4-12), drawn from the stream. */
static void client_id(rng *r, char out[YZ_CLIENT_ID_LEN + 1])
{
    hex(r, out, 32);
    char t[YZ_CLIENT_ID_LEN + 1];
    snprintf(t, sizeof t, "%.8s-%.4s-%.4s-%.4s-%.12s", out, out + 8, out + 12, out + 16,
             out + 20);
    memcpy(out, t, sizeof t);
}

static const yz_checklist *find_list(const yz_checklist *cl, size_t n, const char *code)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(cl[i].code, code))
            return &cl[i];
    return NULL;
}

/* Create, score and submit one inspection of `cl` at station `sid`, opened at `at`. `fails`
 * criteria (drawn) fail; the others pass or score 70-100. */
static int inspect(yz_store *st, rng *r, const yz_checklist *cl, int64_t sid, int kind,
                   int64_t officer_id, int64_t at, int fails, yz_errinfo *ei)
{
    yz_inspection in, out;
    yz_inspection_init(&in);
    in.station_id = sid;
    in.checklist_id = cl->id;
    in.kind = kind;
    in.officer_id = officer_id;
    in.created_at = at;
    client_id(r, in.client_id);
    bool existed;
    int err = yz_store_insp_create(st, &in, &existed, ei);
    if (err) {
        yz_inspection_fini(&in);
        return err;
    }
    bool failed[64] = {false};
    for (int k = 0; k < fails && cl->n; k++)
        failed[rng_below(r, (int)(cl->n < 64 ? cl->n : 64))] = true;
    yz_insp_item *items = yz_calloc(cl->n ? cl->n : 1, sizeof *items);
    for (size_t i = 0; i < cl->n; i++) {
        const yz_criterion *c = &cl->criteria[i];
        bool f = i < 64 && failed[i];
        items[i].criterion_id = c->id;
        items[i].value = c->scoring == YZ_SCORING_PASS_FAIL ? !f
                         : f                                ? 30 + rng_below(r, 25)
                                                            : 70 + rng_below(r, 31);
        if (c->evidence == YZ_EVIDENCE_NOTE || f)
            items[i].note = yz_strdup(f ? "未达标，需整改" : "符合要求");
        if (c->evidence == YZ_EVIDENCE_PHOTO) {
            /* the hash of a photo the demo does not have: a demo inspection shows none */
            items[i].photos = yz_malloc(65);
            hex(r, items[i].photos, 64);
        }
    }
    err = yz_store_insp_save(st, in.id, items, cl->n, NULL, 0, &out, ei);
    yz_inspection_fini(&out);
    bool already;
    if (!err)
        err = yz_store_insp_submit(st, in.id, at + 1800 + rng_below(r, 3600), 1800, &out,
                                   &already, ei);
    yz_inspection_fini(&out);
    for (size_t i = 0; i < cl->n; i++) {
        yz_free(items[i].note);
        yz_free(items[i].photos);
    }
    yz_free(items);
    yz_inspection_fini(&in);
    return err;
}

/* Appoint officer k: a worker with a hash drawn from the stream, a code hash, the appointment. */
static int appoint(yz_store *st, rng *r, int64_t now, yz_officer *o, yz_errinfo *ei)
{
    uint8_t h[YZ_TOKEN_HASH_BYTES];
    for (size_t i = 0; i < sizeof h; i++)
        h[i] = (uint8_t)rng_next(r);
    yz_worker w = {0, (int)(rng_next(r) % YZ_OCC__COUNT), 0, now + 365 * 86400};
    int err = yz_store_worker_create(st, h, &w, ei);
    char code[65];
    hex(r, code, 64);
    if (!err)
        err = yz_store_officer_code(st, code, w.id, now + 900, ei);
    bool existed;
    if (!err)
        err = yz_store_officer_appoint(st, code, now - 366 * 86400, 0, o, &existed, ei);
    return err;
}

int yz_demo_inspections(yz_store *st, uint64_t seed, int64_t now, yz_errinfo *ei)
{
    yz_station *v = NULL;
    yz_checklist *cls = NULL;
    size_t n = 0, ncl = 0;
    yz_officer officers[YZ_DEMO_OFFICERS];
    int err = yz_store_load_stations(st, &v, &n, ei);
    if (!err)
        err = yz_store_checklist_list(st, false, &cls, &ncl, ei);
    const yz_checklist *std = err ? NULL : find_list(cls, ncl, "zj_8you");
    const yz_checklist *self = err ? NULL : find_list(cls, ncl, "daily_self_check");
    if (!err && (!std || !self))
        err = yz_err_set(ei, YZ_ENOTFOUND, "checklist", "缺少八有标准或每日自查表",
                         "the 八有 standard or the daily self-check list is missing");
    rng r = {seed ^ UINT64_C(0x696e737065637401)}; /* "inspect" */
    for (int k = 0; !err && k < YZ_DEMO_OFFICERS; k++)
        err = appoint(st, &r, now, &officers[k], ei);
    int64_t today0 = ((now + 8 * 3600) / 86400) * 86400 - 8 * 3600; /* local midnight */
    for (size_t i = 0; !err && i < n; i++) {
        const yz_station *s = &v[i];
        if (!yz_station_in_service(s) || rng_below(&r, 100) < 8) /* 8 % not yet inspected */
            continue;
        int times = 1 + rng_below(&r, 3) + (s->livelihood ? 1 : 0); /* 1-3, livelihood 2-4 */
        /* most stations meet the standard; one in five falls short on 1-3 criteria */
        int weak = rng_below(&r, 100) < 20 ? 1 + rng_below(&r, 3) : 0;
        for (int t = 0; !err && t < times; t++) {
            int64_t at = today0 - (int64_t)(1 + rng_below(&r, 364)) * 86400 +
                         (9 * 60 + rng_below(&r, 8 * 60)) * 60;
            int p = rng_below(&r, 100);
            int kind = p < 45 ? YZ_INSP_OPEN : p < 75 ? YZ_INSP_SECRET : YZ_INSP_OFFICER;
            int64_t officer = 0;
            if (kind == YZ_INSP_OFFICER) {
                const yz_officer *o = &officers[rng_below(&r, YZ_DEMO_OFFICERS)];
                officer = o->id;
                yz_visit vis = {0, o->worker_id, s->id, at - 300, false};
                err = yz_store_visit_record(st, &vis, ei);
            }
            int fails = weak ? weak : rng_below(&r, 100) < 10;
            if (!err)
                err = inspect(st, &r, std, s->id, kind, officer, at, fails, ei);
        }
    }
    /* the officers' check-ins are of past days: purged as the retention would */
    if (!err)
        err = yz_store_visit_purge(st, today0 - 86400, 480, 0, NULL, ei);
    for (size_t i = 0; !err && i < n; i++) {
        const yz_station *s = &v[i];
        if (!yz_station_in_service(s) || s->tier != YZ_TIER_SMART24H)
            continue;
        for (int d = YZ_DEMO_SELF_CHECK_DAYS; !err && d >= 1; d--) {
            int64_t at = today0 - (int64_t)d * 86400 + (7 * 60 + rng_below(&r, 120)) * 60;
            err = inspect(st, &r, self, s->id, YZ_INSP_OPEN, 0, at, rng_below(&r, 100) < 3, ei);
        }
    }
    yz_checklists_free(cls, ncl);
    yz_station_array_free(v, n);
    return err;
}

int yz_demo_tasks(yz_store *st, uint64_t seed, int64_t now, yz_errinfo *ei)
{
    (void)st, (void)seed, (void)now, (void)ei;
    return YZ_OK;
}

int yz_demo_history(yz_store *st, uint64_t seed, int64_t now, yz_errinfo *ei)
{
    int err = yz_demo_visits(st, seed, now, ei);
    if (!err)
        err = yz_demo_inspections(st, seed, now, ei);
    if (!err)
        err = yz_demo_tasks(st, seed, now, ei);
    return err;
}
