package store

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tokenwarden/tokenwarden/token"
)

// Defaults of NewCache.
const (
	DefaultMaxStale   = time.Second
	DefaultQuotaBlock = 100
	DefaultMaxEntries = 100_000
)

// Cache is a token.Store that wraps another (usually a shared sqlstore)
// and answers what Manager.Verify asks on every request from memory, so
// that a verified request costs no query for the token itself and far
// fewer than one quota write. It is the decorator to put in front of a
// store that several instances of an application share.
//
// # Staleness
//
// TokenByHash, RoleByName and Maintenance answers, including "not found"
// (token.ErrNotFound), are kept for at most the MaxStale bound (default
// 1 s, WithMaxStale) on the Cache's clock; a failing store's errors are
// never kept. A write made through this Cache (CreateToken, UpdateToken,
// DeleteToken, TouchToken, PutRole, DeleteRole, SetMaintenance) drops the
// entries it affects at once, so an instance always sees its own writes;
// a write made through another instance (another Cache over the same
// store) is seen within MaxStale. TokenByID, ListTokens, ListRoles and
// QuotaUsed are not cached: the admin reads of a Manager (Get, List,
// Update's read, Usage) stay fresh.
//
// # Quotas
//
// ConsumeQuota reserves units from the wrapped store in blocks and spends
// them locally: per token, the Cache holds the units of one window that the
// store has already counted but no request has used yet. A block is at
// most the QuotaBlock option (default 100) and at most a quarter of the
// limit, rounded up, so that one instance never holds more than a quarter
// of a small quota; a request for more than a block asks for what it
// needs. The wrapped store's counter never passes the limit, so the total
// granted by any number of Caches (and plain Managers) over one store
// never passes it either.
//
// Unspent units go back to the store (ReleaseQuota) once their block is
// MaxStale old: at the next ConsumeQuota call of this Cache, whatever the
// token, so other instances can use them; also when the token's window
// changes, when its limit is lowered below the one the block was reserved
// under, and on Close. A token the store no longer has (ErrNotFound)
// drops its units, as does DeleteToken. ReleaseQuota always reaches the
// store, giving back the caller's units together with this Cache's unspent
// units of that window, so the store's count never drops below what the
// Cache holds. The used count returned by ConsumeQuota and QuotaUsed is the
// store's count less this Cache's unspent units: exact while one instance
// consumes, otherwise an estimate that includes the blocks other instances
// hold unspent and lags their consumption until this Cache next reaches
// the store. Once the store refuses a token's window, the refusal is kept
// for MaxStale for the same or a lower limit, so a token hammering past
// its quota costs no query per request; units another instance gives back
// are seen after that.
//
// # Cost and goroutines
//
// A cached lookup takes no lock shared by all tokens (sync.Map reads) and
// allocates nothing; quota consumption locks only its token. The Cache
// starts no goroutine: expiry is checked on read, and stale blocks are
// given back by the calls that find them due, so there is nothing to stop
// but the units Close gives back. WithMaxEntries bounds the cached tokens
// and roles; past it, expired entries are dropped first, then arbitrary
// ones. Quota state is kept only for tokens holding units or a refusal.
//
// A Cache is safe for concurrent use. Values it returns are shared with
// the wrapped store and the other callers: treat them as read-only.
type Cache struct {
	s          token.Store
	maxStale   int64 // nanoseconds
	block      int64
	maxEntries int64
	clock      func() time.Time // nil: the monotonic clock, from base
	base       time.Time

	tokens   sync.Map // token.Hash → *tokenEntry
	byID     sync.Map // token ID → *tokenEntry, the last positive entry cached for it
	roles    sync.Map // role name → *roleEntry
	entries  atomic.Int64
	tokGen   atomic.Uint64 // moved by every token write
	roleGen  atomic.Uint64 // moved by every role write
	maint    atomic.Pointer[maintEntry]
	maintGen atomic.Uint64
	evicting atomic.Bool

	quotas    sync.Map // token ID → *quotaState holding units or a refusal
	due       dueQueue
	nextSweep atomic.Int64 // when due's first entry is due
	sweeping  atomic.Bool
	closed    atomic.Bool
}

var _ token.Store = (*Cache)(nil)

type tokenEntry struct {
	rec     *token.Record // nil: not found
	expires int64         // unix nanoseconds on the Cache's clock
}

