package token

import (
	"fmt"
	"time"
)

// Option configures a Manager.
type Option func(*config)

type config struct {
	prefixes    []string
	pepperID    string
	pepper      []byte
	oldPeppers  []pepper
	now         func() time.Time
	loc         *time.Location
	observer    func(Event)
	touchEvery  time.Duration
	fixedNames  bool
	maxLimiters int
}

type pepper struct {
	id  string
	key []byte
}

// WithPrefix sets the prefixes a Manager accepts. Issue and Rotate use the
// first; Verify accepts any of them and refuses every other, so a "test"
// token never works on a "live" Manager. Default: DefaultPrefix ("tw").
func WithPrefix(prefix string, more ...string) Option {
	return func(c *config) { c.prefixes = append([]string{prefix}, more...) }
}

// WithPepper makes the store keep HMAC-SHA-256 of each secret under key
// instead of plain SHA-256, so a copy of the store alone cannot confirm a
// guessed secret. id names the key; it is stored beside each hash so tokens
// can later be rotated onto a new key. Keep the key outside the database.
func WithPepper(id string, key []byte) Option {
	return func(c *config) { c.pepperID, c.pepper = id, key }
}

// WithPreviousPepper adds a key that Verify still accepts, for tokens hashed
// before a key change; rotate them onto the current key. A nil key with id
// "" accepts tokens hashed with plain SHA-256 (issued before any pepper).
// Every extra key costs a store lookup for an unknown secret.
func WithPreviousPepper(id string, key []byte) Option {
	return func(c *config) { c.oldPeppers = append(c.oldPeppers, pepper{id, key}) }
}

// WithClock sets the clock used for expiry, quota windows, rate limits and
// rotation grace. Default: time.Now.
func WithClock(now func() time.Time) Option { return func(c *config) { c.now = now } }

// WithLocation sets where day and month quota windows start: midnight and
// the first of the month in loc. Default: UTC.
func WithLocation(loc *time.Location) Option { return func(c *config) { c.loc = loc } }

// WithObserver calls fn for every Issue, Update, Rotate, Delete, role
// change, maintenance switch and Verify outcome, synchronously on the
// caller's goroutine: fn must be fast and safe for concurrent use. Events
// never hold a secret. See Event.
func WithObserver(fn func(Event)) Option { return func(c *config) { c.observer = fn } }

// WithLastUsedInterval sets how often a token's LastUsed is written to the
// store: at most once per interval per token per Manager (default one
// minute), so that verification does not turn every request into a write.
// A negative interval turns the recording off.
func WithLastUsedInterval(d time.Duration) Option { return func(c *config) { c.touchEvery = d } }

// WithFixedNames makes Update refuse to rename tokens, for products where a
// token's name, like its kind, is fixed at creation.
func WithFixedNames() Option { return func(c *config) { c.fixedNames = true } }

// WithMaxLimiters bounds how many per-token rate limiters a Manager keeps
// (default 100000). Past the bound, limiters whose bucket is full (those
// that would behave exactly like a new one) are dropped.
func WithMaxLimiters(n int) Option { return func(c *config) { c.maxLimiters = n } }

func (c *config) validate() error {
	if len(c.prefixes) == 0 {
		c.prefixes = []string{DefaultPrefix}
	}
	for _, p := range c.prefixes {
		if err := ValidatePrefix(p); err != nil {
			return err
		}
	}
	if c.pepper != nil && len(c.pepper) < 16 {
		return fmt.Errorf("%w: pepper %q: key must be at least 16 bytes", ErrValidation, c.pepperID)
	}
	if c.pepper == nil && c.pepperID != "" {
		return fmt.Errorf("%w: pepper %q: key is nil", ErrValidation, c.pepperID)
	}
	for _, p := range c.oldPeppers {
		if p.id == c.pepperID {
			return fmt.Errorf("%w: previous pepper %q has the id of the current one", ErrValidation, p.id)
		}
	}
	if c.now == nil {
		c.now = time.Now
	}
	if c.loc == nil {
		c.loc = time.UTC
	}
	if c.touchEvery == 0 {
		c.touchEvery = time.Minute
	}
	if c.maxLimiters <= 0 {
		c.maxLimiters = 100_000
	}
	return nil
}
