package token

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"sync"
)

// Hash is what a store keeps of a secret and looks tokens up by: SHA-256
// of the whole secret, or HMAC-SHA-256 when the Manager has a pepper.
type Hash [sha256.Size]byte

// IsZero reports whether h is all zeros (no hash).
func (h Hash) IsZero() bool { return h == Hash{} }

// String returns h in hexadecimal.
func (h Hash) String() string { return hex.EncodeToString(h[:]) }

// HashSecret returns the unpeppered hash of a secret: SHA-256 of its
// plaintext. Stores never need it; it is for tools that migrate tokens.
func HashSecret(s Secret) Hash { return sha256.Sum256([]byte(s.s)) }

// hasher computes secret hashes with one key (nil: plain SHA-256) without
// allocating on the hot path: digests are pooled with their output buffer.
type hasher struct {
	id    string
	plain bool      // no key: SHA-256
	pool  sync.Pool // *digest, for HMAC
}

type digest struct {
	h   hash.Hash
	buf []byte
	out [sha256.Size]byte
}

func newHasher(id string, key []byte) *hasher {
	hs := &hasher{id: id, plain: key == nil}
	k := append([]byte(nil), key...)
	hs.pool.New = func() any {
		if k == nil {
			return &digest{h: sha256.New()}
		}
		return &digest{h: hmac.New(sha256.New, k)}
	}
	return hs
}

// sum hashes a secret. Secrets reaching it are well formed (at most
// maxSecretLen bytes) on the verification path; longer input, from tools,
// takes a slower path.
func (hs *hasher) sum(secret string) Hash {
	if hs.plain {
		if len(secret) <= maxSecretLen {
			var buf [maxSecretLen]byte
			n := copy(buf[:], secret)
			return sha256.Sum256(buf[:n])
		}
		return sha256.Sum256([]byte(secret))
	}
	d := hs.pool.Get().(*digest)
	d.buf = append(d.buf[:0], secret...)
	d.h.Reset()
	d.h.Write(d.buf)
	d.h.Sum(d.out[:0])
	out := Hash(d.out)
	hs.pool.Put(d)
	return out
}

// maxSecretLen is the length of the longest well-formed secret.
const maxSecretLen = MaxPrefixLen + 1 + bodyLen
