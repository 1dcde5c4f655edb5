package analyst

import (
	"bytes"
	"context"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"enlist/internal/tabular"
)

// TestWriteXLSX: the workbook read back holds the header, numbers as
// numbers, dates as dates, NULL as empty, and hostile text as the same text
// (never a formula).
func TestWriteXLSX(t *testing.T) {
	day := time.Date(2025, 3, 5, 0, 0, 0, 0, time.UTC)
	f := &tabular.Frame{
		Columns: []string{"region_name", "registered", "rate", "as_of", "note"},
		Rows: [][]any{
			{"金水区", int64(1234), 0.8125, day, nil},
			{"=HYPERLINK(\"http://x\",\"y\")", int64(-5), math.NaN(), nil, "+86 138"},
			{"-1+2", int64(0), 1.0, day, "@SUM(A1:A2)"},
			{"=1+1", int32(7), 0.5, day, "\t=cmd"},
		},
	}
	var buf bytes.Buffer
	if err := WriteXLSX(&buf, f); err != nil {
		t.Fatal(err)
	}
	x, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	sheet := x.GetSheetName(0)
	rows, err := x.GetRows(sheet)
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"region_name", "registered", "rate", "as_of", "note"},
		{"金水区", "1234", "0.8125", "2025-03-05"},
		{"=HYPERLINK(\"http://x\",\"y\")", "-5"},
		{"-1+2", "0", "1", "2025-03-05", "@SUM(A1:A2)"},
		{"=1+1", "7", "0.5", "2025-03-05", "\t=cmd"},
	}
	if len(rows) != len(want) {
		t.Fatalf("%d rows, want %d: %q", len(rows), len(want), rows)
	}
	for i := range want {
		for j := range want[i] {
			if j >= len(rows[i]) || rows[i][j] != want[i][j] {
				t.Errorf("row %d: %q, want %q", i+1, rows[i], want[i])
				break
			}
		}
	}
	// Hostile text is text: no cell holds a formula, and text cells are
	// string-typed.
	for _, ref := range []string{"A3", "A4", "A5", "E3", "E4", "E5"} {
		if fm, err := x.GetCellFormula(sheet, ref); err != nil || fm != "" {
			t.Errorf("%s has formula %q (%v)", ref, fm, err)
		}
		if typ, err := x.GetCellType(sheet, ref); err != nil || (typ != excelize.CellTypeInlineString && typ != excelize.CellTypeSharedString) {
			t.Errorf("%s type %v (%v), want text", ref, typ, err)
		}
	}
	for _, ref := range []string{"B2", "C2"} {
		if typ, _ := x.GetCellType(sheet, ref); typ != excelize.CellTypeUnset && typ != excelize.CellTypeNumber {
			t.Errorf("%s type %v, want a number", ref, typ)
		}
	}
	if v, _ := x.GetCellValue(sheet, "B2", excelize.Options{RawCellValue: true}); v != "1234" {
		t.Errorf("B2 raw %q", v)
	}
	// The date is a date serial with a date format, not text.
	if v, _ := x.GetCellValue(sheet, "D2", excelize.Options{RawCellValue: true}); v != "45721" {
		t.Errorf("D2 raw %q, want the serial 45721", v)
	}
}

// TestSchema: the dictionary lists the metrics view with its comment, not
// the bookkeeping tables, and describes its columns with their comments.
func TestSchema(t *testing.T) {
	fx := newFixture(t)
	ctx := context.Background()
	objs, err := Objects(ctx, fx.wh.DB())
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]string{}
	for i := range objs.Rows {
		kinds[tabular.Text(objs.Value(i, "name"))] = tabular.Text(objs.Value(i, "kind"))
		if tabular.Text(objs.Value(i, "name")) == "metrics" && !bytes.Contains([]byte(tabular.Text(objs.Value(i, "comment"))), []byte("征兵工作指标")) {
			t.Errorf("metrics comment %q", objs.Value(i, "comment"))
		}
	}
	for name, kind := range map[string]string{"metrics": "view", "registrations": "table", "regions": "table",
		"flags": "view", "metrics_at(as_of, y, s)": "table macro"} {
		if kinds[name] != kind {
			t.Errorf("%s: kind %q, want %q", name, kinds[name], kind)
		}
	}
	for _, internal := range []string{"schema_version", "model_state", "duckdb_tables", "tables"} {
		if _, ok := kinds[internal]; ok {
			t.Errorf("%s is listed", internal)
		}
	}
	m, err := Describe(ctx, fx.wh.DB(), "metrics")
	if err != nil {
		t.Fatal(err)
	}
	if m.Kind != "view" || m.Comment == "" {
		t.Errorf("metrics: %+v", m)
	}
	comments := map[string]string{}
	for i := range m.Columns.Rows {
		comments[tabular.Text(m.Columns.Value(i, "column"))] = tabular.Text(m.Columns.Value(i, "comment"))
		if tabular.Text(m.Columns.Value(i, "comment")) == "" {
			t.Errorf("metrics.%s has no comment", m.Columns.Value(i, "column"))
		}
	}
	if comments["region_code"] != "区划代码" || comments["year"] != "年度" {
		t.Errorf("region_code %q, year %q", comments["region_code"], comments["year"])
	}
	if tabular.Text(m.Columns.Value(0, "column")) != "region_code" || tabular.Text(m.Columns.Value(0, "type")) != "VARCHAR" {
		t.Errorf("first column %q", m.Columns.Rows[0])
	}
	if _, err := Describe(ctx, fx.wh.DB(), "schema_version"); err == nil {
		t.Error("schema_version described")
	}
	if _, err := Describe(ctx, fx.wh.DB(), "nope"); err == nil || !bytes.Contains([]byte(err.Error()), []byte("no such table, view or macro: nope")) {
		t.Errorf("unknown name: %v", err)
	}
}

// TestXLSXInLibreOffice: LibreOffice, a real spreadsheet program, opens the
// workbook and shows hostile text as the text it was, not as a computed
// formula.
func TestXLSXInLibreOffice(t *testing.T) {
	soffice, err := exec.LookPath("soffice")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("soffice (libreoffice-calc) is required in CI")
		}
		t.Skip("soffice not installed: apt-get install libreoffice-calc")
	}
	dir := t.TempDir()
	f := &tabular.Frame{Columns: []string{"name", "n"}, Rows: [][]any{
		{"=1+1", int64(3)}, {"+2+2", int64(4)}, {"@SUM(B2:B3)", nil}, {"-3-3", int64(5)}}}
	var buf bytes.Buffer
	if err := WriteXLSX(&buf, f); err != nil {
		t.Fatal(err)
	}
	in := filepath.Join(dir, "q.xlsx")
	if err := os.WriteFile(in, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, soffice, "--headless", "--norestore",
		"-env:UserInstallation=file://"+filepath.Join(dir, "profile"),
		"--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76", "--outdir", dir, in)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("soffice: %v\n%s", err, out)
	}
	got, err := os.ReadFile(filepath.Join(dir, "q.csv"))
	if err != nil {
		t.Fatal(err)
	}
	want := "name,n\n=1+1,3\n+2+2,4\n@SUM(B2:B3),\n-3-3,5\n"
	if strings.ReplaceAll(string(got), "\r\n", "\n") != want {
		t.Errorf("LibreOffice reads\n%s\nwant\n%s", got, want)
	}
}
