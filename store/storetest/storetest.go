// Package storetest is the conformance suite every token.Store must pass:
// memstore, sqlstore on each dialect, and custom stores alike. It holds a
// store to the contract written on token.Store, rule by rule, and drives a
// token.Manager over it to show that the library's flows (issue, verify,
// rotate, delete, roles, maintenance, quotas) work on top.
//
// Use it from an ordinary test:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) token.Store { return newMyStore(t) })
//	}
//
// Subtests are grouped by what they check (tokens, names, update, rotation,
// delete, list, touch, roles, quota, maintenance, context, manager) and
// named after the rule they check, so that go test -v reads as the
// contract:
//
//	--- PASS: TestConformance/names/duplicate_is_ErrDuplicate_case_insensitive
//
// Run a single rule with -run, for example
// -run 'TestConformance/quota/concurrent_'.
//
// The suite asserts exact results under concurrency (run it with -race),
// never sleeps, and no outcome depends on the wall clock: the times it
// passes to a store are UTC with microsecond precision (except in the rules
// about sub-microsecond times and window starts in other locations), and
// the Manager runs on an injected clock.
//
// Rules that a database's defaults tend to break, so a SQL store must take
// care of them itself:
//   - token names are unique under token.FoldName exactly: "Straße" and
//     "Strasse", or "résumé" and "resume", are different names even where
//     an accent- or expansion-insensitive collation equates them;
//   - ListQuery.NamePrefix is a plain prefix under FoldName: "%" and "_"
//     are not wildcards;
//   - role names compare exactly ("admin", "Admin" and "admin " are three
//     names) and ListRoles sorts them in byte order, as Go's sort.Strings;
//   - times keep microseconds and are truncated, never rounded up;
//   - a zero Record.Prev means no previous hash: it must not match the
//     zero hash;
//   - ConsumeQuota, DeleteRole's in-use check, name uniqueness and the
//     version check of UpdateToken are atomic across connections.
package storetest

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tokenwarden/tokenwarden/token"
)

// test is one contract rule: fn runs against a fresh, empty store.
type test struct {
	name string
	fn   func(t *testing.T, s token.Store)
}

// group is a set of rules about one part of the contract.
type group struct {
	name  string
	tests []test
}

// Run checks the store returned by newStore against the token.Store
// contract. newStore is called once per subtest and must return a fresh,
// empty store (no tokens, no roles, no counters, maintenance off) that
// nothing else uses; it may register cleanup with t.Cleanup and should fail
// t (t.Fatal) if it cannot build one. The subtests of a group run in
// parallel, each on its own store, so newStore must be safe to call from
// several goroutines.
//
// The heaviest subtests create about a thousand tokens or make a few
// thousand quota calls from 64 goroutines; sqlstore runs the whole suite
// in seconds per dialect on a local database.
func Run(t *testing.T, newStore func(t *testing.T) token.Store) {
	t.Helper()
	if newStore == nil {
		t.Fatal("storetest: Run needs a newStore function")
	}
	groups := []group{
		{"tokens", tokenTests},
		{"names", nameTests},
		{"update", updateTests},
		{"rotation", rotationTests},
		{"delete", deleteTests},
		{"list", listTests},
		{"touch", touchTests},
		{"roles", roleTests},
		{"quota", quotaTests},
		{"maintenance", maintenanceTests},
		{"context", contextTests},
		{"manager", managerTests},
	}
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) {
			for _, tc := range g.tests {
				t.Run(tc.name, func(t *testing.T) {
					t.Parallel()
					s := newStore(t)
					require.NotNil(t, s, "storetest: newStore returned a nil store")
					tc.fn(t, s)
				})
			}
		})
	}
}
