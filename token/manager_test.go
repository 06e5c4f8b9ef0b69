package token_test

import (
	"context"
	"errors"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenwarden/tokenwarden/memstore"
	"github.com/tokenwarden/tokenwarden/token"
)

var (
	ctx       = context.Background()
	officeA   = netip.MustParseAddr("192.168.1.20")
	elsewhere = netip.MustParseAddr("203.0.113.9")
)

func TestVerifyAdmits(t *testing.T) {
	f := newFixture(t, token.WithPrefix("acme"))
	secret, tok := f.issue(t, token.Spec{
		Name: "Sales CRM integration", Kind: token.External, Tenant: "northwind",
		Scopes:  []string{"clients:read", "case-notes:*"},
		Allow:   []netip.Prefix{netip.MustParsePrefix("192.168.1.0/24")},
		Expires: f.clock.Now().Add(time.Hour),
	})
	res, err := f.m.Verify(ctx, secret, token.Request{Addr: officeA, Tenant: "northwind", Scopes: []string{"clients:read", "case-notes:write"}})
	require.NoError(t, err)
	assert.Equal(t, tok.ID, res.Token.ID)
	assert.Equal(t, "Sales CRM integration", res.Token.Name)
	assert.True(t, strings.HasPrefix(secret, "acme_"))
	assert.Equal(t, "acme_…"+secret[len(secret)-4:], tok.Hint)
	// A mapped IPv6 client address matches the IPv4 range.
	_, err = f.m.Verify(ctx, secret, token.Request{Addr: netip.MustParseAddr("::ffff:192.168.1.20"), Tenant: "northwind"})
	require.NoError(t, err)
}

// TestVerifyOrder walks DESIGN.md's table: each case breaks exactly the
// check under test and everything after it, and expects that check's error.
func TestVerifyOrder(t *testing.T) {
	f := newFixture(t)
	allow := []netip.Prefix{netip.MustParsePrefix("192.168.1.0/24")}
	good := token.Request{Addr: officeA, Tenant: "northwind", Scopes: []string{"clients:read"}}
	bad := token.Request{Addr: elsewhere, Tenant: "other", Scopes: []string{"admin:write"}}
	spec := func(name string) token.Spec {
		return token.Spec{Name: name, Kind: token.External, Tenant: "northwind", Scopes: []string{"clients:read"}, Allow: allow,
			Expires: f.clock.Now().Add(time.Hour), Rate: token.PerMinute(1), Quota: token.PerDay(1)}
	}
	disabled, _ := f.issue(t, func() token.Spec { s := spec("disabled"); s.Disabled = true; return s }())
	expired, expiredTok := f.issue(t, spec("expired"))
	_, err := f.m.Update(ctx, expiredTok.ID, token.Update{Expires: new(f.clock.Now().Add(-time.Second))})
	require.NoError(t, err)
	ok, _ := f.issue(t, spec("ok"))
	rated, _ := f.issue(t, spec("rated"))
	_, err = f.m.Verify(ctx, rated, good)
	require.NoError(t, err)
	quota, qtok := f.issue(t, func() token.Spec { s := spec("quota"); s.Rate = token.Rate{}; return s }())
	_, err = f.m.Verify(ctx, quota, good)
	require.NoError(t, err)
	foreign, err := token.NewSecret("other")
	require.NoError(t, err)
	unknown, err := token.NewSecret("tw")
	require.NoError(t, err)

	cases := []struct {
		name   string
		secret string
		req    token.Request
		want   error
	}{
		{"missing", "", bad, token.ErrMissing},
		{"malformed", "tw_nope", bad, token.ErrInvalid},
		{"foreign prefix", foreign.Reveal(), bad, token.ErrInvalid},
		{"unknown", unknown.Reveal(), bad, token.ErrInvalid},
		{"disabled", disabled, bad, token.ErrDisabled},
		{"expired", expired, bad, token.ErrExpired},
		{"address", ok, bad, token.ErrAddressNotAllowed},
		{"tenant", ok, token.Request{Addr: officeA, Tenant: "other", Scopes: bad.Scopes}, token.ErrTenant},
		{"no tenant", ok, token.Request{Addr: officeA, Scopes: bad.Scopes}, token.ErrTenant},
		{"scope", ok, token.Request{Addr: officeA, Tenant: "northwind", Scopes: bad.Scopes}, token.ErrScope},
		{"rate", rated, good, token.ErrRateLimited},
		{"quota", quota, good, token.ErrQuotaExceeded},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := f.m.Verify(ctx, c.secret, c.req)
			require.ErrorIs(t, err, c.want)
			for _, other := range []error{token.ErrMissing, token.ErrInvalid, token.ErrDisabled, token.ErrExpired, token.ErrAddressNotAllowed, token.ErrTenant, token.ErrScope, token.ErrRateLimited, token.ErrQuotaExceeded} {
				if other != c.want {
					assert.NotErrorIs(t, err, other)
				}
			}
		})
	}
	u, err := f.m.Usage(ctx, qtok.ID)
	require.NoError(t, err)
	assert.Equal(t, int64(1), u.Used, "the denied request consumed nothing")

	require.NoError(t, f.m.SetMaintenance(ctx, true))
	for _, c := range cases {
		_, err := f.m.Verify(ctx, c.secret, c.req)
		assert.ErrorIs(t, err, token.ErrMaintenance, c.name)
	}
}

