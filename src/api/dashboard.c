/* SPDX-License-Identifier: MIT */
/* api/dashboard.c - the dashboard's statistics for staff: GET /api/v1/dashboard/visits and
 * its .csv, visits by day, week or month and by district, station or occupation, read from
 * the daily roll-ups (store/rollups.h); a cell of fewer than 5 distinct workers is answered
 * as suppressed, never as a number (docs/internals/stats.md). Also the events held and people
 * served, the verified ratings and the inspection scores by month (GET /api/v1/dashboard/
 * events, ratings, scores and their .csv), counted from the raw rows (store/dashboard.h). */
#include "api/api_int.h"
#include "api/params.h"

#include "core/alloc.h"
#include "core/buf.h"
#include "core/time.h"
#include "exchange/exchange.h"
#include "state/state.h"
#include "store/dashboard.h"
#include "store/events.h"
#include "store/rollups.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DAYS 1096 /* three years, a leap day included */
/* A breakdown by station for a chart: stations in scope x buckets at most this many points.
 * Beyond it no chart is readable and the answer (8.7 s for 1,000 stations by day over three
 * years) would hold a handler; the CSV export has no limit (an expensive route). */
#define MAX_CHART_POINTS 40000

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
static int default_district(const yz_actor *a, const char *route, char *out, size_t n,
                            yz_errinfo *ei)
{
    const yz_perm *p = yz__api_perm(route);
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
/* Stations of `district` (NULL: all) in the snapshot: the series a by=station answer may hold. */
static size_t stations_in(yz_api *api, const char *district)
{
    const yz_state_view *v = yz_state_acquire(api->state);
    const yz_snap *s = yz_state_snap(v);
    size_t n = yz_snap_count(s), k = 0;
    for (size_t i = 0; i < n; i++) {
        const char *d = yz_snap_station_district_code(s, i);
        k += !district || (d && strcmp(d, district) == 0);
    }
    yz_state_release(api->state, v);
    return k;
}

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
        err = default_district(yz__api_actor(api, req), route, district, dn, ei);
        if (err)
            return err;
    }
    q->from_day = (int64_t)x.from * 86400 - YZ_ROLLUP_OFFSET_S;
    q->to_day = ((int64_t)x.to + 1) * 86400 - YZ_ROLLUP_OFFSET_S;
    q->bucket = x.bucket;
    q->by = x.by;
    q->district = district[0] ? district : NULL;
    if (q->by == YZ_ROLLUP_BY_STATION && strcmp(route, "dashboard_visits") == 0) {
        size_t buckets = 0;
        for (int64_t t = yz_rollup_bucket_start(q->bucket, q->from_day); t < q->to_day;
             t = yz_rollup_bucket_next(q->bucket, t))
            buckets++;
        size_t points = buckets * stations_in(api, q->district);
        if (points > MAX_CHART_POINTS)
            return yz_err_setf(
                ei, YZ_EINVAL, "bucket",
                "按驿站的图表最多 %d 个数据点，这次是 %zu 个：请缩短时间、选一个区县或按周、月统计；"
                "CSV 导出不受此限",
                "a chart by station holds at most %d points and this one would hold %zu: "
                "shorten the range, pick a district or use weeks or months; the CSV export has "
                "no such limit",
                MAX_CHART_POINTS, points);
    }
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
            *k = yz_snap_station_code(s, (size_t)i);
            *label = yz_snap_station_name(s, (size_t)i);
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

/* --- events, ratings and scores by month (docs/internals/stats.md, "Events, ratings and
 * scores"): counted from the raw rows for a range of at most three years. --------------------- */

#define MAX_LOWEST 10 /* the lowest-rated stations listed */

typedef struct month_args {
    int32_t from, to; /* days since 1970-01-01, local */
    const char *district;
    long min; /* ratings: verified ratings a station needs to be ranked */
} month_args;

