package bench

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

	"github.com/go-chi/httprate"
	"github.com/labstack/echo/v4"
	echomw "github.com/labstack/echo/v4/middleware"
	"github.com/sethvargo/go-limiter/httplimit"
	"github.com/sethvargo/go-limiter/memorystore"
	"github.com/stretchr/testify/require"
	"golang.org/x/time/rate"

	twmem "github.com/tokenwarden/tokenwarden/memstore"
	"github.com/tokenwarden/tokenwarden/middleware"
	"github.com/tokenwarden/tokenwarden/token"
)

// The shared workload: benchKeys API keys used round-robin (never one hot
// key), each request from an address the token allows, the key in the
// X-API-Key header, a handler that writes 200. Every rate is far above what
// the run can reach, so every request takes the allowed path: the limiter
// still runs on each one. Setup and a warm-up pass over every key (which
// also creates each limiter's per-key state) happen outside the timed loop.

const (
	benchKeys   = 1024
	benchHeader = "X-API-Key"
	benchScope  = "clients:read"
	benchRemote = "203.0.113.7:41000"
	benchRate   = 1_000_000 // events a second per key: token.MaxRate
)

// benchHeaderKey is benchHeader in canonical form, for direct map access.
var benchHeaderKey = http.CanonicalHeaderKey(benchHeader)

var benchAllow = []netip.Prefix{netip.MustParsePrefix("203.0.113.0/24")}

// benchWriter is the ResponseWriter every benchmark shares, so the harness
// costs the same everywhere: it keeps the status and a header map that is
// cleared before each request, and discards the body.
type benchWriter struct {
	h    http.Header
	code int
}

func newBenchWriter() *benchWriter { return &benchWriter{h: make(http.Header)} }

func (w *benchWriter) Header() http.Header { return w.h }

func (w *benchWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
}

func (w *benchWriter) Write(b []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	return len(b), nil
}

func (w *benchWriter) reset() {
	clear(w.h)
	w.code = 0
}

// ok is the protected handler.
var ok = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) })

// newKeys returns benchKeys fresh secrets in tokenwarden's format, for the
// benchmarks whose keys tokenwarden does not issue.
func newKeys(b *testing.B) []string {
	b.Helper()
	keys := make([]string, benchKeys)
	for i := range keys {
		s, err := token.NewSecret("tw")
		require.NoError(b, err)
		keys[i] = s.Reveal()
	}
	return keys
}

// newRequests returns one prebuilt request per key.
func newRequests(keys []string) []*http.Request {
	reqs := make([]*http.Request, len(keys))
	for i, k := range keys {
		r := httptest.NewRequest(http.MethodGet, "/api/clients", nil)
		r.RemoteAddr = benchRemote
		r.Header.Set(benchHeader, k)
		reqs[i] = r
	}
	return reqs
}

// warm sends every request once and requires each to be admitted.
func warm(b *testing.B, h http.Handler, reqs []*http.Request) {
	b.Helper()
	for _, r := range reqs {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		require.Equal(b, http.StatusOK, w.Code, w.Body.String())
	}
}

// run is the timed loop: the requests round-robin, each required to get 200.
func run(b *testing.B, h http.Handler, reqs []*http.Request) {
	warm(b, h, reqs)
	w := newBenchWriter()
	b.ReportAllocs()
	cpu := startCPU()
	for i := 0; b.Loop(); i++ {
		w.reset()
		h.ServeHTTP(w, reqs[i%benchKeys])
		if w.code != http.StatusOK {
			b.Fatalf("request %d: status %d, want 200", i, w.code)
		}
	}
	cpu.report(b)
}

// cpuClock measures the process's CPU time over a timed loop. On a shared
// machine ns/op (wall clock) grows whenever other processes take the CPU;
// cpu-ns/op, the process's CPU time (the garbage collector's included)
// divided by b.N, does not, and is the steadier figure to compare there.
type cpuClock struct {
	start time.Duration
	ok    bool
}

