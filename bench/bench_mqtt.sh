#!/usr/bin/env bash
# bench/bench_mqtt.sh - device readings through a Mosquitto broker into yizhan (SQLite), against
# the broker's own throughput to a plain subscriber in the same run (docs/internals/mqtt.md).
# (a) Throughput: MQTT_CLIENTS publisher connections (bench_mqtt_pub) send MQTT_MESSAGES
# signed messages of MQTT_BATCH door readings each, round-robin over MQTT_DEVICES devices,
# QoS 1. Both yizhan and a mosquitto_sub (QoS 1, output thrown away) receive every message;
# the figures are the seconds from the first publish until mosquitto_sub has them all, and
# until yizhan has committed them all (yizhan_device_readings_total{result="stored"}), as
# readings a second. Then the rows in the database are counted: every acknowledged reading
# must be there, once.
# (b) Visibility (MQTT_VIS samples, 0: none): a battery cabinet at the union building
# publishes a new charged count, and nearby at the station's position is polled until its
# live.batteries_charged shows it (bench_live_probe, one connection to each): p50/p99 of the
# milliseconds from the publish to the answer that shows it; idle, then again while
# MQTT_CLIENTS publishers send batches of 10 readings at MQTT_VIS_RATE readings a second
# (default 10000: half the issue's target, so that the broker's queue to yizhan stays short).
#   MQTT_MESSAGES=20000 MQTT_BATCH=1 MQTT_DEVICES=20 MQTT_CLIENTS=4 MQTT_VIS=200 bench/bench_mqtt.sh BIN PUB
# Quick mode (make test): MQTT_QUICK=1, a few hundred messages, 10 samples, the checks only.
set -eu
bin=$(realpath "$1")
pub=$(realpath "$2")
here=$(cd "$(dirname "$0")" && pwd)
broker=$here/../tests/mqtt/broker.sh
N=${MQTT_MESSAGES:-20000}
B=${MQTT_BATCH:-1}
D=${MQTT_DEVICES:-20}
C=${MQTT_CLIENTS:-4}
V=${MQTT_VIS:-200}
if [ -n "${MQTT_QUICK:-}" ]; then N=400 B=5 C=2 V=10; fi
YZ_BIN=$bin
. "$here/../tests/lib.sh"
tmp=$YZ_LOGS
trap '"$broker" stop "$tmp/b" >/dev/null 2>&1; yz_cleanup' EXIT
export YZ_MQTT_PASSWORD=bench-$RANDOM YIZHAN_ADMIN_TOKEN=bench-token
yz_demo "$tmp/d.db"
mkdir -p "$tmp/b"
"$broker" start "$tmp/b" --no-acl
port=$("$broker" port "$tmp/b")
yz_serve bench "$tmp/d.db" --mqtt-url "$("$broker" url "$tmp/b")" --mqtt-client-id yizhan-bench
: >"$tmp/devices"
for _ in $(seq 1 "$D"); do
    curl -sf -H "Authorization: Bearer $YIZHAN_ADMIN_TOKEN" -H 'Content-Type: application/json' \
        -d '{"kind":"door"}' "$YZ_URL/api/v1/stations/WZ-GHDS/devices" | jq -r '"\(.id) \(.key)"' >>"$tmp/devices"
done
"$bin" devices export-acl --db "$tmp/d.db" --passwd "$tmp/b/passwd" --acl "$tmp/b/acl" >/dev/null
"$broker" reload "$tmp/b"
stored() { curl -s "$YZ_URL/metrics" | awk '$1 == "yizhan_device_readings_total{result=\"stored\"}" { print $2 }'; }
for _ in $(seq 1 200); do
    curl -s "$YZ_URL/metrics" | grep -q '^yizhan_mqtt_connected 1' && break
    sleep 0.1
done
read -r id1 key1 <"$tmp/devices"
ms() { echo $(($(date +%s%N) / 1000000)); }
mosquitto_sub -p "$port" -q 1 -u "$id1" -P "$key1" -i bench-sub -t 'yizhan/v1/devices/+/readings' \
    -C "$N" >/dev/null &
sub=$!
sleep 0.5
s0=$(stored)
t0=$(ms)
"$pub" --port "$port" --messages "$N" --batch "$B" --clients "$C" --user "$id1" --password "$key1" \
    <"$tmp/devices" >"$tmp/pub.out"
