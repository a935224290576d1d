/* SPDX-License-Identifier: MIT */
/* api/audit.c - the audit log of staff writes (docs/internals/audit.md): the hook that writes
 * one entry per unsafe request to a staff route (and per login attempt) just before its answer
 * is queued, and the endpoints that read the log (GET /api/v1/audit and /api/v1/audit.csv). */
#include "api/api_int.h"
#include "api/params.h"

#include "core/alloc.h"
#include "core/log.h"
#include "core/time.h"
#include "exchange/exchange.h"
#include "store/audit.h"

#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static _Atomic long audit_lost; /* entries that could not be written (logged each time) */
static _Atomic long audit_skipped_429; /* anonymous requests refused by the address limit */

void yz__api_audit_begin(yz_api *api, yz_http_req *req, const char *action)
{
    yz_actor *a = yz__api_actor_slot(api, req);
    if (!a->audit.action)
        a->audit.action = action;
}

void yz__api_audit_record(yz_http_req *req, const char *kind, int64_t id, const char *district)
{
    yz_actor *a = yz_http_data(req);
    if (!a)
        return;
    snprintf(a->audit.record_kind, sizeof a->audit.record_kind, "%s", kind);
    if (id)
        a->audit.record_id = id;
    if (district)
        snprintf(a->audit.district, sizeof a->audit.district, "%s", district);
}

void yz__api_audit_before(yz_http_req *req, const char *json)
{
    yz_actor *a = yz_http_data(req);
    if (!a || !a->audit.action)
        return;
    yz_free(a->audit.before);
    a->audit.before = json ? yz_strdup(json) : NULL;
}

void yz__api_audit_after(yz_http_req *req, const char *json)
{
    yz_actor *a = yz_http_data(req);
    if (!a || !a->audit.action)
        return;
    yz_free(a->audit.after);
    a->audit.after = json ? yz_strdup(json) : NULL;
}

void yz__api_audit_cancel(yz_http_req *req)
{
    yz_actor *a = yz_http_data(req);
    if (a)
        a->audit.action = NULL;
}

void yz__api_audit_login(yz_http_req *req, const char *login, int64_t user_id)
{
    yz_actor *a = yz_http_data(req);
    if (!a)
        return;
    snprintf(a->audit.login, sizeof a->audit.login, "%s", login ? login : "");
    a->audit.login_user_id = user_id;
}

void yz__api_audit_error(yz_http_req *req, const yz_errinfo *ei)
{
    yz_actor *a = yz_http_data(req);
    if (!a || !a->audit.action)
        return;
    const char *en = ei->msg_en[0] ? ei->msg_en : yz_strerror_en(ei->code ? ei->code : YZ_EINTERNAL);
    snprintf(a->audit.reason, sizeof a->audit.reason, "%.20s%s%.31s: %.140s", yz_err_name(ei->code),
             ei->field[0] ? " " : "", ei->field, en);
}

/* "stations_create" -> "station", "event_patch" -> "event", "moderation_approve" ->
 * "moderation": the record kind a route name speaks of. */
static void kind_of(const char *name, char *out, size_t n)
{
    size_t len = strcspn(name, "_");
    if (len > 1 && name[len - 1] == 's')
        len--;
    if (len >= n)
        len = n - 1;
    memcpy(out, name, len);
    out[len] = 0;
}

/* The first numeric segment of `path` and the segment before it ("/api/v1/stations/12" ->
 * 12, "station"). */
static int64_t path_record(const char *path, char *kind, size_t n)
{
    const char *prev = NULL, *p = path;
    size_t prev_len = 0;
    while (p && *p) {
        while (*p == '/')
            p++;
        size_t len = strcspn(p, "/");
        if (len && strspn(p, "0123456789") == len && len < 19) {
            if (prev && prev_len > 1) {
                size_t k = prev[prev_len - 1] == 's' ? prev_len - 1 : prev_len;
                snprintf(kind, n, "%.*s", (int)k, prev);
            }
            return strtoll(p, NULL, 10);
        }
        prev = p;
        prev_len = len;
        p += len;
    }
    return 0;
}

/* The answer as kept in the log: members that are secrets (a session's token and CSRF token,
 * a one-time password) are removed. Returns owned JSON, or NULL when the body is not JSON. */
