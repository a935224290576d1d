/* SPDX-License-Identifier: MIT */
/* store/classifier.c - the classifier area, written once for both backends (store/db.h): the
 * counts per gram, the change log the nodes follow, the trained items and the verdicts of held
 * items. A training transaction first updates the model's header row, so concurrent trainings
 * (threads, nodes) take turns there and their versions follow commit order. */
#include "store/classifier.h"

#include "core/alloc.h"
#include "core/time.h"
#include "store/db.h"

#include <string.h>

void yz_clf_model_fini(yz_clf_model *m)
{
    for (size_t i = 0; m && m->rows && i < m->n; i++)
        yz_free(m->rows[i].gram);
    if (m) {
        yz_free(m->rows);
        memset(m, 0, sizeof *m);
    }
}

void yz_clf_changes_free(yz_clf_change *a, size_t n)
{
    for (size_t i = 0; a && i < n; i++)
        yz_free(a[i].text);
    yz_free(a);
}

/* ---- load -------------------------------------------------------------------------------- */

static int load_body(yz_db_tx *tx, void *ctx, yz_errinfo *ei)
{
    yz_clf_model *m = ctx;
    yz_clf_model_fini(m);
    yz_db_q q;
    yz_db_query(&q, tx, "SELECT version, spam_docs, ham_docs FROM classifier_state WHERE id = 1",
                ei);
    if (yz_db_row(&q)) {
        m->version = yz_db_col_i64(&q, 0);
        m->spam_docs = yz_db_col_i64(&q, 1);
        m->ham_docs = yz_db_col_i64(&q, 2);
    }
    int err = yz_db_end(&q);
    if (err)
        return err;
    size_t cap = 0;
    yz_db_query(&q, tx,
                "SELECT gram, spam, ham FROM classifier_grams WHERE spam > 0 OR ham > 0", ei);
    while (yz_db_row(&q)) {
        m->rows = yz_db_grow(m->rows, m->n, &cap, sizeof *m->rows);
        m->rows[m->n++] = (yz_clf_row){yz_db_col_str(&q, 0), yz_db_col_i64(&q, 1),
                                       yz_db_col_i64(&q, 2)};
    }
    return yz_db_end(&q);
}

int yz_store_clf_load(yz_store *st, yz_clf_model *out, yz_errinfo *ei)
{
    memset(out, 0, sizeof *out);
    int err = yz_db_run(st, YZ_DB_READ, load_body, out, ei);
    if (err)
        yz_clf_model_fini(out);
    return err;
}

typedef struct changes_ctx {
    int64_t after, limit;
    yz_clf_change *a;
    size_t n;
} changes_ctx;

static int changes_body(yz_db_tx *tx, void *ctx, yz_errinfo *ei)
{
    changes_ctx *x = ctx;
    yz_clf_changes_free(x->a, x->n);
    x->a = NULL;
    x->n = 0;
    size_t cap = 0;
    yz_db_q q;
    yz_db_query(&q, tx,
                "SELECT version, label, sign, text FROM classifier_log WHERE version > $1"
                " ORDER BY version LIMIT $2",
                ei);
    yz_db_i64(&q, x->after);
    yz_db_i64(&q, x->limit);
    while (yz_db_row(&q)) {
        x->a = yz_db_grow(x->a, x->n, &cap, sizeof *x->a);
        x->a[x->n++] = (yz_clf_change){yz_db_col_i64(&q, 0), yz_db_col_int(&q, 1),
                                       yz_db_col_int(&q, 2), yz_db_col_str(&q, 3)};
    }
    return yz_db_end(&q);
}

int yz_store_clf_changes(yz_store *st, int64_t after, int64_t limit, yz_clf_change **out,
                         size_t *n, yz_errinfo *ei)
{
    changes_ctx x = {after, limit, NULL, 0};
    int err = yz_db_run(st, YZ_DB_READ1, changes_body, &x, ei);
    if (err) {
        yz_clf_changes_free(x.a, x.n);
        x.a = NULL;
        x.n = 0;
    }
    *out = x.a;
    *n = x.n;
    return err;
}

/* ---- train ------------------------------------------------------------------------------- */

/* One gram's change in one text: the batch's item. */
typedef struct gram_delta {
    const char *gram;
    int dspam, dham;
} gram_delta;

