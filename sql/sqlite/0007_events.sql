-- 0007_events.sql - events at stations and workers' sign-ups per occurrence. An event is
-- one-off (starts_at..ends_at, unix seconds) or weekly (weekdays bit 0 = Monday, local
-- minutes start_min..end_min, local dates valid_from..valid_until as days since
-- 1970-01-01). DELETE through the API cancels (cancelled_at) and keeps the history.
-- station_id has no foreign key so that deleting a station never fails on its events;
-- events of a station that no longer exists are ignored by the read path.
CREATE TABLE events (
    id INTEGER PRIMARY KEY,
    station_id INTEGER NOT NULL,
    title TEXT NOT NULL CHECK (length(title) > 0),
    description TEXT,
    category TEXT NOT NULL CHECK (category IN ('free_meal', 'cheap_meal', 'health', 'activity',
        'service')),
    weekly INTEGER NOT NULL CHECK (weekly IN (0, 1)),
    starts_at INTEGER,
    ends_at INTEGER,
    weekdays INTEGER CHECK (weekdays BETWEEN 0 AND 127),
    start_min INTEGER CHECK (start_min BETWEEN 0 AND 1439),
    end_min INTEGER CHECK (end_min BETWEEN 1 AND 1440),
    valid_from INTEGER,
    valid_until INTEGER,
    capacity INTEGER CHECK (capacity IS NULL OR capacity > 0),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    cancelled_at INTEGER,
    CHECK (weekly = 1 OR (starts_at IS NOT NULL AND ends_at > starts_at)),
    CHECK (weekly = 0 OR (weekdays > 0 AND end_min > start_min AND valid_from IS NOT NULL))
);
CREATE INDEX events_station ON events (station_id);

-- One row a worker signed up for an occurrence (event, local date). A cancelled sign-up is
-- deleted. The primary key makes a second sign-up by the same worker impossible.
CREATE TABLE event_signups (
    event_id INTEGER NOT NULL REFERENCES events (id),
    occurrence INTEGER NOT NULL,
    worker_id INTEGER NOT NULL REFERENCES workers (id),
    created_at INTEGER NOT NULL,
    PRIMARY KEY (event_id, occurrence, worker_id)
) WITHOUT ROWID;
CREATE INDEX event_signups_occurrence ON event_signups (occurrence);
