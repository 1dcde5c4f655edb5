package warehouse

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/duckdb/duckdb-go/v2"
)

// Conn is one DuckDB connection held for a unit of work. Temporary staging
// tables and appenders belong to a connection, so a load keeps one from its
// first staged row to its commit.
type Conn struct {
	*sql.Conn
}

// WithConn runs fn on a dedicated connection and gives it back afterwards.
func (w *Warehouse) WithConn(ctx context.Context, fn func(*Conn) error) error {
	c, err := w.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("acquire connection: %w", err)
	}
	return errors.Join(fn(&Conn{c}), c.Close())
}

// Begin, Commit and Rollback run on this connection as plain statements,
// because the appender writes through the driver connection underneath
// database/sql's transaction bookkeeping.
func (c *Conn) Begin(ctx context.Context) error {
	_, err := c.ExecContext(ctx, "BEGIN TRANSACTION")
	return err
}

// Commit ends the transaction begun with Begin.
func (c *Conn) Commit(ctx context.Context) error {
	_, err := c.ExecContext(ctx, "COMMIT")
	return err
}

// Rollback undoes the transaction begun with Begin. It uses a fresh context
// so a cancelled load still rolls back. It also restores the connection's
// insertion order, which a bulk stream turns off for its INSERT and cannot
// turn back on once a failure has aborted the transaction (settings are
// not undone by ROLLBACK, and the connection goes back to the pool).
func (c *Conn) Rollback(ctx context.Context) error {
	ctx = context.WithoutCancel(ctx)
	_, err := c.ExecContext(ctx, "ROLLBACK")
	if _, rerr := c.ExecContext(ctx, "RESET SESSION preserve_insertion_order"); rerr != nil {
		err = errors.Join(err, fmt.Errorf("restore insertion order: %w", rerr))
	}
	return err
}

// Appender opens a DuckDB appender on a table of this connection; schema
// "main" for warehouse tables, catalog "temp" tables through TempAppender.
func (c *Conn) Appender(schema, table string) (*duckdb.Appender, error) {
	return c.appender("", schema, table)
}

// TempAppender appends to a temporary table of this connection.
func (c *Conn) TempAppender(table string) (*duckdb.Appender, error) {
	return c.appender("temp", "main", table)
}

func (c *Conn) appender(catalog, schema, table string, columns ...string) (*duckdb.Appender, error) {
	var app *duckdb.Appender
	err := c.Raw(func(dc any) error {
		conn, err := duckConn(dc)
		if err != nil {
			return err
		}
		if len(columns) > 0 {
			app, err = duckdb.NewAppenderWithColumns(conn, catalog, schema, table, columns)
		} else {
			app, err = duckdb.NewAppender(conn, catalog, schema, table)
		}
		return err
	})
	if err != nil && len(columns) > 0 {
		return nil, fmt.Errorf("appender for %s (%s): %w", table, strings.Join(columns, ", "), err)
	}
	if err != nil {
		return nil, fmt.Errorf("appender for %s: %w", table, err)
	}
	return app, nil
}

// Field is one named value of a row InsertRow writes.
type Field struct {
	Column string
	Value  any
}

// Set is the Field of column with value.
func Set(column string, value any) Field { return Field{Column: column, Value: value} }

// InsertRow writes one row into main.table, each value beside the name of
// its column: a list of a score of placeholders is easy to get out of step
// with its column list, and a value off by one lands in its neighbour's
// column without an error when the types allow it. Columns not named get
// their default.
func (c *Conn) InsertRow(ctx context.Context, table string, fields ...Field) error {
	cols := make([]string, len(fields))
	marks := make([]string, len(fields))
	args := make([]any, len(fields))
	for i, f := range fields {
		cols[i], marks[i], args[i] = `"`+f.Column+`"`, "?", f.Value
	}
	_, err := c.ExecContext(ctx, `INSERT INTO main."`+table+`" (`+strings.Join(cols, ", ")+`) VALUES (`+strings.Join(marks, ", ")+`)`, args...)
	return err
}
