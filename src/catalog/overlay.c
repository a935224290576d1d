/* SPDX-License-Identifier: MIT */
/* catalog/overlay.c - the published snapshot: a base (catalog.c, shared and counted) plus a
 * delta of the stations written since it was built, answering every catalog.h read as a
 * snapshot rebuilt from the same records would (docs/internals/catalog.md, "Writes").
 *
 * Positions. A snapshot's positions 0..n-1 are its visible stations by id, as a rebuild's
 * would be. The visible base stations keep their order, the delta's stations fall between
 * them by id: delta station j is at dpos[j]; base position b is at
 * b - (hidden before b) + (delta stations with a smaller id). Going back, position p is delta
 * station j when dpos[j] == p, else the base station of visible rank r = p - (delta stations
 * before p), which is r + (hidden positions h[i] with h[i] - i <= r). Both are binary searches
 * over arrays the size of the delta; a snapshot without a delta answers straight from the base. */
#include "catalog/overlay.h"

#include "catalog/base.h"
#include "core/alloc.h"

#include <assert.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

/* A base, shared by the snapshots of one line until a compaction replaces it. */
typedef struct shared_base {
    yz__base *b;
    _Atomic long refs; /* snapshots holding it */
} shared_base;

/* One station written since the base: its latest state. */
typedef struct entry {
    int64_t id;
    uint64_t seq; /* the write that left it so (yz_snap_seq numbering) */
    long dpos;    /* its position in the delta's base, -1 when deleted */
} entry;

struct yz_snap {
    _Atomic long refs; /* holders: views of a state, a compaction */
    shared_base *sb;
    yz__base *d; /* the delta's stations as a base of their own, NULL when none */
    entry *ent;  /* by id: every station written since the base */
    size_t n_ent;
    uint32_t *hid;     /* base positions hidden (changed or deleted since), ascending */
    uint32_t *hid_adj; /* hid[i] - i: visible base stations before hid[i] */
    size_t n_hid;
    uint32_t *hid_set;   /* the same as a hash set (empty slots UINT32_MAX), and ... */
    uint32_t *hid_items; /* ... their index items as one: nearby's filter, small enough to stay
                          * in cache where a bit set over a million positions would not */
    uint32_t set_mask;   /* slots - 1 of each set */
    uint32_t *dpos;      /* position of each delta station */
    int64_t *did;        /* id of each delta station */
    uint32_t *dlb;       /* base stations with a smaller id than each delta station's */
    size_t nb, nd, n;    /* base stations, delta stations, visible */
    bool plain;          /* no delta and nothing hidden: the base answers alone */
    uint64_t seq;        /* writes applied along this line */
};

/* --- lifecycle ------------------------------------------------------------------------- */

static void base_unref(shared_base *sb)
{
    if (sb && atomic_fetch_sub(&sb->refs, 1) == 1) {
        yz__base_free(sb->b);
        yz_free(sb);
    }
}

static yz_snap *wrap(yz__base *b)
{
    shared_base *sb = yz_malloc(sizeof *sb);
    sb->b = b;
    atomic_init(&sb->refs, 1);
    yz_snap *s = yz_calloc(1, sizeof *s);
    atomic_init(&s->refs, 1);
    s->sb = sb;
    s->nb = s->n = yz__base_count(b);
    s->plain = true;
    return s;
}

int yz_snap_build(yz_snap_input *in, yz_textnorm *norm, yz_snap **out, yz_errinfo *ei)
{
    /* The base build reuses the traditional texts of the base it replaces. */
    if (in->prev)
        in->prev = (const yz_snap *)(const void *)in->prev->sb->b;
    yz__base *b = NULL;
    int err = yz__base_build(in, norm, &b, ei);
    if (err)
        return err;
    *out = wrap(b);
    return YZ_OK;
}

void yz_snap_free(yz_snap *s)
{
    if (!s || atomic_fetch_sub(&s->refs, 1) != 1)
        return;
    base_unref(s->sb);
    yz__base_free(s->d);
    yz_free(s->ent);
    yz_free(s->hid);
    yz_free(s->hid_adj);
    yz_free(s->hid_set);
    yz_free(s->hid_items);
    yz_free(s->dpos);
    yz_free(s->did);
    yz_free(s->dlb);
    yz_free(s);
}

