/* SPDX-License-Identifier: MIT */
/* api/tasks.c - rectification tasks and the inbox (issue 12, point 5; docs/internals/
 * tasks.md): the task routes under /api/v1/tasks, a problem report made a task, the signed-in
 * user's inbox; a sweeper thread that escalates overdue tasks; and an optional sender thread
 * that forwards new notifications to a WeCom or DingTalk group robot (libcurl), off the
 * request threads: a request only wakes it. */
#include "api/api_int.h"
#include "api/params.h"

#include "core/alloc.h"
#include "core/log.h"
#include "core/time.h"
#include "core/utf8.h"
#include "model/inspection.h"
#include "store/reports.h"
#include "store/tasks.h"

#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define LIST_MAX 500         /* tasks a list answer */
#define ANSWER_MAX 2000      /* code points of an answer or a note */
#define PHOTOS_MAX 10        /* photos of an answer */
#define INBOX_MAX 100        /* notifications an inbox answer */
#define SEND_BATCH 32        /* notifications the sender takes at a time (its queue) */
#define SEND_TRIES 3         /* attempts of one message */
#define SEND_TIMEOUT_MS 5000 /* one attempt's limit */
#define SEND_POLL_S 10       /* the sender looks for notifications of other nodes this often */
#define SEND_SINCE_S 3600    /* notifications older than this at start are not sent */

struct yz_api_tasks {
    pthread_mutex_t mu;
    pthread_cond_t wake; /* signalled on stop and on kick */
    bool stop, kick;
    pthread_t sweeper, sender;
    bool sweeper_running, sender_running;
    int64_t started_at; /* unix seconds */
    _Atomic long sent, failed, escalated;
};

/* --- small helpers ----------------------------------------------------------------------------- */

static void render_photos(yz_buf *b, const char *photos)
{
    yz_buf_puts(b, "[");
    for (const char *p = photos; p && *p;) {
        const char *e = strchr(p, ',');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (p != photos)
            yz_buf_putc(b, ',');
        yz_buf_json_str(b, p, n);
        p = e ? e + 1 : NULL;
    }
    yz_buf_puts(b, "]");
}

static void render_task(yz_buf *b, const yz_task *t, int64_t now, bool history)
{
    yz_buf_printf(b, "{\"id\":%lld,\"station_id\":%lld", (long long)t->id,
                  (long long)t->station_id);
    yz_buf_json_member_str(b, "district", t->district);
    yz_buf_json_member_str(b, "source", yz_task_source_name(t->source));
    yz__api_member_id(b, "inspection_id", t->inspection_id);
    yz_buf_json_member_str(b, "criterion", t->criterion_code);
    yz__api_member_id(b, "report_id", t->report_id);
    yz__api_member_id(b, "alarm_id", t->alarm_id);
    yz_buf_puts(b, ",\"title\":{\"zh-Hans\":");
    yz_buf_json_str(b, t->title ? t->title : "", t->title ? strlen(t->title) : 0);
    yz_buf_puts(b, ",\"zh-Hant\":");
    /* through s2t: the stored 繁體 title holds the station's and the service's names as typed */
    yz__api_append_lang(b, t->title_hant ? t->title_hant : "",
                        t->title_hant ? strlen(t->title_hant) : 0, YZ_LANG_HANT, true);
    yz_buf_puts(b, ",\"en\":");
    yz_buf_json_str(b, t->title_en ? t->title_en : "", t->title_en ? strlen(t->title_en) : 0);
    yz_buf_puts(b, "}");
    yz_buf_json_member_str(b, "severity", yz_severity_name(t->severity));
    yz_buf_json_member_str(b, "status", yz_task_status_name(t->status));
    yz__api_member_time(b, "created_at", t->created_at);
    yz__api_member_time(b, "deadline", t->deadline);
    bool overdue = t->status != YZ_TASK_CLOSED && t->deadline < now;
    yz_buf_printf(b, ",\"overdue\":%s,\"seconds_left\":%lld", overdue ? "true" : "false",
                  (long long)(t->deadline - now));
    yz_buf_printf(b, ",\"escalated\":%s", t->escalated_at ? "true" : "false");
    yz__api_member_time(b, "escalated_at", t->escalated_at);
    yz__api_member_id(b, "created_by", t->created_by);
    yz__api_member_id(b, "inspector_id", t->inspector_id);
    yz_buf_json_member_str(b, "answer", t->answer);
    yz_buf_puts(b, ",\"answer_photos\":");
    render_photos(b, t->answer_photos);
    yz__api_member_id(b, "answered_by", t->answered_by);
    yz__api_member_time(b, "answered_at", t->answered_at);
    yz__api_member_id(b, "verified_by", t->verified_by);
    yz__api_member_time(b, "verified_at", t->verified_at);
    yz_buf_json_member_str(b, "verify_note", t->verify_note);
    yz_buf_printf(b, ",\"version\":%lld", (long long)t->version);
    if (history) {
        yz_buf_puts(b, ",\"history\":[");
        for (size_t i = 0; i < t->n_history; i++) {
            const yz_task_event *e = &t->history[i];
            yz_buf_puts(b, i ? ",{" : "{");
            yz_buf_puts(b, "\"action\":");
            yz_buf_json_str(b, e->action, strlen(e->action));
            yz__api_member_time(b, "at", e->at);
            yz__api_member_id(b, "by", e->by_user);
            yz_buf_json_member_str(b, "note", e->note);
            yz_buf_putc(b, '}');
        }
        yz_buf_putc(b, ']');
    }
    yz_buf_putc(b, '}');
}

