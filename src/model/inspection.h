/* SPDX-License-Identifier: MIT */
/* model/inspection.h - standards as data and what is computed from them
 * (docs/internals/inspections.md): a checklist (one version of a standard, or of a self-check
 * list) with its criteria; reading one from JSON (`yizhan checklists load`); the scores of an
 * inspection per dimension and overall; and tier eligibility from rules that are data. Pure
 * functions: no store, no clock; thread-safe.
 *
 * Ownership: records own their strings (free with the _fini functions); inputs are borrowed. */
#ifndef YZ_MODEL_INSPECTION_H
#define YZ_MODEL_INSPECTION_H

#include "core/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum yz_cl_kind { YZ_CL_STANDARD, YZ_CL_SELF_CHECK, YZ_CL__COUNT };
enum yz_dim { YZ_DIM_HARDWARE, YZ_DIM_SERVICE, YZ_DIM_OPERATIONS, YZ_DIM__COUNT };
enum yz_scoring { YZ_SCORING_PASS_FAIL, YZ_SCORING_0_100, YZ_SCORING__COUNT };
enum yz_evidence { YZ_EVIDENCE_NONE, YZ_EVIDENCE_PHOTO, YZ_EVIDENCE_NOTE, YZ_EVIDENCE__COUNT };
enum yz_severity { YZ_SEVERITY_LOW, YZ_SEVERITY_MEDIUM, YZ_SEVERITY_HIGH, YZ_SEVERITY__COUNT };
enum yz_insp_kind { YZ_INSP_OPEN, YZ_INSP_SECRET, YZ_INSP_OFFICER, YZ_INSP__COUNT };
enum yz_tier_rule_kind {
    YZ_RULE_CRITERIA_MET, /* every criterion of the latest inspection on checklist `param` met */
    YZ_RULE_EVENTS_12M,   /* at least n event occurrences in the last 365 days */
    YZ_RULE_HOURS_247,    /* open 24/7 */
    YZ_RULE_FACILITY_ANY, /* one of the facilities (codes, comma-separated) in `param` */
    YZ_RULE_SCORE_AT_LEAST, /* the latest standard inspection's overall score >= n */
    YZ_RULE__COUNT
};

/* Names as the API and the tables spell them ("score_0_100"), "" when out of range; and back,
 * -1 when unknown (or NULL). */
const char *yz_cl_kind_name(int v);
int yz_cl_kind_parse(const char *s);
const char *yz_dim_name(int v);
int yz_dim_parse(const char *s);
const char *yz_scoring_name(int v);
int yz_scoring_parse(const char *s);
const char *yz_evidence_name(int v);
int yz_evidence_parse(const char *s);
const char *yz_severity_name(int v);
int yz_severity_parse(const char *s);
const char *yz_insp_kind_name(int v);
int yz_insp_kind_parse(const char *s);
const char *yz_tier_rule_name(int v);
int yz_tier_rule_parse(const char *s);

#define YZ_CL_CODE_MAX 40      /* bytes of a checklist's or criterion's code: [a-z0-9_] */
#define YZ_CL_LABEL_MAX 200    /* code points of a label */
#define YZ_CL_CRITERIA_MAX 200 /* criteria a checklist */

typedef struct yz_criterion {
    int64_t id;            /* 0 until stored */
    char *code;            /* "sign", unique within its checklist */
    char *label, *label_hant, *label_en;
    int dimension;         /* enum yz_dim */
    int weight;            /* 1..1000, relative within the checklist */
    int scoring;           /* enum yz_scoring */
    int evidence;          /* enum yz_evidence: what submitting needs */
    int severity;          /* enum yz_severity */
} yz_criterion;

typedef struct yz_checklist {
    int64_t id;            /* 0 until stored */
    char *code;            /* "zj_8you": the same for every version */
    int version;           /* 1, 2, ...; set by the store */
    int kind;              /* enum yz_cl_kind */
    char *label, *label_hant, *label_en;
    bool active;           /* the version offered for new inspections */
    int64_t created_at;    /* unix seconds */
    yz_criterion *criteria; /* owned, in order */
    size_t n;
} yz_checklist;

