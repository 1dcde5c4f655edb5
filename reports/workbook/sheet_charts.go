package workbook

import (
	"fmt"
	"math"

	"github.com/xuri/excelize/v2"

	"enlist/reports/bulletin"
)

// charts: 图表 — native Excel charts on a sheet of their own, over a small
// table of the figures they plot (the week series is nowhere else in the
// workbook): cumulative approvals by week against the quota, the funnel
// from registration to approval, and completion by region (read from the
// 任务完成 sheet).
func (w *writer) charts() error {
	f, t, b := w.f, w.lang.T, w.b
	sheet := t("sheet_charts")
	cell := func(c, r int) string { s, _ := excelize.CoordinatesToCellName(c, r); return s }
	if err := w.titleLines(sheet, b.Title(), b.AsOfLine(), t("unit_line"), 14); err != nil {
		return err
	}
	// The week table: 周末日期 · 累计定兵（扣除退兵）· 征集任务.
	heads := []string{t("week_end"), t("net_approved"), t("quota")}
	for i, h := range heads {
		if err := f.SetCellStr(sheet, cell(1+i, headRow), h); err != nil {
			return err
		}
	}
	quota := b.Scope.Quota.Int()
	row := headRow + 1
	weeks := b.WeekSeries()
	for _, wk := range weeks {
		if err := f.SetCellStr(sheet, cell(1, row), wk.End.Format("01-02")); err != nil {
			return err
		}
		if err := f.SetCellInt(sheet, cell(2, row), wk.Net); err != nil {
			return err
		}
		if err := f.SetCellInt(sheet, cell(3, row), quota); err != nil {
			return err
		}
		row++
	}
	weekLast := row - 1
	// The funnel table, below it.
	funnelHead := row + 1
	if err := f.SetCellStr(sheet, cell(1, funnelHead), t("funnel")); err != nil {
		return err
	}
	if err := f.SetCellStr(sheet, cell(2, funnelHead), t("people")); err != nil {
		return err
	}
	stages := []struct {
		label string
		n     bulletin.Count
	}{
		{t("registered"), b.Scope.Registered}, {t("applied"), b.Scope.Applied}, {t("physical_passed"), b.Scope.PhysicalPassed},
		{t("political_passed"), b.Scope.PoliticalPassed}, {t("approved"), b.Scope.Approved},
	}
	for i, s := range stages {
		if err := f.SetCellStr(sheet, cell(1, funnelHead+1+i), s.label); err != nil {
			return err
		}
		if err := f.SetCellInt(sheet, cell(2, funnelHead+1+i), s.n.Int()); err != nil {
			return err
		}
	}
	funnelLast := funnelHead + len(stages)
	if err := f.SetCellStyle(sheet, cell(1, headRow), cell(3, headRow), w.st.header); err != nil {
		return err
	}
	if err := f.SetCellStyle(sheet, cell(1, funnelHead), cell(2, funnelHead), w.st.header); err != nil {
		return err
	}
	if err := f.SetColWidth(sheet, "A", "C", 16); err != nil {
		return err
	}
	ref := func(col string, from, to int) string {
		return fmt.Sprintf("'%s'!$%s$%d:$%s$%d", sheet, col, from, col, to)
	}
	axisFont := excelize.Font{Color: "404040", Size: 9}
	title := func(s string) excelize.ChartTitle {
		return excelize.ChartTitle{Paragraph: []excelize.RichTextRun{{Text: s}}}
	}
	// Week labels (04-06) stay on one line: every n-th is shown when many.
	skip := max(1, (len(weeks)+9)/10)
	{
		if err := f.AddChart(sheet, "E3", &excelize.Chart{
			Type:      excelize.Line,
			Title:     title(t("weekly")),
			Dimension: excelize.ChartDimension{Width: 640, Height: 300},
			Legend:    excelize.ChartLegend{Position: "bottom"},
			Series: []excelize.ChartSeries{
				{Name: fmt.Sprintf("'%s'!$B$%d", sheet, headRow), Categories: ref("A", headRow+1, weekLast), Values: ref("B", headRow+1, weekLast)},
				{Name: fmt.Sprintf("'%s'!$C$%d", sheet, headRow), Categories: ref("A", headRow+1, weekLast), Values: ref("C", headRow+1, weekLast),
					Line: excelize.LineOptions{Dash: excelize.LineDashDash}},
			},
			XAxis: excelize.ChartAxis{Font: axisFont, TickLabelSkip: skip},
			// From zero, and up to the quota line at least.
			YAxis: excelize.ChartAxis{MajorGridLines: true, Font: axisFont, Minimum: ptr(0.0), Maximum: ptr(countMax(quota, weeks))},
		}); err != nil {
			return fmt.Errorf("%s: weekly chart: %w", sheet, err)
		}
	}
	if err := f.AddChart(sheet, "E20", &excelize.Chart{
		Type:      excelize.Bar,
		Title:     title(t("funnel")),
		Dimension: excelize.ChartDimension{Width: 640, Height: 300},
		Legend:    excelize.ChartLegend{Position: "none"},
		Series:    []excelize.ChartSeries{{Name: t("people"), Categories: ref("A", funnelHead+1, funnelLast), Values: ref("B", funnelHead+1, funnelLast)}},
		// Bars read top-down in funnel order: the category axis runs
		// reversed; stage names and counts in a legible size.
		XAxis:    excelize.ChartAxis{ReverseOrder: true, Font: excelize.Font{Color: "404040", Size: 10}},
		YAxis:    excelize.ChartAxis{Minimum: ptr(0.0), Font: axisFont, MajorGridLines: true},
		PlotArea: excelize.ChartPlotArea{ShowVal: true},
	}); err != nil {
		return fmt.Errorf("%s: funnel chart: %w", sheet, err)
	}
	if n := len(b.Children); n > 0 {
		// 任务完成 lists the children by completion rank from its first data
		// row: completion as columns, time progress as a line over them, the
		// axis from 0 up past both (a reference line beyond the columns would
		// otherwise fall off the chart).
		qs := t("sheet_quota")
		qref := func(col string) string {
			return fmt.Sprintf("'%s'!$%s$%d:$%s$%d", qs, col, firstData, col, firstData+n-1)
		}
		top := 0.1
		for _, c := range b.Children {
			for _, r := range []bulletin.Rate{c.QuotaCompletion, c.ElapsedShare} {
				if v, ok := r.Get(); ok {
					top = max(top, v)
				}
			}
		}
		axis := excelize.ChartAxis{NumFmt: excelize.ChartNumFmt{CustomNumFmt: "0%"}, MajorGridLines: true, Font: axisFont,
			Minimum: ptr(0.0), Maximum: ptr(math.Ceil(top*10) / 10)}
		cats := excelize.ChartAxis{Font: axisFont}
		if n > 8 {
			cats.Alignment = excelize.Alignment{TextRotation: -45}
		}
		if err := f.AddChart(sheet, "E37", &excelize.Chart{
			Type:      excelize.Col,
			Title:     title(t("ranking")),
			Dimension: excelize.ChartDimension{Width: uint(min(max(640, 48*n), 1600)), Height: 320},
			Legend:    excelize.ChartLegend{Position: "bottom"},
			Series: []excelize.ChartSeries{
				{Name: fmt.Sprintf("'%s'!$I$%d", qs, headRow), Categories: qref("B"), Values: qref("I")},
			},
			XAxis: cats,
			YAxis: axis,
		}, &excelize.Chart{
			Type: excelize.Line,
			Series: []excelize.ChartSeries{
				{Name: fmt.Sprintf("'%s'!$J$%d", qs, headRow), Categories: qref("B"), Values: qref("J"),
					Line: excelize.LineOptions{Dash: excelize.LineDashDash}, Marker: excelize.ChartMarker{Symbol: "none"}},
			},
			XAxis: cats,
			YAxis: axis,
		}); err != nil {
			return fmt.Errorf("%s: completion chart: %w", sheet, err)
		}
	}
	return w.printSetup(sheet, 0, 0)
}

func ptr[T any](v T) *T { return &v }

// countMax is the top of a count axis: the quota and every week's count,
// with a tenth to spare, so the quota line is drawn.
func countMax(quota int64, weeks []bulletin.Week) float64 {
	top := float64(max(quota, 1))
	for _, w := range weeks {
		top = max(top, float64(w.Net))
	}
	return math.Ceil(top * 1.1)
}
