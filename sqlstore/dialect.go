package sqlstore

import (
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
)

// Dialect names the SQL database a Store talks to. It decides placeholders,
// upsert syntax, column types and how driver errors are recognised; the
// package imports no driver, so any database/sql driver for that database
// works. The zero Dialect is invalid.
type Dialect uint8

const (
	// Postgres is PostgreSQL 12 or later, for example through
	// github.com/jackc/pgx/v5/stdlib (driver name "pgx").
	Postgres Dialect = 1
	// MySQL is MySQL 8 or MariaDB 10.5 or later, for example through
	// github.com/go-sql-driver/mysql (driver name "mysql"). The DSN must
	// not set clientFoundRows.
	MySQL Dialect = 2
	// SQLite is SQLite 3.35 or later, for example through modernc.org/sqlite
	// (driver name "sqlite", pure Go). Open a file with WAL and a busy
	// timeout:
	//
	//	file:/path/app.db?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)
	SQLite Dialect = 3
)

// String returns "postgres", "mysql" or "sqlite".
func (d Dialect) String() string {
	switch d {
	case Postgres:
		return "postgres"
	case MySQL:
		return "mysql"
	case SQLite:
		return "sqlite"
	}
	return fmt.Sprintf("Dialect(%d)", uint8(d))
}

// valid reports whether d is one of the known dialects.
func (d Dialect) valid() bool { return d >= Postgres && d <= SQLite }

// stmt is a query rewritten for one dialect: its text and, for dialects
// with positional '?' placeholders, the order in which the template's
// numbered arguments are bound.
type stmt struct {
	sql   string
	order []int // nil: arguments bound as given
}

// bind returns args in the order the statement's placeholders expect.
func (s stmt) bind(args ...any) []any {
	if s.order == nil {
		return args
	}
	out := make([]any, len(s.order))
	for i, n := range s.order {
		out[i] = args[n-1]
	}
	return out
}

// rewrite turns a query template into d's SQL. Templates use {p} for the
// table prefix, $1…$n for arguments and LEAST/GREATEST for the two-argument
// minimum and maximum.
func (d Dialect) rewrite(prefix, tmpl string) stmt {
	q := strings.ReplaceAll(tmpl, "{p}", prefix)
	if d == SQLite {
		q = strings.ReplaceAll(q, "LEAST(", "min(")
		q = strings.ReplaceAll(q, "GREATEST(", "max(")
	}
	if d == Postgres {
		return stmt{sql: q}
	}
	var b strings.Builder
	var order []int
	for i := 0; i < len(q); i++ {
		c := q[i]
		if c != '$' || i+1 >= len(q) || q[i+1] < '0' || q[i+1] > '9' {
			b.WriteByte(c)
			continue
		}
		j := i + 1
		for j < len(q) && q[j] >= '0' && q[j] <= '9' {
			j++
		}
		n, _ := strconv.Atoi(q[i+1 : j])
		if d == SQLite {
			b.WriteString("?")
			b.WriteString(q[i+1 : j])
		} else {
			b.WriteByte('?')
			order = append(order, n)
		}
		i = j - 1
	}
	s := stmt{sql: b.String()}
	if d == MySQL {
		s.order = order
		if s.order == nil {
			s.order = []int{}
		}
	}
	return s
}

// errClass is what a driver error means to the store.
type errClass uint8

const (
	errOther     errClass = iota
	errUnique             // a unique or primary key constraint was violated
	errReference          // a foreign key (or the SQLite triggers standing in for one) refused the change
)

// sqlStater is implemented by PostgreSQL driver errors
// (github.com/jackc/pgx/v5/pgconn.PgError, github.com/lib/pq.Error).
type sqlStater interface{ SQLState() string }

// coder is implemented by modernc.org/sqlite's *sqlite.Error, whose Code is
// the extended result code.
type coder interface{ Code() int }

// SQLite extended result codes.
const (
	sqliteConstraintForeignKey = 787
	sqliteConstraintPrimaryKey = 1555
	sqliteConstraintTrigger    = 1811
	sqliteConstraintUnique     = 2067
)

// classify reports whether err is a unique or reference violation, looking
// through the whole chain of wrapped errors.
func (d Dialect) classify(err error) errClass {
	if err == nil {
		return errOther
	}
	switch d {
	case Postgres:
		var e sqlStater
		if errors.As(err, &e) {
			switch e.SQLState() {
			case "23505":
				return errUnique
			case "23503":
				return errReference
			}
		}
	case MySQL:
		switch mysqlNumber(err) {
		case 1062, 1586: // ER_DUP_ENTRY, ER_DUP_ENTRY_WITH_KEY_NAME
			return errUnique
		case 1451, 1452, 1216, 1217: // ER_ROW_IS_REFERENCED_2, ER_NO_REFERENCED_ROW_2 and their older forms
			return errReference
		}
	case SQLite:
		var e coder
		if errors.As(err, &e) {
			switch e.Code() {
			case sqliteConstraintUnique, sqliteConstraintPrimaryKey:
				return errUnique
			case sqliteConstraintForeignKey, sqliteConstraintTrigger:
				return errReference
			}
		}
	}
	return errOther
}

// mysqlNumber returns the server error number of a MySQL driver error in
// err's chain, or 0. github.com/go-sql-driver/mysql's *MySQLError carries
// it in an exported field "Number uint16" and has no method for it, so,
// without importing the driver, the field is read by name: an error whose
// chain holds no such struct yields 0.
func mysqlNumber(err error) uint16 {
	var found uint16
	walk(err, func(e error) bool {
		v := reflect.ValueOf(e)
		if v.Kind() == reflect.Pointer && !v.IsNil() {
			v = v.Elem()
		}
		if v.Kind() != reflect.Struct {
			return false
		}
		f := v.FieldByName("Number")
		if !f.IsValid() || f.Kind() != reflect.Uint16 {
			return false
		}
		found = uint16(f.Uint())
		return true
	})
	return found
}

// walk calls fn on err and everything it wraps, depth first, until fn
// returns true.
func walk(err error, fn func(error) bool) bool {
	if err == nil {
		return false
	}
	if fn(err) {
		return true
	}
	switch u := err.(type) {
	case interface{ Unwrap() error }:
		return walk(u.Unwrap(), fn)
	case interface{ Unwrap() []error }:
		for _, e := range u.Unwrap() {
			if walk(e, fn) {
				return true
			}
		}
	}
	return false
}
