/* SPDX-License-Identifier: MIT */
/* live/alarms.c - the alarms' evaluator (alarms.h, docs/internals/alarms.md). One evaluation
 * reads the rules and the open alarms from the store, walks every enabled device of the live
 * status once (lock-free, on a view), and writes what it found in one transaction: the alarms
 * to open (the store's partial unique index opens each once, across nodes too), those to close,
 * and the escalations. When each condition began is remembered here, in memory, between
 * evaluations (a sorted array rebuilt by each one); a restarted node starts again from the
 * latest values' own times, which can only make an alarm open later, never earlier. */
#include "live/alarms.h"

#include "catalog/catalog.h"
#include "core/alloc.h"
#include "core/log.h"
#include "model/device.h"
#include "model/station.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define OPEN_MAX 100000 /* open alarms an evaluation reads */

typedef struct track {
    int64_t device_id;
    int kind;
    int64_t since_ms;
} track;

struct yz_alarms {
    yz_store *st;     /* borrowed */
    yz_state *state;  /* borrowed */
    int period_s;     /* 0: no thread */
    pthread_mutex_t mu; /* one evaluation at a time; guards what follows */
    track *tr;          /* conditions holding at the last evaluation, by (device, kind) */
    size_t n_tr;
    int64_t last_eval_ms;
    pthread_mutex_t wait_mu;
    pthread_cond_t wake;
    bool stop, running;
    pthread_t thread;
    pthread_mutex_t counts_mu;
    bool counted;
    int64_t counts[YZ_ALARM_KIND__COUNT][2];
};

static int64_t now_ms_clock(void)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static int64_t max64(int64_t a, int64_t b)
{
    return a > b ? a : b;
}

int yz_alarm_condition(int kind, const yz_live_dev *d, double threshold, int64_t duration_ms,
                       bool station_open, int64_t now_ms, int64_t prev_since_ms,
                       int64_t last_eval_ms, int64_t *since_ms)
{
    *since_ms = 0;
    bool holds;
    int64_t began;
    switch (kind) {
    case YZ_ALARM_CABINET_EMPTY:
        if (d->kind != YZ_DEV_BATTERY_CABINET)
            return -1;
        holds = d->v_ts[YZ_M_CHARGED] && d->v[YZ_M_CHARGED] == 0;
        began = d->v_ts[YZ_M_CHARGED];
        break;
    case YZ_ALARM_AC_OFF_HOT:
        if (d->kind != YZ_DEV_AIR_CONDITIONER)
            return -1;
        holds = d->v_ts[YZ_M_ON] && d->v_ts[YZ_M_TEMP_C] && d->v[YZ_M_ON] == 0 &&
                d->v[YZ_M_TEMP_C] > threshold;
        began = max64(d->v_ts[YZ_M_ON], d->v_ts[YZ_M_TEMP_C]);
        break;
    case YZ_ALARM_DOOR_OPEN_CLOSED:
        if (d->kind != YZ_DEV_DOOR)
            return -1;
        holds = d->v_ts[YZ_M_OPEN] && d->v[YZ_M_OPEN] == 1 && !station_open;
        /* it began after the last evaluation that did not see it: the door opened, or the
         * station closed, since then (the later bound: an alarm never opens early) */
        began = max64(d->v_ts[YZ_M_OPEN], last_eval_ms);
        break;
    case YZ_ALARM_NO_HEARTBEAT:
        began = d->last_seen ? d->last_seen : (prev_since_ms ? prev_since_ms : now_ms);
        *since_ms = began;
        return now_ms - began >= duration_ms;
    default:
        return -1;
    }
    if (!holds)
        return 0;
    *since_ms = prev_since_ms ? prev_since_ms : began;
    return 1;
}

static int track_cmp(const void *pa, const void *pb)
{
    const track *a = pa, *b = pb;
    if (a->device_id != b->device_id)
        return a->device_id < b->device_id ? -1 : 1;
    return a->kind - b->kind;
}

static const track *track_find(const track *a, size_t n, int64_t device_id, int kind)
{
    if (!n)
        return NULL;
    track key = {device_id, kind, 0};
    return bsearch(&key, a, n, sizeof *a, track_cmp);
}

