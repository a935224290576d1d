/* SPDX-License-Identifier: MIT */
/* demo/city.c - the demo city generator. Counts are apportioned exactly (districts by urban
 * weight, places by their weight, partners and tiers by quota); everything else is drawn
 * from a splitmix64 stream seeded by the caller, so a seed always gives the same city. */
#include "demo/city.h"
#include "demo/rng.h"

#include "core/alloc.h"
#include "core/buf.h"
#include "model/facility.h"

#include <assert.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------------------------
 * Tables */

/* shared/data/wenzhou-districts.csv: code, names, seat (about 1 km; see docs/internals/demo.md
 * on its datum), urban weight. */
static const struct {
    const char *code, *name, *name_hant, *short_name;
    double lat, lon;
    int weight; /* per cent of the stations */
} district_rows[YZ_DEMO_DISTRICTS] = {
    {"330302", "鹿城区", "鹿城區", "鹿城", 28.0154, 120.6553, 22},
    {"330303", "龙湾区", "龍灣區", "龙湾", 27.9329, 120.8119, 10},
    {"330304", "瓯海区", "甌海區", "瓯海", 27.9661, 120.6373, 12},
    {"330305", "洞头区", "洞頭區", "洞头", 27.8360, 121.1570, 2},
    {"330324", "永嘉县", "永嘉縣", "永嘉", 28.1530, 120.6910, 7},
    {"330326", "平阳县", "平陽縣", "平阳", 27.6620, 120.5650, 7},
    {"330327", "苍南县", "蒼南縣", "苍南", 27.5070, 120.4190, 6},
    {"330328", "文成县", "文成縣", "文成", 27.7870, 120.0910, 2},
    {"330329", "泰顺县", "泰順縣", "泰顺", 27.5570, 119.7170, 2},
    {"330381", "瑞安市", "瑞安市", "瑞安", 27.7780, 120.6550, 12},
    {"330382", "乐清市", "樂清市", "乐清", 28.1130, 120.9840, 13},
    {"330383", "龙港市", "龍港市", "龙港", 27.5780, 120.5530, 5},
};

/* Stations of each partner kind over the whole city. Convenience stores and gas stations are
 * the exact numbers; the rest is a plausible mix (community and union stations are
 * most of the network, China Tower rider homes next). Indexed by enum yz_partner. */
static const int partner_total[YZ_PARTNER__COUNT] = {
    [YZ_PARTNER_UNION] = 190,
    [YZ_PARTNER_COMMUNITY] = 230,
    [YZ_PARTNER_CHINA_TOWER] = 96,
    [YZ_PARTNER_DIDI] = 34,
    [YZ_PARTNER_CONVENIENCE_STORE] = YZ_DEMO_CONVENIENCE,
    [YZ_PARTNER_GAS_STATION] = YZ_DEMO_GAS,
    [YZ_PARTNER_ENTERPRISE] = 118,
    [YZ_PARTNER_GOVERNMENT] = 110,
    [YZ_PARTNER_OTHER] = 30,
};

/* Weights of the draws that pick smart24h, benchmark and livelihood stations, by partner.
 * Convenience stores and gas stations are smart24h by rule and never drawn. */
static const double smart_weight[YZ_PARTNER__COUNT] = {2, 1.5, 6, 4, 0, 0, 1, 0.5, 0.5};
static const double bench_weight[YZ_PARTNER__COUNT] = {4, 2, 1, 1, 0, 0, 1.5, 2, 1};
static const double livelihood_weight[YZ_PARTNER__COUNT] = {3, 3, 1.5, 0.5, 0, 0, 0.5, 2, 0.5};

#define N_CLOSED_TEMP 16
#define N_PLANNED 10
#define N_BUILDING 18

/* Opening hours in the documented OSM subset, with a weight per partner kind (columns in
 * enum yz_partner order: union, community, tower, didi, store, gas, enterprise, gov, other).
 * Smart24h stations are always "24/7" and do not use this table. */
