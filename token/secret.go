package token

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"log/slog"
	"strings"
)

const (
	randomLen   = 32 // base62 characters of crypto/rand output (≈190 bits)
	checksumLen = 6  // base62 digits of CRC-32 (IEEE)
	bodyLen     = randomLen + checksumLen
	// MaxPrefixLen is the longest prefix a Manager accepts.
	MaxPrefixLen = 16
	// DefaultPrefix is the prefix of secrets issued by a Manager configured
	// without WithPrefix.
	DefaultPrefix = "tw"

	base62   = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	redacted = "[REDACTED]"
)

// Secret is a token's plaintext secret. Issue and Rotate return it exactly
// once; the store keeps only its hash. A Secret redacts itself wherever it
// is printed, logged or encoded (fmt with any verb, log/slog, encoding/json,
// encoding.TextMarshaler): the plaintext comes only from Reveal.
//
// The format is "{prefix}_{32 random base62}{6 base62 CRC-32}", for example
// "acme_q9OgyYcWz7cX54aGyRvNcuvyEqN1QerD4LhqdO". The checksum lets Verify
// refuse typos and garbage without a store call and lets secret scanners
// recognise leaked tokens; it is not authentication.
//
// The zero Secret is empty.
type Secret struct{ s string }

// Reveal returns the plaintext secret, to be shown to its owner once.
func (s Secret) Reveal() string { return s.s }

// IsZero reports whether s is the empty Secret.
func (s Secret) IsZero() bool { return s.s == "" }

// String returns "[REDACTED]".
func (s Secret) String() string { return redacted }

// GoString returns "[REDACTED]", so %#v does not print the plaintext.
func (s Secret) GoString() string { return redacted }

// Format writes "[REDACTED]" for every verb and flag.
func (s Secret) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(redacted)) }

// LogValue makes log/slog print "[REDACTED]".
func (s Secret) LogValue() slog.Value { return slog.StringValue(redacted) }

// MarshalText returns "[REDACTED]".
func (s Secret) MarshalText() ([]byte, error) { return []byte(redacted), nil }

// MarshalJSON returns "[REDACTED]" as a JSON string.
func (s Secret) MarshalJSON() ([]byte, error) { return json.Marshal(redacted) }

// Prefix returns the part of the secret before its last underscore.
func (s Secret) Prefix() string {
	i := strings.LastIndexByte(s.s, '_')
	if i < 0 {
		return ""
	}
	return s.s[:i]
}

// Hint returns the non-secret display form kept by the store: the prefix,
// an ellipsis and the last four characters ("tw_…9xQa"). It is empty for the
// zero Secret.
func (s Secret) Hint() string { return hint(s.s) }

func hint(s string) string {
	i := strings.LastIndexByte(s, '_')
	if i < 0 || len(s)-i-1 < 4 {
		return ""
	}
	return s[:i] + "_…" + s[len(s)-4:]
}

// ParseSecret checks that s has the secret format and a correct checksum,
// without consulting any store, and returns it as a Secret. It does not
// check the prefix against any Manager's configuration. Every failure is an
// error matching ErrInvalid ("" matches ErrMissing).
func ParseSecret(s string) (Secret, error) {
	if s == "" {
		return Secret{}, ErrMissing
	}
	if !wellFormed(s) {
		return Secret{}, ErrInvalid
	}
	return Secret{s}, nil
}

// wellFormed reports whether s is prefix "_" body with a valid prefix, a
// base62 body of the right length and a matching checksum. It does not
// allocate.
func wellFormed(s string) bool {
	i := strings.LastIndexByte(s, '_')
	return i >= 0 && ValidatePrefix(s[:i]) == nil && wellFormedBody(s, i)
}

// wellFormedBody checks what follows the underscore at s[i]: the length,
// the alphabet and the checksum. It does not allocate.
func wellFormedBody(s string, i int) bool {
	if len(s)-i-1 != bodyLen {
		return false
	}
	body := s[i+1:]
	for j := 0; j < len(body); j++ {
		if base62Values[body[j]] < 0 {
			return false
		}
	}
	var sum uint64
	for j := randomLen; j < bodyLen; j++ {
		sum = sum*62 + uint64(base62Values[body[j]])
	}
	return sum == uint64(crc32String(s[:len(s)-checksumLen]))
}

