package page_test

import (
	"bytes"
	"context"
	"errors"
	"html"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"enlist/reports/assets"
	"enlist/reports/bulletin"
	"enlist/reports/internal/fixture"
	"enlist/reports/page"
)

// visibleText is what a reader of the page sees: the body without scripts
// and styles, tags removed, entities decoded, plus the chart texts (titles,
// series and axis names, labels) that the charts draw from the data block.
func visibleText(t *testing.T, doc []byte) string {
	t.Helper()
	s := string(doc)
	data := regexp.MustCompile(`(?s)<script type="application/json" id="bulletin-data">(.*?)</script>`).FindStringSubmatch(s)
	if data == nil {
		t.Fatal("no chart data block")
	}
	s = regexp.MustCompile(`(?s)<script.*?</script>|<style.*?</style>|<head>.*?</head>`).ReplaceAllString(s, " ")
	s = regexp.MustCompile(`<[^>]*>`).ReplaceAllString(s, "\n")
	// Chart texts are JSON strings; their escapes do not hide a character.
	var texts []string
	for _, m := range regexp.MustCompile(`"((?:[^"\\]|\\.)*)"`).FindAllStringSubmatch(data[1], -1) {
		texts = append(texts, m[1])
	}
	return html.UnescapeString(s) + "\n" + strings.Join(texts, "\n")
}

// TestEnglishPageIsEnglish: the --lang en page names data-quality problems
// and file kinds in English, and outside region and file names (which stay
// as the data has them) has no full-width punctuation or space; table cells
// standing alone are capitalised like their heads.
func TestEnglishPageIsEnglish(t *testing.T) {
	if _, err := assets.ECharts(); errors.Is(err, assets.ErrNoBundle) {
		t.Skip(err)
	}
	wh := fixture.Small(t)
	b, err := bulletin.Gather(context.Background(), wh, bulletin.Options{Scope: "4101", AsOf: fixture.AsOf, Lang: bulletin.English})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := page.Write(&buf, b, time.Date(2025, 3, 21, 9, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	text := visibleText(t, buf.Bytes())
	for _, want := range []string{"Identity number check character wrong", "No registration", "Registrations", "Exams", "Rejected", "Flagged"} {
		if !strings.Contains(text, want) {
			t.Errorf("the English page does not say %q", want)
		}
	}
	// Names the data gives stay as they are: take them out, longest first
	// (a county's name may hold its city's).
	var names []string
	for _, r := range append([]bulletin.Row{b.Scope}, b.Children...) {
		names = append(names, r.Name())
	}
	for _, f := range b.Files {
		names = append(names, f.File, f.RegionName, b.RegionName(f.RegionCode, f.RegionName))
	}
	sort.Slice(names, func(i, j int) bool { return len(names[i]) > len(names[j]) })
	for _, n := range names {
		if n != "" {
			text = strings.ReplaceAll(text, n, "")
		}
	}
	for _, zh := range []string{"身份证号校验码错误", "无登记记录", "兵役登记", "拒收", "警示", "合计"} {
		if strings.Contains(text, zh) {
			t.Errorf("the English page says %q in Chinese", zh)
		}
	}
	for _, line := range strings.Split(text, "\n") {
		if i := strings.IndexAny(line, "，。：；（）、　！？“”《》【】"); i >= 0 {
			t.Errorf("full-width punctuation in English text: %q", strings.TrimSpace(line))
		}
	}
	for _, cell := range regexp.MustCompile(`<td[^>]*>([^<]*)</td>`).FindAllStringSubmatch(buf.String(), -1) {
		if c := html.UnescapeString(cell[1]); c != "" && c[0] >= 'a' && c[0] <= 'z' {
			t.Errorf("table cell %q is not capitalised", c)
		}
	}
}
