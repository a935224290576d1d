/* SPDX-License-Identifier: MIT */
/* catalog/classifier.h - the moderation classifier that learns: a naive Bayes filter over the
 * character 1-3 grams of normalised text, trained by the moderators' own decisions and
 * combined with the word lists of catalog/moderation.h (docs/internals/classifier.md). Token
 * probabilities are Robinson's, combined with Fisher's chi-squared method, as SpamBayes does.
 * Knows nothing of the store or of threads: a classifier is one owner's (state/learn.c puts a
 * lock around the server's). Strings passed in are borrowed for the duration of the call. */
#ifndef YZ_CLASSIFIER_H
#define YZ_CLASSIFIER_H

#include "catalog/text.h"
#include "core/buf.h"
#include "core/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The two classes a text is trained as. */
enum { YZ_CLF_HAM = 0, YZ_CLF_SPAM = 1 };

enum {
    YZ_CLF_NGRAM_MAX = 3,     /* grams of 1 to this many characters */
    YZ_CLF_MIN_EXAMPLES = 20, /* texts of EACH class before the classifier holds anything */
    YZ_CLF_CLUES_MAX = 150,   /* the strongest grams that vote (SpamBayes max_discriminators) */
    YZ_CLF_EXPLAIN_MAX = 5,   /* grams named in a verdict's explanation */
    YZ_CLF_GRAM_BYTES = 16    /* room for a gram as UTF-8 with its NUL (3 x 4 + 1) */
};

/* A text is held ("learned") when its spam probability is at least this. */
#define YZ_CLF_HOLD_AT 0.90

/* The distinct grams of one text, sorted, each packed into 63 bits (three 21-bit code
 * points, the first in the low bits; shorter grams leave the high ones 0). Caller-owned
 * (init/fini); reused between texts. */
typedef struct yz_clf_grams {
    uint64_t *key; /* owned */
    size_t n;      /* distinct grams */
    size_t cap;
} yz_clf_grams;

void yz_clf_grams_init(yz_clf_grams *g);
void yz_clf_grams_fini(yz_clf_grams *g);

/* Fill `g` with the distinct grams of the NUL-terminated UTF-8 `text`: it is normalised with
 * `norm` (t2s, case and width folding, spaces and punctuation dropped), then only letters are
 * kept (Latin, Greek, Cyrillic, kana, Hangul, Han), every digit of any script, circled or not,
 * becomes '0', and everything else (symbols, emoji, marks) is dropped. `scratch` is the
 * caller's, reused. Returns YZ_OK, or YZ_EINVAL (field "text") for invalid UTF-8 (g empty). */
int yz_clf_grams_of(yz_textnorm *norm, const char *text, yz_buf *scratch, yz_clf_grams *g,
                    yz_errinfo *ei);

/* Write gram `key` as UTF-8 into `out` (NUL-terminated). Returns the bytes written. */
size_t yz_clf_gram_utf8(uint64_t key, char out[YZ_CLF_GRAM_BYTES]);
/* The key of the gram written as `s` (1 to YZ_CLF_NGRAM_MAX characters of valid UTF-8, no
 * NUL), or 0 if it is not one. */
uint64_t yz_clf_gram_parse(const char *s);

/* The counts: per gram, in how many spam and ham texts it occurs, and the texts of each
 * class. Not thread-safe; one owner. */
typedef struct yz_classifier yz_classifier;

yz_classifier *yz_classifier_new(void);
/* Accepts NULL. */
void yz_classifier_free(yz_classifier *c);

/* Add (sign +1) or remove (sign -1) one text of class `label` (YZ_CLF_*) with grams `g`.
 * Counts never go below zero (a removal that was never added leaves them at zero). */
void yz_classifier_train(yz_classifier *c, const yz_clf_grams *g, int label, int sign);
/* Set gram `key`'s counts (loading a stored model); zero counts remove it. */
void yz_classifier_set(yz_classifier *c, uint64_t key, int64_t spam, int64_t ham);
/* Set the texts trained of each class (loading a stored model). */
void yz_classifier_set_docs(yz_classifier *c, int64_t spam, int64_t ham);
/* The texts trained of each class (either pointer may be NULL). */
void yz_classifier_docs(const yz_classifier *c, int64_t *spam, int64_t *ham);
/* Gram `key`'s counts (0 and 0 when unknown). */
void yz_classifier_get(const yz_classifier *c, uint64_t key, int64_t *spam, int64_t *ham);
/* Distinct grams with a count. */
size_t yz_classifier_size(const yz_classifier *c);
/* True once both classes have YZ_CLF_MIN_EXAMPLES texts: before, it holds nothing. */
bool yz_classifier_ready(const yz_classifier *c);

/* One gram that voted, with its spam probability f(w). */
typedef struct yz_clf_clue {
    uint64_t key;
    double p;
} yz_clf_clue;

typedef struct yz_clf_verdict {
    bool ready;     /* the classifier had enough examples of both classes */
    bool hold;      /* ready and spam_p >= YZ_CLF_HOLD_AT */
    double spam_p;  /* 0..1; 0.5 when not ready or when no gram is telling */
    size_t nclues;  /* grams that voted */
    size_t nexplain;
    yz_clf_clue explain[YZ_CLF_EXPLAIN_MAX]; /* the spammiest voters, strongest first */
} yz_clf_verdict;

/* Score a text of grams `g`. Only reads `c`. */
void yz_classifier_score(const yz_classifier *c, const yz_clf_grams *g, yz_clf_verdict *v);

/* A ready classifier this sure that a text is genuine (spam probability at most this,
 * SpamBayes' ham cutoff) overrules the word lists' weakest guess, off_topic. */
#define YZ_CLF_CLEAR_BELOW 0.20

/* The reasons a text is held for: the word lists' `list_reasons` (YZ_MOD_* bits of
 * catalog/moderation.h) with YZ_MOD_LEARNED added when the verdict holds, and YZ_MOD_OFF_TOPIC
 * taken away when the ready classifier is sure the text is genuine (YZ_CLF_CLEAR_BELOW): the
 * moderators' own decisions know better what a station's texts look like than a vocabulary
 * count. Every other list reason stands. The one place the two are combined (the API and the
 * benchmark both call it); `v` may be NULL (lists alone). */
unsigned yz_clf_combine(unsigned list_reasons, const yz_clf_verdict *v);

/* Append `{"spam_probability":0.973,"ngrams":["加微","微信"]}` for a verdict. */
void yz_clf_verdict_json(const yz_clf_verdict *v, yz_buf *b);

#endif
