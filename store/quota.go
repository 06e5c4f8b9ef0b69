package store

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/tokenwarden/tokenwarden/token"
)

// quotaState is what a Cache holds for one token's quota: units of one
// window that the wrapped store has counted and no request has used yet.
type quotaState struct {
	mu   sync.Mutex
	dead bool // removed from Cache.quotas: look the token up again

	window     bool      // start is set
	start      time.Time // the window the units belong to
	key        winKey    // windows compare as instants
	used       int64     // the store's count after this Cache's last call
	unspent    int64     // counted by the store, not yet granted
	limit      int64     // the limit of the last reservation
	reservedAt int64     // when the unspent units were reserved
	// The store refused this window at limits up to exhaustedLimit; kept
	// until exhaustedUntil.
	exhaustedUntil int64
	exhaustedLimit int64
}

// winKey is a window start as an instant, whatever its location.
type winKey struct {
	sec  int64
	nsec int
}

func keyOf(t time.Time) winKey { return winKey{t.Unix(), t.Nanosecond()} }

// reset forgets the window, keeping the lock.
func (st *quotaState) reset() {
	st.window, st.start, st.key = false, time.Time{}, winKey{}
	st.used, st.unspent, st.limit, st.reservedAt = 0, 0, 0, 0
	st.exhaustedUntil, st.exhaustedLimit = 0, 0
}

// lockQuota returns the token's live state, locked, making one if needed.
func (c *Cache) lockQuota(id string) *quotaState {
	for {
		v, ok := c.quotas.Load(id)
		if !ok {
			v, _ = c.quotas.LoadOrStore(id, &quotaState{})
		}
		st := v.(*quotaState)
		st.mu.Lock()
		if !st.dead {
			return st
		}
		st.mu.Unlock()
	}
}

// lockWindow returns the token's live state for the window starting at
// start, locked, or nil when this Cache holds nothing for that window.
func (c *Cache) lockWindow(id string, start time.Time) *quotaState {
	for {
		v, ok := c.quotas.Load(id)
		if !ok {
			return nil
		}
		st := v.(*quotaState)
		st.mu.Lock()
		if st.dead {
			st.mu.Unlock()
			continue
		}
		if !st.window || st.key != keyOf(start) {
			st.mu.Unlock()
			return nil
		}
		return st
	}
}

// dropQuota forgets the token's state without giving anything back: its
// counters are gone with it.
func (c *Cache) dropQuota(id string) {
	if v, ok := c.quotas.Load(id); ok {
		st := v.(*quotaState)
		st.mu.Lock()
		st.dead = true
		c.quotas.CompareAndDelete(id, st)
		st.mu.Unlock()
	}
}

// blockFor returns how many units to reserve ahead for a limit: the
// QuotaBlock option, but never more than a quarter of the limit, rounded up.
func (c *Cache) blockFor(limit int64) int64 {
	q := limit / 4
	if limit%4 != 0 {
		q++
	}
	return min(c.block, q)
}

// ConsumeQuota implements token.Store: it grants from the units this Cache
// holds for the token's window and, when they do not cover n, reserves a
// block from the wrapped store. See the Cache type for what used means.
func (c *Cache) ConsumeQuota(ctx context.Context, id string, start time.Time, limit, n int64) (granted, used int64, err error) {
	if n < 1 || limit < 1 {
		return 0, 0, fmt.Errorf("store: cache: ConsumeQuota: %w: n (%d) and limit (%d) must be at least 1", token.ErrValidation, n, limit)
	}
	if err := ctx.Err(); err != nil {
		return 0, 0, err
	}
	if c.closed.Load() {
		return c.s.ConsumeQuota(ctx, id, start, limit, n)
	}
	now := c.now()
	c.maybeSweep(ctx, now)
	st := c.lockQuota(id)
	defer st.mu.Unlock()
	granted, used, err = c.consumeLocked(ctx, st, id, start, limit, n, now)
	if errors.Is(err, token.ErrNotFound) {
		// Deleted: the store dropped its counters, so the units are gone.
		st.unspent, st.exhaustedUntil = 0, 0
	}
	c.forgetIdle(id, st, now)
	return granted, used, err
}

func (c *Cache) consumeLocked(ctx context.Context, st *quotaState, id string, start time.Time, limit, n, now int64) (granted, used int64, err error) {
	closed := c.closed.Load()
	if st.window && st.key != keyOf(start) {
		// A new window (or a token switched between windows): give the
		// old window's units back.
		if err := c.releaseLocked(ctx, id, st); err != nil {
			return 0, 0, err
		}
		st.reset()
	}
	if !st.window {
		st.window, st.start, st.key = true, start, keyOf(start)
	}
	if st.unspent > 0 && (closed || now-st.reservedAt >= c.maxStale || limit < st.limit) {
		// Too old to keep, or reserved under a higher limit than the
		// token's now: give it back before going on.
		if err := c.releaseLocked(ctx, id, st); err != nil {
			return 0, 0, err
		}
	}
	est := st.used - st.unspent
	take := min(n, st.unspent, max(0, limit-est))
	if take == n || (now < st.exhaustedUntil && limit <= st.exhaustedLimit) {
		st.unspent -= take
		return take, est + take, nil
	}
	need := n - take
	ask := need
	if !closed {
		ask = max(need, c.blockFor(limit))
	}
	g, u, err := c.s.ConsumeQuota(ctx, id, start, limit, ask)
	if err != nil {
		return 0, 0, err
	}
	got := min(g, need)
	st.unspent += g - got - take
	st.used = u
	st.limit = limit
	if g > got {
		st.reservedAt = now
		c.schedule(id, st, now+c.maxStale)
	}
	if g < ask {
		st.exhaustedUntil, st.exhaustedLimit = now+c.maxStale, limit
		c.schedule(id, st, st.exhaustedUntil)
	} else {
		st.exhaustedUntil = 0
	}
	return take + got, st.used - st.unspent, nil
}

