/* SPDX-License-Identifier: MIT */
/* store/users.c - the users area: accounts, role grants with scopes, sessions and failed
 * logins, written once for both backends on store/db.h (docs/internals/accounts.md). */
#include "store/users.h"

#include "store/db.h"

#include "core/alloc.h"
#include "core/buf.h"
#include "core/time.h"
#include "core/utf8.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const role_names[YZ_ROLE__COUNT] = {
    "city_admin", "district_admin", "operator", "inspector", "moderator", "canteen", "viewer"};

const char *yz_role_name(int role)
{
    return role >= 0 && role < YZ_ROLE__COUNT ? role_names[role] : "";
}

int yz_role_parse(const char *s)
{
    for (int i = 0; s && i < YZ_ROLE__COUNT; i++)
        if (strcmp(role_names[i], s) == 0)
            return i;
    return -1;
}

void yz_user_init(yz_user *u)
{
    memset(u, 0, sizeof *u);
}

static void grants_free(yz_grant *g, size_t n)
{
    for (size_t i = 0; i < n; i++)
        yz_free(g[i].scope);
    yz_free(g);
}

void yz_user_fini(yz_user *u)
{
    if (!u)
        return;
    yz_free(u->login);
    yz_free(u->name);
    grants_free(u->grants, u->ngrants);
    yz_user_init(u);
}

void yz_users_free(yz_user *a, size_t n)
{
    for (size_t i = 0; i < n; i++)
        yz_user_fini(&a[i]);
    yz_free(a);
}

/* --- messages written once --- */

static int user_not_found(yz_errinfo *ei, const char *field)
{
    return yz_err_set(ei, YZ_ENOTFOUND, field, "用户不存在", "user not found");
}

static int operator_scope(yz_errinfo *ei);
static int canteen_scope(yz_errinfo *ei);

/* --- checks --------------------------------------------------------------------------------- */

int yz_user_check_login(const char *login, yz_errinfo *ei)
{
    size_t n = login ? strlen(login) : 0;
    bool ok = n >= 1 && n <= YZ_LOGIN_MAX;
    for (size_t i = 0; ok && i < n; i++) {
        char c = login[i];
        ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
             c == '.' || c == '_' || c == '-' || c == '@';
    }
    if (!ok)
        return yz_err_setf(ei, YZ_EINVAL, "login",
                           "登录名须为 1 到 %d 个字母、数字或 . _ - @",
                           "login must be 1 to %d letters, digits or . _ - @", YZ_LOGIN_MAX);
    return YZ_OK;
}

static void login_key(const char *login, char out[YZ_LOGIN_MAX + 1])
{
    size_t i = 0;
    for (; login[i] && i < YZ_LOGIN_MAX; i++) {
        char c = login[i];
        out[i] = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
    }
    out[i] = 0;
}

static int check_name(const char *name, yz_errinfo *ei)
{
    size_t n = strlen(name), chars = 0;
    bool ok = yz_utf8_valid(name, n);
    for (size_t i = 0; ok && i < n;) {
        uint32_t cp;
        size_t k = yz_utf8_decode(name + i, n - i, &cp);
        ok = k > 0 && cp >= 0x20 && cp != 0x7f;
        i += k ? k : 1;
        chars++;
    }
    if (!ok || chars > YZ_USER_NAME_MAX)
        return yz_err_setf(ei, YZ_EINVAL, "name", "显示名须为不超过 %d 字的文本",
                           "name must be text of at most %d characters", YZ_USER_NAME_MAX);
    return YZ_OK;
}

static int scope_error(yz_errinfo *ei, int role, const char *zh_what, const char *en_what)
{
    return yz_err_setf(ei, YZ_EINVAL, "scope", "角色 %s 的范围须为%s%.0s",
                       "the scope of %s must be %.0s%s",
                       yz_role_name(role), zh_what, en_what);
}

static int operator_scope(yz_errinfo *ei)
{
    return scope_error(ei, YZ_ROLE_OPERATOR, "驿站编号或 partner=名称 的列表",
                       "a list of station ids or partner=NAME");
}

