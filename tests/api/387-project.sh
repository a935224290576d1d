#!/usr/bin/env bash
# backends: sqlite pg
# 387-project.sh - campaigns and the livelihood project (docs/internals/project.md): the
# picture of GET /api/v1/project compared, district by district, with counts made here from
# the stations listing's own filters (GET /api/v1/stations?district=&livelihood=&batch=&tier=
# &status=&not_on=) and from each project station's milestones; a milestone edit by a district
# admin that moves the numbers, with its audit entry and "before"; bad input (unknown
# milestone, dates out of order, a bad date, no or a stale If-Match, a station not in the
# project) and another district's admin refused with nothing changed; the CSV lists.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib.sh"
H="Authorization: Bearer $TOKEN"
J="Content-Type: application/json"
T=$CASE_TMP
s=$RANDOM
export YIZHAN_PWHASH=min
PW=project-test-pw-1

st() { curl -s -o "$T/b" -D "$T/h" -w '%{http_code}' "$@"; }
expect() { [ "$1" = "$2" ] || yz_fail "$3: got $1, expected $2: $(head -c 400 "$T/b")"; }
check() { jq -e "$1" "$T/b" >/dev/null || yz_fail "$2: $(head -c 600 "$T/b")"; }
login() { curl -sf -X POST -H "$J" -d "{\"login\":\"$1\",\"password\":\"$PW\"}" "$BASE/api/v1/session" | jq -r .token; }
total() { curl -sf "$BASE/api/v1/stations?per_page=1&$1" | jq -r .total; }
TODAY=$(TZ=Asia/Shanghai date +%F)

curl -sf -H "$H" "$BASE/api/v1/project" >"$T/p.json" || yz_fail "GET /api/v1/project"
jq -e '.districts | length == 12' "$T/p.json" >/dev/null || yz_fail "12 districts expected"
# the suite's other scripts may have added stations to the shared database: the listing counts
all=$(total "") lv=$(total "livelihood=true")
jq -e ".total.livelihood == $lv and .total.stations == $all and $lv >= 110" "$T/p.json" >/dev/null ||
    yz_fail "totals: $(jq -c .total "$T/p.json"), the listing: $all stations, $lv in the project"

# --- the oracle: each district's numbers from the listing's filters and the milestones --------
# stage and overdue of a milestones answer, computed here: the last milestone with an actual
# date; the first one not reached whose planned date is before today
STAGE='[.milestones[] | select(.actual != null) | .milestone] | last // "none"'
LATE="[.milestones[] | select(.actual == null and .planned != null and .planned < \"$TODAY\")] | length > 0"
for D in $(jq -r '.districts[].code' "$T/p.json"); do
    row=$(jq -c --arg d "$D" '.districts[] | select(.code == $d)' "$T/p.json")
    want() { [ "$(jq -r "$1" <<<"$row")" = "$2" ] || yz_fail "$D $1: $(jq -r "$1" <<<"$row") != $2 (oracle)"; }
    want .stations "$(total "district=$D")"
    want .livelihood "$(total "district=$D&livelihood=true")"
    in_service=$(($(total "district=$D&status=open") + $(total "district=$D&status=closed_temp")))
    want .in_service "$in_service"
    for b in none plan standardize upgrade new rectify publicize; do
        want ".batches.$b" "$(total "district=$D&batch=$b")"
    done
    for tier in benchmark smart24h; do
        want ".tiers.$tier" $(($(total "district=$D&tier=$tier&status=open") + $(total "district=$D&tier=$tier&status=closed_temp")))
    done
    nomap=$(($(total "district=$D&not_on=amap,baidu,tencent&status=open") + $(total "district=$D&not_on=amap,baidu,tencent&status=closed_temp")))
    want .not_on_maps "$nomap"
    [ "$(jq --arg d "$D" '[.not_on_maps[] | select(.district_code == $d)] | length' "$T/p.json")" = "$nomap" ] ||
        yz_fail "$D: not_on_maps list length"
    # stages and overdue from each project station's milestones
    declare -A STG=([none]=0 [planned]=0 [site_agreed]=0 [building]=0 [accepted]=0 [open]=0)
    late=0
    for id in $(curl -sf "$BASE/api/v1/stations?district=$D&livelihood=true&per_page=100" | jq -r '.stations[].id'); do
        curl -sf -H "$H" "$BASE/api/v1/stations/$id/milestones" >"$T/m.json" || yz_fail "milestones of $id"
        g=$(jq -r "$STAGE" "$T/m.json")
        STG[$g]=$((STG[$g] + 1))
        [ "$(jq -r "$LATE" "$T/m.json")" = true ] && late=$((late + 1))
    done
    for g in none planned site_agreed building accepted open; do want ".stages.$g" "${STG[$g]}"; done
    want .overdue "$late"
