#!/usr/bin/env bash
# backends: sqlite pg
# tests/api/316-visits-retention.sh - check-ins are kept for a retention period (issue 10:
# visit trails were kept forever). Visits 500 and 450 days old are written into a store beside
# recent ones; a server with the default retention (400 days) purges the old ones when it
# starts, and the statistics it then shows, by station, district, day and occupation, are the
# ones shown before the purge. `yizhan purge-visits` does the same by hand. On PostgreSQL it
# runs on the suite's database (other cases' visits are recent: they stay and count alike).
set -eu
. "$(dirname "$0")/../lib.sh"
T=$CASE_TMP
case ${YZ_DB:-} in
postgres*)
    db=$YZ_DB
    q() { psql -X -q -tA -d "$db" -c "$1"; }
    ;;
*)
    db=$T/ret.db
    yz_demo "$db"
    q() { sqlite3 -cmd ".timeout 5000" "$db" "$1"; }
    ;;
esac
day=86400
now=$(date +%s)
today=$(TZ=Asia/Shanghai date -d "@$now" +%F)
from=$(TZ=Asia/Shanghai date -d "@$((now - 600 * day))" +%F)

# A server that keeps everything: a worker and a check-in of today.
yz_serve keep "$db" --writes-per-min 1000000 --visit-retention-days 36500
B=$YZ_URL
tok=$(curl -s -X POST "$B/api/v1/workers" -H 'Content-Type: application/json' -d '{"occupation":"courier"}' | jq -r .token)
st=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$B/api/v1/visits" -H "Authorization: Bearer $tok" \
    -H 'Content-Type: application/json' -d '{"station_code":"WZ0153"}')
[ "$st" = 201 ] || yz_fail "check-in: $st"
wid=$(q "SELECT max(id) FROM workers")
sid() { q "SELECT id FROM stations WHERE code = '$1'"; }
a=$(sid WZ-GHDS) b=$(sid WZ0154) c=$(sid WZ0200)
old1=$((now - 500 * day)) old2=$((now - 450 * day)) recent=$((now - 10 * day))
# counted and not counted, at three stations; one row without a known worker
q "INSERT INTO visits (worker_id, station_id, at, counted) VALUES
  ($wid, $a, $old1, 1), ($wid, $a, $((old1 + 60)), 0), ($wid, $b, $((old1 + 3600)), 1),
  (999999, $c, $((old1 + 7200)), 1), ($wid, $a, $old2, 1), ($wid, $c, $((old2 + 100)), 1),
  ($wid, $b, $recent, 1), ($wid, $b, $((recent + 30)), 0);"
n0=$(q "SELECT count(*) FROM visits")
stats() { # file prefix: every grouping over the 600 days to today
    local g
    for g in station district day occupation; do
        curl -s "$B/api/v1/stats/visits?from=$from&to=$today&group_by=$g" | jq -S '{rows, total}' >"$1.$g"
    done
}
stats "$T/before"
jq -e '.total >= 7' "$T/before.station" >/dev/null || yz_fail "before: $(cat "$T/before.station")"
yz_stop "$YZ_PID"

# The default retention: the server purges at start, in its own thread.
yz_serve purge "$db" --writes-per-min 1000000
B=$YZ_URL
for _ in $(seq 1 100); do
    grep -q "purged 6 check-ins older than 400 days" "$YZ_LOGS/purge.log" && break
    sleep 0.1
done
grep -q "purged 6 check-ins older than 400 days" "$YZ_LOGS/purge.log" ||
    yz_fail "no purge logged: $(tail -5 "$YZ_LOGS/purge.log")"
[ "$(q "SELECT count(*) FROM visits")" = $((n0 - 6)) ] || yz_fail "visits left: $(q "SELECT * FROM visits")"
[ "$(q "SELECT count(*) FROM visits WHERE at < $((now - 400 * day))")" = 0 ]
stats "$T/after"
for g in station district day occupation; do
    cmp -s "$T/before.$g" "$T/after.$g" || yz_fail "stats by $g changed: $(diff "$T/before.$g" "$T/after.$g")"
done
yz_stop "$YZ_PID"

# By hand: another old visit, purged by the command, counted the same.
q "INSERT INTO visits (worker_id, station_id, at, counted) VALUES ($wid, $a, $((old2 + 50)), 1)"
out=$("$YZ_BIN" purge-visits --db "$db")
echo "$out" | grep -q "1 条 visits" || yz_fail "purge-visits said: $out"
[ "$(q "SELECT count(*) FROM visits WHERE at < $((now - 400 * day))")" = 0 ]
[ "$(q "SELECT sum(visits) FROM visit_days")" = 6 ] || yz_fail "day totals: $(q "SELECT * FROM visit_days")"
"$YZ_BIN" purge-visits --db "$db" --retention-days 0 >/dev/null 2>&1 && yz_fail "retention 0 accepted"
echo ok
