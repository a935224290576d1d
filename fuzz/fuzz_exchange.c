/* SPDX-License-Identifier: MIT */
/* fuzz/fuzz_exchange.c - libFuzzer target for everything that reads stations from outside:
 * CSV and GeoJSON imports and the API's JSON station object (create and patch). The first
 * byte picks the reader. Invariants: the readers never crash or leak, every row they accept
 * passes yz_station_validate, and what the CSV writer writes reads back to as many rows.
 * Build and run: make fuzz (or make fuzz-corpus to replay fuzz/corpus/exchange). */
#include "exchange/exchange.h"

#include "core/alloc.h"
#include "model/facility.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(cond)                                                                            \
    do {                                                                                       \
        if (!(cond)) {                                                                         \
            fprintf(stderr, "fuzz_exchange: check failed at line %d: %s\n", __LINE__, #cond); \
            abort();                                                                           \
        }                                                                                      \
    } while (0)

static yz_facility fac_items[64];
static yz_facility_list fac;

static void init_facilities(void)
{
    if (fac.n)
        return;
    for (size_t i = 0; i < yz_facility_seed_count; i++) {
        fac_items[i].code = (char *)yz_facility_seeds[i].code;
        fac_items[i].bit = yz_facility_seeds[i].bit;
    }
    fac = (yz_facility_list){fac_items, yz_facility_seed_count};
}

static void check_rows(yz_station *rows, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        yz_errinfo ei;
        CHECK(yz_station_validate(&rows[i], &ei) == YZ_OK);
    }
    yz_buf out;
    yz_buf_init(&out);
    yz_exchange_write_csv(rows, n, fac, &out);
    yz_station *again = NULL;
    yz_district *d = NULL;
    size_t m = 0, nd = 0;
    yz_errinfo ei;
    int err = yz_exchange_read_csv(out.data, out.len, fac, &again, &m, &d, &nd, &ei);
    CHECK(err == YZ_OK);
    CHECK(m == n);
    yz_station_array_free(again, m);
    yz_exchange_districts_free(d, nd);
    yz_buf_fini(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    init_facilities();
    if (size < 1)
        return 0;
    int which = data[0] % 4;
    const char *text = (const char *)data + 1;
    size_t len = size - 1;
    yz_station *rows = NULL;
    yz_district *d = NULL;
    size_t n = 0, nd = 0;
    yz_errinfo ei;
    if (which == 0) {
        if (yz_exchange_read_csv(text, len, fac, &rows, &n, &d, &nd, &ei) == YZ_OK)
            check_rows(rows, n);
        else
            CHECK(rows == NULL && n == 0 && ei.msg[0] && ei.msg_en[0]);
    } else if (which == 1) {
        if (yz_exchange_read_geojson(text, len, fac, &rows, &n, &d, &nd, &ei) == YZ_OK)
            check_rows(rows, n);
        else
            CHECK(rows == NULL && n == 0 && ei.msg[0]);
    } else {
        json_error_t je;
        json_t *j = json_loadb(text, len, 0, &je);
        if (j) {
            yz_station st;
            yz_station_init(&st);
            if (which == 3) { /* patch a valid record */
                st.code = yz_strdup("F-1");
                st.name = yz_strdup("模糊测试");
                st.district_code = yz_strdup("330302");
                st.lat = 28;
                st.lon = 120.6;
            }
            if (yz_exchange_station_from_json(j, fac, which == 3, &st, &ei) == YZ_OK)
                CHECK(yz_station_validate(&st, &ei) == YZ_OK);
            yz_station_fini(&st);
            json_decref(j);
        }
    }
    yz_station_array_free(rows, n);
    yz_exchange_districts_free(d, nd);
    return 0;
}
