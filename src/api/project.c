/* SPDX-License-Identifier: MIT */
/* api/project.c - campaigns and the livelihood project (docs/internals/project.md): a project
 * station's milestones (GET and PATCH /api/v1/stations/{id}/milestones), and the project's
 * picture for a scope of districts (GET /api/v1/project): progress per district, campaign
 * batches, tier shares against their targets, stations on no online map, stations with no
 * event in 12 months; each list also as CSV (GET /api/v1/project.csv?list=). */
#include "api/api_int.h"

#include "catalog/catalog.h"
#include "core/alloc.h"
#include "core/time.h"
#include "exchange/exchange.h"
#include "store/events.h"
#include "store/project.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LOCAL_OFFSET 480  /* the project's dates are Beijing dates */
#define NO_EVENT_DAYS 365 /* "no event in the last 12 months" */

static int32_t today_local(void)
{
    return yz_event_local_day(yz_time_now(), LOCAL_OFFSET);
}

static int not_found(yz_errinfo *ei)
{
    return yz_err_set(ei, YZ_ENOTFOUND, "id", "未找到该驿站", "no such station");
}

static void day_member(yz_buf *b, const char *key, int32_t day)
{
    yz_buf_printf(b, ",\"%s\":", key);
    if (day == YZ_DAY_NONE) {
        yz_buf_puts(b, "null");
        return;
    }
    char s[11];
    yz_day_format(day, s);
    yz_buf_printf(b, "\"%s\"", s);
}

static void ms_member(yz_buf *b, const char *key, int ms)
{
    yz_buf_printf(b, ",\"%s\":", key);
    if (ms < 0)
        yz_buf_puts(b, "null");
    else
        yz_buf_printf(b, "\"%s\"", yz_milestone_name(ms));
}

static void render_milestones(yz_buf *b, const yz_project *p, int32_t today)
{
    yz_buf_printf(b, "{\"station_id\":%lld,\"version\":%lld", (long long)p->station_id,
                  (long long)p->version);
    ms_member(b, "stage", yz_project_stage(p));
    ms_member(b, "overdue", yz_project_overdue(p, today));
    yz_buf_puts(b, ",\"milestones\":[");
    for (int i = 0; i < YZ_MS__COUNT; i++) {
        const yz_milestone_rec *m = &p->ms[i];
        yz_buf_printf(b, "%s{\"milestone\":\"%s\"", i ? "," : "", yz_milestone_name(i));
        day_member(b, "planned", m->planned_on);
        day_member(b, "actual", m->done_on);
        yz_buf_json_member_str(b, "note", m->note ? m->note : "");
        yz_buf_putc(b, '}');
    }
    yz_buf_puts(b, "]}");
}

static void respond_milestones(yz_http_req *req, const yz_project *p)
{
    yz_buf b;
    yz_buf_init(&b);
    render_milestones(&b, p, today_local());
    yz_buf_putc(&b, '\n');
    char etag[32];
    snprintf(etag, sizeof etag, "\"%lld\"", (long long)p->version);
    yz_http_add_header(req, "ETag", etag);
    yz_http_add_header(req, "Cache-Control", "no-store");
    yz__api_ok(req, &b);
}

static int64_t path_id(yz_http_req *req)
{
    return yz__api_id(yz_http_param(req, 0));
}

/* The table's check of `route` on station `id`; YZ_ENOTFOUND when it is not served. */
static int authorize_station(yz_api *api, yz_http_req *req, const char *route, int64_t id,
                             yz_errinfo *ei)
{
    yz_target t = {0};
    yz__api_target_station(api, id, &t);
    if (!t.district[0])
        return not_found(ei);
    int err = yz__api_authorize(api, req, route, &t, ei);
    if (!err)
        yz__api_audit_record(req, "station", id, t.district);
    return err;
}

static void h_milestones_get(void *ctx, yz_http_req *req)
{
    yz_api *api = ctx;
    yz_errinfo ei;
    yz_err_clear(&ei);
    yz_project p;
    yz_project_init(&p);
    int64_t id = path_id(req);
    int err = yz__api_authorize(api, req, "station_milestones", NULL, &ei);
    if (!err)
        err = id ? authorize_station(api, req, "station_milestones", id, &ei) : not_found(&ei);
    if (!err)
        err = yz_store_project_get(api->st, id, &p, &ei);
    if (err)
        yz_api_error(req, &ei);
    else
        respond_milestones(req, &p);
    yz_project_fini(&p);
}

