-- 0011_rating_verified.sql - a rating is "verified" when its worker is known to have used the
-- station: a check-in there by the same worker in the 30 days before, and the position sent
-- with the rating within 300 m of the station (docs/internals/reviews.md, "Verified ratings").
-- Decided once, when the rating is written; the position itself is not kept. A verified rating
-- weighs 1 in the station's score, the unverified ones together weigh at most 1/8.
ALTER TABLE ratings ADD COLUMN verified INTEGER NOT NULL DEFAULT 0 CHECK (verified IN (0, 1));

-- Ratings written before this migration had no position: the check-in alone is the evidence
-- there is. A rating counts as verified when its worker had a counted visit at the station in
-- the 30 days up to the rating; the others (throwaway tokens among them) become unverified.
UPDATE ratings SET verified = 1 WHERE EXISTS (
    SELECT 1 FROM visits v WHERE v.worker_id = ratings.worker_id
       AND v.station_id = ratings.station_id AND v.counted = 1
       AND v.at > ratings.created_at - 2592000 AND v.at <= ratings.created_at);
