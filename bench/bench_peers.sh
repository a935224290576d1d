#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench/bench_peers.sh YIZHAN GEN_DATA [SVG] - yizhan against PostGIS and Redis GEO on the same
# generated stations and query points, every server on loopback TCP in a temporary folder of
# its own, measured in this run: queries a second with one client and with 64, p50 and p99
# latency, memory, load time, the ratio yizhan/peer, and a check that every system returns the
# same stations. Writes an SVG bar chart of the 64-client rates to SVG when given.
#   PEERS_SIZES="1000 100000 1000000"  stations per data set
#   PEERS_SECONDS=3                    seconds a measurement
#   PEERS_QUERIES=10000                query points a data set
#   PEERS_CHECK=100                    queries a case whose answers are compared
#   PEERS_THREADS=2                    yizhan's pool threads (the machine's cores)
#   PEERS_TSV=FILE                     keep the results, tab-separated (peers_chart.awk's input)
#   BARE_MHD=PATH                      bench/bare_mhd: measures the HTTP floor (see below)
#   PEERS_QUICK=1                      the checks-only mode make test runs (15 - 35 s): size 1000,
#                                      1 s a measurement, 1000 query points; every case's
#                                      answers compared, but only k=10 (the chart's case)
#                                      measured, on yizhan's full answer, PostGIS geography
#                                      (1 client) and Redis (no warm-ups, the Redis calibration
#                                      run kept as the figure); the chart drawn into the
#                                      temporary folder unless SVG is given.
# Figures are printed, never judged. The bench fails (exit 1, after printing everything, the
# chart then not written) when something is broken: PostGIS geography or Redis not returning
# yizhan's stations, yizhan's fields= answer not its full one, a k-nearest answer short of k,
# an HTTP error or non-2xx answer under wrk, pgbench or redis-benchmark failing, a server that
# died. The geometry form differs by design (below) and is not judged.
# yizhan runs every case twice: with its full answer, and with `fields=code,distance_m`, the
# answer the peers give (a code and a distance a station). The HTTP floor is a bare
# libmicrohttpd server (same flags and pool) answering a fixed 27-byte body with no work at
# all: no server built on that library can go faster on this machine, so floor/peer is the
# largest ratio any of them could show against that peer here.
# The measurements travel as "q/s p50 p99" words, split on purpose where they are printed.
# shellcheck disable=SC2086
set -euo pipefail
yizhan=$1
gen=$2
svg=${3:-}
quick=${PEERS_QUICK:-0}
if [ "$quick" = 1 ]; then
    sizes=${PEERS_SIZES:-1000}
    dur=${PEERS_SECONDS:-1}
    nq=${PEERS_QUERIES:-1000}
else
    sizes=${PEERS_SIZES:-1000 100000 1000000}
    dur=${PEERS_SECONDS:-3}
    nq=${PEERS_QUERIES:-10000}
fi
ncheck=${PEERS_CHECK:-100}
threads=${PEERS_THREADS:-2}
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
here=$(cd "$(dirname "$0")" && pwd)

tmp=$(mktemp -d)
chmod 755 "$tmp"
ypid=""
rpid=""
pgdata=""
as_pg=()
cleanup() {
    [ -n "$ypid" ] && kill "$ypid" 2>/dev/null && wait "$ypid" 2>/dev/null
    [ -n "$rpid" ] && kill "$rpid" 2>/dev/null && wait "$rpid" 2>/dev/null
    [ -n "$pgdata" ] && [ -f "$pgdata/postmaster.pid" ] &&
        "${as_pg[@]}" "$PGBIN/pg_ctl" -D "$pgdata" -m immediate stop >/dev/null 2>&1
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

for tool in wrk pgbench redis-server redis-cli redis-benchmark jq curl; do
    command -v "$tool" >/dev/null || { echo "bench_peers: $tool missing (scripts/deps.sh bench)" >&2; exit 1; }
done
# PostgreSQL refuses to run as root: the cluster then belongs to the postgres user.
if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || { echo "bench_peers: running as root needs the postgres user" >&2; exit 1; }
    as_pg=(runuser -u postgres --)
fi

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }
rss_kb() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status"; }
# A free TCP port on loopback, below the ephemeral ports the clients use: nothing answers there.
free_port() {
    local p
    while :; do
        p=$((10000 + RANDOM % 20000)) # below the ephemeral range (32768-)
        (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
    done
}
field() { echo "$1" | sed -n "s/.*$2=\([0-9.]*\).*/\1/p"; }
# A failure is noted and the run goes on (measurements run in subshells): the bench exits 1
# at the end when any was noted.
failures="$tmp/failures"
: >"$failures"
fail() { echo "bench_peers: $*" >&2; echo "$*" >>"$failures"; }

# The cases: name, k, radius in metres (0 = none), facility filter (toilet + battery swap).
cases=("k1 1 0 0" "k10 10 0 0" "k10f 10 0 1" "r1k 100 1000 0" "r1kf 100 1000 1"
       "r3k 100 3000 0" "r3kf 100 3000 1")
label() {
    case $1 in
        k1) echo "k=1 nearest" ;; k10) echo "k=10 nearest" ;; k10f) echo "k=10 + filter" ;;
        r1k) echo "1 km, k<=100" ;; r1kf) echo "1 km, k<=100 + filter" ;;
        r3k) echo "3 km, k<=100" ;; r3kf) echo "3 km, k<=100 + filter" ;;
    esac
}
NEED=toilet,battery_swap
MASK=$(((1 << 3) | (1 << 9)))

