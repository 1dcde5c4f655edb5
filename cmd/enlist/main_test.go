package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"enlist/internal/secret"
)

func enlist(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	return enlistCtx(t, context.Background(), args...)
}

// enlistCtx runs enlist as enlist does, under ctx (a cancelled one is a
// Ctrl-C).
func enlistCtx(t *testing.T, ctx context.Context, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(ctx, args, &out, &errb)
	return code, out.String(), errb.String()
}

// quotasFile writes a two-row quotas extract into a new folder and names
// the warehouse beside it.
func quotasFile(t *testing.T) (dir, db, csv string) {
	t.Helper()
	dir = t.TempDir()
	db, csv = filepath.Join(dir, "w.duckdb"), filepath.Join(dir, "q.csv")
	if err := os.WriteFile(csv, []byte("年度,批次,区划代码,征集任务数\n2025,上半年,410102,120\n2025,上半年,410103,80\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir, db, csv
}

func TestHelpEverywhere(t *testing.T) {
	code, out, _ := enlist(t, "--help")
	if code != exitOK || !strings.Contains(out, "Commands:") {
		t.Fatalf("--help: %d %q", code, out)
	}
	for _, c := range commands() {
		code, out, errs := enlist(t, c.name, "--help")
		if code != exitOK || strings.Count(out, "Usage: enlist "+c.name) != 1 || !strings.Contains(out, "Examples:") {
			t.Errorf("%s --help: exit %d, stdout %q, stderr %q", c.name, code, out, errs)
		}
	}
}

func TestUsageErrors(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "w.duckdb")
	for _, args := range [][]string{
		{},
		{"frobnicate"},
		{"ingest", "--no-such-flag", "x"},
		{"--db", db, "ingest"},
		{"--db", db, "ingest", "--kind", "pizza", "x.csv"},
		{"--db", db, "ingest", "--season", "3", "x.csv"},
		{"gen", "--province", "41"},
	} {
		if code, _, _ := enlist(t, args...); code != exitUsage {
			t.Errorf("enlist %v: exit %d, want %d", args, code, exitUsage)
		}
	}
}

func TestInitIngestStatus(t *testing.T) {
	t.Setenv(secret.EnvVar, "")
	dir, db, csv := quotasFile(t)
	// Ingest refuses to run before there is a secret.
	code, _, errs := enlist(t, "--db", db, "ingest", csv)
	if code != exitFailure || !strings.Contains(errs, "enlist init") {
		t.Fatalf("ingest without secret: %d %q", code, errs)
	}
	if code, out, errs := enlist(t, "--db", db, "init"); code != exitOK || !strings.Contains(out, "created secret") {
		t.Fatalf("init: %d %q %q", code, out, errs)
	}
	st, err := os.Stat(filepath.Join(dir, "w.secret"))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("secret file: %v %v", st, err)
	}
	// Flags after the path work as well as before it.
	code, out, errs := enlist(t, "ingest", csv, "--db", db)
	if code != exitOK || !strings.Contains(out, "quotas [4101 2025 S1]") || !strings.Contains(out, "2 accepted") {
		t.Fatalf("ingest: %d %q %q", code, out, errs)
	}
	if code, out, _ := enlist(t, "--db", db, "ingest", csv); code != exitOK || !strings.Contains(out, "already loaded") {
		t.Errorf("re-ingest: %d %q", code, out)
	}
	bad := filepath.Join(dir, "bad.csv")
	os.WriteFile(bad, []byte("姓名,民族\n某,汉\n"), 0o644)
	code, _, errs = enlist(t, "--db", db, "ingest", bad)
	if code != exitFailure || !strings.Contains(errs, bad) || !strings.Contains(errs, "--kind") {
		t.Errorf("refused file: %d %q", code, errs)
	}
	code, out, _ = enlist(t, "--db", db, "status")
	if code != exitOK || !strings.Contains(out, "1 files loaded") || !strings.Contains(out, "quotas") {
		t.Errorf("status: %d %q", code, out)
	}
	// A secret other users can read is refused.
	os.Chmod(filepath.Join(dir, "w.secret"), 0o644)
	if code, _, errs := enlist(t, "--db", db, "ingest", csv); code != exitFailure || !strings.Contains(errs, "readable by other users") {
		t.Errorf("exposed secret: %d %q", code, errs)
	}
}

