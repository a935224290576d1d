/* SPDX-License-Identifier: MIT */
/* model/inspection.c - checklists read from JSON, scores and tier rules
 * (docs/internals/inspections.md). A score is the weighted mean of points out of 100, so that a
 * list of pass/fail criteria and one of 0-100 scores read alike; a tier rule is evaluated on
 * facts the caller gathered, and says why it passes or fails. */
#include "model/inspection.h"

#include "core/alloc.h"
#include "core/buf.h"
#include "core/utf8.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#define NAMES(fn, arr, count)                                                                      \
    const char *yz_##fn##_name(int v) { return v >= 0 && v < (count) ? arr[v] : ""; }              \
    int yz_##fn##_parse(const char *s)                                                             \
    {                                                                                              \
        for (int i = 0; s && i < (count); i++)                                                     \
            if (strcmp(arr[i], s) == 0)                                                            \
                return i;                                                                          \
        return -1;                                                                                 \
    }

static const char *const kind_names[] = {"standard", "self_check"};
static const char *const dim_names[] = {"hardware", "service", "operations"};
static const char *const scoring_names[] = {"pass_fail", "score_0_100"};
static const char *const evidence_names[] = {"none", "photo", "note"};
static const char *const severity_names[] = {"low", "medium", "high"};
static const char *const insp_names[] = {"open", "secret", "experience_officer"};
static const char *const rule_names[] = {"criteria_met", "events_12m", "hours_247",
                                         "facility_any", "score_at_least"};
NAMES(cl_kind, kind_names, YZ_CL__COUNT)
NAMES(dim, dim_names, YZ_DIM__COUNT)
NAMES(scoring, scoring_names, YZ_SCORING__COUNT)
NAMES(evidence, evidence_names, YZ_EVIDENCE__COUNT)
NAMES(severity, severity_names, YZ_SEVERITY__COUNT)
NAMES(insp_kind, insp_names, YZ_INSP__COUNT)
NAMES(tier_rule, rule_names, YZ_RULE__COUNT)

void yz_checklist_init(yz_checklist *c)
{
    memset(c, 0, sizeof *c);
}

static void criterion_fini(yz_criterion *cr)
{
    yz_free(cr->code);
    yz_free(cr->label);
    yz_free(cr->label_hant);
    yz_free(cr->label_en);
}

void yz_checklist_fini(yz_checklist *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n; i++)
        criterion_fini(&c->criteria[i]);
    yz_free(c->criteria);
    yz_free(c->code);
    yz_free(c->label);
    yz_free(c->label_hant);
    yz_free(c->label_en);
    yz_checklist_init(c);
}

void yz_checklists_free(yz_checklist *a, size_t n)
{
    for (size_t i = 0; a && i < n; i++)
        yz_checklist_fini(&a[i]);
    yz_free(a);
}

const yz_criterion *yz_checklist_criterion(const yz_checklist *c, const char *code, int64_t id)
{
    for (size_t i = 0; i < c->n; i++)
        if ((id && c->criteria[i].id == id) || (code && strcmp(c->criteria[i].code, code) == 0))
            return &c->criteria[i];
    return NULL;
}

long yz_checklist_index(const yz_checklist *c, int64_t criterion_id)
{
    for (size_t i = 0; i < c->n; i++)
        if (c->criteria[i].id == criterion_id)
            return (long)i;
    return -1;
}

/* --- reading a checklist --------------------------------------------------------------------- */

