package main

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"enlist/internal/secret"
	"enlist/reports/assets"
)

// TestReportCommand: demo ends with the province's bulletin; report weekly
// and quality write what they print; usage errors exit 2, a region without
// data exits 1.
func TestReportCommand(t *testing.T) {
	t.Setenv(secret.EnvVar, "")
	dir := t.TempDir()
	code, out, errs := enlist(t, "demo", "--dir", dir, "--registrations", "3000")
	if code != exitOK {
		t.Fatalf("demo: %d\n%s\n%s", code, out, errs)
	}
	_, bundleErr := assets.ECharts()
	wantDemo := []string{filepath.Join(dir, "reports", "bulletin_41_20250831.xlsx")}
	if !errors.Is(bundleErr, assets.ErrNoBundle) {
		wantDemo = append(wantDemo, filepath.Join(dir, "reports", "bulletin_41_20250831.html"))
	}
	for _, p := range wantDemo {
		if !strings.Contains(out, p) {
			t.Errorf("demo does not print %s:\n%s", p, out)
		}
		if _, err := os.Stat(p); err != nil {
			t.Errorf("demo bulletin: %v", err)
		}
	}

	db := filepath.Join(dir, "enlist.duckdb")
	outDir := filepath.Join(dir, "out")
	code, out, errs = enlist(t, "--db", db, "report", "weekly", "--scope", "4101", "--as-of", "2025-08-31", "--out", outDir, "--lang", "en")
	if errors.Is(bundleErr, assets.ErrNoBundle) {
		if code != exitFailure || !strings.Contains(errs, "make assets") {
			t.Errorf("report weekly without the bundle: %d %q", code, errs)
		}
	} else if code != exitOK {
		t.Fatalf("report weekly: %d\n%s\n%s", code, out, errs)
	}
	paths := strings.Fields(out)
	if len(paths) == 0 || paths[0] != filepath.Join(outDir, "bulletin_4101_20250831.xlsx") {
		t.Fatalf("report weekly printed %q", out)
	}
	for _, p := range paths {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("printed %s: %v", p, err)
		}
	}
	f, err := excelize.OpenFile(paths[0])
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := f.GetSheetList(); !slices.Contains(got, "Overview") || !slices.Contains(got, "Data quality") {
		t.Errorf("--lang en sheets: %v", got)
	}
	if v, _ := f.GetCellValue("Quota", "A1"); !strings.HasPrefix(v, "郑州市 — weekly conscription bulletin, 2025 second half") {
		t.Errorf("English title %q", v)
	}

	code, out, errs = enlist(t, "--db", db, "report", "quality", "--scope", "41", "--as-of", "2025-08-31", "--out", outDir)
	if code != exitOK || strings.TrimSpace(out) != filepath.Join(outDir, "quality_41_20250831.xlsx") {
		t.Errorf("report quality: %d %q %q", code, out, errs)
	}

	for _, args := range [][]string{
		{"report"},
		{"report", "weekly"},
		{"report", "monthly", "--scope", "41"},
		{"report", "weekly", "--scope", "41", "--lang", "fr"},
		{"report", "weekly", "--scope", "41", "--as-of", "31/8/2025"},
	} {
		if code, _, _ := enlist(t, append([]string{"--db", db}, args...)...); code != exitUsage {
			t.Errorf("%v: exit %d, want %d", args, code, exitUsage)
		}
	}
	if code, _, errs := enlist(t, "--db", db, "report", "weekly", "--scope", "11", "--out", outDir); code != exitFailure || !strings.Contains(errs, "no data") {
		t.Errorf("a province without data: %d %q", code, errs)
	}
}
