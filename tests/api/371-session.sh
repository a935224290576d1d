#!/usr/bin/env bash
# backends: sqlite pg
# 371-session.sh - logging in and out, and the users' administration: the cookie's attributes,
# the token as a bearer, logout killing the token at once, reuse after logout, an expired session
# (a node with 2-second sessions), wrong password and unknown user answered alike, the lock-out
# after 5 failures (429 + Retry-After), CSRF missing or wrong, a forged cookie, a disabled user's
# session ended at once, a stale version, over-long fields, bad roles and scopes, password
# rules, changing one's password ending the other sessions, an admin's reset, and the admin
# token's log line. Uses the suite's server (BASE, TOKEN, YZ_DB).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib.sh"
H="Authorization: Bearer $TOKEN"
J="Content-Type: application/json"
T=$CASE_TMP
s=$RANDOM
export YIZHAN_PWHASH=min
PW=session-test-pw-1

st() { curl -s -o "$T/b" -D "$T/h" -w '%{http_code}' "$@"; }
expect() { # code what
    [ "$1" = "$2" ] || yz_fail "$3: got $1, expected $2: $(head -c 300 "$T/b")"
}
login() { st -X POST -H "$J" -d "{\"login\":\"$1\",\"password\":\"$2\"}" "${3:-$BASE}/api/v1/session"; }

