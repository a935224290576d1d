#!/usr/bin/env bash
# backends: sqlite pg
# tests/api/389-dashboard-more.sh - GET /api/v1/dashboard/events, ratings and scores (and
# their .csv; docs/internals/stats.md, "Events, ratings and scores"), each number against a
# reckoning of our own: events held and sign-ups against the occurrences GET /api/v1/events
# lists (their signed_up) before and after an event of ours with 6 workers signed up; verified
# ratings by 6 workers (1 star) at a station of ours: the month's count and mean moved by
# exactly them, the station first of the lowest-rated; 3 workers' ratings at another: never
# ranked (k = 5); inspection scores by month against the submitted inspections GET
# /api/v1/inspections lists, averaged here, and each station's latest; CSV (BOM, header, a
# name starting with "=" guarded); bad input refused naming the field; a district admin of
# another district refused; no credential refused. Runs on the suite's server.
set -euo pipefail
trap 'echo "FAIL: line $LINENO: $BASH_COMMAND"' ERR
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib.sh"
T=$CASE_TMP
H="Authorization: Bearer $TOKEN"
J="Content-Type: application/json"
s=$RANDOM
export YIZHAN_PWHASH=min
PW=dashboard-pw-1
st() { curl -s -o "$T/b" -w '%{http_code}' "$@"; }
expect() { [ "$1" = "$2" ] || yz_fail "$3: got $1, expected $2: $(head -c 400 "$T/b")"; }
check() { # jq-args... expression label
    local n=$#
    jq -e "${@:1:n-1}" "$T/b" >/dev/null || yz_fail "${!n}: $(head -c 600 "$T/b")"
}
login() { curl -sf -X POST -H "$J" -d "{\"login\":\"$1\",\"password\":\"$PW\"}" "$BASE/api/v1/session" | jq -r .token; }
D=330303
D2=330304
today=$(TZ=Asia/Shanghai date +%F)
month=${today%-*}
tomorrow=$(TZ=Asia/Shanghai date -d '+1 day' +%F)
dash() { st -H "$H" "$BASE/api/v1/dashboard/$1"; }

mk() { # code name district -> id, lat, lon in $T/st
    curl -s -o "$T/st" -X POST "$BASE/api/v1/stations" -H "$H" -H "$J" \
        -d "{\"code\":\"$1\",\"name\":\"$2\",\"district_code\":\"$3\",\"lat\":28.01,\"lon\":120.68}"
    jq -e .id "$T/st" >/dev/null || yz_fail "station $1: $(cat "$T/st")"
    jq -r .id "$T/st"
}
LOW=$(mk "DML-$s" "=低分驿站$s" $D)
FEW=$(mk "DMF-$s" "少评驿站$s" $D2)
worker() { curl -sf -X POST "$BASE/api/v1/workers" -H "$J" -d '{"occupation":"courier"}' | jq -r .token; }

# --- events: held and people served, against the occurrences the events list gives ----------
reckon_events() { # district -> "occurrences signups" from GET /api/v1/events (today..tomorrow)
    curl -sf "$BASE/api/v1/events?from=$today&to=$tomorrow&district=$1" -H "$H" |
        jq -r '.occurrences | "\(length) \(map(.signed_up) | add // 0)"'
}
expect "$(dash "events?from=$today&to=$tomorrow&district=$D")" 200 "events before"
E0=$(jq -r .total.events "$T/b")
S0=$(jq -r '.total.signups // 0' "$T/b")
read -r OE0 OS0 < <(reckon_events $D)
[ "$E0" = "$OE0" ] || yz_fail "events held before: dashboard $E0, events list $OE0"
curl -s -o "$T/ev" -X POST "$BASE/api/v1/events" -H "$H" -H "$J" -d "{\"station\":$LOW,\"title\":\"看板测试\",\"category\":\"health\",\"starts_at\":\"${tomorrow}T10:00:00+08:00\",\"ends_at\":\"${tomorrow}T11:00:00+08:00\"}"
EV=$(jq -r .id "$T/ev")
[ "$EV" != null ] || yz_fail "event: $(cat "$T/ev")"
for i in 1 2 3 4 5 6; do
    c=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$BASE/api/v1/events/$EV/signups" \
        -H "Authorization: Bearer $(worker)" -H "$J" -d "{\"occurrence\":\"$tomorrow\"}")
    [ "$c" = 201 ] || yz_fail "sign-up $i: $c"
