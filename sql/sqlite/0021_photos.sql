-- 0021_photos.sql - photos uploaded by staff (docs/internals/photos.md): one row per distinct
-- re-encoded image, named by the SHA-256 of its JPEG bytes. On SQLite the bytes are files under
-- the photo folder (<photo-dir>/<first two hex>/<sha256>.jpg and .thumb.jpg), written before
-- the row, so a row never names a file that is not there.
CREATE TABLE photos (
    id INTEGER PRIMARY KEY,
    sha256 TEXT NOT NULL UNIQUE CHECK (length(sha256) = 64),
    station_id INTEGER REFERENCES stations (id) ON DELETE SET NULL,
    uploader_user_id INTEGER,                  -- the staff user who uploaded it, or NULL
    uploader_worker_id INTEGER,                -- the worker (experience officer), or NULL
    width INTEGER NOT NULL,                    -- px of the re-encoded photo
    height INTEGER NOT NULL,
    bytes INTEGER NOT NULL,                    -- of the re-encoded JPEG
    thumb_bytes INTEGER NOT NULL,
    created_at INTEGER NOT NULL,               -- unix seconds
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected')),
    kind TEXT NOT NULL DEFAULT '',             -- what it shows or is for: 'station', 'inspection', ...
    status_at INTEGER,                         -- when the status last changed
    status_by INTEGER                          -- the user who changed it
);
CREATE INDEX photos_station ON photos (station_id, status, id);