func TestMalformedSecretsNeverReachTheStore(t *testing.T) {
	f := newFixture(t, token.WithPrefix("live"))
	test, err := token.NewSecret("test")
	require.NoError(t, err)
	good, err := token.NewSecret("live")
	require.NoError(t, err)
	typo := []byte(good.Reveal())
	typo[7] ^= 1
	for _, s := range []string{"", "x", "live_", "Bearer " + good.Reveal(), good.Reveal() + " ", test.Reveal(), string(typo), strings.Repeat("a", 1<<16)} {
		_, err := f.m.Verify(ctx, s, token.Request{})
		require.Error(t, err)
	}
	assert.Zero(t, f.store.byHash.Load(), "no lookup for input that cannot be a token")
	_, err = f.m.Verify(ctx, good.Reveal(), token.Request{})
	require.ErrorIs(t, err, token.ErrInvalid)
	assert.Equal(t, int64(1), f.store.byHash.Load(), "a well-formed unknown secret costs one lookup")
}

func TestSeveralPrefixes(t *testing.T) {
	st := memstore.New()
	live, err := token.NewManager(st, token.WithPrefix("sk_live"))
	require.NoError(t, err)
	both, err := token.NewManager(st, token.WithPrefix("sk_test", "sk_live"))
	require.NoError(t, err)
	s, _, err := live.Issue(ctx, token.Spec{Name: "a", Kind: token.Internal})
	require.NoError(t, err)
	_, err = both.Verify(ctx, s.Reveal(), token.Request{})
	require.NoError(t, err)
	s2, _, err := both.Issue(ctx, token.Spec{Name: "b", Kind: token.Internal})
	require.NoError(t, err)
	assert.Equal(t, "sk_test", s2.Prefix())
	_, err = live.Verify(ctx, s2.Reveal(), token.Request{})
	assert.ErrorIs(t, err, token.ErrInvalid, "a test token never works on live")
}

func TestNewManagerRefusesBadOptions(t *testing.T) {
	_, err := token.NewManager(nil)
	assert.ErrorIs(t, err, token.ErrValidation)
	for _, opt := range []token.Option{
		token.WithPrefix("Bad"),
		token.WithPrefix("ok", "a_b_c"),
		token.WithPepper("k1", []byte("short")),
		token.WithPepper("k1", nil),
	} {
		_, err := token.NewManager(memstore.New(), opt)
		assert.ErrorIs(t, err, token.ErrValidation)
	}
}

func TestPepper(t *testing.T) {
	st := memstore.New()
	key1 := []byte("0123456789abcdef-first")
	key2 := []byte("0123456789abcdef-second")
	plain, err := token.NewManager(st)
	require.NoError(t, err)
	old, _, err := plain.Issue(ctx, token.Spec{Name: "before pepper", Kind: token.Internal})
	require.NoError(t, err)

	m1, err := token.NewManager(st, token.WithPepper("k1", key1), token.WithPreviousPepper("", nil))
	require.NoError(t, err)
	s1, tok1, err := m1.Issue(ctx, token.Spec{Name: "peppered", Kind: token.Internal})
	require.NoError(t, err)
	rec, err := st.TokenByID(ctx, tok1.ID)
	require.NoError(t, err)
	assert.Equal(t, "k1", rec.HashKey)
	assert.NotEqual(t, token.HashSecret(s1), rec.Hash, "the store does not hold plain SHA-256")
	_, err = m1.Verify(ctx, s1.Reveal(), token.Request{})
	require.NoError(t, err)
	_, err = m1.Verify(ctx, old.Reveal(), token.Request{})
	require.NoError(t, err, "a previous (plain) key still verifies")
	_, err = plain.Verify(ctx, s1.Reveal(), token.Request{})
	assert.ErrorIs(t, err, token.ErrInvalid, "without the pepper the hash does not match")

	m2, err := token.NewManager(st, token.WithPepper("k2", key2), token.WithPreviousPepper("k1", key1))
	require.NoError(t, err)
	_, err = m2.Verify(ctx, s1.Reveal(), token.Request{})
	require.NoError(t, err)
	s2, tok2, err := m2.Rotate(ctx, tok1.ID, 0)
	require.NoError(t, err)
	rec, err = st.TokenByID(ctx, tok2.ID)
	require.NoError(t, err)
	assert.Equal(t, "k2", rec.HashKey, "rotation moves the token onto the current key")
	_, err = m2.Verify(ctx, s2.Reveal(), token.Request{})
	require.NoError(t, err)
}