static const struct {
    const char *hours;
    unsigned char w[YZ_PARTNER__COUNT];
} hours_table[] = {
    {"Mo-Su 07:00-21:00", {20, 20, 14, 10, 0, 0, 10, 10, 16}},
    {"Mo-Su 08:00-20:00", {14, 18, 8, 6, 0, 0, 10, 8, 16}},
    {"Mo-Fr 08:00-20:00; Sa,Su 09:00-18:00", {14, 10, 4, 2, 0, 0, 12, 12, 12}},
    {"06:00-22:00", {8, 10, 14, 12, 0, 0, 6, 6, 6}},
    {"Mo-Su 06:30-21:30", {6, 8, 8, 6, 0, 0, 4, 6, 4}},
    {"Mo-Fr 08:30-17:30; PH off", {6, 4, 0, 0, 0, 0, 16, 20, 8}},
    {"Mo-Sa 07:30-19:30; Su off", {6, 6, 2, 2, 0, 0, 10, 8, 6}},
    {"Mo-Su 05:30-09:30,15:30-21:00", {4, 6, 0, 0, 0, 0, 4, 12, 0}},
    {"Mo-Su 09:00-21:00; PH off", {6, 6, 2, 2, 0, 0, 4, 4, 10}},
    {"Mo-Su 07:00-23:00", {6, 4, 14, 14, 0, 0, 4, 2, 4}},
    {"Mo-Su 18:00-02:00", {2, 0, 10, 18, 0, 0, 2, 0, 0}},
    {"Mo-Su 06:00-24:00", {2, 2, 12, 16, 0, 0, 2, 0, 0}},
    {"Mo-Fr 07:00-19:00; Sa 08:00-12:00", {6, 6, 2, 2, 0, 0, 12, 12, 6}},
};

/* Chance in per cent of each facility at a basic station and at a benchmark or smart24h
 * one; partner rules below add what a kind of station always has. */
static const struct {
    const char *code;
    unsigned char pct, pct_high;
} facility_odds[] = {
    {"drinking_water", 94, 100},
    {"hot_water", 62, 90},
    {"microwave", 42, 80},
    {"toilet", 52, 80},
    {"air_conditioning", 72, 96},
    {"heating", 22, 50},
    {"seating", 97, 100},
    {"phone_charging", 90, 100},
    {"ebike_charging", 16, 35},
    {"battery_swap", 11, 24},
    {"first_aid", 62, 95},
    {"aed", 4, 24},
    {"toolbox", 24, 55},
    {"fridge", 20, 45},
    {"wifi", 48, 85},
    {"umbrella", 40, 70},
    {"locker", 8, 25},
    {"reading", 24, 55},
    {"accessible", 18, 45},
};

/* The union building station: what the issue requires, and what such a flagship has. */
static const char *const union_building_facilities[] = {
    "drinking_water", "hot_water",        "microwave", "toolbox",
    "first_aid",      "battery_swap",     "toilet",    "seating",
    "phone_charging", "air_conditioning", "fridge",    "wifi",
    "umbrella",       "reading",          "aed",       "accessible",
};

/* Stems of community names (社区), shared by all districts as such names are in real life. */
static const char *const community_stems[] = {
    "新华", "和平", "建设", "光明", "阳光", "锦绣", "江滨", "府前", "文化", "兴隆", "康宁", "东升",
    "金港", "清风", "永安", "南门", "北门", "西门", "东门", "城南", "城北", "翠微", "桂花", "丰收",
    "惠民", "繁荣", "育英", "龙腾", "花园", "新民", "振兴", "秀水", "望江", "滨海", "白鹭", "紫薇",
    "金桥", "兴业", "平安", "长安", "上河", "下河", "泰安", "双桥", "新街", "古井", "银河", "朝阳",
};

/* Invented brands: real-sounding, and no real company's store is claimed. */
static const char *const store_chains[] = {"瓯邻便利", "鹿鸣便利", "邻里鲜便利店", "东瓯优选便利"};
static const char *const gas_brands[] = {"瓯越能源", "南港能源", "东瓯石油"};

static const char *const enterprise_kinds[] = {
    "快递分拨中心", "物流园",       "电商产业园",     "外卖配送站",
    "公交停保场",   "环卫作业公司", "建设工地项目部",
};

static const char *const closed_reasons[] = {
    "装修升级，暂停开放", "设备检修", "台风天气临时关闭", "水电线路改造", "场地调整，择址重开",
};
#define CLOSED_UNTIL_BASE 1772294400 /* 2026-03-01T00:00:00+08:00 */

/* ------------------------------------------------------------------------------------------
 * Random numbers: splitmix64 (Steele, Lea and Flood 2014), one stream for the whole city. */

/* Uniform in [0, n). */
static int rng_below(rng *r, int n)
{
    assert(n > 0);
    return (int)(rng_unit(r) * n);
}

static bool rng_pct(rng *r, int pct)
{
    return rng_below(r, 100) < pct;
}

static void shuffle_ints(rng *r, int *a, size_t n)
{
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)rng_below(r, (int)i);
        int t = a[i - 1];
        a[i - 1] = a[j];
        a[j] = t;
    }
}

