package token

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"
)

// Request is what a protected request asks of its token.
type Request struct {
	// Addr is the client address; the zero Addr means unknown (a Unix
	// socket, say), which any token with an allowlist refuses.
	Addr netip.Addr
	// Tenant is the tenant the request acts on; an external token passes
	// only when it equals the token's tenant exactly.
	Tenant string
	// Scopes must all be granted.
	Scopes []string
	// AnyOf, if not empty, needs at least one of its scopes granted.
	AnyOf []string
}

// Result is what Verify returns for an admitted request.
//
// For a refusal after the token was found, Token is set too, and so is
// Usage when the token has a quota (refusals at steps 7 to 11 below), so
// that every response to a quota-limited token can carry its quota state.
type Result struct {
	// Token is the verified token, shared with the store: read-only. It is
	// also set for denials at step 5 or later, so that a caller can log
	// which token was refused.
	Token *Token
	// Usage is the token's quota state after this request; zero when the
	// token has no quota, or when reading it failed on a refusal.
	Usage Usage
}

// Verify checks a presented secret against a request and, if every check
// passes, counts the request against the token's rate limit and quota. The
// checks run in this order and stop at the first denial:
//
//  1. maintenance switch on: ErrMaintenance
//  2. secret empty: ErrMissing
//  3. malformed, bad checksum or foreign prefix: ErrInvalid (no store access)
//  4. no token with that hash, or a rotated-out secret past its grace: ErrInvalid
//  5. disabled: ErrDisabled
//  6. expired: ErrExpired
//  7. client address outside the allowlist: ErrAddressNotAllowed
//  8. external token, other or no tenant: ErrTenant
//  9. a required scope not granted by the token or its role: ErrScope
//  10. rate limit exceeded: ErrRateLimited (see RetryAfter)
//  11. quota used up: ErrQuotaExceeded (see RetryAfter)
//
// A store failure returns an error that matches none of these and wraps
// the store's: callers must refuse the request (fail closed). Requests
// refused at any step consume neither rate nor quota. Verify does not trim
// the secret.
func (m *Manager) Verify(ctx context.Context, secret string, req Request) (Result, error) {
	now := m.now()
	res, err := m.verify(ctx, now, secret, &req)
	if err != nil && res.Token != nil && res.Usage.Quota.IsZero() && !res.Token.Quota.IsZero() &&
		!errors.Is(err, ErrDisabled) && !errors.Is(err, ErrExpired) {
		// A live token with a quota refused before the quota step: report
		// its quota state too (RateLimit headers), without consuming any.
		res.Usage = m.peekUsage(ctx, res.Token, now)
	}
	if m.cfg.observer != nil {
		e := Event{Time: now, Op: OpVerify, Addr: ClientAddr(req.Addr), Tenant: req.Tenant, Err: err}
		if res.Token != nil {
			e.TokenID, e.TokenName, e.Tenant = res.Token.ID, res.Token.Name, res.Token.Tenant
		}
		m.cfg.observer(e)
	}
	return res, err
}

