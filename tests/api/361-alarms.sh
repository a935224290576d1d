#!/usr/bin/env bash
# backends: sqlite pg
# 361-alarms.sh - alarms as data (issue 14, point 3; docs/internals/alarms.md). Readings go in
# through the signed HTTP ingest; the node evaluates only when asked (--alarm-eval-s 0), at the
# time the case gives (at_ms), so every boundary is exact: each rule opens when its duration
# has passed and not a millisecond before (no_heartbeat between the bounds of the devices'
# commit times), once per rule and device, closes when cleared; an alarm not acknowledged in
# the rule's window escalates to the district, an acknowledged one does not; a task is made
# once and linked both ways; operators see their station's alarms only, district admins their
# district's; the rules' edits are validated and audited; /metrics agrees with the list.
set -eEuo pipefail
trap 'echo "FAIL: line $LINENO: $BASH_COMMAND"' ERR
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib.sh"
H="Authorization: Bearer $TOKEN"
J="Content-Type: application/json"
T=$CASE_TMP
s=$RANDOM
export YIZHAN_PWHASH=min
PW=alarms-pw-1

st() { curl -s -o "$T/b" -w '%{http_code}' "$@"; }
expect() { [ "$1" = "$2" ] || yz_fail "$3: got $1, expected $2: $(head -c 400 "$T/b")"; }
check() { jq -e "$1" "$T/b" >/dev/null || yz_fail "$2: $(head -c 800 "$T/b")"; }
bad() { check ".field == \"$1\" and (.message | length > 0) and (.message_en | length > 0) and .message != .message_en" "$2: field $1"; }
login() { curl -sf -X POST -H "$J" -d "{\"login\":\"$1\",\"password\":\"$PW\"}" "$BASE/api/v1/session" | jq -r .token; }
as() { local tok=$1; shift; st -H "Authorization: Bearer $tok" "$@"; }
now_ms() { date +%s%3N; }

# Two new stations of one district: A open around the clock, B closed.
read -r D1 D2 < <(curl -sf "$BASE/api/v1/districts" | jq -r '[.districts[].code] | "\(.[0]) \(.[1])"')
mkst() { # code status -> id
    curl -sf -X POST -H "$H" -H "$J" -d "{\"code\":\"$1\",\"name\":\"告警测试 $1\",\"address\":\"测试路 9 号\",\"district_code\":\"$D1\",\"lat\":27.9,\"lon\":120.5,\"status\":\"$2\"}" \
        "$BASE/api/v1/stations" | jq -r .id
}
A=AL-A$s B=AL-B$s
AID=$(mkst "$A" open)
BID=$(mkst "$B" closed)
[ "$(curl -sf "$BASE/api/v1/stations/$B" | jq -r .status)" = closed ] || yz_fail "station B closed"
for u in "oa$s --role operator:$AID" "ob$s --role operator:$BID" "da$s --role district_admin:$D1" \
    "db$s --role district_admin:$D2"; do
    # shellcheck disable=SC2086
    echo "$PW" | "$YZ_BIN" user add $u --db "$YZ_DB" >/dev/null || yz_fail "user add $u"
done
OA=$(login "oa$s") OB=$(login "ob$s") DA=$(login "da$s") DB=$(login "db$s")

mk() { # station kind -> "id key"
    curl -sf -X POST "$BASE/api/v1/stations/$1/devices" -H "$H" -H "$J" -d "{\"kind\":\"$2\"}" | jq -r '"\(.id) \(.key)"'
}
read -r CA CAK < <(mk "$A" battery_cabinet)
read -r AC ACK < <(mk "$A" air_conditioner)
read -r DRA DRAK < <(mk "$A" door)
read -r PC PCK < <(mk "$A" people_counter)
read -r NS _ < <(mk "$A" water_dispenser) # never heard from
read -r DRB DRBK < <(mk "$B" door)
n=0
post() { # id key body: signed as 358-devices.sh does
    local id=$1 key=$2 body=$3 ts nonce sig
    ts=$(date +%s)
    n=$((n + 1))
    nonce="al$$-$n-$RANDOM-abcdefghij"
    sig=$(printf 'POST\n/api/v1/devices/%s/readings\n%s\n%s\n%s' "$id" "$ts" "$nonce" "$body" |
        openssl dgst -sha256 -hmac "$key" -hex | sed 's/.*= //')
    curl -s -o "$T/r" -w '%{http_code}' -X POST "$BASE/api/v1/devices/$id/readings" \
        -H "X-Yizhan-Timestamp: $ts" -H "X-Yizhan-Nonce: $nonce" -H "X-Yizhan-Signature: $sig" \
        --data-binary "$body"
}
eval_at() { # at_ms
    expect "$(st -X POST -H "$H" -H "$J" -d "{\"at_ms\":$1}" "$BASE/api/v1/alarms/evaluate")" 200 "evaluate at $1"
}
# this case's alarms (other cases' devices live on the same node): "rule:device:level:open"
mine() {
    curl -sf -H "$H" "$BASE/api/v1/alarms?state=all&limit=500" |
        jq -r --arg a "$A" --arg b "$B" '[.alarms[] | select(.station.code == $a or .station.code == $b)
            | "\(.rule):\(.device.id):\(.level):\(.open)"] | sort | join(" ")'
}
alarm_id() { # rule device -> the id of its newest alarm
    curl -sf -H "$H" "$BASE/api/v1/alarms?state=all&limit=500" |
        jq -r --arg r "$1" --argjson d "$2" '[.alarms[] | select(.rule == $r and .device.id == $d)][0].id'
}
same() { [ "$1" = "$2" ] || yz_fail "$3: got [$1], expected [$2]"; }

