/* SPDX-License-Identifier: MIT */
/* store/inspections.c - the inspections area (docs/internals/inspections.md), written once for
 * both backends on store/db.h: checklists loaded as new versions, inspections saved as drafts
 * and submitted once (the presence check of an experience officer, the completeness check and
 * the scores in the same write transaction), officers and their appointment codes, and the
 * tier rules. */
#include "store/inspections.h"

#include "core/alloc.h"
#include "core/time.h"
#include "model/station.h"
#include "store/db.h"
#include "store/tasks.h"

#include <stdio.h>
#include <string.h>

/* --- checklists ------------------------------------------------------------------------------ */

#define CL_COLS                                                                                    \
    "SELECT id, code, version, kind, label, label_hant, label_en, active, created_at"             \
    " FROM checklists"

static void row_checklist(const yz_db_q *q, yz_checklist *c)
{
    yz_checklist_init(c);
    c->id = yz_db_col_i64(q, 0);
    c->code = yz_db_col_str(q, 1);
    c->version = yz_db_col_int(q, 2);
    c->kind = yz_cl_kind_parse(yz_db_col_text(q, 3));
    c->label = yz_db_col_str(q, 4);
    c->label_hant = yz_db_col_str(q, 5);
    c->label_en = yz_db_col_str(q, 6);
    c->active = yz_db_col_i64(q, 7) != 0;
    c->created_at = yz_db_col_i64(q, 8);
}

/* Read the criteria of `c` (c->id set). */
static int load_criteria(yz_db_tx *tx, yz_checklist *c, yz_errinfo *ei)
{
    yz_db_q q;
    yz_db_query(&q, tx,
                "SELECT id, code, label, label_hant, label_en, dimension, weight, scoring,"
                " evidence, severity FROM checklist_criteria WHERE checklist_id = $1"
                " ORDER BY position, id",
                ei);
    yz_db_i64(&q, c->id);
    size_t cap = 0;
    while (yz_db_row(&q)) {
        c->criteria = yz_db_grow(c->criteria, c->n, &cap, sizeof *c->criteria);
        yz_criterion *cr = &c->criteria[c->n++];
        memset(cr, 0, sizeof *cr);
        cr->id = yz_db_col_i64(&q, 0);
        cr->code = yz_db_col_str(&q, 1);
        cr->label = yz_db_col_str(&q, 2);
        cr->label_hant = yz_db_col_str(&q, 3);
        cr->label_en = yz_db_col_str(&q, 4);
        cr->dimension = yz_dim_parse(yz_db_col_text(&q, 5));
        cr->weight = yz_db_col_int(&q, 6);
        cr->scoring = yz_scoring_parse(yz_db_col_text(&q, 7));
        cr->evidence = yz_evidence_parse(yz_db_col_text(&q, 8));
        cr->severity = yz_severity_parse(yz_db_col_text(&q, 9));
    }
    return yz_db_end(&q);
}

static int cl_not_found(yz_errinfo *ei, const char *field, int code, int64_t id)
{
    return yz_err_setf(ei, code, field, "检查表 %lld 不存在", "checklist %lld not found",
                       (long long)id);
}

static int cl_load(yz_db_tx *tx, int64_t id, yz_checklist *out, yz_errinfo *ei)
{
    yz_checklist_init(out);
    yz_db_q q;
    yz_db_query(&q, tx, CL_COLS " WHERE id = $1", ei);
    yz_db_i64(&q, id);
    bool found = yz_db_row(&q);
    if (found)
        row_checklist(&q, out);
    int err = yz_db_end(&q);
    if (!err && !found)
        err = cl_not_found(ei, "id", YZ_ENOTFOUND, id);
    if (!err)
        err = load_criteria(tx, out, ei);
    return err;
}

typedef struct cl_list_ctx {
    bool all;
    yz_checklist *a;
    size_t n;
} cl_list_ctx;

static int cl_list_body(yz_db_tx *tx, void *arg, yz_errinfo *ei)
{
    cl_list_ctx *x = arg;
    yz_checklists_free(x->a, x->n);
    x->a = NULL;
    x->n = 0;
    yz_db_q q;
    yz_db_query(&q, tx,
                x->all ? CL_COLS " ORDER BY code, version" : CL_COLS
                " WHERE active = 1 ORDER BY code, version",
                ei);
    size_t cap = 0;
    while (yz_db_row(&q)) {
        x->a = yz_db_grow(x->a, x->n, &cap, sizeof *x->a);
        row_checklist(&q, &x->a[x->n++]);
    }
    int err = yz_db_end(&q);
    for (size_t i = 0; !err && i < x->n; i++)
        err = load_criteria(tx, &x->a[i], ei);
    return err;
}

int yz_store_checklist_list(yz_store *st, bool all, yz_checklist **out, size_t *n,
                            yz_errinfo *ei)
{
    cl_list_ctx x = {all, NULL, 0};
    int err = yz_db_run(st, YZ_DB_READ, cl_list_body, &x, ei);
    if (err) {
        yz_checklists_free(x.a, x.n);
        return err;
    }
    *out = x.a;
    *n = x.n;
    return YZ_OK;
}

typedef struct cl_get_ctx {
    int64_t id;
    yz_checklist *out;
} cl_get_ctx;

static int cl_get_body(yz_db_tx *tx, void *arg, yz_errinfo *ei)
{
    cl_get_ctx *x = arg;
    yz_checklist_fini(x->out);
    return cl_load(tx, x->id, x->out, ei);
}

int yz_store_checklist_get(yz_store *st, int64_t id, yz_checklist *out, yz_errinfo *ei)
{
    yz_checklist_init(out);
    cl_get_ctx x = {id, out};
    return yz_db_run(st, YZ_DB_READ, cl_get_body, &x, ei);
}

typedef struct cl_load_ctx {
    yz_checklist *cl;
    bool created;
    int64_t now;
} cl_load_ctx;

