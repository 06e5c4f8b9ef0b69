package sqlstore_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"modernc.org/sqlite"

	"github.com/tokenwarden/tokenwarden/sqlstore"
	"github.com/tokenwarden/tokenwarden/token"
)

var day0 = time.Date(2026, time.March, 14, 0, 0, 0, 0, time.UTC)

// mkToken saves a minimal internal token and returns its record.
func mkToken(t *testing.T, s token.Store, name string) *token.Record {
	t.Helper()
	sec, err := token.NewSecret(token.DefaultPrefix)
	require.NoError(t, err)
	id, err := uuid.NewV7()
	require.NoError(t, err)
	now := day0.Add(9*time.Hour + 123456789)
	r := &token.Record{
		Token: token.Token{ID: id.String(), Name: name, Kind: token.Internal, Hint: sec.Hint(),
			Created: now.Truncate(time.Microsecond), Updated: now.Truncate(time.Microsecond), Version: 1},
		Hash: token.HashSecret(sec),
	}
	require.NoError(t, s.CreateToken(t.Context(), r))
	return r
}

func TestNewRefusesBadInput(t *testing.T) {
	db, err := sql.Open("sqlite", sqliteDSN(filepath.Join(t.TempDir(), "x.db")))
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })

	_, err = sqlstore.New(nil, sqlstore.SQLite)
	require.ErrorIs(t, err, token.ErrValidation)
	_, err = sqlstore.New(db, sqlstore.Dialect(0))
	require.ErrorIs(t, err, token.ErrValidation)
	_, err = sqlstore.New(db, sqlstore.Dialect(9))
	require.ErrorIs(t, err, token.ErrValidation)
	for _, p := range []string{"", "1abc", "Tw_", "tw-", "tw.", "tw;drop", "tw ", "ä", "abcdefghijklmnopqrstuvwxyzabcdefg"} {
		_, err := sqlstore.New(db, sqlstore.SQLite, sqlstore.WithTablePrefix(p))
		require.ErrorIs(t, err, token.ErrValidation, "prefix %q", p)
	}
	s, err := sqlstore.New(db, sqlstore.SQLite)
	require.NoError(t, err)
	assert.Equal(t, sqlstore.DefaultTablePrefix, s.TablePrefix())
	assert.Equal(t, sqlstore.SQLite, s.Dialect())
	s, err = sqlstore.New(db, sqlstore.MySQL, sqlstore.WithTablePrefix("a_9"))
	require.NoError(t, err)
	assert.Equal(t, "a_9", s.TablePrefix())
}

func TestDialectString(t *testing.T) {
	assert.Equal(t, "postgres", sqlstore.Postgres.String())
	assert.Equal(t, "mysql", sqlstore.MySQL.String())
	assert.Equal(t, "sqlite", sqlstore.SQLite.String())
	assert.Equal(t, "Dialect(7)", sqlstore.Dialect(7).String())
}

// Two pools (two processes, as far as the database can tell) race for the
// last units of a quota: exactly the remaining units are granted, whatever
// the block sizes asked for, and the counter ends at the limit.
func TestTwoPoolsRaceForLastUnits(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d sqlstore.Dialect) {
		dsn := dsnOf(t, d)
		a, b := openDB(t, d, dsn), openDB(t, d, dsn)
		a.SetMaxOpenConns(16)
		b.SetMaxOpenConns(16)
		sa := newStore(t, a, d)
		sb, err := sqlstore.New(b, d, sqlstore.WithTablePrefix(sa.TablePrefix()))
		require.NoError(t, err)
		ctx := t.Context()
		tok := mkToken(t, sa, "race")
		const limit = 500
		g, used, err := sa.ConsumeQuota(ctx, tok.Token.ID, day0, limit, limit-37)
		require.NoError(t, err)
		require.Equal(t, int64(limit-37), g)
		require.Equal(t, int64(limit-37), used)

		const workers = 48
		var (
			wg      sync.WaitGroup
			granted [workers]int64
			errs    [workers]error
			over    atomic.Bool
		)
		for i := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				s := sa
				if i%2 == 1 {
					s = sb
				}
				n := int64(1 + i%4) // blocks of 1 to 4 units
				for range 3 {
					g, u, err := s.ConsumeQuota(ctx, tok.Token.ID, day0, limit, n)
					if err != nil {
						errs[i] = err
						return
					}
					if u > limit || g > n || g < 0 {
						over.Store(true)
					}
					granted[i] += g
				}
			}()
		}
		wg.Wait()
		var total int64
		for i := range workers {
			require.NoError(t, errs[i], "worker %d", i)
			total += granted[i]
		}
		assert.False(t, over.Load(), "a grant passed the limit or its request")
		assert.Equal(t, int64(37), total, "units granted after the first block")
		for _, s := range []*sqlstore.Store{sa, sb} {
			used, err := s.QuotaUsed(ctx, tok.Token.ID, day0)
			require.NoError(t, err)
			assert.Equal(t, int64(limit), used)
			g, used, err = s.ConsumeQuota(ctx, tok.Token.ID, day0, limit, 1)
			require.NoError(t, err)
			assert.Zero(t, g)
			assert.Equal(t, int64(limit), used)
		}
	})
}

