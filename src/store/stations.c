/* SPDX-License-Identifier: MIT */
/* store/stations.c - the stations core of the store: facilities, districts, holidays and
 * stations, written once for both backends (store/db.h). Station writes check the district,
 * the code and the version in the same write transaction as the write, so the rules hold
 * across threads and nodes; each tells the other nodes which station changed ("stations"
 * with its id), and an import tells them to reload all ("stations", no id). A station's
 * facilities are a mask of bits, kept in its row (stations.facilities, 0034); the facilities
 * table maps bits to codes, and the view station_facilities lists the links for SQL readers. */
#include "store/store.h"

#include "core/alloc.h"
#include "core/log.h"
#include "core/time.h"
#include "model/facility.h"
#include "store/db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Room for one more element in a growing array `a` of `len` elements (capacity *cap). */
/* --- messages ------------------------------------------------------------------------------ */

int yz__store_no_station(yz_errinfo *ei, int code, const char *field, int64_t id)
{
    return yz_err_setf(ei, code, field, "驿站 %lld 不存在", "station %lld not found",
                       (long long)id);
}

int yz__store_station_exists(yz_db_tx *tx, int64_t id, const char *field, yz_errinfo *ei)
{
    yz_db_q q;
    yz_db_query(&q, tx, "SELECT 1 FROM stations WHERE id = $1", ei);
    yz_db_i64(&q, id);
    bool found = yz_db_row(&q);
    int err = yz_db_end(&q);
    if (!err && !found)
        err = yz__store_no_station(ei, YZ_EINVAL, field, id);
    return err;
}

static int not_found(yz_errinfo *ei, int64_t id)
{
    return yz__store_no_station(ei, YZ_ENOTFOUND, "id", id);
}

static int code_taken(yz_errinfo *ei, const char *code)
{
    return yz_err_setf(ei, YZ_ECONFLICT, "code", "编号 %s 已被使用", "code %s is taken",
                       code ? code : "");
}

static int unknown_district(yz_errinfo *ei, const char *code)
{
    return yz_err_setf(ei, YZ_EINVAL, "district_code", "未知的区县代码 %s",
                       "unknown district code %s", code ? code : "");
}

/* A statement that wrote a station failed: a constraint broken by a request that raced this
 * one (the checks before it passed) says what the check would have said. */
static int write_failed(const yz_db_q *q, int err, const yz_station *v, yz_errinfo *ei)
{
    if (yz_db_violation(q) == YZ_DB_UNIQUE)
        return code_taken(ei, v->code);
    if (yz_db_violation(q) == YZ_DB_FOREIGN)
        return unknown_district(ei, v->district_code);
    return err;
}

/* --- facilities, districts, holidays -------------------------------------------------------- */

/* Insert the seed facilities a database lacks (by code), keeping bits already taken. */
static int seed_body(yz_db_tx *tx, void *ctx, yz_errinfo *ei)
{
    for (size_t i = 0; i < yz_facility_seed_count; i++) {
        const yz_facility_seed *f = &yz_facility_seeds[i];
        yz_db_q q;
        yz_db_query(&q, tx,
                    "INSERT INTO facilities (code, label, label_hant, label_en, bit)"
                    " VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
                    ei);
        yz_db_text(&q, f->code);
        yz_db_text(&q, f->label);
        yz_db_text(&q, f->label_hant);
        yz_db_text(&q, f->label_en);
        yz_db_i64(&q, f->bit);
        int err = yz_db_exec(&q, NULL);
        if (err)
            return err;
    }
    return YZ_OK;
}

int yz__store_seed_facilities(yz_store *st, yz_errinfo *ei)
{
    return yz_db_run(st, YZ_DB_WRITE, seed_body, NULL, ei);
}

typedef struct list_ctx {
    void *a;
    size_t n;
} list_ctx;

static void facilities_free(yz_facility *a, size_t n)
{
    for (size_t i = 0; i < n; i++)
        yz_facility_fini(&a[i]);
    yz_free(a);
}

static int facilities_body(yz_db_tx *tx, void *ctx, yz_errinfo *ei)
{
    list_ctx *x = ctx;
    facilities_free(x->a, x->n); /* a run again starts afresh */
    yz_facility *a = NULL;
    size_t n = 0, cap = 0;
    yz_db_q q;
    yz_db_query(&q, tx,
                "SELECT code, label, label_hant, label_en, bit FROM facilities ORDER BY bit", ei);
    while (yz_db_row(&q)) {
        a = yz_db_grow(a, n, &cap, sizeof *a);
        yz_facility *f = &a[n++];
        f->code = yz_db_col_str(&q, 0);
        f->label = yz_db_col_str(&q, 1);
        f->label_hant = yz_db_col_str(&q, 2);
        f->label_en = yz_db_col_str(&q, 3);
        f->bit = yz_db_col_int(&q, 4);
        f->synonyms = NULL;
    }
    x->a = a;
    x->n = n;
    int err = yz_db_end(&q);
    if (err)
        return err;
    /* The words riders type for each (0030): appended one a line to the facility's list; a
     * word whose facility this database lacks is left out. */
    yz_db_query(&q, tx, "SELECT facility_code, word FROM facility_synonyms ORDER BY word", ei);
    while (yz_db_row(&q)) {
        const char *code = yz_db_col_text(&q, 0), *word = yz_db_col_text(&q, 1);
        for (size_t i = 0; code && word && i < n; i++) {
            if (strcmp(a[i].code, code) != 0)
                continue;
            size_t had = a[i].synonyms ? strlen(a[i].synonyms) : 0, wl = strlen(word);
            a[i].synonyms = yz_realloc(a[i].synonyms, had + wl + 2);
            memcpy(a[i].synonyms + had, word, wl);
            a[i].synonyms[had + wl] = '\n';
            a[i].synonyms[had + wl + 1] = '\0';
            break;
        }
    }
    return yz_db_end(&q);
}

int yz_store_list_facilities(yz_store *st, yz_facility **out, size_t *n, yz_errinfo *ei)
{
    list_ctx x = {NULL, 0};
    int err = yz_db_run(st, YZ_DB_READ1, facilities_body, &x, ei);
    if (err) {
        facilities_free(x.a, x.n);
        x = (list_ctx){NULL, 0};
    }
    *out = x.a;
    *n = x.n;
    return err;
}

static void districts_free(yz_district *a, size_t n)
{
    for (size_t i = 0; i < n; i++)
        yz_district_fini(&a[i]);
    yz_free(a);
}

static int districts_body(yz_db_tx *tx, void *ctx, yz_errinfo *ei)
{
    list_ctx *x = ctx;
    districts_free(x->a, x->n);
    yz_district *a = NULL;
    size_t n = 0, cap = 0;
    yz_db_q q;
    yz_db_query(&q, tx,
                yz_db_dialect(tx,
                              "SELECT code, name, name_hant, lat, lon FROM districts"
                              " ORDER BY code",
                              "SELECT code, name, name_hant, lat, lon FROM districts"
                              " ORDER BY code COLLATE \"C\""),
                ei);
    while (yz_db_row(&q)) {
        a = yz_db_grow(a, n, &cap, sizeof *a);
        yz_district *d = &a[n++];
        d->code = yz_db_col_str(&q, 0);
        d->name = yz_db_col_str(&q, 1);
        d->name_hant = yz_db_col_str(&q, 2);
        d->lat = yz_db_col_f64(&q, 3);
        d->lon = yz_db_col_f64(&q, 4);
    }
    x->a = a;
    x->n = n;
    return yz_db_end(&q);
}

