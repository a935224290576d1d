/* SPDX-License-Identifier: MIT */
/* tests/unit/test_classifier.c - the moderation classifier (catalog/classifier.h) and its
 * store area (store/classifier.h): grams, learning a toy set, the probability moving the right
 * way with training, nothing held below the threshold of examples, and the model surviving a
 * round trip through the store (counts, change log, a reversed decision). */
#include "testdb.h"
#include "catalog/classifier.h"
#include "catalog/moderation.h"
#include "store/classifier.h"

#include "core/alloc.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static char path[64];
static yz_store *st;
static yz_textnorm *norm;
static yz_buf scratch;

static void setup(void)
{
    snprintf(path, sizeof path, "/tmp/yz-test-classifier-%d.db", (int)getpid());
    unlink(path);
    yz_errinfo ei;
    cr_assert_eq(yz_store_open(path, &st, &ei), YZ_OK, "%s", ei.msg_en);
    cr_assert_eq(yz_textnorm_new(&norm, &ei), YZ_OK, "%s", ei.msg_en);
    yz_buf_init(&scratch);
}

static void teardown(void)
{
    yz_textnorm_free(norm);
    yz_store_close(st);
    yz_buf_fini(&scratch);
    yz_test_remove_db(path);
}

TestSuite(classifier, .init = setup, .fini = teardown);

/* Toy texts: spam of one family (loans with a contact) and genuine station reviews, varied
 * by index so that no two are the same. */
static const char *const spam_a[] = {"无抵押贷款", "黑户也能贷", "当天放款", "秒批额度",
                                     "低息借钱"};
static const char *const spam_b[] = {"加我薇", "联系扣扣", "私聊我", "找客服", "飞机联系"};
static const char *const ham_a[] = {"饮水机有热水", "厕所很干净", "空调很凉快", "微波炉好用",
                                    "换电柜很快"};
static const char *const ham_b[] = {"站长人很好", "座位够多", "晚上也开门", "周五有早餐",
                                    "充电方便"};

static void toy(char *out, size_t n, bool spam, int i)
{
    if (spam)
        snprintf(out, n, "%s，%s %d%d%d", spam_a[i % 5], spam_b[(i / 5) % 5], i, i + 3, i * 7);
    else
        snprintf(out, n, "%s，%s。", ham_a[i % 5], ham_b[(i / 5) % 5]);
}

static void grams(const char *text, yz_clf_grams *g)
{
    yz_errinfo ei;
    cr_assert_eq(yz_clf_grams_of(norm, text, &scratch, g, &ei), YZ_OK, "%s", ei.msg_en);
}

static void train(yz_classifier *c, const char *text, int label, int sign)
{
    yz_clf_grams g;
    yz_clf_grams_init(&g);
    grams(text, &g);
    yz_classifier_train(c, &g, label, sign);
    yz_clf_grams_fini(&g);
}

static yz_clf_verdict score(const yz_classifier *c, const char *text)
{
    yz_clf_grams g;
    yz_clf_grams_init(&g);
    grams(text, &g);
    yz_clf_verdict v;
    yz_classifier_score(c, &g, &v);
    yz_clf_grams_fini(&g);
    return v;
}

static yz_classifier *toy_model(int nspam, int nham)
{
    yz_classifier *c = yz_classifier_new();
    char t[128];
    for (int i = 0; i < nspam; i++) {
        toy(t, sizeof t, true, i);
        train(c, t, YZ_CLF_SPAM, 1);
    }
    for (int i = 0; i < nham; i++) {
        toy(t, sizeof t, false, i);
        train(c, t, YZ_CLF_HAM, 1);
    }
    return c;
}

