#!/usr/bin/env bash
# Overload: 256 connections for 30 s (wrk) on a server that sheds above 1 request in flight
# (4 threads: up to 4 are handled at once). The server stays up, answers health checks
# throughout, sheds the excess with 503 (JSON, Retry-After) instead of queueing it, its memory
# stays bounded, and it serves normally at once afterwards. (Shedding counts requests in
# flight, not connections, since issue 10: idle sockets must not shed anything, see
# 908-idle-sockets.sh; all clients here share one address, so no per-address limit.)
# Slow clients: 200 connections that send a request header one byte at a time do not starve
# a normal client; idle connections are closed after the idle timeout.
set -u
# Memory is judged on the release build: ASan's quarantine holds freed memory on purpose.
root=$(cd "$(dirname "$0")/../.." && pwd)
[ -x "$root/bin/yizhan" ] && YZ_BIN=$root/bin/yizhan
command -v wrk >/dev/null || { echo "wrk missing (scripts/deps.sh test installs it)"; exit 1; }
. "$(dirname "$0")/../lib.sh"
db=$CASE_TMP/o.db
yz_demo "$db"
yz_serve server "$db" --threads 4 --shed-inflight 1 --conns-per-addr 0 --idle-timeout 3
pid=$YZ_PID
trap 'kill $(jobs -p) 2>/dev/null; yz_cleanup' EXIT
base=$YZ_URL
url="$base/api/v1/stations/nearby?lat=28.0154&lon=120.6553&k=10&need=toilet"
rss0=$(ps -o rss= -p $pid)
wrk -t2 -c256 -d30s "$url" >"$CASE_TMP/wrk.out" 2>&1 &
wpid=$!
sleep 1
health_ok=0
health_bad=0
maxrss=$rss0
for i in $(seq 1 28); do
    c=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$base/healthz")
    [ "$c" = 200 ] && health_ok=$((health_ok + 1)) || health_bad=$((health_bad + 1))
    r=$(ps -o rss= -p $pid)
    [ "$r" -gt "$maxrss" ] && maxrss=$r
    sleep 1
done
wait $wpid
total=$(awk '/requests in/ { print $1 }' "$CASE_TMP/wrk.out")
s503=$(awk '/Non-2xx/ { print $NF }' "$CASE_TMP/wrk.out")
s503=${s503:-0}
s200=$((total - s503))
echo "under load: $total requests, 2xx $s200, 503 $s503, health $health_ok ok / $health_bad late, rss $rss0 -> $maxrss KiB"
fail=0
[ "$health_bad" = 0 ] || { echo "health checks failed under load"; fail=1; }
[ "$s503" -gt 0 ] || { echo "no load was shed"; fail=1; }
[ "$s200" -gt 0 ] || { echo "nothing was served"; fail=1; }
[ "$maxrss" -lt $((rss0 + 200000)) ] || { echo "memory grew by more than 200 MB"; fail=1; }
# A shed answer is the JSON error with Retry-After (sampled under a short burst).
wrk -t1 -c300 -d5s "$url" >/dev/null 2>&1 &
bpid=$!
sleep 1
got=0
for i in $(seq 1 300); do
    curl -s -D "$CASE_TMP/h" -o "$CASE_TMP/b" "$url"
    if grep -q '^HTTP/1.1 503' "$CASE_TMP/h"; then
        grep -qi '^retry-after: 1' "$CASE_TMP/h" && jq -e '.error == "unavailable"' "$CASE_TMP/b" >/dev/null && got=1
        break
    fi
done
wait $bpid
[ $got = 1 ] || { echo "no well-formed 503 seen"; fail=1; }
# Recovery: normal service at once.
start=$(date +%s%N)
c=$(curl -s -o "$CASE_TMP/after" -w '%{http_code}' --max-time 2 "$url")
[ "$c" = 200 ] || { echo "after the load: $c"; fail=1; }
echo "recovered in $(( ($(date +%s%N) - start) / 1000000 )) ms"
# Slow clients: 200 connections trickling a header byte by byte.
for i in $(seq 1 200); do
    (exec 3<>/dev/tcp/127.0.0.1/"$YZ_PORT" || exit 0
     for ch in G E T ' ' /; do printf '%s' "$ch" >&3; sleep 1; done; exec 3>&-) &
done
sleep 1
ok=0
slow=0
t0=$(date +%s%N)
for i in $(seq 1 20); do
    c=$(curl -s -o /dev/null -w '%{http_code}' --max-time 3 "$url")
    case $c in 200) ok=$((ok + 1)) ;; 503) ;; *) slow=$((slow + 1)) ;; esac
done
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
echo "with 200 slow clients: 20 normal requests in $ms ms, $ok served, $slow timed out"
[ $ok -ge 1 ] && [ $slow = 0 ] || { echo "normal clients starved by slow ones"; fail=1; }
c=$(curl -s -o /dev/null -w '%{http_code}' --max-time 3 "$base/healthz")
[ "$c" = 200 ] || { echo "health check starved by slow clients: $c"; fail=1; }
# Idle connections are closed after the idle timeout (3 s here), without hurting others.
for i in $(seq 1 50); do
    (exec 3<>/dev/tcp/127.0.0.1/"$YZ_PORT" || exit 0
     if timeout 10 cat <&3 >/dev/null; then echo closed >>"$CASE_TMP/idle"; fi) &
done
sleep 6
c=$(curl -s -o /dev/null -w '%{http_code}' --max-time 3 "$base/healthz")
[ "$c" = 200 ] || { echo "health check with idle connections: $c"; fail=1; }
closed=$(wc -l <"$CASE_TMP/idle" 2>/dev/null || echo 0)
echo "idle connections closed by the server within 6 s: $closed of 50"
[ "$closed" -ge 45 ] || { echo "idle connections were not timed out"; fail=1; }
exit $fail