int yz_store_list_districts(yz_store *st, yz_district **out, size_t *n, yz_errinfo *ei)
{
    list_ctx x = {NULL, 0};
    int err = yz_db_run(st, YZ_DB_READ1, districts_body, &x, ei);
    if (err) {
        districts_free(x.a, x.n);
        x = (list_ctx){NULL, 0};
    }
    *out = x.a;
    *n = x.n;
    return err;
}

static int holidays_body(yz_db_tx *tx, void *ctx, yz_errinfo *ei)
{
    list_ctx *x = ctx;
    yz_free(x->a);
    int32_t *a = NULL;
    size_t n = 0, cap = 0;
    yz_db_q q;
    /* Days since 1970-01-01, computed by the database from the stored dates (YYYY-MM-DD). */
    yz_db_query(&q, tx,
                yz_db_dialect(tx,
                              "SELECT CAST(julianday(day) - 2440587.5 AS INTEGER) FROM holidays"
                              " WHERE julianday(day) IS NOT NULL ORDER BY day",
                              "SELECT day::date - DATE '1970-01-01' FROM holidays ORDER BY day"),
                ei);
    while (yz_db_row(&q)) {
        a = yz_db_grow(a, n, &cap, sizeof *a);
        a[n++] = (int32_t)yz_db_col_i64(&q, 0);
    }
    x->a = a;
    x->n = n;
    return yz_db_end(&q);
}

int yz_store_list_holidays(yz_store *st, int32_t **days, size_t *n, yz_errinfo *ei)
{
    list_ctx x = {NULL, 0};
    int err = yz_db_run(st, YZ_DB_READ1, holidays_body, &x, ei);
    if (err) {
        yz_free(x.a);
        x = (list_ctx){NULL, 0};
    }
    *days = x.a;
    *n = x.n;
    return err;
}

/* The facility bits the facilities table has, into *known. */
static int known_facilities(yz_db_tx *tx, uint64_t *known, yz_errinfo *ei)
{
    yz_db_q q;
    yz_db_query(&q, tx, "SELECT bit FROM facilities", ei);
    *known = 0;
    while (yz_db_row(&q))
        *known |= UINT64_C(1) << (yz_db_col_int(&q, 0) & 63);
    return yz_db_end(&q);
}

/* YZ_OK when every bit of `mask` is a facility's, else YZ_EINVAL naming the first that is not. */
static int check_facilities(uint64_t mask, uint64_t known, yz_errinfo *ei)
{
    for (int bit = 0; bit < 64; bit++)
        if ((mask & ~known) & (UINT64_C(1) << bit))
            return yz_err_setf(ei, YZ_EINVAL, "facilities", "未知的设施（位 %d）",
                               "unknown facility (bit %d)", bit);
    return YZ_OK;
}

/* --- stations: reading ---------------------------------------------------------------------- */

/* The columns row_fields reads, the district's name (column 5) given by the caller. */
#define STATION_COLS_WITH(district_name)                                                           \
    "s.id, s.code, s.name, s.address, s.district_code, " district_name ", s.lat, s.lon, s.tier,"   \
    " s.partner_kind, s.partner_name, s.opening_hours, s.tz, s.status, s.closed_reason,"           \
    " s.closed_until, s.phone, s.seats, s.livelihood, s.batch, s.created_at, s.updated_at,"        \
    " s.version, s.online_maps, s.facilities"
#define STATION_COLS                                                                               \
    STATION_COLS_WITH("d.name") " FROM stations s JOIN districts d ON d.code = s.district_code"
/* The scan's: no join, the name NULL (the snapshot has it from the district list). */
#define STATION_COLS_SCAN STATION_COLS_WITH("NULL") " FROM stations s"

/* Column `col` as a yz_station string: an owned copy, or borrowed (until the next row). */
static char *row_str(const yz_db_q *q, int col, bool borrow)
{
    return borrow ? (char *)yz_db_col_text(q, col) : yz_db_col_str(q, col);
}

/* The current row into `o`: its strings owned, or borrowed from the row (`borrow`: valid
 * until the next yz_db_row, never to be written or freed). */
static void row_fields(const yz_db_q *q, yz_station *o, bool borrow)
{
    yz_station_init(o);
    o->id = yz_db_col_i64(q, 0);
    o->code = row_str(q, 1, borrow);
    o->name = row_str(q, 2, borrow);
    o->address = row_str(q, 3, borrow);
    o->district_code = row_str(q, 4, borrow);
    o->district_name = row_str(q, 5, borrow);
    o->lat = yz_db_col_f64(q, 6);
    o->lon = yz_db_col_f64(q, 7);
    o->tier = yz_tier_parse(yz_db_col_text(q, 8));
    o->partner_kind = yz_partner_parse(yz_db_col_text(q, 9));
    o->partner_name = row_str(q, 10, borrow);
    o->opening_hours = row_str(q, 11, borrow);
    o->tz = row_str(q, 12, borrow);
    o->status = yz_status_parse(yz_db_col_text(q, 13));
    o->closed_reason = row_str(q, 14, borrow);
    o->closed_until = yz_db_col_i64(q, 15);
    o->phone = row_str(q, 16, borrow);
    o->seats = yz_db_col_int(q, 17);
    o->livelihood = yz_db_col_i64(q, 18) != 0;
    o->batch = yz_db_col_null(q, 19) ? YZ_BATCH_NONE : yz_batch_parse(yz_db_col_text(q, 19));
    o->created_at = yz_db_col_i64(q, 20);
    o->updated_at = yz_db_col_i64(q, 21);
    o->version = yz_db_col_i64(q, 22);
    /* written by this code only; an unknown name (a newer node's) is left out */
    unsigned maps = 0;
    yz_errinfo ignored;
    if (yz_maps_parse(yz_db_col_text(q, 23) ? yz_db_col_text(q, 23) : "", "online_maps", &maps,
                      &ignored) == YZ_OK)
        o->online_maps = maps;
    o->facilities = (uint64_t)yz_db_col_i64(q, 24);
}

static void row_station(const yz_db_q *q, yz_station *o)
{
    row_fields(q, o, false);
}

typedef struct load_ctx {
    int64_t id; /* get: the station; 0 for all */
    yz_station *a;
    size_t n;
} load_ctx;

/* The stations (one, or all by id), in one statement: the facilities are the row's mask. A
 * read failing part-way fails the whole. */
static int load_body(yz_db_tx *tx, void *ctx, yz_errinfo *ei)
{
    load_ctx *x = ctx;
    yz_station_array_free(x->a, x->n);
    x->a = NULL;
    x->n = 0;
    size_t cap = 0;
    yz_db_q q;
    if (x->id) {
        yz_db_query(&q, tx, "SELECT " STATION_COLS " WHERE s.id = $1", ei);
        yz_db_i64(&q, x->id);
    } else {
        yz_db_query(&q, tx, "SELECT " STATION_COLS " ORDER BY s.id", ei);
    }
    while (yz_db_row(&q)) {
        x->a = yz_db_grow(x->a, x->n, &cap, sizeof *x->a);
        row_station(&q, &x->a[x->n++]);
    }
    int err = yz_db_end(&q);
    if (err)
        return err;
    if (x->id && x->n == 0)
        return not_found(ei, x->id);
    return YZ_OK;
}

