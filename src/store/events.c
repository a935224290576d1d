/* SPDX-License-Identifier: MIT */
/* store/events.c - the events area: its names, the occurrence rules (weekly expansion by
 * arithmetic on local dates), and its records and sign-ups in the store, written once for
 * both backends (store/db.h). A sign-up checks the occurrence, the worker's earlier sign-up and
 * the free seats, and inserts, in one write transaction, so concurrent sign-ups, from threads
 * or from several nodes sharing PostgreSQL, never overbook. Event writes tell the other nodes
 * ("events") so that they rebuild their in-memory index; sign-ups are not part of it. */
#include "store/events.h"

#include "core/alloc.h"
#include "core/time.h"
#include "core/utf8.h"
#include "store/db.h"

#include <stdlib.h>
#include <string.h>

static const char *const cat_names[] = {"free_meal", "cheap_meal", "health", "activity", "service"};

const char *yz_event_category_name(int cat)
{
    return cat >= 0 && cat < YZ_EVCAT__COUNT ? cat_names[cat] : "";
}

int yz_event_category_parse(const char *s)
{
    for (int i = 0; s && i < YZ_EVCAT__COUNT; i++)
        if (strcmp(cat_names[i], s) == 0)
            return i;
    return -1;
}

void yz_event_init(yz_event *ev)
{
    memset(ev, 0, sizeof *ev);
    ev->valid_until = YZ_EVENT_NO_UNTIL;
}

void yz_event_fini(yz_event *ev)
{
    if (!ev)
        return;
    yz_free(ev->title);
    yz_free(ev->description);
    yz_event_init(ev);
}

void yz_event_array_free(yz_event *evs, size_t n)
{
    for (size_t i = 0; evs && i < n; i++)
        yz_event_fini(&evs[i]);
    yz_free(evs);
}

void yz_event_copy(yz_event *dst, const yz_event *src)
{
    *dst = *src;
    dst->title = src->title ? yz_strdup(src->title) : NULL;
    dst->description = src->description ? yz_strdup(src->description) : NULL;
}

