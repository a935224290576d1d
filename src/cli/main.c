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
#include "demo/events.h"
#include "demo/inspections.h"
#include "demo/meals.h"
#include "demo/project.h"
#include "demo/visits.h"
#include "exchange/exchange.h"
#include "geo/nav.h"
#include "http/server.h"
#include "model/station.h"
#include "state/state.h"
#include "store/classifier.h"
#include "store/photos.h"
#include "store/store.h"
#include "store/rollups.h"
#include "store/visits.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
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
    "          [--web-root DIR]       (default: build/web here, or beside the binary)\n"
    "          [--photo-dir DIR]      photo files of a SQLite store (default: photos/ beside it)\n"
    "          [--target-benchmark F] [--target-smart24h F]  (tier shares aimed at: 0.10, 0.15)\n"
    "          [--session-idle S] [--session-max S]  (sessions: 7200 s unused, 43200 s in all)\n"
    "          [--trusted-proxies ADDR,...]  proxies whose X-Real-IP names the client\n"
    "                                 serve the API. Staff log in with accounts (yizhan user);\n"
    "                                 an admin token for scripts, acting as city_admin, is an\n"
    "                                 opt-in: YIZHAN_ADMIN_TOKEN or admin_token= in the config\n"
    "  demo    [--db PATH] [--seed N] [--history]\n"
    "          load the demo city (Wenzhou): stations, canteens, events past and coming;\n"
    "          --history adds the year before (over a million counted visits, the\n"
    "          inspections and a week of self-checks; several seconds more)\n"
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
    double target_benchmark, target_smart24h; /* 0: the api's defaults */
    const char *web_root; /* NULL: look for build/web (default_web_root) */
    const char *photo_dir; /* NULL: photos/ beside a SQLite database (store/photos.h) */
    int session_idle_s, session_max_s; /* 0: the api's defaults */
    int task_day_s, task_sweep_s;      /* 0: the api's defaults */
    const char *webhook_url;           /* NULL: no webhook */
    int webhook_kind;                  /* enum yz_webhook_kind */
    const char *trusted_proxies;       /* NULL: none (yz_http_config) */
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

/* Read key = value lines; '#' starts a comment. Keys: admin_token, db, port, bind, threads,
 * public_url, writes_per_min_token, writes_per_min_ip, shed_inflight, max_conns,
 * conns_per_addr, expensive_slots, workers_per_hour_ip,
 * reports_per_hour_ip, visit_retention_days, target_benchmark, target_smart24h, web_root,
 * photo_dir, webhook_url, webhook_kind, trusted_proxies. */
