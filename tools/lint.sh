#!/bin/sh
# tools/lint.sh - the checks of `make lint`: banned functions, the include directions of
# tools/layers.txt, the npm lockfiles' engines (tools/engines.mjs), then clang-format (reported).
set -u
cd "$(dirname "$0")/.."
rc=0
files=$(git ls-files 'src/*.c' 'src/*.h' 'tests/*.c' 'bench/*.c' 'fuzz/*.c')
# sprintf (not snprintf), strcpy, strtok, atoi: unbounded or silent on error.
if grep -nE '(^|[^a-z_])(sprintf|vsprintf|strcpy|strcat|strtok|atoi|gets)\(' $files; then
    echo "lint: banned function above (use snprintf, memcpy with a length, strtol)"
    rc=1
fi
# Layers: every `#include "dir/x.h"` in src/DIR/ must name DIR itself or a folder that
# tools/layers.txt lets DIR include; every folder of src/ must have a line there.
if ! awk '
    FILENAME == "tools/layers.txt" {
        if ($0 ~ /^[ \t]*(#|$)/)
            next
        dir = $1
        sub(/:$/, "", dir)
        known[dir] = 1
        for (i = 2; i <= NF; i++)
            may[dir, $i] = 1
        next
    }
    FNR == 1 {
        split(FILENAME, part, "/")
        from = part[2]
        if (!(from in known) && !(from in told)) {
            printf "%s: src/%s/ has no line in tools/layers.txt\n", FILENAME, from
            told[from] = 1
            bad = 1
        }
    }
    /^[ \t]*#[ \t]*include[ \t]*"[^"\/]*\// {
        inc = $0
        sub(/^[^"]*"/, "", inc)
        sub(/".*/, "", inc)
        to = inc
        sub(/\/.*/, "", to)
        if (to != from && !((from, to) in may)) {
            printf "%s:%d: src/%s/ may not include %s (tools/layers.txt)\n", FILENAME, FNR,
                   from, inc
            bad = 1
        }
    }
    END { exit bad }
' tools/layers.txt $(git ls-files 'src/*.c' 'src/*.h'); then
    echo "lint: an include above goes against the layers of tools/layers.txt"
    rc=1
fi
# One rule, one place (docs/internals/store.md): every user-facing message of the store, the
# English text that follows its Chinese one, is written once in src/store/.
dups=$(perl -0777 -ne 'while (/"[^"\n]*[\xe4-\xe9][^"\n]*"\s*,\s*"([^"\n]+)"/g) { print "$1\n" }' \
    $(git ls-files 'src/store/*.c') | sort | uniq -d)
if [ -n "$dups" ]; then
    printf '%s\n' "$dups" | sed 's/^/lint: written twice in src\/store: /'
    echo "lint: a store message above is written more than once (write the rule once, store/db.h)"
    rc=1
fi
# The Prometheus alert rules: valid, firing as tests/prometheus says, and naming only metrics
# a node exports (a renamed metric would leave its alert silent forever).
rules=docs/deploy/prometheus/yizhan-rules.yml
if ! command -v promtool >/dev/null 2>&1; then
    echo "lint: promtool missing (Debian package prometheus: scripts/deps.sh test)"
    rc=1
elif ! promtool check rules "$rules" >/dev/null || ! (cd tests/prometheus && promtool test rules yizhan-rules.test.yml >/dev/null); then
    promtool check rules "$rules"
    (cd tests/prometheus && promtool test rules yizhan-rules.test.yml)
    echo "lint: the alert rules above fail promtool"
    rc=1
fi
for m in $(grep -o 'yizhan_[a-z_]*' "$rules" | sed 's/_bucket$//' | sort -u); do
    if ! grep -rqF "$m" src/; then
        echo "lint: $rules names $m, which no node exports"
        rc=1
    fi
done
# npm lockfiles: every package's engines.node admits Debian 12's Node.js 18.20 and 20 (issue 15).
if command -v node >/dev/null 2>&1; then
    node tools/engines.mjs || { echo "lint: an npm package above needs a newer Node.js"; rc=1; }
else
    echo "lint: node is missing (scripts/deps.sh build installs it)"
    rc=1
fi
if command -v clang-format >/dev/null 2>&1; then
    if ! clang-format --dry-run $files 2>/dev/null | head -0 && clang-format --dry-run $files 2>&1 | grep -q warning; then
        n=$(clang-format --dry-run $files 2>&1 | grep -c 'warning:')
        echo "lint: clang-format would change $n places (run clang-format -i on the files)"
    fi
fi
# The OpenAPI description (docs/api/, docs/internals/api-contract.md): Redocly's lint, with
# the rules of docs/api/redocly.yaml. The tools come from tools/api/package-lock.json.
if ! tools/api/setup.sh; then
    echo "lint: the API tools could not be installed (tools/api)"
    rc=1
elif ! mkdir -p build || ! tools/api/node_modules/.bin/redocly lint docs/api/openapi.yaml --config docs/api/redocly.yaml \
    --format=summary >build/redocly-lint.log 2>&1; then
    cat build/redocly-lint.log
    echo "lint: docs/api/openapi.yaml has errors above (tools/api/node_modules/.bin/redocly lint docs/api/openapi.yaml --config docs/api/redocly.yaml)"
    rc=1
fi
[ $rc = 0 ] && echo "lint: ok"
exit $rc
