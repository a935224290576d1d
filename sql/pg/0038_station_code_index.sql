-- 0038_station_code_index.sql - nothing to change on PostgreSQL (issue 16). On SQLite this
-- number rebuilds stations so that the uniqueness of code is a named index a bulk load can
-- drop and build after its rows; a PostgreSQL UNIQUE constraint is already a named index
-- (stations_code_key) that can be dropped and added in a transaction. Kept so that both
-- dialects carry the same numbers.
-- A statement that changes nothing (the migration runner wants a command, not rows).
DO $$ BEGIN END $$;
