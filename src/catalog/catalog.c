/* SPDX-License-Identifier: MIT */
/* catalog/catalog.c - building snapshots and querying them. The reasons behind the layout
 * are in docs/internals/catalog.md: the read path answers from arrays built here and never
 * touches the store. Publishing them is state/state.c's. */
#include "catalog/base_names.h" /* this file builds the base: catalog/base.h */
#include "catalog/catalog.h"
#include "catalog/base.h"
#include "catalog/hantdiff.h"

#include "model/hours.h"
#include "core/alloc.h"
#include "core/hash.h"
#include "core/time.h"
#include "core/utf8.h"
#include "geo/nav.h"

#include <assert.h>
#include <malloc.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* One distinct (opening hours, UTC offset) pair: stations share them. */
typedef struct sched {
    char *src;     /* opening_hours source, "24/7" when the record had none */
    int offset;    /* minutes east of UTC */
    yz_hours *hours;
} sched;

typedef struct code_ref {
    const char *code; /* borrowed from the station */
    uint32_t pos;
} code_ref;

/* A word that names a facility in a query: a label, the code or a synonym, normalised. */
typedef struct fac_word {
    char *norm;     /* owned, yz_textnorm_apply of the word */
    uint32_t fac;   /* position in fac[] */
} fac_word;

/* Per station, the numbers rendering its fragment needs besides its record, together so that
 * a row costs one cache line, not one miss per array (16 bytes). */
struct row {
    uint32_t facl;      /* its facility list in `facl` */
    int32_t district;   /* position of its district, -1 if unknown */
    uint32_t hant_at;   /* where its traditional texts' codings start in `hant` */
    uint8_t hant_diff;  /* bit k: text k (name, address, partner) differs from the stored */
};

/* A station's record as a built snapshot keeps it (docs/internals/catalog.md, "Memory"):
 * 64 bytes, one cache line, instead of yz_station's 176. Its own strings are back to back in
 * `strs`, in the order of STR_* (those present in `has`); the four of few distinct values
 * (and what follows from them: district position, schedule) are one number into grp[]; the
 * small enumerations are bytes and the times 32-bit offsets from `t0`. A station whose values
 * do not fit these, or that has a closed_until (rare: closed_temp with an end), is REC_WIDE
 * and has them exact in wide[]. */
struct rec {
    int64_t id;
    double lat, lon;          /* WGS-84 degrees */
    uint64_t facilities;      /* mask of yz_facility.bit */
    uint32_t str;             /* offset in strs of its first string present */
    uint32_t grp;             /* its district code and name, hours and zone in grp[] */
    int32_t seats;
    uint32_t created, updated; /* unix seconds - t0 (REC_WIDE: in wide[]) */
    uint32_t version;         /* (REC_WIDE: in wide[]) */
    int8_t tier, partner_kind, status, batch; /* enums (REC_WIDE: in wide[]) */
    uint8_t online_maps;      /* mask of 1 << enum yz_online_map (REC_WIDE: in wide[]) */
    uint8_t has;              /* bit k: string k (STR_*) is present (not NULL) */
    uint8_t flags;            /* REC_* */
};
enum { STR_CODE, STR_NAME, STR_ADDRESS, STR_PARTNER, STR_CLOSED, STR_PHONE, STR__COUNT };
enum { REC_LIVELIHOOD = 1, REC_WIDE = 2 };
_Static_assert(sizeof(struct rec) == 64, "one record in a cache line");
_Static_assert(sizeof(int) == sizeof(int32_t), "seats fit an int32_t");

/* The values of a REC_WIDE station that do not fit its record, by position. */
struct wide {
    uint32_t pos;
    int tier, partner_kind, status, batch;
    unsigned online_maps;
    int64_t created_at, updated_at, version;
    int64_t closed_until;
};

/* The strings of few distinct values a station points at, interned as one tuple. */
struct grp {
    const char *district_code, *district_name, *opening_hours, *tz; /* in `shared`, or NULL */
    int32_t district; /* position of the district, -1 if unknown */
    uint32_t sched;   /* its schedule in sch[] */
};

enum { DEC_BLOCK = 64 }; /* stations decoded together for yz_snap_station */

struct yz_snap {
    struct rec *rec;         /* by id, once built */
    size_t n;
    char *strs;              /* each station's own strings (code, name, address, ...) back to
                              * back: one block instead of a malloc each */
    char **shared;           /* distinct district codes and names, hours and zones: stations
                              * point at these */
    size_t n_shared;
    struct grp *grp;         /* distinct (district code, name, hours, zone) of the records */
    size_t n_grp;
    struct wide *wide;       /* by position: values of REC_WIDE records */
    size_t n_wide;
    int64_t t0;              /* records' times are offsets from this, unix seconds */
    _Atomic(yz_station *) *dec; /* yz_snap_station's records decoded, a block of DEC_BLOCK
                                 * each, made on first use (NULL until then) */
    yz_facility *fac;
    size_t n_fac;
    yz_district *dist;       /* by code */
    size_t n_dist;
    int32_t *hol;
    size_t n_hol;
    yz_holidays holidays;    /* view of hol */

    sched *sch;
    size_t n_sch;
    yz_point *gcj;           /* GCJ-02 positions (BD-09 is derived from them per answer) */
    /* Fragments are rendered per answer from these (docs/internals/catalog.md, "Memory"). */
    char *facl;              /* each distinct facility list `["a","b"]`, back to back */
    size_t *facl_off;        /* n_facl + 1 offsets into facl */
    size_t n_facl;
    struct row *row;         /* what a fragment needs besides the record, per station */
    char *dist_json[2];      /* per language: each district's {"code":..,"name":..} */
    size_t *dist_json_off[2]; /* n_dist + 1 offsets into dist_json[lang] */
    uint32_t *codes;         /* positions, sorted by code */
    uint32_t *codes_loose;   /* positions, sorted by code_key of the code (`codes` itself
                              * when the orders agree): what a rider
                              * types (keys computed per probe, not stored) */
    unsigned char *hant;     /* per station: those of its name, address and partner name whose
                              * traditional form differs, in that order, each coded against
                              * the stored text and `hmap` (catalog/hantdiff.h) */
    yz__hantmap hmap;        /* each replaced character's usual replacement */
    atomic_int hant_state;   /* HANT_*: `hant`, `hmap` and the rows' hant_at and hant_diff are read
                              * only once it is HANT_READY (acquire; written before, release) */
    yz_hantconv *hconv;      /* while HANT_PENDING: answers convert their texts with it */
    pthread_t hant_thread;   /* converting every station's texts after the build */
    bool hant_thread_on;     /* hant_thread to be joined */
    atomic_bool hant_stop;   /* yz_snap_free asks hant_thread to give up */
    fac_word *words;         /* facility words, normalised, sorted (yz_snap_understand) */
    size_t n_words;

    yz_index *ix;            /* stations in service */
    uint32_t *dist_members;  /* station positions grouped by district (CSR) */
    size_t *dist_first;      /* n_dist + 1 offsets into dist_members */
    yz_textindex *text;      /* read through text_of: a large start builds it after (below) */
    atomic_bool text_ready;  /* `text` is set (acquire; written before, release) */
    bool text_sync_on;       /* text_mu and text_cv initialised */
    pthread_mutex_t text_mu; /* with text_cv: a search waits for a deferred text index */
    pthread_cond_t text_cv;
    pthread_t text_thread;   /* building `text` after the build returned */
    bool text_thread_on;     /* text_thread to be joined */
    atomic_bool text_stop;   /* yz_snap_free: a held build (tests) gives up */
    yz_textnorm *text_norm;  /* the deferred build's own normaliser (the caller's is its own) */
    yz_textdoc *text_docs;   /* the deferred build's documents */
};

/* Where a snapshot's traditional texts are (docs/internals/catalog.md, "zh-Hant after start"). */
enum {
    HANT_NONE,    /* none: s2t.json missing, zh-Hant answers give the stored texts */
    HANT_PENDING, /* being converted on hant_thread: answers convert their own with hconv */
    HANT_READY    /* in `hant` */
};

size_t yz__snap_hant_async_min = 16384;
atomic_bool yz__snap_hant_hold;
size_t yz__snap_text_async_min = 16384;
atomic_bool yz__snap_text_hold;

/* The text index, once built: a search that comes while a large start still builds it waits
 * (docs/internals/catalog.md, "The start"). NULL only when a deferred build failed. */
static const yz_textindex *text_of(const yz_snap *s)
{
    yz_snap *m = (yz_snap *)s; /* the lock and the condition only; the snapshot is not changed */
    if (!atomic_load_explicit(&m->text_ready, memory_order_acquire)) {
        pthread_mutex_lock(&m->text_mu);
        while (!atomic_load_explicit(&m->text_ready, memory_order_acquire))
            pthread_cond_wait(&m->text_cv, &m->text_mu);
        pthread_mutex_unlock(&m->text_mu);
    }
    return s->text;
}

static int hant_state(const yz_snap *s)
{
    return atomic_load_explicit(&((yz_snap *)s)->hant_state, memory_order_acquire);
}

/* --- records ----------------------------------------------------------------------- */

static const struct wide *wide_of(const yz_snap *s, size_t i)
{
    size_t lo = 0, hi = s->n_wide;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->wide[mid].pos < i)
            lo = mid + 1;
        else
            hi = mid;
    }
    assert(lo < s->n_wide && s->wide[lo].pos == i);
    return &s->wide[lo];
}

/* Station i's field f among those REC_WIDE moves to wide[]. */
#define REC_SMALL(s, i, f)                                                                         \
    ((s)->rec[i].flags & REC_WIDE ? wide_of((s), (i))->f : (s)->rec[i].f)

static int rec_status(const yz_snap *s, size_t i)
{
    return REC_SMALL(s, i, status);
}

static int64_t rec_closed_until(const yz_snap *s, size_t i)
{
    return s->rec[i].flags & REC_WIDE ? wide_of(s, i)->closed_until : 0;
}

static const struct grp *grp_of(const yz_snap *s, size_t i)
{
    return &s->grp[s->rec[i].grp];
}

static bool rec_in_service(const yz_snap *s, size_t i)
{
    yz_station t = {.status = rec_status(s, i)};
    return yz_station_in_service(&t);
}

/* Station i's string k (STR_*), or NULL when the record has none. */
static const char *rec_str(const yz_snap *s, size_t i, int k)
{
    unsigned has = s->rec[i].has;
    if (!(has & (1u << k)))
        return NULL;
    const char *p = s->strs + s->rec[i].str;
    for (int j = 0; j < k; j++)
        if (has & (1u << j))
            p += strlen(p) + 1;
    return p;
}