# an admin creates a user through the API (a one-time password when none is given)
code=$(st -X POST -H "$H" -H "$J" -d "{\"login\":\"Sess$s\",\"name\":\"会话测试\",\"password\":\"$PW\",\"roles\":[{\"role\":\"viewer\"}]}" "$BASE/api/v1/users")
expect "$code" 201 "create user"
uid=$(jq -r .id "$T/b")
yz_jq "$T/b" '.login == "Sess'$s'" and .version == 1 and .roles[0].role == "viewer" and (has("password") | not)' "user answer"
code=$(st -X POST -H "$H" -H "$J" -d "{\"login\":\"sess$s\"}" "$BASE/api/v1/users")
expect "$code" 409 "login unique in any case"
code=$(st -X POST -H "$H" -H "$J" -d "{\"login\":\"otp$s\",\"roles\":[{\"role\":\"canteen\",\"scope\":[1]}]}" "$BASE/api/v1/users")
expect "$code" 201 "create with a one-time password"
otp=$(jq -r .password "$T/b")
[ ${#otp} = 22 ] || yz_fail "one-time password: $otp"
login "otp$s" "$otp" >/dev/null || true
expect "$(login "otp$s" "$otp")" 201 "log in with the one-time password"

# bad input: clear 4xx naming the field, in both languages
for b in "{\"login\":\"$(printf 'x%.0s' $(seq 1 70))\"}:login" \
         "{\"login\":\"ok$s\",\"name\":\"$(printf '名%.0s' $(seq 1 70))\"}:name" \
         "{\"login\":\"ok$s\",\"password\":\"short\"}:password" \
         "{\"login\":\"ok$s\",\"password\":\"ok$s\"}:password" \
         "{\"login\":\"ok$s\",\"roles\":[{\"role\":\"god\"}]}:role" \
         "{\"login\":\"ok$s\",\"roles\":[{\"role\":\"district_admin\",\"scope\":[\"999999\"]}]}:scope" \
         "{\"login\":\"ok$s\",\"roles\":[{\"role\":\"canteen\",\"scope\":[\"a,b\"]}]}:scope" \
         "{\"login\":\"ok$s\",\"extra\":1}:extra"; do
    code=$(st -X POST -H "$H" -H "$J" -d "${b%:*}" "$BASE/api/v1/users")
    expect "$code" 400 "bad user ${b##*:}"
    yz_jq "$T/b" ".field == \"${b##*:}\" and (.message | length > 0) and (.message_en | length > 0)" "field ${b##*:}"
done

# log in: cookie attributes, the answer
code=$(login "SESS$s" "$PW")
expect "$code" 201 "login (any case)"
tok=$(jq -r .token "$T/b")
csrf=$(jq -r .csrf "$T/b")
yz_jq "$T/b" '(.token | startswith("yzs_")) and (.csrf | length > 20) and .user.id == '"$uid"' and .roles[0].role == "viewer" and (.expires_at | length > 0)' "login answer"
grep -qi '^set-cookie: yz_session=yzs_.*; Path=/; .*HttpOnly; SameSite=Strict' "$T/h" || yz_fail "cookie: $(grep -i set-cookie "$T/h")"
grep -i '^set-cookie' "$T/h" | grep -q Secure && yz_fail "Secure cookie over plain http"
code=$(st -H "Authorization: Bearer $tok" "$BASE/api/v1/session")
expect "$code" 200 "who am I (bearer)"
yz_jq "$T/b" '.kind == "session" and .user.login == "Sess'$s'" and .csrf == "'"$csrf"'"' "whoami"
code=$(st -H "Cookie: yz_session=$tok" "$BASE/api/v1/session")
expect "$code" 200 "who am I (cookie)"
code=$(st -H "$H" "$BASE/api/v1/session")
expect "$code" 200 "who am I (admin token)"
yz_jq "$T/b" '.kind == "admin_token" and .roles[0].role == "city_admin"' "admin token is city_admin"

# wrong password and unknown user: the same answer
code=$(login "Sess$s" wrong-password-1)
expect "$code" 401 "wrong password"
cp "$T/b" "$T/wrong"
code=$(login "nobody$s" wrong-password-1)
expect "$code" 401 "unknown user"
cmp -s "$T/b" "$T/wrong" || yz_fail "unknown user and wrong password answer differently"
code=$(st -X POST -H "$J" -d '{"login":"x"}' "$BASE/api/v1/session")
expect "$code" 400 "login without password"
code=$(st -X POST -H "$J" -d "{\"login\":\"x\",\"password\":\"$(head -c 1100 /dev/zero | tr '\0' a)\"}" "$BASE/api/v1/session")
expect "$code" 400 "over-long password"

# CSRF: a cookie session's unsafe request needs X-CSRF-Token; a bearer needs none
pdata='{"current_password":"x","new_password":"short"}'
code=$(st -X POST -H "Cookie: yz_session=$tok" -H "$J" -d "$pdata" "$BASE/api/v1/session/password")
expect "$code" 403 "cookie without CSRF"
yz_jq "$T/b" '.field == "X-CSRF-Token"' "CSRF field"
code=$(st -X POST -H "Cookie: yz_session=$tok" -H "X-CSRF-Token: nope" -H "$J" -d "$pdata" "$BASE/api/v1/session/password")
expect "$code" 403 "cookie with a wrong CSRF token"
code=$(st -X POST -H "Cookie: yz_session=$tok" -H "X-CSRF-Token: $csrf" -H "$J" -d "$pdata" "$BASE/api/v1/session/password")
expect "$code" 400 "cookie with the CSRF token (short new password)"
code=$(st -X POST -H "Authorization: Bearer $tok" -H "$J" -d "$pdata" "$BASE/api/v1/session/password")
expect "$code" 400 "bearer needs no CSRF"
# a forged cookie
code=$(st -H "Cookie: yz_session=yzs_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" "$BASE/api/v1/session")
expect "$code" 401 "forged cookie"
code=$(st -H "Cookie: yz_session=garbage" "$BASE/api/v1/session")
expect "$code" 401 "garbage cookie"
# a viewer may not administer users, but may read their own record
code=$(st -H "Authorization: Bearer $tok" "$BASE/api/v1/users")
expect "$code" 403 "viewer lists users"
code=$(st -H "Authorization: Bearer $tok" "$BASE/api/v1/users/$uid")
expect "$code" 200 "own record"

# changing one's password: the other sessions end, this one stays
login "Sess$s" "$PW" >/dev/null
tok2=$(jq -r .token "$T/b")
code=$(st -X POST -H "Authorization: Bearer $tok" -H "$J" -d "{\"current_password\":\"wrong-one-1\",\"new_password\":\"new-pass-$s-x\"}" "$BASE/api/v1/session/password")
expect "$code" 403 "wrong current password"
code=$(st -X POST -H "Authorization: Bearer $tok" -H "$J" -d "{\"current_password\":\"$PW\",\"new_password\":\"new-pass-$s-x\"}" "$BASE/api/v1/session/password")
expect "$code" 204 "change password"
expect "$(st -H "Authorization: Bearer $tok2" "$BASE/api/v1/session")" 401 "other session ended"
expect "$(st -H "Authorization: Bearer $tok" "$BASE/api/v1/session")" 200 "own session stays"
expect "$(login "Sess$s" "$PW")" 401 "old password"
expect "$(login "Sess$s" "new-pass-$s-x")" 201 "new password"

# logout: the token is dead at once, also when reused
code=$(st -X DELETE -H "Authorization: Bearer $tok" "$BASE/api/v1/session")
expect "$code" 204 "logout"
grep -qi '^set-cookie: yz_session=;.*Max-Age=0' "$T/h" || yz_fail "logout clears the cookie"
expect "$(st -H "Authorization: Bearer $tok" "$BASE/api/v1/session")" 401 "session reused after logout"
expect "$(st -X DELETE -H "Authorization: Bearer $tok" "$BASE/api/v1/session")" 401 "logout twice"

# an admin edits: If-Match required, stale refused, fields checked; disabling ends sessions
login "Sess$s" "new-pass-$s-x" >/dev/null
tok3=$(jq -r .token "$T/b")
expect "$(st -X PATCH -H "$H" -H "$J" -d '{"name":"x"}' "$BASE/api/v1/users/$uid")" 428 "no If-Match"
expect "$(st -X PATCH -H "$H" -H "$J" -H 'If-Match: "1"' -d '{"name":"x"}' "$BASE/api/v1/users/$uid")" 409 "stale version"
yz_jq "$T/b" '.error == "stale_version"' "stale answer"
expect "$(st -X PATCH -H "$H" -H "$J" -H 'If-Match: W/"1"' -d '{"name":"x"}' "$BASE/api/v1/users/$uid")" 409 "a weak tag is read as the version (stale)"
expect "$(st -X PATCH -H "$H" -H "$J" -H 'If-Match: "x1"' -d '{"name":"x"}' "$BASE/api/v1/users/$uid")" 400 "If-Match not a version"
cur=$(curl -sf -H "$H" "$BASE/api/v1/users/$uid" | jq -r .version)
expect "$(st -X PATCH -H "$H" -H "$J" -H "If-Match: \"$cur\"" -d '{"disabled":"yes"}' "$BASE/api/v1/users/$uid")" 400 "disabled not a boolean"
expect "$(st -X PATCH -H "$H" -H "$J" -H "If-Match: \"$cur\"" -d "{\"name\":\"$(printf '长%.0s' $(seq 1 80))\"}" "$BASE/api/v1/users/$uid")" 400 "over-long name"
expect "$(st -X PATCH -H "$H" -H "$J" -H "If-Match: \"$cur\"" -d '{"disabled":true,"roles":[{"role":"moderator"}]}' "$BASE/api/v1/users/$uid")" 200 "disable"
yz_jq "$T/b" '.disabled == true and .roles[0].role == "moderator" and .version == '$((cur + 1)) "disabled answer"
expect "$(st -H "Authorization: Bearer $tok3" "$BASE/api/v1/session")" 401 "disabled user's session"
expect "$(login "Sess$s" "new-pass-$s-x")" 401 "disabled user logs in"
expect "$(st -X PATCH -H "$H" -H "$J" -H "If-Match: \"$((cur + 1))\"" -d '{"disabled":false,"password":null}' "$BASE/api/v1/users/$uid")" 200 "enable and reset"
reset=$(jq -r .password "$T/b")
expect "$(login "Sess$s" "$reset")" 201 "log in with the reset password"

