// Command admin serves the token administration API of package admin
// twice over one product's tokens: the operators' console under /admin/,
// and each client company's Tokens page under /companies/{company}/tokens,
// where a company sees and manages only its own tokens.
//
//	go run ./examples/admin [-addr 127.0.0.1:8082]
//
// It prints a bootstrap operator token (internal, scope "tokens:admin") on
// a line beginning "token: ", and curl commands to try, then serves until
// interrupted. Both APIs are behind tokenwarden's own middleware: /admin/
// takes an operator token with scope "tokens:admin"; a company's API takes
// a token of that company with scope "tokens:manage" (operators see every
// company's tokens in the console, /admin/tokens?tenant=…).
//
// Operator tokens live in a store of their own, with their own prefix. The
// maintenance switch refuses every token of the store it is set on, before
// any lookup, so if operators authenticated with the product's tokens,
// switching maintenance on would lock them out of switching it off.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"time"

	"github.com/tokenwarden/tokenwarden/admin"
	"github.com/tokenwarden/tokenwarden/memstore"
	"github.com/tokenwarden/tokenwarden/middleware"
	"github.com/tokenwarden/tokenwarden/token"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8082", "address to listen on")
	flag.Parse()

	h, secret, err := newServer(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	usage(os.Stdout, "http://"+*addr, secret)
	srv := &http.Server{Addr: *addr, Handler: h, ReadHeaderTimeout: 10 * time.Second}
	log.Fatal(srv.ListenAndServe())
}

// newServer returns the two APIs and the bootstrap operator's secret,
// which is shown here once and never again.
func newServer(ctx context.Context) (http.Handler, string, error) {
	// The product's tokens, which the APIs manage.
	product, err := token.NewManager(memstore.New(), token.WithPrefix("acme"))
	if err != nil {
		return nil, "", err
	}
	// The operators' own credentials.
	operators, err := token.NewManager(memstore.New(), token.WithPrefix("ops"))
	if err != nil {
		return nil, "", err
	}
	secret, _, err := operators.Issue(ctx, token.Spec{
		Name:   "Bootstrap operator",
		Kind:   token.Internal,
		Scopes: []string{"tokens:admin"},
	})
	if err != nil {
		return nil, "", err
	}

	console, err := admin.New(product)
	if err != nil {
		return nil, "", err
	}
	company := func(r *http.Request) string { return r.PathValue("company") }
	tokensPage, err := admin.New(product, admin.WithTenant(company))
	if err != nil {
		return nil, "", err
	}
	operatorAuth, err := middleware.New(operators)
	if err != nil {
		return nil, "", err
	}
	companyAuth, err := middleware.New(product, middleware.WithTenant(company))
	if err != nil {
		return nil, "", err
	}

	mux := http.NewServeMux()
	mux.Handle("/admin/", operatorAuth.Require("tokens:admin")(http.StripPrefix("/admin", console)))
	// The prefix holds a wildcard, so it is stripped per request.
	companyAPI := companyAuth.Require("tokens:manage")(http.HandlerFunc(
		func(w http.ResponseWriter, r *http.Request) {
			http.StripPrefix("/companies/"+r.PathValue("company"), tokensPage).ServeHTTP(w, r)
		}))
	mux.Handle("/companies/{company}/tokens", companyAPI)
	mux.Handle("/companies/{company}/tokens/", companyAPI)
	return mux, secret.Reveal(), nil
}

// usage prints the bootstrap token and what to try with it.
func usage(w io.Writer, base, secret string) {
	auth := "-H 'Authorization: Bearer " + secret + "'"
	js := "-H 'Content-Type: application/json'"
	fmt.Fprintf(w, "token: %s\n\n", secret)
	fmt.Fprintf(w, "# give northwind a token that manages northwind's tokens (copy its secret)\n")
	fmt.Fprintf(w, "curl -i %s %s -d '{\"name\":\"Northwind admin\",\"kind\":\"external\",\"tenant\":\"northwind\",\"scopes\":[\"tokens:manage\"]}' %s/admin/tokens\n", auth, js, base)
	fmt.Fprintf(w, "# every token, as an operator\ncurl -i %s %s/admin/tokens\n", auth, base)
	fmt.Fprintf(w, "# northwind's Tokens page: list, then create a token for an integration\n")
	fmt.Fprintf(w, "curl -i -H 'Authorization: Bearer <northwind secret>' %s/companies/northwind/tokens\n", base)
	fmt.Fprintf(w, "curl -i -H 'Authorization: Bearer <northwind secret>' %s -d '{\"name\":\"Sales CRM\",\"scopes\":[\"clients:read\"],\"quota\":{\"limit\":1000,\"period\":\"day\"}}' %s/companies/northwind/tokens\n", js, base)
	fmt.Fprintf(w, "# 403: northwind's token on another company\n")
	fmt.Fprintf(w, "curl -i -H 'Authorization: Bearer <northwind secret>' %s/companies/contoso/tokens\n", base)
	fmt.Fprintf(w, "# maintenance: the product's tokens stop working, operators' do not\n")
	fmt.Fprintf(w, "curl -i %s %s -X PUT -d '{\"on\":true}' %s/admin/maintenance\n\n", auth, js, base)
}