func TestRateLimitAndRetryAfter(t *testing.T) {
	f := newFixture(t)
	s, _ := f.issue(t, token.Spec{Rate: token.PerSecond(2).WithBurst(2)})
	for range 2 {
		_, err := f.m.Verify(ctx, s, token.Request{})
		require.NoError(t, err)
	}
	_, err := f.m.Verify(ctx, s, token.Request{})
	require.ErrorIs(t, err, token.ErrRateLimited)
	d, ok := token.RetryAfter(err)
	require.True(t, ok)
	assert.Equal(t, 500*time.Millisecond, d)
	f.clock.Advance(d)
	_, err = f.m.Verify(ctx, s, token.Request{})
	require.NoError(t, err)
}

func TestQuotaDenialGivesBackRateToken(t *testing.T) {
	f := newFixture(t)
	s, tok := f.issue(t, token.Spec{Rate: token.PerHour(3), Quota: token.PerDay(1)})
	_, err := f.m.Verify(ctx, s, token.Request{})
	require.NoError(t, err)
	_, err = f.m.Verify(ctx, s, token.Request{})
	require.ErrorIs(t, err, token.ErrQuotaExceeded)
	// Raise the quota: the two remaining rate tokens are still there, so two
	// more requests pass within the same hour.
	_, err = f.m.Update(ctx, tok.ID, token.Update{Quota: new(token.PerDay(10))})
	require.NoError(t, err)
	for range 2 {
		_, err = f.m.Verify(ctx, s, token.Request{})
		require.NoError(t, err)
	}
	_, err = f.m.Verify(ctx, s, token.Request{})
	require.ErrorIs(t, err, token.ErrRateLimited)
}

func TestRateEditTakesEffect(t *testing.T) {
	f := newFixture(t)
	s, tok := f.issue(t, token.Spec{Rate: token.PerHour(1)})
	_, err := f.m.Verify(ctx, s, token.Request{})
	require.NoError(t, err)
	_, err = f.m.Verify(ctx, s, token.Request{})
	require.ErrorIs(t, err, token.ErrRateLimited)
	// Another instance edits the rate: this Manager sees a new Rate on the
	// token and rebuilds its bucket.
	other, err := token.NewManager(f.store, token.WithClock(f.clock.Now))
	require.NoError(t, err)
	_, err = other.Update(ctx, tok.ID, token.Update{Rate: new(token.PerHour(5))})
	require.NoError(t, err)
	_, err = f.m.Verify(ctx, s, token.Request{})
	require.NoError(t, err)
}

func TestQuotaWindowsAndRetryAfter(t *testing.T) {
	f := newFixture(t)
	s, tok := f.issue(t, token.Spec{Quota: token.PerDay(2)})
	for i := range 2 {
		res, err := f.m.Verify(ctx, s, token.Request{})
		require.NoError(t, err)
		assert.Equal(t, int64(1-i), res.Usage.Remaining)
	}
	_, err := f.m.Verify(ctx, s, token.Request{})
	require.ErrorIs(t, err, token.ErrQuotaExceeded)
	d, ok := token.RetryAfter(err)
	require.True(t, ok)
	midnight := time.Date(2026, 3, 15, 0, 0, 0, 0, time.UTC)
	assert.Equal(t, midnight.Sub(f.clock.Now()), d)
	var le *token.LimitError
	require.ErrorAs(t, err, &le)
	assert.Equal(t, int64(0), le.Usage.Remaining)
	assert.Equal(t, midnight, le.Usage.Reset)

	u, err := f.m.Usage(ctx, tok.ID)
	require.NoError(t, err)
	assert.Equal(t, token.Usage{Quota: token.PerDay(2), Used: 2, Remaining: 0, Start: midnight.AddDate(0, 0, -1), Reset: midnight}, u)

	f.clock.Set(midnight)
	_, err = f.m.Verify(ctx, s, token.Request{})
	require.NoError(t, err, "the window resets at midnight")

	// Lowering the limit below current use reports 0 remaining, never negative.
	_, err = f.m.Update(ctx, tok.ID, token.Update{Quota: new(token.Total(1))})
	require.NoError(t, err)
	_, err = f.m.Verify(ctx, s, token.Request{})
	require.NoError(t, err)
	_, err = f.m.Verify(ctx, s, token.Request{})
	require.ErrorIs(t, err, token.ErrQuotaExceeded)
	_, ok = token.RetryAfter(err)
	assert.False(t, ok, "a used-up total quota has no retry time")
	_, err = f.m.Update(ctx, tok.ID, token.Update{Quota: new(token.Total(1))})
	require.NoError(t, err)
	u, err = f.m.Usage(ctx, tok.ID)
	require.NoError(t, err)
	assert.Equal(t, int64(0), u.Remaining)
	assert.True(t, u.Reset.IsZero())
}

