-- 0006_reports.sql - problem reports about stations, served as Open311 GeoReport v2.
-- The service list is data: a city adds a row here (or in a later migration) to offer a new
-- kind of report. Reporters' e-mail, names and phone numbers are accepted by the API and
-- never stored; a report keeps only the pseudonymous worker id when a worker token was used.
CREATE TABLE report_services (
    code TEXT PRIMARY KEY CHECK (code GLOB '[a-z]*' AND length(code) <= 40),
    name TEXT NOT NULL,          -- zh-Hans, Open311 service_name
    name_en TEXT NOT NULL,
    description TEXT NOT NULL,   -- Chinese, then English
    grp TEXT NOT NULL,           -- Open311 group
    keywords TEXT NOT NULL,      -- comma-separated, as Open311 prints them
    metadata INTEGER NOT NULL CHECK (metadata IN (0, 1)), -- takes attribute[station_code]
    position INTEGER NOT NULL UNIQUE -- order in services.json
);

INSERT INTO report_services VALUES
 ('water_dispenser_broken', '饮水机故障', 'Water dispenser broken',
  '饮水机不出水、不加热或漏水。Water dispenser gives no water, does not heat, or leaks.',
  'facilities', '饮水机,热水,water,dispenser', 1, 1),
 ('toilet_unusable', '卫生间无法使用', 'Toilet unusable',
  '卫生间锁闭、堵塞或损坏。Toilet locked, blocked or broken.',
  'facilities', '卫生间,厕所,toilet,restroom', 1, 2),
 ('closed_unexpectedly', '开放时间内未开门', 'Closed unexpectedly',
  '驿站在公布的开放时间内关闭。The station was closed during its published opening hours.',
  'opening', '关门,未开放,closed,hours', 1, 3),
 ('battery_swap_unavailable', '换电柜不可用', 'Battery swap unavailable',
  '换电柜无电池、故障或无法扫码。Battery swap cabinet empty, broken or will not scan.',
  'facilities', '换电,电池,battery,swap', 1, 4),
 ('ac_broken', '空调故障', 'Air conditioning broken',
  '空调不制冷、不制热或无法开启。Air conditioning does not cool, heat or turn on.',
  'facilities', '空调,太热,太冷,air conditioning,ac', 1, 5),
 ('dirty', '环境脏乱', 'Dirty',
  '驿站卫生状况差。The station is dirty or untidy.',
  'cleanliness', '脏,卫生,垃圾,dirty,clean', 1, 6),
 ('other', '其他问题', 'Other',
  '其他问题，请在描述中说明。Any other problem: please describe it.',
  'other', '其他,other', 1, 7);

-- A report. station_id is NULL once the station is deleted; station_code and address keep
-- what the report was about. lat/lon are WGS-84: where the reporter stood when given, else
-- the station's position when the report was made.
CREATE TABLE reports (
    id INTEGER PRIMARY KEY,
    service_code TEXT NOT NULL REFERENCES report_services (code),
    station_id INTEGER REFERENCES stations (id) ON DELETE SET NULL,
    station_code TEXT NOT NULL,
    address TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    lat REAL NOT NULL CHECK (lat BETWEEN -90 AND 90),
    lon REAL NOT NULL CHECK (lon BETWEEN -180 AND 180),
    media_url TEXT,
    worker_id INTEGER REFERENCES workers (id),
    status TEXT NOT NULL CHECK (status IN ('open', 'acknowledged', 'in_progress', 'closed')),
    reason TEXT CHECK (reason IN ('fixed', 'not_reproducible', 'duplicate')),
    notes TEXT,
    requested_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    CHECK ((status = 'closed') = (reason IS NOT NULL))
);

CREATE INDEX reports_station ON reports (station_id, status);
CREATE INDEX reports_requested ON reports (requested_at);