static int cl_load_body(yz_db_tx *tx, void *arg, yz_errinfo *ei)
{
    cl_load_ctx *x = arg;
    yz_checklist *cl = x->cl;
    x->created = false;
    yz_db_q q;
    yz_db_query(&q, tx, "SELECT id FROM checklists WHERE code = $1 ORDER BY version DESC LIMIT 1",
                ei);
    yz_db_text(&q, cl->code);
    int64_t newest = yz_db_row(&q) ? yz_db_col_i64(&q, 0) : 0;
    int err = yz_db_end(&q);
    if (err)
        return err;
    if (newest) {
        yz_checklist old;
        err = cl_load(tx, newest, &old, ei);
        bool same = !err && yz_checklist_same(&old, cl);
        if (same) {
            cl->id = old.id;
            cl->version = old.version;
            cl->active = old.active;
            cl->created_at = old.created_at;
            for (size_t i = 0; i < cl->n; i++)
                cl->criteria[i].id = old.criteria[i].id;
        } else if (!err) {
            cl->version = old.version + 1;
        }
        yz_checklist_fini(&old);
        if (err || same)
            return err;
    } else {
        cl->version = 1;
    }
    yz_db_query(&q, tx, "UPDATE checklists SET active = 0 WHERE code = $1", ei);
    yz_db_text(&q, cl->code);
    err = yz_db_exec(&q, NULL);
    if (err)
        return err;
    cl->active = true;
    cl->created_at = x->now;
    yz_db_query(&q, tx,
                "INSERT INTO checklists (code, version, kind, label, label_hant, label_en, active,"
                " created_at) VALUES ($1, $2, $3, $4, $5, $6, 1, $7) RETURNING id",
                ei);
    yz_db_text(&q, cl->code);
    yz_db_i64(&q, cl->version);
    yz_db_text(&q, yz_cl_kind_name(cl->kind));
    yz_db_text(&q, cl->label);
    yz_db_text(&q, cl->label_hant);
    yz_db_text(&q, cl->label_en);
    yz_db_i64(&q, x->now);
    if (yz_db_row(&q))
        cl->id = yz_db_col_i64(&q, 0);
    err = yz_db_end(&q);
    for (size_t i = 0; !err && i < cl->n; i++) {
        yz_criterion *cr = &cl->criteria[i];
        yz_db_query(&q, tx,
                    "INSERT INTO checklist_criteria (checklist_id, position, code, label,"
                    " label_hant, label_en, dimension, weight, scoring, evidence, severity)"
                    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
                    ei);
        yz_db_i64(&q, cl->id);
        yz_db_i64(&q, (int64_t)i + 1);
        yz_db_text(&q, cr->code);
        yz_db_text(&q, cr->label);
        yz_db_text(&q, cr->label_hant);
        yz_db_text(&q, cr->label_en);
        yz_db_text(&q, yz_dim_name(cr->dimension));
        yz_db_i64(&q, cr->weight);
        yz_db_text(&q, yz_scoring_name(cr->scoring));
        yz_db_text(&q, yz_evidence_name(cr->evidence));
        yz_db_text(&q, yz_severity_name(cr->severity));
        if (yz_db_row(&q))
            cr->id = yz_db_col_i64(&q, 0);
        err = yz_db_end(&q);
    }
    x->created = !err;
    return err;
}

int yz_store_checklist_load(yz_store *st, yz_checklist *cl, bool *created, yz_errinfo *ei)
{
    cl_load_ctx x = {cl, false, yz_time_now()};
    int err = yz_db_run(st, YZ_DB_WRITE, cl_load_body, &x, ei);
    *created = !err && x.created;
    return err;
}

/* --- inspections ------------------------------------------------------------------------------ */

void yz_inspection_init(yz_inspection *in)
{
    memset(in, 0, sizeof *in);
}

static void items_free(yz_inspection *in)
{
    for (size_t i = 0; i < in->n_items; i++) {
        yz_free(in->items[i].note);
        yz_free(in->items[i].photos);
    }
    yz_free(in->items);
    in->items = NULL;
    in->n_items = 0;
}

void yz_inspection_fini(yz_inspection *in)
{
    if (!in)
        return;
    items_free(in);
    yz_free(in->note);
    yz_inspection_init(in);
}

void yz_inspections_free(yz_inspection *a, size_t n)
{
    for (size_t i = 0; a && i < n; i++)
        yz_inspection_fini(&a[i]);
    yz_free(a);
}

#define INSP_COLS                                                                                  \
    "SELECT i.id, i.client_id, i.station_id, i.checklist_id, i.kind, i.status, i.opened_by,"      \
    " i.officer_id, o.worker_id, i.assigned_to, i.note, i.created_at, i.updated_at,"             \
    " i.submitted_at, i.version, i.score, i.score_hardware, i.score_service,"                    \
    " i.score_operations, i.presence_verified FROM inspections i"                               \
    " LEFT JOIN officers o ON o.id = i.officer_id"

static void row_insp(const yz_db_q *q, yz_inspection *in)
{
    yz_inspection_init(in);
    in->id = yz_db_col_i64(q, 0);
    snprintf(in->client_id, sizeof in->client_id, "%s",
             yz_db_col_text(q, 1) ? yz_db_col_text(q, 1) : "");
    in->station_id = yz_db_col_i64(q, 2);
    in->checklist_id = yz_db_col_i64(q, 3);
    in->kind = yz_insp_kind_parse(yz_db_col_text(q, 4));
    const char *status = yz_db_col_text(q, 5);
    in->submitted = status && strcmp(status, "submitted") == 0;
    in->opened_by = yz_db_col_i64(q, 6);
    in->officer_id = yz_db_col_i64(q, 7);
    in->officer_worker_id = yz_db_col_i64(q, 8);
    in->assigned_to = yz_db_col_i64(q, 9);
    in->note = yz_db_col_str(q, 10);
    in->created_at = yz_db_col_i64(q, 11);
    in->updated_at = yz_db_col_i64(q, 12);
    in->submitted_at = yz_db_col_i64(q, 13);
    in->version = yz_db_col_i64(q, 14);
    in->scores.has_overall = !yz_db_col_null(q, 15);
    in->scores.overall = yz_db_col_f64(q, 15);
    for (int d = 0; d < YZ_DIM__COUNT; d++) {
        in->scores.has[d] = !yz_db_col_null(q, 16 + d);
        in->scores.dim[d] = yz_db_col_f64(q, 16 + d);
    }
    in->presence_verified = yz_db_col_i64(q, 16 + YZ_DIM__COUNT) != 0;
}

