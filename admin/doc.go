// Package admin is a JSON HTTP API over a token.Manager: what a product
// mounts, behind its own authentication, to serve its customers' "Tokens"
// page (create, list, edit, rotate and delete tokens, see their usage) and
// its operators' console (every token, roles, the maintenance switch).
//
//	ops, err := admin.New(m)                 // operators: everything
//	if err != nil { … }
//	mux.Handle("/admin/", http.StripPrefix("/admin", requireOperator(ops)))
//
//	customers, err := admin.New(m, admin.WithTenant(func(r *http.Request) string {
//		return r.PathValue("company") // or the company of the signed-in user
//	}))
//
// The Handler does no authentication of its own: put it behind the
// product's (a session, or middleware.Auth.Require with an admin scope).
// Without WithTenant it is the operator API and can do everything; with
// WithTenant every request is confined to one tenant's external tokens
// (see WithTenant).
//
// # Mounting
//
// Routes are matched on the request path as the Handler receives it,
// "/tokens", "/roles/{name}" and so on. Mount it under a prefix with
// http.StripPrefix, as above. For a prefix with a wildcard, strip it per
// request (the tenant function still sees the outer router's path values,
// since it runs before the Handler's own routing):
//
//	company := auth(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
//		http.StripPrefix("/companies/"+r.PathValue("company"), customers).ServeHTTP(w, r)
//	}))
//	mux.Handle("/companies/{company}/tokens", company)  // list, create
//	mux.Handle("/companies/{company}/tokens/", company) // the rest
//
// The Location header of a created token is relative ("tokens/<id>"), so it
// resolves correctly against the request URL whatever the mount point.
//
// # Routes
//
//	GET    /tokens?tenant=&kind=&name_prefix=&after=&limit=  200 {"tokens":[…],"next":"…"}
//	POST   /tokens               201 {"token":{…},"secret":"acme_…"}, Location, ETag
//	GET    /tokens/{id}          200 token, ETag: "<version>"
//	PATCH  /tokens/{id}          200 token, ETag; If-Match: "<version>" optional
//	DELETE /tokens/{id}          204
//	POST   /tokens/{id}/rotate   200 {"token":{…},"secret":"acme_…"}; body {"grace":"1h"} or empty
//	GET    /tokens/{id}/usage    200 {"used":3,"limit":1000,"remaining":997,"period":"day","reset":"…","last_used":…}
//	GET    /roles                200 {"roles":[…]}
//	GET    /roles/{name}         200 role
//	PUT    /roles/{name}         200 role; body {"description":"…","scopes":["clients:read"]}
//	DELETE /roles/{name}         204; 409 while a token names it
//	GET    /maintenance          200 {"on":false}
//	PUT    /maintenance          200 {"on":true}; body {"on":true}
//
// Lists are paged in creation order: pass next as ?after= for the
// following page; it is "" after the last. limit is 1 to 1000 (larger is
// capped), default 50. name_prefix matches case-insensitively.
//
// A token is written as Token: allow holds the entries as typed
// ("203.0.113.4", "10.0.0.0/8"), rate.interval a Go duration ("1s"),
// quota.period "day", "month" or "total", times RFC 3339. No response ever
// holds a hash, and only creation and rotation hold the secret: the
// product shows it once and the API cannot show it again.
//
// # Request bodies
//
// POST /tokens takes name, description, kind ("internal" or "external";
// required for operators, implied for a tenant), tenant, role, scopes,
// allow (addresses or CIDR ranges, parsed by token.ParseAllowlist), expires
// (RFC 3339), quota ({"limit":1000,"period":"day"}), rate ({"events":10,
// "interval":"1s","burst":20}), metadata (an object of strings) and
// disabled. PATCH takes the same members except kind and tenant, which
// never change (422), and changes only those present; null clears
// description, role, scopes, allow, expires, quota, rate and metadata.
//
// Bodies of POST, PUT and PATCH must be sent with Content-Type:
// application/json (415 otherwise, which also keeps cross-site HTML forms
// out) and fit WithMaxBodyBytes (default 64 KiB; 413 beyond). A body that is
// not one JSON object, names a member twice or an unknown member, or holds a
// value of the wrong JSON type is 400; a value of the right type that is
// not acceptable (an address with host bits set, a time that is not RFC
// 3339, a past expiry, an unknown role) is 422, with a message naming the
// field and the value.
//
// # Optimistic concurrency
//
// GET, PATCH, POST and rotate send the token's version as a strong ETag.
// PATCH with If-Match applies only while the token is still at that
// version, atomically with the store's write; otherwise it answers 412
// Precondition Failed and changes nothing. DELETE and rotate refuse
// If-Match (400) because the Manager cannot make them conditional.
//
// # Errors
//
// Every response has Content-Type: application/json and Cache-Control:
// no-store. Errors have the body {"code":"422","error":"Unprocessable
// Entity","msg":"…"}, as the middleware's denials do:
//
//	400  malformed JSON, unknown field, wrong JSON type, bad query parameter
//	403  an empty tenant; a confined request for roles writes or maintenance
//	404  unknown id or role, and any token a confined request may not see
//	405  method not allowed (with Allow)
//	409  duplicate name (token.ErrDuplicate), role in use, concurrent edits
//	412  If-Match no longer matches
//	413  body over the limit
//	415  body not declared as application/json
//	422  token.ErrValidation, token.ErrUnknownRole, kind or tenant in PATCH
//	503  anything else: the store failing (with Retry-After: 5); the store's
//	     error text is never sent
//
// Token names are unique across the whole store, so a tenant creating a
// name another tenant already uses gets 409 too.
package admin
