/* SPDX-License-Identifier: MIT */
/* store/devices.c - the devices area (devices.h), written once for both backends on
 * store/db.h. The readings of a batch are written as one yz_db_batch (PostgreSQL: one
 * pipeline), each metric an INSERT ... ON CONFLICT DO NOTHING whose first row tells whether
 * the message was new (docs/internals/live.md, "Storage"). */
#include "store/devices.h"

#include "store/db.h"

#include "core/alloc.h"
#include "core/buf.h"
#include "core/time.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int no_device(int64_t id, yz_errinfo *ei)
{
    return yz_err_setf(ei, YZ_ENOTFOUND, "id", "设备 %lld 不存在", "device %lld does not exist",
                       (long long)id);
}

#define DEVICE_COLS "id, station_id, kind, name, key, created_at, disabled, last_seen"

static void read_device(const yz_db_q *q, yz_device *d)
{
    memset(d, 0, sizeof *d);
    d->id = yz_db_col_i64(q, 0);
    d->station_id = yz_db_col_i64(q, 1);
    d->kind = yz_device_kind_parse(yz_db_col_text(q, 2));
    const char *name = yz_db_col_text(q, 3);
    snprintf(d->name, sizeof d->name, "%s", name ? name : "");
    const char *key = yz_db_col_text(q, 4);
    snprintf(d->key, sizeof d->key, "%s", key ? key : "");
    d->created_at = yz_db_col_i64(q, 5);
    d->disabled = yz_db_col_int(q, 6) != 0;
    d->last_seen = yz_db_col_i64(q, 7);
}

static int create_body(yz_db_tx *tx, void *arg, yz_errinfo *ei)
{
    yz_device *d = arg;
    int err = yz__store_station_exists(tx, d->station_id, "station", ei);
    if (err)
        return err;
    d->created_at = yz_time_now();
    yz_db_q q;
    yz_db_query(&q, tx,
                "INSERT INTO devices (station_id, kind, name, key, created_at, disabled)"
                " VALUES ($1, $2, $3, $4, $5, 0) RETURNING id",
                ei);
    yz_db_i64(&q, d->station_id);
    yz_db_text(&q, yz_device_kind_name(d->kind));
    yz_db_text(&q, d->name);
    yz_db_text(&q, d->key);
    yz_db_i64(&q, d->created_at);
    if (yz_db_row(&q))
        d->id = yz_db_col_i64(&q, 0);
    err = yz_db_end(&q);
    return err ? err : yz_db_notify(tx, "devices", d->id, ei);
}

int yz_store_device_create(yz_store *st, yz_device *d, yz_errinfo *ei)
{
    d->disabled = false;
    d->last_seen = 0;
    return yz_db_run(st, YZ_DB_WRITE, create_body, d, ei);
}

typedef struct get_ctx {
    int64_t id;
    yz_device *out;
} get_ctx;

static int get_body(yz_db_tx *tx, void *arg, yz_errinfo *ei)
{
    get_ctx *x = arg;
    yz_db_q q;
    yz_db_query(&q, tx, "SELECT " DEVICE_COLS " FROM devices WHERE id = $1", ei);
    yz_db_i64(&q, x->id);
    bool found = yz_db_row(&q);
    if (found)
        read_device(&q, x->out);
    int err = yz_db_end(&q);
    return err ? err : found ? YZ_OK : no_device(x->id, ei);
}

int yz_store_device_get(yz_store *st, int64_t id, yz_device *out, yz_errinfo *ei)
{
    get_ctx x = {id, out};
    return yz_db_run(st, YZ_DB_READ1, get_body, &x, ei);
}

typedef struct list_ctx {
    int64_t station_id;
    yz_device *a;
    size_t n, cap;
} list_ctx;

static int list_body(yz_db_tx *tx, void *arg, yz_errinfo *ei)
{
    list_ctx *x = arg;
    x->n = 0;
    yz_db_q q;
    yz_db_query(&q, tx,
                x->station_id ? "SELECT " DEVICE_COLS " FROM devices WHERE station_id = $1"
                                " ORDER BY id"
                              : "SELECT " DEVICE_COLS " FROM devices ORDER BY id",
                ei);
    if (x->station_id)
        yz_db_i64(&q, x->station_id);
    while (yz_db_row(&q)) {
        x->a = yz_db_grow(x->a, x->n, &x->cap, sizeof *x->a);
        read_device(&q, &x->a[x->n++]);
    }
    return yz_db_end(&q);
}

