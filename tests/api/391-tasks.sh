#!/usr/bin/env bash
# backends: sqlite pg
# 391-tasks.sh - rectification tasks (issue 12, point 5; docs/internals/tasks.md): an
# inspection submitted with two failed criteria opens two tasks with deadlines by severity
# (checked against the task_deadlines table's days); the operator answers with a photo they
# uploaded; the operator may not verify (403), nor may whoever answered (403); an inspector
# closes; closing twice is 409 and changes nothing; reopening; bad input named in both
# languages with nothing changed; a problem report becomes a task (once); the inbox and its
# unread count; the audit's "before"; escalation of an overdue task by the sweeper (a node
# whose "day" lasts a second); and the webhook's JSON in the WeCom and DingTalk robot formats,
# read by a local receiver.
set -eEuo pipefail
trap 'echo "FAIL: line $LINENO: $BASH_COMMAND"' ERR
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib.sh"
H="Authorization: Bearer $TOKEN"
J="Content-Type: application/json"
T=$CASE_TMP
s=$RANDOM
export YIZHAN_PWHASH=min
PW=tasks-pw-1

st() { curl -s -o "$T/b" -D "$T/h" -w '%{http_code}' "$@"; }
expect() { [ "$1" = "$2" ] || yz_fail "$3: got $1, expected $2: $(head -c 400 "$T/b")"; }
check() { jq -e "$1" "$T/b" >/dev/null || yz_fail "$2: $(head -c 600 "$T/b")"; }
login() { curl -sf -X POST -H "$J" -d "{\"login\":\"$1\",\"password\":\"$PW\"}" "${2:-$BASE}/api/v1/session" | jq -r .token; }
uuid() { printf '%08x-%04x-4%03x-8%03x-%012x' $((RANDOM * RANDOM)) $RANDOM $((RANDOM % 4096)) $((RANDOM % 4096)) $((RANDOM * RANDOM * RANDOM)); }
bad() { check ".field == \"$1\" and (.message | length > 0) and (.message_en | length > 0) and .message != .message_en" "$2: field $1"; }
secs() { date -d "$1" +%s; }
as() { local tok=$1; shift; st -H "Authorization: Bearer $tok" "$@"; }

read -r D1 D2 < <(curl -sf "$BASE/api/v1/districts" | jq -r '[.districts[].code] | "\(.[0]) \(.[1])"')
# the second station of each district: 388-inspections.sh keeps the first one's scores to itself
st_in() { curl -sf "$BASE/api/v1/stations?district=$1&per_page=2" | jq -r '.stations[-1].id'; }
S1=$(st_in "$D1")
S2=$(st_in "$D2")
SC1=$(curl -sf "$BASE/api/v1/stations/$S1" | jq -r .code)
SC2=$(curl -sf "$BASE/api/v1/stations/$S2" | jq -r .code)

# op: the operator of S1; oi: operator of S1 and an inspector (may verify, but not their own answer)
for u in "in$s --role inspector" "op$s --role operator:$S1" "oi$s --role operator:$S1 --role inspector" \
    "da$s --role district_admin:$D1" "db$s --role district_admin:$D2"; do
    # shellcheck disable=SC2086
    echo "$PW" | "$YZ_BIN" user add $u --db "$YZ_DB" >/dev/null || yz_fail "user add $u"
done
IN=$(login "in$s")
OP=$(login "op$s")
OI=$(login "oi$s")
DA=$(login "da$s")
DB=$(login "db$s")
IN_ID=$(curl -sf -H "Authorization: Bearer $IN" "$BASE/api/v1/session" | jq -r '.user.id')
[ -n "$IN_ID" ] && [ "$IN_ID" != null ] || yz_fail "inspector id"

