package workbook

import "enlist/reports/bulletin"

// schools: 高校征兵 — the universities sitting in a city's or a province's
// region, ranked by approved, with applied per thousand students and its
// rank where the schools extract gives a student count. Every figure is a
// field of bulletin.SchoolRow (sql/models/561_school_ranking_at.sql); the
// 合计 is the region's row of school_totals_at (562): sums, and the rates
// recomputed from them.
func (w *writer) schools() error {
	s := w.b.Schools
	t := w.lang.T
	type schoolColumn struct {
		column
		row   func(r bulletin.SchoolRow) any
		total func(r bulletin.SchoolTotal) any
	}
	none := func(bulletin.SchoolTotal) any { return nil }
	cols := []schoolColumn{
		{column{head: t("school_approved_rank"), kind: kRank}, func(r bulletin.SchoolRow) any { return r.ApprovedRank.Cell() }, none},
		{column{head: t("school"), kind: kName}, func(r bulletin.SchoolRow) any { return r.SchoolName }, none},
		{column{head: t("school_county"), kind: kText}, func(r bulletin.SchoolRow) any { return r.CountyName.String },
			func(bulletin.SchoolTotal) any { return "" }},
		{column{head: t("school_students"), kind: kInt}, func(r bulletin.SchoolRow) any { return r.Students.Cell() },
			func(r bulletin.SchoolTotal) any { return r.Students.Cell() }},
		{column{head: t("school_registered"), kind: kInt}, func(r bulletin.SchoolRow) any { return r.Registered.Int() },
			func(r bulletin.SchoolTotal) any { return r.Registered.Int() }},
		{column{head: t("school_applied"), kind: kInt}, func(r bulletin.SchoolRow) any { return r.Applied.Int() },
			func(r bulletin.SchoolTotal) any { return r.Applied.Int() }},
		{column{head: t("school_examined"), kind: kInt}, func(r bulletin.SchoolRow) any { return r.PhysicalExamined.Int() },
			func(r bulletin.SchoolTotal) any { return r.PhysicalExamined.Int() }},
		{column{head: t("double"), kind: kInt}, func(r bulletin.SchoolRow) any { return r.DoubleQualified.Int() },
			func(r bulletin.SchoolTotal) any { return r.DoubleQualified.Int() }},
		{column{head: t("approved"), kind: kInt}, func(r bulletin.SchoolRow) any { return r.Approved.Int() },
			func(r bulletin.SchoolTotal) any { return r.Approved.Int() }},
		{column{head: t("returned"), kind: kInt}, func(r bulletin.SchoolRow) any { return r.Returned.Int() },
			func(r bulletin.SchoolTotal) any { return r.Returned.Int() }},
		{column{head: t("school_quota"), kind: kInt}, func(r bulletin.SchoolRow) any { return r.Quota.Cell() },
			func(r bulletin.SchoolTotal) any { return r.Quota.Cell() }},
		{column{head: t("school_completion"), kind: kPct}, func(r bulletin.SchoolRow) any { return r.QuotaCompletion.Cell() },
			func(r bulletin.SchoolTotal) any { return r.QuotaCompletion.Cell() }},
		{column{head: t("school_per_thousand"), kind: kScore}, func(r bulletin.SchoolRow) any { return r.AppliedPerThousand.Cell() },
			func(r bulletin.SchoolTotal) any { return r.AppliedPerThousand.Cell() }},
		{column{head: t("school_rate_rank"), kind: kRank}, func(r bulletin.SchoolRow) any { return r.AppliedRateRank.Cell() }, none},
	}
	tb := table{sheet: t("sheet_schools"), title: w.b.Title(), dateLine: w.b.AsOfLine(), unitLine: w.lang.T("unit_line"),
		freezeCols: 2, signature: w.signature(),
		notes: []string{t("school_note"), t("school_rate_note"), t("school_quota_note")}}
	for _, c := range cols {
		tb.cols = append(tb.cols, c.column)
	}
	for _, r := range s.Rows {
		vals := make([]any, len(cols))
		for i, c := range cols {
			vals[i] = c.row(r)
		}
		tb.records = append(tb.records, record{vals: vals})
	}
	vals := make([]any, len(cols))
	for i, c := range cols {
		vals[i] = c.total(s.Total)
	}
	tb.records = append(tb.records, record{vals: vals, total: true})
	return w.writeTable(tb)
}
