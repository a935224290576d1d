#!/usr/bin/env bash
# backends: sqlite pg
# 388-inspections.sh - inspections (issue 12; docs/internals/inspections.md): the default
# standard (八有) and the daily self-check as data; a secret inspection by an inspector, unseen
# by the station's operator until submitted; every bad input of the issue refused naming the
# field in both languages with nothing changed (an unknown criterion, one of another checklist,
# a score out of range, a pass/fail criterion given 57, missing evidence, editing a submitted
# one, a stale version); submitting twice recorded once with the same answer; the scores
# against a reckoning of our own from the checklist's weights; station scores and tier
# eligibility with each rule's reason; an experience officer appointed by the code they show,
# refused without a check-in at the station and accepted with one; the audit's "before".
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib.sh"
H="Authorization: Bearer $TOKEN"
J="Content-Type: application/json"
T=$CASE_TMP
s=$RANDOM
export YIZHAN_PWHASH=min
PW=inspections-pw-1

st() { curl -s -o "$T/b" -D "$T/h" -w '%{http_code}' "$@"; }
expect() { [ "$1" = "$2" ] || yz_fail "$3: got $1, expected $2: $(head -c 400 "$T/b")"; }
check() { jq -e "$1" "$T/b" >/dev/null || yz_fail "$2: $(head -c 600 "$T/b")"; }
login() { curl -sf -X POST -H "$J" -d "{\"login\":\"$1\",\"password\":\"$PW\"}" "$BASE/api/v1/session" | jq -r .token; }
uuid() { printf '%08x-%04x-4%03x-8%03x-%012x' $((RANDOM * RANDOM)) $RANDOM $((RANDOM % 4096)) $((RANDOM % 4096)) $((RANDOM * RANDOM * RANDOM)); }
# bad: a 4xx naming the field, in both languages
bad() { # status field what
    check ".field == \"$2\" and (.message | length > 0) and (.message_en | length > 0)" "$3: field $2"
}

read -r D1 D2 < <(curl -sf "$BASE/api/v1/districts" | jq -r '[.districts[].code] | "\(.[0]) \(.[1])"')
st_in() { curl -sf "$BASE/api/v1/stations?district=$1&per_page=1" | jq -r '.stations[0].id'; }
S1=$(st_in "$D1")
S2=$(st_in "$D2")
SC1=$(curl -sf "$BASE/api/v1/stations/$S1" | jq -r .code)
SC2=$(curl -sf "$BASE/api/v1/stations/$S2" | jq -r .code)

for u in "in$s:inspector" "ix$s:inspector" "op$s:operator:$S1" "da$s:district_admin:$D1"; do
    echo "$PW" | "$YZ_BIN" user add "${u%%:*}" --role "${u#*:}" --db "$YZ_DB" >/dev/null || yz_fail "user add $u"
done
IN=$(login "in$s")
IX=$(login "ix$s")
OP=$(login "op$s")
DA=$(login "da$s")

# --- standards as data ----------------------------------------------------------------------
expect "$(st "$BASE/api/v1/checklists")" 200 "checklists"
check '[.checklists[] | select(.code == "zj_8you" and .kind == "standard" and .active)] | length == 1' "the 八有 standard"
check '(.checklists[] | select(.code == "zj_8you") | .criteria | length) == 8' "eight criteria"
check '(.checklists[] | select(.code == "zj_8you") | [.criteria[].weight] | add) == 100' "weights"
check '(.checklists[] | select(.code == "zj_8you") | .criteria[] | select(.code == "sign") | .labels["zh-Hans"]) == "有统一标识名称"' "labels"
check '(.checklists[] | select(.code == "daily_self_check") | .kind) == "self_check"' "self-check"
CK=$(jq -r '.checklists[] | select(.code == "zj_8you") | .id' "$T/b")
SELF=$(jq -r '.checklists[] | select(.code == "daily_self_check") | .id' "$T/b")
SELF_CRIT=$(jq -r '.checklists[] | select(.code == "daily_self_check") | .criteria[0].id' "$T/b")
expect "$(st "$BASE/api/v1/checklists/$CK")" 200 "one checklist"
cp "$T/b" "$T/ck.json"
expect "$(st "$BASE/api/v1/checklists/999999")" 404 "unknown checklist"

