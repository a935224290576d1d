/* SPDX-License-Identifier: MIT */
/* api/inspections.c - standards as data and inspections (issue 12; docs/internals/
 * inspections.md): GET /api/v1/checklists; staff inspections (open, secret) under
 * /api/v1/inspections; experience officers appointed by a code the worker shows, inspecting
 * with their worker token under /api/v1/officer/inspections, their presence proved by a
 * check-in, listed and revoked by a city admin; operators' daily self-checks and the compliance
 * of their stations; a station's scores and its tier eligibility from rules that are data. */
#include "api/api_int.h"
#include "api/params.h"

#include "core/alloc.h"
#include "core/time.h"
#include "core/utf8.h"
#include "model/hours.h"
#include "store/events.h"
#include "store/inspections.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PRESENCE_BEFORE_S (30 * 60) /* a check-in this long before the inspection counts */
#define CODE_TTL_S (15 * 60)        /* an appointment code lives this long */
#define NOTE_MAX 2000               /* code points of a note */
#define PHOTOS_MAX 10               /* photos a criterion */
#define LIST_MAX 500                /* inspections a list answer */
#define OFFSET_MIN 480              /* times are rendered at +08:00 */

/* Roles, as bits for yz__api_may_as. */
#define STAFF_BUT_OPERATOR                                                                         \
    ((1u << YZ_ROLE_CITY_ADMIN) | (1u << YZ_ROLE_DISTRICT_ADMIN) | (1u << YZ_ROLE_INSPECTOR) |     \
     (1u << YZ_ROLE_MODERATOR) | (1u << YZ_ROLE_CANTEEN) | (1u << YZ_ROLE_VIEWER))

/* --- small helpers --------------------------------------------------------------------------- */

