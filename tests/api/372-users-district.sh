#!/usr/bin/env bash
# backends: sqlite pg
# 372-users-district.sh - district admins manage their districts' users (docs/internals/
# accounts.md, "District admins and their users"): a district admin of D1 creates an operator of
# a D1 station and a cashier of a canteen at one, but no role outside D1 (another district's
# station or canteen, a partner, a city-wide role, a wider district list, no role at all); lists
# exactly the users an independent reckoning (every role read back, every station's district
# looked up) says are D1's; cannot read, edit, disable or widen a user of D2 or the city admin;
# disabling their operator ends the operator's session at once; the audit log holds the user
# entries under D1 and the refused ones; the list's filters and bad filters. Nothing refused
# changes anything (versions read back). Uses the suite's server (BASE, TOKEN, YZ_DB).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib.sh"
H="Authorization: Bearer $TOKEN"
J="Content-Type: application/json"
T=$CASE_TMP
s=$RANDOM
export YIZHAN_PWHASH=min
PW=district-users-pw-1

st() { curl -s -o "$T/b" -D "$T/h" -w '%{http_code}' "$@"; }
expect() { [ "$1" = "$2" ] || yz_fail "$3: got $1, expected $2: $(head -c 400 "$T/b")"; }
login() { curl -s -X POST -H "$J" -d "{\"login\":\"$1\",\"password\":\"$2\"}" "$BASE/api/v1/session"; }
as() { local who=$1; shift; st -H "Authorization: Bearer $who" "$@"; }
version() { curl -sf -H "$H" "$BASE/api/v1/users/$1" | jq -r .version; }

read -r D1 D2 < <(curl -sf "$BASE/api/v1/districts" | jq -r '[.districts[].code] | "\(.[0]) \(.[1])"')
st_in() { curl -sf "$BASE/api/v1/stations?district=$1&per_page=1" | jq -r '.stations[0].id'; }
S1=$(st_in "$D1")
S2=$(st_in "$D2")
canteen() { curl -sf -X POST -H "$H" -H "$J" -d "{\"station_id\":$1,\"opens\":\"00:00\",\"closes\":\"24:00\"}" "$BASE/api/v1/canteens" | jq -r .id; }
C1=$(canteen "$S1")
C2=$(canteen "$S2")
CK=$(curl -sf -X POST -H "$H" -H "$J" -d '{"name":"伙伴厨房","address":"测试路 3 号","lat":28.0,"lon":120.6,"opens":"00:00","closes":"24:00"}' "$BASE/api/v1/canteens" | jq -r .id)
for v in S1 S2 C1 C2 CK; do [ -n "${!v}" ] && [ "${!v}" != null ] || yz_fail "setup: $v"; done

# the city admin makes the district admins of D1 and D2 (and one of both)
mk() { # login roles-json -> id (as the admin token)
    curl -sf -X POST -H "$H" -H "$J" -d "{\"login\":\"$1\",\"password\":\"$PW\",\"roles\":$2}" "$BASE/api/v1/users" | jq -r .id
}
DA_ID=$(mk "da$s" "[{\"role\":\"district_admin\",\"scope\":[\"$D1\"]}]")
DB_ID=$(mk "db$s" "[{\"role\":\"district_admin\",\"scope\":[\"$D2\"]}]")
DAB_ID=$(mk "dab$s" "[{\"role\":\"district_admin\",\"scope\":[\"$D1\",\"$D2\"]}]")
CA_ID=$(mk "ca$s" '[{"role":"city_admin"}]')
DA=$(login "da$s" "$PW" | jq -r .token)
[ "$DA" != null ] || yz_fail "login da"

