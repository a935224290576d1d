#!/usr/bin/env bash
# backends: sqlite pg
# Description limits count characters, not bytes: 4,000 Chinese characters (12,000 bytes) are
# accepted, 4,001 are refused with 400 naming description, and the refused one is not stored.
set -eu
code=$(curl -s "$BASE/api/v1/stations/nearby?lat=28.0154&lon=120.6553&k=1" | jq -r '.stations[0].code')
[ -n "$code" ] && [ "$code" != null ]
enc=$(printf '%%E5%%AD%%97%.0s' $(seq 1 4000)) # 字 x 4000, percent-encoded
post() {
    curl -s -o "$CASE_TMP/out" -w '%{http_code}' -X POST "$BASE/open311/v2/requests.json" \
        -H 'Content-Type: application/x-www-form-urlencoded' --data-binary @"$CASE_TMP/body"
}
before=$(curl -s "$BASE/open311/v2/requests.json" | jq length)
printf 'service_code=other&attribute%%5Bstation_code%%5D=%s&description=%s' "$code" "$enc" >"$CASE_TMP/body"
st=$(post)
[ "$st" = 201 ] || { echo "4000 chars: status $st"; cat "$CASE_TMP/out"; exit 1; }
id=$(jq -r '.[0].service_request_id' "$CASE_TMP/out")
# 4,000 repeats of one character are held by moderation (off topic), so read it as a moderator.
len=$(curl -s -H "Authorization: Bearer $TOKEN" "$BASE/api/v1/reports/$id" | jq '.description | length')
[ "$len" = 4000 ] || { echo "stored description has $len chars"; exit 1; }
printf 'service_code=other&attribute%%5Bstation_code%%5D=%s&description=%s%%E5%%AD%%97' "$code" "$enc" >"$CASE_TMP/body"
st=$(post)
[ "$st" = 400 ] || { echo "4001 chars: status $st"; exit 1; }
jq -e '.[0].code == 400 and (.[0].description | startswith("description:"))' "$CASE_TMP/out" >/dev/null
after=$(curl -s "$BASE/open311/v2/requests.json" | jq length)
[ "$after" = $((before + 1)) ] || { echo "expected $((before + 1)) requests, have $after"; exit 1; }
echo ok
