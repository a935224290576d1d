#!/usr/bin/env bash
# backends: sqlite pg
# Device readings through a real Mosquitto broker (tests/mqtt/broker.sh; docs/internals/mqtt.md):
# devices publish with the credentials `yizhan devices export-acl` wrote, and the payload's
# signature is computed here with the openssl command (an oracle independent of libsodium).
#  - a reading published twice (a QoS 1 redelivery) is stored once and counted as a duplicate;
#  - a device publishing on another's topic is dropped by the broker (ACL); with a broker
#    without the ACL it reaches yizhan and is refused by the signature, counted, nothing stored;
#  - a topic that is not a device's, a payload without its signature line, a reading out of
#    range: counted by reason, nothing stored;
#  - broker stopped: the API still answers and /metrics says disconnected; broker back: yizhan
#    reconnects by itself and new readings arrive;
#  - yizhan stopped: the broker keeps QoS 1 messages for its persistent session, and they are
#    stored after yizhan starts again.
set -u
. "$(dirname "$0")/../lib.sh"
here=$(cd "$(dirname "$0")" && pwd)
broker=$here/../mqtt/broker.sh
if ! [ -x /usr/sbin/mosquitto ] || ! command -v mosquitto_pub >/dev/null; then
    echo "SKIP: mosquitto or mosquitto_pub missing (scripts/deps.sh test installs them)"
    exit 0
fi

# A database of its own: SQLite here, or a fresh database of the PostgreSQL run's cluster.
if [ -n "${YZ_PG_CLUSTER:-}" ]; then
    name=mqtt_$$_$RANDOM
    "$here/../pg/cluster.sh" createdb "$YZ_PG_CLUSTER" "$name" >/dev/null || yz_fail "createdb"
    db=$("$here/../pg/cluster.sh" uri "$YZ_PG_CLUSTER" "$name")
    q() { psql -X -qAt "$db" -c "$1"; }
else
    db=$CASE_TMP/d.db
    q() { sqlite3 "$db" "$1"; }
fi
yz_demo "$db"

b=$CASE_TMP/broker
mkdir -p "$b"
trap '"$broker" stop "$b" >/dev/null 2>&1; yz_cleanup' EXIT
export YZ_MQTT_PASSWORD=svc-$RANDOM-$RANDOM
export YIZHAN_ADMIN_TOKEN=mqtt-test-token
auth=(-H "Authorization: Bearer $YIZHAN_ADMIN_TOKEN")
export_acl() {
    "$YZ_BIN" devices export-acl --db "$db" --passwd "$b/passwd" --acl "$b/acl" >"$CASE_TMP/export.out" 2>&1 ||
        { cat "$CASE_TMP/export.out"; yz_fail "export-acl"; }
}
# The broker first, with empty password and ACL files: it refuses yizhan, which keeps serving
# and trying; once the files are exported and the broker reloaded, yizhan gets in by itself.
"$broker" start "$b" || yz_fail "the broker did not start"
port=$("$broker" port "$b")
serve() {
    yz_serve server "$db" --mqtt-url "$("$broker" url "$b")" --mqtt-client-id yizhan-test-node "$@"
    base=$YZ_URL
}
serve

metric() { # the value of the Prometheus line $1 (exactly, labels included), 0 when absent
    curl -s "$base/metrics" | awk -v k="$1" '$1 == k { print $2; found = 1 } END { if (!found) print 0 }'
}
wait_for() { # DESCRIPTION COMMAND...: poll COMMAND (up to 20 s)
    local what=$1 _
    shift
    for _ in $(seq 1 200); do
        "$@" && return 0
        sleep 0.1
    done
    yz_fail "timed out waiting: $what"
}
is() { [ "$(metric "$1")" = "$2" ]; }
rows() { q "SELECT count(*) FROM device_readings WHERE device_id = $1"; }
rows_are() { [ "$(rows "$1")" = "$2" ]; }

losses() { [ "$(metric yizhan_mqtt_connection_losses_total)" -ge 1 ]; }
wait_for "the broker refusing yizhan (no account yet)" losses
is yizhan_mqtt_connected 0 || yz_fail "connected without an account"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$base/api/v1/stations")" = 200 ] ||
    yz_fail "/api/v1/stations while the broker refuses yizhan"