static void respond_task(yz_http_req *req, int status, const yz_task *t)
{
    yz_buf b;
    yz_buf_init(&b);
    render_task(&b, t, yz_time_now(), true);
    yz_buf_putc(&b, '\n');
    char etag[32];
    snprintf(etag, sizeof etag, "\"%lld\"", (long long)t->version);
    yz_http_add_header(req, "ETag", etag);
    yz_http_respond(req, status, YZ_JSON, &b);
}

void yz__api_respond_task(yz_http_req *req, int status, const yz_task *t)
{
    respond_task(req, status, t);
}

static void audit_before(yz_http_req *req, const yz_task *t)
{
    yz_buf b;
    yz_buf_init(&b);
    render_task(&b, t, t->created_at, true);
    yz__api_audit_before(req, b.data);
    yz_buf_fini(&b);
}

static void target_of(yz_api *api, const yz_task *t, yz_target *tg)
{
    memset(tg, 0, sizeof *tg);
    yz__api_target_station(api, t->station_id, tg);
    if (!tg->district[0])
        snprintf(tg->district, sizeof tg->district, "%s", t->district);
}

/* The task named by path capture 0, checked against `route`. */
static int load_checked(yz_api *api, yz_http_req *req, const char *route, yz_task *t,
                        yz_errinfo *ei)
{
    yz_task_init(t);
    int64_t id = yz__api_id(yz_http_param(req, 0));
    int err = id ? yz_store_task_get(api->st, id, t, ei)
                 : yz_err_set(ei, YZ_ENOTFOUND, "id", "整改任务不存在", "task not found");
    if (!err) {
        yz_target tg;
        target_of(api, t, &tg);
        err = yz__api_authorize(api, req, route, &tg, ei);
    }
    return err;
}

