package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tokenwarden/tokenwarden/memstore"
	"github.com/tokenwarden/tokenwarden/sqlstore"
	"github.com/tokenwarden/tokenwarden/token"
)

// benchTokens is how many tokens a benchmark cycles through, so that no
// result comes from a single hot row.
const benchTokens = 256

// BenchmarkVerify measures Manager.Verify through each store without a
// cache: "lookup" is a token with scopes and no quota (maintenance read
// and hash lookup), "quota" adds a daily quota (plus one atomic upsert).
// memstore is the in-process floor. Server dialects skip without their DSN.
//
//	go test -run XXX -bench . -benchmem ./sqlstore/
func BenchmarkVerify(b *testing.B) {
	b.Run("memstore", func(b *testing.B) { benchVerify(b, memstore.New()) })
	for _, dl := range dialects {
		b.Run(dl.name, func(b *testing.B) {
			if dl.d != sqlstore.SQLite {
				if _, err := serverOrSkip(dl.d); err != nil {
					b.Skip(err)
				}
			}
			benchVerify(b, newStore(b, sharedDB(b, dl.d), dl.d))
		})
	}
}

// serverOrSkip reports why a server dialect cannot run (no DSN).
func serverOrSkip(d sqlstore.Dialect) (string, error) {
	env := envPostgres
	if d == sqlstore.MySQL {
		env = envMySQL
	}
	if dsn := envOr(env, ""); dsn != "" || inCI() {
		return dsn, nil
	}
	return "", errSkip(env + " is not set")
}

type errSkip string

func (e errSkip) Error() string { return string(e) }

func benchVerify(b *testing.B, s token.Store) {
	now := time.Date(2026, time.March, 14, 12, 0, 0, 0, time.UTC)
	m, err := token.NewManager(s, token.WithClock(func() time.Time { return now }))
	require.NoError(b, err)
	ctx := context.Background()
	for _, c := range []struct {
		name  string
		quota token.Quota
	}{
		{"lookup", token.Quota{}},
		{"quota", token.PerDay(1 << 40)},
	} {
		secrets := make([]string, benchTokens)
		for i := range secrets {
			sec, _, err := m.Issue(ctx, token.Spec{
				Name:   c.name + " " + string(rune('a'+i%26)) + time.Duration(i).String(),
				Kind:   token.Internal,
				Scopes: []string{"clients:read", "case-notes:write"},
				Quota:  c.quota,
			})
			require.NoError(b, err)
			secrets[i] = sec.Reveal()
		}
		req := token.Request{Scopes: []string{"clients:read"}}
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if _, err := m.Verify(ctx, secrets[i%benchTokens], req); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
		b.Run(c.name+"-parallel", func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				i := 0
				for pb.Next() {
					if _, err := m.Verify(ctx, secrets[i%benchTokens], req); err != nil {
						b.Error(err)
						return
					}
					i++
				}
			})
		})
	}
}
