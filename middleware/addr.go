package middleware

import (
	"net/http"
	"net/netip"
	"strings"

	"github.com/tokenwarden/tokenwarden/token"
)

// xffKey is X-Forwarded-For as net/http stores it.
var xffKey = http.CanonicalHeaderKey(HeaderXForwardedFor)

// clientAddr returns the address a request's token is checked against:
// the connection's peer, or, when the peer is a trusted proxy, the first
// untrusted hop of X-Forwarded-For read from the right. The zero Addr
// means unknown.
func (a *Auth) clientAddr(r *http.Request) netip.Addr {
	peer := parseHop(r.RemoteAddr)
	if len(a.trusted) == 0 || !peer.IsValid() || !a.isTrusted(peer) {
		return peer
	}
	lines := r.Header[xffKey]
	client := peer
	for i := len(lines) - 1; i >= 0; i-- {
		v := lines[i]
		for {
			start := strings.LastIndexByte(v, ',') + 1
			hop := parseHop(strings.TrimSpace(v[start:]))
			if !hop.IsValid() {
				return netip.Addr{}
			}
			if !a.isTrusted(hop) {
				return hop
			}
			client = hop
			if start == 0 {
				break
			}
			v = v[:start-1]
		}
	}
	return client // every hop is trusted: the leftmost, or the peer if none
}

func (a *Auth) isTrusted(addr netip.Addr) bool {
	for _, p := range a.trusted {
		if p.Contains(addr) {
			return true
		}
	}
	return false
}

// parseHop parses an address as RemoteAddr or X-Forwarded-For carry it:
// "ip:port", "[ipv6]:port" or a bare IP, optionally with a zone. It returns
// the address unmapped and without zone, or the zero Addr.
func parseHop(s string) netip.Addr {
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return token.ClientAddr(ap.Addr())
	}
	if a, err := netip.ParseAddr(s); err == nil {
		return token.ClientAddr(a)
	}
	return netip.Addr{}
}
