#!/usr/bin/env bash
# Ratings on a server of its own (a fresh demo city, so the figures are exact): the Bayesian
# score, repeated text held from its third copy (in either script), the 2,000-character limit,
# invalid UTF-8, an expired token, concurrent ratings (many workers; one worker many times) and
# aggregates that survive kill -9 and a restart.
set -eu
. "$(dirname "$0")/../lib.sh"
db=$CASE_TMP/r.db
yz_demo "$db"
start() {
    yz_serve server "$db" --writes-per-min 1000000 --workers-per-hour 1000000
    pid=$YZ_PID
    B=$YZ_URL
}
start
fail() { yz_fail "$@"; }
token() { curl -sf -XPOST "$B/api/v1/workers" | jq -r .token; }
# rate TOKEN STATION BODY -> prints "status body"
rate() {
    local out
    out=$(curl -s -w '\n%{http_code}' -XPOST -H "Authorization: Bearer $1" \
        -H 'Content-Type: application/json' --data-binary "$3" "$B/api/v1/stations/$2/ratings")
    printf '%s %s' "${out##*$'\n'}" "${out%$'\n'*}"
}
expect() { # expect "status body" STATUS JQ
    local st=${1%% *} body=${1#* }
    [ "$st" = "$2" ] || fail "status $st, expected $2: $body"
    [ "$(jq -e "$3" <<<"$body")" = true ] || fail "$3 on $body"
}

# --- the score: (C*m + weighted stars) / (C + weight) with C = 5, m the mean of the verified
# ratings of every station (docs/internals/reviews.md). A verified rating (a check-in there and
# the position sent from the station) weighs 1: these are the figures this case had before
# issue 10 made unverified ratings weigh 1/40 each, at most 1/8 together.
checkin() { curl -sf -XPOST -H "Authorization: Bearer $1" -H 'Content-Type: application/json' \
    -d "{\"station_code\":\"$2\"}" "$B/api/v1/visits" >/dev/null || fail "check-in at $2"; }
at() { curl -s "$B/api/v1/stations/$1" | jq -c '{lat, lon}'; } # the station's position
with_pos() { jq -c --argjson p "$(at "$1")" '. + $p' <<<"$2"; }  # BODY + the position
t1=$(token); t2=$(token)
checkin "$t1" WZ0101
checkin "$t2" WZ0102
expect "$(rate "$t1" WZ0101 "$(with_pos WZ0101 '{"stars":4}')")" 201 \
    '.rating.verified and .station.rating.score == 4 and .station.rating.avg == 4'
expect "$(rate "$t2" WZ0102 "$(with_pos WZ0102 '{"stars":2}')")" 201 '.station.rating.verified_count == 1'
# m = 3 now: WZ0101 (15 + 4) / 6 = 3.17, WZ0102 (15 + 2) / 6 = 2.83, unrated ones m = 3
[ "$(curl -s "$B/api/v1/stations/WZ0101" | jq -c .rating)" = '{"avg":4,"count":1,"verified_count":1,"score":3.17}' ] ||
    fail "score of WZ0101: $(curl -s "$B/api/v1/stations/WZ0101" | jq -c .rating)"
[ "$(curl -s "$B/api/v1/stations/WZ0102" | jq -c .rating)" = '{"avg":2,"count":1,"verified_count":1,"score":2.83}' ] ||
    fail "score of WZ0102"
[ "$(curl -s "$B/api/v1/stations/WZ0103" | jq -c .rating)" = '{"avg":null,"count":0,"verified_count":0,"score":3}' ] ||
    fail "score of an unrated station"
# Unverified: a 5 from far away (1 km north) weighs 1/40: (15 + 5/40) / (5 + 1/40) = 3.01, and
# leaves m alone.
tf=$(token)
checkin "$tf" WZ0103
far=$(jq -c '.lat += 0.009' <<<"$(at WZ0103)")
expect "$(rate "$tf" WZ0103 "$(jq -c --argjson p "$far" '{"stars":5} + $p' <<<null)")" 201 \
    '(.rating.verified | not) and .station.rating == {"avg":5,"count":1,"verified_count":0,"score":3.01}'
[ "$(curl -s "$B/api/v1/stations/WZ0101" | jq -c .rating.score)" = 3.17 ] || fail "m moved"

# --- repeated text: the third copy in the window is held, in either script ----------------------
t3=$(token)
expect "$(rate "$t1" WZ0110 '{"stars":5,"text":"这个驿站的空调很凉快，热水也很方便"}')" 201 '.rating.status == "published"'
expect "$(rate "$t2" WZ0111 '{"stars":5,"text":"这个驿站的空调很凉快，热水也很方便"}')" 201 '.rating.status == "published"'
expect "$(rate "$t3" WZ0112 '{"stars":5,"text":"這個驛站的 空調很涼快，熱水也很方便！"}')" 201 \
    '.rating.status == "held" and .rating.reasons == ["repeated"] and .station.rating.count == 1'

# --- limits: 2,000 characters (not bytes) pass, 2,001 do not; invalid UTF-8 --------------------
long=$(printf '很好%.0s' $(seq 1 1000))
expect "$(rate "$t3" WZ0113 "{\"stars\":4,\"text\":\"$long\"}")" 201 '.rating.status == "published"'
expect "$(rate "$t3" WZ0114 "{\"stars\":4,\"text\":\"${long}好\"}")" 400 '.field == "text"'
expect "$(rate "$t3" WZ0114 "$(printf '{"stars":4,"text":"\xff\xfe"}')")" 400 '.error == "invalid_field"'
expect "$(rate "$t3" WZ0114 "$(printf '{"stars":4,"text":"\xed\xa0\x80"}')")" 400 '.error == "invalid_field"'
[ "$(curl -s "$B/api/v1/stations/WZ0114" | jq .rating.count)" = 0 ] || fail "bad input wrote"

# --- an expired token --------------------------------------------------------------------------
t4=$(token)
expect "$(rate "$t4" WZ0115 '{"stars":3}')" 201 '.station.rating.count == 1'
if command -v sqlite3 >/dev/null; then
    sqlite3 "$db" "PRAGMA busy_timeout=5000; UPDATE workers SET expires_at = 1 WHERE id = (SELECT max(id) FROM workers);"
else
    python3 -c "import sqlite3,sys; c=sqlite3.connect(sys.argv[1], timeout=5); c.execute('UPDATE workers SET expires_at = 1 WHERE id = (SELECT max(id) FROM workers)'); c.commit()" "$db"
fi
expect "$(rate "$t4" WZ0115 '{"stars":1}')" 401 '.error == "token_expired"'
[ "$(curl -s "$B/api/v1/stations/WZ0115" | jq -c .rating.avg)" = 3 ] || fail "expired token wrote"

# --- concurrency: 40 workers at once, and one worker 20 times at once ---------------------------
toks=()
for i in $(seq 1 40); do toks+=("$(token)"); done
# (wait for these jobs by pid: a bare `wait` would wait for the server too)
jobs_=()
for i in $(seq 0 39); do
    rate "${toks[$i]}" WZ0120 "{\"stars\":$((i % 5 + 1))}" >"$CASE_TMP/c$i" &
    jobs_+=($!)
done
for i in $(seq 1 20); do
    rate "$t1" WZ0121 "{\"stars\":$((i % 5 + 1))}" >"$CASE_TMP/d$i" &
    jobs_+=($!)
done
wait "${jobs_[@]}"
for i in $(seq 0 39); do [ "$(cut -c1-3 "$CASE_TMP/c$i")" = 201 ] || fail "concurrent: $(cat "$CASE_TMP/c$i")"; done
n201=0
for i in $(seq 1 20); do
    s=$(cut -c1-3 "$CASE_TMP/d$i")
    case $s in 201) n201=$((n201 + 1)) ;; 200) ;; *) fail "same worker: $(cat "$CASE_TMP/d$i")" ;; esac
