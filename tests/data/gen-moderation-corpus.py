#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# tests/data/gen-moderation-corpus.py - writes tests/data/moderation-corpus.tsv, the labelled
# corpus of the moderation classifier (docs/internals/classifier.md): reviews and problem
# reports of rest stations for riders, couriers and drivers ("ham"), and the spam that floods
# Chinese community sites ("spam"), in simplified Chinese, traditional Chinese and English.
#
# Every phrase below was written for this project. A text is one to three clauses drawn from
# hand-written pools, with slots (facility, time, amount, contact id, domain) filled at random
# from a fixed seed, so the output is reproducible. To keep cross-validation honest, a text is
# dropped when it shares more than 45% of its character trigrams with any text kept before it
# (near-duplicates would put the same text in the training and the test folds).
#
#   python3 tests/data/gen-moderation-corpus.py > tests/data/moderation-corpus.tsv
#
# Format: a comment header, then one text a line: "spam<TAB>text" or "ham<TAB>text"; a newline
# inside a text is written as \n (yizhan moderation train reads the same escapes: \n \t \\).
import random
import re
import string

R = random.Random(20260410)


def pick(xs):
    return R.choice(xs)


def digits(n):
    return "".join(R.choice("0123456789") for _ in range(n))


def mobile():
    return "1" + R.choice("3456789") + digits(9)


def cid():
    """A contact id as spammers write them: letters and digits."""
    head = "".join(R.choice(string.ascii_lowercase) for _ in range(R.randint(2, 5)))
    return head + digits(R.randint(3, 6))


CN_DIG = "〇一二三四五六七八九"
TW_DIG = "零壹貳參肆伍陸柒捌玖"
CIRCLED = "⓪①②③④⑤⑥⑦⑧⑨"


def disguise_number(num):
    """A phone number written to slip past a digit scan."""
    style = R.randint(0, 6)
    if style == 0:
        return "".join(CN_DIG[int(c)] for c in num)
    if style == 1:
        return "".join(TW_DIG[int(c)] for c in num)
    if style == 2:
        return "".join(CIRCLED[int(c)] for c in num)
    if style == 3:
        return " ".join(num[i:i + 3] for i in range(0, len(num), 3))
    if style == 4:
        return "-".join(num[i:i + 4] for i in range(0, len(num), 4))
    if style == 5:
        return "\\n".join(num[i:i + 4] for i in range(0, len(num), 4))
    return "".join(c + R.choice(["", "", ".", "*", "~"]) for c in num)


def domain():
    name = "".join(R.choice(string.ascii_lowercase) for _ in range(R.randint(3, 7)))
    tld = pick(["com", "cc", "vip", "top", "net", "xyz", "co", "ai", "me", "info", "club"])
    style = R.randint(0, 5)
    if style == 0:
        return f"{name}.{tld}"
    if style == 1:
        return f"{name} 点 {tld}"
    if style == 2:
        return f"{name}(dot){tld}"
    if style == 3:
        return f"hxxp://{name}.{tld}"
    if style == 4:
        return f"www。{name}。{tld}"
    return f"bit.ly/{cid()}"


def money(lo, hi, step=100):
    return str(R.randrange(lo, hi, step))


def hhmm():
    return f"{R.randint(6, 22)}:{pick(['00', '15', '30', '45'])}"


# ---- genuine texts ------------------------------------------------------------------------
# A genuine text: an optional context, one or two clauses about a facility (each facility has
# its own good and bad clauses, so nothing says the bike pump is cold), an optional closing.

HANS_CTX = ["", "", "", "今天送完午高峰过来歇脚，", "早上七点多到的，", "跑了一上午单，",
            "下雨天进来躲雨，", "第一次来这个驿站，", "夜班路过，", "中午顺路进来，",
            "等单的时候进来坐坐，", "天太热了进来喘口气，", "今天{t}来的，", "送快递路过，",
            "和同事一起来的，", "周末也来过一次，"]
