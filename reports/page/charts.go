package page

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"

	"enlist/reports/bulletin"
)

// The bulletin's colours: red marks a region behind time, blue and green
// the two measures shown side by side, grey the time-elapsed line.
const (
	red   = "#c0392b"
	blue  = "#2e75b6"
	grey  = "#7f7f7f"
	green = "#548235"
	// The page's own font stack, so Chinese labels drawn on the canvas match
	// the page text on every office's machine.
	fontStack = `"Noto Sans CJK SC", "Microsoft YaHei", "SimHei", sans-serif`
)

// chartOption is one chart as the page's static script reads it: the
// element's ID and the ECharts option go-echarts built for it.
type chartOption struct {
	ID     string          `json:"id"`
	Option json.RawMessage `json:"option"`
}

// optioner is what the page needs of a go-echarts chart.
type optioner interface {
	JSON() map[string]interface{}
}

// chartOptions builds the five charts with go-echarts and returns their
// options as one JSON document for the page's data block. Only region
// names and aggregates go in, never a person.
//
// The options travel as JSON data, not as script: go-echarts' own page and
// snippet renderers write them into a generated <script> (and fetch
// ECharts from a CDN), which would put extract text into code and need a
// new CSP hash per page. Here encoding/json escapes <, > and & (and
// U+2028/9), so no region name can close the script element, and the one
// script that runs them never changes. The price: no JS function can be in
// an option (the CSP forbids eval), so every formatter is an ECharts string
// template or a string computed here, and opts.FuncOpts must not be used.
func chartOptions(b *bulletin.Bulletin, ranked []bulletin.Row) ([]byte, error) {
	t := b.Lang.T
	// A chart with nothing to draw says so in one line, with no bare axes
	// a reader would take for zeros.
	ranking := patchRanking(b, ranked)
	if !anyRate(ranked, func(r bulletin.Row) bulletin.Rate { return r.QuotaCompletion }) {
		ranking = noData(t("no_quota_chart"))
	}
	funnel := patchFunnel(b)
	if b.Scope.Registered.Int() == 0 {
		funnel = noData(t("no_data_chart"))
	}
	rates := func(map[string]any) error { return nil }
	if !anyRate(b.Children, func(r bulletin.Row) bulletin.Rate { return r.PhysicalPassRate }) &&
		!anyRate(b.Children, func(r bulletin.Row) bulletin.Rate { return r.PoliticalPassRate }) {
		rates = noData(t("no_exams_chart"))
	}
	resettlement := func(map[string]any) error { return nil }
	if b.Scope.PlacementDue.Int() == 0 {
		resettlement = noData(t("none_due"))
	}
	build := []struct {
		id    string
		chart optioner
		patch func(map[string]any) error
	}{
		{"chart-ranking", rankingChart(b, ranked), ranking},
		{"chart-funnel", funnelChart(b), funnel},
		{"chart-weekly", weeklyChart(b), patchWeekly},
		{"chart-rates", barsChart(b.Children, []barSeries{
			{t("physical_pass_rate"), blue, "", b.Scope.PhysicalTarget.V, func(r bulletin.Row) any { return percentValue(r.PhysicalPassRate) }},
			{t("political_pass_rate"), green, "", b.Scope.PoliticalTarget.V, func(r bulletin.Row) any { return percentValue(r.PoliticalPassRate) }},
		}, true), rates},
		{"chart-resettlement", resettlementChart(b), resettlement},
	}
	if b.Schools != nil {
		build = append(build, struct {
			id    string
			chart optioner
			patch func(map[string]any) error
		}{SchoolChartID, schoolsChart(b), func(map[string]any) error { return nil }})
	}
	out := make([]chartOption, 0, len(build))
	for _, c := range build {
		option, err := finish(c.chart, c.patch)
		if err != nil {
			return nil, fmt.Errorf("chart %s: %w", c.id, err)
		}
		out = append(out, chartOption{ID: c.id, Option: option})
	}
	return json.Marshal(out)
}

