#!/usr/bin/env bash
# A CSV load large enough to take the bulk paths (more rows than IMPORT_REINDEX_MIN, in many
# parts of the second thread's hand-over) into an empty PostgreSQL store (COPY straight into
# stations, the district index and key set aside and restored) against SQLite as the oracle:
# the same exit codes and messages, and the same export, byte for byte; a file with a bad row
# in a late part refused whole on both, naming that line, the store unchanged; the district
# key is back. Then the same file again: every row an update.
set -u
T=$CASE_TMP
sq=$T/oracle.db
hdr=code,name,address,district_code,district_name,lat,lon,crs,tier,partner_kind,partner_name,facilities,opening_hours,status,phone,seats,livelihood,batch
awk -v hdr="$hdr" 'BEGIN {
    print hdr
    split("toilet;drinking_water|battery_swap|microwave;wifi;toilet||hot_water", fac, "|")
    for (i = 1; i <= 12000; i++)
        printf "B-%05d,驿站 %d 号,第 %d 路,%s,区 %d,%.6f,%.6f,,basic,community,,%s,Mo-Su 08:00-20:00,open,,%d,false,\n",
            i, i, i, "33" sprintf("%04d", i % 37), i % 37, 27 + i / 12000, 120 + (i % 997) / 1000, fac[i % 5 + 1], i % 40
}' >"$T/big.csv"
awk -F, 'NR == 11001 { $8 = "mars" } { print }' OFS=, "$T/big.csv" >"$T/bad.csv"
for f in bad big bad big; do
    "$YZ_BIN" import --db "$sq" "$T/$f.csv" >"$T/sq.out" 2>&1
    a=$?
    "$YZ_BIN" import --db "$YZ_DB" "$T/$f.csv" >"$T/pg.out" 2>&1
    b=$?
    [ "$a" = "$b" ] || { echo "$f: exit $b on PostgreSQL, $a on SQLite"; cat "$T/pg.out" "$T/sq.out"; exit 1; }
    cmp -s "$T/sq.out" "$T/pg.out" || { echo "$f: messages differ"; diff "$T/sq.out" "$T/pg.out"; exit 1; }
    "$YZ_BIN" export --db "$sq" --format csv >"$T/sq.csv" && "$YZ_BIN" export --db "$YZ_DB" --format csv >"$T/pg.csv" ||
        { echo "export failed"; exit 1; }
    cmp -s "$T/sq.csv" "$T/pg.csv" || { echo "$f: exports differ"; diff "$T/sq.csv" "$T/pg.csv" | head; exit 1; }
    echo "$f: $(head -1 "$T/pg.out")"
done
"$YZ_BIN" import --db "$YZ_DB" "$T/bad.csv" 2>&1 | grep -q "row 11001: crs" || { echo "the bad row is not named"; exit 1; }
[ "$(grep -c '^B-' "$T/pg.csv")" = 12000 ] || { echo "not 12000 stations"; exit 1; }
grep -q "12000 更新 updated" "$T/pg.out" || { echo "the second load did not update every row"; cat "$T/pg.out"; exit 1; }
psql "$YZ_DB" -Atc "SELECT count(*) FROM pg_constraint WHERE conname = 'stations_district_code_fkey'" | grep -qx 1 ||
    { echo "the district key is missing"; exit 1; }
psql "$YZ_DB" -Atc "SELECT count(*) FROM pg_indexes WHERE indexname = 'stations_district'" | grep -qx 1 ||
    { echo "the district index is missing"; exit 1; }
[ "$(psql "$YZ_DB" -Atc "SELECT count(*) FROM station_facilities")" = "$(sqlite3 "$sq" "SELECT count(*) FROM station_facilities")" ] ||
    { echo "the facility views differ"; exit 1; }
echo "ok (a 12,000-row load in parts, refused whole on a late bad row, then loaded and updated: same as SQLite)"
