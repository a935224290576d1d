/* SPDX-License-Identifier: MIT */
/* tests/unit/test_reviews.c - the ratings store: one rating per worker, station and day (a
 * second one that day replaces the first, one the next day does not), the counted stars,
 * moderation status changes and what they do to the stars, copies of a text, pagination, the
 * seeded tags, that nothing is lost or deleted across a reopen, and that a read failing
 * part-way is an error, never a short answer. */
#include "testdb.h"
#include "store/db.h" /* the read-fault hook of the tests */
#include "store/reviews.h"
#include "store/workers.h"

#include "core/alloc.h"
#include "core/time.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static char path[64];
static yz_store *st;
static int64_t w1, w2;

static int64_t worker(uint8_t seed)
{
    uint8_t hash[YZ_TOKEN_HASH_BYTES];
    memset(hash, seed, sizeof hash);
    yz_worker w = {.occupation = YZ_OCC_RIDER, .expires_at = yz_time_now() + 3600};
    yz_errinfo ei;
    cr_assert_eq(yz_store_worker_create(st, hash, &w, &ei), YZ_OK, "%s", ei.msg_en);
    return w.id;
}

static void setup(void)
{
    snprintf(path, sizeof path, "/tmp/yz-test-reviews-%d.db", (int)getpid());
    unlink(path);
    yz_errinfo ei;
    cr_assert_eq(yz_store_open(path, &st, &ei), YZ_OK, "%s", ei.msg_en);
    w1 = worker(1);
    w2 = worker(2);
}

static void unlink_all(void)
{
    yz_test_remove_db(path);
}

static void teardown(void)
{
    yz_store_close(st);
    unlink_all();
}

TestSuite(reviews, .init = setup, .fini = teardown);

/* Rate and return the delta; text NULL for a rating alone. */
static yz_rating_delta rate(int64_t worker_id, int64_t station, int32_t day, int stars,
                            const char *text, int status, int64_t *id)
{
    yz_rating r = {.station_id = station,
                   .worker_id = worker_id,
                   .day = day,
                   .stars = stars,
                   .status = status};
    r.tags = yz_strdup("clean,warm");
    r.text = text ? yz_strdup(text) : NULL;
    r.text_hash = text ? 0x1234 + (uint64_t)strlen(text) : 0;
    r.reasons = yz_strdup(status == YZ_REVIEW_HELD ? "phone" : "");
    yz_rating_delta d;
    yz_errinfo ei;
    cr_assert_eq(yz_store_rate(st, &r, &d, &ei), YZ_OK, "%s", ei.msg_en);
    cr_assert_gt(r.id, 0);
    cr_assert_gt(r.created_at, 0);
    if (id)
        *id = r.id;
    yz_rating_fini(&r);
    return d;
}

/* The counted stars of `station` from the store's aggregates. */
static void agg(int64_t station, int64_t *count, int64_t *sum)
{
    yz_rating_agg *a;
    size_t n;
    yz_errinfo ei;
    cr_assert_eq(yz_store_rating_aggregates(st, &a, &n, &ei), YZ_OK);
    *count = *sum = 0;
    for (size_t i = 0; i < n; i++)
        if (a[i].station_id == station) {
            *count = a[i].count;
            *sum = a[i].sum;
        }
    yz_free(a);
}

Test(reviews, tags_are_seeded)
{
    yz_rating_tag *t;
    size_t n;
    yz_errinfo ei;
    cr_assert_eq(yz_store_rating_tags(st, &t, &n, &ei), YZ_OK);
    cr_assert_eq(n, 10);
    cr_expect_str_eq(t[0].code, "clean");
    cr_expect_str_eq(t[9].code, "closed_when_open");
    cr_expect_str_eq(t[1].label_hant, "溫馨");
    cr_expect(t[0].positive);
    cr_expect(!t[7].positive);
    yz_rating_tags_free(t, n);
}

