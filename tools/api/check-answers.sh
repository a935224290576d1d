#!/bin/sh
# tools/api/check-answers.sh ANSWERS.jsonl - the recorded answers of the API tests
# (tests/api/run-api.sh) checked against the OpenAPI description (docs/api/), bundled first.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
"$here/bundle.sh" "$root/build/api/openapi.json"
exec node "$here/check-answers.mjs" "$root/build/api/openapi.json" "$1"