# --- an inspection with two failed criteria ------------------------------------------------
CK=$(curl -sf "$BASE/api/v1/checklists" | jq -r '.checklists[] | select(.code == "zj_8you") | .id')
P0=$(printf 'x%.0s' {1..64} | tr x a)
U=$(uuid)
expect "$(as "$IN" -X POST -H "$J" -d "{\"station\":$S1,\"checklist\":$CK,\"kind\":\"open\",\"client_id\":\"$U\"}" "$BASE/api/v1/inspections")" 201 "create inspection"
I=$(jq -r .id "$T/b")
form='{"scores":[{"criterion":"sign","pass":false,"photos":["'$P0'"]},{"criterion":"site","pass":true,"note":"ok"},
 {"criterion":"facilities","score":40,"photos":["'$P0'"]},{"criterion":"service_functions","score":60,"note":"ok"},
 {"criterion":"management_rules","pass":true,"photos":["'$P0'"]},{"criterion":"online_maps","pass":true},
 {"criterion":"publicity","pass":true,"photos":["'$P0'"]},{"criterion":"warm_service","pass":true,"note":"ok"}]}'
expect "$(as "$IN" -X POST -H "$J" -d "$form" "$BASE/api/v1/inspections/$I/submit")" 200 "submit"
SUBMITTED=$(secs "$(jq -r .submitted_at "$T/b")")

expect "$(as "$OP" "$BASE/api/v1/tasks?station=$S1")" 200 "operator lists tasks"
jq "[.tasks[] | select(.inspection_id == $I)]" "$T/b" >"$T/mine"
[ "$(jq length "$T/mine")" = 2 ] || yz_fail "two tasks from two failed criteria: $(cat "$T/mine")"
# the oracle: the deadline table's days, read from the database itself
sql() { if [[ $YZ_DB == postgres* ]]; then psql -qtA "$YZ_DB" -c "$1"; else sqlite3 "$YZ_DB" "$1"; fi; }
days() { sql "SELECT days FROM task_deadlines WHERE severity = '$1'"; }
for c in sign:medium facilities:high; do
    code=${c%%:*} sev=${c#*:}
    row=$(jq -c ".[] | select(.criterion == \"$code\")" "$T/mine")
    [ "$(jq -r .severity <<<"$row")" = "$sev" ] || yz_fail "$code severity: $row"
    [ "$(jq -r .status <<<"$row")" = open ] || yz_fail "$code status: $row"
    want=$(($(days "$sev") * 86400))
    got=$(($(secs "$(jq -r .deadline <<<"$row")") - SUBMITTED))
    [ "$got" = "$want" ] || yz_fail "$code deadline: $got s after submit, expected $want"
done
TS=$(jq -r '.[] | select(.criterion == "sign") | .id' "$T/mine")
TF=$(jq -r '.[] | select(.criterion == "facilities") | .id' "$T/mine")
# the same inspection submitted again opens nothing more
expect "$(as "$IN" -X POST "$BASE/api/v1/inspections/$I/submit")" 200 "submit again"
n=$(curl -sf -H "$H" "$BASE/api/v1/tasks?station=$S1&limit=500" | jq "[.tasks[] | select(.inspection_id == $I)] | length")
[ "$n" = 2 ] || yz_fail "submit again opened tasks: $n"
# another district's admin neither reads nor lists them
expect "$(as "$DB" "$BASE/api/v1/tasks/$TF")" 403 "another district reads"
expect "$(as "$DB" "$BASE/api/v1/tasks?station=$S1")" 403 "another district lists"
expect "$(as "$DB" "$BASE/api/v1/tasks")" 200 "another district's list"
check "[.tasks[] | select(.id == $TF)] | length == 0" "another district's list leaves it out"
# the operator's board: assignee=me
expect "$(as "$OP" "$BASE/api/v1/tasks?assignee=me&open=true")" 200 "board"
check "[.tasks[].id] | index($TF) != null and index($TS) != null" "board has both"

# --- the answer, with a photo the operator uploads -------------------------------------------
python3 - "$T/p.png" <<'PY'
import struct, sys, zlib
w, h = 64, 48
raw = b"".join(b"\0" + bytes(v for x in range(w) for v in (x * 4 % 256, y * 5 % 256, 120)) for y in range(h))
def chunk(t, d): return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)
png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
open(sys.argv[1], "wb").write(png)
PY
expect "$(as "$OP" -X POST -H 'Content-Type: image/png' --data-binary "@$T/p.png" "$BASE/api/v1/photos?station=$S1&kind=task")" 201 "upload"
PH=$(jq -r .sha256 "$T/b")
version() { curl -sf -H "$H" "$BASE/api/v1/tasks/$1" | jq -r .version; }
V0=$(version "$TF")
expect "$(as "$OP" -X POST -H "$J" -d '{"photos":["'$PH'"]}' "$BASE/api/v1/tasks/$TF/answer")" 400 "answer without text"
bad answer "answer without text"
expect "$(as "$OP" -X POST -H "$J" -d '{"answer":"修好了","photos":["nope"]}' "$BASE/api/v1/tasks/$TF/answer")" 400 "bad photo"
bad "photos[0]" "bad photo"
expect "$(as "$OP" -X POST -H "$J" -d '{"answer":"修好了","extra":1}' "$BASE/api/v1/tasks/$TF/answer")" 400 "unknown member"
expect "$(as "$OP" -X POST -H "$J" -d '{"answer":"x"}' "$BASE/api/v1/tasks/$TF/verify")" 403 "the operator verifies"
[ "$(version "$TF")" = "$V0" ] || yz_fail "refused answers changed the task"
expect "$(as "$OP" -X POST -H "$J" -d '{"answer":"已添置饮水机和急救箱","photos":["'$PH'"]}' "$BASE/api/v1/tasks/$TF/answer")" 200 "answer"
check ".status == \"answered\" and .answer_photos == [\"$PH\"] and (.history | map(.action)) == [\"open\",\"answer\"]" "answered"
expect "$(as "$OP" -X POST -H "$J" -d '{"answer":"again"}' "$BASE/api/v1/tasks/$TF/answer")" 409 "answer twice"
bad status "answer twice"
# the dual-role user answers the other task, and may not verify their own answer
expect "$(as "$OI" -X POST -H "$J" -d '{"answer":"换了新标牌"}' "$BASE/api/v1/tasks/$TS/answer")" 200 "answer (dual role)"
V1=$(version "$TS")
expect "$(as "$OI" -X POST -H "$J" -d '{"result":"close"}' "$BASE/api/v1/tasks/$TS/verify")" 403 "verify one's own answer"
bad result "verify one's own answer"
[ "$(version "$TS")" = "$V1" ] || yz_fail "a refused verify changed the task"

