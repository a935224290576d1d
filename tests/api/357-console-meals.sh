#!/usr/bin/env bash
# backends: sqlite pg
# 357-console-meals.sh - the endpoints the console's events, meals and canteen screens use
# (docs/internals/console.md): an offer's quota and withdrawal (PATCH /api/v1/offers/{id}), a
# canteen's orders and the pickup-code lookup (GET /api/v1/canteens/{id}/orders), an event's
# sign-up list (GET /api/v1/events/{id}/signups), If-Match on event edits and cancels, the
# district filter of the event listing; bad input refused naming the field with nothing
# changed, other canteens and districts refused, and the audit entries with "before".
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib.sh"
H="Authorization: Bearer $TOKEN"
J="Content-Type: application/json"
T=$CASE_TMP
s=$RANDOM
export YIZHAN_PWHASH=min
PW=console-meals-pw-1

st() { curl -s -o "$T/b" -D "$T/h" -w '%{http_code}' "$@"; }
expect() { [ "$1" = "$2" ] || yz_fail "$3: got $1, expected $2: $(head -c 400 "$T/b")"; }
check() { jq -e "$1" "$T/b" >/dev/null || yz_fail "$2: $(head -c 600 "$T/b")"; }
login() { curl -sf -X POST -H "$J" -d "{\"login\":\"$1\",\"password\":\"$PW\"}" "$BASE/api/v1/session" | jq -r .token; }

read -r D1 D2 < <(curl -sf "$BASE/api/v1/districts" | jq -r '[.districts[].code] | "\(.[0]) \(.[1])"')
st_in() { curl -sf "$BASE/api/v1/stations?district=$1&per_page=1" | jq -r '.stations[0].id'; }
S1=$(st_in "$D1")
S2=$(st_in "$D2")
TODAY=$(TZ=Asia/Shanghai date +%F)
canteen() { curl -sf -X POST -H "$H" -H "$J" -d "{\"station_id\":$1,\"opens\":\"00:00\",\"closes\":\"24:00\"}" "$BASE/api/v1/canteens" | jq -r .id; }
C1=$(canteen "$S1")
C2=$(canteen "$S2")

for u in "ct$s:canteen:$C1" "cx$s:canteen:$C2" "da$s:district_admin:$D1" "db$s:district_admin:$D2"; do
    echo "$PW" | "$YZ_BIN" user add "${u%%:*}" --role "${u#*:}" --db "$YZ_DB" >/dev/null || yz_fail "user add $u"
done
CT=$(login "ct$s")
CX=$(login "cx$s")
DA=$(login "da$s")
DB=$(login "db$s")

# --- offers: create as the canteen, change the quota, withdraw ------------------------------
code=$(st -X POST -H "Authorization: Bearer $CT" -H "$J" \
    -d "{\"date\":\"$TODAY\",\"dish\":\"番茄炒蛋饭\",\"price_cents\":1000,\"quota\":3}" "$BASE/api/v1/canteens/$C1/offers")
expect "$code" 201 "offer create by the canteen"
check '.version == 1 and .withdrawn_at == null' "new offer"
O=$(jq -r .id "$T/b")
W=$(curl -sf -X POST "$BASE/api/v1/workers" | jq -r .token)
code=$(st -X POST -H "Authorization: Bearer $W" -H "$J" -d "{\"offer_id\":$O}" "$BASE/api/v1/orders")
expect "$code" 201 "order"
CODE=$(jq -r .pickup_code "$T/b")
OID=$(jq -r .order_id "$T/b")

