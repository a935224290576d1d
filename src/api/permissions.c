/* SPDX-License-Identifier: MIT */
/* api/permissions.c - the permission table: for every route, who may call it and with which
 * scope check. It is data: the server authorizes through it only (authz.c), the doc
 * docs/internals/permissions.md is generated from it (`yizhan permissions --markdown`, checked
 * by tests/cli/run-cli.sh), and tests/api/910-permissions.sh walks every route with every role
 * against it (`yizhan permissions --tsv`). A route added without its row stops the server at
 * start (yz__api_perms_check). */
#include "api/api_int.h"

#include "core/buf.h"
#include "core/log.h"

#include <string.h>

#define NO YZ_SCOPE_NO
#define ANY YZ_SCOPE_ANY
#define DIST YZ_SCOPE_DISTRICT
#define STAT YZ_SCOPE_STATION
#define CANT YZ_SCOPE_CANTEEN
#define OWN YZ_SCOPE_OWN
#define TEXT YZ_SCOPE_TEXT
#define USERS YZ_SCOPE_USERS
#define ASSIGNED YZ_SCOPE_ASSIGNED

#define PUBLIC(m, p, n, note) {m, p, n, YZ_ACCESS_PUBLIC, {0}, note}
#define WORKER(m, p, n, note) {m, p, n, YZ_ACCESS_WORKER, {0}, note}
#define SIGNED(m, p, n, note) {m, p, n, YZ_ACCESS_SIGNED_IN, {0}, note}
/* columns: city_admin district_admin operator inspector moderator canteen viewer */
#define ROLES(m, p, n, ca, da, op, in, mo, cn, vw, note)                                         \
    {m, p, n, YZ_ACCESS_ROLES, {ca, da, op, in, mo, cn, vw}, note}
#define VIEW(m, p, n, ca, da, op, in, mo, cn, vw, note)                                          \
    {m, p, n, YZ_ACCESS_VIEW, {ca, da, op, in, mo, cn, vw}, note}

