-- tokenwarden schema 1 for MySQL and MariaDB. {p} is the table prefix.
-- Times are Unix microseconds (UTC), NULL for the zero time. Keys and
-- names compared exactly are VARBINARY: byte order, no collation, no
-- trailing-space padding.
CREATE TABLE IF NOT EXISTS {p}roles (
    name        VARBINARY(255) NOT NULL PRIMARY KEY,
    description TEXT NOT NULL,
    scopes      MEDIUMTEXT,
    created     BIGINT,
    updated     BIGINT
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin

CREATE TABLE IF NOT EXISTS {p}tokens (
    id            VARBINARY(255) NOT NULL PRIMARY KEY,
    name          VARCHAR(1000) NOT NULL,
    name_key      VARBINARY(1024) NOT NULL,
    description   TEXT NOT NULL,
    kind          SMALLINT NOT NULL,
    tenant        VARBINARY(1024) NOT NULL,
    role          VARBINARY(255) NULL,
    scopes        MEDIUMTEXT,
    allow         MEDIUMTEXT,
    metadata      MEDIUMTEXT,
    expires       BIGINT,
    quota_limit   BIGINT NOT NULL,
    quota_period  SMALLINT NOT NULL,
    rate_events   BIGINT NOT NULL,
    rate_interval BIGINT NOT NULL,
    rate_burst    BIGINT NOT NULL,
    disabled      SMALLINT NOT NULL,
    hint          VARCHAR(255) NOT NULL,
    created       BIGINT,
    updated       BIGINT,
    last_used     BIGINT,
    version       BIGINT NOT NULL,
    hash          VARBINARY(64) NOT NULL,
    hash_key      VARCHAR(255) NOT NULL,
    prev_hash     VARBINARY(64) NULL,
    prev_key      VARCHAR(255) NOT NULL,
    prev_until    BIGINT,
    UNIQUE KEY {p}tokens_name_key (name_key),
    UNIQUE KEY {p}tokens_hash (hash),
    KEY {p}tokens_prev_hash (prev_hash),
    KEY {p}tokens_tenant (tenant(255), id),
    KEY {p}tokens_role (role),
    FOREIGN KEY (role) REFERENCES {p}roles (name) ON DELETE RESTRICT
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin

CREATE TABLE IF NOT EXISTS {p}usage (
    token_id     VARBINARY(255) NOT NULL,
    window_start BIGINT NOT NULL,
    used         BIGINT NOT NULL,
    PRIMARY KEY (token_id, window_start),
    FOREIGN KEY (token_id) REFERENCES {p}tokens (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin

CREATE TABLE IF NOT EXISTS {p}settings (
    name VARBINARY(64) NOT NULL PRIMARY KEY,
    val  BIGINT NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin
