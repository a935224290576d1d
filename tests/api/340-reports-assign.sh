#!/usr/bin/env bash
# backends: sqlite pg
# 340-reports-assign.sh - the reports board's server side (issue 11, docs/internals/reports.md):
# assigning a report to an operator (PATCH assigned_to: the user must exist, not be disabled,
# and be an operator or district admin whose scope covers the report's station; null
# unassigns), shown to staff only; the list filters district, assigned_to (an id, me, none),
# description_status=held and order=oldest; a held text rejected by a moderator; bad input
# refused naming the field with nothing changed; the audit entries with before and after.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib.sh"
J="Content-Type: application/json"
F="Content-Type: application/x-www-form-urlencoded"
T=$CASE_TMP
s=$RANDOM
export YIZHAN_PWHASH=min
PW=assign-test-pw-1

st() { curl -s -o "$T/b" -w '%{http_code}' "$@"; }
expect() { [ "$1" = "$2" ] || yz_fail "$3: got $1, expected $2: $(head -c 400 "$T/b")"; }
login() { curl -s -X POST -H "$J" -d "{\"login\":\"$1\",\"password\":\"$2\"}" "$BASE/api/v1/session"; }
as() { local who=$1; shift; st -H "Authorization: Bearer $who" "$@"; }
patch() { as "$1" -X PATCH -H "$J" -d "$3" "$BASE/api/v1/reports/$2"; }

read -r D1 D2 < <(curl -sf "$BASE/api/v1/districts" | jq -r '[.districts[].code] | "\(.[0]) \(.[1])"')
read -r S1 C1 < <(curl -sf "$BASE/api/v1/stations?district=$D1&per_page=1" | jq -r '.stations[0] | "\(.id) \(.code)"')
S2=$(curl -sf "$BASE/api/v1/stations?district=$D2&per_page=1" | jq -r '.stations[0].id')

add() { echo "$PW" | "$YZ_BIN" user add "$1" "${@:2}" --db "$YZ_DB" >/dev/null || yz_fail "user add $1"; }
add "da$s" --role "district_admin:$D1"
add "op$s" --role "operator:$S1"
add "oq$s" --role "operator:$S2"
add "vw$s" --role viewer
add "mo$s" --role moderator
add "gone$s" --role "operator:$S1"
"$YZ_BIN" user disable "gone$s" --db "$YZ_DB" >/dev/null || yz_fail "user disable"
tok() { login "$1$s" "$PW" | jq -r .token; }
uid() { login "$1$s" "$PW" | jq -r .user.id; }
DA=$(tok da) OP=$(tok op) OQ=$(tok oq) VW=$(tok vw) MO=$(tok mo)
OP_ID=$(uid op) OQ_ID=$(uid oq) VW_ID=$(uid vw) DA_ID=$(uid da)
GONE_ID=$("$YZ_BIN" user list --db "$YZ_DB" | awk -v l="gone$s" '$0 ~ l {print $1; exit}')
[ -n "$GONE_ID" ] || yz_fail "disabled user's id"

# A report at S1 (a new one, or the open one of the same service it joins).
code=$(st -X POST -H "$F" -d "service_code=ac_broken&attribute%5Bstation_code%5D=$C1&description=%E7%A9%BA%E8%B0%83%E4%B8%8D%E5%88%B6%E5%86%B7" \
    "$BASE/open311/v2/requests.json")
[ "$code" = 201 ] || [ "$code" = 200 ] || yz_fail "create: $code $(cat "$T/b")"
R=$(jq -r '.[0].service_request_id' "$T/b")
# Start unassigned (an earlier run of the same database may have assigned it).
expect "$(patch "$DA" "$R" '{"assigned_to":null}')" 200 "unassign first"

# 1. bad input: 4xx naming the field, nothing changed
for bad in '{"assigned_to":999999999}' "{\"assigned_to\":$VW_ID}" "{\"assigned_to\":$OQ_ID}" \
    "{\"assigned_to\":$GONE_ID}" '{"assigned_to":"x"}' '{"assigned_to":0}' '{"assigned_to":1.5}' \
    '{"assigned_to":true}'; do
    code=$(patch "$DA" "$R" "$bad")
    expect "$code" 400 "assign $bad"
    yz_jq "$T/b" '.field == "assigned_to" and (.message | length > 0) and (.message_en | length > 0)' "field of $bad"