static const yz_perm perms[] = {
    /* meta */
    PUBLIC("GET", "/healthz", "healthz", "health of the node"),
    PUBLIC("GET", "/metrics", "metrics", "Prometheus metrics"),
    PUBLIC("GET", "/api/v1/facilities", "facilities", ""),
    PUBLIC("GET", "/api/v1/districts", "districts", ""),
    PUBLIC("GET", "/api/v1/openapi.json", "openapi", "the OpenAPI 3.1 description"),
    PUBLIC("GET", "/api/docs", "api_docs", "the API reference page"),
    /* stations */
    ROLES("GET", "/api/v1/stations/export", "stations_export", ANY, DIST, NO, NO, NO, NO, NO,
          "CSV or GeoJSON; a district admin gets the stations of their districts"),
    ROLES("POST", "/api/v1/stations/import", "stations_import", ANY, DIST, NO, NO, NO, NO, NO,
          "all rows or none; every row's district (and the stored station's) in scope;"
          " dry_run=true changes nothing and is not audited"),
    PUBLIC("GET", "/api/v1/stations/nearby", "stations_nearby", "the search path"),
    PUBLIC("GET", "/api/v1/stations.geojson", "stations_geojson", ""),
    PUBLIC("GET", "/api/v1/stations", "stations_list", ""),
    ROLES("POST", "/api/v1/stations", "stations_create", ANY, DIST, NO, NO, NO, NO, NO,
          "district: the new station's district_code"),
    PUBLIC("GET", "/api/v1/stations/{}", "station_get", ""),
    ROLES("PATCH", "/api/v1/stations/{}", "station_patch", ANY, DIST, STAT, NO, NO, NO, NO,
          "checked on the station, and on the district it is moved to"),
    ROLES("POST", "/api/v1/stations/{}/screen-key", "station_screen_key", ANY, DIST, STAT, NO,
          NO, NO, NO,
          "a new station screen key (the old one stops working), shown once with the screen's"
          " link"),
    ROLES("DELETE", "/api/v1/stations/{}", "station_delete", ANY, DIST, NO, NO, NO, NO, NO, ""),
    PUBLIC("GET", "/api/v1/opening-hours", "opening_hours",
           "a value evaluated by the server's parser (the editor's preview)"),
    /* workers, visits */
    PUBLIC("POST", "/api/v1/workers", "workers_create", "issues a worker token"),
    PUBLIC("GET", "/api/v1/stations/{}/qr.svg", "station_qr_svg", ""),
    PUBLIC("GET", "/api/v1/stations/{}/qr.png", "station_qr_png", ""),
    PUBLIC("GET", "/api/v1/stations/{}/poster.html", "station_poster", ""),
    PUBLIC("GET", "/api/v1/stations/{}/card.png", "station_card",
           "1200x630 PNG, the link preview's image; an expensive slot"),
    PUBLIC("GET", "/api/v1/poster.css", "poster_css", ""),
    WORKER("POST", "/api/v1/visits", "visits_create", "check-in"),
    PUBLIC("GET", "/api/v1/stats/visits", "stats_visits", ""),
    /* reviews and moderation */
    WORKER("POST", "/api/v1/stations/{}/ratings", "ratings_create", ""),
    PUBLIC("GET", "/api/v1/stations/{}/reviews", "reviews_list", ""),
    PUBLIC("GET", "/api/v1/rating-tags", "rating_tags", ""),
    ROLES("GET", "/api/v1/moderation/held", "moderation_held", ANY, NO, NO, NO, ANY, NO, NO, ""),
    ROLES("POST", "/api/v1/moderation/{}/approve", "moderation_approve", ANY, NO, NO, NO, ANY, NO,
          NO, ""),
    ROLES("POST", "/api/v1/moderation/{}/reject", "moderation_reject", ANY, NO, NO, NO, ANY, NO,
          NO, ""),
    /* problem reports (Open311) */
    PUBLIC("GET", "/open311/v2/services.json", "open311_services", ""),
    PUBLIC("GET", "/open311/v2/services/{}", "open311_service", ""),
    PUBLIC("POST", "/open311/v2/requests.json", "open311_create", "a worker token is optional"),
    PUBLIC("GET", "/open311/v2/requests.json", "open311_requests", ""),
    PUBLIC("GET", "/open311/v2/requests/{}", "open311_request", ""),
    PUBLIC("GET", "/api/v1/reports", "reports_list", ""),
    PUBLIC("GET", "/api/v1/reports/{}", "report_get", "held texts: see report_held_text"),
    VIEW("GET", "/api/v1/reports/{}", "report_held_text", ANY, DIST, STAT, NO, ANY, NO, NO,
         "who sees a held description in report_get"),
    ROLES("PATCH", "/api/v1/reports/{}", "report_patch", ANY, DIST, STAT, NO, TEXT, NO, NO,
          "checked on the report's station; a moderator only publishes or rejects a held "
          "description; assigned_to: an operator or district admin of the station"),
    PUBLIC("GET", "/api/v1/stations/{}/reports", "station_reports", ""),
    /* events */
    PUBLIC("GET", "/api/v1/events", "events_list", ""),
    ROLES("POST", "/api/v1/events", "events_create", ANY, DIST, STAT, NO, NO, NO, NO,
          "checked on the event's station"),
    PUBLIC("GET", "/api/v1/events/{}", "event_get", ""),
    PUBLIC("GET", "/api/v1/events/{}/poster.png", "event_poster",
           "1080x1440 PNG to share (lang=zh-Hans|zh-Hant|en); an expensive slot"),
    ROLES("PATCH", "/api/v1/events/{}", "event_patch", ANY, DIST, STAT, NO, NO, NO, NO,
          "checked on the event's station, and on the one it is moved to"),
    ROLES("DELETE", "/api/v1/events/{}", "event_cancel", ANY, DIST, STAT, NO, NO, NO, NO,
          "checked on the event's station"),
    WORKER("POST", "/api/v1/events/{}/signups", "event_signup", ""),
    ROLES("GET", "/api/v1/events/{}/signups", "event_signups", ANY, DIST, STAT, NO, NO, NO, NO,
          "who signed up (pseudonyms); checked on the event's station, as event_patch"),
    WORKER("DELETE", "/api/v1/events/{}/signups/{}", "event_unsignup", ""),
    /* meals */
    ROLES("POST", "/api/v1/canteens", "canteens_create", ANY, NO, NO, NO, NO, NO, NO, ""),
    PUBLIC("GET", "/api/v1/canteens", "canteens_list", ""),
    PUBLIC("GET", "/api/v1/canteens/{}", "canteens_get", ""),
    ROLES("POST", "/api/v1/canteens/{}/offers", "offers_create", ANY, NO, NO, NO, NO, CANT, NO,
          ""),
    ROLES("POST", "/api/v1/canteens/{}/redeem", "orders_redeem", ANY, NO, NO, NO, NO, CANT, NO,
          "the canteen screen"),
    ROLES("GET", "/api/v1/canteens/{}/orders", "canteen_orders", ANY, DIST, NO, NO, NO, CANT, NO,
          "a day's orders, or one pickup code's; district: the canteen's station's district"),
    ROLES("PATCH", "/api/v1/offers/{}", "offer_patch", ANY, NO, NO, NO, NO, CANT, NO,
          "quota, withdraw; checked on the offer's canteen"),
    PUBLIC("GET", "/api/v1/offers", "offers_list", ""),
    PUBLIC("GET", "/api/v1/offers/{}", "offers_get", ""),
    WORKER("POST", "/api/v1/orders", "orders_create", ""),
    WORKER("GET", "/api/v1/orders", "orders_list", "the worker's own orders"),
    /* campaigns and the livelihood project (docs/internals/project.md) */
    ROLES("GET", "/api/v1/stations/{}/milestones", "station_milestones", ANY, DIST, STAT, NO, NO,
          NO, ANY, "a livelihood-project station's milestones"),
    ROLES("PATCH", "/api/v1/stations/{}/milestones", "station_milestones_patch", ANY, DIST, NO, NO,
          NO, NO, NO, "dates and notes of the milestones; If-Match"),
    ROLES("GET", "/api/v1/project", "project", ANY, DIST, NO, NO, NO, NO, ANY,
          "progress, batches, tier targets, lists; a district admin sees their districts"),
    ROLES("GET", "/api/v1/project.csv", "project_csv", ANY, DIST, NO, NO, NO, NO, ANY,
          "one list of project as CSV (list=districts|livelihood|not_on_maps|no_events)"),
    /* sessions and users */
    PUBLIC("POST", "/api/v1/session", "session_create", "log in"),
    SIGNED("GET", "/api/v1/session", "session_get", "who am I"),
    SIGNED("DELETE", "/api/v1/session", "session_delete", "log out"),
    SIGNED("POST", "/api/v1/session/password", "session_password", "change one's own password"),
    ROLES("GET", "/api/v1/users", "users_list", ANY, USERS, NO, NO, NO, NO, NO,
          "a district admin lists only their districts' users"),
    ROLES("POST", "/api/v1/users", "users_create", ANY, USERS, NO, NO, NO, NO, NO,
          "checked on the roles given"),
    ROLES("GET", "/api/v1/users/{}", "user_get", ANY, USERS, OWN, OWN, OWN, OWN, OWN,
          "one's own record: the other roles' columns (a district admin's lies in their districts)"),
    ROLES("PATCH", "/api/v1/users/{}", "user_patch", ANY, USERS, NO, NO, NO, NO, NO,
          "name, disabled, roles, password reset; checked on the user, and on the roles given"),
    /* the audit log (docs/internals/audit.md) */
    ROLES("GET", "/api/v1/audit", "audit_list", ANY, DIST, NO, NO, NO, NO, NO,
          "a district admin sees the entries of records in their districts"),
    ROLES("GET", "/api/v1/audit.csv", "audit_csv", ANY, DIST, NO, NO, NO, NO, NO,
          "the same filter as audit_list, as CSV"),
    /* photos (docs/internals/photos.md) */
    ROLES("POST", "/api/v1/photos", "photos_create", ANY, DIST, STAT, ANY, NO, NO, NO,
          "a raw image body; checked on ?station= when given"),
    PUBLIC("GET", "/api/v1/photos/{}/thumb.jpg", "photo_thumb", "as photo_get"),
    PUBLIC("GET", "/api/v1/photos/{}", "photo_get",
           "{sha256}.jpg: approved ones to all; others: see photo_unapproved"),
    VIEW("GET", "/api/v1/photos/{}", "photo_unapproved", ANY, DIST, STAT, ANY, ANY, NO, NO,
         "who sees a photo not yet approved (and its uploader); 404 to others"),
    ROLES("PATCH", "/api/v1/photos/{}", "photo_patch", ANY, DIST, NO, NO, ANY, NO, NO,
          "approve or reject; checked on the photo's station"),
    PUBLIC("GET", "/api/v1/stations/{}/photos", "station_photos", "approved ones"),
    /* the dashboard's statistics (docs/internals/stats.md) */
    ROLES("GET", "/api/v1/dashboard/visits", "dashboard_visits", ANY, DIST, NO, NO, NO, NO, ANY,
          "district: the `district` asked, or a district admin's only district"),
    ROLES("GET", "/api/v1/dashboard/visits.csv", "dashboard_visits_csv", ANY, DIST, NO, NO, NO,
          NO, ANY, "the same as dashboard_visits, as CSV"),
    ROLES("GET", "/api/v1/dashboard/events", "dashboard_events", ANY, DIST, NO, NO, NO, NO, ANY,
          "events held and sign-ups by month; district as dashboard_visits"),
    ROLES("GET", "/api/v1/dashboard/events.csv", "dashboard_events_csv", ANY, DIST, NO, NO, NO,
          NO, ANY, "the same as dashboard_events, as CSV"),
    ROLES("GET", "/api/v1/dashboard/ratings", "dashboard_ratings", ANY, DIST, NO, NO, NO, NO,
          ANY, "verified ratings by month, the lowest-rated stations; district as above"),
    ROLES("GET", "/api/v1/dashboard/ratings.csv", "dashboard_ratings_csv", ANY, DIST, NO, NO, NO,
          NO, ANY, "the same as dashboard_ratings, as CSV"),
    ROLES("GET", "/api/v1/dashboard/scores", "dashboard_scores", ANY, DIST, NO, NO, NO, NO, ANY,
          "inspection scores by dimension and month, each station's latest; district as above"),
    ROLES("GET", "/api/v1/dashboard/scores.csv", "dashboard_scores_csv", ANY, DIST, NO, NO, NO,
          NO, ANY, "the same as dashboard_scores, as CSV"),
    /* inspections (docs/internals/inspections.md) */
    PUBLIC("GET", "/api/v1/checklists", "checklists_list",
           "the standards and self-check lists (active versions; all=true for every version)"),
    PUBLIC("GET", "/api/v1/checklists/{}", "checklist_get", "one version, with its criteria"),
    ROLES("POST", "/api/v1/inspections", "inspections_create", ANY, DIST, NO, ANY, NO, NO, NO,
          "open or secret; checked on the station; idempotent by client_id"),
    ROLES("GET", "/api/v1/inspections", "inspections_list", ANY, DIST, STAT, ANY, NO, NO, NO,
          "filtered to what the user may read (an inspector: theirs; an operator: submitted "
          "ones); station= or district= outside the scope is 403"),
    ROLES("GET", "/api/v1/inspections/{}", "inspection_get", ANY, DIST, STAT, ASSIGNED, NO, NO,
          NO, "an operator reads only submitted ones (a draft is 404); by id or client_id"),
    ROLES("PATCH", "/api/v1/inspections/{}", "inspection_patch", ANY, DIST, NO, ASSIGNED, NO,
          NO, NO, "scores, notes, photo hashes of a draft; 409 once submitted"),
    ROLES("POST", "/api/v1/inspections/{}/submit", "inspection_submit", ANY, DIST, NO, ASSIGNED,
          NO, NO, NO, "idempotent: a second submit answers the same"),
    ROLES("GET", "/api/v1/stations/{}/scores", "station_scores", ANY, DIST, STAT, ANY, NO, NO,
          ANY, "latest scores per checklist and history (submitted inspections)"),
    ROLES("GET", "/api/v1/stations/{}/eligibility", "station_eligibility", ANY, DIST, STAT, ANY,
          NO, NO, ANY, "tier eligibility from the rules, with each rule's reason"),
    ROLES("POST", "/api/v1/officers", "officers_appoint", ANY, NO, NO, NO, NO, NO, NO,
          "appoint an experience officer by the code the worker shows"),
    ROLES("GET", "/api/v1/officers", "officers_list", ANY, NO, NO, NO, NO, NO, NO,
          "pseudonymous: id, appointment, revocation, inspections submitted (no worker id)"),
    ROLES("POST", "/api/v1/officers/{}/revoke", "officer_revoke", ANY, NO, NO, NO, NO, NO, NO,
          "with a reason; 409 when revoked already; the officer routes then answer 403"),
    ROLES("POST", "/api/v1/selfchecks", "selfchecks_create", ANY, DIST, STAT, NO, NO, NO, NO,
          "today's daily self-check of a station, submitted at once; one a station a local day "
          "(409), idempotent by client_id; checked on the station"),
    ROLES("GET", "/api/v1/selfchecks", "selfchecks_list", ANY, DIST, STAT, NO, NO, NO, ANY,
          "compliance: today's self-check of each station in scope, share of days over 7 / 30;"
          " station= or district= outside the scope is 403"),
    WORKER("POST", "/api/v1/officers/code", "officer_code",
           "a worker's short-lived appointment code, to show the union"),
    WORKER("GET", "/api/v1/officer", "officer_status",
           "whether the worker token is an active experience officer's"),
    WORKER("POST", "/api/v1/officer/photos", "officer_photos_create",
           "an experience officer's photo (raw body, as photos_create); 200 a day"),
    WORKER("POST", "/api/v1/officer/inspections", "officer_inspections_create",
           "an experience officer's inspection"),
    WORKER("GET", "/api/v1/officer/inspections", "officer_inspections_list",
           "the officer's own inspections"),
    WORKER("GET", "/api/v1/officer/inspections/{}", "officer_inspection_get", ""),
    WORKER("PATCH", "/api/v1/officer/inspections/{}", "officer_inspection_patch", ""),
    WORKER("POST", "/api/v1/officer/inspections/{}/submit", "officer_inspection_submit",
           "needs the officer's check-in at the station (409 without)"),
    /* rectification tasks and the inbox (docs/internals/tasks.md) */
    ROLES("GET", "/api/v1/tasks", "tasks_list", ANY, DIST, STAT, ANY, NO, NO, ANY,
          "filtered to what the user may read; station= or district= outside the scope is 403;"
          " assignee=me: the tasks one may answer (an operator's board)"),
    ROLES("GET", "/api/v1/tasks/{}", "task_get", ANY, DIST, STAT, ANY, NO, NO, ANY,
          "with its history; checked on the task's station"),
    ROLES("POST", "/api/v1/tasks/{}/answer", "task_answer", ANY, DIST, STAT, NO, NO, NO, NO,
          "what was done and photos; an open or reopened task (else 409)"),
    ROLES("POST", "/api/v1/tasks/{}/verify", "task_verify", ANY, DIST, NO, ANY, NO, NO, NO,
          "close or reopen an answered task; not by who answered it (403); closed twice: 409"),
    ROLES("POST", "/api/v1/reports/{}/task", "report_task", ANY, DIST, NO, NO, NO, NO, NO,
          "a problem report becomes a task of its station (once: 409 after)"),
    SIGNED("GET", "/api/v1/inbox", "inbox_list", "one's own notifications, newest first"),
    SIGNED("POST", "/api/v1/inbox/{}/read", "inbox_read", "mark one's own notification read"),
    /* station devices and live status (docs/internals/live.md) */
    ROLES("POST", "/api/v1/stations/{}/devices", "devices_create", ANY, DIST, STAT, NO, NO, NO,
          NO, "answers the device's key (only here and when rotated)"),
    ROLES("GET", "/api/v1/stations/{}/devices", "devices_list", ANY, DIST, STAT, NO, NO, NO, NO,
          "without keys"),
    ROLES("POST", "/api/v1/devices/{}/key", "device_key", ANY, DIST, STAT, NO, NO, NO, NO,
          "a new key; the old one stops working at once; checked on the device's station"),
    ROLES("PATCH", "/api/v1/devices/{}", "device_patch", ANY, DIST, STAT, NO, NO, NO, NO,
          "name, disabled; checked on the device's station"),
    ROLES("DELETE", "/api/v1/devices/{}", "device_delete", ANY, DIST, STAT, NO, NO, NO, NO,
          "checked on the device's station"),
    /* alarms (docs/internals/alarms.md) */
    ROLES("GET", "/api/v1/alarm-rules", "alarm_rules_list", ANY, ANY, ANY, NO, NO, NO, NO,
          "the rules and their durations, thresholds and acknowledgement windows"),
    ROLES("PATCH", "/api/v1/alarm-rules/{}", "alarm_rule_patch", ANY, NO, NO, NO, NO, NO, NO,
          "duration_s, threshold (ac_off_hot), ack_s, enabled"),
    ROLES("GET", "/api/v1/alarms", "alarms_list", ANY, DIST, STAT, NO, NO, NO, NO,
          "state=open|all, station=; rows outside the scope are left out (escalated ones"
          " included for the district)"),
    ROLES("POST", "/api/v1/alarms/evaluate", "alarms_evaluate", ANY, NO, NO, NO, NO, NO, NO,
          "evaluate the rules at once; at_ms only on a node started with --alarm-eval-s 0"),
    ROLES("POST", "/api/v1/alarms/{}/ack", "alarm_ack", ANY, DIST, STAT, NO, NO, NO, NO,
          "stops its escalation; twice: 409; checked on the alarm's station"),
    ROLES("POST", "/api/v1/alarms/{}/task", "alarm_task", ANY, DIST, STAT, NO, NO, NO, NO,
          "a rectification task of its station, linked both ways (once: 409 after)"),
    PUBLIC("POST", "/api/v1/devices/{}/readings", "device_readings_post",
           "the device signs the request with its key (HMAC, timestamp, nonce); rate-limited"),
    ROLES("GET", "/api/v1/devices/{}/readings", "device_readings", ANY, DIST, STAT, NO, NO, NO,
          NO, "the series, raw or hourly; checked on the device's station"),
    /* the web app */
    PUBLIC("GET", "/", "front", ""),
    PUBLIC("GET", "/s/{}", "web_checkin", ""),
    PUBLIC("GET", "/station/{}", "web_station", ""),
    PUBLIC("GET", "/event/{}", "web_event", "an event's page (link-preview tags)"),
    PUBLIC("GET", "/inspect", "web_inspect", "the experience officer's form"),
    PUBLIC("GET", "/inspect/{}", "web_inspect", ""),
    PUBLIC("GET", "/meals", "web_meals", "the worker's 10-yuan meals and pickup codes"),
    PUBLIC("GET", "/meals/{}", "web_meals", ""),
    PUBLIC("GET", "/admin", "web_admin", "the operators' console"),
    PUBLIC("GET", "/screen/{}", "web_screen",
           "a station's screen page (the key in the link's fragment never reaches the server)"),
    PUBLIC("GET", "/{}", "web_file", ""),
    PUBLIC("GET", "/assets/{}", "web_file", ""),
};

