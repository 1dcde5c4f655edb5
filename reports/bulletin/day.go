package bulletin

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strings"
	"time"

	"enlist/internal/metrics"
	"enlist/internal/warehouse"
)

// Day is what the bulletins of every region share for one as-of date and
// season: the rows of the report models that take the date — the figures
// (metrics_at), the examination failure reasons, the return reasons, the
// approvals by week and the universities — of every region, read once from
// a copy of the warehouse, the people once for the figures and the
// universities (as Gather reads them). Those models compute every region
// whatever the bulletin keeps, so a bulletin read alone pays for the whole
// province; a service that serves the bulletins of many regions for the
// same week (the web console: each county office opening its own) reads
// one Day and gives it to each (Options.Day).
//
// A bulletin read with a Day keeps the rows its own queries would keep,
// with the same filters applied in Go, in the same order: the same
// figures, to the digit (TestDayGivesTheSameBulletins).
type Day struct {
	AsOf         time.Time
	Year, Season int
	figures      []Row // ordered by region_code
	exams        []dayExamReason
	returns      []dayReturnReason
	weeks        map[string][]Week
	// schools are the universities of each province and city some sit in
	// (readSchools); any other scope has none to rank.
	schools map[string]*Schools
	// The files and their problems, kept here so that a Day serves a
	// whole bulletin.
	*Files
}

// Files is the files of a copy of the warehouse and their problems, as
// the bulletins of one season list them, with the columns the bulletin's
// filter reads, and the problems' names in both languages. They do not
// depend on the date, so the Days of one copy and season can share one
// reading (ReadDayWith).
type Files struct {
	Year, Season int
	files        []dayFile
	issues       []dayIssue
	labels       map[Lang]map[string]string
}

// dayFile is a row of load_quality with what inFiles reads.
type dayFile struct {
	FileQuality
	region       sql.NullString
	year, season sql.NullInt64
}

// dayIssue is quality_issues summed by what the bulletin groups by, and
// by the columns inFiles reads.
type dayIssue struct {
	Issue
	region       sql.NullString
	year, season sql.NullInt64
}

// inFiles keeps files covering the scope, inside it or around it, of the
// season (or of none in particular).
func inFiles(region sql.NullString, year, season sql.NullInt64, scope string, y, s int) bool {
	return (!region.Valid || strings.HasPrefix(region.String, scope) || strings.HasPrefix(scope, region.String)) &&
		(!year.Valid || year.Int64 == int64(y)) && (!season.Valid || season.Int64 == int64(s))
}

type dayExamReason struct {
	code, typ string
	Reason
}

type dayReturnReason struct {
	code string
	ReturnReason
}

// ReadDay reads the Day of asOf in year's season from wh.
func ReadDay(ctx context.Context, wh *warehouse.Warehouse, asOf time.Time, year, season int) (*Day, error) {
	return ReadDayWith(ctx, wh, asOf, year, season, nil)
}

