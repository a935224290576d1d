#!/usr/bin/env bash
# backends: sqlite pg
# 386-stations-transfer.sh - station export and import through the API (api/transfer.c): the
# CSV export is the CLI export's (plus a BOM), a district admin exports only their districts,
# an export imported again changes nothing (CSV and GeoJSON), a bad row is reported with its
# line and field and nothing is written, a district admin's row of another district is refused
# with nothing written, a changed name is reported, applied and audited (one entry, with the
# counts; a dry run is not audited), bodies over 8 MiB get 413 (over 64 KiB do not), and a
# wrong format or Content-Type is a 400 naming it. Uses the suite's server (BASE, TOKEN, YZ_DB).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib.sh"
trap 'echo "385: failed at line $LINENO: $BASH_COMMAND" >&2' ERR
H="Authorization: Bearer $TOKEN"
T=$CASE_TMP
s=$RANDOM
export YIZHAN_PWHASH=min
PW=transfer-test-pw-1
CSV="Content-Type: text/csv"
GEO="Content-Type: application/geo+json"

st() { curl -s -o "$T/b" -D "$T/h" -w '%{http_code}' "$@"; }
expect() { [ "$1" = "$2" ] || yz_fail "$3: got $1, expected $2: $(head -c 400 "$T/b")"; }
login() { curl -s -X POST -H "Content-Type: application/json" -d "{\"login\":\"$1\",\"password\":\"$PW\"}" "$BASE/api/v1/session" | jq -r .token; }
import() { # bearer query content-type file -> status, report in $T/b
    st -X POST -H "Authorization: Bearer $1" -H "$3" --data-binary "@$4" "$BASE/api/v1/stations/import?$2"
}
audit_count() { curl -sf -H "$H" "$BASE/api/v1/audit?action=stations_import&limit=1000" | jq '.entries | length'; }
id_of() { jq -r --arg c "$1" '.features[] | select(.properties.code == $c) | .id' "$T/all.geojson"; }

read -r D1 D2 < <(curl -sf "$BASE/api/v1/districts" | jq -r '[.districts[].code] | "\(.[0]) \(.[1])"')
for u in "ca$s:city_admin" "da$s:district_admin:$D1"; do
    echo "$PW" | "$YZ_BIN" user add "${u%%:*}" --role "${u#*:}" --db "$YZ_DB" >/dev/null ||
        yz_fail "user add $u"
done
CA=$(login "ca$s")
DA=$(login "da$s")
[ "$CA" != null ] && [ "$DA" != null ] || yz_fail "login"
total=$(curl -sf "$BASE/api/v1/stations?per_page=1" | jq .total)

# --- export ------------------------------------------------------------------------------------
code=$(st -H "Authorization: Bearer $CA" "$BASE/api/v1/stations/export?format=csv")
expect "$code" 200 "export csv"
grep -qi '^content-type: text/csv; charset=utf-8' "$T/h" || yz_fail "export csv: content type"
grep -qi '^content-disposition: attachment; filename="stations.csv"' "$T/h" || yz_fail "export csv: disposition"
[ "$(head -c 3 "$T/b" | od -An -tx1 | tr -d ' ')" = efbbbf ] || yz_fail "export csv: no BOM"
tail -c +4 "$T/b" >"$T/all.csv"
# the oracle: the CLI's export of the same store, the same rows (order aside) and columns
"$YZ_BIN" export --db "$YZ_DB" --format csv --out "$T/cli.csv"
[ "$(head -1 "$T/all.csv")" = "$(head -1 "$T/cli.csv")" ] || yz_fail "export csv: header differs from the CLI's"
cmp -s <(sort "$T/all.csv") <(sort "$T/cli.csv") ||
    yz_fail "export csv: rows differ from the CLI's export: $(diff <(sort "$T/all.csv") <(sort "$T/cli.csv") | head -6)"
[ "$(($(wc -l <"$T/all.csv") - 1))" = "$total" ] || yz_fail "export csv: not every station ($total)"
[ "$(wc -c <"$T/all.csv")" -gt 65536 ] || yz_fail "the demo export is under 64 KiB: the body limit is not tested"