patch_offer() { # bearer if-match body -> status
    st -X PATCH -H "Authorization: Bearer $1" -H "$J" ${2:+-H "If-Match: $2"} -d "$3" "$BASE/api/v1/offers/$O"
}
expect "$(patch_offer "$CT" "" '{"quota":5}')" 428 "no If-Match"
check '.field == "If-Match"' "no If-Match names it"
expect "$(patch_offer "$CT" abc '{"quota":5}')" 400 "bad If-Match"
expect "$(patch_offer "$CT" 1 '{"quota":0}')" 400 "quota 0"
check '.field == "quota" and (.message | length > 0) and (.message_en | length > 0)' "quota 0 names it"
expect "$(patch_offer "$CT" 1 '{"quota":"5"}')" 400 "quota a string"
expect "$(patch_offer "$CT" 1 '{"withdrawn":false}')" 400 "withdrawn false"
check '.field == "withdrawn"' "withdrawn false names it"
expect "$(patch_offer "$CT" 1 '{}')" 400 "nothing to change"
expect "$(patch_offer "$CT" 1 '{"price_cents":1}')" 400 "unknown member"
check '.field == "price_cents"' "unknown member named"
expect "$(patch_offer "$CX" 1 '{"quota":5}')" 403 "another canteen's cashier"
expect "$(patch_offer "$DA" 1 '{"quota":5}')" 403 "a district admin"
expect "$(st -X PATCH -H "Authorization: Bearer $CT" -H "$J" -H 'If-Match: 1' -d '{"quota":5}' "$BASE/api/v1/offers/999999")" 404 "unknown offer"
curl -sf "$BASE/api/v1/offers/$O" -o "$T/b"
check '.quota == 3 and .sold == 1 and .version == 1' "nothing changed by refusals"
# one meal is sold: the quota cannot go below it... it can go to 1, not to 0 (checked above);
expect "$(patch_offer "$CT" 1 '{"quota":1}')" 200 "quota down to the meals sold"
check '.quota == 1 and .remaining == 0 and .version == 2' "quota 1"
expect "$(patch_offer "$CT" 1 '{"quota":4}')" 409 "stale version"
check '.error == "stale_version"' "stale named"
expect "$(patch_offer "$CT" 2 '{"quota":4}')" 200 "quota up"
expect "$(patch_offer "$CT" 3 '{"withdrawn":true}')" 200 "withdraw"
check '.withdrawn_at != null and .remaining == 0 and .version == 4' "withdrawn"
expect "$(patch_offer "$CT" 4 '{"withdrawn":true}')" 409 "withdrawn twice"
curl -sf "$BASE/api/v1/offers?date=$TODAY" -o "$T/b"
check "[.offers[].id] | index($O) == null" "a withdrawn offer is not listed"
W2=$(curl -sf -X POST "$BASE/api/v1/workers" | jq -r .token)
expect "$(st -X POST -H "Authorization: Bearer $W2" -H "$J" -d "{\"offer_id\":$O}" "$BASE/api/v1/orders")" 409 "order of a withdrawn offer"
check '.field == "offer_id"' "withdrawn order names offer_id"
# the audit log: before and after of the quota change
curl -sf -H "$H" "$BASE/api/v1/audit?record=offer:$O&action=offer_patch&outcome=ok" -o "$T/b"
check '(.entries | length) == 3' "three offer_patch entries"
check '[.entries[] | select((.before | .quota) == 3 and (.after | .quota) == 1)] | length == 1' "before/after of the quota change"

