#!/usr/bin/env bash
# backends: sqlite pg
# 380-audit.sh - the audit log (docs/internals/audit.md): changes made as different users (a
# station edit, a refused edit by an out-of-district admin, a failed login, a user's role
# change, a moderation approve) read back with each filter (user, record, district, from/to,
# action, outcome, paging), before/after JSON, no password or token anywhere, the CSV (BOM,
# formula cells guarded), a district admin seeing only their district's entries, and the log
# refusing UPDATE and DELETE in the database. Uses the suite's server (BASE, TOKEN, YZ_DB).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib.sh"
H="Authorization: Bearer $TOKEN"
J="Content-Type: application/json"
T=$CASE_TMP
s=$RANDOM
export YIZHAN_PWHASH=min
PW=audit-test-pw-1

st() { curl -s -o "$T/b" -D "$T/h" -w '%{http_code}' "$@"; }
expect() { [ "$1" = "$2" ] || yz_fail "$3: got $1, expected $2: $(head -c 400 "$T/b")"; }
login() { curl -s -X POST -H "$J" -d "{\"login\":\"$1\",\"password\":\"$2\"}" "$BASE/api/v1/session"; }
audit() { # bearer query -> $T/b
    local code
    code=$(st -H "Authorization: Bearer $1" "$BASE/api/v1/audit?$2")
    expect "$code" 200 "audit ?$2"
}

read -r D1 D2 < <(curl -sf "$BASE/api/v1/districts" | jq -r '[.districts[].code] | "\(.[0]) \(.[1])"')
st_in() { curl -sf "$BASE/api/v1/stations?district=$1&per_page=1" | jq -r '.stations[0].id'; }
S1=$(st_in "$D1")
S2=$(st_in "$D2")

for u in "ca$s:city_admin" "da$s:district_admin:$D1"; do
    echo "$PW" | "$YZ_BIN" user add "${u%%:*}" --role "${u#*:}" --db "$YZ_DB" >/dev/null ||
        yz_fail "user add $u"
done
CA=$(login "ca$s" "$PW" | jq -r .token)
read -r DA DA_ID < <(login "da$s" "$PW" | jq -r '"\(.token) \(.user.id)"')
[ "$CA" != null ] && [ "$DA" != null ] || yz_fail "login"

# 1. a station edit by the city admin
v=$(curl -sf "$BASE/api/v1/stations/$S1" | jq -r .version)
code=$(st -X PATCH -H "Authorization: Bearer $CA" -H "$J" -H "If-Match: $v" \
    -d '{"phone":"0577-8000'$((s % 10000))'"}' "$BASE/api/v1/stations/$S1")
expect "$code" 200 "station edit"
# 2. a refused edit: the district admin of D1 on a station of D2
code=$(st -X PATCH -H "Authorization: Bearer $DA" -H "$J" -H "If-Match: 1" -d '{"phone":"1"}' \
    "$BASE/api/v1/stations/$S2")
expect "$code" 403 "out-of-district edit"
# 3. a failed login (the password must never reach the log), and one with a formula for a login
expect "$(login "da$s" "wrong-password-$s" | jq -r .error)" unauthorized "failed login"
login "=HYPERLINK(\\\"x\\\")$s" "x-password-$s" >/dev/null
# 4. a user's role change
uv=$(curl -sf -H "Authorization: Bearer $CA" "$BASE/api/v1/users/$DA_ID" | jq -r .version)
code=$(st -X PATCH -H "Authorization: Bearer $CA" -H "$J" -H "If-Match: $uv" \
    -d "{\"roles\":[{\"role\":\"district_admin\",\"scope\":[\"$D1\"]},{\"role\":\"viewer\"}]}" \
    "$BASE/api/v1/users/$DA_ID")
expect "$code" 200 "role change"
# 5. a moderation approve (of nothing held: refused with 404, and recorded)
code=$(st -X POST -H "Authorization: Bearer $CA" -H "$J" -d '{}' "$BASE/api/v1/moderation/999999/approve")
expect "$code" 404 "approve"

# --- read back ---------------------------------------------------------------------------------
audit "$CA" "user=ca$s&action=station_patch"
yz_jq "$T/b" '(.entries | length) == 1 and (.entries[0] | .outcome == "ok" and .status == 200
    and .actor.kind == "user" and .actor.login == "ca'$s'" and .record.kind == "station"
    and .record.id == '"$S1"' and .record.district == "'"$D1"'" and .before.version == '"$v"'
    and .after.version == '"$((v + 1))"' and .after.phone != .before.phone
    and .addr == "127.0.0.1" and .method == "PATCH")' "station edit entry"
audit "$CA" "record=station:$S2&user=da$s"
yz_jq "$T/b" '.entries[0] | .outcome == "refused" and .status == 403 and (.reason | test("scope"))
    and .after == null and .record.district == "'"$D2"'"' "refused edit entry"
audit "$CA" "user=da$s&action=session_create&outcome=refused"
yz_jq "$T/b" '(.entries | length) == 1 and (.entries[0] | .status == 401 and .actor.user_id == '"$DA_ID"'
    and .record.kind == "user")' "failed login entry"