HANS_ITEMS = {
    "饮水机": (["饮水机有热水也有凉水，灌满水壶再出发", "饮水机的水很干净，每周都有人换桶",
               "饮水机旁边放了纸杯，很方便"],
              ["饮水机没水了，桶是空的也没人换", "饮水机热水出不来，指示灯一直闪",
               "饮水机下面漏水，地上湿了一片"]),
    "微波炉": (["微波炉热饭两分钟就好，不用再吃冷饭", "两台微波炉都能用，中午排队也不久",
               "微波炉里面擦得很干净"],
              ["微波炉转盘不转了，热不均匀", "微波炉里面很脏，有人热完饭不擦",
               "微波炉一开就跳闸，整个屋子都停电"]),
    "厕所": (["厕所每天打扫，有洗手液和纸", "厕所干净没异味，比商场的还好",
             "男女厕所分开，还有无障碍的"],
            ["厕所冲水坏了，味道很大", "厕所门锁坏了，关不上", "厕所没有纸了，两天没人补"]),
    "空调": (["空调开着，进门就凉快下来了", "空调温度刚好，不冷不热",
             "冬天空调开暖风，手终于不僵了"],
            ["空调开得太低了，刚进来冻得发抖", "空调滴水，正好滴在座位上",
             "空调遥控器找不到，只能一直开着最低温"]),
    "充电": (["插座很多，手机和充电宝都能充", "电动车充电桩扫码就能用，一小时一块钱",
             "有各种型号的充电线，忘带线也不怕"],
            ["充电桩扫码付了钱却没通电", "墙上的插座松了，充一会儿就断",
             "充电线被人拿走了，只剩一根坏的"]),
    "换电柜": (["换电柜就在门口，一分钟换好电池", "换电柜电池都是满的，不用等",
               "换电柜旁边有雨棚，下雨也能换"],
              ["换电柜显示故障，三个格子打不开", "换电柜里的电池都只有一半电",
               "换电柜屏幕黑了，扫码没反应"]),
    "早餐": (["周五的免费早餐有包子豆浆，工会想得很周到", "周五早餐有鸡蛋和粥，吃饱了跑单有劲",
             "周五早上来领了早餐，志愿者还多给了一个馒头"],
            ["周五早餐{t}就发完了，来晚了什么都没有", "周五早餐的豆浆是凉的",
             "周五早餐排队太长，等了二十分钟"]),
    "工作人员": (["站长人很好，主动介绍怎么用", "值班阿姨下雨天给我们递毛巾",
                 "志愿者还给了一瓶藿香正气水"],
                ["值班的人态度不好，嫌我们鞋脏", "说好有人值班，去了一个人都没有",
                 "工作人员{t}就提前锁门了"]),
    "开放时间": (["晚上十点还开着，下夜班也有地方坐", "早上六点半就开门，早班骑手很需要",
                 "节假日也照常开放"],
                ["写着八点开门，{t}还锁着", "地图上写二十四小时，晚上九点就关门了",
                 "周日不开门，门口也没贴通知"]),
    "座位": (["座位多，中午人多也能找到地方", "沙发很软，能眯一会儿", "桌子宽，能放下饭盒和手机"],
            ["中午人太多，座位不够只能站着吃", "有一把椅子腿松了，坐上去晃",
             "沙发破了个洞，海绵都露出来了"]),
    "灯": (["门口的灯很亮，晚上好找", "屋里灯光柔和，不刺眼"],
          ["门口的灯不亮，晚上看不清台阶", "灯管一闪一闪的，看得眼睛疼"]),
    "WiFi": (["WiFi很快，等单刷视频不卡", "WiFi密码贴在墙上，一连就上"],
             ["WiFi老是断，连上也打不开网页", "WiFi要手机号验证，验证码一直收不到"]),
    "药箱": (["药箱里有创可贴和碘伏，摔了一跤在这里处理了", "药箱里有防暑药，夏天很实用"],
            ["药箱是空的，什么药都没有", "药箱里的药都过期了"]),
    "打气筒": (["门口的打气筒救了我，车胎没气正发愁"], ["打气筒的气嘴坏了，打不进气"]),
    "冰箱": (["冰箱里有志愿者放的西瓜，大热天吃一块真舒服", "冰箱可以放自己带的饭"],
            ["冰箱太满了，有人放了好几天的剩饭，都馊了", "冰箱不制冷，饮料都是温的"]),
}
HANS_END = ["", "", "", "总体还是不错的。", "希望越来越好。", "谢谢工作人员。", "辛苦了。",
            "下次还来。", "给四颗星。", "其他都挺好。", "麻烦尽快处理。", "已经拍照了。",
            "希望能尽快修好。", "点个赞。", "强烈推荐给骑手兄弟们。", "麻烦站长看一下。"]

HANT_CTX = ["", "", "", "今天送完午餐尖峰過來休息，", "早上七點多到的，", "跑了一上午的單，",
            "下雨天進來躲雨，", "第一次來這個驛站，", "夜班經過，", "中午順路進來，",
            "等單的時候進來坐，", "天氣太熱進來喘口氣，", "今天{t}來的，", "送包裹經過，"]
