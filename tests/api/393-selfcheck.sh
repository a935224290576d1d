#!/usr/bin/env bash
# backends: sqlite pg
# 393-selfcheck.sh - operators' daily self-checks and the experience officers' list and
# revocation (docs/internals/inspections.md): an operator submits today's self-check of their
# station (201, a task for the failed criterion, checked in the tasks table), the same form
# again (200, the same answer, one row), a second form the same local day (409 station), bad
# input (unknown criterion, a criterion of another list, a score on a pass/fail criterion, a
# criterion missing, a bad client_id, another operator's station 403, another district's
# station for a district admin 403) with nothing written; compliance (today's status and the
# shares of 7 / 30 days, computed again here from the self_checks table), its scope; the
# self-check is left out of the station's scores and of the inspection lists. Officers: the
# list (no worker id), revoke with a reason (audited with before), twice 409, then the officer
# routes answer 403 and a draft cannot be submitted, the submitted inspection stays.
# Uses the suite's server (BASE, TOKEN, YZ_DB).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib.sh"
H="Authorization: Bearer $TOKEN"
J="Content-Type: application/json"
T=$CASE_TMP
s=$RANDOM
export YIZHAN_PWHASH=min
PW=selfcheck-pw-1

st() { curl -s -o "$T/b" -D "$T/h" -w '%{http_code}' "$@"; }
expect() { [ "$1" = "$2" ] || yz_fail "$3: got $1, expected $2: $(head -c 400 "$T/b")"; }
check() { jq -e "$1" "$T/b" >/dev/null || yz_fail "$2: $(head -c 600 "$T/b")"; }
login() { curl -sf -X POST -H "$J" -d "{\"login\":\"$1\",\"password\":\"$PW\"}" "$BASE/api/v1/session" | jq -r .token; }
uuid() { printf '%08x-%04x-4%03x-8%03x-%012x' $((RANDOM * RANDOM)) $RANDOM $((RANDOM % 4096)) $((RANDOM % 4096)) $((RANDOM * RANDOM * RANDOM)); }
bad() { check ".field == \"$1\" and (.message | length > 0) and (.message_en | length > 0) and .message != .message_en" "$2: field $1"; }
as() { local tok=$1; shift; st -H "Authorization: Bearer $tok" "$@"; }
sql() {
    if [[ $YZ_DB == postgres* ]]; then psql -qtA "$YZ_DB" -c "$1"; else sqlite3 "$YZ_DB" "$1"; fi
}
count() { sql "SELECT (SELECT count(*) FROM self_checks) || ':' || (SELECT count(*) FROM inspections) || ':' || (SELECT count(*) FROM tasks)"; }

read -r D1 D2 < <(curl -sf "$BASE/api/v1/districts" | jq -r '[.districts[].code] | "\(.[0]) \(.[1])"')
# the third station of each district: 388 and 391 keep the first and second to themselves
st_in() { curl -sf "$BASE/api/v1/stations?district=$1&per_page=3" | jq -r '.stations[-1].id'; }
S1=$(st_in "$D1")
S2=$(st_in "$D2")
for u in "op$s --role operator:$S1" "oq$s --role operator:$S2" "da$s --role district_admin:$D1" \
    "vw$s --role viewer" "in$s --role inspector"; do
    # shellcheck disable=SC2086
    echo "$PW" | "$YZ_BIN" user add $u --db "$YZ_DB" >/dev/null || yz_fail "user add $u"
done
OP=$(login "op$s")
OQ=$(login "oq$s")
DA=$(login "da$s")
VW=$(login "vw$s")
IN=$(login "in$s")
OP_ID=$(curl -sf -H "Authorization: Bearer $OP" "$BASE/api/v1/session" | jq -r '.user.id')
SELF=$(curl -sf "$BASE/api/v1/checklists" | jq -r '.checklists[] | select(.code == "daily_self_check") | .id')
STD=$(curl -sf "$BASE/api/v1/checklists" | jq -r '.checklists[] | select(.code == "zj_8you") | .id')
STD_SIGN=$(curl -sf "$BASE/api/v1/checklists/$STD" | jq -r '.criteria[] | select(.code == "sign") | .id')
TODAY=$(TZ=Asia/Shanghai date +%F)

form() { # client_id station scores-json
    printf '{"station":%s,"client_id":"%s","scores":%s}' "$2" "$1" "$3"
}
ALLPASS='[{"criterion":"facilities_intact","pass":true},{"criterion":"water_power_safe","pass":true},{"criterion":"tidy","pass":true}]'
ONEFAIL='[{"criterion":"facilities_intact","pass":true},{"criterion":"water_power_safe","pass":false,"note":"插座松动"},{"criterion":"tidy","pass":true}]'

