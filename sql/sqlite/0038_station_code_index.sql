-- 0038_station_code_index.sql - the uniqueness of a station's code as a named unique index
-- (stations_code) instead of the column's UNIQUE constraint (issue 16). SQLite keeps a UNIQUE
-- constraint in an automatic index that cannot be dropped, so a load of many rows into an
-- empty table had to insert into it row by row (a file in random code order: 2.5x the
-- INSERT's CPU); a named index can be dropped before the rows and built after them in the
-- same transaction (store/stations.c). The rule is the same: ON CONFLICT (code) and the
-- station writes find the index as they found the constraint.
-- The 12-step rebuild of https://sqlite.org/lang_altertable.html: the marker below makes the
-- store run this file with foreign keys off (a DROP TABLE would otherwise run the ON DELETE
-- actions of the tables that point at stations) and run foreign_key_check before it commits.
-- Every row and id is copied; the columns keep their order; the view is made again.
-- migrate: foreign keys off
CREATE TABLE stations_0038 (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    address TEXT NOT NULL DEFAULT '',
    district_code TEXT NOT NULL REFERENCES districts (code),
    lat REAL NOT NULL CHECK (lat BETWEEN -90 AND 90),
    lon REAL NOT NULL CHECK (lon BETWEEN -180 AND 180),
    tier TEXT NOT NULL CHECK (tier IN ('basic', 'benchmark', 'smart24h')),
    partner_kind TEXT NOT NULL CHECK (partner_kind IN ('union', 'community', 'china_tower',
        'didi', 'convenience_store', 'gas_station', 'enterprise', 'government', 'other')),
    partner_name TEXT,
    opening_hours TEXT,
    tz TEXT,
    status TEXT NOT NULL CHECK (status IN ('planned', 'building', 'open', 'closed_temp',
        'closed')),
    closed_reason TEXT,
    closed_until INTEGER NOT NULL DEFAULT 0,
    phone TEXT,
    seats INTEGER NOT NULL DEFAULT 0 CHECK (seats >= 0),
    livelihood INTEGER NOT NULL DEFAULT 0 CHECK (livelihood IN (0, 1)),
    batch TEXT CHECK (batch IS NULL OR batch IN ('plan', 'standardize', 'upgrade', 'new',
        'rectify', 'publicize')),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    online_maps TEXT NOT NULL DEFAULT '',
    facilities INTEGER NOT NULL DEFAULT 0
);
INSERT INTO stations_0038 (id, code, name, address, district_code, lat, lon, tier, partner_kind,
    partner_name, opening_hours, tz, status, closed_reason, closed_until, phone, seats,
    livelihood, batch, created_at, updated_at, version, online_maps, facilities)
SELECT id, code, name, address, district_code, lat, lon, tier, partner_kind, partner_name,
    opening_hours, tz, status, closed_reason, closed_until, phone, seats, livelihood, batch,
    created_at, updated_at, version, online_maps, facilities FROM stations ORDER BY id;
DROP VIEW station_facilities;
DROP TABLE stations;
ALTER TABLE stations_0038 RENAME TO stations;
CREATE UNIQUE INDEX stations_code ON stations (code);
CREATE INDEX stations_district ON stations (district_code);
CREATE VIEW station_facilities (station_id, facility_code) AS
    SELECT s.id, f.code FROM stations s JOIN facilities f ON ((s.facilities >> f.bit) & 1) = 1;
