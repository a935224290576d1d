/* SPDX-License-Identifier: MIT */
/* store/reports.c - the reports area: its names, its status lifecycle rule, and its service
 * list, reports and status changes in the store, written once for both backends (store/db.h).
 * A status change is checked against the stored status in the same write transaction, so two
 * admins racing cannot both win a step; the schema's CHECK (a closed report has a reason) is
 * the last line of defence. A new report of a problem already open at its station joins that
 * report ("me too", merged_into), decided in the create transaction. Reports are read from the
 * store per request: no other node keeps them in memory, so no write here notifies. */
#include "store/reports.h"

#include "core/alloc.h"
#include "core/buf.h"
#include "core/time.h"
#include "store/db.h"

#include <assert.h>
#include <string.h>

static const char *const status_names[] = {"open", "acknowledged", "in_progress", "closed"};
static const char *const reason_names[] = {"fixed", "not_reproducible", "duplicate"};

const char *yz_report_status_name(int status)
{
    return status >= 0 && status < YZ_REPORT__COUNT ? status_names[status] : "";
}

int yz_report_status_parse(const char *s)
{
    for (int i = 0; s && i < YZ_REPORT__COUNT; i++)
        if (strcmp(status_names[i], s) == 0)
            return i;
    return -1;
}

const char *yz_report_reason_name(int reason)
{
    return reason >= 0 && reason < YZ_REASON__COUNT ? reason_names[reason] : "";
}

int yz_report_reason_parse(const char *s)
{
    for (int i = 0; s && i < YZ_REASON__COUNT; i++)
        if (strcmp(reason_names[i], s) == 0)
            return i;
    return -1;
}

static int reason_needed(yz_errinfo *ei)
{
    return yz_err_set(ei, YZ_EINVAL, "reason",
                      "关闭报告须说明原因：fixed、not_reproducible 或 duplicate",
                      "closing a report needs a reason: fixed, not_reproducible or duplicate");
}

static int reason_not_closing(yz_errinfo *ei)
{
    return yz_err_set(ei, YZ_EINVAL, "reason", "只有关闭报告时才能给出原因",
                      "a reason is given only when closing a report");
}

int yz_report_check_transition(int from, int to, int reason, yz_errinfo *ei)
{
    if (to < 0 || to >= YZ_REPORT__COUNT)
        return yz_err_set(ei, YZ_EINVAL, "status",
                          "状态须为 open、acknowledged、in_progress 或 closed",
                          "status must be open, acknowledged, in_progress or closed");
    /* The lifecycle is a line: a report only moves forward. A closed one stays closed (a
     * problem that comes back is a new report), and re-setting the same status is refused
     * too, so that a client learns its view was stale. */
    if (to <= from)
        return yz_err_setf(ei, YZ_ECONFLICT, "status", "报告状态不能从 %s 改为 %s",
                           "a report cannot go from %s to %s", yz_report_status_name(from),
                           yz_report_status_name(to));
    if (to == YZ_REPORT_CLOSED && (reason < 0 || reason >= YZ_REASON__COUNT))
        return reason_needed(ei);
    if (to != YZ_REPORT_CLOSED && reason != YZ_REASON_NONE)
        return reason_not_closing(ei);
    return YZ_OK;
}

void yz_report_service_fini(yz_report_service *s)
{
    if (!s)
        return;
    yz_free(s->code);
    yz_free(s->name);
    yz_free(s->name_en);
    yz_free(s->description);
    yz_free(s->group);
    yz_free(s->keywords);
    memset(s, 0, sizeof *s);
}

void yz_report_service_array_free(yz_report_service *a, size_t n)
{
    for (size_t i = 0; a && i < n; i++)
        yz_report_service_fini(&a[i]);
    yz_free(a);
}

void yz_report_init(yz_report *r)
{
    memset(r, 0, sizeof *r);
    r->reason = YZ_REASON_NONE;
}

void yz_report_fini(yz_report *r)
{
    if (!r)
        return;
    yz_free(r->service_code);
    yz_free(r->station_code);
    yz_free(r->address);
    yz_free(r->description);
    yz_free(r->media_url);
    yz_free(r->notes);
    yz_free(r->held_reasons);
    yz_free(r->client_key);
    yz_report_init(r);
}

void yz_report_array_free(yz_report *a, size_t n)
{
    for (size_t i = 0; a && i < n; i++)
        yz_report_fini(&a[i]);
    yz_free(a);
}

