package analyst

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"strings"

	"enlist/internal/tabular"
)

// bookkeeping tables belong to the warehouse's machinery, not to analysts.
const bookkeeping = `('schema_version', 'model_state')`

// catalog is what the dictionary reads through: a database or one
// session's connection.
type catalog interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Objects lists the dictionary through the session's connection (\d).
func (s *Session) Objects(ctx context.Context) (*tabular.Frame, error) { return Objects(ctx, s.conn) }

// Describe describes one object through the session's connection (\d NAME).
func (s *Session) Describe(ctx context.Context, name string) (*Object, error) {
	return Describe(ctx, s.conn, name)
}

// Objects is the data dictionary's index: every table, view and macro of
// the warehouse with its kind, number of columns and comment. A table
// macro's columns are those it returns.
func Objects(ctx context.Context, db catalog) (*tabular.Frame, error) {
	rows, err := db.QueryContext(ctx, `
		WITH cols AS (
			SELECT table_name, count(*) AS n FROM duckdb_columns()
			WHERE database_name = current_database() AND schema_name = 'main'
			GROUP BY table_name)
		SELECT name, kind, columns, comment FROM (
			SELECT t.table_name AS name, 'table' AS kind, cols.n AS columns, t.comment, 1 AS o
			FROM duckdb_tables() t LEFT JOIN cols USING (table_name)
			WHERE t.database_name = current_database() AND t.schema_name = 'main'
			  AND NOT t.internal AND NOT t.temporary AND t.table_name NOT IN `+bookkeeping+`
			UNION ALL
			SELECT v.view_name, 'view', cols.n, v.comment, 2
			FROM duckdb_views() v LEFT JOIN cols ON cols.table_name = v.view_name
			WHERE v.database_name = current_database() AND v.schema_name = 'main'
			  AND NOT v.internal AND NOT v.temporary)
		ORDER BY o, name`)
	if err != nil {
		return nil, fmt.Errorf("list warehouse objects: %w", err)
	}
	f, err := tabular.FromRows(rows)
	rows.Close()
	if err != nil {
		return nil, fmt.Errorf("list warehouse objects: %w", err)
	}
	macros, err := listMacros(ctx, db)
	if err != nil {
		return nil, err
	}
	for _, m := range macros {
		var n any
		if m.table {
			cols, err := macroColumns(ctx, db, m)
			if err != nil {
				return nil, err
			}
			n = int64(len(cols))
		}
		f.Rows = append(f.Rows, []any{m.signature(), m.kind(), n, m.comment})
	}
	return f, nil
}

// macro is one macro of the warehouse.
type macro struct {
	name    string
	params  []string
	comment string
	table   bool // a table macro (FROM name(…)), else a scalar one
}

func (m macro) signature() string { return m.name + "(" + strings.Join(m.params, ", ") + ")" }

func (m macro) kind() string {
	if m.table {
		return "table macro"
	}
	return "macro"
}

func listMacros(ctx context.Context, db catalog) ([]macro, error) {
	rows, err := db.QueryContext(ctx, `
		SELECT DISTINCT function_name, array_to_string(parameters, ','), coalesce(comment, ''), function_type = 'table_macro'
		FROM duckdb_functions()
		WHERE database_name = current_database() AND schema_name = 'main'
		  AND function_type IN ('table_macro', 'macro') AND NOT internal
		ORDER BY function_type DESC, function_name`)
	if err != nil {
		return nil, fmt.Errorf("list macros: %w", err)
	}
	defer rows.Close()
	var out []macro
	for rows.Next() {
		var m macro
		var params string
		if err := rows.Scan(&m.name, &params, &m.comment, &m.table); err != nil {
			return nil, fmt.Errorf("list macros: %w", err)
		}
		if params != "" {
			m.params = strings.Split(params, ",")
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list macros: %w", err)
	}
	return out, nil
}

// column is one column a table macro returns.
type column struct{ name, typ string }

// macroColumns binds the macro with NULL arguments to learn what it returns:
// DESCRIBE plans the query and runs nothing.
func macroColumns(ctx context.Context, db catalog, m macro) ([]column, error) {
	args := make([]string, len(m.params))
	for i := range args {
		args[i] = "NULL"
	}
	rows, err := db.QueryContext(ctx, `DESCRIBE SELECT * FROM "`+strings.ReplaceAll(m.name, `"`, `""`)+`"(`+strings.Join(args, ", ")+`)`)
	if err != nil {
		return nil, fmt.Errorf("describe macro %s: %w", m.name, err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, fmt.Errorf("describe macro %s: %w", m.name, err)
	}
	var out []column
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, fmt.Errorf("describe macro %s: %w", m.name, err)
		}
		out = append(out, column{name: fmt.Sprint(vals[0]), typ: fmt.Sprint(vals[1])})
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("describe macro %s: %w", m.name, err)
	}
	return out, nil
}

// Object is one table, view or macro in detail.
type Object struct {
	Name, Kind, Comment string
	// Parameters are a macro's, in order; DocumentedBy names the view whose
	// column comments a table macro's columns take.
	Parameters   []string
	DocumentedBy string
	Columns      *tabular.Frame // column, type, nullable, comment (a scalar macro: none)
}

