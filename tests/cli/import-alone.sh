# tests/cli/import-alone.sh - sourced by run-cli.sh (its check, $bin, $tmp): `yizhan import`
# into a new store holds it alone with a rollback journal (docs/internals/store.md, "A streamed
# load"): WAL again after the load; a server started meanwhile is told the store is busy and
# changes nothing; a kill -9 in the middle of the load leaves the store as it was before it
# (integrity_check ok, none of the file's stations or districts), and it opens in WAL again.
alone_n=100000 # rows enough for the load to last seconds under the sanitizers
awk -v n=$alone_n -v h="$hdr" 'BEGIN { print h; for (i = 0; i < n; i++) { c = (i * 7919) % n;
    printf "L-%06d,负载驿站 %d,负载路 %d 号,339998,负载区,%.5f,120.7,,basic,community,,toilet,Mo-Su 08:00-20:00,open,,10,true,\n",
        c, c, c, 27 + i / n } }' >"$tmp/alone.csv"
adb=$tmp/alone.db
aq() { sqlite3 "$adb" "$1"; }
wait_journal() { # until the load has written (its journal is there), at most 60 s
    local i
    for i in $(seq 1 3000); do [ -e "$adb-journal" ] && return 0; sleep 0.02; done
    return 1
}

# a server started on the store during the load: refused, busy, the load goes on
rm -f "$adb"*
"$bin" import --timings --db "$adb" "$tmp/alone.csv" >"$tmp/alone.out" 2>"$tmp/alone.err" &
apid=$!
check "alone: the load writes with a rollback journal" wait_journal
kill -STOP "$apid" # held in the middle of its load, whatever the machine's speed
refuse "alone: a server on the store during the load" timeout 60 "$bin" serve --db "$adb" --bind 127.0.0.1 --port 0
check "alone: the server is told the store is busy" grep -q "database is locked" "$tmp/out"
refuse "alone: a sqlite3 reader during the load" sqlite3 "$adb" "SELECT count(*) FROM stations"
check "alone: the reader is told the store is busy" grep -q "database is locked" "$tmp/out"
kill -CONT "$apid"
check "alone: the load ends well" wait "$apid"
check "alone: the timings say the store was held alone" grep -q "store held alone, rollback journal" "$tmp/alone.err"
check "alone: every row loaded" test "$(aq "SELECT count(*) FROM stations")" = "$alone_n"
check "alone: WAL again after the load" test "$(aq "PRAGMA journal_mode")" = wal
check "alone: no journal left" test ! -e "$adb-journal"
check "alone: the unique code index built after the rows" test "$(aq "SELECT count(*) FROM sqlite_master WHERE name = 'stations_code'")" = 1
check "alone: integrity" test "$(aq "PRAGMA integrity_check")" = ok
check "alone: a second load of the file upserts (WAL)" "$bin" import --timings --db "$adb" "$tmp/alone.csv"
check "alone: all updated" grep -q "0 新建 created, $alone_n 更新 updated" "$tmp/out"
check "alone: not held alone into a filled store" sh -c "! grep -q 'held alone' '$tmp/out'"

# kill -9 in the middle of the load: the store as before it
rm -f "$adb"*
check "alone: a store with one station" "$bin" import --db "$adb" "$tmp/good.csv"
sqlite3 "$adb" "DELETE FROM stations" # empty again, its districts kept
before=$(aq "SELECT count(*) FROM districts")
"$bin" import --db "$adb" "$tmp/alone.csv" >/dev/null 2>&1 &
apid=$!
check "alone: the load writes with a rollback journal (2)" wait_journal
kill -STOP "$apid"
check "alone: still in the middle of the load" test -e "$adb-journal"
kill -9 "$apid"
wait "$apid" 2>/dev/null
check "alone: integrity after kill -9" test "$(aq "PRAGMA integrity_check")" = ok
check "alone: no station after kill -9" test "$(aq "SELECT count(*) FROM stations")" = 0
check "alone: no district of the file after kill -9" test "$(aq "SELECT count(*) FROM districts")" = "$before"
check "alone: the store opens after kill -9" "$bin" export --db "$adb" --format csv --out "$tmp/alone-out.csv"
check "alone: WAL again once opened" test "$(aq "PRAGMA journal_mode")" = wal
check "alone: a load after the crash" "$bin" import --db "$adb" "$tmp/alone.csv"
check "alone: every row loaded after the crash" test "$(aq "SELECT count(*) FROM stations")" = "$alone_n"