// crc32String is crc32.ChecksumIEEE over a string, slicing by 8, without
// converting the string to a []byte: that conversion would allocate on the
// verification path (the checksummed part is longer than the compiler's
// stack buffer), and crc32's assembly makes any buffer passed to it escape.
func crc32String(s string) uint32 {
	crc := ^uint32(0)
	for len(s) >= 8 {
		crc ^= uint32(s[0]) | uint32(s[1])<<8 | uint32(s[2])<<16 | uint32(s[3])<<24
		crc = crcTables[7][crc&0xff] ^ crcTables[6][crc>>8&0xff] ^ crcTables[5][crc>>16&0xff] ^ crcTables[4][crc>>24] ^
			crcTables[3][s[4]] ^ crcTables[2][s[5]] ^ crcTables[1][s[6]] ^ crcTables[0][s[7]]
		s = s[8:]
	}
	for i := 0; i < len(s); i++ {
		crc = crcTables[0][byte(crc)^s[i]] ^ (crc >> 8)
	}
	return ^crc
}

// crcTables are the slicing-by-8 tables for CRC-32 (IEEE).
var crcTables = func() (t [8][256]uint32) {
	t[0] = *crc32.IEEETable
	for i := range 256 {
		c := t[0][i]
		for k := 1; k < 8; k++ {
			c = t[0][c&0xff] ^ c>>8
			t[k][i] = c
		}
	}
	return t
}()

// base62Values maps a byte to its base62 digit value, or -1.
var base62Values = func() (t [256]int8) {
	for i := range t {
		t[i] = -1
	}
	for i := 0; i < len(base62); i++ {
		t[base62[i]] = int8(i)
	}
	return t
}()

// ValidatePrefix reports whether p can prefix secrets: a lower-case letter,
// then lower-case letters and digits, optionally one "_" and one more
// segment of lower-case letters and digits ("tw", "acme", "sk_live"); at
// most MaxPrefixLen characters.
func ValidatePrefix(p string) error {
	if p == "" || len(p) > MaxPrefixLen || p[0] < 'a' || p[0] > 'z' {
		return fmt.Errorf("%w: prefix %q: want [a-z][a-z0-9]* with at most one _segment, %d characters at most", ErrValidation, p, MaxPrefixLen)
	}
	underscores := 0
	for i := 1; i < len(p); i++ {
		c := p[i]
		switch {
		case 'a' <= c && c <= 'z', '0' <= c && c <= '9':
		case c == '_' && underscores == 0 && i < len(p)-1:
			underscores++
		default:
			return fmt.Errorf("%w: prefix %q: want [a-z][a-z0-9]* with at most one _segment, %d characters at most", ErrValidation, p, MaxPrefixLen)
		}
	}
	return nil
}

// NewSecret returns a fresh random secret with the given prefix. Most
// callers use Manager.Issue instead, which also stores its hash.
func NewSecret(prefix string) (Secret, error) {
	if err := ValidatePrefix(prefix); err != nil {
		return Secret{}, err
	}
	b := make([]byte, 0, len(prefix)+1+bodyLen)
	b = append(b, prefix...)
	b = append(b, '_')
	// Rejection sampling: 6 random bits give 0..63; keep values below 62 so
	// every base62 character is equally likely.
	var buf [64]byte
	for n := 0; n < randomLen; {
		if _, err := rand.Read(buf[:]); err != nil {
			return Secret{}, fmt.Errorf("token: reading random bytes: %w", err)
		}
		for _, r := range buf {
			if v := r & 63; v < 62 && n < randomLen {
				b = append(b, base62[v])
				n++
			}
		}
	}
	sum := crc32.ChecksumIEEE(b)
	var digits [checksumLen]byte
	for i := checksumLen - 1; i >= 0; i-- {
		digits[i] = base62[sum%62]
		sum /= 62
	}
	b = append(b, digits[:]...)
	return Secret{string(b)}, nil
}
