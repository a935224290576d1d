#!/usr/bin/env bash
# A server on a new, empty SQLite database (no demo city) starts and answers every read with
# 200 and empty lists. Under the sanitizers this
# caught qsort(NULL, 0, ...) in the catalog build (undefined behaviour).
set -u
. "$(dirname "$0")/../lib.sh"
db=$CASE_TMP/empty.db
yz_serve empty "$db"
base=$YZ_URL
for p in /healthz "/api/v1/stations/nearby?lat=28&lon=120.6" "/api/v1/stations?q=abc" \
         /api/v1/stations /api/v1/stations.geojson "/api/v1/events?from=2026-12-01&to=2026-12-20" \
         /api/v1/canteens /api/v1/offers /open311/v2/requests.json /api/v1/reports \
         /api/v1/stats/visits /api/v1/districts /api/v1/facilities /; do
    code=$(curl -s -o "$CASE_TMP/out" -w '%{http_code}' "$base$p")
    [ "$code" = 200 ] || yz_fail "$p on an empty database -> $code: $(head -c 200 "$CASE_TMP/out")"
done
curl -s "$base/api/v1/stations/nearby?lat=28&lon=120.6" >"$CASE_TMP/near.json"
yz_jq "$CASE_TMP/near.json" '.count == 0' "nearby on an empty database"
kill -0 "$YZ_PID" || yz_fail "server died"