// Partial grants and releases report exact counts (MySQL derives them from
// the counter's value before the statement).
func TestConsumeQuotaCounts(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d sqlstore.Dialect) {
		s := newStore(t, sharedDB(t, d), d)
		ctx := t.Context()
		id := mkToken(t, s, "counts").Token.ID
		type step struct {
			release            int64
			limit, n, g, after int64
		}
		for i, st := range []step{
			{limit: 10, n: 4, g: 4, after: 4},
			{limit: 10, n: 4, g: 4, after: 8},
			{limit: 10, n: 4, g: 2, after: 10},
			{limit: 10, n: 1, g: 0, after: 10},
			{release: 3, limit: 10, n: 5, g: 3, after: 10},
			{release: 100, limit: 10, n: 1, g: 1, after: 1},
			{limit: 1, n: 1, g: 0, after: 1}, // limit lowered to the count
			{limit: 20, n: 30, g: 19, after: 20},
		} {
			if st.release > 0 {
				require.NoError(t, s.ReleaseQuota(ctx, id, day0, st.release))
			}
			g, used, err := s.ConsumeQuota(ctx, id, day0, st.limit, st.n)
			require.NoError(t, err, "step %d", i)
			assert.Equal(t, st.g, g, "step %d granted", i)
			assert.Equal(t, st.after, used, "step %d used", i)
		}
		_, _, err := s.ConsumeQuota(ctx, id, day0, 0, 1)
		require.ErrorIs(t, err, token.ErrValidation)
		_, _, err = s.ConsumeQuota(ctx, id, day0, 1, 0)
		require.ErrorIs(t, err, token.ErrValidation)
		_, _, err = s.ConsumeQuota(ctx, "no-such-token", day0, 10, 1)
		require.ErrorIs(t, err, token.ErrNotFound)
		used, err := s.QuotaUsed(ctx, "no-such-token", day0)
		require.NoError(t, err)
		assert.Zero(t, used)
	})
}

// Five instances starting at once migrate one fresh schema: all succeed,
// each version is recorded once, and a second round changes nothing.
func TestMigrateConcurrently(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d sqlstore.Dialect) {
		db := sharedDB(t, d)
		p := randomPrefix(t)
		dropTables(t, db, p)
		const n = 5
		var (
			wg   sync.WaitGroup
			errs [n]error
		)
		for round := range 2 {
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					s, err := sqlstore.New(db, d, sqlstore.WithTablePrefix(p))
					if err == nil {
						err = s.Migrate(context.Background())
					}
					errs[i] = err
				}()
			}
			wg.Wait()
			for i, err := range errs {
				require.NoError(t, err, "round %d, instance %d", round, i)
			}
		}
		latest, err := sqlstore.LatestSchema(d)
		require.NoError(t, err)
		var rows, max int
		require.NoError(t, db.QueryRowContext(t.Context(), "SELECT COUNT(*), MAX(version) FROM "+p+"schema").Scan(&rows, &max))
		assert.Equal(t, latest, rows)
		assert.Equal(t, latest, max)

		s, err := sqlstore.New(db, d, sqlstore.WithTablePrefix(p))
		require.NoError(t, err)
		mkToken(t, s, "after migrate")
	})
}