/* Station i's record in `out`, its strings borrowed from the snapshot. */
static void rec_decode(const yz_snap *s, size_t i, yz_station *out)
{
    const struct rec *r = &s->rec[i];
    const struct grp *g = &s->grp[r->grp];
    char *str[STR__COUNT] = {0};
    const char *p = s->strs + r->str;
    for (int k = 0; k < STR__COUNT; k++) {
        if (!(r->has & (1u << k)))
            continue;
        str[k] = (char *)p; /* yz_station's strings are not const; these are never written */
        p += strlen(p) + 1;
    }
    *out = (yz_station){
        .id = r->id,
        .code = str[STR_CODE],
        .name = str[STR_NAME],
        .address = str[STR_ADDRESS],
        .district_code = (char *)g->district_code,
        .district_name = (char *)g->district_name,
        .lat = r->lat,
        .lon = r->lon,
        .tier = r->tier,
        .partner_kind = r->partner_kind,
        .partner_name = str[STR_PARTNER],
        .facilities = r->facilities,
        .opening_hours = (char *)g->opening_hours,
        .tz = (char *)g->tz,
        .status = r->status,
        .closed_reason = str[STR_CLOSED],
        .phone = str[STR_PHONE],
        .seats = r->seats,
        .livelihood = (r->flags & REC_LIVELIHOOD) != 0,
        .batch = r->batch,
        .online_maps = r->online_maps,
        .created_at = s->t0 + (int64_t)r->created,
        .updated_at = s->t0 + (int64_t)r->updated,
        .version = r->version,
    };
    if (r->flags & REC_WIDE) {
        const struct wide *w = wide_of(s, i);
        out->tier = w->tier;
        out->partner_kind = w->partner_kind;
        out->status = w->status;
        out->batch = w->batch;
        out->online_maps = w->online_maps;
        out->created_at = w->created_at;
        out->updated_at = w->updated_at;
        out->version = w->version;
        out->closed_until = w->closed_until;
    }
}

/* --- the loader: stations into records as they come ---------------------------------- */


/* A zeroed array of n elements, huge pages advised (yz_advise_huge). */
static void *calloc_huge(size_t n, size_t size)
{
    return yz_advise_huge(yz_calloc(n, size), n * size);
}

/* A snapshot's records made one station at a time (docs/internals/catalog.md, "The start"):
 * each station's own strings are copied once, into `strs`, the few distinct ones interned into
 * `shared`, and the station is not kept: a server's start reads the store's rows straight into
 * records, with no yz_station array or string of each between. */
struct yz_snap_loader {
    yz_snap *s;            /* rec, n, strs (in `strs` below until the end), shared, grp, wide, t0 */
    size_t rec_cap, grp_cap, wide_cap, shared_cap;
    yz_buf strs;
    uint32_t *str_table;   /* open addressing: positions in s->shared */
    size_t str_table_cap;  /* a power of two, at least twice n_shared */
    uint32_t *grp_table;   /* open addressing: positions in s->grp */
    size_t grp_table_cap;
    bool t0_set;
    int err;               /* YZ_EINVAL once the texts pass 4 GiB */
};

static uint64_t grp_hash(const char *dc, const char *dn, const char *oh, const char *tz)
{
    uint64_t h = 0;
    const char *gp[] = {dc, dn, oh, tz};
    for (size_t k = 0; k < 4; k++)
        h = (h ^ (uint64_t)(uintptr_t)gp[k]) * UINT64_C(0x100000001b3);
    return h ^ (h >> 29);
}

static uint32_t *table_new(size_t cap)
{
    uint32_t *t = yz_malloc(cap * sizeof *t);
    memset(t, 0xff, cap * sizeof *t);
    return t;
}

static uint64_t shared_hash(const yz_snap *s, size_t e)
{
    return yz_hash_str(s->shared[e]);
}

static uint64_t grp_hash_of(const yz_snap *s, size_t e)
{
    const struct grp *g = &s->grp[e];
    return grp_hash(g->district_code, g->district_name, g->opening_hours, g->tz);
}

/* Room for one more of `n` entries in an open-addressing table of positions: twice the
 * table when it is half full, every entry hashed again by `hash`. */
static void table_grow(uint32_t **table, size_t *cap, size_t n, const yz_snap *s,
                       uint64_t (*hash)(const yz_snap *, size_t))
{
    if (2 * (n + 1) <= *cap)
        return;
    size_t c = *cap * 2;
    uint32_t *t = table_new(c);
    for (size_t e = 0; e < n; e++) {
        size_t h = (size_t)hash(s, e) & (c - 1);
        while (t[h] != UINT32_MAX)
            h = (h + 1) & (c - 1);
        t[h] = (uint32_t)e;
    }
    yz_free(*table);
    *table = t;
    *cap = c;
}

/* The interned copy of `v` (NULL for NULL): equal strings are one pointer. */
static const char *intern_str(yz_snap_loader *l, const char *v)
{
    if (!v)
        return NULL;
    yz_snap *s = l->s;
    table_grow(&l->str_table, &l->str_table_cap, s->n_shared, s, shared_hash);
    size_t mask = l->str_table_cap - 1;
    size_t h = (size_t)yz_hash_str(v) & mask;
    for (;; h = (h + 1) & mask) {
        uint32_t e = l->str_table[h];
        if (e == UINT32_MAX)
            break;
        if (strcmp(s->shared[e], v) == 0)
            return s->shared[e];
    }
    if (s->n_shared == l->shared_cap) {
        l->shared_cap = l->shared_cap ? 2 * l->shared_cap : 64;
        s->shared = yz_reallocarray(s->shared, l->shared_cap, sizeof *s->shared);
    }
    l->str_table[h] = (uint32_t)s->n_shared;
    s->shared[s->n_shared] = yz_strdup(v);
    return s->shared[s->n_shared++];
}

/* The number of the (district code, district name, hours, zone) tuple, all interned. Its
 * schedule and district position are filled by the build (yz_snap_build). */
static uint32_t intern_grp(yz_snap_loader *l, const char *dc, const char *dn, const char *oh,
                           const char *tz)
{
    yz_snap *s = l->s;
    table_grow(&l->grp_table, &l->grp_table_cap, s->n_grp, s, grp_hash_of);
    size_t mask = l->grp_table_cap - 1;
    size_t h = (size_t)grp_hash(dc, dn, oh, tz) & mask;
    for (;; h = (h + 1) & mask) {
        uint32_t e = l->grp_table[h];
        if (e == UINT32_MAX)
            break;
        const struct grp *o = &s->grp[e];
        if (o->district_code == dc && o->district_name == dn && o->opening_hours == oh &&
            o->tz == tz)
            return e;
    }
    if (s->n_grp == l->grp_cap) {
        l->grp_cap = l->grp_cap ? 2 * l->grp_cap : 64;
        s->grp = yz_reallocarray(s->grp, l->grp_cap, sizeof *s->grp);
    }
    s->grp[s->n_grp] = (struct grp){dc, dn, oh, tz, -1, 0};
    l->grp_table[h] = (uint32_t)s->n_grp;
    return (uint32_t)s->n_grp++;
}

static void rec_reserve(yz_snap_loader *l, size_t cap)
{
    if (cap <= l->rec_cap)
        return;
    /* Aligned so that a record is one cache line: a nearby answer's rows are far apart. */
    size_t bytes = (cap + 1) * sizeof *l->s->rec;
    struct rec *r = aligned_alloc(64, (bytes + 63) / 64 * 64);
    if (!r)
        r = yz_malloc(bytes); /* yz_malloc aborts when memory is out */
    yz_advise_huge(r, bytes);
    if (l->s->n)
        memcpy(r, l->s->rec, l->s->n * sizeof *r);
    yz_free(l->s->rec);
    l->s->rec = r;
    l->rec_cap = cap;
}

static void loader_clear(yz_snap_loader *l)
{
    yz_snap *s = l->s;
    yz_free(s->rec);
    yz_free(s->grp);
    yz_free(s->wide);
    for (size_t i = 0; i < s->n_shared; i++)
        yz_free(s->shared[i]);
    yz_free(s->shared);
    yz_buf_fini(&l->strs);
    yz_free(l->str_table);
    yz_free(l->grp_table);
    memset(s, 0, sizeof *s);
    yz_snap *keep = s;
    memset(l, 0, sizeof *l);
    l->s = keep;
}

yz_snap_loader *yz_snap_loader_new(size_t n_hint)
{
    yz_snap_loader *l = yz_calloc(1, sizeof *l);
    l->s = yz_calloc(1, sizeof *l->s);
    yz_snap_loader_reset(l, n_hint);
    return l;
}

void yz_snap_loader_reset(yz_snap_loader *l, size_t n_hint)
{
    loader_clear(l);
    l->str_table_cap = l->grp_table_cap = 64;
    l->str_table = table_new(l->str_table_cap);
    l->grp_table = table_new(l->grp_table_cap);
    rec_reserve(l, n_hint ? n_hint : 16);
    /* Reserved, not touched: pages past what the texts use are never resident. */
    yz_buf_reserve(&l->strs, n_hint * 64 + 64);
    yz_advise_huge(l->strs.data, l->strs.cap);
}

void yz_snap_loader_free(yz_snap_loader *l)
{
    if (!l)
        return;
    loader_clear(l);
    yz_free(l->s);
    yz_free(l);
}

static bool fits_i8(int v)
{
    return v >= INT8_MIN && v <= INT8_MAX;
}

static bool fits_off(int64_t v, int64_t t0)
{
    return v >= t0 && (uint64_t)v - (uint64_t)t0 <= UINT32_MAX;
}

void yz_snap_loader_add(yz_snap_loader *l, const yz_station *st)
{
    yz_snap *s = l->s;
    if (!l->t0_set) {
        /* Times are kept as 32-bit offsets from t0: a window of 136 years centred on the
         * first station's oldest time. A time outside it is kept exact in wide[]. */
        int64_t t = st->created_at < st->updated_at ? st->created_at : st->updated_at;
        s->t0 = t < INT64_MIN + (INT64_C(1) << 31) ? INT64_MIN : t - (INT64_C(1) << 31);
        l->t0_set = true;
    }
    if (s->n == l->rec_cap)
        rec_reserve(l, 2 * l->rec_cap);
    size_t i = s->n++;
    struct rec *r = &s->rec[i];
    memset(r, 0, sizeof *r);
    const char *dc = intern_str(l, st->district_code), *dn = intern_str(l, st->district_name);
    const char *oh = intern_str(l, st->opening_hours), *tz = intern_str(l, st->tz);
    r->grp = intern_grp(l, dc, dn, oh, tz);
    const char *str[STR__COUNT] = {st->code,          st->name,         st->address,
                                   st->partner_name, st->closed_reason, st->phone};
    bool first = true;
    for (int k = 0; k < STR__COUNT; k++) {
        if (!str[k])
            continue;
        r->has |= (uint8_t)(1u << k);
        if (first && l->strs.len > UINT32_MAX)
            l->err = YZ_EINVAL;
        if (first)
            r->str = (uint32_t)l->strs.len;
        first = false;
        yz_buf_append(&l->strs, str[k], strlen(str[k]) + 1);
    }
    r->id = st->id;
    r->lat = st->lat;
    r->lon = st->lon;
    r->facilities = st->facilities;
    r->seats = st->seats;
    r->flags = st->livelihood ? REC_LIVELIHOOD : 0;
    if (fits_i8(st->tier) && fits_i8(st->partner_kind) && fits_i8(st->status) &&
        fits_i8(st->batch) && st->online_maps <= UINT8_MAX && fits_off(st->created_at, s->t0) &&
        fits_off(st->updated_at, s->t0) && st->version >= 0 && st->version <= UINT32_MAX &&
        !st->closed_until) {
        r->tier = (int8_t)st->tier;
        r->partner_kind = (int8_t)st->partner_kind;
        r->status = (int8_t)st->status;
        r->batch = (int8_t)st->batch;
        r->online_maps = (uint8_t)st->online_maps;
        r->created = (uint32_t)((uint64_t)st->created_at - (uint64_t)s->t0);
        r->updated = (uint32_t)((uint64_t)st->updated_at - (uint64_t)s->t0);
        r->version = (uint32_t)st->version;
    } else {
        r->flags |= REC_WIDE;
        if (s->n_wide == l->wide_cap) {
            l->wide_cap = l->wide_cap ? 2 * l->wide_cap : 16;
            s->wide = yz_reallocarray(s->wide, l->wide_cap, sizeof *s->wide);
        }
        s->wide[s->n_wide++] = (struct wide){(uint32_t)i,        st->tier,
                                             st->partner_kind,   st->status,
                                             st->batch,          st->online_maps,
                                             st->created_at,     st->updated_at,
                                             st->version,        st->closed_until};
    }
}

