/* SPDX-License-Identifier: MIT */
/* cli/devices.c - `yizhan devices add|list`: register a station's device (printing its id and
 * key, the only time the key is shown besides a rotation) and list devices without their keys
 * (docs/internals/live.md). */
#include "cli/cli.h"

#include "core/alloc.h"
#include "live/devices.h"
#include "store/devices.h"

#include <getopt.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define DEFAULT_DB "var/yizhan.db"

static int usage_error(const char *what)
{
    fprintf(stderr,
            "%s\nusage: yizhan devices add --station CODE --kind KIND [--name NAME] [--db PATH]\n"
            "       yizhan devices list [--station CODE] [--db PATH]\n"
            "KIND: battery_cabinet people_counter door air_conditioner water_dispenser power\n",
            what);
    return 2;
}

/* The id of the station with code `code` (case-insensitive), or 0. */
static int64_t station_id(yz_store *st, const char *code, yz_errinfo *ei, int *err)
{
    yz_station *a = NULL;
    size_t n = 0;
    int64_t id = 0;
    *err = yz_store_load_stations(st, &a, &n, ei);
    for (size_t i = 0; !*err && i < n && !id; i++)
        if (a[i].code && !strcasecmp(a[i].code, code))
            id = a[i].id;
    yz_station_array_free(a, n);
    if (!*err && !id)
        *err = yz_err_setf(ei, YZ_ENOTFOUND, "station", "驿站 %s 不存在",
                           "station %s does not exist", code);
    return id;
}

int yz__cli_devices(int argc, char **argv)
{
    static const struct option opts[] = {{"db", required_argument, 0, 'd'},
                                         {"station", required_argument, 0, 's'},
                                         {"kind", required_argument, 0, 'k'},
                                         {"name", required_argument, 0, 'n'},
                                         {0, 0, 0, 0}};
    if (argc < 2)
        return usage_error("devices 需要子命令 / devices needs a subcommand");
    const char *sub = argv[1], *db = DEFAULT_DB, *station = NULL, *kind = NULL, *name = "";
    int c;
    optind = 1;
    while ((c = getopt_long(argc - 1, argv + 1, "", opts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 's': station = optarg; break;
        case 'k': kind = optarg; break;
        case 'n': name = optarg; break;
        default: return usage_error("未知选项 / unknown option");
        }
    }
    if (optind + 1 != argc)
        return usage_error("多余的参数 / unexpected arguments");
    bool add = !strcmp(sub, "add");
    if (!add && strcmp(sub, "list"))
        return usage_error("未知子命令 / unknown subcommand");
    yz_device d;
    memset(&d, 0, sizeof d);
    if (add) {
        if (!station || !kind)
            return usage_error("add 需要 --station 和 --kind / add needs --station and --kind");
        d.kind = yz_device_kind_parse(kind);
        if (d.kind < 0)
            return usage_error("未知的设备类型 / unknown kind");
        size_t chars = 0;
        for (const char *p = name; *p; p++)
            chars += ((unsigned char)*p & 0xC0) != 0x80;
        if (chars > YZ_DEVICE_NAME_MAX || strlen(name) >= sizeof d.name)
            return usage_error("名称过长 / the name is too long");
        snprintf(d.name, sizeof d.name, "%s", name);
    }
    if (sodium_init() < 0)
        return usage_error("libsodium");
    yz_store *st = NULL;
    yz_errinfo ei;
    yz_err_clear(&ei);
    if (yz_store_open(db, &st, &ei))
        return yz__cli_fail(&ei);
    int rc = 0, err = 0;
    int64_t sid = station ? station_id(st, station, &ei, &err) : 0;
    if (err) {
        rc = yz__cli_fail(&ei);
        goto out;
    }
    if (add) {
        d.station_id = sid;
        yz_device_new_key(d.key);
        if (yz_store_device_create(st, &d, &ei)) {
            rc = yz__cli_fail(&ei);
            yz__cli_audit(st, "cli:devices_add", "device", 0, NULL, NULL, rc, ei.msg_en);
            goto out;
        }
        char after[160];
        snprintf(after, sizeof after, "{\"id\":%lld,\"station\":\"%s\",\"kind\":\"%s\"}",
                 (long long)d.id, station, yz_device_kind_name(d.kind));
        yz__cli_audit(st, "cli:devices_add", "device", d.id, NULL, after, 0, NULL);
        printf("id\t%lld\nkey\t%s\nmqtt_username\t%lld\nmqtt_topic\tyizhan/v1/devices/%lld/readings\n",
               (long long)d.id, d.key, (long long)d.id, (long long)d.id);
        sodium_memzero(d.key, sizeof d.key);
        goto out;
    }
    yz_device *a = NULL;
    size_t n = 0;
    if (yz_store_device_list(st, sid, &a, &n, &ei)) {
        rc = yz__cli_fail(&ei);
        goto out;
    }
    printf("id\tstation_id\tkind\tname\tstatus\tlast_seen_ms\n");
    for (size_t i = 0; i < n; i++)
        printf("%lld\t%lld\t%s\t%s\t%s\t%lld\n", (long long)a[i].id, (long long)a[i].station_id,
               yz_device_kind_name(a[i].kind), a[i].name, a[i].disabled ? "disabled" : "enabled",
               (long long)a[i].last_seen);
    yz_free(a);
out:
    yz_store_close(st);
    return rc;
}
