/* SPDX-License-Identifier: MIT */
/* tests/unit/test_sim.c - the simulator's day model (demo/sim.h): the meal peaks drain the
 * battery cabinets and fill the rooms, every value a device sends is within the contract's
 * ranges (the table of docs/internals/live.md written out here, and the server's own
 * validator, yz_ingest_parse, accepting the message), doors follow the opening hours, only the
 * flaky air conditioner fails and only on hot afternoons, and a seed gives the same run. */
#include <criterion/criterion.h>

#include "demo/devices.h"
#include "demo/sim.h"
#include "live/ingest_int.h"
#include "model/device.h"
#include "model/hours.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

/* 2026-07-15 00:00 in Asia/Shanghai (16:00 UTC the day before). */
#define DAY0 INT64_C(1784044800)

static int64_t at(int day, int h, int m)
{
    return DAY0 + day * 86400 + h * 3600 + m * 60;
}

static yz_sim_device mk(int64_t id, int kind, uint64_t seed)
{
    yz_sim_device d;
    memset(&d, 0, sizeof d);
    d.id = id;
    d.kind = kind;
    d.seats = 20;
    yz_sim_device_init(&d, seed);
    return d;
}

Test(sim, demand_has_two_peaks)
{
    for (int m = 0; m < 1440; m++) {
        double v = yz_sim_demand(m);
        cr_assert(v >= 0.1 - 1e-9 && v <= 1 + 1e-9, "minute %d: %g", m, v);
    }
    cr_assert_float_eq(yz_sim_demand(12 * 60), 1, 1e-9);
    cr_assert_float_eq(yz_sim_demand(18 * 60), 1, 1e-9);
    cr_assert_float_eq(yz_sim_demand(3 * 60), 0.1, 1e-9);
    cr_assert(yz_sim_demand(15 * 60) < 0.5);
    cr_assert(yz_sim_demand(9 * 60) < 0.5);
}

/* Sum over many cabinets of the charged count at each minute of a day. */
Test(sim, peaks_lower_the_charged_count)
{
    static double sum[1440];
    memset(sum, 0, sizeof sum);
    char out[128];
    for (uint64_t seed = 1; seed <= 100; seed++) {
        yz_sim_device d = mk(7, YZ_DEV_BATTERY_CABINET, seed);
        for (int day = 0; day < 2; day++)
            for (int m = 0; m < 1440; m++) {
                yz_sim_step(&d, at(day, 0, m), 7, out, sizeof out);
                if (day == 1) /* the second day: not starting from full cabinets */
                    sum[m] += (double)d.charged / d.slots;
            }
    }
    /* Fuller before each peak than at its end, and refilled between and at night. */
    cr_assert(sum[13 * 60] < 0.8 * sum[10 * 60 + 30], "lunch: %g vs %g", sum[13 * 60],
              sum[10 * 60 + 30]);
    cr_assert(sum[19 * 60 + 30] < 0.8 * sum[16 * 60 + 45], "dinner: %g vs %g", sum[19 * 60 + 30],
              sum[16 * 60 + 45]);
    cr_assert(sum[16 * 60 + 45] > sum[13 * 60], "recharged in the afternoon");
    cr_assert(sum[6 * 60] > 0.9 * 100, "nearly full at dawn: %g", sum[6 * 60]);
}

Test(sim, people_follow_the_peaks)
{
    char out[128];
    double lunch = 0, afternoon = 0;
    for (uint64_t seed = 1; seed <= 50; seed++) {
        yz_sim_device d = mk(9, YZ_DEV_PEOPLE_COUNTER, seed);
        for (int m = 0; m < 1440; m++) {
            yz_sim_step(&d, at(0, 0, m), 7, out, sizeof out);
            if (m == 12 * 60)
                lunch += d.inside;
            if (m == 15 * 60)
                afternoon += d.inside;
        }
    }
    cr_assert(lunch > 1.5 * afternoon, "%g vs %g", lunch, afternoon);
}

