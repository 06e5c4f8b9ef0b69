package admin_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenwarden/tokenwarden/admin"
	"github.com/tokenwarden/tokenwarden/internal/testclock"
	"github.com/tokenwarden/tokenwarden/memstore"
	"github.com/tokenwarden/tokenwarden/token"
)

// clock is the shared manual test clock.
type clock = testclock.Clock

var start = time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC)

// failingStore fails every call while fail is set.
type failingStore struct {
	token.Store
	fail atomic.Bool
}

var errStore = errors.New("pq: connection refused to 10.1.2.3:5432 (secret-dsn)")

func (s *failingStore) err() error {
	if s.fail.Load() {
		return errStore
	}
	return nil
}

func (s *failingStore) TokenByID(ctx context.Context, id string) (*token.Record, error) {
	if err := s.err(); err != nil {
		return nil, err
	}
	return s.Store.TokenByID(ctx, id)
}

func (s *failingStore) ListTokens(ctx context.Context, q token.ListQuery) ([]*token.Record, error) {
	if err := s.err(); err != nil {
		return nil, err
	}
	return s.Store.ListTokens(ctx, q)
}

func (s *failingStore) CreateToken(ctx context.Context, r *token.Record) error {
	if err := s.err(); err != nil {
		return err
	}
	return s.Store.CreateToken(ctx, r)
}

func (s *failingStore) ListRoles(ctx context.Context) ([]*token.Role, error) {
	if err := s.err(); err != nil {
		return nil, err
	}
	return s.Store.ListRoles(ctx)
}

func (s *failingStore) Maintenance(ctx context.Context) (bool, error) {
	if err := s.err(); err != nil {
		return false, err
	}
	return s.Store.Maintenance(ctx)
}

// env is a Manager with an operator API and a tenant API (the tenant is
// the X-Tenant header) over one store. It remembers every secret the API
// has returned and checks that no other response ever holds one.
type env struct {
	t        *testing.T
	clock    *clock
	store    *failingStore
	m        *token.Manager
	operator http.Handler
	tenant   http.Handler
	errs     chan error // what the operator API's error handler saw

	mu      sync.Mutex
	secrets []string
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{t: t, clock: testclock.New(start), store: &failingStore{Store: memstore.New()}, errs: make(chan error, 100)}
	var err error
	e.m, err = token.NewManager(e.store, token.WithPrefix("acme"), token.WithClock(e.clock.Now))
	require.NoError(t, err)
	e.operator, err = admin.New(e.m, admin.WithErrorHandler(func(w http.ResponseWriter, r *http.Request, err error) {
		select {
		case e.errs <- err:
		default:
		}
		admin.WriteError(w, r, err)
	}))
	require.NoError(t, err)
	e.tenant, err = admin.New(e.m, admin.WithTenant(func(r *http.Request) string { return r.Header.Get("X-Tenant") }))
	require.NoError(t, err)
	return e
}

// resp is a recorded response.
type resp struct {
	*httptest.ResponseRecorder
	body string
}

// decode decodes the body into a fresh V.
func decode[V any](t *testing.T, r resp) V {
	t.Helper()
	var v V
	require.NoError(t, json.Unmarshal([]byte(r.body), &v), r.body)
	return v
}

// errMsg returns the msg of an error body, checking its shape.
func errMsg(t *testing.T, r resp) string {
	t.Helper()
	var b map[string]string
	require.NoError(t, json.Unmarshal([]byte(r.body), &b), r.body)
	require.Len(t, b, 3, r.body)
	assert.Equal(t, http.StatusText(r.Code), b["error"])
	assert.Equal(t, r.Result().Status[:3], b["code"])
	return b["msg"]
}

// serve sends a request through h and checks what every response must
// have. Header pairs follow the body.
func (e *env) serve(h http.Handler, method, path, body string, headers ...string) resp {
	e.t.Helper()
	var req *http.Request
	if body == "" {
		req = httptest.NewRequest(method, path, nil)
	} else {
		req = httptest.NewRequest(method, path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i+1] == "" {
			req.Header.Del(headers[i])
			continue
		}
		req.Header.Set(headers[i], headers[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	r := resp{ResponseRecorder: rec, body: rec.Body.String()}
	assert.Equal(e.t, "application/json", rec.Header().Get("Content-Type"), "%s %s", method, path)
	assert.Equal(e.t, "no-store", rec.Header().Get("Cache-Control"), "%s %s", method, path)
	assert.NotContains(e.t, strings.ToLower(r.body), "hash", "%s %s", method, path)
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, s := range e.secrets {
		assert.NotContains(e.t, r.body, s, "%s %s leaked a secret", method, path)
		assert.NotContains(e.t, r.body, s[len(s)-10:], "%s %s leaked part of a secret", method, path)
	}
	return r
}

// op sends a request to the operator API.
func (e *env) op(method, path, body string, headers ...string) resp {
	e.t.Helper()
	return e.serve(e.operator, method, path, body, headers...)
}

// as sends a request to the tenant API as tenant.
func (e *env) as(tenant, method, path, body string, headers ...string) resp {
	e.t.Helper()
	return e.serve(e.tenant, method, path, body, append([]string{"X-Tenant", tenant}, headers...)...)
}

// issued records the secret of a create or rotate response, which may
// appear in no later response.
func (e *env) issued(r resp) admin.Issued {
	e.t.Helper()
	out := decode[admin.Issued](e.t, r)
	require.True(e.t, strings.HasPrefix(out.Secret, "acme_"), r.body)
	e.mu.Lock()
	e.secrets = append(e.secrets, out.Secret)
	e.mu.Unlock()
	return out
}

// create issues a token through the operator API.
func (e *env) create(body string) admin.Issued {
	e.t.Helper()
	r := e.op("POST", "/tokens", body)
	require.Equal(e.t, http.StatusCreated, r.Code, r.body)
	return e.issued(r)
}

func (e *env) external(name, tenant string) admin.Issued {
	e.t.Helper()
	return e.create(`{"name":"` + name + `","kind":"external","tenant":"` + tenant + `","scopes":["clients:read"]}`)
}

func (e *env) internal(name string) admin.Issued {
	e.t.Helper()
	return e.create(`{"name":"` + name + `","kind":"internal","scopes":["*"]}`)
}
