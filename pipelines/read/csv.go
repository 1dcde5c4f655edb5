package read

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/transform"
)

// csvReader streams a delimited text file through encoding/csv.
type csvReader struct {
	ctx      context.Context
	path     string
	file     *os.File
	text     *textReader
	csv      *csv.Reader
	encoding string
	check    textCheck

	rows     int      // rows returned, for the context check
	last     []string // the last record read, to place a record-size error
	lastLine int
	pending  *Row  // the first row, read by Open to refuse empty files
	err      error // sticky

	utf8Lines *utf8LineSpotter // GB18030 files only
}

// textCheck is what Next verifies in each field, given how the text was
// decoded.
type textCheck int

const (
	checkUTF8Detected textCheck = iota // UTF-8 guessed from the first block
	checkUTF8                          // UTF-8 by BOM or by --encoding
	checkGB18030                       // decoded from GB18030
)

var _ Reader = (*csvReader)(nil)

func openCSV(ctx context.Context, path string, f *os.File, head []byte, full bool, opt Options) (*csvReader, error) {
	fail := func(line int, err error) (*csvReader, error) {
		return nil, &Error{Path: path, Line: line, Err: err}
	}
	if bytes.HasPrefix(head, []byte{0xFF, 0xFE}) || bytes.HasPrefix(head, []byte{0xFE, 0xFF}) {
		return fail(0, fmt.Errorf("%w: the file is UTF-16 text (Excel's \"Unicode Text\"); "+
			"save it from Excel as \"CSV UTF-8 (Comma delimited)\" or as .xlsx", ErrUnsupported))
	}
	forced, err := encodingName(opt.Encoding)
	if err != nil {
		return fail(0, err)
	}
	hasBOM := bytes.HasPrefix(head, utf8BOM)
	body := head
	if hasBOM {
		body = head[len(utf8BOM):]
		if len(body) == 0 && !full {
			return fail(0, fmt.Errorf("%w: the file holds only a byte-order mark", ErrEmpty))
		}
	}
	if looksLikeMarkup(body) {
		return fail(0, fmt.Errorf("%w: the file is an HTML or XML page, not CSV or XLSX "+
			"(some systems save web tables with an .xls name); open it in Excel and save it as .xlsx", ErrUnsupported))
	}
	if i := bytes.IndexByte(body, 0); i >= 0 {
		return fail(0, fmt.Errorf("%w: not a text file (binary data at byte %d); "+
			"expected CSV text or an .xlsx workbook", ErrUnsupported, i+1+len(head)-len(body)))
	}

	// The sample ends on a line break so that the block edge cannot split a
	// multi-byte character: no byte of a UTF-8 or GB18030 multi-byte
	// sequence is below 0x30.
	sample := body
	if full {
		sample = cutAtLineEnd(sample)
	}
	r := &csvReader{ctx: ctx, path: path, file: f}
	var decoded []byte // the sample as UTF-8, for the delimiter sniffer
	switch {
	case forced == EncodingGB18030:
		if hasBOM {
			return fail(1, fmt.Errorf("%w: the file starts with a UTF-8 byte-order mark but --encoding gb18030 was given; "+
				"drop --encoding", ErrEncoding))
		}
		if utf8.Valid(sample) && !isASCII(sample) {
			return fail(0, fmt.Errorf("%w: the file is UTF-8 text but --encoding gb18030 was given; "+
				"drop --encoding or use --encoding utf-8", ErrEncoding))
		}
		if decoded, err = decodeGB18030Sample(sample); err != nil {
			if line := utf8LineIn(sample); line > 0 {
				return fail(line, errTwoEncodings)
			}
			return fail(lineOfReplacement(decoded), fmt.Errorf("%w: bytes that are not GB18030 text "+
				"(--encoding gb18030 was given)", ErrEncoding))
		}
		r.encoding, r.check = EncodingGB18030, checkGB18030
	case forced == EncodingUTF8 || hasBOM:
		if i := invalidUTF8(sample); i >= 0 {
			hint := "the file starts with a UTF-8 byte-order mark"
			if forced == EncodingUTF8 {
				hint = "--encoding utf-8 was given"
			}
			return fail(lineAt(sample, i), fmt.Errorf("%w: not valid UTF-8 although %s; "+
				"if the file was saved by Windows Excel, try --encoding gb18030", ErrEncoding, hint))
		}
		decoded = sample
		r.encoding, r.check = EncodingUTF8, checkUTF8
		if hasBOM {
			r.encoding = EncodingUTF8BOM
		}
	case utf8.Valid(sample):
		decoded = sample
		r.encoding, r.check = EncodingUTF8, checkUTF8Detected
	default:
		if decoded, err = decodeGB18030Sample(sample); err != nil {
			if line := utf8LineIn(sample); line > 0 {
				return fail(line, errTwoEncodings)
			}
			return fail(lineOfReplacement(decoded), fmt.Errorf("%w: the text is neither UTF-8 nor GB18030 "+
				"(Big5, UTF-16 or a damaged file?); save it from Excel as \"CSV UTF-8 (Comma delimited)\" or as .xlsx", ErrEncoding))
		}
		r.encoding, r.check = EncodingGB18030, checkGB18030
	}

	var src io.Reader = io.MultiReader(bytes.NewReader(body), f)
	if r.check == checkGB18030 {
		r.utf8Lines = &utf8LineSpotter{src: src, line: 1}
		src = transform.NewReader(r.utf8Lines, simplifiedchinese.GB18030.NewDecoder())
	}
	r.text = newTextReader(src)
	r.csv = csv.NewReader(bufio.NewReaderSize(r.text, 64<<10))
	r.csv.Comma = sniffDelimiter(decoded)
	// LazyQuotes: hand-made extracts carry stray quotes (身高175", 5'11") that
	// strict RFC 4180 parsing would refuse; rows vary in width (titles,
	// footers), so no fixed field count.
	r.csv.LazyQuotes = true
	r.csv.FieldsPerRecord = -1

	row, err := r.Next()
	if err == io.EOF {
		return fail(0, fmt.Errorf("%w: the file holds no non-blank row", ErrEmpty))
	}
	if err != nil {
		return nil, err
	}
	r.pending = &row
	return r, nil
}

