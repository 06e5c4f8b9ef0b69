package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Tokens and usage survive a restart: each run opens and closes the file,
// and only the file carries state from one run to the next.
func TestTokensAndUsageSurviveRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tokens.db")
	now := time.Date(2026, time.March, 14, 10, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }

	var first strings.Builder
	require.NoError(t, run(t.Context(), &first, path, "", 3, clock))
	var secret string
	for _, l := range strings.Split(first.String(), "\n") {
		if s, ok := strings.CutPrefix(l, "token: "); ok {
			secret = s
		}
	}
	require.True(t, strings.HasPrefix(secret, "demo_"), first.String())
	assert.Contains(t, first.String(), "usage: 3 of 1000 today, 997 remaining, resets 2026-03-15T00:00:00Z")

	now = now.Add(time.Hour)
	var second strings.Builder
	require.NoError(t, run(t.Context(), &second, path, secret, 2, clock))
	assert.NotContains(t, second.String(), "token: ", "a later run issued a new token")
	assert.Contains(t, second.String(), `found "sqlite example"`)
	assert.Contains(t, second.String(), "usage: 5 of 1000 today, 995 remaining")

	var third strings.Builder
	require.NoError(t, run(t.Context(), &third, path, "", 3, clock))
	assert.Contains(t, third.String(), "no -token given")
	assert.Contains(t, third.String(), "usage: 5 of 1000 today")

	// The next day's window starts from zero.
	now = now.Add(24 * time.Hour)
	var fourth strings.Builder
	require.NoError(t, run(t.Context(), &fourth, path, secret, 1, clock))
	assert.Contains(t, fourth.String(), "usage: 1 of 1000 today")

	// A wrong secret is refused.
	err := run(t.Context(), &strings.Builder{}, path, "demo_"+strings.Repeat("0", 38), 1, clock)
	require.Error(t, err)

	// Nothing on disk holds the plaintext secret.
	files, err := filepath.Glob(path + "*")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, f := range files {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		assert.False(t, bytes.Contains(b, []byte(secret)), "%s holds the secret", f)
		assert.False(t, bytes.Contains(b, []byte(secret[5:])), "%s holds the secret's random part", f)
	}
}
