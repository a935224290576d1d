/* SPDX-License-Identifier: MIT */
/* store/reviews.h - the store's reviews area (placeholder until the area lands). */
#ifndef YZ_STORE_REVIEWS_H
#define YZ_STORE_REVIEWS_H

#include "store/store.h"

struct yz_store_review_ops {
    yz_store_area area;
};

#endif
