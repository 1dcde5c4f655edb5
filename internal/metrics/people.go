package metrics

import (
	"context"
	"database/sql"
	"time"
)

// CountPeople counts the people of year's season as of asOf — and as of
// prev too, unless prev is zero — by region and by the university they are
// students of (model_parts.leaf_counts_at, sql/models/200_counts_at.sql),
// into the temporary table named table of conn, for model_parts.metrics_of
// and school_metrics_of to sum. drop removes the table: conn goes back to
// the pool, where the table must not outlive the reading.
//
// The counting is a statement of its own, not part of the one summing it:
// as one statement at 10,000,000 registrations it shared DuckDB's memory
// limit with everything after it and took 13–14 s, against 5 s in two
// (EXPLAIN ANALYZE: the same operators, each two to five times slower).
func CountPeople(ctx context.Context, conn *sql.Conn, table string, asOf, prev time.Time, year, season int) (drop func(), err error) {
	var before any // NULL: no earlier date
	if !prev.IsZero() {
		before = prev.Format(time.DateOnly)
	}
	// table is one of the callers' constant names, never user input.
	if _, err := conn.ExecContext(ctx, `CREATE OR REPLACE TEMP TABLE `+table+` AS
		SELECT * FROM model_parts.leaf_counts_at(?::DATE, ?::DATE, ?, ?)`, asOf.Format(time.DateOnly), before, year, season); err != nil {
		return nil, err
	}
	return func() {
		conn.ExecContext(context.WithoutCancel(ctx), `DROP TABLE IF EXISTS temp.`+table) //nolint:errcheck // replaced by the next reading on this connection anyway
	}, nil
}
