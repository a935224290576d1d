/* SPDX-License-Identifier: MIT */
/* cli/main.c - the yizhan command: serve | demo | import | export | near | search | backup |
 * moderation train | purge-visits (and user, permissions: cli/user.c). Every command uses the
 * same modules as the server (store, catalog, exchange). */
#include "api/api.h"
#include "catalog/catalog.h"
#include "catalog/classifier.h"
#include "cli/cli.h"
#include "core/alloc.h"
#include "core/log.h"
#include "core/pwhash.h"
#include "core/time.h"
#include "demo/city.h"
#include "demo/devices.h"
#include "demo/events.h"
#include "demo/inspections.h"
#include "demo/meals.h"
#include "demo/project.h"
#include "demo/visits.h"
#include "exchange/exchange.h"
#include "geo/nav.h"
#include "http/server.h"
#include "mqtt/mqtt.h"
#include "model/station.h"
#include "state/state.h"
#include "store/classifier.h"
#include "store/photos.h"
#include "store/store.h"
#include "store/rollups.h"
#include "store/visits.h"

#include <assert.h>
#include <errno.h>
#include <getopt.h>
#include <sodium.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_DB "var/yizhan.db"

static const char usage[] =
    "用法 / usage: yizhan <command> [options]\n"
    "  serve   [--db PATH] [--port N] [--bind ADDR] [--threads N] [--config FILE]\n"
    "          [--port-file FILE] [--public-url URL] [--writes-per-min N]\n"
    "          [--shed-inflight N] [--max-conns N] [--conns-per-addr N (0: no limit)]\n"
    "          [--expensive-slots N] [--header-timeout S] [--idle-timeout S]\n"
    "          [--workers-per-hour N]\n"
    "          [--reports-per-hour N] [--visit-retention-days N]\n"
    "          [--readings-days N] [--live-max-age SECONDS]\n"
    "          [--web-root DIR]       (default: build/web here, or beside the binary)\n"
    "          [--photo-dir DIR]      photo files of a SQLite store (default: photos/ beside it)\n"
    "          [--target-benchmark F] [--target-smart24h F]  (tier shares aimed at: 0.10, 0.15)\n"
    "          [--session-idle S] [--session-max S]  (sessions: 7200 s unused, 43200 s in all)\n"
    "          [--trusted-proxies ADDR,...]  proxies whose X-Real-IP names the client\n"
    "          [--task-day-s S] [--task-sweep-s S] [--webhook-url URL] [--webhook-kind wecom|dingtalk]\n"
    "          [--mqtt-url mqtt://HOST:PORT] [--mqtt-user NAME] [--mqtt-client-id ID]\n"
    "                                 device readings from a Mosquitto broker (its password:\n"
    "                                 YZ_MQTT_PASSWORD in the environment; off when no URL)\n"
    "          [--alarm-eval-s S]     alarms evaluated every S s (15; 0: only when asked, tests)\n"
    "                                 serve the API. Staff log in with accounts (yizhan user);\n"
    "                                 an admin token for scripts, acting as city_admin, is an\n"
    "                                 opt-in: YIZHAN_ADMIN_TOKEN in the environment. Every flag\n"
    "                                 has a key in the --config file (yizhan.conf(5)); flags win\n"
    "  demo    [--db PATH] [--seed N] [--history] [--devices]\n"
    "          load the demo city (Wenzhou): stations, canteens, events past and coming;\n"
    "          --history adds the year before (over a million counted visits, the\n"
    "          inspections and a week of self-checks; several seconds more); --devices:\n"
    "          cabinets, counters, doors, air conditioners at the smart stations\n"
    "  simulate [--db PATH] [--mqtt-url mqtt://HOST:PORT] [--speed X] [--seconds N]\n"
    "          [--seed N] [--start HH:MM] [--month M] [--print]\n"
    "          the demo's devices publish signed readings through the broker: realistic\n"
    "          days, X times faster; --print writes them to stdout instead\n"
    "  import  [--db PATH] [--timings] FILE.csv|FILE.geojson\n"
    "          all rows or none; updates by code; --timings: where the time went (stderr)\n"
    "  export  [--db PATH] --format csv|geojson [--out FILE]\n"
    "  near    [--db PATH] LAT LON [--need a,b] [--k N] [--crs wgs84|gcj02|bd09]\n"
    "          [--at ISO-8601] [--open-now] [--mode ride|walk|drive]\n"
    "          (put -- before negative coordinates: near -- -33.9 151.2)\n"
    "  search  [--db PATH] TEXT [--lat LAT --lon LON]\n"
    "  backup  [--db PATH] OUT.db      a consistent, checked copy, also while serving\n"
    "  moderation train [--db PATH] FILE.tsv\n"
    "          teach the moderation classifier labelled texts, one a line: spam|ham<TAB>text\n"
    "          (\\n in a text is a newline; lines starting with # are comments)\n"
    "  purge-visits [--db PATH] [--retention-days N]   delete check-ins older than N days\n"
    "          (default 400), keeping their daily counts (the server does it hourly)\n"
    "  stats rebuild [--db PATH]      build the dashboard's daily roll-ups again from the visits\n"
    "  user    add LOGIN [--name N] [--role ROLE[:SCOPE,...]]... [--random]\n"
    "          passwd LOGIN [--random] | disable LOGIN | enable LOGIN | list\n"
    "          roles LOGIN [--grant ROLE[:SCOPE,...]]... [--revoke ROLE]...\n"
    "          (all take --db; the password is read from stdin, or asked without echo)\n"
    "  devices add --station CODE --kind KIND [--name N] [--db PATH]   register a device\n"
    "                  (prints its id and key); devices list [--station CODE] [--db PATH]\n"
    "          devices export-acl [--db PATH] --passwd FILE --acl FILE [--user NAME]\n"
    "          the broker's password file (each enabled device: its id and key; yizhan's own\n"
    "          account, password YZ_MQTT_PASSWORD) and its ACL; then reload the broker\n"
    "  checklists load [--db PATH] FILE.json   a standard or self-check list: checked, all or\n"
    "          nothing, a new version when it changed | list [--db PATH]  every version\n"
    "  permissions --markdown | --tsv  the permission table (docs/internals/permissions.md)\n"
    "  audit   [--db PATH] [--user LOGIN|ID] [--record KIND:ID] [--district CODE]\n"
    "          [--action NAME] [--since DATE] [--until DATE] [--limit N] [--csv]\n"
    "          the audit log, newest first (docs/internals/audit.md)\n"
    "  --db: a SQLite file (default " DEFAULT_DB ") or a PostgreSQL URI\n"
    "        (postgresql://user@host:5432/dbname) shared by several yizhan nodes\n";

int yz__cli_fail(const yz_errinfo *ei)
{
    fprintf(stderr, "yizhan: %s\nyizhan: %s", ei->msg, ei->msg_en);
    if (ei->field[0])
        fprintf(stderr, " (field: %s)", ei->field);
    fputc('\n', stderr);
    return 1;
}

static int bad_usage(const char *what)
{
    if (what)
        fprintf(stderr, "yizhan: %s\n", what);
    fputs(usage, stderr);
    return 2;
}

static int open_store(const char *db, yz_store **st)
{
    yz_errinfo ei;
    if (yz_store_open(db, st, &ei))
        return yz__cli_fail(&ei);
    return 0;
}

/* --- serve ---------------------------------------------------------------------------------- */

/* The database URI as it may be logged: a password in "scheme://user:password@host" is
 * replaced by "***". */
static const char *redact_uri(const char *db, char *out, size_t n)
{
    const char *scheme = strstr(db, "://");
    const char *at = scheme ? strchr(scheme + 3, '@') : NULL;
    const char *colon = scheme ? strchr(scheme + 3, ':') : NULL;
    if (!at || !colon || colon > at)
        return db;
    snprintf(out, n, "%.*s:***%s", (int)(colon - db), db, at);
    return out;
}