/* One member of a milestone in the body: a date or null. */
static int read_date(json_t *v, const char *name, const char *key, int32_t *out, yz_errinfo *ei)
{
    char field[64];
    snprintf(field, sizeof field, "milestones.%s.%s", name, key);
    if (json_is_null(v)) {
        *out = YZ_DAY_NONE;
        return YZ_OK;
    }
    if (!json_is_string(v) || !yz_day_parse(json_string_value(v), out))
        return yz_err_set(ei, YZ_EINVAL, field, "日期须为 YYYY-MM-DD 或 null",
                          "a date must be YYYY-MM-DD or null");
    return YZ_OK;
}

/* Apply {"milestones": {"<name>": {"planned", "actual", "note"}}} to `p`: members given
 * replace the stored ones, members left out stay. */
static int apply_body(json_t *body, yz_project *p, yz_errinfo *ei)
{
    json_t *all = json_object_get(body, "milestones");
    if (!json_is_object(all))
        return yz_err_set(
            ei, YZ_EINVAL, "milestones",
            "milestones 须为对象：{\"building\":{\"planned\":\"2026-05-01\"}}",
            "milestones must be an object: {\"building\":{\"planned\":\"2026-05-01\"}}");
    const char *name;
    json_t *v;
    json_object_foreach(all, name, v)
    {
        char field[64];
        snprintf(field, sizeof field, "milestones.%.40s", name);
        int ms = yz_milestone_parse(name);
        if (ms < 0)
            return yz_err_setf(
                ei, YZ_EINVAL, field,
                "未知的节点 %.40s（可用：planned、site_agreed、building、accepted、open）",
                "unknown milestone %.40s (known: planned, site_agreed, building, "
                "accepted, open)",
                name);
        if (!json_is_object(v))
            return yz_err_set(ei, YZ_EINVAL, field, "节点须为对象 {planned, actual, note}",
                              "a milestone must be an object {planned, actual, note}");
        const char *key;
        json_t *x;
        yz_milestone_rec *m = &p->ms[ms];
        json_object_foreach(v, key, x)
        {
            int err = YZ_OK;
            if (strcmp(key, "planned") == 0) {
                err = read_date(x, name, key, &m->planned_on, ei);
            } else if (strcmp(key, "actual") == 0) {
                err = read_date(x, name, key, &m->done_on, ei);
            } else if (strcmp(key, "note") == 0) {
                if (!json_is_string(x) && !json_is_null(x)) {
                    snprintf(field, sizeof field, "milestones.%.30s.note", name);
                    return yz_err_set(ei, YZ_EINVAL, field, "备注须为文字", "a note must be text");
                }
                yz_free(m->note);
                m->note = yz_strdup(json_is_string(x) ? json_string_value(x) : "");
            } else {
                snprintf(field, sizeof field, "milestones.%.20s.%.20s", name, key);
                return yz_err_setf(ei, YZ_EINVAL, field,
                                   "未知的字段 %.20s（可用：planned、actual、note）",
                                   "unknown member %.20s (known: planned, actual, note)", key);
            }
            if (err)
                return err;
        }
    }
    return YZ_OK;
}

static void h_milestones_patch(void *ctx, yz_http_req *req)
{
    yz_api *api = ctx;
    yz_errinfo ei;
    yz_err_clear(&ei);
    static const char *const names[] = {"milestones", NULL};
    json_t *body = NULL;
    yz_project p;
    yz_project_init(&p);
    int64_t id = path_id(req), version = -1;
    int err = yz__api_authorize(api, req, "station_milestones_patch", NULL, &ei);
    if (!err)
        err =
            id ? authorize_station(api, req, "station_milestones_patch", id, &ei) : not_found(&ei);
    if (!err)
        err = yz__api_if_match(req, true, 0, &version, &ei); /* 0: never saved */
    if (!err)
        err = yz__api_body_object(req, names, &body, &ei);
    if (!err)
        err = yz_store_project_get(api->st, id, &p, &ei);
    if (!err) {
        yz_buf b;
        yz_buf_init(&b);
        render_milestones(&b, &p, today_local());
        yz__api_audit_before(req, b.data);
        yz_buf_fini(&b);
        err = apply_body(body, &p, &ei);
    }
    if (!err)
        err = yz_project_validate(&p, today_local(), &ei);
    if (!err)
        err = yz_store_project_put(api->st, &p, version, &ei);
    json_decref(body);
    if (err)
        yz_api_error(req, &ei);
    else
        respond_milestones(req, &p);
    yz_project_fini(&p);
}