# --- verify ----------------------------------------------------------------------------------
expect "$(as "$IN" -X POST -H "$J" -d '{"result":"maybe"}' "$BASE/api/v1/tasks/$TF/verify")" 400 "bad result"
bad result "bad result"
expect "$(as "$IN" -X POST -H "$J" -d '{"result":"reopen"}' "$BASE/api/v1/tasks/$TF/verify")" 400 "reopen without a note"
bad note "reopen without a note"
expect "$(as "$IN" -X POST -H "$J" -d '{"result":"close","note":"已核实"}' "$BASE/api/v1/tasks/$TF/verify")" 200 "close"
check ".status == \"closed\" and .verified_by == $IN_ID and .verify_note == \"已核实\"" "closed"
V2=$(jq -r .version "$T/b")
expect "$(as "$IN" -X POST -H "$J" -d '{"result":"close"}' "$BASE/api/v1/tasks/$TF/verify")" 409 "close twice"
bad status "close twice"
[ "$(version "$TF")" = "$V2" ] || yz_fail "closing twice changed the task"
expect "$(as "$IN" -X POST -H "$J" -d '{"result":"reopen","note":"急救箱过期"}' "$BASE/api/v1/tasks/$TF/verify")" 200 "reopen"
check '.status == "reopened" and .escalated == false and (.history | map(.action)) == ["open","answer","close","reopen"]' "reopened"
expect "$(as "$IN" -X POST -H "$J" -d '{"result":"close"}' "$BASE/api/v1/tasks/$TS/verify")" 200 "close the other"

# the audit log: the verify with its "before"
curl -sf -H "$H" "$BASE/api/v1/audit?record=task:$TF&action=task_verify&outcome=ok" -o "$T/b"
check "(.entries | length) == 2 and .entries[0].before.status == \"closed\" and .entries[1].before.status == \"answered\" and .entries[0].record.district == \"$D1\"" "audit before"
curl -sf -H "$H" "$BASE/api/v1/audit?record=task:$TF&action=task_verify&outcome=refused" -o "$T/b"
check '(.entries | length) >= 1' "audit of the refused close"

