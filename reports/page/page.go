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
	Schools                                   *schoolsView // 高校征兵; nil when the bulletin has none
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

	rate := func(r bulletin.Rate) string {
		x, ok := r.Get()
		return pct(x, ok)
	}
	v.KPIs = []kpi{
		{Label: t("quota"), Value: fmt.Sprint(s.Quota.Int())},
		{Label: t("kpi_net"), Value: fmt.Sprint(s.Approved.Int() - s.Returned.Int()),
			Sub: []string{fmt.Sprintf("%s %d", t("approved"), s.Approved.Int()), fmt.Sprintf("%s %d", t("returned"), s.Returned.Int()),
				t("change") + " " + signed(s.ApprovedChange.Int()-s.ReturnedChange.Int())}},
		{Label: t("completion"), Value: rate(s.QuotaCompletion), Sub: []string{t("elapsed") + " " + rate(s.ElapsedShare)},
			Bad: s.CompletionMet.Missed()},
		{Label: t("applied"), Value: fmt.Sprint(s.Applied.Int()), Sub: []string{t("applied_ratio") + " " + times(b, s.AppliedToQuota)}},
		{Label: t("double"), Value: fmt.Sprint(s.DoubleQualified.Int()),
			Sub: []string{t("physical_pass_rate") + " " + rate(s.PhysicalPassRate), t("political_pass_rate") + " " + rate(s.PoliticalPassRate)},
			Bad: s.PhysicalMet.Missed() || s.PoliticalMet.Missed()},
		{Label: t("college_ratio"), Value: rate(s.CollegeRatio), Sub: []string{t("target") + " " + bulletin.Percent(s.CollegeTarget.V)},
			Bad: s.CollegeMet.Missed()},
		{Label: t("return_rate"), Value: rate(s.ReturnRate), Sub: []string{t("responsible") + " " + fmt.Sprint(s.ResponsibleReturned.Int())},
			Bad: s.ReturnMet.Missed()},
		{Label: t("placement_rate"), Value: rate(s.PlacementRate), Sub: []string{t("subsidy_on_time_rate") + " " + rate(s.SubsidyOnTimeRate)},
			Bad: s.PlacementMet.Missed() || s.SubsidyMet.Missed()},
	}
	v.KPIs = append(v.KPIs, trackCards(b, rate)...)
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

	ranked := b.ByCompletion()
	v.RankingHeight = min(max(160, 60+24*len(ranked)), 4000)
	v.TableHead = []string{t("rank"), t("region"), t("quota"), t("approved"), t("returned"), t("completion"), t("elapsed"),
		t("college_ratio"), t("physical_pass_rate"), t("political_pass_rate"), t("placement_rate")}
	// One colour rule: a rate is marked when the metrics view says it
	// misses its target (the *_met columns of sql/models/210_metrics_at.sql).
	cls := func(met bulletin.Verdict) string {
		if met.Missed() {
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
			{rank, "n"}, {name, ""}, {fmt.Sprint(r.Quota.Int()), "n"}, {fmt.Sprint(r.Approved.Int()), "n"},
			{fmt.Sprint(r.Returned.Int()), "n"}, {rate(r.QuotaCompletion), cls(r.CompletionMet)}, {rate(r.ElapsedShare), "n"},
			{rate(r.CollegeRatio), cls(r.CollegeMet)}, {rate(r.PhysicalPassRate), cls(r.PhysicalMet)},
			{rate(r.PoliticalPassRate), cls(r.PoliticalMet)}, {rate(r.PlacementRate), cls(r.PlacementMet)},
		}}
	}
	noQuota := false
	for _, r := range ranked {
		rank := "—"
		if n := r.CompletionRank; n.Valid {
			rank = fmt.Sprint(n.V)
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

	v.Schools = schoolsSection(b)
	data, err := chartOptions(b, ranked)
	if err != nil {
		return nil, err
	}
	v.Data = template.JS(data)
	return v, nil
}

// times is a ratio of counts as a multiple (5.8倍), or "—".
func times(b *bulletin.Bulletin, r bulletin.Rate) string {
	x, ok := r.Get()
	if !ok {
		return "—"
	}
	return b.Lang.Times(x)
}

// trackCards are the cards of the women's track, ethnic minorities and the
// office's own indicators, beside the built-in ones, when the bulletin
// shows them (bulletin.ShowsFemaleTrack, ShowsMinority, Indicators).
func trackCards(b *bulletin.Bulletin, rate func(bulletin.Rate) string) []kpi {
	t, s := b.Lang.T, b.Scope
	var out []kpi
	if b.ShowsFemaleTrack() {
		out = append(out, kpi{Label: t("female_completion"), Value: rate(s.FemaleQuotaCompletion),
			Sub: []string{fmt.Sprintf("%s %d", t("female_quota"), s.FemaleQuota.Int()),
				fmt.Sprintf("%s %d", t("female_approved"), s.FemaleApproved.Int()),
				fmt.Sprintf("%s %d", t("female_applied"), s.FemaleApplied.Int()),
				fmt.Sprintf("%s %d", t("female_double"), s.FemaleDoubleQualified.Int())},
			Bad: s.FemaleCompletionMet.Missed()})
	}
	if b.ShowsMinority() {
		sub := []string{fmt.Sprintf("%s %d", t("minority_applied"), s.MinorityApplied.Int()),
			fmt.Sprintf("%s %d", t("minority_approved"), s.MinorityApproved.Int())}
		if s.MinorityTarget.Valid {
			sub = append(sub, t("target")+" "+bulletin.Percent(s.MinorityTarget.V))
		}
		out = append(out, kpi{Label: t("minority_applied_share"), Value: rate(s.MinorityAppliedShare), Sub: sub,
			Bad: s.MinorityMet.Missed()})
	}
	for _, ind := range b.Indicators {
		f := s.OfficeFigures(ind)
		show := rate
		if !ind.Percent {
			show = func(r bulletin.Rate) string {
				if x, ok := r.Get(); ok {
					return fmt.Sprint(int64(bulletin.Round(x, 0)))
				}
				return "—"
			}
		}
		var sub []string
		if f.Target.Valid {
			sub = append(sub, t("target")+" "+show(f.Target))
		}
		if f.Score.Valid {
			sub = append(sub, fmt.Sprintf("%s %.1f", t("indicator_score"), bulletin.Round(f.Score.V, 1)))
		}
		out = append(out, kpi{Label: ind.Label, Value: show(f.Value), Sub: sub, Bad: f.Met.Missed()})
	}
	return out
}