static size_t code_points(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

int yz_event_validate(const yz_event *ev, yz_errinfo *ei)
{
    if (!ev->title || !*ev->title || !yz_utf8_valid(ev->title, strlen(ev->title)))
        return yz_err_set(ei, YZ_EINVAL, "title", "标题不能为空，且须为有效的 UTF-8",
                          "title must be non-empty valid UTF-8");
    if (code_points(ev->title) > YZ_EVENT_TITLE_MAX)
        return yz_err_setf(ei, YZ_EINVAL, "title", "标题不能超过 %d 个字",
                           "title must be at most %d characters", YZ_EVENT_TITLE_MAX);
    if (ev->description && !yz_utf8_valid(ev->description, strlen(ev->description)))
        return yz_err_set(ei, YZ_EINVAL, "description", "说明须为有效的 UTF-8",
                          "description must be valid UTF-8");
    if (ev->description && code_points(ev->description) > YZ_EVENT_DESC_MAX)
        return yz_err_setf(ei, YZ_EINVAL, "description", "说明不能超过 %d 个字",
                           "description must be at most %d characters", YZ_EVENT_DESC_MAX);
    if (ev->category < 0 || ev->category >= YZ_EVCAT__COUNT)
        return yz_err_set(ei, YZ_EINVAL, "category",
                          "类别须为 free_meal、cheap_meal、health、activity 或 service",
                          "category must be free_meal, cheap_meal, health, activity or service");
    if (ev->capacity < 0 || ev->capacity > 100000)
        return yz_err_set(ei, YZ_EINVAL, "capacity", "名额须为 1 到 100000 的整数或 null",
                          "capacity must be an integer from 1 to 100000, or null");
    if (!ev->weekly) {
        if (ev->ends_at <= ev->starts_at)
            return yz_err_set(ei, YZ_EINVAL, "ends_at", "结束时间须晚于开始时间",
                              "ends_at must be after starts_at");
        if (ev->ends_at - ev->starts_at > 31 * 86400)
            return yz_err_set(ei, YZ_EINVAL, "ends_at", "一次性活动不能超过 31 天",
                              "a one-off event lasts at most 31 days");
        return YZ_OK;
    }
    if (!ev->weekdays || ev->weekdays > 0x7f)
        return yz_err_set(ei, YZ_EINVAL, "weekly.days", "须至少给出一个星期几（Mo..Su）",
                          "give at least one weekday (Mo..Su)");
    if (ev->start_min < 0 || ev->start_min >= 1440 || ev->end_min <= ev->start_min ||
        ev->end_min > 1440)
        return yz_err_set(ei, YZ_EINVAL, "weekly.end", "结束时间须晚于开始时间（同一天内）",
                          "the end time must be after the start time, on the same day");
    if (ev->valid_until != YZ_EVENT_NO_UNTIL && ev->valid_until < ev->valid_from)
        return yz_err_set(ei, YZ_EINVAL, "weekly.until", "截止日期不能早于起始日期",
                          "until must not be before from");
    return YZ_OK;
}

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

int32_t yz_event_local_day(int64_t t, int offset_min)
{
    return (int32_t)floor_div(t + (int64_t)offset_min * 60, 86400);
}

int yz_event_weekday(int32_t day)
{
    /* 1970-01-01 was a Thursday (3 with Monday = 0). */
    return (int)(((int64_t)day % 7 + 7 + 3) % 7);
}

static int64_t day_start(int32_t day, int offset_min)
{
    return (int64_t)day * 86400 - (int64_t)offset_min * 60;
}

bool yz_event_occurrence(const yz_event *ev, int32_t day, int offset_min, int64_t *start,
                         int64_t *end)
{
    if (ev->cancelled)
        return false;
    if (!ev->weekly) {
        if (yz_event_local_day(ev->starts_at, offset_min) != day)
            return false;
        *start = ev->starts_at;
        *end = ev->ends_at;
        return true;
    }
    if (day < ev->valid_from || day > ev->valid_until)
        return false;
    if (!(ev->weekdays & (1u << yz_event_weekday(day))))
        return false;
    *start = day_start(day, offset_min) + (int64_t)ev->start_min * 60;
    *end = day_start(day, offset_min) + (int64_t)ev->end_min * 60;
    return true;
}

bool yz_event_on_day(const yz_event *ev, int32_t day, int offset_min, int64_t *start, int64_t *end)
{
    if (ev->weekly || ev->cancelled)
        return yz_event_occurrence(ev, day, offset_min, start, end);
    int64_t d0 = day_start(day, offset_min);
    if (ev->starts_at >= d0 + 86400 || ev->ends_at <= d0)
        return false;
    *start = ev->starts_at;
    *end = ev->ends_at;
    return true;
}

/* --- in the store -------------------------------------------------------------------------- */

#define EVENT_COLS                                                                                 \
    "SELECT e.id, e.station_id, e.title, e.description, e.category, e.weekly, e.starts_at,"        \
    " e.ends_at, e.weekdays, e.start_min, e.end_min, e.valid_from, e.valid_until, e.capacity,"     \
    " e.created_at, e.updated_at, e.cancelled_at, s.tz, e.version"                                 \
    " FROM events e LEFT JOIN stations s ON s.id = e.station_id"

/* The event of the current row, and its station's UTC offset when `offset_min` is not NULL. */
static void row_event(const yz_db_q *q, yz_event *ev, int *offset_min)
{
    yz_event_init(ev);
    ev->id = yz_db_col_i64(q, 0);
    ev->station_id = yz_db_col_i64(q, 1);
    ev->title = yz_db_col_str(q, 2);
    ev->description = yz_db_col_str(q, 3);
    ev->category = yz_event_category_parse(yz_db_col_text(q, 4));
    ev->weekly = yz_db_col_i64(q, 5) != 0;
    ev->starts_at = yz_db_col_i64(q, 6);
    ev->ends_at = yz_db_col_i64(q, 7);
    ev->weekdays = (uint8_t)yz_db_col_int(q, 8);
    ev->start_min = yz_db_col_int(q, 9);
    ev->end_min = yz_db_col_int(q, 10);
    ev->valid_from = (int32_t)yz_db_col_i64(q, 11);
    ev->valid_until = yz_db_col_null(q, 12) ? YZ_EVENT_NO_UNTIL : (int32_t)yz_db_col_i64(q, 12);
    ev->capacity = yz_db_col_int(q, 13);
    ev->created_at = yz_db_col_i64(q, 14);
    ev->updated_at = yz_db_col_i64(q, 15);
    ev->cancelled = !yz_db_col_null(q, 16);
    ev->version = yz_db_col_i64(q, 18);
    if (offset_min) {
        const char *tz = yz_db_col_text(q, 17);
        if (yz_tz_offset(tz ? tz : YZ_DEFAULT_TZ, offset_min) != YZ_OK)
            *offset_min = 480;
    }
}

/* Bind every field but id and created_at: station_id .. capacity, updated_at ($1..$14). */
static void bind_fields(yz_db_q *q, const yz_event *ev)
{
    yz_db_i64(q, ev->station_id);
    yz_db_text(q, ev->title);
    yz_db_str(q, ev->description);
    yz_db_text(q, yz_event_category_name(ev->category));
    yz_db_bool(q, ev->weekly);
    if (!ev->weekly) {
        yz_db_i64(q, ev->starts_at);
        yz_db_i64(q, ev->ends_at);
        for (int i = 0; i < 5; i++)
            yz_db_null(q);
    } else {
        yz_db_null(q);
        yz_db_null(q);
        yz_db_i64(q, ev->weekdays);
        yz_db_i64(q, ev->start_min);
        yz_db_i64(q, ev->end_min);
        yz_db_i64(q, ev->valid_from);
        if (ev->valid_until != YZ_EVENT_NO_UNTIL)
            yz_db_i64(q, ev->valid_until);
        else
            yz_db_null(q);
    }
    if (ev->capacity > 0)
        yz_db_i64(q, ev->capacity);
    else
        yz_db_null(q);
    yz_db_i64(q, ev->updated_at);
}

/* Load event `id` into `out` (initialised by the call) with its zone's offset. */
static int load(yz_db_tx *tx, int64_t id, yz_event *out, int *offset_min, yz_errinfo *ei)
{
    yz_event_init(out);
    yz_db_q q;
    yz_db_query(&q, tx, EVENT_COLS " WHERE e.id = $1", ei);
    yz_db_i64(&q, id);
    bool found = yz_db_row(&q);
    if (found)
        row_event(&q, out, offset_min);
    int err = yz_db_end(&q);
    if (!err && !found)
        err = yz_err_setf(ei, YZ_ENOTFOUND, "id", "活动 %lld 不存在", "event %lld not found",
                          (long long)id);
    return err;
}

typedef struct create_ctx {
    yz_event *evs; /* ids and times are set on them */
    size_t n;
    int64_t now;
} create_ctx;

static int create_body(yz_db_tx *tx, void *arg, yz_errinfo *ei)
{
    create_ctx *x = arg;
    int err = YZ_OK;
    for (size_t i = 0; !err && i < x->n; i++) {
        yz_event *ev = &x->evs[i];
        err = yz__store_station_exists(tx, ev->station_id, "station", ei);
        if (err)
            break;
        ev->created_at = ev->updated_at = x->now;
        ev->version = 1;
        yz_db_q q;
        yz_db_query(&q, tx,
                    "INSERT INTO events (station_id, title, description, category, weekly,"
                    " starts_at, ends_at, weekdays, start_min, end_min, valid_from, valid_until,"
                    " capacity, updated_at, created_at)"
                    " VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15) RETURNING id",
                    ei);
        bind_fields(&q, ev);
        yz_db_i64(&q, x->now);
        if (yz_db_row(&q))
            ev->id = yz_db_col_i64(&q, 0);
        err = yz_db_end(&q);
    }
    if (!err && x->n > 0)
        err = yz_db_notify(tx, "events", 0, ei);
    return err;
}

int yz_store_event_create(yz_store *st, yz_event *evs, size_t n, yz_errinfo *ei)
{
    create_ctx x = {evs, n, yz_time_now()};
    return yz_db_run(st, YZ_DB_WRITE, create_body, &x, ei);
}

typedef struct update_ctx {
    yz_event *ev; /* in: the new rule; out: created_at, updated_at, cancelled, version */
    int64_t if_version;
} update_ctx;

static int update_body(yz_db_tx *tx, void *arg, yz_errinfo *ei)
{
    update_ctx *x = arg;
    yz_event *ev = x->ev;
    yz_event old;
    int err = load(tx, ev->id, &old, NULL, ei);
    if (!err)
        err = yz_db_check_version(x->if_version, old.version, ei);
    if (!err && old.cancelled)
        err = yz_err_set(ei, YZ_ECONFLICT, "id", "活动已取消，不能修改",
                         "the event is cancelled and cannot be changed");
    if (!err)
        err = yz__store_station_exists(tx, ev->station_id, "station", ei);
    if (!err) {
        ev->updated_at = yz_time_now();
        ev->created_at = old.created_at;
        ev->cancelled = false;
        ev->version = old.version + 1;
        yz_db_q q;
        yz_db_query(&q, tx,
                    "UPDATE events SET station_id = $1, title = $2, description = $3,"
                    " category = $4, weekly = $5, starts_at = $6, ends_at = $7, weekdays = $8,"
                    " start_min = $9, end_min = $10, valid_from = $11, valid_until = $12,"
                    " capacity = $13, updated_at = $14, version = $16 WHERE id = $15",
                    ei);
        bind_fields(&q, ev);
        yz_db_i64(&q, ev->id);
        yz_db_i64(&q, ev->version);
        err = yz_db_exec(&q, NULL);
    }
    if (!err)
        err = yz_db_notify(tx, "events", 0, ei);
    yz_event_fini(&old);
    return err;
}

int yz_store_event_update(yz_store *st, yz_event *ev, int64_t if_version, yz_errinfo *ei)
{
    update_ctx x = {ev, if_version};
    return yz_db_run(st, YZ_DB_WRITE, update_body, &x, ei);
}

typedef struct cancel_ctx {
    int64_t id, now, if_version;
} cancel_ctx;

static int cancel_body(yz_db_tx *tx, void *arg, yz_errinfo *ei)
{
    cancel_ctx *x = arg;
    yz_event old;
    int err = load(tx, x->id, &old, NULL, ei);
    if (!err)
        err = yz_db_check_version(x->if_version, old.version, ei);
    if (!err && old.cancelled)
        err = yz_err_set(ei, YZ_ECONFLICT, "id", "活动已取消", "the event is already cancelled");
    if (!err) {
        yz_db_q q;
        yz_db_query(&q, tx,
                    "UPDATE events SET cancelled_at = $1, updated_at = $2,"
                    " version = version + 1 WHERE id = $3",
                    ei);
        yz_db_i64(&q, x->now);
        yz_db_i64(&q, x->now);
        yz_db_i64(&q, x->id);
        err = yz_db_exec(&q, NULL);
    }
    if (!err)
        err = yz_db_notify(tx, "events", 0, ei);
    yz_event_fini(&old);
    return err;
}

int yz_store_event_cancel(yz_store *st, int64_t id, int64_t now, int64_t if_version, yz_errinfo *ei)
{
    cancel_ctx x = {id, now, if_version};
    return yz_db_run(st, YZ_DB_WRITE, cancel_body, &x, ei);
}

typedef struct get_ctx {
    int64_t id;
    yz_event *out;
} get_ctx;

static int get_body(yz_db_tx *tx, void *arg, yz_errinfo *ei)
{
    get_ctx *x = arg;
    yz_event_fini(x->out); /* a run again starts afresh */
    return load(tx, x->id, x->out, NULL, ei);
}

int yz_store_event_get(yz_store *st, int64_t id, yz_event *out, yz_errinfo *ei)
{
    yz_event_init(out);
    get_ctx x = {id, out};
    int err = yz_db_run(st, YZ_DB_READ1, get_body, &x, ei);
    if (err)
        yz_event_fini(out);
    return err;
}

typedef struct list_ctx {
    bool with_cancelled;
    yz_event *v;
    size_t n;
} list_ctx;

static int list_body(yz_db_tx *tx, void *arg, yz_errinfo *ei)
{
    list_ctx *x = arg;
    yz_event_array_free(x->v, x->n);
    x->v = NULL;
    x->n = 0;
    size_t cap = 0;
    yz_db_q q;
    yz_db_query(&q, tx,
                x->with_cancelled ? EVENT_COLS " ORDER BY e.id"
                                  : EVENT_COLS " WHERE e.cancelled_at IS NULL ORDER BY e.id",
                ei);
    while (yz_db_row(&q)) {
        x->v = yz_db_grow(x->v, x->n, &cap, sizeof *x->v);
        row_event(&q, &x->v[x->n++], NULL);
    }
    return yz_db_end(&q);
}

int yz_store_event_list(yz_store *st, bool with_cancelled, yz_event **out, size_t *n,
                        yz_errinfo *ei)
{
    list_ctx x = {with_cancelled, NULL, 0};
    int err = yz_db_run(st, YZ_DB_READ1, list_body, &x, ei);
    if (err) {
        yz_event_array_free(x.v, x.n);
        x.v = NULL;
        x.n = 0;
    }
    *out = x.v;
    *n = x.n;
    return err;
}

/* Sign-ups of one occurrence. */
static int count_signups(yz_db_tx *tx, int64_t event_id, int32_t day, int *n, yz_errinfo *ei)
{
    yz_db_q q;
    yz_db_query(&q, tx,
                "SELECT count(*) FROM event_signups WHERE event_id = $1 AND occurrence = $2", ei);
    yz_db_i64(&q, event_id);
    yz_db_i64(&q, day);
    *n = yz_db_row(&q) ? yz_db_col_int(&q, 0) : 0;
    return yz_db_end(&q);
}

static int already_err(yz_errinfo *ei)
{
    return yz_err_set(ei, YZ_ECONFLICT, "occurrence", "你已报名这一场活动",
                      "you are already signed up for that occurrence");
}

/* The rules of a sign-up that the event decides: not cancelled, an occurrence on `day` (its
 * start and end into *start, *end), not over by `now`. */
static int check_occurrence(const yz_event *ev, int32_t day, int offset, int64_t now,
                            int64_t *start, int64_t *end, yz_errinfo *ei)
{
    if (ev->cancelled)
        return yz_err_set(ei, YZ_ECONFLICT, "id", "活动已取消", "the event is cancelled");
    if (!yz_event_occurrence(ev, day, offset, start, end))
        return yz_err_set(ei, YZ_EINVAL, "occurrence", "该日期没有这项活动",
                          "the event does not take place on that date");
    if (*end <= now)
        return yz_err_set(ei, YZ_EINVAL, "occurrence", "这一场活动已经结束",
                          "that occurrence is already over");
    return YZ_OK;
}

static int full_err(yz_errinfo *ei, int capacity)
{
    return yz_err_setf(ei, YZ_ECONFLICT, "occurrence", "名额已满（共 %d 个）",
                       "the occurrence is full (%d seats)", capacity);
}

typedef struct signup_ctx {
    int64_t event_id, worker_id, now;
    int32_t day;
    yz_event_seats seats; /* out */
} signup_ctx;

static int signup_body(yz_db_tx *tx, void *arg, yz_errinfo *ei)
{
    signup_ctx *x = arg;
    x->seats = (yz_event_seats){0, 0};
    yz_event ev;
    int offset = 480, n = 0;
    int64_t start, end;
    int err = load(tx, x->event_id, &ev, &offset, ei);
    if (!err)
        err = check_occurrence(&ev, x->day, offset, x->now, &start, &end, ei);
    if (err)
        goto out;
    yz_db_q q;
    yz_db_query(&q, tx,
                "SELECT 1 FROM event_signups WHERE event_id = $1 AND occurrence = $2"
                " AND worker_id = $3",
                ei);
    yz_db_i64(&q, x->event_id);
    yz_db_i64(&q, x->day);
    yz_db_i64(&q, x->worker_id);
    bool already = yz_db_row(&q);
    err = yz_db_end(&q);
    if (!err && already)
        err = already_err(ei);
    if (!err)
        err = count_signups(tx, x->event_id, x->day, &n, ei);
    if (!err && ev.capacity > 0 && n >= ev.capacity)
        err = full_err(ei, ev.capacity);
    if (err)
        goto out;
    yz_db_query(&q, tx,
                "INSERT INTO event_signups (event_id, occurrence, worker_id, created_at)"
                " VALUES ($1, $2, $3, $4)",
                ei);
    yz_db_i64(&q, x->event_id);
    yz_db_i64(&q, x->day);
    yz_db_i64(&q, x->worker_id);
    yz_db_i64(&q, x->now);
    err = yz_db_exec(&q, NULL);
    /* the same worker signing up twice at once: the unique key is the last line of defence */
    if (err && yz_db_violation(&q) == YZ_DB_UNIQUE)
        err = already_err(ei);
    if (!err)
        x->seats = (yz_event_seats){n + 1, ev.capacity};
out:
    yz_event_fini(&ev);
    return err;
}

int yz_store_event_signup(yz_store *st, int64_t event_id, int32_t day, int64_t worker_id,
                          int64_t now, yz_event_seats *out, yz_errinfo *ei)
{
    signup_ctx x = {.event_id = event_id, .worker_id = worker_id, .now = now, .day = day};
    int err = yz_db_run(st, YZ_DB_WRITE, signup_body, &x, ei);
    if (!err)
        *out = x.seats;
    return err;
}

/* Many sign-ups of one occurrence in one transaction (yz_store_event_signup_many). */
typedef struct signup_many_ctx {
    int64_t event_id;
    int32_t day;
    const int64_t *workers, *at; /* borrowed, n each */
    size_t n;
    int64_t *sorted; /* the workers, sorted: repeats and those signed up already */
} signup_many_ctx;

static int send_signup(yz_db_tx *tx, size_t i, yz_db_q *qs, void *arg, yz_errinfo *ei)
{
    const signup_many_ctx *x = arg;
    yz_db_query(&qs[0], tx,
                "INSERT INTO event_signups (event_id, occurrence, worker_id, created_at)"
                " VALUES ($1, $2, $3, $4)",
                ei);
    yz_db_i64(&qs[0], x->event_id);
    yz_db_i64(&qs[0], x->day);
    yz_db_i64(&qs[0], x->workers[i]);
    yz_db_i64(&qs[0], x->at[i]);
    return 1;
}

static int recv_signup(yz_db_q *qs, int nq, size_t i, void *arg, yz_errinfo *ei)
{
    (void)nq, (void)i, (void)arg;
    int err = yz_db_exec(&qs[0], NULL);
    if (err && yz_db_violation(&qs[0]) == YZ_DB_UNIQUE)
        err = already_err(ei);
    return err;
}

static int by_worker(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static int signup_many_body(yz_db_tx *tx, void *arg, yz_errinfo *ei)
{
    signup_many_ctx *x = arg;
    yz_event ev;
    int offset = 480, n = 0;
    int64_t start, end;
    int64_t latest = x->at[0]; /* over by the latest sign-up's time: over for one of them */
    for (size_t i = 1; i < x->n; i++)
        latest = x->at[i] > latest ? x->at[i] : latest;
    int err = load(tx, x->event_id, &ev, &offset, ei);
    if (!err)
        err = check_occurrence(&ev, x->day, offset, latest, &start, &end, ei);
    if (err)
        goto out;
    /* the workers signed up already, then the new ones: any repeat is one signed up twice */
    size_t have = 0, cap = 0;
    yz_free(x->sorted);
    x->sorted = NULL;
    yz_db_q q;
    yz_db_query(&q, tx,
                "SELECT worker_id FROM event_signups WHERE event_id = $1 AND occurrence = $2",
                ei);
    yz_db_i64(&q, x->event_id);
    yz_db_i64(&q, x->day);
    while (yz_db_row(&q)) {
        x->sorted = yz_db_grow(x->sorted, have, &cap, sizeof *x->sorted);
        x->sorted[have++] = yz_db_col_i64(&q, 0);
    }
    err = yz_db_end(&q);
    if (err)
        goto out;
    n = (int)have;
    x->sorted = yz_realloc(x->sorted, (have + x->n + 1) * sizeof *x->sorted);
    memcpy(x->sorted + have, x->workers, x->n * sizeof *x->sorted);
    qsort(x->sorted, have + x->n, sizeof *x->sorted, by_worker);
    for (size_t i = 1; i < have + x->n; i++) {
        if (x->sorted[i] == x->sorted[i - 1]) {
            err = already_err(ei);
            goto out;
        }
    }
    if (ev.capacity > 0 && (size_t)n + x->n > (size_t)ev.capacity) {
        err = full_err(ei, ev.capacity);
        goto out;
    }
    size_t failed;
    err = yz_db_batch(tx, x->n, send_signup, recv_signup, x, &failed, ei);
out:
    yz_event_fini(&ev);
    return err;
}

int yz_store_event_signup_many(yz_store *st, int64_t event_id, int32_t day,
                               const int64_t *worker_ids, const int64_t *at, size_t n,
                               yz_errinfo *ei)
{
    if (n == 0)
        return YZ_OK;
    signup_many_ctx x = {event_id, day, worker_ids, at, n, NULL};
    int err = yz_db_run(st, YZ_DB_WRITE, signup_many_body, &x, ei);
    yz_free(x.sorted);
    return err;
}

static int unsignup_body(yz_db_tx *tx, void *arg, yz_errinfo *ei)
{
    signup_ctx *x = arg;
    x->seats = (yz_event_seats){0, 0};
    yz_event ev;
    int n = 0;
    int64_t deleted = 0;
    int err = load(tx, x->event_id, &ev, NULL, ei);
    if (!err) {
        yz_db_q q;
        yz_db_query(&q, tx,
                    "DELETE FROM event_signups WHERE event_id = $1 AND occurrence = $2"
                    " AND worker_id = $3",
                    ei);
        yz_db_i64(&q, x->event_id);
        yz_db_i64(&q, x->day);
        yz_db_i64(&q, x->worker_id);
        err = yz_db_exec(&q, &deleted);
        if (!err && deleted == 0)
            err = yz_err_set(ei, YZ_ENOTFOUND, "occurrence", "你没有报名这一场活动",
                             "you are not signed up for that occurrence");
    }
    if (!err)
        err = count_signups(tx, x->event_id, x->day, &n, ei);
    if (!err)
        x->seats = (yz_event_seats){n, ev.capacity};
    yz_event_fini(&ev);
    return err;
}

int yz_store_event_unsignup(yz_store *st, int64_t event_id, int32_t day, int64_t worker_id,
                            yz_event_seats *out, yz_errinfo *ei)
{
    signup_ctx x = {.event_id = event_id, .worker_id = worker_id, .day = day};
    int err = yz_db_run(st, YZ_DB_WRITE, unsignup_body, &x, ei);
    if (!err)
        *out = x.seats;
    return err;
}

typedef struct counts_ctx {
    int32_t from_day, to_day;
    yz_event_count *v;
    size_t n;
} counts_ctx;

static int counts_body(yz_db_tx *tx, void *arg, yz_errinfo *ei)
{
    counts_ctx *x = arg;
    yz_free(x->v);
    x->v = NULL;
    x->n = 0;
    size_t cap = 0;
    yz_db_q q;
    yz_db_query(&q, tx,
                "SELECT event_id, occurrence, count(*) FROM event_signups"
                " WHERE occurrence BETWEEN $1 AND $2 GROUP BY event_id, occurrence"
                " ORDER BY event_id, occurrence",
                ei);
    yz_db_i64(&q, x->from_day);
    yz_db_i64(&q, x->to_day);
    while (yz_db_row(&q)) {
        x->v = yz_db_grow(x->v, x->n, &cap, sizeof *x->v);
        x->v[x->n++] = (yz_event_count){yz_db_col_i64(&q, 0), (int32_t)yz_db_col_i64(&q, 1),
                                        yz_db_col_int(&q, 2)};
    }
    return yz_db_end(&q);
}

int yz_store_event_counts(yz_store *st, int32_t from_day, int32_t to_day, yz_event_count **out,
                          size_t *n, yz_errinfo *ei)
{
    counts_ctx x = {from_day, to_day, NULL, 0};
    int err = yz_db_run(st, YZ_DB_READ1, counts_body, &x, ei);
    if (err) {
        yz_free(x.v);
        x.v = NULL;
        x.n = 0;
    }
    *out = x.v;
    *n = x.n;
    return err;
}

typedef struct signups_ctx {
    int64_t event_id;
    int32_t day;
    size_t max;
    yz_event_signup *v;
    size_t n;
} signups_ctx;

static int signups_body(yz_db_tx *tx, void *arg, yz_errinfo *ei)
{
    signups_ctx *x = arg;
    yz_free(x->v);
    x->v = NULL;
    x->n = 0;
    size_t cap = 0;
    yz_event ev;
    int err = load(tx, x->event_id, &ev, NULL, ei);
    yz_event_fini(&ev);
    if (err)
        return err;
    yz_db_q q;
    yz_db_query(&q, tx,
                x->day >= 0 ? "SELECT occurrence, worker_id, created_at FROM event_signups"
                              " WHERE event_id = $1 AND occurrence = $2"
                              " ORDER BY occurrence, created_at, worker_id LIMIT $3"
                            : "SELECT occurrence, worker_id, created_at FROM event_signups"
                              " WHERE event_id = $1 AND $2 < 0"
                              " ORDER BY occurrence, created_at, worker_id LIMIT $3",
                ei);
    yz_db_i64(&q, x->event_id);
    yz_db_i64(&q, x->day);
    yz_db_i64(&q, (int64_t)x->max);
    while (yz_db_row(&q)) {
        x->v = yz_db_grow(x->v, x->n, &cap, sizeof *x->v);
        x->v[x->n++] = (yz_event_signup){(int32_t)yz_db_col_i64(&q, 0), yz_db_col_i64(&q, 1),
                                         yz_db_col_i64(&q, 2)};
    }
    return yz_db_end(&q);
}

int yz_store_event_signups(yz_store *st, int64_t event_id, int32_t day, size_t max,
                           yz_event_signup **out, size_t *n, yz_errinfo *ei)
{
    signups_ctx x = {event_id, day, max, NULL, 0};
    int err = yz_db_run(st, YZ_DB_READ, signups_body, &x, ei);
    if (err) {
        yz_free(x.v);
        x.v = NULL;
        x.n = 0;
    }
    *out = x.v;
    *n = x.n;
    return err;
}