type roleEntry struct {
	role    *token.Role // nil: not found
	expires int64
}

type maintEntry struct {
	on      bool
	expires int64
}

// CacheOption configures NewCache.
type CacheOption func(*cacheConfig)

type cacheConfig struct {
	maxStale   time.Duration
	block      int64
	maxEntries int
	clock      func() time.Time
	clockSet   bool
}

// WithMaxStale sets how long a cached answer and an unspent quota block may
// be kept: the bound on how late this instance sees another instance's
// writes. It must be above zero; the default is DefaultMaxStale (1 s).
func WithMaxStale(d time.Duration) CacheOption {
	return func(c *cacheConfig) { c.maxStale = d }
}

// WithQuotaBlock sets the most quota units ConsumeQuota reserves from the
// wrapped store at once (a block is also never above a quarter of the
// limit, rounded up). It must be at least 1; 1 reserves nothing ahead, so
// every consumption reaches the store. The default is DefaultQuotaBlock.
func WithQuotaBlock(n int64) CacheOption {
	return func(c *cacheConfig) { c.block = n }
}

// WithMaxEntries bounds how many tokens and roles (found or not found) the
// Cache keeps; past it, expired entries are dropped first, then arbitrary
// ones, down to seven eighths of the bound. It must be at least 1; the
// default is DefaultMaxEntries.
func WithMaxEntries(n int) CacheOption {
	return func(c *cacheConfig) { c.maxEntries = n }
}

// WithClock sets the clock expiry and block ages are measured on (by
// default the monotonic clock); tests pass a settable one. It must not be
// nil.
func WithClock(now func() time.Time) CacheOption {
	return func(c *cacheConfig) { c.clock, c.clockSet = now, true }
}

// NewCache returns a Cache over s. It fails with an error matching
// token.ErrValidation if s is nil or an option is out of range.
func NewCache(s token.Store, opts ...CacheOption) (*Cache, error) {
	if s == nil {
		return nil, fmt.Errorf("store: NewCache: %w: nil store", token.ErrValidation)
	}
	cfg := cacheConfig{maxStale: DefaultMaxStale, block: DefaultQuotaBlock, maxEntries: DefaultMaxEntries}
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	switch {
	case cfg.maxStale <= 0:
		return nil, fmt.Errorf("store: NewCache: %w: WithMaxStale(%v): must be above zero", token.ErrValidation, cfg.maxStale)
	case cfg.block < 1:
		return nil, fmt.Errorf("store: NewCache: %w: WithQuotaBlock(%d): must be at least 1", token.ErrValidation, cfg.block)
	case cfg.maxEntries < 1:
		return nil, fmt.Errorf("store: NewCache: %w: WithMaxEntries(%d): must be at least 1", token.ErrValidation, cfg.maxEntries)
	case cfg.clockSet && cfg.clock == nil:
		return nil, fmt.Errorf("store: NewCache: %w: WithClock(nil)", token.ErrValidation)
	}
	c := &Cache{
		s:          s,
		maxStale:   int64(cfg.maxStale),
		block:      cfg.block,
		maxEntries: int64(cfg.maxEntries),
		clock:      cfg.clock,
		base:       time.Now(),
	}
	c.nextSweep.Store(math.MaxInt64)
	return c, nil
}

// now returns the time in nanoseconds on the Cache's clock: the injected
// one, or by default the monotonic clock (half the cost of time.Now, and
// immune to steps of the wall clock).
func (c *Cache) now() int64 {
	if c.clock == nil {
		return int64(time.Since(c.base))
	}
	return c.clock().UnixNano()
}

// CreateToken implements token.Store; it drops any "not found" kept for
// the new token's hashes.
func (c *Cache) CreateToken(ctx context.Context, r *token.Record) error {
	h, p := r.Hash, r.Prev
	err := c.s.CreateToken(ctx, r)
	c.tokGen.Add(1)
	c.dropHash(h)
	c.dropHash(p)
	return err
}

// TokenByID implements token.Store. It is not cached.
func (c *Cache) TokenByID(ctx context.Context, id string) (*token.Record, error) {
	return c.s.TokenByID(ctx, id)
}

