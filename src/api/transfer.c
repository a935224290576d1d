/* SPDX-License-Identifier: MIT */
/* api/transfer.c - stations out and in as files, for the console's import and export screen
 * (docs/internals/console.md, "Import and export"): GET /api/v1/stations/export writes the
 * CLI export's columns as CSV or GeoJSON; POST /api/v1/stations/import reads a file with the
 * same readers and checks as `yizhan import`, all rows or none, and answers a report of what
 * it would change (dry run) or changed. */
#include "api/api_int.h"
#include "api/params.h"

#include "core/alloc.h"
#include "core/time.h"
#include "exchange/exchange.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define REPORT_ROWS_MAX 1000 /* rows listed per kind in a report; the counts are always whole */
#define AUDIT_CODES_MAX 100  /* station codes per kind kept in the audit entry */
#define SAME_DEGREES 5e-7    /* the export writes 7 decimals: closer positions are unchanged */

static yz_facility_list snap_facilities(const yz_snap *s)
{
    size_t n = yz_snap_facility_count(s);
    return (yz_facility_list){n ? yz_snap_facility(s, 0) : NULL, n};
}

static int format_parse(const char *w)
{
    return strcmp(w, "csv") == 0 ? 0 : strcmp(w, "geojson") == 0 ? 1 : -1;
}

/* --- export ---------------------------------------------------------------------------------- */

typedef struct export_args {
    int format; /* 0 csv, 1 geojson */
    const char *district;
} export_args;

static const yz_param export_params[] = {
    {"format", YZ_PARAM_WORD, offsetof(export_args, format), 0, 0, 0, 0, format_parse,
     "csv, geojson"},
    {"district", YZ_PARAM_TEXT, offsetof(export_args, district), 0, 31, 0, 0, NULL, NULL},
};

/* Every station the asker may export (a district admin: those of their districts), of one
 * district when `district` is given. CSV in UTF-8 with a BOM, so that spreadsheets read the
 * Chinese (the readers skip it), or GeoJSON; both with the CLI export's members. */
static void h_export(void *ctx, yz_http_req *req)
{
    yz_api *api = ctx;
    yz_errinfo ei;
    yz_err_clear(&ei);
    export_args a;
    int err = yz__api_authorize(api, req, "stations_export", NULL, &ei);
    if (!err)
        err = YZ_API_PARAMS(req, export_params, &a, &ei);
    if (err) {
        yz_api_error(req, &ei);
        return;
    }
    const yz_state_view *view = yz_state_acquire(api->state);
    const yz_snap *s = yz_state_snap(view);
    if (a.district) {
        yz_target t = {0};
        snprintf(t.district, sizeof t.district, "%s", a.district);
        if (yz_snap_find_district(s, a.district) < 0)
            err = yz_err_setf(&ei, YZ_EINVAL, "district", "未知的区县代码 %.20s",
                              "unknown district code %.20s", a.district);
        else
            err = yz__api_authorize(api, req, "stations_export", &t, &ei);
    }
    if (err) {
        yz_state_release(api->state, view);
        yz_api_error(req, &ei);
        return;
    }
    size_t n = yz_snap_count(s), m = 0;
    yz_station *sel = yz_calloc(n + 1, sizeof *sel); /* shallow copies: strings borrowed */
    for (size_t i = 0; i < n; i++) {
        yz_station st_buf;
        const yz_station *st = yz_snap_station_get(s, i, &st_buf);
        if (a.district && strcmp(st->district_code, a.district) != 0)
            continue;
        yz_target t = {0};
        yz__api_target_of(st, &t);
        if (!yz__api_may(api, req, "stations_export", &t))
            continue;
        sel[m] = *st;
        /* A station written through the API since the last full load carries no district
         * name in the snapshot (the store fills it only when reading): take the district's. */
        long d = yz_snap_find_district(s, st->district_code);
        if (d >= 0)
            sel[m].district_name = yz_snap_district(s, (size_t)d)->name;
        m++;
    }
    yz_buf b;
    yz_buf_init(&b);
    if (a.format == 0) {
        yz_buf_puts(&b, "\xEF\xBB\xBF");
        yz_exchange_write_csv(sel, m, snap_facilities(s), &b);
    } else {
        yz_exchange_write_geojson(sel, m, snap_facilities(s), &b);
    }
    yz_free(sel);
    yz_state_release(api->state, view);
    char disp[96];
    snprintf(disp, sizeof disp, "attachment; filename=\"stations%s%s.%s\"", a.district ? "-" : "",
             a.district ? a.district : "", a.format == 0 ? "csv" : "geojson");
    yz_http_add_header(req, "Cache-Control", "no-store");
    yz_http_add_header(req, "Content-Disposition", disp);
    yz_http_respond(
        req, 200, a.format == 0 ? "text/csv; charset=utf-8" : "application/geo+json; charset=utf-8",
        &b);
}

