//go:build !duckdb_arrow

package warehouse

import (
	"context"
	"database/sql/driver"
	"errors"

	"github.com/duckdb/duckdb-go/v2"
)

type appenderBulk struct{ app *duckdb.Appender }

// Without Arrow there is no concurrent stream: the appender writes as rows
// come, whichever constructor asked.
func newBulkWriter(_ context.Context, c *Conn, table string, columns []string, _ bool) (bulkWriter, error) {
	app, err := c.appender("", "main", table, columns...)
	if err != nil {
		return nil, err
	}
	return &appenderBulk{app: app}, nil
}

func (a *appenderBulk) append(vals []driver.Value) error {
	for i, v := range vals {
		if u, ok := v.([16]byte); ok {
			vals[i] = duckdb.UUID(u)
		}
	}
	return a.app.AppendRow(vals...)
}
func (a *appenderBulk) flush(context.Context) error { return a.app.Flush() }
func (a *appenderBulk) close(context.Context) error {
	if a.app == nil {
		return nil
	}
	err := a.app.Close()
	a.app = nil
	return errors.Join(err)
}
