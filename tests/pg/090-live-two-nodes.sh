#!/usr/bin/env bash
# Live status on two yizhan nodes sharing one PostgreSQL database (docs/internals/live.md,
# "Several nodes"): a device registered on A can post to B at once (the registry is NOTIFYed);
# a reading posted to A shows in B's live member within 3 s (B reads the statuses changed
# since its last look every second); a nonce used on A is a replay on B; a key rotated on B
# stops working on A.
set -u
export YIZHAN_ADMIN_TOKEN=pg-live-$$
T=$YIZHAN_ADMIN_TOKEN
. "$(dirname "$0")/../lib.sh"
start() {
    yz_serve "$1" "$YZ_DB" --threads 4 --writes-per-min 1000000
    printf -v "$1" '%s' "$YZ_URL"
}
until_ok() {
    local limit=$1 t0=$SECONDS
    shift
    while ! "$@" >/dev/null 2>&1; do
        [ $((SECONDS - t0)) -ge "$limit" ] && return 1
        sleep 0.05
    done
}
jqt() { curl -s "$1" | jq -e "$2"; }
post() { # url id key body [nonce] -> status
    local ts nonce=${5:-live-$$-$RANDOM-$RANDOM-abcdef} sig
    ts=$(date +%s)
    sig=$(printf 'POST\n/api/v1/devices/%s/readings\n%s\n%s\n%s' "$2" "$ts" "$nonce" "$4" |
        openssl dgst -sha256 -hmac "$3" -hex | sed 's/.*= //')
    curl -s -o /dev/null -w '%{http_code}' -X POST "$1/api/v1/devices/$2/readings" \
        -H "X-Yizhan-Timestamp: $ts" -H "X-Yizhan-Nonce: $nonce" -H "X-Yizhan-Signature: $sig" --data-binary "$4"
}
yz_demo "$YZ_DB"
start A
start B
d=$(curl -s -X POST "$A/api/v1/stations/WZ0301/devices" -H "Authorization: Bearer $T" \
    -H 'Content-Type: application/json' -d '{"kind":"battery_cabinet"}')
id=$(jq -r .id <<<"$d") key=$(jq -r .key <<<"$d")
ms=$(($(date +%s) * 1000))
# B learns of the device from A's NOTIFY
until_ok 5 test "$(post "$B" "$id" "$key" "{\"seq\":1,\"ts\":$ms,\"values\":{}}")" = 200 ||
    { echo "B never accepted the device registered on A"; exit 1; }
t0=$(date +%s%N)
[ "$(post "$A" "$id" "$key" "{\"seq\":2,\"ts\":$ms,\"values\":{\"charged\":6,\"slots\":10}}" nonce-shared-$$-abcdef)" = 200 ] ||
    { echo "post on A"; exit 1; }
jqt "$A/api/v1/stations/WZ0301" '.live.batteries_charged.value == 6' >/dev/null || { echo "A does not show its own reading"; exit 1; }
until_ok 3 jqt "$B/api/v1/stations/WZ0301" '.live.batteries_charged.value == 6' ||
    { echo "B did not show A's reading within 3 s: $(curl -s "$B/api/v1/stations/WZ0301" | jq -c .live)"; exit 1; }
echo "visible on B after $((($(date +%s%N) - t0) / 1000000)) ms"
# the nonce A recorded is a replay on B
st=$(post "$B" "$id" "$key" "{\"seq\":2,\"ts\":$ms,\"values\":{\"charged\":6,\"slots\":10}}" nonce-shared-$$-abcdef)
[ "$st" = 409 ] || { echo "replay on B: $st"; exit 1; }
# rotated on B: A refuses the old key once it hears
new=$(curl -s -X POST "$B/api/v1/devices/$id/key" -H "Authorization: Bearer $T" | jq -r .key)
until_ok 5 test "$(post "$A" "$id" "$key" "{\"seq\":3,\"ts\":$ms,\"values\":{}}")" = 401 ||
    { echo "A still takes the old key"; exit 1; }
[ "$(post "$A" "$id" "$new" "{\"seq\":4,\"ts\":$ms,\"values\":{}}")" = 200 ] || { echo "A refuses the new key"; exit 1; }
echo "ok"
