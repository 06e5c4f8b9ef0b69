package token

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/tokenwarden/tokenwarden/internal/cowmap"
)

// Limits on what Issue, Update and PutRole accept.
const (
	MaxNameLen        = 200  // bytes, token names and tenants
	MaxDescriptionLen = 2000 // bytes
	MaxRoleNameLen    = 64
	MaxMetadata       = 64   // entries
	MaxMetadataLen    = 1024 // bytes per key or value
	MaxScopes         = 256
	MaxAllow          = 256
)

// maxUpdateRetries bounds the read-modify-write loop of Update and Rotate
// when other writers keep changing the same token.
const maxUpdateRetries = 16

// Manager issues, verifies and administers tokens kept in a Store. It is
// safe for concurrent use; create one per process and share it.
//
// Each Manager keeps per-token rate limiters (rate limits are per
// instance) and coalesces LastUsed writes; everything else lives in the
// store, so several Managers on one shared store see each other's changes.
type Manager struct {
	store    Store
	cfg      config
	hashers  []*hasher                         // current first
	limMu    sync.Mutex                        // serialises limiter writes
	limiters cowmap.Map[string, *limiterEntry] // token ID → bucket; lock-free reads
	nlim     int                               // len(limiters), under limMu
	touched  sync.Map                          // token ID → *atomic.Int64 (unix nanos of the last write)
	windows  [2]atomic.Pointer[cachedWindow]   // current Day and Month windows
}

// NewManager returns a Manager over s. It fails if an option is invalid.
func NewManager(s Store, opts ...Option) (*Manager, error) {
	if s == nil {
		return nil, fmt.Errorf("%w: nil store", ErrValidation)
	}
	m := &Manager{store: s}
	m.limiters.Shard = cowmap.StringShard
	for _, o := range opts {
		o(&m.cfg)
	}
	if err := m.cfg.validate(); err != nil {
		return nil, err
	}
	m.hashers = append(m.hashers, newHasher(m.cfg.pepperID, m.cfg.pepper))
	for _, p := range m.cfg.oldPeppers {
		m.hashers = append(m.hashers, newHasher(p.id, p.key))
	}
	return m, nil
}

// Store returns the store the Manager works on.
func (m *Manager) Store() Store { return m.store }

func (m *Manager) now() time.Time { return m.cfg.now() }

// Now returns the time on the Manager's clock (see WithClock), so that code
// around it, such as the middleware's RateLimit-Reset, agrees with Verify.
func (m *Manager) Now() time.Time { return m.cfg.now() }

