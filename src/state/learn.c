/* SPDX-License-Identifier: MIT */
/* state/learn.c - this process's copy of the moderation classifier (catalog/classifier.h):
 * loaded from the store at start, scored under a read lock, kept in step with the store by
 * applying its change log in version order (docs/internals/classifier.md). */
#include "state/state_int.h"

#include "core/alloc.h"
#include "core/log.h"
#include "store/classifier.h"

#include <pthread.h>

#define CATCH_UP_PAGE 1000 /* changes read from the store at a time */

struct yz__learn {
    pthread_rwlock_t lock; /* readers score; writers change c or version */
    pthread_mutex_t catch_mu; /* one catch-up at a time, so changes apply once and in order */
    yz_classifier *c;      /* never NULL */
    int64_t version;       /* the store's version this copy reflects */
};

struct yz__learn *yz__learn_new(void)
{
    struct yz__learn *l = yz_calloc(1, sizeof *l);
    pthread_rwlock_init(&l->lock, NULL);
    pthread_mutex_init(&l->catch_mu, NULL);
    l->c = yz_classifier_new();
    return l;
}

void yz__learn_free(struct yz__learn *l)
{
    if (!l)
        return;
    yz_classifier_free(l->c);
    pthread_rwlock_destroy(&l->lock);
    pthread_mutex_destroy(&l->catch_mu);
    yz_free(l);
}

/* catch_mu held. Read the whole model from the store and put it in place. */
static int reload_all(yz_state *s)
{
    struct yz__learn *l = s->learn;
    yz_clf_model m;
    yz_errinfo ei;
    int err = yz_store_clf_load(s->st, &m, &ei);
    if (err) {
        yz_log(YZ_LOG_ERROR, "classifier: load: %s", ei.msg_en);
        return err;
    }
    yz_classifier *c = yz_classifier_new();
    for (size_t i = 0; i < m.n; i++)
        yz_classifier_set(c, yz_clf_gram_parse(m.rows[i].gram), m.rows[i].spam, m.rows[i].ham);
    yz_classifier_set_docs(c, m.spam_docs, m.ham_docs);
    pthread_rwlock_wrlock(&l->lock);
    yz_classifier *old = l->c;
    l->c = c;
    l->version = m.version;
    pthread_rwlock_unlock(&l->lock);
    yz_classifier_free(old);
    yz_log_info("classifier: loaded version %lld: %lld spam and %lld genuine texts, %zu grams",
                (long long)m.version, (long long)m.spam_docs, (long long)m.ham_docs, m.n);
    yz_clf_model_fini(&m);
    return YZ_OK;
}

void yz__learn_load(yz_state *s)
{
    if (!s->st)
        return;
    pthread_mutex_lock(&s->learn->catch_mu);
    reload_all(s);
    pthread_mutex_unlock(&s->learn->catch_mu);
}

void yz_state_learn_catch_up(yz_state *s)
{
    struct yz__learn *l = s->learn;
    if (!s->st)
        return;
    pthread_mutex_lock(&l->catch_mu);
    yz_buf scratch;
    yz_buf_init(&scratch);
    yz_clf_grams g;
    yz_clf_grams_init(&g);
    for (;;) {
        yz_clf_change *ch = NULL;
        size_t n = 0;
        yz_errinfo ei;
        if (yz_store_clf_changes(s->st, l->version, CATCH_UP_PAGE, &ch, &n, &ei)) {
            yz_log(YZ_LOG_ERROR, "classifier: catching up: %s", ei.msg_en);
            break;
        }
        bool gap = n && ch[0].version != l->version + 1;
        for (size_t i = 0; !gap && i < n; i++) {
            if (i && ch[i].version != ch[i - 1].version + 1) {
                gap = true;
                break;
            }
            if (yz_clf_grams_of(yz_state_thread_norm(), ch[i].text, &scratch, &g, &ei))
                g.n = 0; /* stored texts are valid UTF-8; count the document regardless */
            pthread_rwlock_wrlock(&l->lock);
            yz_classifier_train(l->c, &g, ch[i].label, ch[i].sign);
            l->version = ch[i].version;
            pthread_rwlock_unlock(&l->lock);
        }
        yz_clf_changes_free(ch, n);
        if (gap) {
            /* Not a log this copy can follow (it never happens while the log is kept whole):
             * read the model again. */
            yz_log(YZ_LOG_WARN, "classifier: change log has a gap after version %lld; reloading",
                   (long long)l->version);
            reload_all(s);
            break;
        }
        if (n < CATCH_UP_PAGE)
            break;
    }
    yz_clf_grams_fini(&g);
    yz_buf_fini(&scratch);
    pthread_mutex_unlock(&l->catch_mu);
}

void yz_state_learn_score(yz_state *s, const char *text, yz_clf_verdict *v)
{
    struct yz__learn *l = s->learn;
    yz_buf scratch;
    yz_buf_init(&scratch);
    yz_clf_grams g;
    yz_clf_grams_init(&g);
    yz_errinfo ei;
    if (yz_clf_grams_of(yz_state_thread_norm(), text, &scratch, &g, &ei))
        g.n = 0;
    pthread_rwlock_rdlock(&l->lock);
    yz_classifier_score(l->c, &g, v);
    pthread_rwlock_unlock(&l->lock);
    yz_clf_grams_fini(&g);
    yz_buf_fini(&scratch);
}

int yz_state_learn_train(yz_state *s, const char *source, int64_t item_id, int label,
                         const char *text, yz_errinfo *ei)
{
    if (!s->st)
        return YZ_OK;
    yz_buf scratch;
    yz_buf_init(&scratch);
    yz_clf_grams g;
    yz_clf_grams_init(&g);
    int err = yz_clf_grams_of(yz_state_thread_norm(), text, &scratch, &g, ei);
    char (*utf8)[YZ_CLF_GRAM_BYTES] = NULL;
    const char **grams = NULL;
    if (!err) {
        utf8 = yz_calloc(g.n + 1, sizeof *utf8);
        grams = yz_calloc(g.n + 1, sizeof *grams);
        for (size_t i = 0; i < g.n; i++) {
            yz_clf_gram_utf8(g.key[i], utf8[i]);
            grams[i] = utf8[i];
        }
        yz_clf_example ex = {source, item_id, label, text, grams, g.n};
        err = yz_store_clf_train(s->st, &ex, 1, NULL, ei);
    }
    yz_free(grams);
    yz_free(utf8);
    yz_clf_grams_fini(&g);
    yz_buf_fini(&scratch);
    if (!err)
        yz_state_learn_catch_up(s);
    return err;
}

void yz_state_learn_stats(yz_state *s, int64_t *spam_docs, int64_t *ham_docs, int64_t *version)
{
    struct yz__learn *l = s->learn;
    pthread_rwlock_rdlock(&l->lock);
    yz_classifier_docs(l->c, spam_docs, ham_docs);
    if (version)
        *version = l->version;
    pthread_rwlock_unlock(&l->lock);
}