static int canteen_scope(yz_errinfo *ei)
{
    return scope_error(ei, YZ_ROLE_CANTEEN, "食堂编号列表", "a list of canteen ids");
}

/* Whether `sql` with one text or id parameter finds a row. */
static int exists(yz_db_tx *tx, const char *sql, const char *text, int64_t id, bool *found,
                  yz_errinfo *ei)
{
    yz_db_q q;
    yz_db_query(&q, tx, sql, ei);
    if (text)
        yz_db_text(&q, text);
    else
        yz_db_i64(&q, id);
    *found = yz_db_row(&q);
    return yz_db_end(&q);
}

/* Check grant `g`: its role takes the scope it has, and every district, station and canteen
 * it names exists. */
static int check_grant(yz_db_tx *tx, const yz_grant *g, yz_errinfo *ei)
{
    if (g->role < 0 || g->role >= YZ_ROLE__COUNT)
        return yz_err_set(ei, YZ_EINVAL, "role",
                          "未知角色（city_admin、district_admin、operator、inspector、moderator、"
                          "canteen、viewer）",
                          "unknown role (city_admin, district_admin, operator, inspector, "
                          "moderator, canteen, viewer)");
    const char *s = g->scope ? g->scope : "";
    size_t len = strlen(s);
    if (len > YZ_SCOPE_MAX || !yz_utf8_valid(s, len))
        return yz_err_setf(ei, YZ_EINVAL, "scope", "范围最长 %d 字节", "a scope is at most %d bytes",
                           YZ_SCOPE_MAX);
    bool needs = g->role == YZ_ROLE_DISTRICT_ADMIN || g->role == YZ_ROLE_OPERATOR ||
                 g->role == YZ_ROLE_CANTEEN;
    if (!needs) {
        if (*s)
            return scope_error(ei, g->role, "空", "empty");
        return YZ_OK;
    }
    if (!*s) {
        if (g->role == YZ_ROLE_DISTRICT_ADMIN)
            return scope_error(ei, g->role, "区县代码列表", "a list of district codes");
        if (g->role == YZ_ROLE_OPERATOR)
            return operator_scope(ei);
        return canteen_scope(ei);
    }
    const char *p = s;
    for (;;) {
        const char *e = strchr(p, ',');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        char item[YZ_SCOPE_MAX + 1];
        memcpy(item, p, n);
        item[n] = 0;
        int64_t id = 0;
        bool found = false;
        int err = YZ_OK;
        if (n == 0)
            return yz_err_set(ei, YZ_EINVAL, "scope", "范围中有空项", "the scope has an empty item");
        if (g->role == YZ_ROLE_DISTRICT_ADMIN) {
            err = exists(tx, "SELECT 1 FROM districts WHERE code = $1", item, 0, &found, ei);
            if (!err && !found)
                err = yz_err_setf(ei, YZ_EINVAL, "scope", "未知的区县代码 %.40s",
                                  "unknown district code %.40s", item);
        } else if (g->role == YZ_ROLE_OPERATOR) {
            if (strncmp(item, "partner=", 8) == 0) {
                if (!item[8])
                    err = operator_scope(ei);
            } else if (!yz_parse_id(item, n, &id)) {
                err = operator_scope(ei);
            } else {
                err = yz__store_station_exists(tx, id, "scope", ei);
            }
        } else {
            if (!yz_parse_id(item, n, &id))
                err = canteen_scope(ei);
            if (!err)
                err = exists(tx, "SELECT 1 FROM canteens WHERE id = $1", NULL, id, &found, ei);
            if (!err && !found)
                err = yz_err_setf(ei, YZ_EINVAL, "scope", "食堂 %lld 不存在",
                                  "canteen %lld does not exist", (long long)id);
        }
        if (err)
            return err;
        if (!e)
            break;
        p = e + 1;
    }
    return YZ_OK;
}

