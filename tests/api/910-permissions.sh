#!/usr/bin/env bash
# backends: sqlite pg
# 910-permissions.sh - THE permission test: one user per role with scopes (two districts, a
# station, a canteen), then every route of the permission table (`yizhan permissions --tsv`,
# generated from src/api/permissions.c) walked with every role, the admin token, no session, an
# expired session, a disabled user's session, a forged cookie, and a cookie without / with a
# wrong / with the right X-CSRF-Token; each status is compared with what the table says
# (allowed: neither 401 nor 403; refused: 401 without a valid session, 403 otherwise). Targets
# out of a role's scope (another district's station, another canteen, another user, a user or
# roles outside a district admin's districts) are refused. Uses the suite's server (BASE, TOKEN, YZ_DB) and starts one of its own with short
# sessions to make an expired one.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib.sh"
H="Authorization: Bearer $TOKEN"
J="Content-Type: application/json"
export YIZHAN_PWHASH=min # the CLI's hashes: fast; the server renews them at login (rehash)
PW=permission-test-pw-1

# --- targets: two districts with a station each, a canteen in each, reports, events ---------
read -r D1 D2 < <(curl -sf "$BASE/api/v1/districts" | jq -r '[.districts[].code] | "\(.[0]) \(.[1])"')
st_in() { curl -sf "$BASE/api/v1/stations?district=$1&per_page=1" | jq -r '.stations[0].id'; }
S1=$(st_in "$D1")
S2=$(st_in "$D2")
[ -n "$S1" ] && [ "$S1" != null ] && [ -n "$S2" ] && [ "$S2" != null ] || yz_fail "no stations in $D1 $D2"
SC1=$(curl -sf "$BASE/api/v1/stations/$S1" | jq -r .code)
SC2=$(curl -sf "$BASE/api/v1/stations/$S2" | jq -r .code)
canteen() { curl -sf -X POST -H "$H" -H "$J" -d "{\"station_id\":$1,\"opens\":\"00:00\",\"closes\":\"24:00\"}" "$BASE/api/v1/canteens" | jq -r .id; }
C1=$(canteen "$S1")
C2=$(canteen "$S2")
report() {
    curl -sf -X POST -H 'Content-Type: application/x-www-form-urlencoded' \
        --data "service_code=dirty&attribute%5Bstation_code%5D=$1&description=perm+test" \
        "$BASE/open311/v2/requests.json" | jq -r '.[0].service_request_id'
}
R1=$(report "$SC1")
R2=$(report "$SC2")
# rectification tasks: one at each station, made from the reports
task() { curl -sf -X POST -H "$H" -H "$J" -d '{}' "$BASE/api/v1/reports/$1/task" | jq -r .id; }
T1=$(task "$R1")
T2=$(task "$R2")
event() {
    curl -sf -X POST -H "$H" -H "$J" -d "{\"station\":$1,\"title\":\"权限测试\",\"category\":\"activity\",\"starts_at\":\"2038-01-08T01:00:00Z\",\"ends_at\":\"2038-01-08T09:00:00Z\"}" \
        "$BASE/api/v1/events" | jq -r .id
}
E1=$(event "$S1")
E2=$(event "$S2")
TODAY=$(TZ=Asia/Shanghai date +%F)
offer() { curl -sf -X POST -H "$H" -H "$J" -d "{\"date\":\"$TODAY\",\"dish\":\"权限餐\",\"price_cents\":1000,\"quota\":5}" "$BASE/api/v1/canteens/$1/offers" | jq -r .id; }
O1=$(offer "$C1")
O2=$(offer "$C2")
# photos, one at each station (images made by build/tools/photogen: no binary fixtures)
root=$(cd "$here/../.." && pwd)
[ -x "$root/build/tools/photogen" ] || make -s -C "$root" build/tools/photogen >/dev/null || exit 1
photo() {
    "$root/build/tools/photogen" png 64 48 "$CASE_TMP/p$1.png" --seed "$RANDOM"
    curl -sf -X POST -H "$H" -H 'Content-Type: image/png' --data-binary "@$CASE_TMP/p$1.png" \
        "$BASE/api/v1/photos?station=$1" | jq -r .id
}
P1=$(photo "$S1")
P2=$(photo "$S2")
# devices, one at each station
device() { curl -sf -X POST -H "$H" -H "$J" -d '{"kind":"door"}' "$BASE/api/v1/stations/$1/devices" | jq -r .id; }
DV1=$(device "$S1")
DV2=$(device "$S2")
# alarms: the devices' silence, seen by two evaluations a day ahead (the node evaluates only
# when asked, at the time given) opens a no_heartbeat alarm at each station
at=$(($(date +%s%3N) + 86400000))
for t in $at $((at + 600000)); do
    curl -sf -X POST -H "$H" -H "$J" -d "{\"at_ms\":$t}" "$BASE/api/v1/alarms/evaluate" >/dev/null
