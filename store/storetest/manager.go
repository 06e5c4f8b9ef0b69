package storetest

import (
	"errors"
	"net/netip"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenwarden/tokenwarden/internal/testclock"
	"github.com/tokenwarden/tokenwarden/token"
)

var managerTests = []test{
	{"issued_token_verifies", testManagerIssueVerify},
	{"unknown_secret_is_ErrInvalid", testManagerUnknownSecret},
	{"rotated_secret_works_until_the_grace_ends", testManagerRotateGrace},
	{"rotation_without_grace_stops_the_old_secret_at_once", testManagerRotateNoGrace},
	{"second_rotation_ends_the_first_grace_at_once", testManagerRotateTwice},
	{"deleted_token_is_ErrInvalid_at_once", testManagerDelete},
	{"update_takes_effect_at_the_next_Verify", testManagerUpdate},
	{"role_edit_changes_the_scopes_of_its_tokens_at_once", testManagerRoleEdit},
	{"maintenance_switch_refuses_every_request", testManagerMaintenance},
	{"verify_records_LastUsed", testManagerLastUsed},
	{"daily_quota_admits_exactly_the_limit_under_concurrent_Verify_and_resets_at_midnight", testManagerDailyQuota},
}

// clock is the shared manual test clock.
type clock = testclock.Clock

// newManager returns a Manager over s on a clock set to base.
func newManager(t *testing.T, s token.Store) (*token.Manager, *clock) {
	t.Helper()
	c := testclock.New(base)
	m, err := token.NewManager(s, token.WithClock(c.Now))
	require.NoError(t, err)
	return m, c
}

// issue issues a token from spec and returns its plaintext secret.
func issue(t *testing.T, m *token.Manager, spec token.Spec) (string, *token.Token) {
	t.Helper()
	sec, tok, err := m.Issue(t.Context(), spec)
	require.NoError(t, err, "Issue %q", spec.Name)
	require.NotNil(t, tok)
	return sec.Reveal(), tok
}

// verify runs Verify and returns its error, checking that an admitted
// request names the expected token.
func verify(t *testing.T, m *token.Manager, secret string, req token.Request, wantID string) error {
	t.Helper()
	res, err := m.Verify(t.Context(), secret, req)
	if err == nil {
		require.NotNil(t, res.Token)
		assert.Equal(t, wantID, res.Token.ID, "Verify admitted the wrong token")
	}
	return err
}

var northwindReq = token.Request{
	Addr:   netip.MustParseAddr("192.168.1.20"),
	Tenant: "northwind",
	Scopes: []string{"clients:read"},
}

var northwindSpec = token.Spec{
	Name:   "Sales CRM integration",
	Kind:   token.External,
	Tenant: "northwind",
	Scopes: []string{"clients:read", "case-notes:write"},
	Allow:  []netip.Prefix{netip.MustParsePrefix("192.168.1.0/24"), netip.MustParsePrefix("2001:db8::/32")},
}

func testManagerIssueVerify(t *testing.T, s token.Store) {
	m, _ := newManager(t, s)
	spec := northwindSpec
	spec.Expires = at(24 * time.Hour)
	spec.Rate = token.PerSecond(100)
	spec.Metadata = map[string]string{"owner": "ops"}
	secret, tok := issue(t, m, spec)
	require.NoError(t, verify(t, m, secret, northwindReq, tok.ID))
	v6 := northwindReq
	v6.Addr = netip.MustParseAddr("2001:db8::1")
	require.NoError(t, verify(t, m, secret, v6, tok.ID))

	got, err := m.Get(t.Context(), tok.ID)
	require.NoError(t, err)
	assert.Equal(t, tok.Name, got.Name)
	assert.Equal(t, spec.Scopes, got.Scopes)
	assert.Equal(t, spec.Allow, got.Allow)
	assertTime(t, spec.Expires, got.Expires, "Expires")

	// The store answers for the checks that follow the lookup.
	other := northwindReq
	other.Tenant = "contoso"
	assert.ErrorIs(t, verify(t, m, secret, other, tok.ID), token.ErrTenant)
	outside := northwindReq
	outside.Addr = netip.MustParseAddr("10.0.0.1")
	assert.ErrorIs(t, verify(t, m, secret, outside, tok.ID), token.ErrAddressNotAllowed)

	_, _, err = m.Issue(t.Context(), token.Spec{Name: "SALES CRM INTEGRATION", Kind: token.Internal})
	assert.ErrorIs(t, err, token.ErrDuplicate)
}