/* ------------------------------------------------------------------------------------------
 * Apportionment and weighted draws */

/* Split `total` into out[0..n) in proportion to w[] (largest remainder; ties go to the lower
 * index). Entries with weight 0 get 0. */
static void apportion(int total, const int *w, size_t n, int *out)
{
    long sum = 0;
    int given = 0;
    bool bumped[64] = {false};

    assert(n <= 64);
    for (size_t i = 0; i < n; i++)
        sum += w[i];
    assert(sum > 0);
    for (size_t i = 0; i < n; i++) {
        out[i] = (int)((long)total * w[i] / sum);
        given += out[i];
    }
    while (given < total) {
        size_t best = n;
        long best_rem = -1;
        for (size_t i = 0; i < n; i++) {
            long rem = ((long)total * w[i]) % sum;
            if (w[i] > 0 && !bumped[i] && rem > best_rem) {
                best = i;
                best_rem = rem;
            }
        }
        assert(best < n);
        bumped[best] = true;
        out[best]++;
        given++;
    }
}

typedef struct keyed {
    double key;
    int idx;
} keyed;

static int keyed_cmp(const void *a, const void *b)
{
    const keyed *x = a, *y = b;
    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    return x->idx - y->idx;
}

/* Mark exactly `k` of the `n` items with weight > 0 in `chosen`, each drawn with odds in
 * proportion to its weight, without replacement (exponential keys, Efraimidis-Spirakis).
 * Every item gets a draw, chosen or not, so the stream does not depend on the weights. */
static void draw_weighted(rng *r, const double *w, size_t n, size_t k, bool *chosen)
{
    keyed *keys = yz_calloc(n, sizeof *keys);
    size_t m = 0;

    for (size_t i = 0; i < n; i++) {
        double u = 1.0 - rng_unit(r); /* (0, 1] */
        if (w[i] > 0) {
            keys[m].key = -log(u) / w[i];
            keys[m].idx = (int)i;
            m++;
        }
    }
    assert(k <= m);
    qsort(keys, m, sizeof *keys, keyed_cmp);
    for (size_t i = 0; i < k; i++)
        chosen[keys[i].idx] = true;
    yz_free(keys);
}

/* ------------------------------------------------------------------------------------------
 * Text */

/* Append field `k` of the '|'-separated `list` to `b`. */
static void put_field(yz_buf *b, const char *list, int k)
{
    const char *p = list;
    for (; k > 0; k--) {
        const char *bar = strchr(p, '|');
        assert(bar);
        p = bar + 1;
    }
    const char *end = strchr(p, '|');
    yz_buf_append(b, p, end ? (size_t)(end - p) : strlen(p));
}

static int count_fields(const char *list)
{
    int n = 1;
    for (const char *p = list; *p; p++)
        n += *p == '|';
    return n;
}

/* Append the place and the road, or the road alone where it already begins with the place
 * ("五马街", not "五马五马街"). */
static void put_place_road(yz_buf *b, const yz_demo_anchor *a, const char *road)
{
    if (strncmp(road, a->place, strlen(a->place)) != 0)
        yz_buf_puts(b, a->place);
    yz_buf_puts(b, road);
}

#define PICK(r, arr) ((arr)[rng_below((r), (int)(sizeof(arr) / sizeof((arr)[0])))])

/* The street if there is one, else the place (龙港 has no 街道). */
static const char *street_or_place(const yz_demo_anchor *a)
{
    return a->street[0] ? a->street : a->place;
}

/* Write a candidate name for a station of partner `kind` at `a` on `road` into `name`, and its
 * partner name into `partner` (left empty when none). */
