/* SPDX-License-Identifier: MIT */
/* api/alarms.c - alarms as data (issue 14, point 3; docs/internals/alarms.md): the rules an
 * admin tunes, the alarms of a station's devices for its operators and district admins
 * (acknowledge, make a rectification task), an evaluation at once, and the open alarms on
 * /metrics. The evaluator itself (live/alarms.c) runs on a thread of its own. */
#include "api/api_int.h"
#include "api/params.h"

#include "core/alloc.h"
#include "core/time.h"
#include "live/alarms.h"
#include "model/device.h"
#include "model/inspection.h"
#include "store/alarms.h"
#include "store/tasks.h"

#include <math.h>
#include <time.h>
#include <stdio.h>
#include <string.h>

#define LIST_MAX 500 /* alarms a list answer */

static void render_label(yz_buf *b, int kind)
{
    if (kind < 0 || kind >= YZ_ALARM_KIND__COUNT) {
        yz_buf_puts(b, ",\"label\":null");
        return;
    }
    yz_buf_printf(b, ",\"label\":{\"zh-Hans\":\"%s\",\"zh-Hant\":\"%s\",\"en\":\"%s\"}",
                  yz_alarm_kind_words(kind, 0), yz_alarm_kind_words(kind, 1),
                  yz_alarm_kind_words(kind, 2));
}

static void render_rule(yz_buf *b, const yz_alarm_rule *r)
{
    yz_buf_printf(b, "{\"id\":%lld,\"kind\":\"%s\"", (long long)r->id, yz_alarm_kind_name(r->kind));
    render_label(b, r->kind);
    yz_buf_printf(b, ",\"duration_s\":%lld", (long long)r->duration_s);
    if (r->kind == YZ_ALARM_AC_OFF_HOT)
        yz_buf_printf(b, ",\"threshold\":%.15g", r->threshold);
    else
        yz_buf_puts(b, ",\"threshold\":null");
    yz_buf_printf(b, ",\"ack_s\":%lld,\"enabled\":%s,\"version\":%lld}", (long long)r->ack_s,
                  r->enabled ? "true" : "false", (long long)r->version);
}

/* An alarm, with its station's code and name from the snapshot `s` (null when gone). */
static void render_alarm(yz_buf *b, const yz_alarm *a, const yz_snap *s)
{
    yz_buf_printf(b, "{\"id\":%lld,\"rule\":\"%s\",\"rule_id\":%lld", (long long)a->id,
                  yz_alarm_kind_name(a->kind), (long long)a->rule_id);
    render_label(b, a->kind);
    long pos = yz_snap_find_id(s, a->station_id);
    const yz_station *st = pos >= 0 ? yz_snap_station_get(s, (size_t)pos, &(yz_station){0}) : NULL;
    yz_buf_printf(b, ",\"station\":{\"id\":%lld,\"code\":", (long long)a->station_id);
    if (st) {
        yz_buf_json_str(b, st->code, strlen(st->code));
        yz_buf_puts(b, ",\"name\":");
        yz_buf_json_str(b, st->name, strlen(st->name));
    } else {
        yz_buf_puts(b, "null,\"name\":null");
    }
    yz_buf_puts(b, "},\"district\":");
    yz_buf_json_str(b, a->district, strlen(a->district));
    yz_buf_printf(b, ",\"device\":{\"id\":%lld,\"kind\":\"%s\"}", (long long)a->device_id,
                  yz_device_kind_name(a->device_kind));
    yz__api_member_time(b, "since", a->since_ms / 1000);
    yz__api_member_time(b, "opened_at", a->opened_at);
    yz_buf_printf(b, ",\"open\":%s,\"level\":\"%s\",\"escalated\":%s",
                  a->closed_at ? "false" : "true",
                  a->level == YZ_ALARM_DISTRICT ? "district" : "operator",
                  a->level == YZ_ALARM_DISTRICT ? "true" : "false");
    yz__api_member_time(b, "escalated_at", a->escalated_at);
    yz__api_member_time(b, "acked_at", a->acked_at);
    yz__api_member_id(b, "acked_by", a->acked_by);
    yz__api_member_time(b, "closed_at", a->closed_at);
    yz__api_member_id(b, "task_id", a->task_id);
    yz_buf_putc(b, '}');
}

