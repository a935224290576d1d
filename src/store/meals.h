/* SPDX-License-Identifier: MIT */
/* store/meals.h - the store's meals area (placeholder until the area lands). */
#ifndef YZ_STORE_MEALS_H
#define YZ_STORE_MEALS_H

#include "store/store.h"

struct yz_store_meal_ops {
    yz_store_area area;
};

#endif
