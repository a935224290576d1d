#!/usr/bin/env bash
# tests/api/395-openapi.sh - the OpenAPI description (docs/internals/api-contract.md): served
# at /api/v1/openapi.json and /api/docs from a web root that holds the bundle, and the answer
# check (tools/api/check-answers.mjs) rejects what differs from it: a member the schema does
# not allow, a required member missing, a wrong type, an undocumented status, route or
# method, a wrong content type, and a real answer against a schema changed on purpose.
# backends: sqlite pg
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
. "$here/../lib.sh"
T=$CASE_TMP
check="$root/tools/api/check-answers.mjs"

# The bundle and the page in a web root of this test's own.
mkdir -p "$T/web/api"
"$root/tools/api/bundle.sh" "$T/web/api/openapi.json"
cp "$root/web/api-docs/docs.html" "$T/web/api/docs.html"
printf "<!doctype html><title>t</title>\n" >"$T/web/index.html" # a web root has an index.html
spec=$T/web/api/openapi.json
yz_serve docs "$YZ_DB" --web-root "$T/web"
B=$YZ_URL
st=$(curl -s -o "$T/spec.json" -D "$T/hdr" -w '%{http_code}' "$B/api/v1/openapi.json")
[ "$st" = 200 ] || yz_fail "GET /api/v1/openapi.json: $st"
grep -qi '^content-type: application/json' "$T/hdr" || yz_fail "openapi.json: $(grep -i content-type "$T/hdr")"
grep -qi '^etag: ' "$T/hdr" || yz_fail "openapi.json has no ETag"
cmp -s "$T/spec.json" "$spec" || yz_fail "the served description is not the bundle"
yz_jq "$T/spec.json" '.openapi == "3.1.0" and (.paths | has("/api/v1/stations/nearby"))' "not the 3.1 description"
# Every route the description names with a method is a route of the server (its permission
# table): no invented paths.
"$YZ_BIN" permissions --tsv | awk -F'\t' 'NR > 1 { print $1, $2 }' | sort -u >"$T/routes"
jq -r '.paths | to_entries[] | .key as $p | .value | keys[]
       | select(. == "get" or . == "post" or . == "patch" or . == "delete" or . == "put")
       | "\(ascii_upcase) \($p)"' "$spec" |
    sed -E 's#\{[^}]+\}\.json#{}#g; s#\{[^}]+\}#{}#g' | sort -u >"$T/described"
extra=$(comm -13 "$T/routes" "$T/described")
[ -z "$extra" ] || yz_fail "described but not routes of the server: $extra"
st=$(curl -s -o "$T/docs.html" -D "$T/hdr" -w '%{http_code}' "$B/api/docs")
[ "$st" = 200 ] || yz_fail "GET /api/docs: $st"
grep -qi "^content-security-policy: default-src 'self'; script-src 'self'" "$T/hdr" || yz_fail "/api/docs without the CSP"
grep -q '<script type="module" src="/api-docs.js">' "$T/docs.html" || yz_fail "/api/docs does not load its script"
! grep -qiE '<script>|<style|style=|onload=|https?://' "$T/docs.html" || yz_fail "/api/docs has inline code or a remote URL"

# The check: a real answer passes, each kind of difference fails and is named.
curl -s -o "$T/h.json" -w '%{http_code} %{content_type}' "$B/healthz" >"$T/h.meta"
body=$(cat "$T/h.json")
line() { # method uri status type body-json-string
    jq -nc --arg m "$1" --arg u "$2" --argjson s "$3" --arg t "$4" --arg b "$5" \
        '{method: $m, uri: $u, status: $s, type: $t, len: ($b | length), body: $b}'
}
ok_line=$(line GET /healthz 200 'application/json; charset=utf-8' "$body")
printf '{"case":"395-openapi.sh"}\n%s\n' "$ok_line" >"$T/ok.jsonl"
node "$check" "$spec" "$T/ok.jsonl" >"$T/out" || yz_fail "a real answer rejected: $(cat "$T/out")"
grep -q '^openapi: 1 answers validated' "$T/out" || yz_fail "no count: $(cat "$T/out")"
expect_fail() { # name jsonl-line text-the-report-must-hold [spec]
    printf '{"case":"mutant-%s"}\n%s\n' "$1" "$2" >"$T/bad.jsonl"
    if node "$check" "${4:-$spec}" "$T/bad.jsonl" >"$T/out"; then
        yz_fail "$1: the check accepted it: $(cat "$T/out")"
    fi
    grep -qF -- "$3" "$T/out" || yz_fail "$1: the report does not say '$3': $(cat "$T/out")"
    grep -q "mutant-$1" "$T/out" || yz_fail "$1: the report does not name the case"
}
expect_fail extra-member "$(line GET /healthz 200 application/json "$(jq -c '. + {extra: 1}' "$T/h.json")")" \
    'must NOT have additional properties'
expect_fail missing-member "$(line GET /healthz 200 application/json "$(jq -c 'del(.store)' "$T/h.json")")" \
    "must have required property 'store'"
expect_fail wrong-type "$(line GET /healthz 200 application/json "$(jq -c '.stations = "850"' "$T/h.json")")" \
    'body/stations must be integer'
expect_fail status "$(line GET /healthz 418 application/json "$body")" 'undocumented status 418'
expect_fail route "$(line GET /api/v1/no-such-route 200 application/json '{}')" 'undocumented route'
expect_fail method "$(line PUT /api/v1/facilities 200 application/json '{}')" 'undocumented method PUT'
expect_fail type "$(line GET /healthz 200 text/plain "$body")" 'content type text/plain'
expect_fail error-body "$(line GET /api/v1/stations/NOPE 404 application/json '{"error":"not_found"}')" \
    "must have required property 'field'"
# The schema changed on purpose: the same real answer is now rejected.
jq '.paths["/healthz"].get.responses["200"].content["application/json"].schema.properties.stations.type = "string"' \
    "$spec" >"$T/mutant-spec.json"
expect_fail mutant-schema "$ok_line" 'body/stations must be string' "$T/mutant-spec.json"
echo "openapi: served, and 9 deliberate mismatches rejected"