static int load_items(yz_db_tx *tx, yz_inspection *in, yz_errinfo *ei)
{
    items_free(in);
    yz_db_q q;
    yz_db_query(&q, tx,
                "SELECT criterion_id, value, note, photos FROM inspection_scores"
                " WHERE inspection_id = $1 ORDER BY criterion_id",
                ei);
    yz_db_i64(&q, in->id);
    size_t cap = 0;
    while (yz_db_row(&q)) {
        in->items = yz_db_grow(in->items, in->n_items, &cap, sizeof *in->items);
        yz_insp_item *it = &in->items[in->n_items++];
        it->criterion_id = yz_db_col_i64(&q, 0);
        it->value = yz_db_col_null(&q, 1) ? YZ_VALUE_NONE : yz_db_col_int(&q, 1);
        it->note = yz_db_col_str(&q, 2);
        const char *p = yz_db_col_text(&q, 3);
        it->photos = p && *p ? yz_strdup(p) : NULL;
    }
    return yz_db_end(&q);
}

static int insp_not_found(yz_errinfo *ei)
{
    return yz_err_set(ei, YZ_ENOTFOUND, "id", "检查记录不存在", "inspection not found");
}

/* Load inspection `id` (or by `client_id`) with its items into `out` (initialised here). */
static int insp_load(yz_db_tx *tx, int64_t id, const char *client_id, yz_inspection *out,
                     yz_errinfo *ei)
{
    yz_inspection_init(out);
    yz_db_q q;
    yz_db_query(&q, tx, client_id ? INSP_COLS " WHERE i.client_id = $1" : INSP_COLS
                " WHERE i.id = $1", ei);
    if (client_id)
        yz_db_text(&q, client_id);
    else
        yz_db_i64(&q, id);
    bool found = yz_db_row(&q);
    if (found)
        row_insp(&q, out);
    int err = yz_db_end(&q);
    if (!err && !found)
        err = insp_not_found(ei);
    if (!err)
        err = load_items(tx, out, ei);
    return err;
}

typedef struct create_ctx {
    yz_inspection *in;
    yz_inspection copy; /* the input, kept for a run again */
    bool existed;
} create_ctx;

static int create_body(yz_db_tx *tx, void *arg, yz_errinfo *ei)
{
    create_ctx *x = arg;
    yz_inspection *in = x->in;
    x->existed = false;
    yz_inspection_fini(in);
    *in = x->copy;
    in->note = x->copy.note ? yz_strdup(x->copy.note) : NULL;
    yz_db_q q;
    yz_db_query(&q, tx, "SELECT id FROM inspections WHERE client_id = $1", ei);
    yz_db_text(&q, x->copy.client_id);
    int64_t id = yz_db_row(&q) ? yz_db_col_i64(&q, 0) : 0;
    int err = yz_db_end(&q);
    if (!err && id) {
        yz_inspection_fini(in);
        x->existed = true;
        return insp_load(tx, id, NULL, in, ei);
    }
    if (err)
        return err;
    yz_db_query(&q, tx, "SELECT active FROM checklists WHERE id = $1", ei);
    yz_db_i64(&q, in->checklist_id);
    int active = yz_db_row(&q) ? (int)yz_db_col_i64(&q, 0) : -1;
    err = yz_db_end(&q);
    if (!err && active < 0)
        err = cl_not_found(ei, "checklist", YZ_EINVAL, in->checklist_id);
    if (!err && active == 0)
        err = yz_err_setf(ei, YZ_EINVAL, "checklist",
                          "检查表 %lld 已有新版本，请用当前版本开始检查",
                          "checklist %lld has a newer version: start with the active one",
                          (long long)in->checklist_id);
    if (err)
        return err;
    in->created_at = in->updated_at = x->copy.created_at > 0 ? x->copy.created_at : yz_time_now();
    in->version = 1;
    in->submitted = false;
    yz_db_query(&q, tx,
                "INSERT INTO inspections (client_id, station_id, checklist_id, kind, status,"
                " opened_by, officer_id, assigned_to, note, created_at, updated_at, version)"
                " VALUES ($1, $2, $3, $4, 'draft', $5, $6, $7, $8, $9, $9, 1) RETURNING id",
                ei);
    yz_db_text(&q, in->client_id);
    yz_db_i64(&q, in->station_id);
    yz_db_i64(&q, in->checklist_id);
    yz_db_text(&q, yz_insp_kind_name(in->kind));
    if (in->opened_by)
        yz_db_i64(&q, in->opened_by);
    else
        yz_db_null(&q);
    if (in->officer_id)
        yz_db_i64(&q, in->officer_id);
    else
        yz_db_null(&q);
    if (in->assigned_to)
        yz_db_i64(&q, in->assigned_to);
    else
        yz_db_null(&q);
    yz_db_str(&q, in->note);
    yz_db_i64(&q, in->created_at);
    if (yz_db_row(&q))
        in->id = yz_db_col_i64(&q, 0);
    err = yz_db_end(&q);
    if (err && yz_db_violation(&q) == YZ_DB_FOREIGN)
        err = yz_err_set(ei, YZ_EINVAL, "assigned_to", "指派的用户不存在",
                         "the user assigned does not exist");
    return err;
}

int yz_store_insp_create(yz_store *st, yz_inspection *in, bool *existed, yz_errinfo *ei)
{
    create_ctx x = {in, *in, false};
    x.copy.note = in->note; /* borrowed from the caller's record, freed below */
    in->note = NULL;
    in->items = NULL;
    in->n_items = 0;
    x.copy.items = NULL;
    x.copy.n_items = 0;
    int err = yz_db_run(st, YZ_DB_WRITE, create_body, &x, ei);
    yz_free(x.copy.note);
    *existed = !err && x.existed;
    return err;
}

typedef struct get_ctx {
    int64_t id;
    const char *client_id;
    yz_inspection *out;
} get_ctx;

static int get_body(yz_db_tx *tx, void *arg, yz_errinfo *ei)
{
    get_ctx *x = arg;
    yz_inspection_fini(x->out);
    return insp_load(tx, x->id, x->client_id, x->out, ei);
}

int yz_store_insp_get(yz_store *st, int64_t id, const char *client_id, yz_inspection *out,
                      yz_errinfo *ei)
{
    yz_inspection_init(out);
    get_ctx x = {id, client_id, out};
    return yz_db_run(st, YZ_DB_READ, get_body, &x, ei);
}

