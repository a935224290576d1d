/* SPDX-License-Identifier: MIT */
/* core/utf8.h - UTF-8 validation (RFC 3629: no overlongs, no surrogates, <= U+10FFFF). */
#ifndef YZ_UTF8_H
#define YZ_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/* True if the `n` bytes at `s` are valid UTF-8 with no NUL byte. */
bool yz_utf8_valid(const char *s, size_t n);

#endif
