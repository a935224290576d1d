#!/bin/sh
# tools/api/setup.sh - install the contract tools (Redocly's CLI, Ajv) from
# tools/api/package-lock.json with npm ci, only when the lockfile differs from the one last
# installed (as scripts/web.sh does for the web app). Quiet when nothing changed.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
command -v npm >/dev/null 2>&1 || { echo "api tools: npm is missing (scripts/deps.sh build installs it)" >&2; exit 1; }
stamp=$here/node_modules/.yz-lock
if [ ! -f "$stamp" ] || ! cmp -s "$here/package-lock.json" "$stamp"; then
    echo "api tools: npm ci" >&2
    (cd "$here" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
    cp "$here/package-lock.json" "$stamp"
fi
