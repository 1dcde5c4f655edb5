package workbook

// resettlement: 退役安置 — veterans due for an assigned job and placed, the
// self-employed and whether their one-time subsidy was paid on time; rates
// under the configured targets are coloured.
func (w *writer) resettlement() error {
	t, tg := w.lang.T, w.b.Scope
	cols := []regionColumn{
		{column{head: t("region"), kind: kName}, name},
		{column{head: t("due"), kind: kInt}, func(r row) any { return r.PlacementDue.Int() }},
		{column{head: t("placed"), kind: kInt}, func(r row) any { return r.Placed.Int() }},
		{column{head: t("placement"), kind: kPct, behind: belowValue(tg.PlacementTarget)}, func(r row) any { return r.PlacementRate.Cell() }},
		{column{head: t("self_employed"), kind: kInt}, func(r row) any { return r.SelfEmployed.Int() }},
		{column{head: t("subsidy"), kind: kPct, behind: belowValue(tg.SubsidyTarget)}, func(r row) any { return r.SubsidyOnTimeRate.Cell() }},
		{column{head: t("avg_days"), kind: kDays}, func(r row) any { return r.AvgPlacementDays.Cell() }},
	}
	return w.regionTable(t("sheet_resettle"), cols, w.b.Children, 1)
}