static int cmp_u32_by_id(const void *a, const void *b, void *arg)
{
    const struct rec *rec = arg;
    int64_t x = rec[*(const uint32_t *)a].id, y = rec[*(const uint32_t *)b].id;
    return (x > y) - (x < y);
}

/* Records in id order, and grp[] numbered by first use in that order (so an error names the
 * first station by id, as a build from sorted stations does). Only when the loader was not
 * given them in id order. */
static void loader_sort(yz_snap_loader *l)
{
    yz_snap *s = l->s;
    uint32_t *perm = yz_malloc((s->n + 1) * sizeof *perm);
    for (size_t i = 0; i < s->n; i++)
        perm[i] = (uint32_t)i;
    qsort_r(perm, s->n, sizeof *perm, cmp_u32_by_id, s->rec);
    struct rec *old = s->rec;
    struct wide *old_wide = s->wide;
    size_t n_wide = s->n_wide;
    s->rec = NULL;
    l->rec_cap = 0;
    size_t n = s->n;
    s->n = 0;
    rec_reserve(l, n);
    s->n = n;
    s->wide = yz_malloc((n_wide + 1) * sizeof *s->wide);
    s->n_wide = 0;
    l->wide_cap = n_wide + 1;
    uint32_t *renum = yz_malloc((s->n_grp + 1) * sizeof *renum);
    memset(renum, 0xff, (s->n_grp + 1) * sizeof *renum);
    struct grp *grp = yz_malloc((s->n_grp + 1) * sizeof *grp);
    size_t n_grp = 0;
    for (size_t i = 0; i < n; i++) {
        s->rec[i] = old[perm[i]];
        uint32_t g = s->rec[i].grp;
        if (renum[g] == UINT32_MAX) {
            grp[n_grp] = s->grp[g];
            renum[g] = (uint32_t)n_grp++;
        }
        s->rec[i].grp = renum[g];
        if (s->rec[i].flags & REC_WIDE) {
            size_t lo = 0, hi = n_wide; /* old_wide is by old position */
            while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                if (old_wide[mid].pos < perm[i])
                    lo = mid + 1;
                else
                    hi = mid;
            }
            s->wide[s->n_wide] = old_wide[lo];
            s->wide[s->n_wide++].pos = (uint32_t)i;
        }
    }
    yz_free(s->grp);
    s->grp = grp;
    l->grp_cap = s->n_grp + 1;
    yz_free(renum);
    yz_free(old_wide);
    yz_free(old);
    yz_free(perm);
}

/* The loader's records as a snapshot under construction (l freed). YZ_EINVAL when the texts
 * pass 4 GiB (32-bit offsets: tens of millions of stations). */
static int loader_finish(yz_snap_loader *l, yz_snap **out, yz_errinfo *ei)
{
    yz_snap *s = l->s;
    int err = l->err;
    if (err) {
        yz_snap_loader_free(l);
        return yz_err_set(ei, YZ_EINVAL, "stations", "驿站文字超过 4 GiB",
                          "the stations' texts pass 4 GiB");
    }
    size_t in_order = 1;
    while (in_order < s->n && s->rec[in_order - 1].id < s->rec[in_order].id)
        in_order++;
    if (in_order < s->n)
        loader_sort(l);
    size_t used = l->strs.len;
    s->strs = yz_buf_take(&l->strs);
    /* Reserved for about 64 bytes a station: give back the tail. */
    s->strs = s->strs ? yz_realloc(s->strs, used + 1) : yz_calloc(1, 1);
    if (s->grp)
        s->grp = yz_reallocarray(s->grp, s->n_grp + 1, sizeof *s->grp);
    else
        s->grp = yz_calloc(1, sizeof *s->grp);
    yz_free(l->str_table);
    yz_free(l->grp_table);
    yz_free(l);
    s->dec = yz_calloc(s->n / DEC_BLOCK + 1, sizeof *s->dec);
    *out = s;
    return YZ_OK;
}

/* --- build ------------------------------------------------------------------------- */

static int cmp_station_id(const void *a, const void *b)
{
    const yz_station *x = a, *y = b;
    return (x->id > y->id) - (x->id < y->id);
}

static int cmp_code(const void *a, const void *b)
{
    return strcmp(((const code_ref *)a)->code, ((const code_ref *)b)->code);
}

/* The key of a code as riders type it: ASCII letters in lower case and digits, with '-', '_'
 * and spaces left out ("WZ-GHDS", "wz ghds" and "wzghds" share "wzghds"). Writes at most
 * YZ_CODE_KEY_MAX bytes and a NUL into `out`; returns its length, or 0 when `in` holds
 * anything else or is too long (so it is no code). */
#define YZ_CODE_KEY_MAX 32
static size_t code_key(const char *in, char out[YZ_CODE_KEY_MAX + 1])
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)in; *p; p++) {
        unsigned char c = *p;
        if (c == '-' || c == '_' || c == ' ')
            continue;
        if (c >= 'A' && c <= 'Z')
            c = (unsigned char)(c - 'A' + 'a');
        else if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')))
            n = YZ_CODE_KEY_MAX + 1; /* no code */
        if (n >= YZ_CODE_KEY_MAX) {
            out[0] = '\0';
            return 0;
        }
        out[n++] = (char)c;
    }
    out[n] = '\0';
    return n;
}

