/* SPDX-License-Identifier: MIT */
/* tests/unit/test_reports.c - problem reports: the form-urlencoded parser of api/reports.c
 * (percent-decoding, '+', bad escapes, invalid UTF-8, repeats, empty values), the lifecycle
 * rule, and the SQLite reports area (services seeded, create, filters, transitions allowed
 * and refused, nothing changed by a refused one, the station deleted under a report, a read
 * error part-way through a list). */
#include "testdb.h"
#include "model/facility.h"
#include "store/db.h"
#include "store/reports.h"
#include "store/store.h"

#include "core/alloc.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* The parser's prototypes, as defined in src/api/reports.c. */
#include "api/form.h"


static int parse(const char *body, yz_form *f, yz_errinfo *ei)
{
    return yz__form_parse(body, strlen(body), f, ei);
}

/* --- form parser ---------------------------------------------------------------------------- */

Test(form, decodes_percent_and_plus)
{
    yz_form f;
    yz_errinfo ei;
    cr_assert_eq(parse("description=%E9%A5%AE%E6%B0%B4+no%20water%2b1&attribute%5Bstation_code%5D"
                       "=WZ0001&a+b=c",
                       &f, &ei),
                 YZ_OK, "%s", ei.msg_en);
    cr_assert_eq(f.n, 3);
    cr_assert_str_eq(f.pairs[0].key, "description");
    cr_assert_str_eq(f.pairs[0].val, "饮水 no water+1");
    cr_assert_str_eq(f.pairs[1].key, "attribute[station_code]");
    cr_assert_str_eq(f.pairs[1].val, "WZ0001");
    cr_assert_str_eq(f.pairs[2].key, "a b");
    cr_assert_str_eq(f.pairs[2].val, "c");
    const char *v;
    cr_assert_eq(yz__form_get(&f, "attribute[station_code]", &v, &ei), YZ_OK);
    cr_assert_str_eq(v, "WZ0001");
    cr_assert_eq(yz__form_get(&f, "missing", &v, &ei), YZ_OK);
    cr_assert_null(v);
    yz__form_fini(&f);
}

Test(form, empty_values_and_pieces)
{
    yz_form f;
    yz_errinfo ei;
    cr_assert_eq(parse("&a=&&b&c==x&", &f, &ei), YZ_OK, "%s", ei.msg_en);
    cr_assert_eq(f.n, 3);
    cr_assert_str_eq(f.pairs[0].key, "a");
    cr_assert_str_eq(f.pairs[0].val, "");
    cr_assert_str_eq(f.pairs[1].key, "b");
    cr_assert_str_eq(f.pairs[1].val, "");
    cr_assert_str_eq(f.pairs[2].key, "c");
    cr_assert_str_eq(f.pairs[2].val, "=x");
    yz__form_fini(&f);
    cr_assert_eq(parse("", &f, &ei), YZ_OK);
    cr_assert_eq(f.n, 0);
    yz__form_fini(&f);
}

Test(form, rejects_bad_escapes)
{
    const char *bad[] = {"a=%", "a=%4", "a=%G1", "a=%1G", "a=100%", "a=%%41", "a%=1"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        yz_form f;
        yz_errinfo ei;
        yz_err_clear(&ei);
        cr_assert_eq(parse(bad[i], &f, &ei), YZ_EINVAL, "%s accepted", bad[i]);
        cr_assert_eq(f.n, 0);
        cr_assert_null(f.pairs);
        cr_assert_str_eq(ei.field, i < 6 ? "a" : "body", "%s: field %s", bad[i], ei.field);
    }
}

