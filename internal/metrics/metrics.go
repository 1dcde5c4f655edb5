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

	"enlist/internal/config"
	"enlist/internal/regions"
	"enlist/internal/tabular"
	"enlist/internal/warehouse"
)

// Query selects metrics rows.
type Query struct {
	Scope  string    // region code; its descendants follow
	Year   int       // 0 = the as-of date's season (see Resolve)
	Season int       // 0 = the as-of date's season (see Resolve)
	AsOf   time.Time // zero = today
	Depth  int       // levels below the scope to include (0 = the scope only)
	// Fallback: when the as-of date's season has no data in scope, take
	// the latest season with data instead of refusing. Resolve then sets
	// Named to the season the date named, so the caller can say so.
	Fallback bool
	Named    Season
}

// Season is a year's season 1 or 2.
type Season struct{ Year, Season int }

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

// ErrNoSeasonData means the as-of date's season has no data in scope (and
// no fallback was asked for).
var ErrNoSeasonData = errors.New("no data for the as-of date's season")

// Resolve fills in the defaults of q. The as-of date is today unless
// given. Without a year and season, the as-of date names the season by the
// configured season windows (config.SeasonOf, the rule loads use for rows
// without a season); a season with no registrations or quotas in scope is
// refused, or with q.Fallback replaced by the latest season with data
// (q.Named keeps the one the date named). A year without a season (or a
// season without a year) takes the latest season with data that matches.
func Resolve(ctx context.Context, db *sql.DB, q Query) (Query, error) {
	if regions.LevelOf(q.Scope) == 0 {
		return q, fmt.Errorf("scope %q is not a region code (2, 4, 6, 9 or 12 digits)", q.Scope)
	}
	if q.AsOf.IsZero() {
		y, m, d := time.Now().Date()
		q.AsOf = time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	}
	if q.Year != 0 && q.Season != 0 {
		return q, nil
	}
	if q.Year == 0 && q.Season == 0 {
		windows, err := warehouse.SeasonWindows(ctx, db)
		if err != nil {
			return q, err
		}
		named := Season{q.AsOf.Year(), config.SeasonOf(windows, q.AsOf)}
		var n int
		if err := db.QueryRowContext(ctx, `SELECT count(*) FROM (
				SELECT 1 FROM registrations WHERE year = ? AND season = ? AND starts_with(region_code, ?)
				UNION ALL
				SELECT 1 FROM quotas WHERE year = ? AND season = ? AND (starts_with(region_code, ?) OR starts_with(?, region_code))
				LIMIT 1)`,
			named.Year, named.Season, q.Scope, named.Year, named.Season, q.Scope, q.Scope).Scan(&n); err != nil {
			return q, fmt.Errorf("look for data in %d season %d: %w", named.Year, named.Season, err)
		}
		if n > 0 {
			q.Year, q.Season = named.Year, named.Season
			return q, nil
		}
		latest, err := latestWithData(ctx, db, q)
		if err != nil {
			return q, err
		}
		if !q.Fallback {
			return q, fmt.Errorf("%w: %s has no registrations or quotas in %d season %d, the season of %s by the configured season windows "+
				"(the latest with data is %d season %d); give --year and --season (or --as-of) for another season, or --latest to show the latest season with data",
				ErrNoSeasonData, q.Scope, named.Year, named.Season, q.AsOf.Format(time.DateOnly), latest.Year, latest.Season)
		}
		q.Named = named
		q.Year, q.Season = latest.Year, latest.Season
		return q, nil
	}
	latest, err := latestWithData(ctx, db, q)
	if err != nil {
		return q, err
	}
	q.Year, q.Season = latest.Year, latest.Season
	return q, nil
}

// latestWithData is the latest season with registrations or quotas in
// scope, within q's year or season when one is given.
func latestWithData(ctx context.Context, db *sql.DB, q Query) (Season, error) {
	var year, season sql.NullInt64
	err := db.QueryRowContext(ctx, `
		SELECT year, season FROM (
			SELECT year, season FROM registrations WHERE starts_with(region_code, ?)
			UNION SELECT year, season FROM quotas WHERE starts_with(region_code, ?) OR starts_with(?, region_code))
		WHERE (? = 0 OR year = ?) AND (? = 0 OR season = ?)
		ORDER BY year DESC, season DESC LIMIT 1`,
		q.Scope, q.Scope, q.Scope, q.Year, q.Year, q.Season, q.Season).Scan(&year, &season)
	if errors.Is(err, sql.ErrNoRows) {
		return Season{}, fmt.Errorf("%w %s; load its extracts first, or give --year and --season", ErrNoData, q.Scope)
	}
	if err != nil {
		return Season{}, fmt.Errorf("find latest season for %s: %w", q.Scope, err)
	}
	return Season{int(year.Int64), int(season.Int64)}, nil
}

