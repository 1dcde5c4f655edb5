package load

import (
	"context"
	"path/filepath"
	"sort"
	"testing"

	"enlist/internal/regions"
	"enlist/internal/synth"
)

// TestFlaggedCountIsTheFlagsView: the ledger's flagged count of every load
// — read from the parts of the flags view that can hold the load's rows —
// equals what the whole flags view says of that load when it is stored,
// for every kind, on a messy province where every kind of flag occurs
// (age rule, orphans, two regions, unqualified approvals, odd values).
func TestFlaggedCountIsTheFlagsView(t *testing.T) {
	fx := newFixture(t)
	ctx := context.Background()
	tab, err := regions.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(fx.dir, "extracts")
	m, err := synth.Generate(ctx, synth.Options{Province: "41", Year: 2025, Registrations: 3000, Seed: 11, Messy: 0.8, Out: out}, tab, nil)
	if err != nil {
		t.Fatal(err)
	}
	order := map[string]int{"quotas": 0, "registrations": 1, "exams": 2, "approvals": 3, "resettlement": 4}
	files := append([]synth.File(nil), m.Files...)
	sort.SliceStable(files, func(i, j int) bool { return order[files[i].Kind] < order[files[j].Kind] })
	flaggedByKind := map[string]int{}
	for _, f := range files {
		r, err := fx.loader.LoadFile(ctx, filepath.Join(out, filepath.FromSlash(f.Path)), Options{})
		if err != nil {
			t.Fatalf("%s: %v", f.Path, err)
		}
		want := fx.count(t, `SELECT count(DISTINCT source_row) FROM flags WHERE load_id = ?`, r.LoadID)
		if r.Flagged != want {
			t.Errorf("%s (%s): flagged %d, the flags view lists %d rows", f.Path, f.Kind, r.Flagged, want)
		}
		if ledger := fx.count(t, `SELECT rows_flagged::INTEGER FROM load_ledger WHERE load_id = ?`, r.LoadID); ledger != want {
			t.Errorf("%s: ledger says %d flagged, want %d", f.Path, ledger, want)
		}
		flaggedByKind[f.Kind] += r.Flagged
	}
	for _, k := range []string{"registrations", "exams", "approvals"} {
		if flaggedByKind[k] == 0 {
			t.Errorf("no %s row flagged: the fixture does not exercise that kind's checks", k)
		}
	}
}