int yz_store_device_list(yz_store *st, int64_t station_id, yz_device **out, size_t *n,
                         yz_errinfo *ei)
{
    list_ctx x = {.station_id = station_id};
    int err = yz_db_run(st, YZ_DB_READ1, list_body, &x, ei);
    if (err) {
        yz_free(x.a);
        x.a = NULL;
        x.n = 0;
    }
    *out = x.a;
    *n = x.n;
    return err;
}

typedef struct update_ctx {
    int64_t id;
    const char *name, *key;
    int disabled;
    bool del;
} update_ctx;

static int update_body(yz_db_tx *tx, void *arg, yz_errinfo *ei)
{
    update_ctx *x = arg;
    yz_db_q q;
    int64_t changes = 0;
    int err;
    if (x->del) {
        const char *const more[] = {"DELETE FROM device_nonces WHERE device_id = $1",
                                    "DELETE FROM device_status WHERE device_id = $1"};
        for (size_t k = 0; k < 2; k++) {
            yz_db_query(&q, tx, more[k], ei);
            yz_db_i64(&q, x->id);
            if ((err = yz_db_exec(&q, NULL)))
                return err;
        }
        yz_db_query(&q, tx, "DELETE FROM devices WHERE id = $1", ei);
        yz_db_i64(&q, x->id);
    } else if (x->key) {
        yz_db_query(&q, tx, "UPDATE devices SET key = $2 WHERE id = $1", ei);
        yz_db_i64(&q, x->id);
        yz_db_text(&q, x->key);
    } else {
        yz_db_query(&q, tx,
                    "UPDATE devices SET name = COALESCE($2, name),"
                    " disabled = CASE WHEN $3 < 0 THEN disabled ELSE $3 END WHERE id = $1",
                    ei);
        yz_db_i64(&q, x->id);
        if (x->name)
            yz_db_text(&q, x->name);
        else
            yz_db_null(&q);
        yz_db_i64(&q, x->disabled);
    }
    err = yz_db_exec(&q, &changes);
    if (!err && !changes)
        err = no_device(x->id, ei);
    return err ? err : yz_db_notify(tx, "devices", x->id, ei);
}

int yz_store_device_update(yz_store *st, int64_t id, const char *name, int disabled,
                           yz_errinfo *ei)
{
    update_ctx x = {.id = id, .name = name, .disabled = disabled};
    return yz_db_run(st, YZ_DB_WRITE, update_body, &x, ei);
}

int yz_store_device_set_key(yz_store *st, int64_t id, const char *key, yz_errinfo *ei)
{
    update_ctx x = {.id = id, .key = key};
    return yz_db_run(st, YZ_DB_WRITE, update_body, &x, ei);
}

int yz_store_device_delete(yz_store *st, int64_t id, yz_errinfo *ei)
{
    update_ctx x = {.id = id, .del = true};
    return yz_db_run(st, YZ_DB_WRITE, update_body, &x, ei);
}

/* --- readings ------------------------------------------------------------------------------ */

typedef struct hour_acc {
    int64_t device_id, hour_ms, last_ts;
    int metric;
    int64_t n;
    double min, max, sum, last;
} hour_acc;

typedef struct write_ctx {
    yz_reading *r;
    size_t n;
    yz_reading_nonce *no;
    size_t nn;
    const yz_device_status *s;
    size_t ns;
    size_t *items; /* positions in r of the readings with metrics */
    size_t n_items;
    hour_acc *h;
    size_t nh;
    char *vals; /* ns texts of the statuses' values */
} write_ctx;

