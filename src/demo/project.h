/* SPDX-License-Identifier: MIT */
/* demo/project.h - the demo city's livelihood project: each of its livelihood stations at a
 * milestone consistent with its status (planned: planned or site agreed; building: building
 * or accepted; open and closed for now: open), a few of them overdue, with dates counted
 * back from the day the demo is loaded (docs/internals/project.md). Used by `yizhan demo`. */
#ifndef YZ_DEMO_PROJECT_H
#define YZ_DEMO_PROJECT_H

#include "core/err.h"
#include "store/store.h"

#include <stdint.h>

/* Save the milestones of every livelihood station of `st` (one save a station), from `seed`
 * and the local date of `now` (unix seconds, Beijing time): the same seed, stations and day
 * give the same dates. Returns YZ_OK or the first store error; `ei` may be NULL. */
int yz_demo_project(yz_store *st, uint64_t seed, int64_t now, yz_errinfo *ei);

#endif