Test(reviews, second_rating_the_same_day_replaces_the_first)
{
    int64_t a, b, c;
    yz_rating_delta d = rate(w1, 7, 20000, 5, NULL, YZ_REVIEW_NONE, &a);
    cr_expect(!d.replaced);
    cr_expect_eq(d.count, 1);
    cr_expect_eq(d.sum, 5);
    d = rate(w1, 7, 20000, 2, "厕所很脏", YZ_REVIEW_PUBLISHED, &b);
    cr_expect(d.replaced);
    cr_expect_eq(d.count, 0);
    cr_expect_eq(d.sum, -3);
    int64_t n, s;
    agg(7, &n, &s);
    cr_expect_eq(n, 1);
    cr_expect_eq(s, 2);
    /* the next day counts again; another worker the same day too */
    d = rate(w1, 7, 20001, 4, NULL, YZ_REVIEW_NONE, &c);
    cr_expect(!d.replaced);
    cr_expect_eq(d.count, 1);
    d = rate(w2, 7, 20000, 3, NULL, YZ_REVIEW_NONE, NULL);
    cr_expect(!d.replaced);
    agg(7, &n, &s);
    cr_expect_eq(n, 3);
    cr_expect_eq(s, 2 + 4 + 3);
    /* the replaced one is kept, never deleted */
    yz_rating r;
    yz_errinfo ei;
    cr_assert_eq(yz_store_get_rating(st, a, &r, &ei), YZ_OK);
    cr_expect_eq(r.stars, 5);
    yz_rating_fini(&r);
    /* another station is unaffected */
    agg(8, &n, &s);
    cr_expect_eq(n, 0);
}

Test(reviews, reject_removes_stars_and_approve_restores_them)
{
    int64_t id, id2;
    rate(w1, 9, 20000, 5, NULL, YZ_REVIEW_NONE, NULL);
    rate(w2, 9, 20000, 1, "有事打13812345678", YZ_REVIEW_HELD, &id);
    int64_t n, s;
    agg(9, &n, &s);
    cr_expect_eq(n, 2, "held stars count");
    cr_expect_eq(s, 6);

    /* the queue */
    yz_rating *a;
    size_t len;
    int64_t total;
    yz_errinfo ei;
    cr_assert_eq(yz_store_list_reviews(st, 0, YZ_REVIEW_HELD, 0, 10, &a, &len, &total, &ei), YZ_OK);
    cr_assert_eq(len, 1);
    cr_expect_eq(total, 1);
    cr_expect_eq(a[0].id, id);
    cr_expect_str_eq(a[0].reasons, "phone");
    cr_expect_str_eq(a[0].tags, "clean,warm");
    yz_ratings_free(a, len);

    yz_rating r;
    yz_rating_delta d;
    cr_assert_eq(yz_store_moderate(st, id, YZ_REVIEW_REJECTED, "广告", &r, &d, &ei), YZ_OK, "%s",
                 ei.msg_en);
    cr_expect_eq(r.status, YZ_REVIEW_REJECTED);
    cr_expect_str_eq(r.moderator_note, "广告");
    cr_expect_gt(r.moderated_at, 0);
    cr_expect_eq(d.station_id, 9);
    cr_expect_eq(d.count, -1);
    cr_expect_eq(d.sum, -1);
    yz_rating_fini(&r);
    agg(9, &n, &s);
    cr_expect_eq(n, 1);
    cr_expect_eq(s, 5);
    /* rejecting twice conflicts and changes nothing */
    cr_expect_eq(yz_store_moderate(st, id, YZ_REVIEW_REJECTED, NULL, &r, &d, &ei), YZ_ECONFLICT);
    cr_expect_eq(d.count, 0);
    /* the text is kept */
    cr_assert_eq(yz_store_get_rating(st, id, &r, &ei), YZ_OK);
    cr_expect_str_eq(r.text, "有事打13812345678");
    yz_rating_fini(&r);
    /* approving a rejected review counts its stars again */
    cr_assert_eq(yz_store_moderate(st, id, YZ_REVIEW_PUBLISHED, NULL, &r, &d, &ei), YZ_OK);
    cr_expect_eq(d.count, 1);
    cr_expect_eq(d.sum, 1);
    yz_rating_fini(&r);
    agg(9, &n, &s);
    cr_expect_eq(n, 2);
    /* a rating without text cannot be moderated; unknown ids are not found */
    rate(w1, 10, 20000, 3, NULL, YZ_REVIEW_NONE, &id2);
    cr_expect_eq(yz_store_moderate(st, id2, YZ_REVIEW_REJECTED, NULL, &r, &d, &ei), YZ_ECONFLICT);
    cr_expect_eq(yz_store_moderate(st, 99999, YZ_REVIEW_REJECTED, NULL, &r, &d, &ei), YZ_ENOTFOUND);
}

