/* SPDX-License-Identifier: MIT */
/* tests/unit/test_moderation.c - screening of review text with the default word lists as the
 * migration seeds them: spam in simplified and traditional characters, spaced out, with
 * symbols and zero-width characters between the letters, links, phone numbers in every kind
 * of digit, contact ids and off-topic text must be held with the right reasons; ordinary
 * reviews must pass. */
#include "catalog/moderation.h"
#include "store/reviews.h"

#include "core/alloc.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static char path[64];
static yz_store *st;
static yz_textnorm *norm;
static yz_modrules *rules;
static yz_buf scratch;

static void setup(void)
{
    snprintf(path, sizeof path, "/tmp/yz-test-moderation-%d.db", (int)getpid());
    unlink(path);
    yz_errinfo ei;
    cr_assert_eq(yz_store_open(path, &st, &ei), YZ_OK, "%s", ei.msg_en);
    cr_assert_eq(yz_textnorm_new(&norm, &ei), YZ_OK, "%s", ei.msg_en);
    yz_modword_row *rows;
    size_t n;
    cr_assert_eq(yz_store_moderation_words(st, &rows, &n, &ei), YZ_OK, "%s", ei.msg_en);
    cr_assert_gt(n, 100);
    yz_modword *w = yz_calloc(n, sizeof *w);
    for (size_t i = 0; i < n; i++)
        w[i] = (yz_modword){rows[i].word, yz_modword_kind_parse(rows[i].kind), rows[i].weight};
    cr_assert_eq(yz_modrules_build(norm, w, n, &rules, &ei), YZ_OK, "%s", ei.msg_en);
    cr_assert_eq(yz_modrules_count(rules), n);
    yz_free(w);
    yz_modword_rows_free(rows, n);
    yz_buf_init(&scratch);
}

static void teardown(void)
{
    yz_modrules_free(rules);
    yz_textnorm_free(norm);
    yz_store_close(st);
    yz_buf_fini(&scratch);
    char p[80];
    unlink(path);
    snprintf(p, sizeof p, "%s-wal", path);
    unlink(p);
    snprintf(p, sizeof p, "%s-shm", path);
    unlink(p);
}

TestSuite(moderation, .init = setup, .fini = teardown);

static unsigned screen(const char *text)
{
    yz_modverdict v;
    yz_errinfo ei;
    cr_assert_eq(yz_mod_screen(rules, norm, text, &scratch, &v, &ei), YZ_OK, "%s", text);
    return v.reasons;
}

static const struct {
    const char *text;
    unsigned reasons; /* exactly these */
} spam[] = {
    /* adverts, simplified and traditional, spaced out, with symbols and invisible characters */
    {"代开发票，各行业均可", YZ_MOD_ADVERT},
    {"代開發票 正規可查", YZ_MOD_ADVERT},
    {"代 开 发 票", YZ_MOD_ADVERT},
    {"代★开☆发♥票", YZ_MOD_ADVERT},
    {"代\xe2\x80\x8b开\xe2\x80\x8b发\xe2\x80\x8b票", YZ_MOD_ADVERT}, /* zero-width spaces */
    {"加 微 信 领红包", YZ_MOD_ADVERT},
    {"加-V-X了解详情", YZ_MOD_ADVERT},
    {"加ＶＸ有惊喜", YZ_MOD_ADVERT},
    {"刷單兼職日結，在家也能做", YZ_MOD_ADVERT},
    {"博彩娱乐城，真人荷官在线", YZ_MOD_ADVERT},
    {"无抵押贷款，当天放款", YZ_MOD_ADVERT},
    {"贷款理财找我们", YZ_MOD_ADVERT},
    {"色 情 视 频", YZ_MOD_ADVERT},
    /* links */
    {"好地方 http://spam.example/x", YZ_MOD_LINK},
    {"看这里 www.abc123.com", YZ_MOD_LINK},
    {"打开 abc123.cn 就有", YZ_MOD_LINK},
    {"打开ａｂｃ１２３．ｃｏｍ就有", YZ_MOD_LINK},
    {"打开 abc123。com 就有", YZ_MOD_LINK},
    {"打开 abc123 点 com 就有", YZ_MOD_LINK},
    {"HTTPS：//x", YZ_MOD_LINK},
    /* phone numbers */
    {"有事打13812345678", YZ_MOD_PHONE},
    {"有事打 138 1234 5678", YZ_MOD_PHONE},
    {"有事打138-1234-5678", YZ_MOD_PHONE},
    {"有事打１３８１２３４５６７８", YZ_MOD_PHONE},
    {"有事打一三八一二三四五六七八", YZ_MOD_PHONE},
    {"有事打①③⑧①②③④⑤⑥⑦⑧", YZ_MOD_PHONE},
    {"有事打+86 138 1234 5678", YZ_MOD_PHONE},
    {"订餐电话0577-88886666", YZ_MOD_PHONE},
    {"订餐电话 0577 8888666", YZ_MOD_PHONE},
    {"热线400-800-1234", YZ_MOD_PHONE},
    {"有事打1★3★8★1★2★3★4★5★6★7★8", YZ_MOD_PHONE},
    /* QQ and WeChat ids */
    {"QQ号:123456789", YZ_MOD_CONTACT_ID},
    {"qq：12345678", YZ_MOD_CONTACT_ID},
    {"有需要的微信 abc_12345", YZ_MOD_CONTACT_ID},
    {"vx: wxid88888", YZ_MOD_CONTACT_ID},
    {"VX：happy2024", YZ_MOD_CONTACT_ID},
    {"扣扣 一二三四五六七", YZ_MOD_CONTACT_ID},
    {"薇信號 abcdef1", YZ_MOD_CONTACT_ID},
    /* together */
    {"加微信 wx12345678 代开发票", YZ_MOD_ADVERT | YZ_MOD_CONTACT_ID},
    {"代開發票請致電 138 1234 5678", YZ_MOD_ADVERT | YZ_MOD_PHONE},
    /* off topic: long, with no station vocabulary */
    {"窗前明月光疑是地上霜举头望明月低头思故乡。床前明月光疑是地上霜举头望明月低头思故乡。"
     "朝辞白帝彩云间千里江陵一日还两岸猿声啼不住轻舟已过万重山",
     YZ_MOD_OFF_TOPIC},
    {"asdkjfhaksjdfhkasjdhfkajshdfkjahsdkfjhaskdjfhaksjdhfkajsdhfkjasdhf", YZ_MOD_OFF_TOPIC},
};