/* --- in the store -------------------------------------------------------------------------- */

#define REPORT_COLS                                                                                \
    "SELECT id, service_code, station_id, station_code, address, description, lat, lon,"           \
    " media_url, worker_id, status, reason, notes, requested_at, updated_at, held_reasons,"        \
    " merged_into, me_too, reporter_pos, assigned_to, text_rejected FROM reports"

/* The report of the current row into `r` (not initialised: the call does it). */
static void row_report(const yz_db_q *q, yz_report *r)
{
    yz_report_init(r);
    r->id = yz_db_col_i64(q, 0);
    r->service_code = yz_db_col_str(q, 1);
    r->station_id = yz_db_col_i64(q, 2);
    r->station_code = yz_db_col_str(q, 3);
    r->address = yz_db_col_str(q, 4);
    r->description = yz_db_col_str(q, 5);
    r->lat = yz_db_col_f64(q, 6);
    r->lon = yz_db_col_f64(q, 7);
    r->media_url = yz_db_col_str(q, 8);
    r->worker_id = yz_db_col_i64(q, 9);
    r->status = yz_report_status_parse(yz_db_col_text(q, 10));
    r->reason =
        yz_db_col_null(q, 11) ? YZ_REASON_NONE : yz_report_reason_parse(yz_db_col_text(q, 11));
    r->notes = yz_db_col_str(q, 12);
    r->requested_at = yz_db_col_i64(q, 13);
    r->updated_at = yz_db_col_i64(q, 14);
    r->held_reasons = yz_db_col_str(q, 15);
    r->merged_into = yz_db_col_i64(q, 16);
    r->me_too = yz_db_col_i64(q, 17);
    r->reporter_pos = yz_db_col_i64(q, 18) != 0;
    r->assigned_to = yz_db_col_i64(q, 19);
    r->text_rejected = yz_db_col_i64(q, 20) != 0;
    if (!r->address)
        r->address = yz_strdup("");
    if (!r->description)
        r->description = yz_strdup("");
}

static int not_found(yz_errinfo *ei, int64_t id)
{
    return yz_err_setf(ei, YZ_ENOTFOUND, "id", "报告 %lld 不存在", "report %lld not found",
                       (long long)id);
}

/* Load report `id` into `out` (initialised by the call). */
static int load(yz_db_tx *tx, int64_t id, yz_report *out, yz_errinfo *ei)
{
    yz_report_init(out);
    yz_db_q q;
    yz_db_query(&q, tx, REPORT_COLS " WHERE id = $1", ei);
    yz_db_i64(&q, id);
    bool found = yz_db_row(&q);
    if (found)
        row_report(&q, out);
    int err = yz_db_end(&q);
    if (!err && !found)
        err = not_found(ei, id);
    return err;
}

/* --- services ------------------------------------------------------------------------------ */

typedef struct services_ctx {
    yz_report_service *v;
    size_t n;
} services_ctx;

static int services_body(yz_db_tx *tx, void *arg, yz_errinfo *ei)
{
    services_ctx *x = arg;
    yz_report_service_array_free(x->v, x->n);
    x->v = NULL;
    x->n = 0;
    size_t cap = 0;
    yz_db_q q;
    yz_db_query(&q, tx,
                "SELECT code, name, name_en, description, grp, keywords, metadata"
                " FROM report_services ORDER BY position",
                ei);
    while (yz_db_row(&q)) {
        x->v = yz_db_grow(x->v, x->n, &cap, sizeof *x->v);
        yz_report_service *v = &x->v[x->n++];
        v->code = yz_db_col_str(&q, 0);
        v->name = yz_db_col_str(&q, 1);
        v->name_en = yz_db_col_str(&q, 2);
        v->description = yz_db_col_str(&q, 3);
        v->group = yz_db_col_str(&q, 4);
        v->keywords = yz_db_col_str(&q, 5);
        v->metadata = yz_db_col_i64(&q, 6) != 0;
    }
    return yz_db_end(&q);
}

int yz_store_report_services(yz_store *st, yz_report_service **out, size_t *n, yz_errinfo *ei)
{
    services_ctx x = {NULL, 0};
    int err = yz_db_run(st, YZ_DB_READ1, services_body, &x, ei);
    if (err) {
        yz_report_service_array_free(x.v, x.n);
        x.v = NULL;
        x.n = 0;
    }
    *out = x.v;
    *n = x.n;
    return err;
}

/* --- create -------------------------------------------------------------------------------- */

