package workbook

import "enlist/reports/bulletin"

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
		{column{head: t("score_rank"), kind: kRank}, rank(func(r bulletin.Row) bulletin.Count { return r.CompositeRank })},
		{column{head: t("region"), kind: kName}, name},
		{column{head: t("approved"), kind: kInt, id: "n"}, count(func(r bulletin.Row) bulletin.Count { return r.Approved })},
		{column{group: t("college"), head: t("people"), kind: kInt, id: "cn"}, count(func(r bulletin.Row) bulletin.Count { return r.CollegeApproved })},
		{column{group: t("college"), head: t("ratio"), kind: kPct, behind: judged("{n}", "{ct}")}, rate(func(r bulletin.Row) bulletin.Rate { return r.CollegeRatio })},
		{column{group: t("college"), head: t("target"), kind: kPct, id: "ct"}, rate(func(r bulletin.Row) bulletin.Rate { return r.CollegeTarget })},
		{column{group: t("graduate"), head: t("people"), kind: kInt}, count(func(r bulletin.Row) bulletin.Count { return r.GraduateApproved })},
		{column{group: t("graduate"), head: t("ratio"), kind: kPct, behind: judged("{n}", "{gt}")}, rate(func(r bulletin.Row) bulletin.Rate { return r.GraduateRatio })},
		{column{group: t("graduate"), head: t("target"), kind: kPct, id: "gt"}, rate(func(r bulletin.Row) bulletin.Rate { return r.GraduateTarget })},
		{column{group: t("stem"), head: t("people"), kind: kInt}, count(func(r bulletin.Row) bulletin.Count { return r.StemApproved })},
		{column{group: t("stem"), head: t("ratio"), kind: kPct, behind: judged("{cn}", num(w.b.Scope.StemTarget.V))}, rate(func(r bulletin.Row) bulletin.Rate { return r.StemRatio })},
		{column{head: t("score"), kind: kScore}, rate(func(r bulletin.Row) bulletin.Rate { return r.CompositeScore })},
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
