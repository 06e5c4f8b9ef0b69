package storetest

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenwarden/tokenwarden/token"
)

var maintenanceTests = []test{
	{"off_by_default", testMaintenanceDefault},
	{"on_and_off_round_trip", testMaintenanceRoundTrip},
}

func maintenance(t *testing.T, s token.Store) bool {
	t.Helper()
	on, err := s.Maintenance(t.Context())
	require.NoError(t, err)
	return on
}

func testMaintenanceDefault(t *testing.T, s token.Store) {
	assert.False(t, maintenance(t, s))
	// Tokens and roles do not touch it.
	mustPutRole(t, s, "reader", base, "clients:read")
	mustCreate(t, s, newRecord(t, "token"))
	assert.False(t, maintenance(t, s))
}

func testMaintenanceRoundTrip(t *testing.T, s token.Store) {
	ctx := t.Context()
	for i, on := range []bool{true, true, false, false, true, false} {
		require.NoError(t, s.SetMaintenance(ctx, on), "step %d", i)
		assert.Equal(t, on, maintenance(t, s), "step %d", i)
	}
}