static int check_grants(yz_db_tx *tx, const yz_grant *g, size_t n, yz_errinfo *ei)
{
    for (size_t i = 0; i < n; i++) {
        int err = check_grant(tx, &g[i], ei);
        if (err)
            return err;
        for (size_t j = 0; j < i; j++)
            if (g[j].role == g[i].role)
                return yz_err_setf(ei, YZ_EINVAL, "roles", "角色 %s 重复",
                                   "role %s is given twice", yz_role_name(g[i].role));
    }
    return YZ_OK;
}

/* --- reading users ------------------------------------------------------------------------------ */

#define USER_COLS "id, login, name, disabled, version, created_at, updated_at"

static void row_user(const yz_db_q *q, yz_user *u)
{
    u->id = yz_db_col_i64(q, 0);
    u->login = yz_db_col_str(q, 1);
    u->name = yz_db_col_str(q, 2);
    if (!u->name)
        u->name = yz_strdup("");
    u->disabled = yz_db_col_int(q, 3) != 0;
    u->version = yz_db_col_i64(q, 4);
    u->created_at = yz_db_col_i64(q, 5);
    u->updated_at = yz_db_col_i64(q, 6);
}

/* Read the grants of u->id into u (replacing any). */
static int load_grants(yz_db_tx *tx, yz_user *u, yz_errinfo *ei)
{
    grants_free(u->grants, u->ngrants);
    u->grants = NULL;
    u->ngrants = 0;
    size_t cap = 0;
    yz_db_q q;
    yz_db_query(&q, tx, "SELECT role, scope FROM user_roles WHERE user_id = $1", ei);
    yz_db_i64(&q, u->id);
    while (yz_db_row(&q)) {
        int role = yz_role_parse(yz_db_col_text(&q, 0));
        if (role < 0)
            continue;
        u->grants = yz_db_grow(u->grants, u->ngrants, &cap, sizeof *u->grants);
        u->grants[u->ngrants].role = role;
        u->grants[u->ngrants].scope = yz_db_col_str(&q, 1);
        if (!u->grants[u->ngrants].scope)
            u->grants[u->ngrants].scope = yz_strdup("");
        u->ngrants++;
    }
    int err = yz_db_end(&q);
    /* by role, so every answer lists them in the table's order */
    for (size_t i = 1; i < u->ngrants; i++)
        for (size_t j = i; j > 0 && u->grants[j - 1].role > u->grants[j].role; j--) {
            yz_grant t = u->grants[j];
            u->grants[j] = u->grants[j - 1];
            u->grants[j - 1] = t;
        }
    return err;
}

/* Load user `id` (out is finished and filled afresh). */
static int load_user(yz_db_tx *tx, int64_t id, yz_user *out, yz_errinfo *ei)
{
    yz_user_fini(out);
    yz_db_q q;
    yz_db_query(&q, tx, "SELECT " USER_COLS " FROM users WHERE id = $1", ei);
    yz_db_i64(&q, id);
    bool found = yz_db_row(&q);
    if (found)
        row_user(&q, out);
    int err = yz_db_end(&q);
    if (!err && !found)
        err = user_not_found(ei, "id");
    if (!err)
        err = load_grants(tx, out, ei);
    return err;
}

static int write_grants(yz_db_tx *tx, int64_t user_id, const yz_grant *g, size_t n,
                        yz_errinfo *ei)
{
    yz_db_q q;
    yz_db_query(&q, tx, "DELETE FROM user_roles WHERE user_id = $1", ei);
    yz_db_i64(&q, user_id);
    int err = yz_db_exec(&q, NULL);
    for (size_t i = 0; !err && i < n; i++) {
        yz_db_query(&q, tx, "INSERT INTO user_roles (user_id, role, scope) VALUES ($1, $2, $3)",
                    ei);
        yz_db_i64(&q, user_id);
        yz_db_text(&q, yz_role_name(g[i].role));
        yz_db_text(&q, g[i].scope ? g[i].scope : "");
        err = yz_db_exec(&q, NULL);
    }
    return err;
}

