package workbook

import (
	"fmt"
	"strings"

	"github.com/xuri/excelize/v2"

	"enlist/reports/bulletin"
)

// overviewLine is one indicator of the 总览 sheet: columns of the scope's
// row of the metrics view.
type overviewLine struct {
	label       string
	kind        kind // kInt, kPct or kTimes
	cur, change bulletin.Rate
	// judged: the indicator has a target and a verdict (达标), the metrics
	// view's target and *_met columns.
	judged bool
	target bulletin.Rate
	met    bulletin.Verdict
	atMost bool // the target is a maximum (退兵率)
}

// counted is a count with its change, as overview lines hold figures.
func counted(label string, n, change bulletin.Count) overviewLine {
	return overviewLine{label: label, kind: kInt, cur: n.Rate(), change: change.Rate()}
}

// overview: 总览 — the lead paragraph, then the scope's indicators this
// week, last week, the change, the target and 达标 (the metrics view's
// verdict: at or above the target; completion against time progress, 100%
// once the season has ended); then the children needing attention, 进度
// and 质量 apart, the most severe first.
func (w *writer) overview() error {
	b, t := w.b, w.lang.T
	s := b.Scope
	rated := func(label string, k kind, v, change bulletin.Rate) overviewLine {
		return overviewLine{label: label, kind: k, cur: v, change: change}
	}
	judged := func(l overviewLine, target bulletin.Rate, met bulletin.Verdict) overviewLine {
		l.judged, l.target, l.met = true, target, met
		return l
	}
	ret := judged(rated(t("return_rate"), kPct, s.ReturnRate, s.ReturnRateChange), s.ReturnRateMax, s.ReturnMet)
	ret.atMost = true
	lines := []overviewLine{
		counted(t("quota"), s.Quota, s.QuotaChange),
		counted(t("registered"), s.Registered, s.RegisteredChange),
		counted(t("applied"), s.Applied, s.AppliedChange),
		rated(t("applied_ratio"), kTimes, s.AppliedToQuota, s.AppliedToQuotaChange),
		counted(t("physical_examined"), s.PhysicalExamined, s.PhysicalExaminedChange),
		counted(t("physical_passed"), s.PhysicalPassed, s.PhysicalPassedChange),
		judged(rated(t("physical_pass_rate"), kPct, s.PhysicalPassRate, s.PhysicalPassRateChange), s.PhysicalTarget, s.PhysicalMet),
		counted(t("political_reviewed"), s.PoliticalReviewed, s.PoliticalReviewedChange),
		counted(t("political_passed"), s.PoliticalPassed, s.PoliticalPassedChange),
		judged(rated(t("political_pass_rate"), kPct, s.PoliticalPassRate, s.PoliticalPassRateChange), s.PoliticalTarget, s.PoliticalMet),
		counted(t("double"), s.DoubleQualified, s.DoubleQualifiedChange),
		counted(t("approved"), s.Approved, s.ApprovedChange),
		counted(t("returned"), s.Returned, s.ReturnedChange),
		// Completion's change is the difference of the printed figures.
		judged(rated(t("completion"), kPct, s.QuotaCompletion, s.QuotaCompletionChangePrinted), s.CompletionTarget, s.CompletionMet),
		judged(rated(t("college_ratio"), kPct, s.CollegeRatio, s.CollegeRatioChange), s.CollegeTarget, s.CollegeMet),
		judged(rated(t("graduate_ratio"), kPct, s.GraduateRatio, s.GraduateRatioChange), s.GraduateTarget, s.GraduateMet),
		judged(rated(t("stem_ratio"), kPct, s.StemRatio, s.StemRatioChange), s.StemTarget, s.StemMet),
		ret,
		judged(rated(t("placement_rate"), kPct, s.PlacementRate, s.PlacementRateChange), s.PlacementTarget, s.PlacementMet),
		judged(rated(t("subsidy_on_time_rate"), kPct, s.SubsidyOnTimeRate, s.SubsidyOnTimeRateChange), s.SubsidyTarget, s.SubsidyMet),
	}
	// The women's track on lines of its own, against its own quota and,
	// like completion, the time progress.
	if b.ShowsFemaleTrack() {
		lines = append(lines,
			counted(t("female_quota"), s.FemaleQuota, s.FemaleQuotaChange),
			counted(t("female_applied"), s.FemaleApplied, s.FemaleAppliedChange),
			counted(t("female_double"), s.FemaleDoubleQualified, s.FemaleDoubleQualifiedChange),
			counted(t("female_approved"), s.FemaleApproved, s.FemaleApprovedChange),
			judged(rated(t("female_completion"), kPct, s.FemaleQuotaCompletion, s.FemaleQuotaCompletionChange), s.CompletionTarget, s.FemaleCompletionMet))
	}
	if b.ShowsMinority() {
		share := rated(t("minority_applied_share"), kPct, s.MinorityAppliedShare, s.MinorityAppliedShareChange)
		if s.MinorityTarget.Valid {
			share = judged(share, s.MinorityTarget, s.MinorityMet)
		}
		lines = append(lines,
			counted(t("minority_registered"), s.MinorityRegistered, s.MinorityRegisteredChange),
			counted(t("minority_applied"), s.MinorityApplied, s.MinorityAppliedChange),
			share,
			counted(t("minority_approved"), s.MinorityApproved, s.MinorityApprovedChange))
	}
	// The office's own indicators (enlist.yaml), judged where they have a
	// target.
	for _, ind := range b.Indicators {
		f := s.OfficeFigures(ind)
		// A number prints as a whole number, as counts do.
		k := kPct
		if !ind.Percent {
			k = kInt
		}
		l := rated(ind.Label, k, f.Value, f.Change)
		if f.Target.Valid {
			l = judged(l, f.Target, f.Met)
		}
		lines = append(lines, l)
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
		if c, ok := l.cur.Get(); ok {
			cur = stored(l.kind, c)
			if d, ok := l.change.Get(); ok {
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
		if l.judged {
			target = l.target.Cell()
		}
		met := ""
		if m, ok := l.met.Get(); l.judged && ok {
			met = yesNo(w.lang, m)
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
		cols := map[int]kind{2: l.kind, 3: l.kind, 4: changeKind(l.kind)}
		if l.judged && l.kind == kInt {
			// An office's count with a target: the target is a count too.
			cols[5] = kInt
		}
		for c, k := range cols {
			ref := cell(c, row)
			if v, _ := w.f.GetCellValue(tab.sheet, ref); v == "—" {
				continue
			}
			if err := w.f.SetCellStyle(tab.sheet, ref, ref, w.st.cell(k, false)); err != nil {
				return err
			}
		}
		if !l.judged {
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