Test(form, rejects_invalid_utf8_and_nul)
{
    const char *bad[] = {"d=%FF",               /* never valid */
                         "d=%C3%28",            /* broken two-byte sequence */
                         "d=%E9%A5",            /* truncated */
                         "d=%C0%AF",            /* overlong '/' */
                         "d=%ED%A0%80",         /* surrogate */
                         "d=a%00b",             /* NUL */
                         "ok=1&d=%F4%90%80%80", /* past U+10FFFF */
                         "d=\xff"};             /* raw byte, not escaped */
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        yz_form f;
        yz_errinfo ei;
        yz_err_clear(&ei);
        cr_assert_eq(parse(bad[i], &f, &ei), YZ_EINVAL, "case %zu accepted", i);
        cr_assert_str_eq(ei.field, "d");
        cr_assert_eq(f.n, 0);
    }
    yz_form f;
    yz_errinfo ei;
    cr_assert_eq(parse("%FF=1", &f, &ei), YZ_EINVAL);
    cr_assert_str_eq(ei.field, "body");
    cr_assert_eq(parse("=1", &f, &ei), YZ_EINVAL, "an empty key");
}

Test(form, repeated_keys_kept_and_refused_by_get)
{
    yz_form f;
    yz_errinfo ei;
    cr_assert_eq(parse("service_code=dirty&x=1&service_code=other", &f, &ei), YZ_OK);
    cr_assert_eq(f.n, 3);
    cr_assert_str_eq(f.pairs[2].val, "other");
    const char *v = "unchanged";
    cr_assert_eq(yz__form_get(&f, "service_code", &v, &ei), YZ_EINVAL);
    cr_assert_str_eq(ei.field, "service_code");
    cr_assert_eq(yz__form_get(&f, "x", &v, &ei), YZ_OK);
    cr_assert_str_eq(v, "1");
    yz__form_fini(&f);
}

Test(form, caps_pair_count_and_handles_binary_length)
{
    char body[64 * 4 + 8];
    for (int i = 0; i < 65; i++)
        memcpy(body + 4 * i, "a=1&", 4);
    body[65 * 4] = '\0';
    yz_form f;
    yz_errinfo ei;
    cr_assert_eq(parse(body, &f, &ei), YZ_EINVAL);
    cr_assert_str_eq(ei.field, "body");
    body[64 * 4] = '\0';
    cr_assert_eq(parse(body, &f, &ei), YZ_OK);
    cr_assert_eq(f.n, 64);
    yz__form_fini(&f);
    /* The length is the body's: bytes after it are not read. */
    cr_assert_eq(yz__form_parse("a=1&b=2", 3, &f, &ei), YZ_OK);
    cr_assert_eq(f.n, 1);
    yz__form_fini(&f);
}

/* --- lifecycle rule ------------------------------------------------------------------------ */

Test(lifecycle, forward_only_and_reasons)
{
    yz_errinfo ei;
    int N = YZ_REASON_NONE;
    cr_assert_eq(yz_report_check_transition(YZ_REPORT_OPEN, YZ_REPORT_ACKNOWLEDGED, N, &ei), 0);
    cr_assert_eq(yz_report_check_transition(YZ_REPORT_OPEN, YZ_REPORT_IN_PROGRESS, N, &ei), 0);
    cr_assert_eq(yz_report_check_transition(YZ_REPORT_ACKNOWLEDGED, YZ_REPORT_IN_PROGRESS, N, &ei),
                 0);
    for (int from = 0; from < YZ_REPORT_CLOSED; from++)
        for (int r = 0; r < YZ_REASON__COUNT; r++)
            cr_assert_eq(yz_report_check_transition(from, YZ_REPORT_CLOSED, r, &ei), YZ_OK);
    for (int from = 0; from < YZ_REPORT__COUNT; from++)
        for (int to = 0; to <= from; to++) {
            cr_assert_eq(yz_report_check_transition(from, to, N, &ei), YZ_ECONFLICT, "%d -> %d",
                         from, to);
            cr_assert_str_eq(ei.field, "status");
        }
    cr_assert_eq(yz_report_check_transition(YZ_REPORT_OPEN, YZ_REPORT_CLOSED, N, &ei), YZ_EINVAL);
    cr_assert_str_eq(ei.field, "reason");
    cr_assert_eq(
        yz_report_check_transition(YZ_REPORT_OPEN, YZ_REPORT_ACKNOWLEDGED, YZ_REASON_FIXED, &ei),
        YZ_EINVAL);
    cr_assert_str_eq(ei.field, "reason");
    cr_assert_eq(yz_report_check_transition(YZ_REPORT_OPEN, 7, N, &ei), YZ_EINVAL);
    cr_assert_str_eq(yz_report_status_name(YZ_REPORT_IN_PROGRESS), "in_progress");
    cr_assert_eq(yz_report_status_parse("closed"), YZ_REPORT_CLOSED);
    cr_assert_eq(yz_report_status_parse("Closed"), -1);
    cr_assert_eq(yz_report_reason_parse("not_reproducible"), YZ_REASON_NOT_REPRODUCIBLE);
    cr_assert_eq(yz_report_reason_parse(NULL), -1);
}

