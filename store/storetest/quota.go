package storetest

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenwarden/tokenwarden/token"
)

var quotaTests = []test{
	{"new_counter_is_zero", testQuotaZero},
	{"grants_min_of_n_and_remaining_and_returns_the_count_after", testQuotaGrants},
	{"denied_request_adds_nothing", testQuotaDenied},
	{"block_is_partially_granted_at_the_limit", testQuotaPartialBlock},
	{"windows_are_independent", testQuotaWindows},
	{"a_window_older_than_others_still_counts_exactly", testQuotaOlderWindow},
	{"window_start_is_an_instant_whatever_its_location", testQuotaWindowLocation},
	{"counters_are_per_token", testQuotaPerToken},
	{"lowering_the_limit_below_the_count_grants_nothing_and_keeps_the_count", testQuotaLowerLimit},
	{"ReleaseQuota_gives_back_and_never_goes_below_zero", testQuotaRelease},
	{"ReleaseQuota_on_an_unknown_counter_is_a_no_op", testQuotaReleaseUnknown},
	{"ConsumeQuota_on_an_unknown_token_is_ErrNotFound", testQuotaUnknownToken},
	{"n_or_limit_below_1_is_ErrValidation_and_changes_nothing", testQuotaBadArguments},
	{"edits_and_touches_keep_the_counters", testQuotaSurvivesEdits},
	{"concurrent_requests_of_1_grant_exactly_the_limit", testQuotaConcurrentSingles},
	{"concurrent_blocks_grant_exactly_the_limit", testQuotaConcurrentBlocks},
	{"concurrent_consume_and_release_keep_the_count_exact", testQuotaConcurrentRelease},
}

func consume(t *testing.T, s token.Store, id string, start time.Time, limit, n int64) (granted, used int64) {
	t.Helper()
	granted, used, err := s.ConsumeQuota(t.Context(), id, start, limit, n)
	require.NoError(t, err, "ConsumeQuota(limit %d, n %d)", limit, n)
	return granted, used
}

func used(t *testing.T, s token.Store, id string, start time.Time) int64 {
	t.Helper()
	n, err := s.QuotaUsed(t.Context(), id, start)
	require.NoError(t, err)
	return n
}

func testQuotaZero(t *testing.T, s token.Store) {
	r := mustCreate(t, s, newRecord(t, "metered"))
	assert.Zero(t, used(t, s, r.Token.ID, day(0)))
	assert.Zero(t, used(t, s, r.Token.ID, token.LifetimeStart))
	assert.Zero(t, used(t, s, newID(t), day(0)), "a token that does not exist has used nothing")
}

func testQuotaGrants(t *testing.T, s token.Store) {
	id := mustCreate(t, s, newRecord(t, "metered")).Token.ID
	start := day(0)
	steps := []struct{ n, granted, used int64 }{
		{1, 1, 1},
		{1, 1, 2},
		{5, 5, 7},
		{2, 2, 9},
		{1, 1, 10},
		{1, 0, 10},
		{3, 0, 10},
	}
	for i, st := range steps {
		g, u := consume(t, s, id, start, 10, st.n)
		assert.Equal(t, st.granted, g, "step %d: granted", i)
		assert.Equal(t, st.used, u, "step %d: count after", i)
		assert.Equal(t, st.used, used(t, s, id, start), "step %d: QuotaUsed", i)
	}
}

func testQuotaDenied(t *testing.T, s token.Store) {
	id := mustCreate(t, s, newRecord(t, "metered")).Token.ID
	start := token.LifetimeStart
	g, u := consume(t, s, id, start, 1, 1)
	require.EqualValues(t, 1, g)
	require.EqualValues(t, 1, u)
	for i := range 10 {
		g, u = consume(t, s, id, start, 1, 1)
		assert.Zero(t, g, "attempt %d past the limit", i)
		assert.EqualValues(t, 1, u, "attempt %d: a denial adds nothing", i)
	}
	assert.EqualValues(t, 1, used(t, s, id, start))
	// Giving back the one unit makes room for exactly one more.
	require.NoError(t, s.ReleaseQuota(t.Context(), id, start, 1))
	g, u = consume(t, s, id, start, 1, 1)
	assert.EqualValues(t, 1, g)
	assert.EqualValues(t, 1, u)
}

