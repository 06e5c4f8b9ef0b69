package storetest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenwarden/tokenwarden/token"
)

var touchTests = []test{
	{"later_time_moves_LastUsed_earlier_or_equal_does_not", testTouchMoves},
	{"changes_nothing_else_and_keeps_Version", testTouchKeepsVersion},
	{"visible_by_hash", testTouchByHash},
	{"concurrent_touches_keep_the_latest", testTouchConcurrent},
}

func testTouchMoves(t *testing.T, s token.Store) {
	ctx := t.Context()
	r := mustCreate(t, s, newRecord(t, "used"))
	assert.True(t, mustGet(t, s, r.Token.ID).Token.LastUsed.IsZero(), "a new token was never used")

	steps := []struct {
		touch, want time.Time
	}{
		{at(time.Minute), at(time.Minute)},                                   // first use
		{at(time.Hour), at(time.Hour)},                                       // later: moves
		{at(30 * time.Minute), at(time.Hour)},                                // earlier: ignored
		{at(time.Hour), at(time.Hour)},                                       // equal: ignored
		{at(time.Hour + time.Microsecond), at(time.Hour + time.Microsecond)}, // one microsecond later: moves
	}
	for i, st := range steps {
		require.NoError(t, s.TouchToken(ctx, r.Token.ID, st.touch), "step %d", i)
		assertTime(t, st.want, mustGet(t, s, r.Token.ID).Token.LastUsed, "LastUsed")
	}
}

func testTouchKeepsVersion(t *testing.T, s token.Store) {
	mustPutRole(t, s, "reader", base, "clients:read")
	r := mustCreate(t, s, fullRecord(t, "used", "reader"))
	want := mustGet(t, s, r.Token.ID).Clone()
	when := at(2 * time.Hour)
	require.NoError(t, s.TouchToken(t.Context(), r.Token.ID, when))
	want.Token.LastUsed = when
	assertRecord(t, want, mustGet(t, s, r.Token.ID))

	// An update made from a record read before the touch still applies:
	// the touch did not move the version.
	u := r.Clone()
	u.Token.Description = "edited after use"
	require.NoError(t, s.UpdateToken(t.Context(), u))
	got := mustGet(t, s, r.Token.ID)
	assert.EqualValues(t, 2, got.Token.Version)
	assertTime(t, when, got.Token.LastUsed, "LastUsed survives the update")
}

func testTouchByHash(t *testing.T, s token.Store) {
	r := mustCreate(t, s, newRecord(t, "used"))
	when := at(time.Hour)
	require.NoError(t, s.TouchToken(t.Context(), r.Token.ID, when))
	assertTime(t, when, mustGetByHash(t, s, r.Hash).Token.LastUsed, "LastUsed by hash")
}

func testTouchConcurrent(t *testing.T, s token.Store) {
	const n = 32
	ctx := t.Context()
	r := mustCreate(t, s, newRecord(t, "busy"))
	errs := make([]error, n)
	parallel(n, func(i int) {
		// Latest first for half of them, so late writers carry early times.
		d := time.Duration(i) * time.Second
		if i%2 == 0 {
			d = time.Duration(n-i) * time.Second
		}
		errs[i] = s.TouchToken(ctx, r.Token.ID, at(d))
	})
	for i, err := range errs {
		assert.NoError(t, err, "toucher %d", i)
	}
	got := mustGet(t, s, r.Token.ID)
	assertTime(t, at(n*time.Second), got.Token.LastUsed, "LastUsed is the latest time touched")
	assert.EqualValues(t, 1, got.Token.Version)
}
