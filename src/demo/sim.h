/* SPDX-License-Identifier: MIT */
/* demo/sim.h - the day model of the device simulator (`yizhan simulate`,
 * docs/internals/simulate.md): what each demo device measures minute by minute. Riders swap
 * batteries and people come in at the lunch (11:00-13:00) and dinner (17:00-19:30) peaks, so
 * cabinets drain then and recharge between; doors close when the station closes; air
 * conditioners follow Wenzhou's weather, and one of them fails on hot afternoons. Pure and
 * deterministic: the same seed and steps give the same values. */
#ifndef YZ_DEMO_SIM_H
#define YZ_DEMO_SIM_H

#include "demo/rng.h"
#include "model/hours.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define YZ_SIM_STEP_S 60         /* simulated seconds between two steps */
#define YZ_SIM_RESEND_S 300      /* simulated seconds after which unchanged values are sent again */
#define YZ_SIM_TZ_OFFSET_MIN 480 /* Asia/Shanghai, no daylight saving */

typedef struct yz_sim_device {
    int64_t id;
    int kind;              /* enum yz_device_kind */
    const yz_hours *hours; /* the station's opening hours, borrowed; NULL: always open */
    int seats;             /* people_counter: the station's seats (≥ 1) */
    bool flaky;            /* the air conditioner that fails on hot afternoons */
    /* Set by yz_sim_device_init, then the state of the model: */
    int slots;            /* battery_cabinet: 8..16 */
    double swaps_per_min; /* battery_cabinet: riders' swaps a minute at the height of a peak */
    int charged;          /* battery_cabinet */
    int inside;           /* people_counter */
    int open;             /* door: 0/1, -1 before the first step */
    double room_c;        /* air_conditioner: the room's temperature */
    int64_t last_sent;    /* simulated unix seconds of the last message, 0: never */
    char last[96];        /* the values last sent */
    rng r;
} yz_sim_device;

/* Set up `d` (id, kind, hours, seats, flaky filled in by the caller) for `seed`: its own random
 * stream from (seed, id), its cabinet's size and a full cabinet. */
void yz_sim_device_init(yz_sim_device *d, uint64_t seed);

/* How busy the city is at minute `minute` of the local day (0..1439), 0.1..1: 1 at the height
 * of the lunch and dinner peaks, lowest at night. */
double yz_sim_demand(int minute);

/* Wenzhou's outdoor temperature (°C) in month 1..12 at minute `minute` of the local day: the
 * month's mean daily low at 05:00, its mean high at 15:00. */
double yz_sim_outdoor_c(int month, int minute);

/* Advance `d` by one step to simulated instant `t` (unix seconds) in `month` (1..12) and write
 * the message's values, a JSON object such as {"charged":5,"slots":12,"fault":0} ("{}" is a
 * heartbeat), into out (NUL-terminated). Returns its length, or 0 when nothing is due this step
 * (values unchanged and sent less than YZ_SIM_RESEND_S ago). Every value is within the
 * contract's range for the kind. */
size_t yz_sim_step(yz_sim_device *d, int64_t t, int month, char *out, size_t cap);

#endif
