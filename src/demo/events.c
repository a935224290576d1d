/* SPDX-License-Identifier: MIT */
/* demo/events.c - the demo city's events (docs/internals/events.md): every Friday 06:30-09:00
 * free breakfast at the union building, weekly services at a few dozen stations, monthly
 * one-off activities and the 暖新日 of 28 May. Stations are drawn from a splitmix64 stream. */
#include "demo/events.h"

#include "core/alloc.h"
#include "core/time.h"
#include "demo/city.h"
#include "demo/rng.h"
#include "store/events.h"

#include <string.h>

static size_t rng_below(rng *r, size_t n)
{
    return (size_t)(rng_next(r) % n);
}

/* A weekly service offered at several stations. */
typedef struct weekly_kind {
    const char *title, *description;
    int category;
    uint8_t days; /* bit 0 = Monday */
    int start_min, end_min, capacity, stations;
} weekly_kind;

static const weekly_kind weekly_kinds[] = {
    {"十元爱心午餐", "两荤一素一汤，凭劳动者码每人每天一份。", YZ_EVCAT_CHEAP_MEAL, 0x1f, 11 * 60,
     13 * 60, 0, 8},
    {"健康义诊", "社区医生测血压、血糖，提供用药咨询。", YZ_EVCAT_HEALTH, 1u << 2, 9 * 60,
     11 * 60 + 30, 30, 8},
    {"法律咨询", "律师志愿者解答劳动合同、工伤、欠薪问题。", YZ_EVCAT_SERVICE, 1u << 1, 14 * 60,
     16 * 60, 10, 6},
    {"爱心义剪", "理发师志愿者免费理发。", YZ_EVCAT_SERVICE, 1u << 3, 14 * 60, 17 * 60, 20, 6},
    {"电动车安全检测", "免费检查刹车、灯光和电池。", YZ_EVCAT_SERVICE, 1u << 5, 9 * 60, 12 * 60, 0,
     4},
    {"周末观影会", "驿站放映电影，备茶水。", YZ_EVCAT_ACTIVITY, 1u << 6, 19 * 60, 21 * 60, 25, 3},
};

/* A one-off activity; `months` is a mask of months it fits (bit 0 = January). */
typedef struct oneoff_kind {
    const char *title, *description;
    int category;
    int start_min, duration_min, capacity;
    unsigned months;
} oneoff_kind;

static const oneoff_kind oneoff_kinds[] = {
    {"免费体检", "血常规、心电图、视力检查，需报名。", YZ_EVCAT_HEALTH, 9 * 60, 180, 40, 0xfff},
    {"义剪进驿站", "理发师志愿者上门服务。", YZ_EVCAT_SERVICE, 14 * 60, 150, 30, 0xfff},
    {"法律援助进驿站", "劳动争议调解员现场答疑。", YZ_EVCAT_SERVICE, 14 * 60, 120, 20, 0xfff},
    {"职业技能讲座", "新就业形态劳动者技能提升。", YZ_EVCAT_ACTIVITY, 19 * 60, 90, 50, 0xfff},
    {"夏送清凉", "发放绿豆汤、藿香正气水和防暑用品。", YZ_EVCAT_FREE_MEAL, 10 * 60, 240, 0,
     (1u << 5) | (1u << 6) | (1u << 7)},
    {"冬送温暖", "发放热姜茶、手套和护膝。", YZ_EVCAT_FREE_MEAL, 10 * 60, 240, 0,
     (1u << 0) | (1u << 11)},
    {"新春慰问", "春节坚守岗位的劳动者领取年货。", YZ_EVCAT_FREE_MEAL, 10 * 60, 300, 100, 1u << 1},
};

static void add(yz_event **v, size_t *n, size_t *cap, const yz_event *ev)
{
    if (*n == *cap) {
        *cap = *cap ? *cap * 2 : 128;
        *v = yz_reallocarray(*v, *cap, sizeof **v);
    }
    (*v)[(*n)++] = *ev;
}