func TestQuotaInLocation(t *testing.T) {
	bogota, err := time.LoadLocation("America/Bogota")
	require.NoError(t, err)
	f := newFixture(t, token.WithLocation(bogota))
	f.clock.Set(time.Date(2026, 3, 14, 4, 59, 0, 0, time.UTC)) // 23:59 in Bogotá
	s, _ := f.issue(t, token.Spec{Quota: token.PerDay(1)})
	_, err = f.m.Verify(ctx, s, token.Request{})
	require.NoError(t, err)
	_, err = f.m.Verify(ctx, s, token.Request{})
	d, _ := token.RetryAfter(err)
	assert.Equal(t, time.Minute, d)
	f.clock.Advance(time.Minute)
	_, err = f.m.Verify(ctx, s, token.Request{})
	require.NoError(t, err)
}

func TestConcurrentVerifyQuotaIsExact(t *testing.T) {
	f := newFixture(t)
	s, tok := f.issue(t, token.Spec{Quota: token.PerDay(137)})
	var wg sync.WaitGroup
	var okCount, denied, other atomic.Int64
	for range 64 {
		wg.Go(func() {
			for range 10 {
				_, err := f.m.Verify(ctx, s, token.Request{})
				switch {
				case err == nil:
					okCount.Add(1)
				case errors.Is(err, token.ErrQuotaExceeded):
					denied.Add(1)
				default:
					other.Add(1)
				}
			}
		})
	}
	wg.Wait()
	assert.Equal(t, int64(137), okCount.Load())
	assert.Equal(t, int64(640-137), denied.Load())
	assert.Zero(t, other.Load())
	u, err := f.m.Usage(ctx, tok.ID)
	require.NoError(t, err)
	assert.Equal(t, int64(137), u.Used)
}

func TestConcurrentRateIsExact(t *testing.T) {
	f := newFixture(t)
	s, _ := f.issue(t, token.Spec{Rate: token.PerHour(1).WithBurst(25)})
	var wg sync.WaitGroup
	var okCount atomic.Int64
	for range 50 {
		wg.Go(func() {
			for range 4 {
				if _, err := f.m.Verify(ctx, s, token.Request{}); err == nil {
					okCount.Add(1)
				}
			}
		})
	}
	wg.Wait()
	assert.Equal(t, int64(25), okCount.Load())
}

func TestRoleScopesApplyAtOnce(t *testing.T) {
	f := newFixture(t)
	_, err := f.m.PutRole(ctx, token.Role{Name: "reader", Scopes: []string{"clients:read"}})
	require.NoError(t, err)
	s, tok := f.issue(t, token.Spec{Role: "reader", Scopes: []string{"reports:read"}})
	need := func(scopes ...string) error {
		_, err := f.m.Verify(ctx, s, token.Request{Scopes: scopes})
		return err
	}
	require.NoError(t, need("clients:read", "reports:read"), "own ∪ role scopes")
	require.ErrorIs(t, need("clients:write"), token.ErrScope)
	_, err = f.m.PutRole(ctx, token.Role{Name: "reader", Scopes: []string{"clients:*"}})
	require.NoError(t, err)
	require.NoError(t, need("clients:write"), "a role edit applies at the next request")

	err = f.m.DeleteRole(ctx, "reader")
	require.ErrorIs(t, err, token.ErrRoleInUse)
	_, err = f.m.Update(ctx, tok.ID, token.Update{Role: new("")})
	require.NoError(t, err)
	require.NoError(t, f.m.DeleteRole(ctx, "reader"))
	_, err = f.m.GetRole(ctx, "reader")
	require.ErrorIs(t, err, token.ErrNotFound)
	_, _, err = f.m.Issue(ctx, token.Spec{Name: "ghost role", Kind: token.Internal, Role: "reader"})
	require.ErrorIs(t, err, token.ErrUnknownRole)

	_, err = f.m.Verify(ctx, s, token.Request{AnyOf: []string{"nothing:here", "reports:read"}})
	require.NoError(t, err)
	_, err = f.m.Verify(ctx, s, token.Request{AnyOf: []string{"nothing:here"}})
	require.ErrorIs(t, err, token.ErrScope)
}

