/* SPDX-License-Identifier: MIT */
/* store/sqlite_reports.c - the reports area of the SQLite backend: the service list (seeded
 * by migration 0006), report inserts, filtered listings, and status changes checked against
 * the stored status inside one transaction. */
#include "store/sqlite_int.h"

#include "core/alloc.h"
#include "core/buf.h"
#include "core/time.h"

#include <string.h>

#define COLS                                                                                       \
    "id, service_code, station_id, station_code, address, description, lat, lon, media_url,"       \
    " worker_id, status, reason, notes, requested_at, updated_at, held_reasons"

static void read_row(sqlite3_stmt *q, yz_report *r)
{
    yz_report_init(r);
    r->id = sqlite3_column_int64(q, 0);
    r->service_code = yz__sq_col_str(q, 1);
    r->station_id = sqlite3_column_int64(q, 2);
    r->station_code = yz__sq_col_str(q, 3);
    r->address = yz__sq_col_str(q, 4);
    r->description = yz__sq_col_str(q, 5);
    r->lat = sqlite3_column_double(q, 6);
    r->lon = sqlite3_column_double(q, 7);
    r->media_url = yz__sq_col_str(q, 8);
    r->worker_id = sqlite3_column_int64(q, 9);
    r->status = yz_report_status_parse((const char *)sqlite3_column_text(q, 10));
    const char *reason = (const char *)sqlite3_column_text(q, 11);
    r->reason = reason ? yz_report_reason_parse(reason) : YZ_REASON_NONE;
    r->notes = yz__sq_col_str(q, 12);
    r->requested_at = sqlite3_column_int64(q, 13);
    r->updated_at = sqlite3_column_int64(q, 14);
    r->held_reasons = yz__sq_col_str(q, 15);
    if (!r->address)
        r->address = yz_strdup("");
    if (!r->description)
        r->description = yz_strdup("");
}

static int sq_list_services(yz_store *st, yz_report_service **out, size_t *n, yz_errinfo *ei)
{
    sq_store *s = (sq_store *)st;
    sqlite3_stmt *q = NULL;
    yz_report_service *a = NULL;
    size_t len = 0, cap = 0;
    *out = NULL;
    *n = 0;
    pthread_mutex_lock(&s->mu);
    int err = yz__sq_prepare(s,
                             "SELECT code, name, name_en, description, grp, keywords, metadata"
                             " FROM report_services ORDER BY position",
                             &q, ei);
    int rc = SQLITE_DONE;
    while (!err && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        if (len == cap) {
            cap = cap ? cap * 2 : 16;
            a = yz_reallocarray(a, cap, sizeof *a);
        }
        yz_report_service *v = &a[len++];
        v->code = yz__sq_col_str(q, 0);
        v->name = yz__sq_col_str(q, 1);
        v->name_en = yz__sq_col_str(q, 2);
        v->description = yz__sq_col_str(q, 3);
        v->group = yz__sq_col_str(q, 4);
        v->keywords = yz__sq_col_str(q, 5);
        v->metadata = sqlite3_column_int(q, 6) != 0;
    }
    if (!err && rc != SQLITE_DONE)
        err = yz__sq_db_err(s, ei, "report_services");
    sqlite3_finalize(q);
    pthread_mutex_unlock(&s->mu);
    if (err) {
        yz_report_service_array_free(a, len);
        return err;
    }
    *out = a;
    *n = len;
    return YZ_OK;
}

static int service_exists(sq_store *s, const char *code, yz_errinfo *ei)
{
    sqlite3_stmt *q = NULL;
    int err = yz__sq_prepare(s, "SELECT 1 FROM report_services WHERE code = ?", &q, ei);
    if (err)
        return err;
    sqlite3_bind_text(q, 1, code ? code : "", -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_DONE)
        err = yz_err_set(ei, YZ_EINVAL, "service_code", "未知的服务代码", "unknown service_code");
    else if (rc != SQLITE_ROW)
        err = yz__sq_db_err(s, ei, "report_services");
    sqlite3_finalize(q);
    return err;
}