Test(reviews, replacing_a_rejected_rating_adds_its_stars_back_once)
{
    int64_t id;
    rate(w1, 11, 20000, 1, "垃圾", YZ_REVIEW_HELD, &id);
    yz_rating r;
    yz_rating_delta d;
    yz_errinfo ei;
    cr_assert_eq(yz_store_moderate(st, id, YZ_REVIEW_REJECTED, NULL, &r, &d, &ei), YZ_OK);
    yz_rating_fini(&r);
    d = rate(w1, 11, 20000, 4, NULL, YZ_REVIEW_NONE, NULL);
    cr_expect(d.replaced);
    cr_expect_eq(d.count, 1);
    cr_expect_eq(d.sum, 4);
    int64_t n, s;
    agg(11, &n, &s);
    cr_expect_eq(n, 1);
    cr_expect_eq(s, 4);
    /* moderating the replaced one no longer touches the stars */
    cr_assert_eq(yz_store_moderate(st, id, YZ_REVIEW_PUBLISHED, NULL, &r, &d, &ei), YZ_OK);
    cr_expect_eq(d.count, 0);
    cr_expect_eq(d.sum, 0);
    yz_rating_fini(&r);
    agg(11, &n, &s);
    cr_expect_eq(s, 4);
}

/* ---- verified ratings and the weighted score ---------------------------------------------- */

#include "store/visits.h"

/* A check-in of `worker_id` at `station`, `ago_s` seconds ago. */
static void visit(int64_t worker_id, int64_t station, int64_t ago_s)
{
    yz_visit v = {.worker_id = worker_id, .station_id = station, .at = yz_time_now() - ago_s};
    yz_errinfo ei;
    cr_assert_eq(yz_store_visit_record(st, &v, &ei), YZ_OK, "%s", ei.msg_en);
    cr_assert(v.counted);
}

/* Rate with the position at the station or not; returns the delta, *verified the store's
 * verdict. */
static yz_rating_delta rate_at(int64_t worker_id, int64_t station, int32_t day, int stars,
                               bool at_station, bool *verified)
{
    yz_rating r = {.station_id = station,
                   .worker_id = worker_id,
                   .day = day,
                   .stars = stars,
                   .status = YZ_REVIEW_NONE,
                   .at_station = at_station};
    r.tags = yz_strdup("");
    r.reasons = yz_strdup("");
    yz_rating_delta d;
    yz_errinfo ei;
    cr_assert_eq(yz_store_rate(st, &r, &d, &ei), YZ_OK, "%s", ei.msg_en);
    *verified = r.verified;
    yz_rating stored;
    cr_assert_eq(yz_store_get_rating(st, r.id, &stored, &ei), YZ_OK);
    cr_expect_eq(stored.verified, r.verified, "the verdict is stored with the rating");
    yz_rating_fini(&stored);
    yz_rating_fini(&r);
    return d;
}

static yz_rating_agg agg_of(int64_t station)
{
    yz_rating_agg a;
    yz_errinfo ei;
    cr_assert_eq(yz_store_rating_aggregate(st, station, &a, &ei), YZ_OK);
    return a;
}

