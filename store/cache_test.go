package store_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenwarden/tokenwarden/memstore"
	"github.com/tokenwarden/tokenwarden/store"
	"github.com/tokenwarden/tokenwarden/token"
)

func TestNewCacheRefusesBadOptions(t *testing.T) {
	for _, c := range []struct {
		name string
		s    token.Store
		opt  store.CacheOption
	}{
		{"nil_store", nil, nil},
		{"zero_max_stale", memstore.New(), store.WithMaxStale(0)},
		{"negative_max_stale", memstore.New(), store.WithMaxStale(-time.Second)},
		{"zero_quota_block", memstore.New(), store.WithQuotaBlock(0)},
		{"zero_max_entries", memstore.New(), store.WithMaxEntries(0)},
		{"nil_clock", memstore.New(), store.WithClock(nil)},
	} {
		t.Run(c.name, func(t *testing.T) {
			cache, err := store.NewCache(c.s, c.opt)
			assert.ErrorIs(t, err, token.ErrValidation)
			assert.Nil(t, cache)
		})
	}
	cache, err := store.NewCache(memstore.New(), store.WithMaxStale(time.Millisecond), store.WithQuotaBlock(1), store.WithMaxEntries(1))
	require.NoError(t, err)
	assert.NotNil(t, cache)
}

// TestCacheOtherInstanceSeesWritesWithinMaxStale makes a change through
// instance A and checks that instance B, which cached the old state, keeps
// it until MaxStale has passed and never after, while A sees it at once.
func TestCacheOtherInstanceSeesWritesWithinMaxStale(t *testing.T) {
	const maxStale = 2 * time.Second
	for _, c := range []struct {
		name   string
		change func(t *testing.T, a *token.Manager, secret string, tok *token.Token)
		want   error
	}{
		{"edit_disables", func(t *testing.T, a *token.Manager, _ string, tok *token.Token) {
			on := true
			_, err := a.Update(t.Context(), tok.ID, token.Update{Disabled: &on})
			require.NoError(t, err)
		}, token.ErrDisabled},
		{"edit_narrows_scopes", func(t *testing.T, a *token.Manager, _ string, tok *token.Token) {
			scopes := []string{"other:read"}
			_, err := a.Update(t.Context(), tok.ID, token.Update{Scopes: &scopes})
			require.NoError(t, err)
		}, token.ErrScope},
		{"delete", func(t *testing.T, a *token.Manager, _ string, tok *token.Token) {
			require.NoError(t, a.Delete(t.Context(), tok.ID))
		}, token.ErrInvalid},
		{"rotation_without_grace", func(t *testing.T, a *token.Manager, _ string, tok *token.Token) {
			_, _, err := a.Rotate(t.Context(), tok.ID, 0)
			require.NoError(t, err)
		}, token.ErrInvalid},
		{"role_edit", func(t *testing.T, a *token.Manager, _ string, _ *token.Token) {
			_, err := a.PutRole(t.Context(), token.Role{Name: "reader", Scopes: []string{"other:read"}})
			require.NoError(t, err)
		}, token.ErrScope},
		{"maintenance_switch", func(t *testing.T, a *token.Manager, _ string, _ *token.Token) {
			require.NoError(t, a.SetMaintenance(t.Context(), true))
		}, token.ErrMaintenance},
	} {
		t.Run(c.name, func(t *testing.T) {
			ms, _, _, clk := instances(t, 2, store.WithMaxStale(maxStale))
			a, b := ms[0], ms[1]
			_, err := a.PutRole(t.Context(), token.Role{Name: "reader", Scopes: []string{"clients:read"}})
			require.NoError(t, err)
			spec := readSpec
			spec.Scopes, spec.Role = nil, "reader"
			if c.name == "edit_narrows_scopes" {
				spec.Scopes, spec.Role = []string{"clients:read"}, ""
			}
			secret, tok := issue(t, a, spec)
			for _, m := range ms {
				_, err := m.Verify(t.Context(), secret, readReq)
				require.NoError(t, err, "before the change")
			}

			c.change(t, a, secret, tok)
			_, err = a.Verify(t.Context(), secret, readReq)
			assert.ErrorIs(t, err, c.want, "the instance that made the change sees it at once")
			_, err = b.Verify(t.Context(), secret, readReq)
			assert.NoError(t, err, "another instance may see the old state at once")
			clk.Advance(maxStale - time.Nanosecond)
			_, err = b.Verify(t.Context(), secret, readReq)
			assert.NoError(t, err, "another instance may see the old state until MaxStale has passed")
			clk.Advance(time.Nanosecond)
			_, err = b.Verify(t.Context(), secret, readReq)
			assert.ErrorIs(t, err, c.want, "another instance sees the change once MaxStale has passed")
			_, err = a.Verify(t.Context(), secret, readReq)
			assert.ErrorIs(t, err, c.want)
		})
	}
}

