package read

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"sync"
	"unicode/utf8"

	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/transform"
)

// A sheet is read in one pass of the tag scanner: each <row> gives its
// number and its cells, each <c> its value (<v>, or the text of an inline
// <is>), its type (t) and its style (s), and the cell's final text is made
// there — shared strings looked up, dates rendered from the style's number
// format. Merged ranges are the one thing Excel writes after the cells
// (<mergeCells> follows <sheetData>), and the rows need them first: the
// sheet's part is unpacked once, into memory or for a large sheet into a
// temporary file, and its tail, after </sheetData>, is scanned for them
// before the rows are.

// sheetXML is a sheet's part unpacked once: in memory up to inMemory bytes
// (the workbook's unpackLimits.partInMemory), beyond that in a temporary
// file that is unlinked as soon as it is made, so that nothing is left
// behind whatever happens.
type sheetXML struct {
	mem      []byte
	file     *os.File
	size     int64
	inMemory int64
}

func (x *sheetXML) Close() error {
	if x.file == nil {
		return nil
	}
	err := x.file.Close()
	x.file = nil
	return err
}

// readerAt gives the unpacked part for random reads.
func (x *sheetXML) readerAt() io.ReaderAt {
	if x.file != nil {
		return x.file
	}
	return bytes.NewReader(x.mem)
}

// scanner gives a tag scanner over the whole part.
func (x *sheetXML) scanner() *tagScanner {
	if x.file != nil {
		return newTagScanner(io.NewSectionReader(x.file, 0, x.size))
	}
	return newBytesScanner(x.mem)
}

// Write spools: in memory until the part passes inMemory, then in the
// temporary file.
func (x *sheetXML) Write(p []byte) (int, error) {
	if x.file == nil && int64(len(x.mem)+len(p)) <= x.inMemory {
		x.mem = append(x.mem, p...)
		x.size += int64(len(p))
		return len(p), nil
	}
	if x.file == nil {
		f, err := os.CreateTemp("", "enlist-sheet-")
		if err != nil {
			return 0, err
		}
		if err := os.Remove(f.Name()); err != nil {
			f.Close()
			return 0, err
		}
		x.file = f
		if _, err := f.Write(x.mem); err != nil {
			return 0, err
		}
		x.mem = nil
	}
	n, err := x.file.Write(p)
	x.size += int64(n)
	return n, err
}

// unpackPart unpacks the named part once, decoding it to UTF-8 if its XML
// declaration names another encoding (excelize read such parts too).
func (wb *workbook) unpackPart(name string) (_ *sheetXML, err error) {
	f := wb.part(name)
	if f == nil {
		return nil, fmt.Errorf("%w: the workbook names part %s but does not contain it", ErrMalformed, name)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("%w: part %s: %w", ErrMalformed, name, err)
	}
	defer rc.Close()
	src, err := decodeXML(rc)
	if err != nil {
		return nil, fmt.Errorf("%w: part %s: %w", ErrUnsupported, name, err)
	}
	lim := wb.limits
	x := &sheetXML{mem: make([]byte, 0, min(int64(f.UncompressedSize64), lim.partInMemory)), inMemory: lim.partInMemory}
	defer func() {
		if err != nil {
			x.Close()
		}
	}()
	// The zip's declared sizes were checked when the workbook was opened,
	// and archive/zip refuses a part that inflates past them; a declared
	// encoding could still grow the text, hence the bound.
	n, err := io.Copy(x, io.LimitReader(src, lim.unzipped+1))
	if err != nil {
		return nil, fmt.Errorf("%w: part %s: %w", ErrMalformed, name, err)
	}
	if n > lim.unzipped {
		return nil, fmt.Errorf("%w: part %s unpacks to more than %d MiB", ErrTooLarge, name, lim.unzipped>>20)
	}
	return x, nil
}

var xmlEncodingAttr = regexp.MustCompile(`^\s*<\?xml[^>]*\sencoding\s*=\s*["']([A-Za-z0-9._-]+)["']`)

// decodeXML passes UTF-8 XML through and decodes XML that declares another
// encoding (GBK from an old Chinese tool, UTF-16).
func decodeXML(r io.Reader) (io.Reader, error) {
	br := bufio.NewReaderSize(r, 4096)
	head, _ := br.Peek(256)
	m := xmlEncodingAttr.FindSubmatch(bytes.TrimPrefix(head, utf8BOM))
	if m == nil {
		return br, nil
	}
	label := strings.ToLower(string(m[1]))
	if label == "utf-8" || label == "utf8" {
		return br, nil
	}
	enc, err := htmlindex.Get(label)
	if err != nil {
		return nil, fmt.Errorf("the XML declares encoding %q, which enlist does not know", m[1])
	}
	return transform.NewReader(br, enc.NewDecoder()), nil
}

