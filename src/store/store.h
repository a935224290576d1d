/* SPDX-License-Identifier: MIT */
/* store/store.h - the store: the durable home of every record. Opening and closing it, the
 * stations (with facilities, districts, holidays and imports), backups and watching for other
 * nodes' changes; each other area has its header store/<area>.h. Every area is written once
 * on store/db.h, which the backends (SQLite, PostgreSQL) implement as drivers
 * (docs/internals/store.md). Domain code calls only the yz_store_* functions and never
 * writes SQL.
 *
 * Thread safety: a store may be called from any thread; each backend serialises what it
 * must. Every write is one transaction: it is durable when the call returns YZ_OK and
 * leaves nothing behind when it fails. Records returned are owned by the caller. */
#ifndef YZ_STORE_H
#define YZ_STORE_H

#include "core/err.h"
#include "model/station.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct yz_store yz_store;

typedef struct yz_import_counts {
    size_t created;   /* stations new to the store */
    size_t updated;   /* stations matched by code and changed */
    size_t districts; /* districts created */
    /* Where the time went, in seconds (wall clock, this process), for `import --timings`
     * and the load bench: checking the rows against the tables, copying them into the
     * staging table, moving them into stations (or copying them straight in, into an empty
     * table), building the index that was set aside, reading back ids and versions. 0 for a
     * phase not run. */
    double check_s, stage_s, insert_s, index_s, ids_s;
    bool alone; /* the load held the store alone, with a rollback journal (yz_import_source) */
} yz_import_counts;

/* Where yz_store_import_stream takes its rows, on the import's thread. `next` gives the next
 * rows in order (*rows stays valid, and may be written, until the import returns) with the
 * districts first named in them (*d, *nd: as yz_store_import's `districts`, valid as long),
 * *n = 0 at the end, or the source's error (ei filled, naming its row: the import fails with
 * it as it is). `hint`: at least as many rows as will come (a large load into an empty store
 * builds its indexes after the rows). `alone`: the caller opened the store for this load and
 * nothing else of its own uses it (`yizhan import`); then a SQLite store without stations is
 * held exclusively for the load (another process waits for it, then is told the store is
 * busy) and written with a rollback journal instead of the WAL, which does not copy the
 * pages past the file's old end twice; WAL again after it, loaded or failed. When another
 * process has the store open the load runs as without `alone`. */
typedef struct yz_import_source {
    int (*next)(void *ctx, yz_station **rows, size_t *n, const yz_district **d, size_t *nd,
                yz_errinfo *ei);
    void *ctx;
    size_t hint;
    bool alone;
} yz_import_source;

/* What yz_store_watch calls when another process sharing the store changed it: `area`, and
 * the id of the one record that changed (a station's), or 0 for anything in the area. */
typedef void yz_store_change_cb(void *ctx, const char *area, int64_t id);
typedef struct yz_store_watcher {
    yz_store_change_cb *cb;
    void *ctx;
} yz_store_watcher;

/* What a backend does beyond transactions and statements (store/db.h): its name, closing,
 * and watching for other processes' changes. The areas' operations are written once on
 * store/db.h (store/stations.c, store/events.c, ...). */
typedef struct yz_store_ops {
    const char *name; /* "sqlite" or "postgresql" */
    void (*close)(yz_store *st);
    int (*watch)(yz_store *st, const yz_store_watcher *w, yz_errinfo *ei); /* may be NULL */
    void (*unwatch)(yz_store *st);                                          /* may be NULL */
    int (*bulk)(yz_store *st, bool on, yz_errinfo *ei);                     /* may be NULL */
    /* yz_import_source's `alone`: on, hold the store and use a rollback journal if it has no
     * station and no other process has it open (*held says whether); off, WAL again. */
    int (*alone)(yz_store *st, bool on, bool *held, yz_errinfo *ei); /* may be NULL */
} yz_store_ops;

/* How the store is, as /healthz and /metrics show it. Set when the store opens, read-only after. */
typedef struct yz_store_health {
    bool degraded;              /* serving, but something was lost or is wrong */
    char reason[320];           /* why, in Chinese; "" when not degraded */
    char reason_en[320];        /* why, in English */
    int64_t wal_frames_dropped; /* SQLite: frames of a damaged WAL that recovery dropped at open */
    int64_t wal_bytes_dropped;  /* their bytes */
} yz_store_health;

