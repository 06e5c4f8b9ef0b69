package token_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"log/slog"
	"math/big"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenwarden/tokenwarden/token"
)

const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// checksum computes the 6-digit base62 CRC-32 independently of the package,
// through math/big, as a secret scanner would.
func checksum(s string) string {
	n := new(big.Int).SetUint64(uint64(crc32.ChecksumIEEE([]byte(s))))
	digits := n.Text(62) // math/big uses 0-9a-zA-Z: remap to 0-9A-Za-z
	var b strings.Builder
	for _, c := range digits {
		switch {
		case c >= 'a' && c <= 'z':
			b.WriteByte(byte(c-'a') + 'A')
		case c >= 'A' && c <= 'Z':
			b.WriteByte(byte(c-'A') + 'a')
		default:
			b.WriteRune(c)
		}
	}
	return strings.Repeat("0", 6-b.Len()) + b.String()
}

func TestNewSecretFormat(t *testing.T) {
	for _, prefix := range []string{"tw", "acme", "sk_live", "a", "abcdefghijklmnop"} {
		s, err := token.NewSecret(prefix)
		require.NoError(t, err)
		plain := s.Reveal()
		require.True(t, strings.HasPrefix(plain, prefix+"_"), plain)
		body := plain[len(prefix)+1:]
		require.Len(t, body, 38)
		for _, c := range body {
			require.Contains(t, alphabet, string(c))
		}
		assert.Equal(t, checksum(plain[:len(plain)-6]), body[32:], "checksum of %s", plain)
		assert.Equal(t, prefix, s.Prefix())
		assert.Equal(t, prefix+"_…"+plain[len(plain)-4:], s.Hint())
		parsed, err := token.ParseSecret(plain)
		require.NoError(t, err)
		assert.Equal(t, plain, parsed.Reveal())
	}
}

func TestChecksumKnownVector(t *testing.T) {
	// CRC-32 (IEEE) of "tw_" + 32 zeros is fixed; its base62 form must be
	// the same on every implementation that scans for leaked tokens.
	head := "tw_" + strings.Repeat("0", 32)
	sum := crc32.ChecksumIEEE([]byte(head))
	want := checksum(head)
	s := head + want
	_, err := token.ParseSecret(s)
	require.NoError(t, err, "crc %d → %s", sum, want)
}

func TestNewSecretUsesWholeAlphabetUniformly(t *testing.T) {
	counts := map[rune]int{}
	const n = 2000
	for range n {
		s, err := token.NewSecret("tw")
		require.NoError(t, err)
		for _, c := range s.Reveal()[3 : 3+32] {
			counts[c]++
		}
	}
	require.Len(t, counts, 62, "every base62 character appears")
	// 64000 draws over 62 symbols: expect ≈1032 each. Modulo bias of a
	// byte%62 would give the first 8 symbols ≈ 5/4 of the others; allow
	// ±20%, far beyond random spread (σ≈32).
	for c, k := range counts {
		assert.InDelta(t, n*32/62, k, n*32/62*0.2, "character %q", c)
	}
}

func TestParseSecretRefuses(t *testing.T) {
	good, err := token.NewSecret("acme")
	require.NoError(t, err)
	g := good.Reveal()
	flip := func(i int) string {
		b := []byte(g)
		if b[i] == 'a' {
			b[i] = 'b'
		} else {
			b[i] = 'a'
		}
		return string(b)
	}
	cases := map[string]string{
		"no underscore":      strings.ReplaceAll(g, "_", ""),
		"typo in random":     flip(10),
		"typo in checksum":   flip(len(g) - 1),
		"short":              g[:len(g)-1],
		"long":               g + "0",
		"bad char":           g[:8] + "-" + g[9:],
		"upper prefix":       "ACME" + g[4:],
		"empty prefix":       g[4:],
		"space":              " " + g,
		"trailing newline":   g + "\n",
		"unicode":            g[:10] + "é" + g[12:],
		"prefix too long":    "abcdefghijklmnopq" + g[4:],
		"two underscores":    "a_b_c" + g[4:],
		"leading digit":      "1cme" + g[4:],
		"trailing underscor": "acme_" + g[4:],
	}
	for name, s := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := token.ParseSecret(s)
			require.ErrorIs(t, err, token.ErrInvalid)
		})
	}
	_, err = token.ParseSecret("")
	require.ErrorIs(t, err, token.ErrMissing)
}

func TestValidatePrefix(t *testing.T) {
	for _, ok := range []string{"tw", "acme", "sk_live", "a1", "a_1", "abcdefghijklmnop"} {
		assert.NoError(t, token.ValidatePrefix(ok), ok)
	}
	for _, bad := range []string{"", "Tw", "1a", "_a", "a_", "a__b", "a_b_c", "a-b", "abcdefghijklmnopq", "tw ", "té"} {
		assert.ErrorIs(t, token.ValidatePrefix(bad), token.ErrValidation, bad)
	}
}

func TestSecretRedacts(t *testing.T) {
	s, err := token.NewSecret("tw")
	require.NoError(t, err)
	plain := s.Reveal()
	type wrapper struct{ S token.Secret }
	outputs := []string{
		fmt.Sprint(s), fmt.Sprintf("%v", s), fmt.Sprintf("%s", s), fmt.Sprintf("%+v", s),
		fmt.Sprintf("%#v", s), fmt.Sprintf("%q", s), fmt.Sprintf("%x", s), fmt.Sprintf("%d", s),
		fmt.Sprintf("%v", wrapper{s}), fmt.Sprintf("%+v", wrapper{s}), fmt.Sprintf("%#v", wrapper{s}),
		fmt.Sprintf("%v", &s), s.String(), s.GoString(),
	}
	j, err := json.Marshal(wrapper{s})
	require.NoError(t, err)
	outputs = append(outputs, string(j))
	txt, err := s.MarshalText()
	require.NoError(t, err)
	outputs = append(outputs, string(txt))
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("issued", "secret", s, "w", wrapper{s})
	slog.New(slog.NewTextHandler(&buf, nil)).Info("issued", "secret", s)
	outputs = append(outputs, buf.String())
	for _, out := range outputs {
		assert.NotContains(t, out, plain)
		assert.NotContains(t, out, plain[3:20])
		assert.Contains(t, out, "REDACTED")
	}
}

func TestHashSecret(t *testing.T) {
	s, err := token.NewSecret("tw")
	require.NoError(t, err)
	h := token.HashSecret(s)
	require.False(t, h.IsZero())
	assert.Len(t, h.String(), 64)
	assert.NotContains(t, h.String(), s.Reveal())
}

func TestNewSecretsCarryScannerChecksum(t *testing.T) {
	for range 200 {
		s, err := token.NewSecret("sk_live")
		require.NoError(t, err)
		plain := s.Reveal()
		assert.Equal(t, checksum(plain[:len(plain)-6]), plain[len(plain)-6:])
	}
}

func TestDocumentedExampleSecretIsValid(t *testing.T) {
	// The example in Secret's documentation and the README must pass the
	// checksum a scanner applies.
	const example = "acme_q9OgyYcWz7cX54aGyRvNcuvyEqN1QerD4LhqdO"
	s, err := token.ParseSecret(example)
	require.NoError(t, err)
	assert.Equal(t, checksum(example[:len(example)-6]), example[len(example)-6:])
	assert.Equal(t, "acme", s.Prefix())
}