static size_t code_points(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

/* A text member: a string of 1..ANSWER_MAX code points (or absent when !required). */
static int text_member(json_t *body, const char *name, bool required, const char **out,
                       yz_errinfo *ei)
{
    json_t *v = json_object_get(body, name);
    *out = NULL;
    if (!v || json_is_null(v)) {
        if (!required)
            return YZ_OK;
        return yz_err_setf(ei, YZ_EINVAL, name, "缺少 %s", "%s is required", name);
    }
    const char *s = json_string_value(v);
    size_t n = s ? code_points(s) : 0;
    if (!s || (required && !*s) || n > ANSWER_MAX)
        return yz_err_setf(ei, YZ_EINVAL, name, "%s 须为 1..2000 字的文字",
                           "%s must be a text of 1..2000 characters", name);
    *out = s;
    return YZ_OK;
}

static void kick_sender(yz_api *api)
{
    struct yz_api_tasks *k = api->tasks;
    if (!k || !k->sender_running)
        return;
    pthread_mutex_lock(&k->mu);
    k->kick = true;
    pthread_cond_broadcast(&k->wake);
    pthread_mutex_unlock(&k->mu);
}

void yz__api_tasks_changed(yz_api *api)
{
    kick_sender(api);
}

/* --- list and get ------------------------------------------------------------------------------ */

typedef struct list_args {
    const char *station, *district, *assignee;
    int status;
    bool overdue, open;
    long limit;
} list_args;

static int status_word(const char *s)
{
    return yz_task_status_parse(s);
}

static const yz_param list_params[] = {
    {"station", YZ_PARAM_TEXT, offsetof(list_args, station), 0, 40, 0, 0, NULL, NULL},
    {"district", YZ_PARAM_TEXT, offsetof(list_args, district), 0, 12, 0, 0, NULL, NULL},
    {"status", YZ_PARAM_WORD, offsetof(list_args, status), 0, 0, -1, 0, status_word,
     "open, answered, closed, reopened"},
    {"overdue", YZ_PARAM_BOOL, offsetof(list_args, overdue), 0, 0, 0, 0, NULL, NULL},
    {"open", YZ_PARAM_BOOL, offsetof(list_args, open), 0, 0, 0, 0, NULL, NULL},
    {"assignee", YZ_PARAM_TEXT, offsetof(list_args, assignee), 0, 20, 0, 0, NULL, NULL},
    {"limit", YZ_PARAM_INT, offsetof(list_args, limit), 1, LIST_MAX, 200, 0, NULL, NULL},
};

static void h_list(void *ctx, yz_http_req *req)
{
    yz_api *api = ctx;
    yz_errinfo ei;
    yz_err_clear(&ei);
    list_args q = {NULL, NULL, NULL, -1, false, false, 200};
    yz_task_filter f = {0};
    int err = yz__api_authorize(api, req, "tasks_list", NULL, &ei);
    if (!err)
        err = YZ_API_PARAMS(req, list_params, &q, &ei);
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
    /* a filter outside the asker's scope is refused, as for inspections */
    if (!err && (f.station_id || q.district)) {
        yz_target t = {0};
        if (f.station_id)
            yz__api_target_station(api, f.station_id, &t);
        else
            snprintf(t.district, sizeof t.district, "%s", q.district);
        err = yz__api_authorize(api, req, "tasks_list", &t, &ei);
    }
    /* assignee: "me" or a user id: the tasks that user may answer (an operator's board) */
    yz_user who;
    yz_user_init(&who);
    bool by_assignee = false;
    if (!err && q.assignee) {
        int64_t uid = !strcmp(q.assignee, "me") ? yz__api_actor_user(api, req) : yz__api_id(q.assignee);
        if (!uid)
            err = yz_err_set(&ei, YZ_EINVAL, "assignee", "assignee 须为 me 或用户编号",
                             "assignee must be me or a user id");
        if (!err)
            err = yz_store_user_get(api->st, uid, &who, &ei);
        if (err == YZ_ENOTFOUND)
            err = yz_err_set(&ei, YZ_EINVAL, "assignee", "用户不存在", "no such user");
        by_assignee = !err;
    }
    int64_t now = yz_time_now();
    yz_task *a = NULL;
    size_t n = 0;
    if (!err) {
        f.district = q.district;
        f.status = q.status;
        f.overdue = q.overdue;
        f.open_only = q.open;
        f.now = now;
        f.limit = (size_t)q.limit;
        err = yz_store_task_list(api->st, &f, &a, &n, &ei);
    }
    if (err) {
        yz_user_fini(&who);
        yz_api_error(req, &ei);
        return;
    }
    yz_buf b;
    yz_buf_init(&b);
    yz_buf_puts(&b, "{\"tasks\":[");
    size_t shown = 0, overdue = 0;
    static const int op_role[] = {YZ_ROLE_OPERATOR};
    for (size_t i = 0; i < n; i++) {
        yz_target t;
        target_of(api, &a[i], &t);
        if (!yz__api_may_as(api, req, "task_get", &t, ~0u))
            continue;
        if (by_assignee && !yz__api_user_covers(&who, "task_answer", op_role, 1, &t))
            continue;
        if (shown++)
            yz_buf_putc(&b, ',');
        render_task(&b, &a[i], now, false);
        overdue += a[i].status != YZ_TASK_CLOSED && a[i].deadline < now;
    }
    yz_buf_printf(&b, "],\"count\":%zu,\"overdue\":%zu}\n", shown, overdue);
    yz__api_ok(req, &b);
    yz_tasks_free(a, n);
    yz_user_fini(&who);
}

static void h_get(void *ctx, yz_http_req *req)
{
    yz_api *api = ctx;
    yz_errinfo ei;
    yz_err_clear(&ei);
    yz_task t;
    yz_task_init(&t);
    int err = yz__api_authorize(api, req, "task_get", NULL, &ei);
    if (!err)
        err = yz__api_params(req, NULL, 0, NULL, &ei);
    if (!err)
        err = load_checked(api, req, "task_get", &t, &ei);
    if (err)
        yz_api_error(req, &ei);
    else
        respond_task(req, 200, &t);
    yz_task_fini(&t);
}

/* --- answer, verify ------------------------------------------------------------------------------ */

static bool hex64(const char *s)
{
    if (!s || strlen(s) != 64)
        return false;
    for (int i = 0; i < 64; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    return true;
}

static const char *const answer_fields[] = {"answer", "photos", NULL};

static void h_answer(void *ctx, yz_http_req *req)
{
    yz_api *api = ctx;
    yz_errinfo ei;
    yz_err_clear(&ei);
    yz_task t;
    yz_task_init(&t);
    json_t *body = NULL;
    yz_buf photos;
    yz_buf_init(&photos);
    const char *text = NULL;
    int64_t version = 0;
    int err = yz__api_authorize(api, req, "task_answer", NULL, &ei);
    if (!err)
        err = load_checked(api, req, "task_answer", &t, &ei);
    if (!err) {
        yz__api_audit_record(req, "task", t.id, t.district);
        audit_before(req, &t);
        err = yz__api_if_match(req, false, 1, &version, &ei);
        if (version < 0)
            version = 0;
    }
    if (!err)
        err = yz__api_body_object(req, answer_fields, &body, &ei);
    if (!err)
        err = text_member(body, "answer", true, &text, &ei);
    json_t *ph = body ? json_object_get(body, "photos") : NULL;
    if (!err && ph) {
        if (!json_is_array(ph) || json_array_size(ph) > PHOTOS_MAX)
            err = yz_err_setf(&ei, YZ_EINVAL, "photos",
                              "photos 须为至多 %d 个 sha256 的数组",
                              "photos must be an array of at most %d sha256 hashes", PHOTOS_MAX);
        size_t i;
        json_t *p;
        json_array_foreach(ph, i, p)
        {
            if (err)
                break;
            const char *s = json_string_value(p);
            if (!hex64(s)) {
                char f[32];
                snprintf(f, sizeof f, "photos[%zu]", i);
                err = yz_err_set(&ei, YZ_EINVAL, f, "照片须为 64 位小写十六进制的 sha256",
                                 "a photo is its sha256: 64 lower-case hexadecimal digits");
            } else {
                if (photos.len)
                    yz_buf_putc(&photos, ',');
                yz_buf_puts(&photos, s);
            }
        }
    }
    if (!err) {
        int64_t id = t.id;
        yz_task_fini(&t);
        err = yz_store_task_answer(api->st, id, yz__api_actor_user(api, req), text,
                                   photos.len ? photos.data : NULL, yz_time_now(), version, &t,
                                   &ei);
    }
    json_decref(body);
    yz_buf_fini(&photos);
    if (err) {
        yz_api_error(req, &ei);
    } else {
        respond_task(req, 200, &t);
        kick_sender(api);
    }
    yz_task_fini(&t);
}

static const char *const verify_fields[] = {"result", "note", NULL};

static void h_verify(void *ctx, yz_http_req *req)
{
    yz_api *api = ctx;
    yz_errinfo ei;
    yz_err_clear(&ei);
    yz_task t;
    yz_task_init(&t);
    json_t *body = NULL;
    const char *note = NULL;
    int64_t version = 0;
    bool close = false;
    int err = yz__api_authorize(api, req, "task_verify", NULL, &ei);
    if (!err)
        err = load_checked(api, req, "task_verify", &t, &ei);
    if (!err) {
        yz__api_audit_record(req, "task", t.id, t.district);
        audit_before(req, &t);
        err = yz__api_if_match(req, false, 1, &version, &ei);
        if (version < 0)
            version = 0;
    }
    if (!err)
        err = yz__api_body_object(req, verify_fields, &body, &ei);
    if (!err) {
        const char *r = json_string_value(json_object_get(body, "result"));
        if (r && !strcmp(r, "close"))
            close = true;
        else if (!r || strcmp(r, "reopen"))
            err = yz_err_set(&ei, YZ_EINVAL, "result", "result 须为 close（通过）或 reopen（退回）",
                             "result must be close or reopen");
    }
    if (!err)
        err = text_member(body, "note", !close, &note, &ei);
    if (!err) {
        int64_t id = t.id;
        yz_task_fini(&t);
        err = yz_store_task_verify(api->st, id, yz__api_actor_user(api, req), close, note,
                                   yz_time_now(), version, &t, &ei);
    }
    json_decref(body);
    if (err) {
        yz_api_error(req, &ei);
    } else {
        respond_task(req, 200, &t);
        kick_sender(api);
    }
    yz_task_fini(&t);
}

/* --- a report becomes a task ------------------------------------------------------------------- */

static const char *const severity_fields[] = {"severity", NULL};

int yz__api_task_severity(yz_http_req *req, int *severity, yz_errinfo *ei)
{
    size_t len = 0;
    yz_http_body(req, &len);
    if (!len)
        return YZ_OK;
    json_t *body = NULL;
    int err = yz__api_body_object(req, severity_fields, &body, ei);
    json_t *sv = err ? NULL : json_object_get(body, "severity");
    if (sv) {
        int v = yz_severity_parse(json_string_value(sv));
        if (v < 0)
            err = yz_err_set(ei, YZ_EINVAL, "severity", "severity 须为 low、medium 或 high",
                             "severity must be low, medium or high");
        else
            *severity = v;
    }
    json_decref(body);
    return err;
}


static void h_report_task(void *ctx, yz_http_req *req)
{
    yz_api *api = ctx;
    yz_errinfo ei;
    yz_err_clear(&ei);
    yz_task t;
    yz_task_init(&t);
    int severity = YZ_SEVERITY_MEDIUM;
    int64_t rid = yz__api_id(yz_http_param(req, 0));
    int err = yz__api_authorize(api, req, "report_task", NULL, &ei);
    int64_t station_id = 0;
    if (!err && rid) {
        yz_report r;
        if (yz_store_report_get(api->st, rid, &r, &ei) == YZ_OK) {
            station_id = r.station_id;
            yz_report_fini(&r);
        }
    }
    if (!err && !station_id && !rid)
        err = yz_err_set(&ei, YZ_ENOTFOUND, "id", "问题报告不存在", "report not found");
    if (!err && station_id) {
        yz_target tg = {0};
        yz__api_target_station(api, station_id, &tg);
        err = yz__api_authorize(api, req, "report_task", &tg, &ei);
    }
    if (!err)
        err = yz__api_task_severity(req, &severity, &ei);
    if (!err)
        err = yz_store_task_from_report(api->st, rid, yz__api_actor_user(api, req), severity,
                                        yz_time_now(), &t, &ei);
    if (err) {
        yz_api_error(req, &ei);
    } else {
        yz__api_audit_record(req, "task", t.id, t.district);
        respond_task(req, 201, &t);
        kick_sender(api);
    }
    yz_task_fini(&t);
}

/* --- the inbox ------------------------------------------------------------------------------------ */

typedef struct inbox_args {
    long limit;
} inbox_args;

static const yz_param inbox_params[] = {
    {"limit", YZ_PARAM_INT, offsetof(inbox_args, limit), 1, INBOX_MAX, 50, 0, NULL, NULL},
};

static void h_inbox(void *ctx, yz_http_req *req)
{
    yz_api *api = ctx;
    yz_errinfo ei;
    yz_err_clear(&ei);
    inbox_args q = {50};
    yz_notif *a = NULL;
    size_t n = 0;
    int64_t unread = 0;
    int err = yz__api_authorize(api, req, "inbox_list", NULL, &ei);
    if (!err)
        err = YZ_API_PARAMS(req, inbox_params, &q, &ei);
    /* the admin token is nobody: its inbox is empty */
    int64_t uid = err ? 0 : yz__api_actor_user(api, req);
    if (!err && uid)
        err = yz_store_inbox(api->st, uid, (size_t)q.limit, &a, &n, &unread, &ei);
    if (err) {
        yz_api_error(req, &ei);
        return;
    }
    yz_buf b;
    yz_buf_init(&b);
    yz_buf_puts(&b, "{\"notifications\":[");
    for (size_t i = 0; i < n; i++) {
        yz_buf_printf(&b, "%s{\"id\":%lld", i ? "," : "", (long long)a[i].id);
        yz_buf_json_member_str(&b, "kind", a[i].kind);
        yz__api_member_id(&b, "task_id", a[i].task_id);
        yz_buf_puts(&b, ",\"text\":{\"zh-Hans\":");
        yz_buf_json_str(&b, a[i].text ? a[i].text : "", a[i].text ? strlen(a[i].text) : 0);
        yz_buf_puts(&b, ",\"zh-Hant\":");
        yz__api_append_lang(&b, a[i].text_hant ? a[i].text_hant : "",
                            a[i].text_hant ? strlen(a[i].text_hant) : 0, YZ_LANG_HANT, true);
        yz_buf_puts(&b, ",\"en\":");
        yz_buf_json_str(&b, a[i].text_en ? a[i].text_en : "",
                        a[i].text_en ? strlen(a[i].text_en) : 0);
        yz_buf_puts(&b, "}");
        yz__api_member_time(&b, "created_at", a[i].created_at);
        yz_buf_printf(&b, ",\"read\":%s}", a[i].read_at ? "true" : "false");
    }
    yz_buf_printf(&b, "],\"count\":%zu,\"unread\":%lld}\n", n, (long long)unread);
    yz_notifs_free(a, n);
    yz__api_ok(req, &b);
}

static void h_inbox_read(void *ctx, yz_http_req *req)
{
    yz_api *api = ctx;
    yz_errinfo ei;
    yz_err_clear(&ei);
    int err = yz__api_authorize(api, req, "inbox_read", NULL, &ei);
    yz__api_audit_cancel(req); /* one's own inbox: not a staff write of a record */
    int64_t id = yz__api_id(yz_http_param(req, 0));
    int64_t uid = err ? 0 : yz__api_actor_user(api, req);
    if (!err && (!id || !uid))
        err = yz_err_set(&ei, YZ_ENOTFOUND, "id", "通知不存在", "notification not found");
    if (!err)
        err = yz_store_inbox_read(api->st, uid, id, yz_time_now(), &ei);
    if (err) {
        yz_api_error(req, &ei);
        return;
    }
    yz_buf b;
    yz_buf_init(&b);
    yz_buf_printf(&b, "{\"id\":%lld,\"read\":true}\n", (long long)id);
    yz__api_ok(req, &b);
}

/* --- the sweeper: escalation of overdue tasks ------------------------------------------------------- */

/* Wait until `until` (monotonic), a stop or, with `kickable`, a kick. Returns true on stop. */
static bool wait_until(struct yz_api_tasks *k, const struct timespec *until, bool kickable)
{
    pthread_mutex_lock(&k->mu);
    while (!k->stop && !(kickable && k->kick) &&
           pthread_cond_timedwait(&k->wake, &k->mu, until) != ETIMEDOUT)
        ;
    if (kickable)
        k->kick = false;
    bool stop = k->stop;
    pthread_mutex_unlock(&k->mu);
    return stop;
}

static struct timespec after_ms(int64_t ms)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    t.tv_sec += ms / 1000;
    t.tv_nsec += (ms % 1000) * 1000000;
    if (t.tv_nsec >= 1000000000) {
        t.tv_sec++;
        t.tv_nsec -= 1000000000;
    }
    return t;
}

static void *sweeper_main(void *arg)
{
    yz_api *api = arg;
    struct yz_api_tasks *k = api->tasks;
    for (;;) {
        size_t n = 0;
        yz_errinfo ei;
        if (yz_store_task_escalate(api->st, yz_time_now(), &n, &ei))
            yz_log_error("tasks: escalating overdue tasks failed, trying again later: %s",
                         ei.msg_en);
        if (n) {
            k->escalated += (long)n;
            yz_log_info("tasks: %zu overdue task(s) escalated to the district admins", n);
            kick_sender(api);
        }
        struct timespec until = after_ms(api->task_sweep_s * 1000);
        if (wait_until(k, &until, false))
            return NULL;
    }
}

/* --- the sender: notifications to a group robot ----------------------------------------------------- */

static size_t discard(char *p, size_t size, size_t n, void *ud)
{
    (void)p;
    (void)ud;
    return size * n;
}

/* The robot's message for `nt` (owned JSON text). */
static char *message_of(yz_api *api, const yz_notif *nt)
{
    yz_buf md;
    yz_buf_init(&md);
    const char *head = "驿站整改通知 / Station rectification";
    if (api->webhook_kind == YZ_WEBHOOK_DINGTALK)
        yz_buf_printf(&md, "#### %s\n\n%s\n\n%s", head, nt->text ? nt->text : "",
                      nt->text_en ? nt->text_en : "");
    else
        yz_buf_printf(&md, "**%s**\n> %s\n> %s", head, nt->text ? nt->text : "",
                      nt->text_en ? nt->text_en : "");
    if (nt->task_id)
        yz_buf_printf(&md, "\n\n[%s/admin/#/tasks/%lld](%s/admin/#/tasks/%lld)", api->public_url,
                      (long long)nt->task_id, api->public_url, (long long)nt->task_id);
    json_t *m;
    if (api->webhook_kind == YZ_WEBHOOK_DINGTALK)
        m = json_pack("{s:s,s:{s:s,s:s}}", "msgtype", "markdown", "markdown", "title",
                      nt->text ? nt->text : head, "text", md.data);
    else
        m = json_pack("{s:s,s:{s:s}}", "msgtype", "markdown", "markdown", "content", md.data);
    yz_buf_fini(&md);
    char *s = m ? json_dumps(m, JSON_COMPACT) : NULL;
    json_decref(m);
    char *out = s ? yz_strdup(s) : NULL;
    free(s);
    return out;
}

/* Post one message, with retries. Returns true when the robot took it (HTTP 2xx). */
static bool post(yz_api *api, CURL *c, const char *json)
{
    struct yz_api_tasks *k = api->tasks;
    struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json; charset=utf-8");
    bool ok = false;
    for (int i = 0; i < SEND_TRIES && !ok; i++) {
        if (i) { /* back off 1 s, then 2 s; a stop ends the wait */
            struct timespec until = after_ms(1000LL << (i - 1));
            if (wait_until(k, &until, false))
                break;
        }
        curl_easy_reset(c);
        curl_easy_setopt(c, CURLOPT_URL, api->webhook_url);
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, json);
        curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)SEND_TIMEOUT_MS);
        curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
        curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
        CURLcode rc = curl_easy_perform(c);
        long status = 0;
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
        ok = rc == CURLE_OK && status >= 200 && status < 300;
        if (!ok)
            yz_log_info("tasks: webhook attempt %d failed: %s (HTTP %ld)", i + 1,
                        rc == CURLE_OK ? "refused" : curl_easy_strerror(rc), status);
    }
    curl_slist_free_all(h);
    return ok;
}