// Migrate refuses a schema written by a newer release and changes nothing.
func TestMigrateRefusesNewerSchema(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d sqlstore.Dialect) {
		db := sharedDB(t, d)
		s := newStore(t, db, d)
		_, err := db.ExecContext(t.Context(), "INSERT INTO "+s.TablePrefix()+"schema (version, name) VALUES (999, 'future')")
		require.NoError(t, err)
		err = s.Migrate(t.Context())
		require.ErrorIs(t, err, sqlstore.ErrSchemaTooNew)
		assert.Contains(t, err.Error(), "999")
	})
}

// The statements Schema returns build a working store that Migrate then
// finds up to date.
func TestSchemaStatements(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d sqlstore.Dialect) {
		db := sharedDB(t, d)
		p := randomPrefix(t)
		dropTables(t, db, p)
		stmts, err := sqlstore.Schema(d, p)
		require.NoError(t, err)
		for _, q := range stmts {
			_, err := db.ExecContext(t.Context(), q)
			require.NoError(t, err, q)
		}
		s, err := sqlstore.New(db, d, sqlstore.WithTablePrefix(p))
		require.NoError(t, err)
		require.NoError(t, s.Migrate(t.Context()))
		r := mkToken(t, s, "from schema")
		got, err := s.TokenByHash(t.Context(), r.Hash)
		require.NoError(t, err)
		assert.Equal(t, r.Token.ID, got.Token.ID)

		_, err = sqlstore.Schema(d, "Bad")
		require.ErrorIs(t, err, token.ErrValidation)
	})
	_, err := sqlstore.Schema(sqlstore.Dialect(0), "tw_")
	require.Error(t, err)
}

// A context cancelled while many ConsumeQuota calls are in flight makes the
// unfinished ones fail with an error matching context.Canceled; every unit
// a call reported granted is counted, and a cancelled call counted at most
// what it asked for (it may have committed before it saw the cancel).
func TestContextCancelledMidQuery(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d sqlstore.Dialect) {
		dsn := dsnOf(t, d)
		db := openDB(t, d, dsn)
		db.SetMaxOpenConns(8)
		s := newStore(t, db, d)
		id := mkToken(t, s, "cancel").Token.ID
		const (
			workers = 32
			limit   = 1_000_000
		)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		var (
			wg                 sync.WaitGroup
			granted, failed    [workers]int64
			unexpected         [workers]error
			done               atomic.Int64
			cancelAfter        = int64(200)
			cancelledOnce      sync.Once
			afterCancelSuccess atomic.Int64
		)
		for i := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range 100 {
					g, _, err := s.ConsumeQuota(ctx, id, day0, limit, 1)
					if err != nil {
						if !errors.Is(err, context.Canceled) {
							unexpected[i] = err
						}
						failed[i]++
						return
					}
					granted[i] += g
					if ctx.Err() != nil {
						afterCancelSuccess.Add(1)
					}
					if done.Add(1) == cancelAfter {
						cancelledOnce.Do(cancel)
					}
				}
			}()
		}
		wg.Wait()
		var sumGranted, sumFailed int64
		for i := range workers {
			require.NoError(t, unexpected[i], "worker %d: error not matching context.Canceled", i)
			sumGranted += granted[i]
			sumFailed += failed[i]
		}
		require.NotZero(t, sumFailed, "cancellation stopped no call")
		used, err := s.QuotaUsed(context.Background(), id, day0)
		require.NoError(t, err)
		assert.GreaterOrEqual(t, used, sumGranted)
		assert.LessOrEqual(t, used, sumGranted+sumFailed)

		// A server may still commit a statement whose client gave up, so
		// the no-write check uses a counter nothing else touches.
		other := mkToken(t, s, "cancel 2").Token.ID
		_, _, err = s.ConsumeQuota(ctx, other, day0, limit, 1)
		require.ErrorIs(t, err, context.Canceled)
		after, err := s.QuotaUsed(context.Background(), other, day0)
		require.NoError(t, err)
		assert.Zero(t, after, "a call on a cancelled context wrote")
	})
}

