package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/tokenwarden/tokenwarden/token"
)

// DefaultTablePrefix is the table prefix of a Store built without
// WithTablePrefix.
const DefaultTablePrefix = "tokenwarden_"

// maxPrefixLen keeps the longest derived name (an index name such as
// <prefix>tokens_prev_hash) within MySQL's and PostgreSQL's 63-byte limit.
const maxPrefixLen = 32

// Option configures a Store.
type Option func(*config)

type config struct {
	prefix string
}

// WithTablePrefix sets the prefix of every table, index and trigger name
// the Store uses, so several stores (or other applications) can share one
// database or schema. It must match [a-z][a-z0-9_]* and be at most 32
// bytes long. Default: DefaultTablePrefix ("tokenwarden_").
func WithTablePrefix(p string) Option { return func(c *config) { c.prefix = p } }

func validPrefix(p string) error {
	if p == "" || len(p) > maxPrefixLen || p[0] < 'a' || p[0] > 'z' {
		return fmt.Errorf("sqlstore: table prefix %q: want a lower-case letter followed by lower-case letters, digits or '_', at most %d bytes: %w", p, maxPrefixLen, token.ErrValidation)
	}
	for i := 0; i < len(p); i++ {
		if c := p[i]; (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '_' {
			return fmt.Errorf("sqlstore: table prefix %q: character %q not allowed (want [a-z][a-z0-9_]*): %w", p, rune(c), token.ErrValidation)
		}
	}
	return nil
}

// Store is a token.Store over database/sql, safe for concurrent use by
// many goroutines and by many processes sharing the database. Build it
// with New and create its tables with Migrate (or the statements Schema
// returns). The zero value is not usable.
//
// A Store does not own the *sql.DB: Close releases the statements it
// prepared and leaves the database open.
type Store struct {
	db     *sql.DB
	d      Dialect
	prefix string
	q      queries
	prep   bool          // prepare statements once (MySQL, SQLite)
	writes chan struct{} // SQLite: one writer at a time in this process
	stmts  sync.Map      // SQL text → *sql.Stmt
	mu     sync.Mutex
	closed bool
}

var _ token.Store = (*Store)(nil)

// tokenCols are the columns a token is read from, in scanRecord's order.
const tokenCols = "id, name, description, kind, tenant, role, scopes, allow, metadata, expires, " +
	"quota_limit, quota_period, rate_events, rate_interval, rate_burst, disabled, hint, " +
	"created, updated, last_used, version, hash, hash_key, prev_hash, prev_key, prev_until"

const roleCols = "name, description, scopes, created, updated"

type queries struct {
	createToken, tokenByID, tokenByHash, updateToken, tokenVersion stmt
	deleteToken, touch, tokenExists                                stmt
	putRole, roleCreated, roleByName, deleteRole, listRoles        stmt
	consume, used, release, setMaintenance, maintenance            stmt
}

// New returns a Store on db for dialect d. It does not touch the database:
// call Migrate (once per start, from any number of instances) before use.
func New(db *sql.DB, d Dialect, opts ...Option) (*Store, error) {
	if db == nil {
		return nil, fmt.Errorf("sqlstore: nil *sql.DB: %w", token.ErrValidation)
	}
	if !d.valid() {
		return nil, fmt.Errorf("sqlstore: unknown dialect %d: want Postgres, MySQL or SQLite: %w", uint8(d), token.ErrValidation)
	}
	c := config{prefix: DefaultTablePrefix}
	for _, o := range opts {
		o(&c)
	}
	if err := validPrefix(c.prefix); err != nil {
		return nil, err
	}
	s := &Store{db: db, d: d, prefix: c.prefix, prep: d != Postgres}
	if d == SQLite {
		// SQLite has one writer at a time. Queueing this process's writers
		// here, where waiting honours ctx, leaves the busy timeout to
		// arbitrate between processes only; without it, dozens of
		// connections of one pool poll the lock and some time out.
		s.writes = make(chan struct{}, 1)
	}
	s.q = buildQueries(d, c.prefix)
	return s, nil
}

func buildQueries(d Dialect, p string) queries {
	r := func(t string) stmt { return d.rewrite(p, t) }
	q := queries{
		createToken: r("INSERT INTO {p}tokens (" + tokenCols + ", name_key) VALUES " +
			"($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27)"),
		tokenByID:   r("SELECT " + tokenCols + " FROM {p}tokens WHERE id = $1"),
		tokenByHash: r("SELECT " + tokenCols + " FROM {p}tokens WHERE hash = $1 OR prev_hash = $1"),
		updateToken: r("UPDATE {p}tokens SET name = $1, name_key = $2, description = $3, role = $4, scopes = $5, allow = $6, " +
			"metadata = $7, expires = $8, quota_limit = $9, quota_period = $10, rate_events = $11, rate_interval = $12, " +
			"rate_burst = $13, disabled = $14, hint = $15, updated = $16, hash = $17, hash_key = $18, prev_hash = $19, " +
			"prev_key = $20, prev_until = $21, version = version + 1 WHERE id = $22 AND version = $23"),
		tokenVersion: r("SELECT version FROM {p}tokens WHERE id = $1"),
		deleteToken:  r("DELETE FROM {p}tokens WHERE id = $1"),
		touch:        r("UPDATE {p}tokens SET last_used = $1 WHERE id = $2 AND (last_used IS NULL OR last_used < $1)"),
		tokenExists:  r("SELECT 1 FROM {p}tokens WHERE id = $1"),
		roleCreated:  r("SELECT created FROM {p}roles WHERE name = $1"),
		roleByName:   r("SELECT " + roleCols + " FROM {p}roles WHERE name = $1"),
		deleteRole:   r("DELETE FROM {p}roles WHERE name = $1"),
		listRoles:    r("SELECT " + roleCols + " FROM {p}roles ORDER BY name"),
		used:         r("SELECT used FROM {p}usage WHERE token_id = $1 AND window_start = $2"),
		release:      r("UPDATE {p}usage SET used = GREATEST(used - $3, 0) WHERE token_id = $1 AND window_start = $2 AND used > 0"),
		maintenance:  r("SELECT val FROM {p}settings WHERE name = 'maintenance'"),
	}
	switch d {
	case Postgres:
		q.consume = r("INSERT INTO {p}usage AS u (token_id, window_start, used, last_grant) " +
			"VALUES ($1, $2, LEAST($3::bigint, $4::bigint), LEAST($3::bigint, $4::bigint)) " +
			"ON CONFLICT (token_id, window_start) DO UPDATE SET used = u.used + LEAST($3::bigint, $4::bigint - u.used), " +
			"last_grant = LEAST($3::bigint, $4::bigint - u.used) WHERE u.used < $4::bigint RETURNING used, last_grant")
	case SQLite:
		q.consume = r("INSERT INTO {p}usage (token_id, window_start, used, last_grant) " +
			"VALUES ($1, $2, LEAST($3, $4), LEAST($3, $4)) " +
			"ON CONFLICT (token_id, window_start) DO UPDATE SET used = used + LEAST($3, $4 - used), " +
			"last_grant = LEAST($3, $4 - used) WHERE used < $4 RETURNING used, last_grant")
	case MySQL:
		// MySQL has no RETURNING. The update stores the counter's value
		// before the change with LAST_INSERT_ID(expr), which the server
		// reports to this statement's caller (0 when the row was inserted,
		// as the table has no AUTO_INCREMENT column); granted and used
		// follow from it exactly. A denied request leaves the row as it was.
		q.consume = r("INSERT INTO {p}usage (token_id, window_start, used) VALUES ($1, $2, LEAST($3, $4)) " +
			"ON DUPLICATE KEY UPDATE used = used + IF(LAST_INSERT_ID(used) < $4, LEAST($3, $4 - used), 0)")
	}
	if d == MySQL {
		q.putRole = r("INSERT INTO {p}roles (" + roleCols + ") VALUES ($1, $2, $3, $4, $5) " +
			"ON DUPLICATE KEY UPDATE description = VALUES(description), scopes = VALUES(scopes), updated = VALUES(updated)")
		q.setMaintenance = r("INSERT INTO {p}settings (name, val) VALUES ('maintenance', $1) ON DUPLICATE KEY UPDATE val = VALUES(val)")
	} else {
		q.putRole = r("INSERT INTO {p}roles (" + roleCols + ") VALUES ($1, $2, $3, $4, $5) " +
			"ON CONFLICT (name) DO UPDATE SET description = EXCLUDED.description, scopes = EXCLUDED.scopes, updated = EXCLUDED.updated " +
			"RETURNING created")
		q.setMaintenance = r("INSERT INTO {p}settings (name, val) VALUES ('maintenance', $1) ON CONFLICT (name) DO UPDATE SET val = EXCLUDED.val")
	}
	return q
}

// Dialect returns the store's dialect.
func (s *Store) Dialect() Dialect { return s.d }

// TablePrefix returns the prefix of the store's tables.
func (s *Store) TablePrefix() string { return s.prefix }

// Close releases the statements the Store prepared. It does not close the
// *sql.DB, and the Store must not be used after it.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	var errs []error
	s.stmts.Range(func(k, v any) bool {
		errs = append(errs, v.(*sql.Stmt).Close())
		s.stmts.Delete(k)
		return true
	})
	return errors.Join(errs...)
}

