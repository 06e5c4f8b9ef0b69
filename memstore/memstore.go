// Package memstore is an in-memory token.Store: the default for tests and
// for applications that run a single instance. Nothing survives a restart.
//
// Lookups (by hash, id and role name), quota consumption and the
// maintenance switch take no lock and write no shared memory except the
// quota counter itself, so verification scales with cores. Writes (issue,
// edit, delete, roles) are serialised by one mutex.
package memstore

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tokenwarden/tokenwarden/internal/cowmap"
	"github.com/tokenwarden/tokenwarden/token"
)

// Store is an in-memory token.Store, safe for concurrent use. The zero
// value is not usable; call New.
//
// It keeps each token's quota counters for the two windows used last and
// the lifetime window; QuotaUsed for any other window reports 0.
type Store struct {
	mu      sync.Mutex // serialises writers
	byID    cowmap.Map[string, *token.Record]
	byHash  cowmap.Map[token.Hash, *token.Record]
	names   map[string]string // FoldName → id
	roles   atomic.Pointer[map[string]*token.Role]
	roleUse map[string]int // role name → tokens naming it

	counters cowmap.Map[counterKey, *atomic.Int64]
	windows  map[string][]int64 // token id → window starts with a counter, not LifetimeStart

	maintenance atomic.Bool
}

type counterKey struct {
	id    string
	start int64 // unix microseconds
}

var _ token.Store = (*Store)(nil)

// New returns an empty Store.
func New() *Store {
	s := &Store{
		names:   make(map[string]string),
		roleUse: make(map[string]int),
		windows: make(map[string][]int64),
	}
	s.byID.Shard = cowmap.StringShard
	s.byHash.Shard = func(h token.Hash) uint8 { return h[0] }
	s.counters.Shard = func(k counterKey) uint8 { return cowmap.StringShard(k.id) ^ uint8(k.start) }
	s.roles.Store(&map[string]*token.Role{})
	return s
}

// CreateToken implements token.Store.
func (s *Store) CreateToken(ctx context.Context, r *token.Record) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.byID.Load(r.Token.ID); ok {
		return token.ErrDuplicate
	}
	key := token.FoldName(r.Token.Name)
	if _, ok := s.names[key]; ok {
		return token.ErrDuplicate
	}
	if _, ok := s.byHash.Load(r.Hash); ok {
		return token.ErrDuplicate
	}
	if r.Token.Role != "" {
		if _, ok := (*s.roles.Load())[r.Token.Role]; !ok {
			return token.ErrUnknownRole
		}
		s.roleUse[r.Token.Role]++
	}
	c := r.Clone()
	s.names[key] = c.Token.ID
	s.index(c)
	return nil
}

// index makes c reachable by id and hashes. Called with mu held.
func (s *Store) index(c *token.Record) {
	s.byID.Store(c.Token.ID, c)
	s.byHash.Store(c.Hash, c)
	if !c.Prev.IsZero() {
		s.byHash.Store(c.Prev, c)
	}
}

// TokenByID implements token.Store.
func (s *Store) TokenByID(ctx context.Context, id string) (*token.Record, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if r, ok := s.byID.Load(id); ok {
		return r, nil
	}
	return nil, token.ErrNotFound
}

// TokenByHash implements token.Store.
func (s *Store) TokenByHash(ctx context.Context, h token.Hash) (*token.Record, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if r, ok := s.byHash.Load(h); ok {
		return r, nil
	}
	return nil, token.ErrNotFound
}

