/* SPDX-License-Identifier: MIT */
/* tests/unit/test_meals.c - 10-yuan meals on a temporary SQLite store: one meal a day across
 * canteens, the local-midnight day boundary, the ordering window, quota (also under
 * concurrent threads), redeem once, expiry at close and the sweep, pickup codes. */
#include "testdb.h"
#include "store/meals.h"
#include "store/workers.h"

#include "core/alloc.h"
#include "core/time.h"
#include "demo/city.h"
#include "demo/meals.h"

#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static char path[64];
static yz_store *st;
static int32_t D; /* 2026-05-28, a Thursday */

static void setup(void)
{
    snprintf(path, sizeof path, "/tmp/yz-test-meals-%d.db", (int)getpid());
    unlink(path);
    yz_errinfo ei;
    cr_assert_eq(yz_store_open(path, &st, &ei), YZ_OK, "%s", ei.msg_en);
    D = (int32_t)yz_days_from_civil(2026, 5, 28);
}

static void teardown(void)
{
    yz_store_close(st);
    st = NULL;
    yz_test_remove_db(path);
}

TestSuite(meals, .init = setup, .fini = teardown);

static int64_t worker(void)
{
    static int counter;
    uint8_t hash[YZ_TOKEN_HASH_BYTES] = {0};
    int c = __atomic_add_fetch(&counter, 1, __ATOMIC_SEQ_CST);
    memcpy(hash, &c, sizeof c);
    hash[31] = (uint8_t)getpid();
    yz_worker w = {.occupation = YZ_OCC_RIDER, .expires_at = yz_time_now() + 86400};
    yz_errinfo ei;
    cr_assert_eq(yz_store_worker_create(st, hash, &w, &ei), YZ_OK, "%s", ei.msg_en);
    return w.id;
}

static int64_t canteen(const char *name, int opens_min, int closes_min)
{
    yz_canteen c = {.name = yz_strdup(name),
                    .address = yz_strdup("测试路 1 号"),
                    .lat = 28.0,
                    .lon = 120.65,
                    .opens_min = opens_min,
                    .closes_min = closes_min};
    yz_errinfo ei;
    cr_assert_eq(yz_store_canteen_create(st, &c, &ei), YZ_OK, "%s", ei.msg_en);
    int64_t id = c.id;
    cr_assert_gt(id, 0);
    yz_canteen_fini(&c);
    return id;
}

static int64_t offer(int64_t canteen_id, int32_t day, int quota)
{
    yz_meal_offer o = {.canteen_id = canteen_id,
                       .day = day,
                       .dish = yz_strdup("红烧肉饭"),
                       .price_cents = 1000,
                       .quota = quota};
    yz_errinfo ei;
    cr_assert_eq(yz_store_offer_create(st, &o, &ei), YZ_OK, "%s", ei.msg_en);
    int64_t id = o.id;
    cr_assert_eq(o.canteen.id, canteen_id);
    yz_meal_offer_fini(&o);
    return id;
}

/* Unix time of local hh:mm:ss on `day`, computed independently of yz_meal_instant. */
static int64_t at(int32_t day, int hh, int mm, int ss)
{
    return (int64_t)day * 86400 + hh * 3600 + mm * 60 + ss - 8 * 3600;
}

static int order(int64_t w, int64_t offer_id, int64_t now, yz_errinfo *ei, char *code_out)
{
    yz_meal_order r;
    int err = yz_store_order_create(st, w, offer_id, now, &r, ei);
    if (!err) {
        if (code_out)
            memcpy(code_out, r.code, YZ_PICKUP_CODE_LEN + 1);
        yz_meal_order_fini(&r);
    }
    return err;
}

static int sold(int64_t offer_id)
{
    yz_meal_offer o;
    yz_errinfo ei;
    cr_assert_eq(yz_store_offer_get(st, offer_id, &o, &ei), YZ_OK, "%s", ei.msg_en);
    int n = o.sold;
    yz_meal_offer_fini(&o);
    return n;
}