func (r *csvReader) Sheet() string    { return "" }
func (r *csvReader) Encoding() string { return r.encoding }
func (r *csvReader) Close() error     { return r.file.Close() }

func (r *csvReader) Next() (Row, error) {
	if r.pending != nil {
		row := *r.pending
		r.pending = nil
		return row, nil
	}
	if r.err != nil {
		return Row{}, r.err
	}
	row, err := r.next()
	if err != nil {
		r.err = err
	}
	return row, err
}

func (r *csvReader) next() (Row, error) {
	for {
		if r.rows%ctxCheckEvery == 0 {
			if err := r.ctx.Err(); err != nil {
				return Row{}, &Error{Path: r.path, Err: err}
			}
		}
		r.text.startRecord()
		rec, err := r.csv.Read()
		if r.utf8Lines != nil && r.utf8Lines.found > 0 {
			// UTF-8 text decoded as GB18030 would load as mojibake without
			// a single undecodable byte: refuse the file instead.
			return Row{}, &Error{Path: r.path, Line: r.utf8Lines.found, Err: errTwoEncodings}
		}
		if err == io.EOF {
			return Row{}, io.EOF
		}
		if err != nil {
			if errors.Is(err, errRecordTooLarge) {
				return Row{}, &Error{Path: r.path, Line: r.nextRecordLine(), Err: fmt.Errorf(
					"%w: a record starting at or after this line runs past %d MiB; is a quote left open?",
					ErrTooLarge, maxRecordBytes>>20)}
			}
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return Row{}, &Error{Path: r.path, Line: pe.Line, Err: fmt.Errorf("%w: %w", ErrMalformed, pe.Err)}
			}
			return Row{}, &Error{Path: r.path, Line: r.nextRecordLine(), Err: err}
		}
		n := len(rec)
		for n > 0 && rec[n-1] == "" {
			n--
		}
		if n == 0 {
			continue // a line of bare delimiters, as Excel writes between blocks
		}
		rec = rec[:n]
		line, _ := r.csv.FieldPos(0)
		r.last, r.lastLine = rec, line
		if n > MaxRowCells {
			return Row{}, &Error{Path: r.path, Line: line, Err: fmt.Errorf(
				"%w: the row has %d cells; the limit is %d", ErrTooLarge, n, MaxRowCells)}
		}
		for i, cell := range rec {
			if len(cell) > MaxCellBytes {
				l, _ := r.csv.FieldPos(i)
				return Row{}, &Error{Path: r.path, Line: l, Column: i + 1, Err: fmt.Errorf(
					"%w: field %d holds %d bytes; a cell may hold at most 1 MiB", ErrTooLarge, i+1, len(cell))}
			}
			if err := r.checkText(cell); err != nil {
				l, _ := r.csv.FieldPos(i)
				return Row{}, &Error{Path: r.path, Line: l + strings.Count(cell[:badIndex(r.check, cell)], "\n"), Column: i + 1,
					Err: fmt.Errorf("field %d: %w", i+1, err)}
			}
		}
		r.rows++
		return Row{Line: line, Cells: rec}, nil
	}
}

