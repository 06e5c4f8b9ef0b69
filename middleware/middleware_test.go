package middleware_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenwarden/tokenwarden/middleware"
	"github.com/tokenwarden/tokenwarden/token"
)

const maintenanceBody = `{"code":"403","error":"Forbidden","msg":"The APIs cannot be consumed at this time, try again later."}`

// TestVerificationTable walks DESIGN.md's table row by row through the
// middleware: status, body, headers, and that the handler is never reached.
func TestVerificationTable(t *testing.T) {
	type row struct {
		name    string
		setup   func(e *env) *http.Request // returns the request to send
		status  int
		msg     string
		retry   string // expected Retry-After; "" means absent
		limit   string // expected RateLimit-Limit; "" means absent
		remain  string
		reset   string
		tenant  string
		require []string
	}
	allow := []netip.Prefix{netip.MustParsePrefix("198.51.100.0/24")}
	rows := []row{
		{name: "1 maintenance", status: 403, msg: middleware.MaintenanceMessage, retry: "60",
			setup: func(e *env) *http.Request {
				s, _ := e.issue(token.Spec{})
				require.NoError(t, e.m.SetMaintenance(context.Background(), true))
				return get("/", "Authorization", "Bearer "+s)
			}},
		{name: "2 missing", status: 401, msg: "missing token",
			setup: func(e *env) *http.Request { return get("/") }},
		{name: "2 empty header", status: 401, msg: "missing token",
			setup: func(e *env) *http.Request { return get("/", "X-API-Key", "  ") }},
		{name: "3 malformed", status: 401, msg: "invalid token",
			setup: func(e *env) *http.Request { return get("/", "X-API-Key", "not-a-token") }},
		{name: "3 bad checksum", status: 401, msg: "invalid token",
			setup: func(e *env) *http.Request {
				s, _ := e.issue(token.Spec{})
				b := []byte(s)
				b[len(b)-1] ^= 1
				return get("/", "X-API-Key", string(b))
			}},
		{name: "3 other scheme", status: 401, msg: "invalid token",
			setup: func(e *env) *http.Request { return get("/", "Authorization", "Basic dXNlcjpwYXNz") }},
		{name: "4 unknown", status: 401, msg: "invalid token",
			setup: func(e *env) *http.Request {
				s, tok := e.issue(token.Spec{})
				require.NoError(t, e.m.Delete(context.Background(), tok.ID))
				return get("/", "Authorization", "Bearer "+s)
			}},
		{name: "5 disabled", status: 401, msg: "token disabled",
			setup: func(e *env) *http.Request {
				s, _ := e.issue(token.Spec{Disabled: true})
				return get("/", "Authorization", "Bearer "+s)
			}},
		{name: "6 expired", status: 401, msg: "token expired",
			setup: func(e *env) *http.Request {
				s, _ := e.issue(token.Spec{Expires: t0.Add(time.Hour)})
				e.clock.Advance(time.Hour)
				return get("/", "Authorization", "Bearer "+s)
			}},
		{name: "7 address", status: 403, msg: "client address not allowed for this token",
			setup: func(e *env) *http.Request {
				s, _ := e.issue(token.Spec{Allow: allow})
				return get("/", "Authorization", "Bearer "+s)
			}},
		{name: "8 tenant", status: 403, msg: "token not valid for this tenant", tenant: "contoso",
			setup: func(e *env) *http.Request {
				s, _ := e.issue(token.Spec{Kind: token.External, Tenant: "northwind"})
				return get("/", "Authorization", "Bearer "+s)
			}},
		{name: "8 no tenant", status: 403, msg: "token not valid for this tenant",
			setup: func(e *env) *http.Request {
				s, _ := e.issue(token.Spec{Kind: token.External, Tenant: "northwind"})
				return get("/", "Authorization", "Bearer "+s)
			}},
		{name: "9 scope", status: 403, msg: "token lacks the scope this API needs", require: []string{"clients:write"},
			setup: func(e *env) *http.Request {
				s, _ := e.issue(token.Spec{Scopes: []string{"clients:read"}})
				return get("/", "Authorization", "Bearer "+s)
			}},
		{name: "10 rate", status: 429, msg: "rate limit exceeded, retry later", retry: "60",
			setup: func(e *env) *http.Request {
				s, _ := e.issue(token.Spec{Rate: token.PerMinute(1)})
				r := get("/", "Authorization", "Bearer "+s)
				_, err := e.m.Verify(context.Background(), s, token.Request{Addr: netip.MustParseAddr("203.0.113.7")})
				require.NoError(t, err)
				return r
			}},
		{name: "9 scope, quota-limited token", status: 403, msg: "token lacks the scope this API needs", require: []string{"clients:write"},
			limit: "5", remain: "4", reset: "50400",
			setup: func(e *env) *http.Request {
				s, _ := e.issue(token.Spec{Scopes: []string{"clients:read"}, Quota: token.PerDay(5)})
				_, err := e.m.Verify(context.Background(), s, token.Request{})
				require.NoError(t, err)
				return get("/", "Authorization", "Bearer "+s)
			}},
		{name: "10 rate, quota-limited token", status: 429, msg: "rate limit exceeded, retry later", retry: "60",
			limit: "5", remain: "4", reset: "50400",
			setup: func(e *env) *http.Request {
				s, _ := e.issue(token.Spec{Rate: token.PerMinute(1), Quota: token.PerDay(5)})
				_, err := e.m.Verify(context.Background(), s, token.Request{})
				require.NoError(t, err)
				return get("/", "Authorization", "Bearer "+s)
			}},
		{name: "11 daily quota", status: 429, msg: "quota exceeded", retry: "50400", limit: "1", remain: "0", reset: "50400",
			setup: func(e *env) *http.Request {
				s, _ := e.issue(token.Spec{Quota: token.PerDay(1)})
				_, err := e.m.Verify(context.Background(), s, token.Request{})
				require.NoError(t, err)
				return get("/", "Authorization", "Bearer "+s)
			}},
		{name: "11 total quota used up", status: 429, msg: "quota exceeded", limit: "2", remain: "0",
			setup: func(e *env) *http.Request {
				s, _ := e.issue(token.Spec{Quota: token.Total(2)})
				for range 2 {
					_, err := e.m.Verify(context.Background(), s, token.Request{})
					require.NoError(t, err)
				}
				return get("/", "Authorization", "Bearer "+s)
			}},
		{name: "store lookup fails", status: 503, msg: "service unavailable, try again later", retry: "5",
			setup: func(e *env) *http.Request {
				s, _ := e.issue(token.Spec{})
				e.store.failLookup.Store(true)
				return get("/", "Authorization", "Bearer "+s)
			}},
		{name: "store maintenance fails", status: 503, msg: "service unavailable, try again later", retry: "5",
			setup: func(e *env) *http.Request {
				s, _ := e.issue(token.Spec{})
				e.store.failMaintenance.Store(true)
				return get("/", "Authorization", "Bearer "+s)
			}},
		{name: "store returns nothing", status: 503, msg: "service unavailable, try again later", retry: "5",
			setup: func(e *env) *http.Request {
				s, _ := e.issue(token.Spec{})
				e.store.nilLookup.Store(true)
				return get("/", "Authorization", "Bearer "+s)
			}},
	}
	for _, tc := range rows {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			r := tc.setup(e)
			secret := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
			var opts []middleware.Option
			if tc.tenant != "" {
				opts = append(opts, middleware.WithTenant(func(*http.Request) string { return tc.tenant }))
			}
			h := &reached{}
			w := serve(e.auth(opts...).Require(tc.require...)(h), r)

			b := requireDenied(t, w, tc.status)
			assert.Equal(t, tc.msg, b.Msg)
			assert.Zero(t, h.n.Load(), "handler reached")
			if secret != "" {
				assert.NotContains(t, w.Body.String(), secret)
			}
			assert.NotContains(t, w.Body.String(), "198.51.100")
			assert.NotContains(t, w.Body.String(), "db.internal")
			assert.Equal(t, tc.retry, w.Header().Get("Retry-After"))
			if tc.status == 401 {
				assert.Equal(t, []string{`Bearer realm="api"`, `APIKey header="X-API-Key"`}, w.Header().Values("WWW-Authenticate"))
			} else {
				assert.Empty(t, w.Header().Values("WWW-Authenticate"))
			}
			assert.Equal(t, tc.limit, w.Header().Get("RateLimit-Limit"))
			assert.Equal(t, tc.remain, w.Header().Get("RateLimit-Remaining"))
			assert.Equal(t, tc.reset, w.Header().Get("RateLimit-Reset"))
			assert.Equal(t, tc.status, middleware.StatusFor(statusErr(t, e, r, tc.require, tc.tenant)))
		})
	}
}

