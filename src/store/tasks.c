/* SPDX-License-Identifier: MIT */
/* store/tasks.c - the rectification area (docs/internals/tasks.md), written once for both
 * backends on store/db.h: tasks opened from failed criteria (inside the inspection submit's
 * transaction) or from problem reports, their steps (answer, close, reopen, escalate) each
 * checked against the stored status in the same write transaction, each noted in the task's
 * history and told to whom it concerns through the notifications table (the inbox). */
#include "store/tasks.h"

#include "core/alloc.h"
#include "core/time.h"
#include "model/device.h"
#include "model/inspection.h"
#include "store/alarms.h"
#include "store/db.h"

#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

static _Atomic int64_t day_s = 86400;

void yz_store_task_day_s(int64_t s)
{
    atomic_store(&day_s, s > 0 ? s : 86400);
}

static const char *const source_names[] = {"inspection", "report", "manual"};
static const char *const status_names[] = {"open", "answered", "closed", "reopened"};

const char *yz_task_source_name(int v)
{
    return v >= 0 && v < YZ_TASK_SOURCE__COUNT ? source_names[v] : "";
}

const char *yz_task_status_name(int v)
{
    return v >= 0 && v < YZ_TASK_STATUS__COUNT ? status_names[v] : "";
}

int yz_task_status_parse(const char *s)
{
    for (int i = 0; s && i < YZ_TASK_STATUS__COUNT; i++)
        if (!strcmp(s, status_names[i]))
            return i;
    return -1;
}

static int source_parse(const char *s)
{
    for (int i = 0; s && i < YZ_TASK_SOURCE__COUNT; i++)
        if (!strcmp(s, source_names[i]))
            return i;
    return -1;
}

void yz_task_init(yz_task *t)
{
    memset(t, 0, sizeof *t);
}

void yz_task_fini(yz_task *t)
{
    if (!t)
        return;
    yz_free(t->criterion_code);
    yz_free(t->title);
    yz_free(t->title_hant);
    yz_free(t->title_en);
    yz_free(t->answer);
    yz_free(t->answer_photos);
    yz_free(t->verify_note);
    for (size_t i = 0; i < t->n_history; i++)
        yz_free(t->history[i].note);
    yz_free(t->history);
    yz_task_init(t);
}

void yz_tasks_free(yz_task *a, size_t n)
{
    for (size_t i = 0; a && i < n; i++)
        yz_task_fini(&a[i]);
    yz_free(a);
}

void yz_notifs_free(yz_notif *a, size_t n)
{
    for (size_t i = 0; a && i < n; i++) {
        yz_free(a[i].text);
        yz_free(a[i].text_hant);
        yz_free(a[i].text_en);
    }
    yz_free(a);
}

/* --- reading ----------------------------------------------------------------------------------- */

#define TASK_COLS                                                                                  \
    "SELECT id, station_id, district_code, source, inspection_id, criterion_code, report_id,"     \
    " title, title_hant, title_en, severity, status, created_at, deadline, created_by,"          \
    " inspector_id, answer, answer_photos, answered_by, answered_at, verified_by, verified_at,"  \
    " verify_note, escalated_at, version, alarm_id FROM tasks"

static void row_task(const yz_db_q *q, yz_task *t)
{
    yz_task_init(t);
    t->id = yz_db_col_i64(q, 0);
    t->station_id = yz_db_col_i64(q, 1);
    const char *d = yz_db_col_text(q, 2);
    snprintf(t->district, sizeof t->district, "%s", d ? d : "");
    t->source = source_parse(yz_db_col_text(q, 3));
    t->inspection_id = yz_db_col_i64(q, 4);
    t->criterion_code = yz_db_col_str(q, 5);
    t->report_id = yz_db_col_i64(q, 6);
    t->title = yz_db_col_str(q, 7);
    t->title_hant = yz_db_col_str(q, 8);
    t->title_en = yz_db_col_str(q, 9);
    t->severity = yz_severity_parse(yz_db_col_text(q, 10));
    t->status = yz_task_status_parse(yz_db_col_text(q, 11));
    t->created_at = yz_db_col_i64(q, 12);
    t->deadline = yz_db_col_i64(q, 13);
    t->created_by = yz_db_col_i64(q, 14);
    t->inspector_id = yz_db_col_i64(q, 15);
    t->answer = yz_db_col_str(q, 16);
    const char *p = yz_db_col_text(q, 17);
    t->answer_photos = p && *p ? yz_strdup(p) : NULL;
    t->answered_by = yz_db_col_i64(q, 18);
    t->answered_at = yz_db_col_i64(q, 19);
    t->verified_by = yz_db_col_i64(q, 20);
    t->verified_at = yz_db_col_i64(q, 21);
    t->verify_note = yz_db_col_str(q, 22);
    t->escalated_at = yz_db_col_i64(q, 23);
    t->version = yz_db_col_i64(q, 24);
    t->alarm_id = yz_db_col_i64(q, 25);
}

static int task_not_found(yz_errinfo *ei)
{
    return yz_err_set(ei, YZ_ENOTFOUND, "id", "整改任务不存在", "task not found");
}

