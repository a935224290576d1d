-- 0023_audit_outcome.sql - the refused attempts of the audit log found through an index, newest
-- first (a filter on outcome read every entry before), and the date index carrying the id, so
-- that a date bound becomes an id bound from the index alone (src/store/audit.c,
-- docs/internals/audit.md).
CREATE INDEX audit_outcome ON audit (outcome, id);
CREATE INDEX audit_at_id ON audit (at, id);
DROP INDEX audit_at;
