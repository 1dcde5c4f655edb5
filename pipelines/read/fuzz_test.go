package read

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
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
		checkStream(t, path, Options{Encoding: fuzzEncodings[int(enc)%len(fuzzEncodings)]}, true)
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
		checkStream(t, path, Options{}, false)
	})
}
