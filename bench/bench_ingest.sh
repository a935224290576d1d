#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench/bench_ingest.sh YIZHAN - device readings a second through the signed HTTP ingest on
# SQLite (docs/internals/live.md): the demo city, INGEST_DEVICES battery cabinets registered
# with `yizhan devices add`, then bench_ingest's INGEST_THREADS keep-alive clients post
# batches of INGEST_BATCH signed readings for INGEST_SECONDS. Each answer means committed
# (fsync'd) and published to the live status. Prints readings/s acknowledged, the server's
# CPU per reading (utime + stime of its process over the run), and checks that the store holds
# at least the acknowledged readings. The target (issue 14) is 20,000 readings/s on one node;
# the figures are printed, never judged (a slow machine passes). What fails: a request not
# acknowledged (no 200 with "stored"; the ingest refuses none of these for load: no 429, no
# 503), nothing acknowledged, fewer readings stored than acknowledged, or the server not
# exiting cleanly on SIGTERM (a crash).
# Quick mode (make test): INGEST_SECONDS=1 INGEST_DEVICES=8 INGEST_THREADS=2 (about 3 s).
set -eu
yizhan=$1
secs=${INGEST_SECONDS:-5}
ndev=${INGEST_DEVICES:-64}
threads=${INGEST_THREADS:-8}
batch=${INGEST_BATCH:-100}
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT
"$yizhan" demo --db "$tmp/b.db" >/dev/null 2>&1
codes=$(sqlite3 "$tmp/b.db" "SELECT code FROM stations ORDER BY id LIMIT $ndev")
for c in $codes; do
    "$yizhan" devices add --station "$c" --kind battery_cabinet --db "$tmp/b.db" |
        awk '$1 == "id" {id = $2} $1 == "key" {print id "\t" $2}'
done >"$tmp/devices.tsv"
"$yizhan" serve --db "$tmp/b.db" --bind 127.0.0.1 --port 0 --port-file "$tmp/port" \
    --threads $((threads * 2)) --writes-per-min 100000000 2>>"$tmp/server.log" &
pid=$!
for _ in $(seq 1 200); do [ -s "$tmp/port" ] && break; sleep 0.05; done
[ -s "$tmp/port" ] || { echo "server did not start"; tail "$tmp/server.log"; exit 1; }
cpu() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
hz=$(getconf CLK_TCK)
c0=$(cpu)
"$here/out/bench_ingest" "$(cat "$tmp/port")" "$tmp/devices.tsv" "$secs" "$threads" "$batch" >"$tmp/out"
c1=$(cpu)
cat "$tmp/out"
acked=$(awk '$1 == "acked_readings" {print $2}' "$tmp/out")
failed=$(awk '$1 == "failed" {print $2}' "$tmp/out")
kill "$pid"
rc=0
wait "$pid" 2>/dev/null || rc=$?
pid=
[ "$rc" = 0 ] || { echo "FAIL: the server exited with $rc"; tail "$tmp/server.log"; exit 1; }
stored=$(sqlite3 "$tmp/b.db" "SELECT count(DISTINCT device_id || ':' || seq) FROM device_readings")
echo "stored_readings $stored"
awk -v c=$((c1 - c0)) -v hz="$hz" -v n="$acked" \
    'BEGIN { printf "server_cpu_s %.2f\ncpu_us_per_reading %.1f\n", c / hz, n ? c / hz * 1e6 / n : 0 }'
[ "$stored" -ge "$acked" ] || { echo "FAIL: $acked acknowledged, $stored stored"; exit 1; }
[ "$acked" -gt 0 ] || { echo "FAIL: nothing acknowledged"; exit 1; }
[ "$failed" = 0 ] ||
    { echo "FAIL: $failed requests not acknowledged"; tail "$tmp/server.log"; exit 1; }
