package scoped

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	_ "github.com/duckdb/duckdb-go/v2" // the "duckdb" driver of coversAll's own engine

	"enlist/internal/analyst"
	"enlist/internal/config"
	"enlist/internal/warehouse"
)

// A rule says which rows of one warehouse table a scope's copy holds, as
// the statements that fill it: {S} stands for the scope (a checked region
// code, so it is safe as a literal), src for the published version.
// Statements run in order, so a later table may read the rows already
// copied (exams follow the registrations).
//
// Every table of the warehouse must have a rule; a table without one stays
// empty in the copy (TestEveryTableHasARule fails for it), so a new table
// is never handed to a county unfiltered by default.
var rules = map[string][]string{
	// The region table: the scope, what lies under it, and the names of its
	// ancestors (the national division table is public, and the metrics
	// name the city and province a county lies in). Siblings are left out.
	"regions": {`INSERT INTO main.regions BY NAME SELECT * FROM src.main.regions
		WHERE starts_with(code, {S}) OR starts_with({S}, code)`},
	"registrations": {`INSERT INTO main.registrations BY NAME SELECT * FROM src.main.registrations
		WHERE starts_with(region_code, {S})`},
	"resettlement": {`INSERT INTO main.resettlement BY NAME SELECT * FROM src.main.resettlement
		WHERE starts_with(region_code, {S})`},
	// A university belongs to the region it sits in, as a registration does.
	"schools": {`INSERT INTO main.schools BY NAME SELECT * FROM src.main.schools
		WHERE starts_with(region_code, {S})`},
	// A quota row of an ancestor is the ancestor's figure and stays out. The
	// college and graduate targets an ancestor sets for the regions below it
	// are the scope's own targets: the scope's own quota rows that set none
	// take them from the nearest ancestor that does (as metrics_at does), so
	// the copy's metrics judge the scope by the same targets.
	"quotas": {
		`INSERT INTO main.quotas BY NAME SELECT * FROM src.main.quotas WHERE starts_with(region_code, {S})`,
		`UPDATE main.quotas AS q
		SET college_target = coalesce(q.college_target, a.college_target),
		    graduate_target = coalesce(q.graduate_target, a.graduate_target)
		FROM (
		    SELECT year, season,
		           max_by(college_target, len) FILTER (college_target IS NOT NULL) AS college_target,
		           max_by(graduate_target, len) FILTER (graduate_target IS NOT NULL) AS graduate_target
		    FROM (
		        SELECT year, season, length(region_code) AS len,
		               max_by(college_target, (load_id, source_row)) AS college_target,
		               max_by(graduate_target, (load_id, source_row)) AS graduate_target
		        FROM src.main.quotas
		        WHERE starts_with({S}, region_code) AND region_code <> {S} AND school_code IS NULL
		        GROUP BY year, season, region_code)
		    GROUP BY year, season) a
		WHERE q.region_code = {S} AND q.year = a.year AND q.season = a.season`,
	},
	// Exams and approvals carry no region: a person's region is that of their
	// registration for the year and season (SPEC §4), so they follow the
	// registrations copied. An orphan (no registration anywhere) counts in no
	// region; it belongs to the office whose file brought it, when that
	// file's scope lies within the scope.
	"exams": {`INSERT INTO main.exams BY NAME SELECT * FROM src.main.exams x
		WHERE EXISTS (SELECT 1 FROM main.registrations r WHERE r.person = x.person AND r.year = x.year AND r.season = x.season)
		   OR (NOT EXISTS (SELECT 1 FROM src.main.registrations r WHERE r.person = x.person AND r.year = x.year AND r.season = x.season)
		       AND x.load_id IN (SELECT load_id FROM src.main.load_ledger WHERE starts_with(scope_region, {S})))`},
	"approvals": {`INSERT INTO main.approvals BY NAME SELECT * FROM src.main.approvals x
		WHERE EXISTS (SELECT 1 FROM main.registrations r WHERE r.person = x.person AND r.year = x.year AND r.season = x.season)
		   OR (NOT EXISTS (SELECT 1 FROM src.main.registrations r WHERE r.person = x.person AND r.year = x.year AND r.season = x.season)
		       AND x.load_id IN (SELECT load_id FROM src.main.load_ledger WHERE starts_with(scope_region, {S})))`},
	// A warning on a row: by the row's region where known, else with the
	// exam or approval row it is about, else with a file of the scope.
	"row_flags": {`INSERT INTO main.row_flags BY NAME SELECT * FROM src.main.row_flags f
		WHERE starts_with(f.region_code, {S})
		   OR (f.region_code IS NULL AND (
		          (f.kind = 'exams' AND (f.load_id, f.source_row) IN (SELECT load_id, source_row FROM main.exams))
		       OR (f.kind = 'approvals' AND (f.load_id, f.source_row) IN (SELECT load_id, source_row FROM main.approvals))
		       OR f.load_id IN (SELECT load_id FROM src.main.load_ledger WHERE starts_with(scope_region, {S}))))`},
	// A refused row was not stored, so its region is not known: the rejects
	// of files whose scope lies within the scope. The rejects of a file
	// covering several regions (a city-wide list) are the city's to read.
	"rejects": {`INSERT INTO main.rejects BY NAME SELECT * FROM src.main.rejects
		WHERE load_id IN (SELECT load_id FROM src.main.load_ledger WHERE starts_with(scope_region, {S}))`},
	// The ledger: files of the scope as they are. A file covering several
	// regions (a city-wide list, a province's quotas) whose rows reach the
	// copy is listed as the part of it the copy holds: its scope is the
	// scope, its counts are the copy's rows of it, and its message and
	// warnings (about the whole file) are replaced by a note saying so.
	"load_ledger": {
		`INSERT INTO main.load_ledger BY NAME SELECT * FROM src.main.load_ledger WHERE starts_with(scope_region, {S})`,
		`INSERT INTO main.load_ledger BY NAME
		SELECT l.* REPLACE (
		           {S} AS scope_region,
		           coalesce(n.rows, 0) AS rows_read,
		           coalesce(n.rows, 0) AS rows_accepted,
		           0 AS rows_rejected,
		           (SELECT count(*) FROM main.row_flags f WHERE f.load_id = l.load_id) AS rows_flagged,
		           '多区域文件中本区域的部分: this file covers more than ' || {S} || '; the counts are its rows within ' || {S} || ' only (its refused rows cannot be placed in a region and are not shown)' AS message,
		           NULL AS warnings)
		FROM src.main.load_ledger l
		JOIN (SELECT load_id, count(*) AS rows FROM (
		          SELECT load_id FROM main.registrations UNION ALL SELECT load_id FROM main.exams
		          UNION ALL SELECT load_id FROM main.approvals UNION ALL SELECT load_id FROM main.quotas
		          UNION ALL SELECT load_id FROM main.resettlement
		          UNION ALL SELECT try_cast(source AS BIGINT) FROM main.regions)
		      GROUP BY load_id) n ON n.load_id = l.load_id
		WHERE l.scope_region IS NULL OR NOT starts_with(l.scope_region, {S})`,
	},
	// A replacement within the scope: its rows removed are the scope's.
	"load_replacements": {`INSERT INTO main.load_replacements BY NAME SELECT * FROM src.main.load_replacements
		WHERE starts_with(region_code, {S})`},
	"rollup_deliveries": {`INSERT INTO main.rollup_deliveries BY NAME SELECT * FROM src.main.rollup_deliveries
		WHERE starts_with(source_region, {S})`},
	"rollup_loads": {`INSERT INTO main.rollup_loads BY NAME SELECT * FROM src.main.rollup_loads
		WHERE starts_with(scope_region, {S})`},
	// Configuration and identity of the warehouse, the same for every
	// region: the targets and weights the figures are computed with.
	"settings":           {`DELETE FROM main.settings`, `INSERT INTO main.settings BY NAME SELECT * FROM src.main.settings`},
	"season_calendar":    {`DELETE FROM main.season_calendar`, `INSERT INTO main.season_calendar BY NAME SELECT * FROM src.main.season_calendar`},
	"model_state":        {`DELETE FROM main.model_state`, `INSERT INTO main.model_state BY NAME SELECT * FROM src.main.model_state`},
	"secret_fingerprint": {`INSERT INTO main.secret_fingerprint BY NAME SELECT * FROM src.main.secret_fingerprint`},
	// The copy's own schema history, written when it was created.
	"schema_version": nil,
	// The warnings between files kept for the whole warehouse: a copy's
	// rows are fewer, so its readers compute them from its own rows
	// (warehouse.SeasonWarningsKept finds none kept).
	"season_warnings":       nil,
	"season_warnings_state": nil,
	// The scheduled jobs' run history speaks of every region's files; the
	// operators' pages show it, a region's analysts do not query it.
	"job_runs": nil,
}

