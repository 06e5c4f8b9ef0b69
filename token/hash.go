package token

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"io"
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
	id   string
	pool sync.Pool // *digest
}

type digest struct {
	h   hash.Hash
	out [sha256.Size]byte
}

func newHasher(id string, key []byte) *hasher {
	k := append([]byte(nil), key...)
	hs := &hasher{id: id}
	hs.pool.New = func() any {
		if k == nil {
			return &digest{h: sha256.New()}
		}
		return &digest{h: hmac.New(sha256.New, k)}
	}
	return hs
}

func (hs *hasher) sum(secret string) Hash {
	d := hs.pool.Get().(*digest)
	d.h.Reset()
	_, _ = io.WriteString(d.h, secret)
	d.h.Sum(d.out[:0])
	out := Hash(d.out)
	hs.pool.Put(d)
	return out
}
