/* SPDX-License-Identifier: MIT */
/* core/alloc.c - the aborting allocator. */
#include "core/alloc.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

static void oom(size_t n)
{
    fprintf(stderr, "yizhan: out of memory allocating %zu bytes\n", n);
    abort();
}

void *yz_malloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        oom(n);
    return p;
}

void *yz_calloc(size_t count, size_t size)
{
    void *p = calloc(count ? count : 1, size ? size : 1);
    if (!p)
        oom(count * size);
    return p;
}

void *yz_realloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        oom(n);
    return q;
}

void *yz_reallocarray(void *p, size_t count, size_t size)
{
    if (size && count > SIZE_MAX / size)
        oom(SIZE_MAX);
    return yz_realloc(p, count * size);
}

char *yz_strdup(const char *s)
{
    if (!s)
        return NULL;
    return yz_strndup(s, strlen(s));
}

char *yz_strndup(const char *s, size_t n)
{
    char *d = yz_malloc(n + 1);
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

void yz_free(void *p)
{
    free(p);
}

void *yz_advise_huge(void *p, size_t bytes)
{
#ifdef MADV_HUGEPAGE
    const uintptr_t huge = (uintptr_t)2 << 20;
    if (bytes >= 2 * huge) {
        uintptr_t a = ((uintptr_t)p + huge - 1) & ~(huge - 1);
        uintptr_t e = ((uintptr_t)p + bytes) & ~(huge - 1);
        if (e > a)
            (void)madvise((void *)a, e - a, MADV_HUGEPAGE); /* advice: failure is harmless */
    }
#endif
    return p;
}