read -r _ acked <"$tmp/pub.out"
[ "$acked" = "$N" ] || { echo "bench_mqtt: $acked of $N messages acknowledged"; exit 1; }
wait "$sub"
t_sub=$(($(ms) - t0))
want=$((s0 + N * B))
while [ "$(stored)" -lt "$want" ]; do
    [ $(($(ms) - t0)) -lt 300000 ] || { echo "bench_mqtt: yizhan stored $(stored) of $want"; exit 1; }
    sleep 0.02
done
t_yz=$(($(ms) - t0))
cpu=$(awk '{ print $14 + $15 }' "/proc/$YZ_PID/stat")
# Every acknowledged reading in the store, once (a door reading is one row).
rows=$(sqlite3 "$tmp/d.db" "SELECT count(*) FROM device_readings")
[ "$rows" = $((N * B)) ] || { echo "bench_mqtt: $rows rows stored for $((N * B)) readings acknowledged"; exit 1; }
hz=$(getconf CLK_TCK)
readings=$((N * B))
echo "mqtt ingest: $N messages x $B readings ($readings) from $D devices, $C publisher connections, QoS 1, SQLite"
awk -v n="$N" -v r="$readings" -v ts="$t_sub" -v ty="$t_yz" -v cpu="$cpu" -v hz="$hz" 'BEGIN {
    printf "  broker -> mosquitto_sub:   %6.2f s  %8.0f messages/s\n", ts / 1000, n / (ts / 1000)
    printf "  broker -> yizhan, stored:  %6.2f s  %8.0f readings/s  (%.2f of the plain subscriber)\n",
        ty / 1000, r / (ty / 1000), ts / ty
    printf "  yizhan CPU: %.1f us a reading (whole process, setup included)\n", cpu / hz * 1e6 / r
}'
echo "  stored in the database: $rows rows, every acknowledged reading"
[ "$V" -gt 0 ] || exit 0

# --- (b) visibility ------------------------------------------------------------------------
read -r cid ckey < <(curl -sf -H "Authorization: Bearer $YIZHAN_ADMIN_TOKEN" -H 'Content-Type: application/json' \
    -d '{"kind":"battery_cabinet"}' "$YZ_URL/api/v1/stations/WZ-GHDS/devices" | jq -r '"\(.id) \(.key)"')
read -r lat lon < <(curl -sf "$YZ_URL/api/v1/stations/WZ-GHDS" | jq -r '"\(.lat) \(.lon)"')
probe=$(dirname "$pub")/bench_live_probe
probe() { # $1: samples, $2: first seq; milliseconds from publish to nearby showing it, one a line
    "$probe" --port "$port" --http-port "${YZ_URL##*:}" --samples "$1" --seq0 "$2" --device "$cid" \
        --key "$ckey" --user "$id1" --password "$key1" --lat "$lat" --lon "$lon"
}
pct() { sort -n "$1" | awk '{ a[NR] = $1 } END {
    p50 = a[int((NR - 1) * 0.50) + 1]; p99 = a[int((NR - 1) * 0.99) + 1]
    printf "p50 %.0f ms, p99 %.0f ms, max %.0f ms (%d samples)", p50, p99, a[NR], NR }'; }
probe "$V" 1 >"$tmp/vis.idle"
echo "  visible in nearby, idle:             $(pct "$tmp/vis.idle")"
# Again under load: publishers sending batches of 10 for as long as the probe runs.
"$pub" --port "$port" --messages 100000000 --batch 10 --clients "$C" --seq0 1000000000 \
    --rate $((${MQTT_VIS_RATE:-10000} / 10)) \
    --user "$id1" --password "$key1" <"$tmp/devices" >/dev/null 2>&1 &
load=$!
s1=$(stored)
t1=$(ms)
sleep 0.5
probe "$V" 100000 >"$tmp/vis.load"
rate=$(( ($(stored) - s1) * 1000 / ($(ms) - t1) ))
kill "$load" 2>/dev/null; wait "$load" 2>/dev/null || true
echo "  visible in nearby, under load:       $(pct "$tmp/vis.load") at $rate readings/s stored meanwhile"
