package read

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
)

// xlsxReader streams one sheet of a workbook. The sheet's XML is read in
// one pass of sheetScan (see sheet.go), which gives each cell's final text;
// the reader adds what spans rows: merged ranges, read from the sheet's
// tail before the first row, and the rows the XML leaves out under them.
type xlsxReader struct {
	ctx    context.Context
	path   string
	wb     *workbook
	ownsWB bool // opened by Open for this reader, rather than held by a Book

	sheet   sheetInfo
	xml     *sheetXML
	scan    *sheetScan
	merges  mergeFill
	rowNum  int       // the row passed through the merges last
	ahead   *sheetRow // the next row of the XML, while rows it skips are filled
	visited int       // rows looked at, for the context checks
	pending *Row
	err     error
}

var _ Reader = (*xlsxReader)(nil)

func openXLSX(ctx context.Context, path string, opt Options) (Reader, error) {
	wb, err := openWorkbook(path, opt.unpackLimits())
	if err != nil {
		return nil, &Error{Path: path, Err: err}
	}
	r, err := openSheet(ctx, wb, path, opt)
	if err != nil {
		return nil, errors.Join(err, wb.Close())
	}
	r.ownsWB = true
	return r, nil
}

// openSheet reads the sheet opt.Sheet names (or the first with data) of an
// opened workbook, and names the file path in messages: a converted .xls
// is read from its temporary .xlsx, but the office knows it by the name it
// sent.
func openSheet(ctx context.Context, wb *workbook, path string, opt Options) (_ *xlsxReader, err error) {
	if err := ctx.Err(); err != nil {
		return nil, &Error{Path: path, Err: err}
	}
	r := &xlsxReader{ctx: ctx, path: path, wb: wb}
	if opt.Sheet != "" {
		s, ok := wb.findSheet(opt.Sheet)
		if !ok {
			return nil, &Error{Path: path, Err: fmt.Errorf("%w: %q; the workbook has %s",
				ErrNoSheet, opt.Sheet, wb.sheetList())}
		}
		if err := r.start(s); err != nil {
			return nil, err
		}
		if err := r.peek(); err == io.EOF {
			r.stop()
			return nil, &Error{Path: path, Sheet: s.name, Err: fmt.Errorf("%w: the sheet holds no data", ErrEmpty)}
		} else if err != nil {
			r.stop()
			return nil, err
		}
		return r, nil
	}
	// Offices keep notes, code lists or an empty Sheet1 beside the table;
	// the table is the first sheet with data, and a hidden sheet is a
	// lookup list rather than the table.
	var order []sheetInfo
	for _, hidden := range []bool{false, true} {
		for _, s := range wb.sheets {
			if s.hidden == hidden && s.part != "" && wb.part(s.part) != nil {
				order = append(order, s)
			}
		}
	}
	for _, s := range order {
		if err := r.start(s); err != nil {
			return nil, err
		}
		err := r.peek()
		if err == nil {
			return r, nil
		}
		r.stop()
		if err != io.EOF {
			return nil, err
		}
	}
	return nil, &Error{Path: path, Err: fmt.Errorf("%w: no sheet of the workbook holds any data (sheets: %s)",
		ErrEmpty, wb.sheetList())}
}

func (wb *workbook) findSheet(name string) (sheetInfo, bool) {
	for _, s := range wb.sheets {
		if s.name == name {
			return s, true
		}
	}
	// --sheet typed in a shell: forgive case and stray spaces, but only
	// when that still names one sheet.
	var found []sheetInfo
	for _, s := range wb.sheets {
		if strings.EqualFold(strings.TrimSpace(s.name), strings.TrimSpace(name)) {
			found = append(found, s)
		}
	}
	if len(found) == 1 {
		return found[0], true
	}
	return sheetInfo{}, false
}

func (wb *workbook) sheetList() string {
	if len(wb.sheets) == 0 {
		return "no sheets"
	}
	names := make([]string, len(wb.sheets))
	for i, s := range wb.sheets {
		names[i] = fmt.Sprintf("%q", s.name)
	}
	return strings.Join(names, ", ")
}