static int reading_send(yz_db_tx *tx, size_t i, yz_db_q *qs, void *arg, yz_errinfo *ei)
{
    write_ctx *x = arg;
    const yz_reading *r = &x->r[x->items[i]];
    for (int k = 0; k < r->n; k++) {
        yz_db_query(&qs[k], tx,
                    "INSERT INTO device_readings (device_id, seq, metric, ts, value)"
                    " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (device_id, seq, metric) DO NOTHING",
                    ei);
        yz_db_i64(&qs[k], r->device_id);
        yz_db_i64(&qs[k], r->seq);
        yz_db_i64(&qs[k], r->metric[k]);
        yz_db_i64(&qs[k], r->ts);
        yz_db_f64(&qs[k], r->value[k]);
    }
    return r->n;
}

static int reading_recv(yz_db_q *qs, int nq, size_t i, void *arg, yz_errinfo *ei)
{
    write_ctx *x = arg;
    yz_reading *r = &x->r[x->items[i]];
    for (int k = 0; k < nq; k++) {
        int64_t changes = 0;
        int err = yz_db_exec(&qs[k], &changes);
        if (err)
            return err;
        if (k == 0)
            r->duplicate = changes == 0;
    }
    return YZ_OK;
}

static int cmp_hour(const void *a, const void *b)
{
    const hour_acc *x = a, *y = b;
    if (x->device_id != y->device_id)
        return x->device_id < y->device_id ? -1 : 1;
    if (x->metric != y->metric)
        return x->metric < y->metric ? -1 : 1;
    if (x->hour_ms != y->hour_ms)
        return x->hour_ms < y->hour_ms ? -1 : 1;
    return (x->last_ts > y->last_ts) - (x->last_ts < y->last_ts);
}

/* The new readings' hourly aggregates, one per (device, metric, hour). */
static void fold_hours(write_ctx *x)
{
    size_t cap = 0, m = 0;
    for (size_t i = 0; i < x->n; i++)
        if (!x->r[i].duplicate && !x->r[i].skip)
            cap += (size_t)x->r[i].n;
    x->h = yz_realloc(x->h, (cap + 1) * sizeof *x->h);
    for (size_t i = 0; i < x->n; i++) {
        const yz_reading *r = &x->r[i];
        if (r->duplicate || r->skip)
            continue;
        int64_t hour = r->ts - ((r->ts % 3600000) + 3600000) % 3600000;
        for (int k = 0; k < r->n; k++)
            x->h[m++] = (hour_acc){r->device_id, hour, r->ts, r->metric[k], 1,
                                   r->value[k],  r->value[k], r->value[k], r->value[k]};
    }
    qsort(x->h, m, sizeof *x->h, cmp_hour);
    size_t out = 0;
    for (size_t j = 0; j < m; j++) {
        hour_acc *a = &x->h[j];
        if (out && x->h[out - 1].device_id == a->device_id && x->h[out - 1].metric == a->metric &&
            x->h[out - 1].hour_ms == a->hour_ms) {
            hour_acc *o = &x->h[out - 1];
            o->n += a->n;
            o->min = fmin(o->min, a->min);
            o->max = fmax(o->max, a->max);
            o->sum += a->sum;
            if (a->last_ts >= o->last_ts) { /* sorted by ts: the later one wins */
                o->last = a->last;
                o->last_ts = a->last_ts;
            }
        } else {
            x->h[out++] = *a;
        }
    }
    x->nh = out;
}

static void status_values(const yz_device_status *s, yz_buf *b)
{
    yz_buf_putc(b, '{');
    bool first = true;
    for (int m = 1; m < YZ_M__COUNT; m++) {
        if (!s->v_ts[m])
            continue;
        yz_buf_printf(b, "%s\"%s\":[%.17g,%lld]", first ? "" : ",", yz_metric_name(m), s->v[m],
                      (long long)s->v_ts[m]);
        first = false;
    }
    yz_buf_putc(b, '}');
}