typedef struct serve_opts {
    const char *db;
    int port;
    const char *bind;
    int threads;
    const char *port_file;
    char *token; /* owned */
    const char *public_url;
    double per_min_token, per_min_ip;
    double workers_per_hour; /* worker tokens minted per address an hour; 0 = the default */
    int shed_inflight;
    int max_conns;
    int conns_per_addr; /* 0: the default, -1: no limit */
    int expensive_slots;
    int header_timeout_s;
    int idle_timeout_s;
    double reports_per_hour_ip;
    int visit_retention_days;
    int readings_days;  /* device readings kept; 0: the api's default (7) */
    int live_max_age_s; /* live values older than this are unknown; 0: 600 */
    double target_benchmark, target_smart24h; /* 0: the api's defaults */
    const char *web_root;                     /* NULL: look for build/web (default_web_root) */
    const char *photo_dir;             /* NULL: photos/ beside a SQLite database (store/photos.h) */
    int session_idle_s, session_max_s; /* 0: the api's defaults */
    int task_day_s, task_sweep_s;      /* 0: the api's defaults */
    int alarm_eval_s;                  /* -1: the api's default; 0: only when asked (tests) */
    const char *webhook_url;           /* NULL: no webhook */
    int webhook_kind;                  /* enum yz_webhook_kind */
    const char *trusted_proxies;       /* NULL: none (yz_http_config) */
    const char *mqtt_url;              /* NULL: no MQTT subscriber */
    const char *mqtt_user;             /* NULL: "yizhan" */
    const char *mqtt_client_id;        /* NULL: "yizhan-<hostname>" */
    char *owned[64];                   /* the config file's string values, freed at the end */
    size_t n_owned;
} serve_opts;

/* "wecom" or "dingtalk" into *kind; false for anything else. */
static bool webhook_kind_of(const char *s, int *kind)
{
    if (!strcmp(s, "wecom"))
        *kind = YZ_WEBHOOK_WECOM;
    else if (!strcmp(s, "dingtalk"))
        *kind = YZ_WEBHOOK_DINGTALK;
    else
        return false;
    return true;
}

/* How a serve option's value is checked. */
enum opt_kind {
    OPT_STR,    /* any text but empty */
    OPT_DB,     /* a SQLite path or a PostgreSQL URI; in the file, without a password */
    OPT_INT,    /* an integer in [min, max] */
    OPT_NUM,    /* a number in (min, max] */
    OPT_HOOK,   /* wecom | dingtalk */
    OPT_SECRET, /* from the environment only (`env`): refused in the file */
};

/* One row per serve option: its key in the config file (docs/deploy/yizhan.conf), its flag
 * (NULL: the file only), how the value is checked and where it goes. Every flag of serve but
 * --config is a row, so every flag has its key. */
typedef struct serve_key {
    const char *key;
    const char *flag;
    const char *old_key; /* an earlier name, still read; NULL when none */
    enum opt_kind kind;
    double min, max;
    size_t off, off2; /* offsetof(serve_opts, ...); off2: a second field set alike, or 0 */
    const char *env;  /* OPT_SECRET: the variable to use instead */
} serve_key;

#define O(f) offsetof(serve_opts, f)
static const serve_key serve_keys[] = {
    {"db", "db", NULL, OPT_DB, 0, 0, O(db), 0, NULL},
    {"port", "port", NULL, OPT_INT, 0, 65535, O(port), 0, NULL},
    {"bind", "bind", NULL, OPT_STR, 0, 0, O(bind), 0, NULL},
    {"threads", "threads", NULL, OPT_INT, 0, 4096, O(threads), 0, NULL},
    {"port_file", "port-file", NULL, OPT_STR, 0, 0, O(port_file), 0, NULL},
    {"public_url", "public-url", NULL, OPT_STR, 0, 0, O(public_url), 0, NULL},
    {"writes_per_min", "writes-per-min", NULL, OPT_NUM, 0, 1e9, O(per_min_token), O(per_min_ip),
     NULL},
    {"writes_per_min_token", NULL, NULL, OPT_NUM, 0, 1e9, O(per_min_token), 0, NULL},
    {"writes_per_min_ip", NULL, NULL, OPT_NUM, 0, 1e9, O(per_min_ip), 0, NULL},
    {"shed_inflight", "shed-inflight", NULL, OPT_INT, 1, 1000000, O(shed_inflight), 0, NULL},
    {"max_conns", "max-conns", NULL, OPT_INT, 1, 1000000, O(max_conns), 0, NULL},
    {"conns_per_addr", "conns-per-addr", NULL, OPT_INT, 0, 1000000, O(conns_per_addr), 0, NULL},
    {"expensive_slots", "expensive-slots", NULL, OPT_INT, 1, 100000, O(expensive_slots), 0, NULL},
    {"header_timeout", "header-timeout", NULL, OPT_INT, 1, 3600, O(header_timeout_s), 0, NULL},
    {"idle_timeout", "idle-timeout", NULL, OPT_INT, 1, 3600, O(idle_timeout_s), 0, NULL},
    {"workers_per_hour", "workers-per-hour", "workers_per_hour_ip", OPT_NUM, 0, 1e9,
     O(workers_per_hour), 0, NULL},
    {"reports_per_hour", "reports-per-hour", "reports_per_hour_ip", OPT_NUM, 0, 1e9,
     O(reports_per_hour_ip), 0, NULL},
    {"visit_retention_days", "visit-retention-days", NULL, OPT_INT, 1, 36500,
     O(visit_retention_days), 0, NULL},
    {"readings_days", "readings-days", NULL, OPT_INT, 1, 3650, O(readings_days), 0, NULL},
    {"live_max_age", "live-max-age", NULL, OPT_INT, 10, 86400, O(live_max_age_s), 0, NULL},
    {"web_root", "web-root", NULL, OPT_STR, 0, 0, O(web_root), 0, NULL},
    {"photo_dir", "photo-dir", NULL, OPT_STR, 0, 0, O(photo_dir), 0, NULL},
    {"target_benchmark", "target-benchmark", NULL, OPT_NUM, 0, 1, O(target_benchmark), 0, NULL},
    {"target_smart24h", "target-smart24h", NULL, OPT_NUM, 0, 1, O(target_smart24h), 0, NULL},
    {"session_idle", "session-idle", NULL, OPT_INT, 1, 2592000, O(session_idle_s), 0, NULL},
    {"session_max", "session-max", NULL, OPT_INT, 1, 2592000, O(session_max_s), 0, NULL},
    {"task_day_s", "task-day-s", NULL, OPT_INT, 1, 86400, O(task_day_s), 0, NULL},
    {"task_sweep_s", "task-sweep-s", NULL, OPT_INT, 1, 86400, O(task_sweep_s), 0, NULL},
    {"alarm_eval_s", "alarm-eval-s", NULL, OPT_INT, 0, 3600, O(alarm_eval_s), 0, NULL},
    {"webhook_url", "webhook-url", NULL, OPT_SECRET, 0, 0, O(webhook_url), 0, "YIZHAN_WEBHOOK_URL"},
    {"webhook_kind", "webhook-kind", NULL, OPT_HOOK, 0, 0, O(webhook_kind), 0, NULL},
    {"trusted_proxies", "trusted-proxies", NULL, OPT_STR, 0, 0, O(trusted_proxies), 0, NULL},
    {"admin_token", NULL, NULL, OPT_SECRET, 0, 0, 0, 0, "YIZHAN_ADMIN_TOKEN"},
    {"mqtt_url", "mqtt-url", NULL, OPT_STR, 0, 0, O(mqtt_url), 0, NULL},
    {"mqtt_user", "mqtt-user", NULL, OPT_STR, 0, 0, O(mqtt_user), 0, NULL},
    {"mqtt_client_id", "mqtt-client-id", NULL, OPT_STR, 0, 0, O(mqtt_client_id), 0, NULL},
    {"mqtt_password", NULL, NULL, OPT_SECRET, 0, 0, 0, 0, "YZ_MQTT_PASSWORD"},
};
#undef O
#define N_SERVE_KEYS (sizeof serve_keys / sizeof serve_keys[0])

