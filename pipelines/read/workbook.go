package read

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"fmt"
	"html"
	"io"
	"path"
	"strconv"
	"strings"
)

// workbook is an opened .xlsx package: its parts, its sheets, the date
// system, the number format of each cell style and, once a sheet needs
// them, the shared strings. A workbook is opened once and its sheets are
// all read from it.
type workbook struct {
	zip      *zip.ReadCloser
	parts    map[string]*zip.File // by normalised name
	sheets   []sheetInfo
	date1904 bool
	xfKinds  []cellKind // by cell style index (the s attribute of <c>)
	sstPath  string     // the shared-string part
	strings  stringTable
	limits   unpackLimits
}

type sheetInfo struct {
	name   string
	hidden bool
	part   string // e.g. xl/worksheets/sheet1.xml; "" if the workbook names none
}

// maxMetaPart bounds the small parts parsed here in full (workbook and
// relationships, a few kilobytes in real workbooks): encoding/xml holds
// every element it decodes, several times its text in memory.
const maxMetaPart = 8 << 20

// maxCellStyles bounds the cell styles read from styles.xml (Excel allows
// about 64,000); they are scanned, one byte kept per style.
const maxCellStyles = 1 << 20

// openWorkbook inspects the zip before anything is unpacked: a workbook
// whose parts would unpack past lim.unzipped is refused from the sizes the
// zip declares (archive/zip fails any entry that inflates past its declared
// size, so a lying header cannot get round this).
func openWorkbook(filePath string, lim unpackLimits) (*workbook, error) {
	zr, err := zip.OpenReader(filePath)
	if err != nil {
		return nil, fmt.Errorf("%w: not a readable .xlsx (zip) file: %w", ErrMalformed, err)
	}
	wb := &workbook{zip: zr, parts: make(map[string]*zip.File, len(zr.File)), limits: lim}
	var total uint64
	for _, f := range zr.File {
		total += f.UncompressedSize64
		wb.parts[partKey(f.Name)] = f
		if err := checkPartSize(f); err != nil {
			zr.Close()
			return nil, err
		}
	}
	if total > uint64(lim.unzipped) {
		zr.Close()
		return nil, fmt.Errorf("%w: the workbook unpacks to %d MiB; the limit is %d MiB (a zip bomb, or a workbook to split)",
			ErrTooLarge, total>>20, lim.unzipped>>20)
	}
	// Many parts, each too small for checkPartSize, add up too.
	var stored uint64
	for _, f := range zr.File {
		stored += f.CompressedSize64
	}
	if total > ratioFloor && total/max(stored, 1) > maxPartRatio {
		zr.Close()
		return nil, fmt.Errorf("%w: the workbook's %d parts unpack to %d MiB from %d KiB, %d times their stored size; "+
			"real workbooks compress at most about 25 times (a zip bomb?)", ErrTooLarge, len(zr.File), total>>20, stored>>10, total/max(stored, 1))
	}
	if err := wb.load(); err != nil {
		zr.Close()
		return nil, err
	}
	return wb, nil
}

func (wb *workbook) Close() error { return wb.zip.Close() }

