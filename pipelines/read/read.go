// Package read turns an extract file into a stream of raw rows.
//
// It is the first stage of the ingest road (read ─► map headers ─► normalise
// + validate ─► load): it decides the format (CSV/TSV text or XLSX), decodes
// the text (UTF-8, UTF-8 with BOM, GB18030/GBK), and hands back each
// non-blank row as raw cell text with the row number the office sees in its
// spreadsheet or editor. It does not look for the header, map columns or
// judge values; those stages need the title rows, 合计 rows and footers that
// it passes through untouched.
package read

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// Options chooses what Open would otherwise detect. The zero value detects
// everything.
type Options struct {
	// Encoding of a CSV file: "" detects it; "utf-8" or "gb18030" forces
	// one ("gbk", "gb2312" and "cp936" mean gb18030, which contains them).
	// Ignored for XLSX.
	Encoding string
	// Sheet of an XLSX workbook to read; "" takes the first sheet that
	// holds any data (visible sheets before hidden ones). Ignored for CSV.
	Sheet string

	// unpack lowers the bounds on unpacking an XLSX (the tests' small
	// fixtures); nil is defaultUnpackLimits.
	unpack *unpackLimits
}

// Row is one non-blank row of the file.
type Row struct {
	// Line is 1-based: the spreadsheet row number, or the CSV line on which
	// the record starts (a quoted field may carry it over several lines).
	Line int
	// Cells is the raw text of each cell, trailing empty cells dropped, so
	// len(Cells) > 0. In XLSX a merged range shows its top-left value in
	// every cell it covers, and a date-formatted cell reads as 2006-01-02
	// (2006-01-02 15:04:05 or 15:04:05 if its format shows a time). The
	// slice belongs to the caller.
	Cells []string
}

// Reader streams the rows of one file. It is not safe for concurrent use.
type Reader interface {
	// Next returns the next non-blank row, or io.EOF after the last one.
	// After any other error the reader is spent and returns that error
	// again.
	Next() (Row, error)
	// Sheet is the XLSX sheet being read, "" for CSV.
	Sheet() string
	// Encoding is how the text was decoded: utf-8, utf-8-bom, gb18030, or
	// xlsx for a workbook.
	Encoding() string
	Close() error
}

// Encodings reported by Reader.Encoding.
const (
	EncodingUTF8    = "utf-8"
	EncodingUTF8BOM = "utf-8-bom"
	EncodingGB18030 = "gb18030"
	EncodingXLSX    = "xlsx"
)

// Reasons a file or a row is refused, for errors.Is. The message that wraps
// them names the file, the line where there is one, and what to do.
var (
	// ErrUnsupported: not a format this package reads (legacy .xls, binary
	// data, an HTML page saved as .xls, UTF-16 text, a zip that is not an
	// XLSX workbook), or an unknown encoding name.
	ErrUnsupported = errors.New("unsupported file")
	// ErrEncoding: the text does not decode in the detected or forced
	// encoding.
	ErrEncoding = errors.New("undecodable text")
	// ErrTooLarge: a bound for hostile input was crossed (cell, row,
	// record, unpacked workbook, merged ranges).
	ErrTooLarge = errors.New("input too large")
	// ErrEmpty: the file, or the chosen sheet, holds no non-blank row.
	ErrEmpty = errors.New("no data")
	// ErrNoSheet: the requested sheet is not in the workbook.
	ErrNoSheet = errors.New("no such sheet")
	// ErrMalformed: an XLSX file whose zip or XML structure is damaged.
	ErrMalformed = errors.New("damaged file")
)

// Bounds on hostile input. A real extract is far inside them: Excel itself
// caps a cell at 32,767 characters, and an office table has tens of columns.
const (
	MaxCellBytes = 1 << 20 // one cell
	MaxRowCells  = 1000    // non-empty-terminated cells in one row
	// maxRecordBytes bounds one CSV record while encoding/csv buffers it, so
	// an unclosed quote that swallows the rest of a large file fails early
	// instead of holding the whole file in memory.
	maxRecordBytes = 16 << 20
)

// unpackLimits bound the unpacking of one workbook. They are the
// workbook's own, not package variables, so that a test can lower them for
// its fixture without touching any other reading.
type unpackLimits struct {
	// unzipped is the total unpacked size of a workbook's parts. A full
	// Excel sheet of a million 13-column rows unpacks to about 600 MB.
	unzipped int64
	// partInMemory is the size above which a sheet being read is unpacked
	// to a temporary file instead of memory: a sheet of about 25,000 rows.
	partInMemory int64
}

func defaultUnpackLimits() unpackLimits {
	return unpackLimits{unzipped: 1 << 30, partInMemory: 16 << 20}
}

func (o Options) unpackLimits() unpackLimits {
	if o.unpack != nil {
		return *o.unpack
	}
	return defaultUnpackLimits()
}

