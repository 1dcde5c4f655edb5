package analyst

import (
	"context"
	"database/sql"
	"fmt"

	"enlist/internal/tabular"
)

// bookkeeping tables belong to the warehouse's machinery, not to analysts.
const bookkeeping = `('schema_version', 'model_state')`

// Objects is the data dictionary's index: every table, view and table macro
// of the warehouse with its kind, number of columns and comment.
func Objects(ctx context.Context, db *sql.DB) (*tabular.Frame, error) {
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
			  AND NOT v.internal AND NOT v.temporary
			UNION ALL
			SELECT DISTINCT f.function_name || '(' || array_to_string(f.parameters, ', ') || ')', 'table macro', NULL, f.comment, 3
			FROM duckdb_functions() f
			WHERE f.database_name = current_database() AND f.schema_name = 'main'
			  AND f.function_type = 'table_macro' AND NOT f.internal)
		ORDER BY o, name`)
	if err != nil {
		return nil, fmt.Errorf("list warehouse objects: %w", err)
	}
	defer rows.Close()
	return tabular.FromRows(rows)
}

// Object is one table or view in detail.
type Object struct {
	Name, Kind, Comment string
	Columns             *tabular.Frame // column, type, nullable, comment
}

// ErrNoObject means the dictionary has no table or view of that name.
var ErrNoObject = fmt.Errorf("no such table or view")

// Describe returns one table or view with its columns, their types and
// comments.
func Describe(ctx context.Context, db *sql.DB, name string) (*Object, error) {
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
		return nil, fmt.Errorf("%w: %s (enlist schema lists them)", ErrNoObject, name)
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