// build writes the scope's copy of published at path: a new warehouse
// (the project's migrations and models, as enlist init makes), filled by
// the rules, its region-bearing table macros wrapped, then checked.
func build(ctx context.Context, published, path, scope string) error {
	// The office's own indicators are models generated from enlist.yaml:
	// the copy installs those of the published version, so its metrics
	// (and their composite, which weighs them) are the published ones.
	cfg, err := config.Default()
	if err != nil {
		return err
	}
	if cfg.Indicators, err = publishedIndicators(ctx, published); err != nil {
		return err
	}
	wh, err := warehouse.Open(ctx, path, warehouse.Options{Threads: 2, Config: &cfg,
		CheckIndicator: func(ctx context.Context, tx *sql.Tx, expr string, columns []string) error {
			return analyst.CheckIndicator(ctx, tx, expr, columns)
		}})
	if err != nil {
		return err
	}
	err = fill(ctx, wh.DB(), published, scope)
	return errors.Join(err, wh.Close())
}

// publishedIndicators are the indicators the published version carries
// (its office_indicators view), none for a version made before they
// existed.
func publishedIndicators(ctx context.Context, published string) ([]config.Indicator, error) {
	db, err := sql.Open("duckdb", "")
	if err != nil {
		return nil, err
	}
	defer db.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `ATTACH `+quote(published)+` AS src (READ_ONLY)`); err != nil {
		return nil, fmt.Errorf("read the published version's indicators: %w", err)
	}
	var n int
	if err := conn.QueryRowContext(ctx, `SELECT count(*) FROM duckdb_views() WHERE database_name = 'src' AND view_name = 'office_indicators'`).Scan(&n); err != nil || n == 0 {
		return nil, err
	}
	rows, err := conn.QueryContext(ctx, `SELECT name, label, format, target, weight, expression FROM src.main.office_indicators ORDER BY position`)
	if err != nil {
		return nil, fmt.Errorf("read the published version's indicators: %w", err)
	}
	defer rows.Close()
	var out []config.Indicator
	for rows.Next() {
		ind := config.Indicator{File: published + " (office_indicators)"}
		var target sql.NullFloat64
		if err := rows.Scan(&ind.Name, &ind.Label, &ind.Format, &target, &ind.Weight, &ind.SQL); err != nil {
			return nil, err
		}
		if target.Valid {
			ind.Target = &target.Float64
		}
		ind.Line = len(out) + 1
		out = append(out, ind)
	}
	return out, rows.Err()
}

