package analyst

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"enlist/internal/tabular"
)

func TestFormatFor(t *testing.T) {
	for _, c := range [][3]string{
		{"", "out/完成率.XLSX", "xlsx"}, {"", "a.csv", "csv"}, {"", "a.json", "json"}, {"", "a.txt", "table"},
		{"", "", "table"}, {"csv", "a.xlsx", "csv"},
	} {
		if got := FormatFor(c[0], c[1]); got != c[2] {
			t.Errorf("FormatFor(%q, %q) = %q, want %q", c[0], c[1], got, c[2])
		}
	}
}

// A result file appears whole or not at all: a write that fails leaves
// the previous result as it was (it used to be truncated first), and no
// temporary file behind.
func TestWriteResultFileIsAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "counts.csv")
	f := &tabular.Frame{Columns: []string{"kind", "rows"}, Rows: [][]any{{"quotas", int64(2)}, {"exams", int64(7)}}}
	if err := WriteResultFile(path, "csv", f, XLSXOptions{}); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil || string(got) != "kind,rows\nquotas,2\nexams,7\n" {
		t.Fatalf("result %q %v", got, err)
	}
	if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o644 {
		t.Errorf("mode %v %v, want 0644", st.Mode(), err)
	}
	// One row more than a worksheet holds: refused, after the file was
	// opened for writing.
	row := []any{int64(1)}
	big := &tabular.Frame{Columns: []string{"n"}, Rows: make([][]any, maxSheetRows)}
	for i := range big.Rows {
		big.Rows[i] = row
	}
	err = WriteResultFile(path, "xlsx", big, XLSXOptions{})
	if err == nil || !strings.HasPrefix(err.Error(), "write result: ") || !strings.Contains(err.Error(), "do not fit a worksheet") {
		t.Fatalf("oversized workbook: %v", err)
	}
	got, err = os.ReadFile(path)
	if err != nil || string(got) != "kind,rows\nquotas,2\nexams,7\n" {
		t.Errorf("after a failed write the earlier result is %q %v", got, err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("files left in the folder: %v", entries)
	}
}
