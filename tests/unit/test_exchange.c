/* SPDX-License-Identifier: MIT */
/* tests/unit/test_exchange.c - CSV and GeoJSON readers (quoting, errors naming row and field,
 * all-or-nothing), the API's JSON object (create and patch), and write -> read round trips. */
#include "exchange/exchange.h"

#include "core/alloc.h"
#include "core/buf.h"
#include "model/facility.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static yz_facility fac_items[32];
static yz_facility_list fac;

static void setup(void)
{
    for (size_t i = 0; i < yz_facility_seed_count; i++) {
        fac_items[i].code = (char *)yz_facility_seeds[i].code;
        fac_items[i].bit = yz_facility_seeds[i].bit;
    }
    fac = (yz_facility_list){fac_items, yz_facility_seed_count};
}

TestSuite(exchange, .init = setup);

#define HDR "code,name,address,district_code,district_name,lat,lon,crs,tier,partner_kind," \
            "partner_name,facilities,opening_hours,status,phone,seats,livelihood,batch\r\n"

static int read_csv(const char *csv, yz_station **rows, size_t *n, yz_errinfo *ei)
{
    yz_district *d = NULL;
    size_t nd = 0;
    int err = yz_exchange_read_csv(csv, strlen(csv), fac, rows, n, &d, &nd, ei);
    yz_exchange_districts_free(d, nd);
    return err;
}

Test(exchange, csv_quoting_bom_crlf_blank_lines)
{
    const char *csv = "\xEF\xBB\xBF" HDR
                      "A1,\"名字, 带逗号\",\"他说\"\"你好\"\"\",330302,鹿城区,28.0,120.6,,benchmark,"
                      "china_tower,中国铁塔,toilet;battery_swap,\"Mo-Fr 08:00-20:00; Sa 09:00-12:00\","
                      "open,0577-1,12,true,upgrade\r\n"
                      "\r\n"
                      "A2,二号,\"普通地址\",330302,鹿城区,28.1,120.7,wgs84,,,,,,,,,,\n";
    yz_station *rows;
    size_t n;
    yz_errinfo ei;
    cr_assert_eq(read_csv(csv, &rows, &n, &ei), YZ_OK, "%s", ei.msg_en);
    cr_assert_eq(n, 2);
    cr_assert_str_eq(rows[0].name, "名字, 带逗号");
    cr_assert_str_eq(rows[0].address, "他说\"你好\"");
    cr_assert_eq(rows[0].tier, YZ_TIER_BENCHMARK);
    cr_assert_eq(rows[0].partner_kind, YZ_PARTNER_CHINA_TOWER);
    cr_assert_eq(rows[0].facilities, (UINT64_C(1) << 3) | (UINT64_C(1) << 9));
    cr_assert_str_eq(rows[0].opening_hours, "Mo-Fr 08:00-20:00; Sa 09:00-12:00");
    cr_assert_eq(rows[0].seats, 12);
    cr_assert(rows[0].livelihood);
    cr_assert_eq(rows[0].batch, YZ_BATCH_UPGRADE);
    cr_assert_str_eq(rows[1].address, "普通地址");
    cr_assert_eq(rows[1].tier, YZ_TIER_BASIC, "empty optional fields take defaults");
    cr_assert_eq(rows[1].status, YZ_STATUS_OPEN);
    cr_assert_null(rows[1].opening_hours);
    yz_station_array_free(rows, n);
}

static void expect_csv_error(const char *csv, const char *field, const char *in_msg)
{
    yz_station *rows = (yz_station *)1;
    size_t n = 7;
    yz_errinfo ei;
    cr_assert_eq(read_csv(csv, &rows, &n, &ei), YZ_EINVAL, "accepted: %s", csv);
    cr_assert_null(rows);
    cr_assert_eq(n, 0);
    cr_assert_str_eq(ei.field, field, "%s", ei.msg_en);
    cr_assert(strstr(ei.msg_en, in_msg), "'%s' lacks '%s'", ei.msg_en, in_msg);
    cr_assert(strlen(ei.msg) > 0);
}