yz_snap *yz_snap_ref(const yz_snap *s)
{
    yz_snap *m = (yz_snap *)s;
    atomic_fetch_add(&m->refs, 1);
    return m;
}

size_t yz_snap_delta_count(const yz_snap *s)
{
    return s->n_ent;
}

uint64_t yz_snap_seq(const yz_snap *s)
{
    return s->seq;
}

bool yz_snap_same_base(const yz_snap *a, const yz_snap *b)
{
    return a->sb == b->sb;
}

/* --- positions ----------------------------------------------------------------------------- */

/* Elements of a[0..n) below v (a ascending). */
static size_t below_u32(const uint32_t *a, size_t n, uint32_t v)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (a[mid] < v)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static size_t below_i64(const int64_t *a, size_t n, int64_t v)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (a[mid] < v)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static uint32_t slot_of(uint32_t key, uint32_t mask)
{
    return (key * 0x9e3779b1u) >> 7 & mask;
}

static bool in_set(const uint32_t *set, uint32_t mask, uint32_t key)
{
    for (uint32_t h = slot_of(key, mask);; h = (h + 1) & mask) {
        if (set[h] == key)
            return true;
        if (set[h] == UINT32_MAX)
            return false;
    }
}

static void set_add(uint32_t *set, uint32_t mask, uint32_t key)
{
    uint32_t h = slot_of(key, mask);
    while (set[h] != UINT32_MAX && set[h] != key)
        h = (h + 1) & mask;
    set[h] = key;
}

static bool hidden(const yz_snap *s, uint32_t b)
{
    return s->hid_set && in_set(s->hid_set, s->set_mask, b);
}

static bool hidden_pos_cb(void *arg, uint32_t pos)
{
    return hidden(arg, pos);
}

static bool hidden_item_cb(void *arg, uint32_t item)
{
    const yz_snap *s = arg;
    return in_set(s->hid_items, s->set_mask, item);
}

/* Position of base station b (not hidden). */
static uint32_t from_base(const yz_snap *s, uint32_t b)
{
    if (s->plain)
        return b;
    /* The delta stations with a smaller id than b's are those that go in before b: found
     * without reading b's record, which a nearby answer need not touch. */
    return (uint32_t)(b - below_u32(s->hid, s->n_hid, b) + below_u32(s->dlb, s->nd, b + 1));
}

/* Where position p is: in the delta (*part = the delta) or the base. */
static size_t locate(const yz_snap *s, size_t p, const yz__base **part)
{
    assert(p < s->n);
    if (s->plain) {
        *part = s->sb->b;
        return p;
    }
    size_t j = below_u32(s->dpos, s->nd, (uint32_t)p);
    if (j < s->nd && s->dpos[j] == p) {
        *part = s->d;
        return j;
    }
    size_t r = p - j;             /* visible base rank */
    size_t lo = 0, hi = s->n_hid; /* hidden with hid_adj <= r */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->hid_adj[mid] <= r)
            lo = mid + 1;
        else
            hi = mid;
    }
    *part = s->sb->b;
    return r + lo;
}

#define AT(s, i, part, j)                                                                          \
    const yz__base *part;                                                                          \
    size_t j = locate(s, i, &part)

/* --- making a snapshot of a base and written stations ------------------------------------ */

/* A snapshot of `sb` (a holder is taken) and the entries ent[0..n) (taken), whose
 * records come from ups[k] (dpos -2 - k) or from `from`'s delta (dpos >= 0). */
