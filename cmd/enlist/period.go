package main

import (
	"flag"
	"fmt"
	"time"

	"enlist/internal/metrics"
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
	q, err := metrics.ParseQuery(*p.scope, *p.asOf, *p.year, *p.season, *p.latest)
	if err != nil {
		return q, fmt.Errorf("%w: --%w", errUsage, err)
	}
	return q, nil
}

// announcePeriod says which season is shown when the as-of date's season
// had no data and --latest took the latest season with data instead: a
// person must never read another season's figures without being told.
func (e *env) announcePeriod(r metrics.Query) {
	if r.Named.Year != 0 {
		fmt.Fprintf(e.stderr, "note: %s has no data for %d season %d, the season of %s; showing %d season %d (the latest with data), as --latest asks\n",
			r.Scope, r.Named.Year, r.Named.Season, r.AsOf.Format(time.DateOnly), r.Year, r.Season)
	}
}