/* --- GET /api/v1/project ------------------------------------------------------------------- */

enum { N_STAGES = YZ_MS__COUNT + 1, N_BATCHES = YZ_BATCH__COUNT + 1 };

typedef struct dist_row {
    const yz_district *d;
    int stations, in_service, livelihood, overdue, not_on_maps, no_events;
    int stages[N_STAGES];      /* [0]: none reached, [1 + ms]: at milestone ms */
    int batches[N_BATCHES];    /* [0]: none, [1 + batch] */
    int tiers[YZ_TIER__COUNT]; /* in service */
} dist_row;

/* What a station of the scope shows in the lists. */
typedef struct st_row {
    yz_station rec;      /* decoded from the snapshot: its strings are the snapshot's */
    const yz_station *s; /* &rec */
    const yz_project *p; /* NULL: never saved */
    int32_t last_event;  /* local day of its last event, YZ_DAY_NONE if none */
} st_row;

typedef struct picture {
    int32_t today;
    dist_row *dists;
    size_t nd;
    dist_row total;
    st_row *rows; /* stations of the scope, in snapshot order */
    size_t nrows;
    yz_project *proj;
    size_t nproj;
} picture;

static void picture_fini(picture *pc)
{
    yz_free(pc->dists);
    yz_free(pc->rows);
    yz_project_array_free(pc->proj, pc->nproj);
}

/* The last day before or on `today` on which `ev` took place (started), or YZ_DAY_NONE. */
static int32_t last_day(const yz_event *ev, int64_t now, int32_t today)
{
    if (ev->cancelled)
        return YZ_DAY_NONE;
    if (!ev->weekly)
        return ev->starts_at <= now ? yz_event_local_day(ev->starts_at, LOCAL_OFFSET) : YZ_DAY_NONE;
    int32_t from = today < ev->valid_until ? today : ev->valid_until;
    for (int32_t d = from; d >= ev->valid_from && d > from - 7; d--) {
        int64_t start, end;
        if (yz_event_occurrence(ev, d, LOCAL_OFFSET, &start, &end) && start <= now)
            return d;
    }
    return YZ_DAY_NONE;
}

