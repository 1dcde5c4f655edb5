package bulletin

import (
	"context"
	"slices"
	"strings"
	"testing"

	"enlist/internal/metrics"
	"enlist/reports/internal/fixture"
)

// TestRowMatchesMetricsView: bulletin.Row has one field for every column
// of the metrics view and no other, so a column renamed or dropped in SQL
// fails here (and in every Gather) instead of printing a blank cell.
func TestRowMatchesMetricsView(t *testing.T) {
	wh := fixture.Small(t)
	ctx := context.Background()
	rows, err := wh.DB().QueryContext(ctx, `SELECT column_name FROM duckdb_columns() WHERE table_name = 'metrics' ORDER BY column_index`)
	if err != nil {
		t.Fatal(err)
	}
	var view []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			t.Fatal(err)
		}
		view = append(view, c)
	}
	rows.Close()
	fields := RowColumns()
	for _, c := range view {
		if !slices.Contains(fields, c) {
			t.Errorf("the metrics view's column %s has no field in bulletin.Row", c)
		}
	}
	for _, f := range fields {
		if !slices.Contains(view, f) {
			t.Errorf("bulletin.Row's field for %s has no column in the metrics view", f)
		}
	}
	if len(view) < 100 {
		t.Fatalf("the metrics view has %d columns", len(view))
	}

	// A column the struct lacks, or a field the query lacks, is an error
	// naming it.
	for query, want := range map[string]string{
		`SELECT *, 1 AS extra FROM metrics_at(DATE '2025-03-20', 2025, 1)`:                    "column extra that bulletin.Row lacks",
		`SELECT * EXCLUDE (behind) FROM metrics_at(DATE '2025-03-20', 2025, 1)`:               "field for column behind that the metrics view lacks",
		`SELECT * RENAME (completion_met AS met) FROM metrics_at(DATE '2025-03-20', 2025, 1)`: "column met that bulletin.Row lacks",
	} {
		rows, err := wh.DB().QueryContext(ctx, query)
		if err != nil {
			t.Fatal(err)
		}
		_, err = scanRows(rows)
		rows.Close()
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", query, err, want)
		}
	}
}

// TestMetricsViewJudges: whether a region is behind time, whether each
// target is met and the ranks are columns of the metrics view itself, as
// analysts query it, and the bulletin prints them: 郑州市's counties as of
// 03-20 (time progress 87.8 %): 二七区 (the renamed 410103) 100 % first and
// on time, 中原区 50.0 % second, 37.8 points behind, 管城回族区 0.0 % third,
// 87.8 points behind.
func TestMetricsViewJudges(t *testing.T) {
	wh := fixture.Small(t)
	ctx := context.Background()
	f, err := metrics.Read(ctx, wh, metrics.Query{Scope: "4101", AsOf: fixture.AsOf, Depth: 1})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]map[string]any{
		"410102": {"completion_rank": int64(2), "completion_met": false, "behind": true, "pace_gap_printed": 0.5 - 0.878},
		"410103": {"completion_rank": int64(1), "completion_met": true, "behind": false, "pace_gap_printed": 1 - 0.878},
		"410104": {"completion_rank": int64(3), "completion_met": false, "behind": true, "pace_gap_printed": -0.878},
		"4101":   {"completion_met": false, "behind": true, "pace_gap_printed": 0.5 - 0.878},
	}
	b, err := Gather(ctx, wh, Options{Scope: "4101", AsOf: fixture.AsOf})
	if err != nil {
		t.Fatal(err)
	}
	printed := map[string]Row{b.Scope.Code(): b.Scope}
	for _, c := range b.Children {
		printed[c.Code()] = c
	}
	for i := range f.Rows {
		code := f.Value(i, "region_code").(string)
		w, ok := want[code]
		if !ok {
			continue
		}
		for col, v := range w {
			got := f.Value(i, col)
			if g, ok := got.(float64); ok {
				if d := g - v.(float64); d > 1e-9 || d < -1e-9 {
					t.Errorf("metrics %s.%s = %v, want %v", code, col, got, v)
				}
				continue
			}
			if got != v {
				t.Errorf("metrics %s.%s = %v (%T), want %v", code, col, got, got, v)
			}
		}
		// The bulletin's row is the same row.
		r := printed[code]
		if r.CompletionMet.V != w["completion_met"] || r.Behind.V != w["behind"] || (w["completion_rank"] != nil && r.CompletionRank.V != w["completion_rank"]) {
			t.Errorf("bulletin %s: met %v behind %v rank %v", code, r.CompletionMet, r.Behind, r.CompletionRank)
		}
		delete(want, code)
	}
	if len(want) > 0 {
		t.Errorf("rows missing from the metrics view: %v", want)
	}
}
