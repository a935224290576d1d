/* SPDX-License-Identifier: MIT */
/* api/dashboard.c - the dashboard's statistics for staff: GET /api/v1/dashboard/visits and
 * its .csv, visits by day, week or month and by district, station or occupation, read from
 * the daily roll-ups (store/rollups.h); a cell of fewer than 5 distinct workers is answered
 * as suppressed, never as a number (docs/internals/stats.md). */
#include "api/api_int.h"
#include "api/params.h"

#include "core/buf.h"
#include "core/time.h"
#include "exchange/exchange.h"
#include "state/state.h"
#include "store/rollups.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DAYS 1096 /* three years, a leap day included */

static const char *const occ_keys[] = {"rider", "courier", "driver", "sanitation", "other"};
static const char *const occ_labels[] = {"外卖骑手", "快递员", "司机", "环卫工人", "其他"};

typedef struct dash_args {
    int32_t from, to; /* days since 1970-01-01, local */
    int bucket, by;
    const char *district;
} dash_args;

static const yz_param dash_params[] = {
    {"from", YZ_PARAM_DATE, offsetof(dash_args, from), 0, 0, 0, 0, NULL, NULL},
    {"to", YZ_PARAM_DATE, offsetof(dash_args, to), 0, 0, 0, 0, NULL, NULL},
    {"bucket", YZ_PARAM_WORD, offsetof(dash_args, bucket), 0, 0, YZ_BUCKET_DAY, 0,
     yz_rollup_bucket_parse, "day, week, month"},
    {"by", YZ_PARAM_WORD, offsetof(dash_args, by), 0, 0, YZ_ROLLUP_BY_DISTRICT, 0,
     yz_rollup_by_parse, "district, station, occupation"},
    {"district", YZ_PARAM_TEXT, offsetof(dash_args, district), 0, 31, 0, 0, NULL, NULL},
};

/* A district admin's one district (their grants' codes), for a request that names none. */
static int default_district(const yz_actor *a, char *out, size_t n, yz_errinfo *ei)
{
    const yz_perm *p = yz__api_perm("dashboard_visits");
    bool all = a->kind == YZ_ACTOR_ADMIN_TOKEN;
    for (size_t i = 0; !all && i < a->user.ngrants; i++)
        all = p->scope[a->user.grants[i].role] == YZ_SCOPE_ANY;
    out[0] = 0;
    if (all)
        return YZ_OK;
    int found = 0;
    for (size_t i = 0; i < a->user.ngrants; i++) {
        const char *s = a->user.grants[i].scope;
        if (p->scope[a->user.grants[i].role] != YZ_SCOPE_DISTRICT || !s || !*s)
            continue;
        found += 1 + (strchr(s, ',') != NULL);
        snprintf(out, n, "%s", s);
    }
    if (found == 1)
        return YZ_OK;
    return yz_err_set(ei, YZ_EINVAL, "district", "请指定你管辖的一个区县（district）",
                      "name one of your districts (district)");
}

/* The request read and checked, the cells queried. On success the caller frees *cells. */
static int run(yz_api *api, yz_http_req *req, const char *route, yz_rollup_query *q,
               char *district, size_t dn, yz_rollup_cell **cells, size_t *n, yz_errinfo *ei)
{
    *cells = NULL;
    *n = 0;
    int err = yz__api_authorize(api, req, route, NULL, ei);
    if (err)
        return err;
    dash_args x = {0};
    err = YZ_API_PARAMS(req, dash_params, &x, ei);
    if (err)
        return err;
    bool has_from = yz__api_param_given(req, "from"), has_to = yz__api_param_given(req, "to");
    if (has_from && !has_to)
        x.to = x.from + 29;
    if (!has_from)
        x.from = x.to - 29; /* the last 30 days by default */
    if (x.to < x.from)
        return yz_err_set(ei, YZ_EINVAL, "to", "to 不能早于 from", "to must not be before from");
    if (x.to - x.from + 1 > MAX_DAYS)
        return yz_err_setf(ei, YZ_EINVAL, "from", "时间范围最长 %d 天（三年）",
                           "the range is at most %d days (three years)", MAX_DAYS);
    if (x.district) {
        const yz_state_view *v = yz_state_acquire(api->state);
        bool known = yz_snap_find_district(yz_state_snap(v), x.district) >= 0;
        yz_state_release(api->state, v);
        if (!known)
            return yz_err_set(ei, YZ_EINVAL, "district", "未知的区县代码", "unknown district code");
        yz_target t = {0};
        snprintf(t.district, sizeof t.district, "%s", x.district);
        err = yz__api_authorize(api, req, route, &t, ei);
        if (err)
            return err;
        snprintf(district, dn, "%s", x.district);
    } else {
        err = default_district(yz__api_actor(api, req), district, dn, ei);
        if (err)
            return err;
    }
    q->from_day = (int64_t)x.from * 86400 - YZ_ROLLUP_OFFSET_S;
    q->to_day = ((int64_t)x.to + 1) * 86400 - YZ_ROLLUP_OFFSET_S;
    q->bucket = x.bucket;
    q->by = x.by;
    q->district = district[0] ? district : NULL;
    return yz_store_rollup_query(api->st, q, cells, n, ei);
}