// TestCacheOwnWritesAreSeenAtOnce covers the writes whose effect on kept
// entries is not just "drop the token's current hash".
func TestCacheOwnWritesAreSeenAtOnce(t *testing.T) {
	t.Run("second_rotation_ends_the_first_grace", func(t *testing.T) {
		ms, _, _, clk := instances(t, 1)
		m := ms[0]
		first, tok := issue(t, m, readSpec)
		_, _, err := m.Rotate(t.Context(), tok.ID, time.Hour)
		require.NoError(t, err)
		_, err = m.Verify(t.Context(), first, readReq)
		require.NoError(t, err, "the first secret is in its grace (and now cached)")
		clk.Advance(time.Millisecond) // well within MaxStale
		_, _, err = m.Rotate(t.Context(), tok.ID, time.Hour)
		require.NoError(t, err)
		_, err = m.Verify(t.Context(), first, readReq)
		assert.ErrorIs(t, err, token.ErrInvalid, "the first secret's cached entry must go with the second rotation")
	})
	t.Run("created_token_replaces_a_kept_not_found", func(t *testing.T) {
		clk := newClock()
		backing := memstore.New()
		a, b := newCache(t, backing, clk), newCache(t, backing, clk)
		rec := newRecord(t)
		for _, c := range []*store.Cache{a, b} {
			_, err := c.TokenByHash(t.Context(), rec.Hash)
			require.ErrorIs(t, err, token.ErrNotFound)
		}
		require.NoError(t, a.CreateToken(t.Context(), rec))
		got, err := a.TokenByHash(t.Context(), rec.Hash)
		require.NoError(t, err, "the creating instance finds it at once")
		assert.Equal(t, rec.Token.ID, got.Token.ID)
		_, err = b.TokenByHash(t.Context(), rec.Hash)
		assert.ErrorIs(t, err, token.ErrNotFound, "another instance keeps its not found until MaxStale")
		clk.Advance(store.DefaultMaxStale)
		got, err = b.TokenByHash(t.Context(), rec.Hash)
		require.NoError(t, err)
		assert.Equal(t, rec.Token.ID, got.Token.ID)
	})
	t.Run("touch_updates_the_kept_copy_and_leaves_returned_values_alone", func(t *testing.T) {
		clk := newClock()
		backing := &countingStore{Store: memstore.New()}
		c := newCache(t, backing, clk)
		rec := newRecord(t)
		require.NoError(t, c.CreateToken(t.Context(), rec))
		before, err := c.TokenByHash(t.Context(), rec.Hash)
		require.NoError(t, err)
		when := base.Add(time.Hour)
		require.NoError(t, c.TouchToken(t.Context(), rec.Token.ID, when))
		after, err := c.TokenByHash(t.Context(), rec.Hash)
		require.NoError(t, err)
		assert.True(t, when.Equal(after.Token.LastUsed), "LastUsed %v", after.Token.LastUsed)
		assert.True(t, before.Token.LastUsed.IsZero(), "a value already returned is never modified")
		assert.EqualValues(t, 1, backing.byHash.Load(), "the touch did not cost a lookup")
	})
}

// racyStore holds its first TokenByHash between reading the store and
// answering, so that a write can slip in between.
type racyStore struct {
	token.Store
	read, resume chan struct{}
}

func (s *racyStore) TokenByHash(ctx context.Context, h token.Hash) (*token.Record, error) {
	r, err := s.Store.TokenByHash(ctx, h)
	if s.read != nil {
		read := s.read
		s.read = nil
		close(read)
		<-s.resume
	}
	return r, err
}

