/* SPDX-License-Identifier: MIT */
/* store/sqlite_events.c - the events area of the SQLite backend: event records and sign-ups.
 * A sign-up checks the occurrence, the worker's earlier sign-up and the free seats, and
 * inserts, inside one BEGIN IMMEDIATE transaction under the connection mutex, so concurrent
 * sign-ups are serialised and can never overbook. */
#include "store/sqlite_int.h"

#include "core/alloc.h"
#include "core/time.h"

#include <string.h>

#define EVENT_COLS                                                                                 \
    "e.id, e.station_id, e.title, e.description, e.category, e.weekly, e.starts_at, "              \
    "e.ends_at, e.weekdays, e.start_min, e.end_min, e.valid_from, e.valid_until, e.capacity, "     \
    "e.created_at, e.updated_at, e.cancelled_at, s.tz"

static void row_event(sqlite3_stmt *q, yz_event *ev, int *offset_min)
{
    yz_event_init(ev);
    ev->id = sqlite3_column_int64(q, 0);
    ev->station_id = sqlite3_column_int64(q, 1);
    ev->title = yz__sq_col_str(q, 2);
    ev->description = yz__sq_col_str(q, 3);
    ev->category = yz_event_category_parse((const char *)sqlite3_column_text(q, 4));
    ev->weekly = sqlite3_column_int(q, 5) != 0;
    ev->starts_at = sqlite3_column_int64(q, 6);
    ev->ends_at = sqlite3_column_int64(q, 7);
    ev->weekdays = (uint8_t)sqlite3_column_int(q, 8);
    ev->start_min = sqlite3_column_int(q, 9);
    ev->end_min = sqlite3_column_int(q, 10);
    ev->valid_from = (int32_t)sqlite3_column_int64(q, 11);
    ev->valid_until = sqlite3_column_type(q, 12) == SQLITE_NULL
                          ? YZ_EVENT_NO_UNTIL
                          : (int32_t)sqlite3_column_int64(q, 12);
    ev->capacity = sqlite3_column_int(q, 13);
    ev->created_at = sqlite3_column_int64(q, 14);
    ev->updated_at = sqlite3_column_int64(q, 15);
    ev->cancelled = sqlite3_column_type(q, 16) != SQLITE_NULL;
    if (offset_min) {
        const char *tz = (const char *)sqlite3_column_text(q, 17);
        if (yz_tz_offset(tz ? tz : YZ_DEFAULT_TZ, offset_min) != YZ_OK)
            *offset_min = 480;
    }
}

/* Bind every field but id and created_at, from parameter 1: station_id .. capacity,
 * updated_at (14 parameters). */
static void bind_fields(sqlite3_stmt *q, const yz_event *ev)
{
    sqlite3_bind_int64(q, 1, ev->station_id);
    sqlite3_bind_text(q, 2, ev->title, -1, SQLITE_TRANSIENT);
    yz__sq_bind_str(q, 3, ev->description);
    sqlite3_bind_text(q, 4, yz_event_category_name(ev->category), -1, SQLITE_STATIC);
    sqlite3_bind_int(q, 5, ev->weekly);
    for (int i = 6; i <= 12; i++)
        sqlite3_bind_null(q, i);
    if (!ev->weekly) {
        sqlite3_bind_int64(q, 6, ev->starts_at);
        sqlite3_bind_int64(q, 7, ev->ends_at);
    } else {
        sqlite3_bind_int(q, 8, ev->weekdays);
        sqlite3_bind_int(q, 9, ev->start_min);
        sqlite3_bind_int(q, 10, ev->end_min);
        sqlite3_bind_int64(q, 11, ev->valid_from);
        if (ev->valid_until != YZ_EVENT_NO_UNTIL)
            sqlite3_bind_int64(q, 12, ev->valid_until);
    }
    if (ev->capacity > 0)
        sqlite3_bind_int(q, 13, ev->capacity);
    else
        sqlite3_bind_null(q, 13);
    sqlite3_bind_int64(q, 14, ev->updated_at);
}

static int station_exists(sq_store *s, int64_t id, yz_errinfo *ei)
{
    sqlite3_stmt *q = NULL;
    int err = yz__sq_prepare(s, "SELECT 1 FROM stations WHERE id = ?", &q, ei);
    if (err)
        return err;
    sqlite3_bind_int64(q, 1, id);
    if (sqlite3_step(q) != SQLITE_ROW)
        err = yz_err_setf(ei, YZ_EINVAL, "station", "驿站 %lld 不存在", "station %lld not found",
                          (long long)id);
    sqlite3_finalize(q);
    return err;
}

