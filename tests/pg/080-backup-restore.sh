#!/usr/bin/env bash
# Backups that restore, on both stores (docs/OPERATIONS.md, "Backing up and restoring": the
# commands here are the ones it gives). A server takes check-ins and ratings from 4 clients
# without pause while the backup runs: `yizhan backup` for SQLite, `pg_dump -Fc` for
# PostgreSQL. The backup is restored into a fresh store (a copied file; pg_restore into a new
# database) and a server started on it. Then: its exports (csv and geojson, through the API)
# are byte for byte the original's (stations were created under load before the backup);
# every check-in and rating acknowledged before the backup began is in it; everything in it
# is in the original, unchanged (a copy as of one moment, not a mix). Prints the times.
set -u
export YIZHAN_ADMIN_TOKEN=pg-backup-$$
T=$YIZHAN_ADMIN_TOKEN
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib.sh"
loops=()
cleanup() {
    for p in "${loops[@]}"; do kill "$p" 2>/dev/null; done
    yz_cleanup
}
trap cleanup EXIT
start() { # NAME DB -> $url, $spid
    yz_serve "$1" "$2" --threads 8 --writes-per-min 100000000 --workers-per-hour 1000000
    url=$YZ_URL
    spid=$YZ_PID
}
ms() { echo $(($(date +%s%N) / 1000000)); }
q() { # DB SQL: one query on either store, one row a line, fields separated by |
    case $1 in
    postgres*) psql -X -q -At -v ON_ERROR_STOP=1 "$1" -c "$2" ;;
    *) sqlite3 "$1" "$2" ;;
    esac
}
exports() { # URL PREFIX: the API's exports of the server at URL into PREFIX.csv, PREFIX.geojson
    local f
    for f in csv geojson; do
        curl -sf -H "Authorization: Bearer $T" "$1/api/v1/stations/export?format=$f" >"$2.$f" ||
            yz_fail "export $f from $1"
        [ -s "$2.$f" ] || yz_fail "empty export $f from $1"
    done
}

