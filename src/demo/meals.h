/* SPDX-License-Identifier: MIT */
/* demo/meals.h - the demo city's 10-yuan meals: a canteen at the trade-union building, a few
 * community kitchens at community stations and one partner canteen, each with offers for today
 * and the next 6 days, made deterministically from a seed. Used by `yizhan demo`. */
#ifndef YZ_DEMO_MEALS_H
#define YZ_DEMO_MEALS_H

#include "core/err.h"
#include "store/store.h"

#include <stdint.h>

#define YZ_DEMO_MEAL_CANTEENS 5 /* canteens made (when the city has 3 community stations) */
#define YZ_DEMO_MEAL_DAYS 7     /* today and the next 6 days */

/* Add the demo canteens and their offers for the 7 local days starting with the day of `now`
 * (unix seconds) to `st`, whose stations must include the demo city's: the union building
 * (YZ_DEMO_UNION_CODE) and community stations, looked up in yz_store_load_stations. The same
 * seed, stations and day give the same canteens and dishes. Each record is its own
 * transaction: a failure part-way leaves the records made before it. Returns YZ_OK,
 * YZ_ENOTFOUND when the union-building station is missing, or a store error; `ei` may be
 * NULL. */
int yz_demo_meals(yz_store *st, uint64_t seed, int64_t now, yz_errinfo *ei);

#endif
