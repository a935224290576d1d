/* SPDX-License-Identifier: MIT */
/* store/project.c - the livelihood project's milestones, written once for both backends on
 * store/db.h, and the date rules the API and the demo share (docs/internals/project.md). */
#include "store/project.h"

#include "store/db.h"

#include "core/alloc.h"
#include "core/time.h"
#include "core/utf8.h"

#include <stdio.h>
#include <string.h>

static const char *const ms_names[YZ_MS__COUNT] = {"planned", "site_agreed", "building", "accepted",
                                                   "open"};

const char *yz_milestone_name(int ms)
{
    return ms >= 0 && ms < YZ_MS__COUNT ? ms_names[ms] : "";
}

int yz_milestone_parse(const char *s)
{
    for (int i = 0; s && i < YZ_MS__COUNT; i++)
        if (strcmp(ms_names[i], s) == 0)
            return i;
    return -1;
}

void yz_project_init(yz_project *p)
{
    memset(p, 0, sizeof *p);
    for (int i = 0; i < YZ_MS__COUNT; i++)
        p->ms[i].planned_on = p->ms[i].done_on = YZ_DAY_NONE;
}

void yz_project_fini(yz_project *p)
{
    if (!p)
        return;
    for (int i = 0; i < YZ_MS__COUNT; i++)
        yz_free(p->ms[i].note);
    yz_project_init(p);
}

void yz_project_array_free(yz_project *a, size_t n)
{
    for (size_t i = 0; a && i < n; i++)
        yz_project_fini(&a[i]);
    yz_free(a);
}

int yz_project_stage(const yz_project *p)
{
    int stage = -1;
    for (int i = 0; i < YZ_MS__COUNT; i++)
        if (p->ms[i].done_on != YZ_DAY_NONE)
            stage = i;
    return stage;
}

int yz_project_overdue(const yz_project *p, int32_t today)
{
    for (int i = 0; i < YZ_MS__COUNT; i++)
        if (p->ms[i].done_on == YZ_DAY_NONE && p->ms[i].planned_on != YZ_DAY_NONE &&
            p->ms[i].planned_on < today)
            return i;
    return -1;
}

int yz_project_validate(const yz_project *p, int32_t today, yz_errinfo *ei)
{
    char field[48];
    for (int i = 0; i < YZ_MS__COUNT; i++) {
        const yz_milestone_rec *m = &p->ms[i];
        const char *name = ms_names[i];
        if (m->note) {
            size_t len = strlen(m->note), cps = 0;
            if (!yz_utf8_valid(m->note, len))
                return yz_err_setf(ei, YZ_EINVAL, "milestones", "%s 的备注不是有效的 UTF-8",
                                   "the note of %s is not valid UTF-8", name);
            for (size_t k = 0; k < len; k++)
                cps += ((unsigned char)m->note[k] & 0xC0) != 0x80;
            if (cps > YZ_MILESTONE_NOTE_MAX) {
                snprintf(field, sizeof field, "milestones.%s.note", name);
                return yz_err_setf(ei, YZ_EINVAL, field, "备注最多 %d 个字",
                                   "a note has at most %d characters", YZ_MILESTONE_NOTE_MAX);
            }
        }
        if (m->done_on == YZ_DAY_NONE)
            continue;
        snprintf(field, sizeof field, "milestones.%s.actual", name);
        if (m->done_on > today)
            return yz_err_set(ei, YZ_EINVAL, field, "实际日期不能晚于今天",
                              "an actual date cannot be after today");
        if (i == 0)
            continue;
        const yz_milestone_rec *prev = &p->ms[i - 1];
        if (prev->done_on == YZ_DAY_NONE)
            return yz_err_setf(ei, YZ_EINVAL, field, "上一节点（%s）尚无实际日期",
                               "the previous milestone (%s) has no actual date yet",
                               ms_names[i - 1]);
        if (m->done_on < prev->done_on)
            return yz_err_setf(ei, YZ_EINVAL, field, "实际日期不能早于上一节点（%s）的实际日期",
                               "the actual date cannot be before that of the previous "
                               "milestone (%s)",
                               ms_names[i - 1]);
    }
    return YZ_OK;
}

