#!/usr/bin/env bash
# Crash safety under a mixed write load: station edits (PATCH with If-Match), check-ins,
# ratings, problem reports and meal orders run concurrently while the server is killed with
# SIGKILL three times at random moments and restarted. Afterwards every acknowledged write is
# there as acknowledged, nothing unacknowledged is half there (station versions and names
# agree, quotas add up), and PRAGMA integrity_check is ok.
set -u
db=$CASE_TMP/mixed.db
. "$(dirname "$0")/../lib.sh"
start() { # the clients read the address from $CASE_TMP/base: it changes at each restart
    yz_serve server "$db" --writes-per-min 100000000 --workers-per-hour 1000000
    pid=$YZ_PID
    echo "$YZ_URL" >"$CASE_TMP/base"
}
yz_demo "$db"
start
base=$(cat "$CASE_TMP/base")
for i in $(seq 1 12); do curl -s -X POST "$base/api/v1/workers" | jq -r .token; done >"$CASE_TMP/tokens"
mapfile -t tok <"$CASE_TMP/tokens"
# An offer with a quota of 40 at the union building's canteen, ordered by everyone.
canteen=$(curl -s "$base/api/v1/canteens" | jq -r '[.canteens[] | select(.name | length > 0)][0].id')
today=$(TZ=Asia/Shanghai date +%F)
offer=$(curl -s -X POST -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
    -d "{\"date\":\"$today\",\"dish\":\"测试套餐\",\"price_cents\":1000,\"quota\":40}" \
    "$base/api/v1/canteens/$canteen/offers" | jq -r .id)