done
# tier shares against the default targets (10 %, 15 %) over the stations in service
jq -e '(.targets.benchmark.target == 0.1) and (.targets.smart24h.target == 0.15) and
       ((.targets.benchmark.share - .total.tiers.benchmark / .total.in_service) | fabs < 0.0001) and
       (.targets.smart24h.count == .total.tiers.smart24h) and
       (.targets.benchmark.target_count == ((.total.in_service * 0.1) | ceil))' "$T/p.json" >/dev/null ||
    yz_fail "targets: $(jq -c .targets "$T/p.json")"
jq -e '[.no_events[] | .status] | all(. == "open" or . == "closed_temp")' "$T/p.json" >/dev/null ||
    yz_fail "no_events lists only stations in service"
jq -e '.total.no_events == (.no_events | length) and ([.districts[].no_events] | add) == .total.no_events' \
    "$T/p.json" >/dev/null || yz_fail "no_events counts"

# --- an edit: a district admin moves a station from building to accepted ------------------------
X=$(jq -r '[.livelihood[] | select(.stage == "building" and .overdue == null)][0].id' "$T/p.json")
[ "$X" != null ] || yz_fail "no station at building in the demo"
DX=$(jq -r --arg x "$X" '.livelihood[] | select(.id == ($x | tonumber)) | .district_code' "$T/p.json")
DO=$(jq -r --arg d "$DX" '[.districts[].code | select(. != $d)][0]' "$T/p.json")
NOT=$(curl -sf "$BASE/api/v1/stations?district=$DX&livelihood=false&per_page=1" | jq -r '.stations[0].id')
for u in "pa$s:district_admin:$DX" "pb$s:district_admin:$DO" "pv$s:viewer"; do
    echo "$PW" | "$YZ_BIN" user add "${u%%:*}" --role "${u#*:}" --db "$YZ_DB" >/dev/null || yz_fail "user add $u"
done
DA=$(login "pa$s")
DB=$(login "pb$s")
VW=$(login "pv$s")
curl -sf -H "$H" "$BASE/api/v1/stations/$X/milestones" >"$T/m0.json"
V=$(jq -r .version "$T/m0.json")
BUILT=$(jq -r '.milestones[] | select(.milestone == "building") | .actual' "$T/m0.json")
patch() { # bearer if-match body [station]
    st -X PATCH -H "Authorization: Bearer $1" -H "$J" ${2:+-H "If-Match: \"$2\""} -d "$3" \
        "$BASE/api/v1/stations/${4:-$X}/milestones"
}
same() { curl -sf -H "$H" "$BASE/api/v1/stations/$X/milestones" | cmp -s - "$T/m0.json" || yz_fail "$1 changed the milestones"; }
GOOD="{\"milestones\":{\"accepted\":{\"actual\":\"$TODAY\",\"note\":\"=HYPERLINK(1) 验收通过\"}}}"
expect "$(patch "$DB" "$V" "$GOOD")" 403 "another district's admin"
same "another district's admin"
expect "$(patch "$VW" "$V" "$GOOD")" 403 "a viewer"
expect "$(patch "$DA" "" "$GOOD")" 428 "no If-Match"
check '.field == "If-Match"' "no If-Match names it"
expect "$(patch "$DA" "$V" '{"milestones":{"opening":{"actual":"2026-01-01"}}}')" 400 "unknown milestone"
check '.field == "milestones.opening" and (.message | contains("opening")) and (.message_en | contains("opening"))' "unknown milestone named"
expect "$(patch "$DA" "$V" "{\"milestones\":{\"accepted\":{\"actual\":\"$(date -d "$BUILT -1 day" +%F)\"}}}")" 400 "accepted before building"
check '.field == "milestones.accepted.actual" and (.message_en | contains("building"))' "date order named"
expect "$(patch "$DA" "$V" '{"milestones":{"open":{"actual":"2026-01-01"}}}')" 400 "open without accepted"
check '.field == "milestones.open.actual"' "a skipped milestone named"
expect "$(patch "$DA" "$V" '{"milestones":{"accepted":{"planned":"2026-02-30"}}}')" 400 "a day that does not exist"
check '.field == "milestones.accepted.planned"' "bad date named"
expect "$(patch "$DA" "$V" "{\"milestones\":{\"building\":{\"actual\":\"$(date -d "$TODAY +1 day" +%F)\"}}}")" 400 "an actual date after today"
expect "$(patch "$DA" $((V + 5)) "$GOOD")" 409 "stale version"
check '.error == "stale_version"' "stale named"
same "refused edits"
expect "$(patch "$DA" 0 '{"milestones":{"planned":{"note":"x"}}}' "$NOT")" 409 "a station not in the project"
check '.field == "livelihood"' "not in the project named"
curl -sf -H "$H" "$BASE/api/v1/project?district=$DX" >"$T/p0.json"
expect "$(patch "$DA" "$V" "$GOOD")" 200 "the district admin's edit"
check ".version == $((V + 1)) and .stage == \"accepted\"" "after the edit"
curl -sf -H "$H" "$BASE/api/v1/project?district=$DX" >"$T/p1.json"
jq -e -n --slurpfile a "$T/p0.json" --slurpfile b "$T/p1.json" \
    '$b[0].districts[0].stages.building == $a[0].districts[0].stages.building - 1 and
     $b[0].districts[0].stages.accepted == $a[0].districts[0].stages.accepted + 1 and
     ($b[0].districts | length) == 1' >/dev/null || yz_fail "the numbers did not move"
