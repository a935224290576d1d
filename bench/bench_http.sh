#!/usr/bin/env bash
# bench/bench_http.sh YIZHAN BARE - GET /api/v1/stations/nearby on the demo city against a bare
# libmicrohttpd endpoint (bare_mhd.c: yizhan's daemon flags and options, the same pool size)
# sending the same bytes, both on loopback, both measured in this run with wrk at 64 keep-alive
# connections. Prints requests/s, latency, errors, the machine's load and the ratio yizhan/bare.
set -eu
yizhan=$1
bare=$2
dur=${HTTP_DURATION:-5}
threads=${HTTP_THREADS:-2}
tmp=$(mktemp -d)
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; rm -rf "$tmp"' EXIT
here=$(cd "$(dirname "$0")" && pwd)

"$yizhan" demo --db "$tmp/b.db" >/dev/null
"$yizhan" serve --db "$tmp/b.db" --bind 127.0.0.1 --port 0 --port-file "$tmp/port" \
    --threads "$threads" 2>"$tmp/yizhan.log" &
pids+=($!)
ypid=$!
for _ in $(seq 1 100); do [ -s "$tmp/port" ] && break; sleep 0.05; done
yport=$(cat "$tmp/port")

# HTTP_EXTRA="&lang=zh-Hant" adds parameters to every request (answers in traditional characters).
# 1,000 query points spread over the demo city's built-up areas, filters mixed as riders use them.
awk -v extra="${HTTP_EXTRA:-}" 'BEGIN { srand(7); for (i = 0; i < 1000; i++) {
        lat = 27.90 + rand() * 0.20; lon = 120.55 + rand() * 0.35;
        f = (i % 3 == 0) ? "&need=toilet" : (i % 3 == 1) ? "&need=battery_swap&open_now=true" : "";
        printf "/api/v1/stations/nearby?lat=%.5f&lon=%.5f&k=10%s&at=2026-11-30T08:30:00%%2B08:00%s\n", lat, lon, f, extra } }' \
    >"$tmp/paths.txt"
# The peer sends a real nearby answer (the 10 stations nearest the city centre), so both send
# the same number of bytes, and it is sent the same requests by the same wrk script: wrk shares
# the two CPUs with the server, and its script's work a request (a Lua call, a 120-byte path)
# would otherwise be charged to yizhan's run alone (it cost the bare server 10-15% of its
# requests a second when tried). The difference is yizhan's own work.
curl -s "http://127.0.0.1:$yport/api/v1/stations/nearby?lat=28.0154&lon=120.6553&k=10" >"$tmp/body.json"
"$bare" 0 "$threads" "$tmp/body.json" >"$tmp/bare.port" &
pids+=($!)
bpid=$!
for _ in $(seq 1 100); do [ -s "$tmp/bare.port" ] && break; sleep 0.05; done
bport=$(cat "$tmp/bare.port")
cat >"$tmp/nearby.lua" <<LUA
local paths = {}
for line in io.lines("$tmp/paths.txt") do paths[#paths + 1] = line end
local i = 0
request = function()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
done = function(summary, latency, requests)
  io.write(string.format("RESULT rps=%.0f n=%d p50_ms=%.3f p99_ms=%.3f errors=%d non2xx=%d\n",
    summary.requests / (summary.duration / 1e6), summary.requests, latency:percentile(50) / 1000,
    latency:percentile(99) / 1000,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status))
end
LUA
# Warm up both, then measure in alternating rounds so that a noisy neighbour hurts both alike;
# the ratio reported is the median of the rounds' ratios.
rounds=${HTTP_ROUNDS:-3}
wrk -t2 -c64 -d2s -s "$tmp/nearby.lua" "http://127.0.0.1:$yport" >/dev/null
wrk -t2 -c64 -d2s -s "$tmp/nearby.lua" "http://127.0.0.1:$bport" >/dev/null
get() { echo "$1" | sed -n "s/.* $2=\([0-9.]*\).*/\1/p"; }
# CPU time (user + system, clock ticks) a process has used: on a machine others load, the CPU a
# request costs each server is steadier than requests a second, which swing with the neighbours.
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)
# wrk on `url` with `script`, then " cpu_us=" the server's CPU a request appended
measure() {
    local pid=$1 script=$2 url=$3 t0 t1 out
    t0=$(ticks "$pid")
    out=$(wrk -t2 -c64 -d"${dur}s" -s "$script" "$url" | grep '^RESULT')
    t1=$(ticks "$pid")
    echo "$out cpu_us=$(awk -v t=$((t1 - t0)) -v hz="$hz" -v n="$(get "$out" n)" \
        'BEGIN { printf "%.1f", n ? t * 1e6 / hz / n : 0 }')"
}
printf '\nbody: %s bytes a response\n' "$(wc -c <"$tmp/body.json")"
printf 'HTTP over loopback, 64 connections, wrk 2 threads, both servers %s pool threads, %s rounds of %ss\n' \
    "$threads" "$rounds" "$dur"