// statusErr runs the same request through an error handler that captures
// the error, so StatusFor is checked against what Verify returned.
func statusErr(t *testing.T, e *env, r *http.Request, scopes []string, tenant string) error {
	t.Helper()
	var got error
	opts := []middleware.Option{middleware.WithErrorHandler(func(w http.ResponseWriter, r *http.Request, err error) {
		got = err
		middleware.WriteError(w, r, err)
	})}
	if tenant != "" {
		opts = append(opts, middleware.WithTenant(func(*http.Request) string { return tenant }))
	}
	serve(e.auth(opts...).Require(scopes...)(&reached{}), r.Clone(context.Background()))
	require.Error(t, got)
	return got
}

func TestAllowedRequestCarriesToken(t *testing.T) {
	e := newEnv(t)
	s, tok := e.issue(token.Spec{
		Scopes: []string{"clients:read"},
		Allow:  []netip.Prefix{netip.MustParsePrefix("203.0.113.0/24")},
		Rate:   token.PerSecond(10),
	})
	h := &reached{}
	w := serve(e.auth().Require("clients:read")(h), get("/", "Authorization", "Bearer "+s))
	require.Equal(t, http.StatusOK, w.Code)
	assert.Equal(t, "ok", w.Body.String())
	require.NotNil(t, h.tok.Load())
	assert.Equal(t, tok.ID, h.tok.Load().ID)
	assert.Empty(t, w.Header().Get("RateLimit-Limit"), "no quota, no RateLimit headers")
	assert.Empty(t, w.Header().Get("Cache-Control"), "the handler's response is its own")
}