static void compose_name(rng *r, int kind, const yz_demo_anchor *a, const char *road, yz_buf *name,
                         yz_buf *partner)
{
    switch (kind) {
    case YZ_PARTNER_UNION:
        switch (rng_below(r, 4)) {
        case 0:
            put_place_road(name, a, road);
            yz_buf_puts(name, "工会驿站");
            break;
        case 1: yz_buf_printf(name, "%s总工会职工驿站", street_or_place(a)); break;
        case 2: yz_buf_printf(name, "%s%s社区工会驿站", a->place, PICK(r, community_stems)); break;
        default: yz_buf_printf(name, "%s户外劳动者服务站", road); break;
        }
        yz_buf_printf(partner, "%s总工会", street_or_place(a));
        break;
    case YZ_PARTNER_COMMUNITY: {
        static const char *const tails[] = {"爱心驿站", "职工驿站", "户外劳动者驿站", "暖心驿站"};
        const char *stem = PICK(r, community_stems);
        yz_buf_printf(name, "%s社区%s", stem, PICK(r, tails));
        yz_buf_printf(partner, "%s社区居委会", stem);
        break;
    }
    case YZ_PARTNER_CHINA_TOWER:
        if (rng_pct(r, 50)) {
            yz_buf_printf(name, "%s骑手之家", a->place);
        } else {
            put_place_road(name, a, road);
            yz_buf_puts(name, "骑手之家");
        }
        yz_buf_puts(partner, "中国铁塔");
        break;
    case YZ_PARTNER_DIDI:
        if (rng_pct(r, 50)) {
            yz_buf_printf(name, "%s司机之家", a->place);
        } else {
            put_place_road(name, a, road);
            yz_buf_puts(name, "司机之家");
        }
        yz_buf_puts(partner, "滴滴出行");
        break;
    case YZ_PARTNER_CONVENIENCE_STORE: {
        const char *chain = PICK(r, store_chains);
        yz_buf_printf(name, "%s（", chain);
        put_place_road(name, a, road);
        yz_buf_puts(name, "店）暖心驿站");
        yz_buf_puts(partner, chain);
        break;
    }
    case YZ_PARTNER_GAS_STATION: {
        const char *brand = PICK(r, gas_brands);
        yz_buf_printf(name, "%s%s加油站爱心驿站", brand, a->place);
        yz_buf_puts(partner, brand);
        break;
    }
    case YZ_PARTNER_ENTERPRISE: {
        const char *what = PICK(r, enterprise_kinds);
        yz_buf_printf(name, "%s%s职工驿站", a->place, what);
        yz_buf_printf(partner, "%s%s", a->place, what);
        break;
    }
    case YZ_PARTNER_GOVERNMENT:
        switch (rng_below(r, 4)) {
        case 0:
            yz_buf_printf(name, "%s城管驿站", a->place);
            yz_buf_printf(partner, "%s综合行政执法中队", street_or_place(a));
            break;
        case 1:
            yz_buf_printf(name, "%s环卫工人休息站", a->place);
            yz_buf_printf(partner, "%s环卫所", street_or_place(a));
            break;
        case 2:
            yz_buf_printf(name, "%s便民服务中心驿站", street_or_place(a));
            yz_buf_printf(partner, "%s便民服务中心", street_or_place(a));
            break;
        default:
            yz_buf_printf(name, "%s交警中队爱心驿站", a->place);
            yz_buf_printf(partner, "%s交警中队", a->place);
            break;
        }
        break;
    default:
        switch (rng_below(r, 3)) {
        case 0:
            yz_buf_printf(name, "%s城市书房驿站", a->place);
            yz_buf_printf(partner, "%s城市书房", a->place);
            break;
        case 1:
            yz_buf_printf(name, "%s公园驿站", a->place);
            yz_buf_printf(partner, "%s公园管理处", a->place);
            break;
        default:
            yz_buf_printf(name, "%s文化礼堂驿站", a->place);
            yz_buf_printf(partner, "%s文化礼堂", a->place);
            break;
        }
        break;
    }
}

static bool name_taken(const yz_station *st, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(st[i].name, name) == 0)
            return true;
    return false;
}

/* A name not yet used by st[0..n): a few fresh draws, then the district's short name in front,
 * then a branch number. */
static void unique_name(rng *r, const yz_station *st, size_t n, int kind, const yz_demo_anchor *a,
                        const char *road, const char *district_short, yz_buf *name, yz_buf *partner)
{
    static const char *const branch[] = {"二站", "三站", "四站", "五站", "六站", "七站", "八站"};

    for (int attempt = 0; attempt < 4; attempt++) {
        yz_buf_reset(name);
        yz_buf_reset(partner);
        compose_name(r, kind, a, road, name, partner);
        if (!name_taken(st, n, name->data))
            return;
    }
    if (strncmp(name->data, district_short, strlen(district_short)) != 0) {
        char *bare = yz_strdup(name->data);
        yz_buf_reset(name);
        yz_buf_printf(name, "%s%s", district_short, bare);
        yz_free(bare);
        if (!name_taken(st, n, name->data))
            return;
    }
    char *base = yz_strdup(name->data);
    for (int i = 0;; i++) {
        yz_buf_reset(name);
        if (i < (int)(sizeof branch / sizeof branch[0]))
            yz_buf_printf(name, "%s%s", base, branch[i]);
        else
            yz_buf_printf(name, "%s%d号站", base, i + 2);
        if (!name_taken(st, n, name->data))
            break;
    }
    yz_free(base);
}