// stamp is the form in which the Manager stores times it generates: UTC,
// microseconds, no monotonic reading, so that every store returns them
// exactly as they were saved.
func stamp(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

func (m *Manager) observe(e Event) {
	if m.cfg.observer != nil {
		m.cfg.observer(e)
	}
}

// Spec describes a token to issue.
type Spec struct {
	Name        string // required; trimmed; unique under FoldName
	Description string
	Kind        Kind   // required: Internal or External
	Tenant      string // required for External, empty for Internal
	Role        string // optional; must name an existing role
	Scopes      []string
	Allow       []netip.Prefix // see ParseAllowlist; empty: any address
	Expires     time.Time      // zero: never; otherwise in the future
	Quota       Quota
	Rate        Rate
	Metadata    map[string]string
	Disabled    bool
}

// Issue creates a token and returns its secret, which is not stored and
// cannot be shown again, with the saved token. Invalid specs return an
// error matching ErrValidation; a name already in use, ErrDuplicate; an
// unknown role, ErrUnknownRole.
func (m *Manager) Issue(ctx context.Context, spec Spec) (Secret, *Token, error) {
	now := stamp(m.now())
	t := Token{
		Name:        strings.TrimSpace(spec.Name),
		Description: spec.Description,
		Kind:        spec.Kind,
		Tenant:      spec.Tenant,
		Role:        spec.Role,
		Expires:     spec.Expires,
		Quota:       spec.Quota,
		Rate:        spec.Rate,
		Metadata:    maps.Clone(spec.Metadata),
		Disabled:    spec.Disabled,
		Created:     now,
		Updated:     now,
		Version:     1,
	}
	if !spec.Kind.Valid() {
		return Secret{}, nil, fmt.Errorf("%w: kind must be \"internal\" or \"external\"", ErrValidation)
	}
	switch {
	case spec.Kind == External && spec.Tenant == "":
		return Secret{}, nil, fmt.Errorf("%w: an external token needs a tenant", ErrValidation)
	case spec.Kind == Internal && spec.Tenant != "":
		return Secret{}, nil, fmt.Errorf("%w: an internal token has no tenant", ErrValidation)
	}
	if err := checkText("tenant", spec.Tenant, MaxNameLen); err != nil {
		return Secret{}, nil, err
	}
	if !spec.Expires.IsZero() && !spec.Expires.After(now) {
		return Secret{}, nil, fmt.Errorf("%w: expiry %v is not in the future", ErrValidation, spec.Expires)
	}
	var err error
	if t.Scopes, err = normalizeScopes(spec.Scopes); err != nil {
		return Secret{}, nil, err
	}
	if t.Allow, err = NormalizeAllowlist(spec.Allow); err != nil {
		return Secret{}, nil, err
	}
	if err := validateEditable(&t); err != nil {
		return Secret{}, nil, err
	}
	id, err := uuid.NewV7()
	if err != nil {
		return Secret{}, nil, fmt.Errorf("token: new id: %w", err)
	}
	t.ID = id.String()
	secret, err := NewSecret(m.cfg.prefixes[0])
	if err != nil {
		return Secret{}, nil, err
	}
	t.Hint = secret.Hint()
	rec := &Record{Token: t, Hash: m.hashers[0].sum(secret.s), HashKey: m.hashers[0].id}
	err = m.store.CreateToken(ctx, rec)
	m.observe(Event{Time: now, Op: OpIssue, TokenID: t.ID, TokenName: t.Name, Tenant: t.Tenant, Err: err})
	if err != nil {
		return Secret{}, nil, fmt.Errorf("token: issue %q: %w", t.Name, err)
	}
	return secret, t.Clone(), nil
}

// validateEditable checks the fields Update may change.
func validateEditable(t *Token) error {
	if t.Name == "" {
		return fmt.Errorf("%w: name is required", ErrValidation)
	}
	if err := checkText("name", t.Name, MaxNameLen); err != nil {
		return err
	}
	if len(t.Description) > MaxDescriptionLen || !utf8.ValidString(t.Description) {
		return fmt.Errorf("%w: description must be valid UTF-8 of at most %d bytes", ErrValidation, MaxDescriptionLen)
	}
	if t.Role != "" {
		if err := ValidateRoleName(t.Role); err != nil {
			return err
		}
	}
	if len(t.Scopes) > MaxScopes {
		return fmt.Errorf("%w: %d scopes, at most %d", ErrValidation, len(t.Scopes), MaxScopes)
	}
	if len(t.Allow) > MaxAllow {
		return fmt.Errorf("%w: %d allowlist entries, at most %d", ErrValidation, len(t.Allow), MaxAllow)
	}
	if err := t.Quota.Validate(); err != nil {
		return err
	}
	if err := t.Rate.Validate(); err != nil {
		return err
	}
	if len(t.Metadata) > MaxMetadata {
		return fmt.Errorf("%w: %d metadata entries, at most %d", ErrValidation, len(t.Metadata), MaxMetadata)
	}
	for k, v := range t.Metadata {
		if k == "" || len(k) > MaxMetadataLen || len(v) > MaxMetadataLen || !utf8.ValidString(k) || !utf8.ValidString(v) {
			return fmt.Errorf("%w: metadata %q: keys must be non-empty, keys and values valid UTF-8 of at most %d bytes", ErrValidation, k, MaxMetadataLen)
		}
	}
	return nil
}

// checkText refuses invalid UTF-8, control characters and overlong values.
func checkText(field, s string, max int) error {
	if len(s) > max {
		return fmt.Errorf("%w: %s longer than %d bytes", ErrValidation, field, max)
	}
	if !utf8.ValidString(s) {
		return fmt.Errorf("%w: %s is not valid UTF-8", ErrValidation, field)
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return fmt.Errorf("%w: %s %q contains a control character", ErrValidation, field, s)
		}
	}
	return nil
}

