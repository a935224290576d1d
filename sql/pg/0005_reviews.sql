-- 0005_reviews.sql (PostgreSQL) - ratings (stars and tags) with optional review text, the tag
-- list and the moderation word lists; the schema and seed data of sql/sqlite/0005_reviews.sql.
-- Tags and word lists are data: a city adds rows here or in a later migration. Nothing is ever
-- deleted: a rating replaced the same day is kept with active = 0, a rejected review keeps its
-- text with status 'rejected'.
-- No foreign key to stations: the history outlives a deleted station, and the API checks the
-- station before recording.

CREATE TABLE rating_tags (
    code TEXT PRIMARY KEY CHECK (code ~ '^[a-z]' AND length(code) <= 32),
    label TEXT NOT NULL,      -- zh-Hans
    label_hant TEXT NOT NULL, -- zh-Hant
    label_en TEXT NOT NULL,
    positive INTEGER NOT NULL CHECK (positive IN (0, 1)),
    position INTEGER NOT NULL UNIQUE
);

INSERT INTO rating_tags VALUES
 ('clean', '干净整洁', '乾淨整潔', 'Clean', 1, 1),
 ('warm', '温馨', '溫馨', 'Warm and welcoming', 1, 2),
 ('cool', '凉爽', '涼爽', 'Cool inside', 1, 3),
 ('water_ok', '饮水方便', '飲水方便', 'Drinking water available', 1, 4),
 ('toilet_ok', '厕所可用', '廁所可用', 'Toilet usable', 1, 5),
 ('friendly', '服务热情', '服務熱情', 'Friendly staff', 1, 6),
 ('crowded', '人多拥挤', '人多擁擠', 'Crowded', 0, 7),
 ('dirty', '脏乱', '髒亂', 'Dirty', 0, 8),
 ('broken_facility', '设施损坏', '設施損壞', 'Broken facility', 0, 9),
 ('closed_when_open', '开放时间未开门', '開放時間未開門', 'Closed during opening hours', 0, 10);

-- Word lists for screening (src/catalog/moderation.c). Words are matched after normalisation
-- (traditional to simplified, lower case, half-width, spaces and symbols dropped), so one
-- simplified form covers 加 微 信, 加-V-X and 加微信. kind 'advert': the weights of the distinct
-- words found add up, and 2 holds the text (weight 2 = enough alone, 1 = needs company);
-- 'contact': a QQ/WeChat keyword that holds the text when an id follows it; 'vocab': words
-- about stations, whose absence from a long text makes it off-topic.
CREATE TABLE moderation_words (
    word TEXT NOT NULL CHECK (length(word) BETWEEN 1 AND 40),
    kind TEXT NOT NULL CHECK (kind IN ('advert', 'contact', 'vocab')),
    weight INTEGER NOT NULL DEFAULT 1 CHECK (weight BETWEEN 0 AND 10),
    PRIMARY KEY (word, kind)
);

