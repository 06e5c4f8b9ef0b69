package testclock

import (
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestClockMovesOnlyWhenTold(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	c := New(t0)
	assert.Equal(t, t0, c.Now())
	c.Advance(time.Hour)
	assert.Equal(t, t0.Add(time.Hour), c.Now())
	c.Set(t0)
	assert.Equal(t, t0, c.Now())
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() { c.Advance(time.Second); _ = c.Now() })
	}
	wg.Wait()
	assert.Equal(t, t0.Add(50*time.Second), c.Now())
}