typedef struct open_ref {
    int64_t device_id;
    int kind;
    int64_t alarm_id;
    bool keep;
} open_ref;

static int open_cmp(const void *pa, const void *pb)
{
    const open_ref *a = pa, *b = pb;
    if (a->device_id != b->device_id)
        return a->device_id < b->device_id ? -1 : 1;
    return a->kind - b->kind;
}

int yz_alarms_evaluate(yz_alarms *a, int64_t now_ms, yz_alarm_applied *out, yz_errinfo *ei)
{
    memset(out, 0, sizeof *out);
    yz_alarm_rule *rules = NULL;
    size_t n_rules = 0;
    yz_alarm *open = NULL;
    size_t n_open = 0;
    open_ref *refs = NULL;
    track *tr = NULL;
    size_t n_tr = 0, cap_tr = 0;
    yz_alarm_open *opens = NULL;
    size_t n_opens = 0, cap_opens = 0;
    int64_t *closes = NULL;
    size_t n_closes = 0;

    pthread_mutex_lock(&a->mu);
    int err = yz_store_alarm_rules(a->st, &rules, &n_rules, ei);
    yz_alarm_filter f = {0, true, OPEN_MAX};
    if (!err)
        err = yz_store_alarm_list(a->st, &f, &open, &n_open, ei);
    if (err)
        goto out;
    const yz_alarm_rule *rule[YZ_ALARM_KIND__COUNT] = {0};
    for (size_t i = 0; i < n_rules; i++)
        if (rules[i].kind >= 0 && rules[i].enabled)
            rule[rules[i].kind] = &rules[i];
    refs = yz_calloc(n_open ? n_open : 1, sizeof *refs);
    for (size_t i = 0; i < n_open; i++)
        refs[i] = (open_ref){open[i].device_id, open[i].kind, open[i].id, false};
    qsort(refs, n_open, sizeof *refs, open_cmp);

    const yz_state_view *view = yz_state_acquire(a->state);
    const yz_snap *snap = yz_state_snap(view);
    size_t n_st = yz_state_live_count(view);
    for (size_t i = 0; i < n_st; i++) {
        const yz_live_station *ls = yz_state_live_at(view, i);
        long pos = yz_snap_find_id(snap, ls->station_id);
        if (pos < 0)
            continue; /* the station is gone: its alarms close below */
        yz_station s_buf;
        const yz_station *s = yz_snap_station_get(snap, (size_t)pos, &s_buf);
        bool station_open = yz_snap_is_open(snap, (size_t)pos, now_ms / 1000);
        for (size_t j = 0; j < ls->n; j++) {
            const yz_live_dev *d = &ls->dev[j];
            if (d->disabled)
                continue;
            for (int k = 0; k < YZ_ALARM_KIND__COUNT; k++) {
                if (!rule[k])
                    continue;
                const track *prev = track_find(a->tr, a->n_tr, d->id, k);
                int64_t since = 0, dur_ms = rule[k]->duration_s * 1000;
                int holds = yz_alarm_condition(k, d, rule[k]->threshold, dur_ms, station_open,
                                               now_ms, prev ? prev->since_ms : 0,
                                               a->last_eval_ms, &since);
                if (holds < 0)
                    continue;
                if (holds || (k == YZ_ALARM_NO_HEARTBEAT && !d->last_seen)) {
                    if (n_tr == cap_tr) {
                        cap_tr = cap_tr ? cap_tr * 2 : 64;
                        tr = yz_reallocarray(tr, cap_tr, sizeof *tr);
                    }
                    tr[n_tr++] = (track){d->id, k, since};
                }
                if (!holds)
                    continue;
                open_ref key = {d->id, k, 0, false};
                open_ref *o = bsearch(&key, refs, n_open, sizeof *refs, open_cmp);
                if (o) {
                    o->keep = true;
                } else if (now_ms - since >= dur_ms) {
                    if (n_opens == cap_opens) {
                        cap_opens = cap_opens ? cap_opens * 2 : 16;
                        opens = yz_reallocarray(opens, cap_opens, sizeof *opens);
                    }
                    yz_alarm_open *no = &opens[n_opens++];
                    memset(no, 0, sizeof *no);
                    no->rule_id = rule[k]->id;
                    no->station_id = ls->station_id;
                    no->device_id = d->id;
                    no->device_kind = d->kind;
                    no->since_ms = since;
                    snprintf(no->district, sizeof no->district, "%s",
                             s->district_code ? s->district_code : "");
                }
            }
        }
    }
    yz_state_release(a->state, view);

    closes = yz_calloc(n_open ? n_open : 1, sizeof *closes);
    for (size_t i = 0; i < n_open; i++)
        if (!refs[i].keep)
            closes[n_closes++] = refs[i].alarm_id;
    err = yz_store_alarms_apply(a->st, opens, n_opens, closes, n_closes, now_ms / 1000, out, ei);
    if (err)
        goto out;
    if (n_tr)
        qsort(tr, n_tr, sizeof *tr, track_cmp);
    yz_free(a->tr);
    a->tr = tr;
    a->n_tr = n_tr;
    tr = NULL;
    a->last_eval_ms = now_ms;
    int64_t counts[YZ_ALARM_KIND__COUNT][2];
    yz_errinfo cei;
    if (yz_store_alarm_counts(a->st, counts, &cei) == YZ_OK) {
        pthread_mutex_lock(&a->counts_mu);
        memcpy(a->counts, counts, sizeof counts);
        a->counted = true;
        pthread_mutex_unlock(&a->counts_mu);
    }
out:
    pthread_mutex_unlock(&a->mu);
    yz_free(rules);
    yz_free(open);
    yz_free(refs);
    yz_free(tr);
    yz_free(opens);
    yz_free(closes);
    return err;
}