// checkPartSize refuses a part that unpacks far more than real workbooks
// do, or a shared-string table too large to index, from the sizes the zip
// declares.
func checkPartSize(f *zip.File) error {
	size := f.UncompressedSize64
	if size > ratioFloor && size/max(f.CompressedSize64, 1) > maxPartRatio {
		return fmt.Errorf("%w: part %s unpacks to %d MiB from %d KiB, %d times its stored size; "+
			"real workbooks compress at most about 25 times (a zip bomb?)",
			ErrTooLarge, f.Name, size>>20, f.CompressedSize64>>10, size/max(f.CompressedSize64, 1))
	}
	if strings.HasPrefix(partKey(f.Name), "xl/theme/") && size > maxMetaPart {
		// A real theme is ~10 KB; nothing reads it, but a workbook with a
		// huge one is not an office's export.
		return fmt.Errorf("%w: part %s unpacks to %d MiB; a theme is a few kilobytes", ErrTooLarge, f.Name, size>>20)
	}
	if strings.HasSuffix(partKey(f.Name), "styles.xml") && size > maxStylesPart {
		return fmt.Errorf("%w: the style table unpacks to %d MiB; the limit is %d MiB (Excel's own limit of "+
			"about 64,000 styles fits in a few); copy the data into a new workbook", ErrTooLarge, size>>20, maxStylesPart>>20)
	}
	if strings.HasSuffix(partKey(f.Name), "sharedstrings.xml") && size > maxSharedStrings {
		return fmt.Errorf("%w: the shared-string table unpacks to %d MiB; the limit is %d MiB; "+
			"split the workbook or save it as CSV", ErrTooLarge, size>>20, maxSharedStrings>>20)
	}
	return nil
}