func fill(ctx context.Context, db *sql.DB, published, scope string) error {
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	lit := "'" + scope + "'" // CheckScope: digits only
	if _, err := conn.ExecContext(ctx, `ATTACH `+quote(published)+` AS src (READ_ONLY)`); err != nil {
		return fmt.Errorf("read the published version: %w", err)
	}
	detached := false
	defer func() {
		if !detached {
			conn.ExecContext(context.WithoutCancel(ctx), `DETACH src`) //nolint:errcheck // closing the connection detaches too
		}
	}()
	tables, err := names(ctx, conn, `SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() AND schema_name = 'main'`)
	if err != nil {
		return err
	}
	srcTables, err := names(ctx, conn, `SELECT table_name FROM duckdb_tables() WHERE database_name = 'src' AND schema_name = 'main'`)
	if err != nil {
		return err
	}
	have := map[string]bool{}
	for _, t := range srcTables {
		have[t] = true
	}
	if _, err := conn.ExecContext(ctx, `BEGIN TRANSACTION`); err != nil {
		return err
	}
	if _, err := conn.ExecContext(ctx, `DELETE FROM main.regions`); err != nil {
		return errors.Join(err, rollback(ctx, conn))
	}
	// The rules in a fixed order: tables read by later rules first.
	for _, t := range fillOrder(tables) {
		if !have[t] {
			continue
		}
		for _, stmt := range rules[t] {
			if _, err := conn.ExecContext(ctx, strings.ReplaceAll(stmt, "{S}", lit)); err != nil {
				return errors.Join(fmt.Errorf("copy %s: %w", t, err), rollback(ctx, conn))
			}
		}
	}
	if err := wrapMacros(ctx, conn, lit); err != nil {
		return errors.Join(err, rollback(ctx, conn))
	}
	if err := scopeBuiltinSchools(ctx, conn, lit); err != nil {
		return errors.Join(err, rollback(ctx, conn))
	}
	// The region the copy holds, for the analysts' session to say where
	// the copy's figures differ from the bulletin's (analyst.CopyScopeTable).
	if _, err := conn.ExecContext(ctx, `CREATE TABLE `+internalSchema+`.`+analyst.CopyScopeTable+` AS
		SELECT `+lit+` AS scope, (SELECT name FROM main.regions WHERE code = `+lit+`) AS scope_name`); err != nil {
		return errors.Join(fmt.Errorf("record the copy's region: %w", err), rollback(ctx, conn))
	}
	if _, err := conn.ExecContext(ctx, `COMMIT`); err != nil {
		return err
	}
	if _, err := conn.ExecContext(ctx, `DETACH src`); err != nil {
		return err
	}
	detached = true
	if err := verify(ctx, conn, scope); err != nil {
		return err
	}
	_, err = conn.ExecContext(ctx, `CHECKPOINT`)
	return err
}

