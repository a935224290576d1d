/* SPDX-License-Identifier: MIT */
/* api/authz.c - who is asking (the admin token, or a session from the cookie or a bearer
 * token) and whether the permission table (permissions.c) lets them call a route on a target.
 * The one place the API authorizes staff (docs/internals/accounts.md). */
#include "api/api_int.h"

#include "core/alloc.h"
#include "core/log.h"
#include "core/time.h"

#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define SESSION_PREFIX "yzs_"

static bool unsafe(yz_http_req *req);

static void actor_free(void *p)
{
    yz_actor *a = p;
    yz_user_fini(&a->user);
    yz_free(a->audit.before);
    yz_free(a->audit.after);
    yz_free(a);
}

/* The value of cookie `name` in the Cookie header, copied into out (at most n - 1 bytes), or
 * false. */
static bool cookie(yz_http_req *req, const char *name, char *out, size_t n)
{
    const char *h = yz_http_header(req, "Cookie");
    size_t nl = strlen(name);
    while (h && *h) {
        while (*h == ' ' || *h == ';')
            h++;
        const char *e = strchr(h, ';');
        size_t len = e ? (size_t)(e - h) : strlen(h);
        if (len > nl && strncmp(h, name, nl) == 0 && h[nl] == '=') {
            size_t vl = len - nl - 1;
            if (vl >= n)
                vl = n - 1;
            memcpy(out, h + nl + 1, vl);
            out[vl] = 0;
            return true;
        }
        h = e;
    }
    return false;
}

/* Whether `tok` has the form of a session token: the prefix and 43 base64url characters. */
static bool session_form(const char *tok)
{
    if (strncmp(tok, SESSION_PREFIX, 4) != 0 || strlen(tok) != 4 + 43)
        return false;
    for (const char *p = tok + 4; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '-' || *p == '_'))
            return false;
    return true;
}

static int session_ended(yz_errinfo *ei)
{
    return yz_err_set(ei, YZ_EUNAUTH, "session", "会话已结束或无效，请重新登录",
                      "the session has ended or is not valid; log in again");
}

static void log_admin_use(yz_api *api, yz_http_req *req)
{
    long n = atomic_fetch_add(&api->admin_uses, 1) + 1;
    int64_t now = yz_time_now(), last = atomic_load(&api->admin_log_at);
    /* one line a minute at most, with the count since the last one */
    if (now - last < 60 || !atomic_compare_exchange_strong(&api->admin_log_at, &last, now))
        return;
    atomic_fetch_sub(&api->admin_uses, n);
    const char *a = yz_http_client_addr(req);
    yz_log_info("auth: the admin token acted as city_admin %ld time(s) (last: %s %s from %s)", n,
                yz_http_method(req), yz_http_path(req), a ? a : "?");
}

static void resolve(yz_api *api, yz_http_req *req, yz_actor *a)
{
    const char *h = yz_http_header(req, "Authorization");
    char tok[128];
    bool bearer = h && strncasecmp(h, "Bearer ", 7) == 0 && h[7];
    if (bearer) {
        unsigned char got[32];
        const char *t = h + 7;
        crypto_generichash(got, sizeof got, (const unsigned char *)t, strlen(t), NULL, 0);
        if (api->has_token && sodium_memcmp(got, api->token_hash, sizeof got) == 0) {
            a->kind = YZ_ACTOR_ADMIN_TOKEN;
            log_admin_use(api, req);
            return;
        }
        if (strncmp(t, SESSION_PREFIX, 4) != 0) {
            /* another kind of token (a worker's, a mistyped admin token): known to be wrong */
            a->err = yz_err_set(&a->ei, YZ_EFORBIDDEN, "Authorization", "凭证不正确或无此权限",
                                "the token is wrong or may not do this");
            return;
        }
        snprintf(tok, sizeof tok, "%s", t);
    } else if (!cookie(req, "yz_session", tok, sizeof tok)) {
        a->err = yz_err_set(&a->ei, YZ_EUNAUTH, "Authorization",
                            "需要登录：会话 cookie 或 Authorization: Bearer <token>",
                            "log in first: a session cookie or Authorization: Bearer <token>");
        return;
    } else {
        a->via_cookie = true;
    }
    if (!session_form(tok)) {
        a->err = session_ended(&a->ei);
        return;
    }
    uint8_t hash[YZ_SESSION_HASH_BYTES];
    crypto_generichash(hash, sizeof hash, (const unsigned char *)tok, strlen(tok), NULL, 0);
    int err = yz_store_session_find(api->st, hash, yz_time_now(), api->session_idle_s,
                                    &a->session, &a->user, &a->ei);
    if (err == YZ_ENOTFOUND)
        err = session_ended(&a->ei);
    if (err) {
        a->err = err;
        yz_user_fini(&a->user);
        return;
    }
    a->kind = YZ_ACTOR_USER;
}

