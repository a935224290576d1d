#!/bin/sh
# scripts/deps.sh - install the Debian packages yizhan needs to build, test and run.
# Idempotent: asks apt only for what is missing, and does nothing when all is there.
# Usage: scripts/deps.sh [build|run|test|bench|deb]   (default: test, which includes build)
set -eu

build="gcc make pkg-config libmicrohttpd-dev libjansson-dev libsqlite3-dev libopencc-dev
       libopencc-data libicu-dev unicode-data bzip2 libsodium-dev libqrencode-dev libpng-dev zlib1g-dev ca-certificates
       libpq-dev libvips-dev libcurl4-openssl-dev libcairo2-dev libpango1.0-dev fonts-noto-cjk nodejs
       libmosquitto-dev libssl-dev"
# mosquitto, mosquitto-clients: the broker of tests/mqtt/ (and mosquitto_passwd, the oracle of
# the password file's format). nginx: tests/pg/070-nginx.sh. prometheus: only for promtool (make lint checks the alert rules);
# no smaller Debian package carries it. On a machine with systemd it also enables a Prometheus
# service: `systemctl disable --now prometheus` if that is not wanted there.
# postgresql-15-postgis-3, redis-server, redis-tools, time: the peers of the load and peers
# benches, whose quick modes make test runs (and /usr/bin/time, which bench_load.sh reads).
test="$build libcriterion-dev curl jq sqlite3 clang libclang-rt-14-dev chromium poppler-utils zbar-tools wrk
      postgresql-15 postgresql-client-15 nginx prometheus mosquitto mosquitto-clients
      postgresql-15-postgis-3 redis-server redis-tools time"
bench="$test postgresql"
# make run: the broker that carries the simulated devices' readings (scripts/run.sh)
run="$build mosquitto"
# make deb: the packaging tools (and man, for make deb-test's man -l)
deb="$build dpkg-dev debhelper lintian fakeroot man-db"

case "${1:-test}" in
    build) want=$build ;;
    run) want=$run ;;
    test) want=$test ;;
    bench) want=$bench ;;
    deb) want=$deb ;;
    *) echo "usage: $0 [build|run|test|bench|deb]" >&2; exit 2 ;;
esac

missing=""
for p in $want; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
        missing="$missing $p"
    fi
done
# npm (the web app's build): Debian's package, unless the installed Node.js brings its own (as
# NodeSource's nodejs does, which conflicts with Debian's npm package).
command -v npm >/dev/null 2>&1 || missing="$missing npm"
[ -z "$missing" ] && exit 0

echo "deps: installing$missing" >&2
sudo=""
if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null 2>&1 || { echo "deps: need root (or sudo) to install:$missing" >&2; exit 1; }
    sudo=sudo
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq >/dev/null
# shellcheck disable=SC2086
$sudo apt-get install -y -qq --no-install-recommends $missing >/dev/null
