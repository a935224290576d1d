-- 0039_rollup_fold.sql - the watermark of the roll-ups' fold (issue 16 point 5,
-- docs/internals/stats.md). On PostgreSQL a check-in's batch writes only its visits and the
-- roll-ups are folded from the visits with id > folded_id; SQLite's committer still writes
-- them in each batch's transaction, so here the column only keeps the two schemas alike (the
-- rebuild sets it; nothing else reads it).
ALTER TABLE rollup_state ADD COLUMN folded_id INTEGER NOT NULL DEFAULT 0;
UPDATE rollup_state SET folded_id = (SELECT coalesce(max(id), 0) FROM visits);
