/* SPDX-License-Identifier: MIT */
/* demo/sim.c - the simulator's day model (demo/sim.h). Every random draw comes from the
 * device's own splitmix64 stream, in step order, so a run is reproducible from its seed. */
#include "demo/sim.h"

#include "model/device.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define PI 3.14159265358979323846

void yz_sim_device_init(yz_sim_device *d, uint64_t seed)
{
    d->r.s = seed ^ ((uint64_t)d->id * UINT64_C(0xD1B54A32D192ED03));
    (void)rng_next(&d->r);
    d->slots = 8 + (int)(rng_unit(&d->r) * 9.0); /* 8..16 */
    d->swaps_per_min = 0.15 + 0.2 * rng_unit(&d->r);
    d->charged = d->slots;
    d->inside = 0;
    d->open = -1;
    d->room_c = 24.0;
    d->last_sent = 0;
    d->last[0] = '\0';
    if (d->seats < 1)
        d->seats = 1;
}

/* A bump of height 1 over [from, to) minutes, rising and falling over `edge` minutes. */
static double bump(int m, int from, int to, int edge)
{
    if (m < from - edge || m >= to + edge)
        return 0;
    if (m < from)
        return 0.5 - 0.5 * cos(PI * (m - (from - edge)) / edge);
    if (m >= to)
        return 0.5 + 0.5 * cos(PI * (m - to) / edge);
    return 1;
}

double yz_sim_demand(int minute)
{
    int m = ((minute % 1440) + 1440) % 1440;
    double base = m < 6 * 60 ? 0.1 : m < 7 * 60 ? 0.1 + 0.2 * (m - 360) / 60.0 : 0.3;
    if (m >= 22 * 60)
        base = 0.3 - 0.2 * (m - 1320) / 120.0;
    double peak = bump(m, 11 * 60, 13 * 60, 30);
    double dinner = bump(m, 17 * 60, 19 * 60 + 30, 30);
    if (dinner > peak)
        peak = dinner;
    return base + (1 - base) * peak;
}

/* Wenzhou's mean daily high and low by month (°C), rounded climate normals. */
static const double high_c[12] = {12, 13, 17, 22, 27, 30, 34, 33, 30, 25, 20, 15};
static const double low_c[12] = {5, 6, 10, 14, 19, 23, 26, 26, 22, 17, 11, 6};

double yz_sim_outdoor_c(int month, int minute)
{
    int i = month < 1 ? 0 : month > 12 ? 11 : month - 1;
    double mean = (high_c[i] + low_c[i]) / 2, amp = (high_c[i] - low_c[i]) / 2;
    /* Coldest at 05:00, warmest at 15:00: a cosine of period one day, shifted. */
    int m = ((minute % 1440) + 1440) % 1440;
    double x = (m - 15 * 60) / 1440.0 * 2 * PI;
    double v = mean + amp * cos(x);
    return v;
}

/* A Poisson draw of mean `lambda` (small: Knuth's product of uniforms). */
static int poisson(rng *r, double lambda)
{
    double l = exp(-lambda), p = 1;
    int k = 0;
    do {
        k++;
        p *= rng_unit(r);
    } while (p > l && k < 1000);
    return k - 1;
}

static int clampi(int v, int lo, int hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

size_t yz_sim_step(yz_sim_device *d, int64_t t, int month, char *out, size_t cap)
{
    int64_t local = t + YZ_SIM_TZ_OFFSET_MIN * 60;
    int minute = (int)(((local % 86400) + 86400) % 86400 / 60);
    bool open = !d->hours || yz_hours_is_open(d->hours, t, YZ_SIM_TZ_OFFSET_MIN, NULL);
    double demand = yz_sim_demand(minute);
    char v[96];
    bool heartbeat_only = false;
    v[0] = '\0';
    switch (d->kind) {
    case YZ_DEV_BATTERY_CABINET: {
        /* Riders take charged batteries and leave flat ones; a flat one is charged again in
         * about two hours (each flat battery finishes with probability 1/120 a minute). */
        /* Swaps grow faster than the crowd: riders come in waves at meal times. */
        int swaps =
            open ? poisson(&d->r, d->swaps_per_min * demand * demand * YZ_SIM_STEP_S / 60.0) : 0;
        d->charged = clampi(d->charged - swaps, 0, d->slots);
        int flat = d->slots - d->charged, done = 0;
        for (int i = 0; i < flat; i++)
            done += rng_unit(&d->r) < YZ_SIM_STEP_S / 7200.0;
        d->charged = clampi(d->charged + done, 0, d->slots);
        snprintf(v, sizeof v, "{\"charged\":%d,\"slots\":%d,\"fault\":0}", d->charged, d->slots);
        break;
    }
    case YZ_DEV_PEOPLE_COUNTER: {
        /* People inside follow the demand (up to the seats and a few standing), moving half way
         * to it each step, with noise. */
        int target = 0;
        if (open)
            target = (int)lround(demand * d->seats * 1.1 + (rng_unit(&d->r) - 0.5) * 3);
        d->inside = clampi((d->inside + clampi(target, 0, 2000) + 1) / 2, 0, 2000);
        int free_seats = clampi(d->seats - d->inside, 0, 2000);
        snprintf(v, sizeof v, "{\"inside\":%d,\"seats_free\":%d}", d->inside, free_seats);
        break;
    }
    case YZ_DEV_DOOR:
        /* Sent when it changes; between changes a heartbeat keeps the device seen. */
        if (d->open != (int)open) {
            d->open = open;
            snprintf(v, sizeof v, "{\"open\":%d}", d->open);
        } else {
            heartbeat_only = true;
        }
        break;
    case YZ_DEV_AIR_CONDITIONER: {
        double outdoor = yz_sim_outdoor_c(month, minute);
        /* The flaky unit stops on hot afternoons (13:00-17:00 at 30 °C or more outside). */
        bool fault = d->flaky && outdoor >= 30 && minute >= 13 * 60 && minute < 17 * 60;
        bool on = open && !fault && (outdoor > 26 || outdoor < 12);
        double goal = on ? (outdoor > 26 ? 26 : 20) : outdoor + 2; /* a shut room gains heat */
        d->room_c += (goal - d->room_c) * 0.2 + (rng_unit(&d->r) - 0.5) * 0.2;
        if (d->room_c < -40)
            d->room_c = -40;
        if (d->room_c > 70)
            d->room_c = 70;
        snprintf(v, sizeof v, "{\"on\":%d,\"temp_c\":%.1f,\"fault\":%d}", on, d->room_c, fault);
        break;
    }
    case YZ_DEV_WATER_DISPENSER: snprintf(v, sizeof v, "{\"fault\":0}"); break;
    case YZ_DEV_POWER: snprintf(v, sizeof v, "{\"on\":1}"); break;
    default: return 0;
    }
    bool due = !d->last_sent || t - d->last_sent >= YZ_SIM_RESEND_S;
    if (heartbeat_only) {
        if (!due)
            return 0;
        snprintf(v, sizeof v, "{}");
    } else if (!due && !strcmp(v, d->last)) {
        return 0;
    }
    if (!heartbeat_only)
        snprintf(d->last, sizeof d->last, "%s", v);
    d->last_sent = t;
    size_t n = strlen(v);
    if (n + 1 > cap)
        return 0;
    memcpy(out, v, n + 1);
    return n;
}