func TestQuotaHeadersOnAllowedResponses(t *testing.T) {
	e := newEnv(t)
	s, _ := e.issue(token.Spec{Quota: token.PerDay(3)})
	h := e.auth().Authenticate(&reached{})
	e.clock.Advance(90 * time.Minute) // 11:30: 12.5 h until midnight

	w := serve(h, get("/", "X-API-Key", s))
	require.Equal(t, http.StatusOK, w.Code)
	assert.Equal(t, "3", w.Header().Get("RateLimit-Limit"))
	assert.Equal(t, "2", w.Header().Get("RateLimit-Remaining"))
	assert.Equal(t, "45000", w.Header().Get("RateLimit-Reset"))

	s2, _ := e.issue(token.Spec{Quota: token.Total(5)})
	w = serve(h, get("/", "X-API-Key", s2))
	require.Equal(t, http.StatusOK, w.Code)
	assert.Equal(t, "5", w.Header().Get("RateLimit-Limit"))
	assert.Equal(t, "4", w.Header().Get("RateLimit-Remaining"))
	assert.Empty(t, w.Header().Values("RateLimit-Reset"), "a total quota never resets")
}

func TestMaintenanceExactForEveryMethod(t *testing.T) {
	e := newEnv(t)
	s, _ := e.issue(token.Spec{})
	require.NoError(t, e.m.SetMaintenance(context.Background(), true))
	h := &reached{}
	mw := e.auth(middleware.WithMaintenanceRetryAfter(90 * time.Second)).Authenticate(h)
	srv := httptest.NewServer(mw)
	defer srv.Close()

	for _, method := range []string{http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodPost} {
		for _, hdr := range [][]string{
			{"Authorization", "Bearer " + s},
			nil, // no token
			{"X-API-Key", s, "Authorization", "Bearer " + s}, // twice
			{"X-API-Key", "garbage"},
		} {
			req, err := http.NewRequest(method, srv.URL+"/any", nil)
			require.NoError(t, err)
			for i := 0; i < len(hdr); i += 2 {
				req.Header.Add(hdr[i], hdr[i+1])
			}
			resp, err := srv.Client().Do(req)
			require.NoError(t, err)
			buf := new(strings.Builder)
			_, err = io.Copy(buf, resp.Body)
			require.NoError(t, resp.Body.Close())
			require.NoError(t, err)

			assert.Equal(t, http.StatusForbidden, resp.StatusCode, method)
			assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))
			assert.Equal(t, "no-store", resp.Header.Get("Cache-Control"))
			assert.Equal(t, "90", resp.Header.Get("Retry-After"))
			assert.Equal(t, "101", resp.Header.Get("Content-Length"))
			assert.Empty(t, resp.Header.Values("WWW-Authenticate"))
			if method == http.MethodHead {
				assert.Empty(t, buf.String())
			} else {
				assert.Equal(t, maintenanceBody, buf.String(), method)
			}
		}
	}
	assert.Zero(t, h.n.Load())
	assert.Len(t, maintenanceBody, 101)
}