Test(meals, local_day_and_times)
{
    /* 2026-05-27T16:00:00Z is 2026-05-28 00:00 in Shanghai. */
    int64_t midnight = 1779897600; /* 2026-05-27T16:00:00Z */
    cr_assert_eq(yz_meal_day(midnight), D);
    cr_assert_eq(yz_meal_day(midnight - 1), D - 1);
    cr_assert_eq(yz_meal_instant(D, 0), midnight);
    cr_assert_eq(yz_meal_instant(D, 1440), midnight + 86400);
    cr_assert_eq(yz_meal_instant(D, 10 * 60 + 30), at(D, 10, 30, 0));
    cr_assert_eq(yz_meal_day(0), 0); /* 08:00 on 1970-01-01 local */
    cr_assert_eq(yz_meal_day(-8 * 3600 - 1), -1);
    int m;
    cr_assert_eq(yz_meal_parse_hhmm("10:30", "opens", &m, NULL), YZ_OK);
    cr_assert_eq(m, 630);
    cr_assert_eq(yz_meal_parse_hhmm("24:00", "closes", &m, NULL), YZ_OK);
    cr_assert_eq(m, 1440);
    const char *bad[] = {"24:01", "9:30", "10:60", "1030", "", "ab:cd", "10:30 "};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        cr_assert_eq(yz_meal_parse_hhmm(bad[i], "opens", &m, NULL), YZ_EINVAL, "%s", bad[i]);
    char hhmm[6], date[11];
    yz_meal_format_hhmm(1440, hhmm);
    cr_assert_str_eq(hhmm, "24:00");
    yz_meal_format_hhmm(5, hhmm);
    cr_assert_str_eq(hhmm, "00:05");
    int32_t day;
    cr_assert_eq(yz_meal_parse_date("2026-05-28", "date", &day, NULL), YZ_OK);
    cr_assert_eq(day, D);
    yz_meal_format_date(D, date);
    cr_assert_str_eq(date, "2026-05-28");
    const char *bad_dates[] = {"2026-02-29", "2026-13-01", "2026-5-28", "28-05-2026", ""};
    for (size_t i = 0; i < sizeof bad_dates / sizeof *bad_dates; i++)
        cr_assert_eq(yz_meal_parse_date(bad_dates[i], "date", &day, NULL), YZ_EINVAL, "%s",
                     bad_dates[i]);
    cr_assert_eq(yz_meal_parse_date("2028-02-29", "date", &day, NULL), YZ_OK);
}

Test(meals, one_meal_a_day_across_canteens)
{
    int64_t a = canteen("甲食堂", 0, 1440), b = canteen("乙食堂", 0, 1440);
    int64_t oa = offer(a, D, 10), ob = offer(b, D, 10);
    int64_t w1 = worker(), w2 = worker();
    yz_errinfo ei;
    cr_assert_eq(order(w1, oa, at(D, 11, 0, 0), &ei, NULL), YZ_OK, "%s", ei.msg_en);
    cr_assert_eq(order(w1, ob, at(D, 11, 5, 0), &ei, NULL), YZ_ECONFLICT);
    cr_assert_str_eq(ei.field, "offer_id");
    cr_assert(strstr(ei.msg_en, "one meal a day"), "%s", ei.msg_en);
    cr_assert_eq(order(w1, oa, at(D, 11, 6, 0), &ei, NULL), YZ_ECONFLICT);
    /* Nothing was taken from canteen b's quota by the refused order. */
    cr_assert_eq(sold(oa), 1);
    cr_assert_eq(sold(ob), 0);
    cr_assert_eq(order(w2, ob, at(D, 11, 7, 0), &ei, NULL), YZ_OK, "%s", ei.msg_en);
    cr_assert_eq(sold(ob), 1);
}

