-- 0012_visit_retention.sql - check-ins are kept for a retention period (400 days by default,
-- docs/internals/visits.md), then deleted; what the statistics count of them stays here, one
-- row a local day (China Standard Time), station and occupation of the worker.
-- day: unix seconds of that day's local midnight. visits: counted visits.
CREATE TABLE visit_days (
    day INTEGER NOT NULL,
    station_id INTEGER NOT NULL,
    occupation TEXT NOT NULL,
    visits INTEGER NOT NULL CHECK (visits > 0),
    PRIMARY KEY (day, station_id, occupation)
);

-- The purge finds and deletes old visits, counted or not, by time; the statistics read
-- counted visits by time through the same index (it replaces the partial one, so a check-in
-- still updates as many indexes as before).
CREATE INDEX visits_at ON visits (at);
DROP INDEX visits_counted_at;
