-- 0036_screen_keys.sql - station screens and the rotating check-in code (issue 14 point 4).
-- A station's screen key is the secret its screen (/screen/<code>#k=<key>) signs the code of
-- each 30-second step with (HMAC-SHA256, docs/internals/screen.md); the server keeps it to
-- check the codes, so it is stored as given, one a station: creating it again replaces it, and
-- the old key stops working at once. A visit whose check-in carried a valid code is
-- `verified` (the worker was in front of the screen): the rating rule and the inspections'
-- proof of presence read it (docs/internals/reviews.md, inspections.md).
CREATE TABLE screen_keys (
    station_id BIGINT PRIMARY KEY REFERENCES stations (id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    created_by BIGINT
);
ALTER TABLE visits ADD COLUMN verified INTEGER NOT NULL DEFAULT 0 CHECK (verified IN (0, 1));
-- The rating rule and the inspections look for a verified visit of a worker at a station; few
-- visits are verified, so the partial index is small and a check-in without a code skips it.
CREATE INDEX visits_verified ON visits (worker_id, station_id, at) WHERE verified = 1;
-- An officer's inspection records whether its proof of presence was a verified visit (a
-- check-in through the station screen's rotating code) rather than a static poster's.
ALTER TABLE inspections ADD COLUMN presence_verified INTEGER NOT NULL DEFAULT 0
    CHECK (presence_verified IN (0, 1));
