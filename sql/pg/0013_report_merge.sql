-- 0011_report_merge.sql - a report of a problem already reported joins the open report
-- (issue 10): the same service at the same station, while that one is open, public and not
-- itself a joined submission. The submission is kept whole for the operators, linked by
-- merged_into, and never listed in public; the report it joined counts it in me_too once it
-- is public (a held submission counts when a moderator publishes it).
-- reporter_pos: lat/lon are the reporter's own position (published rounded to 0.001 degree)
-- rather than the station's; rows from before are taken as the reporter's, the safe side.
-- (PostgreSQL dialect of sql/sqlite/0011_report_merge.sql.)
ALTER TABLE reports ADD COLUMN merged_into BIGINT REFERENCES reports (id);
ALTER TABLE reports ADD COLUMN me_too INTEGER NOT NULL DEFAULT 0 CHECK (me_too >= 0);
ALTER TABLE reports ADD COLUMN reporter_pos INTEGER NOT NULL DEFAULT 1
    CHECK (reporter_pos IN (0, 1));
CREATE INDEX reports_merged ON reports (merged_into) WHERE merged_into IS NOT NULL;
