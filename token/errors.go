package token

import (
	"errors"
	"time"
)

// Errors returned by Verify, in the order its checks run. Compare with
// errors.Is: the error returned may wrap one of these with more context.
var (
	// ErrMaintenance: the maintenance switch is on; every request is refused
	// before any token lookup.
	ErrMaintenance = errors.New("token: apis under maintenance")
	// ErrMissing: no secret was presented.
	ErrMissing = errors.New("token: missing")
	// ErrInvalid: the secret is malformed, fails its checksum, carries a
	// prefix this Manager does not accept, is unknown to the store, belongs to
	// a deleted token, or was rotated out and its grace period has ended. The
	// cases are deliberately indistinguishable to a caller.
	ErrInvalid = errors.New("token: invalid")
	// ErrDisabled: the token exists but is disabled.
	ErrDisabled = errors.New("token: disabled")
	// ErrExpired: the token's expiry has passed.
	ErrExpired = errors.New("token: expired")
	// ErrAddressNotAllowed: the client address is outside the token's
	// allowlist, or unknown while the token has an allowlist.
	ErrAddressNotAllowed = errors.New("token: address not allowed")
	// ErrTenant: an external token was used for another tenant, or for a
	// request that names no tenant.
	ErrTenant = errors.New("token: wrong tenant")
	// ErrScope: a required scope is not granted by the token or its role.
	ErrScope = errors.New("token: scope not granted")
	// ErrRateLimited: the token's rate limit is exceeded. RetryAfter reports
	// when the next request may pass.
	ErrRateLimited = errors.New("token: rate limited")
	// ErrQuotaExceeded: the token's quota for the current window is used up.
	// RetryAfter reports when the window resets (nothing for a total quota).
	ErrQuotaExceeded = errors.New("token: quota exceeded")
)

// Errors returned by stores and by the Manager's administrative methods.
var (
	// ErrNotFound: no token or role with that id or name.
	ErrNotFound = errors.New("token: not found")
	// ErrDuplicate: a token or role with that name (compared with FoldName)
	// already exists.
	ErrDuplicate = errors.New("token: duplicate name")
	// ErrConflict: the token changed since it was read (its Version moved
	// on); read it again and retry the update.
	ErrConflict = errors.New("token: concurrent update")
	// ErrRoleInUse: a role cannot be deleted while a token names it.
	ErrRoleInUse = errors.New("token: role in use")
	// ErrUnknownRole: a token names a role the store does not hold.
	ErrUnknownRole = errors.New("token: unknown role")
	// ErrValidation: a Spec, Update, Role, scope, prefix or allowlist entry
	// is not acceptable. The wrapping error names the field and the value.
	ErrValidation = errors.New("token: invalid input")
	// ErrStoreFault: a store broke its contract (for example it returned no
	// token and no error). Treat it like an unreachable store: fail closed.
	ErrStoreFault = errors.New("token: store fault")
)

// LimitError is the error for a rate or quota denial. It matches
// ErrRateLimited or ErrQuotaExceeded with errors.Is, and carries how long the
// caller should wait.
type LimitError struct {
	Err   error         // ErrRateLimited or ErrQuotaExceeded
	Retry time.Duration // zero when waiting will not help (a used-up total quota)
	Usage Usage         // the quota state, for ErrQuotaExceeded
}

func (e *LimitError) Error() string { return e.Err.Error() }
func (e *LimitError) Unwrap() error { return e.Err }

// RetryAfter reports how long to wait before retrying a request refused
// with err, and whether waiting helps at all. It is false for errors that
// are not rate or quota denials, and for a total quota that is used up.
func RetryAfter(err error) (time.Duration, bool) {
	var le *LimitError
	if errors.As(err, &le) && le.Retry > 0 {
		return le.Retry, true
	}
	return 0, false
}
