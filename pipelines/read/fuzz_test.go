package read

import (
	"context"
	"errors"
	"html"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"
	"unicode/utf8"
)

// checkStream opens path and reads it to the end or the first error,
// checking what every caller relies on. Whatever the input, reading must
// neither panic nor hang, and every failure must be an *Error.
func checkStream(t *testing.T, path string, opt Options, wantUTF8 bool) {
	r, err := Open(context.Background(), path, opt)
	if err != nil {
		var re *Error
		if !errors.As(err, &re) {
			t.Fatalf("Open error %T is not *Error: %v", err, err)
		}
		return
	}
	defer func() {
		if err := r.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	}()
	switch r.Encoding() {
	case EncodingUTF8, EncodingUTF8BOM, EncodingGB18030, EncodingXLSX:
	default:
		t.Fatalf("encoding %q", r.Encoding())
	}
	last := 0
	for {
		row, err := r.Next()
		if err != nil {
			var re *Error
			if err != io.EOF && !errors.As(err, &re) {
				t.Fatalf("Next error %T is not *Error: %v", err, err)
			}
			return
		}
		if row.Line <= last {
			t.Fatalf("line %d after line %d", row.Line, last)
		}
		last = row.Line
		n := len(row.Cells)
		if n == 0 || n > MaxRowCells || row.Cells[n-1] == "" {
			t.Fatalf("line %d: %d cells, last %q", row.Line, n, row.Cells[max(n-1, 0):])
		}
		for _, c := range row.Cells {
			if len(c) > MaxCellBytes {
				t.Fatalf("line %d: cell of %d bytes", row.Line, len(c))
			}
			if wantUTF8 && !utf8.ValidString(c) {
				t.Fatalf("line %d: invalid UTF-8 %q", row.Line, c)
			}
		}
	}
}

// hangLimit is how long one fuzz input may take. The slowest seed reads in
// milliseconds; anything near this is a hang, which go test -fuzz would
// otherwise only show as a stalled exec count.
const hangLimit = 10 * time.Second

// noHang runs check and fails with every goroutine's stack if it takes
// longer than hangLimit, so that the fuzzer saves the input that hung.
func noHang(t *testing.T, check func()) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		check()
	}()
	select {
	case <-done:
	case <-time.After(hangLimit):
		buf := make([]byte, 1<<20)
		t.Fatalf("input took longer than %v; stacks:\n%s", hangLimit, buf[:runtime.Stack(buf, true)])
	}
}

var fuzzEncodings = []string{"", "utf-8", "gb18030"}

func FuzzCSV(f *testing.F) {
	f.Add([]byte("姓名,性别\n张三,男\n"), byte(0))
	f.Add([]byte("a\t\"b\nc\"\r\n1\t2\r"), byte(0))
	f.Add(gb(f, "姓名,学历\r\n李四,本科\r\n"), byte(2))
	f.Add([]byte("\xEF\xBB\xBFid|x\n1|\"open"), byte(1))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte, enc byte) {
		path := filepath.Join(dir, "fuzz.csv")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		// Every cell that comes out of a CSV is valid UTF-8: undecodable
		// text is an error, never passed on.
		noHang(t, func() { checkStream(t, path, Options{Encoding: fuzzEncodings[int(enc)%len(fuzzEncodings)]}, true) })
	})
}

func FuzzXLSX(f *testing.F) {
	x := rawXLSX{
		xfs: []int{14}, order: []string{"S", "hidden:H"},
		sheets: map[string]string{
			"S": `<row r="1"><c r="A1" t="inlineStr"><is><t>标题</t></is></c></row>` +
				`<row r="2"><c r="A2" t="b"><v>1</v></c><c r="B2" s="1"><v>45721</v></c><c r="C2" t="d"><v>2025-03-05</v></c></row>`,
			"H": `<row><c><v>1</v></c></row>`,
		},
		tail: map[string]string{"S": `<mergeCells count="1"><mergeCell ref="A1:C1"/></mergeCells>`},
	}
	f.Add(storedZip(f, x.bytes(f)))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(dir, "fuzz.xlsx")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		noHang(t, func() { checkStream(t, path, Options{}, false) })
	})
}

// FuzzSheetXML fuzzes the parts of a workbook rather than its zip bytes:
// the sheet's cell data, what follows it (merged ranges), the shared
// strings and a number format, packed into a valid zip each time, so that
// every input reaches the package's sheet decoder. The
// same checks as FuzzXLSX apply: no panic, no hang, every failure an
// *Error, every row within the bounds.
func FuzzSheetXML(f *testing.F) {
	f.Add(`<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>`+
		`<row r="2"><c r="A2" t="s"><v>2</v></c><c r="B2" s="1"><v>45721</v></c></row>`,
		`<mergeCells count="1"><mergeCell ref="A1:B1"/></mergeCells>`,
		`<si><t>标题</t></si><si><t>x</t></si><si><r><t>99010120050101</t></r><r><t>1238</t></r></si>`, `yyyy"年"m"月"d"日"`)
	f.Add(`<row><c t="inlineStr"><is><t>a</t></is></c><c t="b"><v>1</v></c><c t="d" s="1"><v>2025-03-05T00:00:00</v></c></row>`+
		`<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>`, ``, ``, `[h]:mm:ss`)
	f.Add(`<row r="3"><c r="C3" t="s"><v>99</v></c><c r="A3" t="e"><v>#N/A</v></c><c r="B3" t="str"><f>A1</f><v>x</v></c></row>`,
		`<mergeCells><mergeCell ref="C3:A1"/><mergeCell ref="B2:B1048576"/></mergeCells>`, `<si><t xml:space="preserve"> </t></si>`, `0.00%`)
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, cells, tail, sst, numFmt string) {
		x := rawXLSX{
			xfs:     []int{164},
			numFmts: `<numFmt numFmtId="164" formatCode="` + html.EscapeString(numFmt) + `"/>`,
			order:   []string{"S"},
			sheets:  map[string]string{"S": cells},
			tail:    map[string]string{"S": tail},
			extra: map[string]string{"xl/sharedStrings.xml": `<?xml version="1.0" encoding="UTF-8"?>` +
				`<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">` + sst + `</sst>`},
		}
		path := filepath.Join(dir, "fuzz.xlsx")
		if err := os.WriteFile(path, x.bytes(t), 0o600); err != nil {
			t.Fatal(err)
		}
		noHang(t, func() { checkStream(t, path, Options{}, false) })
	})
}
