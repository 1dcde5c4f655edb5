package read

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/richardlehane/mscfb"

	filecopy "enlist/internal/files"
)

// Book is one delivered file: a CSV, or a workbook whose sheets can each be
// read. A legacy workbook (.xls, WPS .et, OpenDocument .ods) is converted
// to .xlsx once when the book is opened, and the copy removed on Close; the
// office's file itself is never changed.
type Book struct {
	path      string // as delivered
	file      string // what is read: path, or the converted copy
	format    string // csv, xlsx, xls, et or ods
	sheets    []Sheet
	wb        *workbook // opened once for all its sheets; nil for CSV and an encrypted .xlsx
	cleanup   func()
	converted bool
}

// Sheet is a worksheet of a workbook.
type Sheet struct {
	Name   string
	Hidden bool
	Empty  bool // no part, or a part with no cell
}

// Formats of a delivered file, as Book.Format reports them.
const (
	FormatCSV  = "csv"
	FormatXLSX = "xlsx"
	FormatXLS  = "xls"
	FormatET   = "et"
	FormatODS  = "ods"
)

// ConvertTimeout bounds one LibreOffice conversion. A workbook of a
// hundred thousand rows converts in well under a minute on a small server;
// a hung soffice is killed after this.
const ConvertTimeout = 3 * time.Minute

// OpenBook opens a delivered file: it tells its format from its content,
// converts a legacy workbook through LibreOffice, and lists the sheets.
func OpenBook(ctx context.Context, path string) (*Book, error) {
	books, errs := OpenBooks(ctx, []string{path})
	if errs[0] != nil {
		return nil, errs[0]
	}
	return books[0], nil
}

// OpenBooks opens several delivered files, converting all the legacy
// workbooks among them in one LibreOffice run: each start of soffice costs
// seconds, a folder of .xls files would otherwise pay them once a file.
// books[i] is nil exactly when errs[i] says why.
func OpenBooks(ctx context.Context, paths []string) (books []*Book, errs []error) {
	books = make([]*Book, len(paths))
	errs = make([]error, len(paths))
	var legacy []int
	for i, path := range paths {
		b, err := sniffBook(path)
		if err != nil {
			errs[i] = &Error{Path: path, Err: err}
			continue
		}
		books[i] = b
		if b.format != FormatXLSX && b.format != FormatCSV {
			legacy = append(legacy, i)
		}
	}
	if len(legacy) > 0 {
		var in []string
		var formats []string
		for _, i := range legacy {
			in, formats = append(in, paths[i]), append(formats, books[i].format)
		}
		files, cleanups, cerrs := convertToXLSX(ctx, in, formats)
		for k, i := range legacy {
			if cerrs[k] != nil {
				books[i], errs[i] = nil, &Error{Path: paths[i], Err: cerrs[k]}
				continue
			}
			books[i].file, books[i].cleanup, books[i].converted = files[k], cleanups[k], true
		}
	}
	for i, b := range books {
		if b == nil || b.format == FormatCSV {
			continue
		}
		if err := b.listSheets(); err != nil {
			b.Close()
			books[i], errs[i] = nil, err
		}
	}
	return books, errs
}

// sniffBook tells a file's format from its first bytes.
func sniffBook(path string) (*Book, error) {
	head, err := readHead(path, 8)
	if err != nil {
		return nil, err
	}
	b := &Book{path: path, file: path, format: FormatCSV, cleanup: func() {}}
	ext := strings.ToLower(filepath.Ext(path))
	switch {
	case bytes.HasPrefix(head, oleMagic):
		if ext == ".xlsx" || ext == ".xlsm" {
			// Open gives the password-protected message.
			b.format = FormatXLSX
			return b, nil
		}
		b.format = FormatXLS
		if ext == ".et" {
			b.format = FormatET
		}
		if err := checkOLEWorkbook(path, b.format); err != nil {
			return nil, err
		}
	case bytes.HasPrefix(head, zipMagic) || bytes.HasPrefix(head, zipEmptyMagic):
		b.format = FormatXLSX
		if isODS(path) {
			b.format = FormatODS
		}
	}
	return b, nil
}

