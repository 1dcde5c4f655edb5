package analyst

import (
	"context"
	"fmt"
	"io"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/duckdb/duckdb-go/v2"
	"github.com/mattn/go-runewidth"
	"github.com/xuri/excelize/v2"

	"enlist/internal/tabular"
)

// maxSheetRows is Excel's row limit, header included.
const maxSheetRows = 1048576

// WriteXLSX writes f as one worksheet: a bold header row, numbers as
// numbers, dates as dates, and every text as text. Text is never written as
// a formula, so a value from an extract that starts with = + - or @ stays
// the characters it was (no formula injection).
func WriteXLSX(w io.Writer, f *tabular.Frame) error {
	return WriteXLSXWith(w, f, XLSXOptions{})
}

// XLSXOptions shape a workbook for people rather than for another program.
type XLSXOptions struct {
	// Headers replace column names in the header row (--headers zh); a
	// column missing from the map keeps its name.
	Headers map[string]string
	// Percent names the columns written as percentages (0.0%): rates and
	// ratios, stored as fractions.
	Percent map[string]bool
}

// WriteXLSXWith writes f as WriteXLSX does, with column widths fitted to
// the text (a Chinese character counts two), and the options' headers and
// percentage columns.
func WriteXLSXWith(w io.Writer, f *tabular.Frame, opt XLSXOptions) error {
	if len(f.Rows)+1 > maxSheetRows {
		return fmt.Errorf("write xlsx: %d rows do not fit a worksheet (at most %d); narrow the query or use --format csv",
			len(f.Rows), maxSheetRows-1)
	}
	x := excelize.NewFile()
	defer x.Close()
	const sheet = "查询结果"
	if err := x.SetSheetName("Sheet1", sheet); err != nil {
		return err
	}
	bold, err := x.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	dateFmt := "yyyy-mm-dd"
	date, err := x.NewStyle(&excelize.Style{CustomNumFmt: &dateFmt})
	if err != nil {
		return err
	}
	stampFmt := "yyyy-mm-dd hh:mm:ss"
	stamp, err := x.NewStyle(&excelize.Style{CustomNumFmt: &stampFmt})
	if err != nil {
		return err
	}
	pctFmt := "0.0%"
	pct, err := x.NewStyle(&excelize.Style{CustomNumFmt: &pctFmt})
	if err != nil {
		return err
	}
	sw, err := x.NewStreamWriter(sheet)
	if err != nil {
		return err
	}
	// Widths go before the rows in a stream. The first thousand rows are
	// enough to see how wide a column's values run.
	headers := make([]string, len(f.Columns))
	for i, c := range f.Columns {
		headers[i] = c
		if h, ok := opt.Headers[c]; ok && h != "" {
			headers[i] = h
		}
		width := runewidth.StringWidth(headers[i])
		for r, row := range f.Rows {
			if r == 1000 {
				break
			}
			if i < len(row) {
				width = max(width, runewidth.StringWidth(xlsxText(row[i], opt.Percent[c])))
			}
		}
		if err := sw.SetColWidth(i+1, i+1, float64(min(max(width+2, 6), 60))); err != nil {
			return err
		}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	header := make([]any, len(f.Columns))
	for i := range f.Columns {
		header[i] = excelize.Cell{StyleID: bold, Value: headers[i]}
	}
	if err := sw.SetRow("A1", header); err != nil {
		return err
	}
	for r, row := range f.Rows {
		cells := make([]any, len(row))
		for i, v := range row {
			cells[i] = xlsxCell(v, date, stamp)
			if i < len(f.Columns) && opt.Percent[f.Columns[i]] {
				if n, ok := cells[i].(float64); ok {
					cells[i] = excelize.Cell{StyleID: pct, Value: n}
				}
			}
		}
		ref, err := excelize.CoordinatesToCellName(1, r+2)
		if err != nil {
			return err
		}
		if err := sw.SetRow(ref, cells); err != nil {
			return fmt.Errorf("write xlsx row %d: %w", r+1, err)
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	_, err = x.WriteTo(w)
	return err
}

// xlsxText is how wide a value shows in a cell.
func xlsxText(v any, percent bool) string {
	if x, ok := v.(float64); ok && percent {
		return strconv.FormatFloat(x*100, 'f', 1, 64) + "%"
	}
	if t, ok := v.(time.Time); ok && t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 {
		return t.Format(time.DateOnly)
	}
	return tabular.TableText(v)
}

// xlsxCell converts one value. Strings go in as excelize.Cell values with
// no formula, which excelize stores as inline text.
func xlsxCell(v any, date, stamp int) any {
	switch x := v.(type) {
	case nil:
		return nil
	case string:
		return excelize.Cell{Value: x}
	case bool, int8, int16, int32, int64, int, uint8, uint16, uint32, uint64, uint:
		return x
	case float32:
		return xlsxCell(float64(x), date, stamp)
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil
		}
		return x
	case *big.Int:
		if x.IsInt64() {
			return x.Int64()
		}
		return excelize.Cell{Value: x.String()}
	case duckdb.Decimal:
		return x.Float64()
	case time.Time:
		if x.Hour() == 0 && x.Minute() == 0 && x.Second() == 0 && x.Nanosecond() == 0 {
			return excelize.Cell{StyleID: date, Value: x}
		}
		return excelize.Cell{StyleID: stamp, Value: x}
	default:
		return excelize.Cell{Value: tabular.Text(v)}
	}
}

// XLSXOptionsFor looks the result's columns up in the data dictionary: a
// column named like a column of a view or table (views first, metrics before
// the others) takes that column's comment. Rates and ratios (a comment
// naming 率 or 比例, or a name ending in _rate, _ratio or _share) become
// percentages; with zh, the comment's Chinese label (its first word)
// becomes the header.
func (s *Session) XLSXOptionsFor(ctx context.Context, cols []string, zh bool) (XLSXOptions, error) {
	opt := XLSXOptions{Percent: map[string]bool{}}
	comments := map[string]string{}
	rows, err := s.conn.QueryContext(ctx, `
		SELECT c.column_name, arg_min(c.comment, (CASE WHEN c.table_name = 'metrics' THEN 0 WHEN v.view_name IS NOT NULL THEN 1 ELSE 2 END, c.table_name))
		FROM duckdb_columns() c
		LEFT JOIN duckdb_views() v ON v.view_name = c.table_name AND v.database_name = c.database_name AND v.schema_name = c.schema_name
		WHERE c.database_name = current_database() AND c.schema_name = 'main' AND c.comment IS NOT NULL AND c.comment <> ''
		  AND list_contains(?::VARCHAR[], c.column_name)
		GROUP BY c.column_name`, cols)
	if err != nil {
		return opt, fmt.Errorf("read column comments: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var c, text string
		if err := rows.Scan(&c, &text); err != nil {
			return opt, err
		}
		comments[c] = text
	}
	if err := rows.Err(); err != nil {
		return opt, err
	}
	labels := map[string]int{}
	for _, c := range cols {
		text := comments[c]
		opt.Percent[c] = strings.HasSuffix(c, "_rate") || strings.HasSuffix(c, "_ratio") || strings.HasSuffix(c, "_share") ||
			c == "pace_gap" || ((strings.Contains(text, "率") || strings.Contains(text, "比例")) && !strings.Contains(text, "排名") &&
			!strings.HasSuffix(c, "_change") && !strings.HasSuffix(c, "_approved") && !strings.HasSuffix(c, "_score"))
		if zh {
			labels[zhLabel(text)]++
		}
	}
	if zh {
		opt.Headers = map[string]string{}
		for _, c := range cols {
			l := zhLabel(comments[c])
			switch {
			case l == "":
				opt.Headers[c] = c
			case labels[l] > 1:
				// 较上周 heads every *_change column: the name tells them apart.
				opt.Headers[c] = l + " (" + c + ")"
			default:
				opt.Headers[c] = l
			}
		}
	}
	return opt, nil
}

// zhLabel is a comment's leading Chinese label: '报名任务比 = applied /
// quota' → 报名任务比, '批次: 1 上半年' → 批次. A comment that does not start
// in Chinese has none.
func zhLabel(comment string) string {
	end := strings.IndexAny(comment, " :：(（,，;=")
	if end < 0 {
		end = len(comment)
	}
	l := comment[:end]
	for _, r := range l {
		if unicode.Is(unicode.Han, r) {
			return l
		}
	}
	return ""
}