// common are the options every chart shares: no animation (a printed or
// screenshotted bulletin shows the final state), and a legend only where a
// chart has more than one series. The element ID travels beside the option
// (chartOption.ID): go-echarts keeps its ChartID out of the option JSON.
func common(legend bool) []charts.GlobalOpts {
	l := opts.Legend{Show: opts.Bool(false)}
	if legend {
		l = opts.Legend{Show: opts.Bool(true), Bottom: "0"}
	}
	return []charts.GlobalOpts{
		charts.WithAnimation(false),
		charts.WithLegendOpts(l),
	}
}

// percentValue is a rate in percent (one decimal, as the tables show it),
// or ECharts' "no value" mark, so a region with no rate draws no bar.
func percentValue(rate bulletin.Rate) any {
	v, ok := rate.Get()
	if !ok {
		return "-"
	}
	return percentOf(v)
}

// percentOf is a ratio in percent as the tables print it (bulletin.Round).
func percentOf(v float64) float64 { return bulletin.Round(100*v, 1) }

func anyRate(rows []bulletin.Row, col func(bulletin.Row) bulletin.Rate) bool {
	for _, r := range rows {
		if col(r).Valid {
			return true
		}
	}
	return false
}

// noData replaces a chart's drawing by a one-line note in its middle.
func noData(note string) func(map[string]any) error {
	return func(o map[string]any) error {
		o["title"] = map[string]any{"text": note, "left": "center", "top": "middle",
			"textStyle": map[string]any{"color": grey, "fontSize": 14, "fontWeight": "normal"}}
		for _, key := range []string{"xAxis", "yAxis"} {
			axes, _ := o[key].([]any)
			for _, a := range axes {
				if m, ok := a.(map[string]any); ok {
					m["show"] = false
				}
			}
		}
		l, _ := o["series"].([]any)
		for _, s := range l {
			if m, ok := s.(map[string]any); ok {
				m["data"] = []any{}
				delete(m, "markLine")
			}
		}
		if legend, ok := o["legend"].(map[string]any); ok {
			legend["show"] = false
		}
		return nil
	}
}

// axisMax is the top of a percent axis: the largest of the values and the
// reference lines, up to the next ten, so every line is drawn.
func axisMax(values ...float64) float64 {
	top := 10.0
	for _, v := range values {
		top = math.Max(top, v)
	}
	return math.Ceil(top/10) * 10
}

// patchRanking: the completion axis runs from 0 to cover the highest bar
// and the time-progress line (ECharts scales to the data alone, so a
// reference line beyond the bars would not be drawn).
func patchRanking(b *bulletin.Bulletin, ranked []bulletin.Row) func(map[string]any) error {
	var values []float64
	for _, r := range ranked {
		if v, ok := r.QuotaCompletion.Get(); ok {
			values = append(values, percentOf(v))
		}
	}
	if e, ok := b.Scope.ElapsedShare.Get(); ok {
		values = append(values, percentOf(e))
	}
	top := axisMax(values...)
	return func(o map[string]any) error {
		axes, ok := o["xAxis"].([]any)
		if !ok || len(axes) == 0 {
			return errors.New("no x axis")
		}
		axis, ok := axes[0].(map[string]any)
		if !ok {
			return errors.New("x axis is not an object")
		}
		axis["min"], axis["max"] = 0, top
		return nil
	}
}

