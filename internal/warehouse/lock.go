package warehouse

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/duckdb/duckdb-go/v2"
)

// DefaultLockWait is how long an open waits for another process to let go
// of the file. Writers hold it for one load or one publish; a scheduled job
// and an operator's ingest, or a reader making the first published copy,
// meet there and should take turns rather than fail.
const DefaultLockWait = 30 * time.Second

// ErrLocked means another process held the warehouse file for longer than
// the open was willing to wait.
var ErrLocked = errors.New("warehouse file is in use by another process")

// connectWaiting opens the DuckDB database behind dsn, retrying while
// another process holds its lock.
func connectWaiting(ctx context.Context, dsn string, wait time.Duration) (*duckdb.Connector, error) {
	if wait == 0 {
		wait = DefaultLockWait
	}
	deadline := time.Now().Add(wait)
	pause := 20 * time.Millisecond
	for {
		c, err := duckdb.NewConnector(dsn, nil)
		if err == nil || !isLockConflict(err) {
			return c, err
		}
		if wait < 0 || time.Now().Add(pause).After(deadline) {
			return nil, errors.Join(ErrLocked, err)
		}
		select {
		case <-ctx.Done():
			return nil, errors.Join(ctx.Err(), err)
		case <-time.After(pause):
		}
		pause = min(2*pause, time.Second)
	}
}

// isLockConflict recognises DuckDB's message for a file locked by another
// process; the driver gives no typed error for it.
func isLockConflict(err error) bool {
	return strings.Contains(err.Error(), "Could not set lock on file")
}
