/* SPDX-License-Identifier: MIT */
/* tests/unit/test_alarms.c - the alarms' conditions (docs/internals/alarms.md): which rule
 * watches which kind of device, when each condition holds, and when it began: a held "since"
 * is kept, a door's start is never before the last evaluation that did not see it, a silence
 * is measured from the last message (or from when a never-heard device was first seen). */
#include "live/alarms.h"
#include "model/device.h"

#include <criterion/criterion.h>
#include <string.h>

#define NOW 1764806400000LL
#define MIN 60000LL

static yz_live_dev dev(int kind)
{
    yz_live_dev d;
    memset(&d, 0, sizeof d);
    d.id = 7;
    d.kind = kind;
    return d;
}

static void value(yz_live_dev *d, int metric, double v, int64_t ts)
{
    d->v[metric] = v;
    d->v_ts[metric] = ts;
    if (ts > d->last_seen)
        d->last_seen = ts;
}

Test(alarms, rules_watch_their_kinds)
{
    int64_t since;
    for (int k = 0; k < YZ_DEV__COUNT; k++) {
        yz_live_dev d = dev(k);
        cr_assert_eq(yz_alarm_condition(YZ_ALARM_CABINET_EMPTY, &d, 0, 30 * MIN, true, NOW, 0, 0,
                                        &since) >= 0,
                     k == YZ_DEV_BATTERY_CABINET, "cabinet rule on %s", yz_device_kind_name(k));
        cr_assert_eq(yz_alarm_condition(YZ_ALARM_AC_OFF_HOT, &d, 30, 10 * MIN, true, NOW, 0, 0,
                                        &since) >= 0,
                     k == YZ_DEV_AIR_CONDITIONER);
        cr_assert_eq(yz_alarm_condition(YZ_ALARM_DOOR_OPEN_CLOSED, &d, 0, 5 * MIN, true, NOW, 0,
                                        0, &since) >= 0,
                     k == YZ_DEV_DOOR);
        cr_assert(yz_alarm_condition(YZ_ALARM_NO_HEARTBEAT, &d, 0, 10 * MIN, true, NOW, 0, 0,
                                     &since) >= 0);
    }
}

Test(alarms, cabinet_empty)
{
    yz_live_dev d = dev(YZ_DEV_BATTERY_CABINET);
    int64_t since;
    /* never reported: no condition */
    cr_assert_eq(yz_alarm_condition(YZ_ALARM_CABINET_EMPTY, &d, 0, 0, true, NOW, 0, 0, &since), 0);
    value(&d, YZ_M_CHARGED, 0, NOW - 5 * MIN);
    cr_assert_eq(yz_alarm_condition(YZ_ALARM_CABINET_EMPTY, &d, 0, 0, true, NOW, 0, 0, &since), 1);
    cr_assert_eq(since, NOW - 5 * MIN);
    /* a later 0: still since the first one seen */
    value(&d, YZ_M_CHARGED, 0, NOW - MIN);
    cr_assert_eq(yz_alarm_condition(YZ_ALARM_CABINET_EMPTY, &d, 0, 0, true, NOW, NOW - 5 * MIN,
                                    0, &since),
                 1);
    cr_assert_eq(since, NOW - 5 * MIN);
    value(&d, YZ_M_CHARGED, 1, NOW);
    cr_assert_eq(yz_alarm_condition(YZ_ALARM_CABINET_EMPTY, &d, 0, 0, true, NOW, NOW - 5 * MIN,
                                    0, &since),
                 0);
}

Test(alarms, ac_off_hot)
{
    yz_live_dev d = dev(YZ_DEV_AIR_CONDITIONER);
    int64_t since;
    value(&d, YZ_M_ON, 0, NOW - 3 * MIN);
    /* off, but no temperature known: nothing */
    cr_assert_eq(yz_alarm_condition(YZ_ALARM_AC_OFF_HOT, &d, 30, 0, true, NOW, 0, 0, &since), 0);
    value(&d, YZ_M_TEMP_C, 30, NOW - 2 * MIN);
    /* 30 is not above 30 */
    cr_assert_eq(yz_alarm_condition(YZ_ALARM_AC_OFF_HOT, &d, 30, 0, true, NOW, 0, 0, &since), 0);
    value(&d, YZ_M_TEMP_C, 30.5, NOW - MIN);
    cr_assert_eq(yz_alarm_condition(YZ_ALARM_AC_OFF_HOT, &d, 30, 0, true, NOW, 0, 0, &since), 1);
    cr_assert_eq(since, NOW - MIN, "since the later of the two values");
    value(&d, YZ_M_ON, 1, NOW);
    cr_assert_eq(yz_alarm_condition(YZ_ALARM_AC_OFF_HOT, &d, 30, 0, true, NOW, NOW - MIN, 0,
                                    &since),
                 0);
}

Test(alarms, door_open_while_closed)
{
    yz_live_dev d = dev(YZ_DEV_DOOR);
    int64_t since;
    value(&d, YZ_M_OPEN, 1, NOW - 20 * MIN);
    cr_assert_eq(yz_alarm_condition(YZ_ALARM_DOOR_OPEN_CLOSED, &d, 0, 0, true, NOW, 0, 0, &since),
                 0, "open station");
    /* closed now; the last evaluation (which saw the station open) was 1 minute ago */
    cr_assert_eq(yz_alarm_condition(YZ_ALARM_DOOR_OPEN_CLOSED, &d, 0, 0, false, NOW, 0, NOW - MIN,
                                    &since),
                 1);
    cr_assert_eq(since, NOW - MIN);
    /* no evaluation before: since the door's reading */
    cr_assert_eq(yz_alarm_condition(YZ_ALARM_DOOR_OPEN_CLOSED, &d, 0, 0, false, NOW, 0, 0, &since),
                 1);
    cr_assert_eq(since, NOW - 20 * MIN);
    value(&d, YZ_M_OPEN, 0, NOW);
    cr_assert_eq(yz_alarm_condition(YZ_ALARM_DOOR_OPEN_CLOSED, &d, 0, 0, false, NOW, NOW - MIN, 0,
                                    &since),
                 0);
}

Test(alarms, no_heartbeat)
{
    yz_live_dev d = dev(YZ_DEV_POWER);
    int64_t since;
    /* never heard: first seen now, silent from here */
    cr_assert_eq(yz_alarm_condition(YZ_ALARM_NO_HEARTBEAT, &d, 0, 10 * MIN, true, NOW, 0, 0,
                                    &since),
                 0);
    cr_assert_eq(since, NOW);
    cr_assert_eq(yz_alarm_condition(YZ_ALARM_NO_HEARTBEAT, &d, 0, 10 * MIN, true,
                                    NOW + 10 * MIN - 1, NOW, 0, &since),
                 0);
    cr_assert_eq(yz_alarm_condition(YZ_ALARM_NO_HEARTBEAT, &d, 0, 10 * MIN, true, NOW + 10 * MIN,
                                    NOW, 0, &since),
                 1);
    /* a message: silent since it */
    d.last_seen = NOW + 9 * MIN;
    cr_assert_eq(yz_alarm_condition(YZ_ALARM_NO_HEARTBEAT, &d, 0, 10 * MIN, true, NOW + 10 * MIN,
                                    NOW, 0, &since),
                 0);
    cr_assert_eq(since, NOW + 9 * MIN);
}
