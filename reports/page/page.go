// Package page writes the weekly bulletin as one self-contained HTML page
// that renders with no network at all (government intranets): KPI cards,
// the children ranked by completion, the funnel from registration to
// approval, cumulative approvals by week against the quota, qualification
// rates, resettlement, and the data-quality problems. ECharts is inlined
// from reports/assets; the charts' options are built with go-echarts
// (charts.go) and read from one JSON block of aggregated figures (never a
// person); every text from extracts goes through html/template or
// encoding/json, so it shows as text. A Content Security Policy forbids
// every network request and lets only the two inline scripts, by hash, run.
package page

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"fmt"
	"html/template"
	"io"
	"strings"
	"time"

	"enlist/reports/assets"
	"enlist/reports/bulletin"
)

//go:embed page.tmpl
var pageTemplate string

// content.tmpl is the page's body (header, sections, the data block), which
// the web console serves inside its own page (see Hosted).
//
//go:embed content.tmpl
var contentTemplate string

//go:embed page.css
var pageCSS string

//go:embed init.js
var initJS string

var tmpl = template.Must(template.Must(template.New("page").Parse(pageTemplate)).Parse(contentTemplate))

// ChartIDs are the chart elements' IDs, fixed so tests and readers can find
// each chart.
func ChartIDs() []string {
	return []string{"chart-ranking", "chart-funnel", "chart-weekly", "chart-rates", "chart-resettlement"}
}

// kpi is a card: its caption parts (Sub) each keep to one line, so a card
// breaks between parts and never inside one.
type kpi struct {
	Label, Value string
	Sub          []string
	Bad          bool
}

type cell struct{ Text, Class string }

type tableRow struct {
	Cells []cell
	Total bool
}

// attentionGroup is 需关注单位's 进度 or 质量: the regions named, most
// severe first, or the line saying nobody is.
type attentionGroup struct {
	Title string
	Items []attention
	None  string
}

type attention struct{ Name, Text string }

type view struct {
	HTMLLang, Title, AsOfLine, Generated, CSP string
	Lead                                      string
	L                                         map[string]string
	KPIs                                      []kpi
	Attention                                 []attentionGroup
	Notes                                     []string // the children table's "—" explained
	FewRecruits                               string
	RankingHeight                             int
	TableHead, IssueHead, FileHead            []string
	TableRows, IssueRows, FileRows            []tableRow
	MoreReasons, Withdrawn                    string
	Data, ECharts, Init                       template.JS
	Style                                     template.CSS
}

// Write renders the bulletin page to w. now is the generation time shown.
func Write(out io.Writer, b *bulletin.Bulletin, now time.Time) error {
	bundle, err := assets.ECharts()
	if err != nil {
		return err
	}
	v, err := build(b, now)
	if err != nil {
		return err
	}
	// An HTML parser turns CR LF and lone CR into LF before a script runs,
	// and the CSP hash is of what it runs; the bundle has some.
	bundle = bytes.ReplaceAll(bytes.ReplaceAll(bundle, []byte("\r\n"), []byte("\n")), []byte("\r"), []byte("\n"))
	v.ECharts = template.JS(bundle)
	v.Init = template.JS(initJS)
	v.Style = template.CSS(pageCSS)
	v.CSP = "default-src 'none'; script-src " + scriptHash(bundle) + " " + scriptHash([]byte(initJS)) +
		"; style-src 'unsafe-inline'; img-src data:; font-src 'none'; connect-src 'none'; frame-src 'none'; " +
		"object-src 'none'; base-uri 'none'; form-action 'none'"
	var buf bytes.Buffer
	if err := tmpl.Execute(&buf, v); err != nil {
		return fmt.Errorf("render bulletin page: %w", err)
	}
	_, err = out.Write(buf.Bytes())
	return err
}

func scriptHash(b []byte) string {
	s := sha256.Sum256(b)
	return "'sha256-" + base64.StdEncoding.EncodeToString(s[:]) + "'"
}

func pct(v float64, ok bool) string {
	if !ok {
		return "—"
	}
	return bulletin.Percent(v)
}