printf 'load average at the start: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-5s %-34s %10s %9s %9s %7s %7s %8s\n' "round" "endpoint" "req/s" "p50 ms" "p99 ms" "errors" "non2xx" "CPU us"
ratios=()
cratios=()
bad=0
for r in $(seq 1 "$rounds"); do
    b=$(measure "$bpid" "$tmp/nearby.lua" "http://127.0.0.1:$bport")
    y=$(measure "$ypid" "$tmp/nearby.lua" "http://127.0.0.1:$yport")
    printf '%-5s %-34s %10s %9s %9s %7s %7s %8s\n' "$r" "bare libmicrohttpd, same bytes" "$(get "$b" rps)" "$(get "$b" p50_ms)" "$(get "$b" p99_ms)" "$(get "$b" errors)" "$(get "$b" non2xx)" "$(get "$b" cpu_us)"
    printf '%-5s %-34s %10s %9s %9s %7s %7s %8s\n' "$r" "yizhan nearby (k=10, filters)" "$(get "$y" rps)" "$(get "$y" p50_ms)" "$(get "$y" p99_ms)" "$(get "$y" errors)" "$(get "$y" non2xx)" "$(get "$y" cpu_us)"
    ratios+=("$(awk -v y="$(get "$y" rps)" -v b="$(get "$b" rps)" 'BEGIN { printf "%.3f", y / b }')")
    cratios+=("$(awk -v y="$(get "$y" cpu_us)" -v b="$(get "$b" cpu_us)" 'BEGIN { printf "%.3f", (y > 0 ? b / y : 0) }')")
    [ "$(get "$y" errors)" = 0 ] && [ "$(get "$y" non2xx)" = 0 ] || bad=1
done
printf '%s\n' "${cratios[@]}" | sort -n | awk '{ a[NR] = $1 } END {
    printf "server CPU a request, bare/yizhan by round: "; for (i = 1; i <= NR; i++) printf "%s ", a[i];
    printf "\nmedian CPU ratio bare/yizhan: %.2f (what yizhan would reach with the CPU to itself)\n",
        a[int((NR + 1) / 2)] }'
printf '%s\n' "${ratios[@]}" | sort -n | awk -v bad=$bad '{ a[NR] = $1 } END {
    printf "ratio yizhan/bare by round: "; for (i = 1; i <= NR; i++) printf "%s ", a[i];
    printf "\nmedian ratio yizhan/bare: %.2f (target >= 0.85)%s\n", a[int((NR + 1) / 2)],
        bad ? "; yizhan had errors" : "" }'
printf 'load average at the end: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
# a round with errors or other answers than 2xx measured something else: the bench fails
[ "$bad" = 0 ] || { echo "bench_http: yizhan answered with errors or non-2xx statuses" >&2; exit 1; }
