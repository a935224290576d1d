/* SPDX-License-Identifier: MIT */
/* api/form.c - application/x-www-form-urlencoded bodies (Open311 requests). */
#include "api/form.h"

#include "core/alloc.h"
#include "core/buf.h"
#include "core/utf8.h"

#include <string.h>

#define MAX_FORM_PAIRS 64 /* pairs a body may hold */

/* Decode s[0..n): '+' is a space and %XX a byte. Returns an owned string, or NULL for a bad
 * escape ('%' not followed by two hex digits), or for bytes that are not UTF-8 or hold NUL. */
static char *form_decode(const char *s, size_t n)
{
    char *o = yz_malloc(n + 1);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '+') {
            o[k++] = ' ';
        } else if (s[i] == '%') {
            int hi = i + 2 < n ? yz_hex_value(s[i + 1]) : -1;
            int lo = i + 2 < n ? yz_hex_value(s[i + 2]) : -1;
            if (hi < 0 || lo < 0) {
                yz_free(o);
                return NULL;
            }
            o[k++] = (char)(hi * 16 + lo);
            i += 2;
        } else {
            o[k++] = s[i];
        }
    }
    o[k] = '\0';
    if (!yz_utf8_valid(o, k)) {
        yz_free(o);
        return NULL;
    }
    return o;
}

void yz__form_fini(yz_form *f)
{
    if (!f)
        return;
    for (size_t i = 0; i < f->n; i++) {
        yz_free(f->pairs[i].key);
        yz_free(f->pairs[i].val);
    }
    yz_free(f->pairs);
    f->pairs = NULL;
    f->n = 0;
}

/* Parse a form body into pairs. Empty pieces ("a=1&&b=2", a trailing '&') are skipped; a
 * piece without '=' has the value "". Returns YZ_OK with `out` filled (free with
 * yz__form_fini), or YZ_EINVAL naming the field (the key when it decodes, else "body") for a
 * bad escape, bytes that are not UTF-8, a NUL, an empty key, or more than 64 pairs; `out` is
 * then empty. */
int yz__form_parse(const char *body, size_t len, yz_form *out, yz_errinfo *ei)
{
    out->pairs = NULL;
    out->n = 0;
    size_t cap = 0;
    size_t i = 0;
    while (i < len) {
        size_t end = i;
        while (end < len && body[end] != '&')
            end++;
        if (end > i) {
            size_t eq = i;
            while (eq < end && body[eq] != '=')
                eq++;
            char *key = form_decode(body + i, eq - i);
            char *val = NULL;
            if (!key || !*key) {
                yz_free(key);
                yz__form_fini(out);
                return yz_err_set(ei, YZ_EINVAL, "body",
                                  "表单字段名无效（须为 UTF-8，百分号编码须为 %XX）",
                                  "a form field name is invalid (it must be UTF-8, and "
                                  "percent escapes must be %XX)");
            }
            val = eq < end ? form_decode(body + eq + 1, end - eq - 1) : yz_strdup("");
            if (!val) {
                yz_err_setf(ei, YZ_EINVAL, key,
                            "字段 %.40s 的值无效（须为 UTF-8，百分号编码须为 %%XX）",
                            "the value of %.40s is invalid (it must be UTF-8, and percent "
                            "escapes must be %%XX)",
                            key);
                yz_free(key);
                yz__form_fini(out);
                return YZ_EINVAL;
            }
            if (out->n == MAX_FORM_PAIRS) {
                yz_free(key);
                yz_free(val);
                yz__form_fini(out);
                return yz_err_set(ei, YZ_EINVAL, "body", "表单字段过多（最多 64 个）",
                                  "too many form fields (at most 64)");
            }
            if (out->n == cap) {
                cap = cap ? cap * 2 : 8;
                out->pairs = yz_reallocarray(out->pairs, cap, sizeof *out->pairs);
            }
            out->pairs[out->n++] = (yz_form_pair){key, val};
        }
        i = end + 1;
    }
    return YZ_OK;
}

/* The value of `key` in *val (borrowed; NULL when absent). YZ_EINVAL naming the key when it
 * is given more than once. */
int yz__form_get(const yz_form *f, const char *key, const char **val, yz_errinfo *ei)
{
    *val = NULL;
    for (size_t i = 0; i < f->n; i++) {
        if (strcmp(f->pairs[i].key, key) != 0)
            continue;
        if (*val)
            return yz_err_setf(ei, YZ_EINVAL, key, "字段 %s 重复", "%s is given more than once",
                               key);
        *val = f->pairs[i].val;
    }
    return YZ_OK;
}