func startCPU() cpuClock {
	t, ok := processCPU()
	return cpuClock{start: t, ok: ok}
}

// report adds the cpu-ns/op metric, when the CPU time can be read.
func (c cpuClock) report(b *testing.B) {
	end, ok := processCPU()
	if c.ok && ok && b.N > 0 {
		b.ReportMetric(float64(end-c.start)/float64(b.N), "cpu-ns/op")
	}
}

// runParallel is run with b.RunParallel; each goroutine starts at its own
// place in the key cycle. Refusals are counted and asserted at the end.
func runParallel(b *testing.B, h http.Handler, reqs []*http.Request) {
	warm(b, h, reqs)
	var next, bad atomic.Int64
	b.ReportAllocs()
	b.ResetTimer()
	cpu := startCPU()
	b.RunParallel(func(pb *testing.PB) {
		w := newBenchWriter()
		i := int(next.Add(7919))
		var n int64
		for pb.Next() {
			w.reset()
			h.ServeHTTP(w, reqs[i%benchKeys])
			if w.code != http.StatusOK {
				n++
			}
			i++
		}
		bad.Add(n)
	})
	b.StopTimer()
	cpu.report(b)
	require.Zero(b, bad.Load(), "requests not answered 200")
}

// --- tokenwarden ---

func newTokenwarden(b *testing.B) (http.Handler, []*http.Request) {
	b.Helper()
	m, err := token.NewManager(twmem.New())
	require.NoError(b, err)
	keys := make([]string, benchKeys)
	for i := range keys {
		s, _, err := m.Issue(context.Background(), token.Spec{
			Name:    fmt.Sprintf("integration %d", i),
			Kind:    token.Internal,
			Scopes:  []string{"clients:write", benchScope},
			Allow:   benchAllow,
			Expires: time.Now().Add(24 * time.Hour),
			Rate:    token.Rate{Events: benchRate, Interval: time.Second},
		})
		require.NoError(b, err)
		keys[i] = s.Reveal()
	}
	auth, err := middleware.New(m, middleware.WithHeader(benchHeader))
	require.NoError(b, err)
	return auth.Require(benchScope)(ok), newRequests(keys)
}

// BenchmarkTokenwarden is tokenwarden's middleware over memstore, each token
// with two scopes, an allowlist, an expiry and a rate limit.
func BenchmarkTokenwarden(b *testing.B) {
	h, reqs := newTokenwarden(b)
	run(b, h, reqs)
}

// BenchmarkTokenwardenParallel is BenchmarkTokenwarden on GOMAXPROCS
// goroutines.
func BenchmarkTokenwardenParallel(b *testing.B) {
	h, reqs := newTokenwarden(b)
	runParallel(b, h, reqs)
}

// --- hand-written ---

// handKey carries the hand-written middleware's entry in the context.
type handKey struct{}

type handEntry struct {
	name    string
	scopes  []string
	allow   []netip.Prefix
	expires time.Time
	lim     *rate.Limiter
}

// handWritten does by hand what tokenwarden does on the allowed path:
// SHA-256 of the header, a map behind a RWMutex (tokens can change at run
// time), scope, netip allowlist, expiry, an x/time/rate limiter per key,
// then the entry into the request context.
type handWritten struct {
	mu     sync.RWMutex
	tokens map[[sha256.Size]byte]*handEntry
	scope  string
	next   http.Handler
}