static int compose(shared_base *sb, const yz_snap *from, entry *ent, size_t n_ent,
                   const yz_station *ups, uint64_t seq, yz_textnorm *norm, yz_snap **out,
                   yz_errinfo *ei)
{
    const yz__base *b = sb->b;
    size_t nb = yz__base_count(b);
    yz_snap *s = yz_calloc(1, sizeof *s);
    atomic_init(&s->refs, 1);
    atomic_fetch_add(&sb->refs, 1);
    s->sb = sb;
    s->nb = nb;
    s->seq = seq;
    /* Deletions of stations the base does not have say nothing: drop them. */
    size_t keep = 0, nd = 0;
    for (size_t i = 0; i < n_ent; i++) {
        if (ent[i].dpos == -1 && yz__base_find_id(b, ent[i].id) < 0)
            continue;
        nd += ent[i].dpos != -1;
        ent[keep++] = ent[i];
    }
    s->ent = ent;
    s->n_ent = keep;
    s->nd = nd;
    int err = YZ_OK;
    if (nd) {
        yz_snap_input in = {0};
        in.stations = yz_calloc(nd, sizeof *in.stations);
        for (size_t i = 0; i < keep; i++) {
            if (ent[i].dpos == -1)
                continue;
            yz_station buf;
            const yz_station *src = ent[i].dpos <= -2
                                        ? &ups[-2 - ent[i].dpos]
                                        : yz__base_station_get(from->d, (size_t)ent[i].dpos, &buf);
            yz_station_copy(&in.stations[in.n_stations], src);
            ent[i].dpos = (long)in.n_stations++;
        }
        yz_snap_input_copy_meta(s, &in);
        /* The previous delta's traditional texts serve its unchanged stations. */
        if (from && from->d)
            in.prev = (const yz_snap *)(const void *)from->d;
        err = yz__base_build(&in, norm, &s->d, ei);
        if (err)
            goto fail;
    }
    s->did = yz_calloc(nd + 1, sizeof *s->did);
    s->dlb = yz_calloc(nd + 1, sizeof *s->dlb);
    s->dpos = yz_calloc(nd + 1, sizeof *s->dpos);
    s->hid = yz_calloc(keep + 1, sizeof *s->hid);
    s->hid_adj = yz_calloc(keep + 1, sizeof *s->hid_adj);
    for (size_t i = 0; i < keep; i++) { /* ids ascending, so base positions are too */
        long bp = yz__base_find_id(b, ent[i].id);
        if (bp >= 0) {
            s->hid_adj[s->n_hid] = (uint32_t)((size_t)bp - s->n_hid);
            s->hid[s->n_hid++] = (uint32_t)bp;
        }
    }
    if (s->n_hid) {
        size_t slots = 16;
        while (slots < 2 * s->n_hid)
            slots *= 2;
        s->set_mask = (uint32_t)(slots - 1);
        s->hid_set = yz_malloc(slots * sizeof *s->hid_set);
        s->hid_items = yz_malloc(slots * sizeof *s->hid_items);
        memset(s->hid_set, 0xff, slots * sizeof *s->hid_set);
        memset(s->hid_items, 0xff, slots * sizeof *s->hid_items);
        for (size_t i = 0; i < s->n_hid; i++) {
            set_add(s->hid_set, s->set_mask, s->hid[i]);
            long item = yz__base_item_of(b, s->hid[i]);
            if (item >= 0)
                set_add(s->hid_items, s->set_mask, (uint32_t)item);
        }
    }
    for (size_t j = 0; j < nd; j++) {
        int64_t id = yz__base_station_id(s->d, j);
        size_t lo = 0, hi = nb; /* base stations with a smaller id */
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (yz__base_station_id(b, mid) < id)
                lo = mid + 1;
            else
                hi = mid;
        }
        s->did[j] = id;
        s->dlb[j] = (uint32_t)lo;
        s->dpos[j] = (uint32_t)(lo - below_u32(s->hid, s->n_hid, (uint32_t)lo) + j);
    }
    s->n = nb - s->n_hid + nd;
    s->plain = !nd && !s->n_hid;
    *out = s;
    return YZ_OK;
fail:
    yz_snap_free(s);
    return err;
}

static int cmp_entry(const void *a, const void *b)
{
    const entry *x = a, *y = b;
    return (x->id > y->id) - (x->id < y->id);
}