HANT_ITEMS = {
    "飲水機": (["飲水機有熱水也有冰水，裝滿水壺再出發", "飲水機的水很乾淨，每週都有人換桶"],
               ["飲水機沒水了，桶空了也沒人換", "飲水機熱水出不來，燈一直閃",
                "飲水機下面漏水，地上濕了一片"]),
    "微波爐": (["微波爐熱便當兩分鐘就好", "兩台微波爐都能用，中午排隊也不久"],
               ["微波爐轉盤不會轉，熱不均勻", "微波爐裡面很髒，有人熱完都不擦"]),
    "廁所": (["廁所每天打掃，有洗手乳和衛生紙", "廁所乾淨沒異味，比百貨公司還好"],
             ["廁所沖水壞了，味道很重", "廁所門鎖壞了，關不起來", "廁所沒有衛生紙了"]),
    "冷氣": (["冷氣很涼，一進門就舒服了", "冷氣溫度剛好，不會太冷"],
             ["冷氣開太強了，進來冷到發抖", "冷氣一直滴水，剛好滴在座位上"]),
    "充電": (["插座很多，手機和行動電源都能充", "機車充電樁掃碼就能用，一小時一塊錢"],
             ["充電樁付了錢卻沒有通電", "牆上的插座鬆了，充一下就斷電"]),
    "換電櫃": (["換電櫃就在門口，一分鐘換好電池", "換電櫃的電池都是滿的"],
               ["換電櫃顯示故障，三格打不開", "換電櫃螢幕黑掉了，掃碼沒反應"]),
    "早餐": (["週五的免費早餐有饅頭豆漿，工會很用心", "週五早餐有蛋和粥，吃飽了送單有力氣"],
             ["週五早餐{t}就發完了，晚到什麼都沒有", "週五早餐排隊太久，等了二十分鐘"]),
    "工作人員": (["站長人很好，主動介紹怎麼使用", "值班阿姨下雨天拿毛巾給我們"],
                 ["值班人員態度很差，嫌我們鞋子髒", "說好有人值班，去了一個人都沒有"]),
    "開放時間": (["晚上十點還開著，下夜班也有地方坐", "早上六點半就開門，早班外送員很需要"],
                 ["寫八點開門，{t}還鎖著", "地圖寫二十四小時，晚上九點就關門了"]),
    "座位": (["位子很多，中午人多也找得到", "沙發很軟，可以瞇一下"],
             ["中午人太多，位子不夠只能站著吃", "有一張椅子腳鬆了，坐上去會晃"]),
    "WiFi": (["WiFi很快，等單看影片不會卡"], ["WiFi常常斷線，連上也打不開網頁"]),
    "冰箱": (["冰箱裡有志工放的水果，大熱天吃真舒服"], ["冰箱不冷了，飲料都是溫的"]),
}
HANT_END = ["", "", "", "整體還是不錯。", "希望越來越好。", "謝謝工作人員。", "辛苦了。",
            "下次還會來。", "給四顆星。", "其他都很好。", "麻煩盡快處理。", "已經拍照了。"]

EN_CTX = ["", "", "", "Stopped by after the lunch rush. ", "Came in around {t}. ",
          "First visit today. ", "Dropped in to get out of the rain. ", "On my night shift, ",
          "Waiting for the next order, ", "After a long morning of deliveries, ",
          "Came with two other couriers. ", "Too hot outside, so I came in. "]
