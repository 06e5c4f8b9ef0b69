package middleware

import (
	"net/http"
	"net/url"
	"strings"
)

type sourceKind uint8

const (
	srcHeader sourceKind = iota + 1 // a custom header carrying the bare token
	srcBearer                       // Authorization: Bearer <token>
	srcQuery                        // a query parameter
)

// source is one place a token may be presented.
type source struct {
	kind sourceKind
	name string // as configured: the header name or query parameter
	key  string // header: canonical form for direct map lookup; query: name
}

// Outcomes of extraction other than a presented secret. badToken can never
// be well formed (it has no "_"), so Verify answers it with ErrInvalid after
// its maintenance check, without touching the store.
const (
	noToken  = ""
	badToken = "\x00"
)

// secret returns the token a request presents: noToken when there is none,
// badToken when it is malformed (multiple reports whether that is because
// it was presented more than once). It does not allocate unless a query
// parameter carries escapes.
func (a *Auth) secret(r *http.Request) (secret string, multiple bool) {
	found := 0
	for i := range a.sources {
		s := &a.sources[i]
		var v string
		switch s.kind {
		case srcQuery:
			if r.URL == nil {
				continue
			}
			var n int
			v, n = queryParam(r.URL.RawQuery, s.key)
			if n == 0 {
				continue
			}
			found += n
		default:
			vals := r.Header[s.key]
			if len(vals) == 0 {
				continue
			}
			found += len(vals)
			v = strings.TrimSpace(vals[0])
			if s.kind == srcBearer && v != "" {
				var ok bool
				if v, ok = parseBearer(v); !ok {
					v = badToken
				}
			}
		}
		if found > 1 {
			return badToken, true
		}
		secret = v
	}
	return secret, false
}

// parseBearer returns the token of an Authorization value (already
// trimmed) per RFC 6750 section 2.1: the scheme "Bearer" in any case, one
// or more spaces, a b64token, nothing after it.
func parseBearer(v string) (string, bool) {
	const scheme = "bearer"
	if len(v) < len(scheme)+2 || v[len(scheme)] != ' ' || !asciiEqualFold(v[:len(scheme)], scheme) {
		return "", false
	}
	t := strings.TrimLeft(v[len(scheme):], " ")
	if !isB64Token(t) {
		return "", false
	}
	return t, true
}

// asciiEqualFold reports whether s equals lower (all lower-case ASCII)
// ignoring ASCII case; other bytes never match.
func asciiEqualFold(s, lower string) bool {
	if len(s) != len(lower) {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}

// isB64Token reports whether t is an RFC 6750 b64token:
// 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=".
func isB64Token(t string) bool {
	i := 0
	for i < len(t) && b64char(t[i]) {
		i++
	}
	if i == 0 {
		return false
	}
	for i < len(t) && t[i] == '=' {
		i++
	}
	return i == len(t)
}

func b64char(c byte) bool { return b64chars[c] }

// b64chars marks the b64token characters other than "=".
var b64chars = func() (t [256]bool) {
	for _, c := range []byte("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~+/") {
		t[c] = true
	}
	return t
}()

// queryParam returns the first value of param in a raw query, trimmed, and
// how many times param occurs. Keys and values are unescaped as
// url.ParseQuery does (only when they hold escapes); a value that does not
// unescape is badToken, a key that does not is not param.
func queryParam(raw, param string) (string, int) {
	var v string
	n := 0
	for raw != "" {
		var seg string
		seg, raw, _ = strings.Cut(raw, "&")
		if seg == "" {
			continue
		}
		k, val, _ := strings.Cut(seg, "=")
		if strings.ContainsAny(k, "%+") {
			var err error
			if k, err = url.QueryUnescape(k); err != nil {
				continue
			}
		}
		if k != param {
			continue
		}
		n++
		if n > 1 {
			continue
		}
		if strings.ContainsAny(val, "%+") {
			u, err := url.QueryUnescape(val)
			if err != nil {
				v = badToken
				continue
			}
			val = u
		}
		v = strings.TrimSpace(val)
	}
	return v, n
}

// validHeaderName reports whether s is an HTTP field name (an RFC 9110
// token).
func validHeaderName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' {
			continue
		}
		if !strings.ContainsRune("!#$%&'*+-.^_`|~", rune(c)) {
			return false
		}
	}
	return true
}
