package metrics

import (
	"context"
	"errors"
	"fmt"
	"time"

	"enlist/internal/tabular"
	"enlist/internal/warehouse"
)

// ErrNoSchools means no university of the school list sits in the scope.
var ErrNoSchools = errors.New("no universities in this region")

// ReadSchools returns the universities sitting in q.Scope with their
// figures as recruiting units (sql/models/561_school_ranking_at.sql), ranked
// by approved, then by code. The season is resolved as for Read; q.Depth
// is not used (a university belongs to its county, whatever the depth).
func ReadSchools(ctx context.Context, wh *warehouse.Warehouse, q Query) (*tabular.Frame, error) {
	q, err := Resolve(ctx, wh.DB(), q)
	if err != nil {
		return nil, err
	}
	// school_ranking_at in two statements, as readView reads the metrics:
	// the people counted into a temporary table, then the universities'
	// figures and ranks from it (TestReadSchoolsIsTheRanking).
	var frame *tabular.Frame
	day := q.AsOf.Format(time.DateOnly)
	err = wh.WithConn(ctx, func(c *warehouse.Conn) error {
		if _, err := c.ExecContext(ctx, `
			CREATE OR REPLACE TEMP TABLE school_people AS
			SELECT * FROM model_parts.leaf_counts_at(?::DATE, NULL, ?, ?)`, day, q.Year, q.Season); err != nil {
			return err
		}
		// The connection goes back to the pool: its table must not
		// outlive this reading.
		defer c.ExecContext(context.WithoutCancel(ctx), `DROP TABLE IF EXISTS temp.school_people`) //nolint:errcheck // replaced by the next reading on this connection anyway
		rows, err := c.QueryContext(ctx, `
			WITH school_rows AS (SELECT * FROM model_parts.school_metrics_of(?::DATE, ?, ?, school_people))
			SELECT * FROM model_parts.school_ranking_of(?, school_rows)
			WHERE year = ? AND season = ?
			ORDER BY approved_rank, school_code`,
			day, q.Year, q.Season, q.Scope, q.Year, q.Season)
		if err != nil {
			return err
		}
		defer rows.Close()
		frame, err = tabular.FromRows(rows)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("read school metrics of %s: %w", q.Scope, err)
	}
	if len(frame.Rows) == 0 {
		return nil, fmt.Errorf("%w: %s has none in the school list (built-in, or loaded from a schools extract: enlist ingest --kind schools FILE)",
			ErrNoSchools, q.Scope)
	}
	return frame, nil
}
