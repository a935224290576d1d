-- 0016_audit.sql - the audit log (docs/internals/audit.md): every staff write through the API
-- or the CLI, and every refused attempt. Append-only for everyone: the triggers below refuse
-- UPDATE and DELETE, and the code has no path for either.
CREATE TABLE audit (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,                     -- unix seconds
    actor_kind TEXT NOT NULL CHECK (actor_kind IN ('user', 'admin_token', 'cli', 'anonymous')),
    user_id INTEGER,                         -- the user, when one is known (no foreign key:
                                             -- a failed login names the login it tried)
    login TEXT NOT NULL DEFAULT '',          -- the user's login, the login tried, or the OS user
    addr TEXT NOT NULL DEFAULT '',           -- the client's address ('' for the CLI)
    action TEXT NOT NULL,                    -- route name (permission table) or CLI command
    method TEXT NOT NULL DEFAULT '',         -- HTTP method and path, '' for the CLI
    path TEXT NOT NULL DEFAULT '',
    record_kind TEXT NOT NULL DEFAULT '',    -- station, event, canteen, user, review, ...
    record_id INTEGER,
    district TEXT NOT NULL DEFAULT '',       -- the record's district code, '' when none
    before_json TEXT,                        -- the record before (JSON), NULL when unknown
    after_json TEXT,                         -- the record after / the answer (JSON)
    outcome TEXT NOT NULL CHECK (outcome IN ('ok', 'refused', 'failed')),
    status INTEGER NOT NULL DEFAULT 0,       -- the HTTP status, or the CLI's exit code
    reason TEXT NOT NULL DEFAULT ''          -- why it was refused or failed
);
CREATE INDEX audit_user ON audit (user_id, id);
CREATE INDEX audit_record ON audit (record_kind, record_id, id);
CREATE INDEX audit_district ON audit (district, id);
CREATE INDEX audit_at ON audit (at);
CREATE INDEX audit_action ON audit (action, id);

CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
