/* SPDX-License-Identifier: MIT */
/* demo/meals.c - the demo city's canteens and a week of 10-yuan offers. The stations are
 * chosen by code (the union building) and by kind (community stations of the livelihood
 * project, one per district, starting at a seeded place), so any seed of the demo city works. */
#include "demo/meals.h"

#include "core/alloc.h"
#include "demo/city.h"
#include "store/meals.h"

#include <string.h>

/* Dishes: (zh-Hans, English). A 10-yuan lunch box of Wenzhou and Zhejiang home cooking. */
static const char *const dishes[][2] = {
    {"红烧肉饭", "braised pork with rice"},
    {"番茄炒蛋饭", "tomato and egg with rice"},
    {"温州鱼丸面", "Wenzhou fish-ball noodles"},
    {"梅菜扣肉饭", "pork belly with preserved greens and rice"},
    {"青椒肉丝饭", "shredded pork with green pepper and rice"},
    {"香菇鸡腿饭", "chicken leg with mushrooms and rice"},
    {"麻油鸡面", "sesame-oil chicken noodles"},
    {"糯米饭套餐", "Wenzhou sticky rice set"},
    {"鱼香肉丝饭", "yu-xiang pork with rice"},
    {"宫保鸡丁饭", "kung pao chicken with rice"},
    {"咸菜黄鱼面", "yellow croaker and pickled greens noodles"},
    {"三荤一素套餐", "three meat dishes and one vegetable"},
};
#define N_DISHES (sizeof dishes / sizeof *dishes)

static uint64_t splitmix(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

/* Create a canteen and its week of offers (1 or 2 dishes a day). */
static int canteen_week(yz_store *st, yz_canteen *c, int32_t today, uint64_t *rng, int quota,
                        yz_errinfo *ei)
{
    int err = yz_store_canteen_create(st, c, ei);
    for (int d = 0; !err && d < YZ_DEMO_MEAL_DAYS; d++) {
        int n = 1 + (int)(splitmix(rng) % 2);
        size_t first = (size_t)(splitmix(rng) % N_DISHES);
        for (int k = 0; !err && k < n; k++) {
            const char *const *dish = dishes[(first + (size_t)k * 5) % N_DISHES];
            yz_meal_offer o = {.canteen_id = c->id,
                               .day = today + d,
                               .dish = yz_strdup(dish[0]),
                               .dish_en = yz_strdup(dish[1]),
                               .price_cents = 1000,
                               .quota = quota + (int)(splitmix(rng) % 4) * 10};
            err = yz_store_offer_create(st, &o, ei);
            yz_meal_offer_fini(&o);
        }
    }
    return err;
}

int yz_demo_meals(yz_store *st, uint64_t seed, int64_t now, yz_errinfo *ei)
{
    yz_station *s = NULL;
    size_t n = 0;
    uint64_t rng = seed ^ 0x6d65616c73u; /* "meals" */
    int32_t today = yz_meal_day(now);
    int err = yz_store_load_stations(st, &s, &n, ei);
    if (err)
        return err;
    const yz_station *hub = NULL;
    for (size_t i = 0; i < n && !hub; i++)
        if (s[i].code && strcmp(s[i].code, YZ_DEMO_UNION_CODE) == 0)
            hub = &s[i];
    if (!hub) {
        yz_station_array_free(s, n);
        return yz_err_set(ei, YZ_ENOTFOUND, "code", "演示城市缺少工会大厦驿站",
                          "the demo city lacks the union-building station");
    }
    /* The union building serves lunch and dinner. */
    yz_canteen c = {.name = yz_strdup("工会大厦职工食堂"),
                    .address = yz_strdup(hub->address ? hub->address : hub->name),
                    .station_id = hub->id,
                    .lat = hub->lat,
                    .lon = hub->lon,
                    .opens_min = 10 * 60,
                    .closes_min = 20 * 60};
    err = canteen_week(st, &c, today, &rng, 80, ei);
    yz_canteen_fini(&c);
    /* Community kitchens at community stations of the livelihood project, one per district
     * and at most three, starting at a seeded station. */
    const char *districts[3] = {NULL, NULL, NULL};
    int made = 0;
    size_t start = n ? (size_t)(splitmix(&rng) % n) : 0;
    for (size_t k = 0; !err && k < n && made < 3; k++) {
        const yz_station *x = &s[(start + k) % n];
        if (x->partner_kind != YZ_PARTNER_COMMUNITY || !x->livelihood || !x->district_code)
            continue;
        bool seen = false;
        for (int j = 0; j < made; j++)
            seen |= strcmp(districts[j], x->district_code) == 0;
        if (seen)
            continue;
        districts[made++] = x->district_code;
        yz_canteen k_c = {.address = yz_strdup(x->address ? x->address : x->name),
                          .station_id = x->id,
                          .lat = x->lat,
                          .lon = x->lon,
                          .opens_min = 10 * 60 + 30,
                          .closes_min = 13 * 60 + 30};
        /* "滨海社区职工驿站" -> "滨海社区爱心食堂". */
        const char *cut = strstr(x->name, "社区");
        size_t len = cut ? (size_t)(cut - x->name) + strlen("社区") : strlen(x->name);
        char *name = yz_malloc(len + sizeof "爱心食堂");
        memcpy(name, x->name, len);
        memcpy(name + len, "爱心食堂", sizeof "爱心食堂");
        k_c.name = name;
        err = canteen_week(st, &k_c, today, &rng, 30, ei);
        yz_canteen_fini(&k_c);
    }
    /* A partner canteen of its own, near the union building: an enterprise canteen that opens
     * its doors to outdoor workers. */
    if (!err) {
        yz_canteen p = {.name = yz_strdup("国网温州供电公司职工食堂（合作）"),
                        .address = yz_strdup("鹿城区车站大道 2 号"),
                        .lat = hub->lat + 0.0061,
                        .lon = hub->lon - 0.0113,
                        .opens_min = 11 * 60,
                        .closes_min = 19 * 60};
        err = canteen_week(st, &p, today, &rng, 40, ei);
        yz_canteen_fini(&p);
    }
    yz_station_array_free(s, n);
    return err;
}
