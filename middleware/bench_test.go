package middleware_test

import (
	"context"
	"crypto/sha256"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/stretchr/testify/require"

	"github.com/tokenwarden/tokenwarden/memstore"
	"github.com/tokenwarden/tokenwarden/middleware"
	"github.com/tokenwarden/tokenwarden/token"
)

// The benchmarks compare the middleware with a hand-written one doing the
// same checks, on the allowed path: 1024 tokens used round-robin (not one
// hot key), each with a scope, an allowlist, an expiry and a rate limit.
//
//	go test ./middleware -run '^$' -bench . -benchmem -count 6

const benchTokens = 1024

var (
	benchAllow  = []netip.Prefix{netip.MustParsePrefix("203.0.113.0/24")}
	benchScope  = "clients:read"
	benchRate   = token.PerSecond(1_000_000) // never refuses here: the check still runs
	benchRemote = "203.0.113.7:41000"
)

// nopWriter is a ResponseWriter that keeps nothing, so the benchmarks
// measure the middleware, not a recorder.
type nopWriter struct{ h http.Header }

func (w *nopWriter) Header() http.Header         { return w.h }
func (w *nopWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *nopWriter) WriteHeader(int)             {}

// counter is the protected handler: it checks that a token reached it.
type counter struct{ n, missing atomic.Int64 }

func (c *counter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Context().Value(handKey{}) == nil {
		if _, ok := token.FromContext(r.Context()); !ok {
			c.missing.Add(1)
		}
	}
	c.n.Add(1)
}

// benchRequests issues the tokens with issue and returns one request per
// token, carrying it as "Authorization: Bearer".
func benchRequests(b *testing.B, issue func(i int) string) []*http.Request {
	b.Helper()
	reqs := make([]*http.Request, benchTokens)
	for i := range reqs {
		r := httptest.NewRequest(http.MethodGet, "/api/clients", nil)
		r.RemoteAddr = benchRemote
		r.Header.Set("Authorization", "Bearer "+issue(i))
		reqs[i] = r
	}
	return reqs
}

func runBench(b *testing.B, h http.Handler, c *counter, reqs []*http.Request) {
	w := &nopWriter{h: http.Header{}}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		h.ServeHTTP(w, reqs[i%benchTokens])
	}
	b.StopTimer()
	require.Equal(b, int64(0), c.missing.Load())
}

func runBenchParallel(b *testing.B, h http.Handler, reqs []*http.Request) {
	var next atomic.Int64
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		w := &nopWriter{h: http.Header{}}
		i := int(next.Add(7919))
		for pb.Next() {
			h.ServeHTTP(w, reqs[i%benchTokens])
			i++
		}
	})
}

func newBenchMiddleware(b *testing.B) (http.Handler, *counter, []*http.Request) {
	m, err := token.NewManager(memstore.New())
	require.NoError(b, err)
	ctx := context.Background()
	reqs := benchRequests(b, func(i int) string {
		s, _, err := m.Issue(ctx, token.Spec{
			Name:    fmt.Sprintf("integration %d", i),
			Kind:    token.Internal,
			Scopes:  []string{"clients:write", benchScope},
			Allow:   benchAllow,
			Expires: time.Now().Add(24 * time.Hour),
			Rate:    benchRate,
		})
		require.NoError(b, err)
		return s.Reveal()
	})
	auth, err := middleware.New(m)
	require.NoError(b, err)
	c := &counter{}
	h := auth.Require(benchScope)(c)
	// every request must pass: a refusal would be a cheaper path
	for _, r := range reqs {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		require.Equal(b, http.StatusOK, w.Code, w.Body.String())
	}
	return h, c, reqs
}

// BenchmarkMiddleware is the library's allowed path.
func BenchmarkMiddleware(b *testing.B) {
	h, c, reqs := newBenchMiddleware(b)
	runBench(b, h, c, reqs)
}

func BenchmarkMiddlewareParallel(b *testing.B) {
	h, _, reqs := newBenchMiddleware(b)
	runBenchParallel(b, h, reqs)
}

// handKey carries the hand-written middleware's token in the context.
type handKey struct{}

type handEntry struct {
	name    string
	scopes  []string
	allow   []netip.Prefix
	expires time.Time
	lim     *rate.Limiter
}

// handWritten is what an application would write by hand: SHA-256 of the
// bearer token, a map behind a RWMutex, scope, netip allowlist, expiry and
// an x/time/rate bucket per token, then the token into the context.
type handWritten struct {
	mu     sync.RWMutex
	tokens map[[sha256.Size]byte]*handEntry
	scope  string
	next   http.Handler
}

func (h *handWritten) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	vals := r.Header["Authorization"]
	if len(vals) != 1 {
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	secret, ok := strings.CutPrefix(vals[0], "Bearer ")
	var buf [64]byte
	if !ok || len(secret) > len(buf) {
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	sum := sha256.Sum256(buf[:copy(buf[:], secret)])
	h.mu.RLock()
	e := h.tokens[sum]
	h.mu.RUnlock()
	now := time.Now()
	if e == nil || !now.Before(e.expires) {
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	addr := ap.Addr().Unmap()
	if err != nil || !slices.ContainsFunc(e.allow, func(p netip.Prefix) bool { return p.Contains(addr) }) {
		http.Error(w, "forbidden", http.StatusForbidden)
		return
	}
	if !slices.Contains(e.scopes, h.scope) {
		http.Error(w, "forbidden", http.StatusForbidden)
		return
	}
	if !e.lim.AllowN(now, 1) {
		http.Error(w, "too many requests", http.StatusTooManyRequests)
		return
	}
	h.next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), handKey{}, e)))
}

func newBenchHandWritten(b *testing.B) (http.Handler, *counter, []*http.Request) {
	c := &counter{}
	h := &handWritten{tokens: make(map[[sha256.Size]byte]*handEntry), scope: benchScope, next: c}
	reqs := benchRequests(b, func(i int) string {
		s, err := token.NewSecret("tw")
		require.NoError(b, err)
		h.tokens[sha256.Sum256([]byte(s.Reveal()))] = &handEntry{
			name:    fmt.Sprintf("integration %d", i),
			scopes:  []string{"clients:write", benchScope},
			allow:   benchAllow,
			expires: time.Now().Add(24 * time.Hour),
			lim:     rate.NewLimiter(rate.Limit(benchRate.Events), benchRate.Events),
		}
		return s.Reveal()
	})
	for _, r := range reqs {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		require.Equal(b, http.StatusOK, w.Code, w.Body.String())
	}
	return h, c, reqs
}

// BenchmarkHandWritten is the floor BenchmarkMiddleware is compared with.
func BenchmarkHandWritten(b *testing.B) {
	h, c, reqs := newBenchHandWritten(b)
	runBench(b, h, c, reqs)
}

func BenchmarkHandWrittenParallel(b *testing.B) {
	h, _, reqs := newBenchHandWritten(b)
	runBenchParallel(b, h, reqs)
}

// BenchmarkBareHandler is an unprotected handler, for the middleware's
// overhead over nothing.
func BenchmarkBareHandler(b *testing.B) {
	var n atomic.Int64
	h := http.HandlerFunc(func(http.ResponseWriter, *http.Request) { n.Add(1) })
	reqs := benchRequests(b, func(int) string { return "none" })
	runBench(b, h, &counter{}, reqs)
	require.Equal(b, int64(b.N), n.Load())
}