/* --- import: the report ---------------------------------------------------------------------- */

typedef struct report {
    yz_buf create, update, errors, districts; /* JSON array members, comma-separated */
    yz_buf created_codes, updated_codes;      /* for the audit entry */
    size_t n_create, n_update, n_unchanged, n_error, n_districts;
    bool truncated;
    yz_errinfo first;  /* the first error, for the answer's error members */
    char district[32]; /* the one district every row written is in, or "" */
    bool several_districts;
} report;

static void report_init(report *r)
{
    memset(r, 0, sizeof *r);
    yz_buf_init(&r->create);
    yz_buf_init(&r->update);
    yz_buf_init(&r->errors);
    yz_buf_init(&r->districts);
    yz_buf_init(&r->created_codes);
    yz_buf_init(&r->updated_codes);
    yz_err_clear(&r->first);
}

static void report_fini(report *r)
{
    yz_buf_fini(&r->create);
    yz_buf_fini(&r->update);
    yz_buf_fini(&r->errors);
    yz_buf_fini(&r->districts);
    yz_buf_fini(&r->created_codes);
    yz_buf_fini(&r->updated_codes);
}

static void json_str(yz_buf *b, const char *v)
{
    if (v)
        yz_buf_json_str(b, v, strlen(v));
    else
        yz_buf_puts(b, "null");
}

/* An error of row `where` (0: the file's) with station `code` (NULL: unknown). */
static void report_error(report *r, size_t where, const char *code, const yz_errinfo *ei)
{
    if (!r->n_error++)
        r->first = *ei;
    if (r->n_error > REPORT_ROWS_MAX) {
        r->truncated = true;
        return;
    }
    yz_buf *b = &r->errors;
    if (b->len)
        yz_buf_putc(b, ',');
    yz_buf_puts(b, "{\"line\":");
    if (where)
        yz_buf_int(b, (long long)where);
    else
        yz_buf_puts(b, "null");
    yz_buf_puts(b, ",\"code\":");
    json_str(b, code);
    yz_buf_json_member_str(b, "field", ei->field);
    yz_buf_json_member_str(b, "error", yz_err_name(ei->code));
    yz_buf_json_member_str(b, "message", ei->msg);
    yz_buf_json_member_str(b, "message_en", ei->msg_en);
    yz_buf_putc(b, '}');
}

static void note_district(report *r, const char *code)
{
    if (!r->district[0] && !r->several_districts)
        snprintf(r->district, sizeof r->district, "%s", code);
    else if (strcmp(r->district, code) != 0) {
        r->several_districts = true;
        r->district[0] = '\0';
    }
}

static void add_code(yz_buf *b, size_t count, const char *code)
{
    if (count > AUDIT_CODES_MAX)
        return;
    if (b->len)
        yz_buf_putc(b, ',');
    json_str(b, code);
}

/* --- import: comparing a row with the stored station ----------------------------------------- */

static bool same_text(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "") == 0;
}

/* Append one change {"field","from","to"} (texts; NULL is null) to `b`. */
static void change(yz_buf *b, int *nc, const char *field, const char *from, const char *to)
{
    yz_buf_puts(b, (*nc)++ ? ",{\"field\":" : "{\"field\":");
    json_str(b, field);
    yz_buf_puts(b, ",\"from\":");
    json_str(b, from);
    yz_buf_puts(b, ",\"to\":");
    json_str(b, to);
    yz_buf_putc(b, '}');
}

