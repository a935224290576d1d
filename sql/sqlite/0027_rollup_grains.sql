-- 0027_rollup_grains.sql - week and month roll-ups by station for the dashboard
-- (docs/internals/stats.md), beside 0022's day roll-ups and kept the same way: by the visits'
-- group commit in the same transaction, the same bottom-5 sketch, ids dropped by the purge.
-- day: unix seconds of the local midnight starting the week (a Monday) or the month (the 1st).
-- A station moved to another district within a week or month has a row for each district.
-- The district x occupation roll-up needs no coarser grain: it is at most 12 districts x 5
-- occupations a day (66 k rows for three years), read fast enough.
CREATE TABLE rollup_station_weeks (
    day INTEGER NOT NULL,
    station_id INTEGER NOT NULL,
    district_code TEXT NOT NULL,
    visits INTEGER NOT NULL CHECK (visits > 0),
    workers INTEGER NOT NULL CHECK (workers BETWEEN 0 AND 5),
    w1 INTEGER NOT NULL, w2 INTEGER NOT NULL, w3 INTEGER NOT NULL, w4 INTEGER NOT NULL,
    w5 INTEGER NOT NULL,
    PRIMARY KEY (day, station_id, district_code)
);
CREATE INDEX rollup_station_weeks_district ON rollup_station_weeks (district_code, day);

CREATE TABLE rollup_station_months (
    day INTEGER NOT NULL,
    station_id INTEGER NOT NULL,
    district_code TEXT NOT NULL,
    visits INTEGER NOT NULL CHECK (visits > 0),
    workers INTEGER NOT NULL CHECK (workers BETWEEN 0 AND 5),
    w1 INTEGER NOT NULL, w2 INTEGER NOT NULL, w3 INTEGER NOT NULL, w4 INTEGER NOT NULL,
    w5 INTEGER NOT NULL,
    PRIMARY KEY (day, station_id, district_code)
);
CREATE INDEX rollup_station_months_district ON rollup_station_months (district_code, day);

-- The store fills them (and recomputes the day roll-ups) when it next opens.
UPDATE rollup_state SET built = 0;

-- Photos by uploader and time: the per-worker upload limit counts a worker's recent photos.
CREATE INDEX photos_uploader_worker ON photos (uploader_worker_id, created_at);
