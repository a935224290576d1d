/* SPDX-License-Identifier: MIT */
/* store/pg_events.c - the events area of the PostgreSQL backend: event records and sign-ups.
 * A sign-up checks the occurrence, the worker's earlier sign-up and the free seats, and
 * inserts, inside one SERIALIZABLE transaction (yz__pg_tx), so concurrent sign-ups, from
 * threads or from several yizhan nodes on one database, can never overbook: PostgreSQL
 * aborts one of two sign-ups whose counts and inserts interleave, and yz__pg_tx runs it again
 * against the committed rows. Event writes tell the other nodes ("events") so that they
 * rebuild their in-memory index; sign-ups are not part of it. */
#ifdef YZ_HAVE_PG

#include "store/pg_int.h"

#include "core/alloc.h"
#include "core/time.h"

#include <string.h>

#define EVENT_COLS                                                                                 \
    "e.id, e.station_id, e.title, e.description, e.category, e.weekly, e.starts_at, "              \
    "e.ends_at, e.weekdays, e.start_min, e.end_min, e.valid_from, e.valid_until, e.capacity, "     \
    "e.created_at, e.updated_at, e.cancelled_at, s.tz"

#define EVENT_FROM " FROM events e LEFT JOIN stations s ON s.id = e.station_id"

static void row_event(const PGresult *r, int row, yz_event *ev, int *offset_min)
{
    yz_event_init(ev);
    ev->id = yz__pg_i64(r, row, 0);
    ev->station_id = yz__pg_i64(r, row, 1);
    ev->title = yz__pg_str(r, row, 2);
    ev->description = yz__pg_str(r, row, 3);
    ev->category = yz_event_category_parse(yz__pg_isnull(r, row, 4) ? NULL : PQgetvalue(r, row, 4));
    ev->weekly = yz__pg_i64(r, row, 5) != 0;
    ev->starts_at = yz__pg_i64(r, row, 6);
    ev->ends_at = yz__pg_i64(r, row, 7);
    ev->weekdays = (uint8_t)yz__pg_i64(r, row, 8);
    ev->start_min = (int)yz__pg_i64(r, row, 9);
    ev->end_min = (int)yz__pg_i64(r, row, 10);
    ev->valid_from = (int32_t)yz__pg_i64(r, row, 11);
    ev->valid_until =
        yz__pg_isnull(r, row, 12) ? YZ_EVENT_NO_UNTIL : (int32_t)yz__pg_i64(r, row, 12);
    ev->capacity = (int)yz__pg_i64(r, row, 13);
    ev->created_at = yz__pg_i64(r, row, 14);
    ev->updated_at = yz__pg_i64(r, row, 15);
    ev->cancelled = !yz__pg_isnull(r, row, 16);
    if (offset_min) {
        const char *tz = yz__pg_isnull(r, row, 17) ? YZ_DEFAULT_TZ : PQgetvalue(r, row, 17);
        if (yz_tz_offset(tz, offset_min) != YZ_OK)
            *offset_min = 480;
    }
}

/* Every field but id and created_at, as $1..$14: station_id .. capacity, updated_at. */
static void param_fields(yz_pg_params *p, const yz_event *ev)
{
    yz__pg_p_i64(p, ev->station_id);
    yz__pg_p_text(p, ev->title);
    yz__pg_p_str(p, ev->description);
    yz__pg_p_text(p, yz_event_category_name(ev->category));
    yz__pg_p_bool(p, ev->weekly);
    if (!ev->weekly) {
        yz__pg_p_i64(p, ev->starts_at);
        yz__pg_p_i64(p, ev->ends_at);
        for (int i = 0; i < 5; i++)
            yz__pg_p_null(p);
    } else {
        yz__pg_p_null(p);
        yz__pg_p_null(p);
        yz__pg_p_i64(p, ev->weekdays);
        yz__pg_p_i64(p, ev->start_min);
        yz__pg_p_i64(p, ev->end_min);
        yz__pg_p_i64(p, ev->valid_from);
        if (ev->valid_until != YZ_EVENT_NO_UNTIL)
            yz__pg_p_i64(p, ev->valid_until);
        else
            yz__pg_p_null(p);
    }
    if (ev->capacity > 0)
        yz__pg_p_i64(p, ev->capacity);
    else
        yz__pg_p_null(p);
    yz__pg_p_i64(p, ev->updated_at);
}

