#!/bin/sh
# tools/lint.sh - the checks of `make lint`: banned functions, then clang-format (reported).
set -u
cd "$(dirname "$0")/.."
rc=0
files=$(git ls-files 'src/*.c' 'src/*.h' 'tests/*.c' 'bench/*.c' 'fuzz/*.c')
# sprintf (not snprintf), strcpy, strtok, atoi: unbounded or silent on error.
if grep -nE '(^|[^a-z_])(sprintf|vsprintf|strcpy|strcat|strtok|atoi|gets)\(' $files; then
    echo "lint: banned function above (use snprintf, memcpy with a length, strtol)"
    rc=1
fi
if command -v clang-format >/dev/null 2>&1; then
    if ! clang-format --dry-run $files 2>/dev/null | head -0 && clang-format --dry-run $files 2>&1 | grep -q warning; then
        n=$(clang-format --dry-run $files 2>&1 | grep -c 'warning:')
        echo "lint: clang-format would change $n places (run clang-format -i on the files)"
    fi
fi
[ $rc = 0 ] && echo "lint: ok"
exit $rc
