package token

import (
	"context"
	"errors"
	"log/slog"
	"net/netip"
	"time"
)

// Op names what an Event reports.
type Op string

// The operations an observer sees.
const (
	OpIssue       Op = "issue"
	OpUpdate      Op = "update"
	OpRotate      Op = "rotate"
	OpDelete      Op = "delete"
	OpVerify      Op = "verify"
	OpPutRole     Op = "put_role"
	OpDeleteRole  Op = "delete_role"
	OpMaintenance Op = "maintenance"
)

// Event reports one operation to the observer set with WithObserver. It
// never holds a secret or a hash.
type Event struct {
	Time      time.Time
	Op        Op
	TokenID   string     // empty when no token was identified
	TokenName string     // empty when no token was identified
	Tenant    string     // the token's tenant (Verify: the request's when no token was found)
	Role      string     // OpPutRole, OpDeleteRole
	Addr      netip.Addr // Verify: the client address, if known
	On        bool       // OpMaintenance: the new state
	Err       error      // nil: allowed or done; otherwise why not
}

// Reason returns a short stable word for e.Err: "" when nil, else one of
// "maintenance", "missing", "invalid", "disabled", "expired",
// "address_not_allowed", "tenant", "scope", "rate_limited",
// "quota_exceeded", "not_found", "duplicate", "conflict", "validation" or
// "store" for anything else.
func (e Event) Reason() string { return Reason(e.Err) }

// LogValue lets log/slog print an Event as a group.
func (e Event) LogValue() slog.Value {
	attrs := make([]slog.Attr, 0, 8)
	attrs = append(attrs, slog.String("op", string(e.Op)), slog.Bool("ok", e.Err == nil))
	if e.Err != nil {
		attrs = append(attrs, slog.String("reason", e.Reason()))
	}
	if e.TokenID != "" {
		attrs = append(attrs, slog.String("token_id", e.TokenID), slog.String("token_name", e.TokenName))
	}
	if e.Tenant != "" {
		attrs = append(attrs, slog.String("tenant", e.Tenant))
	}
	if e.Role != "" {
		attrs = append(attrs, slog.String("role", e.Role))
	}
	if e.Addr.IsValid() {
		attrs = append(attrs, slog.String("addr", e.Addr.String()))
	}
	if e.Op == OpMaintenance {
		attrs = append(attrs, slog.Bool("on", e.On))
	}
	return slog.GroupValue(attrs...)
}

// LogEvents returns an observer that writes every event to l: denials and
// failures at Warn, the rest at Info, verifications that pass at Debug.
func LogEvents(l *slog.Logger) func(Event) {
	return func(e Event) {
		level := slog.LevelInfo
		switch {
		case e.Err != nil:
			level = slog.LevelWarn
		case e.Op == OpVerify:
			level = slog.LevelDebug
		}
		l.LogAttrs(context.Background(), level, "tokenwarden", slog.Any("event", e))
	}
}

// Reason returns the short word Event.Reason documents for err.
func Reason(err error) string {
	switch {
	case err == nil:
		return ""
	case isErr(err, ErrMaintenance):
		return "maintenance"
	case isErr(err, ErrMissing):
		return "missing"
	case isErr(err, ErrInvalid):
		return "invalid"
	case isErr(err, ErrDisabled):
		return "disabled"
	case isErr(err, ErrExpired):
		return "expired"
	case isErr(err, ErrAddressNotAllowed):
		return "address_not_allowed"
	case isErr(err, ErrTenant):
		return "tenant"
	case isErr(err, ErrScope):
		return "scope"
	case isErr(err, ErrRateLimited):
		return "rate_limited"
	case isErr(err, ErrQuotaExceeded):
		return "quota_exceeded"
	case isErr(err, ErrNotFound):
		return "not_found"
	case isErr(err, ErrDuplicate):
		return "duplicate"
	case isErr(err, ErrConflict):
		return "conflict"
	case isErr(err, ErrValidation), isErr(err, ErrRoleInUse), isErr(err, ErrUnknownRole):
		return "validation"
	}
	return "store"
}

var isErr = errors.Is
