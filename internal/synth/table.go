package synth

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/transform"
)

type cellKind uint8

const (
	cBlank cellKind = iota
	cText           // written as it is (also bad values injected on purpose)
	cDate           // a day, spelled by the file's date style
	cInt            // a number: text in CSV, a number cell in XLSX
	cCode           // a region code: text in CSV, a number cell in XLSX as Excel users leave it
	cFloat          // a ratio
	cEnum           // a code of an enumeration, spelled by the file's value style
)

// cell is one value before the file decides how to spell it, so the same
// row renders the same way twice (a duplicate is an exact re-send).
type cell struct {
	kind cellKind
	f    enumField
	s    string
	n    int64
	x    float64
}

func textCell(s string) cell {
	if s == "" {
		return cell{}
	}
	return cell{kind: cText, s: s}
}

func dateCell(d int32) cell { return cell{kind: cDate, n: int64(d)} }

// optDateCell leaves a blank for a day not reached (0).
func optDateCell(d int32) cell {
	if d == 0 {
		return cell{}
	}
	return dateCell(d)
}

func intCell(n int) cell       { return cell{kind: cInt, n: int64(n)} }
func codeCell(s string) cell   { return cell{kind: cCode, s: s} }
func floatCell(x float64) cell { return cell{kind: cFloat, x: x} }
func enumCell(f enumField, code string) cell {
	if code == "" {
		return cell{}
	}
	return cell{kind: cEnum, f: f, s: code}
}

// excelEpoch is 1970-01-01 as an Excel serial (1900 date system).
const excelEpoch = 25569

func appendDate(b []byte, d int32, style string) []byte {
	y, m, dd := dateOf(d).Date()
	pad := func(b []byte, n, w int) []byte {
		s := strconv.Itoa(n)
		for i := len(s); i < w; i++ {
			b = append(b, '0')
		}
		return append(b, s...)
	}
	switch style {
	case datesSlash:
		b = strconv.AppendInt(b, int64(y), 10)
		b = append(b, '/')
		b = strconv.AppendInt(b, int64(m), 10)
		b = append(b, '/')
		return strconv.AppendInt(b, int64(dd), 10)
	case datesChinese:
		b = strconv.AppendInt(b, int64(y), 10)
		b = append(b, "年"...)
		b = strconv.AppendInt(b, int64(m), 10)
		b = append(b, "月"...)
		b = strconv.AppendInt(b, int64(dd), 10)
		return append(b, "日"...)
	case datesCompact:
		b = pad(b, y, 4)
		b = pad(b, int(m), 2)
		return pad(b, dd, 2)
	}
	b = pad(b, y, 4)
	b = append(b, '-')
	b = pad(b, int(m), 2)
	b = append(b, '-')
	return pad(b, dd, 2)
}

// textOf spells a cell for a CSV file (and for XLSX text cells).
func (v *variant) textOf(c cell, buf []byte) string {
	switch c.kind {
	case cText, cCode:
		return c.s
	case cDate:
		style := v.dates
		if style == datesExcel || style == datesSerial {
			style = datesISO
		}
		return string(appendDate(buf[:0], int32(c.n), style))
	case cInt:
		return strconv.FormatInt(c.n, 10)
	case cFloat:
		return strconv.FormatFloat(c.x, 'f', -1, 64)
	case cEnum:
		return v.spell.spell(c.f, c.s)
	}
	return ""
}

// tableWriter writes the rows of one file.
type tableWriter interface {
	row(cells []cell) error
	close() error
	rows() int
}

// fileExtras are the lines around the data that only XLSX files carry.
type fileExtras struct {
	footer string // 填表人：…　审核人：…　填表日期：…
}

func openTable(out string, p *filePlan, extras fileExtras) (tableWriter, error) {
	path := filepath.Join(out, filepath.FromSlash(p.Path))
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("create folder for %s: %w", p.Path, err)
	}
	keep := make([]int, 0, len(p.Columns))
	all := kindColumns[p.Kind]
	for _, c := range p.Columns {
		for i, a := range all {
			if a == c {
				keep = append(keep, i)
			}
		}
	}
	if p.Format == formatXLSX {
		return openXLSX(path, p, keep, extras)
	}
	return openCSV(path, p, keep)
}

type csvTable struct {
	path string
	f    *os.File
	bw   *bufio.Writer
	tw   io.WriteCloser // GB18030 encoder, nil for UTF-8
	w    *csv.Writer
	v    *variant
	keep []int
	rec  []string
	buf  []byte
	n    int
}