done
[ $n201 = 1 ] || fail "one worker got $n201 ratings created the same day"
# 40 ratings of 1..5 eight times each: sum 120, avg 3
[ "$(curl -s "$B/api/v1/stations/WZ0120" | jq -c '[.rating.count, .rating.avg]')" = '[40,3]' ] ||
    fail "aggregate after concurrent ratings: $(curl -s "$B/api/v1/stations/WZ0120" | jq -c .rating)"
[ "$(curl -s "$B/api/v1/stations/WZ0121" | jq .rating.count)" = 1 ] || fail "one worker counted more than once"
before=$(curl -s "$B/api/v1/stations/WZ0120" | jq -c .rating)
before_one=$(curl -s "$B/api/v1/stations/WZ0121" | jq -c .rating)

# --- kill -9 and restart: the aggregates come back from the store --------------------------------
yz_stop "$pid" 9 || true
start
after=$(curl -s "$B/api/v1/stations/WZ0120" | jq -c .rating)
[ "$before" = "$after" ] || fail "after restart $after, before $before"
[ "$(curl -s "$B/api/v1/stations/WZ0121" | jq -c .rating)" = "$before_one" ] || fail "after restart (one worker)"
held=$(curl -s -H "Authorization: Bearer $TOKEN" "$B/api/v1/moderation/held" 2>/dev/null | jq -r .total 2>/dev/null || true)
echo "ok (held after restart: ${held:-?})"
