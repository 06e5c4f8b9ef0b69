package token

import (
	"context"
	"hash/crc32"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestCRC32StringMatchesStdlib(t *testing.T) {
	src := strings.Repeat("The quick brown fox_0123456789", 5)
	for n := range len(src) {
		assert.Equal(t, crc32.ChecksumIEEE([]byte(src[:n])), crc32String(src[:n]), "length %d", n)
	}
}

func TestWindowCacheAgreesWithQuotaWindow(t *testing.T) {
	loc, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	m := &Manager{cfg: config{loc: loc}}
	start := time.Date(2026, 3, 7, 22, 0, 0, 0, time.UTC)
	for _, q := range []Quota{PerDay(1), PerMonth(1), Total(1)} {
		for i := range 24 * 40 {
			now := start.Add(time.Duration(i)*time.Hour + 59*time.Minute)
			ws, we := q.Window(now, loc)
			gs, ge := m.window(q, now)
			assert.Equal(t, ws, gs, "%v start at %v", q.Period, now)
			assert.Equal(t, we, ge, "%v end at %v", q.Period, now)
		}
	}
}

func TestLimiterMapIsBounded(t *testing.T) {
	st := newTestStore()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	m, err := NewManager(st, WithClock(func() time.Time { return now }), WithMaxLimiters(10))
	if err != nil {
		t.Fatal(err)
	}
	var secrets []string
	for i := range 40 {
		s, _, err := m.Issue(t.Context(), Spec{Name: "t" + string(rune('A'+i)), Kind: Internal, Rate: PerMinute(2)})
		if err != nil {
			t.Fatal(err)
		}
		secrets = append(secrets, s.Reveal())
	}
	for i, s := range secrets {
		if _, err := m.Verify(t.Context(), s, Request{}); err != nil {
			t.Fatal(i, err)
		}
		if i%10 == 9 {
			now = now.Add(time.Minute) // every bucket used so far refills
		}
	}
	assert.LessOrEqual(t, m.nlim, 11, "full buckets were swept")
	// A swept token behaves as before: its full bucket allows a burst of 2.
	for range 2 {
		_, err := m.Verify(t.Context(), secrets[0], Request{})
		assert.NoError(t, err)
	}
	_, err = m.Verify(t.Context(), secrets[0], Request{})
	assert.ErrorIs(t, err, ErrRateLimited)
}

// testStore implements the methods Issue and Verify of tokens without
// roles or quota call; the embedded nil Store panics on any other.
type testStore struct {
	Store
	mu     sync.Mutex
	byHash map[Hash]*Record
}

func newTestStore() *testStore { return &testStore{byHash: map[Hash]*Record{}} }

func (s *testStore) CreateToken(_ context.Context, r *Record) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.byHash[r.Hash] = r.Clone()
	return nil
}

func (s *testStore) TokenByHash(_ context.Context, h Hash) (*Record, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r, ok := s.byHash[h]; ok {
		return r, nil
	}
	return nil, ErrNotFound
}

func (s *testStore) Maintenance(context.Context) (bool, error)           { return false, nil }
func (s *testStore) TouchToken(context.Context, string, time.Time) error { return nil }