# --- a canteen's orders and the pickup-code lookup -------------------------------------------
orders() { st -H "Authorization: Bearer $1" "$BASE/api/v1/canteens/$2/orders?$3"; }
expect "$(orders "$CT" "$C1" "pickup_code=$(echo "$CODE" | tr 'A-Z' 'a-z')")" 200 "lookup (lower case typed)"
check ".date == null and .count == 1 and .orders[0].order_id == $OID and .orders[0].status == \"open\" and .orders[0].date == \"$TODAY\" and (.orders[0].worker | test(\"^w-[0-9a-f]{8}$\")) and (.orders[0] | has(\"pickup_code\") | not) and .orders[0].offer.dish == \"番茄炒蛋饭\"" "lookup answer"
expect "$(orders "$CT" "$C1" "")" 200 "today's orders"
check ".date == \"$TODAY\" and .count == 1" "today's list"
expect "$(orders "$CT" "$C1" "status=redeemed")" 200 "status filter"
check '.count == 0' "none redeemed yet"
expect "$(orders "$CT" "$C1" "date=2000-01-01")" 200 "another day"
check '.count == 0' "no orders that day"
expect "$(orders "$CT" "$C1" "pickup_code=$CODE&date=2000-01-01")" 200 "the code on a given day"
check '.date == "2000-01-01" and .count == 0' "not on that day"
expect "$(orders "$CT" "$C1" "pickup_code=ABC")" 400 "short code"
check '.field == "pickup_code"' "short code named"
expect "$(orders "$CT" "$C1" "pickup_code=O0O0O0")" 400 "look-alike letters"
expect "$(orders "$CT" "$C1" "status=eaten")" 400 "bad status"
check '.field == "status"' "bad status named"
expect "$(orders "$CT" "$C1" "date=2026-02-30")" 400 "bad date"
expect "$(orders "$CT" "$C1" "colour=red")" 400 "unknown parameter"
expect "$(orders "$CX" "$C1" "pickup_code=$CODE")" 403 "another canteen's cashier"
expect "$(orders "$CX" "$C2" "pickup_code=$CODE")" 200 "the other canteen does not have it"
check '.count == 0' "not at the other canteen"
expect "$(orders "$DA" "$C1" "")" 200 "district admin of the canteen's district"
expect "$(orders "$DB" "$C1" "")" 403 "district admin of another district"
expect "$(orders "$CT" 999999 "")" 404 "an unknown canteen (canteens are public)"
expect "$(orders "$TOKEN" 999999 "")" 404 "unknown canteen"
expect "$(st "$BASE/api/v1/canteens/$C1/orders")" 401 "no session"
# redeem: recorded as the order, with before
code=$(st -X POST -H "Authorization: Bearer $CT" -H "$J" -d "{\"pickup_code\":\"$CODE\"}" "$BASE/api/v1/canteens/$C1/redeem")
expect "$code" 200 "redeem"
code=$(st -X POST -H "Authorization: Bearer $CX" -H "$J" -d "{\"pickup_code\":\"$CODE\"}" "$BASE/api/v1/canteens/$C1/redeem")
expect "$code" 403 "redeem at a canteen not theirs"
expect "$(orders "$CT" "$C1" "pickup_code=$CODE")" 200 "lookup after"
check '.orders[0].status == "redeemed" and .orders[0].redeemed_at != null' "redeemed"
curl -sf -H "$H" "$BASE/api/v1/audit?record=order:$OID&action=orders_redeem" -o "$T/b"
check '(.entries | length) == 1 and .entries[0].outcome == "ok" and (.entries[0].before | .status) == "open" and (.entries[0].after | .status) == "redeemed"' "redeem audited with before"
check '[.entries[] | .before, .after | tostring | contains("'"$CODE"'")] | any | not' "no pickup code in the log"

# --- events: If-Match, sign-ups, the district filter ----------------------------------------
code=$(st -X POST -H "Authorization: Bearer $DA" -H "$J" \
    -d "{\"station\":$S1,\"title\":\"周五早餐\",\"category\":\"free_meal\",\"capacity\":2,\"weekly\":{\"days\":[\"Fr\"],\"start\":\"06:30\",\"end\":\"08:30\"}}" \
    "$BASE/api/v1/events")
expect "$code" 201 "weekly event by a district admin"
check '.version == 1 and .kind == "weekly"' "new event"
grep -qi '^etag: "1"' "$T/h" || yz_fail "event ETag"
E=$(jq -r .id "$T/b")
ev_patch() { st -X PATCH -H "Authorization: Bearer $1" -H "$J" ${2:+-H "If-Match: $2"} -d "$3" "$BASE/api/v1/events/$E"; }
expect "$(ev_patch "$DA" 1 '{"title":"周五爱心早餐"}')" 200 "edit with If-Match"
check '.version == 2 and .title == "周五爱心早餐"' "edited"
expect "$(ev_patch "$DA" 1 '{"title":"过期的修改"}')" 409 "stale edit"
check '.error == "stale_version" and .field == "version"' "stale named"
expect "$(ev_patch "$DA" x1 '{"title":"x"}')" 400 "bad If-Match"
check '.field == "If-Match"' "bad If-Match named"
expect "$(ev_patch "$DB" 2 '{"title":"别区的修改"}')" 403 "another district's admin"
curl -sf "$BASE/api/v1/events/$E" -o "$T/b"
check '.title == "周五爱心早餐" and .version == 2' "nothing changed by refusals"
curl -sf -H "$H" "$BASE/api/v1/audit?record=event:$E&action=event_patch&outcome=ok" -o "$T/b"
check '(.entries | length) == 1 and (.entries[0].before | .title) == "周五早餐" and (.entries[0].after | .title) == "周五爱心早餐"' "event edit audited with before"