code=$(st -H "Authorization: Bearer $CA" "$BASE/api/v1/stations/export?format=geojson")
expect "$code" 200 "export geojson"
grep -qi '^content-type: application/geo+json' "$T/h" || yz_fail "export geojson: content type"
cp "$T/b" "$T/all.geojson"
yz_jq "$T/all.geojson" '.type == "FeatureCollection" and (.features | length) == '"$total" "export geojson: every station"

# a district admin: their districts only, and no other district
d1_total=$(curl -sf "$BASE/api/v1/stations?district=$D1&per_page=1" | jq .total)
code=$(st -H "Authorization: Bearer $DA" "$BASE/api/v1/stations/export?format=geojson")
expect "$code" 200 "district admin export"
yz_jq "$T/b" '(.features | length) == '"$d1_total"' and all(.features[]; .properties.district_code == "'"$D1"'")' \
    "district admin export: only $D1 ($d1_total)"
code=$(st -H "Authorization: Bearer $DA" "$BASE/api/v1/stations/export?format=csv&district=$D2")
expect "$code" 403 "district admin export of $D2"
code=$(st -H "Authorization: Bearer $CA" "$BASE/api/v1/stations/export?format=csv&district=$D1")
expect "$code" 200 "export of one district"
[ "$(tail -c +4 "$T/b" | tail -n +2 | grep -c .)" = "$d1_total" ] || yz_fail "export of $D1: $d1_total rows"
code=$(st -H "Authorization: Bearer $CA" "$BASE/api/v1/stations/export?format=xml")
expect "$code" 400 "export format=xml"
yz_jq "$T/b" '.field == "format"' "export format=xml names format"
code=$(st "$BASE/api/v1/stations/export?format=csv")
expect "$code" 401 "export without a session"

# --- round trip: nothing changes ---------------------------------------------------------------
before=$(audit_count)
code=$(import "$CA" "dry_run=true" "$CSV" "$T/all.csv")
expect "$code" 200 "round trip csv (dry run)"
yz_jq "$T/b" '.dry_run and (.applied | not) and .format == "csv" and .rows == '"$total"'
    and .counts == {"create":0,"update":0,"unchanged":'"$total"',"error":0,"new_districts":0}
    and .create == [] and .update == [] and .errors == []' "round trip csv: all unchanged"
code=$(import "$CA" "dry_run=true" "$GEO" "$T/all.geojson")
expect "$code" 200 "round trip geojson (dry run)"
yz_jq "$T/b" '.format == "geojson" and .counts.unchanged == '"$total"' and .counts.update == 0
    and .counts.create == 0' "round trip geojson: all unchanged"
[ "$(audit_count)" = "$before" ] || yz_fail "a dry run was audited"
# applying the unchanged file writes nothing: versions stay
S1=$(curl -sf "$BASE/api/v1/stations?district=$D1&per_page=1" | jq -r '.stations[0].id')
v1=$(curl -sf "$BASE/api/v1/stations/$S1" | jq .version)
code=$(import "$CA" "dry_run=false" "$CSV" "$T/all.csv")
expect "$code" 200 "round trip csv (apply)"
yz_jq "$T/b" '.applied and (.dry_run | not) and .counts.unchanged == '"$total" "round trip apply"
[ "$(curl -sf "$BASE/api/v1/stations/$S1" | jq .version)" = "$v1" ] || yz_fail "an unchanged station's version moved"

# --- one bad row: reported with its line and field; nothing written ---------------------------
# line 3 is the second station: its seats become -5
sed -E '3s/,[0-9]+,(true|false),([a-z_]*)(,[a-z;]*)?\r$/,-5,\1,\2\3\r/' "$T/all.csv" >"$T/bad.csv"
cmp -s "$T/all.csv" "$T/bad.csv" && yz_fail "setup: the bad row was not made"
bad_code=$(sed -n 3p "$T/bad.csv" | cut -d, -f1)
bad_v=$(id_of "$bad_code")
bad_ver=$(curl -sf "$BASE/api/v1/stations/$bad_v" | jq .version)
for dry in true false; do
    code=$(import "$CA" "dry_run=$dry" "$CSV" "$T/bad.csv")
    expect "$code" 400 "bad row (dry_run=$dry)"
    yz_jq "$T/b" '.error == "invalid_field" and .field == "seats" and .counts.error == 1
        and .errors[0].line == 3 and .errors[0].field == "seats"
        and (.errors[0].message | test("座位")) and (.errors[0].message_en | test("seats"))
        and (.applied | not)' "bad row report (dry_run=$dry)"
