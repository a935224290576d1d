/* SPDX-License-Identifier: MIT */
/* demo/inspections.c - the demo city's inspections and self-checks (demo/inspections.h),
 * written through store/inspections.h as the API writes them: create (dated in the past),
 * save the scores, submit. Drawn from a splitmix64 stream. */
#include "demo/inspections.h"

#include "demo/people.h"
#include "demo/visits.h"
#include "demo/rng.h"

#include "core/alloc.h"
#include "store/inspections.h"
#include "store/tasks.h"
#include "store/visits.h"
#include "store/workers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

/* A station's daily self-check of the local day of `at`, as an operator sends it (POST
 * /api/v1/selfchecks: one request, its own self_checks row, so that it counts in the
 * compliance figures and never as an inspection), with `fails` items failed. */
static int self_check(yz_store *st, rng *r, const yz_checklist *cl, int64_t sid, int64_t at,
                      int fails, yz_errinfo *ei)
{
    yz_inspection in;
    yz_inspection_init(&in);
    in.station_id = sid;
    in.checklist_id = cl->id;
    in.kind = YZ_INSP_OPEN;
    client_id(r, in.client_id);
    int failed = fails && cl->n ? (int)rng_below(r, (int)cl->n) : -1;
    in.items = yz_calloc(cl->n ? cl->n : 1, sizeof *in.items);
    in.n_items = cl->n;
    for (size_t i = 0; i < cl->n; i++) {
        const yz_criterion *c = &cl->criteria[i];
        bool f = (int)i == failed;
        in.items[i].criterion_id = c->id;
        in.items[i].value = c->scoring == YZ_SCORING_PASS_FAIL ? !f : f ? 40 : 90;
        if (c->evidence == YZ_EVIDENCE_NOTE || f)
            in.items[i].note = yz_strdup(f ? "未达标，需整改" : "符合要求");
    }
    char day[11];
    time_t local = (time_t)(at + 8 * 3600);
    struct tm tm;
    gmtime_r(&local, &tm);
    strftime(day, sizeof day, "%Y-%m-%d", &tm);
    yz_selfcheck sc;
    bool existed;
    int err = yz_store_selfcheck_submit(st, &in, day, at, 0, &sc, &existed, ei);
    yz_inspection_fini(&in);
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
                yz_visit vis = {0, o->worker_id, s->id, at - 300, false, false};
                err = yz_store_visit_record(st, &vis, ei);
            }
            int fails = weak ? weak : rng_below(&r, 100) < 10;
            if (!err)
                err = inspect(st, &r, std, s->id, kind, officer, at, fails, ei);
        }
    }
    /* The officers' check-ins are of past days: purged as the retention would, yesterday too,
     * whose totals the visit history holds (a day is either raw or folded, never both, or
     * `stats rebuild` would recompute it from the raw visits alone). */
    if (!err)
        err = yz_store_visit_purge(st, today0, 480, 0, NULL, ei);
    for (size_t i = 0; !err && i < n; i++) {
        const yz_station *s = &v[i];
        if (!yz_station_in_service(s) || s->tier != YZ_TIER_SMART24H)
            continue;
        for (int d = YZ_DEMO_SELF_CHECK_DAYS; !err && d >= 1; d--) {
            int64_t at = today0 - (int64_t)d * 86400 + (7 * 60 + rng_below(&r, 120)) * 60;
            err = self_check(st, &r, self, s->id, at, rng_below(&r, 100) < 3, ei);
        }
    }
    yz_checklists_free(cls, ncl);
    yz_station_array_free(v, n);
    return err;
}

/* One step of a task's life, to be played in time order. */
enum { STEP_ANSWER, STEP_CLOSE, STEP_REOPEN };
typedef struct step {
    int64_t at, task_id;
    int action, seq; /* seq: the order of steps made at the same second */
} step;

static int cmp_step(const void *a, const void *b)
{
    const step *x = a, *y = b;
    if (x->at != y->at)
        return x->at < y->at ? -1 : 1;
    return (x->seq > y->seq) - (x->seq < y->seq);
}

static const char *const answers[] = {
    "已更换损坏设施，并拍照留存。",
    "已补齐标识标牌，重新张贴服务公约。",
    "已修复饮水机并做水质检测。",
    "已整理场地，安排专人每日保洁。",
    "已在地图平台更新驿站信息。",
    "已补充药箱和应急物品，建立台账。",
};

/* `t` moved into the working hours of its local day (00:00-24:00 onto 08:00-20:00, keeping
 * the order of the day's times). */
static int64_t daytime(int64_t t)
{
    int64_t d0 = ((t + 8 * 3600) / 86400) * 86400 - 8 * 3600;
    return d0 + 8 * 3600 + (t - d0) / 2;
}

/* daytime(t), but at least ten minutes after `prev`. */
static int64_t after(int64_t prev, int64_t t)
{
    t = daytime(t);
    return t > prev + 600 ? t : prev + 600;
}

