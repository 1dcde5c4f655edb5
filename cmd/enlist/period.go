package main

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"time"

	"enlist/internal/config"
	"enlist/internal/metrics"
	"enlist/internal/regions"
)

// periodFlags are --scope, --year, --season and --as-of: which region and
// which moment of which season a command reads the metrics of (enlist
// metrics, enlist report).
type periodFlags struct {
	scope, asOf  *string
	year, season *int
	latest       *bool
}

func addPeriodFlags(fs *flag.FlagSet) periodFlags {
	return periodFlags{
		scope:  fs.String("scope", "", "region code (required): 41 province, 4101 city, 410102 county, …"),
		year:   fs.Int("year", 0, "year (default: the as-of date's season, by the configured season windows)"),
		season: fs.Int("season", 0, "season 1 or 2 (default: the as-of date's, by the configured season windows)"),
		asOf:   fs.String("as-of", "", "as-of date YYYY-MM-DD (default: today)"),
		latest: fs.Bool("latest", false, "when the as-of date's season has no data, show the latest season with data (and say so) instead of refusing"),
	}
}

// query checks the flags after parsing; a bad one is a usage error.
func (p periodFlags) query() (metrics.Query, error) {
	if *p.scope == "" {
		return metrics.Query{}, fmt.Errorf("%w: give --scope CODE", errUsage)
	}
	if regions.LevelOf(*p.scope) == 0 {
		return metrics.Query{}, fmt.Errorf("%w: --scope %q is not a region code: 2, 4, 6, 9 or 12 digits (41 province, 4101 city, 410102 county)", errUsage, *p.scope)
	}
	if err := config.CheckSeason(*p.season); err != nil {
		return metrics.Query{}, fmt.Errorf("%w: --season %w", errUsage, err)
	}
	q := metrics.Query{Scope: *p.scope, Year: *p.year, Season: *p.season, Fallback: *p.latest}
	if *p.asOf != "" {
		t, err := time.Parse(time.DateOnly, *p.asOf)
		if err != nil {
			return metrics.Query{}, fmt.Errorf("%w: --as-of %q: use YYYY-MM-DD", errUsage, *p.asOf)
		}
		q.AsOf = t
	}
	return q, nil
}

// announcePeriod resolves q as the metrics and the bulletin will, and says
// which season is shown when the as-of date's season had no data and
// --latest took the latest season with data instead: a person must never
// read another season's figures without being told.
func (e *env) announcePeriod(ctx context.Context, db *sql.DB, q metrics.Query) error {
	r, err := metrics.Resolve(ctx, db, q)
	if err != nil {
		return err
	}
	if r.Named.Year != 0 {
		fmt.Fprintf(e.stderr, "note: %s has no data for %d season %d, the season of %s; showing %d season %d (the latest with data), as --latest asks\n",
			r.Scope, r.Named.Year, r.Named.Season, r.AsOf.Format(time.DateOnly), r.Year, r.Season)
		e.log.Warn("showing the latest season with data", "scope", r.Scope, "as_of", r.AsOf.Format(time.DateOnly),
			"named_year", r.Named.Year, "named_season", r.Named.Season, "year", r.Year, "season", r.Season)
	}
	return nil
}