func TestMaintenanceComesBeforeTheStore(t *testing.T) {
	e := newEnv(t)
	s, _ := e.issue(token.Spec{})
	require.NoError(t, e.m.SetMaintenance(context.Background(), true))
	e.store.failLookup.Store(true)
	w := serve(e.auth().Authenticate(&reached{}), get("/", "X-API-Key", s))
	assert.Equal(t, maintenanceBody, w.Body.String())
	assert.Zero(t, e.store.lookups.Load())
}

func TestStoreFailureNeverReachesHandler(t *testing.T) {
	e := newEnv(t)
	s, _ := e.issue(token.Spec{})
	h := &reached{}
	mw := e.auth(middleware.WithUnavailableRetryAfter(1500 * time.Millisecond)).Require()(h)

	require.Equal(t, http.StatusOK, serve(mw, get("/", "X-API-Key", s)).Code)
	e.store.failLookup.Store(true)
	w := serve(mw, get("/", "X-API-Key", s))
	requireDenied(t, w, http.StatusServiceUnavailable)
	assert.Equal(t, "2", w.Header().Get("Retry-After"), "rounded up")
	assert.NotContains(t, w.Body.String(), "db.internal")
	assert.Equal(t, int64(1), h.n.Load())
}

func TestRequireAndRequireAny(t *testing.T) {
	e := newEnv(t)
	require.NoError(t, func() error {
		_, err := e.m.PutRole(context.Background(), token.Role{Name: "support", Scopes: []string{"case-notes:*"}})
		return err
	}())
	s, _ := e.issue(token.Spec{Role: "support", Scopes: []string{"clients:read"}})
	a := e.auth()
	cases := []struct {
		mw   func(http.Handler) http.Handler
		want int
	}{
		{a.Require(), 200},
		{a.Authenticate, 200},
		{a.Require("clients:read"), 200},
		{a.Require("clients:read", "case-notes:write"), 200},
		{a.Require("clients:read", "clients:write"), 403},
		{a.RequireAny("clients:write", "case-notes:read"), 200},
		{a.RequireAny("clients:write", "wallets:read"), 403},
	}
	for i, tc := range cases {
		w := serve(tc.mw(&reached{}), get("/", "Authorization", "Bearer "+s))
		assert.Equal(t, tc.want, w.Code, "case %d", i)
	}
}

func TestRequireWithBadArgumentsFailsClosed(t *testing.T) {
	e := newEnv(t)
	s, _ := e.issue(token.Spec{Scopes: []string{"*"}})
	a := e.auth()
	for name, mw := range map[string]http.Handler{
		"malformed scope":    a.Require("clients")(&reached{}),
		"empty scope":        a.Require("")(&reached{}),
		"RequireAny no args": a.RequireAny()(&reached{}),
		"RequireAny bad":     a.RequireAny("x:y", "bad scope")(&reached{}),
		"nil handler":        a.Require("clients:read")(nil),
	} {
		w := serve(mw, get("/", "Authorization", "Bearer "+s))
		b := requireDenied(t, w, http.StatusInternalServerError)
		assert.Equal(t, "server misconfigured", b.Msg, name)
	}
	var got error
	a2 := e.auth(middleware.WithErrorHandler(func(w http.ResponseWriter, r *http.Request, err error) { got = err }))
	serve(a2.Require("clients")(&reached{}), get("/", "Authorization", "Bearer "+s))
	assert.ErrorIs(t, got, middleware.ErrConfig)
	assert.ErrorIs(t, got, token.ErrValidation)
}

func TestRequireCopiesScopes(t *testing.T) {
	e := newEnv(t)
	s, _ := e.issue(token.Spec{Scopes: []string{"clients:read"}})
	scopes := []string{"clients:read"}
	mw := e.auth().Require(scopes...)(&reached{})
	scopes[0] = "clients:write"
	assert.Equal(t, 200, serve(mw, get("/", "X-API-Key", s)).Code)
}