static int station_exists(PGconn *c, int64_t id, yz_errinfo *ei)
{
    yz_pg_params p = {0};
    yz__pg_p_i64(&p, id);
    PGresult *r = yz__pg_query(c, "SELECT 1 FROM stations WHERE id = $1", &p, ei);
    if (!r)
        return YZ_EDB;
    int err = YZ_OK;
    if (PQntuples(r) == 0)
        err = yz_err_setf(ei, YZ_EINVAL, "station", "驿站 %lld 不存在", "station %lld not found",
                          (long long)id);
    PQclear(r);
    return err;
}

/* Load event `id` (into `out`, initialised by the call) with its zone's offset. */
static int load(PGconn *c, int64_t id, yz_event *out, int *offset_min, yz_errinfo *ei)
{
    yz_event_init(out);
    yz_pg_params p = {0};
    yz__pg_p_i64(&p, id);
    PGresult *r = yz__pg_query(c, "SELECT " EVENT_COLS EVENT_FROM " WHERE e.id = $1", &p, ei);
    if (!r)
        return YZ_EDB;
    int err = YZ_OK;
    if (PQntuples(r) > 0)
        row_event(r, 0, out, offset_min);
    else
        err = yz_err_setf(ei, YZ_ENOTFOUND, "id", "活动 %lld 不存在", "event %lld not found",
                          (long long)id);
    PQclear(r);
    return err;
}

/* --- create ------------------------------------------------------------------------------- */

typedef struct create_ctx {
    yz_event *evs; /* ids and times are set on them */
    size_t n;
    int64_t now;
} create_ctx;

static int create_body(pg_store *s, PGconn *c, void *arg, yz_errinfo *ei)
{
    create_ctx *x = arg;
    int err = YZ_OK;
    for (size_t i = 0; !err && i < x->n; i++) {
        yz_event *ev = &x->evs[i];
        err = station_exists(c, ev->station_id, ei);
        if (err)
            break;
        ev->created_at = ev->updated_at = x->now;
        yz_pg_params p = {0};
        param_fields(&p, ev);
        yz__pg_p_i64(&p, x->now);
        PGresult *r = yz__pg_query(c,
                                   "INSERT INTO events (station_id, title, description, category,"
                                   " weekly, starts_at, ends_at, weekdays, start_min, end_min,"
                                   " valid_from, valid_until, capacity, updated_at, created_at)"
                                   " VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15)"
                                   " RETURNING id",
                                   &p, ei);
        if (!r)
            return YZ_EDB;
        ev->id = yz__pg_i64(r, 0, 0);
        PQclear(r);
    }
    if (!err && x->n > 0)
        err = yz__pg_notify(s, c, "events", ei);
    return err;
}

static int pg_create(yz_store *st, yz_event *evs, size_t n, yz_errinfo *ei)
{
    create_ctx x = {evs, n, yz_time_now()};
    return yz__pg_tx((pg_store *)st, create_body, &x, ei);
}

/* --- update and cancel -------------------------------------------------------------------- */

typedef struct update_ctx {
    yz_event *ev; /* in: the new rule; out: created_at, updated_at, cancelled */
} update_ctx;

