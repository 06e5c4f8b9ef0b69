package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenwarden/tokenwarden/memstore"
	"github.com/tokenwarden/tokenwarden/store"
	"github.com/tokenwarden/tokenwarden/token"
)

var day0 = time.Date(2026, time.March, 14, 0, 0, 0, 0, time.UTC)

// caches returns n Caches over one counting memstore holding one token.
func caches(t *testing.T, n int, opts ...store.CacheOption) ([]*store.Cache, *countingStore, string, *clock) {
	t.Helper()
	clk := newClock()
	backing := &countingStore{Store: memstore.New()}
	rec := newRecord(t)
	require.NoError(t, backing.CreateToken(t.Context(), rec))
	cs := make([]*store.Cache, n)
	for i := range cs {
		cs[i] = newCache(t, backing, clk, opts...)
	}
	return cs, backing, rec.Token.ID, clk
}

func backingUsed(t *testing.T, s token.Store, id string, start time.Time) int64 {
	t.Helper()
	u, err := s.QuotaUsed(t.Context(), id, start)
	require.NoError(t, err)
	return u
}

// TestCacheQuotaIsExactAcrossInstances has 4 instances with 16 goroutines
// each consume one unit at a time from one token's window.
func TestCacheQuotaIsExactAcrossInstances(t *testing.T) {
	const instances, workers = 4, 16
	for _, c := range []struct {
		name         string
		limit, calls int64 // calls per goroutine
	}{
		{"demand_above_the_limit_gets_exactly_the_limit", 1_000, 40},
		{"demand_below_the_limit_gets_everything_and_Close_returns_the_rest", 10_000, 40},
		{"small_limit", 7, 5},
	} {
		t.Run(c.name, func(t *testing.T) {
			cs, backing, id, _ := caches(t, instances)
			granted := make([][]int64, instances*workers)
			usedSeen := make([][]int64, instances*workers)
			errs := make([][]error, instances*workers)
			var wg sync.WaitGroup
			start := make(chan struct{})
			for w := range instances * workers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					for range c.calls {
						g, u, err := cs[w%instances].ConsumeQuota(context.Background(), id, day0, c.limit, 1)
						granted[w] = append(granted[w], g)
						usedSeen[w] = append(usedSeen[w], u)
						if err != nil {
							errs[w] = append(errs[w], err)
						}
					}
				}()
			}
			close(start)
			wg.Wait()
			var total int64
			for w := range granted {
				assert.Empty(t, errs[w], "worker %d", w)
				for i, g := range granted[w] {
					total += g
					assert.LessOrEqual(t, usedSeen[w][i], c.limit, "worker %d: reported use passed the limit", w)
				}
			}
			want := min(c.limit, instances*workers*c.calls)
			assert.Equal(t, want, total, "granted in total")
			assert.LessOrEqual(t, backingUsed(t, backing, id, day0), c.limit, "the store's count never passes the limit")
			for _, cache := range cs {
				require.NoError(t, cache.Close(t.Context()))
			}
			assert.Equal(t, total, backingUsed(t, backing, id, day0), "after Close the store counts exactly what was granted")
		})
	}
}

func TestCacheQuotaStaleBlockGoesBackForOtherInstances(t *testing.T) {
	const limit = 40 // blocks of 10
	cs, backing, id, clk := caches(t, 2)
	a, b := cs[0], cs[1]
	ctx := t.Context()
	other := newRecord(t)
	require.NoError(t, backing.CreateToken(ctx, other))
	// A holds a block of another token, reserved earlier.
	_, _, err := a.ConsumeQuota(ctx, other.Token.ID, day0, limit, 1)
	require.NoError(t, err)
	clk.Advance(300 * time.Millisecond)

	g, u, err := a.ConsumeQuota(ctx, id, day0, limit, 1)
	require.NoError(t, err)
	assert.EqualValues(t, 1, g)
	assert.EqualValues(t, 1, u)
	assert.EqualValues(t, 10, backingUsed(t, backing, id, day0), "A reserved a block of a quarter of the limit")

	var gotB int64
	for range limit {
		g, _, err := b.ConsumeQuota(ctx, id, day0, limit, 1)
		require.NoError(t, err)
		gotB += g
	}
	assert.EqualValues(t, limit-10, gotB, "B gets what A does not hold")

	clk.Advance(store.DefaultMaxStale - time.Nanosecond)
	_, _, err = a.ConsumeQuota(ctx, other.Token.ID, day0, 1_000, 1)
	require.NoError(t, err)
	g, _, err = b.ConsumeQuota(ctx, id, day0, limit, 1)
	require.NoError(t, err)
	assert.Zero(t, g, "A may hold its block until MaxStale")

	clk.Advance(time.Nanosecond)
	// Any quota call of A's gives its stale blocks back.
	_, _, err = a.ConsumeQuota(ctx, other.Token.ID, day0, 1_000, 1)
	require.NoError(t, err)
	assert.EqualValues(t, limit-9, backingUsed(t, backing, id, day0), "A gave back its 9 unspent units")
	gotB = 0
	for range limit {
		g, u, err := b.ConsumeQuota(ctx, id, day0, limit, 1)
		require.NoError(t, err)
		assert.LessOrEqual(t, u, int64(limit))
		gotB += g
	}
	assert.EqualValues(t, 9, gotB, "B gets A's unspent units")
	assert.EqualValues(t, limit, backingUsed(t, backing, id, day0))
}