static void change_text(yz_buf *b, int *nc, const char *field, const char *from, const char *to)
{
    if (!same_text(from, to))
        change(b, nc, field, from && *from ? from : NULL, to && *to ? to : NULL);
}

static void change_num(yz_buf *b, int *nc, const char *field, double from, double to, int dec)
{
    char f[40], t[40];
    snprintf(f, sizeof f, "%.*f", dec, from);
    snprintf(t, sizeof t, "%.*f", dec, to);
    if (strcmp(f, t) != 0)
        change(b, nc, field, f, t);
}

static void change_time(yz_buf *b, int *nc, const char *field, int64_t from, int64_t to)
{
    char f[32] = "", t[32] = "";
    if (from == to)
        return;
    if (from)
        yz_time_format_iso8601(from, 480, f);
    if (to)
        yz_time_format_iso8601(to, 480, t);
    change(b, nc, field, from ? f : NULL, to ? t : NULL);
}

/* Fill what the file does not carry from the stored station `old` (the CSV has no tz,
 * closed_reason or closed_until; a GeoJSON feature may leave them out): an import never
 * clears them. A position within SAME_DEGREES of the stored one is the stored one. Then write
 * the changes from `old` to `row` into `b` (members of an array) and return their count. */
static int diff_row(yz_station *row, const yz_station *old, yz_facility_list fac, yz_buf *b)
{
    if (!row->tz && old->tz)
        row->tz = yz_strdup(old->tz);
    if (!row->closed_reason && old->closed_reason)
        row->closed_reason = yz_strdup(old->closed_reason);
    if (!row->closed_until)
        row->closed_until = old->closed_until;
    if (fabs(row->lat - old->lat) < SAME_DEGREES && fabs(row->lon - old->lon) < SAME_DEGREES) {
        row->lat = old->lat;
        row->lon = old->lon;
    }
    int nc = 0;
    change_text(b, &nc, "name", old->name, row->name);
    change_text(b, &nc, "address", old->address, row->address);
    change_text(b, &nc, "district_code", old->district_code, row->district_code);
    change_num(b, &nc, "lat", old->lat, row->lat, 7);
    change_num(b, &nc, "lon", old->lon, row->lon, 7);
    change_text(b, &nc, "tier", yz_tier_name(old->tier), yz_tier_name(row->tier));
    change_text(b, &nc, "partner_kind", yz_partner_name(old->partner_kind),
                yz_partner_name(row->partner_kind));
    change_text(b, &nc, "partner_name", old->partner_name, row->partner_name);
    if (old->facilities != row->facilities) {
        yz_buf f, t;
        yz_buf_init(&f);
        yz_buf_init(&t);
        yz_exchange_facility_codes(old->facilities, fac, ";", &f);
        yz_exchange_facility_codes(row->facilities, fac, ";", &t);
        change(b, &nc, "facilities", f.len ? f.data : NULL, t.len ? t.data : NULL);
        yz_buf_fini(&f);
        yz_buf_fini(&t);
    }
    change_text(b, &nc, "opening_hours", old->opening_hours, row->opening_hours);
    change_text(b, &nc, "status", yz_status_name(old->status), yz_status_name(row->status));
    change_text(b, &nc, "phone", old->phone, row->phone);
    change_num(b, &nc, "seats", old->seats, row->seats, 0);
    change_text(b, &nc, "livelihood", old->livelihood ? "true" : "false",
                row->livelihood ? "true" : "false");
    change_text(b, &nc, "batch", yz_batch_name(old->batch), yz_batch_name(row->batch));
    if (old->online_maps != row->online_maps) {
        char f[64], t[64];
        yz_maps_format(old->online_maps, ";", f, sizeof f);
        yz_maps_format(row->online_maps, ";", t, sizeof t);
        change(b, &nc, "online_maps", *f ? f : NULL, *t ? t : NULL);
    }
    change_text(b, &nc, "tz", old->tz, row->tz);
    change_text(b, &nc, "closed_reason", old->closed_reason, row->closed_reason);
    change_time(b, &nc, "closed_until", old->closed_until, row->closed_until);
    return nc;
}

