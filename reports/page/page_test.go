package page_test

import (
	"bytes"
	"context"
	"errors"
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
	if bytes.Contains(buf.Bytes(), []byte(":null")) && regexp.MustCompile(`"(names|values|weeks|net|physical|placed)":null`).Match(buf.Bytes()) {
		t.Error("chart data has null lists")
	}
	if !bytes.Contains(buf.Bytes(), []byte(`"weeks":["03-20"]`)) {
		t.Error("no week point for the quota line")
	}
}
