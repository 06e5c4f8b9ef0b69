package token_test

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/tokenwarden/tokenwarden/memstore"
	"github.com/tokenwarden/tokenwarden/token"
)

func Example() {
	ctx := context.Background()
	m, err := token.NewManager(memstore.New(), token.WithPrefix("acme"))
	if err != nil {
		panic(err)
	}
	secret, tok, err := m.Issue(ctx, token.Spec{
		Name:   "Sales CRM integration",
		Kind:   token.External,
		Tenant: "northwind",
		Scopes: []string{"clients:read", "case-notes:write"},
		Allow:  []netip.Prefix{netip.MustParsePrefix("192.168.1.0/24")},
		Quota:  token.PerDay(1000),
		Rate:   token.PerSecond(10),
	})
	if err != nil {
		panic(err)
	}
	fmt.Println("issued:", tok.Name, tok.Kind, "printed as", secret)

	res, err := m.Verify(ctx, secret.Reveal(), token.Request{
		Addr:   netip.MustParseAddr("192.168.1.20"),
		Tenant: "northwind",
		Scopes: []string{"clients:read"},
	})
	fmt.Println("verified:", res.Token.Name, err, "remaining today:", res.Usage.Remaining)

	_, err = m.Verify(ctx, secret.Reveal(), token.Request{
		Addr:   netip.MustParseAddr("192.168.1.20"),
		Tenant: "contoso",
		Scopes: []string{"clients:read"},
	})
	fmt.Println("other tenant:", errors.Is(err, token.ErrTenant))
	// Output:
	// issued: Sales CRM integration external printed as [REDACTED]
	// verified: Sales CRM integration <nil> remaining today: 999
	// other tenant: true
}

func ExampleManager_Rotate() {
	ctx := context.Background()
	now := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
	m, _ := token.NewManager(memstore.New(), token.WithClock(func() time.Time { return now }))
	old, tok, _ := m.Issue(ctx, token.Spec{Name: "nightly batch", Kind: token.Internal})

	fresh, _, _ := m.Rotate(ctx, tok.ID, time.Hour) // the old secret works one more hour
	_, errOld := m.Verify(ctx, old.Reveal(), token.Request{})
	_, errNew := m.Verify(ctx, fresh.Reveal(), token.Request{})
	fmt.Println("during grace:", errOld, errNew)

	now = now.Add(time.Hour)
	_, errOld = m.Verify(ctx, old.Reveal(), token.Request{})
	fmt.Println("after grace:", errOld)
	// Output:
	// during grace: <nil> <nil>
	// after grace: token: invalid
}

func ExampleManager_PutRole() {
	ctx := context.Background()
	m, _ := token.NewManager(memstore.New())
	_, _ = m.PutRole(ctx, token.Role{Name: "support", Scopes: []string{"clients:read", "case-notes:*"}})
	secret, _, _ := m.Issue(ctx, token.Spec{Name: "helpdesk", Kind: token.Internal, Role: "support"})

	_, err := m.Verify(ctx, secret.Reveal(), token.Request{Scopes: []string{"case-notes:write"}})
	fmt.Println("before:", err)
	// Editing the role changes every token that names it, at once.
	_, _ = m.PutRole(ctx, token.Role{Name: "support", Scopes: []string{"clients:read"}})
	_, err = m.Verify(ctx, secret.Reveal(), token.Request{Scopes: []string{"case-notes:write"}})
	fmt.Println("after:", err)
	// Output:
	// before: <nil>
	// after: token: scope not granted
}

func ExampleManager_Usage() {
	ctx := context.Background()
	now := time.Date(2026, 5, 20, 15, 0, 0, 0, time.UTC)
	m, _ := token.NewManager(memstore.New(), token.WithClock(func() time.Time { return now }))
	secret, tok, _ := m.Issue(ctx, token.Spec{Name: "reports", Kind: token.Internal, Quota: token.PerDay(3)})
	for range 4 {
		_, err := m.Verify(ctx, secret.Reveal(), token.Request{})
		if wait, ok := token.RetryAfter(err); ok {
			fmt.Println(err, "- retry in", wait)
		}
	}
	u, _ := m.Usage(ctx, tok.ID)
	fmt.Printf("used %d of %d, %d left, resets %s\n", u.Used, u.Quota.Limit, u.Remaining, u.Reset.Format(time.RFC3339))
	// Output:
	// token: quota exceeded - retry in 9h0m0s
	// used 3 of 3, 0 left, resets 2026-05-21T00:00:00Z
}

func ExampleParseAllowlist() {
	list, err := token.ParseAllowlist("203.0.113.45", "192.168.1.0/24", "2001:db8::/32", "::ffff:10.1.2.3")
	fmt.Println(list, err)
	_, err = token.ParseAllowlist("192.168.1.77/24")
	fmt.Println(err)
	// Output:
	// [203.0.113.45/32 192.168.1.0/24 2001:db8::/32 10.1.2.3/32] <nil>
	// token: invalid input: allowlist entry "192.168.1.77/24" has host bits set; did you mean "192.168.1.0/24"?
}
