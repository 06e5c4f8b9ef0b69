// Command customheader is a product whose API clients send their token in
// a header of the product's choosing, wolkvox-token, with an external token
// bound to one client company: it may call only
// /companies/{company}/case-notes, and only for its own company.
//
//	go run ./examples/customheader [-addr 127.0.0.1:8081]
//
// It prints the token on a line beginning "token: " and curl commands to
// try, then serves until interrupted.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"time"

	"github.com/tokenwarden/tokenwarden/memstore"
	"github.com/tokenwarden/tokenwarden/middleware"
	"github.com/tokenwarden/tokenwarden/token"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8081", "address to listen on")
	flag.Parse()

	h, secret, err := newServer(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	usage(os.Stdout, "http://"+*addr, secret)
	srv := &http.Server{Addr: *addr, Handler: h, ReadHeaderTimeout: 10 * time.Second}
	log.Fatal(srv.ListenAndServe())
}

// newServer returns the product's API and the secret of the one token it
// issues, which is shown here once and never again.
func newServer(ctx context.Context) (http.Handler, string, error) {
	m, err := token.NewManager(memstore.New(), token.WithPrefix("wv"))
	if err != nil {
		return nil, "", err
	}
	secret, _, err := m.Issue(ctx, token.Spec{
		Name:   "Northwind case notes integration",
		Kind:   token.External,
		Tenant: "northwind",
		Scopes: []string{"case-notes:read"},
		Rate:   token.PerSecond(5),
	})
	if err != nil {
		return nil, "", err
	}

	auth, err := middleware.New(m,
		middleware.WithHeader("wolkvox-token"),
		middleware.WithTenant(func(r *http.Request) string { return r.PathValue("company") }))
	if err != nil {
		return nil, "", err
	}
	mux := http.NewServeMux()
	mux.Handle("GET /companies/{company}/case-notes", auth.Require("case-notes:read")(http.HandlerFunc(caseNotes)))
	mux.Handle("GET /companies/{company}/clients", auth.Require("clients:read")(http.HandlerFunc(caseNotes)))
	return mux, secret.Reveal(), nil
}

func caseNotes(w http.ResponseWriter, r *http.Request) {
	t, _ := token.FromContext(r.Context())
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{
		"company":    r.PathValue("company"),
		"caller":     t.Name,
		"case_notes": []string{"Called about invoice 1042", "Follow-up booked for Friday"},
	})
}

// usage prints the token and what to try with it.
func usage(w io.Writer, base, secret string) {
	fmt.Fprintf(w, "token: %s\n\n", secret)
	for _, c := range []struct{ what, header, path string }{
		{"200, its own company", "wolkvox-token: " + secret, "/companies/northwind/case-notes"},
		{"403, another company", "wolkvox-token: " + secret, "/companies/contoso/case-notes"},
		{"403, a scope it lacks", "wolkvox-token: " + secret, "/companies/northwind/clients"},
		{"401, the wrong header", "Authorization: Bearer " + secret, "/companies/northwind/case-notes"},
	} {
		fmt.Fprintf(w, "# %s\ncurl -i -H '%s' %s%s\n", c.what, c.header, base, c.path)
	}
	fmt.Fprintf(w, "# 401, no token\ncurl -i %s/companies/northwind/case-notes\n\n", base)
}