static int write_body(yz_db_tx *tx, void *arg, yz_errinfo *ei)
{
    write_ctx *x = arg;
    int err;
    for (size_t i = 0; i < x->n; i++)
        x->r[i].duplicate = x->r[i].skip = false;
    /* The nonces first: a replayed message writes nothing. A row past its window is taken
     * over (the purge deletes them in bulk, not per message). */
    for (size_t j = 0; j < x->nn; j++) {
        yz_reading_nonce *no = &x->no[j];
        yz_db_q q;
        int64_t changes = 0;
        yz_db_query(&q, tx,
                    "INSERT INTO device_nonces AS d (device_id, nonce, at) VALUES ($1, $2, $3)"
                    " ON CONFLICT (device_id, nonce) DO UPDATE SET at = excluded.at"
                    " WHERE d.at < $4",
                    ei);
        yz_db_i64(&q, no->device_id);
        yz_db_text(&q, no->nonce);
        yz_db_i64(&q, no->at);
        yz_db_i64(&q, no->at - YZ_NONCE_WINDOW_S);
        if ((err = yz_db_exec(&q, &changes)))
            return err;
        no->replay = changes == 0;
        for (size_t i = no->first; no->replay && i < no->first + no->n && i < x->n; i++)
            x->r[i].skip = true;
    }
    x->n_items = 0;
    for (size_t i = 0; i < x->n; i++)
        if (x->r[i].n > 0 && !x->r[i].skip)
            x->items[x->n_items++] = i;
    size_t failed;
    err = x->n_items ? yz_db_batch(tx, x->n_items, reading_send, reading_recv, x, &failed, ei)
                     : YZ_OK;
    if (err)
        return err;
    fold_hours(x);
    for (size_t j = 0; j < x->nh; j++) {
        const hour_acc *a = &x->h[j];
        yz_db_q q;
        yz_db_query(&q, tx,
                    yz_db_dialect(tx,
                                  "INSERT INTO device_readings_hourly AS h (device_id, metric, hour,"
                                  " n, min, max, sum, last, last_ts)"
                                  " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
                                  " ON CONFLICT (device_id, metric, hour) DO UPDATE SET"
                                  " n = h.n + excluded.n, min = min(h.min, excluded.min),"
                                  " max = max(h.max, excluded.max), sum = h.sum + excluded.sum,"
                                  " last = CASE WHEN excluded.last_ts >= h.last_ts"
                                  " THEN excluded.last ELSE h.last END,"
                                  " last_ts = max(h.last_ts, excluded.last_ts)",
                                  "INSERT INTO device_readings_hourly AS h (device_id, metric, hour,"
                                  " n, min, max, sum, last, last_ts)"
                                  " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
                                  " ON CONFLICT (device_id, metric, hour) DO UPDATE SET"
                                  " n = h.n + excluded.n, min = LEAST(h.min, excluded.min),"
                                  " max = GREATEST(h.max, excluded.max), sum = h.sum + excluded.sum,"
                                  " last = CASE WHEN excluded.last_ts >= h.last_ts"
                                  " THEN excluded.last ELSE h.last END,"
                                  " last_ts = GREATEST(h.last_ts, excluded.last_ts)"),
                    ei);
        yz_db_i64(&q, a->device_id);
        yz_db_i64(&q, a->metric);
        yz_db_i64(&q, a->hour_ms / 1000);
        yz_db_i64(&q, a->n);
        yz_db_f64(&q, a->min);
        yz_db_f64(&q, a->max);
        yz_db_f64(&q, a->sum);
        yz_db_f64(&q, a->last);
        yz_db_i64(&q, a->last_ts);
        if ((err = yz_db_exec(&q, NULL)))
            return err;
    }
    const char *v = x->vals;
    for (size_t j = 0; j < x->ns; j++, v += strlen(v) + 1) {
        const yz_device_status *s = &x->s[j];
        yz_db_q q;
        yz_db_query(&q, tx,
                    "INSERT INTO device_status (device_id, station_id, ts, \"values\", updated_ms)"
                    " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (device_id) DO UPDATE SET"
                    " station_id = excluded.station_id, ts = excluded.ts,"
                    " \"values\" = excluded.\"values\", updated_ms = excluded.updated_ms",
                    ei);
        yz_db_i64(&q, s->device_id);
        yz_db_i64(&q, s->station_id);
        yz_db_i64(&q, s->ts);
        yz_db_text(&q, v);
        yz_db_i64(&q, s->updated_ms);
        if ((err = yz_db_exec(&q, NULL)))
            return err;
        yz_db_query(&q, tx,
                    "UPDATE devices SET last_seen = $2 WHERE id = $1"
                    " AND (last_seen IS NULL OR last_seen < $2)",
                    ei);
        yz_db_i64(&q, s->device_id);
        yz_db_i64(&q, s->updated_ms);
        if ((err = yz_db_exec(&q, NULL)))
            return err;
    }
    return YZ_OK;
}