// ReadDayWith is ReadDay with the copy's Files already read (nil: read
// it too); q must come from the same copy as wh.
func ReadDayWith(ctx context.Context, wh *warehouse.Warehouse, asOf time.Time, year, season int, q *Files) (*Day, error) {
	if q != nil && (q.Year != year || q.Season != season) {
		return nil, fmt.Errorf("read the Day of %d season %d with the files of %d season %d", year, season, q.Year, q.Season)
	}
	d := &Day{AsOf: asOf, Year: year, Season: season, weeks: map[string][]Week{}, schools: map[string]*Schools{}, Files: q}
	day := asOf.Format(time.DateOnly)
	if err := d.readPeople(ctx, wh); err != nil {
		return nil, err
	}
	// Each query orders as the bulletin's own does, so that a region's rows
	// come out of the filter in the order its query would give them.
	rows, err := wh.DB().QueryContext(ctx, `
		SELECT region_code, exam_type, coalesce(reason, ''), people
		FROM exam_fail_reasons_at(?::DATE, ?, ?)
		WHERE region_code IS NOT NULL AND year = ? AND season = ?
		ORDER BY region_code, exam_type, people DESC, reason`, day, year, season, year, season)
	if err != nil {
		return nil, fmt.Errorf("read examination failure reasons: %w", err)
	}
	for rows.Next() {
		var e dayExamReason
		if err := rows.Scan(&e.code, &e.typ, &e.Reason.Reason, &e.People); err != nil {
			rows.Close()
			return nil, err
		}
		d.exams = append(d.exams, e)
	}
	if err := closeRows(rows); err != nil {
		return nil, fmt.Errorf("read examination failure reasons: %w", err)
	}
	rows, err = wh.DB().QueryContext(ctx, `
		SELECT region_code, coalesce(reason, ''), returned, responsible_returned
		FROM return_reasons_at(?::DATE, ?, ?)
		WHERE region_code IS NOT NULL AND year = ? AND season = ?
		ORDER BY region_code, returned DESC, reason`, day, year, season, year, season)
	if err != nil {
		return nil, fmt.Errorf("read return reasons: %w", err)
	}
	for rows.Next() {
		var r dayReturnReason
		if err := rows.Scan(&r.code, &r.Reason, &r.Returned, &r.Responsible); err != nil {
			rows.Close()
			return nil, err
		}
		d.returns = append(d.returns, r)
	}
	if err := closeRows(rows); err != nil {
		return nil, fmt.Errorf("read return reasons: %w", err)
	}
	rows, err = wh.DB().QueryContext(ctx, `
		SELECT region_code, week_end, approved, returned, net_approved
		FROM approvals_by_week_at(?::DATE, ?, ?)
		WHERE region_code IS NOT NULL AND year = ? AND season = ?
		ORDER BY region_code, week_end`, day, year, season, year, season)
	if err != nil {
		return nil, fmt.Errorf("read approvals by week: %w", err)
	}
	for rows.Next() {
		var code string
		var w Week
		if err := rows.Scan(&code, &w.End, &w.Approved, &w.Returned, &w.Net); err != nil {
			rows.Close()
			return nil, err
		}
		d.weeks[code] = append(d.weeks[code], w)
	}
	if err := closeRows(rows); err != nil {
		return nil, fmt.Errorf("read approvals by week: %w", err)
	}
	if d.Files == nil {
		var err error
		if d.Files, err = ReadFiles(ctx, wh, year, season); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// readPeople reads the figures of every region and the universities of
// every province and city from one reading of the people (readPeople):
// the figures are metrics_at's (metrics_of over the same counts), and each
// bulletin of a province or a city would otherwise read every person of
// the province again for its universities (3 s at 10,000,000
// registrations).
func (d *Day) readPeople(ctx context.Context, wh *warehouse.Warehouse) error {
	day := d.AsOf.Format(time.DateOnly)
	people, release, err := readPeople(ctx, wh, metrics.Query{AsOf: d.AsOf, Year: d.Year, Season: d.Season})
	if err != nil {
		return err
	}
	defer release()
	rows, err := people.QueryContext(ctx, `
		SELECT * FROM model_parts.metrics_of(?::DATE, ?, ?, bulletin_people)
		WHERE year = ? AND season = ?
		ORDER BY region_code`, day, d.Year, d.Season, d.Year, d.Season)
	if err != nil {
		return fmt.Errorf("read the figures of %s: %w", day, err)
	}
	d.figures, err = scanRows(rows)
	rows.Close()
	if err != nil {
		return fmt.Errorf("read the figures of %s: %w", day, err)
	}
	drop, err := readSchoolRows(ctx, people, d.AsOf, d.Year, d.Season)
	if err != nil {
		return fmt.Errorf("read the universities of %s: %w", day, err)
	}
	defer drop()
	// The provinces and cities a university sits in: any other scope ranks
	// none (school_ranking_of keeps those located within the scope).
	rows, err = people.QueryContext(ctx, `
		SELECT DISTINCT scope FROM (
			SELECT left(located_code, 2) AS scope FROM bulletin_school_rows
			UNION ALL SELECT left(located_code, 4) FROM bulletin_school_rows)
		WHERE scope IS NOT NULL ORDER BY scope`)
	if err != nil {
		return fmt.Errorf("read the universities of %s: %w", day, err)
	}
	var scopes []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			rows.Close()
			return err
		}
		scopes = append(scopes, s)
	}
	if err := closeRows(rows); err != nil {
		return fmt.Errorf("read the universities of %s: %w", day, err)
	}
	var ranked []string
	for _, s := range scopes {
		if ranksSchools(s) {
			ranked = append(ranked, s)
		}
	}
	d.schools, err = rankSchoolsOf(ctx, people, ranked)
	return err
}

// ReadFiles reads the files of the copy wh and their problems, for the
// bulletins of year's season.
func ReadFiles(ctx context.Context, wh *warehouse.Warehouse, year, season int) (*Files, error) {
	d := &Files{Year: year, Season: season, labels: map[Lang]map[string]string{Chinese: {}, English: {}}}
	if err := d.read(ctx, wh); err != nil {
		return nil, err
	}
	return d, nil
}

