# tests/lib.sh - what the shell tests share (bash; source it, do not run it):
#   yz_demo DB                    the demo city into DB (SQLite file or PostgreSQL URI)
#   yz_serve NAME DB [OPTION...]  `$YZ_BIN serve` on DB, 127.0.0.1 and a free port; waits until it
#                                 listens. Sets YZ_PID and YZ_URL (http://127.0.0.1:PORT) and
#                                 YZ_PORT. Its stderr goes to $YZ_LOGS/NAME.log (appended), so a
#                                 restart under the same NAME keeps one log. A later --port PORT
#                                 among the options restarts it on the port it had.
#   yz_stop PID [SIGNAL]          signal the server (TERM by default), wait for it; returns its
#                                 exit status. Servers still running at exit are killed (-9).
#   yz_fail TEXT...               print FAIL: TEXT and exit 1
#   yz_jq FILE EXPR [TEXT]        EXPR (jq) must be true on FILE, or yz_fail TEXT
# Needs YZ_BIN (the yizhan binary). YZ_LOGS defaults to $CASE_TMP, else a temporary folder that
# is removed at exit. A script that sets its own EXIT trap calls yz_cleanup from it. Safe under
# `set -eu`.

YZ_LOGS=${YZ_LOGS:-${CASE_TMP:-}}
yz__own_logs=
if [ -z "$YZ_LOGS" ]; then
    YZ_LOGS=$(mktemp -d)
    yz__own_logs=$YZ_LOGS
fi
yz__pids=()

yz_cleanup() {
    local p
    for p in "${yz__pids[@]}"; do
        kill -9 "$p" 2>/dev/null || true
        wait "$p" 2>/dev/null || true
    done
    yz__pids=()
    if [ -n "$yz__own_logs" ]; then rm -rf "$yz__own_logs"; fi
    return 0
}
trap yz_cleanup EXIT

yz_fail() {
    echo "FAIL: $*"
    exit 1
}

yz_demo() {
    "$YZ_BIN" demo --db "$1" >>"$YZ_LOGS/demo.log" 2>&1 || { cat "$YZ_LOGS/demo.log"; yz_fail "demo on $1"; }
}

yz_serve() {
    local name=$1 db=$2
    shift 2
    local pf=$YZ_LOGS/$name.port
    rm -f "$pf"
    "$YZ_BIN" serve --db "$db" --bind 127.0.0.1 --port 0 --port-file "$pf" "$@" \
        2>>"$YZ_LOGS/$name.log" &
    YZ_PID=$!
    yz__pids+=("$YZ_PID")
    local _
    for _ in $(seq 1 300); do
        [ -s "$pf" ] && break
        kill -0 "$YZ_PID" 2>/dev/null || break
        sleep 0.05
    done
    [ -s "$pf" ] || { tail -20 "$YZ_LOGS/$name.log"; yz_fail "server $name did not start"; }
    YZ_PORT=$(cat "$pf")
    YZ_URL=http://127.0.0.1:$YZ_PORT
}

yz_stop() {
    local pid=$1 sig=${2:-TERM} rc=0 p keep=()
    kill -"$sig" "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || rc=$?
    for p in "${yz__pids[@]}"; do [ "$p" = "$pid" ] || keep+=("$p"); done
    yz__pids=("${keep[@]}")
    return $rc
}

yz_jq() {
    jq -e "$2" "$1" >/dev/null 2>&1 || yz_fail "${3:-$2}: $(head -c 300 "$1")"
}
