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
/* Ask for transparent huge pages on a large block about to be filled (before its first
 * write), and return `p`: a page fault is a trap each 4 KiB, a large part of filling a
 * fresh array of hundreds of MB (docs/internals/catalog.md, "The start"). Only the 2 MiB-
 * aligned inside of a block of 4 MiB or more is advised; kernels without THP (or with it
 * off) leave it as it is, and failure is harmless. Advise only a block that will be
 * written whole (a huge page is resident once any byte of it is touched). */
void *yz_advise_huge(void *p, size_t bytes);

#endif
