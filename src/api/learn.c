/* SPDX-License-Identifier: MIT */
/* api/learn.c - what the areas that publish worker texts (reviews, reports) share of the
 * classifier that learns (docs/internals/classifier.md): its verdict combined with the word
 * lists', the verdicts kept for held items and shown to moderators, and training from the
 * moderators' decisions. The model itself is the state's (state/learn.c). */
#include "api/api_int.h"

#include "catalog/moderation.h"
#include "core/alloc.h"
#include "core/log.h"
#include "store/classifier.h"

#include <string.h>

void yz__api_learned(yz_api *api, const char *text, unsigned *reasons, yz_clf_verdict *cv)
{
    yz_state_learn_score(api->state, text, cv);
    *reasons = yz_clf_combine(*reasons, cv);
}

void yz__api_keep_verdict(yz_api *api, const char *source, int64_t id, unsigned reasons,
                          const yz_clf_verdict *cv)
{
    if (!(reasons & YZ_MOD_LEARNED))
        return;
    yz_buf b;
    yz_buf_init(&b);
    yz_clf_verdict_json(cv, &b);
    /* keep only the array: the probability has its own column */
    const char *arr = strchr(b.data, '[');
    char *ngrams = yz_strdup(arr ? arr : "[]");
    size_t len = strlen(ngrams);
    if (len && ngrams[len - 1] == '}')
        ngrams[len - 1] = '\0';
    yz_errinfo ei;
    if (yz_store_clf_verdict_put(api->st, source, id, cv->spam_p, ngrams, &ei))
        yz_log(YZ_LOG_ERROR, "classifier: keeping the verdict of %s %lld: %s", source,
               (long long)id, ei.msg_en);
    yz_free(ngrams);
    yz_buf_fini(&b);
}

void yz__api_render_verdict(yz_api *api, const char *source, int64_t id, yz_buf *b)
{
    bool found = false;
    double p = 0;
    char *ngrams = NULL;
    yz_errinfo ei;
    yz_buf_puts(b, ",\"classifier\":");
    if (yz_store_clf_verdict_get(api->st, source, id, &found, &p, &ngrams, &ei) || !found) {
        yz_buf_puts(b, "null");
    } else {
        yz_buf_puts(b, "{\"spam_probability\":");
        yz_buf_fixed(b, p, 3);
        yz_buf_puts(b, ",\"ngrams\":");
        yz_buf_puts(b, ngrams); /* written by yz_clf_verdict_json: a JSON array */
        yz_buf_putc(b, '}');
    }
    yz_free(ngrams);
}

void yz__api_train(yz_api *api, const char *source, int64_t id, int label, const char *text)
{
    if (!text || !*text)
        return;
    yz_errinfo ei;
    yz_err_clear(&ei);
    /* The decision is recorded already; a failure to learn from it is logged, not answered. */
    if (yz_state_learn_train(api->state, source, id, label, text, &ei))
        yz_log(YZ_LOG_ERROR, "classifier: training on %s %lld: %s", source, (long long)id,
               ei.msg_en);
}
