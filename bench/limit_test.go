package bench

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The cold load's limit reads every kind's files into a table of its own,
// whatever columns each file has, and counts their rows; a folder with no
// CSV files is refused by name.
func TestLimitOfEveryExtract(t *testing.T) {
	dir := t.TempDir()
	write := func(rel, text string) {
		p := filepath.Join(dir, "province", rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("registrations/4101.csv", "身份证号,区划代码\n1,410102\n2,410103\n")
	write("registrations/4102.csv", "身份证号,区划代码\n3,410202\n")
	// Exam sheets of two types with different columns.
	write("exams/physical.csv", "身份证号,体检结论\n1,合格\n")
	write("exams/political.csv", "身份证号,政审结论,备注\n1,合格,\n2,不合格,x\n")
	write("manifest.json", "{}")
	db := filepath.Join(dir, "limit.duckdb")
	rows, err := RunLimit(context.Background(), LimitExtracts, filepath.Join(dir, "province"), db, 1, "")
	if err != nil {
		t.Fatal(err)
	}
	if rows != 6 {
		t.Errorf("%d rows, want 3 registrations and 3 exam results", rows)
	}
	empty := filepath.Join(dir, "empty")
	if err := os.MkdirAll(filepath.Join(empty, "quotas"), 0o755); err != nil {
		t.Fatal(err)
	}
	_, err = RunLimit(context.Background(), LimitExtracts, empty, db, 1, "")
	if err == nil || !strings.Contains(err.Error(), "no folder of CSV files in "+empty) {
		t.Errorf("an empty folder: %v", err)
	}
}