func testQuotaPartialBlock(t *testing.T, s token.Store) {
	id := mustCreate(t, s, newRecord(t, "metered")).Token.ID
	start := day(0)
	g, u := consume(t, s, id, start, 10, 8)
	assert.EqualValues(t, 8, g)
	assert.EqualValues(t, 8, u)
	g, u = consume(t, s, id, start, 10, 5)
	assert.EqualValues(t, 2, g, "only what is left of the limit is granted")
	assert.EqualValues(t, 10, u)
	g, u = consume(t, s, id, start, 10, 5)
	assert.Zero(t, g)
	assert.EqualValues(t, 10, u)

	// A block larger than the whole limit on a fresh window.
	g, u = consume(t, s, id, day(1), 10, 1_000)
	assert.EqualValues(t, 10, g)
	assert.EqualValues(t, 10, u)
	// Large values do not overflow.
	g, u = consume(t, s, id, token.LifetimeStart, 1<<62, 1<<61)
	assert.EqualValues(t, int64(1)<<61, g)
	assert.EqualValues(t, int64(1)<<61, u)
}

func testQuotaWindows(t *testing.T, s token.Store) {
	id := mustCreate(t, s, newRecord(t, "metered")).Token.ID
	month := time.Date(2026, time.March, 1, 0, 0, 0, 0, time.UTC)
	today, tomorrow := day(0), day(1)
	steps := []struct {
		what           string
		start          time.Time
		limit, n       int64
		granted, count int64
	}{
		{"a month window", month, 100, 2, 2, 2},
		{"today", today, 3, 3, 3, 3},
		{"today, used up", today, 3, 1, 0, 3},
		{"a window one microsecond after today's", today.Add(time.Microsecond), 3, 3, 3, 3},
		{"tomorrow", tomorrow, 3, 1, 1, 1},
		{"the lifetime window", token.LifetimeStart, 100, 7, 7, 7},
		{"tomorrow again", tomorrow, 3, 1, 1, 2},
	}
	for _, st := range steps {
		g, u := consume(t, s, id, st.start, st.limit, st.n)
		assert.Equal(t, st.granted, g, "%s: granted", st.what)
		assert.Equal(t, st.count, u, "%s: count after", st.what)
	}
	// A store may forget older windows (QuotaUsed then reports 0), but not
	// the most recent one or the lifetime window.
	assert.EqualValues(t, 2, used(t, s, id, tomorrow))
	assert.EqualValues(t, 7, used(t, s, id, token.LifetimeStart))
}

func testQuotaWindowLocation(t *testing.T, s token.Store) {
	id := mustCreate(t, s, newRecord(t, "metered")).Token.ID
	start := day(0)
	east := time.FixedZone("UTC+5", 5*60*60)
	consume(t, s, id, start, 10, 4)
	g, u := consume(t, s, id, start.In(east), 10, 1)
	assert.EqualValues(t, 1, g)
	assert.EqualValues(t, 5, u, "the same instant in another location is the same window")
	assert.EqualValues(t, 5, used(t, s, id, start.In(east)))
	require.NoError(t, s.ReleaseQuota(t.Context(), id, start.In(east), 2))
	assert.EqualValues(t, 3, used(t, s, id, start))
}

func testQuotaPerToken(t *testing.T, s token.Store) {
	a := mustCreate(t, s, newRecord(t, "a")).Token.ID
	b := mustCreate(t, s, newRecord(t, "b")).Token.ID
	consume(t, s, a, day(0), 5, 5)
	g, u := consume(t, s, b, day(0), 5, 2)
	assert.EqualValues(t, 2, g)
	assert.EqualValues(t, 2, u)
	require.NoError(t, s.ReleaseQuota(t.Context(), b, day(0), 2))
	assert.EqualValues(t, 5, used(t, s, a, day(0)))
	assert.Zero(t, used(t, s, b, day(0)))
}

func testQuotaLowerLimit(t *testing.T, s token.Store) {
	id := mustCreate(t, s, newRecord(t, "metered")).Token.ID
	start := day(0)
	consume(t, s, id, start, 10, 8)
	for _, limit := range []int64{5, 8, 1} {
		g, u := consume(t, s, id, start, limit, 1)
		assert.Zero(t, g, "limit %d below or at the count 8", limit)
		assert.EqualValues(t, 8, u, "limit %d: the count is left as it is", limit)
	}
	assert.EqualValues(t, 8, used(t, s, id, start))
	// Raising it again grants what the new limit leaves.
	g, u := consume(t, s, id, start, 12, 10)
	assert.EqualValues(t, 4, g)
	assert.EqualValues(t, 12, u)
}

