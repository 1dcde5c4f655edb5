package rollup

import (
	"database/sql"
	"os"
	"path/filepath"
	"testing"
)

func ld(kind, exam, region string, year, season int64) load {
	l := load{kind: kind, examType: sql.NullString{String: exam, Valid: exam != ""},
		region: sql.NullString{String: region, Valid: region != ""}}
	l.year = sql.NullInt64{Int64: year, Valid: year != 0}
	l.season = sql.NullInt64{Int64: season, Valid: season != 0}
	return l
}

func TestOverlaps(t *testing.T) {
	base := ld("registrations", "", "410102", 2025, 1)
	for _, tc := range []struct {
		name  string
		other load
		want  bool
	}{
		{"same scope", ld("registrations", "", "410102", 2025, 1), true},
		{"city holding the county", ld("registrations", "", "4101", 2025, 1), true},
		{"town of the county", ld("registrations", "", "410102001", 2025, 1), true},
		{"neighbouring county", ld("registrations", "", "410103", 2025, 1), false},
		{"other kind", ld("quotas", "", "410102", 2025, 1), false},
		{"other year", ld("registrations", "", "410102", 2024, 1), false},
		{"other season", ld("registrations", "", "410102", 2025, 2), false},
		{"all years", ld("registrations", "", "410102", 0, 0), true},
		{"no region (no rows)", ld("registrations", "", "", 2025, 1), false},
	} {
		if got := overlaps(base, tc.other); got != tc.want {
			t.Errorf("%s: overlaps = %v", tc.name, got)
		}
		if got := overlaps(tc.other, base); got != tc.want {
			t.Errorf("%s (reversed): overlaps = %v", tc.name, got)
		}
	}
	phys, pol := ld("exams", "physical", "410102", 2025, 1), ld("exams", "political", "410102", 2025, 1)
	if overlaps(phys, pol) || !overlaps(phys, ld("exams", "", "410102", 2025, 1)) {
		t.Error("exam types: physical and political are separate scopes; a mixed file claims both")
	}
}

func TestRegionOf(t *testing.T) {
	for _, tc := range []struct {
		loads []load
		want  string
	}{
		{[]load{ld("quotas", "", "410102001", 2025, 1)}, "410102"},
		{[]load{ld("quotas", "", "410102001", 2025, 1), ld("registrations", "", "410102002", 2025, 1)}, "410102"},
		{[]load{ld("quotas", "", "410102", 2025, 1), ld("registrations", "", "410103001", 2025, 1)}, "4101"},
		{[]load{ld("quotas", "", "", 2025, 1)}, ""},
	} {
		if got := regionOf(tc.loads); got != tc.want {
			t.Errorf("regionOf(%v) = %q, want %q", tc.loads, got, tc.want)
		}
	}
}

// TestFolderFingerprintCoversWhatTheLoaderReads: a note or an Excel lock
// file beside the extracts leaves the fingerprint alone; a changed extract,
// a symlinked one included, changes it.
func TestFolderFingerprintCoversWhatTheLoaderReads(t *testing.T) {
	dir := t.TempDir()
	folder := filepath.Join(dir, "410104")
	write := func(path, text string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(text), 0o640); err != nil {
			t.Fatal(err)
		}
	}
	fp := func() string {
		t.Helper()
		s, err := folderFingerprint(folder)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	if _, err := folderFingerprint(folder); err == nil {
		t.Fatal("a missing folder has a fingerprint")
	}
	write(filepath.Join(folder, "cover.pdf"), "covering letter")
	if _, err := folderFingerprint(folder); err == nil {
		t.Fatal("a folder without extracts has a fingerprint")
	}
	write(filepath.Join(folder, "quota.csv"), "a")
	first := fp()
	write(filepath.Join(folder, "readme.docx"), "notes")
	write(filepath.Join(folder, "~$reg.xlsx"), "lock")
	write(filepath.Join(folder, ".hidden", "x.csv"), "hidden")
	if got := fp(); got != first {
		t.Error("files the loader does not read changed the fingerprint")
	}
	outside := filepath.Join(dir, "reg.csv")
	write(outside, "b")
	if err := os.Symlink(outside, filepath.Join(folder, "reg.csv")); err != nil {
		t.Fatal(err)
	}
	linked := fp()
	if linked == first {
		t.Error("a symlinked extract did not change the fingerprint")
	}
	write(outside, "c")
	if fp() == linked {
		t.Error("a changed symlinked extract did not change the fingerprint")
	}
}
