package workbook

import (
	"fmt"
	"strings"

	"github.com/xuri/excelize/v2"

	"enlist/reports/bulletin"
)

// overviewLine is one indicator of the 总览 sheet.
type overviewLine struct {
	label, col string
	kind       kind // kInt, kPct or kTimes
	// verdict names the bulletin model's <verdict>_met column; "" for an
	// indicator without a target.
	verdict string
	target  func() (float64, bool)
	atMost  bool // the target is a maximum (退兵率)
}

// overview: 总览 — the lead paragraph, then the scope's indicators this
// week, last week, the change, the target and 达标 (the bulletin model's
// verdict: at or above the target; completion against time progress, 100%
// once the season has ended); then the children needing attention, 进度
// and 质量 apart, the most severe first.
func (w *writer) overview() error {
	b, t := w.b, w.lang.T
	s := b.Scope
	fixed := func(v float64) func() (float64, bool) { return func() (float64, bool) { return v, true } }
	fromRow := func(col string) func() (float64, bool) { return func() (float64, bool) { return s.Rate(col) } }
	lines := []overviewLine{
		{label: t("quota"), col: "quota", kind: kInt},
		{label: t("registered"), col: "registered", kind: kInt},
		{label: t("applied"), col: "applied", kind: kInt},
		{label: t("applied_ratio"), col: "applied_to_quota", kind: kTimes},
		{label: t("physical_examined"), col: "physical_examined", kind: kInt},
		{label: t("physical_passed"), col: "physical_passed", kind: kInt},
		{label: t("physical_pass_rate"), col: "physical_pass_rate", kind: kPct, verdict: "physical", target: fixed(b.Targets.PhysicalPass)},
		{label: t("political_reviewed"), col: "political_reviewed", kind: kInt},
		{label: t("political_passed"), col: "political_passed", kind: kInt},
		{label: t("political_pass_rate"), col: "political_pass_rate", kind: kPct, verdict: "political", target: fixed(b.Targets.PoliticalPass)},
		{label: t("double"), col: "double_qualified", kind: kInt},
		{label: t("approved"), col: "approved", kind: kInt},
		{label: t("returned"), col: "returned", kind: kInt},
		{label: t("completion"), col: "quota_completion", kind: kPct, verdict: "completion", target: fromRow("completion_target")},
		{label: t("college_ratio"), col: "college_ratio", kind: kPct, verdict: "college", target: fromRow("college_target")},
		{label: t("graduate_ratio"), col: "graduate_ratio", kind: kPct, verdict: "graduate", target: fromRow("graduate_target")},
		{label: t("stem_ratio"), col: "stem_ratio", kind: kPct, verdict: "stem", target: fixed(b.Targets.Stem)},
		{label: t("return_rate"), col: "return_rate", kind: kPct, verdict: "return", target: fixed(b.Targets.ReturnRateMax), atMost: true},
		{label: t("placement_rate"), col: "placement_rate", kind: kPct, verdict: "placement", target: fixed(b.Targets.Placement)},
		{label: t("subsidy_on_time_rate"), col: "subsidy_on_time_rate", kind: kPct, verdict: "subsidy", target: fixed(b.Targets.SubsidyOnTime)},
	}
	tab := table{sheet: t("sheet_overview"), title: b.Title(), dateLine: b.AsOfLine(), unitLine: w.lang.T("unit_line"),
		lead: b.Lead(), noRepeat: true,
		cols: []column{
			{head: t("indicator"), kind: kText},
			{head: t("this_week"), kind: kText}, {head: t("last_week"), kind: kText}, {head: t("change"), kind: kText},
			{head: t("target"), kind: kPct}, {head: t("met"), kind: kTextCenter},
		}}
	for _, l := range lines {
		var cur, prev, change, target any
		if c, ok := s.Rate(l.col); ok {
			cur = stored(l.kind, c)
			if d, ok := s.Rate(l.col + "_change"); ok {
				p := c - d
				prev = stored(l.kind, p)
				if l.kind == kInt {
					change = d
				} else {
					// A rate's change is the difference of the two printed
					// figures, in percentage points.
					change = stored(kPoints, stored(l.kind, c)-stored(l.kind, p))
				}
			}
		}
		if l.target != nil {
			if v, ok := l.target(); ok {
				target = v
			}
		}
		met := ""
		if l.verdict != "" {
			if m, ok := bulletin.Met(s, l.verdict); ok {
				met = yesNo(w.lang, m)
			}
		}
		tab.records = append(tab.records, record{vals: []any{l.label, cur, prev, change, target, met}})
	}
	if err := w.writeTable(tab); err != nil {
		return err
	}
	first := firstData + 1 // below the lead paragraph
	cell := func(c, r int) string { s, _ := excelize.CoordinatesToCellName(c, r); return s }
	for i, l := range lines {
		row := first + i
		for c, k := range map[int]kind{2: l.kind, 3: l.kind, 4: changeKind(l.kind)} {
			ref := cell(c, row)
			if v, _ := w.f.GetCellValue(tab.sheet, ref); v == "—" {
				continue
			}
			if err := w.f.SetCellStyle(tab.sheet, ref, ref, w.st.cell(k, false)); err != nil {
				return err
			}
		}
		if l.verdict == "" {
			continue
		}
		// The one colour rule, as conditional formats so a figure corrected
		// by hand recolours: this week's rate below its target, and 否.
		cmp := "<"
		if l.atMost {
			cmp = ">="
		}
		b5, e5 := cell(2, row), cell(5, row)
		formula := fmt.Sprintf("AND(ISNUMBER(%s),ISNUMBER(%s),%s%s%s)", b5, e5, b5, cmp, e5)
		if err := w.f.SetConditionalFormat(tab.sheet, b5+":"+b5, []excelize.ConditionalFormatOptions{
			{Type: "formula", Criteria: formula, Format: &w.st.behind},
		}); err != nil {
			return fmt.Errorf("%s: conditional format %s: %w", tab.sheet, b5, err)
		}
	}
	metRange := fmt.Sprintf("%s:%s", cell(6, first), cell(6, first+len(lines)-1))
	if err := w.f.SetConditionalFormat(tab.sheet, metRange, []excelize.ConditionalFormatOptions{
		{Type: "formula", Criteria: fmt.Sprintf(`%s="%s"`, cell(6, first), w.lang.T("no")), Format: &w.st.behind},
		{Type: "formula", Criteria: fmt.Sprintf(`%s="%s"`, cell(6, first), w.lang.T("yes")), Format: &w.st.metGood},
	}); err != nil {
		return fmt.Errorf("%s: conditional format %s: %w", tab.sheet, metRange, err)
	}
	return w.attentionList(tab.sheet, first+len(lines)+3)
}

