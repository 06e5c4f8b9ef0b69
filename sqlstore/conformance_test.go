package sqlstore_test

import (
	"testing"

	"github.com/tokenwarden/tokenwarden/sqlstore"
	"github.com/tokenwarden/tokenwarden/store/storetest"
	"github.com/tokenwarden/tokenwarden/token"
)

// TestConformance holds each dialect to the token.Store contract. Every
// subtest of the suite gets its own tables (a random prefix), dropped when
// it ends.
func TestConformance(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d sqlstore.Dialect) {
		sharedDB(t, d) // skip or fail here, once, when the server is missing
		storetest.Run(t, func(t *testing.T) token.Store {
			return newStore(t, sharedDB(t, d), d)
		})
	})
}