# the next Friday (the occurrence a worker signs up for)
FRI=$(TZ=Asia/Shanghai date -d "$TODAY +$(((5 - $(TZ=Asia/Shanghai date +%u) + 7) % 7 + 7)) days" +%F)
for w in 1 2; do
    tok=$(curl -sf -X POST "$BASE/api/v1/workers" | jq -r .token)
    expect "$(st -X POST -H "Authorization: Bearer $tok" -H "$J" -d "{\"occurrence\":\"$FRI\"}" "$BASE/api/v1/events/$E/signups")" 201 "sign-up $w"
done
signups() { st -H "Authorization: Bearer $1" "$BASE/api/v1/events/$2/signups${3:+?$3}"; }
expect "$(signups "$DA" "$E" "")" 200 "sign-ups"
check ".count == 2 and .capacity == 2 and ([.signups[].occurrence] | unique) == [\"$FRI\"] and ([.signups[].worker] | unique | length) == 2 and all(.signups[]; .worker | test(\"^w-[0-9a-f]{8}$\"))" "sign-up list"
expect "$(signups "$DA" "$E" "occurrence=$FRI")" 200 "sign-ups of a date"
check ".occurrence == \"$FRI\" and .count == 2" "one date"
expect "$(signups "$DA" "$E" "occurrence=2000-01-07")" 200 "sign-ups of another date"
check '.count == 0' "none then"
expect "$(signups "$DA" "$E" "occurrence=Friday")" 400 "bad occurrence"
check '.field == "occurrence"' "bad occurrence named"
expect "$(signups "$DA" "$E" "who=all")" 400 "unknown parameter"
expect "$(signups "$DB" "$E" "")" 403 "another district's admin"
expect "$(signups "$CT" "$E" "")" 403 "a cashier"
expect "$(signups "$TOKEN" 999999 "")" 404 "unknown event"
expect "$(st "$BASE/api/v1/events/$E/signups")" 401 "no session"

# the listing's district filter
expect "$(st "$BASE/api/v1/events?district=$D1&to=$(TZ=Asia/Shanghai date -d "$TODAY +14 days" +%F)")" 200 "district filter"
check "[.occurrences[].event_id] | index($E) != null" "the event is in its district"
expect "$(st "$BASE/api/v1/events?district=$D2&to=$(TZ=Asia/Shanghai date -d "$TODAY +14 days" +%F)")" 200 "other district"
check "[.occurrences[].event_id] | index($E) == null" "not in another district"
expect "$(st "$BASE/api/v1/events?district=999999")" 400 "unknown district"
check '.field == "district"' "unknown district named"

# cancel: a stale version refused, then cancelled with before
expect "$(st -X DELETE -H "Authorization: Bearer $DA" -H 'If-Match: 1' "$BASE/api/v1/events/$E")" 409 "stale cancel"
curl -sf "$BASE/api/v1/events/$E" -o "$T/b"
check '.status == "active"' "still active"
expect "$(st -X DELETE -H "Authorization: Bearer $DA" -H 'If-Match: 2' "$BASE/api/v1/events/$E")" 200 "cancel"
check '.status == "cancelled" and .version == 3' "cancelled"
curl -sf -H "$H" "$BASE/api/v1/audit?record=event:$E&action=event_cancel&outcome=ok" -o "$T/b"
check "(.entries | length) == 1 and (.entries[0].before | .status) == \"active\" and .entries[0].record.district == \"$D1\"" "cancel audited with before"
echo "ok"