var errClosed = errors.New("sqlstore: store is closed")

// stmt returns the prepared statement for q, preparing it on first use.
func (s *Store) stmt(ctx context.Context, q stmt) (*sql.Stmt, error) {
	if v, ok := s.stmts.Load(q.sql); ok {
		return v.(*sql.Stmt), nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, errClosed
	}
	if v, ok := s.stmts.Load(q.sql); ok {
		return v.(*sql.Stmt), nil
	}
	st, err := s.db.PrepareContext(ctx, q.sql)
	if err != nil {
		return nil, err
	}
	s.stmts.Store(q.sql, st)
	return st, nil
}

// lockWrites waits for this process's turn to write (SQLite only) and
// returns the function that ends it.
func (s *Store) lockWrites(ctx context.Context) (unlock func(), err error) {
	if s.writes == nil {
		return func() {}, nil
	}
	select {
	case s.writes <- struct{}{}:
		return func() { <-s.writes }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// exec runs a statement that writes.
func (s *Store) exec(ctx context.Context, q stmt, args ...any) (sql.Result, error) {
	unlock, err := s.lockWrites(ctx)
	if err != nil {
		return nil, err
	}
	defer unlock()
	if !s.prep {
		return s.db.ExecContext(ctx, q.sql, q.bind(args...)...)
	}
	st, err := s.stmt(ctx, q)
	if err != nil {
		return nil, err
	}
	return st.ExecContext(ctx, q.bind(args...)...)
}

func (s *Store) query(ctx context.Context, q stmt, args ...any) (*sql.Rows, error) {
	if !s.prep {
		return s.db.QueryContext(ctx, q.sql, q.bind(args...)...)
	}
	st, err := s.stmt(ctx, q)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(ctx, q.bind(args...)...)
}

// writeRow is queryRow for a statement that writes.
func (s *Store) writeRow(ctx context.Context, q stmt, args []any, dest ...any) error {
	unlock, err := s.lockWrites(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	return s.queryRow(ctx, q, args, dest...)
}

// queryRow runs q and scans its first row into dest; it returns
// sql.ErrNoRows when there is none.
func (s *Store) queryRow(ctx context.Context, q stmt, args []any, dest ...any) error {
	var row *sql.Row
	if !s.prep {
		row = s.db.QueryRowContext(ctx, q.sql, q.bind(args...)...)
	} else {
		st, err := s.stmt(ctx, q)
		if err != nil {
			return err
		}
		row = st.QueryRowContext(ctx, q.bind(args...)...)
	}
	return row.Scan(dest...)
}

// wrap annotates a database error with the operation. The driver's error
// stays reachable with errors.Is and errors.As; when ctx is done, ctx.Err()
// is reachable too, whatever the driver made of the cancellation.
func (s *Store) wrap(ctx context.Context, op string, err error) error {
	if cerr := ctx.Err(); cerr != nil && !errors.Is(err, cerr) {
		return fmt.Errorf("sqlstore: %s: %w (%w)", op, err, cerr)
	}
	return fmt.Errorf("sqlstore: %s: %w", op, err)
}

// tokenArgs returns the editable columns of r in the order of the
// updateToken statement's $1…$21.
func tokenArgs(r *token.Record) ([]any, error) {
	t := &r.Token
	scopes, err := jsonText(t.Scopes == nil, t.Scopes)
	if err != nil {
		return nil, err
	}
	allow, err := jsonText(t.Allow == nil, t.Allow)
	if err != nil {
		return nil, err
	}
	meta, err := jsonText(t.Metadata == nil, t.Metadata)
	if err != nil {
		return nil, err
	}
	return []any{
		t.Name, token.FoldName(t.Name), t.Description, nullString(t.Role), scopes, allow, meta,
		micros(t.Expires), t.Quota.Limit, int64(t.Quota.Period), int64(t.Rate.Events), int64(t.Rate.Interval),
		int64(t.Rate.Burst), boolInt(t.Disabled), t.Hint, micros(t.Updated),
		hashBytes(r.Hash), r.HashKey, hashBytes(r.Prev), r.PrevKey, micros(r.PrevUntil),
	}, nil
}

// CreateToken implements token.Store. A name whose FoldName is taken, or an
// ID or hash already stored, returns ErrDuplicate; an unknown role,
// ErrUnknownRole (enforced by a foreign key).
func (s *Store) CreateToken(ctx context.Context, r *token.Record) error {
	if r.Token.ID == "" {
		return fmt.Errorf("sqlstore: create token: empty ID: %w", token.ErrValidation)
	}
	t := &r.Token
	scopes, err := jsonText(t.Scopes == nil, t.Scopes)
	if err != nil {
		return err
	}
	allow, err := jsonText(t.Allow == nil, t.Allow)
	if err != nil {
		return err
	}
	meta, err := jsonText(t.Metadata == nil, t.Metadata)
	if err != nil {
		return err
	}
	_, err = s.exec(ctx, s.q.createToken,
		t.ID, t.Name, t.Description, int64(t.Kind), t.Tenant, nullString(t.Role), scopes, allow, meta,
		micros(t.Expires), t.Quota.Limit, int64(t.Quota.Period), int64(t.Rate.Events), int64(t.Rate.Interval),
		int64(t.Rate.Burst), boolInt(t.Disabled), t.Hint, micros(t.Created), micros(t.Updated), micros(t.LastUsed),
		t.Version, hashBytes(r.Hash), r.HashKey, hashBytes(r.Prev), r.PrevKey, micros(r.PrevUntil),
		token.FoldName(t.Name))
	switch s.d.classify(err) {
	case errUnique:
		return fmt.Errorf("sqlstore: create token %q: %w: %w", t.Name, token.ErrDuplicate, err)
	case errReference:
		return fmt.Errorf("sqlstore: create token %q: role %q: %w: %w", t.Name, t.Role, token.ErrUnknownRole, err)
	}
	if err != nil {
		return s.wrap(ctx, "create token", err)
	}
	return nil
}

// TokenByID implements token.Store.
func (s *Store) TokenByID(ctx context.Context, id string) (*token.Record, error) {
	rows, err := s.query(ctx, s.q.tokenByID, id)
	if err != nil {
		return nil, s.wrap(ctx, "token by id", err)
	}
	recs, err := scanRecords(rows)
	if err != nil {
		return nil, s.wrap(ctx, "token by id", err)
	}
	if len(recs) == 0 {
		return nil, fmt.Errorf("sqlstore: token %q: %w", id, token.ErrNotFound)
	}
	return recs[0], nil
}

// TokenByHash implements token.Store. Both hash columns are indexed.
func (s *Store) TokenByHash(ctx context.Context, h token.Hash) (*token.Record, error) {
	rows, err := s.query(ctx, s.q.tokenByHash, h[:])
	if err != nil {
		return nil, s.wrap(ctx, "token by hash", err)
	}
	recs, err := scanRecords(rows)
	if err != nil {
		return nil, s.wrap(ctx, "token by hash", err)
	}
	for _, r := range recs {
		if r.Hash == h { // a current hash wins over another token's previous one
			return r, nil
		}
	}
	if len(recs) == 0 {
		return nil, fmt.Errorf("sqlstore: token by hash: %w", token.ErrNotFound)
	}
	return recs[0], nil
}

// UpdateToken implements token.Store as a compare-and-swap on the stored
// version: one UPDATE … WHERE id = ? AND version = ?.
func (s *Store) UpdateToken(ctx context.Context, r *token.Record) error {
	args, err := tokenArgs(r)
	if err != nil {
		return err
	}
	res, err := s.exec(ctx, s.q.updateToken, append(args, r.Token.ID, r.Token.Version)...)
	switch s.d.classify(err) {
	case errUnique:
		return fmt.Errorf("sqlstore: update token %q: %w: %w", r.Token.ID, token.ErrDuplicate, err)
	case errReference:
		return fmt.Errorf("sqlstore: update token %q: role %q: %w: %w", r.Token.ID, r.Token.Role, token.ErrUnknownRole, err)
	}
	if err != nil {
		return s.wrap(ctx, "update token", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return s.wrap(ctx, "update token", err)
	}
	if n == 1 {
		r.Token.Version++
		return nil
	}
	var v int64
	switch err := s.queryRow(ctx, s.q.tokenVersion, []any{r.Token.ID}, &v); {
	case errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("sqlstore: update token %q: %w", r.Token.ID, token.ErrNotFound)
	case err != nil:
		return s.wrap(ctx, "update token", err)
	}
	return fmt.Errorf("sqlstore: update token %q: version %d, stored %d: %w", r.Token.ID, r.Token.Version, v, token.ErrConflict)
}

// DeleteToken implements token.Store. The token's usage rows go with it
// (ON DELETE CASCADE; a trigger on SQLite).
func (s *Store) DeleteToken(ctx context.Context, id string) error {
	res, err := s.exec(ctx, s.q.deleteToken, id)
	if err != nil {
		return s.wrap(ctx, "delete token", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return s.wrap(ctx, "delete token", err)
	}
	if n == 0 {
		return fmt.Errorf("sqlstore: delete token %q: %w", id, token.ErrNotFound)
	}
	return nil
}

// ListTokens implements token.Store. The name prefix is matched on the
// indexed FoldName column.
func (s *Store) ListTokens(ctx context.Context, q token.ListQuery) ([]*token.Record, error) {
	var b strings.Builder
	b.WriteString("SELECT " + tokenCols + " FROM {p}tokens WHERE id > $1")
	args := []any{q.After}
	if q.Tenant != "" {
		args = append(args, q.Tenant)
		fmt.Fprintf(&b, " AND tenant = $%d", len(args))
	}
	if q.Kind != 0 {
		args = append(args, int64(q.Kind))
		fmt.Fprintf(&b, " AND kind = $%d", len(args))
	}
	if q.NamePrefix != "" {
		if p := token.FoldName(q.NamePrefix); p != "" {
			if s.d == SQLite {
				args = append(args, globPrefix(p))
				fmt.Fprintf(&b, " AND name_key GLOB $%d", len(args))
			} else {
				args = append(args, likePrefix(p))
				fmt.Fprintf(&b, " AND name_key LIKE $%d ESCAPE '!'", len(args))
			}
		}
	}
	fmt.Fprintf(&b, " ORDER BY id LIMIT %d", q.PageSize())
	st := s.d.rewrite(s.prefix, b.String())
	rows, err := s.db.QueryContext(ctx, st.sql, st.bind(args...)...)
	if err != nil {
		return nil, s.wrap(ctx, "list tokens", err)
	}
	recs, err := scanRecords(rows)
	if err != nil {
		return nil, s.wrap(ctx, "list tokens", err)
	}
	return recs, nil
}

// likePrefix returns a LIKE pattern (escape character '!') matching
// strings that start with p.
func likePrefix(p string) string {
	r := strings.NewReplacer("!", "!!", "%", "!%", "_", "!_")
	return r.Replace(p) + "%"
}

// globPrefix returns a GLOB pattern matching strings that start with p.
// GLOB is case-sensitive, unlike SQLite's LIKE.
func globPrefix(p string) string {
	r := strings.NewReplacer("[", "[[]", "*", "[*]", "?", "[?]")
	return r.Replace(p) + "*"
}

// TouchToken implements token.Store: LastUsed only moves forward and the
// version is left alone.
func (s *Store) TouchToken(ctx context.Context, id string, at time.Time) error {
	res, err := s.exec(ctx, s.q.touch, at.UnixMicro(), id)
	if err != nil {
		return s.wrap(ctx, "touch token", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return s.wrap(ctx, "touch token", err)
	}
	if n > 0 {
		return nil
	}
	var one int64
	switch err := s.queryRow(ctx, s.q.tokenExists, []any{id}, &one); {
	case errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("sqlstore: touch token %q: %w", id, token.ErrNotFound)
	case err != nil:
		return s.wrap(ctx, "touch token", err)
	}
	return nil
}

// PutRole implements token.Store with one upsert that keeps Created.
func (s *Store) PutRole(ctx context.Context, r *token.Role) (*token.Role, error) {
	scopes, err := jsonText(r.Scopes == nil, r.Scopes)
	if err != nil {
		return nil, err
	}
	args := []any{r.Name, r.Description, scopes, micros(r.Created), micros(r.Updated)}
	var created sql.NullInt64
	if s.d == MySQL {
		err = s.putRoleMySQL(ctx, args, &created)
	} else {
		err = s.writeRow(ctx, s.q.putRole, args, &created)
	}
	if err != nil {
		return nil, s.wrap(ctx, "put role", err)
	}
	c := r.Clone()
	c.Created = fromMicros(created)
	return c, nil
}

// putRoleMySQL upserts and reads Created back in one transaction: the
// upsert's row lock keeps others from changing the row in between.
func (s *Store) putRoleMySQL(ctx context.Context, args []any, created *sql.NullInt64) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck // after Commit it is a no-op
	if _, err := tx.ExecContext(ctx, s.q.putRole.sql, s.q.putRole.bind(args...)...); err != nil {
		return err
	}
	if err := tx.QueryRowContext(ctx, s.q.roleCreated.sql+" FOR UPDATE", s.q.roleCreated.bind(args[0])...).Scan(created); err != nil {
		return err
	}
	return tx.Commit()
}

// RoleByName implements token.Store.
func (s *Store) RoleByName(ctx context.Context, name string) (*token.Role, error) {
	rows, err := s.query(ctx, s.q.roleByName, name)
	if err != nil {
		return nil, s.wrap(ctx, "role by name", err)
	}
	roles, err := scanRoles(rows)
	if err != nil {
		return nil, s.wrap(ctx, "role by name", err)
	}
	if len(roles) == 0 {
		return nil, fmt.Errorf("sqlstore: role %q: %w", name, token.ErrNotFound)
	}
	return roles[0], nil
}

// DeleteRole implements token.Store. A role named by a token is kept by a
// foreign key (a trigger on SQLite), so the check and the delete are one
// statement.
func (s *Store) DeleteRole(ctx context.Context, name string) error {
	res, err := s.exec(ctx, s.q.deleteRole, name)
	if s.d.classify(err) == errReference {
		return fmt.Errorf("sqlstore: delete role %q: %w: %w", name, token.ErrRoleInUse, err)
	}
	if err != nil {
		return s.wrap(ctx, "delete role", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return s.wrap(ctx, "delete role", err)
	}
	if n == 0 {
		return fmt.Errorf("sqlstore: delete role %q: %w", name, token.ErrNotFound)
	}
	return nil
}

// ListRoles implements token.Store.
func (s *Store) ListRoles(ctx context.Context) ([]*token.Role, error) {
	rows, err := s.query(ctx, s.q.listRoles)
	if err != nil {
		return nil, s.wrap(ctx, "list roles", err)
	}
	roles, err := scanRoles(rows)
	if err != nil {
		return nil, s.wrap(ctx, "list roles", err)
	}
	return roles, nil
}

// ConsumeQuota implements token.Store with one statement: an upsert whose
// update only happens while the counter is below limit, so concurrent
// callers on any number of connections and processes never push it past
// limit, and a denied request writes nothing. A token that does not exist
// is refused by a foreign key (a trigger on SQLite): ErrNotFound.
func (s *Store) ConsumeQuota(ctx context.Context, id string, start time.Time, limit, n int64) (granted, used int64, err error) {
	if n < 1 || limit < 1 {
		return 0, 0, fmt.Errorf("sqlstore: consume quota: n %d and limit %d must be at least 1: %w", n, limit, token.ErrValidation)
	}
	w := start.UnixMicro()
	if s.d == MySQL {
		res, err := s.exec(ctx, s.q.consume, id, w, n, limit)
		if s.d.classify(err) == errReference {
			return 0, 0, fmt.Errorf("sqlstore: consume quota: token %q: %w", id, token.ErrNotFound)
		}
		if err != nil {
			return 0, 0, s.wrap(ctx, "consume quota", err)
		}
		before, err := res.LastInsertId()
		if err != nil {
			return 0, 0, s.wrap(ctx, "consume quota", err)
		}
		granted = min(n, max(0, limit-before))
		return granted, before + granted, nil
	}
	err = s.writeRow(ctx, s.q.consume, []any{id, w, n, limit}, &used, &granted)
	switch {
	case errors.Is(err, sql.ErrNoRows): // at or over the limit: nothing written
		used, err = s.QuotaUsed(ctx, id, start)
		return 0, used, err
	case s.d.classify(err) == errReference:
		return 0, 0, fmt.Errorf("sqlstore: consume quota: token %q: %w", id, token.ErrNotFound)
	case err != nil:
		return 0, 0, s.wrap(ctx, "consume quota", err)
	}
	return granted, used, nil
}

// ReleaseQuota implements token.Store.
func (s *Store) ReleaseQuota(ctx context.Context, id string, start time.Time, n int64) error {
	if n <= 0 {
		return nil
	}
	if _, err := s.exec(ctx, s.q.release, id, start.UnixMicro(), n); err != nil {
		return s.wrap(ctx, "release quota", err)
	}
	return nil
}

// QuotaUsed implements token.Store.
func (s *Store) QuotaUsed(ctx context.Context, id string, start time.Time) (int64, error) {
	var used int64
	err := s.queryRow(ctx, s.q.used, []any{id, start.UnixMicro()}, &used)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return 0, nil
	case err != nil:
		return 0, s.wrap(ctx, "quota used", err)
	}
	return used, nil
}

// SetMaintenance implements token.Store.
func (s *Store) SetMaintenance(ctx context.Context, on bool) error {
	if _, err := s.exec(ctx, s.q.setMaintenance, boolInt(on)); err != nil {
		return s.wrap(ctx, "set maintenance", err)
	}
	return nil
}

// Maintenance implements token.Store. It is one primary-key read per call.
func (s *Store) Maintenance(ctx context.Context) (bool, error) {
	var v int64
	err := s.queryRow(ctx, s.q.maintenance, nil, &v)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return false, nil
	case err != nil:
		return false, s.wrap(ctx, "maintenance", err)
	}
	return v != 0, nil
}

// scanRecords reads every row of rows as a token and closes rows.
func scanRecords(rows *sql.Rows) ([]*token.Record, error) {
	defer rows.Close()
	var out []*token.Record
	for rows.Next() {
		var (
			r                                          token.Record
			t                                          = &r.Token
			role, scopes, allow, meta                  sql.NullString
			expires, created, updated, used, prevUntil sql.NullInt64
			kind, period, events, interval, burst, dis int64
			hash, prev                                 []byte
		)
		if err := rows.Scan(&t.ID, &t.Name, &t.Description, &kind, &t.Tenant, &role, &scopes, &allow, &meta,
			&expires, &t.Quota.Limit, &period, &events, &interval, &burst, &dis, &t.Hint,
			&created, &updated, &used, &t.Version, &hash, &r.HashKey, &prev, &r.PrevKey, &prevUntil); err != nil {
			return nil, err
		}
		t.Kind, t.Role, t.Disabled = token.Kind(kind), role.String, dis != 0
		t.Quota.Period = token.Period(period)
		t.Rate = token.Rate{Events: int(events), Interval: time.Duration(interval), Burst: int(burst)}
		t.Expires, t.Created, t.Updated, t.LastUsed = fromMicros(expires), fromMicros(created), fromMicros(updated), fromMicros(used)
		r.PrevUntil = fromMicros(prevUntil)
		if err := fromJSON(scopes, &t.Scopes); err != nil {
			return nil, fmt.Errorf("token %s: scopes: %w", t.ID, err)
		}
		if err := fromJSON(allow, &t.Allow); err != nil {
			return nil, fmt.Errorf("token %s: allowlist: %w", t.ID, err)
		}
		if err := fromJSON(meta, &t.Metadata); err != nil {
			return nil, fmt.Errorf("token %s: metadata: %w", t.ID, err)
		}
		if err := toHash(&r.Hash, hash); err != nil {
			return nil, fmt.Errorf("token %s: hash: %w", t.ID, err)
		}
		if err := toHash(&r.Prev, prev); err != nil {
			return nil, fmt.Errorf("token %s: previous hash: %w", t.ID, err)
		}
		out = append(out, &r)
	}
	return out, rows.Err()
}

// scanRoles reads every row of rows as a role and closes rows.
func scanRoles(rows *sql.Rows) ([]*token.Role, error) {
	defer rows.Close()
	var out []*token.Role
	for rows.Next() {
		var (
			r                token.Role
			scopes           sql.NullString
			created, updated sql.NullInt64
		)
		if err := rows.Scan(&r.Name, &r.Description, &scopes, &created, &updated); err != nil {
			return nil, err
		}
		r.Created, r.Updated = fromMicros(created), fromMicros(updated)
		if err := fromJSON(scopes, &r.Scopes); err != nil {
			return nil, fmt.Errorf("role %s: scopes: %w", r.Name, err)
		}
		out = append(out, &r)
	}
	return out, rows.Err()
}

// micros stores a time as Unix microseconds, truncated (never rounded up);
// the zero time is NULL.
func micros(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMicro()
}

// fromMicros reads a time stored by micros, in UTC.
func fromMicros(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return time.UnixMicro(v.Int64).UTC()
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// hashBytes stores a hash as 32 bytes; the zero hash (no previous secret)
// is NULL.
func hashBytes(h token.Hash) any {
	if h.IsZero() {
		return nil
	}
	return h[:]
}

func toHash(dst *token.Hash, b []byte) error {
	if b == nil {
		return nil
	}
	if len(b) != len(dst) {
		return fmt.Errorf("%d bytes, want %d", len(b), len(dst))
	}
	copy(dst[:], b)
	return nil
}

// jsonText encodes v as JSON text; nil values are NULL, so that a nil
// list or map reads back as nil and an empty one as empty.
func jsonText(isNil bool, v any) (any, error) {
	if isNil {
		return nil, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: encode: %w", err)
	}
	return string(b), nil
}

func fromJSON[T any](s sql.NullString, dst *T) error {
	if !s.Valid {
		return nil
	}
	return json.Unmarshal([]byte(s.String), dst)
}
