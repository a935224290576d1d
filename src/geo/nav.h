/* SPDX-License-Identifier: MIT */
/* geo/nav.h - one-tap navigation links to a station for the map apps workers use (Amap,
 * Baidu, Tencent, Apple), each carrying the coordinate system its app expects.
 * Link formats and the documentation behind them: docs/internals/coord.md.
 * All functions append to a caller-owned yz_buf, borrow their strings, and are thread-safe. */
#ifndef YZ_NAV_H
#define YZ_NAV_H

#include "core/buf.h"
#include "geo/coord.h"

/* How the worker travels to the station. */
enum yz_travel {
    YZ_TRAVEL_RIDE,  /* "ride": bicycle or e-bike, how most delivery riders move */
    YZ_TRAVEL_WALK,  /* "walk" */
    YZ_TRAVEL_DRIVE, /* "drive": car, van, taxi */
    YZ_TRAVEL__COUNT
};

/* Parse exactly "ride", "walk" or "drive". Returns the YZ_TRAVEL_* value, or -1 for anything
 * else, NULL included. */
int yz_travel_parse(const char *s);

/* The name of `travel` ("ride", "walk", "drive"), or "unknown" for any other value.
 * Returns borrowed static text. */
const char *yz_travel_name(int travel);

/* Append to `out` a JSON object with one route link per app, starting from the user's current
 * position and ending at `dest_wgs84`:
 *     {"amap":"https://...","baidu":"https://...","tencent":"https://...","apple":"https://..."}
 * `name` is the station's display name (UTF-8; NULL or "" for none), percent-encoded into each
 * link. `travel` must be a YZ_TRAVEL_* value (asserted). Whatever `out` held is kept. */
void yz_nav_links(yz_buf *out, yz_point dest_wgs84, const char *name, int travel);

/* As yz_nav_links, for the hot path: the destination's GCJ-02 latitude and longitude already
 * printed with 6 decimals (yz_fmt_fixed), and the name already percent-encoded (as
 * yz_buf_url_encode writes it; NULL or "" for none). */
#define YZ_NAV_DECIMALS 6
typedef struct yz_nav_text {
    const char *lat6;     /* GCJ-02 latitude, YZ_NAV_DECIMALS decimals */
    size_t lat_len;
    const char *lon6;     /* GCJ-02 longitude */
    size_t lon_len;
    const char *name_url; /* percent-encoded name, "" for none (never NULL) */
    size_t name_len;
} yz_nav_text;
void yz_nav_links_pre(yz_buf *out, const yz_nav_text *dest, int travel);

/* The four links one by one, for the CLI. Each appends a bare URL (no quotes) to `out`, with
 * the same parameters and rules as yz_nav_links. */

/* https://uri.amap.com/navigation?to=LON,LAT,NAME&mode=ride|walk|car&... in GCJ-02. */
void yz_nav_amap(yz_buf *out, yz_point dest_wgs84, const char *name, int travel);

/* https://api.map.baidu.com/direction?destination=latlng:LAT,LON|name:NAME&mode=...
 * &coord_type=gcj02&... in GCJ-02, latitude first, with the system named explicitly. */
void yz_nav_baidu(yz_buf *out, yz_point dest_wgs84, const char *name, int travel);

/* https://apis.map.qq.com/uri/v1/routeplan?type=bike|walk|drive&to=NAME&tocoord=LAT,LON&...
 * in GCJ-02, latitude first. */
void yz_nav_tencent(yz_buf *out, yz_point dest_wgs84, const char *name, int travel);

/* https://maps.apple.com/?daddr=LAT,LON&dirflg=w|d in GCJ-02 inside China and WGS-84 outside
 * (what Apple Maps shows in each place). Riding maps to walking: the URL scheme has no cycling
 * flag. `name` is not used: the scheme has no label for a destination given by coordinates. */
void yz_nav_apple(yz_buf *out, yz_point dest_wgs84, const char *name, int travel);

#endif
