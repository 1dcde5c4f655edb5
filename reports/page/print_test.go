package page_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"enlist/internal/browsertest"
	"enlist/reports/bulletin"
	"enlist/reports/internal/fixture"
	"enlist/reports/page"
)

// TestBrowserReadsAndPrintsHalves opens, in one chromium, the page of the
// fixture whose figures fall half-way between printed digits (5/16, 53/80)
// and whose completions all trail time progress (87.8 %). It checks:
//   - the page prints 31.3 % and 66.3 %, never 31.2 % or 66.2 %;
//   - the completion chart's axis, as ECharts laid it out, reaches past the
//     time-progress line, so the line is drawn;
//   - no KPI caption wraps inside a part at 1366 and 1920 px;
//   - printed, the page is A4 landscape pages, and each chart's canvas is
//     on one page (poppler lists each canvas image once).
func TestBrowserReadsAndPrintsHalves(t *testing.T) {
	if why := browsertest.Missing(t); why != "" {
		t.Skip(why)
	}
	pdfinfo, pdfimages := tool(t, "pdfinfo"), tool(t, "pdfimages")
	wh := fixture.Halves(t)
	b, err := bulletin.Gather(context.Background(), wh, bulletin.Options{Scope: "4101", AsOf: fixture.AsOf})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := page.Write(&buf, b, fixture.AsOf); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "bulletin.html")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}

	type axis struct {
		Extent []float64 `json:"extent"`
		Line   float64   `json:"line"`
	}
	var ranking axis
	var text string
	var canvases int
	wrapped := map[int][]string{}
	wrapCheck := `Array.from(document.querySelectorAll('.kpi .label, .kpi .value, .kpi .sub span')).filter(function (e) {
		var card = e.closest('.kpi').getBoundingClientRect(), r = e.getBoundingClientRect();
		return e.getClientRects().length !== 1 || r.right > card.right + 0.5;
	}).map(function (e) { return e.textContent; })`
	var at1366, at1920 []string
	var pdf []byte
	problems, err := browsertest.Load(t, path, browsertest.Options{LogWarnings: true},
		chromedp.Evaluate(`(function () {
			var c = echarts.getInstanceByDom(document.getElementById('chart-ranking'));
			return {extent: c.getModel().getComponent('xAxis', 0).axis.scale.getExtent(),
				line: c.getOption().series[0].markLine.data[0].xAxis};
		})()`, &ranking),
		chromedp.Evaluate(`document.body.innerText`, &text),
		chromedp.Evaluate(`document.querySelectorAll('canvas').length`, &canvases),
		chromedp.EmulateViewport(1366, 900),
		chromedp.Evaluate(wrapCheck, &at1366),
		chromedp.EmulateViewport(1920, 1080),
		chromedp.Evaluate(wrapCheck, &at1920),
		chromedp.ActionFunc(func(ctx context.Context) error {
			var err error
			pdf, _, err = cdppage.PrintToPDF().WithPreferCSSPageSize(true).WithPrintBackground(true).Do(ctx)
			return err
		}),
	)
	if err != nil {
		t.Fatalf("%v (problems so far: %v)", err, problems)
	}
	for _, p := range problems {
		t.Error(p)
	}
	wrapped[1366], wrapped[1920] = at1366, at1920

	for _, want := range []string{"31.3%", "66.3%", "完成任务60.4%"} {
		if !strings.Contains(text, want) {
			t.Errorf("the page does not print %s", want)
		}
	}
	for _, wrong := range []string{"31.2%", "66.2%"} {
		if strings.Contains(text, wrong) {
			t.Errorf("the page prints %s: rounded half to even", wrong)
		}
	}
	if ranking.Line != 87.8 || len(ranking.Extent) != 2 || ranking.Extent[0] != 0 || ranking.Extent[1] < ranking.Line {
		t.Errorf("completion axis %v does not reach the time-progress line at %v", ranking.Extent, ranking.Line)
	}
	for width, list := range wrapped {
		if len(list) > 0 {
			t.Errorf("at %d px these KPI captions wrap or overflow: %q", width, list)
		}
	}

	file := filepath.Join(dir, "bulletin.pdf")
	if err := os.WriteFile(file, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	info, err := exec.CommandContext(ctx, pdfinfo, "-f", "1", "-l", "99", file).Output()
	if err != nil {
		t.Fatalf("pdfinfo: %v", err)
	}
	sizes := regexp.MustCompile(`(?m)^Page\s+\d+ size:\s+(.*)$`).FindAllStringSubmatch(string(info), -1)
	if len(sizes) == 0 {
		t.Fatalf("pdfinfo lists no pages:\n%s", info)
	}
	for i, s := range sizes {
		// Chromium rounds to its own units: 841.92 x 594.96 pts, "(A4)".
		if !strings.HasPrefix(s[1], "841.") || !strings.Contains(s[1], "(A4)") {
			t.Errorf("page %d is %s, want A4 landscape (841.89 x 595.28 pts)", i+1, s[1])
		}
	}
	list, err := exec.CommandContext(ctx, pdfimages, "-list", file).Output()
	if err != nil {
		t.Fatalf("pdfimages: %v", err)
	}
	// Two header lines, then one line per image placed on a page: a canvas
	// cut across two pages would be placed twice.
	lines := strings.Split(strings.TrimSpace(string(list)), "\n")
	images := 0
	for _, l := range lines[min(2, len(lines)):] {
		if f := strings.Fields(l); len(f) > 2 && f[2] == "image" {
			images++
		}
	}
	if canvases == 0 || images != canvases {
		t.Errorf("%d canvases printed as %d images over %d pages:\n%s", canvases, images, len(sizes), list)
	}
	t.Logf("%d A4 pages, %d canvases, axis %v", len(sizes), canvases, ranking.Extent)
}

func tool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is not installed (Debian: poppler-utils)", name)
		}
		t.Skipf("%s is not installed (Debian: poppler-utils)", name)
	}
	return p
}