const yz_perm *yz__api_perms(size_t *n)
{
    *n = sizeof perms / sizeof *perms;
    return perms;
}

const yz_perm *yz__api_perm(const char *name)
{
    for (size_t i = 0; i < sizeof perms / sizeof *perms; i++)
        if (strcmp(perms[i].name, name) == 0)
            return &perms[i];
    return NULL;
}

static const char *const scope_names[YZ_SCOPE__COUNT] = {
    "no", "any", "district", "station", "canteen", "own", "text", "users", "assigned"};

const char *yz__api_scope_name(int scope)
{
    return scope >= 0 && scope < YZ_SCOPE__COUNT ? scope_names[scope] : "?";
}

typedef struct check_ctx {
    bool seen[sizeof perms / sizeof *perms];
    int bad;
} check_ctx;

static int check_route(void *arg, const char *method, const char *pattern, const char *name)
{
    check_ctx *c = arg;
    for (size_t i = 0; i < sizeof perms / sizeof *perms; i++)
        if (perms[i].access != YZ_ACCESS_VIEW && strcmp(perms[i].name, name) == 0 &&
            strcmp(perms[i].method, method) == 0 && strcmp(perms[i].pattern, pattern) == 0) {
            c->seen[i] = true;
            return 0;
        }
    yz_log_error("permissions: route %s %s (%s) has no row in api/permissions.c", method, pattern,
                 name);
    c->bad++;
    return 0;
}