static int sq_create(yz_store *st, yz_event *evs, size_t n, yz_errinfo *ei)
{
    sq_store *s = (sq_store *)st;
    sqlite3_stmt *q = NULL;
    int64_t now = yz_time_now();
    pthread_mutex_lock(&s->mu);
    int err = yz__sq_begin(s, ei);
    if (err)
        goto out;
    err = yz__sq_prepare(s,
                         "INSERT INTO events (station_id, title, description, category, weekly,"
                         " starts_at, ends_at, weekdays, start_min, end_min, valid_from,"
                         " valid_until, capacity, updated_at, created_at)"
                         " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                         &q, ei);
    for (size_t i = 0; !err && i < n; i++) {
        err = station_exists(s, evs[i].station_id, ei);
        if (err)
            break;
        evs[i].created_at = evs[i].updated_at = now;
        sqlite3_reset(q);
        bind_fields(q, &evs[i]);
        sqlite3_bind_int64(q, 15, now);
        if (sqlite3_step(q) != SQLITE_DONE)
            err = yz__sq_db_err(s, ei, "events");
        else
            evs[i].id = sqlite3_last_insert_rowid(s->db);
    }
    sqlite3_finalize(q);
    err = yz__sq_finish(s, err, ei);
out:
    pthread_mutex_unlock(&s->mu);
    return err;
}

/* Load event `id` with its zone's offset; call with the mutex held. */
static int load(sq_store *s, int64_t id, yz_event *out, int *offset_min, yz_errinfo *ei)
{
    sqlite3_stmt *q = NULL;
    int err = yz__sq_prepare(s,
                             "SELECT " EVENT_COLS " FROM events e LEFT JOIN stations s"
                             " ON s.id = e.station_id WHERE e.id = ?",
                             &q, ei);
    if (err)
        return err;
    sqlite3_bind_int64(q, 1, id);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW)
        row_event(q, out, offset_min);
    else if (rc == SQLITE_DONE)
        err = yz_err_setf(ei, YZ_ENOTFOUND, "id", "活动 %lld 不存在", "event %lld not found",
                          (long long)id);
    else
        err = yz__sq_db_err(s, ei, "events");
    sqlite3_finalize(q);
    return err;
}

static int sq_update(yz_store *st, yz_event *ev, yz_errinfo *ei)
{
    sq_store *s = (sq_store *)st;
    sqlite3_stmt *q = NULL;
    yz_event old;
    yz_event_init(&old);
    pthread_mutex_lock(&s->mu);
    int err = yz__sq_begin(s, ei);
    if (err)
        goto out;
    err = load(s, ev->id, &old, NULL, ei);
    if (!err && old.cancelled)
        err = yz_err_set(ei, YZ_ECONFLICT, "id", "活动已取消，不能修改",
                         "the event is cancelled and cannot be changed");
    if (!err)
        err = station_exists(s, ev->station_id, ei);
    if (!err)
        err = yz__sq_prepare(s,
                             "UPDATE events SET station_id = ?, title = ?, description = ?,"
                             " category = ?, weekly = ?, starts_at = ?, ends_at = ?,"
                             " weekdays = ?, start_min = ?, end_min = ?, valid_from = ?,"
                             " valid_until = ?, capacity = ?, updated_at = ? WHERE id = ?",
                             &q, ei);
    if (!err) {
        ev->updated_at = yz_time_now();
        ev->created_at = old.created_at;
        ev->cancelled = false;
        bind_fields(q, ev);
        sqlite3_bind_int64(q, 15, ev->id);
        if (sqlite3_step(q) != SQLITE_DONE)
            err = yz__sq_db_err(s, ei, "events");
        sqlite3_finalize(q);
    }
    err = yz__sq_finish(s, err, ei);
out:
    pthread_mutex_unlock(&s->mu);
    yz_event_fini(&old);
    return err;
}

static int sq_cancel(yz_store *st, int64_t id, int64_t now, yz_errinfo *ei)
{
    sq_store *s = (sq_store *)st;
    sqlite3_stmt *q = NULL;
    yz_event old;
    yz_event_init(&old);
    pthread_mutex_lock(&s->mu);
    int err = yz__sq_begin(s, ei);
    if (err)
        goto out;
    err = load(s, id, &old, NULL, ei);
    if (!err && old.cancelled)
        err = yz_err_set(ei, YZ_ECONFLICT, "id", "活动已取消", "the event is already cancelled");
    if (!err)
        err = yz__sq_prepare(s, "UPDATE events SET cancelled_at = ?, updated_at = ? WHERE id = ?",
                             &q, ei);
    if (!err) {
        sqlite3_bind_int64(q, 1, now);
        sqlite3_bind_int64(q, 2, now);
        sqlite3_bind_int64(q, 3, id);
        if (sqlite3_step(q) != SQLITE_DONE)
            err = yz__sq_db_err(s, ei, "events");
        sqlite3_finalize(q);
    }
    err = yz__sq_finish(s, err, ei);
out:
    pthread_mutex_unlock(&s->mu);
    yz_event_fini(&old);
    return err;
}