int yz_store_load_stations(yz_store *st, yz_station **out, size_t *n, yz_errinfo *ei)
{
    load_ctx x = {0, NULL, 0};
    int err = yz_db_run(st, YZ_DB_READ, load_body, &x, ei);
    if (err) {
        yz_station_array_free(x.a, x.n);
        x.a = NULL;
        x.n = 0;
    }
    *out = x.a;
    *n = x.n;
    return err;
}

typedef struct scan_ctx {
    const yz_station_sink *sink;
} scan_ctx;

/* Every station in id order into the sink, after their number (a run again starts over). */
static int scan_body(yz_db_tx *tx, void *ctx, yz_errinfo *ei)
{
    const yz_station_sink *sink = ((scan_ctx *)ctx)->sink;
    yz_db_q q;
    yz_db_query(&q, tx, "SELECT count(*) FROM stations", ei);
    int64_t n = yz_db_row(&q) ? yz_db_col_i64(&q, 0) : 0;
    int err = yz_db_end(&q);
    if (err)
        return err;
    sink->begin(sink->ctx, n > 0 ? (size_t)n : 0);
    yz_db_query(&q, tx, "SELECT " STATION_COLS_SCAN " ORDER BY s.id", ei);
    while (yz_db_row(&q)) {
        yz_station row;
        row_fields(&q, &row, true);
        sink->put(sink->ctx, &row);
    }
    return yz_db_end(&q);
}

int yz_store_scan_stations(yz_store *st, const yz_station_sink *sink, yz_errinfo *ei)
{
    scan_ctx x = {sink};
    return yz_db_run(st, YZ_DB_READ, scan_body, &x, ei);
}

int yz_store_get_station(yz_store *st, int64_t id, yz_station *out, yz_errinfo *ei)
{
    yz_station_init(out);
    if (id <= 0)
        return not_found(ei, id);
    load_ctx x = {id, NULL, 0};
    int err = yz_db_run(st, YZ_DB_READ, load_body, &x, ei);
    if (!err) {
        *out = x.a[0];
        x.a[0] = (yz_station){0};
    }
    yz_station_array_free(x.a, x.n);
    return err;
}

/* --- stations: the checks of a write -------------------------------------------------------- */

static int district_exists(yz_db_tx *tx, const char *code, yz_errinfo *ei)
{
    yz_db_q q;
    yz_db_query(&q, tx, "SELECT 1 FROM districts WHERE code = $1", ei);
    yz_db_text(&q, code ? code : "");
    bool found = yz_db_row(&q);
    int err = yz_db_end(&q);
    if (!err && !found)
        err = unknown_district(ei, code);
    return err;
}

/* YZ_ECONFLICT when a station other than `self` (0: none) has `code`. */
static int code_free(yz_db_tx *tx, const char *code, int64_t self, yz_errinfo *ei)
{
    yz_db_q q;
    yz_db_query(&q, tx, "SELECT id FROM stations WHERE code = $1", ei);
    yz_db_text(&q, code ? code : "");
    int64_t other = yz_db_row(&q) ? yz_db_col_i64(&q, 0) : 0;
    int err = yz_db_end(&q);
    if (!err && other && other != self)
        err = code_taken(ei, code);
    return err;
}

/* Station `id` exists and, when `expect` is not 0, has that version. */
static int check_version(yz_db_tx *tx, int64_t id, int64_t expect, yz_errinfo *ei)
{
    yz_db_q q;
    yz_db_query(&q, tx, "SELECT version FROM stations WHERE id = $1", ei);
    yz_db_i64(&q, id);
    int64_t version = yz_db_row(&q) ? yz_db_col_i64(&q, 0) : 0;
    int err = yz_db_end(&q);
    if (!err && !version)
        err = not_found(ei, id);
    if (!err && expect && version != expect)
        err =
            yz_err_setf(ei, YZ_ESTALE, "version", "版本 %lld 已过期，当前版本为 %lld，请刷新后重试",
                        "version %lld is stale; the current version is %lld", (long long)expect,
                        (long long)version);
    return err;
}

/* The checks every station write makes before writing, in this order. */
static int check_station(yz_db_tx *tx, const yz_station *v, int64_t self, yz_errinfo *ei)
{
    uint64_t known = 0;
    int err = district_exists(tx, v->district_code, ei);
    if (!err)
        err = code_free(tx, v->code, self, ei);
    if (!err)
        err = known_facilities(tx, &known, ei);
    if (!err)
        err = check_facilities(v->facilities, known, ei);
    return err;
}

/* --- stations: writing ---------------------------------------------------------------------- */

#define STATION_FIELDS                                                                             \
    "code, name, address, district_code, lat, lon, tier, partner_kind, partner_name,"              \
    " opening_hours, tz, status, closed_reason, closed_until, phone, seats, livelihood, batch,"    \
    " online_maps, updated_at, facilities"
#define STATION_VALUES                                                                             \
    "$1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21"
#define STATION_NFIELDS 21

/* $1..$21: the fields of STATION_FIELDS, with updated_at = `now` ($20). */
static void bind_station(yz_db_q *q, const yz_station *v, int64_t now)
{
    yz_db_str(q, v->code);
    yz_db_str(q, v->name);
    yz_db_text(q, v->address ? v->address : "");
    yz_db_str(q, v->district_code);
    yz_db_f64(q, v->lat);
    yz_db_f64(q, v->lon);
    yz_db_text(q, yz_tier_name(v->tier));
    yz_db_text(q, yz_partner_name(v->partner_kind));
    yz_db_str(q, v->partner_name);
    yz_db_str(q, v->opening_hours);
    yz_db_str(q, v->tz);
    yz_db_text(q, yz_status_name(v->status));
    yz_db_str(q, v->closed_reason);
    yz_db_i64(q, v->closed_until);
    yz_db_str(q, v->phone);
    yz_db_i64(q, v->seats);
    yz_db_bool(q, v->livelihood);
    yz_db_str(q, v->batch == YZ_BATCH_NONE ? NULL : yz_batch_name(v->batch));
    yz_db_text(q, yz_maps_text(v->online_maps)); /* static: outlives the statement */
    yz_db_i64(q, now);
    yz_db_i64(q, (int64_t)v->facilities); /* every bit checked against facilities first */
}

typedef struct write_ctx {
    yz_station *v;
    int64_t id;             /* delete */
    int64_t expect_version; /* 0: any */
} write_ctx;

static int create_body(yz_db_tx *tx, void *ctx, yz_errinfo *ei)
{
    write_ctx *x = ctx;
    yz_station *v = x->v;
    int err = check_station(tx, v, 0, ei);
    if (err)
        return err;
    int64_t now = yz_time_now();
    yz_db_q q;
    yz_db_query(&q, tx,
                "INSERT INTO stations (" STATION_FIELDS ", created_at, version)"
                " VALUES (" STATION_VALUES ", $20, 1) RETURNING id",
                ei);
    bind_station(&q, v, now);
    int64_t id = yz_db_row(&q) ? yz_db_col_i64(&q, 0) : 0;
    err = yz_db_end(&q);
    if (err)
        return write_failed(&q, err, v, ei);
    err = yz_db_notify(tx, "stations", id, ei);
    if (!err) {
        v->id = id;
        v->created_at = now;
        v->updated_at = now;
        v->version = 1;
    }
    return err;
}

int yz_store_create_station(yz_store *st, yz_station *s, yz_errinfo *ei)
{
    write_ctx x = {.v = s};
    return yz_db_run(st, YZ_DB_WRITE, create_body, &x, ei);
}

