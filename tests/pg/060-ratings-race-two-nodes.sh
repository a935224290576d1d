#!/usr/bin/env bash
# One worker rates one station many times at once through two nodes on one database: every
# request succeeds (201 for the first, 200 for a replacement), exactly one rating stays active
# (the unique index ratings_one_a_day is the last line of defence, and a rating that hits it
# runs again and replaces the winner), and both nodes end with that one rating's stars.
set -u
. "$(dirname "$0")/../lib.sh"
pids=()
start() { # name -> url in the variable of that name
    yz_serve "$1" "$YZ_DB" --threads 4 --writes-per-min 1000000 --workers-per-hour 1000000
    pids+=("$YZ_PID")
    printf -v "$1" '%s' "$YZ_URL"
}
yz_demo "$YZ_DB"
start A
start B
w=$(curl -s -X POST "$A/api/v1/workers" | jq -r .token)
n=24
reqs=()
for i in $(seq 1 $n); do
    node=$A
    [ $((i % 2)) = 0 ] && node=$B
    curl -s -o /dev/null -w '%{http_code}\n' -X POST "$node/api/v1/stations/WZ0005/ratings" \
        -H "Authorization: Bearer $w" -H 'Content-Type: application/json' \
        -d "{\"stars\":$((1 + i % 5))}" >"$CASE_TMP/st.$i" &
    reqs+=($!)
done
wait "${reqs[@]}"
created=$(cat "$CASE_TMP"/st.* | grep -c '^201$')
replaced=$(cat "$CASE_TMP"/st.* | grep -c '^200$')
[ "$created" = 1 ] && [ "$replaced" = $((n - 1)) ] ||
    { echo "answers: $created created, $replaced replaced, others: $(cat "$CASE_TMP"/st.* | grep -v '^20[01]$' | sort | uniq -c)"; exit 1; }
active=$(psql -X -At "$YZ_DB" -c "SELECT count(*) FROM ratings WHERE active = 1")
total=$(psql -X -At "$YZ_DB" -c "SELECT count(*) FROM ratings")
[ "$active" = 1 ] && [ "$total" = $n ] || { echo "ratings: $active active of $total (want 1 of $n)"; exit 1; }
stars=$(psql -X -At "$YZ_DB" -c "SELECT stars FROM ratings WHERE active = 1")
for u in "$A" "$B"; do
    t0=$SECONDS
    until curl -s "$u/api/v1/stations/WZ0005" | jq -e ".rating.count == 1 and .rating.avg == $stars" >/dev/null; do
        [ $((SECONDS - t0)) -ge 5 ] && { echo "$u: $(curl -s "$u/api/v1/stations/WZ0005" | jq -c .rating), want 1 of $stars stars"; exit 1; }
        sleep 0.05
    done
done
echo "ok ($n concurrent ratings through two nodes: 1 created, $((n - 1)) replaced, 1 active)"