curl -sf -H "$H" "$BASE/api/v1/audit?record=station:$X&action=station_milestones_patch&outcome=ok" >"$T/b"
check ".entries | length == 1" "one audit entry"
check ".entries[0].before.stage == \"building\" and .entries[0].after.stage == \"accepted\" and .entries[0].record.district == \"$DX\" and .entries[0].actor.login == \"pa$s\"" "audit entry with before"
curl -sf -H "$H" "$BASE/api/v1/audit?record=station:$X&action=station_milestones_patch&outcome=refused" >"$T/b"
check ".entries | length >= 8" "refused attempts logged"

# --- scope of the picture ------------------------------------------------------------------------
expect "$(st -H "Authorization: Bearer $DA" "$BASE/api/v1/project")" 200 "a district admin's picture"
check "(.districts | length) == 1 and .districts[0].code == \"$DX\" and all(.livelihood[]; .district_code == \"$DX\")" "only their district"
expect "$(st -H "Authorization: Bearer $DA" "$BASE/api/v1/project?district=$DO")" 403 "another district's picture"
expect "$(st -H "Authorization: Bearer $DB" "$BASE/api/v1/stations/$X/milestones")" 403 "another district's milestones"
expect "$(st -H "Authorization: Bearer $VW" "$BASE/api/v1/project")" 200 "a viewer's picture"
check '(.districts | length) == 12' "a viewer sees the city"
expect "$(st -H "$H" "$BASE/api/v1/project?district=999999")" 400 "unknown district"
check '.field == "district"' "unknown district named"
expect "$(st "$BASE/api/v1/project")" 401 "no session"

# --- CSV -----------------------------------------------------------------------------------------
expect "$(st -H "$H" "$BASE/api/v1/project.csv?list=livelihood&district=$DX")" 200 "livelihood CSV"
[ "$(head -c 3 "$T/b" | od -An -tx1 | tr -d ' ')" = efbbbf ] || yz_fail "CSV without BOM"
grep -q "^text/csv" <(grep -i '^content-type:' "$T/h" | cut -d' ' -f2) || yz_fail "CSV content type"
[ $(($(wc -l <"$T/b") - 1)) = "$(jq '.livelihood | length' "$T/p1.json")" ] || yz_fail "CSV rows"
grep -q "\"'=HYPERLINK(1) 验收通过\"\|,'=HYPERLINK(1) 验收通过" "$T/b" || yz_fail "formula not guarded: $(grep HYPERLINK "$T/b")"
expect "$(st -H "$H" "$BASE/api/v1/project.csv?list=not_on_maps")" 200 "not-on-maps CSV"
[ $(($(wc -l <"$T/b") - 1)) = "$(jq '.not_on_maps | length' "$T/p.json")" ] || yz_fail "not_on_maps CSV rows"
expect "$(st -H "$H" "$BASE/api/v1/project.csv?list=no_events&district=$DX")" 200 "no-events CSV"
head -1 "$T/b" | grep -q 'last_event' || yz_fail "no_events CSV header"
expect "$(st -H "$H" "$BASE/api/v1/project.csv?list=districts")" 200 "districts CSV"
[ "$(wc -l <"$T/b")" = 14 ] || yz_fail "districts CSV: 12 districts, a total and the header"
expect "$(st -H "$H" "$BASE/api/v1/project.csv?list=everything")" 400 "unknown list"
check '.field == "list"' "unknown list named"
expect "$(st -H "Authorization: Bearer $DA" "$BASE/api/v1/project.csv?list=livelihood&district=$DO")" 403 "another district's CSV"
echo "ok: project picture = oracle in 12 districts; edit, refusals, audit, CSV"
