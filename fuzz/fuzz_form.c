/* SPDX-License-Identifier: MIT */
/* fuzz/fuzz_form.c - libFuzzer target for form-encoded bodies (Open311 requests): the parser
 * never crashes or leaks; whatever it accepts is valid UTF-8 without NUL, and looking a key
 * up agrees with the pairs it returned. */
#include "api/form.h"

#include "core/utf8.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(cond)                                                                            \
    do {                                                                                       \
        if (!(cond)) {                                                                         \
            fprintf(stderr, "fuzz_form: check failed at line %d: %s\n", __LINE__, #cond);     \
            abort();                                                                           \
        }                                                                                      \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    yz_form f;
    yz_errinfo ei;
    if (yz__form_parse((const char *)data, size, &f, &ei) != YZ_OK) {
        CHECK(ei.msg[0] && ei.msg_en[0]);
        return 0;
    }
    for (size_t i = 0; i < f.n; i++) {
        CHECK(yz_utf8_valid(f.pairs[i].key, strlen(f.pairs[i].key)));
        CHECK(yz_utf8_valid(f.pairs[i].val, strlen(f.pairs[i].val)));
        size_t same = 0;
        for (size_t j = 0; j < f.n; j++)
            same += strcmp(f.pairs[i].key, f.pairs[j].key) == 0;
        const char *v = NULL;
        int err = yz__form_get(&f, f.pairs[i].key, &v, &ei);
        CHECK(same == 1 ? (err == YZ_OK && v == f.pairs[i].val) : err == YZ_EINVAL);
    }
    yz__form_fini(&f);
    return 0;
}
