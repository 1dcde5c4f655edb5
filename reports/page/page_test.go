package page_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"enlist/reports/assets"
	"enlist/reports/bulletin"
	"enlist/reports/internal/fixture"
	"enlist/reports/page"
)

// render writes the hand-computed fixture's page (a region named
// </script><script>alert(1)</script>, failure reasons =1+2 and @SUM(1)).
func render(t *testing.T) (string, []byte) {
	t.Helper()
	if _, err := assets.ECharts(); errors.Is(err, assets.ErrNoBundle) {
		if os.Getenv("CI") != "" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	wh := fixture.Small(t)
	b, err := bulletin.Gather(context.Background(), wh, bulletin.Options{Scope: "4101", AsOf: fixture.AsOf})
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
	return path, buf.Bytes()
}

func TestPageHasNoNetworkReference(t *testing.T) {
	_, doc := render(t)
	// Outside the ECharts bundle (whose code names the SVG and XLink
	// namespaces as strings, and builds tooltip markup) there is no URL and
	// no element that could load one; the bundle itself loads nothing.
	bundle, _ := assets.ECharts()
	bundle = bytes.ReplaceAll(bytes.ReplaceAll(bundle, []byte("\r\n"), []byte("\n")), []byte("\r"), []byte("\n"))
	if !bytes.Contains(doc, bundle) {
		t.Fatal("the ECharts bundle is not inlined")
	}
	rest := bytes.Replace(doc, bundle, nil, 1)
	urlAttr := regexp.MustCompile(`(?i)\b(src|href|action|formaction|poster|srcset|data|background)\s*=\s*["']?\s*(https?:|//)`)
	if m := urlAttr.Find(doc); m != nil {
		t.Errorf("the page refers to the network: %q", m)
	}
	for _, re := range []*regexp.Regexp{
		regexp.MustCompile(`(?i)url\(\s*["']?\s*(https?:|//)`),
		regexp.MustCompile(`(?i)@import`),
		regexp.MustCompile(`(?i)<(link|iframe|img|object|embed|base|frame|audio|video|source)\b`),
	} {
		if m := re.Find(rest); m != nil {
			t.Errorf("the page refers to the network: %q", m)
		}
	}
	for _, s := range []string{"http://", "https://"} {
		if i := bytes.Index(rest, []byte(s)); i >= 0 {
			t.Errorf("the page names a URL: %q", rest[max(0, i-60):min(len(rest), i+60)])
		}
	}
	csp := regexp.MustCompile(`<meta http-equiv="Content-Security-Policy" content="([^"]+)">`).FindSubmatch(doc)
	if csp == nil {
		t.Fatal("no Content-Security-Policy")
	}
	policy := html.UnescapeString(string(csp[1]))
	for _, want := range []string{"default-src 'none'", "connect-src 'none'", "script-src 'sha256-"} {
		if !strings.Contains(policy, want) {
			t.Errorf("CSP %q lacks %q", policy, want)
		}
	}
	if script := regexp.MustCompile(`script-src [^;]*`).FindString(policy); strings.Contains(script, "unsafe") {
		t.Errorf("CSP lets any inline script run: %s", script)
	}
}

func TestPageEscapesExtractText(t *testing.T) {
	_, html := render(t)
	if bytes.Contains(html, []byte(fixture.ScriptName)) {
		t.Error("the region name went into the page unescaped")
	}
	if !bytes.Contains(html, []byte("&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;")) {
		t.Error("the region name is not shown as text")
	}
	if n := bytes.Count(html, []byte("<script")); n != 3 {
		t.Errorf("%d script elements, want 3 (data, ECharts, the page's own)", n)
	}
	// Stable chart IDs, each once.
	for _, id := range page.ChartIDs() {
		if n := bytes.Count(html, []byte(`id="`+id+`"`)); n != 1 {
			t.Errorf("chart %s appears %d times", id, n)
		}
	}
	// Chart data is aggregated by region: small, whatever the province's size.
	data := regexp.MustCompile(`(?s)<script type="application/json" id="bulletin-data">(.*?)</script>`).FindSubmatch(html)
	if data == nil {
		t.Fatal("no chart data block")
	}
	if len(data[1]) > 16<<10 {
		t.Errorf("chart data is %d bytes", len(data[1]))
	}
}

// TestPageOfRegionWithoutChildren: a town's page (no child regions, no
// approvals) still carries every chart's data as lists.
func TestPageOfRegionWithoutChildren(t *testing.T) {
	if _, err := assets.ECharts(); errors.Is(err, assets.ErrNoBundle) {
		t.Skip(err)
	}
	wh := fixture.Small(t)
	b, err := bulletin.Gather(context.Background(), wh, bulletin.Options{Scope: "410104", AsOf: fixture.AsOf})
	if err != nil {
		t.Fatal(err)
	}
	b.Children = nil
	var buf bytes.Buffer
	if err := page.Write(&buf, b, fixture.AsOf); err != nil {
		t.Fatal(err)
	}
	charts := chartOptions(t, buf.Bytes())
	for _, id := range page.ChartIDs() {
		o, ok := charts[id]
		if !ok {
			t.Errorf("no options for chart %s", id)
			continue
		}
		// Every series' data, and every category axis' names, is a list
		// (ECharts fails on null).
		series, _ := o["series"].([]any)
		if len(series) == 0 {
			t.Errorf("chart %s has no series", id)
		}
		for i, s := range series {
			if _, ok := s.(map[string]any)["data"].([]any); !ok {
				t.Errorf("chart %s series %d: data is not a list", id, i)
			}
		}
		for _, key := range []string{"xAxis", "yAxis"} {
			axes, _ := o[key].([]any)
			for _, a := range axes {
				if a.(map[string]any)["type"] == "category" {
					if _, ok := a.(map[string]any)["data"].([]any); !ok {
						t.Errorf("chart %s: category %s without a list of names", id, key)
					}
				}
			}
		}
	}
	weekly := charts["chart-weekly"]
	weeks, _ := weekly["xAxis"].([]any)
	// One week with data: the lines start at the season's first day, so
	// the quota line has two points and is drawn.
	if len(weeks) == 0 || fmt.Sprint(weeks[0].(map[string]any)["data"]) != "[01-01 03-20]" {
		t.Errorf("no week points for the quota line: x axis %v", weekly["xAxis"])
	}
	series, _ := weekly["series"].([]any)
	if len(series) != 2 {
		t.Fatalf("weekly chart has %d series, want net approvals and the quota", len(series))
	}
	if q := fmt.Sprint(series[1].(map[string]any)["data"]); q != fmt.Sprintf("[map[value:%d] map[value:%d]]", b.Scope.Quota.Int(), b.Scope.Quota.Int()) {
		t.Errorf("quota line %s, want two points at %d", q, b.Scope.Quota.Int())
	}
}

// TestChartOptionsKeepTheLook: the options go-echarts builds keep what the
// page promises of every chart: tooltips drawn in the canvas (so no text
// from the data is parsed as HTML), no animation, the CJK font stack; and
// the ranking colours a region behind time red, with the elapsed line.
func TestChartOptionsKeepTheLook(t *testing.T) {
	_, doc := render(t)
	charts := chartOptions(t, doc)
	if len(charts) != len(page.ChartIDs()) {
		t.Errorf("%d charts, want %d", len(charts), len(page.ChartIDs()))
	}
	for id, o := range charts {
		if mode := o["tooltip"].(map[string]any)["renderMode"]; mode != "richText" {
			t.Errorf("chart %s: tooltip renderMode %v", id, mode)
		}
		if o["animation"] != false {
			t.Errorf("chart %s: animation %v", id, o["animation"])
		}
		if f := fmt.Sprint(o["textStyle"]); !strings.Contains(f, "Noto Sans CJK SC") {
			t.Errorf("chart %s: text style %s", id, f)
		}
	}
	// The fixture: the injected name at 100% (on time), 中原区 at 50% and
	// 管城回族区 at 0% (both behind an elapsed share of 87.8%).
	ranking := charts["chart-ranking"]
	names := ranking["yAxis"].([]any)[0].(map[string]any)["data"].([]any)
	bar := ranking["series"].([]any)[0].(map[string]any)
	data := bar["data"].([]any)
	want := []struct{ name, colour, label string }{
		{fixture.ScriptName, "#2e75b6", "100.0%"}, {"中原区", "#c0392b", "50.0%"}, {"管城回族区", "#c0392b", "0.0%"}}
	if len(names) < len(want) || len(data) != len(names) {
		t.Fatalf("ranking: %d names, %d bars", len(names), len(data))
	}
	for i, w := range want {
		if names[i] != w.name {
			t.Errorf("ranking bar %d is %v, want %s", i, names[i], w.name)
		}
		d := data[i].(map[string]any)
		if c := d["itemStyle"].(map[string]any)["color"]; c != w.colour {
			t.Errorf("ranking bar %d colour %v, want %s", i, c, w.colour)
		}
		if l := d["label"].(map[string]any)["formatter"]; l != w.label {
			t.Errorf("ranking bar %d label %v, want %s", i, l, w.label)
		}
	}
	line := fmt.Sprint(bar["markLine"])
	for _, want := range []string{"xAxis:87.8", "时间进度 87.8%", "type:dashed", "#7f7f7f"} {
		if !strings.Contains(line, want) {
			t.Errorf("elapsed line %s lacks %q", line, want)
		}
	}
}

// chartOptions reads the page's chart data block: each chart's ECharts
// option by element ID.
func chartOptions(t *testing.T, doc []byte) map[string]map[string]any {
	t.Helper()
	m := regexp.MustCompile(`(?s)<script type="application/json" id="bulletin-data">(.*?)</script>`).FindSubmatch(doc)
	if m == nil {
		t.Fatal("no chart data block")
	}
	var list []struct {
		ID     string         `json:"id"`
		Option map[string]any `json:"option"`
	}
	if err := json.Unmarshal(m[1], &list); err != nil {
		t.Fatalf("chart data: %v", err)
	}
	out := map[string]map[string]any{}
	for _, c := range list {
		out[c.ID] = c.Option
	}
	return out
}

// TestResettlementChartSaysWhenNobodyIsDue: early in a season no veteran
// is due for placement yet; the chart says so rather than drawing empty
// axes a leader would read as missing data.
func TestResettlementChartSaysWhenNobodyIsDue(t *testing.T) {
	if _, err := assets.ECharts(); errors.Is(err, assets.ErrNoBundle) {
		t.Skip(err)
	}
	wh := fixture.Small(t)
	b, err := bulletin.Gather(context.Background(), wh, bulletin.Options{Scope: "4101", AsOf: fixture.AsOf})
	if err != nil {
		t.Fatal(err)
	}
	title := func() string {
		var buf bytes.Buffer
		if err := page.Write(&buf, b, fixture.AsOf); err != nil {
			t.Fatal(err)
		}
		return fmt.Sprint(chartOptions(t, buf.Bytes())["chart-resettlement"]["title"])
	}
	if due := b.Scope.PlacementDue.Int(); due == 0 {
		t.Fatalf("the fixture has nobody due for placement in %s; the test needs someone", b.Scope.Name())
	}
	if got := title(); strings.Contains(got, "暂无应安置人员") {
		t.Errorf("resettlement chart of a scope with veterans due says nobody is due: %s", got)
	}
	b.Scope.PlacementDue.V = 0
	if got := title(); !strings.Contains(got, "截至统计日期本季暂无应安置人员") {
		t.Errorf("resettlement chart with nobody due has title %s", got)
	}
}

// TestPageColoursEveryRateBelowTarget: one colour rule on the page — every
// rate with a target is marked when the bulletin model says it misses it:
// 中原区's physical pass rate 50.0 % (target 60 %), 二七区's political
// pass rate 66.7 % (target 95 %), completions under time progress; 二七区's
// 100 % completion is not. The page lists only the file with a problem.
func TestPageColoursEveryRateBelowTarget(t *testing.T) {
	_, doc := render(t)
	text := string(doc)
	row := func(name string) string {
		i := strings.Index(text, "<td class=\"\">"+html.EscapeString(name)+"</td>")
		if i < 0 {
			t.Fatalf("no table row for %s", name)
		}
		return text[i : i+strings.Index(text[i:], "</tr>")]
	}
	for _, c := range []struct{ name, cell string }{
		{"中原区", `<td class="n bad">50.0%</td><td class="n">87.8%</td>`},
		{"中原区", `<td class="n bad">50.0%</td><td class="n">100.0%</td>`},
		{fixture.ScriptName, `<td class="n bad">66.7%</td>`},
		{fixture.ScriptName, `<td class="n">100.0%</td><td class="n">87.8%</td>`},
	} {
		if !strings.Contains(row(c.name), c.cell) {
			t.Errorf("%s's row lacks %s:\n%s", c.name, c.cell, row(c.name))
		}
	}
	if !strings.Contains(text, "中原区兵役登记.csv") || strings.Contains(text, "郑州市征集任务.csv") {
		t.Errorf("the page should list the one file with a problem and no other")
	}
	for _, want := range []string{`<p class="lead" id="lead">郑州市定兵4人`, "<h3>进度</h3>", "<h3>质量</h3>", "报名任务比 1.3倍", "已评比例均达到目标"} {
		if !strings.Contains(text, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
}

// TestEmptyChartsSayNoData: on 01-03 nobody is registered or examined
// yet: the funnel and the rates chart say so in one line, with no series
// data and no axes, instead of equal boxes or bare axes.
func TestEmptyChartsSayNoData(t *testing.T) {
	if _, err := assets.ECharts(); errors.Is(err, assets.ErrNoBundle) {
		t.Skip(err)
	}
	wh := fixture.Small(t)
	b, err := bulletin.Gather(context.Background(), wh, bulletin.Options{Scope: "4101", AsOf: time.Date(2025, 1, 3, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := page.Write(&buf, b, fixture.AsOf); err != nil {
		t.Fatal(err)
	}
	charts := chartOptions(t, buf.Bytes())
	for id, note := range map[string]string{"chart-funnel": "截至统计日期暂无登记数据", "chart-rates": "截至统计日期暂无体检政考结果",
		"chart-resettlement": "截至统计日期本季暂无应安置人员"} {
		o := charts[id]
		if got := fmt.Sprint(o["title"]); !strings.Contains(got, note) {
			t.Errorf("%s title %s, want %q", id, got, note)
		}
		for _, s := range o["series"].([]any) {
			if d := s.(map[string]any)["data"].([]any); len(d) != 0 {
				t.Errorf("%s still draws %v", id, d)
			}
		}
		for _, key := range []string{"xAxis", "yAxis"} {
			axes, _ := o[key].([]any)
			for _, a := range axes {
				if a.(map[string]any)["show"] != false {
					t.Errorf("%s: %s shown with nothing on it", id, key)
				}
			}
		}
	}
	// The funnel of the fixture as of 03-20 is scaled to its largest stage.
	_, doc := render(t)
	f := chartOptions(t, doc)["chart-funnel"]["series"].([]any)[0].(map[string]any)
	if fmt.Sprint(f["min"], f["max"]) != "0 11" {
		t.Errorf("funnel scale %v–%v, want 0–11 registered", f["min"], f["max"])
	}
}