# --- compliance before: S1 not submitted today ------------------------------------------------
expect "$(as "$OP" "$BASE/api/v1/selfchecks")" 200 "operator's compliance"
check "[.stations[].id] == [$S1] and .stations[0].today == null and .day == \"$TODAY\"" "operator sees only S1, not submitted"
D7=$(jq -r .stations[0].days_7d "$T/b")

# --- bad input: 4xx naming the field, nothing written -----------------------------------------
n0=$(count)
C=$(uuid)
expect "$(as "$OP" -X POST -H "$J" -d "$(form "$C" "$S1" '[{"criterion":"no_such","pass":true}]')" "$BASE/api/v1/selfchecks")" 400 "unknown criterion"
bad "scores[0].criterion" "unknown criterion"
expect "$(as "$OP" -X POST -H "$J" -d "$(form "$C" "$S1" "[{\"criterion\":$STD_SIGN,\"pass\":true}]")" "$BASE/api/v1/selfchecks")" 400 "criterion of another list"
bad "scores[0].criterion" "criterion of another list"
expect "$(as "$OP" -X POST -H "$J" -d "$(form "$C" "$S1" '[{"criterion":"tidy","score":57}]')" "$BASE/api/v1/selfchecks")" 400 "a score on a pass/fail criterion"
check '.field | startswith("scores[0]")' "score field"
expect "$(as "$OP" -X POST -H "$J" -d "$(form "$C" "$S1" '[{"criterion":"tidy","pass":true}]')" "$BASE/api/v1/selfchecks")" 400 "criteria missing"
bad "scores.facilities_intact" "criteria missing"
expect "$(as "$OP" -X POST -H "$J" -d "$(form "not-a-uuid" "$S1" "$ALLPASS")" "$BASE/api/v1/selfchecks")" 400 "bad client_id"
bad client_id "bad client_id"
expect "$(as "$OP" -X POST -H "$J" -d "$(form "$C" 999999999 "$ALLPASS")" "$BASE/api/v1/selfchecks")" 400 "no such station"
bad station "no such station"
expect "$(as "$OP" -X POST -H "$J" -d "{\"station\":$S1,\"client_id\":\"$C\",\"scores\":$ALLPASS,\"checklist\":$STD}" "$BASE/api/v1/selfchecks")" 400 "a standard as the list"
bad checklist "a standard as the list"
expect "$(as "$OP" -X POST -H "$J" -d "{\"station\":$S1,\"client_id\":\"$C\",\"scores\":$ALLPASS,\"x\":1}" "$BASE/api/v1/selfchecks")" 400 "unknown member"
expect "$(as "$OQ" -X POST -H "$J" -d "$(form "$C" "$S1" "$ALLPASS")" "$BASE/api/v1/selfchecks")" 403 "another operator's station"
expect "$(as "$IN" -X POST -H "$J" -d "$(form "$C" "$S1" "$ALLPASS")" "$BASE/api/v1/selfchecks")" 403 "an inspector"
expect "$(as "$DA" -X POST -H "$J" -d "$(form "$C" "$S2" "$ALLPASS")" "$BASE/api/v1/selfchecks")" 403 "district admin, another district"
[ "$(count)" = "$n0" ] || yz_fail "refused self-checks wrote something: $n0 -> $(count)"

# --- the operator submits: one failed criterion opens one task --------------------------------
expect "$(as "$OP" -X POST -H "$J" -d "$(form "$C" "$S1" "$ONEFAIL")" "$BASE/api/v1/selfchecks")" 201 "submit"
cp "$T/b" "$T/first"
check ".day == \"$TODAY\" and .failed == 1 and .submitted_by == $OP_ID and .inspection.status == \"submitted\" and .inspection.station.id == $S1 and .inspection.checklist.id == $SELF" "the answer"
I=$(jq -r .inspection.id "$T/b")
[ "$(sql "SELECT count(*) FROM tasks WHERE inspection_id = $I AND criterion_code = 'water_power_safe'")" = 1 ] || yz_fail "no task for the failed criterion"
[ "$(sql "SELECT count(*) FROM tasks WHERE inspection_id = $I")" = 1 ] || yz_fail "tasks for passed criteria"
[ "$(sql "SELECT day || ':' || submitted_by FROM self_checks WHERE inspection_id = $I")" = "$TODAY:$OP_ID" ] || yz_fail "self_checks row"
# the task is high severity: its deadline is 3 days (task_deadlines) after it opened
[ "$(sql "SELECT deadline - created_at FROM tasks WHERE inspection_id = $I")" = "$(sql "SELECT days * 86400 FROM task_deadlines WHERE severity = 'high'")" ] || yz_fail "deadline by severity"
# the audit log has it
expect "$(st -H "$H" "$BASE/api/v1/audit?record=inspection:$I&action=selfchecks_create&outcome=ok&limit=5")" 200 "audit"
check "(.entries | length) == 1 and .entries[0].record.district == \"$D1\" and .entries[0].after.inspection.id == $I" "audit entry"