// mergesAfterData reads the merged ranges from the sheet's tail, after
// </sheetData>; from the whole part if it has no such tag (a sheet whose
// data is <sheetData/>, or a damaged one).
func mergesAfterData(x *sheetXML) ([]mergeRange, error) {
	ra := x.readerAt()
	off, err := dataEnd(ra, x.size)
	if err != nil {
		return nil, fmt.Errorf("%w: reading merged ranges: %w", ErrMalformed, err)
	}
	return scanMerges(io.NewSectionReader(ra, max(off, 0), x.size-max(off, 0)))
}

// dataEnd finds the last </sheetData> (or </x:sheetData>) by reading the
// part backwards from its end: the tags after it are few (margins, page
// set-up, merged ranges), so this reads a few kilobytes of a sheet of any
// size. -1 if there is none.
func dataEnd(ra io.ReaderAt, size int64) (int64, error) {
	const window, overlap = 64 << 10, 256
	buf := make([]byte, window+overlap)
	for end := size; end > 0; {
		start := max(end-window, 0)
		b := buf[:min(size, end+overlap)-start]
		if _, err := ra.ReadAt(b, start); err != nil && err != io.EOF {
			return -1, err
		}
		for {
			i := bytes.LastIndex(b, []byte("sheetData"))
			if i < 0 {
				break
			}
			if j := closingTag(b, i, i+len("sheetData")); j >= 0 {
				return start + int64(j), nil
			}
			b = b[:i]
		}
		end = start
	}
	return -1, nil
}

// closingTag reports where the end tag whose name (with any prefix) is
// b[i:e] starts, or -1 if b[i:e] is not the name of an end tag.
func closingTag(b []byte, i, e int) int {
	for e < len(b) && isXMLSpace(b[e]) {
		e++
	}
	if e >= len(b) || b[e] != '>' {
		return -1
	}
	if i > 0 && b[i-1] == ':' {
		i--
		for i > 0 && b[i-1] != '/' && b[i-1] != '<' && !isXMLSpace(b[i-1]) {
			i--
		}
	}
	if i >= 2 && b[i-2] == '<' && b[i-1] == '/' {
		return i - 2
	}
	return -1
}

// sharedStrings is the workbook's shared-string table: every string's
// text in one Go string, and where each ends, so that a cell's value is a
// slice of it (no copy, no allocation) and the table costs its text and
// four bytes a string — excelize's index of a large table cost about fifty.
type sharedStrings struct {
	text string
	ends []uint32
}

func (t *sharedStrings) get(i int) (string, bool) {
	if i < 0 || i >= len(t.ends) {
		return "", false
	}
	start := uint32(0)
	if i > 0 {
		start = t.ends[i-1]
	}
	return t.text[start:t.ends[i]], true
}

// stringTable reads the shared strings the first time a sheet asks for
// them; a workbook's sheets share one table.
type stringTable struct {
	once sync.Once
	t    *sharedStrings
	err  error
}

func (wb *workbook) sharedStrings() (*sharedStrings, error) {
	wb.strings.once.Do(func() {
		wb.strings.t, wb.strings.err = wb.loadSharedStrings()
	})
	return wb.strings.t, wb.strings.err
}

func (wb *workbook) loadSharedStrings() (*sharedStrings, error) {
	t := &sharedStrings{}
	if wb.sstPath == "" || wb.part(wb.sstPath) == nil {
		return t, nil
	}
	rc, err := wb.openPart(wb.sstPath)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	src, err := decodeXML(rc)
	if err != nil {
		return nil, fmt.Errorf("%w: part %s: %w", ErrUnsupported, wb.sstPath, err)
	}
	var text strings.Builder
	s := newTagScanner(src)
	var item []byte
	inItem, inPhonetic := false, false
	for s.next() {
		if s.end {
			switch {
			case s.is("si") && inItem:
				inItem = false
				v := bstrDecode(item)
				if !utf8.Valid(v) {
					return nil, fmt.Errorf("%w: shared string %d is not UTF-8 text", ErrMalformed, len(t.ends))
				}
				text.Write(v)
				t.ends = append(t.ends, uint32(text.Len()))
			case s.is("rPh"):
				inPhonetic = false
			}
			continue
		}
		switch {
		case s.is("si"):
			if s.empty {
				t.ends = append(t.ends, uint32(text.Len()))
				continue
			}
			inItem, item = true, item[:0]
		case s.is("rPh"):
			// A phonetic run (furigana) is a reading aid, not the text.
			inPhonetic = !s.empty
		case s.is("t") && inItem && !inPhonetic && !s.empty:
			item, _ = s.text(item, int(maxSharedStrings))
		}
	}
	if err := s.Err(); err != nil {
		return nil, fmt.Errorf("%w: part %s: %w", ErrMalformed, wb.sstPath, err)
	}
	t.text = text.String()
	return t, nil
}

