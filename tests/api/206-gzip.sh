#!/usr/bin/env bash
# backends: sqlite pg
# gzip of dynamic answers: a client that accepts gzip gets a nearby answer gzipped (smaller by
# far, the same JSON once unpacked, Vary: Accept-Encoding); one that does not (or says q=0)
# gets it as is; answers under 1 KB and answers with an ETag are never gzipped.
set -eu
T=$CASE_TMP
U="$BASE/api/v1/stations/nearby?lat=28.0&lon=120.65&k=10&at=2026-11-27T12:00:00%2B08:00"
hdr() { grep -i "^$1:" "$T/h" | tr -d '\r' | cut -d' ' -f2-; }
curl -s -D "$T/h" -o "$T/z" -H 'Accept-Encoding: gzip, deflate, br' "$U"
[ "$(hdr Content-Encoding)" = gzip ] || { echo "not gzipped"; cat "$T/h"; exit 1; }
[ "$(hdr Vary)" = Accept-Encoding ] || { echo "no Vary"; exit 1; }
curl -s -D "$T/h" -o "$T/plain" "$U"
[ -z "$(hdr Content-Encoding)" ] || { echo "gzipped without Accept-Encoding"; exit 1; }
[ "$(hdr Vary)" = Accept-Encoding ] || { echo "no Vary on the plain answer"; exit 1; }
zcat "$T/z" | cmp -s - "$T/plain" || { echo "unpacked answer differs"; exit 1; }
zs=$(wc -c <"$T/z")
ps=$(wc -c <"$T/plain")
[ $((zs * 3)) -lt "$ps" ] || { echo "gzip saves too little: $zs of $ps bytes"; exit 1; }
curl -s -D "$T/h" -o /dev/null -H 'Accept-Encoding: gzip;q=0, identity' "$U"
[ -z "$(hdr Content-Encoding)" ] || { echo "gzipped though q=0"; exit 1; }
curl -s -D "$T/h" -o /dev/null -H 'Accept-Encoding: xgzip' "$U"
[ -z "$(hdr Content-Encoding)" ] || { echo "gzipped for xgzip"; exit 1; }
# Small: not worth it.
curl -s -D "$T/h" -o /dev/null -H 'Accept-Encoding: gzip' "$BASE/healthz"
[ -z "$(hdr Content-Encoding)" ] || { echo "healthz gzipped"; exit 1; }
# An ETag (the station's version, used by If-Match) stays with one encoding.
curl -s -D "$T/h" -o "$T/st" -H 'Accept-Encoding: gzip' "$BASE/api/v1/stations/WZ-GHDS"
[ -n "$(hdr ETag)" ] && [ -z "$(hdr Content-Encoding)" ] || { echo "station with ETag gzipped"; exit 1; }
jq -e '.code == "WZ-GHDS"' "$T/st" >/dev/null
# Errors and GeoJSON: the geojson layer is large and gzipped; the body unpacks to valid JSON.
curl -s -D "$T/h" -o "$T/g" -H 'Accept-Encoding: gzip' "$BASE/api/v1/stations.geojson"
[ "$(hdr Content-Encoding)" = gzip ] && zcat "$T/g" | jq -e '.features | length > 800' >/dev/null ||
    { echo "geojson not gzipped or broken"; exit 1; }
echo "ok (nearby $ps bytes -> $zs gzipped)"
