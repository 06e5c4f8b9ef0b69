package store_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tokenwarden/tokenwarden/memstore"
	"github.com/tokenwarden/tokenwarden/store"
	"github.com/tokenwarden/tokenwarden/store/storetest"
	"github.com/tokenwarden/tokenwarden/token"
)

// TestCacheConformance holds a Cache over memstore to the whole store
// contract: an instance sees its own writes at once, so the suite passes
// through the cache with its default MaxStale.
func TestCacheConformance(t *testing.T) {
	for _, c := range []struct {
		name string
		opts []store.CacheOption
	}{
		{"defaults", nil},
		{"block_1", []store.CacheOption{store.WithQuotaBlock(1)}},
		{"block_7_max_entries_3", []store.CacheOption{store.WithQuotaBlock(7), store.WithMaxEntries(3)}},
	} {
		t.Run(c.name, func(t *testing.T) {
			storetest.Run(t, func(t *testing.T) token.Store {
				cache, err := store.NewCache(memstore.New(), c.opts...)
				require.NoError(t, err)
				return cache
			})
		})
	}
}
