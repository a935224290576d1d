/* SPDX-License-Identifier: MIT */
/* store/reviews.h - the store's reviews area: ratings (stars and tags, one per worker,
 * station and local day, a second one that day replacing the first), their optional review
 * text with its moderation status, the tag list and the moderation word lists (both data,
 * seeded by sql/sqlite/0005_reviews.sql). Nothing is ever deleted.
 * Records returned are owned by the caller (free with the *_free functions below). */
#ifndef YZ_STORE_REVIEWS_H
#define YZ_STORE_REVIEWS_H

#include "store/store.h"

#include <stdbool.h>
#include <stdint.h>

/* Status of a rating's review text. */
enum yz_review_status {
    YZ_REVIEW_NONE,      /* no text: a rating alone */
    YZ_REVIEW_PUBLISHED, /* shown in the station's reviews */
    YZ_REVIEW_HELD,      /* waiting for a moderator; stars count */
    YZ_REVIEW_REJECTED,  /* hidden by a moderator; stars do not count */
    YZ_REVIEW__COUNT
};
const char *yz_review_status_name(int status);
int yz_review_status_parse(const char *s); /* -1 if unknown */
/* Whether a moderator may move a review from status `from` to `to`: YZ_OK, or YZ_ECONFLICT
 * naming id (a rating without text, or a review already in that status). */
int yz_review_check_moderation(int from, int to, yz_errinfo *ei);

typedef struct yz_rating_tag {
    char *code;
    char *label;      /* zh-Hans */
    char *label_hant; /* zh-Hant */
    char *label_en;
    bool positive;
} yz_rating_tag;
void yz_rating_tags_free(yz_rating_tag *a, size_t n);

typedef struct yz_modword_row {
    char *word;
    char *kind; /* "advert", "contact" or "vocab" */
    int weight;
} yz_modword_row;
void yz_modword_rows_free(yz_modword_row *a, size_t n);

typedef struct yz_rating {
    int64_t id;
    int64_t station_id;
    int64_t worker_id;
    int32_t day;          /* the station's local date, days since 1970-01-01 */
    int stars;            /* 1..5 */
    char *tags;           /* tag codes separated by commas, "" for none; owned */
    char *text;           /* review text, NULL for none; owned */
    uint64_t text_hash;   /* of the normalised text, 0 for none */
    int status;           /* enum yz_review_status */
    char *reasons;        /* why held: reason names separated by commas, "" for none; owned */
    int64_t created_at;   /* unix seconds */
    int64_t moderated_at; /* unix seconds, 0 if never */
    char *moderator_note; /* owned, NULL for none */
    bool at_station;      /* in (yz_store_rate): the position sent with it is at the station */
    bool verified;        /* at_station and a check-in there in YZ_RATING_VISIT_WINDOW_S */
} yz_rating;
void yz_rating_fini(yz_rating *r);
void yz_ratings_free(yz_rating *a, size_t n);

/* How a write changed the stars that count for one station (active, not rejected). */
typedef struct yz_rating_delta {
    int64_t station_id;
    int count;     /* ratings added (-1, 0 or 1) */
    int sum;       /* stars added (may be negative) */
    int vcount;    /* verified ratings added (-1, 0 or 1); part of count */
    int vsum;      /* stars of verified ratings added; part of sum */
    bool replaced; /* a rating of the same worker, station and day was replaced */
} yz_rating_delta;

/* The stars that count for one station (or, with station_id 0, for several). */
typedef struct yz_rating_agg {
    int64_t station_id;
    int64_t count;  /* counted ratings, verified or not */
    int64_t sum;    /* their stars */
    int64_t vcount; /* the verified ones among them */
    int64_t vsum;   /* their stars */
} yz_rating_agg;

/* ---- the weighted score (docs/internals/reviews.md, "Verified ratings") ----
 * A verified rating weighs 1. The unverified ratings of a station weigh YZ_RATING_UNVERIFIED_W
 * each but at most YZ_RATING_UNVERIFIED_CAP together (their mean stars times the cap past
 * that), so that any number of them moves a score by at most
 * 4 * CAP / (YZ_RATING_PRIOR_W + CAP) < 0.1 stars, whatever else the station has. */