export_acl
"$broker" reload "$b"
wait_for "yizhan connected to the broker by itself after the reload" is yizhan_mqtt_connected 1

# Two doors at one station, then the broker's files again (the operator's step, OPERATIONS.md).
add_device() {
    curl -s "${auth[@]}" -H 'Content-Type: application/json' -d '{"kind":"door","name":"门"}' \
        -w '\n%{http_code}' "$base/api/v1/stations/WZ-GHDS/devices" >"$CASE_TMP/dev.json"
    [ "$(tail -1 "$CASE_TMP/dev.json")" = 201 ] || yz_fail "device not created: $(cat "$CASE_TMP/dev.json")"
    sed -i '$d' "$CASE_TMP/dev.json"
}
add_device
ida=$(jq -r .id "$CASE_TMP/dev.json")
keya=$(jq -r .key "$CASE_TMP/dev.json")
yz_jq "$CASE_TMP/dev.json" ".mqtt.username == \"$ida\" and .mqtt.topic == \"yizhan/v1/devices/$ida/readings\"" \
    "the device's MQTT username and topic"
add_device
idb=$(jq -r .id "$CASE_TMP/dev.json")
keyb=$(jq -r .key "$CASE_TMP/dev.json")
export_acl
grep -q "^$ida:\\\$7\\\$101\\\$" "$b/passwd" || yz_fail "device $ida not in the password file"
"$broker" reload "$b"
sleep 0.3

topic() { echo "yizhan/v1/devices/$1/readings"; }
reading() { # SEQ VALUE: a door reading now
    printf '{"seq":%d,"ts":%d,"values":{"open":%s}}' "$1" "$(($(date +%s%N) / 1000000))" "$2"
}
# publish USER KEY-OF-USER SIGNING-KEY TOPIC JSON: "<hmac hex>\n<json>" with QoS 1
publish() {
    local sig
    sig=$(printf 'MQTT\n%s\n%s' "$4" "$5" | openssl dgst -sha256 -hmac "$3" -r | cut -d' ' -f1)
    printf '%s\n%s' "$sig" "$5" | mosquitto_pub -p "$port" -q 1 -u "$1" -P "$2" -t "$4" -s \
        >>"$CASE_TMP/pub.log" 2>&1
}

# 1. Stored once although published twice (the same seq: what a QoS 1 redelivery looks like).
r1=$(reading 1 1)
publish "$ida" "$keya" "$keya" "$(topic "$ida")" "$r1" || yz_fail "publish 1"
publish "$ida" "$keya" "$keya" "$(topic "$ida")" "$r1" || yz_fail "publish 1 again"
publish "$ida" "$keya" "$keya" "$(topic "$ida")" "$(reading 2 0)" || yz_fail "publish 2"
wait_for "3 messages received" is yizhan_mqtt_messages_received_total 3
wait_for "readings 1 and 2 stored" rows_are "$ida" 2
[ "$(q "SELECT count(*) FROM device_readings WHERE device_id = $ida AND seq = 1")" = 1 ] ||
    yz_fail "seq 1 stored more than once"
wait_for "the hourly roll-up counts 2 messages" \
    test "$(q "SELECT sum(n) FROM device_readings_hourly WHERE device_id = $ida")" = 2
[ "$(metric 'yizhan_device_readings_total{result="duplicate"}')" -ge 1 ] || yz_fail "the duplicate is not counted"

# 2. Device A on B's topic, with the ACL: the broker drops it (yizhan never sees it).
publish "$ida" "$keya" "$keya" "$(topic "$idb")" "$(reading 3 1)"
publish "$ida" "$keya" "$keya" "$(topic "$ida")" "$(reading 4 1)" || yz_fail "publish 4"
wait_for "reading 4 stored" rows_are "$ida" 3
is yizhan_mqtt_messages_received_total 4 || yz_fail "the broker forwarded a message its ACL forbids"
rows_are "$idb" 0 || yz_fail "stored for B"

