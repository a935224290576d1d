#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# scripts/run.sh YIZHAN DB PORT - what `make run` serves: a Mosquitto broker on loopback with
# the password and ACL files of `yizhan devices export-acl`, yizhan with --mqtt-url, and
# `yizhan simulate` driving the demo's devices through it, so the stations show live status
# (docs/internals/simulate.md). Ctrl-C stops all three. When the broker cannot start (not
# installed, no free port), yizhan is served without live status and the reason is logged.
#   SIM_SPEED=60 make run    a simulated day in 24 minutes (default 1: the wall clock)
#   SIM_SEED=N               the simulator's seed (default 1)
set -u
bin=$1
db=$2
port=$3
here=$(cd "$(dirname "$0")" && pwd)
broker=$here/../tests/mqtt/broker.sh
mq=$(dirname "$db")/mqtt
serve_pid= sim_pid= have_broker=
log() { echo "run: $*" >&2; }

stop() {
    trap - INT TERM EXIT
    [ -n "$sim_pid" ] && kill "$sim_pid" 2>/dev/null
    [ -n "$serve_pid" ] && kill "$serve_pid" 2>/dev/null
    [ -n "$sim_pid" ] && wait "$sim_pid" 2>/dev/null
    [ -n "$serve_pid" ] && wait "$serve_pid" 2>/dev/null
    [ -n "$have_broker" ] && "$broker" stop "$mq" >/dev/null 2>&1
    exit 0
}
trap stop INT TERM EXIT

# yizhan's own broker account: a fresh password each run (never written to a config file).
YZ_MQTT_PASSWORD=$(head -c 18 /dev/urandom | base64 | tr '+/' '-_')
export YZ_MQTT_PASSWORD
mqtt_args=()
ndev=$("$bin" devices list --db "$db" 2>/dev/null | tail -n +2 | grep -c enabled)
if [ "$ndev" = 0 ]; then
    log "no devices in $db: live status off (bin/yizhan demo --devices --db $db adds the demo's)"
elif ! mkdir -p "$mq" || ! "$broker" start "$mq" >"$mq.log" 2>&1; then
    log "the MQTT broker did not start (see $mq.log; scripts/deps.sh run installs mosquitto):" \
        "serving without live status"
elif ! "$bin" devices export-acl --db "$db" --passwd "$mq/passwd" --acl "$mq/acl" >/dev/null ||
    ! "$broker" reload "$mq"; then
    have_broker=1
    log "export-acl failed: serving without live status"
else
    have_broker=1
    url=$("$broker" url "$mq")
    mqtt_args=(--mqtt-url "$url" --mqtt-client-id yizhan-run)
    log "broker $url, $ndev devices"
fi

"$bin" serve --db "$db" --port "$port" "${mqtt_args[@]}" &
serve_pid=$!
if [ ${#mqtt_args[@]} -gt 0 ]; then
    "$bin" simulate --db "$db" --mqtt-url "$url" --speed "${SIM_SPEED:-1}" \
        --seed "${SIM_SEED:-1}" &
    sim_pid=$!
fi
wait "$serve_pid"
serve_pid=
stop
