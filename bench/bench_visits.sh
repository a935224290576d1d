#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench/bench_visits.sh YIZHAN - acknowledged check-ins per second over HTTP (POST /api/v1/visits,
# wrk at 64 connections, 2,000 distinct worker tokens over the demo city's stations), each visit
# fsync'd before its answer. Group commit (the default) against its peer measured in the same
# run: the same server and requests with YZ_VISIT_BATCH_MAX=1, one transaction per visit.
# Rounds alternate (group, single, group, single, ...) and the medians are compared; the target
# is 5,000 acknowledged visits/s. After each round the visits in the database are counted and
# must be at least the acknowledged ones.
# The PostgreSQL store is measured too, on a throwaway cluster with production settings (fsync
# and synchronous_commit on, tests/pg/cluster.sh): group commit there, one READ COMMITTED
# transaction a batch under the advisory lock, against SQLite's in the same run.
# Run: make -C .. bin/yizhan && bench/bench_visits.sh bin/yizhan
# Env: VISITS_DURATION (s a round, 5), VISITS_ROUNDS (3), VISITS_WORKERS (2000),
#      VISITS_SERVER_THREADS (64: handlers block while their commit is written),
#      VISITS_PG (1; 0 skips PostgreSQL), VISITS_PG_WRITERS (1; 2 adds rounds with two
#      committer writers, YZ_VISIT_WRITERS=2, after or before the one-writer round by turns),
#      VISITS_PEER (another yizhan binary, e.g. main's build: its PostgreSQL rounds `pg-peer`
#      run on the same cluster, in a database of its own made the same way, before or after
#      this one's by turns, for a before/after in one run), VISITS_SINGLE (1; 0 skips the one-transaction-a-visit rounds).
# On PostgreSQL each round also prints the cluster's CPU a visit (the postmaster, its exited
# backends and its other processes, from /proc), beside the server's.
set -eu
yizhan=$1
dur=${VISITS_DURATION:-5}
rounds=${VISITS_ROUNDS:-3}
nworkers=${VISITS_WORKERS:-2000}
sthreads=${VISITS_SERVER_THREADS:-64}
with_pg=${VISITS_PG:-1}
pg_writers=${VISITS_PG_WRITERS:-1}
peer=${VISITS_PEER:-}
with_single=${VISITS_SINGLE:-1}
# Each round takes its (worker, station) pairs from its own range of the 2,000 x 822 pairs
# (offset), so that no pair is checked in twice within 2 hours; the peer's rounds take the
# range the two-writer rounds take, so the two are not run together.
[ -z "$peer" ] || [ "$pg_writers" = 1 ] || { echo "VISITS_PEER and VISITS_PG_WRITERS=2: one or the other"; exit 2; }
conns=64
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
chmod 755 "$tmp"
pid=
pgdir=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; [ -n "$pgdir" ] && "$here/../tests/pg/cluster.sh" stop "$pgdir"; rm -rf "$tmp"' EXIT

start() { # DB [ENV...]
    local db=$1
    shift
    rm -f "$tmp/port"
    env "$@" "${bin:-$yizhan}" serve --db "$db" --bind 127.0.0.1 --port 0 --port-file "$tmp/port" \
        --threads "$sthreads" --writes-per-min 100000000 --workers-per-hour 100000000 2>>"$tmp/server.log" &
    pid=$!
    for _ in $(seq 1 200); do [ -s "$tmp/port" ] && break; sleep 0.05; done
    [ -s "$tmp/port" ] || { echo "server did not start"; tail "$tmp/server.log"; exit 1; }
    base="http://127.0.0.1:$(cat "$tmp/port")"
}
stop() {
    kill -TERM "$pid"
    wait "$pid" || true
    pid=
}

