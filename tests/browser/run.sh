#!/bin/sh
# tests/browser/run.sh [BIN] - the web app in a real browser: installs the test's npm packages
# from its lockfile (playwright-core, axe-core), builds the app (scripts/web.sh), starts
# `BIN serve` (default build/san/yizhan, else bin/yizhan) on a temporary database holding the
# demo city on 127.0.0.1 and a free port, and runs app.test.mjs, then hostile.test.mjs (which
# adds stations with hostile texts to the database), in Debian's Chromium.
# Screenshots go to build/browser-shots/.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin=${1:-}
[ -n "$bin" ] || { [ -x "$root/build/san/yizhan" ] && bin=$root/build/san/yizhan || bin=$root/bin/yizhan; }
chrome=${CHROMIUM:-/usr/bin/chromium}
[ -x "$chrome" ] || { echo "browser tests: $chrome is missing (scripts/deps.sh test installs chromium)" >&2; exit 1; }

# playwright-core needs Node.js 20; Debian 12's own nodejs is 18. Where only 18 is installed
# the browser tests are skipped, loudly, as the PostgreSQL cases are without YZ_TEST_PG; in CI
# (this machine kind has Node.js 20) a missing Node.js 20 is a failure.
if ! node -e 'process.exit(+process.versions.node.split(".")[0] >= 20 ? 0 : 1)' 2>/dev/null; then
    echo "browser tests: SKIPPED: playwright-core needs Node.js 20 or later (have $(node --version 2>&1))" >&2
    [ -n "${CI:-}" ] && exit 1
    exit 0
fi
stamp=$here/node_modules/.yz-lock
if [ ! -f "$stamp" ] || ! cmp -s "$here/package-lock.json" "$stamp"; then
    (cd "$here" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
    cp "$here/package-lock.json" "$stamp"
fi
"$root/scripts/web.sh"

tmp=$(mktemp -d)
pid=
cleanup() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
export YIZHAN_ADMIN_TOKEN=browser-test-$$
"$bin" demo --db "$tmp/t.db" >"$tmp/demo.log" 2>&1 || { cat "$tmp/demo.log"; exit 1; }
"$bin" serve --db "$tmp/t.db" --bind 127.0.0.1 --port 0 --port-file "$tmp/port" \
    --writes-per-min 1000000 --workers-per-hour 1000000 --web-root "$root/build/web" 2>"$tmp/server.log" &
pid=$!
i=0
while [ ! -s "$tmp/port" ]; do
    i=$((i + 1))
    [ $i -le 200 ] && kill -0 "$pid" 2>/dev/null || { echo "server did not start"; cat "$tmp/server.log"; exit 1; }
    sleep 0.05
done
export YZ_BASE="http://127.0.0.1:$(cat "$tmp/port")"
export YZ_SHOTS="$root/build/browser-shots"
export YZ_CHROMIUM=$chrome
export YZ_ROOT=$root
mkdir -p "$YZ_SHOTS"
rc=0
(cd "$here" && node --test --test-concurrency=1 --test-reporter=spec app.test.mjs hostile.test.mjs) || rc=$?
if [ $rc != 0 ]; then
    echo "--- server log (last 30 lines)"; tail -30 "$tmp/server.log"
fi
exit $rc
