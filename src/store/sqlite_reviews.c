/* SPDX-License-Identifier: MIT */
/* store/sqlite_reviews.c - the reviews area of the SQLite backend (placeholder). */
#include "store/sqlite_int.h"

const struct yz_store_review_ops yz__sqlite_review_ops = {{"reviews", NULL}};
