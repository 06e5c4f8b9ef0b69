package storetest

import (
	"fmt"
	"net/netip"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenwarden/tokenwarden/token"
)

var updateTests = []test{
	{"every_editable_field_is_saved_and_visible_by_id_and_hash", testUpdateVisible},
	{"success_sets_version_to_stored_plus_one", testUpdateVersion},
	{"stale_version_is_ErrConflict_and_changes_nothing", testUpdateStale},
	{"Kind_Tenant_Created_and_LastUsed_are_kept", testUpdateFixedFields},
	{"rename_to_another_tokens_folded_name_is_ErrDuplicate", testUpdateRenameDuplicate},
	{"concurrent_updates_each_move_version_by_exactly_one", testUpdateConcurrent},
	{"a_token_being_edited_is_always_found_by_its_hash", testUpdateNeverHidesToken},
}

func testUpdateVisible(t *testing.T, s token.Store) {
	mustPutRole(t, s, "reader", base, "clients:read")
	mustPutRole(t, s, "writer", base, "clients:write")
	r := mustCreate(t, s, fullRecord(t, "Sales CRM", "reader"))

	want := mustGet(t, s, r.Token.ID).Clone()
	want.Token.Name = "Sales CRM (EU)"
	want.Token.Description = "moved to the EU region"
	want.Token.Role = "writer"
	want.Token.Scopes = []string{"reports:read"}
	want.Token.Allow = []netip.Prefix{netip.MustParsePrefix("198.51.100.0/24"), netip.MustParsePrefix("2001:db8:ffff::/48")}
	want.Token.Expires = at(7 * 24 * time.Hour)
	want.Token.Quota = token.PerDay(1000)
	want.Token.Rate = token.PerSecond(10)
	want.Token.Metadata = map[string]string{"region": "eu"}
	want.Token.Disabled = false
	want.Token.Hint = "tw_…abcd"
	want.Token.Updated = at(time.Hour)
	want.HashKey = "pepper-2027"
	require.NoError(t, s.UpdateToken(t.Context(), want))
	require.EqualValues(t, 2, want.Token.Version)

	assertRecord(t, want, mustGet(t, s, r.Token.ID))
	assertRecord(t, want, mustGetByHash(t, s, want.Hash))
	assertRecord(t, want, mustGetByHash(t, s, want.Prev))

	// Clearing optional fields is saved too.
	cleared := mustGet(t, s, r.Token.ID).Clone()
	cleared.Token.Description = ""
	cleared.Token.Role = ""
	cleared.Token.Scopes = nil
	cleared.Token.Allow = nil
	cleared.Token.Expires = time.Time{}
	cleared.Token.Quota = token.Quota{}
	cleared.Token.Rate = token.Rate{}
	cleared.Token.Metadata = nil
	cleared.HashKey = ""
	cleared.Prev, cleared.PrevKey, cleared.PrevUntil = token.Hash{}, "", time.Time{}
	require.NoError(t, s.UpdateToken(t.Context(), cleared))
	assertRecord(t, cleared, mustGet(t, s, r.Token.ID))
	assertRecord(t, cleared, mustGetByHash(t, s, cleared.Hash))
}

func testUpdateVersion(t *testing.T, s token.Store) {
	r := mustCreate(t, s, newRecord(t, "versioned"))
	for v := int64(2); v <= 5; v++ {
		u := mustGet(t, s, r.Token.ID).Clone()
		u.Token.Description = fmt.Sprintf("edit %d", v)
		require.NoError(t, s.UpdateToken(t.Context(), u))
		assert.Equal(t, v, u.Token.Version, "r.Token.Version after UpdateToken")
		got := mustGet(t, s, r.Token.ID)
		assert.Equal(t, v, got.Token.Version, "stored Version")
		assert.Equal(t, u.Token.Description, got.Token.Description)
	}
}

func testUpdateStale(t *testing.T, s token.Store) {
	r := mustCreate(t, s, newRecord(t, "contended"))
	read := mustGet(t, s, r.Token.ID).Clone() // version 1
	saved := mustUpdate(t, s, r.Token.ID, func(r *token.Record) { r.Token.Description = "first writer" })

	for _, v := range []int64{1, 0, 3, 99} {
		stale := read.Clone()
		stale.Token.Version = v
		stale.Token.Name = "second writer"
		stale.Token.Description = "second writer"
		stale.Token.Disabled = true
		stale.Hash = newHash(t)
		require.ErrorIs(t, s.UpdateToken(t.Context(), stale), token.ErrConflict, "version %d against stored 2", v)
		assert.Equal(t, v, stale.Token.Version, "a refused update must not change r.Token.Version")
		requireNotFoundByHash(t, s, stale.Hash)
	}
	assertRecord(t, saved, mustGet(t, s, r.Token.ID))
	assertRecord(t, saved, mustGetByHash(t, s, r.Hash))
	// The name the refused update asked for was not taken.
	mustCreate(t, s, newRecord(t, "second writer"))
}