static int update_body(yz_db_tx *tx, void *ctx, yz_errinfo *ei)
{
    write_ctx *x = ctx;
    yz_station *v = x->v;
    int err = check_version(tx, v->id, x->expect_version, ei);
    if (!err)
        err = check_station(tx, v, v->id, ei);
    if (err)
        return err;
    int64_t now = yz_time_now(), version = 0, created_at = 0;
    yz_db_q q;
    yz_db_query(&q, tx,
                "UPDATE stations SET (" STATION_FIELDS ") = (" STATION_VALUES "),"
                " version = version + 1 WHERE id = $22 RETURNING version, created_at",
                ei);
    bind_station(&q, v, now);
    yz_db_i64(&q, v->id);
    if (yz_db_row(&q)) {
        version = yz_db_col_i64(&q, 0);
        created_at = yz_db_col_i64(&q, 1);
    }
    err = yz_db_end(&q);
    if (err)
        return write_failed(&q, err, v, ei);
    err = yz_db_notify(tx, "stations", v->id, ei);
    if (!err) {
        v->version = version;
        v->created_at = created_at;
        v->updated_at = now;
    }
    return err;
}

int yz_store_update_station(yz_store *st, yz_station *s, int64_t expect_version, yz_errinfo *ei)
{
    write_ctx x = {.v = s, .expect_version = expect_version};
    return yz_db_run(st, YZ_DB_WRITE, update_body, &x, ei);
}

static int delete_body(yz_db_tx *tx, void *ctx, yz_errinfo *ei)
{
    write_ctx *x = ctx;
    int err = check_version(tx, x->id, x->expect_version, ei);
    if (err)
        return err;
    yz_db_q q;
    yz_db_query(&q, tx, "DELETE FROM stations WHERE id = $1", ei);
    yz_db_i64(&q, x->id);
    err = yz_db_exec(&q, NULL);
    if (!err)
        err = yz_db_notify(tx, "stations", x->id, ei);
    return err;
}

int yz_store_delete_station(yz_store *st, int64_t id, int64_t expect_version, yz_errinfo *ei)
{
    write_ctx x = {.id = id, .expect_version = expect_version};
    return yz_db_run(st, YZ_DB_WRITE, delete_body, &x, ei);
}

/* --- imports -------------------------------------------------------------------------------- */

/* An import checks every row first (its district and facilities, against the tables as they
 * are once the import's districts are in), then writes the rows: rows whose codes are all
 * different by the bulk path below; otherwise as a batch (yz_db_batch), one upsert by code a
 * row (the facilities are the row's mask), so that a code given twice is inserted and then
 * updated. The first failure names its row; the transaction then rolls back whole. */

/* What an imported row changes in the station of its code, when there is one. */
#define IMPORT_SET                                                                                 \
    " ON CONFLICT (code) DO UPDATE SET name = excluded.name, address = excluded.address,"          \
    " district_code = excluded.district_code, lat = excluded.lat, lon = excluded.lon,"             \
    " tier = excluded.tier, partner_kind = excluded.partner_kind,"                                 \
    " partner_name = excluded.partner_name, opening_hours = excluded.opening_hours,"               \
    " tz = excluded.tz, status = excluded.status, closed_reason = excluded.closed_reason,"         \
    " closed_until = excluded.closed_until, phone = excluded.phone, seats = excluded.seats,"       \
    " livelihood = excluded.livelihood, batch = excluded.batch, online_maps = excluded.online_maps," \
    " updated_at = excluded.updated_at, facilities = excluded.facilities,"                         \
    " version = stations.version + 1"
#define IMPORT_UPSERT                                                                              \
    "INSERT INTO stations (" STATION_FIELDS ", created_at, version)"                               \
    " VALUES (" STATION_VALUES ", $20, 1)" IMPORT_SET " RETURNING id, version, created_at"

typedef struct import_ctx {
    yz_station *rows;
    size_t n;
    const yz_district *districts;
    size_t n_districts;
    int64_t now;
    yz_import_counts counts;
    bool bulk; /* the staging table and set-based SQL (no code repeats), else row by row */
} import_ctx;

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The codes of all districts, sorted (strcmp), into an owned array. */
static int district_codes(yz_db_tx *tx, char ***out, size_t *n, yz_errinfo *ei)
{
    char **a = NULL;
    size_t len = 0, cap = 0;
    yz_db_q q;
    yz_db_query(&q, tx, "SELECT code FROM districts", ei);
    while (yz_db_row(&q)) {
        a = yz_db_grow(a, len, &cap, sizeof *a);
        a[len++] = yz_db_col_str(&q, 0);
    }
    int err = yz_db_end(&q);
    if (len)
        qsort(a, len, sizeof *a, cmp_str);
    *out = a;
    *n = len;
    return err;
}

/* What every row is checked against: the districts' codes (sorted) and the facility bits. */
typedef struct row_checker {
    char **codes;
    size_t n_codes;
    uint64_t known;
} row_checker;

static void checker_fini(row_checker *c)
{
    for (size_t i = 0; i < c->n_codes; i++)
        yz_free(c->codes[i]);
    yz_free(c->codes);
    *c = (row_checker){0};
}

static int checker_init(yz_db_tx *tx, row_checker *c, yz_errinfo *ei)
{
    *c = (row_checker){0};
    int err = district_codes(tx, &c->codes, &c->n_codes, ei);
    if (!err)
        err = known_facilities(tx, &c->known, ei);
    return err;
}

/* What the CHECK constraints of stations say (sql/{sqlite,pg}/0001_init.sql), checked in C
 * by the model's own rules (yz_station_check_values) for a loaded row: a SQLite load runs
 * with the constraints off (with_load_cache), since SQLite 3.40 builds a temporary B-tree for
 * each IN list of a CHECK on every row inserted (two thirds of the INSERT's time). The row's
 * readers validated it already (yz_station_validate); this is the store's own guard, a few
 * compares a row. */
static int check_columns(const yz_station *v, yz_errinfo *ei)
{
    if (!v->code || !v->name || !v->district_code)
        return yz_err_set(ei, YZ_EINVAL, !v->code ? "code" : !v->name ? "name" : "district_code",
                          "缺少必填字段", "a required field is missing");
    return yz_station_check_values(v, ei);
}

/* Every row's district and facilities are known, and its columns within what the table's
 * CHECK constraints allow. *bad: the first row that fails (of `rows`). */
static int check_list(const row_checker *c, const yz_station *rows, size_t n, size_t *bad,
                      yz_errinfo *ei)
{
    int err = YZ_OK;
    for (size_t i = 0; !err && i < n; i++) {
        const yz_station *v = &rows[i];
        const char *code = v->district_code ? v->district_code : "";
        err = check_columns(v, ei);
        if (!err && (!c->n_codes ||
                     !bsearch(&code, c->codes, c->n_codes, sizeof *c->codes, cmp_str)))
            err = unknown_district(ei, code);
        if (!err)
            err = check_facilities(v->facilities, c->known, ei);
        if (err)
            *bad = i;
    }
    return err;
}

static int check_rows(yz_db_tx *tx, const import_ctx *x, size_t *bad, yz_errinfo *ei)
{
    row_checker c;
    int err = checker_init(tx, &c, ei);
    if (!err)
        err = check_list(&c, x->rows, x->n, bad, ei);
    checker_fini(&c);
    return err;
}