bool yz_day_parse(const char *s, int32_t *day)
{
    int y, m, d;
    char tail;
    if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return false;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return false;
    if (sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3)
        return false;
    if (y < 1970 || y > 2999 || m < 1 || m > 12 || d < 1 || d > 31)
        return false;
    int64_t days = yz_days_from_civil(y, m, d);
    int yy, mm, dd;
    yz_civil_from_days(days, &yy, &mm, &dd);
    if (yy != y || mm != m || dd != d) /* 2026-02-30 */
        return false;
    *day = (int32_t)days;
    return true;
}

void yz_day_format(int32_t day, char out[11])
{
    int y, m, d;
    char s[32];
    yz_civil_from_days(day, &y, &m, &d);
    snprintf(s, sizeof s, "%04d-%02d-%02d", y, m, d);
    memcpy(out, s, 10);
    out[10] = 0;
}

/* --- the store ------------------------------------------------------------------------------ */

static void read_day(const yz_db_q *q, int col, int32_t *out)
{
    *out = yz_db_col_null(q, col) ? YZ_DAY_NONE : (int32_t)yz_db_col_i64(q, col);
}

static void bind_day(yz_db_q *q, int32_t day)
{
    if (day == YZ_DAY_NONE)
        yz_db_null(q);
    else
        yz_db_i64(q, day);
}

/* Load p->station_id's rows into `p` (version 0 when none). */
static int load(yz_db_tx *tx, yz_project *p, yz_errinfo *ei)
{
    yz_db_q q;
    yz_db_query(&q, tx, "SELECT version, updated_at FROM project_stations WHERE station_id = $1",
                ei);
    yz_db_i64(&q, p->station_id);
    if (yz_db_row(&q)) {
        p->version = yz_db_col_i64(&q, 0);
        p->updated_at = yz_db_col_i64(&q, 1);
    }
    int err = yz_db_end(&q);
    if (err)
        return err;
    yz_db_query(&q, tx,
                "SELECT milestone, planned_on, done_on, note FROM project_milestones"
                " WHERE station_id = $1",
                ei);
    yz_db_i64(&q, p->station_id);
    while (yz_db_row(&q)) {
        int ms = yz_milestone_parse(yz_db_col_text(&q, 0));
        if (ms < 0)
            continue;
        read_day(&q, 1, &p->ms[ms].planned_on);
        read_day(&q, 2, &p->ms[ms].done_on);
        yz_free(p->ms[ms].note);
        p->ms[ms].note = yz_db_col_str(&q, 3);
    }
    return yz_db_end(&q);
}

static void fill_notes(yz_project *p)
{
    for (int i = 0; i < YZ_MS__COUNT; i++)
        if (!p->ms[i].note)
            p->ms[i].note = yz_strdup("");
}

static int get_body(yz_db_tx *tx, void *arg, yz_errinfo *ei)
{
    yz_project *p = arg;
    int64_t id = p->station_id;
    yz_project_fini(p);
    p->station_id = id;
    int err = yz__store_station_exists(tx, id, "id", ei);
    if (err == YZ_EINVAL)
        err = yz__store_no_station(ei, YZ_ENOTFOUND, "id", id);
    if (!err)
        err = load(tx, p, ei);
    return err;
}

int yz_store_project_get(yz_store *st, int64_t station_id, yz_project *out, yz_errinfo *ei)
{
    yz_project_init(out);
    out->station_id = station_id;
    int err = yz_db_run(st, YZ_DB_READ, get_body, out, ei);
    if (!err)
        fill_notes(out);
    return err;
}

typedef struct put_ctx {
    yz_project *p;
    int64_t if_version;
} put_ctx;

