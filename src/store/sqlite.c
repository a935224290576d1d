/* SPDX-License-Identifier: MIT */
/* store/sqlite.c - the embedded SQLite backend of the store interface. One connection,
 * serialised by a mutex: writes are small and SQLite allows one writer at a time anyway,
 * and the read path never comes here (it reads the catalog snapshot). Durability: WAL with
 * synchronous=FULL, so an acknowledged write survives kill -9 and power loss. */
#include "store/sqlite_int.h"

#include "core/alloc.h"
#include "core/time.h"
#include "model/facility.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

/* The embedded migrations, generated from sql/sqlite/ by tools/embed-sql.sh. */
extern const struct {
    const char *name;
    const char *sql;
} yz__sql_sqlite[];
extern const size_t yz__sql_sqlite_count;


int yz__sq_db_err(sq_store *s, yz_errinfo *ei, const char *what)
{
    const char *m = sqlite3_errmsg(s->db);
    return yz_err_setf(ei, YZ_EDB, "", "数据库错误（%s）：%s", "database error (%s): %s", what, m);
}

int yz__sq_exec(sq_store *s, const char *sql, yz_errinfo *ei)
{
    char *msg = NULL;
    int rc = sqlite3_exec(s->db, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK) {
        yz_err_setf(ei, YZ_EDB, "", "数据库错误：%s", "database error: %s", msg ? msg : "?");
        sqlite3_free(msg);
        return YZ_EDB;
    }
    return YZ_OK;
}

int yz__sq_prepare(sq_store *s, const char *sql, sqlite3_stmt **st, yz_errinfo *ei)
{
    if (sqlite3_prepare_v2(s->db, sql, -1, st, NULL) != SQLITE_OK)
        return yz__sq_db_err(s, ei, "prepare");
    return YZ_OK;
}

int yz__sq_cached(sq_store *s, const char *sql, sqlite3_stmt **st, yz_errinfo *ei)
{
    size_t n = sizeof s->cache / sizeof *s->cache, i = 0;
    while (i < n && s->cache[i].sql && s->cache[i].sql != sql)
        i++;
    if (i < n && s->cache[i].sql) {
        *st = s->cache[i].st;
        sqlite3_reset(*st);
        sqlite3_clear_bindings(*st);
        return YZ_OK;
    }
    if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL) != SQLITE_OK)
        return yz__sq_db_err(s, ei, "prepare");
    if (i == n) { /* more statements than slots: a design error, said loudly */
        sqlite3_finalize(*st);
        *st = NULL;
        return yz_err_set(ei, YZ_EINTERNAL, "", "语句缓存已满", "statement cache full");
    }
    s->cache[i].sql = sql;
    s->cache[i].st = *st;
    return YZ_OK;
}

void yz__sq_done(sqlite3_stmt *st)
{
    sqlite3_reset(st); /* ends its read of the database */
}

char *yz__sq_col_str(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return t ? yz_strdup((const char *)t) : NULL;
}

void yz__sq_bind_str(sqlite3_stmt *st, int i, const char *v)
{
    if (v && *v)
        sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, i);
}

