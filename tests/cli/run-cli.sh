#!/usr/bin/env bash
# tests/cli/run-cli.sh BIN - the CLI on a temporary database: demo, import (all rows or none,
# updates by code), export round trip, near and search, bad input, users and the permission
# table, and `yizhan audit` (filters, CSV, bad dates) checked against the log's table.
set -u
bin=$1
YZ_BIN=$bin
. "$(dirname "$0")/../lib.sh" # a temporary folder (YZ_LOGS), removed at exit
tmp=$YZ_LOGS
pass=0
fail=0
check() { # description, then a command that must succeed; yizhan's own output is kept in
    # $tmp/out for the checks that follow
    local what=$1
    shift
    if "$@" >"$tmp/log" 2>&1; then
        pass=$((pass + 1))
    else
        fail=$((fail + 1))
        echo "FAIL: $what"
        head -20 "$tmp/log"
    fi
    [ "$1" = "$bin" ] && cp "$tmp/log" "$tmp/out"
    return 0
}
db=$tmp/c.db
count() { sqlite3 "$db" "SELECT count(*) FROM stations"; }
refused() { # what must not happen, FILE: importing FILE into $db must fail (output in $tmp/out)
    if "$bin" import --db "$db" "$2" >"$tmp/out" 2>&1; then
        fail=$((fail + 1)); echo "FAIL: $1"
    else
        pass=$((pass + 1))
    fi
}

check "demo loads" "$bin" demo --db "$db"
n0=$(count)
check "demo has >= 800 stations" test "$n0" -ge 800
check "demo again changes no count" "$bin" demo --db "$db"
check "demo is idempotent" test "$(count)" = "$n0"
check "demo canteens not doubled" test "$(sqlite3 "$db" "SELECT count(*) FROM canteens")" = 5
check "demo has the Friday breakfast at the union building" test "$(sqlite3 "$db" "SELECT count(*) FROM events e JOIN stations s ON s.id = e.station_id WHERE s.code = 'WZ-GHDS' AND e.category = 'free_meal'")" -ge 1
check "demo without --history has no visit history or inspections" test "$(sqlite3 "$db" "SELECT (SELECT count(*) FROM visit_days) + (SELECT count(*) FROM inspections)")" = 0
hdb=$tmp/h.db
check "demo --history loads" "$bin" demo --history --seed 7 --db "$hdb"
check "demo --history: over a million visits" test "$(sqlite3 "$hdb" "SELECT sum(visits) FROM visit_days")" -gt 1000000
check "demo --history: inspections" test "$(sqlite3 "$hdb" "SELECT count(*) FROM inspections WHERE status = 'submitted'")" -gt 1000
hq() { sqlite3 "$hdb" "$1"; }
htasks=$(hq "SELECT count(*) FROM tasks")
check "demo --history: tasks" test "$htasks" -gt 300
check "demo --history: at least 70 % of tasks closed" test "$(hq "SELECT count(*) FROM tasks WHERE status = 'closed'")" -ge "$((htasks * 70 / 100))"
check "demo --history: some tasks still open" test "$(hq "SELECT count(*) FROM tasks WHERE status <> 'closed'")" -ge 1
check "demo --history: an overdue task, escalated" test "$(hq "SELECT count(*) FROM tasks WHERE status <> 'closed' AND deadline < strftime('%s','now') AND escalated_at > 0")" -ge 1
check "demo --history: every overdue task escalated" test "$(hq "SELECT count(*) FROM tasks WHERE status <> 'closed' AND deadline < strftime('%s','now') - 86400 AND coalesce(escalated_at, 0) = 0")" = 0
check "demo --history: a task reopened" test "$(hq "SELECT count(*) FROM task_events WHERE action = 'reopen'")" -ge 1
check "demo --history: >= 2000 verified ratings" test "$(hq "SELECT count(*) FROM ratings WHERE active = 1 AND verified = 1")" -ge 2000
check "demo --history: low-rated stations with >= 5 workers" test "$(hq "SELECT count(*) FROM (SELECT station_id FROM ratings WHERE active = 1 AND verified = 1 GROUP BY station_id HAVING count(DISTINCT worker_id) >= 5 AND avg(stars) < 2.5)")" -ge 3
check "demo --history: >= 100,000 sign-ups" test "$(hq "SELECT count(*) FROM event_signups")" -ge 100000
check "demo --history: no occurrence over its seats" test "$(hq "SELECT count(*) FROM (SELECT 1 FROM event_signups s JOIN events e ON e.id = s.event_id WHERE e.capacity > 0 GROUP BY s.event_id, s.occurrence, e.capacity HAVING count(*) > e.capacity)")" = 0
# The dashboard's numbers read the roll-ups, the sign-ups, the ratings and the inspections:
# `stats rebuild` (roll-ups again from the visits and day totals) must change none of them.
dash() { # the four dashboard answers of the year, through a server on the history database
    yz_serve dash "$hdb" --threads 2
    local u=$YZ_URL/api/v1/dashboard q="from=$(TZ=Asia/Shanghai date -d '-360 days' +%F)&to=$(TZ=Asia/Shanghai date +%F)" p
    for p in "visits?bucket=week&$q" "visits?by=occupation&bucket=week&$q" "events?$q" "ratings?$q" "scores?$q"; do
        curl -sf -H "Authorization: Bearer $YIZHAN_ADMIN_TOKEN" "$u/$p" || echo "FAILED $p"
        echo
    done
    yz_stop "$YZ_PID"
}
export YIZHAN_ADMIN_TOKEN=cli-admin-token-$$
dash >"$tmp/dash-before.json"
check "demo --history: stats rebuild" "$bin" stats rebuild --db "$hdb"
dash >"$tmp/dash-after.json"
check "demo --history: the dashboard answers" sh -c "! grep -q FAILED '$tmp/dash-before.json' && grep -q '\"lowest\":\[{' '$tmp/dash-before.json'"
check "demo --history: stats rebuild changes no dashboard number" cmp "$tmp/dash-before.json" "$tmp/dash-after.json"