static uint64_t hash_sched(const char *s, int offset)
{
    uint64_t h = 1469598103934665603ULL ^ (uint64_t)(uint32_t)offset;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

/* Intern the schedule (src, offset): returns its number, compiling it on first sight. */
static int intern_sched(yz_snap *s, uint32_t *table, size_t table_cap, const char *src,
                        int offset, uint32_t *out, yz_errinfo *ei)
{
    size_t mask = table_cap - 1;
    size_t h = (size_t)hash_sched(src, offset) & mask;
    for (;; h = (h + 1) & mask) {
        uint32_t v = table[h];
        if (v == UINT32_MAX)
            break;
        if (s->sch[v].offset == offset && strcmp(s->sch[v].src, src) == 0) {
            *out = v;
            return YZ_OK;
        }
    }
    yz_hours *hours = NULL;
    int err = yz_hours_parse(src, &hours, ei);
    if (err)
        return err;
    s->sch = yz_reallocarray(s->sch, s->n_sch + 1, sizeof *s->sch);
    s->sch[s->n_sch] = (sched){yz_strdup(src), offset, hours};
    table[h] = (uint32_t)s->n_sch;
    *out = (uint32_t)s->n_sch++;
    return YZ_OK;
}

/* Station i's stored text k (0 name, 1 address, 2 partner name); NULL for no partner. */
static const char *text_src(const yz_snap *s, size_t i, int k)
{
    const char *src;
    if (k == 1) {
        src = rec_str(s, i, STR_ADDRESS);
        return src ? src : "";
    }
    return rec_str(s, i, k == 0 ? STR_NAME : STR_PARTNER);
}

/* The coding of station i's traditional text k (catalog/hantdiff.h), or NULL when the
 * traditional texts are not ready or text k is the same in both. */
static const unsigned char *hant_code(const yz_snap *s, size_t i, int k)
{
    const struct row *r = &s->row[i];
    if (hant_state(s) != HANT_READY || !(r->hant_diff & (1u << k)))
        return NULL;
    const unsigned char *p = s->hant + r->hant_at;
    for (int j = 0; j < k; j++)
        if (r->hant_diff & (1u << j))
            p = yz__hant_skip(p);
    return p;
}

/* Appends station i's text k in `lang` to b, unescaped (the read path's put_text does not
 * come here). Text k must exist. */
static void text_lang_append(const yz_snap *s, size_t i, int k, int lang, yz_buf *b)
{
    const char *src = text_src(s, i, k);
    const unsigned char *code = lang == YZ_LANG_HANT ? hant_code(s, i, k) : NULL;
    if (code)
        yz__hant_decode_buf(&s->hmap, src, code, b);
    else
        yz_buf_puts(b, src);
}

/* Station i's text k in `lang` appended to b as a JSON string. Before the traditional texts
 * are ready, a zh-Hant answer converts the text itself, as the build will: the same bytes,
 * ~µs of OpenCC a text instead of a copy, and no wait. Text k must exist (partner name). */
static void put_text(const yz_snap *s, size_t i, int k, int lang, yz_buf *b)
{
    const char *t = text_src(s, i, k);
    if (lang != YZ_LANG_HANT) {
        yz_buf_json_str(b, t, strlen(t));
        return;
    }
    const unsigned char *code = hant_code(s, i, k);
    if (code) {
        /* Decoded on the stack: names are at most 200 bytes, addresses about as long. */
        char tmp[1024];
        size_t len = yz__hant_decode(&s->hmap, t, code, tmp, sizeof tmp);
        if (len != SIZE_MAX) {
            yz_buf_json_str(b, tmp, len);
        } else {
            yz_buf c;
            yz_buf_init(&c);
            yz__hant_decode_buf(&s->hmap, t, code, &c);
            yz_buf_json_str(b, c.data, c.len);
            yz_buf_fini(&c);
        }
        return;
    }
    if (hant_state(s) == HANT_PENDING) {
        yz_buf c;
        yz_buf_init(&c);
        if (yz_hantconv_append(s->hconv, t, &c) == YZ_OK && c.data) {
            yz_buf_json_str(b, c.data, c.len);
            yz_buf_fini(&c);
            return;
        }
        yz_buf_fini(&c);
    }
    yz_buf_json_str(b, t, strlen(t));
}

/* The parts of fragments that many stations share, rendered once per build: each district's
 * object in both languages and each distinct facility list (a few thousand at 1M stations). */
static void build_shared(yz_snap *s)
{
    for (int lang = 0; lang < 2; lang++) {
        yz_buf b;
        yz_buf_init(&b);
        s->dist_json_off[lang] = yz_calloc(s->n_dist + 1, sizeof *s->dist_json_off[lang]);
        for (size_t d = 0; d < s->n_dist; d++) {
            s->dist_json_off[lang][d] = b.len;
            yz_buf_puts(&b, "{\"code\":");
            yz_buf_json_str(&b, s->dist[d].code, strlen(s->dist[d].code));
            yz_buf_puts(&b, ",\"name\":");
            const char *dn = lang == YZ_LANG_HANT && s->dist[d].name_hant ? s->dist[d].name_hant
                                                                         : s->dist[d].name;
            yz_buf_json_str(&b, dn, strlen(dn));
            yz_buf_putc(&b, '}');
        }
        s->dist_json_off[lang][s->n_dist] = b.len;
        s->dist_json[lang] = yz_buf_take(&b);
        if (!s->dist_json[lang])
            s->dist_json[lang] = yz_calloc(1, 1);
    }
    /* Distinct facility masks, by an open-addressing table of their numbers. */
    size_t cap = 64;
    while (cap < 2 * s->n + 2)
        cap *= 2;
    uint32_t *table = yz_malloc(cap * sizeof *table);
    memset(table, 0xff, cap * sizeof *table);
    uint64_t *masks = NULL;
    size_t n_masks = 0, masks_cap = 0;
    s->row = calloc_huge(s->n + 1, sizeof *s->row);
    for (size_t i = 0; i < s->n; i++) {
        uint64_t m = s->rec[i].facilities;
        size_t h = (size_t)((m * UINT64_C(0x9e3779b97f4a7c15)) >> 20) & (cap - 1);
        for (;; h = (h + 1) & (cap - 1)) {
            uint32_t v = table[h];
            if (v == UINT32_MAX) {
                if (n_masks == masks_cap) {
                    masks_cap = masks_cap ? 2 * masks_cap : 256;
                    masks = yz_reallocarray(masks, masks_cap, sizeof *masks);
                }
                masks[n_masks] = m;
                table[h] = v = (uint32_t)n_masks++;
            }
            if (masks[v] == m) {
                s->row[i].facl = v;
                s->row[i].district = grp_of(s, i)->district;
                break;
            }
        }
    }
    yz_free(table);
    yz_buf b;
    yz_buf_init(&b);
    s->n_facl = n_masks;
    s->facl_off = yz_calloc(n_masks + 1, sizeof *s->facl_off);
    for (size_t k = 0; k < n_masks; k++) {
        s->facl_off[k] = b.len;
        yz_buf_putc(&b, '[');
        int first = 1;
        for (size_t f = 0; f < s->n_fac; f++) {
            if (!(masks[k] & (UINT64_C(1) << s->fac[f].bit)))
                continue;
            if (!first)
                yz_buf_putc(&b, ',');
            first = 0;
            yz_buf_json_str(&b, s->fac[f].code, strlen(s->fac[f].code));
        }
        yz_buf_putc(&b, ']');
    }
    s->facl_off[n_masks] = b.len;
    s->facl = yz_buf_take(&b);
    if (!s->facl)
        s->facl = yz_calloc(1, 1);
    yz_free(masks);
}

/* Member `m` of station i's fragment in `lang`, `"name":value`, appended to b; false (and
 * nothing appended) when the station has no such member (partner_name when null). */
static bool render_member(const yz_snap *s, size_t i, int m, int lang, yz_buf *b)
{
    switch (m) {
    case YZ_FM_ID:
        yz_buf_puts(b, "\"id\":");
        yz_buf_int(b, s->rec[i].id);
        return true;
    case YZ_FM_CODE: {
        const char *code = rec_str(s, i, STR_CODE);
        yz_buf_puts(b, "\"code\":");
        yz_buf_json_str(b, code, strlen(code));
        return true;
    }
    case YZ_FM_NAME:
        yz_buf_puts(b, "\"name\":");
        put_text(s, i, 0, lang, b);
        return true;
    case YZ_FM_ADDRESS:
        yz_buf_puts(b, "\"address\":");
        put_text(s, i, 1, lang, b);
        return true;
    case YZ_FM_DISTRICT: {
        yz_buf_puts(b, "\"district\":");
        int32_t d = s->row[i].district;
        int l = lang == YZ_LANG_HANT;
        if (d >= 0) {
            yz_buf_append(b, s->dist_json[l] + s->dist_json_off[l][d],
                          s->dist_json_off[l][d + 1] - s->dist_json_off[l][d]);
        } else {
            const struct grp *g = &s->grp[s->rec[i].grp];
            const char *dn = g->district_name ? g->district_name : "";
            yz_buf_puts(b, "{\"code\":");
            yz_buf_json_str(b, g->district_code, strlen(g->district_code));
            yz_buf_puts(b, ",\"name\":");
            yz_buf_json_str(b, dn, strlen(dn));
            yz_buf_putc(b, '}');
        }
        return true;
    }
    case YZ_FM_FACILITIES: {
        uint32_t k = s->row[i].facl;
        yz_buf_puts(b, "\"facilities\":");
        yz_buf_append(b, s->facl + s->facl_off[k], s->facl_off[k + 1] - s->facl_off[k]);
        return true;
    }
    case YZ_FM_TIER:
        yz_buf_puts(b, "\"tier\":\"");
        yz_buf_puts(b, yz_tier_name(REC_SMALL(s, i, tier)));
        yz_buf_putc(b, '"');
        return true;
    case YZ_FM_STATUS:
        yz_buf_puts(b, "\"status\":\"");
        yz_buf_puts(b, yz_status_name(rec_status(s, i)));
        yz_buf_putc(b, '"');
        return true;
    case YZ_FM_PARTNER_KIND:
        yz_buf_puts(b, "\"partner_kind\":\"");
        yz_buf_puts(b, yz_partner_name(REC_SMALL(s, i, partner_kind)));
        yz_buf_putc(b, '"');
        return true;
    case YZ_FM_PARTNER_NAME:
        if (!(s->rec[i].has & (1u << STR_PARTNER)))
            return false;
        yz_buf_puts(b, "\"partner_name\":");
        put_text(s, i, 2, lang, b);
        return true;
    }
    return false;
}

/* The text index (unless deferred past the build: text_main) and the positions in the other
 * systems are built on a second thread while the first builds everything else: they only read
 * the records, write fields nothing else touches, and take about half of a large build. */
typedef struct side_job {
    yz_snap *s;
    yz_textnorm *norm;
    const yz_textdoc *docs;
    yz_textindex *text;
    yz_errinfo ei;
    int err;
} side_job;

static int cmp_word(const void *a, const void *b)
{
    return strcmp(((const fac_word *)a)->norm, ((const fac_word *)b)->norm);
}

static void add_word(yz_snap *s, yz_textnorm *norm, size_t *cap, const char *w, size_t len,
                     uint32_t f)
{
    char tmp[128];
    if (len == 0 || len >= sizeof tmp)
        return;
    memcpy(tmp, w, len);
    tmp[len] = '\0';
    yz_buf b;
    yz_buf_init(&b);
    if (yz_textnorm_apply(norm, tmp, &b) != YZ_OK || b.len == 0) {
        yz_buf_fini(&b);
        return;
    }
    if (s->n_words == *cap) {
        *cap = *cap ? 2 * *cap : 64;
        s->words = yz_reallocarray(s->words, *cap, sizeof *s->words);
    }
    s->words[s->n_words++] = (fac_word){yz_buf_take(&b), f};
}

/* The facility words: each facility's labels in three languages, its code ("battery_swap" is
 * typed as "battery swap") and its synonyms, normalised as search terms are, sorted; where two
 * facilities share a word, the first (by bit) keeps it. */
static void build_words(yz_snap *s, yz_textnorm *norm)
{
    size_t cap = 0;
    for (size_t f = 0; f < s->n_fac; f++) {
        const yz_facility *fa = &s->fac[f];
        const char *labels[] = {fa->code, fa->label, fa->label_hant, fa->label_en};
        for (size_t j = 0; j < 4; j++)
            if (labels[j])
                add_word(s, norm, &cap, labels[j], strlen(labels[j]), (uint32_t)f);
        for (const char *p = fa->synonyms; p && *p;) {
            const char *e = strchr(p, '\n');
            size_t len = e ? (size_t)(e - p) : strlen(p);
            add_word(s, norm, &cap, p, len, (uint32_t)f);
            p += len + (e != NULL);
        }
    }
    if (s->n_words > 1)
        qsort(s->words, s->n_words, sizeof *s->words, cmp_word);
    size_t m = 0; /* drop duplicates, keeping the lowest facility position */
    for (size_t i = 0; i < s->n_words; i++) {
        if (m && strcmp(s->words[m - 1].norm, s->words[i].norm) == 0) {
            if (s->words[i].fac < s->words[m - 1].fac)
                s->words[m - 1].fac = s->words[i].fac;
            yz_free(s->words[i].norm);
            continue;
        }
        s->words[m++] = s->words[i];
    }
    s->n_words = m;
}

static bool same_str(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

/* The traditional texts of every station (lang=zh-Hant), kept only where they differ from
 * the stored ones: a station whose texts are those of the same station in `prev` (ready)
 * takes its conversion from there, so a rebuild after one write converts one station.
 * Converts with `norm`, or with `hc` when norm is NULL (the background thread). Without
 * OpenCC's s2t.json the snapshot has none and zh-Hant answers get the texts as stored.
 * Returns false only when `stop` was raised (nothing published then). */
static bool build_hant(yz_snap *s, yz_textnorm *norm, yz_hantconv *hc, const yz_snap *prev,
                       const atomic_bool *stop)
{
    yz_buf h, t;
    yz_buf_init(&h);
    yz_buf_init(&t);
    yz__hantmap_fini(&s->hmap);
    if (prev && hant_state(prev) != HANT_READY)
        prev = NULL;
    for (size_t i = 0; i < s->n; i++) {
        if (stop && (i & 4095) == 0 && atomic_load_explicit(stop, memory_order_relaxed)) {
            yz_buf_fini(&h);
            yz_buf_fini(&t);
            yz__hantmap_fini(&s->hmap);
            return false;
        }
        const char *addr = rec_str(s, i, STR_ADDRESS);
        const char *src[3] = {rec_str(s, i, STR_NAME), addr ? addr : "",
                              rec_str(s, i, STR_PARTNER)};
        long j = prev ? yz_snap_find_id(prev, s->rec[i].id) : -1;
        bool reuse = false;
        if (j >= 0) {
            const char *paddr = rec_str(prev, (size_t)j, STR_ADDRESS);
            reuse = same_str(rec_str(prev, (size_t)j, STR_NAME), src[0]) &&
                    same_str(paddr ? paddr : "", src[1]) &&
                    same_str(rec_str(prev, (size_t)j, STR_PARTNER), src[2]);
        }
        if (h.len > UINT32_MAX - 3 * 65536) /* ~4 GiB of texts: tens of millions of stations */
            goto none;
        s->row[i].hant_at = (uint32_t)h.len;
        for (int k = 0; k < 3; k++) {
            if (!src[k])
                continue;
            yz_buf_reset(&t);
            if (reuse) {
                text_lang_append(prev, (size_t)j, k, YZ_LANG_HANT, &t);
            } else {
                int err = norm ? yz_textnorm_to_hant(norm, src[k], &t)
                               : yz_hantconv_append(hc, src[k], &t);
                if (err != YZ_OK)
                    goto none; /* no s2t.json: answers in zh-Hant keep the stored texts */
            }
            const char *conv = t.data ? t.data : "";
            if (strcmp(conv, src[k]) == 0)
                continue;
            s->row[i].hant_diff |= (uint8_t)(1u << k);
            yz__hant_encode(&s->hmap, src[k], conv, &h);
        }
    }
    yz_buf_fini(&t);
    size_t used = h.len;
    s->hant = (unsigned char *)yz_buf_take(&h);
    /* The buffer grew by doubling: give back the tail (up to half of it at 1M stations). */
    s->hant = s->hant ? yz_realloc(s->hant, used + 1) : yz_calloc(1, 1);
    atomic_store_explicit(&s->hant_state, HANT_READY, memory_order_release);
    return true;
none:
    for (size_t i = 0; i < s->n; i++)
        s->row[i].hant_diff = 0;
    yz_buf_fini(&h);
    yz_buf_fini(&t);
    yz__hantmap_fini(&s->hmap);
    atomic_store_explicit(&s->hant_state, HANT_NONE, memory_order_release);
    return true;
}

/* The background conversion of a large snapshot built without a previous one (a server's
 * start, a full reload): the snapshot answers meanwhile (put_text). */
static void *hant_main(void *arg)
{
    yz_snap *s = arg;
    while (atomic_load(&yz__snap_hant_hold) && !atomic_load(&s->hant_stop)) {
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
    }
    if (build_hant(s, NULL, s->hconv, NULL, &s->hant_stop)) {
        yz_hantconv_retire(s->hconv); /* answers now copy the texts: give back its memory */
        /* The conversion's scratch and the converters' dictionaries were freed into this
         * thread's malloc arena, which nobody allocates from once it ends: give it back. */
        malloc_trim(0);
    }
    return NULL;
}

/* The text index of a large snapshot built without a previous one, after the build returned
 * (searches wait for it, text_of): nearby answers do not need it. */
static void *text_main(void *arg)
{
    yz_snap *s = arg;
    while (atomic_load(&yz__snap_text_hold) && !atomic_load(&s->text_stop)) {
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
    }
    yz_textindex *t = NULL;
    yz_errinfo ei;
    if (!atomic_load(&s->text_stop) &&
        yz_textindex_build(s->text_norm, s->text_docs, s->n, &t, &ei) != YZ_OK)
        t = NULL; /* the texts were checked before (UTF-8): only past 4 GiB of them */
    yz_free(s->text_docs);
    s->text_docs = NULL;
    yz_textnorm_free(s->text_norm);
    s->text_norm = NULL;
    pthread_mutex_lock(&s->text_mu);
    s->text = t;
    atomic_store_explicit(&s->text_ready, true, memory_order_release);
    pthread_cond_broadcast(&s->text_cv);
    pthread_mutex_unlock(&s->text_mu);
    malloc_trim(0); /* the build's sort buffers, freed into this thread's arena */
    return NULL;
}

/* Whether every name and address is UTF-8, as the text index needs: a deferred build cannot
 * fail the snapshot, so one that would is not deferred. */
static bool docs_valid(const yz_textdoc *docs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((docs[i].name && !yz_utf8_valid(docs[i].name, strlen(docs[i].name))) ||
            !yz_utf8_valid(docs[i].address, strlen(docs[i].address)))
            return false;
    return true;
}

static void *side_build(void *arg)
{
    side_job *j = arg;
    yz_snap *s = j->s;
    if (j->docs)
        j->err = yz_textindex_build(j->norm, j->docs, s->n, &j->text, &j->ei);
    for (size_t i = 0; i < s->n; i++) {
        s->gcj[i] = yz_coord_wgs84_to_gcj02((yz_point){s->rec[i].lat, s->rec[i].lon});
    }
    return NULL;
}

void yz_snap_input_free(yz_snap_input *in)
{
    yz_station_array_free(in->stations, in->n_stations);
    yz_snap_loader_free(in->loader);
    for (size_t i = 0; i < in->n_facilities; i++)
        yz_facility_fini(&in->facilities[i]);
    yz_free(in->facilities);
    for (size_t i = 0; i < in->n_districts; i++)
        yz_district_fini(&in->districts[i]);
    yz_free(in->districts);
    yz_free(in->holidays);
    memset(in, 0, sizeof *in);
}

/* The code of the first station (by id) of tuple g: what an error about the tuple names. */
static const char *first_code_of_grp(const yz_snap *s, size_t g)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->rec[i].grp == g)
            return rec_str(s, i, STR_CODE);
    return NULL;
}

