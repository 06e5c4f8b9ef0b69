package admin_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tokenwarden/tokenwarden/admin"
	"github.com/tokenwarden/tokenwarden/memstore"
	"github.com/tokenwarden/tokenwarden/token"
)

// FuzzDecodeBody sends arbitrary bodies to every route that decodes one,
// on the operator and the tenant API: no input may panic or get a 5xx, and
// every refusal has the documented JSON shape.
func FuzzDecodeBody(f *testing.F) {
	for _, seed := range []string{
		fullSpec,
		`{"name":"a","kind":"internal"}`,
		`{"name":"a","kind":"external","tenant":"t","allow":["10.0.0.1/8","::ffff:1.2.3.4/100"]}`,
		`{"expires":null,"quota":{"limit":9223372036854775807,"period":"total"},"rate":{"events":1,"interval":"1ns"}}`,
		`{"rate":{"events":1000000000,"interval":"1ns","burst":-1}}`,
		`{"grace":"-1h"}`, `{"grace":"2562047h"}`, `{"on":true}`, `{"scopes":["*"],"description":"\u0000"}`,
		`{"name":"\ud800"}`, `{"metadata":{"":""}}`, `{"expires":"0001-01-01T00:00:00Z"}`, `{"expires":"9999-12-31T23:59:59Z"}`,
		`{"kind":null}`, `[`, `""`, `{"a":1}{`, `{"name":"x","name":"y"}`, "",
	} {
		f.Add(seed)
	}
	m, err := token.NewManager(memstore.New(), token.WithClock(func() time.Time { return start }))
	require.NoError(f, err)
	_, err = m.PutRole(f.Context(), token.Role{Name: "reader", Scopes: []string{"clients:read"}})
	require.NoError(f, err)
	_, tok, err := m.Issue(f.Context(), token.Spec{Name: "fuzzed", Kind: token.External, Tenant: "t"})
	require.NoError(f, err)
	operator, err := admin.New(m)
	require.NoError(f, err)
	tenant, err := admin.New(m, admin.WithTenant(func(*http.Request) string { return "t" }))
	require.NoError(f, err)

	f.Fuzz(func(t *testing.T, body string) {
		for _, h := range []http.Handler{operator, tenant} {
			for _, rq := range []struct{ method, path string }{
				{"POST", "/tokens"},
				{"PATCH", "/tokens/" + tok.ID},
				{"POST", "/tokens/" + tok.ID + "/rotate"},
				{"PUT", "/roles/fuzz"},
				{"PUT", "/maintenance"},
			} {
				req := httptest.NewRequest(rq.method, rq.path, strings.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				require.Less(t, rec.Code, 500, "%s %s %q: %s", rq.method, rq.path, body, rec.Body)
				if rec.Code >= 400 {
					var e map[string]string
					require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &e), rec.Body.String())
					require.Len(t, e, 3)
					require.NotEmpty(t, e["msg"])
				}
			}
		}
	})
}