# 3. Without the ACL (a broker misconfigured): yizhan's own signature check refuses it.
"$broker" restart "$b" --no-acl || yz_fail "broker restart without ACL"
wait_for "yizhan reconnected" is yizhan_mqtt_reconnects_total 1
wait_for "connected again" is yizhan_mqtt_connected 1
sig0=$(metric 'yizhan_device_refusals_total{reason="signature"}')
publish "$ida" "$keya" "$keya" "$(topic "$idb")" "$(reading 5 1)" || yz_fail "publish on B's topic"
wait_for "the signature refusal counted" is 'yizhan_device_refusals_total{reason="signature"}' $((sig0 + 1))
# A's message moved to B's topic whole (B's topic signed by A): still A's key, still refused.
publish "$ida" "$keya" "$keya" "$(topic "$idb")" "$(reading 6 1)"
wait_for "the second signature refusal counted" is 'yizhan_device_refusals_total{reason="signature"}' $((sig0 + 2))
top0=$(metric 'yizhan_device_refusals_total{reason="topic"}')
publish "$ida" "$keya" "$keya" "yizhan/v1/devices/0$ida/readings" "$(reading 7 1)"
wait_for "the topic refusal counted" is 'yizhan_device_refusals_total{reason="topic"}' $((top0 + 1))
pay0=$(metric 'yizhan_device_refusals_total{reason="payload"}')
reading 8 1 | mosquitto_pub -p "$port" -q 1 -u "$ida" -P "$keya" -t "$(topic "$ida")" -s
wait_for "the payload refusal counted" is 'yizhan_device_refusals_total{reason="payload"}' $((pay0 + 1))
rng0=$(metric 'yizhan_device_refusals_total{reason="range"}')
publish "$ida" "$keya" "$keya" "$(topic "$ida")" "$(reading 9 7)"
wait_for "the range refusal counted" is 'yizhan_device_refusals_total{reason="range"}' $((rng0 + 1))
rows_are "$idb" 0 || yz_fail "a refused message was stored for B"
rows_are "$ida" 3 || yz_fail "a refused message was stored for A"
"$broker" restart "$b" --acl || yz_fail "broker restart with the ACL"

# 4. Broker down: the API answers, /metrics says disconnected; back: reconnected by itself.
wait_for "connected after the restart" is yizhan_mqtt_connected 1
"$broker" pause "$b"
wait_for "disconnected" is yizhan_mqtt_connected 0
[ "$(curl -s -o /dev/null -w '%{http_code}' "$base/api/v1/stations")" = 200 ] ||
    yz_fail "/api/v1/stations while the broker is down"
curl -s "$base/api/v1/stations/nearby?lat=28.0154&lon=120.6553&k=5" >"$CASE_TMP/near.json"
yz_jq "$CASE_TMP/near.json" '.count == 5' "nearby while the broker is down"
"$broker" resume "$b" || yz_fail "broker resume"
wait_for "reconnected by itself" is yizhan_mqtt_connected 1
publish "$ida" "$keya" "$keya" "$(topic "$ida")" "$(reading 10 0)" || yz_fail "publish 10"
wait_for "reading 10 stored after the broker came back" rows_are "$ida" 4

# 5. yizhan down: the broker keeps QoS 1 messages for its persistent session.
yz_stop "$YZ_PID" || yz_fail "yizhan did not stop cleanly"
for s in 11 12 13; do
    publish "$ida" "$keya" "$keya" "$(topic "$ida")" "$(reading $s 1)" || yz_fail "publish $s while yizhan is down"
done
publish "$idb" "$keyb" "$keyb" "$(topic "$idb")" "$(reading 1 1)" || yz_fail "publish B 1 while yizhan is down"
serve
wait_for "the 3 queued readings of A stored after the restart" rows_are "$ida" 7
wait_for "B's queued reading stored" rows_are "$idb" 1
q "SELECT seq FROM device_readings WHERE device_id = $ida ORDER BY seq" | tr '\n' ' ' >"$CASE_TMP/seqs"
[ "$(cat "$CASE_TMP/seqs")" = "1 2 4 10 11 12 13 " ] || yz_fail "stored seqs: $(cat "$CASE_TMP/seqs")"

yz_stop "$YZ_PID" || yz_fail "yizhan did not stop cleanly at the end"
if grep -q "ERROR: AddressSanitizer\|runtime error:" "$CASE_TMP/server.log"; then
    grep -A20 "ERROR: AddressSanitizer\|runtime error:" "$CASE_TMP/server.log" | head -40
    yz_fail "sanitizer report"
fi
exit 0