static int service_exists(yz_db_tx *tx, const char *code, yz_errinfo *ei)
{
    yz_db_q q;
    yz_db_query(&q, tx, "SELECT 1 FROM report_services WHERE code = $1", ei);
    yz_db_text(&q, code ? code : "");
    bool found = yz_db_row(&q);
    int err = yz_db_end(&q);
    if (!err && !found)
        err = yz_err_set(ei, YZ_EINVAL, "service_code", "未知的服务代码", "unknown service_code");
    return err;
}

typedef struct create_ctx {
    const yz_report *r;  /* borrowed */
    int64_t now;         /* requested_at = updated_at */
    int64_t id;          /* out */
    int64_t merged_into; /* out: the report joined, or 0 */
    int64_t me_too;      /* out: its me_too after this one */
    int64_t requested_at; /* out: a replay's stored time */
    bool replayed;       /* out: the client key was seen; nothing written */
} create_ctx;

/* The submission stored with client key `key`, if any (x->replayed). */
static int replay_of(yz_db_tx *tx, const char *key, create_ctx *x, yz_errinfo *ei)
{
    yz_db_q q;
    yz_db_query(&q, tx,
                "SELECT s.id, s.merged_into, s.requested_at,"
                " (SELECT me_too FROM reports m WHERE m.id = s.merged_into)"
                " FROM reports s WHERE s.client_key = $1",
                ei);
    yz_db_text(&q, key);
    if (yz_db_row(&q)) {
        x->replayed = true;
        x->id = yz_db_col_i64(&q, 0);
        x->merged_into = yz_db_col_i64(&q, 1);
        x->requested_at = yz_db_col_i64(&q, 2);
        x->me_too = yz_db_col_i64(&q, 3);
    }
    return yz_db_end(&q);
}

/* The report a new one of `service` at `station` joins: the newest that is not closed, not
 * held and not itself a submission. *id = 0 when there is none. */
static int open_report_of(yz_db_tx *tx, int64_t station, const char *service, int64_t *id,
                          yz_errinfo *ei)
{
    *id = 0;
    yz_db_q q;
    yz_db_query(&q, tx,
                "SELECT id FROM reports WHERE station_id = $1 AND service_code = $2"
                " AND status <> 'closed' AND merged_into IS NULL AND held_reasons IS NULL"
                " ORDER BY requested_at DESC, id DESC LIMIT 1",
                ei);
    yz_db_i64(&q, station);
    yz_db_text(&q, service);
    if (yz_db_row(&q))
        *id = yz_db_col_i64(&q, 0);
    return yz_db_end(&q);
}

static int create_body(yz_db_tx *tx, void *arg, yz_errinfo *ei)
{
    create_ctx *x = arg;
    const yz_report *r = x->r;
    x->id = x->merged_into = x->me_too = x->requested_at = 0;
    x->replayed = false;
    int err = r->client_key ? replay_of(tx, r->client_key, x, ei) : YZ_OK;
    if (err || x->replayed)
        return err;
    err = service_exists(tx, r->service_code, ei);
    if (!err && r->station_id > 0)
        err = open_report_of(tx, r->station_id, r->service_code, &x->merged_into, ei);
    if (err)
        return err;
    yz_db_q q;
    yz_db_query(&q, tx,
                "INSERT INTO reports (service_code, station_id, station_code, address,"
                " description, lat, lon, media_url, worker_id, status, requested_at, updated_at,"
                " held_reasons, merged_into, reporter_pos, client_key)"
                " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'open', $10, $10, $11, $12, $13,"
                " $14)"
                " RETURNING id",
                ei);
    yz_db_text(&q, r->service_code);
    if (r->station_id > 0)
        yz_db_i64(&q, r->station_id);
    else
        yz_db_null(&q);
    yz_db_text(&q, r->station_code ? r->station_code : "");
    yz_db_text(&q, r->address ? r->address : "");
    yz_db_text(&q, r->description ? r->description : "");
    yz_db_f64(&q, r->lat);
    yz_db_f64(&q, r->lon);
    yz_db_str(&q, r->media_url);
    if (r->worker_id > 0)
        yz_db_i64(&q, r->worker_id);
    else
        yz_db_null(&q);
    yz_db_i64(&q, x->now);
    yz_db_str(&q, r->held_reasons);
    if (x->merged_into)
        yz_db_i64(&q, x->merged_into);
    else
        yz_db_null(&q);
    yz_db_bool(&q, r->reporter_pos);
    yz_db_str(&q, r->client_key);
    if (yz_db_row(&q))
        x->id = yz_db_col_i64(&q, 0);
    err = yz_db_end(&q);
    if (err || !x->merged_into)
        return err;
    /* A held submission counts once a moderator publishes it (publish_body). */
    yz_db_query(&q, tx,
                "UPDATE reports SET me_too = me_too + $1 WHERE id = $2 RETURNING me_too", ei);
    yz_db_i64(&q, r->held_reasons ? 0 : 1);
    yz_db_i64(&q, x->merged_into);
    if (yz_db_row(&q))
        x->me_too = yz_db_col_i64(&q, 0);
    return yz_db_end(&q);
}