# --- a secret inspection ---------------------------------------------------------------------
U1=$(uuid)
body="{\"station\":$S1,\"checklist\":$CK,\"kind\":\"secret\",\"client_id\":\"$U1\"}"
expect "$(st -X POST -H "Authorization: Bearer $IN" -H "$J" -d "$body" "$BASE/api/v1/inspections")" 201 "create"
I1=$(jq -r .id "$T/b")
check '.status == "draft" and .kind == "secret" and .scores == null' "a draft"
# the same form again (a phone back online): the same inspection, not a second one
expect "$(st -X POST -H "Authorization: Bearer $IN" -H "$J" -d "$body" "$BASE/api/v1/inspections")" 200 "create again"
check ".id == $I1" "create again: the same id"
expect "$(st -X POST -H "Authorization: Bearer $IX" -H "$J" -d "$body" "$BASE/api/v1/inspections")" 409 "client_id of another"
bad 409 client_id "client_id of another"
expect "$(st -X POST -H "Authorization: Bearer $IN" -H "$J" -d "{\"station\":$S1,\"checklist\":$CK,\"kind\":\"secret\",\"client_id\":\"not-a-uuid\"}" "$BASE/api/v1/inspections")" 400 "bad client_id"
bad 400 client_id "bad client_id"
expect "$(st -X POST -H "Authorization: Bearer $IN" -H "$J" -d "{\"station\":$S1,\"checklist\":$CK,\"kind\":\"experience_officer\",\"client_id\":\"$(uuid)\"}" "$BASE/api/v1/inspections")" 400 "staff officer kind"
bad 400 kind "staff officer kind"
expect "$(st -X POST -H "Authorization: Bearer $DA" -H "$J" -d "{\"station\":$S2,\"checklist\":$CK,\"kind\":\"open\",\"client_id\":\"$(uuid)\"}" "$BASE/api/v1/inspections")" 403 "district admin, another district"
expect "$(st -X POST -H "Authorization: Bearer $OP" -H "$J" -d "$body" "$BASE/api/v1/inspections")" 403 "operator creates"

# the operator neither sees it listed nor reads it (404: not even that it exists)
expect "$(st -H "Authorization: Bearer $OP" "$BASE/api/v1/inspections/$I1")" 404 "operator reads a secret draft"
expect "$(st -H "Authorization: Bearer $OP" "$BASE/api/v1/inspections/$U1")" 404 "operator reads it by client_id"
expect "$(st -H "Authorization: Bearer $OP" "$BASE/api/v1/inspections?station=$S1")" 200 "operator lists"
check "[.inspections[].id] | index($I1) == null" "operator's list hides the draft"
expect "$(st -H "Authorization: Bearer $IX" "$BASE/api/v1/inspections/$I1")" 403 "another inspector"
expect "$(st -H "Authorization: Bearer $IX" "$BASE/api/v1/inspections")" 200 "another inspector lists"
check "[.inspections[].id] | index($I1) == null" "another inspector's list"
expect "$(st -H "Authorization: Bearer $DA" "$BASE/api/v1/inspections/$I1")" 200 "the district admin reads it"
expect "$(st -H "Authorization: Bearer $DA" "$BASE/api/v1/inspections?district=$D2")" 403 "a district filter outside"
expect "$(st -H "Authorization: Bearer $IN" "$BASE/api/v1/inspections/$U1")" 200 "by client_id"
check ".id == $I1" "by client_id: the same"

# --- bad input: each refused naming the field, nothing changed -------------------------------
V0=$(jq -r .version "$T/b")
p() { st -X PATCH -H "Authorization: Bearer $IN" -H "$J" -d "$1" "$BASE/api/v1/inspections/$I1"; }
expect "$(p '{"scores":[{"criterion":"nope","pass":true}]}')" 400 "an unknown criterion"
bad 400 "scores[0].criterion" "an unknown criterion"
expect "$(p "{\"scores\":[{\"criterion\":$SELF_CRIT,\"pass\":true}]}")" 400 "a criterion of another checklist"
bad 400 "scores[0].criterion" "a criterion of another checklist"
expect "$(p '{"scores":[{"criterion":"facilities","score":101}]}')" 400 "a score out of range"
bad 400 "scores[0].score" "a score out of range"
expect "$(p '{"scores":[{"criterion":"facilities","score":-1}]}')" 400 "a negative score"
expect "$(p '{"scores":[{"criterion":"sign","score":57}]}')" 400 "a pass/fail criterion given 57"
bad 400 "scores[0].score" "a pass/fail criterion given 57"
expect "$(p '{"scores":[{"criterion":"facilities","pass":true}]}')" 400 "a 0-100 criterion given pass"
expect "$(p '{"scores":[{"criterion":"sign","pass":true,"photos":["abc"]}]}')" 400 "a bad photo hash"
bad 400 "scores[0].photos[0]" "a bad photo hash"
expect "$(p '{"scores":[{"criterion":"sign","pass":true},{"criterion":"sign","pass":false}]}')" 400 "a criterion twice"
expect "$(p '{"bogus":1}')" 400 "an unknown member"
# the first entry valid, the second not: nothing of either is kept
expect "$(p '{"scores":[{"criterion":"site","pass":true,"note":"x"},{"criterion":"facilities","score":700}]}')" 400 "half valid"
expect "$(st -H "Authorization: Bearer $IN" "$BASE/api/v1/inspections/$I1")" 200 "read back"
check ".version == $V0 and (.items | length) == 0" "nothing changed by bad input"

