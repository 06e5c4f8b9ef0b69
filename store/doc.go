// Package store holds what every token.Store shares, whatever its backend:
// decorators that wrap any store (such as a cache with bounded staleness)
// and, in store/storetest, the conformance suite that memstore, sqlstore
// and custom stores must pass.
//
// A custom store proves it keeps the token.Store contract with one test:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) token.Store { return newMyStore(t) })
//	}
package store
