#!/bin/sh
# scripts/web.sh - install the web app's npm packages from web/package-lock.json (npm ci) and
# build the app into build/web (docs/internals/web.md). Idempotent and quick when nothing
# changed: npm ci runs only when the lockfile differs from the one last installed, the build
# only when a source is newer than the last build. YIZHAN_WEB_TILES=osm|amap|none picks the
# default map tiles (a worker can switch in the app).
set -eu
cd "$(dirname "$0")/.."
out=build/web
command -v npm >/dev/null 2>&1 || { echo "web: npm is missing (scripts/deps.sh build installs it)" >&2; exit 1; }

stamp=web/node_modules/.yz-lock
if [ ! -f "$stamp" ] || ! cmp -s web/package-lock.json "$stamp"; then
    echo "web: npm ci" >&2
    (cd web && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
    cp web/package-lock.json "$stamp"
fi

built=$out/.built
tiles=${YIZHAN_WEB_TILES:-osm}
if [ -f "$built" ] && [ "$(cat "$built")" = "$tiles" ] &&
    [ -z "$(find web/src web/admin web/screen web/shared web/build.mjs web/package-lock.json -newer "$built" 2>/dev/null | head -1)" ]; then
    :
else
    (cd web && YIZHAN_WEB_TILES=$tiles node build.mjs "../$out" | tail -1)
    printf '%s' "$tiles" >"$built"
fi

# The OpenAPI description bundled from docs/api/ (served at /api/v1/openapi.json; not
# committed) and its reference page (/api/docs), after the app, whose build replaces the
# folder: docs/internals/api-contract.md.
tools/api/bundle.sh "$out/api/openapi.json"
for f in docs.html docs.css docs.js; do
    case $f in docs.html) dst=$out/api/docs.html ;; *) dst=$out/api-$f ;; esac
    cmp -s "web/api-docs/$f" "$dst" 2>/dev/null || cp "web/api-docs/$f" "$dst"
done