grep -q "wrong-password-$s" "$T/b" && yz_fail "a password in the log"
audit "$CA" "user=da$s&action=session_create&outcome=ok"
yz_jq "$T/b" '(.entries | length) == 1 and .entries[0].after.user.id == '"$DA_ID"'
    and (.entries[0].after | has("token") or has("csrf") | not)' "login entry without secrets"
audit "$CA" "record=user:$DA_ID&action=user_patch"
yz_jq "$T/b" '.entries[0] | .outcome == "ok" and (.before.roles | length) == 1
    and (.after.roles | length) == 2 and .actor.login == "ca'$s'"' "role change entry"
audit "$CA" "user=ca$s&action=moderation_approve"
yz_jq "$T/b" '.entries[0] | .status == 404 and .outcome == "refused" and .record.kind == "moderation"
    and .record.id == 999999' "approve entry"
# district and dates
audit "$CA" "district=$D1&limit=200"
yz_jq "$T/b" '(.entries | length) > 0 and all(.entries[]; .record.district == "'"$D1"'")' "district filter"
today=$(TZ=Asia/Shanghai date +%F)
tomorrow=$(TZ=Asia/Shanghai date -d tomorrow +%F)
audit "$CA" "user=ca$s&from=$today&to=$tomorrow"
yz_jq "$T/b" '(.entries | length) >= 3' "from/to today"
audit "$CA" "user=ca$s&from=$tomorrow"
yz_jq "$T/b" '(.entries | length) == 0' "from tomorrow"
# paging: newest first, before_id
audit "$CA" "user=ca$s&limit=2"
yz_jq "$T/b" '(.entries | length) == 2 and .entries[0].id > .entries[1].id and .next_before_id == .entries[1].id' "page 1"
next=$(jq -r .next_before_id "$T/b")
audit "$CA" "user=ca$s&limit=2&before_id=$next"
yz_jq "$T/b" '(.entries | length) >= 1 and .entries[0].id < '"$next" "page 2"
# bad filters: 400 naming the field
code=$(st -H "Authorization: Bearer $CA" "$BASE/api/v1/audit?record=station")
expect "$code" 400 "bad record"
yz_jq "$T/b" '.field == "record" and (.message | length > 0) and (.message_en | length > 0)' "record field"
code=$(st -H "Authorization: Bearer $CA" "$BASE/api/v1/audit?outcome=maybe")
expect "$code" 400 "bad outcome"

# a district admin sees only their district's entries, and may not ask for another's
audit "$DA" "limit=500"
yz_jq "$T/b" '(.entries | length) > 0 and all(.entries[]; .record.district == "'"$D1"'")' "district admin's view"
code=$(st -H "Authorization: Bearer $DA" "$BASE/api/v1/audit?district=$D2")
expect "$code" 403 "district admin, other district"
code=$(st -H "Authorization: Bearer $DA" "$BASE/api/v1/audit.csv?district=$D2")
expect "$code" 403 "district admin, other district, CSV"

# CSV: BOM, header, the formula login guarded
code=$(st -H "Authorization: Bearer $CA" "$BASE/api/v1/audit.csv?action=session_create&outcome=refused")
expect "$code" 200 "csv"
[ "$(head -c 3 "$T/b" | od -An -tx1 | tr -d ' ')" = efbbbf ] || yz_fail "csv: no BOM"
grep -qi '^content-type: text/csv; charset=utf-8' "$T/h" || yz_fail "csv content type"
head -1 "$T/b" | grep -q 'id,at,actor_kind,user_id,login' || yz_fail "csv header"
grep -q "\"'=HYPERLINK(\"\"x\"\")$s\"" "$T/b" || yz_fail "csv: formula not guarded: $(grep HYPER "$T/b" | head -2)"
grep -q ",=HYPERLINK" "$T/b" && yz_fail "csv: a bare formula"
code=$(st "$BASE/api/v1/audit")
expect "$code" 401 "audit without a session"

# append-only, in the database itself
if [ "${YZ_DB#postgres}" = "$YZ_DB" ]; then
    sqlite3 "$YZ_DB" "UPDATE audit SET outcome = 'ok' WHERE id = 1" 2>"$T/e" && yz_fail "UPDATE allowed"
    grep -q append-only "$T/e" || yz_fail "UPDATE: $(cat "$T/e")"
    sqlite3 "$YZ_DB" "DELETE FROM audit" 2>"$T/e" && yz_fail "DELETE allowed"
    grep -q append-only "$T/e" || yz_fail "DELETE: $(cat "$T/e")"
elif command -v psql >/dev/null; then
    psql -q "$YZ_DB" -c "UPDATE audit SET outcome = 'ok'" 2>"$T/e" && yz_fail "UPDATE allowed"
    grep -q append-only "$T/e" || yz_fail "UPDATE: $(cat "$T/e")"
    psql -q "$YZ_DB" -c "DELETE FROM audit" 2>"$T/e" && yz_fail "DELETE allowed"
    grep -q append-only "$T/e" || yz_fail "DELETE: $(cat "$T/e")"
fi
echo "audit: ok"
