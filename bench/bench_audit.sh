#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench/bench_audit.sh YIZHAN BENCH_AUDIT - issue 11's audit figures, on SQLite (the demo city):
# 1. What the audit entry adds to a station edit. There is no switch that turns the audit log
#    off (and there must not be one), so the entry is timed alone: rounds alternate
#    AUDIT_EDITS PATCHes of a station over HTTP (curl's time_total, admin token, If-Match; each
#    writes its entry) with AUDIT_EDITS yz_store_audit_append calls of the same entry (the
#    station's JSON as before and after) by bench_audit on the same database file. The share
#    is append / (edit - append), medians of all rounds; target <= 10%.
# 2. Filtering a year of edits: AUDIT_ENTRIES entries (40 users, the demo's districts, 850
#    stations, spread evenly through 2026 - one every 315 s at 100,000 -, 1 in 20 refused;
#    before and after those of the last real PATCH's entry) made by one INSERT ... SELECT, then
#    GET /api/v1/audit with each filter AUDIT_REPEAT times (page of 50 unless said), median
#    and max of time_total; target < 50 ms.
# The targets are printed, never judged (a slow machine passes). What fails: the server not
# starting or not exiting cleanly on SIGTERM, a PATCH or GET not answered 200, bench_audit
# failing, an entry missing (one a PATCH and one an append, no entry lost in /metrics, all the
# inserted rows), or a filter's page not the entries the same filter selects by plain SQL
# (the same ids in the same order: the store's id bounds and indexes are a shortcut of it).
# Run: make -C bench audit
# Env: AUDIT_EDITS (100 a round), AUDIT_ROUNDS (3), AUDIT_REPEAT (7), AUDIT_ENTRIES (100000).
# Quick mode (make test, a few seconds): AUDIT_EDITS=5 AUDIT_ROUNDS=1 AUDIT_REPEAT=1
#   AUDIT_ENTRIES=5000.
set -eu
yizhan=$1
appender=$2
edits=${AUDIT_EDITS:-100}
rounds=${AUDIT_ROUNDS:-3}
repeat=${AUDIT_REPEAT:-7}
nentries=${AUDIT_ENTRIES:-100000}
if [ "$nentries" -lt 1 ] || [ "$nentries" -gt 31500000 ]; then
    echo "AUDIT_ENTRIES: 1 to 31,500,000 (one a second at most)"
    exit 2
fi
tmp=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT
token=bench-audit-admin-token-0123456789
db=$tmp/a.db

"$yizhan" demo --db "$db" >/dev/null
YIZHAN_ADMIN_TOKEN=$token "$yizhan" serve --db "$db" --bind 127.0.0.1 --port 0 \
    --port-file "$tmp/port" --writes-per-min 100000000 2>"$tmp/yizhan.log" &
pid=$!
for _ in $(seq 1 100); do [ -s "$tmp/port" ] && break; sleep 0.05; done
[ -s "$tmp/port" ] || { echo "server did not start"; tail "$tmp/yizhan.log"; exit 1; }
base="http://127.0.0.1:$(cat "$tmp/port")"
auth="Authorization: Bearer $token"

med() { sort -n | awk '{ a[NR] = $1 } END { printf "%.3f", a[int((NR + 1) / 2)] }'; }
mx() { sort -n | tail -1 | awk '{ printf "%.3f", $1 }'; }

# --- 1. a station edit and its entry --------------------------------------------------------
sid=1
curl -sf "$base/api/v1/stations/$sid" >"$tmp/station.json"
v=$(jq -r .version "$tmp/station.json")
entries0=$(sqlite3 "$db" "SELECT count(*) FROM audit")
# The PATCHes' entries and bench_audit's, told apart by address (bench_audit writes 192.0.2.1).
mine="action = 'station_patch' AND method = 'PATCH' AND addr"
patched0=$(sqlite3 "$db" "SELECT count(*) FROM audit WHERE $mine = '127.0.0.1'")
appended0=$(sqlite3 "$db" "SELECT count(*) FROM audit WHERE $mine = '192.0.2.1'")
: >"$tmp/edit.ms"
: >"$tmp/append.txt"
for r in $(seq 1 "$rounds"); do
    for i in $(seq 1 "$edits"); do
        out=$(curl -s -o /dev/null -w '%{http_code} %{time_total}' -X PATCH -H "$auth" \
            -H 'Content-Type: application/json' -H "If-Match: $v" \
            -d "{\"phone\":\"0577-8$(printf '%03d%04d' "$r" "$i")\"}" "$base/api/v1/stations/$sid")
        [ "${out% *}" = 200 ] || { echo "PATCH answered ${out% *}"; exit 1; }
        v=$((v + 1))
        awk -v t="${out#* }" 'BEGIN { printf "%.3f\n", t * 1000 }' >>"$tmp/edit.ms"
    done
    "$appender" "$db" "$tmp/station.json" "$edits" >>"$tmp/append.txt"
