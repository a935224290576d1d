/* SPDX-License-Identifier: MIT */
/* tests/unit/test_catalog.c - the catalog snapshot over the demo city: nearby queries against
 * a brute-force scan of the snapshot's own records (every filter, district path included),
 * temporary closures, listing (publishing them under concurrent readers is test_state.c's). */
#include "catalog/catalog.h"
#include "catalog/hantdiff.h"

#include "core/alloc.h"
#include "demo/city.h"
#include "model/facility.h"

#include <criterion/criterion.h>
#include <jansson.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static yz_textnorm *norm;

static void input_demo(yz_snap_input *in, uint64_t seed)
{
    yz_errinfo ei;
    memset(in, 0, sizeof *in);
    cr_assert_eq(yz_demo_generate(seed, &in->stations, &in->n_stations, &in->districts,
                                  &in->n_districts, &ei),
                 YZ_OK);
    for (size_t i = 0; i < in->n_stations; i++)
        in->stations[i].id = (int64_t)i + 1;
    in->n_facilities = yz_facility_seed_count;
    in->facilities = yz_calloc(in->n_facilities, sizeof *in->facilities);
    for (size_t i = 0; i < in->n_facilities; i++) {
        const yz_facility_seed *f = &yz_facility_seeds[i];
        in->facilities[i] = (yz_facility){yz_strdup(f->code), yz_strdup(f->label),
                                          yz_strdup(f->label_hant), yz_strdup(f->label_en),
                                          f->bit, NULL};
    }
}

static yz_snap *demo_snap(uint64_t seed)
{
    yz_snap_input in;
    input_demo(&in, seed);
    yz_snap *s = NULL;
    yz_errinfo ei;
    cr_assert_eq(yz_snap_build(&in, norm, &s, &ei), YZ_OK, "%s", ei.msg_en);
    return s;
}

static void setup(void)
{
    yz_errinfo ei;
    cr_assert_eq(yz_textnorm_new(&norm, &ei), YZ_OK);
}

static void teardown(void)
{
    yz_textnorm_free(norm);
}

TestSuite(catalog, .init = setup, .fini = teardown);

static double haversine(double lat1, double lon1, double lat2, double lon2)
{
    double r = M_PI / 180, dlat = (lat2 - lat1) * r, dlon = (lon2 - lon1) * r;
    double a = sin(dlat / 2) * sin(dlat / 2) +
               cos(lat1 * r) * cos(lat2 * r) * sin(dlon / 2) * sin(dlon / 2);
    return 2 * 6371008.8 * asin(sqrt(a));
}

/* Every pre-rendered piece, last station included, is valid JSON that says what the record
 * says (jansson is the oracle for the syntax). */
Test(catalog, prerendered_pieces_parse)
{
    yz_snap *s = demo_snap(5);
    for (size_t i = 0; i < yz_snap_count(s); i++) {
        const yz_station *st = yz_snap_station(s, i);
        yz_buf b;
        yz_buf_init(&b);
        yz_buf_putc(&b, '{');
        yz_snap_fragment_append(s, i, YZ_LANG_HANS, &b);
        yz_buf_putc(&b, '}');
        json_error_t je;
        json_t *j = json_loads(b.data, 0, &je);
        cr_assert(j, "station %zu: %s in %s", i, je.text, b.data);
        cr_assert_str_eq(json_string_value(json_object_get(j, "code")), st->code);
        cr_assert_str_eq(json_string_value(json_object_get(j, "name")), st->name);
        yz_nav_text nt;
        char scratch[YZ_SNAP_NAV_SCRATCH];
        yz_snap_nav_text(s, i, &nt, scratch);
        yz_point g = yz_snap_position(s, i, YZ_CRS_GCJ02);
        cr_assert_float_eq(strtod(nt.lat6, NULL), g.lat, 1e-6);
        cr_assert_float_eq(strtod(nt.lon6, NULL), g.lon, 1e-6);
        cr_assert_eq(nt.lat_len, strlen(nt.lat6));
        cr_assert_eq(nt.lon_len, strlen(nt.lon6));
        cr_assert_eq(nt.name_len, strlen(nt.name_url));
        json_decref(j);
        yz_buf_fini(&b);
    }
    yz_snap_free(s);
}

/* Each fragment member cut out by its recorded offsets is exactly that member of the parsed
 * fragment: same key, same value, in order, and together they are the whole fragment (the
 * oracle is jansson's parse of the fragment itself). */
Test(catalog, fragment_members)
{
    static const char *const keys[YZ_FM__COUNT] = {
        "id", "code", "name", "address", "district", "facilities", "tier", "status",
        "partner_kind", "partner_name"};
    /* Every third station without a partner name: that member is then absent. */
    yz_snap_input in;
    input_demo(&in, 11);
    for (size_t i = 0; i < in.n_stations; i += 3) {
        yz_free(in.stations[i].partner_name);
        in.stations[i].partner_name = NULL;
    }
    yz_snap *s = NULL;
    yz_errinfo ei;
    cr_assert_eq(yz_snap_build(&in, norm, &s, &ei), YZ_OK, "%s", ei.msg_en);
    size_t with_partner = 0, without = 0;
    for (size_t i = 0; i < yz_snap_count(s); i++) {
        yz_buf frag;
        yz_buf_init(&frag);
        yz_snap_fragment_append(s, i, YZ_LANG_HANS, &frag);
        size_t flen = frag.len;
        yz_buf whole;
        yz_buf_init(&whole);
        yz_buf_printf(&whole, "{%s}", frag.data);
        json_t *all = json_loads(whole.data, 0, NULL);
        cr_assert(all);
        yz_buf joined;
        yz_buf_init(&joined);
        for (int m = 0; m < YZ_FM__COUNT; m++) {
            yz_buf mb;
            yz_buf_init(&mb);
            bool has = yz_snap_fragment_member_append(s, i, m, YZ_LANG_HANS, &mb);
            size_t len = mb.len;
            const char *text = mb.data ? mb.data : "";
            json_t *want = json_object_get(all, keys[m]);
            cr_assert_eq(has, len > 0);
            if (!len) {
                yz_buf_fini(&mb);
                cr_assert_null(want, "station %zu lacks %s but the fragment has it", i, keys[m]);
                without += m == YZ_FM_PARTNER_NAME;
                continue;
            }
            with_partner += m == YZ_FM_PARTNER_NAME;
            yz_buf one;
            yz_buf_init(&one);
            yz_buf_printf(&one, "{%.*s}", (int)len, text);
            json_t *got = json_loads(one.data, 0, NULL);
            cr_assert(got, "station %zu member %s: %s", i, keys[m], one.data);
            cr_assert_eq(json_object_size(got), 1);
            cr_assert(json_equal(json_object_get(got, keys[m]), want), "station %zu %s", i,
                      keys[m]);
            json_decref(got);
            yz_buf_fini(&one);
            yz_buf_printf(&joined, "%s%.*s", joined.len ? "," : "", (int)len, text);
            yz_buf_fini(&mb);
        }
        cr_assert_eq(joined.len, flen, "station %zu: members do not cover the fragment", i);
        cr_assert(memcmp(joined.data, frag.data, flen) == 0);
        yz_buf_fini(&frag);
        json_decref(all);
        yz_buf_fini(&joined);
        yz_buf_fini(&whole);
    }
    cr_assert(with_partner > 0 && without > 0, "both kinds of station: %zu %zu", with_partner,
              without);
    yz_snap_free(s);
}

