/* SPDX-License-Identifier: MIT */
/* cli/mqtt.c - `yizhan devices export-acl`: the Mosquitto password file (each enabled device,
 * username its id, password its key; and yizhan's own account) and the ACL file (a device
 * writes its own topic only, yizhan reads them all), from the store. Each file is written
 * whole beside its name and then renamed, so a broker reloading (SIGHUP) at any moment reads
 * the old file or the new one. docs/OPERATIONS.md ("MQTT broker"), docs/internals/mqtt.md. */
#include "cli/cli.h"

#include "core/alloc.h"
#include "core/buf.h"
#include "mqtt/mqtt.h"
#include "store/devices.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DEFAULT_DB "var/yizhan.db"

static int usage_error(const char *what)
{
    fprintf(stderr,
            "yizhan: %s\n用法 / usage: yizhan devices export-acl [--db PATH] --passwd FILE "
            "--acl FILE [--user NAME] [--iterations N]\n"
            "  (yizhan's own broker password from YZ_MQTT_PASSWORD)\n",
            what);
    return 2;
}

/* Write `b` to `path` through path.tmp and rename, with `mode`. */
static int write_file(const char *path, const yz_buf *b, mode_t mode, yz_errinfo *ei)
{
    char tmp[4096];
    if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp)
        return yz_err_set(ei, YZ_EINVAL, "file", "文件路径过长", "the file path is too long");
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd < 0)
        return yz_err_setf(ei, YZ_EIO, "file", "无法写入 %s：%s", "cannot write %s: %s", tmp,
                           strerror(errno));
    fchmod(fd, mode); /* whatever the umask */
    size_t off = 0;
    while (off < b->len) {
        ssize_t w = write(fd, b->data + off, b->len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            break;
        off += (size_t)w;
    }
    bool ok = off == b->len && fsync(fd) == 0;
    ok = close(fd) == 0 && ok;
    if (!ok || rename(tmp, path) != 0) {
        int e = errno;
        unlink(tmp);
        return yz_err_setf(ei, YZ_EIO, "file", "无法写入 %s：%s", "cannot write %s: %s", path,
                           strerror(e));
    }
    return YZ_OK;
}

int yz__cli_devices_export_acl(int argc, char **argv)
{
    static const struct option opts[] = {
        {"db", required_argument, 0, 'd'},         {"passwd", required_argument, 0, 'p'},
        {"acl", required_argument, 0, 'a'},        {"user", required_argument, 0, 'u'},
        {"iterations", required_argument, 0, 'i'}, {0, 0, 0, 0}};
    const char *db = DEFAULT_DB, *passwd = NULL, *acl = NULL, *user = "yizhan";
    long iterations = 0;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        char *end;
        switch (c) {
        case 'd': db = optarg; break;
        case 'p': passwd = optarg; break;
        case 'a': acl = optarg; break;
        case 'u': user = optarg; break;
        case 'i':
            iterations = strtol(optarg, &end, 10);
            if (end == optarg || *end || iterations < 1 || iterations > 10000000)
                return usage_error("--iterations: 须为 1..10000000 的整数 / must be an integer "
                                   "in 1..10000000");
            break;
        default: return usage_error("未知选项 / unknown option");
        }
    }
    if (optind != argc || !passwd || !acl)
        return usage_error("需要 --passwd 与 --acl / --passwd and --acl are required");
    /* A decimal username would be a device's: the service account must not look like one. */
    if (user[strspn(user, "0123456789")] == '\0')
        return usage_error("--user: 不可全为数字（设备用户名为其编号）/ must not be all digits "
                           "(a device's username is its id)");
    const char *pw = getenv("YZ_MQTT_PASSWORD");
    if (!pw || !*pw)
        return usage_error("请在环境变量 YZ_MQTT_PASSWORD 中设置 yizhan 的代理密码 / set "
                           "yizhan's broker password in YZ_MQTT_PASSWORD");
    yz_errinfo ei;
    yz_store *st = NULL;
    yz_device *d = NULL;
    size_t n = 0, written = 0, skipped = 0;
    yz_buf pb, ab;
    yz_buf_init(&pb);
    yz_buf_init(&ab);
    int err = yz_store_open(db, &st, &ei);
    if (!err)
        err = yz_store_device_list(st, 0, &d, &n, &ei);
    if (!err)
        err = yz_mqtt_passwd_line(&pb, user, pw, (int)iterations, &ei);
    for (size_t i = 0; !err && i < n; i++) {
        if (d[i].disabled) {
            skipped++;
            continue;
        }
        char id[24];
        snprintf(id, sizeof id, "%lld", (long long)d[i].id);
        err = yz_mqtt_passwd_line(&pb, id, d[i].key, (int)iterations, &ei);
        written++;
    }
    if (!err) {
        yz_mqtt_acl(&ab, user);
        err = write_file(passwd, &pb, 0640, &ei);
    }
    if (!err)
        err = write_file(acl, &ab, 0644, &ei);
    if (!err)
        printf("已导出 / exported: %zu 台设备 devices (%zu 台已停用未导出 disabled, left out) + "
               "%s; 请让代理重新加载 / now reload the broker (SIGHUP)\n",
               written, skipped, user);
    yz_buf_fini(&pb);
    yz_buf_fini(&ab);
    yz_free(d);
    yz_store_close(st);
    return err ? yz__cli_fail(&ei) : 0;
}
