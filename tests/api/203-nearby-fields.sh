#!/usr/bin/env bash
# backends: sqlite pg
# fields= on nearby: each answer with a member left out must equal the full answer with that
# member deleted (the masked renderer against the full one, member order included), over
# several points, every crs and a station with a rating and today's events; the whole list
# gives the full answer byte for byte; bad lists are refused naming `fields`.
set -eu
members=(id code name address district facilities tier status partner_kind partner_name
         lat lon crs distance_m open_now next_change rating today live nav)
all=$(IFS=,; echo "${members[*]}")

# A rating near the union building, so that `rating` is on some answers.
tok=$(curl -s -X POST "$BASE/api/v1/workers" -H 'Content-Type: application/json' \
    -d '{"occupation":"courier"}' | jq -r .token)
st=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$BASE/api/v1/stations/WZ-GHDS/ratings" \
    -H "Authorization: Bearer $tok" -H 'Content-Type: application/json' -d '{"stars":4}')
[ "$st" = 201 ] || { echo "rating: status $st"; exit 1; }
ghds=$(curl -s "$BASE/api/v1/stations/WZ-GHDS" | jq -r '"lat=\(.lat)&lon=\(.lon)"')

# Friday 07:00 in Wenzhou: the breakfast at WZ-GHDS is today's event.
at='at=2026-11-27T07:00:00%2B08:00'
checked=0
for q in "$ghds&k=10" "lat=28.0&lon=120.65&k=10&crs=gcj02" "lat=27.99&lon=120.70&k=5&crs=bd09" \
         "lat=28.0154&lon=120.6553&k=20&need=toilet&mode=walk" "lat=27.5&lon=120.3&radius_m=50"; do
    url="$BASE/api/v1/stations/nearby?$q&$at"
    curl -s "$url" >"$CASE_TMP/full"
    curl -s "$url&fields=$all" >"$CASE_TMP/all"
    cmp -s "$CASE_TMP/full" "$CASE_TMP/all" || { echo "fields=<all> differs from the default: $q"; exit 1; }
    # Every member left out, and every member alone (asked in a scrambled order with a
    # duplicate): one curl for the 2 x ${#members[@]} answers, one jq comparing each with the
    # full answer so masked (jq -c text, member order included).
    args=()
    i=0
    for m in "${members[@]}"; do
        rest=
        for r in "${members[@]}"; do [ "$r" = "$m" ] || rest=${rest:+$rest,}$r; done
        args+=(-o "$CASE_TMP/got-$(printf %02d $i)a" "$url&fields=$rest" -o "$CASE_TMP/got-$(printf %02d $i)b" "$url&fields=$m,$m")
        i=$((i + 1))
    done
    rm -f "$CASE_TMP"/got-*
    curl -s "${args[@]}" || { echo "curl failed at $q"; exit 1; }
    diffs=$(jq -n -r --arg ms "${members[*]}" '
        input as $full | [inputs] as $got | ($ms | split(" ")) as $ms
        | if ($got | length) != 2 * ($ms | length) then "\($got | length) answers for \($ms | length) members" else
          range(0; $ms | length) as $i | $ms[$i] as $m
          | ($full | .stations |= map(del(.[$m])) | tojson) as $w1
          | ($full | .stations |= map(with_entries(select(.key == $m))) | tojson) as $w2
          | ($got[2 * $i] | tojson) as $g1 | ($got[2 * $i + 1] | tojson) as $g2
          | (if $g1 != $w1 then "without \($m):\n want \($w1[0:400])\n got  \($g1[0:400])" else empty end),
            (if $g2 != $w2 then "only \($m):\n want \($w2[0:400])\n got  \($g2[0:400])" else empty end)
          end' "$CASE_TMP/full" "$CASE_TMP"/got-*) || { echo "jq failed at $q"; exit 1; }
    [ -z "$diffs" ] || { echo "at $q:"; echo "$diffs"; exit 1; }
    checked=$((checked + 2 * ${#members[@]}))
done
# The first point's answers carried the members that only some stations have.
curl -s "$BASE/api/v1/stations/nearby?$ghds&k=10&$at&fields=code,rating,today" |
    jq -e '.stations[0] | .code == "WZ-GHDS" and .rating.count >= 1 and (.today | length) >= 1 and (keys | length) == 3' >/dev/null ||
    { echo "WZ-GHDS lacks rating or today"; exit 1; }
# The lightest answer a map client asks for.
curl -s "$BASE/api/v1/stations/nearby?lat=28.0&lon=120.65&k=2&fields=distance_m,code" |
    jq -e '(.stations | length) == 2 and (.stations[0] | keys) == ["code","distance_m"] and .count == 2' >/dev/null ||
    { echo "code + distance answer wrong"; exit 1; }

# Refusals name `fields`.
bad() {
    local st
    st=$(curl -s -o "$CASE_TMP/out" -w '%{http_code}' "$BASE/api/v1/stations/nearby?lat=28&lon=120.6&fields=$1")
    [ "$st" = 400 ] && jq -e --arg w "$2" '.field == "fields" and (.message_en | contains($w))' "$CASE_TMP/out" >/dev/null ||
        { echo "fields=$1: status $st"; cat "$CASE_TMP/out"; exit 1; }
}
bad nope "unknown member nope"
bad "" "empty member"
bad "code,,name" "empty member"
bad "code," "empty member"
bad "Code" "unknown member Code"
bad "code%00x" "unknown member"
bad "%FF" "not valid UTF-8"
bad "$(printf 'x%.0s' $(seq 1 300))" "unknown member xxxxxxxx"
echo "ok ($checked masked answers compared)"
