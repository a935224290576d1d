/* SPDX-License-Identifier: MIT */
/* store/audit.c - the audit log's store area (docs/internals/audit.md): append and list, once
 * for both backends. There is no update and no delete here on purpose; the migration's
 * triggers refuse them in the database too. */
#include "store/audit.h"

#include "core/alloc.h"
#include "core/buf.h"
#include "core/time.h"
#include "store/db.h"

#include <string.h>

void yz_audit_entry_init(yz_audit_entry *e)
{
    memset(e, 0, sizeof *e);
}

void yz_audit_entry_fini(yz_audit_entry *e)
{
    if (!e)
        return;
    char **s[] = {&e->actor_kind, &e->login,       &e->addr,       &e->action,
                  &e->method,     &e->path,        &e->record_kind, &e->district,
                  &e->before_json, &e->after_json, &e->outcome,    &e->reason};
    for (size_t i = 0; i < sizeof s / sizeof s[0]; i++)
        yz_free(*s[i]);
    yz_audit_entry_init(e);
}

void yz_audit_entries_free(yz_audit_entry *a, size_t n)
{
    for (size_t i = 0; a && i < n; i++)
        yz_audit_entry_fini(&a[i]);
    yz_free(a);
}

void yz_audit_filter_init(yz_audit_filter *f)
{
    memset(f, 0, sizeof *f);
}

typedef struct append_ctx {
    const yz_audit_entry *e;
    int64_t at;
    int64_t id;
} append_ctx;

static const char *nz(const char *s)
{
    return s ? s : "";
}

static int append_body(yz_db_tx *tx, void *arg, yz_errinfo *ei)
{
    append_ctx *x = arg;
    const yz_audit_entry *e = x->e;
    bool big_b = e->before_json && strlen(e->before_json) > YZ_AUDIT_JSON_MAX;
    bool big_a = e->after_json && strlen(e->after_json) > YZ_AUDIT_JSON_MAX;
    yz_buf reason;
    yz_buf_init(&reason);
    yz_buf_puts(&reason, nz(e->reason));
    if (big_b || big_a)
        yz_buf_printf(&reason, "%s(before/after over %d bytes: not kept)", reason.len ? " " : "",
                      YZ_AUDIT_JSON_MAX);
    yz_db_q q;
    yz_db_query(&q, tx,
                "INSERT INTO audit (at, actor_kind, user_id, login, addr, action, method, path,"
                " record_kind, record_id, district, before_json, after_json, outcome, status,"
                " reason) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16)"
                " RETURNING id",
                ei);
    yz_db_i64(&q, x->at);
    yz_db_text(&q, e->actor_kind ? e->actor_kind : "anonymous");
    if (e->user_id > 0)
        yz_db_i64(&q, e->user_id);
    else
        yz_db_null(&q);
    yz_db_text(&q, nz(e->login));
    yz_db_text(&q, nz(e->addr));
    yz_db_text(&q, nz(e->action));
    yz_db_text(&q, nz(e->method));
    yz_db_text(&q, nz(e->path));
    yz_db_text(&q, nz(e->record_kind));
    if (e->record_id > 0)
        yz_db_i64(&q, e->record_id);
    else
        yz_db_null(&q);
    yz_db_text(&q, nz(e->district));
    yz_db_text(&q, big_b ? NULL : e->before_json);
    yz_db_text(&q, big_a ? NULL : e->after_json);
    yz_db_text(&q, e->outcome ? e->outcome : "ok");
    yz_db_i64(&q, e->status);
    yz_db_text(&q, reason.len ? reason.data : "");
    x->id = yz_db_row(&q) ? yz_db_col_i64(&q, 0) : 0;
    int err = yz_db_end(&q);
    yz_buf_fini(&reason);
    return err;
}

int yz_store_audit_append(yz_store *st, const yz_audit_entry *e, int64_t *id, yz_errinfo *ei)
{
    append_ctx x = {e, e->at ? e->at : yz_time_now(), 0};
    int err = yz_db_run(st, YZ_DB_WRITE, append_body, &x, ei);
    if (id)
        *id = err ? 0 : x.id;
    return err;
}

typedef struct list_ctx {
    const yz_audit_filter *f;
    const char *sql;
    yz_audit_entry *v;
    size_t n;
} list_ctx;

#define AUDIT_COLS                                                                             \
    "SELECT id, at, actor_kind, user_id, login, addr, action, method, path, record_kind,"      \
    " record_id, district, before_json, after_json, outcome, status, reason FROM audit"

/* " AND at >= $n AND at < $n+1" for the bounds `f` has; returns the last parameter number. */
static int date_range(const yz_audit_filter *f, int n, yz_buf *b)
{
    if (f->from)
        yz_buf_printf(b, " AND at >= $%d", ++n);
    if (f->to)
        yz_buf_printf(b, " AND at < $%d", ++n);
    return n;
}

/* The statement for filter `f`: only the conditions it uses, so each can use its index. The
 * parameters are bound in the same order by bind_filter. */
