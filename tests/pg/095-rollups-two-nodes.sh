#!/usr/bin/env bash
# Two yizhan nodes on one PostgreSQL database, check-ins on both at once, each node folding the
# visits into the dashboard's roll-ups every 20 ms (YZ_ROLLUP_FOLD_MS; docs/internals/stats.md):
# the dashboard, asked right after the last check-in on either node, counts exactly the
# counted visits of the raw table (the oracle: SQL over `visits`), and after both nodes stop
# (each folds the rest) the roll-up tables hold each visit once, their watermark at the last.
set -u
export YIZHAN_ADMIN_TOKEN=pg-rollups-$$
export YZ_ROLLUP_FOLD_MS=20
T=$YIZHAN_ADMIN_TOKEN
. "$(dirname "$0")/../lib.sh"
sql() { psql -X -At "$YZ_DB" -c "$1"; }

yz_demo "$YZ_DB"
yz_serve A "$YZ_DB" --threads 8 --writes-per-min 1000000 --workers-per-hour 1000000
A=$YZ_URL
A_PID=$YZ_PID
yz_serve B "$YZ_DB" --threads 8 --writes-per-min 1000000 --workers-per-hour 1000000
B=$YZ_URL
B_PID=$YZ_PID

# 12 workers (occupations in turn), 8 stations in service
occ=(rider courier driver sanitation other)
tokens=()
for i in $(seq 0 11); do
    node=$A
    [ $((i % 2)) = 1 ] && node=$B
    t=$(curl -s -X POST "$node/api/v1/workers" -H 'Content-Type: application/json' \
        -d "{\"occupation\":\"${occ[$((i % 5))]}\"}" | jq -r .token)
    [ -n "$t" ] && [ "$t" != null ] || yz_fail "worker $i not created"
    tokens+=("$t")
done
mapfile -t codes < <(sql "SELECT code FROM stations WHERE status IN ('open', 'closed_temp') ORDER BY id LIMIT 8")
[ "${#codes[@]}" = 8 ] || yz_fail "8 stations in service expected, found ${#codes[@]}"

# Every worker at every station, on A or B by turns, all at once; and each worker twice more
# at the first station (within 2 hours: stored, not counted)
checkin() { # NODE TOKEN CODE
    curl -s -o /dev/null -w '%{http_code}\n' -X POST "$1/api/v1/visits" \
        -H "Authorization: Bearer $2" -H 'Content-Type: application/json' \
        -d "{\"station_code\":\"$3\"}"
}
n=0
cpids=() # `wait` alone would wait for the servers too
for w in $(seq 0 11); do
    for s in $(seq 0 7); do
        node=$A
        [ $(((w + s) % 2)) = 1 ] && node=$B
        checkin "$node" "${tokens[$w]}" "${codes[$s]}" >>"$YZ_LOGS/codes" &
        cpids+=($!)
        n=$((n + 1))
    done
done
wait "${cpids[@]}"
cpids=()
for w in $(seq 0 11); do
    checkin "$A" "${tokens[$w]}" "${codes[0]}" >>"$YZ_LOGS/codes" &
    cpids+=($!)
    checkin "$B" "${tokens[$w]}" "${codes[0]}" >>"$YZ_LOGS/codes" &
    cpids+=($!)
done
wait "${cpids[@]}"
bad=$(grep -cv '^20[01]$' "$YZ_LOGS/codes")
[ "$bad" = 0 ] || yz_fail "$bad check-ins not answered 200/201: $(sort "$YZ_LOGS/codes" | uniq -c | tr '\n' ' ')"
[ "$(sql 'SELECT count(*) FROM visits')" = $((n + 24)) ] || yz_fail "visits stored: $(sql 'SELECT count(*) FROM visits')"
[ "$(sql 'SELECT count(*) FROM visits WHERE counted = 1')" = "$n" ] ||
    yz_fail "counted: $(sql 'SELECT count(*) FROM visits WHERE counted = 1'), expected $n"

# The oracle: counted visits per station and per district, from the raw rows (each cell has
# 12 workers: none is suppressed)
oracle_station=$(sql "SELECT string_agg(code || '=' || c, ',' ORDER BY code) FROM (SELECT s.code, count(*) AS c
    FROM visits v JOIN stations s ON s.id = v.station_id WHERE v.counted = 1 GROUP BY s.code) x")
oracle_district=$(sql "SELECT string_agg(d || '=' || c, ',' ORDER BY d) FROM (SELECT s.district_code AS d,
    count(*) AS c FROM visits v JOIN stations s ON s.id = v.station_id WHERE v.counted = 1
    GROUP BY s.district_code) x")
today=$(TZ=Asia/Shanghai date +%F)
dash() { # NODE BY -> key=visits,... (today's points)
    curl -s -H "Authorization: Bearer $T" "$1/api/v1/dashboard/visits?from=$today&to=$today&by=$2" |
        jq -r '[.series[] | "\(.key)=\(.points[0].visits)"] | sort | join(",")'
}
got=$(dash "$B" station)
[ "$got" = "$oracle_station" ] || yz_fail "dashboard by station on B: $got, the raw visits: $oracle_station"
got=$(dash "$A" station)
[ "$got" = "$oracle_station" ] || yz_fail "dashboard by station on A: $got, the raw visits: $oracle_station"
got=$(dash "$A" district)
[ "$got" = "$oracle_district" ] || yz_fail "dashboard by district on A: $got, the raw visits: $oracle_district"

# Both nodes stop; the roll-up tables then hold each counted visit once
yz_stop "$A_PID" || yz_fail "A did not stop cleanly"
yz_stop "$B_PID" || yz_fail "B did not stop cleanly"
for t in rollup_station_days rollup_station_weeks rollup_station_months rollup_district_days; do
    [ "$(sql "SELECT coalesce(sum(visits), 0) FROM $t")" = "$n" ] ||
        yz_fail "$t holds $(sql "SELECT sum(visits) FROM $t") visits, expected $n"
done
[ "$(sql 'SELECT folded_id = (SELECT max(id) FROM visits) FROM rollup_state')" = t ] ||
    yz_fail "watermark $(sql 'SELECT folded_id FROM rollup_state') is not the last visit $(sql 'SELECT max(id) FROM visits')"
echo "ok ($n counted visits on two nodes folding every 20 ms: dashboard = raw visits on both)"