static int sq_get(yz_store *st, int64_t id, yz_event *out, yz_errinfo *ei)
{
    sq_store *s = (sq_store *)st;
    yz_event_init(out);
    pthread_mutex_lock(&s->mu);
    int err = load(s, id, out, NULL, ei);
    pthread_mutex_unlock(&s->mu);
    return err;
}

static int sq_list(yz_store *st, bool with_cancelled, yz_event **out, size_t *n, yz_errinfo *ei)
{
    sq_store *s = (sq_store *)st;
    sqlite3_stmt *q = NULL;
    yz_event *v = NULL;
    size_t len = 0, cap = 0;
    pthread_mutex_lock(&s->mu);
    int err =
        yz__sq_prepare(s,
                       with_cancelled ? "SELECT " EVENT_COLS " FROM events e LEFT JOIN stations s"
                                        " ON s.id = e.station_id ORDER BY e.id"
                                      : "SELECT " EVENT_COLS " FROM events e LEFT JOIN stations s"
                                        " ON s.id = e.station_id WHERE e.cancelled_at IS NULL"
                                        " ORDER BY e.id",
                       &q, ei);
    int rc = SQLITE_DONE;
    while (!err && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        if (len == cap) {
            cap = cap ? cap * 2 : 64;
            v = yz_reallocarray(v, cap, sizeof *v);
        }
        row_event(q, &v[len++], NULL);
    }
    if (!err && rc != SQLITE_DONE)
        err = yz__sq_db_err(s, ei, "events");
    sqlite3_finalize(q);
    pthread_mutex_unlock(&s->mu);
    if (err) {
        yz_event_array_free(v, len);
        return err;
    }
    *out = v;
    *n = len;
    return YZ_OK;
}

/* Sign-ups of one occurrence; call with the mutex held. */
static int count_signups(sq_store *s, int64_t event_id, int32_t day, int *n, yz_errinfo *ei)
{
    sqlite3_stmt *q = NULL;
    int err = yz__sq_prepare(
        s, "SELECT count(*) FROM event_signups WHERE event_id = ? AND occurrence = ?", &q, ei);
    if (err)
        return err;
    sqlite3_bind_int64(q, 1, event_id);
    sqlite3_bind_int64(q, 2, day);
    if (sqlite3_step(q) == SQLITE_ROW)
        *n = sqlite3_column_int(q, 0);
    else
        err = yz__sq_db_err(s, ei, "event_signups");
    sqlite3_finalize(q);
    return err;
}

static int signed_up(sq_store *s, int64_t event_id, int32_t day, int64_t worker_id, bool *yes,
                     yz_errinfo *ei)
{
    sqlite3_stmt *q = NULL;
    int err = yz__sq_prepare(s,
                             "SELECT 1 FROM event_signups WHERE event_id = ? AND occurrence = ?"
                             " AND worker_id = ?",
                             &q, ei);
    if (err)
        return err;
    sqlite3_bind_int64(q, 1, event_id);
    sqlite3_bind_int64(q, 2, day);
    sqlite3_bind_int64(q, 3, worker_id);
    int rc = sqlite3_step(q);
    *yes = rc == SQLITE_ROW;
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        err = yz__sq_db_err(s, ei, "event_signups");
    sqlite3_finalize(q);
    return err;
}

static int sq_signup(yz_store *st, int64_t event_id, int32_t day, int64_t worker_id, int64_t now,
                     yz_event_seats *out, yz_errinfo *ei)
{
    sq_store *s = (sq_store *)st;
    sqlite3_stmt *q = NULL;
    yz_event ev;
    yz_event_init(&ev);
    int offset = 480, n = 0;
    int64_t start, end;
    bool already = false;
    pthread_mutex_lock(&s->mu);
    int err = yz__sq_begin(s, ei);
    if (err)
        goto out;
    err = load(s, event_id, &ev, &offset, ei);
    if (err)
        goto done;
    if (ev.cancelled) {
        err = yz_err_set(ei, YZ_ECONFLICT, "id", "活动已取消", "the event is cancelled");
        goto done;
    }
    if (!yz_event_occurrence(&ev, day, offset, &start, &end)) {
        err = yz_err_set(ei, YZ_EINVAL, "occurrence", "该日期没有这项活动",
                         "the event does not take place on that date");
        goto done;
    }
    if (end <= now) {
        err = yz_err_set(ei, YZ_EINVAL, "occurrence", "这一场活动已经结束",
                         "that occurrence is already over");
        goto done;
    }
    err = signed_up(s, event_id, day, worker_id, &already, ei);
    if (!err && already)
        err = yz_err_set(ei, YZ_ECONFLICT, "occurrence", "你已报名这一场活动",
                         "you are already signed up for that occurrence");
    if (!err)
        err = count_signups(s, event_id, day, &n, ei);
    if (!err && ev.capacity > 0 && n >= ev.capacity)
        err = yz_err_setf(ei, YZ_ECONFLICT, "occurrence", "名额已满（共 %d 个）",
                          "the occurrence is full (%d seats)", ev.capacity);
    if (!err)
        err = yz__sq_prepare(s,
                             "INSERT INTO event_signups (event_id, occurrence, worker_id,"
                             " created_at) VALUES (?, ?, ?, ?)",
                             &q, ei);
    if (!err) {
        sqlite3_bind_int64(q, 1, event_id);
        sqlite3_bind_int64(q, 2, day);
        sqlite3_bind_int64(q, 3, worker_id);
        sqlite3_bind_int64(q, 4, now);
        if (sqlite3_step(q) != SQLITE_DONE)
            err = yz__sq_db_err(s, ei, "event_signups");
        sqlite3_finalize(q);
    }
    if (!err)
        *out = (yz_event_seats){n + 1, ev.capacity};
done:
    err = yz__sq_finish(s, err, ei);
out:
    pthread_mutex_unlock(&s->mu);
    yz_event_fini(&ev);
    return err;
}