func (m *Manager) verify(ctx context.Context, now time.Time, secret string, req *Request) (Result, error) {
	on, err := m.store.Maintenance(ctx)
	if err != nil {
		return Result{}, fmt.Errorf("token: verify: maintenance: %w", err)
	}
	if on {
		return Result{}, ErrMaintenance
	}
	if secret == "" {
		return Result{}, ErrMissing
	}
	// The configured prefixes were validated by NewManager, so a prefix
	// equal to one of them needs no character check of its own.
	if i := strings.LastIndexByte(secret, '_'); i < 0 || !m.prefixAccepted(secret[:i]) || !wellFormedBody(secret, i) {
		return Result{}, ErrInvalid
	}
	rec, err := m.lookup(ctx, now, secret)
	if err != nil {
		return Result{}, err
	}
	t := &rec.Token
	res := Result{Token: t}
	if t.Disabled {
		return res, ErrDisabled
	}
	if !t.Expires.IsZero() && !now.Before(t.Expires) {
		return res, ErrExpired
	}
	if !allowed(t.Allow, ClientAddr(req.Addr)) {
		return res, ErrAddressNotAllowed
	}
	if t.Kind != Internal && req.Tenant != t.Tenant {
		return res, ErrTenant
	}
	if len(req.Scopes) > 0 || len(req.AnyOf) > 0 {
		if err := m.checkScopes(ctx, t, req); err != nil {
			return res, err
		}
	}
	var rsv *rate.Reservation
	if !t.Rate.IsZero() {
		lim := m.limiter(t)
		if t.Quota.IsZero() {
			if !lim.AllowN(now, 1) {
				return res, m.rateDenied(lim, now)
			}
		} else {
			// A quota denial must give the rate token back: reserve, so the
			// reservation can be cancelled.
			rsv = lim.ReserveN(now, 1)
			if d := rsv.DelayFrom(now); !rsv.OK() || d > 0 {
				rsv.CancelAt(now)
				return res, &LimitError{Err: ErrRateLimited, Retry: max(d, time.Nanosecond)}
			}
		}
	}
	if !t.Quota.IsZero() {
		start, end := m.window(t.Quota, now)
		granted, used, err := m.store.ConsumeQuota(ctx, t.ID, start, t.Quota.Limit, 1)
		if err != nil || granted == 0 {
			if rsv != nil {
				rsv.CancelAt(now)
			}
		}
		switch {
		case errors.Is(err, ErrNotFound): // deleted since the lookup
			return Result{}, ErrInvalid
		case err != nil:
			return res, fmt.Errorf("token: verify: quota: %w", err)
		}
		res.Usage = makeUsage(t.Quota, used, start, end)
		if granted == 0 {
			le := &LimitError{Err: ErrQuotaExceeded, Usage: res.Usage}
			if !end.IsZero() {
				le.Retry = end.Sub(now)
			}
			return res, le
		}
	}
	m.touch(ctx, t, now)
	return res, nil
}

func (m *Manager) prefixAccepted(p string) bool {
	for _, q := range m.cfg.prefixes {
		if p == q {
			return true
		}
	}
	return false
}

// lookup finds the token for a well-formed secret, trying the current
// pepper first and then the previous ones.
func (m *Manager) lookup(ctx context.Context, now time.Time, secret string) (*Record, error) {
	for _, hs := range m.hashers {
		h := hs.sum(secret)
		rec, err := m.store.TokenByHash(ctx, h)
		switch {
		case errors.Is(err, ErrNotFound):
			continue
		case err != nil:
			return nil, fmt.Errorf("token: verify: lookup: %w", err)
		case rec == nil:
			return nil, fmt.Errorf("token: verify: lookup: %w: no token and no error", ErrStoreFault)
		case rec.Hash == h:
			return rec, nil
		case rec.Prev == h:
			if now.Before(rec.PrevUntil) {
				return rec, nil
			}
			return nil, ErrInvalid
		default:
			return nil, fmt.Errorf("token: verify: lookup: %w: token %s does not carry the hash it was found by", ErrStoreFault, rec.Token.ID)
		}
	}
	return nil, ErrInvalid
}

func (m *Manager) checkScopes(ctx context.Context, t *Token, req *Request) error {
	var roleScopes []string
	if t.Role != "" {
		r, err := m.store.RoleByName(ctx, t.Role)
		switch {
		case errors.Is(err, ErrNotFound):
			// A store keeps roles in use, so this is a race with an edit;
			// the role grants nothing.
		case err != nil:
			return fmt.Errorf("token: verify: role %q: %w", t.Role, err)
		case r == nil:
			return fmt.Errorf("token: verify: role %q: %w: no role and no error", t.Role, ErrStoreFault)
		default:
			roleScopes = r.Scopes
		}
	}
	for _, s := range req.Scopes {
		if !grants(t.Scopes, roleScopes, s) {
			return ErrScope
		}
	}
	if len(req.AnyOf) == 0 {
		return nil
	}
	for _, s := range req.AnyOf {
		if grants(t.Scopes, roleScopes, s) {
			return nil
		}
	}
	return ErrScope
}