# --- creating: only roles inside D1 ------------------------------------------------------------
code=$(as "$DA" -X POST -H "$J" -d "{\"login\":\"op$s\",\"name\":\"运营员\",\"password\":\"$PW\",\"roles\":[{\"role\":\"operator\",\"scope\":[$S1]}]}" "$BASE/api/v1/users")
expect "$code" 201 "district admin creates an operator of a D1 station"
OP_ID=$(jq -r .id "$T/b")
code=$(as "$DA" -X POST -H "$J" -d "{\"login\":\"cn$s\",\"roles\":[{\"role\":\"canteen\",\"scope\":[$C1]}]}" "$BASE/api/v1/users")
expect "$code" 201 "district admin creates a cashier of a canteen at a D1 station"
CN_ID=$(jq -r .id "$T/b")
[ "$(jq -r '.password | length' "$T/b")" = 22 ] || yz_fail "one-time password for the cashier"
for bad in "[{\"role\":\"operator\",\"scope\":[$S2]}]|another district's station" \
    "[{\"role\":\"operator\",\"scope\":[$S1,$S2]}]|a station of each" \
    "[{\"role\":\"canteen\",\"scope\":[$C2]}]|another district's canteen" \
    "[{\"role\":\"canteen\",\"scope\":[$CK]}]|a partner kitchen" \
    "[{\"role\":\"operator\",\"scope\":[\"partner=中国铁塔\"]}]|a partner" \
    "[{\"role\":\"district_admin\",\"scope\":[\"$D1\",\"$D2\"]}]|a wider district list" \
    "[{\"role\":\"city_admin\"}]|city_admin" "[{\"role\":\"moderator\"}]|moderator" \
    "[{\"role\":\"viewer\"}]|viewer" "[{\"role\":\"inspector\"}]|inspector" \
    "[{\"role\":\"operator\",\"scope\":[$S1]},{\"role\":\"viewer\"}]|a D1 role and a city-wide one" \
    "[]|no role"; do
    code=$(as "$DA" -X POST -H "$J" -d "{\"login\":\"x$s\",\"roles\":${bad%%|*}}" "$BASE/api/v1/users")
    expect "$code" 403 "create with ${bad#*|}"
    yz_jq "$T/b" '.field == "scope" and (.message | length > 0) and (.message_en | length > 0)' "403 names scope (${bad#*|})"
done
code=$(st -H "$H" "$BASE/api/v1/users?q=x$s")
expect "$code" 200 "list by text"
yz_jq "$T/b" '.total == 0' "no refused user was made"
# bad input still comes first, naming the field
code=$(as "$DA" -X POST -H "$J" -d "{\"login\":\"$(printf 'y%.0s' $(seq 1 70))\",\"roles\":[{\"role\":\"operator\",\"scope\":[$S1]}]}" "$BASE/api/v1/users")
expect "$code" 400 "over-long login"
yz_jq "$T/b" '.field == "login"' "login field"

# --- listing: exactly D1's users, by an independent reckoning ----------------------------------
curl -sf -H "$H" "$BASE/api/v1/users" >"$T/all"
declare -A DIST
for sid in $(jq -r '[.items[].roles[] | select(.role == "operator") | .scope[] | select(test("^[0-9]+$"))] | unique | .[]' "$T/all"); do
    DIST[s$sid]=$(curl -s "$BASE/api/v1/stations/$sid" | jq -r '.district.code // "?"')
done
for cid in $(jq -r '[.items[].roles[] | select(.role == "canteen") | .scope[]] | unique | .[]' "$T/all"); do
    sid=$(curl -s "$BASE/api/v1/canteens/$cid" | jq -r '.station_id // empty')
    DIST[c$cid]=$([ -n "$sid" ] && curl -s "$BASE/api/v1/stations/$sid" | jq -r '.district.code // "?"' || echo "?")