// start prepares to read sheet s from its first row: it unpacks the
// sheet's part once and reads its merged ranges.
func (r *xlsxReader) start(s sheetInfo) error {
	r.sheet, r.rowNum, r.visited, r.err, r.pending, r.ahead = s, 0, 0, nil, nil, nil
	r.merges = mergeFill{}
	fail := func(err error) error {
		r.stop()
		return &Error{Path: r.path, Sheet: s.name, Err: err}
	}
	if s.part == "" {
		return fail(fmt.Errorf("%w: the workbook lists the sheet but names no part holding it", ErrMalformed))
	}
	sst, err := r.wb.sharedStrings()
	if err != nil {
		return fail(err)
	}
	if r.xml, err = r.wb.unpackPart(s.part); err != nil {
		return fail(err)
	}
	if r.merges.ranges, err = mergesAfterData(r.xml); err != nil {
		return fail(err)
	}
	r.scan = &sheetScan{s: r.xml.scanner(), sst: sst, kinds: r.wb.xfKinds, date1904: r.wb.date1904}
	return nil
}

// stop releases what start took.
func (r *xlsxReader) stop() {
	if r.xml != nil {
		_ = r.xml.Close() // an unlinked temporary file: nothing to keep
		r.xml = nil
	}
	r.scan, r.ahead = nil, nil
}

// peek reads the first row of the sheet so that Open can refuse an empty one.
func (r *xlsxReader) peek() error {
	row, err := r.next()
	if err != nil {
		return err
	}
	r.pending = &row
	return nil
}

func (r *xlsxReader) Sheet() string    { return r.sheet.name }
func (r *xlsxReader) Encoding() string { return EncodingXLSX }

func (r *xlsxReader) Close() error {
	r.stop()
	if r.ownsWB && r.wb != nil {
		err := r.wb.Close()
		r.wb = nil
		return err
	}
	return nil
}

func (r *xlsxReader) Next() (Row, error) {
	if r.pending != nil {
		row := *r.pending
		r.pending = nil
		return row, nil
	}
	if r.err != nil {
		return Row{}, r.err
	}
	if r.scan == nil {
		return Row{}, io.EOF
	}
	row, err := r.next()
	if err != nil {
		r.err = err
	}
	return row, err
}

func (r *xlsxReader) next() (Row, error) {
	for {
		r.visited++
		if r.visited%ctxCheckEvery == 0 {
			if err := r.ctx.Err(); err != nil {
				return Row{}, &Error{Path: r.path, Sheet: r.sheet.name, Err: err}
			}
		}
		if r.ahead == nil {
			row, err := r.scan.row()
			if err == io.EOF {
				return Row{}, io.EOF
			}
			if err != nil {
				return Row{}, &Error{Path: r.path, Sheet: r.sheet.name, Line: r.scan.last, Err: err}
			}
			r.ahead = &row
		}
		// A row the XML leaves out is read only where a merged range
		// carries a value into it (a title merged over two rows, one of
		// them absent); otherwise the reader goes straight to the next row
		// the XML holds.
		n, cells, over := r.rowNum+1, []string(nil), oversize{}
		if n >= r.ahead.num || r.merges.idle() {
			n, cells, over = r.ahead.num, r.ahead.cells, r.ahead.over
			r.ahead = nil
		}
		r.rowNum = n
		cells, err := r.merges.fill(n, cells)
		if err != nil {
			return Row{}, r.fail(err)
		}
		k := len(cells)
		for k > 0 && cells[k-1] == "" {
			k--
		}
		if k == 0 {
			continue
		}
		cells = cells[:k]
		if k > MaxRowCells {
			return Row{}, r.fail(fmt.Errorf("%w: the row has %d cells; the limit is %d", ErrTooLarge, k, MaxRowCells))
		}
		for i, c := range cells {
			size := len(c)
			if i+1 == over.col {
				size = over.size
			}
			if size > MaxCellBytes {
				col, _ := columnName(i + 1)
				return Row{}, r.fail(fmt.Errorf("%w: cell %s%d holds %d bytes; a cell may hold at most 1 MiB",
					ErrTooLarge, col, r.rowNum, size))
			}
		}
		return Row{Line: r.rowNum, Cells: cells}, nil
	}
}