func openCSV(path string, p *filePlan, keep []int) (*csvTable, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("create %s: %w", p.Path, err)
	}
	t := &csvTable{path: p.Path, f: f, bw: bufio.NewWriterSize(f, 1<<16), v: &p.v, keep: keep, rec: make([]string, len(keep))}
	var w io.Writer = t.bw
	switch p.Encoding {
	case encBOM:
		t.bw.WriteString("\ufeff")
	case encGB18030:
		t.tw = transform.NewWriter(t.bw, simplifiedchinese.GB18030.NewEncoder())
		w = t.tw
	}
	t.w = csv.NewWriter(w)
	// Files saved by Excel on Windows (BOM, GBK) end lines with CRLF.
	t.w.UseCRLF = p.Encoding != encUTF8
	if err := t.w.Write(p.v.headerNames); err != nil {
		f.Close()
		return nil, fmt.Errorf("write %s header: %w", p.Path, err)
	}
	return t, nil
}

func (t *csvTable) row(cells []cell) error {
	for i, k := range t.keep {
		t.rec[i] = t.v.textOf(cells[k], t.buf)
	}
	t.n++
	if err := t.w.Write(t.rec); err != nil {
		return fmt.Errorf("write %s row %d: %w", t.path, t.n, err)
	}
	return nil
}

func (t *csvTable) rows() int { return t.n }

func (t *csvTable) close() error {
	t.w.Flush()
	err := t.w.Error()
	if t.tw != nil {
		if cerr := t.tw.Close(); err == nil {
			err = cerr
		}
	}
	if ferr := t.bw.Flush(); err == nil {
		err = ferr
	}
	if cerr := t.f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", t.path, err)
	}
	return nil
}

type xlsxTable struct {
	path, rel string
	f         *excelize.File
	sw        *excelize.StreamWriter
	v         *variant
	keep      []int
	next      int // next sheet row, 1-based
	n         int
	ncols     int
	dateStyle int
	vals      []any
	buf       []byte
	extras    fileExtras
	title     bool
}

func colName(c int) string {
	s, _ := excelize.ColumnNumberToName(c)
	return s
}

func openXLSX(path string, p *filePlan, keep []int, extras fileExtras) (t *xlsxTable, err error) {
	f := excelize.NewFile()
	defer func() {
		if err != nil {
			f.Close()
		}
	}()
	// Fixed document properties: excelize would otherwise keep its template
	// dates, and a generator must not depend on what the library does there.
	stamp := fmt.Sprintf("%d-12-31T00:00:00Z", p.Year)
	if err := f.SetDocProps(&excelize.DocProperties{Creator: "enlist synth", Created: stamp, Modified: stamp, Title: p.Title}); err != nil {
		return nil, fmt.Errorf("set %s properties: %w", p.Path, err)
	}
	if err := f.SetSheetName("Sheet1", p.Sheet); err != nil {
		return nil, fmt.Errorf("name %s sheet: %w", p.Path, err)
	}
	sw, err := f.NewStreamWriter(p.Sheet)
	if err != nil {
		return nil, fmt.Errorf("open %s sheet: %w", p.Path, err)
	}
	t = &xlsxTable{path: path, rel: p.Path, f: f, sw: sw, v: &p.v, keep: keep, next: 1, ncols: len(keep), vals: make([]any, len(keep)), extras: extras}
	// yyyy/m/d is how a Chinese Excel shows a date by default.
	dateFmt := "yyyy/m/d"
	if t.dateStyle, err = f.NewStyle(&excelize.Style{CustomNumFmt: &dateFmt}); err != nil {
		return nil, fmt.Errorf("date style for %s: %w", p.Path, err)
	}
	titleStyle, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true, Size: 16}, Alignment: &excelize.Alignment{Horizontal: "center"}})
	if err != nil {
		return nil, fmt.Errorf("title style for %s: %w", p.Path, err)
	}
	for i, c := range p.Columns {
		w := 14.0
		if c == "id_number" || c == "school" || c == "employer" || c == "station" {
			w = 22
		}
		if err := sw.SetColWidth(i+1, i+1, w); err != nil {
			return nil, fmt.Errorf("column width in %s: %w", p.Path, err)
		}
	}
	last := colName(t.ncols)
	if p.Title != "" {
		if err := sw.SetRow("A1", []any{excelize.Cell{StyleID: titleStyle, Value: p.Title}}); err != nil {
			return nil, fmt.Errorf("write %s title: %w", p.Path, err)
		}
		if t.ncols > 1 {
			if err := sw.MergeCell("A1", last+"1"); err != nil {
				return nil, fmt.Errorf("merge %s title: %w", p.Path, err)
			}
		}
		t.next++
	}
	if err := t.header(p); err != nil {
		return nil, err
	}
	return t, nil
}

