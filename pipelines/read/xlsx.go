package read

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/xuri/excelize/v2"
)

// xlsxReader streams one sheet through excelize's row iterator, with raw
// cell values: excelize's formatted values are slow (it parses the number
// format for every cell), lose digits past the fifteenth, and render dates
// in the format's own, often ambiguous, form. Two light scans of the same
// sheet XML supply what the iterator leaves out: merged ranges, read before
// the first row, and the style of each cell, read in step with the rows.
type xlsxReader struct {
	ctx  context.Context
	path string
	wb   *workbook
	book *excelize.File

	sheet   sheetInfo
	rows    *excelize.Rows
	styles  *styleScan
	merges  mergeFill
	rowNum  int
	pending *Row
	err     error
}

var _ Reader = (*xlsxReader)(nil)

func openXLSX(ctx context.Context, path string, opt Options) (Reader, error) {
	r, err := openXLSXFile(ctx, path, path, opt)
	if err != nil {
		return nil, err
	}
	return r, nil
}

// openXLSXFile reads the workbook in file and names it path in messages:
// a converted .xls is read from its temporary .xlsx, but the office knows
// it by the name it sent.
func openXLSXFile(ctx context.Context, file, path string, opt Options) (_ *xlsxReader, err error) {
	wb, err := openWorkbook(file)
	if err != nil {
		return nil, &Error{Path: path, Err: err}
	}
	r := &xlsxReader{ctx: ctx, path: path, wb: wb}
	defer func() {
		if err != nil {
			err = errors.Join(err, r.Close())
		}
	}()
	if r.book, err = openExcelize(file); err != nil {
		return nil, &Error{Path: path, Err: err}
	}

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
			return nil, &Error{Path: path, Sheet: s.name, Err: fmt.Errorf("%w: the sheet holds no data", ErrEmpty)}
		} else if err != nil {
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
		if err != io.EOF {
			return nil, err
		}
		r.stop()
	}
	return nil, &Error{Path: path, Err: fmt.Errorf("%w: no sheet of the workbook holds any data (sheets: %s)",
		ErrEmpty, wb.sheetList())}
}

// openExcelize opens the workbook with unpacking bounds. excelize has no
// sentinel for its unpack limit, hence the match on its message.
func openExcelize(path string) (f *excelize.File, err error) {
	defer func() {
		if p := recover(); p != nil {
			f, err = nil, fmt.Errorf("%w: excelize failed on this workbook: %v", ErrMalformed, p)
		}
	}()
	f, err = excelize.OpenFile(path, excelize.Options{
		UnzipSizeLimit:    maxUnzipped,
		UnzipXMLSizeLimit: min(maxPartInMemory, maxUnzipped),
	})
	if err != nil {
		if f != nil {
			f.Close() // removes temporary files of a half-opened workbook
		}
		if strings.Contains(err.Error(), "unzip size exceeds") {
			return nil, fmt.Errorf("%w: %w", ErrTooLarge, err)
		}
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	return f, nil
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

// start prepares to read sheet s from its first row.
func (r *xlsxReader) start(s sheetInfo) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = &Error{Path: r.path, Sheet: s.name, Err: fmt.Errorf("%w: excelize failed on this sheet: %v", ErrMalformed, p)}
		}
	}()
	r.sheet, r.rowNum, r.err, r.pending = s, 0, nil, nil
	fail := func(err error) error {
		r.stop()
		return &Error{Path: r.path, Sheet: s.name, Err: err}
	}
	r.merges = mergeFill{}
	if s.part != "" {
		rc, err := r.wb.openPart(s.part)
		if err != nil {
			return fail(err)
		}
		ranges, err := scanMerges(rc)
		rc.Close()
		if err != nil {
			return fail(err)
		}
		r.merges.ranges = ranges
		if rc, err = r.wb.openPart(s.part); err != nil {
			return fail(err)
		}
		r.styles = newStyleScan(rc, r.wb.xfKinds)
	}
	if r.rows, err = r.book.Rows(s.name); err != nil {
		return fail(fmt.Errorf("%w: %w", ErrMalformed, err))
	}
	return nil
}

// stop releases what start took.
func (r *xlsxReader) stop() {
	if r.rows != nil {
		// Close reports the iteration error again, already handled by Next.
		_ = r.rows.Close()
		r.rows = nil
	}
	if r.styles != nil {
		_ = r.styles.Close() // a read-only inflater: nothing to flush
		r.styles = nil
	}
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
	var errs []error
	if r.book != nil {
		errs = append(errs, r.book.Close())
		r.book = nil
	}
	if r.wb != nil {
		errs = append(errs, r.wb.Close())
		r.wb = nil
	}
	return errors.Join(errs...)
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
	if r.rows == nil {
		return Row{}, io.EOF
	}
	row, err := r.next()
	if err != nil {
		r.err = err
	}
	return row, err
}