int yz_snap_apply_many(const yz_snap *cur, const yz_station *ups, size_t n_ups, const int64_t *dels,
                       size_t n_dels, yz_textnorm *norm, yz_snap **out, yz_errinfo *ei)
{
    /* The new entries by id, the later of two for one id winning (deletions come last). */
    size_t nw = n_ups + n_dels;
    entry *w = yz_calloc(nw + 1, sizeof *w);
    for (size_t k = 0; k < n_ups; k++)
        w[k] = (entry){ups[k].id, cur->seq + 1 + k, -2 - (long)k};
    for (size_t k = 0; k < n_dels; k++)
        w[n_ups + k] = (entry){dels[k], cur->seq + 1 + n_ups + k, -1};
    qsort(w, nw, sizeof *w, cmp_entry); /* not stable: keep each id's last write below */
    size_t m = 0;
    for (size_t k = 0; k < nw; k++) {
        if (m && w[m - 1].id == w[k].id) {
            if (w[k].seq > w[m - 1].seq)
                w[m - 1] = w[k];
            continue;
        }
        w[m++] = w[k];
    }
    /* Merged with the current entries: a new one replaces the old of its id. */
    entry *ent = yz_calloc(cur->n_ent + m + 1, sizeof *ent);
    size_t n = 0, i = 0, j = 0;
    while (i < cur->n_ent || j < m) {
        if (j == m || (i < cur->n_ent && cur->ent[i].id < w[j].id)) {
            ent[n++] = cur->ent[i++];
        } else {
            if (i < cur->n_ent && cur->ent[i].id == w[j].id)
                i++;
            ent[n++] = w[j++];
        }
    }
    yz_free(w);
    return compose(cur->sb, cur, ent, n, ups, cur->seq + nw, norm, out, ei);
}

int yz_snap_apply(const yz_snap *cur, const yz_station *upsert, int64_t delete_id,
                  yz_textnorm *norm, yz_snap **out, yz_errinfo *ei)
{
    return upsert ? yz_snap_apply_many(cur, upsert, 1, NULL, 0, norm, out, ei)
                  : yz_snap_apply_many(cur, NULL, 0, &delete_id, 1, norm, out, ei);
}

int yz_snap_compact(const yz_snap *s, yz_textnorm *norm, yz_snap **out, yz_errinfo *ei)
{
    yz_snap_input in = {.prev = s};
    in.stations = yz_snap_copy_stations(s, &in.n_stations);
    yz_snap_input_copy_meta(s, &in);
    int err = yz_snap_build(&in, norm, out, ei);
    if (!err)
        (*out)->seq = s->seq;
    return err;
}

int yz_snap_rebase(const yz_snap *compacted, const yz_snap *cur, yz_textnorm *norm, yz_snap **out,
                   yz_errinfo *ei)
{
    entry *ent = yz_calloc(cur->n_ent + 1, sizeof *ent);
    size_t n = 0;
    for (size_t i = 0; i < cur->n_ent; i++)
        if (cur->ent[i].seq > compacted->seq)
            ent[n++] = cur->ent[i];
    return compose(compacted->sb, cur, ent, n, NULL, cur->seq, norm, out, ei);
}

void yz_snap_input_copy_meta(const yz_snap *s, yz_snap_input *in)
{
    const yz__base *b = s->sb->b;
    in->n_facilities = yz__base_facility_count(b);
    in->facilities = yz_calloc(in->n_facilities + 1, sizeof *in->facilities);
    for (size_t i = 0; i < in->n_facilities; i++) {
        const yz_facility *f = yz__base_facility(b, i);
        in->facilities[i] = (yz_facility){yz_strdup(f->code),
                                          yz_strdup(f->label),
                                          yz_strdup(f->label_hant),
                                          yz_strdup(f->label_en),
                                          f->bit,
                                          yz_strdup(f->synonyms)};
    }
    in->n_districts = yz__base_district_count(b);
    in->districts = yz_calloc(in->n_districts + 1, sizeof *in->districts);
    for (size_t i = 0; i < in->n_districts; i++) {
        const yz_district *d = yz__base_district(b, i);
        in->districts[i] = (yz_district){yz_strdup(d->code), yz_strdup(d->name),
                                         yz_strdup(d->name_hant), d->lat, d->lon};
    }
    const int32_t *hol = yz__base_holidays(b, &in->n_holidays);
    in->holidays = yz_calloc(in->n_holidays + 1, sizeof *in->holidays);
    if (in->n_holidays) /* a snapshot without holidays may hold NULL */
        memcpy(in->holidays, hol, in->n_holidays * sizeof *hol);
}

/* --- records and lookups ----------------------------------------------------------------- */

size_t yz_snap_count(const yz_snap *s)
{
    return s->n;
}

const yz_station *yz_snap_station(const yz_snap *s, size_t i)
{
    AT(s, i, p, j);
    return yz__base_station(p, j);
}

const yz_station *yz_snap_station_get(const yz_snap *s, size_t i, yz_station *buf)
{
    AT(s, i, p, j);
    return yz__base_station_get(p, j, buf);
}