Test(reviews, a_rating_is_verified_by_a_recent_visit_and_the_position)
{
    bool v;
    int64_t w3 = worker(3), w4 = worker(4);
    /* no visit: not verified even at the station */
    yz_rating_delta d = rate_at(w1, 20, 20000, 5, true, &v);
    cr_expect(!v);
    cr_expect_eq(d.count, 1);
    cr_expect_eq(d.vcount, 0);
    cr_expect_eq(d.vsum, 0);
    /* a visit 3 days ago and the position at the station: verified */
    visit(w2, 20, 3 * 86400);
    d = rate_at(w2, 20, 20000, 4, true, &v);
    cr_expect(v);
    cr_expect_eq(d.vcount, 1);
    cr_expect_eq(d.vsum, 4);
    /* a visit, but the position was not at the station (or not sent) */
    visit(w3, 20, 3600);
    d = rate_at(w3, 20, 20000, 1, false, &v);
    cr_expect(!v);
    /* a visit 31 days ago is too old; a visit at another station does not count */
    visit(w4, 20, 31 * 86400);
    visit(w4, 21, 60);
    d = rate_at(w4, 20, 20000, 2, true, &v);
    cr_expect(!v);
    yz_rating_agg a = agg_of(20);
    cr_expect_eq(a.count, 4);
    cr_expect_eq(a.sum, 12);
    cr_expect_eq(a.vcount, 1);
    cr_expect_eq(a.vsum, 4);
    /* w3 rates again the same day from the station: the replacement is verified */
    d = rate_at(w3, 20, 20000, 3, true, &v);
    cr_expect(v);
    cr_expect(d.replaced);
    cr_expect_eq(d.count, 0);
    cr_expect_eq(d.sum, 2);
    cr_expect_eq(d.vcount, 1);
    cr_expect_eq(d.vsum, 3);
    /* and replacing a verified rating by an unverified one takes its verified stars away */
    d = rate_at(w2, 20, 20000, 5, false, &v);
    cr_expect(!v);
    cr_expect_eq(d.vcount, -1);
    cr_expect_eq(d.vsum, -4);
    a = agg_of(20);
    cr_expect_eq(a.vcount, 1);
    cr_expect_eq(a.vsum, 3);
    /* the whole-store aggregate agrees */
    yz_rating_agg *all;
    size_t n;
    yz_errinfo ei;
    cr_assert_eq(yz_store_rating_aggregates(st, &all, &n, &ei), YZ_OK);
    cr_assert_eq(n, 1);
    cr_expect_eq(all[0].vcount, 1);
    cr_expect_eq(all[0].vsum, 3);
    cr_expect_eq(all[0].count, 4);
    yz_free(all);
}

Test(reviews, moderating_a_verified_rating_moves_its_verified_stars)
{
    bool v;
    visit(w1, 30, 600);
    yz_rating r = {.station_id = 30, .worker_id = w1, .day = 20000, .stars = 2,
                   .status = YZ_REVIEW_HELD, .at_station = true};
    r.tags = yz_strdup("");
    r.text = yz_strdup("有事打13812345678");
    r.reasons = yz_strdup("phone");
    yz_rating_delta d;
    yz_errinfo ei;
    cr_assert_eq(yz_store_rate(st, &r, &d, &ei), YZ_OK, "%s", ei.msg_en);
    cr_assert(r.verified);
    int64_t id = r.id;
    yz_rating_fini(&r);
    cr_assert_eq(yz_store_moderate(st, id, YZ_REVIEW_REJECTED, NULL, &r, &d, &ei), YZ_OK);
    cr_expect(r.verified);
    cr_expect_eq(d.count, -1);
    cr_expect_eq(d.vcount, -1);
    cr_expect_eq(d.vsum, -2);
    yz_rating_fini(&r);
    cr_assert_eq(yz_store_moderate(st, id, YZ_REVIEW_PUBLISHED, NULL, &r, &d, &ei), YZ_OK);
    cr_expect_eq(d.vcount, 1);
    cr_expect_eq(d.vsum, 2);
    yz_rating_fini(&r);
    (void)rate_at(w2, 30, 20000, 5, true, &v); /* w2 never visited */
    cr_expect(!v);
    yz_rating_agg a = agg_of(30);
    cr_expect_eq(a.count, 2);
    cr_expect_eq(a.vcount, 1);
    cr_expect_eq(a.vsum, 2);
}