Test(meals, day_boundary_at_local_midnight)
{
    int64_t c = canteen("通宵食堂", 0, 1440);
    int64_t today = offer(c, D, 10), tomorrow = offer(c, D + 1, 10);
    int64_t w = worker();
    yz_errinfo ei;
    /* 23:59:59 local: tomorrow's offer is not open yet, today's is. */
    cr_assert_eq(order(w, tomorrow, at(D, 23, 59, 59), &ei, NULL), YZ_ECONFLICT);
    cr_assert_eq(order(w, today, at(D, 23, 59, 59), &ei, NULL), YZ_OK, "%s", ei.msg_en);
    /* 00:00:00 local (16:00 UTC): a new day, so the same worker may order again. */
    cr_assert_eq(order(w, today, at(D + 1, 0, 0, 0), &ei, NULL), YZ_ECONFLICT);
    cr_assert(strstr(ei.msg_en, "passed"), "%s", ei.msg_en);
    cr_assert_eq(order(w, tomorrow, at(D + 1, 0, 0, 0), &ei, NULL), YZ_OK, "%s", ei.msg_en);
    yz_meal_order *a;
    size_t n;
    cr_assert_eq(yz_store_order_list(st, w, &a, &n, &ei), YZ_OK);
    cr_assert_eq(n, 2);
    cr_assert_eq(a[0].day, D + 1); /* newest first */
    cr_assert_eq(a[1].day, D);
    cr_assert_eq(a[1].expires_at, at(D + 1, 0, 0, 0));
    yz_meal_order_array_free(a, n);
}

Test(meals, ordering_window)
{
    int64_t c = canteen("午餐食堂", 10 * 60 + 30, 13 * 60 + 30);
    int64_t o = offer(c, D, 10);
    int64_t w = worker();
    yz_errinfo ei;
    cr_assert_eq(order(w, o, at(D, 10, 29, 59), &ei, NULL), YZ_ECONFLICT);
    cr_assert(strstr(ei.msg_en, "10:30"), "%s", ei.msg_en);
    cr_assert_eq(order(w, o, at(D, 13, 30, 0), &ei, NULL), YZ_ECONFLICT);
    cr_assert(strstr(ei.msg_en, "closed"), "%s", ei.msg_en);
    cr_assert_eq(order(w, o, at(D - 1, 12, 0, 0), &ei, NULL), YZ_ECONFLICT); /* tomorrow's */
    cr_assert_eq(order(w, o, at(D + 1, 12, 0, 0), &ei, NULL), YZ_ECONFLICT); /* yesterday's */
    cr_assert_eq(sold(o), 0);
    cr_assert_eq(order(w, o, at(D, 10, 30, 0), &ei, NULL), YZ_OK, "%s", ei.msg_en);
    cr_assert_eq(order(worker(), o, at(D, 13, 29, 59), &ei, NULL), YZ_OK, "%s", ei.msg_en);
    cr_assert_eq(sold(o), 2);
}

