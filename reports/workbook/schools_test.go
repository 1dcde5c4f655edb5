package workbook_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"enlist/reports/bulletin"
	"enlist/reports/internal/fixture"
	"enlist/reports/workbook"
)

// gatherUniversities is the bulletin of 郑州市 over fixture.Universities.
func gatherUniversities(t *testing.T) *bulletin.Bulletin {
	t.Helper()
	b, err := bulletin.Gather(context.Background(), fixture.Universities(t), bulletin.Options{Scope: "4101", AsOf: fixture.AsOf})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestSchoolsSheet: a city whose registrations name universities gets the
// 高校征兵 sheet, before 数据质量, with the fixture's hand-computed figures
// (fixture.Universities), ranked by approved, and a 合计 row from
// school_totals_at; a county's bulletin, and a city's whose registrations
// name none, have no such sheet.
func TestSchoolsSheet(t *testing.T) {
	b := gatherUniversities(t)
	f, err := workbook.Weekly(b)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"总览", "任务完成", "兵员质量", "体检政考", "退兵", "退役安置", "高校征兵", "数据质量", "图表"}
	if got := f.GetSheetList(); !slices.Equal(got, want) {
		t.Fatalf("sheets %v, want %v", got, want)
	}
	rows, err := f.GetRows("高校征兵")
	if err != nil {
		t.Fatal(err)
	}
	// Title, date line, two header rows, 15 universities, 合计.
	head := rows[2]
	if head[0] != "定兵排名" || head[1] != "高校" || head[12] != "每千名在校生报名" || head[13] != "报名率排名" {
		t.Errorf("header %v", head)
	}
	data := rows[4:]
	byName := map[string][]string{}
	var total []string
	for _, r := range data {
		if len(r) > 1 && r[1] == "合计" {
			total = r
			break
		}
		if len(r) > 1 {
			byName[r[1]] = r
		}
	}
	if len(byName) != 15 {
		t.Errorf("%d universities on the sheet, want 15", len(byName))
	}
	if data[0][1] != "郑州大学" || data[1][1] != "郑州测试学院" {
		t.Errorf("first rows %v, %v: want 郑州大学 then 郑州测试学院 (most approved)", data[0], data[1])
	}
	// Cells as shown: rank, name, county, students, registered, applied,
	// examined, double, approved, returned, quota, completion, per thousand, rate rank.
	for name, w := range map[string][]string{
		"郑州大学":     {"1", "郑州大学", "中原区", "1,000", "3", "3", "3", "3", "3", "1", "3", "66.7%", "3.0", "1"},
		"华北水利水电大学": {"3", "华北水利水电大学", "中原区", "500", "2", "1", "1", "0", "0", "0", "—", "—", "2.0", "2"},
		"郑州测试学院":   {"2", "郑州测试学院", "二七区", "—", "2", "2", "1", "1", "1", "0", "—", "—", "—", "—"},
	} {
		if got := byName[name]; !slices.Equal(got, w) {
			t.Errorf("%s: %v, want %v", name, got, w)
		}
	}
	wantTotal := []string{"", "合计", "", "1,500", "7", "6", "5", "4", "4", "1", "3", "66.7%", "2.7"} // the blank rank cell ends the row
	if !slices.Equal(total, wantTotal) {
		t.Errorf("合计 %v, want %v", total, wantTotal)
	}

	// A county's bulletin ranks no universities (its city's does).
	cb, err := bulletin.Gather(context.Background(), fixture.Universities(t), bulletin.Options{Scope: "410102", AsOf: fixture.AsOf})
	if err != nil {
		t.Fatal(err)
	}
	if cb.Schools != nil {
		t.Error("a county's bulletin has universities")
	}
	// The small fixture's registrations name no university: no sheet of zeros.
	if sb := gatherSmall(t); sb.Schools != nil {
		t.Error("a bulletin whose registrations name no university has a 高校征兵 sheet")
	}
}

// TestLibreOfficeOpensSchoolsSheet: LibreOffice opens the bulletin and
// exports the 高校征兵 sheet as shown; its 合计 row equals the sums of its
// count columns (在校生, 登记, 报名, 体检, 双合格, 定兵, 退兵, 高校任务), and the
// per-thousand figure of the 合计 is the column sums' (报名 of the
// universities with a student count × 1000 / 在校生).
func TestLibreOfficeOpensSchoolsSheet(t *testing.T) {
	soffice := need(t, "soffice")
	f, err := workbook.Weekly(gatherUniversities(t))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	xlsx := filepath.Join(dir, "bulletin.xlsx")
	if err := workbook.Save(f, xlsx); err != nil {
		t.Fatal(err)
	}
	sheet := slices.Index(f.GetSheetList(), "高校征兵") + 1
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	// CSV filter options: comma, double quote, UTF-8, from row 1, cells as
	// shown (formatted), the one sheet by its number.
	filter := "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true,false,false," + strconv.Itoa(sheet)
	cmd := exec.CommandContext(ctx, soffice, "-env:UserInstallation=file://"+filepath.Join(dir, "lo-profile"),
		"--headless", "--norestore", "--convert-to", filter, "--outdir", filepath.Join(dir, "out"), xlsx)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if out, err := cmd.Output(); err != nil {
		t.Fatalf("soffice: %v\n%s%s", err, out, stderr.Bytes())
	}
	matches, _ := filepath.Glob(filepath.Join(dir, "out", "*.csv"))
	if len(matches) != 1 {
		t.Fatalf("LibreOffice wrote %v", matches)
	}
	raw, err := os.ReadFile(matches[0])
	if err != nil {
		t.Fatal(err)
	}
	r := csv.NewReader(bytes.NewReader(raw))
	r.FieldsPerRecord = -1
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var total []string
	var body [][]string
	for _, rec := range recs[4:] {
		if len(rec) > 1 && rec[1] == "合计" {
			total = rec
			break
		}
		body = append(body, rec)
	}
	if total == nil || len(body) != 15 {
		t.Fatalf("LibreOffice shows %d rows and 合计 %v; want 15 and a 合计", len(body), total)
	}
	number := func(s string) (float64, bool) {
		s = strings.ReplaceAll(strings.TrimSpace(s), ",", "")
		if s == "" || s == "—" {
			return 0, false
		}
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			t.Fatalf("cell %q is not a number", s)
		}
		return v, true
	}
	for col := 3; col <= 10; col++ {
		var sum float64
		for _, rec := range body {
			if v, ok := number(rec[col]); ok {
				sum += v
			}
		}
		got, _ := number(total[col])
		if got != sum {
			t.Errorf("column %s: 合计 %v, the rows sum to %v", recs[2][col], got, sum)
		}
	}
	// 合计's per thousand: applied of the universities with a student count.
	var applied, students float64
	for _, rec := range body {
		if s, ok := number(rec[3]); ok {
			a, _ := number(rec[5])
			applied, students = applied+a, students+s
		}
	}
	if got := total[12]; got != strconv.FormatFloat(bulletin.Round(1000*applied/students, 1), 'f', 1, 64) {
		t.Errorf("合计 per thousand %s, want %.1f from the columns", got, 1000*applied/students)
	}
	if total[3] != "1,500" || total[8] != "4" {
		t.Errorf("合计 %v: want 1,500 students and 4 approved", total)
	}
}
