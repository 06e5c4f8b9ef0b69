package memstore_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/netip"

	"github.com/tokenwarden/tokenwarden/memstore"
	"github.com/tokenwarden/tokenwarden/token"
)

// A Manager over an in-memory store issues a token and verifies the
// requests that present it.
func ExampleNew() {
	ctx := context.Background()
	m, err := token.NewManager(memstore.New(), token.WithPrefix("acme"))
	if err != nil {
		log.Fatal(err)
	}
	secret, tok, err := m.Issue(ctx, token.Spec{
		Name:   "Sales CRM integration",
		Kind:   token.External,
		Tenant: "northwind",
		Scopes: []string{"clients:read"},
		Allow:  []netip.Prefix{netip.MustParsePrefix("192.168.1.0/24")},
	})
	if err != nil {
		log.Fatal(err)
	}
	// Show secret.Reveal() to the user once; the store keeps only its hash.
	fmt.Println("issued:", tok.Name, tok.Kind, "secret printed as", secret)

	req := token.Request{
		Addr:   netip.MustParseAddr("192.168.1.20"),
		Tenant: "northwind",
		Scopes: []string{"clients:read"},
	}
	res, err := m.Verify(ctx, secret.Reveal(), req)
	fmt.Println("verified:", res.Token.Name, err)

	req.Scopes = []string{"clients:write"}
	_, err = m.Verify(ctx, secret.Reveal(), req)
	fmt.Println("clients:write refused:", errors.Is(err, token.ErrScope))

	_, err = m.Verify(ctx, "acme_not-a-token", req)
	fmt.Println("garbage refused:", errors.Is(err, token.ErrInvalid))
	// Output:
	// issued: Sales CRM integration external secret printed as [REDACTED]
	// verified: Sales CRM integration <nil>
	// clients:write refused: true
	// garbage refused: true
}