// Get returns a copy of the token with that ID, or an error matching
// ErrNotFound.
func (m *Manager) Get(ctx context.Context, id string) (*Token, error) {
	rec, err := m.byID(ctx, id)
	if err != nil {
		return nil, err
	}
	return rec.Token.Clone(), nil
}

func (m *Manager) byID(ctx context.Context, id string) (*Record, error) {
	rec, err := m.store.TokenByID(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("token: get %q: %w", id, err)
	}
	if rec == nil {
		return nil, fmt.Errorf("token: get %q: %w: no token and no error", id, ErrStoreFault)
	}
	return rec, nil
}

// List returns copies of the tokens q selects, one page at a time, and the
// cursor for the next page: pass it as q.After. The cursor is empty after
// the last page.
func (m *Manager) List(ctx context.Context, q ListQuery) (tokens []*Token, next string, err error) {
	recs, err := m.store.ListTokens(ctx, q)
	if err != nil {
		return nil, "", fmt.Errorf("token: list: %w", err)
	}
	tokens = make([]*Token, 0, len(recs))
	for _, r := range recs {
		tokens = append(tokens, r.Token.Clone())
	}
	if len(tokens) == q.PageSize() {
		next = tokens[len(tokens)-1].ID
	}
	return tokens, next, nil
}

// Update changes a token's editable fields. Nil fields are left as they
// are. The kind, tenant and secret never change; use Rotate for a new
// secret. Changes take effect at the next Verify on every Manager sharing
// the store.
//
// Go 1.26's new(expr) builds the pointers: Update{Disabled: new(true)}.
type Update struct {
	Name        *string
	Description *string
	Role        *string // "" removes the role
	Scopes      *[]string
	Allow       *[]netip.Prefix // empty: any address
	// Expires replaces the expiry. Any time is accepted; one in the past
	// expires the token at once. A pointer to the zero time clears it.
	Expires  *time.Time
	Quota    *Quota // the zero Quota removes it
	Rate     *Rate  // the zero Rate removes it
	Metadata *map[string]string
	Disabled *bool
	// IfVersion, if not zero, applies the update only if the token's
	// Version equals it; otherwise Update returns an error matching
	// ErrConflict and changes nothing. An admin API maps it to If-Match.
	IfVersion int64
}

// Update applies u to the token with that ID and returns the saved token.
// A bad field refuses the whole update and changes nothing.
func (m *Manager) Update(ctx context.Context, id string, u Update) (*Token, error) {
	var scopes []string
	var allow []netip.Prefix
	var err error
	if u.Scopes != nil {
		if scopes, err = normalizeScopes(*u.Scopes); err != nil {
			return nil, err
		}
	}
	if u.Allow != nil {
		if allow, err = NormalizeAllowlist(*u.Allow); err != nil {
			return nil, err
		}
	}
	rec, err := m.modify(ctx, id, OpUpdate, func(r *Record, now time.Time) error {
		t := &r.Token
		if u.IfVersion != 0 && u.IfVersion != t.Version {
			return fmt.Errorf("%w: token is at version %d, not %d", ErrConflict, t.Version, u.IfVersion)
		}
		if u.Name != nil {
			name := strings.TrimSpace(*u.Name)
			if m.cfg.fixedNames && name != t.Name {
				return fmt.Errorf("%w: token names cannot be changed", ErrValidation)
			}
			t.Name = name
		}
		if u.Description != nil {
			t.Description = *u.Description
		}
		if u.Role != nil {
			t.Role = *u.Role
		}
		if u.Scopes != nil {
			t.Scopes = scopes
		}
		if u.Allow != nil {
			t.Allow = allow
		}
		if u.Expires != nil {
			t.Expires = *u.Expires
		}
		if u.Quota != nil {
			t.Quota = *u.Quota
		}
		if u.Rate != nil {
			t.Rate = *u.Rate
		}
		if u.Metadata != nil {
			t.Metadata = maps.Clone(*u.Metadata)
		}
		if u.Disabled != nil {
			t.Disabled = *u.Disabled
		}
		return validateEditable(t)
	})
	if err != nil {
		return nil, err
	}
	return rec.Token.Clone(), nil
}