// partKey normalises a part name: some writers use backslashes, and Excel
// matches part names without regard to case.
func partKey(name string) string {
	return strings.ToLower(strings.TrimPrefix(strings.ReplaceAll(name, `\`, "/"), "/"))
}

func (wb *workbook) part(name string) *zip.File { return wb.parts[partKey(name)] }

// readPart unmarshals a small XML part into v. A missing part leaves v
// untouched and reports false.
func (wb *workbook) readPart(name string, v any) (bool, error) {
	f := wb.part(name)
	if f == nil {
		return false, nil
	}
	if f.UncompressedSize64 > maxMetaPart {
		return true, fmt.Errorf("%w: part %s unpacks to %d MiB", ErrTooLarge, name, f.UncompressedSize64>>20)
	}
	rc, err := f.Open()
	if err != nil {
		return true, fmt.Errorf("%w: part %s: %w", ErrMalformed, name, err)
	}
	defer rc.Close()
	if err := xml.NewDecoder(io.LimitReader(rc, maxMetaPart)).Decode(v); err != nil && err != io.EOF {
		return true, fmt.Errorf("%w: part %s: %w", ErrMalformed, name, err)
	}
	return true, nil
}

type xmlRelationships struct {
	Rel []struct {
		ID     string `xml:"Id,attr"`
		Type   string `xml:"Type,attr"`
		Target string `xml:"Target,attr"`
	} `xml:"Relationship"`
}

type xmlWorkbook struct {
	WorkbookPr struct {
		Date1904 string `xml:"date1904,attr"`
	} `xml:"workbookPr"`
	Sheets []struct {
		Name  string `xml:"name,attr"`
		State string `xml:"state,attr"`
		// r:id; the tag has no namespace so that both the transitional and
		// the strict relationship namespaces match.
		RID string `xml:"id,attr"`
	} `xml:"sheets>sheet"`
}

// load finds the workbook part through the package relationships, then
// the sheets, the date system, the cell styles and the shared strings.
func (wb *workbook) load() error {
	var root xmlRelationships
	if _, err := wb.readPart("_rels/.rels", &root); err != nil {
		return err
	}
	wbPath := ""
	for _, r := range root.Rel {
		if strings.HasSuffix(r.Type, "/officeDocument") {
			wbPath = strings.TrimPrefix(r.Target, "/")
		}
	}
	if wbPath == "" || wb.part(wbPath) == nil {
		if wb.part("content.xml") != nil || wb.part("mimetype") != nil {
			return fmt.Errorf("%w: an OpenDocument spreadsheet (.ods); save it as .xlsx", ErrUnsupported)
		}
		return fmt.Errorf("%w: a zip archive that is not an Excel workbook; expected .xlsx or CSV", ErrUnsupported)
	}
	var book xmlWorkbook
	if _, err := wb.readPart(wbPath, &book); err != nil {
		return err
	}
	wb.date1904 = book.WorkbookPr.Date1904 == "1" || strings.EqualFold(book.WorkbookPr.Date1904, "true")

	dir := path.Dir(wbPath)
	var rels xmlRelationships
	if _, err := wb.readPart(path.Join(dir, "_rels", path.Base(wbPath)+".rels"), &rels); err != nil {
		return err
	}
	target := map[string]string{}
	stylesPath := path.Join(dir, "styles.xml")
	wb.sstPath = path.Join(dir, "sharedStrings.xml")
	for _, r := range rels.Rel {
		p := resolveTarget(dir, r.Target)
		target[r.ID] = p
		switch {
		case strings.HasSuffix(r.Type, "/styles"):
			stylesPath = p
		case strings.HasSuffix(r.Type, "/sharedStrings"):
			wb.sstPath = p
		}
	}
	for _, s := range book.Sheets {
		wb.sheets = append(wb.sheets, sheetInfo{
			name:   s.Name,
			hidden: s.State == "hidden" || s.State == "veryHidden",
			part:   target[s.RID],
		})
	}

	if f := wb.part(stylesPath); f != nil {
		rc, err := f.Open()
		if err != nil {
			return fmt.Errorf("%w: part %s: %w", ErrMalformed, stylesPath, err)
		}
		wb.xfKinds, err = scanStyles(rc)
		rc.Close()
		if err != nil {
			return fmt.Errorf("part %s: %w", stylesPath, err)
		}
	}
	return nil
}

// scanStyles reads the number formats and the cell styles (cellXfs) of
// styles.xml as a stream, keeping a few bytes per style: decoding the part
// whole held several hundred bytes per style, so a 95 KB workbook whose
// styles unpack to 30 MB (half a million styles) cost 380 MB.
func scanStyles(src io.Reader) ([]cellKind, error) {
	s := newTagScanner(src)
	custom := map[int]cellKind{}
	var ids []int // numFmtId of each cell style, in order
	inCellXfs := false
	for s.next() {
		switch {
		case s.is("cellXfs"):
			inCellXfs = !s.end && !selfClosing(s.attrs)
		case s.end:
		case s.is("numFmt"):
			idText, _ := s.attr("numFmtId")
			id, err := strconv.Atoi(string(idText))
			if err != nil {
				continue
			}
			code, ok := s.attr("formatCode16")
			if !ok || len(code) == 0 {
				code, _ = s.attr("formatCode")
			}
			custom[id] = formatKind(html.UnescapeString(string(code)))
		case s.is("xf") && inCellXfs:
			if len(ids) == maxCellStyles {
				return nil, fmt.Errorf("%w: more than %d cell styles (Excel allows about 64,000)", ErrTooLarge, maxCellStyles)
			}
			idText, _ := s.attr("numFmtId")
			id, _ := strconv.Atoi(string(idText))
			ids = append(ids, id)
		}
	}
	if err := s.Err(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	kinds := make([]cellKind, len(ids))
	for i, id := range ids {
		// A workbook may redefine a built-in id; its own code wins, as in
		// Excel.
		if k, ok := custom[id]; ok {
			kinds[i] = k
		} else {
			kinds[i] = builtinFormatKind(id)
		}
	}
	return kinds, nil
}

func selfClosing(attrs []byte) bool {
	return bytes.HasSuffix(bytes.TrimRight(attrs, " \t\r\n"), []byte("/"))
}

// resolveTarget turns a relationship target into a part name: relative to
// the workbook's folder, or absolute from the package root.
func resolveTarget(dir, target string) string {
	target = strings.ReplaceAll(target, `\`, "/")
	if strings.HasPrefix(target, "/") {
		return strings.TrimPrefix(path.Clean(target), "/")
	}
	return strings.TrimPrefix(path.Join(dir, target), "/")
}

// openPart streams a part, inflating as it goes.
func (wb *workbook) openPart(name string) (io.ReadCloser, error) {
	f := wb.part(name)
	if f == nil {
		return nil, fmt.Errorf("%w: the workbook names part %s but does not contain it", ErrMalformed, name)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("%w: part %s: %w", ErrMalformed, name, err)
	}
	return rc, nil
}
