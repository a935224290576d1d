#!/usr/bin/env bash
# backends: sqlite pg
# 318-screen-code.sh - station screens and the rotating check-in code (issue 14 point 4,
# docs/internals/screen.md): the screen-key route (staff only, a new key replaces the old one,
# the audit log keeps that it was made and never the key), then check-ins carrying `t`: the
# code is computed here independently (Python's hmac: TOTP's dynamic truncation of
# HMAC-SHA256(key, 8-byte big-endian step), 8 digits), the current step and ±1 are accepted and
# make the visit verified (in the answer and in the store), ±2, forged, malformed, another
# station's code, a station without a key and a rotated key's code are refused with 400 naming
# `t`, each counted on /metrics (yizhan_device_refusals_total{reason="code"}) with nothing
# stored; a check-in without t still works (unverified); a verified visit makes the worker's
# rating verified without a position.
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
H="Authorization: Bearer $TOKEN"
J="Content-Type: application/json"
A=WZ0150 B=WZ0151 C=WZ0152 # demo stations: A and B get keys, C none

code_of() { # KEY STEP -> 8 digits (the oracle)
    python3 -c 'import hmac, hashlib, struct, sys
m = hmac.new(sys.argv[1].encode(), struct.pack(">Q", int(sys.argv[2])), hashlib.sha256).digest()
o = m[-1] & 15
print("%08d" % ((int.from_bytes(m[o:o + 4], "big") & 0x7fffffff) % 10**8))' "$1" "$2"
}
sql() { # one value from the store
    case $YZ_DB in
    postgres*) psql -qtAX "$YZ_DB" -c "$1" ;;
    *) sqlite3 "$YZ_DB" "$1" ;;
    esac
}
refusals() { curl -sf "$BASE/metrics" | awk '/^yizhan_device_refusals_total\{reason="code"\}/ { print $2 }'; }
visits() { sql "SELECT count(*) FROM visits"; }

# --- the key route -----------------------------------------------------------------------------
c=$(curl -s -o "$CASE_TMP/k0" -w '%{http_code}' -X POST "$BASE/api/v1/stations/$A/screen-key")
[ "$c" = 401 ] || yz_fail "screen-key without a session: $c"
c=$(curl -s -o "$CASE_TMP/k0" -w '%{http_code}' -X POST -H "$H" "$BASE/api/v1/stations/NO-SUCH/screen-key")
[ "$c" = 404 ] || yz_fail "screen-key of an unknown station: $c"
key_for() { # CODE FILE -> creates a key, checks the answer, prints the key
    local c
    c=$(curl -s -D "$CASE_TMP/h" -o "$2" -w '%{http_code}' -X POST -H "$H" "$BASE/api/v1/stations/$1/screen-key")
    [ "$c" = 201 ] || yz_fail "screen-key $1: $c $(head -c 300 "$2")"
    grep -qi '^cache-control: no-store' "$CASE_TMP/h" || yz_fail "the key's answer may be cached"
    yz_jq "$2" ". as \$r | .station == \"$1\" and (.key | test(\"^[A-Za-z0-9_-]{43}\$\")) and (.url | endswith(\"/screen/$1#k=\")) == false and (.url | endswith(\"/screen/$1#k=\" + \$r.key))" "screen-key answer"
    jq -r .key "$2"
}
# the audit log's last entry before this case's keys (other cases share the suite's database)
audit0=$(curl -sf -H "$H" "$BASE/api/v1/audit?limit=1" | jq '.entries[0].id // 0')
KA0=$(key_for $A "$CASE_TMP/ka0")
yz_jq "$CASE_TMP/ka0" '.replaced == false' "first key: replaced false"
KA=$(key_for $A "$CASE_TMP/ka")
yz_jq "$CASE_TMP/ka" '.replaced == true' "second key: replaced true"
[ "$KA" != "$KA0" ] || yz_fail "the rotated key is the same"
KB=$(key_for $B "$CASE_TMP/kb")
# (other cases share the suite's database and may hold keys of other stations: count A's and B's)
keys_ab="SELECT count(*) FROM screen_keys k JOIN stations s ON s.id = k.station_id WHERE s.code IN ('$A', '$B')"
[ "$(sql "$keys_ab")" = 2 ] || yz_fail "screen_keys rows of A and B: $(sql "$keys_ab")"
# the audit log: the key was made (twice at A), never shown
curl -sf -H "$H" "$BASE/api/v1/audit?action=station_screen_key&limit=50" >"$CASE_TMP/audit"
yz_jq "$CASE_TMP/audit" "[.entries[] | select(.id > $audit0 and .action == \"station_screen_key\" and .outcome == \"ok\")] | length == 3" "three audited keys"
if grep -q -- "$KA0\|$KA\|$KB" "$CASE_TMP/audit"; then yz_fail "a key is in the audit log"; fi