hdr=code,name,address,district_code,district_name,lat,lon,crs,tier,partner_kind,partner_name,facilities,opening_hours,status,phone,seats,livelihood,batch
cat >"$tmp/good.csv" <<CSV
$hdr
T-1,测试一号驿站,"测试路1号, 一楼",339999,测试区,28.1,120.7,,basic,community,,toilet;drinking_water,Mo-Su 08:00-20:00,open,,10,true,new
T-2,測試二號驛站,测试路2号,339999,测试区,28.1000,120.7010,gcj02,smart24h,gas_station,中石化,battery_swap,24/7,open,0577-1234,,false,
CSV
check "import good csv" "$bin" import --db "$db" "$tmp/good.csv"
check "import created 2 and a district" grep -q "2 新建 created, 0 更新 updated, 1 新区县" "$tmp/out"
check "count +2" test "$(count)" = "$((n0 + 2))"
check "quoted comma kept" test "$(sqlite3 "$db" "SELECT address FROM stations WHERE code='T-1'")" = "测试路1号, 一楼"
# GCJ-02 lies ~0.004 deg east and ~0.003 deg south of WGS-84 around Wenzhou: the stored
# WGS-84 position must have moved back by that much (coord unit tests check exact vectors).
check "gcj02 input stored as wgs84" sh -c "sqlite3 '$db' \"SELECT lon BETWEEN 120.695 AND 120.699 AND lat BETWEEN 28.101 AND 28.105 FROM stations WHERE code='T-2'\" | grep -qx 1"

sed 's/测试一号驿站/测试一号驿站（更新）/' "$tmp/good.csv" >"$tmp/update.csv"
check "reimport updates by code" "$bin" import --db "$db" "$tmp/update.csv"
check "reimport counted as updates" grep -q "0 新建 created, 2 更新 updated" "$tmp/out"
check "no duplicates" test "$(count)" = "$((n0 + 2))"
check "name updated" test "$(sqlite3 "$db" "SELECT name FROM stations WHERE code='T-1'")" = "测试一号驿站（更新）"

cat >"$tmp/bad.csv" <<CSV
$hdr
T-3,好的一行,路3号,339999,测试区,28.1,120.7,,basic,community,,toilet,24/7,open,,0,false,
T-4,坏的一行,路4号,339999,测试区,28.1,120.7,,basic,community,,toilet,Mo-Fr 08:00-27:00,open,,0,false,
CSV
refused "bad csv accepted" "$tmp/bad.csv"
check "bad row named: line 3, opening_hours" grep -q "row 3.*opening_hours\|row 3" "$tmp/out"
check "error names the field" grep -q "opening_hours" "$tmp/out"
check "nothing of the bad file imported" test "$(sqlite3 "$db" "SELECT count(*) FROM stations WHERE code IN ('T-3','T-4')")" = 0