// releaseLocked gives the unspent units back to the wrapped store.
func (c *Cache) releaseLocked(ctx context.Context, id string, st *quotaState) error {
	if st.unspent == 0 {
		return nil
	}
	if err := c.s.ReleaseQuota(ctx, id, st.start, st.unspent); err != nil {
		return err
	}
	st.used = max(0, st.used-st.unspent)
	st.unspent = 0
	st.exhaustedUntil = 0
	return nil
}

// ReleaseQuota implements token.Store. It always reaches the wrapped
// store: the units given back go there together with this Cache's unspent
// units of that window, so that the store's count never drops below what
// this Cache still holds.
func (c *Cache) ReleaseQuota(ctx context.Context, id string, start time.Time, n int64) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	st := c.lockWindow(id, start)
	if st == nil || n < 1 {
		if st != nil {
			st.mu.Unlock()
		}
		return c.s.ReleaseQuota(ctx, id, start, n)
	}
	defer st.mu.Unlock()
	all := n
	if st.unspent > math.MaxInt64-n {
		all = math.MaxInt64
	} else {
		all += st.unspent
	}
	if err := c.s.ReleaseQuota(ctx, id, start, all); err != nil {
		return err
	}
	st.used = max(0, st.used-all)
	st.unspent = 0
	st.exhaustedUntil = 0
	return nil
}

// QuotaUsed implements token.Store: the wrapped store's count less the
// units this Cache holds unspent for that window.
func (c *Cache) QuotaUsed(ctx context.Context, id string, start time.Time) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	st := c.lockWindow(id, start)
	if st == nil {
		return c.s.QuotaUsed(ctx, id, start)
	}
	defer st.mu.Unlock()
	u, err := c.s.QuotaUsed(ctx, id, start)
	if err != nil {
		return 0, err
	}
	return max(0, u-st.unspent), nil
}

// due is a time at which a token's quota state may need attention: its
// block turns MaxStale old, or its kept refusal expires.
type due struct {
	id string
	st *quotaState
	at int64
}

// dueQueue lists the due times in the order they were made, which is
// their order in time; Cache.nextSweep holds the first one's.
type dueQueue struct {
	mu   sync.Mutex
	list []due
	head int
}

// schedule makes the next sweep look at st at time at.
func (c *Cache) schedule(id string, st *quotaState, at int64) {
	q := &c.due
	q.mu.Lock()
	defer q.mu.Unlock()
	q.list = append(q.list, due{id, st, at})
	if q.head == len(q.list)-1 {
		c.nextSweep.Store(at)
	}
}

// maybeSweep gives back the blocks that have turned MaxStale old and
// forgets the tokens left with nothing, whatever token the calling request
// is about. It costs an atomic load until something is due, then only the
// due tokens; one goroutine sweeps at a time. A token another goroutine is
// using, or whose release fails, is looked at again by a later call.
func (c *Cache) maybeSweep(ctx context.Context, now int64) {
	if now < c.nextSweep.Load() || !c.sweeping.CompareAndSwap(false, true) {
		return
	}
	defer c.sweeping.Store(false)
	q := &c.due
	q.mu.Lock()
	var ready []due
	for q.head < len(q.list) && q.list[q.head].at <= now {
		ready = append(ready, q.list[q.head])
		q.list[q.head] = due{}
		q.head++
	}
	if q.head > len(q.list)/2 {
		q.list = append(q.list[:0], q.list[q.head:]...)
		q.head = 0
	}
	if q.head < len(q.list) {
		c.nextSweep.Store(q.list[q.head].at)
	} else {
		c.nextSweep.Store(math.MaxInt64)
	}
	q.mu.Unlock()
	for _, d := range ready {
		c.sweepOne(ctx, d, now)
	}
}

func (c *Cache) sweepOne(ctx context.Context, d due, now int64) {
	st := d.st
	if !st.mu.TryLock() {
		c.schedule(d.id, st, now+c.maxStale/8)
		return
	}
	defer st.mu.Unlock()
	if st.dead {
		return
	}
	if st.unspent > 0 && now-st.reservedAt >= c.maxStale {
		if c.releaseLocked(ctx, d.id, st) != nil {
			c.schedule(d.id, st, now+c.maxStale/8)
			return
		}
	}
	c.forgetIdle(d.id, st, now)
}

// forgetIdle drops a token's state that holds no units and no refusal.
// Called with st.mu held.
func (c *Cache) forgetIdle(id string, st *quotaState, now int64) {
	if st.unspent == 0 && now >= st.exhaustedUntil {
		st.dead = true
		c.quotas.CompareAndDelete(id, st)
	}
}

// Close gives every unspent quota unit back to the wrapped store. It does
// not close the wrapped store. After Close the Cache still works, but
// ConsumeQuota no longer reserves ahead; Close may be called again, and
// retries the units a failed release left. Call it when the instance
// stops, so that other instances can use the units at once rather than
// after the window ends.
func (c *Cache) Close(ctx context.Context) error {
	c.closed.Store(true)
	var errs []error
	c.quotas.Range(func(k, v any) bool {
		st := v.(*quotaState)
		st.mu.Lock()
		defer st.mu.Unlock()
		if st.dead {
			return true
		}
		if err := c.releaseLocked(ctx, k.(string), st); err != nil {
			errs = append(errs, fmt.Errorf("store: cache: Close: releasing quota of token %s: %w", k, err))
			return true
		}
		st.dead = true
		c.quotas.CompareAndDelete(k, st)
		return true
	})
	return errors.Join(errs...)
}
