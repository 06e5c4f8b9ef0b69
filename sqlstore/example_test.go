package sqlstore_test

import (
	"context"
	"database/sql"
	"fmt"
	"log"
	"os"
	"path/filepath"

	_ "modernc.org/sqlite"

	"github.com/tokenwarden/tokenwarden/sqlstore"
	"github.com/tokenwarden/tokenwarden/token"
)

// An SQLite file in WAL mode with a busy timeout, migrated at start and
// handed to a Manager.
func ExampleNew() {
	dir, err := os.MkdirTemp("", "sqlstore-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	dsn := "file:" + filepath.Join(dir, "tokens.db") + "?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)"

	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	s, err := sqlstore.New(db, sqlstore.SQLite)
	if err != nil {
		log.Fatal(err)
	}
	if err := s.Migrate(ctx); err != nil {
		log.Fatal(err)
	}
	m, err := token.NewManager(s, token.WithPrefix("acme"))
	if err != nil {
		log.Fatal(err)
	}
	secret, tok, err := m.Issue(ctx, token.Spec{
		Name:   "Sales CRM integration",
		Kind:   token.External,
		Tenant: "northwind",
		Scopes: []string{"clients:read"},
		Quota:  token.PerDay(1000),
	})
	if err != nil {
		log.Fatal(err)
	}
	res, err := m.Verify(ctx, secret.Reveal(), token.Request{Tenant: "northwind", Scopes: []string{"clients:read"}})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res.Token.ID == tok.ID, res.Usage.Used, res.Usage.Remaining)
	// Output: true 1 999
}