Test(classifier, grams_are_the_distinct_1_to_3_grams_of_the_normalised_letters)
{
    yz_clf_grams g;
    yz_clf_grams_init(&g);
    /* traditional, full-width, punctuation and a symbol: 貸款★ＡＢ -> 贷款ab */
    grams("貸款★ＡＢ，貸款", &g);
    const char *want[] = {"贷", "款", "a", "b", "贷款", "款a", "ab", "贷款a", "款ab", "b贷",
                          "ab贷", "b贷款"};
    cr_assert_eq(g.n, sizeof want / sizeof *want, "%zu grams", g.n);
    for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
        uint64_t k = yz_clf_gram_parse(want[i]);
        cr_assert_neq(k, 0, "%s", want[i]);
        bool found = false;
        for (size_t j = 0; j < g.n; j++)
            found |= g.key[j] == k;
        cr_assert(found, "gram %s missing", want[i]);
    }
    /* digits of any script are one class: ①３8 and 123 give the same grams */
    yz_clf_grams h;
    yz_clf_grams_init(&h);
    grams("①３8", &g);
    grams("123", &h);
    cr_assert_eq(g.n, h.n);
    cr_assert_eq(memcmp(g.key, h.key, g.n * sizeof *g.key), 0);
    char s[YZ_CLF_GRAM_BYTES];
    cr_assert_eq(yz_clf_gram_utf8(g.key[0], s), 1);
    cr_assert_str_eq(s, "0");
    /* round trip of a gram, and what is not one */
    cr_assert_eq(yz_clf_gram_utf8(yz_clf_gram_parse("加微信"), s), 9);
    cr_assert_str_eq(s, "加微信");
    cr_assert_eq(yz_clf_gram_parse("四个字符"), 0);
    cr_assert_eq(yz_clf_gram_parse(""), 0);
    cr_assert_eq(yz_clf_gram_parse("\xff"), 0);
    yz_errinfo ei;
    cr_assert_eq(yz_clf_grams_of(norm, "bad \xc3", &scratch, &g, &ei), YZ_EINVAL);
    cr_assert_str_eq(ei.field, "text");
    yz_clf_grams_fini(&g);
    yz_clf_grams_fini(&h);
}

Test(classifier, learns_a_toy_set)
{
    yz_classifier *c = toy_model(25, 25);
    cr_assert(yz_classifier_ready(c));
    /* new texts of each family, unseen in training */
    yz_clf_verdict s = score(c, "急用钱？无抵押贷款，当天放款，加我薇 abc889");
    yz_clf_verdict h = score(c, "厕所很干净，站长人很好，空调也凉快");
    cr_assert(s.ready && h.ready);
    cr_assert_geq(s.spam_p, YZ_CLF_HOLD_AT, "spam scored %f", s.spam_p);
    cr_assert(s.hold);
    cr_assert_leq(h.spam_p, 0.1, "genuine scored %f", h.spam_p);
    cr_assert(!h.hold);
    /* the explanation names the spammy grams, spammiest first */
    cr_assert_gt(s.nexplain, 0);
    for (size_t i = 0; i < s.nexplain; i++) {
        cr_assert_gt(s.explain[i].p, 0.5);
        if (i)
            cr_assert_leq(s.explain[i].p, s.explain[i - 1].p + 0.005);
    }
    yz_buf b;
    yz_buf_init(&b);
    yz_clf_verdict_json(&s, &b);
    cr_assert(strstr(b.data, "{\"spam_probability\":0.") || strstr(b.data, "{\"spam_probability\":1."),
              "%s", b.data);
    cr_assert(strstr(b.data, "\"ngrams\":[\""), "%s", b.data);
    yz_buf_fini(&b);
    /* combined with the lists: learned added to what the lists found */
    cr_assert_eq(yz_clf_combine(YZ_MOD_PHONE, &s), YZ_MOD_PHONE | YZ_MOD_LEARNED);
    cr_assert_eq(yz_clf_combine(0, &h), 0);
    /* a sure genuine verdict clears off_topic, and nothing else */
    cr_assert_eq(yz_clf_combine(YZ_MOD_OFF_TOPIC | YZ_MOD_LINK, &h), YZ_MOD_LINK);
    cr_assert_eq(yz_clf_combine(YZ_MOD_OFF_TOPIC, NULL), YZ_MOD_OFF_TOPIC);
    yz_classifier_free(c);
}

