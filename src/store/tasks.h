/* SPDX-License-Identifier: MIT */
/* store/tasks.h - rectification tasks and the inbox (migration 0026, both dialects;
 * docs/internals/tasks.md): a task for a station's operator per failed criterion of a
 * submitted inspection (opened in the submit's transaction) or made from a problem report;
 * answered by the operator, verified (closed or reopened) by an inspector, escalated to the
 * district admins when overdue; every step in its history and a notification in the inbox of
 * whom it concerns. Written once for both backends on store/db.h.
 *
 * Ownership: records returned are owned by the caller (the _fini / _free functions); inputs
 * are borrowed. Every write is one transaction: all of it or nothing. Any thread. */
#ifndef YZ_STORE_TASKS_H
#define YZ_STORE_TASKS_H

#include "store/store.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum yz_task_source { YZ_TASK_INSPECTION, YZ_TASK_REPORT, YZ_TASK_MANUAL, YZ_TASK_SOURCE__COUNT };
enum yz_task_status {
    YZ_TASK_OPEN,
    YZ_TASK_ANSWERED,
    YZ_TASK_CLOSED,
    YZ_TASK_REOPENED,
    YZ_TASK_STATUS__COUNT
};
/* "inspection", "open", ...; "" for an unknown value. The parse functions return -1. */
const char *yz_task_source_name(int v);
const char *yz_task_status_name(int v);
int yz_task_status_parse(const char *s);

/* A score under this fails a 0-100 criterion (a pass/fail one fails with a fail), the bar the
 * tier rule criteria_met uses (docs/internals/inspections.md). */
#define YZ_TASK_PASS_SCORE 60

/* The length of a "day" of deadlines, in seconds (86400; tests make it shorter). Process-wide,
 * set before serving. */
void yz_store_task_day_s(int64_t s);

typedef struct yz_task_event {
    int64_t at, by_user; /* unix seconds; the user, 0: the system or the admin token */
    char action[12];     /* open, answer, close, reopen, escalate */
    char *note;          /* owned, NULL when none */
} yz_task_event;

typedef struct yz_task {
    int64_t id, station_id;
    char district[16];         /* the station's district code when opened */
    int source;                /* enum yz_task_source */
    int64_t inspection_id;     /* source inspection, else 0 */
    char *criterion_code;      /* owned, NULL when none */
    int64_t report_id;         /* source report, else 0 */
    int64_t alarm_id;          /* the alarm it was made from (source manual), else 0 */
    char *title, *title_hant, *title_en; /* owned */
    int severity;              /* enum yz_severity (model/inspection.h) */
    int status;                /* enum yz_task_status */
    int64_t created_at, deadline; /* unix seconds */
    int64_t created_by;        /* the user who made it, 0: the system or the admin token */
    int64_t inspector_id;      /* the inspector told of answers, 0: none */
    char *answer;              /* owned, NULL until answered */
    char *answer_photos;       /* owned, sha256 hex comma-separated, NULL when none */
    int64_t answered_by, answered_at, verified_by, verified_at; /* 0: not (yet) */
    char *verify_note;         /* owned, NULL when none */
    int64_t escalated_at;      /* 0: not escalated */
    int64_t version;           /* +1 a step */
    yz_task_event *history;    /* owned, oldest first (yz_store_task_get only) */
    size_t n_history;
} yz_task;

void yz_task_init(yz_task *t);
void yz_task_fini(yz_task *t); /* accepts NULL */
void yz_tasks_free(yz_task *a, size_t n);

/* For store areas (inside the inspection submit's transaction): open a task for each failed
 * criterion of inspection `inspection_id` (just submitted at `now`), each with a deadline by
 * its severity, and notify the station's operators. *opened (may be NULL) gets how many. */
typedef struct yz_db_tx yz_db_tx;
int yz__store_tasks_from_inspection(yz_db_tx *tx, int64_t inspection_id, int64_t now,
                                    size_t *opened, yz_errinfo *ei);

/* Task `id` with its history into `out` (initialised by the call). YZ_ENOTFOUND. */
int yz_store_task_get(yz_store *st, int64_t id, yz_task *out, yz_errinfo *ei);

