package storetest

import (
	"slices"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenwarden/tokenwarden/token"
)

var listTests = []test{
	{"empty_store_lists_nothing", testListEmpty},
	{"ascending_ID_order_whatever_the_creation_order", testListOrder},
	{"filters_by_tenant_kind_and_name_prefix", testListFilters},
	{"name_prefix_is_case_insensitive_under_FoldName", testListPrefixFolded},
	{"After_lists_only_greater_IDs", testListAfter},
	{"Limit_zero_or_negative_means_DefaultPageSize", testListDefaultPage},
	{"Limit_is_capped_at_MaxPageSize", testListMaxPage},
	{"paging_through_120_tokens_returns_each_exactly_once", testListPaging},
	{"paging_with_a_filter_returns_each_match_exactly_once", testListPagingFiltered},
	{"edits_and_deletes_show_at_the_next_list", testListAfterEdits},
}

// createN creates n internal tokens named nameN(prefix, i) with random
// (version 4) IDs, so that creation order says nothing about ID order.
func createN(t *testing.T, s token.Store, prefix string, n int) []*token.Record {
	t.Helper()
	out := make([]*token.Record, n)
	for i := range out {
		r := newRecord(t, nameN(prefix, i))
		r.Token.ID = uuid.NewString()
		out[i] = mustCreate(t, s, r)
	}
	return out
}

// sortedIDs returns the IDs of rs in ascending order.
func sortedIDs(rs []*token.Record) []string {
	out := ids(rs)
	slices.Sort(out)
	return out
}

func list(t *testing.T, s token.Store, q token.ListQuery) []*token.Record {
	t.Helper()
	rs, err := s.ListTokens(t.Context(), q)
	require.NoError(t, err, "ListTokens %+v", q)
	for i, r := range rs {
		require.NotNil(t, r, "ListTokens %+v: nil record at %d", q, i)
	}
	return rs
}

func testListEmpty(t *testing.T, s token.Store) {
	assert.Empty(t, list(t, s, token.ListQuery{}))
	assert.Empty(t, list(t, s, token.ListQuery{Tenant: "northwind", NamePrefix: "x", After: uuid.NewString(), Limit: 5}))
}

func testListOrder(t *testing.T, s token.Store) {
	recs := createN(t, s, "token", 40)
	got := list(t, s, token.ListQuery{Limit: token.MaxPageSize})
	assert.Equal(t, sortedIDs(recs), ids(got), "tokens in ascending ID order")
	byID := map[string]*token.Record{}
	for _, r := range recs {
		byID[r.Token.ID] = r
	}
	for _, g := range got {
		assertRecord(t, byID[g.Token.ID], g)
	}
}

func testListFilters(t *testing.T, s token.Store) {
	for _, c := range []struct{ name, tenant string }{
		{"Sales CRM", "northwind"},
		{"Sales reports", "northwind"},
		{"Postman tests", "northwind"},
		{"Sales CRM (contoso)", "contoso"},
		{"Nightly batch", ""},
		{"Sales admin", ""},
	} {
		if c.tenant == "" {
			mustCreate(t, s, newRecord(t, c.name))
		} else {
			mustCreate(t, s, newExternal(t, c.name, c.tenant))
		}
	}
	for _, c := range []struct {
		q    token.ListQuery
		want []string
	}{
		{token.ListQuery{}, []string{"Sales CRM", "Sales reports", "Postman tests", "Sales CRM (contoso)", "Nightly batch", "Sales admin"}},
		{token.ListQuery{Tenant: "northwind"}, []string{"Sales CRM", "Sales reports", "Postman tests"}},
		{token.ListQuery{Tenant: "contoso"}, []string{"Sales CRM (contoso)"}},
		{token.ListQuery{Tenant: "Northwind"}, nil}, // tenants compare exactly
		{token.ListQuery{Tenant: "north"}, nil},
		{token.ListQuery{Kind: token.Internal}, []string{"Nightly batch", "Sales admin"}},
		{token.ListQuery{Kind: token.External}, []string{"Sales CRM", "Sales reports", "Postman tests", "Sales CRM (contoso)"}},
		{token.ListQuery{NamePrefix: "Sales"}, []string{"Sales CRM", "Sales reports", "Sales CRM (contoso)", "Sales admin"}},
		{token.ListQuery{NamePrefix: "Sales CRM"}, []string{"Sales CRM", "Sales CRM (contoso)"}},
		{token.ListQuery{NamePrefix: "Sales CRM ("}, []string{"Sales CRM (contoso)"}},
		{token.ListQuery{NamePrefix: "CRM"}, nil}, // a prefix, not a substring
		{token.ListQuery{NamePrefix: "Sales", Kind: token.Internal}, []string{"Sales admin"}},
		{token.ListQuery{NamePrefix: "Sales", Tenant: "northwind"}, []string{"Sales CRM", "Sales reports"}},
		{token.ListQuery{NamePrefix: "Sales", Tenant: "northwind", Kind: token.External}, []string{"Sales CRM", "Sales reports"}},
		{token.ListQuery{Tenant: "northwind", Kind: token.Internal}, nil},
		{token.ListQuery{NamePrefix: "Sales%"}, nil}, // no LIKE wildcards
		{token.ListQuery{NamePrefix: "Sales_CRM"}, nil},
	} {
		got := list(t, s, c.q)
		assert.ElementsMatch(t, c.want, names(got), "query %+v", c.q)
		assert.True(t, slices.IsSorted(ids(got)), "query %+v: not in ID order", c.q)
	}
}

