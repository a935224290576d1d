#!/usr/bin/env bash
# SIGHUP reloads, it does not kill: each one logs "SIGHUP: reloading ...", the server keeps
# answering, and word lists and rating tags changed in the store are served after it
# (docs/internals/http.md). SIGUSR1 and SIGUSR2 are logged and ignored. SIGTERM still drains
# and exits 0.
set -u
. "$(dirname "$0")/../lib.sh"
db=$CASE_TMP/d.db
log=$CASE_TMP/server.log
yz_demo "$db"
yz_serve server "$db" --writes-per-min 1000000 --workers-per-hour 1000000
pid=$YZ_PID
base=$YZ_URL
nearby="$base/api/v1/stations/nearby?lat=28.0154&lon=120.6553&k=10"

alive() { # $1: what was just sent
    kill -0 "$pid" 2>/dev/null || { tail -5 "$log"; yz_fail "server died after $1"; }
    [ "$(curl -s -o /dev/null -w '%{http_code}' "$base/healthz")" = 200 ] || yz_fail "/healthz after $1"
    curl -s "$nearby" >"$CASE_TMP/near.json"
    yz_jq "$CASE_TMP/near.json" '.count == 10' "nearby after $1"
}

for i in 1 2 3; do
    kill -HUP "$pid"
    sleep 0.3
    alive "SIGHUP $i"
done
n=$(grep -c 'SIGHUP: reloading' "$log")
[ "$n" = 3 ] || { tail -5 "$log"; yz_fail "$n 'SIGHUP: reloading' lines for 3 SIGHUPs"; }

# What an operator changes in the store is served after the next SIGHUP.
sqlite3 "$db" "INSERT INTO moderation_words (word, kind, weight) VALUES ('zqxjvendor', 'advert', 2);
               INSERT INTO rating_tags VALUES ('shady', '阴凉', '陰涼', 'Shady', 1, 99);"
kill -HUP "$pid"
sleep 0.5
alive "SIGHUP after a change"
curl -s "$base/api/v1/rating-tags" >"$CASE_TMP/tags.json"
yz_jq "$CASE_TMP/tags.json" '.tags | map(.code) | index("shady") != null' "new rating tag after SIGHUP"
tok=$(curl -s -X POST "$base/api/v1/workers" | jq -r .token)
curl -s -X POST -H "Authorization: Bearer $tok" -H 'Content-Type: application/json' \
    --data '{"stars":4,"tags":["shady"],"text":"nice rest stop, ask zqxjvendor"}' \
    "$base/api/v1/stations/WZ0321/ratings" >"$CASE_TMP/rate.json"
yz_jq "$CASE_TMP/rate.json" '.rating.status == "held" and (.rating.reasons | index("advert") != null)' \
    "new advert word after SIGHUP"
grep -q 'reviews: reloaded' "$log" || yz_fail "no reload line"

for s in USR1 USR2; do
    kill -"$s" "$pid"
    sleep 0.3
    alive "SIG$s"
done
grep -q 'SIGUSR1: ignored' "$log" || yz_fail "no SIGUSR1 line"

yz_stop "$pid"
rc=$?
[ $rc = 0 ] || { tail -5 "$log"; yz_fail "server exited with $rc after SIGTERM"; }
grep -q "finishing requests in flight" "$log" || yz_fail "no drain message"
exit 0