func TestIssueValidation(t *testing.T) {
	f := newFixture(t)
	now := f.clock.Now()
	cases := map[string]token.Spec{
		"no name":            {Kind: token.Internal, Name: "   "},
		"no kind":            {Name: "a"},
		"external no tenant": {Name: "a", Kind: token.External},
		"internal tenant":    {Name: "a", Kind: token.Internal, Tenant: "x"},
		"bad scope":          {Name: "a", Kind: token.Internal, Scopes: []string{"clients read"}},
		"host bits":          {Name: "a", Kind: token.Internal, Allow: []netip.Prefix{netip.MustParsePrefix("10.1.2.3/8")}},
		"past expiry":        {Name: "a", Kind: token.Internal, Expires: now},
		"zero quota limit":   {Name: "a", Kind: token.Internal, Quota: token.PerDay(0)},
		"bad rate":           {Name: "a", Kind: token.Internal, Rate: token.Rate{Events: 1}},
		"control chars":      {Name: "a\x00b", Kind: token.Internal},
		"bad utf8":           {Name: "a\xffb", Kind: token.Internal},
		"long name":          {Name: strings.Repeat("n", token.MaxNameLen+1), Kind: token.Internal},
		"bad role name":      {Name: "a", Kind: token.Internal, Role: " admin"},
		"empty meta key":     {Name: "a", Kind: token.Internal, Metadata: map[string]string{"": "x"}},
	}
	for name, spec := range cases {
		_, _, err := f.m.Issue(ctx, spec)
		assert.ErrorIs(t, err, token.ErrValidation, name)
	}
	tokens, _, err := f.m.List(ctx, token.ListQuery{})
	require.NoError(t, err)
	assert.Empty(t, tokens, "nothing was saved")

	_, tok := f.issue(t, token.Spec{Name: "  Sales CRM  "})
	assert.Equal(t, "Sales CRM", tok.Name, "surrounding spaces trimmed")
	_, _, err = f.m.Issue(ctx, token.Spec{Name: "sales crm", Kind: token.Internal})
	assert.ErrorIs(t, err, token.ErrDuplicate)
}

func TestUpdate(t *testing.T) {
	f := newFixture(t)
	s, tok := f.issue(t, token.Spec{Name: "crm", Kind: token.External, Tenant: "nw", Scopes: []string{"a:read"}})
	f.clock.Advance(time.Minute)
	up, err := f.m.Update(ctx, tok.ID, token.Update{
		Name: new(" CRM v2 "), Description: new("nightly"), Scopes: &[]string{"a:read", "b:write", "a:read"},
		Allow: &[]netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}, Quota: new(token.PerMonth(5)),
		Metadata: &map[string]string{"owner": "ops"},
	})
	require.NoError(t, err)
	assert.Equal(t, "CRM v2", up.Name)
	assert.Equal(t, []string{"a:read", "b:write"}, up.Scopes)
	assert.Equal(t, tok.Created, up.Created)
	assert.True(t, up.Updated.After(tok.Updated))
	assert.Equal(t, tok.Version+1, up.Version)
	assert.Equal(t, tok.Hint, up.Hint, "the secret does not change")
	_, err = f.m.Verify(ctx, s, token.Request{Addr: netip.MustParseAddr("10.9.9.9"), Tenant: "nw", Scopes: []string{"b:write"}})
	require.NoError(t, err)

	// A bad field refuses the whole update and changes nothing.
	_, err = f.m.Update(ctx, tok.ID, token.Update{Name: new("CRM v3"), Allow: &[]netip.Prefix{netip.MustParsePrefix("10.0.0.1/8")}})
	require.ErrorIs(t, err, token.ErrValidation)
	_, err = f.m.Update(ctx, tok.ID, token.Update{Name: new("CRM v3"), Quota: new(token.PerDay(-1))})
	require.ErrorIs(t, err, token.ErrValidation)
	got, err := f.m.Get(ctx, tok.ID)
	require.NoError(t, err)
	got.LastUsed = up.LastUsed // the Verify above recorded a use
	assert.Equal(t, up, got)

	// Expiry: a past one expires at once; clearing is explicit.
	_, err = f.m.Update(ctx, tok.ID, token.Update{Expires: new(f.clock.Now().Add(-time.Hour))})
	require.NoError(t, err)
	_, err = f.m.Verify(ctx, s, token.Request{Addr: netip.MustParseAddr("10.9.9.9"), Tenant: "nw"})
	require.ErrorIs(t, err, token.ErrExpired)
	_, err = f.m.Update(ctx, tok.ID, token.Update{Expires: new(time.Time{})})
	require.NoError(t, err)
	_, err = f.m.Verify(ctx, s, token.Request{Addr: netip.MustParseAddr("10.9.9.9"), Tenant: "nw"})
	require.NoError(t, err)

	_, err = f.m.Update(ctx, "no-such-id", token.Update{Disabled: new(true)})
	require.ErrorIs(t, err, token.ErrNotFound)

	// Get returns a copy: changing it changes nothing stored.
	got.Scopes[0] = "*"
	again, err := f.m.Get(ctx, tok.ID)
	require.NoError(t, err)
	assert.Equal(t, "a:read", again.Scopes[0])
}

func TestFixedNames(t *testing.T) {
	f := newFixture(t, token.WithFixedNames())
	_, tok := f.issue(t, token.Spec{Name: "fixed"})
	_, err := f.m.Update(ctx, tok.ID, token.Update{Name: new("renamed")})
	require.ErrorIs(t, err, token.ErrValidation)
	_, err = f.m.Update(ctx, tok.ID, token.Update{Name: new(" fixed "), Description: new("ok")})
	require.NoError(t, err, "the same name is not a rename")
}