static char *after_json(const char *body, size_t len, int64_t *id, char *district, size_t dn)
{
    if (!body || !len || (body[0] != '{' && body[0] != '['))
        return NULL;
    json_t *v = json_loadb(body, len, 0, NULL);
    if (!v)
        return NULL;
    if (json_is_object(v)) {
        json_object_del(v, "token");
        json_object_del(v, "csrf");
        json_object_del(v, "password");
        json_object_del(v, "pickup_code");
        json_t *x = json_object_get(v, "id");
        if (json_is_integer(x))
            *id = json_integer_value(x);
        x = json_object_get(v, "district_code");
        if (json_is_string(x) && !district[0])
            snprintf(district, dn, "%s", json_string_value(x));
    }
    char *s = json_dumps(v, JSON_COMPACT | JSON_REAL_PRECISION(15));
    json_decref(v);
    char *out = s ? yz_strdup(s) : NULL;
    free(s);
    return out;
}

static void on_respond(yz_http_req *req, int status, const char *body, size_t len)
{
    yz_actor *a = yz_http_data(req);
    if (!a || !a->audit.action || a->audit.written)
        return;
    yz_audit_ctx *c = &a->audit;
    c->written = true;
    /* A flood without any credential that the address limit already refuses is not written
     * one row per request (each is a commit: the log would be the flood's amplifier); it is
     * counted. Login attempts and anything with a credential are always written. */
    if (status == 429 && !a->resolved && !c->login[0]) {
        atomic_fetch_add(&audit_skipped_429, 1);
        return;
    }
    yz_audit_entry e;
    yz_audit_entry_init(&e);
    const char *kind = "anonymous", *login = c->login;
    int64_t uid = c->login_user_id;
    if (a->kind == YZ_ACTOR_USER) {
        kind = "user";
        uid = a->user.id;
        login = a->user.login;
    } else if (a->kind == YZ_ACTOR_ADMIN_TOKEN) {
        kind = "admin_token";
    } else if (uid) {
        kind = "user";
    }
    int64_t body_id = 0;
    char district[sizeof c->district];
    snprintf(district, sizeof district, "%s", c->district);
    char *after = c->after       ? yz_strdup(c->after)
                  : status < 300 ? after_json(body, len, &body_id, district, sizeof district)
                                 : NULL;
    char rkind[sizeof c->record_kind];
    snprintf(rkind, sizeof rkind, "%s", c->record_kind);
    int64_t rid = c->record_id;
    if (!rkind[0] && body_id) {
        kind_of(c->action, rkind, sizeof rkind);
        rid = body_id;
    } else if (!rkind[0]) {
        rid = path_record(yz_http_path(req), rkind, sizeof rkind);
        if (!rkind[0])
            kind_of(c->action, rkind, sizeof rkind);
    }
    const char *addr = yz_http_client_addr(req);
    e.actor_kind = (char *)kind;
    e.user_id = uid;
    e.login = (char *)login;
    e.addr = (char *)(addr ? addr : "");
    e.action = (char *)c->action;
    e.method = (char *)yz_http_method(req);
    e.path = (char *)yz_http_path(req);
    e.record_kind = rkind;
    e.record_id = rid;
    e.district = district;
    e.before_json = c->before;
    e.after_json = after;
    e.outcome = (char *)(status < 400 ? "ok" : status < 500 ? "refused" : "failed");
    e.status = status;
    e.reason = c->reason;
    yz_errinfo ei;
    yz_err_clear(&ei);
    if (yz_store_audit_append(a->api->st, &e, NULL, &ei) != YZ_OK) {
        atomic_fetch_add(&audit_lost, 1);
        yz_log_error("audit: entry for %s %s (%s, status %d) not written: %s", e.method, e.path,
                     c->action, status, ei.msg_en);
    }
    yz_free(after);
}

void yz__api_audit_metrics(yz_buf *b)
{
    yz_buf_printf(b,
                  "# HELP yizhan_audit_lost_total Audit entries that could not be written (each"
                  " is logged at error level).\n"
                  "# TYPE yizhan_audit_lost_total counter\n"
                  "yizhan_audit_lost_total %ld\n"
                  "# HELP yizhan_audit_skipped_total Staff writes refused by the address limit"
                  " before any credential was read: counted, not logged one by one.\n"
                  "# TYPE yizhan_audit_skipped_total counter\n"
                  "yizhan_audit_skipped_total %ld\n",
                  atomic_load(&audit_lost), atomic_load(&audit_skipped_429));
}

