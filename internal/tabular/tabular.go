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
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/mattn/go-runewidth"
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

// writeTable aligns columns by display width, so Chinese text (two cells a
// character in a terminal) lines up; numbers are right-aligned, doubles
// rounded to four decimals without trailing zeros, NULL shown as "—".
func writeTable(w io.Writer, f *Frame) error {
	rows := make([][]string, len(f.Rows))
	numeric := make([]bool, len(f.Columns))
	for i := range numeric {
		numeric[i] = len(f.Rows) > 0
	}
	for r, row := range f.Rows {
		cells := make([]string, len(f.Columns))
		for i := range cells {
			var v any
			if i < len(row) {
				v = row[i]
			}
			cells[i] = TableText(v)
			if cells[i] == "" {
				cells[i] = "—"
			}
			if v != nil && !isNumber(v) {
				numeric[i] = false
			}
		}
		rows[r] = cells
	}
	widths := make([]int, len(f.Columns))
	for i, c := range f.Columns {
		widths[i] = runewidth.StringWidth(c)
	}
	for _, cells := range rows {
		for i, c := range cells {
			widths[i] = max(widths[i], runewidth.StringWidth(c))
		}
	}
	var b strings.Builder
	line := func(cells []string, header bool) {
		for i, c := range cells {
			pad := widths[i] - runewidth.StringWidth(c)
			last := i == len(cells)-1
			switch {
			case numeric[i] && !header:
				b.WriteString(strings.Repeat(" ", pad))
				b.WriteString(c)
			case last:
				b.WriteString(c)
			default:
				b.WriteString(c)
				b.WriteString(strings.Repeat(" ", pad))
			}
			if !last {
				b.WriteString("  ")
			}
		}
		b.WriteByte('\n')
	}
	line(f.Columns, true)
	for _, cells := range rows {
		line(cells, false)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// TableText renders a value for the aligned table: as Text, but doubles
// rounded to four decimals with trailing zeros dropped (0.4, 0.7135, 100).
func TableText(v any) string {
	switch x := v.(type) {
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return ""
		}
		t := strconv.FormatFloat(x, 'f', 4, 64)
		t = strings.TrimRight(strings.TrimRight(t, "0"), ".")
		if t == "-0" {
			t = "0"
		}
		return t
	case float32:
		return TableText(float64(x))
	}
	return Text(v)
}

func isNumber(v any) bool {
	switch v.(type) {
	case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64, float32, float64, *big.Int:
		return true
	}
	return false
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