// Read returns the metrics rows of the scope and its descendants down to
// q.Depth levels, ordered by code. Columns are the metrics view's.
func Read(ctx context.Context, wh *warehouse.Warehouse, q Query) (*tabular.Frame, error) {
	q, err := Resolve(ctx, wh.DB(), q)
	if err != nil {
		return nil, err
	}
	frame, err := readView(ctx, wh, q.Scope, q.Depth, q.AsOf, q.Year, q.Season)
	if err != nil {
		return nil, err
	}
	return frame, q.refuseEmpty(frame)
}

// readView reads the metrics view's rows of scope and depth levels below
// it for one as-of date and season, ordered by code.
//
// It reads them in two statements, as the bulletin does: the people
// counted (CountPeople), then the figures from them (model_parts.metrics_of,
// which is what the view and metrics_at are). The rows are the view's to
// the digit (TestReadIsTheMetricsView).
func readView(ctx context.Context, wh *warehouse.Warehouse, scope string, depth int, asOf time.Time, year, season int) (*tabular.Frame, error) {
	var frame *tabular.Frame
	day := asOf.Format(time.DateOnly)
	err := wh.WithConn(ctx, func(c *warehouse.Conn) error {
		// Year and season keep it from counting other seasons.
		drop, err := CountPeople(ctx, c.Conn, "metrics_people", asOf, asOf.AddDate(0, 0, -7), year, season)
		if err != nil {
			return fmt.Errorf("read metrics: %w", err)
		}
		defer drop()
		rows, err := c.QueryContext(ctx, `
			SELECT * FROM model_parts.metrics_of(?::DATE, ?, ?, metrics_people)
			WHERE starts_with(region_code, ?) AND year = ? AND season = ?
			  AND list_contains(?::INTEGER[], length(region_code))
			ORDER BY region_code`, day, year, season, scope, year, season, allowedLengths(scope, depth))
		if err != nil {
			return fmt.Errorf("read metrics: %w", err)
		}
		defer rows.Close()
		frame, err = tabular.FromRows(rows)
		return err
	})
	return frame, err
}

// refuseEmpty refuses q's rows when the season has no data: no row at all,
// or the scope's own row saying so (zeros of a season nobody loaded are no
// figures).
func (q Query) refuseEmpty(frame *tabular.Frame) error {
	if len(frame.Rows) == 0 ||
		frame.Rows[0][frame.Index("region_code")] == q.Scope && frame.Value(0, "has_data") == false {
		return &SeasonError{Scope: q.Scope, Year: q.Year, Season: q.Season}
	}
	return nil
}

// levelLengths lists the code lengths from the scope down depth levels.
func levelLengths(scope string, depth int) []int {
	var out []int
	for l := regions.LevelOf(scope); l <= regions.Village && int(l-regions.LevelOf(scope)) <= depth; l++ {
		out = append(out, l.Length())
	}
	return out
}

// allowedLengths is levelLengths as a DuckDB list literal.
func allowedLengths(scope string, depth int) string {
	var out []string
	for _, n := range levelLengths(scope, depth) {
		out = append(out, fmt.Sprint(n))
	}
	return "[" + strings.Join(out, ",") + "]"
}

// Province is the metrics rows of every region of a province for one as-of
// date and season, read once and shared by the answers for many regions of
// that week (Of): the metrics view computes every region whatever a query
// keeps, so a service answering many regions' figures (the web console's
// API) reads the week once instead of once per region.
type Province struct {
	Code         string
	AsOf         time.Time
	Year, Season int
	frame        *tabular.Frame
}

// ReadProvince reads the metrics rows of province (every level below it)
// as of asOf in year's season, as Read reads a scope's.
func ReadProvince(ctx context.Context, wh *warehouse.Warehouse, province string, asOf time.Time, year, season int) (*Province, error) {
	if regions.LevelOf(province) != regions.Province {
		return nil, fmt.Errorf("read the province's metrics: %q is not a province code", province)
	}
	frame, err := readView(ctx, wh, province, int(regions.Village-regions.Province), asOf, year, season)
	if err != nil {
		return nil, err
	}
	return &Province{Code: province, AsOf: asOf, Year: year, Season: season, frame: frame}, nil
}

// Of is Read's answer for q, whose season Resolve has settled, from the
// province's rows: the same rows in the same order, and the same refusals.
// It is false when the rows are not of q's province, date and season.
func (p *Province) Of(q Query) (*tabular.Frame, bool, error) {
	if p == nil || !strings.HasPrefix(q.Scope, p.Code) || !p.AsOf.Equal(q.AsOf) || p.Year != q.Year || p.Season != q.Season {
		return nil, false, nil
	}
	lengths := map[int]bool{}
	for _, n := range levelLengths(q.Scope, q.Depth) {
		lengths[n] = true
	}
	code := p.frame.Index("region_code")
	frame := &tabular.Frame{Columns: p.frame.Columns}
	for _, row := range p.frame.Rows {
		c, _ := row[code].(string)
		if strings.HasPrefix(c, q.Scope) && lengths[len(c)] {
			frame.Rows = append(frame.Rows, row)
		}
	}
	if err := q.refuseEmpty(frame); err != nil {
		return nil, true, err
	}
	return frame, true, nil
}