done
[ "$(curl -sf "$BASE/api/v1/stations/$bad_v" | jq .version)" = "$bad_ver" ] || yz_fail "the bad file changed a station"
yz_jq <(curl -sf -H "$H" "$BASE/api/v1/audit?action=stations_import&outcome=refused&limit=1") \
    '.entries[0] | .status == 400 and .after.counts.error == 1 and (.reason | test("seats"))' "refused import audited"

# GeoJSON errors name the feature
jq '.features[1].properties.tier = "gold"' "$T/all.geojson" >"$T/bad.geojson"
code=$(import "$CA" "" "$GEO" "$T/bad.geojson")
expect "$code" 400 "bad feature"
yz_jq "$T/b" '.dry_run and .errors[0].line == 2 and .errors[0].field == "tier"
    and (.errors[0].message_en | test("feature 2"))' "bad feature report"

# --- a district admin: a row of another district refuses the whole file ---------------------
r1=$(awk -F, -v d="$D1" 'NR > 1 && $4 == d { print NR; exit }' "$T/all.csv")
r2=$(awk -F, -v d="$D2" 'NR > 1 && $4 == d { print NR; exit }' "$T/all.csv")
c1=$(sed -n "${r1}p" "$T/all.csv" | cut -d, -f1)
n1=$(sed -n "${r1}p" "$T/all.csv" | cut -d, -f2)
{ head -1 "$T/all.csv"; sed -n "${r1}p" "$T/all.csv" | sed "s/^$c1,$n1,/$c1,${n1}X,/"; sed -n "${r2}p" "$T/all.csv"; } >"$T/mixed.csv"
id1=$(id_of "$c1")
ver1=$(curl -sf "$BASE/api/v1/stations/$id1" | jq .version)
code=$(import "$DA" "dry_run=false" "$CSV" "$T/mixed.csv")
expect "$code" 403 "district admin import of a $D2 row"
yz_jq "$T/b" '.error == "forbidden" and .counts.error == 1 and .errors[0].line == 3
    and .errors[0].field == "district_code" and (.applied | not)' "district admin: the $D2 row reported"
[ "$(curl -sf "$BASE/api/v1/stations/$id1" | jq .version)" = "$ver1" ] || yz_fail "the refused file changed $c1"
# their own row alone is theirs to change, and the report names the one change
{ head -1 "$T/mixed.csv"; sed -n 2p "$T/mixed.csv"; } >"$T/own.csv"
before=$(audit_count)
code=$(import "$DA" "dry_run=false" "$CSV" "$T/own.csv")
expect "$code" 200 "district admin import of their row"
yz_jq "$T/b" '.applied and .counts.update == 1 and .update[0].code == "'"$c1"'"
    and .update[0].changes == [{"field":"name","from":"'"$n1"'","to":"'"${n1}X"'"}]' "the one change"
yz_jq <(curl -sf "$BASE/api/v1/stations/$id1") '.name == "'"${n1}X"'" and .version == '"$((ver1 + 1))" "the change landed"
[ "$(audit_count)" = "$((before + 1))" ] || yz_fail "one audit entry per import"
yz_jq <(curl -sf -H "Authorization: Bearer $DA" "$BASE/api/v1/audit?action=stations_import&limit=1") \
    '.entries[0] | .outcome == "ok" and .actor.login == "da'$s'" and .record.district == "'"$D1"'"
    and .after.counts.update == 1 and .after.updated_codes == ["'"$c1"'"]' "the import's audit entry"