func (r *xlsxReader) fail(err error) error {
	return &Error{Path: r.path, Sheet: r.sheet.name, Line: r.rowNum, Err: err}
}

// mergeRange is one merged range, 1-based and inclusive, with the value of
// its top-left cell once that row has been read.
type mergeRange struct {
	top, left, bottom, right int
	value                    string
}

// mergeFill copies each merged range's top-left value into the cells the
// range covers, so that a title merged across the table, or a header merged
// over two rows (体检 over 日期 and 结果), reads the same in every column.
// Ranges are visited in row order, holding only those that cover the
// current row.
type mergeFill struct {
	ranges []mergeRange // by top row
	next   int
	active []int
	copied int // cells filled so far, against maxMergeFill
}

// maxMergeFill bounds the cells filled from merged ranges in one sheet. A
// table whose first column is merged down a million rows fills a million;
// a few hundred bytes of hostile XML (a range A1:ALL1048576 and one row
// numbered 1048576) would otherwise ask for a thousand million.
const maxMergeFill = 10_000_000

// idle reports whether no range being filled has a value to copy, so that
// rows absent from the XML stay absent.
func (m *mergeFill) idle() bool {
	for _, i := range m.active {
		if m.ranges[i].value != "" {
			return false
		}
	}
	return true
}

func (m *mergeFill) fill(rowNum int, cells []string) ([]string, error) {
	for m.next < len(m.ranges) && m.ranges[m.next].top <= rowNum {
		if m.ranges[m.next].bottom >= rowNum {
			m.active = append(m.active, m.next)
		}
		m.next++
	}
	keep := m.active[:0]
	for _, i := range m.active {
		g := &m.ranges[i]
		if g.top == rowNum && g.left <= len(cells) {
			g.value = cells[g.left-1]
		}
		if g.value != "" {
			// A title merged across a whole row (A1:XFD1) would otherwise
			// make a row of 16,384 cells; the copy stops at the row bound.
			right := min(g.right, MaxRowCells)
			if m.copied += max(right-g.left+1, 0); m.copied > maxMergeFill {
				return cells, fmt.Errorf("%w: merged ranges fill more than %d cells", ErrTooLarge, maxMergeFill)
			}
			for len(cells) < right {
				cells = append(cells, "")
			}
			for c := g.left; c <= right; c++ {
				cells[c-1] = g.value
			}
		}
		if g.bottom > rowNum {
			keep = append(keep, i)
		}
	}
	m.active = keep
	return cells, nil
}

// scanMerges collects the merged ranges of a sheet's XML.
func scanMerges(src io.Reader) ([]mergeRange, error) {
	s := newTagScanner(src)
	var ranges []mergeRange
	for s.next() {
		if s.end || !s.is("mergeCell") {
			continue
		}
		ref, ok := s.attr("ref")
		if !ok {
			continue
		}
		a, b, ok := strings.Cut(string(ref), ":")
		if !ok {
			continue
		}
		c1, r1, ok1 := parseCellRef([]byte(a))
		c2, r2, ok2 := parseCellRef([]byte(b))
		if !ok1 || !ok2 || c1 == 0 || r1 == 0 || c2 == 0 || r2 == 0 {
			continue
		}
		if len(ranges) == maxMerges {
			return nil, fmt.Errorf("%w: the sheet has more than %d merged ranges", ErrTooLarge, maxMerges)
		}
		ranges = append(ranges, mergeRange{top: min(r1, r2), left: min(c1, c2), bottom: max(r1, r2), right: max(c1, c2)})
	}
	if err := s.Err(); err != nil {
		return nil, fmt.Errorf("%w: reading merged ranges: %w", ErrMalformed, err)
	}
	sort.SliceStable(ranges, func(i, j int) bool { return ranges[i].top < ranges[j].top })
	return ranges, nil
}

func atoi(b []byte) (int, bool) {
	if len(b) == 0 || len(b) > 9 {
		return 0, false
	}
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}
