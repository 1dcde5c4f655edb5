package main

import (
	"flag"
	"fmt"
	"time"

	"enlist/internal/metrics"
	"enlist/internal/regions"
)

// periodFlags are --scope, --year, --season and --as-of: which region and
// which moment of which season a command reads the metrics of (enlist
// metrics, enlist report).
type periodFlags struct {
	scope, asOf  *string
	year, season *int
}

func addPeriodFlags(fs *flag.FlagSet) periodFlags {
	return periodFlags{
		scope:  fs.String("scope", "", "region code (required): 41 province, 4101 city, 410102 county, …"),
		year:   fs.Int("year", 0, "year (default: the as-of date's, else the latest with data)"),
		season: fs.Int("season", 0, "season 1 or 2 (default: the as-of date's, else the latest with data)"),
		asOf:   fs.String("as-of", "", "as-of date YYYY-MM-DD (default: today)"),
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
	if *p.season != 0 && *p.season != 1 && *p.season != 2 {
		return metrics.Query{}, fmt.Errorf("%w: --season must be 1 or 2", errUsage)
	}
	q := metrics.Query{Scope: *p.scope, Year: *p.year, Season: *p.season}
	if *p.asOf != "" {
		t, err := time.Parse(time.DateOnly, *p.asOf)
		if err != nil {
			return metrics.Query{}, fmt.Errorf("%w: --as-of %q: use YYYY-MM-DD", errUsage, *p.asOf)
		}
		q.AsOf = t
	}
	return q, nil
}
