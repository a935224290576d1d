/* SPDX-License-Identifier: MIT */
/* catalog/text.h - text search over station names and addresses for the catalog snapshot:
 * normalisation (traditional to simplified with OpenCC, case and width folding), an inverted
 * index of character bigrams, and pinyin-initials matching (docs/internals/text.md).
 * Strings passed in are borrowed for the duration of the call; nothing keeps a pointer. */
#ifndef YZ_TEXT_H
#define YZ_TEXT_H

#include "core/buf.h"
#include "core/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Scores of one query term, best first. A doc's score for a term is the best of those that
 * apply; a multi-term query sums its terms' scores. Pinyin initials are matched in names only. */
enum {
    YZ_TEXT_SCORE_EXACT = 1000,        /* the term is the whole name */
    YZ_TEXT_SCORE_PREFIX = 800,        /* the name starts with the term */
    YZ_TEXT_SCORE_NAME = 600,          /* the term is inside the name */
    YZ_TEXT_SCORE_PINYIN_PREFIX = 400, /* the name starts with Han characters with these initials */
    YZ_TEXT_SCORE_PINYIN = 300,        /* a run of the name's Han characters has these initials */
    YZ_TEXT_SCORE_ADDRESS = 200        /* the term is inside the address */
};

enum {
    YZ_TEXT_QUERY_MAX_BYTES = 512, /* longer queries are refused with YZ_ETOOBIG */
    YZ_TEXT_QUERY_MAX_TERMS = 16,  /* queries with more whitespace-separated terms: YZ_ETOOBIG */
    YZ_TEXT_PINYIN_MAX = 64        /* longer all-letter terms are matched as Latin text only */
};

/* ---- normaliser ---------------------------------------------------------------------------- */

/* An OpenCC t2s converter, a per-character conversion cache and search scratch space.
 * Not thread-safe: each thread that normalises or searches opens its own (docs explain why). */
typedef struct yz_textnorm yz_textnorm;

/* Open a normaliser (loads OpenCC's t2s.json, about 1 ms: do it once per thread at start-up).
 * Returns YZ_OK and an owned object in *out (free with yz_textnorm_free), or YZ_EIO when the
 * OpenCC configuration cannot be loaded (package libopencc-data); *out is then NULL. */
int yz_textnorm_new(yz_textnorm **out, yz_errinfo *ei);

/* Accepts NULL. */
void yz_textnorm_free(yz_textnorm *n);

/* Normalise the NUL-terminated UTF-8 string `s` and append the result to `out` (which stays
 * NUL-terminated): each character is converted on its own with OpenCC t2s (溫州市總工會 gives
 * 温州市总工会), ASCII and Latin-1 letters are lower-cased, full-width ASCII (Ａ, １) becomes
 * ASCII, and whitespace, punctuation, ASCII symbols and variation selectors are dropped.
 * Returns YZ_OK, or YZ_EINVAL if `s` is not valid UTF-8 (overlong forms, surrogates and code
 * points past U+10FFFF included), leaving `out` unchanged. Borrows `s`. */
int yz_textnorm_apply(yz_textnorm *n, const char *s, yz_buf *out);

/* Append the NUL-terminated UTF-8 text `s` converted to traditional characters for display,
 * with OpenCC s2t.json, phrase by phrase (工会大厦 gives 工會大廈, 头发 頭髮). The converter is
 * opened on the first call (about 1 ms). Returns YZ_OK; YZ_EINVAL if `s` is not valid UTF-8,
 * YZ_EIO if s2t.json cannot be loaded (package libopencc-data): `out` is then unchanged.
 * Borrows `s`. Not thread-safe for `n`. */
int yz_textnorm_to_hant(yz_textnorm *n, const char *s, yz_buf *out);

/* Converters to traditional characters that any number of threads may use at once, none
 * waiting for another: the same conversion as yz_textnorm_to_hant (OpenCC s2t.json). It keeps
 * up to 8 converters, each opened on first use (about 1 ms); a call that finds all 8 in use
 * opens one of its own for the call. For answers needed before a snapshot's traditional texts
 * are converted (docs/internals/catalog.md, "zh-Hant after start"). */
typedef struct yz_hantconv yz_hantconv;
/* Returns owned (yz_hantconv_free, which accepts NULL; no call may be running). */
yz_hantconv *yz_hantconv_new(void);
void yz_hantconv_free(yz_hantconv *c);
/* Closes the converters once no call is using them (waits for those running: microseconds).
 * Later calls still convert, each with a converter opened for the call. Not thread-safe with
 * itself or yz_hantconv_free. */
void yz_hantconv_retire(yz_hantconv *c);
/* As yz_textnorm_to_hant: appends `s` converted to `out`; YZ_EINVAL if `s` is not valid UTF-8,
 * YZ_EIO if s2t.json cannot be loaded (`out` then unchanged). Thread-safe, never waits. */
int yz_hantconv_append(yz_hantconv *c, const char *s, yz_buf *out);

/* True when yz_textnorm_apply drops `cp` (whitespace, punctuation, symbols, variation
 * selectors). Pure and thread-safe. */
bool yz_text_dropped(uint32_t cp);

