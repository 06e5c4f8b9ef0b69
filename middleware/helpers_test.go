package middleware_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenwarden/tokenwarden/internal/testclock"
	"github.com/tokenwarden/tokenwarden/memstore"
	"github.com/tokenwarden/tokenwarden/middleware"
	"github.com/tokenwarden/tokenwarden/token"
)

// t0 is the test clock's start: 10:00 UTC, so a daily window resets in 14 h.
var t0 = time.Date(2026, 3, 10, 10, 0, 0, 0, time.UTC)

// clock is the shared manual test clock.
type clock = testclock.Clock

// env is a Manager on a store with a test clock.
type env struct {
	t     *testing.T
	store *faultyStore
	m     *token.Manager
	clock *clock
}

func newEnv(t *testing.T) *env {
	t.Helper()
	c := testclock.New(t0)
	s := &faultyStore{Store: memstore.New()}
	m, err := token.NewManager(s, token.WithClock(c.Now))
	require.NoError(t, err)
	return &env{t: t, store: s, m: m, clock: c}
}

var nameSeq atomic.Int64

// issue issues a token; an empty name gets a unique one and an empty kind
// means Internal.
func (e *env) issue(spec token.Spec) (string, *token.Token) {
	e.t.Helper()
	if spec.Name == "" {
		spec.Name = "token " + time.Duration(nameSeq.Add(1)).String()
	}
	if spec.Kind == 0 {
		spec.Kind = token.Internal
	}
	s, tok, err := e.m.Issue(context.Background(), spec)
	require.NoError(e.t, err)
	return s.Reveal(), tok
}

func (e *env) auth(opts ...middleware.Option) *middleware.Auth {
	e.t.Helper()
	a, err := middleware.New(e.m, opts...)
	require.NoError(e.t, err)
	return a
}

// errStore is what a failing store returns; its text must never reach a
// response.
var errStore = errors.New("connection refused to db.internal:5432 user=tokenwarden")

// faultyStore is a memstore whose lookups or maintenance switch can be made
// to fail, or to break the Store contract.
type faultyStore struct {
	*memstore.Store
	failLookup      atomic.Bool
	nilLookup       atomic.Bool
	failMaintenance atomic.Bool
	lookups         atomic.Int64
}

func (s *faultyStore) TokenByHash(ctx context.Context, h token.Hash) (*token.Record, error) {
	s.lookups.Add(1)
	switch {
	case s.failLookup.Load():
		return nil, errStore
	case s.nilLookup.Load():
		return nil, nil
	}
	return s.Store.TokenByHash(ctx, h)
}

func (s *faultyStore) Maintenance(ctx context.Context) (bool, error) {
	if s.failMaintenance.Load() {
		return false, errStore
	}
	return s.Store.Maintenance(ctx)
}

// reached is a handler recording the requests it serves.
type reached struct {
	n   atomic.Int64
	tok atomic.Pointer[token.Token]
}

func (h *reached) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.n.Add(1)
	if t, ok := token.FromContext(r.Context()); ok {
		h.tok.Store(t)
	}
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte("ok"))
}

// get builds a request from 203.0.113.7 with the given header lines.
func get(target string, header ...string) *http.Request {
	r := httptest.NewRequest(http.MethodGet, target, nil)
	r.RemoteAddr = "203.0.113.7:41000"
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Add(header[i], header[i+1])
	}
	return r
}

func serve(h http.Handler, r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

type body struct {
	Code  string `json:"code"`
	Error string `json:"error"`
	Msg   string `json:"msg"`
}

// requireDenied checks the common shape of a refusal and returns its body.
func requireDenied(t *testing.T, w *httptest.ResponseRecorder, status int) body {
	t.Helper()
	require.Equal(t, status, w.Code, "body: %s", w.Body.String())
	assert.Equal(t, "application/json", w.Header().Get("Content-Type"))
	assert.Equal(t, "no-store", w.Header().Get("Cache-Control"))
	var b body
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &b), w.Body.String())
	assert.Equal(t, http.StatusText(status), b.Error)
	assert.NotEmpty(t, b.Msg)
	assert.Equal(t, itoa(status), b.Code)
	return b
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}