/* --- store ----------------------------------------------------------------------------------- */

static char path[64];
static yz_store *st;
static int64_t sid;

static void setup(void)
{
    snprintf(path, sizeof path, "/tmp/yz-test-reports-%d.db", (int)getpid());
    unlink(path);
    yz_errinfo ei;
    cr_assert_eq(yz_store_open(path, &st, &ei), YZ_OK, "%s", ei.msg_en);
    yz_district d = {
        .code = yz_strdup("330302"), .name = yz_strdup("鹿城区"), .name_hant = yz_strdup("鹿城區")};
    yz_station s;
    yz_station_init(&s);
    s.code = yz_strdup("T-1");
    s.name = yz_strdup("测试驿站");
    s.address = yz_strdup("测试路 1 号");
    s.district_code = yz_strdup("330302");
    s.lat = 28.0;
    s.lon = 120.65;
    yz_import_counts c;
    cr_assert_eq(yz_store_import(st, &s, 1, &d, 1, &c, &ei), YZ_OK, "%s", ei.msg_en);
    sid = s.id;
    cr_assert(sid > 0);
    yz_station_fini(&s);
    yz_district_fini(&d);
}

static void teardown(void)
{
    yz_store_close(st);
    st = NULL;
    yz_test_remove_db(path);
}

/* A report of `service` at station `station` (0: one whose station was deleted): its id, or
 * minus the error. Two of one service at one station join (see joins_the_open_report). */
static int64_t make_at(const char *service, int64_t station, yz_errinfo *ei)
{
    yz_report r;
    yz_report_init(&r);
    r.service_code = yz_strdup(service);
    r.station_id = station;
    r.station_code = yz_strdup("T-1");
    r.address = yz_strdup("测试驿站，测试路 1 号");
    r.description = yz_strdup("饮水机不出水");
    r.lat = 28.0;
    r.lon = 120.65;
    int err = yz_store_report_create(st, &r, ei);
    int64_t id = err ? -err : r.id;
    if (!err) {
        cr_assert_eq(r.status, YZ_REPORT_OPEN);
        cr_assert(r.requested_at > 0 && r.updated_at == r.requested_at);
    }
    yz_report_fini(&r);
    return id;
}

static int64_t make(const char *service, yz_errinfo *ei)
{
    return make_at(service, sid, ei);
}

TestSuite(reports, .init = setup, .fini = teardown);

Test(reports, services_are_seeded_in_order)
{
    yz_report_service *svc;
    size_t n;
    yz_errinfo ei;
    cr_assert_eq(yz_store_report_services(st, &svc, &n, &ei), YZ_OK, "%s", ei.msg_en);
    const char *want[] = {"water_dispenser_broken",
                          "toilet_unusable",
                          "closed_unexpectedly",
                          "battery_swap_unavailable",
                          "ac_broken",
                          "dirty",
                          "other"};
    cr_assert_eq(n, 7);
    for (size_t i = 0; i < n; i++) {
        cr_assert_str_eq(svc[i].code, want[i]);
        cr_assert(svc[i].metadata);
        cr_assert(strlen(svc[i].name) > 0 && strlen(svc[i].name_en) > 0);
    }
    cr_assert_str_eq(svc[0].name, "饮水机故障");
    yz_report_service_array_free(svc, n);
}

