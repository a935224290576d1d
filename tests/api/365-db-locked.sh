#!/usr/bin/env bash
# A database locked by another writer (or out of disk) answers 503 with Retry-After and a plain
# message within 2 s, for writes and check-ins alike, counted on /metrics; once the lock is
# gone, writes go through again (issue 10: it was a 500 after 5 s with SQLite's own message,
# and check-ins waited 10 s).
set -u
. "$(dirname "$0")/../lib.sh"
db=$CASE_TMP/l.db
yz_demo "$db"
yz_serve locked "$db" --writes-per-min 1000000 --workers-per-hour 1000000
base=$YZ_URL
tok=$(curl -s -X POST "$base/api/v1/workers" | jq -r .token)
[ -n "$tok" ] && [ "$tok" != null ] || yz_fail "no worker token"
# Another process takes the write lock and holds it until the checks are done (the file
# release exists; at most 120 s, should this script die first).
release=$CASE_TMP/release
(printf '.timeout 10000\nBEGIN IMMEDIATE;\nSELECT 1;\n'
    for _ in $(seq 1 1200); do [ -e "$release" ] && break; sleep 0.1; done
    printf 'COMMIT;\n') | sqlite3 "$db" >/dev/null &
locker=$!
trap 'touch "$release"; yz_cleanup' EXIT
# Wait until it holds the lock: a write transaction of our own is refused at once.
for _ in $(seq 1 600); do
    sqlite3 "$db" 'BEGIN IMMEDIATE; ROLLBACK;' >/dev/null 2>&1 || break
    sleep 0.1
done
sqlite3 "$db" 'BEGIN IMMEDIATE; ROLLBACK;' >/dev/null 2>&1 && yz_fail "the locker never took the lock"
check() { # NAME CURL-ARGS...: 503 within 2.5 s, Retry-After, the plain message
    local name=$1
    shift
    local t
    t=$(curl -s -o "$CASE_TMP/$name.body" -D "$CASE_TMP/$name.h" -w '%{http_code} %{time_total}' "$@")
    echo "$name: $t"
    [ "${t%% *}" = 503 ] || yz_fail "$name: expected 503, got $t"
    awk -v s="${t#* }" 'BEGIN { exit !(s < 2.5) }' || yz_fail "$name: took ${t#* } s"
    grep -qi '^retry-after: [1-9]' "$CASE_TMP/$name.h" || yz_fail "$name: no Retry-After"
    jq -e '.error == "unavailable" and .field == "db" and (.message_en | test("busy"))
           and (.message_en | test("locked|SQLITE|database error") | not)' \
        "$CASE_TMP/$name.body" >/dev/null || yz_fail "$name: body $(cat "$CASE_TMP/$name.body")"
}
check worker -X POST "$base/api/v1/workers"
check visit -X POST -H "Authorization: Bearer $tok" -H 'Content-Type: application/json' \
    --data '{"station_code":"WZ-GHDS"}' "$base/api/v1/visits"
check rating -X POST -H "Authorization: Bearer $tok" -H 'Content-Type: application/json' \
    --data '{"stars":4}' "$base/api/v1/stations/WZ-GHDS/ratings"
# Searches never wait on the database.
c=$(curl -s -o /dev/null -w '%{http_code}' "$base/api/v1/stations/nearby?lat=28.0154&lon=120.6553")
[ "$c" = 200 ] || yz_fail "nearby during the lock: $c"
n=$(curl -s "$base/metrics" | awk '$1 == "yizhan_store_unavailable_total" { print $2 }')
echo "yizhan_store_unavailable_total $n"
[ "${n:-0}" -ge 3 ] || yz_fail "the refusals are not counted: '$n'"
touch "$release"
wait "$locker"
c=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $tok" \
    -H 'Content-Type: application/json' --data '{"station_code":"WZ-GHDS"}' "$base/api/v1/visits")
[ "$c" = 201 ] || [ "$c" = 200 ] || yz_fail "check-in after the lock: $c"
echo "ok: 503 within 2.5 s while locked, counted, and writes again after"