done
alarm() { curl -sf -H "$H" "$BASE/api/v1/alarms?station=$1" | jq -r "[.alarms[] | select(.device.id == $2)][0].id"; }
AL1=$(alarm "$S1" "$DV1")
AL2=$(alarm "$S2" "$DV2")
for v in C1 C2 R1 R2 E1 E2 O1 O2 P1 P2 DV1 DV2 AL1 AL2; do [ -n "${!v}" ] && [ "${!v}" != null ] || yz_fail "setup: $v"; done

# --- users: one per role, and one to disable --------------------------------------------------
suffix=$RANDOM
declare -A ROLE_SPEC=([city_admin]=city_admin [district_admin]="district_admin:$D1"
    [operator]="operator:$S1" [inspector]=inspector [moderator]=moderator
    [canteen]="canteen:$C1" [viewer]=viewer)
ROLES=(city_admin district_admin operator inspector moderator canteen viewer)
declare -A TOK CSRF USERID
login() { # login -> "token csrf id"
    curl -sf -X POST -H "$J" -d "{\"login\":\"$1\",\"password\":\"$PW\"}" "${2:-$BASE}/api/v1/session" |
        jq -r '"\(.token) \(.csrf) \(.user.id)"'
}
for r in "${ROLES[@]}"; do
    echo "$PW" | "$YZ_BIN" user add "p${suffix}_$r" --role "${ROLE_SPEC[$r]}" --db "$YZ_DB" >/dev/null ||
        yz_fail "user add $r"
    read -r TOK[$r] CSRF[$r] USERID[$r] < <(login "p${suffix}_$r")
    [ "${TOK[$r]}" != null ] || yz_fail "login $r"
done
# a disabled user's session
echo "$PW" | "$YZ_BIN" user add "p${suffix}_dis" --role city_admin --db "$YZ_DB" >/dev/null
read -r DIS_TOK _ _ < <(login "p${suffix}_dis")
"$YZ_BIN" user disable "p${suffix}_dis" --db "$YZ_DB" >/dev/null
# an expired session: logged in on a node whose sessions last 2 s
echo "$PW" | "$YZ_BIN" user add "p${suffix}_exp" --role city_admin --db "$YZ_DB" >/dev/null
yz_serve short "$YZ_DB" --session-max 2 --session-idle 2
read -r EXP_TOK _ _ < <(login "p${suffix}_exp" "$YZ_URL")
yz_stop "$YZ_PID"
FORGED="yzs_$(head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=' | head -c 43)"
sleep 2.1

# inspections: I1 at S1 opened by the inspector and submitted (the operator reads submitted
# ones), I2 at S2 opened with the admin token (nobody's own), a draft
SELF=$(curl -sf "$BASE/api/v1/checklists" | jq -r '.checklists[] | select(.code == "daily_self_check") | .id')
CL_ID1="00000000-0000-4000-8000-$(printf '%012d' $suffix)"
I1=$(curl -sf -X POST -H "Authorization: Bearer ${TOK[inspector]}" -H "$J" \
    -d "{\"station\":$S1,\"checklist\":$SELF,\"kind\":\"open\",\"client_id\":\"$CL_ID1\"}" "$BASE/api/v1/inspections" | jq -r .id)
curl -sf -X POST -H "Authorization: Bearer ${TOK[inspector]}" -H "$J" \
    -d '{"scores":[{"criterion":"facilities_intact","pass":true},{"criterion":"water_power_safe","pass":true},{"criterion":"tidy","pass":true}]}' \
    "$BASE/api/v1/inspections/$I1/submit" >/dev/null || yz_fail "setup: submit I1"