// Every method of a store whose *sql.DB is closed returns an error.
func TestClosedDatabase(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d sqlstore.Dialect) {
		dsn := dsnOf(t, d)
		first := newStore(t, openDB(t, d, dsn), d)
		r := mkToken(t, first, "closed")
		db := openDB(t, d, dsn) // a second pool on the same tables, closed below
		s, err := sqlstore.New(db, d, sqlstore.WithTablePrefix(first.TablePrefix()))
		require.NoError(t, err)
		_, err = s.TokenByHash(t.Context(), r.Hash) // prepares on SQLite and MySQL
		require.NoError(t, err)
		require.NoError(t, db.Close())

		ctx := t.Context()
		id := r.Token.ID
		checks := map[string]func() error{
			"CreateToken": func() error { return s.CreateToken(ctx, mkRecord(t, "x")) },
			"TokenByID":   func() error { _, err := s.TokenByID(ctx, id); return err },
			"TokenByHash": func() error { _, err := s.TokenByHash(ctx, r.Hash); return err },
			"UpdateToken": func() error { return s.UpdateToken(ctx, r.Clone()) },
			"DeleteToken": func() error { return s.DeleteToken(ctx, id) },
			"ListTokens":  func() error { _, err := s.ListTokens(ctx, token.ListQuery{}); return err },
			"TouchToken":  func() error { return s.TouchToken(ctx, id, day0) },
			"PutRole":     func() error { _, err := s.PutRole(ctx, &token.Role{Name: "r"}); return err },
			"RoleByName":  func() error { _, err := s.RoleByName(ctx, "r"); return err },
			"DeleteRole":  func() error { return s.DeleteRole(ctx, "r") },
			"ListRoles":   func() error { _, err := s.ListRoles(ctx); return err },
			"ConsumeQuota": func() error {
				_, _, err := s.ConsumeQuota(ctx, id, day0, 10, 1)
				return err
			},
			"ReleaseQuota":   func() error { return s.ReleaseQuota(ctx, id, day0, 1) },
			"QuotaUsed":      func() error { _, err := s.QuotaUsed(ctx, id, day0); return err },
			"SetMaintenance": func() error { return s.SetMaintenance(ctx, true) },
			"Maintenance":    func() error { _, err := s.Maintenance(ctx); return err },
			"Migrate":        func() error { return s.Migrate(ctx) },
		}
		for name, fn := range checks {
			err := fn()
			require.Error(t, err, name)
			assert.NotErrorIs(t, err, token.ErrNotFound, name)
			assert.Contains(t, err.Error(), "sqlstore", name)
		}
	})
}

// mkRecord returns an unsaved minimal token.
func mkRecord(t *testing.T, name string) *token.Record {
	t.Helper()
	sec, err := token.NewSecret(token.DefaultPrefix)
	require.NoError(t, err)
	return &token.Record{
		Token: token.Token{ID: uuid.NewString(), Name: name, Kind: token.Internal, Hint: sec.Hint(), Version: 1},
		Hash:  token.HashSecret(sec),
	}
}

