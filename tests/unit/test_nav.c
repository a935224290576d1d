/* SPDX-License-Identifier: MIT */
/* tests/unit/test_nav.c - geo/nav: each app's link carries GCJ-02 in that app's coordinate
 * order, the documented mode names and parameters, and a percent-encoded name; the combined
 * JSON object is well formed. Expected GCJ-02 values come from published vectors. */
#include "core/alloc.h"
#include "core/buf.h"
#include "geo/nav.h"

#include <criterion/criterion.h>

#include <string.h>

/* WGS-84 (116.404, 39.915), whose GCJ-02 image (116.41024449916938, 39.91640428150164) is
 * published by wandergis/coordtransform (test/app.js); printed to 6 decimals in links. */
static const yz_point dest_wgs84 = {.lat = 39.915, .lon = 116.404};
#define GCJ_LON "116.410244"
#define GCJ_LAT "39.916404"

/* eviltransform's Shanghai vector (c/test.c): WGS-84 (121.5272106, 31.1774276) ->
 * GCJ-02 (121.531541859215, 31.17530398364597). */
static const yz_point shanghai_wgs84 = {.lat = 31.1774276, .lon = 121.5272106};
#define SH_GCJ_LON "121.531542"
#define SH_GCJ_LAT "31.175304"

/* "鹿城区工会驿站" (Lucheng District union station) in UTF-8, percent-encoded. */
#define NAME "鹿城区工会驿站"
#define NAME_ENC "%E9%B9%BF%E5%9F%8E%E5%8C%BA%E5%B7%A5%E4%BC%9A%E9%A9%BF%E7%AB%99"

typedef void (*nav_fn)(yz_buf *, yz_point, const char *, int);

/* Returns the link `fn` builds, owned by the caller (yz_free). */
static char *link_of(nav_fn fn, yz_point dest, const char *name, int travel)
{
    yz_buf b;
    yz_buf_init(&b);
    fn(&b, dest, name, travel);
    char *s = yz_buf_take(&b);
    yz_buf_fini(&b); /* harmless after take */
    return s;
}

#define ASSERT_CONTAINS(hay, needle)                                                               \
    cr_assert(strstr((hay), (needle)) != NULL, "%s\ndoes not contain\n%s", (hay), (needle))
#define ASSERT_LACKS(hay, needle)                                                                  \
    cr_assert(strstr((hay), (needle)) == NULL, "%s\nshould not contain\n%s", (hay), (needle))