yz_actor *yz__api_actor_slot(yz_api *api, yz_http_req *req)
{
    yz_actor *a = yz_http_data(req);
    if (a)
        return a;
    a = yz_calloc(1, sizeof *a);
    a->api = api;
    yz_err_clear(&a->ei);
    yz_http_set_data(req, a, actor_free);
    return a;
}

const yz_actor *yz__api_actor(yz_api *api, yz_http_req *req)
{
    yz_actor *a = yz__api_actor_slot(api, req);
    if (!a->resolved) {
        a->resolved = true;
        resolve(api, req, a);
    }
    return a;
}

void yz__api_target_of(const yz_station *st, yz_target *t)
{
    t->station_id = st->id;
    snprintf(t->district, sizeof t->district, "%s", st->district_code ? st->district_code : "");
    snprintf(t->partner, sizeof t->partner, "%s", st->partner_name ? st->partner_name : "");
}

void yz__api_target_station(yz_api *api, int64_t id, yz_target *t)
{
    t->station_id = id;
    const yz_state_view *view = yz_state_acquire(api->state);
    const yz_snap *s = yz_state_snap(view);
    long i = yz_snap_find_id(s, id);
    if (i >= 0)
        yz__api_target_of(yz_snap_station_get(s, (size_t)i, &(yz_station){0}), t);
    yz_state_release(api->state, view);
}

/* Whether the comma-separated `scope` holds `item` exactly. */
static bool scope_has(const char *scope, const char *item)
{
    return yz_list_has(scope, item, strlen(item));
}

static bool scope_has_id(const char *scope, int64_t id)
{
    char v[24];
    snprintf(v, sizeof v, "%lld", (long long)id);
    return id > 0 && scope_has(scope, v);
}

/* Whether every district user target `t` reaches is in `scope`, and it reaches some and
 * nothing beyond districts (docs/internals/accounts.md, "District admins and their users"). */
static bool reach_within(const yz_target *t, const char *scope)
{
    if (t->beyond || !t->reach || !*t->reach)
        return false;
    for (const char *p = t->reach; p && *p;) {
        const char *e = strchr(p, ',');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (!yz_list_has(scope, p, n))
            return false;
        p = e ? e + 1 : NULL;
    }
    return true;
}

/* Whether grant `g` under check `sc` covers target `t`. */
static bool covers(const yz_actor *a, const yz_grant *g, int sc, const yz_target *t)
{
    switch (sc) {
    case YZ_SCOPE_ANY: return true;
    case YZ_SCOPE_DISTRICT: return t->district[0] && scope_has(g->scope, t->district);
    case YZ_SCOPE_STATION: {
        if (scope_has_id(g->scope, t->station_id))
            return true;
        char p[sizeof t->partner + 8];
        snprintf(p, sizeof p, "partner=%s", t->partner);
        return t->station_id && t->partner[0] && scope_has(g->scope, p);
    }
    case YZ_SCOPE_CANTEEN: return scope_has_id(g->scope, t->canteen_id);
    case YZ_SCOPE_OWN: return t->user_id && t->user_id == a->user.id;
    case YZ_SCOPE_TEXT: return t->text_only;
    case YZ_SCOPE_USERS: return reach_within(t, g->scope);
    case YZ_SCOPE_ASSIGNED:
        return (t->user_id && t->user_id == a->user.id) ||
               (t->assignee_id && t->assignee_id == a->user.id);
    default: return false;
    }
}

static bool unsafe(yz_http_req *req)
{
    const char *m = yz_http_method(req);
    return strcmp(m, "GET") != 0 && strcmp(m, "HEAD") != 0 && strcmp(m, "OPTIONS") != 0;
}

/* The decision for actor `a` (resolved, valid) on row `p` and target `t` (NULL: roles only). */
static int decide(const yz_actor *a, const yz_perm *p, const yz_target *t, yz_errinfo *ei)
{
    if (p->access == YZ_ACCESS_SIGNED_IN)
        return YZ_OK;
    if (a->kind == YZ_ACTOR_ADMIN_TOKEN)
        return p->scope[YZ_ROLE_CITY_ADMIN] != YZ_SCOPE_NO
                   ? YZ_OK
                   : yz_err_set(ei, YZ_EFORBIDDEN, "role", "管理员凭证无此权限",
                                "the admin token may not do this");
    bool some_role = false;
    for (size_t i = 0; i < a->user.ngrants; i++) {
        const yz_grant *g = &a->user.grants[i];
        int sc = p->scope[g->role];
        if (sc == YZ_SCOPE_NO)
            continue;
        some_role = true;
        if (!t || covers(a, g, sc, t))
            return YZ_OK;
    }
    if (!some_role)
        return yz_err_set(ei, YZ_EFORBIDDEN, "role", "你的角色无权进行此操作",
                          "your roles may not do this");
    return yz_err_set(ei, YZ_EFORBIDDEN, "scope", "此记录不在你的管辖范围内",
                      "this record is outside your scope");
}