func TestTenantFromPath(t *testing.T) {
	e := newEnv(t)
	ext, _ := e.issue(token.Spec{Kind: token.External, Tenant: "northwind", Scopes: []string{"case-notes:read"}})
	internal, _ := e.issue(token.Spec{Scopes: []string{"case-notes:read"}})
	a := e.auth(middleware.WithHeader("wolkvox-token"),
		middleware.WithTenant(func(r *http.Request) string { return r.PathValue("company") }))
	mux := http.NewServeMux()
	mux.Handle("GET /companies/{company}/case-notes", a.Require("case-notes:read")(&reached{}))

	cases := []struct {
		secret, path string
		want         int
	}{
		{ext, "/companies/northwind/case-notes", 200},
		{ext, "/companies/contoso/case-notes", 403},
		{ext, "/companies/Northwind/case-notes", 403}, // exact comparison
		{internal, "/companies/contoso/case-notes", 200},
		{internal, "/companies/northwind/case-notes", 200},
	}
	for _, tc := range cases {
		w := serve(mux, get(tc.path, "Wolkvox-Token", tc.secret))
		assert.Equal(t, tc.want, w.Code, tc.path)
	}
}

func TestErrorHandlerReplacesRendering(t *testing.T) {
	e := newEnv(t)
	s, _ := e.issue(token.Spec{Quota: token.PerDay(1)})
	var got []error
	a := e.auth(middleware.WithErrorHandler(func(w http.ResponseWriter, r *http.Request, err error) {
		got = append(got, err)
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(middleware.StatusFor(err))
		_, _ = w.Write([]byte("nope"))
	}))
	h := a.Authenticate(&reached{})

	w := serve(h, get("/"))
	assert.Equal(t, 401, w.Code)
	assert.Equal(t, "nope", w.Body.String())
	assert.Equal(t, "no-store", w.Header().Get("Cache-Control"))
	assert.Len(t, w.Header().Values("WWW-Authenticate"), 2)

	require.Equal(t, 200, serve(h, get("/", "X-API-Key", s)).Code)
	w = serve(h, get("/", "X-API-Key", s))
	assert.Equal(t, 429, w.Code)
	assert.Equal(t, "1", w.Header().Get("RateLimit-Limit"))
	assert.Equal(t, "50400", w.Header().Get("Retry-After"))

	require.Len(t, got, 2)
	assert.ErrorIs(t, got[0], token.ErrMissing)
	assert.ErrorIs(t, got[1], token.ErrQuotaExceeded)
	for _, err := range got {
		assert.NotContains(t, err.Error(), s)
	}
}

func TestStatusFor(t *testing.T) {
	cases := map[error]int{
		nil:                          200,
		token.ErrMaintenance:         403,
		token.ErrMissing:             401,
		token.ErrInvalid:             401,
		middleware.ErrMultipleTokens: 401,
		token.ErrDisabled:            401,
		token.ErrExpired:             401,
		token.ErrAddressNotAllowed:   403,
		token.ErrTenant:              403,
		token.ErrScope:               403,
		token.ErrRateLimited:         429,
		token.ErrQuotaExceeded:       429,
		middleware.ErrConfig:         500,
		errStore:                     503,
		context.Canceled:             503,
		token.ErrStoreFault:          503,
		&token.LimitError{Err: token.ErrRateLimited}: 429,
		errors.Join(errStore, token.ErrScope):        403,
	}
	for err, want := range cases {
		assert.Equal(t, want, middleware.StatusFor(err), "%v", err)
	}
}

func TestWriteErrorBodies(t *testing.T) {
	cases := map[error]string{
		token.ErrMaintenance:         maintenanceBody,
		token.ErrInvalid:             `{"code":"401","error":"Unauthorized","msg":"invalid token"}`,
		middleware.ErrMultipleTokens: `{"code":"401","error":"Unauthorized","msg":"send the token once, in one place"}`,
		token.ErrScope:               `{"code":"403","error":"Forbidden","msg":"token lacks the scope this API needs"}`,
		token.ErrRateLimited:         `{"code":"429","error":"Too Many Requests","msg":"rate limit exceeded, retry later"}`,
		errStore:                     `{"code":"503","error":"Service Unavailable","msg":"service unavailable, try again later"}`,
	}
	for err, want := range cases {
		w := httptest.NewRecorder()
		middleware.WriteError(w, httptest.NewRequest("GET", "/", nil), err)
		assert.Equal(t, want, w.Body.String())
		assert.Equal(t, "application/json", w.Header().Get("Content-Type"))
		assert.Equal(t, "no-store", w.Header().Get("Cache-Control"))
	}
}