/* Whether a database URI carries a password ("scheme://user:password@host", or a
 * "password=" parameter). */
static bool uri_has_password(const char *db)
{
    const char *scheme = strstr(db, "://");
    if (!scheme)
        return false;
    const char *at = strchr(scheme + 3, '@');
    const char *colon = strchr(scheme + 3, ':');
    if (at && colon && colon < at)
        return true;
    return strstr(db, "password=") != NULL;
}

/* Check `v` for the option `k` and store it in `o` (a string is borrowed: the caller keeps it
 * alive). `in_file`: the value comes from the config file, where secrets are refused. On an
 * error writes the reason, Chinese then English, into zh/en and returns -1. */
static int set_option(serve_opts *o, const serve_key *k, const char *v, bool in_file, char *zh,
                      char *en, size_t n)
{
    char *base = (char *)o, *end;
    if (!*v && k->kind != OPT_SECRET) {
        snprintf(zh, n, "值为空（删去此行即用默认值）");
        snprintf(en, n, "empty value (remove the line for the default)");
        return -1;
    }
    switch (k->kind) {
    case OPT_DB:
        if (in_file && uri_has_password(v)) {
            snprintf(zh, n,
                     "数据库密码不可写在配置文件中：请用环境变量 PGPASSWORD 或 "
                     "PGPASSFILE（libpq 读取）");
            snprintf(en, n,
                     "a database password does not belong in the config file: use "
                     "PGPASSWORD or PGPASSFILE in the environment (libpq reads them)");
            return -1;
        }
        /* fall through */
    case OPT_STR: *(const char **)(base + k->off) = v; return 0;
    case OPT_INT: {
        errno = 0;
        long x = strtol(v, &end, 10);
        if (errno || end == v || *end || x < k->min || x > k->max) {
            snprintf(zh, n, "须为 %.0f..%.0f 的整数（现为 “%s”）", k->min, k->max, v);
            snprintf(en, n, "must be an integer in %.0f..%.0f (got \"%s\")", k->min, k->max, v);
            return -1;
        }
        *(int *)(base + k->off) = (int)x;
        if (k->off == offsetof(serve_opts, conns_per_addr) && x == 0)
            o->conns_per_addr = -1; /* 0: no limit */
        return 0;
    }
    case OPT_NUM: {
        double x = strtod(v, &end);
        if (end == v || *end || !(x > k->min && x <= k->max)) {
            snprintf(zh, n, "须为 (%.10g, %.10g] 之间的数（现为 “%s”）", k->min, k->max, v);
            snprintf(en, n, "must be a number in (%.10g, %.10g] (got \"%s\")", k->min, k->max, v);
            return -1;
        }
        *(double *)(base + k->off) = x;
        if (k->off2)
            *(double *)(base + k->off2) = x;
        return 0;
    }
    case OPT_HOOK:
        if (!webhook_kind_of(v, (int *)(base + k->off))) {
            snprintf(zh, n, "须为 wecom 或 dingtalk（现为 “%s”）", v);
            snprintf(en, n, "must be wecom or dingtalk (got \"%s\")", v);
            return -1;
        }
        return 0;
    case OPT_SECRET:
        if (in_file) {
            snprintf(zh, n, "密钥不可写在配置文件中：请用环境变量 %s", k->env);
            snprintf(en, n,
                     "a secret does not belong in the config file: set %s in the "
                     "environment",
                     k->env);
            return -1;
        }
        *(const char **)(base + k->off) = v;
        return 0;
    }
    return 0;
}

/* The row of serve_keys named `key` (which must be one). */
static size_t key_index(const char *key)
{
    size_t i = 0;
    while (i < N_SERVE_KEYS && strcmp(serve_keys[i].key, key))
        i++;
    assert(i < N_SERVE_KEYS);
    return i;
}

/* Read the config file (docs/deploy/yizhan.conf, yizhan.conf(5)): `key = value` lines, '#'
 * starting a comment line, blank lines ignored. Every key at most once; an unknown key, a bad
 * or out-of-range value or a secret is an error naming the file, the line and the key.
 * Returns 0, or 1 after printing the error. */
static int read_config(const char *path, serve_opts *o)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "yizhan: 无法读取配置文件 / cannot read config %s: %s\n", path,
                strerror(errno));
        return 1;
    }
    int seen[N_SERVE_KEYS] = {0}; /* the line of each key, 0: not yet */
    char line[4096], zh[300], en[300];
    int lineno = 0, rc = 0;
    while (!rc && fgets(line, sizeof line, f)) {
        lineno++;
        if (!strchr(line, '\n') && !feof(f)) {
            fprintf(stderr, "yizhan: %s:%d: 行过长 / line too long (max %zu bytes)\n", path, lineno,
                    sizeof line - 2);
            rc = 1;
            break;
        }
        char *p = line + strspn(line, " \t");
        if (*p == '#' || *p == '\n' || *p == '\r' || !*p)
            continue;
        char *eq = strchr(p, '=');
        if (!eq) {
            fprintf(stderr, "yizhan: %s:%d: 需要 key = value / expected key = value\n", path,
                    lineno);
            rc = 1;
            break;
        }
        char *k = p, *v = eq + 1, *ke = eq;
        while (ke > k && (ke[-1] == ' ' || ke[-1] == '\t'))
            ke--;
        *ke = '\0';
        v += strspn(v, " \t");
        v[strcspn(v, "\r\n")] = '\0';
        for (size_t n = strlen(v); n && (v[n - 1] == ' ' || v[n - 1] == '\t'); n--)
            v[n - 1] = '\0';
        size_t i = 0;
        while (i < N_SERVE_KEYS && strcmp(k, serve_keys[i].key) &&
               !(serve_keys[i].old_key && !strcmp(k, serve_keys[i].old_key)))
            i++;
        if (i == N_SERVE_KEYS) {
            fprintf(stderr, "yizhan: %s:%d: %s: 未知配置项 / unknown key (yizhan.conf(5))\n", path,
                    lineno, k);
            rc = 1;
        } else if (seen[i]) {
            fprintf(stderr,
                    "yizhan: %s:%d: %s: 重复的配置项，第 %d 行已设置 / duplicate key, "
                    "already set on line %d\n",
                    path, lineno, k, seen[i], seen[i]);
            rc = 1;
        } else if (o->n_owned == sizeof o->owned / sizeof o->owned[0]) {
            rc = 1; /* cannot happen: a key is set once and there are fewer keys than room */
        } else {
            seen[i] = lineno;
            char *val = yz_strdup(v);
            o->owned[o->n_owned++] = val;
            if (set_option(o, &serve_keys[i], val, true, zh, en, sizeof zh)) {
                fprintf(stderr, "yizhan: %s:%d: %s: %s / %s\n", path, lineno, k, zh, en);
                rc = 1;
            }
        }
    }
    fclose(f);
    /* writes_per_min sets both limits: giving one of them as well would depend on the order */
    size_t both = key_index("writes_per_min"), tok = key_index("writes_per_min_token"),
           ip = key_index("writes_per_min_ip");
    if (!rc && seen[both] && (seen[tok] || seen[ip])) {
        int l = seen[tok] ? seen[tok] : seen[ip];
        const char *key = serve_keys[seen[tok] ? tok : ip].key;
        fprintf(stderr,
                "yizhan: %s:%d: %s: 与第 %d 行的 writes_per_min 冲突 / conflicts with "
                "writes_per_min on line %d\n",
                path, l, key, seen[both], seen[both]);
        rc = 1;
    }
    return rc;
}

