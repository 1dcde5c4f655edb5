package analyst

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// A result goes to the writer, or to a file; an XLSX result takes its
// Chinese headers and percentages from the dictionary.
func TestSessionWriteResult(t *testing.T) {
	fx := newFixture(t)
	ctx := context.Background()
	res, err := fx.s.Run(ctx, "SELECT '41' AS region_code, 0.25 AS quota_completion")
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := fx.s.WriteResult(ctx, res.Frame, Output{Format: "csv", W: &b}); err != nil || b.String() != "region_code,quota_completion\n41,0.25\n" {
		t.Fatalf("csv: %q %v", b.String(), err)
	}
	path := filepath.Join(fx.dir, "r.xlsx")
	if err := fx.s.WriteResult(ctx, res.Frame, Output{Format: "xlsx", Path: path, ZhHeaders: true}); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows(f.GetSheetName(0))
	if err != nil || len(rows) != 2 || rows[0][0] != "区划代码" || !strings.HasSuffix(rows[1][1], "%") {
		t.Errorf("workbook rows %q %v", rows, err)
	}
}
