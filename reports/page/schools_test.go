package page_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"enlist/internal/browsertest"
	"enlist/reports/bulletin"
	"enlist/reports/internal/fixture"
	"enlist/reports/page"
)

// TestBrowserDrawsSchoolsSection: the page of a city whose registrations
// name universities (fixture.Universities) has the 高校征兵 section; headless
// chromium, network blocked, draws its chart (the canvas inked) with no
// console error or CSP violation, and the two tables rank the universities
// by approved (郑州大学 3, 郑州测试学院 1, …, 合计 4) and by applied per
// thousand students (郑州大学 3.0, 华北水利水电大学 2.0, 合计 2.7).
func TestBrowserDrawsSchoolsSection(t *testing.T) {
	if why := browsertest.Missing(t); why != "" {
		t.Skip(why)
	}
	b, err := bulletin.Gather(context.Background(), fixture.Universities(t), bulletin.Options{Scope: "4101", AsOf: fixture.AsOf})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := page.Write(&buf, b, time.Date(2025, 3, 21, 9, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "bulletin.html")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	var inked int
	var approvedRows, rateRows [][]string
	var heading string
	rows := func(id string) string {
		return `Array.from(document.querySelectorAll('#` + id + ` tbody tr')).map(function (tr) {
			return Array.from(tr.cells).map(function (td) { return td.innerText.trim(); });
		})`
	}
	problems, err := browsertest.Load(t, path, browsertest.Options{LogWarnings: true},
		chromedp.Evaluate(`(function () {
			var el = document.getElementById('`+page.SchoolChartID+`');
			if (!el) { return -1; }
			var inked = 0;
			el.querySelectorAll('canvas').forEach(function (c) {
				var d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
				for (var i = 3; i < d.length; i += 4) { if (d[i] > 0) { inked++; } }
			});
			return inked;
		}())`, &inked),
		chromedp.Evaluate(`document.querySelector('#schools h2').innerText`, &heading),
		chromedp.Evaluate(rows("schools-by-approved"), &approvedRows),
		chromedp.Evaluate(rows("schools-by-rate"), &rateRows),
	)
	if err != nil {
		t.Fatalf("%v (problems so far: %v)", err, problems)
	}
	for _, p := range problems {
		t.Error(p)
	}
	if inked < 500 {
		t.Errorf("%s drew %d pixels: blank (or missing: -1)", page.SchoolChartID, inked)
	}
	if heading != "高校征兵" {
		t.Errorf("section heading %q", heading)
	}
	if len(approvedRows) != 16 {
		t.Fatalf("%d rows ranked by approved, want 15 and 合计", len(approvedRows))
	}
	for i, want := range [][]string{
		{"1", "郑州大学", "中原区", "3", "3", "3", "3", "1", "3", "66.7%"},
		{"2", "郑州测试学院", "二七区", "2", "2", "1", "1", "0", "—", "—"},
	} {
		if got := strings.Join(approvedRows[i], "|"); got != strings.Join(want, "|") {
			t.Errorf("by approved row %d: %s, want %s", i+1, got, strings.Join(want, "|"))
		}
	}
	if got, want := strings.Join(approvedRows[15], "|"), "|合计||7|6|4|4|1|3|66.7%"; got != want {
		t.Errorf("by approved 合计: %s, want %s", got, want)
	}
	wantRate := []string{"1|郑州大学|1000|3|3.0", "2|华北水利水电大学|500|1|2.0", "|合计|1500||2.7"}
	var gotRate []string
	for _, r := range rateRows {
		gotRate = append(gotRate, strings.Join(r, "|"))
	}
	if strings.Join(gotRate, "\n") != strings.Join(wantRate, "\n") {
		t.Errorf("by applied per thousand:\n%s\nwant\n%s", strings.Join(gotRate, "\n"), strings.Join(wantRate, "\n"))
	}
}