func testQuotaRelease(t *testing.T, s token.Store) {
	ctx := t.Context()
	id := mustCreate(t, s, newRecord(t, "metered")).Token.ID
	start := day(0)
	consume(t, s, id, start, 10, 6)
	require.NoError(t, s.ReleaseQuota(ctx, id, start, 2))
	assert.EqualValues(t, 4, used(t, s, id, start))
	g, u := consume(t, s, id, start, 10, 100)
	assert.EqualValues(t, 6, g, "released units can be consumed again")
	assert.EqualValues(t, 10, u)
	require.NoError(t, s.ReleaseQuota(ctx, id, start, 25))
	assert.Zero(t, used(t, s, id, start), "never below zero")
	require.NoError(t, s.ReleaseQuota(ctx, id, start, 1))
	assert.Zero(t, used(t, s, id, start))
	g, u = consume(t, s, id, start, 10, 100)
	assert.EqualValues(t, 10, g, "a counter released below zero would grant more than the limit")
	assert.EqualValues(t, 10, u)
}

func testQuotaReleaseUnknown(t *testing.T, s token.Store) {
	ctx := t.Context()
	id := mustCreate(t, s, newRecord(t, "metered")).Token.ID
	consume(t, s, id, day(0), 10, 3)
	assert.NoError(t, s.ReleaseQuota(ctx, id, day(-1), 5), "a window never consumed from")
	assert.NoError(t, s.ReleaseQuota(ctx, newID(t), day(0), 5), "a token that does not exist")
	assert.Zero(t, used(t, s, id, day(-1)))
	assert.EqualValues(t, 3, used(t, s, id, day(0)), "releasing elsewhere leaves this counter")
	g, u := consume(t, s, id, day(-1), 10, 100)
	assert.EqualValues(t, 10, g, "the release created no negative counter")
	assert.EqualValues(t, 10, u)
}

func testQuotaUnknownToken(t *testing.T, s token.Store) {
	mustCreate(t, s, newRecord(t, "present"))
	missing := newID(t)
	for _, start := range []time.Time{day(0), token.LifetimeStart} {
		g, _, err := s.ConsumeQuota(t.Context(), missing, start, 10, 1)
		assert.ErrorIs(t, err, token.ErrNotFound)
		assert.Zero(t, g)
		assert.Zero(t, used(t, s, missing, start))
	}
}

func testQuotaSurvivesEdits(t *testing.T, s token.Store) {
	id := mustCreate(t, s, newRecord(t, "metered")).Token.ID
	consume(t, s, id, day(0), 10, 4)
	consume(t, s, id, token.LifetimeStart, 10, 2)
	mustUpdate(t, s, id, func(r *token.Record) {
		r.Token.Name = "renamed"
		r.Token.Quota = token.PerDay(20)
		r.Prev, r.PrevUntil, r.Hash = r.Hash, at(time.Hour), newHash(t)
	})
	require.NoError(t, s.TouchToken(t.Context(), id, at(time.Hour)))
	assert.EqualValues(t, 4, used(t, s, id, day(0)), "update, rotation and touch keep usage")
	assert.EqualValues(t, 2, used(t, s, id, token.LifetimeStart))
}

// quotaOutcome is one ConsumeQuota call as seen by a worker goroutine.
type quotaOutcome struct {
	n, granted, used int64
	err              error
}

// checkOutcomes asserts what every ConsumeQuota call under concurrency
// must satisfy and returns the total granted.
func checkOutcomes(t *testing.T, out [][]quotaOutcome, limit int64) (granted int64, calls int) {
	t.Helper()
	for w := range out {
		for _, o := range out[w] {
			calls++
			if !assert.NoError(t, o.err, "worker %d", w) {
				continue
			}
			assert.True(t, o.granted >= 0 && o.granted <= o.n, "worker %d: granted %d for n %d", w, o.granted, o.n)
			assert.LessOrEqual(t, o.used, limit, "worker %d: count %d passed the limit %d", w, o.used, limit)
			if o.granted > 0 {
				assert.GreaterOrEqual(t, o.used, o.granted, "worker %d: count after is below the grant", w)
			}
			granted += o.granted
		}
	}
	return granted, calls
}

func testQuotaConcurrentSingles(t *testing.T, s token.Store) {
	const workers, perWorker, limit = 64, 30, 1_500
	ctx := t.Context()
	id := mustCreate(t, s, newRecord(t, "hot")).Token.ID
	start := day(0)
	out := make([][]quotaOutcome, workers)
	parallel(workers, func(w int) {
		for range perWorker {
			g, u, err := s.ConsumeQuota(ctx, id, start, limit, 1)
			out[w] = append(out[w], quotaOutcome{1, g, u, err})
		}
	})
	granted, calls := checkOutcomes(t, out, limit)
	require.Equal(t, workers*perWorker, calls)
	assert.EqualValues(t, limit, granted, "total granted must be exactly the limit")
	assert.EqualValues(t, limit, used(t, s, id, start))
	// Each grant of 1 moved the counter by one: the counts after the
	// grants are 1, 2, … limit, each exactly once.
	var counts []int64
	for w := range out {
		for _, o := range out[w] {
			if o.granted == 1 {
				counts = append(counts, o.used)
			}
		}
	}
	slices.Sort(counts)
	for i, c := range counts {
		if !assert.Equal(t, int64(i+1), c, "the counts after the grants must be 1…%d, each once", limit) {
			break
		}
	}
}