typedef struct yz_task_filter {
    int64_t station_id;   /* 0: any */
    const char *district; /* NULL: any */
    int status;           /* -1: any; enum yz_task_status */
    bool open_only;       /* status not closed */
    bool overdue;         /* not closed and past the deadline at `now` */
    int64_t now;
    size_t limit;         /* at most this many, by deadline then id */
} yz_task_filter;
/* Tasks matching `f`, without history. Owned (yz_tasks_free). */
int yz_store_task_list(yz_store *st, const yz_task_filter *f, yz_task **out, size_t *n,
                       yz_errinfo *ei);

/* The operator's answer to task `id` by user `by` (0: the admin token) at `now`: `text`
 * (required) and `photos` (sha256 hex, comma-separated, or NULL). The task must be open or
 * reopened (else YZ_ECONFLICT, field "status"); with `if_version` > 0 it must be that version
 * (YZ_ESTALE). The inspector (or whoever made it) is notified. `out` gets the task after. */
int yz_store_task_answer(yz_store *st, int64_t id, int64_t by, const char *text,
                         const char *photos, int64_t now, int64_t if_version, yz_task *out,
                         yz_errinfo *ei);
/* Verify task `id` by user `by` at `now`: `close` it (it must be answered; closed already:
 * YZ_ECONFLICT) or reopen it (answered or closed; a new deadline by its severity from now,
 * not escalated), with `note` (may be NULL). The user who answered it may not verify it
 * (YZ_EFORBIDDEN). The operators are notified. `out` gets the task after. */
int yz_store_task_verify(yz_store *st, int64_t id, int64_t by, bool close, const char *note,
                         int64_t now, int64_t if_version, yz_task *out, yz_errinfo *ei);
/* Make problem report `report_id` a task of its station, by `by` at `now`, of `severity`.
 * YZ_ENOTFOUND (no report), YZ_EINVAL (the report has no station, field "report"),
 * YZ_ECONFLICT when it is a task already (field "report"). `out` gets the task. */
int yz_store_task_from_report(yz_store *st, int64_t report_id, int64_t by, int severity,
                              int64_t now, yz_task *out, yz_errinfo *ei);
/* Make alarm `alarm_id` (store/alarms.h) a task of its station, by `by` at `now`, of
 * `severity`, and link the alarm to it (both ways, in one transaction). YZ_ENOTFOUND (no alarm),
 * YZ_ECONFLICT when it is a task already (field "alarm"). `out` gets the task. */
int yz_store_task_from_alarm(yz_store *st, int64_t alarm_id, int64_t by, int severity,
                             int64_t now, yz_task *out, yz_errinfo *ei);
/* Escalate every task not closed, past its deadline at `now` and not escalated yet: mark it,
 * note it in its history and notify the district admins of its district. *n: how many. */
int yz_store_task_escalate(yz_store *st, int64_t now, size_t *n, yz_errinfo *ei);

/* --- the inbox ---------------------------------------------------------------------------- */

typedef struct yz_notif {
    int64_t id, user_id, task_id;
    char kind[16];
    char *text, *text_hant, *text_en; /* owned */
    int64_t created_at, read_at;      /* read_at 0: unread */
} yz_notif;
void yz_notifs_free(yz_notif *a, size_t n);

/* User `user_id`'s notifications, newest first, at most `limit`, and how many are unread. */
int yz_store_inbox(yz_store *st, int64_t user_id, size_t limit, yz_notif **out, size_t *n,
                   int64_t *unread, yz_errinfo *ei);
/* Mark notification `id` of user `user_id` read at `now` (read already: unchanged).
 * YZ_ENOTFOUND when it is not theirs. */
int yz_store_inbox_read(yz_store *st, int64_t user_id, int64_t id, int64_t now, yz_errinfo *ei);
/* For the webhook sender: take up to `max` notifications not taken yet, made at `since` or
 * later, oldest first, marking them taken at `now` (so that each is sent once, by one node). */
int yz_store_notif_take(yz_store *st, int64_t since, int64_t now, size_t max, yz_notif **out,
                        size_t *n, yz_errinfo *ei);

#endif
