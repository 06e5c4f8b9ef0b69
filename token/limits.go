package token

import (
	"fmt"
	"time"

	"golang.org/x/time/rate"
)

// Period is the window a Quota counts in.
type Period uint8

const (
	// Day windows start at midnight in the Manager's location.
	Day Period = 1
	// Month windows start at midnight on the first of the month in the
	// Manager's location.
	Month Period = 2
	// Lifetime is one window for the token's whole life: it never resets.
	Lifetime Period = 3
)

// String returns "day", "month" or "total".
func (p Period) String() string {
	switch p {
	case Day:
		return "day"
	case Month:
		return "month"
	case Lifetime:
		return "total"
	}
	return fmt.Sprintf("Period(%d)", uint8(p))
}

// MarshalText encodes p as "day", "month" or "total".
func (p Period) MarshalText() ([]byte, error) {
	if p < Day || p > Lifetime {
		return nil, fmt.Errorf("%w: quota period %d", ErrValidation, uint8(p))
	}
	return []byte(p.String()), nil
}

// UnmarshalText accepts "day", "month" or "total".
func (p *Period) UnmarshalText(b []byte) error {
	switch string(b) {
	case "day":
		*p = Day
	case "month":
		*p = Month
	case "total":
		*p = Lifetime
	default:
		return fmt.Errorf("%w: quota period %q: want \"day\", \"month\" or \"total\"", ErrValidation, b)
	}
	return nil
}

// Quota limits how many requests a token may make in a window. The zero
// Quota means no quota. A set quota has Limit ≥ 1; to let nothing through,
// disable the token instead. Requests refused by any check consume nothing.
type Quota struct {
	Limit  int64  `json:"limit"`
	Period Period `json:"period"`
}

// PerDay returns a quota of n requests a day.
func PerDay(n int64) Quota { return Quota{Limit: n, Period: Day} }

// PerMonth returns a quota of n requests a calendar month.
func PerMonth(n int64) Quota { return Quota{Limit: n, Period: Month} }

// Total returns a quota of n requests over the token's lifetime.
func Total(n int64) Quota { return Quota{Limit: n, Period: Lifetime} }

// IsZero reports whether q is the zero Quota (no quota).
func (q Quota) IsZero() bool { return q == Quota{} }

// Validate reports whether q is zero or a limit ≥ 1 with a known period.
func (q Quota) Validate() error {
	if q.IsZero() {
		return nil
	}
	if q.Limit < 1 {
		return fmt.Errorf("%w: quota limit %d: must be at least 1 (disable the token to let nothing through)", ErrValidation, q.Limit)
	}
	if q.Period < Day || q.Period > Lifetime {
		return fmt.Errorf("%w: quota period %d: want \"day\", \"month\" or \"total\"", ErrValidation, q.Period)
	}
	return nil
}

// LifetimeStart is the window start under which a Lifetime quota is
// counted: the Unix epoch, UTC.
var LifetimeStart = time.Unix(0, 0).UTC()

// Window returns the start and end of the window containing now, computed
// in loc. The end is zero for a Lifetime quota, whose start is
// LifetimeStart. The start is returned in UTC: stores key counters by it.
func (q Quota) Window(now time.Time, loc *time.Location) (start, end time.Time) {
	if loc == nil {
		loc = time.UTC
	}
	t := now.In(loc)
	switch q.Period {
	case Day:
		s := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, loc)
		return s.UTC(), s.AddDate(0, 0, 1).UTC()
	case Month:
		s := time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, loc)
		return s.UTC(), s.AddDate(0, 1, 0).UTC()
	}
	return LifetimeStart, time.Time{}
}

// Rate is a token bucket: Events per Interval on average, with bursts of up
// to Burst. The zero Rate means no rate limit; a set Rate has Events ≥ 1 and
// Interval > 0; Burst 0 means Burst = Events.
//
// Rate limits are kept by each Manager: N instances sharing a store admit up
// to N times the rate. A Quota is the exact limit across instances.
type Rate struct {
	Events   int           `json:"events"`
	Interval time.Duration `json:"interval"` // nanoseconds in JSON
	Burst    int           `json:"burst,omitempty"`
}

// PerSecond returns a rate of n events a second.
func PerSecond(n int) Rate { return Rate{Events: n, Interval: time.Second} }

// PerMinute returns a rate of n events a minute.
func PerMinute(n int) Rate { return Rate{Events: n, Interval: time.Minute} }

// PerHour returns a rate of n events an hour.
func PerHour(n int) Rate { return Rate{Events: n, Interval: time.Hour} }

// WithBurst returns r with its burst set to b.
func (r Rate) WithBurst(b int) Rate { r.Burst = b; return r }

// IsZero reports whether r is the zero Rate (no limit).
func (r Rate) IsZero() bool { return r == Rate{} }

// Validate reports whether r is zero or a usable rate.
func (r Rate) Validate() error {
	if r.IsZero() {
		return nil
	}
	if r.Events < 1 || r.Interval <= 0 || r.Burst < 0 {
		return fmt.Errorf("%w: rate %d per %v burst %d: want events ≥ 1, interval > 0, burst ≥ 0", ErrValidation, r.Events, r.Interval, r.Burst)
	}
	if r.limit() > MaxRate {
		return fmt.Errorf("%w: rate %d per %v: more than %d events a second", ErrValidation, r.Events, r.Interval, int(MaxRate))
	}
	return nil
}

// MaxRate is the highest rate accepted, in events per second. Above about
// 10⁹ a second, x/time/rate rounds the wait for one event down to zero and
// stops limiting; no API token needs more than a million a second.
const MaxRate = 1e6

// limit returns the refill rate in events per second. (Dividing the
// interval by the events instead would truncate to zero for very high
// rates, which x/time/rate reads as no limit at all.)
func (r Rate) limit() rate.Limit {
	return rate.Limit(float64(r.Events) / r.Interval.Seconds())
}

// burst returns the effective bucket size.
func (r Rate) burst() int {
	if r.Burst == 0 {
		return r.Events
	}
	return r.Burst
}

// Usage is a token's quota state in its current window.
type Usage struct {
	Quota     Quota     // the token's quota; zero when it has none
	Used      int64     // consumed in the current window
	Remaining int64     // Limit − Used, never negative
	Start     time.Time // window start (LifetimeStart for Lifetime)
	Reset     time.Time // when the window resets; zero for Lifetime or no quota
}
