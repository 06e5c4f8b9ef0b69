package token

import "fmt"

// Kind says whether a token is bound to one tenant. The zero Kind is
// invalid: Issue refuses it, so nothing becomes internal by omission. A
// token's kind never changes after it is issued.
type Kind uint8

const (
	// Internal tokens are not bound to a tenant: they pass the tenant check
	// for every tenant. Their scopes still apply; grant "*" to reach every API.
	Internal Kind = 1
	// External tokens are bound to the one tenant they were issued for.
	External Kind = 2
)

// String returns "internal" or "external", or "Kind(n)" for invalid kinds.
func (k Kind) String() string {
	switch k {
	case Internal:
		return "internal"
	case External:
		return "external"
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// Valid reports whether k is Internal or External.
func (k Kind) Valid() bool { return k == Internal || k == External }

// MarshalText encodes k as "internal" or "external".
func (k Kind) MarshalText() ([]byte, error) {
	if !k.Valid() {
		return nil, fmt.Errorf("%w: kind %d", ErrValidation, uint8(k))
	}
	return []byte(k.String()), nil
}

// UnmarshalText accepts "internal" or "external".
func (k *Kind) UnmarshalText(b []byte) error {
	v, err := ParseKind(string(b))
	if err != nil {
		return err
	}
	*k = v
	return nil
}

// ParseKind parses "internal" or "external".
func ParseKind(s string) (Kind, error) {
	switch s {
	case "internal":
		return Internal, nil
	case "external":
		return External, nil
	}
	return 0, fmt.Errorf("%w: kind %q: want \"internal\" or \"external\"", ErrValidation, s)
}