static int update_body(pg_store *s, PGconn *c, void *arg, yz_errinfo *ei)
{
    update_ctx *x = arg;
    yz_event *ev = x->ev;
    yz_event old;
    int err = load(c, ev->id, &old, NULL, ei);
    if (!err && old.cancelled)
        err = yz_err_set(ei, YZ_ECONFLICT, "id", "活动已取消，不能修改",
                         "the event is cancelled and cannot be changed");
    if (!err)
        err = station_exists(c, ev->station_id, ei);
    if (!err) {
        ev->updated_at = yz_time_now();
        ev->created_at = old.created_at;
        ev->cancelled = false;
        yz_pg_params p = {0};
        param_fields(&p, ev);
        yz__pg_p_i64(&p, ev->id);
        err = yz__pg_exec(c,
                          "UPDATE events SET station_id = $1, title = $2, description = $3,"
                          " category = $4, weekly = $5, starts_at = $6, ends_at = $7,"
                          " weekdays = $8, start_min = $9, end_min = $10, valid_from = $11,"
                          " valid_until = $12, capacity = $13, updated_at = $14 WHERE id = $15",
                          &p, NULL, ei);
    }
    if (!err)
        err = yz__pg_notify(s, c, "events", ei);
    yz_event_fini(&old);
    return err;
}

static int pg_update(yz_store *st, yz_event *ev, yz_errinfo *ei)
{
    update_ctx x = {ev};
    return yz__pg_tx((pg_store *)st, update_body, &x, ei);
}

typedef struct cancel_ctx {
    int64_t id, now;
} cancel_ctx;

static int cancel_body(pg_store *s, PGconn *c, void *arg, yz_errinfo *ei)
{
    cancel_ctx *x = arg;
    yz_event old;
    int err = load(c, x->id, &old, NULL, ei);
    if (!err && old.cancelled)
        err = yz_err_set(ei, YZ_ECONFLICT, "id", "活动已取消", "the event is already cancelled");
    if (!err) {
        yz_pg_params p = {0};
        yz__pg_p_i64(&p, x->now);
        yz__pg_p_i64(&p, x->now);
        yz__pg_p_i64(&p, x->id);
        err = yz__pg_exec(c, "UPDATE events SET cancelled_at = $1, updated_at = $2 WHERE id = $3",
                          &p, NULL, ei);
    }
    if (!err)
        err = yz__pg_notify(s, c, "events", ei);
    yz_event_fini(&old);
    return err;
}

static int pg_cancel(yz_store *st, int64_t id, int64_t now, yz_errinfo *ei)
{
    cancel_ctx x = {id, now};
    return yz__pg_tx((pg_store *)st, cancel_body, &x, ei);
}

/* --- reads -------------------------------------------------------------------------------- */

typedef struct get_ctx {
    int64_t id;
    yz_event *out; /* initialised; refilled by each run */
} get_ctx;

static int get_body(pg_store *s, PGconn *c, void *arg, yz_errinfo *ei)
{
    (void)s;
    get_ctx *x = arg;
    yz_event_fini(x->out);
    return load(c, x->id, x->out, NULL, ei);
}

static int pg_get(yz_store *st, int64_t id, yz_event *out, yz_errinfo *ei)
{
    yz_event_init(out);
    get_ctx x = {id, out};
    int err = yz__pg_tx((pg_store *)st, get_body, &x, ei);
    if (err)
        yz_event_fini(out);
    return err;
}

static void read_event_row(const PGresult *r, int i, void *elem)
{
    row_event(r, i, elem, NULL);
}

static void free_events(void *a, size_t n)
{
    yz_event_array_free(a, n);
}

static int pg_list(yz_store *st, bool with_cancelled, yz_event **out, size_t *n, yz_errinfo *ei)
{
    void *a;
    int err = yz__pg_rows((pg_store *)st,
                          with_cancelled ? "SELECT " EVENT_COLS EVENT_FROM " ORDER BY e.id"
                                         : "SELECT " EVENT_COLS EVENT_FROM
                                           " WHERE e.cancelled_at IS NULL ORDER BY e.id",
                          NULL, sizeof **out, read_event_row, free_events, &a, n, ei);
    *out = a;
    return err;
}