func TestDemoTwiceChangesNothing(t *testing.T) {
	t.Setenv(secret.EnvVar, "")
	dir := t.TempDir()
	code, out, errs := enlist(t, "demo", "--dir", dir, "--registrations", "3000")
	if code != exitOK {
		t.Fatalf("demo: %d\n%s\n%s", code, out, errs)
	}
	for _, kind := range []string{"quotas", "registrations", "exams", "approvals", "resettlement", "total"} {
		if !strings.Contains(out, kind) {
			t.Errorf("summary lacks %s:\n%s", kind, out)
		}
	}
	code, out, errs = enlist(t, "demo", "--dir", dir, "--registrations", "3000")
	if code != exitOK || !strings.Contains(out, "(already loaded)") || strings.Contains(out, "registrations") {
		t.Errorf("second demo: %d\n%s\n%s", code, out, errs)
	}

	db := filepath.Join(dir, "enlist.duckdb")
	code, out, errs = enlist(t, "--db", db, "metrics", "--scope", "41", "--as-of", "2025-09-30", "--format", "csv")
	if code != exitOK {
		t.Fatalf("metrics: %d %s", code, errs)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	// Header, the province and its 18 cities.
	if len(lines) != 1+1+18 || !strings.HasPrefix(lines[0], "region_code,region_name,level,parent_code,year,season,as_of_date,quota,") ||
		!strings.HasPrefix(lines[1], "41,河南省,1,,2025,2,2025-09-30,") {
		t.Errorf("metrics csv:\n%s", out)
	}
	// An as-of date in March names the spring season.
	code, out, _ = enlist(t, "--db", db, "metrics", "--scope", "4101", "--depth", "0", "--as-of", "2025-03-10", "--format", "json")
	if code != exitOK || !strings.Contains(out, `"region_name": "郑州市"`) || !strings.Contains(out, `"season": 1`) {
		t.Errorf("metrics json: %d\n%s", code, out)
	}
	// The universities of 郑州市 (the demo lists Henan's), ranked by approved.
	code, out, errs = enlist(t, "--db", db, "metrics", "--scope", "4101", "--schools", "--as-of", "2025-09-30", "--format", "csv")
	if lines := strings.Split(strings.TrimSpace(out), "\n"); code != exitOK || len(lines) != 1+14 ||
		!strings.HasPrefix(lines[0], "year,season,as_of_date,school_code,school_name,") || !strings.Contains(out, "郑州大学") {
		t.Errorf("metrics --schools: %d %s\n%s", code, errs, out)
	}
	code, out, _ = enlist(t, "--db", db, "metrics", "--scope", "4101", "--schools", "--as-of", "2025-09-30")
	if code != exitOK || !strings.Contains(out, "approved_rank") || !strings.Contains(out, "applied_per_thousand") {
		t.Errorf("metrics --schools table: %d\n%s", code, out)
	}
	if code, _, errs := enlist(t, "--db", db, "metrics", "--scope", "410102", "--schools", "--as-of", "2025-09-30"); code != exitFailure ||
		!strings.Contains(errs, "no universities in this region") || !strings.Contains(errs, "--kind schools") {
		t.Errorf("metrics --schools of a county without one: %d %q", code, errs)
	}
	if code, _, errs := enlist(t, "--db", db, "metrics", "--scope", "11"); code != exitFailure || !strings.Contains(errs, "no data") {
		t.Errorf("metrics for a province without data: %d %q", code, errs)
	}
	if code, _, _ := enlist(t, "--db", db, "metrics", "--scope", "41", "--as-of", "30/9/2025"); code != exitUsage {
		t.Errorf("bad --as-of: exit %d", code)
	}
	// enlist.yaml beside the warehouse changes the targets the figures use.
	os.WriteFile(filepath.Join(dir, "enlist.yaml"), []byte("targets:\n  stem_ratio: 0.9\n"), 0o644)
	code, out, errs = enlist(t, "--db", db, "metrics", "--scope", "41", "--depth", "0", "--as-of", "2025-09-30", "--format", "json")
	if code != exitOK || !strings.Contains(out, `"stem_target": 0.9`) {
		t.Errorf("metrics with enlist.yaml: %d %s %s", code, out, errs)
	}
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("weights:\n  completion: -1\n"), 0o644)
	if code, _, errs := enlist(t, "--db", db, "--config", bad, "metrics", "--scope", "41"); code != exitFailure || !strings.Contains(errs, "weights.completion") {
		t.Errorf("bad config: %d %q", code, errs)
	}
}

// Ctrl-C during a load says so in one line, stores nothing of the file cut
// off, and does not show the "context canceled" of every layer it stopped.
func TestInterruptedIngest(t *testing.T) {
	t.Setenv(secret.EnvVar, "enlist-test-secret-0123456789abcdef")
	_, db, csv := quotasFile(t)
	if code, _, errs := enlist(t, "--db", db, "init"); code != exitOK {
		t.Fatalf("init: %d %s", code, errs)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	code, _, errs := enlistCtx(t, ctx, "--db", db, "ingest", "--kind", "quotas", csv)
	if code != exitFailure || errs != "enlist ingest: interrupted before it finished\n" {
		t.Errorf("interrupted ingest: exit %d, stderr %q", code, errs)
	}
	code, out, errs := enlist(t, "--db", db, "sql", "SELECT count(*) AS n FROM load_ledger")
	if f := strings.Fields(out); code != exitOK || len(f) == 0 || f[len(f)-1] != "0" {
		t.Errorf("after the interrupted ingest: exit %d, %q %s", code, out, errs)
	}
}