Test(exchange, csv_errors_name_row_and_field)
{
    expect_csv_error(HDR "A1,n,a,330302,d,28,120,,,,,,,,,,,\nA2,n,a,330302,d,91,120,,,,,,,,,,,\n",
                     "lat", "row 3");
    expect_csv_error(HDR "A1,n,a,330302,d,28,120,,,,,sauna,,,,,,\n", "facilities", "sauna");
    expect_csv_error(HDR "A1,n,a,330302,d,28,120,,gold,,,,,,,,,\n", "tier", "row 2");
    expect_csv_error(HDR "A1,n,a,330302,d,28,120,,,,,,Mo-Fr 8-9,,,,,\n", "opening_hours", "row 2");
    expect_csv_error(HDR "A1,n,a,330302,d,28,120,,,,,,,,,-3,,\n", "seats", "row 2");
    expect_csv_error(HDR "A1,n,a,330302,d,28,120,,,,,,,,,,maybe,\n", "livelihood", "row 2");
    expect_csv_error(HDR "A1,,a,330302,d,28,120,,,,,,,,,,,\n", "name", "row 2");
    expect_csv_error(HDR "A1,n,a,330302,d,28,,,,,,,,,,,,\n", "lon", "row 2");
    expect_csv_error(HDR "A1,n,a,330302,d,28,120\n", "", "row 2: 7 fields");
    expect_csv_error(HDR "A1,\"unterminated,a,330302,d,28,120,,,,,,,,,,,\n", "", "quotes");
    expect_csv_error(HDR "A1,n,a,330302,d,28,120,,,,,,,,,,,\nA1,m,a,330302,d,28,120,,,,,,,,,,,\n",
                     "code", "row 3");
    expect_csv_error("code,name,colour\nA1,n,red\n", "header", "colour");
    expect_csv_error(HDR "A1,\xff\xfe,a,330302,d,28,120,,,,,,,,,,,\n", "name", "UTF-8");
    expect_csv_error("", "header", "header");
    /* A quoted field may span lines; rows keep their line numbers; control characters in
     * text are refused. */
    expect_csv_error(HDR "A1,n,\"two\nlines\",330302,d,28,120,,,,,,,,,,,\n"
                         "A2,n,a,330302,d,28,999,,,,,,,,,,,\n",
                     "address", "row 2");
    expect_csv_error(HDR "A1,n,ok,330302,d,28,120,,,,,,,,,,,\n\n"
                         "A2,\"x\ny\",a,330302,d,28,120,,,,,,,,,,,\n",
                     "name", "row 4");
}

Test(exchange, csv_round_trip)
{
    const char *csv = HDR "B1,\"甲, 乙\",地址,330302,鹿城区,28.0000000,120.6000000,,smart24h,gas_station,"
                          "中石化,toilet,24/7,open,,0,false,\r\n";
    yz_station *rows;
    size_t n;
    yz_errinfo ei;
    cr_assert_eq(read_csv(csv, &rows, &n, &ei), YZ_OK, "%s", ei.msg_en);
    cr_assert_eq(rows[0].online_maps, 0u, "a file without the column: on no map");
    rows[0].online_maps = (1u << YZ_MAP_AMAP) | (1u << YZ_MAP_TENCENT);
    yz_buf out;
    yz_buf_init(&out);
    yz_exchange_write_csv(rows, n, fac, &out);
    cr_assert(strstr(out.data, ",batch,online_maps\r\n"), "%s", out.data);
    cr_assert(strstr(out.data, ",amap;tencent\r\n"), "%s", out.data);
    yz_station *again;
    size_t m;
    cr_assert_eq(read_csv(out.data, &again, &m, &ei), YZ_OK, "%s\n%s", ei.msg_en, out.data);
    cr_assert_eq(m, 1);
    cr_assert_str_eq(again[0].name, "甲, 乙");
    cr_assert_eq(again[0].lat, rows[0].lat);
    cr_assert_eq(again[0].facilities, rows[0].facilities);
    cr_assert_eq(again[0].tier, YZ_TIER_SMART24H);
    cr_assert_eq(again[0].online_maps, rows[0].online_maps);
    yz_buf_reset(&out);
    yz_exchange_write_geojson(rows, n, fac, &out);
    yz_district *d;
    size_t nd;
    yz_station *g;
    size_t ng;
    cr_assert_eq(yz_exchange_read_geojson(out.data, out.len, fac, &g, &ng, &d, &nd, &ei), YZ_OK,
                 "%s", ei.msg_en);
    cr_assert_eq(ng, 1);
    cr_assert_str_eq(g[0].partner_name, "中石化");
    cr_assert_float_eq(g[0].lon, 120.6, 1e-9);
    cr_assert(strstr(out.data, "\"online_maps\":[\"amap\",\"tencent\"]"), "%s", out.data);
    cr_assert_eq(g[0].online_maps, rows[0].online_maps);
    cr_assert_eq(nd, 1);
    cr_assert_str_eq(d[0].name, "鹿城区");
    yz_exchange_districts_free(d, nd);
    yz_station_array_free(g, ng);
    yz_station_array_free(again, m);
    yz_station_array_free(rows, n);
    yz_buf_fini(&out);
}

