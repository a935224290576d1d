/* SPDX-License-Identifier: MIT */
/* geo/coord.c - WGS-84 / GCJ-02 / BD-09 conversions and great-circle distance.
 * The forward formulas are the published ones (see docs/internals/coord.md for provenance);
 * the inverses are solved by fixed-point iteration instead of the usual one-step guess. */
#include "geo/coord.h"

#include "core/err.h"

#include <assert.h>
#include <math.h>
#include <string.h>

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

/* The constants of the GCJ-02 formula: the semi-major axis and squared eccentricity of the
 * Krasovsky 1940 ellipsoid, which the leaked formula uses to turn its offsets into degrees. */
#define GCJ_A 6378245.0
#define GCJ_EE 0.00669342162296594323

/* BD-09 works in units of pi * 3000 / 180 radians. */
#define BD_X_PI (M_PI * 3000.0 / 180.0)

#define EARTH_MEAN_RADIUS_M 6371008.8

/* Iteration limits for the inverses. Each step of the GCJ-02 inverse gains two to three
 * decimal digits (the offset's derivative is below 1e-2), so 1e-12 is reached in about six
 * steps; the cap only guards the rectangle's edges, where no exact inverse exists. */
#define INV_EPS_DEG 1e-12
#define INV_MAX_ITER 30

static const char *const crs_names[YZ_CRS__COUNT] = {
    [YZ_CRS_WGS84] = "wgs84",
    [YZ_CRS_GCJ02] = "gcj02",
    [YZ_CRS_BD09] = "bd09",
};

const char *yz_crs_name(int crs)
{
    if (crs < 0 || crs >= YZ_CRS__COUNT)
        return "unknown";
    return crs_names[crs];
}

int yz_crs_parse(const char *s)
{
    if (!s)
        return -1;
    for (int i = 0; i < YZ_CRS__COUNT; i++) {
        if (strcmp(s, crs_names[i]) == 0)
            return i;
    }
    return -1;
}

int yz_coord_check(double lat, double lon)
{
    /* Written so that NaN, which fails every comparison, falls into the error branch. */
    if (!(lat >= -90.0 && lat <= 90.0) || !(lon >= -180.0 && lon <= 180.0))
        return YZ_EINVAL;
    return YZ_OK;
}

int yz_coord_out_of_china(yz_point p)
{
    return p.lon < 72.004 || p.lon > 137.8347 || p.lat < 0.8293 || p.lat > 55.8271;
}

/* The two polynomial-plus-sines terms of the GCJ-02 formula, with x = lon - 105 and
 * y = lat - 35. Their result is in metre-like units that gcj_offset() scales to degrees.
 * The order of operations follows the published code so that results agree to the last bits
 * with the test vectors of other libraries. */
static double gcj_term_lat(double x, double y)
{
    double r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * sqrt(fabs(x));
    r += (20.0 * sin(6.0 * x * M_PI) + 20.0 * sin(2.0 * x * M_PI)) * 2.0 / 3.0;
    r += (20.0 * sin(y * M_PI) + 40.0 * sin(y / 3.0 * M_PI)) * 2.0 / 3.0;
    r += (160.0 * sin(y / 12.0 * M_PI) + 320.0 * sin(y * M_PI / 30.0)) * 2.0 / 3.0;
    return r;
}

static double gcj_term_lon(double x, double y)
{
    double r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * sqrt(fabs(x));
    r += (20.0 * sin(6.0 * x * M_PI) + 20.0 * sin(2.0 * x * M_PI)) * 2.0 / 3.0;
    r += (20.0 * sin(x * M_PI) + 40.0 * sin(x / 3.0 * M_PI)) * 2.0 / 3.0;
    r += (150.0 * sin(x / 12.0 * M_PI) + 300.0 * sin(x / 30.0 * M_PI)) * 2.0 / 3.0;
    return r;
}

/* The GCJ-02 offset in degrees at WGS-84 position `w` (inside the rectangle). */
static yz_point gcj_offset(yz_point w)
{
    double dlat = gcj_term_lat(w.lon - 105.0, w.lat - 35.0);
    double dlon = gcj_term_lon(w.lon - 105.0, w.lat - 35.0);
    double rad_lat = w.lat / 180.0 * M_PI;
    double magic = sin(rad_lat);
    magic = 1 - GCJ_EE * magic * magic;
    double sqrt_magic = sqrt(magic);
    dlat = (dlat * 180.0) / ((GCJ_A * (1 - GCJ_EE)) / (magic * sqrt_magic) * M_PI);
    dlon = (dlon * 180.0) / (GCJ_A / sqrt_magic * cos(rad_lat) * M_PI);
    return (yz_point){.lat = dlat, .lon = dlon};
}

