/* SPDX-License-Identifier: MIT */
/* tests/unit/test_inspections.c - inspections: scores against values computed by hand (pass =
 * 100, fail = 0, weights within and across dimensions, criteria left out), tier rules against
 * hand-made facts (each kind, passing and failing, with the reason naming what failed), a
 * checklist read from JSON (every kind of bad member refused, naming it), and on a SQLite
 * store: the migration's 八有 and self-check, loading the same list (no new version) and a
 * changed one (a new, active version; the old one kept, inactive), submit refused without the
 * evidence and the scores stored. */
#include "testdb.h"
#include "core/alloc.h"
#include "model/inspection.h"
#include "model/station.h"
#include "store/inspections.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static yz_criterion C(const char *code, int dim, int weight, int scoring)
{
    return (yz_criterion){.code = (char *)code, .dimension = dim, .weight = weight,
                          .scoring = scoring};
}

#define PF YZ_SCORING_PASS_FAIL
#define SC YZ_SCORING_0_100
#define NONE YZ_VALUE_NONE

Test(scores, pass_fail_and_scores_weighted)
{
    /* The 八有 weights with: sign pass, site pass, facilities 80, service 60, rules fail,
     * maps pass, publicity pass, warm pass. By hand:
     *   hardware   (10*100 + 10*100 + 15*80) / 35 = 3200 / 35 = 91.4286
     *   service    (15*60 + 10*100 + 15*100) / 40 = 3400 / 40 = 85
     *   operations (15*0 + 10*100) / 25           = 1000 / 25 = 40
     *   overall    (3200 + 3400 + 1000) / 100     = 76 */
    yz_criterion cr[] = {C("sign", YZ_DIM_HARDWARE, 10, PF),     C("site", YZ_DIM_HARDWARE, 10, PF),
                         C("fac", YZ_DIM_HARDWARE, 15, SC),      C("svc", YZ_DIM_SERVICE, 15, SC),
                         C("rules", YZ_DIM_OPERATIONS, 15, PF),  C("maps", YZ_DIM_OPERATIONS, 10, PF),
                         C("pub", YZ_DIM_SERVICE, 10, PF),       C("warm", YZ_DIM_SERVICE, 15, PF)};
    yz_checklist cl = {.criteria = cr, .n = 8};
    int v[] = {1, 1, 80, 60, 0, 1, 1, 1};
    yz_scores s;
    yz_inspection_scores(&cl, v, &s);
    cr_assert(s.has_overall && s.has[0] && s.has[1] && s.has[2]);
    cr_assert_float_eq(s.overall, 76.0, 1e-9);
    cr_assert_float_eq(s.dim[YZ_DIM_HARDWARE], 3200.0 / 35.0, 1e-9);
    cr_assert_float_eq(s.dim[YZ_DIM_SERVICE], 85.0, 1e-9);
    cr_assert_float_eq(s.dim[YZ_DIM_OPERATIONS], 40.0, 1e-9);
}

Test(scores, left_out_and_empty_dimensions)
{
    /* Only hardware criteria, one not scored: it is left out, so (1*100) / 1 = 100; the other
     * dimensions have no criterion: no score. */
    yz_criterion cr[] = {C("a", YZ_DIM_HARDWARE, 3, SC), C("b", YZ_DIM_HARDWARE, 1, PF)};
    yz_checklist cl = {.criteria = cr, .n = 2};
    int v[] = {NONE, 1};
    yz_scores s;
    yz_inspection_scores(&cl, v, &s);
    cr_assert(s.has_overall && s.has[YZ_DIM_HARDWARE]);
    cr_assert(!s.has[YZ_DIM_SERVICE] && !s.has[YZ_DIM_OPERATIONS]);
    cr_assert_float_eq(s.overall, 100.0, 1e-9);
    /* 33 of a 0-100 criterion weighted 3, and a fail: (3*33 + 0) / 4 = 24.75 */
    int w[] = {33, 0};
    yz_inspection_scores(&cl, w, &s);
    cr_assert_float_eq(s.overall, 24.75, 1e-9);
    int none[] = {NONE, NONE};
    yz_inspection_scores(&cl, none, &s);
    cr_assert(!s.has_overall && !s.has[YZ_DIM_HARDWARE]);
}

