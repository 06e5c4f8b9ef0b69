package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
)

//go:embed migrations
var migrationFS embed.FS

// ErrSchemaTooNew is returned by Migrate when the database holds a schema
// version newer than this package knows: a newer release of the library
// migrated it. Upgrade this program rather than run it against that schema.
var ErrSchemaTooNew = errors.New("sqlstore: database schema is newer than this version of sqlstore")

// migration is one embedded, versioned schema change.
type migration struct {
	version    int
	name       string
	statements []string // templates with {p}
}

// migrations returns d's embedded migrations in version order. Files are
// named NNNN_name.sql and hold statements separated by blank lines.
func migrations(d Dialect) ([]migration, error) {
	dir := path.Join("migrations", d.String())
	entries, err := fs.ReadDir(migrationFS, dir)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: migrations for %s: %w", d, err)
	}
	var out []migration
	for _, e := range entries {
		base, ok := strings.CutSuffix(e.Name(), ".sql")
		if !ok {
			continue
		}
		num, name, _ := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if err != nil {
			return nil, fmt.Errorf("sqlstore: migration %s: file name must start with a version number", e.Name())
		}
		b, err := fs.ReadFile(migrationFS, path.Join(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("sqlstore: migration %s: %w", e.Name(), err)
		}
		out = append(out, migration{version: v, name: name, statements: splitStatements(string(b))})
	}
	slices.SortFunc(out, func(a, b migration) int { return a.version - b.version })
	for i, m := range out {
		if m.version != i+1 {
			return nil, fmt.Errorf("sqlstore: %s migrations: version %d found where %d was expected", d, m.version, i+1)
		}
	}
	return out, nil
}

// splitStatements splits a migration at blank lines, dropping blocks that
// hold only comments.
func splitStatements(src string) []string {
	var out []string
	for _, block := range strings.Split(strings.ReplaceAll(src, "\r\n", "\n"), "\n\n") {
		var lines []string
		for _, l := range strings.Split(block, "\n") {
			if t := strings.TrimSpace(l); t != "" && !strings.HasPrefix(t, "--") {
				lines = append(lines, l)
			}
		}
		if len(lines) > 0 {
			out = append(out, strings.Join(lines, "\n"))
		}
	}
	return out
}

// LatestSchema returns the newest schema version the embedded migrations
// of d create.
func LatestSchema(d Dialect) (int, error) {
	if !d.valid() {
		return 0, fmt.Errorf("sqlstore: unknown dialect %d", uint8(d))
	}
	ms, err := migrations(d)
	if err != nil {
		return 0, err
	}
	return len(ms), nil
}

// Schema returns the SQL statements that create the schema of d with the
// given table prefix at its latest version, each one a separate statement
// without a trailing semicolon, for teams that run their own migration
// tool. The table <prefix>schema, which Migrate keeps, is included: Migrate
// may later upgrade a database created this way once its version rows say
// so. Prefer Migrate.
func Schema(d Dialect, prefix string) ([]string, error) {
	if !d.valid() {
		return nil, fmt.Errorf("sqlstore: unknown dialect %d", uint8(d))
	}
	if err := validPrefix(prefix); err != nil {
		return nil, err
	}
	ms, err := migrations(d)
	if err != nil {
		return nil, err
	}
	out := []string{d.rewrite(prefix, schemaTable(d)).sql}
	for _, m := range ms {
		for _, s := range m.statements {
			out = append(out, strings.ReplaceAll(s, "{p}", prefix))
		}
		out = append(out, fmt.Sprintf("INSERT INTO %sschema (version, name) VALUES (%d, '%s')", prefix, m.version, m.name))
	}
	return out, nil
}

func schemaTable(d Dialect) string {
	if d == MySQL {
		return "CREATE TABLE IF NOT EXISTS {p}schema (version INT NOT NULL PRIMARY KEY, name VARCHAR(255) NOT NULL) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4"
	}
	return "CREATE TABLE IF NOT EXISTS {p}schema (version INTEGER PRIMARY KEY, name TEXT NOT NULL)"
}