func (d *Files) read(ctx context.Context, wh *warehouse.Warehouse) error {
	// One connection, as its temporary table of the warnings in force is
	// its own: the cross-file checks behind them (the flags view) are
	// computed once for both the files and their problems.
	conn, err := wh.DB().Conn(ctx)
	if err != nil {
		return fmt.Errorf("read data quality by file: %w", err)
	}
	defer conn.Close()
	// The flags view's parts one after another (model_parts.flags_of,
	// sql/models/030_flags.sql): its joins with every registration, run
	// side by side as one statement, spilled at 10,000,000 registrations
	// (2.1 s, 1.8 s this way).
	if _, err := conn.ExecContext(ctx, `CREATE OR REPLACE TEMP TABLE bulletin_flags AS SELECT * FROM model_parts.flags_of(1)`); err != nil {
		return fmt.Errorf("read the warnings in force: %w", err)
	}
	// The warnings between files (parts 2 to 4) of the seasons whose rows
	// the bulletins of this season list: each is about one season
	// (model_parts.season_flags_of), and a warehouse keeps many.
	seasons, err := listedSeasons(ctx, conn, d.Year, d.Season)
	if err != nil {
		return err
	}
	for _, ys := range seasons {
		// Kept by the last writer while they are still the season's
		// (warehouse.SeasonWarningsKept), else computed here.
		kept, err := warehouse.SeasonWarningsKept(ctx, conn, ys[0], ys[1])
		if err != nil {
			return err
		}
		if kept {
			if _, err := conn.ExecContext(ctx, `INSERT INTO bulletin_flags SELECT * FROM main.season_warnings WHERE year = ? AND season = ?`,
				ys[0], ys[1]); err != nil {
				return fmt.Errorf("read the warnings in force: %w", err)
			}
			continue
		}
		for part := 2; part <= 4; part++ {
			// Written into the statement, not bound as parameters, so that
			// DuckDB drops the other parts and reads the one season when
			// planning.
			if _, err := conn.ExecContext(ctx, fmt.Sprintf(`INSERT INTO bulletin_flags SELECT * FROM model_parts.season_flags_of(%d, %d, %d)`,
				part, ys[0], ys[1])); err != nil {
				return fmt.Errorf("read the warnings in force: %w", err)
			}
		}
	}
	// The connection goes back to the pool: its table must not outlive
	// this reading.
	defer conn.ExecContext(context.WithoutCancel(ctx), `DROP TABLE IF EXISTS temp.bulletin_flags`) //nolint:errcheck // replaced by the next reading on this connection anyway
	rows, err := conn.QueryContext(ctx, `SELECT source, code, label_zh, label_en FROM issue_labels`)
	if err != nil {
		return fmt.Errorf("read issue labels: %w", err)
	}
	for rows.Next() {
		var src, code string
		var zh, en sql.NullString
		if err := rows.Scan(&src, &code, &zh, &en); err != nil {
			rows.Close()
			return err
		}
		d.labels[Chinese][src+"/"+code] = zh.String
		d.labels[English][src+"/"+code] = capitalised(en.String)
	}
	if err := closeRows(rows); err != nil {
		return fmt.Errorf("read issue labels: %w", err)
	}
	rows, err = conn.QueryContext(ctx, `
		SELECT load_id, file, kind, coalesce(exam_type, ''), region_code, coalesce(region_name, ''),
		       rows_read, rows_accepted, rows_rejected, rows_flagged,
		       coalesce(top_source, ''), coalesce(top_reason, ''), coalesce(top_rows, 0), status, year, season
		FROM model_parts.load_quality_of(bulletin_flags)
		ORDER BY kind, file, load_id`)
	if err != nil {
		return fmt.Errorf("read data quality by file: %w", err)
	}
	for rows.Next() {
		var f dayFile
		if err := rows.Scan(&f.LoadID, &f.File, &f.Kind, &f.ExamType, &f.region, &f.RegionName, &f.Read, &f.Accepted,
			&f.Rejected, &f.Flagged, &f.TopSource, &f.TopReason, &f.TopRows, &f.Status, &f.year, &f.season); err != nil {
			rows.Close()
			return err
		}
		f.RegionCode = f.region.String
		d.files = append(d.files, f)
	}
	if err := closeRows(rows); err != nil {
		return fmt.Errorf("read data quality by file: %w", err)
	}
	rows, err = conn.QueryContext(ctx, `
		SELECT source, reason, load_id, file, kind, region_code, year, season, sum(rows)::BIGINT
		FROM model_parts.quality_issues_of(bulletin_flags)
		GROUP BY ALL`)
	if err != nil {
		return fmt.Errorf("read data-quality issues: %w", err)
	}
	for rows.Next() {
		var i dayIssue
		if err := rows.Scan(&i.Source, &i.Reason, &i.LoadID, &i.File, &i.Kind, &i.region, &i.year, &i.season, &i.Rows); err != nil {
			rows.Close()
			return err
		}
		i.RegionCode = i.region.String
		d.issues = append(d.issues, i)
	}
	if err := closeRows(rows); err != nil {
		return fmt.Errorf("read data-quality issues: %w", err)
	}
	return nil
}

