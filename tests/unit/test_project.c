/* SPDX-License-Identifier: MIT */
/* tests/unit/test_project.c - the livelihood project: dates (every day of 1970..2999 formats
 * and parses back, impossible days refused), the milestone rules (order, skips, today, stage,
 * overdue), and the SQLite store: the demo's milestones consistent with each station's status,
 * a stale version and a station outside the project refused with nothing changed, and a
 * deleted station's milestones gone with it. */
#include "testdb.h"
#include "core/alloc.h"
#include "core/time.h"
#include "demo/city.h"
#include "demo/project.h"
#include "store/project.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int32_t D(int y, int m, int d)
{
    return (int32_t)yz_days_from_civil(y, m, d);
}

Test(project, days_round_trip)
{
    char s[11];
    int32_t back;
    for (int32_t d = D(1970, 1, 1); d <= D(2999, 12, 31); d++) {
        yz_day_format(d, s);
        cr_assert(yz_day_parse(s, &back), "%s", s);
        cr_assert_eq(back, d, "%s", s);
    }
    yz_day_format(D(2024, 2, 29), s);
    cr_assert_str_eq(s, "2024-02-29");
}

Test(project, days_refused)
{
    static const char *const bad[] = {"2026-02-30",     "2025-02-29", "2026-13-01", "2026-00-10",
                                      "2026-1-01",      "2026-01-1",  "20260101",   "2026-01-01x",
                                      "1969-12-31",     "3000-01-01", "",           "2026/01/01",
                                      "２０２６-01-01", "+026-01-01"};
    int32_t d = 7;
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        cr_assert(!yz_day_parse(bad[i], &d), "%s taken", bad[i]);
    cr_assert_eq(d, 7, "nothing written on a refusal");
    cr_assert(!yz_day_parse(NULL, &d));
}

Test(project, names)
{
    for (int i = 0; i < YZ_MS__COUNT; i++)
        cr_assert_eq(yz_milestone_parse(yz_milestone_name(i)), i);
    cr_assert_eq(yz_milestone_parse("opened"), -1);
    cr_assert_eq(yz_milestone_parse(NULL), -1);
    cr_assert_str_eq(yz_milestone_name(YZ_MS__COUNT), "");
}

static void reached(yz_project *p, int upto, int32_t first)
{
    for (int i = 0; i <= upto; i++)
        p->ms[i].done_on = first + 10 * i;
}