bool yz_alarms_counts(yz_alarms *a, int64_t counts[YZ_ALARM_KIND__COUNT][2])
{
    pthread_mutex_lock(&a->counts_mu);
    memcpy(counts, a->counts, sizeof a->counts);
    bool counted = a->counted;
    pthread_mutex_unlock(&a->counts_mu);
    return counted;
}

/* --- the thread ------------------------------------------------------------------------------ */

static void *eval_main(void *arg)
{
    yz_alarms *a = arg;
    for (;;) {
        yz_alarm_applied r;
        yz_errinfo ei;
        if (yz_alarms_evaluate(a, now_ms_clock(), &r, &ei))
            yz_log_error("alarms: an evaluation failed, trying again later: %s", ei.msg_en);
        else if (r.opened || r.closed || r.escalated)
            yz_log_info("alarms: %zu opened, %zu closed, %zu escalated", r.opened, r.closed,
                        r.escalated);
        struct timespec until;
        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_sec += a->period_s;
        pthread_mutex_lock(&a->wait_mu);
        while (!a->stop && pthread_cond_timedwait(&a->wake, &a->wait_mu, &until) != ETIMEDOUT)
            ;
        bool stop = a->stop;
        pthread_mutex_unlock(&a->wait_mu);
        if (stop)
            return NULL;
    }
}

yz_alarms *yz_alarms_new(yz_store *st, yz_state *state, int period_s)
{
    yz_alarms *a = yz_calloc(1, sizeof *a);
    a->st = st;
    a->state = state;
    a->period_s = period_s;
    pthread_mutex_init(&a->mu, NULL);
    pthread_mutex_init(&a->wait_mu, NULL);
    pthread_mutex_init(&a->counts_mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&a->wake, &ca);
    pthread_condattr_destroy(&ca);
    if (period_s > 0) {
        a->running = pthread_create(&a->thread, NULL, eval_main, a) == 0;
        if (!a->running)
            yz_log_error("alarms: cannot start the evaluator");
    }
    return a;
}

void yz_alarms_free(yz_alarms *a)
{
    if (!a)
        return;
    pthread_mutex_lock(&a->wait_mu);
    a->stop = true;
    pthread_cond_broadcast(&a->wake);
    pthread_mutex_unlock(&a->wait_mu);
    if (a->running)
        pthread_join(a->thread, NULL);
    pthread_cond_destroy(&a->wake);
    pthread_mutex_destroy(&a->wait_mu);
    pthread_mutex_destroy(&a->counts_mu);
    pthread_mutex_destroy(&a->mu);
    yz_free(a->tr);
    yz_free(a);
}