Test(exchange, geojson_errors)
{
    const char *bad[] = {
        "{\"type\":\"Feature\"}",
        "{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\",\"geometry\":"
        "{\"type\":\"LineString\",\"coordinates\":[[1,2],[3,4]]},\"properties\":{}}]}",
        "{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\",\"geometry\":"
        "{\"type\":\"Point\",\"coordinates\":[120,28]},\"properties\":{\"code\":\"X\"}}]}",
        "not json",
    };
    const char *field[] = {"type", "geometry", "name", ""};
    for (size_t i = 0; i < 4; i++) {
        yz_station *rows;
        size_t n;
        yz_district *d;
        size_t nd;
        yz_errinfo ei;
        cr_assert_eq(yz_exchange_read_geojson(bad[i], strlen(bad[i]), fac, &rows, &n, &d, &nd,
                                              &ei),
                     YZ_EINVAL, "case %zu", i);
        cr_assert_str_eq(ei.field, field[i], "case %zu: %s", i, ei.msg_en);
        cr_assert_null(rows);
    }
}

Test(exchange, json_create_and_patch)
{
    yz_errinfo ei;
    json_error_t je;
    json_t *j = json_loads("{\"code\":\"C1\",\"name\":\"站\",\"district_code\":\"330302\","
                           "\"lat\":28.0,\"lon\":120.6,\"crs\":\"gcj02\",\"facilities\":"
                           "[\"toilet\"],\"seats\":5,\"livelihood\":true,\"id\":99}",
                           0, &je);
    yz_station s;
    yz_station_init(&s);
    cr_assert_eq(yz_exchange_station_from_json(j, fac, false, &s, &ei), YZ_OK, "%s", ei.msg_en);
    cr_assert(s.lon < 120.6 && s.lon > 120.59, "gcj02 converted to wgs84: %f", s.lon);
    cr_assert_eq(s.seats, 5);
    cr_assert_eq(s.id, 0, "read-only members are ignored");
    json_decref(j);

    j = json_loads("{\"name\":\"新名\",\"phone\":null}", 0, &je);
    double lat = s.lat;
    cr_assert_eq(yz_exchange_station_from_json(j, fac, true, &s, &ei), YZ_OK, "%s", ei.msg_en);
    cr_assert_str_eq(s.name, "新名");
    cr_assert_eq(s.lat, lat, "a patch leaves absent fields alone");
    json_decref(j);

    const char *bad[] = {"{\"lat\":\"north\"}", "{\"lat\":28}", "{\"seats\":[1]}",
                         "{\"colour\":1}", "{\"facilities\":[1]}", "{\"crs\":\"utm\"}"};
    const char *field[] = {"lat", "lon", "seats", "colour", "facilities", "crs"};
    for (size_t i = 0; i < 6; i++) {
        j = json_loads(bad[i], 0, &je);
        yz_station c;
        yz_station_copy(&c, &s);
        cr_assert_eq(yz_exchange_station_from_json(j, fac, true, &c, &ei), YZ_EINVAL, "%s", bad[i]);
        cr_assert_str_eq(ei.field, field[i], "%s: %s", bad[i], ei.msg_en);
        yz_station_fini(&c);
        json_decref(j);
    }
    j = json_loads("{\"name\":\"x\"}", 0, &je);
    yz_station c;
    yz_station_init(&c);
    cr_assert_eq(yz_exchange_station_from_json(j, fac, false, &c, &ei), YZ_EINVAL);
    json_decref(j);
    yz_station_fini(&c);
    yz_station_fini(&s);
}

