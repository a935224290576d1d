/* SPDX-License-Identifier: MIT */
/* state/live.c - the live status part (state.h, docs/internals/live.md): per station its
 * devices and their latest committed values. A version is a table of station pointers sorted
 * by station id plus an index by device id; a new version copies the table and only the
 * stations it changes, sharing the others (counted, under the writers' mutex, as ratings.c
 * shares its chunks). The ingest committer publishes after each batch it commits. */
#include "state/state_int.h"

#include "core/alloc.h"
#include "core/log.h"
#include "core/time.h"
#include "store/devices.h"

#include <stdlib.h>
#include <string.h>

typedef struct dev_ref {
    int64_t id;
    uint32_t st, d; /* positions in the table and in the station */
} dev_ref;

typedef struct yz__live_table {
    yz_live_station **st; /* by station id */
    size_t n;
    dev_ref *ix; /* by device id; its own copy per version (small) */
    size_t n_ix;
    int64_t since_ms; /* updated_ms of the newest status read from the store */
} yz__live_table;

yz__live_table *yz__live_table_new(void)
{
    return yz_calloc(1, sizeof(yz__live_table));
}

/* Lock held. */
void yz__live_table_free(void *p)
{
    yz__live_table *t = p;
    if (!t)
        return;
    for (size_t k = 0; k < t->n; k++)
        if (--t->st[k]->refs == 0)
            yz_free(t->st[k]);
    yz_free(t->st);
    yz_free(t->ix);
    yz_free(t);
}

static yz__live_table *table_of(const yz_state_view *v)
{
    return v->part[YZ__STATE_LIVE]->obj;
}

