/* SPDX-License-Identifier: MIT */
/* fuzz/fuzz_moderation.c - libFuzzer target for screening worker texts: arbitrary bytes never
 * crash the normaliser or the matcher; invalid UTF-8 is refused, and screening is
 * deterministic (the same text gives the same verdict twice). */
#include "catalog/moderation.h"

#include "core/buf.h"
#include "core/utf8.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(cond)                                                                            \
    do {                                                                                       \
        if (!(cond)) {                                                                         \
            fprintf(stderr, "fuzz_moderation: check failed at line %d: %s\n", __LINE__,       \
                    #cond);                                                                    \
            abort();                                                                           \
        }                                                                                      \
    } while (0)

static yz_textnorm *norm;
static yz_modrules *rules;

static void init(void)
{
    if (rules)
        return;
    static const yz_modword words[] = {
        {"代开发票", YZ_MODWORD_ADVERT, 2}, {"刷单", YZ_MODWORD_ADVERT, 2},
        {"兼职", YZ_MODWORD_ADVERT, 1},     {"日结", YZ_MODWORD_ADVERT, 1},
        {"加微信", YZ_MODWORD_CONTACT, 0},  {"qq", YZ_MODWORD_CONTACT, 0},
        {"驿站", YZ_MODWORD_VOCAB, 0},      {"热水", YZ_MODWORD_VOCAB, 0},
        {"厕所", YZ_MODWORD_VOCAB, 0},      {"空调", YZ_MODWORD_VOCAB, 0},
    };
    yz_errinfo ei;
    CHECK(yz_textnorm_new(&norm, &ei) == YZ_OK);
    CHECK(yz_modrules_build(norm, words, sizeof words / sizeof *words, &rules, &ei) == YZ_OK);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    init();
    char *text = malloc(size + 1);
    memcpy(text, data, size);
    text[size] = '\0';
    yz_buf scratch;
    yz_buf_init(&scratch);
    yz_modverdict a, b;
    yz_errinfo ei;
    int err = yz_mod_screen(rules, norm, text, &scratch, &a, &ei);
    if (!yz_utf8_valid(text, strlen(text)))
        CHECK(err == YZ_EINVAL);
    if (err == YZ_OK) {
        CHECK(yz_mod_screen(rules, norm, text, &scratch, &b, &ei) == YZ_OK);
        CHECK(a.reasons == b.reasons && a.hash == b.hash);
    }
    yz_buf_fini(&scratch);
    free(text);
    return 0;
}
