/* SPDX-License-Identifier: MIT */
/* catalog/catalog.h - the read path: an immutable snapshot of every station (records,
 * compiled opening hours, spatial index, text index, pre-rendered JSON)
 * (docs/internals/catalog.md). Publishing snapshots to readers is state/state.h's job.
 *
 * A snapshot never changes once built. Writers build a new one and publish it; readers
 * acquire the current one, use it, release it. All strings returned are borrowed from the
 * snapshot and valid until it is released. */
#ifndef YZ_CATALOG_H
#define YZ_CATALOG_H

#include "catalog/text.h"
#include "core/buf.h"
#include "core/err.h"
#include "geo/coord.h"
#include "geo/index.h"
#include "geo/nav.h"
#include "model/station.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct yz_snap yz_snap;

/* What a snapshot is built from. The build takes every array (and the records' strings):
 * on return, success or not, the caller must not use or free them. */
typedef struct yz_snap_loader yz_snap_loader;

typedef struct yz_snap_input {
    yz_station *stations;
    size_t n_stations;
    yz_snap_loader *loader; /* or the stations loaded one at a time (then `stations` NULL) */
    yz_facility *facilities;
    size_t n_facilities;
    yz_district *districts;
    size_t n_districts;
    int32_t *holidays; /* local dates, days since 1970-01-01, sorted */
    size_t n_holidays;
    const struct yz_snap *prev; /* borrowed, may be NULL: the snapshot this one replaces, whose
                                 * traditional texts are reused for unchanged stations */
} yz_snap_input;

/* Stations handed to a build one at a time, as a store reads them (a server's start): each is
 * copied straight into the snapshot's compact records, so the build needs no yz_station array
 * and no string of each (docs/internals/catalog.md, "The start"). _new takes the number of
 * stations expected (a hint: more or fewer may come); _reset forgets every station added and
 * takes a new hint; _add borrows `st` and its strings for the call only; stations come in
 * id order as a rule (any order is sorted by the build). A loader given to yz_snap_build in
 * yz_snap_input.loader is taken by it; _free accepts NULL. Not thread-safe. */
yz_snap_loader *yz_snap_loader_new(size_t n_hint);
void yz_snap_loader_reset(yz_snap_loader *l, size_t n_hint);
void yz_snap_loader_add(yz_snap_loader *l, const yz_station *st);
void yz_snap_loader_free(yz_snap_loader *l);

/* Frees what an input holds (stations, loader, lists) and zeroes it: for an input that is
 * not given to yz_snap_build (which takes it). */
void yz_snap_input_free(yz_snap_input *in);

/* Build a snapshot. `norm` is the caller's text normaliser (used during the build only).
 * Returns YZ_OK and an owned snapshot (yz_snap_free), or YZ_EINVAL when a station's hours or
 * time zone do not compile (ei names the station). Takes `in`'s arrays, see above. */
int yz_snap_build(yz_snap_input *in, yz_textnorm *norm, yz_snap **out, yz_errinfo *ei);
/* Accepts NULL. Not for a snapshot published in a yz_state (the state frees it). */
void yz_snap_free(yz_snap *s);
/* A snapshot of yz__snap_hant_async_min stations or more built without a ready previous one
 * (a server's start, a full reload) converts its traditional texts on a thread of its own
 * after the build returns; until they are ready, zh-Hant answers convert the texts they
 * write (the same bytes). yz_snap_hant_wait returns once they are ready (tests, benches;
 * not for the read path, which never waits). Both are internal: tests lower the threshold. */
extern size_t yz__snap_hant_async_min;
extern atomic_bool yz__snap_hant_hold; /* tests: while true, the conversion does not start */
void yz_snap_hant_wait(const yz_snap *s);
/* Such a snapshot (yz__snap_text_async_min stations or more, no ready previous one, every
 * name and address UTF-8) also builds its text index on a thread of its own after the build
 * returns: a text search that comes first waits for it; nothing else needs it. Internal, as
 * above (tests lower the threshold and hold the build). */