EN_ITEMS = {
    "water": (["the water dispenser has hot and cold water, I filled my bottle",
               "the drinking water is clean and the bottle gets changed every week"],
              ["the water dispenser is empty and nobody replaced the bottle",
               "no hot water from the dispenser, the light keeps blinking",
               "the water dispenser leaks and the floor is wet"]),
    "microwave": (["the microwave heats a lunch box in two minutes",
                   "both microwaves work, so the lunch queue is short"],
                  ["the microwave turntable is stuck", "the microwave is filthy inside",
                   "the microwave trips the breaker and the lights go out"]),
    "toilet": (["the toilets are cleaned every day and there is soap and paper",
                "the toilet is spotless, better than the mall"],
               ["the toilet flush is broken and it smells", "the toilet door lock is broken",
                "there has been no toilet paper for two days"]),
    "aircon": (["the air conditioning was on and it felt great after 38 degrees outside",
                "the temperature inside is just right"],
               ["the air conditioning is far too cold", "the air conditioner drips onto the seats"]),
    "charging": (["plenty of sockets for phones and power banks",
                  "the e-bike charging posts work with a scan, one yuan an hour",
                  "there are charging cables for every phone, handy if you forget yours"],
                 ["I paid at the charging post but it never switched on",
                  "the wall socket is loose and the charge keeps cutting out"]),
    "battery": (["the battery swap cabinet is right by the door, one minute and done",
                 "every battery in the swap cabinet was full"],
                ["the battery swap cabinet shows an error and three doors are stuck",
                 "the swap cabinet screen is black and scanning does nothing"]),
    "breakfast": (["Friday breakfast had buns and soy milk, the union really thought of us",
                   "free eggs and congee on Friday morning, good fuel for the day"],
                  ["Friday breakfast was gone by {t}", "the Friday breakfast queue took twenty minutes"]),
    "staff": (["the station manager explained everything", "the volunteer lent me an umbrella",
               "the lady on duty handed out towels when it rained"],
              ["the person on duty was rude about our muddy shoes",
               "nobody was on duty although the sign says there should be"]),
    "hours": (["it is still open at 10pm, great for the night shift",
               "it opens at 6:30, which early riders need"],
              ["the sign says 8am but at {t} it was still locked",
               "the map says 24 hours but it closed at 9pm"]),
    "seats": (["lots of seats even at lunchtime", "the sofa is comfy enough for a short nap"],
              ["not enough seats at noon, I ate standing up", "one chair has a loose leg and wobbles"]),
    "wifi": (["the wifi is fast enough for videos while waiting"],
             ["the wifi keeps dropping", "the wifi wants an SMS code that never arrives"]),
    "first aid": (["the first aid box had plasters and iodine when I fell"],
                  ["the first aid box is empty", "the medicine in the first aid box is out of date"]),
    "fridge": (["someone left watermelon in the fridge for everyone"],
               ["the fridge is not cooling, drinks are warm", "old leftovers in the fridge have gone bad"]),
}
EN_END = ["", "", "", "Otherwise a great place.", "Thanks to the staff.", "Keep it up.",
          "Four stars.", "Will come again.", "Took a photo of it.", "Please fix it soon.",
          "Much appreciated.", "Recommended to every rider."]


def ham_text(lang):
    if lang == "hans":
        ctx, items, end, joiner, stop = HANS_CTX, HANS_ITEMS, HANS_END, "，", "。"
        t = pick(["中午", "下午两点", "早上七点半", hhmm(), "十二点半"])
    elif lang == "hant":
        ctx, items, end, joiner, stop = HANT_CTX, HANT_ITEMS, HANT_END, "，", "。"
        t = pick(["中午", "下午兩點", "早上七點半", hhmm(), "十二點半"])
    else:
        ctx, items, end, joiner, stop = EN_CTX, EN_ITEMS, EN_END, ", and ", ". "
        t = pick(["noon", "2pm", "7:30", hhmm(), "half past twelve"])
    keys = R.sample(sorted(items), R.choice([1, 1, 2]))
    clauses = []
    for k in keys:
        good, bad = items[k]
        clauses.append(pick(good if R.random() < 0.55 else bad))
    body = joiner.join(clauses)
    c = pick(ctx)
    if lang == "en":
        body = body[0].upper() + body[1:] if not c or c.endswith(". ") else body
        text = f"{c}{body}{stop}{pick(end)}".strip()
    else:
        text = f"{c}{body}{stop}{pick(end)}"
    return text.replace("{t}", t)


# ---- spam ---------------------------------------------------------------------------------

