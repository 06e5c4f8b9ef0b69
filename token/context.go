package token

import "context"

type contextKey struct{}

// NewContext returns a copy of ctx carrying t, the token a request was
// verified with.
func NewContext(ctx context.Context, t *Token) context.Context {
	return context.WithValue(ctx, contextKey{}, t)
}

// FromContext returns the verified token carried by ctx, if any. The token
// is shared: treat it as read-only.
func FromContext(ctx context.Context) (*Token, bool) {
	t, ok := ctx.Value(contextKey{}).(*Token)
	return t, ok && t != nil
}