done
expect "$(dash "events?from=$today&to=$tomorrow&district=$D")" 200 "events after"
read -r OE1 OS1 < <(reckon_events $D)
check --argjson e "$OE1" --argjson su "$OS1" '.total.events == $e and .total.signups == $su' "events after against the list ($OE1, $OS1)"
[ "$OE1" = $((E0 + 1)) ] && [ "$OS1" = $((S0 + 6)) ] || yz_fail "the list moved by $((OE1 - E0)) events, $((OS1 - S0)) sign-ups"
check --arg d $D '(.series | length) == 1 and .series[0].key == $d and ([.series[0].points[].events] | add) == .total.events' "one series, its points add up"
# 2 workers at an event in the other district: that cell is suppressed, never a number
curl -s -o "$T/ev" -X POST "$BASE/api/v1/events" -H "$H" -H "$J" -d "{\"station\":$FEW,\"title\":\"小活动\",\"category\":\"activity\",\"starts_at\":\"${tomorrow}T10:00:00+08:00\",\"ends_at\":\"${tomorrow}T11:00:00+08:00\"}"
EV2=$(jq -r .id "$T/ev")
read -r _ OSF0 < <(reckon_events $D2)
for i in 1 2; do
    curl -sf -o /dev/null -X POST "$BASE/api/v1/events/$EV2/signups" -H "Authorization: Bearer $(worker)" -H "$J" -d "{\"occurrence\":\"$tomorrow\"}"
done
if [ "$OSF0" = 0 ]; then # no other sign-ups there: only our 2 workers
    expect "$(dash "events?from=$tomorrow&to=$tomorrow&district=$D2")" 200 "events, 2 workers"
    check '.total.signups == null and .total.suppressed == true and ([.series[].points[] | select(.signups == null and .suppressed)] | length) == 1' "2 workers suppressed"
fi

# --- ratings: verified by 6 workers at LOW (1 star), 3 at FEW -------------------------------
rate() { # station-id stars
    local tok lat lon
    tok=$(worker)
    read -r lat lon < <(curl -sf "$BASE/api/v1/stations/$1" | jq -r '"\(.lat) \(.lon)"')
    curl -sf -o /dev/null -X POST "$BASE/api/v1/visits" -H "Authorization: Bearer $tok" -H "$J" \
        -d "{\"station_code\":\"$(curl -sf "$BASE/api/v1/stations/$1" | jq -r .code)\"}" || yz_fail "check-in at $1"
    curl -s -o "$T/r" -X POST "$BASE/api/v1/stations/$1/ratings" -H "Authorization: Bearer $tok" -H "$J" -d "{\"stars\":$2,\"lat\":$lat,\"lon\":$lon}"
    jq -e '.rating.verified == true' "$T/r" >/dev/null || yz_fail "a verified rating at $1: $(cat "$T/r")"
}
expect "$(dash "ratings?from=$today&to=$today&district=$D")" 200 "ratings before"
C0=$(jq -r '.ratings[0].count // 0' "$T/b")
M0=$(jq -r '.ratings[0].mean // 0' "$T/b")
jq -e '.ratings[0].suppressed' "$T/b" >/dev/null && yz_fail "the month was suppressed before: pick a quieter district"
for i in 1 2 3 4 5 6; do rate "$LOW" 1; done
for i in 1 2 3; do rate "$FEW" 1; done
expect "$(dash "ratings?from=$today&to=$today&district=$D")" 200 "ratings after"
check --argjson c $((C0 + 6)) --argjson m "$M0" --argjson c0 "$C0" --arg mo "$month" \
    '.ratings == [{"month": $mo, "count": $c, "mean": .ratings[0].mean}] and
     ((.ratings[0].mean - (($c0 * $m + 6) / $c)) | fabs) <= 0.011' "the month moved by our 6 ratings"