static int migrate(sq_store *s, yz_errinfo *ei)
{
    int err = yz__sq_exec(s,
                   "CREATE TABLE IF NOT EXISTS schema_migrations ("
                   " name TEXT PRIMARY KEY, applied_at INTEGER NOT NULL)",
                   ei);
    if (err)
        return err;
    for (size_t i = 0; i < yz__sql_sqlite_count; i++) {
        sqlite3_stmt *q = NULL;
        err = yz__sq_prepare(s, "SELECT 1 FROM schema_migrations WHERE name = ?", &q, ei);
        if (err)
            return err;
        sqlite3_bind_text(q, 1, yz__sql_sqlite[i].name, -1, SQLITE_STATIC);
        int have = sqlite3_step(q) == SQLITE_ROW;
        sqlite3_finalize(q);
        if (have)
            continue;
        err = yz__sq_exec(s, "BEGIN IMMEDIATE", ei);
        if (err)
            return err;
        err = yz__sq_exec(s, yz__sql_sqlite[i].sql, ei);
        if (!err) {
            err = yz__sq_prepare(s, "INSERT INTO schema_migrations VALUES (?, ?)", &q, ei);
            if (!err) {
                sqlite3_bind_text(q, 1, yz__sql_sqlite[i].name, -1, SQLITE_STATIC);
                sqlite3_bind_int64(q, 2, yz_time_now());
                if (sqlite3_step(q) != SQLITE_DONE)
                    err = yz__sq_db_err(s, ei, "migration");
                sqlite3_finalize(q);
            }
        }
        if (err) {
            yz__sq_exec(s, "ROLLBACK", NULL);
            return err;
        }
        err = yz__sq_exec(s, "COMMIT", ei);
        if (err)
            return err;
    }
    return YZ_OK;
}

/* Insert the seed facilities a database lacks (by code), keeping bits already taken. */
static int seed_facilities(sq_store *s, yz_errinfo *ei)
{
    sqlite3_stmt *q = NULL;
    int err = yz__sq_prepare(s,
                      "INSERT OR IGNORE INTO facilities (code, label, label_hant, label_en, bit)"
                      " VALUES (?, ?, ?, ?, ?)",
                      &q, ei);
    if (err)
        return err;
    for (size_t i = 0; i < yz_facility_seed_count; i++) {
        const yz_facility_seed *f = &yz_facility_seeds[i];
        sqlite3_reset(q);
        sqlite3_bind_text(q, 1, f->code, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 2, f->label, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 3, f->label_hant, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 4, f->label_en, -1, SQLITE_STATIC);
        sqlite3_bind_int(q, 5, f->bit);
        if (sqlite3_step(q) != SQLITE_DONE) {
            err = yz__sq_db_err(s, ei, "facilities");
            break;
        }
    }
    sqlite3_finalize(q);
    return err;
}

static int load_bits(sq_store *s, yz_errinfo *ei)
{
    sqlite3_stmt *q = NULL;
    int err = yz__sq_prepare(s, "SELECT code, bit FROM facilities", &q, ei);
    if (err)
        return err;
    for (int i = 0; i < 64; i++) {
        yz_free(s->bit_code[i]);
        s->bit_code[i] = NULL;
    }
    while (sqlite3_step(q) == SQLITE_ROW) {
        int bit = sqlite3_column_int(q, 1);
        if (bit >= 0 && bit < 64)
            s->bit_code[bit] = yz__sq_col_str(q, 0);
    }
    sqlite3_finalize(q);
    return YZ_OK;
}

static void sq_close(yz_store *st)
{
    sq_store *s = (sq_store *)st;
    yz__store_close_areas(st);
    for (size_t i = 0; i < sizeof s->cache / sizeof *s->cache && s->cache[i].sql; i++)
        sqlite3_finalize(s->cache[i].st);
    yz__sq_cache_free(&s->stmts);
    sqlite3_close(s->db);
    yz_free(s->path);
    for (int i = 0; i < 64; i++)
        yz_free(s->bit_code[i]);
    pthread_mutex_destroy(&s->mu);
    yz_free(s);
}

static int sq_list_facilities(yz_store *st, yz_facility **out, size_t *n, yz_errinfo *ei)
{
    sq_store *s = (sq_store *)st;
    sqlite3_stmt *q = NULL;
    yz_facility *a = NULL;
    size_t len = 0;
    pthread_mutex_lock(&s->mu);
    int err = yz__sq_prepare(s,
                      "SELECT code, label, label_hant, label_en, bit FROM facilities ORDER BY bit",
                      &q, ei);
    if (!err) {
        while (sqlite3_step(q) == SQLITE_ROW) {
            a = yz_reallocarray(a, len + 1, sizeof *a);
            yz_facility *f = &a[len++];
            f->code = yz__sq_col_str(q, 0);
            f->label = yz__sq_col_str(q, 1);
            f->label_hant = yz__sq_col_str(q, 2);
            f->label_en = yz__sq_col_str(q, 3);
            f->bit = sqlite3_column_int(q, 4);
        }
        sqlite3_finalize(q);
    }
    pthread_mutex_unlock(&s->mu);
    *out = a;
    *n = len;
    return err;
}

