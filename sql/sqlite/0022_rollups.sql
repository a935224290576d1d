-- 0022_rollups.sql - daily roll-ups of counted visits for the dashboard (docs/internals/stats.md),
-- kept up to date by the visits' group commit in the same transaction, and kept when the raw
-- visits are purged. day: unix seconds of the local midnight (China Standard Time).
-- visits: counted visits. workers: distinct workers, capped at 5 (the k of the suppression
-- rule). w1..w5: the five smallest distinct worker ids of the cell, ascending, the rest
-- 9223372036854775807 (none); a bottom-5 sketch: merged over any cells, it tells exactly
-- whether they hold at least 5 distinct workers. A purged day keeps visits and workers and
-- loses w1..w5 (all none), so no worker can be traced in it.
CREATE TABLE rollup_station_days (
    day INTEGER NOT NULL,
    station_id INTEGER NOT NULL,
    district_code TEXT NOT NULL,
    visits INTEGER NOT NULL CHECK (visits > 0),
    workers INTEGER NOT NULL CHECK (workers BETWEEN 0 AND 5),
    w1 INTEGER NOT NULL, w2 INTEGER NOT NULL, w3 INTEGER NOT NULL, w4 INTEGER NOT NULL,
    w5 INTEGER NOT NULL,
    PRIMARY KEY (day, station_id)
);
CREATE INDEX rollup_station_days_district ON rollup_station_days (district_code, day);

CREATE TABLE rollup_district_days (
    day INTEGER NOT NULL,
    district_code TEXT NOT NULL,
    occupation TEXT NOT NULL,
    visits INTEGER NOT NULL CHECK (visits > 0),
    workers INTEGER NOT NULL CHECK (workers BETWEEN 0 AND 5),
    w1 INTEGER NOT NULL, w2 INTEGER NOT NULL, w3 INTEGER NOT NULL, w4 INTEGER NOT NULL,
    w5 INTEGER NOT NULL,
    PRIMARY KEY (day, district_code, occupation)
);

-- built = 0: the store fills the roll-ups from the visits (and the day totals of visits
-- purged before this migration) when it next opens, then sets it to 1.
CREATE TABLE rollup_state (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    built INTEGER NOT NULL
);
INSERT INTO rollup_state VALUES (1, 0);