# --- check-ins with t ------------------------------------------------------------------------------
W=$(curl -sf -X POST "$BASE/api/v1/workers" | jq -r .token)
W2=$(curl -sf -X POST "$BASE/api/v1/workers" | jq -r .token)
checkin() { # TOKEN BODY OUT -> status
    curl -s -o "$3" -w '%{http_code}' -X POST -H "Authorization: Bearer $1" -H "$J" -d "$2" "$BASE/api/v1/visits"
}
# keep clear of a step's end: every check below is made well inside one step
while [ $(($(date +%s) % 30)) -gt 20 ]; do sleep 1; done
S=$(($(date +%s) / 30))
r0=$(refusals)
n0=$(visits)
for d in 0 -1 1; do
    st=$((S + d))
    c=$(checkin "$W" "{\"station_code\":\"$A\",\"t\":\"$st.$(code_of "$KA" $st)\"}" "$CASE_TMP/v")
    [ "$c" = 201 ] || [ "$c" = 200 ] || yz_fail "code of step S$d: $c $(cat "$CASE_TMP/v")"
    yz_jq "$CASE_TMP/v" '.verified == true' "step S$d: verified"
    id=$(jq -r .id "$CASE_TMP/v")
    [ "$(sql "SELECT verified FROM visits WHERE id = $id")" = 1 ] || yz_fail "visit $id not stored verified"
done
[ "$(visits)" = $((n0 + 3)) ] || yz_fail "three accepted check-ins stored: $(visits) vs $n0"
[ "$(refusals)" = "$r0" ] || yz_fail "an accepted code was counted as refused"

