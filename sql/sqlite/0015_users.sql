-- 0011_users.sql - the people who run the network: accounts, their roles with scopes, their
-- sessions (only a BLAKE2b hash of each token is kept) and failed logins for the limits
-- (docs/internals/accounts.md). Users are disabled, never deleted.
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    login TEXT NOT NULL CHECK (length(login) BETWEEN 1 AND 64),
    login_key TEXT NOT NULL UNIQUE,          -- login in lower case: unique case-insensitively
    name TEXT NOT NULL DEFAULT '' CHECK (length(name) <= 64),
    pw_hash TEXT NOT NULL,                   -- Argon2id, crypto_pwhash_str's string
    disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    version INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

-- One grant of a role to a user; `scope` is a comma-separated list whose items the role
-- defines (district codes, station ids, partner=NAME, canteen ids), '' for none.
CREATE TABLE user_roles (
    user_id INTEGER NOT NULL REFERENCES users(id),
    role TEXT NOT NULL CHECK (role IN ('city_admin', 'district_admin', 'operator', 'inspector',
        'moderator', 'canteen', 'viewer')),
    scope TEXT NOT NULL DEFAULT '' CHECK (length(scope) <= 1000),
    PRIMARY KEY (user_id, role)
);

CREATE TABLE sessions (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    token_hash BLOB NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    csrf TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    last_seen INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,             -- the absolute end; the idle end is last_seen + idle
    user_agent TEXT NOT NULL DEFAULT '',
    addr TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user ON sessions (user_id);

-- Failed logins per key ('u:' + login_key, or 'a:' + address) in the current window.
CREATE TABLE login_failures (
    key TEXT PRIMARY KEY,
    failures INTEGER NOT NULL,
    window_start INTEGER NOT NULL,
    locked_until INTEGER NOT NULL DEFAULT 0
);
