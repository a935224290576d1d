#!/usr/bin/env bash
# Durability of check-ins: 8 concurrent client loops check in while the server is killed with
# SIGKILL mid-burst. After a restart every acknowledged visit (200/201 with its id) is in the
# database with the station and the counted flag it was acknowledged with, the 2-hour rule held
# (no two counted visits of one worker at one station closer than 2 hours), and SQLite's
# integrity check passes.
set -u
. "$(dirname "$0")/../lib.sh"
db=$CASE_TMP/crash.db
log=$CASE_TMP/server.log
start() {
    yz_serve server "$db" --threads 16 --writes-per-min 100000000 --workers-per-hour 1000000
    pid=$YZ_PID
    base=$YZ_URL
}
yz_demo "$db"
start
# 24 workers, 3 a loop; 6 stations, so that repeats (not counted) happen as well.
tokens=()
for i in $(seq 1 24); do
    t=$(curl -s -X POST "$base/api/v1/workers" | jq -r .token)
    [ -n "$t" ] && [ "$t" != null ] || { echo "no token"; exit 1; }
    tokens+=("$t")
done
codes=(WZ-GHDS WZ0153 WZ0154 WZ0200 WZ0001 WZ0002)
loop() { # N: check in until the server is gone; log "id code counted" for each acknowledgement
    local n=$1 out=$CASE_TMP/acks.$1 i=0 fails=0
    : >"$out"
    while [ $fails -lt 3 ]; do # 3 failures in a row: the server is gone
        local t=${tokens[$((n * 3 + i % 3))]} c=${codes[$(((i * 5 + n) % 6))]}
        local r
        r=$(curl -s --max-time 30 -w ' %{http_code}' -X POST "$base/api/v1/visits" \
            -H "Authorization: Bearer $t" -H 'Content-Type: application/json' \
            -d "{\"station_code\":\"$c\"}")
        case ${r##* } in
        200 | 201)
            fails=0
            if [[ $r =~ ^\{\"id\":([0-9]+),.*\"code\":\"([^\"]+)\".*\"counted\":(true|false) ]]; then
                local k=0
                [ "${BASH_REMATCH[3]}" = true ] && k=1
                echo "${BASH_REMATCH[1]} ${BASH_REMATCH[2]} $k" >>"$out"
            else
                echo "loop $n: unreadable answer: $r" >>"$CASE_TMP/unexpected"
            fi ;;
        000) fails=$((fails + 1)) ;;
        *) echo "loop $n: unexpected ${r##* }: ${r% *}" >>"$CASE_TMP/unexpected" ;;
        esac
        i=$((i + 1))
    done
}
loops=()
for n in $(seq 0 7); do
    loop "$n" &
    loops+=($!)
done
# Kill it mid-burst once the burst is meaningful (50 acknowledgements, a repeat among them),
# however long a loaded machine takes to get there (the checks below say if it never did).
for _ in $(seq 1 1200); do
    [ "$(cat "$CASE_TMP"/acks.* | grep -c .)" -ge 50 ] && grep -q ' 0$' "$CASE_TMP"/acks.* && break
    sleep 0.1
done
yz_stop "$pid" 9
wait "${loops[@]}"
[ ! -s "$CASE_TMP/unexpected" ] || { head "$CASE_TMP/unexpected"; exit 1; }
cat "$CASE_TMP"/acks.* >"$CASE_TMP/acks"
acked=$(grep -c . "$CASE_TMP/acks")
echo "acknowledged before the kill: $acked"
[ "$acked" -ge 50 ] || { echo "too few acknowledged visits for a meaningful test"; exit 1; }

# Restart: the server comes back on the same database, and takes new check-ins.
start
r=$(curl -s -w ' %{http_code}' -X POST "$base/api/v1/visits" -H "Authorization: Bearer ${tokens[0]}" \
    -H 'Content-Type: application/json' -d '{"station_code":"WZ-GHDS"}')
case ${r##* } in 200 | 201) ;; *) echo "after restart: $r"; exit 1 ;; esac
new_id=$(printf '%s' "${r% *}" | jq .id)
yz_stop "$pid"
rc=$?
[ $rc = 0 ] || { echo "server exited $rc"; tail "$log"; exit 1; }

# Every acknowledged visit is there, as acknowledged.
sqlite3 "$db" <<SQL >"$CASE_TMP/check" 2>&1
CREATE TEMP TABLE acks (id INTEGER, code TEXT, counted INTEGER);
.mode list
.separator " "
.import $CASE_TMP/acks acks
SELECT 'missing', count(*) FROM acks a LEFT JOIN visits v ON v.id = a.id
 LEFT JOIN stations s ON s.id = v.station_id
 WHERE v.id IS NULL OR s.code <> a.code OR v.counted <> a.counted;
SELECT 'dup_acks', count(*) - count(DISTINCT id) FROM acks;
SELECT 'close_counted', count(*) FROM visits a JOIN visits b ON a.id < b.id
 AND a.worker_id = b.worker_id AND a.station_id = b.station_id
 AND a.counted = 1 AND b.counted = 1 AND abs(a.at - b.at) < 7200;
SELECT 'uncounted', count(*) FROM acks WHERE counted = 0;
SELECT 'integrity', * FROM pragma_integrity_check;
SQL
cat "$CASE_TMP/check"
grep -qx 'missing 0' "$CASE_TMP/check" || { echo "acknowledged visits lost or changed"; exit 1; }
grep -qx 'dup_acks 0' "$CASE_TMP/check" || { echo "one id acknowledged twice"; exit 1; }
grep -qx 'close_counted 0' "$CASE_TMP/check" || { echo "2-hour rule broken"; exit 1; }
grep -q '^uncounted [1-9]' "$CASE_TMP/check" || { echo "no repeat was seen: the burst is too thin"; exit 1; }
grep -qx 'integrity ok' "$CASE_TMP/check" || { echo "integrity check failed"; exit 1; }
max_acked=$(sort -n "$CASE_TMP/acks" | tail -1 | cut -d' ' -f1)
[ "$new_id" -gt "$max_acked" ] || { echo "new id $new_id not after $max_acked"; exit 1; }
exit 0
