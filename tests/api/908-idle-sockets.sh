#!/usr/bin/env bash
# Idle sockets cost a descriptor, not service (issue 10): 4,000 connections that send nothing,
# or a request header and then nothing, from 16 addresses (127.0.0.2..17: all loopback), must
# not make the server refuse normal requests; from one address, the connections beyond the
# per-address limit are closed at once; and silent connections are closed after the header
# timeout. Each time, 100 of 100 normal nearby requests must be answered 200.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
[ -x "$root/bin/yizhan" ] && YZ_BIN=$root/bin/yizhan
tool=$root/build/tools/idle-sockets
[ -x "$tool" ] || make -s -C "$root" build/tools/idle-sockets >/dev/null || exit 1
. "$(dirname "$0")/../lib.sh"
db=$CASE_TMP/i.db
yz_demo "$db"
trap 'kill $(jobs -p) 2>/dev/null; yz_cleanup' EXIT
url_path="/api/v1/stations/nearby?lat=28.0154&lon=120.6553&k=10"
fail=0
normal() { # label: 100 nearby requests and a health check, each must be 200
    local ok=0 i c
    for i in $(seq 1 100); do
        c=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$YZ_URL$url_path")
        [ "$c" = 200 ] && ok=$((ok + 1))
    done
    c=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$YZ_URL/healthz")
    echo "$1: $ok of 100 nearby requests answered 200, healthz $c"
    [ $ok = 100 ] && [ "$c" = 200 ] || fail=1
}
hold() { # count addrs [stall]: start the tool, wait until it has connected
    "$tool" "$YZ_PORT" "$1" "$2" 600 ${3:-} >"$CASE_TMP/idle.out" &
    idle=$!
    local _
    for _ in $(seq 1 200); do
        grep -q connected "$CASE_TMP/idle.out" 2>/dev/null && break
        kill -0 $idle 2>/dev/null || break
        sleep 0.1
    done
    sleep 0.5
    echo "  $(head -1 "$CASE_TMP/idle.out") ($*)"
}
release() { # sets open: how many the server still had open
    kill -TERM $idle
    wait $idle
    open=$(sed -n 's/^open //p' "$CASE_TMP/idle.out")
}

yz_serve server "$db"
hold 4000 16 stall
conns=$(curl -s "$YZ_URL/metrics" | awk '$1 == "yizhan_http_connections" { print $2 }')
echo "  open connections: $conns"
[ "${conns:-0}" -ge 3900 ] || { echo "the idle sockets were not accepted: $conns"; fail=1; }
normal "4000 idle and stalled sockets from 16 addresses"
release
echo "  still open at the end: $open"

hold 4000 1
normal "4000 idle sockets from one address"
release
echo "  of them kept open by the server: $open"
[ "$open" -le 256 ] || { echo "more than the per-address limit kept open"; fail=1; }
yz_stop "$YZ_PID"

yz_serve short "$db" --header-timeout 2
hold 500 4
sleep 3.5
release
echo "  500 silent sockets, open after 4 s with a 2 s header timeout: $open"
[ "$open" = 0 ] || { echo "silent connections outlived the header timeout"; fail=1; }
c=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$YZ_URL$url_path")
[ "$c" = 200 ] || { echo "after: $c"; fail=1; }
exit $fail