Test(catalog, lookups)
{
    yz_snap *s = demo_snap(42);
    cr_assert_eq(yz_snap_count(s), YZ_DEMO_STATIONS);
    long i = yz_snap_find_code(s, YZ_DEMO_UNION_CODE);
    cr_assert(i >= 0);
    cr_assert_eq(yz_snap_find_id(s, yz_snap_station(s, i)->id), i);
    cr_assert_eq(yz_snap_find_code(s, "NOPE"), -1);
    cr_assert_eq(yz_snap_find_id(s, 999999), -1);
    cr_assert_eq(yz_snap_facility_bit(s, "battery_swap"), 9);
    cr_assert(yz_snap_find_district(s, "330302") >= 0);
    yz_buf frag;
    yz_buf_init(&frag);
    yz_snap_fragment_append(s, i, YZ_LANG_HANS, &frag);
    cr_assert(strstr(frag.data, "\"code\":\"WZ-GHDS\""));
    yz_buf_fini(&frag);
    yz_point g = yz_snap_position(s, i, YZ_CRS_GCJ02);
    cr_assert(g.lon > yz_snap_station(s, i)->lon, "GCJ-02 lies east of WGS-84 here");
    yz_snap_free(s);
}

/* The oracle: scan every record with the public predicates. */
static size_t brute(const yz_snap *s, const yz_nearby_query *q, yz_nearby_hit *out)
{
    size_t n = 0;
    for (size_t i = 0; i < yz_snap_count(s); i++) {
        const yz_station *st = yz_snap_station(s, i);
        if (st->status != YZ_STATUS_OPEN && st->status != YZ_STATUS_CLOSED_TEMP)
            continue;
        if ((st->facilities & q->need) != q->need)
            continue;
        if (q->tier_mask && !(q->tier_mask & (1u << st->tier)))
            continue;
        if (q->district >= 0 &&
            strcmp(st->district_code, yz_snap_district(s, q->district)->code) != 0)
            continue;
        if (q->open_now && !yz_snap_is_open(s, i, q->t))
            continue;
        double d = haversine(q->at.lat, q->at.lon, st->lat, st->lon);
        if (q->radius_m > 0 && d > q->radius_m)
            continue;
        size_t p = n++;
        while (p > 0 && out[p - 1].distance_m > d) {
            out[p] = out[p - 1];
            p--;
        }
        out[p] = (yz_nearby_hit){(uint32_t)i, d};
    }
    return n;
}

Test(catalog, nearby_matches_brute_force)
{
    unsigned seed = 20261129;
    srand(seed);
    yz_snap *s = demo_snap(7);
    yz_nearby_hit *all = yz_calloc(yz_snap_count(s) + 1, sizeof *all);
    int bits[] = {0, 1, 2, 3, 8, 9, 12};
    for (int trial = 0; trial < 3000; trial++) {
        yz_nearby_query q = {.k = 1 + (size_t)(rand() % 20), .district = -1};
        q.at.lat = 27.4 + (double)rand() / RAND_MAX * 0.8;
        q.at.lon = 119.8 + (double)rand() / RAND_MAX * 1.3;
        if (rand() % 2)
            q.need |= UINT64_C(1) << bits[rand() % 7];
        if (rand() % 4 == 0)
            q.need |= UINT64_C(1) << bits[rand() % 7];
        if (rand() % 3 == 0)
            q.tier_mask = (uint8_t)(1 + rand() % 7);
        if (rand() % 3 == 0)
            q.radius_m = 500 + rand() % 20000;
        if (rand() % 4 == 0)
            q.district = rand() % (long)yz_snap_district_count(s);
        q.open_now = rand() % 2;
        q.t = 1795910400 + (int64_t)(rand() % (14 * 24 * 60)) * 60; /* two weeks from 2026-11-29 */
        yz_nearby_hit got[100];
        size_t n;
        cr_assert_eq(yz_snap_nearby(s, &q, got, &n), YZ_OK);
        size_t want = brute(s, &q, all);
        size_t expect_n = want < q.k ? want : q.k;
        cr_assert_eq(n, expect_n, "trial %d seed %u: %zu results, expected %zu", trial, seed, n,
                     expect_n);
        for (size_t j = 0; j < n; j++) {
            cr_assert(fabs(got[j].distance_m - all[j].distance_m) < 1e-3,
                      "trial %d seed %u rank %zu: %f vs %f", trial, seed, j, got[j].distance_m,
                      all[j].distance_m);
            if (got[j].station != all[j].station)
                cr_assert(fabs(got[j].distance_m - all[j].distance_m) < 1e-6, "tie only");
        }
    }
    yz_free(all);
    yz_snap_free(s);
}

Test(catalog, temporary_closure)
{
    yz_snap_input in;
    input_demo(&in, 3);
    /* Make station 0 24/7 and closed until 2026-12-01 00:00 +08:00. */
    yz_station *st = &in.stations[0];
    yz_free(st->opening_hours);
    st->opening_hours = yz_strdup("24/7");
    st->status = YZ_STATUS_CLOSED_TEMP;
    st->closed_until = 1796054400;
    yz_snap *s = NULL;
    yz_errinfo ei;
    cr_assert_eq(yz_snap_build(&in, norm, &s, &ei), YZ_OK);
    long i = yz_snap_find_id(s, 1);
    cr_assert_not(yz_snap_is_open(s, i, 1796054400 - 1));
    cr_assert(yz_snap_is_open(s, i, 1796054400));
    int64_t next;
    cr_assert_eq(yz_snap_next_change(s, i, 1796000000, &next), YZ_OK);
    cr_assert_eq(next, 1796054400, "reopens when the closure ends");
    yz_snap_free(s);
}

Test(catalog, bad_hours_rejected_at_build)
{
    yz_snap_input in;
    input_demo(&in, 3);
    yz_free(in.stations[5].opening_hours);
    in.stations[5].opening_hours = yz_strdup("Mo-Fr 09:00-25:00");
    yz_snap *s = NULL;
    yz_errinfo ei;
    cr_assert_eq(yz_snap_build(&in, norm, &s, &ei), YZ_EINVAL);
    cr_assert_null(s);
    cr_assert_str_eq(ei.field, "opening_hours");
}

Test(catalog, list_filters_and_paging)
{
    yz_snap *s = demo_snap(42);
    long d = yz_snap_find_district(s, "330381");
    yz_list_query q = {.district = d, .status = YZ_STATUS_OPEN, .limit = 5};
    uint32_t *pos;
    size_t n, total;
    yz_errinfo ei;
    cr_assert_eq(yz_snap_list(s, norm, &q, &pos, &n, &total, &ei), YZ_OK);
    size_t want = 0;
    for (size_t i = 0; i < yz_snap_count(s); i++)
        want += !strcmp(yz_snap_station(s, i)->district_code, "330381") &&
                yz_snap_station(s, i)->status == YZ_STATUS_OPEN;
    cr_assert_eq(total, want);
    cr_assert_eq(n, 5);
    yz_free(pos);
    q = (yz_list_query){.text = "工會大廈", .district = -1, .status = -1, .limit = 3};
    cr_assert_eq(yz_snap_list(s, norm, &q, &pos, &n, &total, &ei), YZ_OK);
    cr_assert(n >= 1);
    cr_assert_str_eq(yz_snap_station(s, pos[0])->code, YZ_DEMO_UNION_CODE);
    yz_free(pos);
    q.text = "\xff";
    cr_assert_eq(yz_snap_list(s, norm, &q, &pos, &n, &total, &ei), YZ_EINVAL);
    yz_snap_free(s);
}

