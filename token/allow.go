package token

import (
	"fmt"
	"net/netip"
	"strings"
)

// ParseAllow parses one allowlist entry as a user types it: a single IPv4
// or IPv6 address ("203.0.113.45", "2001:db8::1") or a CIDR range
// ("192.168.1.0/24", "2001:db8::/32"). It refuses what netip refuses
// (leading zeros, zones), a range with host bits set (the error suggests the
// canonical form), and an IPv4-mapped IPv6 range shorter than /96; a mapped
// range of /96 or longer, or a mapped address, becomes its IPv4 equivalent.
func ParseAllow(s string) (netip.Prefix, error) {
	s = strings.TrimSpace(s)
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, fmt.Errorf("%w: allowlist entry %q: %v", ErrValidation, s, err)
		}
		return canonicalPrefix(p, s)
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("%w: allowlist entry %q: %v", ErrValidation, s, err)
	}
	if a.Zone() != "" {
		return netip.Prefix{}, fmt.Errorf("%w: allowlist entry %q: zones are not allowed", ErrValidation, s)
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// ParseAllowlist parses every entry with ParseAllow and drops duplicates.
// One bad entry fails the whole list.
func ParseAllowlist(entries ...string) ([]netip.Prefix, error) {
	out := make([]netip.Prefix, 0, len(entries))
	for _, e := range entries {
		p, err := ParseAllow(e)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return NormalizeAllowlist(out)
}

// NormalizeAllowlist checks prefixes built in code the way ParseAllow checks
// typed ones: each must be valid and canonical (no host bits), IPv4-mapped
// IPv6 ranges of /96 or longer become IPv4 ranges and shorter ones are
// refused. Duplicates are dropped; order is kept. A nil or empty list means
// any address and returns nil.
func NormalizeAllowlist(list []netip.Prefix) ([]netip.Prefix, error) {
	if len(list) == 0 {
		return nil, nil
	}
	out := make([]netip.Prefix, 0, len(list))
	seen := make(map[netip.Prefix]bool, len(list))
	for _, p := range list {
		if !p.IsValid() {
			return nil, fmt.Errorf("%w: allowlist entry %q is not a valid range", ErrValidation, p.String())
		}
		c, err := canonicalPrefix(p, p.String())
		if err != nil {
			return nil, err
		}
		if !seen[c] {
			seen[c] = true
			out = append(out, c)
		}
	}
	return out, nil
}

func canonicalPrefix(p netip.Prefix, typed string) (netip.Prefix, error) {
	if p.Addr().Zone() != "" {
		return netip.Prefix{}, fmt.Errorf("%w: allowlist entry %q: zones are not allowed", ErrValidation, typed)
	}
	if p.Addr().Is4In6() {
		if p.Bits() < 96 {
			return netip.Prefix{}, fmt.Errorf("%w: allowlist entry %q: an IPv4-mapped range must be /96 or longer", ErrValidation, typed)
		}
		p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
	}
	if m := p.Masked(); m != p {
		return netip.Prefix{}, fmt.Errorf("%w: allowlist entry %q has host bits set; did you mean %q?", ErrValidation, typed, m.String())
	}
	return p, nil
}

// ClientAddr returns a as the allowlist sees it: IPv4-mapped IPv6 addresses
// become IPv4 and any zone is dropped.
func ClientAddr(a netip.Addr) netip.Addr { return a.Unmap().WithZone("") }

// allowed reports whether addr (already passed through ClientAddr) is in
// list; an empty list allows every address, including an unknown one.
func allowed(list []netip.Prefix, addr netip.Addr) bool {
	if len(list) == 0 {
		return true
	}
	if !addr.IsValid() {
		return false
	}
	for _, p := range list {
		if p.Contains(addr) {
			return true
		}
	}
	return false
}