extern size_t yz__snap_text_async_min;
extern atomic_bool yz__snap_text_hold;

/* Records, by position 0..count-1 (ordered by id). A snapshot keeps them compact
 * (docs/internals/catalog.md, "Memory"), not as yz_station: a yz_station is decoded on demand.
 *
 * yz_snap_station_get decodes station i into `buf` (caller's storage) and returns it; its
 * strings are borrowed from the snapshot (valid until it is released): buf owns nothing,
 * never yz_station_fini it. The narrow accessors below decode nothing: callers that walk
 * every station (metrics, districts, exports) or answer many (nearby) use them.
 *
 * yz_snap_station returns a borrowed record valid until the snapshot is released: the
 * snapshot decodes the block of 64 stations holding i on first use and keeps it (~11 KB a
 * block). For single stations only: a walk over all of them with it would decode them all
 * (176 bytes a station, for the snapshot's life). Thread-safe. */
size_t yz_snap_count(const yz_snap *s);
const yz_station *yz_snap_station(const yz_snap *s, size_t i);
const yz_station *yz_snap_station_get(const yz_snap *s, size_t i, yz_station *buf);
int64_t yz_snap_station_id(const yz_snap *s, size_t i);
const char *yz_snap_station_code(const yz_snap *s, size_t i);
const char *yz_snap_station_name(const yz_snap *s, size_t i); /* as stored (zh-Hans) */
int yz_snap_station_status(const yz_snap *s, size_t i);      /* enum yz_status */
const char *yz_snap_station_district_code(const yz_snap *s, size_t i);
int64_t yz_snap_station_version(const yz_snap *s, size_t i);
/* Position of the station with this id / code, or -1. O(log n). A code is looked up as
 * given, then as yz_snap_find_code_loose does: riders type codes in any case. */
long yz_snap_find_id(const yz_snap *s, int64_t id);
long yz_snap_find_code(const yz_snap *s, const char *code);
/* Position of the one station whose code equals `text` when ASCII case, '-', '_' and spaces
 * are ignored ("wz 0138", "wz-ghds"), or -1 (also when two codes share that form, e.g. WZ-01
 * and WZ01: then only the exact code finds either). O(log n). */
long yz_snap_find_code_loose(const yz_snap *s, const char *text);
/* A copy of every station record (for the write path, which edits and rebuilds). Owned. */
yz_station *yz_snap_copy_stations(const yz_snap *s, size_t *n);

/* Facilities and districts. */
size_t yz_snap_facility_count(const yz_snap *s);
const yz_facility *yz_snap_facility(const yz_snap *s, size_t i);
/* Bit of facility `code`, or -1. */
int yz_snap_facility_bit(const yz_snap *s, const char *code);
size_t yz_snap_district_count(const yz_snap *s);
const yz_district *yz_snap_district(const yz_snap *s, size_t i);
/* Position of district `code`, or -1. */
long yz_snap_find_district(const yz_snap *s, const char *code);
/* The holiday list, for copying into a new snapshot. */
const int32_t *yz_snap_holidays(const yz_snap *s, size_t *n);

/* Whether station i is open at unix time t: its status (open, or closed_temp whose `until`
 * has passed) and its opening hours in its time zone, public holidays included. */
bool yz_snap_is_open(const yz_snap *s, size_t i, int64_t t);
/* The next instant after t when station i opens or closes (within 8 days), YZ_OK; or
 * YZ_ENOTFOUND when it does not change in that horizon (24/7, or closed for good). */
int yz_snap_next_change(const yz_snap *s, size_t i, int64_t t, int64_t *next);
/* UTC offset of station i's time zone, minutes. */
int yz_snap_tz_offset(const yz_snap *s, size_t i);
/* Opening hours of station i, compiled (NULL never: 24/7 when the record has none). */
const struct yz_hours *yz_snap_hours(const yz_snap *s, size_t i);