Test(reports, create_get_and_unknown_service)
{
    yz_errinfo ei;
    int64_t id = make("water_dispenser_broken", &ei);
    cr_assert(id > 0, "%s", ei.msg_en);
    yz_report r;
    cr_assert_eq(yz_store_report_get(st, id, &r, &ei), YZ_OK);
    cr_assert_str_eq(r.service_code, "water_dispenser_broken");
    cr_assert_eq(r.station_id, sid);
    cr_assert_str_eq(r.description, "饮水机不出水");
    cr_assert_eq(r.status, YZ_REPORT_OPEN);
    cr_assert_eq(r.reason, YZ_REASON_NONE);
    cr_assert_null(r.notes);
    cr_assert_null(r.media_url);
    yz_report_fini(&r);
    cr_assert_eq(make("pothole", &ei), -YZ_EINVAL);
    cr_assert_str_eq(ei.field, "service_code");
    cr_assert_eq(yz_store_report_get(st, id + 100, &r, &ei), YZ_ENOTFOUND);
    yz_report_fini(&r);
    /* The refused insert left nothing. */
    yz_report *a;
    size_t n;
    yz_report_filter f = {0};
    cr_assert_eq(yz_store_report_list(st, &f, &a, &n, &ei), YZ_OK);
    cr_assert_eq(n, 1);
    yz_report_array_free(a, n);
}

Test(reports, lifecycle_allowed_and_refused)
{
    yz_errinfo ei;
    int64_t id = make("dirty", &ei);
    yz_report r;
    cr_assert_eq(
        yz_store_report_update(st, id, YZ_REPORT_ACKNOWLEDGED, YZ_REASON_NONE, "收到", &r, &ei),
        YZ_OK, "%s", ei.msg_en);
    cr_assert_eq(r.status, YZ_REPORT_ACKNOWLEDGED);
    cr_assert_str_eq(r.notes, "收到");
    yz_report_fini(&r);
    /* Backwards, in place, closing without a reason: refused, nothing changes. */
    cr_assert_eq(yz_store_report_update(st, id, YZ_REPORT_OPEN, YZ_REASON_NONE, "x", &r, &ei),
                 YZ_ECONFLICT);
    cr_assert_str_eq(ei.field, "status");
    cr_assert_eq(
        yz_store_report_update(st, id, YZ_REPORT_ACKNOWLEDGED, YZ_REASON_NONE, NULL, NULL, &ei),
        YZ_ECONFLICT);
    cr_assert_eq(yz_store_report_update(st, id, YZ_REPORT_CLOSED, YZ_REASON_NONE, "y", NULL, &ei),
                 YZ_EINVAL);
    cr_assert_str_eq(ei.field, "reason");
    cr_assert_eq(yz_store_report_update(st, id, -1, YZ_REASON_FIXED, NULL, NULL, &ei), YZ_EINVAL);
    cr_assert_eq(yz_store_report_get(st, id, &r, &ei), YZ_OK);
    cr_assert_eq(r.status, YZ_REPORT_ACKNOWLEDGED);
    cr_assert_str_eq(r.notes, "收到");
    yz_report_fini(&r);
    /* Forward, skipping in_progress; notes kept when NULL. */
    cr_assert_eq(
        yz_store_report_update(st, id, YZ_REPORT_CLOSED, YZ_REASON_DUPLICATE, NULL, &r, &ei), YZ_OK,
        "%s", ei.msg_en);
    cr_assert_eq(r.status, YZ_REPORT_CLOSED);
    cr_assert_eq(r.reason, YZ_REASON_DUPLICATE);
    cr_assert_str_eq(r.notes, "收到");
    yz_report_fini(&r);
    /* Closed stays closed; notes alone may change, "" clears them. */
    for (int to = 0; to < YZ_REPORT__COUNT; to++)
        cr_assert_eq(yz_store_report_update(
                         st, id, to, to == YZ_REPORT_CLOSED ? YZ_REASON_FIXED : YZ_REASON_NONE,
                         NULL, NULL, &ei),
                     YZ_ECONFLICT);
    cr_assert_eq(yz_store_report_update(st, id, -1, YZ_REASON_NONE, "", &r, &ei), YZ_OK);
    cr_assert_null(r.notes);
    cr_assert_eq(r.reason, YZ_REASON_DUPLICATE);
    yz_report_fini(&r);
    cr_assert_eq(
        yz_store_report_update(st, id + 1, YZ_REPORT_ACKNOWLEDGED, YZ_REASON_NONE, NULL, &r, &ei),
        YZ_ENOTFOUND);
    yz_report_fini(&r);
}