// A real PostgreSQL restart in the middle of a run loses no count: the
// units granted before and after it add up to the stored counter. It runs
// under CI=true or TOKENWARDEN_PG_RESTART=1, needs pg_ctlcluster and
// permission to use it, and leaves the server running.
func TestPostgresRestart(t *testing.T) {
	if !inCI() && os.Getenv("TOKENWARDEN_PG_RESTART") != "1" {
		t.Skip("set TOKENWARDEN_PG_RESTART=1 (or CI=true) to restart the local PostgreSQL server")
	}
	version, cluster := envOr("TOKENWARDEN_PG_VERSION", "15"), envOr("TOKENWARDEN_PG_CLUSTER", "main")
	pgctl := func(action string) error {
		out, err := exec.Command("pg_ctlcluster", "--skip-systemctl-redirect", version, cluster, action).CombinedOutput()
		if err != nil {
			return fmt.Errorf("pg_ctlcluster %s: %v: %s", action, err, out)
		}
		return nil
	}
	if _, err := exec.LookPath("pg_ctlcluster"); err != nil {
		t.Fatalf("pg_ctlcluster not found: %v", err)
	}
	t.Cleanup(func() {
		// Leave the server up whatever happened.
		if exec.Command("pg_ctlcluster", version, cluster, "status").Run() != nil {
			if err := pgctl("start"); err != nil {
				t.Errorf("restarting PostgreSQL after the test: %v", err)
			}
		}
	})
	d := sqlstore.Postgres
	db := openDB(t, d, dsnOf(t, d))
	db.SetMaxOpenConns(8)
	db.SetMaxIdleConns(8)
	s := newStore(t, db, d)
	id := mkToken(t, s, "restart").Token.ID
	ctx := t.Context()

	consume := func(k int) (granted int64, errs []error) {
		var wg sync.WaitGroup
		var mu sync.Mutex
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range k {
					g, _, err := s.ConsumeQuota(ctx, id, day0, 1_000_000, 1)
					mu.Lock()
					granted += g
					if err != nil {
						errs = append(errs, err)
					}
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		return granted, errs
	}
	before, errs := consume(25)
	require.Empty(t, errs)
	require.Equal(t, int64(200), before)

	// Workers keep consuming while the server restarts under them: once
	// they have made progress the server is restarted, and they stop after
	// five successes each once it is back.
	const workers = 8
	var (
		wg        sync.WaitGroup
		progress  atomic.Int64
		started   = make(chan struct{})
		startOnce sync.Once
		restarted atomic.Bool
		granted   [workers]int64
		failed    [workers][]error
		gaveUp    [workers]bool
	)
	for i := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			okAfter := 0
			for range 100_000 {
				back := restarted.Load()
				g, _, err := s.ConsumeQuota(ctx, id, day0, 1_000_000, 1)
				if err != nil {
					failed[i] = append(failed[i], err)
					continue
				}
				granted[i] += g
				if progress.Add(1) >= workers {
					startOnce.Do(func() { close(started) })
				}
				if back {
					if okAfter++; okAfter == 5 {
						return
					}
				}
			}
			gaveUp[i] = true
		}()
	}
	<-started
	restartErr := pgctl("restart")
	restarted.Store(true)
	wg.Wait()
	require.NoError(t, restartErr)

	var during int64
	var failures []error
	for i := range workers {
		require.False(t, gaveUp[i], "worker %d never recovered", i)
		during += granted[i]
		failures = append(failures, failed[i]...)
	}
	t.Logf("%d units granted around the restart, %d calls failed while the pool reconnected", during, len(failures))
	for _, err := range failures {
		assert.Contains(t, err.Error(), "sqlstore: consume quota")
	}
	used, err := s.QuotaUsed(ctx, id, day0)
	require.NoError(t, err)
	// A statement cut off by the shutdown was rolled back, unless it had
	// committed just before its connection dropped: then it counts though
	// its caller saw an error. Nothing granted is ever lost.
	t.Logf("counter %d, granted %d: %d counted for calls that reported an error", used, before+during, used-before-during)
	assert.GreaterOrEqual(t, used, before+during, "units granted before (%d) and around (%d) the restart", before, during)
	assert.LessOrEqual(t, used, before+during+int64(len(failures)))

	after, errs := consume(10)
	require.Empty(t, errs, "the pool has not recovered")
	require.Equal(t, int64(80), after)
	final, err := s.QuotaUsed(ctx, id, day0)
	require.NoError(t, err)
	assert.Equal(t, used+after, final)
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

// Name prefixes match literally: LIKE and GLOB wildcards and the escape
// character in a prefix match only themselves.
func TestListPrefixIsLiteral(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d sqlstore.Dialect) {
		s := newStore(t, sharedDB(t, d), d)
		for _, n := range []string{"a!b", "a_b", "axb", "50% off", "500 off", "x*y", "xzy", "q?r", "qzr", "[br]acket", "back\\slash", "back slash"} {
			mkToken(t, s, n)
		}
		for _, c := range []struct {
			prefix string
			want   []string
		}{
			{"a!", []string{"a!b"}},
			{"a_", []string{"a_b"}},
			{"a", []string{"a!b", "a_b", "axb"}},
			{"50%", []string{"50% off"}},
			{"x*", []string{"x*y"}},
			{"q?", []string{"q?r"}},
			{"[b", []string{"[br]acket"}},
			{"[", []string{"[br]acket"}},
			{"back\\", []string{"back\\slash"}},
			{"!", nil},
			{"%", nil},
			{"*", nil},
		} {
			got, err := s.ListTokens(t.Context(), token.ListQuery{NamePrefix: c.prefix})
			require.NoError(t, err)
			var names []string
			for _, r := range got {
				names = append(names, r.Token.Name)
			}
			assert.ElementsMatch(t, c.want, names, "prefix %q", c.prefix)
		}
	})
}

