package cowmap

import (
	"strconv"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMap(t *testing.T) {
	m := Map[string, int]{Shard: StringShard}
	_, ok := m.Load("a")
	assert.False(t, ok)
	m.Delete("a")
	for i := range 500 {
		m.Store(strconv.Itoa(i), i)
	}
	for i := range 500 {
		v, ok := m.Load(strconv.Itoa(i))
		require.True(t, ok)
		assert.Equal(t, i, v)
	}
	m.Store("7", 70)
	v, _ := m.Load("7")
	assert.Equal(t, 70, v)
	m.Delete("7")
	_, ok = m.Load("7")
	assert.False(t, ok)
	n := 0
	m.Range(func(string, int) { n++ })
	assert.Equal(t, 499, n)
}

func TestReadersSeeWholeWrites(t *testing.T) {
	m := Map[string, int]{Shard: StringShard}
	var mu sync.Mutex
	var wg sync.WaitGroup
	bad := make([]int, 8)
	for g := range 8 {
		wg.Go(func() {
			for i := range 2000 {
				k := strconv.Itoa(i % 64)
				if v, ok := m.Load(k); ok && v%64 != i%64 {
					bad[g]++
				}
				if i%10 == g {
					mu.Lock()
					m.Store(k, i)
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	for g, b := range bad {
		assert.Zero(t, b, "reader %d saw a value under the wrong key", g)
	}
}
