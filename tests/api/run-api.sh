#!/usr/bin/env bash
# tests/api/run-api.sh BIN [CASE...] - start `BIN serve` on a temporary database holding the
# demo city, on 127.0.0.1 and a free port (tests/lib.sh), and run each tests/api/NNN-name.case
# against it.
#
# Scripts tests/api/NNN-name.sh run too (see below). A case file is a sequence of requests. Lines:
#   GET /path?query            starts a request (any method; $VARS are substituted)
#   header: Name: value        a request header ($TOKEN is the admin token)
#   body: {...}                the request body, one line
#   body-bytes: N              a body of N bytes of "x" instead
#   status: 200                the expected status
#   type: application/json     the expected Content-Type prefix
#   expect: <jq expression>    must evaluate to true on the response body
#   contains: text             the body contains this text (for non-JSON bodies)
#   capture: NAME <jq expr>    saves a value for later requests as $NAME
#   # comment
set -u
bin=$1
shift
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
YZ_BIN=$bin
YZ_LOGS=$tmp
. "$here/../lib.sh"
cleanup() {
    yz_cleanup
    rm -rf "$tmp"
}
trap cleanup EXIT
export TOKEN=test-admin-token-$$
export YIZHAN_ADMIN_TOKEN=$TOKEN

# YZ_PG_CLUSTER=DIR (a cluster of tests/pg/cluster.sh): run on a fresh PostgreSQL database in
# it instead of a SQLite file. Scripts then run only when they say `# backends: sqlite pg`
# (the others read the SQLite file or start servers on one); they get the URI in YZ_DB.
db=$tmp/t.db
backend=sqlite
if [ -n "${YZ_PG_CLUSTER:-}" ]; then
    dbname="yz_api_$$_$RANDOM"
    "$here/../pg/cluster.sh" createdb "$YZ_PG_CLUSTER" "$dbname" >/dev/null || exit 1
    db=$("$here/../pg/cluster.sh" uri "$YZ_PG_CLUSTER" "$dbname")
    backend=pg
fi
yz_demo "$db"
# Every answer of every case, of this server and of those the scripts start, is recorded
# (src/http/server.c) and checked against the OpenAPI description at the end
# (tools/api/check-answers.mjs, docs/internals/api-contract.md). A line {"case": NAME}
# before each case tells whose answers follow.
answers=$tmp/answers.jsonl
export YZ_HTTP_RECORD=$answers
: >"$answers"
mark_case() { jq -nc --arg c "$1" '{case: $c}' >>"$answers"; }
# --alarm-eval-s 0: alarms are evaluated only when a case asks, at the time it gives
yz_serve server "$db" --threads 2 --writes-per-min 1000000 --workers-per-hour 1000000 --reports-per-hour 1000000 --alarm-eval-s 0
pid=$YZ_PID
base=$YZ_URL

cases=("$@")
[ ${#cases[@]} -eq 0 ] && cases=("$here"/*.case "$here"/*.sh)
pass=0
fail=0
skipped=0

declare -A vars
var_order= # the names of vars, longest first, so that $AB is never read as $A followed by B
subst() {
    local s=$1 k
    s=${s//\$TOKEN/$TOKEN}
    [[ $s == *'$'* ]] || { printf '%s' "$s"; return; }
    for k in $var_order; do
        s=${s//\$$k/${vars[$k]}}
    done
    printf '%s' "$s"
}

run_request() { # uses method path headers body checks
    local out="$tmp/body" hdr="$tmp/headers"
    local args=(-s --max-time 30 -o "$out" -D "$hdr" -w '%{http_code}' -X "$method")
    local h
    for h in "${headers[@]}"; do args+=(-H "$(subst "$h")"); done
    if [ -n "$bodybytes" ]; then
        head -c "$bodybytes" /dev/zero | tr '\0' 'x' >"$tmp/big"
        args+=(--data-binary "@$tmp/big" -H "Content-Type: application/json")
    elif [ -n "$body" ]; then
        args+=(--data-binary "$(subst "$body")")
        local has_ct=0
        for h in "${headers[@]}"; do case ${h,,} in content-type:*) has_ct=1 ;; esac; done
        [ $has_ct = 1 ] || args+=(-H "Content-Type: application/json")
    fi
    local code
    code=$(curl "${args[@]}" "$base$(subst "$path")")
    local ok=1 why=""
    for c in "${checks[@]}"; do
        local kind=${c%%:*} arg=${c#*: }
        case $kind in
        status) [ "$code" = "$arg" ] || { ok=0; why="status $code, expected $arg"; } ;;
        type)
            grep -qi "^content-type: $arg" "$hdr" || { ok=0; why="content-type: $(grep -i '^content-type' "$hdr")"; } ;;
        expect)
            [ "$(jq -e "$(subst "$arg")" "$out" 2>/dev/null)" = true ] || { ok=0; why="expect failed: $arg"; } ;;
        contains)
            grep -qF -- "$arg" "$out" || { ok=0; why="body lacks: $arg"; } ;;
        capture)
            local name=${arg%% *} expr=${arg#* }
            vars[$name]=$(jq -r "$expr" "$out" 2>/dev/null)
            var_order=$(printf '%s\n' "${!vars[@]}" | awk '{ print length($0), $0 }' | sort -rn | cut -d' ' -f2) ;;
        esac
        [ $ok = 1 ] || break
    done
    if [ $ok = 1 ]; then
        pass=$((pass + 1))
    else
        fail=$((fail + 1))
        echo "FAIL $case_name: $method $(subst "$path")"
        echo "     $why"
        echo "     body: $(head -c 600 "$out")"
    fi
}