// TestQuotaExactUnderConcurrency: many goroutines through the middleware
// get exactly the quota's worth of 200s.
func TestQuotaExactUnderConcurrency(t *testing.T) {
	e := newEnv(t)
	s, _ := e.issue(token.Spec{Quota: token.Total(25)})
	h := &reached{}
	mw := e.auth().Authenticate(h)
	const n = 100
	codes := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes[i] = serve(mw, get("/", "X-API-Key", s)).Code
		}()
	}
	wg.Wait()
	count := map[int]int{}
	for _, c := range codes {
		count[c]++
	}
	assert.Equal(t, map[int]int{200: 25, 429: 75}, count)
	assert.Equal(t, int64(25), h.n.Load())
}

func TestNewRejectsBadConfiguration(t *testing.T) {
	e := newEnv(t)
	cases := map[string][]middleware.Option{
		"nil option":             {nil},
		"empty header":           {middleware.WithHeader("")},
		"header with space":      {middleware.WithHeader("wolkvox token")},
		"header with colon":      {middleware.WithHeader("x-key:")},
		"authorization header":   {middleware.WithHeader("authorization")},
		"header twice":           {middleware.WithHeader("X-Key"), middleware.WithHeader("x-key")},
		"default header twice":   {middleware.WithHeader("X-API-Key"), middleware.WithHeader("x-api-key")},
		"bearer twice":           {middleware.WithBearer(), middleware.WithBearer()},
		"empty query":            {middleware.WithQuery("")},
		"query with &":           {middleware.WithQuery("a&b")},
		"query twice":            {middleware.WithQuery("k"), middleware.WithQuery("k")},
		"realm with quote":       {middleware.WithRealm(`a"b`)},
		"realm with newline":     {middleware.WithRealm("a\nb")},
		"no trusted proxies":     {middleware.WithTrustedProxies()},
		"proxy with host bits":   {middleware.WithTrustedProxies(netip.MustParsePrefix("10.0.0.1/8"))},
		"invalid proxy":          {middleware.WithTrustedProxies(netip.Prefix{})},
		"nil tenant":             {middleware.WithTenant(nil)},
		"nil error handler":      {middleware.WithErrorHandler(nil)},
		"zero maintenance retry": {middleware.WithMaintenanceRetryAfter(0)},
		"negative unavailable":   {middleware.WithUnavailableRetryAfter(-time.Second)},
	}
	for name, opts := range cases {
		a, err := middleware.New(e.m, opts...)
		assert.ErrorIs(t, err, token.ErrValidation, name)
		assert.Nil(t, a, name)
	}
	_, err := middleware.New(nil)
	assert.ErrorIs(t, err, token.ErrValidation)
}

func TestChallenges(t *testing.T) {
	e := newEnv(t)
	cases := []struct {
		opts []middleware.Option
		want []string
	}{
		{nil, []string{`Bearer realm="api"`, `APIKey header="X-API-Key"`}},
		{[]middleware.Option{middleware.WithRealm("acme")}, []string{`Bearer realm="acme"`, `APIKey header="X-API-Key"`}},
		{[]middleware.Option{middleware.WithHeader("wolkvox-token")}, []string{`APIKey header="wolkvox-token"`}},
		{[]middleware.Option{middleware.WithBearer()}, []string{`Bearer realm="api"`}},
		{[]middleware.Option{middleware.WithHeader("wolkvox-token"), middleware.WithBearer()},
			[]string{`APIKey header="wolkvox-token"`, `Bearer realm="api"`}},
		{[]middleware.Option{middleware.WithQuery("api_key")},
			[]string{`Bearer realm="api"`, `APIKey header="X-API-Key"`, `APIKey query="api_key"`}},
	}
	for _, tc := range cases {
		w := serve(e.auth(tc.opts...).Authenticate(&reached{}), get("/"))
		assert.Equal(t, 401, w.Code)
		assert.Equal(t, tc.want, w.Header().Values("WWW-Authenticate"))
	}
}