I2=$(curl -sf -X POST -H "$H" -H "$J" \
    -d "{\"station\":$S2,\"checklist\":$SELF,\"kind\":\"secret\",\"client_id\":\"00000000-0000-4000-9000-$(printf '%012d' $suffix)\"}" "$BASE/api/v1/inspections" | jq -r .id)
for v in SELF I1 I2 T1 T2; do [ -n "${!v}" ] && [ "${!v}" != null ] || yz_fail "setup: $v"; done

# --- the walk ------------------------------------------------------------------------------------
checked=0
failures=0
path_for() { # pattern name scope-side(in|out) role -> path
    local p=$1 name=$2 side=$3 role=${4:-} id
    case $name in
    station_* | reviews_list | ratings_create | station_reports) id=$([ "$side" = in ] && echo "$S1" || echo "$S2") ;;
    report_* | open311_request) id=$([ "$side" = in ] && echo "$R1" || echo "$R2") ;;
    event_*) id=$([ "$side" = in ] && echo "$E1" || echo "$E2") ;;
    offer_patch) id=$([ "$side" = in ] && echo "$O1" || echo "$O2") ;;
    canteens_get | offers_create | orders_redeem | canteen_orders) id=$([ "$side" = in ] && echo "$C1" || echo "$C2") ;;
    user_get | user_patch)
        if [ "$side" = in ] && [ -n "$role" ]; then id=${USERID[$role]}; else id=${USERID[viewer]}; fi
        [ "$side" = out ] && [ "$role" = viewer ] && id=${USERID[inspector]} ;;
    open311_service) id=dirty ;;
    photo_patch) id=$([ "$side" = in ] && echo "$P1" || echo "$P2") ;;
    photos_create) # checked on the station named in the query; the JSON body then gets 415
        printf '%s?station=%s' "$p" "$([ "$side" = in ] && echo "$S1" || echo "$S2")"
        return ;;
    users_list) # a district filter: theirs, or another district's (403 for a district admin)
        printf '%s?district=%s' "$p" "$([ "$side" = in ] && echo "$D1" || echo "$D2")"
        return ;;
    stations_export) # a district filter: theirs, or another district's
        printf '%s?format=csv&district=%s' "$p" "$([ "$side" = in ] && echo "$D1" || echo "$D2")"
        return ;;
    stations_import) # a dry run (the default): nothing is written, allowed or not
        printf '%s?dry_run=true' "$p"
        return ;;
    audit_* | dashboard_*) # a district filter: theirs, or another district's
        printf '%s?district=%s' "$p" "$([ "$side" = in ] && echo "$D1" || echo "$D2")"
        return ;;
    project | project_csv) # the same, and a list for the CSV
        printf '%s?list=districts&district=%s' "$p" "$([ "$side" = in ] && echo "$D1" || echo "$D2")"
        return ;;
    moderation_*) id=999999 ;;
    devices_create | devices_list) id=$([ "$side" = in ] && echo "$S1" || echo "$S2") ;;
    device_key | device_patch | device_delete | device_readings) id=$([ "$side" = in ] && echo "$DV1" || echo "$DV2") ;;
    inspection_*) id=$([ "$side" = in ] && echo "$I1" || echo "$I2") ;;
    alarm_ack | alarm_task) id=$([ "$side" = in ] && echo "$AL1" || echo "$AL2") ;;
    alarms_list) # a station filter: theirs, or another district's
        printf '%s?station=%s' "$p" "$([ "$side" = in ] && echo "$S1" || echo "$S2")"
        return ;;
    task_*) id=$([ "$side" = in ] && echo "$T1" || echo "$T2") ;;
    tasks_list) # a station filter: theirs, or another district's
        printf '%s?station=%s' "$p" "$([ "$side" = in ] && echo "$S1" || echo "$S2")"
        return ;;
    selfchecks_list) # a station filter: theirs, or another district's
        printf '%s?station=%s' "$p" "$([ "$side" = in ] && echo "$S1" || echo "$S2")"
        return ;;
    inspections_list) # a station filter: theirs, or another district's
        printf '%s?station=%s' "$p" "$([ "$side" = in ] && echo "$S1" || echo "$S2")"
        return ;;
    *) id=x ;;
    esac
    p=${p/\{\}/$id}
    printf '%s' "${p/\{\}/1}"
}
body_for() { # name side
    case $1 in
    stations_create) echo "{\"code\":\"P910-$suffix\",\"name\":\"权限测试驿站\",\"address\":\"测试路 1 号\",\"district_code\":\"$([ "$2" = in ] && echo "$D1" || echo "$D2")\",\"lat\":28.0,\"lon\":120.6}" ;;
    station_patch) echo '{"phone":"0577-88888888"}' ;;
    stations_import) # one new station in their district, or in another (403: outside scope)
        echo "{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\",\"geometry\":{\"type\":\"Point\",\"coordinates\":[120.6,28.0]},\"properties\":{\"code\":\"P910I-$suffix\",\"name\":\"导入测试\",\"district_code\":\"$([ "$2" = in ] && echo "$D1" || echo "$D2")\"}}]}" ;;
    report_patch) echo '{"description_status":"published"}' ;;
    events_create) echo "{\"station\":$([ "$2" = in ] && echo "$S1" || echo "$S2"),\"title\":\"权限测试\",\"category\":\"activity\",\"starts_at\":\"2038-01-08T01:00:00Z\",\"ends_at\":\"2038-01-08T09:00:00Z\"}" ;;
    event_patch) echo '{"title":"权限测试改"}' ;;
    canteens_create) echo '{"name":"权限食堂","address":"测试路 2 号","lat":28.0,"lon":120.6,"opens":"00:00","closes":"24:00"}' ;;
    offers_create) echo '{"date":"2000-01-01","dish":"x","price_cents":1000,"quota":1}' ;;
    orders_redeem) echo '{"pickup_code":"AAAAAA"}' ;;
    offer_patch) echo '{"quota":5}' ;;
    station_milestones_patch) echo '{"milestones":{"planned":{"note":"权限测试"}}}' ;;
    session_create) echo '{"login":"nobody-at-all"}' ;; # 400: a failed login is a 401
    session_password) echo '{"current_password":"x","new_password":"short"}' ;;
    users_create) # in: a bad login (400, nothing made); out: a role in another district
        if [ "$2" = in ]; then echo '{"login":"bad login!"}'; else
            echo "{\"login\":\"p${suffix}_out\",\"roles\":[{\"role\":\"district_admin\",\"scope\":[\"$D2\"]}]}"; fi ;;
    user_patch) echo '{"name":"x"}' ;;
    devices_create) echo '{"kind":"door"}' ;;
    moderation_*) echo '{}' ;;
    selfchecks_create) # checked on the station; then no client_id: 400, nothing written
        echo "{\"station\":$([ "$2" = in ] && echo "$S1" || echo "$S2")}" ;;
    inspections_create) echo "{\"station\":$([ "$2" = in ] && echo "$S1" || echo "$S2"),\"checklist\":$SELF,\"kind\":\"open\",\"client_id\":\"00000000-0000-4000-a000-$(printf '%012d' $suffix)\"}" ;;
    *) echo '{}' ;;
    esac
}
# request: method path body name principal expected(allow|401|403|deny)
request() {
    local m=$1 path=$2 body=$3 name=$4 who=$5 want=$6 args=(-s -o /dev/null -w '%{http_code}' --max-time 30 -X "$m")
    case $who in
    none) ;;
    admin_token) args+=(-H "$H") ;;
    expired) args+=(-H "Authorization: Bearer $EXP_TOK") ;;
    disabled) args+=(-H "Authorization: Bearer $DIS_TOK") ;;
    forged) args+=(-H "Cookie: yz_session=$FORGED") ;;
    cookie_expired) args+=(-H "Cookie: yz_session=$EXP_TOK") ;;
    cookie_no_csrf) args+=(-H "Cookie: yz_session=${TOK[city_admin]}") ;;
    cookie_bad_csrf) args+=(-H "Cookie: yz_session=${TOK[city_admin]}" -H "X-CSRF-Token: wrong${CSRF[city_admin]:5}") ;;
    cookie_csrf) args+=(-H "Cookie: other=1; yz_session=${TOK[city_admin]}" -H "X-CSRF-Token: ${CSRF[city_admin]}") ;;
    *) args+=(-H "Authorization: Bearer ${TOK[$who]}") ;;
    esac
    case $m in
    PATCH | DELETE) args+=(-H 'If-Match: "999999"') ;; # stale: allowed requests change nothing
    esac
    [ "$m" = GET ] || args+=(-H "$J" --data-binary "$body")
    local code
    code=$(curl "${args[@]}" "$BASE$path")
    checked=$((checked + 1))
    local ok=1
    case $want in
    allow) [ "$code" != 401 ] && [ "$code" != 403 ] && [ "$code" != 000 ] || ok=0 ;;
    deny) [ "$code" = 401 ] || [ "$code" = 403 ] || ok=0 ;;
    *) [ "$code" = "$want" ] || ok=0 ;;
    esac
    if [ $ok = 0 ]; then
        failures=$((failures + 1))
        echo "FAIL: $who $m $path ($name): $code, expected $want"
    fi
}
unsafe() { [ "$1" != GET ]; }

