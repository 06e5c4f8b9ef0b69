package sqlstore_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tokenwarden/tokenwarden/memstore"
	"github.com/tokenwarden/tokenwarden/sqlstore"
	"github.com/tokenwarden/tokenwarden/store"
	"github.com/tokenwarden/tokenwarden/token"
)

// BenchmarkVerifyCached measures Manager.Verify through store.NewCache
// (default options: MaxStale 1 s on the wall clock, quota blocks of 100)
// over each store, next to memstore without a cache, the in-process floor
// of the same run. "lookup" is a token with scopes and no quota, "quota"
// adds a daily quota; each cycles through 256 tokens. store-reads/op counts
// the queries the cache lets through for the token, its role and the
// maintenance switch, quota-calls/op the ConsumeQuota and ReleaseQuota
// calls that reach the store. Server dialects skip without their DSN.
//
//	go test -run XXX -bench VerifyCached -benchmem ./sqlstore/
func BenchmarkVerifyCached(b *testing.B) {
	b.Run("memstore", func(b *testing.B) { benchVerifyCached(b, memstore.New(), false) })
	b.Run("memstore-cached", func(b *testing.B) { benchVerifyCached(b, memstore.New(), true) })
	for _, dl := range dialects {
		b.Run(dl.name+"-cached", func(b *testing.B) {
			if dl.d != sqlstore.SQLite {
				if _, err := serverOrSkip(dl.d); err != nil {
					b.Skip(err)
				}
			}
			benchVerifyCached(b, newStore(b, sharedDB(b, dl.d), dl.d), true)
		})
	}
}

// benchStore counts the calls a cache lets through to the store.
type benchStore struct {
	token.Store
	reads, quota atomic.Int64
}

func (s *benchStore) TokenByHash(ctx context.Context, h token.Hash) (*token.Record, error) {
	s.reads.Add(1)
	return s.Store.TokenByHash(ctx, h)
}

func (s *benchStore) RoleByName(ctx context.Context, name string) (*token.Role, error) {
	s.reads.Add(1)
	return s.Store.RoleByName(ctx, name)
}

func (s *benchStore) Maintenance(ctx context.Context) (bool, error) {
	s.reads.Add(1)
	return s.Store.Maintenance(ctx)
}

func (s *benchStore) ConsumeQuota(ctx context.Context, id string, start time.Time, limit, n int64) (int64, int64, error) {
	s.quota.Add(1)
	return s.Store.ConsumeQuota(ctx, id, start, limit, n)
}

func (s *benchStore) ReleaseQuota(ctx context.Context, id string, start time.Time, n int64) error {
	s.quota.Add(1)
	return s.Store.ReleaseQuota(ctx, id, start, n)
}

func benchVerifyCached(b *testing.B, s token.Store, cached bool) {
	ctx := context.Background()
	counted := &benchStore{Store: s}
	var over token.Store = counted
	if cached {
		c, err := store.NewCache(counted)
		require.NoError(b, err)
		b.Cleanup(func() { _ = c.Close(context.Background()) })
		over = c
	}
	now := time.Date(2026, time.March, 14, 12, 0, 0, 0, time.UTC)
	m, err := token.NewManager(over, token.WithClock(func() time.Time { return now }))
	require.NoError(b, err)
	for _, c := range []struct {
		name  string
		quota token.Quota
	}{
		{"lookup", token.Quota{}},
		{"quota", token.PerDay(1 << 40)},
	} {
		secrets := make([]string, benchTokens)
		for i := range secrets {
			sec, _, err := m.Issue(ctx, token.Spec{
				Name:   fmt.Sprintf("%s %d", c.name, i),
				Kind:   token.Internal,
				Scopes: []string{"clients:read", "case-notes:write"},
				Quota:  c.quota,
			})
			require.NoError(b, err)
			secrets[i] = sec.Reveal()
		}
		req := token.Request{Scopes: []string{"clients:read"}}
		// Warm the cache and record every token's first use, as a running
		// instance has, so that the loop measures the steady state.
		for _, sec := range secrets {
			_, err := m.Verify(ctx, sec, req)
			require.NoError(b, err)
		}
		report := func(b *testing.B, reads, quota int64) {
			b.ReportMetric(float64(counted.reads.Load()-reads)/float64(b.N), "store-reads/op")
			b.ReportMetric(float64(counted.quota.Load()-quota)/float64(b.N), "quota-calls/op")
		}
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			reads, quota := counted.reads.Load(), counted.quota.Load()
			i := 0
			for b.Loop() {
				if _, err := m.Verify(ctx, secrets[i%benchTokens], req); err != nil {
					b.Fatal(err)
				}
				i++
			}
			report(b, reads, quota)
		})
		b.Run(c.name+"-parallel", func(b *testing.B) {
			b.ReportAllocs()
			reads, quota := counted.reads.Load(), counted.quota.Load()
			var next atomic.Int64
			b.RunParallel(func(pb *testing.PB) {
				i := int(next.Add(97))
				for pb.Next() {
					if _, err := m.Verify(ctx, secrets[i%benchTokens], req); err != nil {
						b.Error(err)
						return
					}
					i++
				}
			})
			report(b, reads, quota)
		})
	}
}