/* A bucket's label: "2026-05-01" (day, week: its Monday) or "2026-05" (month). */
static void bucket_label(int bucket, int64_t start, char out[16])
{
    int y, m, d;
    yz_civil_from_days((start + YZ_ROLLUP_OFFSET_S) / 86400, &y, &m, &d);
    if (bucket == YZ_BUCKET_MONTH)
        snprintf(out, 16, "%04d-%02d", y, m);
    else
        snprintf(out, 16, "%04d-%02d-%02d", y, m, d);
}

/* The series' key and label as shown: a station's code and name, a district's code and
 * name, an occupation and its Chinese name. Borrowed from `s` or static. */
static void series_names(const yz_snap *s, int by, const char *key, const char **k,
                         const char **label)
{
    *k = key;
    *label = "";
    if (by == YZ_ROLLUP_BY_STATION) {
        long i = yz_snap_find_id(s, strtoll(key, NULL, 10));
        if (i >= 0) {
            *k = yz_snap_station(s, (size_t)i)->code;
            *label = yz_snap_station(s, (size_t)i)->name;
        }
    } else if (by == YZ_ROLLUP_BY_DISTRICT) {
        long i = yz_snap_find_district(s, key);
        if (i >= 0)
            *label = yz_snap_district(s, (size_t)i)->name;
    } else {
        for (size_t i = 0; i < sizeof occ_keys / sizeof *occ_keys; i++)
            if (strcmp(occ_keys[i], key) == 0)
                *label = occ_labels[i];
    }
}

/* Calls `cell` for every series x bucket of the range in order, cells without visits as 0. */
typedef void cell_fn(yz_buf *b, const char *key, const char *label, const char *bucket,
                     const yz_rollup_cell *c, bool first_of_series, bool first);

static void walk(yz_api *api, const yz_rollup_query *q, const yz_rollup_cell *c, size_t n,
                 yz_buf *b, cell_fn *fn)
{
    const yz_state_view *v = yz_state_acquire(api->state);
    const yz_snap *s = yz_state_snap(v);
    int64_t first = yz_rollup_bucket_start(q->bucket, q->from_day);
    yz_rollup_cell zero = {0};
    size_t i = 0;
    bool any = false;
    while (i < n) {
        const char *key, *label;
        series_names(s, q->by, c[i].key, &key, &label);
        const char *raw = c[i].key;
        bool head = true;
        for (int64_t t = first; t < q->to_day; t = yz_rollup_bucket_next(q->bucket, t)) {
            const yz_rollup_cell *cell = &zero;
            if (i < n && strcmp(c[i].key, raw) == 0 && c[i].bucket == t)
                cell = &c[i++];
            char lb[16];
            bucket_label(q->bucket, t, lb);
            fn(b, key, label, lb, cell, head, !any);
            head = false;
            any = true;
        }
        while (i < n && strcmp(c[i].key, raw) == 0)
            i++; /* not reached: every bucket is in the range */
    }
    yz_state_release(api->state, v);
}

static void json_cell(yz_buf *b, const char *key, const char *label, const char *bucket,
                      const yz_rollup_cell *c, bool head, bool first)
{
    if (head) {
        yz_buf_puts(b, first ? "{\"key\":" : "]},{\"key\":");
        yz_buf_json_str(b, key, strlen(key));
        yz_buf_puts(b, ",\"label\":");
        yz_buf_json_str(b, label, strlen(label));
        yz_buf_puts(b, ",\"points\":[");
    } else {
        yz_buf_putc(b, ',');
    }
    yz_buf_printf(b, "{\"bucket\":\"%s\",", bucket);
    if (c->suppressed)
        yz_buf_puts(b, "\"visits\":null,\"suppressed\":true}");
    else
        yz_buf_printf(b, "\"visits\":%lld}", (long long)c->visits);
}