# The rules as seeded: the issue's four, with their durations.
expect "$(as "$OA" "$BASE/api/v1/alarm-rules")" 200 "rules"
check '[.rules[] | "\(.kind):\(.duration_s):\(.threshold):\(.ack_s):\(.enabled)"] ==
    ["cabinet_empty:1800:null:900:true","ac_off_hot:600:30:900:true","door_open_closed:300:null:900:true","no_heartbeat:600:null:900:true"]' "seeded rules"

# --- readings at T ------------------------------------------------------------------------------
TS=$(now_ms)
expect "$(post "$CA" "$CAK" "{\"seq\":1,\"ts\":$TS,\"values\":{\"charged\":0,\"slots\":12}}")" 200 "cabinet empty"
expect "$(post "$AC" "$ACK" "{\"seq\":1,\"ts\":$TS,\"values\":{\"on\":0,\"temp_c\":31.5}}")" 200 "ac off, 31.5 °C"
expect "$(post "$DRA" "$DRAK" "{\"seq\":1,\"ts\":$TS,\"values\":{\"open\":1}}")" 200 "door open at an open station"
expect "$(post "$DRB" "$DRBK" "{\"seq\":1,\"ts\":$TS,\"values\":{\"open\":1}}")" 200 "door open at a closed station"
expect "$(post "$PC" "$PCK" "{\"seq\":1,\"ts\":$TS,\"values\":{}}")" 200 "a heartbeat"
PEND=$(now_ms) # every device's last_seen (its commit time) is in [TS, PEND]

eval_at $((PEND + 1)) # the first look: the never-heard device's silence starts here
same "$(mine)" "" "nothing at first"
eval_at $((TS + 300000 - 1))
same "$(mine)" "" "door: not before its 5 minutes"
eval_at $((TS + 300000))
same "$(mine)" "door_open_closed:$DRB:operator:true" "door: at 5 minutes (the open station's door: none)"
eval_at $((TS + 600000 - 1))
same "$(mine)" "door_open_closed:$DRB:operator:true" "ac and heartbeats: not before 10 minutes"
eval_at $((PEND + 600000))
want=$(printf '%s\n' "ac_off_hot:$AC:operator:true" "door_open_closed:$DRB:operator:true" \
    "no_heartbeat:$CA:operator:true" "no_heartbeat:$AC:operator:true" "no_heartbeat:$DRA:operator:true" \
    "no_heartbeat:$DRB:operator:true" "no_heartbeat:$PC:operator:true" | sort | paste -sd' ')
same "$(mine)" "$want" "ac off in the heat and five silent devices at 10 minutes"
eval_at $((PEND + 600001))
want=$(printf '%s\n' $want "no_heartbeat:$NS:operator:true" | sort | paste -sd' ')
same "$(mine)" "$want" "the never-heard device 10 minutes after it was first seen; nothing twice"

# --- scope --------------------------------------------------------------------------------------
DOOR=$(alarm_id door_open_closed "$DRB")
ACA=$(alarm_id ac_off_hot "$AC")
expect "$(as "$OA" "$BASE/api/v1/alarms?state=all")" 200 "operator A's list"
check "([.alarms[].station.code] | unique) == [\"$A\"]" "operator A sees station A only"
check ".count == 6 and .open == 6" "operator A's counts"
expect "$(as "$OB" "$BASE/api/v1/alarms")" 200 "operator B's list"
check "([.alarms[].station.code] | unique) == [\"$B\"] and .count == 2" "operator B sees station B only"
expect "$(as "$OA" "$BASE/api/v1/alarms?station=$B")" 403 "operator A asks for B"
expect "$(as "$OA" -X POST "$BASE/api/v1/alarms/$DOOR/ack")" 403 "operator A acknowledges B's alarm"
expect "$(as "$DB" "$BASE/api/v1/alarms?state=all")" 200 "another district's admin"
check "[.alarms[] | select(.station.code == \"$A\" or .station.code == \"$B\")] | length == 0" "another district sees none of them"
expect "$(as "$DA" "$BASE/api/v1/alarms?station=$B")" 200 "district admin, station B"
check ".count == 2" "the district admin sees B's"
expect "$(as "$OA" -X POST "$BASE/api/v1/alarms/999999999/ack")" 404 "no such alarm"

