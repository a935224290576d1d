#!/usr/bin/env bash
# tests/api/345-events-oversell.sh - 40 workers sign up at once for an occurrence with 5 seats,
# against a server of its own with 8 pool threads: exactly 5 get 201, 35 get 409, and the
# listing shows signed_up 5. Run by run-api.sh (BASE, TOKEN, YZ_BIN, CASE_TMP).
set -u
T=$CASE_TMP
export YIZHAN_ADMIN_TOKEN=$TOKEN
. "$(dirname "$0")/../lib.sh"
yz_demo "$T/o.db"
yz_serve server "$T/o.db" --threads 8 --writes-per-min 1000000 --workers-per-hour 1000000
pid=$YZ_PID
B=$YZ_URL

ev=$(curl -s -X POST "$B/api/v1/events" -H "Authorization: Bearer $TOKEN" \
    -H 'Content-Type: application/json' \
    -d '{"station":"WZ-GHDS","title":"体检（5 个名额）","category":"health","capacity":5,
         "weekly":{"days":["Mo","Tu","We","Th","Fr","Sa","Su"],"start":"09:00","end":"11:00",
                   "from":"2038-01-01"}}' | jq -r .id)
[ "$ev" -gt 0 ] 2>/dev/null || { echo "event not created: $ev"; exit 1; }

for i in $(seq 1 40); do
    curl -s -X POST "$B/api/v1/workers" | jq -r .token >"$T/tok$i"
    [ -s "$T/tok$i" ] || { echo "no token $i"; exit 1; }
done

# Fire all 40 at once: each curl waits on a shared gate file before sending.
for i in $(seq 1 40); do
    (
        while [ ! -e "$T/go" ]; do sleep 0.01; done
        curl -s -o "$T/body$i" -w '%{http_code}\n' -X POST "$B/api/v1/events/$ev/signups" \
            -H "Authorization: Bearer $(cat "$T/tok$i")" -H 'Content-Type: application/json' \
            -d '{"occurrence":"2038-03-05"}' >"$T/code$i"
    ) &
done
sleep 0.3
touch "$T/go"
wait $(jobs -p | grep -v "^$pid\$") 2>/dev/null

ok=$(cat "$T"/code* | grep -c '^201$' || true)
full=$(cat "$T"/code* | grep -c '^409$' || true)
echo "201: $ok, 409: $full"
[ "$ok" = 5 ] || { echo "expected 5 sign-ups, got $ok"; exit 1; }
[ "$full" = 35 ] || { echo "expected 35 refusals, got $full"; cat "$T"/code*; exit 1; }
# every refusal says the occurrence is full
for i in $(seq 1 40); do
    if [ "$(cat "$T/code$i")" = 409 ]; then
        jq -e '.error == "conflict" and .field == "occurrence"' "$T/body$i" >/dev/null \
            || { echo "bad 409 body: $(cat "$T/body$i")"; exit 1; }
    fi
done
# the seat counts handed out were 1..5, each once
counts=$(for i in $(seq 1 40); do [ "$(cat "$T/code$i")" = 201 ] && jq .signed_up "$T/body$i"; done | sort -n | tr '\n' ' ')
[ "$counts" = "1 2 3 4 5 " ] || { echo "seat counts: $counts"; exit 1; }

signed=$(curl -s "$B/api/v1/events?station=WZ-GHDS&from=2038-03-05&to=2038-03-05" |
    jq "[.occurrences[] | select(.event_id == $ev)] | .[0] | [.signed_up, .full] | @text")
[ "$signed" = '"[5,true]"' ] || { echo "listing shows $signed"; exit 1; }
echo "pass"