// listedSeasons are the seasons of the rows whose warnings between files
// the bulletins of year's season show: that season's, and those of the
// rows of the registrations, exams and approvals files they list that
// cover no one season (scope_year or scope_season empty, which inFiles
// keeps in every season's list). A file of one season holds rows of that
// season only, and a warning listed on its own (issuesOf) has its row's
// season; so every file and warning listed counts the same as over all
// seasons.
func listedSeasons(ctx context.Context, conn *sql.Conn, year, season int) ([][2]int, error) {
	rows, err := conn.QueryContext(ctx, `
		SELECT DISTINCT year, season FROM (
			SELECT ?::INTEGER AS year, ?::INTEGER AS season
			UNION ALL
			SELECT year, season FROM (
				SELECT load_id, year, season FROM registrations
				UNION ALL SELECT load_id, year, season FROM exams
				UNION ALL SELECT load_id, year, season FROM approvals)
			WHERE load_id IN (
				SELECT load_id FROM load_ledger
				WHERE status = 'loaded' AND (scope_year IS NULL OR scope_season IS NULL)
				  AND coalesce(scope_year, ?) = ? AND coalesce(scope_season, ?) = ?))
		ORDER BY year, season`, year, season, year, year, season, season)
	if err != nil {
		return nil, fmt.Errorf("read the seasons of the files listed: %w", err)
	}
	var out [][2]int
	for rows.Next() {
		var ys [2]int
		if err := rows.Scan(&ys[0], &ys[1]); err != nil {
			rows.Close()
			return nil, fmt.Errorf("read the seasons of the files listed: %w", err)
		}
		out = append(out, ys)
	}
	if err := closeRows(rows); err != nil {
		return nil, fmt.Errorf("read the seasons of the files listed: %w", err)
	}
	return out, nil
}

// issuesOf is the issues of the files around the scope in the season
// (inFiles), summed by source, reason, load, file, kind and region, in the
// data-quality sheet's order.
func (d *Files) issuesOf(scope string, year, season int) []Issue {
	type group struct {
		source, reason, file, kind, region string
		load                               int64
	}
	sums := map[group]int{}
	var out []Issue
	for _, i := range d.issues {
		if !inFiles(i.region, i.year, i.season, scope, year, season) {
			continue
		}
		g := group{i.Source, i.Reason, i.File, i.Kind, i.RegionCode, i.LoadID}
		if n, ok := sums[g]; ok {
			out[n].Rows += i.Rows
			continue
		}
		sums[g] = len(out)
		out = append(out, i.Issue)
	}
	sort.SliceStable(out, func(a, b int) bool {
		x, y := out[a], out[b]
		switch {
		case x.Source != y.Source:
			return x.Source > y.Source
		case x.Reason != y.Reason:
			return x.Reason < y.Reason
		case x.File != y.File:
			return x.File < y.File
		case x.RegionCode != y.RegionCode:
			return x.RegionCode < y.RegionCode
		case x.LoadID != y.LoadID:
			return x.LoadID < y.LoadID
		}
		return x.Kind < y.Kind
	})
	return out
}

type closer interface {
	Err() error
	Close() error
}

func closeRows(rows closer) error {
	err := rows.Err()
	rows.Close()
	return err
}

// matches is whether the Day serves a bulletin of asOf in year's season.
func (d *Day) matches(asOf time.Time, year, season int) bool {
	return d != nil && d.AsOf.Equal(asOf) && d.Year == year && d.Season == season
}

// figuresOf are readRows' rows: the scope's and its children's.
func (d *Day) figuresOf(scope string) []Row {
	var out []Row
	for _, r := range d.figures {
		if r.RegionCode == scope || (r.ParentCode.Valid && r.ParentCode.String == scope) {
			out = append(out, r)
		}
	}
	return out
}

// inRegion is regionFilter (the year and season are the Day's).
func inRegion(code, scope string, childLength int) bool {
	return strings.HasPrefix(code, scope) && len(code) <= childLength
}