Test(nav, travel_names)
{
    cr_assert_eq(yz_travel_parse("ride"), YZ_TRAVEL_RIDE);
    cr_assert_eq(yz_travel_parse("walk"), YZ_TRAVEL_WALK);
    cr_assert_eq(yz_travel_parse("drive"), YZ_TRAVEL_DRIVE);
    static const char *const bad[] = {"Ride", "riding", "car", "bike", "", "walk ", "drive\n"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_assert_eq(yz_travel_parse(bad[i]), -1, "parsed \"%s\"", bad[i]);
    cr_assert_eq(yz_travel_parse(NULL), -1);
    for (int t = 0; t < YZ_TRAVEL__COUNT; t++)
        cr_assert_eq(yz_travel_parse(yz_travel_name(t)), t);
    cr_assert_str_eq(yz_travel_name(-1), "unknown");
    cr_assert_str_eq(yz_travel_name(YZ_TRAVEL__COUNT), "unknown");
}

/* Amap: to=LON,LAT,NAME (longitude first), GCJ-02, modes ride | walk | car. */
Test(nav, amap)
{
    char *u = link_of(yz_nav_amap, dest_wgs84, NAME, YZ_TRAVEL_RIDE);
    cr_assert_str_eq(u, "https://uri.amap.com/navigation?to=" GCJ_LON "," GCJ_LAT "," NAME_ENC
                        "&mode=ride&src=yizhan&coordinate=gaode&callnative=1");
    yz_free(u);
    u = link_of(yz_nav_amap, dest_wgs84, NAME, YZ_TRAVEL_WALK);
    ASSERT_CONTAINS(u, "&mode=walk&");
    yz_free(u);
    u = link_of(yz_nav_amap, dest_wgs84, NAME, YZ_TRAVEL_DRIVE);
    ASSERT_CONTAINS(u, "&mode=car&");
    yz_free(u);
    /* Without a name, the optional third field is left out rather than sent empty. */
    u = link_of(yz_nav_amap, shanghai_wgs84, NULL, YZ_TRAVEL_WALK);
    ASSERT_CONTAINS(u, "?to=" SH_GCJ_LON "," SH_GCJ_LAT "&mode=walk&");
    yz_free(u);
}

/* Baidu: destination=latlng:LAT,LON (latitude first) with coord_type=gcj02 stated. */
Test(nav, baidu)
{
    char *u = link_of(yz_nav_baidu, dest_wgs84, NAME, YZ_TRAVEL_RIDE);
    cr_assert_str_eq(u, "https://api.map.baidu.com/direction?destination=latlng:" GCJ_LAT
                        "," GCJ_LON "%7Cname:" NAME_ENC
                        "&mode=riding&coord_type=gcj02&output=html&src=webapp.yizhan.yizhan");
    yz_free(u);
    u = link_of(yz_nav_baidu, dest_wgs84, NAME, YZ_TRAVEL_WALK);
    ASSERT_CONTAINS(u, "&mode=walking&");
    ASSERT_CONTAINS(u, "&coord_type=gcj02&");
    yz_free(u);
    u = link_of(yz_nav_baidu, dest_wgs84, NAME, YZ_TRAVEL_DRIVE);
    ASSERT_CONTAINS(u, "&mode=driving&");
    /* No origin: the app starts from the user's position. */
    ASSERT_LACKS(u, "origin=");
    yz_free(u);
    u = link_of(yz_nav_baidu, shanghai_wgs84, "", YZ_TRAVEL_WALK);
    ASSERT_CONTAINS(u, "?destination=latlng:" SH_GCJ_LAT "," SH_GCJ_LON "&mode=walking&");
    ASSERT_LACKS(u, "name:");
    yz_free(u);
}

/* Tencent: tocoord=LAT,LON (latitude first), GCJ-02, types bike | walk | drive. */
Test(nav, tencent)
{
    char *u = link_of(yz_nav_tencent, dest_wgs84, NAME, YZ_TRAVEL_RIDE);
    cr_assert_str_eq(u, "https://apis.map.qq.com/uri/v1/routeplan?type=bike&to=" NAME_ENC
                        "&tocoord=" GCJ_LAT "," GCJ_LON "&coord_type=2&referer=yizhan");
    yz_free(u);
    u = link_of(yz_nav_tencent, dest_wgs84, NAME, YZ_TRAVEL_WALK);
    ASSERT_CONTAINS(u, "?type=walk&");
    yz_free(u);
    u = link_of(yz_nav_tencent, dest_wgs84, NAME, YZ_TRAVEL_DRIVE);
    ASSERT_CONTAINS(u, "?type=drive&");
    ASSERT_LACKS(u, "from");
    yz_free(u);
    /* `to` is required by Tencent: a missing name becomes "终点" (destination). */
    u = link_of(yz_nav_tencent, shanghai_wgs84, NULL, YZ_TRAVEL_DRIVE);
    ASSERT_CONTAINS(u, "&to=%E7%BB%88%E7%82%B9&tocoord=" SH_GCJ_LAT "," SH_GCJ_LON "&");
    yz_free(u);
}

/* Apple: daddr=LAT,LON; d for driving, w for walking and (no cycling flag) for riding. */
Test(nav, apple)
{
    char *u = link_of(yz_nav_apple, dest_wgs84, NAME, YZ_TRAVEL_DRIVE);
    cr_assert_str_eq(u, "https://maps.apple.com/?daddr=" GCJ_LAT "," GCJ_LON "&dirflg=d");
    yz_free(u);
    u = link_of(yz_nav_apple, dest_wgs84, NAME, YZ_TRAVEL_WALK);
    cr_assert_str_eq(u, "https://maps.apple.com/?daddr=" GCJ_LAT "," GCJ_LON "&dirflg=w");
    yz_free(u);
    u = link_of(yz_nav_apple, dest_wgs84, NAME, YZ_TRAVEL_RIDE);
    cr_assert_str_eq(u, "https://maps.apple.com/?daddr=" GCJ_LAT "," GCJ_LON "&dirflg=w");
    yz_free(u);
}

/* Outside China, GCJ-02 is WGS-84, so links carry the input unchanged (Apple Maps abroad and
 * Amap/Tencent abroad all expect WGS-84 there). */
Test(nav, outside_china_uses_wgs84)
{
    yz_point paris = {.lat = 48.8566, .lon = 2.3522};
    char *u = link_of(yz_nav_apple, paris, "Gare", YZ_TRAVEL_WALK);
    cr_assert_str_eq(u, "https://maps.apple.com/?daddr=48.856600,2.352200&dirflg=w");
    yz_free(u);
    u = link_of(yz_nav_amap, paris, "Gare", YZ_TRAVEL_WALK);
    ASSERT_CONTAINS(u, "?to=2.352200,48.856600,Gare&");
    yz_free(u);
    /* Negative coordinates keep their sign. */
    yz_point ny = {.lat = 40.7128, .lon = -74.006};
    u = link_of(yz_nav_tencent, ny, "NY", YZ_TRAVEL_WALK);
    ASSERT_CONTAINS(u, "&tocoord=40.712800,-74.006000&");
    yz_free(u);
}

/* Characters that would break the query or the JSON are encoded: & " space | , and so on. */
Test(nav, name_is_encoded)
{
    const char *nasty = "A&B \"x\" 1|2,3";
    const char *enc = "A%26B%20%22x%22%201%7C2%2C3";
    nav_fn fns[] = {yz_nav_amap, yz_nav_baidu, yz_nav_tencent};
    for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++) {
        char *u = link_of(fns[i], dest_wgs84, nasty, YZ_TRAVEL_WALK);
        ASSERT_CONTAINS(u, enc);
        ASSERT_LACKS(u, "\"");
        ASSERT_LACKS(u, " ");
        ASSERT_LACKS(u, "&B");
        yz_free(u);
    }
}

