package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"enlist/internal/idnum"
	"enlist/internal/secret"
)

// TestSeasonRuleAtTheBoundary: a registration roll with no year or season
// column, people registered on 2025-03-31, 2025-04-15 and 2025-11-20. The
// default windows are season 1 01-01..03-31 and season 2 04-01..09-30, so
// by the one rule: 03-31 → season 1; 04-15 → season 2; 11-20 (in the gap
// after season 2's window) → season 2. Before the fix the load used
// calendar halves (04-15 → season 1) while the bulletin, as of 2025-04-15,
// looked in season 2: the person counted in one season at load and was
// missing from the other in the report. With enlist.yaml moving season 2 to
// 05-01..10-31, 2025-04-20 falls in the gap between the windows: season 2
// at load and in the bulletin alike.
func TestSeasonRuleAtTheBoundary(t *testing.T) {
	t.Setenv(secret.EnvVar, "county-secret-0123456789abcdef")
	dir := t.TempDir()
	db := filepath.Join(dir, "w.duckdb")
	born := time.Date(2005, 3, 9, 0, 0, 0, 0, time.UTC)
	roll := filepath.Join(dir, "reg.csv")
	text := "身份证号,区划代码,登记日期,是否应征报名\n" +
		idnum.Make("410102", born, 51) + ",410102001,2025-03-31,是\n" +
		idnum.Make("410102", born, 53) + ",410102001,2025-04-15,是\n" +
		idnum.Make("410102", born, 55) + ",410102002,2025-11-20,是\n"
	if err := os.WriteFile(roll, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	mustInit(t, db)
	if code, _, errs := enlist(t, "--db", db, "ingest", roll); code != exitOK {
		t.Fatal(errs)
	}
	if got := query(t, db, `SELECT string_agg(strftime(registered_on, '%m-%d') || '=S' || season, ' ' ORDER BY registered_on) FROM registrations`); got != "03-31=S1 04-15=S2 11-20=S2" {
		t.Errorf("seasons at load: %s, want 03-31=S1 04-15=S2 11-20=S2", got)
	}
	// The metrics as of 2025-04-15 read season 2, where the load put the
	// person registered that day: 1 registered by that date.
	code, out, errs := enlist(t, "--db", db, "metrics", "--scope", "410102", "--depth", "0", "--as-of", "2025-04-15", "--format", "csv")
	if code != exitOK {
		t.Fatalf("metrics: %d %s", code, errs)
	}
	if rows := csvRows(out); len(rows) != 1 || rows[0]["season"] != "2" || rows[0]["registered"] != "1" {
		t.Errorf("metrics as of 2025-04-15: %v, want season 2 with 1 registered", rows)
	}

	// Another warehouse whose enlist.yaml leaves a gap between the windows.
	gap := filepath.Join(dir, "gap")
	if err := os.MkdirAll(gap, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(gap, "enlist.yaml"), []byte("seasons:\n  1: {start: \"01-01\", end: \"03-31\"}\n  2: {start: \"05-01\", end: \"10-31\"}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	gapDB := filepath.Join(gap, "w.duckdb")
	april := filepath.Join(gap, "reg.csv")
	if err := os.WriteFile(april, []byte("身份证号,区划代码,登记日期,是否应征报名\n"+idnum.Make("410102", born, 57)+",410102001,2025-04-20,是\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	mustInit(t, gapDB)
	if code, _, errs := enlist(t, "--db", gapDB, "ingest", april); code != exitOK {
		t.Fatal(errs)
	}
	if got := query(t, gapDB, `SELECT season FROM registrations`); got != "2" {
		t.Errorf("2025-04-20 between the windows loaded into season %s, want 2", got)
	}
	code, out, errs = enlist(t, "--db", gapDB, "metrics", "--scope", "410102", "--depth", "0", "--as-of", "2025-04-20", "--format", "csv")
	if rows := csvRows(out); code != exitOK || len(rows) != 1 || rows[0]["season"] != "2" || rows[0]["registered"] != "1" {
		t.Errorf("metrics as of 2025-04-20 in the gap: %d %v %s, want season 2 with 1 registered", code, rows, errs)
	}
}

// TestBulletinDoesNotFallBackSilently: the warehouse holds 2025 only. A
// report as of 2026-12-02 names 2026 season 2 (after season 1's window),
// which has no data. Before the fix it showed 2025 season 2 titled so, with
// 统计截止日期 2026年12月2日 and nothing saying why. Now it is refused, naming
// the season and the way out; with --latest it shows 2025 season 2 and
// says so on stderr and in the workbook's date line.
func TestBulletinDoesNotFallBackSilently(t *testing.T) {
	t.Setenv(secret.EnvVar, "county-secret-0123456789abcdef")
	dir := t.TempDir()
	db := filepath.Join(dir, "w.duckdb")
	born := time.Date(2005, 3, 9, 0, 0, 0, 0, time.UTC)
	roll := filepath.Join(dir, "reg.csv")
	if err := os.WriteFile(roll, []byte("身份证号,区划代码,登记日期,是否应征报名,年度,季度\n"+
		idnum.Make("410102", born, 61)+",410102001,2025-07-10,是,2025,下半年\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	mustInit(t, db)
	if code, _, errs := enlist(t, "--db", db, "ingest", roll); code != exitOK {
		t.Fatal(errs)
	}
	out := filepath.Join(dir, "out")
	code, _, errs := enlist(t, "--db", db, "report", "quality", "--scope", "410102", "--as-of", "2026-12-02", "--out", out)
	if code != exitFailure || !strings.Contains(errs, "no registrations or quotas in 2026 season 2, the season of 2026-12-02") ||
		!strings.Contains(errs, "latest with data is 2025 season 2") || !strings.Contains(errs, "--latest") {
		t.Errorf("report for a season without data: exit %d\n%s", code, errs)
	}
	code, stdout, errs := enlist(t, "--db", db, "report", "quality", "--scope", "410102", "--as-of", "2026-12-02", "--latest", "--out", out)
	if code != exitOK || !strings.Contains(errs, "has no data for 2026 season 2") || !strings.Contains(errs, "showing 2025 season 2") {
		t.Fatalf("report --latest: exit %d\n%s\n%s", code, stdout, errs)
	}
	f, err := excelize.OpenFile(strings.TrimSpace(stdout))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	found := false
	for _, sheet := range f.GetSheetList() {
		rows, err := f.GetRows(sheet)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			line := strings.Join(r, " ")
			if strings.Contains(line, "统计截止日期：2026年12月2日（2026年下半年尚无数据，本表为2025年下半年）") {
				found = true
			}
		}
	}
	if !found {
		t.Error("the workbook does not say it shows 2025 season 2 for lack of 2026 data")
	}
}

// csvRows reads enlist's CSV output as one map per row.
func csvRows(out string) []map[string]string {
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) < 2 {
		return nil
	}
	head := strings.Split(lines[0], ",")
	var rows []map[string]string
	for _, l := range lines[1:] {
		vals := strings.Split(l, ",")
		m := map[string]string{}
		for i, h := range head {
			if i < len(vals) {
				m[h] = vals[i]
			}
		}
		rows = append(rows, m)
	}
	return rows
}