/* --- create ---------------------------------------------------------------------------------- */

typedef struct create_ctx {
    const char *login, *name, *pw_hash; /* in */
    const yz_grant *grants;             /* in */
    size_t n;                           /* in */
    yz_user *out;                       /* out */
} create_ctx;

static int login_taken(yz_errinfo *ei, const char *login)
{
    return yz_err_setf(ei, YZ_ECONFLICT, "login", "登录名 %s 已被使用", "login %s is taken",
                       login);
}

static int create_body(yz_db_tx *tx, void *arg, yz_errinfo *ei)
{
    create_ctx *x = arg;
    char key[YZ_LOGIN_MAX + 1];
    login_key(x->login, key);
    bool found = false;
    int err = exists(tx, "SELECT 1 FROM users WHERE login_key = $1", key, 0, &found, ei);
    if (!err && found)
        err = login_taken(ei, x->login);
    if (!err)
        err = check_grants(tx, x->grants, x->n, ei);
    if (err)
        return err;
    int64_t now = yz_time_now(), id = 0;
    yz_db_q q;
    yz_db_query(&q, tx,
                "INSERT INTO users (login, login_key, name, pw_hash, disabled, version, "
                "created_at, updated_at) VALUES ($1, $2, $3, $4, 0, 1, $5, $5) RETURNING id",
                ei);
    yz_db_text(&q, x->login);
    yz_db_text(&q, key);
    yz_db_text(&q, x->name);
    yz_db_text(&q, x->pw_hash);
    yz_db_i64(&q, now);
    if (yz_db_row(&q))
        id = yz_db_col_i64(&q, 0);
    err = yz_db_end(&q);
    if (err && yz_db_violation(&q) == YZ_DB_UNIQUE)
        return login_taken(ei, x->login);
    if (!err)
        err = write_grants(tx, id, x->grants, x->n, ei);
    if (!err)
        err = load_user(tx, id, x->out, ei);
    return err;
}

int yz_store_user_create(yz_store *st, const char *login, const char *name, const char *pw_hash,
                         const yz_grant *grants, size_t n, yz_user *out, yz_errinfo *ei)
{
    int err = yz_user_check_login(login, ei);
    if (!err)
        err = check_name(name ? name : "", ei);
    if (err)
        return err;
    if (!pw_hash || !*pw_hash)
        return yz_err_set(ei, YZ_EINVAL, "password", "缺少密码", "the password is missing");
    create_ctx x = {login, name ? name : "", pw_hash, grants, n, out};
    return yz_db_run(st, YZ_DB_WRITE, create_body, &x, ei);
}

/* --- get, by login, list ------------------------------------------------------------------- */

typedef struct get_ctx {
    int64_t id;        /* in (get); out (by login) */
    const char *login; /* in (by login) */
    yz_user *out;      /* out */
    char **pw_hash;    /* out, may be NULL */
} get_ctx;

static int get_body(yz_db_tx *tx, void *arg, yz_errinfo *ei)
{
    get_ctx *x = arg;
    return load_user(tx, x->id, x->out, ei);
}

int yz_store_user_get(yz_store *st, int64_t id, yz_user *out, yz_errinfo *ei)
{
    get_ctx x = {id, NULL, out, NULL};
    return yz_db_run(st, YZ_DB_READ, get_body, &x, ei);
}

static int by_login_body(yz_db_tx *tx, void *arg, yz_errinfo *ei)
{
    get_ctx *x = arg;
    char key[YZ_LOGIN_MAX + 1];
    login_key(x->login, key);
    yz_user_fini(x->out);
    if (x->pw_hash) {
        yz_free(*x->pw_hash);
        *x->pw_hash = NULL;
    }
    yz_db_q q;
    yz_db_query(&q, tx, "SELECT " USER_COLS ", pw_hash FROM users WHERE login_key = $1", ei);
    yz_db_text(&q, key);
    bool found = yz_db_row(&q);
    if (found) {
        row_user(&q, x->out);
        if (x->pw_hash)
            *x->pw_hash = yz_db_col_str(&q, 7);
    }
    int err = yz_db_end(&q);
    if (!err && !found)
        err = user_not_found(ei, "login");
    if (!err)
        err = load_grants(tx, x->out, ei);
    return err;
}

