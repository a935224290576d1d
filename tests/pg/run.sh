#!/usr/bin/env bash
# tests/pg/run.sh BIN - the PostgreSQL store: a throwaway cluster (tests/pg/cluster.sh), the
# API cases on a fresh database in it (tests/api/run-api.sh with YZ_PG_CLUSTER), then the
# scripts of tests/pg (several yizhan nodes on one database).
set -u
bin=$1
here=$(cd "$(dirname "$0")" && pwd)
dir=$(mktemp -d)
trap '"$here/cluster.sh" stop "$dir" 2>/dev/null; rm -rf "$dir"' EXIT
"$here/cluster.sh" start "$dir" || exit 1
rc=0
# With a pool of one connection: an operation that held one connection while asking for
# another would hang here. (The scripts below run with the default pool and concurrency.)
YIZHAN_PG_POOL=1 YZ_PG_CLUSTER=$dir "$here/../api/run-api.sh" "$bin" || rc=1
pass=0
fail=0
for f in "$here"/[0-9]*.sh; do
    name="yz_pg_$(basename "$f" .sh | tr -c 'a-z0-9\n' '_')"
    "$here/cluster.sh" createdb "$dir" "$name" >/dev/null || { rc=1; continue; }
    if YZ_BIN=$bin YZ_DB=$("$here/cluster.sh" uri "$dir" "$name") PG_CLUSTER=$dir \
        CASE_TMP=$(mktemp -d "$dir/XXXX") bash "$f" >"$dir/script.log" 2>&1; then
        pass=$((pass + 1))
        tail -1 "$dir/script.log" | sed "s/^/$(basename "$f"): /"
    else
        fail=$((fail + 1))
        echo "FAIL $(basename "$f")"
        tail -25 "$dir/script.log" | sed 's/^/     /'
    fi
done
echo "postgresql scripts: $pass passed, $fail failed"
[ $fail = 0 ] && exit $rc
exit 1
