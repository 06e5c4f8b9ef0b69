package admin

import (
	"net/netip"
	"time"

	"github.com/tokenwarden/tokenwarden/token"
)

// Token is a token as the API shows it. Every key is always present:
// strings may be empty, lists are [] and metadata {} when empty, and
// expires, quota, rate and last_used are null when unset. It never holds a
// secret or a hash; hint ("acme_…9xQa") is safe to display.
type Token struct {
	ID          string            `json:"id"`
	Name        string            `json:"name"`
	Description string            `json:"description"`
	Kind        token.Kind        `json:"kind"`   // "internal" or "external"
	Tenant      string            `json:"tenant"` // "" for internal tokens
	Role        string            `json:"role"`   // "" when none
	Scopes      []string          `json:"scopes"`
	Allow       []string          `json:"allow"` // "203.0.113.4", "10.0.0.0/8"; [] means any address
	Expires     *time.Time        `json:"expires"`
	Quota       *Quota            `json:"quota"`
	Rate        *Rate             `json:"rate"`
	Metadata    map[string]string `json:"metadata"`
	Disabled    bool              `json:"disabled"`
	Hint        string            `json:"hint"`
	Created     time.Time         `json:"created"`
	Updated     time.Time         `json:"updated"`
	LastUsed    *time.Time        `json:"last_used"`
	Version     int64             `json:"version"` // also sent as the ETag
}

// Quota is a token's quota: Limit requests per Period ("day", "month" or
// "total").
type Quota struct {
	Limit  int64        `json:"limit"`
	Period token.Period `json:"period"`
}

// Rate is a token's rate limit: Events per Interval, with bursts of up to
// Burst (0: Burst = Events). Interval is a Go duration string ("1s",
// "1m0s").
type Rate struct {
	Events   int    `json:"events"`
	Interval string `json:"interval"`
	Burst    int    `json:"burst"`
}

// Usage is a token's quota state in its current window. Limit, Remaining,
// Period and Reset are absent for a token without a quota (whose use is
// not counted, so Used is 0); Reset is absent for a "total" quota, which
// never resets.
type Usage struct {
	Used      int64      `json:"used"`
	Limit     *int64     `json:"limit,omitempty"`
	Remaining *int64     `json:"remaining,omitempty"`
	Period    string     `json:"period,omitempty"`
	Reset     *time.Time `json:"reset,omitempty"`
	LastUsed  *time.Time `json:"last_used"`
}

// Role is a role as the API shows it.
type Role struct {
	Name        string    `json:"name"`
	Description string    `json:"description"`
	Scopes      []string  `json:"scopes"`
	Created     time.Time `json:"created"`
	Updated     time.Time `json:"updated"`
}

// TokenList is a page of tokens. Next is the cursor for the following
// page (pass it as ?after=); it is "" after the last page.
type TokenList struct {
	Tokens []Token `json:"tokens"`
	Next   string  `json:"next"`
}

// Issued is the answer to a create or a rotation: the token and its new
// secret. It is the only response that carries a secret; show it once.
type Issued struct {
	Token  Token  `json:"token"`
	Secret string `json:"secret"`
}

// Maintenance is the body of GET and PUT /maintenance.
type Maintenance struct {
	On bool `json:"on"`
}

// NewToken returns t as the API shows it.
func NewToken(t *token.Token) Token {
	out := Token{
		ID:          t.ID,
		Name:        t.Name,
		Description: t.Description,
		Kind:        t.Kind,
		Tenant:      t.Tenant,
		Role:        t.Role,
		Scopes:      append([]string{}, t.Scopes...),
		Allow:       make([]string, 0, len(t.Allow)),
		Metadata:    make(map[string]string, len(t.Metadata)),
		Disabled:    t.Disabled,
		Hint:        t.Hint,
		Created:     t.Created,
		Updated:     t.Updated,
		Version:     t.Version,
	}
	for _, p := range t.Allow {
		out.Allow = append(out.Allow, allowString(p))
	}
	for k, v := range t.Metadata {
		out.Metadata[k] = v
	}
	if !t.Expires.IsZero() {
		out.Expires = new(t.Expires)
	}
	if !t.Quota.IsZero() {
		out.Quota = &Quota{Limit: t.Quota.Limit, Period: t.Quota.Period}
	}
	if !t.Rate.IsZero() {
		out.Rate = &Rate{Events: t.Rate.Events, Interval: t.Rate.Interval.String(), Burst: t.Rate.Burst}
	}
	if !t.LastUsed.IsZero() {
		out.LastUsed = new(t.LastUsed)
	}
	return out
}

// allowString writes a single-address range as the bare address, the
// way it is typed.
func allowString(p netip.Prefix) string {
	if p.IsSingleIP() {
		return p.Addr().String()
	}
	return p.String()
}

func newRole(r *token.Role) Role {
	return Role{
		Name:        r.Name,
		Description: r.Description,
		Scopes:      append([]string{}, r.Scopes...),
		Created:     r.Created,
		Updated:     r.Updated,
	}
}

func newUsage(u token.Usage, lastUsed time.Time) Usage {
	out := Usage{Used: u.Used}
	if !u.Quota.IsZero() {
		out.Limit = new(u.Quota.Limit)
		out.Remaining = new(u.Remaining)
		out.Period = u.Quota.Period.String()
		if !u.Reset.IsZero() {
			out.Reset = new(u.Reset)
		}
	}
	if !lastUsed.IsZero() {
		out.LastUsed = new(lastUsed)
	}
	return out
}