Test(moderation, spam_is_held_with_its_reasons)
{
    for (size_t i = 0; i < sizeof spam / sizeof *spam; i++) {
        unsigned got = screen(spam[i].text);
        yz_buf a, b;
        yz_buf_init(&a);
        yz_buf_init(&b);
        yz_mod_reasons_json(got, &a);
        yz_mod_reasons_json(spam[i].reasons, &b);
        cr_expect_eq(got, spam[i].reasons, "%s: got %s, want %s", spam[i].text, a.data, b.data);
        yz_buf_fini(&a);
        yz_buf_fini(&b);
    }
}

static const char *const ordinary[] = {
    "厕所很干净，热水随时有",
    "空调有点冷，但是很温馨",
    "师傅人很好，给我们换电很快",
    "廁所很乾淨，熱水隨時有",
    "夏天来这里吹空调喝口水，太舒服了",
    "下雨天有地方躲雨，还能给手机充电，谢谢工会",
    "微波炉可以热饭，冰箱也能用，送外卖的兄弟们中午都来这里",
    "晚上九点就关门了，希望能开到十点",
    "早上7:30开门，中午12:00-14:00人比较多，座位不够",
    "08:00-12:00，14:00-18:00都有人值班",
    "阿姨很热情，还给我们倒了茶",
    "环境一般，垃圾桶有点臭，希望多打扫",
    "饮水机坏了两天了，没人修",
    "位置好找，就在菜市场旁边，停电动车很方便",
    "一一都很满意，三三两两的骑手在这里休息",
    "门口的充电桩扫码用微信支付就行，很方便",
    "工作人员说可以加入工会，第一次知道还有这个福利",
    "人太多了，挤不进去",
    "5星好评！",
    "很好",
    "有药箱，还有血压计，大姐帮我量了血压",
    "2024年5月1日来的，10元的午餐很实惠",
    "WiFi速度很快，可以歇一会儿刷刷视频",
    "快递小哥的好去处，冬天有暖气",
    "这个驿站比上次去的那个大很多，沙发也舒服，推荐大家来",
    "桌子有点脏，其他都好",
};

Test(moderation, ordinary_reviews_pass)
{
    for (size_t i = 0; i < sizeof ordinary / sizeof *ordinary; i++) {
        unsigned got = screen(ordinary[i]);
        yz_buf a;
        yz_buf_init(&a);
        yz_mod_reasons_json(got, &a);
        cr_expect_eq(got, 0u, "%s: held for %s", ordinary[i], a.data);
        yz_buf_fini(&a);
    }
}

Test(moderation, long_ordinary_review_passes)
{
    yz_buf b;
    yz_buf_init(&b);
    while (b.len < 1400)
        yz_buf_puts(&b, "今天送外卖跑了一上午，中午来驿站休息，空调很凉快，热水也有，"
                        "微波炉热了饭，师傅人很好，厕所也干净。");
    cr_expect_eq(screen(b.data), 0u);
    yz_buf_fini(&b);
}