/* The contract's table (live.txt), independently of model/device.c. */
static void check_values(int kind, json_t *v, const char *msg)
{
    const char *k;
    json_t *x;
    double charged = -1, slots = -1;
    json_object_foreach(v, k, x)
    {
        cr_assert(json_is_number(x), "%s", msg);
        double f = json_number_value(x);
        bool whole = f == floor(f);
        if (kind == YZ_DEV_BATTERY_CABINET && !strcmp(k, "charged")) {
            cr_assert(whole && f >= 0 && f <= 500, "%s", msg);
            charged = f;
        } else if (kind == YZ_DEV_BATTERY_CABINET && !strcmp(k, "slots")) {
            cr_assert(whole && f >= 1 && f <= 500, "%s", msg);
            slots = f;
        } else if (kind == YZ_DEV_PEOPLE_COUNTER &&
                   (!strcmp(k, "inside") || !strcmp(k, "seats_free")))
            cr_assert(whole && f >= 0 && f <= 2000, "%s", msg);
        else if (kind == YZ_DEV_AIR_CONDITIONER && !strcmp(k, "temp_c"))
            cr_assert(f >= -40 && f <= 70, "%s", msg);
        else if ((!strcmp(k, "fault") &&
                  (kind == YZ_DEV_BATTERY_CABINET || kind == YZ_DEV_AIR_CONDITIONER ||
                   kind == YZ_DEV_WATER_DISPENSER)) ||
                 (!strcmp(k, "open") && kind == YZ_DEV_DOOR) ||
                 (!strcmp(k, "on") && (kind == YZ_DEV_AIR_CONDITIONER || kind == YZ_DEV_POWER)))
            cr_assert(f == 0 || f == 1, "%s", msg);
        else
            cr_assert_fail("%s: metric %s is not of kind %d", msg, k, kind);
    }
    if (charged >= 0 && slots >= 0)
        cr_assert(charged <= slots, "%s", msg);
}

Test(sim, never_out_of_range)
{
    static const char *const hours[] = {NULL, "Mo-Su 07:00-21:00", "Mo-Su 18:00-02:00"};
    yz_hours *h[3] = {NULL, NULL, NULL};
    for (int i = 1; i < 3; i++)
        cr_assert_eq(yz_hours_parse(hours[i], &h[i], NULL), 0);
    char out[128], body[256], msg[400];
    static yz_reading r[YZ_INGEST_MAX_BATCH];
    int64_t seq = 1;
    for (uint64_t seed = 0; seed < 6; seed++)
        for (int kind = 0; kind < YZ_DEV__COUNT; kind++)
            for (int month = 1; month <= 12; month++) {
                yz_sim_device d;
                memset(&d, 0, sizeof d);
                d.id = 100 + kind;
                d.kind = kind;
                d.seats = (int)(seed * 9 + 1);
                d.hours = h[seed % 3];
                d.flaky = seed & 1;
                yz_sim_device_init(&d, seed);
                for (int m = 0; m < 2 * 1440; m++) {
                    size_t n = yz_sim_step(&d, at(0, 0, m), month, out, sizeof out);
                    if (!n)
                        continue;
                    snprintf(msg, sizeof msg, "seed %llu kind %d month %d minute %d: %s",
                             (unsigned long long)seed, kind, month, m, out);
                    json_t *v = json_loads(out, 0, NULL);
                    cr_assert(json_is_object(v), "%s", msg);
                    check_values(kind, v, msg);
                    json_decref(v);
                    int64_t now_ms = at(0, 0, m) * 1000;
                    int bl = snprintf(body, sizeof body, "{\"seq\":%lld,\"ts\":%lld,\"values\":%s}",
                                      (long long)seq++, (long long)now_ms, out);
                    size_t nr = 0;
                    enum yz_ingest_reason why;
                    yz_errinfo ei;
                    cr_assert_eq(
                        yz_ingest_parse(kind, d.id, body, (size_t)bl, now_ms, r, &nr, &why, &ei), 0,
                        "%s: %s", msg, ei.msg_en);
                }
            }
    for (int i = 1; i < 3; i++)
        yz_hours_free(h[i]);
}