static void filter_sql(const yz_audit_filter *f, yz_buf *b)
{
    int n = 0;
    yz_buf_puts(b, AUDIT_COLS " WHERE 1 = 1");
    if (f->user_id > 0)
        yz_buf_printf(b, " AND user_id = $%d", ++n);
    if (f->login)
        yz_buf_printf(b, " AND login = $%d", ++n);
    if (f->record_kind)
        yz_buf_printf(b, " AND record_kind = $%d", ++n);
    if (f->record_kind && f->record_id > 0)
        yz_buf_printf(b, " AND record_id = $%d", ++n);
    if (f->ndistricts) {
        yz_buf_puts(b, " AND district IN (");
        for (size_t i = 0; i < f->ndistricts; i++)
            yz_buf_printf(b, "%s$%d", i ? "," : "", ++n);
        yz_buf_putc(b, ')');
    }
    /* With another filter (user, district, record...), whose index is walked in id order, a
     * date bound is also turned into an id bound through the `at` index, so that the walk
     * stops at the date instead of reading every newer (or older) entry of that user. Always
     * exact, even where `at` is not in id order (several nodes' clocks): a row with
     * from <= at < to has an id between the least and the greatest id of such rows. With both
     * bounds, the bounds are looked up inside [from, to) only, so their cost is that of the
     * range. `id + 0`: a bare min(id)/max(id) lets SQLite walk the whole table in id order
     * looking for the first row in the range (200 ms at 100,000 entries); the expression makes
     * it read the `at` index's range, whose entries carry the id (0.3 ms). On PostgreSQL the
     * index is (at, id) for the same reason (0023). A filter on dates alone reads the `at`
     * index directly. */
    bool other = f->user_id > 0 || f->login || f->record_kind || f->ndistricts || f->action ||
                 f->outcome;
    n = date_range(f, n, b);
    if (other && (f->from || f->to)) {
        yz_buf_puts(b, " AND id >= (SELECT min(id + 0) FROM audit WHERE 1 = 1");
        n = date_range(f, n, b);
        yz_buf_puts(b, ") AND id <= (SELECT max(id + 0) FROM audit WHERE 1 = 1");
        n = date_range(f, n, b);
        yz_buf_putc(b, ')');
    }
    if (f->action)
        yz_buf_printf(b, " AND action = $%d", ++n);
    if (f->outcome)
        yz_buf_printf(b, " AND outcome = $%d", ++n);
    if (f->before_id > 0)
        yz_buf_printf(b, " AND id < $%d", ++n);
    yz_buf_printf(b, " ORDER BY id DESC LIMIT $%d", ++n);
}

static void bind_filter(yz_db_q *q, const yz_audit_filter *f)
{
    if (f->user_id > 0)
        yz_db_i64(q, f->user_id);
    if (f->login)
        yz_db_text(q, f->login);
    if (f->record_kind)
        yz_db_text(q, f->record_kind);
    if (f->record_kind && f->record_id > 0)
        yz_db_i64(q, f->record_id);
    for (size_t i = 0; i < f->ndistricts; i++)
        yz_db_text(q, f->districts[i]);
    if (f->from)
        yz_db_i64(q, f->from);
    if (f->to)
        yz_db_i64(q, f->to);
    bool other = f->user_id > 0 || f->login || f->record_kind || f->ndistricts || f->action ||
                 f->outcome;
    for (int i = 0; other && i < 2; i++) { /* the two id bounds' ranges */
        if (f->from)
            yz_db_i64(q, f->from);
        if (f->to)
            yz_db_i64(q, f->to);
    }
    if (f->action)
        yz_db_text(q, f->action);
    if (f->outcome)
        yz_db_text(q, f->outcome);
    if (f->before_id > 0)
        yz_db_i64(q, f->before_id);
    int lim = f->limit;
    if (lim <= 0)
        lim = 50;
    if (lim > YZ_AUDIT_LIMIT_MAX)
        lim = YZ_AUDIT_LIMIT_MAX;
    yz_db_i64(q, lim);
}

static int list_body(yz_db_tx *tx, void *arg, yz_errinfo *ei)
{
    list_ctx *x = arg;
    yz_audit_entries_free(x->v, x->n);
    x->v = NULL;
    x->n = 0;
    size_t cap = 0;
    yz_db_q q;
    yz_db_query(&q, tx, x->sql, ei);
    bind_filter(&q, x->f);
    while (yz_db_row(&q)) {
        x->v = yz_db_grow(x->v, x->n, &cap, sizeof *x->v);
        yz_audit_entry *e = &x->v[x->n++];
        yz_audit_entry_init(e);
        e->id = yz_db_col_i64(&q, 0);
        e->at = yz_db_col_i64(&q, 1);
        e->actor_kind = yz_db_col_str(&q, 2);
        e->user_id = yz_db_col_i64(&q, 3);
        e->login = yz_db_col_str(&q, 4);
        e->addr = yz_db_col_str(&q, 5);
        e->action = yz_db_col_str(&q, 6);
        e->method = yz_db_col_str(&q, 7);
        e->path = yz_db_col_str(&q, 8);
        e->record_kind = yz_db_col_str(&q, 9);
        e->record_id = yz_db_col_i64(&q, 10);
        e->district = yz_db_col_str(&q, 11);
        e->before_json = yz_db_col_str(&q, 12);
        e->after_json = yz_db_col_str(&q, 13);
        e->outcome = yz_db_col_str(&q, 14);
        e->status = yz_db_col_int(&q, 15);
        e->reason = yz_db_col_str(&q, 16);
    }
    return yz_db_end(&q);
}

int yz_store_audit_list(yz_store *st, const yz_audit_filter *f, yz_audit_entry **out, size_t *n,
                        yz_errinfo *ei)
{
    yz_buf sql;
    yz_buf_init(&sql);
    filter_sql(f, &sql);
    list_ctx x = {f, sql.data, NULL, 0};
    int err = yz_db_run(st, YZ_DB_READ1, list_body, &x, ei);
    if (err) {
        yz_audit_entries_free(x.v, x.n);
        x.v = NULL;
        x.n = 0;
    }
    yz_buf_fini(&sql);
    *out = x.v;
    *n = x.n;
    return err;
}