typedef struct list_ctx {
    const yz_insp_filter *f;
    yz_inspection *a;
    size_t n;
} list_ctx;

static int list_body(yz_db_tx *tx, void *arg, yz_errinfo *ei)
{
    list_ctx *x = arg;
    const yz_insp_filter *f = x->f;
    yz_inspections_free(x->a, x->n);
    x->a = NULL;
    x->n = 0;
    /* One statement: each filter is a condition that holds when its parameter is "any". */
    yz_db_q q;
    yz_db_query(&q, tx,
                INSP_COLS " LEFT JOIN stations s ON s.id = i.station_id"
                " WHERE (CAST($1 AS BIGINT) = 0 OR i.station_id = CAST($1 AS BIGINT))"
                " AND ($2 = '' OR s.district_code = $2)"
                " AND ($3 = '' OR i.kind = $3)"
                " AND ($4 = '' OR i.status = $4)"
                " AND (CAST($5 AS BIGINT) = 0 OR i.created_at >= CAST($5 AS BIGINT))"
                " AND (CAST($6 AS BIGINT) = 0 OR i.created_at < CAST($6 AS BIGINT))"
                " AND (CAST($7 AS BIGINT) = 0 OR i.officer_id = CAST($7 AS BIGINT))"
                " AND (CAST($8 AS BIGINT) = 0 OR i.checklist_id = CAST($8 AS BIGINT))"
                " AND (CAST($9 AS BIGINT) < 0 OR (EXISTS (SELECT 1 FROM self_checks c"
                " WHERE c.inspection_id = i.id)) = (CAST($9 AS BIGINT) = 1))"
                " ORDER BY i.id DESC LIMIT $10",
                ei);
    yz_db_i64(&q, f->station_id);
    yz_db_text(&q, f->district ? f->district : "");
    yz_db_text(&q, f->kind >= 0 ? yz_insp_kind_name(f->kind) : "");
    yz_db_text(&q, f->status < 0 ? "" : f->status ? "submitted" : "draft");
    yz_db_i64(&q, f->from);
    yz_db_i64(&q, f->to);
    yz_db_i64(&q, f->officer_id);
    yz_db_i64(&q, f->checklist_id);
    yz_db_i64(&q, f->self_checks);
    yz_db_i64(&q, (int64_t)(f->limit ? f->limit : 100));
    size_t cap = 0;
    while (yz_db_row(&q)) {
        x->a = yz_db_grow(x->a, x->n, &cap, sizeof *x->a);
        row_insp(&q, &x->a[x->n++]);
    }
    return yz_db_end(&q);
}

int yz_store_insp_list(yz_store *st, const yz_insp_filter *f, yz_inspection **out, size_t *n,
                       yz_errinfo *ei)
{
    list_ctx x = {f, NULL, 0};
    int err = yz_db_run(st, YZ_DB_READ, list_body, &x, ei);
    if (err) {
        yz_inspections_free(x.a, x.n);
        return err;
    }
    *out = x.a;
    *n = x.n;
    return YZ_OK;
}

static int submitted_conflict(yz_errinfo *ei)
{
    return yz_err_set(ei, YZ_ECONFLICT, "status", "检查已提交，不能再修改",
                      "the inspection is submitted and cannot be changed");
}

typedef struct save_ctx {
    int64_t id;
    const yz_insp_item *items;
    size_t n;
    const char *note;
    int64_t if_version;
    yz_inspection *out;
} save_ctx;

static int save_body(yz_db_tx *tx, void *arg, yz_errinfo *ei)
{
    save_ctx *x = arg;
    yz_inspection_fini(x->out);
    int err = insp_load(tx, x->id, NULL, x->out, ei);
    if (!err && x->out->submitted)
        err = submitted_conflict(ei);
    if (!err)
        err = yz_db_check_version(x->if_version, x->out->version, ei);
    for (size_t i = 0; !err && i < x->n; i++) {
        const yz_insp_item *it = &x->items[i];
        yz_db_q q;
        yz_db_query(&q, tx,
                    yz_db_dialect(tx,
                                  "INSERT INTO inspection_scores (inspection_id, criterion_id,"
                                  " value, note, photos) VALUES ($1, $2, $3, $4, $5)"
                                  " ON CONFLICT (inspection_id, criterion_id) DO UPDATE SET"
                                  " value = excluded.value, note = excluded.note,"
                                  " photos = excluded.photos",
                                  "INSERT INTO inspection_scores (inspection_id, criterion_id,"
                                  " value, note, photos) VALUES ($1, $2, $3, $4, $5)"
                                  " ON CONFLICT (inspection_id, criterion_id) DO UPDATE SET"
                                  " value = EXCLUDED.value, note = EXCLUDED.note,"
                                  " photos = EXCLUDED.photos"),
                    ei);
        yz_db_i64(&q, x->id);
        yz_db_i64(&q, it->criterion_id);
        if (it->value == YZ_VALUE_NONE)
            yz_db_null(&q);
        else
            yz_db_i64(&q, it->value);
        yz_db_str(&q, it->note);
        yz_db_text(&q, it->photos ? it->photos : "");
        err = yz_db_exec(&q, NULL);
    }
    if (!err) {
        yz_db_q q;
        yz_db_query(&q, tx,
                    "UPDATE inspections SET note = CASE WHEN $1 = 1 THEN $2 ELSE note END,"
                    " updated_at = $3, version = version + 1 WHERE id = $4",
                    ei);
        yz_db_i64(&q, x->note ? 1 : 0);
        yz_db_str(&q, x->note);
        yz_db_i64(&q, yz_time_now());
        yz_db_i64(&q, x->id);
        err = yz_db_exec(&q, NULL);
    }
    if (!err) {
        yz_inspection_fini(x->out);
        err = insp_load(tx, x->id, NULL, x->out, ei);
    }
    return err;
}

int yz_store_insp_save(yz_store *st, int64_t id, const yz_insp_item *items, size_t n,
                       const char *note, int64_t if_version, yz_inspection *out,
                       yz_errinfo *ei)
{
    yz_inspection_init(out);
    save_ctx x = {id, items, n, note, if_version, out};
    return yz_db_run(st, YZ_DB_WRITE, save_body, &x, ei);
}

