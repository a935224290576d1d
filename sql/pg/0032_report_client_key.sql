-- 0032_report_client_key.sql - a report's idempotency key (issue 13): the worker app queues a
-- report made without network and sends it when the network returns; the key it sends
-- (header Idempotency-Key) makes a repeat of the same submission answer the stored one instead
-- of filing it again (src/api/reports.c, docs/internals/reports.md). NULL for reports sent
-- without a key.
ALTER TABLE reports ADD COLUMN client_key TEXT;
CREATE UNIQUE INDEX reports_client_key ON reports (client_key) WHERE client_key IS NOT NULL;