static void *sender_main(void *arg)
{
    yz_api *api = arg;
    struct yz_api_tasks *k = api->tasks;
    CURL *c = curl_easy_init();
    if (!c) {
        yz_log_error("tasks: cannot start libcurl: the webhook is off");
        return NULL;
    }
    for (;;) {
        yz_notif *a = NULL;
        size_t n = 0;
        yz_errinfo ei;
        if (yz_store_notif_take(api->st, k->started_at - SEND_SINCE_S, yz_time_now(), SEND_BATCH,
                                &a, &n, &ei))
            yz_log_error("tasks: reading notifications to send failed: %s", ei.msg_en);
        for (size_t i = 0; i < n; i++) {
            char *json = message_of(api, &a[i]);
            bool ok = json && post(api, c, json);
            yz_free(json);
            if (ok)
                k->sent++;
            else
                k->failed++;
        }
        yz_notifs_free(a, n);
        if (n == SEND_BATCH)
            continue; /* more may wait */
        struct timespec until = after_ms(SEND_POLL_S * 1000);
        if (wait_until(k, &until, true))
            break;
    }
    curl_easy_cleanup(c);
    return NULL;
}

void yz__api_tasks_metrics(yz_api *api, yz_buf *b)
{
    struct yz_api_tasks *k = api->tasks;
    if (!k)
        return;
    yz_buf_printf(b,
                  "# HELP yizhan_tasks_escalated_total Overdue tasks escalated by this node.\n"
                  "# TYPE yizhan_tasks_escalated_total counter\n"
                  "yizhan_tasks_escalated_total %ld\n"
                  "# HELP yizhan_webhook_messages_total Notifications posted to the webhook.\n"
                  "# TYPE yizhan_webhook_messages_total counter\n"
                  "yizhan_webhook_messages_total{outcome=\"sent\"} %ld\n"
                  "yizhan_webhook_messages_total{outcome=\"failed\"} %ld\n",
                  (long)k->escalated, (long)k->sent, (long)k->failed);
}

