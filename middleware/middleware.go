package middleware

import (
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tokenwarden/tokenwarden/token"
)

// Auth builds middleware that admits only requests carrying a valid token.
// Create one with New per way of presenting tokens and share it: it is safe
// for concurrent use and holds no per-request state. The zero Auth is not
// usable.
//
// Each of Require, RequireAny and Authenticate verifies the token once per
// request and counts the request against the token's rate limit and quota:
// wrap a handler in one of them, not several.
type Auth struct {
	m           *token.Manager
	sources     []source
	challenges  []string // WWW-Authenticate lines for 401
	trusted     []netip.Prefix
	tenant      func(*http.Request) string
	onError     func(http.ResponseWriter, *http.Request, error)
	maintRetry  string
	unavailable string
	now         func() time.Time
}

// New returns an Auth verifying tokens with m. It returns an error matching
// token.ErrValidation for a nil Manager or an invalid option: a header name
// that is not an HTTP field name or names Authorization (use WithBearer), a
// source given twice, an empty query parameter, a realm with quotes or
// control characters, WithTrustedProxies with no or non-canonical
// prefixes, a nil function, or a Retry-After that is not positive.
func New(m *token.Manager, opts ...Option) (*Auth, error) {
	if m == nil {
		return nil, invalid("nil token.Manager")
	}
	var c config
	for _, o := range opts {
		if o == nil {
			return nil, invalid("nil Option")
		}
		o(&c)
	}
	a := &Auth{m: m, tenant: c.tenant, onError: WriteError, now: m.Now}
	if err := a.setSources(&c); err != nil {
		return nil, err
	}
	realm := DefaultRealm
	if c.realm != nil {
		realm = *c.realm
		if strings.ContainsFunc(realm, func(r rune) bool { return r < 0x20 || r == 0x7f || r == '"' || r == '\\' }) {
			return nil, invalid(fmt.Sprintf("realm %q: no quotes, backslashes or control characters", realm))
		}
	}
	for _, s := range a.sources {
		switch s.kind {
		case srcBearer:
			a.challenges = append(a.challenges, `Bearer realm="`+realm+`"`)
		case srcHeader:
			a.challenges = append(a.challenges, `APIKey header="`+s.name+`"`)
		case srcQuery:
			a.challenges = append(a.challenges, `APIKey query="`+s.name+`"`)
		}
	}
	if c.trustedSet {
		if len(c.trusted) == 0 {
			return nil, invalid("WithTrustedProxies without prefixes")
		}
		t, err := token.NormalizeAllowlist(c.trusted)
		if err != nil {
			return nil, fmt.Errorf("middleware: trusted proxies: %w", err)
		}
		a.trusted = t
	}
	if c.tenantSet && c.tenant == nil {
		return nil, invalid("WithTenant(nil)")
	}
	if c.onErrorSet {
		if c.onError == nil {
			return nil, invalid("WithErrorHandler(nil)")
		}
		a.onError = c.onError
	}
	var err error
	if a.maintRetry, err = retryAfter("WithMaintenanceRetryAfter", c.maintRetry, DefaultMaintenanceRetryAfter); err != nil {
		return nil, err
	}
	if a.unavailable, err = retryAfter("WithUnavailableRetryAfter", c.unavailable, DefaultUnavailableRetryAfter); err != nil {
		return nil, err
	}
	return a, nil
}

func invalid(msg string) error {
	return fmt.Errorf("middleware: %w: %s", token.ErrValidation, msg)
}

func retryAfter(opt string, d *time.Duration, def time.Duration) (string, error) {
	if d == nil {
		return seconds(def), nil
	}
	if *d <= 0 {
		return "", invalid(fmt.Sprintf("%s(%v): must be positive", opt, *d))
	}
	return seconds(*d), nil
}

// setSources checks the configured sources, falling back to the defaults
// when no header source is given.
func (a *Auth) setSources(c *config) error {
	src := c.sources
	if !slices.ContainsFunc(src, func(s source) bool { return s.kind != srcQuery }) {
		src = append([]source{{kind: srcBearer, name: HeaderAuthorization}, {kind: srcHeader, name: HeaderAPIKey}}, src...)
	}
	seen := make(map[string]bool)
	for _, s := range src {
		switch s.kind {
		case srcHeader:
			if !validHeaderName(s.name) {
				return invalid(fmt.Sprintf("WithHeader(%q): not an HTTP header name", s.name))
			}
			if strings.EqualFold(s.name, HeaderAuthorization) {
				return invalid(fmt.Sprintf("WithHeader(%q): use WithBearer for Authorization", s.name))
			}
			s.key = http.CanonicalHeaderKey(s.name)
		case srcBearer:
			s.key = http.CanonicalHeaderKey(HeaderAuthorization)
		case srcQuery:
			if s.name == "" || strings.ContainsFunc(s.name, func(r rune) bool {
				return r <= ' ' || r == 0x7f || strings.ContainsRune(`"\&=#`, r)
			}) {
				return invalid(fmt.Sprintf("WithQuery(%q): want a non-empty parameter name without spaces, quotes, &, = or #", s.name))
			}
			s.key = s.name
		}
		id := "header " + s.key
		if s.kind == srcQuery {
			id = "query " + s.key
		}
		if seen[id] {
			return invalid(fmt.Sprintf("token source %q given twice", s.name))
		}
		seen[id] = true
		a.sources = append(a.sources, s)
	}
	return nil
}

