/* SPDX-License-Identifier: MIT */
/* core/buf.c - growable byte buffer. */
#include "core/buf.h"

#include "core/alloc.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
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

void yz_buf_reserve(yz_buf *b, size_t more)
{
    if (b->len + more + 1 <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < b->len + more + 1)
        cap *= 2;
    b->data = yz_realloc(b->data, cap);
    b->cap = cap;
}

void yz_buf_append(yz_buf *b, const void *p, size_t n)
{
    yz_buf_reserve(b, n);
    memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void yz_buf_puts(yz_buf *b, const char *s)
{
    yz_buf_append(b, s, strlen(s));
}

void yz_buf_putc(yz_buf *b, char c)
{
    yz_buf_reserve(b, 1);
    b->data[b->len++] = c;
    b->data[b->len] = '\0';
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

void yz_buf_json_str(yz_buf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    yz_buf_reserve(b, n + 2);
    yz_buf_putc(b, '"');
    size_t start = 0;
    for (size_t i = 0; i < n; i++) {
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

void yz_buf_json_num(yz_buf *b, double v, int digits)
{
    if (!isfinite(v)) {
        yz_buf_puts(b, "null");
        return;
    }
    yz_buf_printf(b, "%.*g", digits, v);
}

void yz_buf_fixed(yz_buf *b, double v, int decimals)
{
    static const double pow10[] = {1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9};
    if (!isfinite(v) || v >= 1e9 || v <= -1e9 || decimals < 0 || decimals > 9) {
        yz_buf_json_num(b, v, 15);
        return;
    }
    char tmp[32];
    int n = 0;
    if (v < 0) {
        v = -v;
        tmp[n++] = '-';
    }
    uint64_t scaled = (uint64_t)(v * pow10[decimals] + 0.5);
    uint64_t ip = scaled / (uint64_t)pow10[decimals];
    uint64_t fp = scaled % (uint64_t)pow10[decimals];
    char digits[24];
    int nd = 0;
    do {
        digits[nd++] = (char)('0' + ip % 10);
        ip /= 10;
    } while (ip);
    if (n == 1 && scaled == 0)
        n = 0; /* no "-0" */
    while (nd)
        tmp[n++] = digits[--nd];
    if (decimals) {
        tmp[n++] = '.';
        for (int i = decimals - 1; i >= 0; i--) {
            tmp[n + i] = (char)('0' + fp % 10);
            fp /= 10;
        }
        n += decimals;
    }
    yz_buf_append(b, tmp, (size_t)n);
}

void yz_buf_url_encode(yz_buf *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '_' || c == '.' || c == '~') {
            yz_buf_putc(b, (char)c);
        } else {
            char e[3] = {'%', hex[c >> 4], hex[c & 15]};
            yz_buf_append(b, e, 3);
        }
    }
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
