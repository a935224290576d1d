/* SPDX-License-Identifier: MIT */
/* store/reports.h - problem reports about stations (served as Open311 GeoReport v2 by
 * api/reports.c): the service list (data), the reports, and their status lifecycle
 * open -> acknowledged -> in_progress -> closed (forward only; closing needs a reason).
 * Records returned are owned by the caller; strings in them are freed by the *_fini calls.
 * The store functions are written once for both backends (store/reports.c) and may be called
 * from any thread; each is one transaction. */
#ifndef YZ_STORE_REPORTS_H
#define YZ_STORE_REPORTS_H

#include "store/store.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum yz_report_status {
    YZ_REPORT_OPEN,
    YZ_REPORT_ACKNOWLEDGED,
    YZ_REPORT_IN_PROGRESS,
    YZ_REPORT_CLOSED,
    YZ_REPORT__COUNT
};

/* Why a report was closed; YZ_REASON_NONE while it is not closed. */
enum yz_report_reason {
    YZ_REASON_NONE = -1,
    YZ_REASON_FIXED,
    YZ_REASON_NOT_REPRODUCIBLE,
    YZ_REASON_DUPLICATE,
    YZ_REASON__COUNT
};

/* Names as the API spells them ("in_progress", "not_reproducible"), and back: the parse
 * functions return -1 for a name not in the list. yz_report_reason_name(NONE) is "". */
const char *yz_report_status_name(int status);
int yz_report_status_parse(const char *s);
const char *yz_report_reason_name(int reason);
int yz_report_reason_parse(const char *s);

/* Whether a report may go from status `from` to `to` with closing reason `reason`. Forward
 * steps only (skipping is allowed: open -> closed is fine); `to` == closed needs a reason and
 * any other `to` must have none. Returns YZ_OK, YZ_ECONFLICT (field "status") for a step that
 * is not forward, or YZ_EINVAL (field "reason") for a missing or superfluous reason. */
int yz_report_check_transition(int from, int to, int reason, yz_errinfo *ei);

/* A kind of report (table report_services). */
typedef struct yz_report_service {
    char *code; /* "water_dispenser_broken" */
    char *name; /* zh-Hans */
    char *name_en;
    char *description; /* zh-Hans, then English */
    char *group;
    char *keywords; /* comma-separated */
    bool metadata;  /* takes the station_code attribute */
} yz_report_service;

void yz_report_service_fini(yz_report_service *s);
/* Frees `n` services and the array. Accepts NULL. */
void yz_report_service_array_free(yz_report_service *a, size_t n);

typedef struct yz_report {
    int64_t id;
    char *service_code;
    int64_t station_id; /* 0 once the station is deleted */
    char *station_code;
    char *address;        /* station name and address when reported ("" if none) */
    char *description;    /* "" if none */
    double lat, lon;      /* WGS-84 degrees */
    bool reporter_pos;    /* lat/lon are where the reporter stood (else the station's):
                           * published rounded, exact for operators */
    char *media_url;      /* NULL if none */
    int64_t worker_id;    /* 0 when reported without a worker token */
    int status;           /* enum yz_report_status */
    int reason;           /* enum yz_report_reason */
    char *notes;          /* NULL if none */
    char *held_reasons;   /* NULL: the description is public; else why it is held
                           * ("advert,phone"), until a moderator publishes it */
    int64_t requested_at; /* unix seconds */
    int64_t updated_at;   /* unix seconds */
    int64_t merged_into;  /* 0; else this is a submission that joined that open report
                           * (kept for operators, never listed in public) */
    int64_t me_too;       /* public submissions that joined this report */
    int64_t assigned_to;  /* the user the report is assigned to, 0 for nobody (staff only) */
    bool text_rejected;   /* a moderator rejected the held description: it stays hidden */
    char *client_key;     /* create only: the client's idempotency key, NULL if none */
    bool replayed;        /* create only, out: the key was seen, r is the stored submission */
} yz_report;

void yz_report_init(yz_report *r);
void yz_report_fini(yz_report *r);
/* Frees `n` reports and the array. Accepts NULL. */
void yz_report_array_free(yz_report *a, size_t n);