#define NARROW(type, what)                                                                         \
    type yz_snap_station_##what(const yz_snap *s, size_t i)                                        \
    {                                                                                              \
        AT(s, i, p, j);                                                                            \
        return yz__base_station_##what(p, j);                                                      \
    }
NARROW(int64_t, id)
NARROW(const char *, code)
NARROW(const char *, name)
NARROW(int, status)
NARROW(const char *, district_code)
NARROW(int64_t, version)
#undef NARROW

long yz_snap_find_id(const yz_snap *s, int64_t id)
{
    if (s->nd) {
        size_t j = below_i64(s->did, s->nd, id);
        if (j < s->nd && s->did[j] == id)
            return (long)s->dpos[j];
    }
    long b = yz__base_find_id(s->sb->b, id);
    return b < 0 || hidden(s, (uint32_t)b) ? -1 : (long)from_base(s, (uint32_t)b);
}

/* How many stations shown have codes sharing text's loose key; *one is one of them. */
static size_t loose_count(const yz_snap *s, const char *text, uint32_t *one)
{
    size_t n = 0;
    const yz__base *parts[2] = {s->sb->b, s->d};
    for (int k = 0; k < 2 && parts[k]; k++) {
        size_t m = yz__base_find_code_loose_all(parts[k], text, NULL, 0);
        if (!m)
            continue;
        uint32_t *p = yz_calloc(m, sizeof *p);
        yz__base_find_code_loose_all(parts[k], text, p, m);
        for (size_t i = 0; i < m; i++) {
            if (k == 0 && hidden(s, p[i]))
                continue;
            *one = k == 0 ? from_base(s, p[i]) : s->dpos[p[i]];
            n++;
        }
        yz_free(p);
    }
    return n;
}

long yz_snap_find_code_loose(const yz_snap *s, const char *text)
{
    if (s->plain)
        return yz__base_find_code_loose(s->sb->b, text);
    uint32_t one = 0;
    return loose_count(s, text, &one) == 1 ? (long)one : -1;
}

long yz_snap_find_code(const yz_snap *s, const char *code)
{
    if (s->plain)
        return yz__base_find_code(s->sb->b, code);
    if (!code)
        return -1;
    /* Codes are unique among the stations shown, so an exact hit of either part is it. */
    if (s->d) {
        long j = yz__base_find_code(s->d, code);
        if (j >= 0 && !strcmp(yz__base_station_code(s->d, (size_t)j), code))
            return (long)s->dpos[j];
    }
    long b = yz__base_find_code(s->sb->b, code);
    if (b >= 0 && !hidden(s, (uint32_t)b) &&
        !strcmp(yz__base_station_code(s->sb->b, (size_t)b), code))
        return (long)from_base(s, (uint32_t)b);
    return yz_snap_find_code_loose(s, code);
}

yz_station *yz_snap_copy_stations(const yz_snap *s, size_t *n)
{
    if (s->plain)
        return yz__base_copy_stations(s->sb->b, n);
    yz_station *a = yz_calloc(s->n + 1, sizeof *a);
    size_t k = 0, j = 0;
    yz_station buf;
    for (size_t b = 0; b < s->nb; b++) {
        int64_t id = yz__base_station_id(s->sb->b, b);
        for (; j < s->nd && s->did[j] < id; j++)
            yz_station_copy(&a[k++], yz__base_station_get(s->d, j, &buf));
        if (!hidden(s, (uint32_t)b))
            yz_station_copy(&a[k++], yz__base_station_get(s->sb->b, b, &buf));
    }
    for (; j < s->nd; j++)
        yz_station_copy(&a[k++], yz__base_station_get(s->d, j, &buf));
    assert(k == s->n);
    *n = k;
    return a;
}

/* Facilities, districts and holidays are the base's: the delta is built with copies. */
size_t yz_snap_facility_count(const yz_snap *s)
{
    return yz__base_facility_count(s->sb->b);
}

const yz_facility *yz_snap_facility(const yz_snap *s, size_t i)
{
    return yz__base_facility(s->sb->b, i);
}

int yz_snap_facility_bit(const yz_snap *s, const char *code)
{
    return yz__base_facility_bit(s->sb->b, code);
}

size_t yz_snap_district_count(const yz_snap *s)
{
    return yz__base_district_count(s->sb->b);
}

const yz_district *yz_snap_district(const yz_snap *s, size_t i)
{
    return yz__base_district(s->sb->b, i);
}