def hans_spam():
    fam = R.randint(0, 9)
    ph = disguise_number(mobile())
    c = cid()
    if fam == 0:
        return pick([
            f"正品{pick(['保健品', '减肥茶', '壮阳药', '燕窝', '茅台酒'])}厂家直销，价格是外面一半，要的私我 {c}",
            f"骑手专属福利：{pick(['二手电动车', '锂电池', '头盔', '手机'])}清仓价{money(100, 900, 10)}元，包邮到站，联系{ph}",
            f"本店新到一批{pick(['苹果手机', '名牌包', '名表'])}，一比一高仿，看货加{pick(['微', '威', 'V'])}：{c}",
        ])
    if fam == 1:
        kw = pick(["薇", "威❤", "V信", "vx", "ⓥⓧ", "扣扣", "企鹅", "绿色软件", "飞机", "TG"])
        return pick([
            f"{pick(['有惊喜', '看头像', '同城', '寂寞吗'])}，{kw}：{c}",
            f"想了解的{kw}搜 {c} 备注骑手",
            f"{kw} {c}，{pick(['免费送', '带你赚', '内部消息', '福利群'])}，名额不多",
            f"不方便说，懂的来{kw}：{c.upper()}",
        ])
    if fam == 2:
        return pick([
            f"同城{pick(['交友', '约会', '陪聊', '包夜'])}，{pick(['学生妹', '少妇', '空姐', '模特'])}可上门，{pick(['薇', '扣'])} {c}",
            f"寂寞了吗？附近有{pick(['美女', '妹子'])}等你，全套服务，{ph}",
            f"高端{pick(['包养', '伴游', '商务陪同'])}，富婆找骑手，月给{money(10000, 50000, 1000)}，私聊",
            f"晚上无聊来找我，{pick(['视频', '语音', '一对一'])}陪你，{domain()}",
        ])
    if fam == 3:
        return pick([
            f"{pick(['体育竞猜', '真人棋牌', '电子游艺', '捕鱼游戏', '澳门新葡京'])}，首充{money(100, 1000)}送{money(100, 2000)}，每日返水，{domain()}",
            f"稳赚计划，{pick(['跟单', '导师带单', '内部群'])}一天翻倍，{pick(['百家乐', '龙虎斗', '快三', '幸运飞艇'])}包赢，{c}",
            f"下班无聊玩两把，{pick(['大额提款秒到', '注册就送88', '输了全额返'])}，网址{domain()}",
        ])
    if fam == 4:
        return pick([
            f"急用钱？{pick(['无抵押', '不看征信', '黑户可做', '身份证就能贷'])}，{pick(['当天放款', '秒到账', '三分钟审批'])}，额度{money(5000, 200000, 5000)}，{ph}",
            f"骑手专享贷，{pick(['凭接单记录', '凭健康证', '凭工牌'])}即可申请，月息低至{R.randint(1, 9)}厘，{c}",
            f"信用卡{pick(['代还', '提额', '套现'])}，{pick(['手续费低', '秒到', '不上征信'])}，联系{ph}",
        ])
    if fam == 5:
        return pick([
            f"{pick(['代开', '正规', '各类'])}{pick(['增值税', '普票', '专票', '餐饮', '住宿', '运输'])}发票，{pick(['点数低', '可验证', '先开后付'])}，{ph}",
            f"公司{pick(['报销', '做账'])}缺票找我，{pick(['全国', '各行业'])}都能开，{c}",
            f"开{pick(['票', '发📄', '发-票'])}找老王，{R.randint(2, 6)}个点，{pick(['微', '薇'])}{c}",
        ])
    if fam == 6:
        return pick([
            f"{pick(['办', '补办', '快速办理'])}{pick(['驾驶证', '健康证', '电工证', '学历证书', '毕业证', '从业资格证', '上岗证'])}，{pick(['可查', '学信网可查', '包过', '不用考试'])}，{ph}",
            f"没有{pick(['健康证', '驾照', '从业资格证'])}跑不了单？{pick(['三天拿证', '免考拿证', '内部渠道'])}，联系{c}",
            f"各类证件{pick(['制作', '代办', '加急'])}，{pick(['全国通用', '钢印齐全', '可上网'])}，{domain()}",
        ])
    if fam == 7:
        return pick([
            f"招{pick(['手机打字员', '点赞员', '淘宝刷单', '抖音关注员', '兼职客服'])}，一单{R.randint(5, 80)}元，{pick(['日结', '当天结', '秒结'])}，{pick(['宝妈', '学生', '骑手'])}都能做，{c}",
            f"跑单太累？{pick(['在家躺赚', '手机副业', '空闲时间'])}日入{money(200, 2000, 50)}，{pick(['不收押金', '无需经验', '包教包会'])}，{ph}",
            f"{pick(['高薪', '轻松'])}兼职：{pick(['看视频', '打卡', '拉新', '投票'])}赚佣金，先垫付后返现，{domain()}",
        ])
    if fam == 8:
        return pick([
            f"有事打我 {ph}",
            f"详情请致电{ph}，{pick(['随时', '24小时'])}在线",
            f"看这里 {domain()} {pick(['福利多多', '新人有礼', '手慢无'])}",
            f"点开{domain()}领取{pick(['红包', '外卖券', '话费'])}",
        ])
    return pick([
        f"兄弟们{pick(['发财', '翻身'])}的机会来了，{pick(['虚拟币', '数字藏品', '原始股'])}一天{R.randint(2, 30)}倍，{c}",
        f"{pick(['出售', '收购'])}{pick(['银行卡', '手机卡', '对公账户', '骑手账号'])}，{pick(['高价', '当面交易'])}，{ph}",
        f"{pick(['代抢', '代跑'])}外卖高价单，{pick(['包月', '按单'])}收费，保证一天多赚{money(100, 500, 10)}，{c}",
    ])