printf '%s\nT-5,x,y,339999,z,abc,120,,,,,,,,,,,\n' "$hdr" >"$tmp/badnum.csv"
refused "bad lat accepted" "$tmp/badnum.csv"
check "bad lat named" grep -q "field: lat" "$tmp/out"

printf '%s\nT-6,x,y,339999,z,28,120,,,,,sauna,,,,,,\n' "$hdr" >"$tmp/badfac.csv"
refused "unknown facility accepted" "$tmp/badfac.csv"
check "unknown facility named" grep -q "sauna" "$tmp/out"

# A NUL byte is not text: the row is refused by name and field (it was cut short there once),
# in a file long enough to be read on the parser thread as in a large load.
{ printf '%s\n' "$hdr"; for i in $(seq 1 300); do printf 'T-N%d,x,y,339999,z,28,120,,,,,,,,,,,\n' "$i"; done
  printf 'T-NUL,name\0tail,y,339999,z,28,120,,,,,,,,,,,\n'; } >"$tmp/nul.csv"
refused "a NUL byte accepted" "$tmp/nul.csv"
check "NUL byte: row and field named" grep -q "row 302.*name.*UTF-8\|field: name" "$tmp/out"
check "NUL byte: the row is named" grep -q "302" "$tmp/out"
check "NUL byte: nothing of the file imported" test "$(sqlite3 "$db" "SELECT count(*) FROM stations WHERE code LIKE 'T-N%'")" = 0

check "export csv" "$bin" export --db "$db" --format csv --out "$tmp/all.csv"
check "export has header + all rows" test "$(wc -l <"$tmp/all.csv")" = "$((n0 + 3))"
check "export geojson" "$bin" export --db "$db" --format geojson --out "$tmp/all.geojson"
db2=$tmp/c2.db
check "geojson re-imports into a fresh db" "$bin" import --db "$db2" "$tmp/all.geojson"
check "geojson round trip count" test "$(sqlite3 "$db2" "SELECT count(*) FROM stations")" = "$((n0 + 2))"
db3=$tmp/c3.db
check "csv re-imports into a fresh db" "$bin" import --db "$db3" "$tmp/all.csv"
check "csv round trip is identical" sh -c "'$bin' export --db '$db3' --format csv | cmp - '$tmp/all.csv'"

# Issue 10, defect 7: names that a spreadsheet would run as formulas go out guarded with a
# quote and come back exactly; a negative longitude stays a number.
db4=$tmp/c4.db
cat >"$tmp/formula.csv" <<'CSV'
code,name,address,district_code,district_name,lat,lon,crs,tier,partner_kind,partner_name,facilities,opening_hours,status,phone,seats,livelihood,batch
F-1,"=HYPERLINK(""http://x"",""y"")",@SUM(A1),339999,测试区,28.1,-120.7,,,,,,,,+86 577 1,,,
F-2,"''=1",-2+3,339999,测试区,28.1,120.7,,,,,,,,,,,
CSV
check "import formula-like texts" "$bin" import --db "$db4" "$tmp/formula.csv"
check "formula name stored unguarded" test "$(sqlite3 "$db4" "SELECT name FROM stations WHERE code='F-1'")" = '=HYPERLINK("http://x","y")'
check "quoted name keeps one quote" test "$(sqlite3 "$db4" "SELECT name FROM stations WHERE code='F-2'")" = "'=1"
check "export formula-like texts" "$bin" export --db "$db4" --format csv --out "$tmp/formula-out.csv"
q="'"
check "formula cells guarded" grep -qF "\"${q}=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",\"${q}@SUM(A1)\"" "$tmp/formula-out.csv"
check "phone cell guarded" grep -qF "\"${q}+86 577 1\"" "$tmp/formula-out.csv"
check "quote cell guarded once more" grep -qF "\"${q}${q}=1\",\"${q}-2+3\"" "$tmp/formula-out.csv"
check "negative longitude stays a number" grep -qF ',-120.7000000,wgs84,' "$tmp/formula-out.csv"
db5=$tmp/c5.db
check "guarded export re-imports" "$bin" import --db "$db5" "$tmp/formula-out.csv"
check "formula round trip is exact" test "$(sqlite3 "$db5" "SELECT code, name, address, phone FROM stations ORDER BY code")" = "$(sqlite3 "$db4" "SELECT code, name, address, phone FROM stations ORDER BY code")"
check "formula export is stable" sh -c "'$bin' export --db '$db5' --format csv | cmp - '$tmp/formula-out.csv'"