// modify runs a read-modify-write of one token, retrying when another
// writer changed it in between.
func (m *Manager) modify(ctx context.Context, id string, op Op, change func(*Record, time.Time) error) (*Record, error) {
	var last error
	for range maxUpdateRetries {
		cur, err := m.byID(ctx, id)
		if err != nil {
			return nil, err
		}
		now := stamp(m.now())
		next := cur.Clone()
		if err := change(next, now); err != nil {
			return nil, err
		}
		next.Token.Updated = now
		err = m.store.UpdateToken(ctx, next)
		if errors.Is(err, ErrConflict) {
			last = err
			continue
		}
		m.observe(Event{Time: now, Op: op, TokenID: id, TokenName: next.Token.Name, Tenant: next.Token.Tenant, Err: err})
		if err != nil {
			return nil, fmt.Errorf("token: %s %q: %w", op, id, err)
		}
		// The rate bucket survives edits and rotation; limiter() rebuilds it
		// when the token's Rate differs from the one it was built for.
		return next, nil
	}
	return nil, fmt.Errorf("token: %s %q: %w", op, id, last)
}

// Rotate gives the token a new secret, returned once, keeping its ID,
// settings, usage and rate bucket. The previous secret keeps working for
// grace (0: it stops at once), never past the token's expiry; only the
// immediately previous secret has a grace, so rotating again ends the
// earlier grace at once.
func (m *Manager) Rotate(ctx context.Context, id string, grace time.Duration) (Secret, *Token, error) {
	if grace < 0 {
		return Secret{}, nil, fmt.Errorf("%w: negative grace period", ErrValidation)
	}
	secret, err := NewSecret(m.cfg.prefixes[0])
	if err != nil {
		return Secret{}, nil, err
	}
	h := m.hashers[0].sum(secret.s)
	rec, err := m.modify(ctx, id, OpRotate, func(r *Record, now time.Time) error {
		r.Prev, r.PrevKey, r.PrevUntil = Hash{}, "", time.Time{}
		if until := now.Add(grace); grace > 0 {
			if exp := r.Token.Expires; !exp.IsZero() && exp.Before(until) {
				until = exp
			}
			r.Prev, r.PrevKey, r.PrevUntil = r.Hash, r.HashKey, until
		}
		r.Hash, r.HashKey = h, m.hashers[0].id
		r.Token.Hint = secret.Hint()
		return nil
	})
	if err != nil {
		return Secret{}, nil, err
	}
	return secret, rec.Token.Clone(), nil
}

// Delete removes a token for good: its secret stops working at once and
// its usage counters are removed.
func (m *Manager) Delete(ctx context.Context, id string) error {
	e := Event{Op: OpDelete, TokenID: id}
	if m.cfg.observer != nil {
		// Name the token in the audit trail; the lookup is only for that.
		if rec, err := m.store.TokenByID(ctx, id); err == nil && rec != nil {
			e.TokenName, e.Tenant = rec.Token.Name, rec.Token.Tenant
		}
	}
	err := m.store.DeleteToken(ctx, id)
	e.Time, e.Err = m.now(), err
	m.observe(e)
	if err != nil {
		return fmt.Errorf("token: delete %q: %w", id, err)
	}
	m.dropLimiter(id)
	m.touched.Delete(id)
	return nil
}

// Usage returns the token's quota state in the current window. For a token
// without a quota it returns a zero Usage.
func (m *Manager) Usage(ctx context.Context, id string) (Usage, error) {
	rec, err := m.byID(ctx, id)
	if err != nil {
		return Usage{}, err
	}
	q := rec.Token.Quota
	if q.IsZero() {
		return Usage{}, nil
	}
	start, end := q.Window(m.now(), m.cfg.loc)
	used, err := m.store.QuotaUsed(ctx, id, start)
	if err != nil {
		return Usage{}, fmt.Errorf("token: usage %q: %w", id, err)
	}
	return makeUsage(q, used, start, end), nil
}

func makeUsage(q Quota, used int64, start, end time.Time) Usage {
	return Usage{Quota: q, Used: used, Remaining: max(0, q.Limit-used), Start: start, Reset: end}
}

