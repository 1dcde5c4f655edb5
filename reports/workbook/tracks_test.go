package workbook_test

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"enlist/reports/bulletin"
	"enlist/reports/internal/fixture"
	"enlist/reports/workbook"
)

// TestOverviewShowsTracks: the bulletin of a city whose county has a
// female quota shows the women's track on lines of its own (figures of
// fixture.Tracks, worked out in internal/metrics/tracks_test.go), the
// minority share judged against the office's target and the office's own
// indicator judged against its target; the workbook opens in LibreOffice,
// which prints them. A city without a female quota, minorities or an
// indicator has none of these lines (fixture.Small).
func TestOverviewShowsTracks(t *testing.T) {
	b, err := bulletin.Gather(context.Background(), fixture.Tracks(t), bulletin.Options{Scope: "4101", AsOf: fixture.AsOf})
	if err != nil {
		t.Fatal(err)
	}
	f, err := workbook.Weekly(b)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := f.GetRows("总览", excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	lines := map[string][]string{}
	for _, r := range rows {
		if len(r) > 0 {
			lines[r[0]] = r
		}
	}
	// label → this week, target ("—": none), 达标 (as stored: ratios rounded to one
	// decimal of a percent).
	for label, want := range map[string][3]string{
		"女兵征集任务":                {"2", "—", ""},
		"女兵报名人数":                {"4", "—", ""},
		"女兵双合格":                 {"3", "—", ""},
		"女兵定兵数":                 {"3", "—", ""},
		"女兵任务完成率":               {"0.5", "0.878", "否"},   // 1/2 against time progress 79/90
		"任务完成率":                 {"0.444", "0.878", "否"}, // 4/9: the covered woman is not in it
		"少数民族报名人数":              {"4", "—", ""},
		"少数民族应征报名比例":            {"0.444", "0.5", "否"},
		"少数民族定兵数":               {"3", "—", ""},
		fixture.TracksIndicator: {"0.667", "0.8", "否"}, // 6/9
	} {
		r, ok := lines[label]
		if !ok {
			t.Errorf("总览 has no line %s", label)
			continue
		}
		for i, col := range []int{1, 4, 5} {
			got := ""
			if col < len(r) {
				got = r[col]
			}
			if !sameFigure(got, want[i]) {
				t.Errorf("总览 %s column %d = %q, want %q", label, col+1, got, want[i])
			}
		}
	}

	small, err := workbook.Weekly(gatherSmall(t))
	if err != nil {
		t.Fatal(err)
	}
	srows, err := small.GetRows("总览")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range srows {
		if len(r) > 0 && (strings.HasPrefix(r[0], "女兵") || strings.HasPrefix(r[0], "少数民族")) {
			t.Errorf("a bulletin without a female quota or minorities shows %s", r[0])
		}
	}

	soffice, pdftotext := need(t, "soffice"), need(t, "pdftotext")
	dir := t.TempDir()
	xlsx := filepath.Join(dir, "tracks.xlsx")
	if err := workbook.Save(f, xlsx); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, soffice, "-env:UserInstallation=file://"+filepath.Join(dir, "lo-profile"),
		"--headless", "--norestore", "--convert-to", "pdf", "--outdir", dir, xlsx)
	cmd.Stderr = &stderr
	if out, err := cmd.Output(); err != nil {
		t.Fatalf("soffice: %v\n%s%s", err, out, stderr.Bytes())
	}
	text, err := exec.CommandContext(ctx, pdftotext, "-layout", filepath.Join(dir, "tracks.pdf"), "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"女兵征集任务", "女兵任务完成率", "50.0%", "少数民族应征报名比例", "44.4%", fixture.TracksIndicator, "66.7%", "80.0%"} {
		if !strings.Contains(string(text), want) {
			t.Errorf("LibreOffice's print of 总览 lacks %q", want)
		}
	}
}

// sameFigure compares a cell's stored text with an expected figure.
func sameFigure(got, want string) bool {
	if got == want {
		return true
	}
	var g, w float64
	if _, err := fmt.Sscan(got, &g); err != nil {
		return false
	}
	if _, err := fmt.Sscan(want, &w); err != nil {
		return false
	}
	return math.Abs(g-w) < 1e-9
}