static const yz_project *find_project(const picture *pc, int64_t station_id)
{
    size_t lo = 0, hi = pc->nproj;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (pc->proj[mid].station_id < station_id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < pc->nproj && pc->proj[lo].station_id == station_id ? &pc->proj[lo] : NULL;
}

static void count(dist_row *r, const st_row *x, int32_t today)
{
    const yz_station *s = x->s;
    r->stations++;
    r->batches[s->batch < 0 || s->batch >= YZ_BATCH__COUNT ? 0 : 1 + s->batch]++;
    if (yz_station_in_service(s)) {
        r->in_service++;
        if (s->tier >= 0 && s->tier < YZ_TIER__COUNT)
            r->tiers[s->tier]++;
        r->not_on_maps += s->online_maps == 0;
        r->no_events += x->last_event == YZ_DAY_NONE || x->last_event < today - NO_EVENT_DAYS;
    }
    if (s->livelihood) {
        r->livelihood++;
        r->stages[x->p ? 1 + yz_project_stage(x->p) : 0]++;
        r->overdue += x->p && yz_project_overdue(x->p, today) >= 0;
    }
}

/* Build the picture of the districts the asker may see (`want`: one of them, or NULL for all
 * of them) from the served snapshot, the milestones and the events. */
static int build(yz_api *api, yz_http_req *req, const yz_snap *s, const char *want, picture *pc,
                 yz_errinfo *ei)
{
    memset(pc, 0, sizeof *pc);
    pc->today = today_local();
    int64_t now = yz_time_now();
    size_t nd = yz_snap_district_count(s);
    pc->dists = yz_calloc(nd ? nd : 1, sizeof *pc->dists);
    bool *in = yz_calloc(nd ? nd : 1, sizeof *in);
    for (size_t i = 0; i < nd; i++) {
        const yz_district *d = yz_snap_district(s, i);
        yz_target t = {0};
        snprintf(t.district, sizeof t.district, "%s", d->code);
        in[i] = (!want || strcmp(want, d->code) == 0) && yz__api_may(api, req, "project", &t);
        if (in[i])
            pc->dists[pc->nd++].d = d;
    }
    int err = yz_store_project_list(api->st, &pc->proj, &pc->nproj, ei);
    yz_event *evs = NULL;
    size_t nev = 0;
    if (!err)
        err = yz_store_event_list(api->st, false, &evs, &nev, ei);
    if (err) {
        yz_free(in);
        return err;
    }
    size_t n = yz_snap_count(s);
    int32_t *last = yz_malloc((n ? n : 1) * sizeof *last);
    for (size_t i = 0; i < n; i++)
        last[i] = YZ_DAY_NONE;
    for (size_t k = 0; k < nev; k++) {
        long i = yz_snap_find_id(s, evs[k].station_id);
        int32_t d = i >= 0 ? last_day(&evs[k], now, pc->today) : YZ_DAY_NONE;
        if (d != YZ_DAY_NONE && (last[i] == YZ_DAY_NONE || d > last[i]))
            last[i] = d;
    }
    yz_event_array_free(evs, nev);
    pc->rows = yz_malloc((n ? n : 1) * sizeof *pc->rows);
    for (size_t i = 0; i < n; i++) {
        const char *dc = yz_snap_station_district_code(s, i);
        long di = yz_snap_find_district(s, dc);
        if (di < 0 || !in[di])
            continue;
        st_row *x = &pc->rows[pc->nrows++];
        const yz_station *st = x->s = yz_snap_station_get(s, i, &x->rec);
        x->p = find_project(pc, st->id);
        x->last_event = last[i];
        for (size_t k = 0; k < pc->nd; k++)
            if (pc->dists[k].d == yz_snap_district(s, (size_t)di))
                count(&pc->dists[k], x, pc->today);
        count(&pc->total, x, pc->today);
    }
    yz_free(last);
    yz_free(in);
    return YZ_OK;
}

static bool no_event(const picture *pc, const st_row *x)
{
    return yz_station_in_service(x->s) &&
           (x->last_event == YZ_DAY_NONE || x->last_event < pc->today - NO_EVENT_DAYS);
}

static void render_counts(yz_buf *b, const dist_row *r)
{
    yz_buf_printf(b,
                  "\"stations\":%d,\"in_service\":%d,\"livelihood\":%d,\"overdue\":%d,"
                  "\"not_on_maps\":%d,\"no_events\":%d,\"stages\":{\"none\":%d",
                  r->stations, r->in_service, r->livelihood, r->overdue, r->not_on_maps,
                  r->no_events, r->stages[0]);
    for (int i = 0; i < YZ_MS__COUNT; i++)
        yz_buf_printf(b, ",\"%s\":%d", yz_milestone_name(i), r->stages[1 + i]);
    yz_buf_printf(b, "},\"batches\":{\"none\":%d", r->batches[0]);
    for (int i = 0; i < YZ_BATCH__COUNT; i++)
        yz_buf_printf(b, ",\"%s\":%d", yz_batch_name(i), r->batches[1 + i]);
    yz_buf_puts(b, "},\"tiers\":{");
    for (int i = 0; i < YZ_TIER__COUNT; i++)
        yz_buf_printf(b, "%s\"%s\":%d", i ? "," : "", yz_tier_name(i), r->tiers[i]);
    yz_buf_putc(b, '}');
}

static void render_target(yz_buf *b, const char *name, int count, int of, double target)
{
    int need = (int)ceil(target * of - 1e-9);
    yz_buf_printf(b, "\"%s\":{\"count\":%d,\"share\":", name, count);
    yz_buf_fixed(b, of ? (double)count / of : 0, 4);
    yz_buf_puts(b, ",\"target\":");
    yz_buf_fixed(b, target, 4);
    yz_buf_printf(b, ",\"target_count\":%d,\"met\":%s,\"missing\":%d}", need,
                  count >= need ? "true" : "false", count >= need ? 0 : need - count);
}

static void station_head(yz_buf *b, const yz_station *s)
{
    yz_buf_printf(b, "{\"id\":%lld", (long long)s->id);
    yz_buf_json_member_str(b, "code", s->code);
    yz_buf_json_member_str(b, "name", s->name);
    yz_buf_json_member_str(b, "district_code", s->district_code);
    yz_buf_json_member_str(b, "status", yz_status_name(s->status));
    yz_buf_json_member_str(b, "tier", yz_tier_name(s->tier));
}

static void render_picture(yz_api *api, yz_buf *b, const picture *pc, const char *want)
{
    char today[11];
    yz_day_format(pc->today, today);
    yz_buf_printf(b, "{\"today\":\"%s\",\"district\":", today);
    if (want)
        yz_buf_json_str(b, want, strlen(want));
    else
        yz_buf_puts(b, "null");
    yz_buf_puts(b, ",\"milestones\":[");
    for (int i = 0; i < YZ_MS__COUNT; i++)
        yz_buf_printf(b, "%s\"%s\"", i ? "," : "", yz_milestone_name(i));
    yz_buf_puts(b, "],\"batches\":[");
    for (int i = 0; i < YZ_BATCH__COUNT; i++)
        yz_buf_printf(b, "%s\"%s\"", i ? "," : "", yz_batch_name(i));
    yz_buf_puts(b, "],\"targets\":{");
    render_target(b, "benchmark", pc->total.tiers[YZ_TIER_BENCHMARK], pc->total.in_service,
                  api->target_benchmark);
    yz_buf_putc(b, ',');
    render_target(b, "smart24h", pc->total.tiers[YZ_TIER_SMART24H], pc->total.in_service,
                  api->target_smart24h);
    yz_buf_puts(b, "},\"total\":{");
    render_counts(b, &pc->total);
    yz_buf_puts(b, "},\"districts\":[");
    for (size_t i = 0; i < pc->nd; i++) {
        const dist_row *r = &pc->dists[i];
        yz_buf_puts(b, i ? ",{" : "{");
        yz_buf_puts(b, "\"code\":");
        yz_buf_json_str(b, r->d->code, strlen(r->d->code));
        yz_buf_json_member_str(b, "name", r->d->name);
        yz_buf_json_member_str(b, "name_hant", r->d->name_hant ? r->d->name_hant : r->d->name);
        yz_buf_putc(b, ',');
        render_counts(b, r);
        yz_buf_puts(b, ",\"targets\":{");
        render_target(b, "benchmark", r->tiers[YZ_TIER_BENCHMARK], r->in_service,
                      api->target_benchmark);
        yz_buf_putc(b, ',');
        render_target(b, "smart24h", r->tiers[YZ_TIER_SMART24H], r->in_service,
                      api->target_smart24h);
        yz_buf_puts(b, "}}");
    }
    yz_buf_puts(b, "],\"livelihood\":[");
    bool first = true;
    for (size_t i = 0; i < pc->nrows; i++) {
        const st_row *x = &pc->rows[i];
        if (!x->s->livelihood)
            continue;
        yz_buf_puts(b, first ? "" : ",");
        first = false;
        station_head(b, x->s);
        yz_buf_json_member_str(b, "batch", yz_batch_name(x->s->batch));
        int stage = x->p ? yz_project_stage(x->p) : -1;
        int late = x->p ? yz_project_overdue(x->p, pc->today) : -1;
        ms_member(b, "stage", stage);
        day_member(b, "stage_date", stage >= 0 ? x->p->ms[stage].done_on : YZ_DAY_NONE);
        ms_member(b, "overdue", late);
        day_member(b, "overdue_since", late >= 0 ? x->p->ms[late].planned_on : YZ_DAY_NONE);
        int next = stage + 1 < YZ_MS__COUNT ? stage + 1 : -1;
        ms_member(b, "next", next);
        day_member(b, "next_planned", next >= 0 && x->p ? x->p->ms[next].planned_on : YZ_DAY_NONE);
        yz_buf_printf(b, ",\"version\":%lld}", (long long)(x->p ? x->p->version : 0));
    }
    yz_buf_puts(b, "],\"not_on_maps\":[");
    first = true;
    for (size_t i = 0; i < pc->nrows; i++) {
        const st_row *x = &pc->rows[i];
        if (!yz_station_in_service(x->s) || x->s->online_maps)
            continue;
        yz_buf_puts(b, first ? "" : ",");
        first = false;
        station_head(b, x->s);
        yz_buf_putc(b, '}');
    }
    yz_buf_puts(b, "],\"no_events\":[");
    first = true;
    for (size_t i = 0; i < pc->nrows; i++) {
        const st_row *x = &pc->rows[i];
        if (!no_event(pc, x))
            continue;
        yz_buf_puts(b, first ? "" : ",");
        first = false;
        station_head(b, x->s);
        day_member(b, "last_event", x->last_event);
        yz_buf_putc(b, '}');
    }
    yz_buf_puts(b, "]}\n");
}

/* The `district` filter: NULL (all the asker may see), or a known district the asker may see
 * (else 400 or 403). */
static int read_district(yz_api *api, yz_http_req *req, const char *route, const yz_snap *s,
                         const char **want, yz_errinfo *ei)
{
    const char *d = yz_http_query(req, "district");
    *want = NULL;
    if (!d || !*d)
        return YZ_OK;
    if (strlen(d) > 31 || yz_snap_find_district(s, d) < 0)
        return yz_err_set(ei, YZ_EINVAL, "district", "未知的区县代码", "unknown district code");
    yz_target t = {0};
    snprintf(t.district, sizeof t.district, "%s", d);
    *want = d;
    return yz__api_authorize(api, req, route, &t, ei);
}

static void h_project(void *ctx, yz_http_req *req)
{
    yz_api *api = ctx;
    yz_errinfo ei;
    yz_err_clear(&ei);
    picture pc;
    memset(&pc, 0, sizeof pc);
    const char *want = NULL;
    int err = yz__api_authorize(api, req, "project", NULL, &ei);
    const yz_state_view *view = yz_state_acquire(api->state);
    const yz_snap *s = yz_state_snap(view);
    if (!err)
        err = read_district(api, req, "project", s, &want, &ei);
    if (!err)
        err = build(api, req, s, want, &pc, &ei);
    yz_buf b;
    yz_buf_init(&b);
    if (!err)
        render_picture(api, &b, &pc, want);
    yz_state_release(api->state, view);
    picture_fini(&pc);
    if (err) {
        yz_buf_fini(&b);
        yz_api_error(req, &ei);
        return;
    }
    yz_http_add_header(req, "Cache-Control", "no-store");
    yz__api_ok(req, &b);
}

/* --- GET /api/v1/project.csv?list= ---------------------------------------------------------- */

static void cell(yz_buf *b, const char *v, bool last)
{
    yz_exchange_csv_cell(b, v ? v : "");
    yz_buf_puts(b, last ? "\r\n" : ",");
}

static void cell_day(yz_buf *b, int32_t day, bool last)
{
    char s[11] = "";
    if (day != YZ_DAY_NONE)
        yz_day_format(day, s);
    cell(b, s, last);
}

static void cell_int(yz_buf *b, long long v)
{
    yz_buf_printf(b, "%lld,", v);
}

static void csv_station(yz_buf *b, const yz_station *s, bool last)
{
    cell_int(b, s->id);
    cell(b, s->code, false);
    cell(b, s->name, false);
    cell(b, s->district_code, false);
    cell(b, s->district_name, false);
    cell(b, yz_status_name(s->status), false);
    cell(b, yz_tier_name(s->tier), last);
}

#define CSV_STATION_HEAD "id,code,name,district_code,district,status,tier"

static void csv_districts(yz_buf *b, const picture *pc)
{
    yz_buf_puts(b, "district_code,district,stations,in_service,livelihood,stage_none");
    for (int i = 0; i < YZ_MS__COUNT; i++)
        yz_buf_printf(b, ",stage_%s", yz_milestone_name(i));
    yz_buf_puts(b, ",overdue,batch_none");
    for (int i = 0; i < YZ_BATCH__COUNT; i++)
        yz_buf_printf(b, ",batch_%s", yz_batch_name(i));
    yz_buf_puts(b, ",benchmark,smart24h,not_on_maps,no_events\r\n");
    for (size_t k = 0; k <= pc->nd; k++) {
        const dist_row *r = k < pc->nd ? &pc->dists[k] : &pc->total;
        cell(b, k < pc->nd ? r->d->code : "", false);
        cell(b, k < pc->nd ? r->d->name : "合计 total", false);
        cell_int(b, r->stations);
        cell_int(b, r->in_service);
        cell_int(b, r->livelihood);
        for (int i = 0; i < N_STAGES; i++)
            cell_int(b, r->stages[i]);
        cell_int(b, r->overdue);
        for (int i = 0; i < N_BATCHES; i++)
            cell_int(b, r->batches[i]);
        cell_int(b, r->tiers[YZ_TIER_BENCHMARK]);
        cell_int(b, r->tiers[YZ_TIER_SMART24H]);
        cell_int(b, r->not_on_maps);
        yz_buf_printf(b, "%d\r\n", r->no_events);
    }
}

static void csv_lists(yz_buf *b, const picture *pc, const char *list)
{
    if (strcmp(list, "livelihood") == 0) {
        yz_buf_puts(b, CSV_STATION_HEAD ",batch,stage,overdue");
        for (int i = 0; i < YZ_MS__COUNT; i++)
            yz_buf_printf(b, ",%s_planned,%s_actual,%s_note", yz_milestone_name(i),
                          yz_milestone_name(i), yz_milestone_name(i));
        yz_buf_puts(b, "\r\n");
    } else if (strcmp(list, "not_on_maps") == 0) {
        yz_buf_puts(b, CSV_STATION_HEAD "\r\n");
    } else {
        yz_buf_puts(b, CSV_STATION_HEAD ",last_event\r\n");
    }
    for (size_t i = 0; i < pc->nrows; i++) {
        const st_row *x = &pc->rows[i];
        if (strcmp(list, "livelihood") == 0) {
            if (!x->s->livelihood)
                continue;
            csv_station(b, x->s, false);
            cell(b, yz_batch_name(x->s->batch), false);
            cell(b, x->p ? yz_milestone_name(yz_project_stage(x->p)) : "", false);
            cell(b, x->p ? yz_milestone_name(yz_project_overdue(x->p, pc->today)) : "", false);
            for (int k = 0; k < YZ_MS__COUNT; k++) {
                const yz_milestone_rec *m = x->p ? &x->p->ms[k] : NULL;
                cell_day(b, m ? m->planned_on : YZ_DAY_NONE, false);
                cell_day(b, m ? m->done_on : YZ_DAY_NONE, false);
                cell(b, m ? m->note : "", k == YZ_MS__COUNT - 1);
            }
        } else if (strcmp(list, "not_on_maps") == 0) {
            if (!yz_station_in_service(x->s) || x->s->online_maps)
                continue;
            csv_station(b, x->s, true);
        } else {
            if (!no_event(pc, x))
                continue;
            csv_station(b, x->s, false);
            cell_day(b, x->last_event, true);
        }
    }
}

static void h_project_csv(void *ctx, yz_http_req *req)
{
    yz_api *api = ctx;
    yz_errinfo ei;
    yz_err_clear(&ei);
    picture pc;
    memset(&pc, 0, sizeof pc);
    const char *want = NULL, *list = yz_http_query(req, "list");
    int err = yz__api_authorize(api, req, "project_csv", NULL, &ei);
    if (!err && (!list || (strcmp(list, "districts") && strcmp(list, "livelihood") &&
                           strcmp(list, "not_on_maps") && strcmp(list, "no_events"))))
        err = yz_err_set(&ei, YZ_EINVAL, "list",
                         "list 须为 districts、livelihood、not_on_maps 或 no_events",
                         "list must be districts, livelihood, not_on_maps or no_events");
    const yz_state_view *view = yz_state_acquire(api->state);
    const yz_snap *s = yz_state_snap(view);
    if (!err)
        err = read_district(api, req, "project_csv", s, &want, &ei);
    if (!err)
        err = build(api, req, s, want, &pc, &ei);
    yz_buf b;
    yz_buf_init(&b);
    if (!err) {
        yz_buf_puts(&b, "\xEF\xBB\xBF");
        if (strcmp(list, "districts") == 0)
            csv_districts(&b, &pc);
        else
            csv_lists(&b, &pc, list);
    }
    yz_state_release(api->state, view);
    picture_fini(&pc);
    if (err) {
        yz_buf_fini(&b);
        yz_api_error(req, &ei);
        return;
    }
    char disp[96];
    snprintf(disp, sizeof disp, "attachment; filename=\"project-%s%s%s.csv\"", list,
             want ? "-" : "", want ? want : "");
    yz_http_add_header(req, "Cache-Control", "no-store");
    yz_http_add_header(req, "Content-Disposition", disp);
    yz_http_respond(req, 200, "text/csv; charset=utf-8", &b);
}

void yz__api_register_project(yz_api *api, yz_http_server *srv)
{
    yz_http_route(srv, "GET", "/api/v1/stations/{}/milestones", "station_milestones",
                  h_milestones_get, api);
    yz_http_route(srv, "PATCH", "/api/v1/stations/{}/milestones", "station_milestones_patch",
                  h_milestones_patch, api);
    yz_http_route(srv, "GET", "/api/v1/project", "project", h_project, api);
    yz_http_route_expensive(srv, "GET", "/api/v1/project.csv", "project_csv", h_project_csv, api);
}
