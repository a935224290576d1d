/* SPDX-License-Identifier: MIT */
/* store/store.c - backend selection, and closing and watching through the backend's table; the
 * stations core is in stations.c, the other areas in <area>.c. */
#include "store/store.h"
#include "store/photos.h"

#include "store/events.h"
#include "store/meals.h"
#include "store/reviews.h"
#include "store/rollups.h"
#include "store/visits.h"
#include "store/workers.h"

#include <string.h>

static int no_path(yz_errinfo *ei)
{
    return yz_err_set(ei, YZ_EINVAL, "db", "缺少数据库路径", "database path is missing");
}

static int open_backend(const char *uri, yz_store **out, yz_errinfo *ei)
{
    if (strncmp(uri, "sqlite:", 7) == 0)
        return yz__store_sqlite_open(uri + 7, out, ei);
    if (strncmp(uri, "postgres://", 11) == 0 || strncmp(uri, "postgresql://", 13) == 0)
        return yz__store_pg_open(uri, out, ei);
    return yz__store_sqlite_open(uri, out, ei);
}

int yz_store_open(const char *uri, yz_store **out, yz_errinfo *ei)
{
    *out = NULL;
    if (!uri || !*uri)
        return no_path(ei);
    int err = open_backend(uri, out, ei);
    /* the dashboard's roll-ups, built once from the visits after their migration */
    if (!err)
        err = yz__rollups_open(*out, ei);
    if (err && *out) {
        yz_store_close(*out);
        *out = NULL;
    }
    return err;
}

int yz_store_backup(const char *uri, const char *dest, yz_backup_info *info, yz_errinfo *ei)
{
    if (!uri || !*uri)
        return no_path(ei);
    if (!dest || !*dest)
        return yz_err_set(ei, YZ_EINVAL, "out", "缺少备份文件路径", "backup path is missing");
    if (strncmp(uri, "postgres://", 11) == 0 || strncmp(uri, "postgresql://", 13) == 0)
        return yz_err_set(ei, YZ_EINVAL, "db", "PostgreSQL 存储请用 pg_dump 备份",
                          "back a PostgreSQL store up with pg_dump");
    if (strncmp(uri, "sqlite:", 7) == 0)
        uri += 7;
    return yz__store_sqlite_backup(uri, dest, info, ei);
}

void yz__store_close_areas(yz_store *st)
{
    yz__visits_close(st); /* the committer thread writes what is queued and stops */
    yz__photos_close(st);
    yz__workers_close(st);
}

void yz_store_close(yz_store *st)
{
    if (st)
        st->ops->close(st);
}

int yz_store_watch(yz_store *st, yz_store_change_cb *cb, void *ctx, yz_errinfo *ei)
{
    if (!st->ops->watch)
        return YZ_OK;
    yz_store_watcher w = {cb, ctx};
    return st->ops->watch(st, &w, ei);
}

void yz_store_unwatch(yz_store *st)
{
    if (st && st->ops->unwatch)
        st->ops->unwatch(st);
}

const char *yz_store_backend(const yz_store *st)
{
    return st->ops->name;
}

int yz_store_bulk(yz_store *st, bool on, yz_errinfo *ei)
{
    return st->ops->bulk ? st->ops->bulk(st, on, ei) : YZ_OK;
}

const yz_store_health *yz_store_get_health(const yz_store *st)
{
    return &st->health;
}
