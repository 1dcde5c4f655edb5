package metrics

import (
	"fmt"
	"time"

	"enlist/internal/config"
	"enlist/internal/regions"
)

// ParamError is a query parameter given wrong, named as the caller names
// it (scope, season, as-of).
type ParamError struct{ Param, Message string }

func (e *ParamError) Error() string { return e.Param + " " + e.Message }

// ParseQuery reads a query as a person gives it (enlist metrics, enlist
// report): a region code, the as-of date as YYYY-MM-DD ("" for today), a
// year and season (0 for the as-of date's), and whether the latest season
// with data may stand in for an empty one.
func ParseQuery(scope, asOf string, year, season int, latest bool) (Query, error) {
	if scope == "" {
		return Query{}, &ParamError{"scope", "is missing: give --scope CODE"}
	}
	if regions.LevelOf(scope) == 0 {
		return Query{}, &ParamError{"scope", fmt.Sprintf("%q is not a region code: 2, 4, 6, 9 or 12 digits (41 province, 4101 city, 410102 county)", scope)}
	}
	if err := config.CheckSeason(season); err != nil {
		return Query{}, &ParamError{"season", err.Error()}
	}
	q := Query{Scope: scope, Year: year, Season: season, Fallback: latest}
	if asOf != "" {
		t, err := time.Parse(time.DateOnly, asOf)
		if err != nil {
			return Query{}, &ParamError{"as-of", fmt.Sprintf("%q: use YYYY-MM-DD", asOf)}
		}
		q.AsOf = t
	}
	return q, nil
}
