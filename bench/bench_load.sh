#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench/bench_load.sh YIZHAN GEN_DATA - loading N stations: yizhan (import into SQLite, then
# the server started on it until it answers a nearby search) against PostGIS loading the same
# rows (\copy, GiST index, VACUUM ANALYZE: the load bench_peers.sh times), alternating in one
# run on one machine, with the machine's load average printed each round. Also times
# `yizhan import` into the PostgreSQL store (COPY straight into its empty stations table) on
# the same cluster. Prints where yizhan's time goes (`import --timings`: parse + validate, on
# a second thread beside the writes, checks, staging, insert, index, ids, commit; then the
# snapshot the server builds at start) and the ratio PostGIS / yizhan (above 1: yizhan loaded
# and served first).
#   LOAD_N=1000000      stations
#   LOAD_ROUNDS=3       rounds (each: yizhan, PostGIS, yizhan on PostgreSQL)
#   LOAD_PG_STORE=1     0 to skip the PostgreSQL store
# A quick run (LOAD_N=2000 LOAD_ROUNDS=1, ~5 s; make test's bench-quick) checks the bench itself.
# Figures are printed, never judged (a slow machine passes); the bench fails when a load does:
# an import or a server that fails, a store or table without all N stations, or yizhan's 10
# nearest stations of the query point not the ones PostGIS finds (same codes, distances within
# 0.11 m: yizhan prints decimetres; a station tied at the 10th distance may differ).
set -euo pipefail
yizhan=$1
gen=$2
n=${LOAD_N:-1000000}
rounds=${LOAD_ROUNDS:-3}
pgstore=${LOAD_PG_STORE:-1}
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}