static int read_config(const char *path, serve_opts *o, char **db_out)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "yizhan: 无法读取配置文件 / cannot read config %s: %s\n", path,
                strerror(errno));
        return 1;
    }
    char line[1024];
    int lineno = 0, rc = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        char *p = line + strspn(line, " \t");
        if (*p == '#' || *p == '\n' || !*p)
            continue;
        char *eq = strchr(p, '=');
        if (!eq) {
            fprintf(stderr, "yizhan: %s:%d: 需要 key = value / expected key = value\n", path,
                    lineno);
            rc = 1;
            break;
        }
        char *k = p, *v = eq + 1;
        char *ke = eq;
        while (ke > k && (ke[-1] == ' ' || ke[-1] == '\t'))
            ke--;
        *ke = '\0';
        v += strspn(v, " \t");
        v[strcspn(v, "\r\n")] = '\0';
        for (size_t n = strlen(v); n && (v[n - 1] == ' ' || v[n - 1] == '\t'); n--)
            v[n - 1] = '\0';
        if (!strcmp(k, "admin_token")) {
            yz_free(o->token);
            o->token = yz_strdup(v);
        } else if (!strcmp(k, "db")) {
            yz_free(*db_out);
            *db_out = yz_strdup(v);
            o->db = *db_out;
        } else if (!strcmp(k, "port")) {
            o->port = (int)strtol(v, NULL, 10);
        } else if (!strcmp(k, "bind")) {
            /* kept for the life of the process */
            o->bind = yz_strdup(v);
        } else if (!strcmp(k, "threads")) {
            o->threads = (int)strtol(v, NULL, 10);
        } else if (!strcmp(k, "public_url")) {
            o->public_url = yz_strdup(v); /* kept for the life of the process */
        } else if (!strcmp(k, "writes_per_min_token")) {
            o->per_min_token = strtod(v, NULL);
        } else if (!strcmp(k, "writes_per_min_ip")) {
            o->per_min_ip = strtod(v, NULL);
        } else if (!strcmp(k, "shed_inflight")) {
            o->shed_inflight = (int)strtol(v, NULL, 10);
        } else if (!strcmp(k, "max_conns")) {
            o->max_conns = (int)strtol(v, NULL, 10);
        } else if (!strcmp(k, "conns_per_addr")) {
            o->conns_per_addr = (int)strtol(v, NULL, 10);
            if (o->conns_per_addr == 0)
                o->conns_per_addr = -1;
        } else if (!strcmp(k, "expensive_slots")) {
            o->expensive_slots = (int)strtol(v, NULL, 10);
        } else if (!strcmp(k, "workers_per_hour_ip")) {
            o->workers_per_hour = strtod(v, NULL);
        } else if (!strcmp(k, "reports_per_hour_ip")) {
            o->reports_per_hour_ip = strtod(v, NULL);
        } else if (!strcmp(k, "visit_retention_days")) {
            o->visit_retention_days = (int)strtol(v, NULL, 10);
        } else if (!strcmp(k, "target_benchmark") || !strcmp(k, "target_smart24h")) {
            char *end;
            double t = strtod(v, &end);
            if (*end || !(t > 0 && t <= 1)) {
                fprintf(stderr, "yizhan: %s:%d: %s 须为 (0, 1] / must be in (0, 1]\n", path,
                        lineno, k);
                rc = 1;
                break;
            }
            *(k[7] == 'b' ? &o->target_benchmark : &o->target_smart24h) = t;
        } else if (!strcmp(k, "web_root")) {
            o->web_root = yz_strdup(v); /* kept for the life of the process */
        } else if (!strcmp(k, "webhook_url")) {
            o->webhook_url = yz_strdup(v); /* kept for the life of the process */
        } else if (!strcmp(k, "webhook_kind")) {
            if (!webhook_kind_of(v, &o->webhook_kind)) {
                fprintf(stderr, "yizhan: %s:%d: webhook_kind 须为 wecom 或 dingtalk / must be "
                                "wecom or dingtalk\n", path, lineno);
                rc = 1;
                break;
            }
        } else if (!strcmp(k, "trusted_proxies")) {
            o->trusted_proxies = yz_strdup(v); /* kept for the life of the process */
        } else if (!strcmp(k, "photo_dir")) {
            o->photo_dir = yz_strdup(v); /* kept for the life of the process */
        } else {
            fprintf(stderr, "yizhan: %s:%d: 未知配置项 / unknown key %s\n", path, lineno, k);
            rc = 1;
            break;
        }
    }
    fclose(f);
    return rc;
}

/* The built web app when no --web-root is given: build/web under the working folder (make run
 * runs from the repository), else ../build/web beside the binary (bin/yizhan, build/san/yizhan
 * -> ../../build/web). Writes the folder into `out`; "" when none has an index.html. */
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
    static const char *const rel[] = {"/../build/web", "/../../build/web"};
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

