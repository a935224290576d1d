/* SPDX-License-Identifier: MIT */
/* geo/nav.c - route links for Amap, Baidu, Tencent and Apple Maps. Each builder says which
 * document its format follows and what that document leaves open.
 * All four links carry GCJ-02: three apps draw GCJ-02 natively, and Baidu is told so. */
#include "geo/nav.h"

#include <assert.h>
#include <string.h>

/* Who we are, for the apps' usage statistics. */
#define NAV_SRC "yizhan"

/* Coordinates are printed with 6 decimals (0.1 m), the precision Amap and Baidu document as
 * their maximum, by yz_buf_fixed (no printf: links are built for every search result). */
#define NAV_DECIMALS YZ_NAV_DECIMALS

/* A destination ready for links: GCJ-02 latitude and longitude already printed with
 * NAV_DECIMALS decimals, and the percent-encoded name ("" = none). All borrowed. */
typedef struct nav_dest {
    const char *lat, *lon;
    const char *name_url;
    size_t lat_len, lon_len, name_len;
} nav_dest;

/* Storage for a destination made from numbers. */
typedef struct nav_text {
    char lat[32], lon[32];
} nav_text;

static void dest_init(nav_dest *d, nav_text *t, yz_point gcj, const char *name_url)
{
    yz_fmt_fixed(t->lat, gcj.lat, NAV_DECIMALS);
    yz_fmt_fixed(t->lon, gcj.lon, NAV_DECIMALS);
    d->lat = t->lat;
    d->lon = t->lon;
    d->name_url = name_url ? name_url : "";
    d->lat_len = strlen(d->lat);
    d->lon_len = strlen(d->lon);
    d->name_len = strlen(d->name_url);
}

/* The builders write through a cursor into room reserved up front (NAV_ROOM): a nearby answer
 * carries 40 links, and appending their 30-odd pieces each with its own capacity check and
 * terminating NUL was a third of their time. */
static char *put(char *p, const char *s, size_t n)
{
    memcpy(p, s, n);
    return p + n;
}
#define PUT_LIT(p, lit) put((p), (lit), sizeof(lit) - 1)

/* Room for any link of `d` and the JSON object around the four: the fixed text of all four
 * with their keys is under 512 bytes, then each coordinate four times, the name three. */
static size_t nav_room(const nav_dest *d)
{
    return 512 + 4 * (d->lat_len + d->lon_len) + 3 * d->name_len;
}

/* "A,B". */
static char *coord_pair(char *p, const char *a, size_t a_len, const char *b, size_t b_len)
{
    p = put(p, a, a_len);
    *p++ = ',';
    return put(p, b, b_len);
}

static char *put_str(char *p, const char *s)
{
    return put(p, s, strlen(s));
}

static const char *const travel_names[YZ_TRAVEL__COUNT] = {
    [YZ_TRAVEL_RIDE] = "ride",
    [YZ_TRAVEL_WALK] = "walk",
    [YZ_TRAVEL_DRIVE] = "drive",
};

int yz_travel_parse(const char *s)
{
    if (!s)
        return -1;
    for (int i = 0; i < YZ_TRAVEL__COUNT; i++) {
        if (strcmp(s, travel_names[i]) == 0)
            return i;
    }
    return -1;
}

const char *yz_travel_name(int travel)
{
    if (travel < 0 || travel >= YZ_TRAVEL__COUNT)
        return "unknown";
    return travel_names[travel];
}

/* Amap URI API, route planning (lbs.amap.com/api/uri-api/guide/travel/route, updated
 * 2025-03-03): `to=lon,lat[,name]`, longitude first; an empty `from` means "the user's current
 * position" on mobile; mode is car | bus | walk | ride ("ride" works on mobile only and needs the
 * Amap app 8.0+ when callnative=1); `src` names the caller; `callnative=1` opens the app when
 * installed. `coordinate=gaode` (GCJ-02, the default) is documented on the URI API's getting
 * started page for markers rather than on the route page; we send it to say what we mean. */
