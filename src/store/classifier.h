/* SPDX-License-Identifier: MIT */
/* store/classifier.h - the store's side of the moderation classifier (catalog/classifier.h,
 * docs/internals/classifier.md): the model's counts per gram, the ordered log of its changes
 * through which the nodes of one store keep their in-memory copies in step, what each moderated
 * item was trained as, and the verdicts that explain held items. The store never tokenises:
 * callers pass the grams of each text as UTF-8 strings.
 * Records returned are owned by the caller (free with the *_free functions below). */
#ifndef YZ_STORE_CLASSIFIER_H
#define YZ_STORE_CLASSIFIER_H

#include "store/store.h"

#include <stdbool.h>
#include <stdint.h>

/* One gram's counts: the trained texts of each class it occurs in. */
typedef struct yz_clf_row {
    char *gram; /* owned UTF-8 */
    int64_t spam;
    int64_t ham;
} yz_clf_row;

/* The whole model as stored, as of one commit. */
typedef struct yz_clf_model {
    int64_t version;   /* changes applied (the last classifier_log version) */
    int64_t spam_docs; /* texts trained as spam */
    int64_t ham_docs;  /* texts trained as genuine */
    yz_clf_row *rows;  /* owned; grams with a count only */
    size_t n;
} yz_clf_model;
void yz_clf_model_fini(yz_clf_model *m);

/* One change of the model: text `text` added to (sign 1) or taken out of (sign -1) class
 * `label` (0 genuine, 1 spam), as version `version`. */
typedef struct yz_clf_change {
    int64_t version;
    int label;
    int sign;
    char *text; /* owned */
} yz_clf_change;
void yz_clf_changes_free(yz_clf_change *a, size_t n);

/* A text to train, with its grams (distinct, UTF-8), all borrowed. `source` is "review" or
 * "report" (item_id: the rating's or report's id) or "file" (item_id: a hash of the text, so
 * that training the same file again changes nothing). */
typedef struct yz_clf_example {
    const char *source;
    int64_t item_id;
    int label; /* 0 genuine, 1 spam */
    const char *text;
    const char *const *grams;
    size_t ngrams;
} yz_clf_example;

/* What a training call did. */
typedef struct yz_clf_trained {
    size_t added;     /* texts new to the model */
    size_t moved;     /* texts moved from the other class (a reversed decision) */
    size_t unchanged; /* texts already trained as that class */
    int64_t version;  /* the model's version after the call */
} yz_clf_trained;

/* The model as of one commit (its version, document counts and every gram with a count).
 * Fills *out (owned, yz_clf_model_fini). */
int yz_store_clf_load(yz_store *st, yz_clf_model *out, yz_errinfo *ei);
/* The changes after version `after`, in version order, at most `limit`. Owned
 * (yz_clf_changes_free). */
int yz_store_clf_changes(yz_store *st, int64_t after, int64_t limit, yz_clf_change **out,
                         size_t *n, yz_errinfo *ei);
/* Train `ex[0..n)` in one write transaction: each item is trained once as its latest label
 * (an item trained as the other class is moved, one already trained as this class is left),
 * its changes logged with the next versions, its grams' counts updated, and other nodes told
 * ("classifier"). Training transactions are serialised on the model's one header row, so
 * versions follow commit order on every node. YZ_EINVAL (field "label") for a label not 0/1. */
int yz_store_clf_train(yz_store *st, const yz_clf_example *ex, size_t n, yz_clf_trained *out,
                       yz_errinfo *ei);

/* Keep why the classifier held item `item_id` of `source` ("review" or "report"): its spam
 * probability and the grams that drove it (`ngrams_json`, a JSON array). Replaces an earlier
 * one. */
int yz_store_clf_verdict_put(yz_store *st, const char *source, int64_t item_id, double spam_p,
                             const char *ngrams_json, yz_errinfo *ei);
/* The verdict kept for an item: *found false when there is none. *ngrams_json is owned
 * (yz_free), NULL when not found. */
int yz_store_clf_verdict_get(yz_store *st, const char *source, int64_t item_id, bool *found,
                             double *spam_p, char **ngrams_json, yz_errinfo *ei);

#endif
