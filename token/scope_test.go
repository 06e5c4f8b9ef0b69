package token_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenwarden/tokenwarden/token"
)

func TestValidateScope(t *testing.T) {
	for _, ok := range []string{"*", "clients:read", "cb-wallets:*", "case-notes:write", "reports:monthly:read", "a.b:c_d", "x:y:*"} {
		assert.NoError(t, token.ValidateScope(ok), ok)
	}
	bad := map[string]string{
		"":                 "empty",
		"clients":          "resource:action",
		"clients:":         "empty segment",
		":read":            "empty segment",
		"a::b":             "empty segment",
		"clients :read":    "not allowed",
		"clients:read ":    "not allowed",
		"clients:re ad":    "not allowed",
		"*:read":           "last segment",
		"a:*:b":            "last segment",
		"clients:réad":     "not allowed",
		"clients:read\n":   "not allowed",
		"clients:*x":       "not allowed",
		"**":               "resource:action",
		"clients:read/all": "not allowed",
	}
	for s, why := range bad {
		err := token.ValidateScope(s)
		require.ErrorIs(t, err, token.ErrValidation, "%q", s)
		assert.Contains(t, err.Error(), why, "%q", s)
		assert.Contains(t, err.Error(), "scope", "the error names the scope")
	}
}

func TestScopeCovers(t *testing.T) {
	cases := []struct {
		granted, required string
		want              bool
	}{
		{"clients:read", "clients:read", true},
		{"clients:read", "clients:write", false},
		{"clients:*", "clients:read", true},
		{"clients:*", "clients:notes:write", true},
		{"clients:*", "clientsx:read", false},
		{"clients:*", "clients", false},
		{"*", "anything:at:all", true},
		{"clients:read", "Clients:read", false},
		{"clients:notes:*", "clients:notes:read", true},
		{"clients:notes:*", "clients:read", false},
		{"clients:*", "clients:*", true},
		{"clients:read", "clients:*", false},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, token.ScopeCovers(c.granted, c.required), "%q covers %q", c.granted, c.required)
	}
}