Test(project, rules)
{
    int32_t today = D(2026, 12, 3);
    yz_errinfo ei;
    yz_project p;
    yz_project_init(&p);
    cr_assert_eq(yz_project_stage(&p), -1);
    cr_assert_eq(yz_project_validate(&p, today, &ei), YZ_OK);
    reached(&p, YZ_MS_BUILDING, D(2026, 9, 1));
    cr_assert_eq(yz_project_validate(&p, today, &ei), YZ_OK);
    cr_assert_eq(yz_project_stage(&p), YZ_MS_BUILDING);
    /* accepted before building */
    p.ms[YZ_MS_ACCEPTED].done_on = p.ms[YZ_MS_BUILDING].done_on - 1;
    cr_assert_eq(yz_project_validate(&p, today, &ei), YZ_EINVAL);
    cr_assert_str_eq(ei.field, "milestones.accepted.actual");
    /* on the same day is fine */
    p.ms[YZ_MS_ACCEPTED].done_on = p.ms[YZ_MS_BUILDING].done_on;
    cr_assert_eq(yz_project_validate(&p, today, &ei), YZ_OK);
    /* after today */
    p.ms[YZ_MS_ACCEPTED].done_on = today + 1;
    cr_assert_eq(yz_project_validate(&p, today, &ei), YZ_EINVAL);
    cr_assert_str_eq(ei.field, "milestones.accepted.actual");
    p.ms[YZ_MS_ACCEPTED].done_on = YZ_DAY_NONE;
    /* open without accepted: a skip */
    p.ms[YZ_MS_OPEN].done_on = today;
    cr_assert_eq(yz_project_validate(&p, today, &ei), YZ_EINVAL);
    cr_assert_str_eq(ei.field, "milestones.open.actual");
    cr_assert(strstr(ei.msg_en, "accepted") != NULL, "%s", ei.msg_en);
    p.ms[YZ_MS_OPEN].done_on = YZ_DAY_NONE;
    /* overdue: the first milestone not reached whose plan has passed */
    cr_assert_eq(yz_project_overdue(&p, today), -1);
    p.ms[YZ_MS_OPEN].planned_on = today - 1;
    cr_assert_eq(yz_project_overdue(&p, today), YZ_MS_OPEN);
    p.ms[YZ_MS_ACCEPTED].planned_on = today; /* due today: not late yet */
    cr_assert_eq(yz_project_overdue(&p, today), YZ_MS_OPEN);
    p.ms[YZ_MS_ACCEPTED].planned_on = today - 30;
    cr_assert_eq(yz_project_overdue(&p, today), YZ_MS_ACCEPTED);
    p.ms[YZ_MS_BUILDING].planned_on = today - 300; /* reached: never overdue */
    cr_assert_eq(yz_project_overdue(&p, today), YZ_MS_ACCEPTED);
    /* a note too long, in characters not bytes */
    char note[3 * 501 + 1];
    for (int i = 0; i < 500; i++)
        memcpy(note + 3 * i, "验", 3);
    note[1500] = 0;
    p.ms[YZ_MS_PLANNED].note = yz_strdup(note);
    cr_assert_eq(yz_project_validate(&p, today, &ei), YZ_OK, "500 characters are fine");
    yz_free(p.ms[YZ_MS_PLANNED].note);
    memcpy(note + 1500, "验", 4);
    p.ms[YZ_MS_PLANNED].note = yz_strdup(note);
    cr_assert_eq(yz_project_validate(&p, today, &ei), YZ_EINVAL);
    cr_assert_str_eq(ei.field, "milestones.planned.note");
    yz_project_fini(&p);
}

/* --- the store -------------------------------------------------------------------------------- */

static char path[64];
static yz_store *st;
static yz_station *rows;
static size_t nrows;

static void setup(void)
{
    snprintf(path, sizeof path, "/tmp/yz-test-project-%d.db", (int)getpid());
    yz_test_remove_db(path);
    yz_errinfo ei;
    cr_assert_eq(yz_store_open(path, &st, &ei), YZ_OK, "%s", ei.msg_en);
    yz_district *d;
    size_t nd;
    cr_assert_eq(yz_demo_generate(11, &rows, &nrows, &d, &nd, &ei), YZ_OK);
    yz_import_counts c;
    cr_assert_eq(yz_store_import(st, rows, nrows, d, nd, &c, &ei), YZ_OK, "%s", ei.msg_en);
    for (size_t i = 0; i < nd; i++)
        yz_district_fini(&d[i]);
    yz_free(d);
}

static void teardown(void)
{
    yz_store_close(st);
    yz_station_array_free(rows, nrows);
    yz_test_remove_db(path);
}

static const yz_station *row_of(int64_t id)
{
    for (size_t i = 0; i < nrows; i++)
        if (rows[i].id == id)
            return &rows[i];
    return NULL;
}