static int task_load(yz_db_tx *tx, int64_t id, yz_task *out, yz_errinfo *ei)
{
    yz_task_init(out);
    yz_db_q q;
    yz_db_query(&q, tx, TASK_COLS " WHERE id = $1", ei);
    yz_db_i64(&q, id);
    bool found = yz_db_row(&q);
    if (found)
        row_task(&q, out);
    int err = yz_db_end(&q);
    if (!err && !found)
        err = task_not_found(ei);
    if (err)
        return err;
    yz_db_query(&q, tx,
                "SELECT at, by_user, action, note FROM task_events WHERE task_id = $1"
                " ORDER BY id",
                ei);
    yz_db_i64(&q, id);
    size_t cap = 0;
    while (yz_db_row(&q)) {
        out->history = yz_db_grow(out->history, out->n_history, &cap, sizeof *out->history);
        yz_task_event *e = &out->history[out->n_history++];
        e->at = yz_db_col_i64(&q, 0);
        e->by_user = yz_db_col_i64(&q, 1);
        const char *a = yz_db_col_text(&q, 2);
        snprintf(e->action, sizeof e->action, "%s", a ? a : "");
        e->note = yz_db_col_str(&q, 3);
    }
    return yz_db_end(&q);
}

/* --- writing helpers ------------------------------------------------------------------------- */

static void bind_user(yz_db_q *q, int64_t id)
{
    if (id)
        yz_db_i64(q, id);
    else
        yz_db_null(q);
}

static int add_event(yz_db_tx *tx, int64_t task_id, int64_t at, int64_t by, const char *action,
                     const char *note, yz_errinfo *ei)
{
    yz_db_q q;
    yz_db_query(&q, tx,
                "INSERT INTO task_events (task_id, at, by_user, action, note)"
                " VALUES ($1, $2, $3, $4, $5)",
                ei);
    yz_db_i64(&q, task_id);
    yz_db_i64(&q, at);
    bind_user(&q, by);
    yz_db_text(&q, action);
    yz_db_str(&q, note);
    return yz_db_exec(&q, NULL);
}

/* The deadline of a task of `severity` opened at `now`. */
static int deadline_of(yz_db_tx *tx, int severity, int64_t now, int64_t *out, yz_errinfo *ei)
{
    static const int64_t fallback[YZ_SEVERITY__COUNT] = {14, 7, 3};
    yz_db_q q;
    yz_db_query(&q, tx, "SELECT days FROM task_deadlines WHERE severity = $1", ei);
    yz_db_text(&q, yz_severity_name(severity));
    int64_t days = yz_db_row(&q) ? yz_db_col_i64(&q, 0) : 0;
    int err = yz_db_end(&q);
    if (days <= 0 && severity >= 0 && severity < YZ_SEVERITY__COUNT)
        days = fallback[severity];
    *out = now + days * atomic_load(&day_s);
    return err;
}

/* "2026-05-01 14:00" at +08:00. */
static void local_time(int64_t t, char out[32])
{
    yz_time_format_iso8601(t, 480, out);
    out[10] = ' ';
    out[16] = '\0';
}

/* What a notification says, in the three languages: a lead-in and the task's title, station
 * and a time. */
typedef struct notice {
    const char *kind;
    const char *zh, *hant, *en; /* lead-ins */
    const char *when_zh, *when_hant, *when_en; /* the words before the time; NULL: no time */
    int64_t at;
} notice;

