package token

import (
	"context"
	"time"
)

// Store keeps tokens, roles, quota counters and the maintenance switch. The
// library ships memstore (in memory) and sqlstore (database/sql); a custom
// store implements this interface and proves it with store/storetest:
//
//	func TestMyStore(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) token.Store { return newMyStore(t) })
//	}
//
// Rules for every method:
//   - ctx comes first and is honoured: a cancelled or expired ctx makes the
//     method return an error wrapping ctx.Err() without side effects beyond
//     those already committed.
//   - A store never sees a plaintext secret; it looks tokens up by Hash.
//   - Errors the caller must distinguish match the sentinels of this package
//     (ErrNotFound, ErrDuplicate, ErrConflict, ErrRoleInUse, ErrUnknownRole)
//     with errors.Is. Any other error means the store is unreachable or
//     failing; the Manager then fails closed (the middleware answers 503).
//   - Values passed in belong to the caller after the call returns: a store
//     that keeps them must copy them. Values returned may be shared by the
//     store and are not modified by the Manager; stores must not modify a
//     value after returning it (replace it instead).
//   - Times are passed in by the caller from its clock; a store never reads
//     its own (or its database's) clock. Stores keep at least microsecond
//     precision and never round a time up.
//   - Safe for concurrent use by many goroutines, and, for a shared store,
//     by many processes.
//
// Optional capabilities (a change feed for caches, Ping, Close) will be
// separate interfaces found by type assertion, so this one stays stable.
type Store interface {
	// CreateToken saves a new token. r.Token.ID is set and unique;
	// r.Token.Version is 1. It returns ErrDuplicate if another token's name
	// has the same FoldName, and ErrUnknownRole if r.Token.Role is set and
	// no such role exists (checked atomically with the insert).
	CreateToken(ctx context.Context, r *Record) error

	// TokenByID returns the token with that ID, or ErrNotFound.
	TokenByID(ctx context.Context, id string) (*Record, error)

	// TokenByHash returns the token whose Hash or Prev equals h, or
	// ErrNotFound. It does not check PrevUntil: the Manager does.
	TokenByHash(ctx context.Context, h Hash) (*Record, error)

	// UpdateToken replaces a token if its stored Version equals
	// r.Token.Version, saving r with Version r.Token.Version+1; otherwise it
	// returns ErrConflict and changes nothing. It saves every field of r
	// except Token.ID, Token.Kind, Token.Tenant, Token.Created and
	// Token.LastUsed, which are fixed or kept by TouchToken. It returns
	// ErrNotFound for an unknown ID, ErrDuplicate for a name clash and
	// ErrUnknownRole for a missing role. On success r.Token.Version holds the
	// new version.
	UpdateToken(ctx context.Context, r *Record) error

	// DeleteToken removes a token and its quota counters; its hashes stop
	// matching at once. It returns ErrNotFound for an unknown ID.
	DeleteToken(ctx context.Context, id string) error

	// ListTokens returns up to q.PageSize() tokens matching q with IDs
	// greater than q.After, in ascending ID order.
	ListTokens(ctx context.Context, q ListQuery) ([]*Record, error)

	// TouchToken records a use: it sets LastUsed to at if at is later than
	// the stored LastUsed. It does not change Version. It returns ErrNotFound
	// for an unknown ID.
	TouchToken(ctx context.Context, id string, at time.Time) error

	// PutRole creates or replaces the role with r.Name. A replaced role keeps
	// its Created time. It returns the role as saved.
	PutRole(ctx context.Context, r *Role) (*Role, error)

	// RoleByName returns the role, or ErrNotFound.
	RoleByName(ctx context.Context, name string) (*Role, error)

	// DeleteRole removes a role. It returns ErrNotFound for an unknown name
	// and ErrRoleInUse, removing nothing, while any token names it (checked
	// atomically with the delete).
	DeleteRole(ctx context.Context, name string) error

	// ListRoles returns every role in ascending name order.
	ListRoles(ctx context.Context) ([]*Role, error)

	// ConsumeQuota atomically takes up to n units from the counter of token
	// id for the window starting at start, without letting the counter pass
	// limit: it grants min(n, max(0, limit−used)) units and returns them with
	// the count after the grant. Nothing is added when nothing is granted.
	// Under any concurrency, from any number of processes, the counter never
	// passes limit. n or limit below 1 is refused with ErrValidation and
	// changes nothing. It returns ErrNotFound if the token does not exist. A per-request check asks for 1; a cache in front of a
	// shared store asks for a block and spends it locally.
	ConsumeQuota(ctx context.Context, id string, start time.Time, limit, n int64) (granted, used int64, err error)

	// ReleaseQuota gives back up to n units consumed from that counter,
	// never taking it below zero. Releasing from a counter that does not
	// exist (an old window, a deleted token) does nothing and is no error.
	ReleaseQuota(ctx context.Context, id string, start time.Time, n int64) error

	// QuotaUsed returns the counter of token id for the window starting at
	// start: 0 if nothing was consumed (or the store no longer keeps it).
	QuotaUsed(ctx context.Context, id string, start time.Time) (int64, error)

	// SetMaintenance turns the maintenance switch on or off for every
	// Manager sharing the store.
	SetMaintenance(ctx context.Context, on bool) error

	// Maintenance reports the maintenance switch; false if never set.
	Maintenance(ctx context.Context) (bool, error)
}