refuse() { # WHY BODY -> 400 naming t, counted, nothing stored
    local before_r before_n c
    before_r=$(refusals)
    before_n=$(visits)
    c=$(checkin "$W2" "$2" "$CASE_TMP/r")
    [ "$c" = 400 ] || yz_fail "$1: $c $(cat "$CASE_TMP/r")"
    yz_jq "$CASE_TMP/r" '.field == "t" and (.message | length > 0) and (.message_en | length > 0)' "$1: names t"
    [ "$(refusals)" = $((before_r + 1)) ] || yz_fail "$1: not counted ($(refusals) after $before_r)"
    [ "$(visits)" = "$before_n" ] || yz_fail "$1: a visit was stored"
    echo "refused ($1): $(jq -r .message_en "$CASE_TMP/r")"
}
refuse "expired, step S-2" "{\"station_code\":\"$A\",\"t\":\"$((S - 2)).$(code_of "$KA" $((S - 2)))\"}"
refuse "ahead, step S+2" "{\"station_code\":\"$A\",\"t\":\"$((S + 2)).$(code_of "$KA" $((S + 2)))\"}"
good=$(code_of "$KA" "$S")
forged=$(printf '%08d' $(((10#$good + 1) % 100000000)))
refuse "forged digits" "{\"station_code\":\"$A\",\"t\":\"$S.$forged\"}"
refuse "another station's code" "{\"station_code\":\"$A\",\"t\":\"$S.$(code_of "$KB" "$S")\"}"
refuse "the rotated key's code" "{\"station_code\":\"$A\",\"t\":\"$S.$(code_of "$KA0" "$S")\"}"
refuse "a station without a screen key" "{\"station_code\":\"$C\",\"t\":\"$S.$(code_of "$KA" "$S")\"}"
refuse "malformed" "{\"station_code\":\"$A\",\"t\":\"$S-$good\"}"
refuse "seven digits" "{\"station_code\":\"$A\",\"t\":\"$S.${good:1}\"}"
refuse "not a string" "{\"station_code\":\"$A\",\"t\":$S}"
refuse "empty" "{\"station_code\":\"$A\",\"t\":\"\"}"
[ "$(refusals)" = $((r0 + 10)) ] || yz_fail "ten refusals counted: $(refusals) after $r0"

# without t: accepted as before, unverified
c=$(checkin "$W2" "{\"station_code\":\"$A\"}" "$CASE_TMP/u")
[ "$c" = 201 ] || yz_fail "check-in without t: $c $(cat "$CASE_TMP/u")"
yz_jq "$CASE_TMP/u" '.verified == false and .counted == true' "without t: unverified"

# --- ratings: a verified visit verifies the rating without a position; a plain one does not ----
rate() { curl -s -o "$3" -w '%{http_code}' -X POST -H "Authorization: Bearer $1" -H "$J" -d "$2" "$BASE/api/v1/stations/$A/ratings"; }
c=$(rate "$W" '{"stars":4}' "$CASE_TMP/r1")
[ "$c" = 201 ] || yz_fail "rating by the verified visitor: $c $(cat "$CASE_TMP/r1")"
yz_jq "$CASE_TMP/r1" '.rating.verified == true' "a verified visit verifies the rating without a position"
c=$(rate "$W2" '{"stars":4}' "$CASE_TMP/r2")
[ "$c" = 201 ] || yz_fail "rating by the plain visitor: $c"
yz_jq "$CASE_TMP/r2" '.rating.verified == false' "a plain check-in without a position stays unverified"
# --- an experience officer's proof of presence: the verified visit is noted -------------------
c=$(curl -s -o "$CASE_TMP/oc" -w '%{http_code}' -X POST -H "Authorization: Bearer $W" "$BASE/api/v1/officers/code")
[ "$c" = 201 ] || yz_fail "officer code: $c"
c=$(curl -s -o "$CASE_TMP/oa" -w '%{http_code}' -X POST -H "$H" -H "$J" -d "{\"code\":\"$(jq -r .code "$CASE_TMP/oc")\"}" "$BASE/api/v1/officers")
[ "$c" = 201 ] || yz_fail "appoint: $c $(cat "$CASE_TMP/oa")"
SELF=$(curl -sf -H "$H" "$BASE/api/v1/checklists" | jq -r '.checklists[] | select(.code == "daily_self_check") | .id')
SA=$(curl -sf "$BASE/api/v1/stations/$A" | jq -r .id)
c=$(curl -s -o "$CASE_TMP/oi" -w '%{http_code}' -X POST -H "Authorization: Bearer $W" -H "$J" \
    -d "{\"station\":$SA,\"checklist\":$SELF,\"client_id\":\"00000000-0000-4000-8000-$(printf '%012d' $$)\"}" "$BASE/api/v1/officer/inspections")
[ "$c" = 201 ] || yz_fail "officer opens: $c $(cat "$CASE_TMP/oi")"
I=$(jq -r .id "$CASE_TMP/oi")
curl -sf -X PATCH -H "Authorization: Bearer $W" -H "$J" -d '{"scores":[{"criterion":"facilities_intact","pass":true},{"criterion":"water_power_safe","pass":true},{"criterion":"tidy","pass":true}]}' "$BASE/api/v1/officer/inspections/$I" >/dev/null || yz_fail "officer scores"
S=$(($(date +%s) / 30))
c=$(checkin "$W" "{\"station_code\":\"$A\",\"t\":\"$S.$(code_of "$KA" "$S")\"}" "$CASE_TMP/v")
[ "$c" = 201 ] || [ "$c" = 200 ] || yz_fail "officer's verified check-in: $c"
c=$(curl -s -o "$CASE_TMP/os" -w '%{http_code}' -X POST -H "Authorization: Bearer $W" "$BASE/api/v1/officer/inspections/$I/submit")
[ "$c" = 200 ] || yz_fail "officer submits: $c $(cat "$CASE_TMP/os")"
yz_jq "$CASE_TMP/os" '.status == "submitted" and .presence_verified == true' "the officer's presence is verified"

echo "ok: keys, window S-1..S+1, 10 refusals counted, verified visits and ratings"