func testUpdateFixedFields(t *testing.T, s token.Store) {
	r := newExternal(t, "fixed", "northwind")
	r.Token.Created = at(-24 * time.Hour)
	mustCreate(t, s, r)
	read := mustGet(t, s, r.Token.ID).Clone()
	// A use recorded between the read and the update must survive it.
	used := at(time.Minute)
	require.NoError(t, s.TouchToken(t.Context(), r.Token.ID, used))

	u := read.Clone()
	u.Token.Kind = token.Internal
	u.Token.Tenant = "contoso"
	u.Token.Created = at(time.Hour)
	u.Token.LastUsed = at(-time.Hour)
	u.Token.Description = "edited"
	require.NoError(t, s.UpdateToken(t.Context(), u))

	got := mustGet(t, s, r.Token.ID)
	assert.Equal(t, token.External, got.Token.Kind, "Kind is fixed")
	assert.Equal(t, "northwind", got.Token.Tenant, "Tenant is fixed")
	assertTime(t, r.Token.Created, got.Token.Created, "Created is fixed")
	assertTime(t, used, got.Token.LastUsed, "LastUsed is kept by TouchToken")
	assert.Equal(t, "edited", got.Token.Description)
	assert.EqualValues(t, 2, got.Token.Version)
	byHash := mustGetByHash(t, s, r.Hash)
	assert.Equal(t, token.External, byHash.Token.Kind)
	assert.Equal(t, "northwind", byHash.Token.Tenant)

	list, err := s.ListTokens(t.Context(), token.ListQuery{Tenant: "northwind"})
	require.NoError(t, err)
	assert.Equal(t, []string{r.Token.ID}, ids(list), "the token is still listed under its tenant")
	list, err = s.ListTokens(t.Context(), token.ListQuery{Kind: token.Internal})
	require.NoError(t, err)
	assert.Empty(t, list, "the token is not listed under the kind the update asked for")
}

func testUpdateRenameDuplicate(t *testing.T, s token.Store) {
	mustCreate(t, s, newRecord(t, "Sales CRM"))
	r := mustCreate(t, s, newRecord(t, "Postman tests"))
	before := mustGet(t, s, r.Token.ID).Clone()
	for _, name := range []string{"Sales CRM", "sales crm", " SALES CRM "} {
		u := before.Clone()
		u.Token.Name = name
		u.Token.Description = "renamed"
		assert.ErrorIs(t, s.UpdateToken(t.Context(), u), token.ErrDuplicate, "rename to %q", name)
	}
	assertRecord(t, before, mustGet(t, s, r.Token.ID))
	// The name it still holds is still taken.
	assert.ErrorIs(t, s.CreateToken(t.Context(), newRecord(t, "postman TESTS")), token.ErrDuplicate)
}

func testUpdateConcurrent(t *testing.T, s token.Store) {
	const workers, attempts = 16, 10
	ctx := t.Context()
	r := mustCreate(t, s, newRecord(t, "hot token"))

	type outcome struct {
		version int64 // new version on success
		desc    string
		err     error
	}
	out := make([][]outcome, workers)
	parallel(workers, func(w int) {
		for a := range attempts {
			cur, err := s.TokenByID(ctx, r.Token.ID)
			if err != nil {
				out[w] = append(out[w], outcome{err: fmt.Errorf("TokenByID: %w", err)})
				continue
			}
			u := cur.Clone()
			u.Token.Description = fmt.Sprintf("worker %d attempt %d", w, a)
			err = s.UpdateToken(ctx, u)
			out[w] = append(out[w], outcome{version: u.Token.Version, desc: u.Token.Description, err: err})
		}
	})

	var versions []int64
	last := map[int64]string{}
	conflicts := 0
	for w := range out {
		for _, o := range out[w] {
			switch {
			case o.err == nil:
				versions = append(versions, o.version)
				last[o.version] = o.desc
			case assert.ErrorIs(t, o.err, token.ErrConflict, "worker %d", w):
				conflicts++
			}
		}
	}
	assert.Equal(t, workers*attempts, len(versions)+conflicts, "every attempt either succeeds or is ErrConflict")
	require.NotEmpty(t, versions)
	slices.Sort(versions)
	for i, v := range versions {
		require.Equal(t, int64(i+2), v, "successful updates must produce versions 2, 3, … each exactly once: %v", versions)
	}
	got := mustGet(t, s, r.Token.ID)
	top := versions[len(versions)-1]
	assert.Equal(t, top, got.Token.Version, "stored version is 1 + successful updates")
	assert.Equal(t, last[top], got.Token.Description, "the update with the highest version wins")
}

// While a token is edited (its hashes unchanged), lookups by its hash must
// keep finding it: a miss would refuse a valid token with 401.
func testUpdateNeverHidesToken(t *testing.T, s token.Store) {
	r := mustCreate(t, s, newRecord(t, "busy"))
	id, h := r.Token.ID, r.Hash
	stop := make(chan struct{})
	var wg sync.WaitGroup
	misses := make([]int, 4)
	for g := range misses {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				if got, err := s.TokenByHash(t.Context(), h); err != nil || got == nil || got.Token.ID != id {
					misses[g]++
				}
			}
		})
	}
	var updateErr error
	for i := range 200 {
		cur, err := s.TokenByID(t.Context(), id)
		if err != nil {
			updateErr = err
			break
		}
		next := cur.Clone()
		next.Token.Description = fmt.Sprint("edit ", i)
		if err := s.UpdateToken(t.Context(), next); err != nil {
			updateErr = err
			break
		}
	}
	close(stop)
	wg.Wait()
	require.NoError(t, updateErr)
	for g, n := range misses {
		assert.Zero(t, n, "reader %d missed the token %d times during edits", g, n)
	}
}
