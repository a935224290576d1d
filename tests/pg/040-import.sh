#!/usr/bin/env bash
# Imports into PostgreSQL (pipelined upserts) against SQLite (one statement at a time) as the
# oracle: the same files in the same order, the same exit codes and messages, and after each
# the same export, byte for byte. The files: new stations with a new district, updates by code,
# a file giving a code twice (refused whole, naming the row), and rows naming a district only
# by its code.
set -u
T=$CASE_TMP
sq=$T/oracle.db
"$YZ_BIN" demo --db "$sq" >/dev/null && "$YZ_BIN" demo --db "$YZ_DB" >/dev/null || { echo "demo failed"; exit 1; }
hdr=code,name,address,district_code,district_name,lat,lon,crs,tier,partner_kind,partner_name,facilities,opening_hours,status,phone,seats,livelihood,batch
printf '%s\nT-1,测试一号驿站,"测试路1号, 一楼",339999,测试区,28.1,120.7,,basic,community,,toilet;drinking_water,Mo-Su 08:00-20:00,open,,10,true,new\nT-2,測試二號驛站,测试路2号,339999,测试区,28.1,120.701,gcj02,smart24h,gas_station,中石化,battery_swap,24/7,open,0577-1234,,false,\n' "$hdr" >"$T/good.csv"
sed 's/测试一号驿站/测试一号驿站（更新）/; s/toilet;drinking_water/toilet/' "$T/good.csv" >"$T/update.csv"
printf '%s\nT-3,第三驿站,路3号,339999,测试区,28.2,120.7,,basic,community,,microwave,24/7,open,,,false,\nT-1,一号又一次,路1号,339999,测试区,28.1,120.7,,basic,community,,,24/7,open,,,false,\nT-1,一号第三次,路1号,339999,测试区,28.1,120.7,,benchmark,community,,wifi;toilet,24/7,open,,,false,\n' "$hdr" >"$T/dup.csv"
printf '%s\nT-4,第四驿站,路4号,339999,测试区,28.2,120.7,,basic,community,,,24/7,open,,,false,\nT-5,第五驿站,路5号,999999,,28.2,120.7,,basic,community,,,24/7,open,,,false,\n' "$hdr" >"$T/codes.csv"
n=0
for f in good update dup codes; do
    "$YZ_BIN" import --db "$sq" "$T/$f.csv" >"$T/sq.out" 2>&1
    a=$?
    "$YZ_BIN" import --db "$YZ_DB" "$T/$f.csv" >"$T/pg.out" 2>&1
    b=$?
    [ "$a" = "$b" ] || { echo "$f: exit $b on PostgreSQL, $a on SQLite"; cat "$T/pg.out" "$T/sq.out"; exit 1; }
    cmp -s "$T/sq.out" "$T/pg.out" || { echo "$f: messages differ"; diff "$T/sq.out" "$T/pg.out"; exit 1; }
    "$YZ_BIN" export --db "$sq" --format csv >"$T/sq.csv" && "$YZ_BIN" export --db "$YZ_DB" --format csv >"$T/pg.csv" ||
        { echo "export failed"; exit 1; }
    cmp -s "$T/sq.csv" "$T/pg.csv" || { echo "$f: exports differ"; diff "$T/sq.csv" "$T/pg.csv" | head; exit 1; }
    n=$((n + 1))
done
grep -q "^T-3," "$T/pg.csv" && { echo "a row of the refused file landed"; exit 1; }
grep -q "^T-5," "$T/pg.csv" || { echo "T-5 missing"; exit 1; }
[ "$(psql -X -At "$YZ_DB" -c "SELECT version FROM stations WHERE code = 'T-1'")" = 2 ] ||
    { echo "T-1 should be at version 2 (insert, update)"; exit 1; }
echo "ok ($n imports: same outcome, messages and export as SQLite)"