func signed(n int64) string {
	if n > 0 {
		return fmt.Sprintf("+%d", n)
	}
	return fmt.Sprint(n)
}

func build(b *bulletin.Bulletin, now time.Time) (*view, error) {
	t := b.Lang.T
	s := b.Scope
	v := &view{HTMLLang: "zh-CN", Title: b.Title(), AsOfLine: b.AsOfLine(), Lead: b.Lead(),
		Generated: fmt.Sprintf(t("generated"), now.Format("2006-01-02 15:04")), L: map[string]string{}}
	if b.Lang == bulletin.English {
		v.HTMLLang = "en"
	}
	for _, k := range []string{"attention", "ranking", "funnel", "weekly", "rates", "resettlement", "children_table", "quality_section", "none", "files_with_problems", "colon", "header_sep"} {
		v.L[k] = t(k)
	}

	rate := func(r bulletin.Row, col string) string {
		x, ok := r.Rate(col)
		return pct(x, ok)
	}
	v.KPIs = []kpi{
		{Label: t("quota"), Value: fmt.Sprint(s.Int("quota"))},
		{Label: t("kpi_net"), Value: fmt.Sprint(s.Int("approved") - s.Int("returned")),
			Sub: []string{fmt.Sprintf("%s %d", t("approved"), s.Int("approved")), fmt.Sprintf("%s %d", t("returned"), s.Int("returned")),
				t("change") + " " + signed(s.Int("approved_change")-s.Int("returned_change"))}},
		{Label: t("completion"), Value: rate(s, "quota_completion"), Sub: []string{t("elapsed") + " " + rate(s, "elapsed_share")},
			Bad: bulletin.Below(s, "completion")},
		{Label: t("applied"), Value: fmt.Sprint(s.Int("applied")), Sub: []string{t("applied_ratio") + " " + times(b, s, "applied_to_quota")}},
		{Label: t("double"), Value: fmt.Sprint(s.Int("double_qualified")),
			Sub: []string{t("physical_pass_rate") + " " + rate(s, "physical_pass_rate"), t("political_pass_rate") + " " + rate(s, "political_pass_rate")},
			Bad: bulletin.Below(s, "physical") || bulletin.Below(s, "political")},
		{Label: t("college_ratio"), Value: rate(s, "college_ratio"), Sub: []string{t("target") + " " + bulletin.Percent(b.CollegeTarget(s))},
			Bad: bulletin.Below(s, "college")},
		{Label: t("return_rate"), Value: rate(s, "return_rate"), Sub: []string{t("responsible") + " " + fmt.Sprint(s.Int("responsible_returned"))},
			Bad: bulletin.Below(s, "return")},
		{Label: t("placement_rate"), Value: rate(s, "placement_rate"), Sub: []string{t("subsidy_on_time_rate") + " " + rate(s, "subsidy_on_time_rate")},
			Bad: bulletin.Below(s, "placement") || bulletin.Below(s, "subsidy")},
	}
	for _, kind := range []string{bulletin.Pace, bulletin.Quality} {
		g := attentionGroup{Title: t("attention_" + kind)}
		for _, a := range b.AttentionOf(kind) {
			g.Items = append(g.Items, attention{Name: a.Name, Text: strings.Join(a.Reasons, t("semicolon"))})
		}
		if len(g.Items) == 0 {
			g.None = b.NoneLine(kind)
		}
		v.Attention = append(v.Attention, g)
	}
	v.FewRecruits = b.FewRecruits()

	ranked := b.ChildrenBy("completion_rank")
	v.RankingHeight = min(max(160, 60+24*len(ranked)), 4000)
	v.TableHead = []string{t("rank"), t("region"), t("quota"), t("approved"), t("returned"), t("completion"), t("elapsed"),
		t("college_ratio"), t("physical_pass_rate"), t("political_pass_rate"), t("placement_rate")}
	// One colour rule: a rate is marked when the bulletin model says it
	// misses its target (sql/models/440_bulletin_at.sql).
	cls := func(r bulletin.Row, verdict string) string {
		if bulletin.Below(r, verdict) {
			return "n bad"
		}
		return "n"
	}
	row := func(r bulletin.Row, rank string, total bool) tableRow {
		name := r.Name()
		if total {
			name = t("total")
		}
		return tableRow{Total: total, Cells: []cell{
			{rank, "n"}, {name, ""}, {fmt.Sprint(r.Int("quota")), "n"}, {fmt.Sprint(r.Int("approved")), "n"},
			{fmt.Sprint(r.Int("returned")), "n"}, {rate(r, "quota_completion"), cls(r, "completion")}, {rate(r, "elapsed_share"), "n"},
			{rate(r, "college_ratio"), cls(r, "college")}, {rate(r, "physical_pass_rate"), cls(r, "physical")},
			{rate(r, "political_pass_rate"), cls(r, "political")}, {rate(r, "placement_rate"), cls(r, "placement")},
		}}
	}
	noQuota := false
	for _, r := range ranked {
		rank := "—"
		if n, ok := r.Rate("completion_rank"); ok {
			rank = fmt.Sprint(int64(n))
		} else {
			noQuota = true
		}
		v.TableRows = append(v.TableRows, row(r, rank, false))
	}
	v.TableRows = append(v.TableRows, row(s, "", true))
	if noQuota {
		v.Notes = append(v.Notes, t("no_quota_note"))
	}

	// Data quality: the most frequent problems and only the files that
	// have one, read once in reports/bulletin as the 数据质量 sheet reads
	// them, so the two totals agree.
	q := b.Quality()
	v.IssueHead = []string{t("source"), t("top_issue"), t("rows"), t("files")}
	for _, r := range q.Top {
		v.IssueRows = append(v.IssueRows, tableRow{Cells: []cell{{t("source_" + r.Source), ""}, {r.Label, ""},
			{fmt.Sprint(r.Rows), "n"}, {fmt.Sprint(r.Files), "n"}}})
	}
	if q.More > 0 {
		v.MoreReasons = fmt.Sprintf(t("more_reasons"), q.More)
	}
	if len(q.Top) > 0 {
		v.IssueRows = append(v.IssueRows, tableRow{Total: true, Cells: []cell{{t("total"), ""}, {"", ""},
			{fmt.Sprint(q.Total.Rows), "n"}, {fmt.Sprint(q.Total.Files), "n"}}})
	}
	if q.Withdrawn > 0 {
		v.Withdrawn = fmt.Sprintf(t("withdrawn_note"), q.Withdrawn)
	}
	v.FileHead = []string{t("file"), t("kind"), t("region"), t("read"), t("accepted"), t("rejected"), t("flagged"), t("top_issue")}
	for _, f := range q.Files {
		top := ""
		if f.TopLabel != "" {
			top = fmt.Sprintf(t("count_paren"), f.TopLabel, f.TopRows)
		}
		rejClass := "n"
		if f.Rejected > 0 {
			rejClass = "n bad"
		}
		v.FileRows = append(v.FileRows, tableRow{Cells: []cell{{f.File, ""}, {b.Lang.KindName(f.Kind), ""}, {f.RegionName, ""},
			{fmt.Sprint(f.Read), "n"}, {fmt.Sprint(f.Accepted), "n"}, {fmt.Sprint(f.Rejected), rejClass}, {fmt.Sprint(f.Flagged), "n"}, {top, ""}}})
	}
	if len(v.FileRows) > 0 {
		ft := q.FileTotal
		v.FileRows = append(v.FileRows, tableRow{Total: true, Cells: []cell{{t("total"), ""}, {"", ""}, {"", ""},
			{fmt.Sprint(ft.Read), "n"}, {fmt.Sprint(ft.Accepted), "n"}, {fmt.Sprint(ft.Rejected), "n"}, {fmt.Sprint(ft.Flagged), "n"}, {"", ""}}})
	}

	data, err := chartOptions(b, ranked)
	if err != nil {
		return nil, err
	}
	v.Data = template.JS(data)
	return v, nil
}

// times is a ratio of counts as a multiple (5.8倍), or "—".
func times(b *bulletin.Bulletin, r bulletin.Row, col string) string {
	x, ok := r.Rate(col)
	if !ok {
		return "—"
	}
	return b.Lang.Times(x)
}
