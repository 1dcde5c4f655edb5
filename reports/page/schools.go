package page

import (
	"fmt"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"

	"enlist/reports/bulletin"
)

// SchoolChartID is the element of the universities' chart (高校定兵排名),
// drawn only on the page of a city or province whose universities have
// registrations (bulletin.Bulletin.Schools).
const SchoolChartID = "chart-schools"

// schoolsView is the page's 高校征兵 section: the universities ranked by
// approved (a chart and a table) and by applied per thousand students.
type schoolsView struct {
	Title, ByApproved, ByRate string
	ChartHeight               int
	ApprovedHead, RateHead    []string
	ApprovedRows, RateRows    []tableRow
	NoRate                    string
	Notes                     []string
}

// schoolsSection builds the section from b.Schools, or returns nil when the
// bulletin has none. Every figure is a field of bulletin.SchoolRow or
// SchoolTotal, as on the 高校征兵 sheet.
func schoolsSection(b *bulletin.Bulletin) *schoolsView {
	s := b.Schools
	if s == nil {
		return nil
	}
	t := b.Lang.T
	v := &schoolsView{Title: t("schools_section"), ByApproved: t("schools_by_approved"), ByRate: t("schools_by_rate"),
		ChartHeight: min(max(160, 60+24*len(s.Rows)), 4000),
		Notes:       []string{t("school_note"), t("school_quota_note")}}
	count := func(c bulletin.Count) string {
		if !c.Valid {
			return "—"
		}
		return fmt.Sprint(c.V)
	}
	rate := func(r bulletin.Rate) string {
		x, ok := r.Get()
		return pct(x, ok)
	}
	perThousand := func(r bulletin.Rate) string {
		x, ok := r.Get()
		if !ok {
			return "—"
		}
		return fmt.Sprintf("%.1f", bulletin.Round(x, 1))
	}
	v.ApprovedHead = []string{t("rank"), t("school"), t("school_county"), t("school_registered"), t("school_applied"),
		t("double"), t("approved"), t("returned"), t("school_quota"), t("school_completion")}
	for _, r := range s.Rows {
		v.ApprovedRows = append(v.ApprovedRows, tableRow{Cells: []cell{
			{count(r.ApprovedRank), "n"}, {r.SchoolName, ""}, {r.CountyName.String, ""},
			{fmt.Sprint(r.Registered.Int()), "n"}, {fmt.Sprint(r.Applied.Int()), "n"},
			{fmt.Sprint(r.DoubleQualified.Int()), "n"}, {fmt.Sprint(r.Approved.Int()), "n"},
			{fmt.Sprint(r.Returned.Int()), "n"}, {count(r.Quota), "n"}, {rate(r.QuotaCompletion), "n"}}})
	}
	tot := s.Total
	v.ApprovedRows = append(v.ApprovedRows, tableRow{Total: true, Cells: []cell{
		{"", "n"}, {t("total"), ""}, {"", ""},
		{fmt.Sprint(tot.Registered.Int()), "n"}, {fmt.Sprint(tot.Applied.Int()), "n"},
		{fmt.Sprint(tot.DoubleQualified.Int()), "n"}, {fmt.Sprint(tot.Approved.Int()), "n"},
		{fmt.Sprint(tot.Returned.Int()), "n"}, {count(tot.Quota), "n"}, {rate(tot.QuotaCompletion), "n"}}})

	if !s.HasStudentCounts() {
		v.NoRate = t("schools_no_rate")
		return v
	}
	v.Notes = append(v.Notes, t("school_rate_note"))
	v.RateHead = []string{t("school_rate_rank"), t("school"), t("school_students"), t("school_applied"), t("school_per_thousand")}
	for _, r := range s.ByAppliedRate() {
		if !r.AppliedRateRank.Valid {
			continue // no student count: no rate, no rank (said in the note)
		}
		v.RateRows = append(v.RateRows, tableRow{Cells: []cell{
			{count(r.AppliedRateRank), "n"}, {r.SchoolName, ""}, {count(r.Students), "n"},
			{fmt.Sprint(r.Applied.Int()), "n"}, {perThousand(r.AppliedPerThousand), "n"}}})
	}
	v.RateRows = append(v.RateRows, tableRow{Total: true, Cells: []cell{
		{"", "n"}, {t("total"), ""}, {count(tot.Students), "n"}, {"", "n"}, {perThousand(tot.AppliedPerThousand), "n"}}})
	return v
}

// schoolsChart: the universities by approved, as horizontal bars in rank
// order, each labelled with its count.
func schoolsChart(b *bulletin.Bulletin) *charts.Bar {
	t := b.Lang.T
	c := charts.NewBar()
	c.SetGlobalOptions(append(common(false),
		charts.WithTooltipOpts(opts.Tooltip{Trigger: "axis", AxisPointer: &opts.AxisPointer{Type: "shadow"}}),
		charts.WithGridOpts(opts.Grid{Left: "8", Right: "48", Top: "8", Bottom: "8", ContainLabel: opts.Bool(true)}),
		charts.WithXAxisOpts(opts.XAxis{Type: "value", MinInterval: 1}),
		charts.WithYAxisOpts(opts.YAxis{Type: "category", Inverse: opts.Bool(true), AxisLabel: &opts.AxisLabel{Interval: "0"}}),
	)...)
	names := make([]string, 0, len(b.Schools.Rows))
	data := make([]opts.BarData, 0, len(b.Schools.Rows))
	for _, r := range b.Schools.Rows {
		names = append(names, r.SchoolName)
		data = append(data, opts.BarData{Value: r.Approved.Int(), ItemStyle: &opts.ItemStyle{Color: blue}})
	}
	c.SetXAxis(names).XYReversal()
	c.AddSeries(t("approved"), data,
		charts.WithSeriesOpts(func(s *charts.SingleSeries) { s.BarMaxWidth = "18" }),
		charts.WithLabelOpts(opts.Label{Show: opts.Bool(true), Position: "right"}))
	return c
}