def hant_spam():
    fam = R.randint(0, 9)
    ph = disguise_number(mobile())
    c = cid()
    if fam == 0:
        return pick([
            f"正品{pick(['保健品', '減肥茶', '燕窩', '名牌香水'])}工廠直銷，價格只要外面一半，要的私我 {c}",
            f"外送員專屬：{pick(['二手機車', '鋰電池', '安全帽', '手機'])}清倉價{money(100, 900, 10)}元，包郵，聯絡{ph}",
            f"新到一批{pick(['蘋果手機', '名牌包', '名錶'])}，頂級複刻，看貨加{pick(['賴', 'LINE', '微'])}：{c}",
        ])
    if fam == 1:
        kw = pick(["賴", "LINE", "威信", "薇", "扣扣", "飛機", "TG", "Ⓛⓘⓝⓔ"])
        return pick([
            f"{pick(['有驚喜', '看大頭貼', '同城', '寂寞嗎'])}，{kw}：{c}",
            f"想了解的{kw}搜 {c} 備註外送",
            f"{kw} {c}，{pick(['免費送', '帶你賺', '內部消息', '福利群'])}，名額有限",
        ])
    if fam == 2:
        return pick([
            f"同城{pick(['交友', '約會', '陪聊', '包夜'])}，{pick(['學生妹', '人妻', '空姐', '模特'])}可到府，{pick(['賴', '扣'])} {c}",
            f"寂寞嗎？附近有{pick(['正妹', '妹妹'])}等你，全套服務，{ph}",
            f"高端{pick(['包養', '伴遊', '援交'])}，富婆找外送員，月給{money(10000, 50000, 1000)}，私訊",
            f"晚上無聊來找我，{pick(['視訊', '語音', '一對一'])}陪你，{domain()}",
        ])
    if fam == 3:
        return pick([
            f"{pick(['運彩', '真人棋牌', '電子老虎機', '捕魚機', '線上娛樂城'])}，首儲{money(100, 1000)}送{money(100, 2000)}，每日返水，{domain()}",
            f"穩賺方案，{pick(['跟單', '老師帶單', '內部群'])}一天翻倍，{pick(['百家樂', '賓果', '六合彩'])}包贏，{c}",
            f"下班無聊玩兩把，{pick(['大額出金秒到', '註冊就送888', '輸了全額返'])}，網址{domain()}",
        ])
    if fam == 4:
        return pick([
            f"急需用錢？{pick(['免抵押', '不看聯徵', '信用不良可辦', '身分證就能借'])}，{pick(['當天撥款', '秒到帳', '三分鐘核准'])}，額度{money(5000, 200000, 5000)}，{ph}",
            f"外送員專屬貸款，{pick(['憑接單紀錄', '憑工作證'])}即可申請，利息超低，{c}",
            f"信用卡{pick(['代償', '提高額度', '換現金'])}，{pick(['手續費低', '秒到', '不查信用'])}，聯絡{ph}",
        ])
    if fam == 5:
        return pick([
            f"{pick(['代開', '正規', '各類'])}{pick(['增值稅', '統一', '餐飲', '住宿', '運輸'])}發票，{pick(['點數低', '可驗證', '先開後付'])}，{ph}",
            f"公司{pick(['報帳', '做帳'])}缺發票找我，{pick(['全國', '各行業'])}都能開，{c}",
        ])
    if fam == 6:
        return pick([
            f"{pick(['代辦', '補辦', '快速辦理'])}{pick(['駕照', '健康證', '電工證', '學歷證書', '畢業證書', '職業證照'])}，{pick(['可查詢', '保證過', '免考試'])}，{ph}",
            f"沒有{pick(['健康證', '駕照'])}不能跑單？{pick(['三天拿證', '免考拿證', '內部管道'])}，聯絡{c}",
            f"各類證件{pick(['製作', '代辦', '急件'])}，{pick(['全國通用', '鋼印齊全', '網路可查'])}，{domain()}",
        ])
    if fam == 7:
        return pick([
            f"徵{pick(['手機打字員', '按讚員', '網拍刷單', '追蹤員', '兼職客服'])}，一單{R.randint(5, 80)}元，{pick(['日領', '當天領', '秒結'])}，{pick(['媽媽', '學生', '外送員'])}都能做，{c}",
            f"跑單太累？{pick(['在家躺賺', '手機副業', '零碎時間'])}日入{money(200, 2000, 50)}，{pick(['不收押金', '免經驗', '包教包會'])}，{ph}",
            f"{pick(['高薪', '輕鬆'])}兼職：{pick(['看影片', '打卡', '拉新', '投票'])}賺佣金，先墊付後返現，{domain()}",
        ])
    if fam == 8:
        return pick([
            f"有事打給我 {ph}",
            f"詳情請來電{ph}，{pick(['隨時', '24小時'])}在線",
            f"看這裡 {domain()} {pick(['福利多多', '新人有禮', '手慢無'])}",
        ])
    return pick([
        f"兄弟們{pick(['發財', '翻身'])}的機會來了，{pick(['虛擬幣', '泰達幣', '原始股'])}一天{R.randint(2, 30)}倍，{c}",
        f"{pick(['出售', '收購'])}{pick(['銀行帳戶', '門號', '人頭帳戶', '外送帳號'])}，{pick(['高價', '面交'])}，{ph}",
    ])


