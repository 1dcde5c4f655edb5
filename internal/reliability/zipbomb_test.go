package reliability

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"hash/crc32"
	"os"
	"strings"
	"testing"
)

// part is one file of a workbook package. A part with repeat > 0 is a
// zip bomb: head, then body repeated repeat times, then tail, deflated
// into a few megabytes whatever the unpacked size. declared, when not
// zero, is the unpacked size written in the zip headers instead of the
// true one (a lying header).
type part struct {
	name       string
	head, tail string
	body       string
	repeat     int
	declared   uint64
}

// deflateSegment deflates b with a fresh compressor and ends on a byte
// boundary without a final block, so that segments can be concatenated
// into one valid stream (no back-reference crosses a segment).
func deflateSegment(t testing.TB, b []byte, final bool) []byte {
	t.Helper()
	var buf bytes.Buffer
	fw, err := flate.NewWriter(&buf, flate.BestCompression)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fw.Write(b); err != nil {
		t.Fatal(err)
	}
	if final {
		err = fw.Close()
	} else {
		err = fw.Flush()
	}
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// deflated returns the compressed stream, true size and CRC of a part.
func (p part) deflated(t testing.TB) ([]byte, uint64, uint32) {
	t.Helper()
	if p.repeat == 0 {
		b := []byte(p.head + p.body + p.tail)
		return deflateSegment(t, b, true), uint64(len(b)), crc32.ChecksumIEEE(b)
	}
	var out bytes.Buffer
	out.Write(deflateSegment(t, []byte(p.head), false))
	seg := deflateSegment(t, []byte(p.body), false)
	crc := crc32.ChecksumIEEE([]byte(p.head))
	body := []byte(p.body)
	for i := 0; i < p.repeat; i++ {
		out.Write(seg)
		crc = crc32.Update(crc, crc32.IEEETable, body)
	}
	out.Write(deflateSegment(t, []byte(p.tail), true))
	crc = crc32.Update(crc, crc32.IEEETable, []byte(p.tail))
	size := uint64(len(p.head)) + uint64(len(p.body))*uint64(p.repeat) + uint64(len(p.tail))
	return out.Bytes(), size, crc
}

const (
	nsMain = `xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"`
	nsRel  = `xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"`
)

// workbookParts are the parts of a one-sheet workbook, with the sheet's
// cell data and the shared strings given; a bomb replaces one of them.
func workbookParts(sheetData, sharedStrings string) []part {
	return []part{
		{name: "[Content_Types].xml", body: `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
			`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>` +
			`<Default Extension="xml" ContentType="application/xml"/>` +
			`<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>` +
			`<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>` +
			`<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>` +
			`</Types>`},
		{name: "_rels/.rels", body: `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
			`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`},
		{name: "xl/workbook.xml", body: `<?xml version="1.0" encoding="UTF-8"?><workbook ` + nsMain + ` ` + nsRel + `><sheets>` +
			`<sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>`},
		{name: "xl/_rels/workbook.xml.rels", body: `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
			`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>` +
			`<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>` +
			`<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>` +
			`</Relationships>`},
		{name: "xl/worksheets/sheet1.xml", head: `<?xml version="1.0" encoding="UTF-8"?><worksheet ` + nsMain + `><sheetData>`,
			body: sheetData, tail: `</sheetData></worksheet>`},
		{name: "xl/styles.xml", head: `<?xml version="1.0" encoding="UTF-8"?><styleSheet ` + nsMain + `><cellXfs>`,
			body: `<xf numFmtId="14"/>`, tail: `</cellXfs></styleSheet>`},
		{name: "xl/sharedStrings.xml", head: `<?xml version="1.0" encoding="UTF-8"?><sst ` + nsMain + `>`,
			body: sharedStrings, tail: `</sst>`},
	}
}

// writeWorkbook writes the parts as a zip. It returns the file's size.
func writeWorkbook(t testing.TB, path string, parts []part) int64 {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, p := range parts {
		data, size, crc := p.deflated(t)
		if p.declared != 0 {
			size = p.declared
		}
		w, err := zw.CreateRaw(&zip.FileHeader{
			Name: p.name, Method: zip.Deflate, CRC32: crc,
			CompressedSize64: uint64(len(data)), UncompressedSize64: size,
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(data); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return int64(buf.Len())
}

// bomb swaps the named part of a small valid registrations workbook for a
// bomb: body, repeated until the part unpacks to about size bytes.
func bomb(name, body string, size uint64, declared uint64) []part {
	header := `<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>2</v></c></row>`
	strs := `<si><t>身份证号</t></si><si><t>区划代码</t></si><si><t>登记日期</t></si>`
	parts := workbookParts(header, strs)
	chunk := strings.Repeat(body, (1<<20)/len(body))
	for i := range parts {
		if parts[i].name != name {
			continue
		}
		switch name {
		case "xl/sharedStrings.xml":
			parts[i].head += strs
		case "xl/worksheets/sheet1.xml":
			parts[i].head += header
		}
		parts[i].body = chunk
		parts[i].repeat = int(size / uint64(len(chunk)))
		parts[i].declared = declared
	}
	return parts
}
