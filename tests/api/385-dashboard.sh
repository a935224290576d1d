#!/usr/bin/env bash
# backends: sqlite pg
# tests/api/385-dashboard.sh - GET /api/v1/dashboard/visits(.csv) (docs/internals/stats.md):
# check-ins at two stations of our own, 6 distinct workers at one (shown, with the number of
# check-ins made here) and 2 at the other (suppressed: null and "suppressed": true, never 0),
# by station, district and occupation, day, week and month; the CSV (BOM, suppressed cells
# empty, a station name starting with "=" guarded); bad parameters refused naming the field;
# no credential refused. Runs on the suite's server (SQLite and PostgreSQL).
set -eu
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
auth=(-H "Authorization: Bearer $TOKEN")
mk() { # code name
    curl -s -o "$T/st" -X POST "$BASE/api/v1/stations" "${auth[@]}" -H 'Content-Type: application/json' \
        -d "{\"code\":\"$1\",\"name\":\"$2\",\"district_code\":\"330303\",\"lat\":28.02,\"lon\":120.7}"
    jq -e .id "$T/st" >/dev/null || fail "station $1: $(cat "$T/st")"
}
mk DASH-BIG "=HYPERLINK(\\\"x\\\")"
mk DASH-SMALL 看板小驿站
checkin() { # occupation station
    local tok
    tok=$(curl -s -X POST "$BASE/api/v1/workers" -H 'Content-Type: application/json' \
        -d "{\"occupation\":\"$1\"}" | jq -r .token)
    local c
    c=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$BASE/api/v1/visits" -H "Authorization: Bearer $tok" \
        -H 'Content-Type: application/json' -d "{\"station_code\":\"$2\"}")
    [ "$c" = 201 ] || fail "check-in at $2: $c"
}
for o in rider rider courier courier driver sanitation; do checkin "$o" DASH-BIG; done
checkin rider DASH-SMALL
checkin courier DASH-SMALL
today=$(TZ=Asia/Shanghai date +%F)
month=${today%-*}

get() { curl -s -o "$T/out" -w '%{http_code}' "${auth[@]}" "$BASE/api/v1/dashboard/visits$1"; }
for b in day week month; do
    c=$(get "?from=$today&to=$today&bucket=$b&by=station&district=330303")
    [ "$c" = 200 ] || fail "$b: $c $(cat "$T/out")"
    jq -e --arg b "$b" '.bucket == $b and .k == 5 and .district == "330303" and (.buckets | length) == 1' "$T/out" >/dev/null ||
        fail "$b: $(head -c 300 "$T/out")"
    jq -e '.series[] | select(.key == "DASH-BIG") | .points == [{"bucket": .points[0].bucket, "visits": 6}]' "$T/out" >/dev/null ||
        fail "$b big: $(jq -c '.series[] | select(.key == "DASH-BIG")' "$T/out")"
    jq -e '.series[] | select(.key == "DASH-SMALL") | .points[0] | .visits == null and .suppressed == true' "$T/out" >/dev/null ||
        fail "$b small: $(jq -c '.series[] | select(.key == "DASH-SMALL")' "$T/out")"
done
jq -e --arg m "$month" '.buckets == [$m]' "$T/out" >/dev/null || fail "month label: $(jq -c .buckets "$T/out")"
# by district: 330303 holds at least our 8 check-ins by 8 workers
c=$(get "?from=$today&to=$today&by=district")
[ "$c" = 200 ] || fail "district: $c"
jq -e '.series[] | select(.key == "330303") | .points[0].visits >= 8' "$T/out" >/dev/null ||
    fail "district: $(head -c 400 "$T/out")"
# a range of 3 days: every day a point, the days without visits 0 (not suppressed)
yest=$(TZ=Asia/Shanghai date -d '-2 day' +%F)
c=$(get "?from=$yest&to=$today&by=station&district=330303")
jq -e '.series[] | select(.key == "DASH-BIG") | [.points[].visits] == [0, 0, 6]' "$T/out" >/dev/null ||
    fail "3 days: $(jq -c '.series[] | select(.key == "DASH-BIG")' "$T/out")"

# CSV: BOM, header, suppressed cell empty, the "=" name guarded by the helper
c=$(curl -s -D "$T/h" -o "$T/csv" -w '%{http_code}' "${auth[@]}" \
    "$BASE/api/v1/dashboard/visits.csv?from=$today&to=$today&by=station&district=330303")
[ "$c" = 200 ] || fail "csv: $c"
[ "$(head -c 3 "$T/csv" | od -An -tx1 | tr -d ' ')" = efbbbf ] || fail "csv: no BOM"
grep -qi '^content-type: text/csv; charset=utf-8' "$T/h" || fail "csv content type"
sed -n 1p "$T/csv" | grep -q $'bucket,key,label,visits,suppressed\r' || fail "csv header: $(sed -n 1p "$T/csv")"
grep -q "^$today,DASH-SMALL,看板小驿站,,true"$'\r$' "$T/csv" || fail "csv small: $(grep SMALL "$T/csv")"
grep -q "^$today,DASH-BIG,\"'=HYPERLINK(\"\"x\"\")\",6,false"$'\r$' "$T/csv" || fail "csv big: $(grep BIG "$T/csv")"

# bad input: 400 naming the field
bad() { # query field
    c=$(get "$1")
    [ "$c" = 400 ] || fail "$1: $c $(cat "$T/out")"
    jq -e --arg f "$2" '.field == $f and (.message | length) > 0 and (.message_en | length) > 0' "$T/out" >/dev/null ||
        fail "$1: $(cat "$T/out")"
}
bad "?from=2026-05-02&to=2026-05-01" to
bad "?from=2023-01-01&to=2026-05-01" from
bad "?bucket=hour" bucket
bad "?by=worker" by
bad "?district=999999" district
bad "?from=2026-02-30" from
bad "?colour=red" colour
# A chart by station is bounded: stations in scope x buckets at most 40,000 points (the
# city's stations by day over 50 days is more; one district, or months, is within it), and the
# CSV of the same range is not bounded.
n=$(curl -s "$BASE/api/v1/stations?per_page=1" | jq .total)
[ "$n" -gt 50 ] || fail "the suite's city has $n stations"
days=$((40000 / n + 2))
from=$(TZ=Asia/Shanghai date -d "$today - $((days - 1)) days" +%F)
bad "?from=$from&to=$today&by=station&bucket=day" bucket
jq -e '.message_en | test("at most 40000 points")' "$T/out" >/dev/null || fail "cap message: $(cat "$T/out")"
c=$(get "?from=$from&to=$today&by=station&bucket=month")
[ "$c" = 200 ] || fail "by station, months: $c $(cat "$T/out")"
c=$(get "?from=$from&to=$today&by=station&bucket=day&district=330303")
[ "$c" = 200 ] || fail "by station, one district: $c $(cat "$T/out")"
c=$(curl -s -o "$T/out" -w '%{http_code}' "${auth[@]}" \
    "$BASE/api/v1/dashboard/visits.csv?from=$from&to=$today&by=station&bucket=day")
[ "$c" = 200 ] && grep -q '^bucket,key,label,visits,suppressed' <(tail -c +4 "$T/out") || fail "CSV uncapped: $c"
# no credential
c=$(curl -s -o "$T/out" -w '%{http_code}' "$BASE/api/v1/dashboard/visits")
[ "$c" = 401 ] || fail "anonymous: $c"
echo "ok"
