package admin_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenwarden/tokenwarden/admin"
	"github.com/tokenwarden/tokenwarden/token"
)

func TestTenantConfinement(t *testing.T) {
	e := newEnv(t)
	require.Equal(t, http.StatusOK, e.op("PUT", "/roles/reader", `{"scopes":["reports:read"]}`).Code)
	mine := e.external("Northwind CRM", "northwind").Token
	theirs := e.external("Contoso CRM", "contoso").Token
	internal := e.internal("Ops console").Token
	missing := "0190b1f2-0000-7000-8000-000000000000"

	t.Run("list shows only the tenant's external tokens", func(t *testing.T) {
		for _, q := range []string{"", "?tenant=northwind", "?kind=external", "?name_prefix=", "?limit=1000"} {
			r := e.as("northwind", "GET", "/tokens"+q, "")
			require.Equal(t, http.StatusOK, r.Code, q)
			l := decode[admin.TokenList](t, r)
			require.Len(t, l.Tokens, 1, q)
			assert.Equal(t, mine.ID, l.Tokens[0].ID, q)
		}
		r := e.as("northwind", "GET", "/tokens?name_prefix=contoso", "")
		require.Equal(t, http.StatusOK, r.Code)
		assert.Empty(t, decode[admin.TokenList](t, r).Tokens)
		r = e.as("northwind", "GET", "/tokens?after="+mine.ID, "")
		require.Equal(t, http.StatusOK, r.Code)
		assert.Empty(t, decode[admin.TokenList](t, r).Tokens, "paging past the tenant's tokens reaches no one else's")
	})

	t.Run("the list filter cannot escape", func(t *testing.T) {
		for _, q := range []string{"?tenant=contoso", "?kind=internal", "?tenant=contoso&kind=external"} {
			r := e.as("northwind", "GET", "/tokens"+q, "")
			assert.Equal(t, http.StatusForbidden, r.Code, q)
			assert.NotContains(t, r.body, theirs.ID)
			assert.NotContains(t, r.body, internal.ID)
		}
	})

	t.Run("other tokens are 404, exactly like missing ones", func(t *testing.T) {
		want := e.as("northwind", "GET", "/tokens/"+missing, "")
		require.Equal(t, http.StatusNotFound, want.Code)
		for _, id := range []string{theirs.ID, internal.ID, missing} {
			for _, rq := range []struct{ method, path, body string }{
				{"GET", "/tokens/" + id, ""},
				{"PATCH", "/tokens/" + id, `{"disabled":true}`},
				{"POST", "/tokens/" + id + "/rotate", `{}`},
				{"DELETE", "/tokens/" + id, ""},
				{"GET", "/tokens/" + id + "/usage", ""},
			} {
				r := e.as("northwind", rq.method, rq.path, rq.body)
				assert.Equal(t, http.StatusNotFound, r.Code, rq)
				assert.Equal(t, want.body, r.body, rq)
				assert.Empty(t, r.Header().Get("ETag"), rq)
			}
		}
		for _, id := range []string{theirs.ID, internal.ID} {
			stored, err := e.m.Get(context.Background(), id)
			require.NoError(t, err)
			assert.EqualValues(t, 1, stored.Version, "untouched")
			assert.False(t, stored.Disabled)
		}
	})

	t.Run("own tokens work", func(t *testing.T) {
		path := "/tokens/" + mine.ID
		r := e.as("northwind", "GET", path, "")
		require.Equal(t, http.StatusOK, r.Code)
		assert.Equal(t, `"1"`, r.Header().Get("ETag"))
		r = e.as("northwind", "PATCH", path, `{"description":"ours","role":"reader"}`, "If-Match", `"1"`)
		require.Equal(t, http.StatusOK, r.Code, r.body)
		r = e.as("northwind", "PATCH", path, `{"tenant":"contoso"}`)
		assert.Equal(t, http.StatusUnprocessableEntity, r.Code)
		r = e.as("northwind", "PATCH", path, `{"kind":"internal"}`)
		assert.Equal(t, http.StatusUnprocessableEntity, r.Code)
		r = e.as("northwind", "GET", path+"/usage", "")
		require.Equal(t, http.StatusOK, r.Code)
		r = e.as("northwind", "POST", path+"/rotate", `{"grace":"1m"}`)
		require.Equal(t, http.StatusOK, r.Code, r.body)
		rotated := e.issued(r)
		assert.Equal(t, "northwind", rotated.Token.Tenant)
		r = e.as("northwind", "DELETE", path, "")
		require.Equal(t, http.StatusNoContent, r.Code)
		_, err := e.m.Get(context.Background(), mine.ID)
		require.ErrorIs(t, err, token.ErrNotFound)
	})

	t.Run("create is forced to the tenant", func(t *testing.T) {
		for i, body := range []string{
			`{"name":"n1"}`,
			`{"name":"n2","kind":"external"}`,
			`{"name":"n3","tenant":"northwind"}`,
			`{"name":"n4","kind":"external","tenant":"northwind"}`,
			`{"name":"n5","kind":null,"tenant":null}`,
		} {
			r := e.as("northwind", "POST", "/tokens", body)
			require.Equal(t, http.StatusCreated, r.Code, "%d %s: %s", i, body, r.body)
			out := e.issued(r)
			assert.Equal(t, token.External, out.Token.Kind, body)
			assert.Equal(t, "northwind", out.Token.Tenant, body)
		}
		for _, tc := range []struct{ body, msg string }{
			{`{"name":"x1","kind":"internal"}`, "only external tokens can be created here"},
			{`{"name":"x2","tenant":"contoso"}`, "tokens are created for your own tenant"},
			{`{"name":"x3","kind":"external","tenant":"contoso"}`, "tokens are created for your own tenant"},
			{`{"name":"x4","tenant":""}`, "tokens are created for your own tenant"},
		} {
			r := e.as("northwind", "POST", "/tokens", tc.body)
			assert.Equal(t, http.StatusUnprocessableEntity, r.Code, tc.body)
			assert.Contains(t, errMsg(t, r), tc.msg, tc.body)
		}
		tokens, _, err := e.m.List(context.Background(), token.ListQuery{Tenant: "contoso"})
		require.NoError(t, err)
		assert.Len(t, tokens, 1, "nothing was created for contoso")
		tokens, _, err = e.m.List(context.Background(), token.ListQuery{Kind: token.Internal})
		require.NoError(t, err)
		assert.Len(t, tokens, 1, "no internal token was created")
	})

	t.Run("roles are read-only and maintenance is out of reach", func(t *testing.T) {
		r := e.as("northwind", "GET", "/roles", "")
		require.Equal(t, http.StatusOK, r.Code)
		assert.Contains(t, r.body, `"reader"`)
		r = e.as("northwind", "GET", "/roles/reader", "")
		require.Equal(t, http.StatusOK, r.Code)
		for _, rq := range []struct{ method, path, body string }{
			{"PUT", "/roles/reader", `{"scopes":["*"]}`},
			{"PUT", "/roles/new", `{"scopes":["*"]}`},
			{"DELETE", "/roles/reader", ""},
			{"GET", "/maintenance", ""},
			{"PUT", "/maintenance", `{"on":true}`},
		} {
			r := e.as("northwind", rq.method, rq.path, rq.body)
			assert.Equal(t, http.StatusForbidden, r.Code, rq)
			assert.Contains(t, errMsg(t, r), "only operators", rq)
		}
		role, err := e.m.GetRole(context.Background(), "reader")
		require.NoError(t, err)
		assert.Equal(t, []string{"reports:read"}, role.Scopes)
		on, err := e.m.Maintenance(context.Background())
		require.NoError(t, err)
		assert.False(t, on)
	})

	t.Run("no tenant is 403", func(t *testing.T) {
		for _, rq := range []struct{ method, path, body string }{
			{"GET", "/tokens", ""},
			{"POST", "/tokens", `{"name":"x"}`},
			{"GET", "/tokens/" + theirs.ID, ""},
			{"GET", "/roles", ""},
			{"GET", "/nowhere", ""},
		} {
			r := e.as("", rq.method, rq.path, rq.body)
			assert.Equal(t, http.StatusForbidden, r.Code, rq)
			assert.Equal(t, "no tenant for this request", errMsg(t, r))
		}
	})
}

