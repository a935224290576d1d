/* SPDX-License-Identifier: MIT */
/* store/sqlite_int.h - what the SQLite backend's files share: the connection, its mutex and
 * small statement helpers. Only src/store/sqlite*.c include it. */
#ifndef YZ_SQLITE_INT_H
#define YZ_SQLITE_INT_H

#include "store/events.h"
#include "store/meals.h"
#include "store/db.h"
#include "store/store.h"
#include "store/visits.h"
#include "store/workers.h"

#include <pthread.h>
#include <stdbool.h>
#include <sqlite3.h>

/* How long a connection waits for another writer's lock before the request is answered 503
 * (with Retry-After): short enough that a client hears within 2 s, long enough for any
 * ordinary transaction (milliseconds) to finish first. */
#define YZ_SQ_BUSY_TIMEOUT_MS 1500

/* When the current wait for a lock began (yz__sq_busy_wait). One per connection. */
typedef struct yz__sq_busy {
    int64_t since_ms; /* monotonic */
} yz__sq_busy;
/* Make `db` wait YZ_SQ_BUSY_TIMEOUT_MS of the monotonic clock for a lock, not SQLite's own
 * busy timeout: that one adds up the sleeps it asked for, and on a loaded machine every sleep
 * overruns (1.5 s took 2.3 s at a load of 14). `b` lives as long as the connection. */
void yz__sq_busy_wait(sqlite3 *db, yz__sq_busy *b);

/* Statements kept prepared for a connection's life, by their text (sqlite_db.c). */
#define YZ_SQ_STMTS 64
typedef struct sq_stmt_cache {
    struct {
        uint64_t hash;   /* of sql */
        char *sql;       /* owned copy of the text as the area wrote it, NULL if free */
        const char *key; /* the address it was last asked for by (a hint: sql decides) */
        sqlite3_stmt *st;
        bool busy;       /* a statement in progress uses it */
    } e[YZ_SQ_STMTS];
    unsigned evict; /* the next slot to reuse when all are taken */
} sq_stmt_cache;

/* What a scan of the WAL found before recovery (sqlite_wal.c). */
typedef struct yz__sq_wal_report {
    int64_t file_bytes;      /* size of the WAL file; 0 when there is none */
    int64_t page_size;       /* bytes, from its header; 0 when the header is unreadable */
    int64_t frames;          /* whole frames in the file */
    int64_t frames_kept;     /* frames recovery keeps: up to the last valid commit */
    int64_t frames_dropped;  /* frames of the current generation that recovery drops */
    int64_t bytes_dropped;   /* their bytes (frame headers included) */
    int64_t commits_dropped; /* commit frames among them: transactions lost */
    bool header_bad;         /* the header fails its checks: SQLite ignores the whole WAL */
    bool damaged;            /* frames are dropped that a crash alone cannot explain */
} yz__sq_wal_report;

typedef struct sq_store {
    yz_store base;
    sqlite3 *db;
    pthread_mutex_t mu; /* one statement sequence at a time on `db` */
    char *path;         /* the database file, for areas that open a connection of their own */
    sq_stmt_cache stmts; /* the driver's statements on `db` (sqlite_db.c) */
    yz__sq_wal_report wal; /* the WAL as it was found at open (sqlite_wal.c) */
    bool wal_checked;      /* the scan ran: this process was the first to open the file */
    bool counted_open;     /* counted among the open stores (sqlite_wal.c) */
    char *wal_kept;        /* the copy of a damaged WAL, or NULL */
    bool bulk;             /* yz_store_bulk: connections opened now commit without fsync */
    yz__sq_busy busy;      /* the lock wait of `db` */
} sq_store;

/* The driver of store/db.h on SQLite (sqlite_db.c). */
extern const struct yz_db_driver yz__sqlite_driver;
/* Finalize the statements of `cache` (the connection is closing). */
void yz__sq_cache_free(sq_stmt_cache *cache);

/* Route SQLite's error log (recovery notices, corruption, I/O errors) to ours; once per
 * process, before any other use of SQLite. */
void yz__sq_log_init(void);
/* Read the WAL at `wal_path` (none: all zero) as SQLite's recovery will, without changing it.
 * Fills *out; YZ_EDB when the file cannot be read. */
int yz__sq_wal_scan(const char *wal_path, yz__sq_wal_report *out, yz_errinfo *ei);
/* Before the store's connection opens s->path: scan its WAL when no process has it open and,
 * when it is damaged, keep a copy next to it. YZ_EDB when no copy could be kept (the file is
 * left as it is). */
int yz__sq_wal_check(sq_store *s, yz_errinfo *ei);
/* Once the connection has run recovery: log the damage loudly and mark the store degraded. */
void yz__sq_wal_report_after_open(sq_store *s);
/* At close: what yz__sq_wal_check took. */
void yz__sq_wal_close(sq_store *s);

/* Fill `ei` with SQLite's last message for `what`; returns YZ_EDB. */
int yz__sq_db_err(sq_store *s, yz_errinfo *ei, const char *what);
/* Run SQL without results. */
int yz__sq_exec(sq_store *s, const char *sql, yz_errinfo *ei);
int yz__sq_prepare(sq_store *s, const char *sql, sqlite3_stmt **st, yz_errinfo *ei);
/* Column i as an owned string (NULL for NULL). */
/* Bind a string; NULL or "" binds NULL. */
/* BEGIN IMMEDIATE; and COMMIT when err is YZ_OK, else ROLLBACK (returning err). Call with the
 * mutex held. */

#endif