INSERT INTO moderation_words (word, kind, weight) VALUES
 ('代开发票', 'advert', 2), ('发票代开', 'advert', 2), ('开发票', 'advert', 1),
 ('加微信', 'advert', 2), ('加微', 'advert', 2), ('加vx', 'advert', 2), ('加wx', 'advert', 2),
 ('加v信', 'advert', 2), ('加威信', 'advert', 2), ('加薇信', 'advert', 2), ('加qq', 'advert', 2),
 ('加扣扣', 'advert', 2), ('私聊我', 'advert', 2), ('私信我', 'advert', 2),
 ('刷单', 'advert', 2), ('兼职日结', 'advert', 2), ('日结兼职', 'advert', 2), ('网赚', 'advert', 2),
 ('贷款秒批', 'advert', 2), ('无抵押贷款', 'advert', 2), ('网贷', 'advert', 2), ('套现', 'advert', 2),
 ('博彩', 'advert', 2), ('赌博', 'advert', 2), ('百家乐', 'advert', 2), ('六合彩', 'advert', 2),
 ('时时彩', 'advert', 2), ('娱乐城', 'advert', 2), ('彩票平台', 'advert', 2), ('真人荷官', 'advert', 2),
 ('色情', 'advert', 2), ('约炮', 'advert', 2), ('裸聊', 'advert', 2), ('援交', 'advert', 2),
 ('一夜情', 'advert', 2), ('上门服务', 'advert', 2), ('成人视频', 'advert', 2),
 ('办证', 'advert', 2), ('代办证件', 'advert', 2), ('假证', 'advert', 2), ('收购银行卡', 'advert', 2),
 ('出售银行卡', 'advert', 2), ('代孕', 'advert', 2), ('高额返利', 'advert', 2), ('躺赚', 'advert', 2),
 ('日赚', 'advert', 2), ('月入过万', 'advert', 2), ('点击链接', 'advert', 2), ('扫码领取', 'advert', 2),
 ('免费领取', 'advert', 1), ('贷款', 'advert', 1), ('兼职', 'advert', 1), ('优惠', 'advert', 1),
 ('加盟', 'advert', 1), ('招商', 'advert', 1), ('代理', 'advert', 1), ('返利', 'advert', 1),
 ('赚钱', 'advert', 1), ('投资', 'advert', 1), ('理财', 'advert', 1), ('微商', 'advert', 1),
 ('推广', 'advert', 1), ('咨询', 'advert', 1), ('客服', 'advert', 1), ('保健品', 'advert', 1),
 ('减肥', 'advert', 1), ('特价', 'advert', 1), ('促销', 'advert', 1), ('批发', 'advert', 1),
 ('红包', 'advert', 1), ('日结', 'advert', 1), ('正规', 'advert', 1), ('包过', 'advert', 1),
 ('微信', 'contact', 0), ('薇信', 'contact', 0), ('威信', 'contact', 0), ('v信', 'contact', 0),
 ('vx', 'contact', 0), ('wx', 'contact', 0), ('qq', 'contact', 0), ('扣扣', 'contact', 0),
 ('企鹅号', 'contact', 0), ('q号', 'contact', 0), ('电报', 'contact', 0), ('tg', 'contact', 0),
 ('telegram', 'contact', 0), ('飞机号', 'contact', 0), ('whatsapp', 'contact', 0),
 ('驿站', 'vocab', 0), ('站', 'vocab', 0), ('厕所', 'vocab', 0), ('卫生间', 'vocab', 0),
 ('洗手间', 'vocab', 0), ('马桶', 'vocab', 0), ('水', 'vocab', 0), ('空调', 'vocab', 0),
 ('冷', 'vocab', 0), ('热', 'vocab', 0), ('凉', 'vocab', 0), ('暖', 'vocab', 0), ('温馨', 'vocab', 0),
 ('干净', 'vocab', 0), ('整洁', 'vocab', 0), ('卫生', 'vocab', 0), ('脏', 'vocab', 0),
 ('臭', 'vocab', 0), ('师傅', 'vocab', 0), ('工作人员', 'vocab', 0), ('阿姨', 'vocab', 0),
 ('大姐', 'vocab', 0), ('大哥', 'vocab', 0), ('服务', 'vocab', 0), ('热情', 'vocab', 0),
 ('态度', 'vocab', 0), ('换电', 'vocab', 0), ('充电', 'vocab', 0), ('电池', 'vocab', 0),
 ('电瓶', 'vocab', 0), ('插座', 'vocab', 0), ('休息', 'vocab', 0), ('歇', 'vocab', 0),
 ('坐', 'vocab', 0), ('座', 'vocab', 0), ('椅', 'vocab', 0), ('沙发', 'vocab', 0), ('桌', 'vocab', 0),
 ('床', 'vocab', 0), ('微波炉', 'vocab', 0), ('冰箱', 'vocab', 0), ('饭', 'vocab', 0),
 ('餐', 'vocab', 0), ('吃', 'vocab', 0), ('喝', 'vocab', 0), ('茶', 'vocab', 0), ('药', 'vocab', 0),
 ('雨', 'vocab', 0), ('伞', 'vocab', 0), ('晒', 'vocab', 0), ('风扇', 'vocab', 0), ('灯', 'vocab', 0),
 ('wifi', 'vocab', 0), ('网', 'vocab', 0), ('手机', 'vocab', 0), ('骑手', 'vocab', 0),
 ('快递', 'vocab', 0), ('外卖', 'vocab', 0), ('小哥', 'vocab', 0), ('司机', 'vocab', 0),
 ('环卫', 'vocab', 0), ('门', 'vocab', 0), ('开', 'vocab', 0), ('关', 'vocab', 0),
 ('营业', 'vocab', 0), ('方便', 'vocab', 0), ('舒服', 'vocab', 0), ('环境', 'vocab', 0),
 ('设施', 'vocab', 0), ('地方', 'vocab', 0), ('位置', 'vocab', 0), ('停车', 'vocab', 0),
 ('车', 'vocab', 0), ('累', 'vocab', 0), ('谢谢', 'vocab', 0), ('感谢', 'vocab', 0),
 ('好', 'vocab', 0), ('不错', 'vocab', 0), ('满意', 'vocab', 0), ('人', 'vocab', 0),
 ('挤', 'vocab', 0), ('安静', 'vocab', 0), ('吵', 'vocab', 0), ('工会', 'vocab', 0),
 ('爱心', 'vocab', 0), ('天', 'vocab', 0);

CREATE TABLE ratings (
    id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    station_id BIGINT NOT NULL,
    worker_id BIGINT NOT NULL REFERENCES workers (id),
    day INTEGER NOT NULL,           -- the station's local date, days since 1970-01-01
    stars INTEGER NOT NULL CHECK (stars BETWEEN 1 AND 5),
    tags TEXT NOT NULL DEFAULT '',  -- tag codes separated by commas
    text TEXT,                      -- the review, NULL for a rating alone
    text_hash BIGINT,               -- of the normalised text, to count copies
    status TEXT NOT NULL CHECK (status IN ('none', 'published', 'held', 'rejected')),
    reasons TEXT NOT NULL DEFAULT '', -- why held: reason names separated by commas
    active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)), -- 0 once replaced that day
    replaced_by BIGINT,             -- the rating that replaced this one
    created_at BIGINT NOT NULL,     -- unix seconds
    moderated_at BIGINT,
    moderator_note TEXT
);

-- One active rating per worker, station and local day; a second one replaces the first.
CREATE UNIQUE INDEX ratings_one_a_day ON ratings (worker_id, station_id, day) WHERE active = 1;
-- Published reviews of a station, newest first.
CREATE INDEX ratings_station ON ratings (station_id, status, created_at) WHERE active = 1;
-- The moderators' queue.
CREATE INDEX ratings_held ON ratings (created_at) WHERE status = 'held' AND active = 1;
-- Copies of the same text in the recent window.
CREATE INDEX ratings_hash ON ratings (text_hash, created_at) WHERE text_hash IS NOT NULL;
