package workbook

import "enlist/reports/bulletin"

// quota: 任务完成 — children ranked by completion, with time progress, the
// pace gap and the projection. Completion below time progress is coloured
// (达标 means at or above it: sql/models/210_metrics_at.sql). Regions
// without a quota have no completion and no rank: "—", with a note.
func (w *writer) quota() error {
	t := w.lang.T
	cols := []regionColumn{
		{column{head: t("rank"), kind: kRank}, func(r row) any { return r.CompletionRank.Cell() }},
		{column{head: t("region"), kind: kName}, name},
		{column{head: t("quota"), kind: kInt}, func(r row) any { return r.Quota.Int() }},
		{column{head: t("applied"), kind: kInt}, func(r row) any { return r.Applied.Int() }},
		{column{head: t("applied_ratio"), kind: kTimes}, func(r row) any { return r.AppliedToQuota.Cell() }},
		{column{head: t("double"), kind: kInt}, func(r row) any { return r.DoubleQualified.Int() }},
		{column{head: t("approved"), kind: kInt}, func(r row) any { return r.Approved.Int() }},
		{column{head: t("returned"), kind: kInt}, func(r row) any { return r.Returned.Int() }},
		{column{head: t("completion"), kind: kPct, behind: belowCell("{elapsed}")}, func(r row) any { return r.QuotaCompletion.Cell() }},
		{column{head: t("elapsed"), kind: kPct, id: "elapsed"}, func(r row) any { return r.ElapsedShare.Cell() }},
		{column{head: t("pace_gap"), kind: kPoints, behind: "AND(ISNUMBER({self}),{self}<0)"}, func(r row) any { return r.PaceGapPrinted.Cell() }},
		{column{head: t("projected"), kind: kPct}, func(r row) any { return r.ProjectedCompletionPrinted.Cell() }},
		{column{head: t("change"), kind: kPoints}, func(r row) any { return r.QuotaCompletionChangePrinted.Cell() }},
	}
	var notes []string
	var sum int64
	noQuota := 0
	for _, c := range w.b.Children {
		sum += c.Quota.Int()
		if c.Quota.Int() == 0 {
			noQuota++
		}
	}
	if q := w.b.Scope.Quota.Int(); q != sum && len(w.b.Children) > 0 {
		notes = append(notes, sprintf(t("quota_note"), q, sum))
	}
	if noQuota > 0 {
		notes = append(notes, t("no_quota_note"))
	}
	if w.b.Scope.Approved.Int() == 0 {
		notes = append(notes, t("no_projection_note"))
	}
	return w.regionTable(t("sheet_quota"), cols, w.b.ByCompletion(), 2, notes...)
}

// belowCell is the conditional format of a rate coloured when below the
// target in another cell of its row: the one colour rule, as a formula so
// that a figure corrected by hand recolours itself.
func belowCell(target string) string {
	return "AND(ISNUMBER({self}),ISNUMBER(" + target + "),{self}<" + target + ")"
}

// belowValue is the same against a target of the metrics view
// (physical_target …); none when the settings set none.
func belowValue(target bulletin.Rate) string {
	return "AND(ISNUMBER({self}),{self}<" + num(target.V) + ")"
}
