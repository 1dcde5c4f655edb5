package workbook

import "enlist/reports/bulletin"

// resettlement: 退役安置 — veterans due for an assigned job and placed, the
// self-employed and whether their one-time subsidy was paid on time; rates
// under the configured targets are coloured.
func (w *writer) resettlement() error {
	t, tg := w.lang.T, w.b.Scope
	cols := []regionColumn{
		{column{head: t("region"), kind: kName}, name},
		{column{head: t("due"), kind: kInt}, count(func(r bulletin.Row) bulletin.Count { return r.PlacementDue })},
		{column{head: t("placed"), kind: kInt}, count(func(r bulletin.Row) bulletin.Count { return r.Placed })},
		{column{head: t("placement"), kind: kPct, behind: belowValue(tg.PlacementTarget)}, rate(func(r bulletin.Row) bulletin.Rate { return r.PlacementRate })},
		{column{head: t("self_employed"), kind: kInt}, count(func(r bulletin.Row) bulletin.Count { return r.SelfEmployed })},
		{column{head: t("subsidy"), kind: kPct, behind: belowValue(tg.SubsidyTarget)}, rate(func(r bulletin.Row) bulletin.Rate { return r.SubsidyOnTimeRate })},
		{column{head: t("avg_days"), kind: kDays}, rate(func(r bulletin.Row) bulletin.Rate { return r.AvgPlacementDays })},
	}
	return w.regionTable(t("sheet_resettle"), cols, w.b.Children, 1)
}
