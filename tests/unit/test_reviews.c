/* SPDX-License-Identifier: MIT */
/* tests/unit/test_reviews.c - the ratings store: one rating per worker, station and day (a
 * second one that day replaces the first, one the next day does not), the counted stars,
 * moderation status changes and what they do to the stars, copies of a text, pagination, the
 * seeded tags, that nothing is lost or deleted across a reopen, and that a read failing
 * part-way is an error, never a short answer. */
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
    char p[80];
    unlink(path);
    snprintf(p, sizeof p, "%s-wal", path);
    unlink(p);
    snprintf(p, sizeof p, "%s-shm", path);
    unlink(p);
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