Test(project, demo_consistent_with_status, .init = setup, .fini = teardown)
{
    yz_errinfo ei;
    int64_t now = yz_time_now();
    int32_t today = (int32_t)((now + 480 * 60) / 86400);
    cr_assert_eq(yz_demo_project(st, 11, now, &ei), YZ_OK, "%s", ei.msg_en);
    yz_project *v;
    size_t n;
    cr_assert_eq(yz_store_project_list(st, &v, &n, &ei), YZ_OK, "%s", ei.msg_en);
    cr_assert_eq(n, YZ_DEMO_LIVELIHOOD);
    int open = 0, late = 0;
    for (size_t i = 0; i < n; i++) {
        const yz_station *s = row_of(v[i].station_id);
        cr_assert(s && s->livelihood, "station %lld", (long long)v[i].station_id);
        cr_assert_eq(yz_project_validate(&v[i], today, &ei), YZ_OK, "%s", ei.msg_en);
        int stage = yz_project_stage(&v[i]);
        if (s->status == YZ_STATUS_PLANNED)
            cr_assert(stage == YZ_MS_PLANNED || stage == YZ_MS_SITE_AGREED, "planned at %d", stage);
        else if (s->status == YZ_STATUS_BUILDING)
            cr_assert(stage == YZ_MS_BUILDING || stage == YZ_MS_ACCEPTED, "building at %d", stage);
        else
            cr_assert_eq(stage, YZ_MS_OPEN, "status %d", s->status);
        open += stage == YZ_MS_OPEN;
        late += yz_project_overdue(&v[i], today) >= 0;
        cr_assert_eq(v[i].version, 1);
    }
    cr_assert_gt(open, YZ_DEMO_LIVELIHOOD / 2, "most are open");
    cr_assert(late >= 2 && late < 20, "a few overdue: %d", late);
    yz_project_array_free(v, n);
}

Test(project, store_rules, .init = setup, .fini = teardown)
{
    yz_errinfo ei;
    int64_t in = 0, out = 0;
    for (size_t i = 0; i < nrows && (!in || !out); i++)
        *(rows[i].livelihood ? &in : &out) = rows[i].id;
    yz_project p;
    cr_assert_eq(yz_store_project_get(st, in, &p, &ei), YZ_OK, "%s", ei.msg_en);
    cr_assert_eq(p.version, 0);
    cr_assert_eq(p.ms[0].planned_on, YZ_DAY_NONE);
    cr_assert_str_eq(p.ms[4].note, "");
    p.ms[0].planned_on = D(2026, 3, 1);
    p.ms[0].done_on = D(2026, 3, 2);
    yz_free(p.ms[0].note);
    p.ms[0].note = yz_strdup("列入 2026 年计划");
    cr_assert_eq(yz_store_project_put(st, &p, 1, &ei), YZ_ESTALE, "version 1 of a new one");
    cr_assert_eq(yz_store_project_put(st, &p, 0, &ei), YZ_OK, "%s", ei.msg_en);
    cr_assert_eq(p.version, 1);
    p.ms[1].done_on = D(2026, 4, 1);
    cr_assert_eq(yz_store_project_put(st, &p, 0, &ei), YZ_ESTALE);
    yz_project q;
    cr_assert_eq(yz_store_project_get(st, in, &q, &ei), YZ_OK);
    cr_assert_eq(q.version, 1);
    cr_assert_eq(q.ms[1].done_on, YZ_DAY_NONE, "a stale save changed nothing");
    cr_assert_eq(q.ms[0].done_on, D(2026, 3, 2));
    cr_assert_str_eq(q.ms[0].note, "列入 2026 年计划");
    yz_project_fini(&q);
    cr_assert_eq(yz_store_project_put(st, &p, -1, &ei), YZ_OK, "any version");
    cr_assert_eq(p.version, 2);
    /* a station not in the project */
    p.station_id = out;
    cr_assert_eq(yz_store_project_put(st, &p, -1, &ei), YZ_ECONFLICT);
    cr_assert_str_eq(ei.field, "livelihood");
    p.station_id = 999999;
    cr_assert_eq(yz_store_project_put(st, &p, -1, &ei), YZ_ENOTFOUND);
    cr_assert_eq(yz_store_project_get(st, 999999, &q, &ei), YZ_ENOTFOUND);
    yz_project_fini(&q);
    yz_project_fini(&p);
    /* deleting the station deletes its milestones */
    cr_assert_eq(yz_store_delete_station(st, in, 0, &ei), YZ_OK, "%s", ei.msg_en);
    yz_project *v;
    size_t n;
    cr_assert_eq(yz_store_project_list(st, &v, &n, &ei), YZ_OK);
    cr_assert_eq(n, 0);
    yz_project_array_free(v, n);
}
