#!/usr/bin/env bash
# backends: sqlite pg
# 390-photos.sh - photo uploads (docs/internals/photos.md) with real images made by
# build/tools/photogen (no binary fixtures): a JPEG with GPS tags and an orientation, a PNG, a
# WebP uploaded and re-encoded (rotated, no EXIF); the same image twice stored once; bad
# uploads (text named .jpg, a wrong Content-Type, a truncated JPEG, a 50000 x 50000 PNG header,
# 9 MiB, an unknown station, another station's operator, a viewer) refused with their codes and
# nothing stored; a pending photo 404 to the public and to a viewer, shown to its uploader and
# the station's operator; approval by a moderator, audited with before; then public, immutable,
# with a strong ETag and 304 on If-None-Match; the station's public list. Uses the suite's
# server (BASE, TOKEN, YZ_DB).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
. "$here/../lib.sh"
H="Authorization: Bearer $TOKEN"
J="Content-Type: application/json"
T=$CASE_TMP
s=$RANDOM
export YIZHAN_PWHASH=min
PW=photo-test-pw-1
G=$root/build/tools/photogen
[ -x "$G" ] || make -s -C "$root" build/tools/photogen >/dev/null || exit 1

st() { rm -f "$T/b"; curl -s -o "$T/b" -D "$T/h" -w '%{http_code}' "$@"; }
st_to() { local out=$1; shift; curl -s -o "$out" -D "$T/h" -w '%{http_code}' "$@"; }
expect() { [ "$1" = "$2" ] || yz_fail "$3: got $1, expected $2: $(head -c 400 "$T/b")"; }
hdr() { grep -i "^$1:" "$T/h" | head -1 | cut -d' ' -f2- | tr -d '\r'; }
login() { curl -sf -X POST -H "$J" -d "{\"login\":\"$1\",\"password\":\"$PW\"}" "$BASE/api/v1/session" | jq -r .token; }
upload() { # bearer file content-type [query] -> status, body in $T/b
    st -X POST -H "Authorization: Bearer $1" -H "Content-Type: $3" --data-binary "@$2" \
        "$BASE/api/v1/photos${4:+?$4}"
}
# what the store holds: rows, and files on SQLite (the folder beside the database)
stored() {
    if [[ $YZ_DB == postgres* ]]; then
        psql -qtA "$YZ_DB" -c "SELECT (SELECT count(*) FROM photos) || ' ' || (SELECT count(*) FROM photo_blobs)"
    else
        echo "$(sqlite3 "$YZ_DB" 'SELECT count(*) FROM photos') $(find "$(dirname "$YZ_DB")/photos" -type f 2>/dev/null | wc -l)"
    fi
}

read -r D1 D2 < <(curl -sf "$BASE/api/v1/districts" | jq -r '[.districts[].code] | "\(.[0]) \(.[1])"')
st_in() { curl -sf "$BASE/api/v1/stations?district=$1&per_page=1" | jq -r '.stations[0].id'; }
S1=$(st_in "$D1")
S2=$(st_in "$D2")
declare -A TOK
for spec in inspector "operator:$S1" viewer moderator "district_admin:$D1"; do
    r=${spec%%:*}
    echo "$PW" | "$YZ_BIN" user add "ph${s}_$r" --role "$spec" --db "$YZ_DB" >/dev/null
    TOK[$r]=$(login "ph${s}_$r")
done

# --- images -----------------------------------------------------------------------------------
"$G" jpeg 800 600 "$T/gps.jpg" --gps --orientation 6 --seed "$s"
"$G" png 300 200 "$T/a.png" --seed "$s"
"$G" webp 300 200 "$T/a.webp" --seed "$s"
"$G" truncated 800 600 "$T/cut.jpg" --seed "$s"
"$G" bomb 50000 50000 "$T/bomb.png"
"$G" text 1 1 "$T/text.jpg"
{ printf '\377\330\377\340'; head -c $((9 * 1024 * 1024)) /dev/zero; } >"$T/huge.jpg"
grep -qa 'yizhan-test' "$T/gps.jpg" || yz_fail "photogen wrote no EXIF"

