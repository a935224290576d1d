#!/usr/bin/env bash
# The "never oversold" rules across two nodes on one database (SERIALIZABLE transactions,
# retried): 40 workers sign up at once for 5 seats, half through each node (exactly 5 x 201,
# seat numbers 1..5 once each); 60 workers order at once from an offer of 10, half through
# each node (exactly 10 x 201, sold = 10); one worker's 10 simultaneous orders through both
# nodes (exactly one); one pickup code redeemed 10 times at once
# through both nodes (exactly one).
set -u
export YIZHAN_ADMIN_TOKEN=pg-oversell-$$
T=$CASE_TMP
H="Authorization: Bearer $YIZHAN_ADMIN_TOKEN"
J="Content-Type: application/json"
. "$(dirname "$0")/../lib.sh"
pids=()
start() { # name -> url in the variable of that name
    yz_serve "$1" "$YZ_DB" --threads 8 --writes-per-min 100000000 --workers-per-hour 1000000
    pids+=("$YZ_PID")
    printf -v "$1" '%s' "$YZ_URL"
}
yz_demo "$YZ_DB"
start A
start B
node() { [ $(($1 % 2)) = 0 ] && echo "$A" || echo "$B"; }
tokens=()
for i in $(seq 0 59); do tokens+=("$(curl -s -X POST "$(node "$i")/api/v1/workers" | jq -r .token)"); done
count() { cat "$T"/"$1".* | grep -c "^$2\$" || true; }
gate() { while [ ! -e "$T/go.$1" ]; do sleep 0.01; done; }

# Seats: an event on A, 40 sign-ups through both.
ev=$(curl -s -X POST "$A/api/v1/events" -H "$H" -H "$J" -d '{"station":"WZ-GHDS","title":"体检","category":"health","capacity":5,"starts_at":"2038-03-05T01:00:00Z","ends_at":"2038-03-05T03:00:00Z"}' | jq -r .id)
[ "$ev" -gt 0 ] 2>/dev/null || { echo "event not created: $ev"; exit 1; }
sleep 0.5 # B learns of it
for i in $(seq 0 39); do
    (gate seats; curl -s -o "$T/sbody.$i" -w '%{http_code}\n' -X POST "$(node "$i")/api/v1/events/$ev/signups" \
        -H "Authorization: Bearer ${tokens[$i]}" -H "$J" -d '{"occurrence":"2038-03-05"}' >"$T/scode.$i") &
done
sleep 0.3
touch "$T/go.seats"
wait $(jobs -p | grep -v -x -F "$(printf '%s\n' "${pids[@]}")") 2>/dev/null
[ "$(count scode 201)" = 5 ] && [ "$(count scode 409)" = 35 ] ||
    { echo "seats: $(count scode 201) x 201, $(count scode 409) x 409 (want 5 and 35)"; cat "$T"/scode.* | sort | uniq -c; exit 1; }
seats=$(for i in $(seq 0 39); do [ "$(cat "$T/scode.$i")" = 201 ] && jq .signed_up "$T/sbody.$i"; done | sort -n | tr '\n' ' ')
[ "$seats" = "1 2 3 4 5 " ] || { echo "seat numbers: $seats"; exit 1; }

# Meals: an offer of 10 today, 60 orders through both nodes.
today=$(curl -s "$A/api/v1/offers" | jq -r .date)
c1=$(curl -s -X POST "$A/api/v1/canteens" -H "$H" -H "$J" -d '{"name":"双节点食堂甲","address":"路 1 号","lat":28.0,"lon":120.65,"opens":"00:00","closes":"24:00"}' | jq -r .id)
c2=$(curl -s -X POST "$B/api/v1/canteens" -H "$H" -H "$J" -d '{"name":"双节点食堂乙","address":"路 2 号","lat":28.0,"lon":120.65,"opens":"00:00","closes":"24:00"}' | jq -r .id)
o1=$(curl -s -X POST "$A/api/v1/canteens/$c1/offers" -H "$H" -H "$J" -d "{\"date\":\"$today\",\"dish\":\"饭\",\"price_cents\":1000,\"quota\":10}" | jq -r .id)
o2=$(curl -s -X POST "$B/api/v1/canteens/$c2/offers" -H "$H" -H "$J" -d "{\"date\":\"$today\",\"dish\":\"面\",\"price_cents\":1000,\"quota\":50}" | jq -r .id)
[ "$o1" -gt 0 ] && [ "$o2" -gt 0 ] 2>/dev/null || { echo "offers not created: $o1 $o2"; exit 1; }
for i in $(seq 0 59); do
    (gate meals; curl -s -o "$T/mbody.$i" -w '%{http_code}\n' -X POST "$(node "$i")/api/v1/orders" \
        -H "Authorization: Bearer ${tokens[$i]}" -H "$J" -d "{\"offer_id\":$o1}" >"$T/mcode.$i") &
done
sleep 0.3
touch "$T/go.meals"
wait $(jobs -p | grep -v -x -F "$(printf '%s\n' "${pids[@]}")") 2>/dev/null
[ "$(count mcode 201)" = 10 ] && [ "$(count mcode 409)" = 50 ] ||
    { echo "quota 10: $(count mcode 201) x 201, $(count mcode 409) x 409"; exit 1; }
[ "$(psql -X -At "$YZ_DB" -c "SELECT sold FROM meal_offers WHERE id = $o1")" = 10 ] || { echo "sold is not 10"; exit 1; }

# One worker, 10 orders at once through both nodes: one meal.
w=$(curl -s -X POST "$A/api/v1/workers" | jq -r .token)
for i in $(seq 0 9); do
    o=$o2
    (gate one; curl -s -o "$T/obody.$i" -w '%{http_code}\n' -X POST "$(node "$i")/api/v1/orders" \
        -H "Authorization: Bearer $w" -H "$J" -d "{\"offer_id\":$o}" >"$T/ocode.$i") &
done
sleep 0.3
touch "$T/go.one"
wait $(jobs -p | grep -v -x -F "$(printf '%s\n' "${pids[@]}")") 2>/dev/null
[ "$(count ocode 201)" = 1 ] || { echo "one worker got $(count ocode 201) meals"; exit 1; }

# Its pickup code redeemed 10 times at once through both nodes: once.
code=$(for i in $(seq 0 9); do [ "$(cat "$T/ocode.$i")" = 201 ] && jq -r .pickup_code "$T/obody.$i"; done)
for i in $(seq 0 9); do
    (gate redeem; curl -s -o /dev/null -w '%{http_code}\n' -X POST "$(node "$i")/api/v1/canteens/$c2/redeem" \
        -H "$H" -H "$J" -d "{\"pickup_code\":\"$code\"}" >"$T/rcode.$i") &
done
sleep 0.3
touch "$T/go.redeem"
wait $(jobs -p | grep -v -x -F "$(printf '%s\n' "${pids[@]}")") 2>/dev/null
[ "$(count rcode 200)" = 1 ] || { echo "redeemed $(count rcode 200) times: $(cat "$T"/rcode.* | sort | uniq -c)"; exit 1; }
grep -h "Sanitizer\|runtime error:" "$T"/*.log && { echo "sanitizer report"; exit 1; }
echo "ok (5 of 40 seats, 10 of 60 meals, 1 of 10 orders, 1 of 10 redemptions, across two nodes)"