func (r *xlsxReader) next() (row Row, err error) {
	// excelize is not hardened against hostile workbooks; a panic in it
	// refuses this file instead of taking the process down.
	defer func() {
		if p := recover(); p != nil {
			err = r.fail(fmt.Errorf("%w: excelize failed on this row: %v", ErrMalformed, p))
		}
	}()
	for {
		if !r.rows.Next() {
			if err := r.rows.Error(); err != nil {
				return Row{}, r.fail(fmt.Errorf("%w: %w", ErrMalformed, err))
			}
			return Row{}, io.EOF
		}
		// excelize's iterator visits every row number up to the last row,
		// rows absent from the XML included, so counting calls gives the
		// row number.
		r.rowNum++
		if r.rowNum%ctxCheckEvery == 0 {
			if err := r.ctx.Err(); err != nil {
				return Row{}, &Error{Path: r.path, Sheet: r.sheet.name, Err: err}
			}
		}
		cells, err := r.rows.Columns(excelize.Options{RawCellValue: true})
		if err != nil {
			return Row{}, r.fail(fmt.Errorf("%w: %w", ErrMalformed, err))
		}
		if r.styles != nil {
			notes, err := r.styles.row(r.rowNum)
			if err != nil {
				return Row{}, r.fail(err)
			}
			r.applyKinds(cells, notes)
		}
		if cells, err = r.merges.fill(r.rowNum, cells); err != nil {
			return Row{}, r.fail(err)
		}
		n := len(cells)
		for n > 0 && cells[n-1] == "" {
			n--
		}
		if n == 0 {
			continue
		}
		cells = cells[:n]
		if n > MaxRowCells {
			return Row{}, r.fail(fmt.Errorf("%w: the row has %d cells; the limit is %d", ErrTooLarge, n, MaxRowCells))
		}
		for i, c := range cells {
			if len(c) > MaxCellBytes {
				col, _ := excelize.ColumnNumberToName(i + 1)
				return Row{}, r.fail(fmt.Errorf("%w: cell %s%d holds %d bytes; a cell may hold at most 1 MiB",
					ErrTooLarge, col, r.rowNum, len(c)))
			}
		}
		return Row{Line: r.rowNum, Cells: cells}, nil
	}
}

func (r *xlsxReader) fail(err error) error {
	return &Error{Path: r.path, Sheet: r.sheet.name, Line: r.rowNum, Err: err}
}

// applyKinds rewrites the raw values of date, time and boolean cells.
func (r *xlsxReader) applyKinds(cells []string, notes []cellNote) {
	for _, nt := range notes {
		i := nt.col - 1
		if i < 0 || i >= len(cells) || cells[i] == "" {
			continue
		}
		switch nt.kind {
		case kindBool:
			switch cells[i] {
			case "1":
				cells[i] = "TRUE"
			case "0":
				cells[i] = "FALSE"
			}
		case kindISO:
			cells[i] = formatISO(cells[i], nt.style)
		default:
			cells[i] = formatSerial(cells[i], nt.kind, r.wb.date1904)
		}
	}
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
// numbered 1048576) would otherwise ask for a thousand million. A variable
// so that tests can lower it.
var maxMergeFill = 10_000_000

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

// cellNote marks a cell whose raw value needs rewriting.
type cellNote struct {
	col   int
	kind  cellKind
	style cellKind // the style's kind, for kindISO
}

// styleScan reads a sheet's XML in step with excelize's row iterator and
// reports, row by row, the cells whose style makes them dates or times and
// the boolean and ISO-date cells.
type styleScan struct {
	s     *tagScanner
	rc    io.Closer
	kinds []cellKind
	cur   int // number of the row whose cells come next in the stream; 0 before the first
	done  bool
	notes []cellNote
}

func newStyleScan(rc io.ReadCloser, kinds []cellKind) *styleScan {
	return &styleScan{s: newTagScanner(rc), rc: rc, kinds: kinds}
}

func (sc *styleScan) Close() error { return sc.rc.Close() }

// row returns the notes of row n. Rows are asked for in increasing order;
// rows the XML skips, or repeats out of order, yield none.
func (sc *styleScan) row(n int) ([]cellNote, error) {
	sc.notes = sc.notes[:0]
	for {
		if sc.cur > n {
			return nil, nil
		}
		if sc.done {
			if err := sc.s.Err(); err != nil {
				return nil, fmt.Errorf("%w: reading cell styles: %w", ErrMalformed, err)
			}
			return nil, nil
		}
		collect := sc.cur == n
		col := 0
		for {
			if !sc.s.next() {
				sc.done = true
				break
			}
			if sc.s.end {
				if sc.s.is("sheetData") {
					sc.done = true
					break
				}
				continue
			}
			if sc.s.is("row") {
				// As excelize: the r attribute, else one past the last row.
				if v, ok := sc.s.attr("r"); ok {
					if _, rn, ok := parseCellRef(v); ok && rn > 0 {
						sc.cur = rn
						break
					}
				}
				sc.cur++
				break
			}
			if !collect || !sc.s.is("c") {
				continue
			}
			col++
			if v, ok := sc.s.attr("r"); ok {
				if c, _, ok := parseCellRef(v); ok && c > 0 {
					col = c
				}
			}
			style := kindPlain
			if v, ok := sc.s.attr("s"); ok {
				if i, ok := atoi(v); ok && i < len(sc.kinds) {
					style = sc.kinds[i]
				}
			}
			t, _ := sc.s.attr("t")
			switch string(t) {
			case "", "n":
				if style != kindPlain {
					sc.notes = append(sc.notes, cellNote{col: col, kind: style})
				}
			case "b":
				sc.notes = append(sc.notes, cellNote{col: col, kind: kindBool})
			case "d":
				sc.notes = append(sc.notes, cellNote{col: col, kind: kindISO, style: style})
			}
		}
		if collect {
			return sc.notes, nil
		}
	}
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