// scopeBuiltinSchools keeps in the copy the built-in universities sitting
// in the scope, as the schools rule does for an office's own list. The
// built-in list is a view whose text names every university of the
// province with its county, which a catalog listing (duckdb_views()) would
// show; the copy's view reads a table of the scope's universities instead.
func scopeBuiltinSchools(ctx context.Context, conn *sql.Conn, lit string) error {
	for _, stmt := range []string{
		`CREATE TABLE ` + internalSchema + `.builtin_schools AS
			SELECT * FROM main.builtin_schools WHERE starts_with(county_code, ` + lit + `)`,
		`CREATE TABLE ` + internalSchema + `.builtin_school_aliases AS
			SELECT * FROM main.builtin_school_aliases
			WHERE school_code IN (SELECT school_code FROM ` + internalSchema + `.builtin_schools)`,
	} {
		if _, err := conn.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("copy the built-in universities: %w", err)
		}
	}
	for _, view := range []string{"builtin_schools", "builtin_school_aliases"} {
		var comment sql.NullString
		if err := conn.QueryRowContext(ctx, `SELECT comment FROM duckdb_views()
			WHERE database_name = current_database() AND schema_name = 'main' AND view_name = ?`, view).Scan(&comment); err != nil {
			return fmt.Errorf("copy the built-in universities: %s: %w", view, err)
		}
		stmts := []string{`CREATE OR REPLACE VIEW main.` + view + ` AS SELECT * FROM ` + internalSchema + `.` + view}
		if comment.Valid {
			stmts = append(stmts, `COMMENT ON VIEW main.`+view+` IS `+quote(comment.String))
		}
		for _, stmt := range stmts {
			if _, err := conn.ExecContext(ctx, stmt); err != nil {
				return fmt.Errorf("copy the built-in universities: %s: %w", view, err)
			}
		}
	}
	return nil
}

// fillOrder puts the tables other rules read first; the rest follow in
// name order (a table without a rule is skipped by its empty rule list).
func fillOrder(tables []string) []string {
	first := []string{"regions", "registrations", "exams", "approvals", "quotas", "resettlement", "row_flags"}
	seen := map[string]bool{}
	var out []string
	present := map[string]bool{}
	for _, t := range tables {
		present[t] = true
	}
	for _, t := range first {
		if present[t] {
			out = append(out, t)
			seen[t] = true
		}
	}
	for _, t := range tables {
		if !seen[t] {
			out = append(out, t)
		}
	}
	return out
}

