#!/usr/bin/env bash
# Two yizhan nodes on one PostgreSQL database: what one writes, the other serves within a
# few seconds (NOTIFY → the other node reloads its snapshot, rating aggregates or events),
# station versions are shared (a stale If-Match on the other node gets 409), a CLI import
# into the database reaches both, and after PostgreSQL restarts both nodes reconnect and
# keep each other informed; the moderation classifier trained by the CLI reaches both.
set -u
export YIZHAN_ADMIN_TOKEN=pg-two-nodes-$$
T=$YIZHAN_ADMIN_TOKEN
. "$(dirname "$0")/../lib.sh"
pids=()
start() { # name -> url in the variable of that name
    yz_serve "$1" "$YZ_DB" --threads 4 --writes-per-min 1000000 --workers-per-hour 1000000
    pids+=("$YZ_PID")
    printf -v "$1" '%s' "$YZ_URL"
}
# until SECONDS CMD...: run CMD every 50 ms until it succeeds; fail after SECONDS.
until_ok() {
    local limit=$1 t0=$SECONDS
    shift
    while ! "$@" >/dev/null 2>&1; do
        [ $((SECONDS - t0)) -ge "$limit" ] && return 1
        sleep 0.05
    done
}
status_of() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
jqt() { curl -s "$1" | jq -e "$2"; }

yz_demo "$YZ_DB"
start A
start B
checks=0
ok() { checks=$((checks + 1)); }

# A station created on A is served by B.
st=$(status_of -X POST "$A/api/v1/stations" -H "Authorization: Bearer $T" -H 'Content-Type: application/json' \
    -d '{"code":"PG-1","name":"双节点测试驿站","district_code":"330302","lat":28.02,"lon":120.66,"facilities":["toilet"],"opening_hours":"24/7"}')
[ "$st" = 201 ] || { echo "create on A: $st"; exit 1; }
until_ok 5 jqt "$B/api/v1/stations/PG-1" '.name == "双节点测试驿站" and .version == 1' || { echo "B never saw PG-1"; exit 1; }
jqt "$B/api/v1/stations/nearby?lat=28.02&lon=120.66&k=1&fields=code" '.stations[0].code == "PG-1"' >/dev/null ||
    { echo "B's nearby lacks PG-1"; exit 1; }
# ... by reloading that one station, not every station (as its metrics say).
curl -s "$B/metrics" | grep -qx 'yizhan_store_reloads_total{what="station"} [1-9][0-9]*' ||
    { echo "B's metrics show no single-station reload"; curl -s "$B/metrics" | grep reloads; exit 1; }
curl -s "$B/metrics" | grep -qx 'yizhan_store_reloads_total{what="stations"} 0' ||
    { echo "B reloaded every station for one"; exit 1; }
ok

# Edited on B (If-Match 1) → A serves version 2; a stale If-Match on A is refused.
st=$(status_of -X PATCH "$B/api/v1/stations/PG-1" -H "Authorization: Bearer $T" -H 'If-Match: "1"' \
    -H 'Content-Type: application/json' -d '{"name":"双节点测试驿站（改）"}')
[ "$st" = 200 ] || { echo "patch on B: $st"; exit 1; }
until_ok 5 jqt "$A/api/v1/stations/PG-1" '.version == 2 and .name == "双节点测试驿站（改）"' || { echo "A never saw the edit"; exit 1; }
st=$(status_of -X PATCH "$A/api/v1/stations/PG-1" -H "Authorization: Bearer $T" -H 'If-Match: "1"' \
    -H 'Content-Type: application/json' -d '{"name":"过期的修改"}')
[ "$st" = 409 ] || { echo "stale patch on A: $st (want 409)"; exit 1; }
ok

# A rating made through A shows in B's aggregate.
w=$(curl -s -X POST "$A/api/v1/workers" | jq -r .token)
st=$(status_of -X POST "$A/api/v1/stations/PG-1/ratings" -H "Authorization: Bearer $w" \
    -H 'Content-Type: application/json' -d '{"stars":5}')
[ "$st" = 201 ] || { echo "rating on A: $st"; exit 1; }
until_ok 5 jqt "$B/api/v1/stations/PG-1" '.rating.count == 1 and .rating.avg == 5' || { echo "B's rating never updated"; exit 1; }
# The same worker rates again through B the same day: it replaces the first, on A too.
st=$(status_of -X POST "$B/api/v1/stations/PG-1/ratings" -H "Authorization: Bearer $w" \
    -H 'Content-Type: application/json' -d '{"stars":3}')
