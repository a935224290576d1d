/* SPDX-License-Identifier: MIT */
/* catalog/moderation.h - screening of user text (reviews, report notes) before it is public:
 * adverts from word lists that are data, links, phone numbers, QQ/WeChat IDs, repeats and
 * off-topic text (docs/internals/reviews.md). Knows nothing of HTTP or of the store: word
 * lists come in as arrays, and the caller counts earlier copies of a text.
 * Strings passed in are borrowed for the duration of the call; nothing keeps a pointer. */
#ifndef YZ_MODERATION_H
#define YZ_MODERATION_H

#include "catalog/text.h"
#include "core/buf.h"
#include "core/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Why a text is held, as bits of a mask. Named by yz_mod_reasons_json. */
enum {
    YZ_MOD_ADVERT = 1u << 0,     /* advert words whose weights add up to YZ_MOD_ADVERT_WEIGHT */
    YZ_MOD_LINK = 1u << 1,       /* http:, www., a domain name (also with full-width dots) */
    YZ_MOD_PHONE = 1u << 2,      /* a mobile or fixed-line number, in any digits */
    YZ_MOD_CONTACT_ID = 1u << 3, /* a QQ/WeChat keyword followed by an id */
    YZ_MOD_REPEATED = 1u << 4,   /* the same normalised text posted many times */
    YZ_MOD_OFF_TOPIC = 1u << 5,  /* long text with (almost) no station vocabulary */
    YZ_MOD_LEARNED = 1u << 6,    /* the classifier trained by moderators (catalog/classifier.h) */
    YZ_MOD__COUNT = 7
};

enum {
    YZ_MOD_ADVERT_WEIGHT = 2,           /* advert words of summed weight >= this: advert */
    YZ_MOD_REPEAT_MIN_CHARS = 10,       /* shorter normalised texts are never "repeated" */
    YZ_MOD_REPEAT_COPIES = 3,           /* the 3rd copy in the window and later are held */
    YZ_MOD_REPEAT_WINDOW_S = 7 * 86400, /* the window in which copies are counted */
    YZ_MOD_OFFTOPIC_MIN_CHARS = 40      /* shorter normalised texts are never "off_topic" */
};

/* The kinds of words in the lists. */
enum {
    YZ_MODWORD_ADVERT,  /* counts toward YZ_MOD_ADVERT with its weight */
    YZ_MODWORD_CONTACT, /* QQ/WeChat keyword: followed by an id it gives YZ_MOD_CONTACT_ID */
    YZ_MODWORD_VOCAB,   /* station vocabulary: its absence from long text gives off_topic */
    YZ_MODWORD__COUNT
};

typedef struct yz_modword {
    const char *word; /* UTF-8; normalised by the build, so either script may be given */
    int kind;         /* YZ_MODWORD_* */
    int weight;       /* adverts: 1 (needs company) or 2+ (enough alone); ignored otherwise */
} yz_modword;

/* The kind named "advert", "contact" or "vocab"; -1 if unknown. */
int yz_modword_kind_parse(const char *s);

/* Compiled word lists: an Aho-Corasick automaton over normalised characters. Immutable once
 * built, so any number of threads may screen with it at once (each with its own yz_textnorm). */
typedef struct yz_modrules yz_modrules;

/* Build rules from `words[0..n)`, normalising each with `norm`. Words that normalise to
 * nothing are skipped. Returns YZ_OK and owned *out, or YZ_EINVAL (field "word") for a word
 * that is not valid UTF-8 or has an unknown kind. Borrows everything. */
int yz_modrules_build(yz_textnorm *norm, const yz_modword *words, size_t n, yz_modrules **out,
                      yz_errinfo *ei);
/* Accepts NULL. */
void yz_modrules_free(yz_modrules *r);
/* The number of distinct words compiled. */
size_t yz_modrules_count(const yz_modrules *r);

typedef struct yz_modverdict {
    unsigned reasons;  /* YZ_MOD_* bits; 0 = may be published */
    uint64_t hash;     /* FNV-1a of the normalised text, to count copies (never 0) */
    size_t norm_chars; /* characters of the normalised text */
    int advert_weight; /* summed weights of the distinct advert words found */
    int vocab_hits;    /* station-vocabulary matches */
} yz_modverdict;

/* Screen the NUL-terminated UTF-8 `text`. The text is normalised (t2s, case and width folding,
 * spaces, symbols and invisible characters dropped, see the doc) and matched against `r`; links
 * are looked for in the text with only invisible characters dropped. Fills *v; YZ_MOD_REPEATED
 * is never set here (see yz_mod_repeated). `scratch` is the caller's, reused between calls.
 * Returns YZ_OK, or YZ_EINVAL (field "text") for invalid UTF-8. Not thread-safe for `norm`
 * and `scratch`; `r` is only read. */
int yz_mod_screen(const yz_modrules *r, yz_textnorm *norm, const char *text, yz_buf *scratch,
                  yz_modverdict *v, yz_errinfo *ei);

/* True when a text of verdict `v` with `earlier` copies already posted within
 * YZ_MOD_REPEAT_WINDOW_S counts as repeated. */
bool yz_mod_repeated(const yz_modverdict *v, int64_t earlier);

/* Append the reasons of `mask` as a JSON array of names, in bit order. */
void yz_mod_reasons_json(unsigned mask, yz_buf *b);
/* Append the reasons as names separated by commas ("" for 0); parse them back (unknown
 * names are ignored). */
void yz_mod_reasons_csv(unsigned mask, yz_buf *b);
unsigned yz_mod_reasons_parse(const char *csv);

#endif