Test(classifier, probability_moves_the_right_way)
{
    yz_classifier *c = toy_model(25, 25);
    const char *text = "兼职刷单日结，站长人很好";
    double before = score(c, text).spam_p;
    char t[64];
    for (int i = 0; i < 10; i++) {
        snprintf(t, sizeof t, "兼职刷单日结 %d 单", i);
        train(c, t, YZ_CLF_SPAM, 1);
    }
    double after_spam = score(c, text).spam_p;
    cr_assert_gt(after_spam, before, "%f -> %f", before, after_spam);
    /* the same text approved many times pulls it back */
    for (int i = 0; i < 30; i++) {
        snprintf(t, sizeof t, "兼职刷单日结，站长人很好%d", i);
        train(c, t, YZ_CLF_HAM, 1);
    }
    double after_ham = score(c, text).spam_p;
    cr_assert_lt(after_ham, after_spam, "%f -> %f", after_spam, after_ham);
    /* untraining what was trained restores the counts exactly */
    yz_classifier *d = toy_model(25, 25);
    train(d, "另一条文字", YZ_CLF_SPAM, 1);
    train(d, "另一条文字", YZ_CLF_SPAM, -1);
    yz_classifier *e = toy_model(25, 25);
    cr_assert_eq(yz_classifier_size(d), yz_classifier_size(e));
    cr_assert_eq(score(d, text).spam_p, score(e, text).spam_p);
    yz_classifier_free(c);
    yz_classifier_free(d);
    yz_classifier_free(e);
}

Test(classifier, below_the_threshold_it_holds_nothing)
{
    /* plenty of spam, too few genuine texts */
    yz_classifier *c = toy_model(200, YZ_CLF_MIN_EXAMPLES - 1);
    cr_assert(!yz_classifier_ready(c));
    yz_clf_verdict v = score(c, "无抵押贷款，加我薇 abc889");
    cr_assert(!v.ready);
    cr_assert(!v.hold);
    cr_assert_eq(v.spam_p, 0.5);
    cr_assert_eq(yz_clf_combine(0, &v), 0);
    cr_assert_eq(yz_clf_combine(YZ_MOD_OFF_TOPIC, &v), YZ_MOD_OFF_TOPIC);
    /* one more genuine text and it is ready */
    train(c, "另外一条真实的评价，热水很方便", YZ_CLF_HAM, 1);
    cr_assert(yz_classifier_ready(c));
    cr_assert(score(c, "无抵押贷款，加我薇 abc889").hold);
    yz_classifier_free(c);
    /* nothing trained at all */
    yz_classifier *e = yz_classifier_new();
    cr_assert(!score(e, "无抵押贷款").hold);
    yz_classifier_free(e);
}

/* Train `text` as item `id` through the store. */
static yz_clf_trained store_train(const char *source, int64_t id, int label, const char *text)
{
    yz_clf_grams g;
    yz_clf_grams_init(&g);
    grams(text, &g);
    char(*u)[YZ_CLF_GRAM_BYTES] = yz_calloc(g.n + 1, sizeof *u);
    const char **p = yz_calloc(g.n + 1, sizeof *p);
    for (size_t i = 0; i < g.n; i++) {
        yz_clf_gram_utf8(g.key[i], u[i]);
        p[i] = u[i];
    }
    yz_clf_example ex = {source, id, label, text, p, g.n};
    yz_clf_trained tr;
    yz_errinfo ei;
    cr_assert_eq(yz_store_clf_train(st, &ex, 1, &tr, &ei), YZ_OK, "%s", ei.msg_en);
    yz_free(p);
    yz_free(u);
    yz_clf_grams_fini(&g);
    return tr;
}

static yz_classifier *load_model(int64_t *version)
{
    yz_clf_model m;
    yz_errinfo ei;
    cr_assert_eq(yz_store_clf_load(st, &m, &ei), YZ_OK, "%s", ei.msg_en);
    yz_classifier *c = yz_classifier_new();
    for (size_t i = 0; i < m.n; i++) {
        uint64_t k = yz_clf_gram_parse(m.rows[i].gram);
        cr_assert_neq(k, 0, "gram %s", m.rows[i].gram);
        yz_classifier_set(c, k, m.rows[i].spam, m.rows[i].ham);
    }
    yz_classifier_set_docs(c, m.spam_docs, m.ham_docs);
    *version = m.version;
    yz_clf_model_fini(&m);
    return c;
}