done
want=()
while read -r id; do
    ok=1
    n=0
    while IFS=$'\t' read -r role item; do
        n=$((n + 1))
        case $role in
        district_admin) [ "$item" = "$D1" ] || ok=0 ;;
        operator) [ "${DIST[s$item]:-?}" = "$D1" ] || ok=0 ;;
        canteen) [ "${DIST[c$item]:-?}" = "$D1" ] || ok=0 ;;
        *) ok=0 ;;
        esac
    done < <(jq -r --argjson id "$id" '.items[] | select(.id == $id) | .roles[] | .role as $r | if (.scope | length) == 0 then "\($r)\t" else .scope[] | "\($r)\t\(.)" end' "$T/all")
    [ $ok = 1 ] && [ $n -gt 0 ] && want+=("$id")
done < <(jq -r '.items[].id' "$T/all")
code=$(as "$DA" "$BASE/api/v1/users")
expect "$code" 200 "district admin lists users"
got=$(jq -r '[.items[].id] | sort | join(" ")' "$T/b")
exp=$(printf '%s\n' "${want[@]}" | sort -n | paste -sd' ')
[ "$got" = "$exp" ] || yz_fail "district admin's list: got [$got], expected [$exp]"
yz_jq "$T/b" "([.items[].id] | index($OP_ID) != null and index($CN_ID) != null and index($DA_ID) != null
    and index($DB_ID) == null and index($DAB_ID) == null and index($CA_ID) == null) and .total == (.items | length)" "list members"
# filters: role, disabled, q, district (another district: 403)
code=$(as "$DA" "$BASE/api/v1/users?role=operator")
yz_jq "$T/b" "all(.items[]; any(.roles[]; .role == \"operator\")) and ([.items[].id] | index($OP_ID) != null)" "role filter"
code=$(as "$DA" "$BASE/api/v1/users?q=OP$s")
yz_jq "$T/b" "[.items[].id] == [$OP_ID]" "text filter (any case)"
code=$(st -H "$H" "$BASE/api/v1/users?district=$D2&role=district_admin")
yz_jq "$T/b" "([.items[].id] | index($DB_ID) != null and index($DAB_ID) != null and index($DA_ID) == null)" "city admin: district filter"
code=$(as "$DA" "$BASE/api/v1/users?district=$D2")
expect "$code" 403 "district admin asks for another district's users"
for q in "role=god:role" "disabled=maybe:disabled" "q=$(printf 'q%.0s' $(seq 1 65)):q" "sort=x:sort"; do
    code=$(as "$DA" "$BASE/api/v1/users?${q%:*}")
    expect "$code" 400 "bad filter ${q##*:}"
    yz_jq "$T/b" ".field == \"${q##*:}\" and (.message_en | length > 0)" "filter field ${q##*:}"
done

# --- reading and editing another district's users, the city admin: 403, nothing changes --------
for id in "$DB_ID" "$DAB_ID" "$CA_ID"; do
    code=$(as "$DA" "$BASE/api/v1/users/$id")
    expect "$code" 403 "read user $id"
    v=$(version "$id")
    code=$(as "$DA" -X PATCH -H "$J" -H "If-Match: $v" -d '{"disabled":true}' "$BASE/api/v1/users/$id")
    expect "$code" 403 "disable user $id"
    code=$(as "$DA" -X PATCH -H "$J" -H "If-Match: $v" -d '{"password":null}' "$BASE/api/v1/users/$id")
    expect "$code" 403 "reset the password of user $id"
    [ "$(version "$id")" = "$v" ] || yz_fail "user $id changed"
done
# escalation through their own operator: widening or a city-wide role is refused
v=$(version "$OP_ID")
for roles in "[{\"role\":\"operator\",\"scope\":[$S1,$S2]}]" '[{"role":"city_admin"}]' \
    "[{\"role\":\"district_admin\",\"scope\":[\"$D1\",\"$D2\"]}]" \
    "[{\"role\":\"operator\",\"scope\":[$S1]},{\"role\":\"moderator\"}]" '[]'; do
    code=$(as "$DA" -X PATCH -H "$J" -H "If-Match: $v" -d "{\"roles\":$roles}" "$BASE/api/v1/users/$OP_ID")
    expect "$code" 403 "give the operator $roles"
