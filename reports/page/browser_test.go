package page_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"enlist/internal/browsertest"
	"enlist/reports/internal/fixture"
	"enlist/reports/page"
)

// TestBrowserRendersPageOffline loads the page in headless Debian chromium
// with every network scheme blocked and host names unresolvable. It fails
// on any console error or warning, uncaught exception, CSP violation,
// dialog (an injected alert), or request other than the page itself; it
// reads every chart's canvas back in the page to check it drew; and it
// checks the injected region name reads as text.
func TestBrowserRendersPageOffline(t *testing.T) {
	if why := browsertest.Missing(t); why != "" {
		t.Skip(why)
	}
	path, _ := render(t)

	type canvasCheck struct {
		ID     string `json:"id"`
		Error  string `json:"error"`
		Inked  int    `json:"inked"`
		Pixels int    `json:"pixels"`
	}
	var canvases []canvasCheck
	var text string
	var scripts int
	ids := `["` + strings.Join(page.ChartIDs(), `","`) + `"]`
	problems, err := browsertest.Load(t, path, browsertest.Options{LogWarnings: true},
		chromedp.Evaluate(`(`+ids+`).map(function (id) {
			var el = document.getElementById(id);
			if (!el) { return {id: id, error: 'missing'}; }
			var cs = el.querySelectorAll('canvas');
			if (cs.length === 0) { return {id: id, error: 'no canvas'}; }
			var inked = 0, pixels = 0;
			cs.forEach(function (c) {
				var d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
				for (var i = 3; i < d.length; i += 4) { pixels++; if (d[i] > 0) { inked++; } }
			});
			return {id: id, inked: inked, pixels: pixels};
		})`, &canvases),
		chromedp.Evaluate(`document.body.innerText`, &text),
		chromedp.Evaluate(`document.getElementsByTagName('script').length`, &scripts),
	)
	if err != nil {
		t.Fatalf("%v (problems so far: %v)", err, problems)
	}
	for _, p := range problems {
		t.Error(p)
	}
	if len(canvases) != len(page.ChartIDs()) {
		t.Fatalf("checked %d charts, want %d", len(canvases), len(page.ChartIDs()))
	}
	for _, c := range canvases {
		if c.Error != "" {
			t.Errorf("%s: %s", c.ID, c.Error)
			continue
		}
		// Axes, bars and labels: well over a few hundred pixels.
		if c.Inked < 500 {
			t.Errorf("%s drew %d of %d pixels: blank", c.ID, c.Inked, c.Pixels)
		}
	}
	for _, want := range []string{fixture.ScriptName, "郑州市2025年上半年征兵工作周通报", "需关注单位", "身份证号校验码错误"} {
		if !strings.Contains(text, want) {
			t.Errorf("the page does not show %q as text", want)
		}
	}
	if scripts != 3 {
		t.Errorf("%d script elements in the live page, want 3", scripts)
	}
}