/* --- GET /api/v1/audit, /api/v1/audit.csv -------------------------------------------------- */

typedef struct audit_args {
    const char *user, *record, *district, *action, *outcome;
    int64_t from, to;
    long before_id, limit;
} audit_args;

static const yz_param audit_params[] = {
    {"user", YZ_PARAM_TEXT, offsetof(audit_args, user), 0, 64, 0, 0, NULL, NULL},
    {"record", YZ_PARAM_TEXT, offsetof(audit_args, record), 0, 64, 0, 0, NULL, NULL},
    {"district", YZ_PARAM_TEXT, offsetof(audit_args, district), 0, 31, 0, 0, NULL, NULL},
    {"action", YZ_PARAM_TEXT, offsetof(audit_args, action), 0, 64, 0, 0, NULL, NULL},
    {"outcome", YZ_PARAM_TEXT, offsetof(audit_args, outcome), 0, 16, 0, 0, NULL, NULL},
    {"from", YZ_PARAM_TIME, offsetof(audit_args, from), 0, 0, 0, 0, NULL, NULL},
    {"to", YZ_PARAM_TIME, offsetof(audit_args, to), 0, 0, 0, 0, NULL, NULL},
    {"before_id", YZ_PARAM_INT, offsetof(audit_args, before_id), 0, 9e15, 0, 0, NULL, NULL},
    {"limit", YZ_PARAM_INT, offsetof(audit_args, limit), 1, YZ_AUDIT_LIMIT_MAX, 50, 0, NULL, NULL},
};

/* Fill f->districts with the districts the actor may read, or leave it empty when the actor
 * may read every entry. Refuses a `district` filter outside them. Pointers borrow from `a`
 * and `want`. */
static int scope_filter(const yz_actor *a, const char *want, yz_audit_filter *f, yz_errinfo *ei)
{
    const yz_perm *p = yz__api_perm("audit_list");
    bool all = a->kind == YZ_ACTOR_ADMIN_TOKEN;
    for (size_t i = 0; !all && i < a->user.ngrants; i++)
        all = p->scope[a->user.grants[i].role] == YZ_SCOPE_ANY;
    if (all) {
        if (want) {
            f->districts[0] = want;
            f->ndistricts = 1;
        }
        return YZ_OK;
    }
    if (want) {
        for (size_t i = 0; i < a->user.ngrants; i++)
            if (p->scope[a->user.grants[i].role] == YZ_SCOPE_DISTRICT &&
                yz_list_has(a->user.grants[i].scope, want, strlen(want))) {
                f->districts[0] = want;
                f->ndistricts = 1;
                return YZ_OK;
            }
        return yz_err_set(ei, YZ_EFORBIDDEN, "district", "此区县不在你的管辖范围内",
                          "this district is outside your scope");
    }
    /* every district of every district grant; the codes live in the grants' scope strings */
    static _Thread_local char codes[YZ_AUDIT_DISTRICTS_MAX][32];
    for (size_t i = 0; i < a->user.ngrants; i++) {
        if (p->scope[a->user.grants[i].role] != YZ_SCOPE_DISTRICT)
            continue;
        for (const char *s = a->user.grants[i].scope; s && *s;) {
            const char *e = strchr(s, ',');
            size_t len = e ? (size_t)(e - s) : strlen(s);
            if (len && len < sizeof codes[0] && f->ndistricts < YZ_AUDIT_DISTRICTS_MAX) {
                memcpy(codes[f->ndistricts], s, len);
                codes[f->ndistricts][len] = 0;
                f->districts[f->ndistricts] = codes[f->ndistricts];
                f->ndistricts++;
            }
            s = e ? e + 1 : NULL;
        }
    }
    if (!f->ndistricts) /* a district admin without districts sees nothing */
        f->districts[f->ndistricts++] = "\x01";
    return YZ_OK;
}