Test(scores, values_allowed)
{
    yz_criterion pf = C("p", 0, 1, PF), sc = C("s", 0, 1, SC);
    cr_assert(yz_criterion_value_ok(&pf, 0) && yz_criterion_value_ok(&pf, 1));
    cr_assert(!yz_criterion_value_ok(&pf, 57) && !yz_criterion_value_ok(&pf, -1));
    cr_assert(yz_criterion_value_ok(&sc, 0) && yz_criterion_value_ok(&sc, 100));
    cr_assert(!yz_criterion_value_ok(&sc, 101) && !yz_criterion_value_ok(&sc, -1));
    cr_assert_eq(yz_criterion_points(&pf, 1), 100);
    cr_assert_eq(yz_criterion_points(&pf, 0), 0);
    cr_assert_eq(yz_criterion_points(&sc, 57), 57);
}

/* --- tier rules --------------------------------------------------------------------------- */

static yz_tier_rule R(int rule, const char *param, int n)
{
    return (yz_tier_rule){.tier = YZ_TIER_BENCHMARK, .rule = rule, .param = (char *)param, .n = n};
}

Test(tiers, criteria_met)
{
    yz_criterion cr[] = {C("sign", 0, 10, PF), C("fac", 0, 15, SC), C("rules", 2, 15, PF)};
    yz_checklist cl = {.code = (char *)"zj_8you", .criteria = cr, .n = 3};
    int v[] = {1, 60, 1};
    yz_latest_insp l = {&cl, v, 42, 100};
    yz_elig_facts f = {&l, 1, 0, false, ""};
    yz_tier_rule r = R(YZ_RULE_CRITERIA_MET, "zj_8you", 60);
    char why[320], en[320];
    cr_assert(yz_tier_rule_eval(&r, &f, why, en, sizeof why), "%s", en); /* 60 >= 60 */
    cr_assert(strstr(en, "all 3 criteria met") && strstr(en, "(42)"), "%s", en);
    v[1] = 59; /* a score under the bar, and a fail */
    v[2] = 0;
    cr_assert(!yz_tier_rule_eval(&r, &f, why, en, sizeof why));
    cr_assert(strstr(en, "2 of 3 criteria not met") && strstr(en, "fac, rules"), "%s", en);
    cr_assert(strstr(why, "fac, rules"), "%s", why);
    v[1] = NONE; /* not scored is not met */
    v[2] = 1;
    cr_assert(!yz_tier_rule_eval(&r, &f, why, en, sizeof why));
    /* no inspection on that code */
    yz_tier_rule other = R(YZ_RULE_CRITERIA_MET, "another", 60);
    cr_assert(!yz_tier_rule_eval(&other, &f, why, en, sizeof why));
    cr_assert(strstr(en, "no submitted inspection on \"another\""), "%s", en);
}

Test(tiers, events_hours_facilities_score)
{
    yz_criterion cr[] = {C("a", 0, 1, PF)};
    yz_checklist cl = {.code = (char *)"zj_8you", .criteria = cr, .n = 1};
    int v[] = {1};
    yz_latest_insp l = {&cl, v, 7, 75.5};
    yz_elig_facts f = {&l, 1, 3, true, "toilet,battery_swap"};
    char why[320], en[320];
    yz_tier_rule ev = R(YZ_RULE_EVENTS_12M, "", 4);
    cr_assert(!yz_tier_rule_eval(&ev, &f, why, en, sizeof why));
    cr_assert_str_eq(en, "3 events in the last 12 months, fewer than 4");
    f.events_12m = 4;
    cr_assert(yz_tier_rule_eval(&ev, &f, why, en, sizeof why));
    yz_tier_rule h = R(YZ_RULE_HOURS_247, "", 0);
    cr_assert(yz_tier_rule_eval(&h, &f, why, en, sizeof why));
    f.hours_247 = false;
    cr_assert(!yz_tier_rule_eval(&h, &f, why, en, sizeof why));
    yz_tier_rule fa = R(YZ_RULE_FACILITY_ANY, "ebike_charging,battery_swap", 0);
    cr_assert(yz_tier_rule_eval(&fa, &f, why, en, sizeof why));
    cr_assert_str_eq(en, "has the facility battery_swap");
    f.facilities = "toilet,battery_swap_x"; /* whole codes only */
    cr_assert(!yz_tier_rule_eval(&fa, &f, why, en, sizeof why));
    yz_tier_rule sc = R(YZ_RULE_SCORE_AT_LEAST, "zj_8you", 76);
    cr_assert(!yz_tier_rule_eval(&sc, &f, why, en, sizeof why), "%s", en);
    sc.n = 75;
    cr_assert(yz_tier_rule_eval(&sc, &f, why, en, sizeof why), "%s", en);
}

/* --- checklists from JSON -------------------------------------------------------------------- */

