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
	// the people counted (CountPeople), then the universities' figures and
	// ranks from them (TestReadSchoolsIsTheRanking).
	var frame *tabular.Frame
	day := q.AsOf.Format(time.DateOnly)
	err = wh.WithConn(ctx, func(c *warehouse.Conn) error {
		drop, err := CountPeople(ctx, c.Conn, "school_people", q.AsOf, time.Time{}, q.Year, q.Season)
		if err != nil {
			return err
		}
		defer drop()
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