// listSheets opens a workbook, which stays open for its sheets to be read,
// and lists them. An encrypted .xlsx (an OLE file) has none to list; Open
// refuses it with the reason.
func (b *Book) listSheets() error {
	if head, err := readHead(b.file, 8); err == nil && bytes.HasPrefix(head, oleMagic) {
		return nil
	}
	wb, err := openWorkbook(b.file, defaultUnpackLimits())
	if err != nil {
		return &Error{Path: b.path, Err: err}
	}
	b.wb = wb
	for _, s := range wb.sheets {
		empty := s.part == "" || wb.part(s.part) == nil
		if !empty {
			empty = wb.part(s.part).UncompressedSize64 == 0
		}
		b.sheets = append(b.sheets, Sheet{Name: s.name, Hidden: s.hidden, Empty: empty})
	}
	return nil
}

// Path is the file as delivered.
func (b *Book) Path() string { return b.path }

// Format is csv, xlsx, xls, et or ods.
func (b *Book) Format() string { return b.format }

// Sheets lists a workbook's sheets in workbook order; nil for CSV.
func (b *Book) Sheets() []Sheet { return b.sheets }

// Open reads one sheet (opt.Sheet; "" for the first with data) or the CSV.
// The sheets of a workbook are read from the one opened package: its
// styles and shared strings are read once, whatever the number of sheets.
// A reader may be used until the Book is closed.
func (b *Book) Open(ctx context.Context, opt Options) (Reader, error) {
	if b.wb == nil {
		return Open(ctx, b.path, opt)
	}
	r, err := openSheet(ctx, b.wb, b.path, opt)
	if err != nil {
		return nil, err
	}
	if b.converted {
		return &convertedReader{xlsxReader: r, format: b.format}, nil
	}
	return r, nil
}

// Close closes the workbook and removes the converted copy, if any.
func (b *Book) Close() error {
	var err error
	if b.wb != nil {
		err = b.wb.Close()
		b.wb = nil
	}
	b.cleanup()
	return err
}

// convertedReader reports the format the office sent, not the copy's.
type convertedReader struct {
	*xlsxReader
	format string
}

func (r *convertedReader) Encoding() string { return r.format }

func readHead(path string, n int) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	head := make([]byte, n)
	k, err := io.ReadFull(f, head)
	if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
		return nil, err
	}
	return head[:k], nil
}

// isODS tells an OpenDocument spreadsheet by its mimetype entry.
func isODS(path string) bool {
	zr, err := zip.OpenReader(path)
	if err != nil {
		return false
	}
	defer zr.Close()
	for _, f := range zr.File {
		if f.Name != "mimetype" {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			return false
		}
		defer rc.Close()
		b, _ := io.ReadAll(io.LimitReader(rc, 100))
		return strings.Contains(string(b), "opendocument.spreadsheet")
	}
	return false
}

// checkOLEWorkbook refuses an OLE2 container without the Workbook stream of
// an Excel 97-2003 (or WPS) workbook before LibreOffice is started: a
// damaged file, or a Word document renamed .xls, which LibreOffice would
// otherwise read as something else without complaint.
func checkOLEWorkbook(path, format string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	doc, err := mscfb.New(f)
	if err != nil {
		return fmt.Errorf("%w: %s whose structure is damaged (%w); open it in Excel or WPS and save it as .xlsx",
			ErrUnsupported, formatNames[format], err)
	}
	for entry, err := doc.Next(); err == nil; entry, err = doc.Next() {
		if strings.EqualFold(entry.Name, "Workbook") || strings.EqualFold(entry.Name, "Book") {
			return nil
		}
	}
	return fmt.Errorf("%w: %s, but it holds no workbook (damaged, or another kind of Office file); "+
		"open it in Excel or WPS and save it as .xlsx", ErrUnsupported, formatNames[format])
}

// ErrNoConverter: a legacy workbook arrived and LibreOffice is not installed.
var ErrNoConverter = errors.New("no converter for legacy workbooks")

// formatNames describe the legacy formats in messages.
var formatNames = map[string]string{
	FormatXLS: "a legacy Excel 97-2003 workbook (.xls)",
	FormatET:  "a WPS spreadsheet (.et)",
	FormatODS: "an OpenDocument spreadsheet (.ods)",
}

