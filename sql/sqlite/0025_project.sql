-- 0025_project.sql - the livelihood project's milestones (docs/internals/project.md): for each
-- station of the project, a version (If-Match) in project_stations, and one row a milestone
-- (planned, site_agreed, building, accepted, open) with its planned and actual dates as local
-- days since 1970-01-01 (NULL: none) and a note. Deleting a station deletes its milestones.
CREATE TABLE project_stations (
    station_id INTEGER PRIMARY KEY REFERENCES stations (id) ON DELETE CASCADE,
    version INTEGER NOT NULL DEFAULT 1,
    updated_at INTEGER NOT NULL
);
CREATE TABLE project_milestones (
    station_id INTEGER NOT NULL REFERENCES project_stations (station_id) ON DELETE CASCADE,
    milestone TEXT NOT NULL
        CHECK (milestone IN ('planned', 'site_agreed', 'building', 'accepted', 'open')),
    planned_on INTEGER,
    done_on INTEGER,
    note TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (station_id, milestone)
);