static void assert_same(const yz_classifier *a, const yz_classifier *b)
{
    int64_t as, ah, bs, bh;
    yz_classifier_docs(a, &as, &ah);
    yz_classifier_docs(b, &bs, &bh);
    cr_assert_eq(as, bs);
    cr_assert_eq(ah, bh);
    cr_assert_eq(yz_classifier_size(a), yz_classifier_size(b));
    const char *probes[] = {"急用钱？无抵押贷款，当天放款，加我薇 abc889", "厕所很干净，站长人很好",
                            "兼职刷单", "空调"};
    for (size_t i = 0; i < sizeof probes / sizeof *probes; i++)
        cr_assert_eq(score(a, probes[i]).spam_p, score(b, probes[i]).spam_p, "%s", probes[i]);
}

Test(classifier, save_and_load_round_trip_through_the_store)
{
    int64_t version;
    yz_classifier *empty = load_model(&version);
    cr_assert_eq(version, 0);
    cr_assert_eq(yz_classifier_size(empty), 0);
    yz_classifier_free(empty);

    yz_classifier *mem = toy_model(25, 25);
    char t[128];
    for (int i = 0; i < 25; i++) {
        toy(t, sizeof t, true, i);
        store_train("review", 1000 + i, YZ_CLF_SPAM, t);
        toy(t, sizeof t, false, i);
        store_train("review", 2000 + i, YZ_CLF_HAM, t);
    }
    yz_classifier *loaded = load_model(&version);
    cr_assert_eq(version, 50);
    assert_same(mem, loaded);

    /* the change log replays to the same model */
    yz_clf_change *ch;
    size_t n;
    yz_errinfo ei;
    cr_assert_eq(yz_store_clf_changes(st, 0, 1000, &ch, &n, &ei), YZ_OK, "%s", ei.msg_en);
    cr_assert_eq(n, 50);
    yz_classifier *replayed = yz_classifier_new();
    for (size_t i = 0; i < n; i++) {
        cr_assert_eq(ch[i].version, (int64_t)i + 1);
        train(replayed, ch[i].text, ch[i].label, ch[i].sign);
    }
    yz_clf_changes_free(ch, n);
    assert_same(mem, replayed);

    /* the same decision again changes nothing; a reversed one moves the text over */
    yz_clf_trained tr = store_train("review", 1000, YZ_CLF_SPAM, "无抵押贷款，加我薇 0321");
    cr_assert_eq(tr.unchanged, 1);
    cr_assert_eq(tr.version, 50);
    toy(t, sizeof t, true, 0);
    tr = store_train("review", 1000, YZ_CLF_HAM, t);
    cr_assert_eq(tr.moved, 1);
    cr_assert_eq(tr.version, 52); /* out of spam, into genuine: two changes */
    train(mem, t, YZ_CLF_SPAM, -1);
    train(mem, t, YZ_CLF_HAM, 1);
    yz_classifier_free(loaded);
    loaded = load_model(&version);
    cr_assert_eq(version, 52);
    assert_same(mem, loaded);
    cr_assert_eq(yz_store_clf_changes(st, 50, 1000, &ch, &n, &ei), YZ_OK, "%s", ei.msg_en);
    cr_assert_eq(n, 2);
    cr_assert_eq(ch[0].sign, -1);
    cr_assert_eq(ch[0].label, YZ_CLF_SPAM);
    cr_assert_eq(ch[1].sign, 1);
    cr_assert_eq(ch[1].label, YZ_CLF_HAM);
    for (size_t i = 0; i < n; i++)
        train(replayed, ch[i].text, ch[i].label, ch[i].sign);
    yz_clf_changes_free(ch, n);
    assert_same(mem, replayed);

    /* verdicts kept for held items */
    bool found;
    double p;
    char *json;
    cr_assert_eq(yz_store_clf_verdict_get(st, "review", 7, &found, &p, &json, &ei), YZ_OK);
    cr_assert(!found);
    cr_assert_null(json);
    cr_assert_eq(yz_store_clf_verdict_put(st, "review", 7, 0.987, "[\"贷款\"]", &ei), YZ_OK,
                 "%s", ei.msg_en);
    cr_assert_eq(yz_store_clf_verdict_get(st, "review", 7, &found, &p, &json, &ei), YZ_OK);
    cr_assert(found);
    cr_assert_float_eq(p, 0.987, 1e-9);
    cr_assert_str_eq(json, "[\"贷款\"]");
    yz_free(json);

    yz_classifier_free(mem);
    yz_classifier_free(loaded);
    yz_classifier_free(replayed);
}