func testManagerUnknownSecret(t *testing.T, s token.Store) {
	m, _ := newManager(t, s)
	issue(t, m, northwindSpec)
	assert.ErrorIs(t, verify(t, m, newSecret(t).Reveal(), northwindReq, ""), token.ErrInvalid)
}

func testManagerRotateGrace(t *testing.T, s token.Store) {
	m, c := newManager(t, s)
	old, tok := issue(t, m, northwindSpec)
	c.Advance(time.Hour)
	const grace = 10 * time.Minute
	sec, rotated, err := m.Rotate(t.Context(), tok.ID, grace)
	require.NoError(t, err)
	cur := sec.Reveal()
	assert.Equal(t, tok.ID, rotated.ID, "rotation keeps the id")
	assert.NotEqual(t, tok.Hint, rotated.Hint)

	require.NoError(t, verify(t, m, cur, northwindReq, tok.ID))
	require.NoError(t, verify(t, m, old, northwindReq, tok.ID), "old secret at the start of the grace")
	c.Advance(grace - time.Microsecond)
	require.NoError(t, verify(t, m, old, northwindReq, tok.ID), "old secret one microsecond before the grace ends")
	c.Advance(time.Microsecond)
	assert.ErrorIs(t, verify(t, m, old, northwindReq, tok.ID), token.ErrInvalid, "old secret when the grace ends")
	require.NoError(t, verify(t, m, cur, northwindReq, tok.ID))
}

func testManagerRotateNoGrace(t *testing.T, s token.Store) {
	m, _ := newManager(t, s)
	old, tok := issue(t, m, northwindSpec)
	sec, _, err := m.Rotate(t.Context(), tok.ID, 0)
	require.NoError(t, err)
	assert.ErrorIs(t, verify(t, m, old, northwindReq, tok.ID), token.ErrInvalid)
	require.NoError(t, verify(t, m, sec.Reveal(), northwindReq, tok.ID))
}

func testManagerRotateTwice(t *testing.T, s token.Store) {
	m, c := newManager(t, s)
	first, tok := issue(t, m, northwindSpec)
	sec, _, err := m.Rotate(t.Context(), tok.ID, time.Hour)
	require.NoError(t, err)
	second := sec.Reveal()
	c.Advance(time.Minute)
	sec, _, err = m.Rotate(t.Context(), tok.ID, time.Hour)
	require.NoError(t, err)
	third := sec.Reveal()

	assert.ErrorIs(t, verify(t, m, first, northwindReq, tok.ID), token.ErrInvalid, "the first grace ended with the second rotation")
	require.NoError(t, verify(t, m, second, northwindReq, tok.ID), "the second secret has its own grace")
	require.NoError(t, verify(t, m, third, northwindReq, tok.ID))
}

func testManagerDelete(t *testing.T, s token.Store) {
	m, _ := newManager(t, s)
	old, tok := issue(t, m, northwindSpec)
	sec, _, err := m.Rotate(t.Context(), tok.ID, time.Hour)
	require.NoError(t, err)
	require.NoError(t, verify(t, m, sec.Reveal(), northwindReq, tok.ID))
	require.NoError(t, m.Delete(t.Context(), tok.ID))
	assert.ErrorIs(t, verify(t, m, sec.Reveal(), northwindReq, tok.ID), token.ErrInvalid, "current secret")
	assert.ErrorIs(t, verify(t, m, old, northwindReq, tok.ID), token.ErrInvalid, "secret in its grace")
	_, err = m.Get(t.Context(), tok.ID)
	assert.ErrorIs(t, err, token.ErrNotFound)
	assert.ErrorIs(t, m.Delete(t.Context(), tok.ID), token.ErrNotFound)
}