// One connection consumes for a token whose counter exists and then for a
// new one: the new counter's first grant is exact (on MySQL the value left
// by LAST_INSERT_ID(expr) on that connection does not leak into it).
func TestConsumeQuotaOneConnection(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d sqlstore.Dialect) {
		db := openDB(t, d, dsnOf(t, d))
		db.SetMaxOpenConns(1)
		s := newStore(t, db, d)
		ctx := t.Context()
		a, b := mkToken(t, s, "first").Token.ID, mkToken(t, s, "second").Token.ID
		for range 3 {
			_, _, err := s.ConsumeQuota(ctx, a, day0, 100, 7)
			require.NoError(t, err)
		}
		g, used, err := s.ConsumeQuota(ctx, b, day0, 100, 5)
		require.NoError(t, err)
		assert.Equal(t, int64(5), g)
		assert.Equal(t, int64(5), used)
		g, used, err = s.ConsumeQuota(ctx, a, day0.AddDate(0, 0, 1), 3, 5)
		require.NoError(t, err)
		assert.Equal(t, int64(3), g)
		assert.Equal(t, int64(3), used)
		g, used, err = s.ConsumeQuota(ctx, a, day0, 100, 1)
		require.NoError(t, err)
		assert.Equal(t, int64(1), g)
		assert.Equal(t, int64(22), used)
	})
}

// An unreachable database is an error that wraps the driver's, matches no
// sentinel the Manager treats as an answer, and says which call failed.
func TestUnreachableDatabaseWrapsDriverError(t *testing.T) {
	check := func(t *testing.T, s *sqlstore.Store, as func(error) bool) {
		t.Helper()
		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
		defer cancel()
		_, err := s.TokenByHash(ctx, token.Hash{1})
		require.Error(t, err)
		assert.True(t, as(err), "driver error not reachable with errors.As: %v", err)
		for _, sentinel := range []error{token.ErrNotFound, token.ErrInvalid, token.ErrDuplicate, token.ErrConflict} {
			assert.NotErrorIs(t, err, sentinel)
		}
		assert.Contains(t, err.Error(), "sqlstore: token by hash")
		_, _, err = s.ConsumeQuota(ctx, "id", day0, 10, 1)
		require.Error(t, err)
		assert.True(t, as(err), "driver error not reachable with errors.As: %v", err)
		assert.NotErrorIs(t, err, token.ErrNotFound)
	}
	t.Run("postgres", func(t *testing.T) {
		db, err := sql.Open("pgx", "postgres://postgres@127.0.0.1:1/test?sslmode=disable&connect_timeout=5")
		require.NoError(t, err)
		t.Cleanup(func() { _ = db.Close() })
		s, err := sqlstore.New(db, sqlstore.Postgres)
		require.NoError(t, err)
		check(t, s, func(err error) bool { var e *pgconn.ConnectError; return errors.As(err, &e) })
	})
	t.Run("mysql", func(t *testing.T) {
		db, err := sql.Open("mysql", "root@tcp(127.0.0.1:1)/test?timeout=5s")
		require.NoError(t, err)
		t.Cleanup(func() { _ = db.Close() })
		s, err := sqlstore.New(db, sqlstore.MySQL)
		require.NoError(t, err)
		check(t, s, func(err error) bool { var e *net.OpError; return errors.As(err, &e) })
	})
	t.Run("sqlite", func(t *testing.T) {
		db, err := sql.Open("sqlite", sqliteDSN(filepath.Join(t.TempDir(), "missing", "dir", "x.db")))
		require.NoError(t, err)
		t.Cleanup(func() { _ = db.Close() })
		s, err := sqlstore.New(db, sqlstore.SQLite)
		require.NoError(t, err)
		check(t, s, func(err error) bool { var e *sqlite.Error; return errors.As(err, &e) })
	})
}
