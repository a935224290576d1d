#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench/bench_stats.sh YIZHAN - the dashboard over three years of visits (issue 12's figure:
# "queries over three years of visits for 1,000 stations (about 10 million visits) answer in
# under 200 ms each"). A SQLite store with the demo city plus copies of its stations (1,000),
# STATS_WORKERS workers and STATS_VISITS counted visits spread over 1,096 days, written
# straight into the database by SQL (one transaction, a recursive CTE, in time order); then
# `yizhan stats rebuild` (timed), a server, and three breakdowns of GET /api/v1/dashboard/visits
# timed (the median of STATS_REPEAT calls) against the same numbers computed from the raw
# visits with SQL in the same run (sqlite3, the median of as many runs): visits per cell and
# count(DISTINCT worker) for the 5-worker rule. The two answers are compared cell by cell
# (the same cells, the same visits, suppressed alike) before any time is printed.
#   by district per day, one year; by occupation per week, 156 weeks; by station per month, 36
# Since 0027 every bucket x breakdown over the whole 1,096 days (weeks and months cut at both
# ends), and by station for the largest district too; STATS_SHAPES=quick the three above.
# A chart by station holds at most 40,000 points (stations in scope x buckets, src/api/
# dashboard.c's MAX_CHART_POINTS): a shape beyond (by station per day or week) must be
# refused with 400 naming `bucket` and the points it would hold; its numbers are the CSV's.
# The server keeps every visit (--visit-retention-days 36500): the raw rows are the peer.
# The 200 ms target is printed, never judged (a slow machine passes). What fails: the
# visits not all generated, an empty roll-up, the server not starting or not exiting cleanly
# on SIGTERM, a breakdown not answered (or one over the cap answered), no cell at all, or a
# cell that differs from the raw rows.
# Env: STATS_VISITS (10000000), STATS_WORKERS (30000), STATS_REPEAT (5), STATS_RAW_REPEAT (as
# STATS_REPEAT: the raw SQL's runs), STATS_SHAPES (all, or quick), STATS_DB (a path to keep
# the generated database and reuse it when it exists).
# Quick mode (make test, 6-13 s): STATS_VISITS=20000 STATS_WORKERS=60 STATS_REPEAT=1 (every
#   shape, each checked against the raw rows; few workers, so that every shape has cells with
#   the 5 distinct workers to be shown as well as suppressed ones).
set -eu
yizhan=$1
nvisits=${STATS_VISITS:-10000000}
nworkers=${STATS_WORKERS:-30000}
repeat=${STATS_REPEAT:-5}
raw_repeat=${STATS_RAW_REPEAT:-$repeat}
nstations=1000
tmp=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT
db=${STATS_DB:-$tmp/stats.db}
ms() { date +%s%3N; }
sql() { sqlite3 -batch -cmd ".timeout 10000" "$db" "$@"; }

# The three years: 2023-12-01 to 2026-11-30, local days (UTC+8).
d0=$(TZ=Asia/Shanghai date -d 2023-12-01 +%s)
ndays=1096

if [ ! -s "$db" ] || [ "$(sql "SELECT count(*) FROM visits")" != "$nvisits" ]; then
    rm -f "$db" "$db-wal" "$db-shm"
    "$yizhan" demo --db "$db" >/dev/null
    have=$(sql "SELECT count(*) FROM stations")
    "$yizhan" export --db "$db" --format csv --out "$tmp/s.csv"
    { head -1 "$tmp/s.csv"
      sed 1d "$tmp/s.csv" | head -n $((nstations - have)) | awk '{ sub(/^[^,]*/, "&-B") } 1'
    } >"$tmp/more.csv"
    "$yizhan" import --db "$db" "$tmp/more.csv" >/dev/null
    t=$(ms)
    # Workers: occupations 40% riders, 25% couriers, 15% drivers, 10% sanitation, 10% other.
    # Visits: one every 1096 days / STATS_VISITS, the worker from a multiplicative hash of the
    # row number, the station from another, busy stations more often (a uniform draw squared).
    sql >/dev/null <<SQL
PRAGMA journal_mode = WAL;
PRAGMA synchronous = OFF;
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $nworkers)
INSERT INTO workers (token_hash, occupation, created_at, expires_at)
SELECT randomblob(32), CASE WHEN i % 20 < 8 THEN 'rider' WHEN i % 20 < 13 THEN 'courier'
    WHEN i % 20 < 16 THEN 'driver' WHEN i % 20 < 18 THEN 'sanitation' ELSE 'other' END,
    $d0, $d0 + 86400 * 3650 FROM n;
