-- tokenwarden schema 1 for SQLite. {p} is the table prefix.
-- Times are Unix microseconds (UTC), NULL for the zero time. TEXT compares
-- bytewise (the BINARY collation). The foreign keys are declared, and
-- triggers enforce the same rules whether or not the connection runs with
-- PRAGMA foreign_keys=ON.
CREATE TABLE {p}roles (
    name        TEXT PRIMARY KEY,
    description TEXT NOT NULL,
    scopes      TEXT,
    created     INTEGER,
    updated     INTEGER
)

CREATE TABLE {p}tokens (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    name_key      TEXT NOT NULL,
    description   TEXT NOT NULL,
    kind          INTEGER NOT NULL,
    tenant        TEXT NOT NULL,
    role          TEXT REFERENCES {p}roles (name) ON DELETE RESTRICT,
    scopes        TEXT,
    allow         TEXT,
    metadata      TEXT,
    expires       INTEGER,
    quota_limit   INTEGER NOT NULL,
    quota_period  INTEGER NOT NULL,
    rate_events   INTEGER NOT NULL,
    rate_interval INTEGER NOT NULL,
    rate_burst    INTEGER NOT NULL,
    disabled      INTEGER NOT NULL,
    hint          TEXT NOT NULL,
    created       INTEGER,
    updated       INTEGER,
    last_used     INTEGER,
    version       INTEGER NOT NULL,
    hash          BLOB NOT NULL,
    hash_key      TEXT NOT NULL,
    prev_hash     BLOB,
    prev_key      TEXT NOT NULL,
    prev_until    INTEGER
)

CREATE UNIQUE INDEX {p}tokens_name_key ON {p}tokens (name_key)

CREATE UNIQUE INDEX {p}tokens_hash ON {p}tokens (hash)

CREATE INDEX {p}tokens_prev_hash ON {p}tokens (prev_hash)

CREATE INDEX {p}tokens_tenant ON {p}tokens (tenant, id)

CREATE INDEX {p}tokens_role ON {p}tokens (role)

CREATE TABLE {p}usage (
    token_id     TEXT NOT NULL REFERENCES {p}tokens (id) ON DELETE CASCADE,
    window_start INTEGER NOT NULL,
    used         INTEGER NOT NULL,
    last_grant   INTEGER NOT NULL,
    PRIMARY KEY (token_id, window_start)
) WITHOUT ROWID

CREATE TABLE {p}settings (
    name TEXT PRIMARY KEY,
    val  INTEGER NOT NULL
)

CREATE TRIGGER {p}tokens_role_insert BEFORE INSERT ON {p}tokens
WHEN NEW.role IS NOT NULL AND NOT EXISTS (SELECT 1 FROM {p}roles WHERE name = NEW.role)
BEGIN
    SELECT RAISE(ABORT, 'tokenwarden: unknown role');
END

CREATE TRIGGER {p}tokens_role_update BEFORE UPDATE OF role ON {p}tokens
WHEN NEW.role IS NOT NULL AND NOT EXISTS (SELECT 1 FROM {p}roles WHERE name = NEW.role)
BEGIN
    SELECT RAISE(ABORT, 'tokenwarden: unknown role');
END

CREATE TRIGGER {p}roles_in_use BEFORE DELETE ON {p}roles
WHEN EXISTS (SELECT 1 FROM {p}tokens WHERE role = OLD.name)
BEGIN
    SELECT RAISE(ABORT, 'tokenwarden: role in use');
END

CREATE TRIGGER {p}usage_token BEFORE INSERT ON {p}usage
WHEN NOT EXISTS (SELECT 1 FROM {p}tokens WHERE id = NEW.token_id)
BEGIN
    SELECT RAISE(ABORT, 'tokenwarden: unknown token');
END

CREATE TRIGGER {p}tokens_delete_usage AFTER DELETE ON {p}tokens
BEGIN
    DELETE FROM {p}usage WHERE token_id = OLD.id;
END