int yz_store_user_by_login(yz_store *st, const char *login, yz_user *out, char **pw_hash,
                           yz_errinfo *ei)
{
    if (pw_hash)
        *pw_hash = NULL;
    if (yz_user_check_login(login, NULL))
        return user_not_found(ei, "login");
    get_ctx x = {0, login, out, pw_hash};
    return yz_db_run(st, YZ_DB_READ, by_login_body, &x, ei);
}

typedef struct list_ctx {
    yz_user *a; /* out */
    size_t n;   /* out */
} list_ctx;

static int list_body(yz_db_tx *tx, void *arg, yz_errinfo *ei)
{
    list_ctx *x = arg;
    yz_users_free(x->a, x->n);
    x->a = NULL;
    x->n = 0;
    size_t cap = 0;
    yz_db_q q;
    yz_db_query(&q, tx, "SELECT " USER_COLS " FROM users ORDER BY id", ei);
    while (yz_db_row(&q)) {
        x->a = yz_db_grow(x->a, x->n, &cap, sizeof *x->a);
        yz_user_init(&x->a[x->n]);
        row_user(&q, &x->a[x->n]);
        x->n++;
    }
    int err = yz_db_end(&q);
    for (size_t i = 0; !err && i < x->n; i++)
        err = load_grants(tx, &x->a[i], ei);
    return err;
}

int yz_store_user_list(yz_store *st, yz_user **out, size_t *n, yz_errinfo *ei)
{
    list_ctx x = {NULL, 0};
    int err = yz_db_run(st, YZ_DB_READ, list_body, &x, ei);
    if (err) {
        yz_users_free(x.a, x.n);
        x.a = NULL;
        x.n = 0;
    }
    *out = x.a;
    *n = x.n;
    return err;
}

/* --- update ----------------------------------------------------------------------------------- */

typedef struct update_ctx {
    int64_t id, version;    /* in */
    const yz_user_patch *p; /* in */
    yz_user *out;           /* out, may be NULL */
} update_ctx;

static int end_sessions(yz_db_tx *tx, int64_t user_id, int64_t keep, yz_errinfo *ei)
{
    yz_db_q q;
    yz_db_query(&q, tx, "DELETE FROM sessions WHERE user_id = $1 AND id <> $2", ei);
    yz_db_i64(&q, user_id);
    yz_db_i64(&q, keep);
    return yz_db_exec(&q, NULL);
}

static int update_body(yz_db_tx *tx, void *arg, yz_errinfo *ei)
{
    update_ctx *x = arg;
    const yz_user_patch *p = x->p;
    yz_user cur;
    yz_user_init(&cur);
    int err = load_user(tx, x->id, &cur, ei);
    if (err)
        goto out;
    if (x->version && cur.version != x->version) {
        err = yz_err_setf(ei, YZ_ESTALE, "If-Match", "用户已被他人修改（当前版本 %lld）",
                          "the user was changed by someone else (now version %lld)",
                          (long long)cur.version);
        goto out;
    }
    if (p->set_grants && (err = check_grants(tx, p->grants, p->ngrants, ei)) != YZ_OK)
        goto out;
    yz_db_q q;
    yz_db_query(&q, tx,
                "UPDATE users SET name = $2, disabled = $3, pw_hash = COALESCE($4, pw_hash),"
                " version = version + 1, updated_at = $5 WHERE id = $1 AND version = $6",
                ei);
    yz_db_i64(&q, x->id);
    yz_db_text(&q, p->name ? p->name : cur.name);
    yz_db_bool(&q, p->disabled >= 0 ? p->disabled != 0 : cur.disabled);
    yz_db_str(&q, p->pw_hash);
    yz_db_i64(&q, yz_time_now());
    yz_db_i64(&q, cur.version);
    int64_t changed = 0;
    err = yz_db_exec(&q, &changed);
    if (!err && changed != 1)
        err = yz_err_set(ei, YZ_ESTALE, "If-Match", NULL, NULL);
    if (!err && p->set_grants)
        err = write_grants(tx, x->id, p->grants, p->ngrants, ei);
    /* A disabled user's sessions end with the change, on every node: each request reads its
     * session from the store (yz_store_session_find). */
    if (!err && p->disabled == 1)
        err = end_sessions(tx, x->id, 0, ei);
    else if (!err && p->pw_hash && !p->keep_all)
        err = end_sessions(tx, x->id, p->keep_session, ei);
    if (!err && x->out)
        err = load_user(tx, x->id, x->out, ei);
out:
    yz_user_fini(&cur);
    return err;
}