int yz_snap_build(yz_snap_input *in, yz_textnorm *norm, yz_snap **out, yz_errinfo *ei)
{
    const yz_snap *prev = in->prev;
    yz_snap_loader *l = in->loader;
    yz_station *st_in = in->stations;
    size_t n_in = in->n_stations;
    yz_snap_input meta = *in;
    memset(in, 0, sizeof *in);
    if (!l) {
        /* Stations given as an array: sorted by id (as a rule already), then loaded. qsort
         * with NULL and 0 is undefined. */
        size_t in_order = 1;
        while (in_order < n_in && st_in[in_order - 1].id < st_in[in_order].id)
            in_order++;
        if (in_order < n_in)
            qsort(st_in, n_in, sizeof *st_in, cmp_station_id);
        l = yz_snap_loader_new(n_in);
        for (size_t i = 0; i < n_in; i++)
            yz_snap_loader_add(l, &st_in[i]);
        yz_station_array_free(st_in, n_in);
    } else {
        yz_station_array_free(st_in, n_in); /* none, by the contract */
    }
    yz_snap *s = NULL;
    int err = loader_finish(l, &s, ei);
    if (err) {
        meta.stations = NULL; /* freed above */
        meta.n_stations = 0;
        meta.loader = NULL; /* freed by loader_finish */
        yz_snap_input_free(&meta);
        return err;
    }
    s->fac = meta.facilities;
    s->n_fac = meta.n_facilities;
    s->dist = meta.districts;
    s->n_dist = meta.n_districts;
    s->hol = meta.holidays;
    s->n_hol = meta.n_holidays;
    s->holidays.days = s->hol;
    s->holidays.n = s->n_hol;
    pthread_mutex_init(&s->text_mu, NULL);
    pthread_cond_init(&s->text_cv, NULL);
    s->text_sync_on = true;

    uint32_t *table = NULL;
    yz_index_item *items = NULL;
    yz_index_sched *isched = NULL;
    uint32_t *ix_station = NULL; /* index item -> station position, during the build */
    yz_textdoc *docs = NULL;
    yz_buf b;
    yz_buf_init(&b);

    docs = calloc_huge(s->n + 1, sizeof *docs);
    for (size_t i = 0; i < s->n; i++) {
        const char *addr = rec_str(s, i, STR_ADDRESS);
        docs[i] = (yz_textdoc){rec_str(s, i, STR_NAME), addr ? addr : ""};
    }
    s->gcj = calloc_huge(s->n + 1, sizeof *s->gcj);
    /* The text index: after the build returns when it is a server's start (or a reload of
     * every station), as the traditional texts are; else on the side thread, beside the rest. */
    bool prev_ready = prev && hant_state(prev) == HANT_READY;
    if (s->n >= yz__snap_text_async_min && !prev_ready && docs_valid(docs, s->n)) {
        yz_errinfo nei;
        if (yz_textnorm_new(&s->text_norm, &nei) == YZ_OK) {
            s->text_docs = docs;
            docs = NULL;
        }
    }
    side_job tj = {s, norm, docs, NULL, {0}, 0};
    pthread_t side_thread;
    int threaded = pthread_create(&side_thread, NULL, side_build, &tj) == 0;
    if (!threaded)
        side_build(&tj);
    s->codes = calloc_huge(s->n + 1, sizeof *s->codes);

    /* Schedules: one compiled yz_hours per distinct (hours, offset), and the district's
     * position, per (district, hours, zone) tuple: a few thousand at a million stations. The
     * tuples are numbered by first use in id order, so a failure names the first station
     * (by id) that has it, as a station-by-station pass would. */
    size_t table_cap = 64;
    while (table_cap < 2 * s->n_grp + 2)
        table_cap *= 2;
    table = yz_malloc(table_cap * sizeof *table);
    memset(table, 0xff, table_cap * sizeof *table);
    for (size_t g = 0; g < s->n_grp; g++) {
        struct grp *gr = &s->grp[g];
        int offset;
        const char *tz = gr->tz ? gr->tz : YZ_DEFAULT_TZ;
        if (yz_tz_offset(tz, &offset)) {
            const char *code = first_code_of_grp(s, g);
            err = yz_err_setf(ei, YZ_EINVAL, "tz", "驿站 %s：不支持的时区 %s", "station %s: unsupported time zone %s", code, tz);
            goto fail;
        }
        err = intern_sched(s, table, table_cap, gr->opening_hours ? gr->opening_hours : "24/7",
                           offset, &gr->sched, ei);
        if (err) {
            const char *code = first_code_of_grp(s, g);
            char zh[sizeof ei->msg], en[sizeof ei->msg_en];
            snprintf(zh, sizeof zh, "%s", ei ? ei->msg : "");
            snprintf(en, sizeof en, "%s", ei ? ei->msg_en : "");
            yz_err_setf(ei, err, "opening_hours", "驿站 %s：%s%.0s", "station %s: %.0s%s",
                        code, zh, en);
            goto fail;
        }
        gr->district = (int32_t)yz_snap_find_district(s, gr->district_code);
        /* A store's scan gives no name (it skips the join): the district list's, which the
         * answers render anyway (docs/internals/catalog.md, "The start"). */
        if (!gr->district_name && gr->district >= 0)
            gr->district_name = s->dist[gr->district].name;
    }
    for (size_t i = 0; i < s->n; i++)
        s->codes[i] = (uint32_t)i;
    /* Positions by code and by code key, sorted with the keys at hand, which are then
     * dropped (validation keeps codes to 32 ASCII bytes). */
    s->codes_loose = calloc_huge(s->n + 1, sizeof *s->codes_loose);
    {
        code_ref *refs = calloc_huge(s->n + 1, sizeof *refs);
        size_t keys_bytes = s->n * (YZ_CODE_KEY_MAX + 1) + 1;
        char *keys = yz_advise_huge(yz_malloc(keys_bytes), keys_bytes), *k = keys;
        for (size_t i = 0; i < s->n; i++)
            refs[i] = (code_ref){rec_str(s, i, STR_CODE), (uint32_t)i};
        if (s->n > 1)
            qsort(refs, s->n, sizeof *refs, cmp_code);
        for (size_t i = 0; i < s->n; i++)
            s->codes[i] = refs[i].pos;
        for (size_t i = 0; i < s->n; i++) {
            size_t len = code_key(rec_str(s, i, STR_CODE), k);
            refs[i] = (code_ref){k, (uint32_t)i};
            k += len + 1;
        }
        if (s->n > 1)
            qsort(refs, s->n, sizeof *refs, cmp_code);
        for (size_t i = 0; i < s->n; i++)
            s->codes_loose[i] = refs[i].pos;
        /* Codes written as riders type them (upper case, no '-') sort the same both ways:
         * then one array serves both (4 bytes a station). */
        if (s->n > 0 && memcmp(s->codes, s->codes_loose, s->n * sizeof *s->codes) == 0) {
            yz_free(s->codes_loose);
            s->codes_loose = s->codes;
        }
        yz_free(keys);
        yz_free(refs);
    }

    /* Stations per district, for district-filtered searches. */
    s->dist_first = yz_calloc(s->n_dist + 2, sizeof *s->dist_first);
    s->dist_members = calloc_huge(s->n + 1, sizeof *s->dist_members);
    for (size_t i = 0; i < s->n; i++)
        if (grp_of(s, i)->district >= 0)
            s->dist_first[grp_of(s, i)->district + 1]++;
    for (size_t d = 0; d < s->n_dist; d++)
        s->dist_first[d + 1] += s->dist_first[d];
    {
        size_t *fill = yz_calloc(s->n_dist + 1, sizeof *fill);
        for (size_t i = 0; i < s->n; i++) {
            int32_t d = grp_of(s, i)->district;
            if (d >= 0)
                s->dist_members[s->dist_first[d] + fill[d]++] = (uint32_t)i;
        }
        yz_free(fill);
    }

    /* The spatial index over stations in service. */
    isched = yz_calloc(s->n_sch + 1, sizeof *isched);
    for (size_t k = 0; k < s->n_sch; k++)
        yz_hours_week_bits(s->sch[k].hours, s->sch[k].offset, isched[k].sure, isched[k].maybe);
    items = calloc_huge(s->n + 1, sizeof *items);
    ix_station = calloc_huge(s->n + 1, sizeof *ix_station);
    size_t n_items = 0;
    for (size_t i = 0; i < s->n; i++) {
        const struct rec *r = &s->rec[i];
        if (!rec_in_service(s, i))
            continue;
        items[n_items] = (yz_index_item){
            .lat = r->lat,
            .lon = r->lon,
            .fac = r->facilities,
            .sched = grp_of(s, i)->sched,
            .tier = (uint8_t)REC_SMALL(s, i, tier),
            .flags = rec_status(s, i) == YZ_STATUS_CLOSED_TEMP ? YZ_INDEX_SPECIAL : 0,
        };
        ix_station[n_items++] = (uint32_t)i;
    }
    /* The index calls its items by their station positions: no item -> station array. */
    err = yz_index_build_ids(items, ix_station, n_items, isched, s->n_sch, &s->ix);
    if (err) {
        yz_err_set(ei, err, "lat", "坐标无效", "invalid position");
        goto fail;
    }

    build_shared(s);

    if (threaded)
        pthread_join(side_thread, NULL);
    threaded = 0;
    s->text = tj.text;
    if (!s->text_docs)
        atomic_store_explicit(&s->text_ready, true, memory_order_release);
    if (tj.err) {
        err = tj.err;
        if (ei)
            *ei = tj.ei;
        goto fail;
    }
    build_words(s, norm); /* after the side job: it used `norm` */
    /* The traditional texts: with the build when a previous snapshot lends most of them (a
     * compaction, a delta) or there are few; else converted on a thread of their own after
     * the snapshot is returned, and answers convert what they need until then. */
    if (s->n >= yz__snap_hant_async_min && !prev_ready) {
        s->hconv = yz_hantconv_new();
        atomic_store_explicit(&s->hant_state, HANT_PENDING, memory_order_relaxed);
        s->hant_thread_on = pthread_create(&s->hant_thread, NULL, hant_main, s) == 0;
        if (!s->hant_thread_on)
            build_hant(s, norm, NULL, NULL, NULL);
    } else {
        build_hant(s, norm, NULL, prev, NULL);
    }

    yz_free(table);
    yz_free(items);
    yz_free(ix_station);
    yz_free(isched);
    yz_free(docs);
    yz_buf_fini(&b);
    /* A large build leaves tens of MB of freed scratch (the text index's sort buffers, the
     * records' former strings) in malloc's arenas: give it back. */
    if (s->n >= 16384)
        malloc_trim(0);
    if (s->text_docs) {
        s->text_thread_on = pthread_create(&s->text_thread, NULL, text_main, s) == 0;
        if (!s->text_thread_on)
            text_main(s);
    }
    *out = s;
    return YZ_OK;
fail:
    if (threaded)
        pthread_join(side_thread, NULL);
    if (s->text != tj.text)
        yz_textindex_free(tj.text);
    yz_free(table);
    yz_free(items);
    yz_free(ix_station);
    yz_free(isched);
    yz_free(docs);
    yz_buf_fini(&b);
    yz_snap_free(s);
    return err;
}