// checkText refuses a field the decoder could not make sense of: invalid
// UTF-8 in a UTF-8 file, or U+FFFD where the GB18030 decoder met bytes that
// are not GB18030.
func (r *csvReader) checkText(cell string) error {
	switch r.check {
	case checkGB18030:
		if strings.Contains(cell, "\uFFFD") {
			return fmt.Errorf("%w: bytes that are not GB18030 text", ErrEncoding)
		}
	default:
		if utf8.ValidString(cell) {
			return nil
		}
		if r.check == checkUTF8Detected {
			return fmt.Errorf("%w: not valid UTF-8, although the first %d MiB of the file was; "+
				"if the file was saved by Windows Excel, load it with --encoding gb18030", ErrEncoding, sniffBytes>>20)
		}
		return fmt.Errorf("%w: not valid UTF-8", ErrEncoding)
	}
	return nil
}

// badIndex is where in cell checkText found fault, to name the exact line
// inside a multi-line field.
func badIndex(check textCheck, cell string) int {
	if check == checkGB18030 {
		return strings.Index(cell, "\uFFFD")
	}
	return invalidUTF8([]byte(cell))
}

// nextRecordLine is the first line after the last record returned: where
// the record that failed to read began, or a blank line before it.
func (r *csvReader) nextRecordLine() int {
	if r.last == nil {
		return 1
	}
	line := r.lastLine + 1
	for _, c := range r.last {
		line += strings.Count(c, "\n")
	}
	return line
}

// encodingName maps the --encoding flag to an encoding, "" meaning detect.
func encodingName(name string) (string, error) {
	switch strings.ToLower(strings.TrimSpace(name)) {
	case "":
		return "", nil
	case "utf-8", "utf8", "utf-8-bom":
		return EncodingUTF8, nil
	case "gb18030", "gbk", "gb2312", "cp936", "936":
		return EncodingGB18030, nil
	}
	return "", fmt.Errorf("%w: encoding %q; use utf-8 or gb18030 (which covers gbk and gb2312)", ErrUnsupported, name)
}

// decodeGB18030Sample decodes the sample and reports an error if the
// decoder had to substitute U+FFFD anywhere.
func decodeGB18030Sample(sample []byte) ([]byte, error) {
	out, err := simplifiedchinese.GB18030.NewDecoder().Bytes(sample)
	if err != nil {
		return out, err
	}
	if bytes.Contains(out, []byte("\uFFFD")) {
		return out, ErrEncoding
	}
	return out, nil
}

func lineOfReplacement(decoded []byte) int {
	i := bytes.Index(decoded, []byte("\uFFFD"))
	if i < 0 {
		return 0
	}
	return lineAt(decoded, i)
}

// lineAt is the 1-based line holding byte i, counting line breaks as the
// reader does (LF, CRLF, and a lone CR).
func lineAt(b []byte, i int) int {
	line := 1
	for j := 0; j < i && j < len(b); j++ {
		if b[j] == '\n' || (b[j] == '\r' && (j+1 >= len(b) || b[j+1] != '\n')) {
			line++
		}
	}
	return line
}