static const yz_param month_params[] = {
    {"from", YZ_PARAM_DATE, offsetof(month_args, from), 0, 0, 0, 0, NULL, NULL},
    {"to", YZ_PARAM_DATE, offsetof(month_args, to), 0, 0, 0, 0, NULL, NULL},
    {"district", YZ_PARAM_TEXT, offsetof(month_args, district), 0, 31, 0, 0, NULL, NULL},
};
static const yz_param rating_params[] = {
    {"from", YZ_PARAM_DATE, offsetof(month_args, from), 0, 0, 0, 0, NULL, NULL},
    {"to", YZ_PARAM_DATE, offsetof(month_args, to), 0, 0, 0, 0, NULL, NULL},
    {"district", YZ_PARAM_TEXT, offsetof(month_args, district), 0, 31, 0, 0, NULL, NULL},
    {"min", YZ_PARAM_INT, offsetof(month_args, min), 1, 1000, 5, 0, NULL, NULL},
};

/* A request's range and district, read, checked and authorized as the visits' are; the range
 * defaults to the 365 days up to today. `district` is "" for every district. */
static int month_scope(yz_api *api, yz_http_req *req, const char *route, bool ratings,
                       month_args *x, char *district, size_t dn, yz_errinfo *ei)
{
    memset(x, 0, sizeof *x);
    district[0] = 0;
    int err = yz__api_authorize(api, req, route, NULL, ei);
    if (err)
        return err;
    err = ratings ? YZ_API_PARAMS(req, rating_params, x, ei)
                  : YZ_API_PARAMS(req, month_params, x, ei);
    if (err)
        return err;
    bool has_from = yz__api_param_given(req, "from"), has_to = yz__api_param_given(req, "to");
    if (has_from && !has_to)
        x->to = x->from + 364;
    if (!has_from)
        x->from = x->to - 364;
    if (x->to < x->from)
        return yz_err_set(ei, YZ_EINVAL, "to", "to 不能早于 from", "to must not be before from");
    if (x->to - x->from + 1 > MAX_DAYS)
        return yz_err_setf(ei, YZ_EINVAL, "from", "时间范围最长 %d 天（三年）",
                           "the range is at most %d days (three years)", MAX_DAYS);
    if (!x->district)
        return default_district(yz__api_actor(api, req), route, district, dn, ei);
    const yz_state_view *v = yz_state_acquire(api->state);
    bool known = yz_snap_find_district(yz_state_snap(v), x->district) >= 0;
    yz_state_release(api->state, v);
    if (!known)
        return yz_err_set(ei, YZ_EINVAL, "district", "未知的区县代码", "unknown district code");
    yz_target t = {0};
    snprintf(t.district, sizeof t.district, "%s", x->district);
    err = yz__api_authorize(api, req, route, &t, ei);
    if (!err)
        snprintf(district, dn, "%s", x->district);
    return err;
}

/* Months are counted as y * 12 + (m - 1). */
static int month_of_day(int64_t day)
{
    int y, m, d;
    yz_civil_from_days(day, &y, &m, &d);
    return y * 12 + m - 1;
}

static void month_label(int month, char out[16])
{
    snprintf(out, 16, "%04d-%02d", month / 12 % 10000, month % 12 + 1);
}

static void day_label(int64_t day, char out[16])
{
    int y, m, d;
    yz_civil_from_days(day, &y, &m, &d);
    snprintf(out, 16, "%04d-%02d-%02d", y % 10000, m, d);
}

/* The station's position in the snapshot if it is counted under `district` ("" = any). */
static long counted_station(const yz_snap *s, int64_t id, const char *district)
{
    long i = yz_snap_find_id(s, id);
    if (i < 0)
        return -1;
    if (district[0] && strcmp(yz_snap_station_district_code(s, (size_t)i), district) != 0)
        return -1;
    return i;
}

/* Distinct workers per cell: pairs (cell, worker) sorted, then counted into workers[cell]. */
typedef struct cell_worker {
    int64_t cell, worker;
} cell_worker;

static int cmp_cell_worker(const void *a, const void *b)
{
    const cell_worker *x = a, *y = b;
    if (x->cell != y->cell)
        return x->cell < y->cell ? -1 : 1;
    return x->worker < y->worker ? -1 : x->worker > y->worker;
}

