package token_test

import (
	"net/netip"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenwarden/tokenwarden/token"
)

func TestParseAllow(t *testing.T) {
	good := map[string]string{
		"203.0.113.45":         "203.0.113.45/32",
		" 203.0.113.45 ":       "203.0.113.45/32",
		"192.168.1.0/24":       "192.168.1.0/24",
		"2001:db8::/32":        "2001:db8::/32",
		"2001:db8::1":          "2001:db8::1/128",
		"::ffff:10.1.2.3":      "10.1.2.3/32",
		"::ffff:10.1.2.0/120":  "10.1.2.0/24",
		"::ffff:0.0.0.0/96":    "0.0.0.0/0",
		"0.0.0.0/0":            "0.0.0.0/0",
		"::/0":                 "::/0",
		"10.0.0.0/8":           "10.0.0.0/8",
		"2001:DB8::/32":        "2001:db8::/32",
		"2001:db8:0:0:0:0:0:1": "2001:db8::1/128",
		"192.168.001.1":        "",
		"192.168.1.1/24":       "",
		"2001:db8::1/32":       "",
		"::ffff:10.0.0.0/95":   "",
		"fe80::1%eth0":         "",
		"fe80::%eth0/64":       "",
		"10.0.0.0/33":          "",
		"not an address":       "",
		"":                     "",
		"10.0.0.0/":            "",
		"10.0.0.0/8/8":         "",
		"1.2.3.4:80":           "",
		"[2001:db8::1]":        "",
		"10.0.0.256":           "",
		"::ffff:10.1.2.3/128 ": "10.1.2.3/32",
		"2001:db8::/32\x00":    "",
		"192.168.1.0/024":      "",
		"0x7f.0.0.1":           "",
		"127.1":                "",
		"2001:db8::/-1":        "",
		"１２７.０.０.１":            "",
	}
	for in, want := range good {
		p, err := token.ParseAllow(in)
		if want == "" {
			assert.ErrorIs(t, err, token.ErrValidation, "%q", in)
			continue
		}
		if assert.NoError(t, err, "%q", in) {
			assert.Equal(t, want, p.String(), "%q", in)
		}
	}
}

func TestParseAllowSuggestsCanonical(t *testing.T) {
	_, err := token.ParseAllow("192.168.1.77/24")
	require.ErrorIs(t, err, token.ErrValidation)
	assert.Contains(t, err.Error(), `"192.168.1.0/24"`)
	_, err = token.ParseAllow("2001:db8::1/32")
	require.ErrorIs(t, err, token.ErrValidation)
	assert.Contains(t, err.Error(), `"2001:db8::/32"`)
}

func TestParseAllowlistMergesDuplicatesAndFailsWhole(t *testing.T) {
	l, err := token.ParseAllowlist("10.0.0.1", "10.0.0.1/32", "::ffff:10.0.0.1", "2001:db8::/32")
	require.NoError(t, err)
	assert.Equal(t, []netip.Prefix{netip.MustParsePrefix("10.0.0.1/32"), netip.MustParsePrefix("2001:db8::/32")}, l)
	l, err = token.ParseAllowlist("10.0.0.1", "10.0.0.300")
	require.ErrorIs(t, err, token.ErrValidation)
	assert.Nil(t, l)
	assert.Contains(t, err.Error(), "10.0.0.300")
}

func TestNormalizeAllowlist(t *testing.T) {
	l, err := token.NormalizeAllowlist(nil)
	require.NoError(t, err)
	assert.Nil(t, l)
	_, err = token.NormalizeAllowlist([]netip.Prefix{{}})
	require.ErrorIs(t, err, token.ErrValidation)
	_, err = token.NormalizeAllowlist([]netip.Prefix{netip.PrefixFrom(netip.MustParseAddr("10.1.2.3"), 8)})
	require.ErrorIs(t, err, token.ErrValidation)
	assert.Contains(t, err.Error(), "10.0.0.0/8")
	l, err = token.NormalizeAllowlist([]netip.Prefix{netip.MustParsePrefix("::ffff:192.0.2.0/120")})
	require.NoError(t, err)
	assert.Equal(t, []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24")}, l)
}

func TestClientAddr(t *testing.T) {
	assert.Equal(t, netip.MustParseAddr("10.1.2.3"), token.ClientAddr(netip.MustParseAddr("::ffff:10.1.2.3")))
	assert.Equal(t, netip.MustParseAddr("fe80::1"), token.ClientAddr(netip.MustParseAddr("fe80::1%eth0")))
	assert.False(t, token.ClientAddr(netip.Addr{}).IsValid())
}
