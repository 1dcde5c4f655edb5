package workbook

import (
	"strings"

	"enlist/reports/bulletin"
)

// returns: 退兵 — returns during the quarantine period, the responsible
// ones, the return rate (coloured at or above the configured maximum) and
// the reasons given.
func (w *writer) returns() error {
	t := w.lang.T
	cols := []regionColumn{
		{column{head: t("region"), kind: kName}, name},
		{column{head: t("approved"), kind: kInt, id: "n"}, func(r row) any { return r.Approved.Int() }},
		{column{head: t("returned"), kind: kInt}, func(r row) any { return r.Returned.Int() }},
		{column{head: t("responsible"), kind: kInt}, func(r row) any { return r.ResponsibleReturned.Int() }},
		{column{head: t("return_rate"), kind: kPct, behind: "AND(ISNUMBER({self}),{n}>=MAX(" + num(w.b.Scope.AttentionMinRecruits.V) + ",1),{self}>=" + num(w.b.Scope.ReturnRateMax.V) + ")"}, func(r row) any { return r.ReturnRate.Cell() }},
		{column{head: t("return_why"), kind: kText}, func(r bulletin.Row) any {
			var parts []string
			for _, rr := range w.b.ReturnReasons[r.Code()] {
				parts = append(parts, w.reasonText(rr.Reason, rr.Returned))
			}
			return strings.Join(parts, w.lang.T("semicolon"))
		}},
	}
	return w.regionTable(t("sheet_returns"), cols, w.b.Children, 1)
}
