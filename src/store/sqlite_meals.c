/* SPDX-License-Identifier: MIT */
/* store/sqlite_meals.c - the meals area of the SQLite backend (placeholder). */
#include "store/sqlite_int.h"

const struct yz_store_meal_ops yz__sqlite_meal_ops = {{"meals", NULL}};
