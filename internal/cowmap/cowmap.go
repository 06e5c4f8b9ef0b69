// Package cowmap is a map for data read on every request and written
// rarely: readers never lock and never write shared memory, so lookups scale
// with cores; a writer copies the one shard it changes.
package cowmap

import (
	"maps"
	"sync/atomic"
)

const shards = 64

// Map is a map sharded by key. Load and Range may run at any time; Store
// and Delete must be serialised by the caller (one mutex around writers).
// The zero Map is not usable: set Shard, which spreads keys over shards.
type Map[K comparable, V any] struct {
	Shard func(K) uint8
	m     [shards]atomic.Pointer[map[K]V]
}

// Load returns the value for k.
func (c *Map[K, V]) Load(k K) (V, bool) {
	p := c.m[c.Shard(k)%shards].Load()
	if p == nil {
		var zero V
		return zero, false
	}
	v, ok := (*p)[k]
	return v, ok
}

// Store sets the value for k. Callers serialise writers.
func (c *Map[K, V]) Store(k K, v V) {
	s := &c.m[c.Shard(k)%shards]
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

// Delete removes k. Callers serialise writers.
func (c *Map[K, V]) Delete(k K) {
	s := &c.m[c.Shard(k)%shards]
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

// Range calls fn for every entry of a snapshot, shard by shard.
func (c *Map[K, V]) Range(fn func(K, V)) {
	for i := range c.m {
		if p := c.m[i].Load(); p != nil {
			for k, v := range *p {
				fn(k, v)
			}
		}
	}
}

// StringShard spreads string keys whose last bytes vary, such as UUIDs,
// over the shards: FNV-1a over the last 8 bytes.
func StringShard(s string) uint8 {
	h := uint32(2166136261)
	for i := max(0, len(s)-8); i < len(s); i++ {
		h ^= uint32(s[i])
		h *= 16777619
	}
	return uint8(h)
}
