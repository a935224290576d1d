/* SPDX-License-Identifier: MIT */
/* store/sqlite_visits.c - the visits area of the SQLite backend (placeholder). */
#include "store/sqlite_int.h"

const struct yz_store_visit_ops yz__sqlite_visit_ops = {{"visits", NULL}};