/* A station with the given name, address and phone, everything else plain. */
static void hostile_station(yz_station *s, const char *code, const char *name,
                            const char *address, const char *phone)
{
    yz_station_init(s);
    s->code = yz_strdup(code);
    s->name = yz_strdup(name);
    s->address = address ? yz_strdup(address) : NULL;
    s->district_code = yz_strdup("330302");
    s->district_name = yz_strdup("鹿城区");
    s->phone = phone ? yz_strdup(phone) : NULL;
    s->lat = -33.5;
    s->lon = -120.25;
    s->seats = 3;
}

/* Issue 10, defect 7: text cells that a spreadsheet would run as a formula go out with a
 * leading single quote (OWASP) and quoted; numbers stay plain; import takes the quote off
 * again, so the texts come back exactly, a name that itself starts with "'=" included. */
Test(exchange, csv_formula_cells_guarded_and_round_trip)
{
    static const struct {
        const char *code, *name, *address, *phone;
        const char *cells[3]; /* how name, address and phone must appear in the file */
    } c[] = {
        {"H1", "=HYPERLINK(\"http://x\",\"y\")", "+1", "-2+3",
         {"\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"", "\"'+1\"", "\"'-2+3\""}},
        {"H2", "@SUM(A1)", "'=1", "+86 577 1234",
         {"\"'@SUM(A1)\"", "\"''=1\"", "\"'+86 577 1234\""}},
        {"H3", "'=HYPERLINK(\"http://x\")", "''+2", NULL,
         {"\"''=HYPERLINK(\"\"http://x\"\")\"", "\"'''+2\"", ","}},
        {"-H4", "O'Brien 驿站", "'s place", "0577-1",
         {",O'Brien 驿站,", ",'s place,", ",0577-1,"}},
    };
    const size_t nc = sizeof c / sizeof c[0];
    yz_station st[sizeof c / sizeof c[0]];
    for (size_t i = 0; i < nc; i++)
        hostile_station(&st[i], c[i].code, c[i].name, c[i].address, c[i].phone);
    yz_buf out;
    yz_buf_init(&out);
    yz_exchange_write_csv(st, nc, fac, &out);
    for (size_t i = 0; i < nc; i++)
        for (size_t k = 0; k < 3; k++)
            cr_assert(strstr(out.data, c[i].cells[k]), "case %zu: no cell %s in\n%s", i,
                      c[i].cells[k], out.data);
    cr_assert(strstr(out.data, "\r\n\"'-H4\","), "a code starting with - is guarded:\n%s",
              out.data);
    cr_assert(strstr(out.data, ",-33.5000000,-120.2500000,wgs84,"),
              "a negative position is a number, not a formula:\n%s", out.data);
    cr_assert(!strstr(out.data, "'-33") && !strstr(out.data, "'-120"), "%s", out.data);

    yz_station *rows;
    size_t n;
    yz_errinfo ei;
    cr_assert_eq(read_csv(out.data, &rows, &n, &ei), YZ_OK, "%s\n%s", ei.msg_en, out.data);
    cr_assert_eq(n, nc);
    for (size_t i = 0; i < nc; i++) {
        cr_assert_str_eq(rows[i].code, c[i].code);
        cr_assert_str_eq(rows[i].name, c[i].name);
        cr_assert_str_eq(rows[i].address, c[i].address);
        if (c[i].phone)
            cr_assert_str_eq(rows[i].phone, c[i].phone);
        else
            cr_assert_null(rows[i].phone);
        cr_assert_eq(rows[i].lon, -120.25);
        cr_assert_eq(rows[i].seats, 3);
    }
    /* Export of what was imported is the same file, byte for byte. */
    yz_buf again;
    yz_buf_init(&again);
    yz_exchange_write_csv(rows, n, fac, &again);
    cr_assert_str_eq(again.data, out.data);
    yz_buf_fini(&again);
    yz_station_array_free(rows, n);
    for (size_t i = 0; i < nc; i++)
        yz_station_fini(&st[i]);
    yz_buf_fini(&out);
}

