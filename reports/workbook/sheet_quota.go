package workbook

import "enlist/reports/bulletin"

// quota: 任务完成 — children ranked by completion, with time progress, the
// pace gap and the projection. Completion below time progress is coloured
// (达标 means at or above it: sql/models/210_metrics_at.sql). Regions
// without a quota have no completion and no rank: "—", with a note.
func (w *writer) quota() error {
	t := w.lang.T
	cols := []regionColumn{
		{column{head: t("rank"), kind: kRank}, rank(func(r bulletin.Row) bulletin.Count { return r.CompletionRank })},
		{column{head: t("region"), kind: kName}, name},
		{column{head: t("quota"), kind: kInt}, count(func(r bulletin.Row) bulletin.Count { return r.Quota })},
		{column{head: t("applied"), kind: kInt}, count(func(r bulletin.Row) bulletin.Count { return r.Applied })},
		{column{head: t("applied_ratio"), kind: kTimes}, rate(func(r bulletin.Row) bulletin.Rate { return r.AppliedToQuota })},
		{column{head: t("double"), kind: kInt}, count(func(r bulletin.Row) bulletin.Count { return r.DoubleQualified })},
		{column{head: t("approved"), kind: kInt}, count(func(r bulletin.Row) bulletin.Count { return r.Approved })},
		{column{head: t("returned"), kind: kInt}, count(func(r bulletin.Row) bulletin.Count { return r.Returned })},
		{column{head: t("completion"), kind: kPct, behind: belowCell("{elapsed}")}, rate(func(r bulletin.Row) bulletin.Rate { return r.QuotaCompletion })},
		{column{head: t("elapsed"), kind: kPct, id: "elapsed"}, rate(func(r bulletin.Row) bulletin.Rate { return r.ElapsedShare })},
		{column{head: t("pace_gap"), kind: kPoints, behind: "AND(ISNUMBER({self}),{self}<0)"}, rate(func(r bulletin.Row) bulletin.Rate { return r.PaceGapPrinted })},
		{column{head: t("projected"), kind: kPct}, rate(func(r bulletin.Row) bulletin.Rate { return r.ProjectedCompletionPrinted })},
		{column{head: t("change"), kind: kPoints}, rate(func(r bulletin.Row) bulletin.Rate { return r.QuotaCompletionChangePrinted })},
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