/* Criterion `cr` is not ready to submit: why, naming it in each language. */
static int incomplete(yz_errinfo *ei, const yz_criterion *cr, const char *zh, const char *en)
{
    char f[32 + YZ_CL_CODE_MAX], m[192], m_en[192];
    snprintf(f, sizeof f, "scores.%s", cr->code);
    snprintf(m, sizeof m, "标准“%s”（%s）%s", cr->label, cr->code, zh);
    snprintf(m_en, sizeof m_en, "criterion %s (%s) %s", cr->code, cr->label_en, en);
    return yz_err_set(ei, YZ_EINVAL, f, m, m_en);
}

int yz_inspection_check_complete(const yz_checklist *cl, const yz_inspection *in,
                                 yz_errinfo *ei)
{
    for (size_t i = 0; i < cl->n; i++) {
        const yz_criterion *cr = &cl->criteria[i];
        const yz_insp_item *it = NULL;
        for (size_t k = 0; k < in->n_items && !it; k++)
            if (in->items[k].criterion_id == cr->id)
                it = &in->items[k];
        if (!it || it->value == YZ_VALUE_NONE)
            return incomplete(ei, cr, "尚未评分，不能提交", "is not scored yet: cannot submit");
        if (cr->evidence == YZ_EVIDENCE_PHOTO && (!it->photos || !*it->photos))
            return incomplete(ei, cr, "须附照片才能提交", "needs a photo before submitting");
        if (cr->evidence == YZ_EVIDENCE_NOTE && (!it->note || !*it->note))
            return incomplete(ei, cr, "须填写说明才能提交", "needs a note before submitting");
    }
    return YZ_OK;
}

typedef struct submit_ctx {
    int64_t id, now, presence_before_s;
    yz_inspection *out;
    bool already;
} submit_ctx;

static int submit_body(yz_db_tx *tx, void *arg, yz_errinfo *ei)
{
    submit_ctx *x = arg;
    x->already = false;
    yz_inspection_fini(x->out);
    yz_inspection *in = x->out;
    int err = insp_load(tx, x->id, NULL, in, ei);
    if (err)
        return err;
    if (in->submitted) {
        x->already = true;
        return YZ_OK;
    }
    yz_checklist cl;
    err = cl_load(tx, in->checklist_id, &cl, ei);
    if (!err)
        err = yz_inspection_check_complete(&cl, in, ei);
    if (!err && in->officer_id) {
        /* proof of presence: a check-in of the officer's worker at the station; a verified one
         * (through the station screen's rotating code) is noted with the inspection */
        yz_db_q q;
        yz_db_query(&q, tx,
                    "SELECT verified FROM visits WHERE worker_id = $1 AND station_id = $2"
                    " AND at >= $3 AND at <= $4 ORDER BY verified DESC LIMIT 1",
                    ei);
        yz_db_i64(&q, in->officer_worker_id);
        yz_db_i64(&q, in->station_id);
        yz_db_i64(&q, in->created_at - x->presence_before_s);
        yz_db_i64(&q, x->now);
        bool present = yz_db_row(&q);
        in->presence_verified = present && yz_db_col_i64(&q, 0) == 1;
        err = yz_db_end(&q);
        if (!err && !present)
            err = yz_err_setf(ei, YZ_ECONFLICT, "presence",
                              "未找到您在本站的签到：请在检查期间（或开始前 %lld 分钟内）扫码签到后再提交",
                              "no check-in of yours at this station: check in (scan the "
                              "station's code) during the inspection, or at most %lld minutes "
                              "before it started, then submit",
                              (long long)(x->presence_before_s / 60));
    }
    if (!err) {
        int *values = yz_calloc(cl.n ? cl.n : 1, sizeof *values);
        for (size_t i = 0; i < cl.n; i++) {
            values[i] = YZ_VALUE_NONE;
            for (size_t k = 0; k < in->n_items; k++)
                if (in->items[k].criterion_id == cl.criteria[i].id)
                    values[i] = in->items[k].value;
        }
        yz_inspection_scores(&cl, values, &in->scores);
        yz_free(values);
        yz_db_q q;
        yz_db_query(&q, tx,
                    "UPDATE inspections SET status = 'submitted', submitted_at = $1,"
                    " updated_at = $1, version = version + 1, score = $2, score_hardware = $3,"
                    " score_service = $4, score_operations = $5, presence_verified = $7"
                    " WHERE id = $6",
                    ei);
        yz_db_i64(&q, x->now);
        yz_db_f64(&q, in->scores.overall);
        for (int d = 0; d < YZ_DIM__COUNT; d++)
            if (in->scores.has[d])
                yz_db_f64(&q, in->scores.dim[d]);
            else
                yz_db_null(&q);
        yz_db_i64(&q, x->id);
        yz_db_i64(&q, in->presence_verified ? 1 : 0);
        err = yz_db_exec(&q, NULL);
    }
    /* each failed criterion opens a rectification task, in the same transaction */
    if (!err)
        err = yz__store_tasks_from_inspection(tx, x->id, x->now, NULL, ei);
    yz_checklist_fini(&cl);
    if (!err) {
        yz_inspection_fini(in);
        err = insp_load(tx, x->id, NULL, in, ei);
    }
    return err;
}

int yz_store_insp_submit(yz_store *st, int64_t id, int64_t now, int64_t presence_before_s,
                         yz_inspection *out, bool *already, yz_errinfo *ei)
{
    yz_inspection_init(out);
    submit_ctx x = {id, now, presence_before_s, out, false};
    int err = yz_db_run(st, YZ_DB_WRITE, submit_body, &x, ei);
    *already = !err && x.already;
    return err;
}

/* --- officers --------------------------------------------------------------------------------- */

typedef struct code_ctx {
    const char *hash;
    int64_t worker_id, expires_at;
} code_ctx;

static int code_body(yz_db_tx *tx, void *arg, yz_errinfo *ei)
{
    code_ctx *x = arg;
    yz_db_q q;
    yz_db_query(&q, tx, "DELETE FROM officer_codes WHERE worker_id = $1 OR expires_at < $2", ei);
    yz_db_i64(&q, x->worker_id);
    yz_db_i64(&q, yz_time_now());
    int err = yz_db_exec(&q, NULL);
    if (err)
        return err;
    yz_db_query(&q, tx,
                "INSERT INTO officer_codes (code_hash, worker_id, expires_at) VALUES ($1, $2, $3)",
                ei);
    yz_db_text(&q, x->hash);
    yz_db_i64(&q, x->worker_id);
    yz_db_i64(&q, x->expires_at);
    return yz_db_exec(&q, NULL);
}

