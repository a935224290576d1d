/* SPDX-License-Identifier: MIT */
/* core/alloc.h - allocation that never returns NULL: on exhaustion it logs and aborts,
 * so no ENOMEM travels through the code base. Free with yz_free(). */
#ifndef YZ_ALLOC_H
#define YZ_ALLOC_H

#include <stddef.h>

void *yz_malloc(size_t n);
void *yz_calloc(size_t count, size_t size);
void *yz_realloc(void *p, size_t n);
/* Grow an array: returns p resized to hold `count` elements of `size` bytes, checking overflow. */
void *yz_reallocarray(void *p, size_t count, size_t size);
/* Returns an owned copy of `s`; NULL for NULL. */
char *yz_strdup(const char *s);
/* Returns an owned, NUL-terminated copy of the first `n` bytes of `s`. */
char *yz_strndup(const char *s, size_t n);
/* Accepts NULL. */
void yz_free(void *p);

#endif