/* --- registration ------------------------------------------------------------------------------------ */

void yz__api_register_tasks(yz_api *api, yz_http_server *srv)
{
    struct yz_api_tasks *k = yz_calloc(1, sizeof *k);
    api->tasks = k;
    k->started_at = yz_time_now();
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&k->wake, &ca);
    pthread_condattr_destroy(&ca);
    pthread_mutex_init(&k->mu, NULL);
    yz_http_route(srv, "GET", "/api/v1/tasks", "tasks_list", h_list, api);
    yz_http_route(srv, "GET", "/api/v1/tasks/{}", "task_get", h_get, api);
    yz_http_route(srv, "POST", "/api/v1/tasks/{}/answer", "task_answer", h_answer, api);
    yz_http_route(srv, "POST", "/api/v1/tasks/{}/verify", "task_verify", h_verify, api);
    yz_http_route(srv, "POST", "/api/v1/reports/{}/task", "report_task", h_report_task, api);
    yz_http_route(srv, "GET", "/api/v1/inbox", "inbox_list", h_inbox, api);
    yz_http_route(srv, "POST", "/api/v1/inbox/{}/read", "inbox_read", h_inbox_read, api);
    k->sweeper_running = pthread_create(&k->sweeper, NULL, sweeper_main, api) == 0;
    if (!k->sweeper_running)
        yz_log_error("tasks: cannot start the sweeper of overdue tasks");
    if (api->webhook_url) {
        curl_global_init(CURL_GLOBAL_DEFAULT);
        k->sender_running = pthread_create(&k->sender, NULL, sender_main, api) == 0;
        if (k->sender_running)
            yz_log_info("tasks: notifications go to a %s webhook as well",
                        api->webhook_kind == YZ_WEBHOOK_DINGTALK ? "DingTalk" : "WeCom");
        else
            yz_log_error("tasks: cannot start the webhook sender");
    }
}

void yz__api_free_tasks(yz_api *api)
{
    struct yz_api_tasks *k = api->tasks;
    if (!k)
        return;
    pthread_mutex_lock(&k->mu);
    k->stop = true;
    pthread_cond_broadcast(&k->wake);
    pthread_mutex_unlock(&k->mu);
    if (k->sweeper_running)
        pthread_join(k->sweeper, NULL);
    if (k->sender_running) {
        pthread_join(k->sender, NULL);
        curl_global_cleanup();
    }
    pthread_cond_destroy(&k->wake);
    pthread_mutex_destroy(&k->mu);
    yz_free(k);
    api->tasks = NULL;
}
