package token_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tokenwarden/tokenwarden/internal/testclock"
	"github.com/tokenwarden/tokenwarden/memstore"
	"github.com/tokenwarden/tokenwarden/token"
)

// clock is the shared manual test clock.
type clock = testclock.Clock

func newClock() *clock { return testclock.New(time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC)) }

// countingStore counts the calls a Manager makes, by method.
type countingStore struct {
	token.Store
	byHash, touch, consume, maintenance atomic.Int64
	failHash                            error
}

func (s *countingStore) TokenByHash(ctx context.Context, h token.Hash) (*token.Record, error) {
	s.byHash.Add(1)
	if s.failHash != nil {
		return nil, s.failHash
	}
	return s.Store.TokenByHash(ctx, h)
}

func (s *countingStore) TouchToken(ctx context.Context, id string, at time.Time) error {
	s.touch.Add(1)
	return s.Store.TouchToken(ctx, id, at)
}

func (s *countingStore) ConsumeQuota(ctx context.Context, id string, start time.Time, limit, n int64) (int64, int64, error) {
	s.consume.Add(1)
	return s.Store.ConsumeQuota(ctx, id, start, limit, n)
}

func (s *countingStore) Maintenance(ctx context.Context) (bool, error) {
	s.maintenance.Add(1)
	return s.Store.Maintenance(ctx)
}

type fixture struct {
	m     *token.Manager
	store *countingStore
	clock *clock
}

func newFixture(t testing.TB, opts ...token.Option) *fixture {
	t.Helper()
	f := &fixture{store: &countingStore{Store: memstore.New()}, clock: newClock()}
	opts = append([]token.Option{token.WithClock(f.clock.Now)}, opts...)
	m, err := token.NewManager(f.store, opts...)
	require.NoError(t, err)
	f.m = m
	return f
}

func (f *fixture) issue(t testing.TB, spec token.Spec) (string, *token.Token) {
	t.Helper()
	if spec.Name == "" {
		spec.Name = "integration " + time.Now().Format(time.RFC3339Nano)
	}
	if spec.Kind == 0 {
		spec.Kind = token.Internal
	}
	s, tok, err := f.m.Issue(context.Background(), spec)
	require.NoError(t, err)
	return s.Reveal(), tok
}
