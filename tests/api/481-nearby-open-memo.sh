#!/usr/bin/env bash
# backends: sqlite pg
# A nearby answer's open_now and next_change are kept per handler thread under the snapshot's
# serial, the station's schedule and the minute asked (api/stations.c, render_open_memo). They
# must equal what the masked renderer writes (fields=, which keeps nothing) at every second:
# the last and first seconds of the minutes around a change, seconds inside one minute, asked
# several times so that both threads answer from what they kept; and after the hours of the
# first station change (a new snapshot), in the same minute, the new hours at once.
set -eu
T=$CASE_TMP
pt=$(curl -s "$BASE/api/v1/stations/WZ-GHDS" | jq -r '"lat=\(.lat)&lon=\(.lon)"')
checks=0
check() { # label at: the full answer's open_now/next_change equal the masked answer's, 4 times
    local url="$BASE/api/v1/stations/nearby?$pt&k=20&at=$2"
    curl -s "$url&fields=code,open_now,next_change" | jq -c '[.stations[] | [.code, .open_now, .next_change]]' >"$T/want"
    [ "$(jq 'length' "$T/want")" = 20 ] || { echo "$1 $2: $(head -c 300 "$T/want")"; exit 1; }
    for i in 1 2 3 4; do
        curl -s "$url" | jq -c '[.stations[] | [.code, .open_now, .next_change]]' >"$T/got"
        cmp -s "$T/got" "$T/want" || { echo "$1 at $2, ask $i: open_now/next_change differ";
            diff <(jq -c '.[]' "$T/want") <(jq -c '.[]' "$T/got") | head -10; exit 1; }
        checks=$((checks + 1))
    done
}
# Wednesday 3 March 2027 in Wenzhou, around 07:00, 20:00, 21:00 and 22:00 (demo stations
# change at these), and whole seconds inside one minute.
for hm in 06:59 07:00 19:59 20:00 20:59 21:00 21:59 22:00; do
    for s in 00 01 30 59; do
        check "seconds" "2027-03-03T$hm:$s%2B08:00"
    done
done
# The same instants in UTC and in another offset: the same minutes, written differently.
check "utc" "2027-03-02T22:59:59Z"
check "utc" "2027-03-02T23:00:00Z"
check "offset" "2027-03-03T00:00:00%2B01:00"

# New hours for the first station: a new snapshot, so the same minute is evaluated again. Its
# change at 20:31 falls inside an hour: a key coarser than the minute would serve 20:30's state
# at 20:31.
at="2027-03-03T20:30:10%2B08:00"
check "before the write" "$at"
curl -s "$BASE/api/v1/stations/WZ-GHDS" >"$T/st"
id=$(jq -r .id "$T/st")
v=$(jq -r .version "$T/st")
first() { # at: WZ-GHDS's [open_now, next_change] in the full answer
    curl -s "$BASE/api/v1/stations/nearby?$pt&k=20&at=$1" |
        jq -c '.stations[] | select(.code == "WZ-GHDS") | [.open_now, .next_change]'
}
for hours in "Mo-Su 20:00-20:31" "Mo-Su 06:00-20:30"; do
    c=$(curl -s -o "$T/p" -w '%{http_code}' -X PATCH "$BASE/api/v1/stations/$id" \
        -H "Authorization: Bearer $TOKEN" -H "If-Match: \"$v\"" -H 'Content-Type: application/json' \
        -d "{\"opening_hours\":\"$hours\"}")
    [ "$c" = 200 ] || { echo "PATCH: $c $(cat "$T/p")"; exit 1; }
    v=$(jq -r .version "$T/p")
    for s in 10 59 00 01; do
        m=$([ "$s" -ge 10 ] && echo 30 || echo 31)
        t="2027-03-03T20:$m:$s%2B08:00"
        check "after $hours" "$t"
        for _ in 1 2 3; do
            got=$(first "$t")
            case "$hours $m" in
            *20:31\ 30) want='[true,"2027-03-03T20:31:00+08:00"]' ;;
            *20:31\ 31) want='[false,"2027-03-04T20:00:00+08:00"]' ;;
            *) want='[false,"2027-03-04T06:00:00+08:00"]' ;;
            esac
            [ "$got" = "$want" ] || { echo "after $hours at $t: WZ-GHDS $got, want $want"; exit 1; }
        done
    done
done
echo "ok: $checks answers compared"