// TestTenantSeesPathValues mounts a tenant API the way the package doc
// shows: the tenant comes from the outer router's path.
func TestTenantSeesPathValues(t *testing.T) {
	e := newEnv(t)
	theirs := e.external("Contoso CRM", "contoso").Token
	h, err := admin.New(e.m, admin.WithTenant(func(r *http.Request) string { return r.PathValue("company") }))
	require.NoError(t, err)
	company := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.StripPrefix("/companies/"+r.PathValue("company"), h).ServeHTTP(w, r)
	})
	mux := http.NewServeMux()
	mux.Handle("/companies/{company}/tokens", company)
	mux.Handle("/companies/{company}/tokens/", company)

	r := e.serve(mux, "POST", "/companies/northwind/tokens", `{"name":"Northwind CRM"}`)
	require.Equal(t, http.StatusCreated, r.Code, r.body)
	mine := e.issued(r).Token
	assert.Equal(t, "northwind", mine.Tenant)
	assert.Equal(t, "tokens/"+mine.ID, r.Header().Get("Location"))

	r = e.serve(mux, "GET", "/companies/northwind/tokens/"+mine.ID, "")
	require.Equal(t, http.StatusOK, r.Code, r.body)
	r = e.serve(mux, "GET", "/companies/northwind/tokens/"+theirs.ID, "")
	assert.Equal(t, http.StatusNotFound, r.Code)
	r = e.serve(mux, "GET", "/companies/contoso/tokens", "")
	require.Equal(t, http.StatusOK, r.Code)
	l := decode[admin.TokenList](t, r)
	require.Len(t, l.Tokens, 1)
	assert.Equal(t, theirs.ID, l.Tokens[0].ID)
}