int yz_store_user_update(yz_store *st, int64_t id, int64_t version, const yz_user_patch *p,
                         yz_user *out, yz_errinfo *ei)
{
    if (p->name) {
        int err = check_name(p->name, ei);
        if (err)
            return err;
    }
    update_ctx x = {id, version, p, out};
    return yz_db_run(st, YZ_DB_WRITE, update_body, &x, ei);
}

/* --- sessions ------------------------------------------------------------------------------- */

typedef struct screate_ctx {
    int64_t user_id;
    const uint8_t *hash;
    const char *csrf, *ua, *addr;
    int64_t now, expires_at;
    int64_t *id; /* out */
} screate_ctx;

static int screate_body(yz_db_tx *tx, void *arg, yz_errinfo *ei)
{
    screate_ctx *x = arg;
    yz_db_q q;
    yz_db_query(&q, tx,
                "INSERT INTO sessions (user_id, token_hash, csrf, created_at, last_seen, "
                "expires_at, user_agent, addr) VALUES ($1, $2, $3, $4, $4, $5, $6, $7) "
                "RETURNING id",
                ei);
    yz_db_i64(&q, x->user_id);
    yz_db_blob(&q, x->hash, YZ_SESSION_HASH_BYTES);
    yz_db_text(&q, x->csrf);
    yz_db_i64(&q, x->now);
    yz_db_i64(&q, x->expires_at);
    yz_db_text(&q, x->ua);
    yz_db_text(&q, x->addr);
    if (yz_db_row(&q))
        *x->id = yz_db_col_i64(&q, 0);
    return yz_db_end(&q);
}

/* `s` cut to at most `max` bytes on a character boundary, as valid UTF-8 ("" if it is not). */
static void cut_text(const char *s, size_t max, char *out)
{
    size_t n = s ? strlen(s) : 0;
    if (!s || !yz_utf8_valid(s, n)) {
        out[0] = 0;
        return;
    }
    size_t k = 0;
    while (k < n) {
        uint32_t cp;
        size_t l = yz_utf8_decode(s + k, n - k, &cp);
        if (!l || k + l > max || cp < 0x20)
            break;
        k += l;
    }
    memcpy(out, s, k);
    out[k] = 0;
}

int yz_store_session_create(yz_store *st, int64_t user_id,
                            const uint8_t hash[YZ_SESSION_HASH_BYTES], const char *csrf,
                            int64_t now, int64_t expires_at, const char *user_agent,
                            const char *addr, int64_t *id, yz_errinfo *ei)
{
    char ua[201], ad[65];
    cut_text(user_agent, 200, ua);
    cut_text(addr, 64, ad);
    screate_ctx x = {user_id, hash, csrf, ua, ad, now, expires_at, id};
    return yz_db_run(st, YZ_DB_WRITE, screate_body, &x, ei);
}

typedef struct sfind_ctx {
    const uint8_t *hash;
    int64_t now, idle_s;
    yz_session *s; /* out */
    yz_user *u;    /* out */
    bool touch;    /* out: last_seen is a minute old */
} sfind_ctx;

