-- 0028_self_checks.sql - operators' daily self-checks (issue 12; docs/internals/inspections.md,
-- "Daily self-checks"). A self-check is an inspection on a self_check checklist, submitted at
-- once, and one row here: at most one a station a local day (Asia/Shanghai, "YYYY-MM-DD"),
-- held by the primary key. The row also keeps the self-check out of the scores and tiers
-- (which read the inspections not listed here). failed: criteria failed (tasks opened).
CREATE TABLE self_checks (
    station_id INTEGER NOT NULL,
    day TEXT NOT NULL CHECK (length(day) = 10),
    inspection_id INTEGER NOT NULL UNIQUE REFERENCES inspections (id),
    submitted_by INTEGER REFERENCES users (id),
    submitted_at INTEGER NOT NULL,
    failed INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (station_id, day)
);
CREATE INDEX self_checks_day ON self_checks (day);

-- Why an officer was revoked (POST /api/v1/officers/{id}/revoke), and by whom.
ALTER TABLE officers ADD COLUMN revoked_by INTEGER REFERENCES users (id);
ALTER TABLE officers ADD COLUMN revoke_reason TEXT;