long yz_snap_find_district(const yz_snap *s, const char *code)
{
    return yz__base_find_district(s->sb->b, code);
}

const int32_t *yz_snap_holidays(const yz_snap *s, size_t *n)
{
    return yz__base_holidays(s->sb->b, n);
}

/* --- per station --------------------------------------------------------------------------- */

bool yz_snap_is_open(const yz_snap *s, size_t i, int64_t t)
{
    AT(s, i, p, j);
    return yz__base_is_open(p, j, t);
}

int yz_snap_next_change(const yz_snap *s, size_t i, int64_t t, int64_t *next)
{
    AT(s, i, p, j);
    return yz__base_next_change(p, j, t, next);
}

int yz_snap_tz_offset(const yz_snap *s, size_t i)
{
    AT(s, i, p, j);
    return yz__base_tz_offset(p, j);
}

const struct yz_hours *yz_snap_hours(const yz_snap *s, size_t i)
{
    AT(s, i, p, j);
    return yz__base_hours(p, j);
}

yz_point yz_snap_position(const yz_snap *s, size_t i, int crs)
{
    AT(s, i, p, j);
    return yz__base_position(p, j, crs);
}

void yz_snap_fragment_append(const yz_snap *s, size_t i, int lang, yz_buf *b)
{
    AT(s, i, p, j);
    yz__base_fragment_append(p, j, lang, b);
}

void yz_snap_prefetch(const yz_snap *s, const uint32_t *pos, size_t stride, size_t n, int lang)
{
    if (s->plain) {
        yz__base_prefetch(s->sb->b, pos, stride, n, lang);
        return;
    }
    for (size_t k = 0; k < n; k++) {
        uint32_t at = *(const uint32_t *)((const char *)pos + k * stride);
        AT(s, at, p, j);
        uint32_t local = (uint32_t)j;
        yz__base_prefetch(p, &local, sizeof local, 1, lang);
    }
}

void yz_snap_hant_wait(const yz_snap *s)
{
    yz__base_hant_wait(s->sb->b);
    if (s->d)
        yz__base_hant_wait(s->d);
}

void yz_snap_name_lang_append(const yz_snap *s, size_t i, int lang, yz_buf *b)
{
    AT(s, i, p, j);
    yz__base_name_lang_append(p, j, lang, b);
}

bool yz_snap_fragment_member_append(const yz_snap *s, size_t i, int member, int lang, yz_buf *b)
{
    AT(s, i, p, j);
    return yz__base_fragment_member_append(p, j, member, lang, b);
}

void yz_snap_nav_text(const yz_snap *s, size_t i, yz_nav_text *out, char *scratch)
{
    AT(s, i, p, j);
    yz__base_nav_text(p, j, out, scratch);
}

/* --- sizes ----------------------------------------------------------------------------------- */

size_t yz_snap_index_bytes(const yz_snap *s)
{
    return yz__base_index_bytes(s->sb->b) + (s->d ? yz__base_index_bytes(s->d) : 0);
}

size_t yz_snap_text_bytes(const yz_snap *s)
{
    return yz__base_text_bytes(s->sb->b) + (s->d ? yz__base_text_bytes(s->d) : 0);
}

size_t yz_snap_memory(const yz_snap *s, yz_snap_mem_part *parts)
{
    size_t n = yz__base_memory(s->sb->b, parts);
    size_t bytes = (s->n_ent * sizeof *s->ent) + (s->n_hid * 2 * sizeof *s->hid) +
                   (s->hid_set ? 2 * ((size_t)s->set_mask + 1) * sizeof *s->hid_set : 0) +
                   s->nd * (sizeof *s->dpos + sizeof *s->did + sizeof *s->dlb);
    if (s->d) {
        yz_snap_mem_part dp[YZ_SNAP_MEM_PARTS_MAX];
        size_t m = yz__base_memory(s->d, dp);
        for (size_t k = 0; k < m; k++)
            bytes += dp[k].bytes;
    }
    if (n < YZ_SNAP_MEM_PARTS_MAX)
        parts[n++] = (yz_snap_mem_part){"delta (stations written since the base)", bytes};
    return n;
}

/* --- queries ------------------------------------------------------------------------------- */

