/* SPDX-License-Identifier: MIT */
/* demo/city.h - the demo city: about 850 stations over Wenzhou's 12 districts and counties,
 * made deterministically from a seed around hand-authored places on land
 * (docs/internals/demo.md). Used by `yizhan demo` and by tests. Pure computation on
 * constant tables: thread-safe. */
#ifndef YZ_CITY_H
#define YZ_CITY_H

#include "core/err.h"
#include "model/station.h"

#include <stddef.h>
#include <stdint.h>

/* What every generated city holds, whatever the seed. */
#define YZ_DEMO_STATIONS 850   /* stations in all */
#define YZ_DEMO_DISTRICTS 12   /* districts and counties of Wenzhou */
#define YZ_DEMO_LIVELIHOOD 110 /* stations with livelihood = true */
#define YZ_DEMO_CONVENIENCE 15 /* convenience-store stations, all smart24h and "24/7" */
#define YZ_DEMO_GAS 26         /* gas-station stations, all smart24h and "24/7" */
#define YZ_DEMO_BENCHMARK 110  /* stations of tier benchmark (12.9 %) */
#define YZ_DEMO_SMART24H 165   /* stations of tier smart24h (19.4 %), the 41 above included */
/* The station in the city trade union building (工会大厦), first of 鹿城区. */
#define YZ_DEMO_UNION_CODE "WZ-GHDS"

/* A place stations are put around: a street or town centre, a business district. */
typedef struct yz_demo_anchor {
    const char *district_code; /* GB/T 2260 code of the district it lies in, "330302" */
    const char *street; /* 街道 or 镇, "五马街道"; "" in 龙港市, which has neither */
    const char *place;  /* short name used in station names, "五马" */
    const char *roads;  /* road names for addresses, '|'-separated; "" for weight 0 */
    double lat, lon;    /* WGS-84 degrees of the centre */
    int radius_m;       /* every station of the place lies within this many metres */
    int weight;         /* share of its district's stations; 0 = one named station */
} yz_demo_anchor;

/* The anchor table, grouped by district. Returns borrowed static data and its length in *n. */
const yz_demo_anchor *yz_demo_anchors(size_t *n);

/* Generate the demo city from `seed`: the same seed gives the same stations, field by field,
 * on every run. Station counts per district, partner and tier are the same for every seed
 * (see the constants above); positions, names, hours, facilities and the rest vary.
 * On success returns YZ_OK with owned arrays in *stations (YZ_DEMO_STATIONS records, ids 0,
 * codes "WZ-GHDS" then "WZ0001"...) and *districts (YZ_DEMO_DISTRICTS records, Wenzhou's
 * GB/T 2260 order); free them with yz_station_array_free() and a yz_district_fini() loop
 * followed by yz_free(). Returns YZ_EINVAL (and leaves the out-parameters untouched) if
 * any out-parameter is NULL. `ei` may be NULL. */
int yz_demo_generate(uint64_t seed, yz_station **stations, size_t *n_stations,
                     yz_district **districts, size_t *n_districts, yz_errinfo *ei);

#endif
