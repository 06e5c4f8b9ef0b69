package middleware_test

import (
	"net/http"
	"net/netip"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/tokenwarden/tokenwarden/middleware"
	"github.com/tokenwarden/tokenwarden/token"
)

func prefixes(s ...string) []netip.Prefix {
	out := make([]netip.Prefix, len(s))
	for i, p := range s {
		out[i] = netip.MustParsePrefix(p)
	}
	return out
}

// TestClientAddress checks the address rules end to end: a token allowing
// only 198.51.100.0/24 (and 2001:db8:1::/48) passes exactly when the
// middleware decides the client is in it.
func TestClientAddress(t *testing.T) {
	e := newEnv(t)
	allowed, _ := e.issue(token.Spec{Allow: prefixes("198.51.100.0/24", "2001:db8:1::/48")})
	open, _ := e.issue(token.Spec{})
	proxies := []middleware.Option{middleware.WithTrustedProxies(prefixes("10.0.0.0/8", "fd00::/8")...)}
	cases := []struct {
		name   string
		opts   []middleware.Option
		remote string
		xff    []string
		want   int // for the allowlisted token
	}{
		{"peer in allowlist", nil, "198.51.100.9:5000", nil, 200},
		{"peer outside", nil, "203.0.113.7:5000", nil, 403},
		{"ipv6 peer", nil, "[2001:db8:1::5]:443", nil, 200},
		{"ipv6 peer with zone", nil, "[2001:db8:1::5%eth0]:443", nil, 200},
		{"ipv4-mapped peer", nil, "[::ffff:198.51.100.9]:5000", nil, 200},
		{"bare ip peer", nil, "198.51.100.9", nil, 200},
		{"unparseable peer", nil, "@unix-socket", nil, 403},
		{"empty peer", nil, "", nil, 403},
		{"spoofed XFF without trusted proxies", nil, "203.0.113.7:5000", []string{"198.51.100.9"}, 403},
		{"XFF ignored without trusted proxies", nil, "198.51.100.9:5000", []string{"203.0.113.7"}, 200},
		{"spoofed XFF from untrusted peer", proxies, "203.0.113.7:5000", []string{"198.51.100.9"}, 403},
		{"XFF from untrusted peer ignored", proxies, "198.51.100.9:5000", []string{"203.0.113.7"}, 200},
		{"trusted proxy", proxies, "10.1.2.3:5000", []string{"198.51.100.9"}, 200},
		{"trusted proxy, client outside", proxies, "10.1.2.3:5000", []string{"203.0.113.7"}, 403},
		{"trusted chain", proxies, "10.1.2.3:5000", []string{"198.51.100.9, 10.9.9.9, 10.8.8.8"}, 200},
		{"spoofed left of real client", proxies, "10.1.2.3:5000", []string{"198.51.100.9, 203.0.113.7, 10.8.8.8"}, 403},
		{"client left of spoof is not read", proxies, "10.1.2.3:5000", []string{"203.0.113.7, 198.51.100.9"}, 200},
		{"several lines, last wins", proxies, "10.1.2.3:5000", []string{"203.0.113.7", "198.51.100.9, 10.0.0.2"}, 200},
		{"several lines, walked across", proxies, "10.1.2.3:5000", []string{"198.51.100.9", "10.0.0.2"}, 200},
		{"several lines, untrusted last", proxies, "10.1.2.3:5000", []string{"198.51.100.9", "203.0.113.7"}, 403},
		{"hop with port", proxies, "10.1.2.3:5000", []string{"198.51.100.9:1234"}, 200},
		{"ipv6 hop", proxies, "[fd00::1]:5000", []string{"2001:db8:1::7"}, 200},
		{"mapped hop", proxies, "10.1.2.3:5000", []string{"::ffff:198.51.100.9"}, 200},
		{"mapped trusted peer", proxies, "[::ffff:10.1.2.3]:5000", []string{"198.51.100.9"}, 200},
		{"unparseable hop", proxies, "10.1.2.3:5000", []string{"unknown"}, 403},
		{"unparseable hop before allowed", proxies, "10.1.2.3:5000", []string{"198.51.100.9, garbage, 10.0.0.2"}, 403},
		{"unparseable hop left of client not read", proxies, "10.1.2.3:5000", []string{"garbage, 198.51.100.9"}, 200},
		{"empty hop", proxies, "10.1.2.3:5000", []string{"198.51.100.9,,10.0.0.2"}, 403},
		{"empty line", proxies, "10.1.2.3:5000", []string{""}, 403},
		{"all hops trusted: leftmost", proxies, "10.1.2.3:5000", []string{"10.0.0.5, 10.0.0.6"}, 403},
		{"trusted peer without XFF", proxies, "10.1.2.3:5000", nil, 403},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := e.auth(tc.opts...).Authenticate(&reached{})
			for _, secret := range []string{allowed, open} {
				r := get("/", "X-API-Key", secret)
				r.RemoteAddr = tc.remote
				for _, v := range tc.xff {
					r.Header.Add("X-Forwarded-For", v)
				}
				r.Header.Set("X-Real-IP", "198.51.100.9")
				r.Header.Set("Forwarded", "for=198.51.100.9")
				want := tc.want
				if secret == open {
					want = http.StatusOK // no allowlist: any address, unknown included
				}
				w := serve(h, r)
				assert.Equal(t, want, w.Code)
				if w.Code == 403 {
					assert.Equal(t, "client address not allowed for this token", requireDenied(t, w, 403).Msg)
					assert.NotContains(t, w.Body.String(), "198.51")
					assert.NotContains(t, w.Body.String(), "203.0")
				}
			}
		})
	}
}

// TestTrustedProxiesCanonical: trusted ranges are normalised like
// allowlists, so an IPv4-mapped range trusts the IPv4 peers.
func TestTrustedProxiesCanonical(t *testing.T) {
	e := newEnv(t)
	s, _ := e.issue(token.Spec{Allow: prefixes("198.51.100.0/24")})
	h := e.auth(middleware.WithTrustedProxies(prefixes("::ffff:10.0.0.0/104")...)).Authenticate(&reached{})
	r := get("/", "X-API-Key", s, "X-Forwarded-For", "198.51.100.1")
	r.RemoteAddr = "10.2.3.4:80"
	assert.Equal(t, 200, serve(h, r).Code)
}