int yz_store_readings_write(yz_db_conn *c, yz_reading *r, size_t n, yz_reading_nonce *no,
                            size_t nn, const yz_device_status *s, size_t ns, yz_errinfo *ei)
{
    write_ctx x = {.r = r, .n = n, .no = no, .nn = nn, .s = s, .ns = ns};
    x.items = yz_calloc(n + 1, sizeof *x.items);
    yz_buf b;
    yz_buf_init(&b);
    for (size_t j = 0; j < ns; j++) {
        status_values(&s[j], &b);
        yz_buf_putc(&b, '\0');
    }
    x.vals = b.data;
    int err = yz_db_conn_run(c, YZ_DB_LOCK_READINGS, write_body, &x, ei);
    yz_buf_fini(&b);
    yz_free(x.items);
    yz_free(x.h);
    return err;
}

/* Parse what status_values wrote. Unknown names are skipped. */
static void parse_values(const char *p, yz_device_status *s)
{
    while (p && (p = strchr(p, '"'))) {
        const char *e = strchr(p + 1, '"');
        if (!e)
            return;
        char name[32];
        size_t len = (size_t)(e - p - 1);
        if (len >= sizeof name)
            return;
        memcpy(name, p + 1, len);
        name[len] = '\0';
        int m = yz_metric_parse(name);
        const char *br = strchr(e, '[');
        if (!br)
            return;
        char *end;
        double v = strtod(br + 1, &end);
        if (*end != ',')
            return;
        long long ts = strtoll(end + 1, &end, 10);
        if (m) {
            s->v[m] = v;
            s->v_ts[m] = ts;
        }
        p = end;
    }
}

typedef struct since_ctx {
    int64_t since;
    yz_device_status *a;
    size_t n, cap;
} since_ctx;

static int since_body(yz_db_tx *tx, void *arg, yz_errinfo *ei)
{
    since_ctx *x = arg;
    x->n = 0;
    yz_db_q q;
    yz_db_query(&q, tx,
                "SELECT device_id, station_id, ts, \"values\", updated_ms FROM device_status"
                " WHERE updated_ms > $1 ORDER BY device_id",
                ei);
    yz_db_i64(&q, x->since);
    while (yz_db_row(&q)) {
        x->a = yz_db_grow(x->a, x->n, &x->cap, sizeof *x->a);
        yz_device_status *s = &x->a[x->n++];
        memset(s, 0, sizeof *s);
        s->device_id = yz_db_col_i64(&q, 0);
        s->station_id = yz_db_col_i64(&q, 1);
        s->ts = yz_db_col_i64(&q, 2);
        parse_values(yz_db_col_text(&q, 3), s);
        s->updated_ms = yz_db_col_i64(&q, 4);
    }
    return yz_db_end(&q);
}

int yz_store_device_status_since(yz_store *st, int64_t since_ms, yz_device_status **out,
                                 size_t *n, yz_errinfo *ei)
{
    since_ctx x = {.since = since_ms};
    int err = yz_db_run(st, YZ_DB_READ1, since_body, &x, ei);
    if (err) {
        yz_free(x.a);
        x.a = NULL;
        x.n = 0;
    }
    *out = x.a;
    *n = x.n;
    return err;
}

typedef struct series_ctx {
    int64_t device_id, from, to;
    bool hourly;
    size_t max;
    yz_reading_point *a;
    size_t n, cap;
} series_ctx;