/* True when the search splits a query at `cp` (ASCII and Unicode whitespace, U+3000). Pure. */
bool yz_text_is_space(uint32_t cp);

enum { YZ_TEXT_FOLD_MAX = 4 }; /* code points yz_textnorm_fold writes at most */

/* Fold the character `cp` (a Unicode scalar value) for screening user text, so that what looks
 * alike compares alike (catalog/moderation.c; docs/internals/text.md, "Folding look-alikes"):
 * a digit of any script (٣, ३, ³, ₃, 𝟑, ③, ⓷) becomes the ASCII digit; otherwise Unicode NFKC
 * (full-width and mathematical letters, compatibility forms) and lower case; a letter or
 * symbol that ICU's confusables data (uspoof skeletons) calls alike to an ASCII letter, digit,
 * '.', '/' or ':' becomes it (Cyrillic с, Greek ο, ⁄); a Han character goes through t2s, and a
 * Japanese variant outside GB2312 becomes its Chinese form (発 → 发). Han numerals, spaces
 * and punctuation otherwise stay themselves (nothing is dropped but what NFKC empties).
 * Writes 0 to YZ_TEXT_FOLD_MAX code points to `out` and returns their number. Results for the
 * BMP are cached in `n` (256 KiB, allocated on first use). The result is for comparison
 * only, never for display. Not thread-safe for `n`. */
size_t yz_textnorm_fold(yz_textnorm *n, uint32_t cp, uint32_t *out);

/* The possible pinyin first letters of the Han character `cp` from every Mandarin reading in
 * Unihan, as a mask (bit 0 = 'a' ... bit 25 = 'z'); 0 for a character without a reading.
 * 重 gives c|t|z, 行 gives h|x. Pure and thread-safe. */
uint32_t yz_text_pinyin_initials(uint32_t cp);

/* The readings of the Han character `cp` without tones, comma-separated, from every Mandarin
 * reading in Unihan ("zhong,chong,tong"; ü written v: 绿 gives "lv,lu"), or NULL for a
 * character without one. Borrowed, static. Pure and thread-safe. */
const char *yz_text_pinyin_readings(uint32_t cp);

/* ---- index --------------------------------------------------------------------------------- */

/* An immutable index over the normalised names and addresses of `ndocs` docs, numbered from 0
 * in the order given. Once built it is only read, so any number of threads may search it at
 * once, each with its own yz_textnorm. */
typedef struct yz_textindex yz_textindex;

typedef struct yz_textdoc {
    const char *name;    /* UTF-8, borrowed during the build; NULL counts as "" */
    const char *address; /* UTF-8, borrowed during the build; NULL counts as "" */
} yz_textdoc;

/* Build an index over `docs[0..ndocs)`, normalising with `n`. Returns YZ_OK and an owned
 * index in *out (free with yz_textindex_free). Returns YZ_EINVAL (field "name" or "address",
 * the message naming the doc) if a text is not valid UTF-8, or YZ_ETOOBIG for more than
 * 2^32 - 2 docs or over 4 GiB of normalised text; *out is then left unchanged.
 * Borrows `docs` and their strings. The index takes about 3.5 times the normalised text; the
 * build's peak is about 1.4 times the finished index (docs/internals/text.md). */
int yz_textindex_build(yz_textnorm *n, const yz_textdoc *docs, size_t ndocs, yz_textindex **out,
                       yz_errinfo *ei);

/* Accepts NULL. */
void yz_textindex_free(yz_textindex *ix);

/* The number of docs indexed. */
size_t yz_textindex_count(const yz_textindex *ix);

/* The heap bytes held by the index. */
size_t yz_textindex_bytes(const yz_textindex *ix);

typedef struct yz_texthit {
    uint32_t doc;  /* index of the doc in the array given to the build */
    int32_t score; /* sum over the query's terms of YZ_TEXT_SCORE_*; higher is better */
} yz_texthit;

/* Find the docs matching `query` (UTF-8). The query is split on whitespace into terms, each
 * normalised like the indexed text; a doc matches when every term matches its name or its
 * address: as a substring of the normalised text, or, for a term of 2 to YZ_TEXT_PINYIN_MAX
 * ASCII letters, as the pinyin initials of a run of Han characters of the name (ghds finds
 * 工會大廈; every reading of a polyphone counts, so 重慶 is both cq and zq).
 * Writes up to `max` hits into `out` (caller-owned, room for `max`) in no particular order,
 * their number to *n_out and the number of matching docs to *n_total. When more than `max`
 * docs match, the `max` best scores are written, ties at the cut going to lower doc numbers:
 * a caller that orders ties by distance should pass max >= yz_textindex_count(ix).
 * Returns YZ_OK; YZ_EINVAL (field "q") if the query is not valid UTF-8 or has nothing left
 * after normalisation; YZ_ETOOBIG (field "q") past YZ_TEXT_QUERY_MAX_BYTES or _TERMS. On error
 * *n_out and *n_total are 0. Borrows `ix` and `query`; `n` must not be in use by another
 * thread. Allocates only to grow `n`'s scratch space. */
int yz_textindex_search(const yz_textindex *ix, yz_textnorm *n, const char *query, yz_texthit *out,
                        size_t max, size_t *n_out, size_t *n_total, yz_errinfo *ei);

#endif
