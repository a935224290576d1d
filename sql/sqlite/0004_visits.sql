-- 0004_visits.sql - check-ins at stations. Only the worker's id, the station's id, the time
-- and whether the visit counted (once per worker, station and 2 hours) are kept: no position.
-- No foreign keys: the history outlives a deleted station, and the API checks both ids before
-- recording.
CREATE TABLE visits (
    id INTEGER PRIMARY KEY,
    worker_id INTEGER NOT NULL,
    station_id INTEGER NOT NULL,
    at INTEGER NOT NULL,
    counted INTEGER NOT NULL CHECK (counted IN (0, 1))
);

-- The 2-hour rule looks for a counted visit of the same worker at the same station.
CREATE INDEX visits_dedupe ON visits (worker_id, station_id, at) WHERE counted = 1;
-- Statistics scan counted visits by time.
CREATE INDEX visits_counted_at ON visits (at) WHERE counted = 1;