static void target_of(yz_api *api, const yz_alarm *a, yz_target *tg)
{
    memset(tg, 0, sizeof *tg);
    yz__api_target_station(api, a->station_id, tg);
    if (!tg->district[0])
        snprintf(tg->district, sizeof tg->district, "%s", a->district);
}

/* The alarm named by path capture 0, checked against `route`. */
static int load_checked(yz_api *api, yz_http_req *req, const char *route, yz_alarm *a,
                        yz_errinfo *ei)
{
    int64_t id = yz__api_id(yz_http_param(req, 0));
    int err = yz__api_authorize(api, req, route, NULL, ei);
    if (!err)
        err = id ? yz_store_alarm_get(api->st, id, a, ei)
                 : yz_err_set(ei, YZ_ENOTFOUND, "id", "告警不存在", "alarm not found");
    if (!err) {
        yz_target tg;
        target_of(api, a, &tg);
        err = yz__api_authorize(api, req, route, &tg, ei);
    }
    return err;
}

static void respond_alarm(yz_api *api, yz_http_req *req, const yz_alarm *a)
{
    yz_buf b;
    yz_buf_init(&b);
    const yz_state_view *view = yz_state_acquire(api->state);
    render_alarm(&b, a, yz_state_snap(view));
    yz_state_release(api->state, view);
    yz_buf_putc(&b, '\n');
    yz__api_ok(req, &b);
}

/* --- the rules ---------------------------------------------------------------------------------
 */

static void h_rules(void *ctx, yz_http_req *req)
{
    yz_api *api = ctx;
    yz_errinfo ei;
    yz_err_clear(&ei);
    yz_alarm_rule *r = NULL;
    size_t n = 0;
    int err = yz__api_authorize(api, req, "alarm_rules_list", NULL, &ei);
    if (!err)
        err = yz_store_alarm_rules(api->st, &r, &n, &ei);
    if (err) {
        yz_api_error(req, &ei);
        return;
    }
    yz_buf b;
    yz_buf_init(&b);
    yz_buf_puts(&b, "{\"rules\":[");
    for (size_t i = 0; i < n; i++) {
        if (i)
            yz_buf_putc(&b, ',');
        render_rule(&b, &r[i]);
    }
    yz_buf_puts(&b, "]}\n");
    yz__api_ok(req, &b);
    yz_free(r);
}

static const char *const rule_fields[] = {"duration_s", "threshold", "ack_s", "enabled", NULL};

/* Member `name` of `body`, when present, as a whole number in lo..hi into *v. */
static int whole_member(json_t *body, const char *name, int64_t lo, int64_t hi, int64_t *v,
                        yz_errinfo *ei)
{
    json_t *j = json_object_get(body, name);
    if (!j)
        return YZ_OK;
    if (!json_is_integer(j) || json_integer_value(j) < lo || json_integer_value(j) > hi)
        return yz_err_setf(ei, YZ_EINVAL, name, "%s 须为 %lld..%lld 的整数（秒）",
                           "%s must be a whole number of seconds in %lld..%lld", name,
                           (long long)lo, (long long)hi);
    *v = json_integer_value(j);
    return YZ_OK;
}

