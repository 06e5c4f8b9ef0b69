package memstore

import (
	"maps"
	"sync/atomic"
)

const shards = 64

// cowMap is a map sharded by key whose readers never lock or write shared
// memory: each shard is an immutable map behind an atomic pointer, and a
// writer (serialised by the Store's mutex) copies the one shard it changes.
// Reads therefore scale with cores; writes cost a copy of 1/64 of the map.
type cowMap[K comparable, V any] struct {
	shard func(K) uint8
	m     [shards]atomic.Pointer[map[K]V]
}

func (c *cowMap[K, V]) load(k K) (V, bool) {
	p := c.m[c.shard(k)%shards].Load()
	if p == nil {
		var zero V
		return zero, false
	}
	v, ok := (*p)[k]
	return v, ok
}

// store and delete must be called with the Store's write lock held.
func (c *cowMap[K, V]) store(k K, v V) {
	s := &c.m[c.shard(k)%shards]
	var next map[K]V
	if p := s.Load(); p != nil {
		next = make(map[K]V, len(*p)+1)
		maps.Copy(next, *p)
	} else {
		next = make(map[K]V, 1)
	}
	next[k] = v
	s.Store(&next)
}

func (c *cowMap[K, V]) delete(k K) {
	s := &c.m[c.shard(k)%shards]
	p := s.Load()
	if p == nil {
		return
	}
	if _, ok := (*p)[k]; !ok {
		return
	}
	next := maps.Clone(*p)
	delete(next, k)
	s.Store(&next)
}

// each calls fn for every entry, shard by shard, on a snapshot.
func (c *cowMap[K, V]) each(fn func(K, V)) {
	for i := range c.m {
		if p := c.m[i].Load(); p != nil {
			for k, v := range *p {
				fn(k, v)
			}
		}
	}
}

func stringShard(s string) uint8 {
	// FNV-1a over the last 8 bytes: the random tail of a UUIDv7 (ids are
	// the only keys), enough to spread them over the shards.
	h := uint32(2166136261)
	for i := max(0, len(s)-8); i < len(s); i++ {
		h ^= uint32(s[i])
		h *= 16777619
	}
	return uint8(h)
}