# --- a problem report becomes a task ----------------------------------------------------------
report() {
    curl -sf -X POST -H 'Content-Type: application/x-www-form-urlencoded' \
        --data "service_code=${3:-dirty}&attribute%5Bstation_code%5D=$1&description=tasks+test" \
        "${2:-$BASE}/open311/v2/requests.json" | jq -r '.[0].service_request_id'
}
R1=$(report "$SC1")
R2=$(report "$SC2")
expect "$(as "$DA" -X POST -H "$J" -d '{"severity":"urgent"}' "$BASE/api/v1/reports/$R1/task")" 400 "bad severity"
bad severity "bad severity"
expect "$(as "$DA" -X POST -H "$J" -d '{"severity":"low"}' "$BASE/api/v1/reports/$R2/task")" 403 "another district's report"
expect "$(as "$OP" -X POST -H "$J" -d '{}' "$BASE/api/v1/reports/$R1/task")" 403 "an operator makes a task"
expect "$(as "$DA" -X POST -H "$J" -d '{"severity":"low"}' "$BASE/api/v1/reports/$R1/task")" 201 "report to task"
check ".source == \"report\" and .report_id == $R1 and .station_id == $S1 and .severity == \"low\" and .status == \"open\"" "the report's task"
TR=$(jq -r .id "$T/b")
# the 繁體 title in 繁體 throughout, the service's name (环境脏乱) included
check ".title[\"zh-Hans\"] == \"问题报告 $R1：环境脏乱\" and .title[\"zh-Hant\"] == \"問題報告 $R1：環境髒亂\"" "the report's task's titles"
expect "$(as "$DA" -X POST -H "$J" -d '{"severity":"low"}' "$BASE/api/v1/reports/$R1/task")" 409 "report to task twice"
bad report "report to task twice"
expect "$(as "$DA" -X POST "$BASE/api/v1/reports/99999999/task")" 404 "unknown report"

# --- the inbox ----------------------------------------------------------------------------------
expect "$(as "$OP" "$BASE/api/v1/inbox")" 200 "operator inbox"
check "[.notifications[] | select(.kind == \"task_new\") | .task_id] as \$t | (\$t | index($TF)) != null and (\$t | index($TS)) != null and (\$t | index($TR)) != null" "new tasks in the inbox"
check "[.notifications[] | select(.kind == \"task_reopened\" and .task_id == $TF)] | length == 1" "reopened in the inbox"
check '.unread == ([.notifications[] | select(.read | not)] | length) and (.notifications | map(.id)) == (.notifications | map(.id) | sort | reverse)' "unread count, newest first"
UNREAD=$(jq -r .unread "$T/b")
N1=$(jq -r '.notifications[0].id' "$T/b")
expect "$(as "$IN" -X POST "$BASE/api/v1/inbox/$N1/read")" 404 "another's notification"
expect "$(as "$OP" -X POST "$BASE/api/v1/inbox/$N1/read")" 200 "mark read"
expect "$(as "$OP" -X POST "$BASE/api/v1/inbox/$N1/read")" 200 "mark read again"
expect "$(as "$OP" "$BASE/api/v1/inbox")" 200 "operator inbox after"
check ".unread == $((UNREAD - 1)) and (.notifications[0].read == true)" "one fewer unread"
expect "$(as "$IN" "$BASE/api/v1/inbox")" 200 "inspector inbox"
check "[.notifications[] | select(.kind == \"task_answered\") | .task_id] | index($TF) != null" "the inspector told of the answer"

# --- escalation and the webhook: a node whose "day" is a second, with a local receiver -------------
cat >"$T/recv.py" <<'PY'
import http.server, json, sys
out, pf = sys.argv[1], sys.argv[2]
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with open(out, "a") as f:
            f.write(json.dumps({"path": self.path, "type": self.headers.get("Content-Type"), "body": json.loads(body)}, ensure_ascii=False) + "\n")
        self.send_response(200); self.send_header("Content-Type", "application/json"); self.end_headers()
        self.wfile.write(b'{"errcode":0,"errmsg":"ok"}')
    def log_message(self, *a): pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