static int read_filter(yz_api *api, yz_http_req *req, audit_args *x, yz_audit_filter *f,
                       char *kind, size_t kn, yz_errinfo *ei)
{
    int err = YZ_API_PARAMS(req, audit_params, x, ei);
    if (err)
        return err;
    yz_audit_filter_init(f);
    if (yz__api_param_given(req, "from"))
        f->from = x->from;
    if (yz__api_param_given(req, "to"))
        f->to = x->to;
    f->before_id = x->before_id;
    f->limit = (int)x->limit;
    f->action = x->action;
    if (x->outcome && strcmp(x->outcome, "ok") != 0 && strcmp(x->outcome, "refused") != 0 &&
        strcmp(x->outcome, "failed") != 0)
        return yz_err_set(ei, YZ_EINVAL, "outcome", "outcome 须为 ok、refused 或 failed",
                          "outcome must be ok, refused or failed");
    f->outcome = x->outcome;
    if (x->record) {
        const char *colon = strchr(x->record, ':');
        int64_t id = 0;
        size_t len = colon ? (size_t)(colon - x->record) : 0;
        if (!colon || !len || len >= kn || !yz_parse_id(colon + 1, strlen(colon + 1), &id))
            return yz_err_set(ei, YZ_EINVAL, "record", "record 须为 类型:编号，如 station:12",
                              "record must be kind:id, e.g. station:12");
        memcpy(kind, x->record, len);
        kind[len] = 0;
        f->record_kind = kind;
        f->record_id = id;
    }
    if (x->user) {
        int64_t id = 0;
        if (yz_parse_id(x->user, strlen(x->user), &id)) {
            f->user_id = id;
        } else {
            yz_user u;
            yz_user_init(&u);
            yz_errinfo lei;
            if (yz_store_user_by_login(api->st, x->user, &u, NULL, &lei) == YZ_OK)
                f->user_id = u.id;
            else
                f->login = x->user; /* a login that no user has: failed logins */
            yz_user_fini(&u);
        }
    }
    return scope_filter(yz__api_actor(api, req), x->district, f, ei);
}

static void render_entry(yz_buf *b, const yz_audit_entry *e)
{
    char iso[32];
    yz_time_format_iso8601(e->at, 480, iso);
    yz_buf_printf(b, "{\"id\":%lld,\"at\":\"%s\",\"actor\":{\"kind\":", (long long)e->id, iso);
    yz_buf_json_str(b, e->actor_kind, strlen(e->actor_kind));
    if (e->user_id)
        yz_buf_printf(b, ",\"user_id\":%lld", (long long)e->user_id);
    yz_buf_json_member_str(b, "login", e->login ? e->login : "");
    yz_buf_putc(b, '}');
    yz_buf_json_member_str(b, "addr", e->addr ? e->addr : "");
    yz_buf_json_member_str(b, "action", e->action);
    yz_buf_json_member_str(b, "method", e->method ? e->method : "");
    yz_buf_json_member_str(b, "path", e->path ? e->path : "");
    yz_buf_puts(b, ",\"record\":{\"kind\":");
    const char *k = e->record_kind ? e->record_kind : "";
    yz_buf_json_str(b, k, strlen(k));
    if (e->record_id)
        yz_buf_printf(b, ",\"id\":%lld", (long long)e->record_id);
    yz_buf_json_member_str(b, "district", e->district ? e->district : "");
    yz_buf_printf(b, "},\"before\":%s,\"after\":%s", e->before_json ? e->before_json : "null",
                  e->after_json ? e->after_json : "null");
    yz_buf_json_member_str(b, "outcome", e->outcome);
    yz_buf_printf(b, ",\"status\":%d", e->status);
    yz_buf_json_member_str(b, "reason", e->reason ? e->reason : "");
    yz_buf_putc(b, '}');
}

