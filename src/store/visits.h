/* SPDX-License-Identifier: MIT */
/* store/visits.h - the store's visits area (placeholder until the area lands). */
#ifndef YZ_STORE_VISITS_H
#define YZ_STORE_VISITS_H

#include "store/store.h"

struct yz_store_visit_ops {
    yz_store_area area;
};

#endif
