/* SPDX-License-Identifier: MIT */
/* store/sqlite_backup.c - an online backup of a SQLite store: a consistent copy taken while a
 * server keeps writing, checked, then put in place atomically (docs/internals/store.md). */
#include "store/store.h"

#include "core/alloc.h"

#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int db_err(sqlite3 *db, yz_errinfo *ei, const char *what)
{
    return yz_err_setf(ei, YZ_EDB, "db", "备份失败（%s）：%s", "backup failed (%s): %s", what,
                       db ? sqlite3_errmsg(db) : "?");
}

static int64_t count_rows(sqlite3 *db, const char *table)
{
    char sql[96];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", table);
    sqlite3_stmt *q = NULL;
    int64_t n = -1;
    if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) == SQLITE_OK && sqlite3_step(q) == SQLITE_ROW)
        n = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    return n;
}

/* Open the copy, run the integrity check and count what it holds. */
static int verify(const char *path, yz_backup_info *info, yz_errinfo *ei)
{
    sqlite3 *db = NULL;
    int err = YZ_OK;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        err = db_err(db, ei, "open copy");
        goto done;
    }
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &q, NULL) != SQLITE_OK) {
        err = db_err(db, ei, "integrity_check");
        goto done;
    }
    const unsigned char *r = sqlite3_step(q) == SQLITE_ROW ? sqlite3_column_text(q, 0) : NULL;
    if (!r || strcmp((const char *)r, "ok") != 0)
        err = yz_err_setf(ei, YZ_EDB, "db", "备份副本未通过完整性检查：%s",
                          "the copy fails the integrity check: %s", r ? (const char *)r : "?");
    sqlite3_finalize(q);
    info->stations = count_rows(db, "stations");
    info->visits = count_rows(db, "visits");
    info->ratings = count_rows(db, "ratings");
    info->reports = count_rows(db, "reports");
    info->orders = count_rows(db, "meal_orders");
done:
    sqlite3_close(db);
    return err;
}

/* fsync a file, or the folder holding `path` when dir is set. */
static int sync_path(const char *path, int dir)
{
    char *p = yz_strdup(path);
    if (dir) {
        char *slash = strrchr(p, '/');
        if (!slash) {
            yz_free(p);
            p = yz_strdup(".");
        } else if (slash == p) {
            p[1] = '\0';
        } else {
            *slash = '\0';
        }
    }
    int fd = open(p, (dir ? O_DIRECTORY : 0) | O_RDONLY | O_CLOEXEC);
    yz_free(p);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

int yz__store_sqlite_backup(const char *src, const char *dest, yz_backup_info *info,
                            yz_errinfo *ei)
{
    memset(info, 0, sizeof *info);
    struct stat sb;
    if (stat(src, &sb) != 0)
        return yz_err_setf(ei, YZ_ENOTFOUND, "db", "数据库 %s 不存在", "no database at %s", src);
    if (stat(dest, &sb) == 0)
        return yz_err_setf(ei, YZ_ECONFLICT, "out", "%s 已存在，不会覆盖",
                           "%s exists; a backup never overwrites", dest);
    size_t n = strlen(dest) + 32;
    char *tmp = yz_malloc(n);
    snprintf(tmp, n, "%s.partial-%ld", dest, (long)getpid());
    unlink(tmp);

    /* Read-only: a backup never changes (or migrates) the store it copies. VACUUM INTO reads
     * inside one read transaction, so the copy is the database as of one commit, whatever a
     * server writes meanwhile (WAL lets readers and the writer go on together). */
    sqlite3 *db = NULL;
    sqlite3_stmt *q = NULL;
    int err = YZ_OK;
    if (sqlite3_open_v2(src, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        err = db_err(db, ei, "open");
        goto done;
    }
    sqlite3_busy_timeout(db, 10000);
    if (sqlite3_prepare_v2(db, "VACUUM INTO ?", -1, &q, NULL) != SQLITE_OK) {
        err = db_err(db, ei, "prepare");
        goto done;
    }
    sqlite3_bind_text(q, 1, tmp, -1, SQLITE_STATIC);
    if (sqlite3_step(q) != SQLITE_DONE) {
        err = db_err(db, ei, "copy");
        goto done;
    }
    sqlite3_finalize(q);
    q = NULL;
    if ((err = verify(tmp, info, ei)))
        goto done;
    if (stat(tmp, &sb) == 0)
        info->bytes = (int64_t)sb.st_size;
    /* On disk before it takes the final name; the name only ever shows a whole copy. A
     * second backup racing for the same name loses instead of replacing the first. */
    if (sync_path(tmp, 0) != 0 || link(tmp, dest) != 0 || sync_path(dest, 1) != 0) {
        err = yz_err_setf(ei, YZ_EDB, "out", "无法写入 %s：%s", "cannot write %s: %s", dest,
                          strerror(errno));
        goto done;
    }
done:
    sqlite3_finalize(q);
    sqlite3_close(db);
    unlink(tmp);
    yz_free(tmp);
    return err;
}