static int sq_list_districts(yz_store *st, yz_district **out, size_t *n, yz_errinfo *ei)
{
    sq_store *s = (sq_store *)st;
    sqlite3_stmt *q = NULL;
    yz_district *a = NULL;
    size_t len = 0;
    pthread_mutex_lock(&s->mu);
    int err = yz__sq_prepare(s, "SELECT code, name, name_hant, lat, lon FROM districts ORDER BY code",
                      &q, ei);
    if (!err) {
        while (sqlite3_step(q) == SQLITE_ROW) {
            a = yz_reallocarray(a, len + 1, sizeof *a);
            yz_district *d = &a[len++];
            d->code = yz__sq_col_str(q, 0);
            d->name = yz__sq_col_str(q, 1);
            d->name_hant = yz__sq_col_str(q, 2);
            d->lat = sqlite3_column_double(q, 3);
            d->lon = sqlite3_column_double(q, 4);
        }
        sqlite3_finalize(q);
    }
    pthread_mutex_unlock(&s->mu);
    *out = a;
    *n = len;
    return err;
}

static int sq_list_holidays(yz_store *st, int32_t **days, size_t *n, yz_errinfo *ei)
{
    sq_store *s = (sq_store *)st;
    sqlite3_stmt *q = NULL;
    int32_t *a = NULL;
    size_t len = 0;
    pthread_mutex_lock(&s->mu);
    int err = yz__sq_prepare(s, "SELECT day FROM holidays ORDER BY day", &q, ei);
    if (!err) {
        while (sqlite3_step(q) == SQLITE_ROW) {
            const char *d = (const char *)sqlite3_column_text(q, 0);
            int y, m, dd;
            if (d && sscanf(d, "%4d-%2d-%2d", &y, &m, &dd) == 3) {
                a = yz_reallocarray(a, len + 1, sizeof *a);
                a[len++] = (int32_t)yz_days_from_civil(y, m, dd);
            }
        }
        sqlite3_finalize(q);
    }
    pthread_mutex_unlock(&s->mu);
    *days = a;
    *n = len;
    return err;
}

#define STATION_COLS                                                                           \
    "s.id, s.code, s.name, s.address, s.district_code, d.name, s.lat, s.lon, s.tier,"          \
    " s.partner_kind, s.partner_name, s.opening_hours, s.tz, s.status, s.closed_reason,"       \
    " s.closed_until, s.phone, s.seats, s.livelihood, s.batch, s.created_at, s.updated_at,"    \
    " s.version FROM stations s JOIN districts d ON d.code = s.district_code"

static void read_station(sqlite3_stmt *q, yz_station *o)
{
    yz_station_init(o);
    o->id = sqlite3_column_int64(q, 0);
    o->code = yz__sq_col_str(q, 1);
    o->name = yz__sq_col_str(q, 2);
    o->address = yz__sq_col_str(q, 3);
    o->district_code = yz__sq_col_str(q, 4);
    o->district_name = yz__sq_col_str(q, 5);
    o->lat = sqlite3_column_double(q, 6);
    o->lon = sqlite3_column_double(q, 7);
    o->tier = yz_tier_parse((const char *)sqlite3_column_text(q, 8));
    o->partner_kind = yz_partner_parse((const char *)sqlite3_column_text(q, 9));
    o->partner_name = yz__sq_col_str(q, 10);
    o->opening_hours = yz__sq_col_str(q, 11);
    o->tz = yz__sq_col_str(q, 12);
    o->status = yz_status_parse((const char *)sqlite3_column_text(q, 13));
    o->closed_reason = yz__sq_col_str(q, 14);
    o->closed_until = sqlite3_column_int64(q, 15);
    o->phone = yz__sq_col_str(q, 16);
    o->seats = sqlite3_column_int(q, 17);
    o->livelihood = sqlite3_column_int(q, 18) != 0;
    const char *b = (const char *)sqlite3_column_text(q, 19);
    o->batch = b ? yz_batch_parse(b) : YZ_BATCH_NONE;
    o->created_at = sqlite3_column_int64(q, 20);
    o->updated_at = sqlite3_column_int64(q, 21);
    o->version = sqlite3_column_int64(q, 22);
}