check "near" "$bin" near --db "$db" 28.0154 120.6553 --need toilet --k 3
check "near prints 3 rows with amap links" test "$(grep -c 'uri.amap.com' "$tmp/out")" = 3
check "search 工會" "$bin" search --db "$db" 工會
check "search finds the union building" grep -q "WZ-GHDS" "$tmp/out"
if "$bin" near --db "$db" 95 120 >"$tmp/out" 2>&1; then
    fail=$((fail + 1)); echo "FAIL: near accepted lat 95"
else
    pass=$((pass + 1))
fi
if "$bin" export --db "$db" --format xml >"$tmp/out" 2>&1; then
    fail=$((fail + 1)); echo "FAIL: export accepted xml"
else
    pass=$((pass + 1))
fi
# --- users and the permission table ------------------------------------------------------------
here=$(cd "$(dirname "$0")" && pwd)
refuse() { # description, then a command that must fail
    local what=$1
    shift
    if "$@" >"$tmp/out" 2>&1; then
        fail=$((fail + 1)); echo "FAIL: $what (it succeeded)"
    else
        pass=$((pass + 1))
    fi
}
export YIZHAN_PWHASH=min
check "user add reads the password from stdin" sh -c "echo cli-test-password-1 | '$bin' user add Boss --name 老板 --role city_admin --db '$db'"
check "the hash is Argon2id" test "$(sqlite3 "$db" "SELECT substr(pw_hash, 1, 10) FROM users WHERE login_key = 'boss'")" = '$argon2id$'
refuse "user add: login taken in any case" sh -c "echo cli-test-password-1 | '$bin' user add BOSS --db '$db'"
refuse "user add: short password" sh -c "echo short | '$bin' user add ann --db '$db'"
refuse "user add: password is the login" sh -c "echo annannannann | '$bin' user add annannannann --db '$db'"
refuse "user add: unknown role" "$bin" user add ann --role king --random --db "$db"
refuse "user add: unknown district" "$bin" user add ann --role district_admin:999999 --random --db "$db"
check "nothing printed for a failed add" test "$(grep -c 'one-time' "$tmp/out")" = 0
check "user add --random with scopes" "$bin" user add ann --role district_admin:330302,330303 --role operator:1,partner=滴滴 --random --db "$db"
check "--random prints a one-time password" grep -q "one-time password for ann: " "$tmp/out"
check "user roles --grant" "$bin" user roles ann --grant canteen:1 --grant district_admin:330304 --db "$db"
check "grant merges scopes" grep -q "district_admin:330302,330303,330304 operator:1,partner=滴滴 canteen:1" "$tmp/out"
check "user roles --revoke an item" "$bin" user roles ann --revoke district_admin:330303 --revoke canteen --db "$db"
check "revoke" grep -q "district_admin:330302,330304 operator:1,partner=滴滴\$" "$tmp/out"
check "user list" "$bin" user list --db "$db"
check "list shows both" test "$(grep -c active "$tmp/out")" = 2
check "user disable" "$bin" user disable ann --db "$db"
check "disabled" grep -q "disabled" "$tmp/out"
check "user enable" "$bin" user enable ann --db "$db"
check "user passwd" sh -c "echo another-password-2 | '$bin' user passwd ann --db '$db'"
refuse "user passwd: unknown user" sh -c "echo another-password-2 | '$bin' user passwd nobody --db '$db'"
refuse "user: unknown subcommand" "$bin" user frobnicate --db "$db"
refuse "user add without a login" "$bin" user add --db "$db"
# --- the audit log: `yizhan audit` against the table itself (sqlite3 is the oracle) ------------
q() { sqlite3 "$db" "$1"; }
rows() { grep -vc '^id' "$tmp/out" || true; } # data lines of the last table or CSV
ann_id=$(q "SELECT id FROM users WHERE login_key = 'ann'")
n_audit=$(q "SELECT count(*) FROM audit")
check "audit: the table" "$bin" audit --db "$db" --limit 1000
check "audit: a header and every entry" test "$(head -1 "$tmp/out" | cut -f1-4)" = "$(printf 'id\tat\tactor\taction')"
check "audit: as many rows as the log holds" test "$(rows)" = "$(q "SELECT count(*) FROM audit")"
check "audit: the CLI's commands are in it" test "$(q "SELECT count(*) FROM audit WHERE actor_kind = 'cli' AND action LIKE 'cli:user%'")" -ge 8
check "audit --action" "$bin" audit --db "$db" --action "cli:user add" --limit 1000
check "audit --action: the adds, and only them" test "$(rows)" = "$(q "SELECT count(*) FROM audit WHERE action = 'cli:user add'")"
check "audit --action: no other action" test "$(grep -v '^id' "$tmp/out" | cut -f4 | sort -u)" = "cli:user add"
check "audit --record" "$bin" audit --db "$db" --record "user:$ann_id" --limit 1000
check "audit --record: ann's entries" test "$(rows)" = "$(q "SELECT count(*) FROM audit WHERE record_kind = 'user' AND record_id = $ann_id")"
check "audit --record: ann was added, granted, revoked, disabled, enabled, given a password" test "$(rows)" -ge 6
check "audit --user (the OS user of the CLI)" "$bin" audit --db "$db" --user "$(q "SELECT login FROM audit WHERE actor_kind = 'cli' LIMIT 1")" --limit 1000
check "audit --user: the CLI's entries" test "$(rows)" = "$(q "SELECT count(*) FROM audit WHERE actor_kind = 'cli'")"
check "audit --limit 2" "$bin" audit --db "$db" --limit 2
check "audit --limit 2: the two newest, newest first" test "$(grep -v '^id' "$tmp/out" | cut -f1 | paste -sd,)" = "$(q "SELECT group_concat(id) FROM (SELECT id FROM audit ORDER BY id DESC LIMIT 2)")"
today=$(TZ=Asia/Shanghai date +%F)
tomorrow=$(TZ=Asia/Shanghai date -d tomorrow +%F)
check "audit --since today" "$bin" audit --db "$db" --since "$today" --until "$tomorrow" --limit 1000
check "audit --since today: everything was written today" test "$(rows)" = "$(q "SELECT count(*) FROM audit")"
check "audit --since tomorrow" "$bin" audit --db "$db" --since "$tomorrow"
check "audit --since tomorrow: nothing" test "$(rows)" = 0
check "audit --district (no CLI entry has one)" "$bin" audit --db "$db" --district 330302
check "audit --district: nothing" test "$(rows)" = "$(q "SELECT count(*) FROM audit WHERE district = '330302'")"
check "audit --csv" "$bin" audit --db "$db" --csv --record "user:$ann_id" --limit 1000
check "audit --csv: a BOM first" test "$(head -c 3 "$tmp/out" | od -An -tx1 | tr -d ' ')" = efbbbf
check "audit --csv: the header" sh -c "head -1 '$tmp/out' | grep -q '^.*id,at,actor_kind,user_id,login,addr,action,record_kind,record_id,district,outcome,status,reason,before,after'"
check "audit --csv: CRLF rows, one per entry" test "$(grep -c $'\r$' "$tmp/out")" = "$(($(q "SELECT count(*) FROM audit WHERE record_kind = 'user' AND record_id = $ann_id") + 1))"
check "audit --csv: JSON cells quoted" grep -q ',"{""id"":'"$ann_id"',' "$tmp/out"
check "audit --csv: no password hash" sh -c "! grep -q 'argon2' '$tmp/out'"
refuse "audit: a date that does not exist" "$bin" audit --db "$db" --since 2026-13-45
check "audit: the bad date named" grep -q -- "--since must be a date" "$tmp/out"
refuse "audit: --until not a date" "$bin" audit --db "$db" --until yesterday
refuse "audit: --record without an id" "$bin" audit --db "$db" --record station
refuse "audit: --record with a bad id" "$bin" audit --db "$db" --record station:x
refuse "audit: --limit 0" "$bin" audit --db "$db" --limit 0
refuse "audit: --limit 1001" "$bin" audit --db "$db" --limit 1001
refuse "audit: an unknown option" "$bin" audit --db "$db" --frobnicate
refuse "audit: an extra argument" "$bin" audit --db "$db" extra
check "audit: reading wrote nothing" test "$(q "SELECT count(*) FROM audit")" = "$n_audit"
# checklists: load (checked, all or nothing), the same again (no new version), a changed one
# (a new active version, the old kept), list
cat >"$tmp/cl.json" <<'JSON'
{"code":"night_check","kind":"self_check","labels":{"zh-Hans":"夜间检查","zh-Hant":"夜間檢查","en":"Night check"},
 "criteria":[{"code":"lights","labels":{"zh-Hans":"照明","zh-Hant":"照明","en":"Lights"},"dimension":"hardware",
  "weight":3,"scoring":"pass_fail","evidence":"none","severity":"high"}]}