static int sq_unsignup(yz_store *st, int64_t event_id, int32_t day, int64_t worker_id,
                       yz_event_seats *out, yz_errinfo *ei)
{
    sq_store *s = (sq_store *)st;
    sqlite3_stmt *q = NULL;
    yz_event ev;
    yz_event_init(&ev);
    int n = 0;
    pthread_mutex_lock(&s->mu);
    int err = yz__sq_begin(s, ei);
    if (err)
        goto out;
    err = load(s, event_id, &ev, NULL, ei);
    if (!err)
        err = yz__sq_prepare(s,
                             "DELETE FROM event_signups WHERE event_id = ? AND occurrence = ?"
                             " AND worker_id = ?",
                             &q, ei);
    if (!err) {
        sqlite3_bind_int64(q, 1, event_id);
        sqlite3_bind_int64(q, 2, day);
        sqlite3_bind_int64(q, 3, worker_id);
        if (sqlite3_step(q) != SQLITE_DONE)
            err = yz__sq_db_err(s, ei, "event_signups");
        else if (sqlite3_changes(s->db) == 0)
            err = yz_err_set(ei, YZ_ENOTFOUND, "occurrence", "你没有报名这一场活动",
                             "you are not signed up for that occurrence");
        sqlite3_finalize(q);
    }
    if (!err)
        err = count_signups(s, event_id, day, &n, ei);
    if (!err)
        *out = (yz_event_seats){n, ev.capacity};
    err = yz__sq_finish(s, err, ei);
out:
    pthread_mutex_unlock(&s->mu);
    yz_event_fini(&ev);
    return err;
}

static int sq_counts(yz_store *st, int32_t from_day, int32_t to_day, yz_event_count **out,
                     size_t *n, yz_errinfo *ei)
{
    sq_store *s = (sq_store *)st;
    sqlite3_stmt *q = NULL;
    yz_event_count *v = NULL;
    size_t len = 0, cap = 0;
    pthread_mutex_lock(&s->mu);
    int err = yz__sq_prepare(s,
                             "SELECT event_id, occurrence, count(*) FROM event_signups"
                             " WHERE occurrence BETWEEN ? AND ? GROUP BY event_id, occurrence"
                             " ORDER BY event_id, occurrence",
                             &q, ei);
    int rc = SQLITE_DONE;
    if (!err) {
        sqlite3_bind_int64(q, 1, from_day);
        sqlite3_bind_int64(q, 2, to_day);
    }
    while (!err && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        if (len == cap) {
            cap = cap ? cap * 2 : 64;
            v = yz_reallocarray(v, cap, sizeof *v);
        }
        v[len++] = (yz_event_count){sqlite3_column_int64(q, 0), (int32_t)sqlite3_column_int64(q, 1),
                                    sqlite3_column_int(q, 2)};
    }
    if (!err && rc != SQLITE_DONE)
        err = yz__sq_db_err(s, ei, "event_signups");
    sqlite3_finalize(q);
    pthread_mutex_unlock(&s->mu);
    if (err) {
        yz_free(v);
        return err;
    }
    *out = v;
    *n = len;
    return YZ_OK;
}

const struct yz_store_event_ops yz__sqlite_event_ops = {
    .area = {"events", NULL},
    .create = sq_create,
    .update = sq_update,
    .cancel = sq_cancel,
    .get = sq_get,
    .list = sq_list,
    .signup = sq_signup,
    .unsignup = sq_unsignup,
    .counts = sq_counts,
};