// sofficeNames are the commands LibreOffice installs.
var sofficeNames = []string{"soffice", "libreoffice"}

// convertToXLSX converts legacy workbooks with LibreOffice headless, in
// one run, each into a temporary folder of its own; it returns each .xlsx
// and a function removing its folder, or why it could not be converted.
// LibreOffice runs with its own profile (a shared profile would make a
// second soffice hand its work to the first, or fail while a person has
// LibreOffice open), on copies with plain names (soffice mangles some long
// or unusual names), under ConvertTimeout; the profile and copies are
// removed when it ends.
func convertToXLSX(ctx context.Context, paths, formats []string) ([]string, []func(), []error) {
	files := make([]string, len(paths))
	cleanups := make([]func(), len(paths))
	errs := make([]error, len(paths))
	failAll := func(err func(what string) error) ([]string, []func(), []error) {
		for i := range paths {
			errs[i] = err(formatNames[formats[i]])
		}
		return files, cleanups, errs
	}
	soffice := ""
	for _, name := range sofficeNames {
		if p, err := exec.LookPath(name); err == nil {
			soffice = p
			break
		}
	}
	if soffice == "" {
		return failAll(func(what string) error {
			return fmt.Errorf("%w: this is %s; enlist reads it through LibreOffice, which is not installed here: "+
				"install the Debian package libreoffice-calc (apt-get install libreoffice-calc), "+
				"or open the file in Excel or WPS and save it as .xlsx", ErrNoConverter, what)
		})
	}
	dir, err := os.MkdirTemp("", "enlist-convert-")
	if err != nil {
		return failAll(func(what string) error { return fmt.Errorf("convert %s: %w", what, err) })
	}
	defer os.RemoveAll(dir)
	args := []string{"--headless", "--norestore", "--nologo", "--nodefault", "--nolockcheck",
		"-env:UserInstallation=file://" + filepath.Join(dir, "profile"),
		"--convert-to", "xlsx", "--outdir", filepath.Join(dir, "out")}
	for i, p := range paths {
		in := filepath.Join(dir, fmt.Sprintf("book%d.%s", i, formats[i]))
		if err := filecopy.Copy(p, in); err != nil {
			return failAll(func(what string) error { return fmt.Errorf("convert %s: %w", what, err) })
		}
		args = append(args, in)
	}
	ctx, cancel := context.WithTimeout(ctx, ConvertTimeout*time.Duration(len(paths)))
	defer cancel()
	cmd := exec.CommandContext(ctx, soffice, args...)
	cmd.Env = append(os.Environ(), "HOME="+dir)
	// soffice starts a child (soffice.bin); a timeout must end both.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	out, runErr := cmd.CombinedOutput()
	if ctx.Err() != nil {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return failAll(func(what string) error {
				return fmt.Errorf("%w: this is %s; LibreOffice did not convert it within %s; open it in Excel or WPS and save it as .xlsx",
					ErrUnsupported, what, ConvertTimeout)
			})
		}
		return failAll(func(string) error { return ctx.Err() })
	}
	for i := range paths {
		what := formatNames[formats[i]]
		xlsx := filepath.Join(dir, "out", fmt.Sprintf("book%d.xlsx", i))
		if _, err := os.Stat(xlsx); err != nil {
			msg := strings.TrimSpace(string(out))
			if len(msg) > 300 {
				msg = msg[:300]
			}
			errs[i] = fmt.Errorf("%w: this is %s, and LibreOffice could not convert it (%v %s); is it damaged? "+
				"Open it in Excel or WPS and save it as .xlsx", ErrUnsupported, what, runErr, msg)
			continue
		}
		own, err := os.MkdirTemp("", "enlist-converted-")
		if err == nil {
			err = os.Rename(xlsx, filepath.Join(own, "book.xlsx"))
		}
		if err != nil {
			errs[i] = fmt.Errorf("convert %s: %w", what, err)
			continue
		}
		files[i] = filepath.Join(own, "book.xlsx")
		cleanups[i] = func() { os.RemoveAll(own) }
	}
	return files, cleanups, errs
}