static int no_session(yz_errinfo *ei)
{
    return yz_err_set(ei, YZ_ENOTFOUND, "session", "会话已结束，请重新登录",
                      "the session has ended; log in again");
}

static int sfind_body(yz_db_tx *tx, void *arg, yz_errinfo *ei)
{
    sfind_ctx *x = arg;
    yz_db_q q;
    yz_db_query(&q, tx,
                "SELECT s.id, s.user_id, s.csrf, s.created_at, s.last_seen, s.expires_at,"
                " u.disabled FROM sessions s JOIN users u ON u.id = s.user_id"
                " WHERE s.token_hash = $1",
                ei);
    yz_db_blob(&q, x->hash, YZ_SESSION_HASH_BYTES);
    bool found = yz_db_row(&q), disabled = false;
    if (found) {
        x->s->id = yz_db_col_i64(&q, 0);
        x->s->user_id = yz_db_col_i64(&q, 1);
        snprintf(x->s->csrf, sizeof x->s->csrf, "%s", yz_db_col_text(&q, 2));
        x->s->created_at = yz_db_col_i64(&q, 3);
        x->s->last_seen = yz_db_col_i64(&q, 4);
        x->s->expires_at = yz_db_col_i64(&q, 5);
        disabled = yz_db_col_int(&q, 6) != 0;
    }
    int err = yz_db_end(&q);
    if (err)
        return err;
    if (!found || disabled || x->s->expires_at <= x->now || x->s->last_seen + x->idle_s <= x->now)
        return no_session(ei);
    x->touch = x->now - x->s->last_seen >= 60;
    return load_user(tx, x->s->user_id, x->u, ei);
}

static int touch_body(yz_db_tx *tx, void *arg, yz_errinfo *ei)
{
    sfind_ctx *x = arg;
    yz_db_q q;
    yz_db_query(&q, tx, "UPDATE sessions SET last_seen = $2 WHERE id = $1 AND last_seen < $2",
                ei);
    yz_db_i64(&q, x->s->id);
    yz_db_i64(&q, x->now);
    return yz_db_exec(&q, NULL);
}

int yz_store_session_find(yz_store *st, const uint8_t hash[YZ_SESSION_HASH_BYTES], int64_t now,
                          int64_t idle_s, yz_session *s, yz_user *u, yz_errinfo *ei)
{
    sfind_ctx x = {hash, now, idle_s, s, u, false};
    int err = yz_db_run(st, YZ_DB_READ, sfind_body, &x, ei);
    if (!err && x.touch) {
        /* A failed touch costs at most a minute of idle time: the session is still valid. */
        yz_errinfo ignored;
        if (yz_db_run(st, YZ_DB_WRITE, touch_body, &x, &ignored) == YZ_OK)
            s->last_seen = now;
    }
    return err;
}

typedef struct sdel_ctx {
    int64_t id;    /* in: session or user id */
    int64_t count; /* out */
} sdel_ctx;

static int sdel_body(yz_db_tx *tx, void *arg, yz_errinfo *ei)
{
    sdel_ctx *x = arg;
    yz_db_q q;
    yz_db_query(&q, tx, "DELETE FROM sessions WHERE id = $1", ei);
    yz_db_i64(&q, x->id);
    return yz_db_exec(&q, NULL);
}

int yz_store_session_delete(yz_store *st, int64_t id, yz_errinfo *ei)
{
    sdel_ctx x = {id, 0};
    return yz_db_run(st, YZ_DB_WRITE, sdel_body, &x, ei);
}

static int scount_body(yz_db_tx *tx, void *arg, yz_errinfo *ei)
{
    sdel_ctx *x = arg;
    yz_db_q q;
    yz_db_query(&q, tx, "SELECT count(*) FROM sessions WHERE user_id = $1 AND expires_at > $2",
                ei);
    yz_db_i64(&q, x->id);
    yz_db_i64(&q, yz_time_now());
    x->count = yz_db_row(&q) ? yz_db_col_i64(&q, 0) : 0;
    return yz_db_end(&q);
}