done
[ "$(version "$OP_ID")" = "$v" ] || yz_fail "the operator changed"
# nor can they give themselves more
v=$(version "$DA_ID")
code=$(as "$DA" -X PATCH -H "$J" -H "If-Match: $v" -d '{"roles":[{"role":"city_admin"}]}' "$BASE/api/v1/users/$DA_ID")
expect "$code" 403 "district admin makes themself city admin"
[ "$(version "$DA_ID")" = "$v" ] || yz_fail "the district admin changed"

# --- what they may: rename, stale version, disable (the session ends at once) -------------------
OPT=$(login "op$s" "$PW" | jq -r .token)
code=$(as "$OPT" "$BASE/api/v1/session")
expect "$code" 200 "operator's session"
v=$(version "$OP_ID")
code=$(as "$DA" -X PATCH -H "$J" -H "If-Match: $v" -d '{"name":"运营员甲"}' "$BASE/api/v1/users/$OP_ID")
expect "$code" 200 "rename the operator"
code=$(as "$DA" -X PATCH -H "$J" -H "If-Match: $v" -d '{"disabled":true}' "$BASE/api/v1/users/$OP_ID")
expect "$code" 409 "stale version"
code=$(as "$DA" -X PATCH -H "$J" -H "If-Match: $((v + 1))" -d '{"name":"'"$(printf '名%.0s' $(seq 1 70))"'"}' "$BASE/api/v1/users/$OP_ID")
expect "$code" 400 "over-long name"
yz_jq "$T/b" '.field == "name"' "name field"
code=$(as "$DA" -X PATCH -H "$J" -H "If-Match: $((v + 1))" -d '{"disabled":true}' "$BASE/api/v1/users/$OP_ID")
expect "$code" 200 "disable the operator"
yz_jq "$T/b" '.disabled == true and .version == '"$((v + 2))" "disabled"
code=$(as "$OPT" "$BASE/api/v1/session")
expect "$code" 401 "a disabled operator's session"
code=$(as "$DA" -X PATCH -H "$J" -H "If-Match: $((v + 2))" -d "{\"roles\":[{\"role\":\"operator\",\"scope\":[$S1]},{\"role\":\"canteen\",\"scope\":[$C1]}],\"disabled\":false}" "$BASE/api/v1/users/$OP_ID")
expect "$code" 200 "enable and give a D1 canteen"

# --- the audit log: user entries under D1, refusals recorded ---------------------------------
code=$(as "$DA" "$BASE/api/v1/audit?record=user:$OP_ID&limit=100")
expect "$code" 200 "district admin reads their user's entries"
yz_jq "$T/b" '(.entries | length) >= 6 and all(.entries[]; .record.district == "'"$D1"'")
    and any(.entries[]; .action == "user_patch" and .outcome == "ok" and .before.disabled == false and .after.disabled == true)
    and any(.entries[]; .action == "user_patch" and .status == 403)
    and any(.entries[]; .action == "users_create" and .after.id == '"$OP_ID"')' "the operator's entries"
code=$(as "$DA" "$BASE/api/v1/audit?record=user:$DB_ID")
expect "$code" 200 "another district's user: nothing"
yz_jq "$T/b" '(.entries | length) == 0' "no entry of D2's user for D1"
code=$(st -H "$H" "$BASE/api/v1/audit?record=user:$DB_ID&user=da$s&outcome=refused")
yz_jq "$T/b" '(.entries | length) == 2 and all(.entries[]; .status == 403 and .record.district == "'"$D2"'")' "the refused attempts, for the city admin"
code=$(st -H "$H" "$BASE/api/v1/audit?user=da$s&action=users_create&outcome=refused")
yz_jq "$T/b" '([.entries[] | select(.status == 403)] | length) == 12 and ([.entries[] | select(.status == 400 and .reason != "")] | length) == 1' "12 refused creates and the bad login logged"
echo "users of a district: ok"
