#!/usr/bin/env bash
# Online backup: `yizhan backup` three times while 4 clients check in and rate without pause.
# Each copy passes the integrity check, holds every station, and holds a number of visits
# between what was acknowledged before it started and after it ended (a copy as of one commit);
# the copies grow in order. A server started on the last copy answers like the original. A
# backup never overwrites, never creates a database where there was none, and leaves no
# partial file behind.
set -u
. "$(dirname "$0")/../lib.sh"
db=$CASE_TMP/live.db
loops=()
cleanup() {
    for p in "${loops[@]}"; do kill "$p" 2>/dev/null; done
    yz_cleanup
}
trap cleanup EXIT
start() { # NAME DB -> base url in $url
    yz_serve "$1" "$2" --threads 8 --writes-per-min 100000000 --workers-per-hour 1000000
    url=$YZ_URL
}
yz_demo "$db"
start server "$db"
base=$url
visits() { sqlite3 "$1" "SELECT count(*) FROM visits"; }

loop() { # N: check in at changing stations until killed; count acknowledgements
    local n=$1 i=0 t
    t=$(curl -s -X POST "$base/api/v1/workers" | jq -r .token)
    while :; do
        curl -s -o /dev/null -X POST "$base/api/v1/visits" -H "Authorization: Bearer $t" \
            -H 'Content-Type: application/json' \
            -d "{\"station_code\":\"WZ$(printf %04d $(((i * 4 + n) % 800 + 1)))\"}"
        [ $((i % 10)) = 0 ] && curl -s -o /dev/null -X POST "$base/api/v1/stations/$((i % 800 + 1))/ratings" \
            -H "Authorization: Bearer $t" -H 'Content-Type: application/json' -d '{"stars":4}'
        i=$((i + 1))
    done
}
for n in 0 1 2 3; do
    loop "$n" &
    loops+=($!)
done
sleep 1
stations=$(sqlite3 "$db" "SELECT count(*) FROM stations")
prev=0
for b in 1 2 3; do
    lo=$(visits "$db")
    out=$("$YZ_BIN" backup --db "$db" "$CASE_TMP/b$b.db" 2>&1) || { echo "backup $b failed: $out"; exit 1; }
    hi=$(visits "$db")
    got=$(visits "$CASE_TMP/b$b.db")
    ok=$(sqlite3 "$CASE_TMP/b$b.db" "PRAGMA integrity_check")
    [ "$ok" = ok ] || { echo "backup $b: integrity $ok"; exit 1; }
    [ "$(sqlite3 "$CASE_TMP/b$b.db" "SELECT count(*) FROM stations")" = "$stations" ] ||
        { echo "backup $b: station count differs"; exit 1; }
    [ "$got" -ge "$lo" ] && [ "$got" -le "$hi" ] && [ "$got" -ge "$prev" ] ||
        { echo "backup $b: $got visits, acknowledged $lo before and $hi after, previous copy $prev"; exit 1; }
    echo "$out" | grep -q "integrity ok" && echo "$out" | grep -q " $got 打卡 visits" ||
        { echo "backup $b: summary wrong: $out"; exit 1; }
    echo "backup $b: $got visits (between $lo and $hi)"
    prev=$got
    sleep 0.5
done
for p in "${loops[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
loops=()
[ "$prev" -gt 0 ] || { echo "no visits were written during the backups"; exit 1; }
ls "$CASE_TMP"/*.partial-* >/dev/null 2>&1 && { echo "a partial file was left behind"; exit 1; }

# The last copy serves: the same stations near a point, the same visit statistics it holds.
start copy "$CASE_TMP/b3.db"
q='/api/v1/stations/nearby?lat=28.0&lon=120.65&k=10&at=2026-11-27T12:00:00%2B08:00&fields=code,distance_m,open_now'
[ "$(curl -s "$base$q")" = "$(curl -s "$url$q")" ] || { echo "the copy answers nearby differently"; exit 1; }
total=$(curl -s "$url/api/v1/stats/visits?group_by=district" | jq .total)
[ "$total" = "$(sqlite3 "$CASE_TMP/b3.db" "SELECT count(*) FROM visits WHERE counted = 1")" ] ||
    { echo "the copy's visit statistics ($total) do not match its rows"; exit 1; }

# Refusals: an existing target is left alone; no database is not created; no target.
before=$(sha256sum <"$CASE_TMP/b1.db")
"$YZ_BIN" backup --db "$db" "$CASE_TMP/b1.db" >"$CASE_TMP/o" 2>&1 && { echo "overwrote a backup"; exit 1; }
grep -q "never overwrites" "$CASE_TMP/o" || { echo "no reason given: $(cat "$CASE_TMP/o")"; exit 1; }
[ "$(sha256sum <"$CASE_TMP/b1.db")" = "$before" ] || { echo "existing backup changed"; exit 1; }
"$YZ_BIN" backup --db "$CASE_TMP/none.db" "$CASE_TMP/x.db" >"$CASE_TMP/o" 2>&1 && { echo "backed up nothing"; exit 1; }
grep -q "no database at" "$CASE_TMP/o" || { echo "no reason given: $(cat "$CASE_TMP/o")"; exit 1; }
[ ! -e "$CASE_TMP/none.db" ] && [ ! -e "$CASE_TMP/x.db" ] || { echo "a file was created"; exit 1; }
"$YZ_BIN" backup --db "$db" "$CASE_TMP/no/such/dir/x.db" >"$CASE_TMP/o" 2>&1 && { echo "wrote into a missing folder"; exit 1; }
"$YZ_BIN" backup --db "$db" >/dev/null 2>&1
[ $? = 2 ] || { echo "backup without OUT: want usage exit 2"; exit 1; }
ls "$CASE_TMP"/*.partial-* "$CASE_TMP"/no >/dev/null 2>&1 && { echo "a partial file was left behind"; exit 1; }
echo ok