static void csv_cell(yz_buf *b, const char *key, const char *label, const char *bucket,
                     const yz_rollup_cell *c, bool head, bool first)
{
    (void)head, (void)first;
    yz_exchange_csv_cell(b, bucket);
    yz_buf_putc(b, ',');
    yz_exchange_csv_cell(b, key);
    yz_buf_putc(b, ',');
    yz_exchange_csv_cell(b, label);
    if (c->suppressed)
        yz_buf_puts(b, ",,true\r\n");
    else
        yz_buf_printf(b, ",%lld,false\r\n", (long long)c->visits);
}

static void h_visits(void *ctx, yz_http_req *req)
{
    yz_api *api = ctx;
    yz_errinfo ei;
    yz_err_clear(&ei);
    yz_rollup_query q;
    char district[32];
    yz_rollup_cell *c;
    size_t n;
    int err = run(api, req, "dashboard_visits", &q, district, sizeof district, &c, &n, &ei);
    if (err) {
        yz_api_error(req, &ei);
        return;
    }
    char a[16], z[16];
    bucket_label(YZ_BUCKET_DAY, q.from_day, a);
    bucket_label(YZ_BUCKET_DAY, q.to_day - 86400, z);
    yz_buf b;
    yz_buf_init(&b);
    yz_buf_printf(&b, "{\"from\":\"%s\",\"to\":\"%s\",\"bucket\":\"%s\",\"by\":\"%s\",\"district\":",
                  a, z, yz_rollup_bucket_name(q.bucket), yz_rollup_by_name(q.by));
    if (q.district)
        yz_buf_json_str(&b, q.district, strlen(q.district));
    else
        yz_buf_puts(&b, "null");
    yz_buf_printf(&b, ",\"k\":%d,\"buckets\":[", YZ_ROLLUP_K);
    int64_t first = yz_rollup_bucket_start(q.bucket, q.from_day);
    for (int64_t t = first; t < q.to_day; t = yz_rollup_bucket_next(q.bucket, t)) {
        char lb[16];
        bucket_label(q.bucket, t, lb);
        yz_buf_printf(&b, t == first ? "\"%s\"" : ",\"%s\"", lb);
    }
    yz_buf_puts(&b, "],\"series\":[");
    walk(api, &q, c, n, &b, json_cell);
    yz_buf_puts(&b, n ? "]}]}\n" : "]}\n");
    yz_rollup_cells_free(c, n);
    yz_http_add_header(req, "Cache-Control", "no-store");
    yz__api_ok(req, &b);
}

/* The same cells as CSV in UTF-8 with a BOM, text guarded against formulas. */
static void h_visits_csv(void *ctx, yz_http_req *req)
{
    yz_api *api = ctx;
    yz_errinfo ei;
    yz_err_clear(&ei);
    yz_rollup_query q;
    char district[32];
    yz_rollup_cell *c;
    size_t n;
    int err = run(api, req, "dashboard_visits_csv", &q, district, sizeof district, &c, &n, &ei);
    if (err) {
        yz_api_error(req, &ei);
        return;
    }
    yz_buf b;
    yz_buf_init(&b);
    yz_buf_puts(&b, "\xEF\xBB\xBF"
                    "bucket,key,label,visits,suppressed\r\n");
    walk(api, &q, c, n, &b, csv_cell);
    yz_rollup_cells_free(c, n);
    yz_http_add_header(req, "Cache-Control", "no-store");
    yz_http_add_header(req, "Content-Disposition", "attachment; filename=\"visits.csv\"");
    yz_http_respond(req, 200, "text/csv; charset=utf-8", &b);
}

void yz__api_register_dashboard(yz_api *api, yz_http_server *srv)
{
    yz_http_route(srv, "GET", "/api/v1/dashboard/visits", "dashboard_visits", h_visits, api);
    yz_http_route(srv, "GET", "/api/v1/dashboard/visits.csv", "dashboard_visits_csv",
                  h_visits_csv, api);
}