/* A tab or carriage return in front is guarded too (stations refuse control characters,
 * but the writer must not rely on that), and the reader takes the guard off only where it
 * stands before a formula character. */
Test(exchange, csv_formula_tab_cr_and_reader_rule)
{
    yz_station s;
    hostile_station(&s, "T1", "\t=1", "\r=2", NULL);
    yz_buf out;
    yz_buf_init(&out);
    yz_exchange_write_csv(&s, 1, fac, &out);
    cr_assert(strstr(out.data, ",\"'\t=1\",\"'\r=2\","), "%s", out.data);
    yz_buf_fini(&out);
    yz_station_fini(&s);

    /* Hand-written files: "'=x" is read as "=x" (what a spreadsheet shows), a quote before
     * other text is kept, numbers are never unguarded. */
    yz_station *rows;
    size_t n;
    yz_errinfo ei;
    cr_assert_eq(read_csv(HDR "A1,'=x,'abc,330302,d,28,120,,,,'@p,,,,'+86 1,,,\n", &rows, &n,
                          &ei),
                 YZ_OK, "%s", ei.msg_en);
    cr_assert_str_eq(rows[0].name, "=x");
    cr_assert_str_eq(rows[0].address, "'abc");
    cr_assert_str_eq(rows[0].partner_name, "@p");
    cr_assert_str_eq(rows[0].phone, "+86 1");
    yz_station_array_free(rows, n);
    expect_csv_error(HDR "A1,n,a,330302,d,28,'-120,,,,,,,,,,,\n", "lon", "number");
}

/* yz_exchange_read_report: where each row is (the line it starts on, past blank lines; the
 * feature number), and where the failing row is. */
/* Of several codes given twice, the one said is the least, with its first two rows, whatever
 * the order of the rows (checked against a sort of the codes: the reader finds repeats in one
 * pass). Opening hours met before are not parsed again: a bad text after many good ones (and
 * after texts that share a slot of the reader's table) is still refused, naming its row. */
Test(exchange, csv_repeats_and_hours_seen)
{
    yz_buf b;
    yz_buf_init(&b);
    yz_buf_puts(&b, HDR);
    /* rows 2..: C7 B3 A5 B3 A5 C7 A5 (lines 2..8); the least repeated code is A5, rows 4, 6 */
    const char *codes[] = {"C7", "B3", "A5", "B3", "A5", "C7", "A5"};
    for (size_t i = 0; i < 7; i++)
        yz_buf_printf(&b, "%s,n,a,330302,d,28,120,,,,,,,,,,,\n", codes[i]);
    expect_csv_error(b.data, "code", "row 6: code A5 repeats entry 4");
    yz_buf_reset(&b);
    yz_buf_puts(&b, HDR);
    for (size_t i = 0; i < 600; i++) /* 600 texts: slots of the table are shared */
        yz_buf_printf(&b, "H%zu,n,a,330302,d,28,120,,,,,,Mo-Fr %02zu:%02zu-20:00,,,,,\n", i,
                      i % 12, i % 60);
    yz_buf_puts(&b, "H600,n,a,330302,d,28,120,,,,,,Mo-Fr 07:00-25:99,,,,,\n");
    expect_csv_error(b.data, "opening_hours", "row 602");
    yz_buf_fini(&b);
}