/* Plan the life of task `t` up to `now` into `out` (room for 4 steps): most are answered
 * within the deadline and closed, some answered late, about one in eight reopened once and
 * then closed; about one in twenty of the old ones is left open (so overdue). A task whose
 * deadline is still ahead is often still open or waiting for its verification. */
static size_t plan(rng *r, const yz_task *t, int64_t now, step *out)
{
    int64_t span = t->deadline - t->created_at;
    int p = rng_below(r, 100);
    if (t->deadline > now ? p < 45 : p < 5)
        return 0; /* still open */
    int64_t ans = after(t->created_at, t->created_at + span * (10 + rng_below(r, 71)) / 100);
    if (t->deadline <= now && rng_below(r, 100) < 15) /* answered late */
        ans = daytime(t->deadline + (int64_t)(1 + rng_below(r, 10)) * 86400 +
                       rng_below(r, 28800));
    size_t k = 0;
    if (ans >= now - 3600)
        return 0;
    out[k++] = (step){ans, t->id, STEP_ANSWER, 0};
    int64_t ver = after(ans, ans + 3600 + (int64_t)rng_below(r, 36 * 3600));
    if (ver >= now || (t->deadline > now && p < 70))
        return k; /* waiting for the inspector */
    if (rng_below(r, 100) < 12) {
        out[k++] = (step){ver, t->id, STEP_REOPEN, 1};
        ans = after(ver, ver + 3600 + (int64_t)rng_below(r, 2 * 86400));
        if (ans >= now)
            return k;
        out[k++] = (step){ans, t->id, STEP_ANSWER, 2};
        ver = after(ans, ans + 3600 + (int64_t)rng_below(r, 36 * 3600));
        if (ver >= now)
            return k;
    }
    out[k++] = (step){ver, t->id, STEP_CLOSE, 3};
    return k;
}

/* The escalation sweep at 09:00 local of every day from `*next` up to `until`. */
static int sweep(yz_store *st, int64_t *next, int64_t until, yz_errinfo *ei)
{
    int err = YZ_OK;
    for (; !err && *next <= until; *next += 86400) {
        size_t n;
        err = yz_store_task_escalate(st, *next, &n, ei);
    }
    return err;
}

int yz_demo_tasks(yz_store *st, uint64_t seed, int64_t now, yz_errinfo *ei)
{
    yz_task *v = NULL;
    size_t n = 0;
    yz_task_filter f = {0, NULL, -1, false, false, now, 1000000};
    int err = yz_store_task_list(st, &f, &v, &n, ei);
    if (err)
        return err;
    rng r = {seed ^ UINT64_C(0x7461736b73000001)}; /* "tasks" */
    step *steps = yz_calloc(4 * n + 1, sizeof *steps);
    size_t ns = 0;
    int64_t first = now;
    for (size_t i = 0; i < n; i++) {
        ns += plan(&r, &v[i], now, steps + ns);
        if (v[i].created_at < first)
            first = v[i].created_at;
    }
    qsort(steps, ns, sizeof *steps, cmp_step);
    /* the first sweep: 09:00 local of the day the first task was opened */
    int64_t next = ((first + 8 * 3600) / 86400) * 86400 - 8 * 3600 + 9 * 3600;
    for (size_t i = 0; !err && i < ns; i++) {
        const step *s = &steps[i];
        yz_task out;
        yz_task_init(&out);
        err = sweep(st, &next, s->at, ei);
        if (!err && s->action == STEP_ANSWER)
            err = yz_store_task_answer(st, s->task_id, 0,
                                       answers[rng_below(&r, (int)(sizeof answers /
                                                                   sizeof *answers))],
                                       NULL, s->at, 0, &out, ei);
        else if (!err)
            err = yz_store_task_verify(st, s->task_id, 0, s->action == STEP_CLOSE,
                                       s->action == STEP_CLOSE ? "已复核，整改到位"
                                                               : "整改不到位，请重新处理",
                                       s->at, 0, &out, ei);
        yz_task_fini(&out);
    }
    if (!err)
        err = sweep(st, &next, now, ei);
    size_t esc;
    if (!err)
        err = yz_store_task_escalate(st, now, &esc, ei);
    yz_free(steps);
    yz_tasks_free(v, n);
    return err;
}

int yz_demo_history(yz_store *st, uint64_t seed, int64_t now, yz_errinfo *ei)
{
    int err = yz_demo_visits(st, seed, now, ei);
    if (!err)
        err = yz_demo_inspections(st, seed, now, ei);
    if (!err)
        err = yz_demo_tasks(st, seed, now, ei);
    if (!err)
        err = yz_demo_ratings(st, seed, now, ei);
    if (!err)
        err = yz_demo_signups(st, seed, now, ei);
    return err;
}
