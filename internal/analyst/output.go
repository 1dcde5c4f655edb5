package analyst

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"enlist/internal/files"
	"enlist/internal/tabular"
)

// What enlist sql and the scheduled sql job share: the session set up with
// its variables, one query run within a time limit, and the result written
// in a format.

// Var is a session variable as given: a name and the value's text.
type Var struct{ Name, Value string }

// Open opens a session on db (a sandboxed published copy, see NewSession)
// with vars set, each checked before anything runs. what names a variable
// in an error as the caller's user knows it ("--var ", "vars ").
func Open(ctx context.Context, db *sql.DB, vars []Var, what string) (*Session, error) {
	s, err := NewSession(ctx, db)
	if err != nil {
		return nil, err
	}
	for _, v := range vars {
		if err := s.SetVariable(ctx, v.Name, v.Value); err != nil {
			return nil, errors.Join(fmt.Errorf("%s%s: %w", what, v.Name, err), s.Close())
		}
	}
	return s, nil
}

// Formats are the formats a result is written in.
func Formats() []string { return []string{"table", "csv", "json", "xlsx"} }

// FormatFor is format, or, when it is "", the format out's extension
// names (.xlsx, .csv, .json), else table.
func FormatFor(format, out string) string {
	if format != "" {
		return format
	}
	switch strings.ToLower(filepath.Ext(out)) {
	case ".xlsx":
		return "xlsx"
	case ".csv":
		return "csv"
	case ".json":
		return "json"
	}
	return "table"
}

// RunWithin runs text as Run does, cancelling it after timeout (0: no
// limit) and naming the limit when it fires.
func (s *Session) RunWithin(ctx context.Context, text string, timeout time.Duration) (*Result, error) {
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeoutCause(ctx, timeout, fmt.Errorf("--timeout %s reached", timeout))
		defer cancel()
	}
	res, err := s.Run(ctx, text)
	if errors.Is(err, ErrTooManyRows) {
		return nil, fmt.Errorf("%w (--max-rows)", err)
	}
	return res, err
}

// WriteResult writes f to w in format (table, csv, json or xlsx; the
// workbook shaped by x).
func WriteResult(w io.Writer, format string, f *tabular.Frame, x XLSXOptions) error {
	if format == "xlsx" {
		return WriteXLSXWith(w, f, x)
	}
	return tabular.Write(w, format, f)
}

// WriteResultFile writes f to the file path, as WriteResult does. The
// file appears whole or not at all (files.Write), so a reader polling for
// a scheduled result never takes half of one.
func WriteResultFile(path, format string, f *tabular.Frame, x XLSXOptions) error {
	err := files.Write(path, 0o644, func(w io.Writer) error { return WriteResult(w, format, f, x) })
	if err != nil {
		return fmt.Errorf("write result: %w", err)
	}
	return nil
}
