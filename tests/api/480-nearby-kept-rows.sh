#!/usr/bin/env bash
# backends: sqlite pg
# Nearby rows are kept per handler thread under the serials of the snapshot, the events index
# and the rating totals (api/rowcache.c): a row is never served stale. After each kind of
# write (a station renamed, a rating, an event today) the next answers carry it at once, and
# every full answer (rows kept or rendered) equals the masked renderer's, which keeps nothing,
# byte for byte once `live` (not asked of the masked one) is deleted from both. In both
# languages, asked several times so that rows come from the kept copies of each thread.
set -eu
T=$CASE_TMP
members=(id code name address district facilities tier status partner_kind partner_name
         lat lon crs distance_m open_now next_change rating today nav)
oracle=$(IFS=,; echo "${members[*]}")
pt=$(curl -s "$BASE/api/v1/stations/WZ-GHDS" | jq -r '"lat=\(.lat)&lon=\(.lon)"')
# Wednesday 3 March 2027, 07:30 in Wenzhou
at='at=2027-03-03T07:30:00%2B08:00'
checks=0
check() { # label: for each language, the full answer asked 4 times equals the masked one
    for lang in "" "&lang=zh-Hant"; do
        url="$BASE/api/v1/stations/nearby?$pt&k=10&$at$lang"
        curl -s "$url&fields=$oracle" | jq -c '.stations |= map(del(.live))' >"$T/want"
        [ "$(jq '.stations | length' "$T/want")" = 10 ] || { echo "$1: $(head -c 300 "$T/want")"; exit 1; }
        for i in 1 2 3 4; do
            curl -s "$url" | jq -c '.stations |= map(del(.live))' >"$T/got"
            cmp -s "$T/got" "$T/want" || { echo "$1$lang, ask $i: the full answer differs from the masked one";
                diff <(jq . "$T/want") <(jq . "$T/got") | head -20; exit 1; }
            checks=$((checks + 1))
        done
    done
    cp "$T/got" "$T/last" # zh-Hant
    curl -s "$BASE/api/v1/stations/nearby?$pt&k=10&$at" >"$T/last-hans"
}
check "before any write"
[ "$(jq -r '.stations[0].code' "$T/last-hans")" = WZ-GHDS ] || { echo "WZ-GHDS is not first"; exit 1; }

# A station write publishes a new snapshot: the new name at once.
curl -s "$BASE/api/v1/stations/WZ-GHDS" >"$T/st"
id=$(jq -r .id "$T/st")
v=$(jq -r .version "$T/st")
c=$(curl -s -o "$T/p" -w '%{http_code}' -X PATCH "$BASE/api/v1/stations/$id" \
    -H "Authorization: Bearer $TOKEN" -H "If-Match: \"$v\"" -H 'Content-Type: application/json' \
    -d '{"name":"鹿城区工会驿站（东门）"}')
[ "$c" = 200 ] || { echo "PATCH: $c $(cat "$T/p")"; exit 1; }
check "after the rename"
[ "$(jq -r '.stations[0].name' "$T/last-hans")" = "鹿城区工会驿站（东门）" ] ||
    { echo "renamed: $(jq -r '.stations[0].name' "$T/last-hans")"; exit 1; }
jq -r '.stations[0].nav.amap' "$T/last-hans" | grep -q '%EF%BC%88%E4%B8%9C%E9%97%A8%EF%BC%89' ||
    { echo "the links carry the old name"; exit 1; }
[ "$(jq -r '.stations[0].name' "$T/last")" = "鹿城區工會驛站（東門）" ] ||
    { echo "renamed, zh-Hant: $(jq -r '.stations[0].name' "$T/last")"; exit 1; }

# A rating publishes new totals: counted at once.
n0=$(jq -r '.stations[0].rating.count' "$T/last-hans")
tok=$(curl -s -X POST "$BASE/api/v1/workers" -H 'Content-Type: application/json' \
    -d '{"occupation":"courier"}' | jq -r .token)
c=$(curl -s -o "$T/p" -w '%{http_code}' -X POST "$BASE/api/v1/stations/WZ-GHDS/ratings" \
    -H "Authorization: Bearer $tok" -H 'Content-Type: application/json' -d '{"stars":5}')
[ "$c" = 201 ] || { echo "rating: $c $(cat "$T/p")"; exit 1; }
check "after the rating"
[ "$(jq -r '.stations[0].rating.count' "$T/last-hans")" = $((n0 + 1)) ] ||
    { echo "rating count $(jq -r '.stations[0].rating.count' "$T/last-hans"), want $((n0 + 1))"; exit 1; }

# An event publishes a new index: today's occurrence at once.
ev=$(curl -s -X POST "$BASE/api/v1/events" -H "Authorization: Bearer $TOKEN" \
    -H 'Content-Type: application/json' \
    -d '{"station":"WZ-GHDS","title":"早餐补给","category":"free_meal","capacity":20,
         "weekly":{"days":["We"],"start":"07:00","end":"09:00","from":"2027-01-01"}}' | jq -r .id)
[ "$ev" -gt 0 ] 2>/dev/null || { echo "event not created: $ev"; exit 1; }
check "after the event"
jq -e --argjson ev "$ev" '.stations[0].today | map(.id) | index($ev) != null' "$T/last-hans" >/dev/null ||
    { echo "today lacks event $ev: $(jq -c '.stations[0].today' "$T/last-hans")"; exit 1; }
# The next day's answer is another row: not Wednesday's occurrence.
curl -s "$BASE/api/v1/stations/nearby?$pt&k=10&at=2027-03-04T07:30:00%2B08:00" |
    jq -e --argjson ev "$ev" '[.stations[0].today // [] | .[] | select(.id == $ev)] | length == 0' >/dev/null ||
    { echo "Thursday shows Wednesday's event"; exit 1; }
echo "$checks full answers equal to the masked renderer's"
