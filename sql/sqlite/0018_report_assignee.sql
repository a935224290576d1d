-- 0018_report_assignee.sql - the console's problem reports board and moderation queue
-- (issue 11): a report can be assigned to a user (an operator or district admin whose scope
-- covers the report's station; the API checks it), and a held report text a moderator
-- rejected stays hidden and leaves the queue (text_rejected = 1; held_reasons keeps why it
-- was held). Deleting a user is not offered (they are disabled), so the reference holds.
ALTER TABLE reports ADD COLUMN assigned_to INTEGER REFERENCES users (id);
ALTER TABLE reports ADD COLUMN text_rejected INTEGER NOT NULL DEFAULT 0
    CHECK (text_rejected IN (0, 1));
CREATE INDEX reports_assigned ON reports (assigned_to) WHERE assigned_to IS NOT NULL;