static const char good[] =
    "{\"code\":\"night_check\",\"kind\":\"self_check\","
    "\"labels\":{\"zh-Hans\":\"夜间检查\",\"zh-Hant\":\"夜間檢查\",\"en\":\"Night check\"},"
    "\"criteria\":[{\"code\":\"lights\",\"labels\":{\"zh-Hans\":\"照明\",\"zh-Hant\":\"照明\","
    "\"en\":\"Lights\"},\"dimension\":\"hardware\",\"weight\":3,\"scoring\":\"pass_fail\","
    "\"evidence\":\"none\",\"severity\":\"high\"},{\"code\":\"door\",\"labels\":{\"zh-Hans\":"
    "\"门锁\",\"zh-Hant\":\"門鎖\",\"en\":\"Door\"},\"dimension\":\"operations\",\"weight\":1,"
    "\"scoring\":\"score_0_100\",\"evidence\":\"note\",\"severity\":\"low\"}]}";

Test(checklist, parse_good)
{
    yz_checklist c;
    yz_errinfo ei;
    cr_assert_eq(yz_checklist_parse(good, strlen(good), &c, &ei), YZ_OK, "%s", ei.msg_en);
    cr_assert_str_eq(c.code, "night_check");
    cr_assert_eq(c.kind, YZ_CL_SELF_CHECK);
    cr_assert_eq(c.n, 2);
    cr_assert_str_eq(c.criteria[1].label_hant, "門鎖");
    cr_assert_eq(c.criteria[1].scoring, YZ_SCORING_0_100);
    cr_assert_eq(c.criteria[1].evidence, YZ_EVIDENCE_NOTE);
    yz_checklist d;
    cr_assert_eq(yz_checklist_parse(good, strlen(good), &d, &ei), YZ_OK);
    cr_assert(yz_checklist_same(&c, &d));
    d.criteria[0].weight = 4;
    cr_assert(!yz_checklist_same(&c, &d));
    yz_checklist_fini(&c);
    yz_checklist_fini(&d);
}

/* Replace the first `from` in `good` with `to` and parse: the field refused. */
static void refused(const char *from, const char *to, const char *field)
{
    char buf[2048];
    const char *p = strstr(good, from);
    cr_assert(p, "%s", from);
    snprintf(buf, sizeof buf, "%.*s%s%s", (int)(p - good), good, to, p + strlen(from));
    yz_checklist c;
    yz_errinfo ei;
    yz_err_clear(&ei);
    cr_assert_eq(yz_checklist_parse(buf, strlen(buf), &c, &ei), YZ_EINVAL, "%s", to);
    cr_assert_str_eq(ei.field, field, "%s: %s", to, ei.msg_en);
    cr_assert(ei.msg[0] && ei.msg_en[0]);
    cr_assert_eq(c.n, 0);
    cr_assert_null(c.criteria);
}

Test(checklist, parse_bad)
{
    refused("\"night_check\"", "\"Night Check\"", "code");
    refused("\"self_check\"", "\"daily\"", "kind");
    refused("\"en\":\"Night check\"", "\"en\":\"\"", "labels.en");
    refused("\"weight\":3", "\"weight\":0", "criteria[0].weight");
    refused("\"weight\":1", "\"weight\":1.5", "criteria[1].weight");
    refused("\"dimension\":\"hardware\"", "\"dimension\":\"comfort\"", "criteria[0].dimension");
    refused("\"scoring\":\"pass_fail\"", "\"scoring\":\"stars\"", "criteria[0].scoring");
    refused("\"evidence\":\"note\"", "\"evidence\":\"video\"", "criteria[1].evidence");
    refused("\"severity\":\"high\"", "\"severity\":\"urgent\"", "criteria[0].severity");
    refused("\"code\":\"door\"", "\"code\":\"lights\"", "criteria[1].code");
    refused("\"kind\":", "\"extra\":1,\"kind\":", "extra");
    refused("{\"code\":\"night_check\"", "[", "body");
}

/* --- in the store ------------------------------------------------------------------------- */

static yz_store *open_db(char *path, size_t n)
{
    snprintf(path, n, "/tmp/yz-test-inspections-%d.db", (int)getpid());
    yz_test_remove_db(path);
    yz_store *st = NULL;
    yz_errinfo ei;
    cr_assert_eq(yz_store_open(path, &st, &ei), YZ_OK, "%s", ei.msg_en);
    return st;
}