static int cmd_serve(int argc, char **argv)
{
    serve_opts o = {.db = DEFAULT_DB, .port = 8080, .bind = "0.0.0.0"};
    char *cfg_db = NULL;
    static const struct option opts[] = {{"db", required_argument, 0, 'd'},
                                         {"port", required_argument, 0, 'p'},
                                         {"bind", required_argument, 0, 'b'},
                                         {"threads", required_argument, 0, 't'},
                                         {"config", required_argument, 0, 'c'},
                                         {"port-file", required_argument, 0, 'f'},
                                         {"public-url", required_argument, 0, 'u'},
                                         {"writes-per-min", required_argument, 0, 'w'},
                                         {"shed-inflight", required_argument, 0, 's'},
                                         {"max-conns", required_argument, 0, 'M'},
                                         {"conns-per-addr", required_argument, 0, 'A'},
                                         {"expensive-slots", required_argument, 0, 'E'},
                                         {"header-timeout", required_argument, 0, 'H'},
                                         {"idle-timeout", required_argument, 0, 'i'},
                                         {"web-root", required_argument, 0, 'W'},
                                         {"photo-dir", required_argument, 0, 'P'},
                                         {"workers-per-hour", required_argument, 0, 'm'},
                                         {"reports-per-hour", required_argument, 0, 'r'},
                                         {"visit-retention-days", required_argument, 0, 'R'},
                                         {"target-benchmark", required_argument, 0, 'B'},
                                         {"target-smart24h", required_argument, 0, 'S'},
                                         {"session-idle", required_argument, 0, 'I'},
                                         {"session-max", required_argument, 0, 'X'},
                                         {"task-day-s", required_argument, 0, 'D'},
                                         {"task-sweep-s", required_argument, 0, 'K'},
                                         {"webhook-url", required_argument, 0, 'U'},
                                         {"webhook-kind", required_argument, 0, 'k'},
                                         {"trusted-proxies", required_argument, 0, 'T'},
                                         {0, 0, 0, 0}};
    /* The config file first, so flags override it. */
    for (int i = 1; i < argc - 1; i++)
        if (!strcmp(argv[i], "--config") && read_config(argv[i + 1], &o, &cfg_db))
            return 1;
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        char *end;
        switch (c) {
        case 'd': o.db = optarg; break;
        case 'p':
            o.port = (int)strtol(optarg, &end, 10);
            if (*end || o.port < 0 || o.port > 65535)
                return bad_usage("--port 须为 0..65535 / --port must be 0..65535");
            break;
        case 'b': o.bind = optarg; break;
        case 't': o.threads = (int)strtol(optarg, NULL, 10); break;
        case 'c': break;
        case 'f': o.port_file = optarg; break;
        case 'u': o.public_url = optarg; break;
        case 'i':
            o.idle_timeout_s = (int)strtol(optarg, &end, 10);
            if (*end || o.idle_timeout_s < 1 || o.idle_timeout_s > 3600)
                return bad_usage("--idle-timeout 须为 1..3600 秒 / must be 1..3600 seconds");
            break;
        case 'H':
            o.header_timeout_s = (int)strtol(optarg, &end, 10);
            if (*end || o.header_timeout_s < 1 || o.header_timeout_s > 3600)
                return bad_usage("--header-timeout 须为 1..3600 秒 / must be 1..3600 seconds");
            break;
        case 's':
            o.shed_inflight = (int)strtol(optarg, &end, 10);
            if (*end || o.shed_inflight < 1)
                return bad_usage("--shed-inflight 须为正整数 / must be a positive integer");
            break;
        case 'M':
            o.max_conns = (int)strtol(optarg, &end, 10);
            if (*end || o.max_conns < 1)
                return bad_usage("--max-conns 须为正整数 / must be a positive integer");
            break;
        case 'A':
            o.conns_per_addr = (int)strtol(optarg, &end, 10);
            if (*end || o.conns_per_addr < 0)
                return bad_usage("--conns-per-addr 须为非负整数（0 为不限）/ "
                                 "must be 0 (no limit) or more");
            if (o.conns_per_addr == 0)
                o.conns_per_addr = -1;
            break;
        case 'E':
            o.expensive_slots = (int)strtol(optarg, &end, 10);
            if (*end || o.expensive_slots < 1)
                return bad_usage("--expensive-slots 须为正整数 / must be a positive integer");
            break;
        case 'w':
            /* one figure for both limits: per worker token and per address */
            o.per_min_token = o.per_min_ip = strtod(optarg, &end);
            if (*end || o.per_min_token <= 0)
                return bad_usage("--writes-per-min 须为正数 / must be a positive number");
            break;
        case 'W': o.web_root = optarg; break;
        case 'P': o.photo_dir = optarg; break;
        case 'm':
            o.workers_per_hour = strtod(optarg, &end);
            if (*end || o.workers_per_hour <= 0)
                return bad_usage("--workers-per-hour 须为正数 / must be a positive number");
            break;
        case 'r':
            o.reports_per_hour_ip = strtod(optarg, &end);
            if (*end || o.reports_per_hour_ip <= 0)
                return bad_usage("--reports-per-hour 须为正数 / must be a positive number");
            break;
        case 'R':
            o.visit_retention_days = (int)strtol(optarg, &end, 10);
            if (*end || o.visit_retention_days < 1 || o.visit_retention_days > 36500)
                return bad_usage("--visit-retention-days 须为 1..36500 / must be 1..36500");
            break;
        case 'B':
        case 'S': {
            double t = strtod(optarg, &end);
            if (*end || !(t > 0 && t <= 1))
                return bad_usage("--target-benchmark/--target-smart24h 须为 (0, 1] 之间的比例 / "
                                 "must be a share in (0, 1]");
            *(c == 'B' ? &o.target_benchmark : &o.target_smart24h) = t;
            break;
        }
        case 'I':
        case 'X': {
            long v = strtol(optarg, &end, 10);
            if (*end || v < 1 || v > 30L * 86400)
                return bad_usage("--session-idle/--session-max 须为 1..2592000 秒 / must be "
                                 "1..2592000 seconds");
            *(c == 'I' ? &o.session_idle_s : &o.session_max_s) = (int)v;
            break;
        }
        case 'D':
        case 'K': {
            long v = strtol(optarg, &end, 10);
            if (*end || v < 1 || v > 86400)
                return bad_usage("--task-day-s/--task-sweep-s 须为 1..86400 秒 / must be "
                                 "1..86400 seconds");
            *(c == 'D' ? &o.task_day_s : &o.task_sweep_s) = (int)v;
            break;
        }
        case 'U': o.webhook_url = optarg; break;
        case 'T': o.trusted_proxies = optarg; break;
        case 'k':
            if (!webhook_kind_of(optarg, &o.webhook_kind))
                return bad_usage("--webhook-kind 须为 wecom 或 dingtalk / must be wecom or "
                                 "dingtalk");
            break;
        default: return bad_usage(NULL);
        }
    }
    if (optind != argc)
        return bad_usage("serve 不接受多余参数 / serve takes no arguments");
    const char *env = getenv("YIZHAN_ADMIN_TOKEN");
    if (env && *env) {
        yz_free(o.token);
        o.token = yz_strdup(env);
    }

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
    yz_errinfo ei;
    int rc = open_store(o.db, &st);
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
                         .target_benchmark = o.target_benchmark,
                         .target_smart24h = o.target_smart24h,
                         .web_root = web_root,

                         .session_idle_s = o.session_idle_s,
                         .session_max_s = o.session_max_s,
                         .task_day_s = o.task_day_s,
                         .task_sweep_s = o.task_sweep_s,
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
    yz_http_free(srv);
    yz_api_free(api);
    yz_store_close(st);
    yz_free(o.token);
    yz_free(cfg_db);
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

