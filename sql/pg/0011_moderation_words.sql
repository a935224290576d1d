-- 0011_moderation_words.sql - more words for screening (docs/internals/reviews.md): the advert
-- families that flood Chinese community sites (sugar dating and escorts, gambling, loans, fake
-- invoices, fake certificates), homophones and pinyin for the contact apps (薇 and 威 for
-- WeChat, 扣 and 球球 for QQ, weixin, koukou), and English station vocabulary. Words are
-- folded when compiled (look-alikes, traditional to simplified, case, width), so one form
-- covers 発票, 發票 and ＦＡＰＩＡＯ. Weights as in 0005: 2 = enough alone, 1 = needs company.
-- Latin words match at the start of a word only (the wx of "new xiaomi" is no WeChat).
INSERT INTO moderation_words (word, kind, weight) VALUES
 -- sugar dating and escort services
 ('包养', 'advert', 2), ('求包养', 'advert', 2), ('找干爹', 'advert', 2), ('甜心宝贝', 'advert', 2),
 ('外围女', 'advert', 2), ('外围模特', 'advert', 2), ('楼凤', 'advert', 2), ('莞式', 'advert', 2),
 ('全套服务', 'advert', 2), ('特殊服务', 'advert', 2), ('陪睡', 'advert', 2), ('包夜', 'advert', 2),
 ('同城约', 'advert', 2), ('同城交友', 'advert', 2), ('学生妹', 'advert', 2), ('兼职妹', 'advert', 2),
 ('兼职女', 'advert', 2), ('空降', 'advert', 2), ('上门按摩', 'advert', 2), ('寂寞少妇', 'advert', 2),
 ('约妹', 'advert', 2), ('小妹上门', 'advert', 2), ('快餐全套', 'advert', 2), ('一条龙服务', 'advert', 2),
 ('约会', 'advert', 1), ('干爹', 'advert', 1), ('甜心', 'advert', 1), ('外围', 'advert', 1),
 ('按摩', 'advert', 1), ('桑拿', 'advert', 1), ('会所', 'advert', 1), ('丝足', 'advert', 1),
 ('寂寞', 'advert', 1), ('陪玩', 'advert', 1), ('交友', 'advert', 1),
 ('baoyang', 'advert', 2), ('yuepao', 'advert', 2), ('sugardaddy', 'advert', 2), ('escort', 'advert', 2),
 ('hookup', 'advert', 2),
 -- gambling
 ('赌场', 'advert', 2), ('赌球', 'advert', 2), ('下注', 'advert', 2), ('投注', 'advert', 2),
 ('彩金', 'advert', 2), ('首存', 'advert', 2), ('首充送', 'advert', 2),
 ('开户送', 'advert', 2), ('注册送', 'advert', 2), ('老虎机', 'advert', 2), ('真人视讯', 'advert', 2),
 ('电子游艺', 'advert', 2), ('棋牌平台', 'advert', 2), ('葡京', 'advert', 2), ('太阳城', 'advert', 2),
 ('菠菜平台', 'advert', 2), ('返水', 'advert', 2), ('赌博平台', 'advert', 2), ('网赌', 'advert', 2),
 ('北京赛车', 'advert', 2), ('幸运飞艇', 'advert', 2), ('澳门', 'advert', 1),
 ('菠菜', 'advert', 1), ('棋牌', 'advert', 1), ('上分', 'advert', 1), ('德州扑克', 'advert', 1),
 ('捕鱼', 'advert', 1), ('彩票', 'advert', 1), ('bocai', 'advert', 2), ('baijiale', 'advert', 2),
 ('casino', 'advert', 2), ('betting', 'advert', 1),
 -- loans
 ('下款', 'advert', 2), ('秒到账', 'advert', 2), ('黑户', 'advert', 2), ('不看征信', 'advert', 2),
 ('无视征信', 'advert', 2), ('小额贷', 'advert', 2), ('无需抵押', 'advert', 2), ('免抵押', 'advert', 2),
 ('凭身份证', 'advert', 1), ('撸口子', 'advert', 2), ('新口子', 'advert', 2), ('信用卡代还', 'advert', 2),
 ('急用钱', 'advert', 2), ('快速放款', 'advert', 2), ('低息贷款', 'advert', 2), ('白户', 'advert', 2),
 ('借钱', 'advert', 1), ('借款', 'advert', 1), ('放款', 'advert', 1), ('征信', 'advert', 1),
 ('额度', 'advert', 1), ('低息', 'advert', 1), ('利息', 'advert', 1), ('分期', 'advert', 1),
 ('daikuan', 'advert', 1), ('wangdai', 'advert', 2), ('loan', 'advert', 1),
 -- fake invoices
 ('代开', 'advert', 2), ('各类发票', 'advert', 2), ('各种发票', 'advert', 2), ('真票', 'advert', 2),
 ('票点低', 'advert', 2), ('税点低', 'advert', 2), ('点数低', 'advert', 2), ('增值税票', 'advert', 1),
 ('专票', 'advert', 1), ('普票', 'advert', 1), ('税票', 'advert', 1), ('可查验', 'advert', 1),
 ('可验真', 'advert', 1), ('daikai', 'advert', 2), ('fapiao', 'advert', 1), ('invoice', 'advert', 1),
 -- fake certificates
 ('办假证', 'advert', 2), ('刻章', 'advert', 2), ('办毕业证', 'advert', 2), ('办学历', 'advert', 2),
 ('代考', 'advert', 2), ('办驾照', 'advert', 2), ('包拿证', 'advert', 2), ('免考拿证', 'advert', 2),
 ('证件代办', 'advert', 2), ('制作证件', 'advert', 2), ('高仿证件', 'advert', 2), ('假文凭', 'advert', 2),
 ('假学历', 'advert', 2), ('学历提升', 'advert', 1), ('毕业证', 'advert', 1), ('学位证', 'advert', 1),
 ('文凭', 'advert', 1), ('证件', 'advert', 1), ('资格证', 'advert', 1), ('刻印', 'advert', 1),
 ('banzheng', 'advert', 2),
 -- homophones and pinyin for the contact apps: adverts alone ...
 ('加薇', 'advert', 2), ('加威', 'advert', 2), ('加维', 'advert', 2), ('加卫星', 'advert', 2),
 ('加扣', 'advert', 2), ('加球球', 'advert', 2), ('加q', 'advert', 2), ('加v', 'advert', 2),
 ('加绿泡泡', 'advert', 2), ('私我', 'advert', 2), ('滴滴我', 'advert', 2), ('加我', 'advert', 1),
 ('jiaweixin', 'advert', 2), ('jiawx', 'advert', 2), ('jiavx', 'advert', 2), ('jiaqq', 'advert', 2),
 -- ... and keywords that an id after them makes a contact id
 ('薇', 'contact', 0), ('威', 'contact', 0), ('维信', 'contact', 0), ('卫星', 'contact', 0),
 ('胃信', 'contact', 0), ('位信', 'contact', 0), ('蔚信', 'contact', 0), ('微x', 'contact', 0),
 ('绿泡泡', 'contact', 0), ('扣', 'contact', 0), ('抠抠', 'contact', 0), ('寇寇', 'contact', 0),
 ('蔻蔻', 'contact', 0), ('球球', 'contact', 0), ('企鹅', 'contact', 0), ('纸飞机', 'contact', 0),
 ('weixin', 'contact', 0), ('weixing', 'contact', 0), ('wexin', 'contact', 0), ('wechat', 'contact', 0),
 ('vchat', 'contact', 0), ('koukou', 'contact', 0), ('qiuqiu', 'contact', 0),
 -- English station vocabulary (counts in mixed text; English alone is not judged off topic)
 ('toilet', 'vocab', 0), ('restroom', 'vocab', 0), ('bathroom', 'vocab', 0), ('washroom', 'vocab', 0),
 ('clean', 'vocab', 0), ('dirty', 'vocab', 0), ('water', 'vocab', 0), ('hot', 'vocab', 0),
 ('cold', 'vocab', 0), ('warm', 'vocab', 0), ('cool', 'vocab', 0), ('air', 'vocab', 0),
 ('fan', 'vocab', 0), ('seat', 'vocab', 0), ('chair', 'vocab', 0), ('sofa', 'vocab', 0),
 ('table', 'vocab', 0), ('rest', 'vocab', 0), ('nap', 'vocab', 0), ('staff', 'vocab', 0),
 ('friendly', 'vocab', 0), ('helpful', 'vocab', 0), ('rider', 'vocab', 0), ('courier', 'vocab', 0),
 ('delivery', 'vocab', 0), ('driver', 'vocab', 0), ('worker', 'vocab', 0), ('station', 'vocab', 0),
 ('charg', 'vocab', 0), ('battery', 'vocab', 0), ('socket', 'vocab', 0), ('microwave', 'vocab', 0),
 ('fridge', 'vocab', 0), ('food', 'vocab', 0), ('lunch', 'vocab', 0), ('meal', 'vocab', 0),
 ('tea', 'vocab', 0), ('drink', 'vocab', 0), ('rain', 'vocab', 0), ('umbrella', 'vocab', 0),
 ('shelter', 'vocab', 0), ('phone', 'vocab', 0), ('open', 'vocab', 0), ('close', 'vocab', 0),
 ('nice', 'vocab', 0), ('good', 'vocab', 0), ('great', 'vocab', 0), ('place', 'vocab', 0),
 ('comfortable', 'vocab', 0), ('quiet', 'vocab', 0), ('noisy', 'vocab', 0), ('crowded', 'vocab', 0),
 ('thank', 'vocab', 0), ('union', 'vocab', 0), ('parking', 'vocab', 0), ('scooter', 'vocab', 0)
ON CONFLICT DO NOTHING;