static int put_body(yz_db_tx *tx, void *arg, yz_errinfo *ei)
{
    put_ctx *x = arg;
    yz_project *p = x->p;
    yz_db_q q;
    yz_db_query(&q, tx, "SELECT livelihood FROM stations WHERE id = $1", ei);
    yz_db_i64(&q, p->station_id);
    bool found = yz_db_row(&q), livelihood = found && yz_db_col_i64(&q, 0) != 0;
    int err = yz_db_end(&q);
    if (err)
        return err;
    if (!found)
        return yz__store_no_station(ei, YZ_ENOTFOUND, "id", p->station_id);
    if (!livelihood)
        return yz_err_set(ei, YZ_ECONFLICT, "livelihood", "该驿站不在民生实事项目中",
                          "the station is not in the livelihood project");
    int64_t version = 0;
    yz_db_query(&q, tx, "SELECT version FROM project_stations WHERE station_id = $1", ei);
    yz_db_i64(&q, p->station_id);
    if (yz_db_row(&q))
        version = yz_db_col_i64(&q, 0);
    err = yz_db_end(&q);
    if (err)
        return err;
    if (x->if_version >= 0 && x->if_version != version)
        return yz_err_setf(ei, YZ_ESTALE, "version", "版本已是 %lld，你提交的是 %lld",
                           "the version is now %lld; you sent %lld", (long long)version,
                           (long long)x->if_version);
    p->version = version + 1;
    p->updated_at = yz_time_now();
    yz_db_query(&q, tx,
                version ? "UPDATE project_stations SET version = $2, updated_at = $3"
                          " WHERE station_id = $1"
                        : "INSERT INTO project_stations (station_id, version, updated_at)"
                          " VALUES ($1, $2, $3)",
                ei);
    yz_db_i64(&q, p->station_id);
    yz_db_i64(&q, p->version);
    yz_db_i64(&q, p->updated_at);
    err = yz_db_exec(&q, NULL);
    if (err)
        return err;
    yz_db_query(&q, tx, "DELETE FROM project_milestones WHERE station_id = $1", ei);
    yz_db_i64(&q, p->station_id);
    err = yz_db_exec(&q, NULL);
    for (int i = 0; !err && i < YZ_MS__COUNT; i++) {
        const yz_milestone_rec *m = &p->ms[i];
        if (m->planned_on == YZ_DAY_NONE && m->done_on == YZ_DAY_NONE && !(m->note && *m->note))
            continue;
        yz_db_query(&q, tx,
                    "INSERT INTO project_milestones (station_id, milestone, planned_on, done_on,"
                    " note) VALUES ($1, $2, $3, $4, $5)",
                    ei);
        yz_db_i64(&q, p->station_id);
        yz_db_text(&q, ms_names[i]);
        bind_day(&q, m->planned_on);
        bind_day(&q, m->done_on);
        yz_db_text(&q, m->note ? m->note : "");
        err = yz_db_exec(&q, NULL);
    }
    return err;
}

int yz_store_project_put(yz_store *st, yz_project *p, int64_t if_version, yz_errinfo *ei)
{
    put_ctx x = {p, if_version};
    return yz_db_run(st, YZ_DB_WRITE, put_body, &x, ei);
}

typedef struct list_ctx {
    yz_project *v;
    size_t n, cap;
} list_ctx;

static void list_reset(list_ctx *x)
{
    yz_project_array_free(x->v, x->n);
    x->v = NULL;
    x->n = x->cap = 0;
}

static int list_body(yz_db_tx *tx, void *arg, yz_errinfo *ei)
{
    list_ctx *x = arg;
    list_reset(x);
    yz_db_q q;
    yz_db_query(&q, tx,
                "SELECT station_id, version, updated_at FROM project_stations ORDER BY station_id",
                ei);
    while (yz_db_row(&q)) {
        x->v = yz_db_grow(x->v, x->n, &x->cap, sizeof *x->v);
        yz_project *p = &x->v[x->n++];
        yz_project_init(p);
        p->station_id = yz_db_col_i64(&q, 0);
        p->version = yz_db_col_i64(&q, 1);
        p->updated_at = yz_db_col_i64(&q, 2);
    }
    int err = yz_db_end(&q);
    if (err)
        return err;
    yz_db_query(&q, tx,
                "SELECT station_id, milestone, planned_on, done_on, note FROM project_milestones"
                " ORDER BY station_id",
                ei);
    size_t at = 0;
    while (yz_db_row(&q)) {
        int64_t id = yz_db_col_i64(&q, 0);
        while (at < x->n && x->v[at].station_id < id)
            at++;
        int ms = yz_milestone_parse(yz_db_col_text(&q, 1));
        if (at == x->n || x->v[at].station_id != id || ms < 0)
            continue;
        yz_milestone_rec *m = &x->v[at].ms[ms];
        read_day(&q, 2, &m->planned_on);
        read_day(&q, 3, &m->done_on);
        yz_free(m->note);
        m->note = yz_db_col_str(&q, 4);
    }
    return yz_db_end(&q);
}

int yz_store_project_list(yz_store *st, yz_project **out, size_t *n, yz_errinfo *ei)
{
    list_ctx x = {NULL, 0, 0};
    int err = yz_db_run(st, YZ_DB_READ, list_body, &x, ei);
    if (err) {
        list_reset(&x);
        return err;
    }
    for (size_t i = 0; i < x.n; i++)
        fill_notes(&x.v[i]);
    *out = x.v;
    *n = x.n;
    return YZ_OK;
}