static size_t code_points(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

static int bad(yz_errinfo *ei, const char *field, const char *zh, const char *en)
{
    char m[192], m_en[192];
    snprintf(m, sizeof m, "%s：%s", field, zh);
    snprintf(m_en, sizeof m_en, "%s: %s", field, en);
    return yz_err_set(ei, YZ_EINVAL, field, m, m_en);
}

/* Members of object `o` must be among `names` (NULL-terminated). */
static int only(json_t *o, const char *path, const char *const *names, yz_errinfo *ei)
{
    const char *key;
    json_t *v;
    json_object_foreach(o, key, v)
    {
        bool known = false;
        for (const char *const *n = names; *n; n++)
            known = known || strcmp(*n, key) == 0;
        if (!known) {
            char f[64];
            snprintf(f, sizeof f, "%s%.30s", path, yz_utf8_valid(key, strlen(key)) ? key : "?");
            return bad(ei, f, "未知字段", "unknown member");
        }
    }
    return YZ_OK;
}

static int code_of(json_t *o, const char *path, char **out, yz_errinfo *ei)
{
    char f[64];
    snprintf(f, sizeof f, "%scode", path);
    const char *s = json_string_value(json_object_get(o, "code"));
    size_t n = s ? strlen(s) : 0;
    bool ok = n > 0 && n <= YZ_CL_CODE_MAX;
    for (size_t i = 0; ok && i < n; i++)
        ok = (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_';
    if (!ok)
        return bad(ei, f, "须为 1 到 40 个小写字母、数字或下划线",
                   "must be 1 to 40 lower-case letters, digits or underscores");
    *out = yz_strdup(s);
    return YZ_OK;
}

static int labels_of(json_t *o, const char *path, char **zh, char **hant, char **en,
                     yz_errinfo *ei)
{
    static const char *const langs[] = {"zh-Hans", "zh-Hant", "en", NULL};
    char f[64];
    snprintf(f, sizeof f, "%slabels", path);
    json_t *l = json_object_get(o, "labels");
    if (!json_is_object(l))
        return bad(ei, f, "须为含 zh-Hans、zh-Hant、en 的对象",
                   "must be an object with zh-Hans, zh-Hant and en");
    char p[64];
    snprintf(p, sizeof p, "%slabels.", path);
    int err = only(l, p, langs, ei);
    char **outs[] = {zh, hant, en};
    for (int i = 0; !err && i < 3; i++) {
        const char *s = json_string_value(json_object_get(l, langs[i]));
        snprintf(f, sizeof f, "%slabels.%s", path, langs[i]);
        if (!s || !*s || code_points(s) > YZ_CL_LABEL_MAX)
            err = bad(ei, f, "须为 1 到 200 个字的文字", "must be text of 1 to 200 characters");
        else
            *outs[i] = yz_strdup(s);
    }
    return err;
}

static int word_of(json_t *o, const char *path, const char *name, int (*parse)(const char *),
                   const char *words, int *out, yz_errinfo *ei)
{
    char f[64];
    snprintf(f, sizeof f, "%s%s", path, name);
    int v = parse(json_string_value(json_object_get(o, name)));
    if (v < 0)
        return yz_err_setf(ei, YZ_EINVAL, f, "%s 须为 %s 之一", "%s must be one of %s", f, words);
    *out = v;
    return YZ_OK;
}

static int criterion_of(json_t *o, size_t i, yz_criterion *cr, yz_errinfo *ei)
{
    static const char *const names[] = {"code",    "labels",   "dimension", "weight",
                                        "scoring", "evidence", "severity",  NULL};
    char path[32];
    snprintf(path, sizeof path, "criteria[%zu].", i);
    if (!json_is_object(o)) {
        path[strlen(path) - 1] = 0;
        return bad(ei, path, "须为对象", "must be an object");
    }
    int err = only(o, path, names, ei);
    if (!err)
        err = code_of(o, path, &cr->code, ei);
    if (!err)
        err = labels_of(o, path, &cr->label, &cr->label_hant, &cr->label_en, ei);
    if (!err)
        err = word_of(o, path, "dimension", yz_dim_parse, "hardware, service, operations",
                      &cr->dimension, ei);
    if (!err) {
        json_t *w = json_object_get(o, "weight");
        char f[48];
        snprintf(f, sizeof f, "%sweight", path);
        if (!json_is_integer(w) || json_integer_value(w) < 1 || json_integer_value(w) > 1000)
            err = bad(ei, f, "须为 1 到 1000 的整数", "must be an integer from 1 to 1000");
        else
            cr->weight = (int)json_integer_value(w);
    }
    if (!err)
        err = word_of(o, path, "scoring", yz_scoring_parse, "pass_fail, score_0_100",
                      &cr->scoring, ei);
    if (!err)
        err = word_of(o, path, "evidence", yz_evidence_parse, "none, photo, note",
                      &cr->evidence, ei);
    if (!err)
        err = word_of(o, path, "severity", yz_severity_parse, "low, medium, high",
                      &cr->severity, ei);
    return err;
}

int yz_checklist_parse(const char *json, size_t len, yz_checklist *out, yz_errinfo *ei)
{
    static const char *const names[] = {"code", "kind", "labels", "criteria", NULL};
    yz_checklist_init(out);
    json_error_t je;
    json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &je);
    int err = YZ_OK;
    if (!json_is_object(root)) {
        err = yz_err_setf(ei, YZ_EINVAL, "body", "不是有效的 JSON 对象（第 %d 行）",
                          "not a valid JSON object (line %d)", je.line);
        goto out;
    }
    err = only(root, "", names, ei);
    if (!err)
        err = code_of(root, "", &out->code, ei);
    if (!err)
        err = word_of(root, "", "kind", yz_cl_kind_parse, "standard, self_check", &out->kind, ei);
    if (!err)
        err = labels_of(root, "", &out->label, &out->label_hant, &out->label_en, ei);
    json_t *cs = json_object_get(root, "criteria");
    if (!err && (!json_is_array(cs) || json_array_size(cs) == 0 ||
                 json_array_size(cs) > YZ_CL_CRITERIA_MAX))
        err = bad(ei, "criteria", "须为 1 到 200 条标准的数组",
                  "must be an array of 1 to 200 criteria");
    if (err)
        goto out;
    out->criteria = yz_calloc(json_array_size(cs), sizeof *out->criteria);
    for (size_t i = 0; !err && i < json_array_size(cs); i++) {
        err = criterion_of(json_array_get(cs, i), i, &out->criteria[i], ei);
        out->n = i + 1; /* so that fini frees what was read */
        for (size_t k = 0; !err && k < i; k++)
            if (strcmp(out->criteria[k].code, out->criteria[i].code) == 0) {
                char f[48];
                snprintf(f, sizeof f, "criteria[%zu].code", i);
                err = yz_err_setf(ei, YZ_EINVAL, f, "标准编号 %s 重复", "criterion code %s repeats",
                                  out->criteria[i].code);
            }
    }
out:
    json_decref(root);
    if (err)
        yz_checklist_fini(out);
    return err;
}

static bool streq(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "") == 0;
}