# YZ_TIMES=FILE: each file's wall-clock time is appended to FILE (where make test's time goes).
t_file=
for f in "${cases[@]}" ""; do
    [ -n "${YZ_TIMES:-}" ] && [ -n "$t_file" ] &&
        echo "$(($(date +%s%N) / 1000000 - t_start)) ms $backend $(basename "$t_file")" >>"$YZ_TIMES"
    t_file=$f t_start=$(($(date +%s%N) / 1000000))
    case $f in
    "") break ;;
    */run-api.sh) continue ;;
    *.sh)
        # A scripted case (concurrency, crashes): it gets the running server in BASE, the admin
        # token in TOKEN, the binary in YZ_BIN and a scratch folder in CASE_TMP, and may start
        # servers of its own. Exit 0 = pass.
        if [ $backend = pg ] && ! grep -q '^# backends:.* pg' "$f"; then
            skipped=$((skipped + 1))
            continue
        fi
        mkdir -p "$tmp/case"
        mark_case "$(basename "$f")"
        if BASE=$base YZ_BIN=$bin YZ_DB=$db CASE_TMP=$(mktemp -d "$tmp/case/XXXX") bash "$f" >"$tmp/script.log" 2>&1; then
            pass=$((pass + 1))
        else
            fail=$((fail + 1))
            echo "FAIL $(basename "$f")"
            tail -20 "$tmp/script.log" | sed 's/^/     /'
        fi
        continue
        ;;
    esac
    case_name=$(basename "$f" .case)
    mark_case "$(basename "$f")"
    method=
    while IFS= read -r line || [ -n "$line" ]; do
        case $line in
        '' | '#'*) continue ;;
        status:* | expect:* | capture:* | type:* | contains:*) checks+=("$line") ;;
        header:*) headers+=("${line#header: }") ;;
        body:*) body=${line#body: } ;;
        body-bytes:*) bodybytes=${line#body-bytes: } ;;
        *)
            [ -n "$method" ] && run_request
            method=${line%% *}
            path=${line#* }
            headers=()
            checks=()
            body=
            bodybytes=
            ;;
        esac
    done <"$f"
    [ -n "$method" ] && run_request
done

yz_stop "$pid"
rc=$?
if [ $rc != 0 ]; then
    echo "FAIL: server exited with $rc after SIGTERM"
    tail -30 "$tmp/server.log"
    fail=$((fail + 1))
fi
if grep -q "ERROR: AddressSanitizer\|runtime error:" "$tmp/server.log"; then
    echo "FAIL: sanitizer report in the server log"
    grep -A30 "ERROR: AddressSanitizer\|runtime error:" "$tmp/server.log" | head -60
    fail=$((fail + 1))
fi
unset YZ_HTTP_RECORD
[ -z "${YZ_KEEP_ANSWERS:-}" ] || cp "$answers" "$YZ_KEEP_ANSWERS"
if ! "$here/../../tools/api/check-answers.sh" "$answers"; then
    fail=$((fail + 1))
fi
if [ $backend = pg ]; then
    echo "api cases on PostgreSQL: $pass passed, $fail failed, $skipped scripts for SQLite only skipped"
else
    echo "api cases: $pass passed, $fail failed"
fi
[ $fail = 0 ]