/* Backends embed this as their first member. The areas of the store (store/<area>.h) are
 * written once on `db` (store/db.h) and have no tables of their own. */
struct yz_store {
    const yz_store_ops *ops;                   /* private: name, close, watch */
    const struct yz_db_driver *db;             /* private: transactions and statements (db.h) */
    struct yz_visit_committer *visit_committer; /* private: visits.c, started on first use */
    struct yz_worker_cache *worker_cache;       /* private: workers.c, made on first use */
    yz_store_health health;                     /* private: the backend sets it at open */
    char *photo_dir; /* private: photos.c; where photo files go (SQLite), NULL: in the database */
};

/* Open the store at `uri`: a file path (SQLite, created with its schema if missing),
 * "sqlite:PATH", or a PostgreSQL URI ("postgresql://..." or "postgres://...", the database
 * must exist; the schema is created in it). Migrations that the database lacks are
 * applied, in order, each in a transaction. Returns owned *out, or YZ_EDB / YZ_EINVAL with `ei` filled. */
int yz_store_open(const char *uri, yz_store **out, yz_errinfo *ei);
/* Accepts NULL. */
void yz_store_close(yz_store *st);
const char *yz_store_backend(const yz_store *st);
/* The store's health, set when it was opened (a SQLite store whose WAL was damaged and lost
 * frames at recovery is degraded; docs/internals/store.md). Returns borrowed (valid until
 * yz_store_close); safe from any thread. */
const yz_store_health *yz_store_get_health(const yz_store *st);

/* All facilities, ordered by bit. Returns an owned array (free each with yz_facility_fini,
 * then yz_free). */
/* Bulk loading (`yizhan demo`, which can simply run again): with `on`, SQLite commits without
 * waiting for the disk (synchronous=OFF: a crash or power loss may lose the last
 * transactions, never corrupt the database), and so does a connection of its own opened
 * meanwhile (the visits committer, which keeps it until the store closes); off restores
 * synchronous=FULL on the store's connection. PostgreSQL keeps
 * its durability (no-op). Only while no other thread uses the store. YZ_EDB. */
int yz_store_bulk(yz_store *st, bool on, yz_errinfo *ei);

int yz_store_list_facilities(yz_store *st, yz_facility **out, size_t *n, yz_errinfo *ei);
/* All districts, ordered by code. Owned, as above with yz_district_fini. */
int yz_store_list_districts(yz_store *st, yz_district **out, size_t *n, yz_errinfo *ei);
/* Public holidays as days since 1970-01-01 (local dates), sorted. Owned (yz_free). */
int yz_store_list_holidays(yz_store *st, int32_t **days, size_t *n, yz_errinfo *ei);
/* Every station, ordered by id, with district_name filled. Owned (yz_station_array_free). */
int yz_store_load_stations(yz_store *st, yz_station **out, size_t *n, yz_errinfo *ei);
/* Where yz_store_scan_stations hands the stations: `begin` with their number (a hint: rows
 * written meanwhile by another connection are not counted), called again if the read starts
 * over (a PostgreSQL retry: forget what `put` gave), then `put` once a station in id order,
 * with district_name NULL (the read skips the join to `districts`: a snapshot takes the name
 * from its district list); the station and its strings are borrowed for the call only. */
typedef struct yz_station_sink {
    void (*begin)(void *ctx, size_t n_hint);
    void (*put)(void *ctx, const yz_station *st);
    void *ctx;
} yz_station_sink;

/* Every station, as yz_store_load_stations reads them but for the district's name, into `sink`
 * without a copy of each (a server's start at a million stations: docs/internals/catalog.md,
 * "The start"). On an error the sink may have had some: the caller drops them. */
int yz_store_scan_stations(yz_store *st, const yz_station_sink *sink, yz_errinfo *ei);
/* One station by id into `out` (initialised by the call). YZ_ENOTFOUND if none. */
int yz_store_get_station(yz_store *st, int64_t id, yz_station *out, yz_errinfo *ei);
/* Insert `s` (validated by the caller). On success sets s->id, created_at, updated_at and
 * version = 1. YZ_ECONFLICT if the code is taken, YZ_EINVAL if the district is unknown. */
