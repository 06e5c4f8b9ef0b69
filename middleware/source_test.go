package middleware_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenwarden/tokenwarden/middleware"
	"github.com/tokenwarden/tokenwarden/token"
)

func TestSources(t *testing.T) {
	e := newEnv(t)
	s, _ := e.issue(token.Spec{})
	s2, _ := e.issue(token.Spec{})
	custom := []middleware.Option{middleware.WithHeader("wolkvox-token")}
	customBearer := []middleware.Option{middleware.WithHeader("wolkvox-token"), middleware.WithBearer()}
	twoHeaders := []middleware.Option{middleware.WithHeader("wolkvox-token"), middleware.WithHeader("X-Token")}
	query := []middleware.Option{middleware.WithQuery("api_key")}
	cases := []struct {
		name   string
		opts   []middleware.Option
		target string
		header []string
		want   int
		msg    string
	}{
		{"default bearer", nil, "/", []string{"Authorization", "Bearer " + s}, 200, ""},
		{"default X-API-Key", nil, "/", []string{"X-API-Key", s}, 200, ""},
		{"default ignores other headers", nil, "/", []string{"Wolkvox-Token", s}, 401, "missing token"},
		{"default ignores query", nil, "/?api_key=" + s, nil, 401, "missing token"},
		{"trimmed", nil, "/", []string{"X-API-Key", " \t" + s + " \t"}, 200, ""},
		{"trimmed bearer", nil, "/", []string{"Authorization", "  Bearer " + s + "  "}, 200, ""},
		{"two sources same token", nil, "/", []string{"Authorization", "Bearer " + s, "X-API-Key", s}, 401, "send the token once, in one place"},
		{"two sources different tokens", nil, "/", []string{"Authorization", "Bearer " + s, "X-API-Key", s2}, 401, "send the token once, in one place"},
		{"two sources one empty", nil, "/", []string{"Authorization", "Bearer " + s, "X-API-Key", ""}, 401, "send the token once, in one place"},
		{"repeated header line", nil, "/", []string{"X-API-Key", s, "X-API-Key", s}, 401, "send the token once, in one place"},
		{"repeated Authorization", nil, "/", []string{"Authorization", "Bearer " + s, "Authorization", "Bearer " + s}, 401, "send the token once, in one place"},
		{"comma list in one line", nil, "/", []string{"X-API-Key", s + "," + s}, 401, "invalid token"},
		{"custom header", custom, "/", []string{"wolkvox-token", s}, 200, ""},
		{"custom header upper case", custom, "/", []string{"WOLKVOX-TOKEN", s}, 200, ""},
		{"custom replaces bearer", custom, "/", []string{"Authorization", "Bearer " + s}, 401, "missing token"},
		{"custom replaces X-API-Key", custom, "/", []string{"X-API-Key", s}, 401, "missing token"},
		{"custom and bearer: bearer", customBearer, "/", []string{"Authorization", "bearer " + s}, 200, ""},
		{"custom and bearer: custom", customBearer, "/", []string{"Wolkvox-Token", s}, 200, ""},
		{"custom and bearer: both", customBearer, "/", []string{"Wolkvox-Token", s, "Authorization", "Bearer " + s}, 401, "send the token once, in one place"},
		{"two custom headers: second", twoHeaders, "/", []string{"X-Token", s}, 200, ""},
		{"two custom headers: both", twoHeaders, "/", []string{"X-Token", s, "Wolkvox-Token", s}, 401, "send the token once, in one place"},
		{"custom header with Bearer prefix", custom, "/", []string{"wolkvox-token", "Bearer " + s}, 401, "invalid token"},
		{"query", query, "/?api_key=" + s, nil, 200, ""},
		{"query escaped", query, "/?api%5Fkey=" + url.QueryEscape(s), nil, 200, ""},
		{"query with other params", query, "/?a=1&api_key=" + s + "&b=2", nil, 200, ""},
		{"query keeps headers", query, "/", []string{"X-API-Key", s}, 200, ""},
		{"query repeated", query, "/?api_key=" + s + "&api_key=" + s, nil, 401, "send the token once, in one place"},
		{"query repeated empty", query, "/?api_key=" + s + "&api_key", nil, 401, "send the token once, in one place"},
		{"query and header", query, "/?api_key=" + s, []string{"X-API-Key", s}, 401, "send the token once, in one place"},
		{"query empty", query, "/?api_key=", nil, 401, "missing token"},
		{"query bad escape", query, "/?api_key=%zz", nil, 401, "invalid token"},
		{"query other name", query, "/?apikey=" + s, nil, 401, "missing token"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := serve(e.auth(tc.opts...).Authenticate(&reached{}), get(tc.target, tc.header...))
			require.Equal(t, tc.want, w.Code, w.Body.String())
			if tc.want != 200 {
				assert.Equal(t, tc.msg, requireDenied(t, w, tc.want).Msg)
				assert.NotContains(t, w.Body.String(), s)
				assert.NotContains(t, w.Body.String(), s2)
			}
		})
	}
}

