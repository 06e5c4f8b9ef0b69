package storetest

import (
	"context"
	"fmt"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenwarden/tokenwarden/token"
)

// base is the time every record is built around: UTC, whole microseconds,
// as the Manager stamps times and as SQL stores keep them.
var base = time.Date(2026, time.March, 14, 9, 26, 53, 589793000, time.UTC)

// at returns base moved by d, truncated to microseconds.
func at(d time.Duration) time.Time { return base.Add(d).Truncate(time.Microsecond) }

// day is the start of a day window, as Quota.Window computes it in UTC.
func day(n int) time.Time {
	return time.Date(2026, time.March, 14+n, 0, 0, 0, 0, time.UTC)
}

// newID returns a fresh token ID, as Manager.Issue assigns one.
func newID(t *testing.T) string {
	t.Helper()
	id, err := uuid.NewV7()
	require.NoError(t, err)
	return id.String()
}

// newSecret returns a fresh secret with the default prefix.
func newSecret(t *testing.T) token.Secret {
	t.Helper()
	s, err := token.NewSecret(token.DefaultPrefix)
	require.NoError(t, err)
	return s
}

// newHash returns the hash of a fresh secret.
func newHash(t *testing.T) token.Hash {
	t.Helper()
	return token.HashSecret(newSecret(t))
}

// newRecord returns a minimal valid internal token named name: version 1,
// created at base, with the hash and hint of a fresh secret.
func newRecord(t *testing.T, name string) *token.Record {
	t.Helper()
	sec := newSecret(t)
	return &token.Record{
		Token: token.Token{
			ID:      newID(t),
			Name:    name,
			Kind:    token.Internal,
			Hint:    sec.Hint(),
			Created: base,
			Updated: base,
			Version: 1,
		},
		Hash: token.HashSecret(sec),
	}
}

// newExternal returns a minimal valid external token of tenant.
func newExternal(t *testing.T, name, tenant string) *token.Record {
	t.Helper()
	r := newRecord(t, name)
	r.Token.Kind, r.Token.Tenant = token.External, tenant
	return r
}

// fullRecord returns a token with every field of Record set to a value
// that is easy to lose in a store: unicode and quotes in text, IPv4 and
// IPv6 ranges including both "any" ranges, a previous hash, microsecond
// times. Its role must exist before it is created.
func fullRecord(t *testing.T, name, role string) *token.Record {
	t.Helper()
	sec := newSecret(t)
	return &token.Record{
		Token: token.Token{
			ID:          newID(t),
			Name:        name,
			Description: "Nightly batch — «ñ» 'single' \"double\" `back` \\ %_\nsecond line",
			Kind:        token.External,
			Tenant:      "northwind-Ω",
			Role:        role,
			Scopes:      []string{"clients:read", "cb-wallets:*", "case-notes:write", "*"},
			Allow: []netip.Prefix{
				netip.MustParsePrefix("192.168.1.0/24"),
				netip.MustParsePrefix("203.0.113.45/32"),
				netip.MustParsePrefix("2001:db8::/32"),
				netip.MustParsePrefix("2001:db8:1::7/128"),
				netip.MustParsePrefix("0.0.0.0/0"),
				netip.MustParsePrefix("::/0"),
			},
			Expires:  at(90 * 24 * time.Hour),
			Quota:    token.PerMonth(123_456_789_012),
			Rate:     token.PerMinute(30).WithBurst(5),
			Metadata: map[string]string{"owner": "ops@northwind.example", "ticket": "CRM-42", "ñ": "«x»", "empty": ""},
			Disabled: true,
			Hint:     sec.Hint(),
			Created:  at(-48 * time.Hour),
			Updated:  at(-time.Hour),
			LastUsed: at(-time.Minute + 7*time.Microsecond),
			Version:  1,
		},
		Hash:      token.HashSecret(sec),
		HashKey:   "pepper-2026",
		Prev:      newHash(t),
		PrevKey:   "pepper-2025",
		PrevUntil: at(36 * time.Hour),
	}
}

// mustCreate saves r and returns it.
func mustCreate(t *testing.T, s token.Store, r *token.Record) *token.Record {
	t.Helper()
	require.NoError(t, s.CreateToken(t.Context(), r), "CreateToken %q", r.Token.Name)
	return r
}

// mustGet returns the stored token with that ID.
func mustGet(t *testing.T, s token.Store, id string) *token.Record {
	t.Helper()
	r, err := s.TokenByID(t.Context(), id)
	require.NoError(t, err, "TokenByID %s", id)
	require.NotNil(t, r, "TokenByID %s returned no record and no error", id)
	return r
}

// mustGetByHash returns the stored token with that hash (current or previous).
func mustGetByHash(t *testing.T, s token.Store, h token.Hash) *token.Record {
	t.Helper()
	r, err := s.TokenByHash(t.Context(), h)
	require.NoError(t, err, "TokenByHash %s", h)
	require.NotNil(t, r, "TokenByHash %s returned no record and no error", h)
	return r
}

// mustUpdate saves a changed copy of the stored token with that ID, made
// by change, and returns the copy (holding the new version).
func mustUpdate(t *testing.T, s token.Store, id string, change func(r *token.Record)) *token.Record {
	t.Helper()
	r := mustGet(t, s, id).Clone()
	change(r)
	require.NoError(t, s.UpdateToken(t.Context(), r), "UpdateToken %s", id)
	return r
}

// mustPutRole saves a role with those scopes, created and updated at when.
func mustPutRole(t *testing.T, s token.Store, name string, when time.Time, scopes ...string) *token.Role {
	t.Helper()
	saved, err := s.PutRole(t.Context(), &token.Role{Name: name, Scopes: scopes, Created: when, Updated: when})
	require.NoError(t, err, "PutRole %q", name)
	require.NotNil(t, saved, "PutRole %q returned no role and no error", name)
	return saved
}

