/* SPDX-License-Identifier: MIT */
/* store/events.h - the store's events area (placeholder until the area lands). */
#ifndef YZ_STORE_EVENTS_H
#define YZ_STORE_EVENTS_H

#include "store/store.h"

struct yz_store_event_ops {
    yz_store_area area;
};

#endif