func TestConcurrentUpdatesAllLand(t *testing.T) {
	f := newFixture(t)
	_, tok := f.issue(t, token.Spec{})
	var wg sync.WaitGroup
	errs := make([]error, 20)
	for i := range errs {
		wg.Go(func() {
			_, errs[i] = f.m.Update(ctx, tok.ID, token.Update{Metadata: &map[string]string{"n": "x"}})
		})
	}
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}
	got, err := f.m.Get(ctx, tok.ID)
	require.NoError(t, err)
	assert.Equal(t, tok.Version+20, got.Version, "no update was lost")
}

func TestRotate(t *testing.T) {
	f := newFixture(t)
	old, tok := f.issue(t, token.Spec{Quota: token.Total(100), Expires: f.clock.Now().Add(time.Hour)})
	_, err := f.m.Verify(ctx, old, token.Request{})
	require.NoError(t, err)

	s1, rot, err := f.m.Rotate(ctx, tok.ID, 10*time.Minute)
	require.NoError(t, err)
	assert.Equal(t, tok.ID, rot.ID)
	assert.NotEqual(t, tok.Hint, rot.Hint)
	for _, s := range []string{old, s1.Reveal()} {
		_, err = f.m.Verify(ctx, s, token.Request{})
		require.NoError(t, err)
	}
	u, err := f.m.Usage(ctx, tok.ID)
	require.NoError(t, err)
	assert.Equal(t, int64(3), u.Used, "rotation keeps usage")

	f.clock.Advance(10 * time.Minute)
	_, err = f.m.Verify(ctx, old, token.Request{})
	require.ErrorIs(t, err, token.ErrInvalid, "grace over")

	// A second rotation ends the first grace at once.
	_, _, err = f.m.Rotate(ctx, tok.ID, 0)
	require.NoError(t, err)
	_, err = f.m.Verify(ctx, s1.Reveal(), token.Request{})
	require.ErrorIs(t, err, token.ErrInvalid)

	// A grace never outlives the token's expiry.
	s3, _, err := f.m.Rotate(ctx, tok.ID, 24*time.Hour)
	require.NoError(t, err)
	_, _, err = f.m.Rotate(ctx, tok.ID, 24*time.Hour)
	require.NoError(t, err)
	rec, err := f.store.TokenByID(ctx, tok.ID)
	require.NoError(t, err)
	assert.Equal(t, tok.Expires, rec.PrevUntil)
	_, err = f.m.Verify(ctx, s3.Reveal(), token.Request{})
	require.NoError(t, err)

	_, _, err = f.m.Rotate(ctx, tok.ID, -time.Second)
	require.ErrorIs(t, err, token.ErrValidation)
}

func TestDelete(t *testing.T) {
	f := newFixture(t)
	s, tok := f.issue(t, token.Spec{Name: "doomed", Rate: token.PerSecond(1)})
	_, err := f.m.Verify(ctx, s, token.Request{})
	require.NoError(t, err)
	require.NoError(t, f.m.Delete(ctx, tok.ID))
	_, err = f.m.Verify(ctx, s, token.Request{})
	require.ErrorIs(t, err, token.ErrInvalid)
	require.ErrorIs(t, f.m.Delete(ctx, tok.ID), token.ErrNotFound)
	_, err = f.m.Get(ctx, tok.ID)
	require.ErrorIs(t, err, token.ErrNotFound)
	f.issue(t, token.Spec{Name: "doomed"})
}

func TestListPages(t *testing.T) {
	f := newFixture(t)
	for i := range 7 {
		spec := token.Spec{Name: "Sales " + string(rune('a'+i)), Kind: token.External, Tenant: "nw"}
		if i%2 == 1 {
			spec.Tenant = "other"
		}
		f.issue(t, spec)
	}
	f.issue(t, token.Spec{Name: "batch"})
	var names []string
	q := token.ListQuery{Tenant: "nw", NamePrefix: "SALES", Limit: 2}
	for {
		page, next, err := f.m.List(ctx, q)
		require.NoError(t, err)
		for _, tk := range page {
			names = append(names, tk.Name)
		}
		if next == "" {
			break
		}
		q.After = next
	}
	assert.Equal(t, []string{"Sales a", "Sales c", "Sales e", "Sales g"}, names)
	all, _, err := f.m.List(ctx, token.ListQuery{Kind: token.Internal})
	require.NoError(t, err)
	require.Len(t, all, 1)
	assert.Equal(t, "batch", all[0].Name)
}