/* --- import: the handler --------------------------------------------------------------------- */

typedef struct import_args {
    bool dry_run;
    int format; /* -1: from the Content-Type, or the content */
} import_args;

static const yz_param import_params[] = {
    {"dry_run", YZ_PARAM_BOOL, offsetof(import_args, dry_run), 0, 0, 1, 0, NULL, NULL},
    {"format", YZ_PARAM_WORD, offsetof(import_args, format), 0, 0, -1, 0, format_parse,
     "csv, geojson"},
};

/* The format a Content-Type names: 0 CSV, 1 GeoJSON, 2 either (plain text, bytes), -1 none
 * we take. */
static int content_format(const char *ct)
{
    size_t len = strcspn(ct, "; ");
    static const struct {
        const char *type;
        int format;
    } types[] = {{"text/csv", 0},
                 {"application/csv", 0},
                 {"application/vnd.ms-excel", 0}, /* what some systems call a .csv file */
                 {"application/geo+json", 1},
                 {"application/json", 1},
                 {"text/plain", 2},
                 {"application/octet-stream", 2}};
    for (size_t i = 0; i < sizeof types / sizeof *types; i++)
        if (strlen(types[i].type) == len && strncasecmp(types[i].type, ct, len) == 0)
            return types[i].format;
    return -1;
}