/* ------------------------------------------------------------------------------------------
 * One station */

#define M_PER_DEG 111195.08 /* metres per degree of latitude on the mean-radius sphere */
#define PI 3.14159265358979323846

static double round6(double v)
{
    return round(v * 1e6) / 1e6;
}

/* A point uniformly distributed over the disk of `a`, kept 2 % inside the rim so that the
 * rounding to 1e-6 degrees never carries it out. */
static void place_in(rng *r, const yz_demo_anchor *a, double *lat, double *lon)
{
    double d = a->radius_m * 0.98 * sqrt(rng_unit(r));
    double t = 2.0 * PI * rng_unit(r);
    *lat = round6(a->lat + d * cos(t) / M_PER_DEG);
    *lon = round6(a->lon + d * sin(t) / (M_PER_DEG * cos(a->lat * PI / 180.0)));
}

static uint64_t facility_bit(const char *code)
{
    int bit = yz_facility_seed_bit(code);
    assert(bit >= 0 && bit < 64);
    return UINT64_C(1) << bit;
}

static uint64_t draw_facilities(rng *r, int kind, int tier)
{
    uint64_t mask = 0;
    bool high = tier != YZ_TIER_BASIC;

    for (size_t i = 0; i < sizeof facility_odds / sizeof facility_odds[0]; i++)
        if (rng_pct(r, high ? facility_odds[i].pct_high : facility_odds[i].pct))
            mask |= facility_bit(facility_odds[i].code);
    switch (kind) {
    case YZ_PARTNER_CHINA_TOWER:
        mask |= facility_bit("battery_swap") | facility_bit("phone_charging");
        if (rng_pct(r, 60))
            mask |= facility_bit("ebike_charging");
        break;
    case YZ_PARTNER_CONVENIENCE_STORE:
        mask |= facility_bit("drinking_water") | facility_bit("hot_water") |
                facility_bit("microwave") | facility_bit("phone_charging");
        break;
    case YZ_PARTNER_GAS_STATION:
        mask |= facility_bit("drinking_water") | facility_bit("hot_water") | facility_bit("toilet");
        break;
    default: break;
    }
    return mask;
}

static const char *draw_hours(rng *r, int kind)
{
    int sum = 0;
    size_t n = sizeof hours_table / sizeof hours_table[0];

    for (size_t i = 0; i < n; i++)
        sum += hours_table[i].w[kind];
    assert(sum > 0);
    int x = rng_below(r, sum);
    for (size_t i = 0; i < n; i++) {
        x -= hours_table[i].w[kind];
        if (x < 0)
            return hours_table[i].hours;
    }
    return hours_table[0].hours;
}

static char *draw_phone(rng *r)
{
    static const char lead[] = "568";
    yz_buf b;

    yz_buf_init(&b);
    yz_buf_printf(&b, "0577-%c", lead[rng_below(r, 3)]);
    for (int i = 0; i < 7; i++)
        yz_buf_putc(&b, (char)('0' + rng_below(r, 10)));
    return yz_buf_take(&b);
}

static int draw_seats(rng *r, int kind, int tier)
{
    if (kind == YZ_PARTNER_CONVENIENCE_STORE)
        return 4 + rng_below(r, 5);
    if (kind == YZ_PARTNER_GAS_STATION)
        return 6 + rng_below(r, 7);
    if (tier == YZ_TIER_BENCHMARK)
        return 10 + rng_below(r, 21);
    if (tier == YZ_TIER_SMART24H)
        return 4 + rng_below(r, 13);
    return 4 + rng_below(r, 9);
}

static int draw_batch(rng *r, bool livelihood, int status)
{
    if (status == YZ_STATUS_PLANNED)
        return YZ_BATCH_PLAN;
    if (status == YZ_STATUS_BUILDING)
        return YZ_BATCH_NEW;
    int x = rng_below(r, 100);
    if (livelihood)
        return x < 55 ? YZ_BATCH_NEW : x < 80 ? YZ_BATCH_UPGRADE : YZ_BATCH_STANDARDIZE;
    if (x < 34)
        return YZ_BATCH_NONE;
    if (x < 54)
        return YZ_BATCH_STANDARDIZE;
    if (x < 70)
        return YZ_BATCH_UPGRADE;
    if (x < 86)
        return YZ_BATCH_NEW;
    if (x < 93)
        return YZ_BATCH_RECTIFY;
    return YZ_BATCH_PUBLICIZE;
}