// rankingChart: the children by completion, red when below time progress
// (the one colour rule), against the time-progress line.
func rankingChart(b *bulletin.Bulletin, ranked []bulletin.Row) *charts.Bar {
	t := b.Lang.T
	c := charts.NewBar()
	c.SetGlobalOptions(append(common(false),
		charts.WithTooltipOpts(opts.Tooltip{Trigger: "axis", AxisPointer: &opts.AxisPointer{Type: "shadow"}}),
		charts.WithGridOpts(opts.Grid{Left: "8", Right: "64", Top: "28", Bottom: "8", ContainLabel: opts.Bool(true)}),
		charts.WithXAxisOpts(opts.XAxis{Type: "value", AxisLabel: &opts.AxisLabel{Formatter: "{value}%"}}),
		charts.WithYAxisOpts(opts.YAxis{Type: "category", Inverse: opts.Bool(true), AxisLabel: &opts.AxisLabel{Interval: "0"}}),
	)...)
	names := make([]string, 0, len(ranked))
	data := make([]opts.BarData, 0, len(ranked))
	for _, r := range ranked {
		names = append(names, r.Name())
		colour := blue
		if r.CompletionMet.Missed() {
			colour = red
		}
		// The label is the table's text, computed here: a JS formatter
		// cannot travel in the data block.
		label := "—"
		if v, ok := r.QuotaCompletion.Get(); ok {
			label = bulletin.Percent(v)
		}
		data = append(data, opts.BarData{Value: percentValue(r.QuotaCompletion),
			ItemStyle: &opts.ItemStyle{Color: colour}, Label: &opts.Label{Formatter: label}})
	}
	c.SetXAxis(names).XYReversal()
	series := []charts.SeriesOpts{
		charts.WithSeriesOpts(func(s *charts.SingleSeries) { s.BarMaxWidth = "18" }),
		charts.WithLabelOpts(opts.Label{Show: opts.Bool(true), Position: "right"}),
	}
	if e, ok := b.Scope.ElapsedShare.Get(); ok {
		series = append(series, charts.WithMarkLineNameXAxisItemOpts(opts.MarkLineNameXAxisItem{XAxis: percentOf(e)}),
			charts.WithMarkLineStyleOpts(opts.MarkLineStyle{
				Symbol:    []string{"none", "none"},
				LineStyle: &opts.LineStyle{Color: grey, Type: "dashed"},
				Label:     &opts.Label{Formatter: t("elapsed") + " " + bulletin.Percent(e), Position: "start"},
			}))
	}
	c.AddSeries(t("completion"), data, series...)
	return c
}

// funnelChart: registration to approval, in that order whatever the sizes.
func funnelChart(b *bulletin.Bulletin) *charts.Funnel {
	t := b.Lang.T
	c := charts.NewFunnel()
	c.SetGlobalOptions(append(common(false),
		charts.WithTooltipOpts(opts.Tooltip{Trigger: "item"}))...)
	var data []opts.FunnelData
	for _, st := range funnelStages(b.Scope) {
		data = append(data, opts.FunnelData{Name: t(st.label), Value: st.n.Int()})
	}
	c.AddSeries(t("funnel"), data,
		charts.WithSeriesOpts(func(s *charts.SingleSeries) {
			s.Sort, s.Left, s.Right, s.Top, s.Bottom = "none", "10%", "10%", "8", "8"
		}),
		charts.WithLabelOpts(opts.Label{Show: opts.Bool(true), Position: "inside", Formatter: "{b}  {c}"}))
	return c
}

// funnelStages are the funnel's stages, each with its label key.
func funnelStages(s bulletin.Row) []struct {
	label string
	n     bulletin.Count
} {
	return []struct {
		label string
		n     bulletin.Count
	}{{"registered", s.Registered}, {"applied", s.Applied}, {"physical_passed", s.PhysicalPassed},
		{"political_passed", s.PoliticalPassed}, {"approved", s.Approved}}
}

// patchFunnel: go-echarts v2.6.7 has no field for a funnel's minimum width
// (so the approved stage stays wide enough for its label), the gap between
// stages, or its scale: ECharts' default max of 100 would draw every stage
// above 100 people as the same full-width box, so the scale runs from 0 to
// the largest stage.
func patchFunnel(b *bulletin.Bulletin) func(map[string]any) error {
	var top int64
	for _, st := range funnelStages(b.Scope) {
		top = max(top, st.n.Int())
	}
	return func(o map[string]any) error {
		s, err := series(o, 0)
		if err != nil {
			return err
		}
		s["minSize"], s["gap"], s["min"], s["max"] = "8%", 2, 0, max(top, 1)
		return nil
	}
}

