package admin_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/tokenwarden/tokenwarden/admin"
	"github.com/tokenwarden/tokenwarden/memstore"
	"github.com/tokenwarden/tokenwarden/token"
)

// A customer's Tokens page: the API confined to the signed-in customer's
// company, mounted under /tokens-api/ of the product.
func ExampleNew() {
	m, err := token.NewManager(memstore.New(), token.WithPrefix("acme"))
	if err != nil {
		panic(err)
	}
	customers, err := admin.New(m, admin.WithTenant(func(r *http.Request) string {
		return r.Header.Get("X-Company") // in a product: the company of the session
	}))
	if err != nil {
		panic(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/tokens-api/", http.StripPrefix("/tokens-api", customers))
	srv := httptest.NewServer(mux)
	defer srv.Close()

	call := func(method, path, body string) (int, string) {
		req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		req.Header.Set("X-Company", "northwind")
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			panic(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}

	status, body := call("POST", "/tokens-api/tokens", `{
		"name": "Sales CRM integration",
		"scopes": ["clients:read"],
		"allow": ["192.168.1.0/24"],
		"quota": {"limit": 1000, "period": "day"},
		"rate": {"events": 10, "interval": "1s"}
	}`)
	var issued admin.Issued
	_ = json.Unmarshal([]byte(body), &issued)
	fmt.Println(status, issued.Token.Kind, issued.Token.Tenant, "copy it now:", strings.HasPrefix(issued.Secret, "acme_"))

	status, body = call("GET", "/tokens-api/tokens", "")
	var list admin.TokenList
	_ = json.Unmarshal([]byte(body), &list)
	fmt.Println(status, len(list.Tokens), list.Tokens[0].Name, list.Tokens[0].Allow, list.Tokens[0].Rate.Interval)

	status, body = call("PATCH", "/tokens-api/tokens/"+issued.Token.ID, `{"tenant": "contoso"}`)
	fmt.Println(status, body)
	// Output:
	// 201 external northwind copy it now: true
	// 200 1 Sales CRM integration [192.168.1.0/24] 1s
	// 422 {"code":"422","error":"Unprocessable Entity","msg":"tenant cannot be changed after a token is created"}
}
