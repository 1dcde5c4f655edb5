package workbook

// quality: 兵员质量 — college, graduate and STEM shares of the approved
// recruits against their targets, and the composite score (五率总评) with
// its rank, the one rank of the sheet, shown first and sorting the rows.
// Ratios under target are coloured once there are enough recruits to judge
// (attention_min_recruits); regions without quota or approvals have no
// score and no rank.
func (w *writer) quality() error {
	t := w.lang.T
	minimum := num(w.b.Scope.AttentionMinRecruits.V)
	judged := func(count, target string) string {
		return "AND(ISNUMBER({self}),ISNUMBER(" + target + ")," + count + ">=MAX(" + minimum + ",1),{self}<" + target + ")"
	}
	cols := []regionColumn{
		{column{head: t("score_rank"), kind: kRank}, func(r row) any { return r.CompositeRank.Cell() }},
		{column{head: t("region"), kind: kName}, name},
		{column{head: t("approved"), kind: kInt, id: "n"}, func(r row) any { return r.Approved.Int() }},
		{column{group: t("college"), head: t("people"), kind: kInt, id: "cn"}, func(r row) any { return r.CollegeApproved.Int() }},
		{column{group: t("college"), head: t("ratio"), kind: kPct, behind: judged("{n}", "{ct}")}, func(r row) any { return r.CollegeRatio.Cell() }},
		{column{group: t("college"), head: t("target"), kind: kPct, id: "ct"}, func(r row) any { return r.CollegeTarget.Cell() }},
		{column{group: t("graduate"), head: t("people"), kind: kInt}, func(r row) any { return r.GraduateApproved.Int() }},
		{column{group: t("graduate"), head: t("ratio"), kind: kPct, behind: judged("{n}", "{gt}")}, func(r row) any { return r.GraduateRatio.Cell() }},
		{column{group: t("graduate"), head: t("target"), kind: kPct, id: "gt"}, func(r row) any { return r.GraduateTarget.Cell() }},
		{column{group: t("stem"), head: t("people"), kind: kInt}, func(r row) any { return r.StemApproved.Int() }},
		{column{group: t("stem"), head: t("ratio"), kind: kPct, behind: judged("{cn}", num(w.b.Scope.StemTarget.V))}, func(r row) any { return r.StemRatio.Cell() }},
		{column{head: t("score"), kind: kScore}, func(r row) any { return r.CompositeScore.Cell() }},
	}
	var notes []string
	for _, c := range w.b.Children {
		if !c.CompositeScore.Valid {
			notes = append(notes, t("no_score_note"))
			break
		}
	}
	if few := w.b.FewRecruits(); few != "" {
		notes = append(notes, few)
	}
	return w.regionTable(t("sheet_quality"), cols, w.b.ByScore(), 2, notes...)
}
