package store_test

import (
	"context"
	"fmt"
	"time"

	"github.com/tokenwarden/tokenwarden/memstore"
	"github.com/tokenwarden/tokenwarden/store"
	"github.com/tokenwarden/tokenwarden/token"
)

// A Cache goes between the Manager and a store shared by several
// instances (memstore here, to keep the example self-contained).
func ExampleNewCache() {
	ctx := context.Background()
	shared := memstore.New() // sqlstore.New(db, sqlstore.Postgres) in production
	c, err := store.NewCache(shared)
	if err != nil {
		panic(err)
	}
	defer c.Close(ctx) // gives unspent quota units back to the shared store

	m, err := token.NewManager(c, token.WithPrefix("acme"))
	if err != nil {
		panic(err)
	}
	secret, tok, err := m.Issue(ctx, token.Spec{
		Name:   "nightly batch",
		Kind:   token.Internal,
		Scopes: []string{"reports:read"},
		Quota:  token.PerDay(1000),
	})
	if err != nil {
		panic(err)
	}
	res, err := m.Verify(ctx, secret.Reveal(), token.Request{Scopes: []string{"reports:read"}})
	if err != nil {
		panic(err)
	}
	fmt.Println("verified:", res.Token.Name, "used today:", res.Usage.Used)

	// The first request reserved a block of 100 units from the shared
	// counter; Close gives back the 99 not spent.
	start, _ := tok.Quota.Window(m.Now(), time.UTC)
	held, _ := shared.QuotaUsed(ctx, tok.ID, start)
	fmt.Println("reserved in the shared store:", held)
	if err := c.Close(ctx); err != nil {
		panic(err)
	}
	held, _ = shared.QuotaUsed(ctx, tok.ID, start)
	fmt.Println("after Close:", held)
	// Output:
	// verified: nightly batch used today: 1
	// reserved in the shared store: 100
	// after Close: 1
}