void yz_checklist_init(yz_checklist *c);
void yz_checklist_fini(yz_checklist *c); /* accepts NULL */
void yz_checklists_free(yz_checklist *a, size_t n);
/* The criterion with `code` or id `id` (0: by code only), or NULL. Borrowed. */
const yz_criterion *yz_checklist_criterion(const yz_checklist *c, const char *code, int64_t id);
/* Its index, or -1. */
long yz_checklist_index(const yz_checklist *c, int64_t criterion_id);

/* Read a checklist from JSON text `json` (the format of docs/internals/inspections.md):
 * {"code","kind","labels":{"zh-Hans","zh-Hant","en"},"criteria":[{"code","labels",
 * "dimension","weight","scoring","evidence","severity"}...]}. Every member is checked; an
 * unknown member is refused. YZ_OK with *out filled (owned), or YZ_EINVAL naming the member
 * ("criteria[3].weight") with *out left empty. */
int yz_checklist_parse(const char *json, size_t len, yz_checklist *out, yz_errinfo *ei);
/* Whether `a` and `b` define the same list (code, kind, labels, criteria in order), whatever
 * their ids, versions and dates. */
bool yz_checklist_same(const yz_checklist *a, const yz_checklist *b);

/* --- scores -------------------------------------------------------------------------------- */

#define YZ_VALUE_NONE (-1) /* a criterion not scored */

/* The value of a criterion as a score out of 100: pass (1) = 100, fail (0) = 0, a 0..100 score
 * as it is. */
int yz_criterion_points(const yz_criterion *cr, int value);
/* Whether `value` is allowed for `cr`: 0 or 1 for pass/fail, 0..100 for scores. */
bool yz_criterion_value_ok(const yz_criterion *cr, int value);

typedef struct yz_scores {
    double overall;             /* weighted mean of every scored criterion's points */
    double dim[YZ_DIM__COUNT];  /* the same within each dimension */
    bool has[YZ_DIM__COUNT];    /* the dimension has a scored criterion */
    bool has_overall;           /* some criterion is scored */
} yz_scores;

/* The scores of values[i] for criterion i of `c` (YZ_VALUE_NONE: left out): sum(weight x
 * points) / sum(weight), overall and per dimension. */
void yz_inspection_scores(const yz_checklist *c, const int *values, yz_scores *out);

/* --- tier eligibility ------------------------------------------------------------------------ */

typedef struct yz_tier_rule {
    int64_t id;
    int tier;   /* enum yz_tier (model/station.h) */
    int rule;   /* enum yz_tier_rule_kind */
    char *param;
    int n;
    char *label, *label_hant, *label_en;
} yz_tier_rule;

void yz_tier_rule_fini(yz_tier_rule *r);
void yz_tier_rules_free(yz_tier_rule *a, size_t n);

/* The latest submitted inspection of a station on one checklist code. */
typedef struct yz_latest_insp {
    const yz_checklist *checklist; /* the version it was scored on */
    const int *values;             /* per criterion of `checklist` */
    int64_t inspection_id;
    double overall;
} yz_latest_insp;

/* What the rules are evaluated on, for one station. All borrowed. */
typedef struct yz_elig_facts {
    const yz_latest_insp *latest; /* one per checklist code that has a submitted inspection */
    size_t n_latest;
    int events_12m;               /* event occurrences in the last 365 days */
    bool hours_247;
    const char *facilities;       /* the station's facility codes, comma-separated */
} yz_elig_facts;

/* Evaluate `r` on `f`: whether it passes, and why, as complete sentences in zh-Hans and
 * English into the caller's buffers (`cap` bytes each). */
bool yz_tier_rule_eval(const yz_tier_rule *r, const yz_elig_facts *f, char *why, char *why_en,
                       size_t cap);

#endif
