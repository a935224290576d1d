/* SPDX-License-Identifier: MIT */
/* core/utf8.c - strict UTF-8 decoding and validation (RFC 3629, Unicode 15 §3.9). */
#include "core/utf8.h"

#include <string.h>

size_t yz_utf8_decode(const char *str, size_t len, uint32_t *cp)
{
    const unsigned char *s = (const unsigned char *)str;
    uint32_t c = s[0], v;
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if (c < 0xC2) /* continuation byte, or a lead byte that can only start an overlong form */
        return 0;
    if (c < 0xE0) {
        if (len < 2 || (s[1] & 0xC0) != 0x80)
            return 0;
        *cp = (c & 0x1F) << 6 | (s[1] & 0x3Fu);
        return 2;
    }
    if (c < 0xF0) {
        if (len < 3 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80)
            return 0;
        v = (c & 0x0F) << 12 | (s[1] & 0x3Fu) << 6 | (s[2] & 0x3Fu);
        if (v < 0x800 || (v >= 0xD800 && v <= 0xDFFF))
            return 0;
        *cp = v;
        return 3;
    }
    if (c < 0xF5) {
        if (len < 4 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80 || (s[3] & 0xC0) != 0x80)
            return 0;
        v = (c & 0x07) << 18 | (s[1] & 0x3Fu) << 12 | (s[2] & 0x3Fu) << 6 | (s[3] & 0x3Fu);
        if (v < 0x10000 || v > 0x10FFFF)
            return 0;
        *cp = v;
        return 4;
    }
    return 0;
}

bool yz_utf8_valid(const char *s, size_t n)
{
    const uint64_t ones = UINT64_C(0x0101010101010101), tops = UINT64_C(0x8080808080808080);
    size_t i = 0;
    uint32_t cp;
    while (i < n) {
        /* after an ASCII byte, eight at a time while all eight are ASCII and none is NUL
         * ((w - ones) & ~w & tops is nonzero exactly when some byte of w is 0) */
        if ((unsigned char)s[i] < 0x80) {
            uint64_t w;
            while (i + 8 <= n && (memcpy(&w, s + i, 8), !(w & tops) && !((w - ones) & ~w & tops)))
                i += 8;
            if (i == n)
                break;
        }
        size_t k = yz_utf8_decode(s + i, n - i, &cp);
        if (!k || !cp)
            return false;
        i += k;
    }
    return true;
}