/* The built web app when no --web-root is given: build/web under the working folder (make run
 * runs from the repository), else ../build/web beside the binary (bin/yizhan, build/san/yizhan
 * -> ../../build/web), else ../share/yizhan/web beside it (the Debian package: /usr/bin/yizhan
 * -> /usr/share/yizhan/web). Writes the folder into `out`; "" when none has an index.html. */
static void default_web_root(char *out, size_t n)
{
    out[0] = '\0';
    if (access("build/web/index.html", R_OK) == 0) {
        snprintf(out, n, "build/web");
        return;
    }
    char exe[2048];
    ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (len <= 0)
        return;
    exe[len] = '\0';
    char *slash = strrchr(exe, '/');
    if (!slash)
        return;
    *slash = '\0';
    static const char *const rel[] = {"/../build/web", "/../../build/web", "/../share/yizhan/web"};
    for (size_t i = 0; i < sizeof rel / sizeof rel[0]; i++) {
        char cand[2200], probe[2300];
        snprintf(cand, sizeof cand, "%s%s", exe, rel[i]);
        snprintf(probe, sizeof probe, "%s/index.html", cand);
        if (access(probe, R_OK) == 0) {
            snprintf(out, n, "%s", cand);
            return;
        }
    }
}

/* /metrics: the MQTT subscriber's lines (ctx: the yz_mqtt, or NULL when off). */
static void metrics_mqtt(void *ctx, yz_buf *out)
{
    yz_mqtt_metrics(ctx, out);
}

static int cmd_serve(int argc, char **argv)
{
    serve_opts o = {.db = DEFAULT_DB, .port = 8080, .bind = "0.0.0.0", .alarm_eval_s = -1};
    /* The long options from serve_keys (val: 1000 + the row), and --config. */
    struct option opts[N_SERVE_KEYS + 2];
    size_t n_opts = 0;
    for (size_t i = 0; i < N_SERVE_KEYS; i++)
        if (serve_keys[i].flag)
            opts[n_opts++] =
                (struct option){serve_keys[i].flag, required_argument, 0, 1000 + (int)i};
    opts[n_opts++] = (struct option){"config", required_argument, 0, 'c'};
    opts[n_opts] = (struct option){0, 0, 0, 0};
    int rc = 0;
    /* The config file first, so flags override it. */
    for (int i = 1; i < argc - 1; i++)
        if (!strcmp(argv[i], "--config") && read_config(argv[i + 1], &o)) {
            rc = 1;
            goto done;
        }
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'c')
            continue;
        if (c < 1000) {
            rc = bad_usage(NULL);
            goto done;
        }
        const serve_key *k = &serve_keys[c - 1000];
        char zh[300], en[300], msg[700];
        if (set_option(&o, k, optarg, false, zh, en, sizeof zh)) {
            snprintf(msg, sizeof msg, "--%s: %s / %s", k->flag, zh, en);
            rc = bad_usage(msg);
            goto done;
        }
    }
    if (optind != argc) {
        rc = bad_usage("serve 不接受多余参数 / serve takes no arguments");
        goto done;
    }
    /* Secrets come from the environment only. */
    const char *env = getenv("YIZHAN_ADMIN_TOKEN");
    if (env && *env)
        o.token = yz_strdup(env);
    const char *hook = getenv("YIZHAN_WEBHOOK_URL");
    if (hook && *hook && !o.webhook_url)
        o.webhook_url = hook;

    /* Signals go to sigwait below, not to pool threads: block them before any thread. Every
     * signal whose default is to end the process quietly and that an operator or a script may
     * send is waited for, so none kills the server without a log line (SIGPIPE is ignored:
     * a client that went away is an error on its write, not the server's end). */
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGHUP);
    sigaddset(&sigs, SIGUSR1);
    sigaddset(&sigs, SIGUSR2);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);

    yz_store *st = NULL;
    yz_api *api = NULL;
    yz_http_server *srv = NULL;
    yz_mqtt *mqtt = NULL;
    yz_errinfo ei;
    rc = open_store(o.db, &st);
    if (rc)
        goto out;
    if (o.photo_dir && yz_store_set_photo_dir(st, o.photo_dir, &ei)) {
        rc = yz__cli_fail(&ei);
        goto out;
    }
    const char *env_url = getenv("YIZHAN_PUBLIC_URL");
    char web_root[2300];
    if (o.web_root)
        snprintf(web_root, sizeof web_root, "%s", o.web_root);
    else
        default_web_root(web_root, sizeof web_root);
    yz_api_config cfg = {.admin_token = o.token,
                         .public_url = env_url && *env_url ? env_url : o.public_url,
                         .writes_per_min_token = o.per_min_token,
                         .writes_per_min_ip = o.per_min_ip,
                         .workers_per_hour_ip = o.workers_per_hour,
                         .reports_per_hour_ip = o.reports_per_hour_ip,
                         .visit_retention_days = o.visit_retention_days,
                         .readings_days = o.readings_days,
                         .live_max_age_s = o.live_max_age_s,
                         .target_benchmark = o.target_benchmark,
                         .target_smart24h = o.target_smart24h,
                         .web_root = web_root,

                         .session_idle_s = o.session_idle_s,
                         .session_max_s = o.session_max_s,
                         .task_day_s = o.task_day_s,
                         .task_sweep_s = o.task_sweep_s,
                         .alarm_eval_s = o.alarm_eval_s < 0 ? 0 : o.alarm_eval_s ? o.alarm_eval_s : -1,
                         .webhook_url = o.webhook_url,
                         .webhook_kind = o.webhook_kind,
                         .pwhash_cost = yz_pwhash_cost_from_env()};
    if (yz_api_new(st, &cfg, &api, &ei)) {
        rc = yz__cli_fail(&ei);
        goto out;
    }
    if (!o.token || !*o.token)
        yz_log_info("auth: no admin token (the opt-in for scripts): staff log in with accounts; "
                    "create the first admin with `yizhan user add LOGIN --role city_admin`");
    yz_http_config hc = {.bind_addr = o.bind,
                         .port = o.port,
                         .threads = o.threads,
                         .shed_inflight = o.shed_inflight,
                         .max_conns = o.max_conns,
                         .conns_per_addr = o.conns_per_addr,
                         .expensive_slots = o.expensive_slots,
                         .header_timeout_s = o.header_timeout_s,
                         .timeout_s = o.idle_timeout_s,
                         .trusted_proxies = o.trusted_proxies};
    srv = yz_http_new(&hc);
    yz_api_register(api, srv);
    /* Device readings over MQTT: after the api (its ingest), before serving; a broker that is
     * away is not an error (the subscriber keeps trying, docs/internals/mqtt.md). */
    if (o.mqtt_url) {
        const char *mpw = getenv("YZ_MQTT_PASSWORD");
        yz_mqtt_config mc = {.url = o.mqtt_url,
                             .user = o.mqtt_user,
                             .password = mpw && *mpw ? mpw : NULL,
                             .client_id = o.mqtt_client_id};
        yz_mqtt_sink sink = yz_mqtt_ingest_sink();
        if (yz_mqtt_start(&mc, &sink, &mqtt, &ei)) {
            rc = yz__cli_fail(&ei);
            goto out;
        }
    }
    yz_api_set_metrics_hook(api, metrics_mqtt, mqtt);
    if (yz_http_listen(srv)) {
        rc = 1;
        goto out;
    }
    char shown[512];
    yz_log_info("yizhan: serving %s on http://%s:%d/", redact_uri(o.db, shown, sizeof shown),
                o.bind, yz_http_port(srv));
    if (o.port_file) {
        FILE *pf = fopen(o.port_file, "w");
        if (pf) {
            fprintf(pf, "%d\n", yz_http_port(srv));
            fclose(pf);
        }
    }
    for (;;) {
        int sig;
        if (sigwait(&sigs, &sig))
            continue;
        if (sig == SIGHUP) {
            yz_log_info("SIGHUP: reloading stations, events, ratings, rating tags and word lists "
                        "from the store (other settings need a restart)");
            if (yz_api_reload(api, &ei))
                yz_log_error("SIGHUP: reload failed, still serving what was loaded: %s",
                             ei.msg_en);
            continue;
        }
        if (sig == SIGUSR1 || sig == SIGUSR2) {
            yz_log_info("%s: ignored, still serving", sig == SIGUSR1 ? "SIGUSR1" : "SIGUSR2");
            continue;
        }
        yz_log_info("yizhan: %s received, finishing requests in flight", strsignal(sig));
        break;
    }