/* --- what a query says (issue 13) ------------------------------------------------------ */

#include <sqlite3.h>

extern const struct {
    const char *name;
    const char *sql;
} yz__sql_sqlite[], yz__sql_pg[];
extern const size_t yz__sql_sqlite_count, yz__sql_pg_count;

static const char *migration(int pg, const char *name)
{
    size_t n = pg ? yz__sql_pg_count : yz__sql_sqlite_count;
    for (size_t i = 0; i < n; i++) {
        const char *nm = pg ? yz__sql_pg[i].name : yz__sql_sqlite[i].name;
        if (strcmp(nm, name) == 0)
            return pg ? yz__sql_pg[i].sql : yz__sql_sqlite[i].sql;
    }
    return NULL;
}

/* The rows of migration 0030, run on its own in a scratch SQLite database: (word, code). */
typedef struct syn_row {
    char word[64], code[32];
} syn_row;

static size_t synonym_rows(syn_row *rows, size_t max)
{
    const char *sql = migration(0, "0030_facility_synonyms.sql");
    cr_assert_not_null(sql);
    sqlite3 *db;
    cr_assert_eq(sqlite3_open(":memory:", &db), SQLITE_OK);
    cr_assert_eq(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK, "%s", sqlite3_errmsg(db));
    sqlite3_stmt *st;
    cr_assert_eq(sqlite3_prepare_v2(db, "SELECT word, facility_code FROM facility_synonyms", -1,
                                    &st, NULL),
                 SQLITE_OK);
    size_t n = 0;
    while (sqlite3_step(st) == SQLITE_ROW && n < max) {
        snprintf(rows[n].word, sizeof rows[n].word, "%s", sqlite3_column_text(st, 0));
        snprintf(rows[n].code, sizeof rows[n].code, "%s", sqlite3_column_text(st, 1));
        n++;
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    return n;
}

/* The demo snapshot with the synonyms of migration 0030 attached, as the store does. */
static yz_snap *demo_snap_words(uint64_t seed)
{
    static syn_row rows[1024];
    size_t nr = synonym_rows(rows, 1024);
    yz_snap_input in;
    input_demo(&in, seed);
    for (size_t r = 0; r < nr; r++) {
        for (size_t i = 0; i < in.n_facilities; i++) {
            yz_facility *f = &in.facilities[i];
            if (strcmp(f->code, rows[r].code) != 0)
                continue;
            size_t had = f->synonyms ? strlen(f->synonyms) : 0, wl = strlen(rows[r].word);
            f->synonyms = yz_realloc(f->synonyms, had + wl + 2);
            memcpy(f->synonyms + had, rows[r].word, wl);
            memcpy(f->synonyms + had + wl, "\n", 2);
        }
    }
    yz_snap *s = NULL;
    yz_errinfo ei;
    cr_assert_eq(yz_snap_build(&in, norm, &s, &ei), YZ_OK, "%s", ei.msg_en);
    return s;
}

/* Every word of the data names a facility of the seed vocabulary, both dialects carry the
 * same rows, and the issue's words are there. */
Test(catalog, synonyms_name_the_vocabulary)
{
    static syn_row rows[1024];
    size_t nr = synonym_rows(rows, 1024);
    cr_assert_gt(nr, 50);
    for (size_t r = 0; r < nr; r++)
        cr_expect_geq(yz_facility_seed_bit(rows[r].code), 0, "%s -> %s", rows[r].word,
                      rows[r].code);
    const char *a = strstr(migration(0, "0030_facility_synonyms.sql"), "CREATE TABLE");
    const char *b = strstr(migration(1, "0030_facility_synonyms.sql"), "CREATE TABLE");
    cr_assert(a && b);
    cr_expect_str_eq(a, b);
    static const char *const issue[][2] = {
        {"厕所", "toilet"}, {"卫生间", "toilet"}, {"洗手间", "toilet"}, {"公厕", "toilet"},
        {"厠所", "toilet"}, {"衛生間", "toilet"}, {"toilet", "toilet"}, {"wc", "toilet"},
        {"换电", "battery_swap"}, {"換電", "battery_swap"}, {"换电池", "battery_swap"},
        {"battery swap", "battery_swap"}, {"热水", "hot_water"}, {"開水", "hot_water"},
        {"hot water", "hot_water"}, {"微波炉", "microwave"}, {"加热饭", "microwave"},
        {"充电", "ebike_charging"}, {"充電", "ebike_charging"}, {"空调", "air_conditioning"},
        {"冷气", "air_conditioning"}};
    for (size_t i = 0; i < sizeof issue / sizeof issue[0]; i++) {
        bool found = false;
        for (size_t r = 0; r < nr && !found; r++)
            found = strcmp(rows[r].word, issue[i][0]) == 0 && strcmp(rows[r].code, issue[i][1]) == 0;
        cr_expect(found, "%s -> %s", issue[i][0], issue[i][1]);
    }
}

/* Each word alone is understood as its own facility, and nothing is left to search. */
Test(catalog, understand_every_word)
{
    static syn_row rows[1024];
    size_t nr = synonym_rows(rows, 1024);
    yz_snap *s = demo_snap_words(3);
    for (size_t r = 0; r < nr; r++) {
        yz_understood u;
        yz_errinfo ei;
        cr_assert_eq(yz_snap_understand(s, norm, rows[r].word, &u, &ei), YZ_OK);
        cr_expect_eq(u.need, UINT64_C(1) << yz_facility_seed_bit(rows[r].code), "%s",
                     rows[r].word);
        cr_expect_eq(u.n_words, 1, "%s", rows[r].word);
        cr_expect_eq(u.text.len, 0, "%s", rows[r].word);
        cr_expect_eq(u.station, -1);
        yz_understood_fini(&u);
    }
    yz_snap_free(s);
}

static void expect_understood(const yz_snap *s, const char *q, const char *const codes[],
                              const char *text, const char *station)
{
    yz_understood u;
    yz_errinfo ei;
    cr_assert_eq(yz_snap_understand(s, norm, q, &u, &ei), YZ_OK, "%s: %s", q, ei.msg_en);
    uint64_t need = 0;
    size_t n = 0;
    for (; codes[n]; n++)
        need |= UINT64_C(1) << yz_facility_seed_bit(codes[n]);
    cr_expect_eq(u.need, need, "%s", q);
    cr_expect_eq(u.n_words, n, "%s", q);
    cr_expect_str_eq(u.text.len ? u.text.data : "", text, "%s", q);
    if (station)
        cr_expect_str_eq(u.station >= 0 ? yz_snap_station(s, (size_t)u.station)->code : "-",
                         station, "%s", q);
    else
        cr_expect_eq(u.station, -1, "%s", q);
    yz_understood_fini(&u);
}

Test(catalog, understand_queries)
{
    yz_snap *s = demo_snap_words(3);
    const char *const none[] = {NULL}, *const toilet[] = {"toilet", NULL},
                      *const swap[] = {"battery_swap", NULL},
                      *const two[] = {"toilet", "hot_water", NULL};
    expect_understood(s, "鹿城 厕所", toilet, "鹿城", NULL);
    expect_understood(s, "鹿城厕所", toilet, "鹿城", NULL);
    expect_understood(s, "廁所　鹿城", toilet, "鹿城", NULL);
    expect_understood(s, "厕所 卫生间", toilet, "", NULL);
    expect_understood(s, "gonghui 换电", swap, "gonghui", NULL);
    expect_understood(s, "Battery Swap", swap, "", NULL);
    expect_understood(s, "热水 WC", two, "", NULL);
    expect_understood(s, "工会", none, "工会", NULL);
    expect_understood(s, "toiletx", none, "toiletx", NULL); /* Latin words are not cut */
    expect_understood(s, "   ", none, "", NULL);
    const yz_station *st = yz_snap_station(s, 7);
    char lower[40], spaced[48];
    size_t k = 0;
    for (const char *p = st->code; *p && k < sizeof lower - 1; p++)
        lower[k++] = (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
    lower[k] = '\0';
    snprintf(spaced, sizeof spaced, "%.2s %s", lower, lower + 2);
    expect_understood(s, st->code, none, "", st->code);
    expect_understood(s, lower, none, "", st->code);
    expect_understood(s, spaced, none, "", st->code);
    yz_understood u;
    yz_errinfo ei;
    cr_expect_eq(yz_snap_understand(s, norm, "\xE5\xB7", &u, &ei), YZ_EINVAL);
    yz_understood_fini(&u);
    char big[600];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    cr_expect_eq(yz_snap_understand(s, norm, big, &u, &ei), YZ_ETOOBIG);
    yz_understood_fini(&u);
    cr_expect_eq(yz_snap_understand(s, norm, "a b c d e f g h i j k l m n o p q", &u, &ei),
                 YZ_ETOOBIG);
    yz_understood_fini(&u);
    yz_snap_free(s);
}

/* Codes are found whatever the case a rider types; the record keeps its own. */
Test(catalog, find_code_any_case)
{
    yz_snap *s = demo_snap(4);
    for (size_t i = 0; i < yz_snap_count(s); i++) {
        const char *code = yz_snap_station(s, i)->code;
        char lower[40];
        size_t k = 0;
        for (const char *p = code; *p && k < sizeof lower - 1; p++)
            lower[k++] = (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
        lower[k] = '\0';
        cr_expect_eq(yz_snap_find_code(s, code), (long)i);
        cr_expect_eq(yz_snap_find_code(s, lower), (long)i, "%s", lower);
    }
    cr_expect_eq(yz_snap_find_code(s, "wz-nope"), -1);
    cr_expect_eq(yz_snap_find_code(s, ""), -1);
    cr_expect_eq(yz_snap_find_code(s, "工会"), -1);
    yz_snap_free(s);
}

/* The oracle of the fragments rendered per answer: the pre-rendering the snapshot did before
 * (issue 16), written out from the record, the districts, the facilities and OpenCC s2t. */
static void oracle_fragment(const yz_snap *s, size_t i, int lang, yz_buf *b)
{
    const yz_station *st = yz_snap_station(s, i);
    const char *src[3] = {st->name, st->address ? st->address : "", st->partner_name};
    yz_buf t[3];
    for (int k = 0; k < 3; k++) {
        yz_buf_init(&t[k]);
        if (src[k] && lang == YZ_LANG_HANT)
            cr_assert_eq(yz_textnorm_to_hant(norm, src[k], &t[k]), YZ_OK);
        else if (src[k])
            yz_buf_puts(&t[k], src[k]);
    }
    yz_buf_printf(b, "\"id\":%lld,\"code\":", (long long)st->id);
    yz_buf_json_str(b, st->code, strlen(st->code));
    yz_buf_puts(b, ",\"name\":");
    yz_buf_json_str(b, t[0].data, t[0].len);
    yz_buf_puts(b, ",\"address\":");
    yz_buf_json_str(b, t[1].data ? t[1].data : "", t[1].len);
    yz_buf_puts(b, ",\"district\":{\"code\":");
    yz_buf_json_str(b, st->district_code, strlen(st->district_code));
    yz_buf_puts(b, ",\"name\":");
    long d = yz_snap_find_district(s, st->district_code);
    const char *dn = st->district_name ? st->district_name : "";
    if (d >= 0) {
        const yz_district *di = yz_snap_district(s, (size_t)d);
        dn = lang == YZ_LANG_HANT && di->name_hant ? di->name_hant : di->name;
    }
    yz_buf_json_str(b, dn, strlen(dn));
    yz_buf_puts(b, "},\"facilities\":[");
    int first = 1;
    for (size_t f = 0; f < yz_snap_facility_count(s); f++) {
        const yz_facility *fa = yz_snap_facility(s, f);
        if (!(st->facilities & (UINT64_C(1) << fa->bit)))
            continue;
        yz_buf_puts(b, first ? "" : ",");
        first = 0;
        yz_buf_json_str(b, fa->code, strlen(fa->code));
    }
    yz_buf_printf(b, "],\"tier\":\"%s\",\"status\":\"%s\",\"partner_kind\":\"%s\"",
                  yz_tier_name(st->tier), yz_status_name(st->status),
                  yz_partner_name(st->partner_kind));
    if (st->partner_name) {
        yz_buf_puts(b, ",\"partner_name\":");
        yz_buf_json_str(b, t[2].data, t[2].len);
    }
    for (int k = 0; k < 3; k++)
        yz_buf_fini(&t[k]);
}

/* A large snapshot's traditional texts are converted on a thread after the build
 * (yz__snap_hant_async_min): answers written before they are ready convert their own, with
 * the same bytes as the oracle, from 12 threads at once (more than the 8 shared converters),
 * and the same after. Freeing a snapshot whose conversion has not started stops it. */
typedef struct hant_reader {
    const yz_snap *s;
    char **want; /* per station, its zh-Hant fragment */
    int bad;     /* stations whose fragment differed */
} hant_reader;

static void *hant_read(void *arg)
{
    hant_reader *r = arg;
    for (size_t i = 0; i < yz_snap_count(r->s); i++) {
        yz_buf got;
        yz_buf_init(&got);
        yz_snap_fragment_append(r->s, i, YZ_LANG_HANT, &got);
        r->bad += strcmp(got.data, r->want[i]) != 0;
        yz_buf_fini(&got);
    }
    return NULL;
}

Test(catalog, hant_converted_after_build)
{
    size_t min = yz__snap_hant_async_min;
    yz__snap_hant_async_min = 1;
    atomic_store(&yz__snap_hant_hold, true);
    yz_snap *s = demo_snap(11);
    size_t n = yz_snap_count(s);
    char **want = yz_calloc(n, sizeof *want);
    size_t differ = 0;
    for (size_t i = 0; i < n; i++) {
        yz_buf b, hans;
        yz_buf_init(&b);
        yz_buf_init(&hans);
        oracle_fragment(s, i, YZ_LANG_HANT, &b);
        want[i] = yz_buf_take(&b);
        yz_snap_fragment_append(s, i, YZ_LANG_HANS, &hans);
        differ += strcmp(hans.data, want[i]) != 0;
        yz_buf_fini(&hans);
    }
    cr_assert(differ > n / 2, "s2t changes most demo stations: %zu of %zu", differ, n);
    for (int round = 0; round < 2; round++) {
        /* round 0: the conversion is held, every answer converts; round 1: it is done */
        pthread_t th[12];
        hant_reader rd[12];
        for (int t = 0; t < 12; t++) {
            rd[t] = (hant_reader){s, want, 0};
            cr_assert_eq(pthread_create(&th[t], NULL, hant_read, &rd[t]), 0);
        }
        for (int t = 0; t < 12; t++) {
            pthread_join(th[t], NULL);
            cr_assert_eq(rd[t].bad, 0, "round %d thread %d: %d stations differ", round, t,
                         rd[t].bad);
        }
        for (size_t i = 0; i < n; i++) { /* the members, one by one, as fields= asks them */
            yz_buf got;
            yz_buf_init(&got);
            yz_snap_fragment_member_append(s, i, YZ_FM_NAME, YZ_LANG_HANT, &got);
            cr_assert(strstr(want[i], got.data), "round %d station %zu: %s", round, i, got.data);
            yz_buf_fini(&got);
        }
        atomic_store(&yz__snap_hant_hold, false);
        yz_snap_hant_wait(s);
    }
    /* A rebuild from a ready snapshot reuses its texts, without a thread. */
    yz_snap_input in = {0};
    in.stations = yz_snap_copy_stations(s, &in.n_stations);
    yz_snap_input fresh;
    input_demo(&fresh, 11);
    in.facilities = fresh.facilities;
    in.n_facilities = fresh.n_facilities;
    in.districts = fresh.districts;
    in.n_districts = fresh.n_districts;
    yz_station_array_free(fresh.stations, fresh.n_stations);
    in.prev = s;
    yz_snap *s2 = NULL;
    yz_errinfo ei;
    cr_assert_eq(yz_snap_build(&in, norm, &s2, &ei), YZ_OK, "%s", ei.msg_en);
    hant_reader r2 = {s2, want, 0};
    hant_read(&r2);
    cr_assert_eq(r2.bad, 0);
    yz_snap_free(s2);
    /* Freed before its conversion started: the thread is stopped and joined (ASan: no leak). */
    atomic_store(&yz__snap_hant_hold, true);
    yz_snap *s3 = demo_snap(11);
    yz_snap_free(s3);
    atomic_store(&yz__snap_hant_hold, false);
    /* Freed while converting (most rounds catch the thread mid-way): it is stopped and joined
     * before the records it reads are freed (ASan: no use after free). */
    for (int k = 0; k < 20; k++) {
        yz_snap *s4 = demo_snap(11);
        struct timespec ts = {0, 200000L * k};
        nanosleep(&ts, NULL);
        yz_snap_free(s4);
    }
    for (size_t i = 0; i < n; i++)
        yz_free(want[i]);
    yz_free(want);
    yz_snap_free(s);
    yz__snap_hant_async_min = min;
}

/* Every station's fragment, each of its members and its navigation texts, in both languages,
 * byte for byte against the oracle; with texts that need JSON escapes, one that s2t leaves
 * alone, no address, no partner and a district the snapshot does not know. A rebuild that
 * reuses the previous snapshot's traditional texts gives the same bytes. */
Test(catalog, fragments_match_oracle)
{
    yz_snap_input in;
    input_demo(&in, 7);
    cr_assert(in.n_stations > 8);
    yz_station *st = in.stations;
    yz_free(st[0].name);
    st[0].name = yz_strdup("工会\"大厦\" \\ 驿站\t1");
    yz_free(st[1].address);
    st[1].address = NULL;
    yz_free(st[2].partner_name);
    st[2].partner_name = yz_strdup("頭髮 <b>&'\"");
    yz_free(st[3].name);
    st[3].name = yz_strdup("ABC station");
    yz_free(st[3].address);
    st[3].address = yz_strdup("1 Road");
    yz_free(st[4].district_code);
    st[4].district_code = yz_strdup("999999");
    yz_free(st[4].district_name);
    st[4].district_name = yz_strdup("无名区");
    yz_free(st[5].partner_name);
    st[5].partner_name = NULL;
    /* Real names and addresses where s2t converts phrases, not characters: the same
     * simplified character becomes different traditional ones (发 發/髮, 干 幹/乾, 里 裡/里,
     * 后 後/后, 台 臺/台/颱, 面 麵/面), so the coded texts (catalog/hantdiff.h) need their
     * explicit replacements; one code point outside the BMP; texts s2t leaves alone. */
    static const char *const real[][3] = {
        {"头发护理店职工驿站", "鹿城区理发街 12 号后门", "发现广场物业"},
        {"发现广场户外劳动者驿站", "瓯海区头发胡同 7 号", NULL},
        {"干部活动中心爱心驿站", "晒干场路 3 号", "干洗店"},
        {"晒干衣物服务点", "乾隆路 1 号", "干部之家"},
        {"皇后大道东驿站", "后台里弄 8 栋", "皇后饭店"},
        {"面条馆旁驿站", "面包路 5 号里面", "方便面厂工会"},
        {"台风避险点（云台山）", "台湾路 9 号", "台州市总工会"},
        {"𠮷野家旁驿站", "钟表厂里 2 号", "一只船码头"},
        {"Station 7", "Riverside Road", "Tower"},
    };
    for (size_t r = 0; r < sizeof real / sizeof *real && 6 + r < in.n_stations; r++) {
        yz_station *x = &st[6 + r];
        yz_free(x->name);
        x->name = yz_strdup(real[r][0]);
        yz_free(x->address);
        x->address = yz_strdup(real[r][1]);
        yz_free(x->partner_name);
        x->partner_name = real[r][2] ? yz_strdup(real[r][2]) : NULL;
    }
    yz_snap *s = NULL;
    yz_errinfo ei;
    cr_assert_eq(yz_snap_build(&in, norm, &s, &ei), YZ_OK, "%s", ei.msg_en);
    /* The same stations again, built with `s` as the previous snapshot. */
    yz_snap_input in2 = {0};
    in2.stations = yz_snap_copy_stations(s, &in2.n_stations);
    input_demo(&in, 7); /* facilities and districts afresh */
    in2.facilities = in.facilities;
    in2.n_facilities = in.n_facilities;
    in2.districts = in.districts;
    in2.n_districts = in.n_districts;
    yz_station_array_free(in.stations, in.n_stations);
    in2.prev = s;
    yz_snap *s2 = NULL;
    cr_assert_eq(yz_snap_build(&in2, norm, &s2, &ei), YZ_OK, "%s", ei.msg_en);
    size_t differ = 0;
    for (size_t i = 0; i < yz_snap_count(s); i++)
        for (int lang = 0; lang < 2; lang++) {
            yz_buf want, got, got2;
            yz_buf_init(&want);
            yz_buf_init(&got);
            yz_buf_init(&got2);
            oracle_fragment(s, i, lang, &want);
            yz_snap_fragment_append(s, i, lang, &got);
            yz_snap_fragment_append(s2, i, lang, &got2);
            cr_assert_str_eq(got.data, want.data, "station %zu lang %d", i, lang);
            cr_assert_str_eq(got2.data, want.data, "rebuilt: station %zu lang %d", i, lang);
            if (lang == YZ_LANG_HANT) { /* s2t changed something somewhere */
                yz_buf hans;
                yz_buf_init(&hans);
                yz_snap_fragment_append(s, i, YZ_LANG_HANS, &hans);
                differ += strcmp(hans.data, got.data) != 0;
                yz_buf_fini(&hans);
            }
            /* The members joined by commas are the fragment. */
            yz_buf joined;
            yz_buf_init(&joined);
            for (int m = 0; m < YZ_FM__COUNT; m++) {
                size_t at = joined.len;
                if (at)
                    yz_buf_putc(&joined, ',');
                if (!yz_snap_fragment_member_append(s, i, m, lang, &joined))
                    yz_buf_truncate(&joined, at);
            }
            cr_assert_str_eq(joined.data, want.data, "members of station %zu", i);
            /* The name in that language is the one in the fragment. */
            yz_buf nm;
            yz_buf_init(&nm);
            yz_buf_puts(&nm, "\"name\":");
            yz_buf name;
            yz_buf_init(&name);
            yz_snap_name_lang_append(s, i, lang, &name);
            yz_buf_json_str(&nm, name.data, name.len);
            cr_assert(strstr(want.data, nm.data), "station %zu: %s", i, nm.data);
            yz_buf_fini(&nm);
            yz_buf_fini(&name);
            yz_buf_fini(&joined);
            yz_buf_fini(&want);
            yz_buf_fini(&got);
            yz_buf_fini(&got2);
        }
    cr_assert(differ > 0);
    /* Navigation texts: GCJ-02 with 6 decimals, the name percent-encoded. */
    for (size_t i = 0; i < yz_snap_count(s); i++) {
        yz_nav_text nt;
        char scratch[YZ_SNAP_NAV_SCRATCH];
        yz_snap_nav_text(s, i, &nt, scratch);
        yz_point g = yz_snap_position(s, i, YZ_CRS_GCJ02);
        char lat[32], lon[32];
        size_t la = yz_fmt_fixed(lat, g.lat, YZ_NAV_DECIMALS),
               lo = yz_fmt_fixed(lon, g.lon, YZ_NAV_DECIMALS);
        cr_assert_eq(nt.lat_len, la);
        cr_assert_eq(nt.lon_len, lo);
        cr_assert(memcmp(nt.lat6, lat, la) == 0 && memcmp(nt.lon6, lon, lo) == 0);
        yz_buf u;
        yz_buf_init(&u);
        yz_buf_url_encode(&u, yz_snap_station(s, i)->name);
        cr_assert_eq(nt.name_len, u.len);
        cr_assert(memcmp(nt.name_url, u.data, u.len) == 0, "station %zu", i);
        yz_buf_fini(&u);
    }
    yz_snap_free(s2);
    yz_snap_free(s);
}

/* The navigation text's percent-encoding against yz_buf_url_encode, for names holding every
 * ASCII byte from 0x01 to 0x7f (the unreserved ones kept, the rest escaped) and UTF-8. */
Test(catalog, nav_text_encodes_every_byte)
{
    yz_snap_input in;
    input_demo(&in, 13);
    size_t m = in.n_stations < 8 ? in.n_stations : 8;
    for (size_t i = 0; i < m; i++) {
        char name[200];
        size_t n = 0;
        for (unsigned c = 1 + (unsigned)i * 16; c < 128 && n < 16; c++)
            name[n++] = (char)c;
        memcpy(name + n, "驿站", sizeof "驿站"); /* with the NUL */
        yz_free(in.stations[i].name);
        in.stations[i].name = yz_strdup(name);
    }
    yz_snap *s = NULL;
    yz_errinfo ei;
    cr_assert_eq(yz_snap_build(&in, norm, &s, &ei), YZ_OK, "%s", ei.msg_en);
    for (size_t i = 0; i < yz_snap_count(s); i++) {
        yz_nav_text nt;
        char scratch[YZ_SNAP_NAV_SCRATCH];
        yz_snap_nav_text(s, i, &nt, scratch);
        yz_buf u;
        yz_buf_init(&u);
        yz_buf_url_encode(&u, yz_snap_station(s, i)->name);
        cr_assert_eq(nt.name_len, u.len, "station %zu", i);
        cr_assert(memcmp(nt.name_url, u.data, u.len) == 0, "station %zu: %s vs %s", i,
                  nt.name_url, u.data);
        yz_buf_fini(&u);
    }
    yz_snap_free(s);
}

static void expect_same_str(const char *got, const char *want, const char *field, size_t i)
{
    cr_expect((!got && !want) || (got && want && strcmp(got, want) == 0),
              "station %zu: %s is \"%s\", want \"%s\"", i, field, got ? got : "(null)",
              want ? want : "(null)");
}

static void expect_same_station(const yz_station *got, const yz_station *want, size_t i)
{
    cr_expect_eq(got->id, want->id, "station %zu: id", i);
    expect_same_str(got->code, want->code, "code", i);
    expect_same_str(got->name, want->name, "name", i);
    expect_same_str(got->address, want->address, "address", i);
    expect_same_str(got->district_code, want->district_code, "district_code", i);
    expect_same_str(got->district_name, want->district_name, "district_name", i);
    cr_expect(memcmp(&got->lat, &want->lat, sizeof got->lat) == 0, "station %zu: lat", i);
    cr_expect(memcmp(&got->lon, &want->lon, sizeof got->lon) == 0, "station %zu: lon", i);
    cr_expect_eq(got->tier, want->tier, "station %zu: tier", i);
    cr_expect_eq(got->partner_kind, want->partner_kind, "station %zu: partner_kind", i);
    expect_same_str(got->partner_name, want->partner_name, "partner_name", i);
    cr_expect_eq(got->facilities, want->facilities, "station %zu: facilities", i);
    expect_same_str(got->opening_hours, want->opening_hours, "opening_hours", i);
    expect_same_str(got->tz, want->tz, "tz", i);
    cr_expect_eq(got->status, want->status, "station %zu: status", i);
    expect_same_str(got->closed_reason, want->closed_reason, "closed_reason", i);
    cr_expect_eq(got->closed_until, want->closed_until, "station %zu: closed_until", i);
    expect_same_str(got->phone, want->phone, "phone", i);
    cr_expect_eq(got->seats, want->seats, "station %zu: seats", i);
    cr_expect_eq(got->livelihood, want->livelihood, "station %zu: livelihood", i);
    cr_expect_eq(got->batch, want->batch, "station %zu: batch", i);
    cr_expect_eq(got->online_maps, want->online_maps, "station %zu: online_maps", i);
    cr_expect_eq(got->created_at, want->created_at, "station %zu: created_at", i);
    cr_expect_eq(got->updated_at, want->updated_at, "station %zu: updated_at", i);
    cr_expect_eq(got->version, want->version, "station %zu: version", i);
}

/* The snapshot keeps its records compact (docs/internals/catalog.md, "Memory"): every field
 * of every station comes back exactly as built from - through yz_snap_station_get, the
 * narrow accessors, yz_snap_station and yz_snap_copy_stations - with the records given
 * values that do not fit the compact row (times far apart, versions past 32 bits, out of
 * range enumerations, closed_until) and every optional string missing or empty somewhere.
 * The oracle is a deep copy of the input taken before the build. */
Test(catalog, records_round_trip)
{
    yz_snap_input in;
    input_demo(&in, 11);
    size_t n = in.n_stations;
    yz_station *st = in.stations;
    cr_assert(n > 40);
    for (size_t i = 0; i < n; i++) {
        st[i].created_at = 1700000000 + (int64_t)i * 61;
        st[i].updated_at = st[i].created_at + (int64_t)(i % 5) * 3600;
        st[i].version = 1 + (int64_t)(i % 4);
        st[i].seats = (int)(i % 13);
        st[i].livelihood = i % 3 == 0;
        st[i].online_maps = (unsigned)(i % 8);
    }
    char **opt[] = {&st[1].address,      &st[2].partner_name, &st[3].phone,
                    &st[4].closed_reason, &st[5].district_name, &st[6].opening_hours,
                    &st[7].tz};
    for (size_t k = 0; k < sizeof opt / sizeof *opt; k++) {
        yz_free(*opt[k]);
        *opt[k] = NULL;
    }
    yz_free(st[8].address);
    st[8].address = yz_strdup("");
    yz_free(st[8].phone);
    st[8].phone = yz_strdup("");
    yz_free(st[9].partner_name);
    st[9].partner_name = yz_strdup("");
    st[10].version = INT64_C(1) << 40;                 /* past 32 bits */
    st[11].created_at = -86400;                         /* before 1970 */
    st[12].updated_at = INT64_C(1) << 41;               /* past 2106 */
    st[13].status = YZ_STATUS_CLOSED_TEMP;
    st[13].closed_until = 1800000000;                   /* rare: kept aside */
    st[14].online_maps = 0x1ff;                         /* past a byte */
    st[15].seats = 2147483647;
    st[16].batch = YZ_BATCH_NONE;
    st[17].version = -3;
    st[18].tier = 300; /* past a byte; planned: the spatial index takes tiers it knows */
    st[18].status = YZ_STATUS_PLANNED;
    st[19].status = YZ_STATUS_CLOSED_TEMP;
    st[19].closed_until = 0;                            /* until further notice */
    yz_station *want = yz_calloc(n, sizeof *want);
    for (size_t i = 0; i < n; i++)
        yz_station_copy(&want[i], &st[i]);
    /* A station without its district's name (as a store's scan gives them) gets the district
     * list's. */
    cr_assert_not_null(want[5].district_code);
    for (size_t d = 0; d < in.n_districts; d++)
        if (strcmp(in.districts[d].code, want[5].district_code) == 0)
            want[5].district_name = yz_strdup(in.districts[d].name);
    cr_assert_not_null(want[5].district_name);

    yz_snap *s = NULL;
    yz_errinfo ei;
    cr_assert_eq(yz_snap_build(&in, norm, &s, &ei), YZ_OK, "%s", ei.msg_en);
    cr_assert_eq(yz_snap_count(s), n);
    size_t nc = 0;
    yz_station *copy = yz_snap_copy_stations(s, &nc);
    cr_assert_eq(nc, n);
    for (size_t i = 0; i < n; i++) { /* ids are i + 1: positions are input order */
        yz_station buf;
        const yz_station *got = yz_snap_station_get(s, i, &buf);
        cr_assert_eq(got, &buf);
        expect_same_station(got, &want[i], i);
        expect_same_station(yz_snap_station(s, i), &want[i], i);
        expect_same_station(&copy[i], &want[i], i);
        cr_expect_eq(yz_snap_station_id(s, i), want[i].id);
        expect_same_str(yz_snap_station_code(s, i), want[i].code, "code (narrow)", i);
        expect_same_str(yz_snap_station_name(s, i), want[i].name, "name (narrow)", i);
        cr_expect_eq(yz_snap_station_status(s, i), want[i].status, "station %zu: status", i);
        expect_same_str(yz_snap_station_district_code(s, i), want[i].district_code,
                        "district_code (narrow)", i);
        cr_expect_eq(yz_snap_station_version(s, i), want[i].version, "station %zu: version", i);
    }
    /* A closure with an end is honoured from the side table. */
    int64_t next = 0;
    cr_expect(!yz_snap_is_open(s, 13, 1800000000 - 1));
    cr_expect_eq(yz_snap_next_change(s, 13, 1800000000 - 100, &next), YZ_OK);
    cr_expect(next >= 1800000000, "reopens at its end or later, not %lld", (long long)next);
    cr_expect_eq(yz_snap_next_change(s, 19, 1800000000, &next), YZ_ENOTFOUND);
    yz_station_array_free(copy, nc);
    yz_station_array_free(want, n);
    yz_snap_free(s);
}

/* The coding of traditional texts against the simplified ones (catalog/hantdiff.h), for pairs
 * written out here (the fragment test above checks it against OpenCC): replacements the table
 * learns, others against it (explicit), lengths that differ and bytes that are not UTF-8
 * (stored whole), code points of every UTF-8 length, and a buffer too small. */
Test(catalog, hant_coding_roundtrip)
{
    static const char *const pairs[][2] = {
        {"头发", "頭髮"},
        {"发现头发", "發現頭髮"}, /* 发 -> 發 against the table's 髮 */
        {"发发发", "發髮發"},
        {"a发 b", "a髮 b"},
        {"é发", "è髮"},        /* a 2-byte code point replaced */
        {"𠮷发", "吉發"},     /* 4 bytes to 3 */
        {"发", "𠮷"},         /* 3 bytes to 4 */
        {"万历", "萬曆年"},   /* lengths differ: whole */
        {"abc", "abd"},
        {"头\xff", "頭\xff"}, /* not UTF-8: whole */
        {"same", "same"},
        {"", ""},
    };
    size_t n = sizeof pairs / sizeof *pairs;
    yz__hantmap m;
    yz__hantmap_init(&m);
    yz_buf code;
    yz_buf_init(&code);
    size_t at[sizeof pairs / sizeof *pairs];
    for (size_t i = 0; i < n; i++) {
        at[i] = code.len;
        yz__hant_encode(&m, pairs[i][0], pairs[i][1], &code);
    }
    /* Decoded after every pair was coded: the table only grew meanwhile. */
    const unsigned char *p = (const unsigned char *)code.data;
    for (size_t i = 0; i < n; i++) {
        cr_assert_eq(p, (const unsigned char *)code.data + at[i], "pair %zu", i);
        char out[64];
        size_t len = yz__hant_decode(&m, pairs[i][0], p, out, sizeof out);
        cr_assert_eq(len, strlen(pairs[i][1]), "pair %zu", i);
        cr_assert_str_eq(out, pairs[i][1], "pair %zu", i);
        yz_buf b;
        yz_buf_init(&b);
        yz_buf_puts(&b, "x");
        yz__hant_decode_buf(&m, pairs[i][0], p, &b);
        cr_assert_str_eq(b.data + 1, pairs[i][1], "pair %zu", i);
        cr_assert_eq(b.len, 1 + strlen(pairs[i][1]));
        yz_buf_fini(&b);
        if (len > 0)
            cr_assert_eq(yz__hant_decode(&m, pairs[i][0], p, out, len), SIZE_MAX);
        p = yz__hant_skip(p);
    }
    cr_assert_eq(p, (const unsigned char *)code.data + code.len);
    /* 头发 costs 3 bytes (a count, two gaps), not its 6 bytes of text and a NUL. */
    cr_assert_eq(at[1], 3);
    cr_assert(yz__hantmap_bytes(&m) > 0);
    yz_buf_fini(&code);
    yz__hantmap_fini(&m);
    yz__hantmap_fini(NULL);
}

/* --- the start: stations loaded one at a time, the text index after the build ---------- */

/* Every station's record and both fragments of `a` and `b` are the same. */
static void assert_same_stations(const yz_snap *a, const yz_snap *b)
{
    cr_assert_eq(yz_snap_count(a), yz_snap_count(b));
    for (size_t i = 0; i < yz_snap_count(a); i++) {
        yz_station x, y;
        yz_snap_station_get(a, i, &x);
        yz_snap_station_get(b, i, &y);
        cr_assert_eq(x.id, y.id);
        cr_assert_eq(x.created_at, y.created_at);
        cr_assert_eq(x.version, y.version);
        cr_assert_str_eq(x.code, y.code);
        cr_assert_str_eq(x.opening_hours ? x.opening_hours : "", y.opening_hours ? y.opening_hours : "");
        for (int lang = 0; lang < 2; lang++) {
            yz_buf fa, fb;
            yz_buf_init(&fa);
            yz_buf_init(&fb);
            yz_snap_fragment_append(a, i, lang, &fa);
            yz_snap_fragment_append(b, i, lang, &fb);
            cr_assert_str_eq(fa.data, fb.data, "station %zu lang %d", i, lang);
            yz_buf_fini(&fa);
            yz_buf_fini(&fb);
        }
        cr_assert_eq(yz_snap_is_open(a, i, 1764230400), yz_snap_is_open(b, i, 1764230400));
    }
}

/* A loader given the stations in reverse id order, after a reset that drops a first partial
 * pass (a store's read run again), builds the snapshot an array in id order builds; a
 * station whose times do not fit the 32-bit window around the first is kept exact. */
Test(catalog, loader_any_order_and_reset)
{
    yz_snap_input in;
    input_demo(&in, 5);
    in.stations[3].created_at = INT64_C(-100000000000); /* ~3,000 years before the others */
    yz_snap_input arr;
    input_demo(&arr, 5); /* the same stations again */
    arr.stations[3].created_at = INT64_C(-100000000000);
    yz_snap *a = NULL, *b = NULL;
    yz_errinfo ei;
    cr_assert_eq(yz_snap_build(&arr, norm, &a, &ei), YZ_OK, "%s", ei.msg_en);

    yz_snap_loader *l = yz_snap_loader_new(3);
    for (size_t i = 0; i < 10; i++)
        yz_snap_loader_add(l, &in.stations[i]);
    yz_snap_loader_reset(l, 0);
    for (size_t i = in.n_stations; i-- > 0;)
        yz_snap_loader_add(l, &in.stations[i]);
    yz_station_array_free(in.stations, in.n_stations);
    in.stations = NULL;
    in.n_stations = 0;
    in.loader = l;
    cr_assert_eq(yz_snap_build(&in, norm, &b, &ei), YZ_OK, "%s", ei.msg_en);
    assert_same_stations(a, b);
    long i3 = yz_snap_find_id(b, 4);
    yz_station st;
    cr_assert_eq(yz_snap_station_get(b, (size_t)i3, &st)->created_at, INT64_C(-100000000000));
    yz_snap_free(a);
    yz_snap_free(b);
}

typedef struct text_reader {
    const yz_snap *s;
    const char *const *q;
    size_t nq;
    uint32_t **pos;  /* per query: its positions */
    size_t *n;
    atomic_int *done;
} text_reader;

static void *text_read(void *arg)
{
    text_reader *r = arg;
    yz_textnorm *tn = NULL;
    yz_errinfo ei;
    cr_assert_eq(yz_textnorm_new(&tn, &ei), YZ_OK);
    for (size_t k = 0; k < r->nq; k++) {
        yz_list_query q = {.text = r->q[k], .district = -1, .status = -1, .limit = 50};
        size_t total;
        cr_assert_eq(yz_snap_list(r->s, tn, &q, &r->pos[k], &r->n[k], &total, &ei), YZ_OK);
    }
    yz_textnorm_free(tn);
    atomic_fetch_add(r->done, 1);
    return NULL;
}

/* A large start's text index is built after the snapshot is returned
 * (yz__snap_text_async_min): searches that come first wait for it and then answer as a
 * snapshot built with its index does; freeing a snapshot whose index is held stops it. */
Test(catalog, text_index_after_build)
{
    static const char *const qs[] = {"工会", "驿站", "gh", "wz", "号", "鹿城", "\xe5\xb7\xa5"};
    enum { NQ = sizeof qs / sizeof *qs, NT = 4 };
    yz_snap *a = demo_snap(11);
    uint32_t *want[NQ];
    size_t nwant[NQ];
    atomic_int done = 0;
    text_reader ra = {a, qs, NQ, want, nwant, &done};
    text_read(&ra);
    cr_assert(nwant[0] > 0 && nwant[1] > 0);

    size_t min = yz__snap_text_async_min;
    yz__snap_text_async_min = 1;
    atomic_store(&yz__snap_text_hold, true);
    yz_snap *b = demo_snap(11);
    assert_same_stations(a, b);
    pthread_t th[NT];
    text_reader rd[NT];
    uint32_t *got[NT][NQ];
    size_t ngot[NT][NQ];
    atomic_store(&done, 0);
    for (int t = 0; t < NT; t++) {
        rd[t] = (text_reader){b, qs, NQ, got[t], ngot[t], &done};
        cr_assert_eq(pthread_create(&th[t], NULL, text_read, &rd[t]), 0);
    }
    struct timespec ts = {0, 50000000};
    nanosleep(&ts, NULL);
    cr_assert_eq(atomic_load(&done), 0, "a search answered before the text index was built");
    atomic_store(&yz__snap_text_hold, false);
    for (int t = 0; t < NT; t++) {
        pthread_join(th[t], NULL);
        for (size_t k = 0; k < NQ; k++) {
            cr_assert_eq(ngot[t][k], nwant[k], "query %s", qs[k]);
            cr_assert_arr_eq(got[t][k], want[k], nwant[k] * sizeof *want[k], "query %s", qs[k]);
            yz_free(got[t][k]);
        }
    }
    cr_assert_eq(yz_snap_text_bytes(b), yz_snap_text_bytes(a));
    atomic_store(&yz__snap_text_hold, true);
    yz_snap *c = demo_snap(11);
    yz_snap_free(c); /* held: the thread gives up */
    atomic_store(&yz__snap_text_hold, false);
    yz__snap_text_async_min = min;
    for (size_t k = 0; k < NQ; k++)
        yz_free(want[k]);
    yz_snap_free(a);
    yz_snap_free(b);
}