static int import_send(yz_db_tx *tx, size_t i, yz_db_q *qs, void *ctx, yz_errinfo *ei)
{
    import_ctx *x = ctx;
    const yz_station *v = &x->rows[i];
    yz_db_query(&qs[0], tx, IMPORT_UPSERT, ei);
    bind_station(&qs[0], v, x->now);
    return 1;
}

static int import_recv(yz_db_q *qs, int nq, size_t i, void *ctx, yz_errinfo *ei)
{
    (void)nq;
    import_ctx *x = ctx;
    yz_station *v = &x->rows[i];
    if (yz_db_row(&qs[0])) {
        v->id = yz_db_col_i64(&qs[0], 0);
        v->version = yz_db_col_i64(&qs[0], 1);
        v->created_at = yz_db_col_i64(&qs[0], 2);
        v->updated_at = x->now;
    }
    int err = yz_db_end(&qs[0]);
    if (err)
        return write_failed(&qs[0], err, v, ei);
    if (v->version == 1) /* an update makes it 2 or more */
        x->counts.created++;
    else
        x->counts.updated++;
    return YZ_OK;
}

/* --- the bulk path: straight into an empty table, else a staging table and set-based SQL --
 * Into an empty stations table the rows are copied straight into it (yz_db_copy: COPY on
 * PostgreSQL, one prepared INSERT again and again on SQLite): every one is new, ids are given
 * in the order of the rows, and they are read back in id order, each checked against its
 * row's code. Into a table that has stations, the rows are copied into a temporary table,
 * then moved by set-based statements: stations upserted by code in the order of the rows (so
 * ids are given in that order, as row by row), and ids and versions read back into the rows.
 * CROSS JOIN keeps SQLite's planner to the staging table first (it would otherwise scan all
 * of stations, which an update of a few rows in a large store cannot afford); PostgreSQL
 * plans it as an inner join, after ANALYZE. A station's facilities are its row's mask
 * (0034): no link rows to write. Into an empty stations table of many rows the district
 * index (and on PostgreSQL the district key) is dropped first and built again after the
 * rows, one sort or one join instead of a B-tree insert or a look-up a row; on SQLite the
 * unique index on code too unless the rows come in code order (it is the rule that codes are
 * unique: built after the rows, it refuses the load if a code came twice). All of it is the import's one
 * transaction: a failure anywhere leaves the store as it was. */

/* At least this many rows into an empty table: the district index is built after them. */
#define IMPORT_REINDEX_MIN 10000

#define STAGE_COLS "ord, " STATION_FIELDS
#define DIRECT_COLS STATION_FIELDS ", created_at, version"

/* PostgreSQL checks a foreign key with a look-up a row inserted; into an empty table the
 * district key is dropped before the rows and added again after them, which checks them all
 * in one join (PostgreSQL's "Populating a Database"). The name is the one
 * sql/pg/0001_init.sql gave it. */
#define DISTRICT_FK "stations_district_code_fkey"

static double seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Rows for yz_db_copy: rows[i] is row ord0 + i of the import. */
typedef struct copy_ctx {
    const yz_station *rows;
    size_t ord0;
    int64_t now;
} copy_ctx;

static int stage_row(yz_db_q *q, size_t i, void *ctx, yz_errinfo *ei)
{
    (void)ei;
    const copy_ctx *x = ctx;
    yz_db_i64(q, (int64_t)(x->ord0 + i));
    bind_station(q, &x->rows[i], x->now);
    return YZ_OK;
}

static int direct_row(yz_db_q *q, size_t i, void *ctx, yz_errinfo *ei)
{
    (void)ei;
    const copy_ctx *x = ctx;
    bind_station(q, &x->rows[i], x->now);
    yz_db_i64(q, x->now); /* created_at */
    yz_db_i64(q, 1);      /* version */
    return YZ_OK;
}

/* Run one statement with at most one i64 parameter ($1 = `p1` when `with_p1`). */
static int exec1(yz_db_tx *tx, const char *sql, bool with_p1, int64_t p1, yz_errinfo *ei)
{
    yz_db_q q;
    yz_db_query(&q, tx, sql, ei);
    if (with_p1)
        yz_db_i64(&q, p1);
    return yz_db_exec(&q, NULL);
}

/* Whether rows come in code order (strcmp, as SQLite's BINARY collation): then each insert
 * appends to the code index, which costs about what one sort after the rows does and runs
 * while the writer waits for the reader anyway (1M rows in code order: the build after them
 * added ~1 s of wall time to the import, saved none), so the index stays. A guess from the
 * rows seen first; a wrong one costs time, never the rule. */
static bool in_code_order(const yz_station *rows, size_t n)
{
    for (size_t i = 1; i < n; i++)
        if (!rows[i - 1].code || !rows[i].code || strcmp(rows[i - 1].code, rows[i].code) >= 0)
            return false;
    return true;
}

/* SQLite: the unique index on code (stations_code, migration 0038), dropped with the district
 * index before a large load into an empty table and built after the rows, in the same
 * transaction: one sort instead of a B-tree insert a row (a file in random code order made
 * the INSERT 2.5x dearer). The readers refuse a code given twice before any of this (the CSV
 * reader's hash pass; yz_store_import sends such rows one by one), so the build failing is a
 * source that did not: it fails the import as a row written twice would have, naming the
 * later row of the least such id and its code. PostgreSQL keeps its constraint. */
static int drop_code_index(yz_db_tx *tx, yz_errinfo *ei)
{
    if (yz_db_dialect_of(tx) == YZ_DB_PG)
        return YZ_OK;
    return exec1(tx, "DROP INDEX stations_code", false, 0, ei);
}

static int build_code_index(yz_db_tx *tx, size_t *bad, yz_errinfo *ei)
{
    if (yz_db_dialect_of(tx) == YZ_DB_PG)
        return YZ_OK;
    yz_db_q q;
    yz_db_query(&q, tx, "CREATE UNIQUE INDEX stations_code ON stations (code)", ei);
    int err = yz_db_exec(&q, NULL);
    if (!err || yz_db_violation(&q) != YZ_DB_UNIQUE)
        return err;
    /* the statement failed, not the transaction: find the code given twice */
    yz_db_query(&q, tx,
                "SELECT d.code, (SELECT count(*) FROM stations s WHERE s.id < d.id) FROM"
                " (SELECT code, max(id) AS id FROM stations GROUP BY code HAVING count(*) > 1"
                " ORDER BY 2 LIMIT 1) d",
                ei);
    char *code = NULL;
    int64_t ord = -1;
    if (yz_db_row(&q)) {
        code = yz_db_col_str(&q, 0);
        ord = yz_db_col_i64(&q, 1);
    }
    int e2 = yz_db_end(&q);
    if (!e2 && code) {
        err = code_taken(ei, code);
        if (bad && ord >= 0)
            *bad = (size_t)ord;
    }
    yz_free(code);
    return err;
}

/* Before a large load into an empty table: the district index (and on PostgreSQL the district
 * key) set aside, and the code index when `recode` (above); indexes_back builds them again
 * after the rows, in the same transaction. */
static int indexes_aside(yz_db_tx *tx, bool recode, yz_errinfo *ei)
{
    int err = exec1(tx, "DROP INDEX stations_district", false, 0, ei);
    if (!err && recode)
        err = drop_code_index(tx, ei);
    if (!err && yz_db_dialect_of(tx) == YZ_DB_PG)
        err = exec1(tx, "ALTER TABLE stations DROP CONSTRAINT " DISTRICT_FK, false, 0, ei);
    return err;
}

