package storetest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenwarden/tokenwarden/token"
)

var deleteTests = []test{
	{"id_and_both_hashes_are_ErrNotFound_after", testDeleteLookups},
	{"deleting_twice_is_ErrNotFound", testDeleteTwice},
	{"name_is_free_again", testDeleteFreesName},
	{"quota_counters_are_removed", testDeleteCounters},
	{"other_tokens_are_untouched", testDeleteOthersKept},
}

func testDeleteLookups(t *testing.T, s token.Store) {
	r := newRecord(t, "doomed")
	r.Prev, r.PrevUntil = newHash(t), at(time.Hour)
	mustCreate(t, s, r)
	require.NoError(t, s.DeleteToken(t.Context(), r.Token.ID))
	requireNotFoundByID(t, s, r.Token.ID)
	requireNotFoundByHash(t, s, r.Hash)
	requireNotFoundByHash(t, s, r.Prev)
	list, err := s.ListTokens(t.Context(), token.ListQuery{})
	require.NoError(t, err)
	assert.Empty(t, list)
}

func testDeleteTwice(t *testing.T, s token.Store) {
	r := mustCreate(t, s, newRecord(t, "doomed"))
	require.NoError(t, s.DeleteToken(t.Context(), r.Token.ID))
	assert.ErrorIs(t, s.DeleteToken(t.Context(), r.Token.ID), token.ErrNotFound)
	assert.ErrorIs(t, s.UpdateToken(t.Context(), r), token.ErrNotFound)
	assert.ErrorIs(t, s.TouchToken(t.Context(), r.Token.ID, at(time.Hour)), token.ErrNotFound)
}

func testDeleteFreesName(t *testing.T, s token.Store) {
	r := mustCreate(t, s, newRecord(t, "Sales CRM"))
	require.NoError(t, s.DeleteToken(t.Context(), r.Token.ID))
	again := mustCreate(t, s, newRecord(t, "SALES crm"))
	assert.Equal(t, "SALES crm", mustGet(t, s, again.Token.ID).Token.Name)
}

func testDeleteCounters(t *testing.T, s token.Store) {
	ctx := t.Context()
	r := mustCreate(t, s, newRecord(t, "metered"))
	for _, start := range []time.Time{day(0), token.LifetimeStart} {
		g, _, err := s.ConsumeQuota(ctx, r.Token.ID, start, 10, 4)
		require.NoError(t, err)
		require.EqualValues(t, 4, g)
	}
	require.NoError(t, s.DeleteToken(ctx, r.Token.ID))
	for _, start := range []time.Time{day(0), token.LifetimeStart} {
		used, err := s.QuotaUsed(ctx, r.Token.ID, start)
		require.NoError(t, err)
		assert.Zero(t, used, "QuotaUsed after delete, window %v", start)
		g, _, err := s.ConsumeQuota(ctx, r.Token.ID, start, 10, 1)
		assert.ErrorIs(t, err, token.ErrNotFound, "ConsumeQuota on a deleted token, window %v", start)
		assert.Zero(t, g, "granted on a deleted token")
		assert.NoError(t, s.ReleaseQuota(ctx, r.Token.ID, start, 1), "ReleaseQuota on a deleted token is a no-op")
		used, err = s.QuotaUsed(ctx, r.Token.ID, start)
		require.NoError(t, err)
		assert.Zero(t, used)
	}
}

func testDeleteOthersKept(t *testing.T, s token.Store) {
	ctx := t.Context()
	gone := mustCreate(t, s, newRecord(t, "gone"))
	kept := newRecord(t, "kept")
	kept.Prev, kept.PrevUntil = newHash(t), at(time.Hour)
	mustCreate(t, s, kept)
	for _, id := range []string{gone.Token.ID, kept.Token.ID} {
		_, _, err := s.ConsumeQuota(ctx, id, day(0), 10, 3)
		require.NoError(t, err)
	}
	require.NoError(t, s.DeleteToken(ctx, gone.Token.ID))
	assertRecord(t, kept, mustGet(t, s, kept.Token.ID))
	assertRecord(t, kept, mustGetByHash(t, s, kept.Hash))
	assertRecord(t, kept, mustGetByHash(t, s, kept.Prev))
	used, err := s.QuotaUsed(ctx, kept.Token.ID, day(0))
	require.NoError(t, err)
	assert.EqualValues(t, 3, used)
}