typedef struct train_ctx {
    const yz_clf_example *ex;
    size_t n;
    yz_clf_trained out;
    gram_delta *d; /* scratch, rebuilt on every run */
    size_t nd, dcap;
} train_ctx;

#define GRAM_UPSERT                                                                                \
    "INSERT INTO classifier_grams (gram, spam, ham) VALUES ($1, $2, $3)"                           \
    " ON CONFLICT (gram) DO UPDATE SET"                                                            \
    " spam = CASE WHEN classifier_grams.spam + $4 < 0 THEN 0 ELSE classifier_grams.spam + $4 END," \
    " ham = CASE WHEN classifier_grams.ham + $5 < 0 THEN 0 ELSE classifier_grams.ham + $5 END"

static int gram_send(yz_db_tx *tx, size_t i, yz_db_q *qs, void *ctx, yz_errinfo *ei)
{
    const gram_delta *g = &((train_ctx *)ctx)->d[i];
    yz_db_query(&qs[0], tx, GRAM_UPSERT, ei);
    yz_db_text(&qs[0], g->gram);
    yz_db_i64(&qs[0], g->dspam > 0 ? g->dspam : 0);
    yz_db_i64(&qs[0], g->dham > 0 ? g->dham : 0);
    yz_db_i64(&qs[0], g->dspam);
    yz_db_i64(&qs[0], g->dham);
    return 1;
}

static int gram_recv(yz_db_q *qs, int nq, size_t i, void *ctx, yz_errinfo *ei)
{
    return yz_db_exec(&qs[0], NULL);
}

/* Log change `version` (text added to or taken out of `label`). */
static int log_change(yz_db_tx *tx, int64_t version, int label, int sign, const char *text,
                      int64_t now, yz_errinfo *ei)
{
    yz_db_q q;
    yz_db_query(&q, tx,
                "INSERT INTO classifier_log (version, label, sign, text, created_at)"
                " VALUES ($1, $2, $3, $4, $5)",
                ei);
    yz_db_i64(&q, version);
    yz_db_i64(&q, label);
    yz_db_i64(&q, sign);
    yz_db_text(&q, text);
    yz_db_i64(&q, now);
    return yz_db_exec(&q, NULL);
}

static int train_body(yz_db_tx *tx, void *ctx, yz_errinfo *ei)
{
    train_ctx *x = ctx;
    memset(&x->out, 0, sizeof x->out);
    x->nd = 0;
    int64_t version = 0, docs[2] = {0, 0};
    /* The header row first: a concurrent training waits here and then runs again (SQLite
     * serialises every write anyway). */
    yz_db_q q;
    yz_db_query(&q, tx,
                "UPDATE classifier_state SET version = version WHERE id = 1"
                " RETURNING version, ham_docs, spam_docs",
                ei);
    if (yz_db_row(&q)) {
        version = yz_db_col_i64(&q, 0);
        docs[0] = yz_db_col_i64(&q, 1);
        docs[1] = yz_db_col_i64(&q, 2);
    }
    int err = yz_db_end(&q);
    int64_t now = yz_time_now();
    for (size_t i = 0; !err && i < x->n; i++) {
        const yz_clf_example *e = &x->ex[i];
        if (e->label != 0 && e->label != 1)
            return yz_err_set(ei, YZ_EINVAL, "label", "标注须为 spam 或 ham",
                              "the label must be spam or ham");
        int old = -1;
        yz_db_query(&q, tx,
                    "SELECT label FROM classifier_items WHERE source = $1 AND item_id = $2", ei);
        yz_db_text(&q, e->source);
        yz_db_i64(&q, e->item_id);
        if (yz_db_row(&q))
            old = yz_db_col_int(&q, 0);
        if ((err = yz_db_end(&q)))
            break;
        if (old == e->label) {
            x->out.unchanged++;
            continue;
        }
        yz_db_query(&q, tx,
                    "INSERT INTO classifier_items (source, item_id, label) VALUES ($1, $2, $3)"
                    " ON CONFLICT (source, item_id) DO UPDATE SET label = excluded.label",
                    ei);
        yz_db_text(&q, e->source);
        yz_db_i64(&q, e->item_id);
        yz_db_i64(&q, e->label);
        if ((err = yz_db_exec(&q, NULL)))
            break;
        if (old >= 0) {
            err = log_change(tx, ++version, old, -1, e->text, now, ei);
            docs[old] = docs[old] > 0 ? docs[old] - 1 : 0;
            x->out.moved++;
        } else {
            x->out.added++;
        }
        if (!err)
            err = log_change(tx, ++version, e->label, 1, e->text, now, ei);
        docs[e->label]++;
        for (size_t k = 0; !err && k < e->ngrams; k++) {
            x->d = yz_db_grow(x->d, x->nd, &x->dcap, sizeof *x->d);
            int up = 1, down = old >= 0 ? -1 : 0;
            x->d[x->nd++] = (gram_delta){e->grams[k], e->label ? up : down, e->label ? down : up};
        }
    }
    if (!err && x->nd) {
        size_t failed;
        err = yz_db_batch(tx, x->nd, gram_send, gram_recv, x, &failed, ei);
    }
    if (err)
        return err;
    yz_db_query(&q, tx,
                "UPDATE classifier_state SET version = $1, ham_docs = $2, spam_docs = $3"
                " WHERE id = 1",
                ei);
    yz_db_i64(&q, version);
    yz_db_i64(&q, docs[0]);
    yz_db_i64(&q, docs[1]);
    err = yz_db_exec(&q, NULL);
    x->out.version = version;
    if (!err && (x->out.added || x->out.moved))
        err = yz_db_notify(tx, "classifier", 0, ei);
    return err;
}

