package store_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tokenwarden/tokenwarden/internal/testclock"
	"github.com/tokenwarden/tokenwarden/memstore"
	"github.com/tokenwarden/tokenwarden/store"
	"github.com/tokenwarden/tokenwarden/token"
)

// base is the start time of every test clock: UTC, whole microseconds.
var base = time.Date(2026, time.March, 14, 9, 26, 53, 589793000, time.UTC)

// clock is the shared manual test clock.
type clock = testclock.Clock

func newClock() *clock { return testclock.New(base) }

// errBroken is the failure a flaky store injects.
var errBroken = errors.New("store is broken")

// countingStore wraps a store, counts the calls of the methods a Cache
// serves from memory, and can fail the next calls of one of them.
type countingStore struct {
	token.Store
	byHash, byName, maint, consume, release atomic.Int64
	failHash, failRole, failMaint           atomic.Int64 // calls left to fail
}

func (s *countingStore) TokenByHash(ctx context.Context, h token.Hash) (*token.Record, error) {
	s.byHash.Add(1)
	if s.failHash.Add(-1) >= 0 {
		return nil, errBroken
	}
	return s.Store.TokenByHash(ctx, h)
}

func (s *countingStore) RoleByName(ctx context.Context, name string) (*token.Role, error) {
	s.byName.Add(1)
	if s.failRole.Add(-1) >= 0 {
		return nil, errBroken
	}
	return s.Store.RoleByName(ctx, name)
}

func (s *countingStore) Maintenance(ctx context.Context) (bool, error) {
	s.maint.Add(1)
	if s.failMaint.Add(-1) >= 0 {
		return false, errBroken
	}
	return s.Store.Maintenance(ctx)
}

func (s *countingStore) ConsumeQuota(ctx context.Context, id string, start time.Time, limit, n int64) (int64, int64, error) {
	s.consume.Add(1)
	return s.Store.ConsumeQuota(ctx, id, start, limit, n)
}

func (s *countingStore) ReleaseQuota(ctx context.Context, id string, start time.Time, n int64) error {
	s.release.Add(1)
	return s.Store.ReleaseQuota(ctx, id, start, n)
}

// newCache returns a Cache over s on clk with opts, closed at cleanup.
func newCache(t *testing.T, s token.Store, clk *clock, opts ...store.CacheOption) *store.Cache {
	t.Helper()
	c, err := store.NewCache(s, append([]store.CacheOption{store.WithClock(clk.Now)}, opts...)...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close(context.Background()) })
	return c
}

// newManager returns a Manager over s on clk.
func newManager(t *testing.T, s token.Store, clk *clock) *token.Manager {
	t.Helper()
	m, err := token.NewManager(s, token.WithClock(clk.Now))
	require.NoError(t, err)
	return m
}

// instances returns n Managers, each over its own Cache, all over one
// counting memstore, on one clock.
func instances(t *testing.T, n int, opts ...store.CacheOption) ([]*token.Manager, []*store.Cache, *countingStore, *clock) {
	t.Helper()
	clk := newClock()
	backing := &countingStore{Store: memstore.New()}
	ms := make([]*token.Manager, n)
	cs := make([]*store.Cache, n)
	for i := range n {
		cs[i] = newCache(t, backing, clk, opts...)
		ms[i] = newManager(t, cs[i], clk)
	}
	return ms, cs, backing, clk
}

// issue issues a token and returns its secret.
func issue(t *testing.T, m *token.Manager, spec token.Spec) (string, *token.Token) {
	t.Helper()
	sec, tok, err := m.Issue(t.Context(), spec)
	require.NoError(t, err)
	return sec.Reveal(), tok
}

var readSpec = token.Spec{Name: "Sales CRM integration", Kind: token.Internal, Scopes: []string{"clients:read"}}

var readReq = token.Request{Scopes: []string{"clients:read"}}

// newRecord returns a minimal valid internal token with a fresh secret.
func newRecord(t *testing.T) *token.Record {
	t.Helper()
	sec, err := token.NewSecret(token.DefaultPrefix)
	require.NoError(t, err)
	id := sec.Hint() + "-" + token.HashSecret(sec).String()[:16]
	return &token.Record{
		Token: token.Token{ID: id, Name: id, Kind: token.Internal, Hint: sec.Hint(), Created: base, Updated: base, Version: 1},
		Hash:  token.HashSecret(sec),
	}
}
