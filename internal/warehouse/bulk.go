package warehouse

import (
	"context"
	"database/sql/driver"
	"fmt"
)

// Bulk writes many rows into a warehouse table inside the connection's
// current transaction. Rows become visible with the transaction's COMMIT and
// vanish with its ROLLBACK.
//
// Built with -tags duckdb_arrow (as the README's commands are), rows go in
// as Arrow record batches, several times faster than DuckDB's appender for
// million-row extracts; without the tag the appender does the work.
type Bulk struct {
	w bulkWriter
}

type bulkWriter interface {
	append(vals []driver.Value) error
	flush(ctx context.Context) error
	close(ctx context.Context) error
}

// NewBulk prepares bulk writes into the named columns of main.table on
// this connection (no columns: every column, in the table's order); the
// table's other columns get their default (NULL). Rows are held until
// Close; use NewStream for large tables.
//
// Naming the columns keeps a load from depending on the order the schema
// happens to give them: a column added later to a table (which goes last)
// cannot shift a loader's values into its neighbour.
func (c *Conn) NewBulk(ctx context.Context, table string, columns ...string) (*Bulk, error) {
	w, err := newBulkWriter(ctx, c, table, columns, false)
	if err != nil {
		return nil, fmt.Errorf("bulk writer for %s: %w", table, err)
	}
	return &Bulk{w: w}, nil
}

// NewStream starts one INSERT into the named columns of main.table (as
// NewBulk names them) that consumes rows while
// they are appended, so DuckDB stores a million-row file while the caller
// is still checking it. Until Close returns, the connection is busy with
// that INSERT: other statements on it must wait, and other bulk writers
// on it must be NewBulk ones.
func (c *Conn) NewStream(ctx context.Context, table string, columns ...string) (*Bulk, error) {
	w, err := newBulkWriter(ctx, c, table, columns, true)
	if err != nil {
		return nil, fmt.Errorf("bulk writer for %s: %w", table, err)
	}
	return &Bulk{w: w}, nil
}

// Append adds one row: its values in the order of the columns named (or of
// the table's). A person's pseudonym may be a duckdb.UUID or a [16]byte.
func (b *Bulk) Append(vals ...driver.Value) error { return b.w.append(vals) }

// Close writes what is pending and releases the writer.
func (b *Bulk) Close(ctx context.Context) error { return b.w.close(ctx) }
