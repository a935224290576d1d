#!/usr/bin/env bash
# backends: sqlite pg
# 355-meals-oversell.sh - quota is never oversold and one worker never gets two meals a day,
# under concurrent orders: 60 workers race for an offer of 10 (exactly 10 x 201, 50 x 409, 0
# remaining, 10 distinct pickup codes), and one worker fires 10 orders at once at two
# canteens' offers (exactly one succeeds). Also: tomorrow's offer and a closed canteen take no
# orders. Uses the suite's server: BASE, TOKEN, CASE_TMP.
set -euo pipefail
H="Authorization: Bearer $TOKEN"
J="Content-Type: application/json"
post() { curl -sf -X POST -H "$J" "$@"; }

today=$(curl -sf "$BASE/api/v1/offers" | jq -r .date)
tomorrow=$(date -u -d "$today + 1 day" +%F)

canteen() { # name -> id
    post -H "$H" -d "{\"name\":\"$1\",\"address\":\"测试路 9 号\",\"lat\":28.0,\"lon\":120.65,\"opens\":\"${2:-00:00}\",\"closes\":\"${3:-24:00}\"}" \
        "$BASE/api/v1/canteens" | jq -r .id
}
offer() { # canteen date quota -> id
    post -H "$H" -d "{\"date\":\"$2\",\"dish\":\"并发测试饭\",\"price_cents\":1000,\"quota\":$3}" \
        "$BASE/api/v1/canteens/$1/offers" | jq -r .id
}

c1=$(canteen 并发甲)
o1=$(offer "$c1" "$today" 10)

# 60 workers, then 60 concurrent orders.
tokens=()
for i in $(seq 1 60); do
    tokens+=("$(post "$BASE/api/v1/workers" | jq -r .token)")
done
for i in $(seq 0 59); do
    curl -s -o "$CASE_TMP/body.$i" -w '%{http_code}\n' -X POST -H "$J" \
        -H "Authorization: Bearer ${tokens[$i]}" -d "{\"offer_id\":$o1}" \
        "$BASE/api/v1/orders" >"$CASE_TMP/code.$i" &
done
wait
n201=$(cat "$CASE_TMP"/code.* | grep -c '^201$' || true)
n409=$(cat "$CASE_TMP"/code.* | grep -c '^409$' || true)
echo "offer of 10, 60 workers: $n201 x 201, $n409 x 409"
[ "$n201" = 10 ] || { echo "expected 10 x 201"; exit 1; }
[ "$n409" = 50 ] || { echo "expected 50 x 409"; exit 1; }
sold_out=0
codes=()
for i in $(seq 0 59); do
    if [ "$(cat "$CASE_TMP/code.$i")" = 201 ]; then
        codes+=("$(jq -r .pickup_code "$CASE_TMP/body.$i")")
    elif jq -e '.field == "offer_id" and (.message_en | test("sold out"))' "$CASE_TMP/body.$i" >/dev/null; then
        sold_out=$((sold_out + 1))
    fi
done
[ "$sold_out" = 50 ] || { echo "expected 50 'sold out' refusals, got $sold_out"; exit 1; }
distinct=$(printf '%s\n' "${codes[@]}" | sort -u | wc -l)
[ "$distinct" = 10 ] || { echo "pickup codes not distinct: ${codes[*]}"; exit 1; }
remaining=$(curl -sf "$BASE/api/v1/offers/$o1" | jq -r '"\(.remaining) \(.sold)"')
[ "$remaining" = "0 10" ] || { echo "offer shows remaining/sold $remaining, expected 0 10"; exit 1; }
listed=$(curl -sf "$BASE/api/v1/offers?date=$today" | jq -r ".offers[] | select(.id == $o1) | .remaining")
[ "$listed" = 0 ] || { echo "the offer list shows $listed remaining"; exit 1; }

# One worker, 10 concurrent orders at two canteens' offers: exactly one succeeds.
c2=$(canteen 并发乙)
c3=$(canteen 并发丙)
o2=$(offer "$c2" "$today" 100)
o3=$(offer "$c3" "$today" 100)
w=$(post "$BASE/api/v1/workers" | jq -r .token)
for i in $(seq 0 9); do
    o=$o2
    [ $((i % 2)) = 1 ] && o=$o3
    curl -s -o "$CASE_TMP/one.$i" -w '%{http_code}\n' -X POST -H "$J" -H "Authorization: Bearer $w" \
        -d "{\"offer_id\":$o}" "$BASE/api/v1/orders" >"$CASE_TMP/onecode.$i" &
done
wait
n201=$(cat "$CASE_TMP"/onecode.* | grep -c '^201$' || true)
n409=$(cat "$CASE_TMP"/onecode.* | grep -c '^409$' || true)
echo "one worker, 10 orders at two canteens: $n201 x 201, $n409 x 409"
[ "$n201" = 1 ] && [ "$n409" = 9 ] || { echo "expected 1 x 201 and 9 x 409"; exit 1; }
sold=$(( $(curl -sf "$BASE/api/v1/offers/$o2" | jq .sold) + $(curl -sf "$BASE/api/v1/offers/$o3" | jq .sold) ))
[ "$sold" = 1 ] || { echo "the two offers sold $sold meals in all, expected 1"; exit 1; }
norders=$(curl -sf -H "Authorization: Bearer $w" "$BASE/api/v1/orders" | jq .count)
[ "$norders" = 1 ] || { echo "the worker has $norders orders, expected 1"; exit 1; }

# Tomorrow's offer cannot be ordered today; a canteen whose close has passed takes no orders.
o4=$(offer "$c2" "$tomorrow" 5)
w2=$(post "$BASE/api/v1/workers" | jq -r .token)
code=$(curl -s -o "$CASE_TMP/tomorrow" -w '%{http_code}' -X POST -H "$J" -H "Authorization: Bearer $w2" \
    -d "{\"offer_id\":$o4}" "$BASE/api/v1/orders")
[ "$code" = 409 ] && jq -e '.field == "offer_id"' "$CASE_TMP/tomorrow" >/dev/null ||
    { echo "tomorrow's offer: $code $(cat "$CASE_TMP/tomorrow")"; exit 1; }
now_min=$((10#$(date -u -d '+8 hours' +%H) * 60 + 10#$(date -u -d '+8 hours' +%M)))
if [ "$now_min" -ge 2 ]; then # the canteen below closed at 00:01 today
    c5=$(canteen 早关食堂 00:00 00:01)
    o5=$(offer "$c5" "$today" 5)
    code=$(curl -s -o "$CASE_TMP/closed" -w '%{http_code}' -X POST -H "$J" -H "Authorization: Bearer $w2" \
        -d "{\"offer_id\":$o5}" "$BASE/api/v1/orders")
    [ "$code" = 409 ] && jq -e '.message_en | test("closed")' "$CASE_TMP/closed" >/dev/null ||
        { echo "closed canteen: $code $(cat "$CASE_TMP/closed")"; exit 1; }
    [ "$(curl -sf "$BASE/api/v1/offers/$o5" | jq .sold)" = 0 ] || { echo "closed canteen sold"; exit 1; }
fi
echo ok