static char *amap(char *p, const nav_dest *d, int travel)
{
    static const char *const modes[YZ_TRAVEL__COUNT] = {
        [YZ_TRAVEL_RIDE] = "ride",
        [YZ_TRAVEL_WALK] = "walk",
        [YZ_TRAVEL_DRIVE] = "car",
    };
    p = PUT_LIT(p, "https://uri.amap.com/navigation?to=");
    p = coord_pair(p, d->lon, d->lon_len, d->lat, d->lat_len);
    if (d->name_len) {
        *p++ = ',';
        p = put(p, d->name_url, d->name_len);
    }
    p = PUT_LIT(p, "&mode=");
    p = put_str(p, modes[travel]);
    return PUT_LIT(p, "&src=" NAV_SRC "&coordinate=gaode&callnative=1");
}

/* Baidu URI API, web route planning (lbsyun.baidu.com, uri/api/web, "公交、驾车、步行导航"):
 * `destination=latlng:lat,lng|name:NAME`, latitude first; `coord_type` one of bd09ll, bd09mc,
 * gcj02, wgs84 (default bd09ll, so we always send it); `output=html` is required on the web;
 * `src` is required and its documented form is "webapp.companyName.appName".
 * We hand Baidu GCJ-02 rather than our own BD-09: Baidu's servers then apply their own
 * conversion, and the published BD-09 formula is only an approximation of it.
 * Open points, checked against the documents available to us:
 *  - `origin`: the web page lists it as required and documents no value meaning "my location";
 *    Baidu's app URI (bdapp://map/direction) documents that a missing origin means the user's
 *    located position, and the web URL opens the app on phones. We omit origin; a desktop
 *    browser then asks for a start point.
 *  - `mode`: the web page lists transit | driving | walking; "riding" is documented for the
 *    app URI only. We send riding for riders and have not confirmed the web page honours it.
 * The '|' separator is sent percent-encoded (%7C), which RFC 3986 requires in a query and
 * which Baidu decodes like any other query byte. */
static char *baidu(char *p, const nav_dest *d, int travel)
{
    static const char *const modes[YZ_TRAVEL__COUNT] = {
        [YZ_TRAVEL_RIDE] = "riding",
        [YZ_TRAVEL_WALK] = "walking",
        [YZ_TRAVEL_DRIVE] = "driving",
    };
    p = PUT_LIT(p, "https://api.map.baidu.com/direction?destination=latlng:");
    p = coord_pair(p, d->lat, d->lat_len, d->lon, d->lon_len);
    if (d->name_len) {
        p = PUT_LIT(p, "%7Cname:");
        p = put(p, d->name_url, d->name_len);
    }
    p = PUT_LIT(p, "&mode=");
    p = put_str(p, modes[travel]);
    return PUT_LIT(p, "&coord_type=gcj02&output=html&src=webapp." NAV_SRC "." NAV_SRC);
}

/* Tencent Maps URI API, web route planning (lbs.qq.com/webApi/uriV1/uriGuide/uriWebRoute):
 * `tocoord=lat,lng`, latitude first; `to` (the destination's name) is required; without `from`
 * and `fromcoord` the mobile page starts from the current position; `coord_type=2` means
 * Tencent's own system, GCJ-02 (the default; sent to say what we mean); `referer` names the
 * caller (the app-side document now asks for a developer key there).
 * Open point: the web page lists type bus | drive | walk; "bike" is documented for the app URI
 * (qqmap://map/routeplan) only. We send bike for riders and have not confirmed the web page
 * honours it. */
static char *tencent(char *p, const nav_dest *d, int travel)
{
    static const char *const types[YZ_TRAVEL__COUNT] = {
        [YZ_TRAVEL_RIDE] = "bike",
        [YZ_TRAVEL_WALK] = "walk",
        [YZ_TRAVEL_DRIVE] = "drive",
    };
    p = PUT_LIT(p, "https://apis.map.qq.com/uri/v1/routeplan?type=");
    p = put_str(p, types[travel]);
    p = PUT_LIT(p, "&to=");
    /* `to` is required: "终点" (destination, percent-encoded) stands in for a missing name. */
    if (d->name_len)
        p = put(p, d->name_url, d->name_len);
    else
        p = PUT_LIT(p, "%E7%BB%88%E7%82%B9");
    p = PUT_LIT(p, "&tocoord=");
    p = coord_pair(p, d->lat, d->lat_len, d->lon, d->lon_len);
    return PUT_LIT(p, "&coord_type=2&referer=" NAV_SRC);
}