tmp=$(mktemp -d)
chmod 755 "$tmp"
ypid=""
pgdata=""
as_pg=()
cleanup() {
    [ -n "$ypid" ] && kill "$ypid" 2>/dev/null && wait "$ypid" 2>/dev/null
    [ -n "$pgdata" ] && [ -f "$pgdata/postmaster.pid" ] &&
        "${as_pg[@]}" "$PGBIN/pg_ctl" -D "$pgdata" -m immediate stop >/dev/null 2>&1
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
for tool in psql curl jq sqlite3; do
    command -v "$tool" >/dev/null || { echo "bench_load: $tool missing (scripts/deps.sh bench)" >&2; exit 1; }
done
# GNU time (Debian's package time) gives the import's CPU; bash's time keyword cannot write a file.
[ -x /usr/bin/time ] || { echo "bench_load: /usr/bin/time missing (apt-get install time)" >&2; exit 1; }
if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || { echo "bench_load: running as root needs the postgres user" >&2; exit 1; }
    as_pg=(runuser -u postgres --)
fi

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }
load() { cut -d' ' -f1-3 /proc/loadavg; }
free_port() {
    local p
    while :; do
        p=$((10000 + RANDOM % 20000))
        (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
    done
}

mkdir -p "$tmp/data" && chmod 755 "$tmp/data"
"$gen" --stations "$n" --queries 10 --out "$tmp/data" >/dev/null
chmod 644 "$tmp/data"/*
q=$(head -1 "$tmp/data/queries.tsv" | awk '{ print "lat=" $2 "&lon=" $3 }')
qpoint=$(head -1 "$tmp/data/queries.tsv" | awk '{ print "ST_SetSRID(ST_MakePoint(" $3 ", " $2 "), 4326)::geography" }')

# PostgreSQL 15 + PostGIS, as bench_peers.sh starts it (fsync off: its most favourable load).
pgdata=$tmp/pg
mkdir -p "$pgdata"
[ ${#as_pg[@]} -eq 0 ] || chown postgres "$pgdata"
"${as_pg[@]}" "$PGBIN/initdb" -D "$pgdata" -U postgres --auth=trust -E UTF8 --no-locale >/dev/null 2>&1
pgport=$(free_port)
"${as_pg[@]}" "$PGBIN/pg_ctl" -D "$pgdata" -l "$pgdata/log" -w -o "-p $pgport \
    -c listen_addresses=127.0.0.1 -c unix_socket_directories='$pgdata' -c shared_buffers=256MB \
    -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c jit=off \
    -c max_wal_size=4GB" start >/dev/null
psqlq() { PGOPTIONS="-c client_min_messages=warning" psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$pgport" -U postgres "$@"; }
psqlq -d postgres -c "CREATE EXTENSION postgis" >/dev/null

postgis_load() {
    psqlq -d postgres <<SQL
DROP TABLE IF EXISTS stations;
CREATE TABLE stations (id integer PRIMARY KEY, code text NOT NULL, fac bigint NOT NULL,
                       geog geography(Point, 4326) NOT NULL);
\copy stations FROM '$tmp/data/stations.pg'
CREATE INDEX stations_geog ON stations USING gist (geog);
VACUUM ANALYZE stations;
SQL
}

# After a round's loads: all N rows in PostGIS, and its 10 nearest of the query point are the
# ones yizhan answered ("code distance" lines, nearest first, in $tmp/yz.answer).
postgis_check() {
    local count
    count=$(psqlq -d postgres -At -c "SELECT count(*) FROM stations")
    [ "$count" = "$n" ] || { echo "bench_load: $count of $n stations in PostGIS" >&2; exit 1; }
    psqlq -d postgres -At -F ' ' -c "SELECT code, round((geog <-> $qpoint)::numeric, 1) FROM stations
        ORDER BY geog <-> $qpoint LIMIT 10" >"$tmp/pg.answer"
    awk 'FNR == NR { yc[FNR] = $1; yd[FNR] = $2; ny = FNR; next }
         { pc[FNR] = $1; pd[FNR] = $2; np = FNR }
         END {
             if (ny != 10 || np != 10) { print "yizhan " ny " stations, PostGIS " np; exit 1 }
             for (i = 1; i <= 10; i++) {
                 if (yd[i] - pd[i] > 0.11 || pd[i] - yd[i] > 0.11) { print "distance " i " differs"; exit 1 }
                 if (yc[i] != pc[i] && yd[i] < yd[10] - 0.11) { print "station " i " differs"; exit 1 }
             }
         }' "$tmp/yz.answer" "$tmp/pg.answer" >"$tmp/check" ||
        { echo "bench_load: yizhan and PostGIS answer differently: $(cat "$tmp/check")" >&2
          paste "$tmp/yz.answer" "$tmp/pg.answer" >&2; exit 1; }
}

# yizhan: import, then serve until a nearby search answers with stations. -> seconds
yz_load() { # round
    rm -f "$tmp"/y.db*
    local t0
    t0=$(now)
    /usr/bin/time -f "%U %S" -o "$tmp/cpu" "$yizhan" import --timings --db "$tmp/y.db" \
        "$tmp/data/stations.csv" >/dev/null 2>"$tmp/timings" ||
        { echo "bench_load: yizhan import failed" >&2; cat "$tmp/timings" "$tmp/cpu" >&2; exit 1; }
    yz_import=$(since "$t0")
    yz_cpu=$(awk '{ printf "%.2f", $1 + $2 }' "$tmp/cpu")
    yz_timings=$(grep '^timings:' "$tmp/timings" | sed 's/^timings: //')
    local t1
    t1=$(now)
    rm -f "$tmp/port"
    "$yizhan" serve --db "$tmp/y.db" --bind 127.0.0.1 --port 0 --port-file "$tmp/port" \
        --threads 2 2>"$tmp/yizhan.log" &
    ypid=$!
    for _ in $(seq 1 6000); do
        if [ -s "$tmp/port" ] && curl -sf "http://127.0.0.1:$(cat "$tmp/port")/api/v1/stations/nearby?$q&k=10" 2>/dev/null |
            grep -q '"code"'; then
            break
        fi
        sleep 0.02
    done
    if ! curl -sf "http://127.0.0.1:$(cat "$tmp/port")/api/v1/stations/nearby?$q&k=10" >"$tmp/yz.json" ||
        ! grep -q '"code"' "$tmp/yz.json"; then
        echo "bench_load: yizhan did not answer" >&2; cat "$tmp/yizhan.log" >&2; exit 1
    fi
    yz_serve=$(since "$t1")
    yz_total=$(since "$t0")
    jq -r '.stations[] | "\(.code) \(.distance_m)"' "$tmp/yz.json" >"$tmp/yz.answer"
    local count
    count=$(sqlite3 "$tmp/y.db" "SELECT count(*) FROM stations")
    kill -0 "$ypid" 2>/dev/null || { echo "bench_load: yizhan died" >&2; cat "$tmp/yizhan.log" >&2; exit 1; }
    kill "$ypid"
    wait "$ypid" 2>/dev/null || true
    ypid=""
    [ "$count" = "$n" ] || { echo "bench_load: $count of $n stations in the store" >&2; exit 1; }
}

yz_pg_load() { # round
    psqlq -d postgres -c "DROP DATABASE IF EXISTS yz" -c "CREATE DATABASE yz" >/dev/null
    # the schema first (migrations are not the load)
    "$yizhan" import --db "postgresql://postgres@127.0.0.1:$pgport/yz" /dev/null >/dev/null 2>&1 || true
    local t0
    t0=$(now)
    "$yizhan" import --timings --db "postgresql://postgres@127.0.0.1:$pgport/yz" \
        "$tmp/data/stations.csv" >/dev/null 2>"$tmp/timings.pg" ||
        { echo "bench_load: yizhan import into PostgreSQL failed" >&2; cat "$tmp/timings.pg" >&2; exit 1; }
    yzpg_import=$(since "$t0")
    yzpg_timings=$(grep '^timings:' "$tmp/timings.pg" | sed 's/^timings: //')
    local count
    count=$(psqlq -d yz -At -c "SELECT count(*) FROM stations")
    [ "$count" = "$n" ] || { echo "bench_load: $count of $n stations in the PostgreSQL store" >&2; exit 1; }
}

printf 'loading %s stations: yizhan (import into SQLite + server answering nearby) against PostGIS\n' "$n"
printf '(\\copy, GiST, VACUUM ANALYZE; fsync off), alternating, %s rounds; PostgreSQL %s\n' "$rounds" \
    "$("$PGBIN/postgres" --version | awk '{ print $3 }')"
ratios=""
for r in $(seq 1 "$rounds"); do
    l0=$(load)
    yz_load "$r"
    l1=$(load)
    t0=$(now)
    postgis_load
    pg=$(since "$t0")
    postgis_check
    ratio=$(awk -v a="$pg" -v b="$yz_total" 'BEGIN { printf "%.2f", a / b }')
    ratios="$ratios $ratio"
    printf '\nround %s (load average %s before yizhan, %s before PostGIS)\n' "$r" "$l0" "$l1"
    printf '  yizhan   %6.2f s = import %.2f s (CPU %.2f s) + start and snapshot until nearby answers %.2f s\n' \
        "$yz_total" "$yz_import" "$yz_cpu" "$yz_serve"
    printf '           import: %s\n' "$yz_timings"
    printf '  PostGIS  %6.2f s   ratio PostGIS / yizhan %s\n' "$pg" "$ratio"
    if [ "$pgstore" = 1 ]; then
        yz_pg_load "$r"
        printf '  yizhan import into the PostgreSQL store (COPY) %.2f s\n' "$yzpg_import"
        printf '           import: %s\n' "$yzpg_timings"
    fi
done
med=$(echo "$ratios" | tr ' ' '\n' | sed '/^$/d' | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
printf '\nmedian ratio PostGIS / yizhan: %s (target > 1: yizhan loaded and serving first)\n' "$med"