static void h_audit(void *ctx, yz_http_req *req)
{
    yz_api *api = ctx;
    yz_errinfo ei;
    yz_err_clear(&ei);
    audit_args x = {0};
    yz_audit_filter f;
    char kind[32];
    yz_audit_entry *v = NULL;
    size_t n = 0;
    int err = yz__api_authorize(api, req, "audit_list", NULL, &ei);
    if (!err)
        err = read_filter(api, req, &x, &f, kind, sizeof kind, &ei);
    if (!err)
        err = yz_store_audit_list(api->st, &f, &v, &n, &ei);
    if (err) {
        yz_api_error(req, &ei);
        return;
    }
    yz_buf b;
    yz_buf_init(&b);
    yz_buf_puts(&b, "{\"entries\":[");
    for (size_t i = 0; i < n; i++) {
        if (i)
            yz_buf_putc(&b, ',');
        render_entry(&b, &v[i]);
    }
    yz_buf_puts(&b, "],\"next_before_id\":");
    if (n && (int)n == f.limit)
        yz_buf_printf(&b, "%lld", (long long)v[n - 1].id);
    else
        yz_buf_puts(&b, "null");
    yz_buf_puts(&b, "}\n");
    yz_audit_entries_free(v, n);
    yz_http_add_header(req, "Cache-Control", "no-store");
    yz__api_ok(req, &b);
}

static void csv_int(yz_buf *b, int64_t v)
{
    if (v)
        yz_buf_printf(b, "%lld", (long long)v);
    yz_buf_putc(b, ',');
}

static void csv_text(yz_buf *b, const char *v, bool last)
{
    yz_exchange_csv_cell(b, v);
    yz_buf_puts(b, last ? "\r\n" : ",");
}

/* The same filter as JSON, every page of it (at most 100,000 entries), as CSV in UTF-8 with a
 * BOM (so spreadsheets read the Chinese), text cells guarded against formulas. */
static void h_audit_csv(void *ctx, yz_http_req *req)
{
    yz_api *api = ctx;
    yz_errinfo ei;
    yz_err_clear(&ei);
    audit_args x = {0};
    yz_audit_filter f;
    char kind[32];
    int err = yz__api_authorize(api, req, "audit_csv", NULL, &ei);
    if (!err)
        err = read_filter(api, req, &x, &f, kind, sizeof kind, &ei);
    if (err) {
        yz_api_error(req, &ei);
        return;
    }
    yz_buf b;
    yz_buf_init(&b);
    yz_buf_puts(&b, "\xEF\xBB\xBF"
                    "id,at,actor_kind,user_id,login,addr,action,method,path,record_kind,"
                    "record_id,district,outcome,status,reason,before,after\r\n");
    bool paged = yz__api_param_given(req, "limit");
    if (!paged)
        f.limit = YZ_AUDIT_LIMIT_MAX;
    for (size_t total = 0; total < 100000;) {
        yz_audit_entry *v = NULL;
        size_t n = 0;
        err = yz_store_audit_list(api->st, &f, &v, &n, &ei);
        if (err)
            break;
        for (size_t i = 0; i < n; i++) {
            const yz_audit_entry *e = &v[i];
            char iso[32];
            yz_time_format_iso8601(e->at, 480, iso);
            csv_int(&b, e->id);
            csv_text(&b, iso, false);
            csv_text(&b, e->actor_kind, false);
            csv_int(&b, e->user_id);
            csv_text(&b, e->login, false);
            csv_text(&b, e->addr, false);
            csv_text(&b, e->action, false);
            csv_text(&b, e->method, false);
            csv_text(&b, e->path, false);
            csv_text(&b, e->record_kind, false);
            csv_int(&b, e->record_id);
            csv_text(&b, e->district, false);
            csv_text(&b, e->outcome, false);
            yz_buf_printf(&b, "%d,", e->status);
            csv_text(&b, e->reason, false);
            csv_text(&b, e->before_json, false);
            csv_text(&b, e->after_json, true);
        }
        total += n;
        int64_t last = n ? v[n - 1].id : 0;
        yz_audit_entries_free(v, n);
        if (paged || (int)n < f.limit)
            break;
        f.before_id = last;
    }
    if (err) {
        yz_buf_fini(&b);
        yz_api_error(req, &ei);
        return;
    }
    yz_http_add_header(req, "Cache-Control", "no-store");
    yz_http_add_header(req, "Content-Disposition", "attachment; filename=\"audit.csv\"");
    yz_http_respond(req, 200, "text/csv; charset=utf-8", &b);
}

void yz__api_register_audit(yz_api *api, yz_http_server *srv)
{
    yz_http_on_respond(srv, on_respond);
    yz_http_route(srv, "GET", "/api/v1/audit", "audit_list", h_audit, api);
    yz_http_route_expensive(srv, "GET", "/api/v1/audit.csv", "audit_csv", h_audit_csv, api);
}
