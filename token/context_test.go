package token_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenwarden/tokenwarden/token"
)

func TestContextCarriesToken(t *testing.T) {
	_, ok := token.FromContext(context.Background())
	assert.False(t, ok)
	_, ok = token.FromContext(token.NewContext(context.Background(), nil))
	assert.False(t, ok, "a nil token is no token")
	tok := &token.Token{ID: "x", Name: "n"}
	got, ok := token.FromContext(token.NewContext(context.Background(), tok))
	require.True(t, ok)
	assert.Same(t, tok, got)
	// Another package's value under a look-alike key is not confused with it.
	type contextKey struct{}
	_, ok = token.FromContext(context.WithValue(context.Background(), contextKey{}, tok))
	assert.False(t, ok)
}
