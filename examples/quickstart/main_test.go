package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestQuickstartServesHello(t *testing.T) {
	var out strings.Builder
	h, err := setup(context.Background(), &out, "http://example")
	require.NoError(t, err)
	srv := httptest.NewServer(h)
	defer srv.Close()

	var secret string
	sc := bufio.NewScanner(strings.NewReader(out.String()))
	for sc.Scan() {
		if s, ok := strings.CutPrefix(sc.Text(), "token: "); ok {
			secret = s
		}
	}
	require.True(t, strings.HasPrefix(secret, "demo_"), out.String())
	assert.Contains(t, out.String(), "curl -i -H 'Authorization: Bearer "+secret)

	get := func(header, value string) (*http.Response, string) {
		req, err := http.NewRequest("GET", srv.URL+"/api/hello", nil)
		require.NoError(t, err)
		if header != "" {
			req.Header.Set(header, value)
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return resp, string(b)
	}
	resp, body := get("Authorization", "Bearer "+secret)
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	var hello map[string]string
	require.NoError(t, json.Unmarshal([]byte(body), &hello))
	assert.Equal(t, "quickstart", hello["hello"])
	assert.Equal(t, "1000", resp.Header.Get("RateLimit-Limit"))

	resp, _ = get("X-API-Key", secret)
	assert.Equal(t, http.StatusOK, resp.StatusCode)

	resp, body = get("", "")
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	assert.JSONEq(t, `{"code":"401","error":"Unauthorized","msg":"missing token"}`, body)
}