yz_point yz_coord_wgs84_to_gcj02(yz_point wgs)
{
    if (yz_coord_out_of_china(wgs))
        return wgs;
    yz_point d = gcj_offset(wgs);
    return (yz_point){.lat = wgs.lat + d.lat, .lon = wgs.lon + d.lon};
}

/* Solve forward(x) = target for x by the fixed-point iteration x <- x - (forward(x) - target).
 * It converges because forward(x) - x varies slowly: its derivative is below 1e-2 for both
 * offsets, so the error shrinks a hundredfold per step. Starting from the target itself, the
 * first step is the familiar one-step approximation; the rest refine it. Returns the iterate
 * with the smallest residual, so that where no exact inverse exists (the GCJ rectangle's edges)
 * the answer is still the best one seen. */
static yz_point invert(yz_point target, yz_point (*forward)(yz_point))
{
    yz_point x = target;
    yz_point best = x;
    double best_res = INFINITY;
    for (int i = 0; i < INV_MAX_ITER; i++) {
        yz_point f = forward(x);
        double dlat = f.lat - target.lat;
        double dlon = f.lon - target.lon;
        double res = fmax(fabs(dlat), fabs(dlon));
        if (res < best_res) {
            best_res = res;
            best = x;
        }
        if (res < INV_EPS_DEG)
            break;
        x.lat -= dlat;
        x.lon -= dlon;
    }
    return best;
}

yz_point yz_coord_gcj02_to_wgs84(yz_point gcj)
{
    /* Outside the rectangle the forward map is the identity, so `gcj` is its own preimage. */
    if (yz_coord_out_of_china(gcj))
        return gcj;
    return invert(gcj, yz_coord_wgs84_to_gcj02);
}

yz_point yz_coord_gcj02_to_bd09(yz_point gcj)
{
    double x = gcj.lon, y = gcj.lat;
    double z = sqrt(x * x + y * y) + 0.00002 * sin(y * BD_X_PI);
    double theta = atan2(y, x) + 0.000003 * cos(x * BD_X_PI);
    return (yz_point){.lat = z * sin(theta) + 0.006, .lon = z * cos(theta) + 0.0065};
}

yz_point yz_coord_bd09_to_gcj02(yz_point bd)
{
    return invert(bd, yz_coord_gcj02_to_bd09);
}

yz_point yz_coord_wgs84_to_bd09(yz_point wgs)
{
    return yz_coord_gcj02_to_bd09(yz_coord_wgs84_to_gcj02(wgs));
}

yz_point yz_coord_bd09_to_wgs84(yz_point bd)
{
    return yz_coord_gcj02_to_wgs84(yz_coord_bd09_to_gcj02(bd));
}

yz_point yz_coord_convert(yz_point p, int from_crs, int to_crs)
{
    assert(from_crs >= 0 && from_crs < YZ_CRS__COUNT);
    assert(to_crs >= 0 && to_crs < YZ_CRS__COUNT);
    if (from_crs == to_crs)
        return p;
    /* Go through WGS-84, except between GCJ-02 and BD-09, which are one step apart. */
    if (from_crs == YZ_CRS_GCJ02 && to_crs == YZ_CRS_BD09)
        return yz_coord_gcj02_to_bd09(p);
    if (from_crs == YZ_CRS_BD09 && to_crs == YZ_CRS_GCJ02)
        return yz_coord_bd09_to_gcj02(p);
    yz_point wgs = p;
    if (from_crs == YZ_CRS_GCJ02)
        wgs = yz_coord_gcj02_to_wgs84(p);
    else if (from_crs == YZ_CRS_BD09)
        wgs = yz_coord_bd09_to_wgs84(p);
    if (to_crs == YZ_CRS_GCJ02)
        return yz_coord_wgs84_to_gcj02(wgs);
    if (to_crs == YZ_CRS_BD09)
        return yz_coord_wgs84_to_bd09(wgs);
    return wgs;
}

double yz_coord_distance_m(yz_point a, yz_point b)
{
    double rad = M_PI / 180.0;
    double dlat = (b.lat - a.lat) * rad;
    double dlon = (b.lon - a.lon) * rad;
    double s1 = sin(dlat / 2.0);
    double s2 = sin(dlon / 2.0);
    double h = s1 * s1 + cos(a.lat * rad) * cos(b.lat * rad) * s2 * s2;
    /* Rounding can push h a hair above 1 for antipodal points; asin would return NaN. */
    if (h > 1.0)
        h = 1.0;
    return 2.0 * EARTH_MEAN_RADIUS_M * asin(sqrt(h));
}
