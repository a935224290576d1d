/* SPDX-License-Identifier: MIT */
/* fuzz/fuzz_time.c - libFuzzer target for the small parsers of query strings: ISO-8601 times
 * (what parses prints and parses back to the same instant), UTF-8 validation (agrees with the
 * decoder), facility lists and coordinate system names. */
#include "core/time.h"
#include "core/utf8.h"
#include "exchange/exchange.h"
#include "geo/coord.h"
#include "model/facility.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(cond)                                                                            \
    do {                                                                                       \
        if (!(cond)) {                                                                         \
            fprintf(stderr, "fuzz_time: check failed at line %d: %s\n", __LINE__, #cond);     \
            abort();                                                                           \
        }                                                                                      \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    memcpy(s, data, size);
    s[size] = '\0';
    int64_t t;
    if (yz_time_parse_iso8601(s, 480, &t) == YZ_OK) {
        char iso[32], iso2[32];
        int64_t back;
        yz_time_format_iso8601(t, 480, iso);
        CHECK(yz_time_parse_iso8601(iso, 0, &back) == YZ_OK);
        CHECK(back == t);
        yz_time_format_iso8601(back, 480, iso2);
        CHECK(strcmp(iso, iso2) == 0);
    }
    /* The validator and the decoder agree. */
    size_t i = 0;
    bool ok = true;
    while (i < size) {
        uint32_t cp;
        size_t k = yz_utf8_decode((const char *)data + i, size - i, &cp);
        if (!k || !cp) {
            ok = false;
            break;
        }
        CHECK(cp <= 0x10FFFF && (cp < 0xD800 || cp > 0xDFFF));
        i += k;
    }
    CHECK(ok == yz_utf8_valid((const char *)data, size));
    yz_facility items[64];
    for (size_t f = 0; f < yz_facility_seed_count; f++) {
        items[f].code = (char *)yz_facility_seeds[f].code;
        items[f].bit = yz_facility_seeds[f].bit;
    }
    uint64_t mask = 0;
    yz_errinfo ei;
    if (yz_exchange_parse_facilities(s, (yz_facility_list){items, yz_facility_seed_count},
                                     "need", &mask, &ei) == YZ_OK)
        CHECK((mask & ~((UINT64_C(1) << yz_facility_seed_count) - 1)) == 0);
    int crs = yz_crs_parse(s);
    CHECK(crs == -1 || strcmp(yz_crs_name(crs), s) == 0);
    free(s);
    return 0;
}
