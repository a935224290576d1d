-- 0001_init.sql - stations, their facilities and districts (SQLite dialect).
-- Enumerations are stored by name so that the database reads well on its own; the C code
-- checks them before writing, the CHECK constraints are the last line of defence.
CREATE TABLE facilities (
    code TEXT PRIMARY KEY,
    label TEXT NOT NULL,
    label_hant TEXT NOT NULL,
    label_en TEXT NOT NULL,
    bit INTEGER NOT NULL UNIQUE CHECK (bit BETWEEN 0 AND 63)
);

CREATE TABLE districts (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    name_hant TEXT NOT NULL,
    lat REAL NOT NULL DEFAULT 0,
    lon REAL NOT NULL DEFAULT 0
);

CREATE TABLE stations (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
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
    version INTEGER NOT NULL DEFAULT 1
);

CREATE INDEX stations_district ON stations (district_code);

CREATE TABLE station_facilities (
    station_id INTEGER NOT NULL REFERENCES stations (id) ON DELETE CASCADE,
    facility_code TEXT NOT NULL REFERENCES facilities (code),
    PRIMARY KEY (station_id, facility_code)
) WITHOUT ROWID;

-- Public holidays, for the PH selector of opening hours. Data, extended each year when the
-- State Council publishes the next year's arrangement.
CREATE TABLE holidays (
    day TEXT PRIMARY KEY CHECK (day GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    name TEXT NOT NULL
);