# a moderator only publishes texts: a status change of a report is refused
code=$(curl -s -o /dev/null -w '%{http_code}' -X PATCH -H "Authorization: Bearer ${TOK[moderator]}" -H "$J" \
    -d '{"status":"acknowledged"}' "$BASE/api/v1/reports/$R1")
[ "$code" = 403 ] || yz_fail "moderator changed a report's status: $code"
# the operator of S1 may change it (and the district admin of D1), not the other report
code=$(curl -s -o /dev/null -w '%{http_code}' -X PATCH -H "Authorization: Bearer ${TOK[operator]}" -H "$J" \
    -d '{"status":"acknowledged"}' "$BASE/api/v1/reports/$R1")
[ "$code" = 200 ] || yz_fail "operator could not acknowledge a report of their station: $code"

rows=$("$YZ_BIN" permissions --tsv | tail -n +2 | grep -v $'\tview\t')
# log-out last: it ends the session that makes it
rows=$(printf '%s\n' "$rows" | grep -v $'\tsession_delete\t'; printf '%s\n' "$rows" | grep $'\tsession_delete\t')
while IFS=$'\t' read -r m pattern name access s_city s_dist s_op s_insp s_mod s_cant s_view; do
    declare -A SC=([city_admin]=$s_city [district_admin]=$s_dist [operator]=$s_op
        [inspector]=$s_insp [moderator]=$s_mod [canteen]=$s_cant [viewer]=$s_view)
    pin=$(path_for "$pattern" "$name" in)
    bin=$(body_for "$name" in)
    case $access in
    public) # a session is not read: a stale or forged cookie breaks nothing (a bearer token on
        # a public write is a worker's: open311_create)
        for who in none forged cookie_expired cookie_csrf; do request "$m" "$pin" "$bin" "$name" $who allow; done
        continue ;;
    worker)
        for who in none admin_token "${ROLES[@]}"; do request "$m" "$pin" "$bin" "$name" $who deny; done
        continue ;;
    esac
    # no valid session: 401
    for who in none expired disabled forged; do request "$m" "$pin" "$bin" "$name" $who 401; done
    # the cookie without / with a wrong CSRF token: 403 on unsafe methods
    if unsafe "$m"; then
        request "$m" "$pin" "$bin" "$name" cookie_no_csrf 403
        request "$m" "$pin" "$bin" "$name" cookie_bad_csrf 403
    fi
    if [ "$name" != session_delete ]; then
        request "$m" "$pin" "$bin" "$name" cookie_csrf allow
    fi
    request "$m" "$pin" "$bin" "$name" admin_token "$([ "$access" = signed_in ] || [ "$s_city" != no ] && echo allow || echo 403)"
    for r in "${ROLES[@]}"; do
        sc=${SC[$r]}
        p=$(path_for "$pattern" "$name" in "$r")
        if [ "$access" = signed_in ] || [ "$sc" != no ]; then
            request "$m" "$p" "$bin" "$name" "$r" allow
        else
            request "$m" "$p" "$bin" "$name" "$r" 403
        fi
        case $sc in
        district | station | canteen | own | users | assigned)
            request "$m" "$(path_for "$pattern" "$name" out "$r")" "$(body_for "$name" out)" "$name" "$r" 403 ;;
        esac
    done
done <<<"$rows"

echo "permission walk: $checked requests, $failures failures"
[ $failures = 0 ]