bool yz_checklist_same(const yz_checklist *a, const yz_checklist *b)
{
    if (!streq(a->code, b->code) || a->kind != b->kind || !streq(a->label, b->label) ||
        !streq(a->label_hant, b->label_hant) || !streq(a->label_en, b->label_en) || a->n != b->n)
        return false;
    for (size_t i = 0; i < a->n; i++) {
        const yz_criterion *x = &a->criteria[i], *y = &b->criteria[i];
        if (!streq(x->code, y->code) || !streq(x->label, y->label) ||
            !streq(x->label_hant, y->label_hant) || !streq(x->label_en, y->label_en) ||
            x->dimension != y->dimension || x->weight != y->weight || x->scoring != y->scoring ||
            x->evidence != y->evidence || x->severity != y->severity)
            return false;
    }
    return true;
}

/* --- scores ------------------------------------------------------------------------------- */

int yz_criterion_points(const yz_criterion *cr, int value)
{
    return cr->scoring == YZ_SCORING_PASS_FAIL ? (value ? 100 : 0) : value;
}

bool yz_criterion_value_ok(const yz_criterion *cr, int value)
{
    return cr->scoring == YZ_SCORING_PASS_FAIL ? (value == 0 || value == 1)
                                               : (value >= 0 && value <= 100);
}

void yz_inspection_scores(const yz_checklist *c, const int *values, yz_scores *out)
{
    double sum[YZ_DIM__COUNT] = {0}, wsum[YZ_DIM__COUNT] = {0}, all = 0, wall = 0;
    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < c->n; i++) {
        const yz_criterion *cr = &c->criteria[i];
        if (values[i] == YZ_VALUE_NONE || cr->dimension < 0 || cr->dimension >= YZ_DIM__COUNT)
            continue;
        double p = yz_criterion_points(cr, values[i]);
        sum[cr->dimension] += cr->weight * p;
        wsum[cr->dimension] += cr->weight;
        all += cr->weight * p;
        wall += cr->weight;
    }
    for (int d = 0; d < YZ_DIM__COUNT; d++)
        if (wsum[d] > 0) {
            out->has[d] = true;
            out->dim[d] = sum[d] / wsum[d];
        }
    if (wall > 0) {
        out->has_overall = true;
        out->overall = all / wall;
    }
}

/* --- tier rules --------------------------------------------------------------------------- */

void yz_tier_rule_fini(yz_tier_rule *r)
{
    if (!r)
        return;
    yz_free(r->param);
    yz_free(r->label);
    yz_free(r->label_hant);
    yz_free(r->label_en);
    memset(r, 0, sizeof *r);
}

void yz_tier_rules_free(yz_tier_rule *a, size_t n)
{
    for (size_t i = 0; a && i < n; i++)
        yz_tier_rule_fini(&a[i]);
    yz_free(a);
}

