package workbook

// quota: 任务完成 — children ranked by completion, with time progress, the
// pace gap and the projection. Completion more than the configured margin
// behind time, and such a gap, are coloured.
func (w *writer) quota() error {
	t, m := w.lang.T, num(w.b.Targets.BehindMargin)
	cols := []regionColumn{
		{column{head: t("rank"), kind: kRank}, count("completion_rank")},
		{column{head: t("region"), kind: kName}, name},
		{column{head: t("quota"), kind: kInt}, count("quota")},
		{column{head: t("applied"), kind: kInt}, count("applied")},
		{column{head: t("applied_ratio"), kind: kPct}, rate("applied_to_quota")},
		{column{head: t("double"), kind: kInt}, count("double_qualified")},
		{column{head: t("approved"), kind: kInt}, count("approved")},
		{column{head: t("returned"), kind: kInt}, count("returned")},
		{column{head: t("completion"), kind: kPct, behind: "AND(ISNUMBER({self}),ISNUMBER({elapsed}),{self}<{elapsed}-" + m + ")"}, rate("quota_completion")},
		{column{head: t("elapsed"), kind: kPct, id: "elapsed"}, rate("elapsed_share")},
		{column{head: t("pace_gap"), kind: kPctChange, behind: "AND(ISNUMBER({self}),{self}<-" + m + ")"}, rate("pace_gap")},
		{column{head: t("projected"), kind: kPct}, rate("projected_completion")},
		{column{head: t("change"), kind: kPctChange}, rate("quota_completion_change")},
	}
	var notes []string
	var sum int64
	for _, c := range w.b.Children {
		sum += c.Int("quota")
	}
	if q := w.b.Scope.Int("quota"); q != sum && len(w.b.Children) > 0 {
		notes = append(notes, sprintf(t("quota_note"), q, sum))
	}
	return w.regionTable(t("sheet_quota"), cols, w.b.ChildrenBy("completion_rank"), 2, notes...)
}