int yz__api_perms_check(const yz_http_server *srv)
{
    check_ctx c = {{false}, 0};
    yz_http_each_route(srv, check_route, &c);
    for (size_t i = 0; i < sizeof perms / sizeof *perms; i++)
        if (!c.seen[i] && perms[i].access != YZ_ACCESS_VIEW) {
            yz_log_error("permissions: row %s %s (%s) names no route", perms[i].method,
                         perms[i].pattern, perms[i].name);
            c.bad++;
        }
    return c.bad;
}

/* --- the table written out ---------------------------------------------------------------------- */

static const char *access_name(int a)
{
    switch (a) {
    case YZ_ACCESS_PUBLIC: return "public";
    case YZ_ACCESS_WORKER: return "worker";
    case YZ_ACCESS_SIGNED_IN: return "signed_in";
    case YZ_ACCESS_VIEW: return "view";
    default: return "roles";
    }
}

void yz_api_permissions_tsv(yz_buf *out)
{
    yz_buf_puts(out, "method\tpattern\tname\taccess");
    for (int r = 0; r < YZ_ROLE__COUNT; r++)
        yz_buf_printf(out, "\t%s", yz_role_name(r));
    yz_buf_putc(out, '\n');
    for (size_t i = 0; i < sizeof perms / sizeof *perms; i++) {
        const yz_perm *p = &perms[i];
        yz_buf_printf(out, "%s\t%s\t%s\t%s", p->method, p->pattern, p->name,
                      access_name(p->access));
        for (int r = 0; r < YZ_ROLE__COUNT; r++) {
            int sc = p->access == YZ_ACCESS_ROLES || p->access == YZ_ACCESS_VIEW ? p->scope[r]
                     : p->access == YZ_ACCESS_WORKER                          ? YZ_SCOPE_NO
                                                                              : YZ_SCOPE_ANY;
            yz_buf_printf(out, "\t%s", yz__api_scope_name(sc));
        }
        yz_buf_putc(out, '\n');
    }
}