out:
    /* The subscriber after the HTTP server (its /metrics reads it) and before the api (what
     * it received is handed to the ingest before that stops). */
    yz_http_free(srv);
    yz_mqtt_stop(mqtt);
    yz_api_free(api);
    yz_store_close(st);
done:
    yz_free(o.token);
    for (size_t i = 0; i < o.n_owned; i++)
        yz_free(o.owned[i]);
    return rc;
}

/* --- demo, import, export ------------------------------------------------------------------ */

static int import_rows(yz_store *st, yz_station *rows, size_t n, yz_district *d, size_t nd,
                       yz_import_counts *counts)
{
    yz_errinfo ei;
    yz_import_counts cnt;
    if (yz_store_import(st, rows, n, d, nd, &cnt, &ei))
        return yz__cli_fail(&ei);
    if (counts)
        *counts = cnt;
    printf("导入完成 / imported: %zu 新建 created, %zu 更新 updated, %zu 新区县 new districts\n",
           cnt.created, cnt.updated, cnt.districts);
    return 0;
}

/* `import` of a CSV file: parsed on a thread of its own while the rows are written
 * (yz_exchange_stream feeding yz_store_import_stream). An error in the file is the one said,
 * whatever the writing met meanwhile, as when the file was read whole first. *n: the rows. */
static int import_stream(yz_store *st, const char *path, yz_facility_list fl, size_t *n,
                         yz_import_counts *cnt, double *parse_s)
{
    yz_errinfo ei;
    yz_exchange_stream *s = NULL;
    if (yz_exchange_stream_open(path, fl, &s, &ei))
        return yz__cli_fail(&ei);
    /* this process opened the store for the load: an empty SQLite store is held alone and
     * loaded with a rollback journal (yz_import_source) */
    yz_import_source src = {yz_exchange_stream_next, s, yz_exchange_stream_hint(s), true};
    int err = yz_store_import_stream(st, &src, cnt, &ei);
    yz_errinfo file_ei;
    int file_err = yz_exchange_stream_wait(s, n, &file_ei);
    if (file_err) {
        err = file_err;
        ei = file_ei;
    }
    *parse_s = yz_exchange_stream_parse_s(s);
    yz_exchange_stream_close(s);
    if (err)
        return yz__cli_fail(&ei);
    printf("导入完成 / imported: %zu 新建 created, %zu 更新 updated, %zu 新区县 new districts\n",
           cnt->created, cnt->updated, cnt->districts);
    return 0;
}

static int cmd_demo(int argc, char **argv)
{
    const char *db = DEFAULT_DB;
    unsigned long long seed = 20261129;
    static const struct option opts[] = {
        {"db", required_argument, 0, 'd'},
        {"seed", required_argument, 0, 's'},
        {"history", no_argument, 0, 'H'},
        {"devices", no_argument, 0, 'D'},
        {0, 0, 0, 0}};
    bool history = false, devices = false;
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'd')
            db = optarg;
        else if (c == 's')
            seed = strtoull(optarg, NULL, 10);
        else if (c == 'H')
            history = true;
        else if (c == 'D')
            devices = true;
        else
            return bad_usage(NULL);
    }
    if (optind != argc)
        return bad_usage(NULL);
    if (devices && sodium_init() < 0)
        return bad_usage("libsodium");
    yz_errinfo ei;
    yz_station *rows = NULL;
    yz_district *d = NULL;
    size_t n = 0, nd = 0;
    if (yz_demo_generate(seed, &rows, &n, &d, &nd, &ei))
        return yz__cli_fail(&ei);
    yz_store *st = NULL;
    int rc = open_store(db, &st);
    yz_import_counts cnt = {0};
    if (!rc)
        rc = import_rows(st, rows, n, d, nd, &cnt);
    /* Canteens and events come with a fresh demo city only: loading it again (which updates
     * the stations in place) must not add them twice. */
    bool fresh = !rc && cnt.created == n;
    /* One instant for every part, so that they agree on "today". Bulk mode: a demo that a
     * crash cut short is simply loaded again. The year of visits and inspections is an
     * opt-in (--history): it takes seconds, and the tests that load the demo want none of it. */
    int64_t now = yz_time_now();
    if (fresh && (yz_store_bulk(st, true, &ei) || yz_demo_meals(st, seed, now, &ei) ||
                  yz_demo_events(st, seed, now, &ei) || yz_demo_project(st, seed, now, &ei) ||
                  (history && yz_demo_history(st, seed, now, &ei)) ||
                  yz_store_bulk(st, false, &ei)))
        rc = yz__cli_fail(&ei);
    /* The smart stations' devices (--devices), for the simulator; stations that have devices
     * already are left alone, so this is also how an existing demo database gets them. */
    size_t ndev = 0;
    if (!rc && devices &&
        (yz_store_bulk(st, true, &ei) || yz_demo_devices(st, &ndev, &ei) ||
         yz_store_bulk(st, false, &ei)))
        rc = yz__cli_fail(&ei);
    else if (!rc && devices)
        printf("设备 / devices: %zu 新建 created\n", ndev);
    yz_store_close(st);
    yz_station_array_free(rows, n);
    yz_exchange_districts_free(d, nd);
    return rc;
}

static int load_facilities(yz_store *st, yz_facility **fac, size_t *nfac)
{
    yz_errinfo ei;
    if (yz_store_list_facilities(st, fac, nfac, &ei))
        return yz__cli_fail(&ei);
    return 0;
}

static void free_facilities(yz_facility *fac, size_t n)
{
    for (size_t i = 0; i < n; i++)
        yz_facility_fini(&fac[i]);
    yz_free(fac);
}

/* `[--db PATH] FILE`: the database and the one file argument (argv[optind]). Returns 0, or
 * the usage error's exit code with `what` said. */
static int db_and_file(int argc, char **argv, const char **db, const char *what)
{
    static const struct option opts[] = {{"db", required_argument, 0, 'd'}, {0, 0, 0, 0}};
    int c;
    *db = DEFAULT_DB;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c != 'd')
            return bad_usage(NULL);
        *db = optarg;
    }
    return optind == argc - 1 ? 0 : bad_usage(what);
}

