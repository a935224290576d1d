#!/usr/bin/env bash
# A damaged write-ahead log is not dropped silently (issue 10, item 12). 30 workers are created
# through the API (each acknowledged: 201), the server is killed with SIGKILL (nothing is
# checkpointed: 30 small transactions stay far under wal_autocheckpoint's 1,000 pages), and 4
# bytes are flipped in a frame in the middle of the WAL. SQLite's recovery keeps only the frames
# before it, so the restarted server must say so: an error line in the log naming the frames
# dropped and what to do, a copy of the damaged WAL kept next to the database before recovery
# rewrote it, /healthz "degraded" with a reason, and the count on /metrics. The same run
# without the flip reports nothing.
set -u
. "$(dirname "$0")/../lib.sh"

run() { # NAME FLIP(0|1): a fresh database, 30 acknowledged workers, SIGKILL, maybe a flip, restart
    local name=$1 flip=$2
    db=$CASE_TMP/$name.db
    yz_demo "$db"
    yz_serve "$name" "$db" --writes-per-min 1000000 --workers-per-hour 1000000
    local acked=0 i c
    for i in $(seq 1 30); do
        c=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$YZ_URL/api/v1/workers")
        [ "$c" = 201 ] && acked=$((acked + 1))
    done
    [ $acked = 30 ] || yz_fail "$name: only $acked of 30 workers acknowledged"
    yz_stop "$YZ_PID" 9 || true
    [ -s "$db-wal" ] || yz_fail "$name: no WAL left after SIGKILL"
    local psize frames
    psize=$(od -An -tu1 -j8 -N4 "$db-wal" | awk '{ print $1 * 16777216 + $2 * 65536 + $3 * 256 + $4 }')
    frames=$((($(stat -c %s "$db-wal") - 32) / (24 + psize)))
    echo "$name: WAL of $frames frames of $psize bytes"
    [ "$frames" -ge 30 ] || yz_fail "$name: only $frames frames in the WAL"
    if [ "$flip" = 1 ]; then
        # 4 bytes in the page of the middle frame, past its 24-byte header.
        local off=$((32 + (frames / 2) * (24 + psize) + 24 + 100)) b
        b=$(od -An -tx1 -j$off -N4 "$db-wal" | tr -d ' \n')
        printf "$(printf '%08x' $((0x$b ^ 0xffffffff)) | sed 's/../\\x&/g')" |
            dd of="$db-wal" bs=1 seek=$off conv=notrunc status=none
    fi
    cp "$db-wal" "$CASE_TMP/$name.wal-before"
    yz_serve "$name" "$db" --writes-per-min 1000000 --workers-per-hour 1000000
    curl -s -D "$CASE_TMP/$name.hh" -o "$CASE_TMP/$name.health" "$YZ_URL/healthz"
    curl -s -o "$CASE_TMP/$name.metrics" "$YZ_URL/metrics"
    workers=$(sqlite3 "$db" 'SELECT count(*) FROM workers')
    echo "$name: $workers workers of 30 acknowledged; /healthz $(cat "$CASE_TMP/$name.health")"
    # The restarted server writes, and is killed again.
    c=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$YZ_URL/api/v1/workers")
    [ "$c" = 201 ] || yz_fail "$name: a write after the restart: $c"
    yz_stop "$YZ_PID" 9 || true
}

# Clean SIGKILL: recovery keeps every frame, and nothing is reported.
run clean 0
[ "$workers" = 30 ] || yz_fail "clean: $workers of 30 acknowledged workers after the restart"
yz_jq "$CASE_TMP/clean.health" '.status == "ok" and .store == "sqlite" and (has("reason") | not)' \
    "clean: /healthz"
grep -q '^HTTP/1.1 200' "$CASE_TMP/clean.hh" || yz_fail "clean: /healthz status $(head -1 "$CASE_TMP/clean.hh")"
grep -qx 'yizhan_store_wal_frames_dropped 0' "$CASE_TMP/clean.metrics" ||
    yz_fail "clean: yizhan_store_wal_frames_dropped is not 0"
grep -qx 'yizhan_store_degraded 0' "$CASE_TMP/clean.metrics" || yz_fail "clean: yizhan_store_degraded is not 0"
! grep -q ' error ' "$YZ_LOGS/clean.log" || yz_fail "clean: an error line: $(grep ' error ' "$YZ_LOGS/clean.log")"
! ls "$CASE_TMP"/clean.db-wal.damaged-* >/dev/null 2>&1 || yz_fail "clean: a damaged copy was kept"