static const yz_latest_insp *latest_of(const yz_elig_facts *f, const char *code)
{
    for (size_t i = 0; i < f->n_latest; i++)
        if (f->latest[i].checklist && streq(f->latest[i].checklist->code, code))
            return &f->latest[i];
    return NULL;
}

/* Append `s` to the list in `buf` (cap bytes), with ", " between items. */
static void add_item(char *buf, size_t cap, const char *s)
{
    size_t n = strlen(buf);
    if (n + 8 >= cap)
        return;
    snprintf(buf + n, cap - n, "%s%s", n ? ", " : "", s);
}

bool yz_tier_rule_eval(const yz_tier_rule *r, const yz_elig_facts *f, char *why, char *why_en,
                       size_t cap)
{
    const char *param = r->param ? r->param : "";
    switch (r->rule) {
    case YZ_RULE_CRITERIA_MET:
    case YZ_RULE_SCORE_AT_LEAST: {
        const yz_latest_insp *l = latest_of(f, param);
        if (!l) {
            snprintf(why, cap, "尚无已提交的“%s”检查", param);
            snprintf(why_en, cap, "no submitted inspection on \"%s\" yet", param);
            return false;
        }
        if (r->rule == YZ_RULE_SCORE_AT_LEAST) {
            bool ok = l->overall + 1e-9 >= r->n;
            snprintf(why, cap, "最近一次检查（%lld）总分 %.1f，%s %d", (long long)l->inspection_id,
                     l->overall, ok ? "达到" : "低于", r->n);
            snprintf(why_en, cap, "the latest inspection (%lld) scored %.1f overall, %s %d",
                     (long long)l->inspection_id, l->overall, ok ? "at least" : "below", r->n);
            return ok;
        }
        char missed[160] = "";
        size_t n_missed = 0;
        for (size_t i = 0; i < l->checklist->n; i++) {
            const yz_criterion *cr = &l->checklist->criteria[i];
            int v = l->values[i];
            bool met = v != YZ_VALUE_NONE && (cr->scoring == YZ_SCORING_PASS_FAIL
                                                  ? v == 1
                                                  : yz_criterion_points(cr, v) >= r->n);
            if (!met) {
                n_missed++;
                add_item(missed, sizeof missed, cr->code);
            }
        }
        if (!n_missed) {
            snprintf(why, cap, "最近一次检查（%lld）%zu 项全部达标", (long long)l->inspection_id,
                     l->checklist->n);
            snprintf(why_en, cap, "all %zu criteria met in the latest inspection (%lld)",
                     l->checklist->n, (long long)l->inspection_id);
            return true;
        }
        snprintf(why, cap, "最近一次检查（%lld）%zu 项中有 %zu 项未达标：%s",
                 (long long)l->inspection_id, l->checklist->n, n_missed, missed);
        snprintf(why_en, cap, "%zu of %zu criteria not met in the latest inspection (%lld): %s",
                 n_missed, l->checklist->n, (long long)l->inspection_id, missed);
        return false;
    }
    case YZ_RULE_EVENTS_12M: {
        bool ok = f->events_12m >= r->n;
        snprintf(why, cap, "近 12 个月有 %d 场活动，%s %d 场", f->events_12m,
                 ok ? "不少于" : "少于", r->n);
        snprintf(why_en, cap, "%d events in the last 12 months, %s %d", f->events_12m,
                 ok ? "at least" : "fewer than", r->n);
        return ok;
    }
    case YZ_RULE_HOURS_247:
        snprintf(why, cap, "%s", f->hours_247 ? "24 小时开放" : "并非 24 小时开放");
        snprintf(why_en, cap, "%s", f->hours_247 ? "open 24/7" : "not open 24/7");
        return f->hours_247;
    case YZ_RULE_FACILITY_ANY: {
        const char *have = f->facilities ? f->facilities : "";
        for (const char *p = param; *p;) {
            const char *e = strchr(p, ',');
            size_t n = e ? (size_t)(e - p) : strlen(p);
            if (n && yz_list_has(have, p, n)) {
                snprintf(why, cap, "有设施 %.*s", (int)n, p);
                snprintf(why_en, cap, "has the facility %.*s", (int)n, p);
                return true;
            }
            p = e ? e + 1 : p + n;
        }
        snprintf(why, cap, "没有以下任一设施：%s", param);
        snprintf(why_en, cap, "has none of the facilities %s", param);
        return false;
    }
    default:
        snprintf(why, cap, "未知规则");
        snprintf(why_en, cap, "unknown rule");
        return false;
    }
}