static int rule_patch(const yz_alarm_rule *old, json_t *body, yz_alarm_rule *r, yz_errinfo *ei)
{
    *r = *old;
    int64_t dmin = old->kind == YZ_ALARM_NO_HEARTBEAT ? 60 : 0;
    int err = whole_member(body, "duration_s", dmin, YZ_ALARM_DURATION_MAX, &r->duration_s, ei);
    if (!err)
        err = whole_member(body, "ack_s", YZ_ALARM_ACK_MIN, YZ_ALARM_ACK_MAX, &r->ack_s, ei);
    json_t *t = json_object_get(body, "threshold");
    if (!err && t) {
        if (old->kind != YZ_ALARM_AC_OFF_HOT)
            err = yz_err_set(ei, YZ_EINVAL, "threshold", "该规则没有温度阈值",
                             "this rule has no threshold");
        else if (!json_is_number(t) || !isfinite(json_number_value(t)) ||
                 json_number_value(t) < -40 || json_number_value(t) > 70)
            err = yz_err_set(ei, YZ_EINVAL, "threshold", "threshold 须为 -40..70 的温度（°C）",
                             "threshold must be a temperature in -40..70 (°C)");
        else
            r->threshold = json_number_value(t);
    }
    json_t *e = json_object_get(body, "enabled");
    if (!err && e) {
        if (!json_is_boolean(e))
            err = yz_err_set(ei, YZ_EINVAL, "enabled", "enabled 须为 true 或 false",
                             "enabled must be true or false");
        else
            r->enabled = json_is_true(e);
    }
    return err;
}

static void h_rule_patch(void *ctx, yz_http_req *req)
{
    yz_api *api = ctx;
    yz_errinfo ei;
    yz_err_clear(&ei);
    json_t *body = NULL;
    yz_alarm_rule old, r, before;
    int64_t id = yz__api_id(yz_http_param(req, 0));
    int err = yz__api_authorize(api, req, "alarm_rule_patch", NULL, &ei);
    if (!err)
        err = id ? yz_store_alarm_rule_get(api->st, id, &old, &ei)
                 : yz_err_set(&ei, YZ_ENOTFOUND, "id", "告警规则不存在", "alarm rule not found");
    int64_t version = -1;
    if (!err)
        err = yz__api_if_match(req, false, 1, &version, &ei);
    if (!err)
        err = yz__api_body_object(req, rule_fields, &body, &ei);
    if (!err)
        err = rule_patch(&old, body, &r, &ei);
    if (!err)
        err = yz_store_alarm_rule_update(api->st, &r, version > 0 ? version : 0, &before, &ei);
    json_decref(body);
    if (err) {
        yz_api_error(req, &ei);
        return;
    }
    yz_buf b;
    yz_buf_init(&b);
    render_rule(&b, &before);
    yz__api_audit_before(req, b.data);
    yz__api_audit_record(req, "alarm_rule", r.id, "");
    yz_buf_reset(&b);
    render_rule(&b, &r);
    yz_buf_putc(&b, '\n');
    yz__api_ok(req, &b);
}

/* --- the alarms --------------------------------------------------------------------------------
 */

typedef struct list_args {
    int state;
    const char *station;
    long limit;
} list_args;

static int state_word(const char *s)
{
    return !strcmp(s, "open") ? 0 : !strcmp(s, "all") ? 1 : -1;
}

static const yz_param list_params[] = {
    {"state", YZ_PARAM_WORD, offsetof(list_args, state), 0, 0, 0, 0, state_word, "open, all"},
    {"station", YZ_PARAM_TEXT, offsetof(list_args, station), 0, 40, 0, 0, NULL, NULL},
    {"limit", YZ_PARAM_INT, offsetof(list_args, limit), 1, LIST_MAX, 200, 0, NULL, NULL},
};

