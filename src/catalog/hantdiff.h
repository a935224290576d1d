/* SPDX-License-Identifier: MIT */
/* catalog/hantdiff.h - a traditional text stored as its differences from the simplified one
 * (docs/internals/catalog.md, "zh-Hant texts"): s2t replaces characters one for one, and a
 * replaced character is nearly always replaced the same way, so a text is coded as the gaps
 * between its replaced characters against a table of each character's usual replacement.
 * Private to the catalog and its unit tests. Not thread-safe while coding; decoding only
 * reads the table. */
#ifndef YZ_HANTDIFF_H
#define YZ_HANTDIFF_H

#include "core/buf.h"

#include <stddef.h>
#include <stdint.h>

/* The usual replacement of each simplified code point met: the first one coded. */
typedef struct yz__hantmap {
    uint32_t *slot; /* private: cap pairs (from, to), from 0 when empty */
    size_t cap;     /* private: slots, a power of two (0 before the first) */
    size_t n;       /* private: pairs held */
} yz__hantmap;

void yz__hantmap_init(yz__hantmap *m);
/* Frees the table and leaves `m` as after init. Accepts NULL. */
void yz__hantmap_fini(yz__hantmap *m);
/* Heap bytes the table holds (malloc's header included). */
size_t yz__hantmap_bytes(const yz__hantmap *m);

/* Appends to `out` the coding of `conv`, the traditional form of `src` (both NUL-terminated),
 * learning into `m` the replacements it has not met yet. When the two are not valid UTF-8 or
 * do not have as many code points, the coding holds `conv` whole. The coding is only
 * meaningful with `m` and `src`, and with `m` only grown since. */
void yz__hant_encode(yz__hantmap *m, const char *src, const char *conv, yz_buf *out);

/* Writes the text coded at `code` against `src` into out[0..cap) with a NUL, and returns its
 * length; returns SIZE_MAX (out then undefined) when it needs more than cap bytes. A coding
 * never needs more than 4 * strlen(src) + 1 bytes, or its whole text's. `m` is borrowed. */
size_t yz__hant_decode(const yz__hantmap *m, const char *src, const unsigned char *code,
                       char *out, size_t cap);

/* Appends the text coded at `code` against `src` to `out`. */
void yz__hant_decode_buf(const yz__hantmap *m, const char *src, const unsigned char *code,
                         yz_buf *out);

/* The byte past the coding at `code` (the next text's coding follows it). */
const unsigned char *yz__hant_skip(const unsigned char *code);

#endif