func TestLastUsedIsCoalesced(t *testing.T) {
	f := newFixture(t, token.WithLastUsedInterval(time.Minute))
	s, tok := f.issue(t, token.Spec{})
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			for range 50 {
				_, _ = f.m.Verify(ctx, s, token.Request{})
			}
		})
	}
	wg.Wait()
	assert.Equal(t, int64(1), f.store.touch.Load(), "1000 requests, one write")
	got, err := f.m.Get(ctx, tok.ID)
	require.NoError(t, err)
	assert.True(t, got.LastUsed.Equal(f.clock.Now()))
	assert.Equal(t, tok.Version, got.Version, "recording use is not an edit")

	f.clock.Advance(30 * time.Second)
	_, err = f.m.Verify(ctx, s, token.Request{})
	require.NoError(t, err)
	assert.Equal(t, int64(1), f.store.touch.Load())
	f.clock.Advance(30 * time.Second)
	_, err = f.m.Verify(ctx, s, token.Request{})
	require.NoError(t, err)
	assert.Equal(t, int64(2), f.store.touch.Load())

	off := newFixture(t, token.WithLastUsedInterval(-1))
	s, _ = off.issue(t, token.Spec{})
	_, err = off.m.Verify(ctx, s, token.Request{})
	require.NoError(t, err)
	assert.Zero(t, off.store.touch.Load())
}

func TestStoreFailureFailsClosed(t *testing.T) {
	f := newFixture(t)
	s, _ := f.issue(t, token.Spec{})
	boom := errors.New("connection refused")
	f.store.failHash = boom
	res, err := f.m.Verify(ctx, s, token.Request{})
	require.ErrorIs(t, err, boom)
	assert.Nil(t, res.Token)
	for _, sentinel := range []error{token.ErrInvalid, token.ErrMissing, token.ErrDisabled} {
		assert.NotErrorIs(t, err, sentinel, "a store failure is not a token verdict")
	}
	assert.Equal(t, "store", token.Reason(err))
}

// nilStore returns no token and no error: a broken custom store.
type nilStore struct{ token.Store }

func (nilStore) TokenByHash(context.Context, token.Hash) (*token.Record, error) { return nil, nil }

func TestNilFromStoreIsAFault(t *testing.T) {
	m, err := token.NewManager(nilStore{memstore.New()})
	require.NoError(t, err)
	s, _, err := m.Issue(ctx, token.Spec{Name: "a", Kind: token.Internal})
	require.NoError(t, err)
	_, err = m.Verify(ctx, s.Reveal(), token.Request{})
	require.ErrorIs(t, err, token.ErrStoreFault)
}

func TestObserverSeesEventsWithoutSecrets(t *testing.T) {
	var mu sync.Mutex
	var events []token.Event
	f := newFixture(t, token.WithObserver(func(e token.Event) {
		mu.Lock()
		defer mu.Unlock()
		events = append(events, e)
	}))
	s, tok := f.issue(t, token.Spec{Name: "watched", Scopes: []string{"a:read"}})
	_, _ = f.m.Verify(ctx, s, token.Request{Addr: officeA, Scopes: []string{"a:read"}})
	_, _ = f.m.Verify(ctx, s, token.Request{Addr: officeA, Scopes: []string{"a:write"}})
	_, _ = f.m.Verify(ctx, "garbage", token.Request{Addr: officeA})
	_, _ = f.m.Update(ctx, tok.ID, token.Update{Description: new("x")})
	s2, _, _ := f.m.Rotate(ctx, tok.ID, 0)
	_ = f.m.SetMaintenance(ctx, true)
	_ = f.m.Delete(ctx, tok.ID)

	ops := make([]string, 0, len(events))
	for _, e := range events {
		ops = append(ops, string(e.Op)+":"+e.Reason())
		assert.Equal(t, f.clock.Now(), e.Time)
	}
	assert.Equal(t, []string{"issue:", "verify:", "verify:scope", "verify:invalid", "update:", "rotate:", "maintenance:", "delete:"}, ops)
	assert.Equal(t, tok.ID, events[1].TokenID)
	assert.Equal(t, "watched", events[1].TokenName)
	assert.Equal(t, officeA, events[1].Addr)
	assert.Empty(t, events[3].TokenID)
	assert.Equal(t, "watched", events[7].TokenName, "a deletion names the token it removed")

	var buf strings.Builder
	log := token.LogEvents(slogTo(&buf))
	for _, e := range events {
		log(e)
	}
	out := buf.String()
	assert.Contains(t, out, "scope")
	assert.NotContains(t, out, s)
	assert.NotContains(t, out, s2.Reveal())
}

func TestVeryHighRateStillLimits(t *testing.T) {
	// Beyond 10⁹ a second x/time/rate stops limiting: such rates are refused.
	f := newFixture(t)
	_, _, err := f.m.Issue(ctx, token.Spec{Name: "too fast", Kind: token.Internal, Rate: token.Rate{Events: 2_000_000_000, Interval: time.Second, Burst: 3}})
	require.ErrorIs(t, err, token.ErrValidation)
	s, _ := f.issue(t, token.Spec{Rate: token.Rate{Events: token.MaxRate, Interval: time.Second, Burst: 3}})
	for range 3 {
		_, err := f.m.Verify(ctx, s, token.Request{})
		require.NoError(t, err)
	}
	_, err = f.m.Verify(ctx, s, token.Request{})
	require.ErrorIs(t, err, token.ErrRateLimited, "the clock did not move: the burst is spent")
}