# --- refused, and nothing stored ------------------------------------------------------------------
before=$(stored)
code=$(upload "${TOK[viewer]}" "$T/a.png" image/png)
expect "$code" 403 "a viewer uploads"
code=$(st -X POST -H "Content-Type: image/png" --data-binary "@$T/a.png" "$BASE/api/v1/photos")
expect "$code" 401 "no credential"
code=$(upload "$TOKEN" "$T/text.jpg" image/jpeg)
expect "$code" 415 "text named .jpg"
yz_jq "$T/b" '.field == "photo" and .error == "unsupported_media_type" and (.message | length > 0) and (.message_en | length > 0)'
code=$(upload "$TOKEN" "$T/a.png" application/json)
expect "$code" 415 "a JSON Content-Type"
code=$(upload "$TOKEN" "$T/cut.jpg" image/jpeg)
expect "$code" 400 "a truncated JPEG"
yz_jq "$T/b" '.field == "photo"'
code=$(upload "$TOKEN" "$T/bomb.png" image/png)
expect "$code" 413 "a 50000 x 50000 header"
yz_jq "$T/b" '.field == "photo" and (.message_en | test("50000"))'
code=$(upload "$TOKEN" "$T/huge.jpg" image/jpeg)
expect "$code" 413 "9 MiB"
code=$(upload "$TOKEN" "$T/a.png" image/png "station=999999")
expect "$code" 400 "an unknown station"
yz_jq "$T/b" '.field == "station"'
code=$(upload "${TOK[operator]}" "$T/a.png" image/png "station=$S2")
expect "$code" 403 "an operator for another station"
code=$(upload "$TOKEN" "$T/a.png" image/png "kind=Bad-Kind")
expect "$code" 400 "a bad kind"
after=$(stored)
[ "$before" = "$after" ] || yz_fail "bad uploads changed the store: $before -> $after"

# --- uploaded, re-encoded, stored once -----------------------------------------------------------
code=$(upload "${TOK[inspector]}" "$T/gps.jpg" image/jpeg "station=$S1&kind=station")
expect "$code" 201 "the inspector uploads"
yz_jq "$T/b" '.width == 600 and .height == 800 and .status == "pending" and .stored == true and (.sha256 | test("^[0-9a-f]{64}$"))' "rotated, pending"
ID=$(jq -r .id "$T/b")
SHA=$(jq -r .sha256 "$T/b")
URL=$(jq -r .url "$T/b")
THUMB=$(jq -r .thumb_url "$T/b")
[ "$URL" = "/api/v1/photos/$SHA.jpg" ] || yz_fail "url $URL"
mid=$(stored)
code=$(upload "$TOKEN" "$T/gps.jpg" image/jpeg "station=$S1")
expect "$code" 200 "the same image again"
yz_jq "$T/b" ".id == $ID and .stored == false"
[ "$(stored)" = "$mid" ] || yz_fail "the same image stored twice: $mid -> $(stored)"
read -r r0 f0 <<<"$before"
read -r r1 f1 <<<"$mid"
want_files=2 # a photo and its thumbnail, as files (SQLite) or one row of both (PostgreSQL)
[[ $YZ_DB == postgres* ]] && want_files=1
[ $((r1 - r0)) = 1 ] && [ $((f1 - f0)) = $want_files ] || yz_fail "one upload: $before -> $mid"
code=$(upload "$TOKEN" "$T/a.png" image/png)
expect "$code" 201 "a PNG"
code=$(upload "$TOKEN" "$T/a.webp" image/webp)
expect "$code" 201 "a WebP"

