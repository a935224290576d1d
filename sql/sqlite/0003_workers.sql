-- 0003_workers.sql - pseudonymous worker identities. No name or phone number is stored: a
-- worker is a random token, and only a BLAKE2b hash of the token is kept.
CREATE TABLE workers (
    id INTEGER PRIMARY KEY,
    token_hash BLOB NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    occupation TEXT NOT NULL CHECK (occupation IN ('rider', 'courier', 'driver', 'sanitation',
        'other')),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