check --argjson id "$LOW" '.lowest[0] == {"id": $id, "code": .lowest[0].code, "name": .lowest[0].name, "district": "330303", "count": 6, "mean": 1}' "LOW is the lowest"
expect "$(dash "ratings?from=$today&to=$today&district=$D&min=7")" 200 "min 7"
check --argjson id "$LOW" '[.lowest[] | select(.id == $id)] == []' "LOW has fewer than 7"
expect "$(dash "ratings?from=$today&to=$today&min=1")" 200 "min 1, every district"
check --argjson id "$FEW" '[.lowest[] | select(.id == $id)] == [] and .min == 1' "3 workers are never ranked"
# the CSV: BOM, header, the guarded name
c=$(curl -s -D "$T/h" -o "$T/csv" -w '%{http_code}' -H "$H" "$BASE/api/v1/dashboard/ratings.csv?from=$today&to=$today&district=$D")
[ "$c" = 200 ] || yz_fail "ratings csv: $c"
[ "$(head -c 3 "$T/csv" | od -An -tx1 | tr -d ' ')" = efbbbf ] || yz_fail "ratings csv: no BOM"
grep -qi '^content-type: text/csv; charset=utf-8' "$T/h" || yz_fail "csv content type"
sed -n 1p "$T/csv" | grep -q $'section,month,code,name,district,ratings,mean,suppressed\r' || yz_fail "csv header"
grep -q "^lowest,,DML-$s,\"'=低分驿站$s\",330303,6,1.00,false"$'\r$' "$T/csv" || yz_fail "csv lowest: $(cat "$T/csv")"
grep -q "^month,$month,,,,$((C0 + 6)),[0-9.]*,false"$'\r$' "$T/csv" || yz_fail "csv month: $(cat "$T/csv")"

# --- scores: an inspection of ours submitted, then every month against the inspections list --
echo "$PW" | "$YZ_BIN" user add "dsin$s" --role inspector --db "$YZ_DB" >/dev/null || yz_fail "user add"
echo "$PW" | "$YZ_BIN" user add "dsda$s" --role district_admin:$D2 --db "$YZ_DB" >/dev/null || yz_fail "user add da"
echo "$PW" | "$YZ_BIN" user add "dsvw$s" --role viewer --db "$YZ_DB" >/dev/null || yz_fail "user add viewer"
IN=$(login "dsin$s")
DA=$(login "dsda$s")
VW=$(login "dsvw$s")
CK=$(curl -sf "$BASE/api/v1/checklists" | jq -r '.checklists[] | select(.code == "zj_8you") | .id')
U=$(printf '%08x-%04x-4%03x-8%03x-%012x' $((RANDOM * RANDOM)) $RANDOM $((RANDOM % 4096)) $((RANDOM % 4096)) $((RANDOM * RANDOM * RANDOM)))
expect "$(st -X POST -H "Authorization: Bearer $IN" -H "$J" -d "{\"station\":$LOW,\"checklist\":$CK,\"kind\":\"open\",\"client_id\":\"$U\"}" "$BASE/api/v1/inspections")" 201 "inspection"
I=$(jq -r .id "$T/b")
P=$(printf 'b%.0s' $(seq 64))
form='{"scores":[{"criterion":"sign","pass":true,"photos":["'$P'"]},{"criterion":"site","pass":true,"note":"路口"},
 {"criterion":"facilities","score":70,"photos":["'$P'"]},{"criterion":"service_functions","score":50,"note":"缺热水"},
 {"criterion":"management_rules","pass":false,"photos":["'$P'"]},{"criterion":"online_maps","pass":true},
 {"criterion":"publicity","pass":true,"photos":["'$P'"]},{"criterion":"warm_service","pass":true,"note":"早餐"}]}'
