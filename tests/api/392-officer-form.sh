#!/usr/bin/env bash
# backends: sqlite pg
# 392-officer-form.sh - what the experience officer's form needs beyond 388-inspections.sh:
# GET /api/v1/officer (whether the worker token is an officer's), the officer's photo upload
# POST /api/v1/officer/photos (a worker who is not an officer 403, no token 401, not an image
# 415, the same image twice stored once, the officer sees their pending photo, another worker
# 404, 200 a day then 429 with nothing stored), an inspection submitted with that photo as
# evidence and its client_id (twice: one inspection), and the /inspect shell. Uses the suite's
# server (BASE, TOKEN, YZ_DB).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
. "$here/../lib.sh"
H="Authorization: Bearer $TOKEN"
J="Content-Type: application/json"
T=$CASE_TMP
G=$root/build/tools/photogen
[ -x "$G" ] || make -s -C "$root" build/tools/photogen >/dev/null || exit 1

st() { rm -f "$T/b"; curl -s -o "$T/b" -D "$T/h" -w '%{http_code}' "$@"; }
expect() { [ "$1" = "$2" ] || yz_fail "$3: got $1, expected $2: $(head -c 400 "$T/b")"; }
check() { jq -e "$1" "$T/b" >/dev/null || yz_fail "$2: $(head -c 600 "$T/b")"; }
bad() { check ".field == \"$1\" and (.message | length > 0) and (.message_en | length > 0)" "$2: field $1"; }
sql() {
    if [[ $YZ_DB == postgres* ]]; then psql -qtA "$YZ_DB" -c "$1"; else sqlite3 "$YZ_DB" "$1"; fi
}
rows() { sql "SELECT count(*) FROM photos"; }
upload() { # bearer file content-type -> status, body in $T/b
    st -X POST ${1:+-H "Authorization: Bearer $1"} -H "Content-Type: $3" --data-binary "@$2" \
        "$BASE/api/v1/officer/photos?kind=inspection"
}

S1=$(curl -sf "$BASE/api/v1/stations?per_page=1" | jq -r '.stations[0].id')
SC1=$(curl -sf "$BASE/api/v1/stations/$S1" | jq -r .code)
W=$(curl -sf -X POST "$BASE/api/v1/workers" | jq -r .token)
X=$(curl -sf -X POST "$BASE/api/v1/workers" | jq -r .token)
"$G" png 64 48 "$T/a.png" --seed "$RANDOM"
"$G" png 80 40 "$T/b.png" --seed "$RANDOM"
printf 'not an image at all' >"$T/t.jpg"

# --- officer status ---------------------------------------------------------------------------
expect "$(st "$BASE/api/v1/officer")" 401 "status without a token"
expect "$(st -H "Authorization: Bearer $W" "$BASE/api/v1/officer")" 200 "status of a worker"
check '.officer == false' "not yet an officer"
n0=$(rows)
expect "$(upload "$W" "$T/a.png" image/png)" 403 "a worker who is not an officer uploads"
expect "$(upload "" "$T/a.png" image/png)" 401 "no token uploads"
[ "$(rows)" = "$n0" ] || yz_fail "refused uploads stored something"

CODE=$(curl -sf -X POST -H "Authorization: Bearer $W" "$BASE/api/v1/officers/code" | jq -r .code)
WID=$(curl -sf -X POST -H "$H" -H "$J" -d "{\"code\":\"$CODE\"}" "$BASE/api/v1/officers" | jq -r .worker_id)
expect "$(st -H "Authorization: Bearer $W" "$BASE/api/v1/officer")" 200 "status of an officer"
check '.officer == true and .id > 0 and (.appointed_at | type == "string")' "an officer now"
expect "$(st -H "Authorization: Bearer $X" "$BASE/api/v1/officer")" 200 "another worker"
check '.officer == false' "another worker is not"

# --- the officer's photos ---------------------------------------------------------------------
expect "$(upload "$W" "$T/t.jpg" image/jpeg)" 415 "text named .jpg"
bad photo "text named .jpg"
expect "$(upload "$W" "$T/a.png" text/plain)" 415 "a wrong Content-Type"
bad Content-Type "a wrong Content-Type"
[ "$(rows)" = "$n0" ] || yz_fail "refused uploads stored something"
expect "$(upload "$W" "$T/a.png" image/png)" 201 "officer uploads"
check '.stored == true and .status == "pending" and .kind == "inspection" and (.sha256 | test("^[0-9a-f]{64}$"))' "stored"
SHA=$(jq -r .sha256 "$T/b")
expect "$(upload "$W" "$T/a.png" image/png)" 200 "the same image again"
check ".stored == false and .sha256 == \"$SHA\"" "stored once"
[ "$(rows)" = "$((n0 + 1))" ] || yz_fail "one row for one image"
[ "$(sql "SELECT uploader_worker_id FROM photos WHERE sha256 = '$SHA'")" = "$WID" ] || yz_fail "uploader is the officer's worker"
expect "$(st -H "Authorization: Bearer $W" "$BASE/api/v1/photos/$SHA/thumb.jpg")" 200 "the officer sees their pending photo"
expect "$(st -H "Authorization: Bearer $X" "$BASE/api/v1/photos/$SHA/thumb.jpg")" 404 "another worker does not"
expect "$(st "$BASE/api/v1/photos/$SHA.jpg")" 404 "nor the public"