# --- acknowledgement and escalation ---------------------------------------------------------------
expect "$(as "$OA" -X POST "$BASE/api/v1/alarms/$ACA/ack")" 200 "operator A acknowledges the ac alarm"
check '.acked_at != null and .acked_by != null and .level == "operator"' "acknowledged"
expect "$(as "$OA" -X POST "$BASE/api/v1/alarms/$ACA/ack")" 409 "twice"
bad alarm "acknowledged twice"
OPENED=$(curl -sf -H "$H" "$BASE/api/v1/alarms?station=$B" | jq -r ".alarms[] | select(.id == $DOOR) | .opened_at")
OPENED_S=$(date -d "$OPENED" +%s)
[ "$OPENED_S" = $(((TS + 300000) / 1000)) ] || yz_fail "door opened at $OPENED"
eval_at $(((OPENED_S + 900) * 1000 - 1))
same "$(mine | tr ' ' '\n' | { grep -c :district: || true; })" 0 "nothing escalated before the 15 minutes"
eval_at $(((OPENED_S + 900) * 1000))
same "$(mine | tr ' ' '\n' | grep :district: | paste -sd' ')" "door_open_closed:$DRB:district:true" "the door alarm escalated at 15 minutes"
expect "$(as "$DA" "$BASE/api/v1/alarms?station=$B")" 200 "district admin after escalation"
check ".escalated == 1 and ([.alarms[] | select(.id == $DOOR)][0] | .escalated == true and .escalated_at != null)" "escalated, marked"
# the cabinet at 30 minutes; by then the others escalated, but not the acknowledged one
eval_at $((TS + 1800000 - 1))
mine | tr ' ' '\n' | grep -q "^cabinet_empty" && yz_fail "cabinet before 30 minutes"
mine | tr ' ' '\n' | grep -q "^ac_off_hot:$AC:operator:true$" || yz_fail "the acknowledged alarm escalated: $(mine)"
same "$(mine | tr ' ' '\n' | { grep -c ':operator:' || true; })" 1 "every unacknowledged alarm escalated"
eval_at $((TS + 1800000))
mine | tr ' ' '\n' | grep -q "^cabinet_empty:$CA:operator:true$" || yz_fail "cabinet at 30 minutes: $(mine)"

# /metrics against the list (the whole node's open alarms)
curl -sf -H "$H" "$BASE/api/v1/alarms?limit=500" | jq -r '.alarms | group_by(.rule + ":" + .level)[] | "\(.[0].rule):\(.[0].level):\(length)"' | sort >"$T/list"
curl -sf "$BASE/metrics" | sed -n 's/^yizhan_alarms_open{rule="\([a-z_]*\)",level="\([a-z]*\)"} \([0-9]*\)$/\1:\2:\3/p' | grep -v ':0$' | sort >"$T/metrics"
diff "$T/list" "$T/metrics" >/dev/null || yz_fail "metrics differ from the list: $(paste -sd' ' "$T/list") vs $(paste -sd' ' "$T/metrics")"

# --- cleared: closed --------------------------------------------------------------------------------
expect "$(post "$CA" "$CAK" "{\"seq\":2,\"ts\":$(now_ms),\"values\":{\"charged\":3}}")" 200 "cabinet charged"
expect "$(post "$DRB" "$DRBK" "{\"seq\":2,\"ts\":$(now_ms),\"values\":{\"open\":0}}")" 200 "door shut"
eval_at $((TS + 1800001))
mine | tr ' ' '\n' | grep -q "^cabinet_empty:$CA:operator:false$" || yz_fail "cabinet closed: $(mine)"
mine | tr ' ' '\n' | grep -q "^door_open_closed:$DRB:district:false$" || yz_fail "door closed: $(mine)"
# their heartbeats are 30 minutes old at that time: those alarms stay
mine | tr ' ' '\n' | grep -q "^no_heartbeat:$CA:district:true$" || yz_fail "heartbeat stays: $(mine)"
expect "$(as "$OA" "$BASE/api/v1/alarms?station=$A")" 200 "open ones only by default"
check '[.alarms[].open] | all' "state=open"
expect "$(as "$OA" "$BASE/api/v1/alarms?state=maybe")" 400 "bad state"
bad state "bad state"