static int sq_create(yz_store *st, yz_report *r, yz_errinfo *ei)
{
    sq_store *s = (sq_store *)st;
    sqlite3_stmt *q = NULL;
    pthread_mutex_lock(&s->mu);
    int err = yz__sq_begin(s, ei);
    if (err)
        goto out;
    err = service_exists(s, r->service_code, ei);
    if (!err)
        err = yz__sq_prepare(s,
                             "INSERT INTO reports (service_code, station_id, station_code,"
                             " address, description, lat, lon, media_url, worker_id, status,"
                             " requested_at, updated_at, held_reasons)"
                             " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', ?, ?, ?)",
                             &q, ei);
    if (!err) {
        int64_t now = yz_time_now();
        sqlite3_bind_text(q, 1, r->service_code, -1, SQLITE_TRANSIENT);
        if (r->station_id > 0)
            sqlite3_bind_int64(q, 2, r->station_id);
        else
            sqlite3_bind_null(q, 2);
        sqlite3_bind_text(q, 3, r->station_code ? r->station_code : "", -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(q, 4, r->address ? r->address : "", -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(q, 5, r->description ? r->description : "", -1, SQLITE_TRANSIENT);
        sqlite3_bind_double(q, 6, r->lat);
        sqlite3_bind_double(q, 7, r->lon);
        yz__sq_bind_str(q, 8, r->media_url);
        if (r->worker_id > 0)
            sqlite3_bind_int64(q, 9, r->worker_id);
        else
            sqlite3_bind_null(q, 9);
        sqlite3_bind_int64(q, 10, now);
        sqlite3_bind_int64(q, 11, now);
        yz__sq_bind_str(q, 12, r->held_reasons);
        if (sqlite3_step(q) != SQLITE_DONE) {
            err = yz__sq_db_err(s, ei, "reports");
        } else {
            r->id = sqlite3_last_insert_rowid(s->db);
            r->status = YZ_REPORT_OPEN;
            r->reason = YZ_REASON_NONE;
            yz_free(r->notes);
            r->notes = NULL;
            r->requested_at = r->updated_at = now;
        }
        sqlite3_finalize(q);
    }
    err = yz__sq_finish(s, err, ei);
out:
    pthread_mutex_unlock(&s->mu);
    return err;
}

/* Read report `id` into `out`; call with the mutex held. */
static int get_locked(sq_store *s, int64_t id, yz_report *out, yz_errinfo *ei)
{
    sqlite3_stmt *q = NULL;
    yz_report_init(out);
    int err = yz__sq_prepare(s, "SELECT " COLS " FROM reports WHERE id = ?", &q, ei);
    if (err)
        return err;
    sqlite3_bind_int64(q, 1, id);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW)
        read_row(q, out);
    else if (rc == SQLITE_DONE)
        err = yz_err_setf(ei, YZ_ENOTFOUND, "id", "报告 %lld 不存在", "report %lld not found",
                          (long long)id);
    else
        err = yz__sq_db_err(s, ei, "reports");
    sqlite3_finalize(q);
    return err;
}

static int sq_get(yz_store *st, int64_t id, yz_report *out, yz_errinfo *ei)
{
    sq_store *s = (sq_store *)st;
    pthread_mutex_lock(&s->mu);
    int err = get_locked(s, id, out, ei);
    pthread_mutex_unlock(&s->mu);
    return err;
}

static int sq_list(yz_store *st, const yz_report_filter *f, yz_report **out, size_t *n,
                   yz_errinfo *ei)
{
    sq_store *s = (sq_store *)st;
    yz_buf sql;
    yz_buf_init(&sql);
    yz_buf_puts(&sql, "SELECT " COLS " FROM reports WHERE 1");
    /* Ids and statuses are integers and names from our own tables: printed into the SQL.
     * Text from the client (the service code) is bound. */
    if (f->n_ids) {
        yz_buf_puts(&sql, " AND id IN (");
        for (size_t i = 0; i < f->n_ids; i++) {
            if (i)
                yz_buf_putc(&sql, ',');
            yz_buf_int(&sql, (long long)f->ids[i]);
        }
        yz_buf_putc(&sql, ')');
    }
    if (f->service_code)
        yz_buf_puts(&sql, " AND service_code = ?1");
    if (f->station_id)
        yz_buf_printf(&sql, " AND station_id = %lld", (long long)f->station_id);
    if (f->status_mask) {
        yz_buf_puts(&sql, " AND status IN (");
        int first = 1;
        for (int i = 0; i < YZ_REPORT__COUNT; i++)
            if (f->status_mask & (1u << i)) {
                yz_buf_printf(&sql, "%s'%s'", first ? "" : ",", yz_report_status_name(i));
                first = 0;
            }
        yz_buf_putc(&sql, ')');
    }
    if (f->from)
        yz_buf_printf(&sql, " AND requested_at >= %lld", (long long)f->from);
    if (f->to)
        yz_buf_printf(&sql, " AND requested_at <= %lld", (long long)f->to);
    yz_buf_printf(&sql, " ORDER BY requested_at DESC, id DESC LIMIT %zu",
                  f->limit ? f->limit : 1000);

    yz_report *a = NULL;
    size_t len = 0, cap = 0;
    sqlite3_stmt *q = NULL;
    *out = NULL;
    *n = 0;
    pthread_mutex_lock(&s->mu);
    int err = yz__sq_prepare(s, sql.data, &q, ei);
    int rc = SQLITE_DONE;
    if (!err && f->service_code)
        sqlite3_bind_text(q, 1, f->service_code, -1, SQLITE_TRANSIENT);
    while (!err && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        if (len == cap) {
            cap = cap ? cap * 2 : 16;
            a = yz_reallocarray(a, cap, sizeof *a);
        }
        read_row(q, &a[len++]);
    }
    if (!err && rc != SQLITE_DONE)
        err = yz__sq_db_err(s, ei, "reports");
    sqlite3_finalize(q);
    pthread_mutex_unlock(&s->mu);
    yz_buf_fini(&sql);
    if (err) {
        yz_report_array_free(a, len);
        return err;
    }
    *out = a;
    *n = len;
    return YZ_OK;
}

static int sq_update(yz_store *st, int64_t id, int status, int reason, const char *notes,
                     yz_report *out, yz_errinfo *ei)
{
    sq_store *s = (sq_store *)st;
    sqlite3_stmt *q = NULL;
    yz_report cur;
    yz_report_init(&cur);
    if (out)
        yz_report_init(out);
    pthread_mutex_lock(&s->mu);
    int err = yz__sq_begin(s, ei);
    if (err)
        goto out;
    err = get_locked(s, id, &cur, ei);
    if (!err && status >= 0)
        err = yz_report_check_transition(cur.status, status, reason, ei);
    else if (!err && reason != YZ_REASON_NONE)
        err = yz_err_set(ei, YZ_EINVAL, "reason", "只有关闭报告时才能给出原因",
                         "a reason is given only when closing a report");
    if (!err)
        err = yz__sq_prepare(s,
                             "UPDATE reports SET status = ?, reason = ?, notes = ?,"
                             " updated_at = ? WHERE id = ?",
                             &q, ei);
    if (!err) {
        int to = status >= 0 ? status : cur.status;
        int why = status >= 0 ? reason : cur.reason;
        sqlite3_bind_text(q, 1, yz_report_status_name(to), -1, SQLITE_STATIC);
        if (why >= 0)
            sqlite3_bind_text(q, 2, yz_report_reason_name(why), -1, SQLITE_STATIC);
        else
            sqlite3_bind_null(q, 2);
        yz__sq_bind_str(q, 3, notes ? notes : cur.notes);
        sqlite3_bind_int64(q, 4, yz_time_now());
        sqlite3_bind_int64(q, 5, id);
        if (sqlite3_step(q) != SQLITE_DONE)
            err = yz__sq_db_err(s, ei, "reports");
        sqlite3_finalize(q);
    }
    yz_report_fini(&cur);
    if (!err && out)
        err = get_locked(s, id, out, ei);
    err = yz__sq_finish(s, err, ei);
    if (err && out)
        yz_report_fini(out);
out:
    pthread_mutex_unlock(&s->mu);
    return err;
}

static int sq_publish(yz_store *st, int64_t id, yz_errinfo *ei)
{
    sq_store *s = (sq_store *)st;
    sqlite3_stmt *q = NULL;
    pthread_mutex_lock(&s->mu);
    int err = yz__sq_prepare(s, "UPDATE reports SET held_reasons = NULL WHERE id = ?", &q, ei);
    if (!err) {
        sqlite3_bind_int64(q, 1, id);
        if (sqlite3_step(q) != SQLITE_DONE)
            err = yz__sq_db_err(s, ei, "reports");
        else if (sqlite3_changes(s->db) == 0)
            err = yz_err_setf(ei, YZ_ENOTFOUND, "id", "报告 %lld 不存在", "report %lld not found",
                              (long long)id);
        sqlite3_finalize(q);
    }
    pthread_mutex_unlock(&s->mu);
    return err;
}

const struct yz_store_report_ops yz__sqlite_report_ops = {
    .area = {"reports", NULL},
    .list_services = sq_list_services,
    .create = sq_create,
    .get = sq_get,
    .list = sq_list,
    .update = sq_update,
    .publish = sq_publish,
};