int yz__api_authorize(yz_api *api, yz_http_req *req, const char *route, const yz_target *t,
                      yz_errinfo *ei)
{
    const yz_perm *p = yz__api_perm(route);
    if (!p) {
        yz_log_error("permissions: no row for %s", route);
        return yz_err_set(ei, YZ_EFORBIDDEN, "", NULL, NULL);
    }
    if (p->access == YZ_ACCESS_PUBLIC || p->access == YZ_ACCESS_WORKER)
        return YZ_OK;
    yz_actor *slot = yz__api_actor_slot(api, req);
    /* every staff write is logged, refused or not (audit.c) */
    if (unsafe(req) && !slot->audit.action)
        slot->audit.action = p->name;
    if (t) {
        yz_audit_ctx *c = &slot->audit;
        /* the target is the record only for the routes of its kind (an event's target is
         * its station: the audit hook takes the event's id from the path) */
        if (!c->record_kind[0] && t->station_id && strncmp(p->name, "station", 7) == 0)
            yz__api_audit_record(req, "station", t->station_id, NULL);
        else if (!c->record_kind[0] && t->canteen_id && strncmp(p->name, "canteen", 7) == 0)
            yz__api_audit_record(req, "canteen", t->canteen_id, NULL);
        else if (!c->record_kind[0] && t->user_id && strncmp(p->name, "user", 4) == 0)
            yz__api_audit_record(req, "user", t->user_id, NULL);
        if (!c->district[0] && t->district[0])
            snprintf(c->district, sizeof c->district, "%s", t->district);
    }
    const yz_actor *a = slot;
    if (!slot->resolved) {
        /* The address limit comes first: it also slows down guessing tokens. */
        int err = yz__api_limit_ip(api, req, ei);
        if (err)
            return err;
        a = yz__api_actor(api, req);
    }
    if (a->err) {
        *ei = a->ei;
        return a->err;
    }
    if (a->kind == YZ_ACTOR_USER && a->via_cookie && unsafe(req)) {
        const char *c = yz_http_header(req, "X-CSRF-Token");
        size_t n = strlen(a->session.csrf);
        if (!c || strlen(c) != n || sodium_memcmp(c, a->session.csrf, n) != 0)
            return yz_err_set(ei, YZ_EFORBIDDEN, "X-CSRF-Token",
                              "缺少或错误的 X-CSRF-Token（登录时返回的 csrf）",
                              "missing or wrong X-CSRF-Token (the csrf returned at login)");
    }
    return decide(a, p, t, ei);
}

bool yz__api_may(yz_api *api, yz_http_req *req, const char *view, const yz_target *t)
{
    const yz_perm *p = yz__api_perm(view);
    const char *h = yz_http_header(req, "Authorization");
    char tok[8];
    /* a public answer: nothing sent, nothing read */
    if (!p || (!h && !cookie(req, "yz_session", tok, sizeof tok)))
        return false;
    const yz_actor *a = yz__api_actor(api, req);
    yz_errinfo ignored;
    return !a->err && decide(a, p, t, &ignored) == YZ_OK;
}

bool yz__api_may_as(yz_api *api, yz_http_req *req, const char *route, const yz_target *t,
                    unsigned roles)
{
    const yz_perm *p = yz__api_perm(route);
    const yz_actor *a = yz__api_actor(api, req);
    if (!p || a->err)
        return false;
    if (a->kind == YZ_ACTOR_ADMIN_TOKEN)
        return (roles & (1u << YZ_ROLE_CITY_ADMIN)) && p->scope[YZ_ROLE_CITY_ADMIN] != YZ_SCOPE_NO;
    for (size_t i = 0; i < a->user.ngrants; i++) {
        const yz_grant *g = &a->user.grants[i];
        int sc = p->scope[g->role];
        if ((roles & (1u << g->role)) && sc != YZ_SCOPE_NO && covers(a, g, sc, t))
            return true;
    }
    return false;
}

bool yz__api_user_covers(const yz_user *u, const char *route, const int *roles, size_t n_roles,
                         const yz_target *t)
{
    const yz_perm *p = yz__api_perm(route);
    if (!p || !u || u->disabled)
        return false;
    yz_actor a = {.kind = YZ_ACTOR_USER, .user = *u}; /* a shallow copy: never freed */
    for (size_t i = 0; i < u->ngrants; i++) {
        const yz_grant *g = &u->grants[i];
        bool listed = false;
        for (size_t k = 0; k < n_roles; k++)
            listed = listed || roles[k] == g->role;
        int sc = p->scope[g->role];
        if (listed && sc != YZ_SCOPE_NO && covers(&a, g, sc, t))
            return true;
    }
    return false;
}

int64_t yz__api_actor_user(yz_api *api, yz_http_req *req)
{
    const yz_actor *a = yz__api_actor(api, req);
    return a->kind == YZ_ACTOR_USER ? a->user.id : 0;
}
