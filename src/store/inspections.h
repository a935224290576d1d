/* SPDX-License-Identifier: MIT */
/* store/inspections.h - checklists (versioned standards), inspections with their scores,
 * experience officers and tier rules in the store (migration 0024, both dialects;
 * docs/internals/inspections.md). Written once for both backends on store/db.h.
 *
 * Ownership: records returned are owned by the caller (the _fini / _free functions); inputs
 * are borrowed. Every write is one transaction: all of it or nothing. */
#ifndef YZ_STORE_INSPECTIONS_H
#define YZ_STORE_INSPECTIONS_H

#include "model/inspection.h"
#include "store/store.h"

#include <stdbool.h>
#include <stdint.h>

/* --- checklists ---------------------------------------------------------------------------- */

/* Every checklist with its criteria, by code then version; only the active ones unless
 * `all`. Owned (yz_checklists_free). */
int yz_store_checklist_list(yz_store *st, bool all, yz_checklist **out, size_t *n,
                            yz_errinfo *ei);
/* One checklist version with its criteria into `out` (initialised by the call). YZ_ENOTFOUND. */
int yz_store_checklist_get(yz_store *st, int64_t id, yz_checklist *out, yz_errinfo *ei);
/* Load `cl` (validated: yz_checklist_parse): when the newest version of its code defines the
 * same list, nothing changes (*created false); otherwise it is inserted as the next version,
 * made active, and the code's older versions inactive (*created true). Sets cl->id,
 * version, active and created_at, and the criteria's ids. */
int yz_store_checklist_load(yz_store *st, yz_checklist *cl, bool *created, yz_errinfo *ei);

/* --- inspections --------------------------------------------------------------------------- */

#define YZ_CLIENT_ID_LEN 36 /* a UUID, 8-4-4-4-12 hexadecimal digits */

/* One criterion's result. */
typedef struct yz_insp_item {
    int64_t criterion_id;
    int value;     /* YZ_VALUE_NONE, 0/1 (pass/fail) or 0..100 */
    char *note;    /* owned, NULL when none */
    char *photos;  /* owned: sha256 hex, comma-separated; NULL when none */
} yz_insp_item;

typedef struct yz_inspection {
    int64_t id;
    char client_id[YZ_CLIENT_ID_LEN + 1];
    int64_t station_id;
    int64_t checklist_id;
    int kind;              /* enum yz_insp_kind */
    bool submitted;
    int64_t opened_by;     /* the user who opened it, 0: the admin token or an officer */
    int64_t officer_id;    /* experience_officer: the officer, else 0 */
    int64_t officer_worker_id; /* read-only: the officer's worker id */
    bool presence_verified;    /* read-only: set at submit when the officer's check-in was a
                                  verified visit (the station screen's rotating code) */
    int64_t assigned_to;   /* the inspector it is assigned to, 0: none */
    char *note;            /* owned, NULL when none */
    int64_t created_at, updated_at, submitted_at; /* unix seconds; submitted_at 0 for a draft */
    int64_t version;       /* 1 at create, +1 a change */
    yz_scores scores;      /* set at submit */
    yz_insp_item *items;   /* owned, by criterion id */
    size_t n_items;
} yz_inspection;

void yz_inspection_init(yz_inspection *in);
void yz_inspection_fini(yz_inspection *in); /* accepts NULL */
void yz_inspections_free(yz_inspection *a, size_t n);

/* Insert draft `in` (station, checklist, kind, client_id, opened_by / officer_id, assigned_to,
 * note; created_at, when > 0, for history such as the demo's, else now). When client_id is already taken, `in` is replaced by the stored inspection and
 * *existed is true: the caller decides whether it is the same client's. YZ_EINVAL when the
 * checklist is unknown or inactive (field "checklist"). */
int yz_store_insp_create(yz_store *st, yz_inspection *in, bool *existed, yz_errinfo *ei);
/* One inspection with its items into `out` (initialised by the call), by id, or by
 * client_id when `client_id` is not NULL. YZ_ENOTFOUND. */
int yz_store_insp_get(yz_store *st, int64_t id, const char *client_id, yz_inspection *out,
                      yz_errinfo *ei);

typedef struct yz_insp_filter {
    int64_t station_id;    /* 0: any */
    const char *district;  /* NULL: any (the station's district) */
    int kind;              /* -1: any */
    int status;            /* -1: any, 0 draft, 1 submitted */
    int64_t from, to;      /* created_at in [from, to); 0: open */
    int64_t officer_id;    /* 0: any */
    int64_t checklist_id;  /* 0: any */
    int self_checks;       /* 0: leave the daily self-checks out, 1: only them, -1: both */
    size_t limit;          /* at most this many, newest first (by id) */
} yz_insp_filter;
/* Inspections matching `f`, newest first, without their items. Owned
 * (yz_inspections_free). */
int yz_store_insp_list(yz_store *st, const yz_insp_filter *f, yz_inspection **out, size_t *n,
                       yz_errinfo *ei);

/* Save draft `id`: each of `items` (criterion ids of its checklist, checked by the caller)
 * replaces that criterion's result; `note` (NULL: keep) replaces the inspection's note. With
 * `if_version` > 0 the stored version must be that one (YZ_ESTALE). YZ_ENOTFOUND;
 * YZ_ECONFLICT when submitted. `out` (initialised by the call) gets the inspection after. */
int yz_store_insp_save(yz_store *st, int64_t id, const yz_insp_item *items, size_t n,
                       const char *note, int64_t if_version, yz_inspection *out,
                       yz_errinfo *ei);