int yz_store_officer_code(yz_store *st, const char *code_hash, int64_t worker_id,
                          int64_t expires_at, yz_errinfo *ei)
{
    code_ctx x = {code_hash, worker_id, expires_at};
    return yz_db_run(st, YZ_DB_WRITE, code_body, &x, ei);
}

#define OFFICER_COLS                                                                              \
    "SELECT id, worker_id, appointed_by, appointed_at, revoked_at, revoked_by, revoke_reason"

static void officer_cols(const yz_db_q *q, yz_officer *out)
{
    memset(out, 0, sizeof *out);
    out->id = yz_db_col_i64(q, 0);
    out->worker_id = yz_db_col_i64(q, 1);
    out->appointed_by = yz_db_col_i64(q, 2);
    out->appointed_at = yz_db_col_i64(q, 3);
    out->revoked_at = yz_db_col_i64(q, 4);
    out->revoked_by = yz_db_col_i64(q, 5);
    const char *r = yz_db_col_text(q, 6);
    snprintf(out->revoke_reason, sizeof out->revoke_reason, "%s", r ? r : "");
}

static int officer_row(yz_db_tx *tx, const char *where, int64_t v, yz_officer *out, bool *found,
                       yz_errinfo *ei)
{
    char sql[240];
    snprintf(sql, sizeof sql, OFFICER_COLS " FROM officers WHERE %s", where);
    yz_db_q q;
    yz_db_query(&q, tx, sql, ei);
    yz_db_i64(&q, v);
    *found = yz_db_row(&q);
    if (*found)
        officer_cols(&q, out);
    return yz_db_end(&q);
}

typedef struct appoint_ctx {
    const char *hash;
    int64_t now, by;
    yz_officer *out;
    bool existed;
} appoint_ctx;

static int appoint_body(yz_db_tx *tx, void *arg, yz_errinfo *ei)
{
    appoint_ctx *x = arg;
    x->existed = false;
    yz_db_q q;
    yz_db_query(&q, tx, "SELECT worker_id FROM officer_codes WHERE code_hash = $1 AND expires_at >= $2",
                ei);
    yz_db_text(&q, x->hash);
    yz_db_i64(&q, x->now);
    int64_t worker = yz_db_row(&q) ? yz_db_col_i64(&q, 0) : 0;
    int err = yz_db_end(&q);
    if (!err && !worker)
        err = yz_err_set(ei, YZ_ENOTFOUND, "code", "任命码不存在或已过期，请让劳动者重新生成",
                         "no such appointment code, or it has expired: ask the worker for a "
                         "new one");
    if (err)
        return err;
    yz_db_query(&q, tx, "DELETE FROM officer_codes WHERE code_hash = $1", ei);
    yz_db_text(&q, x->hash);
    err = yz_db_exec(&q, NULL);
    bool found = false;
    if (!err)
        err = officer_row(tx, "worker_id = $1", worker, x->out, &found, ei);
    if (err)
        return err;
    if (found && !x->out->revoked_at) {
        x->existed = true;
        return YZ_OK;
    }
    if (found) {
        yz_db_query(&q, tx,
                    "UPDATE officers SET revoked_at = NULL, revoked_by = NULL, revoke_reason = NULL,"
                    " appointed_at = $1, appointed_by = $2 WHERE worker_id = $3",
                    ei);
    } else {
        yz_db_query(&q, tx,
                    "INSERT INTO officers (appointed_at, appointed_by, worker_id)"
                    " VALUES ($1, $2, $3)",
                    ei);
    }
    yz_db_i64(&q, x->now);
    if (x->by)
        yz_db_i64(&q, x->by);
    else
        yz_db_null(&q);
    yz_db_i64(&q, worker);
    err = yz_db_exec(&q, NULL);
    if (!err)
        err = officer_row(tx, "worker_id = $1", worker, x->out, &found, ei);
    return err;
}

int yz_store_officer_appoint(yz_store *st, const char *code_hash, int64_t now, int64_t by,
                             yz_officer *out, bool *existed, yz_errinfo *ei)
{
    appoint_ctx x = {code_hash, now, by, out, false};
    int err = yz_db_run(st, YZ_DB_WRITE, appoint_body, &x, ei);
    *existed = !err && x.existed;
    return err;
}

typedef struct of_ctx {
    int64_t worker_id;
    yz_officer *out;
    bool found;
} of_ctx;

static int of_body(yz_db_tx *tx, void *arg, yz_errinfo *ei)
{
    of_ctx *x = arg;
    return officer_row(tx, "worker_id = $1 AND revoked_at IS NULL", x->worker_id, x->out,
                       &x->found, ei);
}

int yz_store_officer_of_worker(yz_store *st, int64_t worker_id, yz_officer *out,
                               yz_errinfo *ei)
{
    of_ctx x = {worker_id, out, false};
    int err = yz_db_run(st, YZ_DB_READ1, of_body, &x, ei);
    if (!err && !x.found)
        err = yz_err_set(ei, YZ_EFORBIDDEN, "Authorization",
                         "你还不是体验官：请向工会出示任命码",
                         "you are not an experience officer: show the union your appointment "
                         "code");
    return err;
}

typedef struct olist_ctx {
    yz_officer *a;
    size_t n;
} olist_ctx;

static int olist_body(yz_db_tx *tx, void *arg, yz_errinfo *ei)
{
    olist_ctx *x = arg;
    yz_free(x->a);
    x->a = NULL;
    x->n = 0;
    yz_db_q q;
    yz_db_query(&q, tx,
                "SELECT o.id, o.worker_id, o.appointed_by, o.appointed_at, o.revoked_at,"
                " o.revoked_by, o.revoke_reason,"
                " (SELECT count(*) FROM inspections i WHERE i.officer_id = o.id"
                " AND i.status = 'submitted'),"
                " (SELECT max(i.submitted_at) FROM inspections i WHERE i.officer_id = o.id)"
                " FROM officers o ORDER BY o.appointed_at DESC, o.id DESC",
                ei);
    size_t cap = 0;
    while (yz_db_row(&q)) {
        x->a = yz_db_grow(x->a, x->n, &cap, sizeof *x->a);
        yz_officer *o = &x->a[x->n++];
        officer_cols(&q, o);
        o->inspections = yz_db_col_i64(&q, 7);
        o->last_inspection_at = yz_db_col_i64(&q, 8);
    }
    return yz_db_end(&q);
}