static double mono_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int cmd_import(int argc, char **argv)
{
    const char *db = DEFAULT_DB;
    static const struct option opts[] = {{"db", required_argument, 0, 'd'},
                                         {"timings", no_argument, 0, 't'},
                                         {0, 0, 0, 0}};
    bool timings = false;
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'd')
            db = optarg;
        else if (c == 't')
            timings = true;
        else
            return bad_usage(NULL);
    }
    if (optind != argc - 1)
        return bad_usage("import 需要一个文件 / import takes one file");
    int rc = 0;
    double t0 = mono_s(), t_open = 0, t_read = 0, t_import = 0;
    yz_store *st = NULL;
    yz_facility *fac = NULL;
    size_t nfac = 0, n = 0, nd = 0;
    yz_station *rows = NULL;
    yz_district *d = NULL;
    yz_errinfo ei;
    rc = open_store(db, &st);
    if (!rc)
        rc = load_facilities(st, &fac, &nfac);
    t_open = mono_s();
    const char *dot = strrchr(argv[optind], '.');
    bool csv = dot && strcmp(dot, ".csv") == 0;
    double parse_s = 0;
    yz_import_counts cnt = {0};
    if (!rc && csv) { /* parsed on a second thread while the rows are written */
        rc = import_stream(st, argv[optind], (yz_facility_list){fac, nfac}, &n, &cnt, &parse_s);
        t_read = t_open;
    } else {
        if (!rc && yz_exchange_read_file(argv[optind], (yz_facility_list){fac, nfac}, &rows, &n,
                                         &d, &nd, &ei))
            rc = yz__cli_fail(&ei);
        t_read = mono_s();
        parse_s = t_read - t_open;
        if (!rc)
            rc = import_rows(st, rows, n, d, nd, &cnt);
    }
    t_import = mono_s();
    if (timings && !rc) { /* where the time went, for the load bench (stderr: stdout is the
                           * result). A CSV file is parsed while the rows are written: its
                           * parse overlaps the write phases, and is not part of the sum. */
        double in = cnt.check_s + cnt.stage_s + cnt.insert_s + cnt.index_s + cnt.ids_s;
        fprintf(stderr,
                "timings: open %.2f s, read (parse + validate%s) %.2f s, check %.2f s,"
                " stage %.2f s, insert %.2f s, index %.2f s, ids %.2f s,"
                " commit %.2f s, total %.2f s%s\n",
                t_open - t0, csv ? ", beside the writes" : "", parse_s, cnt.check_s,
                cnt.stage_s, cnt.insert_s, cnt.index_s, cnt.ids_s, t_import - t_read - in,
                t_import - t0, cnt.alone ? " (store held alone, rollback journal)" : "");
    }
    if (st) { /* the audit log: what was imported, or that it failed */
        yz_buf a;
        yz_buf_init(&a);
        yz_buf_puts(&a, "{\"file\":");
        yz_buf_json_str(&a, argv[optind], strlen(argv[optind]));
        yz_buf_printf(&a, ",\"rows\":%zu,\"created\":%zu,\"updated\":%zu,\"districts\":%zu}",
                      n, cnt.created, cnt.updated, cnt.districts);
        yz__cli_audit(st, "cli:import", "import", 0, NULL, a.data, rc,
                      rc ? "the import failed; nothing was written" : NULL);
        yz_buf_fini(&a);
    }
    yz_station_array_free(rows, n);
    yz_exchange_districts_free(d, nd);
    free_facilities(fac, nfac);
    yz_store_close(st);
    return rc;
}

static int cmd_export(int argc, char **argv)
{
    const char *db = DEFAULT_DB, *format = NULL, *out = NULL;
    static const struct option opts[] = {{"db", required_argument, 0, 'd'},
                                         {"format", required_argument, 0, 'f'},
                                         {"out", required_argument, 0, 'o'},
                                         {0, 0, 0, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'd')
            db = optarg;
        else if (c == 'f')
            format = optarg;
        else if (c == 'o')
            out = optarg;
        else
            return bad_usage(NULL);
    }
    if (!format || (strcmp(format, "csv") && strcmp(format, "geojson")))
        return bad_usage("--format 须为 csv 或 geojson / --format must be csv or geojson");
    if (optind != argc)
        return bad_usage(NULL);
    yz_store *st = NULL;
    yz_facility *fac = NULL;
    yz_station *rows = NULL;
    size_t nfac = 0, n = 0;
    yz_errinfo ei;
    int rc = open_store(db, &st);
    if (!rc)
        rc = load_facilities(st, &fac, &nfac);
    if (!rc && yz_store_load_stations(st, &rows, &n, &ei))
        rc = yz__cli_fail(&ei);
    if (!rc) {
        yz_buf b;
        yz_buf_init(&b);
        if (!strcmp(format, "csv"))
            yz_exchange_write_csv(rows, n, (yz_facility_list){fac, nfac}, &b);
        else
            yz_exchange_write_geojson(rows, n, (yz_facility_list){fac, nfac}, &b);
        FILE *f = out ? fopen(out, "wb") : stdout;
        if (!f || fwrite(b.data, 1, b.len, f) != b.len || (out && fclose(f))) {
            fprintf(stderr, "yizhan: 写入失败 / write failed: %s\n", strerror(errno));
            rc = 1;
        }
        yz_buf_fini(&b);
    }
    yz_station_array_free(rows, n);
    free_facilities(fac, nfac);
    yz_store_close(st);
    return rc;
}

/* --- backup -------------------------------------------------------------------------------- */

static int cmd_backup(int argc, char **argv)
{
    const char *db;
    int rc = db_and_file(argc, argv, &db, "backup 需要一个目标文件 / backup takes one OUT file");
    if (rc)
        return rc;
    yz_backup_info info;
    yz_errinfo ei;
    if (yz_store_backup(db, argv[optind], &info, &ei))
        return yz__cli_fail(&ei);
    printf("备份完成 / backup written: %s (%lld bytes, integrity ok)\n"
           "  %lld 驿站 stations, %lld 打卡 visits, %lld 评价 ratings, %lld 问题 reports, "
           "%lld 订餐 meal orders\n",
           argv[optind], (long long)info.bytes, (long long)info.stations,
           (long long)info.visits, (long long)info.ratings, (long long)info.reports,
           (long long)info.orders);
    return 0;
}

/* --- purge-visits ------------------------------------------------------------------------ */