int yz_store_session_count(yz_store *st, int64_t user_id, int64_t *n, yz_errinfo *ei)
{
    sdel_ctx x = {user_id, 0};
    int err = yz_db_run(st, YZ_DB_READ1, scount_body, &x, ei);
    *n = x.count;
    return err;
}

/* --- failed logins ----------------------------------------------------------------------------- */

typedef struct fail_ctx {
    const char *key;
    int64_t now;
    const yz_login_limit *lim; /* NULL: only read */
    int64_t locked_until;      /* out */
} fail_ctx;

static int locked_body(yz_db_tx *tx, void *arg, yz_errinfo *ei)
{
    fail_ctx *x = arg;
    x->locked_until = 0;
    yz_db_q q;
    yz_db_query(&q, tx, "SELECT locked_until FROM login_failures WHERE key = $1", ei);
    yz_db_text(&q, x->key);
    if (yz_db_row(&q) && yz_db_col_i64(&q, 0) > x->now)
        x->locked_until = yz_db_col_i64(&q, 0);
    return yz_db_end(&q);
}

int yz_store_login_locked(yz_store *st, const char *key, int64_t now, int64_t *locked_until,
                          yz_errinfo *ei)
{
    fail_ctx x = {key, now, NULL, 0};
    int err = yz_db_run(st, YZ_DB_READ1, locked_body, &x, ei);
    *locked_until = x.locked_until;
    return err;
}

static int failed_body(yz_db_tx *tx, void *arg, yz_errinfo *ei)
{
    fail_ctx *x = arg;
    x->locked_until = 0;
    int64_t failures = 0, start = x->now;
    yz_db_q q;
    yz_db_query(&q, tx, "SELECT failures, window_start FROM login_failures WHERE key = $1", ei);
    yz_db_text(&q, x->key);
    bool found = yz_db_row(&q);
    if (found && yz_db_col_i64(&q, 1) + x->lim->window_s > x->now) {
        failures = yz_db_col_i64(&q, 0);
        start = yz_db_col_i64(&q, 1);
    }
    int err = yz_db_end(&q);
    if (err)
        return err;
    failures++;
    int64_t until = failures >= x->lim->max_failures ? x->now + x->lim->lock_s : 0;
    /* A lock starts a new window: the next failures after it count afresh. */
    if (until) {
        failures = 0;
        start = x->now;
    }
    yz_db_query(&q, tx,
                found ? "UPDATE login_failures SET failures = $2, window_start = $3,"
                        " locked_until = $4 WHERE key = $1"
                      : "INSERT INTO login_failures (key, failures, window_start, locked_until)"
                        " VALUES ($1, $2, $3, $4)",
                ei);
    yz_db_text(&q, x->key);
    yz_db_i64(&q, failures);
    yz_db_i64(&q, start);
    yz_db_i64(&q, until);
    err = yz_db_exec(&q, NULL);
    x->locked_until = until;
    return err;
}

int yz_store_login_failed(yz_store *st, const char *key, int64_t now, const yz_login_limit *lim,
                          int64_t *locked_until, yz_errinfo *ei)
{
    fail_ctx x = {key, now, lim, 0};
    int err = yz_db_run(st, YZ_DB_WRITE, failed_body, &x, ei);
    *locked_until = x.locked_until;
    return err;
}

static int clear_body(yz_db_tx *tx, void *arg, yz_errinfo *ei)
{
    fail_ctx *x = arg;
    yz_db_q q;
    yz_db_query(&q, tx, "DELETE FROM login_failures WHERE key = $1", ei);
    yz_db_text(&q, x->key);
    return yz_db_exec(&q, NULL);
}

int yz_store_login_clear(yz_store *st, const char *key, yz_errinfo *ei)
{
    fail_ctx x = {key, 0, NULL, 0};
    return yz_db_run(st, YZ_DB_WRITE, clear_body, &x, ei);
}
