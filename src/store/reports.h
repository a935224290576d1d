/* SPDX-License-Identifier: MIT */
/* store/reports.h - the store's reports area (placeholder until the area lands). */
#ifndef YZ_STORE_REPORTS_H
#define YZ_STORE_REPORTS_H

#include "store/store.h"

struct yz_store_report_ops {
    yz_store_area area;
};

#endif
