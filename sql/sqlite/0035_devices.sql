-- 0035_devices.sql - station devices and their readings (issue 14, points 1 and 2;
-- docs/internals/live.md): the registry with each device's key, the nonces of signed HTTP
-- requests (so a replay is refused on every node and after a restart), the raw time series
-- (kept --readings-days), its hourly down-sampling (kept 400 days), and the latest value of
-- each metric per device, from which a node rebuilds its live status.

-- kind: model/device.h. key: 32 random bytes as base64url without padding (the device's
-- secret). last_seen: unix milliseconds of the last committed message, NULL before.
CREATE TABLE devices (
    id INTEGER PRIMARY KEY,
    station_id INTEGER NOT NULL REFERENCES stations (id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('battery_cabinet', 'people_counter', 'door',
                                       'air_conditioner', 'water_dispenser', 'power')),
    name TEXT NOT NULL DEFAULT '',
    key TEXT NOT NULL CHECK (length(key) = 43),
    created_at INTEGER NOT NULL,
    disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    last_seen INTEGER
);
CREATE INDEX devices_station ON devices (station_id);

-- at: unix seconds the nonce was first used; rows older than 10 minutes are deleted.
CREATE TABLE device_nonces (
    device_id INTEGER NOT NULL,
    nonce TEXT NOT NULL,
    at INTEGER NOT NULL,
    PRIMARY KEY (device_id, nonce)
) WITHOUT ROWID;
CREATE INDEX device_nonces_at ON device_nonces (at);

-- One row per metric of a reading; (device, seq) is one message of the device. ts: unix ms.
CREATE TABLE device_readings (
    device_id INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    metric INTEGER NOT NULL,
    ts INTEGER NOT NULL,
    value REAL NOT NULL,
    PRIMARY KEY (device_id, seq, metric)
) WITHOUT ROWID;
CREATE INDEX device_readings_ts ON device_readings (ts);

-- hour: unix seconds of the hour's start (UTC). last: the value with the greatest ts, last_ts.
CREATE TABLE device_readings_hourly (
    device_id INTEGER NOT NULL,
    metric INTEGER NOT NULL,
    hour INTEGER NOT NULL,
    n INTEGER NOT NULL,
    min REAL NOT NULL,
    max REAL NOT NULL,
    sum REAL NOT NULL,
    last REAL NOT NULL,
    last_ts INTEGER NOT NULL,
    PRIMARY KEY (device_id, metric, hour)
) WITHOUT ROWID;
CREATE INDEX device_readings_hourly_hour ON device_readings_hourly (hour);

-- values: {"metric":[value, ts_ms], ...} the latest of each; ts: the latest message's ts;
-- updated_ms: when a node last wrote the row (other nodes refresh what changed since).
CREATE TABLE device_status (
    device_id INTEGER PRIMARY KEY,
    station_id INTEGER NOT NULL,
    ts INTEGER NOT NULL,
    "values" TEXT NOT NULL,
    updated_ms INTEGER NOT NULL
);
CREATE INDEX device_status_updated ON device_status (updated_ms);