/* Submit draft `id` at `now`, in one transaction: every criterion must be scored and have the
 * evidence it needs (YZ_EINVAL naming the criterion); an experience officer's inspection needs
 * a check-in of the officer's worker at the station between created_at - `presence_before_s`
 * and now (YZ_ECONFLICT, field "presence"); the scores are computed and stored. An inspection
 * already submitted is left as it is and *already set. `out` gets the inspection after. */
int yz_store_insp_submit(yz_store *st, int64_t id, int64_t now, int64_t presence_before_s,
                         yz_inspection *out, bool *already, yz_errinfo *ei);

/* Whether the items of `in` complete checklist `cl`: each criterion scored, with the evidence
 * it needs (a note, a photo). YZ_OK, or YZ_EINVAL naming the first criterion that is not
 * ("scores.sign"). Pure. */
int yz_inspection_check_complete(const yz_checklist *cl, const yz_inspection *in,
                                 yz_errinfo *ei);

/* --- experience officers ------------------------------------------------------------------- */

typedef struct yz_officer {
    int64_t id, worker_id, appointed_by, appointed_at, revoked_at; /* revoked_at 0: active */
    int64_t revoked_by;          /* the user who revoked, 0: none or the admin token */
    int64_t inspections;         /* submitted inspections (yz_store_officer_list only) */
    int64_t last_inspection_at;  /* the newest one's submitted_at, 0: none (list only) */
    char revoke_reason[808];     /* why revoked, "" when active (at most 200 characters) */
} yz_officer;

/* Every officer, active and revoked, newest appointment first, with their submitted
 * inspections' count and the newest one's time. Owned (yz_free). */
int yz_store_officer_list(yz_store *st, yz_officer **out, size_t *n, yz_errinfo *ei);
/* Revoke officer `id` at `now`, by user `by` (0: the admin token), for `reason` (borrowed).
 * `before` (may be NULL) gets the officer before, `out` after. YZ_ENOTFOUND; YZ_ECONFLICT
 * (field "id") when revoked already, nothing changed. Their inspections stay. */
int yz_store_officer_revoke(yz_store *st, int64_t id, int64_t now, int64_t by,
                            const char *reason, yz_officer *before, yz_officer *out,
                            yz_errinfo *ei);

/* Keep an appointment code's hash (hex) for `worker_id` until `expires_at`; the worker's older
 * codes are dropped. */
int yz_store_officer_code(yz_store *st, const char *code_hash, int64_t worker_id,
                          int64_t expires_at, yz_errinfo *ei);
/* Appoint the worker whose unexpired code has hash `code_hash`, at `now`, by user `by` (0: the
 * admin token); the code is used up. A revoked officer is appointed again. YZ_ENOTFOUND (no
 * such code, or expired). Fills *out; *existed when the worker was already an officer. */
int yz_store_officer_appoint(yz_store *st, const char *code_hash, int64_t now, int64_t by,
                             yz_officer *out, bool *existed, yz_errinfo *ei);
/* The active officer of worker `worker_id`. YZ_ENOTFOUND when none (or revoked). */
int yz_store_officer_of_worker(yz_store *st, int64_t worker_id, yz_officer *out,
                               yz_errinfo *ei);

/* --- daily self-checks ----------------------------------------------------------------------- */

/* One station's self-check of one local day (table self_checks). */
typedef struct yz_selfcheck {
    int64_t station_id;
    char day[11];           /* the local day (Asia/Shanghai), YYYY-MM-DD */
    int64_t inspection_id;  /* the inspection that holds the results */
    int64_t submitted_by;   /* the user, 0: the admin token */
    int64_t submitted_at;   /* unix seconds */
    int failed;             /* criteria failed: the rectification tasks it opened */
} yz_selfcheck;

/* Record the daily self-check `in` (station, checklist: an active self_check list, client_id,
 * note, items already checked against the list by the caller; the call takes its note and
 * items, and `in` gets the stored inspection, to be freed with yz_inspection_fini) of `by` for local day `day`, in
 * one transaction: the inspection is made (kind open, opened_by NULL: the tasks it opens tell
 * the district admins of an answer), its items saved, submitted at `now` (completeness,
 * scores, a task per failed criterion) and the self_checks row written. When `in->client_id`
 * is taken already, `in` becomes that inspection and *existed is true, *sc its self-check
 * (sc->inspection_id 0 when it is not one): the caller decides whether it is the same
 * client's. YZ_ECONFLICT (field "station") when the station has a self-check of `day`
 * already; YZ_EINVAL (field "checklist") when the list is not an active self_check list, or
 * naming a criterion (yz_inspection_check_complete). On error nothing is written. */
int yz_store_selfcheck_submit(yz_store *st, yz_inspection *in, const char *day, int64_t now,
                              int64_t by, yz_selfcheck *sc, bool *existed, yz_errinfo *ei);
/* The self-checks of days [from_day, to_day] (YYYY-MM-DD, inclusive), by day then station.
 * Owned (yz_free). */
int yz_store_selfcheck_list(yz_store *st, const char *from_day, const char *to_day,
                            yz_selfcheck **out, size_t *n, yz_errinfo *ei);

/* --- tier rules ----------------------------------------------------------------------------- */

/* Every tier rule, by tier then id. Owned (yz_tier_rules_free). */
int yz_store_tier_rules(yz_store *st, yz_tier_rule **out, size_t *n, yz_errinfo *ei);

#endif