/* The JSON object: four members in a fixed order, each the per-app link as a JSON string,
 * appended after whatever the buffer already held. */
Test(nav, links_json)
{
    yz_buf b;
    yz_buf_init(&b);
    yz_buf_puts(&b, "{\"nav\":");
    yz_nav_links(&b, dest_wgs84, NAME, YZ_TRAVEL_WALK);
    yz_buf_putc(&b, '}');

    char *amap = link_of(yz_nav_amap, dest_wgs84, NAME, YZ_TRAVEL_WALK);
    char *baidu = link_of(yz_nav_baidu, dest_wgs84, NAME, YZ_TRAVEL_WALK);
    char *tencent = link_of(yz_nav_tencent, dest_wgs84, NAME, YZ_TRAVEL_WALK);
    char *apple = link_of(yz_nav_apple, dest_wgs84, NAME, YZ_TRAVEL_WALK);
    yz_buf want;
    yz_buf_init(&want);
    yz_buf_printf(&want,
                  "{\"nav\":{\"amap\":\"%s\",\"baidu\":\"%s\","
                  "\"tencent\":\"%s\",\"apple\":\"%s\"}}",
                  amap, baidu, tencent, apple);
    cr_assert_str_eq(b.data, want.data);

    /* And the concrete values, so the test does not only compare the code with itself. */
    ASSERT_CONTAINS(b.data, "\"amap\":\"https://uri.amap.com/navigation?to=" GCJ_LON "," GCJ_LAT);
    ASSERT_CONTAINS(b.data,
                    "\"baidu\":\"https://api.map.baidu.com/direction?destination=latlng:" GCJ_LAT
                    "," GCJ_LON);
    ASSERT_CONTAINS(b.data, "\"tencent\":\"https://apis.map.qq.com/uri/v1/routeplan?type=walk&");
    ASSERT_CONTAINS(b.data, "\"apple\":\"https://maps.apple.com/?daddr=" GCJ_LAT "," GCJ_LON
                            "&dirflg=w\"}}");

    yz_free(amap);
    yz_free(baidu);
    yz_free(tencent);
    yz_free(apple);
    yz_buf_fini(&want);
    yz_buf_fini(&b);
}