// weeklyChart: cumulative net approvals by week against the quota.
func weeklyChart(b *bulletin.Bulletin) *charts.Line {
	t := b.Lang.T
	c := charts.NewLine()
	c.SetGlobalOptions(append(common(true),
		charts.WithTooltipOpts(opts.Tooltip{Trigger: "axis"}),
		charts.WithGridOpts(opts.Grid{Left: "8", Right: "24", Top: "24", Bottom: "36", ContainLabel: opts.Bool(true)}),
		charts.WithXAxisOpts(opts.XAxis{Type: "category"}),
		charts.WithYAxisOpts(opts.YAxis{Type: "value", MinInterval: 1, AxisLabel: &opts.AxisLabel{}}),
	)...)
	weeks := b.WeekSeries()
	quota := b.Scope.Quota.Int()
	names := make([]string, 0, len(weeks))
	net := make([]opts.LineData, 0, len(weeks))
	quotas := make([]opts.LineData, 0, len(weeks))
	for _, w := range weeks {
		names = append(names, w.End.Format("01-02"))
		net = append(net, opts.LineData{Value: w.Net})
		quotas = append(quotas, opts.LineData{Value: quota})
	}
	c.SetXAxis(names)
	c.AddSeries(t("net_approved"), net,
		charts.WithAreaStyleOpts(opts.AreaStyle{Opacity: opts.Float(0.15)}),
		charts.WithItemStyleOpts(opts.ItemStyle{Color: blue}))
	c.AddSeries(t("quota"), quotas,
		charts.WithLineChartOpts(opts.LineChart{Symbol: "none"}),
		charts.WithLineStyleOpts(opts.LineStyle{Type: "dashed", Color: red}),
		charts.WithItemStyleOpts(opts.ItemStyle{Color: red}))
	return c
}

// patchWeekly: go-echarts v2.6.7's XAxis has no boundaryGap, which starts
// the line at the first week rather than half a step in.
func patchWeekly(o map[string]any) error {
	axes, ok := o["xAxis"].([]any)
	if !ok || len(axes) == 0 {
		return errors.New("no x axis")
	}
	axis, ok := axes[0].(map[string]any)
	if !ok {
		return errors.New("x axis is not an object")
	}
	axis["boundaryGap"] = false
	return nil
}

// barSeries is one series of a bar chart by child region.
type barSeries struct {
	name, colour, stack string
	target              float64 // a dashed target line, in [0,1]; <0 for none
	value               func(bulletin.Row) any
}

// barsChart: one bar group per child region; rates in percent up to 100,
// counts from zero in whole units.
func barsChart(children []bulletin.Row, list []barSeries, rates bool) *charts.Bar {
	names := make([]string, 0, len(children))
	for _, r := range children {
		names = append(names, r.Name())
	}
	rotate := 0.0
	if len(names) > 8 {
		rotate = 40
	}
	y := opts.YAxis{Type: "value", MinInterval: 1, AxisLabel: &opts.AxisLabel{}}
	grid := opts.Grid{Left: "8", Right: "24", Top: "24", Bottom: "36", ContainLabel: opts.Bool(true)}
	if rates {
		y = opts.YAxis{Type: "value", Max: 100, AxisLabel: &opts.AxisLabel{Formatter: "{value}%"}}
		grid.Right = "56"
	}
	c := charts.NewBar()
	c.SetGlobalOptions(append(common(true),
		charts.WithTooltipOpts(opts.Tooltip{Trigger: "axis", AxisPointer: &opts.AxisPointer{Type: "shadow"}}),
		charts.WithGridOpts(grid),
		charts.WithXAxisOpts(opts.XAxis{Type: "category", AxisLabel: &opts.AxisLabel{Interval: "0", Rotate: rotate}}),
		charts.WithYAxisOpts(y),
	)...)
	c.SetXAxis(names)
	for _, s := range list {
		data := make([]opts.BarData, 0, len(children))
		for _, r := range children {
			data = append(data, opts.BarData{Value: s.value(r)})
		}
		so := []charts.SeriesOpts{charts.WithItemStyleOpts(opts.ItemStyle{Color: s.colour})}
		if s.stack != "" {
			so = append(so, charts.WithBarChartOpts(opts.BarChart{Stack: s.stack}))
		}
		if s.target >= 0 {
			so = append(so, charts.WithMarkLineNameYAxisItemOpts(opts.MarkLineNameYAxisItem{YAxis: percentOf(s.target)}),
				charts.WithMarkLineStyleOpts(opts.MarkLineStyle{
					Symbol:    []string{"none", "none"},
					LineStyle: &opts.LineStyle{Color: s.colour, Type: "dashed"},
					Label:     &opts.Label{Formatter: bulletin.Percent(s.target)},
				}))
		}
		c.AddSeries(s.name, data, so...)
	}
	return c
}