int yz_store_create_station(yz_store *st, yz_station *s, yz_errinfo *ei);
/* Replace station s->id with `s` if its stored version equals `expect_version` (0: any).
 * On success sets s->version (incremented), updated_at and created_at.
 * YZ_ENOTFOUND, YZ_ESTALE, YZ_ECONFLICT (code taken by another station), YZ_EINVAL. */
int yz_store_update_station(yz_store *st, yz_station *s, int64_t expect_version,
                            yz_errinfo *ei);
/* Delete station `id` if its version equals `expect_version` (0: any). */
int yz_store_delete_station(yz_store *st, int64_t id, int64_t expect_version, yz_errinfo *ei);
/* Upsert `rows` by code and create the districts named, all in one transaction: all rows
 * land or none. A row's fields replace the stored ones; its id, created_at and version are
 * taken from the store. Sets each row's id and version. */
int yz_store_import(yz_store *st, yz_station *rows, size_t n, const yz_district *districts,
                    size_t n_districts, yz_import_counts *counts, yz_errinfo *ei);

/* yz_store_import for rows that arrive while they are written (a file still being parsed on
 * another thread): the same checks, messages and all-or-nothing rule, for rows whose codes
 * are all different (a code given twice fails the import). The rows' ids are not given back;
 * the counts are. */
int yz_store_import_stream(yz_store *st, const yz_import_source *src, yz_import_counts *counts,
                           yz_errinfo *ei);

/* Watch for changes made by other processes sharing the store (PostgreSQL: other yizhan
 * nodes; they announce each write with NOTIFY). `cb` runs on a thread of the store's with
 * `area` naming what changed: "stations" (stations, facilities, districts; with the id of
 * the station when one was created, edited or deleted), "ratings", "events", or "*" when
 * changes may have been missed (the watch lost its connection and is
 * back). Changes this process makes are not reported. Backends used by one process only
 * (SQLite) return YZ_OK and never call. Call once, before serving; the watch ends with
 * yz_store_close. */
int yz_store_watch(yz_store *st, yz_store_change_cb *cb, void *ctx, yz_errinfo *ei);
/* Stop watching: on return `cb` runs no more. Accepts a store that does not watch. */
void yz_store_unwatch(yz_store *st);

/* What a backup holds (row counts of the main tables; -1 where a table is missing). */
typedef struct yz_backup_info {
    int64_t bytes;
    int64_t stations, visits, ratings, reports, orders;
} yz_backup_info;

/* Copy the store at `uri` (as for yz_store_open) to the new file `dest` while others may keep
 * writing to it: a consistent copy as of one commit, checked with an integrity check, written
 * to disk and only then given its name. Never creates, changes or migrates the source.
 * YZ_ENOTFOUND (no database at uri), YZ_ECONFLICT (dest exists), YZ_EINVAL (a backend without
 * backups), YZ_EDB. */
int yz_store_backup(const char *uri, const char *dest, yz_backup_info *info, yz_errinfo *ei);

/* Requests the store refused because its database could not take them for now (locked past
 * the busy timeout, disk full, server unreachable), since the process started: /metrics. */
unsigned long long yz_store_unavailable_total(void);

/* For the areas: station `id` does not exist, as error `code` about `field` (the one wording
 * of it; YZ_ENOTFOUND for the station asked for, YZ_EINVAL for a record that names it). */
int yz__store_no_station(yz_errinfo *ei, int code, const char *field, int64_t id);

/* For backends' close: stop what the areas run (the visits committer) before the connections. */
void yz__store_close_areas(yz_store *st);
/* For backends' open, once migrated: insert the seed facilities the database lacks (by code),
 * keeping bits already taken (store/stations.c). */
int yz__store_seed_facilities(yz_store *st, yz_errinfo *ei);

/* Backend constructors, for yz_store_open. */
int yz__store_sqlite_open(const char *path, yz_store **out, yz_errinfo *ei);
int yz__store_sqlite_backup(const char *path, const char *dest, yz_backup_info *info,
                            yz_errinfo *ei);
/* NULL-safe: YZ_EINVAL when the build has no PostgreSQL (libpq was not found). */
int yz__store_pg_open(const char *conninfo, yz_store **out, yz_errinfo *ei);

#endif
