/* SPDX-License-Identifier: MIT */
/* store/reviews.c - the reviews area's names, record helpers and backend-independent
 * wrappers. */
#include "store/reviews.h"

#include "core/alloc.h"

#include <string.h>

static const char *const status_names[] = {"none", "published", "held", "rejected"};

const char *yz_review_status_name(int status)
{
    return status >= 0 && status < YZ_REVIEW__COUNT ? status_names[status] : "";
}

int yz_review_status_parse(const char *s)
{
    for (int i = 0; s && i < YZ_REVIEW__COUNT; i++)
        if (strcmp(status_names[i], s) == 0)
            return i;
    return -1;
}

void yz_rating_tags_free(yz_rating_tag *a, size_t n)
{
    for (size_t i = 0; a && i < n; i++) {
        yz_free(a[i].code);
        yz_free(a[i].label);
        yz_free(a[i].label_hant);
        yz_free(a[i].label_en);
    }
    yz_free(a);
}

void yz_modword_rows_free(yz_modword_row *a, size_t n)
{
    for (size_t i = 0; a && i < n; i++) {
        yz_free(a[i].word);
        yz_free(a[i].kind);
    }
    yz_free(a);
}

void yz_rating_fini(yz_rating *r)
{
    if (!r)
        return;
    yz_free(r->tags);
    yz_free(r->text);
    yz_free(r->moderator_note);
    yz_free(r->reasons);
    r->tags = r->text = r->moderator_note = r->reasons = NULL;
}

void yz_ratings_free(yz_rating *a, size_t n)
{
    for (size_t i = 0; a && i < n; i++)
        yz_rating_fini(&a[i]);
    yz_free(a);
}

int yz_review_check_moderation(int from, int to, yz_errinfo *ei)
{
    if (from == YZ_REVIEW_NONE)
        return yz_err_set(ei, YZ_ECONFLICT, "id", "该评分没有评价文字，无需审核",
                          "this rating has no review text to moderate");
    if (from == to)
        return yz_err_setf(ei, YZ_ECONFLICT, "id", "该评价已是 %s 状态", "the review is already %s",
                           yz_review_status_name(to));
    return YZ_OK;
}

int yz_store_rating_tags(yz_store *st, yz_rating_tag **out, size_t *n, yz_errinfo *ei)
{
    return st->reviews->list_tags(st, out, n, ei);
}

int yz_store_moderation_words(yz_store *st, yz_modword_row **out, size_t *n, yz_errinfo *ei)
{
    return st->reviews->list_words(st, out, n, ei);
}

int yz_store_rate(yz_store *st, yz_rating *r, yz_rating_delta *d, yz_errinfo *ei)
{
    return st->reviews->rate(st, r, d, ei);
}

int yz_store_count_copies(yz_store *st, uint64_t hash, int64_t since, int64_t *n, yz_errinfo *ei)
{
    return st->reviews->count_copies(st, hash, since, n, ei);
}

int yz_store_list_reviews(yz_store *st, int64_t station_id, int status, int64_t offset,
                          int64_t limit, yz_rating **out, size_t *n, int64_t *total, yz_errinfo *ei)
{
    return st->reviews->list_reviews(st, station_id, status, offset, limit, out, n, total, ei);
}

int yz_store_get_rating(yz_store *st, int64_t id, yz_rating *out, yz_errinfo *ei)
{
    return st->reviews->get(st, id, out, ei);
}

int yz_store_moderate(yz_store *st, int64_t id, int status, const char *note, yz_rating *out,
                      yz_rating_delta *d, yz_errinfo *ei)
{
    return st->reviews->moderate(st, id, status, note, out, d, ei);
}

int yz_store_rating_aggregates(yz_store *st, yz_rating_agg **out, size_t *n, yz_errinfo *ei)
{
    return st->reviews->aggregates(st, out, n, ei);
}

int yz_store_rating_aggregate(yz_store *st, int64_t station_id, yz_rating_agg *out,
                              yz_errinfo *ei)
{
    return st->reviews->aggregate(st, station_id, out, ei);
}
