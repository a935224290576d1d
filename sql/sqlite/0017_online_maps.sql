-- 0017_online_maps.sql - the online maps a station can be found on (amap, baidu, tencent),
-- as names separated by ';' ("amap;baidu"); '' = on none. The console lists the stations
-- missing from the maps, so that the union can get them listed.
ALTER TABLE stations ADD COLUMN online_maps TEXT NOT NULL DEFAULT '';