/* Whether `s` is a UUID (8-4-4-4-12 hexadecimal digits); copies it in lower case to out. */
static bool uuid_of(const char *s, char out[YZ_CLIENT_ID_LEN + 1])
{
    if (!s || strlen(s) != YZ_CLIENT_ID_LEN)
        return false;
    for (int i = 0; i < YZ_CLIENT_ID_LEN; i++) {
        char c = s[i];
        bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? c != '-' : !((c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')))
            return false;
        out[i] = dash ? c : (char)(c >= 'A' && c <= 'F' ? c | 0x20 : c);
    }
    out[YZ_CLIENT_ID_LEN] = 0;
    return true;
}

static size_t code_points(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

static int insp_not_found(yz_errinfo *ei)
{
    return yz_err_set(ei, YZ_ENOTFOUND, "id", "检查记录不存在", "inspection not found");
}

static void member_score(yz_buf *b, const char *key, bool has, double v)
{
    yz_buf_printf(b, "\"%s\":", key);
    if (has)
        yz_buf_fixed(b, v, 2);
    else
        yz_buf_puts(b, "null");
}

static void render_labels(yz_buf *b, const char *zh, const char *hant, const char *en)
{
    yz_buf_puts(b, ",\"labels\":{\"zh-Hans\":");
    yz_buf_json_str(b, zh, strlen(zh));
    yz_buf_puts(b, ",\"zh-Hant\":");
    yz_buf_json_str(b, hant, strlen(hant));
    yz_buf_puts(b, ",\"en\":");
    yz_buf_json_str(b, en, strlen(en));
    yz_buf_putc(b, '}');
}

/* --- checklists -------------------------------------------------------------------------------- */

static void render_checklist(yz_buf *b, const yz_checklist *c)
{
    yz_buf_printf(b, "{\"id\":%lld,\"code\":", (long long)c->id);
    yz_buf_json_str(b, c->code, strlen(c->code));
    yz_buf_printf(b, ",\"version\":%d,\"kind\":\"%s\",\"active\":%s", c->version,
                  yz_cl_kind_name(c->kind), c->active ? "true" : "false");
    render_labels(b, c->label, c->label_hant, c->label_en);
    yz_buf_puts(b, ",\"criteria\":[");
    for (size_t i = 0; i < c->n; i++) {
        const yz_criterion *cr = &c->criteria[i];
        yz_buf_printf(b, "%s{\"id\":%lld,\"code\":", i ? "," : "", (long long)cr->id);
        yz_buf_json_str(b, cr->code, strlen(cr->code));
        render_labels(b, cr->label, cr->label_hant, cr->label_en);
        yz_buf_printf(b,
                      ",\"dimension\":\"%s\",\"weight\":%d,\"scoring\":\"%s\",\"evidence\":\"%s\","
                      "\"severity\":\"%s\"}",
                      yz_dim_name(cr->dimension), cr->weight, yz_scoring_name(cr->scoring),
                      yz_evidence_name(cr->evidence), yz_severity_name(cr->severity));
    }
    yz_buf_puts(b, "]}");
}

typedef struct cl_args {
    bool all;
} cl_args;

static const yz_param cl_params[] = {
    {"all", YZ_PARAM_BOOL, offsetof(cl_args, all), 0, 0, 0, 0, NULL, NULL},
};

static void h_checklists(void *ctx, yz_http_req *req)
{
    yz_api *api = ctx;
    yz_errinfo ei;
    yz_err_clear(&ei);
    cl_args a = {false};
    yz_checklist *cls = NULL;
    size_t n = 0;
    int err = YZ_API_PARAMS(req, cl_params, &a, &ei);
    if (!err)
        err = yz_store_checklist_list(api->st, a.all, &cls, &n, &ei);
    if (err) {
        yz_api_error(req, &ei);
        return;
    }
    yz_buf b;
    yz_buf_init(&b);
    yz_buf_puts(&b, "{\"checklists\":[");
    for (size_t i = 0; i < n; i++) {
        if (i)
            yz_buf_putc(&b, ',');
        render_checklist(&b, &cls[i]);
    }
    yz_buf_puts(&b, "]}\n");
    yz_checklists_free(cls, n);
    yz__api_ok(req, &b);
}

static void h_checklist(void *ctx, yz_http_req *req)
{
    yz_api *api = ctx;
    yz_errinfo ei;
    yz_err_clear(&ei);
    yz_checklist c;
    yz_checklist_init(&c);
    int64_t id = yz__api_id(yz_http_param(req, 0));
    int err = yz__api_params(req, NULL, 0, NULL, &ei);
    if (!err)
        err = id ? yz_store_checklist_get(api->st, id, &c, &ei)
                 : yz_err_set(&ei, YZ_ENOTFOUND, "id", "检查表不存在", "checklist not found");
    if (err) {
        yz_api_error(req, &ei);
        return;
    }
    yz_buf b;
    yz_buf_init(&b);
    render_checklist(&b, &c);
    yz_buf_putc(&b, '\n');
    yz_checklist_fini(&c);
    yz__api_ok(req, &b);
}

/* --- an inspection as JSON ------------------------------------------------------------------- */

static void render_inspection(yz_api *api, yz_buf *b, const yz_inspection *in,
                              const yz_checklist *cl)
{
    yz_buf_printf(b, "{\"id\":%lld,\"client_id\":\"%s\",\"station\":{\"id\":%lld",
                  (long long)in->id, in->client_id, (long long)in->station_id);
    char district[32] = "";
    const yz_state_view *view = yz_state_acquire(api->state);
    const yz_snap *s = yz_state_snap(view);
    long i = yz_snap_find_id(s, in->station_id);
    if (i >= 0) {
        yz_station st_buf;
        const yz_station *st = yz_snap_station_get(s, (size_t)i, &st_buf);
        yz_buf_json_member_str(b, "code", st->code);
        yz_buf_json_member_str(b, "name", st->name);
        snprintf(district, sizeof district, "%s", st->district_code ? st->district_code : "");
    }
    yz_state_release(api->state, view);
    yz_buf_putc(b, '}');
    yz_buf_json_member_str(b, "district_code", *district ? district : NULL);
    yz_buf_printf(b, ",\"checklist\":{\"id\":%lld", (long long)in->checklist_id);
    if (cl) {
        yz_buf_json_member_str(b, "code", cl->code);
        yz_buf_printf(b, ",\"version\":%d", cl->version);
    }
    yz_buf_printf(b, "},\"kind\":\"%s\",\"status\":\"%s\"", yz_insp_kind_name(in->kind),
                  in->submitted ? "submitted" : "draft");
    yz_buf_puts(b, ",\"opened_by\":");
    if (in->opened_by)
        yz_buf_int(b, in->opened_by);
    else
        yz_buf_puts(b, "null");
    yz_buf_puts(b, ",\"assigned_to\":");
    if (in->assigned_to)
        yz_buf_int(b, in->assigned_to);
    else
        yz_buf_puts(b, "null");
    yz_buf_puts(b, ",\"officer_id\":");
    if (in->officer_id)
        yz_buf_int(b, in->officer_id);
    else
        yz_buf_puts(b, "null");
    yz_buf_printf(b, ",\"presence_verified\":%s", in->presence_verified ? "true" : "false");
    yz_buf_json_member_str(b, "note", in->note);
    yz__api_member_time(b, "created_at", in->created_at);
    yz__api_member_time(b, "updated_at", in->updated_at);
    yz__api_member_time(b, "submitted_at", in->submitted_at);
    yz_buf_printf(b, ",\"version\":%lld,\"scores\":", (long long)in->version);
    if (in->submitted) {
        yz_buf_putc(b, '{');
        member_score(b, "overall", in->scores.has_overall, in->scores.overall);
        for (int d = 0; d < YZ_DIM__COUNT; d++) {
            yz_buf_putc(b, ',');
            member_score(b, yz_dim_name(d), in->scores.has[d], in->scores.dim[d]);
        }
        yz_buf_putc(b, '}');
    } else {
        yz_buf_puts(b, "null");
    }
    yz_buf_puts(b, ",\"items\":[");
    for (size_t k = 0; k < in->n_items; k++) {
        const yz_insp_item *it = &in->items[k];
        const yz_criterion *cr = cl ? yz_checklist_criterion(cl, NULL, it->criterion_id) : NULL;
        yz_buf_printf(b, "%s{\"criterion_id\":%lld", k ? "," : "", (long long)it->criterion_id);
        if (cr) {
            yz_buf_json_member_str(b, "criterion", cr->code);
            if (cr->scoring == YZ_SCORING_PASS_FAIL)
                yz_buf_puts(b, it->value == YZ_VALUE_NONE ? ",\"pass\":null"
                               : it->value                ? ",\"pass\":true"
                                                          : ",\"pass\":false");
            else if (it->value == YZ_VALUE_NONE)
                yz_buf_puts(b, ",\"score\":null");
            else
                yz_buf_printf(b, ",\"score\":%d", it->value);
        }
        yz_buf_json_member_str(b, "note", it->note);
        yz_buf_puts(b, ",\"photos\":[");
        for (const char *p = it->photos; p && *p;) {
            const char *e = strchr(p, ',');
            size_t n = e ? (size_t)(e - p) : strlen(p);
            if (p != it->photos)
                yz_buf_putc(b, ',');
            yz_buf_json_str(b, p, n);
            p = e ? e + 1 : p + n;
        }
        yz_buf_puts(b, "]}");
    }
    yz_buf_puts(b, "]}");
}

/* Answer `status` with inspection `in` (its checklist read for the criteria's codes). */
static void respond_inspection(yz_api *api, yz_http_req *req, int status, const yz_inspection *in)
{
    yz_checklist cl;
    yz_errinfo ignored;
    bool have = yz_store_checklist_get(api->st, in->checklist_id, &cl, &ignored) == YZ_OK;
    yz_buf b;
    yz_buf_init(&b);
    render_inspection(api, &b, in, have ? &cl : NULL);
    yz_buf_putc(&b, '\n');
    yz_checklist_fini(&cl);
    char etag[32];
    snprintf(etag, sizeof etag, "\"%lld\"", (long long)in->version);
    yz_http_add_header(req, "ETag", etag);
    yz_http_respond(req, status, YZ_JSON, &b);
}

static void audit_before(yz_api *api, yz_http_req *req, const yz_inspection *in)
{
    yz_checklist cl;
    yz_errinfo ignored;
    bool have = yz_store_checklist_get(api->st, in->checklist_id, &cl, &ignored) == YZ_OK;
    yz_buf b;
    yz_buf_init(&b);
    render_inspection(api, &b, in, have ? &cl : NULL);
    yz_checklist_fini(&cl);
    yz__api_audit_before(req, b.data);
    yz_buf_fini(&b);
}

/* --- reading a form (PATCH and submit bodies) ------------------------------------------------ */

static bool hex64(const char *s)
{
    if (!s || strlen(s) != 64)
        return false;
    for (const char *p = s; *p; p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
            return false;
    return true;
}

static void items_free(yz_insp_item *a, size_t n)
{
    for (size_t i = 0; a && i < n; i++) {
        yz_free(a[i].note);
        yz_free(a[i].photos);
    }
    yz_free(a);
}

/* The criterion an entry names: its code, or its id (of this checklist). */
static const yz_criterion *entry_criterion(const yz_checklist *cl, json_t *c, const char *field,
                                           yz_errinfo *ei)
{
    const yz_criterion *cr = NULL;
    if (json_is_string(c))
        cr = yz_checklist_criterion(cl, json_string_value(c), 0);
    else if (json_is_integer(c) && json_integer_value(c) > 0)
        cr = yz_checklist_criterion(cl, NULL, json_integer_value(c));
    else {
        yz_err_set(ei, YZ_EINVAL, field, "须为标准的编号（如 sign）或 id",
                   "must be a criterion's code (such as sign) or id");
        return NULL;
    }
    if (!cr) {
        char v[48];
        if (json_is_string(c))
            snprintf(v, sizeof v, "%.40s",
                     yz_utf8_valid(json_string_value(c), strlen(json_string_value(c)))
                         ? json_string_value(c)
                         : "?");
        else
            snprintf(v, sizeof v, "%lld", (long long)json_integer_value(c));
        yz_err_setf(ei, YZ_EINVAL, field, "标准 %s 不在检查表 %s 第 %d 版中",
                    "criterion %s is not in checklist %s version %d", v, cl->code, cl->version);
    }
    return cr;
}

/* Read one entry of "scores" over `it` (the stored result, or a new one): the members given
 * replace what is there. */
static int read_entry(const yz_checklist *cl, json_t *e, size_t i, yz_insp_item *it,
                      const yz_criterion **crp, yz_errinfo *ei)
{
    char f[80];
    snprintf(f, sizeof f, "scores[%zu]", i);
    if (!json_is_object(e))
        return yz_err_set(ei, YZ_EINVAL, f, "须为对象", "must be an object");
    const char *key;
    json_t *v;
    json_object_foreach(e, key, v)
    {
        if (strcmp(key, "criterion") && strcmp(key, "pass") && strcmp(key, "score") &&
            strcmp(key, "note") && strcmp(key, "photos")) {
            snprintf(f, sizeof f, "scores[%zu].%.20s", i,
                     yz_utf8_valid(key, strlen(key)) ? key : "?");
            return yz_err_set(ei, YZ_EINVAL, f, "未知字段", "unknown member");
        }
    }
    snprintf(f, sizeof f, "scores[%zu].criterion", i);
    const yz_criterion *cr = entry_criterion(cl, json_object_get(e, "criterion"), f, ei);
    if (!cr)
        return ei->code;
    *crp = cr;
    it->criterion_id = cr->id;
    json_t *pass = json_object_get(e, "pass"), *score = json_object_get(e, "score");
    if (cr->scoring == YZ_SCORING_PASS_FAIL) {
        snprintf(f, sizeof f, "scores[%zu].%s", i, score ? "score" : "pass");
        if (score)
            return yz_err_setf(ei, YZ_EINVAL, f,
                               "标准 %s 按达标/不达标评定：请给 pass: true 或 false，不能给分数",
                               "criterion %s is pass/fail: give pass true or false, not a score",
                               cr->code);
        if (pass && !json_is_boolean(pass) && !json_is_null(pass))
            return yz_err_set(ei, YZ_EINVAL, f, "pass 须为 true、false 或 null",
                              "pass must be true, false or null");
        if (pass)
            it->value = json_is_null(pass) ? YZ_VALUE_NONE : json_is_true(pass) ? 1 : 0;
    } else {
        snprintf(f, sizeof f, "scores[%zu].%s", i, pass ? "pass" : "score");
        if (pass)
            return yz_err_setf(ei, YZ_EINVAL, f,
                               "标准 %s 按 0 到 100 分评定：请给 score，不能给 pass",
                               "criterion %s is scored 0 to 100: give score, not pass", cr->code);
        if (score && !json_is_null(score) &&
            (!json_is_integer(score) || json_integer_value(score) < 0 ||
             json_integer_value(score) > 100))
            return yz_err_set(ei, YZ_EINVAL, f, "分数须为 0 到 100 的整数（或 null）",
                              "score must be an integer from 0 to 100 (or null)");
        if (score)
            it->value = json_is_null(score) ? YZ_VALUE_NONE : (int)json_integer_value(score);
    }
    json_t *note = json_object_get(e, "note");
    if (note) {
        snprintf(f, sizeof f, "scores[%zu].note", i);
        if (!json_is_string(note) && !json_is_null(note))
            return yz_err_set(ei, YZ_EINVAL, f, "说明须为文字或 null", "note must be text or null");
        if (json_is_string(note) && code_points(json_string_value(note)) > NOTE_MAX)
            return yz_err_setf(ei, YZ_EINVAL, f, "说明不能超过 %d 个字",
                               "note must be at most %d characters", NOTE_MAX);
        yz_free(it->note);
        it->note = json_is_string(note) && *json_string_value(note)
                       ? yz_strdup(json_string_value(note))
                       : NULL;
    }
    json_t *photos = json_object_get(e, "photos");
    if (photos) {
        snprintf(f, sizeof f, "scores[%zu].photos", i);
        if (!json_is_array(photos) || json_array_size(photos) > PHOTOS_MAX)
            return yz_err_setf(ei, YZ_EINVAL, f, "照片须为最多 %d 个 sha256 值的数组",
                               "photos must be an array of at most %d sha256 hashes",
                               PHOTOS_MAX);
        yz_buf b;
        yz_buf_init(&b);
        size_t k;
        json_t *p;
        json_array_foreach(photos, k, p)
        {
            if (!hex64(json_string_value(p))) {
                yz_buf_fini(&b);
                snprintf(f, sizeof f, "scores[%zu].photos[%zu]", i, k);
                return yz_err_set(ei, YZ_EINVAL, f, "须为照片的 sha256 值（64 个小写十六进制字符）",
                                  "must be a photo's sha256 (64 lower-case hex digits)");
            }
            if (k)
                yz_buf_putc(&b, ',');
            yz_buf_puts(&b, json_string_value(p));
        }
        yz_free(it->photos);
        it->photos = b.len ? yz_buf_take(&b) : NULL;
        yz_buf_fini(&b);
    }
    return YZ_OK;
}

/* Read a form body {"note", "scores": [...]} against checklist `cl` and the stored results of
 * `in`: *items (owned) gets each criterion named, merged over what is stored; *note the note
 * (borrowed from `body`), *has_note whether it was given. */
static int read_form(json_t *body, const yz_checklist *cl, const yz_inspection *in,
                     yz_insp_item **items, size_t *n, const char **note, bool *has_note,
                     yz_errinfo *ei)
{
    *items = NULL;
    *n = 0;
    *note = NULL;
    *has_note = false;
    if (!json_is_object(body))
        return yz_err_set(ei, YZ_EINVAL, "body", "请求体须为 JSON 对象",
                          "the body must be a JSON object");
    const char *key;
    json_t *v;
    json_object_foreach(body, key, v)
    {
        if (strcmp(key, "note") && strcmp(key, "scores"))
            return yz_err_setf(ei, YZ_EINVAL, "body", "未知字段 %.30s", "unknown member %.30s",
                               yz_utf8_valid(key, strlen(key)) ? key : "?");
    }
    json_t *jn = json_object_get(body, "note");
    if (jn) {
        if ((!json_is_string(jn) && !json_is_null(jn)) ||
            (json_is_string(jn) && code_points(json_string_value(jn)) > NOTE_MAX))
            return yz_err_setf(ei, YZ_EINVAL, "note", "说明须为不超过 %d 个字的文字",
                               "note must be text of at most %d characters", NOTE_MAX);
        *has_note = true;
        *note = json_is_string(jn) ? json_string_value(jn) : "";
    }
    json_t *sc = json_object_get(body, "scores");
    if (!sc)
        return YZ_OK;
    if (!json_is_array(sc) || json_array_size(sc) > cl->n)
        return yz_err_setf(ei, YZ_EINVAL, "scores", "scores 须为数组，每条标准最多一项（共 %zu 条）",
                           "scores must be an array with at most one entry a criterion (%zu)",
                           cl->n);
    yz_insp_item *a = yz_calloc(json_array_size(sc) + 1, sizeof *a);
    size_t i;
    json_t *e;
    int err = YZ_OK;
    json_array_foreach(sc, i, e)
    {
        /* start from the stored result of the criterion, when the entry names one */
        yz_insp_item *it = &a[i];
        it->value = YZ_VALUE_NONE;
        json_t *c = json_is_object(e) ? json_object_get(e, "criterion") : NULL;
        yz_errinfo probe;
        const yz_criterion *cr0 = c ? entry_criterion(cl, c, "", &probe) : NULL;
        for (size_t k = 0; cr0 && k < in->n_items; k++)
            if (in->items[k].criterion_id == cr0->id) {
                it->value = in->items[k].value;
                it->note = in->items[k].note ? yz_strdup(in->items[k].note) : NULL;
                it->photos = in->items[k].photos ? yz_strdup(in->items[k].photos) : NULL;
            }
        const yz_criterion *cr = NULL;
        *n = i + 1;
        err = read_entry(cl, e, i, it, &cr, ei);
        for (size_t k = 0; !err && k < i; k++)
            if (a[k].criterion_id == it->criterion_id) {
                char f[80];
                snprintf(f, sizeof f, "scores[%zu].criterion", i);
                err = yz_err_setf(ei, YZ_EINVAL, f, "标准 %s 重复出现", "criterion %s repeats",
                                  cr->code);
            }
        if (err)
            break;
    }
    if (err) {
        items_free(a, *n);
        *n = 0;
        return err;
    }
    *items = a;
    return YZ_OK;
}

/* --- who may read which inspection ------------------------------------------------------------ */

static void target_of(yz_api *api, const yz_inspection *in, yz_target *t)
{
    memset(t, 0, sizeof *t);
    yz__api_target_station(api, in->station_id, t);
    t->user_id = in->opened_by;
    t->assignee_id = in->assigned_to;
}

/* The table's check of `route` on `in`; then an operator (who reads only submitted ones) gets
 * 404 for a draft: a secret inspection is never seen before it is submitted. */
static int staff_check(yz_api *api, yz_http_req *req, const char *route, const yz_inspection *in,
                       yz_errinfo *ei)
{
    yz_target t;
    target_of(api, in, &t);
    int err = yz__api_authorize(api, req, route, &t, ei);
    if (!err && !in->submitted && !yz__api_may_as(api, req, route, &t, STAFF_BUT_OPERATOR))
        err = insp_not_found(ei);
    return err;
}

/* The inspection named by path capture 0 (an id, or the client's UUID). */
static int load_path(yz_api *api, yz_http_req *req, yz_inspection *in, yz_errinfo *ei)
{
    const char *p = yz_http_param(req, 0);
    char uuid[YZ_CLIENT_ID_LEN + 1];
    yz_inspection_init(in);
    if (uuid_of(p, uuid))
        return yz_store_insp_get(api->st, 0, uuid, in, ei);
    int64_t id = yz__api_id(p);
    return id ? yz_store_insp_get(api->st, id, NULL, in, ei) : insp_not_found(ei);
}

/* --- create ------------------------------------------------------------------------------------ */

typedef struct who {
    int64_t user_id;    /* a staff user, 0 for the admin token or an officer */
    int64_t officer_id; /* an officer, else 0 */
} who;

/* Read a create body into `in` (station, checklist, kind, client_id, assigned_to, note). */
static int read_create(yz_api *api, json_t *body, bool officer, yz_inspection *in,
                       yz_errinfo *ei)
{
    static const char *const staff[] = {"station", "checklist", "kind", "client_id",
                                        "assigned_to", "note", NULL};
    if (!json_is_object(body))
        return yz_err_set(ei, YZ_EINVAL, "body", "请求体须为 JSON 对象",
                          "the body must be a JSON object");
    const char *key;
    json_t *v;
    json_object_foreach(body, key, v)
    {
        bool known = false;
        for (const char *const *n = staff; *n; n++)
            known = known || (strcmp(*n, key) == 0 && !(officer && !strcmp(key, "assigned_to")));
        if (!known)
            return yz_err_setf(ei, YZ_EINVAL, "body", "未知字段 %.30s", "unknown member %.30s",
                               yz_utf8_valid(key, strlen(key)) ? key : "?");
    }
    if (!uuid_of(json_string_value(json_object_get(body, "client_id")), in->client_id))
        return yz_err_set(ei, YZ_EINVAL, "client_id",
                          "client_id 须为客户端生成的 UUID（如 0b5c3f9e-4d1a-4c8e-9f00-1a2b3c4d5e6f）",
                          "client_id must be a UUID the client makes "
                          "(such as 0b5c3f9e-4d1a-4c8e-9f00-1a2b3c4d5e6f)");
    json_t *st = json_object_get(body, "station");
    const yz_state_view *view = yz_state_acquire(api->state);
    const yz_snap *s = yz_state_snap(view);
    long i = -1;
    if (json_is_integer(st) && json_integer_value(st) > 0)
        i = yz_snap_find_id(s, json_integer_value(st));
    else if (json_is_string(st))
        i = yz_snap_find_code(s, json_string_value(st));
    if (i >= 0)
        in->station_id = yz_snap_station_id(s, (size_t)i);
    yz_state_release(api->state, view);
    if (i < 0)
        return yz_err_set(ei, YZ_EINVAL, "station", "驿站不存在（给出驿站 id 或编号）",
                          "no such station (give a station's id or code)");
    json_t *cl = json_object_get(body, "checklist");
    if (!json_is_integer(cl) || json_integer_value(cl) <= 0)
        return yz_err_set(ei, YZ_EINVAL, "checklist", "checklist 须为检查表的 id",
                          "checklist must be a checklist's id");
    in->checklist_id = json_integer_value(cl);
    json_t *k = json_object_get(body, "kind");
    if (officer) {
        if (k && (!json_is_string(k) || strcmp(json_string_value(k), "experience_officer")))
            return yz_err_set(ei, YZ_EINVAL, "kind", "体验官的检查只能是 experience_officer",
                              "an officer's inspection is of kind experience_officer");
        in->kind = YZ_INSP_OFFICER;
    } else {
        in->kind = yz_insp_kind_parse(json_string_value(k));
        if (in->kind != YZ_INSP_OPEN && in->kind != YZ_INSP_SECRET)
            return yz_err_set(ei, YZ_EINVAL, "kind",
                              "kind 须为 open 或 secret（体验官用 /api/v1/officer/inspections）",
                              "kind must be open or secret (officers use "
                              "/api/v1/officer/inspections)");
    }
    json_t *a = json_object_get(body, "assigned_to");
    if (a && !json_is_null(a)) {
        yz_user u;
        yz_user_init(&u);
        yz_errinfo probe;
        bool inspector = false;
        if (json_is_integer(a) &&
            yz_store_user_get(api->st, json_integer_value(a), &u, &probe) == YZ_OK && !u.disabled)
            for (size_t g = 0; g < u.ngrants; g++)
                inspector = inspector || u.grants[g].role == YZ_ROLE_INSPECTOR;
        yz_user_fini(&u);
        if (!inspector)
            return yz_err_set(ei, YZ_EINVAL, "assigned_to", "assigned_to 须为一位检查员（inspector）的用户 id",
                              "assigned_to must be the user id of an inspector");
        in->assigned_to = json_integer_value(a);
    }
    json_t *n = json_object_get(body, "note");
    if (n && !json_is_null(n)) {
        if (!json_is_string(n) || code_points(json_string_value(n)) > NOTE_MAX)
            return yz_err_setf(ei, YZ_EINVAL, "note", "说明须为不超过 %d 个字的文字",
                               "note must be text of at most %d characters", NOTE_MAX);
        in->note = *json_string_value(n) ? yz_strdup(json_string_value(n)) : NULL;
    }
    return YZ_OK;
}

static void do_create(yz_api *api, yz_http_req *req, const who *w, json_t *body)
{
    yz_errinfo ei;
    yz_err_clear(&ei);
    yz_inspection in;
    yz_inspection_init(&in);
    bool existed = false;
    int err = read_create(api, body, w->officer_id != 0, &in, &ei);
    if (!err && !w->officer_id) {
        yz_target t = {0};
        yz__api_target_station(api, in.station_id, &t);
        err = yz__api_authorize(api, req, "inspections_create", &t, &ei);
    }
    if (!err) {
        in.opened_by = w->user_id;
        in.officer_id = w->officer_id;
        err = yz_store_insp_create(api->st, &in, &existed, &ei);
    }
    /* the same client sending its form again gets the same inspection */
    if (!err && existed && (in.opened_by != w->user_id || in.officer_id != w->officer_id))
        err = yz_err_set(&ei, YZ_ECONFLICT, "client_id", "此 client_id 已被另一次检查使用",
                         "this client_id is taken by another inspection");
    if (err)
        yz_api_error(req, &ei);
    else {
        if (!existed) {
            char loc[64];
            snprintf(loc, sizeof loc, "/api/v1/inspections/%lld", (long long)in.id);
            yz_http_add_header(req, "Location", loc);
        }
        respond_inspection(api, req, existed ? 200 : 201, &in);
    }
    yz_inspection_fini(&in);
}

/* --- save and submit --------------------------------------------------------------------------- */

/* Apply a form body (may be NULL: nothing) to draft `in`, then, when `submit`, submit it.
 * `in` is replaced by the inspection after. */
static int apply(yz_api *api, yz_http_req *req, json_t *body, bool submit, yz_inspection *in,
                 bool *already, yz_errinfo *ei)
{
    *already = false;
    if (submit && in->submitted) { /* submitting twice records it once, and answers the same */
        *already = true;
        return YZ_OK;
    }
    if (in->submitted)
        return yz_err_set(ei, YZ_ECONFLICT, "status", "检查已提交，不能再修改",
                          "the inspection is submitted and cannot be changed");
    int64_t version;
    int err = yz__api_if_match(req, false, 1, &version, ei);
    if (err)
        return err;
    if (version < 0)
        version = 0;
    if (body) {
        yz_checklist cl;
        err = yz_store_checklist_get(api->st, in->checklist_id, &cl, ei);
        yz_insp_item *items = NULL;
        size_t n = 0;
        const char *note = NULL;
        bool has_note = false;
        if (!err)
            err = read_form(body, &cl, in, &items, &n, &note, &has_note, ei);
        yz_checklist_fini(&cl);
        if (!err) {
            int64_t id = in->id;
            yz_inspection_fini(in);
            err = yz_store_insp_save(api->st, id, items, n, has_note ? note : NULL, version, in,
                                     ei);
            version = 0; /* checked */
        }
        items_free(items, n);
        if (err)
            return err;
    } else if (version && version != in->version) {
        return yz_err_setf(ei, YZ_ESTALE, "version",
                           "检查记录已被他人修改（你的版本 %lld，当前版本 %lld），请重新读取",
                           "the inspection was changed meanwhile (your version %lld, now %lld): "
                           "read it again",
                           (long long)version, (long long)in->version);
    }
    if (!submit)
        return YZ_OK;
    int64_t id = in->id;
    yz_inspection_fini(in);
    return yz_store_insp_submit(api->st, id, yz_time_now(), PRESENCE_BEFORE_S, in, already, ei);
}

/* The body of a PATCH (required) or a submit (optional): NULL when empty. */
static int optional_body(yz_http_req *req, bool required, json_t **out, yz_errinfo *ei)
{
    size_t len = 0;
    *out = NULL;
    yz_http_body(req, &len);
    if (!len && !required)
        return YZ_OK;
    return yz__api_parse_json(req, out, ei);
}

static void do_write(yz_api *api, yz_http_req *req, const char *route, int64_t officer_id,
                     bool submit)
{
    yz_errinfo ei;
    yz_err_clear(&ei);
    yz_inspection in;
    yz_inspection_init(&in);
    json_t *body = NULL;
    bool already = false;
    int err = load_path(api, req, &in, &ei);
    if (!err && officer_id && in.officer_id != officer_id)
        err = insp_not_found(&ei);
    if (!err && !officer_id)
        err = staff_check(api, req, route, &in, &ei);
    if (!err && !officer_id)
        audit_before(api, req, &in);
    if (!err)
        err = optional_body(req, !submit, &body, &ei);
    if (!err)
        err = apply(api, req, body, submit, &in, &already, &ei);
    json_decref(body);
    if (err) {
        yz_api_error(req, &ei);
    } else {
        respond_inspection(api, req, 200, &in);
        if (submit && !already)
            yz__api_tasks_changed(api); /* failed criteria opened tasks */
    }
    yz_inspection_fini(&in);
}

/* --- lists ----------------------------------------------------------------------------------- */

typedef struct list_args {
    const char *station, *district, *from, *to;
    int kind, status;
    long limit;
} list_args;

static int kind_word(const char *s)
{
    return yz_insp_kind_parse(s);
}

static int status_word(const char *s)
{
    return !strcmp(s, "draft") ? 0 : !strcmp(s, "submitted") ? 1 : -1;
}

static const yz_param list_params[] = {
    {"station", YZ_PARAM_TEXT, offsetof(list_args, station), 0, 40, 0, 0, NULL, NULL},
    {"district", YZ_PARAM_TEXT, offsetof(list_args, district), 0, 12, 0, 0, NULL, NULL},
    {"kind", YZ_PARAM_WORD, offsetof(list_args, kind), 0, 0, -1, 0, kind_word,
     "open, secret, experience_officer"},
    {"status", YZ_PARAM_WORD, offsetof(list_args, status), 0, 0, -1, 0, status_word,
     "draft, submitted"},
    {"from", YZ_PARAM_TEXT, offsetof(list_args, from), 0, 40, 0, 0, NULL, NULL},
    {"to", YZ_PARAM_TEXT, offsetof(list_args, to), 0, 40, 0, 0, NULL, NULL},
    {"limit", YZ_PARAM_INT, offsetof(list_args, limit), 1, LIST_MAX, 100, 0, NULL, NULL},
};

/* A date (its midnight at +08:00; `end`: the next one) or an ISO-8601 date-time. */
static int parse_bound(const char *v, const char *name, bool end, int64_t *out, yz_errinfo *ei)
{
    char probe[48];
    if (strlen(v) == 10) {
        snprintf(probe, sizeof probe, "%sT00:00:00", v);
        if (yz_time_parse_iso8601(probe, OFFSET_MIN, out) == YZ_OK) {
            *out += end ? 86400 : 0;
            return YZ_OK;
        }
    } else if (yz_time_parse_iso8601(v, OFFSET_MIN, out) == YZ_OK) {
        return YZ_OK;
    }
    return yz_err_setf(ei, YZ_EINVAL, name, "%s 须为日期（2026-05-01）或 ISO-8601 时间",
                       "%s must be a date (2026-05-01) or an ISO-8601 date-time", name);
}

static void respond_list(yz_api *api, yz_http_req *req, yz_inspection *a, size_t n,
                         const bool *keep)
{
    yz_buf b;
    yz_buf_init(&b);
    yz_buf_puts(&b, "{\"inspections\":[");
    size_t shown = 0;
    for (size_t i = 0; i < n; i++) {
        if (!keep[i])
            continue;
        if (shown++)
            yz_buf_putc(&b, ',');
        render_inspection(api, &b, &a[i], NULL);
    }
    yz_buf_printf(&b, "],\"count\":%zu}\n", shown);
    yz__api_ok(req, &b);
}

static void do_list(yz_api *api, yz_http_req *req, int64_t officer_id)
{
    yz_errinfo ei;
    yz_err_clear(&ei);
    list_args q = {NULL, NULL, NULL, NULL, -1, -1, 100};
    yz_insp_filter f = {0};
    int err = YZ_API_PARAMS(req, list_params, &q, &ei);
    if (!err && q.station) {
        const yz_state_view *view = yz_state_acquire(api->state);
        const yz_snap *s = yz_state_snap(view);
        long i = yz__api_param_station(s, q.station, "station", &ei);
        if (i >= 0)
            f.station_id = yz_snap_station_id(s, (size_t)i);
        yz_state_release(api->state, view);
        if (i < 0)
            err = ei.code;
    }
    if (!err && q.from)
        err = parse_bound(q.from, "from", false, &f.from, &ei);
    if (!err && q.to)
        err = parse_bound(q.to, "to", true, &f.to, &ei);
    /* a filter outside the asker's scope is refused, as for the audit log */
    if (!err && !officer_id && (f.station_id || q.district)) {
        yz_target t = {0};
        if (f.station_id)
            yz__api_target_station(api, f.station_id, &t);
        else
            snprintf(t.district, sizeof t.district, "%s", q.district);
        err = yz__api_authorize(api, req, "inspections_list", &t, &ei);
    }
    yz_inspection *a = NULL;
    size_t n = 0;
    if (!err) {
        f.district = q.district;
        f.kind = q.kind;
        f.status = q.status;
        f.officer_id = officer_id;
        f.limit = (size_t)q.limit;
        err = yz_store_insp_list(api->st, &f, &a, &n, &ei);
    }
    if (err) {
        yz_api_error(req, &ei);
        return;
    }
    bool *keep = yz_calloc(n + 1, sizeof *keep);
    for (size_t i = 0; i < n; i++) {
        if (officer_id) {
            keep[i] = true;
            continue;
        }
        yz_target t;
        target_of(api, &a[i], &t);
        /* what inspection_get would show: by role and scope; an operator submitted ones only */
        keep[i] = yz__api_may_as(api, req, "inspection_get", &t, STAFF_BUT_OPERATOR) ||
                  (a[i].submitted &&
                   yz__api_may_as(api, req, "inspection_get", &t, 1u << YZ_ROLE_OPERATOR));
    }
    respond_list(api, req, a, n, keep);
    yz_free(keep);
    yz_inspections_free(a, n);
}

/* --- staff handlers ------------------------------------------------------------------------------ */

static void h_create(void *ctx, yz_http_req *req)
{
    yz_api *api = ctx;
    yz_errinfo ei;
    yz_err_clear(&ei);
    json_t *body = NULL;
    int err = yz__api_authorize(api, req, "inspections_create", NULL, &ei);
    if (!err)
        err = yz__api_parse_json(req, &body, &ei);
    if (err) {
        yz_api_error(req, &ei);
        return;
    }
    const yz_actor *a = yz__api_actor(api, req);
    who w = {a->kind == YZ_ACTOR_USER ? a->user.id : 0, 0};
    do_create(api, req, &w, body);
    json_decref(body);
}

static void h_list(void *ctx, yz_http_req *req)
{
    yz_api *api = ctx;
    yz_errinfo ei;
    yz_err_clear(&ei);
    if (yz__api_authorize(api, req, "inspections_list", NULL, &ei)) {
        yz_api_error(req, &ei);
        return;
    }
    do_list(api, req, 0);
}

static void h_get(void *ctx, yz_http_req *req)
{
    yz_api *api = ctx;
    yz_errinfo ei;
    yz_err_clear(&ei);
    yz_inspection in;
    yz_inspection_init(&in);
    int err = yz__api_authorize(api, req, "inspection_get", NULL, &ei);
    if (!err)
        err = yz__api_params(req, NULL, 0, NULL, &ei);
    if (!err)
        err = load_path(api, req, &in, &ei);
    if (!err)
        err = staff_check(api, req, "inspection_get", &in, &ei);
    if (err)
        yz_api_error(req, &ei);
    else
        respond_inspection(api, req, 200, &in);
    yz_inspection_fini(&in);
}

static void h_patch(void *ctx, yz_http_req *req)
{
    yz_api *api = ctx;
    yz_errinfo ei;
    yz_err_clear(&ei);
    if (yz__api_authorize(api, req, "inspection_patch", NULL, &ei)) {
        yz_api_error(req, &ei);
        return;
    }
    do_write(api, req, "inspection_patch", 0, false);
}

static void h_submit(void *ctx, yz_http_req *req)
{
    yz_api *api = ctx;
    yz_errinfo ei;
    yz_err_clear(&ei);
    if (yz__api_authorize(api, req, "inspection_submit", NULL, &ei)) {
        yz_api_error(req, &ei);
        return;
    }
    do_write(api, req, "inspection_submit", 0, true);
}

/* --- experience officers ----------------------------------------------------------------------- */

/* The hash under which an appointment code is kept (hex of BLAKE2b-256). */
static void code_hash(const char *code, char out[65])
{
    uint8_t h[32];
    crypto_generichash(h, sizeof h, (const unsigned char *)code, strlen(code), NULL, 0);
    sodium_bin2hex(out, 65, h, sizeof h);
}

/* The alphabet of appointment codes: no 0/O, 1/I/L, read aloud or typed from a phone. */
static const char code_alphabet[] = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";
#define CODE_LEN 10

static void h_officer_code(void *ctx, yz_http_req *req)
{
    yz_api *api = ctx;
    yz_errinfo ei;
    yz_err_clear(&ei);
    yz_worker w;
    int err = yz__api_worker(api, req, &w, &ei);
    char code[CODE_LEN + 1], hash[65];
    if (!err) {
        for (int i = 0; i < CODE_LEN; i++)
            code[i] = code_alphabet[randombytes_uniform(sizeof code_alphabet - 1)];
        code[CODE_LEN] = 0;
        code_hash(code, hash);
        err = yz_store_officer_code(api->st, hash, w.id, yz_time_now() + CODE_TTL_S, &ei);
    }
    if (err) {
        yz_api_error(req, &ei);
        return;
    }
    char exp[32];
    yz_time_format_iso8601(yz_time_now() + CODE_TTL_S, OFFSET_MIN, exp);
    yz_buf b;
    yz_buf_init(&b);
    yz_buf_printf(&b,
                  "{\"code\":\"%s\",\"expires_at\":\"%s\",\"message\":\"请把此任命码出示给工会"
                  "工作人员\",\"message_en\":\"show this appointment code to the union's "
                  "staff\"}\n",
                  code, exp);
    sodium_memzero(code, sizeof code);
    yz_http_respond(req, 201, YZ_JSON, &b);
}

static void h_appoint(void *ctx, yz_http_req *req)
{
    yz_api *api = ctx;
    yz_errinfo ei;
    yz_err_clear(&ei);
    static const char *const names[] = {"code", NULL};
    json_t *body = NULL;
    yz_officer o = {0};
    bool existed = false;
    int err = yz__api_authorize(api, req, "officers_appoint", NULL, &ei);
    if (!err)
        err = yz__api_body_object(req, names, &body, &ei);
    char code[CODE_LEN + 1];
    const char *c = body ? json_string_value(json_object_get(body, "code")) : NULL;
    if (!err) {
        bool ok = c && strlen(c) == CODE_LEN;
        for (int i = 0; ok && i < CODE_LEN; i++) {
            code[i] = (char)(c[i] >= 'a' && c[i] <= 'z' ? c[i] - 32 : c[i]);
            ok = strchr(code_alphabet, code[i]) != NULL;
        }
        code[CODE_LEN] = 0;
        if (!ok)
            err = yz_err_setf(&ei, YZ_EINVAL, "code", "任命码须为劳动者手机上显示的 %d 位码",
                              "code must be the %d-character code the worker's phone shows",
                              CODE_LEN);
    }
    if (!err) {
        char hash[65];
        code_hash(code, hash);
        const yz_actor *a = yz__api_actor(api, req);
        err = yz_store_officer_appoint(api->st, hash, yz_time_now(),
                                       a->kind == YZ_ACTOR_USER ? a->user.id : 0, &o, &existed,
                                       &ei);
    }
    json_decref(body);
    if (err) {
        yz_api_error(req, &ei);
        return;
    }
    yz__api_audit_record(req, "officer", o.id, NULL);
    yz_buf b;
    yz_buf_init(&b);
    yz_buf_printf(&b, "{\"id\":%lld,\"worker_id\":%lld,\"appointed_by\":", (long long)o.id,
                  (long long)o.worker_id);
    if (o.appointed_by)
        yz_buf_int(&b, o.appointed_by);
    else
        yz_buf_puts(&b, "null");
    yz__api_member_time(&b, "appointed_at", o.appointed_at);
    yz_buf_puts(&b, "}\n");
    yz_http_respond(req, existed ? 200 : 201, YZ_JSON, &b);
}

/* The officer behind the worker token, or an answered error (false). */
static bool officer_of(yz_api *api, yz_http_req *req, yz_officer *o)
{
    yz_errinfo ei;
    yz_err_clear(&ei);
    yz_worker w;
    int err = yz__api_worker(api, req, &w, &ei);
    if (!err)
        err = yz_store_officer_of_worker(api->st, w.id, o, &ei);
    if (err)
        yz_api_error(req, &ei);
    return !err;
}

/* Whether the worker token is an active officer's: the app shows the inspection form or the
 * way to become one. 200 either way; a bad token is 401. */
static void h_officer_status(void *ctx, yz_http_req *req)
{
    yz_api *api = ctx;
    yz_errinfo ei;
    yz_err_clear(&ei);
    yz_worker w;
    yz_officer o = {0};
    int err = yz__api_worker(api, req, &w, &ei);
    bool is = false;
    if (!err) {
        err = yz_store_officer_of_worker(api->st, w.id, &o, &ei);
        is = !err;
        if (err == YZ_EFORBIDDEN || err == YZ_ENOTFOUND) {
            yz_err_clear(&ei);
            err = YZ_OK;
        }
    }
    if (err) {
        yz_api_error(req, &ei);
        return;
    }
    yz_buf b;
    yz_buf_init(&b);
    if (is) {
        yz_buf_printf(&b, "{\"officer\":true,\"id\":%lld", (long long)o.id);
        yz__api_member_time(&b, "appointed_at", o.appointed_at);
        yz_buf_puts(&b, "}\n");
    } else {
        yz_buf_puts(&b, "{\"officer\":false}\n");
    }
    yz__api_ok(req, &b);
}

static void h_o_create(void *ctx, yz_http_req *req)
{
    yz_api *api = ctx;
    yz_officer o;
    if (!officer_of(api, req, &o))
        return;
    yz_errinfo ei;
    yz_err_clear(&ei);
    json_t *body = NULL;
    if (yz__api_parse_json(req, &body, &ei)) {
        yz_api_error(req, &ei);
        return;
    }
    who w = {0, o.id};
    do_create(api, req, &w, body);
    json_decref(body);
}

static void h_o_list(void *ctx, yz_http_req *req)
{
    yz_api *api = ctx;
    yz_officer o;
    if (officer_of(api, req, &o))
        do_list(api, req, o.id);
}

static void h_o_get(void *ctx, yz_http_req *req)
{
    yz_api *api = ctx;
    yz_officer o;
    if (!officer_of(api, req, &o))
        return;
    yz_errinfo ei;
    yz_err_clear(&ei);
    yz_inspection in;
    int err = load_path(api, req, &in, &ei);
    if (!err && in.officer_id != o.id)
        err = insp_not_found(&ei);
    if (err)
        yz_api_error(req, &ei);
    else
        respond_inspection(api, req, 200, &in);
    yz_inspection_fini(&in);
}

static void h_o_patch(void *ctx, yz_http_req *req)
{
    yz_api *api = ctx;
    yz_officer o;
    if (officer_of(api, req, &o))
        do_write(api, req, "officer_inspection_patch", o.id, false);
}

static void h_o_submit(void *ctx, yz_http_req *req)
{
    yz_api *api = ctx;
    yz_officer o;
    if (officer_of(api, req, &o))
        do_write(api, req, "officer_inspection_submit", o.id, true);
}

/* --- scores and eligibility -------------------------------------------------------------------- */

/* The station of path capture 0, checked against `route`: its id into *id, or an error. */
static int station_of(yz_api *api, yz_http_req *req, const char *route, int64_t *id,
                      yz_errinfo *ei)
{
    int err = yz__api_authorize(api, req, route, NULL, ei);
    if (!err)
        err = yz__api_params(req, NULL, 0, NULL, ei);
    if (err)
        return err;
    const yz_state_view *view = yz_state_acquire(api->state);
    const yz_snap *s = yz_state_snap(view);
    long i = yz__api_find_station(s, req, ei);
    yz_target t = {0};
    if (i >= 0)
        yz__api_target_of(yz_snap_station_get(s, (size_t)i, &(yz_station){0}), &t);
    yz_state_release(api->state, view);
    if (i < 0)
        return ei->code;
    *id = t.station_id;
    return yz__api_authorize(api, req, route, &t, ei);
}

/* The submitted inspections of station `id`, newest first (at most LIST_MAX). */
static int submitted_of(yz_api *api, int64_t id, yz_inspection **a, size_t *n, yz_errinfo *ei)
{
    yz_insp_filter f = {.station_id = id, .kind = -1, .status = 1, .limit = LIST_MAX};
    return yz_store_insp_list(api->st, &f, a, n, ei);
}

static void render_scores_of(yz_buf *b, const yz_inspection *in, const yz_checklist *cl)
{
    yz_buf_printf(b, "{\"inspection_id\":%lld,\"kind\":\"%s\",\"checklist\":{\"id\":%lld",
                  (long long)in->id, yz_insp_kind_name(in->kind), (long long)in->checklist_id);
    if (cl) {
        yz_buf_json_member_str(b, "code", cl->code);
        yz_buf_printf(b, ",\"version\":%d", cl->version);
    }
    yz_buf_putc(b, '}');
    yz__api_member_time(b, "submitted_at", in->submitted_at);
    yz_buf_puts(b, ",\"scores\":{");
    member_score(b, "overall", in->scores.has_overall, in->scores.overall);
    for (int d = 0; d < YZ_DIM__COUNT; d++) {
        yz_buf_putc(b, ',');
        member_score(b, yz_dim_name(d), in->scores.has[d], in->scores.dim[d]);
    }
    yz_buf_puts(b, "}}");
}

/* The checklists of inspections `a` (n), by position (NULL where it cannot be read). */
static yz_checklist *checklists_of(yz_api *api, const yz_inspection *a, size_t n)
{
    yz_checklist *cls = yz_calloc(n + 1, sizeof *cls);
    for (size_t i = 0; i < n; i++) {
        yz_errinfo ignored;
        if (yz_store_checklist_get(api->st, a[i].checklist_id, &cls[i], &ignored) != YZ_OK)
            yz_checklist_init(&cls[i]);
    }
    return cls;
}

static void h_scores(void *ctx, yz_http_req *req)
{
    yz_api *api = ctx;
    yz_errinfo ei;
    yz_err_clear(&ei);
    int64_t id = 0;
    yz_inspection *a = NULL;
    size_t n = 0;
    int err = station_of(api, req, "station_scores", &id, &ei);
    if (!err)
        err = submitted_of(api, id, &a, &n, &ei);
    if (err) {
        yz_api_error(req, &ei);
        return;
    }
    yz_checklist *cls = checklists_of(api, a, n);
    yz_buf b;
    yz_buf_init(&b);
    yz_buf_printf(&b, "{\"station_id\":%lld,\"latest\":[", (long long)id);
    /* the newest inspection of each checklist code */
    size_t shown = 0;
    for (size_t i = 0; i < n; i++) {
        bool first = true;
        for (size_t k = 0; k < i && first; k++)
            first = !(cls[k].code && cls[i].code && strcmp(cls[k].code, cls[i].code) == 0);
        if (!first || !cls[i].code)
            continue;
        if (shown++)
            yz_buf_putc(&b, ',');
        render_scores_of(&b, &a[i], &cls[i]);
    }
    yz_buf_puts(&b, "],\"history\":[");
    for (size_t i = 0; i < n; i++) {
        if (i)
            yz_buf_putc(&b, ',');
        render_scores_of(&b, &a[i], cls[i].id ? &cls[i] : NULL);
    }
    yz_buf_puts(&b, "]}\n");
    yz_checklists_free(cls, n);
    yz_inspections_free(a, n);
    yz__api_ok(req, &b);
}

/* Event occurrences at station `id` from `from` to `to` (unix s), cancelled events left out. */
static int events_between(yz_api *api, int64_t id, int64_t from, int64_t to, int offset,
                          int *count, yz_errinfo *ei)
{
    yz_event *evs = NULL;
    size_t n = 0;
    int err = yz_store_event_list(api->st, false, &evs, &n, ei);
    if (err)
        return err;
    *count = 0;
    int32_t d0 = yz_event_local_day(from, offset), d1 = yz_event_local_day(to, offset);
    for (size_t i = 0; i < n; i++) {
        const yz_event *ev = &evs[i];
        if (ev->station_id != id)
            continue;
        if (!ev->weekly) {
            *count += ev->starts_at >= from && ev->starts_at < to;
            continue;
        }
        int32_t a = ev->valid_from > d0 ? ev->valid_from : d0;
        int32_t z = ev->valid_until < d1 ? ev->valid_until : d1;
        for (int32_t d = a; d <= z; d++) {
            int64_t s, e;
            if (yz_event_occurrence(ev, d, offset, &s, &e) && s >= from && s < to)
                (*count)++;
        }
    }
    yz_event_array_free(evs, n);
    return YZ_OK;
}

static void h_eligibility(void *ctx, yz_http_req *req)
{
    yz_api *api = ctx;
    yz_errinfo ei;
    yz_err_clear(&ei);
    int64_t id = 0;
    yz_inspection *a = NULL;
    size_t n = 0;
    yz_tier_rule *rules = NULL;
    size_t n_rules = 0;
    int err = station_of(api, req, "station_eligibility", &id, &ei);
    if (!err)
        err = yz_store_tier_rules(api->st, &rules, &n_rules, &ei);
    if (!err)
        err = submitted_of(api, id, &a, &n, &ei);
    /* facts: hours, facilities, events, the latest inspection of each checklist code */
    bool h247 = false;
    yz_buf fac;
    yz_buf_init(&fac);
    int64_t now = yz_time_now();
    int offset = OFFSET_MIN;
    if (!err) {
        const yz_state_view *view = yz_state_acquire(api->state);
        const yz_snap *s = yz_state_snap(view);
        long i = yz_snap_find_id(s, id);
        if (i >= 0) {
            yz_station st_buf;
            const yz_station *st = yz_snap_station_get(s, (size_t)i, &st_buf);
            const struct yz_hours *h = yz_snap_hours(s, (size_t)i);
            h247 = h ? yz_hours_is_247(h) : !st->opening_hours;
            offset = yz_snap_tz_offset(s, (size_t)i);
            for (size_t k = 0; k < yz_snap_facility_count(s); k++) {
                const yz_facility *f = yz_snap_facility(s, k);
                if (f->bit >= 0 && f->bit < 64 && (st->facilities >> f->bit & 1)) {
                    if (fac.len)
                        yz_buf_putc(&fac, ',');
                    yz_buf_puts(&fac, f->code);
                }
            }
        }
        yz_state_release(api->state, view);
    }
    int events = 0;
    if (!err)
        err = events_between(api, id, now - 365 * 86400LL, now, offset, &events, &ei);
    if (err) {
        yz_buf_fini(&fac);
        yz_tier_rules_free(rules, n_rules);
        yz_inspections_free(a, n);
        yz_api_error(req, &ei);
        return;
    }
    yz_checklist *cls = checklists_of(api, a, n);
    yz_latest_insp *latest = yz_calloc(n + 1, sizeof *latest);
    yz_inspection *full = yz_calloc(n + 1, sizeof *full);
    int **values = yz_calloc(n + 1, sizeof *values);
    size_t n_latest = 0;
    for (size_t i = 0; i < n; i++) {
        bool first = cls[i].code != NULL && cls[i].kind == YZ_CL_STANDARD;
        for (size_t k = 0; k < i && first; k++)
            first = !(cls[k].code && strcmp(cls[k].code, cls[i].code) == 0);
        yz_errinfo ignored;
        if (!first || yz_store_insp_get(api->st, a[i].id, NULL, &full[n_latest], &ignored))
            continue;
        int *v = yz_calloc(cls[i].n + 1, sizeof *v);
        for (size_t c = 0; c < cls[i].n; c++) {
            v[c] = YZ_VALUE_NONE;
            for (size_t k = 0; k < full[n_latest].n_items; k++)
                if (full[n_latest].items[k].criterion_id == cls[i].criteria[c].id)
                    v[c] = full[n_latest].items[k].value;
        }
        values[n_latest] = v;
        latest[n_latest] = (yz_latest_insp){&cls[i], v, a[i].id, a[i].scores.overall};
        n_latest++;
    }
    yz_elig_facts facts = {latest, n_latest, events, h247, fac.data ? fac.data : ""};
    yz_buf b;
    yz_buf_init(&b);
    yz_buf_printf(&b, "{\"station_id\":%lld,\"facts\":{\"events_12m\":%d,\"hours_247\":%s,"
                      "\"facilities\":",
                  (long long)id, events, h247 ? "true" : "false");
    yz_buf_json_str(&b, facts.facilities, strlen(facts.facilities));
    yz_buf_puts(&b, "},\"tiers\":[");
    for (int tier = 0, shown = 0; tier < YZ_TIER__COUNT; tier++) {
        bool any = false, all = true;
        yz_buf rb;
        yz_buf_init(&rb);
        for (size_t r = 0; r < n_rules; r++) {
            if (rules[r].tier != tier)
                continue;
            char why[320], why_en[320];
            bool ok = yz_tier_rule_eval(&rules[r], &facts, why, why_en, sizeof why);
            all = all && ok;
            yz_buf_printf(&rb, "%s{\"rule\":\"%s\"", any ? "," : "",
                          yz_tier_rule_name(rules[r].rule));
            yz_buf_json_member_str(&rb, "param", rules[r].param);
            yz_buf_printf(&rb, ",\"n\":%d", rules[r].n);
            render_labels(&rb, rules[r].label, rules[r].label_hant, rules[r].label_en);
            yz_buf_printf(&rb, ",\"passed\":%s", ok ? "true" : "false");
            yz_buf_json_member_str(&rb, "reason", why);
            yz_buf_json_member_str(&rb, "reason_en", why_en);
            yz_buf_putc(&rb, '}');
            any = true;
        }
        if (any) {
            yz_buf_printf(&b, "%s{\"tier\":\"%s\",\"eligible\":%s,\"rules\":[", shown++ ? "," : "",
                          yz_tier_name(tier), all ? "true" : "false");
            yz_buf_append(&b, rb.data, rb.len);
            yz_buf_puts(&b, "]}");
        }
        yz_buf_fini(&rb);
    }
    yz_buf_puts(&b, "]}\n");
    for (size_t i = 0; i < n_latest; i++) {
        yz_free(values[i]);
        yz_inspection_fini(&full[i]);
    }
    yz_free(values);
    yz_free(full);
    yz_free(latest);
    yz_checklists_free(cls, n);
    yz_buf_fini(&fac);
    yz_tier_rules_free(rules, n_rules);
    yz_inspections_free(a, n);
    yz__api_ok(req, &b);
}

/* --- daily self-checks (docs/internals/inspections.md, "Daily self-checks") ------------------ */

#define DAY_S 86400
#define ALL_ROLES (~0u)

/* The local day (Asia/Shanghai, +08:00) of unix time `t`, as YYYY-MM-DD. */
static void local_day(int64_t t, char out[11])
{
    char iso[32];
    yz_time_format_iso8601(t, OFFSET_MIN, iso);
    snprintf(out, 11, "%.10s", iso);
}

/* The active self-check list to fill: `want` (an id, 0: the active daily_self_check). */
static int self_check_list(yz_api *api, int64_t want, yz_checklist *cl, yz_errinfo *ei)
{
    yz_checklist *a = NULL;
    size_t n = 0;
    int err = yz_store_checklist_list(api->st, false, &a, &n, ei);
    size_t at = n;
    for (size_t i = 0; !err && i < n && at == n; i++)
        if (a[i].kind == YZ_CL_SELF_CHECK &&
            (want ? a[i].id == want : strcmp(a[i].code, "daily_self_check") == 0))
            at = i;
    if (!err && at == n)
        err = want ? yz_err_setf(ei, YZ_EINVAL, "checklist",
                                 "检查表 %lld 不是当前有效的自查表",
                                 "checklist %lld is not an active self-check list",
                                 (long long)want)
                   : yz_err_set(ei, YZ_EINVAL, "checklist", "没有有效的每日自查表",
                                "no active daily self-check list");
    if (!err)
        err = yz_store_checklist_get(api->st, a[at].id, cl, ei);
    yz_checklists_free(a, n);
    return err;
}

static void render_selfcheck(yz_api *api, yz_buf *b, const yz_selfcheck *sc,
                             const yz_inspection *in, const yz_checklist *cl)
{
    yz_buf_printf(b, "{\"day\":\"%s\",\"failed\":%d,\"submitted_by\":", sc->day, sc->failed);
    if (sc->submitted_by)
        yz_buf_int(b, sc->submitted_by);
    else
        yz_buf_puts(b, "null");
    yz_buf_puts(b, ",\"inspection\":");
    render_inspection(api, b, in, cl);
    yz_buf_puts(b, "}\n");
}

static void h_selfcheck_create(void *ctx, yz_http_req *req)
{
    yz_api *api = ctx;
    yz_errinfo ei;
    yz_err_clear(&ei);
    static const char *const names[] = {"station", "client_id", "checklist", "scores", "note",
                                        NULL};
    json_t *body = NULL, *form = NULL;
    yz_inspection in;
    yz_inspection_init(&in);
    yz_checklist cl;
    memset(&cl, 0, sizeof cl);
    bool have_cl = false, existed = false;
    yz_selfcheck sc;
    memset(&sc, 0, sizeof sc);
    yz_target t = {0};
    int err = yz__api_authorize(api, req, "selfchecks_create", NULL, &ei);
    if (!err)
        err = yz__api_body_object(req, names, &body, &ei);
    if (!err) { /* the station first: the scope is checked before anything else is read */
        json_t *st = json_object_get(body, "station");
        const yz_state_view *view = yz_state_acquire(api->state);
        const yz_snap *s = yz_state_snap(view);
        long i = -1;
        if (json_is_integer(st) && json_integer_value(st) > 0)
            i = yz_snap_find_id(s, json_integer_value(st));
        else if (json_is_string(st))
            i = yz_snap_find_code(s, json_string_value(st));
        if (i >= 0)
            in.station_id = yz_snap_station_id(s, (size_t)i);
        yz_state_release(api->state, view);
        if (i < 0)
            err = yz_err_set(&ei, YZ_EINVAL, "station", "驿站不存在（给出驿站 id 或编号）",
                             "no such station (give a station's id or code)");
    }
    if (!err) {
        yz__api_target_station(api, in.station_id, &t);
        err = yz__api_authorize(api, req, "selfchecks_create", &t, &ei);
    }
    if (!err && !uuid_of(json_string_value(json_object_get(body, "client_id")), in.client_id))
        err = yz_err_set(&ei, YZ_EINVAL, "client_id",
                         "client_id 须为客户端生成的 UUID（如 0b5c3f9e-4d1a-4c8e-9f00-1a2b3c4d5e6f）",
                         "client_id must be a UUID the client makes "
                         "(such as 0b5c3f9e-4d1a-4c8e-9f00-1a2b3c4d5e6f)");
    if (!err) {
        json_t *c = json_object_get(body, "checklist");
        if (c && !json_is_null(c) && (!json_is_integer(c) || json_integer_value(c) <= 0))
            err = yz_err_set(&ei, YZ_EINVAL, "checklist", "checklist 须为自查表的 id",
                             "checklist must be a self-check list's id");
        if (!err)
            err = self_check_list(api, json_is_integer(c) ? json_integer_value(c) : 0, &cl,
                                  &ei);
        have_cl = !err;
    }
    yz_insp_item *items = NULL;
    size_t n = 0;
    if (!err) { /* the results, read as a PATCH of an inspection reads them */
        form = json_object();
        if (json_object_get(body, "scores"))
            json_object_set(form, "scores", json_object_get(body, "scores"));
        if (json_object_get(body, "note"))
            json_object_set(form, "note", json_object_get(body, "note"));
        const char *note = NULL;
        bool has_note = false;
        yz_inspection none;
        yz_inspection_init(&none);
        err = read_form(form, &cl, &none, &items, &n, &note, &has_note, &ei);
        if (!err && !json_object_get(body, "scores"))
            err = yz_err_set(&ei, YZ_EINVAL, "scores", "须给出每条自查项的结果（scores）",
                             "scores must give each criterion's result");
        if (!err) {
            in.items = items;
            in.n_items = n;
            items = NULL;
            in.note = has_note && *note ? yz_strdup(note) : NULL;
            in.checklist_id = cl.id;
        }
        items_free(items, n);
    }
    const yz_actor *a = yz__api_actor(api, req);
    int64_t by = a->kind == YZ_ACTOR_USER ? a->user.id : 0;
    if (!err) {
        int64_t now = yz_time_now();
        char day[11];
        local_day(now, day);
        err = yz_store_selfcheck_submit(api->st, &in, day, now, by, &sc, &existed, &ei);
    }
    /* the same client sending its form again gets the same self-check */
    if (!err && existed && (!sc.inspection_id || sc.submitted_by != by))
        err = yz_err_set(&ei, YZ_ECONFLICT, "client_id", "此 client_id 已被另一次检查使用",
                         "this client_id is taken by another inspection");
    json_decref(form);
    json_decref(body);
    if (err) {
        yz_api_error(req, &ei);
    } else {
        if (existed && in.checklist_id != cl.id) {
            yz_checklist_fini(&cl);
            have_cl = yz_store_checklist_get(api->st, in.checklist_id, &cl, &ei) == YZ_OK;
        }
        yz__api_audit_record(req, "inspection", in.id, t.district[0] ? t.district : NULL);
        yz_buf b;
        yz_buf_init(&b);
        render_selfcheck(api, &b, &sc, &in, have_cl ? &cl : NULL);
        if (!existed) {
            char loc[64];
            snprintf(loc, sizeof loc, "/api/v1/inspections/%lld", (long long)in.id);
            yz_http_add_header(req, "Location", loc);
        }
        yz_http_respond(req, existed ? 200 : 201, YZ_JSON, &b);
        if (!existed && sc.failed)
            yz__api_tasks_changed(api); /* failed criteria opened tasks */
    }
    if (have_cl)
        yz_checklist_fini(&cl);
    yz_inspection_fini(&in);
}

typedef struct sc_args {
    const char *station, *district;
} sc_args;

static const yz_param sc_params[] = {
    {"station", YZ_PARAM_TEXT, offsetof(sc_args, station), 0, 40, 0, 0, NULL, NULL},
    {"district", YZ_PARAM_TEXT, offsetof(sc_args, district), 0, 12, 0, 0, NULL, NULL},
};

/* One station's line of the compliance answer. */
typedef struct sc_line {
    int64_t id;
    const yz_selfcheck *today; /* borrowed from the list, NULL: none yet */
    int days_7, days_30;
} sc_line;

static double share(long num, long den)
{
    return den ? (double)num / (double)den : 0.0;
}

/* GET /api/v1/selfchecks: which stations in the asker's scope did and did not submit today's
 * self-check, and the share of days with one over the last 7 and 30 days (today included). */
static void h_selfchecks(void *ctx, yz_http_req *req)
{
    yz_api *api = ctx;
    yz_errinfo ei;
    yz_err_clear(&ei);
    sc_args q = {NULL, NULL};
    int64_t station_id = 0;
    int err = yz__api_authorize(api, req, "selfchecks_list", NULL, &ei);
    if (!err)
        err = YZ_API_PARAMS(req, sc_params, &q, &ei);
    if (!err && q.station) {
        const yz_state_view *view = yz_state_acquire(api->state);
        const yz_snap *s = yz_state_snap(view);
        long i = yz__api_param_station(s, q.station, "station", &ei);
        if (i >= 0)
            station_id = yz_snap_station_id(s, (size_t)i);
        yz_state_release(api->state, view);
        if (i < 0)
            err = ei.code;
    }
    if (!err && (station_id || q.district)) { /* a filter outside the scope is refused */
        yz_target t = {0};
        if (station_id)
            yz__api_target_station(api, station_id, &t);
        else
            snprintf(t.district, sizeof t.district, "%s", q.district);
        err = yz__api_authorize(api, req, "selfchecks_list", &t, &ei);
    }
    int64_t now = yz_time_now();
    char today[11], from7[11], from30[11];
    local_day(now, today);
    local_day(now - 6 * DAY_S, from7);
    local_day(now - 29 * DAY_S, from30);
    yz_selfcheck *a = NULL;
    size_t n = 0;
    if (!err)
        err = yz_store_selfcheck_list(api->st, from30, today, &a, &n, &ei);
    if (err) {
        yz_api_error(req, &ei);
        return;
    }
    yz_buf b;
    yz_buf_init(&b);
    yz_buf_printf(&b, "{\"day\":\"%s\",\"from_7d\":\"%s\",\"from_30d\":\"%s\",\"stations\":[",
                  today, from7, from30);
    long count = 0, done = 0, sum7 = 0, sum30 = 0;
    const yz_state_view *view = yz_state_acquire(api->state);
    const yz_snap *s = yz_state_snap(view);
    for (size_t i = 0; i < yz_snap_count(s); i++) {
        yz_station st_buf;
        const yz_station *st = yz_snap_station_get(s, i, &st_buf);
        if (station_id && st->id != station_id)
            continue;
        if (q.district && (!st->district_code || strcmp(st->district_code, q.district)))
            continue;
        yz_target t = {0};
        yz__api_target_of(st, &t);
        if (!yz__api_may_as(api, req, "selfchecks_list", &t, ALL_ROLES))
            continue;
        sc_line l = {st->id, NULL, 0, 0};
        for (size_t k = 0; k < n; k++) {
            if (a[k].station_id != st->id)
                continue;
            l.days_30++;
            l.days_7 += strcmp(a[k].day, from7) >= 0;
            if (!strcmp(a[k].day, today))
                l.today = &a[k];
        }
        yz_buf_printf(&b, "%s{\"id\":%lld", count ? "," : "", (long long)st->id);
        yz_buf_json_member_str(&b, "code", st->code);
        yz_buf_json_member_str(&b, "name", st->name);
        yz_buf_json_member_str(&b, "district_code", st->district_code);
        yz_buf_puts(&b, ",\"today\":");
        if (l.today) {
            yz_buf_printf(&b, "{\"inspection\":%lld,\"failed\":%d",
                          (long long)l.today->inspection_id, l.today->failed);
            yz__api_member_time(&b, "submitted_at", l.today->submitted_at);
            yz_buf_putc(&b, '}');
        } else {
            yz_buf_puts(&b, "null");
        }
        yz_buf_printf(&b, ",\"days_7d\":%d,\"days_30d\":%d,\"share_7d\":%.4f,\"share_30d\":%.4f}",
                      l.days_7, l.days_30, share(l.days_7, 7), share(l.days_30, 30));
        count++;
        done += l.today != NULL;
        sum7 += l.days_7;
        sum30 += l.days_30;
    }
    yz_state_release(api->state, view);
    yz_buf_printf(&b,
                  "],\"count\":%ld,\"submitted_today\":%ld,\"share_today\":%.4f,"
                  "\"share_7d\":%.4f,\"share_30d\":%.4f}\n",
                  count, done, share(done, count), share(sum7, 7 * count),
                  share(sum30, 30 * count));
    yz_free(a);
    yz__api_ok(req, &b);
}

/* --- experience officers: list and revoke ------------------------------------------------------ */

static void render_officer(yz_buf *b, const yz_officer *o, bool counts)
{
    yz_buf_printf(b, "{\"id\":%lld,\"active\":%s,\"appointed_by\":", (long long)o->id,
                  o->revoked_at ? "false" : "true");
    if (o->appointed_by)
        yz_buf_int(b, o->appointed_by);
    else
        yz_buf_puts(b, "null");
    yz__api_member_time(b, "appointed_at", o->appointed_at);
    yz__api_member_time(b, "revoked_at", o->revoked_at);
    yz_buf_puts(b, ",\"revoked_by\":");
    if (o->revoked_by)
        yz_buf_int(b, o->revoked_by);
    else
        yz_buf_puts(b, "null");
    yz_buf_json_member_str(b, "revoke_reason", *o->revoke_reason ? o->revoke_reason : NULL);
    if (counts) {
        yz_buf_printf(b, ",\"inspections\":%lld", (long long)o->inspections);
        yz__api_member_time(b, "last_inspection_at", o->last_inspection_at);
    }
    yz_buf_putc(b, '}');
}

static void h_officers(void *ctx, yz_http_req *req)
{
    yz_api *api = ctx;
    yz_errinfo ei;
    yz_err_clear(&ei);
    yz_officer *a = NULL;
    size_t n = 0;
    int err = yz__api_authorize(api, req, "officers_list", NULL, &ei);
    if (!err)
        err = yz__api_params(req, NULL, 0, NULL, &ei);
    if (!err)
        err = yz_store_officer_list(api->st, &a, &n, &ei);
    if (err) {
        yz_api_error(req, &ei);
        return;
    }
    yz_buf b;
    yz_buf_init(&b);
    yz_buf_puts(&b, "{\"officers\":[");
    size_t active = 0;
    for (size_t i = 0; i < n; i++) {
        if (i)
            yz_buf_putc(&b, ',');
        render_officer(&b, &a[i], true);
        active += !a[i].revoked_at;
    }
    yz_buf_printf(&b, "],\"count\":%zu,\"active\":%zu}\n", n, active);
    yz_free(a);
    yz__api_ok(req, &b);
}

#define REASON_MAX 200 /* code points of a revocation's reason */

static void h_officer_revoke(void *ctx, yz_http_req *req)
{
    yz_api *api = ctx;
    yz_errinfo ei;
    yz_err_clear(&ei);
    static const char *const names[] = {"reason", NULL};
    json_t *body = NULL;
    yz_officer before, after;
    int err = yz__api_authorize(api, req, "officer_revoke", NULL, &ei);
    int64_t id = yz__api_id(yz_http_param(req, 0));
    if (!err && !id)
        err = yz_err_set(&ei, YZ_ENOTFOUND, "id", "体验官不存在", "no such experience officer");
    if (!err)
        err = yz__api_body_object(req, names, &body, &ei);
    const char *reason = body ? json_string_value(json_object_get(body, "reason")) : NULL;
    if (!err) {
        size_t cp = reason ? code_points(reason) : 0;
        bool blank = true;
        for (const char *p = reason; p && *p && blank; p++)
            blank = *p == ' ' || *p == '\t' || *p == '\n' || *p == '\r';
        if (!reason || blank || cp > REASON_MAX)
            err = yz_err_setf(&ei, YZ_EINVAL, "reason", "须说明撤销原因（1 至 %d 个字）",
                              "reason must say why (1 to %d characters)", REASON_MAX);
    }
    if (!err) {
        const yz_actor *a = yz__api_actor(api, req);
        yz__api_audit_record(req, "officer", id, NULL);
        err = yz_store_officer_revoke(api->st, id, yz_time_now(),
                                      a->kind == YZ_ACTOR_USER ? a->user.id : 0, reason, &before,
                                      &after, &ei);
    }
    json_decref(body);
    if (err) {
        yz_api_error(req, &ei);
        return;
    }
    yz_buf b;
    yz_buf_init(&b);
    render_officer(&b, &before, false);
    yz__api_audit_before(req, b.data);
    yz_buf_reset(&b);
    render_officer(&b, &after, false);
    yz_buf_putc(&b, '\n');
    yz__api_ok(req, &b);
}

/* --- registration --------------------------------------------------------------------------- */

void yz__api_register_inspections(yz_api *api, yz_http_server *srv)
{
    yz_http_route(srv, "GET", "/api/v1/checklists", "checklists_list", h_checklists, api);
    yz_http_route(srv, "GET", "/api/v1/checklists/{}", "checklist_get", h_checklist, api);
    yz_http_route(srv, "POST", "/api/v1/inspections", "inspections_create", h_create, api);
    yz_http_route(srv, "GET", "/api/v1/inspections", "inspections_list", h_list, api);
    yz_http_route(srv, "GET", "/api/v1/inspections/{}", "inspection_get", h_get, api);
    yz_http_route(srv, "PATCH", "/api/v1/inspections/{}", "inspection_patch", h_patch, api);
    yz_http_route(srv, "POST", "/api/v1/inspections/{}/submit", "inspection_submit", h_submit,
                  api);
    yz_http_route(srv, "GET", "/api/v1/stations/{}/scores", "station_scores", h_scores, api);
    yz_http_route(srv, "GET", "/api/v1/stations/{}/eligibility", "station_eligibility",
                  h_eligibility, api);
    yz_http_route(srv, "POST", "/api/v1/officers", "officers_appoint", h_appoint, api);
    yz_http_route(srv, "POST", "/api/v1/officers/code", "officer_code", h_officer_code, api);
    yz_http_route(srv, "GET", "/api/v1/officers", "officers_list", h_officers, api);
    yz_http_route(srv, "POST", "/api/v1/officers/{}/revoke", "officer_revoke", h_officer_revoke,
                  api);
    yz_http_route(srv, "POST", "/api/v1/selfchecks", "selfchecks_create", h_selfcheck_create,
                  api);
    yz_http_route(srv, "GET", "/api/v1/selfchecks", "selfchecks_list", h_selfchecks, api);
    yz_http_route(srv, "GET", "/api/v1/officer", "officer_status", h_officer_status, api);
    yz_http_route(srv, "POST", "/api/v1/officer/inspections", "officer_inspections_create",
                  h_o_create, api);
    yz_http_route(srv, "GET", "/api/v1/officer/inspections", "officer_inspections_list",
                  h_o_list, api);
    yz_http_route(srv, "GET", "/api/v1/officer/inspections/{}", "officer_inspection_get",
                  h_o_get, api);
    yz_http_route(srv, "PATCH", "/api/v1/officer/inspections/{}", "officer_inspection_patch",
                  h_o_patch, api);
    yz_http_route(srv, "POST", "/api/v1/officer/inspections/{}/submit",
                  "officer_inspection_submit", h_o_submit, api);
}