func testQuotaConcurrentBlocks(t *testing.T, s token.Store) {
	const workers, perWorker, limit = 64, 16, 4_000
	ctx := t.Context()
	id := mustCreate(t, s, newRecord(t, "hot")).Token.ID
	start := token.LifetimeStart
	sizes := make([][]int64, workers)
	for w := range sizes {
		rng := rand.New(rand.NewPCG(uint64(w), 42))
		for range perWorker {
			sizes[w] = append(sizes[w], 1+rng.Int64N(9))
		}
	}
	out := make([][]quotaOutcome, workers)
	parallel(workers, func(w int) {
		for _, n := range sizes[w] {
			g, u, err := s.ConsumeQuota(ctx, id, start, limit, n)
			out[w] = append(out[w], quotaOutcome{n, g, u, err})
		}
	})
	granted, _ := checkOutcomes(t, out, limit)
	assert.EqualValues(t, limit, granted, "the blocks granted must add up to exactly the limit")
	assert.EqualValues(t, limit, used(t, s, id, start))
}

func testQuotaConcurrentRelease(t *testing.T, s token.Store) {
	const workers, perWorker, limit = 32, 20, 200
	ctx := t.Context()
	id := mustCreate(t, s, newRecord(t, "hot")).Token.ID
	start := day(0)
	out := make([][]quotaOutcome, workers)
	released := make([]int64, workers)
	relErrs := make([][]error, workers)
	parallel(workers, func(w int) {
		rng := rand.New(rand.NewPCG(uint64(w), 7))
		for range perWorker {
			n := 1 + rng.Int64N(5)
			g, u, err := s.ConsumeQuota(ctx, id, start, limit, n)
			out[w] = append(out[w], quotaOutcome{n, g, u, err})
			// Give back part of what was granted, as a cache does with an
			// unspent block: never more than this worker holds.
			if back := g / 2; err == nil && back > 0 {
				if err := s.ReleaseQuota(ctx, id, start, back); err != nil {
					relErrs[w] = append(relErrs[w], fmt.Errorf("release %d: %w", back, err))
					continue
				}
				released[w] += back
			}
		}
	})
	for w := range relErrs {
		assert.Empty(t, relErrs[w], "worker %d", w)
	}
	granted, _ := checkOutcomes(t, out, limit)
	var back int64
	for _, r := range released {
		back += r
	}
	held := granted - back
	assert.LessOrEqual(t, held, int64(limit))
	assert.Equal(t, held, used(t, s, id, start), "count = granted − released, exactly")
}

func testQuotaBadArguments(t *testing.T, s token.Store) {
	id := mustCreate(t, s, newRecord(t, "metered")).Token.ID
	start := token.LifetimeStart
	consume(t, s, id, start, 10, 3)
	for _, c := range []struct{ limit, n int64 }{{10, 0}, {10, -5}, {0, 1}, {-1, 1}} {
		g, _, err := s.ConsumeQuota(t.Context(), id, start, c.limit, c.n)
		assert.ErrorIs(t, err, token.ErrValidation, "limit %d n %d", c.limit, c.n)
		assert.Zero(t, g, "limit %d n %d", c.limit, c.n)
	}
	assert.EqualValues(t, 3, used(t, s, id, start), "refused calls change nothing")
}

// A token whose quota moves from per day to per month consumes from a
// window (the first of the month) that starts before the day windows it
// already has: that counter must count like any other.
func testQuotaOlderWindow(t *testing.T, s token.Store) {
	id := mustCreate(t, s, newRecord(t, "period changed")).Token.ID
	month := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	for d := 10; d <= 12; d++ {
		consume(t, s, id, month.AddDate(0, 0, d), 100, 1)
	}
	for i := range 5 {
		g, u := consume(t, s, id, month, 3, 1)
		if i < 3 {
			assert.EqualValues(t, 1, g, "request %d", i)
			assert.EqualValues(t, i+1, u, "request %d", i)
		} else {
			assert.Zero(t, g, "request %d is past the limit", i)
		}
	}
	assert.EqualValues(t, 3, used(t, s, id, month))
}
