#!/usr/bin/env bash
# backends: sqlite pg
# The QR PNG is cached by station id, version and scale: a second request is served from the
# cache with the very same bytes and ETag, If-None-Match gets 304, another scale is another
# image, and a station edit (a new code, so a new link in the QR) gives a new ETag and new
# bytes at once, never the stale image. The scale is bounded (400 naming `scale` above 16).
set -eu
T=$CASE_TMP
get() { # path out-file -> prints "status etag x-cache"
    curl -s -D "$T/h" -o "$2" -w '%{http_code}' "$BASE$1" >"$T/code"
    printf '%s %s %s\n' "$(cat "$T/code")" \
        "$(grep -i '^etag:' "$T/h" | cut -d' ' -f2- | tr -d '\r')" \
        "$(grep -i '^x-cache:' "$T/h" | cut -d' ' -f2- | tr -d '\r')"
}
# A station of our own, so that editing it disturbs no other test.
curl -s -o "$T/st" -X POST "$BASE/api/v1/stations" -H "Authorization: Bearer $TOKEN" \
    -H 'Content-Type: application/json' \
    -d '{"code":"QR-CACHE-1","name":"二维码缓存测试驿站","district_code":"330302","lat":28.01,"lon":120.66}'
id=$(jq -r .id "$T/st")
[ "$id" != null ] || { echo "station not created: $(cat "$T/st")"; exit 1; }
read -r c1 e1 x1 < <(get "/api/v1/stations/$id/qr.png?scale=12" "$T/a1.png")
read -r c2 e2 x2 < <(get "/api/v1/stations/$id/qr.png?scale=12" "$T/a2.png")
echo "first: $c1 $e1 $x1; second: $c2 $e2 $x2"
[ "$c1" = 200 ] && [ "$c2" = 200 ] || { echo "status $c1 $c2"; exit 1; }
[ -n "$e1" ] && [ "$e1" = "$e2" ] || { echo "ETag missing or unstable: '$e1' '$e2'"; exit 1; }
[ "$x1" = miss ] && [ "$x2" = hit ] || { echo "not served from the cache: $x1 $x2"; exit 1; }
cmp -s "$T/a1.png" "$T/a2.png" || { echo "the cached PNG differs from the rendered one"; exit 1; }
grep -qi '^cache-control: public' "$T/h" || { echo "no Cache-Control"; exit 1; }
# The same station by code is the same image.
read -r c e x < <(get "/api/v1/stations/QR-CACHE-1/qr.png?scale=12" "$T/a3.png")
[ "$e" = "$e1" ] && [ "$x" = hit ] && cmp -s "$T/a1.png" "$T/a3.png" || { echo "by code: $c $e $x"; exit 1; }
# If-None-Match: 304 without a body.
c=$(curl -s -o "$T/nm" -w '%{http_code}' -H "If-None-Match: $e1" "$BASE/api/v1/stations/$id/qr.png?scale=12")
[ "$c" = 304 ] && [ ! -s "$T/nm" ] || { echo "If-None-Match: $c"; exit 1; }
# Another scale is another image and another ETag.
read -r c e x < <(get "/api/v1/stations/$id/qr.png?scale=4" "$T/s4.png")
[ "$c" = 200 ] && [ "$e" != "$e1" ] && ! cmp -s "$T/s4.png" "$T/a1.png" || { echo "scale 4: $c $e"; exit 1; }
# Edit the station's code: the QR's link changes, so must the image and its ETag.
v=$(jq -r .version "$T/st")
c=$(curl -s -o "$T/p" -w '%{http_code}' -X PATCH "$BASE/api/v1/stations/$id" \
    -H "Authorization: Bearer $TOKEN" -H "If-Match: \"$v\"" -H 'Content-Type: application/json' \
    -d '{"code":"QR-CACHE-2"}')
[ "$c" = 200 ] || { echo "PATCH: $c $(cat "$T/p")"; exit 1; }
read -r c e x < <(get "/api/v1/stations/$id/qr.png?scale=12" "$T/b1.png")
echo "after the edit: $c $e $x"
[ "$c" = 200 ] && [ "$e" != "$e1" ] || { echo "the ETag did not change after the edit: $e"; exit 1; }
! cmp -s "$T/a1.png" "$T/b1.png" || { echo "the stale QR code was served after the edit"; exit 1; }
c=$(curl -s -o /dev/null -w '%{http_code}' -H "If-None-Match: $e1" "$BASE/api/v1/stations/$id/qr.png?scale=12")
[ "$c" = 200 ] || { echo "the old ETag still matched after the edit: $c"; exit 1; }
# The SVG of the new code says the new link (the PNG encodes the same matrix).
curl -s "$BASE/api/v1/stations/$id/qr.svg" | grep -q '/s/QR-CACHE-2<' || { echo "svg not updated"; exit 1; }
# The scale bound.
c=$(curl -s -o "$T/e" -w '%{http_code}' "$BASE/api/v1/stations/$id/qr.png?scale=17")
[ "$c" = 400 ] && jq -e '.field == "scale"' "$T/e" >/dev/null || { echo "scale=17: $c $(cat "$T/e")"; exit 1; }
curl -s -o /dev/null -X DELETE -H "Authorization: Bearer $TOKEN" "$BASE/api/v1/stations/$id" || true
echo ok