[ "$st" = 200 ] || { echo "replacing rating on B: $st"; exit 1; }
until_ok 5 jqt "$A/api/v1/stations/PG-1" '.rating.count == 1 and .rating.avg == 3' || { echo "A's rating never updated"; exit 1; }
ok

# An event created on B is listed by A and shows as today's on A's nearby answer.
st=$(status_of -X POST "$B/api/v1/events" -H "Authorization: Bearer $T" -H 'Content-Type: application/json' \
    -d '{"station":"PG-1","title":"双节点活动","category":"activity","starts_at":"2038-03-05T01:00:00Z","ends_at":"2038-03-05T09:00:00Z"}')
[ "$st" = 201 ] || { echo "event on B: $st"; exit 1; }
until_ok 5 jqt "$A/api/v1/stations/nearby?lat=28.02&lon=120.66&k=1&at=2038-03-05T12:00:00%2B08:00&fields=code,today" \
    '.stations[0].today[0].title == "双节点活动"' || { echo "A never saw the event"; exit 1; }
ok

# A CLI import into the shared database reaches both nodes.
printf 'code,name,address,district_code,district_name,lat,lon\nPG-2,导入测试驿站,测试路2号,330302,鹿城区,28.03,120.67\n' >"$CASE_TMP/i.csv"
"$YZ_BIN" import --db "$YZ_DB" "$CASE_TMP/i.csv" >/dev/null || { echo "import failed"; exit 1; }
until_ok 5 jqt "$A/api/v1/stations/PG-2" '.name == "导入测试驿站"' || { echo "A never saw the import"; exit 1; }
until_ok 5 jqt "$B/api/v1/stations/PG-2" '.name == "导入测试驿站"' || { echo "B never saw the import"; exit 1; }
ok

# The moderation classifier trained by the CLI into the shared database: both nodes catch up
# on its NOTIFY (docs/internals/classifier.md) and hold spam the word lists miss as "learned".
"$YZ_BIN" moderation train --db "$YZ_DB" "$(dirname "$0")/../data/moderation-corpus.tsv" >/dev/null ||
    { echo "moderation train failed"; exit 1; }
learned() { # $1: node url; a text only the classifier catches is held as learned (not 私我: a list word)
    jq -n '{stars: 2, text: "兄弟们翻身的机会来了，数字藏品一天十倍，速来"}' |
        curl -s -X POST -H "Authorization: Bearer $w" -H 'Content-Type: application/json' \
            --data @- "$1/api/v1/stations/WZ0101/ratings" | jq -e '.rating.reasons == ["learned"]'
}
until_ok 5 learned "$A" || { echo "A never learned the corpus"; exit 1; }
until_ok 5 learned "$B" || { echo "B never learned the corpus"; exit 1; }
ok

# PostgreSQL restarts under both nodes: they reconnect, answer, and still inform each other.
"$(dirname "$0")/cluster.sh" restart "$PG_CLUSTER" || { echo "restart failed"; exit 1; }
st=$(status_of -X DELETE "$A/api/v1/stations/PG-2" -H "Authorization: Bearer $T")
[ "$st" = 204 ] || [ "$st" = 200 ] || { echo "delete on A after the restart: $st"; exit 1; }
until_ok 10 sh -c "[ \"\$(curl -s -o /dev/null -w '%{http_code}' '$B/api/v1/stations/PG-2')\" = 404 ]" ||
    { echo "B still serves PG-2 after A deleted it"; exit 1; }
ok
# Both nodes stop cleanly on SIGTERM (their watcher threads and pools included).
for p in "${pids[@]}"; do kill -TERM "$p"; done
for p in "${pids[@]}"; do
    wait "$p" || { echo "a node exited with $? after SIGTERM"; tail -20 "$CASE_TMP"/*.log; exit 1; }
done
pids=()
for p in A B; do
    grep -q "Sanitizer\|runtime error:" "$CASE_TMP/$p.log" && { echo "sanitizer report on $p"; grep -A20 "Sanitizer\|runtime error" "$CASE_TMP/$p.log" | head -30; exit 1; }
done
echo "ok ($checks cross-node checks)"
