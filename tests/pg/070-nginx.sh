#!/usr/bin/env bash
# nginx (Debian) in front of two yizhan nodes on one PostgreSQL database, with the shipped
# docs/deploy/nginx/yizhan.conf (only its upstream addresses and listen port replaced).
# 4 clients search and 4 check in through nginx without pause; node A is SIGKILLed mid-burst
# and restarted 4 s later. Then: searches kept being answered while A was down (nginx tries
# the other node), every acknowledged check-in is stored exactly once, a check-in answered
# with an error is stored at most once (nginx never sent it twice), and A serves through nginx
# again. The client address: the nodes take X-Real-IP from nginx (--trusted-proxies), and
# ignore it from anyone else. Prints requests answered and lost while A was down.
set -u
export YIZHAN_ADMIN_TOKEN=pg-nginx-$$
here=$(cd "$(dirname "$0")" && pwd)
conf_src=$here/../../docs/deploy/nginx/yizhan.conf
. "$here/../lib.sh"
declare -A pid
loops=()
ngx_pid=
cleanup() {
    for p in "${loops[@]}"; do kill "$p" 2>/dev/null; done
    [ -n "$ngx_pid" ] && kill "$ngx_pid" 2>/dev/null && wait "$ngx_pid" 2>/dev/null
    yz_cleanup
}
trap cleanup EXIT
command -v nginx >/dev/null || command -v /usr/sbin/nginx >/dev/null ||
    yz_fail "nginx missing (scripts/deps.sh test)"
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
start() { # node [port]
    yz_serve "$1" "$YZ_DB" --threads 8 --writes-per-min 100000000 --workers-per-hour 1000000 \
        --trusted-proxies 127.0.0.1 --conns-per-addr 0 ${2:+--port "$2"}
    pid[$1]=$YZ_PID
}
psqlq() { psql -X -q -At -v ON_ERROR_STOP=1 "$YZ_DB" -c "$1"; }
yz_demo "$YZ_DB"
start A
start B
portA=$(cat "$CASE_TMP/A.port")
portB=$(cat "$CASE_TMP/B.port")

# nginx as the current user, with a prefix, temp folders, pid and logs of its own.
ng=$CASE_TMP/nginx
mkdir -p "$ng/logs" "$ng/tmp"
for _ in $(seq 1 20); do
    port=$((30000 + RANDOM % 10000))
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || break
done
sed -e "0,/server 10\.0\.0\.11:8080 /s//server 127.0.0.1:$portA /" \
    -e "0,/server 10\.0\.0\.12:8080 /s//server 127.0.0.1:$portB /" \
    -e "s/^    listen 80;/    listen 127.0.0.1:$port;/" "$conf_src" >"$ng/yizhan.conf"
# exactly three lines changed: the two nodes and the port
[ "$(diff "$conf_src" "$ng/yizhan.conf" | grep -c '^>')" = 3 ] ||
    { diff "$conf_src" "$ng/yizhan.conf"; yz_fail "the shipped config did not take the substitutions"; }
{
    [ "$(id -u)" = 0 ] && echo "user root;" # as the current user (root's workers would be nobody)
    echo "worker_processes 1;"
    echo "pid $ng/nginx.pid;"
    echo "error_log $ng/logs/error.log warn;"
    echo "events { worker_connections 1024; }"
    echo "http {"
    echo "    access_log $ng/logs/access.log;"
    for t in client_body proxy fastcgi uwsgi scgi; do echo "    ${t}_temp_path $ng/tmp/$t;"; done
    echo "    include $ng/yizhan.conf;"
    echo "}"
} >"$ng/nginx.conf"
"$NGINX" -t -p "$ng" -c "$ng/nginx.conf" >"$ng/t.log" 2>&1 || { cat "$ng/t.log"; yz_fail "nginx -t"; }
"$NGINX" -p "$ng" -c "$ng/nginx.conf" -g 'daemon off;' 2>>"$ng/logs/stderr.log" &
ngx_pid=$!
N=http://127.0.0.1:$port
for _ in $(seq 1 100); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "$N/healthz")" = 200 ] && break
    sleep 0.05