func testManagerUpdate(t *testing.T, s token.Store) {
	m, c := newManager(t, s)
	secret, tok := issue(t, m, northwindSpec)
	ctx := t.Context()
	write := northwindReq
	write.Scopes = []string{"clients:write"}

	assert.ErrorIs(t, verify(t, m, secret, write, tok.ID), token.ErrScope)
	_, err := m.Update(ctx, tok.ID, token.Update{Scopes: new([]string{"clients:read", "clients:write"})})
	require.NoError(t, err)
	require.NoError(t, verify(t, m, secret, write, tok.ID), "scope added")

	_, err = m.Update(ctx, tok.ID, token.Update{Disabled: new(true)})
	require.NoError(t, err)
	assert.ErrorIs(t, verify(t, m, secret, northwindReq, tok.ID), token.ErrDisabled)
	_, err = m.Update(ctx, tok.ID, token.Update{Disabled: new(false)})
	require.NoError(t, err)
	require.NoError(t, verify(t, m, secret, northwindReq, tok.ID), "enabled again")

	_, err = m.Update(ctx, tok.ID, token.Update{Allow: new([]netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")})})
	require.NoError(t, err)
	assert.ErrorIs(t, verify(t, m, secret, northwindReq, tok.ID), token.ErrAddressNotAllowed)
	_, err = m.Update(ctx, tok.ID, token.Update{Allow: new([]netip.Prefix(nil))})
	require.NoError(t, err)
	require.NoError(t, verify(t, m, secret, northwindReq, tok.ID), "empty allowlist admits any address")

	_, err = m.Update(ctx, tok.ID, token.Update{Expires: new(c.Now())})
	require.NoError(t, err)
	assert.ErrorIs(t, verify(t, m, secret, northwindReq, tok.ID), token.ErrExpired)
	_, err = m.Update(ctx, tok.ID, token.Update{Expires: new(time.Time{})})
	require.NoError(t, err)
	require.NoError(t, verify(t, m, secret, northwindReq, tok.ID), "expiry cleared")

	got, err := m.Get(ctx, tok.ID)
	require.NoError(t, err)
	assert.EqualValues(t, 8, got.Version, "seven updates")
}

func testManagerRoleEdit(t *testing.T, s token.Store) {
	m, _ := newManager(t, s)
	ctx := t.Context()
	_, err := m.PutRole(ctx, token.Role{Name: "crm reader", Scopes: []string{"clients:read"}})
	require.NoError(t, err)
	spec := northwindSpec
	spec.Scopes = nil
	spec.Role = "crm reader"
	secret, tok := issue(t, m, spec)
	write := northwindReq
	write.Scopes = []string{"clients:write"}

	require.NoError(t, verify(t, m, secret, northwindReq, tok.ID), "scope from the role")
	assert.ErrorIs(t, verify(t, m, secret, write, tok.ID), token.ErrScope)
	_, err = m.PutRole(ctx, token.Role{Name: "crm reader", Scopes: []string{"clients:*"}})
	require.NoError(t, err)
	require.NoError(t, verify(t, m, secret, write, tok.ID), "role widened")
	_, err = m.PutRole(ctx, token.Role{Name: "crm reader", Scopes: []string{"reports:read"}})
	require.NoError(t, err)
	assert.ErrorIs(t, verify(t, m, secret, northwindReq, tok.ID), token.ErrScope, "role narrowed")

	assert.ErrorIs(t, m.DeleteRole(ctx, "crm reader"), token.ErrRoleInUse)
	_, err = m.Update(ctx, tok.ID, token.Update{Role: new("")})
	require.NoError(t, err)
	require.NoError(t, m.DeleteRole(ctx, "crm reader"))
	_, _, err = m.Issue(ctx, token.Spec{Name: "late", Kind: token.Internal, Role: "crm reader"})
	assert.ErrorIs(t, err, token.ErrUnknownRole)
}

func testManagerMaintenance(t *testing.T, s token.Store) {
	m, _ := newManager(t, s)
	secret, tok := issue(t, m, northwindSpec)
	ctx := t.Context()
	require.NoError(t, m.SetMaintenance(ctx, true))
	for _, sec := range []string{secret, "", "garbage", newSecret(t).Reveal()} {
		assert.ErrorIs(t, verify(t, m, sec, northwindReq, tok.ID), token.ErrMaintenance, "secret %q", sec)
	}
	on, err := m.Maintenance(ctx)
	require.NoError(t, err)
	assert.True(t, on)

	// A second Manager on the same store sees the switch.
	m2, _ := newManager(t, s)
	assert.ErrorIs(t, verify(t, m2, secret, northwindReq, tok.ID), token.ErrMaintenance)
	require.NoError(t, m2.SetMaintenance(ctx, false))
	require.NoError(t, verify(t, m, secret, northwindReq, tok.ID))
}

func testManagerLastUsed(t *testing.T, s token.Store) {
	m, c := newManager(t, s)
	secret, tok := issue(t, m, northwindSpec)
	assert.True(t, tok.LastUsed.IsZero())
	c.Advance(time.Hour)
	require.NoError(t, verify(t, m, secret, northwindReq, tok.ID))
	got, err := m.Get(t.Context(), tok.ID)
	require.NoError(t, err)
	assertTime(t, c.Now(), got.LastUsed, "LastUsed")
	assert.EqualValues(t, 1, got.Version, "recording a use is not an edit")
}

func testManagerDailyQuota(t *testing.T, s token.Store) {
	const workers, perWorker, limit = 50, 4, 120
	m, c := newManager(t, s)
	ctx := t.Context()
	spec := northwindSpec
	spec.Quota = token.PerDay(limit)
	secret, tok := issue(t, m, spec)
	midnight := day(1)

	errs := make([][]error, workers)
	parallel(workers, func(w int) {
		for range perWorker {
			_, err := m.Verify(ctx, secret, northwindReq)
			errs[w] = append(errs[w], err)
		}
	})
	admitted, denied := 0, 0
	for w := range errs {
		for _, err := range errs[w] {
			switch {
			case err == nil:
				admitted++
			case assert.ErrorIs(t, err, token.ErrQuotaExceeded, "worker %d", w):
				denied++
				retry, ok := token.RetryAfter(err)
				assert.True(t, ok)
				assert.Equal(t, midnight.Sub(base), retry, "retry at midnight")
			}
		}
	}
	assert.Equal(t, limit, admitted, "exactly the daily limit is admitted")
	assert.Equal(t, workers*perWorker-limit, denied)

	u, err := m.Usage(ctx, tok.ID)
	require.NoError(t, err)
	assert.EqualValues(t, limit, u.Used)
	assert.Zero(t, u.Remaining)
	assertTime(t, midnight, u.Reset, "Reset")

	c.Set(midnight.Add(-time.Microsecond))
	_, err = m.Verify(ctx, secret, northwindReq)
	var le *token.LimitError
	require.True(t, errors.As(err, &le), "one microsecond before midnight: %v", err)
	assert.ErrorIs(t, err, token.ErrQuotaExceeded)

	c.Set(midnight)
	res, err := m.Verify(ctx, secret, northwindReq)
	require.NoError(t, err, "a new day")
	assert.EqualValues(t, 1, res.Usage.Used)
	assert.EqualValues(t, limit-1, res.Usage.Remaining)
	assertTime(t, midnight, res.Usage.Start, "Start")
	assertTime(t, day(2), res.Usage.Reset, "Reset")
}