/* The format of a body by its first character after a BOM and white space: '{' GeoJSON. */
static int sniff_format(const char *d, size_t len)
{
    size_t i = len >= 3 && memcmp(d, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
    while (i < len && strchr(" \t\r\n", d[i]))
        i++;
    return i < len && d[i] == '{' ? 1 : 0;
}

static int body_format(yz_http_req *req, int asked, const char *body, size_t len, yz_errinfo *ei)
{
    const char *ct = yz_http_header(req, "Content-Type");
    int by_type = ct ? content_format(ct) : 2;
    if (by_type < 0)
        return yz_err_set(ei, YZ_EINVAL, "Content-Type",
                          "导入文件须为 text/csv 或 application/geo+json",
                          "the file must be text/csv or application/geo+json"),
               -1;
    if (asked >= 0 && by_type != 2 && by_type != asked)
        return yz_err_set(ei, YZ_EINVAL, "Content-Type", "Content-Type 与 format 不一致",
                          "Content-Type does not match format"),
               -1;
    if (asked >= 0)
        return asked;
    return by_type != 2 ? by_type : sniff_format(body, len);
}

static void write_summary(yz_buf *b, const report *r, bool dry_run, bool applied, int format,
                          size_t rows)
{
    yz_buf_printf(b,
                  "\"dry_run\":%s,\"applied\":%s,\"format\":\"%s\",\"rows\":%zu,"
                  "\"counts\":{\"create\":%zu,\"update\":%zu,\"unchanged\":%zu,\"error\":%zu,"
                  "\"new_districts\":%zu}",
                  dry_run ? "true" : "false", applied ? "true" : "false",
                  format ? "geojson" : "csv", rows, r->n_create, r->n_update, r->n_unchanged,
                  r->n_error, r->n_districts);
}

/* Check every row against the snapshot and the asker's scope, and compare it with the stored
 * station of its code; fills the report and marks in `write` the rows that create or change a
 * station. */
static void check_rows(yz_api *api, yz_http_req *req, const yz_snap *s, yz_station *rows, size_t n,
                       const size_t *where, const yz_district *dist, size_t nd, bool *write,
                       report *r)
{
    yz_facility_list fac = snap_facilities(s);
    yz_target none = {0};
    /* a district not yet known is created by the import, for a role with every district */
    bool may_add_districts = yz__api_may(api, req, "stations_import", &none);
    yz_buf ch;
    yz_buf_init(&ch);
    for (size_t i = 0; i < n; i++) {
        yz_station *row = &rows[i];
        yz_errinfo ei;
        yz_err_clear(&ei);
        yz_target t = {0};
        yz__api_target_of(row, &t);
        long j = yz_snap_find_code(s, row->code);
        const yz_station *old = j >= 0 ? yz_snap_station_get(s, (size_t)j, &(yz_station){0}) : NULL;
        bool new_district = yz_snap_find_district(s, row->district_code) < 0;
        if (!yz__api_may(api, req, "stations_import", &t) || (new_district && !may_add_districts)) {
            yz_err_setf(&ei, YZ_EFORBIDDEN, "district_code", "区县 %.20s 不在你的管辖范围内",
                        "district %.20s is outside your scope", row->district_code);
        } else if (old) {
            yz_target to = {0};
            yz__api_target_of(old, &to);
            if (!yz__api_may(api, req, "stations_import", &to))
                yz_err_setf(&ei, YZ_EFORBIDDEN, "code", "驿站 %.32s 不在你的管辖范围内",
                            "station %.32s is outside your scope", row->code);
        }
        if (ei.code) {
            report_error(r, where[i], row->code, &ei);
            continue;
        }
        if (!old) {
            write[i] = true;
            note_district(r, row->district_code);
            r->n_create++;
            add_code(&r->created_codes, r->n_create, row->code);
            if (r->n_create > REPORT_ROWS_MAX) {
                r->truncated = true;
                continue;
            }
            yz_buf *b = &r->create;
            yz_buf_printf(b, "%s{\"line\":%zu,\"code\":", b->len ? "," : "", where[i]);
            json_str(b, row->code);
            yz_buf_json_member_str(b, "name", row->name);
            yz_buf_json_member_str(b, "district_code", row->district_code);
            yz_buf_putc(b, '}');
            continue;
        }
        yz_buf_reset(&ch);
        if (!diff_row(row, old, fac, &ch)) {
            r->n_unchanged++;
            continue;
        }
        write[i] = true;
        note_district(r, row->district_code);
        r->n_update++;
        add_code(&r->updated_codes, r->n_update, row->code);
        if (r->n_update > REPORT_ROWS_MAX) {
            r->truncated = true;
            continue;
        }
        yz_buf *b = &r->update;
        yz_buf_printf(b, "%s{\"line\":%zu,\"id\":%lld,\"code\":", b->len ? "," : "", where[i],
                      (long long)old->id);
        json_str(b, row->code);
        yz_buf_json_member_str(b, "name", row->name);
        yz_buf_puts(b, ",\"changes\":[");
        yz_buf_append(b, ch.data, ch.len);
        yz_buf_puts(b, "]}");
    }
    yz_buf_fini(&ch);
    for (size_t k = 0; k < nd; k++) { /* the file's districts (each once) not yet known */
        if (yz_snap_find_district(s, dist[k].code) >= 0)
            continue;
        if (r->districts.len)
            yz_buf_putc(&r->districts, ',');
        json_str(&r->districts, dist[k].code);
        r->n_districts++;
    }
}

/* All rows or none, as `yizhan import`: the rows are read with the CLI's readers and checked
 * against the districts, the facilities and the asker's scope; any error and nothing is
 * written. Rows equal to the stored station are not written (their version stays). A dry run
 * answers what the import would: the same report and the same status (400 for a bad row, 403
 * for a row outside the asker's districts), and writes nothing. */
static void h_import(void *ctx, yz_http_req *req)
{
    yz_api *api = ctx;
    yz_errinfo ei;
    yz_err_clear(&ei);
    import_args a;
    size_t len = 0;
    const char *body = yz_http_body(req, &len);
    int err = yz__api_authorize(api, req, "stations_import", NULL, &ei);
    if (!err)
        err = YZ_API_PARAMS(req, import_params, &a, &ei);
    int format = err ? -1 : body_format(req, a.format, body, len, &ei);
    if (!err && format < 0)
        err = ei.code;
    if (!err && len == 0)
        err = yz_err_set(&ei, YZ_EINVAL, "body", "导入文件为空", "the import file is empty");
    if (err) {
        yz_api_error(req, &ei);
        return;
    }
    if (a.dry_run) /* changes nothing: not a write for the audit log */
        yz__api_audit_cancel(req);
    report r;
    report_init(&r);
    yz_station *rows = NULL;
    yz_district *dist = NULL;
    size_t n = 0, nd = 0, *where = NULL, err_where = 0;
    bool applied = false;
    if (!a.dry_run)
        yz_state_lock(api->state);
    const yz_state_view *view = yz_state_acquire(api->state);
    const yz_snap *s = yz_state_snap(view);
    bool *write = NULL;
    if (yz_exchange_read_report(format == 1, body, len, snap_facilities(s), &rows, &n, &dist, &nd,
                                &where, &err_where, &ei)) {
        report_error(&r, err_where, NULL, &ei);
    } else {
        write = yz_calloc(n + 1, sizeof *write);
        check_rows(api, req, s, rows, n, where, dist, nd, write, &r);
    }
    yz_state_release(api->state, view);
    int status = 200;
    if (r.n_error) {
        status = yz_api_status(r.first.code);
    } else if (!a.dry_run && r.n_create + r.n_update) {
        yz_station *w = yz_calloc(r.n_create + r.n_update + 1, sizeof *w);
        size_t m = 0;
        for (size_t i = 0; i < n; i++)
            if (write[i])
                w[m++] = rows[i]; /* shallow: the strings stay rows[i]'s */
        yz_import_counts cnt;
        err = yz_store_import(api->st, w, m, dist, nd, &cnt, &ei);
        yz_free(w);
        if (!err) {
            yz_state_republish_all(api->state);
            applied = true;
        }
    } else if (!a.dry_run) {
        applied = true; /* nothing to change */
    }
    if (!a.dry_run)
        yz_state_unlock(api->state);
    if (!a.dry_run) { /* the audit entry: counts and codes, whatever the report's size */
        yz_buf sum;
        yz_buf_init(&sum);
        yz_buf_putc(&sum, '{');
        write_summary(&sum, &r, false, applied, format, n);
        yz_buf_printf(&sum, ",\"created_codes\":[%s],\"updated_codes\":[%s]}",
                      r.created_codes.len ? r.created_codes.data : "",
                      r.updated_codes.len ? r.updated_codes.data : "");
        yz__api_audit_record(req, "station", 0, r.district);
        yz__api_audit_after(req, sum.data);
        yz_buf_fini(&sum);
    }
    if (err) { /* the store refused the write (a race with another writer, a database error) */
        yz_api_error(req, &ei);
        goto out;
    }
    yz_buf b;
    yz_buf_init(&b);
    yz_buf_putc(&b, '{');
    if (status != 200) {
        /* refused (a dry run says it would be): the error members of every error answer,
         * then the report */
        yz__api_audit_error(req, &r.first);
        yz_buf_puts(&b, "\"error\":");
        json_str(&b, yz_err_name(r.first.code));
        yz_buf_json_member_str(&b, "field", r.first.field);
        yz_buf_json_member_str(&b, "message", r.first.msg);
        yz_buf_json_member_str(&b, "message_en", r.first.msg_en);
        yz_buf_putc(&b, ',');
    }
    write_summary(&b, &r, a.dry_run, applied, format, n);
    yz_buf_printf(&b, ",\"new_districts\":[%s],\"create\":[%s],\"update\":[%s],\"errors\":[%s]",
                  r.districts.len ? r.districts.data : "", r.create.len ? r.create.data : "",
                  r.update.len ? r.update.data : "", r.errors.len ? r.errors.data : "");
    yz_buf_printf(&b, ",\"truncated\":%s}\n", r.truncated ? "true" : "false");
    yz_http_add_header(req, "Cache-Control", "no-store");
    yz_http_respond(req, status, YZ_JSON, &b);
out:
    yz_free(write);
    yz_free(where);
    yz_station_array_free(rows, n);
    yz_exchange_districts_free(dist, nd);
    report_fini(&r);
}

void yz__api_register_transfer(yz_api *api, yz_http_server *srv)
{
    /* Both walk every station: they run in the expensive slots, as stations.geojson does. */
    yz_http_route_expensive(srv, "GET", "/api/v1/stations/export", "stations_export", h_export,
                            api);
    yz_http_route_expensive(srv, "POST", "/api/v1/stations/import", "stations_import", h_import,
                            api);
    yz_http_route_max_body(srv, YZ_API_IMPORT_MAX_BODY);
}