/* --- sign-ups ----------------------------------------------------------------------------- */

/* Sign-ups of one occurrence. */
static int count_signups(PGconn *c, int64_t event_id, int32_t day, int *n, yz_errinfo *ei)
{
    yz_pg_params p = {0};
    yz__pg_p_i64(&p, event_id);
    yz__pg_p_i64(&p, day);
    PGresult *r = yz__pg_query(
        c, "SELECT count(*) FROM event_signups WHERE event_id = $1 AND occurrence = $2", &p, ei);
    if (!r)
        return YZ_EDB;
    *n = (int)yz__pg_i64(r, 0, 0);
    PQclear(r);
    return YZ_OK;
}

static int signed_up(PGconn *c, int64_t event_id, int32_t day, int64_t worker_id, bool *yes,
                     yz_errinfo *ei)
{
    yz_pg_params p = {0};
    yz__pg_p_i64(&p, event_id);
    yz__pg_p_i64(&p, day);
    yz__pg_p_i64(&p, worker_id);
    PGresult *r = yz__pg_query(c,
                               "SELECT 1 FROM event_signups WHERE event_id = $1"
                               " AND occurrence = $2 AND worker_id = $3",
                               &p, ei);
    if (!r)
        return YZ_EDB;
    *yes = PQntuples(r) > 0;
    PQclear(r);
    return YZ_OK;
}

typedef struct signup_ctx {
    int64_t event_id, worker_id, now;
    int32_t day;
    yz_event_seats seats; /* out */
} signup_ctx;

static int already_err(yz_errinfo *ei)
{
    return yz_err_set(ei, YZ_ECONFLICT, "occurrence", "你已报名这一场活动",
                      "you are already signed up for that occurrence");
}

static int signup_body(pg_store *s, PGconn *c, void *arg, yz_errinfo *ei)
{
    (void)s;
    signup_ctx *x = arg;
    x->seats = (yz_event_seats){0, 0};
    yz_event ev;
    int offset = 480, n = 0;
    int64_t start, end;
    bool already = false;
    int err = load(c, x->event_id, &ev, &offset, ei);
    if (err)
        goto out;
    if (ev.cancelled) {
        err = yz_err_set(ei, YZ_ECONFLICT, "id", "活动已取消", "the event is cancelled");
        goto out;
    }
    if (!yz_event_occurrence(&ev, x->day, offset, &start, &end)) {
        err = yz_err_set(ei, YZ_EINVAL, "occurrence", "该日期没有这项活动",
                         "the event does not take place on that date");
        goto out;
    }
    if (end <= x->now) {
        err = yz_err_set(ei, YZ_EINVAL, "occurrence", "这一场活动已经结束",
                         "that occurrence is already over");
        goto out;
    }
    err = signed_up(c, x->event_id, x->day, x->worker_id, &already, ei);
    if (!err && already)
        err = already_err(ei);
    if (!err)
        err = count_signups(c, x->event_id, x->day, &n, ei);
    if (!err && ev.capacity > 0 && n >= ev.capacity)
        err = yz_err_setf(ei, YZ_ECONFLICT, "occurrence", "名额已满（共 %d 个）",
                          "the occurrence is full (%d seats)", ev.capacity);
    if (!err) {
        yz_pg_params p = {0};
        yz__pg_p_i64(&p, x->event_id);
        yz__pg_p_i64(&p, x->day);
        yz__pg_p_i64(&p, x->worker_id);
        yz__pg_p_i64(&p, x->now);
        err = yz__pg_exec(c,
                          "INSERT INTO event_signups (event_id, occurrence, worker_id,"
                          " created_at) VALUES ($1, $2, $3, $4)",
                          &p, NULL, ei);
        /* a concurrent sign-up of the same worker: PostgreSQL normally reports it as a
         * serialization failure (retried, then caught above), a unique violation otherwise */
        if (err && strcmp(yz__pg_sqlstate(), "23505") == 0)
            err = already_err(ei);
    }
    if (!err)
        x->seats = (yz_event_seats){n + 1, ev.capacity};
out:
    yz_event_fini(&ev);
    return err;
}