# One round: STORE-NAME DB BACKUP-COMMAND RESTORE-COMMAND RESTORED-DB. The commands are
# strings run by bash with $src (the live store), $dump (the backup file) and $dst (the fresh
# store) set.
round() {
    local name=$1 src=$2 backup_cmd=$3 restore_cmd=$4 dst=$5 dump=$CASE_TMP/$1.backup
    local n base
    yz_demo "$src"
    start "$name" "$src"
    base=$url
    # Stations created under load, before the backup: the export must carry them. Every other
    # one without an address, which the node and the restored store must both export as "".
    for n in $(seq 1 20); do
        addr=""
        [ $((n % 2)) = 0 ] && addr="\"address\":\"测试路$n号\","
        curl -sf -o /dev/null -X POST "$base/api/v1/stations" -H "Authorization: Bearer $T" \
            -H 'Content-Type: application/json' \
            -d "{\"code\":\"BK-$n\",\"name\":\"备份测试驿站$n\",$addr\"district_code\":\"330302\",\"lat\":28.0$n,\"lon\":120.6$n,\"facilities\":[\"toilet\"],\"opening_hours\":\"24/7\"}" ||
            yz_fail "$name: create station BK-$n"
    done
    : >"$CASE_TMP/$name.acks"
    for n in 0 1 2 3; do
        load "$base" "$n" >>"$CASE_TMP/$name.acks.$n" &
        loops+=($!)
    done
    # At least 3 s of load, and on a busy machine until enough is acknowledged for the check
    # below to mean something (the clients' pace is the machine's, not the server's).
    local waited=0
    sleep 3
    while [ "$waited" -lt 120 ] &&
        { [ "$(cat "$CASE_TMP/$name.acks".* | grep -c ' v ')" -lt 40 ] ||
          [ "$(cat "$CASE_TMP/$name.acks".* | grep -c ' r ')" -lt 4 ]; }; do
        sleep 0.5
        waited=$((waited + 1))
    done
    exports "$base" "$CASE_TMP/$name.before"
    local t0 t1 t1r t2
    t0=$(ms)
    # shellcheck disable=SC2034 # used by the command strings
    (src=$src dump=$dump dst=$dst; eval "$backup_cmd") >"$CASE_TMP/$name.backup.log" 2>&1 ||
        { cat "$CASE_TMP/$name.backup.log"; yz_fail "$name: backup failed"; }
    t1=$(ms)
    sleep 1
    for p in "${loops[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
    loops=()
    exports "$base" "$CASE_TMP/$name.after"
    cmp -s "$CASE_TMP/$name.before.csv" "$CASE_TMP/$name.after.csv" ||
        yz_fail "$name: the stations changed under load (the test's premise)"
    t1r=$(ms)
    (src=$src dump=$dump dst=$dst; eval "$restore_cmd") >"$CASE_TMP/$name.restore.log" 2>&1 ||
        { cat "$CASE_TMP/$name.restore.log"; yz_fail "$name: restore failed"; }
    t2=$(ms)
    start "$name-restored" "$dst"
    exports "$url" "$CASE_TMP/$name.restored"
    local f
    for f in csv geojson; do
        cmp -s "$CASE_TMP/$name.before.$f" "$CASE_TMP/$name.restored.$f" ||
            { cmp "$CASE_TMP/$name.before.$f" "$CASE_TMP/$name.restored.$f"
              yz_fail "$name: the restored store exports another $f"; }
    done
    grep -q '^BK-20,' "$CASE_TMP/$name.restored.csv" || yz_fail "$name: BK-20 not restored"
    # Acknowledged before the backup began: every one restored. In the copy: every row as in
    # the original. Check-ins: "v ID"; ratings: "r ID" (each of a station of its own).
    cat "$CASE_TMP/$name.acks".* >"$CASE_TMP/$name.acks"
    awk -v t="$t0" '$1 < t { print $2, $3 }' "$CASE_TMP/$name.acks" | sort >"$CASE_TMP/$name.early"
    local kind table
    for kind in v r; do
        table=visits
        [ $kind = r ] && table=ratings
        q "$dst" "SELECT '$kind ' || id FROM $table" | sort >"$CASE_TMP/$name.got.$kind"
        q "$src" "SELECT id, worker_id, station_id, $([ $kind = v ] && echo 'at, counted' || echo 'day, stars')
                  FROM $table" | sort >"$CASE_TMP/$name.src.$kind"
        q "$dst" "SELECT id, worker_id, station_id, $([ $kind = v ] && echo 'at, counted' || echo 'day, stars')
                  FROM $table" | sort >"$CASE_TMP/$name.dst.$kind"
        [ -z "$(comm -13 "$CASE_TMP/$name.src.$kind" "$CASE_TMP/$name.dst.$kind")" ] ||
            yz_fail "$name: the restored $table has rows the original lacks or has otherwise"
    done
    local early missing
    early=$(wc -l <"$CASE_TMP/$name.early")
    [ "$(grep -c '^v' "$CASE_TMP/$name.early")" -ge 20 ] && [ "$(grep -c '^r' "$CASE_TMP/$name.early")" -ge 2 ] ||
        yz_fail "$name: too little was acknowledged before the backup ($early)"
    missing=$(sort "$CASE_TMP/$name.got.v" "$CASE_TMP/$name.got.r" | comm -23 "$CASE_TMP/$name.early" - | wc -l)
    [ "$missing" = 0 ] || yz_fail "$name: $missing acknowledged before the backup are not restored"
    local sv dv sr dr
    sv=$(wc -l <"$CASE_TMP/$name.src.v"); dv=$(wc -l <"$CASE_TMP/$name.dst.v")
    sr=$(wc -l <"$CASE_TMP/$name.src.r"); dr=$(wc -l <"$CASE_TMP/$name.dst.r")
    # the restored server's own statistics agree with its rows
    [ "$(curl -s "$url/api/v1/stats/visits?group_by=district" | jq .total)" = \
      "$(q "$dst" "SELECT count(*) FROM visits WHERE counted = 1")" ] ||
        yz_fail "$name: the restored server's visit statistics disagree with its rows"
    echo "$name: backup $((t1 - t0)) ms under load, restore $((t2 - t1r)) ms;" \
        "visits $dv restored of $sv in the original at the end, ratings $dr of $sr;" \
        "$early acknowledged before the backup all restored; exports equal"
}
load() { # URL N: check in and rate without pause; print "ms v|r ID" for each acknowledgement
    local u=$1 n=$2 i=0 t r
    t=$(curl -s -X POST "$u/api/v1/workers" | jq -r .token)
    while :; do
        r=$(curl -s -X POST "$u/api/v1/visits" -H "Authorization: Bearer $t" \
            -H 'Content-Type: application/json' \
            -d "{\"station_code\":\"WZ$(printf %04d $(((i * 4 + n) % 800 + 1)))\"}")
        [[ $r =~ ^\{\"id\":([0-9]+), ]] && echo "$(ms) v ${BASH_REMATCH[1]}"
        if [ $((i % 5)) = 0 ]; then
            r=$(curl -s -X POST "$u/api/v1/stations/WZ$(printf %04d $(((i / 5) * 4 + n + 1)))/ratings" \
                -H "Authorization: Bearer $t" -H 'Content-Type: application/json' -d '{"stars":4}')
            [[ $r =~ \"rating\":\{\"id\":([0-9]+), ]] && echo "$(ms) r ${BASH_REMATCH[1]}"
        fi
        i=$((i + 1))
    done
}

# SQLite: `yizhan backup` while the server writes; restoring is putting the copy in place.
round sqlite "$CASE_TMP/live.db" \
    '"$YZ_BIN" backup --db "$src" "$dump"' \
    'cp "$dump" "$dst"' "$CASE_TMP/restored.db"
# PostgreSQL: pg_dump's custom format (one consistent snapshot) while the nodes write;
# pg_restore into a new, empty database.
pgdst=${YZ_DB%/*}/yz_restored_$$
round postgresql "$YZ_DB" \
    'pg_dump -Fc --no-owner -f "$dump" "$src"' \
    'psql -X -q -v ON_ERROR_STOP=1 "${src%/*}/postgres" -c "CREATE DATABASE \"${dst##*/}\"" &&
     pg_restore --no-owner --exit-on-error -d "$dst" "$dump"' "$pgdst"
grep -h "Sanitizer\|runtime error:" "$CASE_TMP"/*.log && yz_fail "sanitizer report"
echo ok
