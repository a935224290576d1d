/* SPDX-License-Identifier: MIT */
/* store/audit.h - the audit log (docs/internals/audit.md): who changed what, when, from where,
 * the record before and after, and every refused attempt. Append-only: this header has no
 * update or delete, and the database refuses both with a trigger. Written once for both
 * backends on store/db.h.
 *
 * Ownership: entries returned own their strings (yz_audit_entry_fini / yz_audit_entries_free);
 * every input pointer is borrowed. */
#ifndef YZ_STORE_AUDIT_H
#define YZ_STORE_AUDIT_H

#include "store/store.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define YZ_AUDIT_JSON_MAX (64 * 1024) /* bytes of before/after kept; longer is cut to null */
#define YZ_AUDIT_DISTRICTS_MAX 16     /* district codes one filter may name */
#define YZ_AUDIT_LIMIT_MAX 1000       /* entries one page may hold */

/* One entry. Strings may be NULL in inputs (stored as '' or NULL for the JSON). */
typedef struct yz_audit_entry {
    int64_t id;          /* set by the store */
    int64_t at;          /* unix seconds; 0 in an input: now */
    char *actor_kind;    /* "user", "admin_token", "cli", "anonymous" */
    int64_t user_id;     /* 0: none */
    char *login;         /* the user's login, the login tried, or the OS user (CLI) */
    char *addr;          /* client address, "" for the CLI */
    char *action;        /* route name of the permission table, or CLI command ("cli:import") */
    char *method, *path; /* HTTP method and path; "" for the CLI */
    char *record_kind;   /* "station", "event", "user", ...; "" when none */
    int64_t record_id;   /* 0: none */
    char *district;      /* the record's district code, "" when none */
    char *before_json;   /* JSON text or NULL */
    char *after_json;    /* JSON text or NULL */
    char *outcome;       /* "ok", "refused" (401/403/429...), "failed" (other errors) */
    int status;          /* HTTP status, or the CLI's exit code */
    char *reason;        /* why refused or failed, "" when ok */
} yz_audit_entry;

void yz_audit_entry_init(yz_audit_entry *e);
void yz_audit_entry_fini(yz_audit_entry *e);
void yz_audit_entries_free(yz_audit_entry *a, size_t n);

/* Append `e` (borrowed) in a write transaction of its own; *id (may be NULL) gets its id.
 * JSON longer than YZ_AUDIT_JSON_MAX is stored as NULL with the reason noting it. */
int yz_store_audit_append(yz_store *st, const yz_audit_entry *e, int64_t *id, yz_errinfo *ei);

/* What to list. Zero it (yz_audit_filter_init), then set what is wanted. */
typedef struct yz_audit_filter {
    int64_t user_id;                 /* 0: any */
    const char *login;               /* NULL: any; matched exactly (failed logins of no user) */
    const char *record_kind;         /* NULL: any */
    int64_t record_id;               /* 0: any (with record_kind) */
    const char *districts[YZ_AUDIT_DISTRICTS_MAX]; /* entries of one of these districts */
    size_t ndistricts;               /* 0: any district */
    int64_t from, to;                /* at >= from, at < to (unix seconds); 0: open */
    const char *action;              /* NULL: any */
    const char *outcome;             /* NULL: any */
    int64_t before_id;               /* paging: ids below this; 0: from the newest */
    int limit;                       /* 1..YZ_AUDIT_LIMIT_MAX; 0: 50 */
} yz_audit_filter;

void yz_audit_filter_init(yz_audit_filter *f);

/* The entries matching `f`, newest first (by id), at most f->limit. *out owned. */
int yz_store_audit_list(yz_store *st, const yz_audit_filter *f, yz_audit_entry **out, size_t *n,
                        yz_errinfo *ei);

#endif