# online_maps (the last column) round-trips, and a change of it is reported as one
orig=$(sed -n "${r1}p" "$T/all.csv" | tr -d '\r' | awk -F, '{ print $NF }')
maps=tencent
[ "$orig" = tencent ] && maps=amap
{ head -1 "$T/all.csv"; sed -n "${r1}p" "$T/all.csv" | sed -E "s/,[a-z;]*\r\$/,$maps\r/"; } >"$T/maps.csv"
code=$(import "$CA" "dry_run=true" "$CSV" "$T/maps.csv")
expect "$code" 200 "online_maps change (dry run)"
yz_jq "$T/b" '.counts.update == 1 and (.update[0].changes | map(select(.field == "online_maps")) | length) == 1
    and (.update[0].changes[] | select(.field == "online_maps") | .to) == "'$maps'"' "online_maps change reported"
# back as it was (the city admin, from the first export)
{ head -1 "$T/all.csv"; sed -n "${r1}p" "$T/all.csv"; } >"$T/restore.csv"
code=$(import "$CA" "dry_run=false" "$CSV" "$T/restore.csv")
expect "$code" 200 "restore"
yz_jq "$T/b" '.counts.update == 1' "restore: one update"

# --- a new station in a district not yet known: the city admin's dry run lists both; the
# district admin may not create districts
{ head -1 "$T/all.csv"; printf 'T385-%s,新区测试驿站,测试路 1 号,339999,测试新区,28.0,120.6,wgs84,basic,other,,,,open,,0,false,,\r\n' "$s"; } >"$T/newd.csv"
code=$(import "$CA" "dry_run=true" "$CSV" "$T/newd.csv")
expect "$code" 200 "new district (dry run)"
yz_jq "$T/b" '.counts.create == 1 and .counts.new_districts == 1 and .new_districts == ["339999"]
    and .create[0] == {"line":2,"code":"T385-'$s'","name":"新区测试驿站","district_code":"339999"}' "new district report"
code=$(import "$DA" "dry_run=true" "$CSV" "$T/newd.csv")
expect "$code" 403 "district admin: a new district"
yz_jq "$T/b" '.errors[0].field == "district_code" and .counts.create == 0' "district admin: new district refused"
[ "$(curl -sf "$BASE/api/v1/districts" | jq '[.districts[] | select(.code == "339999")] | length')" = 0 ] ||
    yz_fail "a dry run created a district"

# --- sizes and formats ---------------------------------------------------------------------------
head -c $((8 * 1024 * 1024 + 1)) /dev/zero | tr '\0' 'x' >"$T/big.csv"
code=$(import "$CA" "" "$CSV" "$T/big.csv")
expect "$code" 413 "over 8 MiB"
yz_jq "$T/b" '.field == "body" and (.message_en | test("8192 KiB"))' "413 names the limit"
code=$(st -X POST -H "$H" -H "Content-Type: application/json" --data-binary "@$T/all.csv" "$BASE/api/v1/stations")
expect "$code" 413 "other routes keep the 64 KiB limit"
code=$(import "$CA" "format=xml" "$CSV" "$T/all.csv")
expect "$code" 400 "format=xml"
yz_jq "$T/b" '.field == "format"' "format=xml names format"
code=$(import "$CA" "" "Content-Type: image/png" "$T/all.csv")
expect "$code" 400 "Content-Type image/png"
yz_jq "$T/b" '.field == "Content-Type"' "a wrong Content-Type is named"
code=$(import "$CA" "format=csv" "$GEO" "$T/all.geojson")
expect "$code" 400 "format=csv with GeoJSON's Content-Type"
code=$(import "$CA" "format=csv" "Content-Type: application/octet-stream" "$T/all.geojson")
expect "$code" 400 "GeoJSON read as CSV"
yz_jq "$T/b" '.field == "header" and .errors[0].line == null' "a GeoJSON file read as CSV: its header"
code=$(import "$CA" "" "Content-Type: application/octet-stream" "$T/all.geojson")
expect "$code" 200 "the format from the content"
yz_jq "$T/b" '.format == "geojson"' "sniffed GeoJSON"
: >"$T/empty.csv"
code=$(import "$CA" "" "$CSV" "$T/empty.csv")
expect "$code" 400 "empty file"
yz_jq "$T/b" '.field == "body"' "empty file names the body"
code=$(import "$CA" "dry_run=maybe" "$CSV" "$T/all.csv")
expect "$code" 400 "dry_run=maybe"
echo "stations transfer: ok"