static int series_body(yz_db_tx *tx, void *arg, yz_errinfo *ei)
{
    series_ctx *x = arg;
    x->n = 0;
    yz_db_q q;
    if (x->hourly) {
        yz_db_query(&q, tx,
                    "SELECT hour * 1000, 0, metric, n, min, max, sum, last"
                    " FROM device_readings_hourly WHERE device_id = $1 AND hour >= $2"
                    " AND hour < $3 ORDER BY hour, metric LIMIT $4",
                    ei);
        yz_db_i64(&q, x->device_id);
        yz_db_i64(&q, x->from / 1000 + (x->from % 1000 > 0));
        yz_db_i64(&q, x->to / 1000 + (x->to % 1000 > 0));
    } else {
        yz_db_query(&q, tx,
                    "SELECT ts, seq, metric, 1, value, value, value, value FROM device_readings"
                    " WHERE device_id = $1 AND ts >= $2 AND ts < $3 ORDER BY ts, seq, metric"
                    " LIMIT $4",
                    ei);
        yz_db_i64(&q, x->device_id);
        yz_db_i64(&q, x->from);
        yz_db_i64(&q, x->to);
    }
    yz_db_i64(&q, (int64_t)x->max);
    while (yz_db_row(&q)) {
        x->a = yz_db_grow(x->a, x->n, &x->cap, sizeof *x->a);
        x->a[x->n++] = (yz_reading_point){
            yz_db_col_i64(&q, 0), yz_db_col_i64(&q, 1), yz_db_col_int(&q, 2),
            yz_db_col_i64(&q, 3), yz_db_col_f64(&q, 4), yz_db_col_f64(&q, 5),
            yz_db_col_f64(&q, 6), yz_db_col_f64(&q, 7)};
    }
    return yz_db_end(&q);
}

int yz_store_readings_list(yz_store *st, int64_t device_id, int64_t from_ms, int64_t to_ms,
                           bool hourly, size_t max, yz_reading_point **out, size_t *n,
                           yz_errinfo *ei)
{
    series_ctx x = {device_id, from_ms, to_ms, hourly, max, NULL, 0, 0};
    int err = yz_db_run(st, YZ_DB_READ1, series_body, &x, ei);
    if (err) {
        yz_free(x.a);
        x.a = NULL;
        x.n = 0;
    }
    *out = x.a;
    *n = x.n;
    return err;
}

typedef struct purge_ctx {
    int64_t raw_before, hourly_before, limit, deleted;
    int64_t raw_before_nonce; /* unix seconds */
} purge_ctx;

static int purge_body(yz_db_tx *tx, void *arg, yz_errinfo *ei)
{
    purge_ctx *x = arg;
    x->deleted = 0;
    /* A bounded delete that both dialects run: the keys of the oldest rows first. */
    yz_db_q q;
    int64_t changes = 0;
    yz_db_query(&q, tx,
                "DELETE FROM device_readings WHERE (device_id, seq, metric) IN"
                " (SELECT device_id, seq, metric FROM device_readings WHERE ts < $1 LIMIT $2)",
                ei);
    yz_db_i64(&q, x->raw_before);
    yz_db_i64(&q, x->limit);
    int err = yz_db_exec(&q, &changes);
    if (err)
        return err;
    x->deleted += changes;
    yz_db_query(&q, tx,
                "DELETE FROM device_readings_hourly WHERE (device_id, metric, hour) IN"
                " (SELECT device_id, metric, hour FROM device_readings_hourly WHERE hour < $1"
                " LIMIT $2)",
                ei);
    yz_db_i64(&q, x->hourly_before / 1000);
    yz_db_i64(&q, x->limit);
    if ((err = yz_db_exec(&q, &changes)))
        return err;
    yz_db_query(&q, tx, "DELETE FROM device_nonces WHERE at < $1", ei);
    yz_db_i64(&q, x->raw_before_nonce);
    return yz_db_exec(&q, NULL);
}

int yz_store_readings_purge(yz_store *st, int64_t raw_before_ms, int64_t hourly_before_ms,
                            int64_t limit, int64_t *deleted, yz_errinfo *ei)
{
    purge_ctx x = {raw_before_ms, hourly_before_ms, limit, 0, 0};
    x.raw_before_nonce = yz_time_now() - YZ_NONCE_WINDOW_S;
    int err = yz_db_run(st, YZ_DB_WRITE, purge_body, &x, ei);
    *deleted = err ? 0 : x.deleted;
    return err;
}

int yz_store_readings_conn_open(yz_store *st, yz_db_conn **out, yz_errinfo *ei)
{
    return yz_db_conn_open(st, out, ei);
}

void yz_store_readings_conn_close(yz_db_conn *c)
{
    yz_db_conn_close(c);
}