# an admin's own password changes only with the current one, not through the user edit
curl -sf -X POST -H "$H" -H "$J" -d "{\"login\":\"boss$s\",\"password\":\"$PW\",\"roles\":[{\"role\":\"city_admin\"}]}" "$BASE/api/v1/users" >"$T/boss"
bid=$(jq -r .id "$T/boss")
login "boss$s" "$PW" >/dev/null
btok=$(jq -r .token "$T/b")
expect "$(st -X PATCH -H "Authorization: Bearer $btok" -H "$J" -H 'If-Match: "1"' -d "{\"password\":\"taken-over-$s-pw\"}" "$BASE/api/v1/users/$bid")" 403 "own password through the user edit"
yz_jq "$T/b" '.field == "password" and (.message_en | test("current"))' "own password: the answer says how"
expect "$(st -X PATCH -H "Authorization: Bearer $btok" -H "$J" -H 'If-Match: "1"' -d '{"password":null}' "$BASE/api/v1/users/$bid")" 403 "own one-time password through the user edit"
expect "$(login "boss$s" "taken-over-$s-pw")" 401 "the password did not change"
expect "$(login "boss$s" "$PW")" 201 "the old password still works"
# ... while another admin's reset of it works
expect "$(st -X PATCH -H "Authorization: Bearer $btok" -H "$J" -H "If-Match: \"$((cur + 2))\"" -d '{"password":null}' "$BASE/api/v1/users/$uid")" 200 "an admin resets another user"

