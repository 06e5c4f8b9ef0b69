package sqlstore_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	_ "github.com/go-sql-driver/mysql"
	_ "github.com/jackc/pgx/v5/stdlib"
	"github.com/stretchr/testify/require"
	_ "modernc.org/sqlite"

	"github.com/tokenwarden/tokenwarden/sqlstore"
)

// Environment variables naming the test servers. Without one, that
// dialect's tests skip, unless CI=true, where they fail.
const (
	envPostgres = "TOKENWARDEN_POSTGRES_DSN" // postgres://postgres@127.0.0.1:5432/test?sslmode=disable
	envMySQL    = "TOKENWARDEN_MYSQL_DSN"    // root@tcp(127.0.0.1:3306)/test
)

// dialects are the databases every test runs on, by subtest name.
var dialects = []struct {
	name string
	d    sqlstore.Dialect
}{
	{"postgres", sqlstore.Postgres},
	{"mysql", sqlstore.MySQL},
	{"sqlite", sqlstore.SQLite},
}

// forEachDialect runs fn as a subtest per dialect.
func forEachDialect(t *testing.T, fn func(t *testing.T, d sqlstore.Dialect)) {
	for _, dl := range dialects {
		t.Run(dl.name, func(t *testing.T) { fn(t, dl.d) })
	}
}

func inCI() bool { return os.Getenv("CI") == "true" }

// serverDSN returns the DSN of a server dialect's test database, or skips
// (fails under CI) when there is none.
func serverDSN(t testing.TB, env string) string {
	t.Helper()
	dsn := os.Getenv(env)
	if dsn == "" {
		if inCI() {
			t.Fatalf("%s is not set (CI=true needs every database)", env)
		}
		t.Skipf("%s is not set", env)
	}
	return dsn
}

// driverName returns the database/sql driver for d.
func driverName(d sqlstore.Dialect) string {
	switch d {
	case sqlstore.Postgres:
		return "pgx"
	case sqlstore.MySQL:
		return "mysql"
	}
	return "sqlite"
}

// sqliteDSN returns the DSN the package documents for a file database.
func sqliteDSN(path string) string {
	return "file:" + path + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)"
}

var (
	poolsMu sync.Mutex
	pools   = map[sqlstore.Dialect]*sql.DB{}
)

// sharedDB returns a pool on d's test database shared by the tests of this
// run (a fresh file for SQLite); each store in it uses its own tables.
func sharedDB(t testing.TB, d sqlstore.Dialect) *sql.DB {
	t.Helper()
	if d == sqlstore.SQLite {
		return openDB(t, d, sqliteDSN(filepath.Join(t.TempDir(), "test.db")))
	}
	dsn := serverDSN(t, map[sqlstore.Dialect]string{sqlstore.Postgres: envPostgres, sqlstore.MySQL: envMySQL}[d])
	poolsMu.Lock()
	defer poolsMu.Unlock()
	if db := pools[d]; db != nil {
		return db
	}
	db, err := sql.Open(driverName(d), dsn)
	require.NoError(t, err)
	db.SetMaxOpenConns(32)
	db.SetMaxIdleConns(32)
	ping(t, db)
	pools[d] = db
	return db
}

// openDB opens a pool of its own, closed when t ends.
func openDB(t testing.TB, d sqlstore.Dialect, dsn string) *sql.DB {
	t.Helper()
	db, err := sql.Open(driverName(d), dsn)
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	ping(t, db)
	return db
}

// dsnOf returns a DSN on which a second pool reaches the same database as
// sharedDB(t, d); for SQLite, the file path.
func dsnOf(t testing.TB, d sqlstore.Dialect) string {
	t.Helper()
	switch d {
	case sqlstore.Postgres:
		return serverDSN(t, envPostgres)
	case sqlstore.MySQL:
		return serverDSN(t, envMySQL)
	}
	return sqliteDSN(filepath.Join(t.TempDir(), "test.db"))
}

// ping fails (CI) or skips when the server cannot be reached.
func ping(t testing.TB, db *sql.DB) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := db.PingContext(ctx); err != nil {
		if inCI() {
			t.Fatalf("database unreachable: %v", err)
		}
		t.Skipf("database unreachable: %v", err)
	}
}

// randomPrefix returns a table prefix no other test uses.
func randomPrefix(t testing.TB) string {
	t.Helper()
	var b [6]byte
	_, err := rand.Read(b[:])
	require.NoError(t, err)
	return "twt" + hex.EncodeToString(b[:]) + "_"
}

// newStore returns a migrated store on db under a fresh table prefix whose
// tables are dropped when t ends.
func newStore(t testing.TB, db *sql.DB, d sqlstore.Dialect) *sqlstore.Store {
	t.Helper()
	p := randomPrefix(t)
	s, err := sqlstore.New(db, d, sqlstore.WithTablePrefix(p))
	require.NoError(t, err)
	dropTables(t, db, p)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	require.NoError(t, s.Migrate(ctx))
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// dropTables removes the tables of prefix p when t ends.
func dropTables(t testing.TB, db *sql.DB, p string) {
	t.Helper()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		for _, tbl := range []string{"usage", "tokens", "roles", "settings", "schema"} {
			if _, err := db.ExecContext(ctx, "DROP TABLE IF EXISTS "+p+tbl); err != nil {
				t.Errorf("drop %s%s: %v", p, tbl, err)
			}
		}
	})
}

// TestMain closes the shared pools.
func TestMain(m *testing.M) {
	code := m.Run()
	for _, db := range pools {
		_ = db.Close()
	}
	os.Exit(code)
}