func (h *handWritten) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	vals := r.Header[benchHeaderKey]
	if len(vals) != 1 {
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	secret := strings.TrimSpace(vals[0])
	var buf [64]byte
	if len(secret) > len(buf) {
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

func newHandWritten(b *testing.B) (http.Handler, []*http.Request) {
	b.Helper()
	keys := newKeys(b)
	h := &handWritten{tokens: make(map[[sha256.Size]byte]*handEntry, len(keys)), scope: benchScope, next: ok}
	for i, k := range keys {
		h.tokens[sha256.Sum256([]byte(k))] = &handEntry{
			name:    fmt.Sprintf("integration %d", i),
			scopes:  []string{"clients:write", benchScope},
			allow:   benchAllow,
			expires: time.Now().Add(24 * time.Hour),
			lim:     rate.NewLimiter(benchRate, benchRate),
		}
	}
	return h, newRequests(keys)
}

// BenchmarkHandWritten is the floor tokenwarden is held to (≤ 2×).
func BenchmarkHandWritten(b *testing.B) {
	h, reqs := newHandWritten(b)
	run(b, h, reqs)
}

// BenchmarkHandWrittenParallel is BenchmarkHandWritten on GOMAXPROCS
// goroutines.
func BenchmarkHandWrittenParallel(b *testing.B) {
	h, reqs := newHandWritten(b)
	runParallel(b, h, reqs)
}

// --- the minimal key check the peers sit behind ---

// keySet is a fixed set of API keys looked up by SHA-256, read-only after
// setup and so without a lock. It checks only that the key exists: no scope,
// allowlist or expiry, less work than tokenwarden does.
type keySet map[[sha256.Size]byte]*keyEntry

// keyEntry is what a keySet knows of a key's owner.
type keyEntry struct{ name string }

func newKeySet(keys []string) keySet {
	s := make(keySet, len(keys))
	for i, k := range keys {
		s[sha256.Sum256([]byte(k))] = &keyEntry{name: fmt.Sprintf("integration %d", i)}
	}
	return s
}

// lookup returns the entry of key, nil if there is none.
func (s keySet) lookup(key string) *keyEntry {
	var buf [64]byte
	if len(key) > len(buf) {
		return nil
	}
	return s[sha256.Sum256(buf[:copy(buf[:], key)])]
}

func (s keySet) valid(key string) bool { return s.lookup(key) != nil }

// requireKey is net/http middleware admitting requests whose benchHeader
// holds a key of s.
func (s keySet) requireKey(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.valid(r.Header.Get(benchHeader)) {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// keyOf is the rate limiters' key: the API key itself.
func keyOf(r *http.Request) (string, error) { return r.Header.Get(benchHeader), nil }

// --- echo ---

// Which of echo's set-ups newEcho builds.
const (
	echoBare   = iota // no middleware
	echoCheck         // KeyAuth checking the key, RateLimiter
	echoHandOn        // as echoCheck, and the validator hands the key's entry on with c.Set
)

func newEcho(b *testing.B, setup int) (http.Handler, []*http.Request) {
	b.Helper()
	keys := newKeys(b)
	set := newKeySet(keys)
	e := echo.New()
	var mws []echo.MiddlewareFunc
	validate := func(key string, _ echo.Context) (bool, error) { return set.valid(key), nil }
	if setup == echoHandOn {
		validate = func(key string, c echo.Context) (bool, error) {
			e := set.lookup(key)
			if e == nil {
				return false, nil
			}
			c.Set("apikey", e)
			return true, nil
		}
	}
	if setup != echoBare {
		mws = append(mws,
			echomw.KeyAuthWithConfig(echomw.KeyAuthConfig{
				KeyLookup: "header:" + benchHeader,
				Validator: validate,
			}),
			echomw.RateLimiterWithConfig(echomw.RateLimiterConfig{
				Store: echomw.NewRateLimiterMemoryStoreWithConfig(echomw.RateLimiterMemoryStoreConfig{
					Rate: benchRate, Burst: benchRate,
				}),
				IdentifierExtractor: func(c echo.Context) (string, error) { return keyOf(c.Request()) },
			}),
		)
	}
	e.GET("/api/clients", func(c echo.Context) error { return c.NoContent(http.StatusOK) }, mws...)
	return e, newRequests(keys)
}

// BenchmarkEcho is echo's KeyAuth (validated by SHA-256 and a map) and
// RateLimiter with its memory store keyed by the API key, through echo's
// ServeHTTP, so echo's router and context are part of the cost:
// BenchmarkEchoBare measures them alone. The handler learns nothing of the
// caller: BenchmarkEchoHandOn does what an application needs for that.
func BenchmarkEcho(b *testing.B) {
	h, reqs := newEcho(b, echoCheck)
	run(b, h, reqs)
}

// BenchmarkEchoParallel is BenchmarkEcho on GOMAXPROCS goroutines.
func BenchmarkEchoParallel(b *testing.B) {
	h, reqs := newEcho(b, echoCheck)
	runParallel(b, h, reqs)
}

// BenchmarkEchoHandOn is BenchmarkEcho with the validator handing the key's
// entry to the handler with c.Set, echo's counterpart of tokenwarden putting
// the token into the request context.
func BenchmarkEchoHandOn(b *testing.B) {
	h, reqs := newEcho(b, echoHandOn)
	run(b, h, reqs)
}

// BenchmarkEchoBare is echo's ServeHTTP and router with no middleware: what
// BenchmarkEcho costs beyond the checks.
func BenchmarkEchoBare(b *testing.B) {
	h, reqs := newEcho(b, echoBare)
	run(b, h, reqs)
}

// --- go-chi/httprate ---

func newHTTPRate(b *testing.B) (http.Handler, []*http.Request) {
	b.Helper()
	keys := newKeys(b)
	limit := httprate.LimitBy(benchRate, time.Second, keyOf)
	return newKeySet(keys).requireKey(limit(ok)), newRequests(keys)
}

// BenchmarkHTTPRate is go-chi/httprate's sliding-window limiter keyed by the
// API key, behind the minimal key check, on plain net/http.
func BenchmarkHTTPRate(b *testing.B) {
	h, reqs := newHTTPRate(b)
	run(b, h, reqs)
}

// BenchmarkHTTPRateParallel is BenchmarkHTTPRate on GOMAXPROCS goroutines.
func BenchmarkHTTPRateParallel(b *testing.B) {
	h, reqs := newHTTPRate(b)
	runParallel(b, h, reqs)
}

// --- sethvargo/go-limiter ---

func newGoLimiter(b *testing.B) (http.Handler, []*http.Request) {
	b.Helper()
	keys := newKeys(b)
	store, err := memorystore.New(&memorystore.Config{Tokens: benchRate, Interval: time.Second})
	require.NoError(b, err)
	b.Cleanup(func() { require.NoError(b, store.Close(context.Background())) })
	mw, err := httplimit.NewMiddleware(store, keyOf)
	require.NoError(b, err)
	return newKeySet(keys).requireKey(mw.Handle(ok)), newRequests(keys)
}

// BenchmarkGoLimiter is sethvargo/go-limiter's memorystore and httplimit
// middleware keyed by the API key, behind the minimal key check, on plain
// net/http.
func BenchmarkGoLimiter(b *testing.B) {
	h, reqs := newGoLimiter(b)
	run(b, h, reqs)
}

// BenchmarkGoLimiterParallel is BenchmarkGoLimiter on GOMAXPROCS goroutines.
func BenchmarkGoLimiterParallel(b *testing.B) {
	h, reqs := newGoLimiter(b)
	runParallel(b, h, reqs)
}

// --- reference ---

// BenchmarkBareHandler is the handler with no middleware: the harness's own
// cost, included in every other figure.
func BenchmarkBareHandler(b *testing.B) {
	run(b, ok, newRequests(newKeys(b)))
}

// BenchmarkContextOnly is a middleware that only hands a value to the
// handler through the request context (context.WithValue and
// r.WithContext), as tokenwarden and the hand-written middleware do and the
// peer set-ups do not: its cost and its allocations are part of those two
// figures.
func BenchmarkContextOnly(b *testing.B) {
	var v handEntry
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ok.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), handKey{}, &v)))
	})
	run(b, h, newRequests(newKeys(b)))
}
