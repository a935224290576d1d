/* SPDX-License-Identifier: MIT */
/* core/buf.c - growable byte buffer. */
#include "core/buf.h"

#include "core/alloc.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void yz_buf_init(yz_buf *b)
{
    b->cap = 64;
    b->len = 0;
    b->data = yz_malloc(b->cap);
    b->data[0] = '\0';
}

void yz_buf_fini(yz_buf *b)
{
    if (!b)
        return;
    yz_free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

void yz_buf_reset(yz_buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

void yz_buf_truncate(yz_buf *b, size_t len)
{
    if (len < b->len) {
        b->len = len;
        b->data[len] = '\0';
    }
}

void yz_buf_reserve(yz_buf *b, size_t more)
{
    if (b->len + more + 1 <= b->cap)
        return;
    if (more > SIZE_MAX / 4 - b->len) {
        fprintf(stderr, "yizhan: buffer size overflow (%zu more bytes)\n", more);
        abort();
    }
    size_t cap = b->cap ? b->cap : 64;
    while (cap < b->len + more + 1)
        cap *= 2;
    b->data = yz_realloc(b->data, cap);
    b->cap = cap;
}


void yz_buf_vprintf(yz_buf *b, const char *fmt, va_list ap)
{
    yz_buf_reserve(b, 32);
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
    if (n >= 0 && (size_t)n >= b->cap - b->len) {
        yz_buf_reserve(b, (size_t)n);
        vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap2);
    }
    va_end(ap2);
    if (n > 0)
        b->len += (size_t)n;
}

void yz_buf_printf(yz_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    yz_buf_vprintf(b, fmt, ap);
    va_end(ap);
}

/* Whether any of the 8 bytes in `x` is below 0x20, '"' or '\\' (the bytes JSON escapes): the
 * "has less" and "has zero" word tricks, exact for the question "any?" (bytes from 0x80 up,
 * UTF-8's, never count). */
static inline bool word_needs_escape(uint64_t x)
{
    const uint64_t ones = UINT64_C(0x0101010101010101), highs = UINT64_C(0x8080808080808080);
    uint64_t q = x ^ (ones * '"'), bs = x ^ (ones * '\\');
    uint64_t any = ((x - ones * 0x20) & ~x) | ((q - ones) & ~q) | ((bs - ones) & ~bs);
    return (any & highs) != 0;
}

void yz_buf_json_str(yz_buf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    yz_buf_reserve(b, n + 2);
    yz_buf_putc(b, '"');
    size_t start = 0;
    /* Names and addresses rarely hold a byte to escape: skip them 8 bytes at a time (a tenth
     * of the byte loop's time on a nearby answer's names), then go byte by byte from the
     * first word that holds one. */
    size_t i = 0;
    for (uint64_t w; i + 8 <= n; i += 8) {
        memcpy(&w, s + i, 8);
        if (word_needs_escape(w))
            break;
    }
    for (; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        yz_buf_append(b, s + start, i - start);
        start = i + 1;
        switch (c) {
        case '"': yz_buf_append(b, "\\\"", 2); break;
        case '\\': yz_buf_append(b, "\\\\", 2); break;
        case '\n': yz_buf_append(b, "\\n", 2); break;
        case '\r': yz_buf_append(b, "\\r", 2); break;
        case '\t': yz_buf_append(b, "\\t", 2); break;
        default: {
            char u[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            yz_buf_append(b, u, 6);
        }
        }
    }
    yz_buf_append(b, s + start, n - start);
    yz_buf_putc(b, '"');
}

void yz_buf_json_member_str(yz_buf *b, const char *key, const char *v)
{
    yz_buf_puts(b, ",\"");
    yz_buf_puts(b, key);
    yz_buf_puts(b, "\":");
    if (v)
        yz_buf_json_str(b, v, strlen(v));
    else
        yz_buf_puts(b, "null");
}

int yz_parse_double(const char *s, double *out)
{
    /* Clinger's fast path: a mantissa below 2^53 and a power of ten up to 1e22 are both exact
     * doubles, so their quotient is the correctly rounded value of the decimal, which is what
     * glibc's strtod returns. */
    static const double pow10[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                     1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                     1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
    const char *p = s;
    bool neg = false, dot = false, any = false;
    if (*p == '-' || *p == '+')
        neg = *p++ == '-';
    uint64_t m = 0;
    int digits = 0, frac = 0; /* significant digits read, digits after the point */
    for (;; p++) {
        if (*p >= '0' && *p <= '9') {
            any = true;
            frac += dot;
            if (m == 0 && *p == '0')
                continue; /* a leading zero: not significant */
            if (++digits > 15)
                goto slow;
            m = m * 10 + (uint64_t)(*p - '0');
        } else if (*p == '.' && !dot) {
            dot = true;
        } else {
            break;
        }
    }
    if (*p || !any || frac > 22)
        goto slow;
    double d = (double)m / pow10[frac];
    *out = neg ? -d : d;
    return 0;
slow:;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (!*s || *end || errno || !isfinite(v))
        return -1;
    *out = v;
    return 0;
}

size_t yz_fmt_fixed(char out[32], double v, int decimals)
{
    static const double pow10[] = {1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9};
    if (!isfinite(v) || v >= 1e9 || v <= -1e9 || decimals < 0 || decimals > 9)
        return (size_t)snprintf(out, 32, "%.15g", isfinite(v) ? v : 0.0);
    size_t n = 0;
    int neg = v < 0;
    if (neg)
        v = -v;
    uint64_t scaled = (uint64_t)(v * pow10[decimals] + 0.5);
    uint64_t unit = (uint64_t)pow10[decimals];
    uint64_t ip = scaled / unit, fp = scaled % unit;
    if (neg && scaled)
        out[n++] = '-'; /* no "-0" */
    static const char pairs[] = "00010203040506070809101112131415161718192021222324252627282930"
                                "31323334353637383940414243444546474849505152535455565758596061"
                                "62636465666768697071727374757677787980818283848586878889909192"
                                "93949596979899";
    char digits[24];
    int nd = 0;
    while (ip >= 100) {
        unsigned r = (unsigned)(ip % 100);
        ip /= 100;
        digits[nd++] = pairs[2 * r + 1];
        digits[nd++] = pairs[2 * r];
    }
    if (ip >= 10) {
        digits[nd++] = pairs[2 * ip + 1];
        digits[nd++] = pairs[2 * ip];
    } else {
        digits[nd++] = (char)('0' + ip);
    }
    while (nd)
        out[n++] = digits[--nd];
    if (decimals) {
        out[n++] = '.';
        int i = decimals;
        for (; i >= 2; i -= 2) {
            unsigned r = (unsigned)(fp % 100);
            fp /= 100;
            out[n + (size_t)i - 1] = pairs[2 * r + 1];
            out[n + (size_t)i - 2] = pairs[2 * r];
        }
        if (i == 1)
            out[n] = (char)('0' + fp % 10);
        n += (size_t)decimals;
    }
    out[n] = '\0';
    return n;
}

void yz_buf_int(yz_buf *b, long long v)
{
    char tmp[24];
    int n = 0;
    unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
    do {
        tmp[sizeof tmp - 1 - n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        tmp[sizeof tmp - 1 - n++] = '-';
    yz_buf_append(b, tmp + sizeof tmp - n, (size_t)n);
}

void yz_buf_fixed(yz_buf *b, double v, int decimals)
{
    if (!isfinite(v)) {
        yz_buf_puts(b, "null");
        return;
    }
    char tmp[32];
    yz_buf_append(b, tmp, yz_fmt_fixed(tmp, v, decimals));
}

int yz_hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

void yz_buf_url_encode(yz_buf *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = strlen(s);
    yz_buf_reserve(b, 3 * n); /* the worst case: every byte escaped */
    char *o = b->data + b->len;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '_' || c == '.' || c == '~') {
            *o++ = (char)c;
        } else {
            *o++ = '%';
            *o++ = hex[c >> 4];
            *o++ = hex[c & 15];
        }
    }
    b->len = (size_t)(o - b->data);
    b->data[b->len] = '\0';
}

char *yz_buf_take(yz_buf *b)
{
    char *p = b->data;
    if (!p)
        p = yz_strdup("");
    b->data = NULL;
    b->len = b->cap = 0;
    return p;
}

bool yz_parse_id(const char *s, size_t n, int64_t *out)
{
    if (n == 0 || n > 18)
        return false;
    int64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return v > 0;
}

bool yz_list_has(const char *list, const char *s, size_t n)
{
    if (n == 0)
        return false;
    for (const char *p = list; p && *p;) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len == n && memcmp(p, s, n) == 0)
            return true;
        p = e ? e + 1 : NULL;
    }
    return false;
}