expect "$(st -X POST -H "Authorization: Bearer $IN" -H "$J" -d "$form" "$BASE/api/v1/inspections/$I/submit")" 200 "submit"
cp "$T/b" "$T/insp.json"
from=$(TZ=Asia/Shanghai date -d '-400 day' +%F)
curl -sf -H "$H" "$BASE/api/v1/inspections?status=submitted&limit=500" >"$T/list.json"
jq -e '(.inspections | length) < 500' "$T/list.json" >/dev/null || yz_fail "more than a page of inspections"
expect "$(dash "scores?from=$from&to=$today")" 200 "scores"
# the reckoning: submitted inspections by local month of submitted_at, the mean of each dimension
jq -e --slurpfile l "$T/list.json" --arg from "$from" '
  def r1: . * 10 | round / 10;
  def mean(f): [.[] | f | select(. != null)] | if length == 0 then null else (add / length) end;
  def close(a; b): (a == null and b == null) or (a != null and b != null and ((a - b) | fabs) <= 0.051);
  ($l[0].inspections | map(select(.submitted_at[0:10] >= $from))
     | group_by(.submitted_at[0:7])
     | map({key: .[0].submitted_at[0:7], value: {n: length, score: mean(.scores.overall),
            hardware: mean(.scores.hardware), service: mean(.scores.service),
            operations: mean(.scores.operations)}}) | from_entries) as $want
  | all(.scores[]; . as $m | ($want[$m.month] // {n: 0, score: null, hardware: null, service: null, operations: null}) as $w
        | $m.inspections == $w.n and close($m.score; $w.score) and close($m.hardware; $w.hardware)
          and close($m.service; $w.service) and close($m.operations; $w.operations))
  and ([.scores[].inspections] | add) == ($want | [.[].n] | add)' "$T/b" >/dev/null ||
    yz_fail "scores by month differ from the list: $(jq -c .scores "$T/b" | head -c 600)"
check --argjson id "$LOW" --slurpfile i "$T/insp.json" \
    '[.stations[] | select(.id == $id)] | length == 1 and .[0].inspection == $i[0].id and .[0].score == ($i[0].scores.overall | . * 10 | round / 10) and .[0].hardware == ($i[0].scores.hardware | . * 10 | round / 10)' "LOW's latest score"
c=$(curl -s -o "$T/csv" -w '%{http_code}' -H "$H" "$BASE/api/v1/dashboard/scores.csv?district=$D")
[ "$c" = 200 ] && [ "$(head -c 3 "$T/csv" | od -An -tx1 | tr -d ' ')" = efbbbf ] || yz_fail "scores csv"
grep -q "^station,,DML-$s,\"'=低分驿站$s\",330303,," "$T/csv" || yz_fail "scores csv station: $(grep DML "$T/csv")"
c=$(curl -s -o "$T/csv" -w '%{http_code}' -H "$H" "$BASE/api/v1/dashboard/events.csv?from=$today&to=$tomorrow&district=$D")
[ "$c" = 200 ] && [ "$(head -c 3 "$T/csv" | od -An -tx1 | tr -d ' ')" = efbbbf ] || yz_fail "events csv"
sed -n 1p "$T/csv" | grep -q $'month,district,label,events,signups,suppressed\r' || yz_fail "events csv header"

# --- who: a viewer everything; a district admin theirs only; nobody without a credential ----
for e in events ratings scores; do
    expect "$(st -H "Authorization: Bearer $VW" "$BASE/api/v1/dashboard/$e")" 200 "viewer $e"
    expect "$(st -H "Authorization: Bearer $DA" "$BASE/api/v1/dashboard/$e")" 200 "district admin $e, theirs"
    check --arg d $D2 '.district == $d' "their district by default"
    expect "$(st -H "Authorization: Bearer $DA" "$BASE/api/v1/dashboard/$e?district=$D")" 403 "district admin $e, another"
    expect "$(st -H "Authorization: Bearer $IN" "$BASE/api/v1/dashboard/$e.csv")" 403 "inspector $e"
    expect "$(st "$BASE/api/v1/dashboard/$e")" 401 "anonymous $e"
done

# --- bad input: 400 naming the field, in both languages --------------------------------------
bad() { # path field
    expect "$(dash "$1")" 400 "$1"
    check --arg f "$2" '.field == $f and (.message | length) > 0 and (.message_en | length) > 0' "$1: field $2"
}
for e in events ratings scores events.csv; do
    bad "$e?from=2026-05-02&to=2026-05-01" to
    bad "$e?from=2023-01-01&to=2026-05-01" from
    bad "$e?from=2026-02-30" from
    bad "$e?district=999999" district
    bad "$e?colour=red" colour
done
bad "ratings?min=0" min
bad "ratings?min=x" min
bad "events?min=5" min
echo ok