Test(sim, doors_follow_the_hours)
{
    yz_hours *h = NULL;
    cr_assert_eq(yz_hours_parse("Mo-Su 07:00-21:00", &h, NULL), 0);
    yz_sim_device d = mk(3, YZ_DEV_DOOR, 5);
    d.hours = h;
    char out[128];
    for (int m = 0; m < 1440; m++) {
        yz_sim_step(&d, at(0, 0, m), 1, out, sizeof out);
        cr_assert_eq(d.open, m >= 7 * 60 && m < 21 * 60, "minute %d", m);
    }
    /* Changes are sent at once; between them, heartbeats ({}) every YZ_SIM_RESEND_S. */
    yz_sim_device e = mk(3, YZ_DEV_DOOR, 5);
    e.hours = h;
    int sent = 0, beats = 0;
    for (int m = 0; m < 1440; m++)
        if (yz_sim_step(&e, at(0, 0, m), 1, out, sizeof out)) {
            sent++;
            beats += !strcmp(out, "{}");
        }
    cr_assert_eq(sent - beats, 3, "the first state and two changes");
    cr_assert(beats >= 1440 * 60 / YZ_SIM_RESEND_S - 4 && beats <= 1440 * 60 / YZ_SIM_RESEND_S);
    yz_hours_free(h);
}

Test(sim, the_flaky_air_conditioner_fails_on_hot_afternoons_only)
{
    char out[128];
    int faults[13] = {0};
    for (int month = 1; month <= 12; month++) {
        yz_sim_device f = mk(11, YZ_DEV_AIR_CONDITIONER, 3), ok = mk(12, YZ_DEV_AIR_CONDITIONER, 3);
        f.flaky = true;
        for (int m = 0; m < 1440; m++) {
            if (yz_sim_step(&f, at(0, 0, m), month, out, sizeof out) &&
                strstr(out, "\"fault\":1")) {
                faults[month]++;
                cr_assert(m >= 13 * 60 && m < 17 * 60, "month %d minute %d", month, m);
                cr_assert(yz_sim_outdoor_c(month, m) >= 30);
                cr_assert(strstr(out, "\"on\":0"), "%s", out);
            }
            if (yz_sim_step(&ok, at(0, 0, m), month, out, sizeof out))
                cr_assert_null(strstr(out, "\"fault\":1"), "month %d minute %d", month, m);
        }
    }
    cr_assert_gt(faults[7], 60, "July afternoons");
    cr_assert_eq(faults[1] + faults[12], 0, "never in winter");
}

Test(sim, a_seed_gives_the_same_run)
{
    char a[128], b[128];
    int differ = 0;
    yz_sim_device x = mk(5, YZ_DEV_BATTERY_CABINET, 42), y = mk(5, YZ_DEV_BATTERY_CABINET, 42),
                  z = mk(5, YZ_DEV_BATTERY_CABINET, 43);
    for (int m = 0; m < 1440; m++) {
        size_t na = yz_sim_step(&x, at(0, 0, m), 7, a, sizeof a);
        size_t nb = yz_sim_step(&y, at(0, 0, m), 7, b, sizeof b);
        cr_assert_eq(na, nb);
        if (na)
            cr_assert_str_eq(a, b);
        yz_sim_step(&z, at(0, 0, m), 7, b, sizeof b);
        differ += z.charged != x.charged;
    }
    cr_assert_gt(differ, 100, "another seed, another day");
}

Test(sim, demo_kinds_by_partner)
{
    yz_station s;
    memset(&s, 0, sizeof s);
    s.status = YZ_STATUS_OPEN;
    s.code = "WZ0001";
    s.partner_kind = YZ_PARTNER_CHINA_TOWER;
    cr_assert_eq(yz_demo_device_kinds(&s, 4),
                 (1u << YZ_DEV_BATTERY_CABINET) | (1u << YZ_DEV_DOOR) | (1u << YZ_DEV_POWER));
    s.partner_kind = YZ_PARTNER_GAS_STATION;
    cr_assert_eq(yz_demo_device_kinds(&s, 4) & (1u << YZ_DEV_BATTERY_CABINET), 0);
    s.facilities = 4;
    cr_assert_neq(yz_demo_device_kinds(&s, 4) & (1u << YZ_DEV_BATTERY_CABINET), 0);
    cr_assert_neq(yz_demo_device_kinds(&s, 4) & (1u << YZ_DEV_PEOPLE_COUNTER), 0);
    s.partner_kind = YZ_PARTNER_UNION;
    cr_assert_eq(yz_demo_device_kinds(&s, 4), 0);
    s.partner_kind = YZ_PARTNER_CHINA_TOWER;
    s.status = YZ_STATUS_BUILDING;
    cr_assert_eq(yz_demo_device_kinds(&s, 4), 0, "nothing runs at a station being built");
}