done
entries1=$(sqlite3 "$db" "SELECT count(*) FROM audit WHERE $mine = '127.0.0.1'")
appended=$(($(sqlite3 "$db" "SELECT count(*) FROM audit WHERE $mine = '192.0.2.1'") - appended0))
[ $((entries1 - patched0)) = $((rounds * edits)) ] ||
    { echo "FAIL: $((rounds * edits)) PATCHes wrote $((entries1 - patched0)) entries"; exit 1; }
[ "$appended" = $((rounds * edits)) ] ||
    { echo "FAIL: $((rounds * edits)) appends wrote $appended entries"; exit 1; }
[ "$(grep -c '^APPEND ' "$tmp/append.txt")" = "$rounds" ] ||
    { echo "FAIL: bench_audit did not print a round's figures"; cat "$tmp/append.txt"; exit 1; }
edit=$(med <"$tmp/edit.ms")
append=$(sed -n 's/.*median_ms=\([0-9.]*\).*/\1/p' "$tmp/append.txt" | med)
p90s=$(sed -n 's/.*p90_ms=\([0-9.]*\).*/\1/p' "$tmp/append.txt" | tr '\n' ' ')
printf '\naudit: station PATCH over HTTP (admin token, SQLite WAL synchronous=FULL), %s rounds of %s\n' \
    "$rounds" "$edits"
printf '  edit with its entry: median %s ms (%s edits; %s entries in the log, %s before)\n' \
    "$edit" "$((rounds * edits))" "$entries1" "$entries0"
printf '  the entry alone (yz_store_audit_append, %s bytes before + after): median %s ms, p90 by round %s\n' \
    "$(($(wc -c <"$tmp/station.json") * 2))" "$append" "$p90s"
# (a noisy run may time the edit no slower than the append alone: no share then, not a failure)
awk -v e="$edit" -v a="$append" 'BEGIN { printf "  the entry adds ";
    if (e > a) printf "%.1f%% to the edit without it", 100 * a / (e - a);
    else printf "?: the edit timed no slower than the entry alone";
    printf " (target <= 10%%)\n" }'

# --- 2. filtering AUDIT_ENTRIES entries ----------------------------------------------------
mapfile -t ds < <(sqlite3 "$db" "SELECT code FROM districts ORDER BY code LIMIT 8")
dlist=$(printf "'%s'," "${ds[@]}")
step=$((31500000 / nentries)) # seconds between entries: the year whichever the number
before=$(sqlite3 "$db" "SELECT count(*) FROM audit")
sqlite3 "$db" <<SQL
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < $nentries - 1),
d(k, code) AS (SELECT row_number() OVER (ORDER BY code) - 1, code FROM districts
               WHERE code IN (${dlist%,})),
last AS (SELECT before_json, after_json FROM audit WHERE action = 'station_patch'
         AND addr = '127.0.0.1' ORDER BY id DESC LIMIT 1)
INSERT INTO audit (at, actor_kind, user_id, login, addr, action, method, path, record_kind,
                   record_id, district, before_json, after_json, outcome, status, reason)
SELECT 1767196800 + i * $step, 'user', 1 + i % 40, 'user' || (1 + i % 40), '10.0.0.' || (i % 200),
       'station_patch', 'PATCH', '/api/v1/stations/' || (1 + i * 7 % 850), 'station',
       1 + i * 7 % 850, d.code, (SELECT before_json FROM last), (SELECT after_json FROM last),
       CASE WHEN i % 20 = 0 THEN 'refused' ELSE 'ok' END, CASE WHEN i % 20 = 0 THEN 403 ELSE 200 END,
       CASE WHEN i % 20 = 0 THEN 'forbidden scope: this record is outside your scope' ELSE '' END