func TestBearerParsing(t *testing.T) {
	e := newEnv(t)
	s, _ := e.issue(token.Spec{})
	h := e.auth().Authenticate(&reached{})
	cases := []struct {
		value string
		want  int
	}{
		{"Bearer " + s, 200},
		{"bearer " + s, 200},
		{"BEARER " + s, 200},
		{"bEaReR " + s, 200},
		{"Bearer    " + s, 200},
		{"Bearer\t" + s, 401},
		{"Bearer  \t" + s, 401},
		{"Bearer" + s, 401},
		{"Bearer " + s + " extra", 401},
		{"Bearer " + s + ",", 401},
		{"Bearer " + s + "=", 401}, // b64token, but not a token of ours
		{"Bearer", 401},
		{"Bearer ", 401},
		{"Token " + s, 401},
		{"Basic " + s, 401},
		{s, 401},
		{"Bearer: " + s, 401},
		{"Bearer \"" + s + "\"", 401},
		{"Bearer " + s + "\x00", 401},
	}
	for _, tc := range cases {
		w := serve(h, get("/", "Authorization", tc.value))
		assert.Equal(t, tc.want, w.Code, "%q", tc.value)
		if tc.want == 401 {
			assert.Equal(t, "invalid token", requireDenied(t, w, 401).Msg, "%q", tc.value)
			assert.NotContains(t, w.Body.String(), s)
		}
	}
}

// TestHeaderNameCase sends header lines with the exact case written, over a
// real connection, as clients do.
func TestHeaderNameCase(t *testing.T) {
	e := newEnv(t)
	s, _ := e.issue(token.Spec{})
	srv := httptest.NewServer(e.auth(middleware.WithHeader("Wolkvox-Token")).Authenticate(&reached{}))
	defer srv.Close()

	cases := []struct {
		lines []string
		want  int
	}{
		{[]string{"wolkvox-token: " + s}, 200},
		{[]string{"WOLKVOX-TOKEN: " + s}, 200},
		{[]string{"wOlKvOx-ToKeN:   " + s + "  "}, 200},
		{[]string{"wolkvox-token: " + s, "WOLKVOX-TOKEN: " + s}, 401},
		{[]string{"wolkvox-token: " + s, "Wolkvox-Token: x"}, 401},
		{[]string{"x-api-key: " + s}, 401},
	}
	for _, tc := range cases {
		conn, err := net.Dial("tcp", srv.Listener.Addr().String())
		require.NoError(t, err)
		req := "GET / HTTP/1.1\r\nHost: test\r\nConnection: close\r\n"
		for _, l := range tc.lines {
			req += l + "\r\n"
		}
		_, err = io.WriteString(conn, req+"\r\n")
		require.NoError(t, err)
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		require.NoError(t, err)
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		require.NoError(t, conn.Close())
		assert.Equal(t, tc.want, resp.StatusCode, "%q: %s", tc.lines, b)
		assert.NotContains(t, string(b), s)
	}
}

// TestSecretNeverInResponse sends a real secret in every way the
// middleware refuses and checks that no response, header or body, holds
// it.
func TestSecretNeverInResponse(t *testing.T) {
	e := newEnv(t)
	s, _ := e.issue(token.Spec{Scopes: []string{"a:b"}})
	a := e.auth(middleware.WithQuery("k"))
	var reqs []*http.Request
	for _, hdr := range [][]string{
		{"X-API-Key", s, "X-API-Key", s},
		{"Authorization", "Bearer " + s, "X-API-Key", s},
		{"Authorization", "Basic " + s},
		{"Authorization", "Bearer " + s + " x"},
		{"X-API-Key", s + "x"},
		{"X-API-Key", s},
	} {
		reqs = append(reqs, get("/", hdr...))
	}
	reqs = append(reqs, get("/?k="+s+"&k="+s))
	for i, r := range reqs {
		w := serve(a.Require("c:d")(&reached{}), r)
		assert.NotEqual(t, 200, w.Code, i)
		assert.NotContains(t, w.Body.String(), s, i)
		assert.NotContains(t, fmt.Sprint(w.Header()), s, i)
	}
}
