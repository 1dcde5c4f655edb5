// Package analyst runs analysts' SQL against a published, read-only copy of
// the warehouse: one query at a time, refused before it runs when it is not
// a plain query or reaches for files, and cancellable. It also describes the
// warehouse's tables and views for the data dictionary.
//
// Two walls stand between an analyst and the data: the text is checked by
// DuckDB's own parser without executing anything (check), and the database
// instance is opened read-only with enable_external_access=false and its
// configuration locked, so what the check might miss still cannot touch a
// file or a setting.
package analyst

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/duckdb/duckdb-go/v2"

	"enlist/internal/tabular"
)

// Session is one analyst's connection. Session variables (SET VARIABLE
// as_of = '2025-03-05', read by the metrics view) live as long as it does.
type Session struct {
	conn        *sql.Conn
	tableMacros map[string]bool
	// varViews are the views that read session variables (metrics …);
	// varsSet the variables this session has set.
	varViews map[string]bool
	varsSet  map[string]bool
	// copyOf is the region a region's copy holds (CopyScopeTable); empty
	// on a whole warehouse.
	copyOf, copyName string
	// Now is the clock that bounds plausible dates and gives the default
	// as-of date (time.Now when nil).
	Now func() time.Time
	// MaxRows bounds what one query may return (0: no bound), so a stray
	// SELECT * over a million registrations fails with advice instead of
	// filling memory.
	MaxRows int
	// Truncate keeps the first MaxRows rows of a longer result and marks it
	// Truncated instead of refusing it (the console's result table).
	Truncate bool
}

// ErrTooManyRows means a result went past Session.MaxRows.
var ErrTooManyRows = errors.New("too many rows")

// Result is what one piece of text produced: rows, or a variable set.
type Result struct {
	Frame    *tabular.Frame // nil after SET VARIABLE
	Variable string         // the variable set, when one was
	// Notice says what the session chose for the analyst (the as-of date
	// and season of a view whose variables were not set); print it where
	// the analyst sees it, apart from the rows.
	Notice string
	// Truncated: the result had more than MaxRows rows and only the first
	// MaxRows are in Frame (Session.Truncate).
	Truncated bool
}

// CopyScopeTable is the table, in its own schema of a region's copy of
// the warehouse (internal/scoped), naming the region the copy holds:
// columns scope (the code) and scope_name. A session on such a copy says,
// beside the rows, where its figures cannot be the bulletin's (copyNotice).
const CopyScopeTable = "copy_scope"

// studentModels count a university's students wherever each registered
// (model_parts.school_metrics_of): a region's copy holds only those who
// registered in the region, so there they count fewer than the bulletin.
var studentModels = []string{"school_metrics", "school_metrics_at", "school_ranking_at", "school_totals_at"}

// NewSession takes a connection from db, which must be a sandboxed
// read-only warehouse (warehouse.Options{Sandbox: true}); it refuses to work
// on anything else rather than trust the text check alone.
func NewSession(ctx context.Context, db *sql.DB) (*Session, error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("analyst session: %w", err)
	}
	s := &Session{conn: conn, tableMacros: map[string]bool{}, varViews: map[string]bool{}, varsSet: map[string]bool{}}
	if err := s.init(ctx); err != nil {
		return nil, errors.Join(fmt.Errorf("analyst session: %w", err), conn.Close())
	}
	return s, nil
}

func (s *Session) init(ctx context.Context) error {
	var external, locked bool
	err := s.conn.QueryRowContext(ctx, `SELECT current_setting('enable_external_access'), current_setting('lock_configuration')`).
		Scan(&external, &locked)
	if err != nil {
		return err
	}
	if external || !locked {
		return errors.New("the warehouse was opened with file access or unlocked settings; open it sandboxed")
	}
	rows, err := s.conn.QueryContext(ctx, `SELECT DISTINCT function_name FROM duckdb_functions()
		WHERE function_type = 'table_macro' AND NOT internal AND schema_name = 'main'`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return err
		}
		s.tableMacros[strings.ToLower(name)] = true
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if err := s.readCopyScope(ctx); err != nil {
		return err
	}
	// The views that read variables, found from their text so a new model
	// needs no list kept here: directly, or through the checks of
	// sql/models/005_period_variables.sql.
	vrows, err := s.conn.QueryContext(ctx, `SELECT view_name FROM duckdb_views()
		WHERE NOT internal AND schema_name = 'main'
		  AND (sql ILIKE '%getvariable(%' OR sql ILIKE '%model_parts.var\_%' ESCAPE '\')`)
	if err != nil {
		return err
	}
	defer vrows.Close()
	for vrows.Next() {
		var name string
		if err := vrows.Scan(&name); err != nil {
			return err
		}
		s.varViews[strings.ToLower(name)] = true
	}
	return vrows.Err()
}