done
expect "$(as "$DA" "$BASE/api/v1/reports/$R")" 200 "read back"
yz_jq "$T/b" '.assigned_to == null and .assignee == null' "nothing changed by bad input"
yz_jq "$T/b" '(.assignable | map(.id)) as $a | ($a | index('"$OP_ID"') != null)
    and ($a | index('"$DA_ID"') != null) and ($a | index('"$VW_ID"') == null)
    and ($a | index('"$OQ_ID"') == null) and ($a | index('"$GONE_ID"') == null)' "assignable users"

# 2. out of scope: the operator of another station may not touch it
expect "$(patch "$OQ" "$R" "{\"assigned_to\":$OQ_ID}")" 403 "other station's operator"
expect "$(patch "$MO" "$R" "{\"assigned_to\":$OP_ID}")" 403 "a moderator assigns nothing"

# 3. assign, with a status step, in one PATCH
code=$(patch "$DA" "$R" "{\"assigned_to\":$OP_ID,\"status\":\"acknowledged\"}")
[ "$code" = 200 ] || [ "$code" = 409 ] || yz_fail "assign: $code $(cat "$T/b")"
code=$(patch "$DA" "$R" "{\"assigned_to\":$OP_ID}")
expect "$code" 200 "assign"
yz_jq "$T/b" '.assigned_to == '"$OP_ID"' and .assignee.login == "op'$s'"' "assigned"
# staff see it, the public does not
expect "$(st "$BASE/api/v1/reports/$R")" 200 "public get"
yz_jq "$T/b" 'has("assigned_to") | not' "public: no assignee"
expect "$(as "$OP" "$BASE/api/v1/reports/$R")" 200 "operator get"
yz_jq "$T/b" '.assigned_to == '"$OP_ID"

# 4. the list: assigned_to me / id / none; staff only
expect "$(as "$OP" "$BASE/api/v1/reports?assigned_to=me&limit=1000")" 200 "me"
yz_jq "$T/b" 'any(.reports[]; .id == '"$R"') and all(.reports[]; .assigned_to == '"$OP_ID"')' "my reports"
expect "$(as "$DA" "$BASE/api/v1/reports?assigned_to=me&limit=1000")" 200 "me (da)"
yz_jq "$T/b" 'all(.reports[]; .id != '"$R"')' "not the district admin's"
expect "$(as "$DA" "$BASE/api/v1/reports?assigned_to=$OP_ID&limit=1000")" 200 "by id"
yz_jq "$T/b" 'any(.reports[]; .id == '"$R"')'
expect "$(as "$DA" "$BASE/api/v1/reports?assigned_to=none&limit=1000")" 200 "none"
yz_jq "$T/b" 'all(.reports[]; .id != '"$R"')' "unassigned excludes it"
expect "$(st "$BASE/api/v1/reports?assigned_to=$OP_ID")" 403 "public filter"
yz_jq "$T/b" '.field == "assigned_to"'
expect "$(as "$DA" "$BASE/api/v1/reports?assigned_to=abc")" 400 "bad filter"
yz_jq "$T/b" '.field == "assigned_to"'

# 5. the district filter, checked against the stations' own districts
curl -sf "$BASE/api/v1/stations.geojson?district=$D1" | jq "[.features[].id]" >"$T/d1"
expect "$(as "$DA" "$BASE/api/v1/reports?district=$D1&limit=1000")" 200 "district"
jq -e --slurpfile ids "$T/d1" '(.count > 0) and any(.reports[]; .id == '"$R"')
    and all(.reports[]; .station_id as $s | $ids[0] | index($s) != null)' "$T/b" >/dev/null ||
    yz_fail "district filter: $(head -c 300 "$T/b")"