/* Facility mask of station `id`. */
static int read_facilities(sq_store *s, int64_t id, uint64_t *mask, yz_errinfo *ei)
{
    sqlite3_stmt *q = NULL;
    int err = yz__sq_cached(s,
                      "SELECT f.bit FROM station_facilities sf JOIN facilities f"
                      " ON f.code = sf.facility_code WHERE sf.station_id = ?",
                      &q, ei);
    if (err)
        return err;
    sqlite3_bind_int64(q, 1, id);
    *mask = 0;
    while (sqlite3_step(q) == SQLITE_ROW)
        *mask |= UINT64_C(1) << (sqlite3_column_int(q, 0) & 63);
    yz__sq_done(q);
    return YZ_OK;
}

static int sq_load_stations(yz_store *st, yz_station **out, size_t *n, yz_errinfo *ei)
{
    sq_store *s = (sq_store *)st;
    sqlite3_stmt *q = NULL;
    yz_station *a = NULL;
    size_t len = 0, cap = 0;
    pthread_mutex_lock(&s->mu);
    int err = load_bits(s, ei);
    if (!err)
        err = yz__sq_prepare(s, "SELECT " STATION_COLS " ORDER BY s.id", &q, ei);
    if (!err) {
        while (sqlite3_step(q) == SQLITE_ROW) {
            if (len == cap) {
                cap = cap ? cap * 2 : 1024;
                a = yz_reallocarray(a, cap, sizeof *a);
            }
            read_station(q, &a[len++]);
        }
        sqlite3_finalize(q);
        q = NULL;
        err = yz__sq_prepare(s,
                      "SELECT sf.station_id, f.bit FROM station_facilities sf JOIN facilities f"
                      " ON f.code = sf.facility_code ORDER BY sf.station_id",
                      &q, ei);
    }
    if (!err) {
        /* Both lists are ordered by station id: merge them. */
        size_t i = 0;
        while (sqlite3_step(q) == SQLITE_ROW) {
            int64_t id = sqlite3_column_int64(q, 0);
            while (i < len && a[i].id < id)
                i++;
            if (i < len && a[i].id == id)
                a[i].facilities |= UINT64_C(1) << (sqlite3_column_int(q, 1) & 63);
        }
        sqlite3_finalize(q);
    }
    pthread_mutex_unlock(&s->mu);
    if (err) {
        yz_station_array_free(a, len);
        a = NULL;
        len = 0;
    }
    *out = a;
    *n = len;
    return err;
}

static int get_locked(sq_store *s, int64_t id, yz_station *out, yz_errinfo *ei)
{
    sqlite3_stmt *q = NULL;
    yz_station_init(out);
    int err = yz__sq_prepare(s, "SELECT " STATION_COLS " WHERE s.id = ?", &q, ei);
    if (err)
        return err;
    sqlite3_bind_int64(q, 1, id);
    if (sqlite3_step(q) == SQLITE_ROW) {
        read_station(q, out);
        err = read_facilities(s, id, &out->facilities, ei);
    } else {
        err = yz_err_setf(ei, YZ_ENOTFOUND, "id", "驿站 %lld 不存在", "station %lld not found", (long long)id);
    }
    sqlite3_finalize(q);
    return err;
}