def en_spam():
    fam = R.randint(0, 9)
    ph = disguise_number(mobile())
    c = cid()
    if fam == 0:
        return pick([
            f"Genuine {pick(['diet pills', 'health supplements', 'designer perfume', 'male enhancement'])} at half price, DM me {c}",
            f"Rider special: {pick(['used e-bikes', 'lithium batteries', 'helmets', 'iPhones'])} clearance from {money(100, 900, 10)} yuan, call {ph}",
            f"AAA replica {pick(['watches', 'handbags', 'sneakers'])}, photos on request, {pick(['telegram', 'whatsapp', 'line'])} {c}",
        ])
    if fam == 1:
        kw = pick(["telegram", "tg", "whatsapp", "wechat", "line id", "snap", "kik", "signal"])
        return pick([
            f"{pick(['Surprise inside', 'Check my profile', 'Lonely?', 'Free gift'])} {kw}: {c}",
            f"Add me on {kw} {c} and say you are a rider",
            f"{kw} {c} for {pick(['insider tips', 'free vouchers', 'the VIP group', 'easy money'])}, limited spots",
        ])
    if fam == 2:
        return pick([
            f"Hot {pick(['girls', 'students', 'models', 'singles'])} in your area tonight, {pick(['outcall', 'full service', 'private meetings'])}, {ph}",
            f"Sugar {pick(['daddy', 'mommy'])} looking for a delivery boy, {money(1000, 9000, 500)} a month allowance, {pick(['dm', 'text'])} {c}",
            f"Bored after your shift? {pick(['Video chat', 'Private show', 'Sweet talk'])} with me at {domain()}",
        ])
    if fam == 3:
        return pick([
            f"{pick(['Online casino', 'Sports betting', 'Slots', 'Live baccarat', 'Fish shooting game'])}: deposit {money(100, 1000)} get {money(100, 2000)} bonus, daily cashback, {domain()}",
            f"Sure-win {pick(['betting signals', 'VIP tips', 'roulette system'])}, double your money every day, {c}",
            f"Instant withdrawals, {pick(['free 88 on signup', 'no loss guarantee', '100% welcome bonus'])}, play now {domain()}",
        ])
    if fam == 4:
        return pick([
            f"Need cash fast? {pick(['No credit check', 'No collateral', 'Bad credit OK', 'ID card only'])}, {pick(['same day payout', 'approved in 3 minutes', 'money in 10 minutes'])}, up to {money(5000, 200000, 5000)}, {ph}",
            f"Rider loans: apply with your {pick(['order history', 'work badge', 'health certificate'])}, tiny interest, {c}",
            f"Credit card {pick(['cash out', 'limit increase', 'debt takeover'])}, {pick(['low fee', 'instant', 'no records'])}, contact {ph}",
        ])
    if fam == 5:
        return pick([
            f"{pick(['Official', 'All kinds of', 'Verifiable'])} {pick(['VAT', 'catering', 'hotel', 'transport', 'office supply'])} invoices issued, {pick(['low rates', 'pay after issue', 'any amount'])}, {ph}",
            f"Company missing receipts for expenses? I issue invoices for {pick(['any industry', 'all provinces'])}, {c}",
        ])
    if fam == 6:
        return pick([
            f"{pick(['Get', 'Fast-track', 'Replace your'])} {pick(['driving licence', 'health certificate', 'electrician licence', 'university diploma', 'degree certificate'])} {pick(['without exams', 'verifiable online', 'guaranteed pass'])}, {ph}",
            f"No health certificate, cannot ride? {pick(['Certificate in 3 days', 'No test needed', 'Inside channel'])}, contact {c}",
            f"Any document made, {pick(['stamps included', 'valid nationwide', 'passes online checks'])}, {domain()}",
        ])
    if fam == 7:
        return pick([
            f"Hiring {pick(['typists', 'like-clickers', 'order boosters', 'followers', 'part-time agents'])}, {R.randint(5, 80)} yuan per task, paid {pick(['daily', 'same day', 'instantly'])}, {pick(['moms', 'students', 'riders'])} welcome, {c}",
            f"Tired of delivering? Work from home and earn {money(200, 2000, 50)} a day, {pick(['no deposit', 'no experience', 'training provided'])}, {ph}",
            f"Easy side job: {pick(['watch videos', 'check in daily', 'invite friends', 'vote'])} for commission, advance then get refunded, {domain()}",
        ])
    if fam == 8:
        return pick([
            f"Call me for anything {ph}",
            f"More info at {domain()} {pick(['big rewards', 'new user gift', 'hurry'])}",
            f"Claim your {pick(['red packet', 'food voucher', 'phone credit'])} at {domain()}",
        ])
    return pick([
        f"Brothers, {pick(['crypto', 'USDT arbitrage', 'pre-IPO shares'])} is going {R.randint(2, 30)}x today, join {c}",
        f"{pick(['Buying', 'Selling'])} {pick(['bank cards', 'SIM cards', 'rider accounts', 'company accounts'])}, {pick(['top price', 'cash in person'])}, {ph}",
    ])


