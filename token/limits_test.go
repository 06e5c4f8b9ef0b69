package token_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenwarden/tokenwarden/token"
)

func TestQuotaWindow(t *testing.T) {
	bogota, err := time.LoadLocation("America/Bogota")
	require.NoError(t, err)
	ny, err := time.LoadLocation("America/New_York")
	require.NoError(t, err)
	now := time.Date(2026, 3, 14, 3, 30, 0, 0, time.UTC)

	s, e := token.PerDay(10).Window(now, nil)
	assert.Equal(t, time.Date(2026, 3, 14, 0, 0, 0, 0, time.UTC), s)
	assert.Equal(t, time.Date(2026, 3, 15, 0, 0, 0, 0, time.UTC), e)

	// 03:30 UTC is 22:30 the day before in Bogotá (UTC−5).
	s, e = token.PerDay(10).Window(now, bogota)
	assert.Equal(t, time.Date(2026, 3, 13, 5, 0, 0, 0, time.UTC), s)
	assert.Equal(t, time.Date(2026, 3, 14, 5, 0, 0, 0, time.UTC), e)
	assert.Equal(t, time.UTC, s.Location(), "window starts are UTC, the stores' key")

	s, e = token.PerMonth(10).Window(now, nil)
	assert.Equal(t, time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), s)
	assert.Equal(t, time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC), e)

	// New York moves to daylight time on 2026-03-08: that day is 23 hours.
	s, e = token.PerDay(1).Window(time.Date(2026, 3, 8, 12, 0, 0, 0, ny), ny)
	assert.Equal(t, 23*time.Hour, e.Sub(s))

	s, e = token.Total(5).Window(now, bogota)
	assert.Equal(t, token.LifetimeStart, s)
	assert.True(t, e.IsZero())

	// The last instant of a window belongs to it; its end starts the next.
	s1, _ := token.PerDay(1).Window(e1(t), nil)
	s2, _ := token.PerDay(1).Window(e1(t).Add(time.Nanosecond), nil)
	assert.NotEqual(t, s1, s2)
}

func e1(t *testing.T) time.Time {
	t.Helper()
	return time.Date(2026, 3, 14, 23, 59, 59, 999999999, time.UTC)
}

func TestQuotaAndRateValidate(t *testing.T) {
	assert.NoError(t, token.Quota{}.Validate())
	assert.NoError(t, token.PerDay(1).Validate())
	assert.ErrorIs(t, token.PerDay(0).Validate(), token.ErrValidation)
	assert.ErrorIs(t, token.Quota{Limit: 5}.Validate(), token.ErrValidation)
	assert.ErrorIs(t, token.Quota{Limit: 5, Period: 9}.Validate(), token.ErrValidation)
	assert.NoError(t, token.Rate{}.Validate())
	assert.NoError(t, token.PerSecond(10).WithBurst(20).Validate())
	assert.ErrorIs(t, token.Rate{Events: 1}.Validate(), token.ErrValidation)
	assert.ErrorIs(t, token.Rate{Interval: time.Second}.Validate(), token.ErrValidation)
	assert.ErrorIs(t, token.PerMinute(5).WithBurst(-1).Validate(), token.ErrValidation)
}

func TestFoldName(t *testing.T) {
	assert.Equal(t, token.FoldName("Sales CRM"), token.FoldName("  sales crm "))
	assert.Equal(t, token.FoldName("STRASSE"), token.FoldName("strasse"))
	assert.Equal(t, token.FoldName("Kelvin \u212a"), token.FoldName("kelvin k"), "Kelvin sign folds with k")
	assert.NotEqual(t, token.FoldName("sales crm"), token.FoldName("sales crm2"))
}

func TestKindText(t *testing.T) {
	for _, k := range []token.Kind{token.Internal, token.External} {
		b, err := k.MarshalText()
		require.NoError(t, err)
		var back token.Kind
		require.NoError(t, back.UnmarshalText(b))
		assert.Equal(t, k, back)
	}
	_, err := token.Kind(0).MarshalText()
	assert.ErrorIs(t, err, token.ErrValidation)
	var k token.Kind
	assert.ErrorIs(t, k.UnmarshalText([]byte("Internal")), token.ErrValidation)
}