int yz_store_report_create(yz_store *st, yz_report *r, yz_errinfo *ei)
{
    create_ctx x = {r, yz_time_now(), 0, 0, 0, 0, false};
    int err = yz_db_run(st, YZ_DB_WRITE, create_body, &x, ei);
    if (err)
        return err;
    r->replayed = x.replayed;
    r->id = x.id;
    r->status = YZ_REPORT_OPEN;
    r->reason = YZ_REASON_NONE;
    yz_free(r->notes);
    r->notes = NULL;
    r->requested_at = r->updated_at = x.replayed ? x.requested_at : x.now;
    r->merged_into = x.merged_into;
    r->me_too = x.me_too;
    return YZ_OK;
}

/* --- get and list -------------------------------------------------------------------------- */

typedef struct get_ctx {
    int64_t id;
    yz_report *out;
} get_ctx;

static int get_body(yz_db_tx *tx, void *arg, yz_errinfo *ei)
{
    get_ctx *x = arg;
    yz_report_fini(x->out); /* a run again starts afresh */
    return load(tx, x->id, x->out, ei);
}

int yz_store_report_get(yz_store *st, int64_t id, yz_report *out, yz_errinfo *ei)
{
    yz_report_init(out);
    get_ctx x = {id, out};
    int err = yz_db_run(st, YZ_DB_READ1, get_body, &x, ei);
    if (err)
        yz_report_fini(out);
    return err;
}

typedef struct list_ctx {
    const yz_report_filter *f; /* borrowed */
    yz_report *v;              /* out */
    size_t n;
} list_ctx;

/* The statement's text is built from the filters that are set, each with its parameter, so
 * that there are few texts (one per set of filters) and the backends keep them prepared. The
 * id list and the status set are one parameter each, a JSON array ("[3,5]", "[\"open\"]"),
 * whose members the two dialects read with their own functions. */
