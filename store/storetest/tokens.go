package storetest

import (
	"net/netip"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenwarden/tokenwarden/token"
)

var tokenTests = []test{
	{"create_then_TokenByID_and_TokenByHash_return_every_field", testRoundTripFull},
	{"zero_values_round_trip_as_zero", testRoundTripMinimal},
	{"tokens_are_kept_apart", testTokensApart},
	{"times_are_kept_to_the_microsecond_and_never_rounded_up", testTimesNotRoundedUp},
	{"unknown_id_is_ErrNotFound", testUnknownID},
	{"unknown_hash_is_ErrNotFound", testUnknownHash},
	{"zero_hash_matches_no_token", testZeroHash},
	{"values_passed_in_are_copied", testInputsCopied},
	{"returned_records_are_not_changed_by_later_writes", testReturnedUnchanged},
}

func testRoundTripFull(t *testing.T, s token.Store) {
	mustPutRole(t, s, "crm reader", base, "clients:read")
	want := fullRecord(t, "Sales CRM integration ✓", "crm reader")
	mustCreate(t, s, want.Clone())

	assertRecord(t, want, mustGet(t, s, want.Token.ID))
	assertRecord(t, want, mustGetByHash(t, s, want.Hash))
	assertRecord(t, want, mustGetByHash(t, s, want.Prev))
}

func testRoundTripMinimal(t *testing.T, s token.Store) {
	want := newRecord(t, "nightly batch")
	mustCreate(t, s, want.Clone())

	got := mustGet(t, s, want.Token.ID)
	assertRecord(t, want, got)
	assert.Equal(t, token.Internal, got.Token.Kind)
	assert.Empty(t, got.Token.Tenant)
	assert.True(t, got.Token.Expires.IsZero(), "Expires: zero means never; got %v", got.Token.Expires)
	assert.True(t, got.Token.Quota.IsZero(), "Quota: zero means none; got %+v", got.Token.Quota)
	assert.True(t, got.Token.Rate.IsZero(), "Rate: zero means none; got %+v", got.Token.Rate)
	assert.True(t, got.Prev.IsZero(), "Prev: zero means no previous secret")
	assert.EqualValues(t, 1, got.Token.Version)
	assertRecord(t, want, mustGetByHash(t, s, want.Hash))
}

func testTokensApart(t *testing.T, s token.Store) {
	recs := []*token.Record{
		newRecord(t, "alpha"),
		newExternal(t, "beta", "northwind"),
		newExternal(t, "gamma", "contoso"),
	}
	recs[1].Token.Scopes = []string{"clients:read"}
	recs[2].Token.Allow = []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	for _, r := range recs {
		mustCreate(t, s, r.Clone())
	}
	for _, r := range recs {
		assertRecord(t, r, mustGet(t, s, r.Token.ID))
		assertRecord(t, r, mustGetByHash(t, s, r.Hash))
	}
}

func testTimesNotRoundedUp(t *testing.T, s token.Store) {
	// 999 ns past a whole microsecond: a store keeping microseconds must
	// truncate, never round to the next microsecond (an expiry rounded up
	// would let a token live past its time).
	expires := at(24 * time.Hour).Add(999 * time.Nanosecond)
	prevUntil := at(time.Hour).Add(501 * time.Nanosecond)
	r := newRecord(t, "rounding")
	r.Token.Expires = expires
	r.Prev, r.PrevUntil = newHash(t), prevUntil
	mustCreate(t, s, r)

	got := mustGet(t, s, r.Token.ID)
	for _, c := range []struct {
		field     string
		given, ok time.Time
	}{
		{"Expires", expires, got.Token.Expires},
		{"PrevUntil", prevUntil, got.PrevUntil},
	} {
		assert.False(t, c.ok.After(c.given), "%s came back later than given: %v > %v", c.field, c.ok.Format(time.RFC3339Nano), c.given.Format(time.RFC3339Nano))
		assert.Less(t, c.given.Sub(c.ok), time.Microsecond, "%s lost more than its sub-microsecond part: %v → %v", c.field, c.given.Format(time.RFC3339Nano), c.ok.Format(time.RFC3339Nano))
	}
}

func testUnknownID(t *testing.T, s token.Store) {
	ctx := t.Context()
	mustCreate(t, s, newRecord(t, "present"))
	missing := newRecord(t, "missing")
	id := missing.Token.ID

	requireNotFoundByID(t, s, id)
	assert.ErrorIs(t, s.UpdateToken(ctx, missing), token.ErrNotFound, "UpdateToken")
	assert.ErrorIs(t, s.DeleteToken(ctx, id), token.ErrNotFound, "DeleteToken")
	assert.ErrorIs(t, s.TouchToken(ctx, id, at(time.Minute)), token.ErrNotFound, "TouchToken")
	// The failed update must not have created the token.
	requireNotFoundByID(t, s, id)
	requireNotFoundByHash(t, s, missing.Hash)
}

func testUnknownHash(t *testing.T, s token.Store) {
	r := newRecord(t, "present")
	r.Prev, r.PrevUntil = newHash(t), at(time.Hour)
	mustCreate(t, s, r)
	requireNotFoundByHash(t, s, newHash(t))
}

func testZeroHash(t *testing.T, s token.Store) {
	// Prev is zero when there is no previous secret: a zero Prev must not
	// make a token match the zero hash.
	mustCreate(t, s, newRecord(t, "no previous secret"))
	requireNotFoundByHash(t, s, token.Hash{})
}

func testInputsCopied(t *testing.T, s token.Store) {
	r := newRecord(t, "copied")
	r.Token.Scopes = []string{"clients:read", "clients:write"}
	r.Token.Allow = []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	r.Token.Metadata = map[string]string{"k": "v"}
	want := r.Clone()
	mustCreate(t, s, r)
	r.Token.Scopes[0] = "admin:*"
	r.Token.Allow[0] = netip.MustParsePrefix("0.0.0.0/0")
	r.Token.Metadata["k"] = "changed"
	r.Token.Metadata["added"] = "x"
	assertRecord(t, want, mustGet(t, s, want.Token.ID))

	u := mustGet(t, s, want.Token.ID).Clone()
	u.Token.Scopes = []string{"reports:read"}
	u.Token.Metadata = map[string]string{"k": "v2"}
	require.NoError(t, s.UpdateToken(t.Context(), u))
	want = u.Clone()
	u.Token.Scopes[0] = "admin:*"
	u.Token.Metadata["k"] = "changed"
	assertRecord(t, want, mustGet(t, s, want.Token.ID))
}

func testReturnedUnchanged(t *testing.T, s token.Store) {
	mustPutRole(t, s, "reader", base, "clients:read")
	r := fullRecord(t, "shared", "reader")
	mustCreate(t, s, r)
	byID := mustGet(t, s, r.Token.ID)
	byHash := mustGetByHash(t, s, r.Hash)
	snapID, snapHash := byID.Clone(), byHash.Clone()

	require.NoError(t, s.TouchToken(t.Context(), r.Token.ID, at(time.Hour)))
	mustUpdate(t, s, r.Token.ID, func(r *token.Record) {
		r.Token.Name = "shared, renamed"
		r.Token.Scopes[0] = "reports:read"
		r.Token.Metadata["owner"] = "someone else"
		r.Hash, r.Prev = newHash(t), token.Hash{}
	})
	require.NoError(t, s.DeleteToken(t.Context(), r.Token.ID))

	assert.Equal(t, snapID, byID, "a record returned by TokenByID was changed by later writes")
	assert.Equal(t, snapHash, byHash, "a record returned by TokenByHash was changed by later writes")
}