func TestCacheLookupRacingAWriteKeepsNothingStale(t *testing.T) {
	clk := newClock()
	backing := &racyStore{Store: memstore.New(), read: make(chan struct{}), resume: make(chan struct{})}
	c := newCache(t, backing, clk)
	rec := newRecord(t)
	require.NoError(t, backing.Store.CreateToken(t.Context(), rec))
	read := backing.read

	type result struct {
		rec *token.Record
		err error
	}
	done := make(chan result)
	go func() {
		r, err := c.TokenByHash(context.Background(), rec.Hash)
		done <- result{r, err}
	}()
	<-read // the lookup has read version 1
	upd := rec.Clone()
	upd.Token.Disabled = true
	require.NoError(t, c.UpdateToken(t.Context(), upd))
	close(backing.resume)
	old := <-done
	require.NoError(t, old.err)
	assert.EqualValues(t, 1, old.rec.Token.Version, "the racing lookup answers what it read")

	got, err := c.TokenByHash(t.Context(), rec.Hash)
	require.NoError(t, err)
	assert.EqualValues(t, 2, got.Token.Version, "a lookup after the write must not find the racing lookup's answer")
	assert.True(t, got.Token.Disabled)
}

func TestCacheNegativeEntriesKeepOnlyNotFound(t *testing.T) {
	clk := newClock()
	backing := &countingStore{Store: memstore.New()}
	c := newCache(t, backing, clk)
	ctx := t.Context()
	h := newRecord(t).Hash

	t.Run("token", func(t *testing.T) {
		backing.failHash.Store(1)
		_, err := c.TokenByHash(ctx, h)
		require.ErrorIs(t, err, errBroken)
		_, err = c.TokenByHash(ctx, h)
		require.ErrorIs(t, err, token.ErrNotFound, "a failure is not kept")
		_, err = c.TokenByHash(ctx, h)
		require.ErrorIs(t, err, token.ErrNotFound)
		assert.EqualValues(t, 2, backing.byHash.Load(), "not found is kept")
	})
	t.Run("role", func(t *testing.T) {
		backing.failRole.Store(1)
		_, err := c.RoleByName(ctx, "reader")
		require.ErrorIs(t, err, errBroken)
		_, err = c.RoleByName(ctx, "reader")
		require.ErrorIs(t, err, token.ErrNotFound, "a failure is not kept")
		_, err = c.RoleByName(ctx, "reader")
		require.ErrorIs(t, err, token.ErrNotFound)
		assert.EqualValues(t, 2, backing.byName.Load(), "not found is kept")
	})
	t.Run("maintenance", func(t *testing.T) {
		backing.failMaint.Store(1)
		_, err := c.Maintenance(ctx)
		require.ErrorIs(t, err, errBroken)
		on, err := c.Maintenance(ctx)
		require.NoError(t, err, "a failure is not kept")
		assert.False(t, on)
		_, err = c.Maintenance(ctx)
		require.NoError(t, err)
		assert.EqualValues(t, 2, backing.maint.Load())
	})
	t.Run("expire_after_MaxStale", func(t *testing.T) {
		clk.Advance(store.DefaultMaxStale)
		_, err := c.TokenByHash(ctx, h)
		require.ErrorIs(t, err, token.ErrNotFound)
		_, err = c.RoleByName(ctx, "reader")
		require.ErrorIs(t, err, token.ErrNotFound)
		_, err = c.Maintenance(ctx)
		require.NoError(t, err)
		assert.EqualValues(t, 3, backing.byHash.Load())
		assert.EqualValues(t, 3, backing.byName.Load())
		assert.EqualValues(t, 3, backing.maint.Load())
	})
}