Test(meals, quota_and_unknown_offer)
{
    int64_t c = canteen("小食堂", 0, 1440);
    int64_t o = offer(c, D, 3);
    yz_errinfo ei;
    int ok = 0, sold_out = 0;
    for (int i = 0; i < 5; i++) {
        int err = order(worker(), o, at(D, 12, 0, i), &ei, NULL);
        if (err == YZ_OK)
            ok++;
        else if (err == YZ_ECONFLICT && strstr(ei.msg_en, "sold out"))
            sold_out++;
    }
    cr_assert_eq(ok, 3);
    cr_assert_eq(sold_out, 2);
    cr_assert_eq(sold(o), 3);
    /* A worker refused for sold out may still order elsewhere that day. */
    int64_t w = worker();
    cr_assert_eq(order(w, o, at(D, 12, 1, 0), &ei, NULL), YZ_ECONFLICT);
    cr_assert_eq(order(w, offer(c, D, 1), at(D, 12, 1, 0), &ei, NULL), YZ_OK, "%s", ei.msg_en);
    cr_assert_eq(order(w, 999999, at(D, 12, 2, 0), &ei, NULL), YZ_ENOTFOUND);
    cr_assert_str_eq(ei.field, "offer_id");
    yz_meal_offer bad = {.canteen_id = 999999, .day = D, .dish = yz_strdup("x"), .quota = 1};
    cr_assert_eq(yz_store_offer_create(st, &bad, &ei), YZ_ENOTFOUND);
    yz_meal_offer_fini(&bad);
    yz_canteen cbad = {
        .name = yz_strdup("x"), .address = yz_strdup("y"), .station_id = 424242, .closes_min = 60};
    cr_assert_eq(yz_store_canteen_create(st, &cbad, &ei), YZ_EINVAL);
    cr_assert_str_eq(ei.field, "station_id");
    yz_canteen_fini(&cbad);
    yz_canteen *list;
    size_t n;
    cr_assert_eq(yz_store_canteen_list(st, &list, &n, &ei), YZ_OK);
    cr_assert_eq(n, 1); /* the refused canteen left nothing behind */
    yz_canteen_array_free(list, n);
}

typedef struct race {
    int64_t offer_a, offer_b;
    int64_t *workers;
    int n_workers;
    int ok;
    int64_t now;
} race;

static void *racer(void *arg)
{
    race *r = arg;
    for (int i = 0; i < r->n_workers; i++) {
        yz_errinfo ei;
        /* Every worker tries both canteens: at most one may succeed. */
        if (order(r->workers[i], (i & 1) ? r->offer_a : r->offer_b, r->now, &ei, NULL) == YZ_OK)
            __atomic_add_fetch(&r->ok, 1, __ATOMIC_SEQ_CST);
        if (order(r->workers[i], (i & 1) ? r->offer_b : r->offer_a, r->now, &ei, NULL) == YZ_OK)
            __atomic_add_fetch(&r->ok, 1, __ATOMIC_SEQ_CST);
    }
    return NULL;
}

Test(meals, concurrent_orders_never_oversell)
{
    enum { THREADS = 8, WORKERS = 40 };
    int64_t a = canteen("甲", 0, 1440), b = canteen("乙", 0, 1440);
    race r = {.offer_a = offer(a, D, 15),
              .offer_b = offer(b, D, 10),
              .n_workers = WORKERS,
              .now = at(D, 12, 0, 0)};
    int64_t ws[WORKERS];
    for (int i = 0; i < WORKERS; i++)
        ws[i] = worker();
    r.workers = ws;
    pthread_t t[THREADS];
    for (int i = 0; i < THREADS; i++)
        pthread_create(&t[i], NULL, racer, &r);
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    /* 40 workers, 25 meals in all: every meal sold, each to a different worker. */
    cr_assert_eq(r.ok, 25);
    cr_assert_eq(sold(r.offer_a), 15);
    cr_assert_eq(sold(r.offer_b), 10);
    int with_order = 0;
    for (int i = 0; i < WORKERS; i++) {
        yz_meal_order *o;
        size_t n;
        yz_errinfo ei;
        cr_assert_eq(yz_store_order_list(st, ws[i], &o, &n, &ei), YZ_OK);
        cr_assert_leq(n, 1);
        with_order += (int)n;
        yz_meal_order_array_free(o, n);
    }
    cr_assert_eq(with_order, 25);
}

