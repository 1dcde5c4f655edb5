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

//go:embed init.js
var initJS string

var tmpl = template.Must(template.New("page").Parse(pageTemplate))

// ChartIDs are the chart elements' IDs, fixed so tests and readers can find
// each chart.
func ChartIDs() []string {
	return []string{"chart-ranking", "chart-funnel", "chart-weekly", "chart-rates", "chart-resettlement"}
}

type kpi struct {
	Label, Value, Sub string
	Bad               bool
}

type cell struct{ Text, Class string }

type tableRow struct {
	Cells []cell
	Total bool
}

type attention struct{ Name, Text string }

type view struct {
	HTMLLang, Title, AsOfLine, Generated, CSP string
	L                                         map[string]string
	KPIs                                      []kpi
	Attention                                 []attention
	RankingHeight                             int
	TableHead, IssueHead, FileHead            []string
	TableRows, IssueRows, FileRows            []tableRow
	Data, ECharts, Init                       template.JS
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
	v := &view{HTMLLang: "zh-CN", Title: b.Title(), AsOfLine: b.AsOfLine(),
		Generated: fmt.Sprintf(t("generated"), now.Format("2006-01-02 15:04")), L: map[string]string{}}
	if b.Lang == bulletin.English {
		v.HTMLLang = "en"
	}
	for _, k := range []string{"attention", "ranking", "funnel", "weekly", "rates", "resettlement", "children_table", "quality_section", "none"} {
		v.L[k] = t(k)
	}

	completion, cok := s.Rate("quota_completion")
	elapsed, eok := s.Rate("elapsed_share")
	college, colok := s.Rate("college_ratio")
	collegeTarget := b.CollegeTarget(s)
	ret, rok := s.Rate("return_rate")
	placement, pok := s.Rate("placement_rate")
	subsidy, sok := s.Rate("subsidy_on_time_rate")
	atq, aok := s.Rate("applied_to_quota")
	phys, phok := s.Rate("physical_pass_rate")
	pol, pook := s.Rate("political_pass_rate")
	v.KPIs = []kpi{
		{Label: t("quota"), Value: fmt.Sprint(s.Int("quota"))},
		{Label: t("kpi_net"), Value: fmt.Sprint(s.Int("approved") - s.Int("returned")),
			Sub: fmt.Sprintf("%s %d · %s %d · %s %s", t("approved"), s.Int("approved"), t("returned"), s.Int("returned"), t("change"), signed(s.Int("approved_change")-s.Int("returned_change")))},
		{Label: t("completion"), Value: pct(completion, cok), Sub: t("elapsed") + " " + pct(elapsed, eok),
			Bad: b.Behind(s)},
		{Label: t("applied"), Value: fmt.Sprint(s.Int("applied")), Sub: t("applied_ratio") + " " + pct(atq, aok)},
		{Label: t("double"), Value: fmt.Sprint(s.Int("double_qualified")),
			Sub: t("physical_pass_rate") + " " + pct(phys, phok) + " · " + t("political_pass_rate") + " " + pct(pol, pook)},
		{Label: t("college_ratio"), Value: pct(college, colok), Sub: t("target") + " " + bulletin.Percent(collegeTarget),
			Bad: colok && college < collegeTarget-1e-9},
		{Label: t("return_rate"), Value: pct(ret, rok), Sub: t("responsible") + " " + fmt.Sprint(s.Int("responsible_returned")),
			Bad: rok && ret >= b.Targets.ReturnRateMax},
		{Label: t("placement_rate"), Value: pct(placement, pok), Sub: t("subsidy_on_time_rate") + " " + pct(subsidy, sok),
			Bad: pok && placement < b.Targets.Placement-1e-9},
	}
	for _, a := range b.Attention {
		v.Attention = append(v.Attention, attention{Name: a.Name, Text: strings.Join(a.Reasons, "；")})
	}

	ranked := b.ChildrenBy("completion_rank")
	v.RankingHeight = min(max(160, 60+24*len(ranked)), 4000)
	v.TableHead = []string{t("rank"), t("region"), t("quota"), t("approved"), t("returned"), t("completion"), t("elapsed"),
		t("college_ratio"), t("physical_pass_rate"), t("political_pass_rate"), t("placement_rate")}
	row := func(r bulletin.Row, rank string, total bool) tableRow {
		c, cok := r.Rate("quota_completion")
		e, eok := r.Rate("elapsed_share")
		col, colok := r.Rate("college_ratio")
		name := r.Name()
		if total {
			name = t("total")
		}
		cls := func(bad bool) string {
			if bad {
				return "n bad"
			}
			return "n"
		}
		ph, phok := r.Rate("physical_pass_rate")
		po, pook := r.Rate("political_pass_rate")
		pl, plok := r.Rate("placement_rate")
		return tableRow{Total: total, Cells: []cell{
			{rank, "n"}, {name, ""}, {fmt.Sprint(r.Int("quota")), "n"}, {fmt.Sprint(r.Int("approved")), "n"},
			{fmt.Sprint(r.Int("returned")), "n"}, {pct(c, cok), cls(b.Behind(r))}, {pct(e, eok), "n"},
			{pct(col, colok), cls(colok && col < b.CollegeTarget(r)-1e-9)}, {pct(ph, phok), "n"}, {pct(po, pook), "n"}, {pct(pl, plok), "n"},
		}}
	}
	for _, r := range ranked {
		v.TableRows = append(v.TableRows, row(r, fmt.Sprint(r.Int("completion_rank")), false))
	}
	v.TableRows = append(v.TableRows, row(s, "", true))

	v.IssueHead = []string{t("source"), t("top_issue"), t("rows"), t("files")}
	for _, i := range b.IssuesByReason() {
		v.IssueRows = append(v.IssueRows, tableRow{Cells: []cell{{t("source_" + i.Source), ""}, {i.Label, ""},
			{fmt.Sprint(i.Rows), "n"}, {fmt.Sprint(i.Files), "n"}}})
	}
	v.FileHead = []string{t("file"), t("kind"), t("region"), t("read"), t("accepted"), t("rejected"), t("flagged"), t("top_issue")}
	var read, acc, rej, fl int64
	for _, f := range b.Files {
		top := ""
		if f.TopReason != "" {
			top = fmt.Sprintf("%s（%d）", f.TopLabel, f.TopRows)
		}
		rejClass := "n"
		if f.Rejected > 0 {
			rejClass = "n bad"
		}
		v.FileRows = append(v.FileRows, tableRow{Cells: []cell{{f.File, ""}, {b.Lang.KindName(f.Kind), ""}, {f.RegionName, ""},
			{fmt.Sprint(f.Read), "n"}, {fmt.Sprint(f.Accepted), "n"}, {fmt.Sprint(f.Rejected), rejClass}, {fmt.Sprint(f.Flagged), "n"}, {top, ""}}})
		read, acc, rej, fl = read+f.Read, acc+f.Accepted, rej+f.Rejected, fl+f.Flagged
	}
	v.FileRows = append(v.FileRows, tableRow{Total: true, Cells: []cell{{t("total"), ""}, {"", ""}, {"", ""},
		{fmt.Sprint(read), "n"}, {fmt.Sprint(acc), "n"}, {fmt.Sprint(rej), "n"}, {fmt.Sprint(fl), "n"}, {"", ""}}})

	data, err := chartOptions(b, ranked)
	if err != nil {
		return nil, err
	}
	v.Data = template.JS(data)
	return v, nil
}
