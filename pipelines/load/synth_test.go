package load

import (
	"context"
	"path/filepath"
	"testing"

	"enlist/internal/regions"
	"enlist/internal/synth"
)

// TestGeneratedProvinceAgreesWithManifest loads a messy generated province
// and compares, file by file, what the ledger, rejects and flags say with
// the defects the generator injected.
func TestGeneratedProvinceAgreesWithManifest(t *testing.T) {
	fx := newFixture(t)
	ctx := context.Background()
	tab, err := regions.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(fx.dir, "extracts")
	m, err := synth.Generate(ctx, synth.Options{Province: "41", Year: 2025, Registrations: 4000, Seed: 7, Messy: 0.6, Out: out}, tab, nil)
	if err != nil {
		t.Fatal(err)
	}
	results, err := fx.loader.LoadPaths(ctx, []string{out}, Options{})
	if err != nil {
		t.Fatalf("refused files: %v", err)
	}
	if len(results) != len(m.Files) {
		t.Fatalf("loaded %d files, manifest lists %d", len(results), len(m.Files))
	}
	byPath := map[string]Result{}
	for _, r := range results {
		byPath[r.File] = r
	}
	twoRegions := 0
	for _, f := range m.Files {
		r, ok := byPath[filepath.Join(out, filepath.FromSlash(f.Path))]
		if !ok {
			t.Errorf("%s not loaded", f.Path)
			continue
		}
		if r.Status != "loaded" || len(r.Replaced) != 0 {
			t.Errorf("%s: status %s, replaced %v", f.Path, r.Status, r.Replaced)
		}
		// An unknown education or return-responsibility value leaves an
		// optional column empty with a flag; in a required column (result,
		// plan) it rejects the row.
		enumRejects := f.Defects[synth.DefectBadEnum]
		if f.Kind == "registrations" || f.Kind == "approvals" {
			enumRejects = 0
		}
		wantRejected := f.Defects[synth.DefectBadIDCheck] + f.Defects[synth.DefectBadIDLength] +
			f.Defects[synth.DefectBadDate] + f.Defects[synth.DefectDuplicate] + enumRejects
		if r.Read != f.Rows || r.Rejected != wantRejected || r.Accepted != f.Rows-wantRejected {
			t.Errorf("%s: read/accepted/rejected %d/%d/%d, want %d/%d/%d (defects %v, reasons %v)",
				f.Path, r.Read, r.Accepted, r.Rejected, f.Rows, f.Rows-wantRejected, wantRejected, f.Defects, r.Reasons)
		}
		flags := func(flag string) int {
			return fx.count(t, `SELECT count(*) FROM flags WHERE load_id = ? AND kind = ? AND flag = ?`, r.LoadID, f.Kind, flag)
		}
		if got, want := flags("age_rule"), f.Defects[synth.DefectAgeRule]; got != want {
			t.Errorf("%s: age_rule flags %d, want %d", f.Path, got, want)
		}
		if got, want := flags("orphan"), f.Defects[synth.DefectOrphan]; got != want {
			t.Errorf("%s: orphan flags %d, want %d", f.Path, got, want)
		}
		if got, want := flags("unqualified_approval"), f.Defects[synth.DefectUnapprovedDouble]; f.Kind == "approvals" && got != want {
			t.Errorf("%s: unqualified_approval flags %d, want %d", f.Path, got, want)
		}
		if f.Kind == "registrations" || f.Kind == "approvals" {
			if got, want := flags("unrecognised_value"), f.Defects[synth.DefectBadEnum]; got != want {
				t.Errorf("%s: unrecognised_value flags %d, want %d", f.Path, got, want)
			}
		}
		twoRegions += f.Defects[synth.DefectTwoRegions]
	}
	// The audit summary counts the same issues, by region and season.
	totals := map[string]int{}
	for _, f := range m.Files {
		totals["age_rule"] += f.Defects[synth.DefectAgeRule]
		totals["orphan"] += f.Defects[synth.DefectOrphan]
		totals["unqualified_approval"] += f.Defects[synth.DefectUnapprovedDouble]
	}
	totals["two_regions"] = 2 * twoRegions
	for issue, want := range totals {
		if got := fx.count(t, `SELECT coalesce(sum(records), 0)::INTEGER FROM integrity_summary WHERE issue = ?`, issue); got != want {
			t.Errorf("integrity_summary %s = %d, want %d", issue, got, want)
		}
	}
	// Both registrations of such a person carry the flag.
	if got := fx.count(t, `SELECT count(*) FROM flags WHERE flag = 'two_regions'`); got != 2*twoRegions || twoRegions == 0 {
		t.Errorf("two_regions flags %d, want 2×%d", got, twoRegions)
	}
}
