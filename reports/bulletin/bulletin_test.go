package bulletin_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"enlist/reports/bulletin"
	"enlist/reports/internal/fixture"
)

// TestGatherSmall checks the breakdowns against the hand-computed fixture
// (see reports/internal/fixture).
func TestGatherSmall(t *testing.T) {
	wh := fixture.Small(t)
	b, err := bulletin.Gather(context.Background(), wh, bulletin.Options{Scope: "4101", AsOf: fixture.AsOf})
	if err != nil {
		t.Fatal(err)
	}
	if b.Year != 2025 || b.Season != 1 {
		t.Fatalf("season %d/%d", b.Year, b.Season)
	}
	if got, want := b.Title(), "郑州市2025年上半年征兵工作周通报"; got != want {
		t.Errorf("title %q, want %q", got, want)
	}
	if got := b.Scope.Approved.Int(); got != 5 {
		t.Errorf("approved %d, want 5", got)
	}
	if got, want := b.PhysicalReasons["410102"], []bulletin.Reason{{"视力", 2}, {"外科", 1}}; !reflect.DeepEqual(got, want) {
		t.Errorf("physical reasons of 410102 %v, want %v", got, want)
	}
	if got, want := b.PoliticalReasons["410103"], []bulletin.Reason{{fixture.FormulaReason, 1}}; !reflect.DeepEqual(got, want) {
		t.Errorf("political reasons of 410103 %v, want %v", got, want)
	}
	if got, want := b.PhysicalReasons["4101"], []bulletin.Reason{{"视力", 2}, {fixture.AtReason, 1}, {"外科", 1}}; !reflect.DeepEqual(got, want) {
		t.Errorf("physical reasons of 4101 %v, want %v", got, want)
	}
	if got, want := b.ReturnReasons["4101"], []bulletin.ReturnReason{{"疾病", 1, 1}}; !reflect.DeepEqual(got, want) {
		t.Errorf("return reasons %v, want %v", got, want)
	}
	net := map[string]int64{}
	for _, w := range b.Weeks {
		net[w.End.Format("01-02")] = w.Net
	}
	if len(b.Weeks) != 12 || net["03-06"] != 1 || net["03-13"] != 4 || net["03-20"] != 4 || net["01-02"] != 0 {
		t.Errorf("weeks %+v", b.Weeks)
	}
	var names []string
	for _, a := range b.Attention {
		names = append(names, a.Kind+" "+a.Code)
	}
	// 管城回族区 has done nothing (87.8 points behind time), 中原区 is 37.8
	// points behind (50 % against 79/90): the worse first. 410103 is ahead.
	// No quality ratio is judged on 3 or 2 recruits (fewer than 5).
	if want := []string{"pace 410104", "pace 410102"}; !reflect.DeepEqual(names, want) {
		t.Errorf("attention %v, want %v", b.Attention, want)
	}
	// The refused check character in 中原区, and the orphan exam, a warning
	// between files in force, at the city's own level.
	if len(b.Issues) != 2 || b.Issues[0].Reason != "bad_id_check" || b.Issues[0].Child != "410102" || b.Issues[0].Rows != 1 ||
		b.Issues[1].Reason != "orphan" || b.Issues[1].Child != "4101" || b.Issues[1].Rows != 1 {
		t.Errorf("issues %+v", b.Issues)
	}
}

// TestGatherTellsItsSteps: the person who asked for a bulletin hears of
// each step as it starts, numbered against the steps of that reading — the
// weekly bulletin's eight, the data-quality report's four, and the five a
// bulletin of a shared Day still reads itself.
func TestGatherTellsItsSteps(t *testing.T) {
	ctx := context.Background()
	wh := fixture.Small(t)
	weekly := []string{
		"1/8 counting the people of 4101 as of " + fixture.AsOf.Format("2006-01-02") + " and a week earlier",
		"2/8 the figures, ranks and verdicts",
		"3/8 the files and the warnings between them",
		"4/8 the office's own indicators",
		"5/8 exam failures by reason",
		"6/8 returns by reason",
		"7/8 approvals week by week",
		"8/8 the universities",
	}
	day := func(ctx context.Context, asOf time.Time, year, season int) (*bulletin.Day, error) {
		return bulletin.ReadDay(ctx, wh, asOf, year, season)
	}
	for _, c := range []struct {
		name string
		opt  bulletin.Options
		want []string
	}{
		{"weekly", bulletin.Options{}, weekly},
		{"quality", bulletin.Options{Audit: true}, []string{
			"1/4 counting the people of 4101 as of " + fixture.AsOf.Format("2006-01-02") + " and a week earlier",
			"2/4 the figures, ranks and verdicts",
			"3/4 the files and the warnings between them",
			"4/4 the office's own indicators",
		}},
		{"with a Day", bulletin.Options{Day: day}, []string{
			"1/5 the office's own indicators",
			"2/5 exam failures by reason",
			"3/5 returns by reason",
			"4/5 approvals week by week",
			"5/5 the universities",
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var got []string
			opt := c.opt
			opt.Scope, opt.AsOf = "4101", fixture.AsOf
			opt.Progress = func(step string) { got = append(got, step) }
			if _, err := bulletin.Gather(ctx, wh, opt); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("steps\n%q\nwant\n%q", got, c.want)
			}
		})
	}
}
