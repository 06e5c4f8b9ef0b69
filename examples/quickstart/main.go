// Command quickstart protects an HTTP API with tokenwarden in memory:
//
//	go run ./examples/quickstart
//
// It issues one token, prints it on a line beginning "token: " with curl
// commands to try, and serves GET /api/hello to requests carrying a token
// with the scope hello:read.
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

	"github.com/tokenwarden/tokenwarden/memstore"
	"github.com/tokenwarden/tokenwarden/middleware"
	"github.com/tokenwarden/tokenwarden/token"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "address to listen on")
	flag.Parse()
	h, err := setup(context.Background(), os.Stdout, "http://"+*addr)
	if err != nil {
		log.Fatal(err)
	}
	srv := &http.Server{Addr: *addr, Handler: h, ReadHeaderTimeout: 5 * time.Second}
	log.Fatal(srv.ListenAndServe())
}

// setup builds the API, issues a demo token and prints how to call it.
func setup(ctx context.Context, out io.Writer, base string) (http.Handler, error) {
	m, err := token.NewManager(memstore.New(), token.WithPrefix("demo"))
	if err != nil {
		return nil, err
	}
	secret, tok, err := m.Issue(ctx, token.Spec{
		Name:   "quickstart",
		Kind:   token.Internal,
		Scopes: []string{"hello:read"},
		Quota:  token.PerDay(1000),
		Rate:   token.PerSecond(10),
	})
	if err != nil {
		return nil, err
	}
	auth, err := middleware.New(m)
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("GET /api/hello", auth.Require("hello:read")(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t, _ := token.FromContext(r.Context())
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, "{\"hello\":%q}\n", t.Name)
	})))

	fmt.Fprintf(out, "token: %s\n", secret.Reveal()) // shown once: the store keeps only its hash
	fmt.Fprintf(out, "issued %q (%s), quota %d a day, rate %d/s\n\ntry:\n", tok.Name, tok.Hint, tok.Quota.Limit, tok.Rate.Events)
	fmt.Fprintf(out, "  curl -i -H 'Authorization: Bearer %s' %s/api/hello\n", secret.Reveal(), base)
	fmt.Fprintf(out, "  curl -i -H 'X-API-Key: %s' %s/api/hello\n", secret.Reveal(), base)
	fmt.Fprintf(out, "  curl -i %s/api/hello   # no token: 401\n", base)
	return mux, nil
}
