-- tokenwarden schema 1 for PostgreSQL. {p} is the table prefix.
-- Times are Unix microseconds (UTC), NULL for the zero time.
CREATE TABLE {p}roles (
    name        TEXT COLLATE "C" PRIMARY KEY,
    description TEXT NOT NULL,
    scopes      TEXT,
    created     BIGINT,
    updated     BIGINT
)

CREATE TABLE {p}tokens (
    id            TEXT COLLATE "C" PRIMARY KEY,
    name          TEXT NOT NULL,
    name_key      TEXT COLLATE "C" NOT NULL,
    description   TEXT NOT NULL,
    kind          SMALLINT NOT NULL,
    tenant        TEXT COLLATE "C" NOT NULL,
    role          TEXT COLLATE "C" REFERENCES {p}roles (name) ON DELETE RESTRICT,
    scopes        TEXT,
    allow         TEXT,
    metadata      TEXT,
    expires       BIGINT,
    quota_limit   BIGINT NOT NULL,
    quota_period  SMALLINT NOT NULL,
    rate_events   BIGINT NOT NULL,
    rate_interval BIGINT NOT NULL,
    rate_burst    BIGINT NOT NULL,
    disabled      SMALLINT NOT NULL,
    hint          TEXT NOT NULL,
    created       BIGINT,
    updated       BIGINT,
    last_used     BIGINT,
    version       BIGINT NOT NULL,
    hash          BYTEA NOT NULL,
    hash_key      TEXT NOT NULL,
    prev_hash     BYTEA,
    prev_key      TEXT NOT NULL,
    prev_until    BIGINT,
    CONSTRAINT {p}tokens_name_key UNIQUE (name_key),
    CONSTRAINT {p}tokens_hash UNIQUE (hash)
)

CREATE INDEX {p}tokens_prev_hash ON {p}tokens (prev_hash)

CREATE INDEX {p}tokens_tenant ON {p}tokens (tenant, id)

CREATE INDEX {p}tokens_role ON {p}tokens (role)

CREATE TABLE {p}usage (
    token_id     TEXT COLLATE "C" NOT NULL REFERENCES {p}tokens (id) ON DELETE CASCADE,
    window_start BIGINT NOT NULL,
    used         BIGINT NOT NULL,
    last_grant   BIGINT NOT NULL,
    PRIMARY KEY (token_id, window_start)
)

CREATE TABLE {p}settings (
    name TEXT COLLATE "C" PRIMARY KEY,
    val  BIGINT NOT NULL
)
