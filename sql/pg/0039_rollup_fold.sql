-- 0039_rollup_fold.sql - (PostgreSQL dialect) the watermark of the roll-ups' fold (issue 16
-- point 5, docs/internals/stats.md): a check-in's batch writes only its visits, and the
-- roll-ups are folded from the counted visits with id > folded_id, in the same transaction
-- that moves folded_id, under the committers' advisory lock. Until now every batch wrote its
-- roll-ups, so every visit stored is in them.
ALTER TABLE rollup_state ADD COLUMN folded_id BIGINT NOT NULL DEFAULT 0;
UPDATE rollup_state SET folded_id = (SELECT coalesce(max(id), 0) FROM visits);