/* Which reports to list. Zero fields do not filter. */
typedef struct yz_report_filter {
    const int64_t *ids; /* borrowed; only these ids when n_ids > 0 */
    size_t n_ids;
    const char *service_code; /* NULL = any */
    int64_t station_id;       /* 0 = any */
    unsigned status_mask;     /* bit (1u << status); 0 = any */
    int64_t from, to;         /* requested_at in [from, to]; 0 = unbounded */
    int64_t merged_into;      /* 0: reports (never joined submissions); else the submissions
                               * that joined report `merged_into`, oldest first */
    const char *district;     /* NULL = any; else only reports at a station of that district */
    int64_t assigned_to;      /* 0 = any; > 0 that user's; YZ_REPORT_UNASSIGNED nobody's */
    bool held;                /* only held descriptions not rejected, submissions included */
    bool oldest_first;        /* order by requested_at ascending */
    size_t limit;             /* at most this many, newest first; 0 = 1000 */
} yz_report_filter;

#define YZ_REPORT_UNASSIGNED (-1) /* yz_report_filter.assigned_to: reports of nobody */

/* Every service, in their listed order. Returns an owned array
 * (yz_report_service_array_free). */
int yz_store_report_services(yz_store *st, yz_report_service **out, size_t *n, yz_errinfo *ei);
/* Insert `r` (validated by the caller: service code known, station resolved, texts checked).
 * With r->client_key set and a submission with that key already stored, nothing is written:
 * r->id, merged_into, me_too and requested_at are the stored submission's and r->replayed is
 * set (a client that lost the answer sends again: issue 13's offline queue).
 * r->status, reason, notes, merged_into and me_too are ignored: a new report is open. Sets
 * r->id, status, requested_at and updated_at. When the station already has a report of the
 * same service that is not closed, not held and not itself merged (the newest such), `r`
 * joins it instead ("me too"): it is stored as a submission with r->merged_into set to that
 * report's id, the report's me_too grows by one unless `r` is held (a held submission counts
 * once published), and r->me_too is set to the report's me_too after the call. Decided in the
 * write transaction, so of two simultaneous first reports one joins the other.
 * YZ_EINVAL (field "service_code") for an unknown service. */
int yz_store_report_create(yz_store *st, yz_report *r, yz_errinfo *ei);
/* Report `id` into `out` (initialised by the call). YZ_ENOTFOUND (field "id") if none. */
int yz_store_report_get(yz_store *st, int64_t id, yz_report *out, yz_errinfo *ei);
/* Reports matching `f`, newest first (requested_at, then id). Owned (yz_report_array_free). */
int yz_store_report_list(yz_store *st, const yz_report_filter *f, yz_report **out, size_t *n,
                         yz_errinfo *ei);
/* Move report `id` to `status` (-1: keep) with `reason` (YZ_REASON_NONE unless closing) and
 * `notes` (borrowed; NULL keeps the notes, "" clears them), checked by
 * yz_report_check_transition against the stored status, in one transaction. Writes the
 * updated report into `out` (initialised by the call; may be NULL). YZ_ENOTFOUND,
 * YZ_ECONFLICT (also for a submission merged into another report: change that one),
 * YZ_EINVAL; nothing changes on failure. */
int yz_store_report_update(yz_store *st, int64_t id, int status, int reason, const char *notes,
                           yz_report *out, yz_errinfo *ei);
/* A change of report `id`: yz_store_report_update's status, reason and notes, and the
 * assignee `assign` (-1 keeps, 0 unassigns, else a user id: the caller checks who may be
 * assigned; the schema only that the user exists), in one transaction. `out` as in update.
 * An assignment alone is allowed on a closed report too. */
typedef struct yz_report_change {
    int status;        /* -1 keeps */
    int reason;        /* YZ_REASON_NONE unless closing */
    const char *notes; /* borrowed: NULL keeps, "" clears */
    int64_t assign;    /* -1 keeps, 0 unassigns, > 0 a user id */
} yz_report_change;
int yz_store_report_change(yz_store *st, int64_t id, const yz_report_change *c, yz_report *out,
                           yz_errinfo *ei);
/* Make report `id`'s held description public (a moderator's approval); a held submission
 * that joined another report now counts in that report's me_too. YZ_ENOTFOUND. */
int yz_store_report_publish(yz_store *st, int64_t id, yz_errinfo *ei);
/* A moderator rejects report `id`'s held description: it stays hidden (held_reasons kept) and
 * leaves the moderation queue (text_rejected). Publishing it later is still possible.
 * YZ_ENOTFOUND; YZ_ECONFLICT (field "description_status") when the description is not held
 * or is rejected already. */
int yz_store_report_reject_text(yz_store *st, int64_t id, yz_errinfo *ei);

#endif
