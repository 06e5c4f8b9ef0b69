// Package middleware protects net/http handlers with tokens issued by a
// token.Manager.
//
//	auth, err := middleware.New(m,
//		middleware.WithHeader("wolkvox-token"),
//		middleware.WithTenant(func(r *http.Request) string { return r.PathValue("company") }))
//	if err != nil { … }
//	mux.Handle("GET /companies/{company}/clients", auth.Require("clients:read")(clients))
//
// Every request through Require, RequireAny or Authenticate is checked by
// token.Manager.Verify; an admitted request reaches the handler with the
// token in its context (token.FromContext), a refused one never does.
// Configuration mistakes are errors from New, never panics at a request;
// Require with a malformed scope answers every request with 500 (ErrConfig).
//
// # Where the token comes from
//
// The sources are, by default, the Authorization header with the Bearer
// scheme and the X-API-Key header. WithHeader replaces them with the named
// header (several WithHeader options give several headers), WithBearer adds
// Authorization: Bearer, and WithQuery adds a query parameter, which is
// never read unless enabled. Header names match case-insensitively, as HTTP
// header names do.
//
// A request must present its token exactly once: a second source, a repeated
// header line or a repeated query parameter gets 401, whatever the values.
// Surrounding white space is trimmed. Authorization follows RFC 6750: the
// scheme "Bearer" in any case, one or more spaces, the token and nothing
// after it; any other scheme or shape is an invalid token (401).
//
// # Client address
//
// The address checked against a token's allowlist is the peer of the
// connection (Request.RemoteAddr, "host:port" or a bare IP as some
// middleware leave it; anything else is unknown). Behind a reverse proxy, list the proxies
// with WithTrustedProxies: when the peer is one of them, X-Forwarded-For is
// read from the right, every line of it, skipping trusted hops, and the first
// untrusted hop is the client. A hop that does not parse makes the address
// unknown, which every token with an allowlist refuses. Without
// WithTrustedProxies no forwarding header is read, so a client cannot spoof
// its way into an allowlist; Forwarded and X-Real-IP are never read.
// IPv4-mapped IPv6 addresses are unmapped and zones dropped.
//
// # Responses
//
// A refused request gets the status of the table below and a JSON body of
// the form {"code":"401","error":"Unauthorized","msg":"invalid token"} with
// Content-Type: application/json. Every response the middleware writes
// carries Cache-Control: no-store.
//
//	token error            status  extra headers
//	ErrMaintenance         403     Retry-After (WithMaintenanceRetryAfter, default 60 s)
//	ErrMissing             401     WWW-Authenticate
//	ErrInvalid             401     WWW-Authenticate (unknown and malformed tokens alike)
//	ErrDisabled            401     WWW-Authenticate
//	ErrExpired             401     WWW-Authenticate
//	ErrAddressNotAllowed   403
//	ErrTenant              403
//	ErrScope               403
//	ErrRateLimited         429     Retry-After
//	ErrQuotaExceeded       429     Retry-After until the window resets (none for a used-up Total quota)
//	any other (the store)  503     Retry-After (WithUnavailableRetryAfter, default 5 s)
//
// The maintenance body is exactly
// {"code":"403","error":"Forbidden","msg":"The APIs cannot be consumed at this time, try again later."}.
// WWW-Authenticate is `Bearer realm="api"` (WithRealm) for Authorization and
// `APIKey header="<name>"` for a custom header, one line per source.
// Retry-After is in whole seconds, rounded up, at least 1. HEAD and OPTIONS
// requests get the same status and headers as GET.
//
// Responses for a token with a quota carry RateLimit-Limit (the quota),
// RateLimit-Remaining and RateLimit-Reset (seconds until the window resets;
// absent for a Total quota): admitted requests, and refusals of a live token
// (address, tenant, scope, rate, quota). Refusals before the token is known,
// or of a disabled or expired token, carry none.
//
// Messages help a legitimate caller and tell an attacker nothing: the body
// never holds the secret, the allowlist or the client address. WithErrorHandler
// replaces the body; the headers above are set before it is called.
package middleware
