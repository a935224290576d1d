/* core/varint.h - LEB128 varints of 32-bit numbers: 7 bits a byte, low first, the high bit
 * set on every byte but the last. For the catalog's coded parts (posting lists, zh-Hant
 * texts), where most numbers are small. */
#ifndef YZ_CORE_VARINT_H
#define YZ_CORE_VARINT_H

#include "core/buf.h"

#include <stdint.h>

/* Append `v` to `b` (1 to 5 bytes). */
static inline void yz_buf_put_varint(yz_buf *b, uint32_t v)
{
    unsigned char tmp[5];
    size_t n = 0;
    while (v >= 0x80) {
        tmp[n++] = (unsigned char)(v | 0x80);
        v >>= 7;
    }
    tmp[n++] = (unsigned char)v;
    yz_buf_append(b, tmp, n);
}

/* The varint at *pp; *pp moves past it. The bytes must be one written by yz_buf_put_varint. */
static inline uint32_t yz_varint_get(const unsigned char **pp)
{
    const unsigned char *p = *pp;
    uint32_t v = *p & 0x7F;
    for (unsigned shift = 7; *p++ & 0x80; shift += 7)
        v |= (uint32_t)(*p & 0x7F) << shift;
    *pp = p;
    return v;
}

#endif
