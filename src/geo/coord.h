/* SPDX-License-Identifier: MIT */
/* geo/coord.h - the point type shared by every geographic module, and conversions between the
 * three coordinate systems met in China: WGS-84 (GPS, OpenStreetMap; what we store), GCJ-02
 * (Amap, Tencent, Apple in China) and BD-09 (Baidu). See docs/internals/coord.md.
 * Every function here is pure: no allocation, no global state, safe from any thread. */
#ifndef YZ_COORD_H
#define YZ_COORD_H

/* A position in degrees. Which system it is in is never stored in the value: name variables
 * after it (`at_wgs84`, `dest_gcj02`). */
typedef struct yz_point {
    double lat; /* degrees north, [-90, 90] */
    double lon; /* degrees east, [-180, 180] */
} yz_point;

/* Coordinate reference systems, as accepted by the API's `crs=` parameter. */
enum yz_crs {
    YZ_CRS_WGS84, /* "wgs84": GPS, OpenStreetMap, what the store holds */
    YZ_CRS_GCJ02, /* "gcj02": the Chinese "Mars" offset, used by Amap, Tencent, Apple in China */
    YZ_CRS_BD09,  /* "bd09": Baidu's further offset of GCJ-02 (Baidu calls it bd09ll) */
    YZ_CRS__COUNT
};

/* The name of `crs` ("wgs84", "gcj02", "bd09"), or "unknown" for any other value.
 * Returns borrowed static text. */
const char *yz_crs_name(int crs);

/* Parse exactly "wgs84", "gcj02" or "bd09" (lowercase, no spaces). Returns the YZ_CRS_* value,
 * or -1 for anything else, NULL included. */
int yz_crs_parse(const char *s);

/* Returns YZ_OK if lat is in [-90, 90] and lon in [-180, 180], else YZ_EINVAL (NaN and
 * infinities included). Says nothing about which system the numbers are in. */
int yz_coord_check(double lat, double lon);

/* 1 if `p` lies outside the rectangle in which GCJ-02 applies its offset
 * (lon 72.004..137.8347, lat 0.8293..55.8271, the box every published implementation uses),
 * else 0. The rectangle is coarse: it covers Korea and parts of Japan and misses nothing of
 * China's mainland. */
int yz_coord_out_of_china(yz_point p);

/* WGS-84 to GCJ-02 with the published formula. Points outside the rectangle above are
 * returned unchanged. */
yz_point yz_coord_wgs84_to_gcj02(yz_point wgs);

/* The inverse of yz_coord_wgs84_to_gcj02, found by iteration: the result maps forward to `gcj`
 * within 1e-11 degree (a micrometre; measured worst case 1e-12) everywhere in the rectangle
 * away from its edges, where the one-step formula most libraries use is up to 5 m off. Points
 * outside the rectangle are returned unchanged. Near the rectangle's edges, where the forward
 * map jumps and some points have no preimage, returns the best approximation found. */
yz_point yz_coord_gcj02_to_wgs84(yz_point gcj);

/* GCJ-02 to BD-09 with the published formula. Applied everywhere, inside China or not: Baidu's
 * offset has no rectangle, and applying it everywhere keeps bd09 -> gcj02 -> bd09 exact. */
yz_point yz_coord_gcj02_to_bd09(yz_point gcj);

/* The inverse of yz_coord_gcj02_to_bd09, found by iteration; exact to about 1e-12 degree,
 * where the usual one-step formula is off by up to 2e-6 degree (0.2 m). Applied everywhere. */
yz_point yz_coord_bd09_to_gcj02(yz_point bd);

/* WGS-84 to BD-09: yz_coord_gcj02_to_bd09(yz_coord_wgs84_to_gcj02(wgs)). */
yz_point yz_coord_wgs84_to_bd09(yz_point wgs);

/* BD-09 to WGS-84: yz_coord_gcj02_to_wgs84(yz_coord_bd09_to_gcj02(bd)). */
yz_point yz_coord_bd09_to_wgs84(yz_point bd);

/* Convert `p` from `from_crs` to `to_crs` (YZ_CRS_* values; anything else is a programmer
 * error and asserts). Returns `p` unchanged, bit for bit, when the two are equal. */
yz_point yz_coord_convert(yz_point p, int from_crs, int to_crs);

/* Great-circle distance in metres between `a` and `b` (same system, normally WGS-84), by the
 * haversine formula on a sphere of radius 6371008.8 m (the IUGG mean Earth radius). Within
 * 0.5% of the ellipsoidal distance, which is what ranking by distance needs. */
double yz_coord_distance_m(yz_point a, yz_point b);

#endif
