// Package metrics reads the metrics view (sql/models/300_metrics.sql) for a
// scope region and its descendants. The figures are defined in SQL only;
// this package chooses rows and sets the as-of date.
package metrics

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"enlist/internal/regions"
	"enlist/internal/tabular"
	"enlist/internal/warehouse"
)

// Query selects metrics rows.
type Query struct {
	Scope  string    // region code; its descendants follow
	Year   int       // 0 = the latest year with data in scope
	Season int       // 0 = the latest season of that year with data
	AsOf   time.Time // zero = today
	Depth  int       // levels below the scope to include (0 = the scope only)
}

// ErrNoData means the scope has no registrations or quotas at all.
var ErrNoData = errors.New("no data for this region")

// SeasonError says a season has no data of its own for a scope: no
// registrations and no quotas (the metrics rows exist only through
// resettlement, with has_data false). It is an ErrNoData.
type SeasonError struct {
	Scope        string
	Year, Season int
}

func (e *SeasonError) Error() string {
	return fmt.Sprintf("no data for %d season %d in %s: no registrations or quotas are loaded for that season", e.Year, e.Season, e.Scope)
}

// Unwrap lets errors.Is(err, ErrNoData) hold.
func (e *SeasonError) Unwrap() error { return ErrNoData }

// Resolve fills in the defaults of q: the latest year and season with data
// in scope, and today's date.
func Resolve(ctx context.Context, db *sql.DB, q Query) (Query, error) {
	if regions.LevelOf(q.Scope) == 0 {
		return q, fmt.Errorf("scope %q is not a region code (2, 4, 6, 9 or 12 digits)", q.Scope)
	}
	if q.AsOf.IsZero() {
		y, m, d := time.Now().Date()
		q.AsOf = time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	} else if q.Year == 0 && q.Season == 0 {
		// A date names its season: the as-of year, season 1 up to the end of
		// season 1's window, else season 2 — when that season has data.
		var end string
		if err := db.QueryRowContext(ctx, `SELECT end_md FROM season_calendar WHERE season = 1`).Scan(&end); err != nil {
			return q, fmt.Errorf("read season calendar: %w", err)
		}
		season := 2
		if q.AsOf.Format("01-02") <= end {
			season = 1
		}
		var n int
		if err := db.QueryRowContext(ctx, `SELECT count(*) FROM (
				SELECT 1 FROM registrations WHERE year = ? AND season = ? AND starts_with(region_code, ?) LIMIT 1)`,
			q.AsOf.Year(), season, q.Scope).Scan(&n); err != nil {
			return q, fmt.Errorf("look for data in %d season %d: %w", q.AsOf.Year(), season, err)
		}
		if n > 0 {
			q.Year, q.Season = q.AsOf.Year(), season
		}
	}
	if q.Year != 0 && q.Season != 0 {
		return q, nil
	}
	var year, season sql.NullInt64
	err := db.QueryRowContext(ctx, `
		SELECT year, season FROM (
			SELECT year, season FROM registrations WHERE starts_with(region_code, ?)
			UNION SELECT year, season FROM quotas WHERE starts_with(region_code, ?) OR starts_with(?, region_code))
		WHERE (? = 0 OR year = ?) AND (? = 0 OR season = ?)
		ORDER BY year DESC, season DESC LIMIT 1`,
		q.Scope, q.Scope, q.Scope, q.Year, q.Year, q.Season, q.Season).Scan(&year, &season)
	if errors.Is(err, sql.ErrNoRows) {
		return q, fmt.Errorf("%w %s; load its extracts first, or give --year and --season", ErrNoData, q.Scope)
	}
	if err != nil {
		return q, fmt.Errorf("find latest season for %s: %w", q.Scope, err)
	}
	q.Year, q.Season = int(year.Int64), int(season.Int64)
	return q, nil
}

// Read returns the metrics rows of the scope and its descendants down to
// q.Depth levels, ordered by code. Columns are the metrics view's.
func Read(ctx context.Context, wh *warehouse.Warehouse, q Query) (*tabular.Frame, error) {
	q, err := Resolve(ctx, wh.DB(), q)
	if err != nil {
		return nil, err
	}
	lengths := allowedLengths(q.Scope, q.Depth)
	var frame *tabular.Frame
	err = wh.WithConn(ctx, func(c *warehouse.Conn) error {
		// The view reads its as-of date, year and season from session
		// variables; year and season keep it from computing other seasons.
		for _, v := range []struct {
			name string
			val  any
		}{{"as_of", q.AsOf.Format(time.DateOnly)}, {"year", q.Year}, {"season", q.Season}} {
			if _, err := c.ExecContext(ctx, `SET VARIABLE `+v.name+` = ?`, v.val); err != nil {
				return fmt.Errorf("set %s: %w", v.name, err)
			}
		}
		rows, err := c.QueryContext(ctx, `
			SELECT * FROM metrics
			WHERE starts_with(region_code, ?) AND year = ? AND season = ?
			  AND list_contains(?::INTEGER[], length(region_code))
			ORDER BY region_code`, q.Scope, q.Year, q.Season, lengths)
		if err != nil {
			return fmt.Errorf("read metrics: %w", err)
		}
		defer rows.Close()
		frame, err = tabular.FromRows(rows)
		return err
	})
	if err != nil {
		return nil, err
	}
	if len(frame.Rows) == 0 {
		return nil, &SeasonError{Scope: q.Scope, Year: q.Year, Season: q.Season}
	}
	// The scope's own row says whether the season has data at all; zeros
	// of a season nobody loaded are no figures.
	if frame.Rows[0][frame.Index("region_code")] == q.Scope && frame.Value(0, "has_data") == false {
		return nil, &SeasonError{Scope: q.Scope, Year: q.Year, Season: q.Season}
	}
	return frame, nil
}

// allowedLengths lists the code lengths from the scope down depth levels.
func allowedLengths(scope string, depth int) string {
	var out []string
	for l := regions.LevelOf(scope); l <= regions.Village && int(l-regions.LevelOf(scope)) <= depth; l++ {
		out = append(out, fmt.Sprint(l.Length()))
	}
	return "[" + strings.Join(out, ",") + "]"
}