# --- a valid form; evidence missing on submit ------------------------------------------------
P1=$(printf 'a%.0s' $(seq 64))
form='{"note":"暗访","scores":[{"criterion":"sign","pass":true},{"criterion":"site","pass":true,"note":"路口"},
 {"criterion":"facilities","score":80,"photos":["'$P1'"]},{"criterion":"service_functions","score":60,"note":"缺热水"},
 {"criterion":"management_rules","pass":false,"photos":["'$P1'"]},{"criterion":"online_maps","pass":true},
 {"criterion":"publicity","pass":true,"photos":["'$P1'"]},{"criterion":"warm_service","pass":true,"note":"周五早餐"}]}'
expect "$(p "$form")" 200 "save the form"
check '.status == "draft" and (.items | length) == 8' "saved"
V1=$(jq -r .version "$T/b")
expect "$(st -X POST -H "Authorization: Bearer $IN" "$BASE/api/v1/inspections/$I1/submit")" 400 "submit without the sign's photo"
bad 400 "scores.sign" "missing evidence names the criterion"
# a stale version is refused
expect "$(st -X PATCH -H "Authorization: Bearer $IN" -H "$J" -H "If-Match: \"$V0\"" -d '{"note":"x"}' "$BASE/api/v1/inspections/$I1")" 409 "stale If-Match"
check '.error == "stale_version"' "stale"
# the photo, and only the photo: the pass stays
expect "$(p '{"scores":[{"criterion":"sign","photos":["'$P1'"]}]}')" 200 "add the photo"
check '.items[] | select(.criterion == "sign") | .pass == true' "a merge keeps the pass"
expect "$(st -X POST -H "Authorization: Bearer $IN" "$BASE/api/v1/inspections/$I1/submit")" 200 "submit"
cp "$T/b" "$T/submit1.json"
check '.status == "submitted" and .submitted_at != null' "submitted"
# the scores, reckoned here from the checklist's weights: points x weight / weight per dimension
awk_scores=$(jq -r --slurpfile f "$T/b" '
  .criteria as $c | ($f[0].items) as $it |
  [ $c[] | . as $cr | ($it[] | select(.criterion == $cr.code)) as $i |
    {d: $cr.dimension, w: $cr.weight, p: (if $cr.scoring == "pass_fail" then (if $i.pass then 100 else 0 end) else $i.score end)} ]
  | map("\(.d) \(.w) \(.p)") | .[]' "$T/ck.json" |
  awk '{ s[$1] += $2 * $3; w[$1] += $2; S += $2 * $3; W += $2 }
       END { printf "%.2f %.2f %.2f %.2f", S / W, s["hardware"] / w["hardware"], s["service"] / w["service"], s["operations"] / w["operations"] }')
read -r O HW SV OPS <<<"$awk_scores"
[ "$O $HW $SV $OPS" = "76.00 91.43 85.00 40.00" ] || yz_fail "the reckoning itself: $O $HW $SV $OPS"
check ".scores.overall == $O and .scores.hardware == $HW and .scores.service == $SV and .scores.operations == $OPS" "scores"

# submitting twice records it once and answers the same
expect "$(st -X POST -H "Authorization: Bearer $IN" "$BASE/api/v1/inspections/$I1/submit")" 200 "submit again"
cmp -s "$T/b" "$T/submit1.json" || yz_fail "a second submit answered differently"
# editing a submitted inspection: 409, nothing changed
expect "$(p '{"scores":[{"criterion":"sign","pass":false}]}')" 409 "edit after submit"
bad 409 status "edit after submit"
expect "$(st -H "Authorization: Bearer $IN" "$BASE/api/v1/inspections/$I1")" 200 "read back"
check '.version == '"$(jq .version "$T/submit1.json")"' and (.items[] | select(.criterion == "sign") | .pass == true)' "unchanged after 409"
# now the operator reads it
expect "$(st -H "Authorization: Bearer $OP" "$BASE/api/v1/inspections/$I1")" 200 "operator reads it submitted"
expect "$(st -H "Authorization: Bearer $OP" "$BASE/api/v1/inspections?station=$S1&kind=secret")" 200 "operator lists"
check "[.inspections[].id] | index($I1) != null" "operator's list shows it"
expect "$(st -X PATCH -H "Authorization: Bearer $OP" -H "$J" -d '{"note":"x"}' "$BASE/api/v1/inspections/$I1")" 403 "operator edits"

# the audit log: the patch with its "before"
curl -sf -H "$H" "$BASE/api/v1/audit?record=inspection:$I1&action=inspection_patch&outcome=ok" -o "$T/b"
check "(.entries | length) >= 2 and .entries[0].before.id == $I1 and .entries[0].record.district == \"$D1\" and .entries[0].before.status == \"draft\"" "audit before"
curl -sf -H "$H" "$BASE/api/v1/audit?record=inspection:$I1&action=inspection_submit" -o "$T/b"
check '[.entries[] | select(.outcome == "ok")] | length == 2' "both submits audited"

# --- scores and eligibility --------------------------------------------------------------------
expect "$(st -H "Authorization: Bearer $DA" "$BASE/api/v1/stations/$S1/scores")" 200 "station scores"
check "[.latest[] | select(.checklist.code == \"zj_8you\")] | length == 1 and .[0].inspection_id == $I1 and .[0].scores.overall == 76" "latest"
expect "$(st -H "Authorization: Bearer $DA" "$BASE/api/v1/stations/$S2/scores")" 403 "another district's scores"
expect "$(st -H "Authorization: Bearer $OP" "$BASE/api/v1/stations/$S1/eligibility")" 200 "eligibility"
check '(.tiers[] | select(.tier == "benchmark") | .eligible) == false' "not a benchmark"
check '(.tiers[] | select(.tier == "benchmark") | .rules[] | select(.rule == "criteria_met") | .passed == false and (.reason_en | contains("management_rules")) and (.reason_en | contains("1 of 8")))' "the criterion not met is named"
E0=$(jq .facts.events_12m "$T/b")
# four events within the last 12 months: the count grows by four. A new event cannot start in
# the past; an edit may record one that did.
past_event() { # days-ago
    local a z id
    a=$(date -u -d "-$1 days" +%Y-%m-%dT02:00:00Z)
    z=$(date -u -d "-$1 days" +%Y-%m-%dT04:00:00Z)
    id=$(curl -sf -X POST -H "$H" -H "$J" -d "{\"station\":$S1,\"title\":\"体检 $1\",\"category\":\"health\",\"starts_at\":\"2038-01-08T01:00:00Z\",\"ends_at\":\"2038-01-08T02:00:00Z\"}" "$BASE/api/v1/events" | jq -r .id)
    curl -sf -X PATCH -H "$H" -H "$J" -d "{\"starts_at\":\"$a\",\"ends_at\":\"$z\"}" "$BASE/api/v1/events/$id" >/dev/null || yz_fail "event $1 days ago"
}
for d in 10 40 70 100 400; do past_event $d; done # 400 days ago does not count
# a second inspection meeting everything
U2=$(uuid)
expect "$(st -X POST -H "$H" -H "$J" -d "{\"station\":\"$SC1\",\"checklist\":$CK,\"kind\":\"open\",\"client_id\":\"$U2\"}" "$BASE/api/v1/inspections")" 201 "second"
I2=$(jq -r .id "$T/b")
good=$(echo "$form" | jq -c '.scores |= map(if .criterion == "management_rules" then .pass = true
    elif .criterion == "sign" then .photos = ["'$P1'"] elif .score then .score = 100 else . end)')
# sent with the submit itself, as a phone that was offline does
expect "$(st -X POST -H "$H" -H "$J" -d "$good" "$BASE/api/v1/inspections/$U2/submit")" 200 "submit with the form"
check '.scores.overall == 100 and .status == "submitted"' "all met: 100"
expect "$(st -H "Authorization: Bearer $OP" "$BASE/api/v1/stations/$S1/eligibility")" 200 "eligibility after"
check ".facts.events_12m == $E0 + 4" "four more events in 12 months"
check '(.tiers[] | select(.tier == "benchmark") | .rules[] | select(.rule == "criteria_met") | .passed)' "criteria met"
check "(.tiers[] | select(.tier == \"benchmark\") | .eligible) == (.facts.events_12m >= 4)" "benchmark: both rules"
check '(.tiers[] | select(.tier == "smart24h") | .rules | length) == 2' "smart24h rules"
expect "$(st -H "Authorization: Bearer $DA" "$BASE/api/v1/stations/$S1/scores")" 200 "scores after"
check "(.latest[] | select(.checklist.code == \"zj_8you\") | .inspection_id) == $I2 and ([.history[] | select(.checklist.code == \"zj_8you\" and .inspection_id >= $I1) | .inspection_id]) == [$I2, $I1]" "history newest first"

# --- an experience officer -------------------------------------------------------------------
W=$(curl -sf -X POST "$BASE/api/v1/workers" | jq -r .token)
X=$(curl -sf -X POST "$BASE/api/v1/workers" | jq -r .token)
U3=$(uuid)
obody="{\"station\":$S2,\"checklist\":$SELF,\"client_id\":\"$U3\"}"
expect "$(st -X POST -H "Authorization: Bearer $W" -H "$J" -d "$obody" "$BASE/api/v1/officer/inspections")" 403 "not an officer yet"
expect "$(st -X POST -H "Authorization: Bearer $W" "$BASE/api/v1/officers/code")" 201 "a code"
CODE=$(jq -r .code "$T/b")
expect "$(st -X POST -H "Authorization: Bearer $OP" -H "$J" -d "{\"code\":\"$CODE\"}" "$BASE/api/v1/officers")" 403 "an operator appoints"
expect "$(st -X POST -H "$H" -H "$J" -d '{"code":"0O1IL"}' "$BASE/api/v1/officers")" 400 "a malformed code"
bad 400 code "a malformed code"
expect "$(st -X POST -H "$H" -H "$J" -d '{"code":"2345678923"}' "$BASE/api/v1/officers")" 404 "an unknown code"
expect "$(st -X POST -H "$H" -H "$J" -d "{\"code\":\"$CODE\"}" "$BASE/api/v1/officers")" 201 "appoint"
check '.worker_id > 0 and .id > 0' "appointed"
expect "$(st -X POST -H "$H" -H "$J" -d "{\"code\":\"$CODE\"}" "$BASE/api/v1/officers")" 404 "a code is used once"
expect "$(st -X POST -H "Authorization: Bearer $W" -H "$J" -d "$obody" "$BASE/api/v1/officer/inspections")" 201 "officer opens"
I3=$(jq -r .id "$T/b")
check '.kind == "experience_officer" and .officer_id > 0' "officer's kind"
expect "$(st -X PATCH -H "Authorization: Bearer $W" -H "$J" -d '{"scores":[{"criterion":"facilities_intact","pass":true},{"criterion":"water_power_safe","pass":true},{"criterion":"tidy","pass":false}]}' "$BASE/api/v1/officer/inspections/$I3")" 200 "officer scores"
# no check-in: refused, nothing changed
expect "$(st -X POST -H "Authorization: Bearer $W" "$BASE/api/v1/officer/inspections/$I3/submit")" 409 "submit without a check-in"
bad 409 presence "presence"
# a check-in at another station does not prove presence here
curl -sf -X POST -H "Authorization: Bearer $W" -H "$J" -d "{\"station_code\":\"$SC1\"}" "$BASE/api/v1/visits" >/dev/null
expect "$(st -X POST -H "Authorization: Bearer $W" "$BASE/api/v1/officer/inspections/$I3/submit")" 409 "a check-in elsewhere"
expect "$(st -H "Authorization: Bearer $W" "$BASE/api/v1/officer/inspections/$I3")" 200 "still a draft"
check '.status == "draft"' "still a draft"
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $W" -H "$J" -d "{\"station_code\":\"$SC2\"}" "$BASE/api/v1/visits")
[ "$code" = 201 ] || [ "$code" = 200 ] || yz_fail "check-in: $code"
expect "$(st -X POST -H "Authorization: Bearer $W" "$BASE/api/v1/officer/inspections/$I3/submit")" 200 "submit with a check-in"
check '.status == "submitted" and .scores.overall == 80 and .scores.hardware == 100 and .scores.operations == (40 * 100 / 60 * 100 | round / 100)' "officer scores: 40+40 of 100"
check '.presence_verified == false' "a plain check-in is presence, not verified presence (318 has the verified one)"
expect "$(st -H "Authorization: Bearer $W" "$BASE/api/v1/officer/inspections")" 200 "officer's list"
check "[.inspections[].id] == [$I3]" "only their own"
expect "$(st -H "Authorization: Bearer $W" "$BASE/api/v1/officer/inspections/$I1")" 404 "another's inspection"
expect "$(st -H "Authorization: Bearer $X" "$BASE/api/v1/officer/inspections")" 403 "a worker who is not an officer"
expect "$(st -H "Authorization: Bearer $IN" "$BASE/api/v1/officer/inspections")" 401 "a session on a worker route"
echo "inspections: ok"