# the same form again (a phone back online): the same answer, nothing more
n1=$(count)
expect "$(as "$OP" -X POST -H "$J" -d "$(form "$C" "$S1" "$ONEFAIL")" "$BASE/api/v1/selfchecks")" 200 "the same form again"
jq -S 'del(.inspection.updated_at)' "$T/b" >"$T/again.s"
jq -S 'del(.inspection.updated_at)' "$T/first" >"$T/first.s"
cmp -s "$T/again.s" "$T/first.s" || yz_fail "the form again answered differently"
[ "$(count)" = "$n1" ] || yz_fail "the form again wrote something"
# its client_id used by another operator: 409
expect "$(as "$DA" -X POST -H "$J" -d "$(form "$C" "$S1" "$ALLPASS")" "$BASE/api/v1/selfchecks")" 409 "client_id of another"
bad client_id "client_id of another"
# a second form the same day: 409 naming the station
expect "$(as "$DA" -X POST -H "$J" -d "$(form "$(uuid)" "$S1" "$ALLPASS")" "$BASE/api/v1/selfchecks")" 409 "twice the same day"
bad station "twice the same day"
[ "$(count)" = "$n1" ] || yz_fail "the second self-check wrote something"

# --- compliance: S1 done, checked against the self_checks table ------------------------------
expect "$(as "$OP" "$BASE/api/v1/selfchecks")" 200 "operator's compliance after"
check ".stations[0].today.inspection == $I and .stations[0].today.failed == 1 and .stations[0].days_7d == $((D7 + 1)) and .submitted_today == 1 and .share_today == 1" "S1 submitted"
FROM30=$(TZ=Asia/Shanghai date -d '29 days ago' +%F)
want30=$(sql "SELECT count(*) FROM self_checks WHERE station_id = $S1 AND day >= '$FROM30' AND day <= '$TODAY'")
check ".stations[0].days_30d == $want30 and (.stations[0].share_30d - $want30 / 30 | fabs) < 0.001" "30 days against the table"
expect "$(as "$DA" "$BASE/api/v1/selfchecks")" 200 "district admin's compliance"
check "all(.stations[]; .district_code == \"$D1\") and (.stations | map(select(.id == $S1)) | .[0].today.inspection == $I)" "district admin: their district"
nd=$(curl -sf "$BASE/api/v1/stations?district=$D1&per_page=1" | jq -r .total)
check ".count == $nd" "district admin: every station of the district ($nd)"
expect "$(as "$DA" "$BASE/api/v1/selfchecks?district=$D2")" 403 "district admin, another district"
expect "$(as "$OP" "$BASE/api/v1/selfchecks?station=$S2")" 403 "operator, another station"
expect "$(as "$VW" "$BASE/api/v1/selfchecks?station=$S1")" 200 "viewer"
check ".count == 1 and .stations[0].today.inspection == $I" "viewer sees S1"
expect "$(as "$IN" "$BASE/api/v1/selfchecks")" 403 "inspector"
expect "$(as "$OP" "$BASE/api/v1/selfchecks?x=1")" 400 "unknown parameter"

# --- kept out of scores and inspection lists -------------------------------------------------
expect "$(st -H "$H" "$BASE/api/v1/stations/$S1/scores")" 200 "scores"
check "[.history[] | select(.id == $I)] | length == 0" "a self-check is not in the scores"
expect "$(st -H "$H" "$BASE/api/v1/inspections?station=$S1")" 200 "inspections"
check "[.inspections[] | select(.id == $I)] | length == 0" "a self-check is not in the inspection list"
expect "$(as "$OP" "$BASE/api/v1/inspections/$I")" 200 "the operator reads their self-check"