static int list_body(yz_db_tx *tx, void *arg, yz_errinfo *ei)
{
    list_ctx *x = arg;
    const yz_report_filter *f = x->f;
    bool sqlite = yz_db_dialect_of(tx) == YZ_DB_SQLITE;
    yz_report_array_free(x->v, x->n);
    x->v = NULL;
    x->n = 0;
    yz_buf sql, ids, statuses;
    yz_buf_init(&sql);
    yz_buf_init(&ids);
    yz_buf_init(&statuses);
    int n = 0; /* parameters in the text */
    yz_buf_puts(&sql, REPORT_COLS " WHERE true");
    if (f->n_ids) {
        yz_buf_putc(&ids, '[');
        for (size_t i = 0; i < f->n_ids; i++) {
            if (i)
                yz_buf_putc(&ids, ',');
            yz_buf_int(&ids, (long long)f->ids[i]);
        }
        yz_buf_putc(&ids, ']');
        yz_buf_printf(&sql,
                      sqlite ? " AND id IN (SELECT value FROM json_each($%d))"
                             : " AND id IN (SELECT value::bigint"
                               " FROM json_array_elements_text($%d::json))",
                      ++n);
    }
    if (f->merged_into)
        yz_buf_printf(&sql, " AND merged_into = $%d", ++n);
    else if (f->held) /* the moderators' queue: held submissions too */
        yz_buf_puts(&sql, " AND held_reasons IS NOT NULL AND text_rejected = 0");
    else
        yz_buf_puts(&sql, " AND merged_into IS NULL");
    if (f->district)
        yz_buf_printf(&sql, " AND station_id IN (SELECT id FROM stations WHERE district_code = $%d)",
                      ++n);
    if (f->assigned_to == YZ_REPORT_UNASSIGNED)
        yz_buf_puts(&sql, " AND assigned_to IS NULL");
    else if (f->assigned_to > 0)
        yz_buf_printf(&sql, " AND assigned_to = $%d", ++n);
    if (f->service_code)
        yz_buf_printf(&sql, " AND service_code = $%d", ++n);
    if (f->station_id)
        yz_buf_printf(&sql, " AND station_id = $%d", ++n);
    if (f->status_mask) {
        yz_buf_putc(&statuses, '[');
        for (int i = 0; i < YZ_REPORT__COUNT; i++)
            if (f->status_mask & (1u << i))
                yz_buf_printf(&statuses, "%s\"%s\"", statuses.len > 1 ? "," : "",
                              yz_report_status_name(i));
        yz_buf_putc(&statuses, ']');
        yz_buf_printf(&sql,
                      sqlite ? " AND status IN (SELECT value FROM json_each($%d))"
                             : " AND status IN (SELECT value"
                               " FROM json_array_elements_text($%d::json))",
                      ++n);
    }
    if (f->from)
        yz_buf_printf(&sql, " AND requested_at >= $%d", ++n);
    if (f->to)
        yz_buf_printf(&sql, " AND requested_at <= $%d", ++n);
    yz_buf_printf(&sql,
                  f->merged_into || f->oldest_first
                      ? " ORDER BY requested_at, id LIMIT $%d"
                      : " ORDER BY requested_at DESC, id DESC LIMIT $%d",
                  ++n);

    yz_db_q q;
    yz_db_query(&q, tx, sql.data, ei);
    if (f->n_ids)
        yz_db_text(&q, ids.data);
    if (f->merged_into)
        yz_db_i64(&q, f->merged_into);
    if (f->district)
        yz_db_text(&q, f->district);
    if (f->assigned_to > 0)
        yz_db_i64(&q, f->assigned_to);
    if (f->service_code)
        yz_db_text(&q, f->service_code);
    if (f->station_id)
        yz_db_i64(&q, f->station_id);
    if (f->status_mask)
        yz_db_text(&q, statuses.data);
    if (f->from)
        yz_db_i64(&q, f->from);
    if (f->to)
        yz_db_i64(&q, f->to);
    yz_db_i64(&q, (int64_t)(f->limit ? f->limit : 1000));
    assert(q.n == n);
    size_t cap = 0;
    while (yz_db_row(&q)) {
        x->v = yz_db_grow(x->v, x->n, &cap, sizeof *x->v);
        row_report(&q, &x->v[x->n++]);
    }
    int err = yz_db_end(&q);
    yz_buf_fini(&sql);
    yz_buf_fini(&ids);
    yz_buf_fini(&statuses);
    return err;
}

int yz_store_report_list(yz_store *st, const yz_report_filter *f, yz_report **out, size_t *n,
                         yz_errinfo *ei)
{
    list_ctx x = {f, NULL, 0};
    int err = yz_db_run(st, YZ_DB_READ1, list_body, &x, ei);
    if (err) {
        yz_report_array_free(x.v, x.n);
        x.v = NULL;
        x.n = 0;
    }
    *out = x.v;
    *n = x.n;
    return err;
}

/* --- status changes and moderation --------------------------------------------------------- */

typedef struct update_ctx {
    int64_t id;
    int status;        /* -1 keeps */
    int reason;        /* YZ_REASON_NONE unless closing */
    const char *notes; /* borrowed: NULL keeps, "" clears */
    int64_t assign;    /* -1 keeps, 0 unassigns, else a user id */
    bool want_out;     /* read the report back */
    yz_report out;     /* out */
} update_ctx;