/* ------------------------------------------------------------------------------------------
 * The city */

/* The plan of one station before its text is written. */
typedef struct slot {
    int district; /* index into district_rows */
    int anchor;   /* index into the anchor table */
    int kind;     /* enum yz_partner */
    int tier;     /* enum yz_tier */
    int status;   /* enum yz_status */
    bool livelihood;
} slot;

/* Lay out the district, place and partner of every station, union building first. */
static void plan_slots(rng *r, const yz_demo_anchor *anchors, size_t n_anchors, slot *slots)
{
    int dweights[YZ_DEMO_DISTRICTS], dcount[YZ_DEMO_DISTRICTS];
    int by_kind[YZ_PARTNER__COUNT][YZ_DEMO_DISTRICTS];
    size_t k = 0;

    for (int d = 0; d < YZ_DEMO_DISTRICTS; d++)
        dweights[d] = district_rows[d].weight;
    apportion(YZ_DEMO_STATIONS - 1, dweights, YZ_DEMO_DISTRICTS, dcount);
    for (int p = 0; p < YZ_PARTNER__COUNT; p++)
        if (p != YZ_PARTNER_UNION && p != YZ_PARTNER_COMMUNITY)
            apportion(partner_total[p], dweights, YZ_DEMO_DISTRICTS, by_kind[p]);

    /* Union and community stations fill what is left of each district, in the ratio of their
     * totals, so each district's partner counts add up to its station count. */
    for (int d = 0; d < YZ_DEMO_DISTRICTS; d++) {
        int rest = dcount[d];
        for (int p = 0; p < YZ_PARTNER__COUNT; p++)
            if (p != YZ_PARTNER_UNION && p != YZ_PARTNER_COMMUNITY)
                rest -= by_kind[p][d];
        assert(rest >= 0);
        int share =
            (int)lround((double)rest * partner_total[YZ_PARTNER_UNION] /
                        (partner_total[YZ_PARTNER_UNION] + partner_total[YZ_PARTNER_COMMUNITY]));
        by_kind[YZ_PARTNER_UNION][d] = share;
        by_kind[YZ_PARTNER_COMMUNITY][d] = rest - share;
    }

    for (int d = 0; d < YZ_DEMO_DISTRICTS; d++) {
        int idx[64], w[64], per[64], kinds[YZ_DEMO_STATIONS], places[YZ_DEMO_STATIONS];
        size_t m = 0;
        int n = 0;

        for (size_t i = 0; i < n_anchors; i++) {
            if (strcmp(anchors[i].district_code, district_rows[d].code) != 0)
                continue;
            if (anchors[i].weight == 0) { /* the union building */
                slots[k++] =
                    (slot){d, (int)i, YZ_PARTNER_UNION, YZ_TIER_BENCHMARK, YZ_STATUS_OPEN, false};
                continue;
            }
            assert(m < 64);
            idx[m] = (int)i;
            w[m] = anchors[i].weight;
            m++;
        }
        assert(m > 0);
        apportion(dcount[d], w, m, per);
        for (size_t i = 0; i < m; i++)
            for (int j = 0; j < per[i]; j++)
                places[n++] = idx[i];
        assert(n == dcount[d]);
        n = 0;
        for (int p = 0; p < YZ_PARTNER__COUNT; p++)
            for (int j = 0; j < by_kind[p][d]; j++)
                kinds[n++] = p;
        assert(n == dcount[d]);
        shuffle_ints(r, places, (size_t)n);
        shuffle_ints(r, kinds, (size_t)n);
        for (int j = 0; j < n; j++)
            slots[k++] = (slot){d, places[j], kinds[j], YZ_TIER_BASIC, YZ_STATUS_OPEN, false};
    }
    assert(k == YZ_DEMO_STATIONS);
}

