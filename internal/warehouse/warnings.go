package warehouse

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// Season is one year's season (1 or 2).
type Season struct{ Year, Season int }

// The warnings between files (the flags view's parts 2 to 4) depend on the
// rows of one season only, never on a date, so a writer keeps them
// (season_warnings, sql/schema/0196_season_warnings.sql) and a bulletin
// reads them instead of grouping every registration of the season again.
// Whether a season's kept warnings are still its warnings is read from the
// data each time (model_parts.season_rows_seen and the models'
// fingerprint, recorded with them in season_warnings_state), not trusted
// to every writer having kept them: a season whose rows changed since is
// computed as before, so a writer that does not keep them costs a reader
// time, never a wrong list.

// KeepSeasonWarnings brings the kept warnings between files up to date:
// each season whose rows or models changed since its warnings were kept is
// computed again (model_parts.season_flags_of), and the seasons that have
// no rows any more are dropped, in one transaction. It returns the seasons
// computed. Writers call it once their loads are committed, before they
// publish.
func (w *Warehouse) KeepSeasonWarnings(ctx context.Context) (kept []Season, err error) {
	conn, err := w.db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("keep the warnings between files: %w", err)
	}
	defer conn.Close()
	c := &Conn{conn}
	if err := c.Begin(ctx); err != nil {
		return nil, fmt.Errorf("keep the warnings between files: %w", err)
	}
	defer func() {
		if err != nil {
			err = errors.Join(fmt.Errorf("keep the warnings between files: %w", err), c.Rollback(ctx))
		}
	}()
	// Read in the transaction, so the digests are those of the rows the
	// warnings are then computed from, whatever another connection commits
	// meanwhile.
	stale, gone, models, err := staleSeasons(ctx, c)
	if err != nil {
		return nil, err
	}
	if len(stale) == 0 && len(gone) == 0 {
		return nil, c.Commit(ctx)
	}
	for _, s := range append(gone, seasonsOf(stale)...) {
		for _, table := range []string{"season_warnings", "season_warnings_state"} {
			if _, err := c.ExecContext(ctx, `DELETE FROM main.`+table+` WHERE year = ? AND season = ?`, s.Year, s.Season); err != nil {
				return nil, err
			}
		}
	}
	for _, st := range stale {
		s := st.season
		for part := 2; part <= 4; part++ {
			// One statement a part, each with the whole memory limit, and
			// the season written into it so that DuckDB plans the one
			// season's scans (as the bulletin's reading did).
			if _, err := c.ExecContext(ctx, fmt.Sprintf(`INSERT INTO main.season_warnings
				SELECT * FROM model_parts.season_flags_of(%d, %d, %d)`, part, s.Year, s.Season)); err != nil {
				return nil, err
			}
		}
		if _, err := c.ExecContext(ctx, `INSERT INTO main.season_warnings_state VALUES (?, ?, ?, ?)`,
			s.Year, s.Season, models, st.seen); err != nil {
			return nil, err
		}
		kept = append(kept, s)
	}
	return kept, c.Commit(ctx)
}

// seenSeason is a season with the digest of its rows now.
type seenSeason struct {
	season Season
	seen   string
}

func seasonsOf(s []seenSeason) []Season {
	out := make([]Season, len(s))
	for i := range s {
		out[i] = s[i].season
	}
	return out
}

// staleSeasons lists the seasons with rows whose kept warnings are missing
// or out of date, and the seasons kept that have no rows any more.
func staleSeasons(ctx context.Context, c *Conn) (stale []seenSeason, gone []Season, models string, err error) {
	if err := c.QueryRowContext(ctx, `SELECT coalesce(max(fingerprint), '') FROM main.model_state`).Scan(&models); err != nil {
		return nil, nil, "", err
	}
	// The digests are read once (MATERIALIZED): each reading hashes every
	// row of the three tables.
	rows, err := c.QueryContext(ctx, `
		WITH d AS MATERIALIZED (SELECT * FROM model_parts.season_rows_seen(NULL, NULL))
		SELECT d.year, d.season, d.rows_seen, k.year IS NOT NULL AND k.models = ? AND k.rows_seen = d.rows_seen
		FROM d LEFT JOIN main.season_warnings_state k USING (year, season)
		UNION ALL
		SELECT k.year, k.season, NULL, false
		FROM main.season_warnings_state k ANTI JOIN d USING (year, season)
		ORDER BY 1, 2`, models)
	if err != nil {
		return nil, nil, "", err
	}
	defer rows.Close()
	for rows.Next() {
		var s Season
		var seen sql.NullString
		var current bool
		if err := rows.Scan(&s.Year, &s.Season, &seen, &current); err != nil {
			return nil, nil, "", err
		}
		switch {
		case !seen.Valid:
			gone = append(gone, s)
		case !current:
			stale = append(stale, seenSeason{s, seen.String})
		}
	}
	return stale, gone, models, rows.Err()
}

// SeasonWarningsKept tells whether season_warnings holds year's season's
// warnings between files as they are now: kept with these models from
// these rows. The check reads the season's rows (0.1-0.2 s at 10,000,000
// registrations); a caller that finds them kept reads them from
// season_warnings, and otherwise computes them.
func SeasonWarningsKept(ctx context.Context, db queryer, year, season int) (bool, error) {
	var kept bool
	err := db.QueryRowContext(ctx, `
		SELECT EXISTS (
			SELECT 1 FROM main.season_warnings_state k
			JOIN model_parts.season_rows_seen(?::INTEGER, ?::INTEGER) d USING (year, season)
			WHERE k.year = ? AND k.season = ? AND k.rows_seen = d.rows_seen
			  AND k.models = (SELECT coalesce(max(fingerprint), '') FROM main.model_state))`,
		year, season, year, season).Scan(&kept)
	if err != nil {
		return false, fmt.Errorf("check the kept warnings between files of %d season %d: %w", year, season, err)
	}
	return kept, nil
}