// ErrNoObject means the dictionary has no table, view or macro of that name.
var ErrNoObject = fmt.Errorf("no such table, view or macro")

// Describe returns one table, view or macro with its columns, their types
// and comments. A macro may be named with or without its parameters.
func Describe(ctx context.Context, db catalog, name string) (*Object, error) {
	if i := strings.IndexByte(name, '('); i > 0 {
		name = strings.TrimSpace(name[:i])
	}
	o := &Object{Name: name}
	var comment sql.NullString
	err := db.QueryRowContext(ctx, `
		SELECT kind, comment FROM (
			SELECT 'table' AS kind, comment FROM duckdb_tables()
			WHERE database_name = current_database() AND schema_name = 'main' AND table_name = $1
			  AND NOT internal AND NOT temporary AND table_name NOT IN `+bookkeeping+`
			UNION ALL
			SELECT 'view', comment FROM duckdb_views()
			WHERE database_name = current_database() AND schema_name = 'main' AND view_name = $1
			  AND NOT internal AND NOT temporary)`, name).Scan(&o.Kind, &comment)
	if err == sql.ErrNoRows {
		return describeMacro(ctx, db, name)
	}
	if err != nil {
		return nil, fmt.Errorf("describe %s: %w", name, err)
	}
	o.Comment = comment.String
	rows, err := db.QueryContext(ctx, `
		SELECT column_name AS "column", data_type AS "type", is_nullable AS nullable, comment
		FROM duckdb_columns()
		WHERE database_name = current_database() AND schema_name = 'main' AND table_name = ?
		ORDER BY column_index`, name)
	if err != nil {
		return nil, fmt.Errorf("describe %s: %w", name, err)
	}
	defer rows.Close()
	if o.Columns, err = tabular.FromRows(rows); err != nil {
		return nil, fmt.Errorf("describe %s: %w", name, err)
	}
	return o, nil
}

// describeMacro describes a macro. A table macro's column comments come
// from the view that shares most of its columns (the view built on it, such
// as metrics on metrics_at, or the one showing the same figures), so one
// comment per column is kept in the .sql files, not two.
func describeMacro(ctx context.Context, db catalog, name string) (*Object, error) {
	macros, err := listMacros(ctx, db)
	if err != nil {
		return nil, err
	}
	var m *macro
	for i := range macros {
		if strings.EqualFold(macros[i].name, name) {
			m = &macros[i]
		}
	}
	if m == nil {
		return nil, fmt.Errorf("%w: %s (enlist schema lists them)", ErrNoObject, name)
	}
	o := &Object{Name: m.name, Kind: m.kind(), Comment: m.comment, Parameters: m.params,
		Columns: &tabular.Frame{Columns: []string{"column", "type", "nullable", "comment"}}}
	if !m.table {
		return o, nil
	}
	cols, err := macroColumns(ctx, db, *m)
	if err != nil {
		return nil, err
	}
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = c.name
	}
	// The view sharing the most column names; on a tie, one whose text
	// calls the macro.
	var view sql.NullString
	err = db.QueryRowContext(ctx, `
		SELECT c.table_name
		FROM duckdb_columns() c JOIN duckdb_views() v ON v.view_name = c.table_name AND v.database_name = c.database_name
		WHERE c.database_name = current_database() AND c.schema_name = 'main' AND NOT v.internal
		  AND list_contains(?::VARCHAR[], c.column_name)
		GROUP BY c.table_name, v.sql
		ORDER BY count(*) DESC, v.sql ILIKE '%' || ? || '(%' DESC, c.table_name
		LIMIT 1`, names, m.name).Scan(&view)
	if err != nil && err != sql.ErrNoRows {
		return nil, fmt.Errorf("describe macro %s: %w", m.name, err)
	}
	comments := map[string]string{}
	if view.Valid {
		o.DocumentedBy = view.String
		rows, err := db.QueryContext(ctx, `SELECT column_name, coalesce(comment, '') FROM duckdb_columns()
			WHERE database_name = current_database() AND schema_name = 'main' AND table_name = ?`, view.String)
		if err != nil {
			return nil, fmt.Errorf("describe macro %s: %w", m.name, err)
		}
		for rows.Next() {
			var c, text string
			if err := rows.Scan(&c, &text); err != nil {
				rows.Close()
				return nil, err
			}
			comments[c] = text
		}
		rows.Close()
	}
	for _, c := range cols {
		o.Columns.Rows = append(o.Columns.Rows, []any{c.name, c.typ, true, comments[c.name]})
	}
	return o, nil
}

// WriteObjectHead writes what a table, view or macro is, above its columns.
func WriteObjectHead(w io.Writer, obj *Object) {
	switch obj.Kind {
	case "table macro", "macro":
		fmt.Fprintf(w, "%s(%s) (%s)\n%s\n", obj.Name, strings.Join(obj.Parameters, ", "), obj.Kind, obj.Comment)
		if obj.DocumentedBy != "" {
			fmt.Fprintf(w, "columns documented as in the view %s\n", obj.DocumentedBy)
		}
		fmt.Fprintln(w)
	default:
		fmt.Fprintf(w, "%s (%s)\n%s\n\n", obj.Name, obj.Kind, obj.Comment)
	}
}