static int sq_get_station(yz_store *st, int64_t id, yz_station *out, yz_errinfo *ei)
{
    sq_store *s = (sq_store *)st;
    pthread_mutex_lock(&s->mu);
    int err = load_bits(s, ei);
    if (!err)
        err = get_locked(s, id, out, ei);
    pthread_mutex_unlock(&s->mu);
    return err;
}

static int district_exists(sq_store *s, const char *code, yz_errinfo *ei)
{
    sqlite3_stmt *q = NULL;
    int err = yz__sq_cached(s, "SELECT 1 FROM districts WHERE code = ?", &q, ei);
    if (err)
        return err;
    sqlite3_bind_text(q, 1, code, -1, SQLITE_TRANSIENT);
    int found = sqlite3_step(q) == SQLITE_ROW;
    yz__sq_done(q);
    if (!found)
        return yz_err_setf(ei, YZ_EINVAL, "district_code", "未知的区县代码 %s", "unknown district code %s", code);
    return YZ_OK;
}

/* Look up a station id by code; 0 when none. */
static int id_by_code(sq_store *s, const char *code, int64_t *id, int64_t *version,
                      yz_errinfo *ei)
{
    sqlite3_stmt *q = NULL;
    int err = yz__sq_cached(s, "SELECT id, version FROM stations WHERE code = ?", &q, ei);
    if (err)
        return err;
    sqlite3_bind_text(q, 1, code, -1, SQLITE_TRANSIENT);
    *id = 0;
    if (sqlite3_step(q) == SQLITE_ROW) {
        *id = sqlite3_column_int64(q, 0);
        if (version)
            *version = sqlite3_column_int64(q, 1);
    }
    yz__sq_done(q);
    return YZ_OK;
}

static void bind_fields(sqlite3_stmt *q, const yz_station *v)
{
    yz__sq_bind_str(q, 1, v->code);
    yz__sq_bind_str(q, 2, v->name);
    sqlite3_bind_text(q, 3, v->address ? v->address : "", -1, SQLITE_TRANSIENT);
    yz__sq_bind_str(q, 4, v->district_code);
    sqlite3_bind_double(q, 5, v->lat);
    sqlite3_bind_double(q, 6, v->lon);
    sqlite3_bind_text(q, 7, yz_tier_name(v->tier), -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 8, yz_partner_name(v->partner_kind), -1, SQLITE_STATIC);
    yz__sq_bind_str(q, 9, v->partner_name);
    yz__sq_bind_str(q, 10, v->opening_hours);
    yz__sq_bind_str(q, 11, v->tz);
    sqlite3_bind_text(q, 12, yz_status_name(v->status), -1, SQLITE_STATIC);
    yz__sq_bind_str(q, 13, v->closed_reason);
    sqlite3_bind_int64(q, 14, v->closed_until);
    yz__sq_bind_str(q, 15, v->phone);
    sqlite3_bind_int(q, 16, v->seats);
    sqlite3_bind_int(q, 17, v->livelihood ? 1 : 0);
    yz__sq_bind_str(q, 18, v->batch == YZ_BATCH_NONE ? NULL : yz_batch_name(v->batch));
    sqlite3_bind_int64(q, 19, v->updated_at);
}

static int write_facilities(sq_store *s, const yz_station *v, yz_errinfo *ei)
{
    sqlite3_stmt *q = NULL;
    int err = yz__sq_cached(s, "DELETE FROM station_facilities WHERE station_id = ?", &q, ei);
    if (err)
        return err;
    sqlite3_bind_int64(q, 1, v->id);
    if (sqlite3_step(q) != SQLITE_DONE)
        err = yz__sq_db_err(s, ei, "facilities");
    yz__sq_done(q);
    if (err)
        return err;
    err = yz__sq_cached(s, "INSERT INTO station_facilities (station_id, facility_code) VALUES (?, ?)",
                  &q, ei);
    if (err)
        return err;
    for (int bit = 0; bit < 64 && !err; bit++) {
        if (!(v->facilities & (UINT64_C(1) << bit)))
            continue;
        if (!s->bit_code[bit]) {
            err = yz_err_setf(ei, YZ_EINVAL, "facilities", "未知的设施（位 %d）", "unknown facility (bit %d)", bit);
            break;
        }
        sqlite3_reset(q);
        sqlite3_bind_int64(q, 1, v->id);
        sqlite3_bind_text(q, 2, s->bit_code[bit], -1, SQLITE_STATIC);
        if (sqlite3_step(q) != SQLITE_DONE)
            err = yz__sq_db_err(s, ei, "facilities");
    }
    yz__sq_done(q);
    return err;
}

