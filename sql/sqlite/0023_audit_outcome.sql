-- 0023_audit_outcome.sql - the refused attempts of the audit log found through an index, newest
-- first (a filter on outcome read every entry before; docs/internals/audit.md). The date
-- index needs no id column here: SQLite's indexes carry the rowid (the id).
CREATE INDEX audit_outcome ON audit (outcome, id);