Test(reports, list_filters)
{
    yz_errinfo ei;
    /* c has no station: a second open "dirty" at sid would join a (joins_the_open_report) */
    int64_t a = make("dirty", &ei), b = make("ac_broken", &ei), c = make_at("dirty", 0, &ei);
    cr_assert(a > 0 && b > 0 && c > 0);
    cr_assert_eq(yz_store_report_update(st, b, YZ_REPORT_CLOSED, YZ_REASON_FIXED, NULL, NULL, &ei),
                 YZ_OK);
    yz_report *r;
    size_t n;
    yz_report_filter f = {.service_code = "dirty"};
    cr_assert_eq(yz_store_report_list(st, &f, &r, &n, &ei), YZ_OK);
    cr_assert_eq(n, 2);
    cr_assert_eq(r[0].id, c, "newest first");
    cr_assert_eq(r[1].id, a);
    yz_report_array_free(r, n);
    f = (yz_report_filter){.status_mask = 1u << YZ_REPORT_CLOSED, .station_id = sid};
    cr_assert_eq(yz_store_report_list(st, &f, &r, &n, &ei), YZ_OK);
    cr_assert_eq(n, 1);
    cr_assert_eq(r[0].id, b);
    yz_report_array_free(r, n);
    int64_t ids[] = {a, b, 9999};
    f = (yz_report_filter){.ids = ids, .n_ids = 3};
    cr_assert_eq(yz_store_report_list(st, &f, &r, &n, &ei), YZ_OK);
    cr_assert_eq(n, 2);
    yz_report_array_free(r, n);
    f = (yz_report_filter){.from = 1, .to = 2};
    cr_assert_eq(yz_store_report_list(st, &f, &r, &n, &ei), YZ_OK);
    cr_assert_eq(n, 0);
    yz_report_array_free(r, n);
    f = (yz_report_filter){.limit = 2};
    cr_assert_eq(yz_store_report_list(st, &f, &r, &n, &ei), YZ_OK);
    cr_assert_eq(n, 2);
    yz_report_array_free(r, n);
    f = (yz_report_filter){.service_code = "x' OR 1=1 --"};
    cr_assert_eq(yz_store_report_list(st, &f, &r, &n, &ei), YZ_OK);
    cr_assert_eq(n, 0, "the service code is bound, not spliced");
    yz_report_array_free(r, n);
    /* Several statuses, and ids with a status (each set is one parameter). */
    f = (yz_report_filter){.status_mask = 1u << YZ_REPORT_OPEN | 1u << YZ_REPORT_CLOSED};
    cr_assert_eq(yz_store_report_list(st, &f, &r, &n, &ei), YZ_OK, "%s", ei.msg_en);
    cr_assert_eq(n, 3);
    yz_report_array_free(r, n);
    f = (yz_report_filter){.ids = ids, .n_ids = 3, .status_mask = 1u << YZ_REPORT_OPEN};
    cr_assert_eq(yz_store_report_list(st, &f, &r, &n, &ei), YZ_OK, "%s", ei.msg_en);
    cr_assert_eq(n, 1);
    cr_assert_eq(r[0].id, a);
    yz_report_array_free(r, n);
}

Test(reports, read_error_part_way_is_not_a_short_list)
{
    yz_errinfo ei;
    static const char *const services[] = {"dirty", "ac_broken", "other"};
    for (int i = 0; i < 3; i++)
        cr_assert(make(services[i], &ei) > 0, "%s", ei.msg_en);
    yz_report dummy;
    yz_report *r = &dummy; /* not NULL: the call must set it */
    size_t n = 99;
    yz_report_filter f = {0};
    yz_db_fault_after_rows(2);
    int err = yz_store_report_list(st, &f, &r, &n, &ei);
    yz_db_fault_after_rows(0);
    cr_assert_eq(err, YZ_EDB);
    cr_assert_null(r);
    cr_assert_eq(n, 0);
    yz_report_service *svc = NULL;
    yz_db_fault_after_rows(4);
    err = yz_store_report_services(st, &svc, &n, &ei);
    yz_db_fault_after_rows(0);
    cr_assert_eq(err, YZ_EDB);
    cr_assert_null(svc);
    cr_assert_eq(n, 0);
}