static long find_station(const yz__live_table *t, int64_t station_id)
{
    size_t lo = 0, hi = t->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (t->st[mid]->station_id < station_id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < t->n && t->st[lo]->station_id == station_id ? (long)lo : -1;
}

static const dev_ref *find_dev(const yz__live_table *t, int64_t id)
{
    size_t lo = 0, hi = t->n_ix;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (t->ix[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < t->n_ix && t->ix[lo].id == id ? &t->ix[lo] : NULL;
}

const yz_live_station *yz_state_live(const yz_state_view *v, int64_t station_id)
{
    const yz__live_table *t = table_of(v);
    long k = find_station(t, station_id);
    return k < 0 ? NULL : t->st[k];
}

size_t yz_state_live_count(const yz_state_view *v)
{
    return table_of(v)->n;
}

const yz_live_station *yz_state_live_at(const yz_state_view *v, size_t i)
{
    const yz__live_table *t = table_of(v);
    return i < t->n ? t->st[i] : NULL;
}

const yz_live_dev *yz_state_live_device(const yz_state_view *v, int64_t id)
{
    const yz__live_table *t = table_of(v);
    const dev_ref *r = find_dev(t, id);
    return r ? &t->st[r->st]->dev[r->d] : NULL;
}

/* --- the summary ------------------------------------------------------------------------------ */

static int64_t age_s(int64_t now_ms, int64_t ts)
{
    int64_t a = (now_ms - ts) / 1000;
    return a < 0 ? 0 : a;
}

/* Add device value `m` of `d` to `out`: fresh values are summed (the age kept is the oldest
 * of them); a stale value only sets the age when nothing fresh is known. */
static void add_value(yz_live_value *out, const yz_live_dev *d, int m, int64_t now_ms,
                      int64_t max_age_ms)
{
    out->present = true;
    if (!d->v_ts[m])
        return;
    int64_t a = age_s(now_ms, d->v_ts[m]);
    if (now_ms - d->v_ts[m] > max_age_ms) {
        if (!out->known && (out->age_s < 0 || a < out->age_s))
            out->age_s = a;
        return;
    }
    if (!out->known) {
        out->known = true;
        out->value = 0;
        out->age_s = a;
    } else if (a > out->age_s) {
        out->age_s = a;
    }
    out->value += d->v[m];
    if (m == YZ_M_CHARGED) {
        if (d->v_ts[YZ_M_SLOTS] && out->slots >= 0)
            out->slots += d->v[YZ_M_SLOTS];
        else
            out->slots = -1;
    }
}

void yz_live_summarize(const yz_live_station *ls, int64_t now_ms, int64_t max_age_ms,
                       yz_live_summary *out)
{
    memset(out, 0, sizeof *out);
    out->people_inside.age_s = out->seats_free.age_s = out->batteries_charged.age_s = -1;
    for (size_t i = 0; ls && i < ls->n; i++) {
        const yz_live_dev *d = &ls->dev[i];
        if (d->disabled)
            continue;
        out->any = true;
        switch (d->kind) {
        case YZ_DEV_BATTERY_CABINET:
            add_value(&out->batteries_charged, d, YZ_M_CHARGED, now_ms, max_age_ms);
            break;
        case YZ_DEV_PEOPLE_COUNTER:
            add_value(&out->people_inside, d, YZ_M_INSIDE, now_ms, max_age_ms);
            add_value(&out->seats_free, d, YZ_M_SEATS_FREE, now_ms, max_age_ms);
            break;
        default:
            break;
        }
        int m = d->kind == YZ_DEV_POWER ? YZ_M_ON : YZ_M_FAULT;
        if (!yz_device_has_metric(d->kind, m) || !d->v_ts[m] || now_ms - d->v_ts[m] > max_age_ms)
            continue;
        bool bad = d->kind == YZ_DEV_POWER ? d->v[m] == 0 : d->v[m] == 1;
        if (bad && out->n_ooo < YZ_LIVE_OOO_MAX) {
            out->ooo[out->n_ooo].kind = d->kind;
            out->ooo[out->n_ooo].age_s = age_s(now_ms, d->v_ts[m]);
            out->n_ooo++;
        }
    }
    if (!out->batteries_charged.known)
        out->batteries_charged.slots = -1;
}

/* --- writers ---------------------------------------------------------------------------------- */

static int cmp_dev(const void *a, const void *b)
{
    const yz_device *x = a, *y = b;
    if (x->station_id != y->station_id)
        return x->station_id < y->station_id ? -1 : 1;
    return (x->id > y->id) - (x->id < y->id);
}

static int cmp_ref(const void *a, const void *b)
{
    const dev_ref *x = a, *y = b;
    return (x->id > y->id) - (x->id < y->id);
}

static void build_index(yz__live_table *t)
{
    size_t n = 0;
    for (size_t k = 0; k < t->n; k++)
        n += t->st[k]->n;
    t->ix = yz_calloc(n + 1, sizeof *t->ix);
    t->n_ix = 0;
    for (size_t k = 0; k < t->n; k++)
        for (size_t d = 0; d < t->st[k]->n; d++)
            t->ix[t->n_ix++] = (dev_ref){t->st[k]->dev[d].id, (uint32_t)k, (uint32_t)d};
    qsort(t->ix, t->n_ix, sizeof *t->ix, cmp_ref);
}

/* Lock held. */
static void set_devices_locked(yz_state *s, const yz_device *devs, size_t n)
{
    const yz__live_table *cur = yz__state_current(s, YZ__STATE_LIVE);
    yz_device *sorted = yz_calloc(n + 1, sizeof *sorted);
    if (n)
        memcpy(sorted, devs, n * sizeof *devs);
    qsort(sorted, n, sizeof *sorted, cmp_dev);
    yz__live_table *t = yz__live_table_new();
    t->since_ms = cur->since_ms;
    t->st = yz_calloc(n + 1, sizeof *t->st);
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && sorted[j].station_id == sorted[i].station_id)
            j++;
        yz_live_station *ls = yz_calloc(1, sizeof *ls + (j - i) * sizeof(yz_live_dev));
        ls->refs = 1;
        ls->station_id = sorted[i].station_id;
        for (size_t k = i; k < j; k++) {
            yz_live_dev *d = &ls->dev[ls->n++];
            const dev_ref *old = find_dev(cur, sorted[k].id);
            if (old)
                *d = cur->st[old->st]->dev[old->d]; /* keep its values */
            d->id = sorted[k].id;
            d->station_id = sorted[k].station_id;
            d->kind = sorted[k].kind;
            d->disabled = sorted[k].disabled;
            memcpy(d->key, sorted[k].key, sizeof d->key);
            if (sorted[k].last_seen > d->last_seen)
                d->last_seen = sorted[k].last_seen;
        }
        t->st[t->n++] = ls;
        i = j;
    }
    yz_free(sorted);
    build_index(t);
    yz__state_publish(s, YZ__STATE_LIVE, t, yz__live_table_free);
}

void yz_state_live_set_devices(yz_state *s, const yz_device *devs, size_t n)
{
    yz_state_lock(s);
    set_devices_locked(s, devs, n);
    yz_state_unlock(s);
}

/* Lock held. */
static void apply_locked(yz_state *s, const yz_device_status *sts, size_t n)
{
    const yz__live_table *cur = yz__state_current(s, YZ__STATE_LIVE);
    yz__live_table *t = yz__live_table_new();
    t->since_ms = cur->since_ms;
    t->n = cur->n;
    t->st = yz_calloc(cur->n + 1, sizeof *t->st);
    if (cur->n)
        memcpy(t->st, cur->st, cur->n * sizeof *t->st);
    bool *copied = yz_calloc(cur->n + 1, sizeof *copied);
    for (size_t i = 0; i < n; i++) {
        const yz_device_status *u = &sts[i];
        if (u->updated_ms > t->since_ms)
            t->since_ms = u->updated_ms;
        const dev_ref *r = find_dev(cur, u->device_id);
        if (!r)
            continue;
        if (!copied[r->st]) {
            const yz_live_station *o = cur->st[r->st];
            size_t sz = sizeof *o + o->n * sizeof(yz_live_dev);
            yz_live_station *c = yz_malloc(sz);
            memcpy(c, o, sz);
            c->refs = 0; /* counted below with the shared ones */
            t->st[r->st] = c;
            copied[r->st] = true;
        }
        yz_live_dev *d = &t->st[r->st]->dev[r->d];
        for (int m = 1; m < YZ_M__COUNT; m++)
            if (u->v_ts[m] && u->v_ts[m] >= d->v_ts[m]) {
                d->v[m] = u->v[m];
                d->v_ts[m] = u->v_ts[m];
            }
        if (u->updated_ms > d->last_seen)
            d->last_seen = u->updated_ms;
    }
    for (size_t k = 0; k < t->n; k++)
        t->st[k]->refs++;
    yz_free(copied);
    /* Positions are unchanged: the index is the same (copied, each version frees its own). */
    t->ix = yz_calloc(cur->n_ix + 1, sizeof *t->ix);
    if (cur->n_ix)
        memcpy(t->ix, cur->ix, cur->n_ix * sizeof *t->ix);
    t->n_ix = cur->n_ix;
    yz__state_publish(s, YZ__STATE_LIVE, t, yz__live_table_free);
}

void yz_state_live_apply(yz_state *s, const yz_device_status *st, size_t n)
{
    yz_state_lock(s);
    apply_locked(s, st, n);
    yz_state_unlock(s);
}

void yz_state_live_reload_devices(yz_state *s)
{
    if (!s->st)
        return;
    yz_device *devs = NULL;
    size_t n = 0;
    yz_errinfo ei;
    if (yz_store_device_list(s->st, 0, &devs, &n, &ei)) {
        yz_log_error("live: cannot reload the devices: %s", ei.msg_en);
        return;
    }
    yz_state_live_set_devices(s, devs, n);
    yz_free(devs);
}

void yz_state_live_refresh(yz_state *s)
{
    if (!s->st)
        return;
    int64_t since;
    yz_state_lock(s);
    since = ((const yz__live_table *)yz__state_current(s, YZ__STATE_LIVE))->since_ms;
    yz_state_unlock(s);
    /* A second of margin: a row committed late with an earlier updated_ms is read again (its
     * values are merged by time, so reading it twice changes nothing). */
    yz_device_status *sts = NULL;
    size_t n = 0;
    yz_errinfo ei;
    if (yz_store_device_status_since(s->st, since > 1000 ? since - 1000 : 0, &sts, &n, &ei)) {
        yz_log_error("live: cannot refresh the statuses: %s", ei.msg_en);
        return;
    }
    if (n)
        yz_state_live_apply(s, sts, n);
    yz_free(sts);
}

void yz__state_load_live(yz_state *s)
{
    yz_state_live_reload_devices(s);
    yz_state_live_refresh(s);
}
