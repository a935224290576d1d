-- 0009_report_screening.sql - problem report descriptions are screened like reviews: a text
-- that looks like spam is kept but not shown in public until a moderator publishes it.
-- held_reasons: NULL = public; else the reasons, comma-separated ("advert,phone").
-- (PostgreSQL dialect of sql/sqlite/0009_report_screening.sql.)
ALTER TABLE reports ADD COLUMN held_reasons TEXT;
