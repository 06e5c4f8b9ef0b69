// Package store holds what every token.Store shares, whatever its backend:
// decorators that wrap any store and, in store/storetest, the conformance
// suite that memstore, sqlstore and custom stores must pass.
//
// # Cache
//
// NewCache wraps a store shared by several instances (usually a sqlstore)
// so that Verify reads the token, its role and the maintenance switch from
// memory, at most MaxStale (default 1 s) old, and consumes quota in blocks
// reserved from the shared counter, which stays exact across instances:
//
//	s, err := sqlstore.New(db, sqlstore.Postgres)
//	c, err := store.NewCache(s)                  // store.WithMaxStale(500*time.Millisecond), …
//	defer c.Close(context.Background())           // give unspent quota back
//	m, err := token.NewManager(c, token.WithPrefix("acme"))
//
// An instance sees its own edits at once; the others within MaxStale.
//
// # Conformance
//
// A custom store proves it keeps the token.Store contract with one test:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) token.Store { return newMyStore(t) })
//	}
package store
