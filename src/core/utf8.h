/* SPDX-License-Identifier: MIT */
/* core/utf8.h - UTF-8 validation (RFC 3629: no overlongs, no surrogates, <= U+10FFFF). */
#ifndef YZ_UTF8_H
#define YZ_UTF8_H

#include <stdbool.h>
#include <stddef.h>

#include <stdint.h>

/* Decode the code point at s[0..n), n >= 1. Returns its length in bytes (1 to 4) and the code
 * point in *cp, or 0 if the bytes there are not valid UTF-8: a stray continuation byte, a
 * truncated sequence, an overlong form, a surrogate (U+D800..U+DFFF) or a code point past
 * U+10FFFF. */
size_t yz_utf8_decode(const char *s, size_t n, uint32_t *cp);

/* True if the `n` bytes at `s` are valid UTF-8 with no NUL byte. */
bool yz_utf8_valid(const char *s, size_t n);

/* Decode the next code point of text known to be valid UTF-8 (checked before, or made by our
 * own normalisation) and advance *pp past it. Returns 0 at a NUL, without moving past it. */
static inline uint32_t yz_utf8_next(const unsigned char **pp)
{
    const unsigned char *p = *pp;
    uint32_t c = p[0];
    if (c < 0x80) {
        *pp = p + (c != 0);
        return c;
    }
    if (c < 0xE0) {
        *pp = p + 2;
        return (c & 0x1F) << 6 | (p[1] & 0x3Fu);
    }
    if (c < 0xF0) {
        *pp = p + 3;
        return (c & 0x0F) << 12 | (p[1] & 0x3Fu) << 6 | (p[2] & 0x3Fu);
    }
    *pp = p + 4;
    return (c & 0x07) << 18 | (p[1] & 0x3Fu) << 12 | (p[2] & 0x3Fu) << 6 | (p[3] & 0x3Fu);
}

#endif