HOOKS = {
    "hans": ["", "", "", "", "骑手兄弟看过来！", "【福利】", "紧急通知：", "好消息，", "别划走！",
             "跑单的朋友注意了，", "亲测有效，", "限时三天：", "私人推荐："],
    "hant": ["", "", "", "", "外送夥伴看過來！", "【好康】", "緊急通知：", "好消息，", "別滑走！",
             "親測有效，", "限時三天："],
    "en": ["", "", "", "", "Riders, listen up! ", "[PROMO] ", "URGENT: ", "Good news, ",
           "Don't scroll past! ", "Tested myself, ", "3 days only: "],
}
TAILS = {
    "hans": ["", "", "", "", "名额有限先到先得", "错过再等一年", "骗人全家不得好死", "真实可靠",
             "不满意全额退", "懂的都懂"],
    "hant": ["", "", "", "", "名額有限", "錯過不再", "真實可靠", "懂的都懂"],
    "en": ["", "", "", "", "limited offer", "act now", "100% real", "no scam", "you know what to do"],
}


def spam_text(lang):
    body = {"hans": hans_spam, "hant": hant_spam, "en": en_spam}[lang]()
    tail = pick(TAILS[lang])
    if tail:
        body += (" " if lang == "en" else "，") + tail
    return pick(HOOKS[lang]) + body


def trigrams(s):
    """Character trigrams of a text with its random parts (ids, numbers in any digits, domain
    names) folded to '#', so that two texts differing only in those count as duplicates."""
    s = re.sub(r"[a-z]*[0-9][a-z0-9]*", "#", s.lower())
    s = re.sub("[" + CN_DIG + TW_DIG + CIRCLED + "]{4,}", "#", s)
    s = re.sub(r"[a-z]+ ?(\.|点|\(dot\)|。) ?[a-z]+", "#", s)
    s = "".join(ch for ch in s if ch.isalnum() or ch == "#")
    return {s[i:i + 3] for i in range(max(1, len(s) - 2))}


def main():
    kept = []  # (label, text, trigram set)
    want = {"spam": 330, "ham": 345}
    langs = ["hans"] * 4 + ["hant"] * 3 + ["en"] * 5
    counts = {"spam": 0, "ham": 0}
    tries = 0
    while (counts["spam"] < want["spam"] or counts["ham"] < want["ham"]) and tries < 200000:
        tries += 1
        label = "spam" if counts["spam"] * want["ham"] < counts["ham"] * want["spam"] else "ham"
        if counts[label] >= want[label]:
            label = "ham" if label == "spam" else "spam"
        lang = pick(langs)
        text = spam_text(lang) if label == "spam" else ham_text(lang)
        tg = trigrams(text)
        if any(len(tg & o) > 0.45 * min(len(tg), len(o)) for _, _, o in kept):
            continue
        kept.append((label, text, tg))
        counts[label] += 1
    print("# moderation-corpus.tsv - written by tests/data/gen-moderation-corpus.py (see there);")
    print("# label<TAB>text, label spam or ham; \\n inside a text is a newline.")
    for label, text, _ in kept:
        assert "\t" not in text and "\n" not in text
        print(f"{label}\t{text}")


if __name__ == "__main__":
    main()