static int pg_signup(yz_store *st, int64_t event_id, int32_t day, int64_t worker_id, int64_t now,
                     yz_event_seats *out, yz_errinfo *ei)
{
    signup_ctx x = {.event_id = event_id, .worker_id = worker_id, .now = now, .day = day};
    int err = yz__pg_tx((pg_store *)st, signup_body, &x, ei);
    if (!err)
        *out = x.seats;
    return err;
}

typedef struct unsignup_ctx {
    int64_t event_id, worker_id;
    int32_t day;
    yz_event_seats seats; /* out */
} unsignup_ctx;

static int unsignup_body(pg_store *s, PGconn *c, void *arg, yz_errinfo *ei)
{
    (void)s;
    unsignup_ctx *x = arg;
    x->seats = (yz_event_seats){0, 0};
    yz_event ev;
    int n = 0;
    int64_t deleted = 0;
    int err = load(c, x->event_id, &ev, NULL, ei);
    if (!err) {
        yz_pg_params p = {0};
        yz__pg_p_i64(&p, x->event_id);
        yz__pg_p_i64(&p, x->day);
        yz__pg_p_i64(&p, x->worker_id);
        err = yz__pg_exec(c,
                          "DELETE FROM event_signups WHERE event_id = $1 AND occurrence = $2"
                          " AND worker_id = $3",
                          &p, &deleted, ei);
        if (!err && deleted == 0)
            err = yz_err_set(ei, YZ_ENOTFOUND, "occurrence", "你没有报名这一场活动",
                             "you are not signed up for that occurrence");
    }
    if (!err)
        err = count_signups(c, x->event_id, x->day, &n, ei);
    if (!err)
        x->seats = (yz_event_seats){n, ev.capacity};
    yz_event_fini(&ev);
    return err;
}

static int pg_unsignup(yz_store *st, int64_t event_id, int32_t day, int64_t worker_id,
                       yz_event_seats *out, yz_errinfo *ei)
{
    unsignup_ctx x = {.event_id = event_id, .worker_id = worker_id, .day = day};
    int err = yz__pg_tx((pg_store *)st, unsignup_body, &x, ei);
    if (!err)
        *out = x.seats;
    return err;
}

static void read_count(const PGresult *r, int i, void *elem)
{
    *(yz_event_count *)elem = (yz_event_count){yz__pg_i64(r, i, 0),
                                               (int32_t)yz__pg_i64(r, i, 1),
                                               (int)yz__pg_i64(r, i, 2)};
}

static void free_counts(void *a, size_t n)
{
    yz_free(a);
}

static int pg_counts(yz_store *st, int32_t from_day, int32_t to_day, yz_event_count **out,
                     size_t *n, yz_errinfo *ei)
{
    yz_pg_params p = {0};
    yz__pg_p_i64(&p, from_day);
    yz__pg_p_i64(&p, to_day);
    void *a;
    int err = yz__pg_rows((pg_store *)st,
                          "SELECT event_id, occurrence, count(*) FROM event_signups"
                          " WHERE occurrence BETWEEN $1 AND $2 GROUP BY event_id, occurrence"
                          " ORDER BY event_id, occurrence",
                          &p, sizeof **out, read_count, free_counts, &a, n, ei);
    *out = a;
    return err;
}

const struct yz_store_event_ops yz__pg_event_ops = {
    .area = {"events", NULL},
    .create = pg_create,
    .update = pg_update,
    .cancel = pg_cancel,
    .get = pg_get,
    .list = pg_list,
    .signup = pg_signup,
    .unsignup = pg_unsignup,
    .counts = pg_counts,
};

#endif /* YZ_HAVE_PG */
