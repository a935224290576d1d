#!/usr/bin/env bash
# backends: sqlite pg
# The QR SVG is well-formed XML, sized per its version (17 + 4v modules plus a quiet zone of
# 4 on each side), drawn only inside the code area, and differs between two stations; the PNG is
# a real PNG of the same module count times the scale; the poster is well-formed enough for
# xmllint's HTML parser and embeds the same matrix as the SVG route.
set -eu
get() { curl -s -f "$BASE$1" -o "$2"; }
get /api/v1/stations/WZ-GHDS/qr.svg "$CASE_TMP/a.svg"
get /api/v1/stations/WZ0153/qr.svg "$CASE_TMP/b.svg"
for f in a b; do
    xmllint --noout "$CASE_TMP/$f.svg"
    v=$(xmllint --xpath 'string(/*[local-name()="svg"]/@data-qr-version)' "$CASE_TMP/$f.svg")
    vb=$(xmllint --xpath 'string(/*[local-name()="svg"]/@viewBox)' "$CASE_TMP/$f.svg")
    [ "$v" -ge 1 ] && [ "$v" -le 40 ] || { echo "version $v"; exit 1; }
    n=$((17 + 4 * v + 8))
    [ "$vb" = "0 0 $n $n" ] || { echo "$f: viewBox '$vb' for version $v (expected $n)"; exit 1; }
    # Every dark run starts inside the code area and ends before the quiet zone.
    d=$(xmllint --xpath 'string(//*[local-name()="path"]/@d)' "$CASE_TMP/$f.svg")
    echo "$d" | tr 'z' '\n' | grep . |
        sed -E 's/^M([0-9]+) ([0-9]+)h([0-9]+)v1h-([0-9]+)$/\1 \2 \3 \4/' |
        awk -v lo=4 -v hi=$((n - 4)) '
        { if (NF != 4 || $0 !~ /^[0-9 ]+$/) { print "bad run " $0; bad = 1; next }
          if ($1 < lo || $2 < lo || $1 + $3 > hi || $2 >= hi || $3 != $4) { print "out of area " $0; bad = 1 }
          dark += $3 }
        END { if (bad) exit 1; if (dark < 100) { print "too few dark modules: " dark; exit 1 } }'
    # The three finder patterns: a 7-module dark run at the top-left and top-right corners.
    echo "$d" | grep -q "M4 4h7v1h-7z" || { echo "$f: no top-left finder"; exit 1; }
    echo "$d" | grep -q "M$((n - 11)) 4h7v1h-7z" || { echo "$f: no top-right finder"; exit 1; }
    echo "$d" | grep -q "M4 $((n - 5))h7v1h-7z" || { echo "$f: no bottom-left finder"; exit 1; }
done
da=$(xmllint --xpath 'string(//*[local-name()="path"]/@d)' "$CASE_TMP/a.svg")
db=$(xmllint --xpath 'string(//*[local-name()="path"]/@d)' "$CASE_TMP/b.svg")
[ "$da" != "$db" ] || { echo "two stations have the same QR matrix"; exit 1; }
# The same station by id gives the same matrix.
get /api/v1/stations/1/qr.svg "$CASE_TMP/a1.svg"
cmp -s "$CASE_TMP/a.svg" "$CASE_TMP/a1.svg" || { echo "id and code differ"; exit 1; }
# PNG: signature, and IHDR width = modules x scale.
get "/api/v1/stations/WZ-GHDS/qr.png?scale=3" "$CASE_TMP/a.png"
va=$(xmllint --xpath 'string(/*[local-name()="svg"]/@data-qr-version)' "$CASE_TMP/a.svg")
na=$((17 + 4 * va + 8))
[ "$(head -c 8 "$CASE_TMP/a.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] || { echo "not a PNG"; exit 1; }
w=$((16#$(od -An -tx1 -j16 -N4 "$CASE_TMP/a.png" | tr -d ' \n')))
[ "$w" = $((na * 3)) ] || { echo "png width $w, expected $((na * 3))"; exit 1; }
# The poster embeds the same path.
get /api/v1/stations/WZ-GHDS/poster.html "$CASE_TMP/p.html"
xmllint --html --noout "$CASE_TMP/p.html" 2>"$CASE_TMP/lint" || true
grep -q "$da" "$CASE_TMP/p.html" || { echo "poster QR differs from qr.svg"; exit 1; }
exit 0