Test(meals, redeem_once)
{
    int64_t c = canteen("核销食堂", 10 * 60, 14 * 60), other = canteen("别家", 0, 1440);
    int64_t o = offer(c, D, 10);
    int64_t w = worker();
    char code[YZ_PICKUP_CODE_LEN + 1];
    yz_errinfo ei;
    cr_assert_eq(order(w, o, at(D, 11, 0, 0), &ei, code), YZ_OK, "%s", ei.msg_en);
    yz_meal_order r;
    cr_assert_eq(yz_store_order_redeem(st, other, code, at(D, 11, 30, 0), &r, &ei), YZ_ENOTFOUND);
    cr_assert_str_eq(ei.field, "pickup_code");
    cr_assert_eq(yz_store_order_redeem(st, 999999, code, at(D, 11, 30, 0), &r, &ei), YZ_ENOTFOUND);
    cr_assert_str_eq(ei.field, "id");
    cr_assert_eq(yz_store_order_redeem(st, c, "ZZZZZZ", at(D, 11, 30, 0), &r, &ei),
                 strcmp(code, "ZZZZZZ") ? YZ_ENOTFOUND : YZ_OK);
    cr_assert_eq(yz_store_order_redeem(st, c, code, at(D, 11, 30, 0), &r, &ei), YZ_OK, "%s",
                 ei.msg_en);
    cr_assert_eq(r.redeemed_at, at(D, 11, 30, 0));
    cr_assert_eq(r.worker_id, w);
    cr_assert_eq(yz_meal_order_status(&r, at(D, 20, 0, 0)), YZ_ORDER_REDEEMED);
    yz_meal_order_fini(&r);
    cr_assert_eq(yz_store_order_redeem(st, c, code, at(D, 11, 31, 0), &r, &ei), YZ_ECONFLICT);
    cr_assert(strstr(ei.msg_en, "already redeemed"), "%s", ei.msg_en);
    /* A redeemed order stays redeemed after the close: not expired. */
    cr_assert_eq(yz_store_order_redeem(st, c, code, at(D, 15, 0, 0), &r, &ei), YZ_ECONFLICT);
    cr_assert(strstr(ei.msg_en, "already redeemed"), "%s", ei.msg_en);
}

Test(meals, expiry_at_close_and_sweep)
{
    int64_t c = canteen("午餐", 10 * 60, 14 * 60);
    int64_t o = offer(c, D, 10);
    int64_t w1 = worker(), w2 = worker(), w3 = worker();
    char c1[7], c2[7], c3[7];
    yz_errinfo ei;
    cr_assert_eq(order(w1, o, at(D, 11, 0, 0), &ei, c1), YZ_OK);
    cr_assert_eq(order(w2, o, at(D, 11, 0, 0), &ei, c2), YZ_OK);
    cr_assert_eq(order(w3, o, at(D, 11, 0, 0), &ei, c3), YZ_OK);
    yz_meal_order r;
    /* One second before the close it is still good. */
    cr_assert_eq(yz_store_order_redeem(st, c, c1, at(D, 13, 59, 59), &r, &ei), YZ_OK);
    yz_meal_order_fini(&r);
    /* At the close it has expired; redemption fails and nothing is redeemed. */
    cr_assert_eq(yz_store_order_redeem(st, c, c2, at(D, 14, 0, 0), &r, &ei), YZ_ECONFLICT);
    cr_assert(strstr(ei.msg_en, "expired"), "%s", ei.msg_en);
    cr_assert_eq(yz_store_order_redeem(st, c, c2, at(D + 1, 9, 0, 0), &r, &ei), YZ_ECONFLICT);
    cr_assert(strstr(ei.msg_en, "expired"), "%s", ei.msg_en);
    /* Status is computed from time. */
    yz_meal_order *a;
    size_t n;
    cr_assert_eq(yz_store_order_list(st, w3, &a, &n, &ei), YZ_OK);
    cr_assert_eq(n, 1);
    cr_assert_eq(yz_meal_order_status(&a[0], at(D, 13, 0, 0)), YZ_ORDER_OPEN);
    cr_assert_eq(yz_meal_order_status(&a[0], at(D, 14, 0, 0)), YZ_ORDER_EXPIRED);
    cr_assert_eq(a[0].redeemed_at, 0);
    yz_meal_order_array_free(a, n);
    /* The sweep marks what is due: before the close nothing; after it only w3's order (w2's
     * was marked when its redemption failed, w1's was redeemed). */
    size_t swept = 99;
    cr_assert_eq(yz_store_meal_sweep(st, at(D, 13, 0, 0), &swept, &ei), YZ_OK);
    cr_assert_eq(swept, 0);
    cr_assert_eq(yz_store_meal_sweep(st, at(D, 14, 0, 0), &swept, &ei), YZ_OK);
    cr_assert_eq(swept, 1);
    cr_assert_eq(yz_store_meal_sweep(st, at(D, 15, 0, 0), &swept, &ei), YZ_OK);
    cr_assert_eq(swept, 0);
}