// readCopyScope reads the region a region's copy holds (CopyScopeTable),
// if the warehouse is one.
func (s *Session) readCopyScope(ctx context.Context) error {
	var schema string
	err := s.conn.QueryRowContext(ctx, `SELECT schema_name FROM duckdb_tables()
		WHERE database_name = current_database() AND schema_name <> 'main' AND table_name = ?`, CopyScopeTable).Scan(&schema)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read the region of the copy: %w", err)
	}
	var name sql.NullString
	if err := s.conn.QueryRowContext(ctx, `SELECT scope, scope_name FROM "`+schema+`".`+CopyScopeTable).Scan(&s.copyOf, &name); err != nil {
		return fmt.Errorf("read the region of the copy: %w", err)
	}
	s.copyName = name.String
	return nil
}

// copyNotice tells the analyst of a region's copy that a query naming a
// university model counts only the students who registered in the region,
// where the bulletin counts each university's students wherever they
// registered: the same university's figure differs, and nothing else in
// the rows would say why.
func (s *Session) copyNotice(refs map[string]bool) string {
	if s.copyOf == "" {
		return ""
	}
	var named []string
	for _, m := range studentModels {
		if refs[m] {
			named = append(named, m)
		}
	}
	if len(named) == 0 {
		return ""
	}
	region := s.copyOf
	if s.copyName != "" {
		region += " " + s.copyName
	}
	return fmt.Sprintf("note: this copy holds the rows of %s only: in %s a university counts only its students who registered in %s; "+
		"the bulletin counts its students wherever they registered, and its figures for the same university can be higher.",
		region, strings.Join(named, ", "), region)
}

func (s *Session) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// SetVariable checks a variable's name and value (see Variables) and sets
// it; a bad one is refused with a message naming it, and nothing changes.
func (s *Session) SetVariable(ctx context.Context, name, text string) error {
	lit, err := CheckVariable(name, text, s.now())
	if err != nil {
		return err
	}
	name = strings.ToLower(name)
	// Built from the checked literal, so nothing else in the text runs.
	if _, err := s.conn.ExecContext(ctx, "SET VARIABLE "+name+" = "+lit); err != nil {
		return fmt.Errorf("set variable %s: %w", name, err)
	}
	s.varsSet[name] = true
	return nil
}

// settleVariables gives a query that reads a variable-reading view the
// as-of date and season it would otherwise refuse to guess: today, and the
// season whose configured window holds the as-of date. What it chose is
// returned as a notice, so the analyst is told rather than surprised.
func (s *Session) settleVariables(ctx context.Context, refs map[string]bool) (string, error) {
	var views []string
	for r := range refs {
		if s.varViews[r] {
			views = append(views, r)
		}
	}
	if len(views) == 0 || (s.varsSet["as_of"] && s.varsSet["year"] && s.varsSet["season"]) {
		return "", nil
	}
	sort.Strings(views)
	var notes []string
	if !s.varsSet["as_of"] {
		today := s.now().Format(time.DateOnly)
		if err := s.SetVariable(ctx, "as_of", today); err != nil {
			return "", err
		}
		notes = append(notes, "as_of = "+today+" (today)")
	}
	if s.varsSet["year"] != s.varsSet["season"] {
		missing := "season"
		if !s.varsSet["year"] {
			missing = "year"
		}
		return "", fmt.Errorf("%s reads year and season together: set %s too (SET VARIABLE %s = …)", strings.Join(views, ", "), missing, missing)
	}
	if !s.varsSet["year"] {
		// As enlist metrics and the bulletin choose: season 1 up to the end
		// of its window, else season 2.
		var year, season int
		var window string
		err := s.conn.QueryRowContext(ctx, `
			SELECT year(d), CASE WHEN strftime(d, '%m-%d') <= c.end_md THEN 1 ELSE 2 END,
			       (SELECT start_md || '…' || end_md FROM season_calendar
			        WHERE season = CASE WHEN strftime(d, '%m-%d') <= c.end_md THEN 1 ELSE 2 END)
			FROM season_calendar c, (SELECT getvariable('as_of')::DATE AS d)
			WHERE c.season = 1`).Scan(&year, &season, &window)
		if err != nil {
			return "", fmt.Errorf("find the season of the as-of date (season_calendar): %w", err)
		}
		for _, v := range [][2]string{{"year", strconv.Itoa(year)}, {"season", strconv.Itoa(season)}} {
			if err := s.SetVariable(ctx, v[0], v[1]); err != nil {
				return "", err
			}
		}
		notes = append(notes, fmt.Sprintf("year = %d, season = %d (the as-of date's season by the configured windows; its window is %s)", year, season, window))
	}
	return fmt.Sprintf("note: %s read session variables not set; using %s. Set them to choose (SET VARIABLE as_of = DATE '2025-03-05').",
		strings.Join(views, ", "), strings.Join(notes, "; ")), nil
}