# Flipped: frames past the damage are lost, and that is said loudly.
run flipped 1
[ "$workers" -lt 30 ] || yz_fail "flipped: all 30 workers survived: the flip missed the WAL's frames"
line=$(grep ' error .*WAL' "$YZ_LOGS/flipped.log") ||
    yz_fail "flipped: no error line about the WAL: $(tail -5 "$YZ_LOGS/flipped.log")"
echo "log: $line"
[[ $line =~ dropped\ ([0-9]+)\ frames ]] || yz_fail "flipped: the line does not say how many frames"
dropped=${BASH_REMATCH[1]}
[ "$dropped" -gt 0 ] || yz_fail "flipped: $dropped frames dropped"
[[ $line =~ backup ]] || yz_fail "flipped: the line does not say what to do"
# Each worker is one transaction: the commits dropped are the workers lost.
[[ $line =~ \ ([0-9]+)\ commits ]] || yz_fail "flipped: the line does not count the commits"
[ "${BASH_REMATCH[1]}" = $((30 - workers)) ] ||
    yz_fail "flipped: ${BASH_REMATCH[1]} commits dropped, but $((30 - workers)) workers lost"
kept=$(ls "$CASE_TMP"/flipped.db-wal.damaged-* 2>/dev/null | head -1)
[ -n "$kept" ] || yz_fail "flipped: no copy of the damaged WAL next to the database"
cmp -s "$kept" "$CASE_TMP/flipped.wal-before" || yz_fail "flipped: $kept is not the damaged WAL"
grep -qF "$(basename "$kept")" <<<"$line" || yz_fail "flipped: the line does not name the copy"
yz_jq "$CASE_TMP/flipped.health" '.status == "degraded" and .store == "sqlite" and .stations > 0
    and (.reason | test("WAL")) and (.reason_en | test("WAL"))' "flipped: /healthz"
grep -q '^HTTP/1.1 200' "$CASE_TMP/flipped.hh" || yz_fail "flipped: /healthz status $(head -1 "$CASE_TMP/flipped.hh")"
grep -qx "yizhan_store_wal_frames_dropped $dropped" "$CASE_TMP/flipped.metrics" ||
    yz_fail "flipped: yizhan_store_wal_frames_dropped is not $dropped"
grep -qx 'yizhan_store_degraded 1' "$CASE_TMP/flipped.metrics" || yz_fail "flipped: yizhan_store_degraded is not 1"

# Killed again after writing on what was recovered: the next start finds no new damage (the
# leftovers of the damaged WAL were checkpointed away), but stays degraded while the copy is
# there, so a restart by a supervisor does not hide the alarm.
yz_serve flipped "$db" --writes-per-min 1000000 --workers-per-hour 1000000
curl -s -o "$CASE_TMP/again.health" "$YZ_URL/healthz"
curl -s -o "$CASE_TMP/again.metrics" "$YZ_URL/metrics"
yz_stop "$YZ_PID" || yz_fail "again: the server did not stop cleanly"
[ "$(ls "$CASE_TMP"/flipped.db-wal.damaged-* | wc -l)" = 1 ] ||
    yz_fail "again: another copy was kept: $(ls "$CASE_TMP"/flipped.db-wal.damaged-*)"
[ "$(grep -c 'was damaged: recovery dropped' "$YZ_LOGS/flipped.log")" = 1 ] ||
    yz_fail "again: the damage was reported a second time"
yz_jq "$CASE_TMP/again.health" ".status == \"degraded\" and (.reason_en | contains(\"$(basename "$kept")\"))" \
    "again: /healthz"
grep -qx 'yizhan_store_degraded 1' "$CASE_TMP/again.metrics" || yz_fail "again: not degraded on /metrics"
grep -qx 'yizhan_store_wal_frames_dropped 0' "$CASE_TMP/again.metrics" ||
    yz_fail "again: frames dropped at this start"
# Once the operator has moved the copy away, the store is healthy again.
mv "$kept" "$CASE_TMP/handled.wal"
yz_serve flipped "$db" --writes-per-min 1000000 --workers-per-hour 1000000
curl -s -o "$CASE_TMP/after.health" "$YZ_URL/healthz"
yz_stop "$YZ_PID" || yz_fail "after: the server did not stop cleanly"
yz_jq "$CASE_TMP/after.health" '.status == "ok"' "after the copy was moved: /healthz"
exit 0