done
[ "$(curl -s "$N/healthz" | jq -r .status)" = ok ] || { cat "$ng/logs/"*; yz_fail "nginx does not answer"; }
first=$(psqlq "SELECT coalesce(max(id), 0) FROM visits")

# The burst. Every line: time, status, then for a check-in the station code and the id.
tokens=()
for n in 0 1 2 3; do
    t=$(curl -s -X POST "$N/api/v1/workers" | jq -r .token)
    [ -n "$t" ] && [ "$t" != null ] || yz_fail "no worker token"
    tokens+=("$t")
done
end=$((SECONDS + 12))
search() { # N
    local n=$1 i=0 r out=$CASE_TMP/search.$1
    : >"$out"
    while [ $SECONDS -lt $end ]; do
        r=$(curl -s -o /dev/null --max-time 10 -w '%{http_code}' \
            "$N/api/v1/stations/nearby?lat=28.0$((i % 10))&lon=120.6$(((i + n) % 10))&k=5&fields=code,distance_m")
        echo "$EPOCHREALTIME $r" >>"$out"
        i=$((i + 1))
    done
}
checkin() { # N: worker N checks in at a station of its own each time (never the same twice)
    local n=$1 i=0 r code out=$CASE_TMP/checkin.$1
    : >"$out"
    while [ $SECONDS -lt $end ] && [ $i -lt 200 ]; do
        code=WZ$(printf %04d $((n * 200 + i + 1)))
        r=$(curl -s --max-time 10 -w ' %{http_code}' -X POST "$N/api/v1/visits" \
            -H "Authorization: Bearer ${tokens[$n]}" -H 'Content-Type: application/json' \
            -d "{\"station_code\":\"$code\"}")
        if [[ ${r##* } =~ ^20[01]$ && $r =~ ^\{\"id\":([0-9]+), ]]; then
            echo "$EPOCHREALTIME ${r##* } $code ${BASH_REMATCH[1]}" >>"$out"
        else
            echo "$EPOCHREALTIME ${r##* } $code -" >>"$out"
        fi
        i=$((i + 1))
    done
}
for n in 0 1 2 3; do
    search "$n" &
    loops+=($!)
    checkin "$n" &
    loops+=($!)
done
sleep 3
killed=$EPOCHREALTIME
yz_stop "${pid[A]}" 9
echo "node A killed"
sleep 4
start A "$portA"
back=$EPOCHREALTIME
echo "node A restarted"
for p in "${loops[@]}"; do wait "$p"; done
loops=()

# The figures: all answers, and those given while A was down.
during() { awk -v a="$killed" -v b="$back" '$1 >= a && $1 < b' "$@"; }
s_all=$(cat "$CASE_TMP"/search.* | wc -l)
s_ok=$(cat "$CASE_TMP"/search.* | awk '$2 == 200' | wc -l)
s_down=$(during "$CASE_TMP"/search.* | wc -l)
s_down_ok=$(during "$CASE_TMP"/search.* | awk '$2 == 200' | wc -l)
c_all=$(cat "$CASE_TMP"/checkin.* | wc -l)
c_ok=$(cat "$CASE_TMP"/checkin.* | awk '$4 != "-"' | wc -l)
c_down=$(during "$CASE_TMP"/checkin.* | wc -l)
c_down_ok=$(during "$CASE_TMP"/checkin.* | awk '$4 != "-"' | wc -l)
# lost: no answer or a 5xx (a 409 is a station not in service: an answer, not a loss)
c_down_lost=$(during "$CASE_TMP"/checkin.* | awk '$2 == "000" || $2 >= 500' | wc -l)
echo "searches: $s_ok of $s_all answered; while A was down: $s_down_ok of $s_down"
echo "check-ins: $c_ok of $c_all acknowledged; while A was down: $c_down_ok of $c_down, $c_down_lost lost"
[ "$s_down" -ge 20 ] && [ "$c_down" -ge 10 ] || yz_fail "too few requests while A was down"
[ "$s_ok" = "$s_all" ] || {
    cat "$CASE_TMP"/search.* | awk '$2 != 200' | sort | uniq -c -f1 | head
    yz_fail "$((s_all - s_ok)) searches failed: nginx should have tried the other node"
}
[ "$c_ok" -ge $((c_all / 2)) ] || yz_fail "only $c_ok of $c_all check-ins acknowledged"
cat "$CASE_TMP"/checkin.* | awk '$2 != 201 && $2 != 200 { print $2 }' | sort | uniq -c |
    sed 's/^/check-in errors: /'

# The database: every acknowledged check-in once, with its station; nothing twice.
cat "$CASE_TMP"/checkin.* | awk '$4 != "-" { print $4, $3 }' | sort >"$CASE_TMP/acked"
psqlq "SELECT v.id || ' ' || s.code FROM visits v JOIN stations s ON s.id = v.station_id
       WHERE v.id > $first" | sort >"$CASE_TMP/stored"
missing=$(comm -23 "$CASE_TMP/acked" "$CASE_TMP/stored" | wc -l)
[ "$missing" = 0 ] || { comm -23 "$CASE_TMP/acked" "$CASE_TMP/stored" | head; yz_fail "$missing acknowledged check-ins not stored"; }
twice=$(psqlq "SELECT count(*) FROM (SELECT 1 FROM visits WHERE id > $first
               GROUP BY worker_id, station_id HAVING count(*) > 1) t")
[ "$twice" = 0 ] || yz_fail "$twice check-ins stored twice"
stored=$(wc -l <"$CASE_TMP/stored")
unacked=$((stored - c_ok))
[ "$unacked" -ge 0 ] && [ "$unacked" -le $((c_all - c_ok)) ] ||
    yz_fail "$stored stored for $c_ok acknowledged and $((c_all - c_ok)) errors"

# A rejoins: requests through nginx reach it again (its own counters, fresh since the restart).
a_served() {
    curl -s -o /dev/null "$N/api/v1/stations/nearby?lat=28.0&lon=120.65&k=3"
    curl -s "http://127.0.0.1:$portA/metrics" | grep -q '^yizhan_http_requests_total{route="[a-z_]*nearby[a-z_]*",code="2xx"} [1-9]'
}
t0=$SECONDS
until a_served; do
    [ $((SECONDS - t0)) -ge 20 ] && yz_fail "the restarted node A gets nothing through nginx"
    sleep 0.1
done
echo "node A serves through nginx again after $((SECONDS - t0)) s"

# The client address. Through nginx, a client's own X-Real-IP is overwritten with its address
# (127.0.0.2 here); straight to a node from an untrusted peer the header is ignored; from the
# trusted proxy's address it is taken. Failed logins are audited with the address.
login() { # LOGIN URL [CURL OPTION...]
    local l=$1 u=$2
    shift 2
    curl -s -o /dev/null "$@" -X POST "$u/api/v1/session" -H 'Content-Type: application/json' \
        -d "{\"login\":\"$l\",\"password\":\"wrong-password\"}"
}
login via-nginx "$N" --interface 127.0.0.2 -H 'X-Real-IP: 203.0.113.9'
login direct-untrusted "http://127.0.0.1:$portB" --interface 127.0.0.2 -H 'X-Real-IP: 203.0.113.9'
login direct-trusted "http://127.0.0.1:$portB" -H 'X-Real-IP: 198.51.100.7'
login direct-bad-header "http://127.0.0.1:$portB" -H 'X-Real-IP: not-an-address'
got=$(psqlq "SELECT login || '=' || addr FROM audit WHERE action = 'session_create' ORDER BY login" | tr '\n' ' ')
want="direct-bad-header=127.0.0.1 direct-trusted=198.51.100.7 direct-untrusted=127.0.0.2 via-nginx=127.0.0.2 "
[ "$got" = "$want" ] || yz_fail "client addresses: got '$got', want '$want'"

kill "$ngx_pid"
wait "$ngx_pid" 2>/dev/null
ngx_pid=
for n in A B; do
    yz_stop "${pid[$n]}" || yz_fail "node $n exited with $? after SIGTERM"
done
grep -h "Sanitizer\|runtime error:" "$CASE_TMP"/*.log && yz_fail "sanitizer report"
echo "ok (while A was down: $s_down_ok of $s_down searches answered, $((s_down - s_down_ok)) lost;" \
    "$c_down_ok of $c_down check-ins acknowledged, $c_down_lost lost; $c_ok acknowledged" \
    "check-ins all stored once, $unacked stored but answered with an error)"
