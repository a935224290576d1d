#!/usr/bin/env bash
# PostgreSQL down under a running node: searches go on (the read path never touches the
# database), writes get 503 with Retry-After and a JSON error naming the database (not a 500,
# not a hang), health still answers; once PostgreSQL is back, writes succeed again without a
# restart, and what was refused was not half written.
set -u
export YIZHAN_ADMIN_TOKEN=pg-down-$$
. "$(dirname "$0")/../lib.sh"
trap 'yz_cleanup; "$(dirname "$0")/cluster.sh" resume "$PG_CLUSTER" 2>/dev/null' EXIT
yz_demo "$YZ_DB"
yz_serve node "$YZ_DB" --threads 4 --writes-per-min 1000000 --workers-per-hour 1000000
pid=$YZ_PID
B=$YZ_URL
w=$(curl -s -X POST "$B/api/v1/workers" | jq -r .token)
visit() { curl -s -o "$CASE_TMP/out" -D "$CASE_TMP/h" -w '%{http_code}' --max-time 20 -X POST "$B/api/v1/visits" \
    -H "Authorization: Bearer $w" -H 'Content-Type: application/json' -d "{\"station_code\":\"$1\"}"; }
[ "$(visit WZ0001)" = 201 ] || { echo "first visit failed"; cat "$CASE_TMP/out"; exit 1; }
before=$(psql -X -At "$YZ_DB" -c "SELECT count(*) FROM visits")

"$(dirname "$0")/cluster.sh" pause "$PG_CLUSTER" || { echo "pause failed"; exit 1; }
st=$(curl -s -o "$CASE_TMP/near" -w '%{http_code}' --max-time 5 "$B/api/v1/stations/nearby?lat=28.0&lon=120.65&k=5&fields=code")
[ "$st" = 200 ] && jq -e '.count == 5' "$CASE_TMP/near" >/dev/null || { echo "nearby while the database is down: $st"; exit 1; }
[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$B/healthz")" = 200 ] || { echo "health while down"; exit 1; }
t0=$SECONDS
st=$(visit WZ0002)
[ "$st" = 503 ] || { echo "visit while the database is down: $st"; cat "$CASE_TMP/out"; exit 1; }
grep -qi '^Retry-After:' "$CASE_TMP/h" || { echo "503 without Retry-After"; exit 1; }
jq -e '.error == "unavailable" and .field == "db"' "$CASE_TMP/out" >/dev/null || { echo "error body: $(cat "$CASE_TMP/out")"; exit 1; }
st=$(curl -s -o "$CASE_TMP/out" -w '%{http_code}' --max-time 20 -X POST "$B/api/v1/stations/WZ0003/ratings" \
    -H "Authorization: Bearer $w" -H 'Content-Type: application/json' -d '{"stars":4}')
[ "$st" = 503 ] || { echo "rating while down: $st"; cat "$CASE_TMP/out"; exit 1; }
[ $((SECONDS - t0)) -lt 15 ] || { echo "refusals took $((SECONDS - t0)) s"; exit 1; }

"$(dirname "$0")/cluster.sh" resume "$PG_CLUSTER" || { echo "resume failed"; exit 1; }
ok=0
for _ in $(seq 1 50); do
    st=$(visit WZ0004)
    [ "$st" = 201 ] && { ok=1; break; }
    sleep 0.2
done
[ $ok = 1 ] || { echo "visits never recovered: $st $(cat "$CASE_TMP/out")"; exit 1; }
after=$(psql -X -At "$YZ_DB" -c "SELECT count(*) FROM visits")
[ "$after" = $((before + 1)) ] || { echo "visits before $before, after $after: want exactly the one after recovery"; exit 1; }
[ "$(psql -X -At "$YZ_DB" -c "SELECT count(*) FROM ratings")" = 0 ] || { echo "a refused rating was stored"; exit 1; }
yz_stop "$pid" || { echo "node exited with $? after SIGTERM"; tail -20 "$CASE_TMP/node.log"; exit 1; }
grep -q "Sanitizer\|runtime error:" "$CASE_TMP/node.log" && { echo "sanitizer report"; exit 1; }
echo "ok (searches served and writes refused with 503 while PostgreSQL was down; writes back without a restart)"
