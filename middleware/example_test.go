package middleware_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"net/netip"

	"github.com/tokenwarden/tokenwarden/memstore"
	"github.com/tokenwarden/tokenwarden/middleware"
	"github.com/tokenwarden/tokenwarden/token"
)

// send serves one request and prints its status and body.
func send(h http.Handler, path string, header ...string) {
	r := httptest.NewRequest(http.MethodGet, path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	fmt.Println(w.Code, w.Body.String())
}

// The default setup: tokens arrive as "Authorization: Bearer …" or in
// X-API-Key, and the handler reads the verified token from its context.
func ExampleNew() {
	ctx := context.Background()
	m, err := token.NewManager(memstore.New(), token.WithPrefix("acme"))
	if err != nil {
		log.Fatal(err)
	}
	secret, _, err := m.Issue(ctx, token.Spec{
		Name:   "Sales CRM integration",
		Kind:   token.Internal,
		Scopes: []string{"clients:read"},
	})
	if err != nil {
		log.Fatal(err)
	}

	auth, err := middleware.New(m)
	if err != nil {
		log.Fatal(err)
	}
	hello := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t, _ := token.FromContext(r.Context())
		fmt.Fprintf(w, "hello, %s", t.Name)
	})
	mux := http.NewServeMux()
	mux.Handle("GET /api/clients", auth.Require("clients:read")(hello))
	mux.Handle("POST /api/clients", auth.Require("clients:write")(hello))

	send(mux, "/api/clients", "Authorization", "Bearer "+secret.Reveal())
	send(mux, "/api/clients", "X-API-Key", secret.Reveal())
	send(mux, "/api/clients")
	send(mux, "/api/clients", "Authorization", "Bearer acme_not-a-token")
	// Output:
	// 200 hello, Sales CRM integration
	// 200 hello, Sales CRM integration
	// 401 {"code":"401","error":"Unauthorized","msg":"missing token"}
	// 401 {"code":"401","error":"Unauthorized","msg":"invalid token"}
}

// A product that sends its tokens in its own header, with external tokens
// bound to one client company named in the path.
func ExampleWithHeader() {
	ctx := context.Background()
	m, err := token.NewManager(memstore.New())
	if err != nil {
		log.Fatal(err)
	}
	secret, _, err := m.Issue(ctx, token.Spec{
		Name:   "Northwind case notes",
		Kind:   token.External,
		Tenant: "northwind",
		Scopes: []string{"case-notes:read"},
	})
	if err != nil {
		log.Fatal(err)
	}

	auth, err := middleware.New(m,
		middleware.WithHeader("wolkvox-token"),
		middleware.WithTenant(func(r *http.Request) string { return r.PathValue("company") }))
	if err != nil {
		log.Fatal(err)
	}
	notes := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "case notes of %s", r.PathValue("company"))
	})
	mux := http.NewServeMux()
	mux.Handle("GET /companies/{company}/case-notes", auth.Require("case-notes:read")(notes))
	mux.Handle("GET /companies/{company}/clients", auth.Require("clients:read")(notes))

	send(mux, "/companies/northwind/case-notes", "wolkvox-token", secret.Reveal())
	send(mux, "/companies/contoso/case-notes", "wolkvox-token", secret.Reveal())
	send(mux, "/companies/northwind/clients", "wolkvox-token", secret.Reveal())
	send(mux, "/companies/northwind/case-notes", "Authorization", "Bearer "+secret.Reveal())
	// Output:
	// 200 case notes of northwind
	// 403 {"code":"403","error":"Forbidden","msg":"token not valid for this tenant"}
	// 403 {"code":"403","error":"Forbidden","msg":"token lacks the scope this API needs"}
	// 401 {"code":"401","error":"Unauthorized","msg":"missing token"}
}

// Behind a load balancer at 10.0.0.0/8, the client address comes from
// X-Forwarded-For, and only from the load balancer.
func ExampleWithTrustedProxies() {
	ctx := context.Background()
	m, err := token.NewManager(memstore.New())
	if err != nil {
		log.Fatal(err)
	}
	secret, _, err := m.Issue(ctx, token.Spec{
		Name:  "office only",
		Kind:  token.Internal,
		Allow: []netip.Prefix{netip.MustParsePrefix("198.51.100.0/24")},
	})
	if err != nil {
		log.Fatal(err)
	}
	auth, err := middleware.New(m, middleware.WithTrustedProxies(netip.MustParsePrefix("10.0.0.0/8")))
	if err != nil {
		log.Fatal(err)
	}
	h := auth.Authenticate(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "welcome")
	}))

	for _, peer := range []string{"10.1.2.3:443", "203.0.113.9:443"} {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.RemoteAddr = peer
		r.Header.Set("X-API-Key", secret.Reveal())
		r.Header.Set("X-Forwarded-For", "198.51.100.20")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		fmt.Println(peer, w.Code, w.Body.String())
	}
	// Output:
	// 10.1.2.3:443 200 welcome
	// 203.0.113.9:443 403 {"code":"403","error":"Forbidden","msg":"client address not allowed for this token"}
}

// An application that logs refusals keeps the default rendering by
// wrapping WriteError.
func ExampleWithErrorHandler() {
	m, err := token.NewManager(memstore.New())
	if err != nil {
		log.Fatal(err)
	}
	auth, err := middleware.New(m, middleware.WithErrorHandler(func(w http.ResponseWriter, r *http.Request, err error) {
		fmt.Printf("refused %s %s: %s (%d)\n", r.Method, r.URL.Path, token.Reason(err), middleware.StatusFor(err))
		middleware.WriteError(w, r, err)
	}))
	if err != nil {
		log.Fatal(err)
	}
	h := auth.Authenticate(http.NotFoundHandler())
	send(h, "/api/reports", "X-API-Key", "tw_garbage")
	// Output:
	// refused GET /api/reports: invalid (401)
	// 401 {"code":"401","error":"Unauthorized","msg":"invalid token"}
}
