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

// TestPageShowsTracks: the page of a city with a female quota, minority
// youth and an office's own indicator (fixture.Tracks; figures worked out
// in internal/metrics/tracks_test.go) draws in Chromium with no network,
// no console problem, and cards for the women's completion (50.0 %), the
// minority share of applicants (44.4 %, target 50.0 %, marked as missed)
// and the indicator (66.7 %, target 80.0 %).
func TestPageShowsTracks(t *testing.T) {
	if why := browsertest.Missing(t); why != "" {
		t.Skip(why)
	}
	b, err := bulletin.Gather(context.Background(), fixture.Tracks(t), bulletin.Options{Scope: "4101", AsOf: fixture.AsOf})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := page.Write(&buf, b, time.Date(2025, 3, 21, 9, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "tracks.html")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	var cards []string
	var drawn int
	problems, err := browsertest.Load(t, path, browsertest.Options{LogWarnings: true},
		chromedp.Evaluate(`Array.from(document.querySelectorAll('.kpi')).map(function (k) {
			return (k.classList.contains('bad') ? 'bad ' : '') + k.innerText.replace(/\s+/g, ' ');
		})`, &cards),
		chromedp.Evaluate(`document.querySelectorAll('canvas').length`, &drawn),
	)
	if err != nil {
		t.Fatalf("%v (problems so far: %v)", err, problems)
	}
	for _, p := range problems {
		t.Error(p)
	}
	if drawn == 0 {
		t.Error("no chart drew")
	}
	all := strings.Join(cards, "\n")
	for _, want := range []string{
		"女兵任务完成率 50.0% 女兵征集任务 2 · 女兵定兵数 3",
		"bad 少数民族应征报名比例 44.4% 少数民族报名人数 4 · 少数民族定兵数 3 · 目标 50.0%",
		"bad " + fixture.TracksIndicator + " 66.7% 目标 80.0%",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("no card reads %q; the cards:\n%s", want, all)
		}
	}
}
