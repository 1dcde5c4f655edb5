package warehouse

import (
	"context"
	"fmt"

	"enlist/internal/config"
)

// SeasonWindows reads the season windows the warehouse was opened with
// (season_calendar, written from enlist.yaml), so loads, metrics and the
// bulletin give a date the same season (config.SeasonOf).
func (w *Warehouse) SeasonWindows(ctx context.Context) (map[int]config.Season, error) {
	return SeasonWindows(ctx, w.db)
}

// SeasonWindows reads season_calendar through any query runner.
func SeasonWindows(ctx context.Context, db queryer) (map[int]config.Season, error) {
	out := map[int]config.Season{}
	for _, s := range []int{1, 2} {
		var win config.Season
		if err := db.QueryRowContext(ctx, `SELECT start_md, end_md FROM season_calendar WHERE season = ?`, s).Scan(&win.Start, &win.End); err != nil {
			return nil, fmt.Errorf("read season %d window: %w", s, err)
		}
		out[s] = win
	}
	return out, nil
}