static int insert_locked(sq_store *s, yz_station *v, yz_errinfo *ei)
{
    sqlite3_stmt *q = NULL;
    int err = yz__sq_cached(s,
                      "INSERT INTO stations (code, name, address, district_code, lat, lon, tier,"
                      " partner_kind, partner_name, opening_hours, tz, status, closed_reason,"
                      " closed_until, phone, seats, livelihood, batch, updated_at, created_at,"
                      " version) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?19,1)",
                      &q, ei);
    if (err)
        return err;
    bind_fields(q, v);
    if (sqlite3_step(q) != SQLITE_DONE)
        err = yz__sq_db_err(s, ei, "insert");
    yz__sq_done(q);
    if (err)
        return err;
    v->id = sqlite3_last_insert_rowid(s->db);
    v->created_at = v->updated_at;
    v->version = 1;
    return write_facilities(s, v, ei);
}

static int update_locked(sq_store *s, yz_station *v, yz_errinfo *ei)
{
    sqlite3_stmt *q = NULL;
    int err = yz__sq_cached(s,
                      "UPDATE stations SET code=?1, name=?2, address=?3, district_code=?4,"
                      " lat=?5, lon=?6, tier=?7, partner_kind=?8, partner_name=?9,"
                      " opening_hours=?10, tz=?11, status=?12, closed_reason=?13,"
                      " closed_until=?14, phone=?15, seats=?16, livelihood=?17, batch=?18,"
                      " updated_at=?19, version = version + 1 WHERE id = ?20"
                      " RETURNING version, created_at",
                      &q, ei);
    if (err)
        return err;
    bind_fields(q, v);
    sqlite3_bind_int64(q, 20, v->id);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        v->version = sqlite3_column_int64(q, 0);
        v->created_at = sqlite3_column_int64(q, 1);
        rc = sqlite3_step(q);
    }
    if (rc != SQLITE_DONE)
        err = yz__sq_db_err(s, ei, "update");
    yz__sq_done(q);
    if (err)
        return err;
    return write_facilities(s, v, ei);
}

int yz__sq_begin(sq_store *s, yz_errinfo *ei)
{
    return yz__sq_exec(s, "BEGIN IMMEDIATE", ei);
}

int yz__sq_finish(sq_store *s, int err, yz_errinfo *ei)
{
    if (err) {
        yz__sq_exec(s, "ROLLBACK", NULL);
        return err;
    }
    return yz__sq_exec(s, "COMMIT", ei);
}

static int sq_create_station(yz_store *st, yz_station *v, yz_errinfo *ei)
{
    sq_store *s = (sq_store *)st;
    int64_t other = 0;
    pthread_mutex_lock(&s->mu);
    int err = load_bits(s, ei);
    if (!err)
        err = yz__sq_begin(s, ei);
    if (err)
        goto out;
    err = district_exists(s, v->district_code, ei);
    if (!err)
        err = id_by_code(s, v->code, &other, NULL, ei);
    if (!err && other)
        err = yz_err_setf(ei, YZ_ECONFLICT, "code", "编号 %s 已被使用", "code %s is taken", v->code);
    if (!err) {
        v->updated_at = yz_time_now();
        err = insert_locked(s, v, ei);
    }
    err = yz__sq_finish(s, err, ei);
out:
    pthread_mutex_unlock(&s->mu);
    return err;
}