func TestCacheQuotaBlocks(t *testing.T) {
	ctx := context.Background()
	t.Run("window_change_gives_the_old_block_back", func(t *testing.T) {
		cs, backing, id, _ := caches(t, 1)
		day1 := day0.AddDate(0, 0, 1)
		_, _, err := cs[0].ConsumeQuota(ctx, id, day0, 1_000, 1)
		require.NoError(t, err)
		assert.EqualValues(t, 100, backingUsed(t, backing, id, day0))
		g, u, err := cs[0].ConsumeQuota(ctx, id, day1, 1_000, 1)
		require.NoError(t, err)
		assert.EqualValues(t, 1, g)
		assert.EqualValues(t, 1, u)
		assert.EqualValues(t, 1, backingUsed(t, backing, id, day0), "the old window keeps only what was granted")
	})
	t.Run("lower_limit_gives_the_block_back_and_is_obeyed", func(t *testing.T) {
		cs, backing, id, _ := caches(t, 1)
		for range 5 {
			_, _, err := cs[0].ConsumeQuota(ctx, id, day0, 1_000, 1)
			require.NoError(t, err)
		}
		g, u, err := cs[0].ConsumeQuota(ctx, id, day0, 5, 1)
		require.NoError(t, err)
		assert.Zero(t, g, "5 of 5 are used")
		assert.EqualValues(t, 5, u)
		assert.EqualValues(t, 5, backingUsed(t, backing, id, day0))
	})
	t.Run("refusal_is_kept_for_MaxStale", func(t *testing.T) {
		cs, backing, id, clk := caches(t, 1)
		g, _, err := cs[0].ConsumeQuota(ctx, id, day0, 2, 2)
		require.NoError(t, err)
		require.EqualValues(t, 2, g)
		before := backing.consume.Load()
		for range 10 {
			g, u, err := cs[0].ConsumeQuota(ctx, id, day0, 2, 1)
			require.NoError(t, err)
			assert.Zero(t, g)
			assert.EqualValues(t, 2, u)
		}
		assert.EqualValues(t, before+1, backing.consume.Load(), "one refusal from the store, then from memory")
		clk.Advance(store.DefaultMaxStale)
		g, _, err = cs[0].ConsumeQuota(ctx, id, day0, 2, 1)
		require.NoError(t, err)
		assert.Zero(t, g)
		assert.EqualValues(t, before+2, backing.consume.Load(), "the kept refusal expires after MaxStale")
		g, _, err = cs[0].ConsumeQuota(ctx, id, day0, 3, 1)
		require.NoError(t, err)
		assert.EqualValues(t, 1, g, "a raised limit asks the store again at once")
		assert.EqualValues(t, before+3, backing.consume.Load())
	})
	t.Run("delete_drops_the_block", func(t *testing.T) {
		cs, _, id, _ := caches(t, 1)
		_, _, err := cs[0].ConsumeQuota(ctx, id, day0, 1_000, 1)
		require.NoError(t, err)
		require.NoError(t, cs[0].DeleteToken(ctx, id))
		_, _, err = cs[0].ConsumeQuota(ctx, id, day0, 1_000, 1)
		assert.ErrorIs(t, err, token.ErrNotFound, "not granted from the dropped block")
	})
	t.Run("deletion_elsewhere_drops_the_block_once_stale", func(t *testing.T) {
		cs, backing, id, clk := caches(t, 2)
		_, _, err := cs[0].ConsumeQuota(ctx, id, day0, 1_000, 1)
		require.NoError(t, err)
		require.NoError(t, cs[1].DeleteToken(ctx, id))
		clk.Advance(store.DefaultMaxStale)
		_, _, err = cs[0].ConsumeQuota(ctx, id, day0, 1_000, 1)
		assert.ErrorIs(t, err, token.ErrNotFound)
		_, _, err = cs[0].ConsumeQuota(ctx, id, day0, 1_000, 1)
		assert.ErrorIs(t, err, token.ErrNotFound, "the block is gone")
		assert.Zero(t, backingUsed(t, backing, id, day0))
	})
	t.Run("release_gives_back_with_the_unspent_units", func(t *testing.T) {
		cs, backing, id, _ := caches(t, 1)
		for range 10 {
			_, _, err := cs[0].ConsumeQuota(ctx, id, day0, 1_000, 1)
			require.NoError(t, err)
		}
		u, err := cs[0].QuotaUsed(ctx, id, day0)
		require.NoError(t, err)
		assert.EqualValues(t, 10, u, "QuotaUsed leaves out the unspent units")
		require.NoError(t, cs[0].ReleaseQuota(ctx, id, day0, 4))
		assert.EqualValues(t, 6, backingUsed(t, backing, id, day0))
		u, err = cs[0].QuotaUsed(ctx, id, day0)
		require.NoError(t, err)
		assert.EqualValues(t, 6, u)
	})
	t.Run("after_Close_nothing_is_reserved_ahead", func(t *testing.T) {
		cs, backing, id, _ := caches(t, 1)
		_, _, err := cs[0].ConsumeQuota(ctx, id, day0, 1_000, 1)
		require.NoError(t, err)
		require.NoError(t, cs[0].Close(ctx))
		require.NoError(t, cs[0].Close(ctx), "Close may be called again")
		assert.EqualValues(t, 1, backingUsed(t, backing, id, day0))
		g, u, err := cs[0].ConsumeQuota(ctx, id, day0, 1_000, 1)
		require.NoError(t, err)
		assert.EqualValues(t, 1, g)
		assert.EqualValues(t, 2, u)
		assert.EqualValues(t, 2, backingUsed(t, backing, id, day0))
	})
}
