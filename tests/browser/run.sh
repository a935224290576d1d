#!/bin/sh
# tests/browser/run.sh [BIN] - the web app in a real browser: installs the test's npm packages
# from its lockfile (playwright-core, axe-core), builds the app (scripts/web.sh), starts
# `BIN serve` (default build/san/yizhan, else bin/yizhan) on a temporary database holding the
# demo city and one city admin for the console on 127.0.0.1 and a free port, and runs
# app.test.mjs, the worker app's app-*.test.mjs, the console's admin*.test.mjs, then hostile.test.mjs (which adds stations with
# hostile texts to the database), in Debian's Chromium.
# Screenshots go to build/browser-shots/.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin=${1:-}
[ -n "$bin" ] || { [ -x "$root/build/san/yizhan" ] && bin=$root/build/san/yizhan || bin=$root/bin/yizhan; }
chrome=${CHROMIUM:-/usr/bin/chromium}
[ -x "$chrome" ] || { echo "browser tests: $chrome is missing (scripts/deps.sh test installs chromium)" >&2; exit 1; }

# playwright-core 1.49 needs Node.js 18 (Debian 12's own nodejs is 18.20; the lockfile's engines
# are checked by make lint, tools/engines.mjs). Under 18 the browser tests are skipped, loudly,
# as the PostgreSQL cases are without YZ_TEST_PG; in CI an older Node.js is a failure.
if ! node -e 'process.exit(+process.versions.node.split(".")[0] >= 18 ? 0 : 1)' 2>/dev/null; then
    echo "browser tests: SKIPPED: playwright-core needs Node.js 18 or later (have $(node --version 2>&1))" >&2
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
# Fast password hashes (tests only; docs/internals/accounts.md), and the console's first admin.
export YIZHAN_PWHASH=min
export YZ_CONSOLE_LOGIN=chief YZ_CONSOLE_PASSWORD="console-test-$$-pw"
"$bin" demo --db "$tmp/t.db" >"$tmp/demo.log" 2>&1 || { cat "$tmp/demo.log"; exit 1; }
echo "$YZ_CONSOLE_PASSWORD" | "$bin" user add "$YZ_CONSOLE_LOGIN" --name 市总管理员 --role city_admin \
    --db "$tmp/t.db" >/dev/null || { echo "could not create the console's admin"; exit 1; }
# --live-max-age 120: app-live.test.mjs posts a reading 200 s old (the ingest takes up to 300 s)
# to see a value the server no longer trusts. --alarm-eval-s 0: alarms are evaluated only when a
# test asks, at the time it gives (admin-alarms.test.mjs).
"$bin" serve --db "$tmp/t.db" --bind 127.0.0.1 --port 0 --port-file "$tmp/port" \
    --writes-per-min 1000000 --workers-per-hour 1000000 --live-max-age 120 --alarm-eval-s 0 \
    --web-root "$root/build/web" 2>"$tmp/server.log" &
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
export YZ_BIN="$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")" # screen.test.mjs starts (and restarts) a server of its own
# Playwright 1.49 applies setOffline, routes and request events to service workers only with
# this (later Playwright always does; app.test.mjs's offline test needs it).
export PW_EXPERIMENTAL_SERVICE_WORKER_NETWORK_EVENTS=1
mkdir -p "$YZ_SHOTS"
rc=0
# YZ_BROWSER_TESTS="admin.test.mjs ..." runs only those files (default: all, the worker app's
# first (app.test.mjs and issue 13's app-<area>.test.mjs), then the console's, the inspection form's, issue 12's end-to-end flow, and
# hostile.test.mjs last since it adds stations with hostile texts).
tests=${YZ_BROWSER_TESTS:-"app.test.mjs $(cd "$here" && ls app-*.test.mjs 2>/dev/null | tr '\n' ' ')$(cd "$here" && ls admin*.test.mjs 2>/dev/null | tr '\n' ' ') inspect.test.mjs e2e-inspection.test.mjs screen.test.mjs hostile.test.mjs"}
# YZ_BROWSER_CMD="node lighthouse.mjs" runs that command (in this folder) against the same
# server instead of the tests (bench/Makefile `lighthouse`).
if [ -n "${YZ_BROWSER_CMD:-}" ]; then
    # shellcheck disable=SC2086
    (cd "$here" && $YZ_BROWSER_CMD) || rc=$?
else
    # shellcheck disable=SC2086
    (cd "$here" && node --test --test-concurrency=1 --test-reporter=spec $tests) || rc=$?
fi
if [ $rc != 0 ]; then
    echo "--- server log (last 30 lines)"; tail -30 "$tmp/server.log"
fi
exit $rc