#define YZ_RATING_UNVERIFIED_W (1.0 / 40)  /* weight of one unverified rating */
#define YZ_RATING_UNVERIFIED_CAP (1.0 / 8) /* weight of all of a station's unverified ratings */
#define YZ_RATING_PRIOR_W 5.0   /* C of the Bayesian average: 5 verified votes at the mean */
#define YZ_RATING_PRIOR_MEAN 3.5 /* m before any verified rating exists */
#define YZ_RATING_VISIT_WINDOW_S (30 * 86400) /* a check-in this recent verifies a rating */
#define YZ_RATING_NEAR_M 300.0   /* the position sent with a rating, this close to the station */

typedef struct yz_rating_score {
    double weight;   /* verified count + the unverified ratings' weight */
    double avg;      /* weighted mean of the stars; 0 when weight is 0 */
    double score;    /* (C*m + weighted stars) / (C + weight) */
} yz_rating_score;

/* The weighted score of a station with counted ratings `a`, where `all` holds every station's
 * (its verified mean is m; the unverified ratings never move m). Pure; any thread. A pair no
 * sequence of 1..5-star ratings makes is taken as no ratings. */
void yz_rating_weigh(const yz_rating_agg *a, const yz_rating_agg *all, yz_rating_score *out);
/* Whether `a` is a set of counts and sums some sequence of 1..5-star ratings makes. */
bool yz_rating_agg_sane(const yz_rating_agg *a);

/* The rating tags in display order. Owned (yz_rating_tags_free). */
int yz_store_rating_tags(yz_store *st, yz_rating_tag **out, size_t *n, yz_errinfo *ei);
/* The moderation word lists. Owned (yz_modword_rows_free). */
int yz_store_moderation_words(yz_store *st, yz_modword_row **out, size_t *n, yz_errinfo *ei);

/* Record rating `r` (station_id, worker_id, day, stars, tags, text, text_hash, status,
 * reasons and at_station read; id and verified set; created_at set to now unless given > 0,
 * as the demo's past ratings give it: the API always passes 0). It is verified when
 * at_station and the worker has a counted visit at the station in the last
 * YZ_RATING_VISIT_WINDOW_S, decided inside the write transaction and stored with it. If the worker already has an active rating of the
 * station that day, it is marked replaced (kept, inactive) and `r` takes its place, in one
 * transaction. `d` tells how the counted stars of the station changed. Tags and station are
 * the caller's to check. */
int yz_store_rate(yz_store *st, yz_rating *r, yz_rating_delta *d, yz_errinfo *ei);
/* The number of ratings whose text hashes to `hash`, created at or after `since`. */
int yz_store_count_copies(yz_store *st, uint64_t hash, int64_t since, int64_t *n, yz_errinfo *ei);
/* Active ratings with review status `status`, newest first (ties: higher id first), of
 * station `station_id` (0: every station), `limit` from `offset`; *total counts them all.
 * Owned (yz_ratings_free). */
int yz_store_list_reviews(yz_store *st, int64_t station_id, int status, int64_t offset,
                          int64_t limit, yz_rating **out, size_t *n, int64_t *total,
                          yz_errinfo *ei);
/* One rating by id into `out` (initialised by the call). YZ_ENOTFOUND if none. */
int yz_store_get_rating(yz_store *st, int64_t id, yz_rating *out, yz_errinfo *ei);
/* Set the review status of rating `id` to YZ_REVIEW_PUBLISHED (approve: from held or
 * rejected) or YZ_REVIEW_REJECTED (reject: from held or published), with the moderator's
 * `note` (may be NULL), in one transaction. Fills `out` (initialised by the call) with the
 * rating after the change and `d` with the change in counted stars (a rejected active rating
 * stops counting, an approved rejected one counts again). YZ_ENOTFOUND; YZ_ECONFLICT when the
 * rating has no text or already has that status. */
int yz_store_moderate(yz_store *st, int64_t id, int status, const char *note, yz_rating *out,
                      yz_rating_delta *d, yz_errinfo *ei);
/* Counted stars (active, not rejected) per station, for every station with any. Owned
 * (yz_free). */
int yz_store_rating_aggregates(yz_store *st, yz_rating_agg **out, size_t *n, yz_errinfo *ei);
/* The same for one station (count and sum 0 when it has none). */
int yz_store_rating_aggregate(yz_store *st, int64_t station_id, yz_rating_agg *out,
                              yz_errinfo *ei);

#endif