// TestConcurrentPatchIfMatch sends many PATCHes carrying the same If-Match
// at once, version after version: exactly one of each round wins.
func TestConcurrentPatchIfMatch(t *testing.T) {
	e := newEnv(t)
	tok := e.internal("contended").Token
	const workers, rounds = 16, 5
	for round := 1; round <= rounds; round++ {
		codes := make([]int, workers)
		var wg sync.WaitGroup
		for i := range workers {
			wg.Go(func() {
				body := `{"description":"round ` + strconv.Itoa(round) + ` worker ` + strconv.Itoa(i) + `"}`
				r := e.op("PATCH", "/tokens/"+tok.ID, body, "If-Match", `"`+strconv.Itoa(round)+`"`)
				codes[i] = r.Code
			})
		}
		wg.Wait()
		ok, failed := 0, 0
		for _, c := range codes {
			switch c {
			case http.StatusOK:
				ok++
			case http.StatusPreconditionFailed:
				failed++
			}
		}
		assert.Equal(t, 1, ok, "round %d: %v", round, codes)
		assert.Equal(t, workers-1, failed, "round %d: %v", round, codes)
		stored, err := e.m.Get(context.Background(), tok.ID)
		require.NoError(t, err)
		require.EqualValues(t, round+1, stored.Version)
	}
}

