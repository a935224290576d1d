/* core/hash.h - FNV-1a over a NUL-terminated string, for the in-memory hash tables that
 * intern or look up strings (not for anything an outsider chooses to collide: those tables
 * probe linearly and compare the strings, so collisions cost time, never answers). */
#ifndef YZ_CORE_HASH_H
#define YZ_CORE_HASH_H

#include <stdint.h>

static inline uint64_t yz_hash_str(const char *s)
{
    uint64_t h = UINT64_C(0xcbf29ce484222325);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        h = (h ^ *p) * UINT64_C(0x100000001b3);
    return h;
}

#endif
