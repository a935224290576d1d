/* SPDX-License-Identifier: MIT */
/* store/sqlite_events.c - the events area of the SQLite backend (placeholder). */
#include "store/sqlite_int.h"

const struct yz_store_event_ops yz__sqlite_event_ops = {{"events", NULL}};
