package workbook

// quota: 任务完成 — children ranked by completion, with time progress, the
// pace gap and the projection. Completion below time progress is coloured
// (达标 means at or above it: sql/models/440_bulletin_at.sql). Regions
// without a quota have no completion and no rank: "—", with a note.
func (w *writer) quota() error {
	t := w.lang.T
	cols := []regionColumn{
		{column{head: t("rank"), kind: kRank}, rate("completion_rank")},
		{column{head: t("region"), kind: kName}, name},
		{column{head: t("quota"), kind: kInt}, count("quota")},
		{column{head: t("applied"), kind: kInt}, count("applied")},
		{column{head: t("applied_ratio"), kind: kTimes}, rate("applied_to_quota")},
		{column{head: t("double"), kind: kInt}, count("double_qualified")},
		{column{head: t("approved"), kind: kInt}, count("approved")},
		{column{head: t("returned"), kind: kInt}, count("returned")},
		{column{head: t("completion"), kind: kPct, behind: belowCell("{elapsed}")}, rate("quota_completion")},
		{column{head: t("elapsed"), kind: kPct, id: "elapsed"}, rate("elapsed_share")},
		{column{head: t("pace_gap"), kind: kPoints, behind: "AND(ISNUMBER({self}),{self}<0)"}, rate("pace_gap")},
		{column{head: t("projected"), kind: kPct}, rate("projected_completion")},
		{column{head: t("change"), kind: kPoints}, rate("quota_completion_change")},
	}
	var notes []string
	var sum int64
	noQuota := 0
	for _, c := range w.b.Children {
		sum += c.Int("quota")
		if c.Int("quota") == 0 {
			noQuota++
		}
	}
	if q := w.b.Scope.Int("quota"); q != sum && len(w.b.Children) > 0 {
		notes = append(notes, sprintf(t("quota_note"), q, sum))
	}
	if noQuota > 0 {
		notes = append(notes, t("no_quota_note"))
	}
	if w.b.Scope.Int("approved") == 0 {
		notes = append(notes, t("no_projection_note"))
	}
	return w.regionTable(t("sheet_quota"), cols, w.b.ChildrenBy("completion_rank"), 2, notes...)
}

// belowCell is the conditional format of a rate coloured when below the
// target in another cell of its row: the one colour rule, as a formula so
// that a figure corrected by hand recolours itself.
func belowCell(target string) string {
	return "AND(ISNUMBER({self}),ISNUMBER(" + target + "),{self}<" + target + ")"
}

// belowValue is the same against a configured target.
func belowValue(target float64) string {
	return "AND(ISNUMBER({self}),{self}<" + num(target) + ")"
}
