package token_test

import (
	"crypto/sha256"
	"fmt"
	"net/netip"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tokenwarden/tokenwarden/memstore"
	"github.com/tokenwarden/tokenwarden/token"
)

// benchTokens is how many distinct tokens the benchmarks cycle through, so
// that no benchmark measures a single hot key.
const benchTokens = 1024

var benchReq = token.Request{Addr: netip.MustParseAddr("192.168.1.20"), Tenant: "northwind", Scopes: []string{"clients:read"}}

func benchManager(b *testing.B, quota token.Quota) (*token.Manager, []string) {
	b.Helper()
	now := time.Date(2026, 3, 14, 12, 0, 0, 0, time.UTC)
	m, err := token.NewManager(memstore.New(), token.WithClock(func() time.Time { return now }))
	if err != nil {
		b.Fatal(err)
	}
	secrets := make([]string, benchTokens)
	for i := range secrets {
		s, _, err := m.Issue(ctx, token.Spec{
			Name: fmt.Sprintf("integration %d", i), Kind: token.External, Tenant: "northwind",
			Scopes:  []string{"reports:read", "clients:read"},
			Allow:   []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.168.1.0/24")},
			Expires: now.Add(24 * time.Hour),
			Quota:   quota,
		})
		if err != nil {
			b.Fatal(err)
		}
		secrets[i] = s.Reveal()
	}
	return m, secrets
}

// BenchmarkVerify: memstore, a token with scopes, an allowlist and an expiry.
func BenchmarkVerify(b *testing.B) {
	m, secrets := benchManager(b, token.Quota{})
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := m.Verify(ctx, secrets[i%benchTokens], benchReq); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkVerifyQuota: the same token with a daily quota large enough
// never to run out.
func BenchmarkVerifyQuota(b *testing.B) {
	m, secrets := benchManager(b, token.PerDay(1<<62))
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := m.Verify(ctx, secrets[i%benchTokens], benchReq); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

func BenchmarkVerifyParallel(b *testing.B) {
	m, secrets := benchManager(b, token.Quota{})
	var seq atomic.Int64
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := int(seq.Add(7919))
		for pb.Next() {
			if _, err := m.Verify(ctx, secrets[i%benchTokens], benchReq); err != nil {
				b.Error(err)
				return
			}
			i++
		}
	})
}

// handWritten is the floor DESIGN.md compares against: SHA-256 of the
// presented secret and a map lookup, plus the same scope, allowlist and
// expiry checks written inline.
type handWritten struct {
	mu     sync.RWMutex
	tokens map[[32]byte]*handToken
}

type handToken struct {
	scopes  []string
	allow   []netip.Prefix
	expires time.Time
}

func newHandWritten(b *testing.B) (*handWritten, []string) {
	h := &handWritten{tokens: make(map[[32]byte]*handToken)}
	secrets := make([]string, benchTokens)
	for i := range secrets {
		s, err := token.NewSecret("tw")
		if err != nil {
			b.Fatal(err)
		}
		secrets[i] = s.Reveal()
		h.tokens[sha256.Sum256([]byte(secrets[i]))] = &handToken{
			scopes:  []string{"reports:read", "clients:read"},
			allow:   []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.168.1.0/24")},
			expires: time.Date(2026, 3, 15, 12, 0, 0, 0, time.UTC),
		}
	}
	return h, secrets
}

func (h *handWritten) check(secret string, addr netip.Addr, scope string, now time.Time) bool {
	sum := sha256.Sum256([]byte(secret))
	h.mu.RLock()
	t := h.tokens[sum]
	h.mu.RUnlock()
	if t == nil || !now.Before(t.expires) || !slices.Contains(t.scopes, scope) {
		return false
	}
	for _, p := range t.allow {
		if p.Contains(addr) {
			return true
		}
	}
	return false
}

func BenchmarkHandWritten(b *testing.B) {
	h, secrets := newHandWritten(b)
	now := time.Date(2026, 3, 14, 12, 0, 0, 0, time.UTC)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if !h.check(secrets[i%benchTokens], benchReq.Addr, "clients:read", now) {
			b.Fatal("denied")
		}
		i++
	}
}

func BenchmarkHandWrittenParallel(b *testing.B) {
	h, secrets := newHandWritten(b)
	now := time.Date(2026, 3, 14, 12, 0, 0, 0, time.UTC)
	var seq atomic.Int64
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := int(seq.Add(7919))
		for pb.Next() {
			if !h.check(secrets[i%benchTokens], benchReq.Addr, "clients:read", now) {
				b.Error("denied")
				return
			}
			i++
		}
	})
}