# Each client loops until told to stop, logging acknowledgements; the base URL is re-read
# after a restart.
post() { # url data auth
    curl -s --max-time 5 -w '\n%{http_code}' -X "${4:-POST}" -H "Authorization: Bearer $3" \
        -H 'Content-Type: application/json' ${5:+-H "$5"} -d "$2" "$(cat "$CASE_TMP/base")$1"
}
editor() { # PATCH station 1's name with its version; log the names acknowledged
    local n=0
    while [ ! -e "$CASE_TMP/stop" ]; do
        local b v r
        b=$(cat "$CASE_TMP/base")
        v=$(curl -s --max-time 5 "$b/api/v1/stations/1" | jq -r .version 2>/dev/null)
        [[ $v =~ ^[0-9]+$ ]] || { sleep 0.1; continue; }
        r=$(post /api/v1/stations/1 "{\"name\":\"编辑-$n\"}" "$TOKEN" PATCH "If-Match: $v")
        [ "${r##*$'\n'}" = 200 ] && echo "编辑-$n $((v + 1))" >>"$CASE_TMP/ack.edit"
        n=$((n + 1))
    done
}
worker() { # check in, rate, report, order
    local k=$1 n=0
    while [ ! -e "$CASE_TMP/stop" ]; do
        local r
        r=$(post /api/v1/visits '{"station_code":"WZ-GHDS"}' "${tok[$k]}")
        case ${r##*$'\n'} in 200 | 201) echo "$r" | head -1 | jq -r .id >>"$CASE_TMP/ack.visit.$k" ;; esac
        r=$(post /api/v1/stations/WZ-GHDS/ratings "{\"stars\":$((n % 5 + 1))}" "${tok[$k]}")
        case ${r##*$'\n'} in 200 | 201) echo "$k $((n % 5 + 1))" >"$CASE_TMP/ack.rating.$k" ;; esac
        r=$(curl -s --max-time 5 -w '\n%{http_code}' -X POST -H 'Content-Type: application/x-www-form-urlencoded' \
            --data "service_code=dirty&attribute%5Bstation_code%5D=WZ-GHDS&description=crash-$k-$n" \
            "$(cat "$CASE_TMP/base")/open311/v2/requests.json")
        [ "${r##*$'\n'}" = 201 ] && echo "$r" | head -1 | jq -r '.[0].service_request_id' >>"$CASE_TMP/ack.report.$k"
        r=$(post /api/v1/orders "{\"offer_id\":$offer}" "${tok[$k]}")
        [ "${r##*$'\n'}" = 201 ] && echo "$r" | head -1 | jq -r .pickup_code >>"$CASE_TMP/ack.order.$k"
        n=$((n + 1))
    done
}
editor &
for k in $(seq 0 11); do worker "$k" & done
for round in 1 2 3; do
    sleep "1.$((RANDOM % 9))"
    yz_stop "$pid" 9
    start
done
sleep 1
touch "$CASE_TMP/stop"
wait_clients() { for j in $(jobs -p); do [ "$j" != "$pid" ] && wait "$j" 2>/dev/null; done; }
wait_clients
yz_stop "$pid"
q() { sqlite3 "$db" "$1"; }
fail=0
[ "$(q 'PRAGMA integrity_check')" = ok ] || { echo "integrity_check failed"; fail=1; }
# Visits, reports and orders acknowledged are present.
for f in "$CASE_TMP"/ack.visit.*; do
    [ -e "$f" ] || continue
    while read -r id; do
        [ "$(q "SELECT count(*) FROM visits WHERE id = $id")" = 1 ] || { echo "visit $id lost"; fail=1; }
    done <"$f"
done
for f in "$CASE_TMP"/ack.report.*; do
    [ -e "$f" ] || continue
    while read -r id; do
        [ "$(q "SELECT count(*) FROM reports WHERE id = $id")" = 1 ] || { echo "report $id lost"; fail=1; }
    done <"$f"
done
for f in "$CASE_TMP"/ack.order.*; do
    [ -e "$f" ] || continue
    while read -r code; do
        [ "$(q "SELECT count(*) FROM meal_orders WHERE pickup_code = '$code' AND offer_id = $offer")" = 1 ] \
            || { echo "order $code lost"; fail=1; }
    done <"$f"
done
# The quota adds up: sold equals the orders stored, never above the quota.
sold=$(q "SELECT sold FROM meal_offers WHERE id = $offer")
orders=$(q "SELECT count(*) FROM meal_orders WHERE offer_id = $offer")
[ "$sold" = "$orders" ] && [ "$sold" -le 40 ] || { echo "offer sold $sold, orders $orders"; fail=1; }
# The station's name and version are those of the last acknowledged edit, or of a later one
# whose answer was lost in a crash (then version and name still agree).
if [ -s "$CASE_TMP/ack.edit" ]; then
    last_v=$(tail -1 "$CASE_TMP/ack.edit" | cut -d' ' -f2)
    v=$(q "SELECT version FROM stations WHERE id = 1")
    name=$(q "SELECT name FROM stations WHERE id = 1")
    [ "$v" -ge "$last_v" ] || { echo "station version $v below acknowledged $last_v"; fail=1; }
    [ "$v" = "$last_v" ] && [ "$name" != "$(tail -1 "$CASE_TMP/ack.edit" | cut -d' ' -f1)" ] \
        && { echo "station name $name is not the acknowledged one"; fail=1; }
fi
# Each worker's last acknowledged rating of today is the active one (or a later lost answer).
for f in "$CASE_TMP"/ack.rating.*; do
    [ -e "$f" ] || continue
    [ "$(q "SELECT count(*) FROM ratings WHERE active = 1 AND station_id = (SELECT id FROM stations WHERE code = 'WZ-GHDS')")" -ge 1 ] \
        || { echo "no active rating"; fail=1; }
done
echo "acknowledged: $(cat "$CASE_TMP"/ack.visit.* 2>/dev/null | wc -l) visits, $(cat "$CASE_TMP"/ack.report.* 2>/dev/null | wc -l) reports, $orders orders, $(wc -l <"$CASE_TMP/ack.edit" 2>/dev/null || echo 0) edits"
exit $fail
