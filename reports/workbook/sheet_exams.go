package workbook

import (
	"fmt"
	"sort"
	"strings"

	"enlist/reports/bulletin"
)

// exams: 体检政考 — physical and political qualification by region and the
// three most frequent reasons for failing either. Pass rates under the
// configured targets are coloured.
func (w *writer) exams() error {
	t, tg := w.lang.T, w.b.Scope
	cols := []regionColumn{
		{column{head: t("region"), kind: kName}, name},
		{column{group: t("physical"), head: t("examined"), kind: kInt}, func(r row) any { return r.PhysicalExamined.Int() }},
		{column{group: t("physical"), head: t("passed"), kind: kInt}, func(r row) any { return r.PhysicalPassed.Int() }},
		{column{group: t("physical"), head: t("pass_rate"), kind: kPct, behind: belowValue(tg.PhysicalTarget)}, func(r row) any { return r.PhysicalPassRate.Cell() }},
		{column{group: t("political"), head: t("examined"), kind: kInt}, func(r row) any { return r.PoliticalReviewed.Int() }},
		{column{group: t("political"), head: t("passed"), kind: kInt}, func(r row) any { return r.PoliticalPassed.Int() }},
		{column{group: t("political"), head: t("pass_rate"), kind: kPct, behind: belowValue(tg.PoliticalTarget)}, func(r row) any { return r.PoliticalPassRate.Cell() }},
		{column{head: t("double"), kind: kInt}, func(r row) any { return r.DoubleQualified.Int() }},
		{column{head: t("top_reasons"), kind: kText}, func(r bulletin.Row) any { return w.topFailures(r.Code()) }},
	}
	return w.regionTable(t("sheet_exams"), cols, w.b.Children, 1)
}

// topFailures: the three most frequent failure reasons of a region, physical
// and political together, e.g. "视力（12）；外科（5）；政治条件（2）".
func (w *writer) topFailures(code string) string {
	all := append(append([]bulletin.Reason(nil), w.b.PhysicalReasons[code]...), w.b.PoliticalReasons[code]...)
	merged := map[string]int64{}
	var order []string
	for _, r := range all {
		if _, ok := merged[r.Reason]; !ok {
			order = append(order, r.Reason)
		}
		merged[r.Reason] += r.People
	}
	sort.SliceStable(order, func(i, j int) bool {
		if merged[order[i]] != merged[order[j]] {
			return merged[order[i]] > merged[order[j]]
		}
		return order[i] < order[j]
	})
	var parts []string
	for i, r := range order {
		if i == 3 {
			break
		}
		parts = append(parts, w.reasonText(r, merged[r]))
	}
	return strings.Join(parts, w.lang.T("semicolon"))
}

func (w *writer) reasonText(reason string, n int64) string {
	return fmt.Sprintf(w.lang.T("count_paren"), w.lang.Reason(reason), n)
}

func sprintf(format string, a ...any) string { return fmt.Sprintf(format, a...) }