# locked out: 5 failures of one account, then 429 with Retry-After even for the right password
curl -sf -X POST -H "$H" -H "$J" -d "{\"login\":\"lock$s\",\"password\":\"$PW\"}" "$BASE/api/v1/users" >/dev/null
for i in 1 2 3 4 5; do expect "$(login "lock$s" "wrong-pass-$i")" 401 "failure $i"; done
expect "$(login "LOCK$s" "$PW")" 429 "locked out"
grep -qi '^retry-after: [0-9]' "$T/h" || yz_fail "no Retry-After when locked"

# an expired session: a node whose sessions last 2 s
yz_serve short "$YZ_DB" --session-max 2
short_session() { # NODE WHAT: log in on the short node, and find the session valid on NODE
    # before its expires_at (etok, eexp: the token and its expiry in epoch seconds). The server
    # reads the clock after we ask, so an answer we hold before expires_at was given before it:
    # a 401 then is a failure; a slow machine that got there too late logs in again.
    local try code
    for try in 1 2 3 4 5 6 7 8 9 10; do
        local t0
        t0=$(date +%s)
        expect "$(login "otp$s" "$otp" "$YZ_URL")" 201 "login on the short node"
        etok=$(jq -r .token "$T/b")
        eexp=$(date -d "$(jq -r .expires_at "$T/b")" +%s)
        [ "$eexp" -ge $((t0 + 2)) ] && [ "$eexp" -le $(($(date +%s) + 2)) ] ||
            yz_fail "$2: expires_at $(jq -r .expires_at "$T/b") is not 2 s after the login"
        code=$(st -H "Authorization: Bearer $etok" "$1/api/v1/session")
        [ "$code" = 200 ] && return 0
        [ "$(date +%s)" -ge "$eexp" ] || expect "$code" 200 "$2 (before its expires_at)"
    done
    yz_fail "$2: never asked within the 2 s of a session in 10 tries"
}
short_session "$YZ_URL" "fresh session"
# past expires_at (by the same clock the server reads next) it is refused
while [ "$(date +%s)" -lt "$eexp" ]; do sleep 0.1; done
expect "$(st -H "Authorization: Bearer $etok" "$YZ_URL/api/v1/session")" 401 "expired session"
expect "$(st -H "Authorization: Bearer $etok" "$BASE/api/v1/session")" 401 "expired on every node"
# a session made on one node is valid on another
short_session "$BASE" "session across nodes"
grep -q "auth: the admin token is enabled" "$YZ_LOGS/short.log" || yz_fail "no start-up line for the admin token"
yz_stop "$YZ_PID"
echo ok
