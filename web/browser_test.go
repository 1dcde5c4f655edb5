package web

import (
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/xuri/excelize/v2"

	"enlist/internal/browsertest"
	"enlist/reports/page"
	"enlist/web/auth"
)

// drawnCharts reads each chart's canvas back in the page: pixels drawn of
// pixels there.
const drawnCharts = `(%s).map(function (id) {
	var el = document.getElementById(id);
	if (!el) { return {id: id, error: 'missing'}; }
	var cs = el.querySelectorAll('canvas');
	if (cs.length === 0) { return {id: id, error: 'no canvas'}; }
	var inked = 0;
	cs.forEach(function (c) {
		var d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
		for (var i = 3; i < d.length; i += 4) { if (d[i] > 0) { inked++; } }
	});
	return {id: id, inked: inked};
})`

type canvasCheck struct {
	ID    string `json:"id"`
	Error string `json:"error"`
	Inked int    `json:"inked"`
}

// TestBrowserSignsInDrillsDownDownloadsAndSignsOut drives the console in
// headless chromium with no network but the console on this machine: sign
// in as a city's leader, see the city's bulletin with every chart drawn,
// click into a county, download the county's workbook, sign out. Any
// console error, CSP violation, request elsewhere or dialog fails it; so
// does the town named <script>… not showing as text. Chinese, then
// English.
func TestBrowserSignsInDrillsDownDownloadsAndSignsOut(t *testing.T) {
	if why := browsertest.Missing(t); why != "" {
		t.Skip(why)
	}
	s := newServer(t, Config{})
	city := fix.county[:4]
	if err := s.acc.Add("city-leader", auth.Leader, city, testPassword); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s)
	defer srv.Close()
	ids := `["` + strings.Join(page.ChartIDs(), `","`) + `"]`
	for _, lang := range []struct {
		query, title, signIn, sheet string
	}{{"", "周通报", "登录", "总览"}, {"?lang=en", "Bulletin", "Log in", "Overview"}} {
		t.Run("lang"+lang.query, func(t *testing.T) {
			downloads := t.TempDir()
			var cityCharts, countyCharts []canvasCheck
			var downloaded string
			var cityText, countyText, countyURL, afterLogout, loginHeading string
			wantCounty := `a.child[data-code="` + fix.county + `"]`
			problems, err := browsertest.Site(t, srv.URL, browsertest.Options{LogWarnings: true, Downloads: downloads, Timeout: 4 * time.Minute},
				chromedp.Navigate(srv.URL+"/"+lang.query),
				chromedp.WaitVisible(`#name`, chromedp.ByQuery),
				chromedp.Text(`h1`, &loginHeading, chromedp.ByQuery),
				chromedp.SendKeys(`#name`, "city-leader", chromedp.ByQuery),
				chromedp.SendKeys(`#password`, testPassword, chromedp.ByQuery),
				chromedp.Submit(`#password`, chromedp.ByQuery),
				chromedp.WaitReady(`body[data-rendered="true"]`, chromedp.ByQuery),
				chromedp.Evaluate(strings.Replace(drawnCharts, "%s", ids, 1), &cityCharts),
				chromedp.Evaluate(`document.body.innerText`, &cityText),
				chromedp.Click(wantCounty, chromedp.ByQuery),
				chromedp.WaitReady(`body[data-rendered="true"] a#up`, chromedp.ByQuery),
				chromedp.Evaluate(strings.Replace(drawnCharts, "%s", ids, 1), &countyCharts),
				chromedp.Evaluate(`document.body.innerText`, &countyText),
				chromedp.Location(&countyURL),
				browsertest.Download(chromedp.Click(`#download-xlsx`, chromedp.ByQuery), &downloaded),
				chromedp.Click(`#logout`, chromedp.ByQuery),
				chromedp.WaitVisible(`#name`, chromedp.ByQuery),
				chromedp.Navigate(srv.URL+"/"+lang.query),
				chromedp.WaitVisible(`#name`, chromedp.ByQuery),
				chromedp.Location(&afterLogout),
			)
			if err != nil {
				t.Fatalf("%v (problems so far: %v)", err, problems)
			}
			for _, p := range problems {
				t.Error(p)
			}
			if !strings.Contains(loginHeading, lang.signIn) {
				t.Errorf("login heading %q, want %q", loginHeading, lang.signIn)
			}
			for name, charts := range map[string][]canvasCheck{"city": cityCharts, "county": countyCharts} {
				if len(charts) != len(page.ChartIDs()) {
					t.Errorf("%s: %d charts checked", name, len(charts))
				}
				for _, c := range charts {
					if c.Error != "" || c.Inked < 500 {
						t.Errorf("%s: chart %s: %s, %d pixels drawn", name, c.ID, c.Error, c.Inked)
					}
				}
			}
			if !strings.Contains(cityText, lang.title) {
				t.Errorf("the city's page does not say %q", lang.title)
			}
			if !strings.Contains(countyURL, "scope="+fix.county) {
				t.Errorf("drilled down to %s, want scope=%s", countyURL, fix.county)
			}
			if !strings.Contains(countyText, scriptName) {
				t.Errorf("the county's page does not show the town named %q as text", scriptName)
			}
			if lang.query != "" && !strings.Contains(countyURL, "lang=en") {
				t.Errorf("drilling down lost the language: %s", countyURL)
			}
			if !strings.Contains(afterLogout, "/login") {
				t.Errorf("after logging out / went to %s, want the login form", afterLogout)
			}
			// The workbook downloaded is the county's.
			if !strings.HasPrefix(downloaded, "bulletin_"+fix.county+"_") {
				t.Errorf("downloaded %q, want the county's bulletin", downloaded)
			}
			var got []string
			deadline := time.Now().Add(10 * time.Second)
			for len(got) == 0 && time.Now().Before(deadline) {
				got, _ = filepath.Glob(filepath.Join(downloads, "bulletin_"+fix.county+"_*.xlsx"))
				if len(got) == 0 {
					time.Sleep(100 * time.Millisecond)
				}
			}
			if len(got) != 1 {
				entries, _ := os.ReadDir(downloads)
				t.Fatalf("downloads: %v", entries)
			}
			f, err := excelize.OpenFile(got[0])
			if err != nil {
				t.Fatalf("the download is not a workbook: %v", err)
			}
			defer f.Close()
			if sheets := f.GetSheetList(); len(sheets) == 0 || sheets[0] != lang.sheet {
				t.Errorf("sheets %v", sheets)
			}
		})
	}
}
