package main

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/creack/pty"
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
	// Not a terminal (cron's log): the structured record, no progress line.
	if !strings.Contains(errs, `msg="report written" report=quality`) || strings.ContainsAny(errs, "\r\033") {
		t.Errorf("report quality's log: %q", errs)
	}

	// Ctrl-C: one line, and no file.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	stopped := filepath.Join(dir, "stopped")
	code, _, errs = enlistCtx(t, ctx, "--db", db, "report", "weekly", "--scope", "41", "--as-of", "2025-08-31", "--out", stopped)
	if code != exitFailure || errs != "enlist report: interrupted before it finished\n" {
		t.Errorf("interrupted report: exit %d, stderr %q", code, errs)
	}
	if _, err := os.Stat(stopped); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("an interrupted report left %s: %v", stopped, err)
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

// TestReportProgressOnATerminal: on a person's terminal, report names each
// step of the reading as it starts, then the files it writes, on one line
// that rewrites itself, and leaves only the paths printed.
func TestReportProgressOnATerminal(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	if _, err := assets.ECharts(); errors.Is(err, assets.ErrNoBundle) {
		t.Skip("the page needs the ECharts bundle (make assets)")
	}
	t.Setenv(secret.EnvVar, "")
	bin := enlistBinary(t)
	dir := t.TempDir()
	if code, out, errs := enlist(t, "demo", "--dir", dir, "--registrations", "3000"); code != exitOK {
		t.Fatalf("demo: %d\n%s\n%s", code, out, errs)
	}
	outDir := filepath.Join(dir, "out")
	cmd := exec.Command(bin, "--db", filepath.Join(dir, "enlist.duckdb"), "report", "weekly", "--scope", "41",
		"--as-of", "2025-08-31", "--out", outDir)
	cmd.Env = append(os.Environ(), "TERM=xterm")
	tty, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 50, Cols: 200})
	if err != nil {
		t.Fatal(err)
	}
	defer tty.Close()
	out := collect(tty)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("report weekly: %v\n%q", err, out.String())
	}
	at := 0
	for _, step := range []string{
		"\r\033[Kreport weekly 41: 1/8 counting the people of 41 as of 2025-08-31 and a week earlier",
		"\r\033[Kreport weekly 41: 3/8 the files and the warnings between them",
		"\r\033[Kreport weekly 41: 8/8 the universities",
		"\r\033[Kreport weekly 41: writing bulletin_41_20250831.xlsx",
		"\r\033[Kreport weekly 41: writing bulletin_41_20250831.html",
		"\r\033[K" + filepath.Join(outDir, "bulletin_41_20250831.xlsx"),
		filepath.Join(outDir, "bulletin_41_20250831.html"),
	} {
		at = out.waitFor(t, step, at, 30*time.Second)
	}
}
