package token_test

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/tokenwarden/tokenwarden/token"
)

func FuzzParseSecret(f *testing.F) {
	s, _ := token.NewSecret("tw")
	f.Add(s.Reveal())
	s, _ = token.NewSecret("sk_live")
	f.Add(s.Reveal())
	f.Add("")
	f.Add("tw_")
	f.Add("a_b_c_0000000000000000000000000000000000000000")
	f.Fuzz(func(t *testing.T, in string) {
		sec, err := token.ParseSecret(in)
		if err != nil {
			if sec.Reveal() != "" {
				t.Fatalf("refused %q but returned a secret", in)
			}
			return
		}
		// Accepted: must have the documented shape exactly.
		i := strings.LastIndexByte(in, '_')
		if i < 0 || len(in)-i-1 != 38 || token.ValidatePrefix(in[:i]) != nil {
			t.Fatalf("accepted malformed %q", in)
		}
		if sec.Reveal() != in || sec.Prefix() != in[:i] {
			t.Fatalf("round trip of %q", in)
		}
		if strings.Contains(sec.String(), in) || strings.Contains(sec.Hint(), in[i+1:i+30]) {
			t.Fatalf("secret leaked through String or Hint")
		}
	})
}

func FuzzScope(f *testing.F) {
	for _, s := range []string{"*", "clients:read", "clients:*", "a:b:c", "a::b", "x:*:y", ""} {
		f.Add(s, "clients:read")
	}
	f.Fuzz(func(t *testing.T, granted, required string) {
		valid := token.ValidateScope(granted) == nil
		if valid && (granted == "" || strings.ContainsAny(granted, " \t\n\x00") || len(granted) > token.MaxScopeLen) {
			t.Fatalf("accepted %q", granted)
		}
		covers := token.ScopeCovers(granted, required)
		if granted == required && !covers {
			t.Fatalf("%q does not cover itself", granted)
		}
		if covers && granted != "*" && granted != required {
			// Only a trailing ":*" widens a grant, and only to its own prefix.
			if !strings.HasSuffix(granted, ":*") || !strings.HasPrefix(required, strings.TrimSuffix(granted, "*")) {
				t.Fatalf("%q covers %q", granted, required)
			}
		}
	})
}

func FuzzParseAllow(f *testing.F) {
	for _, s := range []string{"203.0.113.45", "192.168.1.0/24", "2001:db8::/32", "::ffff:10.1.2.3", "::ffff:10.0.0.0/104", "fe80::1%eth0", "1.2.3.4/33", "10.0.0.1/8"} {
		f.Add(s, "10.1.2.3")
	}
	f.Fuzz(func(t *testing.T, entry, client string) {
		p, err := token.ParseAllow(entry)
		if err != nil {
			return
		}
		if !p.IsValid() || p.Masked() != p || p.Addr().Is4In6() || p.Addr().Zone() != "" {
			t.Fatalf("ParseAllow(%q) = %v: not canonical", entry, p)
		}
		again, err := token.ParseAllow(p.String())
		if err != nil || again != p {
			t.Fatalf("canonical form %v of %q does not parse back: %v", p, entry, err)
		}
		list, err := token.NormalizeAllowlist([]netip.Prefix{p, p})
		if err != nil || len(list) != 1 {
			t.Fatalf("normalize %v: %v %v", p, list, err)
		}
		if a, err := netip.ParseAddr(client); err == nil {
			// A mapped client address matches exactly what its IPv4 form does.
			if a.Is4() && p.Contains(a) != p.Contains(token.ClientAddr(netip.AddrFrom16(a.As16()))) {
				t.Fatalf("%v: %v and its mapped form disagree", p, a)
			}
		}
	})
}