// PutRole creates or replaces a role. Its scopes apply at once to every
// token that names it.
func (m *Manager) PutRole(ctx context.Context, r Role) (*Role, error) {
	if err := ValidateRoleName(r.Name); err != nil {
		return nil, err
	}
	if len(r.Description) > MaxDescriptionLen || !utf8.ValidString(r.Description) {
		return nil, fmt.Errorf("%w: role description must be valid UTF-8 of at most %d bytes", ErrValidation, MaxDescriptionLen)
	}
	scopes, err := normalizeScopes(r.Scopes)
	if err != nil {
		return nil, err
	}
	if len(scopes) > MaxScopes {
		return nil, fmt.Errorf("%w: %d scopes, at most %d", ErrValidation, len(scopes), MaxScopes)
	}
	now := stamp(m.now())
	role := &Role{Name: r.Name, Description: r.Description, Scopes: scopes, Created: now, Updated: now}
	saved, err := m.store.PutRole(ctx, role)
	m.observe(Event{Time: now, Op: OpPutRole, Role: r.Name, Err: err})
	if err != nil {
		return nil, fmt.Errorf("token: put role %q: %w", r.Name, err)
	}
	if saved == nil {
		return nil, fmt.Errorf("token: put role %q: %w: no role and no error", r.Name, ErrStoreFault)
	}
	return saved.Clone(), nil
}

// ValidateRoleName reports whether name can name a role: 1 to
// MaxRoleNameLen ASCII letters, digits, spaces and "-_.:", without
// surrounding spaces. Role names compare exactly.
func ValidateRoleName(name string) error {
	if name == "" || len(name) > MaxRoleNameLen || name != strings.TrimSpace(name) {
		return fmt.Errorf("%w: role name %q: want 1 to %d characters without surrounding spaces", ErrValidation, name, MaxRoleNameLen)
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; !scopeChar(c) && c != ' ' && c != ':' {
			return fmt.Errorf("%w: role name %q: character %q not allowed", ErrValidation, name, rune(c))
		}
	}
	return nil
}

// GetRole returns a copy of the role, or an error matching ErrNotFound.
func (m *Manager) GetRole(ctx context.Context, name string) (*Role, error) {
	r, err := m.store.RoleByName(ctx, name)
	if err != nil {
		return nil, fmt.Errorf("token: get role %q: %w", name, err)
	}
	if r == nil {
		return nil, fmt.Errorf("token: get role %q: %w: no role and no error", name, ErrStoreFault)
	}
	return r.Clone(), nil
}

// DeleteRole removes a role. It is refused with an error matching
// ErrRoleInUse while any token names the role.
func (m *Manager) DeleteRole(ctx context.Context, name string) error {
	err := m.store.DeleteRole(ctx, name)
	m.observe(Event{Time: m.now(), Op: OpDeleteRole, Role: name, Err: err})
	if err != nil {
		return fmt.Errorf("token: delete role %q: %w", name, err)
	}
	return nil
}

// ListRoles returns copies of every role, by name.
func (m *Manager) ListRoles(ctx context.Context) ([]*Role, error) {
	rs, err := m.store.ListRoles(ctx)
	if err != nil {
		return nil, fmt.Errorf("token: list roles: %w", err)
	}
	out := make([]*Role, 0, len(rs))
	for _, r := range rs {
		out = append(out, r.Clone())
	}
	return out, nil
}

// SetMaintenance turns the maintenance switch on or off. While it is on,
// Verify refuses every request with ErrMaintenance before looking at the
// token, on every Manager sharing the store.
func (m *Manager) SetMaintenance(ctx context.Context, on bool) error {
	err := m.store.SetMaintenance(ctx, on)
	m.observe(Event{Time: m.now(), Op: OpMaintenance, On: on, Err: err})
	if err != nil {
		return fmt.Errorf("token: set maintenance: %w", err)
	}
	return nil
}

// Maintenance reports the maintenance switch.
func (m *Manager) Maintenance(ctx context.Context) (bool, error) {
	on, err := m.store.Maintenance(ctx)
	if err != nil {
		return false, fmt.Errorf("token: maintenance: %w", err)
	}
	return on, nil
}