FROM n JOIN d ON d.k = i % ${#ds[@]};
SQL
# A year's log is not written in a second: the 370 MB just inserted are flushed first, so that
# the filters are not measured against the disk's write-back.
sync "$db" "$db-wal" 2>/dev/null || sync
total=$(sqlite3 "$db" "SELECT count(*) FROM audit")
[ $((total - before)) = "$nentries" ] ||
    { echo "FAIL: $nentries entries inserted, the log holds $((total - before)) more"; exit 1; }
# The entries a filter selects, by plain SQL (dates are China Standard Time, as the API reads
# them; `to` excluded): the ids of its page, newest first.
plain() {
    local where="1 = 1" lim=50 p k v
    local -a kv
    IFS='&' read -ra kv <<<"$1"
    for p in "${kv[@]}"; do
        k=${p%%=*} v=${p#*=}
        case $k in
        user) where+=" AND user_id = $v" ;;
        from) where+=" AND at >= $(TZ=Asia/Shanghai date -d "$v" +%s)" ;;
        to) where+=" AND at < $(TZ=Asia/Shanghai date -d "$v" +%s)" ;;
        record) where+=" AND record_kind = '${v%%:*}' AND record_id = ${v#*:}" ;;
        district | action | outcome) where+=" AND $k = '$v'" ;;
        limit) lim=$v ;;
        *) echo "plain: no SQL for $k" >&2; return 1 ;;
        esac
    done
    sqlite3 "$db" "SELECT id FROM audit WHERE $where ORDER BY id DESC LIMIT $lim"
}
d=${ds[3]}
filters=("user=7&from=2026-06-01" "user=7&from=2026-06-01&to=2026-06-08" "record=station:100"
    "district=$d&from=2026-09-01" "from=2026-03-01&to=2026-03-02" "outcome=refused"
    "user=7&to=2026-01-10" "district=$d&to=2026-01-05" "action=user_patch"
    "user=7&from=2026-06-01&limit=1000")
printf '\naudit: GET /api/v1/audit on %s entries (SQLite), %s times each\n' "$total" "$repeat"
printf '  %-44s %8s %10s %10s\n' filter entries 'median ms' 'max ms'
worst=0
for f in "${filters[@]}"; do
    : >"$tmp/f.ms"
    for _ in $(seq 1 "$repeat"); do
        out=$(curl -s -o "$tmp/f.json" -w '%{http_code} %{time_total}' -H "$auth" "$base/api/v1/audit?$f")
        [ "${out% *}" = 200 ] || { echo "GET /api/v1/audit?$f answered ${out% *}"; exit 1; }
        awk -v t="${out#* }" 'BEGIN { printf "%.3f\n", t * 1000 }' >>"$tmp/f.ms"
    done
    plain "$f" >"$tmp/want.ids"
    jq -r '.entries[].id' "$tmp/f.json" >"$tmp/got.ids"
    cmp -s "$tmp/want.ids" "$tmp/got.ids" || {
        echo "FAIL: GET /api/v1/audit?$f: $(wc -l <"$tmp/got.ids") entries," \
            "plain SQL $(wc -l <"$tmp/want.ids") (diff: plain SQL < > the API)"
        diff "$tmp/want.ids" "$tmp/got.ids" | head -5
        exit 1
    }
    m=$(med <"$tmp/f.ms")
    printf '  %-44s %8s %10s %10s\n' "$f" "$(jq '.entries | length' "$tmp/f.json")" "$m" "$(mx <"$tmp/f.ms")"
    worst=$(awk -v a="$worst" -v b="$m" 'BEGIN { print (b > a) ? b : a }')
done
printf '  slowest filter: median %s ms (target < 50 ms)\n' "$worst"
lost=$(curl -s "$base/metrics" | awk '$1 == "yizhan_audit_lost_total" { print $2 }')
[ "$lost" = 0 ] || { echo "FAIL: entries lost (yizhan_audit_lost_total ${lost:-missing})"; exit 1; }
kill "$pid"
rc=0
wait "$pid" || rc=$?
pid=
[ "$rc" = 0 ] || { echo "FAIL: the server exited with $rc"; tail "$tmp/yizhan.log"; exit 1; }
