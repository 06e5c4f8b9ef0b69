package middleware

import (
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// FuzzBearer checks parseBearer against RFC 6750's grammar written
// independently: it accepts exactly "Bearer" in any case, one or more
// spaces and a b64token, and returns that b64token.
func FuzzBearer(f *testing.F) {
	for _, s := range []string{
		"Bearer abc", "bearer  abc==", "BEARER a/b+c~d.e-f_g", "Bearer", "Bearer ", "Bearer\tabc",
		"Bearer abc def", "Basic abc", "Bearer =", "Bearer a=b", "Bearerabc", "Bearer \x00", "Beare\u0280 abc",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		got, ok := parseBearer(v)
		scheme, rest, hasSpace := strings.Cut(v, " ")
		tok := strings.TrimLeft(rest, " ")
		want := hasSpace && strings.EqualFold(scheme, "Bearer") && len(scheme) == 6 && tok != "" &&
			strings.Trim(strings.TrimRight(tok, "="), "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~+/") == "" &&
			strings.TrimRight(tok, "=") != ""
		require.Equal(t, want, ok, "%q", v)
		if ok {
			assert.Equal(t, tok, got)
			assert.True(t, strings.HasSuffix(v, got))
		} else {
			assert.Empty(t, got)
		}
	})
}

// FuzzSecret runs the whole extraction on arbitrary header and query
// values: it never panics, and what it returns is the trimmed value of the
// one source presented, badToken, or nothing.
func FuzzSecret(f *testing.F) {
	f.Add("Bearer tw_abc", "tw_abc", "k=v&api_key=x", 1, 0)
	f.Add("bearer  x", "", "api_key=%zz", 2, 1)
	f.Add("", " x ", "api%5Fkey=a+b", 0, 1)
	a := &Auth{sources: []source{
		{kind: srcBearer, name: "Authorization", key: "Authorization"},
		{kind: srcHeader, name: "x-key", key: "X-Key"},
		{kind: srcQuery, name: "api_key", key: "api_key"},
	}}
	f.Fuzz(func(t *testing.T, auth, key, rawQuery string, nAuth, nKey int) {
		nAuth, nKey = (nAuth%3+3)%3, (nKey%3+3)%3 // header lines: 0 to 2
		r := &http.Request{Header: http.Header{}, URL: &url.URL{RawQuery: rawQuery}}
		for range nAuth {
			r.Header.Add("Authorization", auth)
		}
		for range nKey {
			r.Header.Add("X-Key", key)
		}
		secret, multiple := a.secret(r)
		headers := nAuth + nKey
		q, err := url.ParseQuery(rawQuery)
		if err != nil {
			// url.ParseQuery refuses the whole query; the middleware may
			// still read one well-formed api_key from it
			if headers > 1 {
				require.True(t, multiple)
			}
			if multiple {
				require.Equal(t, badToken, secret)
			}
			return
		}
		queries := len(q["api_key"])
		require.Equal(t, headers+queries > 1, multiple)
		if multiple {
			require.Equal(t, badToken, secret)
			return
		}
		switch {
		case headers+queries == 0:
			require.Equal(t, noToken, secret)
		case queries == 1:
			require.Equal(t, strings.TrimSpace(q["api_key"][0]), secret)
		case nKey == 1:
			require.Equal(t, strings.TrimSpace(key), secret)
		case strings.TrimSpace(auth) == "":
			require.Equal(t, noToken, secret)
		default:
			b, ok := parseBearer(strings.TrimSpace(auth))
			if !ok {
				b = badToken
			}
			require.Equal(t, b, secret)
		}
	})
}

// FuzzForwardedFor walks arbitrary X-Forwarded-For lines: it never panics,
// and the client is the zero Addr, the peer, or an address that is written
// in the header.
func FuzzForwardedFor(f *testing.F) {
	f.Add("10.0.0.1:80", "198.51.100.1, 10.0.0.2", "")
	f.Add("10.0.0.1:80", "garbage", "10.0.0.3")
	f.Add("[fd00::1]:80", "::ffff:1.2.3.4, fd00::2%eth0", ",")
	a := &Auth{trusted: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("fd00::/8")}}
	f.Fuzz(func(t *testing.T, remote, line1, line2 string) {
		r := &http.Request{RemoteAddr: remote, Header: http.Header{"X-Forwarded-For": {line1, line2}}}
		got := a.clientAddr(r)
		if !got.IsValid() {
			return
		}
		assert.False(t, got.Is4In6())
		assert.Empty(t, got.Zone())
		peer := parseHop(remote)
		if got == peer {
			return
		}
		require.True(t, a.isTrusted(peer), "XFF read from an untrusted peer %q", remote)
		found := false
		for _, line := range []string{line1, line2} {
			for _, hop := range strings.Split(line, ",") {
				if parseHop(strings.TrimSpace(hop)) == got {
					found = true
				}
			}
		}
		require.True(t, found, "client %v is in no hop", got)
	})
}
