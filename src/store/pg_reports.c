/* SPDX-License-Identifier: MIT */
/* store/pg_reports.c - the reports area of the PostgreSQL backend: the service list (seeded
 * by migration 0006), report inserts, filtered listings, and status changes checked against
 * the stored status inside one SERIALIZABLE transaction (a port of sqlite_reports.c). */
#ifdef YZ_HAVE_PG

#include "store/pg_int.h"

#include "core/alloc.h"
#include "core/buf.h"
#include "core/time.h"

#include <string.h>

#define COLS                                                                                       \
    "id, service_code, station_id, station_code, address, description, lat, lon, media_url,"       \
    " worker_id, status, reason, notes, requested_at, updated_at, held_reasons"

static void read_row(const PGresult *q, int row, yz_report *r)
{
    yz_report_init(r);
    r->id = yz__pg_i64(q, row, 0);
    r->service_code = yz__pg_str(q, row, 1);
    r->station_id = yz__pg_i64(q, row, 2);
    r->station_code = yz__pg_str(q, row, 3);
    r->address = yz__pg_str(q, row, 4);
    r->description = yz__pg_str(q, row, 5);
    r->lat = yz__pg_f64(q, row, 6);
    r->lon = yz__pg_f64(q, row, 7);
    r->media_url = yz__pg_str(q, row, 8);
    r->worker_id = yz__pg_i64(q, row, 9);
    r->status = yz_report_status_parse(PQgetvalue(q, row, 10));
    r->reason =
        yz__pg_isnull(q, row, 11) ? YZ_REASON_NONE : yz_report_reason_parse(PQgetvalue(q, row, 11));
    r->notes = yz__pg_str(q, row, 12);
    r->requested_at = yz__pg_i64(q, row, 13);
    r->updated_at = yz__pg_i64(q, row, 14);
    r->held_reasons = yz__pg_str(q, row, 15);
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

/* --- services ------------------------------------------------------------------------- */

static void read_service(const PGresult *q, int i, void *elem)
{
    yz_report_service *v = elem;
    v->code = yz__pg_str(q, i, 0);
    v->name = yz__pg_str(q, i, 1);
    v->name_en = yz__pg_str(q, i, 2);
    v->description = yz__pg_str(q, i, 3);
    v->group = yz__pg_str(q, i, 4);
    v->keywords = yz__pg_str(q, i, 5);
    v->metadata = yz__pg_i64(q, i, 6) != 0;
}

static void free_services(void *a, size_t n)
{
    yz_report_service_array_free(a, n);
}

static int pg_list_services(yz_store *st, yz_report_service **out, size_t *n, yz_errinfo *ei)
{
    void *a;
    int err = yz__pg_rows((pg_store *)st,
                          "SELECT code, name, name_en, description, grp, keywords, metadata"
                          " FROM report_services ORDER BY position",
                          NULL, sizeof **out, read_service, free_services, &a, n, ei);
    *out = a;
    return err;
}

/* --- create --------------------------------------------------------------------------- */

typedef struct create_ctx {
    const yz_report *r; /* borrowed input */
    int64_t id;         /* OUT */
    int64_t now;        /* OUT: requested_at = updated_at */
} create_ctx;

static int service_exists(PGconn *c, const char *code, yz_errinfo *ei)
{
    yz_pg_params p = {0};
    yz__pg_p_text(&p, code ? code : "");
    PGresult *q = yz__pg_query(c, "SELECT 1 FROM report_services WHERE code = $1", &p, ei);
    if (!q)
        return YZ_EDB;
    int err = YZ_OK;
    if (PQntuples(q) == 0)
        err = yz_err_set(ei, YZ_EINVAL, "service_code", "未知的服务代码", "unknown service_code");
    PQclear(q);
    return err;
}

static int create_body(pg_store *s, PGconn *c, void *vctx, yz_errinfo *ei)
{
    (void)s;
    create_ctx *x = vctx;
    const yz_report *r = x->r;
    x->id = 0;
    x->now = yz_time_now();
    int err = service_exists(c, r->service_code, ei);
    if (err)
        return err;
    yz_pg_params p = {0};
    yz__pg_p_text(&p, r->service_code);
    if (r->station_id > 0)
        yz__pg_p_i64(&p, r->station_id);
    else
        yz__pg_p_null(&p);
    yz__pg_p_text(&p, r->station_code ? r->station_code : "");
    yz__pg_p_text(&p, r->address ? r->address : "");
    yz__pg_p_text(&p, r->description ? r->description : "");
    yz__pg_p_f64(&p, r->lat);
    yz__pg_p_f64(&p, r->lon);
    yz__pg_p_str(&p, r->media_url);
    if (r->worker_id > 0)
        yz__pg_p_i64(&p, r->worker_id);
    else
        yz__pg_p_null(&p);
    yz__pg_p_i64(&p, x->now);
    yz__pg_p_str(&p, r->held_reasons);
    PGresult *q = yz__pg_query(c,
                               "INSERT INTO reports (service_code, station_id, station_code,"
                               " address, description, lat, lon, media_url, worker_id, status,"
                               " requested_at, updated_at, held_reasons)"
                               " VALUES ($1, $2::bigint, $3, $4, $5, $6::double precision,"
                               " $7::double precision, $8, $9::bigint, 'open', $10::bigint,"
                               " $10::bigint, $11) RETURNING id",
                               &p, ei);
    if (!q)
        return YZ_EDB;
    x->id = yz__pg_i64(q, 0, 0);
    PQclear(q);
    return YZ_OK;
}

static int pg_create(yz_store *st, yz_report *r, yz_errinfo *ei)
{
    create_ctx x = {.r = r};
    int err = yz__pg_tx((pg_store *)st, create_body, &x, ei);
    if (err)
        return err;
    r->id = x.id;
    r->status = YZ_REPORT_OPEN;
    r->reason = YZ_REASON_NONE;
    yz_free(r->notes);
    r->notes = NULL;
    r->requested_at = r->updated_at = x.now;
    return YZ_OK;
}

/* --- get ------------------------------------------------------------------------------ */

/* Read report `id` into `out` (initialised here) inside the caller's transaction. */
static int get_in(PGconn *c, int64_t id, yz_report *out, yz_errinfo *ei)
{
    yz_report_init(out);
    yz_pg_params p = {0};
    yz__pg_p_i64(&p, id);
    PGresult *q = yz__pg_query(c, "SELECT " COLS " FROM reports WHERE id = $1::bigint", &p, ei);
    if (!q)
        return YZ_EDB;
    int err = YZ_OK;
    if (PQntuples(q) > 0)
        read_row(q, 0, out);
    else
        err = not_found(ei, id);
    PQclear(q);
    return err;
}

typedef struct get_ctx {
    int64_t id;    /* input */
    yz_report out; /* OUT */
} get_ctx;

static int get_body(pg_store *s, PGconn *c, void *vctx, yz_errinfo *ei)
{
    (void)s;
    get_ctx *x = vctx;
    yz_report_fini(&x->out);
    return get_in(c, x->id, &x->out, ei);
}

static int pg_get(yz_store *st, int64_t id, yz_report *out, yz_errinfo *ei)
{
    get_ctx x = {.id = id};
    yz_report_init(&x.out);
    int err = yz__pg_tx((pg_store *)st, get_body, &x, ei);
    if (err) {
        yz_report_fini(&x.out);
        yz_report_init(out);
        return err;
    }
    *out = x.out;
    return YZ_OK;
}

/* --- list ----------------------------------------------------------------------------- */

typedef struct list_ctx {
    const char *sql;       /* input */
    const yz_pg_params *p; /* input */
    yz_report *out;        /* OUT */
    size_t n;              /* OUT */
} list_ctx;

static int list_body(pg_store *s, PGconn *c, void *vctx, yz_errinfo *ei)
{
    (void)s;
    list_ctx *x = vctx;
    yz_report_array_free(x->out, x->n);
    x->out = NULL;
    x->n = 0;
    PGresult *q = yz__pg_query(c, x->sql, x->p, ei);
    if (!q)
        return YZ_EDB;
    int rows = PQntuples(q);
    if (rows > 0) {
        x->out = yz_reallocarray(NULL, (size_t)rows, sizeof *x->out);
        for (int i = 0; i < rows; i++)
            read_row(q, i, &x->out[i]);
        x->n = (size_t)rows;
    }
    PQclear(q);
    return YZ_OK;
}

static int pg_list(yz_store *st, const yz_report_filter *f, yz_report **out, size_t *n,
                   yz_errinfo *ei)
{
    /* Every value is a parameter: the id list and the status set go as array literals
     * ("{1,2,3}", "{open,closed}") of integers and of names from our own list. */
    yz_buf sql, ids, statuses;
    yz_buf_init(&sql);
    yz_buf_init(&ids);
    yz_buf_init(&statuses);
    yz_pg_params p = {0};
    yz_buf_puts(&sql, "SELECT " COLS " FROM reports WHERE true");
    if (f->n_ids) {
        yz_buf_putc(&ids, '{');
        for (size_t i = 0; i < f->n_ids; i++) {
            if (i)
                yz_buf_putc(&ids, ',');
            yz_buf_int(&ids, (long long)f->ids[i]);
        }
        yz_buf_putc(&ids, '}');
        yz__pg_p_text(&p, ids.data);
        yz_buf_printf(&sql, " AND id = ANY ($%d::bigint[])", p.n);
    }
    if (f->service_code) {
        yz__pg_p_text(&p, f->service_code);
        yz_buf_printf(&sql, " AND service_code = $%d", p.n);
    }
    if (f->station_id) {
        yz__pg_p_i64(&p, f->station_id);
        yz_buf_printf(&sql, " AND station_id = $%d::bigint", p.n);
    }
    if (f->status_mask) {
        yz_buf_putc(&statuses, '{');
        int first = 1;
        for (int i = 0; i < YZ_REPORT__COUNT; i++)
            if (f->status_mask & (1u << i)) {
                if (!first)
                    yz_buf_putc(&statuses, ',');
                yz_buf_puts(&statuses, yz_report_status_name(i));
                first = 0;
            }
        yz_buf_putc(&statuses, '}');
        yz__pg_p_text(&p, statuses.data);
        yz_buf_printf(&sql, " AND status = ANY ($%d::text[])", p.n);
    }
    if (f->from) {
        yz__pg_p_i64(&p, f->from);
        yz_buf_printf(&sql, " AND requested_at >= $%d::bigint", p.n);
    }
    if (f->to) {
        yz__pg_p_i64(&p, f->to);
        yz_buf_printf(&sql, " AND requested_at <= $%d::bigint", p.n);
    }
    yz__pg_p_i64(&p, (int64_t)(f->limit ? f->limit : 1000));
    yz_buf_printf(&sql, " ORDER BY requested_at DESC, id DESC LIMIT $%d::bigint", p.n);

    list_ctx x = {.sql = sql.data, .p = &p};
    *out = NULL;
    *n = 0;
    int err = yz__pg_tx((pg_store *)st, list_body, &x, ei);
    yz_buf_fini(&sql);
    yz_buf_fini(&ids);
    yz_buf_fini(&statuses);
    if (err) {
        yz_report_array_free(x.out, x.n);
        return err;
    }
    *out = x.out;
    *n = x.n;
    return YZ_OK;
}

/* --- update --------------------------------------------------------------------------- */

typedef struct update_ctx {
    int64_t id;        /* input */
    int status;        /* input: -1 keeps */
    int reason;        /* input */
    const char *notes; /* input, borrowed: NULL keeps, "" clears */
    bool want_out;     /* input: read the report back */
    yz_report out;     /* OUT */
} update_ctx;

static int update_body(pg_store *s, PGconn *c, void *vctx, yz_errinfo *ei)
{
    (void)s;
    update_ctx *x = vctx;
    yz_report_fini(&x->out);
    yz_report cur;
    int err = get_in(c, x->id, &cur, ei);
    if (!err && x->status >= 0)
        err = yz_report_check_transition(cur.status, x->status, x->reason, ei);
    else if (!err && x->reason != YZ_REASON_NONE)
        err = yz_err_set(ei, YZ_EINVAL, "reason", "只有关闭报告时才能给出原因",
                         "a reason is given only when closing a report");
    if (!err) {
        int to = x->status >= 0 ? x->status : cur.status;
        int why = x->status >= 0 ? x->reason : cur.reason;
        yz_pg_params p = {0};
        yz__pg_p_text(&p, yz_report_status_name(to));
        if (why >= 0)
            yz__pg_p_text(&p, yz_report_reason_name(why));
        else
            yz__pg_p_null(&p);
        yz__pg_p_str(&p, x->notes ? x->notes : cur.notes);
        yz__pg_p_i64(&p, yz_time_now());
        yz__pg_p_i64(&p, x->id);
        err = yz__pg_exec(c,
                          "UPDATE reports SET status = $1, reason = $2, notes = $3,"
                          " updated_at = $4::bigint WHERE id = $5::bigint",
                          &p, NULL, ei);
    }
    yz_report_fini(&cur);
    if (!err && x->want_out)
        err = get_in(c, x->id, &x->out, ei);
    return err;
}

static int pg_update(yz_store *st, int64_t id, int status, int reason, const char *notes,
                     yz_report *out, yz_errinfo *ei)
{
    update_ctx x = {
        .id = id, .status = status, .reason = reason, .notes = notes, .want_out = out != NULL};
    yz_report_init(&x.out);
    if (out)
        yz_report_init(out);
    int err = yz__pg_tx((pg_store *)st, update_body, &x, ei);
    if (err || !out) {
        yz_report_fini(&x.out);
        return err;
    }
    *out = x.out;
    return YZ_OK;
}

/* --- publish -------------------------------------------------------------------------- */

typedef struct publish_ctx {
    int64_t id; /* input */
} publish_ctx;

static int publish_body(pg_store *s, PGconn *c, void *vctx, yz_errinfo *ei)
{
    (void)s;
    publish_ctx *x = vctx;
    yz_pg_params p = {0};
    yz__pg_p_i64(&p, x->id);
    int64_t changed = 0;
    int err = yz__pg_exec(c, "UPDATE reports SET held_reasons = NULL WHERE id = $1::bigint", &p,
                          &changed, ei);
    if (!err && changed == 0)
        err = not_found(ei, x->id);
    return err;
}

static int pg_publish(yz_store *st, int64_t id, yz_errinfo *ei)
{
    publish_ctx x = {.id = id};
    return yz__pg_tx((pg_store *)st, publish_body, &x, ei);
}

const struct yz_store_report_ops yz__pg_report_ops = {
    .area = {"reports", NULL},
    .list_services = pg_list_services,
    .create = pg_create,
    .get = pg_get,
    .list = pg_list,
    .update = pg_update,
    .publish = pg_publish,
};

#endif /* YZ_HAVE_PG */