Test(reports, joins_the_open_report)
{
    yz_errinfo ei;
    int64_t a = make("dirty", &ei);
    cr_assert_gt(a, 0, "%s", ei.msg_en);
    /* The same service at the same station joins a; another service does not. */
    yz_report r;
    yz_report_init(&r);
    r.service_code = yz_strdup("dirty");
    r.station_id = sid;
    r.station_code = yz_strdup("T-1");
    r.description = yz_strdup("我也是");
    r.lat = 28.0001;
    r.lon = 120.6501;
    r.reporter_pos = true;
    cr_assert_eq(yz_store_report_create(st, &r, &ei), YZ_OK, "%s", ei.msg_en);
    cr_assert_eq(r.merged_into, a);
    cr_assert_eq(r.me_too, 1);
    int64_t s1 = r.id;
    cr_assert(s1 > a);
    /* a held one joins but counts once published */
    yz_free(r.held_reasons);
    r.held_reasons = yz_strdup("advert");
    cr_assert_eq(yz_store_report_create(st, &r, &ei), YZ_OK, "%s", ei.msg_en);
    cr_assert_eq(r.merged_into, a);
    cr_assert_eq(r.me_too, 1);
    int64_t s2 = r.id;
    yz_report_fini(&r);
    cr_assert_eq(make("ac_broken", &ei) > a, true);
    cr_assert_eq(yz_store_report_publish(st, s2, &ei), YZ_OK);
    cr_assert_eq(yz_store_report_get(st, a, &r, &ei), YZ_OK);
    cr_assert_eq(r.me_too, 2);
    cr_assert_eq(r.merged_into, 0);
    yz_report_fini(&r);
    /* Lists hold reports only; the submissions are listed by the report they joined. */
    yz_report *l;
    size_t n;
    yz_report_filter f = {.service_code = "dirty"};
    cr_assert_eq(yz_store_report_list(st, &f, &l, &n, &ei), YZ_OK);
    cr_assert_eq(n, 1);
    cr_assert_eq(l[0].id, a);
    yz_report_array_free(l, n);
    f = (yz_report_filter){.merged_into = a};
    cr_assert_eq(yz_store_report_list(st, &f, &l, &n, &ei), YZ_OK);
    cr_assert_eq(n, 2);
    cr_assert_eq(l[0].id, s1, "oldest first");
    cr_assert_str_eq(l[0].description, "我也是");
    cr_assert(l[0].reporter_pos && l[0].lat == 28.0001);
    cr_assert_eq(l[1].id, s2);
    yz_report_array_free(l, n);
    /* A submission's status is its report's business. */
    cr_assert_eq(yz_store_report_update(st, s1, YZ_REPORT_ACKNOWLEDGED, YZ_REASON_NONE, NULL,
                                        NULL, &ei),
                 YZ_ECONFLICT);
    cr_assert_str_eq(ei.field, "id");
    /* Once a is closed, the same problem again is a report of its own. */
    cr_assert_eq(yz_store_report_update(st, a, YZ_REPORT_CLOSED, YZ_REASON_FIXED, NULL, NULL, &ei),
                 YZ_OK);
    int64_t b = make("dirty", &ei);
    cr_assert(b > s2);
    cr_assert_eq(yz_store_report_get(st, b, &r, &ei), YZ_OK);
    cr_assert_eq(r.merged_into, 0);
    yz_report_fini(&r);
}

Test(reports, station_deleted_keeps_the_report)
{
    yz_errinfo ei;
    int64_t id = make("other", &ei);
    cr_assert(id > 0);
    cr_assert_eq(yz_store_delete_station(st, sid, 0, &ei), YZ_OK, "%s", ei.msg_en);
    yz_report r;
    cr_assert_eq(yz_store_report_get(st, id, &r, &ei), YZ_OK);
    cr_assert_eq(r.station_id, 0);
    cr_assert_str_eq(r.station_code, "T-1");
    yz_report_fini(&r);
}