static int sq_update_station(yz_store *st, yz_station *v, int64_t expect_version,
                             yz_errinfo *ei)
{
    sq_store *s = (sq_store *)st;
    int64_t other = 0, version = 0;
    pthread_mutex_lock(&s->mu);
    int err = load_bits(s, ei);
    if (!err)
        err = yz__sq_begin(s, ei);
    if (err)
        goto out;
    {
        sqlite3_stmt *q = NULL;
        err = yz__sq_prepare(s, "SELECT version FROM stations WHERE id = ?", &q, ei);
        if (!err) {
            sqlite3_bind_int64(q, 1, v->id);
            if (sqlite3_step(q) == SQLITE_ROW)
                version = sqlite3_column_int64(q, 0);
            sqlite3_finalize(q);
        }
    }
    if (!err && !version)
        err = yz_err_setf(ei, YZ_ENOTFOUND, "id", "驿站 %lld 不存在", "station %lld not found", (long long)v->id);
    if (!err && expect_version && version != expect_version)
        err = yz_err_setf(ei, YZ_ESTALE, "version", "版本 %lld 已过期，当前版本为 %lld，请刷新后重试", "version %lld is stale; the current version is %lld", (long long)expect_version, (long long)version);
    if (!err)
        err = district_exists(s, v->district_code, ei);
    if (!err)
        err = id_by_code(s, v->code, &other, NULL, ei);
    if (!err && other && other != v->id)
        err = yz_err_setf(ei, YZ_ECONFLICT, "code", "编号 %s 已被使用", "code %s is taken", v->code);
    if (!err) {
        v->updated_at = yz_time_now();
        err = update_locked(s, v, ei);
    }
    err = yz__sq_finish(s, err, ei);
out:
    pthread_mutex_unlock(&s->mu);
    return err;
}

static int sq_delete_station(yz_store *st, int64_t id, int64_t expect_version, yz_errinfo *ei)
{
    sq_store *s = (sq_store *)st;
    sqlite3_stmt *q = NULL;
    int64_t version = 0;
    pthread_mutex_lock(&s->mu);
    int err = yz__sq_begin(s, ei);
    if (err)
        goto out;
    err = yz__sq_prepare(s, "SELECT version FROM stations WHERE id = ?", &q, ei);
    if (!err) {
        sqlite3_bind_int64(q, 1, id);
        if (sqlite3_step(q) == SQLITE_ROW)
            version = sqlite3_column_int64(q, 0);
        sqlite3_finalize(q);
    }
    if (!err && !version)
        err = yz_err_setf(ei, YZ_ENOTFOUND, "id", "驿站 %lld 不存在", "station %lld not found", (long long)id);
    if (!err && expect_version && version != expect_version)
        err = yz_err_setf(ei, YZ_ESTALE, "version", "版本 %lld 已过期，当前版本为 %lld，请刷新后重试", "version %lld is stale; the current version is %lld", (long long)expect_version, (long long)version);
    if (!err)
        err = yz__sq_prepare(s, "DELETE FROM stations WHERE id = ?", &q, ei);
    if (!err) {
        sqlite3_bind_int64(q, 1, id);
        if (sqlite3_step(q) != SQLITE_DONE)
            err = yz__sq_db_err(s, ei, "delete");
        sqlite3_finalize(q);
    }
    err = yz__sq_finish(s, err, ei);
out:
    pthread_mutex_unlock(&s->mu);
    return err;
}

