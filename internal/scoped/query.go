package scoped

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"enlist/internal/analyst"
	"enlist/internal/tabular"
	"enlist/internal/warehouse"
)

// Vars are the session variables a query runs with (as_of, year, season:
// the ones enlist sql --var takes), by name; each is checked by
// analyst.CheckVariable before anything runs.
type Vars map[string]string

// QueryOptions bound one query.
type QueryOptions struct {
	// MaxRows refuses a longer result (0: no bound), with
	// analyst.ErrTooManyRows, as enlist sql --max-rows does.
	MaxRows int
	// Timeout cancels a query running longer (0: none).
	Timeout time.Duration
	// Threads and MemoryLimit tune DuckDB for the open (zero: defaults).
	Threads     int
	MemoryLimit string
	// Now is the clock bounding plausible dates (time.Now when nil).
	Now func() time.Time
}

// Result is one query's answer.
type Result struct {
	Columns []string
	Rows    [][]any
	// Notice says what the session chose for variables not given (the
	// as-of date and season), for the analyst to read beside the rows.
	Notice string
	// Variable is set, and Columns and Rows empty, when the text was a
	// SET VARIABLE.
	Variable string
}

// Frame gives the rows to the project's writers (tabular.Write for CSV and
// JSON, analyst.WriteXLSXWith for a workbook), so a download is written as
// enlist sql writes it.
func (r *Result) Frame() *tabular.Frame {
	return &tabular.Frame{Columns: r.Columns, Rows: r.Rows}
}

// Query runs one analyst's query on the warehouse at path (a published
// version, or a scope's copy from Copy) in the sandbox of enlist sql:
// opened read-only without file access and with settings locked, the text
// parsed and checked before it runs (analyst.Session), variables checked.
// Refused text gives an error matching analyst.ErrRefused.
func Query(ctx context.Context, path, text string, vars Vars, opt QueryOptions) (*Result, error) {
	wh, err := warehouse.Open(ctx, path, warehouse.Options{ReadOnly: true, Sandbox: true,
		Threads: opt.Threads, MemoryLimit: opt.MemoryLimit})
	if err != nil {
		return nil, err
	}
	defer wh.Close()
	s, err := analyst.NewSession(ctx, wh.DB())
	if err != nil {
		return nil, err
	}
	defer s.Close()
	s.MaxRows = opt.MaxRows
	s.Now = opt.Now
	// In the order the help lists them, so the first bad one is named.
	names := make([]string, 0, len(vars))
	for n := range vars {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if err := s.SetVariable(ctx, n, vars[n]); err != nil {
			return nil, err
		}
	}
	if opt.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeoutCause(ctx, opt.Timeout, fmt.Errorf("timeout %s reached", opt.Timeout))
		defer cancel()
	}
	res, err := s.Run(ctx, text)
	if err != nil {
		return nil, err
	}
	out := &Result{Notice: res.Notice, Variable: res.Variable}
	if res.Frame != nil {
		out.Columns, out.Rows = res.Frame.Columns, res.Frame.Rows
	}
	return out, nil
}

// OpenSession opens a session of the analysts' sandbox on scope's copy of
// the published version at published (Copy), with vars set (what names a
// variable in an error as the caller's user knows it: "--var ", "vars "),
// for a caller that runs several queries (the prompt of enlist sql, a
// console page). It returns the file read and the function that closes
// the session.
func OpenSession(ctx context.Context, published, scope string, opt QueryOptions, vars []analyst.Var, what string) (*analyst.Session, string, func(), error) {
	path, err := Copy(ctx, published, scope)
	if err != nil {
		return nil, "", nil, err
	}
	wh, err := warehouse.Open(ctx, path, warehouse.Options{ReadOnly: true, Sandbox: true,
		Threads: opt.Threads, MemoryLimit: opt.MemoryLimit})
	if err != nil {
		return nil, "", nil, err
	}
	s, err := analyst.Open(ctx, wh.DB(), vars, what)
	if err != nil {
		return nil, "", nil, errors.Join(err, wh.Close())
	}
	s.MaxRows = opt.MaxRows
	s.Now = opt.Now
	return s, path, func() { s.Close(); wh.Close() }, nil
}

// ScopeQuery is Copy then Query: the query of an analyst bound to scope,
// on the scope's copy of the published version at published.
func ScopeQuery(ctx context.Context, published, scope, text string, vars Vars, opt QueryOptions) (*Result, error) {
	p, err := Copy(ctx, published, scope)
	if err != nil {
		return nil, err
	}
	return Query(ctx, p, text, vars, opt)
}