int yz_store_officer_list(yz_store *st, yz_officer **out, size_t *n, yz_errinfo *ei)
{
    olist_ctx x = {NULL, 0};
    int err = yz_db_run(st, YZ_DB_READ, olist_body, &x, ei);
    if (err) {
        yz_free(x.a);
        x.a = NULL;
        x.n = 0;
    }
    *out = x.a;
    *n = x.n;
    return err;
}

typedef struct revoke_ctx {
    int64_t id, now, by;
    const char *reason;
    yz_officer *before, *out;
} revoke_ctx;

static int revoke_body(yz_db_tx *tx, void *arg, yz_errinfo *ei)
{
    revoke_ctx *x = arg;
    bool found = false;
    int err = officer_row(tx, "id = $1", x->id, x->before, &found, ei);
    if (!err && !found)
        err = yz_err_set(ei, YZ_ENOTFOUND, "id", "体验官不存在", "no such experience officer");
    if (!err && x->before->revoked_at)
        err = yz_err_set(ei, YZ_ECONFLICT, "id", "该体验官已被撤销，无需再次撤销",
                         "this experience officer is revoked already");
    if (err)
        return err;
    yz_db_q q;
    yz_db_query(&q, tx,
                "UPDATE officers SET revoked_at = $1, revoked_by = $2, revoke_reason = $3"
                " WHERE id = $4 AND revoked_at IS NULL",
                ei);
    yz_db_i64(&q, x->now);
    if (x->by)
        yz_db_i64(&q, x->by);
    else
        yz_db_null(&q);
    yz_db_text(&q, x->reason);
    yz_db_i64(&q, x->id);
    err = yz_db_exec(&q, NULL);
    /* a code shown before the revocation must not appoint them again by surprise */
    if (!err) {
        yz_db_query(&q, tx, "DELETE FROM officer_codes WHERE worker_id = $1", ei);
        yz_db_i64(&q, x->before->worker_id);
        err = yz_db_exec(&q, NULL);
    }
    if (!err)
        err = officer_row(tx, "id = $1", x->id, x->out, &found, ei);
    return err;
}

int yz_store_officer_revoke(yz_store *st, int64_t id, int64_t now, int64_t by,
                            const char *reason, yz_officer *before, yz_officer *out,
                            yz_errinfo *ei)
{
    yz_officer ignored;
    revoke_ctx x = {id, now, by, reason, before ? before : &ignored, out};
    return yz_db_run(st, YZ_DB_WRITE, revoke_body, &x, ei);
}

/* --- daily self-checks ------------------------------------------------------------------------ */

static void row_selfcheck(const yz_db_q *q, yz_selfcheck *sc)
{
    memset(sc, 0, sizeof *sc);
    sc->station_id = yz_db_col_i64(q, 0);
    const char *d = yz_db_col_text(q, 1);
    snprintf(sc->day, sizeof sc->day, "%s", d ? d : "");
    sc->inspection_id = yz_db_col_i64(q, 2);
    sc->submitted_by = yz_db_col_i64(q, 3);
    sc->submitted_at = yz_db_col_i64(q, 4);
    sc->failed = (int)yz_db_col_i64(q, 5);
}

#define SC_COLS "SELECT station_id, day, inspection_id, submitted_by, submitted_at, failed"

typedef struct sc_ctx {
    yz_inspection *in;
    yz_inspection copy; /* the input, borrowed items and note, kept for a run again */
    const char *day;
    int64_t now, by;
    yz_selfcheck *sc;
    bool existed;
} sc_ctx;