Test(exchange, report_rows_where)
{
    /* the header on line 1, rows on lines 2 and 5 */
    const char *csv =
        "\xEF\xBB\xBF" HDR "A1,一号,\"地址, 一\",330302,鹿城区,28.0,120.6,,,,,,,,,,,\r\n"
        "\r\n\r\n"
        "A2,二号,,330302,鹿城区,28.1,120.7,,,,,,,,,,,\r\n";
    yz_station *rows;
    yz_district *d;
    size_t n, nd, *where, bad;
    yz_errinfo ei;
    cr_assert_eq(yz_exchange_read_report(false, csv, strlen(csv), fac, &rows, &n, &d, &nd, &where,
                                         &bad, &ei),
                 YZ_OK, "%s", ei.msg_en);
    cr_assert_eq(n, 2);
    cr_assert_eq(where[0], 2);
    cr_assert_eq(where[1], 5);
    cr_assert_eq(bad, 0);
    yz_free(where);
    yz_station_array_free(rows, n);
    yz_exchange_districts_free(d, nd);

    /* a bad seats on line 5, a repeated code on line 4, a bad header */
    const char *bad_csv[] = {
        HDR "A1,一号,,330302,鹿城区,28.0,120.6,,,,,,,,,,,\r\n\r\n\r\n"
            "A2,二号,,330302,鹿城区,28.1,120.7,,,,,,,,,-5,,\r\n",
        HDR "A1,一号,,330302,鹿城区,28.0,120.6,,,,,,,,,,,\r\n\r\n"
            "A1,二号,,330302,鹿城区,28.1,120.7,,,,,,,,,,,\r\n",
        "code,name,colour\r\nA1,x,red\r\n",
    };
    const size_t bad_line[] = {5, 4, 0};
    const char *bad_field[] = {"seats", "code", "header"};
    for (size_t i = 0; i < 3; i++) {
        int err = yz_exchange_read_report(false, bad_csv[i], strlen(bad_csv[i]), fac, &rows, &n, &d,
                                          &nd, &where, &bad, &ei);
        cr_assert_eq(err, YZ_EINVAL, "case %zu", i);
        cr_assert_eq(bad, bad_line[i], "case %zu: %s", i, ei.msg_en);
        cr_assert_str_eq(ei.field, bad_field[i], "case %zu: %s", i, ei.msg_en);
        cr_assert_null(where);
        cr_assert_null(rows);
    }

    const char *geo = "{\"type\":\"FeatureCollection\",\"features\":["
                      "{\"type\":\"Feature\",\"geometry\":{\"type\":\"Point\",\"coordinates\":"
                      "[120.6,28]},\"properties\":{\"code\":\"G1\",\"name\":\"一\","
                      "\"district_code\":\"330302\"}},"
                      "{\"type\":\"Feature\",\"geometry\":{\"type\":\"Point\",\"coordinates\":"
                      "[120.6,28]},\"properties\":{\"code\":\"G2\",\"name\":\"二\","
                      "\"district_code\":\"330302\",\"seats\":\"many\"}}]}";
    cr_assert_eq(
        yz_exchange_read_report(true, geo, strlen(geo), fac, &rows, &n, &d, &nd, &where, &bad, &ei),
        YZ_EINVAL);
    cr_assert_eq(bad, 2, "%s", ei.msg_en);
    cr_assert_str_eq(ei.field, "seats");
}

/* A streamed file's rows go into one array sized by the file's lines, which must never be
 * fewer than the rows (the writer reads the array while the parser fills it): the count,
 * eight bytes at a time, against counting newlines one by one, on files of every length with
 * newlines next to each other, to bytes one bit away and to NULs. Also a streamed file read
 * whole: its rows, and a NUL inside a cell refused. */