// Require returns middleware admitting requests whose token grants every
// one of scopes (by its own scopes or its role's). With no scopes it is
// Authenticate. Scopes are checked when Require is called: a malformed one
// (see token.ValidateScope) makes every request fail with ErrConfig (500)
// rather than panic.
func (a *Auth) Require(scopes ...string) func(http.Handler) http.Handler {
	return a.build(slices.Clip(slices.Clone(scopes)), nil, checkScopes("Require", scopes))
}

// RequireAny returns middleware admitting requests whose token grants at
// least one of scopes. It needs at least one scope: without any, or with a
// malformed one, every request fails with ErrConfig (500).
func (a *Auth) RequireAny(scopes ...string) func(http.Handler) http.Handler {
	err := checkScopes("RequireAny", scopes)
	if err == nil && len(scopes) == 0 {
		err = fmt.Errorf("%w: RequireAny needs at least one scope", ErrConfig)
	}
	return a.build(nil, slices.Clip(slices.Clone(scopes)), err)
}

// Authenticate is middleware admitting requests with any valid token,
// whatever its scopes; allowlist, tenant, expiry, rate limit and quota are
// still checked. Its signature is func(http.Handler) http.Handler, so
// auth.Authenticate can be given to any router taking middleware.
func (a *Auth) Authenticate(next http.Handler) http.Handler {
	return a.build(nil, nil, nil)(next)
}

func checkScopes(op string, scopes []string) error {
	for _, s := range scopes {
		if err := token.ValidateScope(s); err != nil {
			return fmt.Errorf("%w: %s: %w", ErrConfig, op, err)
		}
	}
	return nil
}

func (a *Auth) build(all, anyOf []string, err error) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		g := &guard{a: a, next: next, all: all, anyOf: anyOf, err: err}
		if next == nil && err == nil {
			g.err = fmt.Errorf("%w: nil http.Handler", ErrConfig)
		}
		return g
	}
}

// guard is one protected handler.
type guard struct {
	a          *Auth
	next       http.Handler
	all, anyOf []string
	err        error // configuration error: refuse everything
}

func (g *guard) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a := g.a
	if g.err != nil {
		a.deny(w, r, g.err, token.Result{})
		return
	}
	secret, multiple := a.secret(r)
	req := token.Request{Addr: a.clientAddr(r), Scopes: g.all, AnyOf: g.anyOf}
	if a.tenant != nil {
		req.Tenant = a.tenant(r)
	}
	res, err := a.m.Verify(r.Context(), secret, req)
	if err != nil {
		if multiple && errors.Is(err, token.ErrInvalid) {
			err = ErrMultipleTokens
		}
		a.deny(w, r, err, res)
		return
	}
	if !res.Usage.Quota.IsZero() {
		a.setUsage(w.Header(), res.Usage)
	}
	g.next.ServeHTTP(w, r.WithContext(token.NewContext(r.Context(), res.Token)))
}

// Canonical forms of the headers written, for direct map assignment.
var (
	keyWWWAuthenticate    = http.CanonicalHeaderKey(HeaderWWWAuthenticate)
	keyRetryAfter         = http.CanonicalHeaderKey(HeaderRetryAfter)
	keyRateLimitLimit     = http.CanonicalHeaderKey(HeaderRateLimitLimit)
	keyRateLimitRemaining = http.CanonicalHeaderKey(HeaderRateLimitRemaining)
	keyRateLimitReset     = http.CanonicalHeaderKey(HeaderRateLimitReset)
)

// deny sets the protocol headers for a refusal and hands it to the error
// handler.
func (a *Auth) deny(w http.ResponseWriter, r *http.Request, err error, res token.Result) {
	d := denialFor(err)
	h := w.Header()
	h.Set(HeaderCacheControl, "no-store")
	switch {
	case d.status == http.StatusUnauthorized:
		h[keyWWWAuthenticate] = slices.Clone(a.challenges)
	case d == denyMaintenance:
		h[keyRetryAfter] = []string{a.maintRetry}
	case d == denyUnavailable:
		h[keyRetryAfter] = []string{a.unavailable}
	case d.status == http.StatusTooManyRequests:
		if retry, ok := token.RetryAfter(err); ok {
			h[keyRetryAfter] = []string{seconds(retry)}
		}
	}
	u := res.Usage
	if le := (*token.LimitError)(nil); u.Quota.IsZero() && errors.As(err, &le) {
		u = le.Usage
	}
	if !u.Quota.IsZero() {
		a.setUsage(h, u)
	}
	a.onError(w, r, err)
}

// setUsage writes the RateLimit headers for a token with a quota.
func (a *Auth) setUsage(h http.Header, u token.Usage) {
	h[keyRateLimitLimit] = []string{strconv.FormatInt(u.Quota.Limit, 10)}
	h[keyRateLimitRemaining] = []string{strconv.FormatInt(max(u.Remaining, 0), 10)}
	if !u.Reset.IsZero() {
		h[keyRateLimitReset] = []string{seconds(u.Reset.Sub(a.now()))}
	} else {
		delete(h, keyRateLimitReset)
	}
}