// TokenByHash implements token.Store from the cache when an answer at most
// MaxStale old is kept.
func (c *Cache) TokenByHash(ctx context.Context, h token.Hash) (*token.Record, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	now := c.now()
	if v, ok := c.tokens.Load(h); ok {
		if e := v.(*tokenEntry); now < e.expires {
			if e.rec == nil {
				return nil, token.ErrNotFound
			}
			return e.rec, nil
		}
	}
	gen := c.tokGen.Load()
	rec, err := c.s.TokenByHash(ctx, h)
	switch {
	case errors.Is(err, token.ErrNotFound):
		rec = nil
	case err != nil || rec == nil:
		return rec, err // a failure, or a store fault the Manager reports
	}
	e := &tokenEntry{rec: rec, expires: now + c.maxStale}
	c.putToken(h, e)
	if c.tokGen.Load() != gen {
		// A write raced with the read: the answer may predate it.
		c.dropEntry(h, e)
	}
	return rec, err
}

// putToken stores e under h (and, for a found token, under its ID).
func (c *Cache) putToken(h token.Hash, e *tokenEntry) {
	prev, loaded := c.tokens.Swap(h, e)
	if loaded {
		if p := prev.(*tokenEntry); p.rec != nil {
			c.byID.CompareAndDelete(p.rec.Token.ID, p)
		}
	} else if c.entries.Add(1) > c.maxEntries {
		c.evict()
	}
	if e.rec != nil {
		c.byID.Store(e.rec.Token.ID, e)
	}
}

// dropEntry removes e from under h if it is still there.
func (c *Cache) dropEntry(h token.Hash, e *tokenEntry) {
	if c.tokens.CompareAndDelete(h, e) {
		c.entries.Add(-1)
	}
	if e.rec != nil {
		c.byID.CompareAndDelete(e.rec.Token.ID, e)
	}
}

// dropHash removes whatever is kept under h.
func (c *Cache) dropHash(h token.Hash) {
	if h.IsZero() {
		return
	}
	if v, ok := c.tokens.LoadAndDelete(h); ok {
		c.entries.Add(-1)
		if e := v.(*tokenEntry); e.rec != nil {
			c.byID.CompareAndDelete(e.rec.Token.ID, e)
		}
	}
}

// dropID removes what is kept for token id under the hashes it was last
// cached with. Callers move tokGen first.
func (c *Cache) dropID(id string) {
	if v, ok := c.byID.LoadAndDelete(id); ok {
		e := v.(*tokenEntry)
		c.dropHash(e.rec.Hash)
		c.dropHash(e.rec.Prev)
	}
}

// UpdateToken implements token.Store; it drops what is kept under the
// token's old and new hashes.
func (c *Cache) UpdateToken(ctx context.Context, r *token.Record) error {
	id, h, p := r.Token.ID, r.Hash, r.Prev
	err := c.s.UpdateToken(ctx, r)
	c.tokGen.Add(1)
	c.dropID(id)
	c.dropHash(h)
	c.dropHash(p)
	return err
}

// DeleteToken implements token.Store; it drops what is kept for the token,
// its unspent quota included (the store deletes the counters).
func (c *Cache) DeleteToken(ctx context.Context, id string) error {
	err := c.s.DeleteToken(ctx, id)
	c.tokGen.Add(1)
	c.dropID(id)
	if err == nil || errors.Is(err, token.ErrNotFound) {
		c.dropQuota(id)
	}
	return err
}

// ListTokens implements token.Store. It is not cached.
func (c *Cache) ListTokens(ctx context.Context, q token.ListQuery) ([]*token.Record, error) {
	return c.s.ListTokens(ctx, q)
}

// TouchToken implements token.Store. A kept copy of the token gets the new
// LastUsed rather than being dropped, so a Verify that records a use does
// not make the next one query the store.
func (c *Cache) TouchToken(ctx context.Context, id string, at time.Time) error {
	err := c.s.TouchToken(ctx, id, at)
	c.tokGen.Add(1)
	if err != nil {
		c.dropID(id)
		return err
	}
	v, ok := c.byID.Load(id)
	if !ok {
		return nil
	}
	e := v.(*tokenEntry)
	if !at.After(e.rec.Token.LastUsed) {
		return nil
	}
	rec := e.rec.Clone()
	rec.Token.LastUsed = at
	next := &tokenEntry{rec: rec, expires: e.expires}
	for _, h := range []token.Hash{e.rec.Hash, e.rec.Prev} {
		if h.IsZero() {
			continue
		}
		if !c.tokens.CompareAndSwap(h, e, next) {
			c.dropHash(h) // another copy: drop it rather than keep a stale LastUsed
		}
	}
	if !c.byID.CompareAndSwap(id, e, next) {
		c.dropID(id)
	}
	return nil
}

