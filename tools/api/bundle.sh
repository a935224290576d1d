#!/bin/sh
# tools/api/bundle.sh OUT.json - docs/api/openapi.yaml and the files it references bundled
# into one JSON document (redocly bundle), the file served at /api/v1/openapi.json. Rebuilt
# only when a file of docs/api/ is newer than OUT.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=$1
if [ -f "$out" ] && [ -z "$(find "$root/docs/api" -newer "$out" -type f | head -1)" ]; then
    exit 0
fi
"$here/setup.sh"
mkdir -p "$(dirname "$out")"
"$here/node_modules/.bin/redocly" bundle "$root/docs/api/openapi.yaml" --ext json \
    --output "$out.new.json" >"$out.log" 2>&1 || { cat "$out.log" >&2; rm -f "$out.new.json"; exit 1; }
mv "$out.new.json" "$out"
rm -f "$out.log"
