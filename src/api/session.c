/* SPDX-License-Identifier: MIT */
/* api/session.c - logging in and out (/api/v1/session) and the users' administration
 * (/api/v1/users): accounts, roles with scopes and sessions of store/users.h, passwords hashed
 * on the bounded pool of core/pwhash.h (docs/internals/accounts.md). Who may call what is the
 * permission table's (permissions.c), checked through yz__api_authorize. */
#include "api/api_int.h"
#include "api/params.h"

#include "core/alloc.h"
#include "core/log.h"
#include "core/time.h"
#include "core/utf8.h"
#include "store/meals.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define TOKEN_BYTES 32

/* --- bodies --------------------------------------------------------------------------------- */

/* Member `field` of `obj` as a string of at most `max` bytes: *out borrowed, NULL when absent
 * and not `required`. */
static int str_member(json_t *obj, const char *field, bool required, size_t max, const char **out,
                      yz_errinfo *ei)
{
    json_t *v = json_object_get(obj, field);
    *out = NULL;
    if (!v || json_is_null(v)) {
        if (required)
            return yz_err_setf(ei, YZ_EINVAL, field, "缺少字段 %s", "%s is required", field);
        return YZ_OK;
    }
    if (!json_is_string(v) || json_string_length(v) > max)
        return yz_err_setf(ei, YZ_EINVAL, field, "%s 须为不超过 %zu 字节的字符串",
                           "%s must be a string of at most %zu bytes", field, max);
    *out = json_string_value(v);
    return YZ_OK;
}

static void render_time(yz_buf *b, const char *key, int64_t t)
{
    char iso[32];
    yz_time_format_iso8601(t, 480, iso);
    yz_buf_printf(b, ",\"%s\":\"%s\"", key, iso);
}

static void render_roles(yz_buf *b, const yz_user *u)
{
    yz_buf_puts(b, "[");
    for (size_t i = 0; i < u->ngrants; i++) {
        yz_buf_printf(b, "%s{\"role\":\"%s\",\"scope\":[", i ? "," : "",
                      yz_role_name(u->grants[i].role));
        const char *p = u->grants[i].scope;
        bool first = true;
        while (p && *p) {
            const char *e = strchr(p, ',');
            size_t n = e ? (size_t)(e - p) : strlen(p);
            if (!first)
                yz_buf_putc(b, ',');
            yz_buf_json_str(b, p, n);
            first = false;
            p = e ? e + 1 : NULL;
        }
        yz_buf_puts(b, "]}");
    }
    yz_buf_puts(b, "]");
}

/* The user's JSON object without its closing brace. */
static void render_user_open(yz_buf *b, const yz_user *u)
{
    yz_buf_printf(b, "{\"id\":%lld,\"login\":", (long long)u->id);
    yz_buf_json_str(b, u->login, strlen(u->login));
    yz_buf_puts(b, ",\"name\":");
    yz_buf_json_str(b, u->name, strlen(u->name));
    yz_buf_printf(b, ",\"disabled\":%s,\"version\":%lld", u->disabled ? "true" : "false",
                  (long long)u->version);
    render_time(b, "created_at", u->created_at);
    render_time(b, "updated_at", u->updated_at);
    yz_buf_puts(b, ",\"roles\":");
    render_roles(b, u);
}

static void render_user(yz_buf *b, const yz_user *u)
{
    render_user_open(b, u);
    yz_buf_putc(b, '}');
}

/* `roles` of a request: [{"role":"district_admin","scope":["330302", ...]}, ...] into grants
 * (scopes joined with commas, owned: free with free_grants). */
static int parse_roles(json_t *v, yz_grant **out, size_t *n, yz_errinfo *ei)
{
    *out = NULL;
    *n = 0;
    if (!json_is_array(v) || json_array_size(v) > YZ_ROLE__COUNT)
        return yz_err_set(ei, YZ_EINVAL, "roles", "roles 须为 {role, scope} 对象的数组",
                          "roles must be an array of {role, scope} objects");
    *out = yz_calloc(json_array_size(v) + 1, sizeof **out);
    size_t i;
    json_t *g;
    json_array_foreach(v, i, g)
    {
        json_t *r = json_object_get(g, "role"), *sc = json_object_get(g, "scope");
        if (!json_is_object(g) || json_object_size(g) > 2 || !json_is_string(r) ||
            (json_object_size(g) == 2 && !sc))
            return yz_err_set(ei, YZ_EINVAL, "roles", "roles 须为 {role, scope} 对象的数组",
                              "roles must be an array of {role, scope} objects");
        (*out)[i].role = yz_role_parse(json_string_value(r));
        if ((*out)[i].role < 0)
            return yz_err_setf(ei, YZ_EINVAL, "role", "未知角色 %.40s", "unknown role %.40s",
                               json_string_value(r));
        (*n)++;
        yz_buf b;
        yz_buf_init(&b);
        if (sc && !json_is_null(sc)) {
            if (!json_is_array(sc)) {
                yz_buf_fini(&b);
                return yz_err_set(ei, YZ_EINVAL, "scope", "scope 须为字符串或整数的数组",
                                  "scope must be an array of strings or integers");
            }
            size_t k;
            json_t *it;
            json_array_foreach(sc, k, it)
            {
                if (k)
                    yz_buf_putc(&b, ',');
                if (json_is_integer(it)) {
                    yz_buf_printf(&b, "%lld", (long long)json_integer_value(it));
                } else if (json_is_string(it) && !strchr(json_string_value(it), ',') &&
                           json_string_length(it) <= YZ_SCOPE_MAX) {
                    yz_buf_puts(&b, json_string_value(it));
                } else {
                    yz_buf_fini(&b);
                    return yz_err_set(ei, YZ_EINVAL, "scope",
                                      "scope 须为字符串（不含逗号）或整数的数组",
                                      "scope must be an array of strings (without commas) or "
                                      "integers");
                }
                if (b.len > YZ_SCOPE_MAX) {
                    yz_buf_fini(&b);
                    return yz_err_setf(ei, YZ_EINVAL, "scope", "范围最长 %d 字节",
                                       "a scope is at most %d bytes", YZ_SCOPE_MAX);
                }
            }
        }
        (*out)[i].scope = yz_strdup(b.len ? b.data : "");
        yz_buf_fini(&b);
    }
    return YZ_OK;
}

