/* SPDX-License-Identifier: MIT */
/* model/facility.h - the facilities every new database starts with. Facilities are data: the
 * store seeds its `facilities` table from this list and more can be added there; the catalog
 * reads the table, not this list. */
#ifndef YZ_FACILITY_H
#define YZ_FACILITY_H

#include <stddef.h>

typedef struct yz_facility_seed {
    const char *code;
    const char *label;      /* zh-Hans */
    const char *label_hant; /* zh-Hant */
    const char *label_en;
    int bit;                /* stable bit in a station's facility mask */
} yz_facility_seed;

extern const yz_facility_seed yz_facility_seeds[];
extern const size_t yz_facility_seed_count;

/* The bit of seed facility `code`, or -1. For the demo generator and tests. */
int yz_facility_seed_bit(const char *code);

#endif
