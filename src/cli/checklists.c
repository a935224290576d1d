/* SPDX-License-Identifier: MIT */
/* cli/checklists.c - `yizhan checklists load FILE.json` (a standard or self-check list,
 * validated, loaded as a new version when it changed, all or nothing) and `yizhan checklists
 * list` (every version). Format: docs/internals/inspections.md. */
#include "cli/cli.h"

#include "core/alloc.h"
#include "core/buf.h"
#include "store/inspections.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#define DEFAULT_DB "var/yizhan.db"
#define FILE_MAX (1u << 20) /* a checklist file is a few KB */

static int usage_error(const char *what)
{
    fprintf(stderr, "yizhan: %s\n用法 / usage: yizhan checklists load [--db PATH] FILE.json | "
                    "list [--db PATH]\n",
            what);
    return 2;
}

/* Read the whole of `path` (at most FILE_MAX bytes) into *out (owned). */
static int read_file(const char *path, char **out, size_t *len, yz_errinfo *ei)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return yz_err_setf(ei, YZ_EIO, "file", "无法打开文件 %s", "cannot open the file %s", path);
    yz_buf b;
    yz_buf_init(&b);
    char chunk[8192];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0 && b.len <= FILE_MAX)
        yz_buf_append(&b, chunk, n);
    bool bad = ferror(f) != 0;
    fclose(f);
    if (bad || b.len > FILE_MAX) {
        yz_buf_fini(&b);
        return yz_err_setf(ei, bad ? YZ_EIO : YZ_ETOOBIG, "file",
                           "无法读取文件（或超过 1 MB）：%s", "cannot read the file (or over 1 MB): %s",
                           path);
    }
    *len = b.len;
    yz_buf_putc(&b, 0);
    *out = yz_buf_take(&b);
    return YZ_OK;
}

static int load(const char *db, const char *path)
{
    yz_errinfo ei;
    yz_err_clear(&ei);
    yz_checklist cl;
    yz_checklist_init(&cl);
    char *text = NULL;
    size_t len = 0;
    yz_store *st = NULL;
    bool created = false;
    int err = yz_store_open(db, &st, &ei); /* first: a refused file is audited too */
    if (!err)
        err = read_file(path, &text, &len, &ei);
    if (!err)
        err = yz_checklist_parse(text, len, &cl, &ei);
    if (!err)
        err = yz_store_checklist_load(st, &cl, &created, &ei);
    int rc = err ? yz__cli_fail(&ei) : 0;
    if (!err)
        printf("%s %s 第 %d 版 / version %d (id %lld)%s\n", created ? "载入 / loaded" : "未变 / unchanged",
               cl.code, cl.version, cl.version, (long long)cl.id,
               created ? "" : ": 与最新版本相同 / the same as the newest version");
    if (st) {
        yz_buf a;
        yz_buf_init(&a);
        yz_buf_puts(&a, "{\"file\":");
        yz_buf_json_str(&a, path, strlen(path));
        if (!err)
            yz_buf_printf(&a, ",\"code\":\"%s\",\"version\":%d,\"created\":%s", cl.code,
                          cl.version, created ? "true" : "false");
        yz_buf_putc(&a, '}');
        yz__cli_audit(st, "cli:checklists load", "checklist", err ? 0 : cl.id, NULL, a.data, rc,
                      rc ? "the checklist was not loaded; nothing was written" : NULL);
        yz_buf_fini(&a);
    }
    yz_store_close(st);
    yz_checklist_fini(&cl);
    yz_free(text);
    return rc;
}

static int list(const char *db)
{
    yz_errinfo ei;
    yz_store *st = NULL;
    yz_checklist *a = NULL;
    size_t n = 0;
    int err = yz_store_open(db, &st, &ei);
    if (!err)
        err = yz_store_checklist_list(st, true, &a, &n, &ei);
    int rc = err ? yz__cli_fail(&ei) : 0;
    if (!err)
        printf("id\tcode\tversion\tkind\tactive\tcriteria\tlabel\n");
    for (size_t i = 0; i < n; i++)
        printf("%lld\t%s\t%d\t%s\t%s\t%zu\t%s\n", (long long)a[i].id, a[i].code, a[i].version,
               yz_cl_kind_name(a[i].kind), a[i].active ? "yes" : "no", a[i].n, a[i].label);
    yz_checklists_free(a, n);
    yz_store_close(st);
    return rc;
}

int yz__cli_checklists(int argc, char **argv)
{
    if (argc < 2)
        return usage_error("需要 load 或 list / load or list is needed");
    const char *sub = argv[1];
    static const struct option opts[] = {{"db", required_argument, 0, 'd'}, {0, 0, 0, 0}};
    const char *db = DEFAULT_DB;
    int c;
    optind = 1;
    while ((c = getopt_long(argc - 1, argv + 1, "", opts, NULL)) != -1) {
        if (c != 'd')
            return usage_error("未知选项 / unknown option");
        db = optarg;
    }
    int rest = argc - 1 - optind; /* arguments after the options */
    if (!strcmp(sub, "load")) {
        if (rest != 1)
            return usage_error("load 需要一个 JSON 文件 / load takes one JSON file");
        return load(db, argv[1 + optind]);
    }
    if (!strcmp(sub, "list")) {
        if (rest != 0)
            return usage_error("list 不带参数 / list takes no argument");
        return list(db);
    }
    return usage_error("需要 load 或 list / load or list is needed");
}
