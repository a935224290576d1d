-- 0030_facility_synonyms.sql - words riders type for a facility (issue 13, defect 7;
-- docs/internals/text.md, "Facility words") (PostgreSQL dialect). A search term that is one of these
-- words (or a facility's own label) becomes the facility filter instead of text to find.
-- Data, not code: add a row to teach the search a word. Simplified, traditional and English
-- forms are listed apart; the search normalises case, width and traditional characters
-- anyway. facility_code has no foreign key: the facilities are seeded after the migrations,
-- and a word whose facility a database lacks is ignored (the unit test checks that every
-- word here names a facility of the seed vocabulary).
CREATE TABLE facility_synonyms (
    word TEXT PRIMARY KEY CHECK (length(word) BETWEEN 1 AND 32),
    facility_code TEXT NOT NULL
);
INSERT INTO facility_synonyms (word, facility_code) VALUES
 ('饮水', 'drinking_water'), ('飲水', 'drinking_water'), ('饮水机', 'drinking_water'),
 ('飲水機', 'drinking_water'), ('喝水', 'drinking_water'), ('直饮水', 'drinking_water'),
 ('直飲水', 'drinking_water'), ('water', 'drinking_water'), ('drinking water', 'drinking_water'),
 ('热水', 'hot_water'), ('熱水', 'hot_water'), ('开水', 'hot_water'), ('開水', 'hot_water'),
 ('hot water', 'hot_water'), ('boiling water', 'hot_water'),
 ('微波炉', 'microwave'), ('微波爐', 'microwave'), ('微波', 'microwave'),
 ('加热饭', 'microwave'), ('加熱飯', 'microwave'), ('热饭', 'microwave'), ('熱飯', 'microwave'),
 ('microwave', 'microwave'),
 ('厕所', 'toilet'), ('厠所', 'toilet'), ('廁所', 'toilet'), ('卫生间', 'toilet'),
 ('衛生間', 'toilet'), ('洗手间', 'toilet'), ('洗手間', 'toilet'), ('公厕', 'toilet'),
 ('公廁', 'toilet'), ('厠', 'toilet'), ('茅房', 'toilet'), ('toilet', 'toilet'),
 ('toilets', 'toilet'), ('wc', 'toilet'), ('restroom', 'toilet'), ('washroom', 'toilet'),
 ('空调', 'air_conditioning'), ('空調', 'air_conditioning'), ('冷气', 'air_conditioning'),
 ('冷氣', 'air_conditioning'), ('凉快', 'air_conditioning'), ('涼快', 'air_conditioning'),
 ('aircon', 'air_conditioning'), ('air conditioning', 'air_conditioning'),
 ('暖气', 'heating'), ('暖氣', 'heating'), ('取暖', 'heating'), ('heating', 'heating'),
 ('座椅', 'seating'), ('椅子', 'seating'), ('座位', 'seating'),
 ('seats', 'seating'), ('seating', 'seating'),
 ('手机充电', 'phone_charging'), ('手機充電', 'phone_charging'), ('充手机', 'phone_charging'),
 ('充手機', 'phone_charging'), ('phone charging', 'phone_charging'),
 ('充电', 'ebike_charging'), ('充電', 'ebike_charging'), ('电动车充电', 'ebike_charging'),
 ('電動車充電', 'ebike_charging'), ('电瓶车充电', 'ebike_charging'),
 ('電瓶車充電', 'ebike_charging'), ('充电桩', 'ebike_charging'), ('充電樁', 'ebike_charging'),
 ('charging', 'ebike_charging'), ('ebike charging', 'ebike_charging'),
 ('换电', 'battery_swap'), ('換電', 'battery_swap'), ('换电池', 'battery_swap'),
 ('換電池', 'battery_swap'), ('换电柜', 'battery_swap'), ('換電櫃', 'battery_swap'),
 ('battery swap', 'battery_swap'), ('battery', 'battery_swap'),
 ('急救', 'first_aid'), ('药箱', 'first_aid'), ('藥箱', 'first_aid'), ('急救箱', 'first_aid'),
 ('first aid', 'first_aid'),
 ('aed', 'aed'), ('除颤仪', 'aed'), ('除顫儀', 'aed'), ('defibrillator', 'aed'),
 ('修车', 'toolbox'), ('修車', 'toolbox'), ('打气', 'toolbox'),
 ('打氣', 'toolbox'), ('toolbox', 'toolbox'), ('repair', 'toolbox'), ('维修工具', 'toolbox'),
 ('冰箱', 'fridge'), ('fridge', 'fridge'),
 ('wifi', 'wifi'), ('wi-fi', 'wifi'), ('无线网', 'wifi'), ('無線網', 'wifi'),
 ('上网', 'wifi'), ('上網', 'wifi'),
 ('雨伞', 'umbrella'), ('雨傘', 'umbrella'), ('借伞', 'umbrella'), ('借傘', 'umbrella'),
 ('umbrella', 'umbrella'),
 ('储物柜', 'locker'), ('儲物櫃', 'locker'), ('存包', 'locker'), ('寄存', 'locker'),
 ('locker', 'locker'), ('lockers', 'locker'),
 ('阅读', 'reading'), ('閱讀', 'reading'), ('看书', 'reading'), ('看書', 'reading'),
 ('阅读角', 'reading'), ('reading', 'reading'), ('books', 'reading'),
 ('无障碍', 'accessible'), ('無障礙', 'accessible'), ('轮椅', 'accessible'),
 ('輪椅', 'accessible'), ('wheelchair', 'accessible'), ('accessible', 'accessible');
