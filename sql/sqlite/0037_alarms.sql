-- 0037_alarms.sql - alarms as data (issue 14, point 3; docs/internals/alarms.md): the rules
-- (each kind's duration, threshold and acknowledgement window, which an admin may change), the
-- alarms they open on a station's device, and the link from a rectification task back to the
-- alarm it was made from.

-- kind: what is watched (docs/internals/alarms.md). duration_s: how long the condition holds
-- before an alarm opens (no_heartbeat: the silence). threshold: ac_off_hot's room temperature
-- (°C) above which an air conditioner off is an alarm, NULL for the others. ack_s: an alarm not
-- acknowledged this long after it opened goes to the district admins too.
CREATE TABLE alarm_rules (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL UNIQUE CHECK (kind IN ('cabinet_empty', 'ac_off_hot', 'door_open_closed',
                                              'no_heartbeat')),
    duration_s INTEGER NOT NULL CHECK (duration_s BETWEEN 0 AND 86400),
    threshold REAL CHECK ((kind = 'ac_off_hot') = (threshold IS NOT NULL)),
    ack_s INTEGER NOT NULL DEFAULT 900 CHECK (ack_s BETWEEN 60 AND 86400),
    enabled INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    version INTEGER NOT NULL DEFAULT 1
);
INSERT INTO alarm_rules (id, kind, duration_s, threshold, ack_s) VALUES
    (1, 'cabinet_empty', 1800, NULL, 900),
    (2, 'ac_off_hot', 600, 30, 900),
    (3, 'door_open_closed', 300, NULL, 900),
    (4, 'no_heartbeat', 600, NULL, 900);

-- One alarm of a rule on a device. station_id and device_id have no foreign key (as tasks):
-- an alarm outlives a deleted device as a record. district_code: the station's when opened
-- (the district admins' scope). since_ms: when the condition began (unix ms); the times in
-- seconds. level: operator, or district once escalated. At most one open alarm per rule and
-- device (the partial unique index): two nodes evaluating at once open it once.
CREATE TABLE alarms (
    id INTEGER PRIMARY KEY,
    rule_id INTEGER NOT NULL REFERENCES alarm_rules (id),
    station_id INTEGER NOT NULL,
    district_code TEXT NOT NULL DEFAULT '',
    device_id INTEGER NOT NULL,
    device_kind TEXT NOT NULL,
    since_ms INTEGER NOT NULL,
    opened_at INTEGER NOT NULL,
    level TEXT NOT NULL DEFAULT 'operator' CHECK (level IN ('operator', 'district')),
    escalated_at INTEGER,
    acked_at INTEGER,
    acked_by INTEGER REFERENCES users (id),
    closed_at INTEGER,
    task_id INTEGER REFERENCES tasks (id)
);
CREATE UNIQUE INDEX alarms_open ON alarms (rule_id, device_id) WHERE closed_at IS NULL;
CREATE INDEX alarms_station ON alarms (station_id, opened_at);
CREATE INDEX alarms_opened ON alarms (opened_at);

-- A task made from an alarm (source 'manual', no inspection nor report): once per alarm.
ALTER TABLE tasks ADD COLUMN alarm_id INTEGER REFERENCES alarms (id);
CREATE UNIQUE INDEX tasks_alarm ON tasks (alarm_id) WHERE alarm_id IS NOT NULL;
