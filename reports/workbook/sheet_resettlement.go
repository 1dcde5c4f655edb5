package workbook

// resettlement: 退役安置 — veterans due for an assigned job and placed, the
// self-employed and whether their one-time subsidy was paid on time; rates
// under the configured targets are coloured.
func (w *writer) resettlement() error {
	t, tg := w.lang.T, w.b.Targets
	cols := []regionColumn{
		{column{head: t("region"), kind: kName}, name},
		{column{head: t("due"), kind: kInt}, count("placement_due")},
		{column{head: t("placed"), kind: kInt}, count("placed")},
		{column{head: t("placement"), kind: kPct, behind: belowValue(tg.Placement)}, rate("placement_rate")},
		{column{head: t("self_employed"), kind: kInt}, count("self_employed")},
		{column{head: t("subsidy"), kind: kPct, behind: belowValue(tg.SubsidyOnTime)}, rate("subsidy_on_time_rate")},
		{column{head: t("avg_days"), kind: kDays}, rate("avg_placement_days")},
	}
	return w.regionTable(t("sheet_resettle"), cols, w.b.Children, 1)
}