static void count_distinct(cell_worker *p, size_t n, int64_t *workers)
{
    if (n)
        qsort(p, n, sizeof *p, cmp_cell_worker);
    for (size_t i = 0; i < n; i++)
        if (i == 0 || p[i].cell != p[i - 1].cell || p[i].worker != p[i - 1].worker)
            workers[p[i].cell]++;
}

static void json_text(yz_buf *b, const char *s)
{
    yz_buf_json_str(b, s ? s : "", s ? strlen(s) : 0);
}

static void head_json(yz_buf *b, const month_args *x, const char *district)
{
    char a[16], z[16];
    day_label(x->from, a);
    day_label(x->to, z);
    yz_buf_printf(b, "{\"from\":\"%s\",\"to\":\"%s\",\"district\":", a, z);
    if (district[0])
        json_text(b, district);
    else
        yz_buf_puts(b, "null");
    yz_buf_printf(b, ",\"k\":%d,\"months\":[", YZ_ROLLUP_K);
    int m0 = month_of_day(x->from), m1 = month_of_day(x->to);
    for (int m = m0; m <= m1; m++) {
        char lb[16];
        month_label(m, lb);
        yz_buf_printf(b, m == m0 ? "\"%s\"" : ",\"%s\"", lb);
    }
    yz_buf_putc(b, ']');
}

static void csv_respond(yz_http_req *req, yz_buf *b, const char *name)
{
    char cd[80];
    snprintf(cd, sizeof cd, "attachment; filename=\"%s\"", name);
    yz_http_add_header(req, "Cache-Control", "no-store");
    yz_http_add_header(req, "Content-Disposition", cd);
    yz_http_respond(req, 200, "text/csv; charset=utf-8", b);
}

/* The answer as CSV (a download named `name`) or as JSON, never cached. */
static void respond_any(yz_http_req *req, yz_buf *b, bool csv, const char *name)
{
    if (csv) {
        csv_respond(req, b, name);
        return;
    }
    yz_http_add_header(req, "Cache-Control", "no-store");
    yz__api_ok(req, b);
}

/* A number or null (NaN), with `prec` decimals. */
static void put_num(yz_buf *b, double v, int prec)
{
    if (isnan(v))
        yz_buf_puts(b, "null");
    else
        yz_buf_printf(b, "%.*f", prec, v);
}
static void csv_num(yz_buf *b, double v, int prec)
{
    if (!isnan(v))
        yz_buf_printf(b, "%.*f", prec, v);
}

/* --- events: occurrences held and sign-ups (people served) by month and district ----------- */

typedef struct ev_cells {
    int nm;            /* months */
    size_t nd;         /* districts of the snapshot */
    int64_t *events;   /* [d * nm + m] occurrences */
    int64_t *signups;  /* [d * nm + m] */
    int64_t *workers;  /* [d * nm + m] distinct workers signed up */
    int64_t all_workers; /* distinct over the whole answer */
} ev_cells;

static void ev_cells_fini(ev_cells *c)
{
    yz_free(c->events);
    yz_free(c->signups);
    yz_free(c->workers);
}

