package analyst

import (
	"context"
	"fmt"
	"io"

	"enlist/internal/tabular"
)

// Output is where a query's result goes: a file (Path), else W, in Format
// (table, csv, json or xlsx).
type Output struct {
	Format string
	Path   string
	W      io.Writer
	// ZhHeaders heads an XLSX result with the data dictionary's Chinese
	// labels instead of the column names.
	ZhHeaders bool
}

// WriteResult writes a result of this session where out says. An XLSX
// result shows rates as percentages and, with ZhHeaders, Chinese headers,
// both from the dictionary's comments on same-named columns.
func (s *Session) WriteResult(ctx context.Context, f *tabular.Frame, out Output) error {
	var x XLSXOptions
	if out.Format == "xlsx" {
		var err error
		if x, err = s.XLSXOptionsFor(ctx, f.Columns, out.ZhHeaders); err != nil {
			return err
		}
	}
	if out.Path != "" {
		return WriteResultFile(out.Path, out.Format, f, x)
	}
	if err := WriteResult(out.W, out.Format, f, x); err != nil {
		return fmt.Errorf("write result: %w", err)
	}
	return nil
}