func changeKind(k kind) kind {
	if k == kInt {
		return kChange
	}
	return kPoints
}

func yesNo(l bulletin.Lang, v bool) string {
	if v {
		return l.T("yes")
	}
	return l.T("no")
}

// attentionList writes 需关注单位 below the indicators (and below the
// signature line): 进度 first, then 质量, each from the most severe, or
// the line that says nobody is named.
func (w *writer) attentionList(sheet string, row int) error {
	t := w.lang.T
	cell := func(c, r int) string { s, _ := excelize.CoordinatesToCellName(c, r); return s }
	f := w.f
	if err := w.paragraph(sheet, row, 6, t("attention"), w.st.header); err != nil {
		return err
	}
	row++
	// The reasons share columns B–F: their width decides the wrapping.
	var merged float64
	for c := 2; c <= 6; c++ {
		name, _ := excelize.ColumnNumberToName(c)
		cw, err := f.GetColWidth(sheet, name)
		if err != nil {
			return err
		}
		merged += cw
	}
	nameWidth, err := f.GetColWidth(sheet, "A")
	if err != nil {
		return err
	}
	line := func(name, text string) error {
		if err := f.SetCellStr(sheet, cell(1, row), name); err != nil {
			return err
		}
		if err := f.SetCellStr(sheet, cell(2, row), text); err != nil {
			return err
		}
		if err := f.MergeCell(sheet, cell(2, row), cell(6, row)); err != nil {
			return err
		}
		if err := f.SetCellStyle(sheet, cell(1, row), cell(6, row), w.st.cell(kText, false)); err != nil {
			return err
		}
		lines := max(wrappedLines(displayWidth(text), merged), wrappedLines(displayWidth(name), nameWidth))
		if err := f.SetRowHeight(sheet, row, rowHeight(lines)); err != nil {
			return err
		}
		row++
		return nil
	}
	for _, kind := range []string{bulletin.Pace, bulletin.Quality} {
		if err := w.paragraph(sheet, row, 6, t("attention_"+kind), w.st.header); err != nil {
			return err
		}
		row++
		list := w.b.AttentionOf(kind)
		if len(list) == 0 {
			if err := line("", w.b.NoneLine(kind)); err != nil {
				return err
			}
			continue
		}
		for _, a := range list {
			if err := line(a.Name, strings.Join(a.Reasons, t("semicolon"))); err != nil {
				return err
			}
		}
	}
	if few := w.b.FewRecruits(); few != "" {
		if err := w.paragraph(sheet, row, 6, few, w.st.note); err != nil {
			return err
		}
	}
	return nil
}