static double score_of(int64_t count, int64_t sum, int64_t vcount, int64_t vsum,
                       const yz_rating_agg *all)
{
    yz_rating_agg a = {1, count, sum, vcount, vsum};
    yz_rating_score sc;
    yz_rating_weigh(&a, all, &sc);
    return sc.score;
}

Test(weigh, verified_ratings_count_fully)
{
    yz_rating_agg none = {0};
    /* nothing rated anywhere: the prior */
    cr_expect_float_eq(score_of(0, 0, 0, 0, &none), 3.5, 1e-9);
    /* one verified 5 with m 3.5: (5*3.5 + 5) / 6 */
    cr_expect_float_eq(score_of(1, 5, 1, 5, &none), 22.5 / 6, 1e-9);
    /* m is the mean of the verified ratings of every station */
    yz_rating_agg all = {0, 100, 300, 10, 45};
    cr_expect_float_eq(score_of(0, 0, 0, 0, &all), 4.5, 1e-9);
    yz_rating_score sc;
    yz_rating_agg a = {1, 40, 184, 40, 184};
    yz_rating_weigh(&a, &all, &sc);
    cr_expect_float_eq(sc.weight, 40, 1e-9);
    cr_expect_float_eq(sc.avg, 4.6, 1e-9);
    cr_expect_float_eq(sc.score, (5 * 4.5 + 184) / 45.0, 1e-9);
}

Test(weigh, unverified_ratings_weigh_little_and_are_bounded)
{
    yz_rating_agg none = {0};
    /* one unverified 5: weight 1/40 */
    yz_rating_agg a = {1, 1, 5, 0, 0};
    yz_rating_score sc;
    yz_rating_weigh(&a, &none, &sc);
    cr_expect_float_eq(sc.weight, YZ_RATING_UNVERIFIED_W, 1e-12);
    cr_expect_float_eq(sc.avg, 5, 1e-9);
    cr_expect_float_eq(sc.score, (5 * 3.5 + 5 * YZ_RATING_UNVERIFIED_W) / (5 + YZ_RATING_UNVERIFIED_W),
                       1e-9);
    /* the attack of issue 10: 324 unverified 5-star ratings on a station at 3.5; and a
     * million. Never more than 0.1. */
    const int64_t ns[] = {1, 5, 6, 324, 1000000};
    for (size_t i = 0; i < sizeof ns / sizeof ns[0]; i++) {
        double s = score_of(ns[i], 5 * ns[i], 0, 0, &none);
        cr_expect_leq(s - 3.5, 0.1, "%lld unverified ratings moved the score by %f",
                      (long long)ns[i], s - 3.5);
        cr_expect_gt(s, 3.5);
    }
    /* past the cap, more of them change nothing */
    cr_expect_float_eq(score_of(5, 25, 0, 0, &none), score_of(1000000, 5000000, 0, 0, &none), 1e-12);
    /* the worst case: any mean, any verified ratings, any unverified pool replaced by 5-star
     * or 1-star throwaways, moves by less than 0.1 */
    for (int m10 = 10; m10 <= 50; m10++)
        for (int64_t vc = 0; vc <= 50; vc += 5)
            for (int64_t uc = 0; uc <= 40; uc += 8) {
                yz_rating_agg all = {0, 1000, 100 * m10, 1000, 100 * m10};
                int64_t vsum = vc * 3;
                for (int u0 = 1; u0 <= 5; u0 += 4) {
                    double before = score_of(vc + uc, vsum + uc * u0, vc, vsum, &all);
                    for (int64_t k = 1; k <= 10000; k *= 10)
                        for (int st5 = 1; st5 <= 5; st5 += 4) {
                            double after = score_of(vc + uc + k, vsum + uc * u0 + k * st5, vc,
                                                    vsum, &all);
                            double move = after > before ? after - before : before - after;
                            cr_assert_lt(move, 0.1, "m %.1f vc %lld uc %lld k %lld: %f",
                                         m10 / 10.0, (long long)vc, (long long)uc, (long long)k,
                                         move);
                        }
                }
            }
}