/* Bytes held by the spatial index and by the text index (for benchmarks and /metrics). */
size_t yz_snap_index_bytes(const yz_snap *s);
size_t yz_snap_text_bytes(const yz_snap *s);
/* Where a snapshot's bytes go (docs/internals/catalog.md, "Memory"): heap bytes of each
 * part, malloc's per-block overhead included, for benchmarks. */
typedef struct yz_snap_mem_part {
    const char *name; /* static */
    size_t bytes;
} yz_snap_mem_part;
enum { YZ_SNAP_MEM_PARTS_MAX = 24 };
/* Fills parts[0..n) (room for YZ_SNAP_MEM_PARTS_MAX) and returns n. */
size_t yz_snap_memory(const yz_snap *s, yz_snap_mem_part *parts);

/* Positions of station i in GCJ-02 and BD-09, computed once at build. */
yz_point yz_snap_position(const yz_snap *s, size_t i, int crs);

/* The language of the texts in an answer (lang=zh-Hant, docs/internals/text.md, "Answers in
 * traditional characters"): zh-Hans is the stored text; en shows it too. */
enum { YZ_LANG_HANS = 0, YZ_LANG_HANT = 1 };
/* Append the JSON members of station i that do not depend on the query to `b`:
 * "id","code","name","address","district":{...},"facilities":[...],"tier","status",
 * "partner_kind","partner_name" - without braces, ready to splice into an object - with its
 * name, address, district and partner name in `lang` (converted once at build with OpenCC
 * s2t; the stored text when s2t.json is missing). Rendered per call from the records and
 * parts shared by many stations (docs/internals/catalog.md, "Memory"). */
void yz_snap_fragment_append(const yz_snap *s, size_t i, int lang, yz_buf *b);
/* Ask the CPU for what writing the fragments of stations pos[0..n) in `lang` will read, so
 * that their cache misses overlap instead of coming one after another (a nearby answer's
 * rows are far apart in memory). Only a hint: it changes nothing. */
void yz_snap_prefetch(const yz_snap *s, const uint32_t *pos, size_t stride, size_t n, int lang);
/* Appends station i's name in `lang` to b, unescaped (zh-Hant texts are stored coded, so
 * there is no string to borrow). In zh-Hant it waits for texts converted after the build
 * (yz_snap_hant_wait): not for the read path, whose fragment functions never wait. */
void yz_snap_name_lang_append(const yz_snap *s, size_t i, int lang, yz_buf *b);
/* The members of a fragment, in their order. */
enum yz_fragment_member {
    YZ_FM_ID, YZ_FM_CODE, YZ_FM_NAME, YZ_FM_ADDRESS, YZ_FM_DISTRICT, YZ_FM_FACILITIES,
    YZ_FM_TIER, YZ_FM_STATUS, YZ_FM_PARTNER_KIND, YZ_FM_PARTNER_NAME, YZ_FM__COUNT
};
/* Append one member of station i's fragment in `lang`, `"name":value` without a separating
 * comma; false, appending nothing, when the station has no such member (partner_name is left
 * out when null). The fragment is these members joined by commas. */
bool yz_snap_fragment_member_append(const yz_snap *s, size_t i, int member, int lang,
                                    yz_buf *b);
/* The texts of station i's navigation links (its GCJ-02 latitude and longitude with
 * YZ_NAV_DECIMALS decimals, its name percent-encoded), written into `scratch` (room for
 * YZ_SNAP_NAV_SCRATCH bytes) that *out then points into. Rendered per call: names are at
 * most 200 bytes (validation), so they always fit. */
enum { YZ_SNAP_NAV_SCRATCH = 2 * 32 + 3 * 1024 + 1 };
void yz_snap_nav_text(const yz_snap *s, size_t i, yz_nav_text *out, char *scratch);

/* Nearest stations that are in service (status open or closed_temp). */
typedef struct yz_nearby_query {
    yz_point at;       /* WGS-84 */
    size_t k;          /* 1..100 */
    double radius_m;   /* 0 = no limit, else <= 50 km */
    uint64_t need;     /* required facility bits */
    uint8_t tier_mask; /* 0 = any */
    long district;     /* position of the district, or -1 for any */
    bool open_now;     /* only stations open at `t` */
    int64_t t;         /* unix seconds */
    /* Only stations for which keep(keep_arg, position) is true (NULL: all): a filter on what
     * the snapshot does not hold (live=charged). Called on the search's thread. */
    bool (*keep)(void *keep_arg, size_t station);
    void *keep_arg;
} yz_nearby_query;

