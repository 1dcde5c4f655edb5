// Package tabular holds query results as plain columns and rows and writes
// them as an aligned table, CSV or JSON: the forms analysts and operators
// ask for on the command line.
package tabular

import (
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// Frame is a query result.
type Frame struct {
	Columns []string
	Rows    [][]any
}

// FromRows reads every row of rows.
func FromRows(rows *sql.Rows) (*Frame, error) {
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	f := &Frame{Columns: cols}
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		f.Rows = append(f.Rows, vals)
	}
	return f, rows.Err()
}

// Index returns the position of a column, -1 when absent.
func (f *Frame) Index(col string) int {
	for i, c := range f.Columns {
		if c == col {
			return i
		}
	}
	return -1
}

// Value returns row i's value of col.
func (f *Frame) Value(i int, col string) any {
	j := f.Index(col)
	if j < 0 {
		return nil
	}
	return f.Rows[i][j]
}

// Select keeps the named columns, in that order.
func (f *Frame) Select(cols ...string) *Frame {
	out := &Frame{Columns: cols}
	idx := make([]int, len(cols))
	for i, c := range cols {
		idx[i] = f.Index(c)
	}
	for _, r := range f.Rows {
		row := make([]any, len(cols))
		for i, j := range idx {
			if j >= 0 {
				row[i] = r[j]
			}
		}
		out.Rows = append(out.Rows, row)
	}
	return out
}

// Text renders a value the way a person reads it: NULL as empty, rates
// with four decimals, dates as YYYY-MM-DD.
func Text(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return ""
		}
		return strconv.FormatFloat(x, 'f', -1, 64)
	case float32:
		return Text(float64(x))
	case time.Time:
		if x.Hour() == 0 && x.Minute() == 0 && x.Second() == 0 && x.Nanosecond() == 0 {
			return x.Format(time.DateOnly)
		}
		return x.Format(time.RFC3339)
	case []byte:
		return fmt.Sprintf("%x", x)
	case map[string]any, []any:
		// JSON columns (job_runs.counts), structs and lists: as JSON in
		// every format, not Go's map[k:v] notation.
		if b, err := json.Marshal(x); err == nil {
			return string(b)
		}
		return fmt.Sprint(x)
	default:
		return fmt.Sprint(x)
	}
}

// Write renders f in format table, csv or json.
func Write(w io.Writer, format string, f *Frame) error {
	switch format {
	case "table", "":
		return writeTable(w, f)
	case "csv":
		return writeCSV(w, f)
	case "json":
		return writeJSON(w, f)
	}
	return fmt.Errorf("unknown format %q: use table, csv or json", format)
}

func writeTable(w io.Writer, f *Frame) error {
	tw := tabwriter.NewWriter(w, 0, 2, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(f.Columns, "\t"))
	for _, r := range f.Rows {
		cells := make([]string, len(r))
		for i, v := range r {
			if x, ok := v.(float64); ok && !math.IsNaN(x) && !math.IsInf(x, 0) {
				cells[i] = strconv.FormatFloat(x, 'f', 4, 64)
				continue
			}
			cells[i] = Text(v)
			if cells[i] == "" {
				cells[i] = "—"
			}
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t"))
	}
	return tw.Flush()
}

func writeCSV(w io.Writer, f *Frame) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(f.Columns); err != nil {
		return err
	}
	for _, r := range f.Rows {
		rec := make([]string, len(r))
		for i, v := range r {
			rec[i] = Text(v)
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// writeJSON writes an array of objects whose keys keep the column order.
func writeJSON(w io.Writer, f *Frame) error {
	var b strings.Builder
	b.WriteString("[")
	for i, r := range f.Rows {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString("\n  {")
		for j, v := range r {
			if j > 0 {
				b.WriteString(", ")
			}
			k, _ := json.Marshal(f.Columns[j])
			b.Write(k)
			b.WriteString(": ")
			switch x := v.(type) {
			case time.Time:
				v = Text(x)
			case float64:
				if math.IsNaN(x) || math.IsInf(x, 0) {
					v = nil
				}
			}
			val, err := json.Marshal(v)
			if err != nil {
				return fmt.Errorf("column %s: %w", f.Columns[j], err)
			}
			b.Write(val)
		}
		b.WriteString("}")
	}
	b.WriteString("\n]\n")
	_, err := io.WriteString(w, b.String())
	return err
}
