package storetest

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenwarden/tokenwarden/token"
)

var nameTests = []test{
	{"duplicate_is_ErrDuplicate_case_insensitive", testDuplicateFolded},
	{"duplicate_creates_nothing", testDuplicateCreatesNothing},
	{"names_differing_under_FoldName_are_distinct_whatever_the_collation", testDistinctNames},
	{"name_is_kept_as_typed", testNameAsTyped},
	{"concurrent_creates_of_one_name_admit_exactly_one", testConcurrentCreateSameName},
	{"name_freed_by_delete_can_be_reused", testNameFreedByDelete},
	{"name_freed_by_rename_can_be_reused", testNameFreedByRename},
	{"rename_to_own_name_in_other_case_is_allowed", testRenameOwnCase},
	{"concurrent_renames_to_one_name_admit_exactly_one", testConcurrentRenameSameName},
}

// foldedPairs are names that collide under token.FoldName.
var foldedPairs = [][2]string{
	{"Sales CRM", "sales crm"},
	{"Nightly Batch", "NIGHTLY BATCH"},
	{"Postman tests", "  postman TESTS\t"}, // surrounding space is trimmed
	{"Ωmega", "ωMEGA"},                     // Greek
	{"Kelvin K", "kelvin \u212a"},          // KELVIN SIGN folds with k
	{"Über", "über"},
}

func testDuplicateFolded(t *testing.T, s token.Store) {
	for _, p := range foldedPairs {
		require.Equal(t, token.FoldName(p[0]), token.FoldName(p[1]), "test data: %q and %q should fold alike", p[0], p[1])
		mustCreate(t, s, newRecord(t, p[0]))
		err := s.CreateToken(t.Context(), newRecord(t, p[1]))
		assert.ErrorIs(t, err, token.ErrDuplicate, "%q after %q", p[1], p[0])
	}
}

func testDuplicateCreatesNothing(t *testing.T, s token.Store) {
	first := mustCreate(t, s, newRecord(t, "Sales CRM"))
	dup := newRecord(t, "SALES crm")
	require.ErrorIs(t, s.CreateToken(t.Context(), dup), token.ErrDuplicate)
	requireNotFoundByID(t, s, dup.Token.ID)
	requireNotFoundByHash(t, s, dup.Hash)
	assertRecord(t, first, mustGet(t, s, first.Token.ID))
	all, err := s.ListTokens(t.Context(), token.ListQuery{})
	require.NoError(t, err)
	assert.Equal(t, []string{first.Token.ID}, ids(all))
}

func testDistinctNames(t *testing.T, s token.Store) {
	// Each of these differs from the others under FoldName, although
	// accent-, width- or expansion-insensitive database collations
	// (utf8mb4_unicode_ci, ICU) would equate some of them.
	list := []string{
		"Sales CRM", "Sales CRM 2", "Sales-CRM", "SalesCRM",
		"resume", "résumé", "Strasse", "Straße", "ｓａｌｅｓ",
		"a", "a b", "ab",
	}
	seen := map[string]string{}
	for _, n := range list {
		f := token.FoldName(n)
		require.NotContains(t, seen, f, "test data: %q and %q fold alike", n, seen[f])
		seen[f] = n
		mustCreate(t, s, newRecord(t, n))
	}
	all, err := s.ListTokens(t.Context(), token.ListQuery{})
	require.NoError(t, err)
	assert.ElementsMatch(t, list, names(all))
}

func testNameAsTyped(t *testing.T, s token.Store) {
	for _, n := range []string{"Sales CRM", "sALES cRm 2", "Ωmega Über ✓"} {
		r := mustCreate(t, s, newRecord(t, n))
		assert.Equal(t, n, mustGet(t, s, r.Token.ID).Token.Name)
	}
}

func testConcurrentCreateSameName(t *testing.T, s token.Store) {
	const n = 50
	ctx := t.Context()
	recs := make([]*token.Record, n)
	for i := range recs {
		name := "Sales CRM integration"
		if i%2 == 1 {
			name = strings.ToUpper(name)
		}
		recs[i] = newRecord(t, name)
	}
	errs := make([]error, n)
	parallel(n, func(i int) { errs[i] = s.CreateToken(ctx, recs[i]) })

	var winners []int
	for i, err := range errs {
		if err == nil {
			winners = append(winners, i)
			continue
		}
		assert.ErrorIs(t, err, token.ErrDuplicate, "creator %d", i)
	}
	require.Len(t, winners, 1, "exactly one concurrent create of a name must succeed")
	all, err := s.ListTokens(ctx, token.ListQuery{})
	require.NoError(t, err)
	assert.Equal(t, []string{recs[winners[0]].Token.ID}, ids(all))
	for i, r := range recs {
		if i != winners[0] {
			requireNotFoundByHash(t, s, r.Hash)
		}
	}
}

func testNameFreedByDelete(t *testing.T, s token.Store) {
	old := mustCreate(t, s, newRecord(t, "Sales CRM"))
	require.NoError(t, s.DeleteToken(t.Context(), old.Token.ID))
	again := mustCreate(t, s, newRecord(t, "sales CRM"))
	assert.Equal(t, "sales CRM", mustGet(t, s, again.Token.ID).Token.Name)
}

func testNameFreedByRename(t *testing.T, s token.Store) {
	r := mustCreate(t, s, newRecord(t, "Sales CRM"))
	mustUpdate(t, s, r.Token.ID, func(r *token.Record) { r.Token.Name = "Sales CRM (old)" })
	again := mustCreate(t, s, newRecord(t, "SALES CRM"))
	assert.Equal(t, "SALES CRM", mustGet(t, s, again.Token.ID).Token.Name)
	// The new name is taken now.
	assert.ErrorIs(t, s.CreateToken(t.Context(), newRecord(t, "sales crm (OLD)")), token.ErrDuplicate)
}

func testRenameOwnCase(t *testing.T, s token.Store) {
	r := mustCreate(t, s, newRecord(t, "Sales CRM"))
	mustUpdate(t, s, r.Token.ID, func(r *token.Record) { r.Token.Name = "SALES crm" })
	assert.Equal(t, "SALES crm", mustGet(t, s, r.Token.ID).Token.Name)
	assert.ErrorIs(t, s.CreateToken(t.Context(), newRecord(t, "sales crm")), token.ErrDuplicate)
}

func testConcurrentRenameSameName(t *testing.T, s token.Store) {
	const n = 20
	ctx := t.Context()
	recs := make([]*token.Record, n)
	for i := range recs {
		recs[i] = mustCreate(t, s, newRecord(t, nameN("token", i)))
	}
	errs := make([]error, n)
	parallel(n, func(i int) {
		r := recs[i].Clone()
		if i%2 == 0 {
			r.Token.Name = "Target"
		} else {
			r.Token.Name = "TARGET"
		}
		errs[i] = s.UpdateToken(ctx, r)
	})
	var winners []int
	for i, err := range errs {
		if err == nil {
			winners = append(winners, i)
			continue
		}
		assert.ErrorIs(t, err, token.ErrDuplicate, "renamer %d", i)
	}
	require.Len(t, winners, 1, "exactly one concurrent rename to a name must succeed")
	for i, r := range recs {
		got := mustGet(t, s, r.Token.ID)
		if i == winners[0] {
			assert.Equal(t, "target", strings.ToLower(got.Token.Name))
			assert.EqualValues(t, 2, got.Token.Version)
		} else {
			assert.Equal(t, nameN("token", i), got.Token.Name, "a refused rename changed the name")
			assert.EqualValues(t, 1, got.Token.Version, "a refused rename changed the version")
		}
	}
}