Test(meals, pickup_code_alphabet)
{
    const char *alphabet = YZ_PICKUP_ALPHABET;
    cr_assert_eq(strlen(alphabet), 31);
    for (const char *p = "01OIL"; *p; p++)
        cr_assert_null(strchr(alphabet, *p), "%c", *p);
    int seen[128] = {0};
    for (int i = 0; i < 20000; i++) {
        char code[YZ_PICKUP_CODE_LEN + 1];
        yz_meal_pickup_code(code);
        cr_assert_eq(strlen(code), YZ_PICKUP_CODE_LEN);
        for (int k = 0; k < YZ_PICKUP_CODE_LEN; k++) {
            cr_assert_not_null(strchr(alphabet, code[k]), "%s", code);
            seen[(unsigned char)code[k]]++;
        }
    }
    /* 120,000 symbols: each of the 31 is expected ~3,871 times; a fair source stays within
     * +-15% with overwhelming probability, a biased one (e.g. modulo bias) would not. */
    for (const char *p = alphabet; *p; p++)
        cr_assert(seen[(unsigned char)*p] > 3290 && seen[(unsigned char)*p] < 4452, "%c: %d", *p,
                  seen[(unsigned char)*p]);
    char out[YZ_PICKUP_CODE_LEN + 1];
    cr_assert(yz_meal_code_normalise(" abc234 ", out));
    cr_assert_str_eq(out, "ABC234");
    const char *bad[] = {"ABC23",  "ABC2345", "ABC20X", "ABCO2X", "ABCI2X",
                         "ABCL2X", "AB C2X",  "",       "ÄBC234"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        cr_assert_not(yz_meal_code_normalise(bad[i], out), "%s", bad[i]);
}

Test(meals, pickup_codes_unique_per_canteen_and_day)
{
    enum { N = 300 };
    int64_t c = canteen("大食堂", 0, 1440);
    int64_t o = offer(c, D, N);
    static char codes[N][YZ_PICKUP_CODE_LEN + 1];
    yz_errinfo ei;
    for (int i = 0; i < N; i++)
        cr_assert_eq(order(worker(), o, at(D, 12, 0, 0), &ei, codes[i]), YZ_OK, "%s", ei.msg_en);
    for (int i = 0; i < N; i++)
        for (int j = i + 1; j < N; j++)
            cr_assert_str_neq(codes[i], codes[j]);
    /* Each code redeems its own order at this canteen. */
    for (int i = 0; i < N; i += 37) {
        yz_meal_order r;
        cr_assert_eq(yz_store_order_redeem(st, c, codes[i], at(D, 13, 0, 0), &r, &ei), YZ_OK);
        cr_assert_str_eq(r.code, codes[i]);
        yz_meal_order_fini(&r);
    }
}

Test(meals, survives_reopen)
{
    int64_t c = canteen("持久食堂", 0, 1440);
    int64_t o = offer(c, D, 2);
    char code[7];
    yz_errinfo ei;
    cr_assert_eq(order(worker(), o, at(D, 12, 0, 0), &ei, code), YZ_OK);
    yz_store_close(st);
    cr_assert_eq(yz_store_open(path, &st, &ei), YZ_OK, "%s", ei.msg_en);
    cr_assert_eq(sold(o), 1);
    yz_meal_offer *a;
    size_t n;
    cr_assert_eq(yz_store_offer_list(st, D, &a, &n, &ei), YZ_OK);
    cr_assert_eq(n, 1);
    cr_assert_str_eq(a[0].canteen.name, "持久食堂");
    cr_assert_eq(a[0].canteen.closes_min, 1440);
    yz_meal_offer_array_free(a, n);
    cr_assert_eq(yz_store_offer_list(st, D + 1, &a, &n, &ei), YZ_OK);
    cr_assert_eq(n, 0);
    yz_meal_offer_array_free(a, n);
}

/* The demo city's meals: the union building and community kitchens with a week of offers. */
Test(meals, demo_week)
{
    yz_station *s;
    yz_district *ds;
    size_t n, nd;
    yz_errinfo ei;
    cr_assert_eq(yz_demo_generate(7, &s, &n, &ds, &nd, &ei), YZ_OK);
    yz_import_counts ic;
    cr_assert_eq(yz_store_import(st, s, n, ds, nd, &ic, &ei), YZ_OK, "%s", ei.msg_en);
    yz_station_array_free(s, n);
    for (size_t i = 0; i < nd; i++)
        yz_district_fini(&ds[i]);
    yz_free(ds);
    int64_t now = at(D, 9, 0, 0);
    cr_assert_eq(yz_demo_meals(st, 7, now, &ei), YZ_OK, "%s", ei.msg_en);
    yz_canteen *c;
    size_t nc;
    cr_assert_eq(yz_store_canteen_list(st, &c, &nc, &ei), YZ_OK);
    cr_assert_eq(nc, YZ_DEMO_MEAL_CANTEENS);
    yz_station hub;
    cr_assert_eq(yz_store_get_station(st, c[0].station_id, &hub, &ei), YZ_OK);
    cr_assert_str_eq(hub.code, YZ_DEMO_UNION_CODE);
    yz_station_fini(&hub);
    int with_station = 0;
    for (size_t i = 0; i < nc; i++) {
        with_station += c[i].station_id != 0;
        cr_assert_lt(c[i].opens_min, c[i].closes_min);
        cr_assert(c[i].lat > 27 && c[i].lat < 29 && c[i].lon > 119 && c[i].lon < 122);
    }
    cr_assert_eq(with_station, YZ_DEMO_MEAL_CANTEENS - 1); /* the partner canteen has none */
    yz_canteen_array_free(c, nc);
    for (int d = 0; d < YZ_DEMO_MEAL_DAYS + 1; d++) {
        yz_meal_offer *o;
        size_t no;
        cr_assert_eq(yz_store_offer_list(st, D + d, &o, &no, &ei), YZ_OK);
        if (d == YZ_DEMO_MEAL_DAYS) {
            cr_assert_eq(no, 0);
        } else {
            cr_assert_geq(no, YZ_DEMO_MEAL_CANTEENS); /* one or two dishes a canteen */
            cr_assert_leq(no, 2 * YZ_DEMO_MEAL_CANTEENS);
            for (size_t i = 0; i < no; i++)
                cr_assert(o[i].price_cents == 1000 && o[i].quota >= 30 && o[i].sold == 0 &&
                          o[i].dish_en);
        }
        yz_meal_offer_array_free(o, no);
    }
    /* A worker can order today's lunch at the union building at 11:00. */
    yz_meal_offer *o;
    size_t no;
    cr_assert_eq(yz_store_offer_list(st, D, &o, &no, &ei), YZ_OK);
    char code[7];
    cr_assert_eq(order(worker(), o[0].id, at(D, 11, 0, 0), &ei, code), YZ_OK, "%s", ei.msg_en);
    yz_meal_offer_array_free(o, no);
}
