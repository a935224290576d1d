/* SPDX-License-Identifier: MIT */
/* cli/user.c - `yizhan user ...`: accounts, passwords and roles straight in the store (SQLite
 * or PostgreSQL), the way the first admin is made; and `yizhan permissions`, the permission
 * table written out (docs/internals/accounts.md). */
#include "cli/cli.h"

#include "api/api.h"
#include "core/alloc.h"
#include "core/buf.h"
#include "core/pwhash.h"
#include "store/store.h"
#include "store/users.h"

#include <getopt.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#define DEFAULT_DB "var/yizhan.db"
#define MAX_ROLE_ARGS 16

static int usage_error(const char *what)
{
    fprintf(stderr,
            "yizhan: %s\n"
            "用法 / usage: yizhan user add LOGIN [--name N] [--role ROLE[:SCOPE,...]]... "
            "[--random] [--db DB]\n"
            "       yizhan user passwd LOGIN [--random] [--db DB]\n"
            "       yizhan user disable|enable LOGIN [--db DB]\n"
            "       yizhan user list [--db DB]\n"
            "       yizhan user roles LOGIN [--grant ROLE[:SCOPE,...]]... "
            "[--revoke ROLE[:SCOPE,...]]... [--db DB]\n"
            "  roles: city_admin, district_admin:DISTRICT,..., operator:STATION_ID|partner=NAME,...,"
            "\n         inspector, moderator, canteen:CANTEEN_ID,..., viewer\n",
            what);
    return 2;
}

/* One line from stdin (without its newline), or asked twice without echo on a terminal. */
static int read_password(char *out, size_t n)
{
    bool tty = isatty(STDIN_FILENO);
    struct termios old, quiet;
    for (int round = 0; round < (tty ? 2 : 1); round++) {
        char *buf = round ? yz_malloc(n) : out;
        if (tty) {
            fputs(round ? "再输入一次 / again: " : "密码 / password: ", stderr);
            tcgetattr(STDIN_FILENO, &old);
            quiet = old;
            quiet.c_lflag &= ~(tcflag_t)ECHO;
            tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
        }
        char *got = fgets(buf, (int)n, stdin);
        if (tty) {
            tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
            fputc('\n', stderr);
        }
        if (!got) {
            if (round)
                yz_free(buf);
            fputs("yizhan: 没有读到密码 / no password given\n", stderr);
            return 1;
        }
        buf[strcspn(buf, "\r\n")] = 0;
        if (round) {
            bool same = strcmp(buf, out) == 0;
            sodium_memzero(buf, n);
            yz_free(buf);
            if (!same) {
                fputs("yizhan: 两次输入不同 / the passwords differ\n", stderr);
                return 1;
            }
        }
    }
    return 0;
}

/* A new password for `login`: random (copied to `shown`, for the caller to print once the
 * change is stored) or read; hashed into `hash`. */