Test(moderation, same_text_in_both_scripts_hashes_alike)
{
    yz_modverdict a, b, c;
    yz_errinfo ei;
    cr_assert_eq(yz_mod_screen(rules, norm, "厕所很干净，热水随时有！", &scratch, &a, &ei), 0);
    cr_assert_eq(yz_mod_screen(rules, norm, "廁所 很 乾淨 熱水隨時有", &scratch, &b, &ei), 0);
    cr_assert_eq(yz_mod_screen(rules, norm, "厕所很干净，冷水随时有", &scratch, &c, &ei), 0);
    cr_expect_eq(a.hash, b.hash);
    cr_expect_neq(a.hash, c.hash);
    cr_expect_eq(a.norm_chars, 10);
}

Test(moderation, repeats_from_the_third_copy_of_long_text)
{
    yz_modverdict v;
    yz_errinfo ei;
    cr_assert_eq(yz_mod_screen(rules, norm, "厕所很干净，热水随时有", &scratch, &v, &ei), 0);
    cr_expect(!yz_mod_repeated(&v, 0));
    cr_expect(!yz_mod_repeated(&v, 1));
    cr_expect(yz_mod_repeated(&v, 2));
    cr_expect(yz_mod_repeated(&v, 50));
    cr_assert_eq(yz_mod_screen(rules, norm, "很干净", &scratch, &v, &ei), 0);
    cr_expect(!yz_mod_repeated(&v, 50), "short texts repeat innocently");
}

Test(moderation, invalid_utf8_is_refused)
{
    yz_modverdict v;
    yz_errinfo ei;
    cr_expect_eq(yz_mod_screen(rules, norm, "abc\xff", &scratch, &v, &ei), YZ_EINVAL);
    cr_expect_str_eq(ei.field, "text");
    cr_expect_eq(yz_mod_screen(rules, norm, "\xed\xa0\x80", &scratch, &v, &ei), YZ_EINVAL);
}

Test(moderation, weights_add_up)
{
    /* one weak word alone passes, two weak words hold */
    cr_expect_eq(screen("这里有优惠活动吗，厕所干净"), 0u);
    cr_expect_eq(screen("优惠加盟，厕所干净"), YZ_MOD_ADVERT);
    /* a word repeated counts once */
    cr_expect_eq(screen("优惠优惠优惠，厕所干净"), 0u);
}

Test(moderation, reasons_round_trip)
{
    yz_buf b;
    yz_buf_init(&b);
    unsigned all = (1u << YZ_MOD__COUNT) - 1;
    yz_mod_reasons_csv(all, &b);
    cr_expect_str_eq(b.data, "advert,link,phone,contact_id,repeated,off_topic,learned");
    cr_expect_eq(yz_mod_reasons_parse(b.data), all);
    cr_expect_eq(yz_mod_reasons_parse("phone,bogus"), YZ_MOD_PHONE);
    cr_expect_eq(yz_mod_reasons_parse(""), 0u);
    yz_buf_reset(&b);
    yz_mod_reasons_json(YZ_MOD_LINK | YZ_MOD_REPEATED, &b);
    cr_expect_str_eq(b.data, "[\"link\",\"repeated\"]");
    yz_buf_fini(&b);
}

Test(moderation, rules_from_traditional_words_and_overlaps)
{
    /* words given in traditional form match simplified text; overlapping words all match */
    yz_modword w[] = {{"發票", YZ_MODWORD_ADVERT, 1},
                      {"代開發票", YZ_MODWORD_ADVERT, 1},
                      {"開發", YZ_MODWORD_ADVERT, 1},
                      {"", YZ_MODWORD_ADVERT, 5}};
    yz_modrules *r;
    yz_errinfo ei;
    cr_assert_eq(yz_modrules_build(norm, w, 4, &r, &ei), YZ_OK);
    cr_expect_eq(yz_modrules_count(r), 3, "the empty word is skipped");
    yz_modverdict v;
    cr_assert_eq(yz_mod_screen(r, norm, "专业代开发票", &scratch, &v, &ei), YZ_OK);
    cr_expect_eq(v.advert_weight, 3);
    cr_assert_eq(yz_mod_screen(r, norm, "发一张票", &scratch, &v, &ei), YZ_OK);
    cr_expect_eq(v.advert_weight, 0);
    yz_modrules_free(r);
    yz_modword bad = {"x", 7, 1};
    cr_expect_eq(yz_modrules_build(norm, &bad, 1, &r, &ei), YZ_EINVAL);
    cr_expect_null(r);
}