// finish turns a chart into its option JSON: go-echarts' own JSON, plus
// what it has no field for (patch, and the common keys below), re-encoded
// with encoding/json so <, > and & are escaped.
func finish(c optioner, patch func(map[string]any) error) (json.RawMessage, error) {
	if v, ok := c.(interface{ Validate() }); ok {
		// Puts the category names on their axis; the assets it also
		// resolves are never used (the page inlines its own ECharts).
		v.Validate()
	}
	raw, err := json.Marshal(c.JSON())
	if err != nil {
		return nil, err
	}
	var o map[string]any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&o); err != nil {
		return nil, err
	}
	// go-echarts v2.6.7's Tooltip has no renderMode and its options no
	// global textStyle. richText draws tooltips inside the canvas, so no
	// text from the data is ever parsed as HTML.
	tooltip, ok := o["tooltip"].(map[string]any)
	if !ok {
		return nil, errors.New("no tooltip")
	}
	tooltip["renderMode"] = "richText"
	o["textStyle"] = map[string]any{"fontFamily": fontStack}
	// The ECharts toolbox is unused, and so is the title but for a chart
	// that says it has nothing to show; go-echarts writes both empty.
	delete(o, "toolbox")
	if title, _ := o["title"].(map[string]any); title["text"] == nil || title["text"] == "" {
		delete(o, "title")
	}
	for _, key := range []string{"xAxis", "yAxis"} {
		axes, _ := o[key].([]any)
		for _, a := range axes {
			// go-echarts types axisLabel.interval as a string; ECharts wants
			// the number (0: show every region's name).
			if l, ok := a.(map[string]any)["axisLabel"].(map[string]any); ok && l["interval"] == "0" {
				l["interval"] = 0
			}
		}
	}
	for i := range seriesCount(o) {
		s, err := series(o, i)
		if err != nil {
			return nil, err
		}
		if ml, ok := s["markLine"].(map[string]any); ok {
			// A reference line, not data: no hover highlight.
			ml["silent"] = true
		}
	}
	if patch != nil {
		if err := patch(o); err != nil {
			return nil, err
		}
	}
	out, err := json.Marshal(o)
	if err != nil {
		return nil, err
	}
	if bytes.Contains(out, []byte("__f__")) {
		// opts.FuncOpts marks a JS function that only go-echarts' script
		// renderer turns into code; in the data block it would be a string.
		return nil, errors.New("a JS function (opts.FuncOpts) cannot go in the page's chart data")
	}
	return out, nil
}

func seriesCount(o map[string]any) int {
	l, _ := o["series"].([]any)
	return len(l)
}

func series(o map[string]any, i int) (map[string]any, error) {
	l, _ := o["series"].([]any)
	if i >= len(l) {
		return nil, fmt.Errorf("no series %d", i)
	}
	s, ok := l[i].(map[string]any)
	if !ok {
		return nil, fmt.Errorf("series %d is not an object", i)
	}
	return s, nil
}

// resettlementChart: placed and not yet placed veterans by region. Early in
// a season nobody may be due yet (the season's discharges come later); the
// chart then says so instead of showing empty axes a reader would take for
// missing data.
func resettlementChart(b *bulletin.Bulletin) *charts.Bar {
	t := b.Lang.T
	c := barsChart(b.Children, []barSeries{
		{t("placed"), green, "due", -1, func(r bulletin.Row) any { return r.Placed.Int() }},
		{t("not_placed"), red, "due", -1, func(r bulletin.Row) any { return r.PlacementDue.Int() - r.Placed.Int() }},
	}, false)
	return c
}