static int cmd_purge_visits(int argc, char **argv)
{
    const char *db = DEFAULT_DB;
    long days = YZ_VISIT_RETENTION_DAYS;
    static const struct option opts[] = {{"db", required_argument, 0, 'd'},
                                         {"retention-days", required_argument, 0, 'r'},
                                         {0, 0, 0, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        char *end;
        if (c == 'd') {
            db = optarg;
        } else if (c == 'r') {
            days = strtol(optarg, &end, 10);
            if (*end || days < 1 || days > 36500)
                return bad_usage("--retention-days 须为 1..36500 / must be 1..36500");
        } else {
            return bad_usage(NULL);
        }
    }
    if (optind != argc)
        return bad_usage("purge-visits 不接受多余参数 / purge-visits takes no arguments");
    int offset = 480;
    yz_tz_offset(YZ_DEFAULT_TZ, &offset);
    int64_t cutoff = yz_visit_retention_cutoff(yz_time_now(), (int)days, offset);
    yz_store *st = NULL;
    int rc = open_store(db, &st);
    if (rc)
        return rc;
    yz_visit_purge done;
    yz_errinfo ei;
    int err = yz_store_visit_purge(st, cutoff, offset, 0, &done, &ei);
    char at[32];
    yz_time_format_iso8601(cutoff, offset, at);
    printf("已删除 %s 之前的打卡 / check-ins before %s purged: %lld 条 visits, "
           "%lld 天的统计已保留 days of counts kept\n",
           at, at, (long long)done.visits, (long long)done.days);
    if (err)
        rc = yz__cli_fail(&ei);
    char after[160];
    snprintf(after, sizeof after, "{\"before\":\"%s\",\"visits\":%lld,\"days\":%lld}", at,
             (long long)done.visits, (long long)done.days);
    yz__cli_audit(st, "cli:purge-visits", "visits", 0, NULL, after, rc, err ? ei.msg_en : NULL);
    yz_store_close(st);
    return rc;
}

/* --- stats rebuild ------------------------------------------------------------------------ */

static int cmd_stats(int argc, char **argv)
{
    const char *db = DEFAULT_DB;
    if (argc < 2 || strcmp(argv[1], "rebuild") != 0)
        return bad_usage("用法 usage: stats rebuild [--db PATH]");
    argc--, argv++;
    static const struct option opts[] = {{"db", required_argument, 0, 'd'}, {0, 0, 0, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'd')
            db = optarg;
        else
            return bad_usage(NULL);
    }
    if (optind != argc)
        return bad_usage("stats rebuild 不接受多余参数 / stats rebuild takes no arguments");
    yz_store *st = NULL;
    int rc = open_store(db, &st);
    if (rc)
        return rc;
    yz_errinfo ei;
    int64_t days = 0;
    int err = yz_store_rollup_rebuild(st, &days, &ei);
    if (err)
        rc = yz__cli_fail(&ei);
    else
        printf("统计汇总已重建 / roll-ups rebuilt: %lld 站日 station-days\n", (long long)days);
    char after[64];
    snprintf(after, sizeof after, "{\"station_days\":%lld}", (long long)days);
    yz__cli_audit(st, "cli:stats-rebuild", "visits", 0, NULL, after, rc, err ? ei.msg_en : NULL);
    yz_store_close(st);
    return rc;
}

/* --- near, search -------------------------------------------------------------------------- */

static int load_snapshot(const char *db, yz_store **st, yz_snap **snap)
{
    yz_errinfo ei;
    int rc = open_store(db, st);
    if (rc)
        return rc;
    if (yz_state_load_snapshot(*st, yz_state_thread_norm(), snap, &ei))
        return yz__cli_fail(&ei);
    return 0;
}

static int parse_num(const char *s, const char *what, double *out)
{
    char *end;
    errno = 0;
    *out = strtod(s, &end);
    if (!*s || *end || errno) {
        fprintf(stderr, "yizhan: %s 须为数字 / %s must be a number: %s\n", what, what, s);
        return 2;
    }
    return 0;
}

static int cmd_near(int argc, char **argv)
{
    const char *db = DEFAULT_DB, *need = NULL, *at = NULL;
    int crs = YZ_CRS_WGS84, travel = YZ_TRAVEL_RIDE;
    long k = 10;
    bool open_now = false;
    static const struct option opts[] = {{"db", required_argument, 0, 'd'},
                                         {"need", required_argument, 0, 'n'},
                                         {"k", required_argument, 0, 'k'},
                                         {"crs", required_argument, 0, 'c'},
                                         {"at", required_argument, 0, 'a'},
                                         {"open-now", no_argument, 0, 'o'},
                                         {"mode", required_argument, 0, 'm'},
                                         {0, 0, 0, 0}};
    int c;
    /* Options may follow LAT LON; put "--" before negative coordinates. */
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        char *end;
        switch (c) {
        case 'd': db = optarg; break;
        case 'n': need = optarg; break;
        case 'k':
            k = strtol(optarg, &end, 10);
            if (*end || k < 1 || k > YZ_INDEX_MAX_K)
                return bad_usage("--k 须为 1..100 / --k must be 1..100");
            break;
        case 'c':
            if ((crs = yz_crs_parse(optarg)) < 0)
                return bad_usage("--crs 须为 wgs84、gcj02 或 bd09 / must be wgs84, gcj02 or bd09");
            break;
        case 'a': at = optarg; break;
        case 'o': open_now = true; break;
        case 'm':
            if ((travel = yz_travel_parse(optarg)) < 0)
                return bad_usage("--mode 须为 ride、walk 或 drive / must be ride, walk or drive");
            break;
        default: return bad_usage(NULL);
        }
    }
    if (argc - optind != 2)
        return bad_usage("near 需要 LAT LON / near takes LAT LON");
    double lat, lon;
    if (parse_num(argv[optind], "LAT", &lat) || parse_num(argv[optind + 1], "LON", &lon))
        return 2;
    if (yz_coord_check(lat, lon))
        return bad_usage("坐标超出范围 / position out of range");
    yz_nearby_query q = {.k = (size_t)k, .district = -1, .open_now = open_now,
                         .t = yz_time_now()};
    q.at = yz_coord_convert((yz_point){lat, lon}, crs, YZ_CRS_WGS84);
    if (at && yz_time_parse_iso8601(at, 480, &q.t))
        return bad_usage("--at 须为 ISO-8601 时间 / --at must be an ISO-8601 time");
    yz_store *st = NULL;
    yz_snap *s = NULL;
    yz_errinfo ei;
    int rc = load_snapshot(db, &st, &s);
    if (!rc && need) {
        size_t nf = yz_snap_facility_count(s);
        yz_facility_list fl = {nf ? yz_snap_facility(s, 0) : NULL, nf};
        if (yz_exchange_parse_facilities(need, fl, "need", &q.need, &ei))
            rc = yz__cli_fail(&ei);
    }
    if (!rc) {
        yz_nearby_hit hits[YZ_INDEX_MAX_K];
        size_t n = 0;
        yz_snap_nearby(s, &q, hits, &n);
        if (!n)
            printf("附近没有符合条件的驿站 / no station matches\n");
        for (size_t j = 0; j < n; j++) {
            yz_station r_buf;
            const yz_station *r = yz_snap_station_get(s, hits[j].station, &r_buf);
            bool open = yz_snap_is_open(s, hits[j].station, q.t);
            yz_point p = yz_snap_position(s, hits[j].station, crs);
            printf("%2zu. %7.0f m  %-6s %s  [%s]  %s\n    %.6f,%.6f (%s)  ", j + 1,
                   hits[j].distance_m, open ? "开放" : "未开放", r->name, r->code,
                   r->address ? r->address : "", p.lat, p.lon, yz_crs_name(crs));
            yz_buf b;
            yz_buf_init(&b);
            yz_nav_amap(&b, (yz_point){r->lat, r->lon}, r->name, travel);
            printf("%s\n", b.data);
            yz_buf_fini(&b);
        }
    }
    yz_snap_free(s);
    yz_store_close(st);
    return rc;
}

static int cmd_search(int argc, char **argv)
{
    const char *db = DEFAULT_DB;
    double lat = 0, lon = 0;
    int has_lat = 0, has_lon = 0;
    static const struct option opts[] = {{"db", required_argument, 0, 'd'},
                                         {"lat", required_argument, 0, 'a'},
                                         {"lon", required_argument, 0, 'o'},
                                         {0, 0, 0, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'd')
            db = optarg;
        else if (c == 'a' && !parse_num(optarg, "--lat", &lat))
            has_lat = 1;
        else if (c == 'o' && !parse_num(optarg, "--lon", &lon))
            has_lon = 1;
        else
            return bad_usage(NULL);
    }
    if (argc - optind != 1)
        return bad_usage("search 需要一个搜索词 / search takes one TEXT");
    if (has_lat != has_lon || (has_lat && yz_coord_check(lat, lon)))
        return bad_usage("--lat 与 --lon 须同时给出且有效 / give valid --lat and --lon together");
    yz_store *st = NULL;
    yz_snap *s = NULL;
    yz_errinfo ei;
    int rc = load_snapshot(db, &st, &s);
    if (!rc) {
        yz_list_query q = {.text = argv[optind], .district = -1, .status = -1,
                           .has_at = has_lat, .at = {lat, lon}, .limit = 20};
        uint32_t *pos = NULL;
        size_t n = 0, total = 0;
        if (yz_snap_list(s, yz_state_thread_norm(), &q, &pos, &n, &total, &ei)) {
            rc = yz__cli_fail(&ei);
        } else {
            printf("找到 %zu 个 / %zu found%s\n", total, total, total > n ? " (前 20 个 / first 20)" : "");
            for (size_t j = 0; j < n; j++) {
                yz_station r_buf;
                const yz_station *r = yz_snap_station_get(s, pos[j], &r_buf);
                printf("%2zu. %s  [%s]  %s  %s\n", j + 1, r->name, r->code,
                       r->district_name ? r->district_name : r->district_code,
                       r->address ? r->address : "");
            }
        }
        yz_free(pos);
    }
    yz_snap_free(s);
    yz_store_close(st);
    return rc;
}

/* --- moderation train ---------------------------------------------------------------------- */

