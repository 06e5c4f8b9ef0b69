// Package token issues, verifies and administers API tokens.
//
// An application creates one Manager over a Store (memstore for one
// instance, sqlstore for several sharing a database, or its own), issues
// tokens to its customers' integrations, and verifies every request:
//
//	m, err := token.NewManager(memstore.New(), token.WithPrefix("acme"))
//	secret, tok, err := m.Issue(ctx, token.Spec{
//		Name:   "Sales CRM integration",
//		Kind:   token.External,
//		Tenant: "northwind",
//		Scopes: []string{"clients:read"},
//		Quota:  token.PerDay(1000),
//		Rate:   token.PerSecond(10),
//	})
//	fmt.Println("copy it now:", secret.Reveal()) // shown once
//
//	res, err := m.Verify(ctx, presented, token.Request{Addr: addr, Tenant: "northwind", Scopes: []string{"clients:read"}})
//
// The middleware package wraps Verify for net/http.
//
// # Secrets
//
// A secret looks like "acme_" followed by 32 random base62 characters and
// a 6-character base62 CRC-32 of everything before it. The checksum lets
// Verify refuse typos and garbage without touching the store, and lets
// secret scanners recognise leaked tokens. The store keeps only SHA-256 of
// the secret (HMAC-SHA-256 with WithPepper) and a display hint
// ("acme_…9xQa"); Issue and Rotate return the plaintext once, as a Secret
// that redacts itself everywhere but Reveal.
//
// # Verification
//
// Verify runs its checks in a fixed order and stops at the first denial:
// maintenance, missing, malformed, unknown, disabled, expired, address,
// tenant, scope, rate, quota. Errors match the package's sentinels with
// errors.Is; any other error is a store failure and the request must be
// refused (the middleware answers 503). Requests refused at any step
// consume neither rate nor quota.
//
// Scopes are "resource:action" strings; a granted "x:*" covers every
// "x:..." and "*" covers everything. A token holds its own scopes and those
// of its Role at the moment of the request.
//
// # Several instances
//
// Everything but rate limits lives in the store, so Managers sharing a
// store see each other's edits, deletions, rotations and the maintenance
// switch at their next Verify. Rate limits are kept per Manager: N
// instances admit up to N times a token's rate; the Quota is the exact limit
// across instances, consumed atomically in the store.
//
// # Time
//
// Every decision that depends on time reads the Manager's clock
// (WithClock), so tests move time instead of sleeping. Day and month quota
// windows start at midnight and on the first of the month in the Manager's
// location (WithLocation, default UTC).
package token