func TestPeriodText(t *testing.T) {
	for _, p := range []token.Period{token.Day, token.Month, token.Lifetime} {
		b, err := p.MarshalText()
		require.NoError(t, err)
		var back token.Period
		require.NoError(t, back.UnmarshalText(b))
		assert.Equal(t, p, back)
	}
	var p token.Period
	assert.ErrorIs(t, p.UnmarshalText([]byte("week")), token.ErrValidation)
	_, err := token.Period(0).MarshalText()
	assert.ErrorIs(t, err, token.ErrValidation)
}

func TestRefusalsReportQuotaState(t *testing.T) {
	f := newFixture(t)
	s, tok := f.issue(t, token.Spec{Name: "metered", Kind: token.External, Tenant: "nw", Scopes: []string{"a:read"},
		Allow: []netip.Prefix{netip.MustParsePrefix("192.168.1.0/24")}, Quota: token.PerDay(10), Rate: token.PerHour(1)})
	ok := token.Request{Addr: officeA, Tenant: "nw", Scopes: []string{"a:read"}}
	_, err := f.m.Verify(ctx, s, ok)
	require.NoError(t, err)
	for name, req := range map[string]token.Request{
		"address": {Addr: elsewhere, Tenant: "nw"},
		"tenant":  {Addr: officeA, Tenant: "other"},
		"scope":   {Addr: officeA, Tenant: "nw", Scopes: []string{"b:write"}},
		"rate":    ok,
	} {
		res, err := f.m.Verify(ctx, s, req)
		require.Error(t, err, name)
		assert.Equal(t, token.PerDay(10), res.Usage.Quota, name)
		assert.Equal(t, int64(1), res.Usage.Used, "%s: reported, not consumed", name)
		assert.Equal(t, int64(9), res.Usage.Remaining, name)
	}
	u, err := f.m.Usage(ctx, tok.ID)
	require.NoError(t, err)
	assert.Equal(t, int64(1), u.Used)
}

func TestUpdateIfVersion(t *testing.T) {
	f := newFixture(t)
	_, tok := f.issue(t, token.Spec{})
	up, err := f.m.Update(ctx, tok.ID, token.Update{Description: new("first"), IfVersion: tok.Version})
	require.NoError(t, err)
	assert.Equal(t, tok.Version+1, up.Version)
	_, err = f.m.Update(ctx, tok.ID, token.Update{Description: new("stale"), IfVersion: tok.Version})
	require.ErrorIs(t, err, token.ErrConflict)
	got, err := f.m.Get(ctx, tok.ID)
	require.NoError(t, err)
	assert.Equal(t, "first", got.Description, "a stale edit changes nothing")
}

func TestAllowAnyIsPerFamily(t *testing.T) {
	f := newFixture(t)
	v4only, _ := f.issue(t, token.Spec{Allow: []netip.Prefix{netip.MustParsePrefix("0.0.0.0/0")}})
	v6only, _ := f.issue(t, token.Spec{Allow: []netip.Prefix{netip.MustParsePrefix("::/0")}})
	v4, v6, mapped := netip.MustParseAddr("198.51.100.1"), netip.MustParseAddr("2001:db8::1"), netip.MustParseAddr("::ffff:198.51.100.1")
	check := func(secret string, addr netip.Addr, want error) {
		t.Helper()
		_, err := f.m.Verify(ctx, secret, token.Request{Addr: addr})
		if want == nil {
			assert.NoError(t, err, addr)
		} else {
			assert.ErrorIs(t, err, want, addr)
		}
	}
	check(v4only, v4, nil)
	check(v4only, mapped, nil)
	check(v4only, v6, token.ErrAddressNotAllowed)
	check(v6only, v6, nil)
	check(v6only, v4, token.ErrAddressNotAllowed)
	check(v6only, mapped, token.ErrAddressNotAllowed)
	check(v4only, netip.Addr{}, token.ErrAddressNotAllowed)
}

func TestRotationKeepsRateBucket(t *testing.T) {
	f := newFixture(t)
	old, tok := f.issue(t, token.Spec{Rate: token.PerHour(2)})
	_, err := f.m.Verify(ctx, old, token.Request{})
	require.NoError(t, err)
	fresh, _, err := f.m.Rotate(ctx, tok.ID, 0)
	require.NoError(t, err)
	_, err = f.m.Verify(ctx, fresh.Reveal(), token.Request{})
	require.NoError(t, err)
	_, err = f.m.Verify(ctx, fresh.Reveal(), token.Request{})
	require.ErrorIs(t, err, token.ErrRateLimited, "a new secret does not refill the bucket")
}