Test(exchange, stream_counts_lines_and_reads_rows)
{
    static const unsigned char bytes[] = {'\n', '\n', 0x8a, 0x0b, 0x08, 0x0e, '\r', 0, 0xff,
                                          'a', ',', '"', 0x7f, 0x80};
    char path[] = "/tmp/yz-stream-XXXXXX";
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    close(fd);
    srand(77);
    for (int t = 0; t < 400; t++) {
        unsigned char buf[160];
        size_t n = (size_t)rand() % (sizeof buf + 1), nl = 0;
        for (size_t i = 0; i < n; i++) {
            buf[i] = bytes[(size_t)rand() % sizeof bytes];
            nl += buf[i] == '\n';
        }
        FILE *f = fopen(path, "wb");
        cr_assert(f);
        cr_assert_eq(fwrite(buf, 1, n, f), n);
        fclose(f);
        yz_exchange_stream *s = NULL;
        yz_errinfo ei;
        cr_assert_eq(yz_exchange_stream_open(path, fac, &s, &ei), YZ_OK);
        cr_assert_eq(yz_exchange_stream_hint(s), nl + 2, "file %d: %zu newlines in %zu bytes",
                     t, nl, n);
        yz_exchange_stream_close(s);
    }
    /* rows from the stream, with their strings */
    yz_buf csv;
    yz_buf_init(&csv);
    yz_buf_puts(&csv, HDR);
    for (int i = 0; i < 9000; i++)
        yz_buf_printf(&csv, "S-%05d,驿站 %d,路 %d 号,330302,鹿城区,28.0%d,120.6,,basic,union,,"
                            "toilet;hot_water,Mo-Su 08:00-20:00,open,,%d,false,\n",
                      i, i, i, i % 10, i % 50);
    FILE *f = fopen(path, "wb");
    cr_assert(f);
    fwrite(csv.data, 1, csv.len, f);
    fclose(f);
    yz_exchange_stream *s = NULL;
    yz_errinfo ei;
    cr_assert_eq(yz_exchange_stream_open(path, fac, &s, &ei), YZ_OK);
    size_t got = 0;
    for (;;) {
        yz_station *rows;
        size_t n, nd;
        const yz_district *d;
        cr_assert_eq(yz_exchange_stream_next(s, &rows, &n, &d, &nd, &ei), YZ_OK);
        if (!n)
            break;
        for (size_t i = 0; i < n; i++, got++) {
            char want[32];
            snprintf(want, sizeof want, "驿站 %zu", got);
            cr_assert_str_eq(rows[i].name, want);
            cr_assert_str_eq(rows[i].opening_hours, "Mo-Su 08:00-20:00");
            cr_assert_eq(rows[i].seats, (int)(got % 50));
        }
    }
    cr_assert_eq(got, 9000);
    size_t total = 0;
    cr_assert_eq(yz_exchange_stream_wait(s, &total, &ei), YZ_OK);
    cr_assert_eq(total, 9000);
    yz_exchange_stream_close(s);
    /* a NUL byte inside a cell of a late row */
    yz_buf_truncate(&csv, csv.len - 1);
    yz_buf_puts(&csv, "\nS-NUL,a");
    yz_buf_append(&csv, "\0b", 2);
    yz_buf_puts(&csv, ",x,330302,鹿城区,28,120.6,,,,,,,,,,,\n");
    f = fopen(path, "wb");
    cr_assert(f);
    fwrite(csv.data, 1, csv.len, f);
    fclose(f);
    cr_assert_eq(yz_exchange_stream_open(path, fac, &s, &ei), YZ_OK);
    int err = yz_exchange_stream_wait(s, &total, &ei);
    cr_assert_eq(err, YZ_EINVAL);
    cr_assert_str_eq(ei.field, "name");
    cr_assert(strstr(ei.msg_en, "row 9002"), "%s", ei.msg_en);
    yz_exchange_stream_close(s);
    yz_buf_fini(&csv);
    unlink(path);
}
