package workbook

import (
	"enlist/reports/bulletin"

	"github.com/xuri/excelize/v2"
)

// overviewLine is one indicator of the 总览 sheet.
type overviewLine struct {
	label, col string
	kind       kind // kInt or kPct
	// target returns the target and whether the value meets it; ok false
	// when the indicator has none.
	target func(v float64) (target float64, met, ok bool)
}

// overview: 总览 — the scope's indicators this week, last week, the change,
// the target and whether it is met; then the children needing attention
// (behind time by more than the margin, or under a quality target).
func (w *writer) overview() error {
	b, t := w.b, w.lang.T
	s := b.Scope
	atLeast := func(target float64) func(float64) (float64, bool, bool) {
		return func(v float64) (float64, bool, bool) { return target, v >= target-1e-9, true }
	}
	rowTarget := func(col string, fallback float64) float64 {
		if v, ok := s.Rate(col); ok {
			return v
		}
		return fallback
	}
	elapsed, _ := s.Rate("elapsed_share")
	lines := []overviewLine{
		{t("quota"), "quota", kInt, nil},
		{t("registered"), "registered", kInt, nil},
		{t("applied"), "applied", kInt, nil},
		{t("applied_ratio"), "applied_to_quota", kPct, nil},
		{t("physical_examined"), "physical_examined", kInt, nil},
		{t("physical_passed"), "physical_passed", kInt, nil},
		{t("physical_pass_rate"), "physical_pass_rate", kPct, atLeast(b.Targets.PhysicalPass)},
		{t("political_reviewed"), "political_reviewed", kInt, nil},
		{t("political_passed"), "political_passed", kInt, nil},
		{t("political_pass_rate"), "political_pass_rate", kPct, atLeast(b.Targets.PoliticalPass)},
		{t("double"), "double_qualified", kInt, nil},
		{t("approved"), "approved", kInt, nil},
		{t("returned"), "returned", kInt, nil},
		// Completion is judged against time: met unless behind by more than the margin.
		{t("completion"), "quota_completion", kPct, func(v float64) (float64, bool, bool) {
			return elapsed, v >= elapsed-b.Targets.BehindMargin-1e-9, true
		}},
		{t("college_ratio"), "college_ratio", kPct, atLeast(rowTarget("college_target", b.Targets.College))},
		{t("graduate_ratio"), "graduate_ratio", kPct, atLeast(rowTarget("graduate_target", b.Targets.Graduate))},
		{t("stem_ratio"), "stem_ratio", kPct, atLeast(b.Targets.Stem)},
		{t("return_rate"), "return_rate", kPct, func(v float64) (float64, bool, bool) {
			return b.Targets.ReturnRateMax, v < b.Targets.ReturnRateMax, true
		}},
		{t("placement_rate"), "placement_rate", kPct, atLeast(b.Targets.Placement)},
		{t("subsidy_on_time_rate"), "subsidy_on_time_rate", kPct, atLeast(b.Targets.SubsidyOnTime)},
	}
	tab := table{sheet: t("sheet_overview"), title: b.Title(), dateLine: b.AsOfLine(), unitLine: w.lang.T("unit_line"),
		cols: []column{
			{head: t("indicator"), kind: kText},
			{head: t("this_week"), kind: kInt}, {head: t("last_week"), kind: kInt}, {head: t("change"), kind: kChange},
			{head: t("target"), kind: kPct}, {head: t("met"), kind: kTextCenter},
		}}
	// met is kept beside the table to colour 达标 once it is written.
	var met []any
	for _, l := range lines {
		cur := s.Value(l.col)
		change := s.Value(l.col + "_change")
		var prev any
		if c, ok := cur.(float64); ok {
			if d, ok := change.(float64); ok {
				prev = c - d
			}
		}
		var target, ok any = nil, nil
		if c, isNum := cur.(float64); isNum && l.target != nil {
			tv, m, has := l.target(c)
			if has {
				target = tv
				ok = m
			}
		} else if l.target != nil {
			tv, _, _ := l.target(0)
			target = tv
		}
		met = append(met, ok)
		tab.records = append(tab.records, record{vals: []any{l.label, cur, prev, change, target, yesNo(w.lang, ok)}})
	}
	if err := w.writeTableKinds(tab, lines); err != nil {
		return err
	}
	// Colour 达标: green 是, red 否.
	for i, m := range met {
		ref, _ := excelize.CoordinatesToCellName(6, firstData+i)
		var style int
		switch m {
		case true:
			style = w.st.good
		case false:
			style = w.st.bad
		default:
			continue
		}
		if err := w.f.SetCellStyle(tab.sheet, ref, ref, style); err != nil {
			return err
		}
	}
	return w.attentionList(tab.sheet, firstData+len(lines)+1)
}

