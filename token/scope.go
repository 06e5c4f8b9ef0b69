package token

import (
	"fmt"
	"strings"
)

// MaxScopeLen is the longest scope accepted.
const MaxScopeLen = 128

// ValidateScope reports whether s is a well-formed scope: "*", or two or
// more segments separated by ":" ("clients:read", "cb-wallets:*",
// "reports:monthly:read"). Segments are made of ASCII letters, digits, "-",
// "_" and "."; the last may be "*" alone, granting every scope that starts
// with the segments before it.
func ValidateScope(s string) error {
	if s == "*" {
		return nil
	}
	if s == "" {
		return fmt.Errorf("%w: scope %q: empty", ErrValidation, s)
	}
	if len(s) > MaxScopeLen {
		return fmt.Errorf("%w: scope %q: longer than %d characters", ErrValidation, s, MaxScopeLen)
	}
	segs := strings.Split(s, ":")
	if len(segs) < 2 {
		return fmt.Errorf("%w: scope %q: want resource:action", ErrValidation, s)
	}
	for i, seg := range segs {
		if seg == "" {
			return fmt.Errorf("%w: scope %q: empty segment", ErrValidation, s)
		}
		if seg == "*" {
			if i != len(segs)-1 {
				return fmt.Errorf("%w: scope %q: \"*\" may only be the last segment", ErrValidation, s)
			}
			continue
		}
		for j := 0; j < len(seg); j++ {
			if !scopeChar(seg[j]) {
				return fmt.Errorf("%w: scope %q: character %q not allowed", ErrValidation, s, rune(seg[j]))
			}
		}
	}
	return nil
}

func scopeChar(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '-' || c == '_' || c == '.'
}

// ScopeCovers reports whether a granted scope covers a required one: they
// are equal, the granted scope is "*", or it ends in ":*" and the required
// scope starts with what comes before the "*" ("clients:*" covers
// "clients:read" and "clients:notes:write", not "clientsx:read"). Scopes are
// compared exactly, case included.
func ScopeCovers(granted, required string) bool {
	if granted == required || granted == "*" {
		return true
	}
	n := len(granted)
	return n >= 2 && granted[n-1] == '*' && granted[n-2] == ':' &&
		len(required) > n-1 && required[:n-1] == granted[:n-1]
}

// grants reports whether any scope in either list covers required.
func grants(own, role []string, required string) bool {
	for _, g := range own {
		if ScopeCovers(g, required) {
			return true
		}
	}
	for _, g := range role {
		if ScopeCovers(g, required) {
			return true
		}
	}
	return false
}

// normalizeScopes validates scopes and returns them without duplicates, in
// the order given.
func normalizeScopes(scopes []string) ([]string, error) {
	if len(scopes) == 0 {
		return nil, nil
	}
	out := make([]string, 0, len(scopes))
	seen := make(map[string]bool, len(scopes))
	for _, s := range scopes {
		if err := ValidateScope(s); err != nil {
			return nil, err
		}
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out, nil
}