CREATE TEMP TABLE st (k INTEGER PRIMARY KEY, id INTEGER NOT NULL);
INSERT INTO st SELECT row_number() OVER (ORDER BY id) - 1, id FROM stations;
CREATE TEMP TABLE wk (k INTEGER PRIMARY KEY, id INTEGER NOT NULL);
INSERT INTO wk SELECT row_number() OVER (ORDER BY id) - 1, id FROM workers;
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < $nvisits - 1),
h AS (SELECT i, (i * 2654435761) % 4294967296 AS a, (i * 40503 + 12345) % 65536 AS b FROM n)
INSERT INTO visits (worker_id, station_id, at, counted)
SELECT (SELECT id FROM wk WHERE k = a % $nworkers),
       (SELECT id FROM st WHERE k = b * b / 65536 * $nstations / 65536),
       $d0 + i * ($ndays * 86400) / $nvisits, 1 FROM h;
COMMIT;
SQL
    [ "$(sql "SELECT count(*) FROM visits")" = "$nvisits" ] ||
        { echo "FAIL: $nvisits visits wanted, $(sql "SELECT count(*) FROM visits") made"; exit 1; }
    echo "stats: generated $nvisits visits of $nworkers workers at $(sql "SELECT count(*) FROM stations") stations in $(($(ms) - t)) ms"
fi
t=$(ms)
"$yizhan" stats rebuild --db "$db" >/dev/null
rebuild_ms=$(($(ms) - t))
echo "stats: $(sql "SELECT count(*) FROM visits") visits; yizhan stats rebuild $rebuild_ms ms" \
    "($(sql "SELECT count(*) FROM rollup_station_days") station-days," \
    "$(sql "SELECT count(*) FROM rollup_district_days") district-days)"
[ "$(sql "SELECT count(*) FROM rollup_station_days")" -gt 0 ] ||
    { echo "FAIL: yizhan stats rebuild wrote no station-days"; exit 1; }

export YIZHAN_ADMIN_TOKEN=bench-stats-$$
rm -f "$tmp/port"
"$yizhan" serve --db "$db" --bind 127.0.0.1 --port 0 --port-file "$tmp/port" \
    --visit-retention-days 36500 2>>"$tmp/server.log" &
pid=$!
for _ in $(seq 1 200); do [ -s "$tmp/port" ] && break; sleep 0.05; done
[ -s "$tmp/port" ] || { echo "server did not start"; tail "$tmp/server.log"; exit 1; }
base="http://127.0.0.1:$(cat "$tmp/port")"

median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

# The raw SQL of a breakdown: local day = (at + 8 h) / 1 day; $1 the bucket label of a local
# date, $2 the key column, $3 the first day, $4 the day after the last, $5 more conditions.
raw_sql() {
    cat <<SQL
SELECT b, k, count(*), count(DISTINCT worker_id) FROM (
  SELECT $1 AS b, $2 AS k, v.worker_id FROM visits v
  JOIN stations s ON s.id = v.station_id JOIN workers w ON w.id = v.worker_id
  WHERE v.counted = 1 AND v.at >= $3 AND v.at < $4$5) GROUP BY b, k;
SQL
}