JSON
n_cl=$(q "SELECT count(*) FROM checklists")
check "checklists: the default standard and self-check" test "$n_cl" = 2
check "checklists load" "$bin" checklists load --db "$db" "$tmp/cl.json"
check "checklists load: version 1" grep -q "night_check 第 1 版 / version 1" "$tmp/out"
check "checklists load again" "$bin" checklists load --db "$db" "$tmp/cl.json"
check "checklists load again: unchanged" grep -q "unchanged" "$tmp/out"
sed 's/"weight":3/"weight":4/' "$tmp/cl.json" >"$tmp/cl2.json"
check "checklists load a change" "$bin" checklists load --db "$db" "$tmp/cl2.json"
check "checklists: version 2 active, version 1 kept" test "$(q "SELECT group_concat(version || ':' || active, ',') FROM (SELECT version, active FROM checklists WHERE code = 'night_check' ORDER BY version)")" = "1:0,2:1"
sed 's/"scoring":"pass_fail"/"scoring":"stars"/' "$tmp/cl.json" >"$tmp/bad.json"
refuse "checklists load: a bad scoring" "$bin" checklists load --db "$db" "$tmp/bad.json"
check "checklists load: the member named" grep -q "criteria\[0\].scoring" "$tmp/out"
check "checklists: nothing of the bad file" test "$(q "SELECT count(*) FROM checklists")" = "$((n_cl + 2))"
check "checklists list" "$bin" checklists list --db "$db"
check "checklists list: every version" test "$(grep -c night_check "$tmp/out")" = 2
refuse "checklists: no sub-command" "$bin" checklists
check "checklists load: audited" test "$(q "SELECT count(*) FROM audit WHERE action = 'cli:checklists load'")" = 4
# devices: add prints the id and a 43-character key (audited), list shows it without the key;
# an unknown station or kind is refused and adds nothing
check "devices add" "$bin" devices add --station WZ0301 --kind battery_cabinet --name 一号柜 --db "$db"
dev_key=$(awk '$1 == "key" {print $2}' "$tmp/out")
check "devices add: a key of 43 characters" test "${#dev_key}" = 43
check "devices add: audited" test "$(q "SELECT count(*) FROM audit WHERE action = 'cli:devices_add' AND outcome = 'ok'")" = 1
check "devices list" "$bin" devices list --station WZ0301 --db "$db"
check "devices list: the device, no key" sh -c "grep -q 'battery_cabinet	一号柜	enabled' '$tmp/out' && ! grep -q '$dev_key' '$tmp/out'"
refuse "devices add: an unknown station" "$bin" devices add --station NOPE-1 --kind door --db "$db"
refuse "devices add: an unknown kind" "$bin" devices add --station WZ0301 --kind toaster --db "$db"
check "devices: nothing of the refused ones" test "$(q "SELECT count(*) FROM devices")" = 1
check "permissions --markdown is docs/internals/permissions.md" sh -c "'$bin' permissions --markdown | cmp - '$here/../../docs/internals/permissions.md'"
check "permissions --tsv lists every role" sh -c "'$bin' permissions --tsv | head -1 | grep -q 'city_admin.*district_admin.*operator.*inspector.*moderator.*canteen.*viewer'"
refuse "permissions without a format" "$bin" permissions

