package read

import (
	"archive/zip"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// A refused workbook's error names the kind of problem (ErrMalformed) and
// still carries the cause underneath, for whoever needs to tell causes
// apart.
func TestMalformedKeepsItsCause(t *testing.T) {
	path := filepath.Join(t.TempDir(), "登记.xlsx")
	if err := os.WriteFile(path, []byte("姓名,身份证号\n这不是工作簿\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := openWorkbook(path, defaultUnpackLimits())
	if !errors.Is(err, ErrMalformed) || !errors.Is(err, zip.ErrFormat) {
		t.Fatalf("a CSV named .xlsx: %v (malformed %v, zip format %v)", err, errors.Is(err, ErrMalformed), errors.Is(err, zip.ErrFormat))
	}
}