count() { # DB [WHERE] -> visits stored
    case $1 in
    postgresql:*) psql -X -At "$1" -c "SELECT count(*) FROM visits ${2:-}" ;;
    *) sqlite3 "$1" "SELECT count(*) FROM visits ${2:-}" ;;
    esac
}
# A database with the demo city and $nworkers workers created through the API; their tokens
# in $tmp/tokens.NAME.txt.
prepare() { # NAME DB
    "$yizhan" demo --db "$2" >/dev/null
    start "$2"
    occ=(rider courier driver sanitation other)
    for i in $(seq 1 "$nworkers"); do
        printf 'next\nsilent\nurl = "%s/api/v1/workers"\nrequest = "POST"\nheader = "Content-Type: application/json"\ndata = "{\\"occupation\\":\\"%s\\"}"\n' \
            "$base" "${occ[$((i % 5))]}"
    done >"$tmp/workers.cfg"
    curl -s -Z --parallel-max 32 -K "$tmp/workers.cfg" 2>/dev/null | jq -r '.token' >"$tmp/tokens.$1.txt"
    have=$(grep -c -v '^null$' "$tmp/tokens.$1.txt")
    [ "$have" = "$nworkers" ] || { echo "created $have of $nworkers workers"; exit 1; }
    curl -s "$base/api/v1/stations?per_page=100&page=1" >/dev/null
    stop
}
prepare sqlite "$tmp/b.db"
sqlite3 "$tmp/b.db" "SELECT code FROM stations WHERE status IN ('open', 'closed_temp')" \
    >"$tmp/codes.txt"
pgdb=
pgdb_peer=
if [ "$with_pg" = 1 ]; then
    pgdir=$tmp/pg
    mkdir -p "$pgdir"
    if "$here/../tests/pg/cluster.sh" start "$pgdir" && "$here/../tests/pg/cluster.sh" createdb "$pgdir" visits >/dev/null; then
        pgdb=$("$here/../tests/pg/cluster.sh" uri "$pgdir" visits)
        prepare pg "$pgdb"
        # the peer gets a database of its own: a binary that folds its roll-ups from the
        # visits (this one) would otherwise fold the peer's visits too
        if [ -n "$peer" ]; then
            "$here/../tests/pg/cluster.sh" createdb "$pgdir" visits_peer >/dev/null
            pgdb_peer=$("$here/../tests/pg/cluster.sh" uri "$pgdir" visits_peer)
            prepare pgpeer "$pgdb_peer"
        fi
    else
        echo "visits: PostgreSQL could not start: its rounds are skipped"
        pgdir=
    fi
fi

