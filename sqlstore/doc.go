// Package sqlstore is a token.Store over database/sql for PostgreSQL,
// MySQL/MariaDB and SQLite: the store to use when several instances of an
// application share tokens, quotas and the maintenance switch, or when
// tokens must survive a restart.
//
// The package imports no driver; the application opens the database with
// the driver of its choice and names the dialect:
//
//	// PostgreSQL, github.com/jackc/pgx/v5/stdlib
//	db, err := sql.Open("pgx", "postgres://app@db:5432/app")
//	s, err := sqlstore.New(db, sqlstore.Postgres)
//
//	// MySQL or MariaDB, github.com/go-sql-driver/mysql
//	db, err := sql.Open("mysql", "app@tcp(db:3306)/app")
//	s, err := sqlstore.New(db, sqlstore.MySQL)
//
//	// SQLite, modernc.org/sqlite (pure Go): WAL and a busy timeout
//	db, err := sql.Open("sqlite", "file:/var/lib/app/tokens.db?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)")
//	s, err := sqlstore.New(db, sqlstore.SQLite)
//
//	err = s.Migrate(ctx)                         // every start, from any number of instances
//	m, err := token.NewManager(s, token.WithPrefix("acme"))
//
// # What is stored
//
// Only hashes of secrets are stored, never a plaintext, and tokens are
// looked up by hash through an index. Times are passed in by the caller
// and stored as Unix microseconds in UTC (truncated, never rounded up); no
// statement reads the database clock. Token names are unique under
// token.FoldName, enforced by a unique index on a name_key column, whatever
// the database collation.
//
// # Quotas
//
// ConsumeQuota is one statement: an upsert of the (token, window) counter
// whose update happens only while the counter is below the limit, so the
// count is exact under any concurrency, from any number of connections and
// processes, and a denied request writes nothing. Counters are kept per
// token per window start, so past windows stay readable with QuotaUsed;
// deleting a token deletes its counters.
//
// # Errors
//
// A duplicate name or hash is token.ErrDuplicate, a missing row
// token.ErrNotFound, an unknown role token.ErrUnknownRole and the deletion
// of a role in use token.ErrRoleInUse; the role rules are foreign keys
// (triggers on SQLite), so they hold atomically. Every other failure (a
// lost connection, a timeout, a cancelled context) is returned wrapped
// with %w: errors.Is and errors.As reach the driver's error and ctx.Err(),
// and a Manager fails closed on it.
//
// # SQLite
//
// Open a file (not ":memory:", which gives every pooled connection its own
// empty database) with journal_mode(WAL), so readers never wait for the
// writer, and busy_timeout, so writers of other processes wait for each
// other instead of failing. Within one process the Store queues its own
// writers. Each write commits with an fsync; adding
// _pragma=synchronous(NORMAL) trades durability on power loss (not on a
// crash of the process) for much cheaper commits. Quota consumption is
// still one statement (INSERT … ON CONFLICT
// … RETURNING, SQLite 3.35 or later). Foreign keys are enforced by triggers
// whether or not the connection sets PRAGMA foreign_keys.
//
// # MySQL and MariaDB
//
// Do not set clientFoundRows in the DSN. parseTime is not needed: times
// are integers. ConsumeQuota reads the counter's previous value through
// LAST_INSERT_ID(expr), which is per connection and needs no transaction.
//
// # Schema
//
// Migrate creates and upgrades the schema from migrations embedded in the
// package, one set per dialect (migrations/<dialect>/NNNN_name.sql), and
// records the applied versions in <prefix>schema. It serialises
// concurrent callers on a lock and refuses a schema newer than it knows
// (ErrSchemaTooNew). Teams with their own migration tool can take the
// statements from Schema instead, and should keep the <prefix>schema rows
// so that a later Migrate knows where it stands. The tables, shown for
// PostgreSQL with the default prefix (MySQL uses VARBINARY for exactly
// compared text and has no last_grant column; SQLite uses INTEGER, TEXT and
// BLOB and adds triggers):
//
//	CREATE TABLE tokenwarden_roles (
//	    name        TEXT COLLATE "C" PRIMARY KEY,
//	    description TEXT NOT NULL,
//	    scopes      TEXT,           -- JSON array, NULL for none
//	    created     BIGINT,         -- Unix microseconds, NULL for the zero time
//	    updated     BIGINT
//	);
//	CREATE TABLE tokenwarden_tokens (
//	    id            TEXT COLLATE "C" PRIMARY KEY,
//	    name          TEXT NOT NULL,
//	    name_key      TEXT COLLATE "C" NOT NULL UNIQUE,  -- token.FoldName(name)
//	    description   TEXT NOT NULL,
//	    kind          SMALLINT NOT NULL,                 -- 1 internal, 2 external
//	    tenant        TEXT COLLATE "C" NOT NULL,
//	    role          TEXT COLLATE "C" REFERENCES tokenwarden_roles (name) ON DELETE RESTRICT,
//	    scopes        TEXT,                              -- JSON array
//	    allow         TEXT,                              -- JSON array of CIDR prefixes
//	    metadata      TEXT,                              -- JSON object
//	    expires       BIGINT,
//	    quota_limit   BIGINT NOT NULL,
//	    quota_period  SMALLINT NOT NULL,                 -- 1 day, 2 month, 3 total
//	    rate_events   BIGINT NOT NULL,
//	    rate_interval BIGINT NOT NULL,                   -- nanoseconds
//	    rate_burst    BIGINT NOT NULL,
//	    disabled      SMALLINT NOT NULL,
//	    hint          TEXT NOT NULL,
//	    created       BIGINT,
//	    updated       BIGINT,
//	    last_used     BIGINT,
//	    version       BIGINT NOT NULL,
//	    hash          BYTEA NOT NULL UNIQUE,             -- SHA-256 or HMAC-SHA-256, 32 bytes
//	    hash_key      TEXT NOT NULL,
//	    prev_hash     BYTEA,                             -- indexed
//	    prev_key      TEXT NOT NULL,
//	    prev_until    BIGINT
//	);
//	CREATE TABLE tokenwarden_usage (
//	    token_id     TEXT COLLATE "C" NOT NULL REFERENCES tokenwarden_tokens (id) ON DELETE CASCADE,
//	    window_start BIGINT NOT NULL,                    -- Unix microseconds
//	    used         BIGINT NOT NULL,
//	    last_grant   BIGINT NOT NULL,                    -- units granted by the last consume
//	    PRIMARY KEY (token_id, window_start)
//	);
//	CREATE TABLE tokenwarden_settings (name TEXT COLLATE "C" PRIMARY KEY, val BIGINT NOT NULL);
//	CREATE TABLE tokenwarden_schema (version INTEGER PRIMARY KEY, name TEXT NOT NULL);
//
// with indexes on tokens (prev_hash), (tenant, id) and (role).
package sqlstore
