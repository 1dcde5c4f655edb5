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
	rows, err := wh.DB().QueryContext(ctx, `
		SELECT * FROM school_ranking_at(?, CAST(? AS DATE), ?, ?)
		WHERE year = ? AND season = ?
		ORDER BY approved_rank, school_code`,
		q.Scope, q.AsOf.Format(time.DateOnly), q.Year, q.Season, q.Year, q.Season)
	if err != nil {
		return nil, fmt.Errorf("read school metrics of %s: %w", q.Scope, err)
	}
	defer rows.Close()
	frame, err := tabular.FromRows(rows)
	if err != nil {
		return nil, fmt.Errorf("read school metrics of %s: %w", q.Scope, err)
	}
	if len(frame.Rows) == 0 {
		return nil, fmt.Errorf("%w: %s has none in the school list (built-in, or loaded from a schools extract: enlist ingest --kind schools FILE)",
			ErrNoSchools, q.Scope)
	}
	return frame, nil
}