static yz_event base(int64_t station_id, const char *title, const char *desc, int category,
                     int capacity)
{
    yz_event ev;
    yz_event_init(&ev);
    ev.station_id = station_id;
    ev.title = yz_strdup(title);
    ev.description = desc ? yz_strdup(desc) : NULL;
    ev.category = category;
    ev.capacity = capacity;
    return ev;
}

/* Unix time of local date `day` at `min` minutes, China Standard Time. */
static int64_t at(int64_t day, int min)
{
    return day * 86400 + (int64_t)min * 60 - 8 * 3600;
}

/* The year before `today` (a local date): the Friday breakfast at a dozen union stations, a
 * weekly service at every benchmark station in service (the benchmark rule asks for 4 events
 * a year), and each month YZ_DEMO_PAST_ONEOFFS one-off activities (health checks, legal
 * aid...) at stations in service taken in turn from a shuffled list, so that each month
 * reaches stations the earlier months did not. */
static void past_year(rng *r, const yz_station *stations, size_t n_st, int64_t today,
                      yz_event **v, size_t *n, size_t *cap)
{
    int64_t p0 = today - 365;
    size_t *order = yz_malloc((n_st ? n_st : 1) * sizeof *order);
    size_t n_order = 0, breakfasts = 0;
    for (size_t i = 0; i < n_st; i++) {
        const yz_station *s = &stations[i];
        if (!yz_station_in_service(s) || !strcmp(s->code, YZ_DEMO_UNION_CODE))
            continue;
        yz_event ev;
        if (s->partner_kind == YZ_PARTNER_UNION && breakfasts < 12 && rng_below(r, 8) == 0) {
            breakfasts++;
            ev = base(s->id, "爱心早餐（每周五）", "职工驿站每周五早上为户外劳动者提供免费早餐。",
                      YZ_EVCAT_FREE_MEAL, 0);
            ev.weekdays = 1u << 4;
            ev.start_min = 6 * 60 + 30;
            ev.end_min = 8 * 60 + 30;
        } else if (s->tier == YZ_TIER_BENCHMARK) {
            const weekly_kind *w = &weekly_kinds[1 + rng_below(r, 4)];
            ev = base(s->id, w->title, w->description, w->category, w->capacity);
            ev.weekdays = w->days;
            ev.start_min = w->start_min;
            ev.end_min = w->end_min;
        } else {
            order[n_order++] = i;
            continue;
        }
        ev.weekly = true;
        ev.valid_from = (int32_t)(p0 + (int64_t)rng_below(r, 60));
        ev.valid_until = YZ_EVENT_NO_UNTIL;
        add(v, n, cap, &ev);
    }
    for (size_t i = n_order; i > 1; i--) { /* Fisher-Yates */
        size_t j = rng_below(r, i), t = order[i - 1];
        order[i - 1] = order[j];
        order[j] = t;
    }
    size_t k = 0;
    for (int m = 0; m < 12 && n_order; m++) {
        for (int j = 0; j < YZ_DEMO_PAST_ONEOFFS; j++) {
            int64_t day = p0 + m * 30 + (int64_t)rng_below(r, 30);
            int y, mo, d;
            yz_civil_from_days(day, &y, &mo, &d);
            const oneoff_kind *o;
            do
                o = &oneoff_kinds[rng_below(r, sizeof oneoff_kinds / sizeof *oneoff_kinds)];
            while (!(o->months & (1u << (mo - 1))));
            const yz_station *s = &stations[order[k++ % n_order]];
            yz_event ev = base(s->id, o->title, o->description, o->category, o->capacity);
            ev.starts_at = at(day, o->start_min);
            ev.ends_at = ev.starts_at + (int64_t)o->duration_min * 60;
            add(v, n, cap, &ev);
        }
    }
    yz_free(order);
}