// invalidUTF8 is the index of the first byte that does not start a valid
// UTF-8 sequence, or -1.
func invalidUTF8(b []byte) int {
	for i := 0; i < len(b); {
		if b[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size == 1 {
			return i
		}
		i += size
	}
	return -1
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// cutAtLineEnd trims a block that stops mid-file to its last line break. A
// block without one (a single enormous line) loses up to three trailing
// non-ASCII bytes instead, the most a multi-byte character can leave behind.
func cutAtLineEnd(b []byte) []byte {
	if i := bytes.LastIndexAny(b, "\r\n"); i >= 0 {
		return b[:i+1]
	}
	for k := 0; k < 3 && len(b) > 0 && b[len(b)-1] >= 0x80; k++ {
		b = b[:len(b)-1]
	}
	return b
}

// looksLikeMarkup spots web pages and Excel 2003 XML saved under a
// spreadsheet name, which would otherwise read as one column of tags.
func looksLikeMarkup(b []byte) bool {
	b = bytes.TrimLeft(b, " \t\r\n")
	if len(b) == 0 || b[0] != '<' {
		return false
	}
	if len(b) > 4096 {
		b = b[:4096]
	}
	lower := bytes.ToLower(b)
	for _, tag := range []string{"<html", "<table", "<?xml", "<!doctype"} {
		if bytes.Contains(lower, []byte(tag)) {
			return true
		}
	}
	return false
}

// delimiters the sniffer considers, in order of preference on a tie.
var delimiters = [...]byte{',', '\t', ';', '|'}

// sniffDelimiter picks the delimiter that splits the most of the first
// records into the same number of fields. Title rows (one cell) and footers
// (填表人…) disagree with the table and lose the vote; quoted text is
// skipped so that commas inside a quoted address do not count.
func sniffDelimiter(text []byte) rune {
	const maxText, maxRecords = 64 << 10, 50
	if len(text) > maxText {
		text = text[:maxText]
	}
	var counts [len(delimiters)][]int
	var cur [len(delimiters)]int
	inQuote, nonBlank, records := false, false, 0
	flush := func() {
		if nonBlank {
			for k := range delimiters {
				counts[k] = append(counts[k], cur[k])
			}
			records++
		}
		cur, nonBlank = [len(delimiters)]int{}, false
	}
	for i := 0; i < len(text) && records < maxRecords; i++ {
		c := text[i]
		switch {
		case c == '"':
			inQuote, nonBlank = !inQuote, true
		case inQuote:
		case c == '\n' || c == '\r':
			flush()
		default:
			nonBlank = true
			for k, d := range delimiters {
				if c == d {
					cur[k]++
				}
			}
		}
	}
	flush()
	best, bestFreq, bestMode := rune(','), 0, 0
	for k, d := range delimiters {
		freq := map[int]int{}
		mode, modeFreq := 0, 0
		for _, n := range counts[k] {
			if n == 0 {
				continue
			}
			freq[n]++
			if freq[n] > modeFreq || (freq[n] == modeFreq && n > mode) {
				mode, modeFreq = n, freq[n]
			}
		}
		if modeFreq > bestFreq || (modeFreq == bestFreq && mode > bestMode) {
			best, bestFreq, bestMode = rune(d), modeFreq, mode
		}
	}
	return best
}

// errRecordTooLarge stops encoding/csv from buffering a runaway record.
var errRecordTooLarge = errors.New("record too large")

// textReader sits between the decoded text and encoding/csv. It turns a
// lone CR (classic Mac line ends, some legacy exporters) into LF, because
// encoding/csv only understands LF and CRLF and would otherwise see the
// whole file as one line; a CR inside a quoted field becomes LF too, as
// encoding/csv already does for CRLF. It also counts the bytes handed out
// since the current record began, so a runaway record stops at
// maxRecordBytes.
type textReader struct {
	src    io.Reader
	buf    []byte
	lo, hi int
	held   bool // the last chunk ended in CR: a CRLF or a lone CR, not known yet
	err    error
	given  int
}

func newTextReader(src io.Reader) *textReader {
	return &textReader{src: src, buf: make([]byte, 64<<10)}
}

func (t *textReader) startRecord() { t.given = 0 }

func (t *textReader) Read(p []byte) (int, error) {
	if t.given > maxRecordBytes {
		return 0, errRecordTooLarge
	}
	for t.lo == t.hi {
		if t.err != nil {
			return 0, t.err
		}
		t.fill()
	}
	n := copy(p, t.buf[t.lo:t.hi])
	t.lo += n
	t.given += n
	return n, nil
}

func (t *textReader) fill() {
	k := 0
	if t.held {
		t.buf[0], k = '\r', 1
	}
	n, err := t.src.Read(t.buf[k:])
	n += k
	t.err = err
	b := t.buf[:n]
	end := n
	t.held = false
	if err == nil && n > 0 && b[n-1] == '\r' {
		t.held = true
		end--
	}
	for i := 0; i < end; {
		j := bytes.IndexByte(b[i:end], '\r')
		if j < 0 {
			break
		}
		i += j
		if i+1 >= n || b[i+1] != '\n' {
			b[i] = '\n'
		}
		i++
	}
	t.lo, t.hi = 0, end
}

// utf8LineSpotter watches the raw bytes of a file read as GB18030 for a
// line that is UTF-8 Chinese instead: every byte of the line valid UTF-8,
// with at least minUTF8Hanzi three-byte characters of the CJK blocks
// (lead bytes E4–E9). Such a line decodes as GB18030 into plausible-looking
// nonsense, not into an error. GB18030 Chinese text rarely passes: a
// character's lead byte is mostly B0–F7 and its trail A1–FE, while a
// UTF-8 three-byte sequence needs a lead E0–EF followed by two bytes 80–BF;
// four such sequences in a row of GB18030 text are about as likely as
// 1 in 10^9.
type utf8LineSpotter struct {
	src   io.Reader
	line  int  // 1-based line of the next byte
	cr    bool // the last byte was CR: an LF next ends no further line
	need  int  // continuation bytes still expected
	cjk   bool // the sequence in progress started with E4–E9
	hanzi int  // complete CJK sequences on the line
	dirty bool // the line has a byte that rules it out
	found int  // first line found to be UTF-8 Chinese; 0 = none
}

const minUTF8Hanzi = 4

var errTwoEncodings = fmt.Errorf("%w: this line is UTF-8 text in a file otherwise GB18030 (two encodings in one file); "+
	"save the whole file again in one encoding, preferably \"CSV UTF-8 (Comma delimited)\"", ErrEncoding)

// utf8LineIn is the first line of b that is UTF-8 Chinese, or 0.
func utf8LineIn(b []byte) int {
	u := &utf8LineSpotter{line: 1}
	u.scan(b)
	u.endLine()
	return u.found
}

func (u *utf8LineSpotter) Read(p []byte) (int, error) {
	n, err := u.src.Read(p)
	if u.found == 0 {
		u.scan(p[:n])
		if err == io.EOF {
			u.endLine() // a last line without a line break
		}
	}
	return n, err
}

func (u *utf8LineSpotter) scan(b []byte) {
	for _, c := range b {
		if c == '\n' && u.cr {
			u.cr = false
			continue
		}
		u.cr = c == '\r'
		switch {
		case c == '\n' || c == '\r':
			u.endLine()
			u.line++
			continue
		case u.dirty:
			continue
		case c < 0x80:
			if u.need > 0 {
				u.dirty = true
			}
		case c <= 0xBF:
			if u.need == 0 {
				u.dirty = true
				continue
			}
			if u.need--; u.need == 0 && u.cjk {
				u.hanzi++
			}
		case c >= 0xC2 && c <= 0xDF:
			u.start(1, false)
		case c >= 0xE0 && c <= 0xEF:
			u.start(2, c >= 0xE4 && c <= 0xE9)
		case c >= 0xF0 && c <= 0xF4:
			u.start(3, false)
		default:
			u.dirty = true
		}
	}
}

func (u *utf8LineSpotter) start(need int, cjk bool) {
	if u.need > 0 {
		u.dirty = true
		return
	}
	u.need, u.cjk = need, cjk
}

func (u *utf8LineSpotter) endLine() {
	if !u.dirty && u.need == 0 && u.hanzi >= minUTF8Hanzi && u.found == 0 {
		u.found = u.line
	}
	u.need, u.cjk, u.hanzi, u.dirty = 0, false, 0, false
}
