package scoped

import (
	"context"
	"strings"
	"testing"
)

// TestCopyTellsWhereUniversitiesDiffer: a city's copy holds only the
// students who registered in the city, so its universities count fewer
// than the bulletin, which counts each university's students wherever
// they registered. The analyst is told so beside the rows of a query
// naming a university model, and only then; the province, which reads the
// whole warehouse, is told nothing.
func TestCopyTellsWhereUniversitiesDiffer(t *testing.T) {
	fx := warehouseFixture(t)
	ctx := context.Background()
	vars := Vars{"as_of": "2025-12-31", "year": "2025", "season": "2"}
	const q = `SELECT coalesce(sum(registered), 0)::BIGINT FROM school_metrics_at(DATE '2025-12-31', 2025, 2) WHERE starts_with(located_code, '6401')`
	whole, err := ScopeQuery(ctx, fx.published, "64", q, vars, QueryOptions{})
	if err != nil {
		t.Fatal(err)
	}
	city, err := ScopeQuery(ctx, fx.published, "6401", q, vars, QueryOptions{})
	if err != nil {
		t.Fatal(err)
	}
	w, c := whole.Rows[0][0].(int64), city.Rows[0][0].(int64)
	if !(c < w) {
		t.Fatalf("6401's universities: %v registered in the city's copy, %v in the whole warehouse; the fixture should have students registered elsewhere", c, w)
	}
	want := "note: this copy holds the rows of 6401 银川市 only: in school_metrics_at a university counts only its students who registered in 6401 银川市; " +
		"the bulletin counts its students wherever they registered, and its figures for the same university can be higher."
	if city.Notice != want {
		t.Errorf("the city's notice:\n%s\nwant\n%s", city.Notice, want)
	}
	if whole.Notice != "" {
		t.Errorf("the province's copy is the whole warehouse, yet: %s", whole.Notice)
	}
	for _, q := range []string{
		`SELECT count(*) FROM metrics_at(DATE '2025-12-31', 2025, 2)`,
		`SELECT count(*) FROM registrations`,
	} {
		res, err := ScopeQuery(ctx, fx.published, "6401", q, vars, QueryOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if res.Notice != "" {
			t.Errorf("%s: notice %q, want none", q, res.Notice)
		}
	}
	res, err := ScopeQuery(ctx, fx.published, "6401", `SELECT r.school_name, t.registered FROM school_ranking_at('6401', DATE '2025-12-31', 2025, 2) r, school_metrics t LIMIT 1`, vars, QueryOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(res.Notice, "only: in school_metrics, school_ranking_at a university counts") {
		t.Errorf("a view and a macro named: %q", res.Notice)
	}
}