int yz_snap_nearby(const yz_snap *s, const yz_nearby_query *q, yz_nearby_hit *out, size_t *n_out)
{
    if (s->plain)
        return yz__base_nearby(s->sb->b, q, out, n_out);
    *n_out = 0;
    if (q->k < 1 || q->k > YZ_INDEX_MAX_K)
        return YZ_EINVAL;
    yz_nearby_hit bh[YZ_INDEX_MAX_K], dh[YZ_INDEX_MAX_K];
    size_t nbh = 0, ndh = 0;
    int err = yz__base_nearby_skip(s->sb->b, q, s->n_hid ? hidden_item_cb : NULL,
                                   s->n_hid ? hidden_pos_cb : NULL, (void *)s, bh, &nbh);
    if (!err && s->d) {
        /* Only delta stations nearer than the base's k-th can be in the answer: bounding the
         * small index's search by it keeps a sparse delta from costing a long search (the
         * bound is widened a hair so that rounding cannot drop a tie). */
        yz_nearby_query dq = *q;
        if (nbh == q->k) {
            double r = bh[nbh - 1].distance_m * (1 + 1e-9) + 1e-6;
            if (dq.radius_m == 0 || r < dq.radius_m)
                dq.radius_m = r;
        }
        err = yz__base_nearby(s->d, &dq, dh, &ndh);
    }
    if (err)
        return err;
    for (size_t i = 0; i < nbh; i++)
        bh[i].station = from_base(s, bh[i].station);
    for (size_t i = 0; i < ndh; i++)
        dh[i].station = s->dpos[dh[i].station];
    /* Merge: nearest first, equal distances by position, as one index would answer. */
    size_t i = 0, j = 0, n = 0;
    while (n < q->k && (i < nbh || j < ndh)) {
        bool take_b =
            j == ndh ||
            (i < nbh && (bh[i].distance_m < dh[j].distance_m ||
                         (bh[i].distance_m == dh[j].distance_m && bh[i].station < dh[j].station)));
        out[n++] = take_b ? bh[i++] : dh[j++];
    }
    *n_out = n;
    return YZ_OK;
}

int yz_snap_list(const yz_snap *s, yz_textnorm *norm, const yz_list_query *q, uint32_t **out,
                 size_t *n_out, size_t *total, yz_errinfo *ei)
{
    if (s->plain)
        return yz__base_list(s->sb->b, norm, q, out, n_out, total, ei);
    *out = NULL;
    *n_out = *total = 0;
    yz__base_ranked *rb = NULL, *rd = NULL;
    size_t nrb = 0, nrd = 0;
    int err = yz__base_list_ranked(s->sb->b, norm, q, &rb, &nrb, ei);
    if (!err && s->d)
        err = yz__base_list_ranked(s->d, norm, q, &rd, &nrd, ei);
    if (err) {
        yz_free(rb);
        yz_free(rd);
        return err;
    }
    size_t keep = 0;
    for (size_t i = 0; i < nrb; i++) {
        if (hidden(s, rb[i].pos))
            continue;
        rb[keep] = rb[i];
        rb[keep++].pos = from_base(s, rb[i].pos);
    }
    nrb = keep;
    for (size_t i = 0; i < nrd; i++)
        rd[i].pos = s->dpos[rd[i].pos];
    size_t all = nrb + nrd;
    size_t from = q->offset < all ? q->offset : all;
    size_t cnt = all - from < q->limit ? all - from : q->limit;
    uint32_t *o = yz_calloc(cnt + 1, sizeof *o);
    size_t i = 0, j = 0;
    for (size_t k = 0; k < from + cnt; k++) {
        bool take_b = j == nrd || (i < nrb && yz__base_ranked_cmp(&rb[i], &rd[j]) < 0);
        uint32_t pos = take_b ? rb[i++].pos : rd[j++].pos;
        if (k >= from)
            o[k - from] = pos;
    }
    yz_free(rb);
    yz_free(rd);
    *out = o;
    *n_out = cnt;
    *total = all;
    return YZ_OK;
}

static long find_code_cb(const void *arg, const char *text)
{
    return yz_snap_find_code_loose(arg, text);
}

int yz_snap_understand(const yz_snap *s, yz_textnorm *norm, const char *query, yz_understood *u,
                       yz_errinfo *ei)
{
    return yz__base_understand_with(s->sb->b, norm, query, find_code_cb, s, u, ei);
}