# --- pending: hidden from the public ------------------------------------------------------------
code=$(st "$BASE$URL")
expect "$code" 404 "public GET of a pending photo"
code=$(st -H "Authorization: Bearer ${TOK[viewer]}" "$BASE$URL")
expect "$code" 404 "a viewer's GET of a pending photo"
code=$(st "$BASE$THUMB")
expect "$code" 404 "public GET of a pending thumbnail"
code=$(st -H "Authorization: Bearer ${TOK[operator]}" "$BASE$URL")
expect "$code" 200 "the station's operator sees it"
code=$(st_to "$T/photo.jpg" -H "Authorization: Bearer ${TOK[inspector]}" "$BASE$URL")
expect "$code" 200 "the uploader sees it"
[ "$(sha256sum <"$T/photo.jpg" | cut -d' ' -f1)" = "$SHA" ] || yz_fail "the bytes are not named by their SHA-256"
[ "$(head -c 3 "$T/photo.jpg" | od -An -tx1 | tr -d ' ')" = ffd8ff ] || yz_fail "not a JPEG"
! grep -qa 'Exif' "$T/photo.jpg" || yz_fail "EXIF kept"
! grep -qa 'yizhan-test' "$T/photo.jpg" || yz_fail "the camera tag kept"
[ "$(hdr ETag)" = "\"$SHA\"" ] || yz_fail "ETag $(hdr ETag)"
hdr Cache-Control | grep -q 'private' || yz_fail "a pending photo cached publicly: $(hdr Cache-Control)"
curl -sf "$BASE/api/v1/stations/$S1/photos" | jq -e ".photos | map(.id) | index($ID) == null" >/dev/null ||
    yz_fail "a pending photo listed"

# --- approval: audited, then public and immutable -----------------------------------------------
code=$(st -X PATCH -H "Authorization: Bearer ${TOK[viewer]}" -H "$J" -d '{"status":"approved"}' "$BASE/api/v1/photos/$ID")
expect "$code" 403 "a viewer approves"
code=$(st -X PATCH -H "Authorization: Bearer ${TOK[operator]}" -H "$J" -d '{"status":"approved"}' "$BASE/api/v1/photos/$ID")
expect "$code" 403 "an operator approves"
code=$(st -X PATCH -H "Authorization: Bearer ${TOK[moderator]}" -H "$J" -d '{"status":"maybe"}' "$BASE/api/v1/photos/$ID")
expect "$code" 400 "a bad status"
yz_jq "$T/b" '.field == "status"'
code=$(st -X PATCH -H "Authorization: Bearer ${TOK[moderator]}" -H "$J" -d '{"status":"approved"}' "$BASE/api/v1/photos/$ID")
expect "$code" 200 "the moderator approves"
yz_jq "$T/b" '.status == "approved"'
code=$(st -H "$H" "$BASE/api/v1/audit?record=photo:$ID&action=photo_patch")
expect "$code" 200 "audit"
yz_jq "$T/b" '[.entries[] | select(.outcome == "ok")] | length == 1 and (.[0].before.status == "pending") and (.[0].after.status == "approved")' "audited with before"

code=$(st_to "$T/pub.jpg" "$BASE$URL")
expect "$code" 200 "public GET of an approved photo"
cmp -s "$T/pub.jpg" "$T/photo.jpg" || yz_fail "other bytes once approved"
[ "$(hdr ETag)" = "\"$SHA\"" ] || yz_fail "ETag $(hdr ETag)"
hdr Cache-Control | grep -q 'immutable' || yz_fail "Cache-Control $(hdr Cache-Control)"
hdr Content-Type | grep -q '^image/jpeg' || yz_fail "Content-Type $(hdr Content-Type)"
code=$(st -H "If-None-Match: \"$SHA\"" "$BASE$URL")
expect "$code" 304 "If-None-Match"
[ ! -s "$T/b" ] || yz_fail "a body with 304"
code=$(st_to "$T/th.jpg" "$BASE$THUMB")
expect "$code" 200 "the thumbnail"
[ "$(hdr ETag)" = "\"$SHA-thumb\"" ] || yz_fail "thumbnail ETag $(hdr ETag)"
[ "$(stat -c %s "$T/th.jpg")" -lt "$(stat -c %s "$T/pub.jpg")" ] || yz_fail "the thumbnail is not smaller"
code=$(st -H "If-None-Match: \"$SHA-thumb\"" "$BASE$THUMB")
expect "$code" 304 "If-None-Match on the thumbnail"
code=$(st "$BASE/api/v1/photos/${SHA}.png")
expect "$code" 404 "another suffix"
code=$(st "$BASE/api/v1/photos/../etc/passwd.jpg")
[ "$code" = 404 ] || [ "$code" = 400 ] || yz_fail "a path: $code"
curl -sf "$BASE/api/v1/stations/$S1/photos" | jq -e ".photos | map(.id) | index($ID) != null" >/dev/null ||
    yz_fail "the approved photo is not listed"
code=$(st "$BASE/api/v1/stations/999999/photos")
expect "$code" 404 "photos of no station"
echo "photos: ok"