func yesNo(l bulletin.Lang, v any) any {
	switch v {
	case true:
		return l.T("yes")
	case false:
		return l.T("no")
	}
	return ""
}

// writeTableKinds writes an overview table whose rows mix counts and rates:
// each row's numbers take the kind of its indicator.
func (w *writer) writeTableKinds(tab table, lines []overviewLine) error {
	if err := w.writeTable(tab); err != nil {
		return err
	}
	for i, l := range lines {
		row := firstData + i
		for c := 2; c <= 4; c++ {
			k := l.kind
			if c == 4 {
				k = kChange
				if l.kind == kPct {
					k = kPctChange
				}
			}
			ref, _ := excelize.CoordinatesToCellName(c, row)
			if v, _ := w.f.GetCellValue(tab.sheet, ref); v == "—" {
				continue
			}
			if err := w.f.SetCellStyle(tab.sheet, ref, ref, w.st.cell(k, false)); err != nil {
				return err
			}
		}
	}
	return nil
}

// attentionList writes 需关注单位 below the indicators.
func (w *writer) attentionList(sheet string, row int) error {
	t := w.lang.T
	cell := func(c, r int) string { s, _ := excelize.CoordinatesToCellName(c, r); return s }
	f := w.f
	if err := f.SetCellStr(sheet, cell(1, row), t("attention")); err != nil {
		return err
	}
	if err := f.MergeCell(sheet, cell(1, row), cell(6, row)); err != nil {
		return err
	}
	if err := f.SetCellStyle(sheet, cell(1, row), cell(6, row), w.st.header); err != nil {
		return err
	}
	row++
	if len(w.b.Attention) == 0 {
		if err := f.SetCellStr(sheet, cell(1, row), t("none")); err != nil {
			return err
		}
		return f.SetCellStyle(sheet, cell(1, row), cell(1, row), w.st.cell(kText, false))
	}
	for _, a := range w.b.Attention {
		if err := f.SetCellStr(sheet, cell(1, row), a.Name); err != nil {
			return err
		}
		if err := f.SetCellStr(sheet, cell(2, row), joinReasons(a.Reasons)); err != nil {
			return err
		}
		if err := f.MergeCell(sheet, cell(2, row), cell(6, row)); err != nil {
			return err
		}
		if err := f.SetCellStyle(sheet, cell(1, row), cell(6, row), w.st.cell(kText, false)); err != nil {
			return err
		}
		var merged float64
		for c := 2; c <= 6; c++ {
			name, _ := excelize.ColumnNumberToName(c)
			cw, err := f.GetColWidth(sheet, name)
			if err != nil {
				return err
			}
			merged += cw
		}
		lines := max(wrappedLines(displayWidth(joinReasons(a.Reasons)), merged), wrappedLines(displayWidth(a.Name), func() float64 { cw, _ := f.GetColWidth(sheet, "A"); return cw }()))
		if err := f.SetRowHeight(sheet, row, rowHeight(lines)); err != nil {
			return err
		}
		row++
	}
	return nil
}

func joinReasons(r []string) string {
	out := ""
	for i, s := range r {
		if i > 0 {
			out += "；"
		}
		out += s
	}
	return out
}
