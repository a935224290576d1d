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

#endif