int yz_store_clf_train(yz_store *st, const yz_clf_example *ex, size_t n, yz_clf_trained *out,
                       yz_errinfo *ei)
{
    train_ctx x = {ex, n, {0}, NULL, 0, 0};
    int err = yz_db_run(st, YZ_DB_WRITE, train_body, &x, ei);
    yz_free(x.d);
    if (out)
        *out = err ? (yz_clf_trained){0} : x.out;
    return err;
}

/* ---- verdicts ---------------------------------------------------------------------------- */

typedef struct verdict_ctx {
    const char *source;
    int64_t item_id;
    double p;
    const char *json_in;
    char *json_out;
    bool found;
} verdict_ctx;

static int verdict_put_body(yz_db_tx *tx, void *ctx, yz_errinfo *ei)
{
    verdict_ctx *x = ctx;
    yz_db_q q;
    yz_db_query(&q, tx,
                "INSERT INTO classifier_verdicts (source, item_id, spam_probability, ngrams)"
                " VALUES ($1, $2, $3, $4) ON CONFLICT (source, item_id) DO UPDATE SET"
                " spam_probability = excluded.spam_probability, ngrams = excluded.ngrams",
                ei);
    yz_db_text(&q, x->source);
    yz_db_i64(&q, x->item_id);
    yz_db_f64(&q, x->p < 0 ? 0 : x->p > 1 ? 1 : x->p);
    yz_db_text(&q, x->json_in);
    return yz_db_exec(&q, NULL);
}

int yz_store_clf_verdict_put(yz_store *st, const char *source, int64_t item_id, double spam_p,
                             const char *ngrams_json, yz_errinfo *ei)
{
    verdict_ctx x = {source, item_id, spam_p, ngrams_json, NULL, false};
    return yz_db_run(st, YZ_DB_WRITE, verdict_put_body, &x, ei);
}

static int verdict_get_body(yz_db_tx *tx, void *ctx, yz_errinfo *ei)
{
    verdict_ctx *x = ctx;
    yz_free(x->json_out);
    x->json_out = NULL;
    x->found = false;
    yz_db_q q;
    yz_db_query(&q, tx,
                "SELECT spam_probability, ngrams FROM classifier_verdicts"
                " WHERE source = $1 AND item_id = $2",
                ei);
    yz_db_text(&q, x->source);
    yz_db_i64(&q, x->item_id);
    if (yz_db_row(&q)) {
        x->found = true;
        x->p = yz_db_col_f64(&q, 0);
        x->json_out = yz_db_col_str(&q, 1);
    }
    return yz_db_end(&q);
}

int yz_store_clf_verdict_get(yz_store *st, const char *source, int64_t item_id, bool *found,
                             double *spam_p, char **ngrams_json, yz_errinfo *ei)
{
    verdict_ctx x = {source, item_id, 0, NULL, NULL, false};
    int err = yz_db_run(st, YZ_DB_READ1, verdict_get_body, &x, ei);
    if (err || !x.found) {
        yz_free(x.json_out);
        x.json_out = NULL;
        x.found = false;
    }
    *found = x.found;
    *spam_p = x.p;
    *ngrams_json = x.json_out;
    return err;
}