open(pf, "w").write(str(s.server_address[1]))
s.serve_forever()
PY
python3 "$T/recv.py" "$T/got" "$T/rport" &
RECV=$!
trap 'kill $RECV 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do [ -s "$T/rport" ] && break; sleep 0.05; done
RP=$(cat "$T/rport")
wait_for() { # jq-filter-on-lines what
    for _ in $(seq 1 200); do
        [ -s "$T/got" ] && jq -se "$1" "$T/got" >/dev/null && return 0
        sleep 0.1
    done
    yz_fail "$2: $(tail -c 600 "$T/got" 2>/dev/null)"
}
yz_serve fast "$YZ_DB" --task-day-s 1 --task-sweep-s 1 --webhook-url "http://127.0.0.1:$RP/wecom" --webhook-kind wecom
R3=$(report "$SC1" "$YZ_URL" ac_broken)
DA2=$(login "da$s" "$YZ_URL")
expect "$(as "$DA2" -X POST -H "$J" -d '{"severity":"high"}' "$YZ_URL/api/v1/reports/$R3/task")" 201 "report to task on the fast node"
TE=$(jq -r .id "$T/b")
for _ in $(seq 1 150); do
    [ "$(curl -sf -H "$H" "$YZ_URL/api/v1/tasks/$TE" | jq -r .escalated)" = true ] && break
    sleep 0.1
done
curl -sf -H "$H" "$YZ_URL/api/v1/tasks/$TE" -o "$T/b"
check '.escalated == true and .overdue == true and (.history | map(.action)) == ["open","escalate"]' "escalated"
expect "$(as "$DA" "$BASE/api/v1/inbox")" 200 "district admin inbox"
check "[.notifications[] | select(.kind == \"task_escalated\" and .task_id == $TE)] | length == 1" "the district admin told of the escalation"
expect "$(as "$DB" "$BASE/api/v1/inbox")" 200 "other district admin inbox"
check "[.notifications[] | select(.task_id == $TE)] | length == 0" "another district's admin not told"
# WeCom: {"msgtype":"markdown","markdown":{"content":...}}, nothing else
wait_for "map(select(.path == \"/wecom\" and (.body.markdown.content | contains(\"/tasks/$TE\")) and (.body.markdown.content | contains(\"逾期\")))) | length >= 1" "wecom escalation message"
jq -se 'map(select(.path == "/wecom")) | all(.body.msgtype == "markdown" and (.body | keys) == ["markdown","msgtype"] and (.body.markdown | keys) == ["content"] and (.type | startswith("application/json")))' "$T/got" >/dev/null ||
    yz_fail "wecom format: $(head -c 600 "$T/got")"
yz_stop "$YZ_PID"
# DingTalk: {"msgtype":"markdown","markdown":{"title":...,"text":...}}
yz_serve ding "$YZ_DB" --webhook-url "http://127.0.0.1:$RP/ding" --webhook-kind dingtalk
R4=$(report "$SC1" "$YZ_URL" toilet_unusable)
DA3=$(login "da$s" "$YZ_URL")
expect "$(as "$DA3" -X POST -H "$J" -d '{}' "$YZ_URL/api/v1/reports/$R4/task")" 201 "report to task on the DingTalk node"
TD=$(jq -r .id "$T/b")
wait_for "map(select(.path == \"/ding\" and (.body.markdown.text | contains(\"/tasks/$TD\")))) | length >= 1" "dingtalk message"
jq -se 'map(select(.path == "/ding")) | all(.body.msgtype == "markdown" and (.body.markdown | keys) == ["text","title"] and (.body.markdown.title | length > 0))' "$T/got" >/dev/null ||
    yz_fail "dingtalk format: $(grep ding "$T/got" | head -c 600)"
yz_stop "$YZ_PID"
# each notification is sent once: as many messages as notifications marked taken
taken=$(sql "SELECT COUNT(*) FROM notifications WHERE pushed_at IS NOT NULL")
[ "$(wc -l <"$T/got")" = "$taken" ] || yz_fail "messages $(wc -l <"$T/got"), notifications taken $taken"
echo "tasks: ok"
