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
	"strings"

	"github.com/duckdb/duckdb-go/v2"

	"enlist/internal/tabular"
)

// Session is one analyst's connection. Session variables (SET VARIABLE
// as_of = '2025-03-05', read by the metrics view) live as long as it does.
type Session struct {
	conn        *sql.Conn
	tableMacros map[string]bool
	// MaxRows bounds what one query may return (0: no bound), so a stray
	// SELECT * over a million registrations fails with advice instead of
	// filling memory.
	MaxRows int
}

// ErrTooManyRows means a result went past Session.MaxRows.
var ErrTooManyRows = errors.New("too many rows")

// Result is what one piece of text produced: rows, or a variable set.
type Result struct {
	Frame    *tabular.Frame // nil after SET VARIABLE
	Variable string         // the variable set, when one was
}

// NewSession takes a connection from db, which must be a sandboxed
// read-only warehouse (warehouse.Options{Sandbox: true}); it refuses to work
// on anything else rather than trust the text check alone.
func NewSession(ctx context.Context, db *sql.DB) (*Session, error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("analyst session: %w", err)
	}
	s := &Session{conn: conn, tableMacros: map[string]bool{}}
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
	return rows.Err()
}

// Close gives the connection back.
func (s *Session) Close() error { return s.conn.Close() }

// setVariable matches the one non-query statement analysts may run: a
// session variable set to a plain literal, which changes nothing stored.
var setVariable = regexp.MustCompile(`(?is)^\s*SET\s+VARIABLE\s+([a-z_][a-z0-9_]*)\s*(?:=|TO)\s*('(?:[^']|'')*'|-?[0-9]+(?:\.[0-9]+)?|DATE\s*'[0-9]{4}-[0-9]{2}-[0-9]{2}')\s*;?\s*$`)

// Run checks text and, when it is one allowed query, runs it and reads every
// row. Cancelling ctx interrupts DuckDB.
func (s *Session) Run(ctx context.Context, text string) (*Result, error) {
	if m := setVariable.FindStringSubmatch(text); m != nil {
		// Rebuilt from the matched parts, so nothing else in the text runs.
		if _, err := s.conn.ExecContext(ctx, "SET VARIABLE "+m[1]+" = "+m[2]); err != nil {
			return nil, fmt.Errorf("set variable %s: %w", m[1], err)
		}
		return &Result{Variable: m[1]}, nil
	}
	if err := check(ctx, s.conn, text, s.tableMacros); err != nil {
		return nil, err
	}
	var f *tabular.Frame
	err := s.conn.Raw(func(dc any) error {
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
		f, err = readRows(rows, s.MaxRows)
		return errors.Join(err, rows.Close())
	})
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("query cancelled: %w", context.Cause(ctx))
		}
		return nil, err
	}
	return &Result{Frame: f}, nil
}

func readRows(rows driver.Rows, limit int) (*tabular.Frame, error) {
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
			return f, nil
		} else if err != nil {
			return nil, err
		}
		if limit > 0 && len(f.Rows) == limit {
			return nil, fmt.Errorf("%w: the result has more than %d rows; aggregate, add a LIMIT, or raise the limit", ErrTooManyRows, limit)
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