Test(store, default_lists_and_versions)
{
    char path[128];
    yz_store *st = open_db(path, sizeof path);
    yz_errinfo ei;
    yz_checklist *a = NULL;
    size_t n = 0;
    cr_assert_eq(yz_store_checklist_list(st, false, &a, &n, &ei), YZ_OK, "%s", ei.msg_en);
    cr_assert_eq(n, 2);
    cr_assert_str_eq(a[1].code, "zj_8you"); /* by code: daily_self_check first */
    cr_assert_eq(a[1].n, 8);
    int sum = 0;
    for (size_t i = 0; i < a[1].n; i++)
        sum += a[1].criteria[i].weight;
    cr_assert_eq(sum, 100);
    cr_assert_str_eq(a[1].criteria[7].label_en, "Warm-hearted service activities");
    yz_checklists_free(a, n);

    yz_checklist c;
    cr_assert_eq(yz_checklist_parse(good, strlen(good), &c, &ei), YZ_OK);
    bool created = false;
    cr_assert_eq(yz_store_checklist_load(st, &c, &created, &ei), YZ_OK, "%s", ei.msg_en);
    cr_assert(created);
    cr_assert_eq(c.version, 1);
    int64_t v1 = c.id;
    yz_checklist_fini(&c);
    /* the same again: nothing new */
    cr_assert_eq(yz_checklist_parse(good, strlen(good), &c, &ei), YZ_OK);
    cr_assert_eq(yz_store_checklist_load(st, &c, &created, &ei), YZ_OK);
    cr_assert(!created);
    cr_assert_eq(c.id, v1);
    /* changed: version 2, active; version 1 kept, inactive */
    c.criteria[0].weight = 5;
    cr_assert_eq(yz_store_checklist_load(st, &c, &created, &ei), YZ_OK);
    cr_assert(created);
    cr_assert_eq(c.version, 2);
    cr_assert_neq(c.id, v1);
    yz_checklist old;
    cr_assert_eq(yz_store_checklist_get(st, v1, &old, &ei), YZ_OK);
    cr_assert(!old.active);
    cr_assert_eq(old.criteria[0].weight, 3);

    /* an inspection on the old version is refused; on the new one it keeps its version */
    yz_inspection in;
    yz_inspection_init(&in);
    snprintf(in.client_id, sizeof in.client_id, "00000000-0000-4000-8000-000000000001");
    in.station_id = 1;
    in.checklist_id = v1;
    in.kind = YZ_INSP_OPEN;
    bool existed;
    cr_assert_eq(yz_store_insp_create(st, &in, &existed, &ei), YZ_EINVAL);
    cr_assert_str_eq(ei.field, "checklist");
    in.checklist_id = c.id;
    cr_assert_eq(yz_store_insp_create(st, &in, &existed, &ei), YZ_OK, "%s", ei.msg_en);
    cr_assert(!existed);
    /* lights pass; door scored but without its note: submit refused, naming it */
    yz_insp_item items[] = {{c.criteria[0].id, 1, NULL, NULL}, {c.criteria[1].id, 50, NULL, NULL}};
    yz_inspection out;
    cr_assert_eq(yz_store_insp_save(st, in.id, items, 2, NULL, 0, &out, &ei), YZ_OK, "%s",
                 ei.msg_en);
    yz_inspection_fini(&out);
    bool already;
    cr_assert_eq(yz_store_insp_submit(st, in.id, 1000, 0, &out, &already, &ei), YZ_EINVAL);
    cr_assert_str_eq(ei.field, "scores.door");
    yz_inspection_fini(&out);
    items[1].note = (char *)"锁好了";
    cr_assert_eq(yz_store_insp_save(st, in.id, items + 1, 1, NULL, 0, &out, &ei), YZ_OK);
    yz_inspection_fini(&out);
    cr_assert_eq(yz_store_insp_submit(st, in.id, 2000, 0, &out, &already, &ei), YZ_OK, "%s",
                 ei.msg_en);
    cr_assert(!already && out.submitted && out.submitted_at == 2000);
    /* (5*100 + 1*50) / 6 = 91.667; hardware 100; operations 50 */
    cr_assert_float_eq(out.scores.overall, 550.0 / 6.0, 1e-9);
    cr_assert_float_eq(out.scores.dim[YZ_DIM_HARDWARE], 100.0, 1e-9);
    cr_assert_float_eq(out.scores.dim[YZ_DIM_OPERATIONS], 50.0, 1e-9);
    cr_assert(!out.scores.has[YZ_DIM_SERVICE]);
    yz_inspection_fini(&out);
    /* twice: left as it was */
    cr_assert_eq(yz_store_insp_submit(st, in.id, 3000, 0, &out, &already, &ei), YZ_OK);
    cr_assert(already && out.submitted_at == 2000);
    yz_inspection_fini(&out);
    cr_assert_eq(yz_store_insp_save(st, in.id, items, 1, NULL, 0, &out, &ei), YZ_ECONFLICT);
    yz_inspection_fini(&out);
    yz_inspection_fini(&in);
    yz_checklist_fini(&old);
    yz_checklist_fini(&c);
    yz_store_close(st);
    yz_test_remove_db(path);
}
