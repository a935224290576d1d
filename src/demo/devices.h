/* SPDX-License-Identifier: MIT */
/* demo/devices.h - the demo city's station devices (issue 14): battery-swap cabinets, people
 * counters, doors, air conditioners and mains power at its smart stations, for `yizhan demo
 * --devices` and the simulator (`yizhan simulate`, docs/internals/simulate.md). */
#ifndef YZ_DEMO_DEVICES_H
#define YZ_DEMO_DEVICES_H

#include "core/err.h"
#include "model/station.h"
#include "store/store.h"

#include <stddef.h>
#include <stdint.h>

/* The kinds of device a demo station gets, as a mask of (1 << enum yz_device_kind), 0 for
 * none: convenience stores and gas stations get a people counter, a door, an air conditioner
 * and mains power, plus a battery cabinet when they offer battery swap (`battery_swap_bit` is
 * that facility's bit in s->facilities, 0 to ignore it); China Tower rider homes get a battery
 * cabinet, a door and mains power; the union building gets all but power. Pure. */
unsigned yz_demo_device_kinds(const yz_station *s, uint64_t battery_swap_bit);

/* Register the devices above for every station of `st` (each with a fresh random key, so
 * libsodium must be initialised), in station order, their names in Chinese ("换电柜"). The
 * stations whose devices exist already are skipped, so loading twice adds nothing. *added
 * (may be NULL) gets how many were made. YZ_OK or a store error; `ei` may be NULL. */
int yz_demo_devices(yz_store *st, size_t *added, yz_errinfo *ei);

#endif
