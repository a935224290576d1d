-- 0026_tasks.sql - rectification tasks (issue 12, point 5; docs/internals/tasks.md): a task
-- for a station's operator for each failed criterion of a submitted inspection, or made from
-- a worker's problem report; its deadline by severity; the operator's answer, an inspector's
-- verification, the history of its steps, its escalation when overdue; and the inbox of
-- notifications each user reads in the console (and that an optional webhook forwards).

-- Days to fix a failure, by severity (data: change a row, not the code).
CREATE TABLE task_deadlines (
    severity TEXT PRIMARY KEY CHECK (severity IN ('low', 'medium', 'high')),
    days INTEGER NOT NULL CHECK (days BETWEEN 1 AND 365)
);
INSERT INTO task_deadlines (severity, days) VALUES ('high', 3), ('medium', 7), ('low', 14);

-- status: open -> answered -> closed, or answered -> reopened -> answered ...; closed may be
-- reopened. station_id has no foreign key (as for events); district_code is the station's
-- when the task was opened (the scope of district admins and of escalation).
CREATE TABLE tasks (
    id INTEGER PRIMARY KEY,
    station_id INTEGER NOT NULL,
    district_code TEXT NOT NULL DEFAULT '',
    source TEXT NOT NULL CHECK (source IN ('inspection', 'report', 'manual')),
    inspection_id INTEGER REFERENCES inspections (id),
    criterion_code TEXT,
    report_id INTEGER REFERENCES reports (id),
    title TEXT NOT NULL CHECK (length(title) > 0),
    title_hant TEXT NOT NULL CHECK (length(title_hant) > 0),
    title_en TEXT NOT NULL CHECK (length(title_en) > 0),
    severity TEXT NOT NULL CHECK (severity IN ('low', 'medium', 'high')),
    status TEXT NOT NULL CHECK (status IN ('open', 'answered', 'closed', 'reopened')),
    created_at INTEGER NOT NULL,
    deadline INTEGER NOT NULL,
    created_by INTEGER REFERENCES users (id),
    inspector_id INTEGER REFERENCES users (id),
    answer TEXT,
    answer_photos TEXT NOT NULL DEFAULT '',
    answered_by INTEGER REFERENCES users (id),
    answered_at INTEGER,
    verified_by INTEGER REFERENCES users (id),
    verified_at INTEGER,
    verify_note TEXT,
    escalated_at INTEGER,
    version INTEGER NOT NULL DEFAULT 1,
    CHECK ((source = 'inspection') = (inspection_id IS NOT NULL)),
    CHECK ((source = 'report') = (report_id IS NOT NULL))
);
CREATE UNIQUE INDEX tasks_criterion ON tasks (inspection_id, criterion_code)
    WHERE inspection_id IS NOT NULL;
CREATE UNIQUE INDEX tasks_report ON tasks (report_id) WHERE report_id IS NOT NULL;
CREATE INDEX tasks_station ON tasks (station_id, status);
CREATE INDEX tasks_due ON tasks (status, deadline);

-- Every step of a task: open, answer, close, reopen, escalate. by_user NULL: the system or
-- the admin token.
CREATE TABLE task_events (
    id INTEGER PRIMARY KEY,
    task_id INTEGER NOT NULL REFERENCES tasks (id),
    at INTEGER NOT NULL,
    by_user INTEGER REFERENCES users (id),
    action TEXT NOT NULL CHECK (action IN ('open', 'answer', 'close', 'reopen', 'escalate')),
    note TEXT
);
CREATE INDEX task_events_task ON task_events (task_id, id);

-- A user's inbox. pushed_at: when the webhook sender took it (NULL: not yet, or no webhook).
CREATE TABLE notifications (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id),
    kind TEXT NOT NULL CHECK (kind IN ('task_new', 'task_answered', 'task_escalated',
        'task_reopened', 'task_closed')),
    task_id INTEGER REFERENCES tasks (id),
    text TEXT NOT NULL,
    text_hant TEXT NOT NULL,
    text_en TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    read_at INTEGER,
    pushed_at INTEGER
);
CREATE INDEX notifications_user ON notifications (user_id, id);
CREATE INDEX notifications_unpushed ON notifications (id) WHERE pushed_at IS NULL;
