#!/usr/bin/env bash
# Moderation that learns (docs/internals/classifier.md): a deployment seeded with genuine texts
# by `yizhan moderation train`, then a family of spam the word lists do not know. Until the
# classifier has seen YZ_CLF_MIN_EXAMPLES (20) texts of each class it holds nothing; after the
# moderators reject 20 of the family, a new text of the family is held with the reason
# "learned", its spam probability and the grams that drove it (in the answer and in the
# moderators' queue), while a genuine review is still published. Approving it trains the other
# way; the model survives a restart (loaded from the store).
set -u
. "$(dirname "$0")/../lib.sh"
db=$CASE_TMP/d.db
log=$CASE_TMP/server.log
tok_admin=${YIZHAN_ADMIN_TOKEN:-adm-$$}
export YIZHAN_ADMIN_TOKEN=$tok_admin
yz_demo "$db"

# Seed: genuine texts only (spam comes from the moderators below).
grep '^ham' "$(dirname "$0")/../data/moderation-corpus.tsv" | head -40 >"$CASE_TMP/seed.tsv"
"$YZ_BIN" moderation train --db "$db" "$CASE_TMP/seed.tsv" >"$CASE_TMP/train.out" 2>&1 ||
    { cat "$CASE_TMP/train.out"; yz_fail "moderation train"; }
grep -q 'trained 40 new texts' "$CASE_TMP/train.out" || yz_fail "train: $(cat "$CASE_TMP/train.out")"
"$YZ_BIN" moderation train --db "$db" "$CASE_TMP/seed.tsv" >"$CASE_TMP/train.out" 2>&1
grep -q '40 already known' "$CASE_TMP/train.out" || yz_fail "train twice: $(cat "$CASE_TMP/train.out")"

yz_serve server "$db" --writes-per-min 1000000
base=$YZ_URL
tok=$(curl -s -X POST "$base/api/v1/workers" | jq -r .token)
items=(旧电瓶 旧头盔 旧手机 旧餐箱 废电池 旧车架 旧轮胎 旧雨衣 旧充电器 旧电机 旧仪表 旧车灯
       旧锁具 旧护膝 旧手套 旧保温箱 旧车筐 旧后视镜 旧座垫 旧车座 旧刹车 旧链条 旧踏板 旧挡泥板)
n=0
rate() { # $1: text; writes the answer to $CASE_TMP/rate.json
    n=$((n + 1))
    local code
    code=$(printf 'WZ%04d' "$n")
    jq -n --arg t "$1" '{stars: 1, text: $t}' >"$CASE_TMP/body.json"
    curl -s -X POST -H "Authorization: Bearer $tok" -H 'Content-Type: application/json' \
        --data @"$CASE_TMP/body.json" "$base/api/v1/stations/$code/ratings" >"$CASE_TMP/rate.json"
}
family() { # $1: index -> a text of the spam family the word lists miss
    echo "老周回收${items[$1]}，高价上门收，认准老周回收站，第$1号"
}
reject() {
    curl -s -X POST -H "Authorization: Bearer $tok_admin" "$base/api/v1/moderation/$1/reject" \
        >"$CASE_TMP/mod.json"
    yz_jq "$CASE_TMP/mod.json" '.status == "rejected"' "reject $1"
}

# 19 of the family: the lists publish them; the moderators reject each one.
for i in $(seq 0 18); do
    rate "$(family "$i")"
    yz_jq "$CASE_TMP/rate.json" '.rating.status == "published"' "family text $i before learning"
    reject "$(jq -r .rating.id "$CASE_TMP/rate.json")"
done
# Below the threshold (19 spam texts) the classifier holds nothing by itself.
rate "$(family 19)"
yz_jq "$CASE_TMP/rate.json" '.rating.status == "published" and .rating.reasons == []' \
    "below the threshold, nothing is held"
reject "$(jq -r .rating.id "$CASE_TMP/rate.json")" # the 20th: now it is ready

rate "$(family 21)"
yz_jq "$CASE_TMP/rate.json" '.rating.status == "held" and .rating.reasons == ["learned"]
    and .rating.classifier.spam_probability >= 0.9 and (.rating.classifier.ngrams | length) > 0' \
    "a new text of the family is held as learned"
held=$(jq -r .rating.id "$CASE_TMP/rate.json")
curl -s -H "Authorization: Bearer $tok_admin" "$base/api/v1/moderation/held?per_page=100" \
    >"$CASE_TMP/held.json"
yz_jq "$CASE_TMP/held.json" "any(.items[]; .id == $held and .reasons == [\"learned\"]
    and .classifier.spam_probability >= 0.9 and (.classifier.ngrams | length) > 0)" \
    "the queue explains the learned hold"

# A genuine review is still published.
rate "换电柜就在门口，电池换得很快，站长人也热情"
yz_jq "$CASE_TMP/rate.json" '.rating.status == "published"' "a genuine review after learning"

# Approving the held text trains it as genuine (moved from nothing to ham: one more change).
curl -s -X POST -H "Authorization: Bearer $tok_admin" "$base/api/v1/moderation/$held/approve" \
    >"$CASE_TMP/mod.json"
yz_jq "$CASE_TMP/mod.json" '.status == "published"' "approve"
[ "$(sqlite3 "$db" "SELECT label FROM classifier_items WHERE source = 'review' AND item_id = $held")" = 0 ] ||
    yz_fail "the approved text is not trained as genuine"
[ "$(sqlite3 "$db" 'SELECT spam_docs || "/" || ham_docs FROM classifier_state')" = 20/41 ] ||
    yz_fail "classifier_state: $(sqlite3 "$db" 'SELECT * FROM classifier_state')"

# The model is the store's: after a restart the family is still held.
yz_stop "$YZ_PID" || yz_fail "server exit"
yz_serve server2 "$db" --writes-per-min 1000000
base=$YZ_URL
rate "$(family 22)"
yz_jq "$CASE_TMP/rate.json" '.rating.status == "held" and (.rating.reasons | index("learned") != null)' \
    "held as learned after a restart"
exit 0