static int sq_import(yz_store *st, yz_station *rows, size_t n, const yz_district *districts,
                     size_t n_districts, yz_import_counts *counts, yz_errinfo *ei)
{
    sq_store *s = (sq_store *)st;
    sqlite3_stmt *q = NULL;
    yz_import_counts c = {0, 0, 0};
    pthread_mutex_lock(&s->mu);
    int err = load_bits(s, ei);
    if (!err)
        err = yz__sq_begin(s, ei);
    if (err)
        goto out;
    err = yz__sq_prepare(s,
                  "INSERT OR IGNORE INTO districts (code, name, name_hant, lat, lon)"
                  " VALUES (?, ?, ?, ?, ?)",
                  &q, ei);
    for (size_t i = 0; !err && i < n_districts; i++) {
        const yz_district *d = &districts[i];
        sqlite3_reset(q);
        sqlite3_bind_text(q, 1, d->code, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(q, 2, d->name, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(q, 3, d->name_hant ? d->name_hant : d->name, -1, SQLITE_TRANSIENT);
        sqlite3_bind_double(q, 4, d->lat);
        sqlite3_bind_double(q, 5, d->lon);
        if (sqlite3_step(q) != SQLITE_DONE)
            err = yz__sq_db_err(s, ei, "districts");
        else
            c.districts += (size_t)sqlite3_changes(s->db);
    }
    sqlite3_finalize(q);
    int64_t now = yz_time_now();
    size_t failed = n;
    for (size_t i = 0; !err && i < n; i++) {
        failed = i;
        yz_station *v = &rows[i];
        int64_t id = 0;
        err = district_exists(s, v->district_code, ei);
        if (!err)
            err = id_by_code(s, v->code, &id, NULL, ei);
        if (err)
            break;
        v->updated_at = now;
        if (id) {
            v->id = id;
            err = update_locked(s, v, ei);
            c.updated++;
        } else {
            err = insert_locked(s, v, ei);
            c.created++;
        }
        if (!err)
            failed = n;
    }
    if (err && ei && failed < n) {
        /* Say which row failed (1-based position in `rows`). */
        char zh[sizeof ei->msg], en[sizeof ei->msg_en], field[sizeof ei->field];
        snprintf(zh, sizeof zh, "%s", ei->msg);
        snprintf(en, sizeof en, "%s", ei->msg_en);
        snprintf(field, sizeof field, "%s", ei->field);
        yz_err_setf(ei, err, field, "第 %zu 条：%s%.0s", "row %zu: %.0s%s", failed + 1,
                    zh, en);
    }
    err = yz__sq_finish(s, err, ei);
out:
    pthread_mutex_unlock(&s->mu);
    if (!err && counts)
        *counts = c;
    return err;
}

static const yz_store_ops sqlite_ops = {
    .name = "sqlite",
    .close = sq_close,
    .list_facilities = sq_list_facilities,
    .list_districts = sq_list_districts,
    .list_holidays = sq_list_holidays,
    .load_stations = sq_load_stations,
    .get_station = sq_get_station,
    .create_station = sq_create_station,
    .update_station = sq_update_station,
    .delete_station = sq_delete_station,
    .import = sq_import,
};

int yz__store_sqlite_open(const char *path, yz_store **out, yz_errinfo *ei)
{
    sq_store *s = yz_calloc(1, sizeof *s);
    s->base.ops = &sqlite_ops;
    s->base.db = &yz__sqlite_driver;
    s->base.reports = &yz__sqlite_report_ops;
    s->path = yz_strdup(path);
    pthread_mutex_init(&s->mu, NULL);
    int rc = sqlite3_open_v2(path, &s->db,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                             NULL);
    int err;
    if (rc != SQLITE_OK) {
        err = yz_err_setf(ei, YZ_EDB, "db", "无法打开数据库 %s：%s", "cannot open database %s: %s", path, s->db ? sqlite3_errmsg(s->db) : "?");
        goto fail;
    }
    sqlite3_busy_timeout(s->db, 5000);
    err = yz__sq_exec(s, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;",
               ei);
    if (!err)
        err = migrate(s, ei);
    if (!err)
        err = seed_facilities(s, ei);
    if (!err)
        err = load_bits(s, ei);
    if (err)
        goto fail;
    *out = &s->base;
    return YZ_OK;
fail:
    sq_close(&s->base);
    return err;
}
