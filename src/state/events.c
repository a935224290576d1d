/* SPDX-License-Identifier: MIT */
/* state/events.c - the events index part: the active events by station id with each one's
 * pre-rendered head, rebuilt from the store after every event write and after other nodes'
 * (docs/internals/events.md), and the occurrences of a station's events on one day. */
#include "state/state_int.h"

#include "core/alloc.h"
#include "core/buf.h"
#include "core/log.h"

#include <stdlib.h>
#include <string.h>

typedef struct entry {
    yz_event_entry pub; /* pub.head points at `head` */
    char *head;         /* owned */
} entry;

/* Active events sorted by station id then event id; stations[k] owns entries
 * first[k]..first[k+1]. Immutable once published. */
struct yz_event_index {
    entry *e;
    size_t n;
    int64_t *stations;
    uint32_t *first; /* n_stations + 1 */
    size_t n_stations;
    /* One bit per hash of a station id that has events, 16 bits a such station: most stations
     * of a nearby answer have no event, and this says so without the binary search over
     * `stations` (a cache miss or several a station on a large city). */
    uint64_t *has;
    uint64_t has_mask; /* bits in `has` - 1 (a power of two) */
};

static uint64_t id_bit(int64_t station_id)
{
    return ((uint64_t)station_id * UINT64_C(0x9e3779b97f4a7c15)) >> 32;
}

void yz__event_index_free(void *p)
{
    yz_event_index *x = p;
    if (!x)
        return;
    for (size_t i = 0; i < x->n; i++) {
        yz_event_fini(&x->e[i].pub.ev);
        yz_free(x->e[i].head);
    }
    yz_free(x->e);
    yz_free(x->stations);
    yz_free(x->first);
    yz_free(x->has);
    yz_free(x);
}

static int cmp_entry(const void *a, const void *b)
{
    const yz_event *x = &((const entry *)a)->pub.ev, *y = &((const entry *)b)->pub.ev;
    if (x->station_id != y->station_id)
        return x->station_id < y->station_id ? -1 : 1;
    return (x->id > y->id) - (x->id < y->id);
}

yz_event_index *yz__event_index_build(yz_event *evs, size_t n)
{
    yz_event_index *x = yz_calloc(1, sizeof *x);
    x->e = yz_calloc(n + 1, sizeof *x->e);
    x->n = n;
    for (size_t i = 0; i < n; i++) {
        entry *en = &x->e[i];
        en->pub.ev = evs[i];
        yz_buf b;
        yz_buf_init(&b);
        yz_buf_printf(&b, "{\"id\":%lld,\"title\":", (long long)en->pub.ev.id);
        yz_buf_json_str(&b, en->pub.ev.title, strlen(en->pub.ev.title));
        yz_buf_printf(&b, ",\"category\":\"%s\"", yz_event_category_name(en->pub.ev.category));
        en->pub.head_len = b.len;
        en->head = yz_buf_take(&b);
    }
    yz_free(evs);
    qsort(x->e, n, sizeof *x->e, cmp_entry);
    for (size_t i = 0; i < n; i++)
        x->e[i].pub.head = x->e[i].head; /* after the sort moved the entries */
    x->stations = yz_calloc(n + 1, sizeof *x->stations);
    x->first = yz_calloc(n + 2, sizeof *x->first);
    for (size_t i = 0; i < n; i++) {
        if (i == 0 || x->e[i].pub.ev.station_id != x->e[i - 1].pub.ev.station_id) {
            x->stations[x->n_stations] = x->e[i].pub.ev.station_id;
            x->first[x->n_stations++] = (uint32_t)i;
        }
    }
    x->first[x->n_stations] = (uint32_t)n;
    size_t bits = 64;
    while (bits < 16 * x->n_stations)
        bits *= 2;
    x->has = yz_calloc(bits / 64, sizeof *x->has);
    x->has_mask = bits - 1;
    for (size_t k = 0; k < x->n_stations; k++) {
        uint64_t h = id_bit(x->stations[k]) & x->has_mask;
        x->has[h / 64] |= UINT64_C(1) << (h % 64);
    }
    return x;
}

/* --- readers -------------------------------------------------------------------------------- */

const yz_event_index *yz_state_events(const yz_state_view *v)
{
    return v->part[YZ__STATE_EVENTS]->obj;
}

uint64_t yz_state_events_serial(const yz_state_view *v)
{
    return v->part[YZ__STATE_EVENTS]->serial;
}

size_t yz_state_events_count(const yz_event_index *x)
{
    return x->n;
}

const yz_event_entry *yz_state_event_at(const yz_event_index *x, size_t k)
{
    return &x->e[k].pub;
}

bool yz_state_events_find(const yz_event_index *x, int64_t station_id, size_t *lo, size_t *hi)
{
    uint64_t h = id_bit(station_id) & x->has_mask;
    if (!(x->has[h / 64] & (UINT64_C(1) << (h % 64))))
        return false;
    size_t a = 0, b = x->n_stations;
    while (a < b) {
        size_t m = a + (b - a) / 2;
        if (x->stations[m] < station_id)
            a = m + 1;
        else
            b = m;
    }
    if (a == x->n_stations || x->stations[a] != station_id)
        return false;
    *lo = x->first[a];
    *hi = x->first[a + 1];
    return true;
}

size_t yz_state_events_today(const yz_event_index *x, int64_t station_id, int32_t day,
                             int offset_min, yz_event_hit *out, size_t max)
{
    size_t lo, hi, n = 0;
    if (max > YZ_STATE_TODAY_MAX)
        max = YZ_STATE_TODAY_MAX;
    if (!max || !yz_state_events_find(x, station_id, &lo, &hi))
        return 0;
    for (size_t k = lo; k < hi; k++) {
        int64_t start, end;
        if (!yz_event_on_day(&x->e[k].pub.ev, day, offset_min, &start, &end))
            continue;
        /* insertion by start time, then id (entries come in id order); keep the first few */
        size_t at = n;
        while (at > 0 && out[at - 1].start > start)
            at--;
        if (at >= max)
            continue;
        size_t last = n < max ? n : max - 1;
        memmove(&out[at + 1], &out[at], (last - at) * sizeof *out);
        out[at] = (yz_event_hit){&x->e[k].pub, start, end};
        if (n < max)
            n++;
    }
    return n;
}

/* --- writers -------------------------------------------------------------------------------- */

int yz_state_republish_events(yz_state *s, yz_errinfo *ei)
{
    if (!s->st)
        return yz_err_set(ei, YZ_EINTERNAL, "", "没有存储", "no store");
    yz_event *evs = NULL;
    size_t n = 0;
    int err = yz_store_event_list(s->st, false, &evs, &n, ei);
    if (err)
        return err;
    yz__state_publish(s, YZ__STATE_EVENTS, yz__event_index_build(evs, n), yz__event_index_free);
    return YZ_OK;
}

void yz__state_load_events(yz_state *s)
{
    yz_errinfo ei;
    yz_state_lock(s);
    if (yz_state_republish_events(s, &ei))
        yz_log_error("events: cannot load events: %s", ei.msg_en);
    yz_state_unlock(s);
}

/* Another node changed the events: rebuild the index. The lock keeps it in order with this
 * node's own writes and their rebuilds. A failure keeps the old index (logged). */
void yz_state_reload_events(yz_state *s)
{
    yz_errinfo ei;
    yz_err_clear(&ei);
    yz_state_lock(s);
    int err = yz_state_republish_events(s, &ei);
    yz_state_unlock(s);
    if (err)
        yz_log_error("events: cannot reload after a change on another node: %s", ei.msg_en);
}