typedef struct yz_nearby_hit {
    uint32_t station;  /* position in the snapshot */
    double distance_m;
} yz_nearby_hit;

/* Up to q->k hits, nearest first (ties by position). `out` has room for q->k. Borrows all.
 * Never allocates for queries without a district; YZ_EINVAL for a bad position or k. */
int yz_snap_nearby(const yz_snap *s, const yz_nearby_query *q, yz_nearby_hit *out,
                   size_t *n_out);

/* Listing and text search. */
typedef struct yz_list_query {
    const char *text;  /* NULL or "" = no text filter */
    long district;     /* -1 = any */
    uint8_t tier_mask; /* 0 = any */
    uint64_t need;
    int status;        /* -1 = any */
    uint32_t partner_mask;    /* bit 1 << enum yz_partner; 0 = any */
    const char *partner_name; /* substring of the partner's name (ASCII case folded); NULL any */
    uint32_t batch_mask;      /* bit 1 << (batch + 1): bit 0 = in no batch; 0 = any */
    int livelihood;           /* 0 = any (a zeroed query filters nothing), 1 = in the project,
                               * -1 = not in it */
    unsigned not_on_maps;     /* stations on none of these maps (yz_station.online_maps); 0 any */
    bool has_at;       /* rank equal text matches by distance from `at` */
    yz_point at;       /* WGS-84 */
    size_t offset, limit;
} yz_list_query;

/* What a rider's query says besides text to find (docs/internals/text.md, "What a query
 * says"): facility words (厕所, 換電, hot water) become facility filters, and a query that is
 * a station's code (WZ0138, "wz 0138") names that station. */
enum { YZ_UNDERSTOOD_WORD_MAX = 64 };
typedef struct yz_understood_word {
    char word[YZ_UNDERSTOOD_WORD_MAX]; /* the rider's word, normalised (廁所 gives 厕所) */
    const char *facility;              /* its facility's code, borrowed from the snapshot */
} yz_understood_word;

typedef struct yz_understood {
    yz_buf text;       /* the terms left to search for, normalised, space-separated; "" none */
    uint64_t need;     /* the facility bits the words named */
    long station;      /* position of the station whose code the whole query is, or -1 */
    size_t n_words;
    yz_understood_word words[YZ_TEXT_QUERY_MAX_TERMS];
} yz_understood;

/* Read `query` (UTF-8): a whole term, two adjacent terms together ("battery swap"), or the
 * start or end of a Chinese term ("鹿城厕所") that is a facility word becomes a filter; the
 * rest is kept for the text search. Fills *u (yz_understood_fini it, success or not).
 * Returns YZ_OK, YZ_EINVAL (field "q") when the query is not valid UTF-8, YZ_ETOOBIG (field
 * "q") past YZ_TEXT_QUERY_MAX_BYTES or _TERMS. A query of spaces only is YZ_OK with nothing
 * understood and no text. `norm` is the calling thread's normaliser. Borrows all. */
int yz_snap_understand(const yz_snap *s, yz_textnorm *norm, const char *query, yz_understood *u,
                       yz_errinfo *ei);
void yz_understood_fini(yz_understood *u);

/* Stations matching `q`: by text score (best first), then distance when q->has_at, then id;
 * without text, by distance when has_at, else by id. Writes up to q->limit positions from
 * q->offset on into *out (owned, yz_free) and the number matching in all into *total.
 * `norm` is the calling thread's normaliser. YZ_EINVAL for an invalid text query. */
int yz_snap_list(const yz_snap *s, yz_textnorm *norm, const yz_list_query *q, uint32_t **out,
                 size_t *n_out, size_t *total, yz_errinfo *ei);

#endif
