#!/usr/bin/env bash
# tests/api/339-reports-flood.sh - problem reports are limited per client address across
# stations (issue 10: 399 token-less reports on 399 stations in 20 s from one address were all
# published). With the default limit (20 an hour, bursts of 10), 60 reports on 60 stations
# from one address: 10 are taken, the other 50 get 429 with a Retry-After that says when the
# next one is (about 3 minutes), a worker token does not lift it, and only the 10 are listed.
# With --reports-per-hour 3600 (one a second), waiting Retry-After is enough to be let in.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib.sh"
T=$CASE_TMP
db=$T/flood.db
yz_demo "$db"
# The general write limit stays out of the way: this is about reports.
yz_serve flood "$db" --writes-per-min 1000000
B=$YZ_URL
post() { # station code [curl options...] -> status; body in $T/out, headers in $T/hdr
    local code=$1
    shift
    curl -s -o "$T/out" -D "$T/hdr" -w '%{http_code}' -X POST "$B/open311/v2/requests.json" \
        -H 'Content-Type: application/x-www-form-urlencoded' "$@" \
        --data-binary "service_code=dirty&attribute%5Bstation_code%5D=$code&description=%E5%BE%88%E8%84%8F"
}
retry_after() { tr -d '\r' <"$T/hdr" | awk -F': ' 'tolower($1) == "retry-after" { print $2 }'; }

ok=0 limited=0
t0=$(date +%s)
for i in $(seq 400 459); do
    st=$(post "WZ0$i")
    case $st in
    201) ok=$((ok + 1)) ;;
    429)
        limited=$((limited + 1))
        ra=$(retry_after)
        # 20 an hour: the next report is due 180 s after the first one was taken (+1 for
        # rounding up), so in at most 181 s and at least 180 s less the time spent so far.
        since=$(($(date +%s) - t0 + 1))
        [[ $ra =~ ^[0-9]+$ ]] && [ "$ra" -ge $((180 - since)) ] && [ "$ra" -ge 1 ] &&
            [ "$ra" -le 181 ] || yz_fail "report $i: 429 with Retry-After '$ra' after $since s"
        yz_jq "$T/out" '.[0].code == 429 and (.[0].description | length > 0)' "429 body"
        ;;
    *) yz_fail "report $i: status $st: $(cat "$T/out")" ;;
    esac
done
elapsed=$(($(date +%s) - t0))
echo "60 reports from one address in $elapsed s: $ok taken, $limited refused"
# The burst of 10, and one more for every 180 s the 60 took (none unless the machine crawls).
[ "$ok" -ge 10 ] && [ "$ok" -le $((10 + elapsed / 180)) ] && [ $((ok + limited)) = 60 ] ||
    yz_fail "expected 10 taken (+1 per 180 s) and the rest refused"

# A worker token does not lift the per-address limit.
tok=$(curl -s -X POST "$B/api/v1/workers" | jq -r .token)
st=$(post WZ0460 -H "Authorization: Bearer $tok")
[ "$st" = 429 ] || yz_fail "with a worker token: status $st"

listed=$(curl -s "$B/open311/v2/requests.json?service_code=dirty" | jq length)
[ "$listed" = "$ok" ] || yz_fail "listed $listed reports, expected $ok"
yz_stop "$YZ_PID"

# One a second: a burst of 10, then 429 with Retry-After 1 or 2; after waiting it, in again.
# The reports go 12 at a time on one connection (one curl, which stops at the first refusal),
# until the first 429: the ones taken before it are the 10 of the burst plus at most one per
# second spent, whatever the machine's speed.
yz_serve persec "$db" --writes-per-min 1000000 --reports-per-hour 3600
B=$YZ_URL
batch() { # FIRST: reports on WZ0FIRST.. WZ0FIRST+11 in one curl up to the first status >= 400;
    # their statuses, one a line
    local i args=(--fail-early)
    for i in $(seq "$1" $(($1 + 11))); do
        [ "$i" = "$1" ] || args+=(--next)
        args+=(-s --fail-with-body -o "$T/out.$i" -D "$T/hdr.$i" -w '%{http_code}\n' -X POST
            -H 'Content-Type: application/x-www-form-urlencoded'
            --data-binary "service_code=dirty&attribute%5Bstation_code%5D=WZ0$i&description=%E5%BE%88%E8%84%8F"
            "$B/open311/v2/requests.json")
    done
    curl "${args[@]}" || true
}
taken=0 first=500 refused=
t0=$(date +%s)
while [ -z "$refused" ] && [ $first -lt 620 ]; do
    i=$first
    for st in $(batch $first); do
        case $st in
        201) taken=$((taken + 1)) ;;
        429) refused=$i; break ;;
        *) yz_fail "report $i: status $st: $(cat "$T/out.$i")" ;;
        esac
        i=$((i + 1))
    done
    first=$((first + 12))
done
elapsed=$(($(date +%s) - t0 + 1))
echo "one a second: $taken taken in $elapsed s before the first 429"
[ -n "$refused" ] || yz_fail "no 429 in $taken reports"
[ $taken -ge 10 ] && [ $taken -le $((10 + elapsed)) ] ||
    yz_fail "$taken taken before the first 429 in $elapsed s: expected 10 + at most one a second"
cp "$T/hdr.$refused" "$T/hdr"
ra=$(retry_after)
[[ $ra =~ ^[12]$ ]] || yz_fail "Retry-After '$ra' at one report a second"
sleep "$ra"
st=$(post "WZ0$((refused + 1))")
[ "$st" = 201 ] || yz_fail "after waiting Retry-After $ra s: status $st"
yz_stop "$YZ_PID"
echo ok
