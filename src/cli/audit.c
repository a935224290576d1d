/* SPDX-License-Identifier: MIT */
/* cli/audit.c - the CLI's side of the audit log (docs/internals/audit.md): the entry every
 * writing command leaves (actor "cli" and the OS user), and `yizhan audit`, which reads the
 * log with the API's filters, as a table or as CSV. */
#include "cli/cli.h"

#include "core/alloc.h"
#include "core/buf.h"
#include "core/time.h"
#include "exchange/exchange.h"
#include "store/audit.h"
#include "store/users.h"

#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DEFAULT_DB "var/yizhan.db"

void yz__cli_audit(yz_store *st, const char *action, const char *record_kind, int64_t record_id,
                   const char *before, const char *after, int rc, const char *reason)
{
    if (!st)
        return;
    const struct passwd *pw = getpwuid(geteuid());
    const char *os_user = pw && pw->pw_name ? pw->pw_name : getenv("USER");
    yz_audit_entry e;
    yz_audit_entry_init(&e);
    e.actor_kind = (char *)"cli";
    e.login = (char *)(os_user ? os_user : "");
    e.action = (char *)action;
    e.record_kind = (char *)(record_kind ? record_kind : "");
    e.record_id = record_id;
    e.before_json = (char *)before;
    e.after_json = (char *)after;
    e.outcome = (char *)(rc == 0 ? "ok" : "failed");
    e.status = rc;
    e.reason = (char *)(rc && reason ? reason : "");
    yz_errinfo ei;
    yz_err_clear(&ei);
    if (yz_store_audit_append(st, &e, NULL, &ei))
        fprintf(stderr, "yizhan: 审计日志未写入 / audit entry not written: %s\n", ei.msg_en);
}

static int usage(const char *what)
{
    fprintf(stderr,
            "yizhan: %s\n"
            "用法 / usage: yizhan audit [--db DB] [--user LOGIN|ID] [--record KIND:ID] "
            "[--district CODE] [--action NAME] [--since DATE] [--until DATE] [--limit N] [--csv]\n",
            what);
    return 2;
}

static int parse_date(const char *s, int64_t *out)
{
    char buf[40];
    /* a date alone is its midnight in China (+08:00), as in the API */
    snprintf(buf, sizeof buf, strlen(s) == 10 ? "%sT00:00:00" : "%s", s);
    return yz_time_parse_iso8601(buf, 480, out);
}

int yz__cli_audit_cmd(int argc, char **argv)
{
    static const struct option opts[] = {
        {"db", required_argument, 0, 'd'},     {"user", required_argument, 0, 'u'},
        {"record", required_argument, 0, 'r'}, {"district", required_argument, 0, 'D'},
        {"action", required_argument, 0, 'a'}, {"since", required_argument, 0, 's'},
        {"until", required_argument, 0, 't'},  {"limit", required_argument, 0, 'l'},
        {"csv", no_argument, 0, 'c'},          {0, 0, 0, 0}};
    const char *db = DEFAULT_DB, *user = NULL, *record = NULL;
    bool csv = false;
    yz_audit_filter f;
    yz_audit_filter_init(&f);
    f.limit = 100;
    char kind[32];
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'u': user = optarg; break;
        case 'r': record = optarg; break;
        case 'D':
            f.districts[0] = optarg;
            f.ndistricts = 1;
            break;
        case 'a': f.action = optarg; break;
        case 's':
            if (parse_date(optarg, &f.from))
                return usage("--since 须为日期 / --since must be a date (YYYY-MM-DD)");
            break;
        case 't':
            if (parse_date(optarg, &f.to))
                return usage("--until 须为日期 / --until must be a date (YYYY-MM-DD)");
            break;
        case 'l': {
            char *end = NULL;
            long n = strtol(optarg, &end, 10);
            if (*end || n < 1 || n > YZ_AUDIT_LIMIT_MAX)
                return usage("--limit 须在 1..1000 / --limit must be 1..1000");
            f.limit = (int)n;
            break;
        }
        case 'c': csv = true; break;
        default: return usage("未知选项 / unknown option");
        }
    }
    if (optind != argc)
        return usage("多余的参数 / unexpected argument");
    if (record) {
        const char *colon = strchr(record, ':');
        int64_t id = 0;
        size_t len = colon ? (size_t)(colon - record) : 0;
        if (!colon || !len || len >= sizeof kind || !yz_parse_id(colon + 1, strlen(colon + 1), &id))
            return usage("--record 须为 类型:编号 / --record must be KIND:ID (station:12)");
        memcpy(kind, record, len);
        kind[len] = 0;
        f.record_kind = kind;
        f.record_id = id;
    }
    yz_store *st = NULL;
    yz_errinfo ei;
    int rc = 0;
    if (yz_store_open(db, &st, &ei))
        return yz__cli_fail(&ei);
    if (user) {
        int64_t id = 0;
        yz_user u;
        yz_user_init(&u);
        if (yz_parse_id(user, strlen(user), &id))
            f.user_id = id;
        else if (yz_store_user_by_login(st, user, &u, NULL, &ei) == YZ_OK)
            f.user_id = u.id;
        else
            f.login = user; /* the OS user of CLI entries, or a login no user has */
        yz_user_fini(&u);
    }
    yz_audit_entry *v = NULL;
    size_t n = 0;
    if (yz_store_audit_list(st, &f, &v, &n, &ei)) {
        rc = yz__cli_fail(&ei);
        goto out;
    }
    yz_buf b;
    yz_buf_init(&b);
    if (csv)
        yz_buf_puts(&b, "\xEF\xBB\xBF"
                        "id,at,actor_kind,user_id,login,addr,action,record_kind,record_id,"
                        "district,outcome,status,reason,before,after\r\n");
    else
        yz_buf_puts(&b, "id\tat\tactor\taction\trecord\tdistrict\toutcome\tstatus\treason\n");
    for (size_t i = 0; i < n; i++) {
        const yz_audit_entry *e = &v[i];
        char iso[32];
        yz_time_format_iso8601(e->at, 480, iso);
        if (!csv) {
            yz_buf_printf(&b, "%lld\t%s\t%s:%s\t%s\t%s:%lld\t%s\t%s\t%d\t%s\n", (long long)e->id,
                          iso, e->actor_kind, e->login ? e->login : "", e->action,
                          e->record_kind ? e->record_kind : "", (long long)e->record_id,
                          e->district ? e->district : "", e->outcome, e->status,
                          e->reason ? e->reason : "");
            continue;
        }
        const char *cells[] = {iso, e->actor_kind, NULL, e->login, e->addr, e->action,
                               e->record_kind, NULL, e->district, e->outcome, NULL, e->reason,
                               e->before_json, e->after_json};
        yz_buf_printf(&b, "%lld", (long long)e->id);
        for (size_t k = 0; k < sizeof cells / sizeof cells[0]; k++) {
            yz_buf_putc(&b, ',');
            if (k == 2 && e->user_id)
                yz_buf_printf(&b, "%lld", (long long)e->user_id);
            else if (k == 7 && e->record_id)
                yz_buf_printf(&b, "%lld", (long long)e->record_id);
            else if (k == 10)
                yz_buf_printf(&b, "%d", e->status);
            else if (k != 2 && k != 7)
                yz_exchange_csv_cell(&b, cells[k]);
        }
        yz_buf_puts(&b, "\r\n");
    }
    fwrite(b.data, 1, b.len, stdout);
    yz_buf_fini(&b);
    yz_audit_entries_free(v, n);
out:
    yz_store_close(st);
    return rc;
}
