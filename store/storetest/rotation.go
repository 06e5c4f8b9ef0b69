package storetest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/tokenwarden/tokenwarden/token"
)

var rotationTests = []test{
	{"new_and_previous_hash_both_find_the_token", testRotateBothHashes},
	{"clearing_Prev_makes_the_old_hash_ErrNotFound", testRotateClearPrev},
	{"hash_replaced_without_Prev_stops_matching", testRotateNoGrace},
	{"second_rotation_drops_the_first_previous_hash", testRotateTwice},
	{"previous_hash_matches_whatever_PrevUntil_says", testRotatePastGrace},
}

// rotate saves the token with a new hash, keeping the old one as Prev
// until until, or dropping it when until is zero, as Manager.Rotate does.
func rotate(t *testing.T, s token.Store, id string, until time.Time) (old, cur token.Hash) {
	t.Helper()
	cur = newHash(t)
	mustUpdate(t, s, id, func(r *token.Record) {
		old = r.Hash
		r.Prev, r.PrevKey, r.PrevUntil = token.Hash{}, "", time.Time{}
		if !until.IsZero() {
			r.Prev, r.PrevKey, r.PrevUntil = r.Hash, r.HashKey, until
		}
		r.Hash, r.HashKey = cur, "pepper-new"
		r.Token.Hint = "tw_…" + cur.String()[:4]
	})
	return old, cur
}

func testRotateBothHashes(t *testing.T, s token.Store) {
	r := newRecord(t, "rotated")
	r.HashKey = "pepper-old"
	mustCreate(t, s, r)
	until := at(time.Hour)
	old, cur := rotate(t, s, r.Token.ID, until)

	for _, h := range []token.Hash{old, cur} {
		got := mustGetByHash(t, s, h)
		assert.Equal(t, r.Token.ID, got.Token.ID)
		assert.Equal(t, cur, got.Hash, "Hash is the new secret's")
		assert.Equal(t, "pepper-new", got.HashKey)
		assert.Equal(t, old, got.Prev, "Prev is the old secret's")
		assert.Equal(t, "pepper-old", got.PrevKey)
		assertTime(t, until, got.PrevUntil, "PrevUntil")
		assert.EqualValues(t, 2, got.Token.Version)
	}
}

func testRotateClearPrev(t *testing.T, s token.Store) {
	r := mustCreate(t, s, newRecord(t, "rotated"))
	old, cur := rotate(t, s, r.Token.ID, at(time.Hour))
	mustUpdate(t, s, r.Token.ID, func(r *token.Record) {
		r.Prev, r.PrevKey, r.PrevUntil = token.Hash{}, "", time.Time{}
	})
	requireNotFoundByHash(t, s, old)
	got := mustGetByHash(t, s, cur)
	assert.True(t, got.Prev.IsZero())
	assert.Equal(t, r.Token.ID, got.Token.ID)
}

func testRotateNoGrace(t *testing.T, s token.Store) {
	r := mustCreate(t, s, newRecord(t, "rotated"))
	old, cur := rotate(t, s, r.Token.ID, time.Time{})
	requireNotFoundByHash(t, s, old)
	assert.Equal(t, r.Token.ID, mustGetByHash(t, s, cur).Token.ID)
}

func testRotateTwice(t *testing.T, s token.Store) {
	r := mustCreate(t, s, newRecord(t, "rotated"))
	first, second := rotate(t, s, r.Token.ID, at(time.Hour))
	_, third := rotate(t, s, r.Token.ID, at(2*time.Hour))
	requireNotFoundByHash(t, s, first)
	for _, h := range []token.Hash{second, third} {
		got := mustGetByHash(t, s, h)
		assert.Equal(t, third, got.Hash)
		assert.Equal(t, second, got.Prev)
	}
}

func testRotatePastGrace(t *testing.T, s token.Store) {
	// The store has no clock: the Manager, not the store, decides whether
	// a grace has ended, so a long-past PrevUntil still matches.
	r := newRecord(t, "rotated long ago")
	r.Prev, r.PrevKey, r.PrevUntil = newHash(t), "", time.Date(2001, time.January, 1, 0, 0, 0, 0, time.UTC)
	mustCreate(t, s, r)
	got := mustGetByHash(t, s, r.Prev)
	assert.Equal(t, r.Token.ID, got.Token.ID)
	assertTime(t, r.PrevUntil, got.PrevUntil, "PrevUntil")
}