/* Apple Map Links (developer.apple.com, "Map Links"): `daddr` is the destination, here
 * "lat,lon"; `dirflg` is d (driving), w (walking) or r (transit). There is no cycling flag, so
 * riders get walking directions: they never lead onto expressways, where e-bikes are banned,
 * and in the city their length is close to a cycling route. Apple Maps draws GCJ-02 inside
 * China and WGS-84 elsewhere, which is exactly what yz_coord_wgs84_to_gcj02 returns.
 * (The newer unified Maps URLs need iOS 18.4; the old form works everywhere.) */
static char *apple(char *p, const nav_dest *d, int travel)
{
    p = PUT_LIT(p, "https://maps.apple.com/?daddr=");
    p = coord_pair(p, d->lat, d->lat_len, d->lon, d->lon_len);
    return travel == YZ_TRAVEL_DRIVE ? PUT_LIT(p, "&dirflg=d") : PUT_LIT(p, "&dirflg=w");
}

typedef char *(*builder)(char *, const nav_dest *, int);

/* Run the cursor from `p` (room reserved) to what a builder returned: the buffer's new end. */
static void finish(yz_buf *out, char *p, size_t room)
{
    size_t n = (size_t)(p - (out->data + out->len));
    assert(n <= room);
    (void)room;
    out->len += n;
    out->data[out->len] = '\0';
}

/* Run `build` for a WGS-84 destination and a raw name (the public one-link functions). */
static void one(yz_buf *out, builder build, yz_point dest_wgs84, const char *name, int travel)
{
    assert(travel >= 0 && travel < YZ_TRAVEL__COUNT);
    yz_buf enc;
    yz_buf_init(&enc);
    if (name)
        yz_buf_url_encode(&enc, name);
    nav_dest d;
    nav_text t;
    dest_init(&d, &t, yz_coord_wgs84_to_gcj02(dest_wgs84), enc.data);
    size_t room = nav_room(&d);
    yz_buf_reserve(out, room);
    finish(out, build(out->data + out->len, &d, travel), room);
    yz_buf_fini(&enc);
}

void yz_nav_amap(yz_buf *out, yz_point dest_wgs84, const char *name, int travel)
{
    one(out, amap, dest_wgs84, name, travel);
}

void yz_nav_baidu(yz_buf *out, yz_point dest_wgs84, const char *name, int travel)
{
    one(out, baidu, dest_wgs84, name, travel);
}

void yz_nav_tencent(yz_buf *out, yz_point dest_wgs84, const char *name, int travel)
{
    one(out, tencent, dest_wgs84, name, travel);
}

void yz_nav_apple(yz_buf *out, yz_point dest_wgs84, const char *name, int travel)
{
    one(out, apple, dest_wgs84, name, travel);
}

void yz_nav_links_pre(yz_buf *out, const yz_nav_text *dest, int travel)
{
    assert(travel >= 0 && travel < YZ_TRAVEL__COUNT);
    nav_dest d = {dest->lat6, dest->lon6, dest->name_url, dest->lat_len, dest->lon_len,
                  dest->name_len};
    size_t room = nav_room(&d);
    yz_buf_reserve(out, room);
    char *p = out->data + out->len;
    /* The links hold only URL-safe bytes (names are percent-encoded), so they go into the
     * JSON strings as they are. */
    p = PUT_LIT(p, "{\"amap\":\"");
    p = amap(p, &d, travel);
    p = PUT_LIT(p, "\",\"baidu\":\"");
    p = baidu(p, &d, travel);
    p = PUT_LIT(p, "\",\"tencent\":\"");
    p = tencent(p, &d, travel);
    p = PUT_LIT(p, "\",\"apple\":\"");
    p = apple(p, &d, travel);
    p = PUT_LIT(p, "\"}");
    finish(out, p, room);
}

void yz_nav_links(yz_buf *out, yz_point dest_wgs84, const char *name, int travel)
{
    yz_buf enc;
    yz_buf_init(&enc);
    if (name)
        yz_buf_url_encode(&enc, name);
    nav_text t;
    yz_point gcj = yz_coord_wgs84_to_gcj02(dest_wgs84);
    yz_fmt_fixed(t.lat, gcj.lat, NAV_DECIMALS);
    yz_fmt_fixed(t.lon, gcj.lon, NAV_DECIMALS);
    yz_nav_text nt = {t.lat, strlen(t.lat), t.lon, strlen(t.lon), enc.data, enc.len};
    yz_nav_links_pre(out, &nt, travel);
    yz_buf_fini(&enc);
}