# serve --config (yizhan.conf(5)): every flag of serve has a key in the shipped example, each
# kind of bad file stops the server with the file, the line and the key named in both languages
# and nothing served, and flags win over the file.
conf=$here/../../docs/deploy/yizhan.conf
flags=$("$bin" serve --help 2>&1 | sed -n '/^  serve /,/^  demo /p' | sed '$d' | grep -o -- '--[a-z0-9-]*' | sort -u | grep -vx -- --config)
check "serve --help lists the flags" test "$(echo "$flags" | wc -l)" -ge 25
for f in $flags; do
    k=$(echo "${f#--}" | tr - _)
    check "config: the flag $f has its key $k in docs/deploy/yizhan.conf" sh -c "grep -Eq '^#?$k =|\`$k\`' '$conf'"
done
for k in $(grep -Eo '^#?[a-z_0-9]+ =' "$conf" | tr -d '#= ') admin_token webhook_url; do
    check "config: yizhan.conf(5) documents $k" grep -qx ".B $k" "$here/../../docs/man/yizhan.conf.5"
done
bad_conf() { # description, the file's text, the line, the key, then the words the error must hold
    local what=$1 text=$2 line=$3 key=$4 w
    shift 4
    printf '# a comment\n\n%b' "$text" >"$tmp/bad.conf"
    rm -f "$tmp/bad.port"
    refuse "config: $what" timeout 20 "$bin" serve --config "$tmp/bad.conf" --db "$tmp/conf.db" --port 0 --port-file "$tmp/bad.port"
    check "config: $what: file, line and key named" grep -qF "$tmp/bad.conf:$line: $key: " "$tmp/out"
    for w in "$@"; do check "config: $what: says '$w'" grep -qF "$w" "$tmp/out"; done
    check "config: $what: nothing served" test ! -e "$tmp/bad.port"
}
bad_conf "an unknown key" 'port = 8080\nthreds = 4\n' 4 threds "未知配置项" "unknown key"
bad_conf "a bad number" 'threads = four\n' 3 threads "整数" "must be an integer in 0..4096"
bad_conf "a number with a tail" 'idle_timeout = 30s\n' 3 idle_timeout "整数" "must be an integer in 1..3600"
bad_conf "a port out of range" 'port = 65536\n' 3 port "0..65535" "must be an integer in 0..65535"
bad_conf "a share out of range" 'target_benchmark = 1.5\n' 3 target_benchmark "(0, 1]" "must be a number in (0, 1]"
bad_conf "a duplicate key" 'port = 8080\nbind = 127.0.0.1\nport = 8081\n' 5 port "重复" "duplicate key, already set on line 3"
bad_conf "an old and a new name of one key" 'workers_per_hour_ip = 5\nworkers_per_hour = 6\n' 4 workers_per_hour "重复" "duplicate key"
bad_conf "an empty value" 'public_url =\n' 3 public_url "值为空" "empty value"
bad_conf "a bad webhook kind" 'webhook_kind = slack\n' 3 webhook_kind "wecom 或 dingtalk" "must be wecom or dingtalk"
bad_conf "the admin token in the file" 'admin_token = s3cret\n' 3 admin_token "密钥" "set YIZHAN_ADMIN_TOKEN in the environment"
bad_conf "the webhook URL (its key) in the file" 'webhook_url = https://hook.example/send?key=k\n' 3 webhook_url "密钥" "YIZHAN_WEBHOOK_URL"
bad_conf "the MQTT password in the file" 'mqtt_password = s3cret\n' 3 mqtt_password "密钥" "set YZ_MQTT_PASSWORD in the environment"
bad_conf "a database password in the file" 'db = postgresql://yizhan:s3cret@127.0.0.1/yizhan\n' 3 db "PGPASSWORD" "does not belong in the config file"
bad_conf "writes_per_min with one of its limits" 'writes_per_min = 10\nwrites_per_min_ip = 5\n' 4 writes_per_min_ip "冲突" "conflicts with writes_per_min on line 3"
check "config: the secret is not echoed" sh -c "! grep -q s3cret '$tmp/out'"
printf 'a line without an equals sign\n' >"$tmp/bad.conf"
refuse "config: a line that is not key = value" timeout 20 "$bin" serve --config "$tmp/bad.conf" --port 0
check "config: not key = value: the line named" grep -qF "$tmp/bad.conf:1: 需要 key = value / expected key = value" "$tmp/out"
refuse "serve: a bad --mqtt-url" timeout 20 "$bin" serve --db "$tmp/conf.db" --port 0 --mqtt-url tcp://127.0.0.1:1883
check "serve: a bad --mqtt-url named" grep -qF "the MQTT URL must be mqtt://host[:port] (got \"tcp://127.0.0.1:1883\") (field: mqtt_url)" "$tmp/out"
# devices export-acl (docs/internals/mqtt.md): the broker's password and ACL files.
refuse "export-acl without YZ_MQTT_PASSWORD" env -u YZ_MQTT_PASSWORD "$bin" devices export-acl --db "$db" --passwd "$tmp/pw" --acl "$tmp/acl"
check "export-acl without YZ_MQTT_PASSWORD: says so" grep -qF "YZ_MQTT_PASSWORD" "$tmp/out"
refuse "export-acl with a service user that reads as a device id" env YZ_MQTT_PASSWORD=x "$bin" devices export-acl --db "$db" --passwd "$tmp/pw" --acl "$tmp/acl" --user 42
refuse "export-acl without --acl" env YZ_MQTT_PASSWORD=x "$bin" devices export-acl --db "$db" --passwd "$tmp/pw"
check "export-acl writes both files" env YZ_MQTT_PASSWORD=svc "$bin" devices export-acl --db "$db" --passwd "$tmp/pw" --acl "$tmp/acl" --user svc
check "export-acl: the service account's line" grep -Eq '^svc:[$]7[$]101[$][A-Za-z0-9+/]{16}[$][A-Za-z0-9+/]{86}==$' "$tmp/pw"
check "export-acl: the password file is 0640" test "$(stat -c %a "$tmp/pw")" = 640
d1=$(YZ_MQTT_PASSWORD= "$bin" devices add --db "$db" --station WZ-GHDS --kind door | awk '$1 == "id" { print $2 }')
d2=$("$bin" devices add --db "$db" --station WZ-GHDS --kind power | awk '$1 == "id" { print $2 }')
sqlite3 "$db" "UPDATE devices SET disabled = 1 WHERE id = $d2"
check "export-acl with devices" env YZ_MQTT_PASSWORD=svc "$bin" devices export-acl --db "$db" --passwd "$tmp/pw" --acl "$tmp/acl" --user svc
check "export-acl: an enabled device's line (username its id)" grep -Eq "^$d1:[\$]7[\$]101[\$]" "$tmp/pw"
check "export-acl: a disabled device left out" sh -c "! grep -q '^$d2:' '$tmp/pw'"
check "export-acl: the service account and every enabled device, nothing else" test "$(wc -l <"$tmp/pw")" = "$((1 + $(sqlite3 "$db" "SELECT count(*) FROM devices WHERE disabled = 0")))"
check "export-acl: the ACL's device pattern" grep -qx 'pattern write yizhan/v1/devices/%u/readings' "$tmp/acl"
check "export-acl: the service account reads every device" sh -c "grep -A1 -x 'user svc' '$tmp/acl' | grep -qx 'topic read yizhan/v1/devices/+/readings'"
refuse "config: a missing file" timeout 20 "$bin" serve --config "$tmp/none.conf" --port 0
check "config: a missing file named" grep -qF "cannot read config $tmp/none.conf" "$tmp/out"
# The shipped example is accepted as it is (its db pointed here by the flag), and flags win.
yz_serve shipped "$tmp/conf.db" --config "$conf"
check "config: the shipped example serves" curl -sf "$YZ_URL/healthz"
yz_stop "$YZ_PID"
printf 'db = %s\nport = 1\nbind = 0.0.0.0\nthreads = 3\nidle_timeout = 20\nheader_timeout = 5\nconns_per_addr = 0\n' "$tmp/conf.db" >"$tmp/good.conf"
yz_serve override "$tmp/other.db" --config "$tmp/good.conf" --idle-timeout 9
check "config: the file's threads, header timeout and connection limit" grep -q "http: 3 threads; .*, -1 from one address;.* 5 s for a header" "$YZ_LOGS/override.log"
check "config: --idle-timeout wins over the file" grep -q "5 s for a header, 9 s idle" "$YZ_LOGS/override.log"
check "config: --port and --bind win (port 0, 127.0.0.1)" grep -q "on http://127.0.0.1:$YZ_PORT/" "$YZ_LOGS/override.log"
check "config: --db wins" grep -qF "serving $tmp/other.db " "$YZ_LOGS/override.log"
yz_stop "$YZ_PID"

. "$(dirname "$0")/import-alone.sh" # a load into a new store, held alone

echo "cli cases: $pass passed, $fail failed"
[ $fail = 0 ]