// Migrate creates the store's tables or upgrades them to the latest schema
// version this package knows, recording each applied version in the table
// <prefix>schema. It is safe to call from several instances starting at
// once: they serialise on a lock (PostgreSQL: a transaction-scoped advisory
// lock; MySQL: GET_LOCK, waiting up to ctx's deadline or one minute;
// SQLite: BEGIN IMMEDIATE, waiting up to the connection's busy timeout)
// and the later ones find nothing to do. Against a schema newer than it
// knows it changes nothing and returns an error matching ErrSchemaTooNew.
//
// On PostgreSQL and SQLite each run is one transaction. MySQL commits DDL
// as it goes; its migrations are written to be re-run after a failure.
func (s *Store) Migrate(ctx context.Context) error {
	ms, err := migrations(s.d)
	if err != nil {
		return err
	}
	switch s.d {
	case Postgres:
		err = s.migratePostgres(ctx, ms)
	case MySQL:
		err = s.migrateMySQL(ctx, ms)
	default:
		err = s.migrateSQLite(ctx, ms)
	}
	if err != nil && !errors.Is(err, ErrSchemaTooNew) {
		return s.wrap(ctx, "migrate", err)
	}
	return err
}

// execer is what migrations run on: a transaction or a connection.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// apply brings the schema recorded in <prefix>schema up to date, with the
// migration lock held.
func (s *Store) apply(ctx context.Context, x execer, ms []migration) error {
	if _, err := x.ExecContext(ctx, s.d.rewrite(s.prefix, schemaTable(s.d)).sql); err != nil {
		return fmt.Errorf("create schema table: %w", err)
	}
	var current int
	q := s.d.rewrite(s.prefix, "SELECT COALESCE(MAX(version), 0) FROM {p}schema")
	if err := x.QueryRowContext(ctx, q.sql).Scan(&current); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if current > len(ms) {
		return fmt.Errorf("%w: tables with prefix %q are at version %d, this package knows up to %d", ErrSchemaTooNew, s.prefix, current, len(ms))
	}
	ins := s.d.rewrite(s.prefix, "INSERT INTO {p}schema (version, name) VALUES ($1, $2)")
	for _, m := range ms[current:] {
		for _, st := range m.statements {
			if _, err := x.ExecContext(ctx, strings.ReplaceAll(st, "{p}", s.prefix)); err != nil {
				return fmt.Errorf("version %d (%s): %w", m.version, m.name, err)
			}
		}
		if _, err := x.ExecContext(ctx, ins.sql, ins.bind(m.version, m.name)...); err != nil {
			return fmt.Errorf("record version %d: %w", m.version, err)
		}
	}
	return nil
}

// lockKey is the advisory lock key for this store's migrations.
func (s *Store) lockKey() int64 {
	h := fnv.New64a()
	h.Write([]byte("tokenwarden/sqlstore migrate " + s.prefix))
	return int64(h.Sum64())
}

func (s *Store) migratePostgres(ctx context.Context, ms []migration) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck // after Commit it is a no-op
	if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock($1)", s.lockKey()); err != nil {
		return fmt.Errorf("lock: %w", err)
	}
	if err := s.apply(ctx, tx, ms); err != nil {
		return err
	}
	return tx.Commit()
}

func (s *Store) migrateMySQL(ctx context.Context, ms []migration) (err error) {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	wait := time.Minute
	if dl, ok := ctx.Deadline(); ok {
		wait = max(time.Until(dl), time.Second)
	}
	name := fmt.Sprintf("tokenwarden.%x", uint64(s.lockKey()))
	var got sql.NullInt64
	if err := conn.QueryRowContext(ctx, "SELECT GET_LOCK(CONCAT(?, '.', COALESCE(DATABASE(), '')), ?)", name, int64(wait/time.Second)).Scan(&got); err != nil {
		return fmt.Errorf("lock: %w", err)
	}
	if got.Int64 != 1 {
		return fmt.Errorf("lock: another instance held the migration lock for %v", wait)
	}
	defer func() {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		var released sql.NullInt64
		if rerr := conn.QueryRowContext(rctx, "SELECT RELEASE_LOCK(CONCAT(?, '.', COALESCE(DATABASE(), '')))", name).Scan(&released); rerr != nil {
			// The lock lives as long as the session: drop the connection
			// rather than return it to the pool still holding the lock.
			_ = conn.Raw(func(any) error { return driver.ErrBadConn })
			if err == nil {
				err = fmt.Errorf("unlock: %w", rerr)
			}
		}
	}()
	return s.apply(ctx, conn, ms)
}

func (s *Store) migrateSQLite(ctx context.Context, ms []migration) error {
	unlock, err := s.lockWrites(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		return fmt.Errorf("lock: %w", err)
	}
	if err := s.apply(ctx, conn, ms); err != nil {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if _, rerr := conn.ExecContext(rctx, "ROLLBACK"); rerr != nil {
			_ = conn.Raw(func(any) error { return driver.ErrBadConn })
		}
		return err
	}
	if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
		_ = conn.Raw(func(any) error { return driver.ErrBadConn })
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}