static int indexes_back(yz_db_tx *tx, bool recode, size_t *bad, yz_errinfo *ei)
{
    int err = recode ? build_code_index(tx, bad, ei) : YZ_OK;
    if (!err)
        err = exec1(tx, "CREATE INDEX stations_district ON stations (district_code)", false, 0,
                    ei);
    if (!err && yz_db_dialect_of(tx) == YZ_DB_PG)
        err = exec1(tx,
                    "ALTER TABLE stations ADD CONSTRAINT " DISTRICT_FK
                    " FOREIGN KEY (district_code) REFERENCES districts (code)",
                    false, 0, ei);
    return err;
}

static int count_stations(yz_db_tx *tx, int64_t *n, yz_errinfo *ei)
{
    yz_db_q q;
    yz_db_query(&q, tx, "SELECT count(*) FROM stations", ei);
    *n = yz_db_row(&q) ? yz_db_col_i64(&q, 0) : 0;
    return yz_db_end(&q);
}

static int rows_missing(yz_errinfo *ei)
{
    return yz_err_set(ei, YZ_EDB, "stations", "导入后有行缺失", "rows missing after the import");
}

/* The rows' ids, versions and creation times, and the counts, from the stations table. */
static int read_back(yz_db_tx *tx, import_ctx *x, yz_errinfo *ei)
{
    yz_db_q q;
    yz_db_query(&q, tx,
                "SELECT g.ord, s.id, s.version, s.created_at FROM import_stage g"
                " CROSS JOIN stations s WHERE s.code = g.code",
                ei);
    size_t seen = 0;
    while (yz_db_row(&q)) {
        int64_t ord = yz_db_col_i64(&q, 0);
        if (ord < 0 || (size_t)ord >= x->n)
            continue;
        yz_station *v = &x->rows[ord];
        v->id = yz_db_col_i64(&q, 1);
        v->version = yz_db_col_i64(&q, 2);
        v->created_at = yz_db_col_i64(&q, 3);
        v->updated_at = x->now;
        if (v->version == 1) /* an update makes it 2 or more */
            x->counts.created++;
        else
            x->counts.updated++;
        seen++;
    }
    int err = yz_db_end(&q);
    if (!err && seen != x->n)
        err = rows_missing(ei);
    return err;
}

/* After rows went straight into an empty table: every station is one of them, in the rows'
 * order by id; each is checked against its row's code (an id given out of order fails the
 * import rather than mislabel a row). */
static int read_back_direct(yz_db_tx *tx, import_ctx *x, yz_errinfo *ei)
{
    yz_db_q q;
    yz_db_query(&q, tx, "SELECT id, code FROM stations ORDER BY id", ei);
    size_t seen = 0;
    bool order = true;
    while (order && yz_db_row(&q)) {
        const char *code = yz_db_col_text(&q, 1);
        yz_station *v = seen < x->n ? &x->rows[seen] : NULL;
        order = v && code && v->code && !strcmp(code, v->code);
        if (!order)
            break;
        v->id = yz_db_col_i64(&q, 0);
        v->version = 1;
        v->created_at = x->now;
        v->updated_at = x->now;
        seen++;
    }
    int err = yz_db_end(&q);
    if (!err && (!order || seen != x->n))
        err = rows_missing(ei);
    if (!err)
        x->counts.created = seen;
    return err;
}

static int import_sets(yz_db_tx *tx, void *ctx, size_t *bad, yz_errinfo *ei);

/* SQLite's page caches for the load (main and temp, KiB when negative), and what they were. */
#define IMPORT_CACHE "-262144"

static int pragma_i64(yz_db_tx *tx, const char *sql, int64_t *v, yz_errinfo *ei)
{
    yz_db_q q;
    yz_db_query(&q, tx, sql, ei);
    if (yz_db_row(&q))
        *v = yz_db_col_i64(&q, 0);
    return yz_db_end(&q);
}

/* On SQLite the load runs with a page cache of up to 256 MiB (main and temp), set back after
 * it: with the default 2 MiB a transaction of a million rows spills dirty pages to the WAL
 * and reads them back over and over (a third of the time on this machine). Memory is taken
 * only as pages are used. The table's CHECK constraints are off meanwhile (SQLite 3.40
 * builds a B-tree for each IN list of a CHECK on every row: two thirds of an INSERT's time);
 * check_columns checks the same for every row first. Journal and sync stay as they are (WAL,
 * synchronous=FULL): the load is one transaction, so it pays one fsync at commit whatever its
 * size, and it may be run on a live store. */
typedef int load_fn(yz_db_tx *tx, void *ctx, size_t *bad, yz_errinfo *ei);

static int with_load_cache(yz_db_tx *tx, load_fn *load, void *ctx, size_t *bad, yz_errinfo *ei)
{
    if (yz_db_dialect_of(tx) != YZ_DB_SQLITE)
        return load(tx, ctx, bad, ei);
    int64_t main_kb = -2000, temp_kb = -2000;
    int err = pragma_i64(tx, "PRAGMA main.cache_size", &main_kb, ei);
    if (!err)
        err = pragma_i64(tx, "PRAGMA temp.cache_size", &temp_kb, ei);
    if (!err)
        err = exec1(tx, "PRAGMA main.cache_size = " IMPORT_CACHE, false, 0, ei);
    if (!err)
        err = exec1(tx, "PRAGMA temp.cache_size = " IMPORT_CACHE, false, 0, ei);
    if (!err) /* check_columns checks every row instead */
        err = exec1(tx, "PRAGMA ignore_check_constraints = ON", false, 0, ei);
    if (!err)
        err = load(tx, ctx, bad, ei);
    char sql[64];
    yz_errinfo ignored;
    /* each set back whatever else failed: the connection outlives the load */
    int e2 = exec1(tx, "PRAGMA ignore_check_constraints = OFF", false, 0, err ? &ignored : ei);
    snprintf(sql, sizeof sql, "PRAGMA main.cache_size = %lld", (long long)main_kb);
    int e3 = exec1(tx, sql, false, 0, err || e2 ? &ignored : ei);
    snprintf(sql, sizeof sql, "PRAGMA temp.cache_size = %lld", (long long)temp_kb);
    int e4 = exec1(tx, sql, false, 0, err || e2 || e3 ? &ignored : ei);
    return err ? err : e2 ? e2 : e3 ? e3 : e4;
}