static int new_password(const char *login, bool random, char hash[YZ_PWHASH_STR_BYTES],
                        char shown[32])
{
    char pw[YZ_PASSWORD_MAX + 2];
    shown[0] = 0;
    yz_errinfo ei;
    if (random) {
        unsigned char rnd[16];
        randombytes_buf(rnd, sizeof rnd);
        sodium_bin2base64(pw, sizeof pw, rnd, sizeof rnd, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    } else if (read_password(pw, sizeof pw)) {
        return 1;
    }
    int err = yz_password_check(pw, login, &ei);
    if (!err)
        err = yz_pwhash_str(pw, yz_pwhash_cost_from_env(), hash, &ei);
    if (!err && random)
        snprintf(shown, 32, "%.22s", pw); /* 16 bytes in base64url */
    sodium_memzero(pw, sizeof pw);
    return err ? yz__cli_fail(&ei) : 0;
}

/* "ROLE[:SCOPE]" into g (g->scope borrowed from arg, after the colon). */
static int parse_role_arg(char *arg, yz_grant *g)
{
    char *colon = strchr(arg, ':');
    if (colon)
        *colon = 0;
    g->role = yz_role_parse(arg);
    g->scope = colon ? colon + 1 : "";
    if (g->role < 0) {
        fprintf(stderr, "yizhan: 未知角色 / unknown role %s\n", arg);
        return 1;
    }
    return 0;
}

static void print_user(const yz_user *u)
{
    printf("%lld\t%s\t%s\t%s\t", (long long)u->id, u->login, u->name,
           u->disabled ? "disabled" : "active");
    for (size_t i = 0; i < u->ngrants; i++)
        printf("%s%s%s%s", i ? " " : "", yz_role_name(u->grants[i].role),
               u->grants[i].scope[0] ? ":" : "", u->grants[i].scope);
    putchar('\n');
}

/* `base` with the items of `add` added and those of `del` removed (NULL: none). Owned. */
static char *merge_scope(const char *base, const char *add, const char *del)
{
    yz_buf b;
    yz_buf_init(&b);
    const char *lists[2] = {base, add};
    for (int k = 0; k < 2; k++)
        for (const char *p = lists[k]; p && *p;) {
            const char *e = strchr(p, ',');
            size_t len = e ? (size_t)(e - p) : strlen(p);
            if (len && !(del && yz_list_has(del, p, len)) && !(b.len && yz_list_has(b.data, p, len))) {
                if (b.len)
                    yz_buf_putc(&b, ',');
                yz_buf_append(&b, p, len);
            }
            p = e ? e + 1 : NULL;
        }
    char *s = yz_strdup(b.len ? b.data : "");
    yz_buf_fini(&b);
    return s;
}

static int cmd_roles(yz_store *st, yz_user *u, yz_grant *grant, int ngrant, yz_grant *revoke,
                     int nrevoke)
{
    yz_errinfo ei;
    if (!ngrant && !nrevoke) {
        print_user(u);
        return 0;
    }
    yz_grant g[YZ_ROLE__COUNT];
    size_t n = 0;
    for (size_t i = 0; i < u->ngrants; i++) {
        g[n].role = u->grants[i].role;
        g[n++].scope = yz_strdup(u->grants[i].scope);
    }
    for (int k = 0; k < ngrant; k++) {
        size_t i = 0;
        while (i < n && g[i].role != grant[k].role)
            i++;
        if (i == n) {
            g[n].role = grant[k].role;
            g[n++].scope = yz_strdup("");
        }
        char *m = merge_scope(g[i].scope, grant[k].scope, NULL);
        yz_free(g[i].scope);
        g[i].scope = m;
    }
    for (int k = 0; k < nrevoke; k++)
        for (size_t i = 0; i < n; i++) {
            if (g[i].role != revoke[k].role)
                continue;
            /* ROLE alone revokes the role; ROLE:SCOPE those items (the role with none left) */
            char *m = merge_scope(g[i].scope, NULL, revoke[k].scope[0] ? revoke[k].scope : g[i].scope);
            yz_free(g[i].scope);
            if (m[0]) {
                g[i].scope = m;
            } else {
                yz_free(m);
                g[i] = g[--n];
            }
            break;
        }
    yz_user_patch p = {.disabled = -1, .set_grants = true, .grants = g, .ngrants = n};
    yz_user out;
    yz_user_init(&out);
    int err = yz_store_user_update(st, u->id, 0, &p, &out, &ei);
    for (size_t i = 0; i < n; i++)
        yz_free(g[i].scope);
    if (err)
        return yz__cli_fail(&ei);
    print_user(&out);
    yz_user_fini(&out);
    return 0;
}

/* The user as the audit log keeps it (no password hash). Returns owned JSON. */
static char *user_json(const yz_user *u)
{
    yz_buf b;
    yz_buf_init(&b);
    yz_buf_printf(&b, "{\"id\":%lld", (long long)u->id);
    yz_buf_json_member_str(&b, "login", u->login);
    yz_buf_json_member_str(&b, "name", u->name ? u->name : "");
    yz_buf_printf(&b, ",\"disabled\":%s,\"version\":%lld,\"roles\":[",
                  u->disabled ? "true" : "false", (long long)u->version);
    for (size_t i = 0; i < u->ngrants; i++) {
        yz_buf_printf(&b, "%s{\"role\":\"%s\"", i ? "," : "", yz_role_name(u->grants[i].role));
        yz_buf_json_member_str(&b, "scope", u->grants[i].scope ? u->grants[i].scope : "");
        yz_buf_putc(&b, '}');
    }
    yz_buf_puts(&b, "]}");
    return yz_buf_take(&b);
}

int yz__cli_user(int argc, char **argv)
{
    static const struct option opts[] = {{"db", required_argument, 0, 'd'},
                                         {"name", required_argument, 0, 'n'},
                                         {"role", required_argument, 0, 'r'},
                                         {"grant", required_argument, 0, 'g'},
                                         {"revoke", required_argument, 0, 'x'},
                                         {"random", no_argument, 0, 'R'},
                                         {0, 0, 0, 0}};
    if (argc < 2)
        return usage_error("user 需要子命令 / user needs a subcommand");
    const char *sub = argv[1];
    const char *db = DEFAULT_DB, *name = "";
    yz_grant grants[MAX_ROLE_ARGS], revokes[MAX_ROLE_ARGS];
    int ng = 0, nr = 0;
    bool random = false;
    int c;
    optind = 1;
    while ((c = getopt_long(argc - 1, argv + 1, "", opts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'n': name = optarg; break;
        case 'R': random = true; break;
        case 'r':
        case 'g':
            if (ng == MAX_ROLE_ARGS || parse_role_arg(optarg, &grants[ng]))
                return 2;
            ng++;
            break;
        case 'x':
            if (nr == MAX_ROLE_ARGS || parse_role_arg(optarg, &revokes[nr]))
                return 2;
            nr++;
            break;
        default: return usage_error("未知选项 / unknown option");
        }
    }
    int npos = argc - 1 - optind;
    char **pos = argv + 1 + optind;
    bool list = !strcmp(sub, "list");
    if (!list && strcmp(sub, "add") && strcmp(sub, "passwd") && strcmp(sub, "disable") &&
        strcmp(sub, "enable") && strcmp(sub, "roles"))
        return usage_error("未知子命令 / unknown subcommand");
    if (npos != (list ? 0 : 1))
        return usage_error(list ? "list 不接受参数 / list takes no arguments"
                                : "需要一个登录名 / give one LOGIN");
    const char *login = list ? NULL : pos[0];
    yz_store *st = NULL;
    yz_errinfo ei;
    yz_user u;
    yz_user_init(&u);
    int rc = 0;
    char hash[YZ_PWHASH_STR_BYTES], shown[32] = "";
    char *before = NULL; /* the user as it was, for the audit log */
    yz_err_clear(&ei);
    if (yz_store_open(db, &st, &ei))
        return yz__cli_fail(&ei);
    if (list) {
        yz_user *a = NULL;
        size_t n = 0;
        if (yz_store_user_list(st, &a, &n, &ei)) {
            rc = yz__cli_fail(&ei);
            goto out;
        }
        printf("id\tlogin\tname\tstatus\troles\n");
        for (size_t i = 0; i < n; i++)
            print_user(&a[i]);
        yz_users_free(a, n);
        goto out;
    }
    if (!strcmp(sub, "add")) {
        if ((rc = yz_user_check_login(login, &ei) ? yz__cli_fail(&ei) : 0) != 0)
            goto out;
        if ((rc = new_password(login, random, hash, shown)) != 0)
            goto out;
        if (yz_store_user_create(st, login, name, hash, grants, (size_t)ng, &u, &ei)) {
            rc = yz__cli_fail(&ei);
            goto out;
        }
        printf("已创建 / created: ");
        print_user(&u);
        goto out;
    }
    if (yz_store_user_by_login(st, login, &u, NULL, &ei)) {
        rc = yz__cli_fail(&ei);
        goto out;
    }
    before = user_json(&u);
    if (!strcmp(sub, "roles")) {
        rc = cmd_roles(st, &u, grants, ng, revokes, nr);
        goto out;
    }
    yz_user_patch p = {.disabled = -1};
    if (!strcmp(sub, "passwd")) {
        if ((rc = new_password(u.login, random, hash, shown)) != 0)
            goto out;
        p.pw_hash = hash; /* ends every session of the user */
    } else {
        p.disabled = !strcmp(sub, "disable"); /* disabling ends every session at once */
    }
    if (yz_store_user_update(st, u.id, 0, &p, &u, &ei)) {
        rc = yz__cli_fail(&ei);
        goto out;
    }
    print_user(&u);
out:
    if (!list) { /* the audit log: every change, and every failed attempt */
        char action[32];
        snprintf(action, sizeof action, "cli:user %s", sub);
        char *after = NULL;
        yz_user now;
        yz_user_init(&now);
        yz_errinfo rei;
        if (!rc && u.id && yz_store_user_get(st, u.id, &now, &rei) == YZ_OK)
            after = user_json(&now);
        yz__cli_audit(st, action, "user", u.id, before, after, rc, ei.msg_en);
        yz_user_fini(&now);
        yz_free(after);
    }
    yz_free(before);
    if (!rc && shown[0])
        printf("一次性密码 / one-time password for %s: %s\n", u.login, shown);
    sodium_memzero(shown, sizeof shown);
    yz_user_fini(&u);
    yz_store_close(st);
    return rc;
}

int yz__cli_permissions(int argc, char **argv)
{
    yz_buf b;
    yz_buf_init(&b);
    if (argc == 2 && !strcmp(argv[1], "--markdown")) {
        yz_api_permissions_markdown(&b);
    } else if (argc == 2 && !strcmp(argv[1], "--tsv")) {
        yz_api_permissions_tsv(&b);
    } else {
        fputs("用法 / usage: yizhan permissions --markdown | --tsv\n", stderr);
        return 2;
    }
    fwrite(b.data, 1, b.len, stdout);
    yz_buf_fini(&b);
    return 0;
}