void yz_snap_free(yz_snap *s)
{
    if (!s)
        return;
    /* First: the conversion and text index threads read the records and their strings. */
    if (s->hant_thread_on) {
        atomic_store(&s->hant_stop, true);
        pthread_join(s->hant_thread, NULL);
    }
    if (s->text_thread_on) {
        atomic_store(&s->text_stop, true);
        pthread_join(s->text_thread, NULL);
    }
    yz_free(s->text_docs); /* a build that failed before starting the thread */
    yz_textnorm_free(s->text_norm);
    if (s->text_sync_on) {
        pthread_mutex_destroy(&s->text_mu);
        pthread_cond_destroy(&s->text_cv);
    }
    yz_free(s->rec);
    yz_free(s->grp);
    yz_free(s->wide);
    for (size_t b = 0; s->dec && b <= s->n / DEC_BLOCK; b++)
        yz_free(atomic_load_explicit(&s->dec[b], memory_order_relaxed));
    yz_free(s->dec);
    yz_free(s->strs);
    for (size_t i = 0; i < s->n_shared; i++)
        yz_free(s->shared[i]);
    yz_free(s->shared);
    for (size_t i = 0; i < s->n_fac; i++)
        yz_facility_fini(&s->fac[i]);
    yz_free(s->fac);
    for (size_t i = 0; i < s->n_dist; i++)
        yz_district_fini(&s->dist[i]);
    yz_free(s->dist);
    yz_free(s->hol);
    for (size_t i = 0; i < s->n_sch; i++) {
        yz_free(s->sch[i].src);
        yz_hours_free(s->sch[i].hours);
    }
    yz_free(s->sch);
    yz_free(s->gcj);
    yz_free(s->facl);
    yz_free(s->facl_off);
    yz_free(s->row);
    for (int l = 0; l < 2; l++) {
        yz_free(s->dist_json[l]);
        yz_free(s->dist_json_off[l]);
    }
    if (s->codes_loose != s->codes)
        yz_free(s->codes_loose);
    yz_free(s->codes);
    yz_hantconv_free(s->hconv);
    yz_free(s->hant);
    yz__hantmap_fini(&s->hmap);
    for (size_t i = 0; i < s->n_words; i++)
        yz_free(s->words[i].norm);
    yz_free(s->words);
    yz_index_free(s->ix);
    yz_free(s->dist_members);
    yz_free(s->dist_first);
    yz_textindex_free(s->text);
    yz_free(s);
}

/* --- accessors --------------------------------------------------------------------- */

void yz_snap_hant_wait(const yz_snap *s)
{
    while (hant_state(s) == HANT_PENDING) {
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
    }
}

size_t yz_snap_count(const yz_snap *s)
{
    return s->n;
}

const yz_station *yz_snap_station(const yz_snap *s, size_t i)
{
    assert(i < s->n);
    _Atomic(yz_station *) *slot = &((yz_snap *)s)->dec[i / DEC_BLOCK];
    yz_station *blk = atomic_load_explicit(slot, memory_order_acquire);
    if (!blk) { /* first use of this block: decode it, publish it; a racing reader's wins */
        size_t lo = i / DEC_BLOCK * DEC_BLOCK, m = s->n - lo < DEC_BLOCK ? s->n - lo : DEC_BLOCK;
        yz_station *mine = yz_calloc(m, sizeof *mine);
        for (size_t k = 0; k < m; k++)
            rec_decode(s, lo + k, &mine[k]);
        yz_station *none = NULL;
        if (atomic_compare_exchange_strong_explicit(slot, &none, mine, memory_order_acq_rel,
                                                    memory_order_acquire)) {
            blk = mine;
        } else {
            yz_free(mine);
            blk = none;
        }
    }
    return &blk[i % DEC_BLOCK];
}

const yz_station *yz_snap_station_get(const yz_snap *s, size_t i, yz_station *buf)
{
    assert(i < s->n);
    rec_decode(s, i, buf);
    return buf;
}

int64_t yz_snap_station_id(const yz_snap *s, size_t i)
{
    return s->rec[i].id;
}

const char *yz_snap_station_code(const yz_snap *s, size_t i)
{
    return rec_str(s, i, STR_CODE);
}

const char *yz_snap_station_name(const yz_snap *s, size_t i)
{
    return rec_str(s, i, STR_NAME);
}

int yz_snap_station_status(const yz_snap *s, size_t i)
{
    return rec_status(s, i);
}

const char *yz_snap_station_district_code(const yz_snap *s, size_t i)
{
    return s->grp[s->rec[i].grp].district_code;
}

int64_t yz_snap_station_version(const yz_snap *s, size_t i)
{
    return s->rec[i].flags & REC_WIDE ? wide_of(s, i)->version : s->rec[i].version;
}