static int update_body(yz_db_tx *tx, void *arg, yz_errinfo *ei)
{
    update_ctx *x = arg;
    yz_report_fini(&x->out); /* a run again starts afresh */
    yz_report cur;
    int err = load(tx, x->id, &cur, ei);
    if (!err && cur.merged_into)
        err = yz_err_setf(ei, YZ_ECONFLICT, "id",
                          "这份报告已并入报告 %lld，请修改那一份",
                          "this submission joined report %lld: change that one",
                          (long long)cur.merged_into);
    else if (!err && x->status >= 0)
        err = yz_report_check_transition(cur.status, x->status, x->reason, ei);
    else if (!err && x->reason != YZ_REASON_NONE)
        err = reason_not_closing(ei);
    if (!err) {
        int to = x->status >= 0 ? x->status : cur.status;
        int why = x->status >= 0 ? x->reason : cur.reason;
        yz_db_q q;
        yz_db_query(&q, tx,
                    "UPDATE reports SET status = $1, reason = $2, notes = $3, updated_at = $4,"
                    " assigned_to = $6 WHERE id = $5",
                    ei);
        yz_db_text(&q, yz_report_status_name(to));
        if (why >= 0)
            yz_db_text(&q, yz_report_reason_name(why));
        else
            yz_db_null(&q);
        yz_db_str(&q, x->notes ? x->notes : cur.notes);
        yz_db_i64(&q, yz_time_now());
        yz_db_i64(&q, x->id);
        int64_t who = x->assign >= 0 ? x->assign : cur.assigned_to;
        if (who > 0)
            yz_db_i64(&q, who);
        else
            yz_db_null(&q);
        err = yz_db_exec(&q, NULL);
        if (err && yz_db_violation(&q) == YZ_DB_FOREIGN)
            err = yz_err_set(ei, YZ_EINVAL, "assigned_to", "没有这个用户", "no such user");
        /* The schema's CHECK that a report is closed exactly when it has a reason is the last
         * line of defence behind the check above; its message is the same. */
        if (err && yz_db_violation(&q) == YZ_DB_CHECK)
            err = to == YZ_REPORT_CLOSED ? reason_needed(ei) : reason_not_closing(ei);
    }
    yz_report_fini(&cur);
    if (!err && x->want_out)
        err = load(tx, x->id, &x->out, ei);
    return err;
}

int yz_store_report_update(yz_store *st, int64_t id, int status, int reason, const char *notes,
                           yz_report *out, yz_errinfo *ei)
{
    yz_report_change c = {.status = status, .reason = reason, .notes = notes, .assign = -1};
    return yz_store_report_change(st, id, &c, out, ei);
}

int yz_store_report_change(yz_store *st, int64_t id, const yz_report_change *c, yz_report *out,
                           yz_errinfo *ei)
{
    update_ctx x = {.id = id,
                    .status = c->status,
                    .reason = c->reason,
                    .notes = c->notes,
                    .assign = c->assign,
                    .want_out = out != NULL};
    yz_report_init(&x.out);
    if (out)
        yz_report_init(out);
    int err = yz_db_run(st, YZ_DB_WRITE, update_body, &x, ei);
    if (err || !out) {
        yz_report_fini(&x.out);
        return err;
    }
    *out = x.out;
    return YZ_OK;
}

static int publish_body(yz_db_tx *tx, void *arg, yz_errinfo *ei)
{
    const int64_t *id = arg;
    int64_t changed = 0;
    yz_db_q q;
    /* A held submission that joined a report counts there from now on. */
    yz_db_query(&q, tx,
                "UPDATE reports SET me_too = me_too + 1 WHERE id = (SELECT merged_into"
                " FROM reports WHERE id = $1 AND held_reasons IS NOT NULL)",
                ei);
    yz_db_i64(&q, *id);
    int err = yz_db_exec(&q, NULL);
    if (err)
        return err;
    yz_db_query(&q, tx, "UPDATE reports SET held_reasons = NULL, text_rejected = 0 WHERE id = $1",
                ei);
    yz_db_i64(&q, *id);
    err = yz_db_exec(&q, &changed);
    if (!err && changed == 0)
        err = not_found(ei, *id);
    return err;
}

int yz_store_report_publish(yz_store *st, int64_t id, yz_errinfo *ei)
{
    return yz_db_run(st, YZ_DB_WRITE, publish_body, &id, ei);
}

static int reject_text_body(yz_db_tx *tx, void *arg, yz_errinfo *ei)
{
    const int64_t *id = arg;
    yz_report cur;
    int err = load(tx, *id, &cur, ei);
    if (!err && (!cur.held_reasons || cur.text_rejected))
        err = yz_err_set(ei, YZ_ECONFLICT, "description_status",
                         cur.held_reasons ? "这段描述已被驳回" : "这段描述未被暂扣，无需驳回",
                         cur.held_reasons ? "the description is rejected already"
                                          : "the description is not held");
    yz_report_fini(&cur);
    if (err)
        return err;
    yz_db_q q;
    yz_db_query(&q, tx, "UPDATE reports SET text_rejected = 1 WHERE id = $1", ei);
    yz_db_i64(&q, *id);
    return yz_db_exec(&q, NULL);
}

int yz_store_report_reject_text(yz_store *st, int64_t id, yz_errinfo *ei)
{
    return yz_db_run(st, YZ_DB_WRITE, reject_text_body, &id, ei);
}