# One breakdown: NAME QUERY BUCKET-SQL KEY-SQL FROM TO(inclusive) [DISTRICT]
run() {
    local name=$1 query=$2 bsql=$3 ksql=$4 from=$5 to=$6 district=${7:-}
    local a0 a1 where=
    a0=$(TZ=Asia/Shanghai date -d "$from" +%s)
    a1=$(($(TZ=Asia/Shanghai date -d "$to" +%s) + 86400))
    if [ -n "$district" ]; then
        query="$query&district=$district"
        where=" AND s.district_code = '$district'"
    fi
    local i t nb ns code
    if [ "${query#by=station}" != "$query" ]; then
        # stations in scope x buckets in the range (every day of it, labelled as the raw SQL)
        nb=$(sql "WITH RECURSIVE v(at) AS (SELECT $a0 UNION ALL SELECT at + 86400 FROM v
                  WHERE at + 86400 < $a1) SELECT count(DISTINCT $bsql) FROM v")
        ns=$(sql "SELECT count(*) FROM stations s WHERE 1 = 1$where")
        if [ $((nb * ns)) -gt 40000 ]; then
            code=$(curl -s -o "$tmp/out.json" -w '%{http_code}' \
                -H "Authorization: Bearer $YIZHAN_ADMIN_TOKEN" \
                "$base/api/v1/dashboard/visits?$query&from=$from&to=$to")
            if [ "$code" != 400 ] || ! jq -e --arg h "would hold $((nb * ns)):" \
                '.field == "bucket" and (.message_en | contains($h))' "$tmp/out.json" >/dev/null; then
                echo "FAIL $name: $((nb * ns)) points not refused: $code" \
                    "$(head -c 300 "$tmp/out.json")"
                exit 1
            fi
            printf '  %-40s %7d points: refused (400 naming bucket, over 40,000), as it should\n' \
                "$name" $((nb * ns))
            return 0
        fi
    fi
    for i in $(seq 1 "$repeat"); do
        t=$(curl -s -o "$tmp/out.json" -w '%{time_total}' -H "Authorization: Bearer $YIZHAN_ADMIN_TOKEN" \
            "$base/api/v1/dashboard/visits?$query&from=$from&to=$to")
        echo "$t" | awk '{ printf "%.1f\n", $1 * 1000 }'
    done | median >"$tmp/api.ms"
    jq -e .series "$tmp/out.json" >/dev/null || { echo "FAIL $name: $(head -c 300 "$tmp/out.json")"; exit 1; }
    jq -r '.series[] | .key as $k | .points[] | select(.visits != 0) |
        "\(.bucket)|\($k)|\(.visits // "-")"' "$tmp/out.json" | sort >"$tmp/api.txt"
    raw_sql "$bsql" "$ksql" "$a0" "$a1" "$where" >"$tmp/raw.sql"
    for i in $(seq 1 "$raw_repeat"); do
        t=$(ms)
        sql <"$tmp/raw.sql" >"$tmp/raw.out" || { echo "FAIL $name: sqlite3"; exit 1; }
        echo $(($(ms) - t))
    done | median >"$tmp/raw.ms"
    awk -F'|' '{ print $1 "|" $2 "|" ($4 >= 5 ? $3 : "-") }' "$tmp/raw.out" | sort >"$tmp/raw.txt"
    [ -s "$tmp/raw.txt" ] || { echo "FAIL $name: no cell in the raw rows, nothing compared"; exit 1; }
    if ! cmp -s "$tmp/api.txt" "$tmp/raw.txt"; then
        echo "FAIL $name: the dashboard and the raw rows differ"
        diff "$tmp/api.txt" "$tmp/raw.txt" | head -10
        exit 1
    fi
    awk -v n="$name" -v a="$(cat "$tmp/api.ms")" -v r="$(cat "$tmp/raw.ms")" \
        -v c="$(wc -l <"$tmp/api.txt")" -v s="$(grep -c '|-$' "$tmp/api.txt" || true)" 'BEGIN {
        printf "  %-40s %7d cells (%6d suppressed)  dashboard %7.1f ms  raw SQL %8.1f ms  %6.1fx  %s\n",
            n, c, s, a, r, (a > 0 ? r / a : 0), (a < 200 ? "under 200 ms" : "OVER 200 ms") }'
}
day_of='date(v.at + 28800, '\''unixepoch'\'')'
week_of="date(v.at + 28800, 'unixepoch', '-6 days', 'weekday 1')"
month_of="strftime('%Y-%m', v.at + 28800, 'unixepoch')"
# The largest district (most stations) for the one-district shapes.
dist=$(sql "SELECT district_code FROM stations GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1")
echo "stats: GET /api/v1/dashboard/visits over the 1,096 days 2023-12-01..2026-11-30 (median of" \
    "$repeat; raw SQL median of $raw_repeat; same cells as the raw rows); one district: $dist"
# STATS_SHAPES=quick: the three shapes of the first version, as before; else every
# bucket x breakdown for the whole city, and by station for one district.
if [ "${STATS_SHAPES:-all}" = quick ]; then
    run "district x day, 365 days" "by=district&bucket=day" "$day_of" "s.district_code" \
        2025-12-01 2026-11-30
    run "occupation x week, 156 weeks" "by=occupation&bucket=week" "$week_of" "w.occupation" \
        2023-12-04 2026-11-29
    run "station x month, 36 months" "by=station&bucket=month" "$month_of" "s.code" \
        2023-12-01 2026-11-30
else
    for b in day week month; do
        case $b in day) bs=$day_of ;; week) bs=$week_of ;; month) bs=$month_of ;; esac
        run "district x $b" "by=district&bucket=$b" "$bs" "s.district_code" 2023-12-01 2026-11-30
        run "occupation x $b" "by=occupation&bucket=$b" "$bs" "w.occupation" 2023-12-01 2026-11-30
        run "station x $b" "by=station&bucket=$b" "$bs" "s.code" 2023-12-01 2026-11-30
        run "station x $b, district $dist" "by=station&bucket=$b" "$bs" "s.code" 2023-12-01 \
            2026-11-30 "$dist"
    done
fi
kill "$pid"
rc=0
wait "$pid" || rc=$?
pid=
[ "$rc" = 0 ] || { echo "FAIL: the server exited with $rc"; tail "$tmp/server.log"; exit 1; }
