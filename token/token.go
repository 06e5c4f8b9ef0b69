package token

import (
	"maps"
	"net/netip"
	"slices"
	"strings"
	"time"
	"unicode"
)

// Token is an issued token's settings and state, without its secret. It is
// what Get and List return and what Verify puts in the request context.
//
// A *Token returned by Verify or found in a request context is shared with
// the Manager and its store: treat it as read-only. Get and List return
// copies the caller may change (changing one changes nothing stored; use
// Manager.Update).
type Token struct {
	ID          string            `json:"id"` // UUIDv7, assigned by Issue
	Name        string            `json:"name"`
	Description string            `json:"description,omitempty"`
	Kind        Kind              `json:"kind"`
	Tenant      string            `json:"tenant,omitempty"` // set for External, empty for Internal; fixed
	Role        string            `json:"role,omitempty"`   // name of a Role whose scopes the token inherits
	Scopes      []string          `json:"scopes,omitempty"`
	Allow       []netip.Prefix    `json:"allow,omitempty"`  // empty: any address
	Expires     time.Time         `json:"expires,omitzero"` // zero: never
	Quota       Quota             `json:"quota,omitzero"`   // zero: none
	Rate        Rate              `json:"rate,omitzero"`    // zero: none
	Metadata    map[string]string `json:"metadata,omitempty"`
	Disabled    bool              `json:"disabled,omitempty"`
	Hint        string            `json:"hint"` // "tw_…9xQa", safe to display
	Created     time.Time         `json:"created"`
	Updated     time.Time         `json:"updated"`
	LastUsed    time.Time         `json:"last_used,omitzero"` // coalesced; may lag by the Manager's interval
	// Version counts the token's saved changes. Stores use it for
	// optimistic concurrency: see Store.UpdateToken.
	Version int64 `json:"version"`
}

// Clone returns a deep copy of t.
func (t *Token) Clone() *Token {
	c := *t
	c.Scopes = slices.Clone(t.Scopes)
	c.Allow = slices.Clone(t.Allow)
	c.Metadata = maps.Clone(t.Metadata)
	return &c
}

// Record is what a store keeps for one token: the token and the hashes its
// secrets are looked up by. The plaintext secret is never part of it.
type Record struct {
	Token Token
	// Hash is the hash of the current secret; HashKey names the pepper it
	// was computed with ("" for plain SHA-256).
	Hash    Hash
	HashKey string
	// Prev is the hash of the secret replaced by the last rotation, valid
	// until PrevUntil; zero when there is none. Stores look tokens up by
	// Prev as well as Hash and leave the deadline to the Manager.
	Prev      Hash
	PrevKey   string
	PrevUntil time.Time
}

// Clone returns a deep copy of r.
func (r *Record) Clone() *Record {
	c := *r
	c.Token = *r.Token.Clone()
	return &c
}

// Role is a named set of scopes. A token that names a role holds the
// role's scopes in addition to its own, as they are at the moment of each
// request: editing a role changes every token that names it at once.
type Role struct {
	Name        string    `json:"name"` // compared exactly
	Description string    `json:"description,omitempty"`
	Scopes      []string  `json:"scopes"`
	Created     time.Time `json:"created"`
	Updated     time.Time `json:"updated"`
}

// Clone returns a deep copy of r.
func (r *Role) Clone() *Role {
	c := *r
	c.Scopes = slices.Clone(r.Scopes)
	return &c
}

// FoldName returns the key under which token names are unique: the name
// with surrounding white space trimmed and every letter replaced by the
// smallest member of its Unicode simple case-folding orbit, so that
// FoldName(a) == FoldName(b) exactly when strings.EqualFold agrees on the
// trimmed names. Every store, whatever its database collation, enforces
// uniqueness on this key.
func FoldName(name string) string {
	name = strings.TrimSpace(name)
	var b strings.Builder
	b.Grow(len(name))
	for _, r := range name {
		min := r
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			if f < min {
				min = f
			}
		}
		b.WriteRune(min)
	}
	return b.String()
}

// ListQuery selects and pages tokens. Zero fields select everything.
type ListQuery struct {
	Tenant     string // exact tenant
	Kind       Kind   // zero: both kinds
	NamePrefix string // compared under FoldName: "sales" finds "Sales CRM"
	// After is the ID of the last token of the previous page; tokens are
	// listed in ID order, which is creation order for UUIDv7 ids.
	After string
	// Limit is the page size; 0 means DefaultPageSize, and it is capped at
	// MaxPageSize.
	Limit int
}

// Page sizes for List.
const (
	DefaultPageSize = 50
	MaxPageSize     = 1000
)

// Matches reports whether t is selected by q's filters (not its paging).
// Stores may use it to filter in memory.
func (q ListQuery) Matches(t *Token) bool {
	return (q.Tenant == "" || t.Tenant == q.Tenant) &&
		(q.Kind == 0 || t.Kind == q.Kind) &&
		(q.NamePrefix == "" || strings.HasPrefix(FoldName(t.Name), FoldName(q.NamePrefix)))
}

// PageSize returns the page size q asks for, with the default and cap applied.
func (q ListQuery) PageSize() int {
	switch {
	case q.Limit <= 0:
		return DefaultPageSize
	case q.Limit > MaxPageSize:
		return MaxPageSize
	}
	return q.Limit
}
