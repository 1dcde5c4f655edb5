package workbook

import "enlist/reports/bulletin"

// quality: 兵员质量 — college, graduate and STEM shares of the approved
// recruits against their targets, and the composite score (五率总评) with
// its rank. 排名 ranks the college share; ratios under target are coloured.
func (w *writer) quality() error {
	t := w.lang.T
	rows := w.b.ChildrenBy("composite_rank")
	collegeRank := bulletin.RankBy(w.b.Children, "college_ratio")
	below := "AND(ISNUMBER({self}),ISNUMBER({%s}),{self}<{%s})"
	cols := []regionColumn{
		{column{head: t("rank"), kind: kRank}, func(r bulletin.Row) any { return collegeRank[r.Code()] }},
		{column{head: t("region"), kind: kName}, name},
		{column{head: t("approved"), kind: kInt}, count("approved")},
		{column{group: t("college"), head: t("people"), kind: kInt}, count("college_approved")},
		{column{group: t("college"), head: t("ratio"), kind: kPct, behind: sprintf(below, "ct", "ct")}, rate("college_ratio")},
		{column{group: t("college"), head: t("target"), kind: kPct, id: "ct"}, rate("college_target")},
		{column{group: t("graduate"), head: t("people"), kind: kInt}, count("graduate_approved")},
		{column{group: t("graduate"), head: t("ratio"), kind: kPct, behind: sprintf(below, "gt", "gt")}, rate("graduate_ratio")},
		{column{group: t("graduate"), head: t("target"), kind: kPct, id: "gt"}, rate("graduate_target")},
		{column{group: t("stem"), head: t("people"), kind: kInt}, count("stem_approved")},
		{column{group: t("stem"), head: t("ratio"), kind: kPct, behind: "AND(ISNUMBER({self}),{self}<" + num(w.b.Targets.Stem) + ")"}, rate("stem_ratio")},
		{column{head: t("score"), kind: kScore}, rate("composite_score")},
		{column{head: t("score_rank"), kind: kRank}, count("composite_rank")},
	}
	return w.regionTable(t("sheet_quality"), cols, rows, 2)
}