// wrapMacros filters the output of every table macro that returns a
// region_code to the scope. The copy's rows are all the scope's, but the
// metrics roll counts up to every ancestor (left(region_code, n)): without
// this a county's copy would show its own sums under the city's and the
// province's codes. The original body moves to the internal schema, and
// the macro of the same name calls it and keeps the scope's codes (and
// rows with no region, such as orphans), so the models that call it, and
// the views over them, see the scope only.
func wrapMacros(ctx context.Context, conn *sql.Conn, lit string) error {
	type macro struct {
		name, definition string
		params           []string
		comment          sql.NullString
	}
	rows, err := conn.QueryContext(ctx, `SELECT function_name, macro_definition, parameters, comment
		FROM duckdb_functions()
		WHERE function_type = 'table_macro' AND NOT internal AND schema_name = 'main'
		  AND database_name = current_database()
		ORDER BY function_name`)
	if err != nil {
		return fmt.Errorf("list table macros: %w", err)
	}
	var macros []macro
	count := map[string]int{}
	for rows.Next() {
		var m macro
		var params []any
		if err := rows.Scan(&m.name, &m.definition, &params, &m.comment); err != nil {
			rows.Close()
			return fmt.Errorf("list table macros: %w", err)
		}
		for _, p := range params {
			s, _ := p.(string)
			m.params = append(m.params, s)
		}
		count[m.name]++
		macros = append(macros, m)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return fmt.Errorf("list table macros: %w", err)
	}
	if _, err := conn.ExecContext(ctx, `CREATE SCHEMA `+internalSchema); err != nil {
		return err
	}
	for _, m := range macros {
		if count[m.name] > 1 {
			return fmt.Errorf("table macro %s has overloads; the scoped copy cannot wrap it", m.name)
		}
		nulls := strings.TrimSuffix(strings.Repeat("NULL, ", len(m.params)), ", ")
		cols, err := names(ctx, conn, `SELECT column_name FROM (DESCRIBE SELECT * FROM main.`+m.name+`(`+nulls+`))`)
		if err != nil {
			return fmt.Errorf("read the columns of table macro %s: %w", m.name, err)
		}
		if !contains(cols, "region_code") {
			continue
		}
		params := strings.Join(m.params, ", ")
		// A rank of the scope itself among its siblings needs the siblings'
		// figures, which the copy does not hold: ranked alone it would say
		// 1. Such ranks (columns named *rank*) are left empty on the
		// scope's own row; ranks of the regions below it stand.
		var ranks []string
		for _, c := range cols {
			if strings.Contains(c, "rank") {
				ranks = append(ranks, fmt.Sprintf(`CASE WHEN region_code = %s THEN NULL ELSE %q END AS %q`, lit, c, c))
			}
		}
		star := "*"
		if len(ranks) > 0 {
			star = "* REPLACE (" + strings.Join(ranks, ", ") + ")"
		}
		stmts := []string{
			fmt.Sprintf(`CREATE MACRO %s.%s(%s) AS TABLE %s`, internalSchema, m.name, params, m.definition),
			fmt.Sprintf(`CREATE OR REPLACE MACRO main.%s(%s) AS TABLE SELECT %s FROM %s.%s(%s) WHERE region_code IS NULL OR starts_with(region_code, %s)`,
				m.name, params, star, internalSchema, m.name, params, lit),
		}
		if m.comment.Valid {
			stmts = append(stmts, fmt.Sprintf(`COMMENT ON MACRO TABLE main.%s IS %s`, m.name, quote(m.comment.String)))
		}
		for _, s := range stmts {
			if _, err := conn.ExecContext(ctx, s); err != nil {
				return fmt.Errorf("wrap table macro %s: %w", m.name, err)
			}
		}
	}
	return nil
}

