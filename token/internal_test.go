package token

import (
	"hash/crc32"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestCRC32StringMatchesStdlib(t *testing.T) {
	src := strings.Repeat("The quick brown fox_0123456789", 5)
	for n := range len(src) {
		assert.Equal(t, crc32.ChecksumIEEE([]byte(src[:n])), crc32String(src[:n]), "length %d", n)
	}
}

func TestWindowCacheAgreesWithQuotaWindow(t *testing.T) {
	loc, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	m := &Manager{cfg: config{loc: loc}}
	start := time.Date(2026, 3, 7, 22, 0, 0, 0, time.UTC)
	for _, q := range []Quota{PerDay(1), PerMonth(1), Total(1)} {
		for i := range 24 * 40 {
			now := start.Add(time.Duration(i)*time.Hour + 59*time.Minute)
			ws, we := q.Window(now, loc)
			gs, ge := m.window(q, now)
			assert.Equal(t, ws, gs, "%v start at %v", q.Period, now)
			assert.Equal(t, we, ge, "%v end at %v", q.Period, now)
		}
	}
}