static const char *cell(const yz_perm *p, int role)
{
    switch (p->access) {
    case YZ_ACCESS_PUBLIC: return "✓ public";
    case YZ_ACCESS_WORKER: return "—";
    case YZ_ACCESS_SIGNED_IN: return "✓";
    default: break;
    }
    switch (p->scope[role]) {
    case YZ_SCOPE_ANY: return "✓";
    case YZ_SCOPE_DISTRICT: return "their districts";
    case YZ_SCOPE_STATION: return "their stations";
    case YZ_SCOPE_CANTEEN: return "their canteens";
    case YZ_SCOPE_OWN: return "own record";
    case YZ_SCOPE_TEXT: return "texts only";
    case YZ_SCOPE_USERS: return "their districts' users";
    case YZ_SCOPE_ASSIGNED: return "theirs";
    default: return "—";
    }
}

void yz_api_permissions_markdown(yz_buf *out)
{
    yz_buf_puts(out,
                "<!-- GENERATED by `yizhan permissions --markdown` from src/api/permissions.c;"
                " do not edit: tests/cli/run-cli.sh fails when they differ. -->\n"
                "# Permissions: role × endpoint × scope\n\n"
                "Who may call each route of the API. The server authorizes through this table "
                "only (`yz__api_authorize`, src/api/authz.c); `tests/api/910-permissions.sh` "
                "walks every route with every role and compares each status with it. "
                "Design: docs/internals/accounts.md.\n\n"
                "- **public**: anyone, no session needed (one sent is not read).\n"
                "- **worker**: a worker token (`Authorization: Bearer`), checked by the "
                "handler; no staff role calls these.\n"
                "- **✓**: the role may, on any record. **their districts**: the record's "
                "district (a station's, or the one a new record names) is one of the "
                "grant's district codes. **their stations**: the station is one of the "
                "grant's station ids, or its partner is a `partner=NAME` of the grant. "
                "**their canteens**: one of the grant's canteen ids. **own record**: the "
                "user's own. **texts only**: only publishing a held text. **their districts' "
                "users**: a user whose every role is scoped inside the grant's districts "
                "(district_admin of some of them, operator of their stations, canteen of "
                "canteens at their stations), before and after the change; city-wide roles, "
                "partner scopes and users without a role are the city admin's. **theirs**: a "
                "record the user opened or is assigned (an inspection). **—**: refused "
                "(403).\n"
                "- Refused without a valid session or token: 401 (no credential, a session "
                "that ended or expired, a disabled user's, a forged cookie); 403 for a wrong "
                "bearer token, a role or scope that does not allow it, and a cookie session "
                "whose unsafe request (POST, PATCH, PUT, DELETE) lacks the right "
                "`X-CSRF-Token`.\n"
                "- The configured admin token, when enabled, acts as `city_admin`.\n\n"
                "| method | route | name |");
    for (int r = 0; r < YZ_ROLE__COUNT; r++)
        yz_buf_printf(out, " %s |", yz_role_name(r));
    yz_buf_puts(out, " note |\n|---|---|---|");
    for (int r = 0; r < YZ_ROLE__COUNT; r++)
        yz_buf_puts(out, "---|");
    yz_buf_puts(out, "---|\n");
    for (size_t i = 0; i < sizeof perms / sizeof *perms; i++) {
        const yz_perm *p = &perms[i];
        const char *kind = p->access == YZ_ACCESS_WORKER    ? "worker token"
                           : p->access == YZ_ACCESS_VIEW    ? "view"
                           : p->access == YZ_ACCESS_SIGNED_IN ? "any signed-in user"
                                                              : "";
        yz_buf_printf(out, "| %s | `%s` | %s |", p->access == YZ_ACCESS_VIEW ? "(view)" : p->method,
                      p->pattern, p->name);
        for (int r = 0; r < YZ_ROLE__COUNT; r++)
            yz_buf_printf(out, " %s |", cell(p, r));
        yz_buf_printf(out, " %s%s%s |\n", kind, *kind && *p->note ? "; " : "", p->note);
    }
}