// PutRole implements token.Store; it drops what is kept for the role.
func (c *Cache) PutRole(ctx context.Context, r *token.Role) (*token.Role, error) {
	name := r.Name
	saved, err := c.s.PutRole(ctx, r)
	c.dropRole(name)
	return saved, err
}

// RoleByName implements token.Store from the cache when an answer at most
// MaxStale old is kept.
func (c *Cache) RoleByName(ctx context.Context, name string) (*token.Role, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	now := c.now()
	if v, ok := c.roles.Load(name); ok {
		if e := v.(*roleEntry); now < e.expires {
			if e.role == nil {
				return nil, token.ErrNotFound
			}
			return e.role, nil
		}
	}
	gen := c.roleGen.Load()
	r, err := c.s.RoleByName(ctx, name)
	switch {
	case errors.Is(err, token.ErrNotFound):
		r = nil
	case err != nil || r == nil:
		return r, err
	}
	e := &roleEntry{role: r, expires: now + c.maxStale}
	if _, loaded := c.roles.Swap(name, e); !loaded && c.entries.Add(1) > c.maxEntries {
		c.evict()
	}
	if c.roleGen.Load() != gen && c.roles.CompareAndDelete(name, e) {
		c.entries.Add(-1)
	}
	return r, err
}

func (c *Cache) dropRole(name string) {
	c.roleGen.Add(1)
	if _, ok := c.roles.LoadAndDelete(name); ok {
		c.entries.Add(-1)
	}
}

// DeleteRole implements token.Store; it drops what is kept for the role.
func (c *Cache) DeleteRole(ctx context.Context, name string) error {
	err := c.s.DeleteRole(ctx, name)
	c.dropRole(name)
	return err
}

// ListRoles implements token.Store. It is not cached.
func (c *Cache) ListRoles(ctx context.Context) ([]*token.Role, error) {
	return c.s.ListRoles(ctx)
}

// SetMaintenance implements token.Store; this instance sees the new state
// at once, others within MaxStale.
func (c *Cache) SetMaintenance(ctx context.Context, on bool) error {
	err := c.s.SetMaintenance(ctx, on)
	c.maintGen.Add(1)
	c.maint.Store(nil)
	return err
}

// Maintenance implements token.Store from the cache when an answer at most
// MaxStale old is kept.
func (c *Cache) Maintenance(ctx context.Context) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	now := c.now()
	if e := c.maint.Load(); e != nil && now < e.expires {
		return e.on, nil
	}
	gen := c.maintGen.Load()
	on, err := c.s.Maintenance(ctx)
	if err != nil {
		return false, err
	}
	e := &maintEntry{on: on, expires: now + c.maxStale}
	c.maint.Store(e)
	if c.maintGen.Load() != gen {
		c.maint.CompareAndSwap(e, nil)
	}
	return on, nil
}

// evict brings the cached tokens and roles back under the bound: expired
// entries first, then arbitrary ones down to seven eighths of it. One
// goroutine evicts at a time; the others carry on.
func (c *Cache) evict() {
	if !c.evicting.CompareAndSwap(false, true) {
		return
	}
	defer c.evicting.Store(false)
	now := c.now()
	c.tokens.Range(func(k, v any) bool {
		if e := v.(*tokenEntry); now >= e.expires {
			c.dropEntry(k.(token.Hash), e)
		}
		return true
	})
	c.roles.Range(func(k, v any) bool {
		if now >= v.(*roleEntry).expires && c.roles.CompareAndDelete(k, v) {
			c.entries.Add(-1)
		}
		return true
	})
	target := c.maxEntries - c.maxEntries/8
	if c.entries.Load() <= target {
		return
	}
	c.tokens.Range(func(k, v any) bool {
		c.dropEntry(k.(token.Hash), v.(*tokenEntry))
		return c.entries.Load() > target
	})
	c.roles.Range(func(k, v any) bool {
		if c.entries.Load() <= target {
			return false
		}
		if c.roles.CompareAndDelete(k, v) {
			c.entries.Add(-1)
		}
		return true
	})
}