static int sc_body(yz_db_tx *tx, void *arg, yz_errinfo *ei)
{
    sc_ctx *x = arg;
    x->existed = false;
    memset(x->sc, 0, sizeof *x->sc);
    yz_inspection_fini(x->in);
    yz_inspection_init(x->in);
    /* the same form sent again: the stored inspection and its self-check */
    yz_db_q q;
    yz_db_query(&q, tx, "SELECT id FROM inspections WHERE client_id = $1", ei);
    yz_db_text(&q, x->copy.client_id);
    int64_t id = yz_db_row(&q) ? yz_db_col_i64(&q, 0) : 0;
    int err = yz_db_end(&q);
    if (!err && id) {
        x->existed = true;
        err = insp_load(tx, id, NULL, x->in, ei);
        if (!err) {
            yz_db_query(&q, tx, SC_COLS " FROM self_checks WHERE inspection_id = $1", ei);
            yz_db_i64(&q, id);
            if (yz_db_row(&q))
                row_selfcheck(&q, x->sc);
            err = yz_db_end(&q);
        }
        return err;
    }
    if (err)
        return err;
    yz_db_query(&q, tx, "SELECT kind FROM checklists WHERE id = $1", ei);
    yz_db_i64(&q, x->copy.checklist_id);
    const char *k = yz_db_row(&q) ? yz_db_col_text(&q, 0) : NULL;
    bool self = k && strcmp(k, "self_check") == 0;
    err = yz_db_end(&q);
    if (!err && !self)
        err = yz_err_setf(ei, YZ_EINVAL, "checklist", "检查表 %lld 不是自查表",
                          "checklist %lld is not a self-check list",
                          (long long)x->copy.checklist_id);
    if (err)
        return err;
    yz_db_query(&q, tx, "SELECT inspection_id FROM self_checks WHERE station_id = $1 AND day = $2",
                ei);
    yz_db_i64(&q, x->copy.station_id);
    yz_db_text(&q, x->day);
    int64_t other = yz_db_row(&q) ? yz_db_col_i64(&q, 0) : 0;
    err = yz_db_end(&q);
    if (!err && other)
        err = yz_err_setf(ei, YZ_ECONFLICT, "station",
                          "本站今天（%s）已提交自查（检查记录 %lld），每站每天一次",
                          "this station's self-check of today (%s) is submitted already "
                          "(inspection %lld): one a station a day",
                          x->day, (long long)other);
    if (err)
        return err;
    /* the inspection, its items, the submit: the steps of the staff routes, in this one
     * transaction */
    create_ctx cx = {x->in, x->copy, false};
    cx.copy.kind = YZ_INSP_OPEN;
    cx.copy.opened_by = 0;
    cx.copy.officer_id = 0;
    cx.copy.assigned_to = 0;
    cx.copy.created_at = x->now;
    cx.copy.items = NULL;
    cx.copy.n_items = 0;
    err = create_body(tx, &cx, ei);
    if (err)
        return err;
    id = x->in->id;
    save_ctx sv = {id, x->copy.items, x->copy.n_items, NULL, 0, x->in};
    err = save_body(tx, &sv, ei);
    submit_ctx su = {id, x->now, 0, x->in, false};
    if (!err)
        err = submit_body(tx, &su, ei);
    int64_t failed = 0;
    if (!err) {
        yz_db_query(&q, tx, "SELECT count(*) FROM tasks WHERE inspection_id = $1", ei);
        yz_db_i64(&q, id);
        failed = yz_db_row(&q) ? yz_db_col_i64(&q, 0) : 0;
        err = yz_db_end(&q);
    }
    if (err)
        return err;
    yz_db_query(&q, tx,
                "INSERT INTO self_checks (station_id, day, inspection_id, submitted_by,"
                " submitted_at, failed) VALUES ($1, $2, $3, $4, $5, $6)",
                ei);
    yz_db_i64(&q, x->copy.station_id);
    yz_db_text(&q, x->day);
    yz_db_i64(&q, id);
    if (x->by)
        yz_db_i64(&q, x->by);
    else
        yz_db_null(&q);
    yz_db_i64(&q, x->now);
    yz_db_i64(&q, failed);
    err = yz_db_exec(&q, NULL);
    if (err && yz_db_violation(&q) == YZ_DB_UNIQUE)
        err = yz_err_setf(ei, YZ_ECONFLICT, "station",
                          "本站今天（%s）已提交自查，每站每天一次",
                          "this station's self-check of today (%s) is submitted already: one "
                          "a station a day",
                          x->day);
    if (!err)
        *x->sc = (yz_selfcheck){x->copy.station_id, "", id, x->by, x->now, (int)failed};
    if (!err)
        snprintf(x->sc->day, sizeof x->sc->day, "%s", x->day);
    return err;
}

int yz_store_selfcheck_submit(yz_store *st, yz_inspection *in, const char *day, int64_t now,
                              int64_t by, yz_selfcheck *sc, bool *existed, yz_errinfo *ei)
{
    sc_ctx x = {in, *in, day, now, by, sc, false};
    /* the input's note and items stay the caller's; `in` gets the stored inspection */
    yz_inspection_init(in);
    int err = yz_db_run(st, YZ_DB_WRITE, sc_body, &x, ei);
    *existed = !err && x.existed;
    /* give the input back to be freed with `in`'s own: the caller owns both */
    yz_inspection_fini(&x.copy);
    return err;
}

typedef struct sclist_ctx {
    const char *from, *to;
    yz_selfcheck *a;
    size_t n;
} sclist_ctx;

static int sclist_body(yz_db_tx *tx, void *arg, yz_errinfo *ei)
{
    sclist_ctx *x = arg;
    yz_free(x->a);
    x->a = NULL;
    x->n = 0;
    yz_db_q q;
    yz_db_query(&q, tx,
                SC_COLS " FROM self_checks WHERE day >= $1 AND day <= $2 ORDER BY day, station_id",
                ei);
    yz_db_text(&q, x->from);
    yz_db_text(&q, x->to);
    size_t cap = 0;
    while (yz_db_row(&q)) {
        x->a = yz_db_grow(x->a, x->n, &cap, sizeof *x->a);
        row_selfcheck(&q, &x->a[x->n++]);
    }
    return yz_db_end(&q);
}

int yz_store_selfcheck_list(yz_store *st, const char *from_day, const char *to_day,
                            yz_selfcheck **out, size_t *n, yz_errinfo *ei)
{
    sclist_ctx x = {from_day, to_day, NULL, 0};
    int err = yz_db_run(st, YZ_DB_READ1, sclist_body, &x, ei);
    if (err) {
        yz_free(x.a);
        x.a = NULL;
        x.n = 0;
    }
    *out = x.a;
    *n = x.n;
    return err;
}

/* --- tier rules ------------------------------------------------------------------------------- */

typedef struct rules_ctx {
    yz_tier_rule *a;
    size_t n;
} rules_ctx;

static int rules_body(yz_db_tx *tx, void *arg, yz_errinfo *ei)
{
    rules_ctx *x = arg;
    yz_tier_rules_free(x->a, x->n);
    x->a = NULL;
    x->n = 0;
    yz_db_q q;
    yz_db_query(&q, tx,
                "SELECT id, tier, rule, param, n, label, label_hant, label_en FROM tier_rules"
                " ORDER BY tier, id",
                ei);
    size_t cap = 0;
    while (yz_db_row(&q)) {
        x->a = yz_db_grow(x->a, x->n, &cap, sizeof *x->a);
        yz_tier_rule *r = &x->a[x->n++];
        r->id = yz_db_col_i64(&q, 0);
        r->tier = yz_tier_parse(yz_db_col_text(&q, 1));
        r->rule = yz_tier_rule_parse(yz_db_col_text(&q, 2));
        r->param = yz_db_col_str(&q, 3);
        r->n = yz_db_col_int(&q, 4);
        r->label = yz_db_col_str(&q, 5);
        r->label_hant = yz_db_col_str(&q, 6);
        r->label_en = yz_db_col_str(&q, 7);
    }
    return yz_db_end(&q);
}

int yz_store_tier_rules(yz_store *st, yz_tier_rule **out, size_t *n, yz_errinfo *ei)
{
    rules_ctx x = {NULL, 0};
    int err = yz_db_run(st, YZ_DB_READ, rules_body, &x, ei);
    if (err) {
        yz_tier_rules_free(x.a, x.n);
        return err;
    }
    *out = x.a;
    *n = x.n;
    return YZ_OK;
}
