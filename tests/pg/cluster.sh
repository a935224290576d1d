#!/usr/bin/env bash
# tests/pg/cluster.sh start DIR | stop DIR | restart DIR | crash DIR | pause DIR | resume DIR | uri DIR [DBNAME] | createdb DIR NAME
# A throwaway PostgreSQL 15 cluster for the tests of the PostgreSQL store: initdb in DIR (as
# the postgres user when run as root: PostgreSQL refuses to run as root), listening on
# 127.0.0.1 at a free port, trust authentication, durable settings as in production
# (fsync and synchronous_commit on). `uri` prints the connection URI of a database.
set -euo pipefail
cmd=${1:-}
dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: $0 start|stop|restart|crash|pause|resume|uri|createdb DIR [NAME]" >&2; exit 2; }
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
as_pg=()
[ "$(id -u)" = 0 ] && as_pg=(runuser -u postgres --)
port() { cat "$dir/port"; }
case $cmd in
start)
    [ -x "$PGBIN/initdb" ] || { echo "cluster.sh: PostgreSQL 15 missing (scripts/deps.sh test)" >&2; exit 1; }
    mkdir -p "$dir/data"
    chmod 755 "$dir"
    [ ${#as_pg[@]} -eq 0 ] || chown -R postgres "$dir/data"
    "${as_pg[@]}" "$PGBIN/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --no-locale \
        >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
    for _ in $(seq 1 20); do
        p=$((20000 + RANDOM % 10000))
        (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null && continue
        opts="-p $p -c listen_addresses=127.0.0.1 -c unix_socket_directories='$dir/data' \
            -c max_connections=200 -c shared_buffers=64MB"
        if "${as_pg[@]}" "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/data/log" -w -o "$opts" start \
            >/dev/null 2>&1; then
            echo "$p" >"$dir/port"
            echo "$opts" >"$dir/opts"
            exit 0
        fi
    done
    echo "cluster.sh: PostgreSQL did not start" >&2
    tail -20 "$dir/data/log" >&2 || true
    exit 1 ;;
stop)
    [ -f "$dir/data/postmaster.pid" ] && "${as_pg[@]}" "$PGBIN/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1
    rm -rf "$dir/data" "$dir/port" "$dir/opts" ;;
restart)
    "${as_pg[@]}" "$PGBIN/pg_ctl" -D "$dir/data" -m fast -w restart >/dev/null ;;
pause) # stop the server, keeping its data (resume starts it again)
    "${as_pg[@]}" "$PGBIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null ;;
resume)
    "${as_pg[@]}" "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/data/log" -w -o "$(cat "$dir/opts")" start >/dev/null ;;
crash) # stop at once, as a crash would (no checkpoint), then start and recover from the WAL
    "${as_pg[@]}" "$PGBIN/pg_ctl" -D "$dir/data" -m immediate -w restart >/dev/null ;;
uri)
    echo "postgresql://postgres@127.0.0.1:$(port)/${3:-postgres}" ;;
createdb)
    psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$(port)" -U postgres -d postgres \
        -c "CREATE DATABASE \"$3\"" ;;
*)
    echo "usage: $0 start|stop|restart|crash|pause|resume|uri|createdb DIR [NAME]" >&2; exit 2 ;;
esac
