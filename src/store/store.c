/* SPDX-License-Identifier: MIT */
/* store/store.c - backend selection and the thin yz_store_* wrappers over the ops table. */
#include "store/store.h"

#include "store/events.h"
#include "store/meals.h"
#include "store/reports.h"
#include "store/reviews.h"
#include "store/visits.h"
#include "store/workers.h"

#include <string.h>

int yz_store_open(const char *uri, yz_store **out, yz_errinfo *ei)
{
    *out = NULL;
    if (!uri || !*uri)
        return yz_err_set(ei, YZ_EINVAL, "db", "缺少数据库路径", "database path is missing");
    if (strncmp(uri, "sqlite:", 7) == 0)
        return yz__store_sqlite_open(uri + 7, out, ei);
    if (strncmp(uri, "postgres://", 11) == 0 || strncmp(uri, "postgresql://", 13) == 0)
        return yz__store_pg_open(uri, out, ei);
    return yz__store_sqlite_open(uri, out, ei);
}

int yz_store_backup(const char *uri, const char *dest, yz_backup_info *info, yz_errinfo *ei)
{
    if (!uri || !*uri)
        return yz_err_set(ei, YZ_EINVAL, "db", "缺少数据库路径", "database path is missing");
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
    const yz_store_area *areas[] = {
        st->reports ? &st->reports->area : NULL,
    };
    for (size_t i = 0; i < sizeof areas / sizeof *areas; i++)
        if (areas[i] && areas[i]->close)
            areas[i]->close(st);
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

int yz_store_list_facilities(yz_store *st, yz_facility **out, size_t *n, yz_errinfo *ei)
{
    return st->ops->list_facilities(st, out, n, ei);
}

int yz_store_list_districts(yz_store *st, yz_district **out, size_t *n, yz_errinfo *ei)
{
    return st->ops->list_districts(st, out, n, ei);
}

int yz_store_list_holidays(yz_store *st, int32_t **days, size_t *n, yz_errinfo *ei)
{
    return st->ops->list_holidays(st, days, n, ei);
}

int yz_store_load_stations(yz_store *st, yz_station **out, size_t *n, yz_errinfo *ei)
{
    return st->ops->load_stations(st, out, n, ei);
}

int yz_store_get_station(yz_store *st, int64_t id, yz_station *out, yz_errinfo *ei)
{
    return st->ops->get_station(st, id, out, ei);
}

int yz_store_create_station(yz_store *st, yz_station *s, yz_errinfo *ei)
{
    return st->ops->create_station(st, s, ei);
}

int yz_store_update_station(yz_store *st, yz_station *s, int64_t expect_version,
                            yz_errinfo *ei)
{
    return st->ops->update_station(st, s, expect_version, ei);
}

int yz_store_delete_station(yz_store *st, int64_t id, int64_t expect_version, yz_errinfo *ei)
{
    return st->ops->delete_station(st, id, expect_version, ei);
}

int yz_store_import(yz_store *st, yz_station *rows, size_t n, const yz_district *districts,
                    size_t n_districts, yz_import_counts *counts, yz_errinfo *ei)
{
    return st->ops->import(st, rows, n, districts, n_districts, counts, ei);
}