static void free_grants(yz_grant *g, size_t n)
{
    for (size_t i = 0; g && i < n; i++)
        yz_free(g[i].scope);
    yz_free(g);
}

static void random_token(const char *prefix, size_t bytes, char *out, size_t out_len)
{
    unsigned char rnd[TOKEN_BYTES];
    randombytes_buf(rnd, bytes);
    size_t pl = strlen(prefix);
    memcpy(out, prefix, pl);
    sodium_bin2base64(out + pl, out_len - pl, rnd, bytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(rnd, sizeof rnd);
}

/* A one-time password for a new user or a reset: 16 random bytes, base64url (22 characters). */
static void random_password(char out[32])
{
    random_token("", 16, out, 32);
}

static void set_cookie(yz_api *api, yz_http_req *req, const char *token, int64_t max_age)
{
    const char *xf = yz_http_header(req, "X-Forwarded-Proto");
    bool secure = api->secure_cookie || (xf && strcmp(xf, "https") == 0);
    char c[200];
    snprintf(c, sizeof c, "yz_session=%s; Path=/; Max-Age=%lld; HttpOnly; SameSite=Strict%s",
             token, (long long)max_age, secure ? "; Secure" : "");
    yz_http_add_header(req, "Set-Cookie", c);
}

static void add_retry(yz_http_req *req, int64_t s)
{
    char v[24];
    snprintf(v, sizeof v, "%lld", (long long)(s < 1 ? 1 : s));
    yz_http_add_header(req, "Retry-After", v);
}

/* --- POST /api/v1/session: log in -------------------------------------------------------------- */

static const char *const login_fields[] = {"login", "password", NULL};

static int locked(yz_http_req *req, int64_t until, int64_t now, yz_errinfo *ei)
{
    add_retry(req, until - now);
    return yz_err_setf(ei, YZ_ERATE, "login", "登录失败次数过多，请 %lld 秒后再试",
                       "too many failed logins: try again in %lld s", (long long)(until - now));
}

/* A login whose password is being verified on the hashing pool (core/pwhash.h): the request
 * is deferred, so the ~50-270 ms of Argon2id hold no handler thread, and the rest (the
 * failure counters, the session, the answer) runs on a pool thread again (yz_http_resume). */
typedef struct pending_login {
    yz_api *api;
    yz_http_req *req;
    yz_user u;      /* the account (id 0: unknown login) */
    char *password; /* a copy, for a rehash; zeroed when freed */
    char akey[80], ukey[80];
    int64_t now;
    yz_pwresult r; /* the verification, then the rehash */
} pending_login;

static void login_free(pending_login *pl)
{
    yz_user_fini(&pl->u);
    if (pl->password) {
        sodium_memzero(pl->password, strlen(pl->password));
        yz_free(pl->password);
    }
    sodium_memzero(&pl->r, sizeof pl->r);
    yz_free(pl);
}

/* On a hashing thread: keep the result, continue on a pool thread with `next`. */
static void login_after(void *arg, const yz_pwresult *r, yz_http_resume_cb next)
{
    pending_login *pl = arg;
    pl->r = *r;
    yz_http_resume(pl->req, next, pl);
}

static void login_finish(void *arg, yz_http_req *req);

static void login_rehashed(void *arg, const yz_pwresult *r)
{
    login_after(arg, r, login_finish);
}

/* The session and the answer, on a pool thread (after the rehash when there was one). */
static void login_finish(void *arg, yz_http_req *req)
{
    pending_login *pl = arg;
    yz_api *api = pl->api;
    yz_errinfo ei;
    yz_err_clear(&ei);
    if (pl->r.hash[0] && !pl->r.err) { /* a rehash came back: best effort */
        yz_user_patch p = {.disabled = -1, .pw_hash = pl->r.hash, .keep_all = true};
        yz_errinfo rei;
        if (yz_store_user_update(api->st, pl->u.id, 0, &p, NULL, &rei) == YZ_OK)
            yz_log_info("auth: password hash of user %lld renewed", (long long)pl->u.id);
    }
    char token[4 + 48], csrf[48];
    random_token("yzs_", TOKEN_BYTES, token, sizeof token);
    random_token("", 24, csrf, sizeof csrf);
    uint8_t th[YZ_SESSION_HASH_BYTES];
    crypto_generichash(th, sizeof th, (const unsigned char *)token, strlen(token), NULL, 0);
    /* The session begins now, not when the request came: the hashing before may have taken
     * seconds on a busy machine, and would have been taken off its life. */
    int64_t now = yz_time_now(), sid = 0, expires = now + api->session_max_s;
    int err = yz_store_session_create(api->st, pl->u.id, th, csrf, now, expires,
                                      yz_http_header(req, "User-Agent"), yz_http_client_addr(req),
                                      &sid, &ei);
    if (err) {
        yz_api_error(req, &ei);
        login_free(pl);
        return;
    }
    set_cookie(api, req, token, api->session_max_s);
    yz_http_add_header(req, "Cache-Control", "no-store");
    yz_buf b;
    yz_buf_init(&b);
    yz_buf_printf(&b, "{\"token\":\"%s\",\"csrf\":\"%s\",\"user\":", token, csrf);
    render_user(&b, &pl->u);
    yz_buf_puts(&b, ",\"roles\":");
    render_roles(&b, &pl->u);
    render_time(&b, "expires_at", expires);
    yz_buf_printf(&b, ",\"idle_timeout_s\":%lld}\n", (long long)api->session_idle_s);
    sodium_memzero(token, sizeof token);
    yz_http_respond(req, 201, YZ_JSON, &b);
    login_free(pl);
}

/* The verification is in: count a failure, or clear the counters and go on. Pool thread. */
static void login_verified(void *arg, yz_http_req *req)
{
    pending_login *pl = arg;
    yz_api *api = pl->api;
    yz_errinfo ei;
    yz_err_clear(&ei);
    int err = pl->r.err;
    if (err) {
        yz_err_set(&ei, err, "password", "无法计算密码散列（内存不足）",
                   "cannot hash the password (out of memory)");
    } else if (!pl->r.ok || pl->u.disabled) {
        int64_t u1 = 0, u2 = 0;
        err = yz_store_login_failed(api->st, pl->akey, pl->now, &api->limit_addr, &u1, &ei);
        if (!err)
            err = yz_store_login_failed(api->st, pl->ukey, pl->now, &api->limit_account, &u2, &ei);
        if (!err)
            err = yz_err_set(&ei, YZ_EUNAUTH, "password", "登录名或密码不正确",
                             "wrong login or password");
    } else {
        err = yz_store_login_clear(api->st, pl->ukey, &ei);
    }
    if (err) {
        yz_api_error(req, &ei);
        login_free(pl);
        return;
    }
    bool rehash = pl->r.rehash;
    memset(&pl->r, 0, sizeof pl->r);
    if (rehash) {
        /* best effort: the login stands even if the pool is busy now; the next one retries */
        yz_errinfo rei;
        yz_http_defer(req);
        if (yz_pwpool_hash_async(api->pwpool, pl->password, login_rehashed, pl, &rei) == YZ_OK)
            return;
        yz_http_resume(req, login_finish, pl);
        return;
    }
    login_finish(pl, req);
}

static void login_checked(void *arg, const yz_pwresult *r)
{
    login_after(arg, r, login_verified);
}

static void h_login(void *ctx, yz_http_req *req)
{
    yz_api *api = ctx;
    yz_errinfo ei;
    yz_err_clear(&ei);
    json_t *body = NULL;
    const char *login = NULL, *password = NULL;
    char *hash = NULL;
    pending_login *pl = yz_calloc(1, sizeof *pl);
    pl->api = api;
    pl->req = req;
    yz_user_init(&pl->u);
    const char *addr = yz_http_client_addr(req);
    snprintf(pl->akey, sizeof pl->akey, "a:%s", addr ? addr : "?");
    int64_t now = pl->now = yz_time_now(), until = 0;
    yz__api_audit_begin(api, req, "session_create"); /* every attempt, never the password */
    int err = yz__api_limit_ip(api, req, &ei);
    if (!err)
        err = yz__api_body_object(req, login_fields, &body, &ei);
    if (!err)
        err = str_member(body, "login", true, YZ_LOGIN_MAX, &login, &ei);
    if (!err)
        yz__api_audit_login(req, login, 0);
    if (!err)
        err = str_member(body, "password", true, YZ_PASSWORD_MAX, &password, &ei);
    if (err)
        goto fail;
    snprintf(pl->ukey, sizeof pl->ukey, "u:%s", login);
    for (char *p = pl->ukey; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    err = yz_store_login_locked(api->st, pl->akey, now, &until, &ei);
    if (!err && !until)
        err = yz_store_login_locked(api->st, pl->ukey, now, &until, &ei);
    if (!err && until)
        err = locked(req, until, now, &ei);
    if (err)
        goto fail;
    err = yz_store_user_by_login(api->st, login, &pl->u, &hash, &ei);
    if (err && err != YZ_ENOTFOUND)
        goto fail;
    if (!err) {
        yz__api_audit_login(req, pl->u.login, pl->u.id);
        yz__api_audit_record(req, "user", pl->u.id, NULL);
    }
    /* An unknown user is verified against a dummy hash: the same answer in the same time. */
    pl->password = yz_strdup(password);
    yz_http_defer(req); /* before the pool can answer */
    err = yz_pwpool_verify_async(api->pwpool, err ? NULL : hash, password, login_checked, pl, &ei);
    if (err) {
        yz_api_error(req, &ei); /* answers through the deferred path */
        login_free(pl);
    }
    goto out;
fail:
    yz_api_error(req, &ei);
    login_free(pl);
out:
    yz_free(hash);
    json_decref(body);
}

/* --- GET / DELETE /api/v1/session, POST /api/v1/session/password --------------------------- */

static void h_whoami(void *ctx, yz_http_req *req)
{
    yz_api *api = ctx;
    yz_errinfo ei;
    int err = yz__api_authorize(api, req, "session_get", NULL, &ei);
    if (err) {
        yz_api_error(req, &ei);
        return;
    }
    const yz_actor *a = yz__api_actor(api, req);
    yz_buf b;
    yz_buf_init(&b);
    yz_http_add_header(req, "Cache-Control", "no-store");
    if (a->kind == YZ_ACTOR_ADMIN_TOKEN) {
        yz_buf_puts(&b, "{\"kind\":\"admin_token\",\"user\":null,"
                        "\"roles\":[{\"role\":\"city_admin\",\"scope\":[]}]}\n");
    } else {
        yz_buf_printf(&b, "{\"kind\":\"session\",\"csrf\":\"%s\",\"user\":", a->session.csrf);
        render_user(&b, &a->user);
        yz_buf_puts(&b, ",\"roles\":");
        render_roles(&b, &a->user);
        render_time(&b, "expires_at", a->session.expires_at);
        yz_buf_printf(&b, ",\"idle_timeout_s\":%lld}\n", (long long)api->session_idle_s);
    }
    yz__api_ok(req, &b);
}

static int need_session(const yz_actor *a, yz_errinfo *ei)
{
    if (a->kind != YZ_ACTOR_USER)
        return yz_err_set(ei, YZ_EINVAL, "Authorization", "管理员凭证不是会话",
                          "the admin token is not a session");
    return YZ_OK;
}

static void h_logout(void *ctx, yz_http_req *req)
{
    yz_api *api = ctx;
    yz_errinfo ei;
    int err = yz__api_authorize(api, req, "session_delete", NULL, &ei);
    const yz_actor *a = err ? NULL : yz__api_actor(api, req);
    if (!err)
        err = need_session(a, &ei);
    if (!err)
        err = yz_store_session_delete(api->st, a->session.id, &ei);
    if (err) {
        yz_api_error(req, &ei);
        return;
    }
    set_cookie(api, req, "", 0);
    yz_buf b;
    yz_buf_init(&b);
    yz_http_respond(req, 204, YZ_JSON, &b);
}

/* --- routes that hash a new password --------------------------------------------------------
 * A password change, a user's creation and a reset hash a password on the pool without holding
 * their handler thread: the handler checks everything it can, keeps what the store write needs
 * in a pending_user, defers the request, and the write and the answer follow on a pool thread
 * (yz_http_resume) once the pool is done. */
typedef struct pending_user {
    yz_api *api;
    yz_http_req *req;
    yz_pwresult r;  /* the last job's result */
    json_t *body;   /* the request's JSON: the strings below point into it */
    char *password; /* password change: the new one (a copy, zeroed when freed) */
    int64_t user_id, keep_session;
    const char *login, *name;
    yz_grant *g;
    size_t ng;
    char pw[32]; /* a one-time password made here, answered once */
    yz_user_patch p;
    int64_t version;
} pending_user;

static pending_user *pending_new(yz_api *api, yz_http_req *req)
{
    pending_user *pu = yz_calloc(1, sizeof *pu);
    pu->api = api;
    pu->req = req;
    pu->p.disabled = -1;
    return pu;
}

static void pending_free(pending_user *pu)
{
    if (!pu)
        return;
    json_decref(pu->body);
    if (pu->password) {
        sodium_memzero(pu->password, strlen(pu->password));
        yz_free(pu->password);
    }
    free_grants(pu->g, pu->ng);
    sodium_memzero(pu->pw, sizeof pu->pw);
    sodium_memzero(&pu->r, sizeof pu->r);
    yz_free(pu);
}

/* On a hashing thread: keep the result; the continuation was given with the job. */
typedef struct pending_hop {
    pending_user *pu;
    yz_http_resume_cb next;
} pending_hop;

static void pending_done(void *arg, const yz_pwresult *r)
{
    pending_hop *h = arg;
    pending_user *pu = h->pu;
    yz_http_resume_cb next = h->next;
    yz_free(h);
    pu->r = *r;
    yz_http_resume(pu->req, next, pu);
}

/* Defer the request and hash `password` (or, with `hash`, verify it against that), then run
 * `next(pu, req)` on a pool thread. On an error (the pool is full: YZ_EUNAVAIL) the request
 * is deferred and not answered: the caller answers (yz_api_error) and frees `pu`. */
static int pending_submit(pending_user *pu, const char *hash, const char *password,
                          yz_http_resume_cb next, yz_errinfo *ei)
{
    pending_hop *h = yz_malloc(sizeof *h);
    h->pu = pu;
    h->next = next;
    yz_http_defer(pu->req); /* before the pool can answer */
    int err = hash ? yz_pwpool_verify_async(pu->api->pwpool, hash, password, pending_done, h, ei)
                   : yz_pwpool_hash_async(pu->api->pwpool, password, pending_done, h, ei);
    if (err)
        yz_free(h);
    return err;
}

/* The result of the last job as an error, or YZ_OK. */
static int pending_err(const pending_user *pu, yz_errinfo *ei)
{
    if (!pu->r.err)
        return YZ_OK;
    return yz_err_set(ei, pu->r.err, "password", "无法计算密码散列（内存不足）",
                      "cannot hash the password (out of memory)");
}

static const char *const password_fields[] = {"current_password", "new_password", NULL};

static void password_hashed(void *arg, yz_http_req *req)
{
    pending_user *pu = arg;
    yz_errinfo ei;
    int err = pending_err(pu, &ei);
    yz_user_patch p = {.disabled = -1, .pw_hash = pu->r.hash, .keep_session = pu->keep_session};
    if (!err)
        err = yz_store_user_update(pu->api->st, pu->user_id, 0, &p, NULL, &ei);
    if (err) {
        yz_api_error(req, &ei);
    } else {
        yz_buf b;
        yz_buf_init(&b);
        yz_http_respond(req, 204, YZ_JSON, &b);
    }
    pending_free(pu);
}

static void password_verified(void *arg, yz_http_req *req)
{
    pending_user *pu = arg;
    yz_errinfo ei;
    int err = pending_err(pu, &ei);
    if (!err && !pu->r.ok)
        err = yz_err_set(&ei, YZ_EFORBIDDEN, "current_password", "当前密码不正确",
                         "the current password is wrong");
    if (!err && !pending_submit(pu, NULL, pu->password, password_hashed, &ei))
        return;
    yz_api_error(req, &ei);
    pending_free(pu);
}

static void h_password(void *ctx, yz_http_req *req)
{
    yz_api *api = ctx;
    yz_errinfo ei;
    json_t *body = NULL;
    const char *cur = NULL, *nw = NULL;
    char *hash = NULL;
    yz_user u;
    yz_user_init(&u);
    pending_user *pu = NULL;
    int err = yz__api_authorize(api, req, "session_password", NULL, &ei);
    const yz_actor *a = err ? NULL : yz__api_actor(api, req);
    if (!err)
        err = need_session(a, &ei);
    if (!err)
        err = yz__api_body_object(req, password_fields, &body, &ei);
    if (!err)
        err = str_member(body, "current_password", true, YZ_PASSWORD_MAX, &cur, &ei);
    if (!err)
        err = str_member(body, "new_password", true, YZ_PASSWORD_MAX, &nw, &ei);
    if (!err)
        err = yz_password_check(nw, a->user.login, &ei);
    if (!err) {
        ei.field[0] = 0;
        err = yz_store_user_by_login(api->st, a->user.login, &u, &hash, &ei);
    }
    if (!err) {
        /* verify the current password, then hash the new one: two trips to the pool */
        pu = pending_new(api, req);
        pu->password = yz_strdup(nw);
        pu->user_id = a->user.id;
        pu->keep_session = a->session.id;
        err = pending_submit(pu, hash, cur, password_verified, &ei);
    }
    yz_free(hash);
    yz_user_fini(&u);
    json_decref(body);
    if (err) {
        yz_api_error(req, &ei);
        pending_free(pu);
    }
}

void yz__api_register_session(yz_api *api, yz_http_server *srv)
{
    yz_http_route(srv, "POST", "/api/v1/session", "session_create", h_login, api);
    yz_http_route(srv, "GET", "/api/v1/session", "session_get", h_whoami, api);
    yz_http_route(srv, "DELETE", "/api/v1/session", "session_delete", h_logout, api);
    yz_http_route(srv, "POST", "/api/v1/session/password", "session_password", h_password, api);
}

/* --- /api/v1/users ------------------------------------------------------------------------------ */

/* District admins manage the users of their districts (docs/internals/accounts.md): a user is
 * theirs when every grant is scoped inside their districts. What a user's grants reach is
 * computed here; the decision is authz.c's (YZ_SCOPE_USERS). */

/* Add district d[0..n) to the comma-separated list in `b` unless it is there. */
static void reach_add(yz_buf *b, const char *d, size_t n)
{
    if (!n || yz_list_has(b->len ? b->data : NULL, d, n))
        return;
    if (b->len)
        yz_buf_putc(b, ',');
    yz_buf_append(b, d, n);
}

/* The districts grants g[0..n) reach, into `b`, and whether one reaches beyond districts: a
 * role without scope (city_admin, moderator, inspector, viewer), an empty scope, a partner
 * (its stations may lie anywhere, and new ones join it), a canteen that is not at a station, a
 * station or canteen that no longer exists, or no grant at all. Reads the snapshot, and the
 * store for canteens. */
static void user_reach(yz_api *api, const yz_grant *g, size_t n, yz_buf *b, bool *beyond)
{
    *beyond = n == 0;
    for (size_t i = 0; i < n && !*beyond; i++) {
        int role = g[i].role;
        const char *p = g[i].scope;
        if ((role != YZ_ROLE_DISTRICT_ADMIN && role != YZ_ROLE_OPERATOR &&
             role != YZ_ROLE_CANTEEN) ||
            !p || !*p) {
            *beyond = true;
            break;
        }
        while (p && *p && !*beyond) {
            const char *e = strchr(p, ',');
            size_t len = e ? (size_t)(e - p) : strlen(p);
            int64_t id = 0;
            if (role == YZ_ROLE_DISTRICT_ADMIN) {
                reach_add(b, p, len);
            } else if (!yz_parse_id(p, len, &id)) {
                *beyond = true; /* partner=NAME */
            } else {
                if (role == YZ_ROLE_CANTEEN) {
                    yz_canteen c = {0};
                    yz_errinfo cei;
                    id = yz_store_canteen_get(api->st, id, &c, &cei) == YZ_OK ? c.station_id : 0;
                    yz_canteen_fini(&c);
                }
                yz_target st = {0};
                if (id)
                    yz__api_target_station(api, id, &st);
                if (st.district[0])
                    reach_add(b, st.district, strlen(st.district));
                else
                    *beyond = true;
            }
            p = e ? e + 1 : NULL;
        }
    }
}

/* The scope target of user `user_id` (0: a new one) holding grants g[0..n): its reach in `b`
 * (borrowed by t->reach) and, when the reach is one district, that district (for the audit
 * log). */
static void user_target(yz_api *api, int64_t user_id, const yz_grant *g, size_t n, yz_buf *b,
                        yz_target *t)
{
    memset(t, 0, sizeof *t);
    t->user_id = user_id;
    yz_buf_reset(b);
    user_reach(api, g, n, b, &t->beyond);
    t->reach = b->len ? b->data : "";
    if (!t->beyond && b->len && !strchr(b->data, ',') && b->len < sizeof t->district)
        memcpy(t->district, b->data, b->len + 1);
}

static void respond_user(yz_http_req *req, int status, const yz_user *u, const char *password)
{
    yz_buf b;
    yz_buf_init(&b);
    char etag[32];
    snprintf(etag, sizeof etag, "\"%lld\"", (long long)u->version);
    yz_http_add_header(req, "ETag", etag);
    yz_http_add_header(req, "Cache-Control", "no-store");
    render_user_open(&b, u);
    /* a one-time password, shown once: the user changes it at first login */
    if (password)
        yz_buf_printf(&b, ",\"password\":\"%s\"", password);
    yz_buf_puts(&b, "}\n");
    yz_http_respond(req, status, YZ_JSON, &b);
}

typedef struct users_args {
    const char *role, *disabled, *q, *district;
} users_args;

static const yz_param users_params[] = {
    {"role", YZ_PARAM_TEXT, offsetof(users_args, role), 0, 32, 0, 0, NULL, NULL},
    {"disabled", YZ_PARAM_TEXT, offsetof(users_args, disabled), 0, 8, 0, 0, NULL, NULL},
    {"q", YZ_PARAM_TEXT, offsetof(users_args, q), 0, 64, 0, 0, NULL, NULL},
    {"district", YZ_PARAM_TEXT, offsetof(users_args, district), 0, 31, 0, 0, NULL, NULL},
};

/* Whether `hay` holds `needle` in ASCII case (logins are ASCII; names are compared as
 * bytes, which finds Chinese as typed). */
static bool has_text(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (const char *p = hay; *p; p++)
        if (strncasecmp(p, needle, n) == 0)
            return true;
    return !n;
}

static bool has_role(const yz_user *u, int role)
{
    for (size_t i = 0; i < u->ngrants; i++)
        if (u->grants[i].role == role)
            return true;
    return false;
}

/* GET /api/v1/users?role=&disabled=&q=&district=: the city admin sees everyone; a district
 * admin only the users of their districts (YZ_SCOPE_USERS on each), and a `district` outside
 * theirs is 403. `district`: users reaching that district. */
static void h_users_list(void *ctx, yz_http_req *req)
{
    yz_api *api = ctx;
    yz_errinfo ei;
    yz_user *a = NULL;
    size_t n = 0;
    users_args x = {0};
    int role = -1, disabled = -1;
    yz_buf reach;
    yz_buf_init(&reach);
    int err = yz__api_authorize(api, req, "users_list", NULL, &ei);
    if (!err)
        err = YZ_API_PARAMS(req, users_params, &x, &ei);
    if (!err && x.role && (role = yz_role_parse(x.role)) < 0)
        err = yz_err_setf(&ei, YZ_EINVAL, "role", "未知角色 %.32s", "unknown role %.32s", x.role);
    if (!err && x.disabled) {
        if (strcmp(x.disabled, "true") == 0)
            disabled = 1;
        else if (strcmp(x.disabled, "false") == 0)
            disabled = 0;
        else
            err = yz_err_set(&ei, YZ_EINVAL, "disabled", "disabled 须为 true 或 false",
                             "disabled must be true or false");
    }
    if (!err && x.district) { /* a district admin asks only about theirs */
        yz_target t = {.reach = x.district};
        snprintf(t.district, sizeof t.district, "%s", x.district);
        err = yz__api_authorize(api, req, "users_list", &t, &ei);
    }
    /* whether the asker sees every user (a target no district admin covers) */
    yz_target every = {.beyond = true};
    bool all = !err && yz__api_may(api, req, "users_list", &every);
    if (!err)
        err = yz_store_user_list(api->st, &a, &n, &ei);
    if (err) {
        yz_buf_fini(&reach);
        yz_api_error(req, &ei);
        return;
    }
    yz_buf b;
    yz_buf_init(&b);
    yz_buf_puts(&b, "{\"items\":[");
    size_t shown = 0;
    for (size_t i = 0; i < n; i++) {
        const yz_user *u = &a[i];
        if ((role >= 0 && !has_role(u, role)) || (disabled >= 0 && u->disabled != disabled) ||
            (x.q && !has_text(u->login, x.q) && !has_text(u->name, x.q)))
            continue;
        if (!all || x.district) {
            yz_target t;
            user_target(api, u->id, u->grants, u->ngrants, &reach, &t);
            if (!all && !yz__api_may(api, req, "users_list", &t))
                continue;
            if (x.district && !yz_list_has(t.reach, x.district, strlen(x.district)))
                continue;
        }
        if (shown++)
            yz_buf_putc(&b, ',');
        render_user(&b, u);
    }
    yz_buf_printf(&b, "],\"total\":%zu}\n", shown);
    yz_users_free(a, n);
    yz_buf_fini(&reach);
    yz_http_add_header(req, "Cache-Control", "no-store");
    yz__api_ok(req, &b);
}

static const char *const create_fields[] = {"login", "name", "password", "roles", NULL};

/* After the hash on a pool thread: the user's write (a new user when user_id is 0, else the
 * patch) and the answer, with the one-time password made here if any. */
static void user_written(void *arg, yz_http_req *req)
{
    pending_user *pu = arg;
    yz_errinfo ei;
    yz_user u;
    yz_user_init(&u);
    bool create = pu->user_id == 0;
    int err = pending_err(pu, &ei);
    if (!err && create)
        err = yz_store_user_create(pu->api->st, pu->login, pu->name ? pu->name : "", pu->r.hash,
                                   pu->g, pu->ng, &u, &ei);
    else if (!err)
        err = yz_store_user_update(pu->api->st, pu->user_id, pu->version, &pu->p, &u, &ei);
    if (err)
        yz_api_error(req, &ei);
    else
        respond_user(req, create ? 201 : 200, &u, pu->pw[0] ? pu->pw : NULL);
    yz_user_fini(&u);
    pending_free(pu);
}

static void h_users_create(void *ctx, yz_http_req *req)
{
    yz_api *api = ctx;
    yz_errinfo ei;
    json_t *roles;
    const char *password = NULL;
    pending_user *pu = pending_new(api, req);
    yz_buf reach;
    yz_buf_init(&reach);
    int err = yz__api_authorize(api, req, "users_create", NULL, &ei);
    if (!err)
        err = yz__api_body_object(req, create_fields, &pu->body, &ei);
    if (!err)
        err = str_member(pu->body, "login", true, 256, &pu->login, &ei);
    if (!err)
        err = yz_user_check_login(pu->login, &ei);
    if (!err)
        err = str_member(pu->body, "name", false, 1024, &pu->name, &ei);
    if (!err)
        err = str_member(pu->body, "password", false, YZ_PASSWORD_MAX, &password, &ei);
    if (!err && password)
        err = yz_password_check(password, pu->login, &ei);
    if (!err && (roles = json_object_get(pu->body, "roles")) != NULL)
        err = parse_roles(roles, &pu->g, &pu->ng, &ei);
    if (!err) { /* a district admin gives only roles inside their districts */
        yz_target t;
        user_target(api, 0, pu->g, pu->ng, &reach, &t);
        err = yz__api_authorize(api, req, "users_create", &t, &ei);
    }
    yz_buf_fini(&reach);
    if (!err && !password) {
        random_password(pu->pw);
        password = pu->pw;
    }
    if (!err)
        err = pending_submit(pu, NULL, password, user_written, &ei);
    if (err) {
        yz_api_error(req, &ei);
        pending_free(pu);
    }
}

static int path_user(yz_http_req *req, int64_t *id, yz_errinfo *ei)
{
    const char *p = yz_http_param(req, 0);
    char *end = NULL;
    errno = 0;
    long long v = p ? strtoll(p, &end, 10) : 0;
    if (!p || !*p || *end || errno || v <= 0)
        return yz_err_set(ei, YZ_ENOTFOUND, "id", "用户不存在", "user not found");
    *id = v;
    return YZ_OK;
}

static void h_user_get(void *ctx, yz_http_req *req)
{
    yz_api *api = ctx;
    yz_errinfo ei;
    yz_target t = {0};
    yz_user u;
    yz_user_init(&u);
    yz_buf reach;
    yz_buf_init(&reach);
    int64_t id = 0;
    int err = yz__api_authorize(api, req, "user_get", NULL, &ei);
    if (!err)
        err = path_user(req, &id, &ei);
    /* the scope is the user's: read first (an unknown user reaches nothing: 403 unless ANY) */
    int gerr = err ? err : yz_store_user_get(api->st, id, &u, &ei);
    if (!err) {
        yz_errinfo aei;
        user_target(api, id, u.grants, u.ngrants, &reach, &t);
        err = yz__api_authorize(api, req, "user_get", &t, &aei);
        if (err)
            ei = aei;
        else
            err = gerr;
    }
    if (err)
        yz_api_error(req, &ei);
    else
        respond_user(req, 200, &u, NULL);
    yz_buf_fini(&reach);
    yz_user_fini(&u);
}

static const char *const patch_fields[] = {"name", "disabled", "roles", "password", NULL};

static void h_user_patch(void *ctx, yz_http_req *req)
{
    yz_api *api = ctx;
    yz_errinfo ei;
    json_t *v;
    yz_target t = {0};
    pending_user *pu = pending_new(api, req);
    json_t **body = &pu->body;
    yz_user_patch *p = &pu->p;
    const char *password = NULL;
    yz_user u;
    yz_user_init(&u);
    yz_buf reach;
    yz_buf_init(&reach);
    int64_t id = 0;
    int err = yz__api_authorize(api, req, "user_patch", NULL, &ei);
    if (!err)
        err = path_user(req, &id, &ei);
    if (err)
        goto out;
    /* checked on the user as it is (an unknown one reaches nothing) and, below, on the roles
     * it would get */
    bool found = yz_store_user_get(api->st, id, &u, &ei) == YZ_OK;
    user_target(api, id, u.grants, u.ngrants, &reach, &t);
    err = yz__api_authorize(api, req, "user_patch", &t, &ei);
    if (err)
        goto out;
    if (found) { /* for the audit log */
        yz_buf bb;
        yz_buf_init(&bb);
        render_user(&bb, &u);
        yz__api_audit_before(req, bb.data);
        yz_buf_fini(&bb);
    }
    yz_user_fini(&u);
    yz_user_init(&u);
    err = yz__api_if_match(req, true, 1, &pu->version, &ei);
    if (err)
        goto out;
    err = yz__api_body_object(req, patch_fields, body, &ei);
    if (!err)
        err = str_member(*body, "name", false, 1024, &p->name, &ei);
    if (!err && (v = json_object_get(*body, "disabled")) != NULL) {
        if (!json_is_boolean(v))
            err = yz_err_set(&ei, YZ_EINVAL, "disabled", "disabled 须为 true 或 false",
                             "disabled must be true or false");
        else
            p->disabled = json_is_true(v) ? 1 : 0;
    }
    if (!err && (v = json_object_get(*body, "roles")) != NULL) {
        err = parse_roles(v, &pu->g, &pu->ng, &ei);
        p->set_grants = true;
        p->grants = pu->g;
        p->ngrants = pu->ng;
        if (!err) {
            yz_target after;
            user_target(api, id, pu->g, pu->ng, &reach, &after);
            err = yz__api_authorize(api, req, "user_patch", &after, &ei);
        }
    }
    if (!err && (v = json_object_get(*body, "password")) != NULL) {
        /* One's own password changes only with the current one (POST /api/v1/session/password):
         * a session left open, or stolen, must not be enough to take the account over. */
        const yz_actor *a = yz__api_actor(api, req);
        if (a->kind == YZ_ACTOR_USER && a->user.id == id) {
            err = yz_err_set(&ei, YZ_EFORBIDDEN, "password",
                             "修改自己的密码须提供当前密码：请用 POST /api/v1/session/password",
                             "change your own password with your current one: POST "
                             "/api/v1/session/password");
            goto out;
        }
    }
    if (!err && (v = json_object_get(*body, "password")) != NULL) {
        /* a reset: a given password, or null for a one-time password returned once */
        if (json_is_null(v)) {
            random_password(pu->pw);
            password = pu->pw;
        } else {
            err = str_member(*body, "password", true, YZ_PASSWORD_MAX, &password, &ei);
        }
    }
    pu->user_id = id;
    if (!err && password) {
        err = yz_store_user_get(api->st, id, &u, &ei);
        if (!err && !pu->pw[0])
            err = yz_password_check(password, u.login, &ei);
        if (!err) {
            /* the write and the answer follow the hash on a pool thread (user_written) */
            p->pw_hash = pu->r.hash;
            err = pending_submit(pu, NULL, password, user_written, &ei);
            if (!err) {
                yz_buf_fini(&reach);
                yz_user_fini(&u);
                return;
            }
        }
    }
    if (!err) {
        yz_user_fini(&u);
        yz_user_init(&u);
        err = yz_store_user_update(api->st, id, pu->version, p, &u, &ei);
    }
out:
    if (err)
        yz_api_error(req, &ei);
    else
        respond_user(req, 200, &u, NULL);
    yz_buf_fini(&reach);
    yz_user_fini(&u);
    pending_free(pu);
}

void yz__api_register_users(yz_api *api, yz_http_server *srv)
{
    yz_http_route(srv, "GET", "/api/v1/users", "users_list", h_users_list, api);
    yz_http_route(srv, "POST", "/api/v1/users", "users_create", h_users_create, api);
    yz_http_route(srv, "GET", "/api/v1/users/{}", "user_get", h_user_get, api);
    yz_http_route(srv, "PATCH", "/api/v1/users/{}", "user_patch", h_user_patch, api);
}