// Other bounds on XLSX unpacking.
const (
	// maxMerges bounds the merged ranges of one sheet.
	maxMerges = 1_000_000
	// maxPartRatio bounds how far one large part may unpack per byte
	// stored. Sheet XML that Excel, WPS or excelize write unpacks 5–25
	// times (rows of empty formatted cells are the most repetitive), and a
	// shared-string table holds each text once, so it compresses less; a
	// zip bomb unpacks several hundred to a thousand times. Parts under
	// ratioFloor are small enough not to matter.
	maxPartRatio = 100
	ratioFloor   = 32 << 20
	// maxSharedStrings bounds the shared-string table, whose text is held
	// in memory while the workbook is read (with four bytes a string); a
	// million-row extract's table is around 150 MB.
	maxSharedStrings = 256 << 20
	// maxStylesPart bounds the style table: Excel's own limit of about
	// 64,000 styles fits in a few MiB.
	maxStylesPart = 16 << 20
)

// sniffBytes is the first block read to tell the format and the encoding.
const sniffBytes = 1 << 20

// ctxCheckEvery is how many rows pass between checks of the context: often
// enough to stop within milliseconds, rarely enough to cost nothing.
const ctxCheckEvery = 4096

// Error is a failure tied to a file and, where known, a sheet and a line.
// Its message reads "read PATH line N: reason"; Unwrap gives the reason, so
// errors.Is(err, ErrEncoding) and friends work.
type Error struct {
	Path  string
	Sheet string // XLSX only
	Line  int    // 0 when the failure is not tied to a row
	// Column is the 1-based field of the row the failure is in, 0 when it
	// is not tied to one (the message says "field N" then).
	Column int
	Err    error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("read ")
	b.WriteString(e.Path)
	if e.Sheet != "" {
		fmt.Fprintf(&b, " sheet %q", e.Sheet)
	}
	if e.Line > 0 {
		fmt.Fprintf(&b, " line %d", e.Line)
	}
	b.WriteString(": ")
	b.WriteString(e.Err.Error())
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// File signatures.
var (
	zipMagic      = []byte("PK\x03\x04")
	zipEmptyMagic = []byte("PK\x05\x06")
	oleMagic      = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}
	utf8BOM       = []byte{0xEF, 0xBB, 0xBF}
)

// Open opens path and prepares to stream its rows. The format comes from
// the content (a zip is XLSX, an OLE2 container is refused as legacy .xls,
// anything else must be text); the extension only sharpens messages. Open
// reads as far as the first non-blank row, so a file with none fails here
// with ErrEmpty.
func Open(ctx context.Context, path string, opt Options) (Reader, error) {
	if err := ctx.Err(); err != nil {
		return nil, &Error{Path: path, Err: err}
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, &Error{Path: path, Err: err}
	}
	head := make([]byte, sniffBytes)
	n, err := io.ReadFull(f, head)
	head = head[:n]
	full := err == nil
	if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
		f.Close()
		return nil, &Error{Path: path, Err: err}
	}
	if n == 0 {
		f.Close()
		return nil, &Error{Path: path, Err: fmt.Errorf("%w: the file is empty (0 bytes)", ErrEmpty)}
	}
	ext := strings.ToLower(filepath.Ext(path))
	switch {
	case bytes.HasPrefix(head, zipMagic) || bytes.HasPrefix(head, zipEmptyMagic):
		f.Close()
		if isODS(path) {
			return openConverted(ctx, path, opt)
		}
		return openXLSX(ctx, path, opt)
	case bytes.HasPrefix(head, oleMagic):
		f.Close()
		if ext == ".xlsx" || ext == ".xlsm" {
			return nil, &Error{Path: path, Err: fmt.Errorf("%w: the workbook is password-protected (encrypted); "+
				"open it in Excel, remove the password and save it again as .xlsx", ErrUnsupported)}
		}
		// A legacy .xls or WPS .et workbook: read through LibreOffice.
		return openConverted(ctx, path, opt)
	}
	r, err := openCSV(ctx, path, f, head, full, opt)
	if err != nil {
		f.Close()
		return nil, err
	}
	return r, nil
}

// openConverted reads a legacy workbook through a converted copy, removed
// when the reader closes.
func openConverted(ctx context.Context, path string, opt Options) (Reader, error) {
	b, err := OpenBook(ctx, path)
	if err != nil {
		return nil, err
	}
	r, err := b.Open(ctx, opt)
	if err != nil {
		return nil, errors.Join(err, b.Close())
	}
	return &bookReader{Reader: r, book: b}, nil
}

// bookReader closes its book with the reader.
type bookReader struct {
	Reader
	book *Book
}

func (r *bookReader) Close() error { return errors.Join(r.Reader.Close(), r.book.Close()) }