# --- a task, once, linked both ways -----------------------------------------------------------------
expect "$(as "$OA" -X POST -H "$J" -d '{"severity":"urgent"}' "$BASE/api/v1/alarms/$DOOR/task")" 403 "operator A: B's alarm"
expect "$(as "$DA" -X POST -H "$J" -d '{"severity":"urgent"}' "$BASE/api/v1/alarms/$DOOR/task")" 400 "bad severity"
bad severity "bad severity"
expect "$(as "$DA" -X POST -H "$J" -d '{"severity":"high"}' "$BASE/api/v1/alarms/$DOOR/task")" 201 "task from the door alarm"
check ".alarm_id == $DOOR and .station_id == $BID and .severity == \"high\" and .source == \"manual\" and (.title[\"zh-Hans\"] | test(\"^告警 $DOOR：.*（设备 [0-9]+，门）$\")) and (.title[\"zh-Hant\"] | test(\"^告警 $DOOR：.*（設備 [0-9]+，門）$\")) and (.title.en | test(\"^Alarm $DOOR: .* \\\\(device [0-9]+, door\\\\)$\"))" "the task, its titles naming the device's kind in words"
TASK=$(jq -r .id "$T/b")
expect "$(as "$DA" -X POST "$BASE/api/v1/alarms/$DOOR/task")" 409 "a second task"
bad alarm "a second task"
expect "$(as "$DA" "$BASE/api/v1/alarms?station=$B&state=all")" 200 "list after the task"
check "[.alarms[] | select(.id == $DOOR)][0].task_id == $TASK" "the alarm links the task"
expect "$(as "$OB" "$BASE/api/v1/tasks/$TASK")" 200 "B's operator reads the task"
check ".alarm_id == $DOOR" "the task links the alarm"
[ "$(curl -sf -H "$H" "$BASE/api/v1/tasks?station=$B" | jq "[.tasks[] | select(.alarm_id == $DOOR)] | length")" = 1 ] || yz_fail "one task"

# --- the rules: admin only, validated, audited ------------------------------------------------------
rule=$(curl -sf -H "$H" "$BASE/api/v1/alarm-rules" | jq -r '.rules[] | select(.kind == "ac_off_hot") | .id')
crule=$(curl -sf -H "$H" "$BASE/api/v1/alarm-rules" | jq -r '.rules[] | select(.kind == "cabinet_empty") | .id')
expect "$(as "$DA" -X PATCH -H "$J" -d '{"threshold":28}' "$BASE/api/v1/alarm-rules/$rule")" 403 "district admin edits a rule"
for c in 'threshold:{"threshold":71}' 'threshold:{"threshold":"hot"}' 'duration_s:{"duration_s":-1}' \
    'duration_s:{"duration_s":90000}' 'duration_s:{"duration_s":1.5}' 'ack_s:{"ack_s":10}' \
    'enabled:{"enabled":1}' 'colour:{"colour":1}'; do
    expect "$(st -X PATCH -H "$H" -H "$J" -d "${c#*:}" "$BASE/api/v1/alarm-rules/$rule")" 400 "bad rule ${c#*:}"
    bad "${c%%:*}" "bad rule ${c#*:}"
done
expect "$(st -X PATCH -H "$H" -H "$J" -d '{"threshold":28}' "$BASE/api/v1/alarm-rules/$crule")" 400 "the cabinet has no threshold"
bad threshold "the cabinet has no threshold"
expect "$(st -X PATCH -H "$H" -H "$J" -H 'If-Match: "99"' -d '{"threshold":28}' "$BASE/api/v1/alarm-rules/$rule")" 409 "stale version"
expect "$(st -X PATCH -H "$H" -H "$J" -d '{"threshold":28.5,"duration_s":900,"ack_s":600}' "$BASE/api/v1/alarm-rules/$rule")" 200 "admin edits"
check '.threshold == 28.5 and .duration_s == 900 and .ack_s == 600 and .version == 2' "edited"
curl -sf -H "$H" "$BASE/api/v1/audit?action=alarm_rule_patch&limit=1" -o "$T/b"
check ".entries[0].record == {\"kind\":\"alarm_rule\",\"id\":$rule,\"district\":\"\"} and .entries[0].before.threshold == 30 and .entries[0].after.threshold == 28.5" "audited with before"
expect "$(st -X PATCH -H "$H" -H "$J" -d '{"threshold":30,"duration_s":600,"ack_s":900}' "$BASE/api/v1/alarm-rules/$rule")" 200 "restored"

# a node that evaluates by itself takes no time from a request
yz_serve self "$YZ_DB" --alarm-eval-s 3600
expect "$(st -X POST -H "$H" -H "$J" -d '{"at_ms":1}' "$YZ_URL/api/v1/alarms/evaluate")" 400 "at_ms on a node with its own clock"
bad at_ms "at_ms refused"
yz_stop "$YZ_PID"
echo "alarms: rules, opening at their durations, escalation, acknowledgement, scope, tasks: ok"
