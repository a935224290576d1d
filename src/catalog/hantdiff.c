/* SPDX-License-Identifier: MIT */
/* catalog/hantdiff.c - traditional texts coded as their differences from the simplified ones
 * (docs/internals/catalog.md, "zh-Hant texts").
 *
 * A text's coding is a varint n, then:
 *   n = 0: the traditional text whole, NUL-terminated (lengths differ, or not UTF-8);
 *   n > 0: n replacements, each a varint gap << 1 | explicit (gap: code points copied from
 *          the simplified text before it), then, when explicit, a varint of the code point
 *          that replaces the next one; otherwise the replacement is the table's.
 * The rest of the simplified text is copied after the n-th replacement. */
#include "catalog/hantdiff.h"

#include "core/alloc.h"
#include "core/varint.h"
#include "core/utf8.h"

#include <malloc.h>
#include <string.h>

void yz__hantmap_init(yz__hantmap *m)
{
    memset(m, 0, sizeof *m);
}

void yz__hantmap_fini(yz__hantmap *m)
{
    if (!m)
        return;
    yz_free(m->slot);
    yz__hantmap_init(m);
}

size_t yz__hantmap_bytes(const yz__hantmap *m)
{
    return m->slot ? malloc_usable_size(m->slot) + sizeof(size_t) : 0;
}

static size_t hash_cp(uint32_t cp, size_t cap)
{
    return (size_t)((cp * UINT32_C(0x9e3779b1)) >> 7) & (cap - 1);
}

/* The usual replacement of `from`, or 0 when none was learnt. */
static uint32_t map_get(const yz__hantmap *m, uint32_t from)
{
    if (!m->cap)
        return 0;
    for (size_t h = hash_cp(from, m->cap);; h = (h + 1) & (m->cap - 1)) {
        if (m->slot[2 * h] == from)
            return m->slot[2 * h + 1];
        if (m->slot[2 * h] == 0)
            return 0;
    }
}

static void map_put(yz__hantmap *m, uint32_t from, uint32_t to)
{
    if (2 * (m->n + 1) > m->cap) {
        size_t cap = m->cap ? 2 * m->cap : 256;
        uint32_t *old = m->slot;
        size_t old_cap = m->cap;
        m->slot = yz_calloc(2 * cap, sizeof *m->slot);
        m->cap = cap;
        m->n = 0;
        for (size_t i = 0; i < old_cap; i++)
            if (old[2 * i])
                map_put(m, old[2 * i], old[2 * i + 1]);
        yz_free(old);
    }
    size_t h = hash_cp(from, m->cap);
    while (m->slot[2 * h])
        h = (h + 1) & (m->cap - 1);
    m->slot[2 * h] = from;
    m->slot[2 * h + 1] = to;
    m->n++;
}

/* Code points in s, or SIZE_MAX when s is not valid UTF-8. */
static size_t count_cps(const char *s, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; k++) {
        uint32_t cp;
        size_t l = yz_utf8_decode(s + i, n - i, &cp);
        if (!l)
            return SIZE_MAX;
        i += l;
    }
    return k;
}

void yz__hant_encode(yz__hantmap *m, const char *src, const char *conv, yz_buf *out)
{
    size_t ns = strlen(src), nc = strlen(conv);
    size_t ks = count_cps(src, ns), kc = count_cps(conv, nc);
    uint32_t n = 0;
    if (ks == SIZE_MAX || ks != kc || ks > UINT32_MAX / 2) {
        goto whole;
    }
    /* First pass: how many code points differ. */
    for (size_t i = 0, j = 0; i < ns;) {
        uint32_t a, b;
        i += yz_utf8_decode(src + i, ns - i, &a);
        j += yz_utf8_decode(conv + j, nc - j, &b);
        n += a != b;
    }
    if (n == 0) /* the same text: callers store none, but the coding must still hold */
        goto whole;
    yz_buf_put_varint(out, n);
    uint32_t gap = 0;
    for (size_t i = 0, j = 0; i < ns;) {
        uint32_t a, b;
        i += yz_utf8_decode(src + i, ns - i, &a);
        j += yz_utf8_decode(conv + j, nc - j, &b);
        if (a == b) {
            gap++;
            continue;
        }
        uint32_t usual = map_get(m, a);
        if (!usual) {
            map_put(m, a, b);
            usual = b;
        }
        yz_buf_put_varint(out, gap << 1 | (usual != b));
        if (usual != b)
            yz_buf_put_varint(out, b);
        gap = 0;
    }
    return;
whole:
    yz_buf_put_varint(out, 0);
    yz_buf_append(out, conv, nc + 1);
}

static size_t put_cp(char *out, uint32_t cp)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | cp >> 6);
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | cp >> 12);
        out[1] = (char)(0x80 | (cp >> 6 & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | cp >> 18);
    out[1] = (char)(0x80 | (cp >> 12 & 0x3F));
    out[2] = (char)(0x80 | (cp >> 6 & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Bytes of the UTF-8 sequence led by c (the text was checked when it was coded). */
static size_t seq_len(unsigned char c)
{
    return c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
}

size_t yz__hant_decode(const yz__hantmap *m, const char *src, const unsigned char *code,
                       char *out, size_t cap)
{
    const unsigned char *p = code;
    uint32_t n = yz_varint_get(&p);
    if (n == 0) {
        size_t len = strlen((const char *)p);
        if (len + 1 > cap)
            return SIZE_MAX;
        memcpy(out, p, len + 1);
        return len;
    }
    const unsigned char *s = (const unsigned char *)src;
    size_t o = 0;
    for (uint32_t r = 0; r < n; r++) {
        uint32_t op = yz_varint_get(&p);
        const unsigned char *from = s;
        for (uint32_t g = op >> 1; g > 0; g--)
            s += seq_len(*s);
        size_t copy = (size_t)(s - from); /* the gap, copied; then the replacement */
        uint32_t a = yz_utf8_next(&s);
        uint32_t b = op & 1 ? yz_varint_get(&p) : map_get(m, a);
        if (o + copy + 4 + 1 > cap)
            return SIZE_MAX;
        memcpy(out + o, from, copy);
        o += copy;
        o += put_cp(out + o, b);
    }
    size_t rest = strlen((const char *)s);
    if (o + rest + 1 > cap)
        return SIZE_MAX;
    memcpy(out + o, s, rest + 1);
    return o + rest;
}

const unsigned char *yz__hant_skip(const unsigned char *code)
{
    const unsigned char *p = code;
    uint32_t n = yz_varint_get(&p);
    if (n == 0)
        return p + strlen((const char *)p) + 1;
    for (uint32_t r = 0; r < n; r++)
        if (yz_varint_get(&p) & 1)
            (void)yz_varint_get(&p);
    return p;
}

void yz__hant_decode_buf(const yz__hantmap *m, const char *src, const unsigned char *code,
                         yz_buf *out)
{
    const unsigned char *p = code;
    uint32_t n = yz_varint_get(&p);
    size_t need = n ? 4 * strlen(src) + 1 : strlen((const char *)p) + 1;
    yz_buf_reserve(out, need);
    size_t len = yz__hant_decode(m, src, code, out->data + out->len, out->cap - out->len);
    out->len += len; /* the bound above always suffices */
}