expect "$(as "$DA" "$BASE/api/v1/reports?district=$D2&limit=1000")" 200 "district 2"
yz_jq "$T/b" 'all(.reports[]; .id != '"$R"' and (has("assigned_to") | not))' \
    "another district: no staff details for a district admin"
expect "$(st "$BASE/api/v1/reports?district=nowhere")" 400 "unknown district"
yz_jq "$T/b" '.field == "district"'
expect "$(st "$BASE/api/v1/reports?order=sideways")" 400 "bad order"
yz_jq "$T/b" '.field == "order"'
expect "$(st "$BASE/api/v1/reports?order=oldest&limit=1000")" 200 "oldest first"
yz_jq "$T/b" '[.reports[].requested_at] as $t | $t == ($t | sort)' "oldest first order"

# 6. unassign; the audit log has both changes with before and after
expect "$(patch "$DA" "$R" '{"assigned_to":null}')" 200 "unassign"
yz_jq "$T/b" '.assigned_to == null'
CA=$TOKEN
expect "$(as "$CA" "$BASE/api/v1/audit?record=report:$R&action=report_patch&user=da$s&outcome=ok&limit=10")" 200 "audit"
yz_jq "$T/b" '(.entries[0] | .before.assigned_to == '"$OP_ID"' and .after.assigned_to == null
    and .record.district == "'"$D1"'" and .before.id == '"$R"')
    and any(.entries[]; .before.assigned_to == null and .after.assigned_to == '"$OP_ID"'
        and .after.assignee.login == "op'$s'")' "audit entries"
expect "$(as "$CA" "$BASE/api/v1/audit?record=report:$R&user=da$s&outcome=refused&limit=20")" 200 "audit refused"
yz_jq "$T/b" '(.entries | length) >= 8 and all(.entries[]; .status == 400 and (.reason | test("assigned_to")))' \
    "refused assignments logged"

# 7. a held text: listed for moderators, rejected (stays hidden, leaves the queue)
code=$(st -X POST -H "$F" -d "service_code=other&attribute%5Bstation_code%5D=$C1&description=%E5%8A%A0%E5%BE%AE%E4%BF%A1+abc12345+%E4%BB%A3%E5%BC%80%E5%8F%91%E7%A5%A8+%E5%88%B7%E5%8D%95+$s" \
    "$BASE/open311/v2/requests.json")
[ "$code" = 201 ] || [ "$code" = 200 ] || yz_fail "create held: $code $(cat "$T/b")"
H=$(jq -r '.[0].service_request_id' "$T/b")
expect "$(as "$MO" "$BASE/api/v1/reports?description_status=held&limit=1000")" 200 "held list"
jq -e 'any(.reports[]; .description_status == "held" and (.description | contains("'"$s"'")))
    and all(.reports[]; .description_status == "held")' "$T/b" >/dev/null || yz_fail "held list: $(head -c 300 "$T/b")"
HID=$(jq -r '[.reports[] | select(.description | contains("'"$s"'"))][0].id' "$T/b")
expect "$(patch "$MO" "$HID" '{"description_status":"rejected"}')" 200 "reject text"
yz_jq "$T/b" '.description_status == "rejected"'
expect "$(patch "$MO" "$HID" '{"description_status":"rejected"}')" 409 "reject twice"
yz_jq "$T/b" '.field == "description_status"'
expect "$(patch "$MO" "$HID" '{"description_status":"spam"}')" 400 "bad text status"
yz_jq "$T/b" '.field == "description_status"'
expect "$(as "$MO" "$BASE/api/v1/reports?description_status=held&limit=1000")" 200 "held list after"
yz_jq "$T/b" 'all(.reports[]; .id != '"$HID"')' "rejected text left the queue"
expect "$(st "$BASE/api/v1/reports/$H")" 200 "public after reject"
yz_jq "$T/b" '.description == null' "a rejected text stays hidden"
expect "$(as "$CA" "$BASE/api/v1/audit?record=report:$HID&action=report_patch&outcome=ok&limit=1")" 200 "audit reject"
yz_jq "$T/b" '.entries[0] | .before.description_status == "held" and .after.description_status == "rejected"'
echo ok
