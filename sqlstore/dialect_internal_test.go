package sqlstore

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestRewrite(t *testing.T) {
	const tmpl = "SELECT a FROM {p}t WHERE x = $2 AND y = LEAST($1, $12) OR z = $2"
	assert.Equal(t, stmt{sql: "SELECT a FROM tw_t WHERE x = $2 AND y = LEAST($1, $12) OR z = $2"}, Postgres.rewrite("tw_", tmpl))
	assert.Equal(t, stmt{sql: "SELECT a FROM tw_t WHERE x = ?2 AND y = min(?1, ?12) OR z = ?2"}, SQLite.rewrite("tw_", tmpl))
	my := MySQL.rewrite("tw_", tmpl)
	assert.Equal(t, "SELECT a FROM tw_t WHERE x = ? AND y = LEAST(?, ?) OR z = ?", my.sql)
	args := make([]any, 12)
	for i := range args {
		args[i] = i + 1
	}
	assert.Equal(t, []any{2, 1, 12, 2}, my.bind(args...))
	assert.Equal(t, []any{}, MySQL.rewrite("p_", "SELECT 1").bind())
}

// Driver errors, as the three drivers shape them, without the drivers.
type pgError struct{ code string }

func (e *pgError) Error() string    { return "pg " + e.code }
func (e *pgError) SQLState() string { return e.code }

type mysqlError struct {
	Number   uint16
	SQLState [5]byte
	Message  string
}

func (e *mysqlError) Error() string { return fmt.Sprintf("Error %d: %s", e.Number, e.Message) }

type sqliteError struct{ code int }

func (e *sqliteError) Error() string { return "sqlite" }
func (e *sqliteError) Code() int     { return e.code }

func TestClassify(t *testing.T) {
	wrap := func(err error) error { return fmt.Errorf("driver: %w", err) }
	cases := []struct {
		d    Dialect
		err  error
		want errClass
	}{
		{Postgres, &pgError{"23505"}, errUnique},
		{Postgres, wrap(&pgError{"23503"}), errReference},
		{Postgres, &pgError{"40001"}, errOther},
		{Postgres, &sqliteError{2067}, errOther},
		{MySQL, &mysqlError{Number: 1062}, errUnique},
		{MySQL, wrap(&mysqlError{Number: 1452}), errReference},
		{MySQL, errors.Join(errors.New("x"), &mysqlError{Number: 1451}), errReference},
		{MySQL, &mysqlError{Number: 1213}, errOther},
		{MySQL, &pgError{"23505"}, errOther},
		{SQLite, &sqliteError{2067}, errUnique},
		{SQLite, &sqliteError{1555}, errUnique},
		{SQLite, wrap(&sqliteError{787}), errReference},
		{SQLite, &sqliteError{1811}, errReference},
		{SQLite, &sqliteError{5}, errOther},
		{SQLite, nil, errOther},
		{MySQL, errors.New("plain"), errOther},
	}
	for i, c := range cases {
		assert.Equal(t, c.want, c.d.classify(c.err), "case %d: %v on %s", i, c.err, c.d)
	}
}

func TestSplitStatements(t *testing.T) {
	src := "-- comment only\n\nCREATE TABLE a (\n  x INT -- why\n)\n\n\n-- lead\nCREATE TRIGGER t BEGIN\n  SELECT 1;\nEND\n"
	assert.Equal(t, []string{"CREATE TABLE a (\n  x INT -- why\n)", "CREATE TRIGGER t BEGIN\n  SELECT 1;\nEND"}, splitStatements(src))
}

func TestEmbeddedMigrations(t *testing.T) {
	for _, d := range []Dialect{Postgres, MySQL, SQLite} {
		ms, err := migrations(d)
		assert.NoError(t, err, d)
		assert.NotEmpty(t, ms, d)
		v, err := LatestSchema(d)
		assert.NoError(t, err)
		assert.Equal(t, len(ms), v)
	}
	_, err := LatestSchema(0)
	assert.Error(t, err)
}