// UpdateToken implements token.Store.
func (s *Store) UpdateToken(ctx context.Context, r *token.Record) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cur, ok := s.byID.Load(r.Token.ID)
	if !ok {
		return token.ErrNotFound
	}
	if cur.Token.Version != r.Token.Version {
		return token.ErrConflict
	}
	oldKey, newKey := token.FoldName(cur.Token.Name), token.FoldName(r.Token.Name)
	if oldKey != newKey {
		if _, taken := s.names[newKey]; taken {
			return token.ErrDuplicate
		}
	}
	if r.Hash != cur.Hash && r.Hash != cur.Prev {
		if _, taken := s.byHash.Load(r.Hash); taken {
			return token.ErrDuplicate
		}
	}
	if r.Token.Role != cur.Token.Role && r.Token.Role != "" {
		if _, ok := (*s.roles.Load())[r.Token.Role]; !ok {
			return token.ErrUnknownRole
		}
	}
	c := r.Clone()
	c.Token.Kind, c.Token.Tenant = cur.Token.Kind, cur.Token.Tenant
	c.Token.Created, c.Token.LastUsed = cur.Token.Created, cur.Token.LastUsed
	c.Token.Version = cur.Token.Version + 1

	if r.Token.Role != cur.Token.Role {
		s.releaseRole(cur.Token.Role)
		if c.Token.Role != "" {
			s.roleUse[c.Token.Role]++
		}
	}
	delete(s.names, oldKey)
	s.names[newKey] = c.Token.ID
	// Publish the new record before removing anything, and remove only the
	// hashes it no longer carries: a concurrent lookup by a hash the token
	// keeps must never miss it.
	s.index(c)
	for _, h := range []token.Hash{cur.Hash, cur.Prev} {
		if !h.IsZero() && h != c.Hash && h != c.Prev {
			s.byHash.Delete(h)
		}
	}
	r.Token.Version = c.Token.Version
	return nil
}

func (s *Store) releaseRole(name string) {
	if name == "" {
		return
	}
	if s.roleUse[name]--; s.roleUse[name] <= 0 {
		delete(s.roleUse, name)
	}
}

func (s *Store) unindexHashes(r *token.Record) {
	s.byHash.Delete(r.Hash)
	if !r.Prev.IsZero() {
		s.byHash.Delete(r.Prev)
	}
}

// DeleteToken implements token.Store.
func (s *Store) DeleteToken(ctx context.Context, id string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cur, ok := s.byID.Load(id)
	if !ok {
		return token.ErrNotFound
	}
	s.unindexHashes(cur)
	s.byID.Delete(id)
	delete(s.names, token.FoldName(cur.Token.Name))
	s.releaseRole(cur.Token.Role)
	for _, w := range s.windows[id] {
		s.counters.Delete(counterKey{id, w})
	}
	s.counters.Delete(counterKey{id, token.LifetimeStart.UnixMicro()})
	delete(s.windows, id)
	return nil
}

// ListTokens implements token.Store.
func (s *Store) ListTokens(ctx context.Context, q token.ListQuery) ([]*token.Record, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var out []*token.Record
	s.byID.Range(func(id string, r *token.Record) {
		if id > q.After && q.Matches(&r.Token) {
			out = append(out, r)
		}
	})
	slices.SortFunc(out, func(a, b *token.Record) int { return cmp.Compare(a.Token.ID, b.Token.ID) })
	if n := q.PageSize(); len(out) > n {
		out = out[:n]
	}
	return out, nil
}

// TouchToken implements token.Store.
func (s *Store) TouchToken(ctx context.Context, id string, at time.Time) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cur, ok := s.byID.Load(id)
	if !ok {
		return token.ErrNotFound
	}
	if !at.After(cur.Token.LastUsed) {
		return nil
	}
	c := cur.Clone()
	c.Token.LastUsed = at
	s.index(c)
	return nil
}

// PutRole implements token.Store.
func (s *Store) PutRole(ctx context.Context, r *token.Role) (*token.Role, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c := r.Clone()
	roles := *s.roles.Load()
	if old, ok := roles[r.Name]; ok {
		c.Created = old.Created
	}
	next := make(map[string]*token.Role, len(roles)+1)
	for k, v := range roles {
		next[k] = v
	}
	next[c.Name] = c
	s.roles.Store(&next)
	return c, nil
}