/* Tiers, livelihood flags and statuses, each an exact quota drawn with partner weights. */
static void draw_quotas(rng *r, slot *slots)
{
    double w[YZ_DEMO_STATIONS];
    bool chosen[YZ_DEMO_STATIONS];
    size_t n = YZ_DEMO_STATIONS;
    int smart_fixed = 0, bench_fixed = 0;

    for (size_t i = 0; i < n; i++) {
        int kind = slots[i].kind;
        if (kind == YZ_PARTNER_CONVENIENCE_STORE || kind == YZ_PARTNER_GAS_STATION) {
            slots[i].tier = YZ_TIER_SMART24H;
            smart_fixed++;
        }
        bench_fixed += slots[i].tier == YZ_TIER_BENCHMARK;
    }

#define FREE_SLOT(i) (slots[i].tier == YZ_TIER_BASIC)
    memset(chosen, 0, sizeof chosen);
    for (size_t i = 0; i < n; i++)
        w[i] = FREE_SLOT(i) ? smart_weight[slots[i].kind] : 0;
    draw_weighted(r, w, n, (size_t)(YZ_DEMO_SMART24H - smart_fixed), chosen);
    for (size_t i = 0; i < n; i++)
        if (chosen[i])
            slots[i].tier = YZ_TIER_SMART24H;

    memset(chosen, 0, sizeof chosen);
    for (size_t i = 0; i < n; i++)
        w[i] = FREE_SLOT(i) ? bench_weight[slots[i].kind] : 0;
    draw_weighted(r, w, n, (size_t)(YZ_DEMO_BENCHMARK - bench_fixed), chosen);
    for (size_t i = 0; i < n; i++)
        if (chosen[i])
            slots[i].tier = YZ_TIER_BENCHMARK;
#undef FREE_SLOT

    /* Index 0 is the union building: open, not part of the draws below. */
    memset(chosen, 0, sizeof chosen);
    for (size_t i = 0; i < n; i++)
        w[i] = i == 0 ? 0 : livelihood_weight[slots[i].kind];
    draw_weighted(r, w, n, YZ_DEMO_LIVELIHOOD, chosen);
    for (size_t i = 0; i < n; i++)
        slots[i].livelihood = chosen[i];

    /* Livelihood stations are the ones still being planned or built, mostly. Convenience
     * stores and gas stations are open round the clock. */
    static const struct {
        int status, count;
        double w_livelihood;
    } statuses[] = {
        {YZ_STATUS_BUILDING, N_BUILDING, 6},
        {YZ_STATUS_PLANNED, N_PLANNED, 4},
        {YZ_STATUS_CLOSED_TEMP, N_CLOSED_TEMP, 1},
    };
    for (size_t s = 0; s < sizeof statuses / sizeof statuses[0]; s++) {
        memset(chosen, 0, sizeof chosen);
        for (size_t i = 0; i < n; i++) {
            int kind = slots[i].kind;
            bool fixed = i == 0 || kind == YZ_PARTNER_CONVENIENCE_STORE ||
                         kind == YZ_PARTNER_GAS_STATION || slots[i].status != YZ_STATUS_OPEN;
            w[i] = fixed ? 0 : slots[i].livelihood ? statuses[s].w_livelihood : 1;
        }
        draw_weighted(r, w, n, (size_t)statuses[s].count, chosen);
        for (size_t i = 0; i < n; i++)
            if (chosen[i])
                slots[i].status = statuses[s].status;
    }
}

static void fill_union_building(yz_station *s, const yz_demo_anchor *a)
{
    s->code = yz_strdup(YZ_DEMO_UNION_CODE);
    s->name = yz_strdup("工会大厦职工驿站");
    s->address = yz_strdup("鹿城区五马街道工会大厦一楼");
    s->lat = a->lat;
    s->lon = a->lon;
    s->partner_name = yz_strdup("温州市总工会");
    for (size_t i = 0; i < sizeof union_building_facilities / sizeof(char *); i++)
        s->facilities |= facility_bit(union_building_facilities[i]);
    s->opening_hours = yz_strdup("Mo-Su 07:00-22:00");
    s->phone = yz_strdup("0577-88000000");
    s->seats = 40;
    s->batch = YZ_BATCH_PUBLICIZE;
}