// header writes one header row, or two when the file groups columns under a
// merged label (体检结果 over 结论 and 不合格原因).
func (t *xlsxTable) header(p *filePlan) error {
	names := t.v.headerNames
	if !t.v.twoRow {
		row := make([]any, len(names))
		for i, n := range names {
			row[i] = n
		}
		t.next++
		if err := t.sw.SetRow(cellRef(1, t.next-1), row); err != nil {
			return fmt.Errorf("write %s header: %w", p.Path, err)
		}
		return nil
	}
	label, first, last := groupLabel(p.Kind, p.ExamType)
	g0, g1 := -1, -1
	for i, c := range p.Columns {
		if c == first {
			g0 = i
		}
		if c == last {
			g1 = i
		}
	}
	top := make([]any, len(names))
	bottom := make([]any, len(names))
	r := t.next
	var merges [][2]string
	for i, n := range names {
		if g0 >= 0 && i >= g0 && i <= g1 {
			bottom[i] = n
			continue
		}
		top[i] = n
		merges = append(merges, [2]string{cellRef(i+1, r), cellRef(i+1, r+1)})
	}
	if g0 >= 0 {
		top[g0] = label
		merges = append(merges, [2]string{cellRef(g0+1, r), cellRef(g1+1, r)})
	}
	if err := t.sw.SetRow(cellRef(1, r), top); err != nil {
		return fmt.Errorf("write %s header: %w", p.Path, err)
	}
	if err := t.sw.SetRow(cellRef(1, r+1), bottom); err != nil {
		return fmt.Errorf("write %s header: %w", p.Path, err)
	}
	for _, m := range merges {
		if err := t.sw.MergeCell(m[0], m[1]); err != nil {
			return fmt.Errorf("merge %s header: %w", p.Path, err)
		}
	}
	t.next += 2
	return nil
}

func cellRef(col, row int) string {
	s, _ := excelize.CoordinatesToCellName(col, row)
	return s
}

func (t *xlsxTable) row(cells []cell) error {
	for i, k := range t.keep {
		t.vals[i] = t.value(cells[k])
	}
	t.n++
	if err := t.sw.SetRow(cellRef(1, t.next), t.vals); err != nil {
		return fmt.Errorf("write %s row %d: %w", t.rel, t.n, err)
	}
	t.next++
	return nil
}

func (t *xlsxTable) value(c cell) any {
	switch c.kind {
	case cBlank:
		return nil
	case cCode:
		if n, err := strconv.ParseInt(c.s, 10, 64); err == nil {
			return n
		}
		return c.s
	case cInt:
		return c.n
	case cFloat:
		return c.x
	case cDate:
		switch t.v.dates {
		case datesExcel:
			return excelize.Cell{StyleID: t.dateStyle, Value: dateOf(int32(c.n))}
		case datesSerial:
			return c.n + excelEpoch
		}
	}
	return t.v.textOf(c, t.buf)
}

func (t *xlsxTable) rows() int { return t.n }

func (t *xlsxTable) close() (err error) {
	defer func() {
		if cerr := t.f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("close %s: %w", t.rel, cerr)
		}
	}()
	if t.v.total {
		if err := t.sw.SetRow(cellRef(1, t.next), []any{"合计", fmt.Sprintf("共%d人", t.n)}); err != nil {
			return fmt.Errorf("write %s total: %w", t.rel, err)
		}
		t.next++
	}
	if t.v.footer {
		t.next++ // a blank line before the signatures, as on paper
		if err := t.sw.SetRow(cellRef(1, t.next), []any{t.extras.footer}); err != nil {
			return fmt.Errorf("write %s footer: %w", t.rel, err)
		}
		if t.ncols > 1 {
			if err := t.sw.MergeCell(cellRef(1, t.next), cellRef(t.ncols, t.next)); err != nil {
				return fmt.Errorf("merge %s footer: %w", t.rel, err)
			}
		}
		t.next++
	}
	if err := t.sw.Flush(); err != nil {
		return fmt.Errorf("flush %s: %w", t.rel, err)
	}
	// Write rather than SaveAs: SaveAs creates the file executable (0777
	// before umask).
	out, err := os.Create(t.path)
	if err != nil {
		return fmt.Errorf("create %s: %w", t.rel, err)
	}
	if err := t.f.Write(out); err != nil {
		out.Close()
		return fmt.Errorf("save %s: %w", t.rel, err)
	}
	if err := out.Close(); err != nil {
		return fmt.Errorf("save %s: %w", t.rel, err)
	}
	return nil
}
