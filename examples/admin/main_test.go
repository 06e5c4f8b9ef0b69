package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenwarden/tokenwarden/admin"
	"github.com/tokenwarden/tokenwarden/token"
)

// TestAdminFlow drives both APIs the way the printed commands do.
func TestAdminFlow(t *testing.T) {
	h, opSecret, err := newServer(context.Background())
	require.NoError(t, err)
	srv := httptest.NewServer(h)
	defer srv.Close()

	var out bytes.Buffer
	usage(&out, srv.URL, opSecret)
	require.True(t, strings.HasPrefix(out.String(), "token: "+opSecret+"\n"), out.String())
	require.True(t, strings.HasPrefix(opSecret, "ops_"))

	call := func(secret, method, path, body string) (int, string) {
		t.Helper()
		req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		require.NoError(t, err)
		if secret != "" {
			req.Header.Set("Authorization", "Bearer "+secret)
		}
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := srv.Client().Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		assert.Equal(t, "no-store", resp.Header.Get("Cache-Control"), path)
		return resp.StatusCode, string(b)
	}

	// An operator gives northwind a token that manages northwind's tokens.
	status, body := call(opSecret, "POST", "/admin/tokens",
		`{"name":"Northwind admin","kind":"external","tenant":"northwind","scopes":["tokens:manage"]}`)
	require.Equal(t, http.StatusCreated, status, body)
	var nw admin.Issued
	require.NoError(t, json.Unmarshal([]byte(body), &nw))
	require.True(t, strings.HasPrefix(nw.Secret, "acme_"))
	status, body = call(opSecret, "POST", "/admin/tokens",
		`{"name":"Contoso CRM","kind":"external","tenant":"contoso","scopes":["clients:read"]}`)
	require.Equal(t, http.StatusCreated, status, body)

	// Northwind's Tokens page: its own tokens only.
	status, body = call(nw.Secret, "POST", "/companies/northwind/tokens", `{"name":"Sales CRM","scopes":["clients:read"]}`)
	require.Equal(t, http.StatusCreated, status, body)
	var crm admin.Issued
	require.NoError(t, json.Unmarshal([]byte(body), &crm))
	assert.Equal(t, token.External, crm.Token.Kind)
	assert.Equal(t, "northwind", crm.Token.Tenant)

	status, body = call(nw.Secret, "GET", "/companies/northwind/tokens", "")
	require.Equal(t, http.StatusOK, status, body)
	var list admin.TokenList
	require.NoError(t, json.Unmarshal([]byte(body), &list))
	var names []string
	for _, tok := range list.Tokens {
		names = append(names, tok.Name)
	}
	assert.Equal(t, []string{"Northwind admin", "Sales CRM"}, names)
	assert.NotContains(t, body, crm.Secret)
	assert.NotContains(t, body, nw.Secret)

	status, _ = call(nw.Secret, "GET", "/companies/northwind/tokens/"+crm.Token.ID, "")
	assert.Equal(t, http.StatusOK, status)
	status, _ = call(nw.Secret, "GET", "/companies/contoso/tokens", "")
	assert.Equal(t, http.StatusForbidden, status, "another company's page")
	status, _ = call(nw.Secret, "GET", "/admin/tokens", "")
	assert.Equal(t, http.StatusUnauthorized, status, "a company token is no operator's")
	status, _ = call(crm.Secret, "GET", "/companies/northwind/tokens", "")
	assert.Equal(t, http.StatusForbidden, status, "lacks tokens:manage")
	status, _ = call("", "GET", "/admin/tokens", "")
	assert.Equal(t, http.StatusUnauthorized, status)

	// Operators see every company's tokens from the console.
	status, body = call(opSecret, "GET", "/admin/tokens?tenant=contoso", "")
	require.Equal(t, http.StatusOK, status, body)
	assert.Contains(t, body, "Contoso CRM")
	assert.NotContains(t, body, "Northwind")

	// Maintenance stops the product's tokens, not the operators'.
	status, body = call(opSecret, "PUT", "/admin/maintenance", `{"on":true}`)
	require.Equal(t, http.StatusOK, status, body)
	status, body = call(nw.Secret, "GET", "/companies/northwind/tokens", "")
	assert.Equal(t, http.StatusForbidden, status)
	assert.JSONEq(t, `{"code":"403","error":"Forbidden","msg":"The APIs cannot be consumed at this time, try again later."}`, body)
	status, body = call(opSecret, "PUT", "/admin/maintenance", `{"on":false}`)
	require.Equal(t, http.StatusOK, status, body)
	status, _ = call(nw.Secret, "GET", "/companies/northwind/tokens", "")
	assert.Equal(t, http.StatusOK, status)

	status, _ = call(nw.Secret, "DELETE", "/companies/northwind/tokens/"+crm.Token.ID, "")
	assert.Equal(t, http.StatusNoContent, status)
	status, _ = call(crm.Secret, "GET", "/companies/northwind/tokens", "")
	assert.Equal(t, http.StatusUnauthorized, status, "a deleted token stops at once")
}