static void fill_station(rng *r, yz_station *st, size_t i, const slot *sl, const yz_demo_anchor *a,
                         yz_buf *name, yz_buf *partner)
{
    yz_station *s = &st[i];
    yz_buf b, road;

    place_in(r, a, &s->lat, &s->lon);

    yz_buf_init(&b);
    yz_buf_printf(&b, "WZ%04zu", i);
    s->code = yz_buf_take(&b);

    /* One road per station, used by its name and its address alike. */
    yz_buf_init(&road);
    put_field(&road, a->roads, rng_below(r, count_fields(a->roads)));
    unique_name(r, st, i, sl->kind, a, road.data, district_rows[sl->district].short_name, name,
                partner);
    s->name = yz_strdup(name->data);
    s->partner_name = partner->len ? yz_strdup(partner->data) : NULL;

    yz_buf_printf(&b, "%s%s%s%d号", district_rows[sl->district].name, a->street, road.data,
                  1 + rng_below(r, 688));
    s->address = yz_buf_take(&b);
    yz_buf_fini(&road);

    s->facilities = draw_facilities(r, sl->kind, sl->tier);
    s->opening_hours = yz_strdup(sl->tier == YZ_TIER_SMART24H ? "24/7" : draw_hours(r, sl->kind));
    s->phone = rng_pct(r, 92) ? draw_phone(r) : NULL;
    s->seats = draw_seats(r, sl->kind, sl->tier);
    s->batch = draw_batch(r, sl->livelihood, sl->status);
    if (sl->status == YZ_STATUS_CLOSED_TEMP) {
        int why = rng_below(r, (int)(sizeof closed_reasons / sizeof closed_reasons[0]));
        s->closed_reason = yz_strdup(closed_reasons[why]);
        /* "择址重开" has no date yet; the others reopen within a few months of March 2026. */
        s->closed_until = why == 4 ? 0 : CLOSED_UNTIL_BASE + (int64_t)rng_below(r, 120) * 86400;
    }
    yz_buf_fini(&b);
}

int yz_demo_generate(uint64_t seed, yz_station **stations, size_t *n_stations,
                     yz_district **districts, size_t *n_districts, yz_errinfo *ei)
{
    if (!stations || !n_stations || !districts || !n_districts)
        return yz_err_set(ei, YZ_EINVAL, "", "输出参数不能为空。",
                          "The output parameters must not be NULL.");

    rng r = {seed};
    size_t n_anchors;
    const yz_demo_anchor *anchors = yz_demo_anchors(&n_anchors);
    slot *slots = yz_calloc(YZ_DEMO_STATIONS, sizeof *slots);
    yz_station *st = yz_calloc(YZ_DEMO_STATIONS, sizeof *st);
    yz_district *ds = yz_calloc(YZ_DEMO_DISTRICTS, sizeof *ds);
    yz_buf name, partner;

    plan_slots(&r, anchors, n_anchors, slots);
    draw_quotas(&r, slots);

    yz_buf_init(&name);
    yz_buf_init(&partner);
    for (size_t i = 0; i < YZ_DEMO_STATIONS; i++) {
        const slot *sl = &slots[i];
        yz_station *s = &st[i];

        yz_station_init(s);
        s->district_code = yz_strdup(district_rows[sl->district].code);
        s->district_name = yz_strdup(district_rows[sl->district].name);
        s->tier = sl->tier;
        s->partner_kind = sl->kind;
        s->tz = yz_strdup(YZ_DEFAULT_TZ);
        s->status = sl->status;
        s->livelihood = sl->livelihood;
        if (i == 0)
            fill_union_building(s, &anchors[sl->anchor]);
        else
            fill_station(&r, st, i, sl, &anchors[sl->anchor], &name, &partner);
    }
    yz_buf_fini(&name);
    yz_buf_fini(&partner);
    yz_free(slots);

    /* Online maps, from a stream of their own so that every other field stays as it was:
     * most stations are on Amap and Baidu, some on Tencent too, some (new ones, mostly) on
     * none yet; stations not yet open are on none. */
    rng maps = {seed ^ UINT64_C(0x6f6e6c696e656d70)};
    for (size_t i = 0; i < YZ_DEMO_STATIONS; i++) {
        yz_station *s = &st[i];
        int roll = rng_below(&maps, 100);
        if (i == 0)
            s->online_maps = YZ_MAPS_ALL;
        else if (s->status == YZ_STATUS_PLANNED || s->status == YZ_STATUS_BUILDING || roll < 8)
            s->online_maps = 0;
        else if (roll < 14)
            s->online_maps = 1u << YZ_MAP_AMAP;
        else if (roll < 40)
            s->online_maps = YZ_MAPS_ALL;
        else
            s->online_maps = (1u << YZ_MAP_AMAP) | (1u << YZ_MAP_BAIDU);
    }

    for (int d = 0; d < YZ_DEMO_DISTRICTS; d++) {
        ds[d].code = yz_strdup(district_rows[d].code);
        ds[d].name = yz_strdup(district_rows[d].name);
        ds[d].name_hant = yz_strdup(district_rows[d].name_hant);
        ds[d].lat = district_rows[d].lat;
        ds[d].lon = district_rows[d].lon;
    }

    *stations = st;
    *n_stations = YZ_DEMO_STATIONS;
    *districts = ds;
    *n_districts = YZ_DEMO_DISTRICTS;
    yz_err_clear(ei);
    return YZ_OK;
}