// Close gives the connection back.
func (s *Session) Close() error { return s.conn.Close() }

// setVariable matches the one non-query statement analysts may run: a
// session variable set to a plain literal, which changes nothing stored.
// The value must be a plain literal or bare word (CheckVariable decides
// whether it is a good one); an expression is refused whole.
var setVariable = regexp.MustCompile(`(?is)^\s*SET\s+VARIABLE\s+([a-z_][a-z0-9_]*)\s*(?:=|TO)\s*('(?:[^']|'')*'|DATE\s*'(?:[^']|'')*'|[^\s;'()]+)\s*;?\s*$`)

// Run checks text and, when it is one allowed query, runs it and reads every
// row. Cancelling ctx interrupts DuckDB.
func (s *Session) Run(ctx context.Context, text string) (*Result, error) {
	if m := setVariable.FindStringSubmatch(text); m != nil {
		if err := s.SetVariable(ctx, m[1], m[2]); err != nil {
			return nil, err
		}
		return &Result{Variable: strings.ToLower(m[1])}, nil
	}
	refs := map[string]bool{}
	if err := check(ctx, s.conn, text, s.tableMacros, refs); err != nil {
		return nil, err
	}
	notice, err := s.settleVariables(ctx, refs)
	if err != nil {
		return nil, err
	}
	if n := s.copyNotice(refs); n != "" {
		notice = strings.TrimSpace(notice + "\n" + n)
	}
	var f *tabular.Frame
	truncated := false
	err = s.conn.Raw(func(dc any) error {
		pc, ok := dc.(driver.ConnPrepareContext)
		if !ok {
			return fmt.Errorf("connection is %T, not a DuckDB connection", dc)
		}
		// The check found exactly one statement, so preparing executes
		// nothing; the prepared type is checked again all the same.
		st, err := pc.PrepareContext(ctx, text)
		if err != nil {
			return err
		}
		defer st.Close()
		ds, ok := st.(*duckdb.Stmt)
		if !ok {
			return fmt.Errorf("statement is %T, not a DuckDB statement", st)
		}
		typ, err := ds.StatementType()
		if err != nil {
			return err
		}
		if typ != duckdb.STATEMENT_TYPE_SELECT {
			return &Refusal{What: "this statement", Why: onlyQueries}
		}
		rows, err := ds.QueryContext(ctx, nil)
		if err != nil {
			return err
		}
		f, truncated, err = readRows(rows, s.MaxRows, s.Truncate)
		return errors.Join(err, rows.Close())
	})
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("query cancelled: %w", context.Cause(ctx))
		}
		return nil, withRenameHint(err)
	}
	return &Result{Frame: f, Notice: notice, Truncated: truncated}, nil
}

func readRows(rows driver.Rows, limit int, truncate bool) (*tabular.Frame, bool, error) {
	f := &tabular.Frame{Columns: rows.Columns()}
	// UUIDs (the pseudonyms) arrive as 16 bytes; analysts compare them with
	// the text form DuckDB prints.
	uuid := make([]bool, len(f.Columns))
	if typed, ok := rows.(driver.RowsColumnTypeDatabaseTypeName); ok {
		for i := range uuid {
			uuid[i] = typed.ColumnTypeDatabaseTypeName(i) == "UUID"
		}
	}
	for {
		dest := make([]driver.Value, len(f.Columns))
		if err := rows.Next(dest); errors.Is(err, io.EOF) {
			return f, false, nil
		} else if err != nil {
			return nil, false, err
		}
		if limit > 0 && len(f.Rows) == limit {
			if truncate {
				return f, true, nil
			}
			return nil, false, fmt.Errorf("%w: the result has more than %d rows; aggregate, add a LIMIT, or raise the limit", ErrTooManyRows, limit)
		}
		row := make([]any, len(dest))
		for i, v := range dest {
			switch x := v.(type) {
			case []byte:
				if uuid[i] && len(x) == 16 {
					v = fmt.Sprintf("%x-%x-%x-%x-%x", x[0:4], x[4:6], x[6:8], x[8:10], x[10:16])
				}
			case duckdb.Decimal:
				// Literals such as 0.75 are DECIMAL in DuckDB; as numbers they
				// print and serialise the way analysts expect. Wider ones keep
				// every digit as text.
				if x.Width <= 15 {
					v = x.Float64()
				} else {
					v = x.String()
				}
			}
			row[i] = v
		}
		f.Rows = append(f.Rows, row)
	}
}