/* Undo the escapes of a training file (\n, \t, \\) in place. */
static void unescape(char *s)
{
    char *w = s;
    for (char *r = s; *r; r++) {
        if (*r == '\\' && (r[1] == 'n' || r[1] == 't' || r[1] == '\\')) {
            r++;
            *w++ = *r == 'n' ? '\n' : *r == 't' ? '\t' : '\\';
        } else {
            *w++ = *r;
        }
    }
    *w = '\0';
}

typedef struct train_text {
    char *text;
    char (*grams)[YZ_CLF_GRAM_BYTES];
    const char **gram_ptrs;
} train_text;

/* yizhan moderation train [--db PATH] FILE: every line trained in one transaction, keyed by a
 * hash of its text, so that training the same file again changes nothing and a text whose
 * label changed moves to the other class. A running server on the same SQLite file learns it
 * on SIGHUP; nodes of a PostgreSQL store learn it at once (docs/internals/classifier.md). */
static int cmd_moderation(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "train") != 0)
        return bad_usage("moderation 的子命令只有 train / the only moderation subcommand is train");
    const char *db;
    int rc = db_and_file(argc - 1, argv + 1, &db,
                         "moderation train 需要一个文件 / moderation train takes one file");
    if (rc)
        return rc;
    const char *path = argv[1 + optind];
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "yizhan: 无法打开 %s / cannot open %s: %s\n", path, path, strerror(errno));
        return 1;
    }
    yz_errinfo ei;
    yz_textnorm *norm = NULL;
    yz_store *st = NULL;
    yz_clf_example *ex = NULL;
    train_text *tt = NULL;
    size_t n = 0, cap = 0, lineno = 0;
    char *line = NULL;
    size_t lcap = 0;
    ssize_t len;
    yz_buf scratch;
    yz_buf_init(&scratch);
    yz_clf_grams g;
    yz_clf_grams_init(&g);
    if (yz_textnorm_new(&norm, &ei)) {
        rc = yz__cli_fail(&ei);
        goto out;
    }
    while ((len = getline(&line, &lcap, f)) > 0) {
        lineno++;
        while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        if (len == 0 || line[0] == '#')
            continue;
        char *tab = strchr(line, '\t');
        int label = -1;
        if (tab) {
            *tab = '\0';
            label = !strcmp(line, "spam") ? YZ_CLF_SPAM : !strcmp(line, "ham") ? YZ_CLF_HAM : -1;
        }
        if (label < 0 || !tab[1]) {
            fprintf(stderr,
                    "yizhan: %s 第 %zu 行：须为 spam 或 ham、制表符、文字\n"
                    "yizhan: %s line %zu: must be spam or ham, a tab, then the text\n",
                    path, lineno, path, lineno);
            rc = 1;
            goto out;
        }
        char *text = yz_strdup(tab + 1);
        unescape(text);
        if (yz_clf_grams_of(norm, text, &scratch, &g, &ei)) {
            fprintf(stderr, "yizhan: %s 第 %zu 行：%s\nyizhan: %s line %zu: %s\n", path, lineno,
                    ei.msg, path, lineno, ei.msg_en);
            yz_free(text);
            rc = 1;
            goto out;
        }
        if (n == cap) {
            cap = cap ? cap * 2 : 256;
            ex = yz_reallocarray(ex, cap, sizeof *ex);
            tt = yz_reallocarray(tt, cap, sizeof *tt);
        }
        train_text *t = &tt[n];
        t->text = text;
        t->grams = yz_calloc(g.n + 1, sizeof *t->grams);
        t->gram_ptrs = yz_calloc(g.n + 1, sizeof *t->gram_ptrs);
        for (size_t i = 0; i < g.n; i++) {
            yz_clf_gram_utf8(g.key[i], t->grams[i]);
            t->gram_ptrs[i] = t->grams[i];
        }
        /* the item: FNV-1a of the text, kept positive */
        uint64_t h = 0xcbf29ce484222325ULL;
        for (const unsigned char *p = (const unsigned char *)text; *p; p++)
            h = (h ^ *p) * 0x100000001b3ULL;
        ex[n] = (yz_clf_example){"file", (int64_t)(h >> 1), label, text, t->gram_ptrs, g.n};
        n++;
    }
    rc = open_store(db, &st);
    yz_clf_trained tr;
    if (!rc && yz_store_clf_train(st, ex, n, &tr, &ei))
        rc = yz__cli_fail(&ei);
    if (!rc)
        printf("已学习 %zu 条新文字，%zu 条改了标注，%zu 条已学过；模型版本 %lld\n"
               "trained %zu new texts, %zu relabelled, %zu already known; model version %lld\n",
               tr.added, tr.moved, tr.unchanged, (long long)tr.version, tr.added, tr.moved,
               tr.unchanged, (long long)tr.version);
    if (st) {
        char after[200];
        snprintf(after, sizeof after,
                 "{\"texts\":%zu,\"added\":%zu,\"relabelled\":%zu,\"version\":%lld}", n,
                 rc ? 0 : tr.added, rc ? 0 : tr.moved, rc ? 0LL : (long long)tr.version);
        yz__cli_audit(st, "cli:moderation train", "classifier", 0, NULL, after, rc,
                      rc ? ei.msg_en : NULL);
    }
out:
    for (size_t i = 0; i < n; i++) {
        yz_free(tt[i].text);
        yz_free(tt[i].grams);
        yz_free(tt[i].gram_ptrs);
    }
    yz_free(tt);
    yz_free(ex);
    free(line);
    fclose(f);
    yz_clf_grams_fini(&g);
    yz_buf_fini(&scratch);
    yz_textnorm_free(norm);
    yz_store_close(st);
    return rc;
}

int main(int argc, char **argv)
{
    const char *lvl = getenv("YIZHAN_LOG");
    if (lvl)
        yz_log_set_level(!strcmp(lvl, "debug")  ? YZ_LOG_DEBUG
                         : !strcmp(lvl, "warn") ? YZ_LOG_WARN
                         : !strcmp(lvl, "error") ? YZ_LOG_ERROR
                                                 : YZ_LOG_INFO);
    if (argc < 2)
        return bad_usage(NULL);
    const char *cmd = argv[1];
    argv++;
    argc--;
    if (!strcmp(cmd, "serve"))
        return cmd_serve(argc, argv);
    if (!strcmp(cmd, "demo"))
        return cmd_demo(argc, argv);
    if (!strcmp(cmd, "import"))
        return cmd_import(argc, argv);
    if (!strcmp(cmd, "export"))
        return cmd_export(argc, argv);
    if (!strcmp(cmd, "near"))
        return cmd_near(argc, argv);
    if (!strcmp(cmd, "backup"))
        return cmd_backup(argc, argv);
    if (!strcmp(cmd, "search"))
        return cmd_search(argc, argv);
    if (!strcmp(cmd, "moderation"))
        return cmd_moderation(argc, argv);
    if (!strcmp(cmd, "purge-visits"))
        return cmd_purge_visits(argc, argv);
    if (!strcmp(cmd, "stats"))
        return cmd_stats(argc, argv);
    if (!strcmp(cmd, "user"))
        return yz__cli_user(argc, argv);
    if (!strcmp(cmd, "devices") && argc >= 2 && !strcmp(argv[1], "export-acl"))
        return yz__cli_devices_export_acl(argc - 1, argv + 1);
    if (!strcmp(cmd, "checklists"))
        return yz__cli_checklists(argc, argv);
    if (!strcmp(cmd, "devices"))
        return yz__cli_devices(argc, argv);
    if (!strcmp(cmd, "audit"))
        return yz__cli_audit_cmd(argc, argv);
    if (!strcmp(cmd, "simulate"))
        return yz__cli_simulate(argc, argv);
    if (!strcmp(cmd, "permissions"))
        return yz__cli_permissions(argc, argv);
    if (!strcmp(cmd, "help") || !strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
        fputs(usage, stdout);
        return 0;
    }
    return bad_usage("未知命令 / unknown command");
}