static int import_sets(yz_db_tx *tx, void *ctx, size_t *bad, yz_errinfo *ei)
{
    import_ctx *x = ctx;
    yz_import_counts *c = &x->counts;
    bool pg = yz_db_dialect_of(tx) == YZ_DB_PG;
    int64_t before = 0;
    int err = count_stations(tx, &before, ei);
    bool direct = !err && before == 0;
    bool reindex = direct && x->n >= IMPORT_REINDEX_MIN;
    bool recode = reindex && !in_code_order(x->rows, x->n);
    copy_ctx cc = {x->rows, 0, x->now};
    double t = seconds();
    if (!err && reindex)
        err = indexes_aside(tx, recode, ei);
    if (!err && direct) {
        err = yz_db_copy(tx, "stations", DIRECT_COLS, STATION_NFIELDS + 2, x->n, direct_row, &cc,
                         bad, ei);
        c->insert_s = seconds() - t;
    } else {
        if (!err && !pg) /* a temp table survives commits */
            err = exec1(tx, "DROP TABLE IF EXISTS temp.import_stage", false, 0, ei);
        if (!err)
            err = exec1(tx,
                        yz_db_dialect(tx,
                                      "CREATE TEMP TABLE import_stage AS SELECT 0 AS ord, "
                                      STATION_FIELDS " FROM stations WHERE 0",
                                      "CREATE TEMP TABLE import_stage ON COMMIT DROP AS SELECT"
                                      " 0 AS ord, " STATION_FIELDS " FROM stations WITH NO DATA"),
                        false, 0, ei);
        if (!err)
            err = yz_db_copy(tx, "import_stage", STAGE_COLS, STATION_NFIELDS + 1, x->n, stage_row,
                             &cc, bad, ei);
        if (!err && pg)
            err = exec1(tx, "ANALYZE import_stage", false, 0, ei);
        c->stage_s = seconds() - t;
        t = seconds();
        if (!err)
            err = exec1(tx,
                        "INSERT INTO stations (" STATION_FIELDS ", created_at, version) SELECT "
                        STATION_FIELDS ", $1, 1 FROM import_stage WHERE true ORDER BY ord"
                        IMPORT_SET,
                        true, x->now, ei);
        c->insert_s = seconds() - t;
    }
    /* PostgreSQL plans later reads from the statistics of stations, which still say what the
     * table held before this transaction (an empty table planned as one made a million-row
     * load's next join take minutes). */
    if (!err && pg)
        err = exec1(tx, "ANALYZE stations", false, 0, ei);
    t = seconds();
    if (!err && reindex)
        err = indexes_back(tx, recode, bad, ei);
    c->index_s = seconds() - t;
    t = seconds();
    if (!err && direct)
        err = read_back_direct(tx, x, ei);
    else if (!err)
        err = read_back(tx, x, ei);
    if (!err && !pg && !direct)
        err = exec1(tx, "DROP TABLE temp.import_stage", false, 0, ei);
    c->ids_s = seconds() - t;
    return err;
}

/* Whether a code appears twice among the rows (then the rows go one by one: the second is an
 * update of the first, which one set-based upsert cannot do). */
static bool codes_repeat(const yz_station *rows, size_t n)
{
    if (n < 2)
        return false;
    const char **codes = yz_malloc(n * sizeof *codes);
    for (size_t i = 0; i < n; i++)
        codes[i] = rows[i].code ? rows[i].code : "";
    qsort(codes, n, sizeof *codes, cmp_str);
    bool repeat = false;
    for (size_t i = 1; !repeat && i < n; i++)
        repeat = !strcmp(codes[i - 1], codes[i]);
    yz_free(codes);
    return repeat;
}

/* Say which row failed: row `bad` (0-based) of the import, named 1-based. */
static void name_row(yz_errinfo *ei, int err, size_t bad)
{
    if (!ei)
        return;
    char zh[sizeof ei->msg], en[sizeof ei->msg_en], field[sizeof ei->field];
    memcpy(zh, ei->msg, sizeof zh);
    memcpy(en, ei->msg_en, sizeof en);
    memcpy(field, ei->field, sizeof field);
    yz_err_setf(ei, err, field, "第 %zu 条：%s%.0s", "row %zu: %.0s%s", bad + 1, zh, en);
}

/* The districts an import brings, inserted unless there (counted in *added). */
static int add_districts(yz_db_tx *tx, const yz_district *d, size_t n, size_t *added,
                         yz_errinfo *ei)
{
    int err = YZ_OK;
    for (size_t i = 0; !err && i < n; i++) {
        yz_db_q q;
        yz_db_query(&q, tx,
                    "INSERT INTO districts (code, name, name_hant, lat, lon)"
                    " VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
                    ei);
        yz_db_text(&q, d[i].code);
        yz_db_text(&q, d[i].name);
        yz_db_text(&q, d[i].name_hant ? d[i].name_hant : d[i].name);
        yz_db_f64(&q, d[i].lat);
        yz_db_f64(&q, d[i].lon);
        int64_t n_added = 0;
        err = yz_db_exec(&q, &n_added);
        *added += (size_t)n_added;
    }
    return err;
}

static int import_body(yz_db_tx *tx, void *ctx, yz_errinfo *ei)
{
    import_ctx *x = ctx;
    x->counts = (yz_import_counts){0};
    double t = seconds();
    int err = add_districts(tx, x->districts, x->n_districts, &x->counts.districts, ei);
    size_t bad = x->n;
    if (!err)
        err = check_rows(tx, x, &bad, ei);
    x->counts.check_s = seconds() - t;
    x->now = yz_time_now();
    if (!err && x->bulk)
        err = with_load_cache(tx, import_sets, x, &bad, ei);
    else if (!err)
        err = yz_db_batch(tx, x->n, import_send, import_recv, x, &bad, ei);
    if (err && bad < x->n)
        name_row(ei, err, bad);
    if (!err)
        err = yz_db_notify(tx, "stations", 0, ei);
    return err;
}

int yz_store_import(yz_store *st, yz_station *rows, size_t n, const yz_district *districts,
                    size_t n_districts, yz_import_counts *counts, yz_errinfo *ei)
{
    import_ctx x = {rows, n, districts, n_districts, 0, {0}, !codes_repeat(rows, n)};
    int err = yz_db_run(st, YZ_DB_WRITE, import_body, &x, ei);
    if (!err && counts)
        *counts = x.counts;
    return err;
}

/* --- a streamed import: rows written while their file is still being read ------------------
 * The same checks, messages and all-or-nothing rule as yz_store_import, for rows that arrive
 * in parts (yz_import_source), each with the districts it names first. Each part is written
 * as it comes: its districts inserted, its rows checked (district and facilities, the first
 * failing row named), then copied: into an empty table straight into stations (COPY on
 * PostgreSQL, one prepared INSERT a row on SQLite, its CHECK constraints off: with_load_cache);
 * into a table that has stations, into the staging table, upserted once all are there. A
 * large load into an empty table sets the district index (and on PostgreSQL the district key)
 * aside until after the rows, as import_sets does. Parts already taken are written again,
 * from the list kept, when the transaction is run again (PostgreSQL's serialization retry). */

typedef struct stream_part {
    yz_station *rows;
    size_t n;
    const yz_district *d; /* the districts first named in the rows */
    size_t nd;
} stream_part;

typedef struct stream_ctx {
    const yz_import_source *src;
    stream_part *parts; /* what the source gave, in order, kept across runs of the body */
    size_t n_parts, cap_parts;
    bool src_failed; /* the error is the source's: its rows name themselves */
    int64_t now;
    yz_import_counts counts;
} stream_ctx;

/* The next part: one kept from an earlier run, else the source's. p->n = 0 at the end. */
static int stream_part_at(stream_ctx *x, size_t k, stream_part *p, yz_errinfo *ei)
{
    if (k < x->n_parts) {
        *p = x->parts[k];
        return YZ_OK;
    }
    *p = (stream_part){0};
    int err = x->src->next(x->src->ctx, &p->rows, &p->n, &p->d, &p->nd, ei);
    if (err) {
        x->src_failed = true;
        return err;
    }
    if (p->n) {
        x->parts = yz_db_grow(x->parts, x->n_parts, &x->cap_parts, sizeof *x->parts);
        x->parts[x->n_parts++] = *p;
    }
    return YZ_OK;
}

/* Write one part, rows ord0 .. ord0 + n - 1 of the import: into an empty table straight into
 * stations (COPY on PostgreSQL, the one prepared INSERT again and again on SQLite), else into
 * the staging table. */