results="$tmp/results.tsv" # size system case rps1 p50_1 p99_1 rps64 p50_64 p99_64 check
: >"$results"

cat >"$tmp/report.lua" <<'LUA'
done = function(summary, latency, requests)
  io.write(string.format("RESULT rps=%.0f p50_ms=%.3f p99_ms=%.3f errors=%d non2xx=%d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000,
    latency:percentile(99) / 1000,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status))
end
LUA

# ---- yizhan ---------------------------------------------------------------------------------
yz_paths() { # case k radius filter -> the nearby paths of every query point, full and lite
    awk -v k="$2" -v r="$3" -v f="$4" -v need="$NEED" '{
        printf "/api/v1/stations/nearby?lat=%s&lon=%s&k=%s%s%s\n", $2, $3, k,
            (r > 0) ? "&radius_m=" r : "", f ? "&need=" need : "" }' "$tmp/data/queries.tsv" \
        >"$tmp/yz.$1.paths"
    sed 's/$/\&fields=code,distance_m/' "$tmp/yz.$1.paths" >"$tmp/yz.$1.lite.paths"
    yz_lua "$1"
    yz_lua "$1.lite"
}

yz_lua() { # paths name -> a wrk script cycling through them
    cat >"$tmp/yz.$1.lua" <<LUA
local paths = {}
for line in io.lines("$tmp/yz.$1.paths") do paths[#paths + 1] = line end
local i = math.random(#paths)
request = function()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
LUA
    cat "$tmp/report.lua" >>"$tmp/yz.$1.lua"
}

yz_run() { # case clients [port] -> "rps p50 p99"
    local t=$(($2 > 1 ? 2 : 1)) out
    out=$(wrk -t"$t" -c"$2" -d"${dur}s" -s "$tmp/yz.$1.lua" "http://127.0.0.1:${3:-$yport}" | grep '^RESULT')
    if [ "$(field "$out" errors)" != 0 ] || [ "$(field "$out" non2xx)" != 0 ]; then
        fail "errors under wrk ($1, $2 clients): ${out:-no result}"
    fi
    echo "$(field "$out" rps) $(field "$out" p50_ms) $(field "$out" p99_ms)"
}

# The HTTP floor: the bare server answering every request with 27 bytes, on the paths of the
# k=1 case (it ignores them). -> "rps p50 p99" at 1 and at 64 clients, as six words.
floor_run() {
    [ -n "${BARE_MHD:-}" ] || return 0
    local port bpid
    port=$(free_port)
    "$BARE_MHD" "$port" "$threads" >/dev/null &
    bpid=$!
    for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.05; done
    [ "$quick" = 1 ] || wrk -t2 -c64 -d1s "http://127.0.0.1:$port/" >/dev/null # warm-up
    echo "$(yz_run k1 1 "$port") $(yz_run k1 64 "$port")"
    kill "$bpid"
    wait "$bpid" 2>/dev/null || true
}

# "-": a figure not measured (quick mode), or a peer at 0 q/s
ratio() { awk -v a="${1%% *}" -v b="${2%% *}" 'BEGIN { if (a == "" || a == "-" || !(b + 0)) print "-"; else printf "%.1fx", a / b }'; }

yz_answers() { # case -> lines "qid code:dist ..." for the first $ncheck queries
    head -n "$ncheck" "$tmp/yz.$1.paths" | sed "s|^|url = \"http://127.0.0.1:$yport|; s|$|\"|" \
        >"$tmp/yz.curl"
    curl -s -K "$tmp/yz.curl" >"$tmp/yz.body" ||
        { echo "bench_peers: yizhan did not answer ($1)" >&2; tail -20 "$tmp/yizhan.log" >&2; exit 1; }
    # jq fails on an answer without a station list (an error, an empty body), and so the bench
    jq -r '[.stations[] | "\(.code):\(.distance_m)"] | join(" ")' "$tmp/yz.body" |
        awk '{ print NR "\t" $0 }' || { echo "bench_peers: yizhan's answers ($1) are not station lists:" >&2
                                       head -c 300 "$tmp/yz.body" >&2; exit 1; }
}

# The mean size and number of stations of yizhan's answers in the check.
yz_sizes() {
    awk -F'\t' -v bytes="$(wc -c <"$tmp/yz.body")" '{ hits += split($2, a, " ") }
        END { printf "%.1f hits, %.1f KB", hits / NR, bytes / NR / 1024 }' "$tmp/ans.yz"
}

# ---- PostgreSQL + PostGIS ---------------------------------------------------------------------
pg_start() {
    pgdata=$tmp/pg
    mkdir -p "$pgdata"
    [ ${#as_pg[@]} -eq 0 ] || chown postgres "$pgdata"
    "${as_pg[@]}" "$PGBIN/initdb" -D "$pgdata" -U postgres --auth=trust -E UTF8 --no-locale \
        >"$tmp/initdb.log" 2>&1
    pgport=$(free_port)
    "${as_pg[@]}" "$PGBIN/pg_ctl" -D "$pgdata" -l "$pgdata/log" -w -o "-p $pgport \
        -c listen_addresses=127.0.0.1 -c unix_socket_directories='$pgdata' -c max_connections=100 \
        -c shared_buffers=256MB -c fsync=off -c synchronous_commit=off -c full_page_writes=off \
        -c jit=off -c max_wal_size=4GB" start >/dev/null
}
pg_stop() {
    "${as_pg[@]}" "$PGBIN/pg_ctl" -D "$pgdata" -m fast stop >/dev/null
    rm -rf "$pgdata"
    pgdata=""
}
psqlq() { psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$pgport" -U postgres -d postgres "$@"; }

pg_load() {
    psqlq <<SQL
CREATE EXTENSION IF NOT EXISTS postgis;
CREATE TABLE stations (id integer PRIMARY KEY, code text NOT NULL, fac bigint NOT NULL,
                       geog geography(Point, 4326) NOT NULL);
CREATE TABLE queries (id integer PRIMARY KEY, g geography(Point, 4326) NOT NULL);
\copy stations FROM '$tmp/data/stations.pg'
\copy queries FROM '$tmp/data/queries.pg'
CREATE INDEX stations_geog ON stations USING gist (geog);
VACUUM ANALYZE stations;
VACUUM ANALYZE queries;
SQL
}

# The same points as geometry(Point, 4326) with a GiST index of their own, not counted in the
# load time: the planar KNN in degrees, PostGIS's fastest form, which orders by degrees and not
# by metres (a degree of longitude is cos(lat) of a degree of latitude): other answers.
pg_add_geometry() {
    psqlq <<SQL
ALTER TABLE stations ADD COLUMN geom geometry(Point, 4326);
UPDATE stations SET geom = geog::geometry;
CREATE INDEX stations_geom ON stations USING gist (geom);
ALTER TABLE queries ADD COLUMN gm geometry(Point, 4326);
UPDATE queries SET gm = g::geometry;
VACUUM ANALYZE stations;
VACUUM ANALYZE queries;
SQL
}

# The SQL of a case for the query point expression P.
pg_sql() { # k radius filter P
    local where=""
    [ "$2" -gt 0 ] && where="WHERE ST_DWithin(geog, $4, $2, false)"
    if [ "$3" = 1 ]; then
        if [ -n "$where" ]; then where="$where AND"; else where="WHERE"; fi
        where="$where fac & $MASK = $MASK"
    fi
    echo "SELECT code, geog <-> $4 AS d FROM stations $where ORDER BY geog <-> $4 LIMIT $1"
}

# The planar form: KNN by degrees, the distance returned in metres all the same.
pg_sql_geom() { # k filter Pgeom Pgeog
    local where=""
    [ "$2" = 1 ] && where="WHERE fac & $MASK = $MASK"
    echo "SELECT code, geog <-> $4 AS d FROM stations $where ORDER BY geom <-> $3 LIMIT $1"
}

pg_script() { # case k radius filter
    printf '\\set q random(1, %s)\n%s;\n' "$nq" \
        "$(pg_sql "$2" "$3" "$4" "(SELECT g FROM queries WHERE id = :q)")" >"$tmp/pg.$1.sql"
    printf '\\set q random(1, %s)\n%s;\n' "$nq" "$(pg_sql_geom "$2" "$4" \
        "(SELECT gm FROM queries WHERE id = :q)" "(SELECT g FROM queries WHERE id = :q)")" \
        >"$tmp/pg.$1.geom.sql"
}

pg_run() { # case clients -> "rps p50 p99"
    local j=$(($2 > 1 ? 2 : 1)) out
    rm -f "$tmp"/pglog*
    out=$(cd "$tmp" && pgbench -n -h 127.0.0.1 -p "$pgport" -U postgres -M prepared -c "$2" -j "$j" \
        -T "$dur" -l --log-prefix=pglog -f "$tmp/pg.$1.sql" postgres 2>&1) ||
        { fail "pgbench ($1, $2 clients): $out"; echo "0 0 0"; return; }
    local tps
    tps=$(echo "$out" | sed -n 's/^tps = \([0-9.]*\).*/\1/p' | head -1)
    cat "$tmp"/pglog* | awk '{ print $3 / 1000 }' | sort -n |
        awk -v tps="$tps" '{ a[NR] = $1 } END {
            printf "%.0f %.3f %.3f\n", tps, a[int(NR * 0.50) + 1], a[int(NR * 0.99) + 1] }'
}

pg_answers() { # case k radius filter [geom]
    local sql
    if [ "${5:-}" = geom ]; then sql=$(pg_sql_geom "$2" "$4" q.gm q.g); else sql=$(pg_sql "$2" "$3" "$4" q.g); fi
    psqlq -At -F $'\t' -c "SELECT q.id, (SELECT coalesce(string_agg(code || ':' || round(d::numeric, 1),
        ' ' ORDER BY d, code), '') FROM ($sql) s)
        FROM queries q WHERE q.id <= $ncheck ORDER BY q.id"
}

# ---- Redis GEO --------------------------------------------------------------------------------
# GEOSEARCH has no k-nearest without a radius, and no filter on anything but position: the k
# nearest are found as a client would, by widening the radius (1 km, then 4x) until k are in it;
# the query point is picked by the script from a hash, given redis-benchmark's __rand_int__.
# With ARGV[4] = "s" the script returns "code:dist ..." for the answer check.
redis_scripts() {
    cat >"$tmp/knn.lua" <<LUA
local p = redis.call('HGET', 'q', tostring(tonumber(ARGV[1]) % $nq + 1))
local lon, lat = string.match(p, '(%S+) (%S+)')
local k, r, res = tonumber(ARGV[2]), tonumber(ARGV[3]), nil
if r > 0 then
  res = redis.call('GEOSEARCH', 'st', 'FROMLONLAT', lon, lat, 'BYRADIUS', r, 'm', 'ASC', 'COUNT', k, 'WITHDIST')
else
  r = 1000
  while true do
    res = redis.call('GEOSEARCH', 'st', 'FROMLONLAT', lon, lat, 'BYRADIUS', r, 'm', 'ASC', 'COUNT', k, 'WITHDIST')
    if #res >= k or r > 20000000 then break end
    r = r * 4
  end
end
if ARGV[4] ~= 's' then return res end
local out = {}
for i, e in ipairs(res) do out[i] = e[1] .. ':' .. e[2] end
return table.concat(out, ' ')
LUA
    knn_sha=$(redis-cli -p "$rport" SCRIPT LOAD "$(cat "$tmp/knn.lua")")
}

redis_bench() { # clients n args... -> "rps p50 p99"
    local c=$1 n=$2 t=$(($1 > 1 ? 2 : 1))
    shift 2
    local out
    # an error reply ("Error from server: ..." on stderr) makes it exit 1; one printed fails too
    if ! out=$(redis-benchmark -p "$rport" -c "$c" --threads "$t" -n "$n" -r "$nq" --csv "$@" 2>"$tmp/rb.err") ||
        grep -q '^Error' "$tmp/rb.err"; then
        fail "redis-benchmark ($*, $c clients): $(tail -3 "$tmp/rb.err")"
        echo "0 0 0"
        return
    fi
    echo "$out" | tail -1 | tr -d '"' | awk -F, '{ printf "%.0f %.3f %.3f\n", $2, $5, $7 }'
}

redis_run() { # clients args... : calibrate the count for $dur seconds, then measure
    local c=$1 cal n
    shift
    cal=$(redis_bench "$c" $((c > 1 ? 5000 : 1000)) "$@")
    [ "$quick" != 1 ] || { echo "$cal"; return; } # quick: the calibration is the measurement
    n=$(awk -v r="${cal%% *}" -v d="$dur" 'BEGIN { n = int(r * d); print n < 1000 ? 1000 : n }')
    redis_bench "$c" "$n" "$@"
}

redis_answers() { # k radius
    for i in $(seq 1 "$ncheck"); do echo "EVALSHA $knn_sha 0 $((i - 1)) $1 $2 s"; done |
        redis-cli -p "$rport" --raw | awk '{ print NR "\t" $0 }'
}

# ---- answers ----------------------------------------------------------------------------------
# Two systems agree on a query when the same stations come back at the same distances, but for
# ties: a station missing on one side is fine when it lies at the k-th distance (the list was
# full) or at the radius, within the tolerance. Redis measures on a sphere of 6372797.56 m
# (yizhan and PostGIS: 6371008.8 m), so its distances are rescaled first; its 52-bit geohash
# moves a station by up to ~0.6 m, hence its 1 m tolerance. yizhan prints decimetres.
compare() { # yz_file peer_file k radius tol scale [quiet] -> "same" or "N differ"
    awk -F'\t' -v k="$3" -v r="$4" -v tol="$5" -v scale="$6" -v quiet="${7:-}" '
        function load(s, m, sc,    n, i, a, p) {
            n = split(s, a, " ")
            for (i = 1; i <= n; i++) {
                p = index(a[i], ":")
                m[substr(a[i], 1, p - 1)] = substr(a[i], p + 1) * sc
            }
            return n
        }
        FNR == NR { yz[$1] = $2; next }
        {
            delete A; delete B
            na = load(yz[$1], A, 1)
            nb = load($2, B, scale)
            la = 0; for (c in A) if (A[c] > la) la = A[c]
            lb = 0; for (c in B) if (B[c] > lb) lb = B[c]
            bad = 0
            for (c in A) if (c in B) { if (A[c] - B[c] > tol || B[c] - A[c] > tol) bad = 1 }
                         else if (!ok(A[c], nb, lb)) bad = 1
            for (c in B) if (!(c in A) && !ok(B[c], na, la)) bad = 1
            if (bad) { nbad++; if (nbad <= 2 && !quiet) printf "  differ q%s:\n    yizhan %s\n    peer   %s\n", $1, yz[$1], $2 > "/dev/stderr" }
        }
        function ok(d, nother, lother) {
            if (nother >= k && d >= lother - tol) return 1
            if (r > 0 && d >= r - tol - r * 3e-4) return 1
            return 0
        }
        END { print nbad ? nbad " differ" : "same" }' "$1" "$2"
}

# ---- one data set -------------------------------------------------------------------------------
fmt_row() { # case system 1-client(3) 64-client(3) yz/peer lite/peer floor/peer check
    printf '  %-22s %-19s %9s %8s %8s %10s %8s %8s %7s %7s %7s  %s\n' "$@"
}

none="- - -" # the three figures of a measurement not made (quick mode)
result() { # system 1-client 64-client answers: a row of $results, of size $n and case $name
    [ "$2" = "$none" ] ||
        printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$n" "$1" "$name" "${2// /$'\t'}" "${3// /$'\t'}" "$4" >>"$results"
}

run_size() {
    local n=$1 t0 loadyz loadpg loadrd pgsize
    rm -rf "$tmp/data" && mkdir -p "$tmp/data" && chmod 755 "$tmp/data"
    t0=$(now)
    "$gen" --stations "$n" --queries "$nq" --out "$tmp/data"
    chmod 644 "$tmp/data"/*
    printf '\n== %s stations, %s query points (generated in %s s), %s s a measurement ==\n' \
        "$n" "$nq" "$(since "$t0")" "$dur"

    # yizhan: import into SQLite, then the server builds its snapshot at start.
    t0=$(now)
    "$yizhan" import --db "$tmp/y.db" "$tmp/data/stations.csv" >/dev/null
    rm -f "$tmp/port"
    "$yizhan" serve --db "$tmp/y.db" --bind 127.0.0.1 --port 0 --port-file "$tmp/port" \
        --threads "$threads" 2>"$tmp/yizhan.log" &
    ypid=$!
    for _ in $(seq 1 1200); do [ -s "$tmp/port" ] && break; sleep 0.05; done
    [ -s "$tmp/port" ] || { echo "bench_peers: yizhan did not start" >&2; cat "$tmp/yizhan.log" >&2; exit 1; }
    loadyz=$(since "$t0")
    yport=$(cat "$tmp/port")

    # PostGIS.
    pg_start
    t0=$(now)
    pg_load
    loadpg=$(since "$t0")
    pgsize=$(psqlq -At -c "SELECT pg_total_relation_size('stations')")
    pg_add_geometry

    # Redis: no persistence, loopback TCP.
    rport=$(free_port)
    redis-server --bind 127.0.0.1 --port "$rport" --save '' --appendonly no --dir "$tmp" \
        --logfile "$tmp/redis.log" --daemonize no &
    rpid=$!
    for _ in $(seq 1 100); do redis-cli -p "$rport" PING >/dev/null 2>&1 && break; sleep 0.05; done
    t0=$(now)
    redis-cli -p "$rport" --pipe <"$tmp/data/stations.redis" >/dev/null
    loadrd=$(since "$t0")
    redis-cli -p "$rport" --pipe <"$tmp/data/queries.redis" >/dev/null
    redis_scripts

    printf 'load:   yizhan %s s (import %s rows into SQLite + snapshot at start)\n' "$loadyz" "$n"
    printf '        PostGIS %s s (\\copy, GiST index, VACUUM ANALYZE)\n' "$loadpg"
    printf '        Redis %s s (GEOADD through redis-cli --pipe)\n' "$loadrd"

    local c name k r f y1 y64 l1 l64 p1 p64 r1 r64 cp cr cl sz fl f1 f64 m short
    yz_paths k1 1 0 0
    fl=$(floor_run)
    f1=${fl% * * *}
    f64=${fl#* * * }
    printf '  %-22s %-19s %9s %8s %8s %10s %8s %8s %7s %7s %7s  %s\n' "case" "system" "1 cl q/s" \
        "p50 ms" "p99 ms" "64 cl q/s" "p50 ms" "p99 ms" "yz/peer" "lite/" "floor/" "answers"
    if [ -n "$fl" ]; then
        fmt_row "HTTP floor" "bare MHD, 27 bytes" $f1 $f64 "" "" "" "no work at all"
        printf '%s\tHTTP floor\tfloor\t%s\t%s\t\n' "$n" "${f1// /$'\t'}" "${f64// /$'\t'}" >>"$results"
    fi
    for c in "${cases[@]}"; do
        read -r name k r f <<<"$c"
        # quick: every case's answers checked, and k=10 (the chart's case) measured on yizhan
        # (full answer), PostGIS geography and Redis; other figures "-", without a result row
        m=1
        [ "$quick" = 1 ] && [ "$name" != k10 ] && m=0
        yz_paths "$name" "$k" "$r" "$f"
        pg_script "$name" "$k" "$r" "$f"
        # answers first (they also warm each system up); the lite answers must be the same
        yz_answers "$name" >"$tmp/ans.yz"
        sz=$(yz_sizes)
        # k nearest without a radius: k stations every time (n >= k; with the filter ~n/10)
        if [ "$r" = 0 ]; then
            short=$(awk -F'\t' -v k="$k" 'split($2, a, " ") != k { s++ } END { print s + 0 }' "$tmp/ans.yz")
            [ "$short" = 0 ] || fail "$short of yizhan's $name answers do not hold $k stations"
        fi
        yz_answers "$name.lite" >"$tmp/ans.yzl"
        cl="same as full: $(wc -c <"$tmp/yz.body" | awk -v q="$ncheck" '{ printf "%.2f KB", $1 / q / 1024 }')"
        cmp -s "$tmp/ans.yz" "$tmp/ans.yzl" || { cl="DIFFER from the full answers"; fail "fields= answers differ ($name)"; }
        pg_answers "$name" "$k" "$r" "$f" >"$tmp/ans.pg"
        cp=$(compare "$tmp/ans.yz" "$tmp/ans.pg" "$k" "$r" 0.11 1)
        [ "$cp" = same ] || fail "PostGIS: $cp of $ncheck answers ($name)"
        y1=$none y64=$none l1=$none l64=$none p1=$none p64=$none
        if [ "$m" = 1 ]; then
            [ "$quick" = 1 ] || wrk -t2 -c64 -d1s -s "$tmp/yz.$name.lua" "http://127.0.0.1:$yport" >/dev/null
            y1=$(yz_run "$name" 1)
            y64=$(yz_run "$name" 64)
            if [ "$quick" != 1 ]; then
                l1=$(yz_run "$name.lite" 1)
                l64=$(yz_run "$name.lite" 64)
            fi
            p1=$(pg_run "$name" 1)
            # quick: not at 64 clients, whose connections take most of a 1 s run (0 q/s here)
            [ "$quick" = 1 ] || p64=$(pg_run "$name" 64)
        fi
        fmt_row "$(label "$name")" yizhan $y1 $y64 "" "" "" "$sz"
        fmt_row "" "yizhan code+dist" $l1 $l64 "" "" "" "$cl"
        fmt_row "" PostGIS $p1 $p64 "$(ratio "$y64" "$p64")" "$(ratio "$l64" "$p64")" \
            "$(ratio "$f64" "$p64")" "$cp"
        result yizhan "$y1" "$y64" ""
        result "yizhan code+distance" "$l1" "$l64" "$cl"
        result PostGIS "$p1" "$p64" "$cp"
        if [ "$r" = 0 ]; then
            # its answers differ by design (see above): shown, not judged
            pg_answers "$name" "$k" "$r" "$f" geom >"$tmp/ans.pgg"
            cp=$(compare "$tmp/ans.yz" "$tmp/ans.pgg" "$k" "$r" 0.11 1 quiet)
            p1=$none p64=$none
            if [ "$m" = 1 ] && [ "$quick" != 1 ]; then
                p1=$(pg_run "$name.geom" 1)
                p64=$(pg_run "$name.geom" 64)
            fi
            fmt_row "" "PostGIS geometry" $p1 $p64 "$(ratio "$y64" "$p64")" "$(ratio "$l64" "$p64")" \
                "$(ratio "$f64" "$p64")" "$cp"
            result "PostGIS geometry" "$p1" "$p64" "$cp"
        fi
        if [ "$f" = 0 ]; then
            redis_answers "$k" "$r" >"$tmp/ans.rd"
            cr=$(compare "$tmp/ans.yz" "$tmp/ans.rd" "$k" "$r" 1.0 0.99971933)
            [ "$cr" = same ] || fail "Redis: $cr of $ncheck answers ($name)"
            r1=$none r64=$none
            if [ "$m" = 1 ]; then
                r1=$(redis_run 1 EVALSHA "$knn_sha" 0 __rand_int__ "$k" "$r")
                r64=$(redis_run 64 EVALSHA "$knn_sha" 0 __rand_int__ "$k" "$r")
            fi
            fmt_row "" Redis $r1 $r64 "$(ratio "$y64" "$r64")" "$(ratio "$l64" "$r64")" \
                "$(ratio "$f64" "$r64")" "$cr"
            result Redis "$r1" "$r64" "$cr"
        else
            fmt_row "" Redis - - - - - - - - - "cannot filter by facility"
        fi
    done
    # Redis's own floors, not in the quick mode: plain GEOSEARCH without the script, always at
    # the first query point (Redis's best case), and PING, the least work a request can be.
    if [ "$quick" != 1 ]; then
        local q1
        q1=$(head -1 "$tmp/data/queries.tsv" | awk '{ print $3, $2 }')
        r64=$(redis_run 64 GEOSEARCH st FROMLONLAT ${q1% *} ${q1#* } BYRADIUS 1000 m ASC COUNT 100 WITHDIST)
        printf '  %-31s %s q/s at 64 clients (p50 %s ms, p99 %s ms)\n' \
            "Redis plain GEOSEARCH 1 km, one point, no script:" $r64
        r64=$(redis_run 64 PING)
        printf '  %-31s %s q/s at 64 clients (p50 %s ms, p99 %s ms)\n' \
            "Redis PING (no work at all):" $r64
    fi

    # Memory once everything has run.
    local myz pgsb rused rrss
    myz=$(rss_kb "$ypid")
    pgsb=$(psqlq -At -c "SELECT pg_size_bytes(current_setting('shared_buffers'))")
    rused=$(redis-cli -p "$rport" INFO memory | tr -d '\r' | sed -n 's/^used_memory:\([0-9]*\)/\1/p')
    rrss=$(redis-cli -p "$rport" INFO memory | tr -d '\r' | sed -n 's/^used_memory_rss:\([0-9]*\)/\1/p')
    printf 'memory: yizhan RSS %.1f MB (all of the catalog: JSON fragments, text index, hours)\n' \
        "$(awk -v k="$myz" 'BEGIN { print k / 1024 }')"
    printf '        PostGIS table + GiST index %.1f MB (geography only), shared_buffers %.0f MB\n' \
        "$(awk -v b="$pgsize" 'BEGIN { print b / 1048576 }')" "$(awk -v b="$pgsb" 'BEGIN { print b / 1048576 }')"
    printf '        Redis used_memory %.1f MB (with %s query points), RSS %.1f MB\n' \
        "$(awk -v b="$rused" 'BEGIN { print b / 1048576 }')" "$nq" "$(awk -v b="$rrss" 'BEGIN { print b / 1048576 }')"
    # Where yizhan's bytes go: the same snapshot built in a process of its own (bench_memory.c).
    if [ -n "${BENCH_MEMORY:-}" ] && [ -x "$BENCH_MEMORY" ]; then
        "$BENCH_MEMORY" "$tmp/y.db" | sed 's/^/        /'
    fi

    # a server that died under the load fails the run (its log shows why)
    kill -0 "$ypid" 2>/dev/null || { fail "yizhan died ($n stations)"; tail -20 "$tmp/yizhan.log" >&2; }
    kill -0 "$rpid" 2>/dev/null || { fail "redis-server died ($n stations)"; tail -20 "$tmp/redis.log" >&2; }
    kill "$ypid" "$rpid" 2>/dev/null || true
    wait "$ypid" "$rpid" 2>/dev/null || true
    ypid=""
    rpid=""
    pg_stop
    rm -f "$tmp/y.db" "$tmp/y.db-wal" "$tmp/y.db-shm"
}

printf 'yizhan against PostGIS (PostgreSQL %s) and Redis (%s), loopback TCP, %s pool threads for yizhan\n' \
    "$("$PGBIN/postgres" --version | awk '{ print $3 }')" "$(redis-server --version | awk '{ print $3 }')" "$threads"
printf 'q/s: wrk (yizhan, HTTP nearby: the full JSON answer, and fields=code,distance_m),\n'
printf 'pgbench -M prepared (PostGIS), redis-benchmark EVALSHA (Redis); 1 client, then 64 clients\n'
printf 'with 2 client threads. filter = toilet + battery swap (~10%% of stations).\n'
printf 'Ratios at 64 clients: yz/peer = yizhan full answer / peer, lite/ = yizhan code+distance /\n'
printf 'peer, floor/ = the bare HTTP server / peer (the most any libmicrohttpd server could show).\n'
for n in $sizes; do
    run_size "$n"
done

# ---- the chart --------------------------------------------------------------------------------
[ -z "${PEERS_TSV:-}" ] || cp "$results" "$PEERS_TSV"
if [ -s "$failures" ]; then
    printf '\nbench_peers: FAILED (%s), no chart written:\n' "$(wc -l <"$failures")" >&2
    sed 's/^/  /' "$failures" >&2
    exit 1
fi
# quick: the chart is drawn all the same (so that its script cannot rot), into the temporary folder
[ -n "$svg" ] || [ "$quick" != 1 ] || svg=$tmp/peers.svg
if [ -n "$svg" ]; then
    awk -F'\t' -v sizes="$sizes" -f "$here/peers_chart.awk" "$results" >"$svg"
    [ "$(tail -1 "$svg")" = "</svg>" ] || { echo "bench_peers: the chart is cut short" >&2; exit 1; }
    [ "$svg" = "$tmp/peers.svg" ] || echo "chart: $svg"
fi