func TestRoles(t *testing.T) {
	e := newEnv(t)
	r := e.op("PUT", "/roles/support%20agent", `{"description":"reads","scopes":["clients:read","clients:read"]}`)
	require.Equal(t, http.StatusOK, r.Code, r.body)
	role := decode[admin.Role](t, r)
	assert.Equal(t, admin.Role{Name: "support agent", Description: "reads", Scopes: []string{"clients:read"}, Created: start, Updated: start}, role)

	e.clock.Advance(time.Minute)
	r = e.op("PUT", "/roles/support%20agent", `{"name":"support agent","scopes":["clients:*"]}`)
	require.Equal(t, http.StatusOK, r.Code, r.body)
	role = decode[admin.Role](t, r)
	assert.Equal(t, []string{"clients:*"}, role.Scopes)
	assert.Empty(t, role.Description, "PUT replaces the role")
	assert.Equal(t, start, role.Created)
	assert.Equal(t, start.Add(time.Minute), role.Updated)

	require.Equal(t, http.StatusOK, e.op("PUT", "/roles/admin", `{"scopes":null}`).Code)
	r = e.op("GET", "/roles", "")
	require.Equal(t, http.StatusOK, r.Code)
	roles := decode[struct{ Roles []admin.Role }](t, r).Roles
	require.Len(t, roles, 2)
	assert.Equal(t, "admin", roles[0].Name)
	assert.Contains(t, r.body, `"scopes":[]`)
	assert.Equal(t, "support agent", roles[1].Name)

	r = e.op("GET", "/roles/support%20agent", "")
	require.Equal(t, http.StatusOK, r.Code)
	assert.Equal(t, []string{"clients:*"}, decode[admin.Role](t, r).Scopes)

	for _, tc := range []struct {
		method, path, body string
		status             int
		msg                string
	}{
		{"GET", "/roles/ghost", "", 404, "role not found"},
		{"GET", "/roles/%00", "", 404, "role not found"},
		{"GET", "/roles/" + strings.Repeat("a", 65), "", 404, "role not found"},
		{"DELETE", "/roles/ghost", "", 404, "role not found"},
		{"PUT", "/roles/bad!name", `{"scopes":[]}`, 422, `role name "bad!name"`},
		{"PUT", "/roles/x", `{"scopes":["nope"]}`, 422, `scope "nope"`},
		{"PUT", "/roles/x", `{"name":"y"}`, 422, "cannot be renamed"},
		{"PUT", "/roles/x", `{"created":"2026-01-01T00:00:00Z"}`, 400, `unknown field "created"`},
		{"PUT", "/roles/x", `{"scopes":"clients:read"}`, 400, "scopes: want an array of strings"},
		{"PUT", "/roles/x", ``, 415, "Content-Type"},
	} {
		r := e.op(tc.method, tc.path, tc.body)
		require.Equal(t, tc.status, r.Code, "%s %s %s", tc.method, tc.path, r.body)
		assert.Contains(t, errMsg(t, r), tc.msg)
	}

	tok := e.create(`{"name":"agent","kind":"internal","role":"support agent"}`).Token
	r = e.op("DELETE", "/roles/support%20agent", "")
	require.Equal(t, http.StatusConflict, r.Code)
	assert.Equal(t, `role "support agent" is in use by at least one token: move those tokens to another role first`, errMsg(t, r))

	require.Equal(t, http.StatusOK, e.op("PATCH", "/tokens/"+tok.ID, `{"role":null}`).Code)
	r = e.op("DELETE", "/roles/support%20agent", "")
	require.Equal(t, http.StatusNoContent, r.Code, r.body)
	assert.Equal(t, http.StatusNotFound, e.op("GET", "/roles/support%20agent", "").Code)
}

func TestMaintenance(t *testing.T) {
	e := newEnv(t)
	r := e.op("GET", "/maintenance", "")
	require.Equal(t, http.StatusOK, r.Code)
	assert.JSONEq(t, `{"on":false}`, r.body)

	r = e.op("PUT", "/maintenance", `{"on":true}`)
	require.Equal(t, http.StatusOK, r.Code, r.body)
	assert.JSONEq(t, `{"on":true}`, r.body)
	on, err := e.m.Maintenance(context.Background())
	require.NoError(t, err)
	assert.True(t, on)
	assert.JSONEq(t, `{"on":true}`, e.op("GET", "/maintenance", "").body)

	for _, tc := range []struct {
		body   string
		status int
	}{
		{`{}`, 422}, {`{"on":null}`, 422}, {`{"on":"yes"}`, 400}, {`{"on":false,"off":true}`, 400}, {`true`, 400},
	} {
		r := e.op("PUT", "/maintenance", tc.body)
		assert.Equal(t, tc.status, r.Code, tc.body)
	}
	require.Equal(t, http.StatusOK, e.op("PUT", "/maintenance", `{"on":false}`).Code)
	on, err = e.m.Maintenance(context.Background())
	require.NoError(t, err)
	assert.False(t, on)
}
