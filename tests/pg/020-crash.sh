#!/usr/bin/env bash
# Durability on PostgreSQL: 8 client loops check in through two nodes while node A is killed
# with SIGKILL and PostgreSQL itself crashes (an immediate stop: no checkpoint, recovery from
# the WAL). Afterwards every acknowledged visit is in the database with the counted flag it
# was acknowledged with, the 2-hour rule held across both nodes (no worker has two counted
# visits at one station less than 2 hours apart), and nothing is there that was not asked for.
set -u
export YIZHAN_ADMIN_TOKEN=pg-crash-$$
declare -A pid
loops=()
. "$(dirname "$0")/../lib.sh"
cleanup() {
    for p in "${loops[@]}"; do kill "$p" 2>/dev/null; done
    yz_cleanup
}
trap cleanup EXIT
start() { # node [port]
    yz_serve "$1" "$YZ_DB" --threads 8 --writes-per-min 100000000 --workers-per-hour 1000000 ${2:+--port "$2"}
    pid[$1]=$YZ_PID
}
psqlq() { psql -X -q -At -v ON_ERROR_STOP=1 "$YZ_DB" -c "$1"; }
yz_demo "$YZ_DB"
start A
start B
portA=$(cat "$CASE_TMP/A.port")
portB=$(cat "$CASE_TMP/B.port")
tokens=()
for i in $(seq 1 16); do
    t=$(curl -s -X POST "http://127.0.0.1:$portB/api/v1/workers" | jq -r .token)
    [ -n "$t" ] && [ "$t" != null ] || { echo "no token"; exit 1; }
    tokens+=("$t")
done
codes=(WZ-GHDS WZ0153 WZ0154 WZ0200 WZ0001)
# The loops run until told to stop: 14 s at least, and on a loaded machine until 100 visits
# have been acknowledged (at most 60 s), so the check below always has something to check.
start_s=$SECONDS
loop() { # N: alternate nodes; log "id code counted" for every acknowledgement
    local n=$1 i=0 out=$CASE_TMP/acks.$1 r port
    : >"$out"
    while [ ! -e "$CASE_TMP/stop" ]; do
        port=$portA
        [ $(((i + n) % 2)) = 0 ] && port=$portB
        r=$(curl -s --max-time 5 -w ' %{http_code}' -X POST "http://127.0.0.1:$port/api/v1/visits" \
            -H "Authorization: Bearer ${tokens[$((n * 2 + i % 2))]}" -H 'Content-Type: application/json' \
            -d "{\"station_code\":\"${codes[$(((i * 3 + n) % 5))]}\"}")
        case ${r##* } in
        200 | 201)
            [[ $r =~ ^\{\"id\":([0-9]+),.*\"counted\":(true|false) ]] &&
                echo "${BASH_REMATCH[1]} $([ "${BASH_REMATCH[2]}" = true ] && echo 1 || echo 0)" >>"$out" ;;
        *) sleep 0.02 ;; # a node or the database is down: try again
        esac
        i=$((i + 1))
    done
}
for n in $(seq 0 7); do
    loop "$n" &
    loops+=($!)
done
sleep 3
yz_stop "${pid[A]}" 9
echo "node A killed"
sleep 2
"$(dirname "$0")/cluster.sh" crash "$PG_CLUSTER" || { echo "crash restart failed"; exit 1; }
echo "PostgreSQL crashed and recovered"
start A "$portA"
while [ $((SECONDS - start_s)) -lt 14 ] ||
    { [ "$(cat "$CASE_TMP"/acks.* | wc -l)" -le 100 ] && [ $((SECONDS - start_s)) -lt 60 ]; }; do
    sleep 0.5
done
touch "$CASE_TMP/stop"
for p in "${loops[@]}"; do wait "$p"; done
loops=()
cat "$CASE_TMP"/acks.* | sort >"$CASE_TMP/acked"
acked=$(wc -l <"$CASE_TMP/acked")
[ "$acked" -gt 100 ] || { echo "only $acked visits acknowledged"; exit 1; }
psqlq "SELECT id || ' ' || counted FROM visits" | sort >"$CASE_TMP/stored"
missing=$(comm -23 "$CASE_TMP/acked" "$CASE_TMP/stored" | wc -l)
[ "$missing" = 0 ] || { echo "$missing acknowledged visits missing or with another counted flag"; comm -23 "$CASE_TMP/acked" "$CASE_TMP/stored" | head; exit 1; }
extra=$(( $(wc -l <"$CASE_TMP/stored") - acked ))
close=$(psqlq "SELECT count(*) FROM visits a JOIN visits b ON a.worker_id = b.worker_id
    AND a.station_id = b.station_id AND a.id < b.id AND a.counted = 1 AND b.counted = 1
    AND abs(a.at - b.at) < 7200")
[ "$close" = 0 ] || { echo "$close pairs of counted visits closer than 2 hours"; exit 1; }
# Both nodes still serve, and still write, after all that (a node whose connections died in
# the crash must not keep failing).
for n in A B; do
    u="http://127.0.0.1:$(cat "$CASE_TMP/$n.port")"
    st=$(curl -s -o /dev/null -w '%{http_code}' "$u/api/v1/stations/WZ-GHDS")
    [ "$st" = 200 ] || { echo "node $n answers $st after recovery"; exit 1; }
    t=$(curl -s -X POST "$u/api/v1/workers" | jq -r .token)
    st=$(curl -s -o "$CASE_TMP/v" -w '%{http_code}' -X POST "$u/api/v1/visits" -H "Authorization: Bearer $t" \
        -H 'Content-Type: application/json' -d '{"station_code":"WZ0010"}')
    [ "$st" = 201 ] || { echo "node $n cannot check in after recovery: $st $(cat "$CASE_TMP/v")"; exit 1; }
    st=$(curl -s -o "$CASE_TMP/v" -w '%{http_code}' -X POST "$u/api/v1/stations/WZ0010/ratings" \
        -H "Authorization: Bearer $t" -H 'Content-Type: application/json' -d '{"stars":5}')
    [ "$st" = 201 ] || { echo "node $n cannot rate after recovery: $st $(cat "$CASE_TMP/v")"; exit 1; }
done
for n in A B; do
    yz_stop "${pid[$n]}" || { echo "node $n exited with $? after SIGTERM"; tail -20 "$CASE_TMP/$n.log"; exit 1; }
    unset "pid[$n]"
done
grep -h "Sanitizer\|runtime error:" "$CASE_TMP"/*.log && { echo "sanitizer report"; exit 1; }
echo "ok ($acked acknowledged visits all stored, $extra stored but unacknowledged (answers lost in the crashes), 0 broken 2-hour rules)"