static int stream_write(yz_db_tx *tx, stream_ctx *x, yz_station *rows, size_t n, size_t ord0,
                        bool direct, size_t *bad, yz_errinfo *ei)
{
    copy_ctx cc = {rows, ord0, x->now};
    size_t failed = n;
    int err;
    if (direct)
        err = yz_db_copy(tx, "stations", DIRECT_COLS, STATION_NFIELDS + 2, n, direct_row, &cc,
                         &failed, ei);
    else
        err = yz_db_copy(tx, "import_stage", STAGE_COLS, STATION_NFIELDS + 1, n, stage_row, &cc,
                         &failed, ei);
    if (err && failed < n)
        *bad = ord0 + failed;
    return err;
}

/* The stations the import wrote (from the staging table, or all of an empty table's) and
 * how many of them it created, against the rows' count. */
static int stream_counts(yz_db_tx *tx, stream_ctx *x, size_t n, bool direct, yz_errinfo *ei)
{
    yz_db_q q;
    yz_db_query(&q, tx,
                direct ? "SELECT count(*), count(*) FROM stations"
                       : "SELECT count(*), coalesce(sum(CASE WHEN s.version = 1 THEN 1 ELSE 0 END),"
                         " 0) FROM import_stage g CROSS JOIN stations s WHERE s.code = g.code",
                ei);
    int64_t seen = 0, created = 0;
    if (yz_db_row(&q)) {
        seen = yz_db_col_i64(&q, 0);
        created = yz_db_col_i64(&q, 1);
    }
    int err = yz_db_end(&q);
    if (!err && seen != (int64_t)n)
        err = rows_missing(ei);
    if (!err) {
        x->counts.created = (size_t)created;
        x->counts.updated = (size_t)(seen - created);
    }
    return err;
}

/* A code the staging table holds twice: its later row fails the import, as taken. */
static int stream_repeats(yz_db_tx *tx, size_t *bad, yz_errinfo *ei)
{
    yz_db_q q;
    yz_db_query(&q, tx,
                "SELECT max(ord), code FROM import_stage GROUP BY code HAVING count(*) > 1"
                " ORDER BY 1 LIMIT 1",
                ei);
    char *code = NULL;
    int64_t ord = -1;
    if (yz_db_row(&q)) {
        ord = yz_db_col_i64(&q, 0);
        code = yz_db_col_str(&q, 1);
    }
    int err = yz_db_end(&q);
    if (!err && code) {
        err = code_taken(ei, code);
        *bad = (size_t)ord;
    }
    yz_free(code);
    return err;
}

static int stream_load(yz_db_tx *tx, void *ctx, size_t *bad, yz_errinfo *ei)
{
    stream_ctx *x = ctx;
    yz_import_counts *c = &x->counts;
    bool pg = yz_db_dialect_of(tx) == YZ_DB_PG;
    int64_t before = 0;
    int err = count_stations(tx, &before, ei);
    bool direct = !err && before == 0;
    bool reindex = direct && x->src->hint >= IMPORT_REINDEX_MIN;
    /* the first part says whether the rows come in code order (kept for the loop below) */
    stream_part first = {0};
    if (!err && reindex)
        err = stream_part_at(x, 0, &first, ei);
    bool recode = reindex && !in_code_order(first.rows, first.n);
    double t = seconds();
    if (!err && reindex)
        err = indexes_aside(tx, recode, ei);
    if (!err && !pg)
        err = exec1(tx, "DROP TABLE IF EXISTS temp.import_stage", false, 0, ei);
    if (!err && !direct)
        err = exec1(tx,
                    yz_db_dialect(tx,
                                  "CREATE TEMP TABLE import_stage AS SELECT 0 AS ord, "
                                  STATION_FIELDS " FROM stations WHERE 0",
                                  "CREATE TEMP TABLE import_stage ON COMMIT DROP AS SELECT"
                                  " 0 AS ord, " STATION_FIELDS " FROM stations WITH NO DATA"),
                    false, 0, ei);
    /* Each part: its districts in, its rows checked against the tables as they are then
     * (every district an earlier row named is in: the first failing row is the one
     * yz_store_import names), then written. */
    row_checker chk = {0};
    if (!err)
        err = checker_init(tx, &chk, ei);
    size_t n = 0;
    for (size_t k = 0; !err; k++) {
        stream_part p;
        err = stream_part_at(x, k, &p, ei);
        if (err || !p.n)
            break;
        if (p.nd) {
            err = add_districts(tx, p.d, p.nd, &c->districts, ei);
            checker_fini(&chk);
            if (!err)
                err = checker_init(tx, &chk, ei);
        }
        size_t b = 0;
        if (!err && (err = check_list(&chk, p.rows, p.n, &b, ei)) != YZ_OK)
            *bad = n + b;
        if (!err)
            err = stream_write(tx, x, p.rows, p.n, n, direct, bad, ei);
        n += p.n;
    }
    checker_fini(&chk);
    c->insert_s = seconds() - t; /* the rows written as they arrived */
    t = seconds();
    if (!err && !direct) /* one upsert cannot take a code twice (the file's reader refuses it) */
        err = stream_repeats(tx, bad, ei);
    if (!err && !direct && pg)
        err = exec1(tx, "ANALYZE import_stage", false, 0, ei);
    if (!err && !direct)
        err = exec1(tx,
                    "INSERT INTO stations (" STATION_FIELDS ", created_at, version) SELECT "
                    STATION_FIELDS ", $1, 1 FROM import_stage WHERE true ORDER BY ord"
                    IMPORT_SET,
                    true, x->now, ei);
    if (!err && pg)
        err = exec1(tx, "ANALYZE stations", false, 0, ei);
    c->insert_s += seconds() - t;
    t = seconds();
    if (!err && reindex)
        err = indexes_back(tx, recode, bad, ei);
    c->index_s = seconds() - t;
    t = seconds();
    if (!err)
        err = stream_counts(tx, x, n, direct, ei);
    if (!err && !pg && !direct)
        err = exec1(tx, "DROP TABLE temp.import_stage", false, 0, ei);
    c->ids_s = seconds() - t;
    return err;
}

static int stream_body(yz_db_tx *tx, void *ctx, yz_errinfo *ei)
{
    stream_ctx *x = ctx;
    x->counts = (yz_import_counts){0};
    x->src_failed = false;
    x->now = yz_time_now();
    size_t bad = SIZE_MAX;
    int err = with_load_cache(tx, stream_load, x, &bad, ei);
    if (err && !x->src_failed && bad != SIZE_MAX)
        name_row(ei, err, bad);
    if (!err)
        err = yz_db_notify(tx, "stations", 0, ei);
    return err;
}

int yz_store_import_stream(yz_store *st, const yz_import_source *src, yz_import_counts *counts,
                           yz_errinfo *ei)
{
    stream_ctx x = {.src = src};
    bool held = false;
    int err = YZ_OK;
    if (src->alone && st->ops->alone)
        err = st->ops->alone(st, true, &held, ei);
    if (!err)
        err = yz_db_run(st, YZ_DB_WRITE, stream_body, &x, ei);
    if (held) { /* WAL again, loaded or failed. The load is committed or rolled back by now,
                 * so a failure here changes nothing it wrote (and the store's next open sets
                 * WAL again): it is logged, not returned as the import's failure. */
        yz_errinfo e2;
        if (st->ops->alone(st, false, NULL, &e2))
            yz_log_warn("import: %s", e2.msg_en);
    }
    x.counts.alone = held;
    if (!err && counts)
        *counts = x.counts;
    yz_free(x.parts);
    return err;
}