int yz_demo_events(yz_store *st, uint64_t seed, int64_t now, yz_errinfo *ei)
{
    yz_station *stations = NULL;
    size_t n_st = 0, n = 0, cap = 0;
    yz_event *v = NULL;
    int err = yz_store_load_stations(st, &stations, &n_st, ei);
    if (err)
        return err;
    long uni = -1;
    for (size_t i = 0; i < n_st; i++)
        if (stations[i].code && strcmp(stations[i].code, YZ_DEMO_UNION_CODE) == 0)
            uni = (long)i;
    if (uni < 0) {
        err = yz_err_set(ei, YZ_ENOTFOUND, "station", "演示城市缺少工会大厦驿站",
                         "the demo city lacks the union-building station");
        goto out;
    }
    rng r = {seed ^ UINT64_C(0x6576656e74730001)}; /* "events" */
    /* The demo year: from the first of this month (Beijing time) for twelve months. */
    int64_t today = (now + 8 * 3600) / 86400;
    int ty, tm, td;
    yz_civil_from_days(today, &ty, &tm, &td);
    int64_t y0 = yz_days_from_civil(ty, tm, 1), y1 = yz_days_from_civil(ty + 1, tm, 1) - 1;

    /* Every Friday, 06:30-09:00, since the first Friday of 2026, for good. */
    yz_event ev = base(stations[uni].id, "爱心早餐（每周五免费）",
                       "工会大厦驿站每周五早上为户外劳动者免费提供早餐：包子、豆浆、鸡蛋。",
                       YZ_EVCAT_FREE_MEAL, 0);
    ev.weekly = true;
    ev.weekdays = 1u << 4;
    ev.start_min = 6 * 60 + 30;
    ev.end_min = 9 * 60;
    ev.valid_from = (int32_t)yz_days_from_civil(2026, 1, 2);
    add(&v, &n, &cap, &ev);

    for (size_t k = 0; k < sizeof weekly_kinds / sizeof *weekly_kinds; k++) {
        const weekly_kind *w = &weekly_kinds[k];
        for (int j = 0; j < w->stations; j++) {
            const yz_station *s = &stations[rng_below(&r, n_st)];
            ev = base(s->id, w->title, w->description, w->category, w->capacity);
            ev.weekly = true;
            ev.weekdays = w->days;
            ev.start_min = w->start_min;
            ev.end_min = w->end_min;
            ev.valid_from = (int32_t)y0;
            /* a third of them stop half-way through the year */
            ev.valid_until = rng_below(&r, 3) == 0 ? (int32_t)(y0 + 181) : (int32_t)y1;
            add(&v, &n, &cap, &ev);
        }
    }

    /* Each month of the year: eight one-off activities on random days. */
    for (int m = 0; m < 12; m++) {
        int year = ty + (tm - 1 + m) / 12, month = (tm - 1 + m) % 12 + 1;
        for (int j = 0; j < 8; j++) {
            const oneoff_kind *o;
            do
                o = &oneoff_kinds[rng_below(&r, sizeof oneoff_kinds / sizeof *oneoff_kinds)];
            while (!(o->months & (1u << (month - 1))));
            const yz_station *s = &stations[rng_below(&r, n_st)];
            int64_t day = yz_days_from_civil(year, month, 1 + (int)rng_below(&r, 28));
            ev = base(s->id, o->title, o->description, o->category, o->capacity);
            ev.starts_at = at(day, o->start_min);
            ev.ends_at = ev.starts_at + (int64_t)o->duration_min * 60;
            add(&v, &n, &cap, &ev);
        }
    }

    past_year(&r, stations, n_st, today, &v, &n, &cap);

    /* 28 May, 暖新日: the union building and 19 stations more, 09:00-17:00. */
    int64_t may28 = yz_days_from_civil(ty, 5, 28);
    if (may28 < today) /* the next one */
        may28 = yz_days_from_civil(ty + 1, 5, 28);
    for (int j = 0; j < 20; j++) {
        const yz_station *s = j ? &stations[rng_below(&r, n_st)] : &stations[uni];
        ev =
            base(s->id, "暖新日：关爱新就业形态劳动者",
                 "5 月 28 日暖新日：免费饮品、义诊、义剪、法律咨询，欢迎骑手、快递员、网约车司机。",
                 YZ_EVCAT_ACTIVITY, 0);
        ev.starts_at = at(may28, 9 * 60);
        ev.ends_at = at(may28, 17 * 60);
        add(&v, &n, &cap, &ev);
    }
    err = yz_store_event_create(st, v, n, ei);
out:
    yz_event_array_free(v, n);
    yz_station_array_free(stations, n_st);
    return err;
}