static void h_list(void *ctx, yz_http_req *req)
{
    yz_api *api = ctx;
    yz_errinfo ei;
    yz_err_clear(&ei);
    list_args q = {0, NULL, 200};
    yz_alarm_filter f = {0};
    int err = yz__api_authorize(api, req, "alarms_list", NULL, &ei);
    if (!err)
        err = YZ_API_PARAMS(req, list_params, &q, &ei);
    if (!err && q.station) {
        const yz_state_view *view = yz_state_acquire(api->state);
        const yz_snap *s = yz_state_snap(view);
        long i = yz__api_param_station(s, q.station, "station", &ei);
        if (i >= 0)
            f.station_id = yz_snap_station_id(s, (size_t)i);
        yz_state_release(api->state, view);
        if (i < 0)
            err = ei.code;
    }
    if (!err && f.station_id) { /* a station outside the asker's scope is refused */
        yz_target t = {0};
        yz__api_target_station(api, f.station_id, &t);
        err = yz__api_authorize(api, req, "alarms_list", &t, &ei);
    }
    yz_alarm *a = NULL;
    size_t n = 0;
    if (!err) {
        f.open_only = q.state == 0;
        /* rows outside the scope are left out after the query: read enough of them */
        f.limit = LIST_MAX * 20;
        err = yz_store_alarm_list(api->st, &f, &a, &n, &ei);
    }
    if (err) {
        yz_api_error(req, &ei);
        return;
    }
    yz_buf b;
    yz_buf_init(&b);
    yz_buf_puts(&b, "{\"alarms\":[");
    size_t shown = 0, open = 0, escalated = 0;
    const yz_state_view *view = yz_state_acquire(api->state);
    const yz_snap *s = yz_state_snap(view);
    for (size_t i = 0; i < n && shown < (size_t)q.limit; i++) {
        yz_target t;
        target_of(api, &a[i], &t);
        if (!yz__api_may_as(api, req, "alarms_list", &t, ~0u))
            continue;
        if (shown++)
            yz_buf_putc(&b, ',');
        render_alarm(&b, &a[i], s);
        open += !a[i].closed_at;
        escalated += !a[i].closed_at && a[i].level == YZ_ALARM_DISTRICT;
    }
    yz_state_release(api->state, view);
    yz_buf_printf(&b, "],\"count\":%zu,\"open\":%zu,\"escalated\":%zu}\n", shown, open, escalated);
    yz__api_ok(req, &b);
    yz_free(a);
}

static void h_ack(void *ctx, yz_http_req *req)
{
    yz_api *api = ctx;
    yz_errinfo ei;
    yz_err_clear(&ei);
    yz_alarm a, before, after;
    int err = load_checked(api, req, "alarm_ack", &a, &ei);
    if (!err)
        err = yz_store_alarm_ack(api->st, a.id, yz__api_actor_user(api, req), yz_time_now(),
                                 &before, &after, &ei);
    if (err) {
        yz_api_error(req, &ei);
        return;
    }
    yz_buf b;
    yz_buf_init(&b);
    const yz_state_view *view = yz_state_acquire(api->state);
    render_alarm(&b, &before, yz_state_snap(view));
    yz_state_release(api->state, view);
    yz__api_audit_before(req, b.data);
    yz_buf_fini(&b);
    yz__api_audit_record(req, "alarm", after.id, after.district);
    respond_alarm(api, req, &after);
}

static void h_task(void *ctx, yz_http_req *req)
{
    yz_api *api = ctx;
    yz_errinfo ei;
    yz_err_clear(&ei);
    yz_alarm a;
    yz_task t;
    yz_task_init(&t);
    int severity = YZ_SEVERITY_MEDIUM;
    int err = load_checked(api, req, "alarm_task", &a, &ei);
    if (!err)
        err = yz__api_task_severity(req, &severity, &ei);
    if (!err)
        err = yz_store_task_from_alarm(api->st, a.id, yz__api_actor_user(api, req), severity,
                                       yz_time_now(), &t, &ei);
    if (err) {
        yz_api_error(req, &ei);
    } else {
        yz__api_audit_record(req, "task", t.id, t.district);
        yz__api_respond_task(req, 201, &t);
        yz__api_tasks_changed(api);
    }
    yz_task_fini(&t);
}

