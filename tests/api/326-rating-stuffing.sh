#!/usr/bin/env bash
# Rating stuffing with throwaway tokens (issue 10, item 3): mint a worker token, rate a station
# 5 stars, repeat, with default limits, from one address and then from several (127.0.0.2-5,
# real source addresses; a spoofed X-Forwarded-For header changes nothing, the server does not
# trust it). The station's score may move by at most 0.1 (it went from 3.5 to 5.0 before),
# its counts stay honest (every rating counted, none verified), the reviews say "verified":
# false, and minting is refused past the per-address hourly limit with a correct Retry-After.
# STUFF_SECONDS=N keeps attacking for N seconds even after the server refuses (default: stop
# once every address is refused, or after 45 s).
set -u
. "$(dirname "$0")/../lib.sh"
db=$CASE_TMP/stuff.db
yz_demo "$db"
yz_serve stuff "$db" # default limits
B=$YZ_URL
code=WZ0150
full=${STUFF_SECONDS:-0}
limit_s=${STUFF_SECONDS:-45}

score() { curl -s "$B/api/v1/stations/$code" | jq -r .rating.score; }
before=$(score)
echo "score before: $before"
[ -n "$before" ] && [ "$before" != null ] || yz_fail "no score on $code"

moved() { # the score's move from `before`, absolute, as a number
    jq -n --argjson a "$before" --argjson b "$(score)" '($b - $a) | fabs'
}

rated=0 minted=0 refused=0
# attack FROM [CURL-OPTIONS...]: mint, rate, repeat until this address is refused (or, with
# STUFF_SECONDS, until the time is up); fails as soon as the score moved by more than 0.1.
attack() {
    local from=$1 t0=$SECONDS i=0 c tok
    shift
    while [ $((SECONDS - t0)) -lt "$limit_s" ]; do
        i=$((i + 1))
        c=$(curl -s "$@" -o "$CASE_TMP/mint" -D "$CASE_TMP/mint.h" -w '%{http_code}' -X POST "$B/api/v1/workers")
        if [ "$c" = 429 ]; then
            refused=$((refused + 1))
            cp "$CASE_TMP/mint" "$CASE_TMP/refused.json"
            cp "$CASE_TMP/mint.h" "$CASE_TMP/refused.h"
            [ "$full" -gt 0 ] && { sleep 0.2; continue; }
            break
        fi
        [ "$c" = 201 ] || yz_fail "mint from $from answered $c: $(head -c 200 "$CASE_TMP/mint")"
        minted=$((minted + 1))
        tok=$(jq -r .token "$CASE_TMP/mint")
        local body='{"stars":5,"tags":["clean","warm"]}'
        [ $rated = 0 ] && body='{"stars":5,"tags":["clean"],"text":"这个驿站非常好，干净又凉快"}'
        c=$(curl -s "$@" -o "$CASE_TMP/rate" -w '%{http_code}' -X POST -H "Authorization: Bearer $tok" \
            -H 'Content-Type: application/json' -d "$body" "$B/api/v1/stations/$code/ratings")
        [ "$c" = 429 ] && { sleep 0.2; continue; }
        [ "$c" = 201 ] || yz_fail "rating from $from answered $c: $(head -c 200 "$CASE_TMP/rate")"
        rated=$((rated + 1))
        m=$(moved)
        if jq -e -n "$m > 0.1" >/dev/null; then
            yz_fail "after $rated throwaway ratings from $from the score moved by $m ($before -> $(score))"
        fi
    done
    echo "from $from: $minted tokens minted, $rated ratings so far, score $(score)"
}

# --- one address -----------------------------------------------------------------------------
attack 127.0.0.1
[ "$refused" -gt 0 ] || yz_fail "minting was never refused from one address ($minted tokens)"
[ "$minted" -le 10 ] || yz_fail "$minted tokens from one address in one go (default limit 10 an hour)"
# The refusal: 429, a JSON error, Retry-After when the next token may be minted (the hourly
# bucket refills one every 360 s), and the message says the same number.
ra=$(tr -d '\r' <"$CASE_TMP/refused.h" | sed -n 's/^[Rr]etry-[Aa]fter: *//p')
echo "retry-after: $ra"
case "$ra" in '' | *[!0-9]*) yz_fail "Retry-After '$ra'" ;; esac
[ "$ra" -ge 1 ] && [ "$ra" -le 361 ] || yz_fail "Retry-After $ra is not 1..361"
yz_jq "$CASE_TMP/refused.json" ".error == \"rate_limited\" and (.message_en | contains(\"in $ra s\"))" \
    "refusal body"
# X-Forwarded-For is not trusted: spoofing it does not give a fresh allowance.
c=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'X-Forwarded-For: 10.9.8.7' "$B/api/v1/workers")
[ "$c" = 429 ] || yz_fail "a spoofed X-Forwarded-For minted a token ($c)"

# --- several addresses: each has its own allowance, the score must still hold -----------------
for a in 2 3 4 5; do
    c=$(curl -s --interface 127.0.0.$a -o /dev/null -w '%{http_code}' "$B/healthz")
    if [ "$c" != 200 ]; then
        echo "cannot connect from 127.0.0.$a ($c): several-address part skipped"
        break
    fi
    refused=0
    attack 127.0.0.$a --interface 127.0.0.$a -H "X-Forwarded-For: 10.0.0.$a"
done

# --- what the station shows ------------------------------------------------------------------
after=$(score)
m=$(moved)
echo "FIGURE: $rated throwaway 5-star ratings from $minted tokens: score $before -> $after (moved $m)"
jq -e -n "$m <= 0.1" >/dev/null || yz_fail "the score moved by $m"
curl -s "$B/api/v1/stations/$code" >"$CASE_TMP/station.json"
yz_jq "$CASE_TMP/station.json" ".rating.count == $rated and .rating.verified_count == 0" \
    "counts on the station"
lat=$(jq .lat "$CASE_TMP/station.json")
lon=$(jq .lon "$CASE_TMP/station.json")
curl -s "$B/api/v1/stations/nearby?lat=$lat&lon=$lon&k=1" >"$CASE_TMP/near.json"
yz_jq "$CASE_TMP/near.json" ".stations[0].code == \"$code\" and .stations[0].rating.score == $after and .stations[0].rating.count == $rated" \
    "nearby shows the same weighted score"
curl -s "$B/api/v1/stations/$code/reviews" >"$CASE_TMP/reviews.json"
yz_jq "$CASE_TMP/reviews.json" '.total == 1 and .reviews[0].verified == false' \
    "the review is shown as unverified"
# A restart loads the same totals from the store (the verified flag is stored, not computed).
yz_stop "$YZ_PID"
yz_serve stuff "$db"
B=$YZ_URL
[ "$(score)" = "$after" ] || yz_fail "after a restart the score is $(score), was $after"
exit 0
