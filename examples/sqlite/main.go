// Command sqlite is the quickstart on an SQLite file: tokens, roles and
// usage counters live in the file and survive a restart. No server is
// needed (modernc.org/sqlite is pure Go).
//
//	go run ./examples/sqlite -db tokens.db
//
// The first run issues a token, prints its secret once on a line beginning
// "token: ", spends a few requests of its daily quota and prints the
// usage. The file keeps only the token's hash, so later runs are given the
// secret back and find the token, and its usage, where the last run left
// them:
//
//	go run ./examples/sqlite -db tokens.db -token demo_…
//
// Without -token a later run prints the stored token's usage only.
package main

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"time"

	_ "modernc.org/sqlite"

	"github.com/tokenwarden/tokenwarden/sqlstore"
	"github.com/tokenwarden/tokenwarden/token"
)

// tokenName names the example's token in the file.
const tokenName = "sqlite example"

func main() {
	path := flag.String("db", "tokenwarden-example.db", "SQLite file to keep tokens in (created if missing)")
	secret := flag.String("token", os.Getenv("TOKENWARDEN_TOKEN"), "secret printed by the first run (default $TOKENWARDEN_TOKEN)")
	requests := flag.Int("requests", 3, "requests to verify on this run")
	flag.Parse()
	if err := run(context.Background(), os.Stdout, *path, *secret, *requests, time.Now); err != nil {
		log.Fatal(err)
	}
}

// dsn returns the modernc.org/sqlite DSN for a file: WAL, so readers never
// wait for the writer, and a busy timeout, so several processes on one file
// wait for each other instead of failing.
func dsn(path string) string {
	return "file:" + path + "?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)"
}

// run opens the file, migrates it, issues the example token if the file
// has none, verifies requests with the secret (the new one, or the one
// given) and prints the usage.
func run(ctx context.Context, out io.Writer, path, secret string, requests int, now func() time.Time) error {
	db, err := sql.Open("sqlite", dsn(path))
	if err != nil {
		return err
	}
	defer db.Close()
	s, err := sqlstore.New(db, sqlstore.SQLite)
	if err != nil {
		return err
	}
	defer s.Close()
	if err := s.Migrate(ctx); err != nil {
		return err
	}
	m, err := token.NewManager(s, token.WithPrefix("demo"), token.WithClock(now))
	if err != nil {
		return err
	}

	found, _, err := m.List(ctx, token.ListQuery{NamePrefix: tokenName, Limit: 1})
	if err != nil {
		return err
	}
	var tok *token.Token
	if len(found) == 1 && token.FoldName(found[0].Name) == token.FoldName(tokenName) {
		tok = found[0]
		fmt.Fprintf(out, "found %q (%s) in %s, issued %s\n", tok.Name, tok.Hint, path, tok.Created.Format(time.RFC3339))
	} else {
		sec, t, err := m.Issue(ctx, token.Spec{
			Name:   tokenName,
			Kind:   token.Internal,
			Scopes: []string{"hello:read"},
			Quota:  token.PerDay(1000),
		})
		if err != nil {
			return err
		}
		tok, secret = t, sec.Reveal()
		fmt.Fprintf(out, "token: %s\n", secret) // shown once: the file keeps only its hash
		fmt.Fprintf(out, "issued %q (%s) in %s; run again with -token to reuse it\n", tok.Name, tok.Hint, path)
	}

	if secret == "" {
		fmt.Fprintln(out, "no -token given: verifying nothing")
		requests = 0
	}
	for range requests {
		res, err := m.Verify(ctx, secret, token.Request{Scopes: []string{"hello:read"}})
		switch {
		case errors.Is(err, token.ErrInvalid):
			return fmt.Errorf("that secret does not belong to a token in %s", path)
		case err != nil:
			return err
		}
		if res.Token.ID != tok.ID {
			return fmt.Errorf("that secret belongs to another token (%s)", res.Token.Hint)
		}
	}
	u, err := m.Usage(ctx, tok.ID)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "verified %d requests\n", requests)
	fmt.Fprintf(out, "usage: %d of %d today, %d remaining, resets %s\n", u.Used, u.Quota.Limit, u.Remaining, u.Reset.Format(time.RFC3339))
	return nil
}
