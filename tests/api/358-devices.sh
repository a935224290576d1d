#!/usr/bin/env bash
# backends: sqlite pg
# tests/api/358-devices.sh - station devices and the signed HTTP ingest (issue 14, point 1;
# docs/internals/live.md). Devices are registered at a station; a reading signed with the
# device's key is stored once (a repeated seq is a duplicate); every refusal of the issue's
# "Bad input" (bad signature, replayed nonce, timestamp outside ±5 min, unknown device,
# readings out of range, another kind's metric, too big) answers its status naming the field,
# is counted on /metrics under its reason, and stores nothing: the store is checked through
# the readings GET. Then the live member and live=charged on nearby, the hourly series, a
# rotated key and a disabled device.
set -eu
A=(-H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json')
fail() { echo "$*"; exit 1; }

mk() { # station kind -> device JSON
    curl -s -X POST "$BASE/api/v1/stations/$1/devices" "${A[@]}" -d "{\"kind\":\"$2\",\"name\":\"测试 $2\"}"
}
# The station far from the others' tests: its own devices only.
S=WZ0301
cab=$(mk $S battery_cabinet)
cab_id=$(jq -r .id <<<"$cab") cab_key=$(jq -r .key <<<"$cab")
[ "$(jq -r .mqtt.topic <<<"$cab")" = "yizhan/v1/devices/$cab_id/readings" ] || fail "create: $cab"
[ ${#cab_key} = 43 ] || fail "key: $cab_key"
ppl=$(mk $S people_counter)
ppl_id=$(jq -r .id <<<"$ppl") ppl_key=$(jq -r .key <<<"$ppl")
# bad kind
st=$(curl -s -o "$CASE_TMP/o" -w '%{http_code}' -X POST "$BASE/api/v1/stations/$S/devices" "${A[@]}" -d '{"kind":"toaster"}')
[ "$st" = 400 ] && [ "$(jq -r .field "$CASE_TMP/o")" = kind ] || fail "bad kind: $st $(cat "$CASE_TMP/o")"
# the list has no keys
curl -s "$BASE/api/v1/stations/$S/devices" "${A[@]}" >"$CASE_TMP/list"
jq -e '.count == 2 and ([.devices[] | has("key")] | any | not)' "$CASE_TMP/list" >/dev/null || fail "list: $(cat "$CASE_TMP/list")"

n=0
post() { # id key body [ts [nonce [sig]]] -> status, body in $CASE_TMP/r
    local id=$1 key=$2 body=$3 ts=${4:-$(date +%s)} nonce=${5:-}
    n=$((n + 1))
    [ -n "$nonce" ] || nonce="n$$-$n-$RANDOM-abcdefghij"
    local sig=${6:-$(printf 'POST\n/api/v1/devices/%s/readings\n%s\n%s\n%s' "$id" "$ts" "$nonce" "$body" |
        openssl dgst -sha256 -hmac "$key" -hex | sed 's/.*= //')}
    curl -s -o "$CASE_TMP/r" -w '%{http_code}' -X POST "$BASE/api/v1/devices/$id/readings" \
        -H "X-Yizhan-Timestamp: $ts" -H "X-Yizhan-Nonce: $nonce" -H "X-Yizhan-Signature: $sig" \
        --data-binary "$body"
}
metric() { # reason -> count
    curl -s "$BASE/metrics" | awk -v r="yizhan_device_refusals_total{reason=\"$1\"}" '$1 == r {print $2}'
}
stored() { # device -> raw points stored
    curl -s "$BASE/api/v1/devices/$1/readings?step=raw" "${A[@]}" | jq .count
}
ms=$(($(date +%s) * 1000))

st=$(post "$cab_id" "$cab_key" "{\"seq\":1,\"ts\":$ms,\"values\":{\"charged\":5,\"slots\":12}}")
[ "$st" = 200 ] && jq -e '.stored == 1 and .duplicates == 0' "$CASE_TMP/r" >/dev/null || fail "post: $st $(cat "$CASE_TMP/r")"
# the same seq again (a new nonce): a duplicate, not stored twice
st=$(post "$cab_id" "$cab_key" "{\"seq\":1,\"ts\":$ms,\"values\":{\"charged\":5,\"slots\":12}}")
[ "$st" = 200 ] && jq -e '.stored == 0 and .duplicates == 1' "$CASE_TMP/r" >/dev/null || fail "dup: $st $(cat "$CASE_TMP/r")"
# a batch
st=$(post "$ppl_id" "$ppl_key" "{\"readings\":[{\"seq\":7,\"ts\":$((ms - 1000)),\"values\":{\"inside\":3,\"seats_free\":8}},{\"seq\":8,\"ts\":$ms,\"values\":{}}]}")
[ "$st" = 200 ] && jq -e '.stored == 2' "$CASE_TMP/r" >/dev/null || fail "batch: $st $(cat "$CASE_TMP/r")"
[ "$(stored "$cab_id")" = 2 ] || fail "stored: $(stored "$cab_id")" # charged and slots of seq 1

refuse() { # name reason status field id key body [ts [nonce [sig]]]
    local name=$1 reason=$2 want=$3 field=$4
    shift 4
    local before after st
    before=$(metric "$reason")
    st=$(post "$@")
    after=$(metric "$reason")
    [ "$st" = "$want" ] || fail "$name: status $st $(cat "$CASE_TMP/r")"
    [ "$field" = - ] || [ "$(jq -r .field "$CASE_TMP/r")" = "$field" ] || fail "$name: field $(cat "$CASE_TMP/r")"
    [ "$after" = $((before + 1)) ] || fail "$name: $reason counted $before -> $after"
    [ "$(stored "$cab_id")" = 2 ] || fail "$name: something was stored"
}
good="{\"seq\":2,\"ts\":$ms,\"values\":{\"charged\":6}}"
refuse "bad signature" signature 401 X-Yizhan-Signature "$cab_id" "$cab_key" "$good" "" "" \
    0000000000000000000000000000000000000000000000000000000000000000
cp "$CASE_TMP/r" "$CASE_TMP/badsig"
refuse "unknown device" unknown_device 401 X-Yizhan-Signature 999999 "$cab_key" "$good"
cmp -s "$CASE_TMP/r" "$CASE_TMP/badsig" || fail "unknown device and bad signature answer differently"
refuse "old timestamp" timestamp 400 X-Yizhan-Timestamp "$cab_id" "$cab_key" "$good" $(($(date +%s) - 400))
refuse "reading ts" timestamp 400 ts "$cab_id" "$cab_key" "{\"seq\":2,\"ts\":$((ms + 400000)),\"values\":{\"charged\":6}}"
refuse "out of range" range 400 values.charged "$cab_id" "$cab_key" "{\"seq\":2,\"ts\":$ms,\"values\":{\"charged\":501}}"
refuse "charged > slots" range 400 values.charged "$cab_id" "$cab_key" "{\"seq\":2,\"ts\":$ms,\"values\":{\"charged\":9,\"slots\":8}}"
refuse "other kind's metric" payload 400 values.inside "$cab_id" "$cab_key" "{\"seq\":2,\"ts\":$ms,\"values\":{\"inside\":3}}"
refuse "batch member" range 400 'readings[1].values.charged' "$cab_id" "$cab_key" \
    "{\"readings\":[{\"seq\":2,\"ts\":$ms,\"values\":{\"charged\":1}},{\"seq\":3,\"ts\":$ms,\"values\":{\"charged\":-1}}]}"
big=$(head -c 70000 /dev/zero | tr '\0' ' ')
refuse "too big" payload 413 body "$cab_id" "$cab_key" "{\"seq\":2,\"ts\":$ms,\"values\":{}}$big"
# a replay: the same request twice
ts=$(date +%s)
nonce=replay-$$-$RANDOM-abcdefgh
st=$(post "$cab_id" "$cab_key" "{\"seq\":3,\"ts\":$ms,\"values\":{\"charged\":4,\"slots\":12}}" "$ts" "$nonce")
[ "$st" = 200 ] || fail "before replay: $st $(cat "$CASE_TMP/r")"
before=$(metric replay)
st=$(post "$cab_id" "$cab_key" "{\"seq\":3,\"ts\":$ms,\"values\":{\"charged\":4,\"slots\":12}}" "$ts" "$nonce")
[ "$st" = 409 ] && [ "$(jq -r .field "$CASE_TMP/r")" = X-Yizhan-Nonce ] || fail "replay: $st $(cat "$CASE_TMP/r")"
[ "$(metric replay)" = $((before + 1)) ] || fail "replay not counted"
[ "$(stored "$cab_id")" = 4 ] || fail "replay stored: $(stored "$cab_id")"

# The live member: the latest (seq 3: 4 of 12) and people 3 / seats 8.
curl -s "$BASE/api/v1/stations/$S" >"$CASE_TMP/st"
jq -e '.live.batteries_charged.value == 4 and .live.batteries_charged.slots == 12
       and .live.people_inside.value == 3 and .live.seats_free.value == 8
       and .live.out_of_order == [] and .live.stale_after_s == 600
       and .live.batteries_charged.age_s >= 0' "$CASE_TMP/st" >/dev/null || fail "live: $(jq -c .live "$CASE_TMP/st")"
pos=$(jq -r '"lat=\(.lat)&lon=\(.lon)"' "$CASE_TMP/st")
curl -s "$BASE/api/v1/stations/nearby?$pos&k=5&live=charged" >"$CASE_TMP/near"
jq -e --arg s $S '.count == 1 and .stations[0].code == $s' "$CASE_TMP/near" >/dev/null || fail "live=charged: $(cat "$CASE_TMP/near")"
st=$(curl -s -o "$CASE_TMP/o" -w '%{http_code}' "$BASE/api/v1/stations/nearby?$pos&live=battery")
[ "$st" = 400 ] && [ "$(jq -r .field "$CASE_TMP/o")" = live ] || fail "live=battery: $st"
# 0 charged: no longer kept by live=charged
st=$(post "$cab_id" "$cab_key" "{\"seq\":4,\"ts\":$((ms + 1)),\"values\":{\"charged\":0,\"fault\":1}}")
[ "$st" = 200 ] || fail "zero: $st"
curl -s "$BASE/api/v1/stations/nearby?$pos&k=5&live=charged" | jq -e --arg s $S '[.stations[].code] | index($s) == null' >/dev/null || fail "0 charged kept"
curl -s "$BASE/api/v1/stations/$S" | jq -e '.live.out_of_order == [{"kind":"battery_cabinet","age_s":.live.out_of_order[0].age_s}]' >/dev/null || fail "out_of_order"

# The hourly series: the cabinet's charged values 5, 4, 0 in this hour (5 once: no duplicate).
curl -s "$BASE/api/v1/devices/$cab_id/readings?step=hour" "${A[@]}" >"$CASE_TMP/h"
jq -e '[.points[] | select(.metric == "charged")] | (map(.n) | add) == 3 and (map(.n * .avg) | add) == 9' "$CASE_TMP/h" >/dev/null \
    || fail "hourly: $(cat "$CASE_TMP/h")"

# A rotated key: the old one stops at once.
new=$(curl -s -X POST "$BASE/api/v1/devices/$cab_id/key" "${A[@]}" | jq -r .key)
[ ${#new} = 43 ] && [ "$new" != "$cab_key" ] || fail "rotate: $new"
st=$(post "$cab_id" "$cab_key" "{\"seq\":5,\"ts\":$ms,\"values\":{}}")
[ "$st" = 401 ] || fail "old key: $st"
st=$(post "$cab_id" "$new" "{\"seq\":5,\"ts\":$ms,\"values\":{}}")
[ "$st" = 200 ] || fail "new key: $st $(cat "$CASE_TMP/r")"
# Disabled: refused as unknown; the people counter alone makes the live member.
curl -s -X PATCH "$BASE/api/v1/devices/$cab_id" "${A[@]}" -d '{"disabled":true}' | jq -e '.disabled == true' >/dev/null || fail "disable"
st=$(post "$cab_id" "$new" "{\"seq\":6,\"ts\":$ms,\"values\":{}}")
[ "$st" = 401 ] || fail "disabled device: $st"
curl -s "$BASE/api/v1/stations/$S" | jq -e '.live | has("batteries_charged") | not' >/dev/null || fail "disabled still live"
# Deleted: the station has no live member any more.
for d in "$cab_id" "$ppl_id"; do
    st=$(curl -s -o /dev/null -w '%{http_code}' -X DELETE "$BASE/api/v1/devices/$d" "${A[@]}")
    [ "$st" = 200 ] || fail "delete: $st"
done
curl -s "$BASE/api/v1/stations/$S" | jq -e 'has("live") | not' >/dev/null || fail "deleted still live"
echo ok