/* --- an evaluation at once ---------------------------------------------------------------------
 */

static const char *const eval_fields[] = {"at_ms", NULL};

static void h_evaluate(void *ctx, yz_http_req *req)
{
    yz_api *api = ctx;
    yz_errinfo ei;
    yz_err_clear(&ei);
    json_t *body = NULL;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    int64_t at_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    int err = yz__api_authorize(api, req, "alarms_evaluate", NULL, &ei);
    if (!err) {
        size_t len = 0;
        yz_http_body(req, &len);
        if (len)
            err = yz__api_body_object(req, eval_fields, &body, &ei);
    }
    json_t *at = body ? json_object_get(body, "at_ms") : NULL;
    if (!err && at) {
        /* a time of the caller's: only on a node that does not evaluate by itself (tests) */
        if (api->alarm_eval_s > 0)
            err = yz_err_set(&ei, YZ_EINVAL, "at_ms", "本节点按自身时钟评估告警，不接受 at_ms",
                             "this node evaluates alarms on its own clock: at_ms is refused");
        else if (!json_is_integer(at) || json_integer_value(at) <= 0)
            err = yz_err_set(&ei, YZ_EINVAL, "at_ms", "at_ms 须为 Unix 毫秒数",
                             "at_ms must be Unix milliseconds");
        else
            at_ms = json_integer_value(at);
    }
    json_decref(body);
    yz_alarm_applied r;
    if (!err)
        err = yz_alarms_evaluate(api->alarms, at_ms, &r, &ei);
    if (err) {
        yz_api_error(req, &ei);
        return;
    }
    yz_buf b;
    yz_buf_init(&b);
    yz_buf_printf(&b, "{\"at_ms\":%lld,\"opened\":%zu,\"closed\":%zu,\"escalated\":%zu}\n",
                  (long long)at_ms, r.opened, r.closed, r.escalated);
    yz__api_ok(req, &b);
}

/* --- /metrics, registration --------------------------------------------------------------------
 */

void yz__api_alarms_metrics(yz_api *api, yz_buf *b)
{
    int64_t c[YZ_ALARM_KIND__COUNT][2];
    if (!api->alarms || !yz_alarms_counts(api->alarms, c))
        return;
    yz_buf_puts(b, "# HELP yizhan_alarms_open Open alarms by rule and level, as of this node's"
                   " last evaluation.\n"
                   "# TYPE yizhan_alarms_open gauge\n");
    for (int k = 0; k < YZ_ALARM_KIND__COUNT; k++)
        for (int l = 0; l < 2; l++)
            yz_buf_printf(b, "yizhan_alarms_open{rule=\"%s\",level=\"%s\"} %lld\n",
                          yz_alarm_kind_name(k), l ? "district" : "operator", (long long)c[k][l]);
}

void yz__api_register_alarms(yz_api *api, yz_http_server *srv)
{
    api->alarms = yz_alarms_new(api->st, api->state, api->alarm_eval_s > 0 ? api->alarm_eval_s : 0);
    yz_http_route(srv, "GET", "/api/v1/alarm-rules", "alarm_rules_list", h_rules, api);
    yz_http_route(srv, "PATCH", "/api/v1/alarm-rules/{}", "alarm_rule_patch", h_rule_patch, api);
    yz_http_route(srv, "GET", "/api/v1/alarms", "alarms_list", h_list, api);
    yz_http_route(srv, "POST", "/api/v1/alarms/evaluate", "alarms_evaluate", h_evaluate, api);
    yz_http_route(srv, "POST", "/api/v1/alarms/{}/ack", "alarm_ack", h_ack, api);
    yz_http_route(srv, "POST", "/api/v1/alarms/{}/task", "alarm_task", h_task, api);
}

void yz__api_free_alarms(yz_api *api)
{
    yz_alarms_free(api->alarms);
    api->alarms = NULL;
}