func TestCacheMaxEntriesBoundsWhatIsKept(t *testing.T) {
	const kept, looked = 4, 10
	clk := newClock()
	backing := &countingStore{Store: memstore.New()}
	c := newCache(t, backing, clk, store.WithMaxEntries(kept))
	hashes := make([]token.Hash, looked)
	for i := range hashes {
		hashes[i] = newRecord(t).Hash
	}
	for range 2 {
		for _, h := range hashes {
			_, err := c.TokenByHash(t.Context(), h)
			require.ErrorIs(t, err, token.ErrNotFound)
		}
	}
	assert.GreaterOrEqual(t, backing.byHash.Load(), int64(2*looked-kept),
		"at most %d of %d lookups can have been kept", kept, looked)
}

// TestCacheVerifyCostsOneLookupPerMaxStale counts what a Manager over a
// Cache asks the store for while one token is verified N times, one
// millisecond apart.
func TestCacheVerifyCostsOneLookupPerMaxStale(t *testing.T) {
	const n = 3_000 // three seconds
	ms, _, backing, clk := instances(t, 1)
	m := ms[0]
	spec := readSpec
	spec.Quota = token.PerDay(1_000_000)
	secret, _ := issue(t, m, spec)
	used := make([]int64, 0, n)
	for range n {
		res, err := m.Verify(t.Context(), secret, readReq)
		require.NoError(t, err)
		used = append(used, res.Usage.Used)
		clk.Advance(time.Millisecond)
	}
	periods := int64(n * time.Millisecond / store.DefaultMaxStale)
	assert.Equal(t, periods, backing.byHash.Load(), "one token lookup per MaxStale")
	assert.Equal(t, periods, backing.maint.Load(), "one maintenance read per MaxStale")
	blocks := int64(n / store.DefaultQuotaBlock)
	assert.GreaterOrEqual(t, backing.consume.Load(), blocks)
	assert.LessOrEqual(t, backing.consume.Load(), blocks+periods, "about one quota write per block")
	for i, u := range used {
		if !assert.EqualValues(t, i+1, u, "one instance reports exact usage") {
			break
		}
	}
}

// TestCacheConcurrentVerifyAndWrites verifies tokens from many goroutines
// while another edits them, then checks that the last edits are seen at
// once: no lookup that raced an edit left its old answer behind.
func TestCacheConcurrentVerifyAndWrites(t *testing.T) {
	const tokens, workers, rounds = 16, 8, 300
	// memstore's UpdateToken unindexes a token's hashes before indexing
	// them again, so a lookup racing it finds nothing: a store that locks
	// around every call keeps that out of what is tested here.
	clk := newClock()
	m := newManager(t, newCache(t, &lockedStore{Store: memstore.New()}, clk, store.WithMaxEntries(tokens)), clk)
	ctx := context.Background()
	secrets := make([]string, tokens)
	ids := make([]string, tokens)
	for i := range tokens {
		spec := readSpec
		spec.Name = fmt.Sprintf("token %d", i)
		spec.Quota = token.PerDay(1_000_000)
		var tok *token.Token
		secrets[i], tok = issue(t, m, spec)
		ids[i] = tok.ID
	}
	errs := make([][]error, workers+1)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range rounds {
				if _, err := m.Verify(ctx, secrets[(w+r)%tokens], readReq); err != nil {
					errs[w] = append(errs[w], err)
				}
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for r := range rounds {
			desc := fmt.Sprintf("edit %d", r)
			if _, err := m.Update(ctx, ids[r%tokens], token.Update{Description: &desc}); err != nil {
				errs[workers] = append(errs[workers], err)
			}
			clk.Advance(time.Millisecond)
		}
	}()
	wg.Wait()
	for w := range errs {
		assert.Empty(t, errs[w], "goroutine %d", w)
	}
	on := true
	for i, id := range ids {
		_, err := m.Update(ctx, id, token.Update{Disabled: &on})
		require.NoError(t, err)
		_, err = m.Verify(ctx, secrets[i], readReq)
		assert.ErrorIs(t, err, token.ErrDisabled, "token %d", i)
	}
}

// lockedStore makes every write of a store atomic to its readers.
type lockedStore struct {
	token.Store
	mu sync.RWMutex
}

func (s *lockedStore) TokenByHash(ctx context.Context, h token.Hash) (*token.Record, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.Store.TokenByHash(ctx, h)
}

func (s *lockedStore) UpdateToken(ctx context.Context, r *token.Record) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.Store.UpdateToken(ctx, r)
}