# --- officers: list, revoke -----------------------------------------------------------------
W=$(curl -sf -X POST "$BASE/api/v1/workers" | jq -r .token)
CODE=$(curl -sf -X POST -H "Authorization: Bearer $W" "$BASE/api/v1/officers/code" | jq -r .code)
O=$(curl -sf -X POST -H "$H" -H "$J" -d "{\"code\":\"$CODE\"}" "$BASE/api/v1/officers" | jq -r .id)
WH="Authorization: Bearer $W"
# one submitted inspection (with a check-in) and one draft
curl -sf -X POST -H "$WH" -H "$J" -d "{\"station_code\":\"$(curl -sf "$BASE/api/v1/stations/$S2" | jq -r .code)\"}" "$BASE/api/v1/visits" >/dev/null || yz_fail "check-in"
OI=$(curl -sf -X POST -H "$WH" -H "$J" -d "{\"station\":$S2,\"checklist\":$SELF,\"client_id\":\"$(uuid)\"}" "$BASE/api/v1/officer/inspections" | jq -r .id)
curl -sf -X POST -H "$WH" -H "$J" -d "{\"scores\":$ALLPASS}" "$BASE/api/v1/officer/inspections/$OI/submit" >/dev/null || yz_fail "officer submit"
OD=$(curl -sf -X POST -H "$WH" -H "$J" -d "{\"station\":$S2,\"checklist\":$SELF,\"client_id\":\"$(uuid)\"}" "$BASE/api/v1/officer/inspections" | jq -r .id)
expect "$(st -H "$H" "$BASE/api/v1/officers")" 200 "officers list"
check "(.officers[] | select(.id == $O) | .active == true and .inspections == 1 and (.last_inspection_at | type == \"string\") and .revoked_at == null) and all(.officers[]; has(\"worker_id\") | not)" "listed, pseudonymous"
[ "$(jq -r '.officers | length' "$T/b")" = "$(sql 'SELECT count(*) FROM officers')" ] || yz_fail "list against the table"
expect "$(as "$DA" "$BASE/api/v1/officers")" 403 "district admin lists officers"
expect "$(as "$DA" -X POST -H "$J" -d '{"reason":"x"}' "$BASE/api/v1/officers/$O/revoke")" 403 "district admin revokes"
expect "$(st -X POST -H "$H" -H "$J" -d '{}' "$BASE/api/v1/officers/$O/revoke")" 400 "no reason"
bad reason "no reason"
expect "$(st -X POST -H "$H" -H "$J" -d '{"reason":"   "}' "$BASE/api/v1/officers/$O/revoke")" 400 "blank reason"
expect "$(st -X POST -H "$H" -H "$J" -d "{\"reason\":\"$(printf 'x%.0s' {1..201})\"}" "$BASE/api/v1/officers/$O/revoke")" 400 "reason too long"
expect "$(st -X POST -H "$H" -H "$J" -d '{"reason":"x"}' "$BASE/api/v1/officers/999999999/revoke")" 404 "no such officer"
[ "$(sql "SELECT count(*) FROM officers WHERE id = $O AND revoked_at IS NULL")" = 1 ] || yz_fail "refused revocations changed the officer"
expect "$(st -X POST -H "$H" -H "$J" -d '{"reason":"离职 / left the job"}' "$BASE/api/v1/officers/$O/revoke")" 200 "revoke"
check ".id == $O and .active == false and (.revoked_at | type == \"string\") and .revoke_reason == \"离职 / left the job\"" "revoked"
expect "$(st -X POST -H "$H" -H "$J" -d '{"reason":"again"}' "$BASE/api/v1/officers/$O/revoke")" 409 "revoke twice"
bad id "revoke twice"
[ "$(sql "SELECT revoke_reason FROM officers WHERE id = $O")" = "离职 / left the job" ] || yz_fail "the second revocation changed the reason"
expect "$(st -H "$H" "$BASE/api/v1/audit?record=officer:$O&action=officer_revoke&outcome=ok&limit=5")" 200 "audit revoke"
check "(.entries | length) == 1 and .entries[0].before.active == true and .entries[0].after.active == false" "audit entry with before"
# the revoked officer's token: 403 on the officer routes, the draft not submittable
expect "$(st -H "$WH" "$BASE/api/v1/officer/inspections")" 403 "revoked: list"
expect "$(st -X POST -H "$WH" -H "$J" -d "{\"scores\":$ALLPASS}" "$BASE/api/v1/officer/inspections/$OD/submit")" 403 "revoked: submit the draft"
expect "$(st -X POST -H "$WH" -H "$J" -d "{\"station\":$S2,\"checklist\":$SELF,\"client_id\":\"$(uuid)\"}" "$BASE/api/v1/officer/inspections")" 403 "revoked: create"
expect "$(st -H "$WH" "$BASE/api/v1/officer")" 200 "revoked: status"
check '.officer == false' "status says not an officer"
[ "$(sql "SELECT status FROM inspections WHERE id = $OD")" = draft ] || yz_fail "the draft changed"
expect "$(st -H "$H" "$BASE/api/v1/inspections/$OI")" 200 "the submitted inspection stays"
check '.status == "submitted"' "still submitted"
expect "$(st -H "$H" "$BASE/api/v1/officers")" 200 "officers list after"
check "(.officers[] | select(.id == $O) | .active == false and .inspections == 1)" "listed as revoked"
echo "ok"