// limiterEntry is one token's bucket, built for one Rate.
type limiterEntry struct {
	rate Rate
	lim  *rate.Limiter
}

// limiter returns the token's bucket, making one on first use or when the
// token's rate was edited (on this or another instance). Lookups take no
// lock; only making a bucket does.
func (m *Manager) limiter(t *Token) *rate.Limiter {
	if e, ok := m.limiters.Load(t.ID); ok && e.rate == t.Rate {
		return e.lim
	}
	m.limMu.Lock()
	defer m.limMu.Unlock()
	old, ok := m.limiters.Load(t.ID)
	if ok && old.rate == t.Rate {
		return old.lim
	}
	e := &limiterEntry{rate: t.Rate, lim: rate.NewLimiter(t.Rate.limit(), t.Rate.burst())}
	m.limiters.Store(t.ID, e)
	if !ok {
		if m.nlim++; m.nlim > m.cfg.maxLimiters {
			m.sweepLimiters()
		}
	}
	return e.lim
}

func (m *Manager) rateDenied(lim *rate.Limiter, now time.Time) error {
	r := lim.ReserveN(now, 1)
	d := r.DelayFrom(now)
	r.CancelAt(now)
	return &LimitError{Err: ErrRateLimited, Retry: max(d, time.Nanosecond)}
}

func (m *Manager) dropLimiter(id string) {
	m.limMu.Lock()
	defer m.limMu.Unlock()
	if _, ok := m.limiters.Load(id); ok {
		m.limiters.Delete(id)
		m.nlim--
	}
}

// sweepLimiters drops limiters whose bucket is full: a full bucket behaves
// exactly like a new one, so dropping it changes no decision. Called with
// limMu held.
func (m *Manager) sweepLimiters() {
	now := m.now()
	var full []string
	m.limiters.Range(func(id string, e *limiterEntry) {
		if e.lim.TokensAt(now) >= float64(e.lim.Burst()) {
			full = append(full, id)
		}
	})
	for _, id := range full {
		m.limiters.Delete(id)
		m.nlim--
	}
}

// touch records the use in the store at most once per interval per token.
// A failed write is not the request's failure: it is reported to the
// observer only through the next successful one being late.
func (m *Manager) touch(ctx context.Context, t *Token, now time.Time) {
	every := m.cfg.touchEvery
	if every < 0 || now.Sub(t.LastUsed) < every {
		return
	}
	v, ok := m.touched.Load(t.ID)
	if !ok {
		v, _ = m.touched.LoadOrStore(t.ID, new(atomic.Int64))
	}
	last := v.(*atomic.Int64)
	prev := last.Load()
	if now.UnixNano()-prev < int64(every) || !last.CompareAndSwap(prev, now.UnixNano()) {
		return
	}
	_ = m.store.TouchToken(ctx, t.ID, stamp(now))
}

// window is Quota.Window with the current day and month windows cached:
// computing one in a location costs more than the rest of a quota check.
func (m *Manager) window(q Quota, now time.Time) (start, end time.Time) {
	if q.Period != Day && q.Period != Month {
		return q.Window(now, m.cfg.loc)
	}
	c := &m.windows[q.Period-Day]
	if w := c.Load(); w != nil && !now.Before(w.start) && now.Before(w.end) {
		return w.start, w.end
	}
	start, end = q.Window(now, m.cfg.loc)
	c.Store(&cachedWindow{start, end})
	return start, end
}

type cachedWindow struct{ start, end time.Time }

// peekUsage reads a token's quota state without consuming any; a failed
// read gives a zero Usage (the refusal stands either way).
func (m *Manager) peekUsage(ctx context.Context, t *Token, now time.Time) Usage {
	start, end := m.window(t.Quota, now)
	used, err := m.store.QuotaUsed(ctx, t.ID, start)
	if err != nil {
		return Usage{}
	}
	return makeUsage(t.Quota, used, start, end)
}
