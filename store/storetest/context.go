package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenwarden/tokenwarden/token"
)

var contextTests = []test{
	{"cancelled_ctx_fails_every_method_with_context_Canceled", func(t *testing.T, s token.Store) {
		testContext(t, s, cancelled(), context.Canceled)
	}},
	{"expired_ctx_fails_every_method_with_context_DeadlineExceeded", func(t *testing.T, s token.Store) {
		testContext(t, s, expired(t), context.DeadlineExceeded)
	}},
}

// testContext calls every Store method with a done ctx, checks the error
// wraps want, and then checks that the writes changed nothing.
func testContext(t *testing.T, s token.Store, ctx context.Context, want error) {
	mustPutRole(t, s, "reader", base, "clients:read")
	r := newRecord(t, "existing")
	r.Token.Role = "reader"
	mustCreate(t, s, r)
	consume(t, s, r.Token.ID, day(0), 10, 3)
	before := mustGet(t, s, r.Token.ID).Clone()
	fresh := newRecord(t, "never created")

	calls := []struct {
		method string
		call   func() error
	}{
		{"CreateToken", func() error { return s.CreateToken(ctx, fresh.Clone()) }},
		{"TokenByID", func() error { _, err := s.TokenByID(ctx, r.Token.ID); return err }},
		{"TokenByHash", func() error { _, err := s.TokenByHash(ctx, r.Hash); return err }},
		{"UpdateToken", func() error {
			u := before.Clone()
			u.Token.Description = "changed"
			u.Token.Role = ""
			return s.UpdateToken(ctx, u)
		}},
		{"DeleteToken", func() error { return s.DeleteToken(ctx, r.Token.ID) }},
		{"ListTokens", func() error { _, err := s.ListTokens(ctx, token.ListQuery{}); return err }},
		{"TouchToken", func() error { return s.TouchToken(ctx, r.Token.ID, at(time.Hour)) }},
		{"PutRole", func() error {
			_, err := s.PutRole(ctx, &token.Role{Name: "writer", Created: base, Updated: base})
			return err
		}},
		{"RoleByName", func() error { _, err := s.RoleByName(ctx, "reader"); return err }},
		{"DeleteRole", func() error { return s.DeleteRole(ctx, "reader") }},
		{"ListRoles", func() error { _, err := s.ListRoles(ctx); return err }},
		{"ConsumeQuota", func() error { _, _, err := s.ConsumeQuota(ctx, r.Token.ID, day(0), 10, 1); return err }},
		{"ReleaseQuota", func() error { return s.ReleaseQuota(ctx, r.Token.ID, day(0), 1) }},
		{"QuotaUsed", func() error { _, err := s.QuotaUsed(ctx, r.Token.ID, day(0)); return err }},
		{"SetMaintenance", func() error { return s.SetMaintenance(ctx, true) }},
		{"Maintenance", func() error { _, err := s.Maintenance(ctx); return err }},
	}
	for _, c := range calls {
		err := c.call()
		require.Error(t, err, "%s with a done ctx", c.method)
		assert.ErrorIs(t, err, want, "%s with a done ctx: %v", c.method, err)
	}

	// Nothing was written.
	requireNotFoundByID(t, s, fresh.Token.ID)
	assertRecord(t, before, mustGet(t, s, r.Token.ID))
	roles := listRoles(t, s)
	assert.Equal(t, []string{"reader"}, roleNames(roles))
	assert.EqualValues(t, 3, used(t, s, r.Token.ID, day(0)))
	assert.False(t, maintenance(t, s))
}