func testListPrefixFolded(t *testing.T, s token.Store) {
	for _, n := range []string{"Sales CRM", "SALES reports", "Ωmega", "Über batch", "Kelvin \u212a"} {
		mustCreate(t, s, newRecord(t, n))
	}
	for _, c := range []struct {
		prefix string
		want   []string
	}{
		{"sales", []string{"Sales CRM", "SALES reports"}},
		{"SALES C", []string{"Sales CRM"}},
		{"  sales", []string{"Sales CRM", "SALES reports"}}, // folded: trimmed
		{"ωME", []string{"Ωmega"}},
		{"über", []string{"Über batch"}},
		{"kelvin k", []string{"Kelvin \u212a"}},
		{"resume", nil},
	} {
		got := list(t, s, token.ListQuery{NamePrefix: c.prefix})
		assert.ElementsMatch(t, c.want, names(got), "NamePrefix %q", c.prefix)
	}
}

func testListAfter(t *testing.T, s token.Store) {
	recs := createN(t, s, "token", 20)
	all := sortedIDs(recs)
	assert.Equal(t, all[8:], ids(list(t, s, token.ListQuery{After: all[7]})))
	assert.Empty(t, list(t, s, token.ListQuery{After: all[len(all)-1]}))
	assert.Equal(t, all[:5], ids(list(t, s, token.ListQuery{After: "", Limit: 5})))
	deleted := all[10]
	require.NoError(t, s.DeleteToken(t.Context(), deleted))
	assert.Equal(t, all[11:], ids(list(t, s, token.ListQuery{After: deleted})), "a cursor whose token was deleted between pages still pages on")
}

func testListDefaultPage(t *testing.T, s token.Store) {
	recs := createN(t, s, "token", 120)
	all := sortedIDs(recs)
	for _, limit := range []int{0, -1, -1000} {
		assert.Equal(t, all[:token.DefaultPageSize], ids(list(t, s, token.ListQuery{Limit: limit})), "Limit %d", limit)
	}
	assert.Equal(t, all[:1], ids(list(t, s, token.ListQuery{Limit: 1})))
	assert.Equal(t, all[:token.DefaultPageSize+1], ids(list(t, s, token.ListQuery{Limit: token.DefaultPageSize + 1})))
	assert.Equal(t, all, ids(list(t, s, token.ListQuery{Limit: 500})))
}

func testListMaxPage(t *testing.T, s token.Store) {
	recs := createN(t, s, "token", token.MaxPageSize+5)
	all := sortedIDs(recs)
	for _, limit := range []int{token.MaxPageSize, token.MaxPageSize + 1, 1 << 30} {
		assert.Equal(t, all[:token.MaxPageSize], ids(list(t, s, token.ListQuery{Limit: limit})), "Limit %d", limit)
	}
}

func testListPaging(t *testing.T, s token.Store) {
	recs := createN(t, s, "token", 120)
	for _, limit := range []int{7, 50, 120} {
		var seen []string
		q := token.ListQuery{Limit: limit}
		for pages := 0; ; pages++ {
			require.Less(t, pages, 200, "paging does not end")
			page := list(t, s, q)
			require.LessOrEqual(t, len(page), limit)
			seen = append(seen, ids(page)...)
			if len(page) < limit {
				break
			}
			q.After = page[len(page)-1].Token.ID
		}
		assert.Equal(t, sortedIDs(recs), seen, "Limit %d: every token exactly once, in ID order", limit)
	}
}

func testListPagingFiltered(t *testing.T, s token.Store) {
	var want []*token.Record
	for i := range 60 {
		r := newExternal(t, nameN("Sales", i), "northwind")
		if i%3 == 0 {
			r = newExternal(t, nameN("Sales", i), "contoso")
		}
		r.Token.ID = uuid.NewString()
		mustCreate(t, s, r)
		if r.Token.Tenant == "northwind" {
			want = append(want, r)
		}
	}
	createN(t, s, "Other", 20)
	var seen []string
	q := token.ListQuery{Tenant: "northwind", NamePrefix: "sales", Limit: 6}
	for pages := 0; ; pages++ {
		require.Less(t, pages, 100, "paging does not end")
		page := list(t, s, q)
		seen = append(seen, ids(page)...)
		if len(page) < q.Limit {
			break
		}
		q.After = page[len(page)-1].Token.ID
	}
	assert.Equal(t, sortedIDs(want), seen)
}

func testListAfterEdits(t *testing.T, s token.Store) {
	a := mustCreate(t, s, newRecord(t, "Sales CRM"))
	b := mustCreate(t, s, newRecord(t, "Postman tests"))
	mustUpdate(t, s, a.Token.ID, func(r *token.Record) { r.Token.Name = "Billing export" })
	assert.Empty(t, list(t, s, token.ListQuery{NamePrefix: "sales"}), "the old name no longer matches")
	got := list(t, s, token.ListQuery{NamePrefix: "billing"})
	require.Len(t, got, 1)
	assert.Equal(t, a.Token.ID, got[0].Token.ID)
	assert.EqualValues(t, 2, got[0].Token.Version, "the listed record is the updated one")

	require.NoError(t, s.DeleteToken(t.Context(), b.Token.ID))
	assert.Equal(t, []string{a.Token.ID}, ids(list(t, s, token.ListQuery{})))
}