// RoleByName implements token.Store.
func (s *Store) RoleByName(ctx context.Context, name string) (*token.Role, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if r, ok := (*s.roles.Load())[name]; ok {
		return r, nil
	}
	return nil, token.ErrNotFound
}

// DeleteRole implements token.Store.
func (s *Store) DeleteRole(ctx context.Context, name string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	roles := *s.roles.Load()
	if _, ok := roles[name]; !ok {
		return token.ErrNotFound
	}
	if s.roleUse[name] > 0 {
		return token.ErrRoleInUse
	}
	next := make(map[string]*token.Role, len(roles))
	for k, v := range roles {
		if k != name {
			next[k] = v
		}
	}
	s.roles.Store(&next)
	return nil
}

// ListRoles implements token.Store.
func (s *Store) ListRoles(ctx context.Context) ([]*token.Role, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	roles := *s.roles.Load()
	out := make([]*token.Role, 0, len(roles))
	for _, r := range roles {
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b *token.Role) int { return cmp.Compare(a.Name, b.Name) })
	return out, nil
}

// ConsumeQuota implements token.Store with a compare-and-swap loop on the
// window's counter: exact under any number of goroutines.
func (s *Store) ConsumeQuota(ctx context.Context, id string, start time.Time, limit, n int64) (granted, used int64, err error) {
	if err := ctx.Err(); err != nil {
		return 0, 0, err
	}
	if n < 1 || limit < 1 {
		return 0, 0, fmt.Errorf("memstore: consume quota: n %d and limit %d must be at least 1: %w", n, limit, token.ErrValidation)
	}
	c, err := s.counter(id, start)
	if err != nil {
		return 0, 0, err
	}
	for {
		cur := c.Load()
		granted = min(n, max(0, limit-cur))
		if granted == 0 {
			return 0, cur, nil
		}
		if c.CompareAndSwap(cur, cur+granted) {
			return granted, cur + granted, nil
		}
	}
}

// counter returns the counter for a window, creating it (and pruning the
// token's older windows) on first use.
func (s *Store) counter(id string, start time.Time) (*atomic.Int64, error) {
	key := counterKey{id, start.UnixMicro()}
	if c, ok := s.counters.Load(key); ok {
		return c, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if c, ok := s.counters.Load(key); ok {
		return c, nil
	}
	if _, ok := s.byID.Load(id); !ok {
		return nil, token.ErrNotFound
	}
	c := new(atomic.Int64)
	s.counters.Store(key, c)
	if !start.Equal(token.LifetimeStart) {
		// Keep the new window and the newest other one; drop the rest. The
		// new window may be older than the others (a token moved from a
		// daily to a monthly quota), so it is never the one dropped.
		ws := slices.DeleteFunc(slices.Clone(s.windows[id]), func(w int64) bool { return w == key.start })
		slices.Sort(ws)
		for len(ws) > 1 {
			s.counters.Delete(counterKey{id, ws[0]})
			ws = ws[1:]
		}
		s.windows[id] = append(ws, key.start)
	}
	return c, nil
}

// ReleaseQuota implements token.Store.
func (s *Store) ReleaseQuota(ctx context.Context, id string, start time.Time, n int64) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c, ok := s.counters.Load(counterKey{id, start.UnixMicro()})
	if !ok || n <= 0 {
		return nil
	}
	for {
		cur := c.Load()
		next := max(0, cur-n)
		if c.CompareAndSwap(cur, next) {
			return nil
		}
	}
}

// QuotaUsed implements token.Store.
func (s *Store) QuotaUsed(ctx context.Context, id string, start time.Time) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	if c, ok := s.counters.Load(counterKey{id, start.UnixMicro()}); ok {
		return c.Load(), nil
	}
	return 0, nil
}

// SetMaintenance implements token.Store.
func (s *Store) SetMaintenance(ctx context.Context, on bool) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.maintenance.Store(on)
	return nil
}

// Maintenance implements token.Store.
func (s *Store) Maintenance(ctx context.Context) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	return s.maintenance.Load(), nil
}
