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
for i in $(seq 400 459); do
    st=$(post "WZ0$i")
    case $st in
    201) ok=$((ok + 1)) ;;
    429)
        limited=$((limited + 1))
        ra=$(retry_after)
        # 20 an hour: the next report is due in at most 180 s (+1 for rounding up), never 0.
        [[ $ra =~ ^[0-9]+$ ]] && [ "$ra" -ge 120 ] && [ "$ra" -le 181 ] ||
            yz_fail "report $i: 429 with Retry-After '$ra'"
        yz_jq "$T/out" '.[0].code == 429 and (.[0].description | length > 0)' "429 body"
        ;;
    *) yz_fail "report $i: status $st: $(cat "$T/out")" ;;
    esac
done
echo "60 reports from one address: $ok taken, $limited refused"
[ "$ok" = 10 ] && [ "$limited" = 50 ] || yz_fail "expected 10 taken and 50 refused"

# A worker token does not lift the per-address limit.
tok=$(curl -s -X POST "$B/api/v1/workers" | jq -r .token)
st=$(post WZ0460 -H "Authorization: Bearer $tok")
[ "$st" = 429 ] || yz_fail "with a worker token: status $st"

listed=$(curl -s "$B/open311/v2/requests.json?service_code=dirty" | jq length)
[ "$listed" = 10 ] || yz_fail "listed $listed reports, expected 10"
yz_stop "$YZ_PID"

# One a second: a burst of 10, then 429 with Retry-After 1 or 2; after waiting it, in again.
yz_serve persec "$db" --writes-per-min 1000000 --reports-per-hour 3600
B=$YZ_URL
for i in $(seq 500 509); do
    st=$(post "WZ0$i")
    [ "$st" = 201 ] || yz_fail "burst report $i: status $st"
done
st=$(post WZ0510)
[ "$st" = 429 ] || yz_fail "11th report: status $st"
ra=$(retry_after)
[[ $ra =~ ^[12]$ ]] || yz_fail "Retry-After '$ra' at one report a second"
sleep "$ra"
st=$(post WZ0511)
[ "$st" = 201 ] || yz_fail "after waiting Retry-After $ra s: status $st"
yz_stop "$YZ_PID"
echo ok
