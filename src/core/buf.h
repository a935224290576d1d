/* SPDX-License-Identifier: MIT */
/* core/buf.h - a growable byte buffer, always NUL-terminated, with JSON string escaping.
 * The caller owns the yz_buf struct (init/fini); the buffer owns its bytes. */
#ifndef YZ_BUF_H
#define YZ_BUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct yz_buf {
    char *data; /* read-only: the bytes, NUL-terminated (NULL only after fini or take) */
    size_t len; /* read-only: bytes used, excluding the NUL */
    size_t cap; /* private: bytes allocated */
} yz_buf;

void yz_buf_init(yz_buf *b);
/* Frees the bytes and leaves `b` as after init. Accepts NULL. */
void yz_buf_fini(yz_buf *b);
void yz_buf_reset(yz_buf *b);
/* Drop the bytes past `len` (<= b->len). */
void yz_buf_truncate(yz_buf *b, size_t len);
void yz_buf_reserve(yz_buf *b, size_t more);
/* Append bytes / a string / a byte. Inline: responses are built from many small pieces, and
 * inlining lets the compiler fold strlen() of literals. */
static inline void yz_buf_append(yz_buf *b, const void *p, size_t n)
{
    if (b->len + n + 1 > b->cap)
        yz_buf_reserve(b, n);
    memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
}

static inline void yz_buf_puts(yz_buf *b, const char *s)
{
    yz_buf_append(b, s, strlen(s));
}

static inline void yz_buf_putc(yz_buf *b, char c)
{
    yz_buf_append(b, &c, 1);
}
void yz_buf_printf(yz_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void yz_buf_vprintf(yz_buf *b, const char *fmt, va_list ap);
/* Append `s` (UTF-8, `n` bytes) as a quoted JSON string with the needed escapes. */
void yz_buf_json_str(yz_buf *b, const char *s, size_t n);
/* Append `,"key":` and `v` as a JSON string, or null when `v` is NULL. `key` is written as
 * is: a literal without characters that need escaping. */
void yz_buf_json_member_str(yz_buf *b, const char *key, const char *v);
/* Append `v` in fixed-point with `decimals` (0..9) digits after the point, rounded half away
 * from zero; fast (no printf), for coordinates and distances. |v| must be below 1e9. */
void yz_buf_fixed(yz_buf *b, double v, int decimals);
/* Append a decimal integer (no printf). */
void yz_buf_int(yz_buf *b, long long v);
/* The same into out[32], NUL-terminated; returns the length. NaN and Inf print as 0. */
size_t yz_fmt_fixed(char out[32], double v, int decimals);
/* The whole of `s` read as strtod reads it: 0 and *out when it is one finite number that
 * strtod takes entirely without a range error, else -1 (*out unchanged). The same double as
 * strtod, bit for bit: plain decimals of at most 15 significant digits and 22 after the point
 * (a coordinate, a radius) are one exact division, correctly rounded; anything else goes to
 * strtod. Borrows `s`. */
int yz_parse_double(const char *s, double *out);
/* The value of hexadecimal digit `c` (0..15), or -1: for percent-decoding. */
int yz_hex_value(char c);
/* A positive decimal id (at most 18 digits) filling all of s[0..n): true and *out, else false. */
bool yz_parse_id(const char *s, size_t n, int64_t *out);
/* Whether the comma-separated `list` (NULL: empty) holds the item s[0..n) (n > 0) exactly. */
bool yz_list_has(const char *list, const char *s, size_t n);
/* Append `s` percent-encoded for a URL query value (RFC 3986 unreserved kept). */
void yz_buf_url_encode(yz_buf *b, const char *s);
/* Returns the bytes, owned by the caller (free with yz_free), and leaves `b` empty as after
 * yz_buf_fini: nothing to free, and appending to it again starts a new allocation. */
char *yz_buf_take(yz_buf *b);

#endif