# the daily limit: 198 more uploads of the last 24 hours (rows made here, as if uploaded an
# hour ago), then the 201st is refused and nothing is stored
now=$(date +%s)
if [[ $YZ_DB == postgres* ]]; then
    sql "INSERT INTO photos (sha256, uploader_worker_id, width, height, bytes, thumb_bytes, created_at)
         SELECT lpad(n::text, 64, '0'), $WID, 1, 1, 1, 1, $now - 3600 FROM generate_series(1, 198) AS n" >/dev/null
else
    sql "WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 198)
         INSERT INTO photos (sha256, uploader_worker_id, width, height, bytes, thumb_bytes, created_at)
         SELECT substr('$(printf '%064d' 0)' || n, -64), $WID, 1, 1, 1, 1, $now - 3600 FROM g"
fi
[ "$(sql "SELECT count(*) FROM photos WHERE uploader_worker_id = $WID")" = 199 ] || yz_fail "setup: 199 photos"
expect "$(upload "$W" "$T/b.png" image/png)" 201 "the 200th of the day"
n1=$(rows)
"$G" png 70 50 "$T/c.png" --seed "$RANDOM"
expect "$(upload "$W" "$T/c.png" image/png)" 429 "the 201st of the day"
bad photo "the daily limit"
[ "$(rows)" = "$n1" ] || yz_fail "a refused upload stored something"
# a day later they count no more
sql "UPDATE photos SET created_at = created_at - 86400 WHERE uploader_worker_id = $WID" >/dev/null
expect "$(upload "$W" "$T/c.png" image/png)" 201 "the next day"

# --- the form: the photo as evidence, submitted twice, recorded once --------------------------
CK=$(curl -sf "$BASE/api/v1/checklists" | jq -r '.checklists[] | select(.code == "zj_8you") | .id')
CID=$(cat /proc/sys/kernel/random/uuid)
form=$(jq -nc --arg sha "$SHA" '{scores: [
  {criterion: "sign", pass: true, photos: [$sha]}, {criterion: "site", pass: true, note: "路口"},
  {criterion: "facilities", score: 80, photos: [$sha]}, {criterion: "service_functions", score: 70, note: "热水"},
  {criterion: "management_rules", pass: false, photos: [$sha]}, {criterion: "online_maps", pass: true},
  {criterion: "publicity", pass: true, photos: [$sha]}, {criterion: "warm_service", pass: true, note: "义诊"}]}')
curl -sf -X POST -H "Authorization: Bearer $W" -H "$J" -d "{\"station_code\":\"$SC1\"}" "$BASE/api/v1/visits" >/dev/null ||
    yz_fail "check-in"
for i in 1 2; do
    code=$(st -X POST -H "Authorization: Bearer $W" -H "$J" \
        -d "{\"station\":$S1,\"checklist\":$CK,\"client_id\":\"$CID\"}" "$BASE/api/v1/officer/inspections")
    [ "$code" = 201 ] || [ "$code" = 200 ] || yz_fail "create $i: $code"
    expect "$(st -X POST -H "Authorization: Bearer $W" -H "$J" -d "$form" "$BASE/api/v1/officer/inspections/$CID/submit")" 200 "submit $i"
    cp "$T/b" "$T/submit$i"
done
cmp -s "$T/submit1" "$T/submit2" || yz_fail "a second submit answers the same"
[ "$(sql "SELECT count(*) FROM inspections WHERE client_id = '$CID'")" = 1 ] || yz_fail "one inspection"
# weights 10,10,15,15,15,10,10,15; points 100,100,80,70,0,100,100,100: 7750 / 100
jq -e --arg sha "$SHA" '.status == "submitted" and .kind == "experience_officer" and .scores.overall == 77.5
    and ([.items[] | select(.photos == [$sha])] | length) == 4
    and (.items[] | select(.criterion == "facilities") | .score) == 80
    and (.items[] | select(.criterion == "management_rules") | .pass) == false' "$T/submit1" >/dev/null ||
    yz_fail "submitted as sent: $(head -c 600 "$T/submit1")"

# --- the shell ----------------------------------------------------------------------------------
expect "$(st "$BASE/inspect")" 200 "/inspect"
grep -qi '<html' "$T/b" || yz_fail "/inspect is the app's page"
expect "$(st "$BASE/inspect/$SC1")" 200 "/inspect/CODE"
echo "ok 392-officer-form"
