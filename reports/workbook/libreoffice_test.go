package workbook_test

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"enlist/reports/bulletin"
	"enlist/reports/internal/fixture"
	"enlist/reports/workbook"
)

// need returns the path of a program the test needs: missing, it fails
// under CI and skips elsewhere.
func need(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is not installed (Debian: libreoffice-calc, poppler-utils)", name)
		}
		t.Skipf("%s is not installed (Debian: libreoffice-calc, poppler-utils)", name)
	}
	return p
}

// TestLibreOfficeRendersBulletin: a real spreadsheet program opens the
// bulletin and prints it. LibreOffice converts it to PDF (with a profile of
// its own, so it neither disturbs nor waits for another instance); the PDF
// has a page per sheet at least, carries the title and the totals, and its
// first pages are not blank when rasterised. In the same run it prints the
// bulletin of the fixture whose figures fall half-way between two digits
// (5/16, 53/80): LibreOffice shows 31.3% and 66.3%, as the page does.
func TestLibreOfficeRendersBulletin(t *testing.T) {
	soffice, pdfinfo, pdftotext, pdftoppm := need(t, "soffice"), need(t, "pdfinfo"), need(t, "pdftotext"), need(t, "pdftoppm")
	f, err := workbook.Weekly(gatherSmall(t))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	xlsx := filepath.Join(dir, "bulletin.xlsx")
	if err := workbook.Save(f, xlsx); err != nil {
		t.Fatal(err)
	}
	hb, err := bulletin.Gather(context.Background(), fixture.Halves(t), bulletin.Options{Scope: "4101", AsOf: fixture.AsOf})
	if err != nil {
		t.Fatal(err)
	}
	hf, err := workbook.Weekly(hb)
	if err != nil {
		t.Fatal(err)
	}
	halves := filepath.Join(dir, "halves.xlsx")
	if err := workbook.Save(hf, halves); err != nil {
		t.Fatal(err)
	}
	lf, err := workbook.Weekly(longBulletin())
	if err != nil {
		t.Fatal(err)
	}
	long := filepath.Join(dir, "long.xlsx")
	if err := workbook.Save(lf, long); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute) // a busy build machine
	defer cancel()
	run := func(name string, args ...string) []byte {
		t.Helper()
		cmd := exec.CommandContext(ctx, name, args...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("%s %s: %v\n%s%s", filepath.Base(name), strings.Join(args, " "), err, out, stderr.Bytes())
		}
		return out
	}
	profile := "file://" + filepath.Join(dir, "lo-profile")
	run(soffice, "-env:UserInstallation="+profile, "--headless", "--norestore", "--convert-to", "pdf", "--outdir", dir, xlsx, halves, long)
	pdf := filepath.Join(dir, "bulletin.pdf")
	if _, err := os.Stat(pdf); err != nil {
		t.Fatalf("LibreOffice wrote no PDF: %v", err)
	}

	m := regexp.MustCompile(`(?m)^Pages:\s+(\d+)`).FindSubmatch(run(pdfinfo, pdf))
	if m == nil {
		t.Fatal("pdfinfo gave no page count")
	}
	pages, _ := strconv.Atoi(string(m[1]))
	// Eight sheets; each table fits one page wide, the chart sheet may run on.
	if pages < 8 || pages > 12 {
		t.Errorf("%d pages, want 8 to 12 (one per sheet, fitted to the width)", pages)
	}
	text := string(run(pdftotext, "-layout", pdf, "-"))
	// Differences of rates in percentage points, 报名任务比 as a multiple
	// (10 applied for a quota of 8: 1.25, half away from zero 1.3), the
	// signature line, and 达标 否 for 50% against 87.8% time progress.
	for _, want := range []string{"-37.8个百分点", "1.3倍", "填报单位：", "填表日期：", "达标", "落后时间进度87.8个百分点"} {
		if !strings.Contains(text, want) {
			t.Errorf("the printed bulletin lacks %q", want)
		}
	}
	htext := string(run(pdftotext, "-layout", filepath.Join(dir, "halves.pdf"), "-"))
	for _, want := range []string{"31.3%", "66.3%"} {
		if !strings.Contains(htext, want) {
			t.Errorf("LibreOffice does not show %s", want)
		}
	}
	for _, wrong := range []string{"31.2%", "66.2%"} {
		if strings.Contains(htext, wrong) {
			t.Errorf("LibreOffice shows %s", wrong)
		}
	}
	// The 70-region bulletin: no 合计 row prints on a page of its own (the
	// 数据质量 sheet, with no files, has nothing but its 合计).
	ltext := string(run(pdftotext, "-layout", filepath.Join(dir, "long.pdf"), "-"))
	lpages := strings.Split(ltext, "\f")
	for i, p := range lpages {
		if strings.Contains(p, "合计") && !strings.Contains(p, "读取") {
			if n := strings.Count(p, "测试单位"); n < 2 {
				t.Errorf("long bulletin page %d of %d: 合计 with %d regions", i+1, len(lpages), n)
			}
		}
	}
	// The failure reason =1+2 prints as itself, not as 3: text, not formula.
	for _, want := range []string{"郑州市2025年上半年征兵工作周通报", "统计截止日期：2025年3月20日", "合计", "任务完成率", "50.0%", "第 1 页",
		fixture.FormulaReason + "（1）", fixture.AtReason + "（1）"} {
		if !strings.Contains(text, want) {
			t.Errorf("the printed bulletin lacks %q", want)
		}
	}

	// LibreOffice's own PNG export fails headless here; rasterise the PDF.
	run(pdftoppm, "-r", "40", "-png", "-f", "1", "-l", "2", pdf, filepath.Join(dir, "page"))
	// (pdftoppm pads page numbers to the page count's width.)
	pngs, _ := filepath.Glob(filepath.Join(dir, "page-*.png"))
	if len(pngs) != 2 {
		t.Fatalf("pdftoppm wrote %v, want two pages", pngs)
	}
	for _, n := range pngs {
		ink := inked(t, n)
		t.Logf("%s: %.3f ink", filepath.Base(n), ink)
		if ink < 0.01 {
			t.Errorf("%s: %.4f of the page is ink: blank", filepath.Base(n), ink)
		}
	}
}

// inked is the share of pixels of a PNG that are not near-white.
func inked(t *testing.T, path string) float64 {
	t.Helper()
	fh, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	img, err := png.Decode(fh)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return inkShare(img)
}

func inkShare(img image.Image) float64 {
	b := img.Bounds()
	var dark, all int
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			all++
			if r < 0xE000 || g < 0xE000 || bl < 0xE000 {
				dark++
			}
		}
	}
	return float64(dark) / float64(all)
}