static int64_t find_event(const yz_event *evs, size_t n, int64_t id)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (evs[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && evs[lo].id == id ? (int64_t)lo : -1;
}

static int ev_count(yz_api *api, const yz_snap *s, const month_args *x, const char *district,
                    ev_cells *c, yz_errinfo *ei)
{
    yz_event *evs = NULL;
    yz_dash_signup *su = NULL;
    size_t nev = 0, nsu = 0;
    cell_worker *pairs = NULL;
    int m0 = month_of_day(x->from);
    c->nm = month_of_day(x->to) - m0 + 1;
    c->nd = yz_snap_district_count(s);
    size_t cells = c->nd * (size_t)c->nm;
    c->events = yz_calloc(cells + 1, sizeof *c->events);
    c->signups = yz_calloc(cells + 1, sizeof *c->signups);
    c->workers = yz_calloc(cells + 1, sizeof *c->workers);
    c->all_workers = 0;
    int err = yz_store_event_list(api->st, true, &evs, &nev, ei);
    if (!err)
        err = yz_store_dash_signups(api->st, x->from, x->to, &su, &nsu, ei);
    if (err)
        goto out;
    long *dist = yz_calloc(nev + 1, sizeof *dist); /* each event's district position, or -1 */
    for (size_t i = 0; i < nev; i++) {
        long si = counted_station(s, evs[i].station_id, district);
        dist[i] = si < 0 ? -1
                         : yz_snap_find_district(s, yz_snap_station_district_code(s, (size_t)si));
        if (dist[i] < 0 || evs[i].cancelled)
            continue;
        int off = yz_snap_tz_offset(s, (size_t)si);
        for (int32_t day = x->from; day <= x->to; day++) {
            int64_t a, z;
            if (yz_event_occurrence(&evs[i], day, off, &a, &z))
                c->events[(size_t)dist[i] * (size_t)c->nm + (size_t)(month_of_day(day) - m0)]++;
        }
    }
    pairs = yz_calloc(2 * nsu + 1, sizeof *pairs);
    size_t np = 0, nall = 0;
    for (size_t i = 0; i < nsu; i++) {
        int64_t e = find_event(evs, nev, su[i].event_id);
        if (e < 0 || dist[e] < 0)
            continue;
        size_t cell = (size_t)dist[e] * (size_t)c->nm + (size_t)(month_of_day(su[i].day) - m0);
        c->signups[cell]++;
        pairs[np++] = (cell_worker){(int64_t)cell, su[i].worker_id};
    }
    count_distinct(pairs, np, c->workers);
    for (size_t i = 0; i < np; i++)
        pairs[i].cell = (int64_t)cells; /* one cell for the whole answer */
    nall = np;
    count_distinct(pairs, nall, c->workers);
    c->all_workers = c->workers[cells];
    yz_free(dist);
out:
    yz_free(pairs);
    yz_free(su);
    yz_event_array_free(evs, nev);
    return err;
}

static void h_events_any(yz_api *api, yz_http_req *req, bool csv)
{
    yz_errinfo ei;
    yz_err_clear(&ei);
    month_args x;
    char district[32];
    const char *route = csv ? "dashboard_events_csv" : "dashboard_events";
    int err = month_scope(api, req, route, false, &x, district, sizeof district, &ei);
    if (err) {
        yz_api_error(req, &ei);
        return;
    }
    const yz_state_view *v = yz_state_acquire(api->state);
    const yz_snap *s = yz_state_snap(v);
    ev_cells c = {0};
    err = ev_count(api, s, &x, district, &c, &ei);
    if (err) {
        yz_state_release(api->state, v);
        ev_cells_fini(&c);
        yz_api_error(req, &ei);
        return;
    }
    int m0 = month_of_day(x.from);
    yz_buf b;
    yz_buf_init(&b);
    if (csv)
        yz_buf_puts(&b, "\xEF\xBB\xBF"
                        "month,district,label,events,signups,suppressed\r\n");
    else {
        head_json(&b, &x, district);
        yz_buf_puts(&b, ",\"series\":[");
    }
    int64_t tot_ev = 0, tot_su = 0;
    bool first = true;
    for (size_t d = 0; d < c.nd; d++) {
        int64_t any = 0;
        for (int m = 0; m < c.nm; m++)
            any += c.events[d * (size_t)c.nm + (size_t)m] + c.signups[d * (size_t)c.nm + (size_t)m];
        if (!any)
            continue;
        const yz_district *dd = yz_snap_district(s, d);
        if (!csv) {
            yz_buf_puts(&b, first ? "{\"key\":" : ",{\"key\":");
            json_text(&b, dd->code);
            yz_buf_puts(&b, ",\"label\":");
            json_text(&b, dd->name);
            yz_buf_puts(&b, ",\"points\":[");
        }
        first = false;
        for (int m = 0; m < c.nm; m++) {
            size_t cell = d * (size_t)c.nm + (size_t)m;
            bool sup = c.signups[cell] > 0 && c.workers[cell] < YZ_ROLLUP_K;
            char lb[16];
            month_label(m0 + m, lb);
            tot_ev += c.events[cell];
            tot_su += c.signups[cell];
            if (csv) {
                yz_buf_printf(&b, "%s,", lb);
                yz_exchange_csv_cell(&b, dd->code);
                yz_buf_putc(&b, ',');
                yz_exchange_csv_cell(&b, dd->name);
                if (sup)
                    yz_buf_printf(&b, ",%lld,,true\r\n", (long long)c.events[cell]);
                else
                    yz_buf_printf(&b, ",%lld,%lld,false\r\n", (long long)c.events[cell],
                                  (long long)c.signups[cell]);
                continue;
            }
            yz_buf_printf(&b, "%s{\"month\":\"%s\",\"events\":%lld,", m ? "," : "", lb,
                          (long long)c.events[cell]);
            if (sup)
                yz_buf_puts(&b, "\"signups\":null,\"suppressed\":true}");
            else
                yz_buf_printf(&b, "\"signups\":%lld}", (long long)c.signups[cell]);
        }
        if (!csv)
            yz_buf_puts(&b, "]}");
    }
    if (!csv) {
        bool sup = tot_su > 0 && c.all_workers < YZ_ROLLUP_K;
        yz_buf_printf(&b, "],\"total\":{\"events\":%lld,", (long long)tot_ev);
        if (sup)
            yz_buf_puts(&b, "\"signups\":null,\"suppressed\":true}}\n");
        else
            yz_buf_printf(&b, "\"signups\":%lld}}\n", (long long)tot_su);
    }
    yz_state_release(api->state, v);
    ev_cells_fini(&c);
    respond_any(req, &b, csv, "events.csv");
}

static void h_events(void *ctx, yz_http_req *req)
{
    h_events_any(ctx, req, false);
}
static void h_events_csv(void *ctx, yz_http_req *req)
{
    h_events_any(ctx, req, true);
}

/* --- ratings: the monthly mean of verified ratings, and the lowest-rated stations ---------- */

typedef struct st_rating {
    long station; /* position in the snapshot */
    int64_t count, sum, workers;
} st_rating;

static int cmp_lowest(const void *a, const void *b)
{
    const st_rating *x = a, *y = b;
    /* x->sum / x->count < y->sum / y->count, exactly */
    int64_t l = x->sum * y->count, r = y->sum * x->count;
    if (l != r)
        return l < r ? -1 : 1;
    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    return x->station < y->station ? -1 : x->station > y->station;
}

static void h_ratings_any(yz_api *api, yz_http_req *req, bool csv)
{
    yz_errinfo ei;
    yz_err_clear(&ei);
    month_args x;
    char district[32];
    const char *route = csv ? "dashboard_ratings_csv" : "dashboard_ratings";
    int err = month_scope(api, req, route, true, &x, district, sizeof district, &ei);
    yz_dash_rating *r = NULL;
    size_t n = 0;
    if (!err)
        err = yz_store_dash_ratings(api->st, x.from, x.to, &r, &n, &ei);
    if (err) {
        yz_api_error(req, &ei);
        return;
    }
    const yz_state_view *v = yz_state_acquire(api->state);
    const yz_snap *s = yz_state_snap(v);
    int m0 = month_of_day(x.from), nm = month_of_day(x.to) - m0 + 1;
    size_t ns = yz_snap_count(s);
    int64_t *mcount = yz_calloc((size_t)nm, sizeof *mcount);
    int64_t *msum = yz_calloc((size_t)nm, sizeof *msum);
    int64_t *mworkers = yz_calloc((size_t)nm + ns, sizeof *mworkers); /* months, then stations */
    st_rating *st = yz_calloc(ns + 1, sizeof *st);
    cell_worker *pairs = yz_calloc(n + 1, sizeof *pairs);
    size_t np = 0;
    for (size_t i = 0; i < n; i++) {
        long si = counted_station(s, r[i].station_id, district);
        if (si < 0)
            continue;
        int m = month_of_day(r[i].day) - m0;
        mcount[m]++;
        msum[m] += r[i].stars;
        st[si].count++;
        st[si].sum += r[i].stars;
        pairs[np++] = (cell_worker){m, r[i].worker_id};
    }
    count_distinct(pairs, np, mworkers);
    np = 0;
    for (size_t i = 0; i < n; i++) {
        long si = counted_station(s, r[i].station_id, district);
        if (si >= 0)
            pairs[np++] = (cell_worker){nm + si, r[i].worker_id};
    }
    count_distinct(pairs, np, mworkers);
    size_t nl = 0;
    for (size_t i = 0; i < ns; i++) {
        st[i].workers = mworkers[(size_t)nm + i];
        if (st[i].count >= x.min && st[i].workers >= YZ_ROLLUP_K)
            st[nl++] = (st_rating){(long)i, st[i].count, st[i].sum, st[i].workers};
    }
    if (nl)
        qsort(st, nl, sizeof *st, cmp_lowest);
    if (nl > MAX_LOWEST)
        nl = MAX_LOWEST;

    yz_buf b;
    yz_buf_init(&b);
    if (csv) {
        yz_buf_puts(&b, "\xEF\xBB\xBF"
                        "section,month,code,name,district,ratings,mean,suppressed\r\n");
    } else {
        head_json(&b, &x, district);
        yz_buf_printf(&b, ",\"min\":%ld,\"ratings\":[", x.min);
    }
    for (int m = 0; m < nm; m++) {
        char lb[16];
        month_label(m0 + m, lb);
        bool sup = mcount[m] > 0 && mworkers[m] < YZ_ROLLUP_K;
        double mean = mcount[m] ? (double)msum[m] / (double)mcount[m] : NAN;
        if (csv) {
            yz_buf_printf(&b, "month,%s,,,,", lb);
            if (sup) {
                yz_buf_puts(&b, ",,true\r\n");
                continue;
            }
            yz_buf_printf(&b, "%lld,", (long long)mcount[m]);
            csv_num(&b, mean, 2);
            yz_buf_puts(&b, ",false\r\n");
            continue;
        }
        yz_buf_printf(&b, "%s{\"month\":\"%s\",", m ? "," : "", lb);
        if (sup) {
            yz_buf_puts(&b, "\"count\":null,\"mean\":null,\"suppressed\":true}");
            continue;
        }
        yz_buf_printf(&b, "\"count\":%lld,\"mean\":", (long long)mcount[m]);
        put_num(&b, mean, 2);
        yz_buf_putc(&b, '}');
    }
    if (!csv)
        yz_buf_puts(&b, "],\"lowest\":[");
    for (size_t i = 0; i < nl; i++) {
        yz_station stn_buf;
        const yz_station *stn = yz_snap_station_get(s, (size_t)st[i].station, &stn_buf);
        double mean = (double)st[i].sum / (double)st[i].count;
        if (csv) {
            yz_buf_puts(&b, "lowest,,");
            yz_exchange_csv_cell(&b, stn->code);
            yz_buf_putc(&b, ',');
            yz_exchange_csv_cell(&b, stn->name);
            yz_buf_putc(&b, ',');
            yz_exchange_csv_cell(&b, stn->district_code);
            yz_buf_printf(&b, ",%lld,%.2f,false\r\n", (long long)st[i].count, mean);
            continue;
        }
        yz_buf_printf(&b, "%s{\"id\":%lld,\"code\":", i ? "," : "", (long long)stn->id);
        json_text(&b, stn->code);
        yz_buf_puts(&b, ",\"name\":");
        json_text(&b, stn->name);
        yz_buf_puts(&b, ",\"district\":");
        json_text(&b, stn->district_code);
        yz_buf_printf(&b, ",\"count\":%lld,\"mean\":%.2f}", (long long)st[i].count, mean);
    }
    if (!csv)
        yz_buf_puts(&b, "]}\n");
    yz_state_release(api->state, v);
    yz_free(mcount);
    yz_free(msum);
    yz_free(mworkers);
    yz_free(st);
    yz_free(pairs);
    yz_free(r);
    respond_any(req, &b, csv, "ratings.csv");
}

static void h_ratings(void *ctx, yz_http_req *req)
{
    h_ratings_any(ctx, req, false);
}
static void h_ratings_csv(void *ctx, yz_http_req *req)
{
    h_ratings_any(ctx, req, true);
}

/* --- scores: inspection scores by dimension and month, and each station's latest ---------- */

enum { DIM_SCORE, DIM_HARDWARE, DIM_SERVICE, DIM_OPERATIONS, DIM__COUNT };
static const char *const dim_names[DIM__COUNT] = {"score", "hardware", "service", "operations"};

static double dim_of(const yz_dash_score *x, int d)
{
    return d == DIM_SCORE ? x->score
         : d == DIM_HARDWARE ? x->hardware
         : d == DIM_SERVICE  ? x->service
                             : x->operations;
}

static void h_scores_any(yz_api *api, yz_http_req *req, bool csv)
{
    yz_errinfo ei;
    yz_err_clear(&ei);
    month_args x;
    char district[32];
    const char *route = csv ? "dashboard_scores_csv" : "dashboard_scores";
    int err = month_scope(api, req, route, false, &x, district, sizeof district, &ei);
    yz_dash_score *r = NULL;
    size_t n = 0;
    int64_t from_s = (int64_t)x.from * 86400 - YZ_ROLLUP_OFFSET_S;
    int64_t to_s = ((int64_t)x.to + 1) * 86400 - YZ_ROLLUP_OFFSET_S;
    if (!err)
        err = yz_store_dash_scores(api->st, to_s, &r, &n, &ei);
    if (err) {
        yz_api_error(req, &ei);
        return;
    }
    const yz_state_view *v = yz_state_acquire(api->state);
    const yz_snap *s = yz_state_snap(v);
    int m0 = month_of_day(x.from), nm = month_of_day(x.to) - m0 + 1;
    size_t ns = yz_snap_count(s);
    int64_t *count = yz_calloc((size_t)nm, sizeof *count);
    double *sum = yz_calloc((size_t)nm * DIM__COUNT, sizeof *sum);
    int64_t *dn = yz_calloc((size_t)nm * DIM__COUNT, sizeof *dn);
    long *latest = yz_calloc(ns + 1, sizeof *latest); /* index in r + 1, 0 = none */
    for (size_t i = 0; i < n; i++) {
        long si = counted_station(s, r[i].station_id, district);
        if (si < 0)
            continue;
        latest[si] = (long)i + 1; /* oldest first: the last one seen is the latest */
        if (r[i].submitted_at < from_s)
            continue;
        int m = month_of_day((r[i].submitted_at + YZ_ROLLUP_OFFSET_S) / 86400) - m0;
        count[m]++;
        for (int d = 0; d < DIM__COUNT; d++) {
            double val = dim_of(&r[i], d);
            if (!isnan(val)) {
                sum[m * DIM__COUNT + d] += val;
                dn[m * DIM__COUNT + d]++;
            }
        }
    }
    yz_buf b;
    yz_buf_init(&b);
    if (csv) {
        yz_buf_puts(&b, "\xEF\xBB\xBF"
                        "section,month,code,name,district,inspections,score,hardware,service,"
                        "operations,at\r\n");
    } else {
        head_json(&b, &x, district);
        yz_buf_puts(&b, ",\"scores\":[");
    }
    for (int m = 0; m < nm; m++) {
        char lb[16];
        month_label(m0 + m, lb);
        if (csv)
            yz_buf_printf(&b, "month,%s,,,,%lld", lb, (long long)count[m]);
        else
            yz_buf_printf(&b, "%s{\"month\":\"%s\",\"inspections\":%lld", m ? "," : "", lb,
                          (long long)count[m]);
        for (int d = 0; d < DIM__COUNT; d++) {
            int64_t k = dn[m * DIM__COUNT + d];
            double mean = k ? sum[m * DIM__COUNT + d] / (double)k : NAN;
            if (csv) {
                yz_buf_putc(&b, ',');
                csv_num(&b, mean, 1);
            } else {
                yz_buf_printf(&b, ",\"%s\":", dim_names[d]);
                put_num(&b, mean, 1);
            }
        }
        yz_buf_puts(&b, csv ? ",\r\n" : "}");
    }
    if (!csv)
        yz_buf_puts(&b, "],\"stations\":[");
    bool first = true;
    for (size_t i = 0; i < ns; i++) {
        if (!latest[i])
            continue;
        const yz_dash_score *sc = &r[latest[i] - 1];
        yz_station stn_buf;
        const yz_station *stn = yz_snap_station_get(s, i, &stn_buf);
        char at[16];
        day_label((sc->submitted_at + YZ_ROLLUP_OFFSET_S) / 86400, at);
        if (csv) {
            yz_buf_puts(&b, "station,,");
            yz_exchange_csv_cell(&b, stn->code);
            yz_buf_putc(&b, ',');
            yz_exchange_csv_cell(&b, stn->name);
            yz_buf_putc(&b, ',');
            yz_exchange_csv_cell(&b, stn->district_code);
            yz_buf_putc(&b, ',');
            for (int d = 0; d < DIM__COUNT; d++) {
                yz_buf_putc(&b, ',');
                csv_num(&b, dim_of(sc, d), 1);
            }
            yz_buf_printf(&b, ",%s\r\n", at);
            continue;
        }
        yz_buf_printf(&b, "%s{\"id\":%lld,\"code\":", first ? "" : ",", (long long)stn->id);
        first = false;
        json_text(&b, stn->code);
        yz_buf_puts(&b, ",\"name\":");
        json_text(&b, stn->name);
        yz_buf_puts(&b, ",\"district\":");
        json_text(&b, stn->district_code);
        yz_buf_printf(&b, ",\"lat\":%.6f,\"lon\":%.6f", stn->lat, stn->lon);
        for (int d = 0; d < DIM__COUNT; d++) {
            yz_buf_printf(&b, ",\"%s\":", dim_names[d]);
            put_num(&b, dim_of(sc, d), 1);
        }
        yz_buf_printf(&b, ",\"inspection\":%lld,\"at\":\"%s\"}", (long long)sc->id, at);
    }
    if (!csv)
        yz_buf_puts(&b, "]}\n");
    yz_state_release(api->state, v);
    yz_free(count);
    yz_free(sum);
    yz_free(dn);
    yz_free(latest);
    yz_free(r);
    respond_any(req, &b, csv, "scores.csv");
}

static void h_scores(void *ctx, yz_http_req *req)
{
    h_scores_any(ctx, req, false);
}
static void h_scores_csv(void *ctx, yz_http_req *req)
{
    h_scores_any(ctx, req, true);
}

void yz__api_register_dashboard(yz_api *api, yz_http_server *srv)
{
    yz_http_route(srv, "GET", "/api/v1/dashboard/visits", "dashboard_visits", h_visits, api);
    yz_http_route_expensive(srv, "GET", "/api/v1/dashboard/visits.csv", "dashboard_visits_csv",
                            h_visits_csv, api);
    yz_http_route(srv, "GET", "/api/v1/dashboard/events", "dashboard_events", h_events, api);
    yz_http_route(srv, "GET", "/api/v1/dashboard/events.csv", "dashboard_events_csv",
                  h_events_csv, api);
    yz_http_route(srv, "GET", "/api/v1/dashboard/ratings", "dashboard_ratings", h_ratings, api);
    yz_http_route(srv, "GET", "/api/v1/dashboard/ratings.csv", "dashboard_ratings_csv",
                  h_ratings_csv, api);
    yz_http_route(srv, "GET", "/api/v1/dashboard/scores", "dashboard_scores", h_scores, api);
    yz_http_route(srv, "GET", "/api/v1/dashboard/scores.csv", "dashboard_scores_csv",
                  h_scores_csv, api);
}
