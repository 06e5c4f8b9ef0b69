package middleware

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/tokenwarden/tokenwarden/token"
)

// Header names the middleware reads or writes.
const (
	HeaderAuthorization      = "Authorization"
	HeaderAPIKey             = "X-API-Key" // a default source
	HeaderXForwardedFor      = "X-Forwarded-For"
	HeaderWWWAuthenticate    = "WWW-Authenticate"
	HeaderRetryAfter         = "Retry-After"
	HeaderCacheControl       = "Cache-Control"
	HeaderRateLimitLimit     = "RateLimit-Limit"     // the token's quota
	HeaderRateLimitRemaining = "RateLimit-Remaining" // quota left in the window
	HeaderRateLimitReset     = "RateLimit-Reset"     // seconds until the window resets
)

// Defaults.
const (
	// DefaultRealm is the realm of the Bearer challenge.
	DefaultRealm = "api"
	// DefaultMaintenanceRetryAfter is the Retry-After sent while the
	// maintenance switch is on.
	DefaultMaintenanceRetryAfter = 60 * time.Second
	// DefaultUnavailableRetryAfter is the Retry-After sent with 503 when the
	// store fails.
	DefaultUnavailableRetryAfter = 5 * time.Second
)

// MaintenanceMessage is the msg of the body sent while the maintenance
// switch is on.
const MaintenanceMessage = "The APIs cannot be consumed at this time, try again later."

var (
	// ErrMultipleTokens is the error for a request that presented a token
	// more than once (two sources, a repeated header line or query
	// parameter). It matches token.ErrInvalid, so it is a 401.
	ErrMultipleTokens = fmt.Errorf("middleware: token presented more than once: %w", token.ErrInvalid)

	// ErrConfig is matched by the error every request gets from a
	// middleware built with invalid arguments (Require with a malformed
	// scope, RequireAny with none): a 500, so the mistake shows in the first
	// test rather than letting requests through.
	ErrConfig = errors.New("middleware: misconfigured")
)

// denial is one rendered refusal.
type denial struct {
	status int
	body   []byte
	length string // len(body), for Content-Length
}

func newDenial(status int, msg string) *denial {
	b, err := json.Marshal(struct {
		Code  string `json:"code"`
		Error string `json:"error"`
		Msg   string `json:"msg"`
	}{strconv.Itoa(status), http.StatusText(status), msg})
	if err != nil {
		panic(err) // unreachable: three strings always marshal
	}
	return &denial{status: status, body: b, length: strconv.Itoa(len(b))}
}

// The refusals, one per cause. Bodies are fixed: nothing from the request
// or the token is ever echoed.
var (
	denyMaintenance = newDenial(http.StatusForbidden, MaintenanceMessage)
	denyMissing     = newDenial(http.StatusUnauthorized, "missing token")
	denyInvalid     = newDenial(http.StatusUnauthorized, "invalid token")
	denyMultiple    = newDenial(http.StatusUnauthorized, "send the token once, in one place")
	denyDisabled    = newDenial(http.StatusUnauthorized, "token disabled")
	denyExpired     = newDenial(http.StatusUnauthorized, "token expired")
	denyAddress     = newDenial(http.StatusForbidden, "client address not allowed for this token")
	denyTenant      = newDenial(http.StatusForbidden, "token not valid for this tenant")
	denyScope       = newDenial(http.StatusForbidden, "token lacks the scope this API needs")
	denyRate        = newDenial(http.StatusTooManyRequests, "rate limit exceeded, retry later")
	denyQuota       = newDenial(http.StatusTooManyRequests, "quota exceeded")
	denyConfig      = newDenial(http.StatusInternalServerError, "server misconfigured")
	denyUnavailable = newDenial(http.StatusServiceUnavailable, "service unavailable, try again later")
)

func denialFor(err error) *denial {
	switch {
	case errors.Is(err, token.ErrMaintenance):
		return denyMaintenance
	case errors.Is(err, token.ErrMissing):
		return denyMissing
	case errors.Is(err, ErrMultipleTokens):
		return denyMultiple
	case errors.Is(err, token.ErrInvalid):
		return denyInvalid
	case errors.Is(err, token.ErrDisabled):
		return denyDisabled
	case errors.Is(err, token.ErrExpired):
		return denyExpired
	case errors.Is(err, token.ErrAddressNotAllowed):
		return denyAddress
	case errors.Is(err, token.ErrTenant):
		return denyTenant
	case errors.Is(err, token.ErrScope):
		return denyScope
	case errors.Is(err, token.ErrRateLimited):
		return denyRate
	case errors.Is(err, token.ErrQuotaExceeded):
		return denyQuota
	case errors.Is(err, ErrConfig):
		return denyConfig
	}
	return denyUnavailable
}

// StatusFor returns the HTTP status for an error from token.Manager.Verify
// (or the middleware): 200 for nil; 403 for ErrMaintenance,
// ErrAddressNotAllowed, ErrTenant and ErrScope; 401 for ErrMissing,
// ErrInvalid, ErrDisabled and ErrExpired; 429 for ErrRateLimited and
// ErrQuotaExceeded; 500 for ErrConfig; 503 for anything else, which is a
// failing store: never let such a request through.
func StatusFor(err error) int {
	if err == nil {
		return http.StatusOK
	}
	return denialFor(err).status
}

// WriteError is the default rendering of a refusal: it writes the status
// StatusFor(err) with Content-Type: application/json, Cache-Control:
// no-store and the JSON body {"code":"…","error":"…","msg":"…"}, whose
// message depends only on which sentinel err matches. For HEAD it writes
// the headers only. It does not set WWW-Authenticate, Retry-After or the
// RateLimit headers: the middleware sets them before calling the error
// handler. err must not be nil.
func WriteError(w http.ResponseWriter, r *http.Request, err error) {
	d := denialFor(err)
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set(HeaderCacheControl, "no-store")
	h.Set("Content-Length", d.length)
	w.WriteHeader(d.status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(d.body)
	}
}

// seconds renders d for Retry-After and RateLimit-Reset: whole seconds,
// rounded up, at least 1.
func seconds(d time.Duration) string {
	s := int64(d / time.Second)
	if d%time.Second > 0 {
		s++
	}
	return strconv.FormatInt(max(s, 1), 10)
}