Test(weigh, impossible_numbers_are_no_ratings)
{
    yz_rating_agg none = {0};
    const yz_rating_agg bad[] = {{1, 2, 11, 0, 0}, {1, 2, 6, 3, 9}, {1, 2, 6, 1, 6},
                                 {1, -1, 0, 0, 0}, {1, 2, 6, 1, 0}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cr_expect(!yz_rating_agg_sane(&bad[i]), "case %zu", i);
        yz_rating_score sc;
        yz_rating_weigh(&bad[i], &none, &sc);
        cr_expect_float_eq(sc.score, 3.5, 1e-12, "case %zu", i);
        cr_expect_float_eq(sc.weight, 0, 1e-12);
    }
    const yz_rating_agg good = {1, 3, 7, 1, 1};
    cr_expect(yz_rating_agg_sane(&good));
}

Test(reviews, published_reviews_newest_first_paginated)
{
    int64_t ids[5];
    uint8_t seed = 10;
    for (int i = 0; i < 5; i++) {
        char text[32];
        snprintf(text, sizeof text, "评价 %d", i);
        rate(worker(seed++), 12, 20000, 1 + i, text, YZ_REVIEW_PUBLISHED, &ids[i]);
    }
    rate(worker(seed++), 12, 20000, 3, NULL, YZ_REVIEW_NONE, NULL);
    rate(worker(seed++), 12, 20000, 3, "held", YZ_REVIEW_HELD, NULL);
    rate(worker(seed++), 13, 20000, 3, "other station", YZ_REVIEW_PUBLISHED, NULL);
    yz_rating *a;
    size_t n;
    int64_t total;
    yz_errinfo ei;
    cr_assert_eq(yz_store_list_reviews(st, 12, YZ_REVIEW_PUBLISHED, 0, 2, &a, &n, &total, &ei),
                 YZ_OK);
    cr_expect_eq(total, 5);
    cr_assert_eq(n, 2);
    /* same second: ties go to the higher id, so newest first */
    cr_expect_eq(a[0].id, ids[4]);
    cr_expect_eq(a[1].id, ids[3]);
    cr_expect_str_eq(a[0].text, "评价 4");
    yz_ratings_free(a, n);
    cr_assert_eq(yz_store_list_reviews(st, 12, YZ_REVIEW_PUBLISHED, 4, 2, &a, &n, &total, &ei),
                 YZ_OK);
    cr_assert_eq(n, 1);
    cr_expect_eq(a[0].id, ids[0]);
    yz_ratings_free(a, n);
    cr_assert_eq(yz_store_list_reviews(st, 12, YZ_REVIEW_PUBLISHED, 10, 2, &a, &n, &total, &ei),
                 YZ_OK);
    cr_expect_eq(n, 0);
    cr_expect_eq(total, 5);
    yz_ratings_free(a, n);
}

Test(reviews, copies_are_counted_in_the_window)
{
    int64_t n;
    yz_errinfo ei;
    rate(w1, 14, 20000, 3, "same text", YZ_REVIEW_PUBLISHED, NULL);
    rate(w1, 15, 20000, 3, "same text", YZ_REVIEW_PUBLISHED, NULL);
    rate(w2, 15, 20000, 3, "other", YZ_REVIEW_PUBLISHED, NULL);
    uint64_t h = 0x1234 + strlen("same text");
    cr_assert_eq(yz_store_count_copies(st, h, yz_time_now() - 60, &n, &ei), YZ_OK);
    cr_expect_eq(n, 2);
    cr_assert_eq(yz_store_count_copies(st, h, yz_time_now() + 60, &n, &ei), YZ_OK);
    cr_expect_eq(n, 0, "outside the window");
    cr_assert_eq(yz_store_count_copies(st, 42, 0, &n, &ei), YZ_OK);
    cr_expect_eq(n, 0);
}