// requireNotFoundByID fails unless the store has no token with that ID.
func requireNotFoundByID(t *testing.T, s token.Store, id string) {
	t.Helper()
	r, err := s.TokenByID(t.Context(), id)
	require.ErrorIs(t, err, token.ErrNotFound, "TokenByID %s", id)
	require.Nil(t, r, "TokenByID %s returned a record with its error", id)
}

// requireNotFoundByHash fails unless no token has that hash.
func requireNotFoundByHash(t *testing.T, s token.Store, h token.Hash) {
	t.Helper()
	r, err := s.TokenByHash(t.Context(), h)
	require.ErrorIs(t, err, token.ErrNotFound, "TokenByHash %s", h)
	require.Nil(t, r, "TokenByHash %s returned a record with its error", h)
}

// assertRecord checks every field of got against want. Times compare as
// instants (time.Equal), so a store may return them in any location; empty
// and nil slices and maps are the same.
func assertRecord(t *testing.T, want, got *token.Record) {
	t.Helper()
	require.NotNil(t, got)
	w, g := &want.Token, &got.Token
	assert.Equal(t, w.ID, g.ID, "Token.ID")
	assert.Equal(t, w.Name, g.Name, "Token.Name")
	assert.Equal(t, w.Description, g.Description, "Token.Description")
	assert.Equal(t, w.Kind, g.Kind, "Token.Kind")
	assert.Equal(t, w.Tenant, g.Tenant, "Token.Tenant")
	assert.Equal(t, w.Role, g.Role, "Token.Role")
	assertList(t, w.Scopes, g.Scopes, "Token.Scopes")
	assertList(t, prefixStrings(w.Allow), prefixStrings(g.Allow), "Token.Allow")
	assertList(t, w.Allow, g.Allow, "Token.Allow (netip values)")
	assertTime(t, w.Expires, g.Expires, "Token.Expires")
	assert.Equal(t, w.Quota, g.Quota, "Token.Quota")
	assert.Equal(t, w.Rate, g.Rate, "Token.Rate")
	if len(w.Metadata) == 0 {
		assert.Empty(t, g.Metadata, "Token.Metadata")
	} else {
		assert.Equal(t, w.Metadata, g.Metadata, "Token.Metadata")
	}
	assert.Equal(t, w.Disabled, g.Disabled, "Token.Disabled")
	assert.Equal(t, w.Hint, g.Hint, "Token.Hint")
	assertTime(t, w.Created, g.Created, "Token.Created")
	assertTime(t, w.Updated, g.Updated, "Token.Updated")
	assertTime(t, w.LastUsed, g.LastUsed, "Token.LastUsed")
	assert.Equal(t, w.Version, g.Version, "Token.Version")
	assert.Equal(t, want.Hash, got.Hash, "Hash")
	assert.Equal(t, want.HashKey, got.HashKey, "HashKey")
	assert.Equal(t, want.Prev, got.Prev, "Prev")
	assert.Equal(t, want.PrevKey, got.PrevKey, "PrevKey")
	assertTime(t, want.PrevUntil, got.PrevUntil, "PrevUntil")
}

// assertRole checks every field of got against want.
func assertRole(t *testing.T, want, got *token.Role) {
	t.Helper()
	require.NotNil(t, got)
	assert.Equal(t, want.Name, got.Name, "Role.Name")
	assert.Equal(t, want.Description, got.Description, "Role.Description")
	assertList(t, want.Scopes, got.Scopes, "Role.Scopes")
	assertTime(t, want.Created, got.Created, "Role.Created")
	assertTime(t, want.Updated, got.Updated, "Role.Updated")
}

// assertList compares two lists in order, treating nil and empty alike.
func assertList[T any](t *testing.T, want, got []T, field string) {
	t.Helper()
	if len(want) == 0 {
		assert.Empty(t, got, field)
		return
	}
	assert.Equal(t, want, got, field)
}

// assertTime compares two times as instants; a zero time must stay zero.
func assertTime(t *testing.T, want, got time.Time, field string) {
	t.Helper()
	if want.IsZero() {
		assert.True(t, got.IsZero(), "%s: want the zero time, got %v", field, got)
		return
	}
	assert.True(t, want.Equal(got), "%s: want %v, got %v", field, want.Format(time.RFC3339Nano), got.Format(time.RFC3339Nano))
}

func prefixStrings(ps []netip.Prefix) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.String()
	}
	return out
}

// ids returns the token IDs of rs in order.
func ids(rs []*token.Record) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.Token.ID
	}
	return out
}

// names returns the token names of rs in order.
func names(rs []*token.Record) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.Token.Name
	}
	return out
}

// parallel runs fn(i) for i in [0, n) on n goroutines released together,
// and returns once all have finished. fn must not call require or t.Fatal:
// it records its outcome for the caller to assert after parallel returns.
func parallel(n int, fn func(i int)) {
	var ready, done sync.WaitGroup
	start := make(chan struct{})
	ready.Add(n)
	done.Add(n)
	for i := range n {
		go func() {
			defer done.Done()
			ready.Done()
			<-start
			fn(i)
		}()
	}
	ready.Wait()
	close(start)
	done.Wait()
}

// cancelled returns a context that is already cancelled.
func cancelled() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}

// expired returns a context whose deadline has passed.
func expired(t *testing.T) context.Context {
	ctx, cancel := context.WithDeadline(context.Background(), time.Unix(0, 0))
	t.Cleanup(cancel)
	return ctx
}

// nameN returns a distinct, sortable token name.
func nameN(prefix string, i int) string { return fmt.Sprintf("%s %04d", prefix, i) }
