package workbook

// quality: 兵员质量 — college, graduate and STEM shares of the approved
// recruits against their targets, and the composite score (五率总评) with
// its rank, the one rank of the sheet, shown first and sorting the rows.
// Ratios under target are coloured once there are enough recruits to judge
// (attention_min_recruits); regions without quota or approvals have no
// score and no rank.
func (w *writer) quality() error {
	t := w.lang.T
	minimum := num(w.b.Targets.MinRecruits)
	judged := func(count, target string) string {
		return "AND(ISNUMBER({self}),ISNUMBER(" + target + ")," + count + ">=MAX(" + minimum + ",1),{self}<" + target + ")"
	}
	cols := []regionColumn{
		{column{head: t("score_rank"), kind: kRank}, rate("composite_rank")},
		{column{head: t("region"), kind: kName}, name},
		{column{head: t("approved"), kind: kInt, id: "n"}, count("approved")},
		{column{group: t("college"), head: t("people"), kind: kInt, id: "cn"}, count("college_approved")},
		{column{group: t("college"), head: t("ratio"), kind: kPct, behind: judged("{n}", "{ct}")}, rate("college_ratio")},
		{column{group: t("college"), head: t("target"), kind: kPct, id: "ct"}, rate("college_target")},
		{column{group: t("graduate"), head: t("people"), kind: kInt}, count("graduate_approved")},
		{column{group: t("graduate"), head: t("ratio"), kind: kPct, behind: judged("{n}", "{gt}")}, rate("graduate_ratio")},
		{column{group: t("graduate"), head: t("target"), kind: kPct, id: "gt"}, rate("graduate_target")},
		{column{group: t("stem"), head: t("people"), kind: kInt}, count("stem_approved")},
		{column{group: t("stem"), head: t("ratio"), kind: kPct, behind: judged("{cn}", num(w.b.Targets.Stem))}, rate("stem_ratio")},
		{column{head: t("score"), kind: kScore}, rate("composite_score")},
	}
	var notes []string
	for _, c := range w.b.Children {
		if _, ok := c.Rate("composite_score"); !ok {
			notes = append(notes, t("no_score_note"))
			break
		}
	}
	if few := w.b.FewRecruits(); few != "" {
		notes = append(notes, few)
	}
	return w.regionTable(t("sheet_quality"), cols, w.b.ChildrenBy("composite_rank"), 2, notes...)
}