Test(reviews, everything_survives_a_reopen)
{
    int64_t id;
    rate(w1, 16, 20000, 4, "很好很好很好很好很好", YZ_REVIEW_PUBLISHED, &id);
    rate(w1, 16, 20000, 2, NULL, YZ_REVIEW_NONE, NULL);
    yz_store_close(st);
    yz_errinfo ei;
    cr_assert_eq(yz_store_open(path, &st, &ei), YZ_OK, "%s", ei.msg_en);
    int64_t n, s;
    agg(16, &n, &s);
    cr_expect_eq(n, 1);
    cr_expect_eq(s, 2);
    yz_rating r;
    cr_assert_eq(yz_store_get_rating(st, id, &r, &ei), YZ_OK);
    cr_expect_str_eq(r.text, "很好很好很好很好很好");
    cr_expect_eq(r.day, 20000);
    cr_expect_eq(r.worker_id, w1);
    yz_rating_fini(&r);
    /* the replaced review is not listed */
    yz_rating *a;
    size_t len;
    int64_t total;
    cr_assert_eq(yz_store_list_reviews(st, 16, YZ_REVIEW_PUBLISHED, 0, 10, &a, &len, &total, &ei),
                 YZ_OK);
    cr_expect_eq(total, 0);
    yz_ratings_free(a, len);
}

Test(reviews, bad_stars_are_refused_by_the_schema)
{
    yz_rating r = {.station_id = 1, .worker_id = w1, .day = 1, .stars = 6};
    yz_rating_delta d;
    yz_errinfo ei;
    cr_expect_eq(yz_store_rate(st, &r, &d, &ei), YZ_EDB);
    cr_expect_eq(d.count, 0);
    int64_t n, s;
    agg(1, &n, &s);
    cr_expect_eq(n, 0, "nothing half-written");
}

Test(reviews, a_read_failing_part_way_is_an_error_not_a_short_answer)
{
    for (int i = 0; i < 3; i++)
        rate(w1, 30 + i, 20000, 4, i ? NULL : "好", i ? YZ_REVIEW_NONE : YZ_REVIEW_PUBLISHED, NULL);
    rate(w2, 30, 20000, 2, "不错", YZ_REVIEW_PUBLISHED, NULL);
    yz_errinfo ei;

    yz_rating_agg *g = (yz_rating_agg *)1;
    size_t n = 99;
    yz_db_fault_after_rows(2); /* the second row fails */
    cr_expect_eq(yz_store_rating_aggregates(st, &g, &n, &ei), YZ_EDB);
    cr_expect_eq(n, 0);
    cr_expect_null(g);

    yz_rating_tag *t = (yz_rating_tag *)1;
    yz_db_fault_after_rows(5);
    cr_expect_eq(yz_store_rating_tags(st, &t, &n, &ei), YZ_EDB);
    cr_expect_eq(n, 0);
    cr_expect_null(t);

    yz_modword_row *w = (yz_modword_row *)1;
    yz_db_fault_after_rows(50);
    cr_expect_eq(yz_store_moderation_words(st, &w, &n, &ei), YZ_EDB);
    cr_expect_eq(n, 0);
    cr_expect_null(w);

    yz_rating *a = (yz_rating *)1;
    int64_t total = 99;
    yz_db_fault_after_rows(3); /* the count's row, then the first review; the second fails */
    cr_expect_eq(yz_store_list_reviews(st, 30, YZ_REVIEW_PUBLISHED, 0, 10, &a, &n, &total, &ei),
                 YZ_EDB);
    cr_expect_eq(n, 0);
    cr_expect_eq(total, 0);
    cr_expect_null(a);

    yz_db_fault_after_rows(0);
    cr_assert_eq(yz_store_rating_aggregates(st, &g, &n, &ei), YZ_OK, "%s", ei.msg_en);
    cr_expect_eq(n, 3);
    yz_free(g);
    cr_assert_eq(yz_store_list_reviews(st, 30, YZ_REVIEW_PUBLISHED, 0, 10, &a, &n, &total, &ei),
                 YZ_OK);
    cr_expect_eq(n, 2);
    cr_expect_eq(total, 2);
    yz_ratings_free(a, n);
}