static int add_notif(yz_db_tx *tx, int64_t user_id, const yz_task *t, const char *station,
                     const notice *nt, int64_t now, yz_errinfo *ei)
{
    char when[32] = "", zh[600], hant[600], en[600];
    if (nt->when_zh)
        local_time(nt->at, when);
    snprintf(zh, sizeof zh, "%s：%s（%s）%s%s", nt->zh, t->title, station,
             nt->when_zh ? "，" : "", nt->when_zh ? nt->when_zh : "");
    snprintf(hant, sizeof hant, "%s：%s（%s）%s%s", nt->hant, t->title_hant, station,
             nt->when_hant ? "，" : "", nt->when_hant ? nt->when_hant : "");
    snprintf(en, sizeof en, "%s: %s (%s)%s%s", nt->en, t->title_en, station,
             nt->when_en ? ", " : "", nt->when_en ? nt->when_en : "");
    if (nt->when_zh) {
        size_t l;
        l = strlen(zh);
        snprintf(zh + l, sizeof zh - l, " %s", when);
        l = strlen(hant);
        snprintf(hant + l, sizeof hant - l, " %s", when);
        l = strlen(en);
        snprintf(en + l, sizeof en - l, " %s", when);
    }
    yz_db_q q;
    yz_db_query(&q, tx,
                "INSERT INTO notifications (user_id, kind, task_id, text, text_hant, text_en,"
                " created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                ei);
    yz_db_i64(&q, user_id);
    yz_db_text(&q, nt->kind);
    yz_db_i64(&q, t->id);
    yz_db_text(&q, zh);
    yz_db_text(&q, hant);
    yz_db_text(&q, en);
    yz_db_i64(&q, now);
    return yz_db_exec(&q, NULL);
}

/* The users to tell: `role` grants whose comma-separated scope holds `item` or `item2` (NULL:
 * none), of users not disabled. Owned array of ids. */
static int users_scoped(yz_db_tx *tx, const char *role, const char *item, const char *item2,
                        int64_t **ids, size_t *n, yz_errinfo *ei)
{
    *ids = NULL;
    *n = 0;
    yz_db_q q;
    yz_db_query(&q, tx,
                "SELECT DISTINCT r.user_id FROM user_roles r JOIN users u ON u.id = r.user_id"
                " WHERE r.role = $1 AND u.disabled = 0"
                " AND (',' || r.scope || ',' LIKE '%,' || $2 || ',%'"
                " OR ($3 <> '' AND ',' || r.scope || ',' LIKE '%,' || $3 || ',%'))"
                " ORDER BY r.user_id",
                ei);
    yz_db_text(&q, role);
    yz_db_text(&q, item);
    yz_db_text(&q, item2 ? item2 : "");
    size_t cap = 0;
    while (yz_db_row(&q)) {
        *ids = yz_db_grow(*ids, *n, &cap, sizeof **ids);
        (*ids)[(*n)++] = yz_db_col_i64(&q, 0);
    }
    return yz_db_end(&q);
}

/* The station's name ("#id" when gone) into out, and its partner scope item. */
static int station_facts(yz_db_tx *tx, int64_t id, char name[200], char partner[160],
                         char district[16], yz_errinfo *ei)
{
    yz_db_q q;
    yz_db_query(&q, tx, "SELECT name, partner_name, district_code FROM stations WHERE id = $1",
                ei);
    yz_db_i64(&q, id);
    snprintf(name, 200, "#%lld", (long long)id);
    partner[0] = '\0';
    if (district)
        district[0] = '\0';
    if (yz_db_row(&q)) {
        const char *s = yz_db_col_text(&q, 0);
        if (s)
            snprintf(name, 200, "%s", s);
        s = yz_db_col_text(&q, 1);
        if (s && *s)
            snprintf(partner, 160, "partner=%s", s);
        s = yz_db_col_text(&q, 2);
        if (district && s)
            snprintf(district, 16, "%s", s);
    }
    return yz_db_end(&q);
}

/* Tell the operators of task t's station. */
static int notify_operators(yz_db_tx *tx, const yz_task *t, const notice *nt, int64_t now,
                            yz_errinfo *ei)
{
    char name[200], partner[160], sid[24];
    int err = station_facts(tx, t->station_id, name, partner, NULL, ei);
    snprintf(sid, sizeof sid, "%lld", (long long)t->station_id);
    int64_t *ids = NULL;
    size_t n = 0;
    if (!err)
        err = users_scoped(tx, "operator", sid, partner, &ids, &n, ei);
    for (size_t i = 0; !err && i < n; i++)
        err = add_notif(tx, ids[i], t, name, nt, now, ei);
    yz_free(ids);
    return err;
}

/* Tell the district admins of task t's district. */
static int notify_district(yz_db_tx *tx, const yz_task *t, const notice *nt, int64_t now,
                           yz_errinfo *ei)
{
    char name[200], partner[160];
    int err = station_facts(tx, t->station_id, name, partner, NULL, ei);
    int64_t *ids = NULL;
    size_t n = 0;
    if (!err && t->district[0])
        err = users_scoped(tx, "district_admin", t->district, NULL, &ids, &n, ei);
    for (size_t i = 0; !err && i < n; i++)
        err = add_notif(tx, ids[i], t, name, nt, now, ei);
    yz_free(ids);
    return err;
}

static int notify_user(yz_db_tx *tx, int64_t user_id, const yz_task *t, const notice *nt,
                       int64_t now, yz_errinfo *ei)
{
    char name[200], partner[160];
    int err = station_facts(tx, t->station_id, name, partner, NULL, ei);
    if (!err)
        err = add_notif(tx, user_id, t, name, nt, now, ei);
    return err;
}

static const char due[] = "截止"; /* "due" in both scripts */

static notice notice_new(int64_t deadline)
{
    return (notice){"task_new", "新整改任务", "新整改任務", "New rectification task",
                    due, due, "due", deadline};
}

/* Insert task `t` (all but id, status, version) with its "open" step, and tell the operators.
 * Sets t->id. */
static int insert_task(yz_db_tx *tx, yz_task *t, const char *note, yz_errinfo *ei)
{
    yz_db_q q;
    yz_db_query(&q, tx,
                "INSERT INTO tasks (station_id, district_code, source, inspection_id,"
                " criterion_code, report_id, title, title_hant, title_en, severity, status,"
                " created_at, deadline, created_by, inspector_id, version, alarm_id)"
                " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'open', $11, $12, $13, $14, 1,"
                " $15)"
                " RETURNING id",
                ei);
    yz_db_i64(&q, t->station_id);
    yz_db_text(&q, t->district);
    yz_db_text(&q, yz_task_source_name(t->source));
    bind_user(&q, t->inspection_id);
    yz_db_str(&q, t->criterion_code);
    bind_user(&q, t->report_id);
    yz_db_text(&q, t->title);
    yz_db_text(&q, t->title_hant);
    yz_db_text(&q, t->title_en);
    yz_db_text(&q, yz_severity_name(t->severity));
    yz_db_i64(&q, t->created_at);
    yz_db_i64(&q, t->deadline);
    bind_user(&q, t->created_by);
    bind_user(&q, t->inspector_id);
    bind_user(&q, t->alarm_id);
    if (yz_db_row(&q))
        t->id = yz_db_col_i64(&q, 0);
    int err = yz_db_end(&q);
    t->status = YZ_TASK_OPEN;
    t->version = 1;
    if (!err)
        err = add_event(tx, t->id, t->created_at, t->created_by, "open", note, ei);
    if (!err) {
        notice nt = notice_new(t->deadline);
        err = notify_operators(tx, t, &nt, t->created_at, ei);
    }
    return err;
}

/* --- tasks from an inspection --------------------------------------------------------------- */

typedef struct failed {
    char code[48];
    char *label, *label_hant, *label_en;
    int severity;
    char note[80];
} failed;

int yz__store_tasks_from_inspection(yz_db_tx *tx, int64_t inspection_id, int64_t now,
                                    size_t *opened, yz_errinfo *ei)
{
    if (opened)
        *opened = 0;
    yz_db_q q;
    yz_db_query(&q, tx,
                "SELECT i.station_id, COALESCE(i.assigned_to, i.opened_by, 0), i.opened_by"
                " FROM inspections i WHERE i.id = $1",
                ei);
    yz_db_i64(&q, inspection_id);
    int64_t station_id = 0, inspector = 0, by = 0;
    if (yz_db_row(&q)) {
        station_id = yz_db_col_i64(&q, 0);
        inspector = yz_db_col_i64(&q, 1);
        by = yz_db_col_i64(&q, 2);
    }
    int err = yz_db_end(&q);
    if (err)
        return err;
    yz_db_query(&q, tx,
                "SELECT c.code, c.label, c.label_hant, c.label_en, c.severity, c.scoring, s.value"
                " FROM inspection_scores s JOIN checklist_criteria c ON c.id = s.criterion_id"
                " WHERE s.inspection_id = $1 AND s.value IS NOT NULL"
                " AND ((c.scoring = 'pass_fail' AND s.value = 0)"
                " OR (c.scoring = 'score_0_100' AND s.value < $2))"
                " ORDER BY c.position",
                ei);
    yz_db_i64(&q, inspection_id);
    yz_db_i64(&q, YZ_TASK_PASS_SCORE);
    failed *fs = NULL;
    size_t n = 0, cap = 0;
    while (yz_db_row(&q)) {
        fs = yz_db_grow(fs, n, &cap, sizeof *fs);
        failed *f = &fs[n++];
        const char *c = yz_db_col_text(&q, 0);
        snprintf(f->code, sizeof f->code, "%s", c ? c : "");
        f->label = yz_db_col_str(&q, 1);
        f->label_hant = yz_db_col_str(&q, 2);
        f->label_en = yz_db_col_str(&q, 3);
        f->severity = yz_severity_parse(yz_db_col_text(&q, 4));
        const char *scoring = yz_db_col_text(&q, 5);
        if (scoring && !strcmp(scoring, "score_0_100"))
            snprintf(f->note, sizeof f->note, "score %d < %d", yz_db_col_int(&q, 6),
                     YZ_TASK_PASS_SCORE);
        else
            snprintf(f->note, sizeof f->note, "fail");
    }
    err = yz_db_end(&q);
    char name[200], partner[160], district[16] = "";
    if (!err && n)
        err = station_facts(tx, station_id, name, partner, district, ei);
    for (size_t i = 0; !err && i < n; i++) {
        yz_task t;
        yz_task_init(&t);
        char zh[300], hant[300], en[300];
        snprintf(zh, sizeof zh, "整改：%s", fs[i].label ? fs[i].label : fs[i].code);
        snprintf(hant, sizeof hant, "整改：%s", fs[i].label_hant ? fs[i].label_hant : fs[i].code);
        snprintf(en, sizeof en, "Fix: %s", fs[i].label_en ? fs[i].label_en : fs[i].code);
        t.station_id = station_id;
        snprintf(t.district, sizeof t.district, "%s", district);
        t.source = YZ_TASK_INSPECTION;
        t.inspection_id = inspection_id;
        t.criterion_code = fs[i].code;
        t.title = zh;
        t.title_hant = hant;
        t.title_en = en;
        t.severity = fs[i].severity;
        t.created_at = now;
        t.created_by = by;
        t.inspector_id = inspector;
        err = deadline_of(tx, t.severity, now, &t.deadline, ei);
        if (!err)
            err = insert_task(tx, &t, fs[i].note, ei);
        if (!err && opened)
            (*opened)++;
    }
    for (size_t i = 0; i < n; i++) {
        yz_free(fs[i].label);
        yz_free(fs[i].label_hant);
        yz_free(fs[i].label_en);
    }
    yz_free(fs);
    return err;
}

/* --- get, list -------------------------------------------------------------------------------- */

typedef struct get_ctx {
    int64_t id;
    yz_task *out;
} get_ctx;

static int get_body(yz_db_tx *tx, void *arg, yz_errinfo *ei)
{
    get_ctx *x = arg;
    yz_task_fini(x->out);
    return task_load(tx, x->id, x->out, ei);
}

int yz_store_task_get(yz_store *st, int64_t id, yz_task *out, yz_errinfo *ei)
{
    yz_task_init(out);
    get_ctx x = {id, out};
    return yz_db_run(st, YZ_DB_READ, get_body, &x, ei);
}

typedef struct list_ctx {
    const yz_task_filter *f;
    yz_task *a;
    size_t n;
} list_ctx;

static int list_body(yz_db_tx *tx, void *arg, yz_errinfo *ei)
{
    list_ctx *x = arg;
    const yz_task_filter *f = x->f;
    yz_tasks_free(x->a, x->n);
    x->a = NULL;
    x->n = 0;
    yz_db_q q;
    yz_db_query(&q, tx,
                TASK_COLS " WHERE (CAST($1 AS BIGINT) = 0 OR station_id = CAST($1 AS BIGINT))"
                " AND ($2 = '' OR district_code = $2)"
                " AND ($3 = '' OR status = $3)"
                " AND (CAST($4 AS BIGINT) = 0 OR status <> 'closed')"
                " AND (CAST($5 AS BIGINT) = 0 OR (status <> 'closed' AND deadline < $6))"
                " ORDER BY deadline, id LIMIT $7",
                ei);
    yz_db_i64(&q, f->station_id);
    yz_db_text(&q, f->district ? f->district : "");
    yz_db_text(&q, f->status >= 0 ? yz_task_status_name(f->status) : "");
    yz_db_i64(&q, f->open_only ? 1 : 0);
    yz_db_i64(&q, f->overdue ? 1 : 0);
    yz_db_i64(&q, f->now);
    yz_db_i64(&q, (int64_t)(f->limit ? f->limit : 100));
    size_t cap = 0;
    while (yz_db_row(&q)) {
        x->a = yz_db_grow(x->a, x->n, &cap, sizeof *x->a);
        row_task(&q, &x->a[x->n++]);
    }
    return yz_db_end(&q);
}

int yz_store_task_list(yz_store *st, const yz_task_filter *f, yz_task **out, size_t *n,
                       yz_errinfo *ei)
{
    list_ctx x = {f, NULL, 0};
    int err = yz_db_run(st, YZ_DB_READ, list_body, &x, ei);
    if (err) {
        yz_tasks_free(x.a, x.n);
        return err;
    }
    *out = x.a;
    *n = x.n;
    return YZ_OK;
}

/* --- steps ------------------------------------------------------------------------------------- */

typedef struct step_ctx {
    int64_t id, by, now, if_version;
    const char *text, *photos;
    bool close;
    yz_task *out;
} step_ctx;

static int status_conflict(yz_errinfo *ei, const char *zh, const char *en, int status)
{
    char m[200], m_en[200];
    snprintf(m, sizeof m, "%s（当前状态：%s）", zh, yz_task_status_name(status));
    snprintf(m_en, sizeof m_en, "%s (status now: %s)", en, yz_task_status_name(status));
    return yz_err_set(ei, YZ_ECONFLICT, "status", m, m_en);
}

static int answer_body(yz_db_tx *tx, void *arg, yz_errinfo *ei)
{
    step_ctx *x = arg;
    yz_task_fini(x->out);
    yz_task *t = x->out;
    int err = task_load(tx, x->id, t, ei);
    if (!err && t->status != YZ_TASK_OPEN && t->status != YZ_TASK_REOPENED)
        err = yz_err_setf(ei, YZ_ECONFLICT, "status",
                          "任务状态为 %s，只有待整改或被退回的任务可以回复",
                          "the task is %s: only an open or reopened task can be answered",
                          yz_task_status_name(t->status));
    if (!err)
        err = yz_db_check_version(x->if_version, t->version, ei);
    if (err)
        return err;
    yz_db_q q;
    yz_db_query(&q, tx,
                "UPDATE tasks SET status = 'answered', answer = $1, answer_photos = $2,"
                " answered_by = $3, answered_at = $4, version = version + 1 WHERE id = $5",
                ei);
    yz_db_text(&q, x->text);
    yz_db_text(&q, x->photos ? x->photos : "");
    bind_user(&q, x->by);
    yz_db_i64(&q, x->now);
    yz_db_i64(&q, x->id);
    err = yz_db_exec(&q, NULL);
    if (!err)
        err = add_event(tx, x->id, x->now, x->by, "answer", x->text, ei);
    if (!err) {
        yz_task_fini(t);
        err = task_load(tx, x->id, t, ei);
    }
    if (!err) {
        notice nt = {"task_answered", "整改已回复，待核验", "整改已回覆，待核驗",
                     "Task answered, to verify", NULL, NULL, NULL, 0};
        int64_t who = t->inspector_id ? t->inspector_id : t->created_by;
        if (who && who != x->by)
            err = notify_user(tx, who, t, &nt, x->now, ei);
        else if (!who)
            err = notify_district(tx, t, &nt, x->now, ei);
    }
    return err;
}

int yz_store_task_answer(yz_store *st, int64_t id, int64_t by, const char *text,
                         const char *photos, int64_t now, int64_t if_version, yz_task *out,
                         yz_errinfo *ei)
{
    yz_task_init(out);
    step_ctx x = {id, by, now, if_version, text, photos, false, out};
    return yz_db_run(st, YZ_DB_WRITE, answer_body, &x, ei);
}

static int verify_body(yz_db_tx *tx, void *arg, yz_errinfo *ei)
{
    step_ctx *x = arg;
    yz_task_fini(x->out);
    yz_task *t = x->out;
    int err = task_load(tx, x->id, t, ei);
    if (err)
        return err;
    if (x->by && t->answered_by == x->by)
        return yz_err_set(ei, YZ_EFORBIDDEN, "result", "不能核验自己回复的整改任务",
                          "you answered this task: someone else must verify it");
    if (x->close && t->status == YZ_TASK_CLOSED)
        return status_conflict(ei, "任务已关闭", "the task is closed already", t->status);
    if (x->close && t->status != YZ_TASK_ANSWERED)
        return status_conflict(ei, "任务尚未回复，不能关闭", "the task is not answered yet",
                               t->status);
    if (!x->close && t->status != YZ_TASK_ANSWERED && t->status != YZ_TASK_CLOSED)
        return status_conflict(ei, "只有已回复或已关闭的任务可以退回",
                               "only an answered or closed task can be reopened", t->status);
    err = yz_db_check_version(x->if_version, t->version, ei);
    int64_t deadline = t->deadline;
    if (!err && !x->close)
        err = deadline_of(tx, t->severity, x->now, &deadline, ei);
    if (err)
        return err;
    yz_db_q q;
    yz_db_query(&q, tx,
                "UPDATE tasks SET status = $1, verified_by = $2, verified_at = $3,"
                " verify_note = $4, deadline = $5,"
                " escalated_at = CASE WHEN $1 = 'reopened' THEN NULL ELSE escalated_at END,"
                " version = version + 1 WHERE id = $6",
                ei);
    yz_db_text(&q, x->close ? "closed" : "reopened");
    bind_user(&q, x->by);
    yz_db_i64(&q, x->now);
    yz_db_str(&q, x->text);
    yz_db_i64(&q, deadline);
    yz_db_i64(&q, x->id);
    err = yz_db_exec(&q, NULL);
    if (!err)
        err = add_event(tx, x->id, x->now, x->by, x->close ? "close" : "reopen", x->text, ei);
    if (!err) {
        yz_task_fini(t);
        err = task_load(tx, x->id, t, ei);
    }
    if (!err) {
        notice closed = {"task_closed", "整改已核验通过", "整改已核驗通過", "Task verified and closed",
                         NULL, NULL, NULL, 0};
        notice reopened = {"task_reopened", "整改未通过，任务退回", "整改未通過，任務退回",
                           "Task reopened", "新截止", "新截止", "now due", deadline};
        err = notify_operators(tx, t, x->close ? &closed : &reopened, x->now, ei);
    }
    return err;
}

int yz_store_task_verify(yz_store *st, int64_t id, int64_t by, bool close, const char *note,
                         int64_t now, int64_t if_version, yz_task *out, yz_errinfo *ei)
{
    yz_task_init(out);
    step_ctx x = {id, by, now, if_version, note, NULL, close, out};
    return yz_db_run(st, YZ_DB_WRITE, verify_body, &x, ei);
}

/* --- from a report ------------------------------------------------------------------------------ */

/* A task made from something else (a report, an alarm; `t` says which): the station's
 * district, the titles in three languages (borrowed: `t` is not finalised by the caller), the
 * deadline its severity sets, then the row; t->id is the new task's. */
static int insert_derived(yz_db_tx *tx, yz_task *t, int64_t station_id, char *zh, char *hant,
                          char *en, int severity, int64_t now, int64_t by, yz_errinfo *ei)
{
    char name[200], partner[160];
    int err = station_facts(tx, station_id, name, partner, t->district, ei);
    t->station_id = station_id;
    t->title = zh;
    t->title_hant = hant;
    t->title_en = en;
    t->severity = severity;
    t->created_at = now;
    t->created_by = by;
    t->inspector_id = 0;
    if (!err)
        err = deadline_of(tx, t->severity, now, &t->deadline, ei);
    if (!err)
        err = insert_task(tx, t, NULL, ei);
    return err;
}

typedef struct report_ctx {
    int64_t report_id, by, now;
    int severity;
    yz_task *out;
} report_ctx;

static int report_body(yz_db_tx *tx, void *arg, yz_errinfo *ei)
{
    report_ctx *x = arg;
    yz_task_fini(x->out);
    yz_db_q q;
    yz_db_query(&q, tx,
                "SELECT r.station_id, s.name, s.name_en, (SELECT t.id FROM tasks t"
                " WHERE t.report_id = r.id) FROM reports r"
                " JOIN report_services s ON s.code = r.service_code WHERE r.id = $1",
                ei);
    yz_db_i64(&q, x->report_id);
    bool found = yz_db_row(&q);
    int64_t station_id = 0, existing = 0;
    char zh[300] = "", hant[300] = "", en[300] = "";
    if (found) {
        station_id = yz_db_col_i64(&q, 0);
        const char *n = yz_db_col_text(&q, 1), *ne = yz_db_col_text(&q, 2);
        snprintf(zh, sizeof zh, "问题报告 %lld：%s", (long long)x->report_id, n ? n : "");
        snprintf(hant, sizeof hant, "問題報告 %lld：%s", (long long)x->report_id, n ? n : "");
        snprintf(en, sizeof en, "Problem report %lld: %s", (long long)x->report_id,
                 ne ? ne : "");
        existing = yz_db_col_i64(&q, 3);
    }
    int err = yz_db_end(&q);
    if (!err && !found)
        err = yz_err_set(ei, YZ_ENOTFOUND, "id", "问题报告不存在", "report not found");
    if (!err && existing)
        err = yz_err_setf(ei, YZ_ECONFLICT, "report", "该报告已是整改任务 %lld",
                          "the report is task %lld already", (long long)existing);
    if (!err && !station_id)
        err = yz_err_set(ei, YZ_EINVAL, "report", "该报告的驿站已不存在，不能转为整改任务",
                         "the report's station is gone: it cannot become a task");
    if (err)
        return err;
    yz_task t;
    yz_task_init(&t);
    t.source = YZ_TASK_REPORT;
    t.report_id = x->report_id;
    err = insert_derived(tx, &t, station_id, zh, hant, en, x->severity, x->now, x->by, ei);
    if (!err)
        err = task_load(tx, t.id, x->out, ei);
    return err;
}

int yz_store_task_from_report(yz_store *st, int64_t report_id, int64_t by, int severity,
                              int64_t now, yz_task *out, yz_errinfo *ei)
{
    yz_task_init(out);
    report_ctx x = {report_id, by, now, severity, out};
    return yz_db_run(st, YZ_DB_WRITE, report_body, &x, ei);
}

/* --- a task from an alarm ------------------------------------------------------------------------ */

typedef struct alarm_ctx {
    int64_t alarm_id, by, now;
    int severity;
    yz_task *out;
} alarm_ctx;

static int alarm_body(yz_db_tx *tx, void *arg, yz_errinfo *ei)
{
    alarm_ctx *x = arg;
    yz_task_fini(x->out);
    yz_db_q q;
    yz_db_query(&q, tx,
                "SELECT a.station_id, a.device_id, a.device_kind, r.kind, a.task_id"
                " FROM alarms a JOIN alarm_rules r ON r.id = a.rule_id WHERE a.id = $1",
                ei);
    yz_db_i64(&q, x->alarm_id);
    bool found = yz_db_row(&q);
    int64_t station_id = 0, device_id = 0, existing = 0;
    char dkind[32] = "", rkind[32] = "";
    if (found) {
        station_id = yz_db_col_i64(&q, 0);
        device_id = yz_db_col_i64(&q, 1);
        const char *dk = yz_db_col_text(&q, 2), *rk = yz_db_col_text(&q, 3);
        snprintf(dkind, sizeof dkind, "%s", dk ? dk : "");
        snprintf(rkind, sizeof rkind, "%s", rk ? rk : "");
        existing = yz_db_col_i64(&q, 4);
    }
    int err = yz_db_end(&q);
    if (!err && !found)
        err = yz__store_alarm_not_found(ei);
    if (!err && existing)
        err = yz_err_setf(ei, YZ_ECONFLICT, "alarm", "该告警已是整改任务 %lld",
                          "the alarm is task %lld already", (long long)existing);
    if (err)
        return err;
    /* the title names the alarm, its rule and its device */
    int k = yz_alarm_kind_parse(rkind);
    const char *zw = k >= 0 ? yz_alarm_kind_words(k, 0) : rkind;
    const char *hw = k >= 0 ? yz_alarm_kind_words(k, 1) : rkind;
    const char *ew = k >= 0 ? yz_alarm_kind_words(k, 2) : rkind;
    /* and the device's kind in words (a kind this build does not know: its code) */
    int dk = yz_device_kind_parse(dkind);
    const char *dw[3];
    for (int l = 0; l < 3; l++)
        dw[l] = dk >= 0 ? yz_device_kind_words(dk, l) : dkind;
    char zh[300], hant[300], en[300];
    snprintf(zh, sizeof zh, "告警 %lld：%s（设备 %lld，%s）", (long long)x->alarm_id, zw,
             (long long)device_id, dw[0]);
    snprintf(hant, sizeof hant, "告警 %lld：%s（設備 %lld，%s）", (long long)x->alarm_id, hw,
             (long long)device_id, dw[1]);
    snprintf(en, sizeof en, "Alarm %lld: %s (device %lld, %s)", (long long)x->alarm_id, ew,
             (long long)device_id, dw[2]);
    yz_task t;
    yz_task_init(&t);
    t.source = YZ_TASK_MANUAL;
    t.alarm_id = x->alarm_id;
    err = insert_derived(tx, &t, station_id, zh, hant, en, x->severity, x->now, x->by, ei);
    if (!err) {
        yz_db_query(&q, tx, "UPDATE alarms SET task_id = $1 WHERE id = $2", ei);
        yz_db_i64(&q, t.id);
        yz_db_i64(&q, x->alarm_id);
        err = yz_db_exec(&q, NULL);
    }
    if (!err)
        err = task_load(tx, t.id, x->out, ei);
    return err;
}

int yz_store_task_from_alarm(yz_store *st, int64_t alarm_id, int64_t by, int severity,
                             int64_t now, yz_task *out, yz_errinfo *ei)
{
    yz_task_init(out);
    alarm_ctx x = {alarm_id, by, now, severity, out};
    return yz_db_run(st, YZ_DB_WRITE, alarm_body, &x, ei);
}

/* --- escalation ---------------------------------------------------------------------------------- */

typedef struct esc_ctx {
    int64_t now;
    size_t n;
} esc_ctx;

static int esc_body(yz_db_tx *tx, void *arg, yz_errinfo *ei)
{
    esc_ctx *x = arg;
    x->n = 0;
    yz_db_q q;
    yz_db_query(&q, tx,
                TASK_COLS " WHERE status <> 'closed' AND deadline < $1 AND escalated_at IS NULL"
                " ORDER BY id LIMIT 200",
                ei);
    yz_db_i64(&q, x->now);
    yz_task *a = NULL;
    size_t n = 0, cap = 0;
    while (yz_db_row(&q)) {
        a = yz_db_grow(a, n, &cap, sizeof *a);
        row_task(&q, &a[n++]);
    }
    int err = yz_db_end(&q);
    for (size_t i = 0; !err && i < n; i++) {
        yz_db_query(&q, tx,
                    "UPDATE tasks SET escalated_at = $1, version = version + 1 WHERE id = $2", ei);
        yz_db_i64(&q, x->now);
        yz_db_i64(&q, a[i].id);
        err = yz_db_exec(&q, NULL);
        if (!err)
            err = add_event(tx, a[i].id, x->now, 0, "escalate", NULL, ei);
        notice nt = {"task_escalated", "整改任务逾期未完成", "整改任務逾期未完成", "Task overdue",
                     due, due, "was due", a[i].deadline};
        if (!err)
            err = notify_district(tx, &a[i], &nt, x->now, ei);
        if (!err)
            x->n++;
    }
    yz_tasks_free(a, n);
    return err;
}

int yz_store_task_escalate(yz_store *st, int64_t now, size_t *n, yz_errinfo *ei)
{
    esc_ctx x = {now, 0};
    int err = yz_db_run(st, YZ_DB_WRITE, esc_body, &x, ei);
    *n = err ? 0 : x.n;
    return err;
}

/* --- the inbox ----------------------------------------------------------------------------------- */

#define NOTIF_COLS                                                                                 \
    "SELECT id, user_id, task_id, kind, text, text_hant, text_en, created_at, read_at"           \
    " FROM notifications"

static void row_notif(const yz_db_q *q, yz_notif *o)
{
    memset(o, 0, sizeof *o);
    o->id = yz_db_col_i64(q, 0);
    o->user_id = yz_db_col_i64(q, 1);
    o->task_id = yz_db_col_i64(q, 2);
    const char *k = yz_db_col_text(q, 3);
    snprintf(o->kind, sizeof o->kind, "%s", k ? k : "");
    o->text = yz_db_col_str(q, 4);
    o->text_hant = yz_db_col_str(q, 5);
    o->text_en = yz_db_col_str(q, 6);
    o->created_at = yz_db_col_i64(q, 7);
    o->read_at = yz_db_col_i64(q, 8);
}

typedef struct inbox_ctx {
    int64_t user_id, id, now, since;
    size_t limit;
    yz_notif *a;
    size_t n;
    int64_t unread;
} inbox_ctx;

static int inbox_body(yz_db_tx *tx, void *arg, yz_errinfo *ei)
{
    inbox_ctx *x = arg;
    yz_notifs_free(x->a, x->n);
    x->a = NULL;
    x->n = 0;
    yz_db_q q;
    yz_db_query(&q, tx, NOTIF_COLS " WHERE user_id = $1 ORDER BY id DESC LIMIT $2", ei);
    yz_db_i64(&q, x->user_id);
    yz_db_i64(&q, (int64_t)x->limit);
    size_t cap = 0;
    while (yz_db_row(&q)) {
        x->a = yz_db_grow(x->a, x->n, &cap, sizeof *x->a);
        row_notif(&q, &x->a[x->n++]);
    }
    int err = yz_db_end(&q);
    if (err)
        return err;
    yz_db_query(&q, tx,
                "SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL", ei);
    yz_db_i64(&q, x->user_id);
    x->unread = yz_db_row(&q) ? yz_db_col_i64(&q, 0) : 0;
    return yz_db_end(&q);
}

int yz_store_inbox(yz_store *st, int64_t user_id, size_t limit, yz_notif **out, size_t *n,
                   int64_t *unread, yz_errinfo *ei)
{
    inbox_ctx x = {user_id, 0, 0, 0, limit ? limit : 50, NULL, 0, 0};
    int err = yz_db_run(st, YZ_DB_READ, inbox_body, &x, ei);
    if (err) {
        yz_notifs_free(x.a, x.n);
        return err;
    }
    *out = x.a;
    *n = x.n;
    *unread = x.unread;
    return YZ_OK;
}

static int read_body(yz_db_tx *tx, void *arg, yz_errinfo *ei)
{
    inbox_ctx *x = arg;
    yz_db_q q;
    yz_db_query(&q, tx,
                "UPDATE notifications SET read_at = COALESCE(read_at, $1)"
                " WHERE id = $2 AND user_id = $3",
                ei);
    yz_db_i64(&q, x->now);
    yz_db_i64(&q, x->id);
    yz_db_i64(&q, x->user_id);
    int64_t changed = 0;
    int err = yz_db_exec(&q, &changed);
    if (!err && !changed)
        err = yz_err_set(ei, YZ_ENOTFOUND, "id", "通知不存在", "notification not found");
    return err;
}

int yz_store_inbox_read(yz_store *st, int64_t user_id, int64_t id, int64_t now, yz_errinfo *ei)
{
    inbox_ctx x = {user_id, id, now, 0, 0, NULL, 0, 0};
    return yz_db_run(st, YZ_DB_WRITE, read_body, &x, ei);
}

static int take_body(yz_db_tx *tx, void *arg, yz_errinfo *ei)
{
    inbox_ctx *x = arg;
    yz_notifs_free(x->a, x->n);
    x->a = NULL;
    x->n = 0;
    yz_db_q q;
    yz_db_query(&q, tx,
                NOTIF_COLS " WHERE pushed_at IS NULL AND created_at >= $1 ORDER BY id LIMIT $2",
                ei);
    yz_db_i64(&q, x->since);
    yz_db_i64(&q, (int64_t)x->limit);
    size_t cap = 0;
    while (yz_db_row(&q)) {
        x->a = yz_db_grow(x->a, x->n, &cap, sizeof *x->a);
        row_notif(&q, &x->a[x->n++]);
    }
    int err = yz_db_end(&q);
    for (size_t i = 0; !err && i < x->n; i++) {
        yz_db_query(&q, tx, "UPDATE notifications SET pushed_at = $1 WHERE id = $2", ei);
        yz_db_i64(&q, x->now);
        yz_db_i64(&q, x->a[i].id);
        err = yz_db_exec(&q, NULL);
    }
    return err;
}

int yz_store_notif_take(yz_store *st, int64_t since, int64_t now, size_t max, yz_notif **out,
                        size_t *n, yz_errinfo *ei)
{
    inbox_ctx x = {0, 0, now, since, max ? max : 32, NULL, 0, 0};
    int err = yz_db_run(st, YZ_DB_WRITE, take_body, &x, ei);
    if (err) {
        yz_notifs_free(x.a, x.n);
        return err;
    }
    *out = x.a;
    *n = x.n;
    return YZ_OK;
}