cat >"$tmp/visits.lua" <<LUA
local tokens, codes = {}, {}
for l in io.lines(os.getenv("TOKENS")) do tokens[#tokens + 1] = l end
for l in io.lines("$tmp/codes.txt") do codes[#codes + 1] = l end
local threads = {}
local n = 0
function setup(thread)
  thread:set("tid", n)
  n = n + 1
  table.insert(threads, thread)
end
local i = 0
acked, other = 0, 0
-- Request i is worker i % W at station (i / W + 7 * (i % W)) % S: every (worker, station)
-- pair once in W * S requests, so that check-ins are counted (none within 2 hours of the
-- same pair) and the counted path (roll-ups included) is what is measured. Each round and
-- thread starts at its own OFFSET (threads STRIDE apart), so rounds do not repeat pairs.
function init(args)
  i = tonumber(os.getenv("OFFSET") or "0") + tid * tonumber(os.getenv("STRIDE") or "50000")
end
function request()
  i = i + 1
  local t = tokens[i % #tokens + 1]
  local c = codes[(math.floor(i / #tokens) + 7 * (i % #tokens)) % #codes + 1]
  return wrk.format("POST", "/api/v1/visits",
    {["Authorization"] = "Bearer " .. t, ["Content-Type"] = "application/json"},
    '{"station_code":"' .. c .. '"}')
end
function response(status, headers, body)
  if status == 200 or status == 201 then acked = acked + 1 else other = other + 1 end
end
function done(summary, latency, requests)
  local a, o = 0, 0
  for _, t in ipairs(threads) do a = a + t:get("acked"); o = o + t:get("other") end
  io.write(string.format("RESULT %d %d %.3f %.2f %.2f\n", a, o, summary.duration / 1e6,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
LUA

# Each SQLite mode gets its own copy of the database with the workers in it.
cp "$tmp/b.db" "$tmp/group.db"
cp "$tmp/b.db" "$tmp/single.db"
declare -A rates cpus pgcpus cmcpus
pgcpu() { # clock ticks of the cluster: the postmaster with its exited children, and the live ones
    [ -n "$pgdir" ] && [ -s "$pgdir/data/postmaster.pid" ] || { echo 0; return; }
    local pm
    pm=$(head -1 "$pgdir/data/postmaster.pid")
    { awk '{ print $14 + $15 + $16 + $17 }' "/proc/$pm/stat"
      for f in /proc/[0-9]*/stat; do
          awk -v pm="$pm" '$4 == pm { print $14 + $15 }' "$f" 2>/dev/null
      done; } | awk '{ t += $1 } END { print t }'
}
round() { # MODE DB TOKENS ENV...
    local mode=$1 db=$2 tokens=$3
    shift 3
    local before after cbefore
    before=$(count "$db")
    cbefore=$(count "$db" "WHERE counted = 1")
    local pgb=0 pga=0
    case $db in postgresql:*) pgb=$(pgcpu) ;; esac
    start "$db" "$@"
    # PostgreSQL: the committer's backend (the one running the batch statement), found while
    # the load runs; its CPU is read before the server stops and its connection closes
    rm -f "$tmp/cpid"
    local poller=
    case $db in postgresql:*)
        # one session polling every 20 ms (a psql a poll cost the cluster CPU of its own, more
        # for a binary whose batch statement is short and so seldom seen running)
        (psql -X -At "$db" -c "DO \$\$ DECLARE p int; BEGIN FOR i IN 1..500 LOOP
            PERFORM pg_stat_clear_snapshot(); SELECT pid INTO p FROM pg_stat_activity
            WHERE query LIKE 'WITH ins AS%' AND pid <> pg_backend_pid() LIMIT 1;
            IF p IS NOT NULL THEN RAISE NOTICE 'cpid %', p; RETURN; END IF;
            PERFORM pg_sleep(0.02); END LOOP; END \$\$" 2>&1 | sed -n 's/.*cpid //p' >"$tmp/cpid") &
        poller=$!
        ;;
    esac
    local out
    out=$(OFFSET=$offset STRIDE=$stride TOKENS=$tokens wrk -t2 -c$conns -d"${dur}s" -s "$tmp/visits.lua" "$base" | grep '^RESULT')
    # the server's CPU time (user + system, clock ticks), less swayed by the machine's load
    local ticks
    ticks=$(awk '{ print $14 + $15 }' "/proc/$pid/stat")
    [ -z "$poller" ] || wait "$poller"
    local cticks=
    [ -s "$tmp/cpid" ] && cticks=$(awk '{ print $14 + $15 }' "/proc/$(cat "$tmp/cpid")/stat" 2>/dev/null)
    stop
    case $db in postgresql:*) sleep 0.5; pga=$(pgcpu) ;; esac # the backends exit and are reaped
    after=$(count "$db")
    counted=$(($(count "$db" "WHERE counted = 1") - cbefore))
    read -r _ acked errs secs p50 p99 <<<"$out"
    local rate
    rate=$(awk -v a="$acked" -v s="$secs" 'BEGIN { printf "%.0f", a / s }')
    local cpu pgus="" pgcpu=""
    cpu=$(awk -v t="$ticks" -v hz="$(getconf CLK_TCK)" -v a="$acked" 'BEGIN { printf "%.1f", t / hz * 1e6 / a }')
    case $db in postgresql:*)
        pgcpu=$(awk -v t="$((pga - pgb))" -v hz="$(getconf CLK_TCK)" -v a="$acked" \
            'BEGIN { printf "%.1f", t / hz * 1e6 / a }')
        pgus="  PostgreSQL CPU $pgcpu us a visit"
        if [ -n "$cticks" ]; then
            local cm
            cm=$(awk -v t="$cticks" -v hz="$(getconf CLK_TCK)" -v a="$acked" \
                'BEGIN { printf "%.1f", t / hz * 1e6 / a }')
            pgus="$pgus (the committer's backend $cm)"
            cmcpus[$mode]="${cmcpus[$mode]:-} $cm"
        fi
        pgcpus[$mode]="${pgcpus[$mode]:-} $pgcpu" ;;
    esac
    printf '  %-9s %7d acked %5d errors  %6s visits/s  p50 %6s ms  p99 %6s ms  in db +%d (counted +%d)  server CPU %s us a visit%s  load %s\n' \
        "$mode" "$acked" "$errs" "$rate" "$p50" "$p99" "$((after - before))" "$counted" "$cpu" \
        "$pgus" "$(cut -d' ' -f1 /proc/loadavg)"
    [ $((after - before)) -ge "$acked" ] || { echo "LOST VISITS in $mode"; exit 1; }
    rates[$mode]="${rates[$mode]:-} $rate"
    cpus[$mode]="${cpus[$mode]:-} $cpu"
}
echo "visits: POST /api/v1/visits, $conns connections, $nworkers workers, ${dur}s rounds," \
    "server threads $sthreads"
# A wrk thread's pairs: room for 15,000 check-ins a second each (the two together 30,000/s,
# above any rate measured here), a round two threads' worth; the second series of rounds on
# the same database (pg-2w beside pg-group) starts after the first. Past W x S pairs they wrap
# and repeat, and repeats within 2 hours are not counted (the bench says so below).
stride=$((15000 * dur))
span=$((2 * stride))
second=$((rounds * span))
pairs=$((nworkers * $(wc -l <"$tmp/codes.txt")))
[ $((2 * second)) -le "$pairs" ] ||
    echo "bench_visits: $rounds rounds of ${dur}s may repeat (worker, station) pairs ($pairs): fewer rounds or more VISITS_WORKERS" >&2
for r in $(seq 1 "$rounds"); do
    offset=$(((r - 1) * span))
    round group "$tmp/group.db" "$tmp/tokens.sqlite.txt"
    [ "$with_single" = 0 ] || round single "$tmp/single.db" "$tmp/tokens.sqlite.txt" YZ_VISIT_BATCH_MAX=1
    if [ -n "$pgdb" ] && [ -n "$peer" ] && [ $((r % 2)) = 1 ]; then
        offset=$((second + offset)) bin=$peer round pg-peer "$pgdb_peer" "$tmp/tokens.pgpeer.txt"
    fi
    if [ -n "$pgdb" ] && [ "$pg_writers" = 2 ] && [ $((r % 2)) = 0 ]; then
        offset=$((second + offset)) round pg-2w "$pgdb" "$tmp/tokens.pg.txt" YZ_VISIT_WRITERS=2
    fi
    [ -z "$pgdb" ] || round pg-group "$pgdb" "$tmp/tokens.pg.txt"
    if [ -n "$pgdb" ] && [ "$pg_writers" = 2 ] && [ $((r % 2)) = 1 ]; then
        offset=$((second + offset)) round pg-2w "$pgdb" "$tmp/tokens.pg.txt" YZ_VISIT_WRITERS=2
    fi
    if [ -n "$pgdb" ] && [ -n "$peer" ] && [ $((r % 2)) = 0 ]; then
        offset=$((second + offset)) bin=$peer round pg-peer "$pgdb_peer" "$tmp/tokens.pgpeer.txt"
    fi
done
median() { tr ' ' '\n' | grep . | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
for m in "${!cpus[@]}"; do
    echo "visits: $m server CPU a visit, median $(echo "${cpus[$m]}" | tr ' ' '\n' | grep . | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }') us"
done
for m in "${!pgcpus[@]}"; do
    echo "visits: $m PostgreSQL CPU a visit, median $(echo "${pgcpus[$m]}" | tr ' ' '\n' | grep . | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }') us" \
        "(the committer's backend $(echo "${cmcpus[$m]:-}" | tr ' ' '\n' | grep . | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }') us)"
done
g=$(echo "${rates[group]}" | median)
s=$(echo "${rates[single]:-0}" | median)
awk -v g="$g" -v s="$s" 'BEGIN {
    printf "visits: group commit %d/s (target 5000/s: %s), one transaction a visit %d/s, ratio %.1fx\n",
        g, (g >= 5000 ? "met" : "NOT met"), s, (s > 0 ? g / s : 0) }'
if [ -n "$pgdb" ] && [ -n "$peer" ]; then
    echo "visits on PostgreSQL, peer binary: $(echo "${rates[pg-peer]}" | median)/s (this one: $(echo "${rates[pg-group]}" | median)/s)"
fi
if [ -n "$pgdb" ] && [ "$pg_writers" = 2 ]; then
    echo "visits on PostgreSQL with two writers: $(echo "${rates[pg-2w]}" | median)/s (one: $(echo "${rates[pg-group]}" | median)/s)"
fi
if [ -n "$pgdb" ]; then
    p=$(echo "${rates[pg-group]}" | median)
    awk -v p="$p" -v g="$g" 'BEGIN {
        printf "visits on PostgreSQL (group commit, fsync on): %d/s, %.2f of SQLite'"'"'s\n", p, (g > 0 ? p / g : 0) }'
fi
