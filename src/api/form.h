/* SPDX-License-Identifier: MIT */
/* api/form.h - application/x-www-form-urlencoded bodies (Open311 requests): percent-decoding,
 * '+' as space, repeated keys kept, invalid UTF-8 and NUL refused. */
#ifndef YZ_API_FORM_H
#define YZ_API_FORM_H

#include "core/err.h"

#include <stddef.h>

typedef struct yz_form_pair {
    char *key; /* owned, decoded, valid UTF-8 without NUL */
    char *val; /* owned, decoded, valid UTF-8 without NUL ("" for "k" or "k=") */
} yz_form_pair;

typedef struct yz_form {
    yz_form_pair *pairs; /* owned, in body order, repeats kept */
    size_t n;
} yz_form;

/* Parse `len` bytes of `body` into *out (owned: yz__form_fini). YZ_EINVAL names the bad key. */
int yz__form_parse(const char *body, size_t len, yz_form *out, yz_errinfo *ei);
void yz__form_fini(yz_form *f);
/* The value of `key` in *val (borrowed), NULL when absent; YZ_EINVAL when it is repeated. */
int yz__form_get(const yz_form *f, const char *key, const char **val, yz_errinfo *ei);

#endif