// bstrDecode undoes the _xHHHH_ escapes Office writes for characters XML
// cannot hold (_x000D_ for a carriage return, _x005F_ for an underscore
// that would otherwise start one), as excelize does for shared and inline
// strings: an escape naming no character is dropped.
func bstrDecode(b []byte) []byte {
	if !bytes.Contains(b, []byte("_x")) {
		return b
	}
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); {
		if i+7 <= len(b) && b[i] == '_' && b[i+1] == 'x' && b[i+6] == '_' && isHex4(b[i+2:i+6]) {
			var r rune
			for _, c := range b[i+2 : i+6] {
				r = r<<4 | rune(hexVal(c))
			}
			if utf8.ValidRune(r) {
				out = utf8.AppendRune(out, r)
			}
			i += 7
			continue
		}
		out = append(out, b[i])
		i++
	}
	return out
}

func isHex4(b []byte) bool {
	for _, c := range b {
		if hexVal(c) < 0 {
			return false
		}
	}
	return true
}

func hexVal(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

// maxRowNumber is Excel's last row.
const maxRowNumber = 1 << 20

// sheetScan reads the rows of a sheet's XML.
type sheetScan struct {
	s        *tagScanner
	sst      *sharedStrings
	kinds    []cellKind
	date1904 bool

	last  int  // number of the row read last
	width int  // cells in the widest row so far
	held  bool // the scanner stands on a <row> not yet read
	done  bool

	// The cell being read.
	inCell, inInline, inPhonetic bool
	col                          int
	style                        cellKind
	typ                          cellType
	v, inline                    []byte
	vSize, inlineSize            int
	hasV, hasInline              bool
}

// oversize is a cell whose text passed MaxCellBytes: only its first bytes
// were kept, its size is counted.
type oversize struct{ col, size int }

// sheetRow is a row of the XML.
type sheetRow struct {
	num   int
	cells []string // each cell's final text, "" where the XML has none
	over  oversize
}

// row reads the next <row> of the sheet data, or io.EOF after the last.
// A row's number is its r attribute, else one past the row before, as
// Excel and excelize read it; a row numbered at or before the row before
// (which Excel never writes) is taken as the next row, so row numbers
// always increase.
func (sc *sheetScan) row() (sheetRow, error) {
	s := sc.s
	if !sc.held {
		for {
			if sc.done || !s.next() {
				return sheetRow{}, sc.end()
			}
			if s.end {
				if s.is("sheetData") {
					sc.done = true
				}
				continue
			}
			if s.is("row") {
				break
			}
		}
	}
	sc.held = false
	num := 0
	if v, ok := s.attr("r"); ok {
		if _, rn, ok := parseCellRef(v); ok && rn > 0 {
			num = rn
		}
	}
	if num > maxRowNumber {
		return sheetRow{}, fmt.Errorf("%w: row number %d is past Excel's last row, %d", ErrMalformed, num, maxRowNumber)
	}
	if num <= sc.last {
		num = sc.last + 1
	}
	sc.last, sc.col, sc.inCell = num, 0, false
	// Rows of a table are alike: the widest so far sizes the next.
	row := sheetRow{num: num, cells: make([]string, 0, sc.width)}
	defer func() { sc.width = max(sc.width, len(row.cells)) }()
	if s.empty {
		return row, nil
	}
	for s.next() {
		if s.end {
			switch {
			case s.is("c"):
				if err := sc.endCell(&row); err != nil {
					return row, err
				}
			case s.is("is"):
				sc.inInline = false
			case s.is("rPh"):
				sc.inPhonetic = false
			case s.is("row"):
				return row, sc.endCell(&row)
			case s.is("sheetData"):
				sc.done = true
				return row, sc.endCell(&row)
			}
			continue
		}
		switch {
		case s.is("row"): // the row before was never closed
			sc.held = true
			return row, sc.endCell(&row)
		case s.is("c"):
			if err := sc.endCell(&row); err != nil {
				return row, err
			}
			if err := sc.startCell(); err != nil {
				return row, err
			}
			if s.empty {
				if err := sc.endCell(&row); err != nil {
					return row, err
				}
			}
		case s.is("v") && sc.inCell && !s.empty:
			sc.v, sc.vSize = s.text(sc.v[:0], MaxCellBytes+1)
			sc.hasV = true
		case s.is("is") && sc.inCell:
			sc.hasInline, sc.inInline = true, !s.empty
		case s.is("rPh") && sc.inInline:
			sc.inPhonetic = !s.empty
		case s.is("t") && sc.inInline && !sc.inPhonetic && !s.empty:
			var n int
			sc.inline, n = s.text(sc.inline, MaxCellBytes+1)
			sc.inlineSize += n
		}
	}
	sc.done = true
	if err := sc.endCell(&row); err != nil {
		return row, err
	}
	if err := s.Err(); err != nil {
		return row, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	return row, nil
}

func (sc *sheetScan) end() error {
	sc.done = true
	if err := sc.s.Err(); err != nil {
		return fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	return io.EOF
}

// startCell reads the attributes of a <c>.
func (sc *sheetScan) startCell() error {
	s := sc.s
	sc.inCell, sc.inInline, sc.inPhonetic = true, false, false
	sc.hasV, sc.hasInline = false, false
	sc.v, sc.inline, sc.vSize, sc.inlineSize = sc.v[:0], sc.inline[:0], 0, 0
	sc.col++
	if v, ok := s.attr("r"); ok && len(v) > 0 {
		c, _, ok := parseCellRef(v)
		if !ok || c == 0 {
			return fmt.Errorf("%w: a cell's reference %q is not a cell", ErrMalformed, clip(v))
		}
		sc.col = c
	}
	sc.style = kindPlain
	if v, ok := s.attr("s"); ok {
		if i, ok := atoi(v); ok && i < len(sc.kinds) {
			sc.style = sc.kinds[i]
		}
	}
	t, _ := s.attr("t")
	sc.typ = typeOf(t)
	return nil
}

// cellType is a cell's t attribute.
type cellType uint8

const (
	typeNumber cellType = iota // t absent or "n": its style may make it a date
	typeShared                 // "s": an index into the shared strings
	typeInline                 // "inlineStr": the text is in <is>
	typeBool                   // "b": 1 or 0
	typeDate                   // "d": an ISO 8601 date-time
	typeText                   // "str", "e" and the rest: a formula's text, an error such as #N/A
)

func typeOf(t []byte) cellType {
	switch string(t) {
	case "s":
		return typeShared
	case "inlineStr":
		return typeInline
	case "b":
		return typeBool
	case "d":
		return typeDate
	case "", "n":
		return typeNumber
	}
	return typeText
}

// endCell makes the text of the cell being read and puts it in the row.
func (sc *sheetScan) endCell(row *sheetRow) error {
	if !sc.inCell {
		return nil
	}
	sc.inCell = false
	ref := func() string { name, _ := columnName(sc.col); return fmt.Sprintf("%s%d", name, sc.last) }
	raw, size := sc.v, sc.vSize
	if sc.typ == typeInline && sc.hasInline {
		raw, size = sc.inline, sc.inlineSize
	}
	if size > MaxCellBytes {
		if row.over.col == 0 {
			row.over = oversize{sc.col, size}
		}
		sc.put(row, string(raw))
		return nil
	}
	var value string
	switch sc.typ {
	case typeShared:
		if !sc.hasV || len(raw) == 0 {
			return nil
		}
		i, ok := atoi(bytes.TrimSpace(raw))
		if !ok {
			return fmt.Errorf("%w: cell %s refers to shared string %q, which is not a number", ErrMalformed, ref(), clip(raw))
		}
		if value, ok = sc.sst.get(i); !ok {
			return fmt.Errorf("%w: cell %s refers to shared string %d; the workbook has %d", ErrMalformed, ref(), i, len(sc.sst.ends))
		}
	case typeInline:
		if sc.hasInline {
			raw = bstrDecode(raw)
		}
		fallthrough
	default:
		if !utf8.Valid(raw) {
			return fmt.Errorf("%w: cell %s holds bytes that are not UTF-8 text; open the workbook in Excel or WPS and save it again",
				ErrMalformed, ref())
		}
		value = string(raw)
	}
	if value == "" {
		return nil
	}
	switch sc.typ {
	case typeNumber:
		if sc.style != kindPlain {
			value = formatSerial(value, sc.style, sc.date1904)
		}
	case typeBool:
		switch value {
		case "1":
			value = "TRUE"
		case "0":
			value = "FALSE"
		}
	case typeDate:
		value = formatISO(value, sc.style)
	}
	sc.put(row, value)
	return nil
}

func (sc *sheetScan) put(row *sheetRow, value string) {
	for len(row.cells) < sc.col {
		row.cells = append(row.cells, "")
	}
	row.cells[sc.col-1] = value
}

// clip shortens hostile attribute text quoted in a message.
func clip(b []byte) string {
	if len(b) > 20 {
		return string(b[:20]) + "…"
	}
	return string(b)
}

// columnName turns 28 into AB.
func columnName(col int) (string, bool) {
	if col < 1 || col > 16384 {
		return "", false
	}
	var b [3]byte
	i := len(b)
	for col > 0 {
		col--
		i--
		b[i] = byte('A' + col%26)
		col /= 26
	}
	return string(b[i:]), true
}
