#!/usr/bin/env bash
# bench/bench_mqtt.sh - device readings through a Mosquitto broker into yizhan (SQLite), against
# the broker's own throughput to a plain subscriber in the same run (docs/internals/mqtt.md).
# One publisher (bench_mqtt_pub) sends MQTT_MESSAGES signed messages of MQTT_BATCH door
# readings each, round-robin over MQTT_DEVICES devices, QoS 1. Both yizhan and a mosquitto_sub
# (QoS 1, output thrown away) receive every message; the figures are the seconds from the
# first publish until mosquitto_sub has them all, and until yizhan has committed them all
# (yizhan_device_readings_total{result="stored"}), as readings a second.
#   MQTT_MESSAGES=20000 MQTT_BATCH=1 MQTT_DEVICES=20 bench/bench_mqtt.sh BIN PUB
set -eu
bin=$(realpath "$1")
pub=$(realpath "$2")
here=$(cd "$(dirname "$0")" && pwd)
broker=$here/../tests/mqtt/broker.sh
N=${MQTT_MESSAGES:-20000}
B=${MQTT_BATCH:-1}
D=${MQTT_DEVICES:-20}
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
"$pub" --port "$port" --messages "$N" --batch "$B" --user "$id1" --password "$key1" <"$tmp/devices" >"$tmp/pub.out"
wait "$sub"
t_sub=$(($(ms) - t0))
want=$((s0 + N * B))
while [ "$(stored)" -lt "$want" ]; do
    [ $(($(ms) - t0)) -lt 300000 ] || { echo "bench_mqtt: yizhan stored $(stored) of $want"; exit 1; }
    sleep 0.02
done
t_yz=$(($(ms) - t0))
cpu=$(awk '{ print $14 + $15 }' "/proc/$YZ_PID/stat")
hz=$(getconf CLK_TCK)
readings=$((N * B))
echo "mqtt ingest: $N messages x $B readings ($readings) from $D devices, QoS 1, SQLite"
awk -v n="$N" -v r="$readings" -v ts="$t_sub" -v ty="$t_yz" -v cpu="$cpu" -v hz="$hz" 'BEGIN {
    printf "  broker -> mosquitto_sub:   %6.2f s  %8.0f messages/s\n", ts / 1000, n / (ts / 1000)
    printf "  broker -> yizhan, stored:  %6.2f s  %8.0f readings/s  (%.2f of the plain subscriber)\n",
        ty / 1000, r / (ty / 1000), ts / ty
    printf "  yizhan CPU: %.1f us a reading (whole process, setup included)\n", cpu / hz * 1e6 / r
}'