long yz_snap_find_id(const yz_snap *s, int64_t id)
{
    size_t lo = 0, hi = s->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->rec[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < s->n && s->rec[lo].id == id ? (long)lo : -1;
}

long yz_snap_find_code(const yz_snap *s, const char *code)
{
    size_t lo = 0, hi = s->n;
    while (code && lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(rec_str(s, s->codes[mid], STR_CODE), code);
        if (c == 0)
            return (long)s->codes[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return yz_snap_find_code_loose(s, code);
}

/* The key of the code of the station at loose position j. */
static const char *loose_key(const yz_snap *s, size_t j, char buf[YZ_CODE_KEY_MAX + 1])
{
    code_key(rec_str(s, s->codes_loose[j], STR_CODE), buf);
    return buf;
}

long yz_snap_find_code_loose(const yz_snap *s, const char *text)
{
    char k[YZ_CODE_KEY_MAX + 1], m[YZ_CODE_KEY_MAX + 1];
    if (!text || !code_key(text, k))
        return -1;
    size_t lo = 0, hi = s->n;
    while (lo < hi) { /* the first key >= k */
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(loose_key(s, mid, m), k) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == s->n || strcmp(loose_key(s, lo, m), k) != 0)
        return -1;
    if (lo + 1 < s->n && strcmp(loose_key(s, lo + 1, m), k) == 0)
        return -1; /* WZ-01 and WZ01: ambiguous, the exact code is needed */
    return (long)s->codes_loose[lo];
}

size_t yz__base_find_code_loose_all(const yz_snap *s, const char *text, uint32_t *pos,
                                    size_t max)
{
    char k[YZ_CODE_KEY_MAX + 1], m[YZ_CODE_KEY_MAX + 1];
    if (!text || !code_key(text, k))
        return 0;
    size_t lo = 0, hi = s->n;
    while (lo < hi) { /* the first key >= k */
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(loose_key(s, mid, m), k) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    size_t n = 0;
    for (; lo < s->n && strcmp(loose_key(s, lo, m), k) == 0; lo++, n++)
        if (n < max)
            pos[n] = s->codes_loose[lo];
    return n;
}

yz_station *yz_snap_copy_stations(const yz_snap *s, size_t *n)
{
    yz_station *a = yz_calloc(s->n + 1, sizeof *a);
    for (size_t i = 0; i < s->n; i++) {
        yz_station st;
        rec_decode(s, i, &st);
        yz_station_copy(&a[i], &st);
    }
    *n = s->n;
    return a;
}

size_t yz_snap_facility_count(const yz_snap *s)
{
    return s->n_fac;
}

const yz_facility *yz_snap_facility(const yz_snap *s, size_t i)
{
    return &s->fac[i];
}

int yz_snap_facility_bit(const yz_snap *s, const char *code)
{
    for (size_t i = 0; i < s->n_fac; i++)
        if (strcmp(s->fac[i].code, code) == 0)
            return s->fac[i].bit;
    return -1;
}

size_t yz_snap_district_count(const yz_snap *s)
{
    return s->n_dist;
}

const yz_district *yz_snap_district(const yz_snap *s, size_t i)
{
    return &s->dist[i];
}

long yz_snap_find_district(const yz_snap *s, const char *code)
{
    if (!code)
        return -1;
    size_t lo = 0, hi = s->n_dist;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(s->dist[mid].code, code);
        if (c == 0)
            return (long)mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

const int32_t *yz_snap_holidays(const yz_snap *s, size_t *n)
{
    *n = s->n_hol;
    return s->hol;
}

int yz_snap_tz_offset(const yz_snap *s, size_t i)
{
    return s->sch[grp_of(s, i)->sched].offset;
}

const struct yz_hours *yz_snap_hours(const yz_snap *s, size_t i)
{
    return s->sch[grp_of(s, i)->sched].hours;
}

bool yz_snap_is_open(const yz_snap *s, size_t i, int64_t t)
{
    int status = rec_status(s, i);
    int64_t until = rec_closed_until(s, i);
    if (status == YZ_STATUS_CLOSED_TEMP) {
        if (!until || t < until)
            return false;
    } else if (status != YZ_STATUS_OPEN) {
        return false;
    }
    const sched *k = &s->sch[grp_of(s, i)->sched];
    return yz_hours_is_open(k->hours, t, k->offset, &s->holidays);
}

int yz_snap_next_change(const yz_snap *s, size_t i, int64_t t, int64_t *next)
{
    int status = rec_status(s, i);
    int64_t until = rec_closed_until(s, i);
    const sched *k = &s->sch[grp_of(s, i)->sched];
    if (status == YZ_STATUS_CLOSED_TEMP && (!until || t < until)) {
        if (!until)
            return YZ_ENOTFOUND;
        /* Closed until `until`; then it follows its hours. */
        if (yz_hours_is_open(k->hours, until, k->offset, &s->holidays)) {
            *next = until;
            return YZ_OK;
        }
        return yz_hours_next_change(k->hours, until, k->offset, &s->holidays, next);
    }
    if (!rec_in_service(s, i))
        return YZ_ENOTFOUND;
    return yz_hours_next_change(k->hours, t, k->offset, &s->holidays, next);
}

size_t yz_snap_index_bytes(const yz_snap *s)
{
    return yz_index_memory(s->ix);
}

size_t yz_snap_text_bytes(const yz_snap *s)
{
    const yz_textindex *t = text_of(s);
    return t ? yz_textindex_bytes(t) : 0;
}

/* Heap bytes of block p: what malloc gives plus its 8-byte header (glibc). */
static size_t heap(const void *p)
{
    return p ? malloc_usable_size((void *)p) + sizeof(size_t) : 0;
}

size_t yz_snap_memory(const yz_snap *s, yz_snap_mem_part *parts)
{
    size_t n = 0;
#define PART(label, expr) (parts[n++] = (yz_snap_mem_part){label, (expr)})
    size_t strs = heap(s->strs) + heap(s->shared);
    for (size_t i = 0; i < s->n_shared; i++)
        strs += heap(s->shared[i]);
    size_t dec = heap(s->dec);
    for (size_t b = 0; s->dec && b <= s->n / DEC_BLOCK; b++)
        dec += heap(atomic_load_explicit(&s->dec[b], memory_order_relaxed));
    PART("station records (compact, 64 B)", heap(s->rec) + heap(s->grp) + heap(s->wide));
    PART("station records decoded (yz_snap_station)", dec);
    PART("station record strings", strs);
    size_t sch = heap(s->sch);
    for (size_t k = 0; k < s->n_sch; k++)
        sch += heap(s->sch[k].src) + heap(s->sch[k].hours);
    PART("opening hours (compiled, per station)", sch);
    PART("codes (exact and loose)",
         heap(s->codes) + (s->codes_loose != s->codes ? heap(s->codes_loose) : 0));
    PART("districts (per station, members)",
         heap(s->dist_members) + heap(s->dist_first));
    PART("spatial index", yz_index_memory(s->ix));
    PART("text index", yz_snap_text_bytes(s));
    PART("GCJ-02 positions", heap(s->gcj));
    PART("fragment parts (rows, districts, facility lists)",
         heap(s->facl) + heap(s->facl_off) + heap(s->row) + heap(s->dist_json[0]) +
             heap(s->dist_json[1]) + heap(s->dist_json_off[0]) + heap(s->dist_json_off[1]));
    PART("texts zh-Hant (where they differ)",
         hant_state(s) == HANT_READY ? heap(s->hant) + yz__hantmap_bytes(&s->hmap) : 0);
    size_t words = heap(s->words);
    for (size_t i = 0; i < s->n_words; i++)
        words += heap(s->words[i].norm);
    PART("facility words", words);
#undef PART
    return n;
}

yz_point yz_snap_position(const yz_snap *s, size_t i, int crs)
{
    if (crs == YZ_CRS_GCJ02)
        return s->gcj[i];
    if (crs == YZ_CRS_BD09)
        return yz_coord_gcj02_to_bd09(s->gcj[i]); /* cheap; only bd09 answers ask */
    return (yz_point){s->rec[i].lat, s->rec[i].lon};
}

void yz_snap_fragment_append(const yz_snap *s, size_t i, int lang, yz_buf *b)
{
    render_member(s, i, YZ_FM_ID, lang, b);
    for (int m = YZ_FM_ID + 1; m < YZ_FM__COUNT; m++) {
        if (m == YZ_FM_PARTNER_NAME && !(s->rec[i].has & (1u << STR_PARTNER)))
            continue;
        yz_buf_putc(b, ',');
        render_member(s, i, m, lang, b);
    }
}

void yz_snap_prefetch(const yz_snap *s, const uint32_t *pos, size_t stride, size_t n, int lang)
{
#define AT(j) (*(const uint32_t *)((const char *)pos + (j) * stride))
    for (size_t j = 0; j < n; j++) {
        __builtin_prefetch(&s->rec[AT(j)]);
        __builtin_prefetch(&s->row[AT(j)]);
        __builtin_prefetch(&s->gcj[AT(j)]);
    }
    for (size_t j = 0; j < n; j++) {
        __builtin_prefetch(s->strs + s->rec[AT(j)].str); /* code, name and most addresses */
        __builtin_prefetch(s->strs + s->rec[AT(j)].str + 64);
        if (lang == YZ_LANG_HANT && hant_state(s) == HANT_READY && s->row[AT(j)].hant_diff)
            __builtin_prefetch(s->hant + s->row[AT(j)].hant_at);
    }
#undef AT
}

bool yz_snap_fragment_member_append(const yz_snap *s, size_t i, int member, int lang,
                                    yz_buf *b)
{
    return render_member(s, i, member, lang, b);
}

void yz_snap_name_lang_append(const yz_snap *s, size_t i, int lang, yz_buf *b)
{
    if (lang == YZ_LANG_HANT)
        yz_snap_hant_wait(s);
    text_lang_append(s, i, 0, lang, b);
}

void yz_snap_nav_text(const yz_snap *s, size_t i, yz_nav_text *out, char *scratch)
{
    static const char hex[] = "0123456789ABCDEF";
    char *p = scratch;
    out->lat6 = p;
    out->lat_len = yz_fmt_fixed(p, s->gcj[i].lat, YZ_NAV_DECIMALS);
    p += out->lat_len + 1;
    out->lon6 = p;
    out->lon_len = yz_fmt_fixed(p, s->gcj[i].lon, YZ_NAV_DECIMALS);
    p += out->lon_len + 1;
    /* Percent-encoded as yz_buf_url_encode does; a name past 1024 bytes (validation stops
     * at 200) is cut rather than overrun the scratch. */
    out->name_url = p;
    const char *end = scratch + YZ_SNAP_NAV_SCRATCH - 4;
    /* RFC 3986's unreserved bytes as a bitmap (one test a byte instead of seven compares;
     * names are mostly CJK, every byte escaped): '-' '.' '0'-'9', then 'A'-'Z' '_' 'a'-'z' '~'. */
    static const uint64_t unreserved[2] = {
        UINT64_C(3) << 45 | UINT64_C(0x3ff) << 48,
        UINT64_C(0x3ffffff) << 1 | UINT64_C(1) << 31 | UINT64_C(0x3ffffff) << 33 | UINT64_C(1) << 62};
    for (const unsigned char *c = (const unsigned char *)rec_str(s, i, STR_NAME); *c && p < end;
         c++) {
        if (*c < 128 && (unreserved[*c >> 6] >> (*c & 63) & 1)) {
            *p++ = (char)*c;
        } else {
            *p++ = '%';
            *p++ = hex[*c >> 4];
            *p++ = hex[*c & 15];
        }
    }
    *p = '\0';
    out->name_len = (size_t)(p - out->name_url);
}

/* --- queries ----------------------------------------------------------------------- */

static bool open_cb(void *arg, uint32_t item, int64_t t)
{
    const yz_snap *s = arg;
    return yz_snap_is_open(s, item, t); /* items are station positions */
}

/* Insert (station, d) into the sorted top-k list `out` of *n entries. */
static void topk_insert(yz_nearby_hit *out, size_t *n, size_t k, uint32_t station, double d)
{
    size_t pos = *n;
    while (pos > 0 && (out[pos - 1].distance_m > d ||
                       (out[pos - 1].distance_m == d && out[pos - 1].station > station)))
        pos--;
    if (pos >= k)
        return;
    size_t end = *n < k ? *n : k - 1;
    memmove(&out[pos + 1], &out[pos], (end - pos) * sizeof *out);
    out[pos] = (yz_nearby_hit){station, d};
    if (*n < k)
        (*n)++;
}

int yz_snap_nearby(const yz_snap *s, const yz_nearby_query *q, yz_nearby_hit *out,
                   size_t *n_out)
{
    return yz__base_nearby_skip(s, q, NULL, NULL, NULL, out, n_out);
}

long yz__base_item_of(const yz_snap *s, uint32_t pos)
{
    /* The index calls its items by their station positions and holds those in service. */
    return pos < s->n && rec_in_service(s, pos) ? (long)pos : -1;
}

int yz__base_nearby_skip(const yz_snap *s, const yz_nearby_query *q, yz__base_skip_cb skip_item,
                         yz__base_skip_cb skip_pos, void *skip_arg, yz_nearby_hit *out,
                         size_t *n_out)
{
    *n_out = 0;
    if (yz_coord_check(q->at.lat, q->at.lon) || q->k < 1 || q->k > YZ_INDEX_MAX_K)
        return YZ_EINVAL;
    if (q->district < 0 && !q->keep) {
        yz_index_query iq = {
            .at = q->at,
            .k = q->k,
            .radius_m = q->radius_m,
            .need = q->need,
            .tier_mask = q->tier_mask,
            .open = q->open_now,
            .t = q->t,
            .open_at = open_cb,
            .arg = (void *)s,
            .skip = skip_item,
            .skip_arg = skip_arg,
        };
        yz_index_hit hits[YZ_INDEX_MAX_K];
        size_t n = 0;
        int err = yz_index_nearest(s->ix, &iq, hits, &n);
        if (err)
            return err;
        for (size_t i = 0; i < n; i++)
            out[i] = (yz_nearby_hit){hits[i].item, hits[i].distance_m};
        *n_out = n;
        return YZ_OK;
    }
    /* A district holds few stations: scan them. A keep filter (live=) scans every station
     * (or the district's): the index cannot prune on what it does not hold, and the callback
     * runs only on stations that pass the cheap checks first. */
    size_t n = 0;
    size_t lo = q->district >= 0 ? s->dist_first[q->district] : 0;
    size_t hi = q->district >= 0 ? s->dist_first[q->district + 1] : s->n;
    for (size_t j = lo; j < hi; j++) {
        uint32_t i = q->district >= 0 ? s->dist_members[j] : (uint32_t)j;
        const struct rec *st = &s->rec[i];
        if (!rec_in_service(s, i) || (st->facilities & q->need) != q->need)
            continue;
        if (skip_pos && skip_pos(skip_arg, i))
            continue;
        if (q->tier_mask && !(q->tier_mask & (1u << REC_SMALL(s, i, tier))))
            continue;
        double d = yz_coord_distance_m(q->at, (yz_point){st->lat, st->lon});
        if (q->radius_m > 0 && d > q->radius_m)
            continue;
        if (q->open_now && !yz_snap_is_open(s, i, q->t))
            continue;
        if (q->keep && !q->keep(q->keep_arg, i))
            continue;
        topk_insert(out, &n, q->k, i, d);
    }
    *n_out = n;
    return YZ_OK;
}

typedef yz__base_ranked ranked;

int yz__base_ranked_cmp(const void *a, const void *b)
{
    const ranked *x = a, *y = b;
    if (x->score != y->score)
        return x->score > y->score ? -1 : 1;
    if (x->dist != y->dist)
        return x->dist < y->dist ? -1 : 1;
    return (x->pos > y->pos) - (x->pos < y->pos);
}

static bool list_match(const yz_snap *s, const yz_list_query *q, size_t i)
{
    const struct rec *st = &s->rec[i];
    if (q->district >= 0 && s->row[i].district != q->district)
        return false;
    if (q->tier_mask && !(q->tier_mask & (1u << REC_SMALL(s, i, tier))))
        return false;
    if ((st->facilities & q->need) != q->need)
        return false;
    if (q->status >= 0 && rec_status(s, i) != q->status)
        return false;
    if (q->partner_mask && !(q->partner_mask & (1u << REC_SMALL(s, i, partner_kind))))
        return false;
    if (q->partner_name && *q->partner_name) {
        const char *pn = rec_str(s, i, STR_PARTNER);
        if (!pn || !strcasestr(pn, q->partner_name))
            return false;
    }
    if (q->batch_mask && !(q->batch_mask & (1u << (REC_SMALL(s, i, batch) + 1))))
        return false;
    if (q->livelihood && ((st->flags & REC_LIVELIHOOD) != 0) != (q->livelihood > 0))
        return false;
    if (q->not_on_maps && (REC_SMALL(s, i, online_maps) & q->not_on_maps))
        return false;
    return true;
}

int yz__base_list_ranked(const yz_snap *s, yz_textnorm *norm, const yz_list_query *q,
                         ranked **out, size_t *n_out, yz_errinfo *ei)
{
    /* Room for every station, but not zeroed: both arrays are written before they are read,
     * so only the pages a query's matches fill are touched. Zeroed (calloc), a search at 1M
     * wrote 24 MB it did not need, and the threads' malloc arenas kept it resident. */
    ranked *r = NULL;
    size_t nr = 0;
    *out = NULL;
    *n_out = 0;
    if (q->text && *q->text) {
        yz_texthit *hits = yz_malloc((s->n + 1) * sizeof *hits);
        size_t nh = 0, nt = 0;
        const yz_textindex *text = text_of(s);
        int err = text ? yz_textindex_search(text, norm, q->text, hits, s->n, &nh, &nt, ei)
                       : yz_err_set(ei, YZ_EINTERNAL, "q", "文本索引不可用",
                                    "the text index is unavailable");
        if (err) {
            yz_free(hits);
            return err;
        }
        r = yz_malloc((nh + 1) * sizeof *r);
        for (size_t j = 0; j < nh; j++)
            if (list_match(s, q, hits[j].doc))
                r[nr++] = (ranked){hits[j].doc, hits[j].score, 0};
        yz_free(hits);
    } else {
        r = yz_malloc((s->n + 1) * sizeof *r);
        for (size_t i = 0; i < s->n; i++)
            if (list_match(s, q, i))
                r[nr++] = (ranked){(uint32_t)i, 0, 0};
    }
    if (q->has_at)
        for (size_t j = 0; j < nr; j++)
            r[j].dist = yz_coord_distance_m(q->at, (yz_point){s->rec[r[j].pos].lat,
                                                              s->rec[r[j].pos].lon});
    qsort(r, nr, sizeof *r, yz__base_ranked_cmp);
    *out = r;
    *n_out = nr;
    return YZ_OK;
}

int yz_snap_list(const yz_snap *s, yz_textnorm *norm, const yz_list_query *q, uint32_t **out,
                 size_t *n_out, size_t *total, yz_errinfo *ei)
{
    ranked *r = NULL;
    size_t nr = 0;
    *out = NULL;
    *n_out = *total = 0;
    int err = yz__base_list_ranked(s, norm, q, &r, &nr, ei);
    if (err)
        return err;
    *total = nr;
    size_t from = q->offset < nr ? q->offset : nr;
    size_t cnt = nr - from < q->limit ? nr - from : q->limit;
    uint32_t *o = yz_calloc(cnt + 1, sizeof *o);
    for (size_t j = 0; j < cnt; j++)
        o[j] = r[from + j].pos;
    yz_free(r);
    *out = o;
    *n_out = cnt;
    return YZ_OK;
}

/* --- what a query says ------------------------------------------------------------------- */

/* The facility named by the normalised word w[0..len), or -1. */
static long find_word(const yz_snap *s, const char *w, size_t len)
{
    size_t lo = 0, hi = s->n_words;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const char *m = s->words[mid].norm;
        size_t ml = strlen(m);
        int c = memcmp(m, w, ml < len ? ml : len);
        if (c == 0)
            c = (ml > len) - (ml < len);
        if (c == 0)
            return (long)s->words[mid].fac;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

static void understood_word(const yz_snap *s, yz_understood *u, const char *w, size_t len,
                            long f)
{
    u->need |= UINT64_C(1) << s->fac[f].bit;
    for (size_t i = 0; i < u->n_words; i++)
        if (strcmp(u->words[i].facility, s->fac[f].code) == 0)
            return; /* 厕所 卫生间: one filter, said once */
    if (u->n_words == YZ_TEXT_QUERY_MAX_TERMS)
        return;
    yz_understood_word *uw = &u->words[u->n_words++];
    size_t n = len < sizeof uw->word ? len : sizeof uw->word - 1;
    while (n > 0 && n < len && ((unsigned char)w[n] & 0xC0) == 0x80)
        n--; /* whole characters only */
    memcpy(uw->word, w, n);
    uw->word[n] = '\0';
    uw->facility = s->fac[f].code;
}

static void keep_text(yz_understood *u, const char *w, size_t len)
{
    if (!len)
        return;
    if (u->text.len)
        yz_buf_putc(&u->text, ' ');
    yz_buf_append(&u->text, w, len);
}

/* One normalised term t[0..len) that is no facility word as a whole: a Chinese facility word
 * at its end or start (the longest) is a filter and the rest is text. Latin words are not
 * cut out of longer words ("toilets" is a word of its own; "wcx" is not "wc"). */
static void split_term(const yz_snap *s, yz_understood *u, const char *t, size_t len)
{
    for (size_t k = 1; k < len; k++) { /* suffix t[k..len): longest first */
        if (((unsigned char)t[k] & 0xC0) == 0x80)
            continue;
        long f = find_word(s, t + k, len - k);
        if (f >= 0 && (unsigned char)t[k] >= 0x80) {
            understood_word(s, u, t + k, len - k, f);
            keep_text(u, t, k);
            return;
        }
    }
    for (size_t k = len - 1; k > 0; k--) { /* prefix t[0..k): longest first */
        if (((unsigned char)t[k] & 0xC0) == 0x80)
            continue;
        long f = find_word(s, t, k);
        if (f >= 0 && (unsigned char)t[0] >= 0x80) {
            understood_word(s, u, t, k, f);
            keep_text(u, t + k, len - k);
            return;
        }
    }
    keep_text(u, t, len);
}

static long own_code(const void *arg, const char *text)
{
    return yz_snap_find_code_loose(arg, text);
}

int yz_snap_understand(const yz_snap *s, yz_textnorm *norm, const char *query, yz_understood *u,
                       yz_errinfo *ei)
{
    return yz__base_understand_with(s, norm, query, own_code, s, u, ei);
}

int yz__base_understand_with(const yz_snap *s, yz_textnorm *norm, const char *query,
                             long (*find_code)(const void *arg, const char *text),
                             const void *arg, yz_understood *u, yz_errinfo *ei)
{
    memset(u, 0, sizeof *u);
    yz_buf_init(&u->text);
    u->station = -1;
    size_t qlen = query ? strlen(query) : 0;
    if (qlen > YZ_TEXT_QUERY_MAX_BYTES)
        return yz_err_setf(ei, YZ_ETOOBIG, "q", "搜索词最长 %d 字节", "the query is longer than %d bytes",
                           YZ_TEXT_QUERY_MAX_BYTES);
    if (!yz_utf8_valid(query ? query : "", qlen))
        return yz_err_set(ei, YZ_EINVAL, "q", "搜索词不是有效的 UTF-8", "q is not valid UTF-8");
    if (!qlen)
        return YZ_OK;
    /* The terms, normalised, NUL-separated in `terms`; their starts in `at`. */
    yz_buf terms, whole;
    yz_buf_init(&terms);
    yz_buf_init(&whole);
    size_t at[YZ_TEXT_QUERY_MAX_TERMS + 1], nt = 0;
    int err = YZ_OK;
    char tmp[YZ_TEXT_QUERY_MAX_BYTES + 1];
    const unsigned char *p = (const unsigned char *)query, *end = p + qlen;
    while (p < end && !err) {
        const unsigned char *q = p, *start = p;
        uint32_t cp = yz_utf8_next(&q);
        if (yz_text_is_space(cp)) {
            p = q;
            continue;
        }
        const unsigned char *stop = q;
        while (stop < end) {
            const unsigned char *r = stop;
            if (yz_text_is_space(yz_utf8_next(&r)))
                break;
            stop = r;
        }
        p = stop;
        memcpy(tmp, start, (size_t)(stop - start));
        tmp[stop - start] = '\0';
        size_t before = terms.len;
        err = yz_textnorm_apply(norm, tmp, &terms);
        if (err) {
            yz_err_set(ei, YZ_EINVAL, "q", "搜索词不是有效的 UTF-8", "q is not valid UTF-8");
            break;
        }
        if (terms.len == before)
            continue; /* punctuation only */
        if (nt == YZ_TEXT_QUERY_MAX_TERMS) {
            err = yz_err_setf(ei, YZ_ETOOBIG, "q", "搜索词最多 %d 个", "the query has more than %d terms",
                              YZ_TEXT_QUERY_MAX_TERMS);
            break;
        }
        at[nt++] = before;
        yz_buf_putc(&terms, '\0');
    }
    if (err)
        goto out;
    at[nt] = terms.len;
    /* The whole query a station's code? */
    for (size_t i = 0; i < nt; i++)
        yz_buf_puts(&whole, terms.data + at[i]);
    if (nt && whole.len <= 64)
        u->station = find_code(arg, whole.data);
    for (size_t i = 0; i < nt && u->station < 0; i++) { /* a code is all it says */
        const char *t = terms.data + at[i];
        size_t len = at[i + 1] - at[i] - 1;
        long f = -1;
        if (i + 1 < nt) { /* two terms as one word: "hot water", "battery swap" */
            size_t len2 = at[i + 2] - at[i + 1] - 1;
            char two[2 * YZ_UNDERSTOOD_WORD_MAX];
            if (len + len2 < sizeof two) {
                memcpy(two, t, len);
                memcpy(two + len, terms.data + at[i + 1], len2);
                f = find_word(s, two, len + len2);
                if (f >= 0) {
                    understood_word(s, u, two, len + len2, f);
                    i++;
                    continue;
                }
            }
        }
        f = find_word(s, t, len);
        if (f >= 0)
            understood_word(s, u, t, len, f);
        else
            split_term(s, u, t, len);
    }
out:
    yz_buf_fini(&terms);
    yz_buf_fini(&whole);
    return err;
}

void yz_understood_fini(yz_understood *u)
{
    if (u)
        yz_buf_fini(&u->text);
}
