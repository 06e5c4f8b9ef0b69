package middleware

import (
	"net/http"
	"net/netip"
	"time"
)

// Option configures an Auth. Options are checked by New, which returns an
// error for any that is invalid.
type Option func(*config)

type config struct {
	sources     []source // every source option, in order
	realm       *string
	trusted     []netip.Prefix
	trustedSet  bool
	tenant      func(*http.Request) string
	tenantSet   bool
	onError     func(http.ResponseWriter, *http.Request, error)
	onErrorSet  bool
	maintRetry  *time.Duration
	unavailable *time.Duration
}

// WithHeader reads the token from the named header, sent as the bare
// token ("wolkvox-token: acme_…"). The name matches case-insensitively.
// Giving WithHeader replaces the default sources (Authorization: Bearer and
// X-API-Key); give it several times to accept several headers, and add
// WithBearer to keep Authorization. For Authorization itself use WithBearer.
func WithHeader(name string) Option {
	return func(c *config) {
		c.sources = append(c.sources, source{kind: srcHeader, name: name})
	}
}

// WithBearer reads the token from "Authorization: Bearer <token>" (RFC
// 6750). It is a default source; use it with WithHeader to keep it.
func WithBearer() Option {
	return func(c *config) {
		c.sources = append(c.sources, source{kind: srcBearer, name: HeaderAuthorization})
	}
}

// WithQuery also reads the token from the query parameter param
// ("?api_key=…"), for clients that cannot set headers. It adds to the
// header sources rather than replacing them. Tokens in URLs end up in
// access logs, browser history and Referer headers: prefer a header.
func WithQuery(param string) Option {
	return func(c *config) {
		c.sources = append(c.sources, source{kind: srcQuery, name: param})
	}
}

// WithRealm sets the realm of the Bearer challenge sent with 401 responses
// (`WWW-Authenticate: Bearer realm="api"`). Default: DefaultRealm. It may
// not contain quotes, backslashes or control characters.
func WithRealm(realm string) Option {
	return func(c *config) { c.realm = &realm }
}

// WithTrustedProxies names the reverse proxies whose X-Forwarded-For header
// is believed. When the connection's peer is in one of prefixes, the
// header's hops are walked from the right, skipping those in prefixes, and
// the first other hop is the client address; if every hop is trusted, the
// leftmost is. A hop that is not an IP address (optionally with a port)
// makes the client address unknown, which tokens with an allowlist refuse.
// Prefixes must be canonical (no host bits set). May be given several
// times; the lists add up.
func WithTrustedProxies(prefixes ...netip.Prefix) Option {
	return func(c *config) {
		c.trustedSet = true
		c.trusted = append(c.trusted, prefixes...)
	}
}

// WithTenant sets how a request names the tenant it acts on, for example
// the company in its path: func(r *http.Request) string { return
// r.PathValue("company") }. An external token passes only when the tenant
// equals its own exactly; without WithTenant every request names no tenant,
// so only internal tokens pass. fn runs on every request, before the token
// is checked, and must be safe for concurrent use.
func WithTenant(fn func(*http.Request) string) Option {
	return func(c *config) { c.tenant, c.tenantSet = fn, true }
}

// WithErrorHandler replaces the rendering of refusals: fn writes the
// status and body for err, the error from token.Manager.Verify (see
// StatusFor for the status each one calls for). Before fn runs, the
// middleware has set Cache-Control, WWW-Authenticate, Retry-After and the
// RateLimit headers on w. fn may wrap WriteError, for example to log err
// first. fn must write a status: if it writes nothing, net/http sends 200
// with an empty body (the protected handler is still never called). err
// never holds a secret, but a store's error may hold details that belong
// in a log, not in a response.
func WithErrorHandler(fn func(w http.ResponseWriter, r *http.Request, err error)) Option {
	return func(c *config) { c.onError, c.onErrorSet = fn, true }
}

// WithMaintenanceRetryAfter sets the Retry-After sent while the
// maintenance switch is on. Default: DefaultMaintenanceRetryAfter. It must
// be positive; it is sent in whole seconds, rounded up.
func WithMaintenanceRetryAfter(d time.Duration) Option {
	return func(c *config) { c.maintRetry = &d }
}

// WithUnavailableRetryAfter sets the Retry-After sent with 503 when the
// store fails. Default: DefaultUnavailableRetryAfter. It must be positive;
// it is sent in whole seconds, rounded up.
func WithUnavailableRetryAfter(d time.Duration) Option {
	return func(c *config) { c.unavailable = &d }
}