static int cmd_demo(int argc, char **argv)
{
    const char *db = DEFAULT_DB;
    unsigned long long seed = 20261129;
    static const struct option opts[] = {
        {"db", required_argument, 0, 'd'},
        {"seed", required_argument, 0, 's'},
        {"history", no_argument, 0, 'H'},
        {0, 0, 0, 0}};
    bool history = false;
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'd')
            db = optarg;
        else if (c == 's')
            seed = strtoull(optarg, NULL, 10);
        else if (c == 'H')
            history = true;
        else
            return bad_usage(NULL);
    }
    if (optind != argc)
        return bad_usage(NULL);
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
    if (!rc && yz_exchange_read_file(argv[optind], (yz_facility_list){fac, nfac}, &rows, &n, &d,
                                     &nd, &ei))
        rc = yz__cli_fail(&ei);
    t_read = mono_s();
    yz_import_counts cnt = {0};
    if (!rc)
        rc = import_rows(st, rows, n, d, nd, &cnt);
    t_import = mono_s();
    if (timings && !rc) { /* where the time went, for the load bench (stderr: stdout is the
                           * result) */
        double in = cnt.check_s + cnt.stage_s + cnt.insert_s + cnt.links_s + cnt.index_s +
                    cnt.ids_s;
        fprintf(stderr,
                "timings: open %.2f s, read (parse + validate) %.2f s, check %.2f s,"
                " stage %.2f s, insert %.2f s, links %.2f s, index %.2f s, ids %.2f s,"
                " commit %.2f s, total %.2f s\n",
                t_open - t0, t_read - t_open, cnt.check_s, cnt.stage_s, cnt.insert_s,
                cnt.links_s, cnt.index_s, cnt.ids_s, t_import - t_read - in, t_import - t0);
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
            const yz_station *r = yz_snap_station(s, hits[j].station);
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
                const yz_station *r = yz_snap_station(s, pos[j]);
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
    if (!strcmp(cmd, "checklists"))
        return yz__cli_checklists(argc, argv);
    if (!strcmp(cmd, "audit"))
        return yz__cli_audit_cmd(argc, argv);
    if (!strcmp(cmd, "permissions"))
        return yz__cli_permissions(argc, argv);
    if (!strcmp(cmd, "help") || !strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
        fputs(usage, stdout);
        return 0;
    }
    return bad_usage("未知命令 / unknown command");
}