// verify refuses a copy in which any table or view shows a region code
// outside the scope (ancestors' names in regions aside): the last wall,
// should a rule or a new model let one through. The views that read
// session variables are read for the latest season the copy has.
func verify(ctx context.Context, conn *sql.Conn, scope string) error {
	lit := "'" + scope + "'"
	var year, season sql.NullInt64
	if err := conn.QueryRowContext(ctx, `SELECT max(year), max_by(season, (year, season)) FROM main.registrations`).Scan(&year, &season); err != nil {
		return err
	}
	if year.Valid {
		for _, s := range []string{
			fmt.Sprintf(`SET VARIABLE as_of = DATE '%d-12-31'`, year.Int64),
			fmt.Sprintf(`SET VARIABLE year = %d`, year.Int64),
			fmt.Sprintf(`SET VARIABLE season = %d`, season.Int64),
		} {
			if _, err := conn.ExecContext(ctx, s); err != nil {
				return err
			}
		}
	}
	objs, err := conn.QueryContext(ctx, `SELECT c.table_name, c.column_name, v.view_name IS NOT NULL AS is_view
		FROM duckdb_columns() c
		LEFT JOIN duckdb_views() v ON v.database_name = c.database_name AND v.schema_name = c.schema_name AND v.view_name = c.table_name
		WHERE c.database_name = current_database() AND c.schema_name = 'main'
		  AND c.column_name IN ('region_code', 'scope_region', 'source_region')
		ORDER BY 1, 2`)
	if err != nil {
		return err
	}
	type col struct {
		table, column string
		view          bool
	}
	var cols []col
	for objs.Next() {
		var c col
		if err := objs.Scan(&c.table, &c.column, &c.view); err != nil {
			objs.Close()
			return err
		}
		cols = append(cols, c)
	}
	if err := errors.Join(objs.Err(), objs.Close()); err != nil {
		return err
	}
	for _, c := range cols {
		if c.view && !year.Valid {
			continue
		}
		var n int64
		q := fmt.Sprintf(`SELECT count(*) FROM main.%q WHERE %q IS NOT NULL AND NOT starts_with(%q, %s)`, c.table, c.column, c.column, lit)
		if err := conn.QueryRowContext(ctx, q).Scan(&n); err != nil {
			return fmt.Errorf("check %s.%s: %w", c.table, c.column, err)
		}
		if n > 0 {
			return fmt.Errorf("%s.%s shows %d rows outside %s; the copy was not kept", c.table, c.column, n, scope)
		}
	}
	var n int64
	if err := conn.QueryRowContext(ctx, `SELECT count(*) FROM main.regions WHERE NOT starts_with(code, `+lit+`) AND NOT starts_with(`+lit+`, code)`).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return fmt.Errorf("regions holds %d codes beside %s; the copy was not kept", n, scope)
	}
	return nil
}

// coversAll tells whether every region-bearing row of published lies within
// scope, so the published version itself is the scope's view. It reads the
// version through an engine of its own (an in-memory database attaching it
// read-only) rather than warehouse.Open, which would wait for this
// process's other readers of the version, opened with other settings, to
// finish: an analyst's request must not queue behind a long report.
func coversAll(ctx context.Context, published, scope string) (bool, error) {
	db, err := sql.Open("duckdb", "?threads=1")
	if err != nil {
		return false, err
	}
	defer db.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		return false, err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `ATTACH `+quote(published)+` AS src (READ_ONLY)`); err != nil {
		return false, fmt.Errorf("read the published version: %w", err)
	}
	lit := "'" + scope + "'"
	tables, err := names(ctx, conn, `SELECT table_name FROM duckdb_tables() WHERE database_name = 'src' AND schema_name = 'main'`)
	if err != nil {
		return false, err
	}
	checks := map[string]string{
		"registrations": "region_code", "quotas": "region_code", "resettlement": "region_code", "schools": "region_code",
		"row_flags": "region_code", "load_ledger": "scope_region", "load_replacements": "region_code",
		"rollup_deliveries": "source_region", "rollup_loads": "scope_region",
	}
	for _, t := range tables {
		c, ok := checks[t]
		if !ok {
			continue
		}
		var outside bool
		q := fmt.Sprintf(`SELECT EXISTS (SELECT 1 FROM src.main.%q WHERE %q IS NOT NULL AND NOT starts_with(%q, %s))`, t, c, c, lit)
		if err := conn.QueryRowContext(ctx, q).Scan(&outside); err != nil {
			return false, err
		}
		if outside {
			return false, nil
		}
	}
	// A load without a scope (other than a regions extract) may hold anything.
	var unscoped bool
	if err := conn.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM src.main.load_ledger WHERE scope_region IS NULL AND kind <> 'regions')`).Scan(&unscoped); err != nil {
		return false, err
	}
	return !unscoped, nil
}

type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func names(ctx context.Context, q queryer, query string) ([]string, error) {
	rows, err := q.QueryContext(ctx, query)
	if err != nil {
		return nil, err
	}
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, s)
	}
	return out, errors.Join(rows.Err(), rows.Close())
}

func rollback(ctx context.Context, conn *sql.Conn) error {
	_, err := conn.ExecContext(context.WithoutCancel(ctx), `ROLLBACK`)
	return err
}

func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
